/* Admin command set (NVMe 1.4, section 5): Identify, Set/Get Features
 * (Number of Queues, Volatile Write Cache) and I/O queue creation/deletion.
 * Runs with ctrl_lock and the admin SQ lock held. */
#include <string.h>

#include "driver/emu/emu_internal.h"

static void emu_pad(char *dst, size_t n, const char *src)
{
	/* 5.15.2: SN, MN and FR are ASCII, left justified, space padded. */
	size_t l = strlen(src);
	memset(dst, ' ', n);
	memcpy(dst, src, l < n ? l : n);
}

static bool emu_nsid_valid(const struct emu *emu, uint32_t nsid)
{
	return nsid >= 1 && nsid <= emu->cfg.nn;
}

static void emu_id_ctrl(struct emu *emu, struct nvme_id_ctrl *id)
{
	const struct emu_cfg *c = &emu->cfg;
	uint32_t maxcmd = (uint32_t)c->mqes + 1;

	/* No PCI function backs this controller, so there is no PCI vendor
	 * ID or IEEE OUI to report: both stay 0. */
	emu_pad(id->sn, sizeof(id->sn), emu->sn);
	emu_pad(id->mn, sizeof(id->mn), emu->mn);
	emu_pad(id->fr, sizeof(id->fr), emu->fr);
	id->rab = 6; /* 64 commands per arbitration burst */
	id->mdts = c->mdts;
	id->cntlid = 1;
	id->ver = EMU_VS;
	/* Required SQE/CQE sizes are the minimum and maximum (64 and 16 bytes). */
	id->sqes = (EMU_SQES << 4) | EMU_SQES;
	id->cqes = (EMU_CQES << 4) | EMU_CQES;
	id->maxcmd = (uint16_t)(maxcmd > 0xffff ? 0xffff : maxcmd);
	id->nn = c->nn;
	/* Only Read, Write and Flush are implemented: no optional NVM command. */
	id->oncs = 0;
	/* A volatile write cache is advertised so that Flush is a meaningful
	 * command for the driver and benchmarks to issue. */
	id->vwc = NVME_CTRL_VWC_PRESENT;
	id->sgls = 0; /* PRPs only */
}

static void emu_id_ns(struct emu *emu, struct nvme_id_ns *id)
{
	id->nsze = emu->ns_blocks;
	id->ncap = emu->ns_blocks;
	id->nuse = emu->ns_blocks;
	/* NLBAF is 0-based: two formats, 512 B and 4 KiB data, no metadata.
	 * FLBAS bits 3:0 select the one this namespace is formatted with. */
	id->nlbaf = 1;
	id->lbaf[0].ds = 9;
	id->lbaf[1].ds = 12;
	id->lbaf[1].rp = 0;
	id->lbaf[0].rp = 1; /* 512 B blocks: "better" rather than "best" */
	id->flbas = emu->cfg.lba_shift == 12 ? 1 : 0;
}

/* 5.15 Identify. */
static uint16_t emu_identify(struct emu *emu, struct emu_sq *sq, struct emu_cmd *cmd)
{
	const struct nvme_sqe *s = &cmd->sqe;
	union {
		struct nvme_id_ctrl ctrl;
		struct nvme_id_ns ns;
		uint32_t list[1024];
		uint8_t raw[4096];
	} buf;
	_Static_assert(sizeof(buf) == 4096, "Identify data structures are 4 KiB");

	memset(&buf, 0, sizeof(buf));
	switch (s->cdw10 & 0xff) {
	case NVME_IDENTIFY_CNS_NS:
		if (!emu_nsid_valid(emu, s->nsid))
			return EMU_GEN_DNR(NVME_SC_INVALID_NS);
		emu_id_ns(emu, &buf.ns);
		break;
	case NVME_IDENTIFY_CNS_CTRL:
		emu_id_ctrl(emu, &buf.ctrl);
		break;
	case NVME_IDENTIFY_CNS_NS_ACTIVE_LIST: {
		/* IDs greater than NSID, ascending; FFFFFFFEh/FFFFFFFFh are
		 * not valid starting points. */
		if (s->nsid >= NVME_NSID_ALL - 1)
			return EMU_GEN_DNR(NVME_SC_INVALID_NS);
		uint32_t n = 0;
		for (uint32_t id = s->nsid + 1; id <= emu->cfg.nn && n < 1024; id++)
			buf.list[n++] = id;
		break;
	}
	default:
		return EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
	}

	uint16_t st = emu_prp_walk(emu, &sq->xfer, s->prp1, s->prp2, sizeof(buf), s->cid);
	if (!st)
		st = emu_xfer_map(emu, &sq->xfer, EMU_DMA_TO_HOST, s->cid);
	if (st)
		return st;
	emu_xfer_to_host(&sq->xfer, buf.raw);
	cmd->bytes = sizeof(buf);
	return 0;
}

static bool emu_io_queues_exist(const struct emu *emu)
{
	for (uint32_t q = 1; q < emu->nqueues; q++)
		if (atomic_load(&emu->sqs[q].live) || atomic_load(&emu->cqs[q].live))
			return true;
	return false;
}

/* Set Features (5.21) / Get Features. Number of Queues: NSQR 15:0 and NCQR
 * 31:16, both 0-based; the result carries the allocated counts the same way.
 * 65535 would mean 65536 queues, which the spec forbids. The allocation is
 * fixed once I/O queues exist (Command Sequence Error after that). */
static uint16_t emu_features(struct emu *emu, struct emu_cmd *cmd, bool set)
{
	const struct nvme_sqe *s = &cmd->sqe;
	uint8_t fid = s->cdw10 & 0xff;

	if (set && (s->cdw10 & (1u << 31)))
		return EMU_CMD_DNR(NVME_SC_FEATURE_NOT_SAVEABLE);
	switch (fid) {
	case NVME_FEAT_FID_NUM_QUEUES:
		if (set) {
			uint32_t nsqr = s->cdw11 & 0xffff, ncqr = s->cdw11 >> 16;
			if (nsqr == 0xffff || ncqr == 0xffff)
				return EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
			if (emu_io_queues_exist(emu))
				return EMU_GEN_DNR(NVME_SC_CMD_SEQ_ERROR);
			uint32_t max = emu->cfg.max_io_queues;
			emu->nsqa = (uint16_t)(nsqr + 1 < max ? nsqr + 1 : max);
			emu->ncqa = (uint16_t)(ncqr + 1 < max ? ncqr + 1 : max);
		}
		cmd->dw0 = (uint32_t)(emu->nsqa - 1) | (uint32_t)(emu->ncqa - 1) << 16;
		return 0;
	case NVME_FEAT_FID_VOLATILE_WC:
		if (set)
			emu->vwc = s->cdw11 & 1;
		cmd->dw0 = emu->vwc;
		return 0;
	default:
		return EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
	}
}

/* Checks shared by both Create I/O queue commands: QSIZE is 0-based, a
 * one-entry queue is invalid and CAP.MQES bounds it; PC must be 1 because
 * CAP.CQR = 1; PRP1 is the page-aligned queue base. */
static uint16_t emu_check_new_queue(struct emu *emu, const struct nvme_sqe *s, bool cq)
{
	uint32_t qsize = s->cdw10 >> 16;
	uint32_t cc = atomic_load(&emu->cc);

	if (qsize == 0 || qsize > emu->cfg.mqes)
		return EMU_CMD_DNR(NVME_SC_QUEUE_SIZE);
	if (!(s->cdw11 & 1))
		return EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
	if (s->prp1 & EMU_PAGE_MASK)
		return EMU_GEN_DNR(NVME_SC_PRP_INVALID_OFFSET);
	if (!s->prp1)
		return EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
	/* 3.1.5: the host sets CC.IOSQES/IOCQES before creating I/O queues; any
	 * other entry size would change the queue layout. */
	if (cq ? NVME_CC_IOCQES(cc) != EMU_CQES : NVME_CC_IOSQES(cc) != EMU_SQES)
		return EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
	return 0;
}

/* 5.3 Create I/O Completion Queue. IEN is accepted; no interrupt is ever
 * raised because the driver polls. */
static uint16_t emu_create_cq(struct emu *emu, const struct nvme_sqe *s)
{
	uint16_t qid = s->cdw10 & 0xffff;

	if (qid == 0 || qid > emu->ncqa || atomic_load(&emu->cqs[qid].live))
		return EMU_CMD_DNR(NVME_SC_QID_INVALID);
	uint16_t st = emu_check_new_queue(emu, s, true);
	if (st)
		return st;
	if (emu_cq_setup(emu, qid, s->prp1, (s->cdw10 >> 16) + 1, s->cdw11 & 2))
		return EMU_GEN(NVME_SC_INTERNAL);
	return 0;
}

/* 5.4 Create I/O Submission Queue. QPRIO is accepted and ignored: only
 * round-robin arbitration is offered (CAP.AMS = 0). */
static uint16_t emu_create_sq(struct emu *emu, const struct nvme_sqe *s)
{
	uint16_t qid = s->cdw10 & 0xffff;
	uint16_t cqid = s->cdw11 >> 16;

	if (qid == 0 || qid > emu->nsqa || atomic_load(&emu->sqs[qid].live))
		return EMU_CMD_DNR(NVME_SC_QID_INVALID);
	uint16_t st = emu_check_new_queue(emu, s, false);
	if (st)
		return st;
	if (cqid == 0 || cqid >= emu->nqueues || !atomic_load(&emu->cqs[cqid].live))
		return EMU_CMD_DNR(NVME_SC_CQ_INVALID);
	if (emu_sq_setup(emu, qid, s->prp1, (s->cdw10 >> 16) + 1, cqid))
		return EMU_GEN(NVME_SC_INTERNAL);
	return 0;
}

/* 5.6 Delete I/O Submission Queue; see emu_sq_teardown for what happens to
 * the commands still on it. */
static uint16_t emu_delete_sq(struct emu *emu, const struct nvme_sqe *s)
{
	uint16_t qid = s->cdw10 & 0xffff;

	if (qid == 0 || qid >= emu->nqueues || !atomic_load(&emu->sqs[qid].live))
		return EMU_CMD_DNR(NVME_SC_QID_INVALID);
	struct emu_sq *sq = &emu->sqs[qid];
	uint16_t cqid = sq->cqid;
	emu_sq_teardown(emu, sq, true);
	emu->cqs[cqid].nsq--;
	return 0;
}

/* 5.5 Delete I/O Completion Queue: refused while an SQ still points at it. */
static uint16_t emu_delete_cq(struct emu *emu, const struct nvme_sqe *s)
{
	uint16_t qid = s->cdw10 & 0xffff;

	if (qid == 0 || qid >= emu->nqueues || !atomic_load(&emu->cqs[qid].live))
		return EMU_CMD_DNR(NVME_SC_QID_INVALID);
	if (emu->cqs[qid].nsq)
		return EMU_CMD_DNR(NVME_SC_INVALID_QUEUE);
	emu_cq_teardown(emu, &emu->cqs[qid]);
	return 0;
}

void emu_admin_exec(struct emu *emu, struct emu_sq *sq, struct emu_cmd *cmd)
{
	const struct nvme_sqe *s = &cmd->sqe;

	/* Fused operations are not supported (FUSES = 0) and SGLs are not
	 * offered (SGLS = 0), so FUSE and PSDT must be 0 (4.2). */
	if (s->flags) {
		cmd->status = EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
		return;
	}
	switch (s->opc) {
	case nvme_admin_identify:
		cmd->status = emu_identify(emu, sq, cmd);
		break;
	case nvme_admin_set_features:
		cmd->status = emu_features(emu, cmd, true);
		break;
	case nvme_admin_get_features:
		cmd->status = emu_features(emu, cmd, false);
		break;
	case nvme_admin_create_cq:
		cmd->status = emu_create_cq(emu, s);
		break;
	case nvme_admin_create_sq:
		cmd->status = emu_create_sq(emu, s);
		break;
	case nvme_admin_delete_sq:
		cmd->status = emu_delete_sq(emu, s);
		break;
	case nvme_admin_delete_cq:
		cmd->status = emu_delete_cq(emu, s);
		break;
	default:
		cmd->status = EMU_GEN_DNR(NVME_SC_INVALID_OPCODE);
		break;
	}
}
