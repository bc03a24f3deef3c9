#include "driver/host/vfio_info.h"

#include <errno.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static int parse_ranges(const uint8_t *base, size_t len, uint32_t off, struct vfio_iommu_caps *out,
			struct err *e)
{
	const struct vfio_iommu_type1_info_cap_iova_range *c = (const void *)(base + off);
	if (off + sizeof(*c) > len)
		return err_set(e, EPROTO, "truncated IOVA range capability");
	if (c->nr_iovas > VFIO_INFO_MAX_RANGES)
		return err_set(e, E2BIG, "the IOMMU reports %u IOVA ranges; at most %d are handled",
			       c->nr_iovas, VFIO_INFO_MAX_RANGES);
	if (off + sizeof(*c) + c->nr_iovas * sizeof(c->iova_ranges[0]) > len)
		return err_set(e, EPROTO, "truncated IOVA range capability (%u ranges)",
			       c->nr_iovas);
	for (uint32_t i = 0; i < c->nr_iovas; i++) {
		out->ranges[i].start = c->iova_ranges[i].start;
		out->ranges[i].last = c->iova_ranges[i].end; /* inclusive in vfio too */
	}
	out->nranges = c->nr_iovas;
	out->has_ranges = true;
	return 0;
}

int vfio_info_parse(const void *buf, size_t len, struct vfio_iommu_caps *out, struct err *e)
{
	const uint8_t *base = buf;
	const struct vfio_iommu_type1_info *info = buf;
	memset(out, 0, sizeof(*out));
	if (len < offsetof(struct vfio_iommu_type1_info, cap_offset))
		return err_set(e, EPROTO, "VFIO_IOMMU_GET_INFO answer too short");
	if (info->flags & VFIO_IOMMU_INFO_PGSIZES)
		out->pgsizes = info->iova_pgsizes;
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || len < sizeof(*info))
		return 0;
	uint32_t off = info->cap_offset;
	/* A chain longer than the buffer could hold headers is corrupt. */
	for (size_t hops = 0; off; hops++) {
		const struct vfio_info_cap_header *h = (const void *)(base + off);
		if (hops > len / sizeof(*h) || off + sizeof(*h) > len || off < sizeof(*info))
			return err_set(e, EPROTO, "corrupt VFIO capability chain at offset %u",
				       off);
		int rc = 0;
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			rc = parse_ranges(base, len, off, out, e);
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			const struct vfio_iommu_type1_info_dma_avail *d = (const void *)h;
			if (off + sizeof(*d) > len)
				return err_set(e, EPROTO, "truncated DMA_AVAIL capability");
			out->dma_avail = d->avail;
			out->has_dma_avail = true;
		}
		if (rc)
			return rc;
		off = h->next;
	}
	return 0;
}

int vfio_info_query(int container, struct vfio_iommu_caps *out, struct err *e)
{
	size_t sz = sizeof(struct vfio_iommu_type1_info);
	for (int pass = 0; pass < 3; pass++) {
		struct vfio_iommu_type1_info *info = calloc(1, sz);
		if (!info)
			return err_set(e, ENOMEM, "out of memory");
		info->argsz = (uint32_t)sz;
		if (ioctl(container, VFIO_IOMMU_GET_INFO, info)) {
			int err = errno;
			free(info);
			return err_set(e, err, "VFIO_IOMMU_GET_INFO failed: %s", strerror(err));
		}
		/* The kernel raises argsz to what the capability chain needs
		 * and fills caps only when they fit. */
		if (info->argsz > sz) {
			sz = info->argsz;
			free(info);
			continue;
		}
		int rc = vfio_info_parse(info, sz, out, e);
		free(info);
		return rc;
	}
	return err_set(e, EPROTO, "VFIO_IOMMU_GET_INFO kept asking for a larger buffer");
}
