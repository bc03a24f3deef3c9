/* Error injection: make the next matching commands fail the way a real
 * controller can (an error status, a lost command, a fatal controller
 * error), so driver error paths can be exercised deterministically. */
#include <errno.h>

#include "driver/emu/emu_internal.h"

int emu_inject(struct emu *emu, uint16_t qid, int opcode, enum emu_fault_kind kind, uint16_t status,
	       unsigned count, struct err *e)
{
	return emu_inject_after(emu, qid, opcode, kind, status, count, 0, e);
}

int emu_inject_after(struct emu *emu, uint16_t qid, int opcode, enum emu_fault_kind kind,
		     uint16_t status, unsigned count, uint64_t skip, struct err *e)
{
	if (!emu)
		return err_set(e, EINVAL,
			       "emu_inject: emu is NULL; pass the controller from emu_create");
	if (qid >= emu->nqueues && qid != EMU_ANY_IO_QUEUE)
		return err_set(
		    e, EINVAL,
		    "emu_inject: queue %u does not exist (max_io_queues is %u); use 0 for "
		    "the admin queue or 1..%u for I/O queues",
		    qid, emu->cfg.max_io_queues, emu->cfg.max_io_queues);
	if (opcode < -1 || opcode > 0xff)
		return err_set(
		    e, EINVAL,
		    "emu_inject: opcode %d is not an NVMe opcode; use 0..255, or -1 for any "
		    "opcode",
		    opcode);
	if (kind != EMU_FAULT_STATUS && kind != EMU_FAULT_DROP && kind != EMU_FAULT_FATAL)
		return err_set(e, EINVAL,
			       "emu_inject: fault kind %d is unknown; use EMU_FAULT_STATUS, "
			       "EMU_FAULT_DROP or EMU_FAULT_FATAL",
			       (int)kind);
	/* The CQE status field is 15 bits (4.6.1): SC, SCT, CRD, M, DNR. */
	if (kind == EMU_FAULT_STATUS && status > NVME_STATUS_DEVICE_MASK)
		return err_set(e, EINVAL,
			       "emu_inject: status 0x%x does not fit the 15-bit CQE status field; "
			       "pass (SCT << 8 | SC), optionally with DNR (0x4000)",
			       status);
	if (!count)
		return err_set(
		    e, EINVAL,
		    "emu_inject: count is 0, so the rule would never fire; pass the number "
		    "of commands to affect");

	pthread_mutex_lock(&emu->inject_lock);
	struct emu_rule *slot = NULL;
	for (unsigned i = 0; i < EMU_INJECT_MAX; i++) {
		if (!emu->rules[i].count) {
			slot = &emu->rules[i];
			break;
		}
	}
	if (!slot) {
		pthread_mutex_unlock(&emu->inject_lock);
		return err_set(
		    e, ENOSPC,
		    "emu_inject: all %d injection rules are in use; let some fire or reset "
		    "the controller (CC.EN 1 -> 0) to clear them",
		    EMU_INJECT_MAX);
	}
	*slot = (struct emu_rule){.qid = qid,
				  .opcode = opcode,
				  .kind = kind,
				  .status = status,
				  .count = count,
				  .skip = skip};
	atomic_fetch_add(&emu->ninject, 1);
	pthread_mutex_unlock(&emu->inject_lock);
	return 0;
}

/* Consumes one use of the oldest-installed matching rule. Rules are matched
 * in slot order, which is installation order until slots are reused. */
bool emu_inject_take(struct emu *emu, uint16_t qid, uint8_t opcode, struct emu_rule *hit)
{
	bool found = false;

	pthread_mutex_lock(&emu->inject_lock);
	for (unsigned i = 0; i < EMU_INJECT_MAX; i++) {
		struct emu_rule *r = &emu->rules[i];
		if (!r->count || (r->qid != qid && !(r->qid == EMU_ANY_IO_QUEUE && qid != 0)) ||
		    (r->opcode != -1 && r->opcode != opcode))
			continue;
		if (r->skip) {
			r->skip--;
			continue;
		}
		*hit = *r;
		if (--r->count == 0)
			atomic_fetch_sub(&emu->ninject, 1);
		found = true;
		break;
	}
	pthread_mutex_unlock(&emu->inject_lock);
	return found;
}

/* A controller reset (7.3.2) returns the controller to its initial state;
 * injected faults belong to that state and go with it. */
void emu_inject_clear(struct emu *emu)
{
	pthread_mutex_lock(&emu->inject_lock);
	for (unsigned i = 0; i < EMU_INJECT_MAX; i++)
		emu->rules[i].count = 0;
	atomic_store(&emu->ninject, 0);
	pthread_mutex_unlock(&emu->inject_lock);
}
