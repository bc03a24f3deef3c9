# The pcie-bench reference datasets (datasets/reference/pciebench-*, written by
# scripts/import-pciebench.R) load through the analysis's own loader, keep the
# schema and say where every number came from; the expected reach and miss
# cost (scripts/pciebench-expected.R) are what the script computes from them.

repo_root <- normalizePath(file.path(analysis_root, ".."))
ref_root <- file.path(repo_root, "datasets", "reference")
pcie_dirs <- sort(Sys.glob(file.path(ref_root, "pciebench-*")))
pcie_dirs <- pcie_dirs[dir.exists(pcie_dirs)]

rscript <- function(...) {
  out <- suppressWarnings(system2(file.path(R.home("bin"), "Rscript"), c(...),
                                  stdout = TRUE, stderr = TRUE))
  list(status = attr(out, "status") %||% 0L, output = paste(out, collapse = "\n"))
}

test_that("every pcie-bench dataset loads with the analysis's loader and keeps the schema", {
  expect_gte(length(pcie_dirs), 10)
  d <- expect_silent(load_datasets(pcie_dirs))
  expect_equal(nrow(d$runs), length(pcie_dirs))
  r <- d$results
  expect_true(all(RESULT_COLS %in% names(r)))
  expect_true(all(r$kind == "reuse"))
  expect_true(all(r$backend == "pciebench"))
  expect_true(all(r$page_size == 4096 & r$io_size == 64 & r$qd == 1 & r$threads == 1))
  expect_true(all(r$op == "read"))
  # Appended columns: random order, nothing but data pages in the IOTLB.
  expect_true(all(r$order == "random"))
  expect_true(all(r$other_pages == 0))
  expect_true(all(is.na(r$other_page_size)))
  # Whole pages of the window, no sub-page windows.
  expect_true(all(r$pages >= 1 & r$pages == r$window_bytes / 4096))
  expect_true(all(r$ops > 0))
  # Order statistics in order; empty where the source gives none.
  expect_true(all(r$min_ns <= r$p50_ns & r$p50_ns <= r$p95_ns & r$p95_ns <= r$p999_ns &
                    r$p999_ns <= r$max_ns))
  expect_true(all(r$min_ns <= r$mean_ns & r$mean_ns <= r$max_ns))
  expect_true(all(is.na(r$p90_ns) & is.na(r$p99_ns) & is.na(r$p9999_ns)))
  # One sweep per dataset: every window once.
  expect_equal(r[, anyDuplicated(pages), by = run][, sum(V1)], 0)
  # The source publishes no per-read latencies for these sweeps.
  expect_null(d$hist)
  expect_true(all(d$runs$complete))
  expect_true(all(d$runs$meta_backend == "pciebench"))
  expect_true(all(nzchar(d$runs$cpu_model) & grepl("Xeon", d$runs$cpu_model)))
  expect_true(all(d$runs$iommu_mode %in% c("strict", "lazy", "passthrough", "off", "unknown")))
})

test_that("every pcie-bench dataset names its source, commit, licence and column mapping", {
  for (dir in pcie_dirs) {
    m <- jsonlite::fromJSON(file.path(dir, "meta.json"), simplifyVector = FALSE)
    p <- m$provenance
    info <- basename(dir)
    expect_equal(p$repository, "https://github.com/pcie-bench/data", info = info)
    expect_match(p$commit, "^[0-9a-f]{40}$", info = info)
    expect_match(p$licence, "Apache-2.0", info = info)
    expect_true(paste0(p$source_directory, "/lat_dma_sweep_rd_rnd_64.csv") %in% unlist(p$files), info = info)
    mapped <- unlist(p$columns)
    for (col in c("mean_ns", "p50_ns", "p999_ns", "max_ns", "ops", "io_size"))
      expect_true(any(startsWith(mapped, col)), info = paste(info, col))
    # The name's IOMMU configuration is what the kernel was booted with.
    cmd <- m$host$cmdline
    config <- sub(".*-(off|on|on-nosp)$", "\\1", info)
    expect_equal(grepl("intel_iommu=on", cmd, fixed = TRUE), config != "off", info = info)
    expect_equal(grepl("sp_off", cmd, fixed = TRUE), config == "on-nosp", info = info)
    expect_equal(m$host$iommu_mode == "off", config == "off", info = info)
  }
})

test_that("re-importing from pcie-bench/data reproduces the checked-in datasets", {
  src <- Sys.getenv("PCIEBENCH_DATA")
  if (!nzchar(src))
    skip("PCIEBENCH_DATA is not set: point it at a clone of https://github.com/pcie-bench/data to check the import")
  out <- file.path(tempdir(), "pciebench-reimport")
  unlink(out, recursive = TRUE)
  res <- rscript(file.path(repo_root, "scripts", "import-pciebench.R"), src, out)
  expect_equal(res$status, 0L, info = res$output)
  for (dir in pcie_dirs) {
    new <- file.path(out, basename(dir))
    expect_true(dir.exists(new), info = basename(dir))
    for (f in c("results.csv", "meta.json"))
      expect_identical(readLines(file.path(new, f)), readLines(file.path(dir, f)),
                       info = paste(basename(dir), f))
  }
})

test_that("the expected-values script reproduces datasets/reference/pciebench-expected.csv", {
  out <- tempfile(fileext = ".csv")
  res <- rscript(file.path(repo_root, "scripts", "pciebench-expected.R"), "--out", out, ref_root)
  expect_equal(res$status, 0L, info = res$output)
  expect_identical(readLines(out), readLines(file.path(ref_root, "pciebench-expected.csv")))
})

test_that("the expected-values fit recovers a known entry count and miss cost, and finds none without a step", {
  # Means computed from the model itself (N = 100, c = 250 ns, base 600 ns)
  # plus a 1 ns wiggle, on pcie-bench's windows; and a flat IOMMU-off sweep.
  root <- file.path(tempdir(), "pciebench-synthetic")
  unlink(root, recursive = TRUE)
  pages <- c(2, 16, 64, 128, 256, 384, 512, 1024, 2048, 4096, 8192, 16384)
  wiggle <- rep(c(0.5, -0.5), 6)
  write_set <- function(name, mean_ns) {
    dir <- file.path(root, name)
    dir.create(dir, recursive = TRUE)
    fwrite(data.table(case = sprintf("reuse-%04d", seq_along(pages)), kind = "reuse",
                      page_size = 4096, pages = pages, mean_ns = mean_ns, p50_ns = mean_ns,
                      order = "random"), file.path(dir, "results.csv"))
    writeLines('{"host": {"cpu_model": "synthetic"}, "complete": true}', file.path(dir, "meta.json"))
  }
  write_set("pciebench-synth-on-nosp", 600 + 250 * pmax(0, 1 - 100 / pages) + wiggle)
  write_set("pciebench-synth-off", 600 + wiggle)
  out <- file.path(root, "expected.csv")
  res <- rscript(file.path(repo_root, "scripts", "pciebench-expected.R"), "--out", out, root)
  expect_equal(res$status, 0L, info = res$output)
  e <- fread(out)
  on <- e[dataset == "pciebench-synth-on-nosp"]
  expect_setequal(on$method, c("raw", "on-minus-off"))
  for (i in seq_len(nrow(on))) {
    expect_true(on$entries_lo[i] <= 100 && 100 <= on$entries_hi[i], info = on$method[i])
    expect_lt(abs(on$entries[i] - 100), 5)
    expect_true(on$miss_ns_lo[i] <= 250 && 250 <= on$miss_ns_hi[i], info = on$method[i])
  }
  off <- e[dataset == "pciebench-synth-off"]
  expect_true(is.na(off$entries))
  expect_match(off$notes, "no penalty")
})

test_that("the report's reach inference on the pcie-bench data agrees with the documented fit", {
  # The expected values come from scripts/pciebench-expected.R, a separate
  # least-squares fit of base + c * max(0, 1 - N/W) to the same numbers; the
  # report's code path (load_datasets -> reach_input -> infer_reach) must
  # reach the same answer: a reach where the fit finds one (inside the fit's
  # interval, or within max(2, 4 %) of its point), none where it finds none.
  exp <- fread(file.path(ref_root, "pciebench-expected.csv"))[method == "raw"]
  for (d in pcie_dirs) {
    r <- infer_reach(reach_input(load_datasets(d)), by = "run")
    e <- exp[dataset == basename(d)]
    expect_equal(nrow(r), 1, info = basename(d))
    if (is.na(e$entries)) {
      expect_true(is.na(r$entries), info = paste(basename(d), r$reason))
      next
    }
    ok <- (r$entries >= e$entries_lo && r$entries <= e$entries_hi) ||
      abs(r$entries - e$entries) <= max(2, 0.04 * e$entries)
    expect_true(ok, info = sprintf("%s: inferred %s, expected %s [%s, %s]", basename(d), r$entries,
                                   e$entries, e$entries_lo, e$entries_hi))
    # The bracket holds the documented fit's point, and the miss cost's
    # interval overlaps the fit's.
    expect_true(r$entries_lo <= e$entries && e$entries <= r$entries_hi, info = basename(d))
    expect_true(r$step_lo_ns <= e$miss_ns_hi && e$miss_ns_lo <= r$step_hi_ns,
                info = sprintf("%s: step [%.0f, %.0f] vs [%.0f, %.0f]", basename(d), r$step_lo_ns,
                               r$step_hi_ns, e$miss_ns_lo, e$miss_ns_hi))
  }
})
