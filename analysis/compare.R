#!/usr/bin/env Rscript
# iotlbench compare: two runs against each other, case by case (R/compare.R).
#
#   Rscript analysis/compare.R BASE NEW [--out DIR] [--fail-above PCT]
#
# Prints the NEW/BASE ratios of p50, p99 and IOPS with 95 % bootstrap
# intervals and each run's IOTLB reach; with --out also writes compare.csv,
# compare.md and compare_reach.csv there. Exit status: 0, or 1 when
# --fail-above is given and some case's p50 or p99 ratio interval lies
# entirely above 1 + PCT/100 (a regression), 2 on bad input.

usage <- "usage: Rscript analysis/compare.R BASE NEW [--out DIR] [--fail-above PCT]"

usage_error <- function(...) {
  structure(class = c("compare_usage", "error", "condition"),
            list(message = paste0(..., "\n", usage), call = NULL))
}

parse_compare_args <- function(args) {
  out <- NULL; pct <- NULL; dirs <- character()
  i <- 1
  value <- function(name) {
    if (i == length(args)) stop(usage_error(name, " needs a value"))
    args[i + 1]
  }
  while (i <= length(args)) {
    a <- args[i]
    if (a %in% c("--out", "--fail-above")) {
      v <- value(a); i <- i + 2
    } else if (grepl("^--(out|fail-above)=", a)) {
      v <- sub("^--[a-z-]+=", "", a); a <- sub("=.*", "", a); i <- i + 1
    } else if (a %in% c("-h", "--help")) {
      return(list(help = TRUE))
    } else if (startsWith(a, "-") && a != "-") {
      stop(usage_error("unknown option ", a))
    } else {
      dirs <- c(dirs, a); i <- i + 1; next
    }
    if (a == "--out") out <- v
    else {
      pct <- suppressWarnings(as.numeric(v))
      if (!grepl("^[0-9.]+$", v) || is.na(pct))
        stop(usage_error("--fail-above ", v, ": not a percentage (a number >= 0, such as 5)"))
    }
  }
  if (length(dirs) != 2) stop(usage_error("expected two run directories, BASE and NEW; got ", length(dirs)))
  list(help = FALSE, base = dirs[1], new = dirs[2], out = out, pct = pct)
}

main <- function(args) {
  o <- parse_compare_args(args)
  if (o$help) { cat(usage, "\n"); return(0L) }
  base <- load_compare_run(o$base, "BASE")
  new <- load_compare_run(o$new, "NEW")
  cmp <- compare_runs(base, new)
  if (!nrow(cmp$table))
    stop_input(o$new, sprintf("no case matches one of %s by case id and parameters", o$base),
               "Compare two runs of the same suite with the same --set values")
  writeLines(compare_text(cmp, o$pct))
  if (!is.null(o$out)) {
    write_compare(cmp, o$out, o$pct)
    message("compare: written to ", file.path(o$out, "compare.csv"), " and compare.md")
  }
  status <- compare_status(cmp$table, o$pct)
  if (status == 1L) {
    n <- nrow(compare_regressions(cmp$table, o$pct))
    message(sprintf("compare: %d case%s slower than %g%% above BASE beyond the 95%% interval",
                    n, if (n == 1) "" else "s", o$pct))
  }
  status
}

if (sys.nframe() == 0L) {
  # This script's directory (analysis/), from Rscript's --file argument.
  here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])))
  source(file.path(here, "loader.R"))
  run_script("compare", here, main, fail = 2L)
}
