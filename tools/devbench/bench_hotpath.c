/* Driver hot-path benchmark: submit + complete at queue depth 32 against the
 * emulated controller in manual mode, so that the device's work (command
 * execution, data copy, CQE posting) runs from this loop and not from inside
 * the driver's functions. Run under callgrind with collection toggled on
 * nvme_queue_rw and nvme_queue_poll (scripts/bench-hotpath.sh) to count the
 * driver's own instructions per I/O. */
#include <stdio.h>
#include <stdlib.h>

#include "driver/backend/emu.h"
#include "driver/emu/emu.h"
#include "driver/mem/mem.h"
#include "driver/nvme/ctrl.h"

#define QD 32

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 2000;
	struct err e = {0};
	struct backend_cfg cfg = {.emu_opts = "mode=manual,base_ns=0,bw=0"};
	struct backend *be = NULL;
	struct nvme_ctrl *c = NULL;
	struct nvme_queue *q = NULL;
	struct dma_buf b = {0};
	int rc = backend_open("emu", &cfg, &be, &e);
	if (!rc)
		rc = nvme_ctrl_open(&be->dev, NULL, &c, &e);
	if (!rc)
		rc = nvme_ctrl_create_queue(c, QD + 1, &q, &e);
	if (!rc)
		rc = backend_dma_alloc(be, QD * 4096, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b,
				       &e);
	if (rc) {
		fprintf(stderr, "bench-hotpath: %s\n", e.msg);
		return 1;
	}
	struct emu *emu = backend_emu_device(be);
	const struct nvme_ns *ns = nvme_ctrl_ns(c, 1);
	struct nvme_done d[QD];
	unsigned long long ios = 0, errors = 0;
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < QD; i++)
			if (nvme_queue_rw(q, nvme_cmd_read, ns, (uint64_t)i * 8, &b,
					  (size_t)i * 4096, 4096, NULL))
				errors++;
		emu_process(emu);
		unsigned got = 0;
		while (got < QD) {
			unsigned n = nvme_queue_poll(q, d, QD);
			for (unsigned i = 0; i < n; i++)
				errors += d[i].status != 0;
			got += n;
		}
		ios += got;
	}
	printf("ios %llu errors %llu\n", ios, errors);
	backend_dma_free(be, &b);
	nvme_ctrl_delete_queue(c, q, &e);
	nvme_ctrl_close(c);
	backend_close(be);
	return errors ? 1 : 0;
}
