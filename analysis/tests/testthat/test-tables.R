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
    m <- merge(s, r[, .(case, config, p50_ns, p99_ns, ops)], by = c("case", "config"))
    expect_equal(nrow(m), nrow(r))
    expect_equal(as.numeric(m$p50_ns.x), m$p50_ns.y, tolerance = 1e-6, info = fmt)
    expect_equal(as.numeric(m$ops.x), m$ops.y, info = fmt)

    # Backend ratios against the no-IOMMU baseline: the generator adds hit_ns
    # to every translated I/O, so within reach the true p50 ratio is
    # (median + hit_ns) / median.
    cmp <- rd(file.path(out, paste0("table_comparison.", fmt)))
    lat <- cmp[cmp$suite == "latency", ]
    expect_gt(nrow(lat), 0)
    base_med <- ifelse(lat$op == "write", a$spec$base_ns, a$spec$base_ns + 1200)
    truth <- (base_med + a$spec$hit_ns) / base_med
    ratio <- as.numeric(lat$p50_ratio)
    expect_true(all(abs(ratio - truth) < 0.0015), info = fmt)
    expect_true(all(as.numeric(lat$p50_lo) <= ratio & ratio <= as.numeric(lat$p50_hi)), info = fmt)
    expect_true(all(lat$ci == "bootstrap"))
    expect_true(all(lat$baseline == "emu/none"))
    # Every bootstrapped point estimate lies inside its own interval.
    boot <- cmp[cmp$ci == "bootstrap", ]
    for (q in c("p50", "p99")) {
      pt <- as.numeric(boot[[paste0(q, "_ratio")]])
      expect_true(all(as.numeric(boot[[paste0(q, "_lo")]]) <= pt & pt <= as.numeric(boot[[paste0(q, "_hi")]])),
                  info = paste(fmt, q))
    }
    # Past the reach the ratio carries the miss cost.
    big <- cmp[cmp$suite == "reuse" & cmp$param == "pages=768", ]
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
