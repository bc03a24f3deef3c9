# One look for every figure. Series are told apart by colour AND shape AND
# line type, so a greyscale print stays readable.

# Okabe-Ito: distinguishable with the common colour-vision deficiencies and
# of differing lightness, so greys differ too.
SERIES_COLOURS <- c("#000000", "#E69F00", "#0072B2", "#009E73", "#D55E00",
                    "#CC79A7", "#56B4E9", "#F0E442")
SERIES_SHAPES <- c(16, 17, 15, 1, 2, 0, 18, 4)
SERIES_LINETYPES <- c("solid", "dashed", "dotted", "dotdash", "longdash",
                      "twodash", "F2", "4212")

theme_iotlb <- function(base_size = 10) {
  ggplot2::theme_bw(base_size = base_size) +
    ggplot2::theme(
      legend.position = "bottom",
      legend.box = "vertical",
      legend.key.width = grid::unit(2.2, "lines"),
      # Horizontal legends otherwise run a label into the next key.
      legend.text = ggplot2::element_text(margin = ggplot2::margin(r = 12, unit = "pt")),
      panel.grid.minor = ggplot2::element_blank(),
      strip.background = ggplot2::element_rect(fill = "grey92"),
      plot.title = ggplot2::element_text(face = "bold"),
      plot.caption = ggplot2::element_text(hjust = 0, colour = "grey30"))
}

# Beyond eight series the colours repeat, but each repeat is shifted against
# the shapes and line types, so up to 64 series keep distinct (colour, shape)
# and (colour, line type) pairs.
pick <- function(pal, n, shift = 0) {
  i <- seq_len(max(n, 1)) - 1
  pal[(i + shift * (i %/% length(pal))) %% length(pal) + 1]
}

# labels: the legend entries. The legend goes in as many columns as fit the
# figure's width (a 7.5 in figure holds ~110 characters of 10 pt legend text
# with the keys), so no entry is cut off at the figure's edge: long ones
# (case series with their parameters) one per row, several short ones in
# rows of a few.
scale_series <- function(n, name = NULL, lines = TRUE, labels = NULL) {
  k <- legend_cols(labels)
  g <- if (is.na(k)) "legend" else ggplot2::guide_legend(ncol = k, byrow = TRUE)
  s <- list(
    ggplot2::scale_colour_manual(name = name, values = pick(SERIES_COLOURS, n), guide = g),
    ggplot2::scale_shape_manual(name = name, values = pick(SERIES_SHAPES, n, 1), guide = g))
  if (lines)
    s <- c(s, list(ggplot2::scale_linetype_manual(name = name, values = pick(SERIES_LINETYPES, n, 1),
                                                  guide = g)))
  s
}
LEGEND_CHARS <- 110
LEGEND_KEY_CHARS <- 7 # a key and the gap after its text, in characters
# Columns for the legend's entries, NA when they fit in one row.
legend_cols <- function(labels) {
  u <- unique(as.character(labels))
  if (length(u) <= 1) return(NA_integer_)
  w <- nchar(u) + LEGEND_KEY_CHARS
  if (sum(w) <= LEGEND_CHARS) return(NA_integer_)
  as.integer(max(1, min(length(u), floor(LEGEND_CHARS / max(w)))))
}
# Extra figure height for a legend of several rows.
legend_height <- function(labels) {
  k <- legend_cols(labels)
  if (is.na(k)) 0 else 0.2 * ceiling(length(unique(as.character(labels))) / k)
}

scale_x_bytes <- function(name, log2 = TRUE) {
  ggplot2::scale_x_continuous(name, trans = if (log2) "log2" else "identity",
                              breaks = if (log2) breaks_pow2 else ggplot2::waiver(),
                              labels = bytes_label)
}

# Axis labels in the unit that fits, three significant digits at most.
label_ns <- function(x) {
  u <- ifelse(abs(x) >= 1e6, 1e6, ifelse(abs(x) >= 1e3, 1e3, 1))
  ifelse(is.na(x), NA_character_,
         paste(format_sig(x / u), c(`1` = "ns", `1000` = "\u00b5s", `1e+06` = "ms")[as.character(u)]))
}
format_sig <- function(v) vapply(v, function(z) format(signif(z, 3), trim = TRUE, scientific = FALSE),
                                 character(1))

# Powers of two for page-count axes, thinned to at most ~8 ticks.
breaks_pow2 <- function(lim) {
  e <- seq(floor(log2(lim[1])), ceiling(log2(lim[2])))
  step <- max(1, ceiling(length(e) / 8))
  2^e[seq(1, length(e), by = step)]
}

# Figures are written as PNG (cairo: no X server needed) and PDF (cairo_pdf,
# which also embeds the µ sign). The plot is built into a grob once and drawn
# on both devices: building, not drawing, is most of a ggplot's cost.
# Returns the file names written.
save_figure <- function(plot, out_dir, name, width = 7.5, height = 5) {
  png_path <- file.path(out_dir, paste0(name, ".png"))
  pdf_path <- file.path(out_dir, paste0(name, ".pdf"))
  # Build with the PNG device open: building measures text, and with no device
  # open R would start its default one (an Rplots.pdf in the working dir).
  grDevices::png(png_path, width = width, height = height, units = "in", res = 110, type = "cairo")
  g <- tryCatch(ggplot2::ggplotGrob(plot), error = function(e) { grDevices::dev.off(); stop(e) })
  grid::grid.newpage(); grid::grid.draw(g)
  grDevices::dev.off()
  grDevices::cairo_pdf(pdf_path, width = width, height = height)
  grid::grid.newpage(); grid::grid.draw(g)
  grDevices::dev.off()
  c(png = basename(png_path), pdf = basename(pdf_path))
}
