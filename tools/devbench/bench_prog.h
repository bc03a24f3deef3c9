/* What the standalone measurement programs (bin/bench-ioctl, bench-trace,
 * bench-trace-map) share: order statistics, and a real backend with one
 * buffer to map and unmap. */
#ifndef IOTLB_BENCH_PROG_H
#define IOTLB_BENCH_PROG_H

#include <stdint.h>

#include "driver/backend/backend.h"

/* qsort comparators. */
int bench_cmp_u64(const void *a, const void *b);
int bench_cmp_i64(const void *a, const void *b);
int bench_cmp_double(const void *a, const void *b);

/* Medians; each sorts v in place. */
double bench_median_u64(uint64_t *v, unsigned n);
double bench_median_i64(int64_t *v, unsigned n);
double bench_median_double(double *v, unsigned n);

/* Opens backend `name` on device `bdf` and allocates one buffer of `page`
 * bytes backed by `page`-sized pages. On failure nothing stays open. */
int bench_prog_open(const char *name, const char *bdf, uint64_t page, struct backend **be,
		    struct dma_buf *b, struct err *e);
/* Maps b read/write and unmaps it, each call timed on its own (ns). */
int bench_map_unmap(struct backend *be, struct dma_buf *b, uint64_t *map_ns, uint64_t *unmap_ns,
		    struct err *e);
/* Unmaps b if it is mapped, frees it and closes be; be may be NULL. */
void bench_prog_close(struct backend *be, struct dma_buf *b);

#endif
