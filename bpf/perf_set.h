/* A set of performance counters read around each case: CPU events of the
 * measuring process (libpfm4 names) and IOMMU PMU events counted
 * system-wide ("dmar/iotlb_lookup": every dmarN unit, summed). Each
 * counter is read with PERF_FORMAT_TOTAL_TIME_ENABLED|RUNNING and scaled
 * by enabled/running when the kernel multiplexed it. An event the machine
 * lacks stays in the set as unsupported, so counters.csv says so instead of
 * writing 0. */
#ifndef IOTLB_PERF_SET_H
#define IOTLB_PERF_SET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "driver/util/err.h"

#define PERF_SET_MAX   32
#define PERF_UNITS_MAX 64 /* uncore_iio: stacks x dies when summed */

struct perf_ctr {
	char event[96]; /* name written to counters.csv */
	char spec[128]; /* as asked for */
	bool supported;
	char why[640];	/* reason when unsupported */
	char note[360]; /* how it counts, when that needs saying (IIO stack) */
	int nfd;
	int fd[PERF_UNITS_MAX];
	uint64_t v0[PERF_UNITS_MAX], en0[PERF_UNITS_MAX], run0[PERF_UNITS_MAX];
};

struct perf_set {
	unsigned n;
	struct perf_ctr c[PERF_SET_MAX];
};

/* The default list: perf_cpu_defaults() plus the vendor's IOMMU events
 * (Intel: dmar/iotlb_lookup, dmar/iotlb_hit, uncore_iio/iotlb_miss; AMD:
 * amd_iommu/mem_iommu_tlb_pte_mis, .../mem_iommu_tlb_pde_mis,
 * .../mem_trans_total). Comma-separated. The IIO lookups are left out of
 * the default: on a CPU with both PMUs they would add to dmar's. */
const char *perf_set_default_spec(char *buf, size_t len);

/* Opens every event of the comma-separated `spec` (NULL: the default
 * list). `bdf` is the measured PCI device (NULL for none): the uncore_iio/
 * events count on the IIO stack that hosts it (bpf/uncore_iio.h). Only a
 * malformed spec is an error; missing events become unsupported entries. */
int perf_set_open(struct perf_set *s, const char *spec, const char *bdf, struct err *e);
/* Marks the start of a case. */
void perf_set_begin(struct perf_set *s);
/* Writes one counters.csv row per event for the case:
 * case,pmu,event,value,enabled_ns,running_ns. */
void perf_set_write(struct perf_set *s, const char *case_id, FILE *f);
/* One line per event: opened, or why not. */
void perf_set_report(const struct perf_set *s, FILE *f);
void perf_set_close(struct perf_set *s);

#endif
