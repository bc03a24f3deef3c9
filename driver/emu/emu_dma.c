/* Device DMA: every access to host memory goes through the translation hook,
 * one chunk per 4 KiB IOVA page, the way an IOMMU sees a device's requests.
 * Data buffers are described by PRPs (NVMe 1.4, 4.3) with a 4 KiB memory page
 * (CC.MPS = 0). */
#include <stdlib.h>
#include <string.h>

#include "driver/emu/emu_internal.h"

int emu_dma_map(struct emu *emu, uint64_t iova, uint32_t len, enum emu_dma_dir dir,
		enum emu_dma_kind kind, uint16_t cid, void **host, uint64_t *cost_ns)
{
	const struct emu_dma *d = &emu->cfg.dma;

	if (!d->xlate) {
		/* Identity: the IOVA is a host pointer. Nothing can be checked
		 * except the null page, which no DMA buffer ever lives in, so a
		 * zeroed PRP faults instead of crashing the process. */
		if (iova < EMU_PAGE_SIZE)
			return -1;
		*host = (void *)(uintptr_t)iova;
		return 0;
	}
	uint64_t cost = 0;
	void *h = NULL;
	int rc = d->xlate(d->ctx, iova, len, dir, kind, cid, &h, &cost);
	*cost_ns += cost;
	if (rc != 0 || !h)
		return -1;
	*host = h;
	return 0;
}

int emu_xfer_init(struct emu_xfer *x, uint8_t mdts)
{
	/* MDTS limits a transfer to 2^mdts pages; an unaligned PRP1 adds one. */
	uint32_t cap = (1u << mdts) + 1;

	x->segs = calloc(cap, sizeof(*x->segs));
	if (!x->segs)
		return -1;
	x->cap = cap;
	x->nsegs = 0;
	return 0;
}

void emu_xfer_free(struct emu_xfer *x)
{
	free(x->segs);
	x->segs = NULL;
	x->cap = 0;
	x->nsegs = 0;
}

static bool emu_xfer_add(struct emu_xfer *x, uint64_t iova, uint32_t len)
{
	if (x->nsegs == x->cap)
		return false;
	x->segs[x->nsegs].iova = iova;
	x->segs[x->nsegs].host = NULL;
	x->segs[x->nsegs].len = len;
	x->nsegs++;
	return true;
}

/* Builds the segment list for `len` bytes described by PRP1/PRP2 (4.3):
 *  - PRP1 may point into its page but must be dword aligned (Figure 108);
 *  - if the rest fits in PRP1's page, PRP2 is unused;
 *  - if exactly one more page is needed, PRP2 is that page;
 *  - otherwise PRP2 points to a PRP list; its entries have no offset, and the
 *    last entry of a full list page chains to the next list page.
 * Returns a status field value (0 = success). */
uint16_t emu_prp_walk(struct emu *emu, struct emu_xfer *x, uint64_t prp1, uint64_t prp2,
		      uint32_t len, uint16_t cid)
{
	const uint16_t bad_off = EMU_GEN_DNR(NVME_SC_PRP_INVALID_OFFSET);

	x->nsegs = 0;
	x->fault = false;
	if (!len)
		return 0;
	if (prp1 & 3)
		return bad_off;

	uint32_t n = EMU_PAGE_SIZE - (uint32_t)(prp1 & EMU_PAGE_MASK);
	if (n > len)
		n = len;
	emu_xfer_add(x, prp1, n);
	len -= n;
	if (!len)
		return 0;
	if (len <= EMU_PAGE_SIZE) {
		if (prp2 & EMU_PAGE_MASK)
			return bad_off;
		emu_xfer_add(x, prp2, len);
		return 0;
	}

	uint64_t list = prp2;
	uint32_t npages = (len + EMU_PAGE_SIZE - 1) / EMU_PAGE_SIZE;
	if (list & 3)
		return bad_off;
	while (npages) {
		/* Entries are 8 bytes; a list pointer in the last dword of a
		 * page leaves no room for any, which only a bad offset causes. */
		uint32_t avail = (uint32_t)(EMU_PAGE_SIZE - (list & EMU_PAGE_MASK)) / 8;
		if (!avail)
			return bad_off;
		bool last = npages <= avail;
		uint32_t nread = last ? npages : avail;
		void *host;
		if (emu_dma_map(emu, list, nread * 8, EMU_DMA_FROM_HOST, EMU_DMA_PRP_LIST, cid,
				&host, &x->cost_ns)) {
			x->fault = true;
			return EMU_GEN(NVME_SC_DATA_XFER_ERROR);
		}
		uint32_t ndata = last ? nread : nread - 1;
		for (uint32_t i = 0; i < ndata; i++) {
			uint64_t e;
			memcpy(&e, (const uint8_t *)host + 8 * i, sizeof(e));
			if (e & EMU_PAGE_MASK)
				return bad_off;
			uint32_t l = len < EMU_PAGE_SIZE ? len : EMU_PAGE_SIZE;
			if (!emu_xfer_add(x, e, l))
				return EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
			len -= l;
			npages--;
		}
		if (!last) {
			memcpy(&list, (const uint8_t *)host + 8 * (nread - 1), sizeof(list));
			if (list & EMU_PAGE_MASK)
				return bad_off;
		}
	}
	return 0;
}

/* Translates every segment before any byte moves, so a fault on any chunk
 * leaves both host memory and the namespace untouched. */
uint16_t emu_xfer_map(struct emu *emu, struct emu_xfer *x, enum emu_dma_dir dir, uint16_t cid)
{
	for (uint32_t i = 0; i < x->nsegs; i++) {
		struct emu_seg *s = &x->segs[i];
		if (emu_dma_map(emu, s->iova, s->len, dir, EMU_DMA_DATA, cid, &s->host,
				&x->cost_ns)) {
			x->fault = true;
			return EMU_GEN(NVME_SC_DATA_XFER_ERROR);
		}
	}
	return 0;
}

void emu_xfer_to_host(const struct emu_xfer *x, const uint8_t *src)
{
	for (uint32_t i = 0; i < x->nsegs; i++) {
		memcpy(x->segs[i].host, src, x->segs[i].len);
		src += x->segs[i].len;
	}
}

void emu_xfer_from_host(const struct emu_xfer *x, uint8_t *dst)
{
	for (uint32_t i = 0; i < x->nsegs; i++) {
		memcpy(dst, x->segs[i].host, x->segs[i].len);
		dst += x->segs[i].len;
	}
}
