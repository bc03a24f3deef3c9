/* latency: random I/Os of io_size over a large buffer and the whole
 * namespace, `qd` in flight on each of `threads` queue pairs (one thread
 * each, pinned round-robin). At qd = threads = 1 this is the full latency
 * distribution; the grid over qd and threads is the throughput sweep. The
 * threads' histograms are merged. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "micro/kinds/case.h"
#include "micro/kinds/keys.h"

static const struct key_def key_threads = {.name = "threads",
					   .type = KEY_UINT,
					   .min = 1,
					   .max = 64,
					   .help = "threads, one queue pair each"};
static const struct key_def key_buffer = {.name = "buffer",
					  .type = KEY_SIZE,
					  .min = 4096,
					  .max = 64ull << 30,
					  .unit = 4096,
					  .help = "bytes the random I/Os spread over"};

/* Key order is grid order: the last key varies fastest. */
enum { P_PAGE_SIZE, P_OP, P_IO_SIZE, P_IOS, P_WARMUP, P_QD, P_THREADS, P_BUFFER, P_RAW, NKEYS };

static const struct kind_key keys[NKEYS] = {
    [P_PAGE_SIZE] = {&key_page_size, "4k", 0},	  [P_OP] = {&key_op, "read", 0},
    [P_IO_SIZE] = {&key_io_size, "4k", 0},	  [P_IOS] = {&key_ios, "20000", 0},
    [P_WARMUP] = {&key_warmup, "1000", KK_QUIET}, [P_QD] = {&key_qd, "1", 0},
    [P_THREADS] = {&key_threads, "1", 0},	  [P_BUFFER] = {&key_buffer, "64m", 0},
    [P_RAW] = {&key_raw, "0", KK_QUIET},
};

struct worker {
	struct bench_env *r;
	const struct bench_case *c;
	struct nvme_queue *q;
	const struct dma_buf *buf;
	unsigned index;
	struct hist h;
	struct samples raw;
	uint64_t t0, t1; /* ticks of the timed part */
	int rc;
	struct err e;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct bench_case *c = w->c;
	uint64_t io = c->v[P_IO_SIZE], qd = c->v[P_QD];
	uint64_t ios = c->v[P_IOS] / c->v[P_THREADS], warmup = c->v[P_WARMUP];
	uint64_t chunks = w->buf->len / io, lbas = io >> w->r->ns->lba_shift;
	uint64_t nblocks = w->r->ns->nlbas / lbas, seed = 0x9e3779b97f4a7c15ull ^ (w->index + 1);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (c->v[P_THREADS] > 1 && ncpu > 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET((int)(w->index % (unsigned long)ncpu), &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	uint64_t *start = calloc(qd, sizeof(*start));
	uint32_t *slots = calloc(qd, sizeof(*slots));
	if (!start || !slots) {
		w->rc = err_set(&w->e, ENOMEM, "out of memory");
		free(start);
		free(slots);
		return NULL;
	}
	uint32_t nfree = 0;
	for (uint32_t s = 0; s < qd; s++)
		slots[nfree++] = s;
	uint8_t opc = bench_opcode(c->v[P_OP]);
	uint64_t submitted = 0, completed = 0, total = warmup + ios;
	w->t0 = timer_ticks();
	while (!w->rc && completed < total) {
		while (submitted < total && nfree) {
			uint32_t s = slots[--nfree];
			uint64_t off = bench_rand(&seed) % chunks * io;
			uint64_t lba = bench_rand(&seed) % nblocks * lbas;
			start[s] = timer_ticks();
			int rc = nvme_queue_rw(w->q, opc, w->r->ns, lba, w->buf, off, io,
					       (void *)(uintptr_t)s);
			if (rc) {
				nvme_rw_error(w->q, w->r->ns, lba, off, io, rc, &w->e);
				w->rc = err_wrap(&w->e, "submitting a %llu-byte I/O at LBA %llu",
						 (unsigned long long)io, (unsigned long long)lba);
				break;
			}
			submitted++;
		}
		struct nvme_done d[32];
		unsigned n = nvme_queue_poll(w->q, d, 32);
		uint64_t now = timer_ticks();
		for (unsigned i = 0; i < n; i++) {
			if (d[i].status && !w->rc) {
				char sb[256];
				w->rc = err_set(&w->e, nvme_status_errno(d[i].status),
						"I/O failed (queue %u, command %u): %s", w->q->qid,
						d[i].cid,
						nvme_status_desc(d[i].status, sb, sizeof(sb)));
			}
			uint32_t s = (uint32_t)(uintptr_t)d[i].ctx;
			if (completed == warmup)
				w->t0 = now;
			if (completed >= warmup) {
				hist_add(&w->h, timer_ns(now - start[s]));
				samples_add(&w->raw, timer_ns(now - start[s]));
			}
			completed++;
			slots[nfree++] = s;
		}
		if ((completed & 255) == 0 && env_stopping(w->r) && !w->rc)
			w->rc = err_set(&w->e, EINTR, "interrupted");
	}
	w->t1 = timer_ticks();
	/* Drain before the queue goes away. */
	struct nvme_done d;
	struct err ignore;
	for (uint64_t n = submitted - completed; n > 0; n--)
		if (bench_wait(w->q, &d, &ignore) && (d.status & NVME_HOST_MASK))
			break;
	free(start);
	free(slots);
	return NULL;
}

static int run_latency(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	unsigned nt = (unsigned)c->v[P_THREADS];
	if (nt > r->c->info.io_queues)
		return err_set(e, EOPNOTSUPP,
			       "threads = %u but the controller grants %u queue pairs", nt,
			       r->c->info.io_queues);
	struct dma_buf b;
	int rc = bench_buf(r, c->v[P_BUFFER], c->v[P_PAGE_SIZE], &b, e);
	if (rc)
		return rc;
	struct worker *w = calloc(nt, sizeof(*w));
	pthread_t *th = calloc(nt, sizeof(*th));
	if (!w || !th)
		rc = err_set(e, ENOMEM, "out of memory");
	unsigned made = 0;
	for (; !rc && made < nt; made++) {
		w[made] = (struct worker){.r = r, .c = c, .buf = &b, .index = made};
		hist_reset(&w[made].h);
		samples_init(&w[made].raw, (int)c->v[P_RAW]);
		rc = nvme_ctrl_create_queue(r->c, (uint16_t)(c->v[P_QD] + 1), &w[made].q, e);
		if (rc)
			break;
	}
	struct ctr_set before, after, acc;
	ctr_read(r->be, &before);
	unsigned started = 0;
	for (; !rc && started < nt; started++)
		if (pthread_create(&th[started], NULL, worker_main, &w[started])) {
			rc = err_set(e, EAGAIN, "cannot start thread %u", started);
			break;
		}
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	struct hist *h = malloc(sizeof(*h));
	if (!rc && !h)
		rc = err_set(e, ENOMEM, "out of memory");
	uint64_t t0 = UINT64_MAX, t1 = 0;
	if (h)
		hist_reset(h);
	struct samples raw;
	samples_init(&raw, (int)c->v[P_RAW]);
	for (unsigned i = 0; i < started && !rc; i++) {
		if (w[i].rc) {
			*e = w[i].e;
			rc = -w[i].e.code;
			break;
		}
		hist_merge(h, &w[i].h);
		for (size_t k = 0; k < w[i].raw.n; k++)
			samples_add(&raw, w[i].raw.v[k]);
		t0 = w[i].t0 < t0 ? w[i].t0 : t0;
		t1 = w[i].t1 > t1 ? w[i].t1 : t1;
	}
	if (!rc) {
		ctr_read(r->be, &after);
		ctr_zero_like(&acc, &after);
		ctr_accumulate(&acc, &before, &after);
		struct result_row row;
		case_row_init(&row, r, c, NULL, c->v[P_OP] ? "write" : "read");
		uint64_t el = timer_ns(t1 - t0);
		row.iops = el ? (double)h->count * 1e9 / (double)el : 0;
		row.raw = &raw;
		rc = case_emit(r, &row, h, &acc, e);
	}
	struct err ignore;
	for (unsigned i = 0; i < made && w; i++) {
		nvme_ctrl_delete_queue(r->c, w[i].q, &ignore);
		samples_free(&w[i].raw);
	}
	samples_free(&raw);
	backend_dma_free(r->be, &b);
	free(h);
	free(w);
	free(th);
	return rc;
}

static int check(const struct bench_case *c, const char *const *where, struct err *e)
{
	const uint64_t *v = c->v;
	uint64_t need = v[P_IO_SIZE] * v[P_QD] * v[P_THREADS];
	if (v[P_BUFFER] < need)
		return err_set(e, EINVAL,
			       "%s: buffer %llu is smaller than io_size x qd x threads "
			       "(%llu): every I/O in flight needs its own slot",
			       where[P_BUFFER], (unsigned long long)v[P_BUFFER],
			       (unsigned long long)need);
	return 0;
}

static void fill_row(struct result_row *row, const struct bench_case *c)
{
	row->has_io = 1;
	row->io_size = c->v[P_IO_SIZE];
	row->has_qd = 1;
	row->qd = c->v[P_QD];
	row->threads = c->v[P_THREADS];
}

const struct kind kind_latency = {
    .name = "latency",
    .summary = "random I/O latency distribution and throughput over qd x threads",
    .keys = keys,
    .nkeys = NKEYS,
    .check = check,
    .fill_row = fill_row,
    .run = run_latency,
};
