/* Typed key tables: the one parser behind every key=value input of the
 * project (suite files, --set, emulator options, IOMMU presets). A table
 * names each key with its type, range and help; values are parsed and
 * range-checked from it, and help text and "allowed: ..." error messages are
 * printed from it, so what a user may write and what the help says cannot
 * drift apart. The syntax around the pairs (INI sections, "a=1,b=2") belongs
 * to the caller: inifile.h for files, key_set_list() for option strings. */
#ifndef IOTLB_KEYS_H
#define IOTLB_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "driver/util/err.h"

enum key_type {
	KEY_UINT,   /* decimal or 0x integer in [min, max] */
	KEY_SIZE,   /* "4096", "4k", "2m", "1g" in [min, max], a multiple of `unit` */
	KEY_BOOL,   /* 0 or 1 */
	KEY_CHOICE, /* one of `choices`; the value is choice_vals[i], or i */
	KEY_STR,    /* text of at most `max` characters, stored as a pointer */
	KEY_CUSTOM, /* `parse` turns the text into the value */
};

struct key_def;
/* KEY_CUSTOM: parses `text` into *out (the value stored, when stored) or
 * writes straight into `target` (then return 0 and leave *out alone). */
typedef int (*key_parse_fn)(const struct key_def *d, const char *text, void *target, uint64_t *out,
			    struct err *e);

struct key_def {
	const char *name;
	enum key_type type;
	uint8_t width; /* bytes of the target field: 1, 2, 4, 8; 0 = not stored */
	size_t off;    /* offset of the field in the target struct */
	uint64_t min, max;
	uint64_t unit;		     /* KEY_SIZE: values must be a multiple of this (0 = any) */
	const char *const *choices;  /* KEY_CHOICE: NULL-terminated names */
	const uint64_t *choice_vals; /* KEY_CHOICE: stored values (NULL = index) */
	key_parse_fn parse;	     /* KEY_CUSTOM */
	const char *dflt;	     /* default as the user would write it, for help */
	const char *help;
	/* Optional: a value as the user would write it (KEY_CUSTOM keys). */
	void (*format)(uint64_t v, char *buf, size_t len);
};

struct key_table {
	const struct key_def *defs;
	unsigned n;
	const char *what; /* "emulator option", "preset key", ...: used in messages */
};

/* The definition named `name`, or NULL. */
const struct key_def *key_find(const struct key_table *t, const char *name);

/* Parses one value of key d from `text` and checks its range; *out gets the
 * value (KEY_STR: the pointer to text). Errors name the key, the text and
 * what is allowed. */
int key_value(const struct key_def *d, const char *text, uint64_t *out, struct err *e);

/* Stores v into the field of `target` that d describes (width 0: nothing). */
void key_store(const struct key_def *d, void *target, uint64_t v);

/* key_value + key_store for one definition, a KEY_CUSTOM parser given
 * `target` so it may write several fields itself. Errors are key_value's
 * (or the parser's), with no context added: for callers whose syntax has
 * its own (a file and line). KEY_STR stores `text` itself: keep it alive. */
int key_apply(const struct key_def *d, void *target, const char *text, struct err *e);

/* key_find + key_apply, errors prefixed with the table's `what` and the
 * key. An unknown key is an error that lists every key of the table. */
int key_set(const struct key_table *t, void *target, const char *name, const char *text,
	    struct err *e);

/* "k=v<sep>k=v..." parsed in place (the text is modified and must outlive
 * KEY_STR fields). */
int key_set_list(const struct key_table *t, void *target, char *text, char sep, struct err *e);

/* "a, b, c": every key name. Returns buf. */
const char *key_names(const struct key_table *t, char *buf, size_t len);

/* One line per key: "<indent>name   help (default D; MIN..MAX)". Returns the
 * length written (like snprintf, may exceed len). */
size_t key_help(const struct key_table *t, int indent, char *buf, size_t len);

/* The allowed values of d as a user would read them ("read, write",
 * "1 to 65535", "4k to 2m, a multiple of 512"). Returns buf. */
const char *key_allowed(const struct key_def *d, char *buf, size_t len);

#endif
