/* iotlbench run SUITE --backend B [--device BDF] [--preset P] [--out DIR]
 * [--set key=value]... [--trace[=PROBES]] [--trace-events] [--counters[=EVENTS]] */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/util/parse.h"
#include "micro/cmd.h"
#include "micro/runner.h"

#define MAX_SETS 64

/* A suite is a path, or a name found in micro/suites/ of the source tree
 * the binary belongs to. */
static const char *resolve_suite(const char *arg, char *buf, size_t len)
{
	if (strchr(arg, '/') || access(arg, R_OK) == 0)
		return arg;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return arg;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return arg;
	*slash = '\0';
	snprintf(buf, len, "%.*s/../micro/suites/%.64s.suite", (int)(len - 96), exe, arg);
	return access(buf, R_OK) == 0 ? buf : arg;
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"backend", required_argument, NULL, 'b'},
	    {"device", required_argument, NULL, 'd'},
	    {"preset", required_argument, NULL, 'p'},
	    {"preset-file", required_argument, NULL, 'P'},
	    {"emu-opts", required_argument, NULL, 'E'},
	    {"out", required_argument, NULL, 'o'},
	    {"set", required_argument, NULL, 's'},
	    {"clock", no_argument, NULL, 'c'},
	    {"cpu", required_argument, NULL, 'C'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"force-destroy-data", no_argument, NULL, 'F'},
	    {"lba-range", required_argument, NULL, 'L'},
	    {"trace", optional_argument, NULL, 'T'},
	    {"trace-events", no_argument, NULL, 'V'},
	    {"counters", optional_argument, NULL, 'K'},
	    {NULL, 0, NULL, 0},
	};
	struct run_opts o;
	memset(&o, 0, sizeof(o));
	o.backend = "emu";
	o.cpu = -1;
	const char *sets[MAX_SETS];
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "b:d:p:P:E:o:s:cC:qFL:", longopts, NULL)) != -1) {
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
		default:
			fprintf(stderr, "iotlbench run: see 'iotlbench help'\n");
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
	o.sets = sets;
	return runner_main(&o);
}
