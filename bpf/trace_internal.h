/* State shared by trace.c (loading, attaching) and trace_out.c (reading). */
#ifndef IOTLB_TRACE_INTERNAL_H
#define IOTLB_TRACE_INTERNAL_H

#include <pthread.h>

#include "bpf/trace.h"
/* After trace.h: the skeleton names struct tr_hist (trace_abi.h). */
#include "build/bpf/iotlb.skel.h"

#define TRACE_MAX_LINKS 128

struct trace {
	struct iotlb_bpf *skel;
	struct bpf_link *links[TRACE_MAX_LINKS];
	unsigned nlinks;
	struct trace_status st[TR_NPROBES];
	char warnings[640];
	pid_t filter_pid; /* kernel probes count this process only (0: all) */
	/* case index -> name, for rows and events */
	pthread_mutex_t lock;
	char **case_names;
	uint32_t ncase_names;
	/* ring buffer consumer */
	struct ring_buffer *rb;
	FILE *events_f;
	pthread_t events_thread;
	volatile int events_stop;
	int events_running;
};

/* The case's name, or its index as text in buf. Caller holds t->lock. */
const char *trace_case_name(struct trace *t, uint32_t index, char *buf, size_t len);

#endif
