/* The kernel backend: the device stays with the kernel's NVMe driver and
 * the benchmark's I/O goes through io_uring (driver/kio/kio.h). There is no
 * user-visible mapping on this path: the driver maps each request's pages
 * through the DMA API when it builds the command and unmaps them when it
 * completes (drivers/nvme/host/pci.c, nvme_map_data / nvme_unmap_data), so
 * map and unmap here only mark the buffer as the device's to use, and the
 * kinds that time mappings refuse this backend before their first case. */
#include "driver/backend/kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver/mem/mem.h"

struct kernel_backend {
	struct backend b;
	struct kio_dev kio;
	enum mem_kind kind;
};

static struct kernel_backend *to_kernel(struct backend *b)
{
	return BACKEND_DOWNCAST(b, struct kernel_backend, b, &backend_kernel_ops);
}

static int kernel_open(const struct backend_cfg *cfg, struct backend **out, struct err *e)
{
	struct kernel_backend *kb = calloc(1, sizeof(*kb));
	if (!kb)
		return err_set(e, ENOMEM, "out of memory");
	kb->b.ops = &backend_kernel_ops;
	int rc = kio_dev_open(cfg->device, cfg->kernel_opts, &kb->kio, e);
	if (rc) {
		kio_dev_close(&kb->kio);
		free(kb);
		return rc;
	}
	*out = &kb->b;
	return 0;
}

static void kernel_close(struct backend *b)
{
	struct kernel_backend *kb = to_kernel(b);
	kio_dev_close(&kb->kio);
	free(kb);
}

static int kernel_mem_alloc(struct backend *b, size_t len, size_t page_size, struct dma_buf *buf,
			    struct err *e)
{
	return mem_alloc_kind(len, page_size, to_kernel(b)->kind, buf, e);
}

static void kernel_mem_free(struct backend *b, struct dma_buf *buf)
{
	(void)b;
	mem_free(buf);
}

/* The DMA API maps per I/O inside the driver; nothing to do here. */
static int kernel_map(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e)
{
	(void)b;
	(void)prot;
	(void)e;
	buf->iova = 0;
	return 0;
}

static int kernel_unmap(struct backend *b, struct dma_buf *buf, struct err *e)
{
	(void)b;
	(void)buf;
	(void)e;
	return 0;
}

static int kernel_set_mem_kind(struct backend *b, enum mem_kind kind, struct err *e)
{
	(void)e;
	to_kernel(b)->kind = kind;
	return 0;
}

static struct kio_dev *kernel_io(struct backend *b)
{
	return &to_kernel(b)->kio;
}

const struct backend_ops backend_kernel_ops = {
    .name = "kernel",
    .summary = "the kernel NVMe driver through io_uring: the DMA API maps every I/O",
    .host_dma = true,
    .open = kernel_open,
    .close = kernel_close,
    .mem_alloc = kernel_mem_alloc,
    .mem_free = kernel_mem_free,
    .map = kernel_map,
    .unmap = kernel_unmap,
    .set_mem_kind = kernel_set_mem_kind,
    .kernel_io = kernel_io,
    .no_iommu_huge = "the kernel NVMe driver maps each I/O through the DMA API, whose IOPTE "
		     "sizes the IOMMU driver picks; boot with intel_iommu=sp_off to forbid "
		     "superpages host-wide",
};
