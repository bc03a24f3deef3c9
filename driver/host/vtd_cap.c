#include "driver/host/vtd_cap.h"

#include <stdio.h>

/* Bit positions from the VT-d specification, 11.4.2 (CAP_REG) and 11.4.3
 * (ECAP_REG); the kernel reads the same ones (drivers/iommu/intel/iommu.h). */
void vtd_caps_decode(uint64_t cap, uint64_t ecap, struct vtd_caps *out)
{
	/* SLLPS, bits 37:34: bit 34 = 21-bit page offset (2 MiB leaves in the
	 * second-level tables), bit 35 = 30-bit (1 GiB); bits 36 and 37 are
	 * reserved. 4 KiB leaves always exist. */
	out->sl_leaf_sizes = 1ull << 12;
	if ((cap >> 34) & 1)
		out->sl_leaf_sizes |= 1ull << 21;
	if ((cap >> 35) & 1)
		out->sl_leaf_sizes |= 1ull << 30;
	out->fl_1g = (cap >> 56) & 1;
	out->mgaw = (unsigned)((cap >> 16) & 0x3f) + 1;
	out->sagaw = (unsigned)(cap >> 8) & 0x1f;
	out->caching_mode = (cap >> 7) & 1;
	out->psi = (cap >> 39) & 1;
	out->ndoms_log2 = 4 + 2 * (unsigned)(cap & 7);
	out->qi = (ecap >> 1) & 1;
	out->dev_iotlb = (ecap >> 2) & 1;
	out->pass_through = (ecap >> 6) & 1;
	out->scalable_mode = (ecap >> 43) & 1;
}

const char *vtd_sizes_text(uint64_t sizes, char *buf, unsigned len)
{
	static const char *const names[] = {"4k", "2m", "1g"};
	unsigned n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < 3 && n < len; i++)
		if ((sizes >> (12 + 9 * i)) & 1)
			n += (unsigned)snprintf(buf + n, len - n, "%s%s", n ? "," : "", names[i]);
	return buf;
}
