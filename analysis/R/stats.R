# Comparison against the no-IOMMU baseline: ratios of percentiles and their
# 95 % intervals, by bootstrap over histogram counts (hist_boot_quantiles() in
# R/hist.R) or by the delta method. The result is a data.table; R/tables.R
# formats it (table_comparison()) and R/answers.R summarises it.

# The suite section is a key: two sections can run the same parameters (a
# latency section and a throughput section both at QD 1), and each is matched
# with its own baseline case, not both with the baseline's first.
MATCH_KEYS <- c("host", "section", "kind", "page_size", "op", "io_size", "qd", "threads",
                "pages", "map_size", "mappings", "churn")

# Ratio of each configuration's p50 and p99 to the no-IOMMU baseline on the
# same host for the same case parameters. Intervals (95 %):
#  - bootstrap: when both cases have a latency histogram, B multinomial
#    resamples of each histogram's counts give replicate percentiles; the
#    interval is the 2.5/97.5 % quantiles of the replicate ratios;
#  - delta method otherwise: Var(q_p) ~ p(1-p) / (n f(q_p)^2) with the density
#    f taken from the neighbouring percentile in results.csv (p90 for p50,
#    p99.9 for p99), combined on the log scale. That density is an average
#    over the tail side, so these intervals err on the wide side.
compare_backends <- function(data, B = 200, seed = 1) {
  r <- data$results
  base <- r[baseline == TRUE]
  other <- r[baseline == FALSE]
  if (nrow(base) == 0 || nrow(other) == 0) return(NULL)
  keys <- MATCH_KEYS
  keys <- intersect(keys, names(r))
  vals <- intersect(c("run", "case", "config", "ops", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "emulated"),
                    names(base))
  b <- base[, c(keys, vals), with = FALSE]
  data.table::setnames(b, vals, paste0("b_", vals))
  # Repeated baseline runs of the same case: compare against the first.
  b <- unique(b, by = keys)
  m <- b[other, on = keys, nomatch = NULL]
  if (nrow(m) == 0) return(NULL)
  set.seed(seed)
  hist_of <- function(run_, case_) {
    if (is.null(data$hist)) return(NULL)
    h <- data$hist[run == run_ & case == case_]
    if (nrow(h) == 0) NULL else h
  }
  probs <- c(0.5, 0.99)
  ci <- lapply(seq_len(nrow(m)), function(i) {
    x <- m[i]
    ha <- hist_of(x$run, x$case); hb <- hist_of(x$b_run, x$b_case)
    if (!is.null(ha) && !is.null(hb)) {
      q <- hist_ratio_ci(ha, hb, probs, B)
      c(q$lo[1], q$hi[1], q$lo[2], q$hi[2], 1, q$ratio)
    } else {
      c(delta_ci(x$p50_ns, x$p90_ns, 0.5, 0.9, x$ops, x$b_p50_ns, x$b_p90_ns, x$b_ops),
        delta_ci(x$p99_ns, x$p999_ns, 0.99, 0.999, x$ops, x$b_p99_ns, x$b_p999_ns, x$b_ops), 2,
        x$p50_ns / x$b_p50_ns, x$p99_ns / x$b_p99_ns)
    }
  })
  ci <- do.call(rbind, ci)
  m[, `:=`(p50_ratio = ci[, 6], p50_lo = ci[, 1], p50_hi = ci[, 2],
           p99_ratio = ci[, 7], p99_lo = ci[, 3], p99_hi = ci[, 4],
           p50_diff_ns = p50_ns - b_p50_ns,
           ci_method = c("bootstrap", "delta")[ci[, 5]])]
  data.table::setorderv(m, c("host", "config", "kind", "page_size", "op", "case"), na.last = TRUE)
  m
}

# Ratios a / b of the percentiles `probs` of two latency histograms (data
# frames with lo_ns, hi_ns, count) with 95 % bootstrap intervals: B
# multinomial resamples of each histogram's counts (hist_boot_quantiles()),
# the interval the 2.5/97.5 % quantiles of the replicate ratios. The point
# estimate comes from the same histograms, read the same way as the
# replicates, so it sits inside its own interval (the runner's percentiles
# are bucket midpoints and can fall outside). Returns list(ratio, lo, hi),
# each of length(probs).
hist_ratio_ci <- function(ha, hb, probs, B = 200) {
  qa <- hist_boot_quantiles(ha$lo_ns, ha$hi_ns, ha$count, probs, B)
  qb <- hist_boot_quantiles(hb$lo_ns, hb$hi_ns, hb$count, probs, B)
  rat <- qa / qb
  if (is.null(dim(rat))) rat <- matrix(rat, ncol = length(probs))
  list(ratio = hist_quantile(ha$lo_ns, ha$hi_ns, ha$count, probs) /
         hist_quantile(hb$lo_ns, hb$hi_ns, hb$count, probs),
       lo = apply(rat, 2, stats::quantile, 0.025, names = FALSE),
       hi = apply(rat, 2, stats::quantile, 0.975, names = FALSE))
}

delta_ci <- function(qa, qa_next, p, p_next, na, qb, qb_next, nb) {
  var_log <- function(q, qn, n) {
    f <- (p_next - p) / (qn - q)
    p * (1 - p) / (n * f^2) / q^2
  }
  v <- var_log(qa, qa_next, na) + var_log(qb, qb_next, nb)
  if (!is.finite(v)) return(c(NA_real_, NA_real_))
  (qa / qb) * exp(c(-1, 1) * 1.96 * sqrt(v))
}

# One ratio and 95 % interval from several cases' ratios and intervals: a
# random-effects mean of the log ratios (DerSimonian-Laird), each case's
# standard error taken from its own interval's width. Cases may differ in
# their true ratio (I/O shapes, queue depths); the between-case variance
# tau^2 widens the interval by exactly that disagreement, so a pooled
# interval is never narrower than the cases' spread justifies. A single case
# keeps its own ratio and interval. Cases without an interval are left out.
# Returns list(ratio, lo, hi, k, tau).
pool_ratios <- function(ratio, lo, hi) {
  ok <- is.finite(ratio) & is.finite(lo) & is.finite(hi) & ratio > 0 & lo > 0 & hi >= lo
  ratio <- ratio[ok]; lo <- lo[ok]; hi <- hi[ok]
  k <- length(ratio)
  if (k == 0) return(list(ratio = NA_real_, lo = NA_real_, hi = NA_real_, k = 0L, tau = NA_real_))
  if (k == 1) return(list(ratio = ratio, lo = lo, hi = hi, k = 1L, tau = 0))
  y <- log(ratio)
  # A bootstrap interval of a heavily quantised histogram can have zero
  # width; a floor of 0.01 % keeps one such case from taking all the weight.
  se <- pmax((log(hi) - log(lo)) / (2 * 1.96), 1e-4)
  w <- 1 / se^2
  ybar <- sum(w * y) / sum(w)
  q <- sum(w * (y - ybar)^2)
  tau2 <- max(0, (q - (k - 1)) / (sum(w) - sum(w^2) / sum(w)))
  ws <- 1 / (se^2 + tau2)
  mu <- sum(ws * y) / sum(ws)
  half <- 1.96 * sqrt(1 / sum(ws))
  list(ratio = exp(mu), lo = exp(mu - half), hi = exp(mu + half), k = k, tau = sqrt(tau2))
}

# What a ratio's 95 % interval lets one say: "slower" / "faster" when it
# excludes 1, with "-noisy" appended when it also spans more than a factor
# NOISY_SPAN (+-10 %: the direction is clear, the size is not); otherwise
# "noisy" when it is that wide (the data cannot resolve an effect of that
# size), else "same" (no significant difference). "none" without an interval.
NOISY_SPAN <- 1.2
ratio_verdict <- function(lo, hi) {
  wide <- !is.na(lo) & !is.na(hi) & hi / lo > NOISY_SPAN
  ifelse(is.na(lo) | is.na(hi), "none",
  ifelse(lo > 1, ifelse(wide, "slower-noisy", "slower"),
  ifelse(hi < 1, ifelse(wide, "faster-noisy", "faster"),
  ifelse(wide, "noisy", "same"))))
}
