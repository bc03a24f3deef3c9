/* State shared by the real backends; each backend's struct starts with it. */
#ifndef IOTLB_REAL_INTERNAL_H
#define IOTLB_REAL_INTERNAL_H

#include <assert.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "driver/host/pci.h"
#include "driver/backend/real.h"

struct real_common {
	struct backend b;
	struct transport tr;
	struct pci_addr addr;
	enum mem_kind kind;
	/* map/unmap may come from several threads: `alloc_lock` guards the
	 * IOVA allocator (real_alloc_lock); nmaps is atomic. No backend keeps
	 * a record per mapping: the buffer carries its IOVA (or pages) and
	 * map_priv names the backend that mapped it. */
	atomic_flag alloc_lock;
	uint64_t nmaps; /* live mappings */
	/* Set by backends that map at IOVAs (vfio, iommufd). */
	int (*map_at)(struct backend *b, struct dma_buf *buf, uint64_t iova, uint32_t prot,
		      struct err *e);
	struct iova_alloc *iova;
};

/* Sets up the common part; `ops` is the backend's own table, set before
 * anything can fail so that close (and its checked downcast) works on a
 * half-opened backend. */
void real_common_init(struct real_common *rc, const struct backend_ops *ops,
		      const struct pci_addr *a);

/* The common part of a real backend's handle, checked to be one. */
static inline struct real_common *real_of(struct backend *b)
{
	assert(backend_is_real(b));
	return container_of(b, struct real_common, b);
}
/* Guards the IOVA allocator of vfio and iommufd. Its critical sections are
 * a few dozen instructions (the allocator's cache hit, or one free-list
 * pass) and never contain a system call: the ioctls run outside. A
 * test-and-set lock is then two inline atomic instructions, where a
 * mutex's lock and unlock are two calls into libc; tools/devbench/bench_ioctl.c
 * measured the mutex pair at ~90 ns under QEMU TCG, about 2 % of a 4 KiB
 * map. A waiter yields rather than spins. */
void real_alloc_lock_wait(struct real_common *rc);

static inline void real_alloc_lock(struct real_common *rc)
{
	if (atomic_flag_test_and_set_explicit(&rc->alloc_lock, memory_order_acquire))
		real_alloc_lock_wait(rc); /* out of line: the map path keeps no loop */
}

static inline void real_alloc_unlock(struct real_common *rc)
{
	atomic_flag_clear_explicit(&rc->alloc_lock, memory_order_release);
}

/* The allocator's three operations, each under the lock (a is the backend's
 * own allocator, passed rather than read through rc->iova: one load fewer
 * on every map and unmap). */
static inline int real_iova_get(struct real_common *rc, struct iova_alloc *a,
				const struct dma_buf *buf, uint64_t *iova, struct err *e)
{
	real_alloc_lock(rc);
	int r = iova_get(a, buf->len, buf->page_size, iova, e);
	real_alloc_unlock(rc);
	return r;
}

static inline int real_iova_reserve(struct real_common *rc, struct iova_alloc *a, uint64_t iova,
				    uint64_t len, struct err *e)
{
	real_alloc_lock(rc);
	int r = iova_reserve(a, iova, len, e);
	real_alloc_unlock(rc);
	return r;
}

static inline void real_iova_put(struct real_common *rc, struct iova_alloc *a, uint64_t iova,
				 uint64_t len)
{
	real_alloc_lock(rc);
	iova_put(a, iova, len);
	real_alloc_unlock(rc);
}

/* The live-mapping count: atomic, so the map/unmap paths need no lock for
 * it (vfio, iommufd). */
static inline void real_count_add(struct real_common *rc)
{
	__atomic_add_fetch(&rc->nmaps, 1, __ATOMIC_RELAXED);
}

static inline void real_count_sub(struct real_common *rc)
{
	__atomic_sub_fetch(&rc->nmaps, 1, __ATOMIC_RELAXED);
}

static inline uint64_t real_count(const struct real_common *rc)
{
	return __atomic_load_n(&rc->nmaps, __ATOMIC_RELAXED);
}

/* vfio and iommufd keep a buffer's mapping in the buffer: map_priv names
 * the backend that mapped it. A buffer that is mapped cannot be mapped
 * again (the first mapping's IOVA would be lost), and only the backend
 * that mapped a buffer unmaps it. Both return 0 or the error. */
int real_err_mapped(const struct dma_buf *buf, struct err *e);
int real_err_not_mapped(const struct dma_buf *buf, struct err *e);

/* Inline: they sit on the timed map/unmap path; the messages do not. */
static inline int real_check_unmapped(const struct dma_buf *buf, struct err *e)
{
	return buf->map_priv ? real_err_mapped(buf, e) : 0;
}

static inline int real_check_mapped_by(const struct dma_buf *buf, const void *owner, struct err *e)
{
	return buf->map_priv != owner ? real_err_not_mapped(buf, e) : 0;
}

/* ops->live_mappings of every real backend. */
uint64_t real_live_mappings(struct backend *b);

/* The memory kind of later allocations (vfio, iommufd; pagemap checks first). */
int real_set_mem_kind(struct backend *b, enum mem_kind kind, struct err *e);

/* Backend memory with the chosen kind (shared by vfio and iommufd). */
int real_mem_alloc(struct backend *b, size_t len, size_t page_size, struct dma_buf *buf,
		   struct err *e);
void real_mem_free(struct backend *b, struct dma_buf *buf);

/* Explains a failed pin (ENOMEM/EPERM from MAP_DMA or IOAS_MAP): the
 * pinned-page accounting against RLIMIT_MEMLOCK. */
int real_pin_error(int err, size_t len, const char *what, struct err *e);

/* The vfio backend's container fd, or -1 for any other backend. */
int backend_vfio_container_fd(struct backend *b);

#endif
