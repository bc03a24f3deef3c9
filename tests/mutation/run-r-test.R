#!/usr/bin/env Rscript
# Runs the analysis test files whose names match FILTER and exits 1 when the
# test_that block named NAME failed (or raised an error), 0 when it passed,
# 2 when no such test ran. The mutation runner (run.sh) uses it to run the
# one R test that must catch a mutation.
#
#   Rscript tests/mutation/run-r-test.R FILTER NAME
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) {
  cat("usage: run-r-test.R FILTER NAME\n")
  quit(status = 2)
}
suppressPackageStartupMessages(library(testthat))
res <- as.data.frame(testthat::test_dir("analysis/tests/testthat", filter = args[1],
                                        reporter = testthat::SilentReporter$new(),
                                        stop_on_failure = FALSE, stop_on_warning = FALSE))
row <- res[res$test == args[2], ]
if (nrow(row) == 0) {
  cat(sprintf("no test '%s' in the files matching '%s'\n", args[2], args[1]))
  quit(status = 2)
}
bad <- any(row$failed > 0 | row$error)
cat(sprintf("%s: %s\n", args[2], if (bad) "FAILED" else "passed"))
quit(status = if (bad) 1 else 0)
