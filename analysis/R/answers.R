# The report's first section: short answers to the questions a new user asks,
# each computed from the same tables the report shows, or a sentence saying
# which benchmark kind would answer it.

# Names a reach row the way figure legends name series.
reach_who <- function(reach) {
  who <- reach$backend
  if ("preset" %in% names(reach))
    who <- ifelse(reach$backend == "emu" & !is.na(reach$preset), paste0("emu/", reach$preset), who)
  if ("host" %in% names(reach) && length(unique(reach$host)) > 1)
    who <- paste0(reach$host, ": ", who)
  who
}

answer_iommu_cost <- function(cmp, reach) {
  out <- character()
  if (!is.null(cmp) && nrow(cmp)) {
    io <- cmp[op %in% c("read", "write") & kind %in% c("latency", "reuse", "churn") &
                (is.na(churn) | churn == "persistent")]
    # Within IOTLB reach only: past it the cost is the miss penalty, answered below.
    within <- !is.null(reach) && nrow(reach) && any(!is.na(reach$entries))
    if (within) {
      keys <- intersect(c("backend", "page_size", "host", "preset"), names(reach))
      lim <- reach[!is.na(entries), c(keys, "entries"), with = FALSE]
      data.table::setnames(lim, "entries", "lim")
      io <- lim[io, on = keys]
      io <- io[is.na(pages) | is.na(lim) | pages <= lim]
    }
    if (nrow(io)) {
      s <- io[, .(ratio = stats::median(p50_ratio), diff = stats::median(p50_diff_ns),
                  lo = stats::median(p50_lo), hi = stats::median(p50_hi), n = .N),
              by = .(host, config, b_config)]
      # The host is named only when there are several, as in figure legends.
      who <- if (length(unique(s$host)) > 1)
        paste0(ifelse(is.na(s$host), "unknown host", s$host), ": ", s$config) else s$config
      out <- c(out, sprintf(
        "%s %s the median I/O against %s (median ratio %.4f, 95%% CI %.4f-%.4f over %d matched cases%s).",
        who, ifelse(s$diff >= 0, sprintf("adds %.0f ns to", s$diff), sprintf("takes %.0f ns off", -s$diff)),
        s$b_config, s$ratio, s$lo, s$hi, s$n,
        if (within) ", within IOTLB reach" else ", at every page count: no IOTLB reach was found"))
    }
  } else {
    out <- c(out, "No no-IOMMU baseline (backend pagemap, or emu with preset none) was loaded, so there is no direct IOMMU-on/off comparison; load one beside this run.")
  }
  if (!is.null(reach) && nrow(reach) && any(!is.na(reach$entries))) {
    r <- reach[!is.na(entries)]
    out <- c(out, sprintf("Past the IOTLB reach each I/O pays about %.0f ns more (%s, %s pages).",
                          r$step_ns, reach_who(r), page_size_label(r$page_size)))
  }
  out
}

answer_reach <- function(reach) {
  if (is.null(reach) || !nrow(reach)) return("No `reuse` cases in these datasets: the IOTLB reach was not measured.")
  ifelse(is.na(reach$entries),
         sprintf("%s, %s pages: no IOTLB limit found (%s).", reach_who(reach),
                 page_size_label(reach$page_size), reach$reason),
         sprintf("%s, %s pages: the IOTLB runs out after %s pages = %s of buffers (step +%.0f ns, confidence %.2f).",
                 reach_who(reach), page_size_label(reach$page_size), format(reach$entries, big.mark = ","),
                 bytes_label(reach$entries * reach$page_size), reach$step_ns, reach$confidence))
}

answer_map <- function(data) {
  r <- kind_rows(data, "map")[op == "map" & !is.na(p50_ns)]
  if (!nrow(r)) return("No `map` cases in these datasets: mapping speed was not measured.")
  # Geometric mean over the map sizes every series measured, per page size.
  common <- r[, .(n = length(unique(series))), by = .(page_size, map_size)][n == max(n)]
  r <- r[common, on = .(page_size, map_size)]
  g <- r[, .(gm = exp(mean(log(p50_ns)))), by = .(series, page_size)]
  g <- g[order(page_size, gm)]
  g[, .(line = sprintf("%s pages: fastest map is %s (geometric-mean median %s per call over %d sizes)%s.",
                       page_size_label(page_size[1]), series[1], fmt_ns(gm[1]),
                       nrow(common[page_size == .BY$page_size]),
                       if (.N > 1) sprintf("; slowest %s (%s)", series[.N], fmt_ns(gm[.N])) else "")),
    by = page_size]$line
}

answer_tails <- function(data) {
  r <- kind_rows(data, "latency")[!is.na(p50_ns)]
  if (!nrow(r)) return("No `latency` cases in these datasets: tails were not measured.")
  # One sentence per case, each named once: threads, section and the run
  # (when one configuration has several) join the label when they vary.
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = c("op", "io_size", "qd", "page_size"))]
  r <- r[order(line, op, io_size, qd, page_size)]
  sprintf("%s, %s, %s pages: p50 %s, p99 %s (%.2fx), p99.99 %s (%.1fx the median).",
          as.character(r$line), io_shape(r$op, r$io_size, r$qd), page_size_label(r$page_size),
          fmt_ns(r$p50_ns), fmt_ns(r$p99_ns), r$p99_ns / r$p50_ns, fmt_ns(r$p9999_ns),
          r$p9999_ns / r$p50_ns)
}
