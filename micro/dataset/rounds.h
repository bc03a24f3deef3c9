/* Rows of cases measured in rounds (run setting `rounds`): each round of a
 * case emits its row as usual; the dataset holds the sum (histograms added,
 * time added for the rate) and writes one row per case at its last round,
 * so results.csv and latency_hist.csv look exactly as for a case run once
 * with all its I/Os. Counters and raw samples are written every round:
 * they are per-I/O sums already (datasets/README.md). */
#ifndef IOTLB_ROUNDS_H
#define IOTLB_ROUNDS_H

#include <stdbool.h>

#include "micro/dataset/rows.h"

/* One held row: the first round's columns, the summed histogram and the
 * timed seconds (ops / iops of each round). */
struct round_acc {
	struct result_row row;
	struct hist *h;
	double secs;
};

/* Adds a round's row to the one held under its case id (a new one at the
 * first round). Returns the held row, or NULL when out of memory. */
struct round_acc *rounds_add(struct dataset *d, const struct result_row *row, const struct hist *h);

/* The summed row as results.csv takes it (iops over all rounds). */
void rounds_row(const struct round_acc *a, struct result_row *out);

/* Forgets the held row (written, or its case failed in a later round). */
void rounds_forget(struct dataset *d, struct round_acc *a);

/* Forgets every row held for case `name` (ids "name" and "name-..."). */
void rounds_drop(struct dataset *d, const char *name);

/* The rows still held, in the order they were first emitted. */
unsigned rounds_held(const struct dataset *d);
struct round_acc *rounds_at(struct dataset *d, unsigned i);

void rounds_free(struct dataset *d);

#endif
