# Throughput (kind `latency`): IOPS against queue depth, one line per case
# series: each thread count, suite section (the QD 1 latency section and the
# throughput sweep are separate cases) and run is its own line, page size
# across and I/O shape down. IOPS is results.csv's wall-clock rate over all
# threads of the case.

fig_throughput <- function(data) {
  name <- "fig_throughput"; title <- "Throughput against queue depth and threads"
  r <- kind_rows(data, "latency")
  r <- r[!is.na(iops) & iops > 0 & !is.na(qd)]
  if (nrow(r) == 0) return(skip_figure(name, title, "no `latency` cases with IOPS in these datasets"))
  if (data.table::uniqueN(r[, .(qd, threads)]) < 2)
    return(skip_figure(name, title, sprintf(
      "every `latency` case ran at QD %s with %s thread(s): a throughput sweep sets qd and threads to several values",
      paste(unique(r$qd), collapse = "/"), paste(unique(r$threads), collapse = "/"))))
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = c("qd", "page_size", "op", "io_size"))]
  r[, shape := ordered_by(io_shape(op, io_size, NA), op, io_size)]
  ns <- n_series(r$line)
  qds <- sort(unique(r$qd))
  p <- ggplot2::ggplot(r, ggplot2::aes(qd, iops / 1e3, colour = line, shape = line,
                                       linetype = line, group = line)) +
    ggplot2::geom_line() + ggplot2::geom_point(size = 2) +
    ggplot2::scale_x_continuous("queue depth per thread", trans = "log2", breaks = qds) +
    ggplot2::scale_y_continuous("IOPS (thousands, all threads)", limits = c(0, NA)) +
    scale_series(ns, labels = r$line) + ggplot2::labs(title = title) + theme_iotlb()
  shapes <- levels(droplevels(r$shape))
  p <- p + if (length(shapes) > 1) ggplot2::facet_grid(shape ~ page_label) else
    ggplot2::facet_wrap(~page_label)
  emu <- "emulated" %in% names(r) && any(r$emulated)
  figure(p, name, title, paste0(
    "IOPS of each `latency` case (", paste(shapes, collapse = "; "), ") against its queue depth; ",
    "thread count, section and run tell the lines apart.",
    if (emu) paste0(" Series marked [", EMULATION_LABEL, "] ran in an emulated guest: not hardware throughput.") else ""),
    height = 3 + 2.2 * length(shapes) + legend_height(r$line))
}
