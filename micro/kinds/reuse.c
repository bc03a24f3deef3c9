/* reuse: the IOTLB footprint sweep. One small I/O per page over `pages`
 * distinct pages of the buffer, one I/O in flight. While the pages fit the
 * IOTLB every data translation hits; past its reach they miss and the
 * latency steps up by the miss cost.
 *
 * order = cyclic visits the pages in turn: past the reach of an LRU or FIFO
 * IOTLB every I/O misses, a sharp step. order = random picks a uniformly
 * random page per I/O, as pcie-bench's window sweeps do: the miss fraction
 * then grows as about 1 - N/W for N entries over W pages whatever the
 * replacement policy, which tells a random-replacement IOTLB from a larger
 * LRU one where a cyclic sweep cannot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/util/parse.h"
#include "micro/kinds/keys.h"
#include "micro/kinds/reuse.h"

/* Distinct pages the I/Os go over (the footprint the IOTLB must hold), or
 * auto: search for the largest that fits (reuse_auto.c). */
static int parse_pages(const struct key_def *d, const char *text, void *target, uint64_t *out,
		       struct err *e)
{
	(void)d;
	(void)target;
	if (!strcmp(text, "auto")) {
		*out = REUSE_PAGES_AUTO;
		return 0;
	}
	if (!parse_u64(text, 1u << 20, out, e) && *out >= 1)
		return 0;
	return err_set(e, EINVAL,
		       "pages = %s: allowed 1 to 1048576, or auto (search for the IOTLB's reach)",
		       text);
}

static void format_pages(uint64_t v, char *buf, size_t len)
{
	if (v == REUSE_PAGES_AUTO)
		snprintf(buf, len, "auto");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static const struct key_def key_pages = {
    .name = "pages",
    .type = KEY_CUSTOM,
    .parse = parse_pages,
    .format = format_pages,
    .help = "distinct pages the I/Os go over, 1 to 1048576, or auto: a search for the "
	    "largest count whose I/Os do not miss, from latency alone"};

static const char *const orders[] = {"cyclic", "random", NULL};

static const struct key_def key_order = {
    .name = "order",
    .type = KEY_CHOICE,
    .choices = orders,
    .help = "cyclic (page after page) or random (a uniformly random page per I/O)"};

static const struct key_def key_seed = {
    .name = "seed",
    .type = KEY_UINT,
    .min = 0,
    .max = UINT64_MAX,
    .help = "order = random: seed, mixed with the case name so each case differs"};

static const struct key_def key_max_ios = {
    .name = "max_ios",
    .type = KEY_UINT,
    .min = 0,
    .max = 10000000000ull,
    .help = "pages = auto: most timed I/Os one point may take when its verdict is within "
	    "the noise (ios is the first budget, doubled up to this; 0 = 16 x ios)"};

static const struct kind_key keys[REUSE_NKEYS] = {
    [P_PAGE_SIZE] = {&key_page_size, "4k", 0},
    [P_BACKING] = {&key_backing, "default", KK_QUIET},
    [P_ORDER] = {&key_order, "cyclic", 0},
    [P_PAGES] = {&key_pages, NULL, 0},
    [P_OP] = {&key_op, "read", 0},
    [P_IO_SIZE] = {&key_io_size, "512", 0},
    [P_IOS] = {&key_ios, "65536", 0},
    [P_MAX_IOS] = {&key_max_ios, "0", KK_QUIET},
    [P_WARMUP] = {&key_warmup, "0", KK_QUIET},
    [P_SEED] = {&key_seed, "1", KK_QUIET},
    [P_RAW] = {&key_raw, "0", KK_QUIET},
};

/* Untimed I/Os before a point's timed ones, so the IOTLB holds what a
 * steady state holds. Cyclic: two passes over the pages (one fills it, the
 * second settles FIFO and random replacement). Random: every page must have
 * been drawn once; by the coupon collector's tail (P[some page of W still
 * undrawn after W (ln W + c) draws] <= e^-c) W (ln W + 4) draws leave one
 * undrawn with probability under 2 %, and one such page costs one miss. */
static uint64_t reuse_warmup(const struct reuse *x, uint64_t pages)
{
	uint64_t w = x->c->v[P_WARMUP];
	if (w)
		return w;
	if (!x->random)
		return 2 * pages;
	/* ln W from above, by ceil(log2 W) ln 2: no libm in the program. */
	unsigned lg = pages > 1 ? 64u - (unsigned)__builtin_clzll(pages - 1) : 0;
	return (uint64_t)((double)pages * ((double)lg * 0.6931471805599453 + 4.0)) + 1;
}

/* The random stream of one point: the suite's seed, the case and the page
 * count, so every case and every point of a search is reproducible and
 * none repeats another's. */
static uint64_t point_seed(const struct reuse *x, uint64_t pages)
{
	uint64_t s = x->c->v[P_SEED] ^ bench_hash(x->c->name);
	s ^= pages * 0x9e3779b97f4a7c15ull;
	(void)bench_splitmix(&s);
	return s;
}

/* Where a point's stream of pages stands: the cyclic position or the
 * random state, kept across the rounds of a paired point. */
struct stream {
	uint64_t pages, next, rs;
};

/* One I/O at `page` of the buffer; *ticks its latency. */
static int io_at(struct reuse *x, uint64_t page, uint64_t *ticks, struct err *e)
{
	size_t off = (size_t)(page << x->b.page_shift);
	return x->kq ? bench_kio_qd1(x->kq, x->r->ns, x->c->v[P_OP], 0, &x->b, off, x->io, ticks, e)
		     : bench_io_qd1(x->q, x->r->ns, x->opc, 0, &x->b, off, x->io, ticks, e);
}

/* n I/Os of the stream; each latency goes into h and raw when h is given
 * (NULL: untimed warm-up). */
static int stream_ios(struct reuse *x, struct stream *st, uint64_t n, struct hist *h,
		      struct samples *raw, struct err *e)
{
	int rc = 0;
	for (uint64_t i = 0; !rc && i < n; i++) {
		/* No division per I/O: the cyclic index wraps by compare, the
		 * random one scales a 64-bit draw by multiply-shift. */
		uint64_t page;
		if (x->random) {
			page = bench_below(bench_splitmix(&st->rs), st->pages);
		} else {
			page = st->next;
			if (++st->next == st->pages)
				st->next = 0;
		}
		uint64_t ticks;
		rc = io_at(x, page, &ticks, e);
		if (!rc && h) {
			hist_add(h, timer_ns(ticks));
			if (raw)
				samples_add(raw, timer_ns(ticks));
		}
		if ((i & 255) == 0 && env_stopping(x->r))
			rc = err_set(e, EINTR, "interrupted");
	}
	return rc;
}

/* The start of a point: each point starts cold where the backend can
 * empty the IOTLB (after a larger point, stale entries would otherwise
 * linger under random replacement, where a miss evicts a random entry,
 * often a live one, long past the warm-up and count as misses of this
 * point), then the warm-up. */
static int stream_start(struct reuse *x, struct stream *st, uint64_t pages, struct err *e)
{
	*st = (struct stream){.pages = pages, .rs = point_seed(x, pages)};
	backend_flush_iotlb(x->r->be);
	return stream_ios(x, st, reuse_warmup(x, pages), NULL, NULL, e);
}

int reuse_point(struct reuse *x, uint64_t pages, uint64_t ios, struct hist *h, struct samples *raw,
		struct ctr_set *before, uint64_t *t_start, struct err *e)
{
	struct stream st;
	hist_reset(h);
	int rc = stream_start(x, &st, pages, e);
	if (rc)
		return rc;
	ctr_read(x->r->be, before);
	*t_start = timer_ticks();
	return stream_ios(x, &st, ios, h, raw, e);
}

int reuse_point_paired(struct reuse *x, uint64_t pages, uint64_t ios, unsigned rounds,
		       struct hist *h, struct samples *raw, struct samples *ref,
		       struct ctr_set *ctr, uint64_t *ticks, struct err *e)
{
	struct stream st;
	hist_reset(h);
	*ticks = 0;
	int rc = stream_start(x, &st, pages, e);
	struct ctr_set before, after;
	ctr_read(x->r->be, &before);
	ctr_zero_like(ctr, &before);
	uint64_t per = ios / rounds;
	for (unsigned k = 0; !rc && k < rounds; k++) {
		/* The reference: page 0, which the point's own pages include, so
		 * it evicts none of them (on an LRU IOTLB it only renews page 0).
		 * Its first two I/Os are untimed: past the reach, the point's
		 * stream has just evicted page 0. */
		uint64_t t;
		for (uint64_t i = 0; !rc && i < per + 2; i++) {
			rc = io_at(x, 0, &t, e);
			if (!rc && i >= 2)
				samples_add(ref, timer_ns(t));
		}
		if (rc)
			break;
		uint64_t n = k + 1 < rounds ? per : ios - per * (rounds - 1);
		ctr_read(x->r->be, &before);
		uint64_t t0 = timer_ticks();
		rc = stream_ios(x, &st, n, h, raw, e);
		*ticks += timer_ticks() - t0;
		ctr_read(x->r->be, &after);
		ctr_accumulate(ctr, &before, &after);
	}
	return rc;
}

/* The reach is the IOTLB's entry count, not the data pages: every I/O
 * also makes the device fetch its command from the SQ, post to the CQ and
 * (for transfers over two memory pages) read a PRP list. The queue knows
 * which of its pages a run touches; the row records them so the analysis
 * can add them where they share the IOTLB with the data (same page size,
 * or a unified IOTLB). */
void reuse_row(const struct reuse *x, struct result_row *row, const char *suffix, uint64_t pages,
	       uint64_t ios)
{
	case_row_init(row, x->r, x->c, suffix, x->c->v[P_OP] ? "write" : "read");
	row->pages = pages;
	/* On the kernel backend the driver's own queues are out of sight (and
	 * the DMA API maps every I/O anew): nothing to record. */
	if (!x->q)
		return;
	struct nvme_dma_footprint fp;
	/* Every data I/O starts on a page boundary (offset page << shift). */
	nvme_queue_dma_footprint(x->q, reuse_warmup(x, pages) + ios, 1, 0, x->io, &fp);
	row->has_other = 1;
	row->other_pages = fp.pages;
	row->other_page_size = fp.page_size;
}

int reuse_buf(struct reuse *x, uint64_t pages, struct err *e)
{
	if (x->bpages >= pages)
		return 0;
	if (x->bpages)
		backend_dma_free(x->r->be, &x->b);
	x->bpages = 0;
	uint64_t ps = x->c->v[P_PAGE_SIZE];
	int rc = bench_buf(x->r, pages * ps, ps, &x->b, e);
	if (!rc)
		x->bpages = pages;
	return rc;
}

static int run_listed(struct reuse *x, struct err *e)
{
	const struct bench_case *c = x->c;
	/* This round's share (run setting rounds; all of them when once). */
	uint64_t pages = c->v[P_PAGES], ios = bench_round_share(x->r, c->v[P_IOS]);
	struct hist *h = malloc(sizeof(*h));
	if (!h)
		return err_set(e, ENOMEM, "out of memory");
	struct samples raw;
	samples_init(&raw, (int)c->v[P_RAW]);
	struct ctr_set before;
	uint64_t t_start = 0;
	int rc = reuse_point(x, pages, ios, h, &raw, &before, &t_start, e);
	if (!rc) {
		struct result_row row;
		reuse_row(x, &row, NULL, pages, ios);
		rc = bench_emit_io(x->r, &row, h, &raw, &before, ios, t_start, e);
	}
	free(h);
	samples_free(&raw);
	return rc;
}

static int run_reuse(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	struct reuse x = {.r = r,
			  .c = c,
			  .opc = bench_opcode(c->v[P_OP]),
			  .random = c->v[P_ORDER] == ORDER_RANDOM,
			  .io = c->v[P_IO_SIZE]};
	bool search = c->v[P_PAGES] == REUSE_PAGES_AUTO;
	/* The search grows its buffer as it goes; an io_uring ring registers
	 * its buffer once, so on the kernel backend the pages are listed. */
	if (search && r->kio)
		return err_set(e, EOPNOTSUPP,
			       "case %s: pages = auto runs on the userspace backends only; on the "
			       "kernel backend list the pages (pages = 16..512:16)",
			       c->name);
	int rc = search ? 0 : reuse_buf(&x, c->v[P_PAGES], e);
	if (!rc)
		rc = r->kio ? kio_ring_open(r->kio, 2, &x.b, &x.kq, e)
			    : nvme_ctrl_create_queue(r->c, 2, &x.q, e);
	if (!rc)
		rc = search ? reuse_auto(&x, e) : run_listed(&x, e);
	struct err ignore;
	if (x.q)
		nvme_ctrl_delete_queue(r->c, x.q, &ignore);
	kio_ring_close(x.kq);
	if (x.bpages)
		backend_dma_free(r->be, &x.b);
	return rc;
}

static int check(const struct bench_case *c, const char *const *where, struct err *e)
{
	const uint64_t *v = c->v;
	if (v[P_IO_SIZE] > v[P_PAGE_SIZE])
		return err_set(e, EINVAL,
			       "%s: io_size %llu exceeds page_size %llu: a reuse I/O must "
			       "touch one page",
			       where[P_IO_SIZE], (unsigned long long)v[P_IO_SIZE],
			       (unsigned long long)v[P_PAGE_SIZE]);
	if (v[P_PAGES] == REUSE_PAGES_AUTO && v[P_RAW])
		return err_set(e, EINVAL,
			       "%s: raw = 1 with pages = auto: a search keeps histograms only; "
			       "list the points to keep every sample",
			       where[P_RAW]);
	uint64_t max_ios = v[P_MAX_IOS];
	if (max_ios && max_ios < v[P_IOS])
		return err_set(e, EINVAL, "%s: max_ios %llu is below ios %llu: use max_ios >= ios",
			       where[P_MAX_IOS], (unsigned long long)max_ios,
			       (unsigned long long)v[P_IOS]);
	/* The search reads a miss share per round of a point (16 rounds,
	 * reuse_auto.c); with fewer than ~100 I/Os a round that share is
	 * noise, and a 20-I/O search once reported 100 pages where 62 fit. */
	if (v[P_PAGES] == REUSE_PAGES_AUTO && v[P_IOS] < REUSE_AUTO_MIN_IOS)
		return err_set(e, EINVAL,
			       "%s: ios = %llu with pages = auto: the search needs at least %u "
			       "I/Os per point (16 rounds of 100, each beside a reference) to tell "
			       "a miss share from noise; give ios >= %u or list the pages",
			       where[P_IOS], (unsigned long long)v[P_IOS], REUSE_AUTO_MIN_IOS,
			       REUSE_AUTO_MIN_IOS);
	if (v[P_PAGES] * v[P_PAGE_SIZE] > (64ull << 30))
		return err_set(e, EINVAL, "%s: %llu pages of %llu bytes need more than 64 GiB",
			       where[P_PAGES], (unsigned long long)v[P_PAGES],
			       (unsigned long long)v[P_PAGE_SIZE]);
	return 0;
}

/* A listed point is a sum over its I/Os and can be measured in rounds; a
 * search (pages = auto) picks its next point from the last, and measures
 * each one beside a reference already (reuse_point_paired). */
static bool in_rounds(const struct bench_case *c)
{
	return c->v[P_PAGES] != REUSE_PAGES_AUTO;
}

static uint64_t footprint(const struct bench_case *c)
{
	return c->v[P_PAGES] * c->v[P_PAGE_SIZE];
}

static void fill_row(struct result_row *row, const struct bench_case *c)
{
	row->has_io = 1;
	row->io_size = c->v[P_IO_SIZE];
	row->has_qd = 1; /* one I/O in flight, one queue */
	row->qd = 1;
	row->threads = 1;
	row->has_pages = 1;
	row->pages = c->v[P_PAGES];
	row->order = orders[c->v[P_ORDER]];
	row->search = c->v[P_PAGES] == REUSE_PAGES_AUTO ? "auto" : NULL;
}

const struct kind kind_reuse = {
    .name = "reuse",
    .summary = "latency of small I/Os over N pages, cyclic or random: the IOTLB reach sweep",
    .keys = keys,
    .nkeys = REUSE_NKEYS,
    .check = check,
    .footprint = footprint,
    .fill_row = fill_row,
    .run = run_reuse,
    .kernel_io = true,
    .in_rounds = in_rounds,
};
