/* What `iotlbench info` and `iotlbench devices` report: the host's IOMMU,
 * hugepage pools, limits and privileges, and the NVMe functions with which
 * backend could open each. It is the one probe of the host: the datasets'
 * host record (micro/dataset/hostinfo.c) takes its IOMMU type and mode, kernel,
 * command line and pools from here too, so the two cannot disagree.
 * Everything is read through hostfs, so tests run it on fixture trees; the
 * micro/ commands only print. */
#ifndef IOTLB_SYSINFO_H
#define IOTLB_SYSINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "driver/util/err.h"
#include "driver/host/pci.h"

#define SYSINFO_MAX_POOLS 4
#define SYSINFO_MAX_UNITS 8

struct sysinfo_pool {
	uint64_t size_kb, total, free;
};

struct sysinfo {
	char kernel[128];      /* /proc/sys/kernel/osrelease */
	char cmdline[4096];    /* /proc/cmdline ("" when unreadable) */
	bool iommu;	       /* /sys/class/iommu has a unit */
	char iommu_type[16];   /* intel, amd, arm-smmu, virtio, other; "" without a unit */
	char iommu_units[128]; /* dmar0 dmar1 ... */
	char mode[16];	       /* strict, lazy, passthrough, off, unknown */
	char mode_source[160]; /* what the mode was read from */
	int groups;	       /* entries in /sys/kernel/iommu_groups */
	struct sysinfo_pool pools[SYSINFO_MAX_POOLS];
	int npools;
	uint64_t memlock_cur, memlock_max; /* RLIM_INFINITY = UINT64_MAX */
	long euid;
	bool cap_sys_admin, cap_ipc_lock, cap_bpf, cap_perfmon;
	int perf_paranoid;	 /* INT32_MIN when unreadable */
	int unpriv_bpf_disabled; /* INT32_MIN when unreadable */
	bool dev_vfio, dev_iommu;
};

int sysinfo_probe(struct sysinfo *s, struct err *e);

enum { SYSINFO_PAGEMAP, SYSINFO_VFIO, SYSINFO_IOMMUFD, SYSINFO_NBACKENDS };
extern const char *const sysinfo_backend_names[SYSINFO_NBACKENDS];

struct sysinfo_dev {
	struct pci_addr addr;
	uint16_t vendor, device;
	char driver[32]; /* "" when unbound */
	int group;	 /* -1 without IOMMU group */
	char cdev[16];	 /* "vfioN" or "" */
	bool can[SYSINFO_NBACKENDS];
	char why[SYSINFO_NBACKENDS][ERR_MSG_MAX]; /* when !can */
};

/* The IOMMU mode of one PCI function's group, which is what its DMA
 * actually goes through (a host-wide mode can differ per group: a group's
 * default domain can be switched through its `type` file). */
struct sysinfo_dev_iommu {
	int group;     /* -1: no IOMMU group */
	char type[32]; /* iommu_groups/N/type: DMA, DMA-FQ, identity, ...; "" when absent */
	char mode[24]; /* strict, lazy, passthrough, none (no IOMMU), unknown */
};

/* Fills *out for `bdf` ("0000:00:03.0"); never fails (what cannot be read
 * is "unknown", a function without a group is "none"). */
void sysinfo_device_iommu(const char *bdf, struct sysinfo_dev_iommu *out);

/* NVMe functions (class 0x010802), up to max; returns how many exist. */
int sysinfo_devices(struct sysinfo_dev *out, int max, struct err *e);

#endif
