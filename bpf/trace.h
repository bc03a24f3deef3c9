/* The tracer: loads bpf/iotlb.bpf.c, attaches every selected probe the
 * running kernel allows, and reads the in-kernel aggregates per case. */
#ifndef IOTLB_TRACE_H
#define IOTLB_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "driver/util/err.h"
#include "bpf/trace_abi.h"

struct trace_opts {
	/* Comma-separated probe names or groups (default, all, usdt, kernel,
	 * tracepoints, functions); NULL or "" = default: the top-level kernel
	 * map/unmap functions and the tracepoints, the set whose cost the
	 * README's tracing-overhead figures measure. */
	const char *probes;
	/* USDT: the process and its binary; usdt_pid 0 = no USDT probes. */
	pid_t usdt_pid;
	const char *usdt_binary;
	/* Kernel probes count only this process's calls; 0 = every process. */
	pid_t filter_pid;
	bool events; /* stream every operation to the ring buffer */
};

enum trace_state { TS_UNWANTED = 0, TS_ATTACHED, TS_SKIPPED };

struct trace_status {
	enum trace_state state;
	char how[64];  /* "fentry/fexit", "kprobe/kretprobe", "raw_tp", "usdt" */
	char why[640]; /* when skipped */
};

struct trace;

int trace_open(const struct trace_opts *o, struct trace **out, struct err *e);
void trace_close(struct trace *t);

/* The attach report: one line per probe, attached (how) or skipped (why). */
void trace_report(const struct trace *t, FILE *f);
const struct trace_status *trace_status(const struct trace *t, uint32_t probe_id);

/* The case being measured from now on (also set by the case_start USDT
 * probe when attached); `name` labels its rows. */
void trace_set_case(struct trace *t, uint32_t index, const char *name);
/* log2 of the namespace's LBA size, for io_submit's block counts. */
void trace_set_lba_shift(struct trace *t, unsigned shift);

/* Writes and forgets the case's aggregates: trace_hist.csv rows
 * (case,probe,lo_ns,hi_ns,count), trace_calls.csv rows (case,probe,calls,
 * bytes,fails) for every attached probe, and bpf rows of counters.csv
 * (probe.calls, probe.bytes). Any FILE may be NULL. */
int trace_write_case(struct trace *t, uint32_t index, FILE *hist, FILE *calls, FILE *counters,
		     struct err *e);

/* Ring buffer: events go to f (trace_events.csv, header written here) from
 * a background thread until trace_close. */
int trace_events_start(struct trace *t, FILE *f, struct err *e);
uint64_t trace_events_dropped(const struct trace *t);
/* Exits of timed probes whose entry time was missing (attached mid-call, or
 * a thread whose slot another thread had taken): those calls have no
 * duration in the histograms. */
uint64_t trace_timing_lost(const struct trace *t);

/* Under a per-process filter (filter_pid), how a kernel tracepoint's
 * events were attributed to the process (bpf/iotlb.bpf.c, tracepoints):
 * counted, of those counted in another task's context (an unmap in the
 * completion interrupt of the process's I/O), and left out as not the
 * process's. False without a filter or for a probe that is not a kernel
 * tracepoint. */
struct trace_attr {
	uint64_t kept, foreign, left;
};
bool trace_attribution(const struct trace *t, uint32_t probe_id, struct trace_attr *a);
/* One line per attached kernel tracepoint that fired, saying what the
 * filter counted and left out, and by which rule; nothing without a
 * filter. */
void trace_print_attribution(const struct trace *t, FILE *f);

/* Live view: sums every case per probe and prints log2 histograms in the
 * style of bpftrace's hist(). */
void trace_print_live(struct trace *t, FILE *f);

/* Bucket bounds of the BPF histogram (trace_abi.h): [lo, hi) ns. */
void trace_bucket_bounds(unsigned i, uint64_t *lo, uint64_t *hi);

#endif
