/* Completion queues (NVMe 1.4, 4.1, 4.6): a per-CQ min-heap of completions
 * ordered by due time, so commands finish when the timing model says they
 * do, and CQE posting that respects the host's head doorbell. */
#include <stdlib.h>
#include <string.h>

#include "driver/emu/emu_internal.h"
#include "driver/util/clock.h"

static bool cpl_before(const struct emu_cpl *a, const struct emu_cpl *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_sift_up(struct emu_cpl *h, uint32_t i)
{
	while (i) {
		uint32_t p = (i - 1) / 2;
		if (!cpl_before(&h[i], &h[p]))
			break;
		struct emu_cpl t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

static void heap_sift_down(struct emu_cpl *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && cpl_before(&h[l], &h[m]))
			m = l;
		if (r < n && cpl_before(&h[r], &h[m]))
			m = r;
		if (m == i)
			break;
		struct emu_cpl t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

int emu_cq_setup(struct emu *emu, uint16_t qid, uint64_t base, uint32_t size, bool ien)
{
	struct emu_cq *cq = &emu->cqs[qid];
	struct emu_cpl *heap = malloc(size * sizeof(*heap));

	if (!heap)
		return -1;
	pthread_mutex_lock(&cq->lock);
	free(cq->heap);
	cq->heap = heap;
	cq->heap_cap = size;
	cq->nheap = 0;
	atomic_store(&cq->npending, 0);
	cq->qid = qid;
	cq->size = size;
	cq->base = base;
	cq->tail = 0;
	cq->head = 0;
	cq->bad_db = UINT32_MAX;
	/* The previous queue's head doorbell value means nothing now. */
	emu_reg_store(emu, emu_cq_db(emu, qid), 0);
	/* 4.6: the controller's phase tag starts at 1 after creation, so the
	 * host's zeroed queue memory reads as "no entry". */
	cq->phase = 1;
	cq->ien = ien;
	cq->nsq = 0;
	atomic_store_explicit(&cq->live, true, memory_order_release);
	pthread_mutex_unlock(&cq->lock);
	return 0;
}

/* Deleting a CQ (5.5) or resetting the controller discards whatever was not
 * yet posted: the host has given up the memory the entries would go to. */
void emu_cq_teardown(struct emu *emu, struct emu_cq *cq)
{
	(void)emu;
	pthread_mutex_lock(&cq->lock);
	atomic_store(&cq->live, false);
	cq->nheap = 0;
	atomic_store(&cq->npending, 0);
	cq->nsq = 0;
	pthread_mutex_unlock(&cq->lock);
}

/* Queues a completion. Returns -1 only if memory runs out, which the caller
 * turns into a controller fatal status since the completion would be lost. */
int emu_cq_push(struct emu *emu, struct emu_cq *cq, const struct emu_cpl *c)
{
	(void)emu;
	if (cq->nheap == cq->heap_cap) {
		uint32_t ncap = cq->heap_cap ? cq->heap_cap * 2 : 16;
		struct emu_cpl *h = realloc(cq->heap, ncap * sizeof(*h));
		if (!h)
			return -1;
		cq->heap = h;
		cq->heap_cap = ncap;
	}
	cq->heap[cq->nheap] = *c;
	cq->heap[cq->nheap].seq = cq->seq++;
	heap_sift_up(cq->heap, cq->nheap);
	cq->nheap++;
	atomic_store_explicit(&cq->npending, cq->nheap, memory_order_relaxed);
	return 0;
}

/* 4.6: DW0-DW2 first, then DW3 (CID, phase, status) as one aligned store
 * after a release fence: the host treats a flipped phase tag as a complete
 * entry, so it must never see the new phase with stale DW0-DW2. */
static int emu_cqe_write(struct emu *emu, struct emu_cq *cq, const struct emu_cpl *c)
{
	uint64_t cost = 0;
	void *host;

	if (emu_dma_map(emu, cq->base + ((uint64_t)cq->tail << NVME_CQE_SHIFT),
			sizeof(struct nvme_cqe), EMU_DMA_TO_HOST, EMU_DMA_CQE, c->cid, &host,
			&cost))
		return -1;
	volatile uint32_t *w = host;
	w[0] = c->dw0;
	w[1] = 0;
	w[2] = (uint32_t)c->sqhd | (uint32_t)c->sqid << 16;
	atomic_thread_fence(memory_order_release);
	uint32_t dw3 = (uint32_t)c->cid | (uint32_t)((c->status << 1) | cq->phase) << 16;
	__atomic_store_n((uint32_t *)host + 3, dw3, __ATOMIC_RELEASE);
	return 0;
}

/* Refreshes the cached head from the CQ head doorbell (3.1.25). A value
 * outside the queue is ignored (the spec would raise an Invalid Doorbell
 * Write Value asynchronous event) and counted once per distinct value. */
static void emu_cq_read_head(struct emu *emu, struct emu_cq *cq)
{
	uint32_t db = emu_reg_load(emu, emu_cq_db(emu, cq->qid));

	if (db < cq->size) {
		cq->head = db;
	} else if (db != cq->bad_db) {
		cq->bad_db = db;
		atomic_fetch_add_explicit(&emu->bad_doorbells, 1, memory_order_relaxed);
	}
}

/* Posts every due completion that fits; cq->lock held. A full queue (4.1.2:
 * head == tail + 1) holds the rest back until the host frees entries; an
 * entry is never overwritten. */
unsigned emu_cq_post_locked(struct emu *emu, struct emu_cq *cq)
{
	unsigned posted = 0;
	uint64_t now = 0;

	if (!atomic_load_explicit(&cq->live, memory_order_relaxed))
		return 0;
	while (cq->nheap && !atomic_load_explicit(&emu->fatal, memory_order_relaxed)) {
		const struct emu_cpl *c = &cq->heap[0];
		if (c->due) {
			if (!now)
				now = clock_now_ns();
			if (c->due > now)
				break;
		}
		uint32_t next = cq->tail + 1 == cq->size ? 0 : cq->tail + 1;
		if (next == cq->head) {
			emu_cq_read_head(emu, cq);
			if (next == cq->head)
				break;
		}
		if (emu_cqe_write(emu, cq, c)) {
			/* 9.5: a controller that cannot post a completion has no
			 * way left to report anything but CSTS.CFS. */
			emu_ctr_add(&cq->dma_faults, 1);
			emu_fatal(emu);
			break;
		}
		cq->tail = next;
		if (!next)
			cq->phase ^= 1; /* 4.6: the phase tag inverts on each wrap */
		cq->nheap--;
		if (cq->nheap) {
			cq->heap[0] = cq->heap[cq->nheap];
			heap_sift_down(cq->heap, cq->nheap, 0);
		}
		posted++;
	}
	atomic_store_explicit(&cq->npending, cq->nheap, memory_order_relaxed);
	if (posted)
		emu_ctr_add(&cq->completions, posted);
	return posted;
}

/* Marks the pending completions of a deleted SQ as aborted (5.6) and due
 * now; cq->lock held. Their order changes, so the heap is rebuilt. */
void emu_cq_abort_sq(struct emu_cq *cq, uint16_t sqid, uint16_t status)
{
	for (uint32_t i = 0; i < cq->nheap; i++) {
		if (cq->heap[i].sqid == sqid) {
			cq->heap[i].status = status;
			cq->heap[i].due = 0;
		}
	}
	for (uint32_t i = cq->nheap / 2; i-- > 0;)
		heap_sift_down(cq->heap, cq->nheap, i);
}
