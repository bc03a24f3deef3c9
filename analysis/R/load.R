# Loading dataset directories (schema: datasets/README.md).
#
# load_datasets() returns a list of data.tables that all carry a `run` key:
#   runs     one row per directory: metadata flattened to columns
#   results  results.csv rows plus the run's metadata columns
#   hist     latency_hist.csv  (run, case, lo_ns, hi_ns, count)
#   counters counters.csv      (run, case, source, event, value, supported, ...)
#   trace    trace_hist.csv    (run, case, probe, lo_ns, hi_ns, count)
# Cases are unique only within a run, so every join uses (run, case).

RESULT_COLS <- c("case", "kind", "backend", "page_size", "op", "io_size", "qd",
                 "threads", "pages", "map_size", "mappings", "churn", "ops",
                 "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns",
                 "max_ns", "iops")
RESULT_TEXT_COLS <- c("case", "kind", "backend", "op", "churn")
RESULT_NUM_COLS <- setdiff(RESULT_COLS, RESULT_TEXT_COLS)
# Without these no figure, table or reach can be made from a row; every other
# column may be empty or missing.
RESULT_REQUIRED <- c("kind", "page_size", "p50_ns")

# Metadata that becomes columns of every results row, so that runs from several
# machines, kernels or IOMMU modes can share one figure.
# In a campaign tree (analysis/R/campaign.R) `host` is the inventory host
# the run was filed under (with its boot configuration when there are
# several), `hostname` what the machine called itself.
META_COLS <- c("run", "dir", "host", "hostname", "machine", "boot_config", "campaign",
               "kernel", "cpu_model", "iommu_type",
               "iommu_mode", "device_iommu_mode", "meta_backend", "preset", "suite_name",
               "start_time", "end_time", "complete", "has_meta")

read_meta <- function(dir) {
  path <- file.path(dir, "meta.json")
  if (!file.exists(path)) return(NULL)
  # The parser's first line says what is wrong; the lines after it point into
  # the text with a caret, which means nothing once put on one line.
  meta <- tryCatch(jsonlite::fromJSON(path, simplifyVector = FALSE), error = function(e)
    stop_input(path, paste("not valid JSON:", one_line(strsplit(conditionMessage(e), "\n")[[1]][1])),
               paste("The runner rewrites meta.json at the end of a run, and an interrupted write",
                     "can leave it cut short: repair it, or move it away to load results.csv with",
                     "NA metadata")))
  if (!is.list(meta) || (length(meta) > 0 && is.null(names(meta))))
    stop_input(path, "valid JSON, but not a JSON object",
               "meta.json must be one object with the fields datasets/README.md lists")
  meta
}

meta_row <- function(meta, dir) {
  host <- meta$host %||% list()
  camp <- campaign_of(dir)
  data.table::data.table(
    run = scalar_or_na(meta$run_id) %|na|% basename(normalizePath(dir)),
    dir = normalizePath(dir),
    host = camp$machine %||% scalar_or_na(host$hostname),
    hostname = scalar_or_na(host$hostname),
    machine = camp$machine %||% NA_character_,
    boot_config = camp$boot_config %||% NA_character_,
    campaign = camp$campaign %||% NA_character_,
    kernel = scalar_or_na(host$kernel),
    cpu_model = scalar_or_na(host$cpu_model),
    iommu_type = scalar_or_na(host$iommu_type),
    iommu_mode = scalar_or_na(host$iommu_mode),
    # The mode of the measured function's own group (real devices; null
    # on emu), which its DMA went through whatever the host default says.
    device_iommu_mode = scalar_or_na(if (is.list(meta$device_iommu)) meta$device_iommu$mode),
    meta_backend = scalar_or_na(meta$backend),
    preset = scalar_or_na(meta$preset),
    suite_name = scalar_or_na(meta$suite),
    start_time = scalar_or_na(meta$start_time),
    end_time = scalar_or_na(meta$end_time),
    complete = scalar_or_na(meta$complete, as.logical),
    has_meta = !is.null(meta) && length(meta) > 0
  )
}

`%|na|%` <- function(a, b) if (length(a) == 0 || is.na(a)) b else a

# The benchmark kind of a results row (map, count, churn, reuse, latency) is
# the column `kind`; datasets written before it was renamed call it `suite`,
# which now means only the suite's file name (as meta.json's "suite" does).
# Returns the name of the column that holds the kind in `names`, NA if none:
# `kind` when present, else a `suite` from before the rename.
kind_column <- function(names) {
  if ("kind" %in% names) "kind" else if ("suite" %in% names) "suite" else NA_character_
}

# fread() whose errors and warnings name the file: a CSV that cannot be read
# at all is an input error; warnings (a short last line of an interrupted
# run, say) stay warnings.
read_csv_file <- function(path, ...) {
  withCallingHandlers(
    tryCatch(data.table::fread(path, ...), error = function(e)
      stop_input(path, paste("cannot be read as CSV:", one_line(conditionMessage(e))),
                 "It must be a comma-separated table with a header line, as datasets/README.md describes")),
    warning = function(w) {
      warning(sprintf("%s: %s", path, one_line(conditionMessage(w))), call. = FALSE)
      invokeRestart("muffleWarning")
    })
}

# A table without the columns the schema requires is not the file it claims
# to be (random text, another file under this name, a wrong delimiter).
check_columns <- function(dt, path, required, shown = required) {
  miss <- setdiff(required, names(dt))
  if (!length(miss)) return(invisible(dt))
  found <- names(dt)
  found <- ifelse(nchar(found) > 30, paste0(substr(found, 1, 27), "..."), found)
  found <- if (!length(found)) "no columns" else
    paste0("its header has ", paste0("\"", utils::head(found, 8), "\"", collapse = ", "),
           if (length(found) > 8) sprintf(" and %d more", length(found) - 8) else "")
  stop_input(path, sprintf("required column%s %s missing (%s)", if (length(miss) > 1) "s" else "",
                           paste(shown[match(miss, required)], collapse = ", "), found),
             sprintf("The first line of %s must name its columns as datasets/README.md describes",
                     basename(path)))
}

# Text columns to numbers; a cell that is not empty (blank or "" count as
# empty) and not a number is an input error naming the column, the row and
# the value.
to_numbers <- function(dt, cols, path) {
  for (m in intersect(cols, names(dt))) {
    x <- dt[[m]]
    if (is.numeric(x) || is.logical(x)) {  # typed by fread (logical: all empty)
      data.table::set(dt, j = m, value = as.numeric(x))
      next
    }
    v <- suppressWarnings(as.numeric(x))
    bad <- which(!is.na(x) & nzchar(trimws(x)) & is.na(v) & !is.nan(v))
    if (length(bad))
      stop_input(path, sprintf("column %s has %d cell%s that %s not a number (data row %d: \"%s\")",
                               m, length(bad), if (length(bad) > 1) "s" else "",
                               if (length(bad) > 1) "are" else "is", bad[1], one_line(x[bad[1]])),
                 "Sizes are bytes and times nanoseconds, written as plain numbers; a cell is empty where the column does not apply")
    data.table::set(dt, j = m, value = v)
  }
  invisible(dt)
}

# results.csv is small (one row per case): read everything as text, then type
# the known columns. This keeps unknown extra columns and tolerates files from
# other tools that leave a column empty or omit it entirely, but not files
# without the `required` columns or with text where numbers belong. An old
# `suite` column holding the kind becomes `kind`; next to `kind`, `suite` is
# the suite name and is kept as an extra column.
read_results <- function(path, required = RESULT_REQUIRED) {
  dt <- read_csv_file(path, colClasses = "character", na.strings = c("", "NA"))
  # An empty file: the run was stopped before it wrote the header.
  if (ncol(dt) == 0) return(dt)
  if (identical(kind_column(names(dt)), "suite")) data.table::setnames(dt, "suite", "kind")
  check_columns(dt, path, required,
                shown = ifelse(required == "kind", "kind (suite in datasets from before the rename)", required))
  miss <- setdiff(RESULT_COLS, names(dt))
  for (m in miss) data.table::set(dt, j = m, value = NA_character_)
  to_numbers(dt, RESULT_NUM_COLS, path)
  extra <- setdiff(names(dt), RESULT_COLS)
  for (m in extra)
    data.table::set(dt, j = m, value = utils::type.convert(dt[[m]], as.is = TRUE))
  if (all(is.na(dt$case))) dt[, case := sprintf("row-%04d", seq_len(.N))]
  data.table::setcolorder(dt, c(RESULT_COLS, extra))
  dt
}

# Histogram files can be the largest inputs (a few 10 000 rows for a 10 M-I/O
# run), so fread types the numeric columns itself; one it cannot read as
# numbers comes back as text, and to_numbers() says where. The header is
# checked first so that colClasses only names columns that exist.
read_hist_file <- function(path, probe = FALSE) {
  if (!file.exists(path) || file.size(path) == 0) return(NULL)
  text <- c("case", if (probe) "probe")
  check_columns(read_csv_file(path, nrows = 0), path, c(text, "lo_ns", "hi_ns", "count"))
  dt <- read_csv_file(path, colClasses = list(character = text))
  if (nrow(dt) == 0) return(NULL)
  to_numbers(dt, c("lo_ns", "hi_ns", "count"), path)
  dt
}

read_counters <- function(path) {
  if (!file.exists(path) || file.size(path) == 0) return(NULL)
  dt <- read_csv_file(path, colClasses = "character", na.strings = c("", "NA"))
  if (nrow(dt) == 0) return(NULL)
  check_columns(dt, path, c("case", "source", "event", "value"))
  # "unsupported" is a statement that the machine lacks the event: keep the
  # row (so figures can say so) but never treat it as zero.
  dt[, supported := is.na(value) | value != "unsupported"]
  dt[value == "unsupported", value := NA_character_]
  to_numbers(dt, c("value", "enabled_ns", "running_ns"), path)
  dt
}

# What to give instead of a directory the analysis cannot use.
DATASET_DIR_FIX <- paste("Give a run directory (one holding results.csv and meta.json, such as",
                         "datasets/runs/latest) or a directory of run directories (such as datasets/runs)")

# A directory counts as a dataset if it holds results.csv. A directory that
# holds none but has dataset subdirectories (datasets/runs/) is expanded, and
# so is a campaign tree (campaign.json, runs three levels down).
expand_dataset_dirs <- function(dirs) {
  out <- character()
  for (d in dirs) {
    if (!file.exists(d)) stop_input(d, "no such directory", DATASET_DIR_FIX)
    if (!dir.exists(d)) stop_input(d, "a file, not a directory", DATASET_DIR_FIX)
    if (is_campaign_dir(d)) {
      campaign_warnings(d)
      runs <- campaign_run_dirs(d)
      if (!length(runs))
        stop_input(d, "a campaign directory without any run (<host>/<config>/<run-id>/results.csv)",
                   "Its campaign.json says which cells failed and why: run the campaign again to finish them")
      out <- c(out, runs)
    } else if (file.exists(file.path(d, "results.csv")) || file.exists(file.path(d, "meta.json"))) {
      out <- c(out, d)
    } else {
      subs <- list.dirs(d, recursive = FALSE)
      subs <- subs[file.exists(file.path(subs, "results.csv"))]
      if (length(subs) == 0)
        stop_input(d, "holds no results.csv or meta.json, and no run directories with a results.csv",
                   DATASET_DIR_FIX)
      out <- c(out, sort(subs))
    }
  }
  # The runner keeps a `latest` symlink beside the runs: load each run once.
  out[!duplicated(normalizePath(out))]
}

load_one <- function(dir) {
  meta <- read_meta(dir)
  res_path <- file.path(dir, "results.csv")
  if (is.null(meta)) {
    if (!file.exists(res_path)) stop_input(dir, "no meta.json and no results.csv", DATASET_DIR_FIX)
    warning(sprintf("%s has no meta.json: loading results.csv with NA metadata", dir),
            call. = FALSE)
  } else if (!isTRUE(meta$complete)) {
    warning(sprintf("run %s is incomplete (\"complete\": false): loading the cases it finished",
                    meta$run_id %||% dir), call. = FALSE)
  }
  run <- meta_row(meta, dir)
  results <- if (file.exists(res_path)) read_results(res_path) else NULL
  if (is.null(results) || nrow(results) == 0) {
    warning(sprintf("%s has no finished cases", dir), call. = FALSE)
    results <- NULL
  }
  list(run = run, results = results,
       hist = read_hist_file(file.path(dir, "latency_hist.csv")),
       counters = read_counters(file.path(dir, "counters.csv")),
       trace = read_hist_file(file.path(dir, "trace_hist.csv"), probe = TRUE))
}

# `<section>-<NNNN>[-suffix]` -> section, and `<section>-<NNNN>` (the case id
# of the run's trace_hist.csv and trace_calls.csv, which do not split a case
# into its map and unmap rows). Ids without the number are kept whole.
CASE_ID_RE <- "^(.+?)-([0-9]{4,})(-.*)?$"
case_section <- function(case) {
  ok <- !is.na(case) & grepl(CASE_ID_RE, case, perl = TRUE)
  ifelse(ok, sub(CASE_ID_RE, "\\1", case, perl = TRUE), NA_character_)
}
case_base <- function(case) {
  ok <- !is.na(case) & grepl(CASE_ID_RE, case, perl = TRUE)
  ifelse(ok, sub(CASE_ID_RE, "\\1-\\2", case, perl = TRUE), case)
}

# Label of a DMA configuration: what a figure legend should distinguish.
# emu runs differ by IOMMU model preset; real IOMMU backends by strict/lazy;
# the kernel backend by every mode (strict, lazy, passthrough, off), which
# decides what its driver does per I/O; dma-api (the kernel's
# dma_map_benchmark) by the mode of its function's own group.
config_label <- function(backend, preset, iommu_mode, device_iommu_mode = NA_character_) {
  mode <- ifelse(backend == "dma-api" & !is.na(device_iommu_mode), device_iommu_mode, iommu_mode)
  ifelse(backend == "emu" & !is.na(preset), paste0("emu/", preset),
  ifelse(backend %in% c("vfio", "iommufd", "kernel", "dma-api") & !is.na(mode),
         paste0(backend, " (", mode, ")"), backend))
}

# The no-IOMMU reference every ratio is taken against.
is_baseline <- function(backend, preset) {
  backend == "pagemap" | (backend == "emu" & !is.na(preset) & preset == "none")
}

load_datasets <- function(dirs) {
  dirs <- expand_dataset_dirs(dirs)
  parts <- lapply(dirs, load_one)
  runs <- campaign_host_labels(data.table::rbindlist(lapply(parts, `[[`, "run")))
  # Two directories can carry the same run_id (a copied run); keep them apart.
  if (anyDuplicated(runs$run)) runs[, run := make.unique(run, sep = "#")]
  tag <- function(what) {
    data.table::rbindlist(lapply(seq_along(parts), function(i) {
      x <- parts[[i]][[what]]
      if (is.null(x)) return(NULL)
      x <- data.table::copy(x)
      x[, run := runs$run[i]]
      data.table::setcolorder(x, "run")
      x
    }), fill = TRUE, use.names = TRUE)
  }
  results <- tag("results")
  if (nrow(results) == 0)
    stop_input(paste(dirs, collapse = ", "), "no finished cases in any run",
               "A run stopped before its first case finished has nothing to report: run it again")
  results <- merge(results, runs, by = "run", all.x = TRUE, sort = FALSE)
  results[is.na(backend), backend := meta_backend]
  results[, config := config_label(backend, preset, iommu_mode, device_iommu_mode)]
  results[, baseline := is_baseline(backend, preset)]
  hosts <- unique(results$host)
  # Legends name the host only when there is more than one to tell apart.
  results[, series := if (length(hosts) > 1)
    paste0(ifelse(is.na(host), "unknown host", host), ": ", config) else config]
  results[, page_label := page_size_factor(page_size)]
  # A case id is `<section>-<NNNN>[-suffix]`: the suite section (two sections can
  # run the same kind with the same parameters) and the id trace_hist.csv uses.
  if (!"section" %in% names(results)) results[, section := case_section(case)]
  results[, trace_case := case_base(case)]
  list(runs = runs, results = results, hist = nullable(tag("hist")),
       counters = nullable(tag("counters")), trace = nullable(tag("trace")))
}

nullable <- function(dt) if (is.null(dt) || nrow(dt) == 0) NULL else dt
