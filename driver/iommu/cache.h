/* A tagged translation cache with configurable size, associativity and
 * replacement: the building block of the modelled IOTLB and of the
 * paging-structure caches (Intel VT-d spec 3.x, 6.2 "Caching"; AMD IOMMU
 * spec 2.2.7). Hardware looks a translation up by tag within one set; a
 * hash index over all entries gives the model the same answer in O(1)
 * whatever the associativity, so a fully associative 1024-entry cache costs
 * no more to simulate than a direct-mapped one. */
#ifndef IOTLB_IOMMU_CACHE_H
#define IOTLB_IOMMU_CACHE_H

#include <stdint.h>

#include "driver/util/err.h"

enum cache_repl {
	REPL_LRU,    /* least recently used way of the set */
	REPL_FIFO,   /* oldest insertion in the set */
	REPL_RANDOM, /* uniformly random way (seeded, reproducible) */
	REPL_WIPE    /* an insert into a full set empties the whole cache (QEMU VT-d) */
};

struct cache_cfg {
	uint32_t entries;
	uint32_t ways; /* 0 or >= entries: fully associative */
	enum cache_repl repl;
	uint64_t seed;
};

#define CACHE_NIL 0xffffffffu

struct cache_entry {
	uint64_t tag;
	uint64_t val;
	uint64_t stamp; /* LRU: last use; FIFO: insertion */
	uint32_t next;	/* hash chain */
	uint32_t aux;	/* caller's bits (permissions) */
	uint8_t valid;
};

struct cache {
	struct cache_entry *e;
	uint32_t *bucket;
	uint32_t bucket_shift;
	uint32_t n;
	uint32_t ways;
	uint32_t sets; /* power of two */
	uint32_t used;
	enum cache_repl repl;
	uint64_t clock;
	uint64_t rng;
	uint64_t evictions;
	uint64_t wipes;
};

int cache_init(struct cache *c, const struct cache_cfg *cfg, struct err *e);
void cache_destroy(struct cache *c);

static inline uint32_t cache_hash(const struct cache *c, uint64_t tag)
{
	return (uint32_t)((tag * 0x9e3779b97f4a7c15ull) >> c->bucket_shift);
}

/* Hit path: returns the entry for `tag` (refreshing its LRU age) or NULL. */
static inline struct cache_entry *cache_lookup(struct cache *c, uint64_t tag)
{
	uint32_t i = c->bucket[cache_hash(c, tag)];
	while (i != CACHE_NIL) {
		struct cache_entry *en = &c->e[i];
		if (en->tag == tag) {
			if (c->repl == REPL_LRU)
				en->stamp = ++c->clock;
			return en;
		}
		i = en->next;
	}
	return NULL;
}

/* Inserts (or refreshes) `tag`; the set index is the tag's low bits, as
 * hardware indexes by the low bits of the page number. */
void cache_insert(struct cache *c, uint64_t tag, uint64_t val, uint32_t aux);
/* Removes `tag` if present; returns 1 if it was. */
int cache_remove(struct cache *c, uint64_t tag);
/* Removes every entry with (tag & mask) == match; returns how many. */
uint32_t cache_remove_matching(struct cache *c, uint64_t mask, uint64_t match);
void cache_clear(struct cache *c);

#endif
