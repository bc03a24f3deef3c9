# Cost against the number of live mappings (kind `count`), log-log. The slope
# of log(p50) against log(mappings) is the growth exponent: 0 for a constant
# cost, ~0.1 for a tree lookup at these sizes, 1 for a linear scan. It is
# written into each legend entry so the figure carries the answer.

count_slopes <- function(r) {
  r[mappings > 0 & p50_ns > 0, {
    ok <- length(unique(mappings)) >= 2
    cf <- if (ok) unname(stats::coef(stats::lm(log(p50_ns) ~ log(mappings)))) else c(NA_real_, NA_real_)
    list(intercept = cf[1], slope = cf[2], n = .N, lo = min(mappings), hi = max(mappings))
  }, by = .(series, page_label, op, run)]
}

fig_count <- function(data) {
  name <- "fig_count_scaling"; title <- "Cost against live mappings"
  r <- kind_rows(data, "count")
  r <- r[!is.na(mappings) & !is.na(p50_ns)]
  if (nrow(r) == 0) return(skip_figure(name, title, "no `count` cases in these datasets"))
  sl <- count_slopes(r)
  sl[, label := sprintf("%s, %s: slope %s", series, page_label,
                        ifelse(is.na(slope), "n/a", sprintf("%.3f", slope)))]
  r <- sl[, .(series, page_label, op, run, label)][r, on = .(series, page_label, op, run)]
  # Fitted lines drawn from the coefficients (cheaper than stat_smooth, and
  # guaranteed to be the very fit whose slope the legend prints).
  fit <- sl[!is.na(slope), .(mappings = c(lo, hi)), by = .(series, page_label, op, run, label, intercept, slope)]
  fit[, p50_ns := exp(intercept + slope * log(mappings))]
  nl <- n_series(r$label)
  p <- ggplot2::ggplot(r, ggplot2::aes(mappings, p50_ns, colour = label, shape = label,
                                       linetype = label, group = interaction(label, run))) +
    ggplot2::geom_point(size = 2) +
    ggplot2::geom_line(data = fit, linewidth = 0.5) +
    ggplot2::scale_x_log10("live mappings", labels = scales::label_number(scale_cut = scales::cut_short_scale())) +
    ggplot2::scale_y_log10("median time per operation", breaks = scales::breaks_log(6), labels = label_ns) +
    ggplot2::facet_wrap(~op) +
    scale_series(nl, name = "fitted growth exponent (slope of log p50 vs log mappings)") +
    ggplot2::guides(colour = ggplot2::guide_legend(ncol = 1, title.position = "top"),
                    shape = ggplot2::guide_legend(ncol = 1, title.position = "top"),
                    linetype = ggplot2::guide_legend(ncol = 1, title.position = "top")) +
    ggplot2::labs(title = title) + theme_iotlb()
  figure(p, name, title,
         "Median cost per operation; lines are least-squares fits on log-log axes, slope in the legend.",
         height = 4 + 0.25 * nl)
}
