/* The IOMMU events of Intel's uncore IIO PMUs (one `uncore_iio_N` PMU per
 * IIO stack, arch/x86/events/intel/uncore_snbep.c). The kernel names none
 * of them in sysfs events/ and libpfm4 4.13 has no IIO IOMMU tables, so
 * iotlbench keeps its own: CPU generation -> event name -> event code and
 * umask, from Intel's published uncore event lists as the Linux kernel
 * carries them (tools/perf/pmu-events/arch/x86/<gen>/uncore-io.json). The
 * bits go where the PMU's format/ files say.
 *
 * Counters are per stack and per die: the stack that hosts the device is
 * found through the PMU's dieN files (segment:root bus, SKX/ICX kernels);
 * without them every stack on every die is summed and the plan says so. */
#ifndef IOTLB_UNCORE_IIO_H
#define IOTLB_UNCORE_IIO_H

#include <linux/perf_event.h>

#include "bpf/pmu_sysfs.h"
#include "driver/util/err.h"

#define IIO_PREFIX    "uncore_iio"
#define IIO_UNITS_MAX 64

struct iio_unit {
	char pmu[PMU_NAME_MAX];
	int cpu; /* the die's CPU from the PMU's cpumask */
	struct perf_event_attr attr;
};

/* What to open for one event. */
struct iio_plan {
	char event[48]; /* the counters.csv name: iotlb_miss, iotlb_lookup or Intel's */
	char gen[24];	/* icelakex, sapphirerapids, ... */
	char note[320]; /* which stack and die, or why all stacks are summed */
	int n;
	struct iio_unit u[IIO_UNITS_MAX];
};

/* The cpuinfo file iotlbench reads the CPU model from: $IOTLB_CPUINFO when
 * set (tests), else /proc/cpuinfo. */
const char *iio_cpuinfo_path(void);

/* Plans `event` ("iotlb_miss", "UNC_IIO_IOMMU0.MISSES", any case) for the
 * device `bdf` ("0000:17:00.0"; NULL: no PCI device, all stacks summed).
 * Returns 0, or -EOPNOTSUPP (CPU model without IIO IOMMU events, no
 * uncore_iio PMU), -ENOENT (event unknown for the generation), -EINVAL (a
 * format the PMU lacks or does not fit): e.msg is the reason written
 * beside `unsupported`. */
int iio_plan(const char *root, const char *cpuinfo, const char *event, const char *bdf,
	     struct iio_plan *p, struct err *e);

#endif
