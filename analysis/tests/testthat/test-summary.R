# The end-of-run summary answers what the report answers, from the same code.
test_that("summary.json carries the report's reach per page size and the run's problems", {
  ref <- file.path(analysis_root, "..", "datasets", "reference", "emu-small")
  skip_if_not(dir.exists(ref), "datasets/reference is not beside analysis/")
  tmp <- file.path(tempdir(), "iotlb-summary")
  dir.create(tmp, showWarnings = FALSE)
  for (f in list.files(ref)) file.copy(file.path(ref, f), tmp, overwrite = TRUE)
  s <- suppressWarnings(run_summary(tmp))
  d <- suppressWarnings(load_datasets(tmp))
  reach <- infer_reach(reach_input(d))
  for (p in s$page_sizes) {
    rr <- reach[page_size == p$page_size]
    expect_equal(p$reach_entries %||% NA_real_, rr$entries[1])
    if (!is.na(rr$entries[1])) expect_equal(p$miss_cost_ns, round(rr$step_ns[1], 1))
  }
  expect_setequal(unique(s$kinds$kind), unique(d$results$kind))
  write_summary_json(s, file.path(tmp, "summary.json"))
  j <- jsonlite::fromJSON(file.path(tmp, "summary.json"))
  expect_equal(j$run_id, s$run_id)
  expect_equal(nrow(j$page_sizes), length(s$page_sizes))
  lines <- format_summary(s)
  expect_true(any(grepl("IOTLB reach", lines)))
  expect_false(any(grepl("\\bNA\\b|NaN", lines)))
  # A skipped case shows with its reason.
  meta <- jsonlite::fromJSON(file.path(tmp, "meta.json"), simplifyVector = FALSE)
  meta$skipped_cases <- list(list(case = "reuse-0099", reason = "no 1 GiB pool"))
  writeLines(jsonlite::toJSON(meta, auto_unbox = TRUE, null = "null"), file.path(tmp, "meta.json"))
  s2 <- suppressWarnings(run_summary(tmp))
  expect_true(any(grepl("skipped reuse-0099: no 1 GiB pool", format_summary(s2), fixed = TRUE)))
})
