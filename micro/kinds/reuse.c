/* reuse: the IOTLB footprint sweep. One small I/O per page, cycling over
 * `pages` distinct pages of the buffer, one I/O in flight. While the pages
 * fit the IOTLB every data translation hits; past its reach they miss and
 * the median latency steps up by the miss cost. */
#include <errno.h>
#include <stdlib.h>

#include "micro/kinds/case.h"
#include "micro/kinds/keys.h"

/* Distinct pages the I/Os cycle over: the footprint the IOTLB must hold. */
static const struct key_def key_pages = {.name = "pages",
					 .type = KEY_UINT,
					 .min = 1,
					 .max = 1u << 20,
					 .help = "distinct pages cycled over"};

/* Key order is grid order: the last key varies fastest. */
enum { P_PAGE_SIZE, P_BACKING, P_PAGES, P_OP, P_IO_SIZE, P_IOS, P_WARMUP, P_RAW, NKEYS };

static const struct kind_key keys[NKEYS] = {
    [P_PAGE_SIZE] = {&key_page_size, "4k", 0}, [P_BACKING] = {&key_backing, "default", KK_QUIET},
    [P_PAGES] = {&key_pages, NULL, 0},	       [P_OP] = {&key_op, "read", 0},
    [P_IO_SIZE] = {&key_io_size, "512", 0},    [P_IOS] = {&key_ios, "65536", 0},
    [P_WARMUP] = {&key_warmup, "0", KK_QUIET}, [P_RAW] = {&key_raw, "0", KK_QUIET},
};

static int run_reuse(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	uint64_t pages = c->v[P_PAGES], ps = c->v[P_PAGE_SIZE], io = c->v[P_IO_SIZE];
	uint64_t warmup = c->v[P_WARMUP] ? c->v[P_WARMUP] : 2 * pages, ios = c->v[P_IOS];
	struct dma_buf b;
	struct nvme_queue *q = NULL;
	struct kio_ring *kq = NULL; /* the kernel backend's ring instead of q */
	struct hist *h = malloc(sizeof(*h));
	if (!h)
		return err_set(e, ENOMEM, "out of memory");
	hist_reset(h);
	struct samples raw;
	samples_init(&raw, (int)c->v[P_RAW]);
	int rc = bench_buf(r, pages * ps, ps, &b, e);
	if (rc) {
		free(h);
		return rc;
	}
	rc = r->kio ? kio_ring_open(r->kio, 2, &b, &kq, e) : nvme_ctrl_create_queue(r->c, 2, &q, e);
	struct ctr_set before;
	uint8_t opc = bench_opcode(c->v[P_OP]);
	uint64_t t_start = 0;
	for (uint64_t i = 0; !rc && i < warmup + ios; i++) {
		if (i == warmup) {
			ctr_read(r->be, &before);
			t_start = timer_ticks();
		}
		uint64_t ticks;
		size_t off = (size_t)((i % pages) * ps);
		rc = kq ? bench_kio_qd1(kq, r->ns, c->v[P_OP], 0, &b, off, io, &ticks, e)
			: bench_io_qd1(q, r->ns, opc, 0, &b, off, io, &ticks, e);
		if (i >= warmup) {
			hist_add(h, timer_ns(ticks));
			samples_add(&raw, timer_ns(ticks));
		}
		if ((i & 255) == 0 && env_stopping(r))
			rc = err_set(e, EINTR, "interrupted");
	}
	if (!rc)
		rc = bench_finish_io(r, c, c->v[P_OP], h, &raw, &before, ios, t_start, e);
	struct err ignore;
	if (q)
		nvme_ctrl_delete_queue(r->c, q, &ignore);
	kio_ring_close(kq);
	backend_dma_free(r->be, &b);
	free(h);
	samples_free(&raw);
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
	if (v[P_PAGES] * v[P_PAGE_SIZE] > (64ull << 30))
		return err_set(e, EINVAL, "%s: %llu pages of %llu bytes need more than 64 GiB",
			       where[P_PAGES], (unsigned long long)v[P_PAGES],
			       (unsigned long long)v[P_PAGE_SIZE]);
	return 0;
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
}

const struct kind kind_reuse = {
    .name = "reuse",
    .summary = "latency of small I/Os cycling over N pages: the IOTLB reach sweep",
    .keys = keys,
    .nkeys = NKEYS,
    .check = check,
    .footprint = footprint,
    .fill_row = fill_row,
    .run = run_reuse,
    .kernel_io = true,
};
