# Latency histograms (latency_hist.csv, trace_hist.csv): buckets [lo, hi) with
# counts. Everything here works on bucket rows, never on expanded samples, so a
# 10 M-I/O case costs as much as its ~1000 buckets.

# Quantiles by linear interpolation inside the bucket that holds the rank;
# buckets are at most 1 % wide, so this is within 1 % of the exact value.
hist_quantile <- function(lo, hi, count, probs) {
  o <- order(lo)
  lo <- lo[o]; hi <- hi[o]; count <- count[o]
  total <- sum(count)
  if (total <= 0) return(rep(NA_real_, length(probs)))
  cum <- cumsum(count)
  vapply(probs, function(p) {
    target <- p * total
    i <- which(cum >= target)[1]
    if (is.na(i)) return(hi[length(hi)])
    before <- if (i > 1) cum[i - 1] else 0
    frac <- if (count[i] > 0) (target - before) / count[i] else 0
    lo[i] + frac * (hi[i] - lo[i])
  }, numeric(1))
}

# Complementary CDF at each bucket's upper edge: the share of operations that
# took at least that long. The last bucket (ccdf 0) is dropped because the
# plot has a log y axis.
hist_ccdf <- function(h, by) {
  h <- data.table::copy(h)
  data.table::setorderv(h, c(by, "lo_ns"))
  h[, `:=`(ccdf = 1 - cumsum(count) / sum(count)), by = by]
  h[ccdf > 0, c(by, "hi_ns", "ccdf"), with = FALSE]
}

# Bootstrap replicates of quantiles of one histogram: resample the bucket
# counts as one multinomial draw of the same total. This captures the
# sampling error of the percentiles without expanding the samples, and is
# vectorised over replicates so a comparison table stays cheap.
# Returns a B x length(probs) matrix.
hist_boot_quantiles <- function(lo, hi, count, probs, B = 200) {
  o <- order(lo)
  lo <- lo[o]; hi <- hi[o]; count <- count[o]
  total <- sum(count)
  # rmultinom takes an integer size; longer cases are capped, which only
  # widens the intervals slightly.
  size <- min(total, .Machine$integer.max)
  draws <- stats::rmultinom(B, size, count / total)
  cum <- apply(draws, 2, cumsum)
  if (is.null(dim(cum))) cum <- matrix(cum, nrow = 1)
  cols <- seq_len(B)
  vapply(probs, function(p) {
    target <- p * size
    i <- pmin(colSums(cum < target) + 1, nrow(cum))
    before <- ifelse(i > 1, cum[cbind(pmax(i - 1, 1), cols)], 0)
    cnt <- draws[cbind(i, cols)]
    lo[i] + ifelse(cnt > 0, (target - before) / cnt, 0) * (hi[i] - lo[i])
  }, numeric(B))
}
