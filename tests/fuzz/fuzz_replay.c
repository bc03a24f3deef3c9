/* libFuzzer target: DMA trace CSVs replayed through a small model. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "driver/iommu/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct iommu_cfg c;
	memset(&c, 0, sizeof(c));
	c.kind = IOMMU_MODEL;
	c.tlb[0] = (struct cache_cfg){.entries = 8, .repl = REPL_LRU};
	c.pwc_entries[2] = 4;
	c.leaf_sizes = 7;
	struct iommu *m;
	struct err e;
	if (iommu_create(&c, &m, &e))
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (f) {
		struct replay_stats st;
		/* Large page sizes would map whole gigabytes per access; the
		 * model handles that, the fuzzer's time budget does not. */
		replay_trace(m, f, "fuzz.csv", (data[0] & 1) ? (2u << 20) : 4096, &st, &e);
		fclose(f);
	}
	iommu_destroy(m);
	return 0;
}
