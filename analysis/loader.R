# load_analysis(): how the command-line entry (report.R) and the tests
# (tests/testthat/helper-analysis.R) load the analysis code, so the tests run
# exactly what the report runs.
#
# analysis/ is an R package (DESCRIPTION, NAMESPACE, R/). It is loaded from
# the source tree with pkgload::load_all(): the files in R/ are sourced in
# alphabetical (C locale) order into the package's namespace, whose imports
# come from NAMESPACE, and every function, internal ones included, is made
# visible (export_all). Nothing is installed or written, and no network is
# used. pkgload is a Debian package (r-cran-pkgload) that r-cran-testthat,
# installed by `make deps`, depends on.

load_analysis <- function(dir) {
  if (!file.exists(file.path(dir, "DESCRIPTION")))
    stop(sprintf("%s is not the analysis directory (no DESCRIPTION in it): pass the path of analysis/",
                 dir), call. = FALSE)
  if (!requireNamespace("pkgload", quietly = TRUE))
    stop("the analysis code is loaded with pkgload, which is not installed: ",
         "install the Debian package r-cran-pkgload (r-cran-testthat, which `make deps` installs, ",
         "pulls it in)", call. = FALSE)
  # Where the analysis lives: the reference datasets are found beside it
  # (reference_roots(), R/fig_reference.R).
  options(iotlb.analysis_dir = normalizePath(dir))
  pkgload::load_all(dir, export_all = TRUE, helpers = FALSE, attach_testthat = FALSE,
                    quiet = TRUE)
  invisible(dir)
}

# The command-line scripts' common ending (report.R, compare.R, summary.R):
# load the package from `dir`, run main(args) and quit with its status; an
# error prints "<name>: message" and quits with `fail`.
run_script <- function(name, dir, main, fail) {
  status <- tryCatch({
    load_analysis(dir)
    main(commandArgs(TRUE))
  }, error = function(e) {
    message(name, ": ", conditionMessage(e))
    fail
  })
  quit(status = if (is.numeric(status) && length(status) == 1) as.integer(status) else 0L)
}
