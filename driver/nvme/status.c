#include <errno.h>
#include <stdio.h>
#include <nvme/util.h>

#include "driver/nvme/ctrl.h"

const char *nvme_status_str(uint32_t status)
{
	switch (status & NVME_HOST_MASK) {
	case NVME_HOST_TIMEOUT:
		return "command timed out: no completion within the command timeout";
	case NVME_HOST_ABORTED:
		return "command aborted by a controller reset or queue deletion";
	case NVME_HOST_CTRL_FATAL:
		return "controller fatal status (CSTS.CFS) while the command was outstanding";
	default:
		break;
	}
	if (status == 0)
		return "success";
	/* libnvme decodes SCT << 8 | SC for every status the spec defines. */
	return nvme_status_to_string((int)(status & 0x7ffu), false);
}

int nvme_status_errno(uint32_t status)
{
	switch (status & NVME_HOST_MASK) {
	case NVME_HOST_TIMEOUT:
		return ETIMEDOUT;
	case NVME_HOST_ABORTED:
		return ECANCELED;
	default:
		return EIO;
	}
}

const char *nvme_status_desc(uint32_t status, char *buf, size_t len)
{
	if (status & NVME_HOST_MASK)
		snprintf(buf, len, "%s", nvme_status_str(status));
	else
		snprintf(buf, len, "%s (SCT %u SC 0x%02x%s)", nvme_status_str(status),
			 NVME_STATUS_SCT(status), NVME_STATUS_SC(status),
			 (status & NVME_STATUS_DNR) ? ", do not retry" : "");
	return buf;
}
