#include "micro/kinds/kind.h"

#include <stdio.h>
#include <string.h>

const struct kind *kind_find(const struct kind *const *set, const char *name)
{
	for (unsigned i = 0; set[i]; i++)
		if (!strcmp(set[i]->name, name))
			return set[i];
	return NULL;
}

int kind_key_index(const struct kind *k, const struct key_def *d)
{
	for (unsigned i = 0; i < k->nkeys; i++)
		if (k->keys[i].def == d)
			return (int)i;
	return -1;
}

uint64_t case_get(const struct bench_case *c, const struct key_def *d, uint64_t fallback)
{
	int i = kind_key_index(c->kind, d);
	return i < 0 ? fallback : c->v[i];
}

uint64_t case_value(const struct bench_case *c, const char *name)
{
	for (unsigned i = 0; i < c->kind->nkeys; i++)
		if (!strcmp(c->kind->keys[i].def->name, name))
			return c->v[i];
	return UINT64_MAX;
}

void key_format(const struct key_def *d, uint64_t v, char *buf, size_t len)
{
	if (d->format) {
		d->format(v, buf, len);
		return;
	}
	if (d->type == KEY_CHOICE && !d->choice_vals) {
		unsigned n = 0;
		while (d->choices[n])
			n++;
		snprintf(buf, len, "%s", v < n ? d->choices[v] : "?");
		return;
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

void case_describe(const struct bench_case *c, char *buf, size_t len)
{
	const struct kind *k = c->kind;
	size_t n = (size_t)snprintf(buf, len, "%s", k->name);
	for (unsigned i = 0; i < k->nkeys && n < len; i++) {
		const struct kind_key *kk = &k->keys[i];
		if (kk->flags & KK_QUIET)
			continue;
		if (kk->flags & KK_LIST) {
			n += (size_t)snprintf(buf + n, len - n, " %s=%llu..%llu", kk->def->name,
					      (unsigned long long)c->list[0],
					      (unsigned long long)c->list[c->nlist - 1]);
			continue;
		}
		char v[48];
		key_format(kk->def, c->v[i], v, sizeof(v));
		n += (size_t)snprintf(buf + n, len - n, " %s=%s", kk->def->name, v);
	}
}
