/* A VFIO device fd as both VFIO backends use it (the legacy group path and
 * the iommufd cdev path hand out the same device fd API): BAR0 mmapped as the
 * register file, config space through its region for bus mastering
 * (include/uapi/linux/vfio.h, VFIO_DEVICE_GET_REGION_INFO; vfio-pci puts
 * BAR n at region index n and config space at VFIO_PCI_CONFIG_REGION_INDEX). */
#ifndef IOTLB_VFIO_DEV_H
#define IOTLB_VFIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "driver/transport.h"
#include "driver/util/err.h"

struct vfio_dev {
	int fd;
	void *bar;
	size_t bar_len;
	off_t cfg_off;
	bool master_on;
};

/* Maps BAR0 into tr and enables bus mastering. On failure nothing is left
 * mapped or enabled; fd stays the caller's. */
int vfio_dev_setup(struct vfio_dev *d, int fd, struct transport *tr, struct err *e);
/* Disables bus mastering, then unmaps BAR0. Safe to call twice. */
void vfio_dev_teardown(struct vfio_dev *d);

#endif
