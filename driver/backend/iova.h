/* IOVA allocator for backends that choose device addresses themselves.
 *
 * The IOMMU reports which IOVAs it can translate (VFIO type1:
 * VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE; iommufd: IOMMU_IOAS_IOVA_RANGES).
 * Those ranges have holes (the x86 MSI window 0xfee00000-0xfeefffff) and an
 * upper end set by the IOMMU's address width (39 bits on many VT-d parts and
 * QEMU's intel-iommu), so user virtual addresses (47 bits) cannot be used as
 * IOVAs. Policy: first fit from the lowest address, each block aligned to
 * the buffer's page size so every backing page can be a superpage entry
 * (a 2 MiB page mapped at a 2 MiB-aligned IOVA fills one PDE); IOVA 0 is
 * never handed out, so a zero PRP entry can never alias a live buffer. */
#ifndef IOTLB_IOVA_H
#define IOTLB_IOVA_H

#include <stdbool.h>
#include <stdint.h>

#include "driver/host/iova_range.h"
#include "driver/util/err.h"

#define IOVA_MAG 16

struct iova_alloc {
	struct iova_range *free; /* sorted, disjoint, non-adjacent */
	unsigned nfree, cap;
	struct iova_range *valid; /* the ranges given at init, for messages */
	unsigned nvalid;
	uint64_t min_page; /* smallest IOMMU page size: granule of every block */
	/* Blocks of one size freed last, handed out again first (LIFO), in the
	 * spirit of the kernel's IOVA range cache (drivers/iommu/iova.c,
	 * iova_rcache): a map/unmap loop then costs a compare and a load
	 * instead of a free-list walk and merge, and gets back an IOVA whose
	 * I/O page tables already exist. To the free list they are allocated;
	 * the slow paths give them back before searching. */
	uint64_t mag[IOVA_MAG];
	uint64_t mag_len; /* granule-rounded size of the blocks in mag (0: none yet) */
	unsigned mag_n;
};

/* `pgsizes` is the IOMMU's page-size bitmap (iova_pgsizes); its lowest bit
 * is the granule. Ranges may come in any order. */
int iova_init(struct iova_alloc *a, const struct iova_range *ranges, unsigned n, uint64_t pgsizes,
	      struct err *e);
void iova_fini(struct iova_alloc *a);

/* The paths behind iova_get and iova_put when the cache cannot serve. */
int iova_get_slow(struct iova_alloc *a, uint64_t len, uint64_t align, uint64_t *iova,
		  struct err *e);
void iova_put_slow(struct iova_alloc *a, uint64_t iova, uint64_t len);

/* Whether len rounds up to the cached block size, i.e. lies in
 * (mag_len - min_page, mag_len]: one unsigned compare, which len 0 (and any
 * len when nothing is cached, mag_len 0) fails by wrapping around. */
static inline bool iova_mag_fits(const struct iova_alloc *a, uint64_t len)
{
	return len - 1 - (a->mag_len - a->min_page) < a->min_page;
}

/* A free block of `len` bytes (rounded up to the granule) aligned to `align`
 * (a power of two; values below the granule mean the granule). Inline so
 * the common case, the block just freed, costs no call. align 0 needs no
 * test of its own: align - 1 is then all ones and no cached IOVA is 0. */
static inline int iova_get(struct iova_alloc *a, uint64_t len, uint64_t align, uint64_t *iova,
			   struct err *e)
{
	if (a->mag_n && iova_mag_fits(a, len) && !(align & (align - 1)) &&
	    !(a->mag[a->mag_n - 1] & (align - 1))) {
		*iova = a->mag[--a->mag_n];
		return 0;
	}
	return iova_get_slow(a, len, align, iova, e);
}
/* Takes [iova, iova + len) out of the free space, for mappings at a fixed
 * address; fails when any of it lies outside the valid ranges or is in use. */
int iova_reserve(struct iova_alloc *a, uint64_t iova, uint64_t len, struct err *e);
/* Returns a block from iova_get or iova_reserve. */
static inline void iova_put(struct iova_alloc *a, uint64_t iova, uint64_t len)
{
	if (a->mag_n < IOVA_MAG && iova_mag_fits(a, len)) {
		a->mag[a->mag_n++] = iova;
		return;
	}
	iova_put_slow(a, iova, len);
}

/* Gives the cached blocks back to the free list, which then describes all
 * the free space (tests; the slow paths do it themselves). */
void iova_drain(struct iova_alloc *a);

/* Whether [iova, iova + len) lies inside one valid range. */
bool iova_valid(const struct iova_alloc *a, uint64_t iova, uint64_t len);
/* "0x0-0xfedfffff, 0xfef00000-0x7fffffffff" into buf. */
void iova_describe(const struct iova_alloc *a, char *buf, size_t len);

#endif
