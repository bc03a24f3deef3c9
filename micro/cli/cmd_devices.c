#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/util/hostfs.h"
#include "driver/host/blockdev.h"
#include "driver/host/sysinfo.h"
#include "micro/cli/cmd.h"
#include "micro/cli/opts.h"

#define MAX_DEVICES 64

/* One block device the kernel backend could take, with what its options
 * need: poll queues for poll=1, the generic char device for passthru=1. */
static void print_blockdev(const struct blockdev_info *bd, void *arg)
{
	(void)arg;
	uint64_t mib = (bd->nlbas << bd->lba_shift) >> 20;
	printf("%-12s %llu MiB, %u-byte blocks, poll queues %s", bd->dev_path,
	       (unsigned long long)mib, 1u << bd->lba_shift, bd->io_poll ? "yes" : "no");
	if (bd->nvme)
		printf(", nsid %u, passthru %s%s", bd->nsid, bd->ng_path,
		       hostfs_exists(bd->ng_path) ? "" : " (absent)");
	if (bd->bdf[0])
		printf(", PCI %s", bd->bdf);
	printf("\n");
}

/* iotlbench devices [--root DIR]: NVMe functions and which real backend
 * could open each, with the reason when not. */
int cmd_devices(int argc, char **argv)
{
	int rc = cli_root_opts(
	    argc, argv, "devices",
	    "Lists NVMe controllers and which backends can open each, with the reason when not, "
	    "and the block devices the kernel backend can use.");
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
	printf("block devices for the kernel backend (--backend kernel --device DEV):\n");
	if (!blockdev_each(print_blockdev, NULL))
		printf("  none with a capacity in /sys/block\n");
	return 0;
}
