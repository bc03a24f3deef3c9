# The report's first section: short answers to the questions a new user asks,
# each computed from the same tables the report shows, or a sentence saying
# which benchmark kind would answer it.

# Names a reach row the way figure legends name series; the run joins the
# name when one configuration has several runs, the section when a run has
# several sweeps.
reach_who <- function(reach) {
  who <- reach$backend
  if ("preset" %in% names(reach))
    who <- ifelse(reach$backend == "emu" & !is.na(reach$preset), paste0("emu/", reach$preset), who)
  if ("host" %in% names(reach) && length(unique(reach$host)) > 1)
    who <- paste0(reach$host, ": ", who)
  if ("run" %in% names(reach)) {
    multi <- tapply(reach$run, who, data.table::uniqueN)
    who <- ifelse(multi[who] > 1, paste0(who, " {", reach$run, "}"), who)
  }
  if ("section" %in% names(reach) && data.table::uniqueN(reach$section) > 1)
    who <- paste0(who, " [", reach$section, "]")
  unname(who)
}

# The IOTLB reach that applies to each row of `x` (columns run, backend,
# page_size, host, preset as far as both have them): lim_lo, the largest
# footprint known to fit (entries_lo when the reach table gives a bracket,
# else entries; the smallest over the run's sweeps of that page size), and
# lim_hi, the footprint past which the IOTLB is known to have run out. A run
# without a sweep of that page size takes the reach of the same
# configuration on the same host; a run whose own sweep found no step keeps
# NA (its own data say no reach was found).
reach_limits <- function(x, reach) {
  x <- data.table::copy(x)
  x[, `:=`(lim_lo = NA_real_, lim_hi = NA_real_)]
  if (is.null(reach) || !nrow(reach) || !any(!is.na(reach$entries))) return(x)
  r <- reach[!is.na(entries)]
  # Footprints count data pages: compare with the entries the data may use.
  pts <- reach_data_pages(r)
  lo <- if ("entries_lo" %in% names(r)) data.table::fifelse(is.na(r$entries_lo), pts, reach_data_pages(r, "entries_lo")) else pts
  hi <- if ("entries_hi" %in% names(r)) data.table::fifelse(is.na(r$entries_hi), pts, reach_data_pages(r, "entries_hi")) else pts
  r[, `:=`(lo_ = lo, hi_ = hi)]
  cfg <- intersect(c("backend", "page_size", "host", "preset"), intersect(names(r), names(x)))
  lim_of <- function(keys) {
    lim <- r[, .(l = min(lo_), h = max(hi_)), by = keys]
    lim[x, on = keys, .(l = x.l, h = x.h)]  # one row per row of x, in its order
  }
  own <- rep(FALSE, nrow(x))
  if (all(c("run", "page_size") %in% names(reach)) && "run" %in% names(x)) {
    j <- lim_of(c("run", cfg))
    x[, `:=`(lim_lo = j$l, lim_hi = j$h)]
    swept <- unique(reach[, .(run, page_size, s_ = TRUE)])
    own <- !is.na(swept[x, on = .(run, page_size), x.s_])
  }
  j <- lim_of(cfg)
  x[, `:=`(lim_lo = data.table::fifelse(own, lim_lo, j$l), lim_hi = data.table::fifelse(own, lim_hi, j$h))]
  x
}

# Where a case's footprint sits against its reach.
REGIONS <- c("within", "past", "bracket", "no-reach", "no-footprint")
reach_region <- function(fp, lo, hi) {
  ifelse(is.na(lo), "no-reach", ifelse(is.na(fp), "no-footprint",
  ifelse(fp <= lo, "within", ifelse(fp > hi, "past", "bracket"))))
}

region_text <- function(region, lo, hi) {
  pg <- function(v) format(v, big.mark = ",", scientific = FALSE, trim = TRUE)
  switch(region,
    within = sprintf("within IOTLB reach (footprint at most %s pages)", pg(lo)),
    past = sprintf("past IOTLB reach (footprint over %s pages)", pg(hi)),
    bracket = sprintf("footprint inside the reach's uncertainty (%s-%s pages)", pg(lo), pg(hi)),
    `no-reach` = "all footprints together: no IOTLB reach was found for this page size",
    `no-footprint` = "footprint unknown (no meta.json grid for these cases)")
}

# Signed nanoseconds in words-friendly form: "+14 ns", "-1.20 µs".
fmt_signed_ns <- function(ns) ifelse(is.na(ns), "NA", paste0(ifelse(ns >= 0, "+", "-"), fmt_ns(abs(ns))))

# The sentence body for a pooled ratio with its interval, `what` being the
# measured quantity ("the median I/O"); `base_ns` converts the ratio to ns.
ratio_sentence <- function(what, ratio, lo, hi, base_ns) {
  v <- ratio_verdict(lo, hi)
  ns <- function(r) (r - 1) * base_ns
  ci <- sprintf("ratio %.4f, 95%% CI %.4f-%.4f, i.e. %s to %s", ratio, lo, hi,
                fmt_signed_ns(ns(lo)), fmt_signed_ns(ns(hi)))
  switch(v,
    slower = sprintf("%s takes %s longer (%s)", what, fmt_ns(ns(ratio)), ci),
    faster = sprintf("%s takes %s less (%s)", what, fmt_ns(-ns(ratio)), ci),
    `slower-noisy` = sprintf("%s is slower, but the data are too noisy to say by how much (%s)", what, ci),
    `faster-noisy` = sprintf("%s is faster, but the data are too noisy to say by how much (%s)", what, ci),
    same = sprintf("no significant difference in %s (%s)", what, ci),
    noisy = sprintf("not significant, and too noisy to tell: the interval spans more than +-10%% (%s)", ci),
    none = sprintf("%s changes by %s (ratio %.4f; no interval)", what, fmt_signed_ns(ns(ratio)), ratio))
}

emulation_prefix <- function(emulated) ifelse(emulated, paste0(EMULATION_LABEL, ", not hardware cost: "), "")

answer_iommu_cost <- function(cmp, reach, runs = NULL) {
  out <- character()
  if (!is.null(cmp) && nrow(cmp)) {
    io <- cmp[op %in% c("read", "write") & kind %in% c("latency", "reuse", "churn") &
                (is.na(churn) | churn == "persistent")]
    if (!"footprint_pages" %in% names(io)) io[, footprint_pages := data.table::fifelse(kind == "reuse", pages, NA_real_)]
    for (col in c("emulated", "b_emulated")) if (!col %in% names(io)) data.table::set(io, j = col, value = FALSE)
    # Like with like: cases within the IOTLB reach of their run and page size
    # apart from those past it (where each I/O pays the miss penalty too).
    io <- reach_limits(io, reach)
    io[, region := reach_region(footprint_pages, lim_lo, lim_hi)]
    if (nrow(io)) {
      s <- io[, {
        p <- pool_ratios(p50_ratio, p50_lo, p50_hi)
        .(ratio = p$ratio, lo = p$lo, hi = p$hi, k = p$k, n = .N,
          base = stats::median(b_p50_ns), lim_lo = lim_lo[1], lim_hi = lim_hi[1],
          emulated = any(emulated | b_emulated))
      }, by = .(host, config, b_config, page_size, region)]
      s <- s[order(host, config, page_size, match(region, REGIONS))]
      # The host is named only when there are several, as in figure legends.
      # The prefix says emulation once; the configurations' own tags would repeat it.
      untag <- function(x) sub(paste0(" [", EMULATION_LABEL, "]"), "", x, fixed = TRUE)
      s[, `:=`(config = untag(config), b_config = untag(b_config))]
      who <- if (length(unique(s$host)) > 1)
        paste0(ifelse(is.na(s$host), "unknown host", s$host), ": ", s$config) else s$config
      body <- ifelse(s$k == 0,
                     sprintf("no interval for any case; median ratio not pooled (%d cases)", s$n),
                     mapply(ratio_sentence, "the median I/O", s$ratio, s$lo, s$hi, s$base))
      out <- c(out, sprintf("%s%s against %s, %s pages, %s, %d matched case%s: %s.",
        emulation_prefix(s$emulated), who, s$b_config, page_size_label(s$page_size),
        mapply(region_text, s$region, s$lim_lo, s$lim_hi), s$n, ifelse(s$n == 1, "", "s"), body))
    }
  } else {
    out <- c(out, "No no-IOMMU baseline (backend pagemap, or emu with preset none) was loaded, so there is no direct IOMMU-on/off comparison; load one beside this run.")
  }
  if (!is.null(reach) && nrow(reach) && any(!is.na(reach$entries))) {
    r <- reach[!is.na(entries)]
    step <- if (all(c("step_lo_ns", "step_hi_ns") %in% names(r)))
      ifelse(is.na(r$step_lo_ns), sprintf("%.0f ns", r$step_ns),
             sprintf("%.0f ns, 95%% interval %.0f-%.0f ns", r$step_ns, r$step_lo_ns, r$step_hi_ns))
    else if ("noise_ns" %in% names(r)) sprintf("%.0f ns against a sweep noise of %.1f ns", r$step_ns, r$noise_ns)
    else sprintf("%.0f ns", r$step_ns)
    emu <- if (!is.null(runs) && "emulated" %in% names(runs) && "run" %in% names(r))
      r$run %in% runs$run[runs$emulated] else rep(FALSE, nrow(r))
    out <- c(out, sprintf("%sPast the IOTLB reach each I/O pays about %.0f ns more (%s, %s pages: step %s, confidence %.2f).",
                          emulation_prefix(emu), r$step_ns, reach_who(r), page_size_label(r$page_size), step,
                          r$confidence))
  }
  out
}

answer_reach <- function(reach, runs = NULL) {
  if (is.null(reach) || !nrow(reach)) return("No `reuse` cases in these datasets: the IOTLB reach was not measured.")
  pg <- function(v) format(v, big.mark = ",", scientific = FALSE, trim = TRUE)
  # The bracket (entries_lo-entries_hi) when the inference gives one: the
  # sweep only says the step lies between two swept page counts.
  bracket <- if (all(c("entries_lo", "entries_hi") %in% names(reach)))
    ifelse(is.na(reach$entries_lo) | is.na(reach$entries_hi) | reach$entries_lo == reach$entries_hi, "",
           sprintf(" (somewhere in %s-%s pages)", pg(reach$entries_lo), pg(reach$entries_hi))) else ""
  noise <- if ("noise_ns" %in% names(reach))
    ifelse(is.na(reach$noise_ns), "", sprintf(", sweep noise %.1f ns", reach$noise_ns)) else ""
  out <- ifelse(is.na(reach$entries),
         sprintf("%s, %s pages: no IOTLB limit found (%s).", reach_who(reach),
                 page_size_label(reach$page_size), reach$reason),
         sprintf("%s, %s pages: the IOTLB holds %s entries%s; %s of them data pages = %s of buffers, the rest the queues' pages (step +%.0f ns%s, confidence %.2f).",
                 reach_who(reach), page_size_label(reach$page_size), pg(reach$entries),
                 sub(" pages)", " entries)", bracket, fixed = TRUE), pg(reach_data_pages(reach)),
                 bytes_label(reach_data_pages(reach) * reach$page_size), reach$step_ns, noise, reach$confidence))
  emu <- if (!is.null(runs) && "emulated" %in% names(runs) && "run" %in% names(reach))
    reach$run %in% runs$run[runs$emulated] else rep(FALSE, length(out))
  paste0(emulation_prefix(emu), out)
}

# The ratios of two sets of cases' medians (a over b, matched row by row)
# with 95 % intervals, by bootstrap over both latency histograms, or by the
# delta method without them: a matrix of (ratio, lo, hi) rows.
paired_ratio <- function(data, a, b, B = 200, seed = 1) {
  set.seed(seed)
  hist_of <- function(run_, case_) {
    if (is.null(data$hist)) return(NULL)
    h <- data$hist[run == run_ & case == case_]
    if (nrow(h) == 0 || sum(h$count) <= 0) NULL else h
  }
  ci <- t(vapply(seq_len(nrow(a)), function(i) {
    x <- a[i]; y <- b[i]
    ha <- hist_of(x$run, x$case); hb <- hist_of(y$run, y$case)
    if (!is.null(ha) && !is.null(hb)) {
      q <- hist_ratio_ci(ha, hb, 0.5, B)
      c(q$ratio, q$lo, q$hi)
    } else {
      c(x$p50_ns / y$p50_ns, delta_ci(x$p50_ns, x$p90_ns, 0.5, 0.9, x$ops, y$p50_ns, y$p90_ns, y$ops))
    }
  }, numeric(3)))
  matrix(ci, ncol = 3)
}

answer_map <- function(data) {
  r <- kind_rows(data, "map")[op == "map" & !is.na(p50_ns)]
  if (!nrow(r)) return("No `map` cases in these datasets: mapping speed was not measured.")
  # Geometric mean over the map sizes every series measured, per page size.
  common <- r[, .(n = length(unique(series))), by = .(page_size, map_size)][n == max(n)]
  r <- r[common, on = .(page_size, map_size)]
  g <- r[, .(gm = exp(mean(log(p50_ns)))), by = .(series, page_size)]
  g <- g[order(page_size, gm)]
  # Slowest against fastest, size by size (one case each: the first run's).
  # Not pooled: the ratio depends on the size (a per-page cost against a
  # per-call one), so the answer gives its range and how many sizes differ.
  versus <- function(ps, slow, fast) {
    pick <- function(s) unique(r[page_size == ps & series == s][order(map_size)], by = "map_size")
    a <- pick(slow); b <- pick(fast)
    ci <- paired_ratio(data, a, b)
    ok <- is.finite(ci[, 1])
    if (!any(ok)) return("")
    ci <- ci[ok, , drop = FALSE]; sz <- a$map_size[ok]
    v <- ratio_verdict(ci[, 2], ci[, 3])
    one <- function(i) sprintf("%.2fx (95%% CI %.2f-%.2f) at %s", ci[i, 1], ci[i, 2], ci[i, 3], bytes_label(sz[i]))
    lo <- which.min(ci[, 1]); hi <- which.max(ci[, 1])
    sprintf("; slowest/fastest %s%s; significantly slower at %d of %d sizes", one(lo),
            if (hi != lo) paste(" to", one(hi)) else "", sum(startsWith(v, "slower")), nrow(ci))
  }
  g[, .(line = sprintf("%s%s pages: fastest map is %s (geometric-mean median %s per call over %d sizes)%s.",
                       emulation_prefix(any(grepl(EMULATION_LABEL, series, fixed = TRUE))),
                       page_size_label(page_size[1]), series[1], fmt_ns(gm[1]),
                       nrow(common[page_size == .BY$page_size]),
                       if (.N > 1) sprintf("; slowest %s (%s)%s", series[.N], fmt_ns(gm[.N]),
                                           versus(.BY$page_size, series[.N], series[1])) else "")),
    by = page_size]$line
}

# Churn: what mapping per I/O, or per batch of N I/Os, costs against mapping
# once (persistent), for each series of churn cases that differ only in the
# policy. Ratios of the median with 95 % intervals as in the comparison
# table (bootstrap over both histograms, else the delta method); IOPS is one
# wall-clock measurement per case, so its ratio has no interval.
churn_effects <- function(data, B = 200, seed = 1) {
  r <- kind_rows(data, "churn")[!is.na(churn) & !is.na(p50_ns)]
  if (!nrow(r)) return(NULL)
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = "churn")]
  ref <- r[churn == "persistent", .(line, b_run = run, b_case = case, b_p50_ns = p50_ns, b_p90_ns = p90_ns,
                                    b_ops = ops, b_iops = iops)]
  ref <- unique(ref, by = "line")
  m <- ref[r[churn != "persistent"], on = .(line), nomatch = NULL]
  if (!nrow(m)) return(NULL)
  set.seed(seed)
  hist_of <- function(run_, case_) {
    if (is.null(data$hist)) return(NULL)
    h <- data$hist[run == run_ & case == case_]
    if (nrow(h) == 0 || sum(h$count) <= 0) NULL else h
  }
  ci <- t(vapply(seq_len(nrow(m)), function(i) {
    x <- m[i]
    ha <- hist_of(x$run, x$case); hb <- hist_of(x$b_run, x$b_case)
    if (!is.null(ha) && !is.null(hb)) {
      q <- hist_ratio_ci(ha, hb, 0.5, B)
      c(q$ratio, q$lo, q$hi)
    } else {
      c(x$p50_ns / x$b_p50_ns, delta_ci(x$p50_ns, x$p90_ns, 0.5, 0.9, x$ops, x$b_p50_ns, x$b_p90_ns, x$b_ops))
    }
  }, numeric(3)))
  m[, `:=`(ratio = ci[, 1], lo = ci[, 2], hi = ci[, 3], iops_ratio = iops / b_iops)]
  m[order(line, match(churn, churn_levels(r$churn)))]
}

answer_churn <- function(data) {
  m <- churn_effects(data)
  if (is.null(m)) return("No `churn` cases with a persistent reference in these datasets: the cost of mapping per I/O was not measured.")
  emu <- if ("emulated" %in% names(m)) m$emulated else rep(FALSE, nrow(m))
  untag <- function(x) sub(paste0(" [", EMULATION_LABEL, "]"), "", x, fixed = TRUE)
  what <- sprintf("mapping %s", ifelse(m$churn == "per-io", "around every I/O",
                                       sub("^batch:", "in batches of ", m$churn)))
  iops <- ifelse(is.na(m$iops_ratio), "",
                 sprintf("; IOPS x%.3f (one measurement per case, no interval)", m$iops_ratio))
  body <- mapply(ratio_sentence, "the median I/O", m$ratio, m$lo, m$hi, m$b_p50_ns)
  sprintf("%s%s: %s against mapping once: %s%s.", emulation_prefix(emu), untag(as.character(m$line)),
          what, body, iops)
}

# Cost against live mappings: the fitted growth of the median map or unmap
# cost per tenfold increase of the live mappings (10^slope of the log-log
# fit drawn in the count figure), with its 95 % interval.
answer_count <- function(data) {
  r <- kind_rows(data, "count")[!is.na(mappings) & !is.na(p50_ns)]
  if (!nrow(r)) return("No `count` cases in these datasets: the cost against live mappings was not measured.")
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = "mappings")]
  sl <- count_slopes(r)
  emu <- r[, .(e = if ("emulated" %in% names(r)) any(emulated) else FALSE), by = line]
  sl <- emu[sl, on = .(line)]
  untag <- function(x) sub(paste0(" [", EMULATION_LABEL, "]"), "", x, fixed = TRUE)
  pg <- function(v) format(v, big.mark = ",", scientific = FALSE, trim = TRUE)
  f <- function(s) 10^s
  x3 <- function(s) sprintf("x%.3f", f(s))
  v <- ifelse(is.na(sl$slope_lo), "none",
       ifelse(sl$slope_lo > 0, "grows", ifelse(sl$slope_hi < 0, "falls",
       ifelse(f(sl$slope_hi - sl$slope_lo) > NOISY_SPAN, "noisy", "same"))))
  ci <- sprintf("%s per tenfold more live mappings, 95%% CI %s-%s", x3(sl$slope), x3(sl$slope_lo), x3(sl$slope_hi))
  body <- ifelse(is.na(sl$slope), "a single mapping count, no growth can be fitted",
          ifelse(v == "none", sprintf("the median cost changes %s per tenfold more live mappings (two mapping counts: no interval)", x3(sl$slope)),
          ifelse(v == "grows", paste("the median cost grows", ci),
          ifelse(v == "falls", paste("the median cost falls", ci),
          ifelse(v == "noisy", paste("not significant, and too noisy to tell:", ci),
                 paste("no significant growth:", ci))))))
  sprintf("%s%s: %s; log-log slope %s over %d points, %s to %s mappings.", emulation_prefix(sl$e),
          untag(as.character(sl$line)), body, ifelse(is.na(sl$slope), "n/a", sprintf("%.3f", sl$slope)),
          sl$n, pg(sl$lo), pg(sl$hi))
}

answer_tails <- function(data, B = 200, seed = 1) {
  r <- kind_rows(data, "latency")[!is.na(p50_ns)]
  if (!nrow(r)) return("No `latency` cases in these datasets: tails were not measured.")
  # One sentence per case, each named once: threads, section and the run
  # (when one configuration has several) join the label when they vary.
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = c("op", "io_size", "qd", "page_size"))]
  r <- r[order(line, op, io_size, qd, page_size)]
  # The p99's 95 % interval: bootstrap over the case's histogram (as the
  # comparison table's); the p99.99 rests on ops / 10,000 I/Os, said as such.
  set.seed(seed)
  p99_ci <- vapply(seq_len(nrow(r)), function(i) {
    h <- if (is.null(data$hist)) NULL else data$hist[run == r$run[i] & case == r$case[i]]
    if (is.null(h) || !nrow(h) || sum(h$count) <= 0) return("")
    q <- hist_boot_quantiles(h$lo_ns, h$hi_ns, h$count, 0.99, B)
    sprintf(" [95%% CI %s-%s]", fmt_ns(stats::quantile(q, 0.025, names = FALSE)),
            fmt_ns(stats::quantile(q, 0.975, names = FALSE)))
  }, "")
  beyond <- ifelse(is.na(r$ops), "",
             ifelse(r$ops < 1e4, sprintf("; with %s I/Os this is their slowest", format(r$ops, big.mark = ",")),
                    sprintf(", %s I/Os beyond it", format(floor(r$ops * 1e-4), big.mark = ","))))
  emu <- if ("emulated" %in% names(r)) r$emulated else rep(FALSE, nrow(r))
  r[, line := sub(paste0(" [", EMULATION_LABEL, "]"), "", as.character(line), fixed = TRUE)]
  sprintf("%s%s, %s, %s pages: p50 %s, p99 %s%s (%.2fx), p99.99 %s (%.1fx the median%s).",
          emulation_prefix(emu), as.character(r$line), io_shape(r$op, r$io_size, r$qd), page_size_label(r$page_size),
          fmt_ns(r$p50_ns), fmt_ns(r$p99_ns), p99_ci, r$p99_ns / r$p50_ns, fmt_ns(r$p9999_ns),
          r$p9999_ns / r$p50_ns, beyond)
}
