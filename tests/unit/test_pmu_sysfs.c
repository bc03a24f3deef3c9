/* The sysfs PMU parser against fixture trees written from the kernel's own
 * format and event strings: Intel VT-d perfmon (drivers/iommu/intel/
 * perfmon.c: event config:0-27, event_group config:28-31, filters in
 * config1) and AMD IOMMU (arch/x86/events/amd/iommu.c: csource config:0-7,
 * devid config:8-23, devid_mask config1:0-15). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/perf_set.h"
#include "bpf/pmu_sysfs.h"

#define ROOT "tests/fixtures/pmu"

static void dmar_iotlb_events(void **state)
{
	(void)state;
	struct perf_event_attr a;
	struct err e = {0};
	assert_int_equal(pmu_sysfs_event_attr(ROOT, "dmar0", "iotlb_lookup", &a, &e), 0);
	assert_int_equal(a.type, 18);
	assert_int_equal(a.config, (3ull << 28) | 1);
	assert_int_equal(a.config1, 0);
	assert_int_equal(pmu_sysfs_event_attr(ROOT, "dmar0", "iotlb_hit", &a, &e), 0);
	assert_int_equal(a.config, (3ull << 28) | 2);
	assert_int_equal(pmu_sysfs_cpu(ROOT, "dmar0", &e), 0);
}

static void amd_iommu_events(void **state)
{
	(void)state;
	struct perf_event_attr a;
	struct err e = {0};
	assert_int_equal(pmu_sysfs_event_attr(ROOT, "amd_iommu_0", "mem_iommu_tlb_pte_mis", &a, &e),
			 0);
	assert_int_equal(a.type, 21);
	assert_int_equal(a.config, 0x07);
	assert_int_equal(pmu_sysfs_event_attr(ROOT, "amd_iommu_0", "mem_iommu_tlb_pde_mis", &a, &e),
			 0);
	assert_int_equal(a.config, 0x09);
	assert_int_equal(pmu_sysfs_event_attr(ROOT, "amd_iommu_0", "mem_trans_total", &a, &e), 0);
	assert_int_equal(a.config, 0x05);
}

static void listing_and_missing(void **state)
{
	(void)state;
	char names[4][PMU_NAME_MAX];
	assert_int_equal(pmu_sysfs_list(ROOT, "dmar", names, 4), 1);
	assert_string_equal(names[0], "dmar0");
	assert_int_equal(pmu_sysfs_list(ROOT, "amd_iommu", names, 4), 1);
	assert_int_equal(pmu_sysfs_list("/nonexistent", "dmar", names, 4), 0);
	struct perf_event_attr a;
	struct err e = {0};
	assert_int_equal(pmu_sysfs_event_attr(ROOT, "dmar0", "no_such_event", &a, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "no_such_event"));
	assert_int_equal(pmu_sysfs_event_attr(ROOT, "dmar7", "iotlb_hit", &a, &e), -ENOENT);
}

/* A fixture PMU whose type perf does not know: the counter is written as
 * "unsupported", never as 0. */
static void unsupported_is_never_zero(void **state)
{
	(void)state;
	setenv("IOTLB_SYSFS_ROOT", ROOT, 1);
	struct perf_set s;
	struct err e = {0};
	assert_int_equal(perf_set_open(&s, "dmar/iotlb_lookup,nosuch/iotlb_hit", NULL, &e), 0);
	assert_int_equal(s.n, 2);
	assert_false(s.c[1].supported);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	perf_set_begin(&s);
	perf_set_write(&s, "case-1", f);
	fclose(f);
	assert_non_null(strstr(buf, "case-1,pmu,iotlb_hit,unsupported,,"));
	if (!s.c[0].supported)
		assert_non_null(strstr(buf, "case-1,pmu,iotlb_lookup,unsupported,,"));
	free(buf);
	perf_set_close(&s);
	unsetenv("IOTLB_SYSFS_ROOT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dmar_iotlb_events),
	    cmocka_unit_test(amd_iommu_events),
	    cmocka_unit_test(listing_and_missing),
	    cmocka_unit_test(unsupported_is_never_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
