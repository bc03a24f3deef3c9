#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/iommu/preset.h"
#include "driver/iommu/replay.h"
#include "driver/util/parse.h"
#include "micro/cli/cmd.h"

/* iotlbench model --preset P [--page-size S] --trace FILE.csv: replays a
 * DMA trace through a preset and prints one "name value" line per counter. */
int cmd_model(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"preset", required_argument, NULL, 'p'},
	    {"preset-file", required_argument, NULL, 'P'},
	    {"page-size", required_argument, NULL, 's'},
	    {"trace", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	const char *preset = NULL, *file = NULL, *trace = NULL, *psize = "4k";
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:P:s:t:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			preset = optarg;
			break;
		case 'P':
			file = optarg;
			break;
		case 's':
			psize = optarg;
			break;
		case 't':
			trace = optarg;
			break;
		default:
			fprintf(stderr, "iotlbench model: see 'iotlbench help'\n");
			return 2;
		}
	}
	if (!preset || !trace || optind != argc) {
		fprintf(stderr, "usage: iotlbench model --preset NAME [--page-size 4k|2m|1g] "
				"--trace FILE.csv\n");
		return 2;
	}
	struct err e = {0};
	uint64_t page_size = 0;
	struct iommu *m = NULL;
	struct iommu_cfg cfg;
	struct replay_stats st;
	struct preset_set *set = malloc(sizeof(*set));
	FILE *f = NULL;
	int rc = set ? 0 : err_set(&e, ENOMEM, "out of memory");
	if (!rc)
		rc = parse_size(psize, &page_size, &e);
	if (!rc)
		rc = preset_load_file(file ? file : preset_default_path(), set, &e);
	if (!rc)
		rc = preset_find(set, preset, &cfg, &e);
	if (!rc)
		rc = iommu_create(&cfg, &m, &e);
	if (!rc) {
		f = strcmp(trace, "-") ? fopen(trace, "r") : stdin;
		if (!f)
			rc = err_set(&e, errno, "cannot open trace %s: %s", trace, strerror(errno));
	}
	if (!rc)
		rc = replay_trace(m, f, trace, page_size, &st, &e);
	if (!rc) {
		const char *names[16];
		uint64_t vals[16];
		unsigned n = iommu_counter_list(&m->ctr, names, vals, 16);
		printf("accesses %llu\n", (unsigned long long)st.accesses);
		for (unsigned i = 0; i < n; i++)
			printf("%s %llu\n", names[i], (unsigned long long)vals[i]);
		printf("translation_ns %llu\n", (unsigned long long)st.cost_ns);
	}
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
