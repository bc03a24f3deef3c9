#include "driver/backend/iova.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_range(const void *x, const void *y)
{
	const struct iova_range *a = x, *b = y;
	return a->start < b->start ? -1 : a->start > b->start;
}

static int grow(struct iova_alloc *a, unsigned need, struct err *e)
{
	if (need <= a->cap)
		return 0;
	unsigned cap = a->cap ? a->cap * 2 : 16;
	while (cap < need)
		cap *= 2;
	struct iova_range *f = realloc(a->free, cap * sizeof(*f));
	if (!f)
		return err_set(e, ENOMEM, "out of memory for the IOVA free list");
	a->free = f;
	a->cap = cap;
	return 0;
}

static uint64_t round_up(uint64_t x, uint64_t align)
{
	return (x + align - 1) & ~(align - 1);
}

int iova_init(struct iova_alloc *a, const struct iova_range *ranges, unsigned n, uint64_t pgsizes,
	      struct err *e)
{
	memset(a, 0, sizeof(*a));
	if (!pgsizes)
		return err_set(e, EINVAL, "the IOMMU reported no supported page sizes");
	a->min_page = pgsizes & -pgsizes;
	if (n == 0)
		return err_set(e, EINVAL, "the IOMMU reported no valid IOVA ranges");
	a->valid = malloc(n * sizeof(*a->valid));
	if (!a->valid || grow(a, n, e)) {
		iova_fini(a);
		return err_set(e, ENOMEM, "out of memory for the IOVA ranges");
	}
	memcpy(a->valid, ranges, n * sizeof(*ranges));
	qsort(a->valid, n, sizeof(*a->valid), cmp_range);
	a->nvalid = n;
	for (unsigned i = 0; i < n; i++) {
		/* Only whole granules are usable; skip IOVA 0 (see iova.h). */
		uint64_t s = round_up(a->valid[i].start ? a->valid[i].start : 1, a->min_page);
		uint64_t l = a->valid[i].last;
		if (l != UINT64_MAX) {
			uint64_t end = (l + 1) & ~(a->min_page - 1);
			if (end == 0)
				continue;
			l = end - 1;
		}
		if (s == 0 || s > l || (l - s + 1) < a->min_page)
			continue;
		if (a->nfree && a->free[a->nfree - 1].last >= s - 1) {
			/* Overlapping or touching reports: merge. */
			if (l > a->free[a->nfree - 1].last)
				a->free[a->nfree - 1].last = l;
			continue;
		}
		a->free[a->nfree++] = (struct iova_range){s, l};
	}
	if (!a->nfree) {
		iova_fini(a);
		return err_set(e, EINVAL, "no usable IOVA range of at least %llu bytes",
			       (unsigned long long)a->min_page);
	}
	return 0;
}

void iova_fini(struct iova_alloc *a)
{
	free(a->free);
	free(a->valid);
	memset(a, 0, sizeof(*a));
}

/* Removes [s, s + len) from free extent i, which contains it. */
static int carve(struct iova_alloc *a, unsigned i, uint64_t s, uint64_t len, struct err *e)
{
	struct iova_range r = a->free[i];
	uint64_t last = s + len - 1;
	bool before = s > r.start, after = last < r.last;
	if (before && after) {
		if (grow(a, a->nfree + 1, e))
			return -ENOMEM;
		memmove(&a->free[i + 2], &a->free[i + 1], (a->nfree - i - 1) * sizeof(r));
		a->free[i] = (struct iova_range){r.start, s - 1};
		a->free[i + 1] = (struct iova_range){last + 1, r.last};
		a->nfree++;
	} else if (before) {
		a->free[i].last = s - 1;
	} else if (after) {
		a->free[i].start = last + 1;
	} else {
		memmove(&a->free[i], &a->free[i + 1], (a->nfree - i - 1) * sizeof(r));
		a->nfree--;
	}
	return 0;
}

static void free_list_put(struct iova_alloc *a, uint64_t iova, uint64_t len);

/* Gives every cached block back to the free list. */
static void mag_flush(struct iova_alloc *a)
{
	while (a->mag_n)
		free_list_put(a, a->mag[--a->mag_n], a->mag_len);
}

void iova_drain(struct iova_alloc *a)
{
	mag_flush(a);
}

int iova_get_slow(struct iova_alloc *a, uint64_t len, uint64_t align, uint64_t *iova, struct err *e)
{
	mag_flush(a);
	if (len == 0)
		return err_set(e, EINVAL, "cannot allocate an IOVA block of 0 bytes");
	if (align < a->min_page)
		align = a->min_page;
	if (align & (align - 1))
		return err_set(e, EINVAL, "IOVA alignment %llu is not a power of two",
			       (unsigned long long)align);
	if (len > UINT64_MAX - a->min_page)
		return err_set(e, ENOSPC, "IOVA block of %llu bytes is too large",
			       (unsigned long long)len);
	len = round_up(len, a->min_page);
	for (unsigned i = 0; i < a->nfree; i++) {
		struct iova_range r = a->free[i];
		if (r.start > UINT64_MAX - (align - 1))
			continue;
		uint64_t s = round_up(r.start, align);
		if (s < r.start || s > r.last || r.last - s < len - 1)
			continue;
		int rc = carve(a, i, s, len, e);
		if (rc)
			return rc;
		*iova = s;
		return 0;
	}
	char ranges[256];
	iova_describe(a, ranges, sizeof(ranges));
	return err_set(e, ENOSPC,
		       "IOVA space exhausted: no free %llu-byte block aligned to %llu in the "
		       "IOMMU's valid ranges (%s); unmap buffers or use larger pages",
		       (unsigned long long)len, (unsigned long long)align, ranges);
}

int iova_reserve(struct iova_alloc *a, uint64_t iova, uint64_t len, struct err *e)
{
	if (len == 0 || iova > UINT64_MAX - (len - 1))
		return err_set(e, EINVAL, "bad IOVA block %#llx+%#llx", (unsigned long long)iova,
			       (unsigned long long)len);
	if ((iova | len) & (a->min_page - 1))
		return err_set(e, EINVAL,
			       "IOVA %#llx length %#llx is not aligned to the IOMMU's %llu-byte "
			       "granule",
			       (unsigned long long)iova, (unsigned long long)len,
			       (unsigned long long)a->min_page);
	if (!iova_valid(a, iova, len)) {
		char ranges[256];
		iova_describe(a, ranges, sizeof(ranges));
		return err_set(
		    e, ERANGE, "IOVA %#llx-%#llx lies outside the IOMMU's valid ranges (%s)",
		    (unsigned long long)iova, (unsigned long long)(iova + len - 1), ranges);
	}
	mag_flush(a);
	for (unsigned i = 0; i < a->nfree; i++)
		if (a->free[i].start <= iova && iova + len - 1 <= a->free[i].last)
			return carve(a, i, iova, len, e);
	return err_set(e, EEXIST, "IOVA %#llx-%#llx is already in use (or reserved as IOVA 0)",
		       (unsigned long long)iova, (unsigned long long)(iova + len - 1));
}

void iova_put_slow(struct iova_alloc *a, uint64_t iova, uint64_t len)
{
	if (!len)
		return;
	len = round_up(len, a->min_page);
	/* A new size: the cache switches to it (its old blocks go back). */
	if (len != a->mag_len) {
		mag_flush(a);
		a->mag_len = len;
		a->mag[a->mag_n++] = iova;
		return;
	}
	free_list_put(a, iova, len);
}

static void free_list_put(struct iova_alloc *a, uint64_t iova, uint64_t len)
{
	uint64_t last = iova + len - 1;
	unsigned i = 0;
	while (i < a->nfree && a->free[i].start < iova)
		i++;
	bool join_prev = i > 0 && a->free[i - 1].last + 1 == iova;
	bool join_next = i < a->nfree && last + 1 == a->free[i].start;
	if (join_prev && join_next) {
		a->free[i - 1].last = a->free[i].last;
		memmove(&a->free[i], &a->free[i + 1], (a->nfree - i - 1) * sizeof(a->free[0]));
		a->nfree--;
	} else if (join_prev) {
		a->free[i - 1].last = last;
	} else if (join_next) {
		a->free[i].start = iova;
	} else {
		/* Growing can only fail on allocation failure; the block is then
		 * lost to the allocator, never handed out twice. */
		if (grow(a, a->nfree + 1, NULL))
			return;
		memmove(&a->free[i + 1], &a->free[i], (a->nfree - i) * sizeof(a->free[0]));
		a->free[i] = (struct iova_range){iova, last};
		a->nfree++;
	}
}

bool iova_valid(const struct iova_alloc *a, uint64_t iova, uint64_t len)
{
	if (len == 0 || iova > UINT64_MAX - (len - 1))
		return false;
	for (unsigned i = 0; i < a->nvalid; i++)
		if (a->valid[i].start <= iova && iova + len - 1 <= a->valid[i].last)
			return true;
	return false;
}

void iova_describe(const struct iova_alloc *a, char *buf, size_t len)
{
	size_t n = 0;
	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < a->nvalid && n < len; i++) {
		int m = snprintf(buf + n, len - n, "%s%#llx-%#llx", i ? ", " : "",
				 (unsigned long long)a->valid[i].start,
				 (unsigned long long)a->valid[i].last);
		if (m < 0)
			break;
		n += (size_t)m;
	}
}
