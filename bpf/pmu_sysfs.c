#include "bpf/pmu_sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *pmu_sysfs_root(void)
{
	const char *r = getenv("IOTLB_SYSFS_ROOT");
	return r && *r ? r : "/sys";
}

/* Reads a small sysfs file into buf without the trailing newline. */
static int read_attr(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int pmu_sysfs_list(const char *root, const char *prefix, char names[][PMU_NAME_MAX], int max)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/bus/event_source/devices", root);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < max)
		if (!strncmp(de->d_name, prefix, strlen(prefix)) &&
		    strlen(de->d_name) < PMU_NAME_MAX)
			snprintf(names[n++], PMU_NAME_MAX, "%.*s", PMU_NAME_MAX - 1, de->d_name);
	closedir(d);
	qsort(names, (size_t)n, PMU_NAME_MAX, cmp_names);
	return n;
}

int pmu_sysfs_cpu(const char *root, const char *pmu, struct err *e)
{
	char path[PATH_MAX], buf[256];
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/%s/cpumask", root, pmu);
	if (read_attr(path, buf, sizeof(buf)))
		return 0;
	char *end;
	long cpu = strtol(buf, &end, 10);
	if (end == buf || cpu < 0 || (*end && *end != ',' && *end != '-'))
		return err_set(e, EINVAL, "%s: cpumask '%s' is not a CPU list", path, buf);
	return (int)cpu;
}

/* One "configN:lo-hi[,lo-hi...]" format: which attr word and which bits. */
struct fmt {
	int word; /* 0 config, 1 config1, 2 config2 */
	int nr;
	int lo[4], hi[4];
};

static int parse_format(const char *s, struct fmt *f)
{
	const char *colon = strchr(s, ':');
	if (!colon)
		return -EINVAL;
	size_t wl = (size_t)(colon - s);
	if (wl == 6 && !strncmp(s, "config", 6))
		f->word = 0;
	else if (wl == 7 && !strncmp(s, "config1", 7))
		f->word = 1;
	else if (wl == 7 && !strncmp(s, "config2", 7))
		f->word = 2;
	else
		return -EINVAL;
	f->nr = 0;
	const char *p = colon + 1;
	while (*p && f->nr < 4) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;
		if (end == p)
			return -EINVAL;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p)
				return -EINVAL;
		}
		if (lo < 0 || hi < lo || hi > 63)
			return -EINVAL;
		f->lo[f->nr] = (int)lo;
		f->hi[f->nr] = (int)hi;
		f->nr++;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -EINVAL;
	}
	return f->nr ? 0 : -EINVAL;
}

/* Scatters `val` over the format's bit ranges, low bits first, as perf's
 * tools/perf/util/pmu.c does for multi-range formats. */
static int apply(const struct fmt *f, uint64_t val, struct perf_event_attr *attr)
{
	__u64 *w = f->word == 0 ? &attr->config : f->word == 1 ? &attr->config1 : &attr->config2;
	int used = 0;
	for (int i = 0; i < f->nr; i++) {
		int width = f->hi[i] - f->lo[i] + 1;
		uint64_t mask = width == 64 ? ~0ull : ((1ull << width) - 1);
		*w |= ((val >> used) & mask) << f->lo[i];
		used += width;
	}
	return used < 64 && (val >> used) ? -ERANGE : 0;
}

/* perf_event_attr.type of `pmu`, from its `type` file. */
static int read_type(const char *dir, const char *pmu, struct perf_event_attr *attr, struct err *e)
{
	char path[PATH_MAX + 16], buf[64];
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	snprintf(path, sizeof(path), "%s/type", dir);
	if (read_attr(path, buf, sizeof(buf)))
		return err_set(e, ENOENT, "PMU %s not found (%s missing)", pmu, path);
	char *end;
	long type = strtol(buf, &end, 10);
	if (end == buf || *end || type < 0)
		return err_set(e, EINVAL, "%s: '%s' is not a PMU type number", path, buf);
	attr->type = (uint32_t)type;
	return 0;
}

/* ORs the comma-separated "term=value" list into attr through the PMU's
 * format files; `what` names the list's origin in messages. */
static int apply_terms(const char *dir, const char *what, char *terms, struct perf_event_attr *attr,
		       struct err *e)
{
	char path[PATH_MAX + 128], fbuf[128];
	char *save = NULL, *end;
	for (char *term = strtok_r(terms, ",", &save); term; term = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(term, '=');
		uint64_t val = 1; /* a bare term is a flag: value 1 */
		if (eq) {
			*eq = '\0';
			errno = 0;
			val = strtoull(eq + 1, &end, 0);
			if (errno || end == eq + 1 || *end)
				return err_set(e, EINVAL, "%s: bad value in term '%s=%s'", what,
					       term, eq + 1);
		}
		snprintf(path, sizeof(path), "%s/format/%s", dir, term);
		struct fmt f;
		if (read_attr(path, fbuf, sizeof(fbuf)))
			return err_set(e, EINVAL, "%s: term '%s' has no format file %s", what, term,
				       path);
		if (parse_format(fbuf, &f))
			return err_set(e, EINVAL,
				       "%s: format '%s' not understood (expected "
				       "configN:lo-hi)",
				       path, fbuf);
		if (apply(&f, val, attr))
			return err_set(e, ERANGE, "%s: %s=0x%llx does not fit %s", what, term,
				       (unsigned long long)val, fbuf);
	}
	return 0;
}

int pmu_sysfs_event_attr(const char *root, const char *pmu, const char *event,
			 struct perf_event_attr *attr, struct err *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 128], buf[512];
	snprintf(dir, sizeof(dir), "%s/bus/event_source/devices/%s", root, pmu);
	if (read_type(dir, pmu, attr, e))
		return -e->code;
	snprintf(path, sizeof(path), "%s/events/%s", dir, event);
	if (read_attr(path, buf, sizeof(buf)))
		return err_set(e, ENOENT, "PMU %s has no event %s (%s missing)", pmu, event, path);
	char what[PATH_MAX + 160];
	snprintf(what, sizeof(what), "%s/events/%s", dir, event);
	return apply_terms(dir, what, buf, attr, e);
}

int pmu_sysfs_terms_attr(const char *root, const char *pmu, const char *terms,
			 struct perf_event_attr *attr, struct err *e)
{
	char dir[PATH_MAX], buf[512];
	snprintf(dir, sizeof(dir), "%s/bus/event_source/devices/%s", root, pmu);
	if (read_type(dir, pmu, attr, e))
		return -e->code;
	snprintf(buf, sizeof(buf), "%s", terms);
	char what[PATH_MAX + 64];
	snprintf(what, sizeof(what), "%s terms '%.40s'", dir, terms);
	return apply_terms(dir, what, buf, attr, e);
}

int pmu_sysfs_has_format(const char *root, const char *pmu, const char *term)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/%s/format/%s", root, pmu, term);
	return access(path, R_OK) == 0;
}

int pmu_sysfs_read(const char *root, const char *pmu, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/%s/%s", root, pmu, file);
	return read_attr(path, buf, len);
}
