/* map: the cost of one map and one unmap against map size and backing page
 * size, every operation timed on its own. The buffer is mapped, timed,
 * unmapped, timed, `ops` times; counters are read around each operation
 * (outside the timed region) so invalidations land on unmap. */
#include <errno.h>
#include <stdlib.h>

#include "micro/kinds/case.h"
#include "micro/kinds/keys.h"

/* Key order is grid order: the last key varies fastest. */
enum { P_PAGE_SIZE, P_BACKING, P_MAP_SIZE, P_OPS, P_WARMUP, P_RAW, NKEYS };

static const struct kind_key keys[NKEYS] = {
    [P_PAGE_SIZE] = {&key_page_size, "4k", 0},	[P_BACKING] = {&key_backing, "default", KK_QUIET},
    [P_MAP_SIZE] = {&key_map_size, "4k", 0},	[P_OPS] = {&key_ops, "1000", 0},
    [P_WARMUP] = {&key_warmup, "10", KK_QUIET}, [P_RAW] = {&key_raw, "0", KK_QUIET},
};

static int run_map(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	uint64_t ps = c->v[P_PAGE_SIZE], size = c->v[P_MAP_SIZE];
	uint64_t ops = c->v[P_OPS], warmup = c->v[P_WARMUP];
	struct hist *h = malloc(2 * sizeof(*h));
	if (!h)
		return err_set(e, ENOMEM, "out of memory");
	hist_reset(&h[0]);
	hist_reset(&h[1]);
	struct samples raw[2];
	samples_init(&raw[0], (int)c->v[P_RAW]);
	samples_init(&raw[1], (int)c->v[P_RAW]);
	struct dma_buf mem;
	int rc = backend_mem_alloc(r->be, size, ps, &mem, e);
	if (rc) {
		free(h);
		return err_wrap(e, "allocating %llu bytes of %llu KiB pages",
				(unsigned long long)size, (unsigned long long)(ps >> 10));
	}
	/* A map may cover less than one backing page (4 KiB of a 2 MiB page). */
	struct dma_buf view = mem;
	view.len = size;
	struct ctr_set s0, s1, acc[2];
	ctr_read(r->be, &s0);
	ctr_zero_like(&acc[0], &s0);
	ctr_zero_like(&acc[1], &s0);
	uint64_t busy[2] = {0, 0};
	for (uint64_t i = 0; !rc && i < warmup + ops; i++) {
		for (int k = 0; k < 2 && !rc; k++) {
			ctr_read(r->be, &s0);
			uint64_t t0 = timer_ticks();
			rc = k ? backend_unmap(r->be, &view, e)
			       : backend_map(r->be, &view, DMA_PROT_READ | DMA_PROT_WRITE, e);
			uint64_t t = timer_ns(timer_ticks() - t0);
			ctr_read(r->be, &s1);
			if (!rc && i >= warmup) {
				hist_add(&h[k], t);
				samples_add(&raw[k], t);
				busy[k] += t;
				ctr_accumulate(&acc[k], &s0, &s1);
			}
			if (rc && k == 1) {
				/* Unmap failed: the mapping may still be live. */
				struct err ignore;
				backend_unmap(r->be, &view, &ignore);
			}
		}
		if ((i & 63) == 0 && env_stopping(r) && !rc)
			rc = err_set(e, EINTR, "interrupted");
	}
	for (int k = 0; k < 2 && !rc; k++) {
		struct result_row row;
		case_row_init(&row, r, c, k ? "unmap" : "map", k ? "unmap" : "map");
		/* Operations per second while mapping (or unmapping) only. */
		row.iops = busy[k] ? (double)ops * 1e9 / (double)busy[k] : 0;
		row.raw = &raw[k];
		rc = case_emit(r, &row, &h[k], &acc[k], e);
	}
	backend_mem_free(r->be, &mem);
	samples_free(&raw[0]);
	samples_free(&raw[1]);
	free(h);
	return rc;
}

static uint64_t footprint(const struct bench_case *c)
{
	return round_up_pow2(c->v[P_MAP_SIZE], c->v[P_PAGE_SIZE]);
}

static void fill_row(struct result_row *row, const struct bench_case *c)
{
	row->has_map_size = 1;
	row->map_size = c->v[P_MAP_SIZE];
}

const struct kind kind_map = {
    .name = "map",
    .summary = "map and unmap cost against mapping size and page size",
    .keys = keys,
    .nkeys = NKEYS,
    .footprint = footprint,
    .fill_row = fill_row,
    .run = run_map,
    .no_kernel_io =
	"it times the backend's own map and unmap calls, and the kernel's path has none a program "
	"can call: the driver maps every I/O inside the DMA API (run latency or reuse there, and "
	"the kernel's dma_map_benchmark for the map cost alone)",
};
