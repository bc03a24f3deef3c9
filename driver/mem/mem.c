#include "driver/mem/mem.h"
#include "driver/util/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004u
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

static int page_shift_of(size_t page_size)
{
	switch (page_size) {
	case MEM_4K:
		return 12;
	case MEM_2M:
		return 21;
	case MEM_1G:
		return 30;
	default:
		return -1;
	}
}

static const char *const kind_names[] = {
    [MEM_KIND_DEFAULT] = "default", [MEM_KIND_ANON] = "anon",	[MEM_KIND_THP] = "thp",
    [MEM_KIND_HUGETLB] = "hugetlb", [MEM_KIND_MEMFD] = "memfd", [MEM_KIND_SPARSE] = "sparse",
};

const char *mem_kind_name(enum mem_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

int mem_kind_parse(const char *s, enum mem_kind *kind, struct err *e)
{
	for (unsigned i = 0; s && i < ARRAY_SIZE(kind_names); i++)
		if (!strcmp(s, kind_names[i])) {
			*kind = (enum mem_kind)i;
			return 0;
		}
	return err_set(e, EINVAL,
		       "unknown memory kind '%s': use anon, thp, hugetlb, memfd or sparse",
		       s ? s : "");
}

static int map_error(size_t rounded, size_t page_size, int err, struct err *e)
{
	if (page_size > MEM_4K && (err == ENOMEM || err == EINVAL))
		return mem_hugepool_error(page_size, rounded / page_size, err, e);
	return err_set(e, err, "cannot map %zu bytes of memory: %s", rounded, strerror(err));
}

static void *map_anon(size_t rounded, struct err *e, int *rc)
{
	void *p = mmap(NULL, rounded, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		*rc = map_error(rounded, MEM_4K, errno, e);
		return NULL;
	}
	return p;
}

static void *map_hugetlb(size_t rounded, size_t page_size, int shift, struct err *e, int *rc)
{
	/* MAP_HUGE_2MB/1GB encode log2(page size) at MAP_HUGE_SHIFT (mmap(2)).
	 * The pool reservation happens at mmap time, so an empty pool fails
	 * here with ENOMEM rather than with SIGBUS on first touch. */
	int flags =
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_HUGETLB | (shift << MAP_HUGE_SHIFT);
	void *p = mmap(NULL, rounded, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		*rc = map_error(rounded, page_size, errno, e);
		return NULL;
	}
	return p;
}

static void *map_thp(size_t rounded, struct err *e, int *rc)
{
	/* A transparent hugepage can only back a 2 MiB-aligned 2 MiB range of
	 * the VMA, so reserve one page more than needed and trim to alignment
	 * before advising and touching. */
	size_t span = rounded + MEM_2M;
	uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		*rc = map_error(span, MEM_4K, errno, e);
		return NULL;
	}
	uintptr_t start = ((uintptr_t)raw + MEM_2M - 1) & ~(uintptr_t)(MEM_2M - 1);
	size_t head = start - (uintptr_t)raw, tail = span - head - rounded;
	if (head)
		munmap(raw, head);
	if (tail)
		munmap((uint8_t *)start + rounded, tail);
	void *p = (void *)start;
	if (madvise(p, rounded, MADV_HUGEPAGE)) {
		int err = errno;
		munmap(p, rounded);
		*rc =
		    err_set(e, err,
			    "madvise(MADV_HUGEPAGE) failed: %s; the kernel needs "
			    "CONFIG_TRANSPARENT_HUGEPAGE and "
			    "/sys/kernel/mm/transparent_hugepage/enabled set to madvise or always",
			    strerror(err));
		return NULL;
	}
	/* First touch of each 2 MiB range faults in a whole hugepage when one
	 * is free; MAP_POPULATE before madvise would have used 4 KiB pages. */
	for (size_t off = 0; off < rounded; off += MEM_4K)
		((volatile uint8_t *)p)[off] = 0;
	return p;
}

static void *map_memfd(size_t rounded, size_t page_size, int shift, struct err *e, int *rc)
{
	unsigned flags = MFD_CLOEXEC;
	if (page_size > MEM_4K)
		flags |= MFD_HUGETLB | ((unsigned)shift << MFD_HUGE_SHIFT);
	int fd = memfd_create("iotlbench-dma", flags);
	if (fd < 0) {
		int err = errno;
		*rc = err_set(e, err, "memfd_create(%s) failed: %s%s",
			      page_size > MEM_4K ? "MFD_HUGETLB" : "0", strerror(err),
			      page_size > MEM_4K ? " (the kernel needs CONFIG_HUGETLBFS)" : "");
		return NULL;
	}
	void *p = MAP_FAILED;
	int err = 0;
	if (ftruncate(fd, (off_t)rounded))
		err = errno;
	else
		p = mmap(NULL, rounded, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (!err && p == MAP_FAILED)
		err = errno;
	/* The mapping holds its own reference to the file. */
	close(fd);
	if (err) {
		*rc = map_error(rounded, page_size, err, e);
		return NULL;
	}
	return p;
}

static void *map_sparse(size_t rounded, size_t page_size, struct err *e, int *rc)
{
	/* Reserve one page more and trim to page_size alignment, so that the
	 * IOMMU model, which maps IOVA = virtual address, can use page_size
	 * leaves (a 1 GiB leaf needs a 1 GiB-aligned IOVA: Intel SDM vol. 3,
	 * 4.5). MAP_NORESERVE: no swap is reserved for the untouched bulk
	 * (mmap(2); with vm.overcommit_memory = 2 the kernel reserves anyway
	 * and a large buffer fails here with ENOMEM). */
	size_t span = rounded + page_size;
	uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		int err = errno;
		*rc = err_set(e, err,
			      "cannot reserve %zu bytes of sparse memory: %s (address space or "
			      "vm.overcommit_memory = 2)",
			      span, strerror(err));
		return NULL;
	}
	uintptr_t start = ((uintptr_t)raw + page_size - 1) & ~(uintptr_t)(page_size - 1);
	size_t head = start - (uintptr_t)raw, tail = span - head - rounded;
	if (head)
		munmap(raw, head);
	if (tail)
		munmap((uint8_t *)start + rounded, tail);
	/* Each touch should cost one 4 KiB frame, not a transparent hugepage
	 * (THP "always" would fault a 2 MiB page per touched page). */
	madvise((void *)start, rounded, MADV_NOHUGEPAGE);
	return (void *)start;
}

int mem_kind_check(enum mem_kind kind, size_t page_size, struct err *e)
{
	if (kind == MEM_KIND_ANON && page_size != MEM_4K)
		return err_set(e, EINVAL,
			       "anonymous memory comes in 4 KiB pages; for %zu KiB pages use the "
			       "hugetlb, memfd or (2 MiB only) thp kind",
			       page_size >> 10);
	if (kind == MEM_KIND_THP && page_size != MEM_2M)
		return err_set(e, EINVAL,
			       "transparent hugepages are 2 MiB on x86 (PMD size); page size %zu "
			       "needs the anon, hugetlb or memfd kind",
			       page_size);
	if (kind == MEM_KIND_HUGETLB && page_size == MEM_4K)
		return err_set(e, EINVAL, "hugetlb pages are 2 MiB or 1 GiB, not 4 KiB");
	return 0;
}

enum mem_kind mem_kind_for(enum mem_kind kind, size_t page_size)
{
	struct err ignore;
	return kind == MEM_KIND_DEFAULT || mem_kind_check(kind, page_size, &ignore)
		   ? MEM_KIND_DEFAULT
		   : kind;
}

int mem_alloc_kind(size_t len, size_t page_size, enum mem_kind kind, struct dma_buf *buf,
		   struct err *e)
{
	int shift = page_shift_of(page_size);
	if (shift < 0)
		return err_set(e, EINVAL, "page size %zu is not one of 4k, 2m, 1g", page_size);
	if (len == 0)
		return err_set(e, EINVAL, "cannot allocate a buffer of 0 bytes");
	if (kind == MEM_KIND_DEFAULT)
		kind = page_size == MEM_4K ? MEM_KIND_ANON : MEM_KIND_HUGETLB;
	if (mem_kind_check(kind, page_size, e))
		return -e->code;
	if (len > SIZE_MAX - page_size)
		return err_set(e, EOVERFLOW, "buffer of %zu bytes is too large", len);
	size_t rounded = (len + page_size - 1) & ~(page_size - 1);
	int rc = 0;
	void *p = NULL;
	switch (kind) {
	case MEM_KIND_ANON:
		p = map_anon(rounded, e, &rc);
		break;
	case MEM_KIND_THP:
		p = map_thp(rounded, e, &rc);
		break;
	case MEM_KIND_HUGETLB:
		p = map_hugetlb(rounded, page_size, shift, e, &rc);
		break;
	case MEM_KIND_MEMFD:
		p = map_memfd(rounded, page_size, shift, e, &rc);
		break;
	case MEM_KIND_SPARSE:
		p = map_sparse(rounded, page_size, e, &rc);
		break;
	default:
		return err_set(e, EINVAL, "unknown memory kind %d", (int)kind);
	}
	if (!p)
		return rc;
	memset(buf, 0, sizeof(*buf));
	buf->va = p;
	buf->len = rounded;
	buf->page_size = page_size;
	buf->page_shift = (unsigned)shift;
	/* hugetlb (also a MFD_HUGETLB memfd) hands out whole compound pages,
	 * physically contiguous by construction; THP may fall back to 4 KiB
	 * frames. */
	buf->hugetlb = kind == MEM_KIND_HUGETLB || (kind == MEM_KIND_MEMFD && page_size > MEM_4K);
	return 0;
}

int mem_alloc(size_t len, size_t page_size, struct dma_buf *buf, struct err *e)
{
	return mem_alloc_kind(len, page_size, MEM_KIND_DEFAULT, buf, e);
}

void mem_free(struct dma_buf *buf)
{
	if (buf && buf->va) {
		munmap(buf->va, buf->len);
		buf->va = NULL;
	}
}

/* mlock(2) through the system call, not libc's wrapper: AddressSanitizer
 * (and every sanitizer built on sanitizer_common) intercepts mlock, munlock
 * and mlockall as no-ops that return 0, because locking the whole shadow
 * would exhaust memory. Under `make SANITIZE=1` the wrapper therefore left
 * a never-touched buffer (the count kind's MAP_NORESERVE region) neither
 * resident nor locked, and its pagemap entries read "not present". The
 * kernel call faults the range in (writable private pages with a write
 * fault, so each gets a frame of its own, not the shared zero page: mm/gup.c
 * populate_vma_page_range) and keeps it there. */
int mem_lock_error(int err, size_t len, const char *what, struct err *e)
{
	struct rlimit rl = {0, 0};
	getrlimit(RLIMIT_MEMLOCK, &rl);
	char lim[32];
	if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(lim, sizeof(lim), "unlimited");
	else
		snprintf(lim, sizeof(lim), "%llu KiB", (unsigned long long)rl.rlim_cur >> 10);
	return err_set(e, err,
		       "%s %zu bytes failed: %s; locked and pinned memory counts against "
		       "RLIMIT_MEMLOCK (now %s) unless the process has CAP_IPC_LOCK: raise it "
		       "with 'ulimit -l unlimited' or a memlock line in "
		       "/etc/security/limits.conf, or run as root",
		       what, len, strerror(err), lim);
}

int mem_lock(void *va, size_t len, struct err *e)
{
	if (!syscall(SYS_mlock, va, len))
		return 0;
	return mem_lock_error(errno, len, "mlock of", e);
}

void mem_unlock(void *va, size_t len)
{
	syscall(SYS_munlock, va, len);
}
