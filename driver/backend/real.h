/* The backends that drive a real PCI NVMe controller: pagemap (no IOMMU,
 * physical addresses), vfio (legacy container, type1 IOMMU driver) and
 * iommufd (VFIO device cdev bound to an iommufd IOAS). What they offer
 * beyond the common ops table is declared here. */
#ifndef IOTLB_REAL_H
#define IOTLB_REAL_H

#include <stdint.h>

#include "driver/mem/mem.h"
#include "driver/backend/backend.h"
#include "driver/backend/iova.h"

extern const struct backend_ops backend_pagemap_ops;
extern const struct backend_ops backend_vfio_ops;
extern const struct backend_ops backend_iommufd_ops;

/* True for the three backends above. */

/* How the iommufd backend places mappings: the kernel picks the IOVA
 * (IOMMU_IOAS_MAP without FIXED_IOVA, the default) or the backend's own
 * allocator does (FIXED_IOVA). The environment variable IOTLB_IOMMUFD_IOVA
 * (kernel|fixed) sets the mode at open, for runs from the command line. */
enum iommufd_iova_mode { IOMMUFD_IOVA_KERNEL = 0, IOMMUFD_IOVA_FIXED };
int backend_iommufd_set_iova_mode(struct backend *b, enum iommufd_iova_mode m, struct err *e);

/* Maps buf at a caller-chosen IOVA (vfio, iommufd). An IOVA outside the
 * ranges the IOMMU reported, or one in use, is refused with the ranges in
 * the message. Unmap with the ordinary unmap op. */
int backend_map_at(struct backend *b, struct dma_buf *buf, uint64_t iova, uint32_t prot,
		   struct err *e);

/* The valid IOVA ranges the IOMMU reported (vfio, iommufd); count, or 0. */
unsigned backend_iova_ranges(struct backend *b, struct iova_range *out, unsigned max);
/* vfio: mappings the type1 driver still allows (VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL
 * at open minus live mappings); -1 when unknown or not a vfio backend. */
long backend_vfio_dma_avail(struct backend *b);
/* vfio: what close does on kernels without VFIO_UNMAP_ALL (< 5.12): every
 * valid IOVA range unmapped whole. Public so tests can run that path on any
 * kernel. The buffers it unmapped still say they are mapped: free them,
 * do not unmap them. 0, or the first failure. */
int backend_vfio_unmap_by_ranges(struct backend *b, struct err *e);

/* The fd the DMA ioctls go to — the VFIO container (vfio) or /dev/iommu
 * (iommufd, with the IOAS id in *ioas) — for benchmarks that compare the
 * backend with a bare ioctl loop; -1 for other backends. */
int backend_dma_fd(struct backend *b, uint32_t *ioas);

#endif
