/* The project's own iommufd / VFIO-cdev ABI definitions match the kernel's
 * (sizes, offsets, ioctl numbers from include/uapi/linux/iommufd.h and
 * vfio.h), and the VFIO_IOMMU_GET_INFO capability chain parses as the kernel
 * lays it out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "driver/host/uapi/iommufd_abi.h"
#include "driver/host/vfio_info.h"

/* Whether a system header defines `macro`, read from the file itself rather
 * than through the preprocessor, which the project's header has already run
 * through: 1 yes, 0 no (also when the header does not exist), -1 when the
 * system headers are not where a native build finds them. */
static int system_header_defines(const char *header, const char *macro)
{
	char path[128];
	if (access("/usr/include/linux/vfio.h", R_OK) != 0)
		return -1;
	snprintf(path, sizeof(path), "/usr/include/linux/%s", header);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[512], want[96];
	snprintf(want, sizeof(want), "#define %s", macro);
	int found = 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, want, strlen(want)) == 0 &&
			(line[strlen(want)] == ' ' || line[strlen(want)] == '\t');
	fclose(f);
	return found;
}

/* The project's definitions are used exactly where the system headers lack
 * the ABI: never beside (or instead of) a system definition, always where
 * there is none. */
static void fallback_in_use(void **state)
{
	(void)state;
#if defined(IOTLB_IOMMUFD_FALLBACK)
	const int iommufd_fallback = 1;
#else
	const int iommufd_fallback = 0;
#endif
#if defined(IOTLB_VFIO_CDEV_FALLBACK)
	const int cdev_fallback = 1;
#else
	const int cdev_fallback = 0;
#endif
	printf("iommufd ABI: %s\n", iommufd_fallback ? "project definitions" : "system");
	printf("VFIO cdev ABI: %s\n", cdev_fallback ? "project definitions" : "system");
	int sys_iommufd = system_header_defines("iommufd.h", "IOMMU_IOAS_ALLOC");
	int sys_cdev = system_header_defines("vfio.h", "VFIO_DEVICE_BIND_IOMMUFD");
	if (sys_iommufd < 0 || sys_cdev < 0) {
		printf("skip: no /usr/include/linux/vfio.h: the compiler's kernel headers are "
		       "elsewhere, so this test cannot tell what they define\n");
		skip();
	}
	printf("system headers: iommufd.h %s IOMMU_IOAS_ALLOC, vfio.h %s "
	       "VFIO_DEVICE_BIND_IOMMUFD\n",
	       sys_iommufd ? "defines" : "lacks", sys_cdev ? "defines" : "lacks");
	assert_int_equal(iommufd_fallback, !sys_iommufd);
	assert_int_equal(cdev_fallback, !sys_cdev);
}

static void struct_sizes(void **state)
{
	(void)state;
	/* The kernel's minimum sizes (offsetofend of the last original
	 * field); larger system structs only grew at the end. */
	assert_true(sizeof(struct iommu_destroy) >= 8);
	assert_true(sizeof(struct iommu_ioas_alloc) >= 12);
	assert_int_equal(sizeof(struct iommu_iova_range), 16);
	assert_true(sizeof(struct iommu_ioas_iova_ranges) >= 32);
	assert_true(sizeof(struct iommu_ioas_map) >= 40);
	assert_true(sizeof(struct iommu_ioas_unmap) >= 24);
	assert_true(sizeof(struct vfio_device_bind_iommufd) >= 16);
	assert_true(sizeof(struct vfio_device_attach_iommufd_pt) >= 12);
#ifdef IOTLB_IOMMUFD_FALLBACK
	assert_int_equal(sizeof(struct iommu_destroy), 8);
	assert_int_equal(sizeof(struct iommu_ioas_alloc), 12);
	assert_int_equal(sizeof(struct iommu_ioas_iova_ranges), 32);
	assert_int_equal(sizeof(struct iommu_ioas_map), 40);
	assert_int_equal(sizeof(struct iommu_ioas_unmap), 24);
#endif
#ifdef IOTLB_VFIO_CDEV_FALLBACK
	assert_int_equal(sizeof(struct vfio_device_bind_iommufd), 16);
	assert_int_equal(sizeof(struct vfio_device_attach_iommufd_pt), 12);
	assert_int_equal(sizeof(struct vfio_device_detach_iommufd_pt), 8);
#endif
	assert_int_equal(offsetof(struct iommu_ioas_map, flags), 4);
	assert_int_equal(offsetof(struct iommu_ioas_map, ioas_id), 8);
	assert_int_equal(offsetof(struct iommu_ioas_map, user_va), 16);
	assert_int_equal(offsetof(struct iommu_ioas_map, length), 24);
	assert_int_equal(offsetof(struct iommu_ioas_map, iova), 32);
	assert_int_equal(offsetof(struct iommu_ioas_iova_ranges, num_iovas), 8);
	assert_int_equal(offsetof(struct vfio_device_bind_iommufd, iommufd), 8);
}

static void ioctl_numbers(void **state)
{
	(void)state;
	/* _IO(type, nr) = type << 8 | nr: ';' is 0x3b for both iommufd and
	 * VFIO (VFIO_TYPE), iommufd commands start at 0x80, VFIO_BASE is 100. */
	assert_int_equal(IOMMU_DESTROY, 0x3b80);
	assert_int_equal(IOMMU_IOAS_ALLOC, 0x3b81);
	assert_int_equal(IOMMU_IOAS_IOVA_RANGES, 0x3b84);
	assert_int_equal(IOMMU_IOAS_MAP, 0x3b85);
	assert_int_equal(IOMMU_IOAS_UNMAP, 0x3b86);
	assert_int_equal(VFIO_DEVICE_BIND_IOMMUFD, 0x3b76);
	assert_int_equal(VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x3b77);
	assert_int_equal(VFIO_DEVICE_DETACH_IOMMUFD_PT, 0x3b78);
	assert_int_equal(IOMMU_IOAS_MAP_FIXED_IOVA, 1);
	assert_int_equal(IOMMU_IOAS_MAP_WRITEABLE, 2);
	assert_int_equal(IOMMU_IOAS_MAP_READABLE, 4);
}

/* An info buffer as the type1 driver fills it for the QEMU intel-iommu
 * guest: pgsizes 4K|2M|1G, two ranges around the MSI hole, DMA_AVAIL. */
static size_t guest_info(uint8_t *buf, size_t len, uint32_t avail)
{
	memset(buf, 0, len);
	struct vfio_iommu_type1_info *info = (void *)buf;
	size_t off = sizeof(*info);
	info->argsz = (uint32_t)len;
	info->flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info->iova_pgsizes = 0x40201000ull;
	info->cap_offset = (uint32_t)off;
	struct vfio_iommu_type1_info_cap_iova_range *r = (void *)(buf + off);
	r->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	r->header.version = 1;
	r->nr_iovas = 2;
	r->iova_ranges[0].start = 0;
	r->iova_ranges[0].end = 0xfedfffffull;
	r->iova_ranges[1].start = 0xfef00000ull;
	r->iova_ranges[1].end = 0x7fffffffffull;
	off += sizeof(*r) + 2 * sizeof(r->iova_ranges[0]);
	r->header.next = (uint32_t)off;
	struct vfio_iommu_type1_info_dma_avail *d = (void *)(buf + off);
	d->header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	d->header.version = 1;
	d->avail = avail;
	return off + sizeof(*d);
}

static void info_chain(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct vfio_iommu_caps c;
	struct err e = {0};
	size_t len = guest_info(buf, sizeof(buf), 65535);
	assert_int_equal(vfio_info_parse(buf, len, &c, &e), 0);
	assert_int_equal(c.pgsizes, 0x40201000ull);
	assert_true(c.has_ranges);
	assert_int_equal(c.nranges, 2);
	assert_int_equal(c.ranges[0].last, 0xfedfffffull);
	assert_int_equal(c.ranges[1].start, 0xfef00000ull);
	assert_int_equal(c.ranges[1].last, 0x7fffffffffull);
	assert_true(c.has_dma_avail);
	assert_int_equal(c.dma_avail, 65535);
	/* Without the CAPS flag the chain is not read. */
	((struct vfio_iommu_type1_info *)buf)->flags = VFIO_IOMMU_INFO_PGSIZES;
	assert_int_equal(vfio_info_parse(buf, len, &c, &e), 0);
	assert_false(c.has_ranges);
	assert_false(c.has_dma_avail);
}

static void info_corrupt(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct vfio_iommu_caps c;
	struct err e = {0};
	size_t len = guest_info(buf, sizeof(buf), 1);
	/* Truncated range array. */
	assert_int_equal(vfio_info_parse(buf, sizeof(struct vfio_iommu_type1_info) + 20, &c, &e),
			 -EPROTO);
	/* A chain that points back at itself. */
	struct vfio_info_cap_header *h = (void *)(buf + sizeof(struct vfio_iommu_type1_info));
	h->next = (uint32_t)sizeof(struct vfio_iommu_type1_info);
	assert_int_equal(vfio_info_parse(buf, len, &c, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "corrupt"));
	/* Offsets into the fixed header or past the end. */
	h->next = 4;
	assert_int_equal(vfio_info_parse(buf, len, &c, &e), -EPROTO);
	h->next = 4096;
	assert_int_equal(vfio_info_parse(buf, len, &c, &e), -EPROTO);
	assert_int_equal(vfio_info_parse(buf, 8, &c, &e), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(fallback_in_use), cmocka_unit_test(struct_sizes),
	    cmocka_unit_test(ioctl_numbers),   cmocka_unit_test(info_chain),
	    cmocka_unit_test(info_corrupt),
	};
	return cmocka_run_group_tests_name("uapi_abi", t, NULL, NULL);
}
