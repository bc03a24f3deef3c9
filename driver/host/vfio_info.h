/* What the VFIO type1 IOMMU driver reports about itself through
 * VFIO_IOMMU_GET_INFO: the page-size bitmap, and in the capability chain
 * (include/uapi/linux/vfio.h, struct vfio_info_cap_header; each `next` is an
 * offset from the start of the info buffer, 0 ends the chain) the valid
 * IOVA ranges (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, Linux 5.4) and the
 * number of mappings still allowed (VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 5.10). */
#ifndef IOTLB_VFIO_INFO_H
#define IOTLB_VFIO_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver/util/err.h"
#include "driver/host/iova_range.h"

#define VFIO_INFO_MAX_RANGES 32

struct vfio_iommu_caps {
	uint64_t pgsizes;
	struct iova_range ranges[VFIO_INFO_MAX_RANGES];
	unsigned nranges;
	bool has_ranges;
	uint32_t dma_avail;
	bool has_dma_avail;
};

/* Parses an info buffer of `len` bytes as the kernel filled it. */
int vfio_info_parse(const void *buf, size_t len, struct vfio_iommu_caps *out, struct err *e);
/* Asks the container (after VFIO_SET_IOMMU) and parses the answer. */
int vfio_info_query(int container, struct vfio_iommu_caps *out, struct err *e);

#endif
