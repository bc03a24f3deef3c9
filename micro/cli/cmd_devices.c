#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/util/hostfs.h"
#include "driver/host/sysinfo.h"
#include "micro/cli/cmd.h"
#include "micro/cli/opts.h"

#define MAX_DEVICES 64

/* iotlbench devices [--root DIR]: NVMe functions and which real backend
 * could open each, with the reason when not. */
int cmd_devices(int argc, char **argv)
{
	int rc = cli_root_opts(
	    argc, argv, "devices",
	    "Lists NVMe controllers and which backends can open each, with the reason when not.");
	if (rc >= 0)
		return rc;
	struct err e = {0};
	struct sysinfo_dev *d = calloc(MAX_DEVICES, sizeof(*d));
	if (!d) {
		fprintf(stderr, "iotlbench devices: out of memory\n");
		return 1;
	}
	int n = sysinfo_devices(d, MAX_DEVICES, &e);
	if (n < 0) {
		fprintf(stderr, "iotlbench devices: %s\n", e.msg);
		free(d);
		return 1;
	}
	if (n == 0)
		printf("no NVMe controllers (PCI class 010802) found\n");
	for (int i = 0; i < n && i < MAX_DEVICES; i++) {
		char group[16] = "(none)";
		if (d[i].group >= 0)
			snprintf(group, sizeof(group), "%d", d[i].group);
		printf("%s  %04x:%04x  driver %s  iommu_group %s  cdev %s\n", d[i].addr.str,
		       d[i].vendor, d[i].device, d[i].driver[0] ? d[i].driver : "(none)", group,
		       d[i].cdev[0] ? d[i].cdev : "(none)");
		for (int b = 0; b < SYSINFO_NBACKENDS; b++)
			printf("    %-8s %s%s\n", sysinfo_backend_names[b],
			       d[i].can[b] ? "ok" : "no: ", d[i].why[b]);
	}
	if (n > MAX_DEVICES)
		printf("(%d more not shown)\n", n - MAX_DEVICES);
	free(d);
	return 0;
}
