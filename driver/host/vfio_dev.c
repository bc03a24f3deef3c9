#include "driver/host/vfio_dev.h"

#include <errno.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "driver/host/pci_cfg.h"

/* NVMe registers end at 0x1000 where the doorbells start (NVMe base 1.4,
 * 3.1); a BAR0 smaller than one doorbell pair past that is not NVMe. */
#define NVME_MIN_BAR 0x1008

/* Region info with room for its capability chain. */
static struct vfio_region_info *region_info(int fd, unsigned index, struct err *e)
{
	size_t sz = sizeof(struct vfio_region_info);
	for (int pass = 0; pass < 2; pass++) {
		struct vfio_region_info *ri = calloc(1, sz);
		if (!ri) {
			err_set(e, ENOMEM, "out of memory");
			return NULL;
		}
		ri->argsz = (uint32_t)sz;
		ri->index = index;
		if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri)) {
			err_set(e, errno, "VFIO_DEVICE_GET_REGION_INFO(%u) failed: %s", index,
				strerror(errno));
			free(ri);
			return NULL;
		}
		/* The kernel raises argsz when the capabilities did not fit. */
		if (ri->argsz <= sz || pass)
			return ri;
		sz = ri->argsz;
		free(ri);
	}
	return NULL;
}

/* The sparse-mmap area starting at offset 0, when the whole BAR may not be
 * mapped (an MSI-X table inside BAR0 on platforms without interrupt
 * remapping: VFIO_REGION_INFO_CAP_SPARSE_MMAP). 0 when there is none. */
static size_t sparse_head(const struct vfio_region_info *ri)
{
	if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return 0;
	const uint8_t *base = (const uint8_t *)ri;
	uint32_t off = ri->cap_offset;
	for (int hops = 0;
	     off && off + sizeof(struct vfio_info_cap_header) <= ri->argsz && hops < 32; hops++) {
		const struct vfio_info_cap_header *h = (const void *)(base + off);
		if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP &&
		    off + sizeof(struct vfio_region_info_cap_sparse_mmap) <= ri->argsz) {
			const struct vfio_region_info_cap_sparse_mmap *s = (const void *)h;
			for (uint32_t i = 0; i < s->nr_areas; i++) {
				size_t end = off + sizeof(*s) + (i + 1) * sizeof(s->areas[0]);
				if (end > ri->argsz)
					break;
				if (s->areas[i].offset == 0)
					return s->areas[i].size;
			}
		}
		off = h->next;
	}
	return 0;
}

static int map_bar0(struct vfio_dev *d, struct err *e)
{
	struct vfio_region_info *ri = region_info(d->fd, VFIO_PCI_BAR0_REGION_INDEX, e);
	if (!ri)
		return -e->code;
	int rc = 0;
	size_t len = ri->size;
	if (len < NVME_MIN_BAR)
		rc = err_set(e, ENODEV, "BAR0 is %zu bytes: too small for NVMe registers", len);
	else if (!(ri->flags & VFIO_REGION_INFO_FLAG_MMAP))
		rc = err_set(e, EOPNOTSUPP, "vfio-pci does not allow BAR0 to be mmapped");
	void *p = MAP_FAILED;
	if (!rc) {
		size_t head = sparse_head(ri);
		if (head && head < len)
			len = head;
		if (len < NVME_MIN_BAR)
			rc = err_set(e, EOPNOTSUPP,
				     "only %zu bytes at the start of BAR0 may be mmapped (MSI-X "
				     "table): not enough for the NVMe doorbells",
				     len);
	}
	if (!rc) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)ri->offset);
		if (p == MAP_FAILED)
			rc = err_set(e, errno, "mmap of BAR0 (%zu bytes) failed: %s", len,
				     strerror(errno));
	}
	free(ri);
	if (!rc) {
		d->bar = p;
		d->bar_len = len;
	}
	return rc;
}

int vfio_dev_setup(struct vfio_dev *d, int fd, struct transport *tr, struct err *e)
{
	d->fd = fd;
	d->bar = NULL;
	d->master_on = false;
	struct vfio_region_info *ci = region_info(fd, VFIO_PCI_CONFIG_REGION_INDEX, e);
	if (!ci)
		return -e->code;
	d->cfg_off = (off_t)ci->offset;
	free(ci);
	int rc = map_bar0(d, e);
	uint16_t old;
	if (!rc)
		rc = pci_cfg_enable_master(fd, d->cfg_off, &old, e);
	if (rc) {
		vfio_dev_teardown(d);
		return rc;
	}
	d->master_on = true;
	memset(tr, 0, sizeof(*tr));
	tr->regs = d->bar;
	tr->regs_len = d->bar_len;
	return 0;
}

void vfio_dev_teardown(struct vfio_dev *d)
{
	/* Stop DMA before anything it could target goes away. */
	if (d->master_on)
		pci_cfg_disable_master(d->fd, d->cfg_off, NULL);
	d->master_on = false;
	if (d->bar)
		munmap(d->bar, d->bar_len);
	d->bar = NULL;
}
