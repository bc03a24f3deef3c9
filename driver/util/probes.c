/* The USDT semaphores of driver/util/probes.h. They live in .probes, the
 * section systemtap's dtrace(1) uses and USDT consumers expect; the note of
 * each probe site records the semaphore's address, from which the consumer
 * derives the file offset it passes to the kernel as ref_ctr_offset. */
#include "driver/util/probes.h"

#define IOTLB_PROBE_DEFINE(name)                                                                   \
	volatile unsigned short IOTLB_PROBE_SEMAPHORE(name) __attribute__((section(".probes")))

IOTLB_PROBE_DEFINE(dma_map_start);
IOTLB_PROBE_DEFINE(dma_map_done);
IOTLB_PROBE_DEFINE(dma_unmap_start);
IOTLB_PROBE_DEFINE(dma_unmap_done);
IOTLB_PROBE_DEFINE(io_submit);
IOTLB_PROBE_DEFINE(io_complete);
IOTLB_PROBE_DEFINE(case_start);
IOTLB_PROBE_DEFINE(case_end);
