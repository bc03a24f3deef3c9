/* Adding a benchmark kind is one file and one table entry: a kind defined
 * only in this test program (`echo`: one shared key, one of its own) goes
 * through the same suite parser, runner and dataset writer as the built-in
 * kinds, with no other file knowing it. Run from the tree root. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers.h"
#include "micro/kinds/case.h"
#include "micro/kinds/keys.h"
#include "micro/run/runner.h"
#include "micro/run/suite.h"

/* ---- the whole kind: what HACKING.md shows ---- */

static const struct key_def key_reps = {
    .name = "reps", .type = KEY_UINT, .min = 1, .max = 1000, .help = "samples per case"};

enum { P_PAGE_SIZE, P_REPS, NKEYS };

static const struct kind_key echo_keys[NKEYS] = {
    [P_PAGE_SIZE] = {&key_page_size, "4k", 0},
    [P_REPS] = {&key_reps, "3", 0},
};

/* Records `reps` samples of value reps * 100 ns: the row can only come out
 * right if the key's value reached the run function. */
static int run_echo(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	struct hist h;
	hist_reset(&h);
	for (uint64_t i = 0; i < c->v[P_REPS]; i++)
		hist_add(&h, c->v[P_REPS] * 100);
	struct result_row row;
	case_row_init(&row, r, c, NULL, "echo");
	return case_emit(r, &row, &h, NULL, e);
}

static const struct kind kind_echo = {
    .name = "echo",
    .summary = "a test kind",
    .keys = echo_keys,
    .nkeys = NKEYS,
    .run = run_echo,
};

/* ---- its table entry: the built-in kinds plus this one ---- */

static const struct kind *kinds[8];

static void with_echo(void)
{
	unsigned n = 0;
	while (kinds_builtin[n]) {
		kinds[n] = kinds_builtin[n];
		n++;
	}
	kinds[n] = &kind_echo;
	kinds[n + 1] = NULL;
}

static void parses_with_its_keys(void **state)
{
	(void)state;
	with_echo();
	struct suite s;
	struct err e;
	const char *text = "[echo]\nreps = 2,5\npage_size = 4k,2m\n[reuse]\npages = 1\n";
	assert_ok(suite_load_kinds("x.suite", text, kinds, NULL, 0, &s, &e), &e);
	assert_int_equal(s.ncases, 4 + 1);
	assert_string_equal(s.cases[0].kind->name, "echo");
	assert_int_equal(case_value(&s.cases[1], "reps"), 5);
	assert_int_equal(case_value(&s.cases[2], "page_size"), 2u << 20);
	suite_free(&s);
	/* Its own key is range-checked from its definition... */
	assert_int_not_equal(
	    suite_load_kinds("x.suite", "[echo]\nreps = 0\n", kinds, NULL, 0, &s, &e), 0);
	assert_non_null(strstr(e.msg, "reps = 0: allowed 1 to 1000"));
	/* ...and unknown to the built-in set, which this file did not touch. */
	assert_int_not_equal(suite_load_string("[echo]\nreps = 2\n", "y.suite", NULL, 0, &s, &e),
			     0);
	assert_non_null(strstr(e.msg, "unknown key 'reps'"));
}

static void runs_through_the_runner(void **state)
{
	(void)state;
	with_echo();
	char dir[64], suite[96], path[160];
	snprintf(dir, sizeof(dir), "/tmp/iotlb-kind-%d", getpid());
	snprintf(suite, sizeof(suite), "%s.suite", dir);
	FILE *f = fopen(suite, "w");
	assert_non_null(f);
	fputs("[global]\ndescription = echo\n[echo]\nreps = 2,7\n", f);
	fclose(f);
	struct run_opts o = {.suite_path = suite,
			     .kinds = kinds,
			     .backend = "emu",
			     .out_root = dir,
			     .cpu = -1,
			     .quiet = true,
			     .force_clock = true /* RDTSCP raises SIGILL under valgrind 3.19 */};
	assert_int_equal(runner_main(&o), 0);
	snprintf(path, sizeof(path), "%s/latest/results.csv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	char line[512];
	unsigned rows = 0;
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		/* case,kind,backend,page_size,op,...,ops(count),mean_ns,p50_ns */
		char id[64], kind[16], be[16], op[16];
		unsigned long long ps;
		assert_int_equal(
		    sscanf(line, "%63[^,],%15[^,],%15[^,],%llu,%15[^,]", id, kind, be, &ps, op), 5);
		assert_string_equal(kind, "echo");
		assert_string_equal(op, "echo");
		assert_int_equal(ps, 4096);
		unsigned reps = rows == 0 ? 2 : 7;
		char want[64];
		snprintf(want, sizeof(want), ",%u,%u.0,", reps, reps * 100);
		if (!strstr(line, want))
			fail_msg("row '%s' lacks count and mean '%s'", line, want);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 2);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, suite);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(parses_with_its_keys),
	    cmocka_unit_test(runs_through_the_runner),
	};
	return cmocka_run_group_tests_name("kind_extension", t, NULL, NULL);
}
