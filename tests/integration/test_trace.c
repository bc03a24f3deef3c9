/* The tracer on this host: USDT probe counts against the driver operations
 * the test itself performs (the probes are in this test binary, linked from
 * the driver library), the iommu tracepoints attach, the attach report is
 * honest about function probes, and libpfm4 encodes the default list.
 * Without CAP_BPF/CAP_PERFMON (or root) each test says why and skips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <stdbool.h>

#include "driver/host/uapi/iommufd_abi.h"
#include "bpf/perf_cpu.h"
#include "bpf/privs.h"
#include "bpf/probe_table.h"
#include "bpf/trace.h"
/* The skeleton, for the programs' fds: the attribution test runs them. */
#include "bpf/trace_internal.h"
#include "driver/util/array.h"
#include "tests/helpers.h"

/* With the privileges there, only a kernel that forbids BPF outright
 * (lockdown, seccomp: EPERM) is a reason to skip; any other load failure,
 * a verifier rejection (EACCES) above all, is a bug in the programs. */
static void open_checked(const struct trace_opts *o, struct trace **t, struct err *e)
{
	int rc = trace_open(o, t, e);
	if (rc == -EPERM) {
		printf("skip: the kernel forbids BPF here: %s\n", e->msg);
		skip();
	}
	if (rc)
		fail_msg("the tracer did not load: %s (IOTLB_BPF_DEBUG=1 shows the verifier log)",
			 e->msg);
}

static struct trace *open_or_skip(const char *probes)
{
	struct err e = {0};
	if (privs_check(&e)) {
		printf("skip: %s\n", e.msg);
		skip();
	}
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	struct trace_opts o = {.probes = probes, .usdt_pid = getpid(), .usdt_binary = exe};
	struct trace *t = NULL;
	open_checked(&o, &t, &e);
	return t;
}

/* The DMA ioctl probes time every VFIO_IOMMU_MAP_DMA .. IOMMU_IOAS_UNMAP the
 * process issues, whatever the fd: here /dev/null, which answers ENOTTY, so
 * each call counts as failed; the length comes from the argument struct, and
 * other commands are not counted. */
static void ioctl_probes_count_calls(void **state)
{
	(void)state;
	struct err e = {0};
	if (privs_check(&e)) {
		printf("skip: %s\n", e.msg);
		skip();
	}
	struct trace_opts o = {.probes = "ioctls", .filter_pid = getpid()};
	struct trace *t = NULL;
	open_checked(&o, &t, &e);
	trace_report(t, stdout);
	const struct trace_status *st = trace_status(t, TR_IOCTL0);
	if (st->state != TS_ATTACHED) {
		printf("skip: ioctl probes not attached: %s\n", st->why);
		trace_close(t);
		skip();
	}
	int fd = open("/dev/null", O_RDWR);
	assert_true(fd >= 0);
	trace_set_case(t, 5, "ioctls");
	struct vfio_iommu_type1_dma_map m = {.argsz = sizeof(m), .size = 8192};
	struct iommu_ioas_unmap u = {.size = sizeof(u), .length = 12288};
	for (int i = 0; i < 50; i++) {
		assert_int_equal(ioctl(fd, VFIO_IOMMU_MAP_DMA, &m), -1);
		assert_int_equal(errno, ENOTTY);
	}
	for (int i = 0; i < 30; i++)
		assert_int_equal(ioctl(fd, IOMMU_IOAS_UNMAP, &u), -1);
	int avail;
	for (int i = 0; i < 20; i++)
		ioctl(fd, FIONREAD, &avail);
	close(fd);
	char *out = NULL, *hist = NULL;
	size_t len = 0, hlen = 0;
	FILE *c = open_memstream(&out, &len), *h = open_memstream(&hist, &hlen);
	assert_int_equal(trace_write_case(t, 5, h, c, NULL, &e), 0);
	fclose(c);
	fclose(h);
	printf("%s", out);
	assert_int_equal(trace_calls_field(out, "ioctl:VFIO_IOMMU_MAP_DMA", 0), 50);
	assert_int_equal(trace_calls_field(out, "ioctl:VFIO_IOMMU_MAP_DMA", 1), 50 * 8192);
	assert_int_equal(trace_calls_field(out, "ioctl:VFIO_IOMMU_MAP_DMA", 2), 50);
	assert_int_equal(trace_calls_field(out, "ioctl:IOMMU_IOAS_UNMAP", 0), 30);
	assert_int_equal(trace_calls_field(out, "ioctl:IOMMU_IOAS_UNMAP", 1), 30 * 12288);
	assert_int_equal(trace_calls_field(out, "ioctl:VFIO_IOMMU_UNMAP_DMA", 0), 0);
	assert_int_equal(trace_calls_field(out, "ioctl:IOMMU_IOAS_MAP", 0), 0);
	/* Timed: histogram rows, none in [0, 1) ns. */
	assert_non_null(strstr(hist, ",ioctl:VFIO_IOMMU_MAP_DMA,"));
	assert_null(strstr(hist, ",ioctl:VFIO_IOMMU_MAP_DMA,0,1,"));
	free(out);
	free(hist);
	trace_close(t);
}

static void usdt_counts_match_driver_ops(void **state)
{
	(void)state;
	struct trace *t = open_or_skip("usdt");
	const struct trace_status *st = trace_status(t, TR_USDT_MAP);
	if (st->state != TS_ATTACHED) {
		printf("skip: USDT not attached: %s\n", st->why);
		trace_close(t);
		skip();
	}
	struct fixture f;
	fixture_open(&f, NULL, NULL);
	/* Bring-up and queue creation map rings and run admin commands: they
	 * stay in case 0. */
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 16, &q, &f.e), &f.e);
	trace_set_case(t, 1, "case-1");
	trace_set_lba_shift(t, f.ns->lba_shift);
	enum { MAPS = 25, IOS = 40 };
	struct dma_buf buf;
	assert_ok(backend_mem_alloc(f.be, 8192, 4096, &buf, &f.e), &f.e);
	for (int i = 0; i < MAPS; i++) {
		assert_ok(backend_map(f.be, &buf, DMA_PROT_READ | DMA_PROT_WRITE, &f.e), &f.e);
		assert_ok(backend_unmap(f.be, &buf, &f.e), &f.e);
	}
	assert_ok(backend_map(f.be, &buf, DMA_PROT_READ | DMA_PROT_WRITE, &f.e), &f.e);
	trace_set_case(t, 2, "case-2");
	for (int i = 0; i < IOS; i++) {
		uint32_t status = 0;
		assert_ok(nvme_io_sync(q, 0x02, f.ns, (uint64_t)i, &buf, 0, 4096, &status, &f.e),
			  &f.e);
	}
	trace_set_case(t, 3, "case-3");
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	struct err e = {0};
	assert_int_equal(trace_write_case(t, 1, NULL, m, NULL, &e), 0);
	assert_int_equal(trace_write_case(t, 2, NULL, m, NULL, &e), 0);
	fclose(m);
	printf("%s", out);
	const char *c2 = strstr(out, "case-2,");
	assert_non_null(c2);
	assert_int_equal(trace_calls_field(out, "usdt:dma_map", 0), MAPS + 1);
	assert_int_equal(trace_calls_field(out, "usdt:dma_unmap", 0), MAPS);
	assert_int_equal(trace_calls_field(c2, "usdt:io_submit", 0), IOS);
	assert_int_equal(trace_calls_field(c2, "usdt:io", 0), IOS);
	free(out);
	nvme_ctrl_delete_queue(f.c, q, &f.e);
	backend_unmap(f.be, &buf, &f.e);
	backend_mem_free(f.be, &buf);
	fixture_close(&f);
	trace_close(t);
}

static void iommu_tracepoints_attach(void **state)
{
	(void)state;
	struct trace *t = open_or_skip("tracepoints");
	const struct trace_status *s = trace_status(t, TR_TP_MAP);
	printf("iommu:map: %s%s\n", s->how, s->why);
	assert_int_equal(s->state, TS_ATTACHED);
	assert_int_equal(trace_status(t, TR_TP_UNMAP)->state, TS_ATTACHED);
	trace_close(t);
}

/* One hit of a raw-tracepoint program with these arguments, through
 * BPF_PROG_TEST_RUN (kernel/bpf/test_run.c, bpf_prog_test_run_raw_tp: the
 * program runs on the calling CPU in the calling task's context). */
static int hit(struct bpf_program *p, __u64 a0, __u64 a1, __u64 a2)
{
	__u64 args[3] = {a0, a1, a2};
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args));
	int rc = bpf_prog_test_run_opts(bpf_program__fd(p), &o);
	if (rc || o.retval)
		printf("test run of %s: %s, retval %u\n", bpf_program__name(p),
		       rc ? strerror(errno) : "ok", o.retval);
	fflush(stdout);
	return rc || o.retval ? 1 : 0;
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (cpu >= 0)
		CPU_SET(cpu, &set);
	else
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* The IOVAs and VT-d descriptors the sequences use: a, mapped by this
 * process; c, by another; qw0 of an IOTLB invalidation (type 2) with
 * page-selective (3) and domain-selective (2) granularity in bits 5:4. */
static const __u64 iova_a = 0xfffff000, iova_c = 0xffffe000, qi_psi = 2 | 3 << 4,
		   qi_dsi = 2 | 2 << 4;

/* Runs in a child process (another task, as the completion interrupt runs
 * over one); with `inval`, the invalidations too. Exits 0 if every hit ran. */
static void other_task(struct iotlb_bpf *s, bool inval)
{
	int r = hit(s->progs.tp_unmap, iova_a, 4096, 4096); /* ours, by IOVA */
	if (inval) {
		r |= hit(s->progs.tp_flush, 0, iova_a, iova_a + 4095); /* overlaps it */
		r |= hit(s->progs.tp_qi_submit, 0, qi_psi, iova_a);    /* page-selective */
	}
	r |= hit(s->progs.tp_unmap, iova_a, 4096, 4096); /* unmapped already */
	if (inval)
		r |= hit(s->progs.tp_flush, 0, iova_a, iova_a + 4095); /* after that */
	r |= hit(s->progs.tp_map, iova_c, 0x2000000, 4096);	       /* not ours */
	r |= hit(s->progs.tp_unmap, iova_c, 4096, 4096);	       /* ... its unmap */
	if (inval) {
		r |= hit(s->progs.tp_qi_submit, 0, qi_dsi, 0);		  /* domain-wide */
		r |= hit(s->progs.tp_flush_np, 0, iova_c, iova_c + 4095); /* after it */
	}
	_exit(r);
}

/* This process maps iova_a, then a child runs other_task; both pinned to
 * this CPU (the invalidation rule looks at the CPU's last map or unmap). */
static void run_sequence(struct iotlb_bpf *s, bool inval)
{
	int cpu = sched_getcpu();
	pin_to_cpu(cpu > 0 ? cpu : 0);
	int bad = hit(s->progs.tp_map, iova_a, 0x1000000, 4096);
	pid_t child = fork();
	if (child == 0)
		other_task(s, inval);
	int status = -1;
	if (child > 0)
		waitpid(child, &status, 0);
	pin_to_cpu(-1);
	assert_int_equal(bad, 0);
	assert_true(child > 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The per-process filter attributes iommu:unmap by IOVA, not by the task
 * on the CPU: the kernel NVMe driver unmaps in its completion interrupt
 * over another task. The iommu tracepoints never fire on a host without an
 * IOMMU, so the programs are run directly, the map in this process and the
 * unmaps in a child. Before the attribution the child's unmap of this
 * process's IOVA was dropped without a word. */
static void filter_attributes_unmaps_by_iova(void **state)
{
	(void)state;
	struct err e = {0};
	if (privs_check(&e)) {
		printf("skip: %s\n", e.msg);
		skip();
	}
	struct trace_opts o = {.probes = "iommu:map,iommu:unmap", .filter_pid = getpid()};
	struct trace *t = NULL;
	open_checked(&o, &t, &e);
	trace_report(t, stdout);
	assert_non_null(t);
	trace_set_case(t, 1, "attr");
	run_sequence(t->skel, false);
	trace_print_attribution(t, stdout);
	struct trace_attr m, u;
	assert_true(trace_attribution(t, TR_TP_MAP, &m));
	assert_true(trace_attribution(t, TR_TP_UNMAP, &u));
	assert_int_equal(m.kept, 1);
	assert_int_equal(m.foreign, 0);
	assert_int_equal(m.left, 1);
	assert_int_equal(u.kept, 1);
	assert_int_equal(u.foreign, 1);
	assert_int_equal(u.left, 2);
	/* The case's rows count what was attributed, and nothing else. */
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_int_equal(trace_write_case(t, 1, NULL, f, NULL, &e), 0);
	fclose(f);
	printf("%s", out);
	assert_int_equal(trace_calls_field(out, "iommu:map", 0), 1);
	assert_int_equal(trace_calls_field(out, "iommu:unmap", 0), 1);
	assert_int_equal(trace_calls_field(out, "iommu:unmap", 1), 4096);
	free(out);
	trace_close(t);
}

/* The invalidation tracepoints (intel_iommu:*, absent on a host without
 * VT-d, so the programs are loaded here without attaching): counted when
 * their range overlaps the CPU's last counted map or unmap, never when
 * domain-wide or after another process's unmap. */
static void invalidations_follow_attributed_unmaps(void **state)
{
	(void)state;
	struct err e = {0};
	if (privs_check(&e)) {
		printf("skip: %s\n", e.msg);
		skip();
	}
	struct iotlb_bpf *s = iotlb_bpf__open();
	assert_non_null(s);
	s->rodata->filter_tgid = (__u32)getpid();
	struct bpf_program *p;
	bpf_object__for_each_program(p, s->obj)
	    bpf_program__set_autoload(p, !strncmp(bpf_program__name(p), "tp_", 3) &&
					     strcmp(bpf_program__name(p), "tp_fault"));
	int rc = iotlb_bpf__load(s);
	if (rc == -EPERM) {
		iotlb_bpf__destroy(s);
		printf("skip: the kernel forbids BPF here\n");
		skip();
	}
	assert_int_equal(rc, 0);
	run_sequence(s, true);
	static const struct {
		uint32_t probe;
		uint64_t kept, foreign, left;
	} want[] = {
	    {TR_TP_MAP, 1, 0, 1},	{TR_TP_UNMAP, 1, 1, 2},	   {TR_TP_FLUSH, 1, 1, 1},
	    {TR_TP_QI_SUBMIT, 1, 1, 1}, {TR_TP_FLUSH_NP, 0, 0, 1},
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		uint32_t k = want[i].probe - TR_TP_MAP;
		printf("probe %u: kept %llu foreign %llu left %llu\n", want[i].probe,
		       (unsigned long long)s->bss->attr_kept[k],
		       (unsigned long long)s->bss->attr_foreign[k],
		       (unsigned long long)s->bss->attr_left[k]);
		assert_int_equal(s->bss->attr_kept[k], want[i].kept);
		assert_int_equal(s->bss->attr_foreign[k], want[i].foreign);
		assert_int_equal(s->bss->attr_left[k], want[i].left);
	}
	iotlb_bpf__destroy(s);
}

/* What this kernel offers for a function probe, found without the tracer:
 * the symbol in /proc/kallsyms or vmlinux BTF, whether the kernel loads a
 * minimal fentry program on it (0 or the -errno it refuses with), and
 * whether kprobes are built (their PMU or tracefs kprobe_events). */
struct fn_offer {
	bool present, in_btf, kprobes;
	int fentry; /* 0 loads, else -errno; -ENOENT when not in BTF */
};

static bool in_kallsyms(const char *fn)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return false;
	char line[512], name[256], type;
	unsigned long long addr;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
			(type == 't' || type == 'T') && strcmp(name, fn) == 0;
	fclose(f);
	return found;
}

static struct fn_offer kernel_offers(const char *fn)
{
	struct fn_offer o = {.fentry = -ENOENT};
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) : -ENOENT;
	o.in_btf = id > 0;
	o.present = o.in_btf || in_kallsyms(fn);
	if (o.in_btf) {
		/* r0 = 0; exit: the smallest program a tracing hook accepts. */
		const struct bpf_insn insns[] = {
		    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		    {.code = BPF_JMP | BPF_EXIT},
		};
		LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = BPF_TRACE_FENTRY,
			    .attach_btf_id = (__u32)id);
		int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "offer", "GPL", insns, 2, &lo);
		o.fentry = fd >= 0 ? 0 : -errno;
		if (fd >= 0)
			close(fd);
	}
	btf__free(vmlinux);
	o.kprobes = access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0 ||
		    access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
		    access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0;
	return o;
}

/* The attach report gives the one outcome the kernel allows: a function
 * that is not there is skipped as absent; one fentry can hook is attached
 * by fentry; else one kprobes reach is attached by kprobe; else it is
 * skipped with both refusals named. */
static void report_is_honest_about_function_probes(void **state)
{
	(void)state;
	struct trace *t = open_or_skip("functions");
	trace_report(t, stdout);
	const struct probe_def *d = probe_by_name("iommu_map");
	const struct trace_status *s = trace_status(t, d->id);
	struct fn_offer k = kernel_offers(d->name);
	printf("kernel offers for %s: %s, %s, fentry %s, kprobes %s\n", d->name,
	       k.present ? "present" : "absent", k.in_btf ? "in BTF" : "not in BTF",
	       k.fentry ? strerror(-k.fentry) : "loads", k.kprobes ? "built" : "not built");
	if (!k.present) {
		assert_int_equal(s->state, TS_SKIPPED);
		assert_non_null(strstr(s->why, "not in this kernel"));
	} else if (k.fentry == 0) {
		assert_int_equal(s->state, TS_ATTACHED);
		assert_non_null(strstr(s->how, "fentry"));
	} else if (k.kprobes) {
		assert_int_equal(s->state, TS_ATTACHED);
		assert_non_null(strstr(s->how, "kprobe"));
	} else {
		assert_int_equal(s->state, TS_SKIPPED);
		assert_non_null(strstr(s->why, "kprobes not built"));
		/* In BTF but refused: the refusal and its errno are named. */
		assert_non_null(strstr(s->why, "fentry/fexit refused"));
		if (k.fentry == -EPERM)
			assert_non_null(strstr(s->why, "EPERM"));
	}
	trace_close(t);
}

static void pfm_encodes_defaults(void **state)
{
	(void)state;
	struct perf_event_attr a;
	struct err e = {0};
	/* The generic perf:: events are in every libpfm4 build. */
	assert_int_equal(perf_cpu_encode("perf::CYCLES", &a, &e), 0);
	assert_int_equal(a.type, PERF_TYPE_HARDWARE);
	assert_int_equal(perf_cpu_encode("perf::INSTRUCTIONS", &a, &e), 0);
	assert_int_equal(perf_cpu_encode("perf::DTLB-LOAD-MISSES", &a, &e), 0);
	assert_int_equal(a.type, PERF_TYPE_HW_CACHE);
	/* Vendor events: encoded where libpfm4 sees the core PMU, otherwise an
	 * error that names the event (the run then writes "unsupported"). */
	for (const char *const *d = perf_cpu_defaults(); *d; d++) {
		int rc = perf_cpu_encode(*d, &a, &e);
		printf("%-40s %s\n", *d, rc ? e.msg : "encoded");
		if (rc)
			assert_non_null(strstr(e.msg, *d));
	}
	assert_int_equal(perf_cpu_encode("NO_SUCH_EVENT:XYZ", &a, &e), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(usdt_counts_match_driver_ops),
	    cmocka_unit_test(iommu_tracepoints_attach),
	    cmocka_unit_test(filter_attributes_unmaps_by_iova),
	    cmocka_unit_test(invalidations_follow_attributed_unmaps),
	    cmocka_unit_test(ioctl_probes_count_calls),
	    cmocka_unit_test(report_is_honest_about_function_probes),
	    cmocka_unit_test(pfm_encodes_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
