# Every figure draws one distinguishable group per case: datasets where QD,
# threads, the suite section and the run vary (two runs of one configuration)
# must not be merged into one line, bar or legend entry.

# The parameters that make two results rows different cases (besides the run).
FIG_CASE_COLS <- c("run", "section", "op", "io_size", "qd", "threads", "page_size",
                   "map_size", "pages", "mappings", "churn")

# A synthetic run, then every case copied with QD 8, QD 32, 2 threads and
# into a second section (`extra-NNNN`, same parameters as the original).
varied_run <- function(name, run_id, seed) {
  dir <- file.path(tempdir(), "iotlb-varied", name)
  unlink(dir, recursive = TRUE)
  make_synthetic_dataset(dir, synth_spec(ops = 2000, run_id = run_id, hostname = "hostV",
                                         trace = TRUE, seed = seed, page_sizes = 4096,
                                         reuse_pages = 2^(0:7), count_mappings = 4^(0:3)))
  rd <- function(f) data.table::fread(file.path(dir, f))
  res <- rd("results.csv"); hist <- rd("latency_hist.csv")
  ctr <- rd("counters.csv"); trc <- rd("trace_hist.csv")
  num <- as.integer(sub("^.*-", "", res$case))
  variants <- list(
    list(id = function(k, n) sprintf("%s-%04d", k, n + 1000), qd = 8L, threads = 1L),
    list(id = function(k, n) sprintf("%s-%04d", k, n + 2000), qd = 32L, threads = 1L),
    list(id = function(k, n) sprintf("%s-%04d", k, n + 3000), qd = 1L, threads = 2L),
    list(id = function(k, n) sprintf("extra-%04d", n), qd = 1L, threads = 1L))
  copies <- lapply(variants, function(v) {
    ids <- v$id(res$kind, num)
    map <- stats::setNames(ids, res$case)
    r <- data.table::copy(res)[, `:=`(case = ids, qd = v$qd, threads = v$threads)]
    # A different median, so a merged line would zig-zag visibly too.
    r[, p50_ns := p50_ns * (1 + log2(v$qd) / 10 + (v$threads - 1) / 5)]
    re <- function(x) { x <- data.table::copy(x); x[, case := map[case]]; x }
    list(res = r, hist = re(hist), ctr = re(ctr), trc = re(trc))
  })
  wr <- function(x, f) data.table::fwrite(x, file.path(dir, f), na = "")
  wr(rbind(res, data.table::rbindlist(lapply(copies, `[[`, "res"))), "results.csv")
  wr(rbind(hist, data.table::rbindlist(lapply(copies, `[[`, "hist"))), "latency_hist.csv")
  wr(rbind(ctr, data.table::rbindlist(lapply(copies, `[[`, "ctr"))), "counters.csv")
  wr(rbind(trc, data.table::rbindlist(lapply(copies, `[[`, "trc"))), "trace_hist.csv")
  dir
}

varied_data <- function() {
  if (!is.null(fixture_cache$varied)) return(fixture_cache$varied)
  dirs <- c(varied_run("run1", "20250105-000000-all-emu", 51),
            varied_run("run2", "20250105-010000-all-emu", 52))
  fixture_cache$varied <- suppressWarnings(load_datasets(dirs))
  fixture_cache$varied
}

# Distinct cases in `rows` once the swept (x axis) parameter is left out.
n_cases <- function(rows, x) {
  nrow(unique(rows[, setdiff(intersect(FIG_CASE_COLS, names(rows)), x), with = FALSE]))
}

# Drawn groups of the first layer with geom `geom`: (panel, aesthetics that
# tell groups apart) combinations. Two cases that share all of them would be
# drawn as one line (or look like one).
drawn_groups <- function(fig, geom, aes) {
  b <- ggplot2::ggplot_build(fig$plot)
  i <- which(vapply(fig$plot$layers, function(l) inherits(l$geom, geom), logical(1)))[1]
  expect_false(is.na(i), info = paste(fig$name, "has no", geom, "layer"))
  ld <- data.table::as.data.table(b$data[[i]])
  list(n = nrow(unique(ld[, c("PANEL", aes), with = FALSE])),
       groups = nrow(unique(ld[, .(PANEL, group)])))
}

test_that("the varied fixture really varies QD, threads, section and run", {
  d <- varied_data()
  r <- d$results
  expect_equal(sort(unique(r$qd)), c(1, 8, 32))
  expect_equal(sort(unique(r$threads)), c(1, 2))
  expect_setequal(unique(r$section), c("reuse", "map", "count", "churn", "latency", "extra"))
  expect_equal(length(unique(r$run)), 2)
  expect_equal(length(unique(r$series)), 1)
})

test_that("every figure draws one distinguishable group per case", {
  d <- varied_data()
  reach <- suppressWarnings(infer_reach(reach_input(d), by = reach_groups(d$results)))
  checks <- list(
    list(f = fig_tail(d), kind = "latency", x = character(), geom = "GeomStep",
         aes = c("colour", "linetype"), per = 1),
    # IOPS against QD: threads, section and run are lines of their own
    list(f = fig_throughput(d), kind = "latency", x = "qd", geom = "GeomPoint",
         aes = c("colour", "shape"), per = 1),
    list(f = fig_map(d), kind = "map", x = "map_size", geom = "GeomLine",
         aes = c("colour", "linetype"), per = 1),
    list(f = fig_count(d), kind = "count", x = "mappings", geom = "GeomPoint",
         aes = c("colour", "shape"), per = 1),
    # three metric panels (IOPS, p50, p99) per case series
    list(f = fig_churn(d), kind = "churn", x = "churn", geom = "GeomLine",
         aes = c("colour", "linetype"), per = 3),
    list(f = fig_reuse(d, reach), kind = "reuse", x = "pages", geom = "GeomLine",
         aes = c("colour", "linetype"), per = 1),
    # one counter source (model) per case series
    list(f = fig_misses(d), kind = "reuse", x = "pages", geom = "GeomLine",
         aes = c("colour", "linetype"), per = 1))
  for (ck in checks) {
    expect_null(ck$f$skipped, info = ck$f$name)
    rows <- kind_rows(d, ck$kind)
    want <- n_cases(rows, ck$x) * ck$per
    g <- drawn_groups(ck$f, ck$geom, ck$aes)
    expect_equal(g$groups, want, info = paste(ck$f$name, "groups"))
    expect_equal(g$n, want, info = paste(ck$f$name, "distinguishable groups"))
  }
  # The kernel breakdown: one bar segment per (case, probe), none stacked
  # onto another case's bar.
  f <- fig_map_trace(d)
  expect_null(f$skipped)
  g <- drawn_groups(f, "GeomCol", c("x", "fill"))
  tr <- d$trace[, .(probes = data.table::uniqueN(probe)), by = .(run, case)]
  expect_equal(g$n, sum(kind_rows(d, "map")[tr, on = .(run, case), nomatch = NULL]$probes))
})

test_that("legends and facets order QD and threads numerically", {
  d <- varied_data()
  f <- fig_churn(d)
  lv <- levels(ggplot2::ggplot_build(f$plot)$plot$data$line)
  qd <- as.integer(sub(".*QD ([0-9]+).*", "\\1", lv[grepl("QD", lv)]))
  run <- sub(" \\{|\\}.*", "", lv[grepl("QD", lv)])
  for (ru in unique(run)) expect_false(is.unsorted(qd[run == ru]))
  expect_true(any(grepl("QD 32", lv)) && any(grepl("2 threads", lv)) && any(grepl("[extra]", lv, fixed = TRUE)))
  # The count legend names the op: a real run's map and unmap fits are two
  # entries that say which is which.
  f <- fig_count(load_datasets(file.path(analysis_root, "tests", "testthat", "data", "traced-quick-usdt")))
  labs <- levels(ggplot2::ggplot_build(f$plot)$plot$data$label)
  expect_length(labs, 2)
  expect_true(any(grepl(", map: slope", labs, fixed = TRUE)))
  expect_true(any(grepl(", unmap: slope", labs, fixed = TRUE)))
})

test_that("the tails answer names each case once, with its QD, threads and section", {
  d <- varied_data()
  a <- answer_tails(d)
  expect_equal(length(a), nrow(kind_rows(d, "latency")))
  lab <- sub(": p50.*", "", a)
  expect_equal(anyDuplicated(lab), 0L)
})

test_that("tables carry threads and QD", {
  d <- varied_data()
  t <- table_summary(d)
  expect_true(all(c("qd", "threads", "section") %in% names(t)))
  key <- t[, c("host", "config", "kind", "section", "page_size", "op", "io_size", "qd", "threads", "param")]
  # Rows are told apart within a run by these columns.
  expect_equal(anyDuplicated(cbind(key, run = d$results[order(host, config, kind, page_size, op, case)]$run)), 0L)
})

# A real run of the runner with --trace=usdt (bin/iotlbench run quick
# --trace=usdt, emulated controller): trace_hist.csv names the map case
# `map-0001`, results.csv `map-0001-map` and `map-0001-unmap`.
test_that("the kernel breakdown joins a real traced run's trace_hist.csv", {
  dir <- file.path(analysis_root, "tests", "testthat", "data", "traced-quick-usdt")
  d <- load_datasets(dir)
  expect_true(all(c("map-0001-map", "map-0001-unmap") %in% d$results$case))
  expect_true("map-0001" %in% d$trace$case)
  f <- fig_map_trace(d)
  expect_null(f$skipped)
  b <- ggplot2::ggplot_build(f$plot)
  bars <- data.table::as.data.table(b$data[[1]])
  expect_gt(nrow(bars), 0)
  per <- map_trace_per_op(kind_rows(d, "map"), d$trace)
  # Each op gets only the probe that names it: usdt:dma_map under map.
  expect_setequal(per[op == "map", unique(probe)], "usdt:dma_map")
  expect_setequal(per[op == "unmap", unique(probe)], "usdt:dma_unmap")
  expect_equal(nrow(per), 4)  # two map sizes x (map, unmap)
  # The time per op is the probe's histogram total over the ops it saw: the
  # timed ones and the warm-up (the grid's warmup). usdt:dma_map fires once
  # per map call, so that is its mean duration per call.
  h <- d$trace[case == "map-0001" & probe == "usdt:dma_map"]
  calls <- sum(h$count)
  expect_gt(calls, d$results[case == "map-0001-map", ops])  # the warm-up is in the trace
  per <- map_trace_per_op(kind_rows(add_case_footprint(d), "map"), d$trace)
  expect_equal(per[case == "map-0001-map", ns_per_op], sum((h$lo_ns + h$hi_ns) / 2 * h$count) / calls)
  out <- file.path(tempdir(), "iotlb-traced-report")
  unlink(out, recursive = TRUE)
  suppressMessages(build_report(dir, out))
  expect_true(file.size(file.path(out, "fig_map_kernel_breakdown.png")) > 0)
})

test_that("legends wrap into columns that fit the figure's width", {
  # A few short entries: one row, as ggplot2 lays them out.
  expect_true(is.na(legend_cols(c("vfio", "iommufd", "pagemap"))))
  expect_equal(legend_height(c("vfio", "iommufd", "pagemap")), 0)
  # Three ~37-character entries of a 3-configuration guest report did not fit
  # one row (the third was cut at the right edge): two columns, two rows.
  three <- sprintf("guest-%s: 4 KiB pages [emulation]", c("vfio", "iommufd", "pagemap"))
  expect_equal(legend_cols(three), 2L)
  expect_equal(legend_height(three), 0.4)
  # Entries too long for two: one per row.
  long <- strrep(c("a", "b", "c"), 60)
  expect_equal(legend_cols(long), 1L)
  expect_equal(legend_height(long), 0.6)
  # Every column holds its widest entry within the width.
  k <- legend_cols(three)
  expect_lte(k * (max(nchar(three)) + LEGEND_KEY_CHARS), LEGEND_CHARS)
})
