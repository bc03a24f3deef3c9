#!/usr/bin/env Rscript
# Writes a synthetic dataset standing for one 10 M-I/O run: every benchmark
# kind, three page sizes (4 KiB, 2 MiB, 1 GiB), counters and eBPF trace
# histograms, the operations spread over all cases. Used by bench_report.sh.
#
#   Rscript analysis/bench/make_large.R OUT_DIR [TOTAL_OPS]

here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))[1]))
suppressPackageStartupMessages(library(data.table))
source(file.path(here, "..", "R", "util.R"))
source(file.path(here, "..", "tools", "synth.R"))

args <- commandArgs(TRUE)
if (!length(args)) stop("usage: make_large.R OUT_DIR [TOTAL_OPS]")
total <- if (length(args) > 1) as.numeric(args[2]) else 1e7

spec <- synth_spec(run_id = "20250101-000000-large-emu", suite = "large",
                   page_sizes = c(4096, 2097152, 1073741824),
                   reuse_pages = c(2^(0:12), 6000), map_sizes_pages = 2^(0:6),
                   count_mappings = 4^(0:8), trace = TRUE, seed = 99)
n_cases <- length(synth_cases(spec))
spec$ops <- rep(floor(total / n_cases), n_cases)
spec$ops[1] <- spec$ops[1] + total - sum(spec$ops)
make_synthetic_dataset(args[1], spec)
cat(sprintf("%d cases, %.0f operations in %s\n", n_cases, sum(spec$ops), args[1]))
