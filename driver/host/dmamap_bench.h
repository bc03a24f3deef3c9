/* The kernel's DMA-API benchmark (kernel/dma/map_benchmark.c,
 * CONFIG_DMA_MAP_BENCHMARK): a PCI function is handed to the
 * `dma_map_benchmark` driver through driver_override and drivers_probe
 * (Documentation/ABI/testing/sysfs-bus-pci), whose probe creates the debugfs
 * file /sys/kernel/debug/dma_map_benchmark; the DMA_MAP_BENCHMARK ioctl on it
 * then maps and unmaps kernel buffers for that device through the DMA API,
 * so through its IOMMU group's domain (strict, lazy, identity or none). The
 * function's own driver binding is remembered and put back on close, on
 * every error path and, through dmab_emergency_restore(), on a forced exit.
 * Every path goes through hostfs, so tests run against a fixture tree. */
#ifndef IOTLB_DMAMAP_BENCH_H
#define IOTLB_DMAMAP_BENCH_H

#include <stdbool.h>

#include "driver/host/pci.h"
#include "driver/host/uapi/map_benchmark_abi.h"
#include "driver/util/err.h"

#define DMAB_DRIVER  "dma_map_benchmark"
#define DMAB_DEBUGFS "/sys/kernel/debug/dma_map_benchmark"

struct dmab_dev {
	struct pci_addr addr;
	char orig_driver[32];	/* the driver bound before; "" when none */
	char orig_override[64]; /* driver_override before; "" when unset */
	bool rebound;		/* this run moved the function to dma_map_benchmark */
	int fd;			/* the debugfs file, or -1 */
};

/* Checks the preconditions (root, debugfs mounted, the driver built in, the
 * function free of any driver that serves a user, no other function already
 * bound to the benchmark), binds `bdf` to dma_map_benchmark and opens the
 * debugfs file. On failure nothing is left changed; errors name the fix. */
int dmab_open(const char *bdf, struct dmab_dev *d, struct err *e);

/* Closes the file and puts the function's binding back as it was. */
void dmab_close(struct dmab_dev *d);

/* One DMA_MAP_BENCHMARK ioctl with the inputs in *mb (threads, seconds,
 * node, dma_bits, dma_dir, dma_trans_ns, granule); the kernel fills the
 * statistics. Blocks for mb->seconds; a signal ends it early (the kernel's
 * msleep_interruptible), and the partial result is returned all the same. */
int dmab_run(struct dmab_dev *d, struct map_benchmark *mb, struct err *e);

/* Puts back the binding of a function dmab_open moved, with open, write and
 * close only (async-signal-safe): for a signal handler that must exit at once. */
void dmab_emergency_restore(void);

#endif
