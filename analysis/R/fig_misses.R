# IOTLB misses per I/O against pages in use, from counters.csv: the direct
# measurement behind the reuse-sweep step. iotlb_miss when recorded (or the
# AMD IOMMU PMU's PTE misses, MISS_EVENTS), else iotlb_lookup - iotlb_hit; divided by the case's ops. `model` (emu) and
# `pmu` (hardware) sources are drawn with different line types.

miss_per_op <- function(data) {
  if (is.null(data$counters)) return(NULL)
  c <- data$counters[supported == TRUE & !is.na(value)]
  if (nrow(c) == 0) return(NULL)
  w <- data.table::dcast(c, run + case + source ~ event, value.var = "value", fun.aggregate = sum)
  if (!"iotlb_miss" %in% names(w)) w[, iotlb_miss := NA_real_]
  # The AMD IOMMU PMU names its IOTLB misses its own way (MISS_EVENTS).
  for (ev in setdiff(MISS_EVENTS, "iotlb_miss"))
    if (ev %in% names(w)) w[is.na(iotlb_miss), iotlb_miss := get(ev)]
  if (all(c("iotlb_lookup", "iotlb_hit") %in% names(w)))
    w[is.na(iotlb_miss), iotlb_miss := iotlb_lookup - iotlb_hit]
  w <- w[!is.na(iotlb_miss), .(run, case, source, misses = iotlb_miss)]
  if (nrow(w) == 0) return(NULL)
  r <- data$results[, intersect(c("run", "case", "kind", "series", "page_label", "ops", CASE_PARAMS),
                                names(data$results)), with = FALSE]
  w <- r[w, on = .(run, case), nomatch = NULL]
  w[, miss_per_op := misses / ops]
  w
}

fig_misses <- function(data) {
  name <- "fig_iotlb_misses"; title <- "IOTLB misses per I/O against pages in use"
  w <- miss_per_op(data)
  if (is.null(w)) return(skip_figure(name, title, "no supported iotlb_miss (or lookup/hit) counters"))
  w <- w[!is.na(pages) & kind == "reuse"]
  if (nrow(w) == 0) return(skip_figure(name, title, "no IOTLB counters for `reuse` cases"))
  w[, line := case_lines(w, shown = c("pages", "page_size"))]
  w[, line := ordered_by(paste0(line, " [", source, "]"), as.integer(line), source)]
  nl <- n_series(w$line)
  p <- ggplot2::ggplot(w, ggplot2::aes(pages, miss_per_op, colour = line, shape = line,
                                       linetype = line, group = line)) +
    ggplot2::geom_line() + ggplot2::geom_point(size = 2) +
    ggplot2::scale_x_continuous("distinct pages cycled over", trans = "log2",
                                breaks = breaks_pow2, labels = scales::label_number(big.mark = ",")) +
    ggplot2::scale_y_continuous("IOTLB misses per I/O") +
    ggplot2::facet_wrap(~page_label, scales = "free_x") +
    scale_series(nl, name = "configuration [counter source]", labels = w$line) +
    ggplot2::labs(title = title) + theme_iotlb()
  figure(p, name, title,
         "iotlb_miss (or iotlb_lookup - iotlb_hit) divided by the case's timed operations.",
         height = 5 + legend_height(w$line))
}
