#include "micro/run/iommu_info.h"

#include "driver/host/vtd_cap.h"
#include "driver/host/uapi/iommufd_abi.h"
#include "driver/host/vtd_debugfs.h"
#include "micro/kinds/keys.h"

static json_object *jhex(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%016llx", (unsigned long long)v);
	return json_object_new_string(b);
}

/* IOMMU_GET_HW_INFO as the kernel gave it, and for VT-d the capability
 * fields that decide what the benchmarks can see (vtd_cap.h cites the
 * spec). */
static json_object *hw_info_json(struct backend *be)
{
	json_object *o = json_object_new_object();
	struct backend_hw_info hi;
	struct err e = {0};
	if (backend_hw_info(be, &hi, &e)) {
		json_object_object_add(o, "why_not", json_object_new_string(e.msg));
		return o;
	}
	json_object_object_add(
	    o, "type",
	    json_object_new_string(hi.type == IOMMU_HW_INFO_TYPE_INTEL_VTD ? "intel-vtd"
				   : hi.type == IOMMU_HW_INFO_TYPE_NONE	   ? "none"
									   : "other"));
	json_object_object_add(o, "type_id", json_object_new_int((int)hi.type));
	json_object_object_add(o, "max_pasid_log2", json_object_new_int(hi.max_pasid_log2));
	json_object_object_add(o, "capabilities", jhex(hi.capabilities));
	if (hi.type != IOMMU_HW_INFO_TYPE_INTEL_VTD)
		return o;
	struct vtd_caps c;
	vtd_caps_decode(hi.cap_reg, hi.ecap_reg, &c);
	char sizes[32];
	json_object_object_add(o, "cap_reg", jhex(hi.cap_reg));
	json_object_object_add(o, "ecap_reg", jhex(hi.ecap_reg));
	json_object_object_add(
	    o, "sl_leaf_sizes",
	    json_object_new_string(vtd_sizes_text(c.sl_leaf_sizes, sizes, sizeof(sizes))));
	json_object_object_add(o, "fl_1g", json_object_new_boolean(c.fl_1g));
	json_object_object_add(o, "mgaw", json_object_new_int((int)c.mgaw));
	json_object_object_add(o, "sagaw", json_object_new_int((int)c.sagaw));
	json_object_object_add(o, "caching_mode", json_object_new_boolean(c.caching_mode));
	json_object_object_add(o, "psi", json_object_new_boolean(c.psi));
	json_object_object_add(o, "domain_ids", json_object_new_int64(1ll << c.ndoms_log2));
	json_object_object_add(o, "queued_invalidation", json_object_new_boolean(c.qi));
	json_object_object_add(o, "pass_through", json_object_new_boolean(c.pass_through));
	json_object_object_add(o, "scalable_mode", json_object_new_boolean(c.scalable_mode));
	json_object_object_add(o, "device_iotlb", json_object_new_boolean(c.dev_iotlb));
	return o;
}

void iommu_info_record(json_object *meta, struct bench_env *env, const char *bdf,
		       unsigned iommu_huge, FILE *out)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "iommu_huge",
			       json_object_new_string(key_iommu_huge.choices[iommu_huge]));
	json_object_object_add(o, "hw_info", hw_info_json(env->be));
	/* The leaves can be counted where a PCI function's DMA goes through
	 * mappings this process made (not the kernel driver's per-I/O ones)
	 * and its VT-d page table can be dumped now. */
	struct err e = {0};
	struct vtd_leaves lv;
	const char *why = NULL;
	if (!bdf)
		why = "no PCI device: the emulated controller's IOMMU model uses the leaf sizes of "
		      "its preset (iommu_huge = off: 4 KiB only)";
	else if (env->kio)
		why = "the kernel driver maps each I/O itself through the DMA API; its IOVAs are "
		      "not the case's buffer";
	else if (vtd_leaves_read(bdf, 0, 0, &lv, &e))
		why = e.msg;
	json_object *l = json_object_new_object();
	json_object_object_add(l, "source", json_object_new_string("iommu_debugfs"));
	json_object_object_add(l, "recorded", json_object_new_boolean(!why));
	json_object_object_add(l, "why_not", why ? json_object_new_string(why) : NULL);
	json_object_object_add(o, "leaves", l);
	json_object_object_add(meta, "iommu", o);
	if (!why)
		env->leaf_bdf = bdf;
	else if (bdf && out)
		fprintf(out, "IOPTE leaves not recorded: %s\n", why);
}
