/* The kernel backend's bad input: each precondition that does not hold
 * (no such block device, poll queues asked for but absent, passthrough
 * without the char device, io_uring unavailable or disabled, a device
 * holding data, a kind that cannot run on the kernel's path) fails before
 * any I/O with a message that names the fix. Probing runs on fixture trees;
 * io_uring's absence is made real with a seccomp filter in a child; the
 * I/O itself runs on a loop device where the host has one (root). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "driver/backend/kernel.h"
#include "driver/host/blockdev.h"
#include "driver/kio/kio.h"
#include "micro/kinds/kind.h"
#include "micro/run/limits.h"
#include "micro/run/safety.h"
#include "micro/run/suite.h"
#include "tests/unit/sysfs_fixture.h"

#define assert_msg(e, needle)                                                                      \
	do {                                                                                       \
		if (!strstr((e)->msg, (needle)))                                                   \
			fail_msg("message lacks '%s': %s", (needle), (e)->msg);                    \
	} while (0)

/* An NVMe namespace as sysfs shows it: 4 KiB blocks, 1 GiB, nsid 1, behind
 * PCI function 0000:00:03.0. */
static void fx_nvme_ns(struct fx *f, const char *io_poll)
{
	fx_file(f, "/sys/block/nvme0n1/queue/logical_block_size", "4096\n");
	fx_file(f, "/sys/block/nvme0n1/size", "2097152\n");
	fx_file(f, "/sys/block/nvme0n1/queue/max_hw_sectors_kb", "512\n");
	fx_file(f, "/sys/block/nvme0n1/queue/io_poll", io_poll);
	fx_file(f, "/sys/block/nvme0n1/nsid", "1\n");
	fx_file(f, "/sys/block/nvme0n1/device/model", "QEMU NVMe Ctrl                          \n");
	fx_file(f, "/sys/block/nvme0n1/device/serial", "iotlb0001           \n");
	fx_file(f, "/sys/block/nvme0n1/device/firmware_rev", "9.1.0   \n");
	fx_link(f, "/sys/block/nvme0n1/device/device", "../../../0000:00:03.0");
}

static void probe_reads_sysfs(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	fx_nvme_ns(&f, "1\n");
	struct blockdev_info bd;
	struct err e = {0};
	assert_int_equal(blockdev_probe("/dev/nvme0n1", &bd, &e), 0);
	assert_int_equal(bd.lba_shift, 12);
	assert_int_equal(bd.nlbas, (1ull << 30) >> 12);
	assert_int_equal(bd.nsid, 1);
	assert_int_equal(bd.max_xfer, 512 << 10);
	assert_true(bd.io_poll && bd.nvme);
	assert_string_equal(bd.ng_path, "/dev/ng0n1");
	assert_string_equal(bd.bdf, "0000:00:03.0");
	assert_string_equal(bd.model, "QEMU NVMe Ctrl");
	assert_string_equal(bd.serial, "iotlb0001");
	/* The bare name means the same device. */
	assert_int_equal(blockdev_probe("nvme0n1", &bd, &e), 0);
	assert_string_equal(bd.dev_path, "/dev/nvme0n1");
	fx_fini(&f);
}

static void no_such_device(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct backend_cfg cfg = {.device = "/dev/nvme7n1"};
	struct backend *b = NULL;
	struct err e = {0};
	assert_int_equal(backend_open("kernel", &cfg, &b, &e), -ENODEV);
	assert_msg(&e, "no such block device");
	assert_msg(&e, "iotlbench devices");
	cfg.device = NULL;
	assert_int_equal(backend_open("kernel", &cfg, &b, &e), -EINVAL);
	assert_msg(&e, "--device /dev/nvme0n1");
	fx_fini(&f);
}

/* kio_dev_open refusals: each names the cause and the fix. */
struct refusal {
	const char *dev, *opts;
	int nvme;	   /* the nvme0n1 fixture (io_poll 0) is present */
	const char *loop3; /* else a plain loop device of this size */
	int err;
	const char *needle[2];
};

static const struct refusal refusals[] = {
    /* poll=1 where the driver has no poll queues. */
    {"/dev/nvme0n1",
     "poll=1",
     1,
     NULL,
     -EOPNOTSUPP,
     {"/sys/block/nvme0n1/queue/io_poll is 0", "nvme.poll_queues="}},
    /* passthru=1 without the generic char device. */
    {"nvme0n1", "passthru=1", 1, NULL, -ENODEV, {"no /dev/ng0n1", NULL}},
    /* Not NVMe at all: no namespace ID, no char device to name. */
    {"loop3", "passthru=1", 0, "2048\n", -EOPNOTSUPP, {"not an NVMe namespace", NULL}},
    /* An unknown option lists the known ones. */
    {"loop3", "pol=1", 0, "2048\n", -EINVAL, {"fixed, poll, passthru", NULL}},
};

static void kio_refusals(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		struct fx f;
		fx_init(&f);
		if (r->nvme)
			fx_nvme_ns(&f, "0\n");
		if (r->loop3) {
			fx_file(&f, "/sys/block/loop3/queue/logical_block_size", "512\n");
			fx_file(&f, "/sys/block/loop3/size", r->loop3);
		}
		struct kio_dev d;
		struct err e = {0};
		assert_int_equal(kio_dev_open(r->dev, r->opts, &d, &e), r->err);
		for (unsigned k = 0; k < 2 && r->needle[k]; k++)
			assert_msg(&e, r->needle[k]);
		kio_dev_close(&d);
		fx_fini(&f);
	}
}

static void empty_device(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	fx_file(&f, "/sys/block/loop5/queue/logical_block_size", "512\n");
	fx_file(&f, "/sys/block/loop5/size", "0\n");
	struct blockdev_info bd;
	struct err e = {0};
	assert_int_equal(blockdev_probe("loop5", &bd, &e), -ENODEV);
	assert_msg(&e, "losetup");
	fx_fini(&f);
}

static void count_dev(const struct blockdev_info *bd, void *arg)
{
	assert_string_equal(bd->name, "nvme0n1");
	(*(unsigned *)arg)++;
}

/* `devices` lists disks with a capacity; an empty loop device is left out. */
static void each_lists_usable(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	fx_nvme_ns(&f, "0\n");
	fx_file(&f, "/sys/block/loop5/queue/logical_block_size", "512\n");
	fx_file(&f, "/sys/block/loop5/size", "0\n");
	unsigned seen = 0;
	assert_int_equal(blockdev_each(count_dev, &seen), 1);
	assert_int_equal(seen, 1);
	fx_fini(&f);
}

/* In a child: io_uring_setup(2) answers `err` (as a kernel without
 * CONFIG_IO_URING, or with kernel.io_uring_disabled = 2, does), then a ring
 * is opened and its message checked for `needle`. Exit 0 when it matched. */
static int ring_refused(int err, const char *needle)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_filter prog[] = {
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog fp = {.len = 4, .filter = prog};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp))
			_exit(3);
		struct kio_dev d = {.fd = -1};
		struct kio_ring *r = NULL;
		struct err e = {0};
		int rc = kio_ring_open(&d, 4, NULL, &r, &e);
		if (rc != -err) {
			fprintf(stderr, "kio_ring_open returned %d, wanted %d: %s\n", rc, -err,
				e.msg);
			_exit(1);
		}
		if (!strstr(e.msg, needle)) {
			fprintf(stderr, "message lacks '%s': %s\n", needle, e.msg);
			_exit(2);
		}
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void io_uring_unavailable(void **state)
{
	(void)state;
	assert_int_equal(ring_refused(ENOSYS, "CONFIG_IO_URING"), 0);
	assert_int_equal(ring_refused(EPERM, "kernel.io_uring_disabled=0"), 0);
}

/* The data guard on a block device: a file system found by libblkid stops
 * a writing run and names --force-destroy-data; zeroes pass. A regular
 * file stands in for the device (libblkid reads both alike). */
static void data_guard(void **state)
{
	(void)state;
	char path[] = "/tmp/iotlb-kguard-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8 << 20), 0);
	close(fd);
	struct err e = {0};
	assert_int_equal(safety_check_blockdev(path, &e), 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1", path);
	if (system(cmd) != 0) {
		unlink(path);
		printf("skip: mkfs.ext4 is missing (e2fsprogs, scripts/deps.sh installs it)\n");
		skip();
	}
	assert_int_equal(safety_check_blockdev(path, &e), -EEXIST);
	assert_msg(&e, "ext4");
	assert_msg(&e, "--force-destroy-data");
	unlink(path);
}

/* map, count and churn refuse the kernel backend before the first case,
 * saying why; latency and reuse pass. */
static void kinds_refused(void **state)
{
	(void)state;
	struct kio_dev d = {.ns = {.nsid = 1, .lba_shift = 9, .nlbas = 1 << 20}};
	static const char *const refused[] = {"map", "count", "churn"};
	for (unsigned i = 0; i < 3; i++) {
		/* The shipped suites give every key these kinds require. */
		char path[64];
		snprintf(path, sizeof(path), "micro/suites/%s.suite", refused[i]);
		struct suite s;
		struct err e = {0};
		if (suite_load_kinds(path, NULL, NULL, NULL, 0, &s, &e))
			fail_msg("%s", e.msg);
		assert_int_equal(limits_check_kernel(&s, &d, &e), -EOPNOTSUPP);
		assert_msg(&e, "cannot run on the kernel backend");
		assert_msg(&e, "DMA API");
		suite_free(&s);
	}
	struct suite s;
	struct err e = {0};
	assert_int_equal(
	    suite_load_kinds("t.suite", "[latency]\n[reuse]\npages = 4\n", NULL, NULL, 0, &s, &e),
	    0);
	assert_int_equal(limits_check_kernel(&s, &d, &e), 0);
	suite_free(&s);
	/* io_size must be a multiple of the device's block size. */
	d.ns.lba_shift = 12;
	assert_int_equal(suite_load_kinds("t.suite", "[reuse]\npages = 4\nio_size = 512\n", NULL,
					  NULL, 0, &s, &e),
			 0);
	assert_int_equal(limits_check_kernel(&s, &d, &e), -EINVAL);
	assert_msg(&e, "io_size=4096");
	suite_free(&s);
}

/* I/O through io_uring on a loop device over a file: what a read returns
 * is what the file holds at that LBA, with and without a registered
 * buffer; writes land in the file. Needs root (losetup). */
static void loop_io(void **state)
{
	(void)state;
	if (geteuid() != 0 || access("/dev/loop-control", F_OK) != 0) {
		printf("skip: needs root and /dev/loop-control to attach a loop device\n");
		skip();
	}
	char path[] = "/tmp/iotlb-kloop-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	uint8_t blk[4096];
	for (unsigned lba = 0; lba < 256; lba++) {
		memset(blk, (int)(lba * 7 + 1), sizeof(blk));
		assert_int_equal(pwrite(fd, blk, sizeof(blk), (off_t)lba * 4096), 4096);
	}
	close(fd);
	char cmd[160], dev[64] = "";
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(dev, sizeof(dev), p) || strncmp(dev, "/dev/loop", 9)) {
		if (p)
			pclose(p);
		unlink(path);
		printf("skip: losetup could not attach a loop device here\n");
		skip();
	}
	pclose(p);
	dev[strcspn(dev, "\n")] = '\0';
	int failed = 0;
	for (int fixed = 0; fixed <= 1 && !failed; fixed++) {
		struct kio_dev d;
		struct err e = {0};
		char opts[32];
		snprintf(opts, sizeof(opts), "fixed=%d", fixed);
		struct dma_buf b = {0};
		if (kio_dev_open(dev, opts, &d, &e) || mem_alloc(64 << 10, MEM_4K, &b, &e)) {
			print_error("%s: %s\n", dev, e.msg);
			failed = 1;
			kio_dev_close(&d);
			break;
		}
		struct kio_ring *r = NULL;
		/* The loop device's blocks are 512 bytes: LBA 8k is file block k. */
		if (kio_ring_open(&d, 4, &b, &r, &e)) {
			print_error("%s\n", e.msg);
			failed = 1;
		}
		for (unsigned k = 0; r && !failed && k < 16; k++) {
			unsigned blkno = (k * 37) % 256;
			struct kio_done done;
			memset(b.va + k * 4096, 0, 4096);
			if (kio_rw(r, false, &d.ns, (uint64_t)blkno * 8, &b, k * 4096, 4096,
				   NULL) ||
			    kio_reap(r, &done, 1, true) != 1 || done.res) {
				print_error("read of block %u failed\n", blkno);
				failed = 1;
			} else if (b.va[k * 4096] != (uint8_t)(blkno * 7 + 1) ||
				   b.va[k * 4096 + 4095] != (uint8_t)(blkno * 7 + 1)) {
				print_error("block %u read back 0x%02x\n", blkno, b.va[k * 4096]);
				failed = 1;
			}
		}
		/* A write, then the file holds it. */
		memset(b.va, 0xa5, 4096);
		struct kio_done done;
		if (r && !failed &&
		    (kio_rw(r, true, &d.ns, 8 * 200, &b, 0, 4096, NULL) ||
		     kio_reap(r, &done, 1, true) != 1 || done.res))
			failed = 1;
		/* Past the end: refused before submission. */
		if (r && !failed &&
		    kio_rw(r, false, &d.ns, d.ns.nlbas, &b, 0, 4096, NULL) != -ERANGE)
			failed = 1;
		kio_ring_close(r);
		mem_free(&b);
		kio_dev_close(&d);
	}
	snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
	if (system(cmd) != 0)
		print_error("could not detach %s\n", dev);
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, blk, 4096, 200 * 4096), 4096);
	close(fd);
	unlink(path);
	assert_int_equal(failed, 0);
	assert_int_equal(blk[0], 0xa5);
	assert_int_equal(blk[4095], 0xa5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(probe_reads_sysfs), cmocka_unit_test(no_such_device),
	    cmocka_unit_test(kio_refusals),	 cmocka_unit_test(empty_device),
	    cmocka_unit_test(each_lists_usable), cmocka_unit_test(io_uring_unavailable),
	    cmocka_unit_test(data_guard),	 cmocka_unit_test(kinds_refused),
	    cmocka_unit_test(loop_io),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
