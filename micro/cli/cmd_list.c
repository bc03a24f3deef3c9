/* iotlbench suites / presets: what ships with the program, one line each
 * with its description, so a user can pick one without reading files.
 * `presets --verbose` adds what each preset's numbers rest on. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/iommu/preset.h"
#include "driver/util/array.h"
#include "micro/cli/cmd.h"
#include "micro/cli/opts.h"
#include "micro/cli/paths.h"
#include "micro/run/suite.h"

static const struct cli_opt list_opts[] = {CLI_OPT_HELP};
static const struct cli_opt presets_opts[] = {
    {"verbose", no_argument, 'v', NULL,
     "also say per preset where its values come from, which the data fix and which are guessed"},
    CLI_OPT_HELP};

/* --help and the table's flags (*verbose for -v); -1 to go on, else the
 * exit status. */
static int list_args(int argc, char **argv, const char *name, const char *about,
		     const struct cli_opt *opts, unsigned nopts, int *verbose)
{
	struct option lo[CLI_MAX_OPTS + 1];
	char so[3 * CLI_MAX_OPTS + 2];
	cli_getopt(opts, nopts, 0, lo, so);
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (ch == 'h') {
			cli_usage(stdout, name, "", about, opts, nopts);
			return 0;
		}
		if (ch == 'v' && verbose) {
			*verbose = 1;
			continue;
		}
		fprintf(stderr, "iotlbench %s: see 'iotlbench %s --help'\n", name, name);
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "iotlbench %s: takes no operands\n", name);
		return 2;
	}
	return -1;
}

int cmd_suites(int argc, char **argv)
{
	int rc = list_args(argc, argv, "suites",
			   "Lists the shipped suites (iotlbench run NAME) with their cases.",
			   list_opts, ARRAY_SIZE(list_opts), NULL);
	if (rc >= 0)
		return rc;
	char dir[PATH_MAX - 96];
	if (cli_suites_dir(dir, sizeof(dir))) {
		fprintf(stderr, "iotlbench suites: no shipped suites found beside this binary "
				"(expected ../micro/suites/ of its checkout)\n");
		return 1;
	}
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);
	rc = 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t l = strlen(name);
		if (l > 6 && !strcmp(name + l - 6, ".suite")) {
			char path[PATH_MAX + 256];
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			struct suite s;
			struct err e;
			if (suite_load(path, NULL, 0, &s, &e)) {
				fprintf(stderr, "iotlbench suites: %s\n", e.msg);
				rc = 1;
			} else {
				printf("%-10s %4u cases  %s\n", s.name, s.ncases, s.description);
				suite_free(&s);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int cmd_presets(int argc, char **argv)
{
	int verbose = 0;
	int rc = list_args(argc, argv, "presets",
			   "Lists the IOMMU presets of the emulated controller (--preset NAME).",
			   presets_opts, ARRAY_SIZE(presets_opts), &verbose);
	if (rc >= 0)
		return rc;
	struct preset_set *set = malloc(sizeof(*set));
	struct err e;
	if (!set || preset_load_file(preset_default_path(), set, &e)) {
		fprintf(stderr, "iotlbench presets: %s\n", set ? e.msg : "out of memory");
		free(set);
		return 1;
	}
	for (unsigned i = 0; i < set->n; i++) {
		const struct iommu_cfg *c = &set->p[i];
		printf("%-24s %s\n", c->name, c->description);
		if (!verbose)
			continue;
		/* A preset without a note says so rather than printing nothing:
		 * an unsourced number is itself worth knowing. */
		printf("    source:  %s\n", *c->source ? c->source : "(not given)");
		printf("    fixed:   %s\n", *c->fixed ? c->fixed : "(not given)");
		printf("    guessed: %s\n", *c->guessed ? c->guessed : "(not given)");
	}
	printf("(from %s)\n", preset_default_path());
	free(set);
	return 0;
}
