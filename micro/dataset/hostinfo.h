/* What meta.json says about the machine: kernel, command line, CPU, IOMMU
 * type and mode, hugepage pools. Read from /proc and /sys. */
#ifndef IOTLB_HOSTINFO_H
#define IOTLB_HOSTINFO_H

#include <json-c/json.h>

/* A new JSON object with the host fields of the dataset schema. */
json_object *hostinfo_json(void);

#endif
