/* Replays a CSV trace of DMA accesses through an IOMMU model, so traces
 * captured elsewhere (QEMU's vtd_* trace events, a PCIe analyser, another
 * driver) can be run through any preset. Header: iova,len,dir plus an
 * optional domain column, in any order; dir is r/read (device reads host
 * memory) or w/write (device writes host memory). Every access falls in an
 * identity mapping of `page_size` pages, made on first touch. */
#ifndef IOTLB_IOMMU_REPLAY_H
#define IOTLB_IOMMU_REPLAY_H

#include <stdio.h>

#include "driver/iommu/iommu.h"

struct replay_stats {
	uint64_t accesses;
	uint64_t chunks;
	uint64_t cost_ns; /* modelled translation time in total */
};

int replay_trace(struct iommu *m, FILE *csv, const char *name, uint64_t page_size,
		 struct replay_stats *st, struct err *e);

#endif
