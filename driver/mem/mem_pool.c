/* Hugepage pools: what the kernel has preallocated, and why an allocation
 * from them failed (Documentation/admin-guide/mm/hugetlbpage.rst). */
#include "driver/mem/mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver/util/hostfs.h"

int mem_hugepool(size_t page_size, uint64_t *free_pages, uint64_t *total_pages)
{
	char p[128];
	snprintf(p, sizeof(p), "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
		 page_size >> 10);
	int rc = hostfs_read_u64(p, free_pages);
	if (rc)
		return rc;
	snprintf(p, sizeof(p), "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
		 page_size >> 10);
	return hostfs_read_u64(p, total_pages);
}

int mem_hugepool_error(size_t page_size, size_t pages, int err, struct err *e)
{
	/* Both are limits of this host, not faults of the request: no pool at
	 * all is EOPNOTSUPP, a pool too small ENOMEM (mmap says EINVAL or
	 * ENOMEM depending on the kernel), so a run skips such a case. */
	(void)err;
	uint64_t nfree = 0, total = 0;
	size_t kb = page_size >> 10;
	const char *human = page_size == MEM_1G ? "1 GiB" : "2 MiB";
	int rc = mem_hugepool(page_size, &nfree, &total);
	if (rc == -ENOENT)
		return err_set(e, EOPNOTSUPP,
			       "the kernel has no %s hugepage pool "
			       "(/sys/kernel/mm/hugepages/hugepages-%zukB is missing)%s",
			       human, kb,
			       page_size == MEM_1G ? ": the CPU needs pdpe1gb (QEMU: -cpu max or "
						     "-cpu host) and a kernel with HUGETLBFS"
						   : ": the kernel needs CONFIG_HUGETLBFS");
	if (rc)
		return err_set(e, ENOMEM, "no %s hugepages available for %zu pages", human, pages);
	return err_set(e, ENOMEM,
		       "%s hugepage pool has %llu free of %llu, %zu needed: echo %llu > "
		       "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages (as root; the "
		       "kernel may find fewer contiguous free %s blocks than asked for)",
		       human, (unsigned long long)nfree, (unsigned long long)total, pages,
		       (unsigned long long)(total - nfree + pages), kb, human);
}
