/* Admin command builders (NVMe base 1.4, chapter 5) used by the controller
 * lifecycle. Each runs synchronously on the admin queue. */
#ifndef IOTLB_NVME_ADMIN_H
#define IOTLB_NVME_ADMIN_H

#include "driver/nvme/ctrl.h"

int nvme_identify(struct nvme_ctrl *c, uint8_t cns, uint32_t nsid, struct err *e);
int nvme_set_num_queues(struct nvme_ctrl *c, uint16_t want, uint16_t *granted, struct err *e);
int nvme_create_cq(struct nvme_ctrl *c, struct nvme_queue *q, struct err *e);
int nvme_create_sq(struct nvme_ctrl *c, struct nvme_queue *q, struct err *e);
int nvme_delete_sq(struct nvme_ctrl *c, uint16_t qid, struct err *e);
int nvme_delete_cq(struct nvme_ctrl *c, uint16_t qid, struct err *e);

#endif
