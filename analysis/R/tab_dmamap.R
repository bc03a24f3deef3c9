# The kernel's own DMA-API benchmark (kind dmamap, backend dma-api; the
# kernel's kernel/dma/map_benchmark.c): the cost of dma_map_single() and
# dma_unmap_single() for one PCI function under its IOMMU group's mode.
# The kernel returns only a mean and a standard deviation per operation
# (in units of 100 ns; results.csv holds them in ns as mean_ns and
# stddev_ns), so these rows have no percentiles, no count and no
# histogram, and no figure or percentile table shows them; this table does,
# one row per mode, buffer size, thread count, direction and operation.
# The mode is the function's own group's (meta.json device_iommu.mode),
# which is what its mappings went through. Guest (TCG) runs carry the
# emulation label in `config`.

DMAMAP_TITLE <- "The kernel's dma_map_benchmark (means and standard deviations only)"
DMAMAP_CAPTION <- paste(
  "dma_map_single / dma_unmap_single per IOMMU mode as the kernel's dma_map_benchmark reports them:",
  "mean and standard deviation only (it keeps no distribution, so there are no percentiles);",
  "resolution 100 ns")

DMAMAP_MODE_ORDER <- c("strict", "lazy", "passthrough", "none")

dmamap_rows <- function(data) {
  r <- data$results
  if (is.null(r) || !"kind" %in% names(r)) return(NULL)
  r <- data.table::copy(r[!is.na(kind) & kind == "dmamap"])
  if (!nrow(r)) return(NULL)
  for (m in c("stddev_ns", "dma_trans_ns")) if (!m %in% names(r)) r[, (m) := NA_real_]
  for (m in c("dma_dir", "device_iommu_mode", "iommu_mode")) if (!m %in% names(r)) r[, (m) := NA_character_]
  r[, mode := data.table::fifelse(!is.na(device_iommu_mode), device_iommu_mode, iommu_mode)]
  r[, granule := map_size / page_size]
  r[, mode_rank := match(mode, DMAMAP_MODE_ORDER, nomatch = length(DMAMAP_MODE_ORDER) + 1L)]
  r[, op_rank := match(op, c("map", "unmap"), nomatch = 3L)]
  data.table::setorderv(r, c("host", "mode_rank", "config", "granule", "threads", "dma_dir",
                             "dma_trans_ns", "op_rank"), na.last = TRUE)
  r
}

table_dmamap <- function(data) {
  r <- dmamap_rows(data)
  if (is.null(r)) return(NULL)
  data.frame(
    source = "kernel dma_map_benchmark",
    host = ifelse(is.na(r$host), "", r$host), config = r$config,
    iommu_mode = ifelse(is.na(r$mode), "", r$mode), op = r$op,
    granule_pages = fmt_num(r$granule), map_size = ifelse(is.na(r$map_size), "", bytes_label(r$map_size)),
    threads = fmt_num(r$threads), dir = ifelse(is.na(r$dma_dir), "", r$dma_dir),
    dma_trans_ns = fmt_num(r$dma_trans_ns),
    mean_ns = fmt_num(r$mean_ns), stddev_ns = fmt_num(r$stddev_ns),
    stringsAsFactors = FALSE)
}
