#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "driver/util/array.h"
#include "micro/cli/cmd.h"
#include "micro/cli/opts.h"
#include "micro/cli/rscript.h"

static const struct cli_opt compare_opts[] = {
    {"out", required_argument, 'o', "DIR",
     "also write compare.csv, compare.md and compare_reach.csv"},
    {"fail-above", required_argument, 'f', "PCT",
     "exit 1 when a case's p50 or p99 ratio interval lies above 1 + PCT/100"},
    CLI_OPT_HELP,
};

static void compare_usage(FILE *f)
{
	cli_usage(
	    f, "compare", "BASE NEW [options]",
	    "Compares two runs case by case (matched by case id and parameters): NEW/BASE\n"
	    "ratios of p50, p99 and IOPS with 95% bootstrap intervals, and each run's IOTLB\n"
	    "reach. Exit status 0; 1 with --fail-above when a case regressed; 2 on bad\n"
	    "input. Runs analysis/compare.R (the checkout's, else the installed copy); needs\n"
	    "R ('make deps').",
	    compare_opts, ARRAY_SIZE(compare_opts));
}

/* iotlbench compare BASE NEW [--out DIR] [--fail-above PCT]: runs
 * analysis/compare.R and passes its exit status through, so CI can gate on
 * it: 0 no regression, 1 regression, 2 bad input (here or in R). */
int cmd_compare(int argc, char **argv)
{
	struct option lo[CLI_MAX_OPTS + 1];
	char so[3 * CLI_MAX_OPTS + 2];
	cli_getopt(compare_opts, ARRAY_SIZE(compare_opts), 0, lo, so);
	char *out = NULL, *pct = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'f': {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || !isfinite(v) || v < 0) {
				fprintf(
				    stderr,
				    "iotlbench compare: --fail-above %s: not a percentage; give a "
				    "number >= 0, such as 5\n",
				    optarg);
				return 2;
			}
			pct = optarg;
			break;
		}
		case 'h':
			compare_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "iotlbench compare: see 'iotlbench compare --help'\n");
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "iotlbench compare: expected two run directories, BASE and NEW\n");
		compare_usage(stderr);
		return 2;
	}
	char *args[6];
	int n = 0;
	args[n++] = argv[optind];
	args[n++] = argv[optind + 1];
	if (out) {
		args[n++] = "--out";
		args[n++] = out;
	}
	if (pct) {
		args[n++] = "--fail-above";
		args[n++] = pct;
	}
	return cli_rscript("compare", "compare.R", args, n, 2);
}
