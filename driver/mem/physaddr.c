/* Physical addresses from /proc/self/pagemap: one little-endian 64-bit entry
 * per 4 KiB virtual page; bit 63 "present", bits 0-54 the page frame number
 * (Documentation/admin-guide/mm/pagemap.rst). Since Linux 4.2 the PFN field
 * reads as zero unless the reader has CAP_SYS_ADMIN. */
#include "driver/mem/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define PM_PRESENT  (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)
#define PM_ENTRY    8u

/* Reads entries for `n` consecutive 4 KiB pages from va and turns them into
 * physical addresses, or explains why not. */
static int read_frames(int fd, uintptr_t va, size_t n, uint64_t *pa, struct err *e)
{
	size_t bytes = n * PM_ENTRY;
	off_t off = (off_t)(va / MEM_4K) * PM_ENTRY;
	ssize_t got = pread(fd, pa, bytes, off);
	if (got != (ssize_t)bytes)
		return err_set(e, got < 0 ? errno : EIO, "reading /proc/self/pagemap: %s",
			       got < 0 ? strerror(errno) : "short read");
	for (size_t i = 0; i < n; i++) {
		uint64_t ent = pa[i];
		if (!(ent & PM_PRESENT))
			return err_set(e, EFAULT,
				       "page at %#lx is not resident (pagemap present bit clear): "
				       "the buffer must be populated and locked before its "
				       "addresses are read",
				       (unsigned long)(va + i * MEM_4K));
		if (!(ent & PM_PFN_MASK))
			return err_set(e, EPERM,
				       "/proc/self/pagemap reports page frame numbers as 0: the "
				       "kernel hides them from processes without CAP_SYS_ADMIN; "
				       "run as root");
		pa[i] = (ent & PM_PFN_MASK) * MEM_4K;
	}
	return 0;
}

/* Frames are read 512 at a time (one 4 KiB pread). */
#define CHUNK 512u

int mem_phys_pages(const struct dma_buf *buf, uint64_t *pages, struct err *e)
{
	int fd = mem_pagemap_open(e);
	if (fd < 0)
		return fd;
	int rc = mem_phys_pages_fd(fd, buf, pages, e);
	close(fd);
	return rc;
}

int mem_pagemap_open(struct err *e)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "cannot open /proc/self/pagemap: %s", strerror(errno));
	return fd;
}

int mem_phys_pages_fd(int fd, const struct dma_buf *buf, uint64_t *pages, struct err *e)
{
	uint64_t frames[CHUNK];
	int rc = 0;
	/* A buffer may end inside its last backing page (a 4 KiB view of a
	 * 2 MiB page): that page counts. */
	size_t n = (buf->len + buf->page_size - 1) / buf->page_size;
	size_t per = buf->page_size / MEM_4K;
	/* 4 KiB pages: their entries are consecutive in the file, so up to
	 * CHUNK pages come from one pread instead of one system call each (a
	 * 64 KiB buffer: one read instead of 16). */
	if (per == 1) {
		for (size_t i = 0; !rc && i < n; i += CHUNK)
			rc = read_frames(fd, (uintptr_t)buf->va + i * MEM_4K,
					 n - i < CHUNK ? n - i : CHUNK, pages + i, e);
		return rc;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		uintptr_t va = (uintptr_t)buf->va + i * buf->page_size;
		/* A hugetlb page is contiguous by construction: its first frame
		 * is enough (and the kernel walks only the entries asked for, so
		 * one costs a 512th of a 2 MiB page's, a 262,144th of 1 GiB's).
		 * A THP range may be backed by 4 KiB pages (no free hugepage, or
		 * khugepaged has not run): check every 4 KiB frame follows the
		 * first. */
		size_t check = buf->hugetlb ? 1 : per;
		for (size_t f = 0; !rc && f < check; f += CHUNK) {
			size_t k = check - f < CHUNK ? check - f : CHUNK;
			rc = read_frames(fd, va + f * MEM_4K, k, frames, e);
			if (!rc && f == 0)
				pages[i] = frames[0];
			for (size_t j = 0; !rc && j < k; j++) {
				uint64_t want = pages[i] + (f + j) * MEM_4K;
				if (frames[j] != want)
					rc = err_set(
					    e, EINVAL,
					    "backing page %zu is not physically contiguous "
					    "(frame at +%#zx is %#llx, expected %#llx): use "
					    "hugetlb pages, which always are",
					    i, (f + j) * MEM_4K, (unsigned long long)frames[j],
					    (unsigned long long)want);
			}
		}
		if (!rc && pages[i] & (buf->page_size - 1))
			rc = err_set(e, EINVAL,
				     "backing page %zu at physical %#llx is not aligned to its "
				     "%zu-byte size: it is not a hugepage",
				     i, (unsigned long long)pages[i], buf->page_size);
	}
	return rc;
}
