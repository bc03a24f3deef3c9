#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "driver/util/hostfs.h"
#include "driver/host/sysinfo.h"
#include "micro/cli/cmd.h"
#include "micro/cli/opts.h"

static void print_limit(const char *name, uint64_t v)
{
	if (v == UINT64_MAX)
		printf("%s unlimited", name);
	else
		printf("%s %llu KiB", name, (unsigned long long)v >> 10);
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

/* iotlbench info [--root DIR]: what the host offers the real backends. */
int cmd_info(int argc, char **argv)
{
	int rc = cli_root_opts(
	    argc, argv, "info",
	    "What the host offers the real backends: IOMMU, hugepage pools, limits, privileges.");
	if (rc >= 0)
		return rc;
	struct sysinfo s;
	struct err e = {0};
	if (sysinfo_probe(&s, &e)) {
		fprintf(stderr, "iotlbench info: %s\n", e.msg);
		return 1;
	}
	printf("kernel            %s\n", s.kernel);
	if (s.iommu)
		printf("iommu             yes, %s (%s)\n", s.iommu_type, s.iommu_units);
	else
		printf("iommu             no (nothing in /sys/class/iommu)\n");
	printf("iommu mode        %s (%s)\n", s.mode, s.mode_source);
	printf("iommu groups      %d\n", s.groups);
	printf("hugepage pools   ");
	if (!s.npools)
		printf(" none");
	for (int i = 0; i < s.npools; i++) {
		uint64_t kb = s.pools[i].size_kb;
		printf(" %llu%s %llu free of %llu%s",
		       (unsigned long long)(kb >= 1048576 ? kb >> 20 : kb >> 10),
		       kb >= 1048576 ? "G:" : "M:", (unsigned long long)s.pools[i].free,
		       (unsigned long long)s.pools[i].total, i + 1 < s.npools ? ";" : "");
	}
	printf("\n");
	printf("memlock           ");
	print_limit("soft", s.memlock_cur);
	print_limit(", hard", s.memlock_max);
	printf("%s\n", s.cap_ipc_lock ? " (CAP_IPC_LOCK: not enforced)" : "");
	printf("privileges        euid %ld, CAP_SYS_ADMIN %s, CAP_IPC_LOCK %s\n", s.euid,
	       yes(s.cap_sys_admin), yes(s.cap_ipc_lock));
	printf("bpf               CAP_BPF %s, unprivileged_bpf_disabled ", yes(s.cap_bpf));
	if (s.unpriv_bpf_disabled == INT32_MIN)
		printf("unreadable\n");
	else
		printf("%d\n", s.unpriv_bpf_disabled);
	printf("perf              CAP_PERFMON %s, perf_event_paranoid ", yes(s.cap_perfmon));
	if (s.perf_paranoid == INT32_MIN)
		printf("unreadable\n");
	else
		printf("%d\n", s.perf_paranoid);
	printf("/dev/vfio/vfio    %s\n", s.dev_vfio ? "present" : "absent");
	printf("/dev/iommu        %s\n", s.dev_iommu ? "present" : "absent");
	/* The kernel backend's I/O path: io_uring_disabled 0 = on, 1 = only
	 * for root and kernel.io_uring_group, 2 = off (Documentation/
	 * admin-guide/sysctl/kernel.rst); absent before Linux 6.6. */
	char v[16];
	if (hostfs_read("/proc/sys/kernel/io_uring_disabled", v, sizeof(v)) > 0)
		printf("io_uring          kernel.io_uring_disabled %s\n", v);
	else
		printf("io_uring          no kernel.io_uring_disabled sysctl (enabled if built)\n");
	return 0;
}
