/* The `vfio` backend: the legacy VFIO container API with the type1 IOMMU
 * driver (Documentation/driver-api/vfio.rst, include/uapi/linux/vfio.h).
 * The device's IOMMU group is attached to a container; the container holds
 * one IOMMU domain whose mappings the backend places at IOVAs from its own
 * allocator, inside the ranges the driver reports. */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "driver/util/hostfs.h"
#include "driver/host/precheck.h"
#include "driver/backend/real_internal.h"
#include "driver/host/vfio_dev.h"
#include "driver/host/vfio_info.h"

struct vfio_backend {
	struct real_common c;
	int container, group_fd, device_fd;
	int group;
	struct vfio_dev dev;
	struct vfio_iommu_caps caps;
	struct iova_alloc iova;
};

static struct vfio_backend *to_vfio(struct backend *b)
{
	return BACKEND_DOWNCAST(b, struct vfio_backend, c.b, &backend_vfio_ops);
}

static int vfio_map_at(struct backend *b, struct dma_buf *buf, uint64_t iova, uint32_t prot,
		       struct err *e);

/* UNMAP_DMA failed (err) or unmapped `done` bytes instead of len. Out of
 * line, so do_unmap's success path carries no message formatting. */
static __attribute__((noinline, cold)) int unmap_failed(uint64_t iova, uint64_t len, uint64_t done,
							int err, struct err *e)
{
	if (err)
		return err_set(e, err, "VFIO_IOMMU_UNMAP_DMA of %#llx+%#llx failed: %s",
			       (unsigned long long)iova, (unsigned long long)len, strerror(err));
	return err_set(e, EINVAL, "VFIO_IOMMU_UNMAP_DMA unmapped %llu of %llu bytes at %#llx",
		       (unsigned long long)done, (unsigned long long)len, (unsigned long long)iova);
}

static inline int do_unmap(struct vfio_backend *vb, uint64_t iova, uint64_t len, struct err *e)
{
	struct vfio_iommu_type1_dma_unmap u = {
	    .argsz = sizeof(u),
	    .iova = iova,
	    .size = len,
	};
	if (ioctl(vb->container, VFIO_IOMMU_UNMAP_DMA, &u))
		return unmap_failed(iova, len, 0, errno, e);
	/* type1 reports the bytes it unmapped; less means the range did not
	 * match one whole mapping. */
	if (u.size != len)
		return unmap_failed(iova, len, u.size, 0, e);
	return 0;
}

/* Every valid IOVA range unmapped whole: the type1 v2 driver unmaps each
 * mapping lying wholly inside the range and refuses only a range that
 * bisects one (vfio_dma_do_unmap), and no mapping lies outside the valid
 * ranges. 0, or the first failure (the other ranges are still tried). */
static int unmap_by_ranges(struct vfio_backend *vb, struct err *e)
{
	int rc = 0;
	for (unsigned i = 0; i < vb->iova.nvalid; i++) {
		const struct iova_range *r = &vb->iova.valid[i];
		uint64_t mask = vb->iova.min_page - 1;
		uint64_t start = r->start & ~mask, last = r->last | mask;
		if (last - start == UINT64_MAX)
			last--; /* size must fit; nothing maps the top granule */
		uint64_t len = (last - start + 1) & ~mask;
		struct vfio_iommu_type1_dma_unmap u = {
		    .argsz = sizeof(u), .iova = start, .size = len};
		if (ioctl(vb->container, VFIO_IOMMU_UNMAP_DMA, &u) && !rc)
			rc = err_set(
			    e, errno, "VFIO_IOMMU_UNMAP_DMA of range %#llx+%#llx failed: %s",
			    (unsigned long long)start, (unsigned long long)len, strerror(errno));
	}
	return rc;
}

/* Unmaps whatever the caller left mapped, so teardown keeps its order
 * (mappings, then DMA off, then the fds) instead of leaving it to the
 * container's release. VFIO_DMA_UNMAP_FLAG_ALL (VFIO_UNMAP_ALL extension,
 * Linux 5.12) does it in one call; older kernels get each valid range. */
static void unmap_all(struct vfio_backend *vb)
{
	if (!real_count(&vb->c))
		return;
	if (ioctl(vb->container, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL) > 0) {
		struct vfio_iommu_type1_dma_unmap u = {.argsz = sizeof(u),
						       .flags = VFIO_DMA_UNMAP_FLAG_ALL};
		if (!ioctl(vb->container, VFIO_IOMMU_UNMAP_DMA, &u)) {
			vb->c.nmaps = 0;
			return;
		}
	}
	struct err e = {0};
	unmap_by_ranges(vb, &e);
	vb->c.nmaps = 0;
}

static void vfio_close(struct backend *b)
{
	struct vfio_backend *vb = to_vfio(b);
	/* Reverse of open: mappings, bus mastering and BAR, then the fds
	 * (device, group, container: the group must leave the container
	 * before the container goes). */
	unmap_all(vb);
	vfio_dev_teardown(&vb->dev);
	if (vb->device_fd >= 0)
		close(vb->device_fd);
	if (vb->group_fd >= 0) {
		ioctl(vb->group_fd, VFIO_GROUP_UNSET_CONTAINER);
		close(vb->group_fd);
	}
	if (vb->container >= 0)
		close(vb->container);
	iova_fini(&vb->iova);
	free(vb);
}

static int open_node(const char *node, int *fd, struct err *e)
{
	*fd = hostfs_open(node, O_RDWR);
	if (*fd >= 0)
		return 0;
	int err = -*fd;
	*fd = -1;
	if (err == EACCES || err == EPERM)
		return err_set(e, err,
			       "no permission to open %s%s: run as root or give your user "
			       "the node",
			       hostfs_root(), node);
	return err_set(e, err, "cannot open %s%s: %s", hostfs_root(), node, strerror(err));
}

static int open_container(struct vfio_backend *vb, struct err *e)
{
	int rc = open_node("/dev/vfio/vfio", &vb->container, e);
	if (rc)
		return rc;
	int v = ioctl(vb->container, VFIO_GET_API_VERSION);
	if (v != VFIO_API_VERSION)
		return err_set(
		    e, EPROTO,
		    "/dev/vfio/vfio is not a VFIO container of API version %d (got %d%s%s)",
		    VFIO_API_VERSION, v, v < 0 ? ": " : "", v < 0 ? strerror(errno) : "");
	if (ioctl(vb->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		return err_set(e, ENOTSUP,
			       "the VFIO container does not offer the type1v2 IOMMU driver: the "
			       "kernel needs CONFIG_VFIO_IOMMU_TYPE1 (modprobe vfio_iommu_type1) "
			       "and an IOMMU");
	return 0;
}

static int open_group(struct vfio_backend *vb, struct err *e)
{
	char node[64];
	snprintf(node, sizeof(node), "/dev/vfio/%d", vb->group);
	int rc = open_node(node, &vb->group_fd, e);
	if (rc)
		return rc;
	struct vfio_group_status st = {.argsz = sizeof(st)};
	if (ioctl(vb->group_fd, VFIO_GROUP_GET_STATUS, &st))
		return err_set(e, errno, "VFIO_GROUP_GET_STATUS on %s failed: %s", node,
			       strerror(errno));
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return err_set(e, EBUSY,
			       "IOMMU group %d is not viable: bind every device in "
			       "/sys/kernel/iommu_groups/%d/devices to vfio-pci (or unbind it)",
			       vb->group, vb->group);
	if (ioctl(vb->group_fd, VFIO_GROUP_SET_CONTAINER, &vb->container))
		return err_set(e, errno,
			       "VFIO_GROUP_SET_CONTAINER failed: %s (is the group already in use "
			       "by another process?)",
			       strerror(errno));
	if (ioctl(vb->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return err_set(e, errno, "VFIO_SET_IOMMU(type1v2) failed: %s", strerror(errno));
	return 0;
}

static int setup_iova(struct vfio_backend *vb, struct err *e)
{
	int rc = vfio_info_query(vb->container, &vb->caps, e);
	if (rc)
		return rc;
	if (!vb->caps.has_ranges) {
		/* Kernels before 5.4 do not report ranges: stay below 4 GiB
		 * minus the x86 MSI window, which every IOMMU can translate. */
		vb->caps.ranges[0] = (struct iova_range){0, 0xfedfffffull};
		vb->caps.nranges = 1;
	}
	return iova_init(&vb->iova, vb->caps.ranges, vb->caps.nranges, vb->caps.pgsizes, e);
}

static int vfio_open(const struct backend_cfg *cfg, struct backend **out, struct err *e)
{
	struct pci_addr a;
	int group;
	int rc = precheck_device(cfg ? cfg->device : NULL, &a, e);
	if (!rc)
		rc = precheck_vfio(&a, &group, e);
	if (rc)
		return rc;
	struct vfio_backend *vb = calloc(1, sizeof(*vb));
	if (!vb)
		return err_set(e, ENOMEM, "out of memory");
	real_common_init(&vb->c, &backend_vfio_ops, &a);
	vb->container = vb->group_fd = vb->device_fd = -1;
	vb->group = group;
	vb->c.map_at = vfio_map_at;
	vb->c.iova = &vb->iova;
	rc = open_container(vb, e);
	if (!rc)
		rc = open_group(vb, e);
	if (!rc)
		rc = setup_iova(vb, e);
	if (!rc) {
		vb->device_fd = ioctl(vb->group_fd, VFIO_GROUP_GET_DEVICE_FD, a.str);
		if (vb->device_fd < 0)
			rc = err_set(e, errno, "VFIO_GROUP_GET_DEVICE_FD(%s) failed: %s", a.str,
				     strerror(errno));
	}
	if (!rc)
		rc = vfio_dev_setup(&vb->dev, vb->device_fd, &vb->c.tr, e);
	if (rc) {
		vfio_close(&vb->c.b);
		return rc;
	}
	*out = &vb->c.b;
	return 0;
}

static int map_error(struct vfio_backend *vb, int err, const struct dma_buf *buf, uint64_t iova,
		     struct err *e)
{
	if (err == ENOSPC)
		return err_set(e, ENOSPC,
			       "VFIO_IOMMU_MAP_DMA refused a new mapping (%ld live): the type1 "
			       "driver's dma_entry_limit (module parameter "
			       "vfio_iommu_type1.dma_entry_limit, default 65535) is reached; unmap "
			       "buffers or raise the limit",
			       (long)real_count(&vb->c));
	if (err == ENOMEM || err == EPERM)
		return real_pin_error(err, buf->len, "VFIO_IOMMU_MAP_DMA", e);
	if (err == EEXIST)
		return err_set(e, EEXIST, "IOVA %#llx+%#zx overlaps an existing mapping",
			       (unsigned long long)iova, buf->len);
	return err_set(e, err, "VFIO_IOMMU_MAP_DMA of %zu bytes at IOVA %#llx failed: %s", buf->len,
		       (unsigned long long)iova, strerror(err));
}

/* MAP_DMA refused: the IOVA goes back to the allocator and the errno
 * becomes a message. Out of line, so the success path below stays free of
 * it. */
static __attribute__((noinline, cold)) int map_refused(struct vfio_backend *vb,
						       const struct dma_buf *buf, uint64_t iova,
						       int err, struct err *e)
{
	real_iova_put(&vb->c, &vb->iova, iova, buf->len);
	return map_error(vb, err, buf, iova, e);
}

/* Maps buf at an IOVA already taken from the allocator; gives it back if
 * the kernel refuses.
 *
 * This and unmap are the whole user-side cost on top of the ioctl, which
 * the benchmarks time (tools/devbench/bench_ioctl.c): no per-mapping record is kept
 * (the buffer carries its IOVA and length, map_priv names the backend that
 * mapped it, and close unmaps whatever is left in one call), the count is
 * an atomic, and the lock covers only the allocator, never the ioctl: an
 * IOVA is claimed before MAP_DMA and given back only after UNMAP_DMA
 * succeeded, so no two threads ever hold the same one. Always inlined into
 * its two callers: as a call of its own it was a fifth of that cost. */
static inline __attribute__((always_inline)) int map_claimed(struct vfio_backend *vb,
							     struct dma_buf *buf, uint64_t iova,
							     uint32_t prot, struct err *e)
{
	/* READ/WRITE are from the device's side, as DMA_PROT_* are. */
	struct vfio_iommu_type1_dma_map dm = {
	    .argsz = sizeof(dm),
	    .flags = ((prot & DMA_PROT_READ) ? VFIO_DMA_MAP_FLAG_READ : 0) |
		     ((prot & DMA_PROT_WRITE) ? VFIO_DMA_MAP_FLAG_WRITE : 0),
	    .vaddr = (uint64_t)(uintptr_t)buf->va,
	    .iova = iova,
	    .size = buf->len,
	};
	if (ioctl(vb->container, VFIO_IOMMU_MAP_DMA, &dm))
		return map_refused(vb, buf, iova, errno, e);
	real_count_add(&vb->c);
	buf->iova = iova;
	buf->pages = NULL;
	buf->prot = prot;
	buf->map_priv = vb;
	return 0;
}

static int vfio_map(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e)
{
	struct vfio_backend *vb = to_vfio(b);
	uint64_t iova;
	int bad = real_check_unmapped(buf, e);
	if (bad)
		return bad;
	int rc = real_iova_get(&vb->c, &vb->iova, buf, &iova, e);
	return rc ? rc : map_claimed(vb, buf, iova, prot, e);
}

static int vfio_map_at(struct backend *b, struct dma_buf *buf, uint64_t iova, uint32_t prot,
		       struct err *e)
{
	struct vfio_backend *vb = to_vfio(b);
	int bad = real_check_unmapped(buf, e);
	if (bad)
		return bad;
	int rc = real_iova_reserve(&vb->c, &vb->iova, iova, buf->len, e);
	return rc ? rc : map_claimed(vb, buf, iova, prot, e);
}

static int vfio_unmap(struct backend *b, struct dma_buf *buf, struct err *e)
{
	struct vfio_backend *vb = to_vfio(b);
	int bad = real_check_mapped_by(buf, vb, e);
	if (bad)
		return bad;
	int rc = do_unmap(vb, buf->iova, buf->len, e);
	if (rc)
		return rc;
	real_count_sub(&vb->c);
	real_iova_put(&vb->c, &vb->iova, buf->iova, buf->len);
	buf->map_priv = NULL;
	buf->iova = 0;
	return 0;
}

const struct backend_ops backend_vfio_ops = {
    .name = "vfio",
    .summary = "real NVMe controller through a VFIO container (type1 IOMMU, own IOVA "
	       "allocator)",
    .open = vfio_open,
    .close = vfio_close,
    .mem_alloc = real_mem_alloc,
    .mem_free = real_mem_free,
    .map = vfio_map,
    .unmap = vfio_unmap,
    .live_mappings = real_live_mappings,
    .set_mem_kind = real_set_mem_kind,
    /* vfio_iommu_type1.c maps each physically contiguous run of pinned
     * pages with one iommu_map call, and the IOMMU driver picks the largest
     * leaf that alignment and size allow: there is no switch. */
    .iommu_huge_always = true,
    .no_iommu_huge = "VFIO type1 always combines physically contiguous pages into the largest "
		     "IOPTEs the IOMMU offers and has no option to stop it; use --backend "
		     "iommufd, which sets IOMMU_OPTION_HUGE_PAGES = 0 on its IOAS",
    .host_dma = true,
};

int backend_vfio_container_fd(struct backend *b)
{
	return b && b->ops == &backend_vfio_ops ? to_vfio(b)->container : -1;
}

int backend_vfio_unmap_by_ranges(struct backend *b, struct err *e)
{
	if (!b || b->ops != &backend_vfio_ops)
		return err_set(e, EINVAL, "not a vfio backend");
	struct vfio_backend *vb = to_vfio(b);
	int rc = unmap_by_ranges(vb, e);
	if (!rc)
		vb->c.nmaps = 0;
	return rc;
}

long backend_vfio_dma_avail(struct backend *b)
{
	if (!b || b->ops != &backend_vfio_ops)
		return -1;
	struct vfio_backend *vb = to_vfio(b);
	if (!vb->caps.has_dma_avail)
		return -1;
	return (long)vb->caps.dma_avail - (long)real_count(&vb->c);
}
