/* The IOPTE leaves of a device's VT-d page table, read from the Intel IOMMU
 * debugfs (CONFIG_INTEL_IOMMU_DEBUGFS):
 * /sys/kernel/debug/iommu/intel/<bdf>/domain_translation_struct lists one
 * line per present leaf (drivers/iommu/intel/debugfs.c, pgtable_walk_level
 * and dump_page_info):
 *
 *     0x<IOVA >> 12, 13 hex digits> |<TAB>PML5E<TAB>PML4E<TAB>PDPE[<TAB>PDE[<TAB>PTE]]
 *
 * The entries from the top of the walk down to the leaf, each 0x%016llx;
 * the PML5E, PML4E and PDPE columns always appear (zero above the table's
 * top level), the PDE only below a 1 GiB leaf, the PTE only below a 2 MiB
 * one. So three entries mean a 1 GiB leaf, four a 2 MiB leaf, five a 4 KiB
 * PTE; a superpage leaf has PS (bit 7) set (VT-d spec 9.8). */
#ifndef IOTLB_VTD_DEBUGFS_H
#define IOTLB_VTD_DEBUGFS_H

#include <stddef.h>
#include <stdint.h>

#include "driver/util/err.h"

enum { VTD_LEAF_4K, VTD_LEAF_2M, VTD_LEAF_1G, VTD_NLEAF };

struct vtd_leaves {
	uint64_t n[VTD_NLEAF]; /* leaves of each size that overlap the range */
	uint64_t total;	       /* leaves in the whole table */
};

/* Counts the leaves of `text` (the file's whole content) that overlap
 * [iova, iova + len). Errors: a table the kernel did not print (remapping
 * off, no page table for the device) or a line not in the format above. */
int vtd_leaves_parse(const char *text, uint64_t iova, uint64_t len, struct vtd_leaves *out,
		     struct err *e);

/* Reads the device's file and parses it. The errors say what is missing
 * (debugfs not mounted, a kernel without CONFIG_INTEL_IOMMU_DEBUGFS, not
 * root) and how to get it. */
int vtd_leaves_read(const char *bdf, uint64_t iova, uint64_t len, struct vtd_leaves *out,
		    struct err *e);

#endif
