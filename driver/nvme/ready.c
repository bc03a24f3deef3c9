#include <errno.h>

#include "driver/util/clock.h"
#include "driver/nvme/ctrl.h"

int nvme_wait_ready(struct transport *t, bool ready, uint32_t timeout_ms, struct err *e)
{
	uint64_t deadline = clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		uint32_t csts = tr_read32(t, NVME_REG_CSTS);
		if (csts == 0xffffffffu)
			return err_set(
			    e, ENODEV,
			    "controller registers read as all ones: the device is gone "
			    "or its BAR is not mapped (check lspci and the bound driver)");
		if (!!(csts & NVME_CSTS_BIT_RDY) == ready)
			return 0;
		/* CFS while enabling: the controller rejected the admin queue or
		 * CC settings (3.1.6); it will not become ready on its own. */
		if (ready && (csts & NVME_CSTS_BIT_CFS))
			return err_set(
			    e, EIO,
			    "controller fatal status (CSTS.CFS) while enabling: it rejected "
			    "the admin queue or CC settings; reset the device");
		if (clock_now_ns() > deadline)
			return err_set(e, ETIMEDOUT,
				       "CSTS.RDY did not become %d within CAP.TO = %u ms; the "
				       "controller is hung: reset it or power-cycle the device",
				       ready, timeout_ms);
		if (t->idle)
			t->idle(t);
		else
			clock_sleep_us(10);
	}
}
