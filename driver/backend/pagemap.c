/* The `pagemap` backend: no IOMMU in the path. The device gets physical
 * addresses, read from /proc/self/pagemap for pinned (mlock) memory; its
 * registers are BAR0 mmapped from sysfs resource0 (Documentation/PCI/
 * sysfs-pci.rst), and bus mastering is switched through the sysfs config
 * file. Only safe with the kernel driver unbound and the IOMMU off or in
 * passthrough: the device can then reach all of memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/util/hostfs.h"
#include "driver/host/pci_cfg.h"
#include "driver/host/precheck.h"
#include "driver/backend/real_internal.h"

struct pagemap_backend {
	struct real_common c;
	int cfg_fd, bar_fd;
	int pagemap_fd; /* /proc/self/pagemap, open for the backend's life */
	void *bar;
	size_t bar_len;
	bool master_on;
};

static struct pagemap_backend *to_pagemap(struct backend *b)
{
	return BACKEND_DOWNCAST(b, struct pagemap_backend, c.b, &backend_pagemap_ops);
}

static void pagemap_close(struct backend *b)
{
	struct pagemap_backend *pb = to_pagemap(b);
	/* Bus mastering off first: after that the device cannot touch
	 * memory, whatever its queues still point at. */
	if (pb->master_on)
		pci_cfg_disable_master(pb->cfg_fd, 0, NULL);
	if (pb->bar)
		munmap(pb->bar, pb->bar_len);
	if (pb->bar_fd >= 0)
		close(pb->bar_fd);
	if (pb->cfg_fd >= 0)
		close(pb->cfg_fd);
	if (pb->pagemap_fd >= 0)
		close(pb->pagemap_fd);
	free(pb);
}

/* One locked page read back through pagemap: catches a kernel that hides
 * PFNs before any device is touched. */
static int check_pfns(struct err *e)
{
	struct dma_buf probe;
	uint64_t pa;
	int rc = mem_alloc_kind(MEM_4K, MEM_4K, MEM_KIND_ANON, &probe, e);
	if (rc)
		return rc;
	rc = mem_lock(probe.va, probe.len, e);
	if (!rc)
		rc = mem_phys_pages(&probe, &pa, e);
	mem_free(&probe);
	return rc;
}

static int open_files(struct pagemap_backend *pb, struct err *e)
{
	char p[128];
	const char *bdf = pb->c.addr.str;
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/config", bdf);
	pb->cfg_fd = hostfs_open(p, O_RDWR);
	if (pb->cfg_fd < 0)
		return err_set(e, -pb->cfg_fd, "cannot open %s for writing: %s (needs root)", p,
			       strerror(-pb->cfg_fd));
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/resource0", bdf);
	/* O_SYNC keeps the mapping uncached, as the BAR is not prefetchable. */
	pb->bar_fd = hostfs_open(p, O_RDWR | O_SYNC);
	if (pb->bar_fd < 0)
		return err_set(e, -pb->bar_fd, "cannot open %s: %s", p, strerror(-pb->bar_fd));
	struct stat st;
	if (fstat(pb->bar_fd, &st) || st.st_size < 0x1008)
		return err_set(e, ENODEV, "%s is %lld bytes: too small for NVMe registers", p,
			       (long long)st.st_size);
	pb->bar_len = (size_t)st.st_size;
	pb->bar = mmap(NULL, pb->bar_len, PROT_READ | PROT_WRITE, MAP_SHARED, pb->bar_fd, 0);
	if (pb->bar == MAP_FAILED) {
		pb->bar = NULL;
		return err_set(e, errno,
			       "mmap of %s failed: %s (a kernel with CONFIG_IO_STRICT_DEVMEM "
			       "refuses while a driver holds the BAR)",
			       p, strerror(errno));
	}
	uint16_t old;
	int rc = pci_cfg_enable_master(pb->cfg_fd, 0, &old, e);
	if (!rc)
		pb->master_on = true;
	return rc;
}

static int pagemap_open(const struct backend_cfg *cfg, struct backend **out, struct err *e)
{
	struct pci_addr a;
	int rc = precheck_device(cfg ? cfg->device : NULL, &a, e);
	if (!rc)
		rc = precheck_pagemap(&a, e);
	if (!rc)
		rc = check_pfns(e);
	if (rc)
		return rc;
	struct pagemap_backend *pb = calloc(1, sizeof(*pb));
	if (!pb)
		return err_set(e, ENOMEM, "out of memory");
	real_common_init(&pb->c, &backend_pagemap_ops, &a);
	pb->cfg_fd = pb->bar_fd = -1;
	pb->pagemap_fd = mem_pagemap_open(e);
	rc = pb->pagemap_fd < 0 ? pb->pagemap_fd : open_files(pb, e);
	if (rc) {
		pagemap_close(&pb->c.b);
		return rc;
	}
	pb->c.tr.regs = pb->bar;
	pb->c.tr.regs_len = pb->bar_len;
	*out = &pb->c.b;
	return 0;
}

static int pagemap_mem_alloc(struct backend *b, size_t len, size_t page_size, struct dma_buf *buf,
			     struct err *e)
{
	int rc = real_mem_alloc(b, len, page_size, buf, e);
	if (rc)
		return rc;
	/* Locked pages stay resident at the same physical address (the
	 * kernel does not migrate mlocked pages unless compaction is told to;
	 * hugetlb pages are never migrated under a mapping). */
	rc = mem_lock(buf->va, buf->len, e);
	if (rc) {
		mem_free(buf);
		return rc;
	}
	buf->locked = true;
	return 0;
}

static void pagemap_mem_free(struct backend *b, struct dma_buf *buf)
{
	(void)b;
	if (buf->va)
		mem_unlock(buf->va, buf->len);
	buf->locked = false;
	mem_free(buf);
}

static int pagemap_map(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e)
{
	struct pagemap_backend *pb = to_pagemap(b);
	/* Every backing page the buffer touches: a map may cover less than one
	 * (4 KiB of a 2 MiB page), and still needs that page's address. */
	size_t n = (buf->len + buf->page_size - 1) / buf->page_size;
	int bad = real_check_unmapped(buf, e);
	if (bad)
		return bad;
	uint64_t *pages = calloc(n, sizeof(*pages));
	if (!pages)
		return err_set(e, ENOMEM, "out of memory for %zu page addresses", n);
	/* Pin first: only a resident, locked page has a physical address that
	 * stays put while the device uses it (mem_lock faults the range in;
	 * a buffer the caller built itself, like the count kind's
	 * MAP_NORESERVE views, may never have been touched). A buffer from
	 * pagemap_mem_alloc is locked already: locking again would be a
	 * system call that takes mmap_lock for writing and walks every page
	 * (__mm_populate) on each map, for nothing. */
	int rc = buf->locked ? 0 : mem_lock(buf->va, buf->len, e);
	if (!rc)
		rc = mem_phys_pages_fd(pb->pagemap_fd, buf, pages, e);
	if (rc) {
		free(pages);
		return rc;
	}
	/* No IOMMU means no protection: prot is recorded, not enforced. The
	 * buffer carries the mapping (pages, owner); the backend only counts. */
	real_count_add(&pb->c);
	buf->pages = pages;
	buf->iova = pages[0];
	buf->prot = prot;
	buf->map_priv = pb;
	return 0;
}

static int pagemap_unmap(struct backend *b, struct dma_buf *buf, struct err *e)
{
	struct pagemap_backend *pb = to_pagemap(b);
	int bad = real_check_mapped_by(buf, pb, e);
	if (bad)
		return bad;
	real_count_sub(&pb->c);
	free(buf->pages);
	buf->pages = NULL;
	buf->map_priv = NULL;
	buf->iova = 0;
	return 0;
}

/* Physical addresses are read once per map: memory must stay where it is. */
static int pagemap_set_mem_kind(struct backend *b, enum mem_kind kind, struct err *e)
{
	if (kind == MEM_KIND_THP)
		return err_set(e, EINVAL,
			       "pagemap needs physically contiguous pages and a transparent "
			       "hugepage may be split at any time: use hugetlb or memfd");
	return real_set_mem_kind(b, kind, e);
}

const struct backend_ops backend_pagemap_ops = {
    .name = "pagemap",
    .summary = "real NVMe controller without an IOMMU: sysfs BAR0, physical addresses from "
	       "/proc/self/pagemap",
    .open = pagemap_open,
    .close = pagemap_close,
    .mem_alloc = pagemap_mem_alloc,
    .mem_free = pagemap_mem_free,
    .map = pagemap_map,
    .unmap = pagemap_unmap,
    .live_mappings = real_live_mappings,
    .set_mem_kind = pagemap_set_mem_kind,
    .no_iommu_huge = "no IOMMU translates its DMA: the device is given physical addresses",
    .host_dma = true,
};
