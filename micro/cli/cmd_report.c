#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "driver/util/array.h"
#include "micro/cli/cmd.h"
#include "micro/cli/opts.h"
#include "micro/cli/rscript.h"

static const struct cli_opt report_opts[] = {
    {"out", required_argument, 'o', "DIR",
     "write the report to DIR (default DATASET/report; required for several datasets)"},
    {"single-file", no_argument, 's', NULL,
     "make index.html stand alone (figures inlined, tables in full, no links; one file to "
     "mail); PDFs and tables still written beside it"},
    {"reference", required_argument, 'r', "NAME",
     "draw the reuse sweeps beside a reference platform's in one more figure, each with its "
     "own inferred reach: NAME is one of the pcie-bench window sweeps in datasets/reference "
     "(pciebench-<xeon>[-remote]-<off|on|on-nosp>, e.g. pciebench-hsw-e5-2620v3-on-nosp); an "
     "unknown NAME lists them"},
    CLI_OPT_HELP,
};

static void report_usage(FILE *f)
{
	cli_usage(
	    f, "report", "DATASET... [options]",
	    "Figures, tables, the IOTLB reach and index.html from dataset directories\n"
	    "(runs, or directories of runs such as datasets/runs), through analysis/report.R\n"
	    "(the checkout's, else the installed copy). Needs R ('make deps').",
	    report_opts, ARRAY_SIZE(report_opts));
}

/* iotlbench report DATASET... [--out DIR] [--single-file] [--reference NAME]: runs
 * analysis/report.R; its exit status is the command's (1 on bad input). */
int cmd_report(int argc, char **argv)
{
	struct option lo[CLI_MAX_OPTS + 1];
	char so[3 * CLI_MAX_OPTS + 2];
	cli_getopt(report_opts, ARRAY_SIZE(report_opts), 0, lo, so);
	const char *out = NULL, *ref = NULL;
	int single = 0, ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 's':
			single = 1;
			break;
		case 'r':
			ref = optarg;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "iotlbench report: see 'iotlbench report --help'\n");
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "iotlbench report: expected at least one DATASET directory\n");
		report_usage(stderr);
		return 2;
	}
	/* The operands, then the options in report.R's spelling. */
	char **args = calloc((size_t)(argc - optind) + 5, sizeof(*args));
	if (!args) {
		fprintf(stderr, "iotlbench report: out of memory\n");
		return 1;
	}
	int n = 0;
	for (int i = optind; i < argc; i++)
		args[n++] = argv[i];
	if (out) {
		args[n++] = "--out";
		args[n++] = (char *)out;
	}
	if (single)
		args[n++] = "--single-file";
	if (ref) {
		args[n++] = "--reference";
		args[n++] = (char *)ref;
	}
	int rc = cli_rscript("report", "report.R", args, n, 1);
	free(args);
	return rc;
}
