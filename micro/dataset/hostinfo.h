/* What meta.json says about the machine: kernel, command line, CPU, IOMMU
 * type and mode, hugepage pools. The host parts come from sysinfo_probe
 * (driver/host/sysinfo.h), the probe `iotlbench info` prints. */
#ifndef IOTLB_HOSTINFO_H
#define IOTLB_HOSTINFO_H

#include <json-c/json.h>

/* A new JSON object with the host fields of the dataset schema. */
json_object *hostinfo_json(void);

#endif
