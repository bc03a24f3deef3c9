/* Write-then-read integrity through the driver and the emulated controller,
 * over every transfer size up to MDTS, page-crossing buffers, PRP lists,
 * both LBA formats and every execution mode. */
#include <errno.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/util/clock.h"
#include "driver/util/array.h"

#define BUF_BYTES (8u << 20)

/* Writes `len` bytes from `off` of a patterned buffer at `slba`, checks the
 * namespace holds exactly those bytes, reads them back at another offset of
 * another buffer and compares. */
static void roundtrip(struct fixture *f, struct nvme_queue *q, struct dma_buf *wb,
		      struct dma_buf *rb, uint64_t slba, size_t off, size_t len, uint64_t seed)
{
	fill_pattern(wb->va + off, len, seed);
	assert_ok(nvme_io_sync(q, nvme_cmd_write, f->ns, slba, wb, off, len, NULL, &f->e), &f->e);
	uint64_t nsbytes;
	uint8_t *nsdata = emu_ns_data(f->emu, f->ns->nsid, &nsbytes);
	assert_non_null(nsdata);
	assert_memory_equal(nsdata + (slba << f->ns->lba_shift), wb->va + off, len);
	size_t roff = (off + 1028) & (BUF_BYTES / 2 - 4);
	memset(rb->va + roff, 0xa5, len);
	assert_ok(nvme_io_sync(q, nvme_cmd_read, f->ns, slba, rb, roff, len, NULL, &f->e), &f->e);
	assert_memory_equal(rb->va + roff, wb->va + off, len);
}

static void integrity_in_mode(const char *opts)
{
	struct fixture f;
	fixture_open(&f, opts, NULL);
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 8, &q, &f.e), &f.e);
	struct dma_buf wb, rb;
	assert_ok(
	    backend_dma_alloc(f.be, BUF_BYTES, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &wb, &f.e),
	    &f.e);
	assert_ok(
	    backend_dma_alloc(f.be, BUF_BYTES, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &rb, &f.e),
	    &f.e);
	uint32_t lba = 1u << f.ns->lba_shift;
	uint64_t seed = 1;
	/* Every size from one LBA up to MDTS, doubling, plus odd multiples. */
	for (size_t len = lba; len <= f.c->info.max_xfer; len *= 2) {
		const size_t offs[] = {0, 512, 4096 - 512, 4096 + 2048, 12};
		for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
			roundtrip(&f, q, &wb, &rb, seed * 7 % 1000, offs[i], len, seed);
			seed++;
		}
		if (len * 3 / 2 <= f.c->info.max_xfer && (len * 3 / 2) % lba == 0)
			roundtrip(&f, q, &wb, &rb, 2000, 100, len * 3 / 2, seed++);
	}
	assert_ok(nvme_io_sync(q, nvme_cmd_flush, f.ns, 0, NULL, 0, 0, NULL, &f.e), &f.e);
	backend_dma_free(f.be, &wb);
	backend_dma_free(f.be, &rb);
	assert_ok(nvme_ctrl_delete_queue(f.c, q, &f.e), &f.e);
	fixture_close(&f);
}

static void inline_512(void **state)
{
	(void)state;
	integrity_in_mode("mode=inline,base_ns=0,bw=0,lba=512,mdts=5");
}

static void inline_4k(void **state)
{
	(void)state;
	integrity_in_mode("mode=inline,base_ns=0,bw=0,lba=4096,mdts=5");
}

static void thread_mode(void **state)
{
	(void)state;
	integrity_in_mode("mode=thread,base_ns=0,bw=0,mdts=5");
}

static void manual_mode(void **state)
{
	(void)state;
	integrity_in_mode("mode=manual,base_ns=0,bw=0,mdts=5");
}

static void large_mdts_chained_lists(void **state)
{
	(void)state;
	/* MDTS 2 MiB: 512+ PRP entries, so the list chains over two pages. */
	integrity_in_mode("mode=inline,base_ns=0,bw=0,mdts=9,ns_size=16m");
}

static void rejects_bad_requests(void **state)
{
	(void)state;
	struct fixture f;
	fixture_open(&f, "base_ns=0,bw=0,mdts=2", NULL);
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 4, &q, &f.e), &f.e);
	struct dma_buf b;
	assert_ok(backend_dma_alloc(f.be, 65536, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &f.e),
		  &f.e);
	/* Not a multiple of the LBA size, beyond MDTS, past the namespace end,
	 * and an odd buffer address: refused before anything reaches the device. */
	assert_int_equal(nvme_queue_rw(q, nvme_cmd_read, f.ns, 0, &b, 0, 1000, NULL), -EINVAL);
	assert_int_equal(nvme_queue_rw(q, nvme_cmd_read, f.ns, 0, &b, 0, 32768, NULL), -EINVAL);
	assert_int_equal(nvme_queue_rw(q, nvme_cmd_read, f.ns, f.ns->nlbas, &b, 0, 512, NULL),
			 -ERANGE);
	assert_int_equal(nvme_queue_rw(q, nvme_cmd_read, f.ns, UINT64_MAX, &b, 0, 512, NULL),
			 -ERANGE);
	assert_int_equal(nvme_queue_rw(q, nvme_cmd_read, f.ns, 0, &b, 2, 512, NULL), -EINVAL);
	assert_int_equal(nvme_queue_inflight(q), 0);
	assert_int_equal(
	    nvme_io_sync(q, nvme_cmd_read, f.ns, f.ns->nlbas - 1, &b, 0, 1024, NULL, &f.e),
	    -ERANGE);
	assert_non_null(strstr(f.e.msg, "outside namespace 1"));
	assert_non_null(strstr(f.e.msg, strerror(ERANGE)));
	/* Each refusal explained by the rule it broke, with the errno's text
	 * (what the benchmark kinds report for a failed submit). */
	static const struct {
		uint64_t slba;
		size_t off, len;
		int rc;
		const char *why;
	} bad[] = {
	    {0, 0, 1000, -EINVAL, "whole number of namespace 1's 512-byte LBAs"},
	    {0, 0, 32768, -EINVAL, "(MDTS) of 16384 bytes"},
	    {0, 2, 512, -EINVAL, "cannot be described by PRPs"},
	    {0, 0, 512, -EBUSY, "no free command slot"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(
		    nvme_rw_error(q, f.ns, bad[i].slba, bad[i].off, bad[i].len, bad[i].rc, &f.e),
		    bad[i].rc);
		assert_non_null(strstr(f.e.msg, bad[i].why));
		assert_non_null(strstr(f.e.msg, strerror(-bad[i].rc)));
	}
	/* Still usable. */
	assert_ok(nvme_io_sync(q, nvme_cmd_read, f.ns, f.ns->nlbas - 1, &b, 0, 512, NULL, &f.e),
		  &f.e);
	backend_dma_free(f.be, &b);
	fixture_close(&f);
}

static void lba_window(void **state)
{
	(void)state;
	/* A window of 10 LBAs from LBA 100: relative LBAs land at 100 + n and
	 * nothing outside [100, 110) can be addressed (--lba-range). */
	struct fixture f;
	fixture_open(&f, "base_ns=0,bw=0,lba=512", NULL);
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 4, &q, &f.e), &f.e);
	struct dma_buf b;
	assert_ok(backend_dma_alloc(f.be, 8192, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &f.e),
		  &f.e);
	struct nvme_ns w = *f.ns;
	w.lba_base = 100;
	w.nlbas = 10;
	fill_pattern(b.va, 1024, 42);
	assert_ok(nvme_io_sync(q, nvme_cmd_write, &w, 8, &b, 0, 1024, NULL, &f.e), &f.e);
	uint64_t bytes;
	uint8_t *ns = emu_ns_data(f.emu, 1, &bytes);
	assert_memory_equal(ns + 108 * 512, b.va, 1024);
	for (int i = 0; i < 108 * 512; i++)
		assert_int_equal(ns[i], 0);
	assert_int_equal(nvme_queue_rw(q, nvme_cmd_write, &w, 9, &b, 0, 1024, NULL), -ERANGE);
	assert_int_equal(nvme_queue_rw(q, nvme_cmd_write, &w, 10, &b, 0, 512, NULL), -ERANGE);
	backend_dma_free(f.be, &b);
	fixture_close(&f);
}

static void timing_model(void **state)
{
	(void)state;
	/* base_ns = 200 us: a QD1 read cannot complete sooner. */
	struct fixture f;
	fixture_open(&f, "base_ns=200000,bw=0", NULL);
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 4, &q, &f.e), &f.e);
	struct dma_buf b;
	assert_ok(backend_dma_alloc(f.be, 4096, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &f.e),
		  &f.e);
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = clock_now_ns();
		assert_ok(nvme_io_sync(q, nvme_cmd_read, f.ns, 0, &b, 0, 4096, NULL, &f.e), &f.e);
		assert_true(clock_now_ns() - t0 >= 200000);
	}
	backend_dma_free(f.be, &b);
	fixture_close(&f);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(inline_512),
	    cmocka_unit_test(inline_4k),
	    cmocka_unit_test(thread_mode),
	    cmocka_unit_test(manual_mode),
	    cmocka_unit_test(large_mdts_chained_lists),
	    cmocka_unit_test(rejects_bad_requests),
	    cmocka_unit_test(lba_window),
	    cmocka_unit_test(timing_model),
	};
	return cmocka_run_group_tests_name("io", t, NULL, NULL);
}
