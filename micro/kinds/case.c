#include "micro/kinds/case.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver/host/vtd_debugfs.h"
#include "micro/kinds/keys.h"

int bench_buf(struct bench_env *r, size_t len, uint64_t page_size, struct dma_buf *b, struct err *e)
{
	int rc = backend_dma_alloc(r->be, len, page_size, DMA_PROT_READ | DMA_PROT_WRITE, b, e);
	if (rc)
		return err_wrap(e, "allocating %zu bytes of %llu KiB pages", len,
				(unsigned long long)(page_size >> 10));
	/* The IOVAs whose leaves the row reports; a buffer given by physical
	 * address (pagemap: b->pages) has none. */
	if (!b->pages) {
		r->leaf_iova = b->iova;
		r->leaf_len = b->len;
	}
	return 0;
}

/* The IOPTE leaves that map the case's data buffer now, from the device's
 * VT-d page-table dump (driver/host/vtd_debugfs.h), as counters.csv rows.
 * Read after the timed part: the kernel walks the whole table for it. A
 * dump that cannot be read now, having been readable at the start, gets a
 * warning and no rows. */
static void record_leaves(struct bench_env *r, const char *case_id)
{
	if (!r->leaf_bdf || !r->leaf_len)
		return;
	struct vtd_leaves lv;
	struct err e = {0};
	if (vtd_leaves_read(r->leaf_bdf, r->leaf_iova, r->leaf_len, &lv, &e)) {
		fprintf(stderr, "iotlbench: %s: IOPTE leaves not recorded: %s\n", case_id, e.msg);
		return;
	}
	dataset_emit_leaves(r->ds, case_id, lv.n[VTD_LEAF_4K], lv.n[VTD_LEAF_2M],
			    lv.n[VTD_LEAF_1G]);
}

int bench_wait(struct nvme_queue *q, struct nvme_done *d, struct err *e)
{
	while (!nvme_queue_poll(q, d, 1))
		;
	if (d->status) {
		char sb[256];
		return err_set(e, nvme_status_errno(d->status),
			       "I/O failed (queue %u, command %u): %s", q->qid, d->cid,
			       nvme_status_desc(d->status, sb, sizeof(sb)));
	}
	return 0;
}

int bench_io_qd1(struct nvme_queue *q, const struct nvme_ns *ns, uint8_t opc, uint64_t slba,
		 const struct dma_buf *b, size_t off, size_t len, uint64_t *ticks, struct err *e)
{
	struct nvme_done d;
	uint64_t t0 = timer_ticks();
	int rc = nvme_queue_rw(q, opc, ns, slba, b, off, len, NULL);
	if (rc) {
		nvme_rw_error(q, ns, slba, off, len, rc, e);
		return err_wrap(e, "submitting a %zu-byte I/O at LBA %llu", len,
				(unsigned long long)slba);
	}
	rc = bench_wait(q, &d, e);
	*ticks = timer_ticks() - t0;
	return rc;
}

int bench_kio_qd1(struct kio_ring *q, const struct nvme_ns *ns, uint64_t op, uint64_t slba,
		  const struct dma_buf *b, size_t off, size_t len, uint64_t *ticks, struct err *e)
{
	struct kio_done d;
	uint64_t t0 = timer_ticks();
	int rc = kio_rw(q, op != 0, ns, slba, b, off, len, NULL);
	if (rc) {
		kio_io_error(q, rc, slba, len, e);
		return err_wrap(e, "submitting");
	}
	rc = kio_reap(q, &d, 1, true);
	*ticks = timer_ticks() - t0;
	if (rc < 0)
		return kio_io_error(q, rc, slba, len, e);
	if (d.res)
		return kio_io_error(q, d.res, slba, len, e);
	return 0;
}

int bench_finish_io(struct bench_env *r, const struct bench_case *c, uint64_t op,
		    const struct hist *h, const struct samples *raw, const struct ctr_set *before,
		    uint64_t ios, uint64_t t_start, struct err *e)
{
	struct result_row row;
	case_row_init(&row, r, c, NULL, op ? "write" : "read");
	return bench_emit_io(r, &row, h, raw, before, ios, t_start, e);
}

int bench_emit_io(struct bench_env *r, struct result_row *row, const struct hist *h,
		  const struct samples *raw, const struct ctr_set *before, uint64_t ios,
		  uint64_t t_start, struct err *e)
{
	uint64_t el = timer_ns(timer_ticks() - t_start);
	struct ctr_set after, acc;
	ctr_read(r->be, &after);
	ctr_zero_like(&acc, &after);
	ctr_accumulate(&acc, before, &after);
	row->iops = el ? (double)ios * 1e9 / (double)el : 0;
	row->raw = raw;
	return case_emit(r, row, h, &acc, e);
}

void case_row_init(struct result_row *row, const struct bench_env *r, const struct bench_case *c,
		   const char *suffix, const char *op)
{
	memset(row, 0, sizeof(*row));
	snprintf(row->case_id, sizeof(row->case_id), "%s%s%s", c->name, suffix ? "-" : "",
		 suffix ? suffix : "");
	row->kind = c->kind->name;
	row->backend = r->be->ops->name;
	row->page_size = case_get(c, &key_page_size, 0);
	row->op = op;
	if (c->kind->fill_row)
		c->kind->fill_row(row, c);
}

int case_emit(struct bench_env *r, const struct result_row *row, const struct hist *h,
	      const struct ctr_set *ctr, struct err *e)
{
	/* The leaves once, after the last round: the rows of the rounds are
	 * summed, a table of leaves is not. */
	if (r->round + 1 >= r->rounds)
		record_leaves(r, row->case_id);
	return dataset_emit_row(r->ds, row, h, ctr, e);
}
