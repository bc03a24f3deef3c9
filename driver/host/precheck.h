/* Preconditions of the real backends, checked from sysfs, /dev and
 * /proc/self before any device is touched, so a failure names what is
 * missing and how to fix it. `iotlbench devices` runs the same checks to say
 * which backends could open each controller. All paths go through hostfs. */
#ifndef IOTLB_PRECHECK_H
#define IOTLB_PRECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver/util/err.h"
#include "driver/host/pci.h"

/* Capability bits (include/uapi/linux/capability.h). */
#define CAP_BIT_IPC_LOCK  14
#define CAP_BIT_SYS_ADMIN 21
#define CAP_BIT_PERFMON	  38
#define CAP_BIT_BPF	  39

/* Pinned DMA memory the driver needs at least (queues, Identify buffer and
 * a modest benchmark buffer) when RLIMIT_MEMLOCK applies. */
#define PRECHECK_MIN_MEMLOCK (16ull << 20)

/* Effective capability set and effective uid from /proc/self/status. */
int precheck_creds(uint64_t *cap_eff, long *euid);
bool precheck_has_cap(int bit);

/* Parses the BDF in cfg->device and checks the function exists. */
int precheck_device(const char *bdf, struct pci_addr *a, struct err *e);
/* RLIMIT_MEMLOCK allows pinning `need` bytes (or CAP_IPC_LOCK lifts it). */
int precheck_memlock(uint64_t need, struct err *e);

int precheck_pagemap(const struct pci_addr *a, struct err *e);
int precheck_vfio(const struct pci_addr *a, int *group, struct err *e);
int precheck_iommufd(const struct pci_addr *a, char *cdev, size_t len, struct err *e);

#endif
