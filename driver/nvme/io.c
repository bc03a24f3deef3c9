#include <errno.h>

#include "driver/util/clock.h"
#include "driver/nvme/ctrl.h"

int nvme_io_sync(struct nvme_queue *q, uint8_t opc, const struct nvme_ns *ns, uint64_t slba,
		 const struct dma_buf *buf, size_t off, size_t len, uint32_t *status, struct err *e)
{
	int token = 0;
	int rc = opc == nvme_cmd_flush ? nvme_queue_flush(q, ns, &token)
				       : nvme_queue_rw(q, opc, ns, slba, buf, off, len, &token);
	if (rc == -ERANGE)
		return err_set(e, ERANGE, "LBAs %llu+%zu lie outside namespace %u (%llu LBAs)",
			       (unsigned long long)slba, len >> ns->lba_shift, ns->nsid,
			       (unsigned long long)ns->nlbas);
	if (rc == -EBUSY)
		return err_set(e, EBUSY, "queue %u has no free command slot", q->qid);
	if (rc)
		return err_set(e, EINVAL,
			       "I/O of %zu bytes at offset %zu: length must be a multiple of the "
			       "%u-byte LBA and at most %u bytes, the buffer dword aligned",
			       len, off, 1u << ns->lba_shift, q->max_xfer);
	struct nvme_done d[8];
	for (;;) {
		unsigned n = nvme_queue_poll(q, d, 8);
		for (unsigned i = 0; i < n; i++) {
			if (d[i].ctx != &token)
				continue;
			if (status)
				*status = d[i].status;
			if (d[i].status) {
				char sbuf[256];
				return err_set(e, nvme_status_errno(d[i].status),
					       "opcode 0x%02x LBA %llu: %s", opc,
					       (unsigned long long)slba,
					       nvme_status_desc(d[i].status, sbuf, sizeof(sbuf)));
			}
			return 0;
		}
		if (!n)
			cpu_relax();
	}
}
