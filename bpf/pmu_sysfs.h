/* Dynamic perf PMUs described in sysfs (Documentation/ABI/testing/
 * sysfs-bus-event_source-devices-format and -events): each PMU directory
 * under <root>/bus/event_source/devices/ holds `type` (perf_event_attr.type),
 * `cpumask` (the CPUs its system-wide counters must be opened on), `format/`
 * (term -> bit field, "config:0-7", "config1:0-15", "config:3") and
 * `events/` (name -> terms, "event=0x2,event_group=0x3"). The IOMMU PMUs
 * (Intel dmarN, drivers/iommu/intel/perfmon.c; AMD amd_iommu_N,
 * arch/x86/events/amd/iommu.c) are known to perf only this way: libpfm4 has
 * no tables for them. */
#ifndef IOTLB_PMU_SYSFS_H
#define IOTLB_PMU_SYSFS_H

#include <linux/perf_event.h>
#include <stddef.h>

#include "driver/util/err.h"

#define PMU_NAME_MAX 64

/* The sysfs root: $IOTLB_SYSFS_ROOT when set (tests point it at fixtures),
 * else "/sys". */
const char *pmu_sysfs_root(void);

/* PMU directory names starting with `prefix` ("dmar", "amd_iommu_"),
 * sorted; returns how many (at most max), 0 when none or no sysfs. */
int pmu_sysfs_list(const char *root, const char *prefix, char names[][PMU_NAME_MAX], int max);

/* First CPU of the PMU's cpumask ("0", "0-3", "2,5"), or 0 when the PMU has
 * no cpumask file. Negative errno on a malformed file. */
int pmu_sysfs_cpu(const char *root, const char *pmu, struct err *e);

/* Fills attr (type, config, config1, config2; size) for `event` of `pmu`.
 * Returns 0, or -ENOENT when the PMU or event does not exist, -EINVAL for
 * a term or format the parser does not understand. */
int pmu_sysfs_event_attr(const char *root, const char *pmu, const char *event,
			 struct perf_event_attr *attr, struct err *e);

/* The same for an event the kernel does not name in events/ (the Intel
 * uncore IIO IOMMU events, bpf/uncore_iio.h): `terms` is
 * "event=0x40,umask=0x20", each term placed where format/<term> says. */
int pmu_sysfs_terms_attr(const char *root, const char *pmu, const char *terms,
			 struct perf_event_attr *attr, struct err *e);

/* Whether the PMU declares format/<term>. */
int pmu_sysfs_has_format(const char *root, const char *pmu, const char *term);

/* A small file of the PMU's directory ("cpumask", "die0") without the
 * trailing newline; 0 or -errno. */
int pmu_sysfs_read(const char *root, const char *pmu, const char *file, char *buf, size_t len);

#endif
