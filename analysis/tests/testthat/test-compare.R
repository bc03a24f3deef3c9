# iotlbench compare's statistics (R/compare.R): a slowdown is found, the same
# run against itself is not, and the exit status follows --fail-above.

# A loaded run as load_compare_run() returns it, from per-case latency
# samples: results.csv's percentiles and latency_hist.csv's buckets.
synth_run <- function(run, medians, preset = "none", n = 20000, seed = 1) {
  set.seed(seed)
  cases <- sprintf("latency-%04d", seq_along(medians))
  res <- list(); hist <- list()
  for (i in seq_along(medians)) {
    v <- synth_samples(n, medians[i])
    q <- stats::quantile(v, c(0.5, 0.9, 0.99, 0.999), names = FALSE)
    res[[i]] <- data.table::data.table(
      case = cases[i], kind = "latency", backend = "emu", page_size = 4096, op = "read",
      io_size = 4096, qd = 1, threads = 1, pages = NA_real_, map_size = NA_real_,
      mappings = NA_real_, churn = NA_character_, ops = n, p50_ns = q[1], p90_ns = q[2],
      p99_ns = q[3], p999_ns = q[4], iops = 1e9 / mean(v))
    hist[[i]] <- synth_hist(v)[, case := cases[i]]
  }
  list(runs = data.table::data.table(run = run, host = "hostA", preset = preset, meta_backend = "emu"),
       results = data.table::rbindlist(res), hist = data.table::rbindlist(hist))
}

base_run <- function() synth_run("base", c(5000, 8000, 12000), seed = 11)

test_that("a 10 % slowdown of one case is a regression at 5 %, not at 20 %", {
  base <- base_run()
  new <- synth_run("new", c(5000, 8800, 12000), preset = "intel-e5-2660v2", seed = 12)
  cmp <- compare_runs(base, new)
  t <- cmp$table
  expect_equal(nrow(t), 3)
  expect_equal(t$ci, rep("bootstrap", 3))
  slow <- t[case == "latency-0002"]
  expect_gt(slow$p50_lo, 1.05)
  expect_lt(slow$p50_hi, 1.15)
  expect_true(slow$p50_lo <= slow$p50_ratio && slow$p50_ratio <= slow$p50_hi)
  # The other two cases: their intervals hold 1 within a percent.
  expect_true(all(t[case != "latency-0002", p50_lo < 1.01 & p50_hi > 0.99]))
  # IOPS falls by the same factor.
  expect_lt(slow$iops_hi, 0.95)
  expect_equal(compare_regressions(t, 5)$case, "latency-0002")
  expect_identical(compare_status(t, 5), 1L)
  expect_identical(compare_status(t, 20), 0L)
  # Without --fail-above there is no verdict.
  expect_identical(compare_status(t, NULL), 0L)
  # The series are labelled by run, host, preset and backend.
  expect_equal(cmp$new[["preset"]], "intel-e5-2660v2")
  txt <- compare_text(cmp, 5)
  expect_true(any(grepl("NEW : run new, host hostA, preset intel-e5-2660v2, backend emu", txt, fixed = TRUE)))
  expect_equal(sum(grepl("REGRESSION", txt)), 1)
})

test_that("a run against itself has no regression, even at 0 %", {
  base <- base_run()
  t <- compare_runs(base, base)$table
  expect_equal(t$p50_ratio, rep(1, 3))
  expect_true(all(t$p50_lo <= 1 & t$p50_hi >= 1 & t$p99_lo <= 1 & t$p99_hi >= 1))
  expect_identical(compare_status(t, 0), 0L)
})

test_that("on emulated (TCG) runs only the p50 gates a regression, and the runs are labelled", {
  base <- base_run()
  new <- synth_run("new", c(5000, 8000, 12000), seed = 13)
  t <- compare_runs(base, new)$table
  # A case whose p99 alone rose beyond the margin and its interval...
  t[case == "latency-0001", `:=`(p99_ratio = 1.5, p99_lo = 1.3, p99_hi = 1.7)]
  expect_identical(compare_status(t, 5), 1L)  # ...gates on real hardware,
  t[, emulated := TRUE]
  expect_identical(compare_status(t, 5), 0L)  # ...not under emulation,
  t[case == "latency-0001", `:=`(p50_lo = 1.2, p50_hi = 1.3)]
  expect_identical(compare_status(t, 5), 1L)  # where a p50 regression still does.
  ref <- file.path(analysis_root, "..", "datasets", "reference")
  skip_if_not(dir.exists(file.path(ref, "guest-vfio")), "no reference datasets beside analysis/")
  cmp <- suppressWarnings(compare_runs(load_compare_run(file.path(ref, "guest-vfio"), "BASE"),
                                       load_compare_run(file.path(ref, "guest-vfio"), "NEW")))
  expect_true(all(cmp$table$emulated))
  txt <- compare_text(cmp, 5)
  expect_match(txt[1], "[QEMU TCG emulation]", fixed = TRUE)
  expect_true(any(grepl("gates on p50 only", txt, fixed = TRUE)))
})

test_that("cases are matched by id and parameters; unmatched ones are counted", {
  base <- base_run()
  new <- data.table::copy(base)
  new$results <- data.table::copy(base$results)
  new$results[case == "latency-0003", io_size := 8192]
  cmp <- compare_runs(base, new)
  expect_equal(cmp$table$case, c("latency-0001", "latency-0002"))
  expect_equal(cmp$unmatched$base, "latency-0003")
  expect_equal(cmp$unmatched$new, "latency-0003")
})

test_that("without histograms the delta method gives intervals from results.csv", {
  base <- base_run(); base$hist <- NULL
  new <- synth_run("new", c(5000, 8800, 12000), seed = 12); new$hist <- NULL
  t <- compare_runs(base, new)$table
  expect_equal(t$ci, rep("delta", 3))
  expect_true(all(is.finite(t$p50_lo)))
  expect_true(all(is.na(t$iops_lo)))
  expect_identical(compare_status(t, 5), 1L)
})

test_that("compare.R exits 0, 1 and 2 and writes CSV and Markdown", {
  ref <- file.path(analysis_root, "..", "datasets", "reference")
  skip_if_not(dir.exists(file.path(ref, "emu-small")), "no reference datasets beside analysis/")
  run <- function(...) {
    out <- suppressWarnings(system2(file.path(R.home("bin"), "Rscript"),
                                    c(file.path(analysis_root, "compare.R"), ...),
                                    stdout = TRUE, stderr = TRUE))
    list(status = attr(out, "status") %||% 0L, output = paste(out, collapse = "\n"))
  }
  a <- file.path(ref, "emu-small"); b <- file.path(ref, "emu-small-nommu")
  out <- file.path(tempdir(), "compare-out")
  r <- run(b, a, "--out", out, "--fail-above", "5")
  expect_equal(r$status, 1L)
  # The reference run's preset has 64 entries: the inferred point lies within
  # max(2, 4 %) of it.
  got <- as.numeric(regmatches(r$output, regexpr("(?<=new  emu, 4 KiB pages: )[0-9]+(?= entries)",
                                                  r$output, perl = TRUE)))
  expect_length(got, 1)
  expect_lte(abs(got - 64), 2.56)
  csv <- data.table::fread(file.path(out, "compare.csv"))
  expect_true(all(c("p50_ratio", "p50_lo", "iops_ratio", "base_preset", "new_preset") %in% names(csv)))
  expect_equal(unique(csv$base_preset), "none")
  md <- read_table_md(file.path(out, "compare.md"))
  expect_equal(nrow(md), nrow(csv))
  expect_equal(run(a, a, "--fail-above", "0")$status, 0L)
  expect_equal(run(a, file.path(tempdir(), "no-such-run"))$status, 2L)
  expect_equal(run(a)$status, 2L)
  expect_equal(run(a, b, "--fail-above", "lots")$status, 2L)
})

test_that("report --single-file inlines the figures and keeps the PDFs", {
  a <- fixture_intel()
  out <- file.path(tempdir(), "single-file-report")
  build_report(a$dir, out, quiet = TRUE, single_file = TRUE)
  html <- paste(readLines(file.path(out, "index.html")), collapse = "\n")
  expect_match(html, "<img src=\"data:image/png;base64,")
  expect_false(grepl("<img src=\"[^d]", html))
  expect_true(length(list.files(out, "\\.pdf$")) > 0)
  # The one file stands alone: no src or href names a file (a PDF, a table)
  # that would be missing once index.html is mailed on its own.
  refs <- regmatches(html, gregexpr("(src|href)=\"[^\"]*\"", html))[[1]]
  local <- refs[!grepl("^(src|href)=\"(data:|#|https?:)", refs)]
  expect_equal(local, character())
  # ... and it holds the tables themselves: every row of the summary table.
  n_rows <- nrow(table_summary(load_datasets(a$dir)))
  sum_html <- sub("(?s).*<h3>Per-case summary</h3>(.*?)</table>.*", "\\1", html, perl = TRUE)
  expect_equal(lengths(regmatches(sum_html, gregexpr("<tr><td", sum_html))), n_rows)
  expect_false(grepl("First [0-9]+ of", html))
})
