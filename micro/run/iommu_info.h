/* What the run records about the IOMMU that translates the device's DMA:
 * the leaf-size setting (iommu_huge), IOMMU_GET_HW_INFO decoded, and
 * whether each case's IOPTE leaves can be counted from the VT-d debugfs
 * (datasets/README.md: meta.json iommu, counters.csv source iommu_debugfs). */
#ifndef IOTLB_IOMMU_INFO_H
#define IOTLB_IOMMU_INFO_H

#include <json-c/json.h>
#include <stdio.h>

#include "micro/kinds/kind.h"

/* Adds meta.json's "iommu" object and, when the device's page-table dump
 * can be read, sets env->leaf_bdf. Says once on `out` (real backends) why
 * leaves are not recorded. `bdf` is the device's PCI address or NULL. */
void iommu_info_record(json_object *meta, struct bench_env *env, const char *bdf,
		       unsigned iommu_huge, FILE *out);

#endif
