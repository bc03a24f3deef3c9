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
enum {
	P_PAGE_SIZE,
	P_BACKING,
	P_OP,
	P_IO_SIZE,
	P_IOS,
	P_WARMUP,
	P_QD,
	P_THREADS,
	P_BUFFER,
	P_RAW,
	NKEYS
};

static const struct kind_key keys[NKEYS] = {
    [P_PAGE_SIZE] = {&key_page_size, "4k", 0},
    [P_BACKING] = {&key_backing, "default", KK_QUIET},
    [P_OP] = {&key_op, "read", 0},
    [P_IO_SIZE] = {&key_io_size, "4k", 0},
    [P_IOS] = {&key_ios, "20000", 0},
    [P_WARMUP] = {&key_warmup, "1000", KK_QUIET},
    [P_QD] = {&key_qd, "1", 0},
    [P_THREADS] = {&key_threads, "1", 0},
    [P_BUFFER] = {&key_buffer, "64m", 0},
    [P_RAW] = {&key_raw, "0", KK_QUIET},
};

struct worker {
	struct bench_env *r;
	const struct bench_case *c;
	struct nvme_queue *q;
	struct kio_ring *kq; /* the kernel backend's ring instead of q */
	const struct dma_buf *buf;
	unsigned index;
	struct hist h;
	struct samples raw;
	uint64_t t0, t1; /* ticks of the timed part */
	int rc;
	struct err e;
};

/* One worker's I/O stream: qd slots, each free or holding an I/O. */
struct stream {
	uint64_t *start; /* per slot: ticks when its I/O was submitted */
	uint32_t *slots; /* free slots */
	uint32_t nfree;
	uint8_t opc;
	uint64_t io, chunks, lbas, nblocks, seed;
	uint64_t warmup, total, submitted, completed;
};

/* With several threads, one CPU each, round-robin. */
static void pin_worker(const struct worker *w)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (w->c->v[P_THREADS] > 1 && ncpu > 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET((int)(w->index % (unsigned long)ncpu), &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
}

/* The worker's share of the I/Os and its slots, all free. */
static int stream_init(struct worker *w, struct stream *s)
{
	const struct bench_case *c = w->c;
	uint64_t qd = c->v[P_QD];
	*s = (struct stream){.opc = bench_opcode(c->v[P_OP]),
			     .io = c->v[P_IO_SIZE],
			     .seed = 0x9e3779b97f4a7c15ull ^ (w->index + 1),
			     .warmup = c->v[P_WARMUP]};
	s->chunks = w->buf->len / s->io;
	s->lbas = s->io >> w->r->ns->lba_shift;
	s->nblocks = w->r->ns->nlbas / s->lbas;
	s->total = s->warmup + c->v[P_IOS] / c->v[P_THREADS];
	s->start = calloc(qd, sizeof(*s->start));
	s->slots = calloc(qd, sizeof(*s->slots));
	if (!s->start || !s->slots) {
		w->rc = err_set(&w->e, ENOMEM, "out of memory");
		free(s->start);
		free(s->slots);
		return w->rc;
	}
	for (uint32_t i = 0; i < qd; i++)
		s->slots[s->nfree++] = i;
	return 0;
}

/* An I/O on every free slot, at a random buffer offset and LBA. */
static void stream_submit(struct worker *w, struct stream *s)
{
	while (s->submitted < s->total && s->nfree) {
		uint32_t slot = s->slots[--s->nfree];
		uint64_t off = bench_rand(&s->seed) % s->chunks * s->io;
		uint64_t lba = bench_rand(&s->seed) % s->nblocks * s->lbas;
		s->start[slot] = timer_ticks();
		int rc = nvme_queue_rw(w->q, s->opc, w->r->ns, lba, w->buf, off, s->io,
				       (void *)(uintptr_t)slot);
		if (rc) {
			nvme_rw_error(w->q, w->r->ns, lba, off, s->io, rc, &w->e);
			w->rc = err_wrap(&w->e, "submitting a %llu-byte I/O at LBA %llu",
					 (unsigned long long)s->io, (unsigned long long)lba);
			break;
		}
		s->submitted++;
	}
}

/* One completion in `slot` at `now`: its latency once past the warm-up,
 * and the slot free again. The clock restarts when the warm-up ends. */
static inline __attribute__((always_inline)) void stream_done(struct worker *w, struct stream *s,
							      uint32_t slot, uint64_t now)
{
	if (s->completed == s->warmup)
		w->t0 = now;
	if (s->completed >= s->warmup) {
		hist_add(&w->h, timer_ns(now - s->start[slot]));
		samples_add(&w->raw, timer_ns(now - s->start[slot]));
	}
	s->completed++;
	s->slots[s->nfree++] = slot;
}

/* Takes what has completed; the clock restarts when the warm-up ends.
 * Inlined so the stream stays in registers: a call here costs every I/O
 * about 5 instructions inside its timed window (callgrind, qd 8). */
static inline __attribute__((always_inline)) void stream_reap(struct worker *w, struct stream *s)
{
	struct nvme_done d[32];
	unsigned n = nvme_queue_poll(w->q, d, 32);
	uint64_t now = timer_ticks();
	for (unsigned i = 0; i < n; i++) {
		if (d[i].status && !w->rc) {
			char sb[256];
			w->rc = err_set(&w->e, nvme_status_errno(d[i].status),
					"I/O failed (queue %u, command %u): %s", w->q->qid,
					d[i].cid, nvme_status_desc(d[i].status, sb, sizeof(sb)));
		}
		stream_done(w, s, (uint32_t)(uintptr_t)d[i].ctx, now);
	}
}

/* Drain before the queue goes away. */
static void stream_drain(struct worker *w, struct stream *s)
{
	struct nvme_done d;
	struct err ignore;
	for (uint64_t n = s->submitted - s->completed; n > 0; n--)
		if (bench_wait(w->q, &d, &ignore) && (d.status & NVME_HOST_MASK))
			break;
	free(s->start);
	free(s->slots);
}

/* The kernel backend's stream: the same slots over an io_uring ring. A
 * submission is an io_uring_enter(2); a reap blocks for the completion
 * interrupt (or polls with poll=1), as an application on the kernel's
 * path does. Its loop is apart from the NVMe one so neither pays for the
 * other's test. */
static void kstream_submit(struct worker *w, struct stream *s)
{
	while (s->submitted < s->total && s->nfree) {
		uint32_t slot = s->slots[--s->nfree];
		uint64_t off = bench_rand(&s->seed) % s->chunks * s->io;
		uint64_t lba = bench_rand(&s->seed) % s->nblocks * s->lbas;
		s->start[slot] = timer_ticks();
		int rc = kio_rw(w->kq, s->opc == nvme_cmd_write, w->r->ns, lba, w->buf, off, s->io,
				(void *)(uintptr_t)slot);
		if (rc) {
			s->slots[s->nfree++] = slot;
			kio_io_error(w->kq, rc, lba, s->io, &w->e);
			w->rc = err_wrap(&w->e, "submitting");
			break;
		}
		s->submitted++;
	}
}

static void kstream_reap(struct worker *w, struct stream *s)
{
	struct kio_done d[32];
	int n = kio_reap(w->kq, d, 32, true);
	uint64_t now = timer_ticks();
	if (n < 0 && !w->rc)
		w->rc = kio_io_error(w->kq, n, 0, s->io, &w->e);
	for (int i = 0; i < n; i++) {
		if (d[i].res && !w->rc)
			w->rc = kio_io_error(w->kq, d[i].res, 0, s->io, &w->e);
		stream_done(w, s, (uint32_t)(uintptr_t)d[i].ctx, now);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct stream s;
	pin_worker(w);
	if (stream_init(w, &s))
		return NULL;
	w->t0 = timer_ticks();
	if (w->kq) {
		while (!w->rc && s.completed < s.total) {
			kstream_submit(w, &s);
			kstream_reap(w, &s);
			if ((s.completed & 255) == 0 && env_stopping(w->r) && !w->rc)
				w->rc = err_set(&w->e, EINTR, "interrupted");
		}
		w->t1 = timer_ticks();
		free(s.start);
		free(s.slots);
		return NULL; /* kio_ring_close drains what is in flight */
	}
	while (!w->rc && s.completed < s.total) {
		stream_submit(w, &s);
		stream_reap(w, &s);
		if ((s.completed & 255) == 0 && env_stopping(w->r) && !w->rc)
			w->rc = err_set(&w->e, EINTR, "interrupted");
	}
	w->t1 = timer_ticks();
	stream_drain(w, &s);
	return NULL;
}

/* One case: the shared buffer, a worker and a queue pair per thread. */
struct latency_run {
	struct bench_env *r;
	const struct bench_case *c;
	unsigned nt, made, started; /* threads; queues created; threads started */
	struct dma_buf b;
	struct worker *w;
	pthread_t *th;
	struct hist *h; /* the threads' histograms merged */
	struct samples raw;
	struct ctr_set before;
	uint64_t t0, t1; /* the earliest start and latest end of the timed parts */
};

/* A worker and its queue pair per thread. */
static int latency_queues(struct latency_run *lr, struct err *e)
{
	const struct bench_case *c = lr->c;
	lr->w = calloc(lr->nt, sizeof(*lr->w));
	lr->th = calloc(lr->nt, sizeof(*lr->th));
	if (!lr->w || !lr->th)
		return err_set(e, ENOMEM, "out of memory");
	for (; lr->made < lr->nt; lr->made++) {
		struct worker *w = &lr->w[lr->made];
		*w = (struct worker){.r = lr->r, .c = c, .buf = &lr->b, .index = lr->made};
		hist_reset(&w->h);
		samples_init(&w->raw, (int)c->v[P_RAW]);
		int rc =
		    lr->r->kio
			? kio_ring_open(lr->r->kio, (unsigned)c->v[P_QD], &lr->b, &w->kq, e)
			: nvme_ctrl_create_queue(lr->r->c, (uint16_t)(c->v[P_QD] + 1), &w->q, e);
		if (rc)
			return rc;
	}
	return 0;
}

/* Runs the workers to the end. */
static int latency_threads(struct latency_run *lr, struct err *e)
{
	int rc = 0;
	for (; lr->started < lr->nt; lr->started++)
		if (pthread_create(&lr->th[lr->started], NULL, worker_main, &lr->w[lr->started])) {
			rc = err_set(e, EAGAIN, "cannot start thread %u", lr->started);
			break;
		}
	for (unsigned i = 0; i < lr->started; i++)
		pthread_join(lr->th[i], NULL);
	return rc;
}

/* One histogram and one sample list from all threads, or the first
 * thread's error. */
static int latency_merge(struct latency_run *lr, struct err *e)
{
	lr->h = malloc(sizeof(*lr->h));
	if (!lr->h)
		return err_set(e, ENOMEM, "out of memory");
	hist_reset(lr->h);
	lr->t0 = UINT64_MAX;
	lr->t1 = 0;
	for (unsigned i = 0; i < lr->started; i++) {
		const struct worker *w = &lr->w[i];
		if (w->rc) {
			*e = w->e;
			return -w->e.code;
		}
		hist_merge(lr->h, &w->h);
		for (size_t k = 0; k < w->raw.n; k++)
			samples_add(&lr->raw, w->raw.v[k]);
		lr->t0 = w->t0 < lr->t0 ? w->t0 : lr->t0;
		lr->t1 = w->t1 > lr->t1 ? w->t1 : lr->t1;
	}
	return 0;
}

static int latency_emit(struct latency_run *lr, struct err *e)
{
	const struct bench_case *c = lr->c;
	struct ctr_set after, acc;
	ctr_read(lr->r->be, &after);
	ctr_zero_like(&acc, &after);
	ctr_accumulate(&acc, &lr->before, &after);
	struct result_row row;
	case_row_init(&row, lr->r, c, NULL, c->v[P_OP] ? "write" : "read");
	uint64_t el = timer_ns(lr->t1 - lr->t0);
	row.iops = el ? (double)lr->h->count * 1e9 / (double)el : 0;
	row.raw = &lr->raw;
	return case_emit(lr->r, &row, lr->h, &acc, e);
}

static void latency_free(struct latency_run *lr)
{
	struct err ignore;
	for (unsigned i = 0; i < lr->made && lr->w; i++) {
		if (lr->w[i].q)
			nvme_ctrl_delete_queue(lr->r->c, lr->w[i].q, &ignore);
		kio_ring_close(lr->w[i].kq);
		samples_free(&lr->w[i].raw);
	}
	samples_free(&lr->raw);
	backend_dma_free(lr->r->be, &lr->b);
	free(lr->h);
	free(lr->w);
	free(lr->th);
}

static int run_latency(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	unsigned nt = (unsigned)c->v[P_THREADS];
	if (r->c && nt > r->c->info.io_queues)
		return err_set(e, EOPNOTSUPP,
			       "threads = %u but the controller grants %u queue pairs", nt,
			       r->c->info.io_queues);
	struct latency_run lr = {.r = r, .c = c, .nt = nt};
	int rc = bench_buf(r, c->v[P_BUFFER], c->v[P_PAGE_SIZE], &lr.b, e);
	if (rc)
		return rc;
	samples_init(&lr.raw, (int)c->v[P_RAW]);
	rc = latency_queues(&lr, e);
	ctr_read(r->be, &lr.before);
	if (!rc)
		rc = latency_threads(&lr, e);
	if (!rc)
		rc = latency_merge(&lr, e);
	if (!rc)
		rc = latency_emit(&lr, e);
	latency_free(&lr);
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

static uint64_t footprint(const struct bench_case *c)
{
	return round_up_pow2(c->v[P_BUFFER], c->v[P_PAGE_SIZE]);
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
    .footprint = footprint,
    .fill_row = fill_row,
    .run = run_latency,
    .kernel_io = true,
};
