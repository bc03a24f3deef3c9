/* IOMMU model presets from a plain-text INI file that users extend without
 * recompiling (driver/iommu/presets.ini; one [section] per preset). */
#ifndef IOTLB_IOMMU_PRESET_H
#define IOTLB_IOMMU_PRESET_H

#include "driver/iommu/iommu.h"

#define PRESET_MAX 64

struct preset_set {
	struct iommu_cfg p[PRESET_MAX];
	unsigned n;
};

/* Where presets are read from: $IOTLB_PRESETS, else presets.ini next to the
 * source tree the binary was built in, else the installed copy. */
const char *preset_default_path(void);

/* Parses and validates every preset of a file or a string. */
int preset_load_file(const char *path, struct preset_set *set, struct err *e);
int preset_load_string(const char *text, const char *name, struct preset_set *set, struct err *e);

/* Looks a preset up by name; the error lists the names that exist. */
int preset_find(const struct preset_set *set, const char *name, struct iommu_cfg *out,
		struct err *e);

#endif
