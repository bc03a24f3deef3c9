# Churn policy (kind `churn`): how often buffers are mapped and unmapped
# around I/O, against throughput and latency. Policies are ordered from the
# cheapest (map once) to the dearest (map per I/O), batches by falling size.

churn_levels <- function(x) {
  x <- unique(x[!is.na(x)])
  n <- suppressWarnings(as.numeric(sub("^batch:", "", x)))
  rank <- ifelse(x == "persistent", -Inf, ifelse(x == "per-io", Inf, -n))
  x[order(rank, x)]
}

fig_churn <- function(data) {
  name <- "fig_churn"; title <- "Churn policy against IOPS and latency"
  r <- kind_rows(data, "churn")
  r <- r[!is.na(churn)]
  if (nrow(r) == 0) return(skip_figure(name, title, "no `churn` cases in these datasets"))
  # One line per case series: QD, threads, op, I/O size, section and run go
  # into the legend when they vary (QD 1 and QD 32 are two lines, not one).
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = c("churn", "page_size"))]
  long <- data.table::rbindlist(list(
    r[, .(run, line, page_label, churn, metric = "IOPS (thousands)", value = iops / 1e3)],
    r[, .(run, line, page_label, churn, metric = "median latency (\u00b5s)", value = p50_ns / 1e3)],
    r[, .(run, line, page_label, churn, metric = "p99 latency (\u00b5s)", value = p99_ns / 1e3)]))
  long <- long[!is.na(value)]
  long[, churn := factor(churn, levels = churn_levels(r$churn))]
  ns <- n_series(long$line)
  p <- ggplot2::ggplot(long, ggplot2::aes(churn, value, colour = line, shape = line,
                                          linetype = line, group = line)) +
    ggplot2::geom_line() + ggplot2::geom_point(size = 2) +
    ggplot2::facet_grid(metric ~ page_label, scales = "free_y") +
    ggplot2::xlab("churn policy (map/unmap frequency)") + ggplot2::ylab(NULL) +
    scale_series(ns, labels = long$line) + ggplot2::labs(title = title) + theme_iotlb()
  figure(p, name, title,
         "persistent: mapped once; batch:N: mapped and unmapped every N I/Os; per-io: around every I/O.",
         height = 6.5 + legend_height(long$line))
}
