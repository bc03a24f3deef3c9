/* Counter snapshots around measured phases: the IOMMU model's counters now,
 * the PMU and BPF sources fill the same shape (bpf/observe.h), each event
 * summed over the phases of a case. */
#ifndef IOTLB_COUNTERS_H
#define IOTLB_COUNTERS_H

#include <stdint.h>

#include "driver/backend/backend.h"

#define CTR_MAX 32

struct ctr_set {
	unsigned n;
	const char *source; /* "model", "pmu", "bpf" */
	const char *name[CTR_MAX];
	uint64_t val[CTR_MAX];
};

/* Reads the backend's counters now (n = 0 when it has none). */
void ctr_read(struct backend *be, struct ctr_set *s);
/* acc += after - before, event by event. */
void ctr_accumulate(struct ctr_set *acc, const struct ctr_set *before, const struct ctr_set *after);
void ctr_zero_like(struct ctr_set *acc, const struct ctr_set *shape);

#endif
