/* churn: I/O while the mapping policy varies. `persistent` maps every
 * buffer once; `per-io` maps before and unmaps after every I/O, as the
 * kernel's streaming DMA API does; `batch:N` maps per I/O and unmaps N
 * buffers at a time, as a flush queue batches invalidations. An I/O's
 * latency runs from the start of its map to the end of its completion
 * handling, including its own unmap or the batch unmap it triggered. */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "micro/kinds/case.h"
#include "micro/kinds/keys.h"
#include "driver/util/parse.h"

/* persistent = 0, per-io = 1, batch:N = N (N >= 2 I/Os per map/unmap). */
static int parse_churn(const struct key_def *d, const char *t, void *target, uint64_t *out,
		       struct err *e)
{
	(void)target;
	if (!strcmp(t, "persistent")) {
		*out = 0;
		return 0;
	}
	if (!strcmp(t, "per-io")) {
		*out = 1;
		return 0;
	}
	uint64_t n;
	if (!strncmp(t, "batch:", 6) && parse_u64(t + 6, d->max, &n, e) == 0 && n >= 2) {
		*out = n;
		return 0;
	}
	return err_set(e, EINVAL,
		       "churn '%s': allowed values are persistent, per-io, batch:N with N from 2 "
		       "to %llu",
		       t, (unsigned long long)d->max);
}

static void format_churn(uint64_t v, char *buf, size_t len)
{
	if (v == 0)
		snprintf(buf, len, "persistent");
	else if (v == 1)
		snprintf(buf, len, "per-io");
	else
		snprintf(buf, len, "batch:%llu", (unsigned long long)v);
}

static const struct key_def key_churn = {.name = "churn",
					 .type = KEY_CUSTOM,
					 .max = 1u << 20,
					 .parse = parse_churn,
					 .format = format_churn,
					 .help = "persistent, per-io, batch:N"};

/* Key order is grid order: the last key varies fastest. */
enum { P_PAGE_SIZE, P_BACKING, P_CHURN, P_OP, P_IO_SIZE, P_IOS, P_WARMUP, P_QD, P_RAW, NKEYS };

static const struct kind_key keys[NKEYS] = {
    [P_PAGE_SIZE] = {&key_page_size, "4k", 0},	  [P_BACKING] = {&key_backing, "default", KK_QUIET},
    [P_CHURN] = {&key_churn, "persistent", 0},	  [P_OP] = {&key_op, "read", 0},
    [P_IO_SIZE] = {&key_io_size, "4k", 0},	  [P_IOS] = {&key_ios, "20000", 0},
    [P_WARMUP] = {&key_warmup, "1000", KK_QUIET}, [P_QD] = {&key_qd, "1", 0},
    [P_RAW] = {&key_raw, "0", KK_QUIET},
};

struct churn {
	struct bench_env *r;
	struct dma_buf *buf; /* nslots slots */
	uint8_t *mapped;
	uint32_t *pending; /* slots waiting for a batch unmap */
	uint32_t npending;
	uint64_t batch;	      /* 0 persistent, 1 per-io, N batch */
	uint32_t *free_slots; /* slots whose buffer may take the next I/O */
	uint32_t nfree;
	uint64_t *start; /* per slot: ticks when its I/O's map began */
	uint64_t nslots, nalloc;
	struct nvme_queue *q;
	/* The I/O stream. */
	uint64_t io, qd, warmup, total, seed, lbas_per_io, nblocks;
	uint8_t opc;
	uint64_t submitted, completed;
	/* The measurement, from the end of the warm-up. */
	struct hist *h;
	struct samples raw;
	uint64_t t_start;
	struct ctr_set before;
};

static int unmap_pending(struct churn *ch, struct err *e)
{
	int rc = 0;
	for (uint32_t i = 0; i < ch->npending; i++) {
		uint32_t s = ch->pending[i];
		int r2 = backend_unmap(ch->r->be, &ch->buf[s], e);
		if (!r2)
			ch->mapped[s] = 0;
		rc = rc ? rc : r2;
	}
	ch->npending = 0;
	return rc;
}

/* The slot arrays and the histogram; every slot starts free. */
static int churn_alloc(struct churn *ch, struct err *e)
{
	/* A buffer is reused only once its mapping is gone, so batch:N needs
	 * N buffers beyond those in flight. */
	uint64_t nslots = ch->nslots = ch->qd + (ch->batch > 1 ? ch->batch : 0);
	ch->buf = calloc(nslots, sizeof(*ch->buf));
	ch->mapped = calloc(nslots, 1);
	ch->pending = calloc(nslots, sizeof(*ch->pending));
	ch->start = calloc(nslots, sizeof(*ch->start));
	ch->free_slots = calloc(nslots, sizeof(*ch->free_slots));
	ch->h = malloc(sizeof(*ch->h));
	if (ch->h)
		hist_reset(ch->h);
	for (uint64_t s = 0; ch->free_slots && s < nslots; s++)
		ch->free_slots[ch->nfree++] = (uint32_t)(nslots - 1 - s);
	return ch->buf && ch->mapped && ch->pending && ch->start && ch->free_slots && ch->h
		   ? 0
		   : err_set(e, ENOMEM, "out of memory");
}

/* A buffer per slot and the I/O queue; under `persistent` every buffer is
 * mapped now, once. */
static int churn_setup(struct churn *ch, uint64_t ps, struct err *e)
{
	struct bench_env *r = ch->r;
	int rc = churn_alloc(ch, e);
	for (; !rc && ch->nalloc < ch->nslots; ch->nalloc++)
		if ((rc = backend_mem_alloc(r->be, ch->io, ps, &ch->buf[ch->nalloc], e)))
			break;
	if (!rc)
		rc = nvme_ctrl_create_queue(r->c, (uint16_t)(ch->qd + 1), &ch->q, e);
	for (uint64_t s = 0; !rc && ch->batch == 0 && s < ch->nslots; s++) {
		rc = backend_map(r->be, &ch->buf[s], DMA_PROT_READ | DMA_PROT_WRITE, e);
		ch->mapped[s] = !rc;
	}
	return rc;
}

/* Fills the queue up to qd with I/Os on free slots, mapping each buffer
 * that is not mapped. */
static int churn_submit(struct churn *ch, struct err *e)
{
	int rc = 0;
	while (!rc && ch->submitted < ch->total && ch->submitted - ch->completed < ch->qd &&
	       ch->nfree) {
		uint32_t s = ch->free_slots[--ch->nfree];
		ch->start[s] = timer_ticks();
		if (!ch->mapped[s]) {
			rc = backend_map(ch->r->be, &ch->buf[s], DMA_PROT_READ | DMA_PROT_WRITE, e);
			ch->mapped[s] = !rc;
			if (rc)
				break;
		}
		uint64_t lba = bench_rand(&ch->seed) % ch->nblocks * ch->lbas_per_io;
		int src = nvme_queue_rw(ch->q, ch->opc, ch->r->ns, lba, &ch->buf[s], 0, ch->io,
					(void *)(uintptr_t)s);
		if (src) {
			nvme_rw_error(ch->q, ch->r->ns, lba, 0, ch->io, src, e);
			rc = err_wrap(e, "submitting a %llu-byte I/O at LBA %llu",
				      (unsigned long long)ch->io, (unsigned long long)lba);
		}
		ch->submitted++;
	}
	return rc;
}

/* Gives a completed slot back under the policy: unmapped now (per-io), with
 * the batch once it is full (batch:N), or still mapped (persistent). */
static int churn_release(struct churn *ch, uint32_t s, struct err *e)
{
	int rc = 0;
	if (ch->batch == 1) {
		rc = backend_unmap(ch->r->be, &ch->buf[s], e);
		ch->mapped[s] = rc != 0;
		ch->free_slots[ch->nfree++] = s;
	} else if (ch->batch > 1) {
		ch->pending[ch->npending++] = s;
		if (ch->npending >= ch->batch) {
			for (uint32_t i = 0; i < ch->npending; i++)
				ch->free_slots[ch->nfree++] = ch->pending[i];
			rc = unmap_pending(ch, e);
		}
	} else {
		ch->free_slots[ch->nfree++] = s;
	}
	return rc;
}

/* Counts one completion; the clock and the counters restart when the
 * warm-up ends. */
static void churn_record(struct churn *ch, uint64_t t)
{
	if (ch->completed == ch->warmup) {
		ch->t_start = timer_ticks();
		ctr_read(ch->r->be, &ch->before);
	}
	if (ch->completed >= ch->warmup) {
		hist_add(ch->h, t);
		samples_add(&ch->raw, t);
	}
	ch->completed++;
}

static int churn_loop(struct churn *ch, struct err *e)
{
	int rc = 0;
	while (!rc && ch->completed < ch->total) {
		rc = churn_submit(ch, e);
		struct nvme_done d;
		if (rc || !nvme_queue_poll(ch->q, &d, 1))
			continue;
		if (d.status) {
			char sb[256];
			rc = err_set(e, nvme_status_errno(d.status),
				     "I/O failed (queue %u, command %u): %s", ch->q->qid, d.cid,
				     nvme_status_desc(d.status, sb, sizeof(sb)));
			ch->completed++;
			break;
		}
		uint32_t s = (uint32_t)(uintptr_t)d.ctx;
		rc = churn_release(ch, s, e);
		churn_record(ch, timer_ns(timer_ticks() - ch->start[s]));
		if ((ch->completed & 255) == 0 && env_stopping(ch->r) && !rc)
			rc = err_set(e, EINTR, "interrupted");
	}
	return rc;
}

/* Drains what is in flight, then unmaps and frees every buffer. */
static void churn_free(struct churn *ch)
{
	struct err ignore;
	if (ch->q) {
		struct nvme_done d;
		for (uint64_t n = ch->submitted - ch->completed; n > 0; n--)
			if (bench_wait(ch->q, &d, &ignore) && (d.status & NVME_HOST_MASK))
				break;
		nvme_ctrl_delete_queue(ch->r->c, ch->q, &ignore);
	}
	for (uint64_t s = 0; s < ch->nalloc; s++) {
		if (ch->mapped[s])
			backend_unmap(ch->r->be, &ch->buf[s], &ignore);
		backend_mem_free(ch->r->be, &ch->buf[s]);
	}
	free(ch->buf);
	free(ch->mapped);
	free(ch->pending);
	free(ch->start);
	free(ch->free_slots);
	free(ch->h);
	samples_free(&ch->raw);
}

static int run_churn(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	struct churn ch = {.r = r,
			   .batch = c->v[P_CHURN],
			   .io = c->v[P_IO_SIZE],
			   .qd = c->v[P_QD],
			   .warmup = c->v[P_WARMUP],
			   .total = c->v[P_WARMUP] + c->v[P_IOS],
			   .seed = 0x5eed ^ c->v[P_QD],
			   .opc = bench_opcode(c->v[P_OP])};
	samples_init(&ch.raw, (int)c->v[P_RAW]);
	int rc = churn_setup(&ch, c->v[P_PAGE_SIZE], e);
	ch.lbas_per_io = ch.io >> r->ns->lba_shift;
	ch.nblocks = r->ns->nlbas / ch.lbas_per_io;
	ch.t_start = timer_ticks();
	ctr_read(r->be, &ch.before);
	if (!rc)
		rc = churn_loop(&ch, e);
	if (!rc)
		rc = bench_finish_io(r, c, c->v[P_OP], ch.h, &ch.raw, &ch.before, c->v[P_IOS],
				     ch.t_start, e);
	churn_free(&ch);
	return rc;
}

/* qd buffers in flight plus a batch's worth waiting to be unmapped, each
 * rounded up to a page (run_churn). */
static uint64_t footprint(const struct bench_case *c)
{
	uint64_t batch = c->v[P_CHURN] > 1 ? c->v[P_CHURN] : 0;
	return (c->v[P_QD] + batch) * round_up_pow2(c->v[P_IO_SIZE], c->v[P_PAGE_SIZE]);
}

static void fill_row(struct result_row *row, const struct bench_case *c)
{
	row->has_io = 1;
	row->io_size = c->v[P_IO_SIZE];
	row->has_qd = 1;
	row->qd = c->v[P_QD];
	row->threads = 1;
	format_churn(c->v[P_CHURN], row->churn, sizeof(row->churn));
}

const struct kind kind_churn = {
    .name = "churn",
    .summary = "I/O with buffers mapped once, per I/O, or per batch of I/Os",
    .keys = keys,
    .nkeys = NKEYS,
    .footprint = footprint,
    .fill_row = fill_row,
    .run = run_churn,
    .no_kernel_io =
	"it chooses when the backend maps and unmaps, and on the kernel's path the driver decides "
	"that itself (per I/O, through the DMA API; strict or lazy invalidation is the IOMMU mode, "
	"iommu.strict=): run latency on the kernel backend under each mode instead",
};
