/* Kernel tracepoints counted system-wide, per case, with perf counting
 * events (PERF_TYPE_TRACEPOINT, one per online CPU, pid -1): every hit on
 * every CPU in every context. The kernel backend's per-I/O mapping work
 * happens partly in the completion interrupt (the NVMe driver unmaps there,
 * drivers/nvme/host/pci.c nvme_pci_complete_rq), in whatever task was on
 * the CPU, so a per-process filter would drop those unmaps; counting every
 * context on every CPU keeps them, and also counts any other device's DMA
 * in the same window (the counters.csv rows say "system-wide"). */
#ifndef IOTLB_TPCOUNT_H
#define IOTLB_TPCOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TPCOUNT_MAX	 8
#define TPCOUNT_MAX_CPUS 64

struct tpcount_ev {
	char name[64]; /* "iommu:map" */
	bool ok;
	char why[160]; /* when !ok */
	int nfd;
	int fd[TPCOUNT_MAX_CPUS];
	uint64_t v0;
};

struct tpcount {
	unsigned n;
	struct tpcount_ev ev[TPCOUNT_MAX];
};

/* The IOMMU tracepoints the kernel backend's rows count: iommu:map,
 * iommu:unmap and the VT-d invalidations (intel_iommu:qi_submit and the
 * cache-tag flushes, drivers/iommu/intel/trace.h). NULL-terminated. */
extern const char *const tpcount_iommu_events[];

/* Opens each "system:event" of the NULL-terminated list; one that cannot be
 * opened (no tracefs id, no permission) stays with its reason. Returns how
 * many opened. */
unsigned tpcount_open(struct tpcount *t, const char *const *names);
void tpcount_begin(struct tpcount *t);
/* Hits since tpcount_begin, summed over CPUs; false for an unopened event. */
bool tpcount_read(const struct tpcount *t, unsigned i, uint64_t *v);
/* counters.csv rows for the case: case,kernel,<event>,<hits>,, (or
 * "unsupported"). */
void tpcount_write(const struct tpcount *t, const char *case_id, FILE *f);
void tpcount_close(struct tpcount *t);

#endif
