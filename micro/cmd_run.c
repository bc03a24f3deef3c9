#include <getopt.h>
#include <stdio.h>

#include "../driver/backend/backend.h"
#include "../driver/nvme/ctrl.h"
#include "cmd.h"
#include "smoke.h"

/* Model counters after a run: the numbers that explain its latencies. */
static void print_counters(struct backend *be, const char *preset)
{
	if (!be->ops->counters)
		return;
	struct backend_counter c[32];
	unsigned n = be->ops->counters(be, c, 32);
	printf("iommu model %s:", preset);
	for (unsigned i = 0; i < n; i++)
		printf(" %s=%llu", c[i].name, (unsigned long long)c[i].value);
	printf("\n");
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"emu-opts", required_argument, NULL, 'e'},
		{"preset", required_argument, NULL, 'p'},
		{"preset-file", required_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	const char *backend = "emu";
	struct backend_cfg bcfg = {0};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "b:e:p:P:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			backend = optarg;
			break;
		case 'e':
			bcfg.emu_opts = optarg;
			break;
		case 'p':
			bcfg.preset = optarg;
			break;
		case 'P':
			bcfg.preset_file = optarg;
			break;
		default:
			fprintf(stderr, "iotlbench run: see 'iotlbench help'\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "iotlbench run: expected exactly one SUITE file, e.g. "
				"'iotlbench run micro/suites/smoke.suite'\n");
		return 2;
	}
	struct err e = {0};
	struct smoke_cfg scfg;
	struct backend *be = NULL;
	struct nvme_ctrl *c = NULL;
	int rc = smoke_load(argv[optind], &scfg, &e);
	if (!rc)
		rc = backend_open(backend, &bcfg, &be, &e);
	if (!rc)
		rc = nvme_ctrl_open(be, NULL, &c, &e);
	if (!rc) {
		printf("controller: %s, serial %s, firmware %s, NVMe %u.%u, MDTS %u KiB, "
		       "%u namespace(s), backend %s\n",
		       c->info.model, c->info.serial, c->info.firmware, c->info.version >> 16,
		       (c->info.version >> 8) & 0xff, c->info.max_xfer >> 10, c->nns, backend);
		rc = smoke_run(c, &scfg, stdout, &e);
	}
	if (!rc)
		print_counters(be, bcfg.preset ? bcfg.preset : BACKEND_DEFAULT_PRESET);
	nvme_ctrl_close(c);
	backend_close(be);
	if (rc) {
		fprintf(stderr, "iotlbench: %s\n", e.msg);
		return 1;
	}
	return 0;
}
