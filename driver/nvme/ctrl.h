/* Controller lifecycle: bring-up as named stages, admin commands, I/O queue
 * creation and deletion, reset and shutdown (NVMe base 1.4, 7.6.1
 * "Initialization" and 7.6.2 "Shutdown"). */
#ifndef IOTLB_NVME_CTRL_H
#define IOTLB_NVME_CTRL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "driver/dma.h"
#include "driver/nvme/queue.h"
#include "driver/nvme/spec.h"

struct nvme_ctrl_opts {
	uint32_t admin_timeout_ms; /* per admin command (default 5000) */
	uint32_t io_timeout_ms;	   /* per I/O command (default 5000) */
	uint16_t admin_entries;	   /* admin queue size (default 64) */
	uint16_t io_queues;	   /* I/O queue pairs to ask for (default 64) */
};

void nvme_ctrl_opts_default(struct nvme_ctrl_opts *o);

struct nvme_ctrl_info {
	char serial[21];
	char model[41];
	char firmware[9];
	uint16_t vid;
	uint16_t cntlid;
	uint32_t version;     /* VS register: major 31:16, minor 15:8, tertiary 7:0 */
	uint32_t max_xfer;    /* MDTS in bytes, capped at the driver's own limit */
	uint32_t nn;	      /* Identify NN */
	uint32_t max_entries; /* CAP.MQES + 1 */
	uint32_t dstrd;	      /* CAP.DSTRD */
	uint32_t timeout_ms;  /* CAP.TO in ms */
	uint16_t io_queues;   /* I/O queue pairs granted by Set Features */
	bool vwc;	      /* volatile write cache present: Flush matters */
};

struct nvme_ns_info {
	struct nvme_ns ns;
	uint64_t ncap;
	uint64_t nuse;
	uint32_t nlbaf;	      /* number of LBA formats (NLBAF + 1) */
	uint32_t lbaf_ds[16]; /* LBA data size shift of each format */
	uint32_t lbaf_ms[16]; /* metadata bytes of each format */
	uint32_t flbas;	      /* format in use */
};

struct nvme_ctrl {
	struct dma_dev *dev;
	struct transport *tr; /* dev->tr */
	uint64_t cap;
	struct nvme_ctrl_opts opts;
	struct nvme_ctrl_info info;
	struct nvme_ns_info *ns;
	uint32_t nns;
	struct nvme_queue *admin;
	pthread_mutex_t admin_lock;
	struct dma_buf scratch;		 /* 4 KiB for Identify data */
	struct nvme_queue **ioq;	 /* by qid - 1; NULL when free */
	struct nvme_queue_stats retired; /* counts of the I/O queues already deleted */
	bool enabled;
};

/* Brings up the controller behind `dev` (which stays owned by the caller):
 * its registers through dev->tr, its queues and Identify buffer from
 * dma_alloc. */
int nvme_ctrl_open(struct dma_dev *dev, const struct nvme_ctrl_opts *o, struct nvme_ctrl **out,
		   struct err *e);
/* Deletes every I/O queue, shuts the controller down, disables it. */
void nvme_ctrl_close(struct nvme_ctrl *c);

/* Controller reset (7.3.2): disable, re-create the admin queue and every I/O
 * queue that existed. Outstanding commands come back from the next poll of
 * their queue as NVME_HOST_ABORTED. No other thread may use the controller's
 * queues during a reset. */
int nvme_ctrl_reset(struct nvme_ctrl *c, struct err *e);

int nvme_ctrl_create_queue(struct nvme_ctrl *c, uint16_t entries, struct nvme_queue **out,
			   struct err *e);
int nvme_ctrl_delete_queue(struct nvme_ctrl *c, struct nvme_queue *q, struct err *e);

/* The queue counters summed over the controller's life: the admin queue,
 * every live I/O queue and every deleted one. bad_cqes + late_cqes are the
 * completions the driver consumed without handing them to anyone; on a
 * working device both stay 0. */
void nvme_ctrl_stats(const struct nvme_ctrl *c, struct nvme_queue_stats *out);

/* Runs one admin command to completion. `len` bytes of `buf` carry data (in
 * either direction, per the opcode). On a device error the status is in
 * *status (if given) and in the message. */
int nvme_admin_exec(struct nvme_ctrl *c, const struct nvme_sqe *cmd, const struct dma_buf *buf,
		    size_t len, uint32_t *dw0, uint32_t *status, struct err *e);

/* Namespace by id, or NULL. */
const struct nvme_ns *nvme_ctrl_ns(const struct nvme_ctrl *c, uint32_t nsid);

/* Synchronous I/O for set-up and tests: submits and polls until done. */
int nvme_io_sync(struct nvme_queue *q, uint8_t opc, const struct nvme_ns *ns, uint64_t slba,
		 const struct dma_buf *buf, size_t off, size_t len, uint32_t *status,
		 struct err *e);

/* Explains a failed nvme_queue_rw (its negative errno `rc`) in `e`: the
 * rule the command broke and the limit behind it (namespace size, LBA size,
 * MDTS, PRP alignment, free command slots), with the errno's text. Returns
 * the negative errno. Slow path, for callers reporting the failure. */
int nvme_rw_error(const struct nvme_queue *q, const struct nvme_ns *ns, uint64_t slba, size_t off,
		  size_t len, int rc, struct err *e);

/* Waits for CSTS.RDY to equal `ready` within `timeout_ms` (CAP.TO). */
int nvme_wait_ready(struct transport *t, bool ready, uint32_t timeout_ms, struct err *e);

/* Describes a driver status for humans: "LBA Out of Range (SCT 0 SC 0x80)". */
const char *nvme_status_desc(uint32_t status, char *buf, size_t len);

#endif
