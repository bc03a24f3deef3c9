# Miss fraction per sweep point, read from the latency distributions.
#
# Why not the median: while the IOTLB holds the footprint every I/O takes the
# fast path; past it some share f of the I/Os pays one walk more. The latency
# distribution is then a mixture of the fast distribution and the same
# distribution shifted by the miss cost s. The median moves only once f passes
# 1/2 (random replacement keeps f below that until the footprint is ~1.3x the
# entries), the mean moves with f but also with every tail event. Fitting the
# mixture reads f directly, and s comes with it.
#
# Model, with B the CDF of the sweep's fastest point (the baseline, fewest
# pages) and P the CDF of a point:
#     P(x) = (1 - f) * B(x) + f * B(x - s)
# s comes from the point furthest past the reach (a least-squares fit of the
# CDFs); f of every point from the share above a threshold between the modes
# (fit_fraction()), which a slow drift of the plateau hardly moves.
#
# Histograms are bucket counts (latency_hist.csv, at most 1 % wide); their CDF
# is linear inside a bucket.

hist_cdf_fun <- function(lo, hi, count) {
  o <- order(lo)
  lo <- lo[o]; hi <- hi[o]; count <- count[o]
  tot <- sum(count)
  cum <- cumsum(count) / tot
  x <- as.vector(rbind(lo, hi))
  y <- as.vector(rbind(c(0, utils::head(cum, -1)), cum))
  stats::approxfun(x, y, yleft = 0, yright = 1, ties = max)
}

# Closed-form mixture weight: minimise |P - B0 - f (B1 - B0)|^2 over f in [0, 1].
mix_weight <- function(p, b0, b1) {
  g <- b1 - b0
  den <- sum(g * g)
  if (den <= 0) return(c(f = 0, sse = sum((p - b0)^2)))
  f <- min(1, max(0, sum((p - b0) * g) / den))
  c(f = f, sse = sum((p - b0 - f * g)^2))
}

# The grid the CDFs are compared on: quantiles of the baseline and of the far
# point, up to their 98th percentile, so the resolution sits where the I/Os
# are. The top 2 % is left out on purpose: on a busy machine it holds
# interrupts and scheduler stalls of tens of microseconds, which say nothing
# about the IOTLB and would stretch an evenly spaced grid until the step fell
# between two of its points.
cdf_grid <- function(hb, hp, n = 200) {
  probs <- seq(0.001, 0.98, length.out = n)
  x <- c(hist_quantile(hb$lo_ns, hb$hi_ns, hb$count, probs),
         hist_quantile(hp$lo_ns, hp$hi_ns, hp$count, probs))
  x <- sort(unique(x[is.finite(x)]))
  if (length(x) < 2) x <- c(x[1], x[1] + 1)
  x
}

# Miss cost from the baseline and the point furthest past the reach (the one
# with the largest mean): the shift s that best explains the far point as a
# mixture. Coarse log grid, then a fine linear one around the best.
fit_step <- function(hb, hp, min_step = 3) {
  x <- cdf_grid(hb, hp)
  B <- hist_cdf_fun(hb$lo_ns, hb$hi_ns, hb$count)
  p <- hist_cdf_fun(hp$lo_ns, hp$hi_ns, hp$count)(x)
  b0 <- B(x)
  span <- max(x) - min(x)
  try_s <- function(s) vapply(s, function(si) mix_weight(p, b0, B(x - si))[["sse"]], numeric(1))
  coarse <- exp(seq(log(min_step), log(max(min_step * 2, span)), length.out = 80))
  sse <- try_s(coarse)
  i <- which.min(sse)
  fine <- seq(coarse[max(1, i - 1)], coarse[min(length(coarse), i + 1)], length.out = 40)
  sf <- try_s(fine)
  s <- fine[which.min(sf)]
  c(s = s, f = unname(mix_weight(p, b0, B(x - s))[["f"]]))
}

# f of one point for a known step s: the share of I/Os above a threshold
# halfway between the modes (tau = the baseline's median + s/2), corrected
# for the fast mode's own spread: a fast I/O lands above tau with the
# baseline's probability b1 = P_B(X > tau), a slow one with
# b2 = P_B(X > tau - s), so P(X > tau) = b1 + f (b2 - b1). A drift of the
# whole distribution smaller than s/2 moves little mass across tau; a full
# mixture fit with a free shift trades that shift for f (it read 0.86 where
# every I/O missed).
fit_fraction <- function(B, hp, x, s, tau) {
  P <- hist_cdf_fun(hp$lo_ns, hp$hi_ns, hp$count)
  b1 <- 1 - B(tau); b2 <- 1 - B(tau - s)
  p <- 1 - P(tau)
  f <- if (b2 - b1 > 0.05) (p - b1) / (b2 - b1) else NA_real_
  c(f = min(1, max(0, f)), d = 0)
}

# Bootstrap interval of the miss cost: both histograms resampled as one
# multinomial draw each (the sampling error of the distributions).
boot_step <- function(hb, hp, B = 40, seed = 1, min_step = 3) {
  set.seed(seed)
  draw <- function(h) {
    h <- data.table::copy(h)
    h[, count := as.numeric(stats::rmultinom(1, sum(count), count))]
    h[count > 0]
  }
  s <- vapply(seq_len(B), function(i) fit_step(draw(hb), draw(hp), min_step)[["s"]], numeric(1))
  stats::quantile(s, c(0.025, 0.975), names = FALSE)
}

# Per point of one sweep: f, its standard error, d, and the sweep's step s
# with its interval. `pts` has pages and the histogram of each point
# (`hists`: a list of bucket tables in the same order). Returns NULL when the
# far point does not differ from the baseline by more than the noise (then
# nothing here can be read: the sweep never left the IOTLB, or is too noisy).
sweep_fractions <- function(pts, hists, boot = TRUE) {
  base <- hists[[1]]
  # The far point is the largest footprint: a sweep is monotone in misses by
  # design, so if the last point does not miss, nothing does. (Choosing by the
  # largest mean lets one stalled point on a busy machine become "far".)
  far_i <- length(hists)
  far <- hists[[far_i]]
  st <- fit_step(base, far)
  x <- cdf_grid(base, far)
  B <- hist_cdf_fun(base$lo_ns, base$hi_ns, base$count)
  tau <- hist_quantile(base$lo_ns, base$hi_ns, base$count, 0.5) + st[["s"]] / 2
  fd <- t(vapply(hists, function(h) fit_fraction(B, h, x, st[["s"]], tau), numeric(2)))
  n <- vapply(hists, function(h) sum(h$count), numeric(1))
  f <- fd[, "f"]
  ci <- if (boot) boot_step(base, far) else c(NA_real_, NA_real_)
  list(f = f, d = fd[, "d"], n = n, se = sqrt(pmax(f * (1 - f), 1 / n) / n),
       step = st[["s"]], step_ci = ci, far = far_i)
}

# The mean of the fastest 95 % of a histogram: it moves with the miss
# fraction like the mean does (up to a share of 95 %), without the stalls of a busy
# machine that make the full mean jump between points.
hist_trimmed_mean <- function(h, keep = 0.95) {
  h <- h[order(h$lo_ns)]
  cum <- cumsum(h$count) / sum(h$count)
  prev <- c(0, utils::head(cum, -1))
  w <- pmax(0, pmin(cum, keep) - prev)
  sum(w * (h$lo_ns + h$hi_ns) / 2) / sum(w)
}

# Whether the two modes can be told apart in one distribution, so that the
# share of I/Os above the threshold between them reads the miss fraction:
# - the step must be clear of the fast mode's own spread (1.5 interquartile
#   ranges), else the mixture weight and a small drift explain the same
#   histogram;
# - and the threshold must sit past the fast mode's bulk: the fast mode
#   itself moves by a few ns across footprints where nothing misses (the
#   host's caches and TLB, the model's lookups), and where the baseline's
#   density at the threshold is high, such a shift reads as misses. A 5 ns
#   shift may move the fraction by at most 1 %. On the emulated controller a
#   235 ns step moves it by ~0.05 %; a 50-70 ns step by 1-15 %, which read
#   as a gradual rise from a quarter of the reach (a 32-entry LRU IOTLB as
#   26 entries of random replacement, though the curve's level stepped at 32
#   exactly).
# Otherwise only the level of the curve can be read.
modes_separable <- function(hb, s, shift_ns = 5, max_df = 0.01) {
  if (!is.finite(s)) return(FALSE)
  q <- hist_quantile(hb$lo_ns, hb$hi_ns, hb$count, c(0.25, 0.5, 0.75))
  if (s < 1.5 * (q[3] - q[1])) return(FALSE)
  B <- hist_cdf_fun(hb$lo_ns, hb$hi_ns, hb$count)
  tau <- q[2] + s / 2
  gap <- B(tau) - B(tau - s) # b2 - b1 of fit_fraction()
  if (gap <= 0.05) return(FALSE)
  df <- (B(tau + shift_ns / 2) - B(tau - shift_ns / 2)) / gap
  df <= max_df
}
