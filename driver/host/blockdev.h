/* Block devices as the kernel backend needs them: which /dev node, its
 * logical block size and capacity, whether the kernel polls its completions,
 * the NVMe generic char device beside it and the PCI function behind it. All
 * of it from sysfs (Documentation/ABI/stable/sysfs-block) through hostfs, so
 * tests point it at a fixture tree. */
#ifndef IOTLB_BLOCKDEV_H
#define IOTLB_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "driver/util/err.h"

struct blockdev_info {
	char name[32];	   /* "nvme0n1", "loop0" */
	char dev_path[48]; /* "/dev/nvme0n1" */
	char ng_path[48];  /* "/dev/ng0n1" for an NVMe namespace, "" otherwise */
	uint32_t lba_shift;
	uint64_t nlbas;
	uint32_t nsid;	   /* NVMe namespace ID; 0 when not NVMe */
	uint32_t max_xfer; /* queue/max_hw_sectors_kb in bytes: the largest request */
	bool io_poll;	   /* queue/io_poll: the driver has poll queues */
	bool nvme;
	char bdf[32]; /* the PCI function, "" when there is none */
	char model[48], serial[24], firmware[16];
};

/* Probes `arg`, a block device given as "/dev/nvme0n1" or "nvme0n1". Errors
 * name the device and say how to list the usable ones. */
int blockdev_probe(const char *arg, struct blockdev_info *out, struct err *e);

/* Calls fn for every whole-disk block device with a positive capacity
 * (partitions, and zero-sized loop and ram devices, are left out); returns
 * how many it saw. */
unsigned blockdev_each(void (*fn)(const struct blockdev_info *bd, void *arg), void *arg);

#endif
