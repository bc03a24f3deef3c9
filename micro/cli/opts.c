#include "micro/cli/opts.h"

#include <string.h>

#include "driver/util/hostfs.h"

void cli_getopt(const struct cli_opt *opts, size_t n, int plus, struct option *lo, char *so)
{
	size_t k = 0;
	if (plus)
		so[k++] = '+';
	for (size_t i = 0; i < n && i < CLI_MAX_OPTS; i++) {
		lo[i] = (struct option){opts[i].name, opts[i].has_arg, NULL, opts[i].val};
		so[k++] = (char)opts[i].val;
		if (opts[i].has_arg == required_argument)
			so[k++] = ':';
		else if (opts[i].has_arg == optional_argument) {
			so[k++] = ':';
			so[k++] = ':';
		}
	}
	memset(&lo[n < CLI_MAX_OPTS ? n : CLI_MAX_OPTS], 0, sizeof(*lo));
	so[k] = '\0';
}

void cli_usage(FILE *f, const char *name, const char *synopsis, const char *about,
	       const struct cli_opt *opts, size_t n)
{
	fprintf(f, "usage: iotlbench %s %s\n%s\n\noptions:\n", name, synopsis, about);
	for (size_t i = 0; i < n; i++) {
		char lhs[64];
		const char *arg = opts[i].arg ? opts[i].arg : "";
		/* Optional arguments attach with '=' ("--trace[=LIST]"). */
		snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", opts[i].val, opts[i].name,
			 opts[i].arg && arg[0] != '[' ? " " : "", arg);
		fprintf(f, "  %-30s %s\n", lhs, opts[i].help);
	}
}

int cli_root_opts(int argc, char **argv, const char *name, const char *about)
{
	static const struct cli_opt opts[] = {
	    {"root", required_argument, 'r', "DIR",
	     "read sysfs and procfs under DIR (a copy of another host's, or a test tree)"},
	    CLI_OPT_HELP,
	};
	struct option lo[CLI_MAX_OPTS + 1];
	char so[3 * CLI_MAX_OPTS + 2];
	cli_getopt(opts, 2, 0, lo, so);
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (ch == 'r') {
			hostfs_set_root(optarg);
		} else if (ch == 'h') {
			cli_usage(stdout, name, "[options]", about, opts, 2);
			return 0;
		} else {
			fprintf(stderr, "iotlbench %s: see 'iotlbench %s --help'\n", name, name);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "iotlbench %s: takes no operands; see 'iotlbench %s --help'\n",
			name, name);
		return 2;
	}
	return -1;
}
