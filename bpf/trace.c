#include "bpf/trace.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf/kcheck.h"
#include "bpf/privs.h"
#include "bpf/probe_table.h"
#include "bpf/trace_internal.h"
#include "driver/util/array.h"

/* ---- selection ---- */

static bool group_has(const char *g, const struct probe_def *d)
{
	if (!strcmp(g, "all"))
		return true;
	if (!strcmp(g, "default"))
		return d->dflt;
	if (!strcmp(g, "usdt"))
		return d->kind == PK_USDT;
	if (!strcmp(g, "kernel"))
		return d->kind != PK_USDT;
	if (!strcmp(g, "tracepoints"))
		return d->kind == PK_TRACEPOINT;
	if (!strcmp(g, "ioctls"))
		return d->kind == PK_IOCTL;
	if (!strcmp(g, "functions"))
		return d->kind == PK_FUNCTION;
	return !strcmp(g, d->name);
}

static int select_probes(const char *spec, bool want[], struct err *e)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", spec && *spec ? spec : "default");
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool any = false;
		for (unsigned i = 0; i < probe_ndefs; i++)
			if (group_has(t, &probe_defs[i]))
				want[i] = any = true;
		if (!any)
			return err_set(e, EINVAL,
				       "unknown probe '%s': use default, all, usdt, kernel, "
				       "ioctls, tracepoints, functions, or a name from 'iotlbench "
				       "trace --list'",
				       t);
	}
	return 0;
}

/* ---- loading ---- */

static struct bpf_program *prog(struct trace *t, const char *fmt, unsigned slot)
{
	char name[32];
	snprintf(name, sizeof(name), fmt, slot);
	return bpf_object__find_program_by_name(t->skel->obj, name);
}

static void set_status(struct trace *t, const struct probe_def *d, enum trace_state s,
		       const char *how, const char *why)
{
	struct trace_status *st = &t->st[d->id];
	st->state = s;
	snprintf(st->how, sizeof(st->how), "%s", how ? how : "");
	snprintf(st->why, sizeof(st->why), "%s", why ? why : "");
}

/* The name this kernel knows the function by, or NULL. */
static const char *func_name(const struct probe_def *d)
{
	const char *sym = d->func ? d->func : d->name;
	if (kc_func_in_btf(sym) || kc_func_in_kallsyms(sym))
		return sym;
	if (d->alt && (kc_func_in_btf(d->alt) || kc_func_in_kallsyms(d->alt)))
		return d->alt;
	return NULL;
}

enum fn_mode { FN_OFF, FN_FENTRY, FN_KPROBE };

static int load(struct trace *t, const struct trace_opts *o, const bool want[], enum fn_mode mode)
{
	t->skel = iotlb_bpf__open();
	if (!t->skel)
		return -errno;
	struct iotlb_bpf *s = t->skel;
	s->rodata->filter_tgid = (__u32)o->filter_pid;
	t->filter_pid = o->filter_pid;
	s->rodata->events_on = o->events;
	struct bpf_program *p;
	bpf_object__for_each_program(p, s->obj) bpf_program__set_autoload(p, false);
	bool usdt = false;
	for (unsigned i = 0; i < probe_ndefs; i++) {
		const struct probe_def *d = &probe_defs[i];
		if (!want[i])
			continue;
		if (d->kind == PK_USDT)
			usdt = true;
		if (d->kind != PK_FUNCTION)
			continue;
		unsigned slot = d->id - TR_FN0;
		s->rodata->fn_size_arg[slot] = d->size_arg;
		s->rodata->fn_size_shift[slot] = d->size_shift;
		s->rodata->fn_ret_errno[slot] = d->ret_errno;
		s->rodata->fn_cmd_arg[slot] = d->cmd_arg;
		s->rodata->fn_cmd[slot] = d->cmd;
		const char *fn = func_name(d);
		if (!fn)
			continue;
		if (mode == FN_FENTRY && kc_func_in_btf(fn)) {
			bpf_program__set_autoload(prog(t, "fent_%u", slot), true);
			bpf_program__set_autoload(prog(t, "fexit_%u", slot), true);
			bpf_program__set_attach_target(prog(t, "fent_%u", slot), 0, fn);
			bpf_program__set_attach_target(prog(t, "fexit_%u", slot), 0, fn);
		} else if (mode == FN_KPROBE) {
			bpf_program__set_autoload(prog(t, "kp_%u", slot), true);
			bpf_program__set_autoload(prog(t, "krp_%u", slot), true);
		}
	}
	if (usdt && o->usdt_pid > 0) {
		bpf_program__set_autoload(s->progs.usdt_map_start, true);
		bpf_program__set_autoload(s->progs.usdt_map_done, true);
		bpf_program__set_autoload(s->progs.usdt_unmap_start, true);
		bpf_program__set_autoload(s->progs.usdt_unmap_done, true);
		bpf_program__set_autoload(s->progs.usdt_io_submit, true);
		bpf_program__set_autoload(s->progs.usdt_io_complete, true);
		bpf_program__set_autoload(s->progs.usdt_case_start, true);
	}
	/* The DMA ioctls: one pair of programs on the system-call
	 * tracepoints serves every command wanted. */
	s->rodata->ioctl_nr = SYS_ioctl;
	bool ioctls = false;
	for (unsigned i = 0; i < probe_ndefs; i++) {
		const struct probe_def *d = &probe_defs[i];
		if (!want[i] || d->kind != PK_IOCTL)
			continue;
		s->rodata->ioctl_cmd[d->id - TR_IOCTL0] = d->cmd;
		s->rodata->ioctl_len_off[d->id - TR_IOCTL0] = d->len_off;
		ioctls = true;
	}
	if (ioctls && kc_tracepoint("sys_enter") && kc_tracepoint("sys_exit")) {
		/* BTF-typed where tracing programs load (registers read
		 * directly), plain raw tracepoints otherwise. */
		bool btf = mode == FN_FENTRY;
		bpf_program__set_autoload(btf ? s->progs.sys_enter_btf : s->progs.sys_enter, true);
		bpf_program__set_autoload(btf ? s->progs.sys_exit_btf : s->progs.sys_exit, true);
	}
	static const char *const tps[] = {"tp_map",	  "tp_unmap", "tp_fault",
					  "tp_qi_submit", "tp_flush", "tp_flush_np"};
	for (unsigned i = 0; i < probe_ndefs; i++)
		if (want[i] && probe_defs[i].kind == PK_TRACEPOINT &&
		    kc_tracepoint(probe_defs[i].tp))
			bpf_program__set_autoload(bpf_object__find_program_by_name(
						      s->obj, tps[probe_defs[i].id - TR_TP_MAP]),
						  true);
	int rc = iotlb_bpf__load(s);
	if (rc) {
		iotlb_bpf__destroy(s);
		t->skel = NULL;
	}
	return rc;
}

/* ---- attaching ---- */

static int keep(struct trace *t, struct bpf_link *l)
{
	if (!l)
		return -errno;
	if (t->nlinks < TRACE_MAX_LINKS)
		t->links[t->nlinks++] = l;
	else
		bpf_link__destroy(l);
	return 0;
}

static void attach_usdt(struct trace *t, const struct trace_opts *o, const bool want[])
{
	struct iotlb_bpf *s = t->skel;
	struct {
		struct bpf_program *p;
		const char *name;
	} sites[] = {
	    {s->progs.usdt_map_start, "dma_map_start"},
	    {s->progs.usdt_map_done, "dma_map_done"},
	    {s->progs.usdt_unmap_start, "dma_unmap_start"},
	    {s->progs.usdt_unmap_done, "dma_unmap_done"},
	    {s->progs.usdt_io_submit, "io_submit"},
	    {s->progs.usdt_io_complete, "io_complete"},
	    {s->progs.usdt_case_start, "case_start"},
	};
	char why[320] = "";
	for (unsigned i = 0; i < ARRAY_SIZE(sites); i++) {
		struct bpf_link *l = bpf_program__attach_usdt(
		    sites[i].p, o->usdt_pid, o->usdt_binary, "iotlbench", sites[i].name, NULL);
		/* case_start lives in the runner: a program without it (a test,
		 * another tool built on the driver) still has the driver probes. */
		if (keep(t, l) && !why[0] && sites[i].p != s->progs.usdt_case_start)
			snprintf(why, sizeof(why), "attaching USDT iotlbench:%s in %s failed: %s",
				 sites[i].name, o->usdt_binary, strerror(errno));
	}
	for (unsigned i = 0; i < probe_ndefs; i++)
		if (want[i] && probe_defs[i].kind == PK_USDT)
			set_status(t, &probe_defs[i], why[0] ? TS_SKIPPED : TS_ATTACHED, "usdt",
				   why);
}

static void attach_tracepoints(struct trace *t, const bool want[])
{
	static const char *const tps[] = {"tp_map",	  "tp_unmap", "tp_fault",
					  "tp_qi_submit", "tp_flush", "tp_flush_np"};
	for (unsigned i = 0; i < probe_ndefs; i++) {
		const struct probe_def *d = &probe_defs[i];
		if (!want[i] || d->kind != PK_TRACEPOINT)
			continue;
		if (!kc_tracepoint(d->tp)) {
			set_status(t, d, TS_SKIPPED, NULL,
				   "this kernel has no such tracepoint (no btf_trace_ type in "
				   "vmlinux BTF)");
			continue;
		}
		struct bpf_program *p =
		    bpf_object__find_program_by_name(t->skel->obj, tps[d->id - TR_TP_MAP]);
		char why[320];
		if (keep(t, bpf_program__attach_raw_tracepoint(p, d->tp))) {
			snprintf(why, sizeof(why), "raw tracepoint attach failed: %s",
				 strerror(errno));
			set_status(t, d, TS_SKIPPED, NULL, why);
		} else {
			set_status(t, d, TS_ATTACHED, "raw_tp", NULL);
		}
	}
}

static void attach_ioctls(struct trace *t, const bool want[])
{
	bool any = false;
	for (unsigned i = 0; i < probe_ndefs; i++)
		any |= want[i] && probe_defs[i].kind == PK_IOCTL;
	if (!any)
		return;
	char why[320] = "";
	struct iotlb_bpf *s = t->skel;
	bool btf = bpf_program__autoload(s->progs.sys_enter_btf);
	const char *how = btf ? "tp_btf sys_enter/sys_exit" : "raw_tp sys_enter/sys_exit";
	if (!btf && !bpf_program__autoload(s->progs.sys_enter))
		snprintf(why, sizeof(why),
			 "this kernel has no raw_syscalls:sys_enter/sys_exit tracepoints "
			 "(CONFIG_FTRACE_SYSCALLS off)");
	else if (btf ? keep(t, bpf_program__attach(s->progs.sys_enter_btf)) ||
			   keep(t, bpf_program__attach(s->progs.sys_exit_btf))
		     : keep(t,
			    bpf_program__attach_raw_tracepoint(s->progs.sys_enter, "sys_enter")) ||
			   keep(t,
				bpf_program__attach_raw_tracepoint(s->progs.sys_exit, "sys_exit")))
		snprintf(why, sizeof(why), "%s attach failed: %s", how, strerror(errno));
	for (unsigned i = 0; i < probe_ndefs; i++)
		if (want[i] && probe_defs[i].kind == PK_IOCTL)
			set_status(t, &probe_defs[i], why[0] ? TS_SKIPPED : TS_ATTACHED, how, why);
}

static void attach_functions(struct trace *t, const bool want[], enum fn_mode mode,
			     const char *no_fentry, const char *no_kprobe)
{
	for (unsigned i = 0; i < probe_ndefs; i++) {
		const struct probe_def *d = &probe_defs[i];
		if (!want[i] || d->kind != PK_FUNCTION)
			continue;
		unsigned slot = d->id - TR_FN0;
		const char *fn = func_name(d);
		char why[640];
		if (!fn) {
			set_status(t, d, TS_SKIPPED, NULL,
				   "not in this kernel (no BTF entry, not in /proc/kallsyms)");
			continue;
		}
		int rc = -EOPNOTSUPP;
		const char *how = NULL;
		if (mode == FN_FENTRY && kc_func_in_btf(fn)) {
			rc = keep(t, bpf_program__attach(prog(t, "fent_%u", slot)));
			if (!rc)
				rc = keep(t, bpf_program__attach(prog(t, "fexit_%u", slot)));
			how = "fentry/fexit";
		} else if (mode == FN_KPROBE) {
			rc = keep(t, bpf_program__attach_kprobe(prog(t, "kp_%u", slot), false, fn));
			if (!rc)
				rc = keep(t, bpf_program__attach_kprobe(prog(t, "krp_%u", slot),
									true, fn));
			how = "kprobe/kretprobe";
		}
		if (!rc) {
			char h[64];
			snprintf(h, sizeof(h), "%s%s%s", how, fn != d->name ? " on " : "",
				 fn != d->name ? fn : "");
			set_status(t, d, TS_ATTACHED, h, NULL);
			continue;
		}
		if (how)
			snprintf(why, sizeof(why), "%s attach failed: %s", how, strerror(-rc));
		else
			snprintf(why, sizeof(why), "%s; %s", no_fentry, no_kprobe);
		if (d->covered_by) {
			const struct probe_def *c = probe_by_name(d->covered_by);
			if (c && t->st[c->id].state == TS_ATTACHED) {
				size_t n = strlen(why);
				snprintf(why + n, sizeof(why) - n,
					 "; its calls are counted by tracepoint %s (no duration)",
					 d->covered_by);
			}
		}
		set_status(t, d, TS_SKIPPED, NULL, why);
	}
}

int trace_open(const struct trace_opts *o, struct trace **out, struct err *e)
{
	if (privs_check(e))
		return -e->code;
	struct trace *t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(e, ENOMEM, "out of memory");
	pthread_mutex_init(&t->lock, NULL);
	struct err w = {0};
	if (privs_raise_memlock(&w))
		snprintf(t->warnings, sizeof(t->warnings), "%s", w.msg);
	bool want[64] = {false};
	if (select_probes(o->probes, want, e)) {
		free(t);
		return -e->code;
	}
	bool usdt_wanted = false;
	for (unsigned i = 0; i < probe_ndefs; i++)
		usdt_wanted |= want[i] && probe_defs[i].kind == PK_USDT;
	if (usdt_wanted && o->usdt_pid <= 0)
		for (unsigned i = 0; i < probe_ndefs; i++)
			if (want[i] && probe_defs[i].kind == PK_USDT)
				set_status(t, &probe_defs[i], TS_SKIPPED, NULL,
					   "no iotlbench process to attach to (give --pid or a "
					   "command)");
	/* libbpf's own messages would drown the report; IOTLB_BPF_DEBUG=1
	 * shows them (verifier logs included). */
	if (!getenv("IOTLB_BPF_DEBUG"))
		libbpf_set_print(NULL);
	/* fentry/fexit first (a BPF trampoline: cheapest, exact arguments);
	 * the kernel may refuse tracing programs (lockdown, or a VM's kernel
	 * policy): the whole object then fails to load, and is reloaded with
	 * kprobes where the kernel has them, else without function probes. */
	char no_fentry[200], no_kprobe[200];
	const char *kwhy = "";
	bool kprobes = kc_kprobes(&kwhy);
	snprintf(no_kprobe, sizeof(no_kprobe), "%s", kprobes ? "" : kwhy);
	snprintf(no_fentry, sizeof(no_fentry), "fentry/fexit impossible: not in vmlinux BTF");
	enum fn_mode mode = FN_FENTRY;
	int rc = load(t, o, want, FN_FENTRY);
	if (rc) {
		snprintf(no_fentry, sizeof(no_fentry),
			 "fentry/fexit refused: loading the programs failed with %s (%s)",
			 rc == -EPERM ? "EPERM" : "an error", strerror(-rc));
		mode = kprobes ? FN_KPROBE : FN_OFF;
		rc = load(t, o, want, mode);
	}
	if (rc) {
		err_set(e, -rc, "loading the BPF programs failed: %s%s", strerror(-rc),
			rc == -EPERM ? " (a kernel lockdown or a seccomp policy may forbid BPF)"
				     : "");
		kc_release();
		free(t);
		return rc;
	}
	if (usdt_wanted && o->usdt_pid > 0)
		attach_usdt(t, o, want);
	attach_ioctls(t, want);
	attach_tracepoints(t, want);
	attach_functions(t, want, mode, no_fentry, no_kprobe);
	kc_release();
	*out = t;
	return 0;
}

void trace_close(struct trace *t)
{
	if (!t)
		return;
	if (t->events_running) {
		t->events_stop = 1;
		pthread_join(t->events_thread, NULL);
		ring_buffer__consume(t->rb);
		fflush(t->events_f);
	}
	ring_buffer__free(t->rb);
	for (unsigned i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	iotlb_bpf__destroy(t->skel);
	for (uint32_t i = 0; i < t->ncase_names; i++)
		free(t->case_names[i]);
	free(t->case_names);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

const struct trace_status *trace_status(const struct trace *t, uint32_t probe_id)
{
	return probe_id < TR_NPROBES ? &t->st[probe_id] : NULL;
}

void trace_report(const struct trace *t, FILE *f)
{
	fprintf(f, "trace probes:\n");
	for (unsigned i = 0; i < probe_ndefs; i++) {
		const struct probe_def *d = &probe_defs[i];
		const struct trace_status *s = &t->st[d->id];
		if (s->state == TS_ATTACHED)
			fprintf(f, "  %-38s attached (%s)\n", d->name, s->how);
		else if (s->state == TS_SKIPPED)
			fprintf(f, "  %-38s skipped: %s\n", d->name, s->why);
	}
	if (t->warnings[0])
		fprintf(f, "  warning: %s\n", t->warnings);
	/* A tracepoint runs in whatever task is on the CPU: the kernel NVMe
	 * driver unmaps in its completion interrupt (nvme_pci_complete_rq ->
	 * nvme_unmap_data), usually over another task, so the filter
	 * attributes by address, not by task (bpf/iotlb.bpf.c). */
	bool tps = false;
	for (uint32_t p = TR_TP_MAP; p < TR_TP_MAP + TR_NTP; p++)
		tps |= t->st[p].state == TS_ATTACHED;
	if (t->filter_pid && tps)
		fprintf(f,
			"  attribution to process %d: iommu:map in its context; iommu:unmap by "
			"IOVA (one it mapped, in any context: the kernel driver unmaps in its "
			"completion interrupt); invalidations by IOVA range (overlapping the "
			"last counted map or unmap on the same CPU; domain-wide ones are not "
			"attributed); iommu:io_page_fault in any context. What is left out is "
			"counted and reported at the end\n",
			(int)t->filter_pid);
}

void trace_set_lba_shift(struct trace *t, unsigned shift)
{
	t->skel->data->io_lba_shift = shift;
}
