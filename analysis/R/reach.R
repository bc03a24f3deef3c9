# IOTLB-reach inference from the `reuse` benchmark.
#
# The reuse benchmark cycles I/O over `pages` distinct pages. While every page's
# translation fits in the IOTLB the median latency stays at its baseline;
# once the footprint exceeds the IOTLB, (nearly) every I/O pays a miss and
# the median steps up by the miss cost (Intel E5-2660v2 ~+235 ns, AMD EPYC
# ~+70 ns on a ~8 µs write). The reach is the largest swept page count before
# the first significant, sustained step.
#
# What makes this harder than "find the biggest jump": sweeps are sparse
# (powers of two, maybe an odd last point), the medians carry a few ns of
# noise, latency drifts slowly upward with footprint (caches, page-table
# walks), and the step may be only 60-70 ns on a 7-8 µs baseline.
#
# Method, per (backend, page_size [, host, preset, ...]) sweep:
#  1. Sort by pages; repeated page counts are merged by their median. Work on
#     x = log2(pages), so sparse and odd points sit at their true distance.
#  2. Global noise sigma_g: MAD of successive differences / sqrt(2). A step is
#     a single outlying difference and does not move a MAD.
#  3. Scan candidate split points j = min_pre .. n-1 from the left (the FIRST
#     step is wanted, not the largest). For each, the points 1..j are taken
#     as the pre-step baseline:
#       - baseline: with >= 4 pre points a Theil-Sen line through them
#         (robust slope; negative slopes clamped to 0 so a noisy downward
#         fit cannot manufacture a step), else their median. This removes
#         linear drift before the step is measured.
#       - noise: with >= 5 pre points the MAD of the baseline residuals,
#         else sigma_g; never below a floor of max(0.5 ns, 1e-4 * median).
#       - threshold = max(k * noise, min_step_ns). The absolute minimum keeps
#         an almost noiseless sweep from reporting a 3 ns wiggle.
#       - significant: residual of point j+1 above the baseline > threshold.
#       - sustained: every later point's residual > threshold / 2, i.e. the
#         curve stays above the extrapolated pre-step level; a one-point
#         spike is therefore never taken as the IOTLB running out.
#     The first j that passes gives entries = pages[j], step_ns = residual
#     at j+1.
#  4. confidence = 1 - k * noise / step (0 at the detection limit, -> 1 for
#     steps far above the noise), halved when the step is only at the last
#     point (cannot be shown to be sustained) and scaled by 0.75 when the
#     baseline had fewer than 5 points (noise taken from the whole sweep).
#  5. No candidate passes -> entries NA, and the reason gives the largest
#     rise seen against its threshold.
#  Quantised input: the iotlbench runner reports percentiles as histogram
#  bucket midpoints (1/128 of an octave: 32 ns at 4-8 us, 64 ns at 8-16 us),
#  so a slow drift crossing one bucket boundary looks like a sustained jump of
#  one bucket. Bucket midpoints of power-of-two-based buckets are all odd
#  multiples of half the (smallest) bucket width, so when every value is an
#  integer divisible by 2^v (v >= 2) the quantum is taken as 2^(v+1) and the
#  minimum step raised to 1.5 quanta; unquantised integer data is almost never
#  divisible by 4 throughout, and then nothing changes. The report avoids this
#  by feeding p50 re-read from latency_hist.csv with interpolation inside the
#  bucket (reach_input()).

theil_sen <- function(x, y) {
  n <- length(x)
  if (n < 2) return(c(a = stats::median(y), b = 0))
  ij <- utils::combn(n, 2)
  dx <- x[ij[2, ]] - x[ij[1, ]]
  ok <- dx != 0
  b <- if (any(ok)) stats::median((y[ij[2, ]] - y[ij[1, ]])[ok] / dx[ok]) else 0
  c(a = stats::median(y - b * x), b = b)
}

reach_result <- function(entries = NA_real_, step_ns = NA_real_, confidence = NA_real_,
                         reason, noise_ns = NA_real_, threshold_ns = NA_real_) {
  list(entries = entries, step_ns = step_ns, confidence = confidence, reason = reason,
       noise_ns = noise_ns, threshold_ns = threshold_ns)
}

# One sweep. Returns a list (entries, step_ns, confidence, reason, noise_ns,
# threshold_ns).
reach_one <- function(pages, p50, k = 5, min_step_ns = 25, min_pre = 2, min_points = 4) {
  ok <- is.finite(pages) & is.finite(p50) & pages > 0
  pages <- pages[ok]; p50 <- p50[ok]
  if (length(pages) == 0) return(reach_result(reason = "no reuse points with pages and p50_ns"))
  med <- tapply(p50, pages, stats::median)
  pages <- as.numeric(names(med)); y <- as.numeric(med)
  o <- order(pages); pages <- pages[o]; y <- y[o]
  n <- length(y)
  if (n < min_points)
    return(reach_result(reason = sprintf("only %d distinct page counts; need at least %d", n, min_points)))
  x <- log2(pages)
  floor_ns <- max(0.5, 1e-4 * stats::median(y))
  sigma_g <- robust_sd(diff(y)) / sqrt(2)
  if (!is.finite(sigma_g)) sigma_g <- floor_ns
  quantum <- value_quantum(y)
  if (is.finite(quantum)) min_step_ns <- max(min_step_ns, 1.5 * quantum)
  best <- list(ratio = -Inf)
  for (j in seq.int(min_pre, n - 1)) {
    pre <- seq_len(j)
    fit <- if (j >= 4) theil_sen(x[pre], y[pre]) else c(a = stats::median(y[pre]), b = 0)
    if (fit[["b"]] < 0) fit <- c(a = stats::median(y[pre]), b = 0)
    r <- y - (fit[["a"]] + fit[["b"]] * x)
    sigma <- if (j >= 5) robust_sd(r[pre]) else sigma_g
    sigma <- max(sigma, floor_ns, na.rm = TRUE)
    thr <- max(k * sigma, min_step_ns)
    step <- r[j + 1]
    if (step / thr > best$ratio) best <- list(ratio = step / thr, step = step, thr = thr,
                                              sigma = sigma, pages = pages[j])
    if (step <= thr) next
    post <- seq.int(j + 1, n)
    if (any(r[post] <= thr / 2)) next
    conf <- max(0, min(1, 1 - k * sigma / step))
    notes <- character()
    if (length(post) == 1) {
      conf <- conf * 0.5
      notes <- c(notes, "step at the last point only, not confirmed as sustained")
    } else {
      notes <- c(notes, sprintf("sustained over %d later points", length(post) - 1))
    }
    if (j < 5) {
      conf <- conf * 0.75
      notes <- c(notes, "short baseline, noise taken from the whole sweep")
    }
    if (is.finite(quantum))
      notes <- c(notes, sprintf("values quantised in %.0f ns steps", quantum))
    reason <- sprintf("step of %.0f ns after %s pages (%.1fx noise %.1f ns, threshold %.0f ns); %s",
                      step, format(pages[j], scientific = FALSE), step / sigma, sigma, thr,
                      paste(notes, collapse = "; "))
    return(reach_result(pages[j], step, round(conf, 2), reason, sigma, thr))
  }
  reach_result(reason = sprintf(
    "no sustained step: largest rise %.0f ns (after %s pages) vs threshold %.0f ns (noise %.1f ns)",
    best$step, format(best$pages, scientific = FALSE), best$thr, best$sigma),
    noise_ns = best$sigma, threshold_ns = best$thr)
}

# Bucket width implied by values that are all bucket midpoints, else NA.
value_quantum <- function(y) {
  if (any(y != round(y)) || any(y <= 0)) return(NA_real_)
  v <- 0
  while (v < 20 && all(y %% 2^(v + 1) == 0)) v <- v + 1
  if (v < 2) NA_real_ else 2^(v + 1)
}

REACH_COLS <- c("backend", "page_size", "entries", "step_ns", "confidence", "reason")

# Reach for every sweep in a results table (any source: load_datasets()$results,
# or a bare results.csv from another tool). Rows of another kind than "reuse"
# are ignored when there is a `kind` column (or, in data from before the
# column was renamed, a `suite` column holding the kind). `by` names further
# grouping columns (e.g. host, preset); they follow the six standard columns
# in the output.
infer_reach <- function(results, by = NULL, ...) {
  d <- data.table::as.data.table(results)
  need <- c("backend", "page_size", "pages", "p50_ns")
  miss <- setdiff(need, names(d))
  if (length(miss)) stop("reach needs columns ", paste(miss, collapse = ", "), call. = FALSE)
  kc <- kind_column(names(d))
  d <- if (is.na(kc)) data.table::copy(d) else d[!is.na(d[[kc]]) & d[[kc]] == "reuse"]
  by <- intersect(by, names(d))
  keys <- c("backend", "page_size", by)
  empty <- data.table::data.table(backend = character(), page_size = numeric(),
                                  entries = numeric(), step_ns = numeric(),
                                  confidence = numeric(), reason = character())
  if (nrow(d) == 0) return(empty)
  d[, `:=`(pages = as.numeric(pages), p50_ns = as.numeric(p50_ns), page_size = as.numeric(page_size))]
  out <- d[, {
    r <- reach_one(pages, p50_ns, ...)
    list(entries = r$entries, step_ns = r$step_ns, confidence = r$confidence,
         reason = r$reason, noise_ns = r$noise_ns, threshold_ns = r$threshold_ns)
  }, by = keys]
  data.table::setorderv(out, keys)
  data.table::setcolorder(out, c(REACH_COLS, by))
  out
}

# The file the report writes: six standard columns, then grouping columns.
# entries is left empty (not "NA") when no step was found.
write_reach_csv <- function(reach, path) {
  cols <- setdiff(names(reach), c("noise_ns", "threshold_ns"))
  x <- data.table::copy(reach)[, cols, with = FALSE]
  x[, step_ns := round(step_ns, 1)]
  data.table::fwrite(x, path, na = "")
  invisible(path)
}

# The report's input to infer_reach(): reuse rows whose p50 is re-read from
# their latency histogram (interpolating inside the bucket) when one exists,
# which resolves steps smaller than a bucket; results.csv's p50 otherwise.
reach_input <- function(data) {
  r <- data.table::copy(data$results[!is.na(kind) & kind == "reuse"])
  if (nrow(r) && !is.null(data$hist)) {
    h <- data$hist[r[, .(run, case)], on = .(run, case), nomatch = NULL]
    if (nrow(h)) {
      q <- h[, .(p50_hist = hist_quantile(lo_ns, hi_ns, count, 0.5)), by = .(run, case)]
      r[q, on = .(run, case), p50_ns := i.p50_hist]
    }
  }
  r
}

reach_from_csv <- function(path, by = NULL, ...) {
  infer_reach(read_results(path, required = c("backend", "page_size", "pages", "p50_ns")), by = by, ...)
}
