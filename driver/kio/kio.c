#include "driver/kio/kio.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/nvme_ioctl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "driver/util/array.h"
#include "driver/util/hostfs.h"

static const struct key_def kio_opt_defs[] = {
    {.name = "fixed",
     .type = KEY_BOOL,
     .width = 1,
     .off = offsetof(struct kio_opts, fixed),
     .max = 1,
     .dflt = "0",
     .help = "register the buffer once (IORING_REGISTER_BUFFERS) and use fixed reads/writes"},
    {.name = "poll",
     .type = KEY_BOOL,
     .width = 1,
     .off = offsetof(struct kio_opts, poll),
     .max = 1,
     .dflt = "0",
     .help = "polled completion (IORING_SETUP_IOPOLL; needs nvme.poll_queues)"},
    {.name = "passthru",
     .type = KEY_BOOL,
     .width = 1,
     .off = offsetof(struct kio_opts, passthru),
     .max = 1,
     .dflt = "0",
     .help = "NVMe commands on /dev/ngXnY (IORING_OP_URING_CMD)"},
};

const struct key_table kio_opt_table = {kio_opt_defs, ARRAY_SIZE(kio_opt_defs), "kernel option"};

void kio_opts_describe(const struct kio_opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "fixed=%u poll=%u passthru=%u", o->fixed, o->poll, o->passthru);
}

static int open_node(const char *path, bool chr, const char *what, struct err *e)
{
	/* O_DIRECT: the request carries the user pages themselves, so the
	 * driver maps them (not a page-cache copy) for every I/O. The char
	 * device has no page cache and refuses the flag (open(2) returns
	 * EINVAL without FMODE_CAN_ODIRECT): its commands always map the user
	 * pages. */
	int fd = hostfs_open(path, O_RDWR | O_CLOEXEC | (chr ? 0 : O_DIRECT));
	if (fd >= 0)
		return fd;
	int err = errno;
	if (err == EACCES || err == EPERM)
		return err_set(e, err,
			       "cannot open %s (%s): %s: run as root or as a member of the "
			       "device's group (ls -l %s)",
			       path, what, strerror(err), path);
	if (err == EINVAL)
		return err_set(e, err,
			       "cannot open %s with O_DIRECT: the device does not take direct "
			       "I/O; name an NVMe namespace or another block device",
			       path);
	return err_set(e, err, "cannot open %s (%s): %s", path, what, strerror(err));
}

static int ring_error(int rc, unsigned flags, struct err *e);
static unsigned ring_flags(const struct kio_opts *o);

/* One ring of the run's kind, made and dropped at open: a kernel without
 * io_uring (or without 128-byte SQEs for passthru) is refused once, before
 * the first case, instead of in every case. */
static int probe_ring(const struct kio_dev *d, struct err *e)
{
	struct io_uring ring;
	unsigned flags = ring_flags(&d->o);
	int rc = io_uring_queue_init(2, &ring, flags);
	if (rc)
		return ring_error(rc, flags, e);
	io_uring_queue_exit(&ring);
	return 0;
}

int kio_dev_open(const char *device, const char *opts, struct kio_dev *d, struct err *e)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	int rc = blockdev_probe(device, &d->info, e);
	if (rc)
		return rc;
	if (opts && *opts) {
		char *copy = strdup(opts);
		if (!copy)
			return err_set(e, ENOMEM, "out of memory");
		rc = key_set_list(&kio_opt_table, &d->o, copy, ',', e);
		free(copy);
		if (rc)
			return err_wrap(e, "--kernel-opts");
	}
	const struct blockdev_info *bd = &d->info;
	if (d->o.poll && !bd->io_poll)
		return err_set(e, EOPNOTSUPP,
			       "--kernel-opts poll=1: /sys/block/%s/queue/io_poll is 0: the "
			       "driver has no poll queues; boot with nvme.poll_queues=1 (or "
			       "more), or drop poll=1",
			       bd->name);
	if (d->o.passthru) {
		if (!bd->nvme || !bd->ng_path[0])
			return err_set(e, EOPNOTSUPP,
				       "--kernel-opts passthru=1: %s is not an NVMe namespace, so "
				       "it has no generic char device; name /dev/nvmeXnY or drop "
				       "passthru=1",
				       bd->dev_path);
		if (!hostfs_exists(bd->ng_path))
			return err_set(e, ENODEV,
				       "--kernel-opts passthru=1: no %s beside %s: the NVMe "
				       "generic char device needs Linux 5.13 or later with "
				       "CONFIG_IO_URING (and devtmpfs or udev to create the node)",
				       bd->ng_path, bd->dev_path);
	}
	const char *node = d->o.passthru ? bd->ng_path : bd->dev_path;
	d->fd = open_node(node, d->o.passthru,
			  d->o.passthru ? "NVMe generic char device" : "block device", e);
	if (d->fd < 0)
		return d->fd;
	d->ns = (struct nvme_ns){
	    .nsid = bd->nsid ? bd->nsid : 1, .lba_shift = bd->lba_shift, .nlbas = bd->nlbas};
	return probe_ring(d, e);
}

void kio_dev_close(struct kio_dev *d)
{
	if (d && d->fd >= 0)
		close(d->fd);
	if (d)
		d->fd = -1;
}

struct kio_ring {
	struct io_uring ring;
	struct kio_dev *d;
	unsigned inflight, depth;
};

static unsigned ring_flags(const struct kio_opts *o)
{
	unsigned flags = 0;
	if (o->poll)
		flags |= IORING_SETUP_IOPOLL;
	/* An NVMe command (64 bytes) rides in the SQE's tail and its result in
	 * the CQE's (include/uapi/linux/io_uring.h, IORING_SETUP_SQE128/CQE32). */
	if (o->passthru)
		flags |= IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	return flags;
}

/* Why io_uring_setup failed, with the fix. */
static int ring_error(int rc, unsigned flags, struct err *e)
{
	char v[16] = "?";
	switch (rc) {
	case -ENOSYS:
		return err_set(e, ENOSYS,
			       "io_uring is unavailable: io_uring_setup(2) returns ENOSYS, so "
			       "the kernel was built without CONFIG_IO_URING or a seccomp "
			       "filter (a container runtime's default profile) blocks it; use "
			       "a kernel with io_uring, or run outside that sandbox");
	case -EPERM:
		hostfs_read("/proc/sys/kernel/io_uring_disabled", v, sizeof(v));
		return err_set(e, EPERM,
			       "io_uring is disabled (kernel.io_uring_disabled = %s): set "
			       "sysctl kernel.io_uring_disabled=0, or run as root or as a "
			       "member of kernel.io_uring_group",
			       v);
	case -ENOMEM:
		return err_set(e, ENOMEM,
			       "io_uring_setup: out of locked memory for the rings: raise "
			       "RLIMIT_MEMLOCK (ulimit -l)");
	case -EINVAL:
		if (flags & (IORING_SETUP_SQE128 | IORING_SETUP_CQE32))
			return err_set(e, EINVAL,
				       "io_uring_setup refuses 128-byte SQEs: NVMe passthrough "
				       "through io_uring needs Linux 5.19 or later; drop "
				       "passthru=1");
		/* fallthrough */
	default:
		return err_set(e, -rc, "io_uring_setup (flags 0x%x): %s", flags, strerror(-rc));
	}
}

int kio_ring_open(struct kio_dev *d, unsigned depth, const struct dma_buf *buf,
		  struct kio_ring **out, struct err *e)
{
	struct kio_ring *r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(e, ENOMEM, "out of memory");
	unsigned flags = ring_flags(&d->o);
	int rc = io_uring_queue_init(depth, &r->ring, flags);
	if (rc) {
		free(r);
		return ring_error(rc, flags, e);
	}
	r->d = d;
	r->depth = depth;
	if (d->o.fixed && buf) {
		struct iovec iov = {.iov_base = buf->va, .iov_len = buf->len};
		rc = io_uring_register_buffers(&r->ring, &iov, 1);
		if (rc) {
			io_uring_queue_exit(&r->ring);
			free(r);
			if (rc == -ENOMEM)
				return err_set(
				    e, ENOMEM,
				    "registering the %zu-byte buffer pins it, and that "
				    "exceeds RLIMIT_MEMLOCK: raise it (ulimit -l) or run "
				    "as root",
				    buf->len);
			if (rc == -EFAULT || rc == -EINVAL)
				return err_set(e, -rc,
					       "io_uring cannot register a %zu-byte buffer (%s): "
					       "one registered buffer holds at most 1 GiB; use a "
					       "smaller buffer or drop fixed=1",
					       buf->len, strerror(-rc));
			return err_set(e, -rc, "IORING_REGISTER_BUFFERS: %s", strerror(-rc));
		}
	}
	*out = r;
	return 0;
}

void kio_ring_close(struct kio_ring *r)
{
	if (!r)
		return;
	/* In-flight I/Os must finish before their buffer can go away. */
	struct kio_done d[16];
	while (r->inflight && kio_reap(r, d, 16, true) > 0)
		;
	io_uring_queue_exit(&r->ring);
	free(r);
}

int kio_rw(struct kio_ring *r, bool write, const struct nvme_ns *ns, uint64_t slba,
	   const struct dma_buf *buf, size_t off, size_t len, void *ctx)
{
	uint64_t nlb = len >> ns->lba_shift;
	if (!len || (len & ((1ull << ns->lba_shift) - 1)) || off + len > buf->len)
		return -EINVAL;
	if (slba >= ns->nlbas || nlb > ns->nlbas - slba)
		return -ERANGE;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	if (!sqe)
		return -EBUSY;
	const struct kio_dev *d = r->d;
	uint64_t lba = ns->lba_base + slba;
	void *va = (char *)buf->va + off;
	if (d->o.passthru) {
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, d->fd, NULL, 0, 0);
		sqe->cmd_op = NVME_URING_CMD_IO;
		struct nvme_uring_cmd *cmd = (struct nvme_uring_cmd *)sqe->cmd;
		memset(cmd, 0, sizeof(*cmd));
		/* NVM command set 3.3: Read 02h, Write 01h; CDW10-11 SLBA,
		 * CDW12 bits 15:0 NLB, zero-based. */
		cmd->opcode = write ? 0x01 : 0x02;
		cmd->nsid = d->ns.nsid;
		cmd->addr = (uint64_t)(uintptr_t)va;
		cmd->data_len = (uint32_t)len;
		cmd->cdw10 = (uint32_t)lba;
		cmd->cdw11 = (uint32_t)(lba >> 32);
		cmd->cdw12 = (uint32_t)(nlb - 1);
		if (d->o.fixed) {
			sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
			sqe->buf_index = 0;
		}
	} else if (d->o.fixed) {
		if (write)
			io_uring_prep_write_fixed(sqe, d->fd, va, (unsigned)len,
						  lba << ns->lba_shift, 0);
		else
			io_uring_prep_read_fixed(sqe, d->fd, va, (unsigned)len,
						 lba << ns->lba_shift, 0);
	} else if (write) {
		io_uring_prep_write(sqe, d->fd, va, (unsigned)len, lba << ns->lba_shift);
	} else {
		io_uring_prep_read(sqe, d->fd, va, (unsigned)len, lba << ns->lba_shift);
	}
	io_uring_sqe_set_data(sqe, ctx);
	int rc = io_uring_submit(&r->ring);
	if (rc < 0)
		return rc;
	r->inflight++;
	return 0;
}

int kio_reap(struct kio_ring *r, struct kio_done *out, unsigned max, bool wait)
{
	struct io_uring_cqe *cqes[32];
	if (max > 32)
		max = 32;
	unsigned n = io_uring_peek_batch_cqe(&r->ring, cqes, max);
	if (!n && wait && r->inflight) {
		/* Blocks until the completion interrupt, or with IOPOLL spins
		 * in the driver's poll queue (io_uring_enter GETEVENTS). */
		struct io_uring_cqe *c;
		int rc;
		do
			rc = io_uring_wait_cqe(&r->ring, &c);
		while (rc == -EINTR);
		if (rc)
			return rc;
		n = io_uring_peek_batch_cqe(&r->ring, cqes, max);
	}
	for (unsigned i = 0; i < n; i++) {
		int res = cqes[i]->res;
		/* Read/write give bytes moved; O_DIRECT inside the device moves
		 * all or fails, so 0 bytes is an error. Passthrough gives 0 or
		 * the NVMe status. */
		if (!r->d->o.passthru)
			res = res > 0 ? 0 : res == 0 ? -EIO : res;
		out[i] = (struct kio_done){.ctx = io_uring_cqe_get_data(cqes[i]), .res = res};
	}
	io_uring_cq_advance(&r->ring, n);
	r->inflight -= n;
	return (int)n;
}

unsigned kio_inflight(const struct kio_ring *r)
{
	return r->inflight;
}

int kio_io_error(const struct kio_ring *r, int res, uint64_t slba, size_t len, struct err *e)
{
	const char *dev = r->d->o.passthru ? r->d->info.ng_path : r->d->info.dev_path;
	if (res > 0)
		/* Completion queue entry DW3 bits 31:17 as the kernel returns
		 * them: SCT in 10:8, SC in 7:0 (NVMe 1.4, 4.6.1). */
		return err_set(e, EIO,
			       "%zu-byte I/O at LBA %llu on %s failed: NVMe status SCT %u SC "
			       "0x%02x",
			       len, (unsigned long long)slba, dev, (res >> 8) & 7, res & 0xff);
	if (res == -ERANGE || res == -EINVAL)
		return err_set(e, -res,
			       "%zu-byte I/O at LBA %llu does not fit %s (%s): check io_size "
			       "against the %u-byte block size and --lba-range",
			       len, (unsigned long long)slba, dev, strerror(-res),
			       1u << r->d->ns.lba_shift);
	return err_set(e, -res, "%zu-byte I/O at LBA %llu on %s failed: %s", len,
		       (unsigned long long)slba, dev, strerror(-res));
}
