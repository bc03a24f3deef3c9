# Loads the analysis code the way report.R does (load_analysis(), loader.R)
# and the synthetic generator, for every test file. testthat runs this with
# the working directory at tests/testthat. Nothing else is attached: the
# tests' own fread(), data.table(), ... are the package's data.table imports,
# so code in R/ that only works with a package attached fails here too.
analysis_root <- normalizePath(file.path(getwd(), "..", ".."))
source(file.path(analysis_root, "loader.R"))
load_analysis(analysis_root)
source(file.path(analysis_root, "tools", "synth.R"))

# Small fixture datasets, written once per test session into a temp dir.
# ops is kept low so the whole suite stays quick; the medians' noise (a few
# ns) is still realistic.
fixture_cache <- new.env()
fixture <- function(name, ...) {
  if (!is.null(fixture_cache[[name]])) return(fixture_cache[[name]])
  dir <- file.path(tempdir(), "iotlb-fixtures", name)
  unlink(dir, recursive = TRUE)
  spec <- make_synthetic_dataset(dir, synth_spec(ops = 3000, ...))
  fixture_cache[[name]] <- list(dir = dir, spec = spec)
  fixture_cache[[name]]
}

# A fixed emulated-Intel run and a no-IOMMU baseline run on another host.
fixture_intel <- function() fixture("intel", run_id = "20250102-000000-all-emu",
                                    hostname = "hostA", seed = 101)
fixture_baseline <- function() fixture("nommu", run_id = "20250102-010000-all-emu",
                                       hostname = "hostA", preset = "none", iommu_type = "none",
                                       iommu_mode = "off", entries = c(`4096` = Inf, `2097152` = Inf),
                                       hit_ns = 0, counters = FALSE, seed = 102)

# A fresh copy of a run directory, to be damaged or edited by a test.
copy_run <- function(src, name) {
  dir <- file.path(tempdir(), name)
  unlink(dir, recursive = TRUE)
  dir.create(dir, recursive = TRUE)
  file.copy(list.files(src, full.names = TRUE), dir)
  dir
}

# The input error `expr` raises, or NULL when it raises none. Any other error
# propagates, and fails the test.
input_error_of <- function(expr) tryCatch({ expr; NULL }, iotlb_input_error = function(e) e)

# Runs report.R in a fresh R process; returns its exit status and output.
run_report_cli <- function(...) {
  out <- suppressWarnings(system2(file.path(R.home("bin"), "Rscript"),
                                  c(file.path(analysis_root, "report.R"), ...),
                                  stdout = TRUE, stderr = TRUE))
  list(status = attr(out, "status") %||% 0L, output = paste(out, collapse = "\n"))
}
