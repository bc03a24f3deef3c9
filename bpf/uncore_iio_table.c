/* Which IIO IOMMU events each Xeon generation has. Numbers (event code,
 * umask) from Intel's published uncore event lists as Linux 6.12 carries
 * them: tools/perf/pmu-events/arch/x86/{skylakex,cascadelakex,icelakex,
 * sapphirerapids,emeraldrapids}/uncore-io.json; the model numbers from the
 * same tree's mapfile.csv (GenuineIntel-6-55, -6-6[AC], -6-8F, -6-CF).
 * None of these events carries an FCMask or a non-zero PortMask there, so
 * no generation needs ch_mask or fc_mask for them (the port events of the
 * same PMUs do). libpfm4 4.13 (Debian 12) has no IIO IOMMU tables. */
#include "bpf/uncore_iio_table.h"

#include <stddef.h>

/* Ice Lake-SP: IOMMU0 (0x40) IOTLB and context cache, IOMMU1 (0x41) the
 * page-walk cache (PWC) by the level that hit, IOMMU3 (0x43) invalidation
 * cycles. */
static const struct iio_event icx_events[] = {
    {"UNC_IIO_IOMMU0.FIRST_LOOKUPS", "iotlb_lookup", 0x40, 0x01},
    {"UNC_IIO_IOMMU0.ALL_LOOKUPS", NULL, 0x40, 0x02},
    {"UNC_IIO_IOMMU0.4K_HITS", NULL, 0x40, 0x04},
    {"UNC_IIO_IOMMU0.2M_HITS", NULL, 0x40, 0x08},
    {"UNC_IIO_IOMMU0.1G_HITS", NULL, 0x40, 0x10},
    {"UNC_IIO_IOMMU0.MISSES", "iotlb_miss", 0x40, 0x20},
    {"UNC_IIO_IOMMU0.CTXT_CACHE_LOOKUPS", NULL, 0x40, 0x40},
    {"UNC_IIO_IOMMU0.CTXT_CACHE_HITS", NULL, 0x40, 0x80},
    {"UNC_IIO_IOMMU1.PWT_CACHE_LOOKUPS", NULL, 0x41, 0x01},
    {"UNC_IIO_IOMMU1.PWC_4K_HITS", NULL, 0x41, 0x02},
    {"UNC_IIO_IOMMU1.PWC_2M_HITS", NULL, 0x41, 0x04},
    {"UNC_IIO_IOMMU1.PWC_1G_HITS", NULL, 0x41, 0x08},
    {"UNC_IIO_IOMMU1.PWC_512G_HITS", NULL, 0x41, 0x10},
    {"UNC_IIO_IOMMU1.PWC_CACHE_FILLS", NULL, 0x41, 0x20},
    {"UNC_IIO_IOMMU1.NUM_MEM_ACCESSES", NULL, 0x41, 0x40},
    {"UNC_IIO_IOMMU3.NUM_INVAL_GBL", NULL, 0x43, 0x01},
    {"UNC_IIO_IOMMU3.NUM_INVAL_DOMAIN", NULL, 0x43, 0x02},
    {"UNC_IIO_IOMMU3.NUM_INVAL_PAGE", NULL, 0x43, 0x04},
};

/* Sapphire Rapids and Emerald Rapids (the two lists are identical): no
 * ALL_LOOKUPS; the PWC umasks move down one bit (0x02 is the 2M level) and
 * memory accesses are 0xc0. IOMMU3 holds only an occupancy MSB. */
static const struct iio_event spr_events[] = {
    {"UNC_IIO_IOMMU0.FIRST_LOOKUPS", "iotlb_lookup", 0x40, 0x01},
    {"UNC_IIO_IOMMU0.4K_HITS", NULL, 0x40, 0x04},
    {"UNC_IIO_IOMMU0.2M_HITS", NULL, 0x40, 0x08},
    {"UNC_IIO_IOMMU0.1G_HITS", NULL, 0x40, 0x10},
    {"UNC_IIO_IOMMU0.MISSES", "iotlb_miss", 0x40, 0x20},
    {"UNC_IIO_IOMMU0.CTXT_CACHE_LOOKUPS", NULL, 0x40, 0x40},
    {"UNC_IIO_IOMMU0.CTXT_CACHE_HITS", NULL, 0x40, 0x80},
    {"UNC_IIO_IOMMU1.PWT_CACHE_LOOKUPS", NULL, 0x41, 0x01},
    {"UNC_IIO_IOMMU1.PWC_2M_HITS", NULL, 0x41, 0x02},
    {"UNC_IIO_IOMMU1.PWC_1G_HITS", NULL, 0x41, 0x04},
    {"UNC_IIO_IOMMU1.PWC_512G_HITS", NULL, 0x41, 0x08},
    {"UNC_IIO_IOMMU1.PWC_256T_HITS", NULL, 0x41, 0x10},
    {"UNC_IIO_IOMMU1.PWC_CACHE_FILLS", NULL, 0x41, 0x20},
    {"UNC_IIO_IOMMU1.NUM_MEM_ACCESSES", NULL, 0x41, 0xc0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct iio_gen gens[] = {
    /* Skylake-SP and Cascade Lake share model 0x55 (Cascade Lake is
     * stepping 5 and up); their lists have IIO port events only. */
    {"skylakex", "Skylake-SP", 0x55, 0, 4, NULL, 0},
    {"cascadelakex", "Cascade Lake", 0x55, 5, 15, NULL, 0},
    {"icelakex", "Ice Lake-SP", 0x6a, 0, 15, icx_events, N(icx_events)},
    {"icelakex", "Ice Lake-SP", 0x6c, 0, 15, icx_events, N(icx_events)},
    {"sapphirerapids", "Sapphire Rapids", 0x8f, 0, 15, spr_events, N(spr_events)},
    {"emeraldrapids", "Emerald Rapids", 0xcf, 0, 15, spr_events, N(spr_events)},
};

const struct iio_gen *iio_gen_for(unsigned family, unsigned model, unsigned stepping)
{
	if (family != 6)
		return NULL;
	for (size_t i = 0; i < N(gens); i++)
		if (gens[i].model == model && stepping >= gens[i].step_lo &&
		    stepping <= gens[i].step_hi)
			return &gens[i];
	return NULL;
}
