# Map/unmap cost against mapping size (kind `map`), and, when the run was
# traced, where the kernel spends that time.

fig_map <- function(data) {
  name <- "fig_map_cost"; title <- "Map and unmap cost against mapping size"
  r <- kind_rows(data, "map")
  r <- r[!is.na(map_size) & !is.na(p50_ns)]
  if (nrow(r) == 0) return(skip_figure(name, title, "no `map` cases in these datasets"))
  r[, op := factor(op, levels = unique(c("map", "unmap", sort(unique(op)))))]
  ns <- n_series(r$series)
  p <- ggplot2::ggplot(r, ggplot2::aes(map_size, p50_ns, colour = series, shape = series,
                                       linetype = series, group = interaction(series, run))) +
    ggplot2::geom_linerange(ggplot2::aes(ymin = p50_ns, ymax = p99_ns), linetype = "solid",
                            alpha = 0.5, na.rm = TRUE) +
    ggplot2::geom_line() + ggplot2::geom_point(size = 2) +
    scale_x_bytes("bytes per mapping") +
    ggplot2::scale_y_log10("median time per operation (bar: to p99)", breaks = scales::breaks_log(6), labels = label_ns) +
    ggplot2::facet_grid(op ~ page_label, scales = "free_x") +
    scale_series(ns) + ggplot2::labs(title = title) + theme_iotlb()
  figure(p, name, title,
         "Median (points) and p50-p99 range (bars) of one map or unmap call, per backing page size.",
         height = 5.5)
}

# Stacked kernel time per map/unmap call from trace_hist.csv: each probe's
# mean duration (bucket midpoints weighted by count) times calls per
# operation. Probes are stacked as measured: nested probes (a caller and its
# callee) would be counted twice, so suites should trace disjoint functions.
fig_map_trace <- function(data) {
  name <- "fig_map_kernel_breakdown"; title <- "Kernel time per map/unmap call, by probe"
  r <- kind_rows(data, "map")
  if (nrow(r) == 0) return(skip_figure(name, title, "no `map` cases in these datasets"))
  if (is.null(data$trace)) return(skip_figure(name, title, "no trace_hist.csv (run without --trace)"))
  t <- data$trace[r[, .(run, case, ops)], on = .(run, case), nomatch = NULL]
  if (nrow(t) == 0) return(skip_figure(name, title, "trace_hist.csv has no rows for `map` cases"))
  per <- t[, .(ns_per_op = sum((lo_ns + hi_ns) / 2 * count) / ops[1]), by = .(run, case, probe)]
  per <- r[, .(run, case, series, page_label, op, map_size)][per, on = .(run, case)]
  per[, size := factor(bytes_label(map_size), levels = bytes_label(sort(unique(map_size))))]
  np <- length(unique(per$probe))
  p <- ggplot2::ggplot(per, ggplot2::aes(size, ns_per_op, fill = probe)) +
    ggplot2::geom_col(colour = "black", linewidth = 0.2, width = 0.75) +
    ggplot2::scale_fill_grey(start = 0.25, end = 0.9) +
    ggplot2::scale_y_continuous("mean kernel time per call", labels = label_ns) +
    ggplot2::xlab("bytes per mapping") +
    ggplot2::facet_grid(op ~ series + page_label, scales = "free_x") +
    ggplot2::labs(title = title) + theme_iotlb() +
    ggplot2::theme(axis.text.x = ggplot2::element_text(angle = 45, hjust = 1),
                   legend.key.width = grid::unit(1, "lines"))
  # Grey fills with black outlines keep the stack readable without colour; the
  # legend lists probes in stack order.
  figure(p, name, title, paste0(
    "Mean time per call in each traced probe (", np,
    " probes, stacked as measured; nested probes would double-count)."),
    height = 5.5)
}
