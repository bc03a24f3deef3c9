# Expectations come from the generator's parameters: the reach to find is the
# largest swept page count that still fits the IOTLB of `entries` entries.
expected_reach <- function(pages, entries) {
  if (!is.finite(entries) || !any(pages > entries)) return(NA_real_)
  max(pages[pages <= entries])
}

sweep_df <- function(backend, page_size, pages, ...) {
  data.table(suite = "reuse", backend = backend, page_size = page_size, pages = pages,
             p50_ns = synth_sweep(pages, ...))
}

POW2 <- 2^(0:12)
ODD <- c(POW2, 6000)  # powers of two plus an odd last point

test_that("Intel-like 235 ns step with noise and drift is found at 64 entries", {
  for (seed in 1:20) {
    r <- reach_one(ODD, synth_sweep(ODD, entries = 64, step_ns = 235, noise_sd = 3,
                                    drift_per_doubling = 1.5, seed = seed))
    expect_equal(r$entries, expected_reach(ODD, 64), info = paste("seed", seed))
    expect_equal(r$step_ns, 235, tolerance = 15 / 235, info = paste("seed", seed))
    expect_gt(r$confidence, 0.7)
  }
})

test_that("a 60 ns step on an 8 us baseline with noise and drift is found", {
  for (seed in 1:30) {
    r <- reach_one(ODD, synth_sweep(ODD, base_ns = 7600, entries = 256, step_ns = 60, noise_sd = 3,
                                    drift_per_doubling = 2, seed = seed))
    expect_equal(r$entries, expected_reach(ODD, 256), info = paste("seed", seed))
    expect_lt(abs(r$step_ns - 60), 15)
  }
})

test_that("a sweep without a step gives NA entries with a reason, despite drift", {
  for (seed in 1:30) {
    y <- synth_sweep(ODD, entries = Inf, noise_sd = 4, drift_per_doubling = 2,
                     drift_per_page = 0.002, seed = seed)
    r <- reach_one(ODD, y)
    expect_true(is.na(r$entries), info = paste("seed", seed))
    expect_match(r$reason, "no sustained step")
  }
})

test_that("sparse sweeps report the last swept point inside the IOTLB", {
  sparse <- c(1, 4, 16, 64, 256, 1024, 1500)
  for (E in c(100, 300, 1024)) {
    r <- reach_one(sparse, synth_sweep(sparse, entries = E, step_ns = 70, noise_sd = 3, seed = E))
    expect_equal(r$entries, expected_reach(sparse, E), info = paste("entries", E))
  }
})

test_that("a step only at an odd last point is reported, with reduced confidence", {
  pages <- c(2^(0:10), 1536)
  r <- reach_one(pages, synth_sweep(pages, entries = 1024, step_ns = 235, noise_sd = 3, seed = 5))
  expect_equal(r$entries, 1024)
  expect_lte(r$confidence, 0.5)
  expect_match(r$reason, "last point")
})

test_that("a one-point spike is not a step; the real step after it is", {
  y <- synth_sweep(ODD, entries = 512, step_ns = 100, noise_sd = 3, seed = 9)
  y[ODD == 16] <- y[ODD == 16] + 300
  r <- reach_one(ODD, y)
  expect_equal(r$entries, 512)
})

test_that("split IOTLB (AMD: 256/64/32 per page size) and unified (Intel: 64 for all)", {
  amd <- c(`4096` = 256, `2097152` = 64, `1073741824` = 32)
  intel <- c(`4096` = 64, `2097152` = 64, `1073741824` = 64)
  pages_for <- list(`4096` = ODD, `2097152` = c(2^(0:9), 700), `1073741824` = 2^(0:7))
  d <- rbindlist(c(
    lapply(names(amd), function(ps) sweep_df("vfio", as.numeric(ps), pages_for[[ps]], entries = amd[[ps]],
                                              step_ns = 70, noise_sd = 3, drift_per_doubling = 1,
                                              seed = nchar(ps))),
    lapply(names(intel), function(ps) sweep_df("iommufd", as.numeric(ps), pages_for[[ps]],
                                                entries = intel[[ps]], step_ns = 235, noise_sd = 3,
                                                seed = 10 + nchar(ps)))))
  r <- infer_reach(d)
  expect_equal(names(r)[1:6], REACH_COLS)
  for (ps in names(amd)) {
    expect_equal(r[backend == "vfio" & page_size == as.numeric(ps), entries],
                 expected_reach(pages_for[[ps]], amd[[ps]]), info = ps)
    expect_equal(r[backend == "iommufd" & page_size == as.numeric(ps), entries],
                 expected_reach(pages_for[[ps]], intel[[ps]]), info = ps)
  }
})

test_that("reach accepts a bare results.csv from another tool and writes the csv", {
  d <- rbind(sweep_df("pagemap", 4096, ODD, entries = Inf, noise_sd = 3, seed = 3),
             sweep_df("vfio", 4096, ODD, entries = 128, step_ns = 90, noise_sd = 3, seed = 4))
  d[, other_tool_col := "x"]
  setcolorder(d, c("p50_ns", "pages", "backend"))
  src <- tempfile(fileext = ".csv"); fwrite(d, src)
  r <- reach_from_csv(src)
  expect_true(is.na(r[backend == "pagemap", entries]))
  expect_equal(r[backend == "vfio", entries], 128)
  out <- tempfile(fileext = ".csv"); write_reach_csv(r, out)
  lines <- readLines(out)
  expect_equal(strsplit(lines[1], ",")[[1]][1:6], REACH_COLS)
  back <- fread(out)
  expect_true(is.na(back[backend == "pagemap", entries]))
  expect_match(back[backend == "pagemap", reason], "no sustained step")
})

test_that("too few points and rows of other kinds are handled", {
  r <- reach_one(c(1, 2, 4), c(8000, 8001, 8300))
  expect_true(is.na(r$entries)); expect_match(r$reason, "need at least")
  d <- data.table(suite = "map", backend = "emu", page_size = 4096, pages = 1, p50_ns = 1)
  expect_equal(nrow(infer_reach(d)), 0)
  expect_error(infer_reach(data.table(backend = "emu")), "needs columns")
})

test_that("reach from a generated dataset matches the IOMMU model's entries", {
  x <- fixture_intel()
  d <- load_datasets(x$dir)
  r <- infer_reach(d$results, by = c("host", "preset"))
  for (ps in x$spec$page_sizes)
    expect_equal(r[page_size == ps, entries],
                 expected_reach(x$spec$reuse_pages, synth_entries(x$spec, ps)))
  expect_equal(r$step_ns, rep(x$spec$miss_ns, nrow(r)), tolerance = 0.1)
})

test_that("a gradual rise (random replacement: miss rate 1 - entries/pages) is dated at the reach", {
  for (seed in 1:20) {
    set.seed(seed)
    y <- 8050 + 1.5 * log2(ODD) + 235 * pmax(0, 1 - 256 / ODD) + rnorm(length(ODD), 0, 3)
    expect_equal(reach_one(ODD, y)$entries, expected_reach(ODD, 256), info = paste("seed", seed))
  }
})

test_that("a step down is not an IOTLB step", {
  r <- reach_one(ODD, synth_sweep(ODD, entries = 64, step_ns = -150, noise_sd = 3, seed = 2))
  expect_true(is.na(r$entries))
})

test_that("quantised p50 (bucket midpoints, as the runner writes): drift is no step", {
  for (seed in 1:20) {
    y <- synth_bucket_mid(synth_sweep(ODD, base_ns = 8150, entries = Inf, noise_sd = 3,
                                      drift_per_doubling = 4, seed = seed))
    r <- reach_one(ODD, y)
    expect_true(is.na(r$entries), info = paste("seed", seed))
  }
  y <- synth_bucket_mid(synth_sweep(ODD, base_ns = 7600, entries = 256, step_ns = 200, noise_sd = 3, seed = 1))
  expect_equal(reach_one(ODD, y)$entries, expected_reach(ODD, 256))
})

test_that("the report re-reads p50 from histograms and finds a 70 ns step under quantisation", {
  x <- fixture("amd-quantised", run_id = "run-amd", hostname = "epyc", preset = "amd-epyc-7713",
               entries = c(`4096` = 256, `2097152` = 64), miss_ns = 70, base_ns = 7900,
               reuse_pages = c(2^(0:10), 1536), kinds = "reuse", runner_quantiles = TRUE,
               ops = 20000, drift_per_doubling = 1.5, seed = 41)
  d <- load_datasets(x$dir)
  # results.csv carries bucket midpoints ...
  expect_true(all(d$results$p50_ns == synth_bucket_mid(d$results$p50_ns)))
  r <- infer_reach(reach_input(d), by = c("host", "preset"))
  for (ps in x$spec$page_sizes)
    expect_equal(r[page_size == ps, entries],
                 expected_reach(x$spec$reuse_pages, synth_entries(x$spec, ps)), info = ps)
  expect_true(all(abs(r$step_ns - 70) < 20))
})

test_that("reach selects reuse rows by `kind`, or by a `suite` column from before the rename", {
  d <- rbind(sweep_df("vfio", 4096, ODD, entries = 128, step_ns = 90, noise_sd = 3, seed = 4),
             data.table(suite = "map", backend = "vfio", page_size = 4096, pages = 1, p50_ns = 1e6))
  old <- infer_reach(d)
  expect_equal(old$entries, 128)
  new <- copy(d); setnames(new, "suite", "kind")
  expect_equal(infer_reach(new), old)
  # Beside `kind`, `suite` is the suite name and selects nothing.
  new[, suite := "default"]
  expect_equal(infer_reach(new), old)
  # infer_reach() leaves its input alone.
  expect_identical(names(new), c("kind", "backend", "page_size", "pages", "p50_ns", "suite"))
})

test_that("a reach's confidence is the clearest missing point's, not the first one's", {
  se <- rep(0.003, 6)
  # Random replacement: just over the threshold at the onset, then clear.
  solid <- list(y = c(0, 0, 0.012, 0.3, 0.9, 1), se = se)
  expect_gt(onset_confidence(solid, 3, 5), 0.9)
  # Every flagged point marginal: little confidence.
  weak <- list(y = c(0, 0, 0.012, 0.014, 0.013, 0.015), se = se)
  expect_lt(onset_confidence(weak, 3, 5), 0.1)
  # Misses at the last point only: halved.
  last <- list(y = c(0, 0, 0, 0, 0, 0.9), se = se)
  expect_lte(onset_confidence(last, 6, 5), 0.5)
})

test_that("counted misses: direct iotlb_miss (model, IIO PMU) first, else dmar lookup - hit; unsupported stays NA", {
  ct <- data.table::data.table(
    run = "r", case = c(rep("c1", 2), rep("c2", 3), "c3", rep("c4", 2)),
    source = "pmu",
    event = c("iotlb_lookup", "iotlb_hit",               # c1: VT-d perfmon only
              "iotlb_miss", "iotlb_lookup", "iotlb_hit", # c2: IIO misses beside dmar
              "iotlb_miss",                              # c3: unsupported
              "iotlb_lookup", "iotlb_hit"),              # c4: hit unsupported
    value = c(3000, 2400, 500, 9000, 1, NA, 100, NA))
  # c5: the emu model's misses beside an unsupported (NA) and a supported
  # hardware iotlb_miss: the model's count, which the I/O went through.
  ct <- rbind(ct, data.table::data.table(run = "r", case = "c5", source = c("model", "pmu", "pmu"),
                                         event = "iotlb_miss", value = c(42, NA, 7)))
  m <- counted_misses(ct)
  expect_equal(m[case == "c5", miss], 42)
  ct6 <- data.table::data.table(run = "r", case = "c6", source = c("pmu", "pmu", "pmu"),
                                event = c("iotlb_miss", "iotlb_lookup", "iotlb_hit"), value = c(NA, 50, 20))
  expect_equal(counted_misses(ct6)$miss, 30)
  # The AMD IOMMU PMU: its IOMMU TLB PTE misses are the IOTLB misses (summed
  # over IOMMUs); its PDE misses (the walk cache's) are not added.
  amd <- data.table::data.table(run = "r", case = "c7", source = "pmu",
                                event = c("mem_iommu_tlb_pte_mis", "mem_iommu_tlb_pte_mis",
                                          "mem_iommu_tlb_pde_mis", "mem_trans_total"),
                                value = c(30, 12, 400, 9000))
  expect_equal(counted_misses(amd)$miss, 42)
  w <- miss_per_op(list(counters = cbind(amd, supported = TRUE),
                        results = data.table::data.table(run = "r", case = "c7", kind = "reuse",
                                                         ops = 100, pages = 8)))
  expect_equal(w$miss_per_op, 0.42)
  expect_equal(m[case == "c1", miss], 600)
  expect_equal(m[case == "c2", miss], 500)
  expect_true(is.na(m[case == "c3", miss]))
  expect_true(is.na(m[case == "c4", miss]))
  # Through reach_input: misses per timed I/O.
  d <- list(results = data.table::data.table(run = "r", case = c("c1", "c2", "c3"), kind = "reuse",
                                             ops = c(1000, 1000, 1000), pages = 1, p50_ns = 1),
            counters = ct)
  r <- reach_input(d)
  expect_equal(r[case == "c1", ctr_miss], 0.6)
  expect_equal(r[case == "c2", ctr_miss], 0.5)
  expect_true(is.na(r[case == "c3", ctr_miss]))
})

test_that("a pages = auto search's verdicts give its data_fit and data_miss", {
  # A search over an LRU IOTLB whose reach is 62 data pages: doubling, then
  # bisection; the rows carry the search's own verdicts.
  pages <- c(1, 2, 4, 8, 16, 32, 64, 48, 56, 60, 62, 63)
  v <- ifelse(pages == 1, "baseline", ifelse(pages <= 62, "fits", "misses"))
  res <- data.table(kind = "reuse", backend = "emu", page_size = 4096, pages = pages,
                    p50_ns = synth_sweep(pages, entries = 62, step_ns = 235, noise_sd = 2, seed = 3),
                    verdict = v, search = "auto")
  r <- infer_reach(res)
  expect_equal(r$data_fit, 62)
  expect_equal(r$data_miss, 63)
  expect_match(r$reason, "the search's verdicts: 62 data pages fit, 63 miss")
  expect_false(grepl("disagrees", r$reason))
  # Verdicts that contradict the curve are said to.
  res2 <- data.table::copy(res)[pages == 60, verdict := "misses"][pages == 62, verdict := "misses"]
  r2 <- infer_reach(res2)
  expect_equal(r2$data_fit, 56)
  expect_equal(r2$data_miss, 60)
  expect_match(r2$reason, "the curve fit disagrees with them")
  # A listed sweep has no verdicts: data_fit and data_miss from the curve.
  r3 <- infer_reach(res[, !c("verdict", "search")])
  expect_equal(r3$data_fit, 62)
})
