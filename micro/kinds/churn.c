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
enum { P_PAGE_SIZE, P_CHURN, P_OP, P_IO_SIZE, P_IOS, P_WARMUP, P_QD, P_RAW, NKEYS };

static const struct kind_key keys[NKEYS] = {
    [P_PAGE_SIZE] = {&key_page_size, "4k", 0},
    [P_CHURN] = {&key_churn, "persistent", 0},
    [P_OP] = {&key_op, "read", 0},
    [P_IO_SIZE] = {&key_io_size, "4k", 0},
    [P_IOS] = {&key_ios, "20000", 0},
    [P_WARMUP] = {&key_warmup, "1000", KK_QUIET},
    [P_QD] = {&key_qd, "1", 0},
    [P_RAW] = {&key_raw, "0", KK_QUIET},
};

struct churn {
	struct bench_env *r;
	struct dma_buf *buf; /* qd slots */
	uint8_t *mapped;
	uint32_t *pending; /* slots waiting for a batch unmap */
	uint32_t npending;
	uint64_t batch; /* 0 persistent, 1 per-io, N batch */
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

static int run_churn(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	uint64_t ps = c->v[P_PAGE_SIZE], io = c->v[P_IO_SIZE], qd = c->v[P_QD];
	uint64_t ios = c->v[P_IOS], warmup = c->v[P_WARMUP];
	struct churn ch = {.r = r, .batch = c->v[P_CHURN]};
	/* A buffer is reused only once its mapping is gone, so batch:N needs
	 * N buffers beyond those in flight. */
	uint64_t nslots = qd + (ch.batch > 1 ? ch.batch : 0);
	ch.buf = calloc(nslots, sizeof(*ch.buf));
	ch.mapped = calloc(nslots, 1);
	ch.pending = calloc(nslots, sizeof(*ch.pending));
	uint64_t *start = calloc(nslots, sizeof(*start));
	uint32_t *free_slots = calloc(nslots, sizeof(*free_slots));
	struct hist *h = malloc(sizeof(*h));
	struct nvme_queue *q = NULL;
	int rc = ch.buf && ch.mapped && ch.pending && start && free_slots && h
		     ? 0
		     : err_set(e, ENOMEM, "out of memory");
	uint64_t nalloc = 0;
	for (; !rc && nalloc < nslots; nalloc++)
		if ((rc = backend_mem_alloc(r->be, io, ps, &ch.buf[nalloc], e)))
			break;
	if (!rc)
		rc = nvme_ctrl_create_queue(r->c, (uint16_t)(qd + 1), &q, e);
	const uint32_t prot = DMA_PROT_READ | DMA_PROT_WRITE;
	for (uint64_t s = 0; !rc && ch.batch == 0 && s < nslots; s++) {
		rc = backend_map(r->be, &ch.buf[s], prot, e);
		ch.mapped[s] = !rc;
	}
	if (h)
		hist_reset(h);
	struct samples raw;
	samples_init(&raw, (int)c->v[P_RAW]);
	uint32_t nfree = 0;
	for (uint64_t s = 0; free_slots && s < nslots; s++)
		free_slots[nfree++] = (uint32_t)(nslots - 1 - s);
	uint64_t submitted = 0, completed = 0, total = warmup + ios, seed = 0x5eed ^ qd;
	uint64_t lbas_per_io = io >> r->ns->lba_shift, nblocks = r->ns->nlbas / lbas_per_io;
	uint8_t opc = bench_opcode(c->v[P_OP]);
	uint64_t t_start = timer_ticks();
	struct ctr_set before;
	ctr_read(r->be, &before);
	while (!rc && completed < total) {
		while (!rc && submitted < total && submitted - completed < qd && nfree) {
			uint32_t s = free_slots[--nfree];
			start[s] = timer_ticks();
			if (!ch.mapped[s]) {
				rc = backend_map(r->be, &ch.buf[s], prot, e);
				ch.mapped[s] = !rc;
				if (rc)
					break;
			}
			uint64_t lba = bench_rand(&seed) % nblocks * lbas_per_io;
			int src = nvme_queue_rw(q, opc, r->ns, lba, &ch.buf[s], 0, io,
						(void *)(uintptr_t)s);
			if (src) {
				nvme_rw_error(q, r->ns, lba, 0, io, src, e);
				rc = err_wrap(e, "submitting a %llu-byte I/O at LBA %llu",
					      (unsigned long long)io, (unsigned long long)lba);
			}
			submitted++;
		}
		struct nvme_done d;
		if (rc || !nvme_queue_poll(q, &d, 1))
			continue;
		if (d.status) {
			char sb[256];
			rc = err_set(e, nvme_status_errno(d.status),
				     "I/O failed (queue %u, command %u): %s", q->qid, d.cid,
				     nvme_status_desc(d.status, sb, sizeof(sb)));
			completed++;
			break;
		}
		uint32_t s = (uint32_t)(uintptr_t)d.ctx;
		if (ch.batch == 1) {
			rc = backend_unmap(r->be, &ch.buf[s], e);
			ch.mapped[s] = rc != 0;
			free_slots[nfree++] = s;
		} else if (ch.batch > 1) {
			ch.pending[ch.npending++] = s;
			if (ch.npending >= ch.batch) {
				for (uint32_t i = 0; i < ch.npending; i++)
					free_slots[nfree++] = ch.pending[i];
				rc = unmap_pending(&ch, e);
			}
		} else {
			free_slots[nfree++] = s;
		}
		uint64_t t = timer_ns(timer_ticks() - start[s]);
		if (completed == warmup) {
			t_start = timer_ticks();
			ctr_read(r->be, &before);
		}
		if (completed >= warmup) {
			hist_add(h, t);
			samples_add(&raw, t);
		}
		completed++;
		if ((completed & 255) == 0 && env_stopping(r) && !rc)
			rc = err_set(e, EINTR, "interrupted");
	}
	if (!rc)
		rc = bench_finish_io(r, c, c->v[P_OP], h, &raw, &before, ios, t_start, e);
	/* Drain what is in flight, then unmap and free every buffer. */
	struct err ignore;
	if (q) {
		struct nvme_done d;
		for (uint64_t n = submitted - completed; n > 0; n--)
			if (bench_wait(q, &d, &ignore) && (d.status & NVME_HOST_MASK))
				break;
		nvme_ctrl_delete_queue(r->c, q, &ignore);
	}
	for (uint64_t s = 0; s < nalloc; s++) {
		if (ch.mapped[s])
			backend_unmap(r->be, &ch.buf[s], &ignore);
		backend_mem_free(r->be, &ch.buf[s]);
	}
	free(ch.buf);
	free(ch.mapped);
	free(ch.pending);
	free(start);
	free(free_slots);
	free(h);
	samples_free(&raw);
	return rc;
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
    .fill_row = fill_row,
    .run = run_churn,
};
