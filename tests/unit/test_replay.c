/* Trace replay through the IOMMU model: counters for hand-computed traces,
 * page-size choice, and every malformed-trace error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/iommu/replay.h"

static struct iommu *lru_model(unsigned entries)
{
	struct iommu_cfg c;
	memset(&c, 0, sizeof(c));
	c.kind = IOMMU_MODEL;
	c.tlb[0] = (struct cache_cfg){.entries = entries, .repl = REPL_LRU};
	c.leaf_sizes = 7;
	c.miss_ns = 100;
	c.hit_ns = 1;
	struct iommu *m;
	struct err e;
	assert_ok(iommu_create(&c, &m, &e), &e);
	return m;
}

static int replay_text(struct iommu *m, const char *text, uint64_t page, struct replay_stats *st,
		       struct err *e)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(f);
	int rc = replay_trace(m, f, "t.csv", page, st, e);
	fclose(f);
	return rc;
}

/* Cyclic trace over `pages` pages of `stride` bytes, `rounds` times. */
static char *cyclic(unsigned pages, uint64_t stride, unsigned rounds, int with_domain)
{
	size_t cap = 64 + (size_t)pages * rounds * 48;
	char *t = malloc(cap), *p = t;
	p += sprintf(p, with_domain ? "dir,len,iova,domain\n" : "iova,len,dir\n");
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned i = 0; i < pages; i++) {
			uint64_t a = 0x40000000ull + i * stride + 8;
			if (with_domain)
				p += sprintf(p, "w,512,0x%llx,2\n", (unsigned long long)a);
			else
				p += sprintf(p, "0x%llx,512,read\n", (unsigned long long)a);
		}
	return t;
}

static void counts(void **state)
{
	(void)state;
	struct replay_stats st;
	struct err e;
	/* 5 pages through 4 LRU entries: every access misses. */
	struct iommu *m = lru_model(4);
	char *t = cyclic(5, 4096, 3, 0);
	assert_ok(replay_text(m, t, 4096, &st, &e), &e);
	assert_int_equal(st.accesses, 15);
	assert_int_equal(m->ctr.iotlb_lookup, 15);
	assert_int_equal(m->ctr.iotlb_miss, 15);
	assert_int_equal(st.cost_ns, 15 * 100);
	iommu_destroy(m);
	free(t);
	/* 4 pages fit: 4 cold misses, 8 hits. Columns in another order and a
	 * domain column work too. */
	m = lru_model(4);
	t = cyclic(4, 4096, 3, 1);
	assert_ok(replay_text(m, t, 4096, &st, &e), &e);
	assert_int_equal(m->ctr.iotlb_miss, 4);
	assert_int_equal(m->ctr.iotlb_hit, 8);
	assert_true(m->dom[2].used);
	iommu_destroy(m);
	free(t);
	/* The same 5 pages 4 KiB apart inside one 2 MiB page: one entry. */
	m = lru_model(4);
	t = cyclic(5, 4096, 3, 0);
	assert_ok(replay_text(m, t, 2u << 20, &st, &e), &e);
	assert_int_equal(m->ctr.iotlb_miss, 1);
	assert_int_equal(m->ctr.iotlb_miss_size[1], 1);
	iommu_destroy(m);
	free(t);
}

static void chunks(void **state)
{
	(void)state;
	struct replay_stats st;
	struct err e;
	struct iommu *m = lru_model(64);
	/* 8 KiB starting 16 bytes before a page boundary touches 3 pages:
	 * [4080, 4096), [4096, 8192), [8192, 12272). */
	assert_ok(replay_text(m, "iova,len,dir\n4080,8192,r\n", 4096, &st, &e), &e);
	assert_int_equal(st.chunks, 3);
	assert_int_equal(m->ctr.iotlb_lookup, 3);
	iommu_destroy(m);
}

static void expect_err(const char *text, const char *needle)
{
	struct replay_stats st;
	struct err e;
	struct iommu *m = lru_model(4);
	assert_int_not_equal(replay_text(m, text, 4096, &st, &e), 0);
	if (!strstr(e.msg, needle))
		fail_msg("'%s' lacks '%s'", e.msg, needle);
	iommu_destroy(m);
}

static void errors(void **state)
{
	(void)state;
	expect_err("", "empty trace");
	/* A bad header is named at line 1, not at the line after it. */
	expect_err("addr,len,dir\n1,2,r\n", "t.csv:1: header lacks column 'iova'");
	/* An access that wraps past 2^64 used to make zero lookups and pass. */
	expect_err("iova,len,dir\n0xfffffffffffff000,8192,r\n",
		   "t.csv:2: iova 0xfffffffffffff000 + len 8192 runs past the end");
	expect_err("iova,len,dir\n0x1000,512,x\n", "t.csv:2: dir 'x': allowed values are r, read");
	expect_err("iova,len,dir\n0x1000,512,r\nzz,512,r\n", "t.csv:3: 'zz' is not");
	expect_err("iova,len,dir\n0x1000,0,r\n", "len 0");
	expect_err("iova,len,dir\n0x1000,512\n", "column 'dir' (field 3) is empty or missing");
	expect_err("iova,len,dir,domain\n0x1000,512,r,99\n", "larger than the maximum");
	expect_err("iova,len,dir\n0x1000,512,\"r\n", "malformed CSV");
	struct replay_stats st;
	struct err e;
	struct iommu *m = lru_model(4);
	assert_int_equal(replay_text(m, "iova,len,dir\n", 8192, &st, &e), -EINVAL);
	iommu_destroy(m);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(counts),
	    cmocka_unit_test(chunks),
	    cmocka_unit_test(errors),
	};
	return cmocka_run_group_tests_name("replay", t, NULL, NULL);
}
