/* The `emu` backend: an in-process emulated NVMe controller whose every DMA
 * goes through the software IOMMU model (driver/iommu). IOVAs equal host
 * virtual addresses, which fit the model's 48-bit IOVA space. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "driver/emu/emu.h"
#include "driver/iommu/preset.h"
#include "driver/mem/mem.h"
#include "driver/util/clock.h"
#include "driver/backend/emu.h"
#include "driver/emu/emu_opts.h"

/* VT-d reserves domain 0 in caching mode; the device lives in domain 1. */
#define EMU_DOMAIN 1

struct emu_backend {
	struct backend b;
	struct emu *emu;
	struct iommu *mmu;
	/* The device thread (or several driver threads in inline mode)
	 * translates while driver threads map and unmap: one lock, as the
	 * hardware serialises page-table updates against walks. */
	pthread_spinlock_t lock;
	uint64_t live;	    /* mappings made and not yet unmapped */
	enum mem_kind kind; /* of later allocations: default or sparse */
	char opt_storage[];
};

static struct emu_backend *to_emu(struct backend *b)
{
	return BACKEND_DOWNCAST(b, struct emu_backend, b, &backend_emu_ops);
}

static int emu_xlate(void *ctx, uint64_t iova, uint32_t len, enum emu_dma_dir dir,
		     enum emu_dma_kind kind, uint16_t cid, void **host, uint64_t *cost_ns)
{
	struct emu_backend *eb = ctx;
	uint64_t h = 0;
	(void)len;
	pthread_spin_lock(&eb->lock);
	int rc = iommu_translate(eb->mmu, EMU_DOMAIN, iova, dir == EMU_DMA_TO_HOST, (uint8_t)kind,
				 cid, &h, cost_ns);
	pthread_spin_unlock(&eb->lock);
	*host = (void *)(uintptr_t)h;
	return rc;
}

/* Modelled time is spent, not just counted: a map or unmap that costs an
 * invalidation in hardware takes that long here, so map/unmap latency
 * measured by the benchmarks includes it. */
static void spend(uint64_t ns)
{
	if (!ns)
		return;
	uint64_t end = clock_now_ns() + ns;
	while (clock_now_ns() < end)
		cpu_relax();
}

static int load_model(const struct backend_cfg *cfg, struct iommu **out, struct err *e)
{
	struct preset_set *set = malloc(sizeof(*set));
	if (!set)
		return err_set(e, ENOMEM, "out of memory");
	const char *file = cfg && cfg->preset_file ? cfg->preset_file : preset_default_path();
	const char *name = cfg && cfg->preset ? cfg->preset : BACKEND_DEFAULT_PRESET;
	struct iommu_cfg mc;
	int rc = preset_load_file(file, set, e);
	if (!rc)
		rc = preset_find(set, name, &mc, e);
	free(set);
	if (!rc)
		rc = iommu_create(&mc, out, e);
	return rc;
}

static void emu_close(struct backend *b)
{
	struct emu_backend *eb = to_emu(b);
	emu_destroy(eb->emu);
	iommu_destroy(eb->mmu);
	pthread_spin_destroy(&eb->lock);
	free(eb);
}

static int emu_open(const struct backend_cfg *cfg, struct backend **out, struct err *e)
{
	const char *opts = cfg ? cfg->emu_opts : NULL;
	size_t olen = opts ? strlen(opts) + 1 : 1;
	struct emu_backend *eb = calloc(1, sizeof(*eb) + olen);
	if (!eb)
		return err_set(e, ENOMEM, "out of memory");
	eb->b.ops = &backend_emu_ops;
	pthread_spin_init(&eb->lock, PTHREAD_PROCESS_PRIVATE);
	struct emu_cfg ecfg;
	emu_cfg_default(&ecfg);
	int rc = emu_opts_parse(opts, &ecfg, eb->opt_storage, e);
	if (!rc)
		rc = load_model(cfg, &eb->mmu, e);
	if (!rc) {
		ecfg.dma.xlate = emu_xlate;
		ecfg.dma.ctx = eb;
		rc = emu_create(&ecfg, &eb->emu, e);
	}
	if (rc) {
		emu_close(&eb->b);
		return rc;
	}
	eb->b.dev.tr = emu_transport(eb->emu);
	*out = &eb->b;
	return 0;
}

static int emu_mem_alloc(struct backend *b, size_t len, size_t page_size, struct dma_buf *buf,
			 struct err *e)
{
	return mem_alloc_kind(len, page_size, to_emu(b)->kind, buf, e);
}

/* The emulated device reaches memory through the model by virtual address,
 * so it takes sparse memory (huge IOMMU pages without hugepage pools); the
 * other kinds only matter to a device on the host's DMA path. */
static int emu_set_mem_kind(struct backend *b, enum mem_kind kind, struct err *e)
{
	if (kind != MEM_KIND_DEFAULT && kind != MEM_KIND_SPARSE)
		return err_set(e, EINVAL,
			       "the emu backend takes backing = default or sparse; %s memory "
			       "matters to a real device (backends pagemap, vfio, iommufd)",
			       mem_kind_name(kind));
	to_emu(b)->kind = kind;
	return 0;
}

static void emu_mem_free(struct backend *b, struct dma_buf *buf)
{
	struct emu_backend *eb = to_emu(b);
	/* In lazy mode stale IOTLB entries may still point into this memory;
	 * drain the flush queue before the pages go back to the kernel, so the
	 * emulated device can never touch freed memory. */
	pthread_spin_lock(&eb->lock);
	iommu_flush(eb->mmu);
	pthread_spin_unlock(&eb->lock);
	mem_free(buf);
}

static int emu_map(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e)
{
	struct emu_backend *eb = to_emu(b);
	uint64_t iova = (uint64_t)(uintptr_t)buf->va, cost = 0;
	pthread_spin_lock(&eb->lock);
	int rc = iommu_map(eb->mmu, EMU_DOMAIN, iova, iova, buf->len, prot & DMA_PROT_WRITE,
			   buf->page_size, &cost, e);
	eb->live += rc == 0;
	pthread_spin_unlock(&eb->lock);
	if (rc)
		return rc;
	spend(cost);
	buf->iova = iova;
	buf->pages = NULL;
	buf->prot = prot;
	return 0;
}

static int emu_unmap(struct backend *b, struct dma_buf *buf, struct err *e)
{
	struct emu_backend *eb = to_emu(b);
	uint64_t cost = 0;
	pthread_spin_lock(&eb->lock);
	int rc = iommu_unmap(eb->mmu, EMU_DOMAIN, buf->iova, buf->len, &cost, e);
	eb->live -= rc == 0;
	pthread_spin_unlock(&eb->lock);
	if (rc)
		return rc;
	spend(cost);
	buf->iova = 0;
	return 0;
}

static void emu_flush_iotlb(struct backend *b)
{
	struct emu_backend *eb = to_emu(b);
	pthread_spin_lock(&eb->lock);
	iommu_flush(eb->mmu);
	iommu_flush_caches(eb->mmu);
	pthread_spin_unlock(&eb->lock);
}

static unsigned emu_counters(struct backend *b, struct backend_counter *out, unsigned max)
{
	struct emu_backend *eb = to_emu(b);
	const char *names[16];
	uint64_t vals[16];
	pthread_spin_lock(&eb->lock);
	struct iommu_counters c = eb->mmu->ctr;
	pthread_spin_unlock(&eb->lock);
	unsigned n = iommu_counter_list(&c, names, vals, max < 16 ? max : 16);
	for (unsigned i = 0; i < n; i++) {
		out[i].name = names[i];
		out[i].value = vals[i];
	}
	return n;
}

static uint64_t emu_live(struct backend *b)
{
	struct emu_backend *eb = to_emu(b);
	pthread_spin_lock(&eb->lock);
	uint64_t n = eb->live;
	pthread_spin_unlock(&eb->lock);
	return n;
}

/* The model's leaf sizes stand for the hardware's (VT-d CAP.SLLPS): off
 * leaves it 4 KiB leaves only, on keeps the preset's `leaf_sizes`. */
static int emu_set_huge(struct backend *b, bool on, struct err *e)
{
	struct emu_backend *eb = to_emu(b);
	if (emu_live(b))
		return err_set(e, EBUSY, "mappings are live; set iommu_huge before the run");
	if (!on)
		eb->mmu->cfg.leaf_sizes = 1;
	return 0;
}

const struct backend_ops backend_emu_ops = {
    .name = "emu",
    .summary = "in-process emulated NVMe controller behind a software IOMMU model",
    .open = emu_open,
    .close = emu_close,
    .mem_alloc = emu_mem_alloc,
    .mem_free = emu_mem_free,
    .map = emu_map,
    .unmap = emu_unmap,
    .flush_iotlb = emu_flush_iotlb,
    .live_mappings = emu_live,
    .counters = emu_counters,
    .set_mem_kind = emu_set_mem_kind,
    .set_iommu_huge = emu_set_huge,
};

struct emu *backend_emu_device(struct backend *b)
{
	return b && b->ops == &backend_emu_ops ? to_emu(b)->emu : NULL;
}

struct iommu *backend_emu_model(struct backend *b)
{
	return b && b->ops == &backend_emu_ops ? to_emu(b)->mmu : NULL;
}
