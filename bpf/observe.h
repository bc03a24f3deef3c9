/* What `iotlbench run --trace --counters` adds to a run: the tracer and
 * the counter set, opened once, read around every case, written beside
 * the other files of the dataset directory. */
#ifndef IOTLB_OBSERVE_H
#define IOTLB_OBSERVE_H

#include <stdbool.h>
#include <stdio.h>

#include "driver/util/err.h"

struct observe_opts {
	bool trace;
	const char *probes; /* --trace=LIST */
	bool events;	    /* --trace-events */
	bool counters;
	const char *events_spec; /* --counters=LIST */
	const char *bdf;	 /* the measured PCI device, NULL for none */
};

struct observe;
struct perf_set;

/* Opens what o asks for, writing the attach report to `report`. */
int observe_open(const struct observe_opts *o, const char *dir, FILE *report, struct observe **out,
		 struct err *e);
void observe_set_lba_shift(struct observe *ob, unsigned shift);
void observe_case_begin(struct observe *ob, unsigned index, const char *case_id);
/* Rows for the case: trace_hist.csv, trace_calls.csv, and counters.csv
 * (source bpf and pmu) through `counters`. */
int observe_case_end(struct observe *ob, unsigned index, const char *case_id, FILE *counters,
		     struct err *e);
/* The counter set (--counters), NULL without one: for meta.json. */
const struct perf_set *observe_counters(const struct observe *ob);
void observe_close(struct observe *ob);

#endif
