# The run's reuse sweep beside a reference platform's (report --reference
# NAME): one of the pcie-bench window sweeps imported into
# datasets/reference/pciebench-* (scripts/import-pciebench.R). Both are drawn
# as the rise of the median over the series' own smallest footprint, so a
# 600 ns NIC read and an 8 us NVMe I/O share the page axis (one panel each,
# own y scale); each series keeps its own inferred reach. The caption says
# where the two sweeps differ.

# Where the reference datasets are: the checkout's datasets/reference, or
# the installed copy's reference/ beside analysis/ (scripts/install.sh).
reference_roots <- function() {
  a <- getOption("iotlb.analysis_dir", "analysis")
  c(file.path(a, "..", "datasets", "reference"), file.path(a, "..", "reference"))
}

available_references <- function(roots = reference_roots()) {
  d <- as.character(unlist(lapply(roots[dir.exists(roots)], function(r)
    list.dirs(r, full.names = TRUE, recursive = FALSE))))
  d <- d[grepl("^pciebench-", basename(d)) & file.exists(file.path(d, "results.csv"))]
  d[!duplicated(basename(d))]
}

# The reference's directory, or an error that lists the names to choose from.
reference_dir <- function(name, roots = reference_roots()) {
  avail <- available_references(roots)
  hit <- avail[basename(avail) == name]
  if (length(hit)) return(hit[1])
  if (!length(avail))
    stop(sprintf("--reference %s: no reference datasets found (looked in %s): run from a checkout, or install with 'make install'",
                 name, paste(roots, collapse = ", ")), call. = FALSE)
  stop(sprintf("--reference: unknown reference '%s'; available: %s", name,
               paste(sort(basename(avail)), collapse = ", ")), call. = FALSE)
}

# The IOMMU setting the reference ran under, from its name (README of
# datasets/reference: -off, -on = superpages allowed, -on-nosp =
# intel_iommu=on,sp_off, -remote = buffer on the other socket).
reference_setting <- function(run) {
  s <- if (grepl("-on-nosp$", run)) "IOMMU on, 4 KiB IOPTEs (sp_off)"
       else if (grepl("-on$", run)) "IOMMU on, superpages allowed"
       else if (grepl("-off$", run)) "IOMMU off"
       else "IOMMU setting unknown"
  if (grepl("-remote-", run)) s <- paste0(s, ", buffer on the remote socket")
  s
}

# Loads a reference by name with its own reach: list(data, reach, label).
load_reference <- function(name, roots = reference_roots()) {
  dir <- reference_dir(name, roots)
  d <- prepare_data(load_datasets(dir))
  reach <- infer_reach(reach_input(d), by = reach_groups(d$results))
  cpu <- trimws(gsub("\\s+", " ", gsub("Intel\\(R\\)|\\(R\\)|\\(TM\\)|CPU|@.*$", "", d$runs$cpu_model[1])))
  label <- sprintf("reference: %s, %s (pcie-bench, NFP-6000 64 B DMA reads)", cpu,
                   reference_setting(d$runs$run[1]))
  list(name = name, data = d, reach = reach, label = label)
}

# The reuse rows drawn, with `line` (legend entry), `who` and `rise_ns`.
reference_rows <- function(data, ref) {
  u <- data.table::copy(kind_rows(data, "reuse")[!is.na(pages) & !is.na(p50_ns)])
  if (nrow(u) == 0) return(NULL)
  if (!"order" %in% names(u)) u[, order := "cyclic"]
  # Every case parameter that varies stays in the entry (case_lines), and
  # page size and order are always named: never two cases in one series.
  # The host is always named (series carries it only when runs of several
  # hosts are loaded).
  host <- if ("host" %in% names(u)) u$host else rep(NA_character_, nrow(u))
  cl <- as.character(case_lines(u, shown = c("pages", "page_size", "order")))
  cl <- ifelse(is.na(host) | startsWith(cl, paste0(host, ": ")), cl, paste0(host, ": ", cl))
  # "this run" only when it is one: the panel and the entries say what
  # was loaded.
  mine <- if (length(unique(u$run)) > 1) "these runs" else "this run"
  u[, line := paste0(mine, ": ", cl, ", ",
                     page_label, " pages, ", ifelse(is.na(order), "cyclic", order), " order",
                     ifelse(backend == "emu", " [emulated controller and IOMMU model]", ""))]
  u[, who := mine]
  f <- data.table::copy(kind_rows(ref$data, "reuse")[!is.na(pages) & !is.na(p50_ns)])
  f[, line := paste0(ref$label, ", ", page_label, " pages, random order")]
  f[, who := "reference"]
  r <- rbind(u, f, fill = TRUE)
  r[, rise_ns := p50_ns - p50_ns[which.min(pages)], by = line]
  r[, who := factor(who, levels = c(mine, "reference"))]
  r[, line := factor(line, levels = unique(c(sort(unique(u$line)), unique(f$line))))]
  r
}

# What differs between the two sweeps, for the caption.
reference_notes <- function(r) {
  u <- r[who != "reference"]
  mine <- as.character(u$who[1])
  ord <- sort(unique(ifelse(is.na(u$order), "cyclic", u$order)))
  notes <- character()
  if ("cyclic" %in% ord)
    notes <- c(notes, paste(
      "Window-sweep semantics differ: pcie-bench reads uniformly random addresses in the window,",
      "so past the reach the miss fraction grows gradually (1 - N/W);", mine, "cycled over",
      if (mine == "this run") "its pages" else "their pages",
      "in order (`order = cyclic`), which misses on every I/O once past the reach of an LRU or FIFO",
      "IOTLB. Compare the reaches, not the shapes; rerun with `order = random` for like with like."))
  if ("random" %in% ord)
    notes <- c(notes, "Series in `order = random` draw pages uniformly like pcie-bench: their shapes compare.")
  if (any(!is.na(u$other_pages) & u$other_pages > 0))
    notes <- c(notes, paste(
      if (mine == "this run") "This run's" else "These runs'", "queue pages take IOTLB entries too (reach marks count data pages after them);",
      "pcie-bench's NIC keeps nothing in host memory."))
  if (any(u$backend == "emu"))
    notes <- c(notes, "`emu` series are the emulated controller and IOMMU model, not hardware.")
  if (any(u$emulated %in% TRUE))
    notes <- c(notes, paste0("Latencies marked [", EMULATION_LABEL, "] are emulation: compare where the ",
                             "rise starts, not its height."))
  notes
}

fig_reference <- function(data, reach, ref) {
  name <- "fig_reference_reuse"
  title <- sprintf("Reuse sweep against the reference %s", ref$name)
  r <- reference_rows(data, ref)
  if (is.null(r)) return(skip_figure(name, title, "no `reuse` cases in these datasets to set beside the reference"))
  ns <- n_series(r$line)
  p <- ggplot2::ggplot(r, ggplot2::aes(pages, rise_ns, colour = line, shape = line, linetype = line,
                                       group = line)) +
    ggplot2::geom_line() + ggplot2::geom_point(size = 2)
  m <- rbind(if (!is.null(reach) && nrow(reach)) reach_marks(r[who != "reference"], reach),
             if (nrow(ref$reach)) reach_marks(r[who == "reference"], ref$reach), fill = TRUE)
  if (!is.null(m) && nrow(m)) {
    m <- m[r[, .(who = who[1]), by = line], on = "line", nomatch = NULL]
    m[, slot := seq_len(.N), by = who]
    m[, label := sprintf("reach %s entries", format(entries, big.mark = ",", trim = TRUE))]
    # Every reach line crosses both panels, so the run's reach can be read
    # against the reference's; each label stays in its series' panel.
    p <- p + ggplot2::geom_vline(data = m[, !"who"], ggplot2::aes(xintercept = data_reach, colour = line),
                                 linetype = "dashed", linewidth = 0.4, show.legend = FALSE) +
      ggplot2::geom_label(data = m, ggplot2::aes(x = data_reach, y = Inf, label = label, colour = line,
                                                 vjust = 1.2 + 1.5 * (slot - 1)),
                          hjust = 1.05, size = 2.6, label.size = 0.15, inherit.aes = FALSE,
                          show.legend = FALSE)
  }
  p <- p + ggplot2::scale_x_continuous("distinct pages in use (IOTLB entries the data needs)", trans = "log2",
                                       breaks = breaks_pow2, labels = scales::label_number(big.mark = ",")) +
    ggplot2::scale_y_continuous("median latency above the series' smallest footprint", labels = label_ns) +
    # One panel each, on the same x axis: the run's latencies (microseconds,
    # or emulation) would flatten the reference's few hundred ns otherwise.
    ggplot2::facet_grid(who ~ ., scales = "free_y") +
    scale_series(ns, labels = r$line) + ggplot2::labs(title = title) + theme_iotlb()
  caption <- paste(c(
    paste("Each series' median latency minus its own median at its smallest footprint, so a NIC's",
          sprintf("64 B DMA read and an NVMe I/O share the page axis (top: %s, bottom: the reference);",
                  levels(r$who)[1]),
          "dashed: each series' inferred IOTLB reach, drawn across both panels",
          "(the reference's from the same inference on its published medians)."),
    reference_notes(r)), collapse = " ")
  fig <- figure(p, name, title, caption, height = 5 + legend_height(r$line))
  fig$data <- r
  fig$marks <- m
  fig
}
