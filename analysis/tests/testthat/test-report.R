FIGURES <- c("fig_tail_latency", "fig_map_cost", "fig_map_kernel_breakdown", "fig_count_scaling",
             "fig_churn", "fig_reuse_sweep", "fig_iotlb_misses")

test_that("every figure is written as non-empty PNG and PDF, and index.html shows them", {
  x <- fixture("traced", run_id = "run-traced", backend = "vfio", preset = NA, iommu_type = "intel",
               trace = TRUE, seed = 21)
  out <- file.path(tempdir(), "iotlb-report-all")
  unlink(out, recursive = TRUE)
  build_report(x$dir, out, quiet = TRUE)
  for (f in FIGURES) for (ext in c("png", "pdf")) {
    p <- file.path(out, paste0(f, ".", ext))
    expect_true(file.exists(p), info = p)
    expect_gt(file.size(p), 1000)
  }
  png_magic <- readBin(file.path(out, "fig_reuse_sweep.png"), "raw", 4)
  expect_equal(png_magic, as.raw(c(0x89, 0x50, 0x4e, 0x47)))
  expect_equal(rawToChar(readBin(file.path(out, "fig_reuse_sweep.pdf"), "raw", 4)), "%PDF")
  html <- paste(readLines(file.path(out, "index.html")), collapse = "\n")
  refs <- regmatches(html, gregexpr("(src|href)=\"[^\"#]+\"", html))[[1]]
  refs <- sub("^(src|href)=\"(.*)\"$", "\\2", refs)
  expect_gte(length(refs), 2 * length(FIGURES))
  for (r in refs) expect_true(file.exists(file.path(out, r)), info = r)
  expect_false(grepl("https?://", html))
  # Fields a run does not have (here: no emu preset) are blank, not "NA".
  expect_false(grepl(">NA<", html, fixed = TRUE))
  expect_true(grepl("<td>vfio</td><td[^>]*></td><td>all</td>", html))
  expect_true(file.exists(file.path(out, "iotlb_reach.csv")))
})

test_that("absent kinds skip their figures, and the report says so in terms of kinds", {
  x <- fixture("latency-only", run_id = "run-lat", kinds = "latency", counters = FALSE, seed = 22)
  out <- file.path(tempdir(), "iotlb-report-lat")
  unlink(out, recursive = TRUE)
  res <- build_report(x$dir, out, quiet = TRUE)
  expect_true(file.exists(file.path(out, "fig_tail_latency.png")))
  for (f in setdiff(FIGURES, "fig_tail_latency"))
    expect_false(file.exists(file.path(out, paste0(f, ".png"))), info = f)
  html <- paste(readLines(file.path(out, "index.html")), collapse = "\n")
  expect_match(html, "Not produced: no `reuse` cases in these datasets.", fixed = TRUE)
  expect_match(html, "No `map` cases in these datasets: mapping speed was not measured.", fixed = TRUE)
  expect_match(html, "Not produced")
  # "suite" is the suite file (the Runs table's column), never a benchmark kind.
  expect_false(grepl("`(map|count|churn|reuse|latency)` suite", html, ignore.case = TRUE))
  expect_false(grepl("suites? in the data", html, ignore.case = TRUE))
  expect_false(file.exists(file.path(out, "iotlb_reach.csv")))
})

test_that("the count figure's legend carries the generator's growth exponent", {
  x <- fixture_intel()
  d <- load_datasets(x$dir)
  sl <- count_slopes(kind_rows(d, "count"))
  expect_equal(sl$slope, rep(x$spec$count_alpha, nrow(sl)), tolerance = 0.02 / x$spec$count_alpha)
  f <- fig_count(d)
  labs <- unique(ggplot2::ggplot_build(f$plot)$plot$data$label)
  expect_true(all(grepl(sprintf("slope %.2f", x$spec$count_alpha), labs)))
})

test_that("the command line: default output next to the data, --out needed for several", {
  rscript <- file.path(R.home("bin"), "Rscript")
  script <- file.path(analysis_root, "report.R")
  a <- fixture("cli-a", run_id = "cli-a", kinds = c("latency", "reuse"), seed = 31)
  b <- fixture("cli-b", run_id = "cli-b", kinds = "latency", seed = 32)
  st <- suppressWarnings(system2(rscript, c(script, a$dir, b$dir), stdout = TRUE, stderr = TRUE))
  expect_false(is.null(attr(st, "status")))
  expect_match(paste(st, collapse = "\n"), "--out")
  unlink(file.path(a$dir, "report"), recursive = TRUE)
  st <- system2(rscript, c(script, a$dir), stdout = TRUE, stderr = TRUE)
  expect_null(attr(st, "status"))
  expect_true(file.exists(file.path(a$dir, "report", "index.html")))
  out <- file.path(tempdir(), "iotlb-cli-two")
  st <- system2(rscript, c(script, a$dir, b$dir, "--out", out), stdout = TRUE, stderr = TRUE)
  expect_null(attr(st, "status"))
  expect_true(file.exists(file.path(out, "index.html")))
})
