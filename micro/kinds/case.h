/* The case skeleton every benchmark kind shares: buffers, one timed I/O,
 * the result row (the columns common to all kinds plus the kind's own via
 * its fill_row), writing it, and the RNG. A kind file holds only what is
 * particular to it. */
#ifndef IOTLB_CASE_H
#define IOTLB_CASE_H

#include <stdint.h>

#include "micro/dataset/rows.h"
#include "micro/kinds/kind.h"
#include "micro/measure/counters.h"
#include "micro/measure/hist.h"
#include "micro/measure/samples.h"
#include "micro/measure/timer.h"
#include "driver/backend/backend.h"
#include "driver/kio/kio.h"
#include "driver/nvme/ctrl.h"

/* Allocates `len` bytes backed by `page_size` pages and maps them RW. */
int bench_buf(struct bench_env *r, size_t len, uint64_t page_size, struct dma_buf *b,
	      struct err *e);

/* One I/O at queue depth 1, start to completion; returns 0 or an error
 * naming the command's status. *ticks gets the elapsed timer ticks. */
int bench_io_qd1(struct nvme_queue *q, const struct nvme_ns *ns, uint8_t opc, uint64_t slba,
		 const struct dma_buf *b, size_t off, size_t len, uint64_t *ticks, struct err *e);

/* The same on the kernel backend's io_uring ring: one read (op 0) or write
 * (op 1) from submission to its reaped completion. */
int bench_kio_qd1(struct kio_ring *q, const struct nvme_ns *ns, uint64_t op, uint64_t slba,
		  const struct dma_buf *b, size_t off, size_t len, uint64_t *ticks, struct err *e);

/* Waits for one completion on q; fills *d. Returns an error for a failed
 * status. */
int bench_wait(struct nvme_queue *q, struct nvme_done *d, struct err *e);

/* Ends an I/O case: the counters since `before`, IOPS over the timed part
 * (from `t_start` ticks), and the result row with its histogram. */
int bench_finish_io(struct bench_env *r, const struct bench_case *c, uint64_t op,
		    const struct hist *h, const struct samples *raw, const struct ctr_set *before,
		    uint64_t ios, uint64_t t_start, struct err *e);

/* The same for a row the kind prepared (case_row_init, then its own
 * changes): sets iops and raw and writes it. */
int bench_emit_io(struct bench_env *r, struct result_row *row, const struct hist *h,
		  const struct samples *raw, const struct ctr_set *before, uint64_t ios,
		  uint64_t t_start, struct err *e);

/* This round's share of a case's `n` I/Os (run setting `rounds`): n / R,
 * the remainder in the last round, so the rounds add up to n. */
static inline uint64_t bench_round_share(const struct bench_env *r, uint64_t n)
{
	uint64_t R = r->rounds > 1 ? r->rounds : 1, per = n / R;
	return r->round + 1 < R ? per : n - per * (R - 1);
}

/* A row for case c: id "<case>[-suffix]", kind, backend, page size and op,
 * then the columns the kind's fill_row sets. */
void case_row_init(struct result_row *row, const struct bench_env *r, const struct bench_case *c,
		   const char *suffix, const char *op);

/* Writes the row with its histogram and, when given, its counters; and
 * where the runner can read the device's VT-d page table, the IOPTE leaves
 * over the case's data buffer (the last bench_buf of the case). */
int case_emit(struct bench_env *r, const struct result_row *row, const struct hist *h,
	      const struct ctr_set *ctr, struct err *e);

static inline uint64_t bench_rand(uint64_t *s)
{
	/* xorshift64: reproducible LBA and offset choices per case. */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): every output of a counter through a bijective
 * mixer, so any 64-bit seed, 0 included, starts a full-period stream, and
 * nearby seeds (one case and the next) give unrelated streams. */
static inline uint64_t bench_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A uniform integer in [0, n) from a 64-bit random value by Lemire's
 * multiply-shift ("Fast random integer generation in an interval", ACM
 * TOMACS 2019) without the rejection step: one multiplication instead of
 * a division, and a bias of at most n / 2^64. */
static inline uint64_t bench_below(uint64_t r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)r * n) >> 64);
}

/* FNV-1a of a string: folds a case's name into its seed. */
static inline uint64_t bench_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

/* The NVM command for key `op` (0 read, 1 write; NVM command set 3.3). */
static inline uint8_t bench_opcode(uint64_t op)
{
	return op ? nvme_cmd_write : nvme_cmd_read;
}

#endif
