/* The dma-api backend: the kernel's own DMA-API benchmark
 * (kernel/dma/map_benchmark.c) on a PCI function lent to it for the run
 * (driver/host/dmamap_bench.h). The kernel maps and unmaps its own buffers
 * for that function through dma_map_single()/dma_unmap_single(), so through
 * the IOMMU domain its group has (strict, lazy flush queue, identity or no
 * IOMMU): the map cost the kernel NVMe driver pays per I/O, without the
 * I/O. Nothing here maps memory of this process; the userspace map and
 * unmap ops refuse, and the runner lets only the kinds that drive the
 * kernel's benchmark (micro/kinds/dmamap.c) run on it. Opening binds the
 * function to the benchmark driver, closing puts its binding back. */
#include "driver/backend/dma_api.h"

#include <errno.h>
#include <stdlib.h>

struct dma_api_backend {
	struct backend b;
	struct dmab_dev dev;
};

static struct dma_api_backend *to_dma_api(struct backend *b)
{
	return BACKEND_DOWNCAST(b, struct dma_api_backend, b, &backend_dma_api_ops);
}

static int dma_api_open(const struct backend_cfg *cfg, struct backend **out, struct err *e)
{
	struct dma_api_backend *db = calloc(1, sizeof(*db));
	if (!db)
		return err_set(e, ENOMEM, "out of memory");
	db->b.ops = &backend_dma_api_ops;
	int rc = dmab_open(cfg->device, &db->dev, e);
	if (rc) {
		free(db);
		return rc;
	}
	*out = &db->b;
	return 0;
}

static void dma_api_close(struct backend *b)
{
	struct dma_api_backend *db = to_dma_api(b);
	dmab_close(&db->dev);
	free(db);
}

static int no_user_dma(struct err *e)
{
	return err_set(e, EOPNOTSUPP,
		       "the dma-api backend maps nothing of this process: the kernel maps its "
		       "own buffers inside dma_map_benchmark (kind dmamap); use another backend "
		       "for userspace mappings");
}

static int dma_api_mem_alloc(struct backend *b, size_t len, size_t page_size, struct dma_buf *buf,
			     struct err *e)
{
	(void)b;
	(void)len;
	(void)page_size;
	(void)buf;
	return no_user_dma(e);
}

static void dma_api_mem_free(struct backend *b, struct dma_buf *buf)
{
	(void)b;
	(void)buf;
}

static int dma_api_map(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e)
{
	(void)b;
	(void)buf;
	(void)prot;
	return no_user_dma(e);
}

static int dma_api_unmap(struct backend *b, struct dma_buf *buf, struct err *e)
{
	(void)b;
	(void)buf;
	return no_user_dma(e);
}

static struct dmab_dev *dma_api_bench(struct backend *b)
{
	return &to_dma_api(b)->dev;
}

const struct backend_ops backend_dma_api_ops = {
    .name = "dma-api",
    .summary = "the kernel's dma_map_benchmark on a spare PCI function (kind dmamap only)",
    .host_dma = true,
    .open = dma_api_open,
    .close = dma_api_close,
    .mem_alloc = dma_api_mem_alloc,
    .mem_free = dma_api_mem_free,
    .map = dma_api_map,
    .unmap = dma_api_unmap,
    .dma_bench = dma_api_bench,
    .no_iommu_huge = "the kernel's DMA API picks the IOPTE sizes of dma_map_benchmark's "
		     "mappings itself (its granule is in pages, mapped one call each)",
};
