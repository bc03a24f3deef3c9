/* A run's dataset directory (datasets/README.md is the schema): meta.json
 * rewritten atomically at start and end, CSV files appended one finished
 * case at a time and flushed, so an interrupted run keeps what it finished. */
#ifndef IOTLB_DATASET_H
#define IOTLB_DATASET_H

#include <json-c/json.h>
#include <stdio.h>

#include "driver/util/err.h"

struct round_acc;

struct dataset {
	char dir[512];
	FILE *results;
	FILE *hist;
	FILE *counters;
	FILE *raw; /* raw_samples.csv, opened on first use */
	json_object *meta;
	/* Run setting `rounds`: the case being written is in round `round` of
	 * `rounds` (1 for a case run once); rows of a round before the last
	 * are held and summed (rounds.h). */
	unsigned round, rounds;
	struct round_acc **acc;
	unsigned nacc, cap;
};

/* Creates `root/run_id/` (and root) and the CSV files with their headers. */
int dataset_open(struct dataset *d, const char *root, const char *run_id, struct err *e);
/* Creates raw_samples.csv (case,ns) on first use. */
int dataset_open_raw(struct dataset *d, struct err *e);
/* Writes meta.json through a temporary file and rename(2). */
int dataset_write_meta(struct dataset *d, struct err *e);
/* Writes every row still held from unfinished rounds (an interrupted run
 * keeps the rounds it measured: their ops say how many I/Os). Returns how
 * many rows it wrote. */
unsigned dataset_flush_rounds(struct dataset *d, struct err *e);
/* Flushes the CSV files to the kernel (fflush) so a crash keeps them. */
void dataset_flush(struct dataset *d);
void dataset_close(struct dataset *d);

/* The fixed leading columns of results.csv (the schema's order). */
extern const char *const dataset_results_header;

#endif
