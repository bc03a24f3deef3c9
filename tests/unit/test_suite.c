/* Suite files: grid expansion, overrides, and every kind of error with
 * file, line and the allowed values. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/helpers.h"
#include "micro/run/suite.h"
#include "driver/util/array.h"

static void grid(void **state)
{
	(void)state;
	struct suite s;
	struct err e;
	const char *text = "[global]\n"
			   "description = test\n"
			   "page_size = 4k,2m\n"
			   "[reuse]\n"
			   "pages = 1,2,4\n"
			   "io_size = 512\n"
			   "[map]\n"
			   "map_size = 4k,64k\n"
			   "page_size = 1g\n"
			   "[tp]\n"
			   "kind = latency\n"
			   "qd = 1,8\n"
			   "threads = 1,2\n"
			   "[count]\n"
			   "mappings = 1,10,100\n";
	assert_ok(suite_load_string(text, "t.suite", NULL, 0, &s, &e), &e);
	/* reuse 2x3 + map 1x2 + latency 2 page sizes x 2 qd x 2 threads + count 2 */
	assert_int_equal(s.ncases, 6 + 2 + 8 + 2);
	assert_string_equal(s.description, "test");
	assert_string_equal(s.name, "t");
	/* The last key varies fastest, page_size slowest. */
	assert_string_equal(s.cases[0].kind->name, "reuse");
	assert_int_equal(case_value(&s.cases[0], "page_size"), 4096);
	assert_int_equal(case_value(&s.cases[0], "pages"), 1);
	assert_int_equal(case_value(&s.cases[1], "pages"), 2);
	assert_int_equal(case_value(&s.cases[3], "page_size"), 2u << 20);
	assert_string_equal(s.cases[0].name, "reuse-0001");
	assert_string_equal(s.cases[5].name, "reuse-0006");
	/* Defaults: reuse ios 65536, one I/O in flight. */
	assert_int_equal(case_value(&s.cases[0], "ios"), 65536);
	/* A section's own page_size wins over [global]. */
	assert_string_equal(s.cases[6].kind->name, "map");
	assert_int_equal(case_value(&s.cases[6], "page_size"), 1u << 30);
	assert_int_equal(case_value(&s.cases[7], "map_size"), 65536);
	assert_string_equal(s.cases[8].kind->name, "latency");
	assert_string_equal(s.cases[8].section, "tp");
	assert_int_equal(case_value(&s.cases[9], "threads"), 2);
	assert_int_equal(case_value(&s.cases[10], "qd"), 8);
	/* count keeps mappings as one list inside each case. */
	struct bench_case *c = &s.cases[16];
	assert_string_equal(c->kind->name, "count");
	assert_int_equal(c->nlist, 3);
	assert_int_equal(c->list[2], 100);
	suite_free(&s);
}

static void overrides(void **state)
{
	(void)state;
	struct suite s;
	struct err e;
	const char *text = "[reuse]\npages = 1,2,4\nios = 1000\n[latency]\nqd = 4\n";
	const char *sets[] = {"ios=77", "pages=64", "page_size=2m,4k"};
	assert_ok(suite_load_string(text, "o.suite", sets, 3, &s, &e), &e);
	assert_int_equal(s.ncases, 2 + 2);
	assert_int_equal(case_value(&s.cases[0], "pages"), 64);
	assert_int_equal(case_value(&s.cases[0], "ios"), 77);
	assert_int_equal(case_value(&s.cases[0], "page_size"), 2u << 20);
	assert_int_equal(case_value(&s.cases[2], "ios"), 77);
	assert_int_equal(case_value(&s.cases[2], "qd"), 4);
	suite_free(&s);
	const char *bad[] = {"qdepth=4"};
	assert_int_not_equal(suite_load_string(text, "o.suite", bad, 1, &s, &e), 0);
	assert_non_null(strstr(e.msg, "--set qdepth: unknown key"));
	const char *thp[] = {"backing=thp", "page_size=2m"};
	assert_ok(suite_load_string(text, "o.suite", thp, 2, &s, &e), &e);
	assert_int_equal(case_value(&s.cases[0], "backing"), 2); /* MEM_KIND_THP */
	suite_free(&s);
	const char *bad3[] = {"page_size=3k"};
	assert_int_not_equal(suite_load_string(text, "o.suite", bad3, 1, &s, &e), 0);
	if (!strstr(e.msg, "--set page_size=3k: page_size '3k'") || strstr(e.msg, "o.suite:0"))
		fail_msg("--set error blamed elsewhere: %s", e.msg);
	/* rounds: a run setting, 1 unless given, [global] or --set only. */
	assert_ok(suite_load_string(text, "o.suite", NULL, 0, &s, &e), &e);
	assert_int_equal(s.rounds, 1);
	suite_free(&s);
	const char *r8[] = {"rounds=8"};
	assert_ok(suite_load_string(text, "o.suite", r8, 1, &s, &e), &e);
	assert_int_equal(s.rounds, 8);
	assert_int_equal(s.ncases, 3 + 1); /* not a key of any case */
	suite_free(&s);
	assert_ok(suite_load_string("[global]\nrounds = 3\n[reuse]\npages = 2\n", "o.suite", NULL,
				    0, &s, &e),
		  &e);
	assert_int_equal(s.rounds, 3);
	suite_free(&s);
	const char *r0[] = {"rounds=0"};
	assert_int_not_equal(suite_load_string(text, "o.suite", r0, 1, &s, &e), 0);
	if (!strstr(e.msg, "--set rounds=0") || !strstr(e.msg, "1 to 1000"))
		fail_msg("rounds=0 error: %s", e.msg);
	const char *bad2[] = {"ios"};
	assert_int_not_equal(suite_load_string(text, "o.suite", bad2, 1, &s, &e), 0);
	assert_non_null(strstr(e.msg, "expected key=value"));
}

static void expect_error(const char *text, const char *needle)
{
	struct suite s;
	struct err e;
	assert_int_not_equal(suite_load_string(text, "e.suite", NULL, 0, &s, &e), 0);
	if (!strstr(e.msg, needle))
		fail_msg("error '%s' lacks '%s'", e.msg, needle);
}

static void errors(void **state)
{
	(void)state;
	expect_error("[reuse]\npages = 4\nqdepth = 1\n",
		     "e.suite:3: unknown key 'qdepth'; allowed:");
	expect_error("[reuse]\npages = 4\npage_size = 3m\n",
		     "e.suite:3: page_size '3m': allowed values are 4k, 2m, 1g");
	expect_error("[reuse]\npages = 0\n", "e.suite:2: pages = 0: allowed 1 to");
	expect_error("[reuse]\npages = many\n",
		     "e.suite:2: pages = many: allowed 1 to 1048576, or auto");
	expect_error("[reuse]\npages = auto\nraw = 1\n", "raw = 1 with pages = auto");
	expect_error("[reuse]\npages = auto\nios = 1000\nmax_ios = 500\n",
		     "max_ios 500 is below ios 1000");
	expect_error("[reuse]\npages = 4\nrounds = 4\n",
		     "e.suite:3: rounds is a setting of the whole run: move it to [global]");
	expect_error("[reuse]\npages = auto\nios = 20\n",
		     "ios = 20 with pages = auto: the search needs at least 1600");
	expect_error("[reuse]\nios = 5\n", "[reuse] (kind reuse) needs 'pages = ...'");
	expect_error("[reuse]\npages = 4\nmap_size = 4k\n",
		     "e.suite:3: key 'map_size' does not apply to kind reuse; its keys:");
	expect_error("[foo]\nqd = 1\n",
		     "section [foo] needs 'kind = map|count|churn|reuse|latency|dmamap'");
	expect_error("[x]\nkind = fast\n", "kind 'fast': allowed values are map, count");
	expect_error("[reuse]\npages = 4\nio_size = 1000\n",
		     "io_size = 1000: must be a multiple of 512");
	expect_error("[reuse]\npages = 4\nio_size = 8k\n",
		     "io_size 8192 exceeds page_size 4096: a reuse I/O must touch one page");
	expect_error("[reuse]\npages = 100000\npage_size = 1g\n", "need more than 64 GiB");
	expect_error("[count]\nmappings = 10,5\n", "mappings must ascend (5 after 10)");
	expect_error("[churn]\nchurn = sometimes\n",
		     "churn 'sometimes': allowed values are persistent, per-io, batch:N");
	expect_error("[churn]\nchurn = batch:1\n", "batch:N with N from 2");
	expect_error("[latency]\nbuffer = 4k\nqd = 8\n",
		     "buffer 4096 is smaller than io_size x qd");
	expect_error("[latency]\nop = readwrite\n",
		     "op = readwrite: allowed values are read, write");
	expect_error("[global]\npage_size = 4k\n", "no case sections");
	expect_error("qd = 1\n", "before any [section]");
	expect_error("[reuse]\npages = 4\n[map]\nops = 1\n[reuse]\npages = 8\n",
		     "section [reuse] appears twice");
	expect_error("[reuse]\npages 4\n", "e.suite:2: syntax error");
	/* Backing memory must come in the case's page size. */
	expect_error(
	    "[reuse]\npages = 4\nbacking = thp\n",
	    "line 3: backing = thp with page_size = 4096: transparent hugepages are 2 MiB");
	expect_error("[map]\nbacking = swap\n",
		     "backing = swap: allowed values are default, anon, thp, hugetlb, memfd");
	/* A repeated section right after itself used to merge silently. */
	expect_error("[reuse]\npages = 4\n[reuse]\npages = 8\n",
		     "e.suite:3: section [reuse] appears twice (first on line 1)");
	/* A '[' without ']' is named at its own line, not at the key after it. */
	expect_error("[global]\n[reuse\npages = 4\n", "e.suite:2: section header without ']'");
	struct suite s;
	struct err e;
	assert_int_equal(suite_load("/nonexistent/x.suite", NULL, 0, &s, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "cannot open /nonexistent/x.suite"));
}

static void shipped_suites_parse(void **state)
{
	(void)state;
	const char *names[] = {"default", "quick", "reuse", "map", "count", "churn", "latency"};
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		char path[128];
		snprintf(path, sizeof(path), "micro/suites/%s.suite", names[i]);
		struct suite s;
		struct err e;
		assert_ok(suite_load(path, NULL, 0, &s, &e), &e);
		assert_true(s.ncases > 0);
		assert_true(strlen(s.description) > 0);
		suite_free(&s);
	}
}

/* reuse's order and seed: parsed from the table (with the allowed values
 * in the error), defaults cyclic and 1, and order spans the grid before
 * pages so a section sweeps each order in turn. */
static void reuse_order_and_seed(void **state)
{
	(void)state;
	struct suite s;
	struct err e;
	const char *text = "[reuse]\norder = cyclic,random\npages = 8,16\nseed = 7\n";
	assert_ok(suite_load_string(text, "r.suite", NULL, 0, &s, &e), &e);
	assert_int_equal(s.ncases, 4);
	assert_int_equal(case_value(&s.cases[0], "order"), 0);
	assert_int_equal(case_value(&s.cases[1], "order"), 0);
	assert_int_equal(case_value(&s.cases[1], "pages"), 16);
	assert_int_equal(case_value(&s.cases[2], "order"), 1);
	assert_int_equal(case_value(&s.cases[3], "seed"), 7);
	suite_free(&s);
	assert_ok(suite_load_string("[reuse]\npages = 8\n", "r.suite", NULL, 0, &s, &e), &e);
	assert_int_equal(case_value(&s.cases[0], "order"), 0);
	assert_int_equal(case_value(&s.cases[0], "seed"), 1);
	suite_free(&s);
	/* pages = auto is a value of its own (0), beside listed points. */
	assert_ok(suite_load_string("[reuse]\npages = auto,64\n", "r.suite", NULL, 0, &s, &e), &e);
	assert_int_equal(s.ncases, 2);
	assert_int_equal(case_value(&s.cases[0], "pages"), 0);
	assert_int_equal(case_value(&s.cases[1], "pages"), 64);
	char desc[256];
	case_describe(&s.cases[0], desc, sizeof(desc));
	assert_non_null(strstr(desc, "pages=auto"));
	suite_free(&s);
	assert_int_not_equal(
	    suite_load_string("[reuse]\npages = 8\norder = shuffled\n", "r.suite", NULL, 0, &s, &e),
	    0);
	assert_non_null(strstr(e.msg, "allowed values are cyclic, random"));
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(grid),
	    cmocka_unit_test(overrides),
	    cmocka_unit_test(errors),
	    cmocka_unit_test(shipped_suites_parse),
	    cmocka_unit_test(reuse_order_and_seed),
	};
	return cmocka_run_group_tests_name("suite", t, NULL, NULL);
}
