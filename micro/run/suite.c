#include "micro/run/suite.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/mem/mem.h"
#include "driver/util/inifile.h"
#include "micro/kinds/keys.h"

#define MAX_KV 32

/* ---- raw text collected from the INI file ---- */

struct kv {
	char key[32];
	char *value;
	int line; /* 0: from --set */
};

struct section {
	char name[32];
	int line;
	struct kv kv[MAX_KV];
	unsigned n;
};

struct raw {
	struct section global;
	struct section *sec;
	unsigned nsec;
	char description[256];
	uint64_t iommu_huge;
	uint64_t rounds;
	const char *file;
	const struct kind *const *kinds;
};

/* The run settings (keys.h): where each one's value goes, NULL for a key
 * that is not one. */
static uint64_t *run_setting(struct raw *r, const char *key)
{
	if (!strcmp(key, key_iommu_huge.name))
		return &r->iommu_huge;
	if (!strcmp(key, key_rounds.name))
		return &r->rounds;
	return NULL;
}

static const struct key_def *run_setting_def(const char *key)
{
	return !strcmp(key, key_rounds.name) ? &key_rounds : &key_iommu_huge;
}

/* Whether any kind (or the section syntax) knows `key`. */
static bool known_key(const struct raw *r, const char *key)
{
	if (!strcmp(key, "kind"))
		return true;
	for (unsigned k = 0; r->kinds[k]; k++)
		for (unsigned i = 0; i < r->kinds[k]->nkeys; i++)
			if (!strcmp(r->kinds[k]->keys[i].def->name, key))
				return true;
	return false;
}

/* "page_size, map_size, ..." once each, in kind order; of one kind only
 * when k is given. */
static const char *allowed_keys(const struct raw *r, const struct kind *only, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned k = 0; r->kinds[k]; k++) {
		const struct kind *kd = r->kinds[k];
		if (only && kd != only)
			continue;
		for (unsigned i = 0; i < kd->nkeys && n < len; i++) {
			const char *name = kd->keys[i].def->name;
			/* Listed already by an earlier kind? */
			bool seen = false;
			for (unsigned j = 0; !only && j < k && !seen; j++)
				for (unsigned q = 0; q < r->kinds[j]->nkeys; q++)
					if (!strcmp(r->kinds[j]->keys[q].def->name, name))
						seen = true;
			if (!seen)
				n +=
				    (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", name);
		}
	}
	return buf;
}

/* "map|count|churn|reuse|latency" or "map, count, ..." */
static const char *kind_list(const struct raw *r, const char *sep, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned k = 0; r->kinds[k] && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", k ? sep : "", r->kinds[k]->name);
	return buf;
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
	if (s->n == MAX_KV)
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

/* A section header: a second [name] for an existing case section would
 * silently merge two groups of cases, so it is an error. */
static int on_section(void *user, const char *section, int line, struct err *e)
{
	struct raw *r = user;
	if (!strcmp(section, "global"))
		return 0;
	if (strlen(section) >= sizeof(r->global.name))
		return err_set(e, EINVAL, "section name '%s' is longer than 31 characters",
			       section);
	for (unsigned i = 0; i < r->nsec; i++)
		if (!strcmp(r->sec[i].name, section))
			return err_set(e, EEXIST,
				       "section [%s] appears twice (first on line %d); give the "
				       "second group another name and 'kind = %s'",
				       section, r->sec[i].line, section);
	struct section *ns = realloc(r->sec, (r->nsec + 1) * sizeof(*ns));
	if (!ns)
		return err_set(e, ENOMEM, "out of memory");
	r->sec = ns;
	struct section *s = &r->sec[r->nsec++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", section);
	s->line = line;
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
	/* A run setting: one value for the whole run (iommu_huge: the backend
	 * takes it once, before the controller maps its queues; rounds: the
	 * runner's loop over all cases), so it cannot differ between cases. */
	uint64_t *rv = run_setting(r, key);
	if (rv) {
		if (strcmp(section, "global"))
			return err_set(e, EINVAL,
				       "%s is a setting of the whole run: move it to [global] (or "
				       "give --set %s=...)",
				       key, key);
		return key_value(run_setting_def(key), value, rv, e);
	}
	if (!known_key(r, key)) {
		char allowed[512];
		return err_set(e, EINVAL, "unknown key '%s'; allowed: %skind, %s", key,
			       !strcmp(section, "global") ? "description, iommu_huge, rounds, "
							  : "",
			       allowed_keys(r, NULL, allowed, sizeof(allowed)));
	}
	struct section *s = &r->global;
	if (strcmp(section, "global")) {
		s = NULL;
		for (unsigned i = 0; i < r->nsec && !s; i++)
			if (!strcmp(r->sec[i].name, section))
				s = &r->sec[i];
		if (!s)
			return err_set(e, EINVAL, "key '%s' outside a known section", key);
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

static const struct kv *lookup(const struct section *s, const char *key)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->kv[i].key, key))
			return &s->kv[i];
	return NULL;
}

/* Where a value came from, for error messages: "file:line" or "--set k=v". */
static int blame(const struct raw *r, const struct kv *kv, struct err *e)
{
	if (kv->line)
		return err_wrap(e, "%s:%d", r->file, kv->line);
	return err_wrap(e, "--set %s=%s", kv->key, kv->value);
}

/* ---- values ---- */

/* "A..B" or "A..B:STEP": A, A + STEP, ... up to B (STEP defaults to 1), each
 * value checked like a single one; dense sweeps ("pages = 72..136:8") need
 * not be spelled out. */
static int parse_range(const struct key_def *d, char *t, uint64_t *vals, unsigned *n, struct err *e)
{
	char *dots = strstr(t, "..");
	char *colon = strchr(dots + 2, ':');
	uint64_t a, b, step = 1;
	*dots = '\0';
	if (colon)
		*colon = '\0';
	if (key_value(d, t, &a, e) || key_value(d, dots + 2, &b, e))
		return err_wrap(e, "%s: in range %s..%s", d->name, t, dots + 2);
	if (colon) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(colon + 1, &end, 0);
		if (errno || *end || v == 0 || colon[1] == '-')
			return err_set(e, EINVAL, "%s: range step '%s' must be a positive integer",
				       d->name, colon + 1);
		step = v;
	}
	if (b < a)
		return err_set(e, EINVAL,
			       "%s: range %s..%s runs backwards: write the smaller value first",
			       d->name, t, dots + 2);
	for (uint64_t v = a; v <= b; v += step) {
		if (*n == MAX_VALUES)
			return err_set(
			    e, EINVAL,
			    "%s: at most %d values (the range gives more): split it over "
			    "several sections or use a larger step",
			    d->name, MAX_VALUES);
		char one[24];
		snprintf(one, sizeof(one), "%llu", (unsigned long long)v);
		if (key_value(d, one, &vals[*n], e))
			return err_wrap(e, "%s: in range %s..%s", d->name, t, dots + 2);
		(*n)++;
		if (v > UINT64_MAX - step)
			break;
	}
	return 0;
}

static int parse_list(const struct key_def *d, const char *value, uint64_t *vals, unsigned *n,
		      struct err *e)
{
	char buf[1024];
	if (strlen(value) >= sizeof(buf))
		return err_set(e, EINVAL, "%s: value list too long", d->name);
	strcpy(buf, value);
	*n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ' || *t == '\t')
			t++;
		char *end = t + strlen(t);
		while (end > t && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (strstr(t, "..")) {
			if (parse_range(d, t, vals, n, e))
				return -e->code;
			continue;
		}
		if (*n == MAX_VALUES)
			return err_set(
			    e, EINVAL,
			    "%s: at most %d values: split the list over several sections", d->name,
			    MAX_VALUES);
		if (key_value(d, t, &vals[*n], e))
			return -e->code;
		(*n)++;
	}
	if (*n == 0)
		return err_set(e, EINVAL, "%s: no value given", d->name);
	return 0;
}

/* ---- grid ---- */

struct plan {
	uint64_t vals[KIND_MAX_KEYS][MAX_VALUES];
	unsigned n[KIND_MAX_KEYS];
	char where[KIND_MAX_KEYS][96]; /* "line 7", "--set qd=8", "default" */
	const char *wp[KIND_MAX_KEYS];
};

static int section_kind(const struct raw *r, const struct section *s, const struct kind **out,
			struct err *e)
{
	char names[256];
	const struct kv *kk = lookup(s, "kind");
	const char *name = kk ? kk->value : s->name;
	*out = kind_find(r->kinds, name);
	if (*out)
		return 0;
	if (kk) {
		err_set(e, EINVAL, "kind '%s': allowed values are %s", kk->value,
			kind_list(r, ", ", names, sizeof(names)));
		return blame(r, kk, e);
	}
	return err_set(e, EINVAL,
		       "%s:%d: section [%s] needs 'kind = %s' (or a section named after a kind)",
		       r->file, s->line, s->name, kind_list(r, "|", names, sizeof(names)));
}

static int plan_section(const struct raw *r, const struct section *s, const struct kind *k,
			struct plan *pl, struct err *e)
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct kv *kv = &s->kv[i];
		bool has = !strcmp(kv->key, "kind");
		for (unsigned q = 0; q < k->nkeys && !has; q++)
			has = !strcmp(k->keys[q].def->name, kv->key);
		if (!has) {
			char allowed[512];
			err_set(e, EINVAL, "key '%s' does not apply to kind %s; its keys: %s",
				kv->key, k->name, allowed_keys(r, k, allowed, sizeof(allowed)));
			return blame(r, kv, e);
		}
	}
	for (unsigned i = 0; i < k->nkeys; i++) {
		const struct key_def *d = k->keys[i].def;
		const struct kv *kv = lookup(s, d->name);
		if (!kv)
			kv = lookup(&r->global, d->name);
		if (kv) {
			if (parse_list(d, kv->value, pl->vals[i], &pl->n[i], e))
				return blame(r, kv, e);
			if (kv->line)
				snprintf(pl->where[i], sizeof(pl->where[i]), "line %d", kv->line);
			else
				snprintf(pl->where[i], sizeof(pl->where[i]), "--set %.40s=%.40s",
					 kv->key, kv->value);
			pl->wp[i] = pl->where[i];
			continue;
		}
		if (!k->keys[i].dflt)
			return err_set(e, EINVAL, "%s:%d: [%s] (kind %s) needs '%s = ...'", r->file,
				       s->line, s->name, k->name, d->name);
		if (key_value(d, k->keys[i].dflt, &pl->vals[i][0], e))
			return err_wrap(e, "kind %s: default of %s", k->name, d->name);
		pl->n[i] = 1;
		snprintf(pl->where[i], sizeof(pl->where[i]), "line %d ([%s], %s by default)",
			 s->line, s->name, d->name);
		pl->wp[i] = pl->where[i];
	}
	return 0;
}

static int expand(const struct raw *r, const struct section *s, struct suite *su, struct err *e)
{
	const struct kind *k;
	if (section_kind(r, s, &k, e))
		return -e->code;
	struct plan *pl = calloc(1, sizeof(*pl));
	if (!pl)
		return err_set(e, ENOMEM, "out of memory");
	int rc = plan_section(r, s, k, pl, e);
	/* A KK_LIST key stays one list inside each case. */
	uint64_t total = 1;
	for (unsigned i = 0; !rc && i < k->nkeys; i++)
		if (!(k->keys[i].flags & KK_LIST))
			total *= pl->n[i];
	if (!rc && total > 100000)
		rc = err_set(e, EINVAL, "%s:%d: [%s] expands to %llu cases; at most 100000",
			     r->file, s->line, s->name, (unsigned long long)total);
	struct bench_case *nc = NULL;
	if (!rc && !(nc = realloc(su->cases, (su->ncases + total) * sizeof(*nc))))
		rc = err_set(e, ENOMEM, "out of memory for %llu cases", (unsigned long long)total);
	if (!rc)
		su->cases = nc;
	unsigned idx[KIND_MAX_KEYS] = {0};
	for (uint64_t i = 0; !rc && i < total; i++) {
		struct bench_case *c = &su->cases[su->ncases];
		memset(c, 0, sizeof(*c));
		c->kind = k;
		snprintf(c->section, sizeof(c->section), "%s", s->name);
		snprintf(c->name, sizeof(c->name), "%.31s-%04u", s->name, (unsigned)(i + 1));
		for (unsigned q = 0; q < k->nkeys; q++) {
			if (k->keys[q].flags & KK_LIST) {
				c->nlist = pl->n[q];
				memcpy(c->list, pl->vals[q], c->nlist * sizeof(uint64_t));
				c->v[q] = c->list[0];
			} else {
				c->v[q] = pl->vals[q][idx[q]];
			}
		}
		if (k->check && k->check(c, pl->wp, e)) {
			rc = err_wrap(e, "%s: [%s]", r->file, s->name);
			break;
		}
		/* The backing memory must come in the case's page size. */
		int bi = kind_key_index(k, &key_backing), pi = kind_key_index(k, &key_page_size);
		if (bi >= 0 && pi >= 0 && mem_kind_check((enum mem_kind)c->v[bi], c->v[pi], e)) {
			rc = err_wrap(e, "%s: [%s]: %s: backing = %s with page_size = %llu",
				      r->file, s->name, pl->wp[bi], key_backing.choices[c->v[bi]],
				      (unsigned long long)c->v[pi]);
			break;
		}
		su->ncases++;
		/* Odometer over the list-valued keys, last key fastest. */
		for (int q = (int)k->nkeys - 1; q >= 0; q--) {
			if (k->keys[q].flags & KK_LIST)
				continue;
			if (++idx[q] < pl->n[q])
				break;
			idx[q] = 0;
		}
	}
	free(pl);
	return rc;
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
		uint64_t *rv = run_setting(r, key);
		if (rv) {
			if (key_value(run_setting_def(key), eq + 1, rv, e))
				return err_wrap(e, "--set %s", sets[i]);
			continue;
		}
		if (!known_key(r, key) || !strcmp(key, "kind")) {
			char allowed[512];
			return err_set(e, EINVAL, "--set %s: unknown key; allowed: %s", key,
				       allowed_keys(r, NULL, allowed, sizeof(allowed)));
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
		const char *dot = strstr(base, ".suite");
		snprintf(s->name, sizeof(s->name), "%.*s",
			 (int)(dot ? (size_t)(dot - base) : strlen(base)), base);
		snprintf(s->path, sizeof(s->path), "%s", path);
		snprintf(s->description, sizeof(s->description), "%s", r->description);
		s->iommu_huge = r->iommu_huge;
		s->rounds = r->rounds ? r->rounds : 1;
	} else {
		suite_free(s);
	}
	raw_free(r);
	return rc;
}

int suite_load_kinds(const char *path, const char *text, const struct kind *const *kinds,
		     const char *const *sets, unsigned nset, struct suite *s, struct err *e)
{
	struct raw r;
	memset(&r, 0, sizeof(r));
	r.file = path;
	r.kinds = kinds ? kinds : kinds_builtin;
	int rc = text ? inifile_parse_string_sections(text, path, on_section, on_key, &r, e)
		      : inifile_parse_sections(path, on_section, on_key, &r, e);
	return finish(&r, rc, path, sets, nset, s, e);
}

int suite_load(const char *path, const char *const *sets, unsigned nset, struct suite *s,
	       struct err *e)
{
	return suite_load_kinds(path, NULL, NULL, sets, nset, s, e);
}

int suite_load_string(const char *text, const char *name, const char *const *sets, unsigned nset,
		      struct suite *s, struct err *e)
{
	return suite_load_kinds(name, text, NULL, sets, nset, s, e);
}

void suite_free(struct suite *s)
{
	free(s->cases);
	s->cases = NULL;
	s->ncases = 0;
}

bool suite_writes(const struct suite *s)
{
	for (unsigned i = 0; i < s->ncases; i++)
		if (case_get(&s->cases[i], &key_op, 0))
			return true;
	return false;
}
