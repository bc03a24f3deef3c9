# Campaign trees (analysis/R/campaign.R): campaign-<id>/<host>/<config>/<run-id>/
# with campaign.json. The runs below all call themselves "same-box" and use
# one preset, so only the campaign path can tell the hosts apart.

make_campaign <- function(name, cells, failed = list()) {
  top <- file.path(tempdir(), name)
  unlink(top, recursive = TRUE)
  dir.create(top, recursive = TRUE)
  status <- list()
  for (i in seq_along(cells)) {
    c <- cells[[i]]
    run_id <- sprintf("2025010%d-000000-quick-emu", i)
    make_synthetic_dataset(file.path(top, c$host, c$config, run_id),
                           synth_spec(run_id = run_id, hostname = "same-box", ops = 3000,
                                      kinds = "reuse", page_sizes = 4096, seed = 300 + i,
                                      entries = c(`4096` = c$entries)))
    status[[length(status) + 1]] <- list(host = c$host, config = c$config, suite = "quick",
                                         backend = "emu", status = "complete",
                                         path = file.path(c$host, c$config, run_id))
  }
  status <- c(status, failed)
  jsonlite::write_json(list(id = name, revision = "0123456789ab", cells = status),
                       file.path(top, "campaign.json"), auto_unbox = TRUE, pretty = TRUE)
  top
}

# The largest swept page count that still fits an IOTLB of `entries`.
fits <- function(entries, pages = c(2^(0:9), 768)) max(pages[pages <= entries])

test_that("a campaign tree loads with the inventory host, not meta.json's hostname", {
  top <- make_campaign("campaign-hosts", list(
    list(host = "xeon", config = "default", entries = 32),
    list(host = "epyc", config = "default", entries = 128)))
  d <- load_datasets(top)
  expect_setequal(d$runs$host, c("xeon", "epyc"))
  expect_equal(unique(d$runs$hostname), "same-box")
  expect_equal(unique(d$runs$campaign), "hosts")  # the directory is campaign-<id>
  expect_setequal(unique(d$results$host), c("xeon", "epyc"))
  # Each host's reach from its own sweep: pooled, the two steps would blur.
  reach <- infer_reach(reach_input(d), by = reach_groups(d$results))
  expect_equal(nrow(reach), 2)
  expect_equal(reach[host == "xeon"]$entries, fits(32))
  expect_equal(reach[host == "epyc"]$entries, fits(128))
  # Figure legends name the host.
  expect_true(all(startsWith(d$results$series, paste0(d$results$host, ": "))))
})

test_that("several boot configurations of one host are labelled and never pooled", {
  top <- make_campaign("campaign-configs", list(
    list(host = "xeon", config = "strict", entries = 32),
    list(host = "xeon", config = "pt", entries = 256)))
  d <- load_datasets(top)
  expect_setequal(d$runs$host, c("xeon (strict)", "xeon (pt)"))
  expect_setequal(d$runs$boot_config, c("strict", "pt"))
  expect_equal(unique(d$runs$machine), "xeon")
  reach <- infer_reach(reach_input(d), by = reach_groups(d$results))
  expect_equal(reach[host == "xeon (strict)"]$entries, fits(32))
  expect_equal(reach[host == "xeon (pt)"]$entries, fits(256))
})

test_that("cells campaign.json lists as failed are warned about, and a run outside a campaign keeps its hostname", {
  top <- make_campaign("campaign-failed", list(list(host = "xeon", config = "default", entries = 32)),
                       failed = list(list(host = "epyc", config = "default", suite = "quick",
                                          backend = "emu", status = "failed",
                                          reason = "host unreachable (ssh to 10.0.0.2 failed) during prepare")))
  expect_warning(d <- load_datasets(top), "epyc default quick/emu is failed: host unreachable")
  expect_equal(d$runs$host, "xeon")
  run <- campaign_run_dirs(top)
  expect_length(run, 1)
  alone <- copy_run(run, "outside-campaign")
  d2 <- load_datasets(alone)
  expect_equal(d2$runs$host, "same-box")
  expect_true(is.na(d2$runs$boot_config))
})

test_that("a campaign directory without runs is an input error that says what to do", {
  top <- make_campaign("campaign-empty", list(),
                       failed = list(list(host = "epyc", config = "default", suite = "quick",
                                          backend = "emu", status = "failed", reason = "refused")))
  expect_error(suppressWarnings(load_datasets(top)), "campaign directory without any run.*run the campaign again")
})
