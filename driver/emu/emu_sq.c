/* Submission queues (NVMe 1.4, 4.1): tail doorbell handling, SQE fetch,
 * dispatch to the admin or NVM command handlers, and handing the result to
 * the timing model. */
#include <string.h>

#include "driver/emu/emu_internal.h"
#include "driver/util/clock.h"

static void emu_qlimit_raise(struct emu *emu, uint16_t qid)
{
	unsigned want = (unsigned)qid + 1;
	unsigned cur = atomic_load(&emu->qlimit);

	while (cur < want && !atomic_compare_exchange_weak(&emu->qlimit, &cur, want))
		;
}

/* ctrl_lock held. Returns -1 if the scratch PRP list cannot be allocated. */
int emu_sq_setup(struct emu *emu, uint16_t qid, uint64_t base, uint32_t size, uint16_t cqid)
{
	struct emu_sq *sq = &emu->sqs[qid];

	pthread_mutex_lock(&sq->lock);
	if (!sq->xfer.segs && emu_xfer_init(&sq->xfer, emu->cfg.mdts)) {
		pthread_mutex_unlock(&sq->lock);
		return -1;
	}
	sq->qid = qid;
	sq->cqid = cqid;
	sq->size = size;
	sq->base = base;
	sq->head = 0;
	sq->tail = 0;
	sq->bad_db = UINT32_MAX;
	/* A new queue starts empty whatever its QID's doorbell last held: a
	 * deleted queue's final tail must not announce phantom commands. */
	emu_reg_store(emu, emu_sq_db(emu, qid), 0);
	atomic_store_explicit(&sq->live, true, memory_order_release);
	pthread_mutex_unlock(&sq->lock);
	emu->cqs[cqid].nsq++;
	emu_qlimit_raise(emu, qid);
	return 0;
}

/* Reads the SQ tail doorbell (3.1.24). A value outside the queue is ignored
 * and counted once per distinct value written. */
static void emu_sq_read_tail(struct emu *emu, struct emu_sq *sq)
{
	uint32_t db = emu_reg_load(emu, emu_sq_db(emu, sq->qid));

	if (db < sq->size) {
		sq->tail = db;
	} else if (db != sq->bad_db) {
		sq->bad_db = db;
		atomic_fetch_add_explicit(&emu->bad_doorbells, 1, memory_order_relaxed);
	}
}

static int emu_sqe_fetch(struct emu *emu, struct emu_sq *sq, struct emu_cmd *cmd)
{
	void *host;

	/* A 64-byte SQE in a page-aligned queue never crosses a 4 KiB page, so
	 * the fetch is one DMA chunk. */
	if (emu_dma_map(emu, sq->base + ((uint64_t)sq->head << NVME_SQE_SHIFT),
			sizeof(struct nvme_sqe), EMU_DMA_FROM_HOST, EMU_DMA_SQE, 0, &host,
			&cmd->cost_ns))
		return -1;
	memcpy(&cmd->sqe, host, sizeof(cmd->sqe));
	sq->head = sq->head + 1 == sq->size ? 0 : sq->head + 1;
	cmd->sqid = sq->qid;
	cmd->sqhd = (uint16_t)sq->head;
	emu_ctr_add(&sq->commands, 1);
	return 0;
}

/* 5.6: deleting an I/O SQ aborts every command submitted to it. Commands
 * still waiting in the SQ are fetched and, together with fetched commands
 * whose completion is still pending, completed with Command Aborted due to
 * SQ Deletion, so the host gets exactly one CQE per submitted command.
 * A controller reset (abort_cmds = false) drops them silently instead
 * (7.3.2). sq->lock is taken here; ctrl_lock held. */
void emu_sq_teardown(struct emu *emu, struct emu_sq *sq, bool abort_cmds)
{
	pthread_mutex_lock(&sq->lock);
	if (atomic_load(&sq->live) && abort_cmds) {
		const uint16_t st = EMU_GEN(NVME_SC_ABORT_QUEUE);
		struct emu_cq *cq = &emu->cqs[sq->cqid];
		int rc = 0;

		emu_sq_read_tail(emu, sq);
		pthread_mutex_lock(&cq->lock);
		emu_cq_abort_sq(cq, sq->qid, st);
		while (sq->head != sq->tail && !rc) {
			struct emu_cmd cmd = {0};
			if (emu_sqe_fetch(emu, sq, &cmd)) {
				emu_ctr_add(&sq->dma_faults, 1);
				break;
			}
			struct emu_cpl c = {
			    .sqid = sq->qid, .sqhd = cmd.sqhd, .cid = cmd.sqe.cid, .status = st};
			rc = emu_cq_push(emu, cq, &c);
		}
		pthread_mutex_unlock(&cq->lock);
		if (rc)
			emu_fatal(emu);
	}
	atomic_store(&sq->live, false);
	sq->head = 0;
	sq->tail = 0;
	pthread_mutex_unlock(&sq->lock);
}

/* Timing model: a command completes base_ns + bytes / bandwidth + its
 * translation cost after it was fetched. With all three zero it is due at
 * once and no clock is read. */
void emu_cmd_complete(struct emu *emu, struct emu_cmd *cmd)
{
	struct emu_sq *sq = &emu->sqs[cmd->sqid];
	struct emu_cq *cq = &emu->cqs[sq->cqid];
	struct emu_cpl c = {.dw0 = cmd->dw0,
			    .sqid = cmd->sqid,
			    .sqhd = cmd->sqhd,
			    .cid = cmd->sqe.cid,
			    .status = cmd->status};
	uint64_t svc = emu->cfg.base_ns + cmd->cost_ns;

	if (emu->cfg.bytes_per_sec && cmd->bytes)
		svc += cmd->bytes * 1000000000ull / emu->cfg.bytes_per_sec;
	if (svc) {
		if (!cmd->arrival)
			cmd->arrival = clock_now_ns();
		c.due = cmd->arrival + svc;
	}
	pthread_mutex_lock(&cq->lock);
	int rc = emu_cq_push(emu, cq, &c);
	pthread_mutex_unlock(&cq->lock);
	if (rc)
		emu_fatal(emu);
}

static void emu_dispatch(struct emu *emu, struct emu_sq *sq, struct emu_cmd *cmd)
{
	struct emu_rule r;

	if (atomic_load_explicit(&emu->ninject, memory_order_relaxed) &&
	    emu_inject_take(emu, sq->qid, cmd->sqe.opc, &r)) {
		switch (r.kind) {
		case EMU_FAULT_STATUS:
			cmd->status = r.status;
			emu_cmd_complete(emu, cmd);
			return;
		case EMU_FAULT_DROP:
			return;
		case EMU_FAULT_FATAL:
			emu_fatal(emu);
			return;
		}
	}
	sq->xfer.fault = false;
	sq->xfer.nsegs = 0;
	sq->xfer.cost_ns = 0;
	if (sq->qid == 0)
		emu_admin_exec(emu, sq, cmd);
	else
		emu_io_exec(emu, sq, cmd);
	cmd->cost_ns += sq->xfer.cost_ns;
	if (sq->xfer.fault)
		emu_ctr_add(&sq->dma_faults, 1);
	emu_cmd_complete(emu, cmd);
}

/* Fetches and executes what the tail doorbell announces; sq->lock held (and
 * ctrl_lock for the admin SQ). At most one lap of the ring per call keeps a
 * busy queue from starving the others. Fetching pauses while the CQ already
 * holds as many unposted completions as it has entries: a controller that
 * cannot post stops taking new work rather than buffering without bound. */
unsigned emu_sq_process(struct emu *emu, struct emu_sq *sq)
{
	struct emu_cq *cq = &emu->cqs[sq->cqid];
	unsigned n = 0;

	emu_sq_read_tail(emu, sq);
	while (sq->head != sq->tail && n < sq->size && emu_active(emu)) {
		if (atomic_load_explicit(&cq->npending, memory_order_relaxed) >= cq->size)
			break;
		struct emu_cmd cmd;
		memset(&cmd, 0, sizeof(cmd));
		if (emu->timed)
			cmd.arrival = clock_now_ns();
		if (emu_sqe_fetch(emu, sq, &cmd)) {
			/* 9.5: a command that cannot be fetched cannot be
			 * completed either; only CSTS.CFS can report it. */
			emu_ctr_add(&sq->dma_faults, 1);
			emu_fatal(emu);
			break;
		}
		n++;
		emu_dispatch(emu, sq, &cmd);
	}
	return n;
}
