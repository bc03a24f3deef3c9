#include "driver/nvme/queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver/util/clock.h"
#include "driver/util/probes.h"
#include "driver/nvme/prp.h"

/* How often the slow path (timeouts, CSTS.CFS, aborted slots) runs: after
 * this many consecutive empty polls, and after this many polls in any case
 * so that one stuck command is noticed while others keep completing. */
#define IDLE_SCAN_EVERY 64u
#define BUSY_SCAN_EVERY 4096u

static size_t round_page(size_t n)
{
	return (n + NVME_PAGE_SIZE - 1) & ~((size_t)NVME_PAGE_SIZE - 1);
}

int nvme_queue_alloc(struct dma_dev *dev, uint16_t qid, uint16_t entries, uint32_t max_xfer,
		     unsigned dstrd, uint64_t timeout_ns, struct nvme_queue **out, struct err *e)
{
	if (entries < 2)
		return err_set(e, EINVAL,
			       "queue %u: %u entries; a queue needs at least 2 (NVMe 4.1.3)", qid,
			       entries);
	struct nvme_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return err_set(e, ENOMEM, "queue %u: out of memory", qid);
	q->qid = qid;
	q->entries = entries;
	/* One entry always stays empty: a full SQ has tail + 1 == head (4.1.2),
	 * so at most entries - 1 commands can be outstanding. */
	q->ncids = (uint16_t)(entries - 1);
	q->max_xfer = max_xfer;
	q->list_pages = nvme_prp_list_pages_for(max_xfer);
	q->timeout_ns = timeout_ns;
	q->dev = dev;
	q->tr = dev->tr;

	size_t sq_bytes = round_page((size_t)entries << NVME_SQE_SHIFT);
	size_t cq_bytes = round_page((size_t)entries << NVME_CQE_SHIFT);
	size_t prp_bytes = (size_t)q->ncids * q->list_pages * NVME_PAGE_SIZE;
	int rc = dma_alloc(dev, sq_bytes + cq_bytes + prp_bytes, NVME_PAGE_SIZE,
			   DMA_PROT_READ | DMA_PROT_WRITE, &q->ring, e);
	if (rc) {
		free(q);
		return err_wrap(e, "queue %u: allocating rings", qid);
	}
	q->sq = (struct nvme_sqe *)q->ring.va;
	q->cq = (volatile struct nvme_cqe *)(q->ring.va + sq_bytes);
	q->slots = calloc(q->ncids, sizeof(*q->slots));
	q->free_cids = calloc(q->ncids, sizeof(*q->free_cids));
	if (!q->slots || !q->free_cids) {
		nvme_queue_free(q);
		return err_set(e, ENOMEM, "queue %u: out of memory for %u command slots", qid,
			       q->ncids);
	}
	for (uint32_t i = 0; i < q->ncids; i++)
		q->slots[i].prp_off =
		    sq_bytes + cq_bytes + (size_t)i * q->list_pages * NVME_PAGE_SIZE;
	q->sq_db_off = nvme_sq_db_off(qid, dstrd);
	q->cq_db_off = nvme_cq_db_off(qid, dstrd);
	q->sq_db = (volatile uint32_t *)(q->tr->regs + q->sq_db_off);
	q->cq_db = (volatile uint32_t *)(q->tr->regs + q->cq_db_off);
	q->notify = q->tr->notify;
	nvme_queue_reset(q);
	memset(&q->st, 0, sizeof(q->st));
	*out = q;
	return 0;
}

void nvme_queue_dma_footprint(const struct nvme_queue *q, uint64_t ios, uint32_t qd, size_t start,
			      size_t len, struct nvme_dma_footprint *out)
{
	/* The SQ tail and CQ head go round the ring one entry per command
	 * (4.1), so `ios` commands touch the first min(ios, entries) entries
	 * of each; the rings start on page boundaries (nvme_queue_alloc). */
	uint64_t used = ios < q->entries ? ios : q->entries;
	uint64_t sq = ((used << NVME_SQE_SHIFT) + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE;
	uint64_t cq = ((used << NVME_CQE_SHIFT) + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE;
	/* A slot's PRP list lives in its own pages: commands reuse the slots
	 * their CIDs name, and at most qd CIDs are taken at once (the free
	 * stack hands the most recently freed CID out first). */
	uint64_t slots = qd < q->ncids ? qd : q->ncids;
	if (ios < slots)
		slots = ios;
	uint64_t list = nvme_prp_list_pages_used(start, len);
	memset(out, 0, sizeof(*out));
	out->sq_pages = sq;
	out->cq_pages = cq;
	out->prp_pages = slots * list;
	out->pages = sq + cq + out->prp_pages;
	out->page_size = q->ring.page_size ? q->ring.page_size : NVME_PAGE_SIZE;
}

void nvme_queue_free(struct nvme_queue *q)
{
	if (!q)
		return;
	if (q->ring.va)
		dma_free(q->dev, &q->ring);
	free(q->slots);
	free(q->free_cids);
	free(q);
}

void nvme_queue_reset(struct nvme_queue *q)
{
	q->sq_tail = 0;
	q->cq_head = 0;
	/* The controller posts its first pass with phase 1 (4.6); zeroing the
	 * CQ makes every stale entry look "not yet written". */
	q->cq_phase = 1;
	memset((void *)q->cq, 0, (size_t)q->entries << NVME_CQE_SHIFT);
	q->nfree = 0;
	for (uint32_t i = q->ncids; i-- > 0;) {
		struct nvme_slot *s = &q->slots[i];
		if (s->state == SLOT_BUSY) {
			s->state = SLOT_ABORTED;
			q->sweep = 1;
			continue;
		}
		if (s->state == SLOT_ABORTED)
			continue;
		s->state = SLOT_FREE;
		q->free_cids[q->nfree++] = (uint16_t)i;
	}
	q->inflight = 0;
	q->polls = 0;
}

static inline int queue_take_cid(struct nvme_queue *q, uint16_t *cid)
{
	if (__builtin_expect(q->nfree == 0, 0))
		return -EBUSY;
	*cid = q->free_cids[--q->nfree];
	return 0;
}

static inline void queue_put_cid(struct nvme_queue *q, uint16_t cid)
{
	q->slots[cid].state = SLOT_FREE;
	q->free_cids[q->nfree++] = cid;
}

/* The USDT probe sites of the I/O path sit in cold, out-of-line functions:
 * inline, their asm operands pin registers and the hot path grows by a dozen
 * instructions per I/O; out of line it pays one semaphore test. */
static __attribute__((noinline, cold)) void probe_submit(const struct nvme_queue *q, uint16_t cid)
{
	/* Everything comes from the SQE just built (NVM command set: SLBA in
	 * CDW10-11, 0-based NLB in CDW12 15:0), so the hot path keeps no extra
	 * value alive for the probe. */
	uint16_t last = (uint16_t)((q->sq_tail ? q->sq_tail : q->entries) - 1u);
	const struct nvme_sqe *sqe = &q->sq[last];
	uint64_t slba = sqe->cdw10 | (uint64_t)sqe->cdw11 << 32;
	IOTLB_PROBE5(io_submit, q->qid, cid, sqe->opc, slba, (sqe->cdw12 & 0xffffu) + 1u);
}

static __attribute__((noinline, cold)) void probe_complete(const struct nvme_queue *q,
							   const struct nvme_done *out, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		IOTLB_PROBE3(io_complete, q->qid, out[i].cid, out[i].status);
}

/* Records the slot and rings the SQ tail doorbell for the SQE just written. */
static inline int queue_push(struct nvme_queue *q, uint16_t cid, void *ctx)
{
	struct nvme_slot *s = &q->slots[cid];
	s->ctx = ctx;
	s->stamp_ns = 0;
	s->state = SLOT_BUSY;
	q->inflight++;
	uint16_t t = (uint16_t)(q->sq_tail + 1);
	if (t == q->entries)
		t = 0;
	q->sq_tail = t;
	/* Ringing the doorbell per command keeps latency at queue depth 1
	 * minimal; the release fence orders the SQE stores before it. */
	atomic_thread_fence(memory_order_release);
	*q->sq_db = t;
	if (q->notify)
		q->notify(q->tr, q->sq_db_off);
	/* After the doorbell: the probe sees the SQE the device now owns. */
	if (IOTLB_PROBE_ON(io_submit))
		probe_submit(q, cid);
	return 0;
}

int nvme_queue_submit(struct nvme_queue *q, const struct nvme_sqe *cmd, const struct dma_buf *buf,
		      size_t off, size_t len, void *ctx)
{
	uint16_t cid;
	if (queue_take_cid(q, &cid))
		return -EBUSY;
	struct nvme_sqe *sqe = &q->sq[q->sq_tail];
	*sqe = *cmd;
	sqe->cid = cid;
	sqe->flags = 0; /* PSDT = 0: PRPs */
	if (len) {
		struct nvme_slot *s = &q->slots[cid];
		if (!buf || len > q->max_xfer ||
		    nvme_prp_set(sqe, buf, off, len, &q->ring, s->prp_off, q->list_pages)) {
			q->free_cids[q->nfree++] = cid;
			return -EINVAL;
		}
	}
	/* Without data the command's own PRP fields stand: Create I/O queue
	 * commands carry the queue base address in PRP1 (5.3, 5.4). */
	return queue_push(q, cid, ctx);
}

int nvme_queue_rw(struct nvme_queue *q, uint8_t opc, const struct nvme_ns *ns, uint64_t slba,
		  const struct dma_buf *buf, size_t off, size_t len, void *ctx)
{
	uint64_t nlb = len >> ns->lba_shift;
	/* One test for: whole LBAs, 1 byte to MDTS (len - 1 wraps for 0), and
	 * the LBA range inside the namespace (nlb <= MDTS: no overflow). */
	if (__builtin_expect((len & ((1u << ns->lba_shift) - 1)) | (len - 1 >= q->max_xfer), 0))
		return -EINVAL;
	if (__builtin_expect(slba >= ns->nlbas || nlb > ns->nlbas - slba, 0))
		return -ERANGE;
	uint16_t cid;
	if (queue_take_cid(q, &cid))
		return -EBUSY;
	struct nvme_sqe *sqe = &q->sq[q->sq_tail];
	/* Build the 64-byte SQE in place (4.2; NVM command set: SLBA in
	 * CDW10-11, NLB 0-based in CDW12 15:0). */
	memset(sqe, 0, sizeof(*sqe));
	sqe->opc = opc;
	sqe->cid = cid;
	sqe->nsid = ns->nsid;
	slba += ns->lba_base;
	sqe->cdw10 = (uint32_t)slba;
	sqe->cdw11 = (uint32_t)(slba >> 32);
	sqe->cdw12 = (uint32_t)(nlb - 1);
	if (__builtin_expect(
		nvme_prp_set(sqe, buf, off, len, &q->ring, q->slots[cid].prp_off, q->list_pages),
		0)) {
		q->free_cids[q->nfree++] = cid;
		return -EINVAL;
	}
	return queue_push(q, cid, ctx);
}

int nvme_queue_flush(struct nvme_queue *q, const struct nvme_ns *ns, void *ctx)
{
	struct nvme_sqe cmd = {.opc = nvme_cmd_flush, .nsid = ns->nsid};
	return nvme_queue_submit(q, &cmd, NULL, 0, 0, ctx);
}

/* Slow path: report commands that timed out, were aborted by a reset, or
 * were outstanding when the controller declared a fatal error. */
static unsigned queue_scan(struct nvme_queue *q, struct nvme_done *out, unsigned max)
{
	unsigned n = 0;
	uint64_t now = clock_now_ns();
	/* CSTS.CFS (3.1.6): the controller gave up; nothing outstanding will
	 * complete. An all-ones read means the device is gone (surprise removal
	 * reads return ~0 on PCIe). */
	uint32_t csts = tr_read32(q->tr, NVME_REG_CSTS);
	uint32_t fatal = csts != 0xffffffffu ? (csts & NVME_CSTS_BIT_CFS) : 1;
	q->sweep = 0;
	for (uint32_t i = 0; i < q->ncids && n < max; i++) {
		struct nvme_slot *s = &q->slots[i];
		uint32_t status;
		if (s->state == SLOT_ABORTED) {
			status = NVME_HOST_ABORTED;
		} else if (s->state != SLOT_BUSY) {
			continue;
		} else if (fatal) {
			status = NVME_HOST_CTRL_FATAL;
		} else if (!s->stamp_ns) {
			/* First sighting: the command was submitted before now,
			 * so timing from here never declares a timeout early. */
			s->stamp_ns = now;
			continue;
		} else if (now - s->stamp_ns > q->timeout_ns) {
			status = NVME_HOST_TIMEOUT;
		} else {
			continue;
		}
		out[n].ctx = s->ctx;
		out[n].status = status;
		out[n].dw0 = 0;
		out[n].cid = (uint16_t)i;
		n++;
		if (IOTLB_PROBE_ON(io_complete))
			probe_complete(q, &out[n - 1], 1);
		if (s->state == SLOT_BUSY)
			q->inflight--;
		if (status == NVME_HOST_ABORTED) {
			queue_put_cid(q, (uint16_t)i);
		} else {
			/* The device may still DMA and complete this CID later:
			 * keep it out of use until the queue is reset. */
			s->state = SLOT_QUARANTINED;
			q->st.timeouts += status == NVME_HOST_TIMEOUT;
		}
	}
	for (uint32_t i = 0; i < q->ncids && !q->sweep; i++)
		q->sweep = q->slots[i].state == SLOT_ABORTED;
	return n;
}

unsigned nvme_queue_poll(struct nvme_queue *q, struct nvme_done *out, unsigned max)
{
	unsigned n = 0;
	uint16_t head = q->cq_head;
	uint16_t phase = q->cq_phase;
	while (n < max) {
		volatile struct nvme_cqe *c = &q->cq[head];
		uint16_t st = c->status;
		if ((st & 1u) != phase)
			break;
		/* The phase tag is written last (4.6): once it flips, the rest of
		 * the entry is valid; read it only after the tag. */
		atomic_thread_fence(memory_order_acquire);
		uint16_t cid = c->cid;
		uint32_t dw0 = c->dw0;
		if (++head == q->entries) {
			head = 0;
			phase ^= 1u;
		}
		if (__builtin_expect(cid >= q->ncids || q->slots[cid].state != SLOT_BUSY ||
					 c->sqid != q->qid,
				     0)) {
			/* A completion we cannot match is never used: the CID
			 * may belong to a command that timed out (late) or the
			 * device is misbehaving. Consume the entry, count it
			 * (nvme_ctrl_stats reports it) and move on. */
			if (cid < q->ncids && q->slots[cid].state == SLOT_QUARANTINED)
				q->st.late_cqes++;
			else
				q->st.bad_cqes++;
			continue;
		}
		struct nvme_slot *s = &q->slots[cid];
		out[n].ctx = s->ctx;
		out[n].status = (uint32_t)(st >> 1);
		out[n].dw0 = dw0;
		out[n].cid = cid;
		n++;
		queue_put_cid(q, cid);
		q->inflight--;
	}
	q->polls++;
	if (head != q->cq_head || phase != q->cq_phase) {
		q->cq_head = head;
		q->cq_phase = phase;
		q->st.completed += n;
		/* One semaphore test per poll, not per completion: the hot path
		 * budget counts instructions per I/O. */
		if (IOTLB_PROBE_ON(io_complete))
			probe_complete(q, out, n);
		atomic_thread_fence(memory_order_release);
		*q->cq_db = head;
		if (q->notify)
			q->notify(q->tr, q->cq_db_off);
		if (__builtin_expect((q->polls & (BUSY_SCAN_EVERY - 1)) != 0 || n == max, 1))
			return n;
	} else if (q->tr->idle) {
		q->tr->idle(q->tr);
	}
	if (q->sweep || (q->inflight && (q->polls & (IDLE_SCAN_EVERY - 1)) == 0))
		n += queue_scan(q, out + n, max - n);
	return n;
}
