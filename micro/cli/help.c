/* Help text generated from the tables the program runs on: the benchmark
 * kinds' descriptors (micro/kinds/) and their key definitions, so what
 * `help` says a suite may contain is exactly what the parser accepts. */
#include "micro/cli/help.h"

#include <stdlib.h>
#include <string.h>

#include "micro/kinds/keys.h"
#include "micro/kinds/kind.h"

static void key_line(FILE *f, const struct kind_key *kk, bool markdown)
{
	char allowed[256];
	const struct key_def *d = kk->def;
	if (d->type == KEY_CUSTOM)
		allowed[0] = '\0';
	else
		key_allowed(d, allowed, sizeof(allowed));
	const char *dflt = kk->dflt ? kk->dflt : "(required)";
	const char *list = kk->flags & KK_LIST ? "; all values in one case" : "";
	if (markdown)
		fprintf(f, "`%s` = %s%s%s", d->name, dflt, list, "");
	else
		fprintf(f, "      %-10s %-11s %s%s%s%s%s\n", d->name, dflt, d->help,
			allowed[0] ? " [" : "", allowed, allowed[0] ? "]" : "", list);
}

void help_kinds(FILE *f, const struct kind *const *kinds)
{
	fprintf(f, "benchmark kinds (a suite section [NAME], or 'kind = NAME'), their keys "
		   "and defaults:\n");
	for (unsigned k = 0; kinds[k]; k++) {
		fprintf(f, "  %s: %s\n", kinds[k]->name, kinds[k]->summary);
		for (unsigned i = 0; i < kinds[k]->nkeys; i++)
			key_line(f, &kinds[k]->keys[i], false);
	}
	fprintf(f, "run settings (in [global] or --set; one value for the whole run):\n");
	const struct kind_key run_keys[] = {{&key_iommu_huge, "default", 0}, {&key_rounds, "1", 0}};
	for (unsigned i = 0; i < sizeof(run_keys) / sizeof(run_keys[0]); i++)
		key_line(f, &run_keys[i], false);
}

void help_kinds_markdown(FILE *f, const struct kind *const *kinds)
{
	fprintf(f, "| kind | what it measures | keys (default) |\n|---|---|---|\n");
	for (unsigned k = 0; kinds[k]; k++) {
		fprintf(f, "| `%s` | %s | ", kinds[k]->name, kinds[k]->summary);
		for (unsigned i = 0; i < kinds[k]->nkeys; i++) {
			if (i)
				fputs(", ", f);
			key_line(f, &kinds[k]->keys[i], true);
		}
		fputs(" |\n", f);
	}
}
