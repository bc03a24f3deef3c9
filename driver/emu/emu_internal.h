/* Internal state of the emulated NVMe controller, shared by the emu_*.c files.
 *
 * Locking (INLINE mode lets several driver threads run device code at once):
 *   ctrl_lock  CC handling, admin command execution, queue create/delete, reset
 *   sq->lock   one submission queue's fetch state and its scratch transfer list
 *   cq->lock   one completion queue's pending heap, tail and phase
 *   csts_lock  stores to the CSTS register
 *   inject_lock the injection rule table
 * Order: ctrl_lock -> admin SQ lock -> I/O SQ lock -> CQ lock. Queue structs
 * are allocated once for the controller's lifetime, so a lock-free peek at
 * `live` never touches freed memory. */
#ifndef IOTLB_EMU_INTERNAL_H
#define IOTLB_EMU_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver/emu/emu.h"
#include "driver/nvme/spec.h"

#define EMU_PAGE_SIZE  NVME_PAGE_SIZE
#define EMU_PAGE_MASK  ((uint64_t)NVME_PAGE_SIZE - 1)
#define EMU_CACHELINE  64
#define EMU_VS	       0x00010400u /* 3.1.2: major 1, minor 4, tertiary 0 */
#define EMU_MAX_MDTS   12	   /* 16 MiB transfers: bounds the per-queue PRP segment list */
#define EMU_MAX_NN     1024	   /* an Active Namespace ID list (CNS 2) holds 1024 IDs */
#define EMU_MAX_DSTRD  12	   /* 16 KiB doorbell stride keeps the register file sane */
#define EMU_INJECT_MAX 64
#define EMU_SQES       6 /* CC.IOSQES the controller supports: 64-byte SQEs */
#define EMU_CQES       4 /* CC.IOCQES: 16-byte CQEs */

/* Status field values (4.6.1): SCT in 10:8, SC in 7:0, DNR in 14. DNR is set
 * for errors that retrying the same command cannot cure. */
#define EMU_STATUS(sct, sc) ((uint16_t)(((sct) << NVME_SCT_SHIFT) | (sc)))
#define EMU_GEN(sc)	    EMU_STATUS(NVME_SCT_GENERIC, (sc))
#define EMU_GEN_DNR(sc)	    ((uint16_t)(EMU_GEN(sc) | NVME_SC_DNR))
#define EMU_CMD_DNR(sc)	    ((uint16_t)(EMU_STATUS(NVME_SCT_CMD_SPECIFIC, (sc)) | NVME_SC_DNR))

/* Statistics counter written by the holder of the lock that guards it and
 * read lock-free by emu_get_stats(); relaxed atomics make that race-free
 * without a locked read-modify-write on the hot path. */
typedef _Atomic uint64_t emu_ctr;

static inline void emu_ctr_add(emu_ctr *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

/* One piece of a data transfer, inside a single 4 KiB IOVA page. */
struct emu_seg {
	uint64_t iova;
	void *host;
	uint32_t len;
};

/* Scatter list of one command, built by the PRP walk and then translated. */
struct emu_xfer {
	struct emu_seg *segs;
	uint32_t nsegs;
	uint32_t cap;
	uint64_t cost_ns; /* summed xlate cost of every chunk */
	bool fault;	  /* a translation failed (counts as a DMA fault) */
};

/* A fetched command on its way to a completion. */
struct emu_cmd {
	struct nvme_sqe sqe;
	uint16_t sqid;
	uint16_t sqhd;	  /* SQ head after this command was fetched (4.6, DW2) */
	uint64_t arrival; /* fetch time, 0 when the timing model is off */
	uint64_t cost_ns; /* translation cost: SQE fetch + PRP lists + data */
	uint64_t bytes;	  /* data moved, for the bandwidth term */
	uint32_t dw0;	  /* command specific result */
	uint16_t status;  /* status field without the phase tag */
};

/* A completion waiting for its due time and for room in the CQ. */
struct emu_cpl {
	uint64_t due; /* 0 = immediately */
	uint64_t seq; /* FIFO among equal due times */
	uint32_t dw0;
	uint16_t sqid;
	uint16_t sqhd;
	uint16_t cid;
	uint16_t status;
};

struct emu_sq {
	_Alignas(EMU_CACHELINE) pthread_mutex_t lock;
	atomic_bool live;
	uint16_t qid;
	uint16_t cqid;
	uint32_t size; /* entries (1-based) */
	uint64_t base;
	uint32_t head;	 /* next entry the controller fetches */
	uint32_t tail;	 /* last valid tail doorbell value */
	uint32_t bad_db; /* last invalid doorbell value counted, so each write counts once */
	struct emu_xfer xfer;
	emu_ctr commands;
	emu_ctr bytes_read;
	emu_ctr bytes_written;
	emu_ctr dma_faults;
};

struct emu_cq {
	_Alignas(EMU_CACHELINE) pthread_mutex_t lock;
	atomic_bool live;
	uint16_t qid;
	uint32_t size;
	uint64_t base;
	uint32_t tail;
	uint32_t head; /* last valid head doorbell value */
	uint32_t bad_db;
	uint8_t phase;
	bool ien;
	uint32_t nsq; /* SQs bound to this CQ; ctrl_lock */
	struct emu_cpl *heap;
	uint32_t nheap;
	uint32_t heap_cap;
	uint64_t seq;
	atomic_uint npending; /* nheap, readable by SQ fetchers for backpressure */
	emu_ctr completions;
	emu_ctr dma_faults;
};

struct emu_rule {
	uint16_t qid; /* EMU_ANY_IO_QUEUE: every I/O queue */
	int opcode;
	enum emu_fault_kind kind;
	uint16_t status;
	unsigned count;
	uint64_t skip; /* matching commands to let through before firing */
};

struct emu {
	struct emu_cfg cfg;
	char sn[21];
	char mn[41];
	char fr[9];
	bool timed; /* base_ns or bytes_per_sec non-zero: completions need a clock */

	struct transport tr;
	uint8_t *regs;
	size_t regs_len;
	uint64_t cap;
	uint32_t db_stride; /* bytes between doorbells: 4 << CAP.DSTRD */

	uint32_t nqueues; /* queue pairs including admin: max_io_queues + 1 */
	struct emu_sq *sqs;
	struct emu_cq *cqs;
	atomic_uint qlimit; /* one past the highest qid ever made live since reset */

	uint8_t **ns;
	uint64_t ns_blocks;

	pthread_mutex_t ctrl_lock;
	_Atomic uint32_t cc; /* last CC value acted on (written under ctrl_lock) */
	atomic_bool running; /* CSTS.RDY is 1: the controller processes queues */
	atomic_bool fatal;   /* CSTS.CFS is 1: the controller is stopped */
	atomic_bool rdy_pending;
	bool rdy_target;
	uint64_t rdy_due_ns;
	uint16_t nsqa; /* I/O queues allocated by Set Features Number of Queues */
	uint16_t ncqa;
	bool vwc;

	pthread_mutex_t csts_lock;
	_Atomic uint32_t csts;

	pthread_mutex_t inject_lock;
	atomic_uint ninject;
	struct emu_rule rules[EMU_INJECT_MAX];

	emu_ctr resets; /* ctrl_lock */
	_Atomic uint64_t bad_doorbells;

	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
};

/* Register file access. Acquire on loads pairs with the release fence the
 * driver issues before each doorbell store (transport.h), so the SQEs the
 * doorbell announces are visible once its new value is. */
static inline uint32_t emu_reg_load(const struct emu *emu, uint32_t off)
{
	return __atomic_load_n((const uint32_t *)(emu->regs + off), __ATOMIC_ACQUIRE);
}

static inline void emu_reg_store(struct emu *emu, uint32_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(emu->regs + off), v, __ATOMIC_RELEASE);
}

static inline bool emu_active(const struct emu *emu)
{
	return atomic_load_explicit(&emu->running, memory_order_acquire) &&
	       !atomic_load_explicit(&emu->fatal, memory_order_relaxed);
}

static inline uint32_t emu_sq_db(const struct emu *emu, uint16_t qid)
{
	return nvme_sq_db_off(qid, emu->cfg.dstrd);
}

static inline uint32_t emu_cq_db(const struct emu *emu, uint16_t qid)
{
	return nvme_cq_db_off(qid, emu->cfg.dstrd);
}

/* emu_regs.c */
void emu_regs_init(struct emu *emu);
void emu_regs_poll(struct emu *emu);
void emu_cc_check(struct emu *emu);
void emu_csts_update(struct emu *emu, uint32_t set, uint32_t clear);
void emu_fatal(struct emu *emu);

/* emu_dma.c */
int emu_dma_map(struct emu *emu, uint64_t iova, uint32_t len, enum emu_dma_dir dir,
		enum emu_dma_kind kind, uint16_t cid, void **host, uint64_t *cost_ns);
int emu_xfer_init(struct emu_xfer *x, uint8_t mdts);
void emu_xfer_free(struct emu_xfer *x);
uint16_t emu_prp_walk(struct emu *emu, struct emu_xfer *x, uint64_t prp1, uint64_t prp2,
		      uint32_t len, uint16_t cid);
uint16_t emu_xfer_map(struct emu *emu, struct emu_xfer *x, enum emu_dma_dir dir, uint16_t cid);
void emu_xfer_to_host(const struct emu_xfer *x, const uint8_t *src);
void emu_xfer_from_host(const struct emu_xfer *x, uint8_t *dst);

/* emu_sq.c */
int emu_sq_setup(struct emu *emu, uint16_t qid, uint64_t base, uint32_t size, uint16_t cqid);
void emu_sq_teardown(struct emu *emu, struct emu_sq *sq, bool abort_cmds);
unsigned emu_sq_process(struct emu *emu, struct emu_sq *sq);
void emu_cmd_complete(struct emu *emu, struct emu_cmd *cmd);

/* emu_cq.c */
int emu_cq_setup(struct emu *emu, uint16_t qid, uint64_t base, uint32_t size, bool ien);
void emu_cq_teardown(struct emu *emu, struct emu_cq *cq);
int emu_cq_push(struct emu *emu, struct emu_cq *cq, const struct emu_cpl *c);
unsigned emu_cq_post_locked(struct emu *emu, struct emu_cq *cq);
void emu_cq_abort_sq(struct emu_cq *cq, uint16_t sqid, uint16_t status);

/* emu_admin.c */
void emu_admin_exec(struct emu *emu, struct emu_sq *sq, struct emu_cmd *cmd);

/* emu_io.c */
void emu_io_exec(struct emu *emu, struct emu_sq *sq, struct emu_cmd *cmd);

/* emu_inject.c */
bool emu_inject_take(struct emu *emu, uint16_t qid, uint8_t opcode, struct emu_rule *hit);
void emu_inject_clear(struct emu *emu);

/* emu_thread.c */
int emu_thread_start(struct emu *emu, struct err *e);
void emu_thread_stop(struct emu *emu);

/* emu_core.c */
unsigned emu_round(struct emu *emu, unsigned *work);

#endif
