test_that("two runs from different hosts merge and the host column tells them apart", {
  a <- fixture("hostA", run_id = "run-a", hostname = "alpha", seed = 1, kinds = c("reuse", "latency"))
  b <- fixture("hostB", run_id = "run-b", hostname = "beta", seed = 2, kinds = c("reuse", "latency"),
               kernel = "6.9.0", iommu_mode = "lazy")
  d <- load_datasets(c(a$dir, b$dir))
  expect_setequal(unique(d$results$host), c("alpha", "beta"))
  n_a <- nrow(fread(file.path(a$dir, "results.csv")))
  n_b <- nrow(fread(file.path(b$dir, "results.csv")))
  expect_equal(nrow(d$results), n_a + n_b)
  expect_equal(d$results[host == "beta", unique(kernel)], "6.9.0")
  expect_equal(d$results[host == "alpha", unique(run)], "run-a")
  # Same case ids in both runs: histograms stay attached to their own run.
  expect_true(all(c("run", "case") %in% names(d$hist)))
  expect_equal(d$hist[, uniqueN(run)], 2)
  # Legends name the host when several are loaded.
  expect_true(all(grepl("^(alpha|beta): ", d$results$series)))
  for (col in c("host", "kernel", "iommu_mode", "backend", "preset"))
    expect_true(col %in% names(d$results), info = col)
})

test_that("an incomplete run loads with a warning", {
  x <- fixture("incomplete", run_id = "run-inc", complete = FALSE, kinds = "latency", seed = 3)
  expect_warning(d <- load_datasets(x$dir), "incomplete")
  expect_false(d$runs$complete)
  expect_gt(nrow(d$results), 0)
})

test_that("a directory with results.csv but no meta.json loads with NA metadata", {
  x <- fixture("nometa-src", kinds = "reuse", seed = 4)
  dir <- file.path(tempdir(), "iotlb-nometa")
  dir.create(dir, showWarnings = FALSE)
  file.copy(file.path(x$dir, "results.csv"), dir, overwrite = TRUE)
  expect_warning(d <- load_datasets(dir), "no meta.json")
  expect_true(all(is.na(d$results$host)))
  expect_true(all(is.na(d$results$kernel)))
  expect_equal(unique(d$results$backend), "emu")
})

test_that("unknown extra columns are kept, missing known columns become NA", {
  dir <- file.path(tempdir(), "iotlb-othertool")
  dir.create(dir, showWarnings = FALSE)
  writeLines(c("backend,page_size,pages,p50_ns,suite,vendor_metric",
               "vfio,4096,1,7000,reuse,x", "vfio,4096,2,7001,reuse,y"),
             file.path(dir, "results.csv"))
  expect_warning(d <- load_datasets(dir), "no meta.json")
  expect_equal(d$results$p50_ns, c(7000, 7001))
  expect_true(all(is.na(d$results$ops)))
  expect_equal(d$results$vendor_metric, c("x", "y"))
})

test_that("counters: 'unsupported' is kept as unsupported, never as zero", {
  x <- fixture_intel()
  d <- load_datasets(x$dir)
  pmu <- d$counters[source == "pmu"]
  expect_gt(nrow(pmu), 0)
  expect_true(all(!pmu$supported))
  expect_true(all(is.na(pmu$value)))
})

test_that("a parent directory expands to the run directories inside it", {
  parent <- file.path(tempdir(), "iotlb-runs")
  unlink(parent, recursive = TRUE)
  make_synthetic_dataset(file.path(parent, "r1"), synth_spec(ops = 500, kinds = "latency", run_id = "r1"))
  make_synthetic_dataset(file.path(parent, "r2"), synth_spec(ops = 500, kinds = "latency", run_id = "r2"))
  d <- load_datasets(parent)
  expect_setequal(d$runs$run, c("r1", "r2"))
})

test_that("baseline and configuration labels follow backend and preset", {
  expect_equal(is_baseline(c("pagemap", "emu", "emu", "vfio"), c(NA, "none", "intel", NA)),
               c(TRUE, TRUE, FALSE, FALSE))
  expect_equal(config_label(c("emu", "vfio", "pagemap"), c("amd", NA, NA), c(NA, "lazy", NA)),
               c("emu/amd", "vfio (lazy)", "pagemap"))
  expect_equal(config_label(c("kernel", "kernel", "kernel"), NA, c("strict", "passthrough", "off")),
               c("kernel (strict)", "kernel (passthrough)", "kernel (off)"))
})

test_that("results.csv: the kind column is `kind`, or `suite` in datasets from before the rename", {
  new <- fixture("kind-new", run_id = "run-kind", kinds = c("reuse", "latency", "map"), seed = 5)
  old <- fixture("kind-old", run_id = "run-kind", kinds = c("reuse", "latency", "map"), seed = 5,
                 kind_column = "suite")
  expect_true("kind" %in% names(fread(file.path(new$dir, "results.csv"), nrows = 0)))
  expect_false("kind" %in% names(fread(file.path(old$dir, "results.csv"), nrows = 0)))
  dn <- load_datasets(new$dir)
  do <- load_datasets(old$dir)
  expect_setequal(unique(dn$results$kind), c("reuse", "latency", "map"))
  expect_equal(do$results$kind, dn$results$kind)
  expect_false("suite" %in% names(do$results))
  # Everything downstream sees the same rows.
  expect_equal(nrow(kind_rows(do, "reuse")), nrow(kind_rows(dn, "reuse")))
  expect_gt(nrow(kind_rows(dn, "reuse")), 0)
  expect_equal(infer_reach(reach_input(do), by = "host"), infer_reach(reach_input(dn), by = "host"))
  expect_equal(reach_from_csv(file.path(old$dir, "results.csv")),
               reach_from_csv(file.path(new$dir, "results.csv")))

  # Beside `kind`, a `suite` column is the suite name and is not taken for the kind.
  both <- file.path(tempdir(), "iotlb-kind-and-suite")
  dir.create(both, showWarnings = FALSE)
  file.copy(file.path(new$dir, "meta.json"), both, overwrite = TRUE)
  r <- fread(file.path(new$dir, "results.csv"))
  r[, suite := "default"]
  fwrite(r, file.path(both, "results.csv"))
  db <- load_datasets(both)
  expect_equal(db$results$kind, dn$results$kind)
  expect_true(all(db$results$suite == "default"))
  expect_equal(nrow(infer_reach(reach_input(db), by = "host")), nrow(infer_reach(reach_input(dn), by = "host")))

  # A dataset written before the rename (the kind in a column `suite`) is
  # read with the same kinds as the checked-in run it was made from.
  refs <- file.path(analysis_root, "..", "datasets", "reference")
  skip_if_not(dir.exists(refs), "datasets/reference is not beside analysis/")
  cur <- file.path(refs, "emu-small")
  expect_true("kind" %in% names(fread(file.path(cur, "results.csv"), nrows = 0)))
  old <- file.path(tempdir(), "iotlb-pre-rename")
  dir.create(old, showWarnings = FALSE)
  for (f in list.files(cur)) file.copy(file.path(cur, f), old, overwrite = TRUE)
  r <- fread(file.path(cur, "results.csv"))
  setnames(r, "kind", "suite")
  fwrite(r, file.path(old, "results.csv"))
  expect_false("kind" %in% names(fread(file.path(old, "results.csv"), nrows = 0)))
  kinds_old <- load_datasets(old)$results$kind
  kinds_cur <- load_datasets(cur)$results$kind
  expect_setequal(unique(kinds_cur), c("reuse", "map", "count", "churn", "latency"))
  expect_equal(kinds_old, kinds_cur)
})
