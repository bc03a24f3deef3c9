/* The `iommufd` backend: the VFIO device cdev bound to an iommufd
 * (Documentation/userspace-api/iommufd.rst; include/uapi/linux/iommufd.h,
 * the cdev part of include/uapi/linux/vfio.h). The device is attached to an
 * IO address space (IOAS) of its own; mappings go at IOVAs the kernel picks
 * (default) or at fixed IOVAs from the backend's allocator. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "driver/util/hostfs.h"
#include "driver/host/precheck.h"
#include "driver/backend/real_internal.h"
#include "driver/host/uapi/iommufd_abi.h"
#include "driver/host/vfio_dev.h"

#define IOMMUFD_MAX_RANGES 32

struct iommufd_backend {
	struct real_common c;
	int iommufd, device_fd;
	uint32_t devid, ioas, hwpt;
	bool have_ioas;
	enum iommufd_iova_mode mode;
	uint64_t iova_align; /* out_iova_alignment */
	struct vfio_dev dev;
	struct iova_alloc iova;
};

static struct iommufd_backend *to_iommufd(struct backend *b)
{
	return BACKEND_DOWNCAST(b, struct iommufd_backend, c.b, &backend_iommufd_ops);
}

/* IOAS_UNMAP failed (err) or unmapped `done` bytes instead of len. Out of
 * line, so do_unmap's success path carries no message formatting. */
static __attribute__((noinline, cold)) int unmap_failed(uint64_t iova, uint64_t len, uint64_t done,
							int err, struct err *e)
{
	if (err)
		return err_set(e, err, "IOMMU_IOAS_UNMAP of %#llx+%#llx failed: %s",
			       (unsigned long long)iova, (unsigned long long)len, strerror(err));
	return err_set(e, EINVAL, "IOMMU_IOAS_UNMAP unmapped %llu of %llu bytes at %#llx",
		       (unsigned long long)done, (unsigned long long)len, (unsigned long long)iova);
}

static inline int do_unmap(struct iommufd_backend *ib, uint64_t iova, uint64_t len, struct err *e)
{
	struct iommu_ioas_unmap u = {
	    .size = IOTLB_IOAS_UNMAP_SZ,
	    .ioas_id = ib->ioas,
	    .iova = iova,
	    .length = len,
	};
	if (ioctl(ib->iommufd, IOMMU_IOAS_UNMAP, &u))
		return unmap_failed(iova, len, 0, errno, e);
	if (u.length != len)
		return unmap_failed(iova, len, u.length, 0, e);
	return 0;
}

static void iommufd_close(struct backend *b)
{
	struct iommufd_backend *ib = to_iommufd(b);
	/* Whatever the caller left mapped goes first, in one call: IOVA 0 with
	 * length U64_MAX is IOMMU_IOAS_UNMAP's "everything"
	 * (drivers/iommu/iommufd/ioas.c, iopt_unmap_all). */
	if (real_count(&ib->c)) {
		struct iommu_ioas_unmap u = {.size = IOTLB_IOAS_UNMAP_SZ,
					     .ioas_id = ib->ioas,
					     .iova = 0,
					     .length = UINT64_MAX};
		ioctl(ib->iommufd, IOMMU_IOAS_UNMAP, &u);
		ib->c.nmaps = 0;
	}
	vfio_dev_teardown(&ib->dev);
	/* Closing the device fd detaches it from the IOAS and unbinds it from
	 * the iommufd; only then can the IOAS be destroyed. */
	if (ib->device_fd >= 0)
		close(ib->device_fd);
	if (ib->have_ioas) {
		struct iommu_destroy d = {.size = IOTLB_DESTROY_SZ, .id = ib->ioas};
		ioctl(ib->iommufd, IOMMU_DESTROY, &d);
	}
	if (ib->iommufd >= 0)
		close(ib->iommufd);
	iova_fini(&ib->iova);
	free(ib);
}

static int open_node(const char *node, int *fd, struct err *e)
{
	*fd = hostfs_open(node, O_RDWR);
	if (*fd >= 0)
		return 0;
	int err = -*fd;
	*fd = -1;
	return err_set(e, err, "cannot open %s%s: %s%s", hostfs_root(), node, strerror(err),
		       err == EACCES || err == EPERM ? " (run as root or give your user the node)"
						     : "");
}

static int bind_and_attach(struct iommufd_backend *ib, struct err *e)
{
	/* BIND must come before any region of the device is mmapped: vfio
	 * refuses it with EBUSY while a BAR mapping exists. */
	struct vfio_device_bind_iommufd bind = {
	    .argsz = IOTLB_BIND_IOMMUFD_SZ,
	    .iommufd = ib->iommufd,
	};
	if (ioctl(ib->device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return err_set(e, errno, "VFIO_DEVICE_BIND_IOMMUFD failed: %s%s", strerror(errno),
			       errno == EBUSY ? " (another process or a container holds the "
						"device, or one of its BARs is still mmapped)"
					      : "");
	ib->devid = bind.out_devid;
	struct iommu_ioas_alloc alloc = {.size = IOTLB_IOAS_ALLOC_SZ};
	if (ioctl(ib->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return err_set(e, errno, "IOMMU_IOAS_ALLOC failed: %s", strerror(errno));
	ib->ioas = alloc.out_ioas_id;
	ib->have_ioas = true;
	struct vfio_device_attach_iommufd_pt at = {
	    .argsz = IOTLB_ATTACH_PT_SZ,
	    .pt_id = ib->ioas,
	};
	if (ioctl(ib->device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		return err_set(e, errno, "VFIO_DEVICE_ATTACH_IOMMUFD_PT(ioas %u) failed: %s",
			       ib->ioas, strerror(errno));
	ib->hwpt = at.pt_id;
	return 0;
}

/* Ranges are read after attach: the device's IOMMU narrows a fresh IOAS to
 * what it can translate (iommufd.h, IOMMU_IOAS_IOVA_RANGES). */
static int read_ranges(struct iommufd_backend *ib, struct err *e)
{
	struct iommu_iova_range r[IOMMUFD_MAX_RANGES];
	struct iommu_ioas_iova_ranges q = {
	    .size = IOTLB_IOAS_IOVA_RANGES_SZ,
	    .ioas_id = ib->ioas,
	    .num_iovas = IOMMUFD_MAX_RANGES,
	    .allowed_iovas = (uint64_t)(uintptr_t)r,
	};
	if (ioctl(ib->iommufd, IOMMU_IOAS_IOVA_RANGES, &q))
		return err_set(e, errno, "IOMMU_IOAS_IOVA_RANGES failed: %s%s", strerror(errno),
			       errno == EMSGSIZE ? " (more ranges than the backend handles)" : "");
	struct iova_range ranges[IOMMUFD_MAX_RANGES];
	for (uint32_t i = 0; i < q.num_iovas; i++)
		ranges[i] = (struct iova_range){r[i].start, r[i].last};
	ib->iova_align = q.out_iova_alignment ? q.out_iova_alignment : 1;
	/* iommufd reports an alignment (at most PAGE_SIZE), not a page-size
	 * bitmap; the granule is the CPU page. */
	uint64_t granule = ib->iova_align > 4096 ? ib->iova_align : 4096;
	return iova_init(&ib->iova, ranges, q.num_iovas, granule, e);
}

static int iommufd_map_at(struct backend *b, struct dma_buf *buf, uint64_t iova, uint32_t prot,
			  struct err *e);

static int iommufd_open(const struct backend_cfg *cfg, struct backend **out, struct err *e)
{
	struct pci_addr a;
	char cdev[32], node[64];
	int rc = precheck_device(cfg ? cfg->device : NULL, &a, e);
	if (!rc)
		rc = precheck_iommufd(&a, cdev, sizeof(cdev), e);
	if (rc)
		return rc;
	struct iommufd_backend *ib = calloc(1, sizeof(*ib));
	if (!ib)
		return err_set(e, ENOMEM, "out of memory");
	real_common_init(&ib->c, &backend_iommufd_ops, &a);
	ib->iommufd = ib->device_fd = -1;
	ib->c.map_at = iommufd_map_at;
	ib->c.iova = &ib->iova;
	const char *mode = getenv("IOTLB_IOMMUFD_IOVA");
	if (mode && !strcmp(mode, "fixed"))
		ib->mode = IOMMUFD_IOVA_FIXED;
	else if (mode && *mode && strcmp(mode, "kernel"))
		rc = err_set(e, EINVAL, "IOTLB_IOMMUFD_IOVA='%s': use kernel or fixed", mode);
	snprintf(node, sizeof(node), "/dev/vfio/devices/%s", cdev);
	if (!rc)
		rc = open_node("/dev/iommu", &ib->iommufd, e);
	if (!rc)
		rc = open_node(node, &ib->device_fd, e);
	if (!rc)
		rc = bind_and_attach(ib, e);
	if (!rc)
		rc = read_ranges(ib, e);
	if (!rc)
		rc = vfio_dev_setup(&ib->dev, ib->device_fd, &ib->c.tr, e);
	if (rc) {
		iommufd_close(&ib->c.b);
		return rc;
	}
	*out = &ib->c.b;
	return 0;
}

static int map_error(int err, const struct dma_buf *buf, uint64_t iova, bool fixed, struct err *e)
{
	if (err == ENOMEM || err == EPERM)
		return real_pin_error(err, buf->len, "IOMMU_IOAS_MAP", e);
	if (err == EEXIST)
		return err_set(e, EEXIST, "IOVA %#llx+%#zx overlaps an existing mapping",
			       (unsigned long long)iova, buf->len);
	if (err == ENOSPC && !fixed)
		return err_set(e, ENOSPC, "IOMMU_IOAS_MAP found no free IOVA range for %zu bytes",
			       buf->len);
	return err_set(e, err, "IOMMU_IOAS_MAP of %zu bytes%s failed: %s", buf->len,
		       fixed ? " at a fixed IOVA" : "", strerror(err));
}

/* IOAS_MAP refused: a fixed IOVA from the allocator goes back to it, and the
 * errno becomes a message. Out of line, off map_ioctl's success path. */
static __attribute__((noinline, cold)) int map_refused(struct iommufd_backend *ib,
						       const struct dma_buf *buf, uint64_t iova,
						       bool fixed, bool give_back, int err,
						       struct err *e)
{
	if (give_back)
		real_iova_put(&ib->c, &ib->iova, iova, buf->len);
	return map_error(err, buf, iova, fixed, e);
}

/* The kernel-IOVA mode leaves placement to IOMMU_IOAS_MAP and takes no
 * lock at all; in fixed mode the IOVA came from the backend's allocator and
 * goes back to it if the kernel refuses. As in the vfio backend no
 * per-mapping record is kept (the buffer carries IOVA and length, map_priv
 * names the backend), the count is atomic, and the lock covers only the
 * allocator, never the ioctl. Always inlined, as vfio's map_claimed is: a
 * call of its own costs a prologue and epilogue on every map. */
static inline __attribute__((always_inline)) int map_ioctl(struct iommufd_backend *ib,
							   struct dma_buf *buf, uint64_t iova,
							   bool fixed, bool give_back,
							   uint32_t prot, struct err *e)
{
	struct iommu_ioas_map mp = {
	    .size = IOTLB_IOAS_MAP_SZ,
	    .flags = (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0) |
		     ((prot & DMA_PROT_READ) ? IOMMU_IOAS_MAP_READABLE : 0) |
		     ((prot & DMA_PROT_WRITE) ? IOMMU_IOAS_MAP_WRITEABLE : 0),
	    .ioas_id = ib->ioas,
	    .user_va = (uint64_t)(uintptr_t)buf->va,
	    .length = buf->len,
	    .iova = fixed ? iova : 0,
	};
	if (ioctl(ib->iommufd, IOMMU_IOAS_MAP, &mp))
		return map_refused(ib, buf, iova, fixed, give_back, errno, e);
	real_count_add(&ib->c);
	buf->iova = mp.iova;
	buf->pages = NULL;
	buf->prot = prot;
	buf->map_priv = ib;
	return 0;
}

/* IOVAs are the allocator's exactly in fixed mode (the mode cannot change
 * while anything is mapped). */
static bool tracked(const struct iommufd_backend *ib)
{
	return ib->mode == IOMMUFD_IOVA_FIXED;
}

static int iommufd_map(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e)
{
	struct iommufd_backend *ib = to_iommufd(b);
	int bad = real_check_unmapped(buf, e);
	if (bad)
		return bad;
	if (!tracked(ib))
		return map_ioctl(ib, buf, 0, false, false, prot, e);
	uint64_t iova;
	int rc = real_iova_get(&ib->c, &ib->iova, buf, &iova, e);
	return rc ? rc : map_ioctl(ib, buf, iova, true, true, prot, e);
}

static int iommufd_map_at(struct backend *b, struct dma_buf *buf, uint64_t iova, uint32_t prot,
			  struct err *e)
{
	struct iommufd_backend *ib = to_iommufd(b);
	int bad = real_check_unmapped(buf, e);
	if (bad)
		return bad;
	/* In kernel mode the allocator does not track the kernel's choices,
	 * so only the range check applies; the kernel refuses overlaps. */
	bool track = tracked(ib);
	if (!track && !iova_valid(&ib->iova, iova, buf->len)) {
		char ranges[256];
		iova_describe(&ib->iova, ranges, sizeof(ranges));
		return err_set(
		    e, ERANGE, "IOVA %#llx-%#llx lies outside the IOAS's valid ranges (%s)",
		    (unsigned long long)iova, (unsigned long long)(iova + buf->len - 1), ranges);
	}
	if (track) {
		int rc = real_iova_reserve(&ib->c, &ib->iova, iova, buf->len, e);
		if (rc)
			return rc;
	}
	return map_ioctl(ib, buf, iova, true, track, prot, e);
}

static int iommufd_unmap(struct backend *b, struct dma_buf *buf, struct err *e)
{
	struct iommufd_backend *ib = to_iommufd(b);
	int bad = real_check_mapped_by(buf, ib, e);
	if (bad)
		return bad;
	int rc = do_unmap(ib, buf->iova, buf->len, e);
	if (rc)
		return rc;
	real_count_sub(&ib->c);
	if (tracked(ib))
		real_iova_put(&ib->c, &ib->iova, buf->iova, buf->len);
	buf->map_priv = NULL;
	buf->iova = 0;
	return 0;
}

/* IOMMU_OPTION_HUGE_PAGES on the IOAS (include/uapi/linux/iommufd.h): 0
 * makes IOMMUFD map every page with a PAGE_SIZE IOPTE even where the
 * memory is physically contiguous (drivers/iommu/iommufd/pages.c,
 * batch_to_domain), 1 lets iommu_map pick the largest leaf the IOMMU
 * offers. Turning it off is refused with EINVAL once an attached IOAS holds
 * a mapping (io_pagetable.c, iopt_disable_large_pages): backend_open calls
 * this before the controller maps its queues. */
static int iommufd_set_huge(struct backend *b, bool on, struct err *e)
{
	struct iommufd_backend *ib = to_iommufd(b);
	if (real_count(&ib->c))
		return err_set(e, EBUSY,
			       "%llu mappings are live; IOMMUFD changes the IOPTE sizes only "
			       "of an IOAS without mappings (set iommu_huge before the run)",
			       (unsigned long long)real_count(&ib->c));
	struct iommu_option o = {.size = IOTLB_OPTION_SZ,
				 .option_id = IOMMU_OPTION_HUGE_PAGES,
				 .op = IOMMU_OPTION_OP_SET,
				 .object_id = ib->ioas,
				 .val64 = on};
	if (ioctl(ib->iommufd, IOMMU_OPTION, &o))
		return err_set(
		    e, errno, "IOMMU_OPTION(HUGE_PAGES = %d, ioas %u) failed: %s%s", on, ib->ioas,
		    strerror(errno),
		    errno == ENOTTY || errno == EOPNOTSUPP
			? " (the kernel predates IOMMU_OPTION: Linux 6.2 or later has it)"
		    : errno == EINVAL ? " (the IOAS already holds mappings)"
				      : "");
	/* Read it back: the value the mappings will actually follow. */
	o.op = IOMMU_OPTION_OP_GET;
	o.val64 = 2;
	if (ioctl(ib->iommufd, IOMMU_OPTION, &o) || o.val64 != (uint64_t)on)
		return err_set(e, EIO,
			       "IOMMU_OPTION(HUGE_PAGES) reads back %llu after setting %d: the "
			       "kernel did not take the setting",
			       (unsigned long long)o.val64, on);
	return 0;
}

/* IOMMU_GET_HW_INFO on the bound device: for VT-d its CAP and ECAP
 * registers (struct iommu_hw_info_vtd), which say among other things which
 * superpage sizes the second-level tables may use. */
static int iommufd_hw_info(struct backend *b, struct backend_hw_info *out, struct err *e)
{
	struct iommufd_backend *ib = to_iommufd(b);
	struct iommu_hw_info_vtd vtd;
	memset(&vtd, 0, sizeof(vtd));
	struct iommu_hw_info q = {.size = IOTLB_HW_INFO_SZ,
				  .dev_id = ib->devid,
				  .data_len = sizeof(vtd),
				  .data_uptr = (uint64_t)(uintptr_t)&vtd};
	if (ioctl(ib->iommufd, IOMMU_GET_HW_INFO, &q))
		return err_set(
		    e, errno, "IOMMU_GET_HW_INFO(dev %u) failed: %s%s", ib->devid, strerror(errno),
		    errno == ENOTTY ? " (the kernel predates it: Linux 6.7 or later has it)" : "");
	out->type = q.out_data_type;
	out->max_pasid_log2 = q.out_max_pasid_log2;
	out->capabilities = q.out_capabilities;
	if (q.out_data_type == IOMMU_HW_INFO_TYPE_INTEL_VTD) {
		out->cap_reg = vtd.cap_reg;
		out->ecap_reg = vtd.ecap_reg;
	}
	return 0;
}

const struct backend_ops backend_iommufd_ops = {
    .name = "iommufd",
    .summary = "real NVMe controller through the VFIO device cdev and an iommufd IOAS",
    .open = iommufd_open,
    .close = iommufd_close,
    .mem_alloc = real_mem_alloc,
    .mem_free = real_mem_free,
    .map = iommufd_map,
    .unmap = iommufd_unmap,
    .live_mappings = real_live_mappings,
    .set_mem_kind = real_set_mem_kind,
    .set_iommu_huge = iommufd_set_huge,
    .hw_info = iommufd_hw_info,
    .host_dma = true,
};

int backend_iommufd_set_iova_mode(struct backend *b, enum iommufd_iova_mode m, struct err *e)
{
	if (!b || b->ops != &backend_iommufd_ops)
		return err_set(e, EINVAL, "only the iommufd backend has an IOVA mode");
	struct iommufd_backend *ib = to_iommufd(b);
	real_alloc_lock(&ib->c);
	int busy = real_count(&ib->c) != 0;
	if (!busy)
		ib->mode = m;
	real_alloc_unlock(&ib->c);
	if (busy)
		return err_set(e, EBUSY,
			       "unmap every buffer before changing the IOVA mode: "
			       "kernel-chosen IOVAs are not in the backend's allocator");
	return 0;
}

int backend_dma_fd(struct backend *b, uint32_t *ioas)
{
	if (b && b->ops == &backend_iommufd_ops) {
		struct iommufd_backend *ib = to_iommufd(b);
		*ioas = ib->ioas;
		return ib->iommufd;
	}
	*ioas = 0;
	return backend_vfio_container_fd(b);
}
