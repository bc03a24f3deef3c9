#include "driver/iommu/pgtable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct pt_node *node_alloc(struct pgtable *pt)
{
	struct pt_node *n = aligned_alloc(4096, sizeof(*n));
	if (n) {
		memset(n, 0, sizeof(*n));
		pt->tables++;
	}
	return n;
}

static struct pt_node *child_of(uint64_t pte)
{
	return (struct pt_node *)(uintptr_t)(pte & ~0xfffull);
}

static void node_free(struct pgtable *pt, struct pt_node *n, unsigned level)
{
	if (level > 1)
		for (unsigned i = 0; i < 512; i++)
			if ((n->e[i] & PTE_PRESENT) && !(n->e[i] & PTE_LEAF))
				node_free(pt, child_of(n->e[i]), level - 1);
	free(n);
	pt->tables--;
}

int pgtable_init(struct pgtable *pt, struct err *e)
{
	memset(pt, 0, sizeof(*pt));
	pt->root = node_alloc(pt);
	return pt->root ? 0 : err_set(e, ENOMEM, "out of memory for an I/O page table");
}

void pgtable_destroy(struct pgtable *pt)
{
	if (pt->root)
		node_free(pt, pt->root, PT_LEVELS);
	pt->root = NULL;
}

uint64_t pgtable_find(const struct pgtable *pt, uint64_t iova, unsigned *level)
{
	const struct pt_node *n = pt->root;
	for (unsigned l = PT_LEVELS; l >= 1; l--) {
		uint64_t pte = n->e[pt_index(iova, l)];
		if (!(pte & PTE_PRESENT))
			return 0;
		if ((pte & PTE_LEAF) || l == 1) {
			*level = l;
			return pte;
		}
		n = child_of(pte);
	}
	return 0;
}

/* First mapped page in [iova, end), or `end` if none. Skips absent
 * subtrees whole, so checking a 1 GiB range costs a few reads. */
static uint64_t first_mapped(const struct pgtable *pt, uint64_t iova, uint64_t end)
{
	while (iova < end) {
		const struct pt_node *n = pt->root;
		unsigned l = PT_LEVELS;
		for (;;) {
			uint64_t pte = n->e[pt_index(iova, l)];
			uint64_t span = 1ull << pt_shift(l);
			if (!(pte & PTE_PRESENT)) {
				iova = (iova & ~(span - 1)) + span;
				break;
			}
			if ((pte & PTE_LEAF) || l == 1)
				return iova;
			n = child_of(pte);
			l--;
		}
	}
	return end;
}

static uint64_t leaf_size(unsigned level)
{
	return 1ull << pt_shift(level);
}

int pgtable_map(struct pgtable *pt, uint64_t iova, uint64_t pa, uint64_t size, uint64_t prot,
		uint64_t max_leaf, void (*freed)(void *ctx, uint64_t iova, unsigned level),
		void *ctx, struct err *e)
{
	if (size == 0 || ((iova | pa | size) & 0xfff))
		return err_set(e, EINVAL,
			       "map of IOVA 0x%llx size 0x%llx: IOVA, address and size must be "
			       "non-zero multiples of 4 KiB",
			       (unsigned long long)iova, (unsigned long long)size);
	if (iova + size < iova || iova + size > (1ull << PT_IOVA_BITS))
		return err_set(e, ERANGE,
			       "map of IOVA 0x%llx size 0x%llx: beyond the 48-bit IOVA space of "
			       "4-level tables",
			       (unsigned long long)iova, (unsigned long long)size);
	uint64_t hit = first_mapped(pt, iova, iova + size);
	if (hit != iova + size)
		return err_set(e, EEXIST,
			       "map of IOVA 0x%llx size 0x%llx overlaps an existing mapping at "
			       "0x%llx; unmap it first",
			       (unsigned long long)iova, (unsigned long long)size,
			       (unsigned long long)hit);
	uint64_t done = 0;
	while (done < size) {
		uint64_t va = iova + done, p = pa + done, rem = size - done;
		unsigned leaf = 1;
		for (unsigned l = 3; l > 1; l--) {
			uint64_t ls = leaf_size(l);
			if (ls <= max_leaf && ls <= rem && !(va & (ls - 1)) && !(p & (ls - 1))) {
				leaf = l;
				break;
			}
		}
		struct pt_node *n = pt->root;
		for (unsigned l = PT_LEVELS; l > leaf; l--) {
			uint64_t *pte = &n->e[pt_index(va, l)];
			if (!(*pte & PTE_PRESENT)) {
				struct pt_node *c = node_alloc(pt);
				if (!c)
					return err_set(e, ENOMEM,
						       "out of memory for I/O page tables after "
						       "mapping 0x%llx of 0x%llx bytes",
						       (unsigned long long)done,
						       (unsigned long long)size);
				*pte = (uint64_t)(uintptr_t)c | PTE_PRESENT | PTE_READ | PTE_WRITE;
			}
			n = child_of(*pte);
		}
		uint64_t *pte = &n->e[pt_index(va, leaf)];
		if ((*pte & PTE_PRESENT) && !(*pte & PTE_LEAF) && leaf > 1) {
			/* An empty table left by earlier 4 KiB unmaps: replace it
			 * with the large leaf and let the caches forget it. */
			node_free(pt, child_of(*pte), leaf - 1);
			if (freed)
				freed(ctx, va, leaf - 1);
		}
		*pte = (p & PTE_ADDR) | (prot & (PTE_READ | PTE_WRITE)) | PTE_PRESENT |
		       (leaf > 1 ? PTE_LEAF : 0);
		pt->leaves[leaf - 1]++;
		done += leaf_size(leaf);
	}
	return 0;
}

int pgtable_unmap(struct pgtable *pt, uint64_t iova, uint64_t size,
		  void (*leaf)(void *ctx, uint64_t iova, unsigned level), void *ctx, struct err *e)
{
	if (size == 0 || ((iova | size) & 0xfff) || iova + size < iova)
		return err_set(e, EINVAL,
			       "unmap of IOVA 0x%llx size 0x%llx: must be a non-zero multiple of "
			       "4 KiB",
			       (unsigned long long)iova, (unsigned long long)size);
	/* Check first, then change: a refused unmap leaves every mapping. */
	for (uint64_t va = iova; va < iova + size;) {
		unsigned l;
		uint64_t pte = pgtable_find(pt, va, &l);
		if (!pte)
			return err_set(e, ENOENT,
				       "unmap of IOVA 0x%llx size 0x%llx: 0x%llx is not mapped",
				       (unsigned long long)iova, (unsigned long long)size,
				       (unsigned long long)va);
		uint64_t ls = leaf_size(l), start = va & ~(ls - 1);
		if (start < iova || start + ls > iova + size)
			return err_set(e, EINVAL,
				       "unmap of IOVA 0x%llx size 0x%llx would split the %llu KiB "
				       "page at 0x%llx; unmap whole mappings",
				       (unsigned long long)iova, (unsigned long long)size,
				       (unsigned long long)(ls >> 10), (unsigned long long)start);
		va = start + ls;
	}
	for (uint64_t va = iova; va < iova + size;) {
		struct pt_node *n = pt->root;
		unsigned l = PT_LEVELS;
		uint64_t *pte;
		for (;;) {
			pte = &n->e[pt_index(va, l)];
			if ((*pte & PTE_LEAF) || l == 1)
				break;
			n = child_of(*pte);
			l--;
		}
		*pte = 0;
		pt->leaves[l - 1]--;
		if (leaf)
			leaf(ctx, va, l);
		va += leaf_size(l);
	}
	return 0;
}
