# The whole pipeline, build_report(): load -> reach -> figures -> tables ->
# index.html, all written flat into one output directory so the HTML can
# reference every image and table by a bare relative file name.

FIGURE_BUILDERS <- list(
  tail = function(d, reach) fig_tail(d),
  throughput = function(d, reach) fig_throughput(d),
  map = function(d, reach) fig_map(d),
  map_trace = function(d, reach) fig_map_trace(d),
  count = function(d, reach) fig_count(d),
  churn = function(d, reach) fig_churn(d),
  reuse = function(d, reach) fig_reuse(d, reach),
  misses = function(d, reach) fig_misses(d))

# Grouping for the reach inference: one sweep is one suite section of one
# run, so the inference runs per run and per section and never pools them (two
# runs of one configuration, or two sections that differ in `order`, are
# separate sweeps with reaches of their own). Host and preset are kept as
# columns to name the rows; I/O shape columns (and any other parameter the
# reuse rows vary besides pages) join the key when the sweeps vary them.
REACH_SHAPE_COLS <- c("op", "io_size", "qd", "threads", "order", "other_pages", "other_page_size",
                      "search")
reach_groups <- function(r) {
  by <- intersect(c("run", "section", "host", "preset"), names(r))
  rr <- r[!is.na(kind) & kind == "reuse"]
  for (k in intersect(REACH_SHAPE_COLS, names(rr)))
    if (data.table::uniqueN(rr[[k]]) > 1) by <- c(by, k)
  by
}

# What every consumer of loaded data adds before use: the emulation label
# (R/emulation.R) and each case's footprint (R/footprint.R).
prepare_data <- function(data) add_case_footprint(mark_emulation(data))

# Workers for figure rendering: serial unless IOTLB_REPORT_CORES asks for
# more. Forked workers measured slower on a busy 2-core machine (each child
# sets up cairo and fonts again and competes for the same cores), so
# parallel rendering is opt-in.
report_cores <- function() {
  if (.Platform$OS.type != "unix") return(1L)
  env <- suppressWarnings(as.integer(Sys.getenv("IOTLB_REPORT_CORES", "")))
  if (!is.na(env) && env >= 1) return(env)
  1L
}

# `reference`: the name of a datasets/reference/pciebench-* sweep to draw
# beside the runs' reuse sweeps (R/fig_reference.R), or NULL.
build_report <- function(dirs, out_dir, quiet = FALSE, single_file = FALSE, reference = NULL) {
  say <- function(...) if (!quiet) msg(...)
  # Load first: input that cannot be read must leave nothing behind, not even
  # the output directory (by default it is DATASET_DIR/report).
  ref <- if (!is.null(reference)) load_reference(reference)
  data <- prepare_data(load_datasets(dirs))
  say("loaded %d run(s), %d cases", nrow(data$runs), nrow(data$results))
  builders <- FIGURE_BUILDERS
  if (!is.null(ref)) {
    builders <- append(builders, list(reference = function(d, reach) fig_reference(d, reach, ref)),
                       after = which(names(builders) == "reuse"))
    say("reference %s: %s", ref$name, ref$label)
  }
  # The kernel driver beside the userspace backends, drawn (the table below
  # has the same rows): only when a run used the kernel backend.
  if (any(data$results$backend == "kernel", na.rm = TRUE))
    builders <- append(builders, list(side_by_side = function(d, reach) fig_side_by_side(d)),
                       after = which(names(builders) == "throughput"))
  dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

  reach <- infer_reach(reach_input(data), by = reach_groups(data$results))
  reach_file <- NULL
  if (nrow(reach)) {
    write_reach_csv(reach, file.path(out_dir, "iotlb_reach.csv"))
    reach_file <- "iotlb_reach.csv"
  }

  # Figures are independent; rendering is most of the report's time, so they
  # can be drawn in forked workers (report_cores()).
  make_fig <- function(f) {
    fig <- f(data, reach)
    if (is.null(fig$skipped)) fig$files <- save_figure(fig$plot, out_dir, fig$name, fig$width, fig$height)
    fig$plot <- NULL
    fig
  }
  cores <- report_cores()
  figs <- if (cores > 1) parallel::mclapply(builders, make_fig, mc.cores = cores,
                                            mc.preschedule = FALSE)
          else lapply(builders, make_fig)
  failed <- vapply(figs, inherits, logical(1), "try-error")
  if (any(failed)) stop("figure ", paste(names(figs)[failed], collapse = ", "), " failed: ",
                        as.character(figs[failed][[1]]), call. = FALSE)
  for (f in figs) {
    if (is.null(f$skipped)) say("figure %s", f$name) else say("figure %s skipped: %s", f$name, f$skipped)
  }

  tables <- list()
  tables$summary <- list(title = "Per-case summary", files = write_table_both(
    table_summary(data), out_dir, "table_summary",
    "Per-case latency percentiles (ns) and IOPS"), df = table_summary(data))
  cmp <- compare_backends(data)
  if (!is.null(cmp)) {
    df <- table_comparison(cmp)
    tables$comparison <- list(title = "Backends against the no-IOMMU baseline", df = df,
      files = write_table_both(df, out_dir, "table_comparison",
        "p50 and p99 ratios against the no-IOMMU baseline, 95% intervals"))
  } else {
    tables$comparison <- list(title = "Backends against the no-IOMMU baseline", skipped =
      "needs a baseline run (backend pagemap, or emu with preset none) and another configuration with matching cases")
  }
  if (nrow(reach)) {
    df <- table_reach(reach)
    tables$reach <- list(title = "IOTLB reach", df = df,
      files = write_table_both(df, out_dir, "table_iotlb_reach", "Inferred IOTLB reach per backend and page size"))
  } else {
    tables$reach <- list(title = "IOTLB reach", skipped = "no `reuse` cases in these datasets")
  }

  # The kernel driver beside the userspace backends (only when a run used
  # the kernel backend: otherwise the comparison table above says it all).
  if (any(data$results$backend == "kernel", na.rm = TRUE)) {
    sbs <- side_by_side(data)
    if (!is.null(sbs) && nrow(sbs)) {
      df <- table_side_by_side(sbs)
      tables$side_by_side <- list(title = "Kernel driver and userspace backends side by side", df = df,
        files = write_table_both(df, out_dir, "table_side_by_side",
          "p50 with 95% interval, p99 and the kernel path's IOMMU map/unmap/invalidation counts per case (counts cover warm-up and every device)"))
    }
  }

  # The kernel's dma_map_benchmark: means and standard deviations only, so
  # a table of its own rather than the percentile tables above.
  dm <- table_dmamap(data)
  if (!is.null(dm))
    tables$dmamap <- list(title = DMAMAP_TITLE, df = dm,
      files = write_table_both(dm, out_dir, "table_dmamap", DMAMAP_CAPTION))

  answers <- list(
    "How much does the IOMMU cost on this machine?" = answer_iommu_cost(cmp, reach, data$runs),
    "At which footprint does the IOTLB run out?" = if (nrow(reach)) answer_reach(reach, data$runs) else answer_reach(NULL),
    "Which backend maps fastest?" = answer_map(data),
    "What does mapping per I/O cost against mapping once?" = answer_churn(data),
    "How does the map cost grow with the number of live mappings?" = answer_count(data),
    "What do the tails look like?" = answer_tails(data))
  write_index_html(file.path(out_dir, "index.html"), data, figs, tables, answers, reach_file,
                   single_file = single_file)
  if (single_file) inline_images(file.path(out_dir, "index.html"))
  say("report written to %s", file.path(out_dir, "index.html"))
  invisible(list(data = data, reach = reach, figures = figs, tables = tables, comparison = cmp))
}
