/* Checks every case of a suite against the opened device's limits before
 * the first case runs, so a suite that cannot run fails at once with the
 * limit named instead of halfway through with a bare "submit failed". */
#ifndef IOTLB_LIMITS_H
#define IOTLB_LIMITS_H

#include "driver/nvme/ctrl.h"
#include "micro/run/suite.h"

int limits_check(const struct suite *s, const struct nvme_ctrl *c, const struct nvme_ns *ns,
		 struct err *e);

#endif
