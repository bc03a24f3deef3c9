/* Suite keys that several kinds share. A kind lists the ones it uses (with
 * its own default) beside any of its own in its descriptor (kind.h). */
#ifndef IOTLB_KIND_KEYS_H
#define IOTLB_KIND_KEYS_H

#include "driver/util/keys.h"

extern const struct key_def key_page_size; /* backing page size: 4k, 2m, 1g */
extern const struct key_def key_map_size;  /* bytes per mapping */
extern const struct key_def key_ops;	   /* timed map+unmap pairs */
extern const struct key_def key_op;	   /* read or write (value 0 / 1) */
extern const struct key_def key_io_size;   /* bytes per I/O */
extern const struct key_def key_ios;	   /* timed I/Os per case */
extern const struct key_def key_warmup;	   /* untimed operations first */
extern const struct key_def key_qd;	   /* commands in flight per queue */
extern const struct key_def key_raw;	   /* also write every sample */
extern const struct key_def key_backing;   /* backing memory kind (enum mem_kind) */

/* Run settings: one value for the whole run, in [global] or --set only. */
extern const struct key_def key_iommu_huge; /* enum iommu_huge */
extern const struct key_def key_rounds;	    /* interleaved rounds of every case */

#endif
