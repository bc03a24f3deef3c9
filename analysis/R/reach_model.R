# What miss fraction an IOTLB of N entries shows at each footprint, for the
# designs real IOMMUs use, so a sweep can be read as a fit rather than as "the
# first point that rose".
#
# W data pages, o other pages that every I/O touches too (the SQ and CQ ring
# pages: always recently used, so they hold o entries and leave N - o for the
# data). f is the share of I/Os whose data translation misses.
#
# cyclic order (page i mod W, the `reuse` default):
#   full-lru   fully associative, LRU or FIFO (or QEMU's wipe-when-full): a
#              cyclic stream longer than the cache misses on every access:
#              f = 1 once W + o > N, 0 before.
#   full-rand  fully associative, random replacement: every miss evicts a
#              uniformly chosen entry, so a page survives the W f misses
#              of a pass until its reuse with probability
#              (1 - 1/(N - o))^(W f); in steady state
#              1 - f = exp(-W f / (N - o)), solved for f > 0 once
#              W > N - o (the characteristic-time approximation).
#   a-way      set-associative with `a` ways, LRU: page i goes to set
#              i mod (N / a); a set holding more pages than its ways misses on
#              all of them. The o other pages sit in sets we cannot know; each
#              takes one way from a set chosen uniformly (expected f).
# random order (a uniformly random page per I/O, like pcie-bench's window
# sweeps): under independent uniform references LRU, FIFO and random
# replacement all hit with probability (N - o) / W, so
# f = max(0, 1 - (N - o) / W) whatever their associativity; this is why
# random order measures N with fewer assumptions. An IOTLB that wipes itself
# when full (QEMU) is the exception and has its own curve.

model_frac_cyclic_full <- function(W, N, o) as.numeric(W + o > N)

# f solves 1 - f = exp(-x f); it depends on x alone, so it is tabulated once
# (Newton from above) and interpolated: a fit tries thousands of N.
rand_fixed_point <- local({
  xs <- c(seq(1, 4, by = 0.005), seq(4.01, 200, by = 0.05))
  fs <- vapply(xs, function(x) {
    if (x <= 1) return(0)
    f <- 1
    for (k in 1:60) f <- f - (1 - f - exp(-x * f)) / (-1 + x * exp(-x * f))
    min(1, max(0, f))
  }, numeric(1))
  stats::approxfun(xs, fs, yleft = 0, yright = 1)
})

model_frac_cyclic_rand <- function(W, N, o) {
  cap <- N - o
  if (cap <= 0) return(rep(1, length(W)))
  # W / cap rather than (W - 1) / cap: the page's own reuse interval counts
  # the miss that brought it in; this matches the model's counted misses
  # within a point or two from W = cap + 1 (3.5 %) up (cap 62: 6.6 % at
  # W = 64, 22.7 % at 70, 42 % at 80, 84 % at 128).
  x <- W / cap
  # At the edge (W + o just past N) at least the page that does not fit misses
  # once per pass.
  ifelse(W + o <= N, 0, pmax(rand_fixed_point(x), 1 / W))
}

model_frac_cyclic_assoc <- function(W, N, o, ways)
  assoc_frac(W, N, o, ways, function(n, cap) n * (n > cap))

model_frac_random <- function(W, N, o) pmax(0, 1 - (N - o) / W)

# How a set-associative IOTLB's sets fill: W pages spread over S = N / a
# sets as evenly as consecutive IOVAs spread (r sets get q + 1 pages, the
# others q); the o other pages each hold one way of a set, a share
# p_hot = o / S of the sets (their expected effect: where they sit is not
# known). `per_set(n, cap)` is the misses per pass of a set holding n pages
# in cap ways; the result is the share of I/Os that miss.
assoc_frac <- function(W, N, o, ways, per_set) {
  S <- max(1, N %/% ways)
  p_hot <- min(1, o / S)
  vapply(W, function(w) {
    q <- w %/% S; r <- w %% S
    cnt <- c(rep(q + 1, r), rep(q, S - r))
    miss <- (1 - p_hot) * per_set(cnt, ways) + p_hot * per_set(cnt, ways - 1)
    sum(miss) / w
  }, numeric(1))
}

# Random order into a-way sets: a page of a set holding n pages in cap ways
# hits with probability cap / n (LRU, FIFO or random replacement alike, as
# for the whole IOTLB), so the set misses n - cap of its n accesses per n.
# Near the reach this differs from 1 - (N - o) / W: sets overflow one by
# one (the counted misses of a 4-way IOTLB of 64 read as 57 entries under
# the fully associative curve).
model_frac_random_assoc <- function(W, N, o, ways)
  assoc_frac(W, N, o, ways, function(n, cap) pmax(0, n - max(cap, 0)))

# Cyclic order into a-way sets with random replacement: each set behaves as
# a small fully associative random-replacement IOTLB (the fixed point of
# model_frac_cyclic_rand() with x = n / cap).
model_frac_cyclic_assoc_rand <- function(W, N, o, ways)
  assoc_frac(W, N, o, ways, function(n, cap) {
    if (cap <= 0) return(n)
    ifelse(n <= cap, 0, n * pmax(rand_fixed_point(n / cap), 1 / pmax(n, 1)))
  })

# Random order into an IOTLB that empties itself when full (QEMU's VT-d):
# after a wipe it fills with distinct pages; holding k of W, an access hits
# with probability k / W and the next new page takes W / (W - k) accesses on
# average, so the hit rate over a fill is
# sum(k / (W - k)) / sum(W / (W - k)) for k = 0 .. cap - 1.
model_frac_random_wipe <- function(W, N, o) {
  cap <- N - o
  vapply(W, function(w) {
    if (w <= cap || cap <= 0) return(if (cap <= 0) 1 else 0)
    k <- 0:(cap - 1)
    1 - sum(k / (w - k)) / sum(w / (w - k))
  }, numeric(1))
}

# The designs tried on a sweep, by order. `k` counts the parameters fitted
# besides N (for the penalty when choosing between designs).
reach_models <- function(order) {
  ways <- c(2, 4, 8, 16)
  if (identical(order, "random"))
    return(c(list(list(name = "LRU, FIFO or random replacement (random order)", k = 0,
                       f = model_frac_random, full = TRUE),
                  list(name = "wipe when full (random order)", k = 0, f = model_frac_random_wipe,
                       full = TRUE, shape_only = TRUE)),
             lapply(ways, function(a)
               list(name = sprintf("%d-way (random order)", a), k = 1, full = FALSE, min_n = 2 * a,
                    f = function(W, N, o) model_frac_random_assoc(W, N, o, a)))))
  assoc <- lapply(ways, function(a)
    list(name = sprintf("%d-way LRU", a), k = 1, full = FALSE, min_n = 2 * a,
         f = function(W, N, o) model_frac_cyclic_assoc(W, N, o, a)))
  assoc_rand <- lapply(ways, function(a)
    list(name = sprintf("%d-way random replacement", a), k = 1, full = FALSE, min_n = 2 * a,
         f = function(W, N, o) model_frac_cyclic_assoc_rand(W, N, o, a)))
  c(list(list(name = "fully associative, LRU/FIFO", k = 0, f = model_frac_cyclic_full, full = TRUE),
         list(name = "fully associative, random replacement", k = 0, f = model_frac_cyclic_rand,
              full = TRUE)),
    assoc, assoc_rand)
}

# Fits N for every design to the measured curve y with standard errors se.
# scale = FALSE: y are miss fractions (a model-error floor is added to se: the
# approximations above are not exact). scale = TRUE: y are latency rises in
# ns, and the miss cost s is fitted with N (y = s * f). N is searched from the
# lower bound the sweep proves (`lo`: the largest footprint seen without
# misses, plus o) up to `hi_max`; fully associative designs are also bounded
# above by the first footprint that missed (`hi`). Returns the best design,
# its N, the interval of N whose fit is not worse by more than 4 (chi-square,
# ~95 %), and s with its interval when scale = TRUE.
fit_reach_models <- function(W, y, se, o, order, lo, hi, hi_max, scale = FALSE, model_floor = 0.03,
                             full_only = FALSE) {
  w <- if (scale) 1 / se^2 else 1 / (se^2 + model_floor^2)
  all <- list()
  for (m in reach_models(order)) {
    # A latency curve (mean mode) carries drift that a staircase fit would
    # read as ways, and an early rise (remote memory) that the wipe curve
    # would read as a tiny IOTLB: only the plain fully associative shapes
    # are tried there; the others need miss fractions from histograms.
    if (full_only && (!m$full || isTRUE(m$shape_only))) next
    # Past the largest footprint (plus o) a fully associative IOTLB shows no
    # misses at any swept point, so larger N all predict the same curve; a
    # set-associative one can miss up to about twice that.
    top <- if (m$full && is.finite(hi)) hi else
      min(hi_max, if (m$full) max(W) + o + 1 else 2 * max(W) + o)
    if (!is.finite(top) || top < lo) next
    # A set-associative IOTLB has at least two sets.
    Ns <- n_grid(max(lo, m$min_n %||% 1), top)
    if (!length(Ns) || max(Ns) < (m$min_n %||% 1)) next
    fits <- vapply(Ns, function(N) {
      g <- m$f(W, N, o)
      if (!scale) return(c(sum(w * (y - g)^2), NA_real_, NA_real_))
      latency_fit(y, w, log2(W), g)[1:3]
    }, numeric(3))
    j <- which.min(fits[1, ])
    g <- m$f(W, Ns[j], o)
    all[[length(all) + 1]] <- list(name = m$name, full = m$full, Ns = Ns, score = fits[1, ] + 2 * m$k,
                                   j = j, s = fits[2, j],
                                   s_ci = fits[2, j] + c(-1.96, 1.96) * fits[3, j],
                                   resid = if (scale) latency_fit(y, w, log2(W), g, resid = TRUE)
                                           else y - g)
  }
  if (!length(all)) return(NULL)
  best <- all[[which.min(vapply(all, function(a) a$score[a$j], numeric(1)))]]
  top <- best$score[best$j] + 4
  # The bracket is every N that some design explains about as well as the
  # best one does (a score within 4, ~95 %): a sparse sweep that several
  # designs fit leaves N that open, and says so.
  ok <- unlist(lapply(all, function(a) a$Ns[a$score <= top]))
  list(name = best$name, N = best$Ns[best$j], lo = min(ok), hi = max(ok), full = best$full,
       s = best$s, s_ci = best$s_ci, resid = best$resid,
       rivals = unique(vapply(Filter(function(a) min(a$score) <= top, all), `[[`, "", "name")))
}

# Every integer N up to 3000 candidates, then a 0.5 % geometric grid: an
# entry count is known to +-1 only where the sweep is that dense anyway.
n_grid <- function(lo, hi) {
  lo <- max(1, floor(lo)); hi <- max(lo, ceiling(hi))
  if (hi - lo <= 3000) return(seq(lo, hi))
  unique(round(exp(seq(log(lo), log(hi), by = log(1.005)))))
}

# A latency curve: y = a + b * log2(W) + g * (s + c * log2(W / W1)),
# weighted least squares, with W1 the first footprint the design predicts
# misses at (so s is the miss cost there). The drift term b (caches) is
# fitted together with the step over the whole sweep instead of being
# extrapolated from the points before it; a negative b or c is not drift (and
# would inflate the step), so then the fit is redone without it. Returns
# (chi, s, se of s) or the residuals.
latency_fit <- function(y, w, x, g, resid = FALSE) {
  solve_wls <- function(X) {
    XtW <- t(X * w)
    A <- XtW %*% X
    if (rcond(A) < 1e-12) return(NULL)
    beta <- solve(A, XtW %*% y)
    list(beta = as.vector(beta), cov = solve(A))
  }
  # The terms: level, drift over the whole sweep (b), the miss cost (s) and
  # its growth with the footprint (c: each miss walks page tables spread
  # over more memory, so its walk reads miss the host's caches more often,
  # emulated or not). Negative b or c are not drift and are dropped (the
  # plain step last), so the step is never inflated by them.
  on <- which(g > 0)[1]
  xc <- if (is.na(on)) rep(0, length(x)) else pmax(0, x - x[on])
  for (cols in list(c(1, 2, 3, 4), c(1, 3, 4), c(1, 2, 3), c(1, 3))) {
    X <- cbind(1, x, g, g * xc)[, cols, drop = FALSE]
    f <- solve_wls(X)
    if (is.null(f)) next
    # A growth that turns the first misses' cost negative is not one either.
    neg <- (2 %in% cols && f$beta[match(2, cols)] < 0) ||
      (4 %in% cols && (f$beta[match(4, cols)] < 0 || f$beta[match(3, cols)] < 0))
    if (!neg) break
  }
  if (is.null(f)) return(if (resid) y - stats::median(y) else c(Inf, NA_real_, NA_real_))
  r <- y - as.vector(X %*% f$beta)
  if (resid) return(r)
  k <- match(3, cols) # the step: the cost of a miss at the smallest footprint
  c(sum(w * r^2), f$beta[k], sqrt(f$cov[k, k]))
}
