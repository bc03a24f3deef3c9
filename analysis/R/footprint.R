# The footprint of a case: how many pages (of the case's page size) its I/Os
# touch, the number an IOTLB of N entries must hold for every I/O to hit.
# Comparing "within IOTLB reach" means comparing cases whose footprint is at
# most the inferred reach; a latency case spreading random I/Os over a 64 MiB
# buffer touches 16,384 4 KiB pages and is past any 64-entry reach however
# few pages its I/Os are.
#
# Where each kind's footprint comes from (the kind descriptors' footprint()
# in micro/kinds/*.c compute the same bytes):
#   footprint_bytes column   when results.csv has one (written by the runner)
#   reuse                    `pages`: the pages the I/Os cycle over
#   latency                  meta.json grid's `buffer` (bytes the random I/Os
#                            spread over), in pages, rounded up
#   churn                    (qd + batch) buffers of io_size, each rounded up
#                            to a page (batch 0 for persistent and per-io)
# Anything else (map, count, data without meta.json) has NA.

# meta.json's grid of every loaded run as one table: run, trace_case (the
# grid's case id: results rows `map-0001-map` belong to grid case `map-0001`)
# and the grid parameters the analysis reads (NA where a case has none).
GRID_COLS <- c("buffer", "warmup")
case_grid <- function(data) {
  rows <- lapply(seq_len(nrow(data$runs)), function(i) {
    meta <- tryCatch(read_meta(data$runs$dir[i]), error = function(e) NULL)
    g <- meta$grid
    if (!length(g)) return(NULL)
    num <- function(x) if (is.null(x) || length(x) != 1 || !is.numeric(x)) NA_real_ else as.numeric(x)
    out <- data.table::data.table(run = data$runs$run[i],
                                  trace_case = vapply(g, function(x) as.character(x$case %||% NA), ""))
    for (k in GRID_COLS) data.table::set(out, j = k, value = vapply(g, function(x) num(x[[k]]), 0))
    out[!is.na(trace_case)]
  })
  out <- data.table::rbindlist(rows)
  if (!nrow(out)) return(NULL)
  unique(out, by = c("run", "trace_case"))
}

# The results table with `footprint_pages` (and the grid's `buffer` and
# `warmup` when meta.json has them) added. Idempotent.
add_case_footprint <- function(data) {
  r <- data$results
  if ("footprint_pages" %in% names(r)) return(data)
  r <- data.table::copy(r)
  g <- case_grid(data)
  for (k in GRID_COLS) if (!k %in% names(r)) data.table::set(r, j = k, value = NA_real_)
  if (!is.null(g)) {
    r[g, on = .(run, trace_case), `:=`(buffer = data.table::fifelse(is.na(buffer), i.buffer, buffer),
                                       warmup = data.table::fifelse(is.na(warmup), i.warmup, warmup))]
  }
  pages_of <- function(bytes) ceiling(bytes / r$page_size)
  batch <- suppressWarnings(as.numeric(sub("^batch:", "", r$churn)))
  batch[is.na(batch)] <- 0
  fp <- rep(NA_real_, nrow(r))
  k <- r$kind
  fp <- ifelse(!is.na(k) & k == "reuse", r$pages, fp)
  fp <- ifelse(!is.na(k) & k == "latency", pages_of(r$buffer), fp)
  fp <- ifelse(!is.na(k) & k == "churn", (r$qd + batch) * pages_of(r$io_size), fp)
  if ("footprint_bytes" %in% names(r)) {
    fb <- suppressWarnings(as.numeric(r$footprint_bytes))
    fp <- ifelse(!is.na(fb), pages_of(fb), fp)
  }
  r[, footprint_pages := fp]
  data$results <- r
  data
}
