/* Backing memory for DMA buffers: anonymous 4 KiB pages or hugetlb pages
 * (2 MiB, 1 GiB). The page size is a benchmark parameter because it decides
 * how many IOTLB entries a buffer needs. */
#ifndef IOTLB_MEM_H
#define IOTLB_MEM_H

#include <stddef.h>

#include "../dma.h"
#include "../util/err.h"

#define MEM_4K (4096ul)
#define MEM_2M (2ul << 20)
#define MEM_1G (1ul << 30)

/* Allocates `len` bytes (rounded up to page_size) of zeroed, page-aligned
 * memory and fills buf->va/len/page_size/page_shift. */
int mem_alloc(size_t len, size_t page_size, struct dma_buf *buf, struct err *e);
void mem_free(struct dma_buf *buf);

#endif
