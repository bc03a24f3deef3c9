/* Replacement policies and associativity of the translation cache, on
 * hand-computed access sequences. */
#include <errno.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/iommu/cache.h"

static struct cache mk(uint32_t entries, uint32_t ways, enum cache_repl r, uint64_t seed)
{
	struct cache c;
	struct cache_cfg cfg = {.entries = entries, .ways = ways, .repl = r, .seed = seed};
	struct err e;
	assert_ok(cache_init(&c, &cfg, &e), &e);
	return c;
}

static int has(struct cache *c, uint64_t tag)
{
	return cache_lookup(c, tag) != NULL;
}

static void lru(void **state)
{
	(void)state;
	struct cache c = mk(3, 0, REPL_LRU, 0);
	cache_insert(&c, 10, 0, 0);
	cache_insert(&c, 20, 0, 0);
	cache_insert(&c, 30, 0, 0);
	assert_true(has(&c, 10));   /* 10 becomes most recent: order 20, 30, 10 */
	cache_insert(&c, 40, 0, 0); /* evicts 20 */
	assert_false(cache_lookup(&c, 20) != NULL);
	assert_true(has(&c, 30));   /* order 10, 40, 30 */
	cache_insert(&c, 50, 0, 0); /* evicts 10 */
	assert_false(cache_lookup(&c, 10) != NULL);
	assert_true(has(&c, 40) && has(&c, 30) && has(&c, 50));
	assert_int_equal(c.evictions, 2);
	cache_destroy(&c);
}

static void fifo(void **state)
{
	(void)state;
	struct cache c = mk(3, 0, REPL_FIFO, 0);
	cache_insert(&c, 10, 0, 0);
	cache_insert(&c, 20, 0, 0);
	cache_insert(&c, 30, 0, 0);
	assert_true(has(&c, 10));   /* a hit does not matter to FIFO */
	cache_insert(&c, 40, 0, 0); /* evicts 10, the oldest insertion */
	assert_false(has(&c, 10));
	cache_insert(&c, 50, 0, 0); /* evicts 20 */
	assert_false(has(&c, 20));
	assert_true(has(&c, 30) && has(&c, 40) && has(&c, 50));
	cache_destroy(&c);
}

static void wipe(void **state)
{
	(void)state;
	/* QEMU VT-d: an insert that finds the table full empties it first. */
	struct cache c = mk(4, 0, REPL_WIPE, 0);
	for (uint64_t t = 1; t <= 4; t++)
		cache_insert(&c, t, 0, 0);
	assert_int_equal(c.used, 4);
	cache_insert(&c, 5, 0, 0);
	assert_int_equal(c.used, 1);
	assert_true(has(&c, 5));
	for (uint64_t t = 1; t <= 4; t++)
		assert_false(has(&c, t));
	assert_int_equal(c.wipes, 1);
	cache_destroy(&c);
}

static void random_repl(void **state)
{
	(void)state;
	/* Reproducible for a seed, different across seeds, and every way
	 * gets chosen as a victim sooner or later. */
	uint64_t seq[2][64];
	for (int s = 0; s < 2; s++) {
		struct cache c = mk(8, 0, REPL_RANDOM, 42);
		for (uint64_t t = 0; t < 8 + 64; t++) {
			cache_insert(&c, 1000 + t, 0, 0);
			if (t >= 8) {
				uint64_t gone = 0;
				for (uint64_t k = 1000; k < 1000 + t; k++)
					if (!has(&c, k))
						gone ^= k * 2654435761u;
				seq[s][t - 8] = gone;
			}
		}
		cache_destroy(&c);
	}
	assert_memory_equal(seq[0], seq[1], sizeof(seq[0]));
	struct cache c1 = mk(8, 0, REPL_RANDOM, 42), c2 = mk(8, 0, REPL_RANDOM, 43);
	int differ = 0;
	unsigned victim_way_seen[8] = {0};
	for (uint64_t t = 0; t < 200; t++) {
		cache_insert(&c1, t, 0, 0);
		cache_insert(&c2, t, 0, 0);
		for (uint64_t k = 0; k < t; k++)
			differ |= has(&c1, k) != has(&c2, k);
	}
	for (unsigned w = 0; w < 8; w++)
		victim_way_seen[w] = c1.e[w].tag >= 8;
	for (unsigned w = 0; w < 8; w++)
		assert_true(victim_way_seen[w]);
	assert_true(differ);
	cache_destroy(&c1);
	cache_destroy(&c2);
}

static void set_associative(void **state)
{
	(void)state;
	/* 4 entries, 2 ways: 2 sets indexed by the tag's low bit. Tags 0, 2, 4
	 * compete for set 0 while 1 and 3 stay in set 1. */
	struct cache c = mk(4, 2, REPL_LRU, 0);
	cache_insert(&c, 1, 0, 0);
	cache_insert(&c, 3, 0, 0);
	cache_insert(&c, 0, 0, 0);
	cache_insert(&c, 2, 0, 0);
	cache_insert(&c, 4, 0, 0); /* set 0 full: evicts 0 */
	assert_false(has(&c, 0));
	assert_true(has(&c, 2) && has(&c, 4) && has(&c, 1) && has(&c, 3));
	/* Direct mapped: 4 sets of 1 way. */
	struct cache d = mk(4, 1, REPL_LRU, 0);
	cache_insert(&d, 0, 0, 0);
	cache_insert(&d, 4, 0, 0); /* same set as 0 */
	assert_false(has(&d, 0));
	cache_insert(&d, 1, 0, 0);
	assert_true(has(&d, 4) && has(&d, 1));
	cache_destroy(&c);
	cache_destroy(&d);
}

static void remove_and_match(void **state)
{
	(void)state;
	struct cache c = mk(16, 0, REPL_LRU, 0);
	for (uint64_t t = 0; t < 8; t++)
		cache_insert(&c, (t & 1) << 48 | t, t * 10, 0);
	assert_int_equal(cache_remove(&c, 3ull | 1ull << 48), 1);
	assert_int_equal(cache_remove(&c, 3ull | 1ull << 48), 0);
	assert_int_equal(cache_remove_matching(&c, 0xffffull << 48, 0), 4);
	assert_int_equal(c.used, 3);
	assert_int_equal(cache_lookup(&c, 5ull | 1ull << 48)->val, 50);
	cache_clear(&c);
	assert_int_equal(c.used, 0);
	assert_false(has(&c, 5ull | 1ull << 48));
	cache_destroy(&c);
}

static void bad_geometry(void **state)
{
	(void)state;
	struct cache c;
	struct err e;
	struct cache_cfg cfg = {.entries = 12, .ways = 4};
	assert_int_equal(cache_init(&c, &cfg, &e), -EINVAL); /* 3 sets */
	assert_non_null(strstr(e.msg, "power of two"));
	cfg = (struct cache_cfg){.entries = 10, .ways = 4};
	assert_int_equal(cache_init(&c, &cfg, &e), -EINVAL);
	cfg = (struct cache_cfg){.entries = 0};
	assert_int_equal(cache_init(&c, &cfg, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(lru),
	    cmocka_unit_test(fifo),
	    cmocka_unit_test(wipe),
	    cmocka_unit_test(random_repl),
	    cmocka_unit_test(set_associative),
	    cmocka_unit_test(remove_and_match),
	    cmocka_unit_test(bad_geometry),
	};
	return cmocka_run_group_tests_name("cache", t, NULL, NULL);
}
