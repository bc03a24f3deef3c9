#include "driver/util/keys.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "driver/util/parse.h"

const struct key_def *key_find(const struct key_table *t, const char *name)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!strcmp(t->defs[i].name, name))
			return &t->defs[i];
	return NULL;
}

/* Sizes in help and errors the way users write them: 4k, 2m, 1g. */
static void fmt_size(uint64_t v, char *buf, size_t len)
{
	static const char sfx[] = "kmgt";
	int i = -1;
	while (v && v % 1024 == 0 && i < 3) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)v, sfx[i]);
}

const char *key_allowed(const struct key_def *d, char *buf, size_t len)
{
	char lo[32], hi[32], unit[32];
	size_t n = 0;
	buf[0] = '\0';
	switch (d->type) {
	case KEY_CHOICE:
		for (unsigned i = 0; d->choices[i] && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
					      d->choices[i]);
		break;
	case KEY_BOOL:
		snprintf(buf, len, "0, 1");
		break;
	case KEY_STR:
		snprintf(buf, len, "text of at most %llu characters", (unsigned long long)d->max);
		break;
	case KEY_SIZE:
		fmt_size(d->min, lo, sizeof(lo));
		fmt_size(d->max, hi, sizeof(hi));
		fmt_size(d->unit, unit, sizeof(unit));
		snprintf(buf, len, "%s to %s%s%s", lo, hi, d->unit > 1 ? ", a multiple of " : "",
			 d->unit > 1 ? unit : "");
		break;
	case KEY_UINT:
		snprintf(buf, len, "%llu to %llu", (unsigned long long)d->min,
			 (unsigned long long)d->max);
		break;
	case KEY_CUSTOM:
		snprintf(buf, len, "%s", d->help);
		break;
	}
	return buf;
}

int key_value(const struct key_def *d, const char *text, uint64_t *out, struct err *e)
{
	char allowed[256];
	switch (d->type) {
	case KEY_CHOICE:
		for (unsigned i = 0; d->choices[i]; i++)
			if (!strcmp(text, d->choices[i])) {
				*out = d->choice_vals ? d->choice_vals[i] : i;
				return 0;
			}
		return err_set(e, EINVAL, "%s = %s: allowed values are %s", d->name, text,
			       key_allowed(d, allowed, sizeof(allowed)));
	case KEY_BOOL:
		if ((text[0] == '0' || text[0] == '1') && !text[1]) {
			*out = text[0] == '1';
			return 0;
		}
		return err_set(e, EINVAL, "%s = %s: allowed values are 0, 1", d->name, text);
	case KEY_STR:
		if (strlen(text) > d->max)
			return err_set(e, EINVAL, "%s = '%s' is longer than %llu characters",
				       d->name, text, (unsigned long long)d->max);
		*out = (uint64_t)(uintptr_t)text;
		return 0;
	case KEY_CUSTOM:
		return d->parse(d, text, NULL, out, e);
	case KEY_SIZE:
		if (parse_size(text, out, e))
			return err_wrap(e, "%s", d->name);
		break;
	case KEY_UINT:
		if (parse_u64(text, UINT64_MAX, out, e))
			return err_wrap(e, "%s", d->name);
		break;
	}
	if (*out < d->min || *out > d->max)
		return err_set(e, ERANGE, "%s = %s: allowed %s (%s)", d->name, text,
			       key_allowed(d, allowed, sizeof(allowed)), d->help);
	if (d->unit > 1 && *out % d->unit)
		return err_set(e, EINVAL, "%s = %s: must be a multiple of %llu", d->name, text,
			       (unsigned long long)d->unit);
	return 0;
}

void key_store(const struct key_def *d, void *target, uint64_t v)
{
	unsigned char *p = (unsigned char *)target + d->off;
	switch (d->width) {
	case 1:
		*(uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)p = (uint32_t)v;
		break;
	case 8:
		if (d->type == KEY_STR)
			*(const char **)p = (const char *)(uintptr_t)v;
		else
			*(uint64_t *)p = v;
		break;
	default:
		break;
	}
}

int key_apply(const struct key_def *d, void *target, const char *text, struct err *e)
{
	uint64_t v = 0;
	int rc;
	if (d->type == KEY_CUSTOM) {
		/* A custom parser may write several fields itself. */
		v = UINT64_MAX;
		rc = d->parse(d, text, target, &v, e);
		if (!rc && d->width && v != UINT64_MAX)
			key_store(d, target, v);
	} else {
		rc = key_value(d, text, &v, e);
		if (!rc)
			key_store(d, target, v);
	}
	return rc;
}

int key_set(const struct key_table *t, void *target, const char *name, const char *text,
	    struct err *e)
{
	const struct key_def *d = key_find(t, name);
	if (!d) {
		char names[1024];
		return err_set(e, EINVAL, "unknown %s '%s'; allowed: %s", t->what, name,
			       key_names(t, names, sizeof(names)));
	}
	int rc = key_apply(d, target, text, e);
	return rc ? err_wrap(e, "%s %s", t->what, name) : 0;
}

int key_set_list(const struct key_table *t, void *target, char *text, char sep, struct err *e)
{
	char seps[2] = {sep, '\0'};
	char *save = NULL;
	for (char *kv = strtok_r(text, seps, &save); kv; kv = strtok_r(NULL, seps, &save)) {
		char *eq = strchr(kv, '=');
		if (!eq || eq == kv)
			return err_set(e, EINVAL, "%s '%s' is not key=value", t->what, kv);
		*eq = '\0';
		int rc = key_set(t, target, kv, eq + 1, e);
		if (rc)
			return rc;
	}
	return 0;
}

const char *key_names(const struct key_table *t, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < t->n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", t->defs[i].name);
	return buf;
}

size_t key_help(const struct key_table *t, int indent, char *buf, size_t len)
{
	size_t n = 0;
	char allowed[256];
	for (unsigned i = 0; i < t->n; i++) {
		const struct key_def *d = &t->defs[i];
		/* A custom key's help says what it takes; with no default
		 * either, there is nothing to put in parentheses. */
		const char *a =
		    d->type == KEY_CUSTOM ? "" : key_allowed(d, allowed, sizeof(allowed));
		bool paren = d->dflt || *a;
		int w = snprintf(
		    n < len ? buf + n : NULL, n < len ? len - n : 0, "%*s%-12s %s%s%s%s%s%s%s\n",
		    indent, "", d->name, d->help, paren ? " (" : "", d->dflt ? "default " : "",
		    d->dflt ? d->dflt : "", d->dflt && *a ? "; " : "", a, paren ? ")" : "");
		if (w > 0)
			n += (size_t)w;
	}
	return n;
}
