/* IOMMU model hit-path throughput: translations per second per core when
 * every lookup hits, for each shipped preset. Single thread, no lock (the
 * emu backend adds an uncontended spinlock around each call). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "driver/iommu/preset.h"
#include "driver/util/clock.h"

static double run(struct iommu *m, unsigned pages, uint64_t n)
{
	const uint64_t base = 0x100000000ull;
	uint64_t host, cost, sink = 0;
	for (unsigned i = 0; i < pages; i++)
		iommu_translate(m, 1, base + i * 4096ull, false, 0, 0, &host, &cost);
	uint64_t t0 = clock_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		iommu_translate(m, 1, base + (i % pages) * 4096ull + 64, false, 0, 0, &host, &cost);
		sink += host;
	}
	uint64_t dt = clock_now_ns() - t0;
	if (sink == 42)
		printf(" ");
	return (double)n * 1e9 / (double)dt;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000ull;
	struct preset_set *set = malloc(sizeof(*set));
	struct err e;
	if (!set || preset_load_file(preset_default_path(), set, &e)) {
		fprintf(stderr, "bench-model: %s\n", e.msg);
		return 1;
	}
	for (unsigned p = 0; p < set->n; p++) {
		struct iommu *m;
		uint64_t cost;
		if (iommu_create(&set->p[p], &m, &e) ||
		    iommu_map(m, 1, 0x100000000ull, 0x100000000ull, 1 << 20, true, 4096, &cost,
			      &e)) {
			fprintf(stderr, "bench-model: %s\n", e.msg);
			return 1;
		}
		/* 32 pages: inside every preset's IOTLB, so every lookup hits. */
		double rate = run(m, 32, n);
		printf("%-18s %8.1f M lookups/s  (hits %llu of %llu)\n", set->p[p].name, rate / 1e6,
		       (unsigned long long)m->ctr.iotlb_hit,
		       (unsigned long long)m->ctr.iotlb_lookup);
		iommu_destroy(m);
	}
	free(set);
	return 0;
}
