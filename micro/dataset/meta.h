/* meta.json: what a run was (suite, grid, backend, preset, device, host,
 * clock, version) written at its start, and how it ended (complete,
 * interrupted, skipped/failed cases with reasons, recoveries, leaks) at its
 * end. datasets/README.md is the schema. */
#ifndef IOTLB_META_H
#define IOTLB_META_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "micro/dataset/dataset.h"

struct meta_run {
	const char *run_id;
	const char *suite, *suite_file, *description;
	const char *const *overrides;
	unsigned noverrides;
	json_object *grid; /* taken over */
	const char *backend;
	const char *preset;   /* NULL unless the backend models an IOMMU */
	const char *emu_opts; /* NULL: none */
	const char *bdf;      /* NULL: none */
	const char *model, *serial, *firmware;
	uint64_t mdts_bytes;
	bool iommu_model; /* the device sits behind the in-process model */
	const char *clock_source;
	double tsc_hz; /* 0: no TSC */
};

/* Fills d->meta with what the run is; its end fields start null/false. */
void meta_init(struct dataset *d, const struct meta_run *m);

/* Appends {case, reason} to the list `list` ("skipped_cases",
 * "failed_cases", "recoveries"). */
void meta_case_problem(struct dataset *d, const char *list, const char *name, const char *msg);

/* Sets end_time (now) and complete. */
void meta_end(struct dataset *d, bool complete);

#endif
