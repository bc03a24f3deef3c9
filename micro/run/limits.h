/* Checks every case of a suite against the opened device's limits before
 * the first case runs, so a suite that cannot run fails at once with the
 * limit named instead of halfway through with a bare "submit failed". */
#ifndef IOTLB_LIMITS_H
#define IOTLB_LIMITS_H

#include <stdbool.h>
#include <stdio.h>

#include "driver/kio/kio.h"
#include "driver/nvme/ctrl.h"
#include "micro/run/suite.h"

int limits_check(const struct suite *s, const struct nvme_ctrl *c, const struct nvme_ns *ns,
		 struct err *e);

/* The same for the kernel backend: every case's kind must run on the
 * kernel's I/O path, and its I/O sizes fit the block device. */
int limits_check_kernel(const struct suite *s, const struct kio_dev *d, struct err *e);

/* The same for the dma-api backend: every case's kind must drive the
 * kernel's DMA-API benchmark (kind.h, dma_bench). */
int limits_check_dma_api(const struct suite *s, struct err *e);

/* Which cases the host's hugepage pools cannot hold (skip[i] set), each
 * page size said once on `out` with the largest need and the fix, instead
 * of once per case. Cases of kinds without a footprint are not judged.
 * `emu`: the run is on the emulated controller, which also takes backing =
 * sparse (the note says so). */
void limits_pools(const struct suite *s, bool emu, FILE *out, bool *skip);

#endif
