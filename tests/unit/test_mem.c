/* Backing memory of every kind this host supports. 2 MiB hugetlb needs a
 * pool: as root the test grows /proc/sys/vm/nr_hugepages and puts it back.
 * 1 GiB pages need a CPU with pdpe1gb; without it the test says so and is
 * skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "driver/mem/mem.h"

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

/* Pages this test added to the pool. Other programs may size the pool at
 * the same time, so the test gives back what it added instead of writing
 * back an old absolute value. */
static long added_nr;

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int rc = fprintf(f, "%ld\n", v) < 0;
	return fclose(f) || rc ? -1 : 0;
}

/* Makes sure `pages` 2 MiB pages are free; returns 0, or prints why not. */
static int need_2m_pages(uint64_t pages)
{
	uint64_t nfree = 0, total = 0;
	if (mem_hugepool(MEM_2M, &nfree, &total)) {
		printf("skip: no 2 MiB hugepage pool on this kernel\n");
		return -1;
	}
	if (nfree >= pages)
		return 0;
	if (geteuid() != 0) {
		printf("skip: 2 MiB pool has %llu free pages, %llu needed, and only root may "
		       "grow it (%s)\n",
		       (unsigned long long)nfree, (unsigned long long)pages, NR_HUGEPAGES);
		return -1;
	}
	long want = (long)(pages - nfree);
	long cur = read_long(NR_HUGEPAGES);
	if (cur >= 0 && !write_long(NR_HUGEPAGES, cur + want))
		added_nr += want;
	if (cur < 0 || mem_hugepool(MEM_2M, &nfree, &total) || nfree < pages) {
		printf("skip: could not grow the 2 MiB pool to %llu free pages (memory too "
		       "fragmented?)\n",
		       (unsigned long long)pages);
		return -1;
	}
	return 0;
}

static void restore_pool(void)
{
	long cur = read_long(NR_HUGEPAGES);
	if (added_nr > 0 && cur >= added_nr)
		write_long(NR_HUGEPAGES, cur - added_nr);
	added_nr = 0;
}

static void check_buf(const struct dma_buf *b, size_t len, size_t page_size)
{
	assert_non_null(b->va);
	assert_int_equal(b->page_size, page_size);
	assert_int_equal(1ul << b->page_shift, page_size);
	assert_int_equal(b->len, (len + page_size - 1) & ~(page_size - 1));
	assert_int_equal((uintptr_t)b->va % page_size, 0);
	/* Only hugetlb guarantees contiguous pages; 4 KiB buffers never claim it. */
	if (page_size == 4096)
		assert_false(b->hugetlb);
	for (size_t off = 0; off < b->len; off += 4096) {
		assert_int_equal(b->va[off], 0);
		b->va[off] = (uint8_t)(off >> 12);
	}
	for (size_t off = 0; off < b->len; off += 4096)
		assert_int_equal(b->va[off], (uint8_t)(off >> 12));
}

static void anon_4k(void **state)
{
	(void)state;
	struct dma_buf b;
	struct err e = {0};
	assert_int_equal(mem_alloc(3 * 4096 + 1, MEM_4K, &b, &e), 0);
	check_buf(&b, 3 * 4096 + 1, MEM_4K);
	mem_free(&b);
	assert_null(b.va);
	assert_int_equal(mem_alloc_kind(8192, MEM_4K, MEM_KIND_ANON, &b, &e), 0);
	check_buf(&b, 8192, MEM_4K);
	mem_free(&b);
}

static void memfd_4k(void **state)
{
	(void)state;
	struct dma_buf b;
	struct err e = {0};
	assert_int_equal(mem_alloc_kind(5 * 4096, MEM_4K, MEM_KIND_MEMFD, &b, &e), 0);
	check_buf(&b, 5 * 4096, MEM_4K);
	mem_free(&b);
}

static void thp_2m(void **state)
{
	(void)state;
	char mode[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f || !fgets(mode, sizeof(mode), f) || strstr(mode, "[never]")) {
		if (f)
			fclose(f);
		printf("skip: transparent hugepages are %s on this kernel\n",
		       f ? "set to never" : "not built in");
		skip();
	}
	fclose(f);
	struct dma_buf b;
	struct err e = {0};
	int rc = mem_alloc_kind(4 * MEM_2M, MEM_2M, MEM_KIND_THP, &b, &e);
	if (rc)
		fail_msg("thp: %s", e.msg);
	check_buf(&b, 4 * MEM_2M, MEM_2M);
	/* THP may fall back to 4 KiB frames: pagemap must check them all. */
	assert_false(b.hugetlb);
	/* Whether hugepages formed depends on free memory; report it. */
	unsigned char vec[1];
	assert_int_equal(mincore(b.va, 4096, vec), 0);
	assert_true(vec[0] & 1);
	mem_free(&b);
}

static void hugetlb_2m(void **state)
{
	(void)state;
	if (need_2m_pages(3)) {
		restore_pool();
		skip();
	}
	struct dma_buf b;
	struct err e = {0};
	int rc = mem_alloc(MEM_2M + 1, MEM_2M, &b, &e);
	if (rc) {
		restore_pool();
		fail_msg("hugetlb 2M: %s", e.msg);
	}
	check_buf(&b, MEM_2M + 1, MEM_2M);
	if (geteuid() == 0) {
		/* hugetlb pages are physically contiguous and size-aligned. */
		uint64_t pa[2];
		assert_int_equal(mem_lock(b.va, b.len, &e), 0);
		assert_true(b.hugetlb);
		rc = mem_phys_pages(&b, pa, &e);
		if (rc)
			fail_msg("pagemap: %s", e.msg);
		assert_int_equal(pa[0] % MEM_2M, 0);
		assert_int_equal(pa[1] % MEM_2M, 0);
		assert_true(pa[0] != pa[1]);
		/* Reading one frame per hugetlb page must agree with reading
		 * and checking all 512, the path for pages of unknown kind. */
		uint64_t full[2];
		struct dma_buf any = b;
		any.hugetlb = false;
		assert_int_equal(mem_phys_pages(&any, full, &e), 0);
		assert_int_equal(full[0], pa[0]);
		assert_int_equal(full[1], pa[1]);
		/* A view shorter than its backing page (the map kind maps 4 KiB
		 * of a 2 MiB page) still has that page's address. */
		struct dma_buf sub = b;
		uint64_t one[1] = {0};
		sub.len = 4096;
		assert_int_equal(mem_phys_pages(&sub, one, &e), 0);
		assert_int_equal(one[0], pa[0]);
	}
	mem_free(&b);
	rc = mem_alloc_kind(MEM_2M, MEM_2M, MEM_KIND_MEMFD, &b, &e);
	if (rc) {
		restore_pool();
		fail_msg("memfd 2M: %s", e.msg);
	}
	check_buf(&b, MEM_2M, MEM_2M);
	assert_true(b.hugetlb); /* MFD_HUGETLB */
	mem_free(&b);
	restore_pool();
}

static void hugetlb_2m_empty_pool(void **state)
{
	(void)state;
	uint64_t nfree, total;
	if (mem_hugepool(MEM_2M, &nfree, &total)) {
		printf("skip: no 2 MiB hugepage pool on this kernel\n");
		skip();
	}
	/* One page more than is free can never be reserved. */
	struct dma_buf b;
	struct err e = {0};
	int rc = mem_alloc((nfree + 1) * MEM_2M, MEM_2M, &b, &e);
	assert_true(rc < 0);
	assert_non_null(strstr(e.msg, "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"));
	assert_non_null(strstr(e.msg, "free of"));
	rc = mem_alloc_kind((nfree + 1) * MEM_2M, MEM_2M, MEM_KIND_MEMFD, &b, &e);
	assert_true(rc < 0);
	assert_non_null(strstr(e.msg, "hugepages-2048kB/nr_hugepages"));
}

static void hugetlb_1g(void **state)
{
	(void)state;
	uint64_t nfree, total;
	if (mem_hugepool(MEM_1G, &nfree, &total)) {
		/* The error a user would get must say the same. */
		struct dma_buf b;
		struct err e = {0};
		/* A host limit, so a run skips the case rather than failing it. */
		assert_int_equal(mem_alloc(MEM_1G, MEM_1G, &b, &e), -EOPNOTSUPP);
		assert_non_null(strstr(e.msg, "no 1 GiB hugepage pool"));
		assert_non_null(strstr(e.msg, "pdpe1gb"));
		printf("skip: this kernel has no 1 GiB hugepage pool "
		       "(/sys/kernel/mm/hugepages/hugepages-1048576kB missing: the CPU lacks "
		       "pdpe1gb); the error message was checked instead\n");
		skip();
	}
	if (nfree < 1) {
		printf("skip: the 1 GiB pool has no free page (echo 1 > "
		       "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages)\n");
		skip();
	}
	struct dma_buf b;
	struct err e = {0};
	int rc = mem_alloc(MEM_1G, MEM_1G, &b, &e);
	if (rc)
		fail_msg("hugetlb 1G: %s", e.msg);
	check_buf(&b, MEM_1G, MEM_1G);
	mem_free(&b);
}

static void kind_errors(void **state)
{
	(void)state;
	struct dma_buf b;
	struct err e = {0};
	assert_int_equal(mem_alloc_kind(4096, MEM_2M, MEM_KIND_ANON, &b, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "4 KiB pages"));
	assert_int_equal(mem_alloc_kind(4096, MEM_4K, MEM_KIND_THP, &b, &e), -EINVAL);
	assert_int_equal(mem_alloc_kind(4096, MEM_1G, MEM_KIND_THP, &b, &e), -EINVAL);
	assert_int_equal(mem_alloc_kind(4096, MEM_4K, MEM_KIND_HUGETLB, &b, &e), -EINVAL);
	assert_int_equal(mem_alloc(4096, 8192, &b, &e), -EINVAL);
	assert_int_equal(mem_alloc(0, MEM_4K, &b, &e), -EINVAL);
	enum mem_kind k;
	assert_int_equal(mem_kind_parse("memfd", &k, &e), 0);
	assert_int_equal(k, MEM_KIND_MEMFD);
	assert_string_equal(mem_kind_name(MEM_KIND_THP), "thp");
	assert_int_equal(mem_kind_parse("huge", &k, &e), -EINVAL);
	/* The driver's 4 KiB rings under `backing = hugetlb` (or thp) come from
	 * the default kind of their size; a kind that has the size is kept. */
	assert_int_equal(mem_kind_for(MEM_KIND_HUGETLB, MEM_4K), MEM_KIND_DEFAULT);
	assert_int_equal(mem_kind_for(MEM_KIND_THP, MEM_4K), MEM_KIND_DEFAULT);
	assert_int_equal(mem_kind_for(MEM_KIND_HUGETLB, MEM_2M), MEM_KIND_HUGETLB);
	assert_int_equal(mem_kind_for(MEM_KIND_MEMFD, MEM_4K), MEM_KIND_MEMFD);
	assert_int_equal(mem_kind_for(MEM_KIND_SPARSE, MEM_4K), MEM_KIND_SPARSE);
	assert_int_equal(mem_kind_for(MEM_KIND_ANON, MEM_2M), MEM_KIND_DEFAULT);
}

/* Resident set of this process in bytes (/proc/self/statm, field 2). */
static uint64_t rss(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Sparse memory: 16 pages of 1 GiB, each aligned to 1 GiB (the model maps
 * them with 1 GiB leaves), zero when read, and touching the first bytes of
 * every page costs a frame each, not the 16 GiB. (16, not the 64 a sweep
 * may use: valgrind refuses a 64 GiB mapping, and memcheck runs this.) Also for 2 MiB and 4 KiB
 * pages, and the kind parses by name. */
static void sparse_pages(void **state)
{
	(void)state;
	struct dma_buf b;
	struct err e = {0};
	uint64_t before = rss();
	assert_int_equal(mem_alloc_kind(16 * MEM_1G, MEM_1G, MEM_KIND_SPARSE, &b, &e), 0);
	assert_int_equal(b.len, 16 * MEM_1G);
	assert_int_equal((uintptr_t)b.va % MEM_1G, 0);
	assert_int_equal(b.page_shift, 30);
	assert_false(b.hugetlb);
	for (size_t p = 0; p < 16; p++) {
		assert_int_equal(b.va[p * MEM_1G], 0);
		b.va[p * MEM_1G] = (uint8_t)p;
	}
	uint64_t grew = rss() - before;
	printf("16 x 1 GiB sparse, first byte of each touched: resident +%llu KiB\n",
	       (unsigned long long)(grew >> 10));
	/* 16 frames of 4 KiB, with room for the allocator's own pages. */
	assert_true(grew < (8u << 20));
	mem_free(&b);
	assert_int_equal(mem_alloc_kind(3 * MEM_2M + 1, MEM_2M, MEM_KIND_SPARSE, &b, &e), 0);
	check_buf(&b, 3 * MEM_2M + 1, MEM_2M);
	mem_free(&b);
	assert_int_equal(mem_alloc_kind(8192, MEM_4K, MEM_KIND_SPARSE, &b, &e), 0);
	check_buf(&b, 8192, MEM_4K);
	mem_free(&b);
	enum mem_kind k;
	assert_int_equal(mem_kind_parse("sparse", &k, &e), 0);
	assert_int_equal(k, MEM_KIND_SPARSE);
}

/* 600 pages: more than one pread's worth (512 entries), so the batched
 * read must put every chunk's frames at the right index; each is checked
 * against a one-page read of the same address. */
static void pagemap_4k(void **state)
{
	(void)state;
	enum { NP = 600 };
	struct dma_buf b;
	struct err e = {0};
	static uint64_t pa[NP];
	assert_int_equal(mem_alloc(NP * 4096, MEM_4K, &b, &e), 0);
	assert_int_equal(mem_lock(b.va, b.len, &e), 0);
	int rc = mem_phys_pages(&b, pa, &e);
	if (geteuid() != 0) {
		/* Without CAP_SYS_ADMIN the kernel zeroes PFNs: say so. */
		assert_int_equal(rc, -EPERM);
		assert_non_null(strstr(e.msg, "CAP_SYS_ADMIN"));
		mem_free(&b);
		printf("skip: not root, so pagemap PFNs read as 0 (the error was checked)\n");
		skip();
	}
	if (rc)
		fail_msg("%s", e.msg);
	for (int i = 0; i < NP; i++) {
		assert_true(pa[i] != 0);
		assert_int_equal(pa[i] % 4096, 0);
		if (i % 97 && i != 511 && i != 512 && i != NP - 1)
			continue;
		struct dma_buf one = b;
		uint64_t pa1;
		one.va = b.va + (size_t)i * 4096;
		one.len = 4096;
		assert_int_equal(mem_phys_pages(&one, &pa1, &e), 0);
		assert_int_equal(pa1, pa[i]);
	}
	mem_free(&b);
}

/* A range nothing has touched (MAP_NORESERVE, as the count kind reserves
 * its region) must be resident and locked after mem_lock, with each page's
 * pagemap entry present: the pagemap backend reads frames right after. A
 * sanitizer build whose libc mlock is intercepted as a no-op fails here. */
static void lock_untouched(void **state)
{
	(void)state;
	enum { NP = 16 };
	uint8_t *p = mmap(NULL, NP * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	unsigned char vec[NP];
	assert_int_equal(mincore(p, NP * 4096, vec), 0);
	for (int i = 0; i < NP; i++)
		assert_false(vec[i] & 1); /* the check below can fail */
	struct err e = {0};
	int rc = mem_lock(p, NP * 4096, &e);
	if (rc)
		fail_msg("mem_lock: %s", e.msg);
	assert_int_equal(mincore(p, NP * 4096, vec), 0);
	for (int i = 0; i < NP; i++)
		if (!(vec[i] & 1))
			fail_msg("page %d not resident after mem_lock", i);
	/* The present bit (63) is readable without CAP_SYS_ADMIN. */
	uint64_t ent[NP];
	FILE *f = fopen("/proc/self/pagemap", "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)((uintptr_t)p / 4096 * 8), SEEK_SET), 0);
	assert_int_equal(fread(ent, sizeof(ent[0]), NP, f), NP);
	fclose(f);
	for (int i = 0; i < NP; i++)
		if (!(ent[i] >> 63))
			fail_msg("pagemap entry of page %d not present after mem_lock", i);
	/* Locked, not only faulted in: VmLck counts it. */
	long lck = -1;
	char line[128];
	f = fopen("/proc/self/status", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &lck) == 1)
			break;
	fclose(f);
	assert_true(lck >= NP * 4);
	mem_unlock(p, NP * 4096);
	munmap(p, NP * 4096);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(anon_4k),
	    cmocka_unit_test(memfd_4k),
	    cmocka_unit_test(thp_2m),
	    cmocka_unit_test(hugetlb_2m),
	    cmocka_unit_test(hugetlb_2m_empty_pool),
	    cmocka_unit_test(hugetlb_1g),
	    cmocka_unit_test(kind_errors),
	    cmocka_unit_test(sparse_pages),
	    cmocka_unit_test(pagemap_4k),
	    cmocka_unit_test(lock_untouched),
	};
	int rc = cmocka_run_group_tests_name("mem", t, NULL, NULL);
	restore_pool();
	return rc;
}
