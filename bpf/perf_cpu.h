/* CPU performance events by name through libpfm4, which knows each core
 * PMU's event tables (perf itself only knows the generic PERF_TYPE_HARDWARE
 * set and whatever sysfs lists). */
#ifndef IOTLB_PERF_CPU_H
#define IOTLB_PERF_CPU_H

#include <linux/perf_event.h>

#include "driver/util/err.h"

/* The default CPU events for this machine's vendor, NULL-terminated:
 * page-walk events of the vendor's core PMU, then the generic perf::
 * events every libpfm4 build knows. */
const char *const *perf_cpu_defaults(void);

/* "intel", "amd" or "other" (CPUID vendor string). */
const char *perf_cpu_vendor(void);

/* Encodes `name` (e.g. "DTLB_LOAD_MISSES:WALK_COMPLETED", "perf::CYCLES")
 * into attr, counting user and kernel. Returns 0, or -ENOENT when libpfm4
 * does not know the event on this machine (e.msg has libpfm4's reason). */
int perf_cpu_encode(const char *name, struct perf_event_attr *attr, struct err *e);

#endif
