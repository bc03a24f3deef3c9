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
