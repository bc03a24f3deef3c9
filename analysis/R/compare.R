# Two runs against each other (`iotlbench compare BASE NEW`, compare.R): the
# ratio NEW / BASE of every matched case's p50, p99 and IOPS with 95 %
# bootstrap intervals, the IOTLB reach of each run on its own, and the
# regression verdict CI acts on.
#
# Cases are matched by case id and by every parameter that defines them
# (COMPARE_KEYS): a case id alone is not enough, because the same suite run
# with other --set values reuses the ids for other cases. Host, preset and
# backend are not match keys: comparing them is what the command is for, so
# they label the two series instead.

COMPARE_KEYS <- c("case", "kind", "page_size", "op", "io_size", "qd", "threads",
                  "pages", "map_size", "mappings", "churn")

# One run directory, loaded on its own: the runs of a comparison are never
# merged into one data set (no pooled medians, no pooled reach sweep).
load_compare_run <- function(dir, role) {
  dirs <- expand_dataset_dirs(dir)
  if (length(dirs) != 1)
    stop_input(dir, sprintf("%s holds %d runs, compare takes one run per side", role, length(dirs)),
               "Give one run directory (one holding results.csv), such as datasets/runs/latest")
  d <- load_datasets(dirs)
  if (!nrow(d$results))
    stop_input(dir, "results.csv holds no cases", "Compare runs that finished at least one case")
  d
}

# "run 2026...-emu, host vm, preset none, backend emu" for one loaded run.
run_label <- function(data) {
  r <- data$runs[1]
  b <- unique(stats::na.omit(data$results$backend))
  blank <- function(x) if (length(x) == 0 || is.na(x[1])) "-" else paste(x, collapse = "+")
  c(run = blank(r$run), host = blank(r$host), preset = blank(r$preset),
    backend = blank(if (length(b)) b else r$meta_backend),
    emulated = if (run_emulated(data)) "yes" else "no")
}

# Whether a loaded run ran under QEMU TCG (R/emulation.R).
run_emulated <- function(data) "cpu_model" %in% names(data$runs) && any(is_emulated_cpu(data$runs$cpu_model))

# Bootstrap replicates of a histogram's mean (bucket midpoints), B of them.
hist_boot_means <- function(lo, hi, count, B = 200) {
  total <- sum(count)
  size <- min(total, .Machine$integer.max)
  draws <- stats::rmultinom(B, size, count / total)
  colSums(draws * ((lo + hi) / 2)) / size
}

# The comparison of two loaded runs (load_compare_run()). Returns a list:
#   table     one row per matched case: the case keys, p50/p99/iops of both
#             runs, {p50,p99,iops}_{ratio,lo,hi}, ci (bootstrap or delta)
#   base,new  run_label() of each side
#   unmatched case ids of each side that have no partner
#   reach     infer_reach() per run, with a `series` column (base, new)
#
# Intervals (95 %):
#  - p50, p99: hist_ratio_ci() (R/stats.R) on the two latency histograms,
#    the same bootstrap as the report's comparison table; without both
#    histograms the delta method from results.csv's percentiles (delta_ci()).
#  - IOPS: results.csv's iops is one wall-clock measurement per case, with
#    no replicate to resample. At a fixed concurrency IOPS is inversely
#    proportional to the mean latency (Little's law), so the interval is the
#    point ratio scaled by the bootstrap spread of the mean-latency ratio
#    BASE / NEW. It ignores variation in the time between I/Os, so it is a
#    lower bound on the IOPS ratio's uncertainty; without histograms it is
#    left empty.
compare_runs <- function(base, new, B = 200, seed = 1) {
  keep <- c(COMPARE_KEYS, "ops", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "iops")
  rb <- unique(base$results[, keep, with = FALSE], by = COMPARE_KEYS)
  rn <- unique(new$results[, keep, with = FALSE], by = COMPARE_KEYS)
  vals <- setdiff(keep, COMPARE_KEYS)
  data.table::setnames(rb, vals, paste0("b_", vals))
  data.table::setnames(rn, vals, paste0("n_", vals))
  m <- rn[rb, on = COMPARE_KEYS, nomatch = NULL]
  unmatched <- list(base = setdiff(rb$case, m$case), new = setdiff(rn$case, m$case))
  set.seed(seed)
  hist_of <- function(data, case_) {
    if (is.null(data$hist)) return(NULL)
    h <- data$hist[case == case_]
    if (nrow(h) == 0 || sum(h$count) <= 0) NULL else h
  }
  na3 <- rep(NA_real_, 3)
  ci <- lapply(seq_len(nrow(m)), function(i) {
    x <- m[i]
    hb <- hist_of(base, x$case); hn <- hist_of(new, x$case)
    iops_pt <- x$n_iops / x$b_iops
    if (!is.null(hb) && !is.null(hn)) {
      q <- hist_ratio_ci(hn, hb, c(0.5, 0.99), B)
      mb <- hist_boot_means(hb$lo_ns, hb$hi_ns, hb$count, B)
      mn <- hist_boot_means(hn$lo_ns, hn$hi_ns, hn$count, B)
      pt_mean <- sum(hb$count * (hb$lo_ns + hb$hi_ns) / 2) / sum(hb$count) /
        (sum(hn$count * (hn$lo_ns + hn$hi_ns) / 2) / sum(hn$count))
      spread <- stats::quantile((mb / mn) / pt_mean, c(0.025, 0.975), names = FALSE)
      c(q$ratio[1], q$lo[1], q$hi[1], q$ratio[2], q$lo[2], q$hi[2],
        iops_pt, iops_pt * spread, 1)
    } else {
      c(x$n_p50_ns / x$b_p50_ns,
        delta_ci(x$n_p50_ns, x$n_p90_ns, 0.5, 0.9, x$n_ops, x$b_p50_ns, x$b_p90_ns, x$b_ops),
        x$n_p99_ns / x$b_p99_ns,
        delta_ci(x$n_p99_ns, x$n_p999_ns, 0.99, 0.999, x$n_ops, x$b_p99_ns, x$b_p999_ns, x$b_ops),
        iops_pt, NA_real_, NA_real_, 2)
    }
  })
  ci <- if (length(ci)) do.call(rbind, ci) else matrix(numeric(), 0, 10)
  m[, `:=`(p50_ratio = ci[, 1], p50_lo = ci[, 2], p50_hi = ci[, 3],
           p99_ratio = ci[, 4], p99_lo = ci[, 5], p99_hi = ci[, 6],
           iops_ratio = ci[, 7], iops_lo = ci[, 8], iops_hi = ci[, 9],
           ci = c("bootstrap", "delta")[ci[, 10]])]
  # Results order of the base run (the suite's grid order).
  m <- m[order(match(case, rb$case))]
  m[, emulated := run_emulated(base) || run_emulated(new)]
  list(table = m, base = run_label(base), new = run_label(new), unmatched = unmatched,
       reach = compare_reach(base, new))
}

# The reach inference of each run on its own (the report's grouping and
# input), never of both together: pooling two runs' sweeps would put two
# IOTLBs' steps into one curve.
compare_reach <- function(base, new) {
  one <- function(data, series) {
    r <- infer_reach(reach_input(data), by = reach_groups(data$results))
    if (!nrow(r)) return(NULL)
    r[, `:=`(series = series, run = data$runs$run[1])]
    r
  }
  out <- data.table::rbindlist(list(one(base, "base"), one(new, "new")), fill = TRUE)
  if (nrow(out)) data.table::setcolorder(out, c("series", "run"))
  out
}

# Cases whose p50 or p99 ratio's whole interval lies above 1 + pct / 100:
# slower beyond the allowed margin, and not by chance. A ratio without an
# interval (histogram and delta inputs both missing) never counts. When
# either run was emulated (QEMU TCG, column `emulated`) only the p50 gates:
# an emulated p99 is set by the host's scheduling of the emulator, and a
# bootstrap interval over one run's histogram cannot see run-to-run swings of
# that size, so a p99 gate there fails on noise.
compare_regressions <- function(tab, pct) {
  limit <- 1 + pct / 100
  hit <- function(lo) !is.na(lo) & lo > limit
  emu <- if ("emulated" %in% names(tab)) tab$emulated else rep(FALSE, nrow(tab))
  tab[hit(p50_lo) | (hit(p99_lo) & !emu)]
}

# Exit status of `iotlbench compare`: 0 without --fail-above or when no case
# regressed, 1 when one did.
compare_status <- function(tab, pct = NULL) {
  if (is.null(pct)) return(0L)
  if (nrow(compare_regressions(tab, pct))) 1L else 0L
}

fmt_ratio_ci <- function(r, lo, hi) {
  ifelse(is.na(r), "", ifelse(is.na(lo), sprintf("%.3f", r),
                              sprintf("%.3f [%.3f, %.3f]", r, lo, hi)))
}

# The printed and Markdown table: one text row per matched case.
compare_table_df <- function(cmp, pct = NULL) {
  t <- cmp$table
  flag <- rep("", nrow(t))
  if (!is.null(pct) && nrow(t))
    flag <- ifelse(t$case %in% compare_regressions(t, pct)$case, "REGRESSION", "")
  data.frame(case = t$case, kind = ifelse(is.na(t$kind), "", t$kind),
             page_size = ifelse(is.na(t$page_size), "", page_size_label(t$page_size)),
             op = ifelse(is.na(t$op), "", t$op), qd = fmt_num(t$qd), param = case_param(t),
             p50 = fmt_ratio_ci(t$p50_ratio, t$p50_lo, t$p50_hi),
             p99 = fmt_ratio_ci(t$p99_ratio, t$p99_lo, t$p99_hi),
             iops = fmt_ratio_ci(t$iops_ratio, t$iops_lo, t$iops_hi),
             ci = t$ci, flag = flag, stringsAsFactors = FALSE)
}

series_line <- function(role, lab) {
  sprintf("%s: run %s, host %s, preset %s, backend %s%s", role, lab[["run"]], lab[["host"]],
          lab[["preset"]], lab[["backend"]],
          if (identical(lab[["emulated"]], "yes")) paste0(" [", EMULATION_LABEL, "]") else "")
}

# The CSV: every number unrounded, each row labelled with both series.
write_compare_csv <- function(cmp, path) {
  t <- data.table::copy(cmp$table)
  for (side in c("base", "new")) {
    lab <- cmp[[side]]
    for (k in names(lab)) data.table::set(t, j = paste0(side, "_", k), value = lab[[k]])
  }
  data.table::setnames(t, c(paste0("b_", c("ops", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "iops")),
                            paste0("n_", c("ops", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "iops"))),
                       c(paste0("base_", c("ops", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "iops")),
                         paste0("new_", c("ops", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "iops"))))
  data.table::fwrite(t, path, na = "")
  invisible(path)
}

reach_lines <- function(reach) {
  if (!nrow(reach)) return("IOTLB reach: no `reuse` sweep in either run")
  # A run with several reuse sweeps (sections) has a reach per section.
  sec <- if ("section" %in% names(reach) &&
             any(reach[, data.table::uniqueN(section), by = series]$V1 > 1))
    paste0(" [", reach$section, "]") else ""
  c("IOTLB reach, inferred per run and sweep (never pooled):",
    sprintf("  %-4s %s%s, %s pages: %s", reach$series, reach$backend, sec, page_size_label(reach$page_size),
            ifelse(is.na(reach$entries), paste("no step:", reach$reason),
                   sprintf("%s entries%s (step %.0f ns, confidence %.2f)",
                           format(reach$entries, scientific = FALSE), reach_bracket_text(reach),
                           reach$step_ns, reach$confidence))))
}

# A data frame as the lines print() gives, one line per row however wide.
print_lines <- function(df) {
  old <- options(width = 10000)
  on.exit(options(old))
  utils::capture.output(print(df, row.names = FALSE, right = FALSE))
}

# Everything `iotlbench compare` prints (and the Markdown file's body).
compare_text <- function(cmp, pct = NULL) {
  df <- compare_table_df(cmp, pct)
  un <- vapply(cmp$unmatched, length, integer(1))
  c(series_line("BASE", cmp$base), series_line("NEW ", cmp$new),
    sprintf("%d matched cases; ratios NEW/BASE with 95%% bootstrap intervals%s", nrow(df),
            if (any(un > 0)) sprintf("; unmatched: %d in BASE, %d in NEW", un[["base"]], un[["new"]]) else ""),
    if (isTRUE(any(cmp$table$emulated)))
      paste0("Emulated run (", EMULATION_LABEL, "): timings are not hardware costs; ",
             "--fail-above gates on p50 only, the emulated p99 is noise"),
    "", print_lines(df), "",
    reach_lines(cmp$reach))
}

# compare.csv, compare.md and compare_reach.csv into out_dir.
write_compare <- function(cmp, out_dir, pct = NULL) {
  dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
  write_compare_csv(cmp, file.path(out_dir, "compare.csv"))
  cap <- paste0("NEW/BASE ratios, 95% bootstrap intervals. ", series_line("BASE", cmp$base), "; ",
                series_line("NEW", cmp$new))
  write_table_md(compare_table_df(cmp, pct), file.path(out_dir, "compare.md"), cap)
  if (nrow(cmp$reach)) write_reach_csv(cmp$reach, file.path(out_dir, "compare_reach.csv"))
  invisible(out_dir)
}
