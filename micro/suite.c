#include "micro/suite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/util/inifile.h"
#include "driver/util/parse.h"
#include "driver/util/array.h"

#define KM(k)	  (1u << (k))
#define ALL_KINDS (KM(NKINDS) - 1)
#define IO_KINDS  (KM(KIND_CHURN) | KM(KIND_REUSE) | KM(KIND_LATENCY))

enum ptype { T_KIND, T_PAGE, T_SIZE, T_NUM, T_CHURN, T_OP, T_BOOL };

struct pdef {
	const char *key;
	enum ptype type;
	unsigned kinds; /* kinds the key applies to */
	uint64_t min, max;
	uint64_t dflt[NKINDS];
	const char *help;
};

/* Every key a suite may use, in grid order. Defaults per kind: map, count,
 * churn, reuse, latency. A default of 0 for a required key means "must be
 * given" (pages, mappings). */
static const struct pdef pdefs[NPARAMS] = {
    [P_KIND] = {"kind", T_KIND, ALL_KINDS, 0, NKINDS - 1, {0}, "map, count, churn, reuse, latency"},
    [P_PAGE_SIZE] = {"page_size",
		     T_PAGE,
		     ALL_KINDS,
		     4096,
		     1ull << 30,
		     {4096, 4096, 4096, 4096, 4096},
		     "backing page size: 4k, 2m, 1g"},
    [P_MAP_SIZE] = {"map_size",
		    T_SIZE,
		    KM(KIND_MAP) | KM(KIND_COUNT),
		    4096,
		    64ull << 30,
		    {4096, 4096, 0, 0, 0},
		    "bytes per mapping, a multiple of 4k"},
    [P_OPS] = {"ops",
	       T_NUM,
	       KM(KIND_MAP) | KM(KIND_COUNT),
	       1,
	       1000000000ull,
	       {1000, 1000, 0, 0, 0},
	       "timed map+unmap pairs per point"},
    [P_MAPPINGS] =
	{"mappings", T_NUM, KM(KIND_COUNT), 1, 10000000ull, {0}, "live mappings, ascending"},
    [P_CHURN] = {"churn", T_CHURN, KM(KIND_CHURN), 0, 1u << 20, {0}, "persistent, per-io, batch:N"},
    [P_PAGES] = {"pages", T_NUM, KM(KIND_REUSE), 1, 1u << 20, {0}, "distinct pages cycled over"},
    [P_OP] = {"op", T_OP, IO_KINDS, 0, 1, {0}, "read, write"},
    [P_IO_SIZE] = {"io_size",
		   T_SIZE,
		   IO_KINDS,
		   512,
		   2u << 20,
		   {0, 0, 4096, 512, 4096},
		   "bytes per I/O, a multiple of 512"},
    [P_IOS] = {"ios",
	       T_NUM,
	       IO_KINDS,
	       1,
	       10000000000ull,
	       {0, 0, 20000, 65536, 20000},
	       "timed I/Os per case"},
    [P_WARMUP] = {"warmup",
		  T_NUM,
		  ALL_KINDS,
		  0,
		  1000000000ull,
		  {10, 10, 1000, 0, 1000},
		  "untimed operations first (reuse: 0 = two passes)"},
    [P_QD] = {"qd",
	      T_NUM,
	      KM(KIND_CHURN) | KM(KIND_LATENCY),
	      1,
	      65535,
	      {0, 0, 1, 1, 1},
	      "commands in flight per thread"},
    [P_THREADS] = {"threads",
		   T_NUM,
		   KM(KIND_LATENCY),
		   1,
		   64,
		   {0, 0, 1, 1, 1},
		   "threads, one queue pair each"},
    [P_BUFFER] = {"buffer",
		  T_SIZE,
		  KM(KIND_LATENCY),
		  4096,
		  64ull << 30,
		  {0, 0, 0, 0, 64u << 20},
		  "bytes the random I/Os spread over"},
    [P_RAW] = {"raw", T_BOOL, ALL_KINDS, 0, 1, {0}, "0 or 1: also write every sample"},
};

static const char *const kind_names[NKINDS] = {"map", "count", "churn", "reuse", "latency"};

const char *kind_name(enum bench_kind k)
{
	return k < NKINDS ? kind_names[k] : "?";
}

const char *param_name(enum param_id p)
{
	return p < NPARAMS ? pdefs[p].key : "?";
}

int param_applies(enum param_id p, enum bench_kind k)
{
	return (pdefs[p].kinds >> k) & 1u;
}

/* ---- raw text collected from the INI file ---- */

struct kv {
	char key[32];
	char *value;
	int line;
};

struct section {
	char name[32];
	int line;
	struct kv kv[NPARAMS + 4];
	unsigned n;
};

struct raw {
	struct section global;
	struct section *sec;
	unsigned nsec;
	char description[256];
	const char *file;
};

static int find_param(const char *key)
{
	for (int p = 0; p < NPARAMS; p++)
		if (!strcmp(pdefs[p].key, key))
			return p;
	return -1;
}

static int allowed_keys(char *buf, size_t len, int kind)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int p = 0; p < NPARAMS; p++)
		if (kind < 0 || param_applies((enum param_id)p, (enum bench_kind)kind))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
					      pdefs[p].key);
	return 0;
}

static int set_kv(struct section *s, const char *key, const char *value, int line, struct err *e)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->kv[i].key, key)) {
			char *v = strdup(value);
			if (!v)
				return err_set(e, ENOMEM, "out of memory");
			free(s->kv[i].value);
			s->kv[i].value = v;
			s->kv[i].line = line;
			return 0;
		}
	if (s->n == ARRAY_SIZE(s->kv))
		return err_set(e, EINVAL, "too many keys in [%s]", s->name);
	struct kv *kv = &s->kv[s->n];
	snprintf(kv->key, sizeof(kv->key), "%s", key);
	kv->value = strdup(value);
	kv->line = line;
	if (!kv->value)
		return err_set(e, ENOMEM, "out of memory");
	s->n++;
	return 0;
}

static int on_key(void *user, const char *section, const char *key, const char *value, int line,
		  struct err *e)
{
	struct raw *r = user;
	if (!*section)
		return err_set(e, EINVAL, "'%s' before any [section]; start with [global]", key);
	if (!strcmp(section, "global") && !strcmp(key, "description")) {
		snprintf(r->description, sizeof(r->description), "%s", value);
		return 0;
	}
	if (find_param(key) < 0) {
		char allowed[512];
		allowed_keys(allowed, sizeof(allowed), -1);
		return err_set(e, EINVAL, "unknown key '%s'; allowed: %s%s", key,
			       !strcmp(section, "global") ? "description, " : "", allowed);
	}
	if (strlen(section) >= sizeof(r->global.name))
		return err_set(e, EINVAL, "section name '%s' is longer than 31 characters",
			       section);
	struct section *s = NULL;
	if (!strcmp(section, "global")) {
		s = &r->global;
	} else {
		if (r->nsec && !strcmp(r->sec[r->nsec - 1].name, section)) {
			s = &r->sec[r->nsec - 1];
		} else {
			for (unsigned i = 0; i < r->nsec; i++)
				if (!strcmp(r->sec[i].name, section))
					return err_set(e, EEXIST, "section [%s] appears twice",
						       section);
			struct section *ns = realloc(r->sec, (r->nsec + 1) * sizeof(*ns));
			if (!ns)
				return err_set(e, ENOMEM, "out of memory");
			r->sec = ns;
			s = &r->sec[r->nsec++];
			memset(s, 0, sizeof(*s));
			snprintf(s->name, sizeof(s->name), "%s", section);
			s->line = line;
		}
	}
	return set_kv(s, key, value, line, e);
}

static void raw_free(struct raw *r)
{
	for (unsigned i = 0; i < r->global.n; i++)
		free(r->global.kv[i].value);
	for (unsigned s = 0; s < r->nsec; s++)
		for (unsigned i = 0; i < r->sec[s].n; i++)
			free(r->sec[s].kv[i].value);
	free(r->sec);
}

/* ---- values ---- */

static int parse_one(const struct pdef *d, const char *t, uint64_t *out, struct err *e)
{
	switch (d->type) {
	case T_KIND:
		for (unsigned k = 0; k < NKINDS; k++)
			if (!strcmp(t, kind_names[k])) {
				*out = k;
				return 0;
			}
		return err_set(e, EINVAL, "kind '%s': allowed values are %s", t, d->help);
	case T_OP:
		if (!strcmp(t, "read") || !strcmp(t, "write")) {
			*out = !strcmp(t, "write");
			return 0;
		}
		return err_set(e, EINVAL, "op '%s': allowed values are read, write", t);
	case T_BOOL:
		if (!strcmp(t, "0") || !strcmp(t, "1")) {
			*out = t[0] == '1';
			return 0;
		}
		return err_set(e, EINVAL, "%s '%s': allowed values are 0, 1", d->key, t);
	case T_CHURN:
		if (!strcmp(t, "persistent")) {
			*out = 0;
			return 0;
		}
		if (!strcmp(t, "per-io")) {
			*out = 1;
			return 0;
		}
		if (!strncmp(t, "batch:", 6)) {
			uint64_t n;
			if (parse_u64(t + 6, d->max, &n, e) == 0 && n >= 2) {
				*out = n;
				return 0;
			}
		}
		return err_set(e, EINVAL,
			       "churn '%s': allowed values are persistent, per-io, batch:N with N "
			       "from 2 to %llu",
			       t, (unsigned long long)d->max);
	case T_PAGE:
		if (!parse_size(t, out, e) &&
		    (*out == 4096 || *out == (2u << 20) || *out == (1u << 30)))
			return 0;
		return err_set(e, EINVAL, "page_size '%s': allowed values are 4k, 2m, 1g", t);
	case T_SIZE:
		if (parse_size(t, out, e))
			return err_wrap(e, "%s", d->key);
		break;
	case T_NUM:
		if (parse_u64(t, UINT64_MAX, out, e))
			return err_wrap(e, "%s", d->key);
		break;
	}
	if (*out < d->min || *out > d->max)
		return err_set(e, ERANGE, "%s = %s: allowed %llu to %llu (%s)", d->key, t,
			       (unsigned long long)d->min, (unsigned long long)d->max, d->help);
	if (d->type == T_SIZE) {
		uint64_t unit = d - pdefs == P_IO_SIZE ? 512 : 4096;
		if (*out % unit)
			return err_set(e, EINVAL, "%s = %s: must be a multiple of %llu", d->key, t,
				       (unsigned long long)unit);
	}
	return 0;
}

static int parse_list(enum param_id p, const char *value, uint64_t *vals, unsigned *n,
		      struct err *e)
{
	char buf[1024];
	if (strlen(value) >= sizeof(buf))
		return err_set(e, EINVAL, "%s: value list too long", pdefs[p].key);
	strcpy(buf, value);
	*n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ' || *t == '\t')
			t++;
		char *end = t + strlen(t);
		while (end > t && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*n == MAX_VALUES)
			return err_set(e, EINVAL, "%s: at most %d values", pdefs[p].key,
				       MAX_VALUES);
		if (parse_one(&pdefs[p], t, &vals[*n], e))
			return -e->code;
		(*n)++;
	}
	if (*n == 0)
		return err_set(e, EINVAL, "%s: no value given", pdefs[p].key);
	if (p == P_KIND && *n > 1)
		return err_set(e, EINVAL, "kind takes one value");
	return 0;
}

static const struct kv *lookup(const struct section *s, const char *key)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->kv[i].key, key))
			return &s->kv[i];
	return NULL;
}

/* ---- grid ---- */

struct plan {
	uint64_t vals[NPARAMS][MAX_VALUES];
	unsigned n[NPARAMS];
	int line[NPARAMS];
};

static int check_case(const struct bench_case *c, const struct plan *pl, struct err *e)
{
	const uint64_t *v = c->v;
	switch (c->kind) {
	case KIND_REUSE:
		if (v[P_IO_SIZE] > v[P_PAGE_SIZE])
			return err_set(e, EINVAL,
				       "line %d: io_size %llu exceeds page_size %llu: a reuse I/O "
				       "must touch one page",
				       pl->line[P_IO_SIZE], (unsigned long long)v[P_IO_SIZE],
				       (unsigned long long)v[P_PAGE_SIZE]);
		if (v[P_PAGES] * v[P_PAGE_SIZE] > (64ull << 30))
			return err_set(e, EINVAL,
				       "line %d: %llu pages of %llu bytes need more than 64 GiB",
				       pl->line[P_PAGES], (unsigned long long)v[P_PAGES],
				       (unsigned long long)v[P_PAGE_SIZE]);
		break;
	case KIND_LATENCY:
		if (v[P_BUFFER] < v[P_IO_SIZE] * v[P_QD] * v[P_THREADS])
			return err_set(
			    e, EINVAL,
			    "line %d: buffer %llu is smaller than io_size x qd x threads "
			    "(%llu): every I/O in flight needs its own slot",
			    pl->line[P_BUFFER] ? pl->line[P_BUFFER] : pl->line[P_QD],
			    (unsigned long long)v[P_BUFFER],
			    (unsigned long long)(v[P_IO_SIZE] * v[P_QD] * v[P_THREADS]));
		break;
	case KIND_COUNT:
		for (unsigned i = 1; i < c->nmappings; i++)
			if (c->mappings[i] <= c->mappings[i - 1])
				return err_set(
				    e, EINVAL, "line %d: mappings must ascend (%llu after %llu)",
				    pl->line[P_MAPPINGS], (unsigned long long)c->mappings[i],
				    (unsigned long long)c->mappings[i - 1]);
		break;
	default:
		break;
	}
	return 0;
}

static int expand(const struct raw *r, const struct section *s, struct suite *su, struct err *e)
{
	struct plan pl;
	memset(&pl, 0, sizeof(pl));
	/* The kind: from `kind`, else from the section name. */
	const struct kv *kk = lookup(s, "kind");
	int kind = -1;
	if (kk) {
		unsigned n;
		if (parse_list(P_KIND, kk->value, pl.vals[P_KIND], &n, e))
			return err_wrap(e, "%s:%d", r->file, kk->line);
		kind = (int)pl.vals[P_KIND][0];
	} else {
		for (unsigned k = 0; k < NKINDS; k++)
			if (!strcmp(s->name, kind_names[k]))
				kind = (int)k;
		if (kind < 0)
			return err_set(e, EINVAL,
				       "%s:%d: section [%s] needs 'kind = map|count|churn|reuse|"
				       "latency' (or a section named after a kind)",
				       r->file, s->line, s->name);
	}
	for (int p = 1; p < NPARAMS; p++) {
		const struct kv *kv = lookup(s, pdefs[p].key);
		const struct kv *g = lookup(&r->global, pdefs[p].key);
		if (kv && !param_applies((enum param_id)p, (enum bench_kind)kind)) {
			char allowed[512];
			allowed_keys(allowed, sizeof(allowed), kind);
			return err_set(e, EINVAL,
				       "%s:%d: key '%s' does not apply to kind %s; its keys: %s",
				       r->file, kv->line, pdefs[p].key, kind_names[kind], allowed);
		}
		if (!param_applies((enum param_id)p, (enum bench_kind)kind))
			continue;
		const struct kv *use = kv ? kv : g;
		if (use) {
			if (parse_list((enum param_id)p, use->value, pl.vals[p], &pl.n[p], e))
				return err_wrap(e, "%s:%d", r->file, use->line);
			pl.line[p] = use->line;
		} else {
			uint64_t d = pdefs[p].dflt[kind];
			if (d == 0 && (p == P_PAGES || p == P_MAPPINGS))
				return err_set(e, EINVAL, "%s:%d: [%s] (kind %s) needs '%s = ...'",
					       r->file, s->line, s->name, kind_names[kind],
					       pdefs[p].key);
			pl.vals[p][0] = d;
			pl.n[p] = 1;
			pl.line[p] = s->line;
		}
	}
	/* mappings stay a list inside one case: the count suite steps through it. */
	uint64_t total = 1;
	for (int p = 1; p < NPARAMS; p++)
		if (pl.n[p] && p != P_MAPPINGS)
			total *= pl.n[p];
	if (total > 100000)
		return err_set(e, EINVAL, "%s:%d: [%s] expands to %llu cases; at most 100000",
			       r->file, s->line, s->name, (unsigned long long)total);
	struct bench_case *nc = realloc(su->cases, (su->ncases + total) * sizeof(*nc));
	if (!nc)
		return err_set(e, ENOMEM, "out of memory for %llu cases",
			       (unsigned long long)total);
	su->cases = nc;
	unsigned idx[NPARAMS] = {0};
	for (uint64_t i = 0; i < total; i++) {
		struct bench_case *c = &su->cases[su->ncases];
		memset(c, 0, sizeof(*c));
		c->kind = (enum bench_kind)kind;
		snprintf(c->section, sizeof(c->section), "%s", s->name);
		snprintf(c->name, sizeof(c->name), "%s-%04llu", s->name, (unsigned long long)i + 1);
		c->v[P_KIND] = (uint64_t)kind;
		for (int p = 1; p < NPARAMS; p++)
			if (pl.n[p])
				c->v[p] = pl.vals[p][p == P_MAPPINGS ? 0 : idx[p]];
		if (pl.n[P_MAPPINGS]) {
			c->nmappings = pl.n[P_MAPPINGS];
			memcpy(c->mappings, pl.vals[P_MAPPINGS], c->nmappings * sizeof(uint64_t));
		}
		c->churn_batch = (uint32_t)c->v[P_CHURN];
		if (check_case(c, &pl, e))
			return err_wrap(e, "%s: [%s]", r->file, s->name);
		su->ncases++;
		/* Odometer over the list-valued keys, last key fastest. */
		for (int p = NPARAMS - 1; p >= 1; p--) {
			if (!pl.n[p] || p == P_MAPPINGS)
				continue;
			if (++idx[p] < pl.n[p])
				break;
			idx[p] = 0;
		}
	}
	return 0;
}

static int apply_sets(struct raw *r, const char *const *sets, unsigned nset, struct err *e)
{
	for (unsigned i = 0; i < nset; i++) {
		char key[64];
		const char *eq = strchr(sets[i], '=');
		if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof(key))
			return err_set(e, EINVAL, "--set '%s': expected key=value", sets[i]);
		memcpy(key, sets[i], (size_t)(eq - sets[i]));
		key[eq - sets[i]] = '\0';
		if (find_param(key) < 0 || !strcmp(key, "kind")) {
			char allowed[512];
			allowed_keys(allowed, sizeof(allowed), -1);
			return err_set(e, EINVAL, "--set %s: unknown key; allowed: %s", key,
				       allowed + strlen("kind, "));
		}
		/* The override wins everywhere: in [global] and in every section. */
		if (set_kv(&r->global, key, eq + 1, 0, e))
			return -e->code;
		for (unsigned s = 0; s < r->nsec; s++)
			if (lookup(&r->sec[s], key) && set_kv(&r->sec[s], key, eq + 1, 0, e))
				return -e->code;
	}
	return 0;
}

static int finish(struct raw *r, int rc, const char *path, const char *const *sets, unsigned nset,
		  struct suite *s, struct err *e)
{
	memset(s, 0, sizeof(*s));
	if (!rc)
		rc = apply_sets(r, sets, nset, e);
	if (!rc && r->nsec == 0)
		rc = err_set(e, EINVAL, "%s: no case sections; add e.g. [reuse] with pages = 1,2,4",
			     path);
	for (unsigned i = 0; !rc && i < r->nsec; i++)
		rc = expand(r, &r->sec[i], s, e);
	if (!rc) {
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		snprintf(s->name, sizeof(s->name), "%.*s",
			 (int)(strstr(base, ".suite") ? (size_t)(strstr(base, ".suite") - base)
						      : strlen(base)),
			 base);
		snprintf(s->path, sizeof(s->path), "%s", path);
		snprintf(s->description, sizeof(s->description), "%s", r->description);
	} else {
		suite_free(s);
	}
	raw_free(r);
	return rc;
}

int suite_load(const char *path, const char *const *sets, unsigned nset, struct suite *s,
	       struct err *e)
{
	struct raw r;
	memset(&r, 0, sizeof(r));
	r.file = path;
	int rc = inifile_parse(path, on_key, &r, e);
	return finish(&r, rc, path, sets, nset, s, e);
}

int suite_load_string(const char *text, const char *name, const char *const *sets, unsigned nset,
		      struct suite *s, struct err *e)
{
	struct raw r;
	memset(&r, 0, sizeof(r));
	r.file = name;
	int rc = inifile_parse_string(text, name, on_key, &r, e);
	return finish(&r, rc, name, sets, nset, s, e);
}

void suite_free(struct suite *s)
{
	free(s->cases);
	s->cases = NULL;
	s->ncases = 0;
}

void case_describe(const struct bench_case *c, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s", kind_names[c->kind]);
	for (int p = 1; p < NPARAMS && n < len; p++) {
		if (!param_applies((enum param_id)p, c->kind) || p == P_WARMUP || p == P_RAW)
			continue;
		if (p == P_MAPPINGS)
			n += (size_t)snprintf(buf + n, len - n, " mappings=%llu..%llu",
					      (unsigned long long)c->mappings[0],
					      (unsigned long long)c->mappings[c->nmappings - 1]);
		else if (p == P_OP)
			n += (size_t)snprintf(buf + n, len - n, " op=%s",
					      c->v[p] ? "write" : "read");
		else if (p == P_CHURN)
			n += (size_t)snprintf(buf + n, len - n, " churn=%s%.0llu",
					      c->v[p] == 0   ? "persistent"
					      : c->v[p] == 1 ? "per-io"
							     : "batch:",
					      c->v[p] > 1 ? (unsigned long long)c->v[p] : 0ull);
		else
			n += (size_t)snprintf(buf + n, len - n, " %s=%llu", pdefs[p].key,
					      (unsigned long long)c->v[p]);
	}
}
