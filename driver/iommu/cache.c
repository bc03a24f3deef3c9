#include "driver/iommu/cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t pow2_floor(uint32_t x)
{
	uint32_t p = 1;
	while (p * 2 <= x)
		p *= 2;
	return p;
}

int cache_init(struct cache *c, const struct cache_cfg *cfg, struct err *e)
{
	memset(c, 0, sizeof(*c));
	if (cfg->entries == 0 || cfg->entries > (1u << 24))
		return err_set(e, EINVAL, "cache of %u entries: allowed 1 to %u", cfg->entries,
			       1u << 24);
	uint32_t ways = cfg->ways == 0 || cfg->ways > cfg->entries ? cfg->entries : cfg->ways;
	if (cfg->entries % ways)
		return err_set(e, EINVAL,
			       "%u entries cannot be split into sets of %u ways: entries must be a "
			       "multiple of ways",
			       cfg->entries, ways);
	uint32_t sets = cfg->entries / ways;
	if (sets != pow2_floor(sets))
		return err_set(
		    e, EINVAL,
		    "%u entries / %u ways = %u sets; the set count must be a power of two "
		    "(hardware indexes sets by page-number bits)",
		    cfg->entries, ways, sets);
	c->n = cfg->entries;
	c->ways = ways;
	c->sets = sets;
	c->repl = cfg->repl;
	c->rng = cfg->seed ? cfg->seed : 0x2545f4914f6cdd1dull;
	uint32_t nb = pow2_floor(cfg->entries) * 4;
	uint32_t bits = 0;
	while ((1u << bits) < nb)
		bits++;
	c->bucket_shift = 64 - bits;
	c->e = calloc(c->n, sizeof(*c->e));
	c->bucket = malloc(sizeof(*c->bucket) * nb);
	if (!c->e || !c->bucket) {
		cache_destroy(c);
		return err_set(e, ENOMEM, "out of memory for a %u-entry cache", cfg->entries);
	}
	memset(c->bucket, 0xff, sizeof(*c->bucket) * nb);
	return 0;
}

void cache_destroy(struct cache *c)
{
	free(c->e);
	free(c->bucket);
	c->e = NULL;
	c->bucket = NULL;
}

static void unlink_entry(struct cache *c, uint32_t idx)
{
	struct cache_entry *en = &c->e[idx];
	uint32_t *p = &c->bucket[cache_hash(c, en->tag)];
	while (*p != idx)
		p = &c->e[*p].next;
	*p = en->next;
	en->valid = 0;
	c->used--;
}

void cache_clear(struct cache *c)
{
	for (uint32_t i = 0; i < c->n; i++)
		c->e[i].valid = 0;
	memset(c->bucket, 0xff, sizeof(*c->bucket) << (64 - c->bucket_shift));
	c->used = 0;
}

static uint64_t next_rand(struct cache *c)
{
	/* xorshift64*: cheap and reproducible from the preset's seed. */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545f4914f6cdd1dull;
}

static uint32_t pick_victim(struct cache *c, uint32_t base)
{
	for (uint32_t w = 0; w < c->ways; w++)
		if (!c->e[base + w].valid)
			return base + w;
	switch (c->repl) {
	case REPL_WIPE:
		c->wipes++;
		cache_clear(c);
		return base;
	case REPL_RANDOM:
		return base + (uint32_t)(next_rand(c) % c->ways);
	default: {
		/* LRU and FIFO differ only in when the stamp is written. */
		uint32_t v = base;
		for (uint32_t w = 1; w < c->ways; w++)
			if (c->e[base + w].stamp < c->e[v].stamp)
				v = base + w;
		return v;
	}
	}
}

void cache_insert(struct cache *c, uint64_t tag, uint64_t val, uint32_t aux)
{
	struct cache_entry *hit = cache_lookup(c, tag);
	if (hit) {
		hit->val = val;
		hit->aux = aux;
		return;
	}
	uint32_t base = (uint32_t)(tag & (c->sets - 1)) * c->ways;
	uint32_t v = pick_victim(c, base);
	if (c->e[v].valid) {
		unlink_entry(c, v);
		c->evictions++;
	}
	struct cache_entry *en = &c->e[v];
	en->tag = tag;
	en->val = val;
	en->aux = aux;
	en->stamp = ++c->clock;
	en->valid = 1;
	uint32_t *b = &c->bucket[cache_hash(c, tag)];
	en->next = *b;
	*b = v;
	c->used++;
}

int cache_remove(struct cache *c, uint64_t tag)
{
	uint32_t i = c->bucket[cache_hash(c, tag)];
	while (i != CACHE_NIL) {
		if (c->e[i].tag == tag) {
			unlink_entry(c, i);
			return 1;
		}
		i = c->e[i].next;
	}
	return 0;
}

uint32_t cache_remove_matching(struct cache *c, uint64_t mask, uint64_t match)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->n; i++)
		if (c->e[i].valid && (c->e[i].tag & mask) == match) {
			unlink_entry(c, i);
			n++;
		}
	return n;
}
