/* The `emu` backend: an in-process emulated NVMe controller. Its DMA
 * translation is the identity (IOVA = host virtual address) until the IOMMU
 * model sits in the emulator's translation hook. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../emu/emu.h"
#include "../mem/mem.h"
#include "backend.h"
#include "emu_opts.h"

struct emu_backend {
	struct backend b;
	struct emu *emu;
	char opt_storage[];
};

static int emu_open(const struct backend_cfg *cfg, struct backend **out, struct err *e)
{
	const char *opts = cfg ? cfg->emu_opts : NULL;
	size_t olen = opts ? strlen(opts) + 1 : 1;
	struct emu_backend *eb = calloc(1, sizeof(*eb) + olen);
	if (!eb)
		return err_set(e, ENOMEM, "out of memory");
	struct emu_cfg ecfg;
	emu_cfg_default(&ecfg);
	int rc = emu_opts_parse(opts, &ecfg, eb->opt_storage, e);
	if (!rc)
		rc = emu_create(&ecfg, &eb->emu, e);
	if (rc) {
		free(eb);
		return rc;
	}
	eb->b.tr = emu_transport(eb->emu);
	eb->b.priv = eb->emu;
	*out = &eb->b;
	return 0;
}

static void emu_close(struct backend *b)
{
	struct emu_backend *eb = (struct emu_backend *)b;
	emu_destroy(eb->emu);
	free(eb);
}

static int emu_mem_alloc(struct backend *b, size_t len, size_t page_size, struct dma_buf *buf,
			 struct err *e)
{
	(void)b;
	return mem_alloc(len, page_size, buf, e);
}

static void emu_mem_free(struct backend *b, struct dma_buf *buf)
{
	(void)b;
	mem_free(buf);
}

static int emu_map(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e)
{
	(void)b;
	(void)e;
	buf->iova = (uint64_t)(uintptr_t)buf->va;
	buf->pages = NULL;
	buf->prot = prot;
	return 0;
}

static int emu_unmap(struct backend *b, struct dma_buf *buf, struct err *e)
{
	(void)b;
	(void)e;
	buf->iova = 0;
	return 0;
}

const struct backend_ops backend_emu_ops = {
	.name = "emu",
	.summary = "in-process emulated NVMe controller (runs anywhere)",
	.open = emu_open,
	.close = emu_close,
	.mem_alloc = emu_mem_alloc,
	.mem_free = emu_mem_free,
	.map = emu_map,
	.unmap = emu_unmap,
};

struct emu *backend_emu_device(struct backend *b)
{
	return b && b->ops == &backend_emu_ops ? ((struct emu_backend *)b)->emu : NULL;
}
