/* The iommufd and VFIO device-cdev ABI, for systems whose kernel headers
 * predate it (Debian 12's linux-libc-dev 6.1 has no <linux/iommufd.h> and no
 * VFIO_DEVICE_BIND_IOMMUFD). Written from the kernel's uapi documentation:
 * include/uapi/linux/iommufd.h (Linux 6.2+) and the cdev part of
 * include/uapi/linux/vfio.h (Linux 6.6+). Each block is used only when the
 * system header did not define it; the _Static_asserts pin sizes and
 * offsets to the kernel's, which the ioctls check through their size or
 * argsz field. Later kernels extend some structs at the end (bind gained a
 * token pointer, attach a pasid); passing the original size is how the
 * extensible-ioctl convention asks for the original behaviour. */
#ifndef IOTLB_IOMMUFD_ABI_H
#define IOTLB_IOMMUFD_ABI_H

#include <stddef.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>

#if defined(__has_include)
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif
#endif

#ifndef IOMMU_IOAS_ALLOC
#define IOTLB_IOMMUFD_FALLBACK 1

/* Every iommufd ioctl is _IO(';', 0x80 + n): the size travels in the
 * struct's first field, not in the ioctl number. */
#define IOMMUFD_TYPE	     (';')
#define IOTLB_IOMMUFD_CMD(n) _IO(IOMMUFD_TYPE, 0x80 + (n))

struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY IOTLB_IOMMUFD_CMD(0)

struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC IOTLB_IOMMUFD_CMD(1)

struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last; /* inclusive */
};

struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas; /* in: array length; out: ranges that exist */
	__u32 __reserved;
	__aligned_u64 allowed_iovas; /* user pointer to struct iommu_iova_range[] */
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES IOTLB_IOMMUFD_CMD(4)

enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova; /* in with FIXED_IOVA, else out */
};
#define IOMMU_IOAS_MAP IOTLB_IOMMUFD_CMD(5)

struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length; /* in: bytes to unmap; out: bytes unmapped */
};
#define IOMMU_IOAS_UNMAP IOTLB_IOMMUFD_CMD(6)
#endif /* IOMMU_IOAS_ALLOC */

#ifndef IOMMU_OPTION
#define IOTLB_IOMMU_OPTION_FALLBACK 1

/* IOMMU_OPTION (Linux 6.2): one value of an object's option. For
 * IOMMU_OPTION_HUGE_PAGES the object is an IOAS; value 1 (the default) lets
 * physically contiguous pages become one large IOPTE, value 0 maps every
 * page with a PAGE_SIZE IOPTE. */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(';', 0x80 + 7)
#endif /* IOMMU_OPTION */

#ifndef IOMMU_GET_HW_INFO
#define IOTLB_HW_INFO_FALLBACK 1

/* IOMMU_GET_HW_INFO (Linux 6.7): the IOMMU behind a device bound to the
 * iommufd; for VT-d its capability registers as the hardware reports them. */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
};

struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;	/* VT-d spec 11.4.2 */
	__aligned_u64 ecap_reg; /* VT-d spec 11.4.3 */
};

struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 out_data_type;
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(';', 0x80 + 10)
#endif /* IOMMU_GET_HW_INFO */

#ifndef VFIO_DEVICE_BIND_IOMMUFD
#define IOTLB_VFIO_CDEV_FALLBACK 1

/* Device-fd ioctls on /dev/vfio/devices/vfioN (Linux 6.6). */
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id; /* in: IOAS or HWPT id; out: the HWPT actually attached */
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)
#endif /* VFIO_DEVICE_BIND_IOMMUFD */

/* The first-version sizes the backends pass in size/argsz. These hold for
 * the system headers too: a field added later changes sizeof, so the
 * backends use these constants rather than sizeof. */
#define IOTLB_IOAS_ALLOC_SZ	  12u
#define IOTLB_IOAS_IOVA_RANGES_SZ 32u
#define IOTLB_IOAS_MAP_SZ	  40u
#define IOTLB_IOAS_UNMAP_SZ	  24u
#define IOTLB_DESTROY_SZ	  8u
#define IOTLB_BIND_IOMMUFD_SZ	  16u
#define IOTLB_ATTACH_PT_SZ	  12u
#define IOTLB_OPTION_SZ		  24u
#define IOTLB_HW_INFO_SZ	  40u

_Static_assert(offsetof(struct iommu_destroy, id) == 4, "iommu_destroy layout");
_Static_assert(offsetof(struct iommu_ioas_alloc, out_ioas_id) == 8, "iommu_ioas_alloc layout");
_Static_assert(sizeof(struct iommu_iova_range) == 16, "iommu_iova_range size");
_Static_assert(offsetof(struct iommu_ioas_iova_ranges, allowed_iovas) == 16,
	       "iommu_ioas_iova_ranges layout");
_Static_assert(offsetof(struct iommu_ioas_iova_ranges, out_iova_alignment) == 24,
	       "iommu_ioas_iova_ranges layout");
_Static_assert(offsetof(struct iommu_ioas_map, user_va) == 16, "iommu_ioas_map layout");
_Static_assert(offsetof(struct iommu_ioas_map, iova) == 32, "iommu_ioas_map layout");
_Static_assert(offsetof(struct iommu_ioas_unmap, iova) == 8, "iommu_ioas_unmap layout");
_Static_assert(offsetof(struct iommu_ioas_unmap, length) == 16, "iommu_ioas_unmap layout");
_Static_assert(offsetof(struct iommu_option, object_id) == 12, "iommu_option layout");
_Static_assert(offsetof(struct iommu_option, val64) == 16, "iommu_option layout");
_Static_assert(offsetof(struct iommu_hw_info, data_uptr) == 16, "iommu_hw_info layout");
_Static_assert(offsetof(struct iommu_hw_info, out_data_type) == 24, "iommu_hw_info layout");
_Static_assert(offsetof(struct iommu_hw_info, out_capabilities) == 32, "iommu_hw_info layout");
_Static_assert(offsetof(struct iommu_hw_info_vtd, ecap_reg) == 16, "iommu_hw_info_vtd layout");
_Static_assert(offsetof(struct vfio_device_bind_iommufd, out_devid) == 12,
	       "vfio_device_bind_iommufd layout");
_Static_assert(offsetof(struct vfio_device_attach_iommufd_pt, pt_id) == 8,
	       "vfio_device_attach_iommufd_pt layout");

#ifdef IOTLB_IOMMUFD_FALLBACK
_Static_assert(sizeof(struct iommu_destroy) == IOTLB_DESTROY_SZ, "iommu_destroy size");
_Static_assert(sizeof(struct iommu_ioas_alloc) == IOTLB_IOAS_ALLOC_SZ, "iommu_ioas_alloc size");
_Static_assert(sizeof(struct iommu_ioas_iova_ranges) == IOTLB_IOAS_IOVA_RANGES_SZ,
	       "iommu_ioas_iova_ranges size");
_Static_assert(sizeof(struct iommu_ioas_map) == IOTLB_IOAS_MAP_SZ, "iommu_ioas_map size");
_Static_assert(sizeof(struct iommu_ioas_unmap) == IOTLB_IOAS_UNMAP_SZ, "iommu_ioas_unmap size");
#endif
#ifdef IOTLB_IOMMU_OPTION_FALLBACK
_Static_assert(sizeof(struct iommu_option) == IOTLB_OPTION_SZ, "iommu_option size");
#endif
#ifdef IOTLB_HW_INFO_FALLBACK
_Static_assert(sizeof(struct iommu_hw_info) == IOTLB_HW_INFO_SZ, "iommu_hw_info size");
#endif
#ifdef IOTLB_VFIO_CDEV_FALLBACK
_Static_assert(sizeof(struct vfio_device_bind_iommufd) == IOTLB_BIND_IOMMUFD_SZ,
	       "vfio_device_bind_iommufd size");
_Static_assert(sizeof(struct vfio_device_attach_iommufd_pt) == IOTLB_ATTACH_PT_SZ,
	       "vfio_device_attach_iommufd_pt size");
#endif

#endif
