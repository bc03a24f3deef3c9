/* iotlbench command line: a table of subcommands. */
#include <stdio.h>
#include <string.h>

#include "driver/backend/backend.h"
#include "driver/emu/emu_opts.h"
#include "micro/cli/cmd.h"
#include "micro/cli/help.h"
#include "build/version.h"
#include "driver/util/array.h"

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("iotlbench %s (revision %s)\n", IOTLB_VERSION, IOTLB_REVISION);
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
    {"run", "SUITE [options]", "run a suite: a file or a shipped name (iotlbench suites)", cmd_run},
    {"model", "--preset NAME --trace FILE.csv [options]",
     "replay a DMA trace (iova,len,dir[,domain]) through an IOMMU preset", cmd_model},
    {"devices", "[--root DIR]", "list NVMe controllers and which backends can open each",
     cmd_devices},
    {"info", "[--root DIR]", "IOMMU, hugepage pools, limits and privileges of this host", cmd_info},
    {"trace", "[options] [-- CMD ARGS...]",
     "live histograms of the kernel's DMA-path probes until Ctrl-C or CMD exits", cmd_trace},
    {"report", "DATASET... [--out DIR] [--single-file] [--reference NAME]",
     "figures, tables, IOTLB reach and index.html from datasets (runs the R analysis)", cmd_report},
    {"compare", "BASE NEW [--out DIR] [--fail-above PCT]",
     "NEW/BASE ratios of p50, p99 and IOPS per case with 95% intervals; exit 1 on a regression",
     cmd_compare},
    {"suites", "", "list the shipped suites with their descriptions", cmd_suites},
    {"presets", "", "list the emulated controller's IOMMU presets", cmd_presets},
    {"version", "", "print the version and source revision", cmd_version},
    {"help", "[kinds [--markdown]]", "this text, or only the benchmark kinds and their keys",
     cmd_help},
};

#define NCOMMANDS (ARRAY_SIZE(commands))

static void usage(FILE *f)
{
	fprintf(f, "usage: iotlbench COMMAND [options]\n\n"
		   "IOTLB and DMA-mapping microbenchmarks for a userspace NVMe driver.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s%s%s\n      %s\n", commands[i].name,
			commands[i].synopsis[0] ? " " : "", commands[i].synopsis,
			commands[i].about);
	fprintf(f, "\n'iotlbench COMMAND --help' lists a command's options.\n");
	fprintf(f,
		"\nbackends: %s (default emu)\n"
		"IOMMU presets for emu: see driver/iommu/presets.ini (default %s)\n"
		"\nemulated controller options (--emu-opts, comma-separated key=value):\n%s",
		backend_names(), BACKEND_DEFAULT_PRESET, emu_opts_help());
	fputc('\n', f);
	help_kinds(f, kinds_builtin);
}

static int cmd_help(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "kinds")) {
		if (argc >= 3 && !strcmp(argv[2], "--markdown"))
			help_kinds_markdown(stdout, kinds_builtin);
		else
			help_kinds(stdout, kinds_builtin);
		return 0;
	}
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		name = "help";
	else if (!strcmp(name, "--version"))
		name = "version";
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "iotlbench: unknown command '%s'; see 'iotlbench help'\n", name);
	return 2;
}
