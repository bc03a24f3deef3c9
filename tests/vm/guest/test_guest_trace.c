/* Kernel probes on real VFIO and IOMMUFD mappings, inside the test guest
 * (tests/vm/README.md: kprobes, fprobes, BPF and BTF built in, an emulated
 * VT-d). For each backend: N map+unmap pairs of 4 KiB; the iommu:map
 * tracepoint must count exactly one call per map (VFIO and IOMMUFD map a
 * contiguous 4 KiB range with one iommu_map), and the function probes that
 * attached must report non-zero durations. IOTLB_BDF names the device. */
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/probe_table.h"
#include "bpf/trace.h"
#include "tests/helpers.h"

#define N 200

/* What a test has open, closed by teardown even when an assertion ended
 * the test early: a backend left open would hold the device and fail every
 * test after it. */
static struct {
	struct trace *t;
	struct backend *be;
	struct dma_buf buf;
	bool have_buf;
	char *out, *hist;
} g;

static int teardown(void **state)
{
	(void)state;
	if (g.have_buf)
		backend_mem_free(g.be, &g.buf);
	if (g.be)
		backend_close(g.be);
	if (g.t)
		trace_close(g.t);
	free(g.out);
	free(g.hist);
	memset(&g, 0, sizeof(g));
	return 0;
}

/* probes: the set to open; top_map/top_unmap: the default set's top-level
 * probes for this backend, whose call counts must equal the operations. */
static void run_backend(const char *name, const char *probes, const char *top_map,
			const char *top_unmap)
{
	const char *bdf = getenv("IOTLB_BDF");
	if (!bdf || strcmp(getenv("IOTLB_MODE") ? getenv("IOTLB_MODE") : "", "iommu")) {
		printf("skip: needs the guest in iommu mode (IOTLB_MODE=iommu, IOTLB_BDF)\n");
		skip();
	}
	struct trace_opts o = {.probes = probes, .filter_pid = getpid()};
	struct err e = {0};
	if (trace_open(&o, &g.t, &e))
		fail_msg("%s", e.msg);
	struct trace *t = g.t;
	trace_report(t, stdout);
	struct backend_cfg cfg = {.device = bdf};
	if (backend_open(name, &cfg, &g.be, &e))
		fail_msg("%s", e.msg);
	struct backend *be = g.be;
	struct dma_buf *buf = &g.buf;
	assert_ok(backend_mem_alloc(be, 4096, 4096, buf, &e), &e);
	g.have_buf = true;
	trace_set_case(t, 1, name);
	for (int i = 0; i < N; i++) {
		assert_ok(backend_map(be, buf, DMA_PROT_READ | DMA_PROT_WRITE, &e), &e);
		assert_ok(backend_unmap(be, buf, &e), &e);
	}
	trace_set_case(t, 2, "after");
	size_t len = 0, hlen = 0;
	FILE *m = open_memstream(&g.out, &len), *h = open_memstream(&g.hist, &hlen);
	assert_int_equal(trace_write_case(t, 1, h, m, NULL, &e), 0);
	fclose(m);
	fclose(h);
	const char *out = g.out, *hist = g.hist;
	printf("%s", out);
	assert_int_equal(trace_status(t, TR_TP_MAP)->state, TS_ATTACHED);
	assert_int_equal(trace_calls_field(out, "iommu:map", 0), N);
	assert_int_equal(trace_calls_field(out, "iommu:map", 1), (long long)N * 4096);
	/* The top-level probes (the ioctl probes, and vfio:map_dma, which
	 * filters the container's ioctl handler by command) see each
	 * operation once. */
	const struct probe_def *tm = probe_by_name(top_map), *tu = probe_by_name(top_unmap);
	assert_non_null(tm);
	assert_non_null(tu);
	assert_int_equal(trace_status(t, tm->id)->state, TS_ATTACHED);
	assert_int_equal(trace_status(t, tu->id)->state, TS_ATTACHED);
	assert_int_equal(trace_calls_field(out, top_map, 0), N);
	assert_int_equal(trace_calls_field(out, top_unmap, 0), N);
	/* Every exit found its entry: nothing here shares a thread slot, and
	 * a probe filtered by command (vfio:map_dma and vfio:unmap_dma on the
	 * same handler) must not take the other command's calls for lost
	 * timings. */
	assert_int_equal(trace_timing_lost(t), 0);
	for (unsigned i = 0; i < probe_ndefs; i++) {
		const struct probe_def *d = &probe_defs[i];
		if ((d->kind != PK_FUNCTION && d->kind != PK_IOCTL) ||
		    trace_status(t, d->id)->state != TS_ATTACHED ||
		    trace_calls_field(out, d->name, 0) <= 0)
			continue;
		/* A function that ran has histogram rows, none of them [0, 1). */
		char pat[96];
		snprintf(pat, sizeof(pat), ",%s,", d->name);
		assert_non_null(strstr(hist, pat));
		snprintf(pat, sizeof(pat), ",%s,0,1,", d->name);
		assert_null(strstr(hist, pat));
	}
}

static void vfio_probes(void **state)
{
	(void)state;
	run_backend("vfio", "kernel", "vfio:map_dma", "vfio:unmap_dma");
}

static void iommufd_probes(void **state)
{
	(void)state;
	run_backend("iommufd", "kernel", "iommufd_ioas_map", "iommufd_ioas_unmap");
}

/* The default set (what `run --trace` takes): the same counts. */
static void vfio_default_set(void **state)
{
	(void)state;
	run_backend("vfio", NULL, "ioctl:VFIO_IOMMU_MAP_DMA", "ioctl:VFIO_IOMMU_UNMAP_DMA");
}

static void iommufd_default_set(void **state)
{
	(void)state;
	run_backend("iommufd", NULL, "ioctl:IOMMU_IOAS_MAP", "ioctl:IOMMU_IOAS_UNMAP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(vfio_probes, teardown),
	    cmocka_unit_test_teardown(iommufd_probes, teardown),
	    cmocka_unit_test_teardown(vfio_default_set, teardown),
	    cmocka_unit_test_teardown(iommufd_default_set, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
