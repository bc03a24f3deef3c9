# report --reference NAME (R/fig_reference.R): the run's reuse sweeps beside
# one imported pcie-bench sweep, both labelled, each with its own reach; an
# unknown name lists the available ones.

ref_roots_here <- file.path(normalizePath(file.path(analysis_root, "..")), "datasets", "reference")
emu_small <- file.path(ref_roots_here, "emu-small")

test_that("an unknown reference is an error that lists the available ones", {
  expect_error(reference_dir("pciebench-nosuch", ref_roots_here),
               "unknown reference 'pciebench-nosuch'; available: .*pciebench-hsw-e5-2620v3-on-nosp")
  expect_error(reference_dir("emu-small", ref_roots_here), "available: pciebench-")
  expect_error(reference_dir("pciebench-hsw-e5-2620v3-on", tempfile()), "no reference datasets found")
  # And the report leaves nothing behind.
  out <- file.path(tempdir(), "iotlb-ref-bad")
  unlink(out, recursive = TRUE)
  expect_error(build_report(emu_small, out, quiet = TRUE, reference = "pciebench-nosuch"), "available:")
  expect_false(dir.exists(out))
})

test_that("the reference figure has the run's series and the reference's, labelled, each with its reach", {
  ref <- load_reference("pciebench-ivb-e5-2620v2-on-nosp", ref_roots_here)
  d <- prepare_data(load_datasets(emu_small))
  reach <- infer_reach(reach_input(d), by = reach_groups(d$results))
  f <- fig_reference(d, reach, ref)
  expect_null(f$skipped)
  lines <- levels(f$data$line)
  run_lines <- grep("^this run: ", lines, value = TRUE)
  ref_lines <- grep("^reference: ", lines, value = TRUE)
  # emu-small sweeps 4 KiB and 2 MiB pages: two series, never merged.
  expect_length(run_lines, 2)
  expect_true(any(grepl("4 KiB pages, cyclic order", run_lines)))
  expect_true(any(grepl("2 MiB pages, cyclic order", run_lines)))
  expect_true(all(grepl("vm: emu/intel-e5-2660v2", run_lines)))
  expect_true(all(grepl("emulated controller and IOMMU model", run_lines)))
  expect_length(ref_lines, 1)
  expect_match(ref_lines, "Xeon E5-2620 v2, IOMMU on, 4 KiB IOPTEs \\(sp_off\\) \\(pcie-bench")
  expect_match(ref_lines, "random order")
  expect_equal(nrow(f$data[, .N, by = .(line, pages)][N > 1]), 0)
  # Each series' rise starts at 0 at its smallest footprint.
  expect_true(all(f$data[, rise_ns[which.min(pages)], by = line]$V1 == 0))
  # The reference's reach is its own inference, the run's its own.
  expect_equal(f$marks[who == "reference", entries], ref$reach$entries[!is.na(ref$reach$entries)])
  expect_true(all(f$marks[who == "this run", entries] %in% reach$entries))
  expect_match(f$caption, "Window-sweep semantics differ")
  expect_match(f$caption, "order = cyclic")
})

test_that("several runs are 'these runs', one run is 'this run'", {
  ref <- load_reference("pciebench-ivb-e5-2620v2-on-nosp", ref_roots_here)
  emu_nommu <- file.path(ref_roots_here, "emu-small-nommu")
  d <- prepare_data(load_datasets(c(emu_small, emu_nommu)))
  f <- fig_reference(d, NULL, ref)
  expect_null(f$skipped)
  expect_equal(levels(f$data$who), c("these runs", "reference"))
  expect_length(grep("^this run", levels(f$data$line)), 0)
  expect_gt(length(grep("^these runs: ", levels(f$data$line))), 2)
  expect_match(f$caption, "top: these runs, bottom: the reference")
  expect_false(grepl("this run", f$caption, fixed = TRUE))
  one <- fig_reference(prepare_data(load_datasets(emu_small)), NULL, ref)
  expect_match(one$caption, "top: this run, bottom")
})

test_that("a run in random order is said to compare in shape; no reuse cases is a skip", {
  ref <- load_reference("pciebench-snb-e5-2630-on", ref_roots_here)
  d <- prepare_data(load_datasets(emu_small))
  d$results[kind == "reuse", order := "random"]
  f <- fig_reference(d, NULL, ref)
  expect_false(grepl("semantics differ", f$caption))
  expect_match(f$caption, "draw pages uniformly like pcie-bench")
  expect_true(all(grepl("random order", levels(f$data$line))))
  expect_match(ref$label, "IOMMU on, superpages allowed")
  d$results <- d$results[kind != "reuse"]
  expect_match(fig_reference(d, NULL, ref)$skipped, "no `reuse` cases")
})
