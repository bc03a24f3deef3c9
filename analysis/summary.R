#!/usr/bin/env Rscript
# The end-of-run summary of one run: prints the answers and writes
# summary.json into the run directory (what `iotlbench run` calls).
#
#   Rscript analysis/summary.R RUN_DIR [--quiet]

analysis_dir <- function() {
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f)) dirname(normalizePath(f[1])) else "analysis"
}

if (sys.nframe() == 0L) {
  args <- commandArgs(TRUE)
  quiet <- "--quiet" %in% args
  dirs <- setdiff(args, "--quiet")
  status <- tryCatch({
    if (length(dirs) != 1) stop("usage: Rscript analysis/summary.R RUN_DIR [--quiet]", call. = FALSE)
    source(file.path(analysis_dir(), "loader.R"))
    load_analysis(analysis_dir())
    s <- suppressWarnings(run_summary(dirs[1]))
    write_summary_json(s, file.path(dirs[1], "summary.json"))
    if (!quiet) writeLines(format_summary(s))
    0
  }, error = function(e) {
    message("summary: ", conditionMessage(e)); 1
  })
  quit(status = status)
}
