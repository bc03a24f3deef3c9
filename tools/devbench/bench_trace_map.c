/* Tracing overhead on real map/unmap, in one process: blocks of map+unmap
 * pairs of one 4 KiB buffer (by default) alternate between probes detached
 * and attached (ABBA order over the rounds, so drift and ordering hit both
 * alike). Each block gives its median map and unmap latency; the overhead
 * is the median over rounds of the paired difference (on - off), with the
 * range of the middle rounds as a rough interval. Opening the tracer (BTF,
 * loading, attaching) happens between blocks, outside the timed calls.
 * Comparing whole runs instead, as scripts/bench-trace.sh does, mixes in
 * the run-to-run spread of an emulated guest, which is larger than the
 * effect. Needs a device on vfio-pci: run it in the QEMU guest
 * (scripts/bench-trace-guest.sh) or on a real server.
 *
 * usage: bench-trace-map [--rounds R] [--ops N] [--page-size S]
 *                        vfio|iommufd BDF [PROBES] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/trace.h"
#include "driver/backend/real.h"
#include "driver/util/parse.h"
#include "tools/devbench/bench_prog.h"
#include "micro/measure/timer.h"

/* One block: n map+unmap pairs; median map and unmap latency in ns. */
static int block(struct backend *be, struct dma_buf *b, unsigned n, uint64_t *tm, uint64_t *tu,
		 double *map_ns, double *unmap_ns, struct err *e)
{
	for (unsigned i = 0; i < n; i++)
		if (bench_map_unmap(be, b, &tm[i], &tu[i], e))
			return -1;
	*map_ns = bench_median_u64(tm, n);
	*unmap_ns = bench_median_u64(tu, n);
	return 0;
}

static void report(const char *op, const double *off, const double *on, unsigned r)
{
	double d[256], a[256], c[256];
	for (unsigned i = 0; i < r; i++) {
		d[i] = on[i] - off[i];
		a[i] = off[i];
		c[i] = on[i];
	}
	qsort(d, r, sizeof(double), bench_cmp_double);
	qsort(a, r, sizeof(double), bench_cmp_double);
	qsort(c, r, sizeof(double), bench_cmp_double);
	double base = a[r / 2];
	unsigned q = r / 4;
	printf("  %-5s off %8.0f ns  on %8.0f ns  added %+7.0f ns = %+6.1f %%  (middle rounds "
	       "%+.0f..%+.0f ns)\n",
	       op, base, c[r / 2], d[r / 2], d[r / 2] * 100 / base, d[q], d[r - 1 - q]);
}

int main(int argc, char **argv)
{
	unsigned rounds = 12, ops = 1000;
	uint64_t page = 4096, v;
	struct err e = {0};
	int a = 1;
	for (; a < argc && argv[a][0] == '-'; a++) {
		if (a + 1 < argc && !strcmp(argv[a], "--rounds") &&
		    !parse_u64(argv[a + 1], 256, &v, &e) && v >= 2)
			rounds = (unsigned)v, a++;
		else if (a + 1 < argc && !strcmp(argv[a], "--ops") &&
			 !parse_u64(argv[a + 1], 1000000, &v, &e) && v >= 10)
			ops = (unsigned)v, a++;
		else if (a + 1 < argc && !strcmp(argv[a], "--page-size") &&
			 !parse_size(argv[a + 1], &page, &e))
			a++;
		else {
			fprintf(stderr, "usage: bench-trace-map [--rounds 2..256] [--ops N] "
					"[--page-size S] vfio|iommufd BDF [PROBES]\n");
			return 2;
		}
	}
	if (argc - a < 2 || argc - a > 3) {
		fprintf(stderr,
			"usage: bench-trace-map [--rounds 2..256] [--ops N] [--page-size S] "
			"vfio|iommufd BDF [PROBES]\n");
		return 2;
	}
	const char *name = argv[a], *probes = argc - a == 3 ? argv[a + 2] : NULL;
	timer_init(false);
	struct backend *be = NULL;
	struct dma_buf b = {0};
	uint64_t *tm = malloc(ops * sizeof(*tm)), *tu = malloc(ops * sizeof(*tu));
	double *off_m = calloc(rounds, sizeof(double)), *off_u = calloc(rounds, sizeof(double));
	double *on_m = calloc(rounds, sizeof(double)), *on_u = calloc(rounds, sizeof(double));
	if (!tm || !tu || !off_m || !off_u || !on_m || !on_u) {
		fprintf(stderr, "bench-trace-map: out of memory\n");
		return 1;
	}
	if (bench_prog_open(name, argv[a + 1], page, &be, &b, &e))
		goto fail;
	double wm, wu;
	if (block(be, &b, ops, tm, tu, &wm, &wu, &e)) /* warm-up */
		goto fail;
	for (unsigned r = 0; r < rounds; r++) {
		/* ABBA: off first in rounds 0, 3, 4, 7, ... */
		bool off_first = (r & 3) == 0 || (r & 3) == 3;
		for (int k = 0; k < 2; k++) {
			bool on = off_first ? k == 1 : k == 0;
			struct trace *t = NULL;
			if (on) {
				struct trace_opts o = {.probes = probes, .filter_pid = getpid()};
				if (trace_open(&o, &t, &e))
					goto fail;
				if (r == 0)
					trace_report(t, stderr);
				trace_set_case(t, 0, "bench");
			}
			int rc = block(be, &b, ops, tm, tu, on ? &on_m[r] : &off_m[r],
				       on ? &on_u[r] : &off_u[r], &e);
			trace_close(t);
			if (rc)
				goto fail;
		}
	}
	printf("%s, probes '%s', %u rounds of %u map+unmap pairs of %llu bytes each way\n", name,
	       probes ? probes : "default", rounds, ops, (unsigned long long)page);
	report("map", off_m, on_m, rounds);
	report("unmap", off_u, on_u, rounds);
	bench_prog_close(be, &b);
	return 0;
fail:
	fprintf(stderr, "bench-trace-map: %s\n", e.msg);
	bench_prog_close(be, &b);
	return 1;
}
