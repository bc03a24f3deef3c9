/* The kernel's own I/O path to a block device, for the kernel backend: the
 * device stays bound to its kernel driver (nvme), and every I/O goes through
 * io_uring (include/uapi/linux/io_uring.h) with O_DIRECT, so the driver maps
 * and unmaps each request through the DMA API (and the IOMMU, in whatever mode
 * the kernel runs it). Three variants, chosen when the device is opened:
 *   fixed     the buffer is registered once (IORING_REGISTER_BUFFERS) and
 *             read with IORING_OP_READ_FIXED / WRITE_FIXED: pinned once, but
 *             still mapped per I/O by the driver
 *   poll      IORING_SETUP_IOPOLL: completions are polled from the driver's
 *             poll queues (nvme.poll_queues=N) instead of taken by interrupt
 *   passthru  NVMe commands on the generic char device /dev/ngXnY through
 *             IORING_OP_URING_CMD (struct nvme_uring_cmd,
 *             include/uapi/linux/nvme_ioctl.h), past the block layer's
 *             request merging and scheduling but not past its DMA mapping
 * One ring belongs to one thread, like an NVMe queue pair. */
#ifndef IOTLB_KIO_H
#define IOTLB_KIO_H

#include <stdbool.h>
#include <stdint.h>

#include "driver/dma.h"
#include "driver/host/blockdev.h"
#include "driver/nvme/queue.h"
#include "driver/util/err.h"
#include "driver/util/keys.h"

struct kio_opts {
	uint8_t fixed, poll, passthru;
};

/* The keys of --kernel-opts ("fixed=1,poll=1"). */
extern const struct key_table kio_opt_table;

struct kio_dev {
	struct blockdev_info info;
	struct kio_opts o;
	int fd; /* the block device (O_DIRECT), or the char device with passthru */
	struct nvme_ns ns;
};

/* Probes and opens `device` with `opts` (NULL: none). Errors name the fix:
 * no such device, poll asked for without poll queues, passthru without the
 * char device. */
int kio_dev_open(const char *device, const char *opts, struct kio_dev *d, struct err *e);
void kio_dev_close(struct kio_dev *d);

/* One finished I/O: the cookie given at submission and the result (0, or
 * -errno from the block layer, or a positive NVMe status with passthru). */
struct kio_done {
	void *ctx;
	int res;
};

struct kio_ring;

/* A ring of `depth` I/Os in flight on d; with `fixed`, buf is registered as
 * buffer 0. The error for a kernel without io_uring or with it disabled
 * names the sysctl or the kernel option. */
int kio_ring_open(struct kio_dev *d, unsigned depth, const struct dma_buf *buf,
		  struct kio_ring **out, struct err *e);
void kio_ring_close(struct kio_ring *r);

/* Read or write of `len` bytes at `off` in buf, from LBA slba of ns (a
 * window of d's namespace), submitted at once. 0, -ERANGE for LBAs outside
 * ns, -EINVAL for a length that is not a multiple of the LBA size, -EBUSY
 * when the ring is full, or the error io_uring_submit gave. */
int kio_rw(struct kio_ring *r, bool write, const struct nvme_ns *ns, uint64_t slba,
	   const struct dma_buf *buf, size_t off, size_t len, void *ctx);

/* Up to `max` completions; waits for at least one when `wait` (and I/Os are
 * in flight). Returns how many, or -errno when waiting failed. */
int kio_reap(struct kio_ring *r, struct kio_done *out, unsigned max, bool wait);

/* I/Os submitted and not yet reaped. */
unsigned kio_inflight(const struct kio_ring *r);

/* The error for a failed completion or submission `res`, naming the I/O. */
int kio_io_error(const struct kio_ring *r, int res, uint64_t slba, size_t len, struct err *e);

/* "fixed=0 poll=1 passthru=0" for meta.json and progress lines. */
void kio_opts_describe(const struct kio_opts *o, char *buf, size_t len);

#endif
