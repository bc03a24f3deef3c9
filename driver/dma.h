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

struct err;
struct transport;
struct dma_dev;

/* How a driver gets memory its device can reach. The NVMe core calls these
 * only to set up and tear down (queue rings, the Identify page), never per
 * I/O, so the indirection costs the hot path nothing. */
struct dma_dev_ops {
	/* `len` bytes on pages of `page_size`, mapped for the device with
	 * `prot` (enum dma_prot); buf gets both addresses. */
	int (*alloc)(struct dma_dev *d, size_t len, size_t page_size, uint32_t prot,
		     struct dma_buf *buf, struct err *e);
	/* Unmaps and frees a buffer from alloc. */
	void (*free)(struct dma_dev *d, struct dma_buf *buf);
};

/* A device as the NVMe core sees it: the transport to its registers and
 * the way to give it DMA memory. Whatever grants the device DMA access (a
 * backend in driver/backend/) embeds one and implements the ops. */
struct dma_dev {
	const struct dma_dev_ops *ops;
	struct transport *tr;
};

static inline int dma_alloc(struct dma_dev *d, size_t len, size_t page_size, uint32_t prot,
			    struct dma_buf *buf, struct err *e)
{
	return d->ops->alloc(d, len, page_size, prot, buf, e);
}

static inline void dma_free(struct dma_dev *d, struct dma_buf *buf)
{
	d->ops->free(d, buf);
}

#endif
