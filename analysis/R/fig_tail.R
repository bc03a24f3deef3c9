# Tail latency as a complementary CDF: P(latency >= x) on log-log axes, one
# line per configuration, a panel per page size. Log y spreads out exactly
# the region (1e-2 .. 1e-5) where IOMMU effects hide in a linear CDF.

TAIL_MARKS <- data.frame(q = c(0.5, 0.99, 0.999, 0.9999),
                         col = c("p50_ns", "p99_ns", "p999_ns", "p9999_ns"),
                         label = c("p50", "p99", "p99.9", "p99.99"))

fig_tail <- function(data) {
  name <- "fig_tail_latency"; title <- "Tail latency (complementary CDF)"
  r <- kind_rows(data, "latency")
  if (nrow(r) == 0) return(skip_figure(name, title, "no `latency` cases in these datasets"))
  if (is.null(data$hist)) return(skip_figure(name, title, "no latency_hist.csv for the `latency` cases"))
  h <- data$hist[r[, .(run, case)], on = .(run, case), nomatch = NULL]
  if (nrow(h) == 0) return(skip_figure(name, title, "no histogram rows for the `latency` cases"))
  # Panels: page size across, I/O shape (op, size) down when it varies; every
  # other parameter (QD, threads, section, run) tells the lines apart.
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = c("page_size", "op", "io_size"))]
  r[, shape := ordered_by(io_shape(op, io_size, NA), op, io_size)]
  key <- r[, .(run, case, line, page_label, shape)]
  cc <- hist_ccdf(h, c("run", "case"))
  cc <- key[cc, on = .(run, case)]
  # Percentile marks come from results.csv (the runner's exact values); where a
  # tool left them empty they are read off the histogram instead.
  marks <- data.table::rbindlist(lapply(seq_len(nrow(TAIL_MARKS)), function(i) {
    m <- r[, .(run, case, line, page_label, shape, x = get(TAIL_MARKS$col[i]))]
    m[, `:=`(y = 1 - TAIL_MARKS$q[i], mark = TAIL_MARKS$label[i])]
    m
  }))
  if (anyNA(marks$x)) {
    hq <- h[, .(q = TAIL_MARKS$q, v = hist_quantile(lo_ns, hi_ns, count, TAIL_MARKS$q)), by = .(run, case)]
    hq[, mark := TAIL_MARKS$label[match(q, TAIL_MARKS$q)]]
    marks[hq, on = .(run, case, mark), x := data.table::fifelse(is.na(x), i.v, x)]
  }
  ns <- n_series(cc$line)
  guides <- data.frame(y = 1 - TAIL_MARKS$q, label = TAIL_MARKS$label, x = min(cc$hi_ns))
  p <- ggplot2::ggplot(cc, ggplot2::aes(hi_ns, ccdf, colour = line, linetype = line,
                                         group = interaction(run, case))) +
    ggplot2::geom_hline(data = guides, ggplot2::aes(yintercept = y), colour = "grey70",
                        linewidth = 0.3) +
    ggplot2::geom_text(data = guides, ggplot2::aes(x = x, y = y, label = label),
                       hjust = 0, vjust = -0.3, size = 2.6, colour = "grey40", inherit.aes = FALSE) +
    ggplot2::geom_step(linewidth = 0.5) +
    ggplot2::geom_point(data = marks, ggplot2::aes(x, y, colour = line, shape = line),
                        size = 2, inherit.aes = FALSE) +
    ggplot2::scale_x_log10("latency", labels = label_ns) +
    ggplot2::scale_y_log10("share of I/Os at least this slow (1 - quantile)", breaks = 10^-(0:9),
                           labels = scales::label_number(drop0trailing = TRUE, scale_cut = NULL)) +
    scale_series(ns, labels = cc$line) +
    ggplot2::labs(title = title) +
    theme_iotlb()
  shapes <- levels(droplevels(cc$shape))
  p <- p + if (length(shapes) > 1) ggplot2::facet_grid(shape ~ page_label) else
    ggplot2::facet_wrap(~page_label)
  figure(p, name, title, paste0(
    "Complementary CDF of per-I/O latency from latency_hist.csv (", paste(shapes, collapse = "; "),
    "). Points mark p50, p99, p99.9 and p99.99 (horizontal guides)."),
    height = 3 + 2.2 * length(shapes) + legend_height(cc$line))
}
