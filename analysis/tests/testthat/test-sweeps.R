# The IOTLB reach is inferred per sweep: per run and per suite section, never
# from two sweeps pooled into one curve (two runs of one configuration, or two
# sections of one run that differ in a parameter such as the access order).

# One run with two reuse sections: `reuse` whose IOTLB runs out after 64
# pages and `order2` after 16 (as if the second order reached fewer entries).
two_sweep_run <- function(name) {
  base <- file.path(tempdir(), "iotlb-sweeps", name)
  unlink(base, recursive = TRUE)
  one <- function(sub, entries, seed)
    make_synthetic_dataset(file.path(base, sub), synth_spec(
      ops = 2000, kinds = "reuse", page_sizes = 4096, entries = c(`4096` = entries),
      run_id = name, hostname = "hostS", counters = FALSE, seed = seed))
  one("a", 64, 61); one("b", 16, 62)
  rd <- function(sub, f) data.table::fread(file.path(base, sub, f))
  ra <- rd("a", "results.csv"); rb <- rd("b", "results.csv")
  ha <- rd("a", "latency_hist.csv"); hb <- rd("b", "latency_hist.csv")
  ren <- function(x) sub("^reuse-", "order2-", x)
  rb[, case := ren(case)]; hb[, case := ren(case)]
  dir <- file.path(base, "run")
  dir.create(dir)
  data.table::fwrite(rbind(ra, rb), file.path(dir, "results.csv"), na = "")
  data.table::fwrite(rbind(ha, hb), file.path(dir, "latency_hist.csv"))
  file.copy(file.path(base, "a", "meta.json"), dir)
  dir
}

test_that("two sections of one run get a reach each (report, summary)", {
  dir <- two_sweep_run("sweeps-1")
  d <- prepare_data(load_datasets(dir))
  reach <- infer_reach(reach_input(d), by = reach_groups(d$results))
  expect_equal(nrow(reach), 2)
  expect_equal(reach[section == "reuse", entries], 64)
  expect_equal(reach[section == "order2", entries], 16)
  s <- run_summary(dir)
  sw <- s$page_sizes[[1]]$reach_sweeps
  expect_length(sw, 2)
  expect_setequal(vapply(sw, function(w) w$entries, 0), c(16, 64))
  # No single reach is claimed for the page size when the sweeps differ.
  expect_null(s$page_sizes[[1]]$reach_entries)
  expect_true(any(grepl("[order2] reach 16 pages", format_summary(s), fixed = TRUE)))
})

test_that("two runs of one configuration get a reach each, in the report and in compare", {
  a <- fixture("sweep-run-a", run_id = "sweep-a", kinds = "reuse", page_sizes = 4096,
               entries = c(`4096` = 64), counters = FALSE, seed = 63)
  b <- fixture("sweep-run-b", run_id = "sweep-b", kinds = "reuse", page_sizes = 4096,
               entries = c(`4096` = 32), counters = FALSE, seed = 64)
  d <- load_datasets(c(a$dir, b$dir))
  reach <- infer_reach(reach_input(d), by = reach_groups(d$results))
  expect_equal(nrow(reach), 2)
  expect_equal(reach[run == "sweep-a", entries], 64)
  expect_equal(reach[run == "sweep-b", entries], 32)
  # The reuse figure marks each run's own reach.
  f <- fig_reuse(d, reach)
  marks <- ggplot2::ggplot_build(f$plot)$data[[3]]
  expect_setequal(2^marks$xintercept, c(32, 64))  # the x scale is log2
  cmp <- compare_runs(load_compare_run(a$dir, "BASE"), load_compare_run(b$dir, "NEW"))
  expect_equal(cmp$reach[order(series), entries], c(64, 32))
  # The reach answer tells the two runs apart.
  ans <- answer_reach(reach, d$runs)
  expect_true(any(grepl("{sweep-a}", ans, fixed = TRUE)) && any(grepl("{sweep-b}", ans, fixed = TRUE)))
})
