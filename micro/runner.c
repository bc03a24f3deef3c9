#include "micro/runner.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver/backend/real.h"
#include "driver/util/probes.h"
#include "micro/hostinfo.h"
#include "micro/progress.h"
#include "micro/safety.h"
#include "micro/timer.h"
#include "build/version.h"

struct kind_ops {
	enum bench_kind kind;
	int (*run)(struct runner *r, const struct bench_case *c, struct err *e);
};

static const struct kind_ops kinds[NKINDS] = {
    {KIND_MAP, bench_map},     {KIND_COUNT, bench_count},     {KIND_CHURN, bench_churn},
    {KIND_REUSE, bench_reuse}, {KIND_LATENCY, bench_latency},
};

/* ---- signals: the first stops at the next safe point, the second exits
 * at once; every CSV row already flushed stays whole. ---- */

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	if (g_stop)
		_exit(128 + sig);
	g_stop = sig;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- rows ---- */

void runner_row_init(struct result_row *row, const struct bench_case *c, const char *suffix,
		     const char *op)
{
	memset(row, 0, sizeof(*row));
	snprintf(row->case_id, sizeof(row->case_id), "%s%s%s", c->name, suffix ? "-" : "",
		 suffix ? suffix : "");
	row->op = op;
	if (param_applies(P_IO_SIZE, c->kind)) {
		row->has_io = 1;
		row->io_size = c->v[P_IO_SIZE];
	}
	if (param_applies(P_QD, c->kind) || c->kind == KIND_REUSE) {
		row->has_qd = 1;
		row->qd = c->kind == KIND_REUSE ? 1 : c->v[P_QD];
		row->threads = c->kind == KIND_LATENCY ? c->v[P_THREADS] : 1;
	}
	if (c->kind == KIND_REUSE) {
		row->has_pages = 1;
		row->pages = c->v[P_PAGES];
	}
	if (param_applies(P_MAP_SIZE, c->kind)) {
		row->has_map_size = 1;
		row->map_size = c->v[P_MAP_SIZE];
	}
	if (c->kind == KIND_CHURN) {
		uint64_t b = c->v[P_CHURN];
		if (b == 0)
			snprintf(row->churn, sizeof(row->churn), "persistent");
		else if (b == 1)
			snprintf(row->churn, sizeof(row->churn), "per-io");
		else
			snprintf(row->churn, sizeof(row->churn), "batch:%llu",
				 (unsigned long long)b);
	}
}

static void opt_u64(FILE *f, int has, uint64_t v)
{
	if (has)
		fprintf(f, ",%llu", (unsigned long long)v);
	else
		fputs(",", f);
}

int runner_emit(struct runner *r, const struct bench_case *c, struct result_row *row,
		const struct hist *h, const struct ctr_set *ctr, struct err *e)
{
	FILE *f = r->ds.results;
	fprintf(f, "%s,%s,%s,%llu,%s", row->case_id, kind_name(c->kind), r->be->ops->name,
		(unsigned long long)c->v[P_PAGE_SIZE], row->op);
	opt_u64(f, row->has_io, row->io_size);
	opt_u64(f, row->has_qd, row->qd);
	opt_u64(f, row->has_qd, row->threads);
	opt_u64(f, row->has_pages, row->pages);
	opt_u64(f, row->has_map_size, row->map_size);
	opt_u64(f, row->has_mappings, row->mappings);
	fprintf(f, ",%s,%llu", row->churn, (unsigned long long)h->count);
	const double qs[] = {0.5, 0.9, 0.99, 0.999, 0.9999};
	fprintf(f, ",%.1f", hist_mean(h));
	for (unsigned i = 0; i < 5; i++)
		fprintf(f, ",%llu", (unsigned long long)hist_quantile(h, qs[i]));
	fprintf(f, ",%llu,%.1f", (unsigned long long)(h->count ? h->max : 0), row->iops);
	opt_u64(f, row->has_mem, row->mem_bytes);
	fputc('\n', f);
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (!h->b[i])
			continue;
		uint64_t lo, hi;
		hist_bounds(i, &lo, &hi);
		fprintf(r->ds.hist, "%s,%llu,%llu,%llu\n", row->case_id, (unsigned long long)lo,
			(unsigned long long)hi, (unsigned long long)h->b[i]);
	}
	for (unsigned i = 0; ctr && i < ctr->n; i++)
		fprintf(r->ds.counters, "%s,%s,%s,%llu,,\n", row->case_id, ctr->source,
			ctr->name[i], (unsigned long long)ctr->val[i]);
	if (row->raw && row->raw->on) {
		if (!r->ds.raw && dataset_open_raw(&r->ds, e))
			return -e->code;
		for (size_t i = 0; i < row->raw->n; i++)
			fprintf(r->ds.raw, "%s,%llu\n", row->case_id,
				(unsigned long long)row->raw->v[i]);
		if (row->raw->failed)
			fprintf(stderr,
				"iotlbench: %s: out of memory for raw samples; "
				"raw_samples.csv holds the first %zu\n",
				row->case_id, row->raw->n);
	}
	if (ferror(f) || ferror(r->ds.hist) || ferror(r->ds.counters) ||
	    (r->ds.raw && ferror(r->ds.raw)))
		return err_set(e, EIO, "writing the dataset in %s failed (disk full?)", r->ds.dir);
	return 0;
}

/* ---- meta.json ---- */

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_object *grid_json(const struct suite *s)
{
	json_object *a = json_object_new_array();
	for (unsigned i = 0; i < s->ncases; i++) {
		const struct bench_case *c = &s->cases[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "case", json_object_new_string(c->name));
		json_object_object_add(o, "kind", json_object_new_string(kind_name(c->kind)));
		for (int p = 1; p < NPARAMS; p++) {
			if (!param_applies((enum param_id)p, c->kind))
				continue;
			if (p == P_MAPPINGS) {
				json_object *m = json_object_new_array();
				for (unsigned k = 0; k < c->nmappings; k++)
					json_object_array_add(
					    m, json_object_new_int64((int64_t)c->mappings[k]));
				json_object_object_add(o, "mappings", m);
			} else {
				json_object_object_add(o, param_name((enum param_id)p),
						       json_object_new_int64((int64_t)c->v[p]));
			}
		}
		json_object_array_add(a, o);
	}
	return a;
}

static void meta_init(struct runner *r, const struct suite *s, const char *run_id)
{
	json_object *m = r->ds.meta;
	char now[32];
	iso_now(now, sizeof(now));
	json_object_object_add(m, "run_id", json_object_new_string(run_id));
	json_object_object_add(m, "suite", json_object_new_string(s->name));
	json_object_object_add(m, "suite_file", json_object_new_string(s->path));
	json_object_object_add(m, "description", json_object_new_string(s->description));
	json_object *sets = json_object_new_array();
	for (unsigned i = 0; i < r->o.nset; i++)
		json_object_array_add(sets, json_object_new_string(r->o.sets[i]));
	json_object_object_add(m, "overrides", sets);
	json_object_object_add(m, "grid", grid_json(s));
	json_object_object_add(m, "backend", json_object_new_string(r->be->ops->name));
	bool emu = !strcmp(r->be->ops->name, "emu");
	const char *preset = r->o.bcfg.preset ? r->o.bcfg.preset : BACKEND_DEFAULT_PRESET;
	json_object_object_add(m, "preset", emu ? json_object_new_string(preset) : NULL);
	json_object_object_add(
	    m, "emu_opts",
	    emu && r->o.bcfg.emu_opts ? json_object_new_string(r->o.bcfg.emu_opts) : NULL);
	json_object *dev = json_object_new_object();
	json_object_object_add(dev, "bdf",
			       r->o.bcfg.device ? json_object_new_string(r->o.bcfg.device) : NULL);
	json_object_object_add(dev, "model", json_object_new_string(r->c->info.model));
	json_object_object_add(dev, "serial", json_object_new_string(r->c->info.serial));
	json_object_object_add(dev, "firmware", json_object_new_string(r->c->info.firmware));
	json_object_object_add(dev, "mdts_bytes", json_object_new_int64(r->c->info.max_xfer));
	json_object_object_add(m, "device", dev);
	json_object *host = hostinfo_json();
	if (emu) /* the emulated device sits behind the model, not the host IOMMU */
		json_object_object_add(host, "iommu_type", json_object_new_string("model"));
	json_object_object_add(m, "host", host);
	json_object *clk = json_object_new_object();
	json_object_object_add(clk, "source", json_object_new_string(g_timer.source));
	json_object_object_add(clk, "tsc_hz",
			       g_timer.tsc ? json_object_new_double(g_timer.tsc_hz) : NULL);
	json_object_object_add(m, "clock", clk);
	json_object *v = json_object_new_object();
	json_object_object_add(v, "version", json_object_new_string(IOTLB_VERSION));
	json_object_object_add(v, "revision", json_object_new_string(IOTLB_REVISION));
	json_object_object_add(m, "iotlbench", v);
	json_object_object_add(m, "start_time", json_object_new_string(now));
	json_object_object_add(m, "end_time", NULL);
	json_object_object_add(m, "complete", json_object_new_boolean(0));
	json_object_object_add(m, "skipped_cases", json_object_new_array());
	json_object_object_add(m, "failed_cases", json_object_new_array());
	json_object_object_add(m, "recoveries", json_object_new_array());
}

static void meta_case_problem(struct runner *r, const char *list, const char *name, const char *msg)
{
	json_object *a = NULL;
	json_object_object_get_ex(r->ds.meta, list, &a);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "case", json_object_new_string(name));
	json_object_object_add(o, "reason", json_object_new_string(msg));
	json_object_array_add(a, o);
}

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
	uint32_t csts = tr_read32(r->c->tr, NVME_REG_CSTS);
	return e->code == ETIMEDOUT || e->code == ECANCELED || csts == 0xffffffffu ||
	       (csts & NVME_CSTS_BIT_CFS);
}

/* Resets the controller after a failed case and records it; returns
 * non-zero when the reset itself failed (the case then stays failed). */
static int recover(struct runner *r, const struct bench_case *c, struct err *e, struct progress *pg,
		   unsigned i)
{
	char why[ERR_MSG_MAX];
	snprintf(why, sizeof(why), "%s", e->msg);
	struct err re;
	int rc = nvme_ctrl_reset(r->c, &re);
	char msg[2 * ERR_MSG_MAX + 64];
	snprintf(msg, sizeof(msg), "%s; controller reset %s%s", why,
		 rc ? "failed: " : "done, retrying", rc ? re.msg : "");
	meta_case_problem(r, "recoveries", c->name, msg);
	progress_done(pg, i, c->name, msg);
	if (rc)
		snprintf(e->msg, sizeof(e->msg), "%.300s; controller reset failed", why);
	return rc;
}

static void make_run_id(char *buf, size_t len, const char *suite, const char *backend)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "%s-%s-%s", ts, suite, backend);
}

static bool suite_writes(const struct suite *s)
{
	for (unsigned i = 0; i < s->ncases; i++)
		if (param_applies(P_OP, s->cases[i].kind) && s->cases[i].v[P_OP])
			return true;
	return false;
}

/* --lba-range and the data-safety check, before anything is written. */
static int confine(struct runner *r, const struct suite *s, struct err *e)
{
	const struct nvme_ns *full = r->ns;
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
		r->ns = &r->window;
	}
	if (!suite_writes(s) || r->o.force_destroy_data)
		return 0;
	return safety_check(r->c, full, e);
}

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

static int pin_cpu(int cpu)
{
	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu < 0)
		return -1;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

int runner_main(const struct run_opts *o)
{
	struct runner r;
	memset(&r, 0, sizeof(r));
	r.o = *o;
	r.stop = &g_stop;
	g_stop = 0;
	struct err e = {0};
	struct suite s;
	int rc = suite_load(o->suite_path, o->sets, o->nset, &s, &e);
	if (rc) {
		fprintf(stderr, "iotlbench: %s\n", e.msg);
		return 1;
	}
	timer_init(o->force_clock);
	int cpu = pin_cpu(o->cpu);
	install_signals();
	rc = backend_open(o->backend, &o->bcfg, &r.be, &e);
	if (!rc)
		rc = nvme_ctrl_open(&r.be->dev, NULL, &r.c, &e);
	if (!rc && !(r.ns = nvme_ctrl_ns(r.c, 1)))
		rc = err_set(&e, ENODEV, "the controller has no namespace 1");
	if (!rc)
		rc = confine(&r, &s, &e);
	char run_id[160];
	make_run_id(run_id, sizeof(run_id), s.name, o->backend);
	/* Two runs in the same second get -2, -3, ...: never overwrite. */
	for (int k = 2; !rc && k < 100; k++) {
		rc = dataset_open(&r.ds, o->out_root ? o->out_root : "datasets/runs", run_id, &e);
		if (rc != -EEXIST)
			break;
		make_run_id(run_id, sizeof(run_id), s.name, o->backend);
		size_t n = strlen(run_id);
		snprintf(run_id + n, sizeof(run_id) - n, "-%d", k);
		rc = 0;
	}
	if (!rc) {
		/* One write per case: a forced exit never leaves half a row. */
		setvbuf(r.ds.results, NULL, _IOFBF, 1 << 20);
		setvbuf(r.ds.hist, NULL, _IOFBF, 1 << 20);
		setvbuf(r.ds.counters, NULL, _IOFBF, 1 << 20);
		meta_init(&r, &s, run_id);
		json_object_object_add(r.ds.meta, "cpu", json_object_new_int(cpu));
		json_object_object_add(r.ds.meta, "force_destroy_data",
				       json_object_new_boolean(o->force_destroy_data));
		json_object *range = NULL;
		if (o->has_range) {
			range = json_object_new_array();
			json_object_array_add(range, json_object_new_int64((int64_t)o->lba_lo));
			json_object_array_add(range, json_object_new_int64((int64_t)o->lba_hi));
		}
		json_object_object_add(r.ds.meta, "lba_range", range);
		rc = dataset_write_meta(&r.ds, &e);
	}
	if (!rc && (o->trace || o->counters)) {
		struct observe_opts oo = {.trace = o->trace,
					  .probes = o->trace_probes,
					  .events = o->trace_events,
					  .counters = o->counters,
					  .events_spec = o->counter_events};
		rc = observe_open(&oo, r.ds.dir, o->quiet ? stderr : stdout, &r.obs, &e);
		if (!rc)
			observe_set_lba_shift(r.obs, r.ns->lba_shift);
		/* The default probes sit in the kernel's IOMMU and VFIO/IOMMUFD
		 * paths; an in-process backend never enters them. */
		if (!rc && o->trace && !(o->trace_probes && *o->trace_probes) &&
		    !backend_is_real(r.be))
			fprintf(
			    o->quiet ? stderr : stdout,
			    "trace: backend %s never enters the kernel paths the default "
			    "probes watch; --trace=usdt traces the driver's own map/unmap and "
			    "I/O (a uprobe trap per hit, microseconds each, which the latencies "
			    "then include)\n",
			    o->backend);
	}
	if (rc) {
		fprintf(stderr, "iotlbench: %s\n", e.msg);
		if (r.ds.meta)
			dataset_close(&r.ds);
		nvme_ctrl_close(r.c);
		backend_close(r.be);
		suite_free(&s);
		return 1;
	}
	if (!o->quiet)
		printf("run %s: %u cases, backend %s, clock %s, dataset %s\n", run_id, s.ncases,
		       o->backend, g_timer.source, r.ds.dir);
	struct progress pg;
	progress_init(&pg, stderr, s.ncases, o->quiet);
	unsigned failed = 0, skipped = 0;
	r.ncases = s.ncases;
	for (unsigned i = 0; i < s.ncases && !g_stop; i++) {
		const struct bench_case *c = &s.cases[i];
		char desc[256];
		case_describe(c, desc, sizeof(desc));
		progress_case(&pg, i, c->name, desc);
		r.cur = c;
		r.case_index = i;
		/* Each case starts with a cold IOTLB (or fresh mappings). */
		backend_flush_iotlb(r.be);
		err_clear(&e);
		int crc = 0;
		/* A device that timed out, aborted or went fatal gets one bounded
		 * recovery: a controller reset and a second try of the case. */
		for (unsigned attempt = 0;; attempt++) {
			observe_case_begin(r.obs, i, c->name);
			if (IOTLB_PROBE_ON(case_start))
				IOTLB_PROBE2(case_start, i, c->name);
			crc = kinds[c->kind].run(&r, c, &e);
			if (IOTLB_PROBE_ON(case_end))
				IOTLB_PROBE2(case_end, i, c->name);
			struct err oe = {0};
			if (observe_case_end(r.obs, i, c->name, r.ds.counters, &oe))
				fprintf(stderr, "iotlbench: %s: %s\n", c->name, oe.msg);
			if (!crc || g_stop || attempt == 1 || !device_trouble(&r, &e))
				break;
			if (recover(&r, c, &e, &pg, i))
				break;
		}
		dataset_flush(&r.ds);
		if (crc && g_stop)
			break;
		if (crc) {
			bool skip = is_skip(e.code);
			skipped += skip;
			failed += !skip;
			meta_case_problem(&r, skip ? "skipped_cases" : "failed_cases", c->name,
					  e.msg);
			progress_done(&pg, i, c->name, e.msg);
		}
	}
	progress_end(&pg);
	char now[32];
	iso_now(now, sizeof(now));
	json_object_object_add(r.ds.meta, "end_time", json_object_new_string(now));
	json_object_object_add(r.ds.meta, "complete", json_object_new_boolean(!g_stop));
	if (g_stop)
		json_object_object_add(
		    r.ds.meta, "interrupted",
		    json_object_new_string(g_stop == SIGINT ? "SIGINT" : "SIGTERM"));
	/* Close the controller first: its queues are mappings too. What is
	 * still mapped afterwards was leaked, and the dataset says so. */
	nvme_ctrl_close(r.c);
	observe_close(r.obs);
	/* CSTS.RDY after close: the controller must be left disabled (3.1.6). */
	uint32_t csts = tr_read32(r.be->dev.tr, NVME_REG_CSTS);
	json_object_object_add(
	    r.ds.meta, "controller_ready_at_exit",
	    json_object_new_boolean(csts != 0xffffffffu && (csts & NVME_CSTS_BIT_RDY)));
	uint64_t live;
	if (backend_live_mappings(r.be, &live)) {
		json_object_object_add(r.ds.meta, "dma_mappings_at_exit",
				       json_object_new_int64((int64_t)live));
		if (live)
			fprintf(stderr, "iotlbench: %llu DMA mappings still live at exit\n",
				(unsigned long long)live);
	}
	if (dataset_write_meta(&r.ds, &e))
		fprintf(stderr, "iotlbench: %s\n", e.msg);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", r.ds.dir);
	unsigned ncases = s.ncases;
	dataset_close(&r.ds);
	backend_close(r.be);
	link_latest(o->out_root ? o->out_root : "datasets/runs", run_id);
	suite_free(&s);
	if (g_stop) {
		fprintf(stderr, "iotlbench: interrupted; partial dataset in %s (complete: false)\n",
			dir);
		return 128 + g_stop;
	}
	if (!o->quiet)
		printf("dataset: %s (%u cases, %u skipped, %u failed)\n", dir, ncases, skipped,
		       failed);
	return failed ? 1 : 0;
}
