/* The emulated controller behind the IOMMU model, driven by the real
 * driver: latency follows the modelled IOTLB, faults become NVMe errors
 * and leave memory untouched, counters come out of a run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers.h"
#include "driver/iommu/iommu.h"
#include "driver/util/clock.h"

/* An 8-entry LRU IOTLB whose miss costs 20 us: far above the noise of a
 * shared machine, so one miss per I/O shows in the median. */
static const char *presets = "[tiny]\n"
			     "entries = 8\n"
			     "replacement = lru\n"
			     "pwc = 4,4,4\n"
			     "miss_ns = 20000\n"
			     "walk_read_ns = 0\n"
			     "[big]\n"
			     "entries = 1024\n"
			     "replacement = lru\n"
			     "miss_ns = 20000\n";

static char preset_path[64];

static int write_presets(void **state)
{
	(void)state;
	snprintf(preset_path, sizeof(preset_path), "/tmp/iotlb-test-presets-%d.ini", getpid());
	FILE *f = fopen(preset_path, "w");
	if (!f)
		return -1;
	fputs(presets, f);
	fclose(f);
	return 0;
}

static int remove_presets(void **state)
{
	(void)state;
	unlink(preset_path);
	return 0;
}

static void open_with(struct fixture *f, const char *preset, const char *emu_opts)
{
	memset(f, 0, sizeof(*f));
	struct backend_cfg cfg = {
	    .emu_opts = emu_opts, .preset = preset, .preset_file = preset_path};
	assert_ok(backend_open("emu", &cfg, &f->be, &f->e), &f->e);
	f->emu = backend_emu_device(f->be);
	assert_ok(nvme_ctrl_open(&f->be->dev, NULL, &f->c, &f->e), &f->e);
	f->ns = nvme_ctrl_ns(f->c, 1);
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median latency of 512-byte reads cycling over `pages` distinct pages. */
static uint64_t reuse_median(struct fixture *f, struct nvme_queue *q, struct dma_buf *b,
			     unsigned pages, unsigned ios)
{
	uint64_t *lat = calloc(ios, sizeof(*lat));
	for (unsigned i = 0; i < ios + pages; i++) {
		uint64_t t0 = clock_now_ns();
		assert_ok(nvme_io_sync(q, nvme_cmd_read, f->ns, 0, b, (size_t)(i % pages) * 4096,
				       512, NULL, &f->e),
			  &f->e);
		if (i >= pages) /* the first pass only warms up */
			lat[i - pages] = clock_now_ns() - t0;
	}
	qsort(lat, ios, sizeof(*lat), cmp);
	uint64_t m = lat[ios / 2];
	free(lat);
	return m;
}

static void latency_follows_iotlb(void **state)
{
	(void)state;
	struct fixture f;
	open_with(&f, "tiny", "mode=inline,base_ns=0,bw=0");
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 2, &q, &f.e), &f.e);
	struct dma_buf b;
	assert_ok(
	    backend_dma_alloc(f.be, 64 * 4096, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &f.e),
	    &f.e);
	struct iommu *m = backend_emu_model(f.be);
	/* 4 data pages + SQ + CQ fit in 8 entries: no misses after warm-up. */
	uint64_t fit = reuse_median(&f, q, &b, 4, 200);
	uint64_t miss_before = m->ctr.iotlb_miss;
	(void)reuse_median(&f, q, &b, 4, 200);
	assert_int_equal(m->ctr.iotlb_miss, miss_before);
	/* 32 pages cycled through an 8-entry LRU IOTLB: every data access
	 * misses, so each I/O pays one 20 us miss. */
	uint64_t over = reuse_median(&f, q, &b, 32, 200);
	printf("median fit %llu ns, over %llu ns\n", (unsigned long long)fit,
	       (unsigned long long)over);
	assert_true(over >= fit + 20000);
	assert_true(over < fit + 2 * 20000 + 15000);
	backend_dma_free(f.be, &b);
	fixture_close(&f);
}

static void read_into_readonly_buffer_faults(void **state)
{
	(void)state;
	struct fixture f;
	open_with(&f, "big", "base_ns=0,bw=0");
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 4, &q, &f.e), &f.e);
	/* Device may only read this buffer: a Read command writes it. */
	struct dma_buf ro;
	assert_ok(backend_dma_alloc(f.be, 8192, MEM_4K, DMA_PROT_READ, &ro, &f.e), &f.e);
	memset(ro.va, 0x5a, 8192);
	uint32_t status = 0;
	assert_int_equal(nvme_io_sync(q, nvme_cmd_read, f.ns, 0, &ro, 0, 8192, &status, &f.e),
			 -EIO);
	assert_int_equal(status & 0x7ff, NVME_SC_DATA_XFER_ERROR);
	for (int i = 0; i < 8192; i++)
		assert_int_equal(ro.va[i], 0x5a);
	struct iommu *m = backend_emu_model(f.be);
	assert_true(m->ctr.faults >= 1);
	struct iommu_fault *fl = &m->faults[0];
	assert_int_equal(fl->iova, ro.iova);
	assert_int_equal(fl->write, 1);
	assert_int_equal(fl->reason, FAULT_WRITE_DENIED);
	/* A Write (device reads) from it is fine. */
	assert_ok(nvme_io_sync(q, nvme_cmd_write, f.ns, 0, &ro, 0, 8192, NULL, &f.e), &f.e);
	backend_dma_free(f.be, &ro);
	fixture_close(&f);
}

static void unmapped_buffer_faults(void **state)
{
	(void)state;
	struct fixture f;
	open_with(&f, "big", "base_ns=0,bw=0");
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 4, &q, &f.e), &f.e);
	struct dma_buf b;
	assert_ok(backend_dma_alloc(f.be, 4096, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &f.e),
		  &f.e);
	memset(b.va, 0x11, 4096);
	/* Unmapped, but the driver still holds its old IOVA: a use-after-
	 * unmap that the IOMMU must stop. */
	struct dma_buf stale = b;
	assert_ok(backend_unmap(f.be, &b, &f.e), &f.e);
	uint32_t status = 0;
	assert_int_equal(nvme_io_sync(q, nvme_cmd_read, f.ns, 0, &stale, 0, 4096, &status, &f.e),
			 -EIO);
	assert_int_equal(status & 0x7ff, NVME_SC_DATA_XFER_ERROR);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(b.va[i], 0x11);
	assert_int_equal(backend_emu_model(f.be)->faults[0].reason, FAULT_NOT_PRESENT);
	backend_mem_free(f.be, &b);
	/* The queue is still usable. */
	struct dma_buf ok;
	assert_ok(backend_dma_alloc(f.be, 4096, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &ok, &f.e),
		  &f.e);
	assert_ok(nvme_io_sync(q, nvme_cmd_read, f.ns, 0, &ok, 0, 4096, NULL, &f.e), &f.e);
	backend_dma_free(f.be, &ok);
	fixture_close(&f);
}

static void every_shipped_preset_runs(void **state)
{
	(void)state;
	const char *names[] = {"intel-e5-2660v2", "amd-epyc-7713", "qemu-vtd", "ideal", "none"};
	for (unsigned i = 0; i < 5; i++) {
		struct fixture f;
		memset(&f, 0, sizeof(f));
		struct backend_cfg cfg = {.emu_opts = "base_ns=0,bw=0", .preset = names[i]};
		assert_ok(backend_open("emu", &cfg, &f.be, &f.e), &f.e);
		f.emu = backend_emu_device(f.be);
		assert_ok(nvme_ctrl_open(&f.be->dev, NULL, &f.c, &f.e), &f.e);
		f.ns = nvme_ctrl_ns(f.c, 1);
		struct nvme_queue *q;
		assert_ok(nvme_ctrl_create_queue(f.c, 8, &q, &f.e), &f.e);
		struct dma_buf b;
		assert_ok(backend_dma_alloc(f.be, 1 << 20, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE,
					    &b, &f.e),
			  &f.e);
		for (int k = 0; k < 64; k++) {
			fill_pattern(b.va + k * 4096, 4096, k);
			assert_ok(nvme_io_sync(q, nvme_cmd_write, f.ns, k * 8, &b, k * 4096, 4096,
					       NULL, &f.e),
				  &f.e);
		}
		struct backend_counter c[16];
		unsigned n = backend_counters(f.be, c, 16);
		assert_int_equal(n, 10);
		assert_string_equal(c[0].name, "iotlb_lookup");
		if (i < 4)
			assert_true(c[0].value >= 64 * 3); /* SQE, data, CQE per I/O */
		else
			assert_int_equal(c[0].value, 0); /* no IOMMU */
		backend_flush_iotlb(f.be);
		backend_dma_free(f.be, &b);
		fixture_close(&f);
	}
}

static void unknown_preset(void **state)
{
	(void)state;
	struct backend *be = NULL;
	struct err e;
	struct backend_cfg cfg = {.preset = "nosuch"};
	assert_int_not_equal(backend_open("emu", &cfg, &be, &e), 0);
	assert_null(be);
	assert_non_null(strstr(e.msg, "unknown IOMMU preset 'nosuch'"));
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(latency_follows_iotlb),
	    cmocka_unit_test(read_into_readonly_buffer_faults),
	    cmocka_unit_test(unmapped_buffer_faults),
	    cmocka_unit_test(every_shipped_preset_runs),
	    cmocka_unit_test(unknown_preset),
	};
	return cmocka_run_group_tests_name("model", t, write_presets, remove_presets);
}
