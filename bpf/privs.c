#include "bpf/privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

int privs_check(struct err *e)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return err_set(e, errno, "capget failed: %s", strerror(errno));
	if (has_cap(d, CAP_SYS_ADMIN) || (has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON)))
		return 0;
	return err_set(e, EPERM,
		       "tracing needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root, or "
		       "sudo setcap cap_bpf,cap_perfmon+ep bin/iotlbench");
}

/* Since 5.11 BPF maps are charged to the memory cgroup, not to
 * RLIMIT_MEMLOCK (commit 97306be45fbe), so the limit only matters before. */
static bool kernel_before_5_11(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;
	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return true;
	return major < 5 || (major == 5 && minor < 11);
}

int privs_raise_memlock(struct err *e)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	if (setrlimit(RLIMIT_MEMLOCK, &r) == 0)
		return 0;
	int err = errno;
	if (!kernel_before_5_11())
		return 0;
	struct rlimit cur;
	getrlimit(RLIMIT_MEMLOCK, &cur);
	/* Root without CAP_SYS_RESOURCE (a container) cannot raise the hard
	 * limit either: the fix is outside the process. */
	const char *fix = geteuid() == 0
			      ? "running as root without CAP_SYS_RESOURCE (a container?): raise "
				"the hard limit where the process starts (ulimit -l unlimited in "
				"its parent, docker --ulimit memlock=-1, LimitMEMLOCK=infinity)"
			      : "run as root, or raise it (ulimit -l unlimited, or "
				"LimitMEMLOCK=infinity for a service)";
	return err_set(e, err,
		       "could not raise RLIMIT_MEMLOCK (now %llu KiB): %s; BPF maps may fail to "
		       "load on this kernel (before 5.11): %s",
		       (unsigned long long)(cur.rlim_cur == RLIM_INFINITY ? 0 : cur.rlim_cur >> 10),
		       strerror(err), fix);
}
