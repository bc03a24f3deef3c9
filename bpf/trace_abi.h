/* What the BPF programs (iotlb.bpf.c) and their loader share: probe ids,
 * map keys and values, the ring-buffer event and the histogram layout.
 * Plain C with __u32/__u64 so it compiles on both sides (a skeleton global
 * typed u64 would break the bpftool-generated header). */
#ifndef IOTLB_TRACE_ABI_H
#define IOTLB_TRACE_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Log-linear duration buckets, like micro/measure/hist.h but coarser: BPF has no
 * count-leading-zeros instruction, so the power of two is found by a
 * five-step binary search, and a map value must stay small. Group 0 holds
 * 0..7 ns exactly; group g >= 1 splits [8 << (g-1), 16 << (g-1)) into 8
 * equal buckets (12.5 % relative width, at most 6.25 % error at the
 * midpoint). 35 groups reach 2^37 ns (137 s), the userspace range. */
#define TR_SUB_BITS 3
#define TR_SUB	    (1u << TR_SUB_BITS)
#define TR_GROUPS   35
#define TR_BUCKETS  (TR_GROUPS * TR_SUB)

/* Probe ids. Function probes occupy slots TR_FN0 .. TR_FN0 + TR_NFUNC - 1 in
 * the order of the loader's table (bpf/probe_table.c). */
enum tr_probe {
	TR_USDT_MAP = 0, /* dma_map_start -> dma_map_done */
	TR_USDT_UNMAP,	 /* dma_unmap_start -> dma_unmap_done */
	TR_USDT_SUBMIT,	 /* io_submit (count, bytes) */
	TR_USDT_IO,	 /* io_submit -> io_complete of the same queue and CID */
	TR_TP_MAP,	 /* tracepoint iommu:map */
	TR_TP_UNMAP,	 /* tracepoint iommu:unmap */
	TR_TP_FAULT,	 /* tracepoint iommu:io_page_fault */
	TR_TP_QI_SUBMIT, /* tracepoint intel_iommu:qi_submit */
	TR_TP_FLUSH,	 /* tracepoint intel_iommu:cache_tag_flush_range */
	TR_TP_FLUSH_NP,	 /* tracepoint intel_iommu:cache_tag_flush_range_np */
	TR_IOCTL0,	 /* DMA ioctls, system-call entry -> exit (TR_NIOCTL of them) */
	TR_NIOCTL = 4,
	TR_FN0 = TR_IOCTL0 + TR_NIOCTL,
	TR_NFUNC = 20,
	TR_NPROBES = TR_FN0 + TR_NFUNC,
};

/* The kernel tracepoints' ids run from TR_TP_MAP to TR_TP_FLUSH_NP. */
#define TR_NTP (TR_TP_FLUSH_NP - TR_TP_MAP + 1)

/* The histogram array holds this many cases at once (a ring indexed by case
 * number): the runner writes each case out when it ends, long before its
 * slot comes round again. */
#define TR_CASE_SLOTS 16

struct tr_hist {
	__u64 calls;
	__u64 bytes;
	__u64 fails; /* non-zero result (map/unmap rc, NVMe status) */
	__u64 sum_ns;
	__u64 b[TR_BUCKETS];
};

/* A thread's operations in flight, one entry time per probe, in slot
 * tid % TR_THREAD_SLOTS of an array; `tid` says whose they are. */
#define TR_THREAD_SLOTS 1024
struct tr_task {
	__u32 tid;
	__u32 ioctl;	   /* the DMA ioctl probe in flight (sys_enter -> sys_exit), 0 none */
	__u64 ioctl_ts;	   /* ... its entry time */
	__u64 ioctl_bytes; /* ... and length */
	__u64 ts[TR_NPROBES];
	__u64 bytes[TR_NPROBES];
	__u64 addr[TR_NPROBES];
};

/* An I/O command in flight: entry timestamp and what the exit cannot see. */
struct tr_start_key {
	__u64 id; /* pid_tgid, or tgid << 32 | qid << 16 | cid for I/O */
	__u32 probe;
	__u32 pad;
};

struct tr_start {
	__u64 ts;
	__u64 bytes;
	__u64 addr;
};

/* One record of the optional timeline (trace_events.csv). */
struct tr_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC, at the end of the operation */
	__u64 dur_ns;
	__u64 addr;
	__u64 bytes;
	__s64 result;
	__u32 case_id;
	__u32 probe;
	__u32 tid;
	__u32 pad;
};

#endif
