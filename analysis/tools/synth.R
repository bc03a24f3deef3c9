# Synthetic datasets in the schema of datasets/README.md, for the tests and
# the performance benchmark. Every number is derived
# from the parameters in `spec`, so tests can compute what the analysis must
# find (reach, slopes, ratios) from the same parameters instead of from the
# analysis' own output.
#
# Used by: tests/testthat/helper-analysis.R,
# bench/bench_report.sh. Needs data.table and jsonlite.

# Reuse-sweep medians, generated directly (for reach unit tests): a baseline,
# drift per doubling of the footprint and per page, a step of `step_ns` once
# pages exceed `entries`, Gaussian noise.
synth_sweep <- function(pages, base_ns = 8050, entries = 64, step_ns = 235,
                        noise_sd = 3, drift_per_doubling = 0, drift_per_page = 0,
                        seed = 1) {
  set.seed(seed)
  base_ns + drift_per_doubling * log2(pages) + drift_per_page * pages +
    ifelse(is.finite(entries) & pages > entries, step_ns, 0) +
    stats::rnorm(length(pages), 0, noise_sd)
}

# Log-linear buckets, 128 linear sub-buckets per power of two (< 1 % wide),
# integer nanoseconds; exact single-ns buckets below 128 ns.
synth_bucket_lo <- function(v) {
  v <- pmax(1, floor(v))
  e <- floor(log2(v))
  shift <- pmax(0, e - 7)
  floor(v / 2^shift) * 2^shift
}
synth_bucket_mid <- function(v) {
  lo <- synth_bucket_lo(v)
  lo + 2^pmax(0, floor(log2(pmax(1, lo))) - 7) / 2
}
synth_hist <- function(v) {
  lo <- synth_bucket_lo(v)
  e <- floor(log2(pmax(1, lo)))
  width <- 2^pmax(0, e - 7)
  h <- data.table::data.table(lo_ns = lo, w = width)[, .(count = .N), by = .(lo_ns, w)]
  h[, hi_ns := lo_ns + w]
  data.table::setorder(h, lo_ns)
  h[, .(lo_ns, hi_ns, count)]
}

# Per-operation latencies around a median: a lognormal body, 1 % of
# operations slowed by an exponential tail, 0.01 % by rare long stalls.
synth_samples <- function(n, median_ns, sdlog = 0.02, tail_ns = 2000, stall_ns = 40000) {
  v <- median_ns * stats::rlnorm(n, 0, sdlog)
  slow <- stats::runif(n) < 0.01
  v[slow] <- v[slow] + stats::rexp(sum(slow), 1 / tail_ns)
  stall <- stats::runif(n) < 1e-4
  v[stall] <- v[stall] + stall_ns * (1 + stats::rexp(sum(stall)))
  round(v)
}

# Defaults: the emulated Intel E5-2660v2 model (64 IOTLB entries for every
# page size, +235 ns per miss on a ~8.05 µs 512 B write).
synth_spec <- function(...) {
  s <- list(
    run_id = "20250101-000000-all-emu", suite = "all", backend = "emu",
    preset = "intel-e5-2660v2", hostname = "synthetic", kernel = "6.1.0-synthetic",
    cpu_model = "Intel(R) Xeon(R) CPU E5-2660 v2 @ 2.20GHz", iommu_type = "model",
    iommu_mode = "strict", complete = TRUE,
    kinds = c("reuse", "map", "count", "churn", "latency"),
    kind_column = "kind",  # "suite": results.csv as written before the rename
    page_sizes = c(4096, 2097152),
    entries = c(`4096` = 64, `2097152` = 64, `1073741824` = 64),  # Inf: no IOMMU
    miss_ns = 235, hit_ns = 20, base_ns = 8050, drift_per_doubling = 0.8,
    reuse_pages = c(2^(0:9), 768), ops = 20000, sdlog = 0.02,
    map_sizes_pages = 2^(0:6), map_ns = 400, map_per_page_ns = 35,
    unmap_ns = 600, unmap_per_page_ns = 25,
    count_mappings = 4^(0:7), count_alpha = 0.12,
    churn = c("persistent", "batch:64", "batch:8", "per-io"),
    counters = TRUE, trace = FALSE, runner_quantiles = FALSE, seed = 42)
  over <- list(...)
  s[names(over)] <- over
  s
}

synth_entries <- function(spec, page_size) {
  e <- spec$entries[as.character(page_size)]
  if (is.null(e) || is.na(e)) Inf else unname(e)
}

# Cyclic reuse over `pages` pages through an LRU IOTLB: every access hits
# while the pages fit, every access misses once they do not.
synth_miss_fraction <- function(pages, entries) ifelse(pages > entries, 1, 0)

synth_cases <- function(spec) {
  rows <- list()
  add <- function(...) rows[[length(rows) + 1]] <<- list(...)
  has_iommu <- function(ps) is.finite(synth_entries(spec, ps))
  for (ps in spec$page_sizes) {
    if ("reuse" %in% spec$kinds) for (p in spec$reuse_pages) {
      e <- synth_entries(spec, ps)
      m <- spec$base_ns + spec$drift_per_doubling * log2(p) +
        (if (has_iommu(ps)) spec$hit_ns else 0) + spec$miss_ns * synth_miss_fraction(p, e)
      add(kind = "reuse", page_size = ps, op = "write", io_size = 512, pages = p,
          median = m, timing = "io", miss = synth_miss_fraction(p, e), entries = e)
    }
    if ("map" %in% spec$kinds) for (k in spec$map_sizes_pages) for (op in c("map", "unmap")) {
      m <- if (op == "map") spec$map_ns + spec$map_per_page_ns * k else spec$unmap_ns + spec$unmap_per_page_ns * k
      add(kind = "map", page_size = ps, op = op, map_size = k * ps, median = m, timing = "map")
    }
    if ("count" %in% spec$kinds) for (n in spec$count_mappings) {
      add(kind = "count", page_size = ps, op = "map", map_size = ps, mappings = n,
          median = spec$map_ns * n^spec$count_alpha, timing = "map")
    }
    if ("churn" %in% spec$kinds) for (ch in spec$churn) {
      per <- if (ch == "persistent") 0 else if (ch == "per-io") 1 else 1 / as.numeric(sub("batch:", "", ch))
      m <- spec$base_ns + (if (has_iommu(ps)) spec$hit_ns else 0) +
        per * (spec$map_ns + spec$unmap_ns + (spec$map_per_page_ns + spec$unmap_per_page_ns))
      add(kind = "churn", page_size = ps, op = "write", io_size = 512, churn = ch,
          median = m, timing = "io")
    }
    if ("latency" %in% spec$kinds) for (op in c("write", "read")) {
      io <- if (op == "write") 512 else 4096
      m <- spec$base_ns + (if (op == "read") 1200 else 0) + (if (has_iommu(ps)) spec$hit_ns else 0)
      add(kind = "latency", page_size = ps, op = op, io_size = io, median = m, timing = "io")
    }
  }
  rows
}

# Writes a dataset directory; returns the spec with the generated per-case
# medians attached (spec$cases) for tests.
make_synthetic_dataset <- function(dir, spec = synth_spec()) {
  set.seed(spec$seed)
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  cases <- synth_cases(spec)
  res <- vector("list", length(cases)); hist <- res; ctr <- res; trc <- res; grid <- res
  ops_each <- if (length(spec$ops) == 1) rep(spec$ops, length(cases)) else spec$ops
  for (i in seq_along(cases)) {
    c <- cases[[i]]
    id <- sprintf("%s-%04d", c$kind, i)
    n <- ops_each[i]
    sdlog <- if (c$timing == "map") 0.05 else spec$sdlog
    v <- synth_samples(n, c$median, sdlog = sdlog,
                       tail_ns = if (c$timing == "map") c$median else 2000,
                       stall_ns = if (c$timing == "map") 10 * c$median else 40000)
    q <- stats::quantile(v, c(0.5, 0.9, 0.99, 0.999, 0.9999), names = FALSE)
    # The iotlbench runner reports bucket midpoints; spec$runner_quantiles
    # reproduces that quantisation.
    if (isTRUE(spec$runner_quantiles)) q <- synth_bucket_mid(q)
    qd <- 1; threads <- 1
    res[[i]] <- data.table::data.table(
      case = id, kind = c$kind, backend = spec$backend, page_size = c$page_size,
      op = c$op, io_size = c$io_size %||% NA, qd = qd, threads = threads,
      pages = c$pages %||% NA, map_size = c$map_size %||% NA,
      mappings = c$mappings %||% NA, churn = c$churn %||% NA, ops = n,
      mean_ns = round(mean(v), 1), p50_ns = round(q[1], 1), p90_ns = round(q[2], 1), p99_ns = round(q[3], 1),
      p999_ns = round(q[4], 1), p9999_ns = round(q[5], 1), max_ns = max(v),
      iops = round(qd * threads * 1e9 / mean(v), 1),
      mem_bytes = if (c$kind == "count") c$mappings * 64 else NA)
    h <- synth_hist(v); h[, case := id]; hist[[i]] <- h
    grid[[i]] <- c(list(case = id), c[intersect(names(c), c("page_size", "op", "io_size", "pages",
                                                          "map_size", "mappings", "churn"))])
    if (isTRUE(spec$counters) && c$kind == "reuse" && is.finite(c$entries)) {
      miss <- round(n * c$miss + min(c$pages, c$entries))
      ctr[[i]] <- data.table::data.table(
        case = id, source = c("model", "model", "model", "pmu"),
        event = c("iotlb_lookup", "iotlb_hit", "iotlb_miss", "iotlb_miss"),
        value = c(n, n - miss, miss, "unsupported"),
        enabled_ns = NA, running_ns = NA)
    }
    if (isTRUE(spec$trace) && c$kind == "map") {
      probes <- if (c$op == "map") c(vfio_pin_pages = 0.35, iommu_map = 0.45)
                else c(iommu_unmap = 0.4, iommu_iotlb_sync = 0.3)
      trc[[i]] <- data.table::rbindlist(lapply(names(probes), function(p) {
        t <- synth_hist(v * probes[[p]]); t[, `:=`(case = id, probe = p)]; t
      }))
    }
  }
  res <- data.table::rbindlist(res)
  # Datasets from before the rename call the kind column `suite`.
  if (identical(spec$kind_column, "suite")) data.table::setnames(res, "kind", "suite")
  data.table::fwrite(res, file.path(dir, "results.csv"), na = "")
  h <- data.table::rbindlist(hist)
  data.table::fwrite(h[, .(case, lo_ns, hi_ns, count)], file.path(dir, "latency_hist.csv"))
  ctr <- data.table::rbindlist(ctr)
  if (nrow(ctr)) data.table::fwrite(ctr, file.path(dir, "counters.csv"), na = "")
  trc <- data.table::rbindlist(trc)
  if (nrow(trc)) data.table::fwrite(trc[, .(case, probe, lo_ns, hi_ns, count)], file.path(dir, "trace_hist.csv"))
  meta <- list(
    run_id = spec$run_id, suite = spec$suite, suite_file = paste0("micro/suites/", spec$suite, ".suite"),
    grid = grid, backend = spec$backend, preset = spec$preset %||% NA,
    device = list(bdf = NA, model = "iotlbench emulated NVMe", serial = "EMU0001", firmware = "0.1"),
    host = list(hostname = spec$hostname, kernel = spec$kernel, cmdline = "",
                cpu_model = spec$cpu_model, iommu_type = spec$iommu_type,
                iommu_mode = spec$iommu_mode, hugepages = list(`2048` = 512, `1048576` = 0)),
    clock = list(source = "tsc", tsc_hz = 2.2e9),
    iotlbench = list(version = "0.1.0", revision = "synthetic"),
    start_time = "2025-01-01T00:00:00Z",
    end_time = if (isTRUE(spec$complete)) "2025-01-01T00:10:00Z" else NA,
    complete = isTRUE(spec$complete))
  jsonlite::write_json(meta, file.path(dir, "meta.json"), auto_unbox = TRUE, na = "null",
                       null = "null", pretty = TRUE, digits = NA)
  spec$cases <- cases
  invisible(spec)
}

if (!exists("%||%")) `%||%` <- function(a, b) if (is.null(a) || length(a) == 0) b else a
