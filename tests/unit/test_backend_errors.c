/* Opening the real backends where their preconditions do not hold must
 * fail before touching any device, with a message that names the cause and
 * the fix. Runs on this host (no VFIO, no IOMMU) and on fixture trees. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sys/resource.h>

#include "driver/host/precheck.h"
#include "driver/backend/emu.h"
#include "driver/backend/real.h"
#include "tests/unit/sysfs_fixture.h"

/* All capabilities, as root has them. */
#define ALL_CAPS 0x000001ffffffffffull

static const char *const real_backends[] = {"pagemap", "vfio", "iommufd"};

static int open_fails(const char *name, const char *bdf, struct err *e)
{
	struct backend_cfg cfg = {.device = bdf};
	struct backend *b = NULL;
	int rc = backend_open(name, &cfg, &b, e);
	if (!rc) {
		backend_close(b);
		fail_msg("backend %s opened %s unexpectedly", name, bdf ? bdf : "(null)");
	}
	return rc;
}

#define assert_msg(e, needle)                                                                      \
	do {                                                                                       \
		if (!strstr((e)->msg, (needle)))                                                   \
			fail_msg("message lacks '%s': %s", (needle), (e)->msg);                    \
	} while (0)

static void registered(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_non_null(backend_find(real_backends[i]));
		assert_non_null(strstr(backend_names(), real_backends[i]));
	}
}

static void bad_bdf(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		struct err e = {0};
		assert_int_equal(open_fails(real_backends[i], "00:04.0", &e), -EINVAL);
		assert_msg(&e, "DDDD:BB:DD.F");
		assert_msg(&e, real_backends[i]); /* registry context */
		assert_int_equal(open_fails(real_backends[i], NULL, &e), -EINVAL);
		assert_msg(&e, "no PCI device given");
	}
}

static void nonexistent_device(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		struct err e = {0};
		assert_int_equal(open_fails(real_backends[i], "0000:7f:1f.7", &e), -ENODEV);
		assert_msg(&e, "no PCI device 0000:7f:1f.7");
	}
}

/* A function of this host, only read: the checks stop before any write. */
static int first_host_function(char *bdf, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	if (!d)
		return -1;
	struct dirent *de;
	int rc = -1;
	while ((de = readdir(d)))
		if (strlen(de->d_name) == 12 && strlen(de->d_name) < len) {
			strcpy(bdf, de->d_name);
			rc = 0;
			break;
		}
	closedir(d);
	return rc;
}

static void this_host(void **state)
{
	(void)state;
	char bdf[32];
	struct err e = {0};
	if (first_host_function(bdf, sizeof(bdf))) {
		printf("skip: this host has no PCI functions to check against\n");
		skip();
	}
	if (access("/dev/vfio/vfio", F_OK) == 0 || access("/dev/iommu", F_OK) == 0) {
		printf("skip: this host has VFIO or iommufd; the fixture tests cover the "
		       "messages\n");
		skip();
	}
	assert_true(open_fails("vfio", bdf, &e) < 0);
	assert_msg(&e, "/dev/vfio/vfio does not exist");
	assert_msg(&e, "modprobe vfio-pci");
	assert_true(open_fails("iommufd", bdf, &e) < 0);
	assert_msg(&e, "/dev/iommu does not exist");
	assert_msg(&e, "CONFIG_IOMMUFD");
	char drv[64];
	struct pci_addr a;
	assert_int_equal(pci_addr_parse(bdf, &a, &e), 0);
	assert_int_equal(pci_dev_driver(&a, drv, sizeof(drv)), 0);
	if (drv[0]) {
		assert_true(open_fails("pagemap", bdf, &e) < 0);
		assert_msg(&e, "is bound to");
		assert_msg(&e, "/unbind");
	}
}

/* A guest-like tree: VFIO present, group 7 for 0000:01:00.0. */
static void vfio_tree(struct fx *f, const char *driver)
{
	fx_init(f);
	fx_creds(f, 0, ALL_CAPS);
	fx_pci(f, "0000:01:00.0", "0x010802", "0x1b36", "0x0010", driver, 7, "vfio3");
	fx_file(f, "/sys/kernel/iommu_groups/7/type", "DMA\n");
	fx_file(f, "/dev/vfio/vfio", "");
	fx_file(f, "/dev/vfio/7", "");
	fx_file(f, "/dev/iommu", "");
	fx_file(f, "/dev/vfio/devices/vfio3", "");
}

static void bound_to_nvme(void **state)
{
	(void)state;
	struct fx f;
	struct err e = {0};
	vfio_tree(&f, "nvme");
	assert_int_equal(open_fails("vfio", "0000:01:00.0", &e), -EBUSY);
	assert_msg(&e, "bound to nvme");
	assert_msg(&e, "echo 0000:01:00.0 > /sys/bus/pci/drivers/nvme/unbind");
	assert_msg(&e, "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override");
	assert_msg(&e, "drivers_probe");
	assert_int_equal(open_fails("iommufd", "0000:01:00.0", &e), -EBUSY);
	assert_msg(&e, "bound to nvme");
	assert_int_equal(open_fails("pagemap", "0000:01:00.0", &e), -EBUSY);
	assert_msg(&e, "echo 0000:01:00.0 > /sys/bus/pci/drivers/nvme/unbind");
	fx_fini(&f);
}

static void unbound_needs_vfio(void **state)
{
	(void)state;
	struct fx f;
	struct err e = {0};
	vfio_tree(&f, NULL);
	assert_int_equal(open_fails("vfio", "0000:01:00.0", &e), -EBUSY);
	assert_msg(&e, "not bound to any driver");
	assert_msg(&e, "driver_override");
	/* Unbound but translated by the IOMMU: physical addresses would fault. */
	assert_int_equal(open_fails("pagemap", "0000:01:00.0", &e), -EPERM);
	assert_msg(&e, "the IOMMU translates DMA");
	assert_msg(&e, "iommu=pt");
	fx_fini(&f);
}

static void no_iommu(void **state)
{
	(void)state;
	struct fx f;
	struct err e = {0};
	fx_init(&f);
	fx_creds(&f, 0, ALL_CAPS);
	fx_pci(&f, "0000:01:00.0", "0x010802", "0x1b36", "0x0010", "vfio-pci", -1, NULL);
	fx_file(&f, "/dev/vfio/vfio", "");
	assert_int_equal(open_fails("vfio", "0000:01:00.0", &e), -ENODEV);
	assert_msg(&e, "no IOMMU group");
	assert_msg(&e, "intel_iommu=on");
	fx_fini(&f);
}

static void group_not_viable(void **state)
{
	(void)state;
	struct fx f;
	struct err e = {0};
	vfio_tree(&f, "vfio-pci");
	fx_pci(&f, "0000:01:00.1", "0x020000", "0x8086", "0x10d3", "e1000e", 7, NULL);
	assert_int_equal(open_fails("vfio", "0000:01:00.0", &e), -EBUSY);
	assert_msg(&e, "IOMMU group 7 is not viable");
	assert_msg(&e, "0000:01:00.1 (e1000e)");
	fx_fini(&f);
}

static void not_a_container(void **state)
{
	(void)state;
	/* Every precondition holds in sysfs, but /dev/vfio/vfio is a plain
	 * file: the first ioctl fails and open must undo what it did. */
	struct fx f;
	struct err e = {0};
	vfio_tree(&f, "vfio-pci");
	assert_int_equal(open_fails("vfio", "0000:01:00.0", &e), -EPROTO);
	assert_msg(&e, "not a VFIO container");
	assert_true(open_fails("iommufd", "0000:01:00.0", &e) < 0);
	assert_msg(&e, "VFIO_DEVICE_BIND_IOMMUFD failed");
	fx_fini(&f);
}

static void no_cdev(void **state)
{
	(void)state;
	struct fx f;
	struct err e = {0};
	fx_init(&f);
	fx_creds(&f, 0, ALL_CAPS);
	fx_pci(&f, "0000:01:00.0", "0x010802", "0x1b36", "0x0010", "vfio-pci", 7, NULL);
	fx_file(&f, "/dev/iommu", "");
	assert_int_equal(open_fails("iommufd", "0000:01:00.0", &e), -ENOENT);
	assert_msg(&e, "CONFIG_VFIO_DEVICE_CDEV");
	fx_fini(&f);
}

static void pagemap_needs_root(void **state)
{
	(void)state;
	struct fx f;
	struct err e = {0};
	fx_init(&f);
	fx_creds(&f, 1000, 0);
	fx_pci(&f, "0000:01:00.0", "0x010802", "0x1b36", "0x0010", NULL, -1, NULL);
	assert_int_equal(open_fails("pagemap", "0000:01:00.0", &e), -EPERM);
	assert_msg(&e, "CAP_SYS_ADMIN");
	assert_msg(&e, "run as root");
	/* Passthrough groups are fine for pagemap; root is still needed. */
	fx_pci(&f, "0000:01:00.0", "0x010802", "0x1b36", "0x0010", NULL, 4, NULL);
	fx_file(&f, "/sys/kernel/iommu_groups/4/type", "identity\n");
	assert_int_equal(open_fails("pagemap", "0000:01:00.0", &e), -EPERM);
	assert_msg(&e, "CAP_SYS_ADMIN");
	fx_fini(&f);
}

static void memlock_too_low(void **state)
{
	(void)state;
	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
	low = old;
	low.rlim_cur = 64 << 10;
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < low.rlim_cur)
		low.rlim_cur = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &low), 0);
	struct fx f;
	struct err e = {0};
	vfio_tree(&f, "vfio-pci");
	/* Root without CAP_IPC_LOCK: the limit applies. */
	fx_creds(&f, 1000, 0);
	int rc = open_fails("vfio", "0000:01:00.0", &e);
	setrlimit(RLIMIT_MEMLOCK, &old);
	assert_int_equal(rc, -ENOMEM);
	assert_msg(&e, "RLIMIT_MEMLOCK");
	assert_msg(&e, "ulimit -l");
	fx_fini(&f);
}

static void extras_refuse_other_backends(void **state)
{
	(void)state;
	struct fx_dummy {
		struct backend b;
	} d = {.b = {.ops = &backend_emu_ops}};
	struct err e = {0};
	struct dma_buf buf = {0};
	assert_int_equal(backend_map_at(&d.b, &buf, 0x1000, DMA_PROT_READ, &e), -EINVAL);
	assert_msg(&e, "only vfio and iommufd");
	assert_int_equal(backend_iova_ranges(&d.b, NULL, 0), 0);
	assert_int_equal(backend_vfio_dma_avail(&d.b), -1);
	assert_int_equal(backend_set_mem_kind(&d.b, MEM_KIND_THP, &e), -EINVAL);
	assert_msg(&e, "the emu backend takes backing = default or sparse");
	/* Sparse memory is the emulator's only: the real backends refuse it
	 * before touching their state. */
	static const struct backend_ops *const real[] = {&backend_pagemap_ops, &backend_vfio_ops,
							 &backend_iommufd_ops};
	for (unsigned i = 0; i < 3; i++) {
		struct fx_dummy r = {.b = {.ops = real[i]}};
		assert_int_equal(backend_set_mem_kind(&r.b, MEM_KIND_SPARSE, &e), -EINVAL);
		assert_msg(&e, "backing = sparse is for the emu backend only");
	}
	assert_int_equal(backend_iommufd_set_iova_mode(&d.b, IOMMUFD_IOVA_FIXED, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(registered),
	    cmocka_unit_test(bad_bdf),
	    cmocka_unit_test(nonexistent_device),
	    cmocka_unit_test(this_host),
	    cmocka_unit_test(bound_to_nvme),
	    cmocka_unit_test(unbound_needs_vfio),
	    cmocka_unit_test(no_iommu),
	    cmocka_unit_test(group_not_viable),
	    cmocka_unit_test(not_a_container),
	    cmocka_unit_test(no_cdev),
	    cmocka_unit_test(pagemap_needs_root),
	    cmocka_unit_test(memlock_too_low),
	    cmocka_unit_test(extras_refuse_other_backends),
	};
	return cmocka_run_group_tests_name("backend_errors", t, NULL, NULL);
}
