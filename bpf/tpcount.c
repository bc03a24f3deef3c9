#include "bpf/tpcount.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "driver/util/hostfs.h"

const char *const tpcount_iommu_events[] = {
    "iommu:map",
    "iommu:unmap",
    "intel_iommu:qi_submit",
    "intel_iommu:cache_tag_flush_range",
    "intel_iommu:cache_tag_flush_range_np",
    NULL,
};

/* The tracepoint's id from tracefs, where it is mounted or the debugfs
 * copy of it (Documentation/trace/events.rst, "id"). */
static int tp_id(const char *name, uint64_t *id)
{
	char sys[64], ev[64];
	const char *colon = strchr(name, ':');
	if (!colon || (size_t)(colon - name) >= sizeof(sys) || strlen(colon + 1) >= sizeof(ev))
		return -EINVAL;
	snprintf(sys, sizeof(sys), "%.*s", (int)(colon - name), name);
	snprintf(ev, sizeof(ev), "%s", colon + 1);
	static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	int rc = -ENOENT;
	for (unsigned i = 0; i < 2 && rc; i++) {
		char p[256];
		snprintf(p, sizeof(p), "%s/events/%s/%s/id", roots[i], sys, ev);
		rc = hostfs_read_u64(p, id);
	}
	return rc;
}

static void open_one(struct tpcount_ev *e)
{
	uint64_t id;
	int rc = tp_id(e->name, &id);
	if (rc == -ENOENT) {
		snprintf(e->why, sizeof(e->why),
			 "no such tracepoint in tracefs (mount tracefs on /sys/kernel/tracing; "
			 "the kernel may lack it)");
		return;
	}
	if (rc) {
		snprintf(e->why, sizeof(e->why), "cannot read its tracefs id: %s", strerror(-rc));
		return;
	}
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	if (ncpu > TPCOUNT_MAX_CPUS)
		ncpu = TPCOUNT_MAX_CPUS;
	struct perf_event_attr a = {.type = PERF_TYPE_TRACEPOINT, .size = sizeof(a), .config = id};
	for (long cpu = 0; cpu < ncpu; cpu++) {
		int fd = (int)syscall(SYS_perf_event_open, &a, -1, (int)cpu, -1, 0);
		if (fd < 0 && errno == ENODEV)
			continue; /* offline CPU */
		if (fd < 0) {
			snprintf(e->why, sizeof(e->why), "perf_event_open on CPU %ld: %s%s", cpu,
				 strerror(errno),
				 errno == EACCES || errno == EPERM
				     ? " (system-wide tracepoint counts need root or CAP_PERFMON "
				       "with kernel.perf_event_paranoid <= 0)"
				     : "");
			for (int i = 0; i < e->nfd; i++)
				close(e->fd[i]);
			e->nfd = 0;
			return;
		}
		e->fd[e->nfd++] = fd;
	}
	e->ok = e->nfd > 0;
	if (!e->ok)
		snprintf(e->why, sizeof(e->why), "no online CPU");
}

unsigned tpcount_open(struct tpcount *t, const char *const *names)
{
	memset(t, 0, sizeof(*t));
	unsigned ok = 0;
	for (; names[t->n] && t->n < TPCOUNT_MAX; t->n++) {
		struct tpcount_ev *e = &t->ev[t->n];
		snprintf(e->name, sizeof(e->name), "%s", names[t->n]);
		open_one(e);
		ok += e->ok;
	}
	return ok;
}

static uint64_t sum(const struct tpcount_ev *e)
{
	uint64_t s = 0;
	for (int i = 0; i < e->nfd; i++) {
		uint64_t v = 0;
		if (read(e->fd[i], &v, sizeof(v)) == (ssize_t)sizeof(v))
			s += v;
	}
	return s;
}

void tpcount_begin(struct tpcount *t)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->ev[i].ok)
			t->ev[i].v0 = sum(&t->ev[i]);
}

bool tpcount_read(const struct tpcount *t, unsigned i, uint64_t *v)
{
	if (i >= t->n || !t->ev[i].ok)
		return false;
	*v = sum(&t->ev[i]) - t->ev[i].v0;
	return true;
}

void tpcount_write(const struct tpcount *t, const char *case_id, FILE *f)
{
	for (unsigned i = 0; i < t->n; i++) {
		uint64_t v;
		if (tpcount_read(t, i, &v))
			fprintf(f, "%s,kernel,%s,%llu,,\n", case_id, t->ev[i].name,
				(unsigned long long)v);
		else
			fprintf(f, "%s,kernel,%s,unsupported,,\n", case_id, t->ev[i].name);
	}
}

void tpcount_close(struct tpcount *t)
{
	for (unsigned i = 0; i < t->n; i++) {
		for (int k = 0; k < t->ev[i].nfd; k++)
			close(t->ev[i].fd[k]);
		t->ev[i].nfd = 0;
		t->ev[i].ok = false;
	}
}
