# Input the analysis cannot use fails with an iotlb_input_error whose message
# names the path, what is wrong and the fix, and before anything is written.

test_that("a missing dataset directory fails, naming it, and creates nothing", {
  gone <- file.path(tempdir(), "iotlb-no-such", "run")
  unlink(dirname(gone), recursive = TRUE)
  e <- input_error_of(build_report(gone, file.path(gone, "report"), quiet = TRUE))
  expect_s3_class(e, "iotlb_input_error")
  expect_equal(e$path, gone)
  expect_match(conditionMessage(e), paste0(gone, ": no such directory"), fixed = TRUE)
  expect_match(conditionMessage(e), "Give a run directory", fixed = TRUE)
  expect_false(dir.exists(dirname(gone)))

  # The command line's default output directory is DATASET_DIR/report.
  cli <- run_report_cli(gone)
  expect_equal(cli$status, 1L)
  expect_match(cli$output, paste0(gone, ": no such directory"), fixed = TRUE)
  expect_false(dir.exists(dirname(gone)))

  file <- tempfile(); writeLines("x", file)
  expect_match(conditionMessage(input_error_of(load_datasets(file))), "a file, not a directory")
})

test_that("a results.csv that is not one fails, naming the file and the missing columns", {
  src <- fixture("bad-input-src", run_id = "run-bad", kinds = "latency", counters = FALSE, seed = 51)
  out <- file.path(tempdir(), "iotlb-bad-report")

  # Random text.
  dir <- copy_run(src$dir, "iotlb-bad-random")
  set.seed(1)
  writeLines(vapply(1:20, function(i) paste(sample(c(letters, " ", ";"), 60, TRUE), collapse = ""),
                    ""), file.path(dir, "results.csv"))
  unlink(out, recursive = TRUE)
  # (fread's warnings about the ragged lines name the file too.)
  e <- suppressWarnings(input_error_of(build_report(dir, out, quiet = TRUE)))
  expect_s3_class(e, "iotlb_input_error")
  expect_equal(e$path, file.path(dir, "results.csv"))
  expect_match(conditionMessage(e), "required columns kind (suite in datasets from before the rename), page_size, p50_ns missing",
               fixed = TRUE)
  expect_false(dir.exists(out))

  # A CSV with other columns (here: counters.csv's header).
  dir <- copy_run(src$dir, "iotlb-bad-columns")
  writeLines(c("case,source,event,value,enabled_ns,running_ns", "latency-0001,model,iotlb_miss,3,,"),
             file.path(dir, "results.csv"))
  e <- input_error_of(load_datasets(dir))
  expect_match(conditionMessage(e), paste0(file.path(dir, "results.csv"), ": required columns kind"), fixed = TRUE)
  expect_match(conditionMessage(e), "its header has \"case\", \"source\", \"event\"", fixed = TRUE)

  # Only p50_ns missing: only p50_ns named.
  r <- fread(file.path(src$dir, "results.csv"))
  fwrite(r[, !"p50_ns"], file.path(dir, "results.csv"))
  expect_match(conditionMessage(input_error_of(load_datasets(dir))), "required column p50_ns missing",
               fixed = TRUE)

  # Text where a number belongs.
  r <- r[, lapply(.SD, as.character)]
  r[2, p99_ns := "fast"]
  fwrite(r, file.path(dir, "results.csv"))
  expect_match(conditionMessage(input_error_of(load_datasets(dir))),
               "column p99_ns has 1 cell that is not a number (data row 2: \"fast\")", fixed = TRUE)

  # The command line exits non-zero with the message, and writes nothing.
  dir <- copy_run(src$dir, "iotlb-bad-cli")
  writeLines(c("lorem ipsum dolor", "sit amet"), file.path(dir, "results.csv"))
  cli <- run_report_cli(dir)
  expect_equal(cli$status, 1L)
  expect_match(cli$output, paste0(file.path(dir, "results.csv"), ": required columns"), fixed = TRUE)
  expect_false(dir.exists(file.path(dir, "report")))
})

test_that("a broken meta.json fails, naming the file and the parse error", {
  src <- fixture("bad-input-src", run_id = "run-bad", kinds = "latency", counters = FALSE, seed = 51)
  dir <- copy_run(src$dir, "iotlb-bad-meta")
  path <- file.path(dir, "meta.json")
  json <- readChar(path, file.size(path))
  writeChar(substr(json, 1, nchar(json) %/% 2), path, eos = NULL)  # cut short
  e <- input_error_of(load_datasets(dir))
  expect_s3_class(e, "iotlb_input_error")
  expect_equal(e$path, path)
  expect_match(conditionMessage(e), paste0(path, ": not valid JSON: parse error"), fixed = TRUE)
  expect_match(conditionMessage(e), "move it away to load results.csv with NA metadata", fixed = TRUE)

  writeLines("[1, 2]", path)
  expect_match(conditionMessage(input_error_of(load_datasets(dir))),
               paste0(path, ": valid JSON, but not a JSON object"), fixed = TRUE)
})

test_that("histogram and counter files are checked the same way", {
  src <- fixture("bad-input-counters", run_id = "run-bad-ctr", kinds = "reuse", seed = 52)
  dir <- copy_run(src$dir, "iotlb-bad-hist")
  writeLines(c("case,bucket,n", "reuse-0001,1,2"), file.path(dir, "latency_hist.csv"))
  expect_match(conditionMessage(input_error_of(load_datasets(dir))),
               paste0(file.path(dir, "latency_hist.csv"), ": required columns lo_ns, hi_ns, count missing"),
               fixed = TRUE)

  dir <- copy_run(src$dir, "iotlb-bad-counters")
  ctr <- fread(file.path(dir, "counters.csv"), colClasses = "character")
  ctr[source == "model" & event == "iotlb_hit", value := "lots"]
  fwrite(ctr, file.path(dir, "counters.csv"))
  expect_match(conditionMessage(input_error_of(load_datasets(dir))),
               paste0(file.path(dir, "counters.csv"), ": column value has"), fixed = TRUE)
  # ... while "unsupported" is a value the schema allows.
  ctr[value == "lots", value := "unsupported"]
  fwrite(ctr, file.path(dir, "counters.csv"))
  expect_gt(nrow(load_datasets(dir)$counters[supported == FALSE]), 0)
})
