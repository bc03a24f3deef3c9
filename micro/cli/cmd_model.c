#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/iommu/preset.h"
#include "driver/iommu/replay.h"
#include "driver/util/parse.h"
#include "micro/cli/cmd.h"

/* The command line of `iotlbench model`. */
struct model_cli {
	const char *preset, *file, *trace, *psize;
};

/* The options; 0, or the exit status of a usage error. */
static int parse_model_opts(int argc, char **argv, struct model_cli *o)
{
	static const struct option longopts[] = {
	    {"preset", required_argument, NULL, 'p'},
	    {"preset-file", required_argument, NULL, 'P'},
	    {"page-size", required_argument, NULL, 's'},
	    {"trace", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:P:s:t:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			o->preset = optarg;
			break;
		case 'P':
			o->file = optarg;
			break;
		case 's':
			o->psize = optarg;
			break;
		case 't':
			o->trace = optarg;
			break;
		default:
			fprintf(stderr, "iotlbench model: see 'iotlbench help'\n");
			return 2;
		}
	}
	if (!o->preset || !o->trace || optind != argc) {
		fprintf(stderr, "usage: iotlbench model --preset NAME [--page-size 4k|2m|1g] "
				"--trace FILE.csv\n");
		return 2;
	}
	return 0;
}

/* The IOMMU model the preset describes. */
static int model_build(const struct model_cli *o, struct preset_set *set, struct iommu **m,
		       struct err *e)
{
	struct iommu_cfg cfg;
	int rc = preset_load_file(o->file ? o->file : preset_default_path(), set, e);
	if (!rc)
		rc = preset_find(set, o->preset, &cfg, e);
	if (!rc)
		rc = iommu_create(&cfg, m, e);
	return rc;
}

/* The trace file, or stdin for "-". */
static int open_trace(const char *trace, FILE **f, struct err *e)
{
	*f = strcmp(trace, "-") ? fopen(trace, "r") : stdin;
	if (!*f)
		return err_set(e, errno, "cannot open trace %s: %s", trace, strerror(errno));
	return 0;
}

/* One "name value" line per counter. */
static void print_counters(const struct iommu *m, const struct replay_stats *st)
{
	const char *names[16];
	uint64_t vals[16];
	unsigned n = iommu_counter_list(&m->ctr, names, vals, 16);
	printf("accesses %llu\n", (unsigned long long)st->accesses);
	for (unsigned i = 0; i < n; i++)
		printf("%s %llu\n", names[i], (unsigned long long)vals[i]);
	printf("translation_ns %llu\n", (unsigned long long)st->cost_ns);
}

/* iotlbench model --preset P [--page-size S] --trace FILE.csv: replays a
 * DMA trace through a preset and prints one "name value" line per counter. */
int cmd_model(int argc, char **argv)
{
	struct model_cli o = {.psize = "4k"};
	int rc = parse_model_opts(argc, argv, &o);
	if (rc)
		return rc;
	struct err e = {0};
	uint64_t page_size = 0;
	struct iommu *m = NULL;
	struct replay_stats st;
	struct preset_set *set = malloc(sizeof(*set));
	FILE *f = NULL;
	rc = set ? 0 : err_set(&e, ENOMEM, "out of memory");
	if (!rc)
		rc = parse_size(o.psize, &page_size, &e);
	if (!rc)
		rc = model_build(&o, set, &m, &e);
	if (!rc)
		rc = open_trace(o.trace, &f, &e);
	if (!rc)
		rc = replay_trace(m, f, o.trace, page_size, &st, &e);
	if (!rc)
		print_counters(m, &st);
	if (f && f != stdin)
		fclose(f);
	iommu_destroy(m);
	free(set);
	if (rc) {
		fprintf(stderr, "iotlbench model: %s\n", e.msg);
		return 1;
	}
	return 0;
}
