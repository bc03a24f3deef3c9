#!/usr/bin/env Rscript
# The end-of-run summary of one run: prints the answers and writes
# summary.json into the run directory (what `iotlbench run` calls).
#
#   Rscript analysis/summary.R RUN_DIR [--quiet]

main <- function(args) {
  quiet <- "--quiet" %in% args
  dirs <- setdiff(args, "--quiet")
  if (length(dirs) != 1) stop("usage: Rscript analysis/summary.R RUN_DIR [--quiet]", call. = FALSE)
  s <- suppressWarnings(run_summary(dirs[1]))
  write_summary_json(s, file.path(dirs[1], "summary.json"))
  if (!quiet) writeLines(format_summary(s))
  0L
}

if (sys.nframe() == 0L) {
  # This script's directory (analysis/), from Rscript's --file argument.
  here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])))
  source(file.path(here, "loader.R"))
  run_script("summary", here, main, fail = 1L)
}
