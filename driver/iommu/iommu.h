/* Software IOMMU model: per-domain I/O page tables, an IOTLB, paging-
 * structure caches, strict or lazy invalidation, faults, and a cost model.
 * It is the translation layer behind the emulated controller and a tool of
 * its own (`iotlbench model`). Not thread-safe: callers serialise. */
#ifndef IOTLB_IOMMU_H
#define IOTLB_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "driver/util/err.h"
#include "driver/iommu/cache.h"
#include "driver/iommu/pgtable.h"

enum iommu_kind {
	IOMMU_MODEL, /* translate through page tables and caches */
	IOMMU_IDEAL, /* translate through page tables; the IOTLB never misses */
	IOMMU_NONE   /* no IOMMU: device addresses are host addresses, no faults */
};

enum iommu_inval {
	INVAL_STRICT, /* page-selective invalidation on every unmap */
	INVAL_LAZY    /* flush queue: whole-domain invalidation every `lazy_batch` unmaps */
};

#define IOMMU_NSIZES 3 /* 4 KiB, 2 MiB, 1 GiB */

/* Bytes of each note of a preset (source, fixed, guessed): what its numbers
 * rest on, for `iotlbench presets --verbose`; not used by the model. */
#define IOMMU_NOTE_MAX 512

struct iommu_cfg {
	char name[64];
	char description[160];
	char source[IOMMU_NOTE_MAX];  /* the measurement or code the values come from */
	char fixed[IOMMU_NOTE_MAX];   /* parameters that source pins down */
	char guessed[IOMMU_NOTE_MAX]; /* parameters it does not: estimates or defaults */
	enum iommu_kind kind;
	bool split;			    /* own IOTLB per page size */
	struct cache_cfg tlb[IOMMU_NSIZES]; /* unified: tlb[0] only */
	uint32_t pwc_entries[3];	    /* PML4E, PDPTE, PDE caches; 0 = none */
	uint64_t leaf_sizes;		    /* bit i set: leaf size class i supported */
	enum iommu_inval inval;
	uint32_t lazy_batch;
	/* Cost model, nanoseconds. */
	uint64_t hit_ns;       /* added to every translation that hits */
	uint64_t miss_ns;      /* an IOTLB miss whose walk reads one entry */
	uint64_t walk_read_ns; /* each further page-table read of a walk */
	uint64_t inval_ns;     /* one page-selective invalidation */
	uint64_t flush_ns;     /* one whole-domain invalidation */
};

/* Counters, named as the hardware PMUs name them so analysis treats model
 * and hardware alike (Intel VT-d perfmon iotlb_lookup/iotlb_hit). */
struct iommu_counters {
	uint64_t iotlb_lookup;
	uint64_t iotlb_hit;
	uint64_t iotlb_miss;
	uint64_t iotlb_miss_size[IOMMU_NSIZES];
	uint64_t walk_reads;
	uint64_t pwc_hit;
	uint64_t invalidations;
	uint64_t faults;
};

/* Name/value pairs of every counter in a fixed order. */
unsigned iommu_counter_list(const struct iommu_counters *c, const char **names, uint64_t *vals,
			    unsigned max);

enum iommu_fault_reason { FAULT_NOT_PRESENT = 1, FAULT_WRITE_DENIED, FAULT_READ_DENIED };

struct iommu_fault {
	uint64_t iova;
	uint16_t domain;
	uint16_t cid;
	uint8_t write;
	uint8_t reason;
	uint8_t kind; /* what the DMA was for (emu_dma_kind) */
};

#define IOMMU_FAULT_LOG	  64
#define IOMMU_MAX_DOMAINS 16

struct iommu_domain {
	struct pgtable pt;
	uint32_t lazy_pending;
	uint8_t cached; /* size classes that may have IOTLB entries (probe only these) */
	bool used;
};

struct iommu {
	struct iommu_cfg cfg;
	struct cache tlb[IOMMU_NSIZES];
	struct cache pwc[3];
	struct iommu_domain dom[IOMMU_MAX_DOMAINS];
	struct iommu_counters ctr;
	struct iommu_fault faults[IOMMU_FAULT_LOG];
};

/* Size class of a leaf at `level` (1..3) and its page shift. */
static inline unsigned iommu_size_shift(unsigned cls)
{
	return 12u + 9u * cls;
}

int iommu_create(const struct iommu_cfg *cfg, struct iommu **out, struct err *e);
void iommu_destroy(struct iommu *m);

/* Maps [iova, iova+size) of `domain` to host address `pa`. `max_leaf` is
 * the largest page the backing memory guarantees contiguous. Returns the
 * modelled cost of the map in *cost_ns. */
int iommu_map(struct iommu *m, uint16_t domain, uint64_t iova, uint64_t pa, uint64_t size,
	      bool writable, uint64_t max_leaf, uint64_t *cost_ns, struct err *e);
/* Unmaps; in strict mode invalidates the range, in lazy mode queues it. */
int iommu_unmap(struct iommu *m, uint16_t domain, uint64_t iova, uint64_t size, uint64_t *cost_ns,
		struct err *e);
/* Drains the lazy flush queue of every domain now; returns the cost. */
uint64_t iommu_flush(struct iommu *m);
/* Drops every cached translation (before each benchmark case). */
void iommu_flush_caches(struct iommu *m);

/* Translates one DMA chunk (which never crosses a 4 KiB page). Returns 0
 * with the host address in *host, or -EFAULT after recording a fault. */
int iommu_translate(struct iommu *m, uint16_t domain, uint64_t iova, bool write, uint8_t kind,
		    uint16_t cid, uint64_t *host, uint64_t *cost_ns);

#endif
