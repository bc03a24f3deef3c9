/* Privileges and limits a BPF tracer needs, checked up front so the error
 * names the cause instead of a bare EPERM from bpf(2). */
#ifndef IOTLB_PRIVS_H
#define IOTLB_PRIVS_H

#include "driver/util/err.h"

/* Fails unless the process has CAP_BPF and CAP_PERFMON (kernel 5.8+,
 * include/uapi/linux/capability.h) or CAP_SYS_ADMIN. */
int privs_check(struct err *e);
/* Raises RLIMIT_MEMLOCK to unlimited: kernels before 5.11 charge BPF maps
 * to it and libbpf 1.1 does not raise it itself. Returns 0, or fills e
 * (the caller decides whether to go on). */
int privs_raise_memlock(struct err *e);

#endif
