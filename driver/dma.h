/* A buffer the device may access: host virtual memory plus the device
 * (bus or IO virtual) address of each byte. With an IOMMU the IOVA range is
 * contiguous; without one (pagemap) each backing page has its own physical
 * address, so a per-page table is kept. */
#ifndef IOTLB_DMA_H
#define IOTLB_DMA_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

enum dma_prot {
	DMA_PROT_READ = 1u << 0, /* device may read host memory */
	DMA_PROT_WRITE = 1u << 1 /* device may write host memory */
};

struct dma_buf {
	uint8_t *va;	     /* host virtual address */
	size_t len;	     /* bytes */
	size_t page_size;    /* backing page size: 4 KiB, 2 MiB, 1 GiB */
	unsigned page_shift; /* log2(page_size) */
	uint64_t iova;	     /* device address of va[0] when `pages` is NULL */
	uint64_t *pages;     /* device address of each backing page, or NULL */
	uint32_t prot;	     /* enum dma_prot */
	bool locked;	     /* resident and mlocked since allocation (pagemap's mem_alloc) */
	bool hugetlb;	     /* backed by hugetlbfs pages: each one physically contiguous */
	void *mem_priv;	     /* owned by the memory allocator */
	void *map_priv;	     /* owned by the backend that mapped it */
};

/* Device address of byte `off` of the buffer. Hot path: one branch. */
static inline uint64_t dma_addr(const struct dma_buf *b, size_t off)
{
	if (!b->pages)
		return b->iova + off;
	return b->pages[off >> b->page_shift] + (off & (b->page_size - 1));
}

#endif
