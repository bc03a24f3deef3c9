# The answers' wording: hosts named only when there are several (as in the
# legends), a signed difference said in words, "within IOTLB reach" only when
# a reach limited the cases, no NA in the text.

cmp_rows <- function(host, config, diff, pages = NA_real_) {
  data.table(host = host, config = config, b_config = "pagemap", backend = "vfio", preset = NA_character_,
             page_size = 4096, kind = "latency", op = "read", churn = NA_character_, pages = pages,
             p50_ratio = (8000 + diff) / 8000, p50_diff_ns = diff, p50_lo = 0.9, p50_hi = 1.1)
}

test_that("the IOMMU-cost answer names hosts only when there are several and says the sign in words", {
  one <- answer_iommu_cost(rbind(cmp_rows("h1", "vfio (strict)", 250), cmp_rows("h1", "iommufd (strict)", -120)),
                           reach = NULL)
  expect_equal(grep("^iommufd", one, value = TRUE), paste("iommufd (strict) takes 120 ns off the median I/O against pagemap",
                             "(median ratio 0.9850, 95% CI 0.9000-1.1000 over 1 matched cases,",
                             "at every page count: no IOTLB reach was found)."))
  expect_match(grep("^vfio", one, value = TRUE), "^vfio \\(strict\\) adds 250 ns to the median I/O against pagemap ")
  expect_false(any(grepl("h1", one)))
  expect_false(any(grepl("+", one, fixed = TRUE)))

  two <- answer_iommu_cost(rbind(cmp_rows("h1", "vfio (strict)", 250), cmp_rows("h2", "vfio (strict)", 300)),
                           reach = NULL)
  expect_match(two, "^h[12]: vfio \\(strict\\) adds")

  reach <- data.table(backend = "vfio", page_size = 4096, host = "h1", preset = NA_character_,
                      entries = 64, step_ns = 200)
  lim <- answer_iommu_cost(rbind(cmp_rows("h1", "vfio (strict)", 250, pages = 8),
                                 cmp_rows("h1", "vfio (strict)", 450, pages = 128)), reach)
  expect_match(lim[1], "adds 250 ns to the median I/O against pagemap (median ratio 1.0312, 95% CI 0.9000-1.1000 over 1 matched cases, within IOTLB reach).",
               fixed = TRUE)
})

test_that("the tails answer separates the I/O shape from the page size", {
  x <- fixture("answers-lat", run_id = "run-ans", kinds = "latency", counters = FALSE, seed = 71)
  a <- answer_tails(load_datasets(x$dir))
  expect_true(any(grepl(", read 4 KiB, QD 1, 4 KiB pages: p50 ", a, fixed = TRUE)))
  expect_false(any(grepl("\\bNA", a)))
})
