# The answers of one run in a few lines and in summary.json (what `iotlbench
# run` prints at its end): per page size the IOTLB reach and miss cost from
# the report's own inference, map/unmap cost, p50/p99 per kind, and the
# skipped and failed cases with their reasons. The same functions as the
# report compute them, so the two never disagree.

# One run directory's summary as a list (the JSON's shape).
run_summary <- function(dir) {
  data <- prepare_data(load_datasets(dir))
  meta <- read_meta(dir)
  r <- data$results
  # One inference per sweep (suite section), as in the report; the scalar
  # reach fields of a page size are filled when one sweep measured it, and
  # `reach_sweeps` lists every sweep.
  reach <- infer_reach(reach_input(data), by = reach_groups(r))
  per_page <- lapply(sort(unique(r$page_size)), function(ps) {
    all <- reach[page_size == ps]
    rr <- if (nrow(all) == 1) all else all[0]
    m <- r[kind == "map" & page_size == ps & !is.na(p50_ns)]
    list(page_size = ps,
         reach_entries = if (nrow(rr) && !is.na(rr$entries[1])) rr$entries[1] else NULL,
         reach_entries_lo = if (nrow(rr) && !is.na(rr$entries[1]) && "entries_lo" %in% names(rr)) rr$entries_lo[1] else NULL,
         reach_entries_hi = if (nrow(rr) && !is.na(rr$entries[1]) && "entries_hi" %in% names(rr)) rr$entries_hi[1] else NULL,
         miss_cost_ns = if (nrow(rr) && !is.na(rr$entries[1])) round(rr$step_ns[1], 1) else NULL,
         reach_confidence = if (nrow(rr) && !is.na(rr$entries[1])) round(rr$confidence[1], 2) else NULL,
         reach_note = if (nrow(rr)) rr$reason[1] else if (nrow(all)) sprintf("%d sweeps: see reach_sweeps", nrow(all))
                      else "no reuse cases",
         reach_sweeps = lapply(seq_len(nrow(all)), function(i)
           list(section = if ("section" %in% names(all)) all$section[i] else NULL,
                entries = if (is.na(all$entries[i])) NULL else all$entries[i],
                miss_cost_ns = if (is.na(all$entries[i])) NULL else round(all$step_ns[i], 1),
                confidence = if (is.na(all$entries[i])) NULL else round(all$confidence[i], 2),
                note = all$reason[i])),
         map_p50_ns = if (nrow(m[op == "map"])) stats::median(m[op == "map", p50_ns]) else NULL,
         unmap_p50_ns = if (nrow(m[op == "unmap"])) stats::median(m[op == "unmap", p50_ns]) else NULL)
  })
  kinds <- r[!is.na(p50_ns), .(cases = .N, p50_min_ns = min(p50_ns), p50_max_ns = max(p50_ns),
                               p99_max_ns = max(p99_ns, na.rm = TRUE)),
             by = .(kind, page_size, op)][order(kind, page_size, op)]
  problems <- function(key) {
    x <- meta[[key]] %||% list()
    lapply(x, function(p) list(case = p$case, reason = p$reason))
  }
  list(run_id = meta$run_id %||% basename(dir), dataset = normalizePath(dir),
       backend = meta$backend %||% NA, preset = meta$preset %||% NULL,
       emulated = isTRUE(any(data$runs$emulated)),
       complete = isTRUE(meta$complete), cases = length(meta$grid %||% list()),
       page_sizes = per_page, kinds = kinds,
       skipped_cases = problems("skipped_cases"), failed_cases = problems("failed_cases"),
       note = "reach and miss cost come from the reuse cases' medians (analysis/R/reach.R); see the report for figures and intervals")
}

write_summary_json <- function(s, path) {
  writeLines(jsonlite::toJSON(s, auto_unbox = TRUE, null = "null", na = "null",
                              dataframe = "rows", pretty = TRUE, digits = NA), path)
  invisible(path)
}

# The lines `iotlbench run` prints.
format_summary <- function(s) {
  lines <- sprintf("summary of %s (%s%s):", s$run_id, s$backend,
                   if (is.null(s$preset)) "" else paste0(", preset ", s$preset))
  if (isTRUE(s$emulated))
    lines <- c(lines, sprintf("  %s (CPU model says TCG): every time below is emulation, not hardware cost", EMULATION_LABEL))
  for (p in s$page_sizes) {
    reach <- if (length(p$reach_sweeps) > 1)
      paste(vapply(p$reach_sweeps, function(w) sprintf("[%s] %s", w$section %||% "?",
        if (is.null(w$entries)) "no IOTLB limit found"
        else sprintf("reach %s pages, miss +%.0f ns (confidence %.2f)", format(w$entries, big.mark = ","),
                     w$miss_cost_ns, w$confidence)), ""), collapse = "; ")
    else if (is.null(p$reach_entries)) sprintf("no IOTLB limit found (%s)", p$reach_note)
             else sprintf("IOTLB reach %s entries%s, miss +%.0f ns (confidence %.2f)",
                          format(p$reach_entries, big.mark = ","),
                          if (!is.null(p$reach_entries_lo) && (p$reach_entries_lo != p$reach_entries ||
                                                                p$reach_entries_hi != p$reach_entries))
                            sprintf(" [%s, %s]", p$reach_entries_lo, p$reach_entries_hi) else "",
                          p$miss_cost_ns, p$reach_confidence)
    cost <- if (is.null(p$map_p50_ns)) "" else
      sprintf("; map %s / unmap %s (median p50 over map sizes)", fmt_ns(p$map_p50_ns), fmt_ns(p$unmap_p50_ns))
    lines <- c(lines, sprintf("  %s pages: %s%s", page_size_label(p$page_size), reach, cost))
  }
  k <- s$kinds
  if (nrow(k)) lines <- c(lines, sprintf("  %s (%s), %s pages: p50 %s to %s, p99 up to %s (%d case%s)",
                                         k$kind, k$op, page_size_label(k$page_size), fmt_ns(k$p50_min_ns),
                                         fmt_ns(k$p50_max_ns), fmt_ns(k$p99_max_ns), k$cases,
                                         ifelse(k$cases == 1, "", "s")))
  for (what in c("skipped_cases", "failed_cases"))
    for (p in s[[what]]) lines <- c(lines, sprintf("  %s %s: %s", sub("_cases", "", what), p$case, p$reason))
  c(lines, sprintf("  dataset %s; report: iotlbench report %s (or Rscript analysis/report.R)",
                   s$dataset, s$dataset))
}
