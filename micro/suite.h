/* Suite files: fio-style INI with a [global] section and one section per
 * case group; a key may list values (page_size = 4k,2m,1g) and the grid of
 * every combination becomes the cases. */
#ifndef IOTLB_SUITE_H
#define IOTLB_SUITE_H

#include <stdint.h>

#include "driver/util/err.h"

enum bench_kind { KIND_MAP, KIND_COUNT, KIND_CHURN, KIND_REUSE, KIND_LATENCY, NKINDS };

enum param_id {
	P_KIND,
	P_PAGE_SIZE,
	P_MAP_SIZE,
	P_OPS,
	P_MAPPINGS,
	P_CHURN,
	P_PAGES,
	P_OP,
	P_IO_SIZE,
	P_IOS,
	P_WARMUP,
	P_QD,
	P_THREADS,
	P_BUFFER,
	P_RAW,
	NPARAMS
};

#define MAX_VALUES 64

/* One case: every parameter has exactly one value. Lists (mappings) are
 * the exception: the count suite steps through them within one case. */
struct bench_case {
	char name[48]; /* "<section>-<index>" */
	char section[32];
	enum bench_kind kind;
	uint64_t v[NPARAMS];
	uint64_t mappings[MAX_VALUES]; /* count: the steps */
	unsigned nmappings;
	uint32_t churn_batch; /* churn: 0 persistent, 1 per-io, N batch */
};

struct suite {
	char name[64]; /* file name without .suite */
	char path[256];
	char description[256];
	struct bench_case *cases;
	unsigned ncases;
};

const char *kind_name(enum bench_kind k);
const char *param_name(enum param_id p);

/* Parses a suite file, applies `nset` overrides "key=value", expands and
 * checks the grid. Errors name file:line and the allowed values. */
int suite_load(const char *path, const char *const *sets, unsigned nset, struct suite *s,
	       struct err *e);
/* The same from text in memory (tests). */
int suite_load_string(const char *text, const char *name, const char *const *sets, unsigned nset,
		      struct suite *s, struct err *e);
void suite_free(struct suite *s);

/* "page_size=4096 pages=64 ..." for progress lines and meta.json. */
void case_describe(const struct bench_case *c, char *buf, size_t len);
/* Whether parameter p means something for kind k. */
int param_applies(enum param_id p, enum bench_kind k);

#endif
