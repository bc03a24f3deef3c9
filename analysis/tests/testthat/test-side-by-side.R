# The side-by-side table: one row per configuration within each page size,
# I/O size and queue depth, in the fixed order (userspace persistent, kernel
# by mode, no IOMMU); p50 from the histogram with an interval around it;
# the kernel path's counts from counters.csv rows of source `kernel` only.

side_fixture <- function() {
  cfgs <- c("pagemap", "kernel (lazy)", "vfio (strict)", "kernel (strict)")
  runs <- paste0("r", seq_along(cfgs))
  results <- data.table::rbindlist(lapply(seq_along(cfgs), function(i) {
    data.table::data.table(run = runs[i], case = c("latency-0001", "latency-0002"),
                           kind = "latency", config = cfgs[i], page_size = 4096, op = "read",
                           io_size = 4096, qd = c(1, 4), threads = 1,
                           p50_ns = 1000 * i, p99_ns = 5000 * i)
  }))
  # Histograms centred on 1000 * i ns (qd 1) and 2000 * i ns (qd 4).
  hist <- data.table::rbindlist(lapply(seq_along(cfgs), function(i) {
    data.table::rbindlist(lapply(1:2, function(k) {
      mid <- 1000 * i * k
      data.table::data.table(run = runs[i], case = sprintf("latency-%04d", k),
                             lo_ns = mid + c(-20, -10, 0, 10), hi_ns = mid + c(-10, 0, 10, 20),
                             count = c(100, 400, 400, 100))
    }))
  }))
  counters <- data.table::data.table(
    run = c("r2", "r2", "r2", "r4", "r4", "r4", "r3"),
    case = "latency-0001", source = c(rep("kernel", 6), "pmu"),
    event = c("iommu:map", "iommu:unmap", "intel_iommu:qi_submit",
              "iommu:map", "iommu:unmap", "intel_iommu:qi_submit", "iommu:map"),
    value = c(1050, 1050, 12, 1050, 1050, 1050, 999))
  list(results = results, hist = hist, counters = counters)
}

test_that("side_by_side orders configurations and reads intervals and kernel counts", {
  s <- side_by_side(side_fixture(), B = 100)
  expect_equal(nrow(s), 8)
  qd1 <- s[qd == 1]
  expect_equal(qd1$config, c("vfio (strict)", "kernel (strict)", "kernel (lazy)", "pagemap"))
  # p50 from the histogram, inside its own interval, the interval narrow.
  expect_equal(qd1$p50_ns, c(3000, 4000, 2000, 1000), tolerance = 1e-6)
  expect_true(all(qd1$p50_lo <= qd1$p50_ns & qd1$p50_ns <= qd1$p50_hi))
  expect_true(all(qd1$p50_hi - qd1$p50_lo < 20))
  expect_equal(qd1$timed_ios, rep(1000, 4))
  # Kernel counts only from source kernel: vfio's pmu row is not one.
  expect_equal(qd1$maps, c(NA, 1050, 1050, NA))
  expect_equal(qd1$qi_submits, c(NA, 1050, 12, NA))
  expect_true(all(is.na(s[qd == 4]$maps)))
  t <- table_side_by_side(s)
  expect_equal(t$config[1:4], qd1$config)
  expect_equal(t$maps[1], "")
  expect_equal(t$unmaps[2], "1050")
})

test_that("guest runs labelled as emulation keep the fixed order", {
  d <- side_fixture()
  lab <- paste0(" [", EMULATION_LABEL, "]")
  d$results[, config := paste0(config, lab)]
  s <- side_by_side(d, B = 20)
  expect_equal(s[qd == 1]$config,
               paste0(c("vfio (strict)", "kernel (strict)", "kernel (lazy)", "pagemap"), lab))
})

test_that("side_by_side has nothing to say without latency cases", {
  d <- side_fixture()
  d$results$kind <- "reuse"
  expect_null(side_by_side(d))
})

test_that("the report writes the side-by-side table when a run used the kernel backend, and only then", {
  ref <- file.path(analysis_root, "..", "datasets", "reference")
  skip_if_not(dir.exists(file.path(ref, "emu-small-nommu")), "no reference datasets beside analysis/")
  kern <- copy_run(file.path(ref, "emu-small-nommu"), "sbs-kernel-run")
  meta <- file.path(kern, "meta.json")
  writeLines(sub('"backend":"emu"', '"backend":"kernel"', readLines(meta, warn = FALSE)), meta)
  res <- file.path(kern, "results.csv")
  writeLines(gsub(",emu,", ",kernel,", readLines(res, warn = FALSE), fixed = TRUE), res)
  out <- file.path(tempdir(), "sbs-report")
  unlink(out, recursive = TRUE)
  build_report(c(kern, file.path(ref, "emu-small")), out, quiet = TRUE)
  expect_true(file.exists(file.path(out, "table_side_by_side.md")))
  md <- readLines(file.path(out, "table_side_by_side.md"))
  expect_true(any(grepl("kernel (off)", md, fixed = TRUE)))
  out2 <- file.path(tempdir(), "sbs-report-none")
  unlink(out2, recursive = TRUE)
  build_report(file.path(ref, "emu-small"), out2, quiet = TRUE)
  expect_false(file.exists(file.path(out2, "table_side_by_side.md")))
})

test_that("the side-by-side figure has a row per configuration and run, panels by shape, work per I/O", {
  d <- side_fixture()
  f <- fig_side_by_side(d, side_by_side(d, B = 20))
  expect_null(f$skipped)
  pd <- f$plot$data
  expect_equal(sort(unique(as.character(pd$panel))),
               c("4 KiB pages, read 4 KiB, QD 1", "4 KiB pages, read 4 KiB, QD 4"))
  q1 <- pd[pd$qd == 1, ]
  # Fixed order top to bottom: the factor's levels run bottom to top.
  expect_equal(rev(levels(droplevels(q1$row))),
               c("vfio (strict)", "kernel (strict)", "kernel (lazy)", "pagemap"))
  expect_equal(q1$work[q1$config == "kernel (lazy)"], "1.05 map, 1.05 unmap, 0.01 inval. per I/O")
  expect_equal(q1$work[q1$config == "pagemap"], "")
  # Two runs of one configuration are two rows, named by run.
  d2 <- side_fixture()
  d2$results[run == "r3", config := "pagemap"]
  f2 <- fig_side_by_side(d2, side_by_side(d2, B = 20))
  rows <- as.character(f2$plot$data$row[f2$plot$data$qd == 1])
  expect_true(all(c("pagemap (r1)", "pagemap (r3)") %in% rows))
  # Emulated rows: the caption says so.
  d3 <- side_fixture()
  d3$results[, config := paste0(config, " [", EMULATION_LABEL, "]")]
  expect_match(fig_side_by_side(d3, side_by_side(d3, B = 20))$caption, "emulation, not hardware")
  expect_false(is.null(fig_side_by_side(list(results = d$results[0]), NULL)$skipped))
})
