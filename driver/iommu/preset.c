#include "driver/iommu/preset.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/util/inifile.h"
#include "driver/util/parse.h"

#ifndef IOTLB_PRESET_INSTALL_PATH
#define IOTLB_PRESET_INSTALL_PATH "/usr/local/share/iotlbench/presets.ini"
#endif

const char *preset_default_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("IOTLB_PRESETS");
	if (env && *env)
		return env;
	/* bin/iotlbench → ../driver/iommu/presets.ini in a source tree. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* bin/ is one level below the tree, build/tests/unit/ three. */
			static const char *const up[] = {"..", "../..", "../../.."};
			for (unsigned i = 0; i < 3; i++) {
				snprintf(path, sizeof(path), "%.*s/%s/driver/iommu/presets.ini",
					 (int)(sizeof(path) - 40), exe, up[i]);
				if (access(path, R_OK) == 0)
					return path;
			}
		}
	}
	return IOTLB_PRESET_INSTALL_PATH;
}

struct load {
	struct preset_set *set;
	struct iommu_cfg *cur;
	int have_entries;
};

static const char *const size_names[IOMMU_NSIZES] = {"4k", "2m", "1g"};

static void cfg_defaults(struct iommu_cfg *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->kind = IOMMU_MODEL;
	for (unsigned i = 0; i < IOMMU_NSIZES; i++)
		c->tlb[i].repl = REPL_LRU;
	c->leaf_sizes = 7;
	c->inval = INVAL_STRICT;
	c->lazy_batch = 256;
}

static int parse_keyword(const char *key, const char *v, const char *const *words, unsigned n,
			 int *out, struct err *e)
{
	char allowed[128] = "";
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(v, words[i]) == 0) {
			*out = (int)i;
			return 0;
		}
		strncat(allowed, i ? ", " : "", sizeof(allowed) - strlen(allowed) - 1);
		strncat(allowed, words[i], sizeof(allowed) - strlen(allowed) - 1);
	}
	return err_set(e, EINVAL, "%s = %s: allowed values are %s", key, v, allowed);
}

static int parse_u32(const char *key, const char *v, uint32_t max, uint32_t *out, struct err *e)
{
	uint64_t x;
	if (parse_u64(v, max, &x, e))
		return err_wrap(e, "%s", key);
	*out = (uint32_t)x;
	return 0;
}

static int parse_ns(const char *key, const char *v, uint64_t *out, struct err *e)
{
	if (parse_u64(v, 1000000000ull, out, e))
		return err_wrap(e, "%s (nanoseconds, at most 1 s)", key);
	return 0;
}

/* "a,b,c" into up to n numbers. */
static int parse_list(const char *key, const char *v, uint32_t *out, unsigned n, struct err *e)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", v);
	char *save = NULL;
	unsigned i = 0;
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		if (i == n)
			return err_set(e, EINVAL, "%s: at most %u values", key, n);
		if (parse_u32(key, t, 1u << 20, &out[i++], e))
			return -e->code;
	}
	if (i != n)
		return err_set(e, EINVAL, "%s: expected %u comma-separated values", key, n);
	return 0;
}

static int parse_sizes(const char *v, uint64_t *mask, struct err *e)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", v);
	*mask = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		int k;
		if (parse_keyword("leaf_sizes", t, size_names, IOMMU_NSIZES, &k, e))
			return -e->code;
		*mask |= 1ull << k;
	}
	if (!(*mask & 1))
		return err_set(e, EINVAL, "leaf_sizes = %s: 4k must be included", v);
	return 0;
}

static int on_key(void *user, const char *section, const char *key, const char *v, int lineno,
		  struct err *e)
{
	struct load *l = user;
	(void)lineno;
	if (!*section)
		return err_set(e, EINVAL, "'%s' outside a [preset] section", key);
	if (!l->cur || strcmp(l->cur->name, section) != 0) {
		for (unsigned i = 0; i < l->set->n; i++)
			if (strcmp(l->set->p[i].name, section) == 0)
				return err_set(e, EEXIST, "preset [%s] is defined twice", section);
		if (l->set->n == PRESET_MAX)
			return err_set(e, ENOSPC, "more than %d presets", PRESET_MAX);
		if (strlen(section) >= sizeof(l->cur->name))
			return err_set(e, EINVAL, "preset name '%s' is too long", section);
		l->cur = &l->set->p[l->set->n++];
		cfg_defaults(l->cur, section);
	}
	struct iommu_cfg *c = l->cur;
	static const char *const kinds[] = {"model", "ideal", "none"};
	static const char *const orgs[] = {"unified", "split"};
	static const char *const repls[] = {"lru", "fifo", "random", "wipe"};
	static const char *const invals[] = {"strict", "lazy"};
	int k = 0;
	if (!strcmp(key, "description")) {
		snprintf(c->description, sizeof(c->description), "%s", v);
	} else if (!strcmp(key, "kind")) {
		if (parse_keyword(key, v, kinds, 3, &k, e))
			return -e->code;
		c->kind = (enum iommu_kind)k;
	} else if (!strcmp(key, "iotlb")) {
		if (parse_keyword(key, v, orgs, 2, &k, e))
			return -e->code;
		c->split = k == 1;
	} else if (!strcmp(key, "entries")) {
		if (parse_u32(key, v, 1u << 24, &c->tlb[0].entries, e))
			return -e->code;
	} else if (!strncmp(key, "entries_", 8)) {
		if (parse_keyword(key, key + 8, size_names, IOMMU_NSIZES, &k, e) ||
		    parse_u32(key, v, 1u << 24, &c->tlb[k].entries, e))
			return -e->code;
	} else if (!strcmp(key, "ways")) {
		uint32_t w = 0;
		if (parse_u32(key, v, 1u << 24, &w, e))
			return -e->code;
		for (unsigned i = 0; i < IOMMU_NSIZES; i++)
			c->tlb[i].ways = w;
	} else if (!strcmp(key, "replacement")) {
		if (parse_keyword(key, v, repls, 4, &k, e))
			return -e->code;
		for (unsigned i = 0; i < IOMMU_NSIZES; i++)
			c->tlb[i].repl = (enum cache_repl)k;
	} else if (!strcmp(key, "seed")) {
		uint64_t s = 0;
		if (parse_u64(v, UINT64_MAX, &s, e))
			return err_wrap(e, "seed");
		for (unsigned i = 0; i < IOMMU_NSIZES; i++)
			c->tlb[i].seed = s + i;
	} else if (!strcmp(key, "pwc")) {
		if (parse_list(key, v, c->pwc_entries, 3, e))
			return -e->code;
	} else if (!strcmp(key, "leaf_sizes")) {
		if (parse_sizes(v, &c->leaf_sizes, e))
			return -e->code;
	} else if (!strcmp(key, "invalidation")) {
		if (parse_keyword(key, v, invals, 2, &k, e))
			return -e->code;
		c->inval = (enum iommu_inval)k;
	} else if (!strcmp(key, "lazy_batch")) {
		if (parse_u32(key, v, 1u << 20, &c->lazy_batch, e))
			return -e->code;
		if (c->lazy_batch == 0)
			return err_set(e, EINVAL, "lazy_batch must be at least 1");
	} else if (!strcmp(key, "hit_ns")) {
		return parse_ns(key, v, &c->hit_ns, e);
	} else if (!strcmp(key, "miss_ns")) {
		return parse_ns(key, v, &c->miss_ns, e);
	} else if (!strcmp(key, "walk_read_ns")) {
		return parse_ns(key, v, &c->walk_read_ns, e);
	} else if (!strcmp(key, "inval_ns")) {
		return parse_ns(key, v, &c->inval_ns, e);
	} else if (!strcmp(key, "flush_ns")) {
		return parse_ns(key, v, &c->flush_ns, e);
	} else {
		return err_set(e, EINVAL,
			       "unknown key '%s'; allowed: description, kind, iotlb, entries, "
			       "entries_4k, entries_2m, entries_1g, ways, replacement, seed, pwc, "
			       "leaf_sizes, invalidation, lazy_batch, hit_ns, miss_ns, "
			       "walk_read_ns, inval_ns, flush_ns",
			       key);
	}
	return 0;
}

/* Whole-preset checks once every key is known. */
static int validate(struct iommu_cfg *c, struct err *e)
{
	if (c->kind != IOMMU_MODEL)
		return 0;
	unsigned ntlb = c->split ? IOMMU_NSIZES : 1;
	for (unsigned i = 0; i < ntlb; i++) {
		struct cache_cfg *t = &c->tlb[i];
		if (c->split && !((c->leaf_sizes >> i) & 1))
			continue;
		if (t->entries == 0)
			return err_set(
			    e, EINVAL, "preset [%s]: %s needs a non-zero entry count", c->name,
			    c->split ? "a split IOTLB (entries_4k, entries_2m, entries_1g)"
				     : "a unified IOTLB (entries)");
		uint32_t ways = t->ways == 0 || t->ways > t->entries ? t->entries : t->ways;
		uint32_t sets = t->entries / ways;
		if (t->entries % ways || (sets & (sets - 1)))
			return err_set(
			    e, EINVAL,
			    "preset [%s]: %u entries in sets of %u ways: entries must be a "
			    "multiple of ways and entries/ways a power of two",
			    c->name, t->entries, ways);
	}
	return 0;
}

static int finish(struct preset_set *set, int rc, const char *name, struct err *e)
{
	if (rc)
		return rc;
	for (unsigned i = 0; i < set->n; i++)
		if ((rc = validate(&set->p[i], e)))
			return err_wrap(e, "%s", name);
	if (set->n == 0)
		return err_set(e, EINVAL, "%s: no presets defined", name);
	return 0;
}

int preset_load_file(const char *path, struct preset_set *set, struct err *e)
{
	struct load l = {.set = set};
	set->n = 0;
	int rc = inifile_parse(path, on_key, &l, e);
	if (rc == -ENOENT)
		err_wrap(e, "IOMMU presets (set IOTLB_PRESETS to the presets.ini file)");
	return finish(set, rc, path, e);
}

int preset_load_string(const char *text, const char *name, struct preset_set *set, struct err *e)
{
	struct load l = {.set = set};
	set->n = 0;
	return finish(set, inifile_parse_string(text, name, on_key, &l, e), name, e);
}

int preset_find(const struct preset_set *set, const char *name, struct iommu_cfg *out,
		struct err *e)
{
	char names[512] = "";
	for (unsigned i = 0; i < set->n; i++) {
		if (strcmp(set->p[i].name, name) == 0) {
			*out = set->p[i];
			return 0;
		}
		strncat(names, i ? ", " : "", sizeof(names) - strlen(names) - 1);
		strncat(names, set->p[i].name, sizeof(names) - strlen(names) - 1);
	}
	return err_set(e, ENOENT, "unknown IOMMU preset '%s'; available: %s", name, names);
}
