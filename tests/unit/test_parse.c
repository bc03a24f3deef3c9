/* Strict parsing of sizes, integers and emulator options. */
#include <errno.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/emu/emu_opts.h"
#include "driver/util/parse.h"

static void sizes(void **state)
{
	(void)state;
	struct err e;
	uint64_t v;
	assert_int_equal(parse_size("512", &v, &e), 0);
	assert_int_equal(v, 512);
	assert_int_equal(parse_size("4k", &v, &e), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("2M", &v, &e), 0);
	assert_int_equal(v, 2u << 20);
	assert_int_equal(parse_size("1g", &v, &e), 0);
	assert_int_equal(v, 1ull << 30);
	const char *bad[] = {"", "k", "4kb", "-1", "4 k", "12x", "0x10k", NULL};
	for (int i = 0; bad[i]; i++) {
		assert_int_equal(parse_size(bad[i], &v, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "is not a size"));
	}
	assert_int_equal(parse_size("99999999999999999999", &v, &e), -ERANGE);
	assert_int_equal(parse_size("17179869184g", &v, &e), -ERANGE);
}

static void integers(void **state)
{
	(void)state;
	struct err e;
	uint64_t v;
	assert_int_equal(parse_u64("0x10", 100, &v, &e), 0);
	assert_int_equal(v, 16);
	assert_int_equal(parse_u64("101", 100, &v, &e), -ERANGE);
	assert_int_equal(parse_u64("-1", 100, &v, &e), -EINVAL);
	assert_int_equal(parse_u64("1 ", 100, &v, &e), -EINVAL);
	assert_int_equal(parse_u64(NULL, 100, &v, &e), -EINVAL);
}

static void emu_options(void **state)
{
	(void)state;
	struct err e;
	struct emu_cfg c;
	char store[256];
	emu_cfg_default(&c);
	assert_int_equal(
	    emu_opts_parse("mode=thread,base_ns=0,lba=4096,ns_size=8m,serial=ABC", &c, store, &e),
	    0);
	assert_int_equal(c.mode, EMU_MODE_THREAD);
	assert_int_equal(c.base_ns, 0);
	assert_int_equal(c.lba_shift, 12);
	assert_int_equal(c.ns_bytes, 8u << 20);
	assert_string_equal(c.serial, "ABC");
	assert_int_not_equal(emu_opts_parse("nosuch=1", &c, store, &e), 0);
	assert_non_null(strstr(e.msg, "unknown emulator option 'nosuch'"));
	assert_int_not_equal(emu_opts_parse("mode=fast", &c, store, &e), 0);
	assert_non_null(strstr(e.msg, "inline, thread, manual"));
	assert_int_not_equal(emu_opts_parse("lba=1024", &c, store, &e), 0);
	assert_int_not_equal(emu_opts_parse("mqes", &c, store, &e), 0);
	assert_int_not_equal(emu_opts_parse("mqes=70000", &c, store, &e), 0);
	assert_int_not_equal(emu_opts_parse("serial=123456789012345678901", &c, store, &e), 0);
}

/* The defaults the help prints are the ones emu_cfg_default() sets. */
static void emu_option_defaults(void **state)
{
	(void)state;
	struct err e;
	struct emu_cfg want, got;
	emu_cfg_default(&want);
	memset(&got, 0, sizeof(got));
	for (unsigned i = 0; i < emu_opts_keys.n; i++) {
		const struct key_def *d = &emu_opts_keys.defs[i];
		if (d->dflt)
			assert_ok(key_set(&emu_opts_keys, &got, d->name, d->dflt, &e), &e);
	}
	got.serial = want.serial;
	got.model = want.model;
	got.firmware = want.firmware;
	assert_memory_equal(&got, &want, sizeof(got));
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(sizes),
	    cmocka_unit_test(integers),
	    cmocka_unit_test(emu_options),
	    cmocka_unit_test(emu_option_defaults),
	};
	return cmocka_run_group_tests_name("parse", t, NULL, NULL);
}
