#include "driver/iommu/iommu.h"
#include "driver/util/array.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TAG_DOM_SHIFT 48
#define TAG_CLS_SHIFT 46
#define TAG_DOM_MASK  (0xffffull << TAG_DOM_SHIFT)

/* IOTLB tag: domain, size class, page number. The page number sits in the
 * low bits so the set index is taken from them, as in hardware. */
static inline uint64_t tlb_tag(uint16_t dom, unsigned cls, uint64_t iova)
{
	return (uint64_t)dom << TAG_DOM_SHIFT | (uint64_t)cls << TAG_CLS_SHIFT |
	       (iova >> iommu_size_shift(cls));
}

/* Paging-structure cache tag for the non-leaf entry at `level` (4, 3, 2). */
static inline uint64_t pwc_tag(uint16_t dom, uint64_t iova, unsigned level)
{
	return (uint64_t)dom << TAG_DOM_SHIFT | (iova >> pt_shift(level));
}

static inline struct cache *tlb_for(struct iommu *m, unsigned cls)
{
	return m->cfg.split ? &m->tlb[cls] : &m->tlb[0];
}

unsigned iommu_counter_list(const struct iommu_counters *c, const char **names, uint64_t *vals,
			    unsigned max)
{
	const char *n[] = {"iotlb_lookup",  "iotlb_hit",     "iotlb_miss", "iotlb_miss_4k",
			   "iotlb_miss_2m", "iotlb_miss_1g", "walk_reads", "pwc_hit",
			   "invalidations", "faults"};
	uint64_t v[] = {c->iotlb_lookup,       c->iotlb_hit,
			c->iotlb_miss,	       c->iotlb_miss_size[0],
			c->iotlb_miss_size[1], c->iotlb_miss_size[2],
			c->walk_reads,	       c->pwc_hit,
			c->invalidations,      c->faults};
	unsigned k = 0;
	for (; k < ARRAY_SIZE(n) && k < max; k++) {
		names[k] = n[k];
		vals[k] = v[k];
	}
	return k;
}

void iommu_destroy(struct iommu *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < IOMMU_NSIZES; i++)
		cache_destroy(&m->tlb[i]);
	for (unsigned i = 0; i < 3; i++)
		cache_destroy(&m->pwc[i]);
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++)
		if (m->dom[i].used)
			pgtable_destroy(&m->dom[i].pt);
	free(m);
}

int iommu_create(const struct iommu_cfg *cfg, struct iommu **out, struct err *e)
{
	struct iommu *m = calloc(1, sizeof(*m));
	if (!m)
		return err_set(e, ENOMEM, "out of memory for the IOMMU model");
	m->cfg = *cfg;
	if (!m->cfg.leaf_sizes)
		m->cfg.leaf_sizes = 1;
	if (m->cfg.inval == INVAL_LAZY && m->cfg.lazy_batch == 0)
		m->cfg.lazy_batch = 1;
	int rc = 0;
	if (cfg->kind == IOMMU_MODEL) {
		unsigned ntlb = cfg->split ? IOMMU_NSIZES : 1;
		for (unsigned i = 0; i < ntlb && !rc; i++)
			if (cfg->tlb[i].entries)
				rc = cache_init(&m->tlb[i], &cfg->tlb[i], e);
		for (unsigned i = 0; i < 3 && !rc; i++)
			if (cfg->pwc_entries[i]) {
				struct cache_cfg pc = {.entries = cfg->pwc_entries[i],
						       .repl = REPL_LRU};
				rc = cache_init(&m->pwc[i], &pc, e);
			}
	}
	if (rc) {
		iommu_destroy(m);
		return err_wrap(e, "IOMMU model '%s'", cfg->name);
	}
	*out = m;
	return 0;
}

static struct iommu_domain *domain_get(struct iommu *m, uint16_t d, struct err *e)
{
	if (d >= IOMMU_MAX_DOMAINS) {
		err_set(e, EINVAL, "domain %u: the model supports domains 0 to %u", d,
			IOMMU_MAX_DOMAINS - 1);
		return NULL;
	}
	struct iommu_domain *dom = &m->dom[d];
	if (!dom->used) {
		if (pgtable_init(&dom->pt, e))
			return NULL;
		dom->used = true;
	}
	return dom;
}

struct dom_ctx {
	struct iommu *m;
	uint16_t dom;
	bool strict;
};

/* Paging-structure cache entries for a table that no longer exists. */
static void drop_table(void *ctx, uint64_t iova, unsigned level)
{
	struct dom_ctx *u = ctx;
	/* A table at `level` is referenced by the entry one level up. */
	unsigned up = level + 1;
	if (up >= 2 && up <= 4 && u->m->pwc[4 - up].e)
		cache_remove(&u->m->pwc[4 - up], pwc_tag(u->dom, iova, up));
}

static void drop_leaf(void *ctx, uint64_t iova, unsigned level)
{
	struct dom_ctx *u = ctx;
	if (u->strict && u->m->cfg.kind == IOMMU_MODEL) {
		struct cache *t = tlb_for(u->m, level - 1);
		if (t->e)
			cache_remove(t, tlb_tag(u->dom, level - 1, iova));
	}
}

static bool domain_has_tables(const struct iommu *m)
{
	return m->cfg.kind != IOMMU_NONE;
}

int iommu_map(struct iommu *m, uint16_t domain, uint64_t iova, uint64_t pa, uint64_t size,
	      bool writable, uint64_t max_leaf, uint64_t *cost_ns, struct err *e)
{
	*cost_ns = 0;
	if (!domain_has_tables(m))
		return 0;
	struct iommu_domain *dom = domain_get(m, domain, e);
	if (!dom)
		return -e->code;
	/* Only leaf sizes the hardware supports (VT-d CAP.SLLPS, AMD v1 page
	 * sizes) may be chosen. */
	uint64_t lim = 4096;
	for (unsigned c = 1; c < IOMMU_NSIZES; c++)
		if ((m->cfg.leaf_sizes >> c) & 1)
			lim = 1ull << iommu_size_shift(c);
	if (max_leaf > lim)
		max_leaf = lim;
	if (!((m->cfg.leaf_sizes >> 1) & 1) && max_leaf > 4096)
		max_leaf = 4096;
	uint64_t prot = PTE_READ | (writable ? PTE_WRITE : 0);
	struct dom_ctx u = {.m = m, .dom = domain};
	return pgtable_map(&dom->pt, iova, pa, size, prot, max_leaf, drop_table, &u, e);
}

static uint64_t domain_flush(struct iommu *m, uint16_t d)
{
	uint64_t match = (uint64_t)d << TAG_DOM_SHIFT;
	for (unsigned i = 0; i < IOMMU_NSIZES; i++)
		if (m->tlb[i].e)
			cache_remove_matching(&m->tlb[i], TAG_DOM_MASK, match);
	for (unsigned i = 0; i < 3; i++)
		if (m->pwc[i].e)
			cache_remove_matching(&m->pwc[i], TAG_DOM_MASK, match);
	m->dom[d].lazy_pending = 0;
	m->dom[d].cached = 0;
	m->ctr.invalidations++;
	return m->cfg.flush_ns;
}

int iommu_unmap(struct iommu *m, uint16_t domain, uint64_t iova, uint64_t size, uint64_t *cost_ns,
		struct err *e)
{
	*cost_ns = 0;
	if (!domain_has_tables(m))
		return 0;
	struct iommu_domain *dom = domain_get(m, domain, e);
	if (!dom)
		return -e->code;
	struct dom_ctx u = {.m = m, .dom = domain, .strict = m->cfg.inval == INVAL_STRICT};
	int rc = pgtable_unmap(&dom->pt, iova, size, drop_leaf, &u, e);
	if (rc)
		return rc;
	if (m->cfg.kind != IOMMU_MODEL)
		return 0;
	if (u.strict) {
		/* One page-selective invalidation covers the range (VT-d 6.5.2.3
		 * PSI with an address mask); it also clears the paging-structure
		 * cache entries for it, since the hint bit is not set. */
		for (unsigned lvl = 2; lvl <= 4; lvl++) {
			struct cache *p = &m->pwc[4 - lvl];
			if (!p->e)
				continue;
			uint64_t first = iova >> pt_shift(lvl),
				 last = (iova + size - 1) >> pt_shift(lvl);
			for (uint64_t k = first; k <= last && k - first < p->n * 4ull; k++)
				cache_remove(p, pwc_tag(domain, k << pt_shift(lvl), lvl));
		}
		m->ctr.invalidations++;
		*cost_ns = m->cfg.inval_ns;
		return 0;
	}
	/* Lazy: the stale entries stay usable until the flush queue drains,
	 * which is the window the kernel's lazy mode trades for speed. */
	if (++dom->lazy_pending >= m->cfg.lazy_batch)
		*cost_ns = domain_flush(m, domain);
	return 0;
}

uint64_t iommu_flush(struct iommu *m)
{
	uint64_t cost = 0;
	if (m->cfg.kind != IOMMU_MODEL)
		return 0;
	for (uint16_t d = 0; d < IOMMU_MAX_DOMAINS; d++)
		if (m->dom[d].used && m->dom[d].lazy_pending)
			cost += domain_flush(m, d);
	return cost;
}

void iommu_flush_caches(struct iommu *m)
{
	for (unsigned i = 0; i < IOMMU_NSIZES; i++)
		if (m->tlb[i].e)
			cache_clear(&m->tlb[i]);
	for (unsigned i = 0; i < 3; i++)
		if (m->pwc[i].e)
			cache_clear(&m->pwc[i]);
	for (unsigned d = 0; d < IOMMU_MAX_DOMAINS; d++)
		m->dom[d].cached = 0;
}

static int record_fault(struct iommu *m, uint16_t d, uint64_t iova, bool write, uint8_t kind,
			uint16_t cid, uint8_t reason)
{
	struct iommu_fault *f = &m->faults[m->ctr.faults % IOMMU_FAULT_LOG];
	f->iova = iova;
	f->domain = d;
	f->cid = cid;
	f->write = write;
	f->reason = reason;
	f->kind = kind;
	m->ctr.faults++;
	return -EFAULT;
}

static inline int check_perm(struct iommu *m, uint16_t d, uint64_t iova, bool write, uint8_t kind,
			     uint16_t cid, uint64_t pte_bits)
{
	if (write && !(pte_bits & PTE_WRITE))
		return record_fault(m, d, iova, write, kind, cid, FAULT_WRITE_DENIED);
	if (!write && !(pte_bits & PTE_READ))
		return record_fault(m, d, iova, write, kind, cid, FAULT_READ_DENIED);
	return 0;
}

/* A page walk from the deepest paging-structure cache hit down to the leaf.
 * Returns the leaf entry (0 if not present), its level, and counts reads. */
static uint64_t walk(struct iommu *m, struct iommu_domain *dom, uint16_t d, uint64_t iova,
		     unsigned *level, unsigned *reads)
{
	const struct pt_node *n = dom->pt.root;
	unsigned l = 4;
	for (unsigned lvl = 2; lvl <= 4; lvl++) {
		struct cache *p = &m->pwc[4 - lvl];
		if (!p->e)
			continue;
		struct cache_entry *en = cache_lookup(p, pwc_tag(d, iova, lvl));
		if (en) {
			m->ctr.pwc_hit++;
			n = (const struct pt_node *)(uintptr_t)en->val;
			l = lvl - 1;
			break;
		}
	}
	*reads = 0;
	for (;;) {
		uint64_t pte = n->e[pt_index(iova, l)];
		(*reads)++;
		if (!(pte & PTE_PRESENT))
			return 0;
		if ((pte & PTE_LEAF) || l == 1) {
			*level = l;
			return pte;
		}
		struct cache *p = &m->pwc[4 - l];
		uint64_t child = pte & ~0xfffull;
		if (p->e)
			cache_insert(p, pwc_tag(d, iova, l), child, 0);
		n = (const struct pt_node *)(uintptr_t)child;
		l--;
	}
}

int iommu_translate(struct iommu *m, uint16_t d, uint64_t iova, bool write, uint8_t kind,
		    uint16_t cid, uint64_t *host, uint64_t *cost_ns)
{
	if (m->cfg.kind == IOMMU_NONE) {
		*host = iova;
		*cost_ns = 0;
		return 0;
	}
	m->ctr.iotlb_lookup++;
	if (d >= IOMMU_MAX_DOMAINS || !m->dom[d].used || iova >= (1ull << PT_IOVA_BITS))
		return record_fault(m, d, iova, write, kind, cid, FAULT_NOT_PRESENT);
	struct iommu_domain *dom = &m->dom[d];
	if (m->cfg.kind == IOMMU_MODEL) {
		for (unsigned cls = 0; cls < IOMMU_NSIZES; cls++) {
			if (!((dom->cached >> cls) & 1))
				continue;
			struct cache *t = tlb_for(m, cls);
			if (!t->e)
				continue;
			struct cache_entry *en = cache_lookup(t, tlb_tag(d, cls, iova));
			if (en) {
				m->ctr.iotlb_hit++;
				if (check_perm(m, d, iova, write, kind, cid, en->aux))
					return -EFAULT;
				*host = en->val + (iova & ((1ull << iommu_size_shift(cls)) - 1));
				*cost_ns = m->cfg.hit_ns;
				return 0;
			}
		}
	}
	unsigned level = 0, reads = 0;
	uint64_t pte = walk(m, dom, d, iova, &level, &reads);
	if (m->cfg.kind == IOMMU_IDEAL) {
		m->ctr.iotlb_hit++;
		*cost_ns = m->cfg.hit_ns;
	} else {
		m->ctr.iotlb_miss++;
		m->ctr.walk_reads += reads;
		*cost_ns = m->cfg.miss_ns + (reads - 1) * m->cfg.walk_read_ns;
	}
	if (!pte)
		return record_fault(m, d, iova, write, kind, cid, FAULT_NOT_PRESENT);
	unsigned cls = level - 1;
	if (m->cfg.kind == IOMMU_MODEL) {
		m->ctr.iotlb_miss_size[cls]++;
		struct cache *t = tlb_for(m, cls);
		/* Hardware caches the translation even when the access is then
		 * denied; a later permitted access hits it. */
		if (t->e) {
			cache_insert(t, tlb_tag(d, cls, iova), pte & PTE_ADDR,
				     (uint32_t)(pte & (PTE_READ | PTE_WRITE)));
			dom->cached |= (uint8_t)(1u << cls);
		}
	}
	if (check_perm(m, d, iova, write, kind, cid, pte))
		return -EFAULT;
	uint64_t mask = (1ull << iommu_size_shift(cls)) - 1;
	*host = (pte & PTE_ADDR & ~mask) + (iova & mask);
	return 0;
}
