/* The smoke benchmark: the first thing `iotlbench run` does until the full
 * suite runner exists. Writes then reads random 4 KiB blocks at each queue
 * depth of the suite file and prints latency percentiles and IOPS. */
#ifndef IOTLB_SMOKE_H
#define IOTLB_SMOKE_H

#include <stdint.h>
#include <stdio.h>

#include "../driver/nvme/ctrl.h"

#define SMOKE_MAX_QD 16

struct smoke_cfg {
	uint64_t io_size;
	uint64_t ios;
	uint32_t qd[SMOKE_MAX_QD];
	unsigned nqd;
	uint32_t nsid;
};

/* Reads a suite file; errors name the file, line and allowed values. */
int smoke_load(const char *path, struct smoke_cfg *cfg, struct err *e);

/* Runs the suite on an open controller and prints one line per case. */
int smoke_run(struct nvme_ctrl *c, const struct smoke_cfg *cfg, FILE *out, struct err *e);

#endif
