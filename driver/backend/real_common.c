#include <stdlib.h>

#include "driver/backend/real_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

void real_common_init(struct real_common *rc, const struct backend_ops *ops,
		      const struct pci_addr *a)
{
	rc->b.ops = ops;
	rc->addr = *a;
	rc->kind = MEM_KIND_DEFAULT;
	atomic_flag_clear(&rc->alloc_lock);
	rc->b.dev.tr = &rc->tr;
}

/* The lock was taken: yield until its holder, a few dozen instructions
 * from the end of its critical section, lets go. */
__attribute__((noinline, cold)) void real_alloc_lock_wait(struct real_common *rc)
{
	do
		sched_yield();
	while (atomic_flag_test_and_set_explicit(&rc->alloc_lock, memory_order_acquire));
}

int real_err_mapped(const struct dma_buf *buf, struct err *e)
{
	return err_set(e, EBUSY, "buffer is already mapped at IOVA %#llx: unmap it first",
		       (unsigned long long)buf->iova);
}

int real_err_not_mapped(const struct dma_buf *buf, struct err *e)
{
	return err_set(e, EINVAL, "buffer is not mapped%s",
		       buf->map_priv ? " by this backend" : "");
}

uint64_t real_live_mappings(struct backend *b)
{
	return real_count(real_of(b));
}

int real_set_mem_kind(struct backend *b, enum mem_kind kind, struct err *e)
{
	/* A device on the host's DMA path is given one IOMMU page (or, with
	 * pagemap, one physical address) per backing page: sparse memory's
	 * large pages are scattered 4 KiB frames, so the device would reach
	 * memory that is not the buffer's. */
	if (kind == MEM_KIND_SPARSE)
		return err_set(e, EINVAL,
			       "backing = sparse is for the emu backend only: a real device needs "
			       "each page physically contiguous, and sparse 2 MiB or 1 GiB pages "
			       "are scattered 4 KiB frames; use hugetlb or memfd");
	real_of(b)->kind = kind;
	return 0;
}

int real_mem_alloc(struct backend *b, size_t len, size_t page_size, struct dma_buf *buf,
		   struct err *e)
{
	/* backing = hugetlb with 2 MiB pages still gives the queue rings 4 KiB
	 * pages (mem_kind_for()); every data buffer's page size was checked
	 * against its backing when the suite was read. */
	return mem_alloc_kind(len, page_size, mem_kind_for(real_of(b)->kind, page_size), buf, e);
}

void real_mem_free(struct backend *b, struct dma_buf *buf)
{
	(void)b;
	mem_free(buf);
}

int real_pin_error(int err, size_t len, const char *what, struct err *e)
{
	char pin[96];
	snprintf(pin, sizeof(pin), "%s pinning", what);
	return mem_lock_error(err, len, pin, e);
}

int backend_map_at(struct backend *b, struct dma_buf *buf, uint64_t iova, uint32_t prot,
		   struct err *e)
{
	struct real_common *rc = backend_is_real(b) ? real_of(b) : NULL;
	if (!rc || !rc->map_at)
		return err_set(e, EINVAL,
			       "backend %s has no IOVA space to map at: only vfio and "
			       "iommufd map at chosen IOVAs",
			       b ? b->ops->name : "(none)");
	return rc->map_at(b, buf, iova, prot, e);
}

unsigned backend_iova_ranges(struct backend *b, struct iova_range *out, unsigned max)
{
	struct real_common *rc = backend_is_real(b) ? real_of(b) : NULL;
	if (!rc || !rc->iova)
		return 0;
	unsigned n = rc->iova->nvalid < max ? rc->iova->nvalid : max;
	memcpy(out, rc->iova->valid, n * sizeof(*out));
	return n;
}
