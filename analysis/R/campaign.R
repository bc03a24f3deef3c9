# Campaign trees (README.md, Campaigns; campaign/): one directory
#   campaign-<id>/<host>/<config>/<run-id>/   a run directory per cell
#   campaign-<id>/campaign.json               revision, inventory digest, per-cell status
# The host a run belongs to is the inventory name the campaign filed it
# under, not meta.json's hostname: machines installed from one image, or the
# loopback hosts of the campaign test, share a hostname, and the boot
# configuration (kernel command-line additions) exists only in the path.

is_campaign_dir <- function(d) file.exists(file.path(d, "campaign.json"))

# The run directories of a campaign tree, three levels down; the
# controller's bookkeeping (.cells, .incoming, .partial-*) starts with a dot
# and is not matched.
campaign_run_dirs <- function(d) {
  sort(dirname(Sys.glob(file.path(d, "*", "*", "*", "results.csv"))))
}

# For a run directory inside a campaign tree: its campaign id, host (the
# inventory name) and boot configuration; NULL for a run outside one.
campaign_of <- function(dir) {
  run <- normalizePath(dir)
  config_dir <- dirname(run)
  host_dir <- dirname(config_dir)
  top <- dirname(host_dir)
  if (!is_campaign_dir(top)) return(NULL)
  list(campaign = sub("^campaign-", "", basename(top)), machine = basename(host_dir),
       boot_config = basename(config_dir))
}

# One warning per cell that campaign.json does not list as complete, so a
# report of a partial campaign says what it lacks.
campaign_warnings <- function(d) {
  path <- file.path(d, "campaign.json")
  cj <- tryCatch(jsonlite::fromJSON(path, simplifyVector = FALSE), error = function(e)
    stop_input(path, paste("not valid JSON:", one_line(strsplit(conditionMessage(e), "\n")[[1]][1])),
               "campaign.json is rewritten at the end of every campaign run: run the campaign again"))
  for (cell in cj$cells %||% list()) {
    if (identical(cell$status, "complete")) next
    warning(sprintf("campaign %s: %s %s %s/%s is %s: %s", cj$id %||% basename(d), cell$host %||% "?",
                    cell$config %||% "?", cell$suite %||% "?", cell$backend %||% "?",
                    cell$status %||% "missing", cell$reason %||% "no reason recorded"), call. = FALSE)
  }
  invisible(cj)
}

# The `host` label of campaign runs: the inventory host, and its boot
# configuration too when the loaded campaign runs have more than one, so
# that figures and the reach table (grouped by host) never pool two boot
# configurations of one machine.
campaign_host_labels <- function(runs) {
  camp <- !is.na(runs$machine)
  if (!any(camp)) return(runs)
  several <- length(unique(runs$boot_config[camp])) > 1
  runs[camp, host := if (several) paste0(machine, " (", boot_config, ")") else machine]
  runs
}
