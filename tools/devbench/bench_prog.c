#include "tools/devbench/bench_prog.h"

#include <stdlib.h>

#include "micro/measure/timer.h"

int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int bench_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double bench_median_u64(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), bench_cmp_u64);
	return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

double bench_median_i64(int64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), bench_cmp_i64);
	return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

double bench_median_double(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_prog_open(const char *name, const char *bdf, uint64_t page, struct backend **be,
		    struct dma_buf *b, struct err *e)
{
	struct backend_cfg cfg = {.device = bdf};
	*be = NULL;
	int rc = backend_open(name, &cfg, be, e);
	if (!rc)
		rc = backend_mem_alloc(*be, page, page, b, e);
	if (rc && *be) {
		backend_close(*be);
		*be = NULL;
	}
	return rc;
}

void bench_prog_close(struct backend *be, struct dma_buf *b)
{
	if (!be)
		return;
	struct err e;
	if (b->map_priv)
		backend_unmap_untraced(be, b, &e);
	if (b->va)
		backend_mem_free(be, b);
	backend_close(be);
}

int bench_map_unmap(struct backend *be, struct dma_buf *b, uint64_t *map_ns, uint64_t *unmap_ns,
		    struct err *e)
{
	uint64_t t0 = timer_ticks();
	if (backend_map_untraced(be, b, DMA_PROT_READ | DMA_PROT_WRITE, e))
		return -1;
	uint64_t t1 = timer_ticks();
	if (backend_unmap_untraced(be, b, e))
		return -1;
	uint64_t t2 = timer_ticks();
	*map_ns = timer_ns(t1 - t0);
	*unmap_ns = timer_ns(t2 - t1);
	return 0;
}
