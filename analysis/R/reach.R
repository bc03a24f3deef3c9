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
  sigma_g <- point_noise(y)
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
REACH_EXTRA <- c("entries_lo", "entries_hi", "step_lo_ns", "step_hi_ns", "data_fit", "data_miss",
                 "queue_entries", "model", "method", "order", "counter_entries", "counter_agree")

# One sweep: points with pages, mean_ns, p50_ns, ops and optionally a
# histogram per point (list column `hist`), the counted misses per I/O
# (`ctr_miss`), `order`, `other_pages` and `other_page_size`.
#
# 1. Per point, the share of I/Os that missed: from the histograms (the
#    mixture fit of reach_frac.R), else from the mean (or median) rise.
# 2. The bracket the sweep proves: the largest footprint with no misses and
#    the first from which every point misses. In entries:
#    [largest fitting data pages + o, first missing data pages - 1 + o], the
#    upper end only for fully associative designs (a set-associative IOTLB
#    misses before it is full).
# 3. The point estimate: the designs of reach_model.R fitted to the whole
#    curve inside that bracket; the best one names the design.
# 4. The same from the counted misses, where the run counted them.
reach_sweep <- function(pts, k = 5, min_step_ns = 25, min_points = 4, boot = TRUE) {
  pts <- merge_points(pts)
  n <- nrow(pts)
  ord <- if ("order" %in% names(pts) && any(pts$order == "random", na.rm = TRUE)) "random" else "cyclic"
  oth <- other_pages_of(pts)
  if (n < min_points)
    return(c(reach_result(reason = sprintf("only %d distinct page counts; need at least %d", n, min_points)),
             list(order = ord, queue_entries = oth$o)))
  W <- pts$pages
  use_hist <- "hist" %in% names(pts) && all(vapply(pts$hist, function(h) !is.null(h) && nrow(h) > 0, TRUE))
  fr <- if (use_hist) sweep_hist(pts, k, boot) else NULL
  if (!is.null(fr) && !isTRUE(fr$separable)) {
    # Overlapping modes: read the level of the curve instead (the mean of
    # the fastest 95 %).
    tm <- vapply(pts$hist, hist_trimmed_mean, numeric(1))
    fr <- sweep_mean(pts, k, min_step_ns, y = tm, what = "trimmed mean")
  }
  if (is.null(fr)) {
    # No histograms (another tool's summary table). Random order: the mean,
    # which follows the miss fraction 1 - N/W (the median would only move
    # once half the reads miss). Cyclic order: the median, which steps
    # exactly where an LRU/FIFO IOTLB runs out and ignores the stalls that
    # make a mean of a few thousand I/Os wander by tens of ns.
    if (ord == "random" && all(is.finite(pts$mean_ns))) {
      fr <- sweep_mean(pts, k, min_step_ns, y = pts$mean_ns, what = "mean")
    } else {
      fr <- sweep_mean(pts, k, min_step_ns, y = pts$p50_ns, what = "median")
    }
  }
  res <- list(order = ord, queue_entries = oth$o, method = fr$method)
  if (is.null(fr$miss)) return(c(reach_result(reason = fr$reason, noise_ns = fr$noise,
                                                threshold_ns = fr$thr), res))
  b <- bracket_of(W, fr$miss)
  if (is.na(b$on)) {
    return(c(reach_result(reason = sprintf("no sustained misses up to %s pages (%s); the IOTLB holds at least %s entries",
                                           fmt_n(max(W)), fr$why, fmt_n(max(W) + oth$o)),
                          noise_ns = fr$noise, threshold_ns = fr$thr),
             res, list(entries_lo = as.numeric(max(W) + oth$o), data_fit = as.numeric(max(W)))))
  }
  # The curve decides, not the first point over a threshold: near the reach
  # a random-replacement IOTLB misses on a few % of the I/Os, less than the
  # noise of a busy machine, while a set-associative one misses before it is
  # full. So every design is fitted to the whole curve, with the noise taken
  # from the fit's own residuals (a second pass), and the bracket is the
  # range of N that a design explains about as well as the best one.
  # A latency curve (mean mode) is fitted with the fully associative shapes
  # only: its drift would read as ways.
  lo <- 1
  hi_max <- 4 * max(W) + oth$o
  full_only <- isTRUE(fr$scale)
  fit <- fit_reach_models(W, fr$y, fr$se, oth$o, ord, lo, Inf, hi_max, scale = fr$scale,
                          full_only = full_only)
  # The mixture is not exact on a busy machine (the slow mode is not quite
  # the fast one shifted): a few % of systematic error is normal.
  # No reading "proves" a footprint fits: near the reach a random-replacement
  # IOTLB misses on 1/W of the I/Os, below any noise. So the bracket comes
  # from the fit alone, with the noise taken from its residuals.
  rms <- sqrt(mean(fit$resid^2))
  noise <- if (fr$scale) pmax(fr$se, rms, plateau_sd(W, fr$y, b$on)) else max(0.01, rms)
  se2 <- if (fr$scale) noise else sqrt(fr$se^2 + noise^2)
  fit <- fit_reach_models(W, fr$y, se2, oth$o, ord, lo, Inf, hi_max, scale = fr$scale,
                          model_floor = 0.03, full_only = full_only)
  # A curve no IOTLB shape explains is not read as a reach: a rise that is
  # over within the first few windows (remote memory, a cache) fits "N = 3"
  # as badly as anything else.
  rms <- sqrt(mean(fit$resid^2))
  amp <- if (fr$scale) abs(fit$s) else 1
  bad <- rms > max(if (fr$scale) 3 * stats::median(fr$se) else 0.05, 0.15 * amp)
  if (bad || fit$N <= min(W) + oth$o) {
    why <- if (bad) sprintf("residuals %.3g against a rise of %.3g", rms, amp) else
      sprintf("the fit puts N at or below the smallest footprint (%s pages)", fmt_n(min(W)))
    return(c(reach_result(reason = sprintf(
      "the curve rises but does not have the shape of an IOTLB running out (%s): not read as a reach",
      why), noise_ns = fr$noise, threshold_ns = fr$thr), res))
  }
  ent <- fit$N
  elo <- fit$lo; ehi <- fit$hi
  notes <- c(sprintf("misses clear of the noise from %s data pages on", fmt_n(W[b$on])),
             sprintf("curve fits %s", fit$name))
  if (length(fit$rivals) > 1)
    notes <- c(notes, sprintf("also consistent: %s", paste(setdiff(fit$rivals, fit$name), collapse = ", ")))
  if (oth$o > 0)
    notes <- c(notes, sprintf("%s queue page(s) of the same size counted as entries", fmt_n(oth$o)))
  if (oth$extra > 0) {
    ehi <- ehi + oth$extra
    notes <- c(notes, sprintf("a unified IOTLB also holds the %s queue page(s) of %s: up to %s more",
                              fmt_n(oth$extra), page_size_label(oth$extra_size), fmt_n(oth$extra)))
  }
  if (!is.null(oth$note)) notes <- c(notes, oth$note)
  # A search (pages = auto) judged its points as it went: its own bracket in
  # data pages, the largest footprint it found to fit and the smallest it
  # found to miss, is what data_fit and data_miss report for it.
  sv <- search_verdicts(pts)
  dfit <- if (b$on > 1) W[b$on - 1] else 0
  dmiss <- W[b$on]
  if (!is.null(sv)) {
    dfit <- sv$fit; dmiss <- sv$miss
    notes <- c(notes, sprintf("the search's verdicts: %s data pages fit, %s miss%s", fmt_n(sv$fit),
                              fmt_n(sv$miss),
                              if (ent - oth$o < sv$fit || ent - oth$o >= sv$miss)
                                " (the curve fit disagrees with them)" else ""))
  }
  # The miss cost: the mixture's shift (histograms); for a latency curve the
  # fitted amplitude, but for a step-shaped one the rise at the step (after
  # it the curve may drift on).
  step <- if (is.finite(fit$s %||% NA) && !(identical(fit$name, "fully associative, LRU/FIFO") && is.finite(fr$step %||% NA)))
    fit$s else fr$step
  # Its interval from the same source: the mixture's bootstrap; the fit's
  # amplitude; or, for the rise at the step (step detector), that rise's
  # noise: one point against the baseline line (sqrt(2) x the point noise).
  from_rise <- !identical(step, fit$s)
  sci <- if (!is.null(fr$step_ci) && all(is.finite(fr$step_ci))) fr$step_ci else
    if (from_rise && is.finite(fr$noise %||% NA)) step + c(-1.96, 1.96) * sqrt(2) * fr$noise else fit$s_ci
  conf <- onset_confidence(fr, b$on, k)
  if (b$on == n) notes <- c(notes, "misses at the last point only, not confirmed as sustained")
  reason <- sprintf("%s entries [%s, %s] (%s); miss cost %.0f ns [%.0f, %.0f]; %s",
                    fmt_n(ent), fmt_n(elo), fmt_n(ehi), fr$method, step, sci[1], sci[2],
                    paste(notes, collapse = "; "))
  c(reach_result(as.numeric(ent), step, round(conf, 2), reason, fr$noise, fr$thr), res,
    list(entries_lo = as.numeric(elo), entries_hi = as.numeric(ehi), step_lo_ns = sci[1],
         step_hi_ns = sci[2], data_fit = as.numeric(dfit), data_miss = as.numeric(dmiss),
         model = fit$name))
}

fmt_n <- function(x) format(x, scientific = FALSE, trim = TRUE)

# The scatter of a curve's level where nothing misses yet (the points up to
# half of `on`'s, about a straight drift in log2 W): what any point carries on a shared
# host. The point-to-point noise (a robust estimate) leaves out the odd point
# a few ns off, and a fit's residuals shrink with its free terms; with only
# those, a coarse sweep's bracket came out narrower than its run-to-run
# spread (a 256-entry random-replacement IOTLB read as 242 [230, 251]).
plateau_sd <- function(W, y, on) {
  # At most half the first footprint with clear misses: a gradual rise (random
  # order, random replacement) is under way before its misses clear the noise.
  pre <- which(seq_along(W) < on & W <= W[on] / 2)
  if (length(pre) < 3) return(0)
  x <- log2(W[pre])
  r <- if (length(pre) >= 4) stats::residuals(stats::lm(y[pre] ~ x)) else y[pre] - mean(y[pre])
  sqrt(sum(r^2) / (length(pre) - if (length(pre) >= 4) 2 else 1))
}

# The bracket a pages = auto search settled on from its rows' verdicts: the
# largest footprint judged to fit (the baseline counts) and the smallest
# judged to miss above it; NULL for a listed sweep or a search without both.
search_verdicts <- function(pts) {
  if (!"verdict" %in% names(pts)) return(NULL)
  v <- as.character(pts$verdict)
  fits <- pts$pages[v %in% c("baseline", "fits")]
  if (!length(fits)) return(NULL)
  fit <- max(fits)
  miss <- pts$pages[v %in% "misses" & pts$pages > fit]
  if (!length(miss)) return(NULL)
  list(fit = fit, miss = min(miss))
}

# The noise of one point of a curve, from the differences of neighbours
# (each carries two points' noise, hence the sqrt(2)), robust to the step.
point_noise <- function(y) robust_sd(diff(y)) / sqrt(2)

# The data pages an inferred reach leaves for buffers: the entries less the
# queue pages of the same size (`queue_entries`) that every I/O keeps in the
# IOTLB. Footprints (R/footprint.R) and the reuse figure's x axis count data
# pages, so they compare against this, never against the entry count.
reach_data_pages <- function(reach, col = "entries") {
  # queue_entries, not the results' other_pages (those count every queue
  # page, also of another size, and may be a grouping key of their own).
  o <- if ("queue_entries" %in% names(reach)) data.table::fifelse(is.na(reach$queue_entries), 0, reach$queue_entries) else 0
  reach[[col]] - o
}

# " [lo, hi]" where the reach table has a bracket wider than its point, for
# the one-line summaries (compare, the end-of-run summary).
reach_bracket_text <- function(reach) {
  if (!all(c("entries_lo", "entries_hi") %in% names(reach))) return(rep("", nrow(reach)))
  ifelse(is.na(reach$entries_lo) | is.na(reach$entries_hi) |
           (reach$entries_lo == reach$entries & reach$entries_hi == reach$entries), "",
         sprintf(" [%s, %s]", fmt_n(reach$entries_lo), fmt_n(reach$entries_hi)))
}

# Repeated page counts (the same point in several cases) become one point:
# histograms summed, means weighted by ops, medians by their median.
merge_points <- function(pts) {
  pts <- data.table::as.data.table(pts)
  if (!"ops" %in% names(pts)) pts[, ops := NA_real_]
  if (!"mean_ns" %in% names(pts)) pts[, mean_ns := NA_real_]
  pts <- pts[is.finite(pages) & pages > 0]
  data.table::setorder(pts, pages)
  if (!anyDuplicated(pts$pages)) return(pts)
  out <- pts[, {
    w <- if (all(is.finite(ops))) ops else rep(1, .N)
    row <- .SD[1]
    row[, `:=`(p50_ns = stats::median(p50_ns), mean_ns = sum(w * mean_ns) / sum(w),
               ops = sum(ops))]
    if ("hist" %in% names(.SD)) {
      hs <- data.table::rbindlist(.SD$hist)
      row$hist <- list(if (nrow(hs)) hs[, .(count = sum(count)), by = .(lo_ns, hi_ns)] else NULL)
    }
    if ("ctr_miss" %in% names(.SD)) row[, ctr_miss := sum(w * .SD$ctr_miss) / sum(w)]
    row
  }, by = pages, .SDcols = setdiff(names(pts), "pages")]
  data.table::setcolorder(out, names(pts))
  out
}

# Pages each I/O touches besides its data page (SQ and CQ ring pages), as the
# runner recorded them. Those of the data's page size take entries in any
# IOTLB; those of another size only in a unified one.
other_pages_of <- function(pts) {
  if (!"other_pages" %in% names(pts) || all(is.na(pts$other_pages)))
    return(list(o = 0, extra = 0, extra_size = NA,
                note = "other pages per I/O not recorded: entries count data pages only"))
  o <- max(pts$other_pages, na.rm = TRUE)
  sz <- if ("other_page_size" %in% names(pts)) suppressWarnings(max(pts$other_page_size, na.rm = TRUE)) else NA
  ps <- pts$page_size[1]
  if (o == 0 || !is.finite(sz) || sz == ps) return(list(o = o, extra = 0, extra_size = NA, note = NULL))
  list(o = 0, extra = o, extra_size = sz, note = NULL)
}

# The first point from which every later point misses (a one-point spike
# before it is ignored); NA when none.
bracket_of <- function(W, miss) {
  n <- length(miss)
  on <- NA_integer_
  for (j in rev(seq_len(n))) if (miss[j]) on <- j else break
  list(on = on)
}

# How clearly the sweep shows misses past the reach (miss fractions): the
# point from the onset on that stands furthest above its noise. Not the
# first flagged point alone: near the reach a random-replacement IOTLB
# misses on a few % of the I/Os, just over the threshold, and a solid
# reading (the 2 MiB reference, every later point near 1) showed 0.00. A
# latency curve takes the step detector's own confidence.
onset_confidence <- function(fr, on, k) {
  if (!is.null(fr$conf)) return(fr$conf)
  j <- seq.int(on, length(fr$y))
  c0 <- max(0, min(1, max(1 - k * fr$se[j] / pmax(fr$y[j], 1e-9))))
  if (on == length(fr$y)) c0 <- c0 * 0.5
  c0
}

# Histogram mode: miss fractions from the mixture fit.
sweep_hist <- function(pts, k, boot) {
  fr <- sweep_fractions(pts[, .(pages, mean = mean_ns)], pts$hist, boot = boot)
  f <- fr$f; se <- fr$se
  n <- length(f)
  # Modes too close to count I/Os across a threshold between them: read the
  # level of the curve instead (reach_sweep() falls back).
  if (anyNA(f)) return(list(method = "histogram mixture", separable = FALSE))
  # The fraction's own noise beyond sampling: its spread over the first
  # points after the baseline, where nothing misses in any sensible sweep.
  early <- f[seq_len(min(n, 4))][-1]
  floor_f <- max(0.004, 3 * (if (length(early) >= 2) robust_sd(early) else 0), na.rm = TRUE)
  thr <- pmax(k * se, floor_f)
  far_ok <- f[fr$far] > thr[fr$far] && fr$step >= 3
  base <- list(method = "histogram mixture", noise = NA_real_, thr = NA_real_, step = fr$step,
               step_ci = fr$step_ci, scale = FALSE,
               separable = modes_separable(pts$hist[[1]], fr$step))
  if (!far_ok)
    return(c(base, list(miss = NULL, reason = sprintf(
      "no misses: the far point (%s pages) matches the baseline (mixture weight %.3f, threshold %.3f)",
      fmt_n(pts$pages[fr$far]), f[fr$far], thr[fr$far]))))
  c(base, list(miss = f > thr, y = f, se = sqrt(se^2 + (floor_f / k)^2),
               why = sprintf("miss fraction at most %.3f", max(f))))
}

# Mean mode (no histograms, e.g. another tool's summary table): the rise of
# the mean (else the median) over a baseline that may drift, with the step
# detector reach_one() dating the onset and the noise.
sweep_mean <- function(pts, k, min_step_ns, y = NULL, what = NULL) {
  if (is.null(y)) {
    what <- if (all(is.finite(pts$mean_ns))) "mean" else "median"
    y <- if (all(is.finite(pts$mean_ns))) pts$mean_ns else pts$p50_ns
  }
  r <- reach_one(pts$pages, y, k = k, min_step_ns = min_step_ns)
  base <- list(method = sprintf("%s latency", what), noise = r$noise_ns, thr = r$threshold_ns,
               step = r$step_ns, step_ci = NULL, scale = TRUE)
  if (is.na(r$entries)) {
    g <- rise_gate(pts$pages, y, k, min_step_ns)
    if (is.null(g$on)) return(c(base, list(miss = NULL, reason = paste(r$reason, g$reason, sep = "; "))))
    base$noise <- g$sigma; base$thr <- g$thr; base$step <- g$rise
    return(c(base, list(miss = seq_along(y) >= g$on, y = y, se = rep(g$sigma, length(y)),
                        conf = g$conf, why = sprintf("gradual %s rise", what))))
  }
  # The fit takes the raw curve: drift and step are fitted together
  # (latency_fit()); the step detector dates the onset and gives the noise
  # and the confidence.
  c(base, list(miss = pts$pages > r$entries, y = y, se = rep(max(r$noise_ns, 0.5), length(y)),
               conf = r$confidence, why = sprintf("%s rise", what)))
}

# A curve that rises gradually: random order (f = 1 - (N - o) / W) and
# random replacement (f grows from the edge) never jump by the whole miss
# cost between two points, so the step detector, which wants one jump and
# then a plateau, misses a small cost (a 50 ns cost over 17 random-order
# points rose 3 to 11 ns a point). The gate here is the rise of the curve's
# end over its start against the point-to-point noise; the onset is the
# first point from which every later one stays clear of the start. Whether
# the rise has an IOTLB's shape at all is for the model fit to say.
rise_gate <- function(pages, y, k, min_step_ns) {
  n <- length(y)
  h <- max(1, min(3, n %/% 4))
  head <- stats::median(y[seq_len(h)])
  tail <- stats::median(y[seq.int(n - h + 1, n)])
  sigma <- max(point_noise(y), 0.5, na.rm = TRUE)
  rise <- tail - head
  thr <- max(k * sigma, min_step_ns)
  if (!is.finite(rise) || rise <= thr)
    return(list(reason = sprintf("the curve's end lies %+.0f ns from its start (threshold %.0f ns, noise %.1f ns)",
                                 rise, thr, sigma)))
  above <- y - head > 3 * sigma
  on <- NULL
  for (j in seq_len(n)) if (all(above[j:n])) { on <- j; break }
  if (is.null(on) || on <= h)
    return(list(reason = "the curve rises from its first points: no plateau to read a reach from"))
  list(on = on, sigma = sigma, thr = thr, rise = rise,
       conf = max(0, min(1, 1 - k * sigma / rise)) * if (on == n) 0.5 else 1)
}

# Reach for every sweep in a results table (any source: reach_input(data),
# load_datasets()$results, or a bare results.csv from another tool). Rows of
# another kind than "reuse" are ignored when there is a `kind` column (or, in
# data from before the column was renamed, a `suite` column holding the kind).
# `by` names further grouping columns (e.g. run, section); they follow the
# standard columns in the output.
infer_reach <- function(results, by = NULL, boot = TRUE, ...) {
  d <- data.table::as.data.table(results)
  need <- c("backend", "page_size", "pages", "p50_ns")
  miss <- setdiff(need, names(d))
  if (length(miss)) stop("reach needs columns ", paste(miss, collapse = ", "), call. = FALSE)
  kc <- kind_column(names(d))
  d <- if (is.na(kc)) data.table::copy(d) else d[!is.na(d[[kc]]) & d[[kc]] == "reuse"]
  # An adaptive search (`pages = auto`) measures a point again when its first
  # reading was within the noise; the earlier reading is marked `unsure` and
  # the later one stands.
  if ("verdict" %in% names(d)) d <- d[is.na(verdict) | verdict != "unsure"]
  by <- intersect(by, names(d))
  keys <- c("backend", "page_size", by)
  if (nrow(d) == 0) return(empty_reach())
  num <- intersect(c("pages", "p50_ns", "page_size", "mean_ns", "ops", "other_pages", "other_page_size",
                     "ctr_miss"), names(d))
  for (c in num) data.table::set(d, j = c, value = as.numeric(d[[c]]))
  cols <- intersect(c("pages", "p50_ns", "mean_ns", "ops", "page_size", "order", "other_pages",
                      "other_page_size", "hist", "ctr_miss", "verdict"), names(d))
  out <- d[, {
    pts <- data.table::as.data.table(.SD)
    pts[, page_size := .BY$page_size]
    r <- reach_sweep(pts, boot = boot, ...)
    ctr <- counter_reach(pts, r)
    # A column that is also a grouping key (order, other_pages when they
    # vary) is already in the output as the key.
    ex <- pick_extra(r)
    as.list(c(r[c("entries", "step_ns", "confidence", "reason")], ex[setdiff(names(ex), keys)], ctr))
  }, by = keys, .SDcols = setdiff(cols, "page_size")]
  data.table::setorderv(out, keys)
  data.table::setcolorder(out, c(REACH_COLS, setdiff(intersect(REACH_EXTRA, names(out)), by), by))
  out
}

pick_extra <- function(r) {
  x <- list(entries_lo = NA_real_, entries_hi = NA_real_, step_lo_ns = NA_real_, step_hi_ns = NA_real_,
            data_fit = NA_real_, data_miss = NA_real_, queue_entries = NA_real_, model = NA_character_,
            method = NA_character_, order = NA_character_)
  for (k in names(x)) if (!is.null(r[[k]])) x[[k]] <- r[[k]]
  x
}

# The same inference on the counted misses per I/O (the model's counters on
# emu, IOMMU PMU counters on hardware), and whether the two agree: counted
# entries inside the latency bracket, or within max(2, 4 %) of the point.
counter_reach <- function(pts, r) {
  none <- list(counter_entries = NA_real_, counter_agree = NA)
  if (!"ctr_miss" %in% names(pts) || any(!is.finite(pts$ctr_miss))) return(none)
  p <- merge_points(pts)
  if (nrow(p) < 4) return(none)
  f <- pmin(1, pmax(0, p$ctr_miss))
  o <- other_pages_of(p)$o
  # The other pages miss too now and then; a share of an I/O's misses below
  # 1 % is not the data missing.
  miss <- f > 0.01
  b <- bracket_of(p$pages, miss)
  if (is.na(b$on)) return(list(counter_entries = NA_real_,
                               counter_agree = is.na(r$entries)))
  W <- p$pages
  lo <- if (b$on > 1) W[b$on - 1] + o else 1
  hi <- W[b$on] - 1 + o
  ord <- if ("order" %in% names(p) && any(p$order == "random", na.rm = TRUE)) "random" else "cyclic"
  se <- sqrt(pmax(f * (1 - f), 1 / pmax(p$ops, 1)) / pmax(p$ops, 1)) + 0.005
  fit <- fit_reach_models(W, f, se, o, ord, lo, hi, hi_max = 4 * max(W) + o, scale = FALSE)
  ce <- fit$N
  agree <- if (is.na(r$entries)) FALSE else
    (ce >= (r$entries_lo %||% r$entries) && ce <= (r$entries_hi %||% r$entries)) ||
      abs(ce - r$entries) <= max(2, 0.04 * ce)
  list(counter_entries = as.numeric(ce), counter_agree = agree)
}

empty_reach <- function() {
  data.table::data.table(backend = character(), page_size = numeric(), entries = numeric(),
                         step_ns = numeric(), confidence = numeric(), reason = character())
}

# The file the report writes: the standard columns, the bracket and
# diagnostics, then grouping columns. Empty (not "NA") where nothing was found.
write_reach_csv <- function(reach, path) {
  cols <- setdiff(names(reach), c("noise_ns", "threshold_ns"))
  x <- data.table::copy(reach)[, cols, with = FALSE]
  for (c in intersect(c("step_ns", "step_lo_ns", "step_hi_ns"), names(x)))
    data.table::set(x, j = c, value = round(x[[c]], 1))
  data.table::fwrite(x, path, na = "")
  invisible(path)
}

# The report's input to infer_reach(): reuse rows with their latency
# histogram attached (list column `hist`) and the counted IOTLB misses per
# timed I/O (`ctr_miss`) where the run counted them; p50 re-read from the
# histogram with interpolation inside the bucket.
reach_input <- function(data) {
  r <- data.table::copy(data$results[!is.na(kind) & kind == "reuse"])
  if (nrow(r) && !is.null(data$hist)) {
    h <- data$hist[r[, .(run, case)], on = .(run, case), nomatch = NULL]
    if (nrow(h)) {
      q <- h[, .(p50_hist = hist_quantile(lo_ns, hi_ns, count, 0.5),
                 hist = list(data.table::data.table(lo_ns = lo_ns, hi_ns = hi_ns, count = count))),
             by = .(run, case)]
      r[q, on = .(run, case), `:=`(p50_ns = i.p50_hist, hist = i.hist)]
    }
  }
  if (nrow(r) && !is.null(data$counters) && "ops" %in% names(r)) {
    ct <- counted_misses(data$counters)
    if (!is.null(ct)) r[ct, on = .(run, case), ctr_miss := i.miss / as.numeric(ops)]
  }
  r
}

# Events that count IOTLB misses directly: iotlbench's own name (the emu
# model; the Intel IIO PMU's UNC_IIO_IOMMU0.MISSES) and the AMD IOMMU PMU's
# "IOMMU TLB PTE miss" (mem_iommu_tlb_pte_mis, arch/x86/events/amd/iommu.c):
# a translation the IOMMU's TLB did not hold, so a table walk. Its PDE misses
# (mem_iommu_tlb_pde_mis) are the page-directory cache's, a walk that then
# missed a level too, not an extra IOTLB miss.
MISS_EVENTS <- c("iotlb_miss", "mem_iommu_tlb_pte_mis")

# IOTLB misses per case. The emu model's counters when the case has them
# (they are the IOMMU the I/O went through; a hardware PMU counted beside
# them saw another one). Else the PMU's: a direct count (`iotlb_miss`: the
# Intel IIO PMU's UNC_IIO_IOMMU0.MISSES) where it was supported, else VT-d
# perfmon's iotlb_lookup - iotlb_hit (dmar PMU). An unsupported event reads
# NA; with nothing supported the case's misses stay NA, never 0.
counted_misses <- function(counters) {
  if (!all(c("value", "event", "source") %in% names(counters))) return(NULL)
  ct <- counters[source %in% c("model", "pmu") & event %in% c(MISS_EVENTS, "iotlb_lookup", "iotlb_hit")]
  if (nrow(ct) == 0) return(NULL)
  ct <- ct[, .(run, case, source, event, v = suppressWarnings(as.numeric(value)))]
  ct[, {
    src <- if (any(source == "model")) source == "model" else rep(TRUE, .N)
    m <- v[src & event %in% MISS_EVENTS & !is.na(v)]
    l <- v[src & event == "iotlb_lookup" & !is.na(v)]
    h <- v[src & event == "iotlb_hit" & !is.na(v)]
    list(miss = if (length(m)) sum(m) else if (length(l) && length(h)) sum(l) - sum(h) else NA_real_)
  }, by = .(run, case)]
}

reach_from_csv <- function(path, by = NULL, ...) {
  infer_reach(read_results(path, required = c("backend", "page_size", "pages", "p50_ns")), by = by, ...)
}
