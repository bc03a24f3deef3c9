#include "bpf/perf_set.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf/perf_cpu.h"
#include "bpf/pmu_sysfs.h"
#include "bpf/uncore_iio.h"

static int perf_open(struct perf_event_attr *a, int pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, 0);
}

static const char *open_hint(int err)
{
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
		return " (the kernel has no such event here: no hardware PMU, e.g. in a VM)";
	case EACCES:
	case EPERM:
		return " (needs CAP_PERFMON or root, or kernel.perf_event_paranoid <= 0 for "
		       "system-wide counters)";
	case EINVAL:
		return " (the PMU rejected the encoding)";
	default:
		return "";
	}
}

const char *perf_set_default_spec(char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (const char *const *d = perf_cpu_defaults(); *d && n < len; d++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", *d);
	const char *v = perf_cpu_vendor();
	const char *io = !strcmp(v, "intel")
			     ? ",dmar/iotlb_lookup,dmar/iotlb_hit,uncore_iio/iotlb_miss"
			 : !strcmp(v, "amd")
			     ? ",amd_iommu/mem_iommu_tlb_pte_mis,amd_iommu/mem_iommu_tlb_pde_mis,"
			       "amd_iommu/mem_trans_total"
			     : "";
	if (n < len)
		snprintf(buf + n, len - n, "%s", io);
	return buf;
}

static void unsupported(struct perf_ctr *c, const char *fmt, const char *a, const char *b)
{
	c->supported = false;
	snprintf(c->why, sizeof(c->why), fmt, a, b);
}

static void open_cpu(struct perf_ctr *c)
{
	struct perf_event_attr a;
	struct err e = {0};
	memcpy(c->event, c->spec, sizeof(c->event) - 1);
	c->event[sizeof(c->event) - 1] = '\0';
	if (perf_cpu_encode(c->spec, &a, &e)) {
		unsupported(c, "%s%s", e.msg, "");
		return;
	}
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	a.disabled = 0;
	a.inherit = 1; /* worker threads of the latency suite are counted too */
	int fd = perf_open(&a, 0, -1);
	if (fd < 0) {
		int err = errno;
		char msg[400];
		snprintf(msg, sizeof(msg), "perf_event_open(%.127s): %.64s", c->spec,
			 strerror(err));
		unsupported(c, "%s%s", msg, open_hint(err));
		return;
	}
	c->fd[c->nfd++] = fd;
	c->supported = true;
}

/* "dmar/iotlb_lookup": every PMU whose name starts with "dmar", counted
 * system-wide on the first CPU of its cpumask: these PMUs refuse per-task
 * events (perf_invalid_context) and need cpu >= 0. */
/* "uncore_iio/iotlb_miss": an event of iotlbench's own IIO table, counted
 * on the stack that hosts `bdf` (or summed, with the reason in c->note). */
static void open_iio(struct perf_ctr *c, const char *name, const char *bdf)
{
	static struct iio_plan p; /* 64 attrs: too large for the stack */
	struct err e = {0};
	snprintf(c->event, sizeof(c->event), "%s", name);
	if (iio_plan(pmu_sysfs_root(), iio_cpuinfo_path(), name, bdf, &p, &e)) {
		unsupported(c, "%s%s", e.msg, "");
		return;
	}
	snprintf(c->event, sizeof(c->event), "%s", p.event);
	snprintf(c->note, sizeof(c->note), "%s: %s", p.gen, p.note);
	for (int i = 0; i < p.n; i++) {
		int fd = perf_open(&p.u[i].attr, -1, p.u[i].cpu);
		if (fd < 0) {
			int err = errno;
			char msg[400];
			snprintf(msg, sizeof(msg), "perf_event_open(%.63s/%.95s, cpu %d): %.64s",
				 p.u[i].pmu, name, p.u[i].cpu, strerror(err));
			unsupported(c, "%s%s", msg, open_hint(err));
			while (c->nfd)
				close(c->fd[--c->nfd]);
			return;
		}
		c->fd[c->nfd++] = fd;
	}
	c->supported = true;
}

static void open_sysfs(struct perf_ctr *c, const char *slash)
{
	char prefix[PMU_NAME_MAX];
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(slash - c->spec), c->spec);
	size_t elen = strlen(slash + 1);
	elen = elen < sizeof(c->event) - 1 ? elen : sizeof(c->event) - 1;
	memcpy(c->event, slash + 1, elen);
	c->event[elen] = '\0';
	const char *root = pmu_sysfs_root();
	char units[PERF_UNITS_MAX][PMU_NAME_MAX];
	int n = pmu_sysfs_list(root, prefix, units, PERF_UNITS_MAX);
	if (n == 0) {
		unsupported(c,
			    "no %s* PMU under %s/bus/event_source/devices (no IOMMU with "
			    "performance counters, or the kernel lacks its perf driver)",
			    prefix, root);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct perf_event_attr a;
		struct err e = {0};
		if (pmu_sysfs_event_attr(root, units[i], c->event, &a, &e)) {
			unsupported(c, "%s%s", e.msg, "");
			goto fail;
		}
		int cpu = pmu_sysfs_cpu(root, units[i], &e);
		if (cpu < 0) {
			unsupported(c, "%s%s", e.msg, "");
			goto fail;
		}
		a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
		int fd = perf_open(&a, -1, cpu);
		if (fd < 0) {
			int err = errno;
			char msg[400];
			snprintf(msg, sizeof(msg), "perf_event_open(%.63s/%.95s, cpu %d): %.64s",
				 units[i], c->event, cpu, strerror(err));
			unsupported(c, "%s%s", msg, open_hint(err));
			goto fail;
		}
		c->fd[c->nfd++] = fd;
	}
	c->supported = true;
	return;
fail:
	while (c->nfd)
		close(c->fd[--c->nfd]);
}

int perf_set_open(struct perf_set *s, const char *spec, const char *bdf, struct err *e)
{
	char defbuf[1024], buf[2048];
	memset(s, 0, sizeof(*s));
	if (!spec || !*spec)
		spec = perf_set_default_spec(defbuf, sizeof(defbuf));
	snprintf(buf, sizeof(buf), "%s", spec);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (s->n == PERF_SET_MAX)
			return err_set(e, E2BIG, "--counters: at most %d events", PERF_SET_MAX);
		struct perf_ctr *c = &s->c[s->n++];
		snprintf(c->spec, sizeof(c->spec), "%s", t);
		const char *slash = strchr(t, '/');
		if (slash && (slash == t || !slash[1]))
			return err_set(e, EINVAL,
				       "--counters: '%s': expected PMU/event such as "
				       "dmar/iotlb_lookup",
				       t);
		if (slash && (size_t)(slash - t) == strlen(IIO_PREFIX) &&
		    !strncmp(t, IIO_PREFIX, strlen(IIO_PREFIX)))
			open_iio(c, slash + 1, bdf);
		else if (slash)
			open_sysfs(c, c->spec + (slash - t));
		else
			open_cpu(c);
	}
	return 0;
}

struct reading {
	uint64_t value, enabled, running;
};

static int read_ctr(int fd, struct reading *r)
{
	return read(fd, r, sizeof(*r)) == (ssize_t)sizeof(*r) ? 0 : -1;
}

void perf_set_begin(struct perf_set *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct perf_ctr *c = &s->c[i];
		for (int u = 0; u < c->nfd; u++) {
			struct reading r = {0, 0, 0};
			read_ctr(c->fd[u], &r);
			c->v0[u] = r.value;
			c->en0[u] = r.enabled;
			c->run0[u] = r.running;
		}
	}
}

void perf_set_write(struct perf_set *s, const char *case_id, FILE *f)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct perf_ctr *c = &s->c[i];
		if (!c->supported) {
			fprintf(f, "%s,pmu,%s,unsupported,,\n", case_id, c->event);
			continue;
		}
		double total = 0;
		uint64_t en = 0, run = 0;
		for (int u = 0; u < c->nfd; u++) {
			struct reading r = {0, 0, 0};
			read_ctr(c->fd[u], &r);
			uint64_t dv = r.value - c->v0[u], de = r.enabled - c->en0[u],
				 dr = r.running - c->run0[u];
			/* Multiplexed: the kernel counted dr of de ns; scale up. */
			total += dr && dr < de ? (double)dv * (double)de / (double)dr : (double)dv;
			en += de;
			run += dr;
		}
		fprintf(f, "%s,pmu,%s,%.0f,%llu,%llu\n", case_id, c->event, total,
			(unsigned long long)en, (unsigned long long)run);
	}
}

void perf_set_report(const struct perf_set *s, FILE *f)
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct perf_ctr *c = &s->c[i];
		if (c->supported)
			fprintf(f, "  counter %-40s counting (%d unit%s)%s%s\n", c->spec, c->nfd,
				c->nfd == 1 ? "" : "s", c->note[0] ? ": " : "", c->note);
		else
			fprintf(f, "  counter %-40s unsupported: %s\n", c->spec, c->why);
	}
}

void perf_set_close(struct perf_set *s)
{
	for (unsigned i = 0; i < s->n; i++)
		while (s->c[i].nfd)
			close(s->c[i].fd[--s->c[i].nfd]);
	s->n = 0;
}
