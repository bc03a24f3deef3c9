/* PRP construction (NVMe base 1.4, 4.3) against hand-computed layouts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/nvme/prp.h"
#include "driver/nvme/queue.h"

#define PG 4096u

struct prp_fix {
	uint8_t *data;
	struct dma_buf buf;  /* contiguous device addresses at IOVA 0x100000000 */
	struct dma_buf lbuf; /* list pages at IOVA 0x200000000 */
	uint64_t pages[64];
};

static int setup(void **state)
{
	static struct prp_fix f;
	memset(&f, 0, sizeof(f));
	f.data = aligned_alloc(PG, 64 * PG);
	f.buf.va = f.data;
	f.buf.len = 64 * PG;
	f.buf.page_size = PG;
	f.buf.page_shift = 12;
	f.buf.iova = 0x100000000ull;
	f.lbuf.va = aligned_alloc(PG, 4 * PG);
	f.lbuf.len = 4 * PG;
	f.lbuf.page_size = PG;
	f.lbuf.page_shift = 12;
	f.lbuf.iova = 0x200000000ull;
	*state = &f;
	return f.data && f.lbuf.va ? 0 : -1;
}

static int teardown(void **state)
{
	struct prp_fix *f = *state;
	free(f->data);
	free(f->lbuf.va);
	return 0;
}

static void one_page(void **state)
{
	struct prp_fix *f = *state;
	struct nvme_sqe s = {0};
	assert_int_equal(nvme_prp_fill(&s, &f->buf, 0, PG, &f->lbuf, 0, 1), 0);
	assert_int_equal(s.prp1, 0x100000000ull);
	assert_int_equal(s.prp2, 0);
	/* 512 bytes at offset 3584: still inside the first page. */
	assert_int_equal(nvme_prp_fill(&s, &f->buf, 3584, 512, &f->lbuf, 0, 1), 0);
	assert_int_equal(s.prp1, 0x100000000ull + 3584);
	assert_int_equal(s.prp2, 0);
}

static void two_pages(void **state)
{
	struct prp_fix *f = *state;
	struct nvme_sqe s = {0};
	/* 4 KiB starting mid-page touches two pages: PRP2 = second page. */
	assert_int_equal(nvme_prp_fill(&s, &f->buf, 2048, PG, &f->lbuf, 0, 1), 0);
	assert_int_equal(s.prp1, 0x100000000ull + 2048);
	assert_int_equal(s.prp2, 0x100000000ull + PG);
	/* 8 KiB aligned: two pages, no list. */
	assert_int_equal(nvme_prp_fill(&s, &f->buf, PG, 2 * PG, &f->lbuf, 0, 1), 0);
	assert_int_equal(s.prp1, 0x100000000ull + PG);
	assert_int_equal(s.prp2, 0x100000000ull + 2 * PG);
}

static void list(void **state)
{
	struct prp_fix *f = *state;
	struct nvme_sqe s = {0};
	/* 5 pages from offset 100: PRP1 covers 3996 bytes, then 5 list entries. */
	size_t len = 5 * PG;
	assert_int_equal(nvme_prp_fill(&s, &f->buf, 100, len, &f->lbuf, PG, 1), 0);
	assert_int_equal(s.prp1, 0x100000000ull + 100);
	assert_int_equal(s.prp2, 0x200000000ull + PG);
	uint64_t *l = (uint64_t *)(f->lbuf.va + PG);
	size_t expect_entries = (len - (PG - 100) + PG - 1) / PG;
	assert_int_equal(expect_entries, 5);
	for (size_t i = 0; i < expect_entries; i++)
		assert_int_equal(l[i], 0x100000000ull + (i + 1) * PG);
}

static void chained_list(void **state)
{
	/* 600 list entries need two list pages: the first holds 511 entries
	 * and a pointer to the second (4.3, Figure 86). */
	struct prp_fix *f = *state;
	struct dma_buf big = f->buf;
	big.len = 601ull * PG;
	struct nvme_sqe s = {0};
	assert_int_equal(nvme_prp_fill(&s, &big, 0, 601ull * PG, &f->lbuf, 0, 2), 0);
	uint64_t *l = (uint64_t *)f->lbuf.va;
	assert_int_equal(s.prp2, 0x200000000ull);
	for (unsigned i = 0; i < 511; i++)
		assert_int_equal(l[i], 0x100000000ull + (i + 1) * (uint64_t)PG);
	assert_int_equal(l[511], 0x200000000ull + PG);
	for (unsigned i = 511; i < 600; i++)
		assert_int_equal(l[512 + (i - 511)], 0x100000000ull + (i + 1) * (uint64_t)PG);
	/* One list page is not enough for 600 entries. */
	assert_int_equal(nvme_prp_fill(&s, &big, 0, 601ull * PG, &f->lbuf, 0, 1), -EINVAL);
}

static void unaligned_rejected(void **state)
{
	struct prp_fix *f = *state;
	struct nvme_sqe s = {0};
	/* PRP1's offset must be dword aligned (bits 1:0 zero). */
	assert_int_equal(nvme_prp_fill(&s, &f->buf, 2, 512, &f->lbuf, 0, 1), -EINVAL);
	assert_int_equal(nvme_prp_fill(&s, &f->buf, 4, 512, &f->lbuf, 0, 1), 0);
}

static void per_page_addresses(void **state)
{
	/* pagemap-style buffers: every backing page has its own address. */
	struct prp_fix *f = *state;
	struct dma_buf b = f->buf;
	for (unsigned i = 0; i < 64; i++)
		f->pages[i] = 0x7000000000ull - (uint64_t)i * 0x10000;
	b.pages = f->pages;
	struct nvme_sqe s = {0};
	assert_int_equal(nvme_prp_fill(&s, &b, 8, 3 * PG, &f->lbuf, 0, 1), 0);
	assert_int_equal(s.prp1, f->pages[0] + 8);
	uint64_t *l = (uint64_t *)f->lbuf.va;
	assert_int_equal(s.prp2, 0x200000000ull);
	assert_int_equal(l[0], f->pages[1]);
	assert_int_equal(l[1], f->pages[2]);
	assert_int_equal(l[2], f->pages[3]);
}

static void list_pages_for(void **state)
{
	(void)state;
	assert_int_equal(nvme_prp_list_pages_for(4096), 1);
	assert_int_equal(nvme_prp_list_pages_for(128 << 10), 1);
	assert_int_equal(nvme_prp_list_pages_for(2u << 20), 2);
	assert_true(nvme_prp_list_capacity(nvme_prp_list_pages_for(2u << 20)) >= 513);
}

/* List pages one transfer fills: none up to two memory pages, then the
 * fewest pages whose chained capacity holds one entry per page after the
 * first (checked against nvme_prp_list_capacity at every boundary). */
static void list_pages_used(void **state)
{
	(void)state;
	assert_int_equal(nvme_prp_list_pages_used(0, 512), 0);
	assert_int_equal(nvme_prp_list_pages_used(0, 8192), 0);
	assert_int_equal(nvme_prp_list_pages_used(4092, 4100), 0);     /* two pages */
	assert_int_equal(nvme_prp_list_pages_used(100, 8192), 1);      /* three pages */
	assert_int_equal(nvme_prp_list_pages_used(0, 513u * 4096), 1); /* 512 entries */
	assert_int_equal(nvme_prp_list_pages_used(0, 514u * 4096), 2); /* 513: chained */
	for (size_t pages = 3; pages < 3000; pages++) {
		uint32_t l = nvme_prp_list_pages_used(0, pages * 4096);
		assert_true(nvme_prp_list_capacity(l) >= pages - 1);
		assert_true(nvme_prp_list_capacity(l - 1) < pages - 1);
	}
}

/* The queue's pages a run touches, from the ring layout alone. */
static void queue_footprint(void **state)
{
	(void)state;
	struct nvme_queue q;
	memset(&q, 0, sizeof(q));
	q.entries = 2;
	q.ncids = 1;
	q.ring.page_size = 4096;
	struct nvme_dma_footprint f;
	/* The reuse kind's queue: one SQ page and one CQ page. */
	nvme_queue_dma_footprint(&q, 100000, 1, 0, 512, &f);
	assert_int_equal(f.pages, 2);
	assert_int_equal(f.page_size, 4096);
	assert_int_equal(f.prp_pages, 0);
	/* 1024 entries: 64 KiB of SQEs (16 pages) and 16 KiB of CQEs (4). */
	q.entries = 1024;
	q.ncids = 1023;
	nvme_queue_dma_footprint(&q, 100000, 1, 0, 512, &f);
	assert_int_equal(f.sq_pages, 16);
	assert_int_equal(f.cq_pages, 4);
	/* Ten commands reach only the first page of each. */
	nvme_queue_dma_footprint(&q, 10, 1, 0, 512, &f);
	assert_int_equal(f.pages, 2);
	/* 16 KiB transfers need a PRP list page per slot in flight. */
	nvme_queue_dma_footprint(&q, 100000, 8, 0, 16384, &f);
	assert_int_equal(f.prp_pages, 8);
	assert_int_equal(f.pages, 16 + 4 + 8);
	nvme_queue_dma_footprint(&q, 3, 8, 0, 16384, &f);
	assert_int_equal(f.prp_pages, 3);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(one_page),
	    cmocka_unit_test(two_pages),
	    cmocka_unit_test(list),
	    cmocka_unit_test(chained_list),
	    cmocka_unit_test(unaligned_rejected),
	    cmocka_unit_test(per_page_addresses),
	    cmocka_unit_test(list_pages_for),
	    cmocka_unit_test(list_pages_used),
	    cmocka_unit_test(queue_footprint),
	};
	return cmocka_run_group_tests_name("prp", t, setup, teardown);
}
