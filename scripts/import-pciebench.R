#!/usr/bin/env Rscript
# Imports pcie-bench's published DMA latency window sweeps into iotlbench
# datasets (schema: datasets/README.md), so that the analysis can be checked
# against real Xeon IOTLBs.
#
#   git clone https://github.com/pcie-bench/data /tmp/pciebench-data
#   Rscript scripts/import-pciebench.R /tmp/pciebench-data [OUT_DIR]
#
# OUT_DIR defaults to datasets/reference. The source is read through git
# (`git --git-dir`), so a bare mirror works too and the commit that was
# imported is recorded in every meta.json.
#
# Written in R rather than sh+awk: the analysis already depends on data.table
# and jsonlite, the source CSVs write some integers as floats ("1572864.0"),
# and meta.json needs correctly escaped JSON (kernel command lines, nested
# provenance), which awk would have to hand-roll.
#
# What the source measured (Neugebauer et al., "Understanding PCIe performance
# for end host networking", SIGCOMM 2018; the pciebench-nfp firmware): a
# Netronome NFP-6000 issues one 64 B DMA read at a time (queue depth 1) to a
# uniformly random 64 B-aligned address inside a window of WinSZ bytes at the
# start of a 64 MiB host buffer (16 chunks of 4 MiB, 4 MiB-aligned IOVAs), and
# timestamps each read with the NFP's 1.2 GHz ME cycle counter, which ticks
# every 16 cycles (13.3 ns). There are no NVMe queues, doorbells or
# descriptor rings in host memory: the only IOVAs the device touches are the
# data window's, so `other_pages` is 0 and the IOTLB holds data pages only.
#
# Imported: lat_dma_sweep_rd_rnd_64.csv, rows Test=LAT_DMA_RD, PAT=Rand,
# Cache=Cold, HO=0, DO=0 (the "Cold" state thrashes the host caches before
# each window, so reads come from DRAM; with the IOMMU off its curve is flat,
# so a rise with the IOMMU on is translation). Not imported: HWarm and DWarm
# rise with the window even with the IOMMU off (LLC/DDIO effects), and with
# 4 KiB IOPTEs DThrash rises from the 64 KiB window on where Cold stays flat
# to 512 KiB (Sandy Bridge, Haswell E5-2637v3, Broadwell): the device's own
# thrashing accesses apparently take IOTLB entries too, so its window is not
# the IOTLB footprint.

suppressPackageStartupMessages({
  library(data.table)
  library(jsonlite)
})

args <- commandArgs(TRUE)
if (length(args) < 1 || length(args) > 2 || args[1] %in% c("-h", "--help")) {
  cat("usage: Rscript scripts/import-pciebench.R PCIEBENCH_DATA_GIT [OUT_DIR]\n",
      "  PCIEBENCH_DATA_GIT: a clone (or bare mirror) of https://github.com/pcie-bench/data\n",
      "  OUT_DIR: where pciebench-*/ directories are written (default datasets/reference)\n",
      sep = "")
  quit(status = if (length(args) && args[1] %in% c("-h", "--help")) 0 else 2)
}
src <- normalizePath(args[1], mustWork = FALSE)
out_root <- if (length(args) == 2) args[2] else "datasets/reference"
git_dir <- if (dir.exists(file.path(src, ".git"))) file.path(src, ".git") else src
if (!dir.exists(git_dir))
  stop(sprintf("%s: no such directory; clone https://github.com/pcie-bench/data there first", src),
       call. = FALSE)

git <- function(...) {
  out <- suppressWarnings(system2("git", c("--git-dir", shQuote(git_dir), ...),
                                  stdout = TRUE, stderr = TRUE))
  if (!is.null(attr(out, "status")))
    stop(sprintf("git %s in %s failed: %s (is it a clone of pcie-bench/data?)",
                 paste(c(...), collapse = " "), src, paste(out, collapse = " ")), call. = FALSE)
  out
}
commit <- git("rev-parse", "HEAD")
commit_date <- git("show", "-s", "--format=%cI", "HEAD")
show <- function(path) git("show", paste0("HEAD:", path))

SWEEP <- "lat_dma_sweep_rd_rnd_64.csv"
CACHE <- "Cold"
ME_HZ <- 1.2e9  # NFP-6000 ME clock (the `1.2GHz` of the directory names, me.speed)

# Which source directories become which dataset. platform = <µarch>-<model>
# [-remote]; config = off | on (intel_iommu=on, superpages left to the
# driver) | on-nosp (intel_iommu=on,sp_off: every IOPTE maps 4 KiB). Left
# out: the Broadwell s0-s0-s1 and s0-s1-s0 topologies (IOMMU off only, so
# nothing to compare an IOMMU run with) and the Xeon E3-1226v3 (its latency
# means scatter over 3-11 us from one window to the next with the IOMMU off,
# which buries a 300 ns step).
SOURCES <- data.table::fread(text = "
dir,platform,config,topology
nfp6000-1.2GHz_snb-Xeon-E5-2630_dell-t620,snb-e5-2630,off,
nfp6000-1.2GHz_snb-Xeon-E5-2630_dell-t620-iommu,snb-e5-2630,on,
nfp6000-1.2GHz_ib-Xeon-E5-2620v2_dell-t620-s0-s0-s0,ivb-e5-2620v2,off,s0-s0-s0
nfp6000-1.2GHz_ib-Xeon-E5-2620v2_dell-t620-s0-s0-s0-iommu,ivb-e5-2620v2,on,s0-s0-s0
nfp6000-1.2GHz_ib-Xeon-E5-2620v2_dell-t620-s0-s0-s0-iommu-nosp,ivb-e5-2620v2,on-nosp,s0-s0-s0
nfp6000-1.2GHz_ib-Xeon-E5-2620v2_dell-t620-s0-s1-s1,ivb-e5-2620v2-remote,off,s0-s1-s1
nfp6000-1.2GHz_ib-Xeon-E5-2620v2_dell-t620-s0-s1-s1-iommu,ivb-e5-2620v2-remote,on,s0-s1-s1
nfp6000-1.2GHz_ib-Xeon-E5-2620v2_dell-t620-s0-s1-s1-iommu-nosp,ivb-e5-2620v2-remote,on-nosp,s0-s1-s1
nfp6000-1.2GHz_hsw-Xeon-E5-2620v3_dell-t630,hsw-e5-2620v3,off,
nfp6000-1.2GHz_hsw-Xeon-E5-2620v3_dell-t630-iommu,hsw-e5-2620v3,on,
nfp6000-1.2GHz_hsw-Xeon-E5-2620v3_dell-t630-iommu-nosp,hsw-e5-2620v3,on-nosp,
nfp6000-1.2GHz_hsw-Xeon-E5-2637v3_supermicro,hsw-e5-2637v3,off,
nfp6000-1.2GHz_hsw-Xeon-E5-2637v3_supermicro-iommu-nosp,hsw-e5-2637v3,on-nosp,
nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s0-s0,bdw-e5-2630v4,off,s0-s0-s0
nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s0-s0-iommu-nosp,bdw-e5-2630v4,on-nosp,s0-s0-s0
nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s1-s1,bdw-e5-2630v4-remote,off,s0-s1-s1
nfp6000-1.2GHz_bdw-Xeon-E5-2630v4-dell-t430-s0-s1-s1-iommu-nosp,bdw-e5-2630v4-remote,on-nosp,s0-s1-s1
", colClasses = "character", na.strings = NULL)

# Source column -> what it became. pcie-bench computes the statistics over
# the per-read latencies (python/pciebench/stats.py of pciebench-nfp): Avg is
# the arithmetic mean, Med the median, 95% and 99.9% percentiles interpolated
# between neighbouring sorted samples; the (ns) columns are cycles / 1.2.
COLUMN_MAP <- list(
  WinSZ = "window in bytes; pages = WinSZ / 4096 (window_bytes keeps it)",
  SZ = "io_size (bytes per DMA read)",
  PAT = "order: Rand -> random (uniformly random 64 B-aligned offset in the window per read)",
  `Avg(ns)` = "mean_ns",
  `Med(ns)` = "p50_ns",
  `95%(ns)` = "p95_ns (extra column: the schema has no p95)",
  `99.9%(ns)` = "p999_ns",
  `Max(ns)` = "max_ns",
  `Min(ns)` = "min_ns (extra column)",
  `TAvg(ns)` = paste("tavg_ns (extra column): the test's elapsed ME time / samples, i.e. per-read",
                     "latency plus the firmware's per-iteration overhead; iops = 1e9 / TAvg(ns)"),
  `#samples` = "ops",
  `#outliers` = "outliers (extra column): samples above 3x the 95th percentile",
  Cache = "only Cold rows are imported (cache column)",
  `TAvg,Avg,Med,Min,Max,95%,99.9%` = "not imported: the same values in ME cycles")

# "Tue Oct 27 11:46:10 GMT 2015" (the `date` output the source recorded) to
# ISO 8601 UTC. Only the two zones the files use are known; anything else is
# kept as NA rather than guessed.
parse_date <- function(s) {
  s <- trimws(paste(s, collapse = " "))
  m <- regmatches(s, regexec("^\\w+ +(\\w+) +(\\d+) +(\\d+:\\d+:\\d+) +(\\w+) +(\\d+)$", s))[[1]]
  if (length(m) != 6) return(NA_character_)
  off <- c(GMT = 0, UTC = 0, BST = 1)[m[5]]
  if (is.na(off)) return(NA_character_)
  t <- as.POSIXct(sprintf("%s %s %s %s", m[6], m[2], m[3], m[4]), format = "%Y %b %d %H:%M:%S",
                  tz = "UTC")
  format(t - off * 3600, "%Y-%m-%dT%H:%M:%SZ", tz = "UTC")
}

# The DMAR capability register from the boot log: bits 37:34 (SLLPS) say
# which superpage sizes the remapping hardware offers (VT-d spec 10.4.2).
dmar_cap <- function(dmesg) {
  cap <- unique(sub(".* cap ([0-9a-f]+) .*", "\\1", grep("dmar: IOMMU [0-9]+: .* cap ", dmesg, value = TRUE)))
  if (!length(cap)) return(list(cap = NULL, sllps = NULL))
  v <- as.numeric(paste0("0x", cap[1]))
  sllps <- floor(v / 2^34) %% 16
  list(cap = cap, sllps = c(if (sllps %% 2 >= 1) "2M", if (sllps %% 4 >= 2) "1G"))
}

one_dataset <- function(s) {
  path <- file.path(s$dir, SWEEP)
  raw <- data.table::fread(text = show(path), colClasses = "character")
  d <- raw[Test == "LAT_DMA_RD" & PAT == "Rand" & Cache == CACHE & HO == "0" & DO == "0"]
  if (!nrow(d)) stop(sprintf("%s: no LAT_DMA_RD Rand %s rows", path, CACHE), call. = FALSE)
  num <- function(col) as.numeric(d[[col]])
  win <- num("WinSZ")
  # The reuse schema counts whole 4 KiB pages. Windows below one page (or not
  # a whole number of pages) would share one IOTLB entry with nothing else in
  # it and say nothing about the reach: they are dropped and listed. The
  # published sweeps start at 8 KiB, so today nothing is dropped.
  keep <- win >= 4096 & win %% 4096 == 0
  dropped <- win[!keep]
  d <- d[keep]; win <- win[keep]
  o <- order(win); d <- d[o]; win <- win[o]
  n <- nrow(d)
  r1 <- function(x) sprintf("%.1f", x)
  res <- data.table(
    case = sprintf("reuse-%04d", seq_len(n)), kind = "reuse", backend = "pciebench",
    page_size = 4096, op = "read", io_size = as.integer(num("SZ")), qd = 1L, threads = 1L,
    pages = as.integer(win / 4096), map_size = "", mappings = "", churn = "",
    ops = as.integer(num("#samples")),
    mean_ns = r1(num("Avg(ns)")), p50_ns = r1(num("Med(ns)")), p90_ns = "", p99_ns = "",
    p999_ns = r1(num("99.9%(ns)")), p9999_ns = "", max_ns = r1(num("Max(ns)")),
    iops = r1(1e9 / num("TAvg(ns)")),
    order = "random", other_pages = 0L, other_page_size = "",
    p95_ns = r1(num("95%(ns)")), min_ns = r1(num("Min(ns)")), tavg_ns = r1(num("TAvg(ns)")),
    outliers = as.integer(num("#outliers")), window_bytes = sprintf("%.0f", win), cache = CACHE)

  file <- function(f) tryCatch(show(file.path(s$dir, f)), error = function(e) character())
  cpu <- sub("^model name\\s*:\\s*", "", grep("^model name", file("sys-cpuinfo.txt"), value = TRUE)[1])
  uname <- strsplit(file("sys-uname.txt")[1], " +")[[1]]
  cmdline <- trimws(paste(file("sys-kernel-cmdline.txt"), collapse = " "))
  cap <- dmar_cap(file("sys-dmesg.txt"))
  on <- s$config != "off"
  if (on != grepl("intel_iommu=on", cmdline, fixed = TRUE) ||
      (s$config == "on-nosp") != grepl("sp_off", cmdline, fixed = TRUE))
    stop(sprintf("%s: kernel command line '%s' does not match configuration %s",
                 s$dir, cmdline, s$config), call. = FALSE)
  topo <- if (nzchar(s$topology)) as.list(setNames(as.integer(sub("s", "", strsplit(s$topology, "-")[[1]])),
                                                   c("device_socket", "memory_socket", "control_socket")))
  name <- sprintf("pciebench-%s-%s", s$platform, s$config)
  files <- file.path(s$dir, c(SWEEP, "sys-cpuinfo.txt", "sys-uname.txt", "sys-kernel-cmdline.txt",
                              "sys-dmesg.txt", "sys-hostname.txt", "sys-date.txt", "sys-date-end.txt"))
  meta <- list(
    run_id = name,
    suite = "pciebench-lat_dma_sweep_rd_rnd_64",
    suite_file = NULL,
    description = sprintf(paste("pcie-bench %s, imported: NFP-6000 64 B DMA reads at uniformly random",
                                "addresses in a window of 8 KiB .. 64 MiB, QD 1, %s, IOMMU %s"),
                          SWEEP, cpu, switch(s$config, off = "off", on = "on (superpages allowed)",
                                             `on-nosp` = "on without superpages (4 KiB IOPTEs)")),
    grid = lapply(seq_len(n), function(i)
      list(case = res$case[i], kind = "reuse", page_size = 4096, pages = res$pages[i],
           op = "read", io_size = res$io_size[i], order = "random", window_bytes = win[i])),
    backend = "pciebench",
    preset = NULL,
    device = list(bdf = NULL, model = "Netronome NFP-6000 (pcie-bench DMA engine, 1.2 GHz ME clock)",
                  serial = NULL, firmware = "pciebench-nfp"),
    host = list(
      hostname = trimws(file("sys-hostname.txt")[1]),
      kernel = if (length(uname) >= 3) uname[3] else NULL,
      cmdline = cmdline, cpu_model = cpu,
      iommu_type = if (on) "intel" else "none",
      # Kernel 3.19's intel-iommu defers IOTLB flushes unless booted with
      # intel_iommu=strict; none of these command lines has it. pcie-bench
      # maps its buffer once, so the mode does not change these numbers.
      iommu_mode = if (on) "lazy" else "off",
      iommu_superpages = switch(s$config, off = NULL, on = "allowed (intel_iommu=on)",
                                `on-nosp` = "disabled (intel_iommu=on,sp_off)"),
      dmar_cap = cap$cap, dmar_superpage_sizes = cap$sllps,
      topology = topo, hugepages = NULL),
    clock = list(source = "nfp-me-cycles", tsc_hz = NULL, hz = ME_HZ, tick_ns = 16 / ME_HZ * 1e9),
    iotlbench = list(version = NULL, revision = NULL, importer = "scripts/import-pciebench.R"),
    start_time = parse_date(file("sys-date.txt")),
    end_time = parse_date(file("sys-date-end.txt")),
    complete = TRUE,
    skipped_cases = list(), failed_cases = list(), recoveries = list(),
    overrides = list(),
    provenance = list(
      repository = "https://github.com/pcie-bench/data",
      commit = commit, commit_date = commit_date,
      licence = "Apache-2.0 (LICENSE of the repository)",
      source_directory = s$dir, files = files,
      rows = sprintf("Test=LAT_DMA_RD, PAT=Rand, Cache=%s, HO=0, DO=0", CACHE),
      columns = COLUMN_MAP,
      dropped_windows = dropped,
      reference = paste("R. Neugebauer, G. Antichi, J. F. Zazo, Y. Audzevich, S. Lopez-Buedo,",
                        "A. W. Moore: Understanding PCIe performance for end host networking.",
                        "SIGCOMM 2018"),
      notes = c(
        paste("Latencies are quantised to the 16-cycle tick of the NFP timer (13.3 ns):",
              "percentiles are multiples of it, means are not."),
        "No per-read latencies are published for these sweeps, so there is no latency_hist.csv.",
        paste("The device has no queues in host memory: every IOVA it reads is a data page",
              "(other_pages = 0); the buffer is 16 chunks of 4 MiB (sys-dma-addrs.txt)."),
        if (s$config == "on")
          "Superpages were allowed: whether the driver mapped the 4 MiB chunks with 2 MiB IOPTEs is not recorded.",
        if (nzchar(s$topology))
          paste("Topology sX-sY-sZ: device on socket X, buffer memory on socket Y, control program",
                "(and the cache thrashing) on socket Z; where the IOMMU page tables were allocated is not recorded.")))
  )
  dir <- file.path(out_root, name)
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  data.table::fwrite(res, file.path(dir, "results.csv"), quote = FALSE, na = "")
  writeLines(jsonlite::toJSON(meta, auto_unbox = TRUE, pretty = TRUE, null = "null", digits = NA),
             file.path(dir, "meta.json"))
  # A stale histogram from an earlier import would claim data the source lacks.
  unlink(file.path(dir, "latency_hist.csv"))
  cat(sprintf("%-40s %2d windows from %s\n", name, n, s$dir))
}

for (i in seq_len(nrow(SOURCES))) one_dataset(SOURCES[i])
