# Cost against the number of live mappings (kind `count`), log-log. The slope
# of log(p50) against log(mappings) is the growth exponent: 0 for a constant
# cost, ~0.1 for a tree lookup at these sizes, 1 for a linear scan. It is
# written into each legend entry so the figure carries the answer.

count_slopes <- function(r) {
  if (!"line" %in% names(r)) {
    r <- data.table::copy(r)
    r[, line := case_lines(r, shown = "mappings")]
  }
  # slope_lo/slope_hi: the 95 % t interval of the least-squares slope, from
  # the scatter of the points about the line (needs 3 or more mapping counts).
  r[mappings > 0 & p50_ns > 0, {
    ok <- length(unique(mappings)) >= 2
    fit <- if (ok) stats::lm(log(p50_ns) ~ log(mappings)) else NULL
    cf <- if (ok) unname(stats::coef(fit)) else c(NA_real_, NA_real_)
    # A perfect fit (a constant cost) warns; its zero-width interval is right.
    ci <- if (ok && length(unique(mappings)) >= 3) unname(suppressWarnings(stats::confint(fit))[2, ])
          else c(NA_real_, NA_real_)
    list(intercept = cf[1], slope = cf[2], slope_lo = ci[1], slope_hi = ci[2], n = .N,
         lo = min(mappings), hi = max(mappings))
  }, by = .(line)]
}

fig_count <- function(data) {
  name <- "fig_count_scaling"; title <- "Cost against live mappings"
  r <- kind_rows(data, "count")
  r <- r[!is.na(mappings) & !is.na(p50_ns)]
  if (nrow(r) == 0) return(skip_figure(name, title, "no `count` cases in these datasets"))
  # One fit per case series: the legend names the configuration and every
  # parameter that varies but the swept one (op and page size included, so
  # the map and unmap fits of one configuration are told apart).
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = "mappings")]
  sl <- count_slopes(r)
  sl[, label := sprintf("%s: slope %s", line, ifelse(is.na(slope), "n/a", sprintf("%.3f", slope)))]
  sl[, label := factor(label, levels = label[order(line)])]
  r <- sl[, .(line, label)][r, on = .(line)]
  # Fitted lines drawn from the coefficients (cheaper than stat_smooth, and
  # guaranteed to be the very fit whose slope the legend prints).
  fit <- sl[!is.na(slope), .(mappings = c(lo, hi)), by = .(line, label, intercept, slope)]
  fit <- unique(r[, .(line, op)])[fit, on = .(line)]
  fit[, p50_ns := exp(intercept + slope * log(mappings))]
  nl <- n_series(r$label)
  p <- ggplot2::ggplot(r, ggplot2::aes(mappings, p50_ns, colour = label, shape = label,
                                       linetype = label, group = label)) +
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
