/* dmamap: the kernel's own DMA-API micro-benchmark (CONFIG_DMA_MAP_BENCHMARK,
 * kernel/dma/map_benchmark.c) on the dma-api backend's PCI function.
 * `threads` kernel threads each map a `granule`-page kernel buffer with
 * dma_map_single(), wait `dma_trans_ns` (a pretend transfer), unmap it, and
 * repeat for `seconds`; the kernel times every call but returns only the
 * mean and standard deviation of map and of unmap, in units of 100 ns. The
 * rows record exactly that: mean_ns and stddev_ns (the kernel's value times
 * 100), and empty ops, percentiles, max and iops, which it does not report.
 * What the numbers include is the IOMMU mode of the function's group
 * (meta.json device_iommu): IOVA allocation and page-table writes, and on
 * unmap the IOTLB invalidation, waited for in strict mode (DMA) and queued
 * in lazy mode (DMA-FQ); with identity or no IOMMU only the direct-mapping
 * bookkeeping. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/host/dmamap_bench.h"
#include "driver/util/parse.h"
#include "micro/kinds/case.h"

static const struct key_def key_threads = {.name = "threads",
					   .type = KEY_UINT,
					   .min = 1,
					   .max = DMA_MAP_MAX_THREADS,
					   .help =
					       "kernel threads mapping and unmapping in parallel"};
static const struct key_def key_granule = {.name = "granule",
					   .type = KEY_UINT,
					   .min = 1,
					   .max = DMA_MAP_MAX_GRANULE,
					   .help = "pages (of the kernel's PAGE_SIZE) per mapping"};
/* Listed in the kernel's order, so the index a choice key stores is the
 * DMA_MAP_* value the ioctl takes. */
static const char *const dirs[] = {"bidirectional", "to_device", "from_device", NULL};
_Static_assert(DMA_MAP_BIDIRECTIONAL == 0 && DMA_MAP_TO_DEVICE == 1 && DMA_MAP_FROM_DEVICE == 2,
	       "dirs[] follows the DMA_MAP_* values");
static const struct key_def key_dir = {
    .name = "dir", .type = KEY_CHOICE, .choices = dirs, .help = "DMA direction of each mapping"};
static const struct key_def key_trans = {.name = "dma_trans_ns",
					 .type = KEY_UINT,
					 .min = 0,
					 .max = DMA_MAP_MAX_TRANS_DELAY,
					 .help = "ns the kernel waits between map and unmap"};
static const struct key_def key_seconds = {.name = "seconds",
					   .type = KEY_UINT,
					   .min = 1,
					   .max = DMA_MAP_MAX_SECONDS,
					   .help = "how long the kernel threads run"};
/* The kernel takes any mask dma_set_mask() accepts; its selftest allows 20
 * to 64 bits. The default is 64, the mask the kernel NVMe driver sets
 * (nvme_pci_enable: DMA_BIT_MASK(64)): with a narrower one and memory above
 * it, passthrough and no-IOMMU mappings bounce through swiotlb (a copy of
 * the buffer per map and per unmap), which is then what the rows measure;
 * with translation the IOVA allocator keeps within any mask. */
static const struct key_def key_dma_bits = {.name = "dma_bits",
					    .type = KEY_UINT,
					    .min = 20,
					    .max = 64,
					    .help = "DMA mask of the device while the case runs"};

/* NUMA node: "any" (NUMA_NO_NODE, stored as -1) or a node number. */
#define NODE_MAX 1023
static int parse_node(const struct key_def *d, const char *t, void *target, uint64_t *out,
		      struct err *e)
{
	(void)d;
	(void)target;
	if (!strcmp(t, "any")) {
		*out = (uint64_t)(int64_t)DMA_MAP_NUMA_NO_NODE;
		return 0;
	}
	uint64_t n;
	if (parse_u64(t, NODE_MAX, &n, e))
		return err_set(e, EINVAL, "node '%s': allowed values are any, or 0 to %d", t,
			       NODE_MAX);
	*out = n;
	return 0;
}

static void format_node(uint64_t v, char *buf, size_t len)
{
	if ((int64_t)v == DMA_MAP_NUMA_NO_NODE)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static const struct key_def key_node = {
    .name = "node",
    .type = KEY_CUSTOM,
    .parse = parse_node,
    .format = format_node,
    .help = "NUMA node the kernel threads run on: any, or a number"};

/* Key order is grid order: the last key varies fastest. */
enum { P_DIR, P_DMA_BITS, P_NODE, P_SECONDS, P_TRANS, P_THREADS, P_GRANULE, NKEYS };

static const struct kind_key keys[NKEYS] = {
    [P_DIR] = {&key_dir, "bidirectional", 0}, [P_DMA_BITS] = {&key_dma_bits, "64", KK_QUIET},
    [P_NODE] = {&key_node, "any", KK_QUIET},  [P_SECONDS] = {&key_seconds, "1", 0},
    [P_TRANS] = {&key_trans, "0", 0},	      [P_THREADS] = {&key_threads, "1", 0},
    [P_GRANULE] = {&key_granule, "1", 0},
};

/* The ioctl's inputs for case c. */
static void fill_params(const struct bench_case *c, struct map_benchmark *mb)
{
	memset(mb, 0, sizeof(*mb));
	mb->threads = (uint32_t)c->v[P_THREADS];
	mb->seconds = (uint32_t)c->v[P_SECONDS];
	mb->node = (int32_t)(int64_t)c->v[P_NODE];
	mb->dma_bits = (uint32_t)c->v[P_DMA_BITS];
	mb->dma_dir = (uint32_t)c->v[P_DIR];
	mb->dma_trans_ns = (uint32_t)c->v[P_TRANS];
	mb->granule = (uint32_t)c->v[P_GRANULE];
}

static int run_dmamap(struct bench_env *r, const struct bench_case *c, struct err *e)
{
	if (!r->dmab)
		return err_set(e, EOPNOTSUPP,
			       "kind dmamap runs the kernel's dma_map_benchmark and needs "
			       "--backend dma-api --device BDF");
	struct map_benchmark mb;
	fill_params(c, &mb);
	int rc = dmab_run(r->dmab, &mb, e);
	if (rc)
		return rc;
	/* A signal cuts the kernel's sleep short and the ioctl still returns
	 * the statistics of the shorter run: not the case asked for. */
	if (env_stopping(r))
		return err_set(e, EINTR, "interrupted");
	const struct row_moments mom[2] = {
	    {(double)mb.avg_map_100ns * 100.0, (double)mb.map_stddev * 100.0},
	    {(double)mb.avg_unmap_100ns * 100.0, (double)mb.unmap_stddev * 100.0},
	};
	for (int k = 0; k < 2 && !rc; k++) {
		struct result_row row;
		case_row_init(&row, r, c, k ? "unmap" : "map", k ? "unmap" : "map");
		row.moments = &mom[k];
		rc = case_emit(r, &row, NULL, NULL, e);
	}
	return rc;
}

static void fill_row(struct result_row *row, const struct bench_case *c)
{
	/* The kernel's buffers are alloc_pages_exact() pages of PAGE_SIZE,
	 * which is the page size userspace sees. */
	long ps = sysconf(_SC_PAGESIZE);
	row->page_size = ps > 0 ? (uint64_t)ps : 4096;
	row->has_map_size = 1;
	row->map_size = c->v[P_GRANULE] * row->page_size;
	row->has_threads = 1;
	row->threads = c->v[P_THREADS];
	row->dma_dir = dirs[c->v[P_DIR]];
	row->has_trans = 1;
	row->dma_trans_ns = c->v[P_TRANS];
}

const struct kind kind_dmamap = {
    .name = "dmamap",
    .summary = "the kernel's dma_map_benchmark: mean and stddev of dma_map_single/unmap "
	       "(backend dma-api only)",
    .keys = keys,
    .nkeys = NKEYS,
    .fill_row = fill_row,
    .run = run_dmamap,
    .no_kernel_io = "it drives the kernel's dma_map_benchmark on a spare PCI function, not the "
		    "NVMe device: run it with --backend dma-api --device BDF",
    .dma_bench = true,
};
