/* I/O page tables of one domain: four levels of 512 eight-byte entries
 * translating a 48-bit IOVA, as Intel VT-d second-level tables (VT-d spec
 * 3.x, 9.8 "Second-Level Paging Entries") and AMD-Vi v1 tables with 4-level
 * mode. Leaves sit at level 1 (4 KiB), 2 (2 MiB, PS bit) or 3 (1 GiB).
 * "Physical" addresses here are host pointers: the emulated device reaches
 * host memory directly. */
#ifndef IOTLB_IOMMU_PGTABLE_H
#define IOTLB_IOMMU_PGTABLE_H

#include <stdint.h>

#include "driver/util/err.h"

#define PT_LEVELS    4
#define PT_IOVA_BITS 48
#define PTE_PRESENT  (1ull << 0)
#define PTE_READ     (1ull << 1) /* device may read */
#define PTE_WRITE    (1ull << 2) /* device may write */
#define PTE_LEAF     (1ull << 7) /* PS: this entry maps a page, not a table */
#define PTE_ADDR     0x000ffffffffff000ull

struct pt_node {
	uint64_t e[512];
};

struct pgtable {
	struct pt_node *root; /* level 4 */
	uint64_t tables;      /* table pages allocated, for memory accounting */
	uint64_t leaves[3];   /* mapped leaves per size: 4K, 2M, 1G */
};

/* Shift of the IOVA bits indexing `level` (1..4): 12, 21, 30, 39. */
static inline unsigned pt_shift(unsigned level)
{
	return 12u + 9u * (level - 1u);
}

static inline unsigned pt_index(uint64_t iova, unsigned level)
{
	return (unsigned)(iova >> pt_shift(level)) & 511u;
}

int pgtable_init(struct pgtable *pt, struct err *e);
void pgtable_destroy(struct pgtable *pt);

/* Maps [iova, iova+size) to [pa, pa+size) with PTE_READ/PTE_WRITE in
 * `prot`, using the largest leaf that the alignment of iova and pa, the
 * remaining size and `max_leaf` (the backing page size) allow, as the Linux
 * IOMMU drivers' pgsize selection does. Fails without changing anything if
 * any page of the range is already mapped. Calls `freed(ctx, prefix_iova,
 * level)` for every empty table a large leaf replaces, so that paging-
 * structure caches can drop it. */
int pgtable_map(struct pgtable *pt, uint64_t iova, uint64_t pa, uint64_t size, uint64_t prot,
		uint64_t max_leaf, void (*freed)(void *ctx, uint64_t iova, unsigned level),
		void *ctx, struct err *e);

/* Unmaps exactly [iova, iova+size). Every leaf in the range must lie wholly
 * inside it: splitting a large leaf is refused (see the README's IOMMU model
 * section). Fails without changing anything otherwise. Calls `leaf(ctx,
 * iova, level)` for each leaf removed. */
int pgtable_unmap(struct pgtable *pt, uint64_t iova, uint64_t size,
		  void (*leaf)(void *ctx, uint64_t iova, unsigned level), void *ctx, struct err *e);

/* Finds the leaf covering iova. Returns its entry (0 if unmapped), its
 * level in *level. */
uint64_t pgtable_find(const struct pgtable *pt, uint64_t iova, unsigned *level);

#endif
