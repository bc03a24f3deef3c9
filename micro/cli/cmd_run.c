/* iotlbench run SUITE [options]: parses the options (run_opts_table) and
 * hands the run to the runner (micro/run/). */
#include <dirent.h>
#include <getopt.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/util/parse.h"
#include "driver/util/array.h"
#include "micro/cli/cmd.h"
#include "micro/cli/help.h"
#include "micro/cli/opts.h"
#include "micro/cli/paths.h"
#include "micro/cli/rscript.h"
#include "micro/run/runner.h"

#define MAX_SETS 64

/* Where datasets go without --out: the checkout's datasets/runs when the
 * binary belongs to a checkout (bin/../datasets), else the per-user data
 * directory ($XDG_DATA_HOME or ~/.local/share, /iotlbench/runs). Never the
 * working directory: a run started from / must not write /datasets. */
static int default_out_root(char *buf, size_t len)
{
	char top[PATH_MAX - 32], probe[PATH_MAX];
	if (cli_checkout_dir(top, sizeof(top)) == 0) {
		snprintf(probe, sizeof(probe), "%s/datasets", top);
		if (access(probe, W_OK) == 0) {
			snprintf(buf, len, "%.*s/runs", (int)(len - 8), probe);
			return 0;
		}
	}
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		snprintf(buf, len, "%s/iotlbench/runs", xdg);
	else if (home && home[0] == '/' && strcmp(home, "/"))
		snprintf(buf, len, "%s/.local/share/iotlbench/runs", home);
	else
		return -1;
	return 0;
}

/* Prints the run's answers and writes its summary.json through the
 * report's own code (analysis/summary.R), so the two cannot disagree. Where
 * it cannot run (a copied binary, the test guest) it says why in one line;
 * the run's own exit status stands either way. */
static void summarize(char *dir)
{
	char *args[] = {dir};
	fflush(stdout);
	if (cli_rscript("run", "summary.R", args, 1, 1))
		fprintf(stderr, "iotlbench run: no summary; the dataset in %s is complete\n", dir);
}

/* A suite is a path, or a name found in the shipped suites' directory. An
 * unknown name is an error that lists the shipped ones. */
static const char *resolve_suite(const char *arg, char *buf, size_t len)
{
	if (strchr(arg, '/') || access(arg, R_OK) == 0)
		return arg;
	char dir[PATH_MAX - 96];
	if (cli_suites_dir(dir, sizeof(dir)))
		return arg;
	snprintf(buf, len, "%s/%.64s.suite", dir, arg);
	if (access(buf, R_OK) == 0)
		return buf;
	char names[512];
	cli_shipped_suites(dir, names, sizeof(names));
	fprintf(stderr,
		"iotlbench: cannot open %s: no such file, and no shipped suite of that name; "
		"shipped suites: %s\n",
		arg, names);
	return NULL;
}

/* run's options: getopt reads this table and --help prints it. */
static const struct cli_opt run_opts_table[] = {
    {"backend", required_argument, 'b', "NAME", "DMA backend (default emu)"},
    {"device", required_argument, 'd', "DEV",
     "PCI device (BDF) of a real controller; kernel: a block device (/dev/nvme0n1); "
     "dma-api: a PCI function no driver uses"},
    {"preset", required_argument, 'p', "NAME", "emu: IOMMU model preset ('iotlbench presets')"},
    {"preset-file", required_argument, 'P', "FILE", "emu: presets file"},
    {"emu-opts", required_argument, 'E', "K=V,...", "emu: controller options ('iotlbench help')"},
    {"kernel-opts", required_argument, 'k', "K=V,...",
     "kernel: io_uring path: fixed=1 (registered buffer), poll=1, passthru=1 (/dev/ngXnY)"},
    {"out", required_argument, 'o', "DIR",
     "dataset root (default: the checkout's datasets/runs, else "
     "~/.local/share/iotlbench/runs)"},
    {"set", required_argument, 's', "KEY=VALUE", "override a suite key (repeatable)"},
    {"clock", no_argument, 'c', NULL, "use clock_gettime, not the TSC"},
    {"cpu", required_argument, 'C', "N", "pin the run to CPU N"},
    {"quiet", no_argument, 'q', NULL, "no progress output"},
    {"force-destroy-data", no_argument, 'F', NULL,
     "write even over partition tables and file systems"},
    {"lba-range", required_argument, 'L', "START:END", "confine I/O to these LBAs"},
    {"trace", optional_argument, 'T', "[=PROBES]", "eBPF probes per case"},
    {"trace-events", no_argument, 'V', NULL, "also record per-event records"},
    {"counters", optional_argument, 'K', "[=EVENTS]", "perf counters per case"},
    {"no-summary", no_argument, 'S', NULL,
     "no end-of-run summary and summary.json (also left out with --quiet)"},
    CLI_OPT_HELP,
};

static void run_usage(FILE *f)
{
	cli_usage(f, "run", "SUITE [options]",
		  "Runs a suite: a suite file, or the name of a shipped one ('iotlbench suites').",
		  run_opts_table, ARRAY_SIZE(run_opts_table));
	fputc('\n', f);
	help_kinds(f, kinds_builtin);
}

int cmd_run(int argc, char **argv)
{
	struct option longopts[CLI_MAX_OPTS + 1];
	char shortopts[3 * CLI_MAX_OPTS + 2];
	cli_getopt(run_opts_table, ARRAY_SIZE(run_opts_table), 0, longopts, shortopts);
	struct run_opts o;
	memset(&o, 0, sizeof(o));
	bool no_summary = false;
	o.backend = "emu";
	o.cpu = -1;
	const char *sets[MAX_SETS];
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			o.backend = optarg;
			break;
		case 'd':
			o.bcfg.device = optarg;
			break;
		case 'p':
			o.bcfg.preset = optarg;
			break;
		case 'P':
			o.bcfg.preset_file = optarg;
			break;
		case 'E':
			o.bcfg.emu_opts = optarg;
			break;
		case 'k':
			o.bcfg.kernel_opts = optarg;
			break;
		case 'o':
			o.out_root = optarg;
			break;
		case 's':
			if (o.nset == MAX_SETS) {
				fprintf(stderr, "iotlbench run: at most %d --set options\n",
					MAX_SETS);
				return 2;
			}
			sets[o.nset++] = optarg;
			break;
		case 'c':
			o.force_clock = true;
			break;
		case 'C': {
			uint64_t v;
			struct err e;
			if (parse_u64(optarg, 4095, &v, &e)) {
				fprintf(stderr, "iotlbench run: --cpu: %s\n", e.msg);
				return 2;
			}
			o.cpu = (int)v;
			break;
		}
		case 'q':
			o.quiet = true;
			break;
		case 'T':
			o.trace = true;
			o.trace_probes = optarg;
			break;
		case 'V':
			o.trace = o.trace_events = true;
			break;
		case 'K':
			o.counters = true;
			o.counter_events = optarg;
			break;
		case 'F':
			o.force_destroy_data = true;
			break;
		case 'L': {
			char lo[32], hi[32];
			struct err e;
			const char *colon = strchr(optarg, ':');
			if (!colon || (size_t)(colon - optarg) >= sizeof(lo) ||
			    strlen(colon) >= sizeof(hi)) {
				fprintf(stderr,
					"iotlbench run: --lba-range '%s': expected START:END\n",
					optarg);
				return 2;
			}
			snprintf(lo, sizeof(lo), "%.*s", (int)(colon - optarg), optarg);
			snprintf(hi, sizeof(hi), "%s", colon + 1);
			if (parse_u64(lo, UINT64_MAX, &o.lba_lo, &e) ||
			    parse_u64(hi, UINT64_MAX, &o.lba_hi, &e)) {
				fprintf(stderr, "iotlbench run: --lba-range: %s\n", e.msg);
				return 2;
			}
			o.has_range = true;
			break;
		}
		case 'S':
			no_summary = true;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "iotlbench run: see 'iotlbench run --help'\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "iotlbench run: expected exactly one SUITE (a file, or a name in "
				"micro/suites/ such as 'default' or 'quick')\n");
		return 2;
	}
	char path[PATH_MAX];
	o.suite_path = resolve_suite(argv[optind], path, sizeof(path));
	if (!o.suite_path)
		return 1;
	o.sets = sets;
	char out[PATH_MAX];
	if (!o.out_root) {
		if (default_out_root(out, sizeof(out))) {
			fprintf(stderr, "iotlbench run: no place for the dataset: not run from a "
					"checkout and no HOME or XDG_DATA_HOME; give --out DIR\n");
			return 1;
		}
		o.out_root = out;
	}
	char dir[512] = "";
	o.dataset_dir = dir;
	o.dataset_dir_len = sizeof(dir);
	int rc = runner_main(&o);
	/* A finished run (failed cases included) gets its answers printed. */
	if ((rc == 0 || rc == 1) && dir[0] && !o.quiet && !no_summary)
		summarize(dir);
	return rc;
}
