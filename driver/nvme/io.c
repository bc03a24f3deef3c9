#include <errno.h>
#include <string.h>

#include "driver/util/clock.h"
#include "driver/nvme/ctrl.h"

int nvme_rw_error(const struct nvme_queue *q, const struct nvme_ns *ns, uint64_t slba, size_t off,
		  size_t len, int rc, struct err *e)
{
	const char *why = strerror(-rc);
	uint32_t lba = 1u << ns->lba_shift;
	if (rc == -ERANGE)
		return err_set(e, ERANGE, "LBAs %llu+%zu lie outside namespace %u (%llu LBAs): %s",
			       (unsigned long long)slba, len >> ns->lba_shift, ns->nsid,
			       (unsigned long long)ns->nlbas, why);
	if (rc == -EBUSY)
		return err_set(e, EBUSY,
			       "queue %u has no free command slot (%u commands in flight): %s",
			       q->qid, q->inflight, why);
	if (rc == -EINVAL && (len == 0 || len % lba))
		return err_set(
		    e, EINVAL,
		    "length %zu is not a whole number of namespace %u's %u-byte LBAs: %s", len,
		    ns->nsid, lba, why);
	if (rc == -EINVAL && len > q->max_xfer)
		return err_set(e, EINVAL,
			       "length %zu exceeds the controller's largest transfer (MDTS) of %u "
			       "bytes: %s",
			       len, q->max_xfer, why);
	if (rc == -EINVAL)
		return err_set(
		    e, EINVAL,
		    "the buffer at offset %zu cannot be described by PRPs (its device "
		    "address must be dword aligned, every further page page-aligned): %s",
		    off, why);
	return err_set(e, -rc, "%s", why);
}

int nvme_io_sync(struct nvme_queue *q, uint8_t opc, const struct nvme_ns *ns, uint64_t slba,
		 const struct dma_buf *buf, size_t off, size_t len, uint32_t *status, struct err *e)
{
	int token = 0;
	int rc = opc == nvme_cmd_flush ? nvme_queue_flush(q, ns, &token)
				       : nvme_queue_rw(q, opc, ns, slba, buf, off, len, &token);
	if (rc)
		return nvme_rw_error(q, ns, slba, off, len, rc, e);
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
