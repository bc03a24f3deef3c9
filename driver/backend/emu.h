/* The emu backend's own interface beyond the generic one: its ops table
 * (the registry lists it) and, for tests and benchmarks that drive the
 * emulated controller directly, the controller and the IOMMU model behind
 * an emu backend. */
#ifndef IOTLB_BACKEND_EMU_H
#define IOTLB_BACKEND_EMU_H

#include "driver/backend/backend.h"

extern const struct backend_ops backend_emu_ops;

/* The emulated controller behind an emu backend (tests inject faults and
 * inspect namespaces through it), or NULL for any other backend. */
struct emu;
struct emu *backend_emu_device(struct backend *b);
/* Its IOMMU model (tests check faults and counters through it), or NULL. */
struct iommu;
struct iommu *backend_emu_model(struct backend *b);

#endif
