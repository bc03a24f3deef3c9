test_that("histogram quantiles are within the 1 % bucket width of exact quantiles", {
  set.seed(7)
  v <- synth_samples(50000, 8050)
  h <- synth_hist(v)
  probs <- c(0.5, 0.9, 0.99, 0.999)
  got <- hist_quantile(h$lo_ns, h$hi_ns, h$count, probs)
  exact <- quantile(v, probs, names = FALSE)
  expect_true(all(abs(got / exact - 1) < 0.01))
  # buckets honour the schema's 1 % relative width
  expect_true(all((h$hi_ns - h$lo_ns) / h$lo_ns <= 0.01 | h$hi_ns - h$lo_ns == 1))
})

test_that("bootstrap replicates centre on the point estimate", {
  set.seed(8)
  v <- synth_samples(20000, 8050)
  h <- synth_hist(v)
  b <- hist_boot_quantiles(h$lo_ns, h$hi_ns, h$count, c(0.5, 0.99), B = 100)
  expect_equal(dim(b), c(100, 2))
  expect_lt(abs(median(b[, 1]) - median(v)), 10)
})
