# The side-by-side answer drawn (R/tab_side_by_side.R has the table): for
# one page size, I/O shape, queue depth and thread count per panel, the p50
# of every configuration of the latency kind with its 95 % bootstrap
# interval, in the fixed order (userspace persistent mappings, the kernel
# driver by IOMMU mode, no IOMMU), and beside each point the mapping work
# the kernel path did per timed I/O (iommu:map, iommu:unmap and VT-d
# invalidation descriptors; the counts include the warm-up I/Os, so they
# read a little above 1 where every I/O maps once). Two runs of one
# configuration in one panel are two rows, named by their run.

side_panel <- function(s) {
  paste0(page_size_label(s$page_size), " pages, ", io_shape(s$op, s$io_size, s$qd),
         ifelse(is.na(s$threads) | s$threads == 1, "", paste0(", ", s$threads, " threads")))
}

side_work_label <- function(s) {
  per <- function(x) ifelse(is.na(x) | is.na(s$timed_ios) | s$timed_ios == 0, NA_real_,
                            x / s$timed_ios)
  m <- per(s$maps); u <- per(s$unmaps); q <- per(s$qi_submits)
  ifelse(is.na(m) & is.na(u), "",
         sprintf("%s map, %s unmap, %s inval. per I/O", fmt_num(m, 2), fmt_num(u, 2),
                 ifelse(is.na(q), "-", fmt_num(q, 2))))
}

fig_side_by_side <- function(data, sbs = side_by_side(data)) {
  name <- "fig_side_by_side"
  title <- "What the IOMMU costs the I/O path: configurations side by side"
  if (is.null(sbs) || !nrow(sbs))
    return(skip_figure(name, title, "no `latency` cases in these datasets"))
  s <- data.table::copy(sbs)
  s[, panel := side_panel(s)]
  # A row per configuration and run: a configuration run twice stays two rows.
  s[, row := config]
  s[, dup := .N > 1, by = .(panel, config)]
  s[dup == TRUE, row := paste0(config, " (", run, ")")]
  lv <- unique(s$row[order(side_config_rank(s$config), s$row)])
  s[, row := factor(row, levels = rev(lv))]
  s[, work := side_work_label(s)]
  s[, lo := ifelse(is.na(p50_lo), p50_ns, p50_lo)]
  s[, hi := ifelse(is.na(p50_hi), p50_ns, p50_hi)]
  xmax <- max(s$hi, na.rm = TRUE) / 1e3
  p <- ggplot2::ggplot(s, ggplot2::aes(x = p50_ns / 1e3, y = row)) +
    ggplot2::geom_errorbarh(ggplot2::aes(xmin = lo / 1e3, xmax = hi / 1e3), height = 0.3) +
    ggplot2::geom_point(size = 2) +
    ggplot2::geom_text(ggplot2::aes(x = hi / 1e3, label = work), hjust = -0.08, size = 2.8) +
    ggplot2::scale_x_continuous("p50 latency (µs), 95 % interval", limits = c(0, xmax * 1.9)) +
    ggplot2::scale_y_discrete(NULL) +
    ggplot2::facet_wrap(~panel, ncol = 1, scales = "free_y") +
    ggplot2::labs(title = title) + theme_iotlb()
  emu <- any(grepl(EMULATION_LABEL, s$config, fixed = TRUE))
  npanel <- data.table::uniqueN(s$panel)
  figure(p, name, title, paste0(
    "p50 of each `latency` case with its 95 % bootstrap interval (from the case's histogram), ",
    "one panel per page size, I/O shape, queue depth and thread count; beside each point the ",
    "IOMMU map and unmap calls and VT-d invalidation descriptors the kernel path made per ",
    "timed I/O (counted on every CPU and device; the warm-up I/Os are in the counts, so one ",
    "map per I/O reads a little above 1). Userspace backends map once per buffer and show none.",
    if (emu) paste0(" Rows marked [", EMULATION_LABEL, "] ran in an emulated guest: their times ",
                    "are emulation, not hardware; their counts are the kernel's own.") else ""),
    height = 1.2 + npanel * (0.6 + 0.32 * nrow(s) / npanel))
}
