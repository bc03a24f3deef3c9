# Figure contract shared by the fig_*.R files: each builder takes the loaded
# data and returns either a figure (plot, name, title, caption, size) or a
# skip with the reason the report prints instead. A missing kind is a skip,
# never an error.

figure <- function(plot, name, title, caption, width = 7.5, height = 5) {
  list(plot = plot, name = name, title = title, caption = caption,
       width = width, height = height, skipped = NULL)
}

skip_figure <- function(name, title, reason) {
  list(plot = NULL, name = name, title = title, skipped = reason)
}

# The results rows of one benchmark kind (map, count, churn, reuse, latency).
kind_rows <- function(data, k) {
  r <- data$results
  r[!is.na(kind) & kind == k]
}

# Number of distinct series: sizes the manual scales.
n_series <- function(x) length(unique(x))

# Panel rows when a kind was run with several I/O shapes; NULL when one.
io_shape <- function(op, io_size, qd) {
  paste0(op, " ", ifelse(is.na(io_size), "", bytes_label(io_size)),
         ifelse(is.na(qd), "", paste0(", QD ", qd)))
}

# --- Telling cases apart ----------------------------------------------------
# A figure never merges distinct cases: every case parameter that varies
# within a figure's rows and is not already on an axis or a facet goes into
# the legend entry (`line`), and the line is drawn per legend entry.

# The parameters that tell cases of one kind apart, in legend order.
CASE_PARAMS <- c("section", "op", "io_size", "qd", "threads", "page_size", "map_size",
                 "pages", "mappings", "churn")

param_text <- function(col, v) {
  out <- switch(col,
    section = paste0("[", v, "]"),
    io_size = paste0(bytes_label(v), " I/O"),
    qd = paste("QD", v),
    threads = paste0(v, ifelse(v == 1, " thread", " threads")),
    page_size = paste(page_size_label(v), "pages"),
    map_size = paste0(bytes_label(v), " maps"),
    pages = paste(v, "pages"),
    mappings = paste(v, "mappings"),
    as.character(v))
  ifelse(is.na(v), paste(col, "n/a"), out)
}

# Parameters (of CASE_PARAMS) that take more than one value in r.
varying_params <- function(r, shown = character()) {
  cols <- setdiff(intersect(CASE_PARAMS, names(r)), shown)
  cols[vapply(cols, function(col) data.table::uniqueN(r[[col]]) > 1, logical(1))]
}

# Legend entry of every row: the series (configuration, host when several),
# the run when one series has several runs, then each varying parameter that
# is not in `shown` (the x axis and the facets). A factor ordered by series
# and then numerically by parameter (QD 1, 8, 32; never 1, 32, 8).
case_lines <- function(r, shown = character()) {
  vary <- varying_params(r, shown)
  multi <- r[, .(n = data.table::uniqueN(run)), by = series][n > 1, series]
  lab <- ifelse(r$series %in% multi, paste0(r$series, " {", r$run, "}"), r$series)
  for (col in vary) lab <- paste0(lab, ", ", param_text(col, r[[col]]))
  key <- data.table::as.data.table(c(list(series = r$series, run = r$run),
                                     lapply(stats::setNames(vary, vary), function(col) r[[col]])))
  ord <- do.call(order, c(unname(as.list(key)), list(na.last = TRUE)))
  factor(lab, levels = unique(lab[ord]))
}

# A facet variable of text labels ordered by the numbers behind them.
ordered_by <- function(label, ...) {
  ord <- order(..., na.last = TRUE)
  factor(label, levels = unique(label[ord]))
}
