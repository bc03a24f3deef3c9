/* DMA backends: the ways a userspace driver gives a device DMA access and
 * reaches its registers. One ops table per backend (emu here; pagemap, vfio
 * and iommufd plug in beside it), chosen by name at run time. */
#ifndef IOTLB_BACKEND_H
#define IOTLB_BACKEND_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver/dma.h"
#include "driver/mem/mem.h"
#include "driver/transport.h"
#include "driver/util/container_of.h"
#include "driver/util/err.h"

struct backend;
struct kio_dev;
struct dmab_dev;

/* Which IOPTE leaf sizes the backend's IOMMU mappings may use (suite key
 * iommu_huge). DEFAULT leaves the backend as it is; OFF asks for 4 KiB
 * IOPTEs only, so a 2 MiB buffer costs 512 IOTLB entries instead of one. */
enum iommu_huge { IOMMU_HUGE_DEFAULT, IOMMU_HUGE_ON, IOMMU_HUGE_OFF };

/* What IOMMU_GET_HW_INFO said about the IOMMU behind the device
 * (include/uapi/linux/iommufd.h, struct iommu_hw_info). */
struct backend_hw_info {
	uint32_t type;		/* enum iommu_hw_info_type: 1 = Intel VT-d */
	uint8_t max_pasid_log2; /* 0: no PASID */
	uint64_t capabilities;	/* enum iommufd_hw_capabilities */
	uint64_t cap_reg;	/* VT-d: the Capability Register (spec 11.4.2) */
	uint64_t ecap_reg;	/* VT-d: the Extended Capability Register (11.4.3) */
};

/* What to open. Backends ignore fields that do not concern them. */
struct backend_cfg {
	const char *device;	    /* PCI BDF ("0000:00:04.0") for real devices; kernel: a
				     * block device ("/dev/nvme0n1"); dma-api: the PCI
				     * function lent to the kernel's DMA-API benchmark */
	const char *kernel_opts;    /* kernel: "fixed=1,poll=1,passthru=1" (driver/kio/kio.h) */
	const char *emu_opts;	    /* emulated controller options "key=value,..." */
	const char *preset;	    /* emu: IOMMU model preset (NULL = BACKEND_DEFAULT_PRESET) */
	const char *preset_file;    /* emu: presets file (NULL = preset_default_path()) */
	enum iommu_huge iommu_huge; /* set by backend_open through set_iommu_huge */
};

/* The emu backend's IOMMU model when none is named: the Intel Xeon E5-2660v2
 * preset, whose 64-entry IOTLB and +235 ns miss give the clearest step. */
#define BACKEND_DEFAULT_PRESET "intel-e5-2660v2"

/* One counter reading: name as the hardware calls it, value. */
struct backend_counter {
	const char *name;
	uint64_t value;
};

/* Implemented by each backend; called only through the backend_*
 * functions below, which add the probes and check the optional ops. */
struct backend_ops {
	const char *name;
	const char *summary;
	/* The device reaches host memory through the host's own DMA path (no
	 * in-process model), so the kernel's IOMMU and VFIO/IOMMUFD paths and
	 * their probes see its mappings. */
	bool host_dma;
	int (*open)(const struct backend_cfg *cfg, struct backend **out, struct err *e);
	void (*close)(struct backend *b);
	/* Allocates host memory of `len` bytes backed by pages of `page_size`. */
	int (*mem_alloc)(struct backend *b, size_t len, size_t page_size, struct dma_buf *buf,
			 struct err *e);
	void (*mem_free)(struct backend *b, struct dma_buf *buf);
	/* Makes buf visible to the device with `prot` and fills its device addresses. */
	int (*map)(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e);
	int (*unmap)(struct backend *b, struct dma_buf *buf, struct err *e);
	/* Optional. Empties the IOTLB so a case starts cold; NULL if the backend
	 * cannot (benchmarks then use fresh mappings instead). */
	void (*flush_iotlb)(struct backend *b);
	/* Optional. DMA mappings currently live (made by map, not yet unmapped):
	 * a run that ends with more than zero leaked one. */
	uint64_t (*live_mappings)(struct backend *b);
	/* Optional. Translation counters of the backend's own IOMMU model. */
	unsigned (*counters)(struct backend *b, struct backend_counter *out, unsigned max);
	/* Optional. The memory kind later mem_alloc calls use (driver/mem/mem.h). */
	int (*set_mem_kind)(struct backend *b, enum mem_kind kind, struct err *e);
	/* Optional. The kernel's own I/O path to the device (driver/kio/kio.h)
	 * for a backend whose device stays with its kernel driver: the runner
	 * then brings up no userspace NVMe controller and the kinds do their
	 * I/O through io_uring. NULL for the backends that own the queues. */
	struct kio_dev *(*kernel_io)(struct backend *b);
	/* Optional. Allows (on) or forbids (off) IOPTEs larger than 4 KiB for
	 * every later mapping; called by backend_open before anything is
	 * mapped. A backend without it cannot choose: `no_iommu_huge` says
	 * why, for the refusal (given before the backend is opened), and
	 * `iommu_huge_always` says that its mappings use large IOPTEs wherever
	 * they can anyway, so `on` is accepted as what it does. */
	int (*set_iommu_huge)(struct backend *b, bool on, struct err *e);
	const char *no_iommu_huge;
	bool iommu_huge_always;
	/* Optional. The IOMMU's own description of itself (IOMMU_GET_HW_INFO). */
	int (*hw_info)(struct backend *b, struct backend_hw_info *out, struct err *e);
	/* Optional. The kernel's DMA-API benchmark on a PCI function the
	 * backend bound to it (driver/host/dmamap_bench.h): the runner opens
	 * no controller and no I/O path, and only the kinds that drive that
	 * benchmark run. NULL for every backend that does I/O. */
	struct dmab_dev *(*dma_bench)(struct backend *b);
};

struct backend {
	/* What the NVMe core gets: the register transport (set by the
	 * backend's open) and DMA buffers through backend_dma_alloc/free (ops
	 * set by backend_open). */
	struct dma_dev dev;
	const struct backend_ops *ops;
};

/* A backend's own struct around `b` (which it embeds as `member`), after
 * checking that b was opened by that backend, as SPDK's transports do: a
 * function handed another backend's handle stops at the assertion instead
 * of reading a struct of the wrong type. */
#define BACKEND_DOWNCAST(b, type, member, backend_ops)                                             \
	(assert((b)->ops == (backend_ops)), container_of(b, type, member))

/* Registry. */
const struct backend_ops *backend_find(const char *name);
/* Comma-separated names of every backend, for help and error messages. */
const char *backend_names(void);

int backend_open(const char *name, const struct backend_cfg *cfg, struct backend **out,
		 struct err *e);
void backend_close(struct backend *b);

/* b->ops->map / b->ops->unmap with the USDT probes dma_map_* and
 * dma_unmap_* (driver/util/probes.h) around them. Benchmarks and the driver
 * call these, never the ops directly, so a trace sees every mapping. */
int backend_map(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e);
int backend_unmap(struct backend *b, struct dma_buf *buf, struct err *e);

/* The ops themselves, for the few callers that must leave the probes out:
 * benchmarks that measure the backend's own bookkeeping against the bare
 * ioctl (tools/devbench/bench_ioctl.c). */
static inline int backend_map_untraced(struct backend *b, struct dma_buf *buf, uint32_t prot,
				       struct err *e)
{
	return b->ops->map(b, buf, prot, e);
}

static inline int backend_unmap_untraced(struct backend *b, struct dma_buf *buf, struct err *e)
{
	return b->ops->unmap(b, buf, e);
}

/* The other ops, each through one inline forwarder; the optional ones are
 * checked here and nowhere else. */
static inline int backend_mem_alloc(struct backend *b, size_t len, size_t page_size,
				    struct dma_buf *buf, struct err *e)
{
	return b->ops->mem_alloc(b, len, page_size, buf, e);
}

static inline void backend_mem_free(struct backend *b, struct dma_buf *buf)
{
	b->ops->mem_free(b, buf);
}

/* Empties the IOTLB so a case starts cold; false when the backend cannot
 * (benchmarks then rely on fresh mappings instead). */
/* Sets the memory kind of later allocations; an error names the backends
 * that take one when this one does not (backend_set_mem_kind in registry.c). */
int backend_set_mem_kind(struct backend *b, enum mem_kind kind, struct err *e);

/* Whether the device reaches memory through the host's DMA path. */
static inline bool backend_is_real(const struct backend *b)
{
	return b && b->ops->host_dma;
}

static inline bool backend_flush_iotlb(struct backend *b)
{
	if (!b->ops->flush_iotlb)
		return false;
	b->ops->flush_iotlb(b);
	return true;
}

/* Mappings made by map and not yet unmapped into *live; false when the
 * backend does not count them. */
static inline bool backend_live_mappings(struct backend *b, uint64_t *live)
{
	if (!b->ops->live_mappings)
		return false;
	*live = b->ops->live_mappings(b);
	return true;
}

/* Up to `max` translation counters of the backend's own IOMMU model; 0
 * when it has none. */
static inline unsigned backend_counters(struct backend *b, struct backend_counter *out,
					unsigned max)
{
	return b->ops->counters ? b->ops->counters(b, out, max) : 0;
}

/* The kernel I/O path of a kernel-driver backend, or NULL. */
static inline struct kio_dev *backend_kernel_io(struct backend *b)
{
	return b->ops->kernel_io ? b->ops->kernel_io(b) : NULL;
}

/* The IOMMU hardware description, or an error saying why there is none
 * (the backend has no op for it, or the kernel refused). */
int backend_hw_info(struct backend *b, struct backend_hw_info *out, struct err *e);
/* The kernel DMA-API benchmark of the dma-api backend, or NULL. */
static inline struct dmab_dev *backend_dma_bench(struct backend *b)
{
	return b->ops->dma_bench ? b->ops->dma_bench(b) : NULL;
}

/* Convenience: allocate and map in one step, undoing the allocation on failure. */
int backend_dma_alloc(struct backend *b, size_t len, size_t page_size, uint32_t prot,
		      struct dma_buf *buf, struct err *e);
void backend_dma_free(struct backend *b, struct dma_buf *buf);

#endif
