/* An I/O (or admin) queue pair: one submission queue and the completion
 * queue it reports to (NVMe base 1.4, 4.1 "Submission Queue and Completion
 * Queue Definition"). A queue pair belongs to one thread; nothing here locks.
 *
 * Command identifiers are slot indices: a CID is free, busy (submitted), or
 * quarantined (timed out: the device may still complete it, so the CID is
 * not reused until the queue is reset). A completion whose CID is not busy is
 * never handed to the caller. */
#ifndef IOTLB_NVME_QUEUE_H
#define IOTLB_NVME_QUEUE_H

#include <stdint.h>

#include "driver/dma.h"
#include "driver/transport.h"
#include "driver/util/err.h"
#include "driver/nvme/spec.h"

enum nvme_slot_state { SLOT_FREE = 0, SLOT_BUSY, SLOT_QUARANTINED, SLOT_ABORTED };

struct nvme_slot {
	void *ctx;	   /* caller's cookie, returned with the completion */
	uint64_t stamp_ns; /* first time a timeout scan saw it busy; 0 = not yet */
	size_t prp_off;	   /* this slot's PRP list pages: offset into the ring buffer */
	uint8_t state;
};

/* A namespace as the I/O path needs it (filled from Identify Namespace), or
 * a window of one: LBAs given to the I/O path are relative to lba_base and
 * must stay below nlbas, so a benchmark confined to a range cannot stray. */
struct nvme_ns {
	uint32_t nsid;
	uint32_t lba_shift; /* log2(LBA data size) */
	uint64_t nlbas;	    /* NSZE, or the window's length */
	uint64_t lba_base;  /* first LBA of the window (0 for the whole namespace) */
};

/* One finished command. */
struct nvme_done {
	void *ctx;
	uint32_t status; /* 0 = success; see spec.h for device and host bits */
	uint32_t dw0;	 /* command-specific result */
	uint16_t cid;
};

struct nvme_queue_stats {
	uint64_t completed;
	uint64_t timeouts;
	uint64_t bad_cqes;  /* completions that matched no busy command */
	uint64_t late_cqes; /* completions for quarantined (timed-out) commands */
};

struct nvme_queue {
	/* Hot fields first: submit and poll touch only these. */
	struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	volatile uint32_t *sq_db;
	volatile uint32_t *cq_db;
	struct nvme_slot *slots;
	uint16_t *free_cids; /* stack of free CIDs */
	uint32_t nfree;
	uint16_t entries; /* ring size (QSIZE + 1) */
	uint16_t sq_tail;
	uint16_t cq_head;
	uint16_t cq_phase;
	uint16_t qid;
	uint32_t polls;
	uint32_t max_xfer;				   /* MDTS in bytes */
	uint32_t list_pages;				   /* PRP list pages per slot */
	void (*notify)(struct transport *t, uint32_t off); /* tr->notify, one load closer */
	uint32_t sq_db_off;
	uint32_t cq_db_off;
	struct transport *tr;
	uint64_t timeout_ns;
	uint32_t inflight;
	uint8_t sweep; /* aborted slots wait to be reported */
	struct nvme_queue_stats st;
	/* Cold: setup and teardown. */
	struct dma_dev *dev;
	struct dma_buf ring; /* SQ, CQ and PRP list pages in one mapping */
	uint16_t ncids;
	uint8_t created; /* known to the controller */
};

/* Allocates host memory for a queue pair of `entries` slots whose commands
 * move at most `max_xfer` bytes. The queue is not yet known to a device. */
int nvme_queue_alloc(struct dma_dev *dev, uint16_t qid, uint16_t entries, uint32_t max_xfer,
		     unsigned dstrd, uint64_t timeout_ns, struct nvme_queue **out, struct err *e);
void nvme_queue_free(struct nvme_queue *q);

/* Puts the rings back to their post-creation state (empty SQ, zeroed CQ,
 * phase 1). Busy commands become aborted and are reported by the next poll;
 * quarantined CIDs are released. Used after a controller reset. */
void nvme_queue_reset(struct nvme_queue *q);

/* Submits a prepared command (opcode, nsid and cdw10+ set by the caller);
 * sets CID and, when len > 0, PRPs for `len` bytes at `off` of `buf`
 * (with len 0 the command's own PRP fields are sent as they are). Returns 0, -EBUSY when every CID
 * is in use, or -EINVAL for a buffer the PRP rules cannot describe (the queue is left untouched).
 */
int nvme_queue_submit(struct nvme_queue *q, const struct nvme_sqe *cmd, const struct dma_buf *buf,
		      size_t off, size_t len, void *ctx);

/* Read or Write on `ns`: `len` must be a non-zero multiple of the LBA size
 * and at most MDTS; [slba, slba + len/lba) must lie in the namespace. Same
 * returns as nvme_queue_submit, plus -ERANGE for LBAs outside the
 * namespace. This is the driver's hot path. */
int nvme_queue_rw(struct nvme_queue *q, uint8_t opc, const struct nvme_ns *ns, uint64_t slba,
		  const struct dma_buf *buf, size_t off, size_t len, void *ctx);

/* Flush (NVM command set 6.8): commits the volatile write cache. */
int nvme_queue_flush(struct nvme_queue *q, const struct nvme_ns *ns, void *ctx);

/* Reaps up to `max` completions into `out`. Also reports timed-out and
 * aborted commands. Returns the number written. */
unsigned nvme_queue_poll(struct nvme_queue *q, struct nvme_done *out, unsigned max);

/* The queue's own memory a run of I/Os makes the device touch, besides
 * the data: pages of the SQ it fetches commands from, of the CQ it posts
 * to, and of the PRP lists (NVMe 1.4, 4.1 and 4.3). Each is an IOTLB entry
 * that competes with the data pages when both have the same page size. */
struct nvme_dma_footprint {
	uint64_t pages;	    /* distinct pages touched */
	uint64_t page_size; /* their page size (the ring's backing pages) */
	uint64_t sq_pages, cq_pages, prp_pages;
};

/* For `ios` commands with at most `qd` in flight, each moving `len` bytes
 * that start `start` bytes into a memory page: which pages of the queue's
 * rings and PRP lists the device touches. A pure function of the queue's
 * layout: it neither submits nor reads anything. */
void nvme_queue_dma_footprint(const struct nvme_queue *q, uint64_t ios, uint32_t qd, size_t start,
			      size_t len, struct nvme_dma_footprint *out);

/* Outstanding commands (busy CIDs). */
static inline uint32_t nvme_queue_inflight(const struct nvme_queue *q)
{
	return q->inflight;
}

#endif
