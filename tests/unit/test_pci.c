/* BDF parsing, sysfs helpers on fixture trees, and the config-space bus
 * master switch on a file standing in for config space. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>

#include "driver/host/pci.h"
#include "driver/host/pci_cfg.h"
#include "tests/unit/sysfs_fixture.h"
#include "driver/util/array.h"

static void parse_good(void **state)
{
	(void)state;
	struct pci_addr a;
	struct err e = {0};
	assert_int_equal(pci_addr_parse("0000:00:04.0", &a, &e), 0);
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.bus, 0);
	assert_int_equal(a.dev, 4);
	assert_int_equal(a.fn, 0);
	assert_string_equal(a.str, "0000:00:04.0");
	/* sysfs spells hex in lower case: normalise. */
	assert_int_equal(pci_addr_parse("ABCD:Ef:1F.7", &a, &e), 0);
	assert_int_equal(a.domain, 0xabcd);
	assert_int_equal(a.bus, 0xef);
	assert_int_equal(a.dev, 0x1f);
	assert_int_equal(a.fn, 7);
	assert_string_equal(a.str, "abcd:ef:1f.7");
}

static void parse_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "00:04.0",
	    "0000:00:04",
	    "0000:00:04.8",
	    "0000:00:20.0",
	    "000g:00:04.0",
	    "0000-00-04.0",
	    "0000:00:04.0 ",
	    " 0000:00:04.0",
	    "0000:000:4.0",
	    "/sys/bus/pci/devices/0000:00:04.0",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct pci_addr a;
		struct err e = {0};
		assert_int_equal(pci_addr_parse(bad[i], &a, &e), -EINVAL);
		if (!strstr(e.msg, "DDDD:BB:DD.F"))
			fail_msg("'%s': message lacks the expected format: %s", bad[i], e.msg);
	}
	struct pci_addr a;
	struct err e = {0};
	assert_int_equal(pci_addr_parse(NULL, &a, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no PCI device given"));
}

static void build_tree(struct fx *f)
{
	fx_init(f);
	fx_pci(f, "0000:02:00.0", "0x010802", "0x8086", "0x0953", "nvme", 12, NULL);
	fx_pci(f, "0000:01:00.0", "0x010802", "0x1b36", "0x0010", "vfio-pci", 7, "vfio3");
	fx_pci(f, "0000:00:03.0", "0x020000", "0x8086", "0x100e", "e1000", 3, NULL);
	fx_pci(f, "0000:00:05.0", "0x010802", "0x144d", "0xa808", NULL, -1, NULL);
	/* Not a function: must be ignored. */
	fx_dir(f, "/sys/bus/pci/devices/not-a-bdf");
}

static void list_filters_class(void **state)
{
	(void)state;
	struct fx f;
	build_tree(&f);
	struct pci_addr a[8];
	int n = pci_list(PCI_CLASS_NVME, a, 8);
	assert_int_equal(n, 3);
	assert_string_equal(a[0].str, "0000:00:05.0");
	assert_string_equal(a[1].str, "0000:01:00.0");
	assert_string_equal(a[2].str, "0000:02:00.0");
	/* Fewer slots than devices: the count still says how many exist. */
	assert_int_equal(pci_list(PCI_CLASS_NVME, a, 1), 3);
	assert_int_equal(pci_list(0x020000, a, 8), 1);
	assert_string_equal(a[0].str, "0000:00:03.0");
	fx_fini(&f);
}

static void links_and_attrs(void **state)
{
	(void)state;
	struct fx f;
	build_tree(&f);
	struct pci_addr a;
	struct err e = {0};
	char s[32];
	int g;
	uint64_t v;
	assert_int_equal(pci_addr_parse("0000:01:00.0", &a, &e), 0);
	assert_int_equal(pci_dev_check(&a, &e), 0);
	assert_int_equal(pci_dev_attr(&a, "vendor", &v), 0);
	assert_int_equal(v, 0x1b36);
	assert_int_equal(pci_dev_driver(&a, s, sizeof(s)), 0);
	assert_string_equal(s, "vfio-pci");
	assert_int_equal(pci_dev_iommu_group(&a, &g), 0);
	assert_int_equal(g, 7);
	assert_int_equal(pci_dev_vfio_cdev(&a, s, sizeof(s)), 0);
	assert_string_equal(s, "vfio3");

	assert_int_equal(pci_addr_parse("0000:00:05.0", &a, &e), 0);
	assert_int_equal(pci_dev_driver(&a, s, sizeof(s)), 0);
	assert_string_equal(s, "");
	assert_int_equal(pci_dev_iommu_group(&a, &g), -ENOENT);
	assert_int_equal(pci_dev_vfio_cdev(&a, s, sizeof(s)), -ENOENT);

	assert_int_equal(pci_addr_parse("0000:09:00.0", &a, &e), 0);
	assert_int_equal(pci_dev_check(&a, &e), -ENODEV);
	assert_non_null(strstr(e.msg, "no PCI device 0000:09:00.0"));
	assert_non_null(strstr(e.msg, "iotlbench devices"));
	fx_fini(&f);
}

static void bus_master_switch(void **state)
{
	(void)state;
	char path[] = "/tmp/iotlb-cfg-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	/* 256 bytes of config header, Command = 0x0400 (INTx disable), at a
	 * region offset of 0x1000 as VFIO would give. */
	uint8_t cfg[0x1100] = {0};
	cfg[0x1000 + PCI_CFG_COMMAND + 1] = 0x04;
	assert_int_equal(pwrite(fd, cfg, sizeof(cfg), 0), (ssize_t)sizeof(cfg));
	struct err e = {0};
	uint16_t old, cmd;
	assert_int_equal(pci_cfg_enable_master(fd, 0x1000, &old, &e), 0);
	assert_int_equal(old, 0x0400);
	assert_int_equal(pci_cfg_read_command(fd, 0x1000, &cmd, &e), 0);
	assert_int_equal(cmd, 0x0400 | PCI_CMD_MEMORY | PCI_CMD_MASTER);
	assert_int_equal(pci_cfg_disable_master(fd, 0x1000, &e), 0);
	assert_int_equal(pci_cfg_read_command(fd, 0x1000, &cmd, &e), 0);
	assert_int_equal(cmd, 0x0400 | PCI_CMD_MEMORY);
	/* A function that does not answer reads all ones: refuse to write. */
	uint8_t ff[2] = {0xff, 0xff};
	assert_int_equal(pwrite(fd, ff, 2, PCI_CFG_COMMAND), 2);
	assert_int_equal(pci_cfg_enable_master(fd, 0, &old, &e), -ENODEV);
	assert_non_null(strstr(e.msg, "0xffff"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(parse_good),	  cmocka_unit_test(parse_bad),
	    cmocka_unit_test(list_filters_class), cmocka_unit_test(links_and_attrs),
	    cmocka_unit_test(bus_master_switch),
	};
	return cmocka_run_group_tests_name("pci", t, NULL, NULL);
}
