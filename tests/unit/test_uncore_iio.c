/* The Intel uncore IIO IOMMU events (bpf/uncore_iio.h) against fake sysfs
 * trees: uncore_iio_0..5 with the format strings of arch/x86/events/intel/
 * uncore_snbep.c (event config:0-7, umask config:8-15; ch_mask/fc_mask
 * config:36-43/44-46 on SKX, 36-47/48-50 on ICX and SPR), dieN mapping
 * files as skx_iio_mapping_show prints them ("%04x:%02x") and a fake
 * cpuinfo. perf_event_open cannot succeed here (no uncore PMU): the tests
 * stop at the perf_event_attr, which is what the kernel is handed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/perf_set.h"
#include "bpf/uncore_iio.h"
#include "tests/unit/sysfs_fixture.h"

static struct iio_plan plan;

static void cpuinfo(struct fx *f, const char *vendor, unsigned model, unsigned stepping)
{
	char s[512];
	/* Two processors: the model is read from the first. */
	snprintf(s, sizeof(s),
		 "processor\t: 0\nvendor_id\t: %s\ncpu family\t: 6\nmodel\t\t: %u\n"
		 "model name\t: Fake Xeon\nstepping\t: %u\n\nprocessor\t: 1\nvendor_id\t: %s\n"
		 "cpu family\t: 6\nmodel\t\t: 1\nstepping\t: 0\n",
		 vendor, model, stepping, vendor);
	fx_file(f, "/cpuinfo", s);
}

static const char *cpuinfo_path(struct fx *f)
{
	static char p[300];
	snprintf(p, sizeof(p), "%s/cpuinfo", f->root);
	return p;
}

struct formats {
	const char *event, *umask, *ch_mask, *fc_mask;
};

static const struct formats skx_fmt = {"config:0-7", "config:8-15", "config:36-43", "config:44-46"};
static const struct formats icx_fmt = {"config:0-7", "config:8-15", "config:36-47", "config:48-50"};

static void pmu(struct fx *f, const char *name, int type, const char *cpumask,
		const struct formats *fm)
{
	char rel[200], v[32];
	snprintf(rel, sizeof(rel), "/bus/event_source/devices/%s/type", name);
	snprintf(v, sizeof(v), "%d\n", type);
	fx_file(f, rel, v);
	snprintf(rel, sizeof(rel), "/bus/event_source/devices/%s/cpumask", name);
	snprintf(v, sizeof(v), "%s\n", cpumask);
	fx_file(f, rel, v);
	const char *terms[] = {"event", "umask", "ch_mask", "fc_mask"};
	const char *vals[] = {fm->event, fm->umask, fm->ch_mask, fm->fc_mask};
	for (int i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "/bus/event_source/devices/%s/format/%s", name,
			 terms[i]);
		snprintf(v, sizeof(v), "%s\n", vals[i]);
		fx_file(f, rel, v);
	}
	fx_file(f, "/bus/event_source/devices/uncore_iio_free_running_0/type", "40\n");
}

static void die_map(struct fx *f, int stack, int die, const char *segbus)
{
	char rel[200], v[32];
	snprintf(rel, sizeof(rel), "/bus/event_source/devices/uncore_iio_%d/die%d", stack, die);
	snprintf(v, sizeof(v), "%s\n", segbus);
	fx_file(f, rel, v);
}

/* Six stacks on two dies, listed out of bus order as on real machines. */
static void six_stacks(struct fx *f, const struct formats *fm, int mapped)
{
	static const char *die0[] = {"0000:00", "0000:4a", "0000:16",
				     "0000:64", "0000:30", "0000:7e"};
	static const char *die1[] = {"0000:80", "0000:c9", "0000:97",
				     "0000:e2", "0000:b0", "0000:fa"};
	for (int i = 0; i < 6; i++) {
		char name[32];
		snprintf(name, sizeof(name), "uncore_iio_%d", i);
		pmu(f, name, 50 + i, "0,28", fm);
		if (mapped) {
			die_map(f, i, 0, die0[i]);
			die_map(f, i, 1, die1[i]);
		}
	}
}

/* value placed by a single-range "config:lo-hi" format, computed from the
 * string the fixture wrote. */
static uint64_t place(const char *fmt, uint64_t val)
{
	int lo = 0, hi = 0;
	assert_int_equal(sscanf(fmt, "config:%d-%d", &lo, &hi), 2);
	assert_true(val < (1ull << (hi - lo + 1)));
	return val << lo;
}

static void skx_and_clx_have_no_iommu_events(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	six_stacks(&f, &skx_fmt, 1);
	struct err e = {0};
	cpuinfo(&f, "GenuineIntel", 0x55, 4);
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:17:00.0", &plan, &e),
	    -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "Skylake-SP"));
	assert_non_null(strstr(e.msg, "no IIO IOMMU events"));
	cpuinfo(&f, "GenuineIntel", 0x55, 7);
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:17:00.0", &plan, &e),
	    -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "Cascade Lake"));
	fx_fini(&f);
}

static void icx_picks_the_stack_of_the_device(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	six_stacks(&f, &icx_fmt, 1);
	cpuinfo(&f, "GenuineIntel", 0x6a, 6);
	struct err e = {0};
	/* No sysfs link for the device: the highest root bus below its bus
	 * (0x30, uncore_iio_4 on die 0). */
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:31:00.0", &plan, &e), 0);
	assert_int_equal(plan.n, 1);
	assert_string_equal(plan.u[0].pmu, "uncore_iio_4");
	assert_int_equal(plan.u[0].cpu, 0);
	assert_string_equal(plan.event, "iotlb_miss");
	assert_int_equal(plan.u[0].attr.type, 54);
	assert_int_equal(plan.u[0].attr.config,
			 place(icx_fmt.event, 0x40) | place(icx_fmt.umask, 0x20));
	assert_int_equal(plan.u[0].attr.config1, 0);
	/* A device on die 1 counts on die 1's CPU from the cpumask. */
	assert_int_equal(iio_plan(f.root, cpuinfo_path(&f), "UNC_IIO_IOMMU0.FIRST_LOOKUPS",
				  "0000:cb:00.0", &plan, &e),
			 0);
	assert_string_equal(plan.u[0].pmu, "uncore_iio_1");
	assert_int_equal(plan.u[0].cpu, 28);
	assert_string_equal(plan.event, "iotlb_lookup");
	assert_int_equal(plan.u[0].attr.config,
			 place(icx_fmt.event, 0x40) | place(icx_fmt.umask, 0x01));
	/* The sysfs link names the host bridge, which wins over bus order. */
	fx_link(&f, "/bus/pci/devices/0000:50:00.0",
		"../../../devices/pci0000:30/0000:30:02.0/0000:50:00.0");
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:50:00.0", &plan, &e), 0);
	assert_string_equal(plan.u[0].pmu, "uncore_iio_4");
	assert_non_null(strstr(plan.note, "host bridge"));
	/* ICX-only event with no metric name keeps Intel's name. */
	assert_int_equal(iio_plan(f.root, cpuinfo_path(&f), "unc_iio_iommu0.all_lookups",
				  "0000:50:00.0", &plan, &e),
			 0);
	assert_string_equal(plan.event, "UNC_IIO_IOMMU0.ALL_LOOKUPS");
	fx_fini(&f);
}

static void spr_without_mapping_sums_all_stacks(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	six_stacks(&f, &icx_fmt, 0);
	cpuinfo(&f, "GenuineIntel", 0x8f, 8);
	struct err e = {0};
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:17:00.0", &plan, &e), 0);
	assert_int_equal(plan.n, 12); /* 6 stacks x 2 dies */
	assert_non_null(strstr(plan.note, "summed"));
	assert_non_null(strstr(plan.note, "dieN"));
	assert_string_equal(plan.gen, "sapphirerapids");
	for (int i = 0; i < plan.n; i++)
		assert_int_equal(plan.u[i].attr.config,
				 place(icx_fmt.event, 0x40) | place(icx_fmt.umask, 0x20));
	assert_int_equal(plan.u[0].cpu, 0);
	assert_int_equal(plan.u[1].cpu, 28);
	/* ALL_LOOKUPS is an Ice Lake event only. */
	assert_int_equal(iio_plan(f.root, cpuinfo_path(&f), "UNC_IIO_IOMMU0.ALL_LOOKUPS",
				  "0000:17:00.0", &plan, &e),
			 -ENOENT);
	assert_non_null(strstr(e.msg, "UNC_IIO_IOMMU0.FIRST_LOOKUPS"));
	/* No device (emulated controller): summed, and said why. */
	assert_int_equal(iio_plan(f.root, cpuinfo_path(&f), "iotlb_lookup", NULL, &plan, &e), 0);
	assert_non_null(strstr(plan.note, "no PCI device"));
	fx_fini(&f);
}

/* The umask lands where format/umask says, also split over two ranges
 * (perf scatters low bits first): the table holds numbers, not configs. */
static void format_files_decide_the_bits(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	const struct formats odd = {"config:0-7", "config:8-11,32-35", "config:36-47",
				    "config:48-50"};
	six_stacks(&f, &odd, 1);
	cpuinfo(&f, "GenuineIntel", 0xcf, 2);
	struct err e = {0};
	assert_int_equal(iio_plan(f.root, cpuinfo_path(&f), "UNC_IIO_IOMMU1.NUM_MEM_ACCESSES",
				  "0000:17:00.0", &plan, &e),
			 0);
	assert_string_equal(plan.u[0].pmu, "uncore_iio_2");
	uint64_t umask = 0xc0;
	assert_int_equal(plan.u[0].attr.config, 0x41 | ((umask & 0xf) << 8) | ((umask >> 4) << 32));
	/* A PMU without format/umask is not encoded by guesswork. */
	char p[400];
	for (int i = 0; i < 6; i++) {
		snprintf(p, sizeof(p), "%s/bus/event_source/devices/uncore_iio_%d/format/umask",
			 f.root, i);
		unlink(p);
	}
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:17:00.0", &plan, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "format/umask"));
	fx_fini(&f);
}

static void unknown_cpu_is_unsupported(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	six_stacks(&f, &icx_fmt, 1);
	struct err e = {0};
	cpuinfo(&f, "GenuineIntel", 0x3f, 2); /* Haswell-EP */
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:17:00.0", &plan, &e),
	    -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "model 0x3f"));
	assert_non_null(strstr(e.msg, "not in"));
	cpuinfo(&f, "AuthenticAMD", 0x6a, 0);
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:17:00.0", &plan, &e),
	    -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "AuthenticAMD"));
	fx_file(&f, "/cpuinfo", "processor\t: 0\n");
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:17:00.0", &plan, &e),
	    -EOPNOTSUPP);
	fx_fini(&f);
	/* A known CPU but no IIO PMU at all (a VM). */
	fx_init(&f);
	cpuinfo(&f, "GenuineIntel", 0x6a, 6);
	assert_int_equal(
	    iio_plan(f.root, cpuinfo_path(&f), "iotlb_miss", "0000:17:00.0", &plan, &e),
	    -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "no uncore_iio_N PMU"));
	fx_fini(&f);
}

/* Through the counter set: the fixture's PMU types mean nothing to this
 * kernel, so the counter is `unsupported` (with the reason), under the
 * metric name the analysis reads, and never 0. */
static void counter_set_writes_unsupported_with_reason(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	six_stacks(&f, &icx_fmt, 1);
	cpuinfo(&f, "GenuineIntel", 0x3f, 2);
	setenv("IOTLB_SYSFS_ROOT", f.root, 1);
	setenv("IOTLB_CPUINFO", cpuinfo_path(&f), 1);
	static struct perf_set s;
	struct err e = {0};
	assert_int_equal(perf_set_open(&s, "uncore_iio/iotlb_miss", "0000:17:00.0", &e), 0);
	assert_false(s.c[0].supported);
	assert_non_null(strstr(s.c[0].why, "model 0x3f"));
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	perf_set_begin(&s);
	perf_set_write(&s, "case-1", out);
	perf_set_report(&s, out);
	fclose(out);
	assert_non_null(strstr(buf, "case-1,pmu,iotlb_miss,unsupported,,"));
	free(buf);
	perf_set_close(&s);
	unsetenv("IOTLB_SYSFS_ROOT");
	unsetenv("IOTLB_CPUINFO");
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(skx_and_clx_have_no_iommu_events),
	    cmocka_unit_test(icx_picks_the_stack_of_the_device),
	    cmocka_unit_test(spr_without_mapping_sums_all_stacks),
	    cmocka_unit_test(format_files_decide_the_bits),
	    cmocka_unit_test(unknown_cpu_is_unsupported),
	    cmocka_unit_test(counter_set_writes_unsupported_with_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
