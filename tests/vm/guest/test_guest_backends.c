/* The real backends against the NVMe controller QEMU emulates, inside the
 * test guest (tests/vm/README.md). In iommu mode the function is bound to
 * vfio-pci and the vfio and iommufd backends are exercised; in noiommu mode
 * it is driverless and the pagemap backend is. The environment comes from
 * the guest's /init: IOTLB_MODE, IOTLB_BDF; IOTLB_EXPECT_SERIAL and
 * IOTLB_EXPECT_MODEL, when set, are what QEMU was told to report. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/host/pci.h"
#include "driver/backend/real.h"
#include "driver/host/vfio_info.h"
#include "driver/util/array.h"
#include "micro/kinds/case.h"

#define RW (DMA_PROT_READ | DMA_PROT_WRITE)

static const char *mode(void)
{
	const char *m = getenv("IOTLB_MODE");
	return m ? m : "";
}

static const char *bdf(void)
{
	const char *b = getenv("IOTLB_BDF");
	return b ? b : "";
}

/* Skips (saying why) unless the guest booted in mode `want`. */
#define need_mode(want)                                                                            \
	do {                                                                                       \
		if (strcmp(mode(), (want))) {                                                      \
			printf("skip: needs IOTLB_MODE=%s, this boot is '%s'\n", (want), mode());  \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* The backend on the guest's NVMe function; the test fails if it will not
 * open. */
static struct backend *open_on_device(const char *backend)
{
	struct backend *be = NULL;
	struct err e = {0};
	struct backend_cfg cfg = {.device = bdf()};
	assert_ok(backend_open(backend, &cfg, &be, &e), &e);
	return be;
}

struct rig {
	struct backend *be;
	struct nvme_ctrl *c;
	const struct nvme_ns *ns;
	struct nvme_queue *q;
	struct err e;
};

static void rig_open(struct rig *r, const char *backend)
{
	memset(r, 0, sizeof(*r));
	struct backend_cfg cfg = {.device = bdf()};
	assert_ok(backend_open(backend, &cfg, &r->be, &r->e), &r->e);
	assert_ok(nvme_ctrl_open(&r->be->dev, NULL, &r->c, &r->e), &r->e);
	r->ns = nvme_ctrl_ns(r->c, 1);
	assert_non_null(r->ns);
	assert_ok(nvme_ctrl_create_queue(r->c, 16, &r->q, &r->e), &r->e);
}

static void rig_close(struct rig *r)
{
	if (r->q)
		nvme_ctrl_delete_queue(r->c, r->q, &r->e);
	nvme_ctrl_close(r->c);
	backend_close(r->be);
	memset(r, 0, sizeof(*r));
}

static void identify(const char *backend)
{
	struct rig r;
	rig_open(&r, backend);
	const char *serial = getenv("IOTLB_EXPECT_SERIAL");
	const char *model = getenv("IOTLB_EXPECT_MODEL");
	printf("%s: serial '%s' model '%s' firmware '%s' MDTS %u KiB, %u namespace(s)\n", backend,
	       r.c->info.serial, r.c->info.model, r.c->info.firmware, r.c->info.max_xfer >> 10,
	       r.c->nns);
	assert_int_equal(r.c->info.vid, 0x1b36); /* Red Hat, Inc.: QEMU's devices */
	if (serial)
		assert_string_equal(r.c->info.serial, serial);
	else
		assert_true(r.c->info.serial[0] != '\0');
	if (model)
		assert_string_equal(r.c->info.model, model);
	else
		assert_true(r.c->info.model[0] != '\0');
	rig_close(&r);
}

/* Whether `page_size` pages can be had here. No pool of that size, or an
 * empty one, is a boot without it: the part is skipped, saying so. A pool
 * with pages that cannot supply `bytes` fails the test: test-vm.sh boots
 * with 64 x 2 MiB and 2 x 1 GiB pages, so pages missing from it mean an
 * earlier test (or this one) leaked hugetlb memory, and a silent skip would
 * hide that part of the test. */
static bool pages_available(size_t page_size, size_t bytes)
{
	if (page_size == MEM_4K)
		return true;
	uint64_t nfree = 0, total = 0;
	if (mem_hugepool(page_size, &nfree, &total) || total == 0) {
		printf("skip part: %zu KiB pages: no pool of that size in this boot (boot with "
		       "hugepagesz=... hugepages=...)\n",
		       page_size >> 10);
		return false;
	}
	if (nfree * page_size < bytes)
		fail_msg("%zu KiB pages: the pool has %llu of %llu pages free, %zu bytes needed: "
			 "hugetlb memory is held elsewhere (grep Huge /proc/meminfo)",
			 page_size >> 10, (unsigned long long)nfree, (unsigned long long)total,
			 bytes);
	return true;
}

/* Write then read back at several sizes and buffer offsets, with buffers
 * of every page size the guest has pools for. Offsets just before a page
 * end make transfers straddle backing pages (PRP entry 2 or a PRP list). */
static void integrity(const char *backend)
{
	static const size_t page_sizes[] = {MEM_4K, MEM_2M, MEM_1G};
	struct rig r;
	rig_open(&r, backend);
	uint32_t lba = 1u << r.ns->lba_shift;
	size_t max = r.c->info.max_xfer;
	int tried = 0;
	for (size_t p = 0; p < ARRAY_SIZE(page_sizes); p++) {
		size_t ps = page_sizes[p];
		/* Two pages per buffer where a transfer can straddle them. A
		 * guest often gets a single 1 GiB page: the write buffer takes
		 * it and the read buffer is 4 MiB of 4 KiB pages. */
		size_t bytes = ps == MEM_4K ? (4u << 20) : ps == MEM_2M ? 2 * ps : ps;
		size_t rps = ps == MEM_1G ? MEM_4K : ps, rbytes = ps == MEM_1G ? (4u << 20) : bytes;
		if (!pages_available(ps, ps == MEM_1G ? bytes : 2 * bytes))
			continue;
		struct dma_buf wb, rb;
		assert_ok(backend_dma_alloc(r.be, bytes, ps, RW, &wb, &r.e), &r.e);
		assert_ok(backend_dma_alloc(r.be, rbytes, rps, RW, &rb, &r.e), &r.e);
		static const size_t sizes[] = {512, 4096, 8192, 65536, 131072, 1u << 20};
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			size_t len = sizes[s] < lba ? lba : sizes[s];
			if (len > max)
				continue;
			size_t offs[] = {0, ps - lba, ps - 4096 + lba};
			for (size_t o = 0; o < 3; o++) {
				size_t off = offs[o], roff = off % rbytes;
				if (off + len > bytes || roff + len > rbytes)
					continue;
				uint64_t slba = (uint64_t)(s * 3 + o) * (max / lba + 1);
				if (slba + len / lba > r.ns->nlbas)
					slba = 0;
				fill_pattern(wb.va + off, len, ps ^ len ^ off);
				memset(rb.va + roff, 0x5a, len);
				assert_ok(nvme_io_sync(r.q, nvme_cmd_write, r.ns, slba, &wb, off,
						       len, NULL, &r.e),
					  &r.e);
				assert_ok(nvme_io_sync(r.q, nvme_cmd_read, r.ns, slba, &rb, roff,
						       len, NULL, &r.e),
					  &r.e);
				if (memcmp(rb.va + roff, wb.va + off, len))
					fail_msg("%s: data mismatch: %zu KiB pages, %zu bytes at "
						 "offset %zu",
						 backend, ps >> 10, len, off);
				tried++;
			}
		}
		printf("%s: %zu KiB pages: IOVA %#llx, integrity ok\n", backend, ps >> 10,
		       (unsigned long long)dma_addr(&wb, 0));
		backend_dma_free(r.be, &rb);
		backend_dma_free(r.be, &wb);
	}
	assert_true(tried > 0);
	rig_close(&r);
}

/* A status from the real controller reaches the error text the benchmark
 * kinds report (bench_wait): a Read one LBA past the namespace's end, built
 * by hand because nvme_queue_rw refuses it before the device sees it, must
 * come back as LBA Out of Range (NVMe 1.4, Figure 128: SCT 0 SC 0x80). */
static void status_text(const char *backend)
{
	struct rig r;
	rig_open(&r, backend);
	struct dma_buf b;
	assert_ok(backend_dma_alloc(r.be, MEM_4K, MEM_4K, RW, &b, &r.e), &r.e);
	uint64_t slba = r.ns->lba_base + r.ns->nlbas;
	struct nvme_sqe cmd = {.opc = nvme_cmd_read, .nsid = r.ns->nsid};
	cmd.cdw10 = (uint32_t)slba;
	cmd.cdw11 = (uint32_t)(slba >> 32);
	cmd.cdw12 = 0; /* one LBA, 0-based */
	assert_ok(nvme_queue_submit(r.q, &cmd, &b, 0, 1u << r.ns->lba_shift, NULL), &r.e);
	struct nvme_done d;
	int rc = bench_wait(r.q, &d, &r.e);
	printf("%s: read at LBA %llu: %s\n", backend, (unsigned long long)slba, r.e.msg);
	assert_int_equal(rc, -EIO);
	assert_non_null(strstr(r.e.msg, "LBA Out of Range"));
	assert_non_null(strstr(r.e.msg, "SCT 0 SC 0x80"));
	/* The queue still works after the error. */
	assert_ok(
	    nvme_io_sync(r.q, nvme_cmd_read, r.ns, 0, &b, 0, 1u << r.ns->lba_shift, NULL, &r.e),
	    &r.e);
	backend_dma_free(r.be, &b);
	rig_close(&r);
}

/* Map and unmap repeatedly: IOVAs inside the reported ranges, aligned to the
 * page size; mappings are reused after unmap. */
static void map_unmap(const char *backend)
{
	struct backend *be = open_on_device(backend);
	struct err e = {0};
	struct iova_range rg[16];
	unsigned n = backend_iova_ranges(be, rg, 16);
	assert_true(n > 0);
	for (unsigned i = 0; i < n; i++)
		printf("%s: valid IOVA range %#llx-%#llx\n", backend,
		       (unsigned long long)rg[i].start, (unsigned long long)rg[i].last);
	struct dma_buf b;
	assert_ok(backend_mem_alloc(be, 64 << 10, MEM_4K, &b, &e), &e);
	for (int i = 0; i < 200; i++) {
		assert_ok(backend_map(be, &b, RW, &e), &e);
		bool inside = false;
		for (unsigned k = 0; k < n; k++)
			inside |= b.iova >= rg[k].start && b.iova + b.len - 1 <= rg[k].last;
		assert_true(inside);
		assert_int_equal(b.iova % MEM_4K, 0);
		assert_ok(backend_unmap(be, &b, &e), &e);
	}
	/* Unmapping what is not mapped, or mapping twice, is refused: the
	 * buffer carries the one mapping the backend knows of. */
	assert_int_equal(backend_unmap(be, &b, &e), -EINVAL);
	assert_ok(backend_map(be, &b, RW, &e), &e);
	assert_int_equal(backend_map(be, &b, RW, &e), -EBUSY);
	printf("%s: map twice: %s\n", backend, e.msg);
	uint64_t live = UINT64_MAX;
	assert_true(backend_live_mappings(be, &live));
	assert_int_equal(live, 1);
	/* A mapping left live is undone by close. */
	backend_close(be);
	mem_free(&b);
}

/* An IOVA in the hole between two ranges, or past the last, is refused. */
static void outside_ranges(const char *backend)
{
	struct backend *be = open_on_device(backend);
	struct err e = {0};
	struct iova_range rg[16];
	unsigned n = backend_iova_ranges(be, rg, 16);
	assert_true(n > 0);
	struct dma_buf b;
	assert_ok(backend_mem_alloc(be, MEM_4K, MEM_4K, &b, &e), &e);
	if (n > 1) {
		int rc = backend_map_at(be, &b, rg[0].last + 1, RW, &e);
		printf("%s: map at %#llx (hole): %s\n", backend,
		       (unsigned long long)(rg[0].last + 1), e.msg);
		assert_int_equal(rc, -ERANGE);
	}
	if (rg[n - 1].last < UINT64_MAX - MEM_4K) {
		int rc = backend_map_at(be, &b, (rg[n - 1].last + 1) & ~(MEM_4K - 1), RW, &e);
		printf("%s: map past the last range: %s\n", backend, e.msg);
		assert_int_equal(rc, -ERANGE);
	}
	/* The user VA as IOVA: beyond a 39-bit IOMMU. */
	uint64_t va = (uint64_t)(uintptr_t)b.va;
	if (va > rg[n - 1].last) {
		assert_int_equal(backend_map_at(be, &b, va, RW, &e), -ERANGE);
	}
	/* Inside a range it works, and unmaps. */
	assert_ok(backend_map_at(be, &b, rg[n - 1].start + (1ull << 30), RW, &e), &e);
	assert_ok(backend_unmap(be, &b, &e), &e);
	mem_free(&b);
	backend_close(be);
}

/* Fill every mapping slot the type1 driver allows (dma_entry_limit): the
 * next map must fail with the message naming the module parameter. One
 * 4 KiB buffer is mapped again and again at fresh IOVAs. iommufd has no
 * counterpart to test: it keeps no per-container mapping count, and the
 * RLIMIT_MEMLOCK accounting of its pins does not bind the guest's tests,
 * which run as root (the message for that limit is checked on the host,
 * test_backend_errors memlock_too_low). */
static void vfio_dma_avail(void **s)
{
	(void)s;
	need_mode("iommu");
	struct backend *be = open_on_device("vfio");
	struct err e = {0};
	long avail = backend_vfio_dma_avail(be);
	if (avail < 0 || avail > 200000) {
		backend_close(be);
		printf("skip: the type1 driver reports no usable DMA_AVAIL (%ld)\n", avail);
		skip();
	}
	printf("vfio: dma_avail %ld\n", avail);
	struct dma_buf b;
	assert_ok(backend_mem_alloc(be, MEM_4K, MEM_4K, &b, &e), &e);
	struct dma_buf *copies = calloc((size_t)avail + 1, sizeof(*copies));
	assert_non_null(copies);
	long mapped = 0;
	int rc = 0;
	for (; mapped <= avail; mapped++) {
		copies[mapped] = b;
		rc = backend_map(be, &copies[mapped], RW, &e);
		if (rc)
			break;
	}
	printf("vfio: %ld mappings made, then: %s\n", mapped, rc ? e.msg : "(no error)");
	assert_int_equal(mapped, avail);
	assert_int_equal(rc, -ENOSPC);
	assert_non_null(strstr(e.msg, "vfio_iommu_type1.dma_entry_limit"));
	for (long i = 0; i < mapped; i++)
		assert_ok(backend_unmap(be, &copies[i], &e), &e);
	assert_int_equal(backend_vfio_dma_avail(be), avail);
	free(copies);
	mem_free(&b);
	backend_close(be);
}

/* The mappings the type1 driver holds now, from the kernel: dma_avail
 * counts down from dma_entry_limit with every live mapping. */
static long kernel_dma_avail(struct backend *be)
{
	struct vfio_iommu_caps caps;
	struct err e = {0};
	uint32_t ioas;
	assert_ok(vfio_info_query(backend_dma_fd(be, &ioas), &caps, &e), &e);
	return caps.has_dma_avail ? (long)caps.dma_avail : -1;
}

/* Close's path for kernels without VFIO_UNMAP_ALL (< 5.12), run here on a
 * kernel that has the one-call path: mappings of several sizes, in the first
 * and the last valid range, must all be gone after each range is unmapped
 * whole, as the kernel's own count says. */
static void vfio_unmap_by_ranges(void **s)
{
	(void)s;
	need_mode("iommu");
	struct backend *be = open_on_device("vfio");
	struct err e = {0};
	long before = kernel_dma_avail(be);
	if (before < 0) {
		backend_close(be);
		printf("skip: the type1 driver reports no DMA_AVAIL to count mappings with\n");
		skip();
	}
	struct iova_range rg[16];
	unsigned n = backend_iova_ranges(be, rg, 16);
	assert_true(n > 0);
	struct dma_buf b[4];
	assert_ok(backend_mem_alloc(be, MEM_4K, MEM_4K, &b[0], &e), &e);
	assert_ok(backend_mem_alloc(be, 64 << 10, MEM_4K, &b[1], &e), &e);
	assert_ok(backend_mem_alloc(be, MEM_2M, MEM_2M, &b[2], &e), &e);
	assert_ok(backend_mem_alloc(be, MEM_4K, MEM_4K, &b[3], &e), &e);
	for (int i = 0; i < 3; i++)
		assert_ok(backend_map(be, &b[i], RW, &e), &e);
	assert_ok(backend_map_at(be, &b[3], rg[n - 1].start + (1ull << 30), RW, &e), &e);
	assert_int_equal(kernel_dma_avail(be), before - 4);
	assert_ok(backend_vfio_unmap_by_ranges(be, &e), &e);
	printf("vfio: dma_avail %ld, with 4 mappings %ld, after unmapping %u range(s) %ld\n",
	       before, before - 4, n, kernel_dma_avail(be));
	assert_int_equal(kernel_dma_avail(be), before);
	uint64_t live = UINT64_MAX;
	assert_true(backend_live_mappings(be, &live));
	assert_int_equal(live, 0);
	for (int i = 0; i < 4; i++)
		mem_free(&b[i]);
	backend_close(be);
}

/* A PCI function other than the NVMe one, not bound to vfio-pci. */
static int other_function(char *out, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	if (!d)
		return -1;
	struct dirent *de;
	int rc = -1;
	while ((de = readdir(d))) {
		struct pci_addr a;
		char drv[64];
		if (pci_addr_parse(de->d_name, &a, NULL) || !strcmp(a.str, bdf()) ||
		    pci_dev_driver(&a, drv, sizeof(drv)) || !strcmp(drv, "vfio-pci"))
			continue;
		snprintf(out, len, "%s", a.str);
		rc = 0;
		break;
	}
	closedir(d);
	return rc;
}

static void not_vfio_bound(void **s)
{
	(void)s;
	need_mode("iommu");
	char other[32];
	if (other_function(other, sizeof(other))) {
		printf("skip: no other PCI function in this guest\n");
		skip();
	}
	struct backend *be;
	struct err e = {0};
	struct backend_cfg cfg = {.device = other};
	assert_true(backend_open("vfio", &cfg, &be, &e) < 0);
	printf("vfio on %s: %s\n", other, e.msg);
	assert_non_null(strstr(e.msg, "not vfio-pci"));
	assert_non_null(strstr(e.msg, "driver_override"));
	assert_true(backend_open("iommufd", &cfg, &be, &e) < 0);
	assert_non_null(strstr(e.msg, "not vfio-pci"));
	/* And pagemap refuses the vfio-pci-bound NVMe function. */
	cfg.device = bdf();
	assert_true(backend_open("pagemap", &cfg, &be, &e) < 0);
	printf("pagemap on %s: %s\n", bdf(), e.msg);
	assert_non_null(strstr(e.msg, "bound to vfio-pci"));
}

static void pagemap_no_vfio(void **s)
{
	(void)s;
	need_mode("noiommu");
	struct backend *be;
	struct err e = {0};
	struct backend_cfg cfg = {.device = bdf()};
	assert_true(backend_open("vfio", &cfg, &be, &e) < 0);
	printf("vfio without IOMMU: %s\n", e.msg);
	assert_non_null(strstr(e.msg, "no IOMMU group"));
}

/* One test body run for one backend in one boot mode, with the iommufd IOVA
 * mode given through IOTLB_IOMMUFD_IOVA (NULL: the default, kernel). */
struct gcase {
	const char *backend, *mode, *iova;
	void (*body)(const char *backend);
};

static void run_case(void **s)
{
	const struct gcase *c = *s;
	need_mode(c->mode);
	if (c->iova)
		setenv("IOTLB_IOMMUFD_IOVA", c->iova, 1);
	else
		unsetenv("IOTLB_IOMMUFD_IOVA");
	c->body(c->backend);
	unsetenv("IOTLB_IOMMUFD_IOVA");
}

#define GCASE(name, be, md, iova, body)                                                            \
	{                                                                                          \
		name, run_case, NULL, NULL, &(struct gcase)                                        \
		{                                                                                  \
			be, md, iova, body                                                         \
		}                                                                                  \
	}

int main(void)
{
	printf("guest backends: mode '%s', device '%s'\n", mode(), bdf());
	const struct CMUnitTest t[] = {
	    GCASE("vfio_identify", "vfio", "iommu", NULL, identify),
	    GCASE("vfio_integrity", "vfio", "iommu", NULL, integrity),
	    GCASE("vfio_map_unmap", "vfio", "iommu", NULL, map_unmap),
	    GCASE("vfio_status_text", "vfio", "iommu", NULL, status_text),
	    GCASE("vfio_outside_ranges", "vfio", "iommu", NULL, outside_ranges),
	    cmocka_unit_test(vfio_dma_avail),
	    cmocka_unit_test(vfio_unmap_by_ranges),
	    GCASE("iommufd_identify", "iommufd", "iommu", NULL, identify),
	    GCASE("iommufd_integrity", "iommufd", "iommu", NULL, integrity),
	    GCASE("iommufd_integrity_fixed", "iommufd", "iommu", "fixed", integrity),
	    GCASE("iommufd_map_unmap", "iommufd", "iommu", NULL, map_unmap),
	    GCASE("iommufd_status_text", "iommufd", "iommu", NULL, status_text),
	    GCASE("iommufd_map_unmap_fixed", "iommufd", "iommu", "fixed", map_unmap),
	    GCASE("iommufd_outside_ranges", "iommufd", "iommu", NULL, outside_ranges),
	    cmocka_unit_test(not_vfio_bound),
	    GCASE("pagemap_identify", "pagemap", "noiommu", NULL, identify),
	    GCASE("pagemap_integrity", "pagemap", "noiommu", NULL, integrity),
	    GCASE("pagemap_status_text", "pagemap", "noiommu", NULL, status_text),
	    cmocka_unit_test(pagemap_no_vfio),
	};
	return cmocka_run_group_tests_name("guest_backends", t, NULL, NULL);
}
