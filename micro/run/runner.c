#include "micro/run/runner.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/observe.h"
#include "bpf/perf_set.h"
#include "bpf/tpcount.h"
#include "driver/backend/real.h"
#include "driver/host/sysinfo.h"
#include "driver/kio/kio.h"
#include "driver/nvme/ctrl.h"
#include "driver/util/probes.h"
#include "micro/dataset/meta.h"
#include "micro/dataset/rounds.h"
#include "micro/kinds/keys.h"
#include "micro/measure/timer.h"
#include "micro/run/iommu_info.h"
#include "micro/run/limits.h"
#include "micro/run/progress.h"
#include "micro/run/safety.h"
#include "micro/run/suite.h"

/* The run's device, dataset and tracing; `env` is what each case sees. */
struct runner {
	struct run_opts o;
	struct bench_env env;
	struct nvme_ns window; /* --lba-range: env.ns points here */
	struct dataset ds;
	struct observe *obs; /* tracer and counters, or NULL */
	struct tpcount *tpc; /* kernel backend: IOMMU tracepoints per case, or NULL */
};

/* Everything one run holds between its phases. */
struct run {
	struct runner r;
	struct suite s;
	struct progress pg;
	char run_id[160];
	int cpu;
	unsigned failed, skipped;
	bool *no_pool;	   /* per case: the hugepage pools cannot hold it */
	bool *ended;	   /* per case: failed or skipped, not run in later rounds */
	unsigned step;	   /* case runs so far, over all rounds (progress) */
	uint64_t mem_kind; /* the backend's memory kind now (enum mem_kind) */
};

static const char *out_root(const struct run_opts *o)
{
	return o->out_root ? o->out_root : "datasets/runs";
}

/* ---- phase: the device ---- */

/* --lba-range and the data-safety check, before anything is written. */
static int confine(struct runner *r, const struct suite *s, struct err *e)
{
	const struct nvme_ns *full = r->env.ns;
	if (r->o.has_range) {
		if (r->o.lba_lo >= r->o.lba_hi || r->o.lba_hi > full->nlbas)
			return err_set(
			    e, ERANGE,
			    "--lba-range %llu:%llu: namespace %u has LBAs 0 to %llu; give "
			    "START:END with START < END <= %llu",
			    (unsigned long long)r->o.lba_lo, (unsigned long long)r->o.lba_hi,
			    full->nsid, (unsigned long long)full->nlbas - 1,
			    (unsigned long long)full->nlbas);
		r->window = *full;
		r->window.lba_base = r->o.lba_lo;
		r->window.nlbas = r->o.lba_hi - r->o.lba_lo;
		r->env.ns = &r->window;
	}
	if (!suite_writes(s) || r->o.force_destroy_data)
		return 0;
	if (r->env.kio)
		return safety_check_blockdev(r->env.kio->info.dev_path, e);
	return safety_check(r->env.c, full, e);
}

/* The userspace backends own the device: bring up the NVMe controller. */
static int open_ctrl(struct run *run, struct err *e)
{
	struct runner *r = &run->r;
	int rc = nvme_ctrl_open(&r->env.be->dev, NULL, &r->env.c, e);
	if (!rc && !(r->env.ns = nvme_ctrl_ns(r->env.c, 1)))
		rc = err_set(e, ENODEV, "the controller has no namespace 1");
	if (!rc)
		rc = limits_check(&run->s, r->env.c, r->env.ns, e);
	return rc;
}

static int open_device(struct run *run, struct err *e)
{
	struct runner *r = &run->r;
	r->o.bcfg.iommu_huge = (enum iommu_huge)run->s.iommu_huge;
	int rc = backend_open(r->o.backend, &r->o.bcfg, &r->env.be, e);
	if (!rc && (r->env.dmab = backend_dma_bench(r->env.be))) {
		/* The kernel's DMA-API benchmark: no NVMe device, no I/O. */
		rc = limits_check_dma_api(&run->s, e);
		if (!rc && r->o.has_range)
			rc = err_set(e, EINVAL,
				     "--lba-range: the dma-api backend does no I/O; leave it out");
		return rc;
	} else if (!rc && (r->env.kio = backend_kernel_io(r->env.be))) {
		/* The kernel driver keeps the device: no controller to open. */
		r->env.ns = &r->env.kio->ns;
		rc = limits_check_kernel(&run->s, r->env.kio, e);
	} else if (!rc) {
		rc = open_ctrl(run, e);
	}
	/* A backing other than the default is a property of the backend's
	 * allocator (sparse for emu only, the others for the real ones): ask
	 * the backend for each case's, before the first case, then go back to
	 * the default. */
	for (unsigned i = 0; !rc && i < run->s.ncases; i++) {
		uint64_t bk = case_get(&run->s.cases[i], &key_backing, MEM_KIND_DEFAULT);
		if (bk != MEM_KIND_DEFAULT && backend_set_mem_kind(r->env.be, (enum mem_kind)bk, e))
			rc = err_wrap(e, "case %s sets backing", run->s.cases[i].name);
	}
	struct err ignore;
	if (!rc && r->env.be->ops->set_mem_kind)
		backend_set_mem_kind(r->env.be, MEM_KIND_DEFAULT, &ignore);
	if (!rc)
		rc = confine(r, &run->s, e);
	return rc;
}

/* ---- phase: the dataset ---- */

static void make_run_id(char *buf, size_t len, const char *suite, const char *backend)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "%s-%s-%s", ts, suite, backend);
}

/* The expanded grid: every case with each of its kind's keys. */
static json_object *grid_json(const struct suite *s)
{
	json_object *a = json_object_new_array();
	for (unsigned i = 0; i < s->ncases; i++) {
		const struct bench_case *c = &s->cases[i];
		const struct kind *k = c->kind;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "case", json_object_new_string(c->name));
		json_object_object_add(o, "kind", json_object_new_string(k->name));
		for (unsigned q = 0; q < k->nkeys; q++) {
			json_object *v;
			if (k->keys[q].flags & KK_LIST) {
				v = json_object_new_array();
				for (unsigned j = 0; j < c->nlist; j++)
					json_object_array_add(
					    v, json_object_new_int64((int64_t)c->list[j]));
			} else {
				v = json_object_new_int64((int64_t)c->v[q]);
			}
			json_object_object_add(o, k->keys[q].def->name, v);
		}
		json_object_array_add(a, o);
	}
	return a;
}

/* The kernel backend's device and I/O path: what its numbers depend on
 * beyond the suite (datasets/README.md, meta.json). */
static void meta_kernel_io(json_object *meta, const struct kio_dev *d)
{
	const struct blockdev_info *bd = &d->info;
	json_object *k = json_object_new_object();
	json_object_object_add(k, "block_device", json_object_new_string(bd->dev_path));
	json_object_object_add(k, "char_device",
			       bd->ng_path[0] ? json_object_new_string(bd->ng_path) : NULL);
	json_object_object_add(k, "nsid", json_object_new_int64(bd->nsid));
	json_object_object_add(k, "lba_bytes", json_object_new_int64(1ll << bd->lba_shift));
	json_object_object_add(k, "io_poll", json_object_new_boolean(bd->io_poll));
	json_object_object_add(k, "fixed", json_object_new_boolean(d->o.fixed));
	json_object_object_add(k, "poll", json_object_new_boolean(d->o.poll));
	json_object_object_add(k, "passthru", json_object_new_boolean(d->o.passthru));
	json_object_object_add(meta, "kernel_io", k);
}

/* The IOMMU mode of the device's own group: what its DMA goes through,
 * whatever the host-wide default (host.iommu_mode) says. Null without a
 * PCI function (emu, a loop device). */
static void meta_device_iommu(json_object *meta, const char *bdf)
{
	json_object *o = NULL;
	if (bdf) {
		struct sysinfo_dev_iommu di;
		sysinfo_device_iommu(bdf, &di);
		o = json_object_new_object();
		json_object_object_add(o, "bdf", json_object_new_string(bdf));
		json_object_object_add(o, "group",
				       di.group < 0 ? NULL : json_object_new_int(di.group));
		json_object_object_add(o, "type",
				       di.type[0] ? json_object_new_string(di.type) : NULL);
		json_object_object_add(o, "mode", json_object_new_string(di.mode));
	}
	json_object_object_add(meta, "device_iommu", o);
}

static int open_dataset(struct run *run, struct err *e)
{
	struct runner *r = &run->r;
	const struct run_opts *o = &r->o;
	make_run_id(run->run_id, sizeof(run->run_id), run->s.name, o->backend);
	/* Two runs in the same second get -2, -3, ...: never overwrite. */
	int rc = 0;
	for (int k = 2; k < 100; k++) {
		rc = dataset_open(&r->ds, out_root(o), run->run_id, e);
		if (rc != -EEXIST)
			break;
		make_run_id(run->run_id, sizeof(run->run_id), run->s.name, o->backend);
		size_t n = strlen(run->run_id);
		snprintf(run->run_id + n, sizeof(run->run_id) - n, "-%d", k);
	}
	if (rc)
		return rc;
	/* One write per case: a forced exit never leaves half a row. */
	setvbuf(r->ds.results, NULL, _IOFBF, 1 << 20);
	setvbuf(r->ds.hist, NULL, _IOFBF, 1 << 20);
	setvbuf(r->ds.counters, NULL, _IOFBF, 1 << 20);
	bool emu = !strcmp(r->env.be->ops->name, "emu");
	const struct blockdev_info *bd = r->env.kio ? &r->env.kio->info : NULL;
	/* The dma-api backend has a PCI function but no NVMe controller. */
	const struct nvme_ctrl_info none = {0}, *ci = r->env.c ? &r->env.c->info : &none;
	struct meta_run m = {
	    .run_id = run->run_id,
	    .suite = run->s.name,
	    .suite_file = run->s.path,
	    .description = run->s.description,
	    .overrides = o->sets,
	    .noverrides = o->nset,
	    .grid = grid_json(&run->s),
	    .backend = r->env.be->ops->name,
	    .preset = emu ? (o->bcfg.preset ? o->bcfg.preset : BACKEND_DEFAULT_PRESET) : NULL,
	    .emu_opts = emu ? o->bcfg.emu_opts : NULL,
	    .bdf = bd ? (bd->bdf[0] ? bd->bdf : NULL) : o->bcfg.device,
	    .model = bd ? bd->model : ci->model,
	    .serial = bd ? bd->serial : ci->serial,
	    .firmware = bd ? bd->firmware : ci->firmware,
	    .mdts_bytes = bd ? bd->max_xfer : ci->max_xfer,
	    .iommu_model = emu,
	    .clock_source = g_timer.source,
	    .tsc_hz = g_timer.tsc ? g_timer.tsc_hz : 0,
	};
	meta_init(&r->ds, &m);
	json_object *meta = r->ds.meta;
	json_object_object_add(meta, "cpu", json_object_new_int(run->cpu));
	json_object_object_add(meta, "rounds", json_object_new_int64((int64_t)run->s.rounds));
	json_object_object_add(meta, "force_destroy_data",
			       json_object_new_boolean(o->force_destroy_data));
	json_object *range = NULL;
	if (o->has_range) {
		range = json_object_new_array();
		json_object_array_add(range, json_object_new_int64((int64_t)o->lba_lo));
		json_object_array_add(range, json_object_new_int64((int64_t)o->lba_hi));
	}
	json_object_object_add(meta, "lba_range", range);
	if (bd)
		meta_kernel_io(meta, r->env.kio);
	const char *dev_bdf = emu ? NULL : bd ? (bd->bdf[0] ? bd->bdf : NULL) : o->bcfg.device;
	meta_device_iommu(meta, dev_bdf);
	iommu_info_record(meta, &r->env, dev_bdf, (unsigned)run->s.iommu_huge,
			  o->quiet ? stderr : stdout);
	return dataset_write_meta(&r->ds, e);
}

/* ---- phase: tracing and counters ---- */

/* meta.json "counters": what each --counters event counts (the IIO stack,
 * or why all stacks were summed) or why it is unsupported, which
 * counters.csv has no room for. */
static void meta_counters(json_object *meta, const struct perf_set *ps)
{
	if (!ps)
		return;
	json_object *a = json_object_new_array();
	for (unsigned i = 0; i < ps->n; i++) {
		const struct perf_ctr *c = &ps->c[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "spec", json_object_new_string(c->spec));
		json_object_object_add(o, "event", json_object_new_string(c->event));
		json_object_object_add(o, "supported", json_object_new_boolean(c->supported));
		json_object_object_add(o, "units", json_object_new_int(c->nfd));
		const char *why = c->supported ? c->note : c->why;
		json_object_object_add(o, "note", why[0] ? json_object_new_string(why) : NULL);
		json_object_array_add(a, o);
	}
	json_object_object_add(meta, "counters", a);
}

/* The PCI device the run measures (its IIO stack's counters count), NULL
 * for the emulated controller. */
static const char *run_bdf(const struct runner *r)
{
	if (!strcmp(r->env.be->ops->name, "emu"))
		return NULL;
	const struct blockdev_info *bd = r->env.kio ? &r->env.kio->info : NULL;
	return bd ? (bd->bdf[0] ? bd->bdf : NULL) : r->o.bcfg.device;
}

static int open_observe(struct run *run, struct err *e)
{
	struct runner *r = &run->r;
	const struct run_opts *o = &r->o;
	if (!o->trace && !o->counters)
		return 0;
	struct observe_opts oo = {.trace = o->trace,
				  .probes = o->trace_probes,
				  .events = o->trace_events,
				  .counters = o->counters,
				  .events_spec = o->counter_events,
				  .bdf = run_bdf(r)};
	int rc = observe_open(&oo, r->ds.dir, o->quiet ? stderr : stdout, &r->obs, e);
	if (rc)
		return rc;
	meta_counters(r->ds.meta, observe_counters(r->obs));
	if (r->env.ns)
		observe_set_lba_shift(r->obs, r->env.ns->lba_shift);
	/* The default probes sit in the kernel's IOMMU and VFIO/IOMMUFD
	 * paths; an in-process backend never enters them. */
	if (o->trace && !(o->trace_probes && *o->trace_probes) && !backend_is_real(r->env.be))
		fprintf(o->quiet ? stderr : stdout,
			"trace: backend %s never enters the kernel paths the default "
			"probes watch; --trace=usdt traces the driver's own map/unmap and "
			"I/O (a uprobe trap per hit, microseconds each, which the latencies "
			"then include)\n",
			o->backend);
	return 0;
}

/* The kernel backend's mapping work per case (and the dma-api backend's,
 * whose map/unmap pairs the kernel does not count otherwise): the IOMMU
 * tracepoints on every CPU and in every context (bpf/tpcount.h), as
 * counters.csv rows of source `kernel`. Without permission or tracefs the rows say
 * `unsupported` and the run says why once. */
static void open_tpcount(struct run *run)
{
	struct runner *r = &run->r;
	if (!(r->env.kio || r->env.dmab) || !(r->tpc = calloc(1, sizeof(*r->tpc))))
		return;
	tpcount_open(r->tpc, tpcount_iommu_events);
	FILE *out = r->o.quiet ? stderr : stdout;
	for (unsigned i = 0; i < r->tpc->n; i++)
		if (!r->tpc->ev[i].ok)
			fprintf(out, "kernel counters: %s not counted: %s\n", r->tpc->ev[i].name,
				r->tpc->ev[i].why);
}

/* ---- phase: one case, with bounded recovery ---- */

/* Environment limits (no hugepages of that size, not enough memory)
 * skip a case; anything else fails it. */
static bool is_skip(int code)
{
	return code == ENOMEM || code == ENOSPC || code == EOPNOTSUPP;
}

/* Whether a failed case left the controller needing a reset: a command
 * timed out or was aborted, or CSTS says fatal or the device is gone. */
static bool device_trouble(struct runner *r, const struct err *e)
{
	if (!r->env.c)
		return false; /* the kernel driver recovers its own controller */
	uint32_t csts = tr_read32(r->env.c->tr, NVME_REG_CSTS);
	return e->code == ETIMEDOUT || e->code == ECANCELED || csts == 0xffffffffu ||
	       (csts & NVME_CSTS_BIT_CFS);
}

/* Resets the controller after a failed case and records it; returns
 * non-zero when the reset itself failed (the case then stays failed). */
static int recover(struct run *run, const struct bench_case *c, struct err *e)
{
	struct runner *r = &run->r;
	char why[ERR_MSG_MAX];
	snprintf(why, sizeof(why), "%s", e->msg);
	struct err re;
	int rc = nvme_ctrl_reset(r->env.c, &re);
	char msg[2 * ERR_MSG_MAX + 64];
	snprintf(msg, sizeof(msg), "%s; controller reset %s%s", why,
		 rc ? "failed: " : "done, retrying", rc ? re.msg : "");
	meta_case_problem(&r->ds, "recoveries", c->name, msg);
	progress_done(&run->pg, run->step - 1, c->name, msg);
	if (rc)
		snprintf(e->msg, sizeof(e->msg), "%.300s; controller reset failed", why);
	return rc;
}

/* Runs case i; a device that timed out, aborted or went fatal gets one
 * bounded recovery: a controller reset and a second try of the case. */
static int run_attempts(struct run *run, const struct bench_case *c, unsigned i, struct err *e)
{
	struct runner *r = &run->r;
	int crc = 0;
	for (unsigned attempt = 0;; attempt++) {
		r->env.leaf_iova = r->env.leaf_len = 0;
		observe_case_begin(r->obs, i, c->name);
		if (r->tpc)
			tpcount_begin(r->tpc);
		if (IOTLB_PROBE_ON(case_start))
			IOTLB_PROBE2(case_start, i, c->name);
		crc = c->kind->run(&r->env, c, e);
		if (IOTLB_PROBE_ON(case_end))
			IOTLB_PROBE2(case_end, i, c->name);
		if (r->tpc)
			tpcount_write(r->tpc, c->name, r->ds.counters);
		struct err oe = {0};
		if (observe_case_end(r->obs, i, c->name, r->ds.counters, &oe))
			fprintf(stderr, "iotlbench: %s: %s\n", c->name, oe.msg);
		if (!crc || env_stopping(&r->env) || attempt == 1 || !device_trouble(r, e))
			return crc;
		if (recover(run, c, e))
			return crc;
	}
}

/* Whether case c is measured in the run's rounds (run setting `rounds`);
 * the others run once, in the first round. */
static bool in_rounds(const struct run *run, const struct bench_case *c)
{
	return run->s.rounds > 1 && c->kind->in_rounds && c->kind->in_rounds(c);
}

/* Runs case i; returns non-zero when the run must stop (interrupted). */
static int run_case(struct run *run, unsigned i)
{
	struct runner *r = &run->r;
	const struct bench_case *c = &run->s.cases[i];
	char desc[256];
	case_describe(c, desc, sizeof(desc));
	if (r->env.rounds > 1) {
		size_t n = strlen(desc);
		snprintf(desc + n, sizeof(desc) - n, " (round %u/%u)", r->env.round + 1,
			 r->env.rounds);
	}
	unsigned step = run->step++;
	progress_case(&run->pg, step, c->name, desc);
	/* Each case starts with a cold IOTLB where the backend can empty it. */
	backend_flush_iotlb(r->env.be);
	struct err e = {0};
	int crc = 0;
	uint64_t bk = case_get(c, &key_backing, MEM_KIND_DEFAULT);
	if (run->no_pool && run->no_pool[i]) {
		/* ENOMEM: a host limit, so the case counts as skipped below. */
		crc = err_set(&e, ENOMEM,
			      "skipped: the %s hugepage pool cannot hold it (see the note at the "
			      "start of the run)",
			      case_get(c, &key_page_size, 0) == (1u << 30) ? "1 GiB" : "2 MiB");
	} else if (bk != run->mem_kind) {
		/* The case's backing memory (suite key `backing`); the default
		 * needs no call, so the emulated backend, which takes no other,
		 * runs as is. */
		crc = backend_set_mem_kind(r->env.be, (enum mem_kind)bk, &e);
		if (!crc)
			run->mem_kind = bk;
	}
	if (!crc)
		crc = run_attempts(run, c, i, &e);
	dataset_flush(&r->ds);
	if (crc && env_stopping(&r->env))
		return 1;
	if (crc) {
		bool skip = is_skip(e.code);
		run->skipped += skip;
		run->failed += !skip;
		run->ended[c - run->s.cases] = true;
		if (r->env.rounds > 1) {
			/* One row sums all rounds: a case that fails in one has
			 * none, as a case run once that fails. */
			rounds_drop(&r->ds, c->name);
			char why[ERR_MSG_MAX];
			snprintf(why, sizeof(why), "%s", e.msg);
			snprintf(e.msg, sizeof(e.msg), "round %u/%u: %.400s", r->env.round + 1,
				 r->env.rounds, why);
		}
		meta_case_problem(&r->ds, skip ? "skipped_cases" : "failed_cases", c->name, e.msg);
		progress_done(&run->pg, step, c->name, e.msg);
	}
	return 0;
}

/* ---- phase: the cases, round by round ---- */

/* Every case in turn, `rounds` times over (run setting): a case measured
 * in rounds does 1/R of its I/Os each time, so what the host does over the
 * run (load from other processes, frequency and thermal changes, a memory
 * bandwidth burst) lands on every point of a sweep alike instead of on the
 * few measured while it lasted. The dataset sums each case's rounds into
 * its one row (micro/dataset/rounds.h). */
static void run_cases(struct run *run)
{
	struct runner *r = &run->r;
	unsigned R = (unsigned)run->s.rounds;
	for (unsigned k = 0; k < R; k++) {
		for (unsigned i = 0; i < run->s.ncases && !env_stopping(&r->env); i++) {
			const struct bench_case *c = &run->s.cases[i];
			bool rounds = in_rounds(run, c);
			if (k > 0 && (!rounds || run->ended[i]))
				continue;
			r->env.round = r->ds.round = rounds ? k : 0;
			r->env.rounds = r->ds.rounds = rounds ? R : 1;
			if (run_case(run, i))
				return;
		}
	}
}

/* How many case runs the rounds make (the progress total). */
static unsigned case_runs(const struct run *run)
{
	unsigned n = run->s.ncases;
	for (unsigned i = 0; i < run->s.ncases; i++)
		if (in_rounds(run, &run->s.cases[i]))
			n += (unsigned)run->s.rounds - 1;
	return n;
}

/* --trace writes its histograms per case run, which rounds would repeat
 * under one case id; it takes a run without them. */
static int check_rounds(const struct run *run, struct err *e)
{
	if (!run->r.o.trace || case_runs(run) == run->s.ncases)
		return 0;
	return err_set(e, EINVAL,
		       "--trace with rounds = %llu: the trace histograms are per case run, not "
		       "summed over rounds; trace in a run of its own (--set rounds=1)",
		       (unsigned long long)run->s.rounds);
}

/* ---- phase: close ---- */

/* root/latest -> the newest run, so `make report` finds it. */
static void link_latest(const char *root, const char *run_id)
{
	char path[600], tmp[620];
	snprintf(path, sizeof(path), "%s/latest", root);
	snprintf(tmp, sizeof(tmp), "%s/.latest.%d", root, (int)getpid());
	unlink(tmp);
	if (symlink(run_id, tmp) == 0 && rename(tmp, path) != 0)
		unlink(tmp);
}

/* Ends the dataset: how the run ended, whether the controller is left
 * disabled and whether mappings leaked. */
static void close_run(struct run *run)
{
	struct runner *r = &run->r;
	int stop = *r->env.stop;
	/* Interrupted between rounds: the rows of the rounds measured so far
	 * (their ops say how many I/Os), rather than nothing. */
	struct err fe = {0};
	unsigned partial = dataset_flush_rounds(&r->ds, &fe);
	if (fe.code)
		fprintf(stderr, "iotlbench: %s\n", fe.msg);
	meta_end(&r->ds, !stop);
	json_object *meta = r->ds.meta;
	if (partial)
		json_object_object_add(meta, "rows_of_unfinished_rounds",
				       json_object_new_int((int)partial));
	if (stop)
		json_object_object_add(
		    meta, "interrupted",
		    json_object_new_string(stop == SIGINT ? "SIGINT" : "SIGTERM"));
	/* Close the controller first: its queues are mappings too. What is
	 * still mapped afterwards was leaked, and the dataset says so. */
	nvme_ctrl_close(r->env.c);
	r->env.c = NULL;
	observe_close(r->obs);
	r->obs = NULL;
	/* CSTS.RDY after close: the controller must be left disabled (3.1.6).
	 * The kernel backend leaves the controller to its driver, running. */
	if (r->env.be->dev.tr) {
		uint32_t csts = tr_read32(r->env.be->dev.tr, NVME_REG_CSTS);
		json_object_object_add(
		    meta, "controller_ready_at_exit",
		    json_object_new_boolean(csts != 0xffffffffu && (csts & NVME_CSTS_BIT_RDY)));
	}
	uint64_t live;
	if (backend_live_mappings(r->env.be, &live)) {
		json_object_object_add(meta, "dma_mappings_at_exit",
				       json_object_new_int64((int64_t)live));
		if (live)
			fprintf(stderr, "iotlbench: %llu DMA mappings still live at exit\n",
				(unsigned long long)live);
	}
	struct err e;
	if (dataset_write_meta(&r->ds, &e))
		fprintf(stderr, "iotlbench: %s\n", e.msg);
}

/* Pins the run to one CPU: the named one, or the one it starts on. */
static int pin_cpu(int cpu, struct err *e)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpu >= 0 && ncpu > 0 && cpu >= ncpu)
		return err_set(e, EINVAL, "--cpu %d: this machine has CPUs 0 to %ld online", cpu,
			       ncpu - 1);
	int want = cpu < 0 ? sched_getcpu() : cpu;
	if (want < 0)
		return -1;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(want, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		if (cpu >= 0)
			return err_set(e, errno,
				       "--cpu %d: cannot pin to it (%s): is it outside this "
				       "process's cpuset (taskset -p $$)?",
				       cpu, strerror(errno));
		return -1;
	}
	return want;
}

static void release(struct run *run)
{
	struct runner *r = &run->r;
	if (r->ds.meta)
		dataset_close(&r->ds);
	observe_close(r->obs);
	if (r->tpc)
		tpcount_close(r->tpc);
	free(r->tpc);
	r->tpc = NULL;
	nvme_ctrl_close(r->env.c);
	backend_close(r->env.be);
	suite_free(&run->s);
}

int runner_main(const struct run_opts *o)
{
	struct run *run = calloc(1, sizeof(*run));
	if (!run) {
		fprintf(stderr, "iotlbench: out of memory\n");
		return 1;
	}
	struct runner *r = &run->r;
	r->o = *o;
	r->env.ds = &r->ds;
	struct err e = {0};
	int rc = suite_load_kinds(o->suite_path, NULL, o->kinds, o->sets, o->nset, &run->s, &e);
	if (!rc) {
		timer_init(o->force_clock);
		run->cpu = pin_cpu(o->cpu, &e);
		rc = run->cpu < 0 && e.code ? -e.code : 0;
	}
	if (!rc)
		rc = check_rounds(run, &e);
	if (!rc) {
		r->env.stop = run_signals_install();
		rc = open_device(run, &e);
	}
	if (!rc)
		rc = open_dataset(run, &e);
	if (!rc)
		rc = open_observe(run, &e);
	if (!rc)
		open_tpcount(run);
	if (rc) {
		fprintf(stderr, "iotlbench: %s\n", e.msg);
		release(run);
		free(run);
		return 1;
	}
	if (!o->quiet) {
		/* The preset too: runs of one suite on emu differ by it alone. */
		const char *preset =
		    json_object_get_string(json_object_object_get(r->ds.meta, "preset"));
		printf("run %s: %u cases, backend %s%s%s, clock %s, dataset %s\n", run->run_id,
		       run->s.ncases, o->backend, preset ? ", preset " : "", preset ? preset : "",
		       g_timer.source, r->ds.dir);
	}
	/* The header before anything on stderr, also when stdout is a pipe. */
	fflush(stdout);
	run->no_pool = calloc(run->s.ncases ? run->s.ncases : 1, sizeof(bool));
	run->ended = calloc(run->s.ncases ? run->s.ncases : 1, sizeof(bool));
	if (!run->ended) {
		fprintf(stderr, "iotlbench: out of memory; no case ran\n");
		run->failed++;
	}
	if (run->no_pool)
		limits_pools(&run->s, !backend_is_real(r->env.be), stderr, run->no_pool);
	progress_init(&run->pg, stderr, case_runs(run), o->quiet);
	if (run->ended)
		run_cases(run);
	progress_end(&run->pg);
	close_run(run);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", r->ds.dir);
	if (o->dataset_dir)
		snprintf(o->dataset_dir, o->dataset_dir_len, "%s", dir);
	unsigned ncases = run->s.ncases, failed = run->failed, skipped = run->skipped;
	int stop = *r->env.stop;
	free(run->no_pool);
	free(run->ended);
	release(run);
	link_latest(out_root(o), run->run_id);
	free(run);
	if (stop) {
		fprintf(stderr, "iotlbench: interrupted; partial dataset in %s (complete: false)\n",
			dir);
		return 128 + stop;
	}
	if (!o->quiet)
		printf("dataset: %s (%u cases, %u skipped, %u failed)\n", dir, ncases, skipped,
		       failed);
	return failed ? 1 : 0;
}
