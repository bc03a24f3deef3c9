/* count: map and unmap latency while the number of live mappings grows
 * (1 ... 1,000,000 in log steps), and the memory the bookkeeping takes.
 * Every mapping covers its own `map_size` bytes of one large reserved
 * region: MAP_NORESERVE, so untouched pages cost nothing until a backend
 * pins them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "micro/kinds/case.h"
#include "micro/kinds/keys.h"

/* Live mappings the case steps through, ascending; one case, one list. */
static const struct key_def key_mappings = {.name = "mappings",
					    .type = KEY_UINT,
					    .min = 1,
					    .max = 10000000ull,
					    .help = "live mappings, ascending"};

/* Key order is grid order: the last key varies fastest. */
enum { P_PAGE_SIZE, P_BACKING, P_MAP_SIZE, P_OPS, P_MAPPINGS, P_WARMUP, P_RAW, NKEYS };

static const struct kind_key keys[NKEYS] = {
    [P_PAGE_SIZE] = {&key_page_size, "4k", 0},
    [P_BACKING] = {&key_backing, "default", KK_QUIET},
    [P_MAP_SIZE] = {&key_map_size, "4k", 0},
    [P_OPS] = {&key_ops, "1000", 0},
    [P_MAPPINGS] = {&key_mappings, NULL, KK_LIST},
    [P_WARMUP] = {&key_warmup, "10", KK_QUIET},
    [P_RAW] = {&key_raw, "0", KK_QUIET},
};

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

static int region(struct bench_env *r, uint64_t len, uint64_t ps, struct dma_buf *mem,
		  struct err *e)
{
	if (ps != 4096)
		return backend_mem_alloc(r->be, len, ps, mem, e);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return err_set(e, ENOMEM, "cannot reserve %llu bytes of address space",
			       (unsigned long long)len);
	memset(mem, 0, sizeof(*mem));
	mem->va = p;
	mem->len = len;
	mem->page_size = 4096;
	mem->page_shift = 12;
	return 0;
}

static void region_free(struct bench_env *r, struct dma_buf *mem)
{
	if (mem->page_size != 4096)
		backend_mem_free(r->be, mem);
	else
		munmap(mem->va, mem->len);
}

/* One case: the reserved region cut into one view per mapping, and how
 * many of them are mapped. */
struct count_run {
	struct bench_env *r;
	const struct bench_case *c;
	struct dma_buf mem;
	struct dma_buf *views; /* maxn + 1: the last is the timed one at maxn */
	struct hist *h;	       /* [0] map, [1] unmap */
	uint64_t live, rss0;
	int extra; /* views[live] mapped by a timed map whose unmap failed */
};

/* What one step measures, per operation: [0] map, [1] unmap. */
struct count_meas {
	struct samples raw[2];
	uint64_t busy[2];
	struct ctr_set acc[2];
};

/* The region and its views; `slot` bytes apart, `size` bytes each. */
static int count_alloc(struct count_run *cr, uint64_t maxn, uint64_t slot, struct err *e)
{
	uint64_t ps = cr->c->v[P_PAGE_SIZE], size = cr->c->v[P_MAP_SIZE];
	int rc = region(cr->r, (maxn + 1) * slot, ps, &cr->mem, e);
	if (rc)
		return rc;
	cr->views = calloc(maxn + 1, sizeof(*cr->views));
	cr->h = malloc(2 * sizeof(*cr->h));
	if (!cr->views || !cr->h) {
		free(cr->views);
		free(cr->h);
		region_free(cr->r, &cr->mem);
		return err_set(e, ENOMEM, "out of memory for %llu mapping records",
			       (unsigned long long)maxn);
	}
	for (uint64_t i = 0; i <= maxn; i++) {
		cr->views[i] = cr->mem;
		cr->views[i].va = cr->mem.va + i * slot;
		cr->views[i].len = size;
	}
	return 0;
}

/* Maps views until `n` are live. */
static int count_grow(struct count_run *cr, uint64_t n, struct err *e)
{
	int rc = 0;
	while (!rc && cr->live < n) {
		rc =
		    backend_map(cr->r->be, &cr->views[cr->live], DMA_PROT_READ | DMA_PROT_WRITE, e);
		if (!rc)
			cr->live++;
		if ((cr->live & 4095) == 0 && env_stopping(cr->r) && !rc)
			rc = err_set(e, EINTR, "interrupted");
	}
	return rc;
}

/* Times map then unmap of one more view, `ops` times, with the counters
 * read around each call. */
static int count_time(struct count_run *cr, struct count_meas *st, struct err *e)
{
	struct bench_env *r = cr->r;
	struct dma_buf *v = &cr->views[cr->live];
	struct ctr_set s0, s1;
	ctr_read(r->be, &s0);
	ctr_zero_like(&st->acc[0], &s0);
	ctr_zero_like(&st->acc[1], &s0);
	int rc = 0;
	for (uint64_t i = 0; !rc && i < cr->c->v[P_OPS]; i++) {
		for (int k = 0; k < 2 && !rc; k++) {
			ctr_read(r->be, &s0);
			uint64_t t0 = timer_ticks();
			rc = k ? backend_unmap(r->be, v, e)
			       : backend_map(r->be, v, DMA_PROT_READ | DMA_PROT_WRITE, e);
			uint64_t t = timer_ns(timer_ticks() - t0);
			ctr_read(r->be, &s1);
			cr->extra = rc && k == 1;
			hist_add(&cr->h[k], t);
			samples_add(&st->raw[k], t);
			st->busy[k] += t;
			ctr_accumulate(&st->acc[k], &s0, &s1);
		}
	}
	return rc;
}

/* A map row and an unmap row for this step. */
static int count_emit(struct count_run *cr, struct count_meas *st, struct err *e)
{
	const struct bench_case *c = cr->c;
	uint64_t ops = c->v[P_OPS], mem_now = rss_bytes();
	int rc = 0;
	for (int k = 0; k < 2 && !rc; k++) {
		struct result_row row;
		char sfx[48];
		snprintf(sfx, sizeof(sfx), "m%llu-%s", (unsigned long long)cr->live,
			 k ? "unmap" : "map");
		case_row_init(&row, cr->r, c, sfx, k ? "unmap" : "map");
		row.has_mappings = 1;
		row.mappings = cr->live;
		row.iops = st->busy[k] ? (double)ops * 1e9 / (double)st->busy[k] : 0;
		row.has_mem = 1;
		row.mem_bytes = mem_now > cr->rss0 ? mem_now - cr->rss0 : 0;
		row.raw = &st->raw[k];
		rc = case_emit(cr->r, &row, &cr->h[k], &st->acc[k], e);
	}
	return rc;
}

/* Grow to this step's count, then time map+unmap of one more. */
static int count_step(struct count_run *cr, uint64_t n, struct err *e)
{
	int rc = count_grow(cr, n, e);
	if (rc)
		return rc;
	hist_reset(&cr->h[0]);
	hist_reset(&cr->h[1]);
	struct count_meas st = {.busy = {0, 0}};
	samples_init(&st.raw[0], (int)cr->c->v[P_RAW]);
	samples_init(&st.raw[1], (int)cr->c->v[P_RAW]);
	rc = count_time(cr, &st, e);
	if (!rc)
		rc = count_emit(cr, &st, e);
	samples_free(&st.raw[0]);
	samples_free(&st.raw[1]);
	dataset_flush(cr->r->ds);
	return rc;
}

/* Never leave a mapping behind, whatever happened. */
static void count_free(struct count_run *cr)
{
	struct err ignore;
	if (cr->extra)
		backend_unmap(cr->r->be, &cr->views[cr->live], &ignore);
	while (cr->live > 0)
		backend_unmap(cr->r->be, &cr->views[--cr->live], &ignore);
	free(cr->views);
	free(cr->h);
	region_free(cr->r, &cr->mem);
}

static int run_count(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	uint64_t ps = c->v[P_PAGE_SIZE], size = c->v[P_MAP_SIZE];
	uint64_t slot = (size + ps - 1) / ps * ps; /* each mapping starts on a backing page */
	uint64_t maxn = c->list[c->nlist - 1];
	if (maxn + 1 > (256ull << 30) / slot)
		return err_set(e, ENOMEM,
			       "%llu mappings of %llu bytes exceed 256 GiB of address space",
			       (unsigned long long)maxn, (unsigned long long)slot);
	struct count_run cr = {.r = r, .c = c};
	int rc = count_alloc(&cr, maxn, slot, e);
	if (rc)
		return rc;
	cr.rss0 = rss_bytes();
	for (unsigned s = 0; !rc && s < c->nlist; s++)
		rc = count_step(&cr, c->list[s], e);
	if (rc && e->code == ENOSPC)
		err_wrap(e, "after %llu live mappings", (unsigned long long)cr.live);
	count_free(&cr);
	return rc;
}

static int check(const struct bench_case *c, const char *const *where, struct err *e)
{
	for (unsigned i = 1; i < c->nlist; i++)
		if (c->list[i] <= c->list[i - 1])
			return err_set(e, EINVAL, "%s: mappings must ascend (%llu after %llu)",
				       where[P_MAPPINGS], (unsigned long long)c->list[i],
				       (unsigned long long)c->list[i - 1]);
	return 0;
}

/* The whole region of the largest step at once (region() above). */
static uint64_t footprint(const struct bench_case *c)
{
	return c->list[c->nlist - 1] * round_up_pow2(c->v[P_MAP_SIZE], c->v[P_PAGE_SIZE]);
}

static void fill_row(struct result_row *row, const struct bench_case *c)
{
	row->has_map_size = 1;
	row->map_size = c->v[P_MAP_SIZE];
}

const struct kind kind_count = {
    .name = "count",
    .summary = "map and unmap cost as the number of live mappings grows",
    .keys = keys,
    .nkeys = NKEYS,
    .check = check,
    .footprint = footprint,
    .fill_row = fill_row,
    .run = run_count,
    .no_kernel_io =
	"it grows the backend's own live mappings, and on the kernel's path a program holds none: "
	"the driver maps every I/O inside the DMA API and unmaps it at completion",
};
