/* The kernel backend's ops table (kernel.c). */
#ifndef IOTLB_BACKEND_KERNEL_H
#define IOTLB_BACKEND_KERNEL_H

#include "driver/backend/backend.h"
#include "driver/kio/kio.h"

extern const struct backend_ops backend_kernel_ops;

#endif
