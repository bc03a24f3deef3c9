test_that("Markdown and LaTeX writers round-trip awkward text", {
  df <- data.frame(name = c("a_b & c", "50% | pipe", "x{y}$#~^\\z", ""),
                   value = c("1.5", "", "-3", "10"), stringsAsFactors = FALSE)
  md <- tempfile(fileext = ".md"); tex <- tempfile(fileext = ".tex")
  write_table_md(df, md, "caption"); write_table_tex(df, tex, "cap_tion 5%", "tab:x")
  expect_equal(read_table_md(md), df)
  expect_equal(read_table_tex(tex), df)
  expect_true(any(grepl("\\toprule", readLines(tex), fixed = TRUE)))
})

test_that("the report's tables parse back to the data and the generator's truth", {
  a <- fixture_intel(); b <- fixture_baseline()
  out <- file.path(tempdir(), "iotlb-report-tables")
  res <- build_report(c(a$dir, b$dir), out, quiet = TRUE)
  r <- res$data$results

  for (fmt in c("md", "tex")) {
    rd <- if (fmt == "md") read_table_md else read_table_tex
    s <- rd(file.path(out, paste0("table_summary.", fmt)))
    expect_equal(nrow(s), nrow(r), info = fmt)
    # The benchmark kind is headed `kind`; `suite` would be the suite file.
    expect_true("kind" %in% names(s), info = fmt)
    expect_false("suite" %in% names(s), info = fmt)
    m <- merge(s, r[, .(case, config, kind, p50_ns, p99_ns, ops)], by = c("case", "config"))
    expect_equal(nrow(m), nrow(r))
    expect_equal(m$kind.x, m$kind.y, info = fmt)
    expect_equal(as.numeric(m$p50_ns.x), m$p50_ns.y, tolerance = 1e-6, info = fmt)
    expect_equal(as.numeric(m$ops.x), m$ops.y, info = fmt)

    # Backend ratios against the no-IOMMU baseline: the generator adds hit_ns
    # to every translated I/O, so within reach the true p50 ratio is
    # (median + hit_ns) / median.
    cmp <- rd(file.path(out, paste0("table_comparison.", fmt)))
    expect_true("kind" %in% names(cmp), info = fmt)
    expect_false("suite" %in% names(cmp), info = fmt)
    lat <- cmp[cmp$kind == "latency", ]
    expect_gt(nrow(lat), 0)
    base_med <- ifelse(lat$op == "write", a$spec$base_ns, a$spec$base_ns + 1200)
    truth <- (base_med + a$spec$hit_ns) / base_med
    ratio <- as.numeric(lat$p50_ratio)
    expect_true(all(abs(ratio - truth) < 0.0015), info = fmt)
    expect_true(all(as.numeric(lat$p50_lo) <= ratio & ratio <= as.numeric(lat$p50_hi)), info = fmt)
    expect_true(all(lat$ci == "bootstrap"))
    expect_true(all(lat$baseline == "emu/none"))
    # Every bootstrapped point estimate lies inside its own interval. (Here
    # results.csv agrees with the histograms, so this holds whichever of them
    # a point is taken from; the test "a comparison point comes from the
    # histograms ..." below tells them apart.)
    boot <- cmp[cmp$ci == "bootstrap", ]
    for (q in c("p50", "p99")) {
      pt <- as.numeric(boot[[paste0(q, "_ratio")]])
      expect_true(all(as.numeric(boot[[paste0(q, "_lo")]]) <= pt & pt <= as.numeric(boot[[paste0(q, "_hi")]])),
                  info = paste(fmt, q))
    }
    # Past the reach the ratio carries the miss cost.
    big <- cmp[cmp$kind == "reuse" & cmp$param == "pages=768", ]
    expect_gt(nrow(big), 0)
    expect_equal(as.numeric(big$p50_ratio),
                 rep((a$spec$base_ns + a$spec$drift_per_doubling * log2(768) + a$spec$hit_ns + a$spec$miss_ns) /
                       (a$spec$base_ns + a$spec$drift_per_doubling * log2(768)), nrow(big)), tolerance = 0.0015)

    rt <- rd(file.path(out, paste0("table_iotlb_reach.", fmt)))
    intel <- rt[rt$preset == "intel-e5-2660v2", ]
    expect_equal(as.numeric(intel$entries), rep(64, nrow(intel)))
    expect_equal(intel$footprint, bytes_label(64 * c(4096, 2097152))[match(intel$page_size, c("4 KiB", "2 MiB"))])
    none <- rt[rt$preset == "none", ]
    expect_true(all(none$entries == ""))
    expect_true(all(nzchar(none$reason)))
  }
})

test_that("delta-method intervals are used without histograms and cover the ratio", {
  ci <- delta_ci(8070, 8300, 0.5, 0.9, 1e5, 8050, 8280, 1e5)
  expect_lt(ci[1], 8070 / 8050); expect_gt(ci[2], 8070 / 8050)
  expect_true(all(is.na(delta_ci(8070, NA, 0.5, 0.9, 1e5, 8050, 8280, 1e5))))
})

test_that("on real runs every bootstrapped ratio lies inside its own interval", {
  # The checked-in reference runs have percentiles at bucket midpoints, which
  # is where a point taken from results.csv could fall outside the interval.
  ref <- normalizePath(file.path(testthat::test_path(), "..", "..", "..", "datasets", "reference"),
                       mustWork = FALSE)
  dirs <- file.path(ref, c("emu-small", "emu-small-nommu"))
  skip_if_not(all(dir.exists(dirs)), "datasets/reference is not beside analysis/")
  data <- suppressWarnings(load_datasets(dirs))
  cmp <- compare_backends(data, B = 50)
  expect_false(is.null(cmp))
  boot <- cmp[ci_method == "bootstrap"]
  expect_gt(nrow(boot), 10)
  expect_true(all(boot$p50_lo <= boot$p50_ratio & boot$p50_ratio <= boot$p50_hi))
  expect_true(all(boot$p99_lo <= boot$p99_ratio & boot$p99_ratio <= boot$p99_hi))
})

test_that("a comparison point comes from the histograms its interval is bootstrapped from", {
  # The configuration adds 300 ns to a ~8 us median, and its results.csv
  # percentiles are made 25 % higher than its latency_hist.csv says: a point
  # taken from results.csv, from another case's histogram or from one
  # histogram against itself lies far outside the bootstrap interval, so only
  # the ratio of the two histograms' own quantiles can pass.
  a <- fixture("cmp-source-iommu", run_id = "cmp-iommu", hostname = "h", hit_ns = 300,
               kinds = "latency", counters = FALSE, seed = 61)
  b <- fixture("cmp-source-nommu", run_id = "cmp-nommu", hostname = "h", preset = "none",
               iommu_type = "none", iommu_mode = "off", entries = c(`4096` = Inf, `2097152` = Inf),
               hit_ns = 0, kinds = "latency", counters = FALSE, seed = 62)
  skewed <- copy_run(a$dir, "iotlb-cmp-skewed")
  r <- fread(file.path(skewed, "results.csv"))
  r[, `:=`(p50_ns = p50_ns * 1.25, p99_ns = p99_ns * 1.25)]
  fwrite(r, file.path(skewed, "results.csv"))
  data <- load_datasets(c(skewed, b$dir))
  cmp <- compare_backends(data, B = 100)
  expect_equal(nrow(cmp), 4)  # read and write, 4 KiB and 2 MiB pages
  expect_true(all(cmp$ci_method == "bootstrap"))
  hq <- function(run_, case_) {
    h <- data$hist[run == run_ & case == case_]
    hist_quantile(h$lo_ns, h$hi_ns, h$count, c(0.5, 0.99))
  }
  inside <- function(x, lo, hi) lo <= x & x <= hi
  for (i in seq_len(nrow(cmp))) {
    x <- cmp[i]
    own <- hq(x$run, x$case) / hq(x$b_run, x$b_case)
    expect_equal(c(x$p50_ratio, x$p99_ratio), own, tolerance = 1e-12, info = x$case)
    expect_true(inside(x$p50_ratio, x$p50_lo, x$p50_hi), info = x$case)
    expect_true(inside(x$p99_ratio, x$p99_lo, x$p99_hi), info = x$case)
    # The construction: every other source is outside the interval.
    expect_false(inside(x$p50_ns / x$b_p50_ns, x$p50_lo, x$p50_hi), info = x$case)
    expect_false(inside(x$p99_ns / x$b_p99_ns, x$p99_lo, x$p99_hi), info = x$case)
    expect_false(inside(1, x$p50_lo, x$p50_hi), info = x$case)
    other <- cmp[page_size == x$page_size & op != x$op, b_case]
    expect_false(inside((hq(x$run, x$case) / hq(x$b_run, other))[1], x$p50_lo, x$p50_hi), info = x$case)
  }
})
