# Tables: built as data.frames of already formatted text, then written as
# Markdown (pipe tables) and LaTeX (booktabs). The readers at the bottom parse
# both formats back; the tests use them to check the written values. The
# statistics behind the comparison table are in R/stats.R.

fmt_num <- function(x, digits = 0) {
  ifelse(is.na(x), "", formatC(as.numeric(x), format = "f", digits = digits))
}

# One text column naming the swept parameter of each case.
case_param <- function(r) {
  with(r, ifelse(!is.na(pages), paste0("pages=", format(pages, scientific = FALSE, trim = TRUE)),
          ifelse(!is.na(mappings), paste0("mappings=", format(mappings, scientific = FALSE, trim = TRUE)),
          ifelse(!is.na(map_size), paste0("map_size=", bytes_label(map_size)),
          ifelse(!is.na(churn), paste0("churn=", churn), "")))))
}

# The benchmark kind (map, count, churn, reuse, latency) is the column `kind`,
# as in results.csv; `suite` would mean the suite file (the Runs table's column).
table_summary <- function(data) {
  r <- data.table::copy(data$results)
  data.table::setorderv(r, c("host", "config", "kind", "page_size", "op", "case"), na.last = TRUE)
  data.frame(
    host = ifelse(is.na(r$host), "", r$host), config = r$config,
    kind = ifelse(is.na(r$kind), "", r$kind), case = r$case,
    section = ifelse(is.na(r$section), "", r$section),
    page_size = ifelse(is.na(r$page_size), "", page_size_label(r$page_size)),
    op = ifelse(is.na(r$op), "", r$op), io_size = fmt_num(r$io_size),
    qd = fmt_num(r$qd), threads = fmt_num(r$threads), param = case_param(r), ops = fmt_num(r$ops),
    p50_ns = fmt_num(r$p50_ns, 1), p99_ns = fmt_num(r$p99_ns, 1),
    p999_ns = fmt_num(r$p999_ns, 1), p9999_ns = fmt_num(r$p9999_ns, 1),
    iops = fmt_num(r$iops), stringsAsFactors = FALSE)
}

table_comparison <- function(cmp) {
  data.frame(
    host = ifelse(is.na(cmp$host), "", cmp$host), config = cmp$config, baseline = cmp$b_config,
    kind = cmp$kind, case = cmp$case, page_size = page_size_label(cmp$page_size),
    op = ifelse(is.na(cmp$op), "", cmp$op), io_size = fmt_num(cmp$io_size),
    qd = fmt_num(cmp$qd), threads = fmt_num(cmp$threads), param = case_param(cmp),
    p50_ratio = fmt_num(cmp$p50_ratio, 4), p50_lo = fmt_num(cmp$p50_lo, 4), p50_hi = fmt_num(cmp$p50_hi, 4),
    p99_ratio = fmt_num(cmp$p99_ratio, 4), p99_lo = fmt_num(cmp$p99_lo, 4), p99_hi = fmt_num(cmp$p99_hi, 4),
    ci = cmp$ci_method, stringsAsFactors = FALSE)
}

table_reach <- function(reach) {
  extra <- setdiff(names(reach), c(REACH_COLS, "noise_ns", "threshold_ns"))
  df <- data.frame(
    backend = reach$backend, page_size = page_size_label(reach$page_size),
    entries = fmt_num(reach$entries), footprint = ifelse(is.na(reach$entries), "",
      bytes_label(reach$entries * reach$page_size)),
    step_ns = fmt_num(reach$step_ns, 1), confidence = fmt_num(reach$confidence, 2),
    reason = reach$reason, stringsAsFactors = FALSE)
  for (e in extra) df[[e]] <- ifelse(is.na(reach[[e]]), "", as.character(reach[[e]]))
  df
}

# --- Markdown -------------------------------------------------------------

md_escape <- function(x) gsub("|", "\\|", x, fixed = TRUE)

write_table_md <- function(df, path, caption = NULL) {
  num <- vapply(df, function(col) all(grepl("^-?[0-9.]*$", col)), logical(1))
  head <- paste0("| ", paste(md_escape(names(df)), collapse = " | "), " |")
  rule <- paste0("|", paste(ifelse(num, "---:", ":---"), collapse = "|"), "|")
  body <- if (nrow(df)) apply(df, 1, function(row) paste0("| ", paste(md_escape(row), collapse = " | "), " |"))
          else character()
  lines <- c(if (!is.null(caption)) c(caption, ""), head, rule, body)
  writeLines(lines, path, useBytes = TRUE)
  invisible(path)
}

split_unescaped <- function(line, sep) {
  # Split on `sep` not preceded by a backslash.
  parts <- strsplit(line, paste0("(?<!\\\\)", sep), perl = TRUE)[[1]]
  trimws(parts)
}

read_table_md <- function(path) {
  lines <- readLines(path, encoding = "UTF-8")
  lines <- lines[startsWith(lines, "|")]
  if (length(lines) < 2) stop("no Markdown table in ", path)
  cells <- lapply(lines, function(l) {
    l <- sub("^\\|", "", sub("\\|\\s*$", "", l))
    gsub("\\|", "|", split_unescaped(l, "\\|"), fixed = TRUE)
  })
  hdr <- cells[[1]]
  rows <- cells[-(1:2)]
  if (!length(rows)) return(empty_df(hdr))
  m <- matrix(unlist(lapply(rows, function(r) c(r, rep("", length(hdr) - length(r))))),
              ncol = length(hdr), byrow = TRUE)
  df <- as.data.frame(m, stringsAsFactors = FALSE)
  names(df) <- hdr
  df
}

empty_df <- function(hdr) {
  df <- as.data.frame(matrix(character(), ncol = length(hdr)), stringsAsFactors = FALSE)
  names(df) <- hdr
  df
}

# --- LaTeX (booktabs) -----------------------------------------------------

TEX_SPECIALS <- c("\\" = "\\textbackslash{}", "&" = "\\&", "%" = "\\%", "$" = "\\$",
                  "#" = "\\#", "_" = "\\_", "{" = "\\{", "}" = "\\}",
                  "~" = "\\textasciitilde{}", "^" = "\\textasciicircum{}")

tex_escape <- function(x) {
  vapply(x, function(s) {
    ch <- strsplit(s, "")[[1]]
    hit <- ch %in% names(TEX_SPECIALS)
    ch[hit] <- TEX_SPECIALS[ch[hit]]
    paste(ch, collapse = "")
  }, character(1), USE.NAMES = FALSE)
}

tex_unescape <- function(x) {
  x <- gsub("\\textbackslash{}", "\u0001", x, fixed = TRUE)
  x <- gsub("\\textasciitilde{}", "~", x, fixed = TRUE)
  x <- gsub("\\textasciicircum{}", "^", x, fixed = TRUE)
  x <- gsub("\\\\([&%$#_{}])", "\\1", x)
  gsub("\u0001", "\\", x, fixed = TRUE)
}

write_table_tex <- function(df, path, caption = NULL, label = NULL) {
  num <- vapply(df, function(col) all(grepl("^-?[0-9.]*$", col)), logical(1))
  row_line <- function(v) paste0(paste(tex_escape(v), collapse = " & "), " \\\\")
  body <- if (nrow(df)) apply(df, 1, row_line) else character()
  lines <- c("% needs \\usepackage{booktabs}",
             "\\begin{table}[htbp]", "\\centering", "\\small",
             if (!is.null(caption)) paste0("\\caption{", tex_escape(caption), "}"),
             if (!is.null(label)) paste0("\\label{", label, "}"),
             paste0("\\begin{tabular}{", paste(ifelse(num, "r", "l"), collapse = ""), "}"),
             "\\toprule", row_line(names(df)), "\\midrule", body, "\\bottomrule",
             "\\end{tabular}", "\\end{table}")
  writeLines(lines, path, useBytes = TRUE)
  invisible(path)
}

read_table_tex <- function(path) {
  lines <- readLines(path, encoding = "UTF-8")
  top <- which(lines == "\\toprule"); mid <- which(lines == "\\midrule"); bot <- which(lines == "\\bottomrule")
  if (!length(top) || !length(mid) || !length(bot)) stop("no booktabs table in ", path)
  parse_row <- function(l) tex_unescape(split_unescaped(sub("\\s*\\\\\\\\\\s*$", "", l), "&"))
  hdr <- parse_row(lines[top + 1])
  body <- if (bot - mid > 1) lines[(mid + 1):(bot - 1)] else character()
  rows <- lapply(body, function(l) { r <- parse_row(l); c(r, rep("", length(hdr) - length(r))) })
  if (!length(rows)) return(empty_df(hdr))
  m <- matrix(unlist(rows), ncol = length(hdr), byrow = TRUE)
  df <- as.data.frame(m, stringsAsFactors = FALSE)
  names(df) <- hdr
  df
}

write_table_both <- function(df, out_dir, name, caption) {
  write_table_md(df, file.path(out_dir, paste0(name, ".md")), caption)
  write_table_tex(df, file.path(out_dir, paste0(name, ".tex")), caption, paste0("tab:", name))
  c(md = paste0(name, ".md"), tex = paste0(name, ".tex"))
}
