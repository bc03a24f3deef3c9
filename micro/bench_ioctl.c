/* User-side bookkeeping of the vfio and iommufd backends: the backend's
 * map+unmap of a 4 KiB buffer against a bare loop of the same ioctls
 * (VFIO_IOMMU_MAP_DMA/UNMAP_DMA, IOMMU_IOAS_MAP/UNMAP at a fixed IOVA) on
 * the same buffer, interleaved in rounds so drift hits both alike. Needs a
 * device on vfio-pci (run it in the QEMU guest: tests/vm). Prints mean ns
 * per operation and the backend's overhead in percent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include "../driver/backend/real.h"
#include "../driver/backend/uapi/iommufd_abi.h"
#include "timer.h"

#define N 2000
#define ROUNDS 5

static int raw_pair(int fd, uint32_t ioas, bool iommufd, void *va, uint64_t iova, uint64_t *tm,
		    uint64_t *tu)
{
	uint64_t t0 = timer_ticks();
	int rc;
	if (iommufd) {
		struct iommu_ioas_map m = {.size = sizeof(m),
					   .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
						    IOMMU_IOAS_MAP_WRITEABLE,
					   .ioas_id = ioas,
					   .user_va = (uintptr_t)va,
					   .length = 4096,
					   .iova = iova};
		rc = ioctl(fd, IOMMU_IOAS_MAP, &m);
	} else {
		struct vfio_iommu_type1_dma_map m = {.argsz = sizeof(m),
						     .flags = VFIO_DMA_MAP_FLAG_READ |
							      VFIO_DMA_MAP_FLAG_WRITE,
						     .vaddr = (uintptr_t)va,
						     .iova = iova,
						     .size = 4096};
		rc = ioctl(fd, VFIO_IOMMU_MAP_DMA, &m);
	}
	uint64_t t1 = timer_ticks();
	if (iommufd) {
		struct iommu_ioas_unmap u = {.size = sizeof(u), .ioas_id = ioas, .iova = iova,
					     .length = 4096};
		rc |= ioctl(fd, IOMMU_IOAS_UNMAP, &u);
	} else {
		struct vfio_iommu_type1_dma_unmap u = {.argsz = sizeof(u), .iova = iova, .size = 4096};
		rc |= ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &u);
	}
	*tm += timer_ns(t1 - t0);
	*tu += timer_ns(timer_ticks() - t1);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench-ioctl vfio|iommufd BDF\n");
		return 2;
	}
	timer_init(false);
	struct err e;
	struct backend_cfg cfg = {.device = argv[2]};
	struct backend *be;
	struct dma_buf b;
	if (backend_open(argv[1], &cfg, &be, &e) || be->ops->mem_alloc(be, 4096, 4096, &b, &e)) {
		fprintf(stderr, "bench-ioctl: %s\n", e.msg);
		return 1;
	}
	uint32_t ioas;
	int fd = backend_dma_fd(be, &ioas);
	bool iommufd = !strcmp(argv[1], "iommufd");
	/* The bare loop maps at the IOVA the backend itself uses, so both meet
	 * the same I/O page-table state (the VT-d driver frees empty tables on
	 * unmap: an isolated IOVA would pay for building them every time). */
	if (be->ops->map(be, &b, DMA_PROT_READ | DMA_PROT_WRITE, &e))
		goto fail;
	const uint64_t iova = b.iova;
	if (be->ops->unmap(be, &b, &e))
		goto fail;
	uint64_t bm = 0, bu = 0, rm = 0, ru = 0;
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < N; i++) {
			uint64_t t0 = timer_ticks();
			if (be->ops->map(be, &b, DMA_PROT_READ | DMA_PROT_WRITE, &e))
				goto fail;
			uint64_t t1 = timer_ticks();
			if (be->ops->unmap(be, &b, &e))
				goto fail;
			bm += timer_ns(t1 - t0);
			bu += timer_ns(timer_ticks() - t1);
		}
		for (int i = 0; i < N; i++)
			if (raw_pair(fd, ioas, iommufd, b.va, iova, &rm, &ru)) {
				e.code = 1;
				snprintf(e.msg, sizeof(e.msg), "bare ioctl failed");
				goto fail;
			}
	}
	double n = (double)N * ROUNDS;
	printf("%s (IOVA %#llx): %d map+unmap pairs each way\n", argv[1], (unsigned long long)iova,
	       N * ROUNDS);
	printf("%s: map   backend %8.0f ns  bare ioctl %8.0f ns  bookkeeping %+5.1f %%\n", argv[1],
	       bm / n, rm / n, ((double)bm - (double)rm) * 100 / (double)rm);
	printf("%s: unmap backend %8.0f ns  bare ioctl %8.0f ns  bookkeeping %+5.1f %%\n", argv[1],
	       bu / n, ru / n, ((double)bu - (double)ru) * 100 / (double)ru);
	be->ops->mem_free(be, &b);
	backend_close(be);
	return 0;
fail:
	fprintf(stderr, "bench-ioctl: %s\n", e.msg);
	return 1;
}
