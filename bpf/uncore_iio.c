#include "bpf/uncore_iio.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bpf/uncore_iio_table.h"

const char *iio_cpuinfo_path(void)
{
	const char *p = getenv("IOTLB_CPUINFO");
	return p && *p ? p : "/proc/cpuinfo";
}

struct cpu_id {
	char vendor[16];
	unsigned family, model, stepping;
};

/* The first processor's "vendor_id", "cpu family", "model", "stepping"
 * lines (arch/x86/kernel/cpu/proc.c). */
static int read_cpu_id(const char *path, struct cpu_id *c, struct err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, EOPNOTSUPP, "cannot read %s (%s): the CPU model is unknown", path,
			       strerror(errno));
	char line[256];
	int seen = 0;
	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), f) && seen != 0xf) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		const char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strncmp(line, "vendor_id", 9) && !(seen & 1)) {
			sscanf(v, "%15s", c->vendor);
			seen |= 1;
		} else if (!strncmp(line, "cpu family", 10) && !(seen & 2)) {
			c->family = (unsigned)strtoul(v, NULL, 10);
			seen |= 2;
		} else if (!strncmp(line, "model", 5) && isspace((unsigned char)line[5]) &&
			   !(seen & 4)) {
			c->model = (unsigned)strtoul(v, NULL, 10);
			seen |= 4;
		} else if (!strncmp(line, "stepping", 8) && !(seen & 8)) {
			c->stepping = (unsigned)strtoul(v, NULL, 10);
			seen |= 8;
		}
	}
	fclose(f);
	if ((seen & 7) != 7)
		return err_set(e, EOPNOTSUPP,
			       "%s has no vendor_id/cpu family/model lines: the CPU model is "
			       "unknown",
			       path);
	return 0;
}

static const struct iio_event *find_event(const struct iio_gen *g, const char *name)
{
	for (size_t i = 0; i < g->nev; i++)
		if (!strcasecmp(g->ev[i].name, name) ||
		    (g->ev[i].metric && !strcasecmp(g->ev[i].metric, name)))
			return &g->ev[i];
	return NULL;
}

static int unknown_event(const struct iio_gen *g, const char *name, struct err *e)
{
	char list[1024];
	size_t n = 0;
	list[0] = '\0';
	for (size_t i = 0; i < g->nev && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      g->ev[i].name);
	return err_set(e, ENOENT,
		       "%s IIO has no IOMMU event %s; known: iotlb_miss, iotlb_lookup, %s", g->name,
		       name, list);
}

/* "uncore_iio_3" but not "uncore_iio_free_running_0". */
static int is_stack_pmu(const char *name)
{
	const char *p = name + strlen(IIO_PREFIX);
	if (*p++ != '_' || !*p)
		return 0;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

/* The cpumask's CPUs in order ("0,28", "0-1"): one per die for uncore PMUs,
 * the kernel's first online CPU of each die, so entry X is logical die X. */
static int cpu_list(const char *root, const char *pmu, int *cpus, int max)
{
	char buf[256];
	if (pmu_sysfs_read(root, pmu, "cpumask", buf, sizeof(buf))) {
		cpus[0] = 0;
		return 1;
	}
	int n = 0;
	for (char *p = buf; *p && n < max;) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;
		if (end == p)
			break;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (long c = lo; c <= hi && n < max; c++)
			cpus[n++] = (int)c;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			break;
	}
	return n;
}

/* The device's host bridge ("pci0000:16" in its sysfs path) is the root
 * bus of its IIO stack; without the link, the bus itself. */
static int device_root(const char *root, const char *bdf, unsigned *seg, unsigned *bus, int *exact)
{
	unsigned dev, fn;
	if (sscanf(bdf, "%x:%x:%x.%x", seg, bus, &dev, &fn) != 4)
		return -1;
	char path[PATH_MAX], target[PATH_MAX];
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, bdf);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	*exact = 0;
	if (n <= 0)
		return 0;
	target[n] = '\0';
	const char *hb = strstr(target, "/pci");
	unsigned s, b;
	if (hb && sscanf(hb, "/pci%x:%x", &s, &b) == 2) {
		*seg = s;
		*bus = b;
		*exact = 1;
	}
	return 0;
}

struct stack {
	char pmu[PMU_NAME_MAX];
	int die;
	unsigned seg, bus;
};

/* Every (stack, die) the dieN files describe ("%04x:%02x",
 * skx_iio_mapping_show in arch/x86/events/intel/uncore_snbep.c). */
static int read_mapping(const char *root, char pmus[][PMU_NAME_MAX], int npmu, struct stack *st,
			int max)
{
	int n = 0;
	for (int i = 0; i < npmu; i++)
		for (int die = 0; die < 16 && n < max; die++) {
			char file[16], buf[32];
			snprintf(file, sizeof(file), "die%d", die);
			if (pmu_sysfs_read(root, pmus[i], file, buf, sizeof(buf)))
				continue;
			unsigned s, b;
			if (sscanf(buf, "%x:%x", &s, &b) != 2)
				continue;
			snprintf(st[n].pmu, sizeof(st[n].pmu), "%.*s", PMU_NAME_MAX - 1, pmus[i]);
			st[n].die = die;
			st[n].seg = s;
			st[n].bus = b;
			n++;
		}
	return n;
}

/* The stack whose root bus is the device's host bridge; failing that, the
 * highest root bus at or below the device's bus in its segment (a stack's
 * buses run from its root bus up to the next stack's). */
static const struct stack *pick_stack(const struct stack *st, int n, unsigned seg, unsigned bus)
{
	const struct stack *best = NULL;
	for (int i = 0; i < n; i++) {
		if (st[i].seg != seg || st[i].bus > bus)
			continue;
		if (!best || st[i].bus > best->bus)
			best = &st[i];
	}
	return best;
}

static int encode(const char *root, const char *pmu, const struct iio_event *ev,
		  struct perf_event_attr *a, struct err *e)
{
	char terms[64];
	snprintf(terms, sizeof(terms), "event=0x%x,umask=0x%x", ev->code, ev->umask);
	if (!pmu_sysfs_has_format(root, pmu, "event") || !pmu_sysfs_has_format(root, pmu, "umask"))
		return err_set(e, EINVAL,
			       "%s has no format/event or format/umask: not an IIO PMU this "
			       "table can encode for",
			       pmu);
	if (pmu_sysfs_terms_attr(root, pmu, terms, a, e))
		return -e->code;
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	return 0;
}

static int add_unit(struct iio_plan *p, const char *root, const char *pmu, int cpu,
		    const struct iio_event *ev, struct err *e)
{
	if (p->n == IIO_UNITS_MAX)
		return err_set(e, E2BIG, "more than %d IIO stacks x dies", IIO_UNITS_MAX);
	struct iio_unit *u = &p->u[p->n];
	snprintf(u->pmu, sizeof(u->pmu), "%.*s", PMU_NAME_MAX - 1, pmu);
	u->cpu = cpu;
	if (encode(root, pmu, ev, &u->attr, e))
		return -e->code;
	p->n++;
	return 0;
}

static int plan_all(struct iio_plan *p, const char *root, char pmus[][PMU_NAME_MAX], int npmu,
		    const struct iio_event *ev, struct err *e)
{
	for (int i = 0; i < npmu; i++) {
		int cpus[16];
		int nc = cpu_list(root, pmus[i], cpus, 16);
		for (int c = 0; c < nc; c++)
			if (add_unit(p, root, pmus[i], cpus[c], ev, e))
				return -e->code;
	}
	return 0;
}

int iio_plan(const char *root, const char *cpuinfo, const char *event, const char *bdf,
	     struct iio_plan *p, struct err *e)
{
	memset(p, 0, sizeof(*p));
	struct cpu_id c;
	if (read_cpu_id(cpuinfo, &c, e))
		return -e->code;
	const struct iio_gen *g =
	    strcmp(c.vendor, "GenuineIntel") ? NULL : iio_gen_for(c.family, c.model, c.stepping);
	if (!g)
		return err_set(e, EOPNOTSUPP,
			       "%s family %u model 0x%x is not in iotlbench's IIO IOMMU table "
			       "(Intel family 6: Ice Lake-SP 0x6a/0x6c, Sapphire Rapids 0x8f, "
			       "Emerald Rapids 0xcf); on VT-d with perfmon use dmar/iotlb_lookup",
			       c.vendor[0] ? c.vendor : "unknown vendor", c.family, c.model);
	snprintf(p->gen, sizeof(p->gen), "%s", g->dir);
	if (!g->nev)
		return err_set(e, EOPNOTSUPP,
			       "%s (model 0x%x stepping %u): Intel's uncore event list for it "
			       "(tools/perf/pmu-events/arch/x86/%s/uncore-io.json) has no IIO "
			       "IOMMU events, only port events",
			       g->name, c.model, c.stepping, g->dir);
	const struct iio_event *ev = find_event(g, event);
	if (!ev)
		return unknown_event(g, event, e);
	snprintf(p->event, sizeof(p->event), "%s", ev->metric ? ev->metric : ev->name);
	char all[IIO_UNITS_MAX][PMU_NAME_MAX], pmus[IIO_UNITS_MAX][PMU_NAME_MAX];
	int nall = pmu_sysfs_list(root, IIO_PREFIX, all, IIO_UNITS_MAX), npmu = 0;
	for (int i = 0; i < nall; i++)
		if (is_stack_pmu(all[i]))
			memcpy(pmus[npmu++], all[i], PMU_NAME_MAX);
	if (!npmu)
		return err_set(e, EOPNOTSUPP,
			       "no uncore_iio_N PMU under %s/bus/event_source/devices (the "
			       "kernel lacks CONFIG_PERF_EVENTS_INTEL_UNCORE, or this is a VM)",
			       root);
	struct stack st[IIO_UNITS_MAX];
	int nst = read_mapping(root, pmus, npmu, st, IIO_UNITS_MAX);
	unsigned seg = 0, bus = 0;
	int exact = 0;
	const char *why = NULL;
	if (!bdf || !*bdf)
		why = "no PCI device (in-process backend)";
	else if (device_root(root, bdf, &seg, &bus, &exact))
		why = "the device address is not a PCI BDF";
	else if (!nst)
		why = "no uncore_iio_N/dieN stack mapping in sysfs (kernels publish it on "
		      "Skylake-SP and Ice Lake-SP, not on Sapphire/Emerald Rapids as of 6.12)";
	const struct stack *s = why ? NULL : pick_stack(st, nst, seg, bus);
	if (!why && !s)
		why = "no IIO stack's root bus covers the device";
	if (s) {
		int cpus[16];
		int nc = cpu_list(root, s->pmu, cpus, 16);
		if (s->die >= nc)
			return err_set(e, EINVAL,
				       "%s/die%d maps the device but the PMU's cpumask lists "
				       "only %d CPU(s): cannot tell which CPU counts die %d",
				       s->pmu, s->die, nc, s->die);
		snprintf(p->note, sizeof(p->note),
			 "stack %s die%d (root bus %04x:%02x%s) hosts %s; counted on CPU %d",
			 s->pmu, s->die, s->seg, s->bus,
			 exact ? ", the device's host bridge" : ", nearest below its bus", bdf,
			 cpus[s->die]);
		return add_unit(p, root, s->pmu, cpus[s->die], ev, e);
	}
	if (plan_all(p, root, pmus, npmu, ev, e))
		return -e->code;
	snprintf(p->note, sizeof(p->note),
		 "summed over all %d IIO stacks and dies (%d counters): %s; other devices' "
		 "DMA counts too",
		 npmu, p->n, why);
	return 0;
}
