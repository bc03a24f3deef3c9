/* Backing memory for DMA buffers. The page size is a benchmark parameter
 * because it decides how many IOTLB entries a buffer needs; the kind decides
 * where the pages come from:
 *   anon     anonymous 4 KiB pages
 *   thp      anonymous memory, 2 MiB-aligned, madvise(MADV_HUGEPAGE): the
 *            kernel backs it with transparent hugepages when it can
 *   hugetlb  MAP_HUGETLB with MAP_HUGE_2MB / MAP_HUGE_1GB from the
 *            preallocated pools (Documentation/admin-guide/mm/hugetlbpage.rst)
 *   memfd    memfd_create(2), with MFD_HUGETLB for 2 MiB / 1 GiB pages: a
 *            file-backed buffer, as a VMM shares guest memory
 *   sparse   anonymous MAP_NORESERVE memory aligned to the page size and
 *            never populated: a "2 MiB page" is 512 unrelated 4 KiB frames
 *            that appear on first touch. Only for the emulated controller,
 *            whose IOMMU model maps it with page_size leaves by virtual
 *            address: a reuse sweep that touches the first bytes of 64 1 GiB
 *            pages costs 64 x 4 KiB of RAM and no hugepage pool. A real
 *            device needs each IOMMU page physically contiguous. */
#ifndef IOTLB_MEM_H
#define IOTLB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "driver/dma.h"
#include "driver/util/err.h"

#define MEM_4K (4096ul)
#define MEM_2M (2ul << 20)
#define MEM_1G (1ul << 30)

enum mem_kind {
	MEM_KIND_DEFAULT = 0, /* anon for 4 KiB, hugetlb for 2 MiB and 1 GiB */
	MEM_KIND_ANON,
	MEM_KIND_THP,
	MEM_KIND_HUGETLB,
	MEM_KIND_MEMFD,
	MEM_KIND_SPARSE,
};

/* Allocates `len` bytes (rounded up to page_size) of zeroed, page-aligned,
 * populated memory of the default kind and fills buf->va/len/page_size/
 * page_shift. */
int mem_alloc(size_t len, size_t page_size, struct dma_buf *buf, struct err *e);
/* The same with the kind chosen by the caller. */
int mem_alloc_kind(size_t len, size_t page_size, enum mem_kind kind, struct dma_buf *buf,
		   struct err *e);
void mem_free(struct dma_buf *buf);

const char *mem_kind_name(enum mem_kind kind);
/* Whether `kind` comes in pages of page_size (anon: 4 KiB only, thp: 2 MiB
 * only, hugetlb: 2 MiB or 1 GiB; default and memfd: any). */
int mem_kind_check(enum mem_kind kind, size_t page_size, struct err *e);
/* `kind` where it can give pages of `page_size`, else MEM_KIND_DEFAULT (the
 * default kind of that size): the suite's `backing` names the memory of the
 * data buffers, which the suite checks against their page size, while the
 * driver's own 4 KiB structures (queue rings, PRP lists) come through the
 * same allocator and hugetlb or THP memory has no 4 KiB pages. */
enum mem_kind mem_kind_for(enum mem_kind kind, size_t page_size);
int mem_kind_parse(const char *s, enum mem_kind *kind, struct err *e);

/* Hugepage pool of one size, from /sys/kernel/mm/hugepages/hugepages-<kB>kB
 * (through hostfs). -ENOENT when the kernel has no pool of that size. */
int mem_hugepool(size_t page_size, uint64_t *free_pages, uint64_t *total_pages);
/* Explains a failed hugetlb allocation of `pages` pages: empty or short
 * pool (naming the nr_hugepages knob) or no pool of that size at all. */
int mem_hugepool_error(size_t page_size, size_t pages, int err, struct err *e);

/* The error for a failed mlock or pin of len bytes ("<what> <len> bytes
 * failed: ..."), naming RLIMIT_MEMLOCK and how to raise it. */
int mem_lock_error(int err, size_t len, const char *what, struct err *e);

/* Makes [va, va+len) resident and locks it there (mlock(2), always the
 * system call: sanitizer runtimes turn libc's mlock into a no-op). The
 * pages keep their physical addresses while locked, what a device given
 * those addresses needs. The error names RLIMIT_MEMLOCK and its fix. */
int mem_lock(void *va, size_t len, struct err *e);
void mem_unlock(void *va, size_t len);

/* Physical address of the first byte of each backing page of buf (the
 * last one too when buf->len ends inside it; `pages` holds that many), from
 * /proc/self/pagemap (Documentation/admin-guide/mm/pagemap.rst). The memory
 * must be resident and locked (mem_lock). Fails when the kernel hides PFNs (reads them
 * as 0 without CAP_SYS_ADMIN) or when a backing page is not physically
 * contiguous (a transparent hugepage that was split or never formed). */
int mem_phys_pages(const struct dma_buf *buf, uint64_t *pages, struct err *e);
/* The same with /proc/self/pagemap already open (mem_pagemap_open: the fd,
 * or a negative error), for callers that read addresses on every map and
 * should not pay an open and a close each time. */
int mem_pagemap_open(struct err *e);
int mem_phys_pages_fd(int fd, const struct dma_buf *buf, uint64_t *pages, struct err *e);

#endif
