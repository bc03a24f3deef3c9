/* The dma-api backend's ops table (dma_api.c). */
#ifndef IOTLB_BACKEND_DMA_API_H
#define IOTLB_BACKEND_DMA_API_H

#include "driver/backend/backend.h"
#include "driver/host/dmamap_bench.h"

extern const struct backend_ops backend_dma_api_ops;

#endif
