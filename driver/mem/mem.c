#include "mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
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

int mem_alloc(size_t len, size_t page_size, struct dma_buf *buf, struct err *e)
{
	int shift = page_shift_of(page_size);
	if (shift < 0)
		return err_set(e, EINVAL, "page size %zu is not one of 4k, 2m, 1g", page_size);
	if (len == 0)
		return err_set(e, EINVAL, "cannot allocate a buffer of 0 bytes");
	size_t rounded = (len + page_size - 1) & ~(page_size - 1);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
	if (shift > 12)
		flags |= MAP_HUGETLB | (shift << MAP_HUGE_SHIFT);
	void *p = mmap(NULL, rounded, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		int err = errno;
		if (shift == 21)
			return err_set(e, err,
				       "no free 2 MiB hugepages for %zu bytes (%s): echo %zu > "
				       "/proc/sys/vm/nr_hugepages",
				       rounded, strerror(err), rounded / page_size + 64);
		if (shift == 30)
			return err_set(e, err,
				       "no free 1 GiB hugepages for %zu bytes (%s): echo %zu > "
				       "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages "
				       "(needs a CPU with pdpe1gb)",
				       rounded, strerror(err), rounded / page_size);
		return err_set(e, err, "cannot map %zu bytes of memory: %s", rounded, strerror(err));
	}
	memset(buf, 0, sizeof(*buf));
	buf->va = p;
	buf->len = rounded;
	buf->page_size = page_size;
	buf->page_shift = (unsigned)shift;
	return 0;
}

void mem_free(struct dma_buf *buf)
{
	if (buf && buf->va) {
		munmap(buf->va, buf->len);
		buf->va = NULL;
	}
}
