/* The kernel's DMA-API micro-benchmark interface. It is not uapi: the kernel
 * keeps it in include/linux/map_benchmark.h (Linux 6.12; the driver is
 * kernel/dma/map_benchmark.c, built with CONFIG_DMA_MAP_BENCHMARK=y), and its
 * only userspace user is the kernel's own selftest
 * (tools/testing/selftests/dma/dma_map_benchmark.c), so no system header
 * carries it. The layout is written here from that header, field by field;
 * the ioctl number encodes the struct's size (_IOWR), so a size that drifted
 * would make the kernel reject the call with ENOTTY: the _Static_asserts pin
 * the size and the offsets of the fields the kernel reads and writes. */
#ifndef IOTLB_MAP_BENCHMARK_ABI_H
#define IOTLB_MAP_BENCHMARK_ABI_H

#include <stddef.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* The limits the ioctl checks (map_benchmark_ioctl): more threads, more
 * seconds or a longer simulated transfer is EINVAL. */
#define DMA_MAP_MAX_THREADS	1024
#define DMA_MAP_MAX_SECONDS	300
#define DMA_MAP_MAX_TRANS_DELAY 10000000u /* 10 ms in ns (10 * NSEC_PER_MSEC) */
/* granule: 1 to 1024 pages of PAGE_SIZE per dma_map_single() call. */
#define DMA_MAP_MAX_GRANULE 1024

/* dma_dir: the enum dma_data_direction the kernel maps with. */
#define DMA_MAP_BIDIRECTIONAL 0
#define DMA_MAP_TO_DEVICE     1
#define DMA_MAP_FROM_DEVICE   2

/* node = NUMA_NO_NODE: the benchmark threads run anywhere. */
#define DMA_MAP_NUMA_NO_NODE (-1)

/* In: threads..granule. Out: the four statistics, in units of 100 ns, over
 * every map/unmap pair every thread did during `seconds`; the kernel keeps
 * no count of the pairs and no distribution, only running sums of the
 * values and of their squares. */
struct map_benchmark {
	__u64 avg_map_100ns;   /* mean dma_map_single() time */
	__u64 map_stddev;      /* its standard deviation */
	__u64 avg_unmap_100ns; /* mean dma_unmap_single() time */
	__u64 unmap_stddev;
	__u32 threads;	    /* kernel threads mapping and unmapping in parallel */
	__u32 seconds;	    /* how long they run */
	__s32 node;	    /* NUMA node they are bound to, or NUMA_NO_NODE */
	__u32 dma_bits;	    /* DMA mask of the device while the test runs */
	__u32 dma_dir;	    /* DMA_MAP_* above */
	__u32 dma_trans_ns; /* ndelay() between map and unmap: a pretend transfer */
	__u32 granule;	    /* pages of PAGE_SIZE per mapping */
	__u8 expansion[76]; /* reserved; zero */
};

_Static_assert(sizeof(struct map_benchmark) == 136, "struct map_benchmark is 136 bytes");
_Static_assert(offsetof(struct map_benchmark, threads) == 32, "threads at 32");
_Static_assert(offsetof(struct map_benchmark, granule) == 56, "granule at 56");
_Static_assert(offsetof(struct map_benchmark, expansion) == 60, "expansion at 60");

#define DMA_MAP_BENCHMARK _IOWR('d', 1, struct map_benchmark)

#endif
