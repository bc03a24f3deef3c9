/* In-process emulated NVMe controller (NVMe base spec 1.4).
 *
 * It owns a register file the driver reaches through a struct transport and
 * behaves like a PCIe controller: it fetches SQEs, walks PRP lists and moves
 * data and CQEs only through its DMA hook (struct emu_dma), which is where an
 * IOMMU model sits. Namespaces are RAM-backed. */
#ifndef IOTLB_EMU_H
#define IOTLB_EMU_H

#include <stdbool.h>
#include <stdint.h>

#include "driver/transport.h"
#include "driver/util/err.h"

/* How the controller gets CPU time. */
enum emu_mode {
	EMU_MODE_INLINE, /* processes commands when the driver rings a doorbell and
			    posts due completions when the driver polls an empty CQ */
	EMU_MODE_THREAD, /* a device thread polls the doorbells, like real hardware */
	EMU_MODE_MANUAL	 /* nothing runs until emu_process() is called (tests, benches) */
};

/* Direction of a device DMA, seen from the device. */
enum emu_dma_dir {
	EMU_DMA_FROM_HOST = 0, /* device reads host memory (SQE fetch, PRP list, Write data) */
	EMU_DMA_TO_HOST = 1    /* device writes host memory (CQE, Read data, Identify data) */
};

/* What a DMA is for; passed to the translation hook so faults and counters
 * can be attributed. */
enum emu_dma_kind { EMU_DMA_SQE, EMU_DMA_PRP_LIST, EMU_DMA_DATA, EMU_DMA_CQE };

/* Translation hook. Called once per chunk that never crosses a 4 KiB IOVA
 * boundary. Returns 0 and sets *host, or non-zero for a DMA fault. *cost_ns
 * receives modelled translation time to add to the command's service time. */
struct emu_dma {
	int (*xlate)(void *ctx, uint64_t iova, uint32_t len, enum emu_dma_dir dir,
		     enum emu_dma_kind kind, uint16_t cid, void **host, uint64_t *cost_ns);
	void *ctx;
};

enum emu_fault_kind {
	EMU_FAULT_STATUS, /* complete with `status` (SCT << 8 | SC) instead of executing */
	EMU_FAULT_DROP,	  /* consume the command and never complete it (driver timeout) */
	EMU_FAULT_FATAL	  /* set CSTS.CFS and stop processing until the next reset */
};

struct emu_cfg {
	enum emu_mode mode;
	uint16_t mqes;		/* CAP.MQES: max entries per queue minus one (default 1023) */
	uint8_t dstrd;		/* CAP.DSTRD: doorbell stride 4 << dstrd bytes (default 0) */
	uint8_t to_500ms;	/* CAP.TO in 500 ms units (default 20 = 10 s) */
	uint32_t ready_us;	/* how long CSTS.RDY lags a CC.EN change (default 0) */
	uint8_t mdts;		/* Identify MDTS: 2^mdts pages of 4 KiB (default 5 = 128 KiB) */
	uint16_t max_io_queues; /* I/O queue pairs the controller can allocate (default 64) */
	uint32_t nn;		/* number of namespaces, all the same size (default 1) */
	uint64_t ns_bytes;	/* size of each namespace (default 64 MiB) */
	uint8_t lba_shift;	/* 9 (512 B) or 12 (4 KiB) (default 9) */
	uint64_t base_ns;	/* per-command service time (default 2000) */
	uint64_t bytes_per_sec; /* data transfer bandwidth, 0 = infinite (default 3.2e9) */
	const char *serial;	/* Identify SN/MN/FR (defaults "IOTLBEMU0001", ...) */
	const char *model;
	const char *firmware;
	const char *image;    /* file whose bytes namespace 1 starts with (NULL = zeroes) */
	uint64_t fault_after; /* > 0: the fault_after-th I/O command meets fault_kind */
	enum emu_fault_kind fault_kind; /* STATUS answers Data Transfer Error */
	struct emu_dma dma;		/* NULL xlate = identity (iova is a host pointer) */
};

/* Fills cfg with the defaults documented above. */
void emu_cfg_default(struct emu_cfg *cfg);

struct emu;

int emu_create(const struct emu_cfg *cfg, struct emu **out, struct err *e);
void emu_destroy(struct emu *emu);

/* The transport the driver uses to reach this controller's registers. */
struct transport *emu_transport(struct emu *emu);

/* One round of device work: fetch new SQEs from every queue, execute them,
 * post the completions that are due. Returns the number of CQEs posted.
 * Safe to call in every mode (the inline/thread paths use it too). */
unsigned emu_process(struct emu *emu);

/* Direct access to namespace backing (1-based nsid), for tests that check
 * data integrity or plant on-disk signatures. NULL if nsid is invalid. */
uint8_t *emu_ns_data(struct emu *emu, uint32_t nsid, uint64_t *bytes);

/* Error injection. Applies to the next `count` commands that arrive on queue
 * `qid` (0 = admin) whose opcode equals `opcode` (-1 = any). */

int emu_inject(struct emu *emu, uint16_t qid, int opcode, enum emu_fault_kind kind, uint16_t status,
	       unsigned count, struct err *e);

/* The same, but the rule first lets `skip` matching commands through, and
 * qid EMU_ANY_IO_QUEUE matches every I/O queue: "time out the 5000th I/O". */
#define EMU_ANY_IO_QUEUE 0xffffu
int emu_inject_after(struct emu *emu, uint16_t qid, int opcode, enum emu_fault_kind kind,
		     uint16_t status, unsigned count, uint64_t skip, struct err *e);

struct emu_stats {
	uint64_t commands;	/* commands fetched */
	uint64_t completions;	/* CQEs posted */
	uint64_t bytes_read;	/* data moved device -> host */
	uint64_t bytes_written; /* data moved host -> device */
	uint64_t dma_faults;	/* commands failed by a translation fault */
	uint64_t resets;	/* CC.EN 1 -> 0 transitions */
};
void emu_get_stats(struct emu *emu, struct emu_stats *st);

#endif
