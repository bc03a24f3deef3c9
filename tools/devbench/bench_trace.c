/* What the default probe set costs per DMA ioctl on this CPU, natively:
 * N ioctls with the VFIO_IOMMU_MAP_DMA command on /dev/null (which answers
 * ENOTTY at once, so the system call itself is nearly all that is timed),
 * in rounds alternating probes off and on (`run --trace`'s default set, or
 * the set named on the command line). The difference per call is what the
 * probes add to every map and unmap: the raw_syscalls tracepoints' slow
 * path and the entry and exit programs. A second pass filters the probes to
 * another process (pid 1): the programs then return at their first check,
 * which leaves the fixed cost of having them attached at all. Runs anywhere
 * the tracer loads (the CI host included), unlike the map/unmap benchmarks,
 * which need VFIO.
 *
 * usage: bench-trace [PROBES]   (make bench-trace) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "bpf/probe_table.h"
#include "bpf/trace.h"
#include "tools/devbench/bench_prog.h"
#include "micro/measure/timer.h"

#define CALLS  200000
#define ROUNDS 5

static double per_call(int fd)
{
	struct vfio_iommu_type1_dma_map m = {.argsz = sizeof(m), .size = 4096};
	uint64_t t0 = timer_ticks();
	for (int i = 0; i < CALLS; i++)
		ioctl(fd, VFIO_IOMMU_MAP_DMA, &m);
	return (double)timer_ns(timer_ticks() - t0) / CALLS;
}

/* Rounds alternating off and on, the probes counting process `pid`; the
 * median difference per call into *added, the median off into *base. */
static int measure(int fd, const char *probes, pid_t pid, double *added, double *base)
{
	double off[ROUNDS], on[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		off[r] = per_call(fd);
		struct trace_opts o = {.probes = probes, .filter_pid = pid};
		struct trace *t;
		struct err e = {0};
		if (trace_open(&o, &t, &e)) {
			fprintf(stderr, "bench-trace: %s\n", e.msg);
			return 77;
		}
		if (r == 0 && pid == getpid())
			trace_report(t, stderr);
		if (trace_status(t, TR_IOCTL0)->state != TS_ATTACHED) {
			fprintf(stderr, "bench-trace: the ioctl probes did not attach: %s\n",
				trace_status(t, TR_IOCTL0)->why);
			trace_close(t);
			return 77;
		}
		trace_set_case(t, 0, "bench");
		on[r] = per_call(fd);
		trace_close(t);
	}
	*base = bench_median_double(off, ROUNDS);
	*added = bench_median_double(on, ROUNDS) - *base;
	return 0;
}

int main(int argc, char **argv)
{
	const char *probes = argc > 1 ? argv[1] : NULL;
	timer_init(false);
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0) {
		perror("bench-trace: /dev/null");
		return 1;
	}
	per_call(fd); /* warm-up */
	double own = 0, other = 0, base = 0;
	for (int pass = 0; pass < 2; pass++) {
		int rc = measure(fd, probes, pass ? 1 : getpid(), pass ? &other : &own, &base);
		if (rc)
			return rc;
	}
	printf("probes '%s', %d rounds of %d ioctl(VFIO_IOMMU_MAP_DMA) on /dev/null (ENOTTY), "
	       "medians: %.1f ns per call without probes; the probes add %.1f ns per DMA ioctl "
	       "(%.1f ns of it when they filter the call out at once: the cost of being "
	       "attached)\n",
	       probes ? probes : "default", ROUNDS, CALLS, base, own, other);
	close(fd);
	return 0;
}
