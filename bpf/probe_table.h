/* Every probe iotlbench knows, by the name used in trace_hist.csv. */
#ifndef IOTLB_PROBE_TABLE_H
#define IOTLB_PROBE_TABLE_H

#include <stdint.h>

/* PK_IOCTL: one ioctl command timed from system-call entry to exit
 * (raw_syscalls:sys_enter/sys_exit). */
enum probe_kind { PK_USDT, PK_TRACEPOINT, PK_FUNCTION, PK_IOCTL };

struct probe_def {
	const char *name; /* "usdt:dma_map", "iommu:map", "iommu_map" */
	enum probe_kind kind;
	uint32_t id; /* enum tr_probe */
	/* USDT: the start and done probe names; tracepoint: the raw name. */
	const char *usdt_start, *usdt_done, *tp;
	/* Functions: other names of the same operation in other kernels. */
	const char *alt;
	uint8_t size_arg;	/* 1-based argument carrying the size, 0 none */
	uint8_t size_shift;	/* bytes = arg << shift */
	uint8_t ret_errno;	/* negative return = failure */
	const char *covered_by; /* tracepoint counting the same operation */
	/* In the default set (`run --trace` without a list): the probes that
	 * fire once or a few times per map/unmap, whose cost stays small
	 * against the operation (README, tracing overhead). */
	uint8_t dflt;
	/* Functions: the kernel symbol when it differs from `name`, and an
	 * ioctl command the probe is limited to (cmd_arg: its 1-based
	 * argument), for handlers that serve several commands. */
	const char *func;
	uint8_t cmd_arg;
	uint32_t cmd; /* also PK_IOCTL's command */
	/* PK_IOCTL: offset of the u64 length in the command's argument. */
	uint8_t len_off;
};

/* "usdt", "tracepoint", "function", "ioctl". */
const char *probe_kind_name(enum probe_kind k);

extern const struct probe_def probe_defs[];
extern const unsigned probe_ndefs;

const struct probe_def *probe_by_id(uint32_t id);
const struct probe_def *probe_by_name(const char *name);

#endif
