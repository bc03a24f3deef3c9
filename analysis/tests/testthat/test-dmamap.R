# The kernel's dma_map_benchmark rows (kind dmamap, backend dma-api): a mean
# and a stddev per operation and nothing else. They load with their empty
# percentile columns, get their own table labelled as the kernel's
# benchmark, one row per IOMMU mode (the function's own group's, from
# meta.json device_iommu), guest runs labelled as emulation; the percentile
# summary keeps them empty instead of inventing numbers.

dmamap_run <- function(name, mode, type, cpu, map_100ns, unmap_100ns, host_mode = "strict") {
  dir <- file.path(tempdir(), "dmamap-fixtures", name)
  unlink(dir, recursive = TRUE)
  dir.create(dir, recursive = TRUE)
  hdr <- paste0("case,kind,backend,page_size,op,io_size,qd,threads,pages,map_size,mappings,churn,ops,",
                "mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,p9999_ns,max_ns,iops,mem_bytes,order,",
                "other_pages,other_page_size,search,verdict,stddev_ns,dma_dir,dma_trans_ns")
  row <- function(id, op, size, mean, sd)
    sprintf("%s,dmamap,dma-api,4096,%s,,,2,,%d,,,,%.1f,,,,,,,,,,,,,,%.1f,to_device,100", id, op,
            size, mean, sd)
  writeLines(c(hdr,
               row("dmamap-0001-map", "map", 4096, map_100ns[1] * 100, 300),
               row("dmamap-0001-unmap", "unmap", 4096, unmap_100ns[1] * 100, 400),
               row("dmamap-0002-map", "map", 65536, map_100ns[2] * 100, 500),
               row("dmamap-0002-unmap", "unmap", 65536, unmap_100ns[2] * 100, 600)),
             file.path(dir, "results.csv"))
  meta <- list(run_id = paste0("20261129-000000-dmamap-dma-api-", name), suite = "dmamap",
               backend = "dma-api", complete = TRUE,
               host = list(hostname = "guest", cpu_model = cpu, iommu_mode = host_mode),
               device_iommu = list(bdf = "0000:00:10.0", group = 2, type = type, mode = mode))
  jsonlite::write_json(meta, file.path(dir, "meta.json"), auto_unbox = TRUE)
  dir
}

dmamap_fixture <- function() {
  c(dmamap_run("lazy", "lazy", "DMA-FQ", "QEMU TCG CPU version 2.5+", c(21, 30), c(9, 11)),
    # The host default says strict; the function's group is identity.
    dmamap_run("pt", "passthrough", "identity", "QEMU TCG CPU version 2.5+", c(1, 2), c(0, 1)),
    dmamap_run("strict", "strict", "DMA", "Intel(R) Xeon(R) CPU E5-2660 v2", c(20, 31), c(60, 71)))
}

test_that("dmamap rows load with the kernel's mean and stddev and no percentiles", {
  d <- prepare_data(load_datasets(dmamap_fixture()))
  r <- d$results[kind == "dmamap"]
  expect_equal(nrow(r), 12)
  expect_true(all(is.na(r$p50_ns) & is.na(r$p99_ns) & is.na(r$max_ns) & is.na(r$ops)))
  expect_equal(sort(unique(r$stddev_ns)), c(300, 400, 500, 600))
  expect_equal(r[run == r$run[grepl("strict", r$run)][1] & case == "dmamap-0001-unmap", mean_ns], 6000)
  s <- table_summary(d)
  expect_true(all(s$p50_ns[s$kind == "dmamap"] == ""))
})

test_that("the dmamap table has one row per mode and operation, labelled and ordered", {
  d <- prepare_data(load_datasets(dmamap_fixture()))
  t <- table_dmamap(d)
  expect_equal(nrow(t), 12)
  expect_true(all(t$source == "kernel dma_map_benchmark"))
  # Mode from the function's own group, not the host default; strict first.
  expect_equal(unique(t$iommu_mode), c("strict", "lazy", "passthrough"))
  expect_equal(t$op[1:4], c("map", "unmap", "map", "unmap"))
  expect_equal(t$granule_pages[1:4], c("1", "1", "16", "16"))
  expect_equal(t$mean_ns[t$iommu_mode == "lazy"], c("2100", "900", "3000", "1100"))
  expect_equal(t$stddev_ns[1:2], c("300", "400"))
  expect_equal(unique(t$dir), "to_device")
  expect_equal(unique(t$threads), "2")
  # Guest runs carry the emulation label, the hardware run does not.
  emu <- grepl(EMULATION_LABEL, t$config, fixed = TRUE)
  expect_equal(emu, t$iommu_mode != "strict")
  expect_true(all(startsWith(t$config, paste0("dma-api (", t$iommu_mode, ")"))))
  expect_null(table_dmamap(prepare_data(load_datasets(fixture_intel()$dir))))
})

test_that("the report shows the dmamap table with its means-only caption", {
  out <- file.path(tempdir(), "dmamap-report")
  unlink(out, recursive = TRUE)
  build_report(dmamap_fixture(), out, quiet = TRUE)
  md <- readLines(file.path(out, "table_dmamap.md"))
  expect_true(any(grepl("mean and standard deviation only", md, fixed = TRUE)))
  expect_true(any(grepl("no percentiles", md, fixed = TRUE)))
  html <- paste(readLines(file.path(out, "index.html")), collapse = "\n")
  expect_true(grepl(DMAMAP_TITLE, html, fixed = TRUE) ||
              grepl(html_escape(DMAMAP_TITLE), html, fixed = TRUE))
  expect_true(grepl("dma-api (lazy) [QEMU TCG emulation]", html, fixed = TRUE))
})
