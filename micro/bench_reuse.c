/* reuse: the IOTLB footprint sweep. One small I/O per page, cycling over
 * `pages` distinct pages of the buffer, one I/O in flight. While the pages
 * fit the IOTLB every data translation hits; past its reach they miss and
 * the median latency steps up by the miss cost. */
#include <errno.h>
#include <stdlib.h>

#include "micro/bench_util.h"

int bench_reuse(struct runner *r, const struct bench_case *c, struct err *e)
{
	uint64_t pages = c->v[P_PAGES], ps = c->v[P_PAGE_SIZE], io = c->v[P_IO_SIZE];
	uint64_t warmup = c->v[P_WARMUP] ? c->v[P_WARMUP] : 2 * pages, ios = c->v[P_IOS];
	struct dma_buf b;
	struct nvme_queue *q = NULL;
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
	rc = nvme_ctrl_create_queue(r->c, 2, &q, e);
	struct ctr_set before;
	uint8_t opc = bench_opcode(c);
	uint64_t t_start = 0;
	for (uint64_t i = 0; !rc && i < warmup + ios; i++) {
		if (i == warmup) {
			ctr_read(r->be, &before);
			t_start = timer_ticks();
		}
		uint64_t ticks;
		rc = bench_io_qd1(q, r->ns, opc, 0, &b, (size_t)((i % pages) * ps), io, &ticks, e);
		if (i >= warmup) {
			hist_add(h, timer_ns(ticks));
			samples_add(&raw, timer_ns(ticks));
		}
		if ((i & 255) == 0 && runner_stopping(r))
			rc = err_set(e, EINTR, "interrupted");
	}
	if (!rc)
		rc = bench_finish_io(r, c, h, &raw, &before, ios, t_start, e);
	struct err ignore;
	if (q)
		nvme_ctrl_delete_queue(r->c, q, &ignore);
	backend_dma_free(r->be, &b);
	free(h);
	samples_free(&raw);
	return rc;
}
