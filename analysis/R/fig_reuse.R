# Reuse sweep (kind `reuse`): median latency against the number of distinct
# pages cycled over, one panel per page size. The inferred IOTLB reach
# (R/reach.R) is drawn as a dashed line at the last page count before the step.

fig_reuse <- function(data, reach = NULL) {
  name <- "fig_reuse_sweep"; title <- "Median latency against pages in use"
  r <- kind_rows(data, "reuse")
  r <- r[!is.na(pages) & !is.na(p50_ns)]
  if (nrow(r) == 0) return(skip_figure(name, title, "no `reuse` cases in these datasets"))
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = c("pages", "page_size"))]
  ns <- n_series(r$line)
  p <- ggplot2::ggplot(r, ggplot2::aes(pages, p50_ns, colour = line, shape = line,
                                       linetype = line, group = line)) +
    ggplot2::geom_line() + ggplot2::geom_point(size = 2)
  if (!is.null(reach) && nrow(reach) && any(!is.na(reach$entries))) {
    m <- reach_marks(r, reach)
    if (nrow(m))
      p <- p + ggplot2::geom_vline(data = m, ggplot2::aes(xintercept = data_reach, colour = line),
                                   linetype = "dashed", linewidth = 0.4, show.legend = FALSE) +
        ggplot2::geom_label(data = m, ggplot2::aes(x = data_reach, y = Inf, label = label, colour = line,
                                                        vjust = 1.2 + 1.5 * (slot - 1)), hjust = 1.05, size = 2.6, label.size = 0.15,
                            inherit.aes = FALSE, show.legend = FALSE)
  }
  p <- p + ggplot2::scale_x_continuous("distinct pages cycled over", trans = "log2",
                                       breaks = breaks_pow2, labels = scales::label_number(big.mark = ",")) +
    ggplot2::scale_y_continuous("median latency per I/O", labels = label_ns) +
    ggplot2::facet_wrap(~page_label, scales = "free_x") +
    scale_series(ns, labels = r$line) + ggplot2::labs(title = title) + theme_iotlb()
  figure(p, name, title, paste(
    "Median I/O latency while cycling over N pages. Dashed: inferred IOTLB reach",
    "(largest N before the first sustained step; see iotlb_reach.csv)."),
    height = 5 + legend_height(r$line))
}

# Joins the reach table back to the plotted series.
reach_marks <- function(r, reach) {
  # Every grouping column of the reach table (reach_groups(): run, section,
  # host, preset and the shape columns the sweeps vary): one mark per sweep.
  keys <- intersect(c("backend", "page_size", "run", "section", "host", "preset", REACH_SHAPE_COLS),
                    intersect(names(reach), names(r)))
  s <- unique(r[, c(keys, "line", "page_label"), with = FALSE])
  m <- reach[!is.na(entries)][s, on = keys, nomatch = NULL]
  # The x axis counts data pages: the mark sits where the data stop fitting
  # (entries less the queue pages), the label gives the entry count.
  m[, data_reach := reach_data_pages(m)]
  m[, label := sprintf("reach %s entries (+%.0f ns)", format(entries, big.mark = ","), step_ns)]
  # Several series with a reach in one panel: stack their labels downwards.
  m[, slot := seq_len(.N), by = page_label]
  m
}
