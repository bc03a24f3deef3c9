/* Pieces every benchmark kind shares: buffers, one timed I/O, RNG. */
#ifndef IOTLB_BENCH_UTIL_H
#define IOTLB_BENCH_UTIL_H

#include <stdint.h>

#include "micro/runner.h"
#include "micro/timer.h"

/* Allocates `len` bytes backed by `page_size` pages and maps them RW. */
int bench_buf(struct runner *r, size_t len, uint64_t page_size, struct dma_buf *b, struct err *e);

/* One I/O at queue depth 1, start to completion; returns 0 or an error
 * naming the command's status. *ticks gets the elapsed timer ticks. */
int bench_io_qd1(struct nvme_queue *q, const struct nvme_ns *ns, uint8_t opc, uint64_t slba,
		 const struct dma_buf *b, size_t off, size_t len, uint64_t *ticks, struct err *e);

/* Waits for one completion on q; fills *d. Returns an error for a failed
 * status. */
int bench_wait(struct nvme_queue *q, struct nvme_done *d, struct err *e);

/* Ends an I/O case: the counters since `before`, IOPS over the timed part
 * (from `t_start` ticks), and the result row with its histogram. */
int bench_finish_io(struct runner *r, const struct bench_case *c, const struct hist *h,
		    const struct samples *raw, const struct ctr_set *before, uint64_t ios,
		    uint64_t t_start, struct err *e);

static inline uint64_t bench_rand(uint64_t *s)
{
	/* xorshift64: reproducible LBA and offset choices per case. */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline uint8_t bench_opcode(const struct bench_case *c)
{
	return c->v[P_OP] ? nvme_cmd_write : nvme_cmd_read;
}

#endif
