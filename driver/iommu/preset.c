#include "driver/iommu/preset.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/util/array.h"
#include "driver/util/inifile.h"
#include "driver/util/keys.h"
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
			/* bin/ is one level below the tree, build/tests/unit/ three;
			 * an installed PREFIX/bin has PREFIX/share/iotlbench beside. */
			static const char *const rel[] = {
			    "../driver/iommu/presets.ini", "../../driver/iommu/presets.ini",
			    "../../../driver/iommu/presets.ini", "../share/iotlbench/presets.ini"};
			for (unsigned i = 0; i < 4; i++) {
				snprintf(path, sizeof(path), "%.*s/%s", (int)(sizeof(path) - 48),
					 exe, rel[i]);
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
};

/* The IOTLB of every page size gets the value: presets have one count per
 * size (entries_4k, ...) but one associativity, policy and seed. The
 * definition's own range and choices describe the value; `off` is the
 * field in tlb[0]. Seeds step by one per size so that the three random
 * replacement streams differ. */
static int every_size_step(const struct key_def *d, const char *text, void *target, uint64_t step,
			   struct err *e)
{
	struct key_def one = *d;
	one.type = d->choices ? KEY_CHOICE : KEY_UINT;
	uint64_t v;
	int rc = key_value(&one, text, &v, e);
	if (rc || !target)
		return rc;
	for (unsigned i = 0; i < IOMMU_NSIZES; i++) {
		one.off = d->off + i * sizeof(struct cache_cfg);
		key_store(&one, target, v + i * step);
	}
	return 0;
}

static int every_size(const struct key_def *d, const char *text, void *target, uint64_t *out,
		      struct err *e)
{
	(void)out;
	return every_size_step(d, text, target, 0, e);
}

static int every_size_seed(const struct key_def *d, const char *text, void *target, uint64_t *out,
			   struct err *e)
{
	(void)out;
	return every_size_step(d, text, target, 1, e);
}

static int parse_description(const struct key_def *d, const char *text, void *target, uint64_t *out,
			     struct err *e)
{
	(void)d;
	(void)out;
	(void)e;
	struct iommu_cfg *c = target;
	if (c)
		snprintf(c->description, sizeof(c->description), "%s", text);
	return 0;
}

/* source, fixed, guessed: free text into the char array at d->off. The
 * INI parser hands an indented continuation line over as the same key again,
 * so a second value is appended after a space: notes can span lines. */
static int parse_note(const struct key_def *d, const char *text, void *target, uint64_t *out,
		      struct err *e)
{
	(void)out;
	if (!target)
		return 0;
	char *dst = (char *)target + d->off;
	size_t have = strlen(dst), add = strlen(text);
	if (have + (have ? 1 : 0) + add >= IOMMU_NOTE_MAX)
		return err_set(e, EINVAL, "%s: longer than %d characters; shorten it", d->name,
			       IOMMU_NOTE_MAX - 1);
	if (have)
		dst[have++] = ' ';
	memcpy(dst + have, text, add + 1);
	return 0;
}

/* "a,b,c": the PML4E, PDPTE and PDE cache sizes. */
static int parse_pwc(const struct key_def *d, const char *text, void *target, uint64_t *out,
		     struct err *e)
{
	(void)out;
	uint32_t pwc[3];
	unsigned n = 3, i = 0;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", text);
	char *save = NULL;
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		uint64_t x;
		if (i == n)
			return err_set(e, EINVAL, "%s: at most %u values", d->name, n);
		if (parse_u64(t, d->max, &x, e))
			return err_wrap(e, "%s", d->name);
		pwc[i++] = (uint32_t)x;
	}
	if (i != n)
		return err_set(e, EINVAL, "%s: expected %u comma-separated values", d->name, n);
	struct iommu_cfg *c = target;
	if (c)
		memcpy(c->pwc_entries, pwc, sizeof(pwc));
	return 0;
}

static const char *const size_names[] = {"4k", "2m", "1g", NULL};
static const struct key_def leaf_size = {
    .name = "leaf_sizes", .type = KEY_CHOICE, .choices = size_names};

/* "4k,2m,1g" into a mask of size classes; 4 KiB leaves are always needed. */
static int parse_leaf_sizes(const struct key_def *d, const char *text, void *target, uint64_t *out,
			    struct err *e)
{
	(void)d;
	(void)target;
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", text);
	uint64_t mask = 0, k;
	char *save = NULL;
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		if (key_value(&leaf_size, t, &k, e))
			return -e->code;
		mask |= 1ull << k;
	}
	if (!(mask & 1))
		return err_set(e, EINVAL, "leaf_sizes = %s: 4k must be included", text);
	*out = mask;
	return 0;
}

static const char *const kinds[] = {"model", "ideal", "none", NULL};
static const uint64_t kind_vals[] = {IOMMU_MODEL, IOMMU_IDEAL, IOMMU_NONE};
static const char *const orgs[] = {"unified", "split", NULL};
static const char *const repls[] = {"lru", "fifo", "random", "wipe", NULL};
static const uint64_t repl_vals[] = {REPL_LRU, REPL_FIFO, REPL_RANDOM, REPL_WIPE};
static const char *const invals[] = {"strict", "lazy", NULL};
static const uint64_t inval_vals[] = {INVAL_STRICT, INVAL_LAZY};

/* Width and offset of a field of struct iommu_cfg. */
#define F(field)                                                                                   \
	.width = sizeof(((struct iommu_cfg *)0)->field), .off = offsetof(struct iommu_cfg, field)
#define NS(key, field, what)                                                                       \
	{                                                                                          \
		.name = key, .type = KEY_UINT, F(field), .max = 1000000000, .dflt = "0",           \
		.help = what ", in ns"                                                             \
	}

/* Every key of a preset section. A preset starts from these defaults;
 * fields without one (the entry counts, the seed) start at 0. */
static const struct key_def defs[] = {
    {.name = "description", .type = KEY_CUSTOM, .parse = parse_description, .help = "free text"},
    {.name = "source",
     .type = KEY_CUSTOM,
     .off = offsetof(struct iommu_cfg, source),
     .parse = parse_note,
     .help = "where the values come from (a measurement, published data, source code)"},
    {.name = "fixed",
     .type = KEY_CUSTOM,
     .off = offsetof(struct iommu_cfg, fixed),
     .parse = parse_note,
     .help = "which parameters the source pins down"},
    {.name = "guessed",
     .type = KEY_CUSTOM,
     .off = offsetof(struct iommu_cfg, guessed),
     .parse = parse_note,
     .help = "which parameters are estimates or defaults"},
    {.name = "kind",
     .type = KEY_CHOICE,
     F(kind),
     .choices = kinds,
     .choice_vals = kind_vals,
     .dflt = "model",
     .help = "model, ideal (never misses) or none (no IOMMU)"},
    {.name = "iotlb",
     .type = KEY_CHOICE,
     F(split),
     .choices = orgs,
     .dflt = "unified",
     .help = "one IOTLB for every page size, or one per size"},
    {.name = "entries",
     .type = KEY_UINT,
     F(tlb[0].entries),
     .max = 1u << 24,
     .help = "entries of a unified IOTLB"},
    {.name = "entries_4k",
     .type = KEY_UINT,
     F(tlb[0].entries),
     .max = 1u << 24,
     .help = "entries of a split IOTLB's 4 KiB part"},
    {.name = "entries_2m",
     .type = KEY_UINT,
     F(tlb[1].entries),
     .max = 1u << 24,
     .help = "entries of a split IOTLB's 2 MiB part"},
    {.name = "entries_1g",
     .type = KEY_UINT,
     F(tlb[2].entries),
     .max = 1u << 24,
     .help = "entries of a split IOTLB's 1 GiB part"},
    {.name = "ways",
     .type = KEY_CUSTOM,
     F(tlb[0].ways),
     .max = 1u << 24,
     .parse = every_size,
     .dflt = "0",
     .help = "associativity; 0 = fully associative"},
    {.name = "replacement",
     .type = KEY_CUSTOM,
     F(tlb[0].repl),
     .choices = repls,
     .choice_vals = repl_vals,
     .parse = every_size,
     .dflt = "lru",
     .help = "lru, fifo, random or wipe"},
    {.name = "seed",
     .type = KEY_CUSTOM,
     F(tlb[0].seed),
     .max = UINT64_MAX,
     .parse = every_size_seed,
     .help = "seed of the random replacement (0 when not given)"},
    {.name = "pwc",
     .type = KEY_CUSTOM,
     .max = 1u << 20,
     .parse = parse_pwc,
     .dflt = "0,0,0",
     .help = "entries of the PML4E, PDPTE and PDE caches"},
    {.name = "leaf_sizes",
     .type = KEY_CUSTOM,
     F(leaf_sizes),
     .parse = parse_leaf_sizes,
     .dflt = "4k,2m,1g",
     .help = "page sizes the page tables may use"},
    {.name = "invalidation",
     .type = KEY_CHOICE,
     F(inval),
     .choices = invals,
     .choice_vals = inval_vals,
     .dflt = "strict",
     .help = "page-selective on every unmap, or a flush queue"},
    {.name = "lazy_batch",
     .type = KEY_UINT,
     F(lazy_batch),
     .min = 1,
     .max = 1u << 20,
     .dflt = "256",
     .help = "unmaps per whole-domain flush in lazy mode"},
    NS("hit_ns", hit_ns, "added to every translation that hits"),
    NS("miss_ns", miss_ns, "an IOTLB miss whose walk reads one entry"),
    NS("walk_read_ns", walk_read_ns, "each further page-table read of a walk"),
    NS("inval_ns", inval_ns, "one page-selective invalidation"),
    NS("flush_ns", flush_ns, "one whole-domain invalidation"),
};

static const struct key_table preset_keys = {defs, ARRAY_SIZE(defs), "key"};

/* entries_<size> for a size the model does not have gets the sizes it has
 * rather than the whole key list. */
static int unknown_key(const char *key, struct err *e)
{
	if (!strncmp(key, "entries_", 8))
		return err_set(e, EINVAL,
			       "unknown key '%s': entries_ takes a page size; allowed values are "
			       "4k, 2m, 1g",
			       key);
	char names[512];
	return err_set(e, EINVAL, "unknown key '%s'; allowed: %s", key,
		       key_names(&preset_keys, names, sizeof(names)));
}

/* A new preset: zeroes, the name, then every key's default. */
static int cfg_defaults(struct iommu_cfg *c, const char *name, struct err *e)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	for (unsigned i = 0; i < preset_keys.n; i++) {
		const struct key_def *d = &preset_keys.defs[i];
		if (d->dflt && key_apply(d, c, d->dflt, e))
			return err_wrap(e, "default of %s", d->name);
	}
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
		int rc = cfg_defaults(l->cur, section, e);
		if (rc)
			return rc;
	}
	const struct key_def *d = key_find(&preset_keys, key);
	return d ? key_apply(d, l->cur, v, e) : unknown_key(key, e);
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
