/* The IOVA allocator against the ranges a VT-d guest reports: a 39-bit
 * space with the MSI hole at 0xfee00000-0xfeefffff. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver/backend/iova.h"

#define K4	0x1000ull
#define M2	0x200000ull
#define G1	0x40000000ull
#define PGSIZES 0x40201000ull /* 4K | 2M | 1G */

static const struct iova_range guest[] = {
    {0xfef00000ull, 0x7fffffffffull}, /* out of order on purpose */
    {0x0, 0xfedfffffull},
};

static void in_hole_or_outside(uint64_t iova, uint64_t len)
{
	uint64_t last = iova + len - 1;
	if (!(last < 0xfee00000ull || iova > 0xfeefffffull))
		fail_msg("block %#llx-%#llx overlaps the MSI hole", (unsigned long long)iova,
			 (unsigned long long)last);
	if (last > 0x7fffffffffull)
		fail_msg("block %#llx-%#llx is beyond 39 bits", (unsigned long long)iova,
			 (unsigned long long)last);
}

static void alignment_by_page_size(void **state)
{
	(void)state;
	struct iova_alloc a;
	struct err e = {0};
	uint64_t v;
	assert_int_equal(iova_init(&a, guest, 2, PGSIZES, &e), 0);
	assert_int_equal(a.min_page, K4);
	/* IOVA 0 is never handed out. */
	assert_int_equal(iova_get(&a, 100, K4, &v, &e), 0);
	assert_int_equal(v, K4);
	assert_int_equal(iova_get(&a, M2, M2, &v, &e), 0);
	assert_int_equal(v % M2, 0);
	assert_int_equal(v, M2);
	assert_int_equal(iova_get(&a, 3 * G1, G1, &v, &e), 0);
	assert_int_equal(v % G1, 0);
	in_hole_or_outside(v, 3 * G1);
	/* Alignment below the granule means the granule. */
	assert_int_equal(iova_get(&a, 1, 1, &v, &e), 0);
	assert_int_equal(v % K4, 0);
	assert_int_equal(iova_get(&a, K4, 3 * K4, &v, &e), -EINVAL);
	assert_int_equal(iova_get(&a, 0, K4, &v, &e), -EINVAL);
	iova_fini(&a);
}

static void never_crosses_the_hole(void **state)
{
	(void)state;
	struct iova_alloc a;
	struct err e = {0};
	uint64_t v;
	assert_int_equal(iova_init(&a, guest, 2, PGSIZES, &e), 0);
	/* Leave 1 MiB free just below the hole. */
	assert_int_equal(iova_reserve(&a, K4, 0xfed00000ull - K4, &e), 0);
	assert_int_equal(iova_get(&a, M2, K4, &v, &e), 0);
	assert_int_equal(v, 0xfef00000ull);
	assert_int_equal(iova_get(&a, 0x100000, K4, &v, &e), 0);
	assert_int_equal(v, 0xfed00000ull);
	/* 2 MiB alignment after 0xfef00000+2M: 0xff200000 is the first free one. */
	assert_int_equal(iova_get(&a, M2, M2, &v, &e), 0);
	assert_int_equal(v, 0xff200000ull);
	iova_fini(&a);
}

static void reserve_checks_ranges(void **state)
{
	(void)state;
	struct iova_alloc a;
	struct err e = {0};
	assert_int_equal(iova_init(&a, guest, 2, PGSIZES, &e), 0);
	assert_int_equal(iova_reserve(&a, 0xfee00000ull, K4, &e), -ERANGE);
	assert_non_null(strstr(e.msg, "outside the IOMMU's valid ranges"));
	assert_non_null(strstr(e.msg, "0xfef00000-0x7fffffffff"));
	/* Straddling the end of the low range. */
	assert_int_equal(iova_reserve(&a, 0xfedff000ull, 2 * K4, &e), -ERANGE);
	/* Beyond the 39-bit address width: a user VA would land here. */
	assert_int_equal(iova_reserve(&a, 0x7f0000000000ull, K4, &e), -ERANGE);
	assert_int_equal(iova_reserve(&a, 0x123, K4, &e), -EINVAL);
	assert_int_equal(iova_reserve(&a, G1, M2, &e), 0);
	assert_int_equal(iova_reserve(&a, G1 + K4, K4, &e), -EEXIST);
	assert_true(iova_valid(&a, 0xfef00000ull, K4));
	assert_false(iova_valid(&a, 0xfee00000ull, K4));
	iova_put(&a, G1, M2);
	assert_int_equal(iova_reserve(&a, G1 + K4, K4, &e), 0);
	iova_fini(&a);
}

static void exhaustion_and_reuse(void **state)
{
	(void)state;
	const struct iova_range small[] = {{0x1000, 0x4fff}};
	struct iova_alloc a;
	struct err e = {0};
	uint64_t v[4], x;
	assert_int_equal(iova_init(&a, small, 1, K4, &e), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(iova_get(&a, K4, K4, &v[i], &e), 0);
		assert_int_equal(v[i], 0x1000 + (uint64_t)i * K4);
	}
	assert_int_equal(iova_get(&a, K4, K4, &x, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "IOVA space exhausted"));
	iova_put(&a, v[2], K4);
	assert_int_equal(iova_get(&a, K4, K4, &x, &e), 0);
	assert_int_equal(x, v[2]);
	/* Freed in scrambled order, the space coalesces back to one extent. */
	iova_put(&a, v[1], K4);
	iova_put(&a, v[3], K4);
	iova_put(&a, v[0], K4);
	iova_put(&a, x, K4);
	iova_drain(&a);
	assert_int_equal(a.nfree, 1);
	assert_int_equal(a.free[0].start, 0x1000);
	assert_int_equal(a.free[0].last, 0x4fff);
	assert_int_equal(iova_get(&a, 4 * K4, K4, &x, &e), 0);
	iova_fini(&a);
}

static void gigabyte_alignment_needs_room(void **state)
{
	(void)state;
	/* Only [1 GiB - 4 KiB, 2 GiB + 4 KiB) : exactly one aligned 1 GiB fits. */
	const struct iova_range r[] = {{G1 - K4, 2 * G1 + K4 - 1}};
	struct iova_alloc a;
	struct err e = {0};
	uint64_t v;
	assert_int_equal(iova_init(&a, r, 1, PGSIZES, &e), 0);
	assert_int_equal(iova_get(&a, G1, G1, &v, &e), 0);
	assert_int_equal(v, G1);
	assert_int_equal(iova_get(&a, G1, G1, &v, &e), -ENOSPC);
	/* The slivers either side are still there for small blocks. */
	assert_int_equal(iova_get(&a, K4, K4, &v, &e), 0);
	assert_int_equal(v, G1 - K4);
	assert_int_equal(iova_get(&a, K4, K4, &v, &e), 0);
	assert_int_equal(v, 2 * G1);
	iova_fini(&a);
}

static void bad_init(void **state)
{
	(void)state;
	struct iova_alloc a;
	struct err e = {0};
	assert_int_equal(iova_init(&a, guest, 2, 0, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "page sizes"));
	assert_int_equal(iova_init(&a, guest, 0, PGSIZES, &e), -EINVAL);
	const struct iova_range tiny[] = {{0x0, 0xfff}};
	assert_int_equal(iova_init(&a, tiny, 1, PGSIZES, &e), -EINVAL);
	/* Unaligned ends are trimmed to whole granules. */
	const struct iova_range odd[] = {{0x1800, 0x37ff}};
	uint64_t v;
	assert_int_equal(iova_init(&a, odd, 1, K4, &e), 0);
	assert_int_equal(iova_get(&a, K4, K4, &v, &e), 0);
	assert_int_equal(v, 0x2000);
	assert_int_equal(iova_get(&a, K4, K4, &v, &e), -ENOSPC);
	iova_fini(&a);
}

/* Freed blocks come back first, last freed first (the map/unmap loop of a
 * benchmark gets one IOVA back over and over); a block waiting in the cache
 * is still free to iova_reserve and to a request of another size. */
static void freed_blocks_come_back_first(void **state)
{
	(void)state;
	const struct iova_range small[] = {{0x1000, 0x8fff}};
	struct iova_alloc a;
	struct err e = {0};
	uint64_t v[8], x;
	assert_int_equal(iova_init(&a, small, 1, K4, &e), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(iova_get(&a, K4, K4, &v[i], &e), 0);
	iova_put(&a, v[5], K4);
	iova_put(&a, v[2], K4);
	assert_int_equal(iova_get(&a, K4, K4, &x, &e), 0);
	assert_int_equal(x, v[2]);
	assert_int_equal(iova_get(&a, 100, K4, &x, &e), 0); /* rounds to 4 KiB */
	assert_int_equal(x, v[5]);
	assert_int_equal(iova_get(&a, K4, K4, &x, &e), -ENOSPC);
	/* Cached, yet reservable at its address. */
	iova_put(&a, v[7], K4);
	assert_int_equal(iova_reserve(&a, v[7], K4, &e), 0);
	assert_int_equal(iova_reserve(&a, v[7], K4, &e), -EEXIST);
	/* Two adjacent cached blocks serve an 8 KiB request. */
	iova_put(&a, v[0], K4);
	iova_put(&a, v[1], K4);
	assert_int_equal(iova_get(&a, 2 * K4, K4, &x, &e), 0);
	assert_int_equal(x, v[0]);
	/* A full cache spills into the free list; nothing is lost. */
	for (int i = 2; i < 7; i++)
		iova_put(&a, v[i], K4);
	iova_put(&a, v[7], K4);
	iova_put(&a, x, 2 * K4);
	iova_drain(&a);
	assert_int_equal(a.nfree, 1);
	assert_int_equal(a.free[0].start, 0x1000);
	assert_int_equal(a.free[0].last, 0x8fff);
	iova_fini(&a);
}

/* Random allocations and frees: never overlapping, always aligned, always
 * inside the valid ranges; all space back at the end. */
static void random_churn(void **state)
{
	(void)state;
	enum { N = 256 };
	struct iova_alloc a;
	struct err e = {0};
	uint64_t iova[N] = {0}, len[N] = {0};
	static const uint64_t sizes[] = {K4, 3 * K4, M2, 5 * M2, G1};
	assert_int_equal(iova_init(&a, guest, 2, PGSIZES, &e), 0);
	unsigned seed = 12345;
	for (int round = 0; round < 4000; round++) {
		int i = rand_r(&seed) % N;
		if (len[i]) {
			iova_put(&a, iova[i], len[i]);
			len[i] = 0;
			continue;
		}
		uint64_t l = sizes[rand_r(&seed) % 5];
		uint64_t al = l >= G1 ? G1 : l >= M2 ? M2 : K4;
		if (iova_get(&a, l, al, &iova[i], &e))
			continue;
		len[i] = l;
		assert_int_equal(iova[i] % al, 0);
		in_hole_or_outside(iova[i], l);
		for (int j = 0; j < N; j++)
			if (j != i && len[j] && iova[j] < iova[i] + l && iova[i] < iova[j] + len[j])
				fail_msg("blocks %d and %d overlap", i, j);
	}
	for (int i = 0; i < N; i++)
		if (len[i])
			iova_put(&a, iova[i], len[i]);
	iova_drain(&a);
	assert_int_equal(a.nfree, 2);
	assert_int_equal(a.free[0].start, K4);
	assert_int_equal(a.free[0].last, 0xfedfffffull);
	assert_int_equal(a.free[1].start, 0xfef00000ull);
	assert_int_equal(a.free[1].last, 0x7fffffffffull);
	iova_fini(&a);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(alignment_by_page_size),
	    cmocka_unit_test(never_crosses_the_hole),
	    cmocka_unit_test(reserve_checks_ranges),
	    cmocka_unit_test(exhaustion_and_reuse),
	    cmocka_unit_test(gigabyte_alignment_needs_room),
	    cmocka_unit_test(bad_init),
	    cmocka_unit_test(random_churn),
	    cmocka_unit_test(freed_blocks_come_back_first),
	};
	return cmocka_run_group_tests_name("iova", t, NULL, NULL);
}
