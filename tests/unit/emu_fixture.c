/* The host side of the emulated-controller unit tests (emu_fixture.h). */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/emu_fixture.h"
#include "driver/util/clock.h"

static int xl_fn(void *ctx, uint64_t iova, uint32_t len, enum emu_dma_dir dir,
		 enum emu_dma_kind kind, uint16_t cid, void **host, uint64_t *cost_ns)
{
	struct xl *x = ctx;

	(void)dir;
	(void)cid;
	x->calls[kind]++;
	if (!len || (iova & 0xfff) + len > 4096)
		x->crossed = true;
	if ((int)kind == x->fail_kind)
		return -1;
	if (kind == EMU_DMA_DATA && ++x->data_calls == x->fail_data_at)
		return -1;
	if (iova < ARENA_IOVA || iova + len > ARENA_IOVA + ARENA_LEN)
		return -1;
	*host = x->arena + (iova - ARENA_IOVA);
	*cost_ns = x->cost[kind];
	return 0;
}

void *halloc(struct host *h, size_t len)
{
	len = (len + 4095) & ~(size_t)4095;
	assert_true(h->used + len <= ARENA_LEN);
	void *p = h->arena + h->used;
	h->used += len;
	memset(p, 0, len);
	return p;
}

uint64_t iova(struct host *h, const void *p)
{
	if (h->xl)
		return ARENA_IOVA + (uint64_t)((const uint8_t *)p - h->arena);
	return (uint64_t)(uintptr_t)p;
}

void cfg_test(struct emu_cfg *c)
{
	emu_cfg_default(c);
	c->mode = EMU_MODE_MANUAL;
	c->base_ns = 0;
	c->bytes_per_sec = 0;
	c->ns_bytes = 4u << 20;
	c->max_io_queues = 4;
}

void h_init(struct host *h, const struct emu_cfg *cfg, struct xl *xl)
{
	struct err e;

	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	h->arena = aligned_alloc(4096, ARENA_LEN);
	assert_non_null(h->arena);
	if (xl) {
		xl->arena = h->arena;
		h->cfg.dma.xlate = xl_fn;
		h->cfg.dma.ctx = xl;
		h->xl = xl;
	}
	int rc = emu_create(&h->cfg, &h->emu, &e);
	if (rc)
		fail_msg("emu_create: %s", e.msg);
	h->t = emu_transport(h->emu);
}

void h_fini(struct host *h)
{
	emu_destroy(h->emu);
	free(h->arena);
}

void h_poll(struct host *h)
{
	if (h->cfg.mode == EMU_MODE_MANUAL)
		emu_process(h->emu);
	else if (h->t->idle)
		h->t->idle(h->t);
	else
		sched_yield();
}

uint32_t csts(struct host *h)
{
	return tr_read32(h->t, NVME_REG_CSTS);
}

bool wait_csts(struct host *h, uint32_t mask, uint32_t want, uint64_t ms)
{
	uint64_t end = clock_now_ns() + ms * 1000000u;
	do {
		h_poll(h);
		if ((csts(h) & mask) == want)
			return true;
	} while (clock_now_ns() < end);
	return false;
}

uint32_t cc_on(void)
{
	return 1u | 6u << NVME_CC_IOSQES_SHIFT | 4u << NVME_CC_IOCQES_SHIFT;
}

void h_admin_setup(struct host *h, uint16_t sz)
{
	struct hq *q = &h->q[0];
	q->sq = halloc(h, sz * sizeof(struct nvme_sqe));
	q->cq = halloc(h, sz * sizeof(struct nvme_cqe));
	q->sqsz = q->cqsz = sz;
	q->tail = q->head = 0;
	q->phase = 1;
	tr_write32(h->t, NVME_REG_AQA, (uint32_t)(sz - 1) << 16 | (sz - 1));
	tr_write64(h->t, NVME_REG_ASQ, iova(h, q->sq));
	tr_write64(h->t, NVME_REG_ACQ, iova(h, q->cq));
}

void h_enable(struct host *h, uint16_t sz)
{
	h_admin_setup(h, sz);
	tr_write32(h->t, NVME_REG_CC, cc_on());
	assert_true(wait_csts(h, 3, 1, 2000));
}

static unsigned db_stride(struct host *h)
{
	return h->cfg.dstrd;
}

void submit_nodb(struct host *h, unsigned qi, struct nvme_sqe *s)
{
	struct hq *q = &h->q[qi];
	if (!s->cid)
		s->cid = ++h->cid ? h->cid : ++h->cid;
	q->sq[q->tail] = *s;
	q->tail = (uint16_t)((q->tail + 1) % q->sqsz);
}

void ring(struct host *h, unsigned qi)
{
	tr_write32(h->t, nvme_sq_db_off((uint16_t)qi, db_stride(h)), h->q[qi].tail);
}

void submit(struct host *h, unsigned qi, struct nvme_sqe *s)
{
	submit_nodb(h, qi, s);
	ring(h, qi);
}

bool peek(struct host *h, unsigned qi, struct nvme_cqe *out)
{
	struct hq *q = &h->q[qi];
	uint32_t *w = (uint32_t *)&q->cq[q->head];
	uint32_t dw3 = __atomic_load_n(&w[3], __ATOMIC_ACQUIRE);
	if (((dw3 >> 16) & 1) != q->phase)
		return false;
	memcpy(out, &q->cq[q->head], sizeof(*out));
	return true;
}

bool reap(struct host *h, unsigned qi, struct nvme_cqe *out)
{
	struct hq *q = &h->q[qi];
	if (!peek(h, qi, out))
		return false;
	q->head = (uint16_t)((q->head + 1) % q->cqsz);
	if (!q->head)
		q->phase ^= 1;
	tr_write32(h->t, nvme_cq_db_off((uint16_t)qi, db_stride(h)), q->head);
	return true;
}

bool wait_cqe(struct host *h, unsigned qi, struct nvme_cqe *out, uint64_t ms)
{
	uint64_t end = clock_now_ns() + ms * 1000000u;
	do {
		if (reap(h, qi, out))
			return true;
		h_poll(h);
	} while (clock_now_ns() < end);
	return reap(h, qi, out);
}

uint16_t status_of(const struct nvme_cqe *c)
{
	return c->status >> 1;
}

uint16_t run(struct host *h, unsigned qi, struct nvme_sqe *s, struct nvme_cqe *out)
{
	struct nvme_cqe tmp;
	if (!out)
		out = &tmp;
	submit(h, qi, s);
	assert_true(wait_cqe(h, qi, out, 2000));
	assert_int_equal(out->cid, s->cid);
	assert_int_equal(out->sqid, qi);
	return status_of(out);
}

struct nvme_sqe sqe_admin(uint8_t opc, uint32_t cdw10, uint32_t cdw11, uint64_t prp1)
{
	struct nvme_sqe s;
	memset(&s, 0, sizeof(s));
	s.opc = opc;
	s.cdw10 = cdw10;
	s.cdw11 = cdw11;
	s.prp1 = prp1;
	return s;
}

struct nvme_sqe sqe_rw(uint8_t opc, uint64_t slba, uint32_t nlb, uint64_t prp1, uint64_t prp2)
{
	struct nvme_sqe s;
	memset(&s, 0, sizeof(s));
	s.opc = opc;
	s.nsid = 1;
	s.cdw10 = (uint32_t)slba;
	s.cdw11 = (uint32_t)(slba >> 32);
	s.cdw12 = nlb - 1;
	s.prp1 = prp1;
	s.prp2 = prp2;
	return s;
}

uint16_t create_cq(struct host *h, uint16_t qid, uint16_t size, uint32_t flags, uint64_t base)
{
	struct nvme_sqe s =
	    sqe_admin(nvme_admin_create_cq, (uint32_t)(size - 1) << 16 | qid, flags, base);
	return run(h, 0, &s, NULL);
}

uint16_t create_sq(struct host *h, uint16_t qid, uint16_t size, uint16_t cqid, uint64_t base)
{
	struct nvme_sqe s = sqe_admin(nvme_admin_create_sq, (uint32_t)(size - 1) << 16 | qid,
				      (uint32_t)cqid << 16 | 1, base);
	return run(h, 0, &s, NULL);
}

void ioq(struct host *h, uint16_t qid, uint16_t cqsz, uint16_t sqsz)
{
	struct hq *q = &h->q[qid];
	q->cq = halloc(h, cqsz * sizeof(struct nvme_cqe));
	q->sq = halloc(h, sqsz * sizeof(struct nvme_sqe));
	q->cqsz = cqsz;
	q->sqsz = sqsz;
	q->tail = q->head = 0;
	q->phase = 1;
	assert_int_equal(create_cq(h, qid, cqsz, 1, iova(h, q->cq)), 0);
	assert_int_equal(create_sq(h, qid, sqsz, qid, iova(h, q->sq)), 0);
}

void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u + (i >> 9));
}

void h_std(struct host *h, const struct emu_cfg *cfg, struct xl *xl)
{
	h_init(h, cfg, xl);
	h_enable(h, 16);
	ioq(h, 1, 16, 16);
}
