/* The benchmark runner: runs every case of a suite on one backend and
 * writes the dataset as it goes. Each case runs through its kind's
 * descriptor (micro/kinds/kind.h); the runner itself is a sequence of named
 * phases (runner.c): open the device, open the dataset, run each case with
 * bounded recovery, close. */
#ifndef IOTLB_RUNNER_H
#define IOTLB_RUNNER_H

#include <signal.h>
#include <stdbool.h>

#include "driver/backend/backend.h"
#include "micro/kinds/kind.h"

struct run_opts {
	const char *suite_path;
	const char *const *sets;
	unsigned nset;
	const struct kind *const *kinds; /* NULL = the built-in kinds */
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
	char *dataset_dir; /* when set, the run's dataset directory is copied here */
	size_t dataset_dir_len;
};

/* Runs a whole suite; returns 0, 130/143 when interrupted, 1 on error. */
int runner_main(const struct run_opts *o);

/* SIGINT/SIGTERM: the first sets the flag and the run stops at the next
 * safe point; a second exits at once (signals.c). */
volatile sig_atomic_t *run_signals_install(void);

#endif
