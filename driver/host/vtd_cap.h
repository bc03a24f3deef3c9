/* Decoding the Intel VT-d Capability and Extended Capability registers
 * (Intel VT-d specification rev. 4.1, 11.4.2 and 11.4.3) as
 * IOMMU_GET_HW_INFO hands them out: the few fields that bear on what a
 * benchmark of IOTLB reach and map cost measures. */
#ifndef IOTLB_VTD_CAP_H
#define IOTLB_VTD_CAP_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_caps {
	/* Second-level leaf sizes the page tables may use, as a bitmap of
	 * sizes in bytes (4 KiB always; CAP.SLLPS adds 2 MiB and 1 GiB). */
	uint64_t sl_leaf_sizes;
	bool fl_1g;	     /* CAP.FL1GP: first-level (scalable mode) 1 GiB pages */
	unsigned mgaw;	     /* CAP.MGAW + 1: maximum guest address width, bits */
	unsigned sagaw;	     /* CAP.SAGAW: supported second-level table depths (bitmap) */
	bool caching_mode;   /* CAP.CM: invalid entries may be cached (virtual IOMMUs) */
	bool psi;	     /* CAP.PSI: page-selective IOTLB invalidation */
	unsigned ndoms_log2; /* CAP.ND: 2^(4 + 2 ND) domain ids */
	bool qi;	     /* ECAP.QI: queued invalidation */
	bool pass_through;   /* ECAP.PT */
	bool scalable_mode;  /* ECAP.SMTS */
	bool dev_iotlb;	     /* ECAP.DT: device IOTLBs (ATS) */
};

void vtd_caps_decode(uint64_t cap, uint64_t ecap, struct vtd_caps *out);

/* "4k,2m,1g" for a bitmap of sizes in bytes; returns buf. */
const char *vtd_sizes_text(uint64_t sizes, char *buf, unsigned len);

#endif
