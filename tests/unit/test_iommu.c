/* The IOMMU model: leaf selection, overlap and unmap rules, IOTLB behaviour
 * on cyclic access, unified vs split IOTLBs, paging-structure caches, strict
 * vs lazy invalidation, faults and the cost model. */
#include <errno.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/iommu/iommu.h"

#define K4   0x1000ull
#define M2   0x200000ull
#define G1   0x40000000ull
#define BASE 0x100000000ull /* 4 GiB: aligned for every leaf size */

static struct iommu *model(unsigned entries, enum cache_repl r, bool split, unsigned e2m,
			   unsigned e1g)
{
	struct iommu_cfg c;
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "test");
	c.kind = IOMMU_MODEL;
	c.split = split;
	c.tlb[0] = (struct cache_cfg){.entries = entries, .repl = r, .seed = 7};
	c.tlb[1] = (struct cache_cfg){.entries = e2m, .repl = r, .seed = 7};
	c.tlb[2] = (struct cache_cfg){.entries = e1g, .repl = r, .seed = 7};
	c.leaf_sizes = 7;
	c.inval = INVAL_STRICT;
	c.miss_ns = 100;
	c.walk_read_ns = 10;
	c.hit_ns = 1;
	c.inval_ns = 500;
	c.flush_ns = 900;
	struct iommu *m;
	struct err e;
	assert_ok(iommu_create(&c, &m, &e), &e);
	return m;
}

static void map_ok(struct iommu *m, uint64_t iova, uint64_t size, bool w, uint64_t max_leaf)
{
	struct err e;
	uint64_t cost;
	assert_ok(iommu_map(m, 1, iova, iova, size, w, max_leaf, &cost, &e), &e);
}

static int xl(struct iommu *m, uint64_t iova, bool write, uint64_t *cost)
{
	uint64_t host, c;
	int rc = iommu_translate(m, 1, iova, write, 0, 0, &host, cost ? cost : &c);
	if (rc == 0)
		assert_int_equal(host, iova); /* identity-mapped in these tests */
	return rc;
}

static void leaf_selection(void **state)
{
	(void)state;
	struct iommu *m = model(64, REPL_LRU, false, 0, 0);
	struct pgtable *pt = &m->dom[1].pt;
	/* 4 MiB, 2 MiB-aligned, backing 2 MiB pages: two 2 MiB leaves. */
	map_ok(m, BASE, 2 * M2, true, M2);
	assert_int_equal(pt->leaves[1], 2);
	assert_int_equal(pt->leaves[0], 0);
	/* The same with 4 KiB backing pages: 1024 leaves of 4 KiB. */
	map_ok(m, BASE + G1, 2 * M2, true, K4);
	assert_int_equal(pt->leaves[0], 1024);
	/* 1 GiB aligned, backing 1 GiB: one 1 GiB leaf. */
	map_ok(m, 16 * G1, G1, true, G1);
	assert_int_equal(pt->leaves[2], 1);
	/* Unaligned start: 4 KiB up to the 2 MiB boundary, then 2 MiB, then
	 * the 4 KiB tail: [2M-4K, 2M+2M+4K) = 1 + 1 + 1 leaves. */
	uint64_t s = 24 * G1 + M2 - K4;
	map_ok(m, s, K4 + M2 + K4, true, G1);
	assert_int_equal(pt->leaves[0], 1024 + 2);
	assert_int_equal(pt->leaves[1], 3);
	unsigned lvl;
	assert_true(pgtable_find(pt, 24 * G1 + M2, &lvl) != 0);
	assert_int_equal(lvl, 2);
	assert_true(pgtable_find(pt, s, &lvl) != 0);
	assert_int_equal(lvl, 1);
	iommu_destroy(m);
}

static void overlap_and_unmap_rules(void **state)
{
	(void)state;
	struct iommu *m = model(64, REPL_LRU, false, 0, 0);
	struct err e;
	uint64_t cost;
	map_ok(m, BASE, M2, true, M2);
	assert_int_equal(iommu_map(m, 1, BASE + M2 - K4, 0x5000, 2 * K4, true, K4, &cost, &e),
			 -EEXIST);
	assert_non_null(strstr(e.msg, "overlaps"));
	/* Splitting the 2 MiB leaf is refused and the mapping survives. */
	assert_int_equal(iommu_unmap(m, 1, BASE, K4, &cost, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "would split the 2048 KiB page"));
	assert_int_equal(xl(m, BASE + 0x1234, false, NULL), 0);
	/* Unmapping what is not mapped is an error, and changes nothing. */
	assert_int_equal(iommu_unmap(m, 1, BASE + 4 * M2, K4, &cost, &e), -ENOENT);
	assert_int_equal(iommu_unmap(m, 1, BASE, 2 * M2, &cost, &e), -ENOENT);
	assert_int_equal(xl(m, BASE, false, NULL), 0);
	assert_ok(iommu_unmap(m, 1, BASE, M2, &cost, &e), &e);
	assert_int_equal(xl(m, BASE, false, NULL), -EFAULT);
	/* Bad arguments. */
	assert_int_equal(iommu_map(m, 1, BASE + 1, BASE, K4, true, K4, &cost, &e), -EINVAL);
	assert_int_equal(iommu_map(m, 1, 1ull << 48, 0, K4, true, K4, &cost, &e), -ERANGE);
	assert_int_equal(iommu_map(m, 99, BASE, BASE, K4, true, K4, &cost, &e), -EINVAL);
	iommu_destroy(m);
}

/* Cycles over n pages `rounds` times; returns IOTLB misses. */
static uint64_t cycle(struct iommu *m, uint64_t base, uint64_t stride, unsigned n, unsigned rounds)
{
	uint64_t before = m->ctr.iotlb_miss;
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(xl(m, base + i * stride, false, NULL), 0);
	return m->ctr.iotlb_miss - before;
}

static void cyclic_lru(void **state)
{
	(void)state;
	/* N <= entries: only the N cold misses. N > entries under LRU: every
	 * access misses. */
	const unsigned entries = 64, rounds = 10;
	for (unsigned n = 1; n <= 80; n++) {
		struct iommu *m = model(entries, REPL_LRU, false, 0, 0);
		map_ok(m, BASE, 128 * K4, true, K4);
		uint64_t misses = cycle(m, BASE, K4, n, rounds);
		if (n <= entries)
			assert_int_equal(misses, n);
		else
			assert_int_equal(misses, (uint64_t)n * rounds);
		assert_int_equal(m->ctr.iotlb_lookup, (uint64_t)n * rounds);
		assert_int_equal(m->ctr.iotlb_hit + m->ctr.iotlb_miss, m->ctr.iotlb_lookup);
		iommu_destroy(m);
	}
}

static void unified_vs_split(void **state)
{
	(void)state;
	/* 16 pages of 4 KiB and 4 of 2 MiB cycled together: a unified
	 * 16-entry LRU IOTLB holds neither set (20 > 16); a split one with 16
	 * for 4 KiB and 4 for 2 MiB holds both. */
	struct iommu *u = model(16, REPL_LRU, false, 0, 0);
	struct iommu *s = model(16, REPL_LRU, true, 4, 1);
	for (int k = 0; k < 2; k++) {
		struct iommu *m = k ? s : u;
		map_ok(m, BASE, 16 * K4, true, K4);
		map_ok(m, BASE + G1, 4 * M2, true, M2);
	}
	for (int k = 0; k < 2; k++) {
		struct iommu *m = k ? s : u;
		uint64_t before = m->ctr.iotlb_miss;
		for (int r = 0; r < 5; r++) {
			for (int i = 0; i < 16; i++)
				xl(m, BASE + i * K4, false, NULL);
			for (int i = 0; i < 4; i++)
				xl(m, BASE + G1 + i * M2 + 0x800, false, NULL);
		}
		uint64_t misses = m->ctr.iotlb_miss - before;
		if (k)
			assert_int_equal(misses, 20); /* cold only */
		else
			assert_int_equal(misses, 100);
	}
	assert_int_equal(s->ctr.iotlb_miss_size[0], 16);
	assert_int_equal(s->ctr.iotlb_miss_size[1], 4);
	iommu_destroy(u);
	iommu_destroy(s);
}

static void walk_and_pwc(void **state)
{
	(void)state;
	/* A 2-entry IOTLB with 4-entry PML4E, PDPTE and PDE caches. */
	struct iommu *m;
	struct iommu_cfg c;
	memset(&c, 0, sizeof(c));
	c.kind = IOMMU_MODEL;
	c.tlb[0] = (struct cache_cfg){.entries = 2, .repl = REPL_LRU};
	c.pwc_entries[0] = c.pwc_entries[1] = c.pwc_entries[2] = 4;
	c.leaf_sizes = 7;
	c.miss_ns = 100;
	c.walk_read_ns = 10;
	struct err e;
	assert_ok(iommu_create(&c, &m, &e), &e);
	map_ok(m, BASE, 8 * K4, true, K4);
	uint64_t cost;
	/* Cold: walks all 4 levels. */
	assert_int_equal(xl(m, BASE, false, &cost), 0);
	assert_int_equal(m->ctr.walk_reads, 4);
	assert_int_equal(m->ctr.pwc_hit, 0);
	assert_int_equal(cost, 100 + 3 * 10);
	/* Another page under the same PDE: PDE cache hit, one read. */
	assert_int_equal(xl(m, BASE + K4, false, &cost), 0);
	assert_int_equal(m->ctr.walk_reads, 5);
	assert_int_equal(m->ctr.pwc_hit, 1);
	assert_int_equal(cost, 100);
	/* IOTLB hit: no walk. */
	assert_int_equal(xl(m, BASE + K4, false, &cost), 0);
	assert_int_equal(m->ctr.walk_reads, 5);
	assert_int_equal(cost, 0);
	iommu_destroy(m);
}

static void strict_vs_lazy(void **state)
{
	(void)state;
	struct err e;
	uint64_t cost;
	struct iommu *s = model(64, REPL_LRU, false, 0, 0);
	struct iommu *l = model(64, REPL_LRU, false, 0, 0);
	l->cfg.inval = INVAL_LAZY;
	l->cfg.lazy_batch = 4;
	for (int k = 0; k < 2; k++) {
		struct iommu *m = k ? l : s;
		uint64_t total = 0;
		for (int i = 0; i < 10; i++) {
			map_ok(m, BASE + i * K4, K4, true, K4);
			assert_int_equal(xl(m, BASE + i * K4, false, NULL), 0); /* now cached */
			assert_ok(iommu_unmap(m, 1, BASE + i * K4, K4, &cost, &e), &e);
			total += cost;
			/* Strict: the entry is gone at once. Lazy: it stays usable
			 * until the flush queue drains, every 4th unmap. */
			int rc = xl(m, BASE + i * K4, false, NULL);
			if (!k || (i + 1) % 4 == 0)
				assert_int_equal(rc, -EFAULT);
			else
				assert_int_equal(rc, 0);
		}
		if (k) {
			assert_int_equal(m->ctr.invalidations, 2);
			assert_int_equal(total, 2 * 900);
			assert_int_equal(iommu_flush(m), 900);
			assert_int_equal(m->ctr.invalidations, 3);
			assert_int_equal(xl(m, BASE + 9 * K4, false, NULL), -EFAULT);
		} else {
			assert_int_equal(m->ctr.invalidations, 10);
			assert_int_equal(total, 10 * 500);
		}
	}
	iommu_destroy(s);
	iommu_destroy(l);
}

static void faults(void **state)
{
	(void)state;
	struct iommu *m = model(64, REPL_LRU, false, 0, 0);
	map_ok(m, BASE, 4 * K4, false, K4); /* device may read only */
	uint64_t host, cost;
	assert_int_equal(iommu_translate(m, 1, BASE + 0x10, false, 2, 7, &host, &cost), 0);
	/* A write to the read-only mapping faults, on a hit as on a miss. */
	assert_int_equal(iommu_translate(m, 1, BASE + 0x10, true, 2, 7, &host, &cost), -EFAULT);
	assert_int_equal(iommu_translate(m, 1, BASE + K4, true, 2, 8, &host, &cost), -EFAULT);
	/* Unmapped IOVA. */
	assert_int_equal(iommu_translate(m, 1, BASE + 64 * K4, false, 2, 9, &host, &cost), -EFAULT);
	assert_int_equal(m->ctr.faults, 3);
	assert_int_equal(m->faults[0].iova, BASE + 0x10);
	assert_int_equal(m->faults[0].write, 1);
	assert_int_equal(m->faults[0].reason, FAULT_WRITE_DENIED);
	assert_int_equal(m->faults[0].cid, 7);
	assert_int_equal(m->faults[2].reason, FAULT_NOT_PRESENT);
	assert_int_equal(m->faults[2].cid, 9);
	iommu_destroy(m);
}

static void ideal_and_none(void **state)
{
	(void)state;
	struct iommu_cfg c;
	memset(&c, 0, sizeof(c));
	c.kind = IOMMU_IDEAL;
	c.hit_ns = 3;
	struct iommu *m;
	struct err e;
	assert_ok(iommu_create(&c, &m, &e), &e);
	map_ok(m, BASE, 1024 * K4, true, K4);
	uint64_t cost;
	for (int i = 0; i < 1024; i++) {
		assert_int_equal(xl(m, BASE + i * K4, false, &cost), 0);
		assert_int_equal(cost, 3);
	}
	assert_int_equal(m->ctr.iotlb_miss, 0);
	assert_int_equal(xl(m, BASE + 2048 * K4, false, NULL), -EFAULT);
	iommu_destroy(m);
	c.kind = IOMMU_NONE;
	assert_ok(iommu_create(&c, &m, &e), &e);
	assert_int_equal(xl(m, 0x12345678, true, &cost), 0); /* identity, never faults */
	assert_int_equal(cost, 0);
	assert_int_equal(m->ctr.faults, 0);
	iommu_destroy(m);
}

static void counter_names(void **state)
{
	(void)state;
	struct iommu_counters c = {.iotlb_lookup = 5, .iotlb_miss_size = {1, 2, 3}, .faults = 9};
	const char *n[16];
	uint64_t v[16];
	unsigned k = iommu_counter_list(&c, n, v, 16);
	assert_int_equal(k, 10);
	assert_string_equal(n[0], "iotlb_lookup");
	assert_int_equal(v[0], 5);
	assert_string_equal(n[4], "iotlb_miss_2m");
	assert_int_equal(v[4], 2);
	assert_string_equal(n[9], "faults");
	assert_int_equal(v[9], 9);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(leaf_selection), cmocka_unit_test(overlap_and_unmap_rules),
	    cmocka_unit_test(cyclic_lru),     cmocka_unit_test(unified_vs_split),
	    cmocka_unit_test(walk_and_pwc),   cmocka_unit_test(strict_vs_lazy),
	    cmocka_unit_test(faults),	      cmocka_unit_test(ideal_and_none),
	    cmocka_unit_test(counter_names),
	};
	return cmocka_run_group_tests_name("iommu", t, NULL, NULL);
}
