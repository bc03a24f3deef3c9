/* NVMe definitions. Register offsets and fields, opcodes, status codes and
 * the Identify data structures come from libnvme's <nvme/types.h> (Debian
 * libnvme-dev); the queue entry layouts, which libnvme does not define
 * because it only talks to the kernel's ioctl interface, are here. */
#ifndef IOTLB_NVME_SPEC_H
#define IOTLB_NVME_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <nvme/types.h>

/* NVMe base 1.4, 4.2 "Submission Queue Entry – Command Format" (Figure 104). */
struct nvme_sqe {
	uint8_t opc;
	uint8_t flags; /* FUSE (1:0), PSDT (7:6): 0 = PRPs */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t mptr;
	uint64_t prp1;
	uint64_t prp2;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "SQE is 64 bytes (CC.IOSQES = 6)");

/* NVMe base 1.4, 4.6 "Completion Queue Entry" (Figure 124). DW3 holds the
 * command identifier (15:0), the phase tag (bit 16) and the status field
 * (31:17); the device writes it last so a valid phase means a whole entry. */
struct nvme_cqe {
	uint32_t dw0;
	uint32_t dw1;
	uint16_t sqhd;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status; /* bit 0: phase tag, bits 15:1: status field */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQE is 16 bytes (CC.IOCQES = 4)");

#define NVME_SQE_SHIFT 6
#define NVME_CQE_SHIFT 4

/* The driver always uses a 4 KiB memory page size (CC.MPS = 0): it is the
 * IOMMU's smallest page everywhere and every controller supports it. */
#define NVME_PAGE_SHIFT 12
#define NVME_PAGE_SIZE	(1u << NVME_PAGE_SHIFT)

/* CSTS bits (3.1.6) as masks; libnvme gives only their shifts. */
#define NVME_CSTS_BIT_RDY (1u << NVME_CSTS_RDY_SHIFT)
#define NVME_CSTS_BIT_CFS (1u << NVME_CSTS_CFS_SHIFT)

/* Doorbells (3.1.24/3.1.25): SQ y tail at 0x1000 + (2y) * (4 << DSTRD),
 * CQ y head at 0x1000 + (2y + 1) * (4 << DSTRD). */
static inline uint32_t nvme_sq_db_off(uint16_t qid, unsigned dstrd)
{
	return 0x1000u + (2u * qid) * (4u << dstrd);
}

static inline uint32_t nvme_cq_db_off(uint16_t qid, unsigned dstrd)
{
	return 0x1000u + (2u * qid + 1u) * (4u << dstrd);
}

/* Status as the driver reports it: the 15-bit status field of the CQE
 * (SC 7:0, SCT 10:8, CRD 12:11, M 13, DNR 14), or a host-side condition in
 * the bits above it when the device never produced a completion. */
#define NVME_STATUS_SC(s)	  ((s)&0xffu)
#define NVME_STATUS_SCT(s)	  (((s) >> 8) & 0x7u)
#define NVME_STATUS_DNR		  0x4000u
#define NVME_STATUS_DEVICE_MASK	  0x7fffu
#define NVME_STATUS_MAKE(sct, sc) ((uint32_t)(((sct)&7u) << 8 | ((sc)&0xffu)))

enum nvme_host_status {
	NVME_HOST_TIMEOUT = 1u << 16,	/* no completion within the command timeout */
	NVME_HOST_ABORTED = 2u << 16,	/* dropped by a controller reset or queue deletion */
	NVME_HOST_CTRL_FATAL = 3u << 16 /* CSTS.CFS set while the command was outstanding */
};
#define NVME_HOST_MASK 0xffff0000u

/* errno-style code for a failed status: ETIMEDOUT, ECANCELED (reset),
 * EIO (controller fatal or any device error). */
int nvme_status_errno(uint32_t status);

/* Readable text for a driver status (device or host), never NULL. */
const char *nvme_status_str(uint32_t status);

#endif
