# The side-by-side answer to "what does the IOMMU cost my I/O path": for one
# page size, I/O size and queue depth at a time, one row per configuration
# of the latency kind -- userspace drivers with persistent mappings (vfio,
# iommufd), the kernel driver under each IOMMU mode ("kernel (strict)",
# "kernel (lazy)", "kernel (passthrough)", "kernel (off)") and no IOMMU
# (pagemap) -- with the p50 and its 95 % bootstrap interval from the case's
# latency histogram (multinomial resamples, R/hist.R), the p99, and the
# kernel path's mapping work from counters.csv (source `kernel`): the hits
# of iommu:map, iommu:unmap and intel_iommu:qi_submit (VT-d invalidation
# descriptors) during the case. Those counts cover the whole case, warm-up
# included, and every device on the machine; `timed_ios` is the histogram's
# count (warm-up excluded). The userspace backends map once per buffer, so
# their mapping columns stay empty rather than 0.

SIDE_CONFIG_ORDER <- c("vfio", "iommufd", "kernel (strict)", "kernel (lazy)",
                       "kernel (passthrough)", "kernel (off)", "pagemap")

# The rank ignores the emulation label mark_emulation() appends
# ("kernel (lazy) [QEMU TCG emulation]"): guest runs keep the fixed order.
side_config_rank <- function(config) {
  config <- sub(" \\[[^]]*\\]$", "", config)
  r <- match(config, SIDE_CONFIG_ORDER)
  base <- match(sub(" \\(.*$", "", config), SIDE_CONFIG_ORDER)
  ifelse(is.na(r), ifelse(is.na(base), length(SIDE_CONFIG_ORDER) + 1L, base), r)
}

side_by_side <- function(data, B = 200, seed = 1) {
  r <- data$results[data$results$kind == "latency", ]
  if (nrow(r) == 0) return(NULL)
  set.seed(seed)
  ctr <- data$counters
  kernel_count <- function(run_, case_, ev) {
    if (is.null(ctr)) return(NA_real_)
    v <- ctr[ctr$run == run_ & ctr$case == case_ & ctr$source == "kernel" & ctr$event == ev, ]
    if (nrow(v) == 0 || any(is.na(v$value))) NA_real_ else sum(v$value)
  }
  rows <- lapply(seq_len(nrow(r)), function(i) {
    x <- r[i, ]
    h <- if (is.null(data$hist)) NULL else data$hist[data$hist$run == x$run & data$hist$case == x$case, ]
    p50 <- x$p50_ns; lo <- NA_real_; hi <- NA_real_; n <- NA_real_
    if (!is.null(h) && nrow(h) > 0 && sum(h$count) > 0) {
      p50 <- hist_quantile(h$lo_ns, h$hi_ns, h$count, 0.5)
      q <- hist_boot_quantiles(h$lo_ns, h$hi_ns, h$count, 0.5, B)
      lo <- stats::quantile(q, 0.025, names = FALSE)
      hi <- stats::quantile(q, 0.975, names = FALSE)
      n <- sum(h$count)
    }
    data.table::data.table(
      run = x$run, config = x$config, page_size = x$page_size, op = x$op,
      io_size = x$io_size, qd = x$qd, threads = x$threads, p50_ns = p50, p50_lo = lo,
      p50_hi = hi, p99_ns = x$p99_ns, timed_ios = n,
      maps = kernel_count(x$run, x$case, "iommu:map"),
      unmaps = kernel_count(x$run, x$case, "iommu:unmap"),
      qi_submits = kernel_count(x$run, x$case, "intel_iommu:qi_submit"))
  })
  out <- data.table::rbindlist(rows)
  out[, rank := side_config_rank(config)]
  data.table::setorderv(out, c("page_size", "io_size", "op", "qd", "threads", "rank", "config"))
  out[, rank := NULL]
  out[]
}

table_side_by_side <- function(sbs) {
  data.frame(
    page_size = page_size_label(sbs$page_size), op = ifelse(is.na(sbs$op), "", sbs$op),
    io_size = fmt_num(sbs$io_size), qd = fmt_num(sbs$qd), threads = fmt_num(sbs$threads),
    config = sbs$config, p50_ns = fmt_num(sbs$p50_ns, 1), p50_lo = fmt_num(sbs$p50_lo, 1),
    p50_hi = fmt_num(sbs$p50_hi, 1), p99_ns = fmt_num(sbs$p99_ns, 1),
    timed_ios = fmt_num(sbs$timed_ios), maps = fmt_num(sbs$maps), unmaps = fmt_num(sbs$unmaps),
    qi_submits = fmt_num(sbs$qi_submits), stringsAsFactors = FALSE)
}
