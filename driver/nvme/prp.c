#include "driver/nvme/prp.h"

#include <errno.h>

#define PAGE_MASK ((uint64_t)NVME_PAGE_SIZE - 1)

uint32_t nvme_prp_list_pages_for(uint32_t max_xfer)
{
	/* Worst case: the transfer starts at the end of a page, so PRP1 covers
	 * a sliver and the remaining max_xfer bytes need max_xfer/4K + 1 pages,
	 * all but none of which go in the list when PRP2 alone suffices. */
	uint32_t entries = max_xfer / NVME_PAGE_SIZE + 1;
	if (entries <= 1)
		return 0;
	if (entries <= 512)
		return 1;
	return (entries - 1 + 510) / 511;
}

int nvme_prp_fill(struct nvme_sqe *sqe, const struct dma_buf *buf, size_t off, size_t len,
		  const struct dma_buf *lbuf, size_t loff, uint32_t list_pages)
{
	uint64_t a = dma_addr(buf, off);
	if (a & 3)
		return -EINVAL;
	sqe->prp1 = a;
	size_t first = NVME_PAGE_SIZE - (size_t)(a & PAGE_MASK);
	if (len <= first) {
		sqe->prp2 = 0;
		return 0;
	}
	size_t pos = off + first;
	size_t rem = len - first;
	if (rem <= NVME_PAGE_SIZE) {
		/* Exactly two pages: PRP2 is the second page itself. */
		uint64_t p = dma_addr(buf, pos);
		if (p & PAGE_MASK)
			return -EINVAL;
		sqe->prp2 = p;
		return 0;
	}
	uint32_t n = (uint32_t)((rem + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE);
	if (n > nvme_prp_list_capacity(list_pages))
		return -EINVAL;
	sqe->prp2 = dma_addr(lbuf, loff);
	uint64_t *e = (uint64_t *)(lbuf->va + loff);
	uint32_t in_page = 0;
	for (uint32_t i = 0; i < n; i++) {
		/* A full list page whose entries are not all used up chains: its
		 * last entry points to the next list page (4.3, Figure 86). */
		if (in_page == 511 && i != n - 1) {
			loff += NVME_PAGE_SIZE;
			*e = dma_addr(lbuf, loff);
			e++;
			in_page = 0;
		}
		uint64_t p = dma_addr(buf, pos);
		if (p & PAGE_MASK)
			return -EINVAL;
		*e++ = p;
		in_page++;
		pos += NVME_PAGE_SIZE;
	}
	return 0;
}
