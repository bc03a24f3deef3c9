/* Physical Region Page lists (NVMe base 1.4, 4.3 "Physical Region Page
 * Entry and List"), with the memory page size fixed at 4 KiB (CC.MPS = 0). */
#ifndef IOTLB_NVME_PRP_H
#define IOTLB_NVME_PRP_H

#include <stddef.h>
#include <stdint.h>

#include "driver/dma.h"
#include "driver/nvme/spec.h"

/* PRP list entries that fit in `list_pages` chained list pages: each page but
 * the last gives its final entry to the pointer to the next page. */
static inline uint32_t nvme_prp_list_capacity(uint32_t list_pages)
{
	return list_pages ? list_pages * 511u + 1u : 0;
}

/* List pages one transfer of `len` bytes starting `start` bytes into a
 * memory page fills: none while it touches at most two memory pages (PRP1
 * and PRP2 suffice), else enough for one entry per page after the first,
 * each full list page but the last giving an entry to the chain (4.3). */
static inline uint32_t nvme_prp_list_pages_used(size_t start, size_t len)
{
	size_t in = start & (NVME_PAGE_SIZE - 1);
	uint64_t touched = len ? (in + len + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE : 0;
	if (touched <= 2)
		return 0;
	return (uint32_t)((touched - 1 - 1 + 510) / 511);
}

/* List pages a slot needs for transfers of up to `max_xfer` bytes that may
 * start anywhere in a page (so one page more than max_xfer / 4 KiB). */
uint32_t nvme_prp_list_pages_for(uint32_t max_xfer);

/* Fills sqe->prp1/prp2 for `len` bytes at `off` of `buf`, writing a PRP list
 * into `list_pages` chained pages at offset `loff` of `lbuf` when more than
 * two pages are touched. Each list page's device address is looked up on its
 * own: a buffer need not be contiguous in device space (pagemap). Returns 0, or -EINVAL when the
 * start is not dword aligned (4.3: PRP1's offset bits 1:0 must be zero), a later page boundary is
 * not page aligned in device space, or the list is too small. */
int nvme_prp_fill(struct nvme_sqe *sqe, const struct dma_buf *buf, size_t off, size_t len,
		  const struct dma_buf *lbuf, size_t loff, uint32_t list_pages);

/* Hot path: a contiguous buffer whose transfer stays inside the first
 * memory page needs PRP1 only; everything else goes to nvme_prp_fill. */
static inline int nvme_prp_set(struct nvme_sqe *sqe, const struct dma_buf *buf, size_t off,
			       size_t len, const struct dma_buf *lbuf, size_t loff,
			       uint32_t list_pages)
{
	if (__builtin_expect(!buf->pages, 1)) {
		uint64_t a = buf->iova + off;
		if (!(a & 3) && len <= NVME_PAGE_SIZE - (a & (NVME_PAGE_SIZE - 1))) {
			sqe->prp1 = a;
			sqe->prp2 = 0;
			return 0;
		}
	}
	return nvme_prp_fill(sqe, buf, off, len, lbuf, loff, list_pages);
}

#endif
