#include "bpf/perf_cpu.h"

#include <cpuid.h>
#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <string.h>

/* Intel: completed page walks caused by loads and stores (Skylake onwards;
 * older cores call the load walk MISS_CAUSES_A_WALK). AMD Zen: L1 DTLB
 * misses that also missed the L2 TLB (a walk), 4 KiB and 2 MiB. Zen 4 needs
 * the unit mask spelt out (libpfm4 4.13 has no default umask for it). */
static const char *const intel_defaults[] = {
    "DTLB_LOAD_MISSES:WALK_COMPLETED",
    "DTLB_STORE_MISSES:WALK_COMPLETED",
    "DTLB_LOAD_MISSES:MISS_CAUSES_A_WALK",
    "perf::CYCLES",
    "perf::INSTRUCTIONS",
    "perf::DTLB-LOAD-MISSES",
    NULL,
};

static const char *const amd_defaults[] = {
    "L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS",
    "L1_DTLB_MISS:TLB_RELOAD_2M_L2_MISS",
    "LS_L1_D_TLB_MISS:ALL",
    "perf::CYCLES",
    "perf::INSTRUCTIONS",
    "perf::DTLB-LOAD-MISSES",
    NULL,
};

static const char *const generic_defaults[] = {
    "perf::CYCLES",
    "perf::INSTRUCTIONS",
    "perf::DTLB-LOAD-MISSES",
    NULL,
};

const char *perf_cpu_vendor(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(0, &a, &b, &c, &d))
		return "other";
	char v[13];
	memcpy(v, &b, 4);
	memcpy(v + 4, &d, 4);
	memcpy(v + 8, &c, 4);
	v[12] = '\0';
	if (!strcmp(v, "GenuineIntel"))
		return "intel";
	if (!strcmp(v, "AuthenticAMD") || !strcmp(v, "HygonGenuine"))
		return "amd";
	return "other";
}

const char *const *perf_cpu_defaults(void)
{
	const char *v = perf_cpu_vendor();
	if (!strcmp(v, "intel"))
		return intel_defaults;
	if (!strcmp(v, "amd"))
		return amd_defaults;
	return generic_defaults;
}

int perf_cpu_encode(const char *name, struct perf_event_attr *attr, struct err *e)
{
	static int init_rc = -1;
	if (init_rc < 0)
		init_rc = pfm_initialize();
	if (init_rc != PFM_SUCCESS)
		return err_set(e, ENOSYS, "libpfm4 failed to initialise: %s",
			       pfm_strerror(init_rc));
	memset(attr, 0, sizeof(*attr));
	pfm_perf_encode_arg_t arg;
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	/* PLM0|PLM3: kernel and user, so work the IOMMU driver does on our
	 * behalf (map/unmap ioctls) is counted too. */
	int rc = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (rc != PFM_SUCCESS)
		return err_set(e, ENOENT, "libpfm4 cannot encode %s on this CPU: %s", name,
			       pfm_strerror(rc));
	attr->size = sizeof(*attr);
	return 0;
}
