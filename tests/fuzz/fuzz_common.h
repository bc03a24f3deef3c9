/* A controller behind the emu backend and its IOMMU model, small enough to
 * bring up for every fuzz input: state never leaks from one input to the
 * next, so every crash reproduces from its input alone. */
#ifndef IOTLB_FUZZ_COMMON_H
#define IOTLB_FUZZ_COMMON_H

#include "driver/backend/emu.h"
#include "driver/emu/emu.h"
#include "driver/nvme/ctrl.h"

struct fuzz_dev {
	struct backend *be;
	struct nvme_ctrl *c;
	struct emu *emu;
	struct nvme_queue *q;
	struct dma_buf buf;
};

/* Manual mode: the device runs only when the fuzzer calls emu_process. */
static inline int fuzz_dev_open(struct fuzz_dev *d, uint16_t entries)
{
	struct err e;
	struct nvme_ctrl_opts o;
	nvme_ctrl_opts_default(&o);
	o.io_timeout_ms = 1;
	o.admin_timeout_ms = 50;
	struct backend_cfg cfg = {.emu_opts = "mode=manual,base_ns=0,bw=0,ns_size=1m,mdts=3",
				  .preset = "qemu-vtd"};
	d->c = NULL;
	d->q = NULL;
	d->buf.va = NULL;
	if (backend_open("emu", &cfg, &d->be, &e))
		return -1;
	d->emu = backend_emu_device(d->be);
	if (nvme_ctrl_open(&d->be->dev, &o, &d->c, &e) ||
	    nvme_ctrl_create_queue(d->c, entries, &d->q, &e) ||
	    backend_dma_alloc(d->be, 65536, 4096, DMA_PROT_READ | DMA_PROT_WRITE, &d->buf, &e))
		return -1;
	return 0;
}

static inline void fuzz_dev_close(struct fuzz_dev *d)
{
	if (d->buf.va)
		backend_dma_free(d->be, &d->buf);
	nvme_ctrl_close(d->c);
	backend_close(d->be);
}

#endif
