/* The benchmark runner: runs every case of a suite on one backend and
 * writes the dataset as it goes. Each kind of benchmark is a function in
 * its own file, found through a table (runner.c). */
#ifndef IOTLB_RUNNER_H
#define IOTLB_RUNNER_H

#include <signal.h>
#include <stdbool.h>

#include "driver/backend/backend.h"
#include "bpf/observe.h"
#include "driver/nvme/ctrl.h"
#include "micro/counters.h"
#include "micro/dataset.h"
#include "micro/hist.h"
#include "micro/samples.h"
#include "micro/suite.h"

struct run_opts {
	const char *suite_path;
	const char *const *sets;
	unsigned nset;
	const char *backend;
	struct backend_cfg bcfg;
	const char *out_root; /* default datasets/runs */
	bool force_clock;     /* ignore the TSC */
	int cpu;	      /* pin to this CPU; -1 = the one we start on */
	bool quiet;
	/* --trace[=PROBES], --trace-events, --counters[=EVENTS] (bpf/observe.h) */
	bool trace, trace_events, counters;
	const char *trace_probes, *counter_events;
	bool force_destroy_data; /* write even over partition tables and file systems */
	bool has_range;		 /* confine every I/O to [lba_lo, lba_hi) */
	uint64_t lba_lo, lba_hi;
};

/* One result row (results.csv); unset fields are written empty. */
struct result_row {
	char case_id[64];
	const char *op;
	uint64_t io_size, qd, threads, pages, map_size, mappings, ops;
	int has_io, has_qd, has_pages, has_map_size, has_mappings;
	char churn[32];
	double iops;
	uint64_t mem_bytes;
	int has_mem;
	const struct samples *raw; /* written to raw_samples.csv when set */
};

struct runner {
	struct run_opts o;
	struct backend *be;
	struct nvme_ctrl *c;
	const struct nvme_ns *ns; /* the namespace, or the --lba-range window of it */
	struct nvme_ns window;
	struct dataset ds;
	const struct bench_case *cur;
	unsigned case_index, ncases;
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM */
	struct observe *obs;	     /* tracer and counters, or NULL */
};

/* True once the run must stop; benchmarks check it between operations. */
static inline bool runner_stopping(const struct runner *r)
{
	return *r->stop != 0;
}

/* Writes a row with its histogram and, when given, its counters. */
int runner_emit(struct runner *r, const struct bench_case *c, struct result_row *row,
		const struct hist *h, const struct ctr_set *ctr, struct err *e);

/* Fills the row fields every kind shares (page size, op, ...). */
void runner_row_init(struct result_row *row, const struct bench_case *c, const char *suffix,
		     const char *op);

/* Per-kind entry points. */
int bench_map(struct runner *r, const struct bench_case *c, struct err *e);
int bench_count(struct runner *r, const struct bench_case *c, struct err *e);
int bench_churn(struct runner *r, const struct bench_case *c, struct err *e);
int bench_reuse(struct runner *r, const struct bench_case *c, struct err *e);
int bench_latency(struct runner *r, const struct bench_case *c, struct err *e);

/* Runs a whole suite; returns 0, 130/143 when interrupted, 1 on error. */
int runner_main(const struct run_opts *o);

#endif
