/* Typed key tables (driver/util/keys.h): values parsed and range-checked
 * from the table, stored at their field, unknown keys listed, help printed
 * from the same table. */
#include <errno.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/util/array.h"
#include "driver/util/keys.h"
#include "driver/util/parse.h"

struct target {
	uint8_t small;
	uint16_t mid;
	uint64_t size;
	uint32_t mode;
	const char *label;
	uint64_t flag;
};

static const char *const modes[] = {"slow", "fast", NULL};
static const uint64_t mode_vals[] = {10, 20};

static int parse_twice(const struct key_def *d, const char *text, void *target, uint64_t *out,
		       struct err *e)
{
	(void)d;
	(void)target;
	uint64_t v;
	if (parse_u64(text, 1000, &v, e))
		return err_wrap(e, "twice");
	*out = 2 * v;
	return 0;
}

#define F(f) offsetof(struct target, f)
static const struct key_def defs[] = {
    {.name = "small",
     .type = KEY_UINT,
     .width = 1,
     .off = F(small),
     .min = 1,
     .max = 200,
     .dflt = "1",
     .help = "a byte"},
    {.name = "mid", .type = KEY_UINT, .width = 2, .off = F(mid), .max = 65535, .help = "a word"},
    {.name = "size",
     .type = KEY_SIZE,
     .width = 8,
     .off = F(size),
     .min = 512,
     .max = 2u << 20,
     .unit = 512,
     .dflt = "4k",
     .help = "bytes"},
    {.name = "mode",
     .type = KEY_CHOICE,
     .width = 4,
     .off = F(mode),
     .choices = modes,
     .choice_vals = mode_vals,
     .dflt = "slow",
     .help = "speed"},
    {.name = "label", .type = KEY_STR, .width = 8, .off = F(label), .max = 5, .help = "a name"},
    {.name = "flag",
     .type = KEY_BOOL,
     .width = 8,
     .off = F(flag),
     .max = 1,
     .dflt = "0",
     .help = "on or off"},
    {.name = "twice",
     .type = KEY_CUSTOM,
     .width = 8,
     .off = F(size),
     .parse = parse_twice,
     .help = "N: stores 2N"},
};
static const struct key_table table = {defs, ARRAY_SIZE(defs), "test key"};

static void values_land_in_their_fields(void **state)
{
	(void)state;
	struct target t = {0};
	struct err e;
	char text[] = "small=7,mid=0x100,size=4k,mode=fast,label=abc,flag=1";
	assert_ok(key_set_list(&table, &t, text, ',', &e), &e);
	assert_int_equal(t.small, 7);
	assert_int_equal(t.mid, 256);
	assert_int_equal(t.size, 4096);
	assert_int_equal(t.mode, 20);
	assert_string_equal(t.label, "abc");
	assert_int_equal(t.flag, 1);
	assert_ok(key_set(&table, &t, "twice", "21", &e), &e);
	assert_int_equal(t.size, 42);
}

static void bad_values_name_key_and_range(void **state)
{
	(void)state;
	struct target t = {0};
	struct err e;
	assert_int_equal(key_set(&table, &t, "small", "201", &e), -ERANGE);
	assert_non_null(strstr(e.msg, "small = 201: allowed 1 to 200"));
	assert_int_equal(key_set(&table, &t, "size", "1000", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "size = 1000: must be a multiple of 512"));
	assert_int_equal(key_set(&table, &t, "size", "4m", &e), -ERANGE);
	assert_non_null(strstr(e.msg, "512 to 2m"));
	assert_int_equal(key_set(&table, &t, "mode", "medium", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "mode = medium: allowed values are slow, fast"));
	assert_int_equal(key_set(&table, &t, "label", "toolong", &e), -EINVAL);
	assert_int_equal(key_set(&table, &t, "flag", "2", &e), -EINVAL);
	assert_int_equal(key_set(&table, &t, "twice", "x", &e), -EINVAL);
	/* Nothing was stored by a failed set. */
	assert_int_equal(t.small, 0);
	assert_int_equal(t.size, 0);
	assert_null(t.label);
}

static void apply_adds_no_context(void **state)
{
	(void)state;
	struct target t = {0};
	struct err e;
	assert_ok(key_apply(key_find(&table, "mode"), &t, "fast", &e), &e);
	assert_int_equal(t.mode, 20);
	assert_ok(key_apply(key_find(&table, "twice"), &t, "4", &e), &e);
	assert_int_equal(t.size, 8);
	assert_int_equal(key_apply(key_find(&table, "small"), &t, "0", &e), -ERANGE);
	assert_true(strncmp(e.msg, "small = 0: allowed 1 to 200", 27) == 0);
	assert_int_equal(key_set(&table, &t, "small", "0", &e), -ERANGE);
	assert_non_null(strstr(e.msg, "test key small: small = 0"));
}

static void unknown_keys_list_the_table(void **state)
{
	(void)state;
	struct target t = {0};
	struct err e;
	assert_int_equal(key_set(&table, &t, "nosuch", "1", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "unknown test key 'nosuch'"));
	assert_non_null(strstr(e.msg, "small, mid, size, mode, label, flag, twice"));
	char text[] = "small";
	assert_int_equal(key_set_list(&table, &t, text, ',', &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not key=value"));
}

static void help_comes_from_the_table(void **state)
{
	(void)state;
	char buf[2048];
	size_t n = key_help(&table, 2, buf, sizeof(buf));
	assert_true(n < sizeof(buf));
	for (unsigned i = 0; i < ARRAY_SIZE(defs); i++) {
		assert_non_null(strstr(buf, defs[i].name));
		assert_non_null(strstr(buf, defs[i].help));
	}
	assert_non_null(strstr(buf, "default 4k; 512 to 2m, a multiple of 512"));
	assert_non_null(strstr(buf, "default slow; slow, fast"));
	/* A buffer too small is not overrun and the length needed comes back. */
	char small[16];
	assert_int_equal(key_help(&table, 2, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(values_land_in_their_fields),
	    cmocka_unit_test(bad_values_name_key_and_range),
	    cmocka_unit_test(apply_adds_no_context),
	    cmocka_unit_test(unknown_keys_list_the_table),
	    cmocka_unit_test(help_comes_from_the_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
