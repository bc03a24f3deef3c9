/* Result rows: one line of results.csv per measured series of a case, its
 * latency histogram (latency_hist.csv), its counters (counters.csv) and,
 * when asked for, every sample (raw_samples.csv). The column order is the
 * schema's (datasets/README.md); this file is its one writer. */
#ifndef IOTLB_ROWS_H
#define IOTLB_ROWS_H

#include <stdint.h>

#include "micro/dataset/dataset.h"
#include "micro/measure/counters.h"
#include "micro/measure/hist.h"
#include "micro/measure/samples.h"

/* The columns a kind may fill; unset ones are written empty. */
struct result_row {
	char case_id[64];
	const char *kind;
	const char *backend;
	uint64_t page_size;
	const char *op;
	uint64_t io_size, qd, threads, pages, map_size, mappings, ops;
	int has_io, has_qd, has_pages, has_map_size, has_mappings;
	char churn[32];
	double iops;
	uint64_t mem_bytes;
	int has_mem;
	const char *order; /* reuse: "cyclic" or "random"; NULL elsewhere */
	/* reuse: the pages besides the data pages each I/O makes the device
	 * touch (queue rings, PRP lists: IOTLB entries too) and their size. */
	uint64_t other_pages, other_page_size;
	int has_other;
	/* reuse, pages = auto: "auto" on every point the search visited (NULL
	 * for a listed point) and its verdict: "baseline", "fits", "misses",
	 * or "unsure" for a measurement repeated with a larger budget. */
	const char *search, *verdict;
	const struct samples *raw; /* written to raw_samples.csv when set */
	/* Set for `threads` without `qd` (dmamap: the kernel's threads). */
	int has_threads;
	/* dmamap: what the kernel's dma_map_benchmark reports, a mean and a
	 * standard deviation and nothing else (no count, no distribution).
	 * When set, mean_ns and stddev_ns come from here and ops, the
	 * percentiles, max_ns and iops are written empty, with no histogram
	 * rows; the histogram argument is ignored. */
	const struct row_moments *moments;
	/* dmamap: the DMA direction mapped and the simulated transfer time
	 * between map and unmap (NULL / has_trans 0 elsewhere). */
	const char *dma_dir;
	uint64_t dma_trans_ns;
	int has_trans;
};

struct row_moments {
	double mean_ns, stddev_ns;
};

/* Appends the row, its histogram and (when given) its counters. */
int dataset_emit_row(struct dataset *d, const struct result_row *row, const struct hist *h,
		     const struct ctr_set *ctr, struct err *e);

/* counters.csv rows of source iommu_debugfs: the IOPTE leaves of each size
 * (events leaf_4k, leaf_2m, leaf_1g) that map the case's data buffer, as
 * the IOMMU's page table held them at the end of the case. */
void dataset_emit_leaves(struct dataset *d, const char *case_id, uint64_t n4k, uint64_t n2m,
			 uint64_t n1g);

#endif
