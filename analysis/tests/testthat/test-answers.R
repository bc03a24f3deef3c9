# The answers' wording: hosts named only when there are several (as in the
# legends), a signed difference said in words, "within IOTLB reach" only when
# a reach limited the cases, no NA in the text.

cmp_rows <- function(host, config, diff, pages = NA_real_, lo = 0.9, hi = 1.1) {
  data.table(host = host, config = config, b_config = "pagemap", backend = "vfio", preset = NA_character_,
             page_size = 4096, kind = "reuse", op = "read", churn = NA_character_, pages = pages,
             b_p50_ns = 8000, p50_ratio = (8000 + diff) / 8000, p50_diff_ns = diff,
             p50_lo = lo, p50_hi = hi)
}

test_that("the IOMMU-cost answer names hosts only when there are several and says the sign in words", {
  one <- answer_iommu_cost(rbind(cmp_rows("h1", "vfio (strict)", 250, lo = 1.02, hi = 1.04),
                                 cmp_rows("h1", "iommufd (strict)", -120, lo = 0.98, hi = 0.99)),
                           reach = NULL)
  expect_match(grep("^iommufd", one, value = TRUE),
               "^iommufd \\(strict\\) against pagemap, 4 KiB pages, all footprints together: no IOTLB reach was found for this page size, 1 matched case: the median I/O takes 120 ns less \\(ratio 0.9850, 95% CI 0.9800-0.9900, i.e. -160 ns to -80 ns\\)\\.$")
  expect_match(grep("^vfio", one, value = TRUE), "the median I/O takes 250 ns longer")
  expect_false(any(grepl("h1", one)))
  two <- answer_iommu_cost(rbind(cmp_rows("h1", "vfio (strict)", 250), cmp_rows("h2", "vfio (strict)", 300)),
                           reach = NULL)
  expect_match(two, "^h[12]: vfio \\(strict\\) against")
})

test_that("a difference whose interval holds no change is called not significant, a wide one too noisy", {
  same <- answer_iommu_cost(cmp_rows("h1", "vfio (strict)", 8, lo = 0.995, hi = 1.006), reach = NULL)
  expect_match(same, "no significant difference in the median I/O")
  expect_false(grepl("longer|less", same))
  noisy <- answer_iommu_cost(cmp_rows("h1", "vfio (strict)", 800, lo = 0.8, hi = 1.4), reach = NULL)
  expect_match(noisy, "not significant, and too noisy to tell")
  wide <- answer_iommu_cost(cmp_rows("h1", "vfio (strict)", 8000, lo = 1.05, hi = 3), reach = NULL)
  expect_match(wide, "slower, but the data are too noisy to say by how much")
})

test_that("cases are pooled with an interval that widens when they disagree", {
  one <- pool_ratios(1.1, 1.05, 1.15)
  expect_equal(c(one$ratio, one$lo, one$hi), c(1.1, 1.05, 1.15))
  agree <- pool_ratios(c(1.10, 1.10, 1.10), c(1.09, 1.09, 1.09), c(1.11, 1.11, 1.11))
  expect_lt(agree$hi - agree$lo, 0.02)
  expect_equal(agree$ratio, 1.10, tolerance = 1e-3)
  # Two cases, each precise, pointing opposite ways: no pooled effect, and an
  # interval as wide as their disagreement, not as narrow as each case's.
  split <- pool_ratios(c(1.10, 0.90), c(1.09, 0.89), c(1.11, 0.91))
  expect_lt(split$lo, 1); expect_gt(split$hi, 1)
  expect_gt(split$hi - split$lo, 0.1)
})

# A run whose latency cases spread over a 64 MiB buffer (meta.json's grid,
# as the runner writes it): 16,384 4 KiB pages, past a 64-entry IOTLB; only
# 32 2 MiB pages, within it.
with_buffer <- function(src, name, buffer = 64 * 2^20) {
  dir <- copy_run(src, name)
  meta <- jsonlite::fromJSON(file.path(dir, "meta.json"), simplifyVector = FALSE)
  meta$grid <- lapply(meta$grid, function(g) {
    if (grepl("^latency-", g$case)) g$buffer <- buffer
    g
  })
  jsonlite::write_json(meta, file.path(dir, "meta.json"), auto_unbox = TRUE, null = "null", pretty = TRUE,
                       digits = NA)
  dir
}

test_that("within IOTLB reach counts only cases whose footprint fits the run's reach", {
  a <- with_buffer(fixture_intel()$dir, "ans-buf-intel")
  b <- with_buffer(fixture_baseline()$dir, "ans-buf-nommu")
  d <- prepare_data(load_datasets(c(a, b)))
  reach <- infer_reach(reach_input(d), by = reach_groups(d$results))
  ans <- answer_iommu_cost(compare_backends(d), reach, d$runs)
  spec <- fixture_intel()$spec
  lim <- spec$entries[["4096"]]
  # Expected counts from the generator's own cases: reuse by pages, the
  # persistent churn cases (QD 1, one 512-byte buffer: one page), latency by
  # the buffer above.
  io <- Filter(function(c) c$kind %in% c("reuse", "churn", "latency") &&
                 (is.null(c$churn) || c$churn == "persistent"), spec$cases)
  fp <- vapply(io, function(c) switch(c$kind, reuse = c$pages, churn = 1,
                                       latency = ceiling(64 * 2^20 / c$page_size)), 0)
  ps <- vapply(io, function(c) c$page_size, 0)
  count <- function(sel) sprintf("%d matched cases", sum(sel))
  within4 <- grep("4 KiB pages, within IOTLB reach", ans, value = TRUE, fixed = TRUE)
  past4 <- grep("4 KiB pages, past IOTLB reach", ans, value = TRUE, fixed = TRUE)
  within2 <- grep("2 MiB pages, within IOTLB reach", ans, value = TRUE, fixed = TRUE)
  expect_length(within4, 1); expect_length(past4, 1); expect_length(within2, 1)
  expect_match(within4, count(ps == 4096 & fp <= lim), fixed = TRUE)
  expect_match(past4, count(ps == 4096 & fp > lim), fixed = TRUE)
  expect_match(within2, count(ps == 2097152 & fp <= lim), fixed = TRUE)
  # The within-reach cost is the generator's hit cost, the past-reach one
  # includes the miss: the two intervals must not overlap.
  ns_of <- function(x) as.numeric(regmatches(x, regexpr("[0-9]+(?= ns longer)", x, perl = TRUE)))
  expect_lt(ns_of(within4), ns_of(past4))
})

test_that("a reach bracket (entries_lo, entries_hi) splits within, inside and past; a run's own no-step stands", {
  cases <- rbind(cmp_rows("h1", "vfio (strict)", 10, pages = 16, lo = 1.0005, hi = 1.002),
                 cmp_rows("h1", "vfio (strict)", 10, pages = 48, lo = 1.0005, hi = 1.002),
                 cmp_rows("h1", "vfio (strict)", 400, pages = 256, lo = 1.04, hi = 1.06))
  cases[, `:=`(run = "r1", footprint_pages = pages)]
  reach <- data.table(backend = "vfio", page_size = 4096, entries = 32, step_ns = 200, confidence = 0.9,
                      reason = "", run = "r1", host = "h1", preset = NA_character_,
                      entries_lo = 32, entries_hi = 64)
  a <- answer_iommu_cost(cases, reach)
  expect_match(a[1], "within IOTLB reach (footprint at most 32 pages), 1 matched case:", fixed = TRUE)
  expect_match(a[2], "past IOTLB reach (footprint over 64 pages), 1 matched case:", fixed = TRUE)
  expect_match(a[3], "inside the reach's uncertainty (32-64 pages), 1 matched case:", fixed = TRUE)
  # Run r2 of the same configuration has no sweep: it takes r1's reach.
  # Run r3 swept and found no step: its cases are not split by r1's reach.
  r2 <- data.table::copy(cases)[, run := "r2"]
  r3 <- data.table::copy(cases)[, run := "r3"]
  no_step <- data.table(backend = "vfio", page_size = 4096, entries = NA_real_, step_ns = NA_real_,
                        confidence = NA_real_, reason = "no sustained step", run = "r3", host = "h1",
                        preset = NA_character_, entries_lo = NA_real_, entries_hi = NA_real_)
  lim <- reach_limits(rbind(cases, r2, r3), rbind(reach, no_step))
  expect_equal(lim[run == "r2", lim_lo], rep(32, 3))
  expect_equal(lim[run == "r3", lim_lo], rep(NA_real_, 3))
})

test_that("guest (TCG) reference runs read as emulation, and their noise is said", {
  ref <- file.path(analysis_root, "..", "datasets", "reference")
  dirs <- file.path(ref, c("guest-vfio", "guest-iommufd", "guest-pagemap"))
  skip_if_not(all(dir.exists(dirs)), "datasets/reference/guest-* are not beside analysis/")
  d <- prepare_data(suppressWarnings(load_datasets(dirs)))
  expect_true(all(d$runs$emulated))
  reach <- infer_reach(reach_input(d), by = reach_groups(d$results))
  cost <- answer_iommu_cost(compare_backends(d), reach, d$runs)
  expect_gt(length(cost), 0)
  expect_true(all(startsWith(cost, "QEMU TCG emulation, not hardware cost: ")))
  # The guests' tails are long: nothing is stated as a plain, sized cost.
  expect_true(all(grepl("too noisy|not significant|no significant", cost)))
  for (a in c(answer_reach(reach, d$runs), answer_churn(d), answer_count(d), answer_map(d)))
    expect_match(a, "^QEMU TCG emulation")
  expect_true(all(grepl("QEMU TCG emulation", d$results$series)))
  # The report says it at the top, not only in the answers.
  out <- file.path(tempdir(), "iotlb-guest-report")
  unlink(out, recursive = TRUE)
  suppressWarnings(build_report(dirs[1], out, quiet = TRUE))
  html <- paste(readLines(file.path(out, "index.html")), collapse = "\n")
  expect_match(html, "Emulated run(s): ", fixed = TRUE)
})

test_that("the churn answer sizes mapping per I/O against mapping once, within its interval", {
  x <- fixture_intel()
  d <- prepare_data(load_datasets(x$dir))
  a <- answer_churn(d)
  s <- x$spec
  per_io <- s$map_ns + s$unmap_ns + s$map_per_page_ns + s$unmap_per_page_ns
  m <- churn_effects(d)[churn == "per-io"]
  expect_equal(nrow(m), 2)  # one per page size
  # Generated cost per I/O: one map and one unmap of one page, inside the
  # interval the answer prints, give or take one histogram bucket (1/128 of
  # an octave: 64 ns at 8-16 us), the resolution the medians are read at.
  bucket <- 2^floor(log2(m$b_p50_ns)) / 128
  expect_true(all((m$lo - 1) * m$b_p50_ns - bucket <= per_io & (m$hi - 1) * m$b_p50_ns + bucket >= per_io))
  expect_true(all(m$lo > 1))
  for (i in seq_len(nrow(m)))
    expect_true(any(grepl(sprintf("ratio %.4f, 95%% CI %.4f-%.4f", m$ratio[i], m$lo[i], m$hi[i]),
                          grep("around every I/O", a, value = TRUE), fixed = TRUE)))
  expect_true(any(grepl("mapping in batches of 64 against mapping once", a, fixed = TRUE)))
})

test_that("the map answer gives slowest/fastest per size with intervals and counts the significant sizes", {
  d <- prepare_data(load_datasets(c(fixture_intel()$dir, fixture_baseline()$dir)))
  a <- answer_map(d)
  n <- length(fixture_intel()$spec$map_sizes_pages)
  expect_length(a, 2)
  expect_true(all(grepl("slowest/fastest [0-9.]+x \\(95% CI [0-9.]+-[0-9.]+\\) at ", a)))
  expect_true(all(grepl(sprintf("significantly slower at [0-9]+ of %d sizes", n), a)))
})

test_that("the count answer gives the fitted growth per decade of live mappings with its interval", {
  x <- fixture_intel()
  a <- answer_count(prepare_data(load_datasets(x$dir)))
  want <- 10^x$spec$count_alpha
  expect_length(a, 2)  # one fit per page size
  for (l in a) {
    ci <- as.numeric(regmatches(l, gregexpr("(?<=x)[0-9.]+(?=[-;, ])", l, perl = TRUE))[[1]])
    expect_match(l, "the median cost grows x[0-9.]+ per tenfold more live mappings, 95% CI")
    expect_lte(ci[2], want); expect_gte(ci[3], want)
  }
})

test_that("the tails answer separates the I/O shape from the page size", {
  x <- fixture("answers-lat", run_id = "run-ans", kinds = "latency", counters = FALSE, seed = 71)
  a <- answer_tails(load_datasets(x$dir))
  expect_true(any(grepl(", read 4 KiB, QD 1, 4 KiB pages: p50 ", a, fixed = TRUE)))
  expect_false(any(grepl("\\bNA", a)))
  # The p99 carries its bootstrap interval; the p99.99 says how few I/Os it
  # rests on (here 3,000 I/Os: fewer than 10,000, so it is the slowest one).
  d <- load_datasets(x$dir)
  r <- kind_rows(d, "latency")
  ci <- regmatches(a, regexpr("(?<=\\[95% CI )[^]]+", a, perl = TRUE))
  expect_length(ci, nrow(r))
  expect_true(all(grepl("^[0-9.]+ .?s-[0-9.]+ .?s$", ci)))
  expect_true(all(r$ops < 1e4))
  expect_match(a, "with 3,000 I/Os this is their slowest\\)\\.$")
})
