/* Controller registers (NVMe 1.4, 3.1) and the controller state machine they
 * drive: CC.EN enable/reset (7.6.1, 7.3.2), CC.SHN shutdown (7.6.2), CSTS. */
#include <string.h>

#include "driver/emu/emu_internal.h"
#include "driver/util/clock.h"

#define CSTS_RDY       (1u << NVME_CSTS_RDY_SHIFT)
#define CSTS_CFS       (1u << NVME_CSTS_CFS_SHIFT)
#define CSTS_SHST_MASK ((uint32_t)NVME_CSTS_SHST_MASK << NVME_CSTS_SHST_SHIFT)
#define CSTS_SHST_DONE ((uint32_t)NVME_CSTS_SHST_CMPLT << NVME_CSTS_SHST_SHIFT)

static uint64_t emu_reg_load64(const struct emu *emu, uint32_t off)
{
	/* 3.1: 64-bit registers may be written as two dwords, low first. */
	return (uint64_t)emu_reg_load(emu, off) | (uint64_t)emu_reg_load(emu, off + 4) << 32;
}

static void emu_regs_write_ro(struct emu *emu)
{
	emu_reg_store(emu, NVME_REG_CAP, (uint32_t)emu->cap);
	emu_reg_store(emu, NVME_REG_CAP + 4, (uint32_t)(emu->cap >> 32));
	emu_reg_store(emu, NVME_REG_VS, EMU_VS);
}

void emu_regs_init(struct emu *emu)
{
	const struct emu_cfg *c = &emu->cfg;

	/* 3.1.1 CAP. CQR=1: I/O queues must be physically contiguous, which is
	 * all the PRP1-based queue creation here supports. CSS bit 0: the NVM
	 * command set. MPSMIN=0 (4 KiB) .. MPSMAX=4 (64 KiB), although only
	 * CC.MPS=0 is accepted, because PRP walks assume 4 KiB memory pages. */
	emu->cap = NVME_SET((uint64_t)c->mqes, CAP_MQES) | NVME_SET((uint64_t)1, CAP_CQR) |
		   NVME_SET((uint64_t)c->to_500ms, CAP_TO) |
		   NVME_SET((uint64_t)c->dstrd, CAP_DSTRD) |
		   NVME_SET((uint64_t)NVME_CAP_CSS_NVM, CAP_CSS) |
		   NVME_SET((uint64_t)0, CAP_MPSMIN) | NVME_SET((uint64_t)4, CAP_MPSMAX);
	emu_regs_write_ro(emu);
	atomic_store(&emu->csts, 0);
	emu_reg_store(emu, NVME_REG_CSTS, 0);
}

void emu_csts_update(struct emu *emu, uint32_t set, uint32_t clear)
{
	pthread_mutex_lock(&emu->csts_lock);
	uint32_t v = (atomic_load(&emu->csts) & ~clear) | set;
	atomic_store(&emu->csts, v);
	emu_reg_store(emu, NVME_REG_CSTS, v);
	pthread_mutex_unlock(&emu->csts_lock);
}

/* 3.1.6 CSTS.CFS: the controller hit an error it cannot report through a
 * completion (a command it cannot fetch, a CQE it cannot write, an injected
 * fatal fault). It stops until the host resets it with CC.EN 1 -> 0. */
void emu_fatal(struct emu *emu)
{
	atomic_store(&emu->fatal, true);
	emu_csts_update(emu, CSTS_CFS, 0);
}

static void emu_rdy_apply(struct emu *emu, bool rdy)
{
	if (rdy) {
		emu_csts_update(emu, CSTS_RDY, 0);
		atomic_store_explicit(&emu->running, true, memory_order_release);
	} else {
		emu_csts_update(emu, 0, CSTS_RDY);
	}
}

/* CSTS.RDY follows CC.EN after a delay (7.6.1: the host waits up to CAP.TO
 * for it), so a driver's timeout handling can be exercised. */
static void emu_rdy_schedule(struct emu *emu, bool rdy)
{
	if (!emu->cfg.ready_us) {
		atomic_store(&emu->rdy_pending, false);
		emu_rdy_apply(emu, rdy);
		return;
	}
	emu->rdy_target = rdy;
	emu->rdy_due_ns = clock_now_ns() + (uint64_t)emu->cfg.ready_us * 1000u;
	atomic_store(&emu->rdy_pending, true);
}

/* 7.6.1: CC.EN 0 -> 1 with AQA/ASQ/ACQ describing the admin queues. A
 * configuration the controller cannot honour sets CSTS.CFS instead of RDY;
 * the host has to clear CC.EN to recover. */
static void emu_enable(struct emu *emu, uint32_t cc)
{
	uint32_t aqa = emu_reg_load(emu, NVME_REG_AQA);
	uint64_t asq = emu_reg_load64(emu, NVME_REG_ASQ);
	uint64_t acq = emu_reg_load64(emu, NVME_REG_ACQ);
	uint32_t asqs = NVME_AQA_ASQS(aqa);
	uint32_t acqs = NVME_AQA_ACQS(aqa);
	bool ok = asqs && acqs && asqs <= emu->cfg.mqes && acqs <= emu->cfg.mqes;

	/* 3.1.8/3.1.9: ASQB/ACQB are memory-page aligned (low 12 bits reserved). */
	ok = ok && asq && acq && !(asq & EMU_PAGE_MASK) && !(acq & EMU_PAGE_MASK);
	/* 3.1.5: MPS other than 0 would change the PRP page size; only NVM is
	 * offered in CAP.CSS. */
	ok = ok && NVME_CC_MPS(cc) == 0 && NVME_CC_CSS(cc) == NVME_CC_CSS_NVM;
	if (!ok) {
		emu_fatal(emu);
		return;
	}
	if (emu_cq_setup(emu, 0, acq, acqs + 1, true) || emu_sq_setup(emu, 0, asq, asqs + 1, 0)) {
		emu_sq_teardown(emu, &emu->sqs[0], false);
		emu_cq_teardown(emu, &emu->cqs[0]);
		emu_fatal(emu);
		return;
	}
	emu_rdy_schedule(emu, true);
}

/* 7.3.2 Controller Reset via CC.EN 1 -> 0: every I/O and admin queue is
 * deleted, outstanding commands are dropped without completions, doorbells
 * return to 0 and CSTS.CFS clears. AQA/ASQ/ACQ keep their values. */
static void emu_reset(struct emu *emu)
{
	atomic_store(&emu->running, false);
	for (uint32_t q = 0; q < emu->nqueues; q++)
		emu_sq_teardown(emu, &emu->sqs[q], false);
	for (uint32_t q = 0; q < emu->nqueues; q++)
		emu_cq_teardown(emu, &emu->cqs[q]);
	atomic_store(&emu->qlimit, 1);
	for (size_t off = 0x1000; off + 4 <= emu->regs_len; off += 4)
		emu_reg_store(emu, (uint32_t)off, 0);
	emu_inject_clear(emu);
	emu->nsqa = emu->cfg.max_io_queues;
	emu->ncqa = emu->cfg.max_io_queues;
	emu->vwc = true;
	atomic_store(&emu->fatal, false);
	emu_csts_update(emu, 0, CSTS_CFS);
	emu_ctr_add(&emu->resets, 1);
	emu_rdy_schedule(emu, false);
}

/* Acts on a CC value that differs from the last one seen; ctrl_lock held. */
static void emu_cc_apply(struct emu *emu, uint32_t cc)
{
	uint32_t old = atomic_load(&emu->cc);
	bool was_en = NVME_CC_EN(old);
	bool en = NVME_CC_EN(cc);

	atomic_store(&emu->cc, cc);
	if (!was_en && en)
		emu_enable(emu, cc);
	else if (was_en && !en)
		emu_reset(emu);

	/* 7.6.2: nothing is cached in volatile state that a shutdown would have
	 * to flush (namespaces are plain RAM), so shutdown completes at once.
	 * SHST returns to 0 once the controller is disabled with SHN clear. */
	if (NVME_CC_SHN(cc) != NVME_CC_SHN_NONE)
		emu_csts_update(emu, CSTS_SHST_DONE, CSTS_SHST_MASK);
	else if (!en)
		emu_csts_update(emu, 0, CSTS_SHST_MASK);
}

void emu_cc_check(struct emu *emu)
{
	uint32_t cc = emu_reg_load(emu, NVME_REG_CC);

	if (cc == atomic_load_explicit(&emu->cc, memory_order_relaxed))
		return;
	pthread_mutex_lock(&emu->ctrl_lock);
	cc = emu_reg_load(emu, NVME_REG_CC);
	if (cc != atomic_load(&emu->cc))
		emu_cc_apply(emu, cc);
	pthread_mutex_unlock(&emu->ctrl_lock);
}

/* CAP and VS are read-only (3.1.1, 3.1.2) and CSTS is written only by the
 * controller (3.1.6); the register file is ordinary memory, so stray host
 * stores are undone here rather than trusted. */
static void emu_regs_guard(struct emu *emu)
{
	if (emu_reg_load(emu, NVME_REG_CAP) != (uint32_t)emu->cap ||
	    emu_reg_load(emu, NVME_REG_CAP + 4) != (uint32_t)(emu->cap >> 32) ||
	    emu_reg_load(emu, NVME_REG_VS) != EMU_VS)
		emu_regs_write_ro(emu);
	if (emu_reg_load(emu, NVME_REG_CSTS) != atomic_load(&emu->csts)) {
		pthread_mutex_lock(&emu->csts_lock);
		emu_reg_store(emu, NVME_REG_CSTS, atomic_load(&emu->csts));
		pthread_mutex_unlock(&emu->csts_lock);
	}
}

void emu_regs_poll(struct emu *emu)
{
	emu_cc_check(emu);
	if (atomic_load(&emu->rdy_pending)) {
		uint64_t now = clock_now_ns();
		pthread_mutex_lock(&emu->ctrl_lock);
		if (atomic_load(&emu->rdy_pending) && now >= emu->rdy_due_ns) {
			atomic_store(&emu->rdy_pending, false);
			emu_rdy_apply(emu, emu->rdy_target);
		}
		pthread_mutex_unlock(&emu->ctrl_lock);
	}
	emu_regs_guard(emu);
}
