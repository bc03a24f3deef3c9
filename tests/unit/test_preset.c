/* The presets file: the shipped presets parse to what they claim, and every
 * kind of error names the file, the line and the allowed values. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/iommu/preset.h"

static struct preset_set set;

static void shipped_presets(void **state)
{
	(void)state;
	struct err e;
	assert_ok(preset_load_file(preset_default_path(), &set, &e), &e);
	struct iommu_cfg c;
	assert_ok(preset_find(&set, "intel-e5-2660v2", &c, &e), &e);
	assert_int_equal(c.kind, IOMMU_MODEL);
	assert_false(c.split);
	assert_int_equal(c.tlb[0].entries, 64);
	assert_int_equal(c.miss_ns, 235);
	assert_ok(preset_find(&set, "amd-epyc-7713", &c, &e), &e);
	assert_true(c.split);
	assert_int_equal(c.tlb[0].entries, 256);
	assert_int_equal(c.tlb[1].entries, 64);
	assert_int_equal(c.tlb[2].entries, 32);
	assert_int_equal(c.miss_ns, 70);
	assert_ok(preset_find(&set, "qemu-vtd", &c, &e), &e);
	assert_int_equal(c.tlb[0].entries, 1024);
	assert_int_equal(c.tlb[0].repl, REPL_WIPE);
	assert_ok(preset_find(&set, "ideal", &c, &e), &e);
	assert_int_equal(c.kind, IOMMU_IDEAL);
	assert_ok(preset_find(&set, "none", &c, &e), &e);
	assert_int_equal(c.kind, IOMMU_NONE);
	/* Every shipped preset builds a model. */
	for (unsigned i = 0; i < set.n; i++) {
		struct iommu *m;
		assert_ok(iommu_create(&set.p[i], &m, &e), &e);
		iommu_destroy(m);
	}
	assert_int_equal(preset_find(&set, "nosuch", &c, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "available: intel-e5-2660v2, amd-epyc-7713"));
}

static void user_preset(void **state)
{
	(void)state;
	struct err e;
	const char *text = "[mine]\n"
			   "iotlb = split\n"
			   "entries_4k = 128\n"
			   "entries_2m = 16\n"
			   "entries_1g = 4\n"
			   "ways = 4\n"
			   "replacement = fifo\n"
			   "invalidation = lazy\n"
			   "lazy_batch = 32\n"
			   "miss_ns = 90\n";
	assert_ok(preset_load_string(text, "mine.ini", &set, &e), &e);
	struct iommu_cfg c;
	assert_ok(preset_find(&set, "mine", &c, &e), &e);
	assert_int_equal(c.tlb[1].entries, 16);
	assert_int_equal(c.tlb[0].ways, 4);
	assert_int_equal(c.tlb[2].repl, REPL_FIFO);
	assert_int_equal(c.inval, INVAL_LAZY);
	assert_int_equal(c.lazy_batch, 32);
}

/* Every shipped preset says what its numbers rest on, and the second reading
 * of the E5-2660v2 measurement differs from the first only where the data
 * left it open: entry count and replacement policy. */
static void shipped_notes(void **state)
{
	(void)state;
	struct err e;
	assert_ok(preset_load_file(preset_default_path(), &set, &e), &e);
	for (unsigned i = 0; i < set.n; i++) {
		const struct iommu_cfg *c = &set.p[i];
		if (!*c->source || !*c->fixed || !*c->guessed)
			fail_msg("preset [%s] lacks source, fixed or guessed", c->name);
	}
	struct iommu_cfg a, b;
	assert_ok(preset_find(&set, "intel-e5-2660v2", &a, &e), &e);
	assert_ok(preset_find(&set, "intel-e5-2660v2-lru", &b, &e), &e);
	assert_int_equal(a.tlb[0].repl, REPL_RANDOM);
	assert_int_equal(b.tlb[0].repl, REPL_LRU);
	assert_int_equal(b.tlb[0].entries, 126);
	assert_true(b.tlb[0].entries > a.tlb[0].entries);
	assert_int_equal(a.split, b.split);
	assert_int_equal(a.tlb[0].ways, b.tlb[0].ways);
	assert_int_equal(a.leaf_sizes, b.leaf_sizes);
	assert_memory_equal(a.pwc_entries, b.pwc_entries, sizeof(a.pwc_entries));
	assert_int_equal(a.inval, b.inval);
	assert_int_equal(a.hit_ns, b.hit_ns);
	assert_int_equal(a.miss_ns, b.miss_ns);
	assert_int_equal(a.walk_read_ns, b.walk_read_ns);
	assert_int_equal(a.inval_ns, b.inval_ns);
	assert_int_equal(a.flush_ns, b.flush_ns);
}

/* Notes continue on indented lines; one that outgrows its field is an error
 * that says so rather than a silently cut sentence. */
static void note_keys(void **state)
{
	(void)state;
	struct err e;
	assert_ok(preset_load_string("[a]\nentries = 4\nsource = first half\n  second half\n"
				     "guessed = all\n",
				     "p.ini", &set, &e),
		  &e);
	assert_string_equal(set.p[0].source, "first half second half");
	assert_string_equal(set.p[0].guessed, "all");
	assert_string_equal(set.p[0].fixed, "");
	char text[4 * IOMMU_NOTE_MAX];
	int n = snprintf(text, sizeof(text), "[a]\nentries = 4\nfixed = ");
	for (int i = 0; i < IOMMU_NOTE_MAX / 100 + 1; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%.99s\n", i ? "  " : "",
			      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_int_not_equal(preset_load_string(text, "p.ini", &set, &e), 0);
	assert_non_null(strstr(e.msg, "fixed: longer than"));
}

static void expect_error(const char *text, const char *needle)
{
	struct err e;
	assert_int_not_equal(preset_load_string(text, "p.ini", &set, &e), 0);
	if (!strstr(e.msg, needle))
		fail_msg("error '%s' lacks '%s'", e.msg, needle);
}

static void errors(void **state)
{
	(void)state;
	expect_error("[a]\nentries = 64\nfoo = 1\n", "p.ini:3: unknown key 'foo'");
	expect_error("[a]\nentries = 64\nreplacement = plru\n",
		     "p.ini:3: replacement = plru: allowed values are lru, fifo, random, wipe");
	expect_error("[a]\nentries = sixty\n", "p.ini:2: entries");
	expect_error("[a]\nentries = 64\n[b]\nentries = 8\n[a]\nentries = 32\n",
		     "preset [a] is defined twice");
	expect_error("[a]\nentries = 48\nways = 16\n", "power of two");
	expect_error("[a]\niotlb = split\nentries_4k = 64\n", "non-zero entry count");
	expect_error("[a]\nentries_3m = 4\n", "allowed values are 4k, 2m, 1g");
	expect_error("[a]\nleaf_sizes = 2m\nentries = 4\n", "4k must be included");
	expect_error("[a]\nentries = 4\nmiss_ns = 2000000000\n", "miss_ns");
	expect_error("[a]\nentries = 4\npwc = 1,2\n", "expected 3 comma-separated values");
	expect_error("entries = 4\n", "outside a [preset] section");
	expect_error("[a]\nthis line is not ini\n", "p.ini:2: syntax error");
	expect_error("", "no presets defined");
	struct err e;
	assert_int_equal(preset_load_file("/nonexistent/presets.ini", &set, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "IOTLB_PRESETS"));
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(shipped_presets), cmocka_unit_test(user_preset),
	    cmocka_unit_test(shipped_notes),   cmocka_unit_test(note_keys),
	    cmocka_unit_test(errors),
	};
	return cmocka_run_group_tests_name("preset", t, NULL, NULL);
}
