/* Suite files: fio-style INI with a [global] section and one section per
 * case group; a key may list values (page_size = 4k,2m,1g) and the grid of
 * every combination becomes the cases. Which keys a section may use, their
 * defaults and ranges come from its kind's descriptor (micro/kinds/). */
#ifndef IOTLB_SUITE_H
#define IOTLB_SUITE_H

#include <stdint.h>

#include "driver/util/err.h"
#include "micro/kinds/kind.h"

struct suite {
	char name[64]; /* file name without .suite */
	char path[256];
	char description[256];
	uint64_t iommu_huge; /* run setting iommu_huge (enum iommu_huge) */
	uint64_t rounds;     /* run setting rounds: passes over the cases (>= 1) */
	struct bench_case *cases;
	unsigned ncases;
};

/* Parses a suite file, applies `nset` overrides "key=value", expands and
 * checks the grid. Errors name file:line (or the --set) and the allowed
 * values. Uses the built-in kinds. */
int suite_load(const char *path, const char *const *sets, unsigned nset, struct suite *s,
	       struct err *e);
/* The same from text in memory (tests). */
int suite_load_string(const char *text, const char *name, const char *const *sets, unsigned nset,
		      struct suite *s, struct err *e);
/* Either, with another set of kinds (NULL-terminated; NULL = built-in). */
int suite_load_kinds(const char *path, const char *text, const struct kind *const *kinds,
		     const char *const *sets, unsigned nset, struct suite *s, struct err *e);
void suite_free(struct suite *s);

/* Whether any case writes to the device (the data guard then applies). */
bool suite_writes(const struct suite *s);

#endif
