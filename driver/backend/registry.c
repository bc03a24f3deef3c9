#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver/mem/mem.h"
#include "driver/util/probes.h"
#include "driver/backend/dma_api.h"
#include "driver/backend/emu.h"
#include "driver/backend/kernel.h"
#include "driver/backend/real.h"
#include "driver/util/array.h"

/* Every backend, in the order help text lists them. Later backends (pagemap,
 * vfio, iommufd) add their ops table here and nowhere else. */
static const struct backend_ops *const backends[] = {
    &backend_emu_ops,	  &backend_pagemap_ops, &backend_vfio_ops,
    &backend_iommufd_ops, &backend_kernel_ops,	&backend_dma_api_ops,
};

#define NBACKENDS (ARRAY_SIZE(backends))

const struct backend_ops *backend_find(const char *name)
{
	for (size_t i = 0; name && i < NBACKENDS; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const char *backend_names(void)
{
	static char names[256];
	if (!names[0])
		for (size_t i = 0; i < NBACKENDS; i++) {
			if (i)
				strncat(names, ",", sizeof(names) - strlen(names) - 1);
			strncat(names, backends[i]->name, sizeof(names) - strlen(names) - 1);
		}
	return names;
}

/* The NVMe core's view of a backend (driver/dma.h). */
static int dev_alloc(struct dma_dev *d, size_t len, size_t page_size, uint32_t prot,
		     struct dma_buf *buf, struct err *e)
{
	return backend_dma_alloc(container_of(d, struct backend, dev), len, page_size, prot, buf,
				 e);
}

static void dev_free(struct dma_dev *d, struct dma_buf *buf)
{
	backend_dma_free(container_of(d, struct backend, dev), buf);
}

static int check_iommu_huge(const struct backend_ops *ops, enum iommu_huge huge, struct err *e);
static int set_iommu_huge(struct backend *b, bool on, struct err *e);

static const struct dma_dev_ops backend_dev_ops = {.alloc = dev_alloc, .free = dev_free};

int backend_open(const char *name, const struct backend_cfg *cfg, struct backend **out,
		 struct err *e)
{
	const struct backend_ops *ops = backend_find(name);
	if (!ops)
		return err_set(e, EINVAL, "unknown backend '%s'; available: %s", name ? name : "",
			       backend_names());
	enum iommu_huge huge = cfg ? cfg->iommu_huge : IOMMU_HUGE_DEFAULT;
	int rc = check_iommu_huge(ops, huge, e);
	if (rc)
		return rc;
	rc = ops->open(cfg, out, e);
	if (rc)
		return err_wrap(e, "opening backend %s", ops->name);
	/* Each backend sets its own table when it allocates its handle, so
	 * its checked downcasts hold from the start. */
	assert((*out)->ops == ops);
	(*out)->dev.ops = &backend_dev_ops;
	/* The leaf sizes before the first mapping: IOMMUFD refuses to forbid
	 * huge IOPTEs once an attached IOAS holds a mapping
	 * (drivers/iommu/iommufd/io_pagetable.c, iopt_disable_large_pages). */
	if (huge != IOMMU_HUGE_DEFAULT && ops->set_iommu_huge) {
		rc = set_iommu_huge(*out, huge == IOMMU_HUGE_ON, e);
		if (rc) {
			backend_close(*out);
			*out = NULL;
			return rc;
		}
	}
	return 0;
}

/* "iommufd, emu": the backends that can choose their IOPTE sizes. */
static const char *huge_takers(char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NBACKENDS && n < len; i++)
		if (backends[i]->set_iommu_huge)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
					      backends[i]->name);
	return buf;
}

/* Before the backend is opened: a backend that cannot choose its IOPTE sizes
 * refuses the setting up front, naming the ones that can. */
static int check_iommu_huge(const struct backend_ops *ops, enum iommu_huge huge, struct err *e)
{
	char takers[128];
	if (huge == IOMMU_HUGE_DEFAULT || ops->set_iommu_huge ||
	    (huge == IOMMU_HUGE_ON && ops->iommu_huge_always))
		return 0;
	return err_set(e, EINVAL,
		       "iommu_huge = %s: the %s backend cannot choose IOPTE sizes (%s); leave "
		       "iommu_huge at default, or use a backend that can: %s",
		       huge == IOMMU_HUGE_ON ? "on" : "off", ops->name,
		       ops->no_iommu_huge ? ops->no_iommu_huge : "no reason given",
		       huge_takers(takers, sizeof(takers)));
}

static int set_iommu_huge(struct backend *b, bool on, struct err *e)
{
	int rc = b->ops->set_iommu_huge(b, on, e);
	return rc ? err_wrap(e, "iommu_huge = %s on backend %s", on ? "on" : "off", b->ops->name)
		  : 0;
}

int backend_hw_info(struct backend *b, struct backend_hw_info *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (!b->ops->hw_info)
		return err_set(e, EOPNOTSUPP,
			       "the %s backend has no IOMMU_GET_HW_INFO (only iommufd binds the "
			       "device to an iommufd, which that ioctl needs)",
			       b->ops->name);
	return b->ops->hw_info(b, out, e);
}

void backend_close(struct backend *b)
{
	if (b)
		b->ops->close(b);
}

/* The probes see the device address the backend chose: the IOVA for IOMMU
 * backends, the first page's bus address for pagemap. */
static uint64_t buf_dev_addr(const struct dma_buf *buf)
{
	return buf->pages ? buf->pages[0] : buf->iova;
}

int backend_map(struct backend *b, struct dma_buf *buf, uint32_t prot, struct err *e)
{
	if (IOTLB_PROBE_ON(dma_map_start))
		IOTLB_PROBE4(dma_map_start, b->ops->name, buf->va, buf->len, prot);
	int rc = b->ops->map(b, buf, prot, e);
	if (IOTLB_PROBE_ON(dma_map_done))
		IOTLB_PROBE4(dma_map_done, b->ops->name, rc ? 0 : buf_dev_addr(buf), buf->len,
			     (long)rc);
	return rc;
}

int backend_unmap(struct backend *b, struct dma_buf *buf, struct err *e)
{
	/* Read before the call: an unmap may clear the buffer's addresses. */
	uint64_t iova = 0;
	if (IOTLB_PROBE_ON(dma_unmap_start) || IOTLB_PROBE_ON(dma_unmap_done)) {
		iova = buf_dev_addr(buf);
		IOTLB_PROBE3(dma_unmap_start, b->ops->name, iova, buf->len);
	}
	int rc = b->ops->unmap(b, buf, e);
	if (IOTLB_PROBE_ON(dma_unmap_done))
		IOTLB_PROBE4(dma_unmap_done, b->ops->name, iova, buf->len, (long)rc);
	return rc;
}

int backend_dma_alloc(struct backend *b, size_t len, size_t page_size, uint32_t prot,
		      struct dma_buf *buf, struct err *e)
{
	int rc = backend_mem_alloc(b, len, page_size, buf, e);
	if (rc)
		return rc;
	rc = backend_map(b, buf, prot, e);
	if (rc) {
		backend_mem_free(b, buf);
		return rc;
	}
	return 0;
}

void backend_dma_free(struct backend *b, struct dma_buf *buf)
{
	struct err ignore;
	backend_unmap(b, buf, &ignore);
	backend_mem_free(b, buf);
}

int backend_set_mem_kind(struct backend *b, enum mem_kind kind, struct err *e)
{
	if (!b->ops->set_mem_kind) {
		char takers[128] = "";
		size_t n = 0;
		for (size_t i = 0; i < NBACKENDS && n < sizeof(takers); i++)
			if (backends[i]->set_mem_kind)
				n += (size_t)snprintf(takers + n, sizeof(takers) - n, "%s%s",
						      n ? ", " : "", backends[i]->name);
		return err_set(e, EINVAL, "the %s backend takes no memory kind; these do: %s",
			       b->ops->name, takers);
	}
	return b->ops->set_mem_kind(b, kind, e);
}
