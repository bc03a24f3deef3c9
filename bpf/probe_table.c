#include "bpf/probe_table.h"

#include <string.h>

#include <linux/vfio.h>

#include "driver/host/uapi/iommufd_abi.h"
#include "bpf/trace_abi.h"
#include "driver/util/array.h"

#define FN(slot, n, a, sz, sh, er, cov)                                                            \
	{                                                                                          \
		.name = n, .kind = PK_FUNCTION, .id = TR_FN0 + (slot), .alt = a, .size_arg = sz,   \
		.size_shift = sh, .ret_errno = er, .covered_by = cov                               \
	}

/* Signatures as of Linux 6.12 (drivers/vfio/vfio_iommu_type1.c,
 * drivers/iommu/iommufd/{ioas,io_pagetable}.c, drivers/iommu/iommu.c,
 * drivers/iommu/intel/{iommu,dmar,cache}.c, drivers/iommu/amd/iommu.c,
 * mm/gup.c). A size argument that moved in another version only loses the
 * bytes column; the duration stays right. */
const struct probe_def probe_defs[] = {
    {.name = "usdt:dma_map",
     .kind = PK_USDT,
     .id = TR_USDT_MAP,
     .usdt_start = "dma_map_start",
     .usdt_done = "dma_map_done"},
    {.name = "usdt:dma_unmap",
     .kind = PK_USDT,
     .id = TR_USDT_UNMAP,
     .usdt_start = "dma_unmap_start",
     .usdt_done = "dma_unmap_done"},
    {.name = "usdt:io_submit", .kind = PK_USDT, .id = TR_USDT_SUBMIT, .usdt_start = "io_submit"},
    {.name = "usdt:io",
     .kind = PK_USDT,
     .id = TR_USDT_IO,
     .usdt_start = "io_submit",
     .usdt_done = "io_complete"},
    /* The four DMA ioctls as the process sees them in the kernel: entry
     * to exit of the system call. The length sits at offset 24 of both map
     * structs (vfio_iommu_type1_dma_map.size, iommu_ioas_map.length) and 16
     * of both unmap structs. */
    {.name = "ioctl:VFIO_IOMMU_MAP_DMA",
     .kind = PK_IOCTL,
     .id = TR_IOCTL0,
     .cmd = VFIO_IOMMU_MAP_DMA,
     .len_off = 24,
     .dflt = 1},
    {.name = "ioctl:VFIO_IOMMU_UNMAP_DMA",
     .kind = PK_IOCTL,
     .id = TR_IOCTL0 + 1,
     .cmd = VFIO_IOMMU_UNMAP_DMA,
     .len_off = 16,
     .dflt = 1},
    {.name = "ioctl:IOMMU_IOAS_MAP",
     .kind = PK_IOCTL,
     .id = TR_IOCTL0 + 2,
     .cmd = IOMMU_IOAS_MAP,
     .len_off = 24,
     .dflt = 1},
    {.name = "ioctl:IOMMU_IOAS_UNMAP",
     .kind = PK_IOCTL,
     .id = TR_IOCTL0 + 3,
     .cmd = IOMMU_IOAS_UNMAP,
     .len_off = 16,
     .dflt = 1},
    {.name = "iommu:map", .kind = PK_TRACEPOINT, .id = TR_TP_MAP, .tp = "map", .dflt = 1},
    {.name = "iommu:unmap", .kind = PK_TRACEPOINT, .id = TR_TP_UNMAP, .tp = "unmap", .dflt = 1},
    {.name = "iommu:io_page_fault",
     .kind = PK_TRACEPOINT,
     .id = TR_TP_FAULT,
     .tp = "io_page_fault",
     .dflt = 1},
    {.name = "intel_iommu:qi_submit",
     .kind = PK_TRACEPOINT,
     .id = TR_TP_QI_SUBMIT,
     .tp = "qi_submit"},
    {.name = "intel_iommu:cache_tag_flush_range",
     .kind = PK_TRACEPOINT,
     .id = TR_TP_FLUSH,
     .tp = "cache_tag_flush_range"},
    {.name = "intel_iommu:cache_tag_flush_range_np",
     .kind = PK_TRACEPOINT,
     .id = TR_TP_FLUSH_NP,
     .tp = "cache_tag_flush_range_np"},
    /* (iommu, map): the size is inside struct vfio_iommu_type1_dma_map. */
    FN(0, "vfio_dma_do_map", NULL, 0, 0, 1, NULL),
    FN(1, "vfio_dma_do_unmap", NULL, 0, 0, 1, NULL),
    /* (dma, vaddr, npage, ...): pages -> bytes. */
    FN(2, "vfio_pin_pages_remote", NULL, 3, 12, 1, NULL),
    FN(3, "iommufd_ioas_map", NULL, 0, 0, 1, NULL),
    FN(4, "iommufd_ioas_unmap", NULL, 0, 0, 1, NULL),
    /* (ictx, iopt, *iova, uptr, length, ...) */
    FN(5, "iopt_map_user_pages", NULL, 5, 0, 1, NULL),
    /* (domain, iova, paddr, size, prot, gfp) */
    FN(6, "iommu_map", NULL, 4, 0, 1, "iommu:map"),
    /* (domain, iova, size): returns the bytes unmapped. */
    FN(7, "iommu_unmap", NULL, 3, 0, 0, "iommu:unmap"),
    FN(8, "__iommu_map", NULL, 4, 0, 1, NULL),
    /* (domain, iova, size, gather) */
    FN(9, "__iommu_unmap", NULL, 3, 0, 0, NULL),
    /* (domain, iova, size) */
    FN(10, "intel_iommu_iotlb_sync_map", NULL, 3, 0, 1, NULL),
    FN(11, "intel_iommu_tlb_sync", NULL, 0, 0, 0, NULL),
    FN(12, "qi_submit_sync", NULL, 0, 0, 1, "intel_iommu:qi_submit"),
    FN(13, "cache_tag_flush_range", NULL, 0, 0, 0, "intel_iommu:cache_tag_flush_range"),
    /* (domain, address, size) */
    FN(14, "amd_iommu_domain_flush_pages", NULL, 3, 0, 0, NULL),
    /* (iommu_data, cmd, arg): the container's ioctl handler, where
     * VFIO_IOMMU_MAP_DMA/UNMAP_DMA enter type1 (vfio_iommu_type1_map_dma and
     * vfio_dma_do_map are inlined into it in 6.12). One slot per command. */
    {.name = "vfio:map_dma",
     .func = "vfio_iommu_type1_ioctl",
     .kind = PK_FUNCTION,
     .id = TR_FN0 + 17,
     .ret_errno = 1,
     .cmd_arg = 2,
     .cmd = VFIO_IOMMU_MAP_DMA},
    {.name = "vfio:unmap_dma",
     .func = "vfio_iommu_type1_ioctl",
     .kind = PK_FUNCTION,
     .id = TR_FN0 + 18,
     .ret_errno = 1,
     .cmd_arg = 2,
     .cmd = VFIO_IOMMU_UNMAP_DMA},
    /* (mm, start, nr_pages, ...): VFIO type1 pins through this. */
    FN(15, "pin_user_pages_remote", "get_user_pages_remote", 3, 12, 1, NULL),
    /* (start, nr_pages, gup_flags, pages): IOMMUFD pins its own mm this way. */
    FN(16, "pin_user_pages_fast", NULL, 2, 12, 1, NULL),
};

const unsigned probe_ndefs = ARRAY_SIZE(probe_defs);

const char *probe_kind_name(enum probe_kind k)
{
	switch (k) {
	case PK_USDT:
		return "usdt";
	case PK_TRACEPOINT:
		return "tracepoint";
	case PK_FUNCTION:
		return "function";
	case PK_IOCTL:
		return "ioctl";
	}
	return "?";
}

const struct probe_def *probe_by_id(uint32_t id)
{
	for (unsigned i = 0; i < probe_ndefs; i++)
		if (probe_defs[i].id == id)
			return &probe_defs[i];
	return NULL;
}

const struct probe_def *probe_by_name(const char *name)
{
	for (unsigned i = 0; i < probe_ndefs; i++)
		if (!strcmp(probe_defs[i].name, name))
			return &probe_defs[i];
	return NULL;
}
