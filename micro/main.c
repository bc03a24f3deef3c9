/* iotlbench command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../driver/backend/backend.h"
#include "../driver/backend/emu_opts.h"
#include "../driver/nvme/ctrl.h"
#include "smoke.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iotlbench COMMAND [options]\n"
		"\n"
		"IOTLB and DMA-mapping microbenchmarks for a userspace NVMe driver.\n"
		"\n"
		"commands:\n"
		"  run SUITE [--backend NAME] [--emu-opts K=V,...]\n"
		"                 run a suite file (e.g. micro/suites/smoke.suite)\n"
		"  version        print the version and source revision\n"
		"  help           print this text\n"
		"\n"
		"backends: %s (default emu)\n"
		"\n"
		"emulated controller options (--emu-opts, comma-separated key=value):\n%s",
		backend_names(), emu_opts_help());
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"emu-opts", required_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *backend = "emu";
	struct backend_cfg bcfg = {0};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "b:e:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			backend = optarg;
			break;
		case 'e':
			bcfg.emu_opts = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
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
	nvme_ctrl_close(c);
	backend_close(be);
	if (rc) {
		fprintf(stderr, "iotlbench: %s\n", e.msg);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("iotlbench %s (revision %s)\n", IOTLB_VERSION, IOTLB_REVISION);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	fprintf(stderr, "iotlbench: unknown command '%s'; see 'iotlbench help'\n", cmd);
	return 2;
}
