/* Progress of a run: a bar that rewrites one line on a terminal, plain
 * lines otherwise (logs, CI). */
#ifndef IOTLB_PROGRESS_H
#define IOTLB_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *f;
	bool tty;
	bool quiet;
	unsigned n;
	uint64_t t0_ns;
};

void progress_init(struct progress *p, FILE *f, unsigned ncases, bool quiet);
void progress_case(struct progress *p, unsigned i, const char *name, const char *desc);
void progress_done(struct progress *p, unsigned i, const char *name, const char *status);
void progress_end(struct progress *p);

#endif
