/* A range of IO virtual addresses the IOMMU translates, as the kernel
 * reports it: VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE (struct vfio_iova_range)
 * and IOMMU_IOAS_IOVA_RANGES (struct iommu_iova_range) both give the last
 * address inclusively, so a range can end at 2^64 - 1. */
#ifndef IOTLB_IOVA_RANGE_H
#define IOTLB_IOVA_RANGE_H

#include <stdint.h>

struct iova_range {
	uint64_t start;
	uint64_t last; /* inclusive, as the kernel reports it */
};

#endif
