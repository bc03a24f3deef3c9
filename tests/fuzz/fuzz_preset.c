/* libFuzzer target: IOMMU preset files, and models built from any preset
 * that parses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driver/iommu/preset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct preset_set *set = malloc(sizeof(*set));
	if (!text || !set) {
		free(text);
		free(set);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	struct err e;
	if (preset_load_string(text, "fuzz.ini", set, &e) == 0)
		for (unsigned i = 0; i < set->n && i < 4; i++) {
			struct iommu *m;
			/* Cap what a fuzzed preset may allocate. */
			int big = 0;
			for (unsigned k = 0; k < IOMMU_NSIZES; k++)
				big |= set->p[i].tlb[k].entries > 65536;
			for (unsigned k = 0; k < 3; k++)
				big |= set->p[i].pwc_entries[k] > 65536;
			if (!big && iommu_create(&set->p[i], &m, &e) == 0)
				iommu_destroy(m);
		}
	free(text);
	free(set);
	return 0;
}
