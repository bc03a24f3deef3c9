/* The reuse kind's parts shared by its two files: reuse.c (the keys, one
 * listed point per case) and reuse_auto.c (pages = auto, the search). */
#ifndef IOTLB_KIND_REUSE_H
#define IOTLB_KIND_REUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "micro/kinds/case.h"

/* Key order is grid order: the last key varies fastest. */
enum {
	P_PAGE_SIZE,
	P_BACKING,
	P_ORDER,
	P_PAGES,
	P_OP,
	P_IO_SIZE,
	P_IOS,
	P_MAX_IOS,
	P_WARMUP,
	P_SEED,
	P_RAW,
	REUSE_NKEYS
};

enum { ORDER_CYCLIC, ORDER_RANDOM };

/* pages = auto is stored as 0 (a listed point is at least 1). */
#define REUSE_PAGES_AUTO 0

/* The fewest I/Os per point a search takes (reuse_auto.c: 16 rounds of at
 * least 100). */
#define REUSE_AUTO_MIN_IOS 1600u

/* What one case's points share: the queue, the data buffer (grown as a
 * search needs) and the case's settings. */
struct reuse {
	struct bench_env *r;
	const struct bench_case *c;
	struct nvme_queue *q;
	struct kio_ring *kq; /* the kernel backend's io_uring ring instead of q */
	struct dma_buf b;
	uint64_t bpages; /* pages of b; 0 = none allocated */
	uint8_t opc;
	bool random;
	uint64_t io;
};

/* Makes the data buffer hold at least `pages` pages (a new buffer when it
 * is smaller). */
int reuse_buf(struct reuse *x, uint64_t pages, struct err *e);

/* Runs one point: warm-up, then `ios` timed I/Os over the first `pages`
 * pages of the buffer into h (and raw, when given); *before and *t_start
 * mark the start of the timed part. */
int reuse_point(struct reuse *x, uint64_t pages, uint64_t ios, struct hist *h, struct samples *raw,
		struct ctr_set *before, uint64_t *t_start, struct err *e);

/* Runs one point of a search against a reference measured beside it:
 * warm-up, then `rounds` rounds, each ios / rounds I/Os on page 0 alone
 * into ref and then the next ios / rounds of the point's own stream into
 * h (and raw). A reference adjacent in time cancels what the host does to
 * latency over the search (load from other processes, frequency changes),
 * which a baseline measured once at its start cannot. *ctr accumulates the
 * counters over the point's own rounds, *ticks their time. */
int reuse_point_paired(struct reuse *x, uint64_t pages, uint64_t ios, unsigned rounds,
		       struct hist *h, struct samples *raw, struct samples *ref,
		       struct ctr_set *ctr, uint64_t *ticks, struct err *e);

/* A row for one point of the case: the case's columns with `pages` and the
 * queue's other pages for a run of `ios` timed I/Os. */
void reuse_row(const struct reuse *x, struct result_row *row, const char *suffix, uint64_t pages,
	       uint64_t ios);

/* pages = auto: the search (reuse_auto.c). */
int reuse_auto(struct reuse *x, struct err *e);

#endif
