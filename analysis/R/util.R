# Small helpers shared by every other file. Kept free of ggplot2 so that the
# loader and the reach inference can be used from a bare R session.

`%||%` <- function(a, b) if (is.null(a) || length(a) == 0) b else a

# A JSON field that may be missing or null becomes NA of the wanted type, so
# metadata columns always exist and rbind across runs never fails.
scalar_or_na <- function(x, type = as.character) {
  if (is.null(x) || length(x) == 0) return(type(NA))
  v <- x[[1]]
  if (is.null(v)) return(type(NA))
  type(v)
}

# Page sizes are bytes in the data; people read them as 4 KiB / 2 MiB / 1 GiB.
page_size_label <- function(bytes) {
  out <- rep(NA_character_, length(bytes))
  ok <- !is.na(bytes)
  b <- bytes[ok]
  out[ok] <- ifelse(b >= 2^30 & b %% 2^30 == 0, paste(b / 2^30, "GiB"),
             ifelse(b >= 2^20 & b %% 2^20 == 0, paste(b / 2^20, "MiB"),
             ifelse(b >= 2^10 & b %% 2^10 == 0, paste(b / 2^10, "KiB"),
                    paste(b, "B"))))
  out
}

# Factor ordered by the byte value, not alphabetically ("1 GiB" < "4 KiB").
page_size_factor <- function(bytes) {
  lv <- sort(unique(bytes[!is.na(bytes)]))
  factor(page_size_label(bytes), levels = page_size_label(lv))
}

# Byte counts of any size, for labels and tables.
bytes_label <- function(bytes) page_size_label(bytes)

fmt_ns <- function(ns) {
  ifelse(is.na(ns), "NA",
  ifelse(abs(ns) >= 1e6, sprintf("%.2f ms", ns / 1e6),
  ifelse(abs(ns) >= 1e3, sprintf("%.2f \u00b5s", ns / 1e3), sprintf("%.0f ns", ns))))
}

# Robust standard deviation: the MAD scaled to agree with sd() for Gaussian
# noise. Used wherever a single outlier (a step, a spike) must not inflate
# the noise estimate.
robust_sd <- function(x) {
  x <- x[is.finite(x)]
  if (length(x) < 2) return(NA_real_)
  1.4826 * stats::median(abs(x - stats::median(x)))
}

msg <- function(...) message("analysis: ", sprintf(...))

# Bad input (a missing directory, a file that is not what the schema says) is
# raised as a condition of class "iotlb_input_error" whose message names the
# path, what is wrong with it and how to fix it; the condition carries the
# three as fields too. report.R prints the message and exits with status 1.
input_error <- function(path, problem, fix) {
  problem <- sub("[. ]+$", "", problem); fix <- sub("[. ]+$", "", fix)
  structure(class = c("iotlb_input_error", "error", "condition"),
            list(message = sprintf("%s: %s. %s.", path, problem, fix), call = NULL,
                 path = path, problem = problem, fix = fix))
}
stop_input <- function(path, problem, fix) stop(input_error(path, problem, fix))

# Parser messages spread over several lines; one line reads better in ours.
one_line <- function(x) gsub("\\s+", " ", trimws(paste(x, collapse = " ")))
