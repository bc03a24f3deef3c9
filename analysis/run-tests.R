#!/usr/bin/env Rscript
# Runs the analysis tests (testthat, tests/testthat) and ends with one line:
#   analysis: N passed, N failed, N skipped
# The counts are of tests (test_that blocks), not of expectations: a test
# passes when all its expectations hold, fails on any failure or error, and
# is skipped when it called skip(). Exits 1 when any test failed.
#
#   Rscript analysis/run-tests.R

here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))[1]))
suppressPackageStartupMessages(library(testthat))

res <- testthat::test_dir(file.path(here, "tests", "testthat"), reporter = testthat::SummaryReporter$new(show_praise = FALSE, max_reports = Inf),
                          stop_on_failure = FALSE, stop_on_warning = FALSE)
df <- as.data.frame(res)
failed <- sum(df$failed > 0 | df$error)
skipped <- sum(df$skipped & !(df$failed > 0 | df$error))
passed <- nrow(df) - failed - skipped
cat(sprintf("analysis: %d passed, %d failed, %d skipped\n", passed, failed, skipped))
quit(status = if (failed > 0) 1 else 0)
