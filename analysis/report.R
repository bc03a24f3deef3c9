#!/usr/bin/env Rscript
# iotlbench report: figures, tables, IOTLB reach and index.html from one or
# more dataset directories (datasets/README.md).
#
#   Rscript analysis/report.R DATASET_DIR... [--out DIR] [--single-file] [--reference NAME]
#
# --single-file makes index.html stand alone, so that one file can be
# mailed: the figures' PNGs are inlined as data: URIs and the tables shown in
# full, and it links to no file beside it. The PDFs and the Markdown/LaTeX
# tables are still written into the output directory.
#
# With one dataset directory the report goes to DATASET_DIR/report unless
# --out is given; with several, --out is required (there is no single "next
# to the data"). A directory holding run directories (datasets/runs/) counts
# as all of them.
#
# --reference NAME draws the runs' reuse sweeps beside a reference platform's
# (datasets/reference/NAME, one of the imported pcie-bench window sweeps
# pciebench-*) in one more figure, each with its own inferred reach; an
# unknown NAME is an error that lists the available ones.

main <- function(args) {
  usage <- "usage: Rscript analysis/report.R DATASET_DIR... [--out DIR] [--single-file] [--reference NAME]"
  out <- NULL
  reference <- NULL
  single <- FALSE
  dirs <- character()
  i <- 1
  while (i <= length(args)) {
    a <- args[i]
    if (a == "--out") {
      if (i == length(args)) stop("--out needs a directory\n", usage, call. = FALSE)
      out <- args[i + 1]; i <- i + 2; next
    } else if (startsWith(a, "--out=")) {
      out <- sub("^--out=", "", a)
    } else if (a == "--reference") {
      if (i == length(args)) stop("--reference needs a name (pciebench-...)\n", usage, call. = FALSE)
      reference <- args[i + 1]; i <- i + 2; next
    } else if (startsWith(a, "--reference=")) {
      reference <- sub("^--reference=", "", a)
    } else if (a == "--single-file") {
      single <- TRUE
    } else if (a %in% c("-h", "--help")) {
      cat(usage, "\n"); return(invisible(0))
    } else if (startsWith(a, "-")) {
      stop("unknown option ", a, "\n", usage, call. = FALSE)
    } else {
      dirs <- c(dirs, a)
    }
    i <- i + 1
  }
  if (!length(dirs)) stop(usage, call. = FALSE)
  if (is.null(out)) {
    if (length(dirs) > 1) stop("several dataset directories: give --out DIR\n", usage, call. = FALSE)
    out <- file.path(dirs[1], "report")
  }
  build_report(dirs, out, single_file = single, reference = reference)
  invisible(0)
}

if (sys.nframe() == 0L) {
  # This script's directory (analysis/), from Rscript's --file argument.
  here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])))
  source(file.path(here, "loader.R"))
  run_script("report", here, main, fail = 1L)
}
