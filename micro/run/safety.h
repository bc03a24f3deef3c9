/* Data safety: before the first case that writes, the namespace's first and
 * last blocks are read through the driver and probed with libblkid; a
 * partition table or a file-system, RAID or LVM signature stops the run
 * unless the user passed --force-destroy-data. */
#ifndef IOTLB_SAFETY_H
#define IOTLB_SAFETY_H

#include "driver/nvme/ctrl.h"

/* Returns 0 when nothing was found, -EEXIST with a message naming what was
 * found and the flag otherwise. */
int safety_check(struct nvme_ctrl *c, const struct nvme_ns *ns, struct err *e);

/* The same for a block device the kernel driver keeps (the kernel
 * backend): libblkid reads it through the kernel, as blkid(8) would. */
int safety_check_blockdev(const char *dev_path, struct err *e);

#endif
