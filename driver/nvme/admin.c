#include "driver/nvme/admin.h"

#include <errno.h>
#include <string.h>

#include "driver/util/clock.h"

static const char *admin_name(uint8_t opc)
{
	switch (opc) {
	case nvme_admin_identify:
		return "Identify";
	case nvme_admin_set_features:
		return "Set Features";
	case nvme_admin_get_features:
		return "Get Features";
	case nvme_admin_create_cq:
		return "Create I/O Completion Queue";
	case nvme_admin_create_sq:
		return "Create I/O Submission Queue";
	case nvme_admin_delete_sq:
		return "Delete I/O Submission Queue";
	case nvme_admin_delete_cq:
		return "Delete I/O Completion Queue";
	default:
		return "admin command";
	}
}

int nvme_admin_exec(struct nvme_ctrl *c, const struct nvme_sqe *cmd, const struct dma_buf *buf,
		    size_t len, uint32_t *dw0, uint32_t *status, struct err *e)
{
	struct nvme_done d;
	int done = 0;
	/* A fatal controller (CSTS.CFS, 3.1.6) or a vanished one answers no
	 * command: say so at once instead of waiting out the admin timeout. */
	uint32_t csts = tr_read32(c->tr, NVME_REG_CSTS);
	if (csts == 0xffffffffu || (csts & NVME_CSTS_BIT_CFS))
		return err_set(e, EIO, "%s (opcode 0x%02x): the controller %s; reset it",
			       admin_name(cmd->opc), cmd->opc,
			       csts == 0xffffffffu ? "is gone (registers read all ones)"
						   : "reports a fatal status (CSTS.CFS)");
	pthread_mutex_lock(&c->admin_lock);
	int rc = nvme_queue_submit(c->admin, cmd, buf, 0, len, &done);
	if (rc) {
		pthread_mutex_unlock(&c->admin_lock);
		return err_set(
		    e, -rc, "%s (opcode 0x%02x): cannot submit: %s", admin_name(cmd->opc), cmd->opc,
		    rc == -EBUSY ? "admin queue full" : "buffer not describable by PRPs");
	}
	for (;;) {
		if (nvme_queue_poll(c->admin, &d, 1) && d.ctx == &done)
			break;
		cpu_relax();
	}
	pthread_mutex_unlock(&c->admin_lock);
	if (status)
		*status = d.status;
	if (dw0)
		*dw0 = d.dw0;
	if (d.status) {
		char sbuf[256];
		return err_set(e, nvme_status_errno(d.status), "%s failed: %s",
			       admin_name(cmd->opc),
			       nvme_status_desc(d.status, sbuf, sizeof(sbuf)));
	}
	return 0;
}

int nvme_identify(struct nvme_ctrl *c, uint8_t cns, uint32_t nsid, struct err *e)
{
	struct nvme_sqe cmd = {.opc = nvme_admin_identify, .nsid = nsid, .cdw10 = cns};
	memset(c->scratch.va, 0, NVME_PAGE_SIZE);
	return nvme_admin_exec(c, &cmd, &c->scratch, NVME_PAGE_SIZE, NULL, NULL, e);
}

int nvme_set_num_queues(struct nvme_ctrl *c, uint16_t want, uint16_t *granted, struct err *e)
{
	/* 5.21.1.7: NSQR (15:0) and NCQR (31:16), both 0-based; the result in
	 * DW0 has the allocated counts in the same layout. */
	uint32_t n = (uint32_t)(want - 1);
	struct nvme_sqe cmd = {.opc = nvme_admin_set_features,
			       .cdw10 = NVME_FEAT_FID_NUM_QUEUES,
			       .cdw11 = n | n << 16};
	uint32_t dw0 = 0;
	int rc = nvme_admin_exec(c, &cmd, NULL, 0, &dw0, NULL, e);
	if (rc)
		return rc;
	uint32_t nsq = (dw0 & 0xffffu) + 1, ncq = (dw0 >> 16) + 1;
	*granted = (uint16_t)(nsq < ncq ? nsq : ncq);
	return 0;
}

int nvme_create_cq(struct nvme_ctrl *c, struct nvme_queue *q, struct err *e)
{
	/* 5.3: QSIZE 0-based; PC = 1 (the rings are contiguous in device
	 * space, as CAP.CQR may require); IEN = 0: the driver polls. */
	struct nvme_sqe cmd = {.opc = nvme_admin_create_cq,
			       .prp1 = dma_addr(&q->ring, (size_t)((uint8_t *)q->cq - q->ring.va)),
			       .cdw10 = (uint32_t)(q->entries - 1) << 16 | q->qid,
			       .cdw11 = 1u};
	return nvme_admin_exec(c, &cmd, NULL, 0, NULL, NULL, e);
}

int nvme_create_sq(struct nvme_ctrl *c, struct nvme_queue *q, struct err *e)
{
	/* 5.4: PC = 1, QPRIO = 0 (round robin arbitration ignores it), CQID =
	 * this pair's own CQ. */
	struct nvme_sqe cmd = {.opc = nvme_admin_create_sq,
			       .prp1 = dma_addr(&q->ring, 0),
			       .cdw10 = (uint32_t)(q->entries - 1) << 16 | q->qid,
			       .cdw11 = (uint32_t)q->qid << 16 | 1u};
	return nvme_admin_exec(c, &cmd, NULL, 0, NULL, NULL, e);
}

int nvme_delete_sq(struct nvme_ctrl *c, uint16_t qid, struct err *e)
{
	struct nvme_sqe cmd = {.opc = nvme_admin_delete_sq, .cdw10 = qid};
	return nvme_admin_exec(c, &cmd, NULL, 0, NULL, NULL, e);
}

int nvme_delete_cq(struct nvme_ctrl *c, uint16_t qid, struct err *e)
{
	struct nvme_sqe cmd = {.opc = nvme_admin_delete_cq, .cdw10 = qid};
	return nvme_admin_exec(c, &cmd, NULL, 0, NULL, NULL, e);
}
