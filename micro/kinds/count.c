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

static int run_count(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	uint64_t ps = c->v[P_PAGE_SIZE], size = c->v[P_MAP_SIZE], ops = c->v[P_OPS];
	uint64_t slot = (size + ps - 1) / ps * ps; /* each mapping starts on a backing page */
	uint64_t maxn = c->list[c->nlist - 1];
	if (maxn + 1 > (256ull << 30) / slot)
		return err_set(e, ENOMEM,
			       "%llu mappings of %llu bytes exceed 256 GiB of address space",
			       (unsigned long long)maxn, (unsigned long long)slot);
	struct dma_buf mem;
	int rc = region(r, (maxn + 1) * slot, ps, &mem, e);
	if (rc)
		return rc;
	struct dma_buf *views = calloc(maxn + 1, sizeof(*views));
	struct hist *h = malloc(2 * sizeof(*h));
	if (!views || !h) {
		free(views);
		free(h);
		region_free(r, &mem);
		return err_set(e, ENOMEM, "out of memory for %llu mapping records",
			       (unsigned long long)maxn);
	}
	for (uint64_t i = 0; i <= maxn; i++) {
		views[i] = mem;
		views[i].va = mem.va + i * slot;
		views[i].len = size;
	}
	uint64_t live = 0, rss0 = rss_bytes();
	int extra = 0; /* views[live] mapped by a timed map whose unmap failed */
	const uint32_t prot = DMA_PROT_READ | DMA_PROT_WRITE;
	for (unsigned s = 0; !rc && s < c->nlist; s++) {
		/* Grow to this step's count, then time map+unmap of one more. */
		while (!rc && live < c->list[s]) {
			rc = backend_map(r->be, &views[live], prot, e);
			if (!rc)
				live++;
			if ((live & 4095) == 0 && env_stopping(r) && !rc)
				rc = err_set(e, EINTR, "interrupted");
		}
		if (rc)
			break;
		hist_reset(&h[0]);
		hist_reset(&h[1]);
		struct samples raw[2];
		samples_init(&raw[0], (int)c->v[P_RAW]);
		samples_init(&raw[1], (int)c->v[P_RAW]);
		uint64_t busy[2] = {0, 0};
		struct ctr_set s0, s1, acc[2];
		ctr_read(r->be, &s0);
		ctr_zero_like(&acc[0], &s0);
		ctr_zero_like(&acc[1], &s0);
		for (uint64_t i = 0; !rc && i < ops; i++) {
			for (int k = 0; k < 2 && !rc; k++) {
				ctr_read(r->be, &s0);
				uint64_t t0 = timer_ticks();
				rc = k ? backend_unmap(r->be, &views[live], e)
				       : backend_map(r->be, &views[live], prot, e);
				uint64_t t = timer_ns(timer_ticks() - t0);
				ctr_read(r->be, &s1);
				extra = rc && k == 1;
				hist_add(&h[k], t);
				samples_add(&raw[k], t);
				busy[k] += t;
				ctr_accumulate(&acc[k], &s0, &s1);
			}
		}
		uint64_t mem_now = rss_bytes();
		for (int k = 0; k < 2 && !rc; k++) {
			struct result_row row;
			char sfx[48];
			snprintf(sfx, sizeof(sfx), "m%llu-%s", (unsigned long long)live,
				 k ? "unmap" : "map");
			case_row_init(&row, r, c, sfx, k ? "unmap" : "map");
			row.has_mappings = 1;
			row.mappings = live;
			row.iops = busy[k] ? (double)ops * 1e9 / (double)busy[k] : 0;
			row.has_mem = 1;
			row.mem_bytes = mem_now > rss0 ? mem_now - rss0 : 0;
			row.raw = &raw[k];
			rc = case_emit(r, &row, &h[k], &acc[k], e);
		}
		samples_free(&raw[0]);
		samples_free(&raw[1]);
		dataset_flush(r->ds);
	}
	if (rc && e->code == ENOSPC)
		err_wrap(e, "after %llu live mappings", (unsigned long long)live);
	/* Never leave a mapping behind, whatever happened. */
	struct err ignore;
	if (extra)
		backend_unmap(r->be, &views[live], &ignore);
	while (live > 0)
		backend_unmap(r->be, &views[--live], &ignore);
	free(views);
	free(h);
	region_free(r, &mem);
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
};
