# Map/unmap cost against mapping size (kind `map`), and, when the run was
# traced, where the kernel spends that time.

fig_map <- function(data) {
  name <- "fig_map_cost"; title <- "Map and unmap cost against mapping size"
  r <- kind_rows(data, "map")
  r <- r[!is.na(map_size) & !is.na(p50_ns)]
  if (nrow(r) == 0) return(skip_figure(name, title, "no `map` cases in these datasets"))
  r <- data.table::copy(r)
  r[, line := case_lines(r, shown = c("op", "page_size", "map_size"))]
  r[, op := factor(op, levels = unique(c("map", "unmap", sort(unique(op)))))]
  ns <- n_series(r$line)
  p <- ggplot2::ggplot(r, ggplot2::aes(map_size, p50_ns, colour = line, shape = line,
                                       linetype = line, group = line)) +
    ggplot2::geom_linerange(ggplot2::aes(ymin = p50_ns, ymax = p99_ns), linetype = "solid",
                            alpha = 0.5, na.rm = TRUE) +
    ggplot2::geom_line() + ggplot2::geom_point(size = 2) +
    scale_x_bytes("bytes per mapping") +
    ggplot2::scale_y_log10("median time per operation (bar: to p99)", breaks = scales::breaks_log(6), labels = label_ns) +
    ggplot2::facet_grid(op ~ page_label, scales = "free_x") +
    scale_series(ns, labels = r$line) + ggplot2::labs(title = title) + theme_iotlb()
  figure(p, name, title,
         "Median (points) and p50-p99 range (bars) of one map or unmap call, per backing page size.",
         height = 5.5 + legend_height(r$line))
}

# Stacked kernel time per map/unmap call from trace_hist.csv: each probe's
# mean duration (bucket midpoints weighted by count) times calls per
# operation. Probes are stacked as measured: nested probes (a caller and its
# callee) would be counted twice, so suites should trace disjoint functions.
fig_map_trace <- function(data) {
  # Not "kernel time": a usdt: probe times the program's own map/unmap call
  # (the ioctl and the kernel's work inside it), a kernel probe one kernel
  # function.
  name <- "fig_map_kernel_breakdown"; title <- "Time per map/unmap call, by traced probe"
  r <- kind_rows(data, "map")
  if (nrow(r) == 0) return(skip_figure(name, title, "no `map` cases in these datasets"))
  if (is.null(data$trace)) return(skip_figure(name, title, "no trace_hist.csv (run without --trace)"))
  # The warm-up operations (meta.json's grid) are traced too.
  if (!"warmup" %in% names(r)) r <- kind_rows(add_case_footprint(data), "map")
  per <- map_trace_per_op(r, data$trace)
  if (is.null(per)) return(skip_figure(name, title, "trace_hist.csv has no rows for `map` cases"))
  per[, line := case_lines(per, shown = c("op", "map_size", "page_size"))]
  per[, size := factor(bytes_label(map_size), levels = bytes_label(sort(unique(map_size))))]
  per[, op := factor(op, levels = unique(c("map", "unmap", sort(unique(op)))))]
  np <- length(unique(per$probe))
  p <- ggplot2::ggplot(per, ggplot2::aes(size, ns_per_op, fill = probe)) +
    ggplot2::geom_col(colour = "black", linewidth = 0.2, width = 0.75) +
    ggplot2::scale_fill_grey(start = 0.25, end = 0.9) +
    ggplot2::scale_y_continuous("mean time per call", labels = label_ns) +
    ggplot2::xlab("bytes per mapping") +
    ggplot2::facet_grid(op ~ line + page_label, scales = "free_x") +
    ggplot2::labs(title = title) + theme_iotlb() +
    ggplot2::theme(axis.text.x = ggplot2::element_text(angle = 45, hjust = 1),
                   legend.key.width = grid::unit(1, "lines"))
  # Grey fills with black outlines keep the stack readable without colour; the
  # legend lists probes in stack order.
  figure(p, name, title, paste0(
    "Mean time per call in each traced probe (", np,
    " probes, stacked as measured; nested probes would double-count). A probe that names",
    " neither map nor unmap is shown in a `map+unmap` row, per map/unmap pair. A usdt: probe",
    " times the program's own call (the kernel's work inside it included); a kernel probe one",
    " kernel function."),
    height = 5.5)
}

# Kernel time per operation of each traced probe, one row per (results row,
# probe). trace_hist.csv names a case `<section>-<NNNN>`; results.csv splits a
# map case into `<case>-map` and `<case>-unmap` rows (trace_case, load.R). A
# probe goes to the row whose op it names (`usdt:dma_unmap`, `iommu_map`,
# `ioctl:VFIO_IOMMU_UNMAP_DMA`); a probe that names none of the case's ops
# becomes an `a+b` row costed per pair of operations. The time is the probe's
# summed duration (bucket midpoints) over the operations the trace saw: the
# row's timed ops plus the case's warm-up ops (meta.json's grid `warmup`,
# which the probes fire for too; 0 when the grid does not say).
map_trace_per_op <- function(r, trace) {
  r <- data.table::copy(r)
  if (!"warmup" %in% names(r)) r[, warmup := NA_real_]
  r[, ops := ops + data.table::fifelse(is.na(warmup), 0, warmup)]
  rows <- r[, .(run, case, trace_case, op, ops, series, section, page_size, page_label,
                map_size, io_size, qd, threads)]
  t <- trace[, .(total_ns = sum((lo_ns + hi_ns) / 2 * count)), by = .(run, case, probe)]
  data.table::setnames(t, "case", "trace_case")
  # Results rows whose own id is the trace id (tools that do not split) too.
  j <- rows[t, on = .(run, trace_case), allow.cartesian = TRUE, nomatch = NULL]
  if (nrow(j) == 0) return(NULL)
  tokens <- strsplit(tolower(j$probe), "[^a-z0-9]+")
  j[, named := mapply(function(tk, o) !is.na(o) && o %in% tk, tokens, op)]
  j[, any_named := any(named), by = .(run, trace_case, probe)]
  own <- j[named == TRUE]
  shared <- if (!any(!j$any_named)) NULL else j[any_named == FALSE, .(case = paste(case, collapse = "+"),
                                   op = paste(sort(unique(op)), collapse = "+"),
                                   ops = max(ops), total_ns = total_ns[1]),
              by = .(run, trace_case, probe, series, section, page_size, page_label,
                     map_size, io_size, qd, threads)]
  per <- data.table::rbindlist(list(own, shared), fill = TRUE, use.names = TRUE)
  per[, ns_per_op := total_ns / ops]
  per[, c("named", "any_named") := NULL]
  per[]
}
