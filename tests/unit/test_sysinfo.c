/* `iotlbench info` and `devices` probing on fixture trees. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "driver/host/sysinfo.h"
#include "micro/dataset/hostinfo.h"
#include "tests/unit/sysfs_fixture.h"

#define ALL_CAPS 0x000001ffffffffffull

static void intel_lazy(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	fx_file(&f, "/proc/sys/kernel/osrelease", "6.12.0-test\n");
	fx_dir(&f, "/sys/class/iommu/dmar0");
	fx_dir(&f, "/sys/class/iommu/dmar1");
	fx_file(&f, "/sys/kernel/iommu_groups/0/type", "DMA-FQ\n");
	fx_file(&f, "/sys/kernel/iommu_groups/1/type", "DMA-FQ\n");
	fx_file(&f, "/proc/cmdline", "root=/dev/vda intel_iommu=on\n");
	fx_file(&f, "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "16\n");
	fx_file(&f, "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "10\n");
	fx_file(&f, "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "2\n");
	fx_file(&f, "/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "1\n");
	fx_file(&f, "/proc/sys/kernel/perf_event_paranoid", "2\n");
	fx_file(&f, "/proc/sys/kernel/unprivileged_bpf_disabled", "1\n");
	/* CAP_BPF and CAP_PERFMON only. */
	fx_creds(&f, 1000, (1ull << 38) | (1ull << 39));
	fx_file(&f, "/dev/vfio/vfio", "");
	struct sysinfo s;
	struct err e = {0};
	assert_int_equal(sysinfo_probe(&s, &e), 0);
	assert_string_equal(s.kernel, "6.12.0-test");
	assert_true(s.iommu);
	assert_string_equal(s.iommu_type, "intel");
	assert_non_null(strstr(s.iommu_units, "dmar0"));
	assert_non_null(strstr(s.iommu_units, "dmar1"));
	assert_string_equal(s.mode, "lazy");
	assert_non_null(strstr(s.mode_source, "DMA-FQ"));
	assert_int_equal(s.groups, 2);
	assert_int_equal(s.npools, 2);
	assert_int_equal(s.pools[0].size_kb, 2048);
	assert_int_equal(s.pools[0].total, 16);
	assert_int_equal(s.pools[0].free, 10);
	assert_int_equal(s.pools[1].size_kb, 1048576);
	assert_int_equal(s.pools[1].free, 1);
	assert_int_equal(s.euid, 1000);
	assert_true(s.cap_bpf);
	assert_true(s.cap_perfmon);
	assert_false(s.cap_sys_admin);
	assert_false(s.cap_ipc_lock);
	assert_int_equal(s.perf_paranoid, 2);
	assert_int_equal(s.unpriv_bpf_disabled, 1);
	assert_true(s.dev_vfio);
	assert_false(s.dev_iommu);
	assert_true(s.memlock_cur > 0);
	fx_fini(&f);
}

static void amd_passthrough_and_strict(void **state)
{
	(void)state;
	struct fx f;
	struct sysinfo s;
	struct err e = {0};
	fx_init(&f);
	fx_dir(&f, "/sys/class/iommu/ivhd0");
	fx_file(&f, "/sys/kernel/iommu_groups/3/type", "identity\n");
	fx_file(&f, "/proc/cmdline", "iommu=pt\n");
	assert_int_equal(sysinfo_probe(&s, &e), 0);
	assert_string_equal(s.iommu_type, "amd");
	assert_string_equal(s.mode, "passthrough");
	assert_non_null(strstr(s.mode_source, "iommu=pt"));
	assert_int_equal(s.perf_paranoid, INT32_MIN);
	/* Groups without a readable type: /proc/cmdline decides. */
	fx_file(&f, "/sys/kernel/iommu_groups/3/type", "unmanaged\n");
	fx_file(&f, "/proc/cmdline", "quiet iommu.strict=0 iommu.strict=1\n");
	assert_int_equal(sysinfo_probe(&s, &e), 0);
	assert_string_equal(s.mode, "strict");
	assert_non_null(strstr(s.mode_source, "/proc/cmdline"));
	fx_fini(&f);
}

static void no_iommu(void **state)
{
	(void)state;
	struct fx f;
	struct sysinfo s;
	struct err e = {0};
	fx_init(&f);
	fx_file(&f, "/proc/cmdline", "console=ttyS0\n");
	assert_int_equal(sysinfo_probe(&s, &e), 0);
	assert_false(s.iommu);
	assert_string_equal(s.mode, "off");
	assert_int_equal(s.npools, 0);
	assert_string_equal(s.kernel, "unknown");
	fx_file(&f, "/proc/cmdline", "intel_iommu=off\n");
	assert_int_equal(sysinfo_probe(&s, &e), 0);
	assert_string_equal(s.mode, "off");
	assert_non_null(strstr(s.mode_source, "intel_iommu=off"));
	fx_fini(&f);
}

static void devices_and_backends(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	fx_creds(&f, 0, ALL_CAPS);
	fx_pci(&f, "0000:02:00.0", "0x010802", "0x8086", "0x0953", "nvme", 12, NULL);
	fx_pci(&f, "0000:01:00.0", "0x010802", "0x1b36", "0x0010", "vfio-pci", 7, "vfio3");
	fx_pci(&f, "0000:00:03.0", "0x020000", "0x8086", "0x100e", "e1000", 3, NULL);
	fx_file(&f, "/sys/kernel/iommu_groups/7/type", "DMA\n");
	fx_file(&f, "/dev/vfio/vfio", "");
	fx_file(&f, "/dev/vfio/7", "");
	fx_file(&f, "/dev/iommu", "");
	fx_file(&f, "/dev/vfio/devices/vfio3", "");
	struct sysinfo_dev d[4];
	struct err e = {0};
	int n = sysinfo_devices(d, 4, &e);
	assert_int_equal(n, 2);
	assert_string_equal(d[0].addr.str, "0000:01:00.0");
	assert_int_equal(d[0].vendor, 0x1b36);
	assert_int_equal(d[0].device, 0x0010);
	assert_string_equal(d[0].driver, "vfio-pci");
	assert_int_equal(d[0].group, 7);
	assert_string_equal(d[0].cdev, "vfio3");
	assert_true(d[0].can[SYSINFO_VFIO]);
	assert_true(d[0].can[SYSINFO_IOMMUFD]);
	assert_false(d[0].can[SYSINFO_PAGEMAP]);
	assert_non_null(strstr(d[0].why[SYSINFO_PAGEMAP], "bound to vfio-pci"));
	assert_string_equal(d[1].addr.str, "0000:02:00.0");
	assert_string_equal(d[1].driver, "nvme");
	assert_int_equal(d[1].group, 12);
	assert_string_equal(d[1].cdev, "");
	for (int b = 0; b < SYSINFO_NBACKENDS; b++) {
		assert_false(d[1].can[b]);
		assert_non_null(strstr(d[1].why[b], "nvme"));
	}
	/* No sysfs at all: an error, not an empty list. */
	fx_fini(&f);
	fx_init(&f);
	assert_true(sysinfo_devices(d, 4, &e) < 0);
	assert_non_null(strstr(e.msg, "/sys/bus/pci/devices"));
	fx_fini(&f);
}

/* The dataset's host record (micro/dataset/hostinfo.c) and `iotlbench info` read
 * the same probe, so on one host they give the same answer. */
static void expect_same(const char *type, const char *mode)
{
	struct sysinfo s;
	struct err e = {0};
	assert_int_equal(sysinfo_probe(&s, &e), 0);
	json_object *h = hostinfo_json();
	json_object *v;
	assert_true(json_object_object_get_ex(h, "iommu_type", &v));
	assert_string_equal(json_object_get_string(v), type);
	assert_string_equal(s.iommu ? s.iommu_type : "none", type);
	assert_true(json_object_object_get_ex(h, "iommu_mode", &v));
	assert_string_equal(json_object_get_string(v), mode);
	assert_string_equal(s.mode, mode);
	assert_true(json_object_object_get_ex(h, "kernel", &v));
	assert_string_equal(json_object_get_string(v), s.kernel);
	assert_true(json_object_object_get_ex(h, "cmdline", &v));
	assert_string_equal(json_object_get_string(v), s.cmdline);
	json_object *pools;
	assert_true(json_object_object_get_ex(h, "hugepages", &pools));
	assert_int_equal(json_object_object_length(pools), s.npools);
	for (int i = 0; i < s.npools; i++) {
		char key[32];
		snprintf(key, sizeof(key), "%llu", (unsigned long long)s.pools[i].size_kb);
		assert_true(json_object_object_get_ex(pools, key, &v));
		assert_int_equal(json_object_get_int64(v), s.pools[i].total);
	}
	json_object_put(h);
}

static void hostinfo_agrees(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	fx_file(&f, "/proc/sys/kernel/osrelease", "6.1.0-test\n");
	fx_file(&f, "/proc/cmdline", "root=/dev/vda quiet\n");
	fx_dir(&f, "/sys/class/iommu/dmar0");
	fx_file(&f, "/sys/kernel/iommu_groups/0/type", "DMA-FQ\n");
	fx_file(&f, "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "512\n");
	fx_file(&f, "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "1\n");
	expect_same("intel", "lazy");
	/* Groups without a default-domain type (before Linux 5.11, or only
	 * unmanaged ones): the command line decides, for both. */
	fx_file(&f, "/sys/kernel/iommu_groups/0/type", "unmanaged\n");
	fx_file(&f, "/proc/cmdline", "root=/dev/vda iommu.strict=1\n");
	expect_same("intel", "strict");
	/* A paravirtual IOMMU is an IOMMU too. */
	fx_fini(&f);
	fx_init(&f);
	fx_dir(&f, "/sys/class/iommu/virtio-iommu0");
	fx_file(&f, "/sys/kernel/iommu_groups/1/type", "DMA\n");
	expect_same("virtio", "strict");
	/* No IOMMU unit at all. */
	fx_fini(&f);
	fx_init(&f);
	fx_file(&f, "/proc/cmdline", "console=ttyS0\n");
	expect_same("none", "off");
	fx_fini(&f);
}

/* The device's own group decides its mode, whatever other groups say: a
 * host whose groups are lazy can have one switched to strict or identity
 * through its type file. No group: nothing translates the device. */
static void device_group_mode(void **state)
{
	(void)state;
	static const struct {
		const char *type, *mode;
	} cases[] = {{"DMA\n", "strict"},
		     {"DMA-FQ\n", "lazy"},
		     {"identity\n", "passthrough"},
		     {"blocked\n", "unknown"}};
	for (unsigned i = 0; i < 4; i++) {
		struct fx f;
		fx_init(&f);
		fx_pci(&f, "0000:00:03.0", "0x010802", "0x1b36", "0x0010", "nvme", 5, NULL);
		fx_pci(&f, "0000:00:04.0", "0x010802", "0x1b36", "0x0010", "nvme", 2, NULL);
		fx_file(&f, "/sys/kernel/iommu_groups/2/type", "DMA-FQ\n");
		fx_file(&f, "/sys/kernel/iommu_groups/5/type", cases[i].type);
		struct sysinfo_dev_iommu di;
		sysinfo_device_iommu("0000:00:03.0", &di);
		assert_int_equal(di.group, 5);
		assert_string_equal(di.mode, cases[i].mode);
		assert_int_equal(strncmp(di.type, cases[i].type, strlen(di.type)), 0);
		assert_true(di.type[0]);
		fx_fini(&f);
	}
	struct fx f;
	fx_init(&f);
	fx_pci(&f, "0000:00:03.0", "0x010802", "0x1b36", "0x0010", "nvme", -1, NULL);
	struct sysinfo_dev_iommu di;
	sysinfo_device_iommu("0000:00:03.0", &di);
	assert_int_equal(di.group, -1);
	assert_string_equal(di.mode, "none");
	assert_string_equal(di.type, "");
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(intel_lazy),      cmocka_unit_test(amd_passthrough_and_strict),
	    cmocka_unit_test(no_iommu),	       cmocka_unit_test(devices_and_backends),
	    cmocka_unit_test(hostinfo_agrees), cmocka_unit_test(device_group_mode),
	};
	return cmocka_run_group_tests_name("sysinfo", t, NULL, NULL);
}
