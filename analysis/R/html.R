# index.html: static, no scripts, styles inline; images and tables are
# referenced by relative file name (they sit beside index.html).

html_escape <- function(x) {
  x <- gsub("&", "&amp;", x, fixed = TRUE)
  x <- gsub("<", "&lt;", x, fixed = TRUE)
  x <- gsub(">", "&gt;", x, fixed = TRUE)
  gsub("\"", "&quot;", x, fixed = TRUE)
}

html_table <- function(df, max_rows = 500) {
  if (!nrow(df)) return("<p><em>empty</em></p>")
  shown <- utils::head(df, max_rows)
  num <- vapply(df, function(col) all(grepl("^-?[0-9.]*$", col)), logical(1))
  th <- paste0("<th>", html_escape(names(df)), "</th>", collapse = "")
  rows <- apply(shown, 1, function(r)
    paste0("<tr>", paste0("<td", ifelse(num, " class=\"n\"", ""), ">", html_escape(r), "</td>",
                          collapse = ""), "</tr>"))
  more <- if (nrow(df) > max_rows)
    sprintf("<p>First %d of %d rows; the full table is in the files linked above.</p>", max_rows, nrow(df)) else ""
  paste0("<div class=\"scroll\"><table><thead><tr>", th, "</tr></thead><tbody>",
         paste(rows, collapse = "\n"), "</tbody></table></div>", more)
}

# `suite` is the suite file the run came from (meta.json's "suite"); a field
# the run does not have (no preset outside emu, no meta.json) is left blank.
run_metadata_df <- function(runs) {
  blank <- function(x) ifelse(is.na(x), "", as.character(x))
  iommu <- ifelse(is.na(runs$iommu_type) & is.na(runs$iommu_mode), "",
                  paste(blank(runs$iommu_type), blank(runs$iommu_mode), sep = " / "))
  data.frame(run = blank(runs$run), host = blank(runs$host), kernel = blank(runs$kernel),
             cpu = blank(runs$cpu_model), iommu = iommu,
             backend = blank(runs$meta_backend), preset = blank(runs$preset),
             suite = blank(runs$suite_name), start = blank(runs$start_time),
             complete = ifelse(!runs$has_meta, "no meta.json", ifelse(isTRUE_vec(runs$complete), "yes", "NO (interrupted)")),
             dir = runs$dir, stringsAsFactors = FALSE)
}

isTRUE_vec <- function(x) !is.na(x) & x

HTML_STYLE <- "
body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}
h1{border-bottom:2px solid #444}h2{border-bottom:1px solid #aaa;margin-top:2em}
table{border-collapse:collapse;font-size:85%}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto;max-height:40em;overflow-y:auto}
img{max-width:100%;border:1px solid #ddd}.skip{color:#a33}.cap{color:#555;font-size:90%}
"

# single_file: the page is meant to stand alone (mailed, attached), so it
# links to nothing beside it: tables are shown in full instead of the first
# rows plus links to their Markdown and LaTeX files, and the PDF links give
# way to a note saying where those files were written.
write_index_html <- function(path, data, figs, tables, answers, reach_file, single_file = FALSE) {
  h <- character()
  add <- function(...) h <<- c(h, paste0(...))
  add("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
      "<title>iotlbench report</title><style>", HTML_STYLE, "</style></head><body>")
  add("<h1>iotlbench report</h1>")
  add("<p>", nrow(data$runs), " run(s), ", nrow(data$results), " cases. Generated ",
      html_escape(format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z")), ".</p>")
  inc <- data$runs[!isTRUE_vec(complete) & has_meta]
  if (nrow(inc)) add("<p class=\"skip\">Incomplete run(s): ", html_escape(paste(inc$run, collapse = ", ")),
                     " (interrupted; only finished cases are shown).</p>")
  if ("emulated" %in% names(data$runs) && any(data$runs$emulated))
    add("<p class=\"skip\">Emulated run(s): ", html_escape(paste(data$runs$run[data$runs$emulated], collapse = ", ")),
        " ran in a QEMU guest without hardware acceleration (", EMULATION_LABEL, "): every time they show is ",
        "emulation, inflated and noisy, not a hardware cost. Their series are marked [", EMULATION_LABEL, "].</p>")

  add("<h2>Answers</h2>")
  for (q in names(answers)) {
    add("<h3>", html_escape(q), "</h3><ul>")
    add(paste0("<li>", html_escape(answers[[q]]), "</li>", collapse = "\n"))
    add("</ul>")
  }

  add("<h2>Runs</h2>", html_table(run_metadata_df(data$runs)))

  add("<h2>Figures</h2>")
  for (f in figs) {
    add("<h3>", html_escape(f$title), "</h3>")
    if (!is.null(f$skipped)) {
      add("<p class=\"skip\">Not produced: ", html_escape(f$skipped), ".</p>")
    } else {
      add("<p><img src=\"", f$files[["png"]], "\" alt=\"", html_escape(f$title), "\"></p>",
          "<p class=\"cap\">", html_escape(f$caption),
          if (single_file) "" else paste0(" <a href=\"", f$files[["pdf"]], "\">PDF</a>"), "</p>")
    }
  }

  add("<h2>Tables</h2>")
  for (t in tables) {
    add("<h3>", html_escape(t$title), "</h3>")
    if (!is.null(t$skipped)) {
      add("<p class=\"skip\">Not produced: ", html_escape(t$skipped), ".</p>")
    } else if (single_file) {
      add(html_table(t$df, max_rows = Inf))
    } else {
      add("<p>Files: <a href=\"", t$files[["md"]], "\">Markdown</a>, <a href=\"", t$files[["tex"]],
          "\">LaTeX</a>", if (identical(t$title, "IOTLB reach") && !is.null(reach_file))
            paste0(", <a href=\"", reach_file, "\">", reach_file, "</a>") else "", "</p>")
      add(html_table(t$df))
    }
  }
  if (single_file)
    add("<p class=\"cap\">This page stands alone: figures are embedded and tables shown in full. ",
        "The figures' PDF versions, the tables as Markdown and LaTeX and iotlb_reach.csv were written ",
        "beside the original index.html (", html_escape(basename(normalizePath(dirname(path)))), "/).</p>")
  add("<h2>Method notes</h2><ul>",
      "<li>IOTLB reach: first significant, sustained step in the reuse sweep's median; see analysis/README.md.</li>",
      "<li>Ratio intervals: bootstrap over histogram counts when both cases have a latency histogram, delta method from results.csv percentiles otherwise (column ci).</li>",
      "</ul></body></html>")
  writeLines(h, path, useBytes = TRUE)
  invisible(path)
}

# The report as one file to mail: every <img src="NAME.png"> of index.html
# whose file sits beside it becomes a data: URI (write_index_html() with
# single_file = TRUE leaves no other reference to a file beside it).
inline_images <- function(path) {
  dir <- dirname(path)
  h <- readLines(path, warn = FALSE, encoding = "UTF-8")
  re <- "<img src=\"([^\"/:]+\\.png)\""
  for (i in grep(re, h)) {
    m <- regmatches(h[i], gregexpr(re, h[i]))[[1]]
    for (tag in m) {
      f <- file.path(dir, sub(re, "\\1", tag))
      if (!file.exists(f)) next
      uri <- paste0("data:image/png;base64,",
                    jsonlite::base64_enc(readBin(f, "raw", file.size(f))))
      h[i] <- sub(tag, paste0("<img src=\"", uri, "\""), h[i], fixed = TRUE)
    }
  }
  writeLines(h, path, useBytes = TRUE)
  invisible(path)
}
