#include "driver/host/precheck.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "driver/util/hostfs.h"

int precheck_creds(uint64_t *cap_eff, long *euid)
{
	char p[4096];
	if (hostfs_path(p, sizeof(p), "/proc/self/status"))
		return -ENAMETOOLONG;
	FILE *f = fopen(p, "re");
	if (!f)
		return -errno;
	char line[256];
	int found = 0;
	*cap_eff = 0;
	*euid = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long c;
		long r, eu;
		if (sscanf(line, "CapEff: %llx", &c) == 1) {
			*cap_eff = c;
			found |= 1;
		} else if (sscanf(line, "Uid: %ld %ld", &r, &eu) == 2) {
			*euid = eu;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -ENOENT;
}

bool precheck_has_cap(int bit)
{
	uint64_t caps;
	long euid;
	return !precheck_creds(&caps, &euid) && (caps >> bit & 1);
}

int precheck_device(const char *bdf, struct pci_addr *a, struct err *e)
{
	int rc = pci_addr_parse(bdf, a, e);
	return rc ? rc : pci_dev_check(a, e);
}

int precheck_memlock(uint64_t need, struct err *e)
{
	struct rlimit rl;
	if (precheck_has_cap(CAP_BIT_IPC_LOCK) || getrlimit(RLIMIT_MEMLOCK, &rl) ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	return err_set(e, ENOMEM,
		       "RLIMIT_MEMLOCK is %llu KiB but DMA buffers must be pinned (at least "
		       "%llu KiB): raise it with 'ulimit -l unlimited' (or a memlock line in "
		       "/etc/security/limits.conf), or run as root (CAP_IPC_LOCK)",
		       (unsigned long long)rl.rlim_cur >> 10, (unsigned long long)need >> 10);
}

static int vfio_bind_hint(const struct pci_addr *a, const char *drv, struct err *e)
{
	char unbind[160] = "";
	if (drv[0])
		snprintf(unbind, sizeof(unbind), "echo %s > /sys/bus/pci/drivers/%s/unbind; ",
			 a->str, drv);
	return err_set(e, EBUSY,
		       "%s is %s%s, not vfio-pci: modprobe vfio-pci; %secho vfio-pci > "
		       "/sys/bus/pci/devices/%s/driver_override; echo %s > "
		       "/sys/bus/pci/drivers_probe",
		       a->str, drv[0] ? "bound to " : "not bound to any driver", drv, unbind,
		       a->str, a->str);
}

static int need_vfio_pci(const struct pci_addr *a, struct err *e)
{
	char drv[64];
	int rc = pci_dev_driver(a, drv, sizeof(drv));
	if (rc)
		return err_set(e, -rc, "cannot read the driver of %s: %s", a->str, strerror(-rc));
	return strcmp(drv, "vfio-pci") ? vfio_bind_hint(a, drv, e) : 0;
}

static int need_group(const struct pci_addr *a, int *group, struct err *e)
{
	int rc = pci_dev_iommu_group(a, group);
	if (rc)
		return err_set(e, ENODEV,
			       "%s has no IOMMU group: the IOMMU is absent or disabled (enable "
			       "VT-d/AMD-Vi in firmware, boot with intel_iommu=on or amd_iommu=on; "
			       "QEMU: -device intel-iommu); without an IOMMU only the pagemap "
			       "backend works",
			       a->str);
	return 0;
}

static int need_node(const char *node, const char *missing_fix, struct err *e)
{
	char p[4096];
	if (hostfs_path(p, sizeof(p), "%s", node))
		return err_set(e, ENAMETOOLONG, "path too long");
	if (access(p, F_OK))
		return err_set(e, ENOENT, "%s does not exist: %s", p, missing_fix);
	if (access(p, R_OK | W_OK))
		return err_set(e, EACCES,
			       "no permission to open %s: run as root, or give your user the "
			       "node (udev rule, or chown)",
			       p);
	return 0;
}

/* Drivers a VFIO group may hold besides vfio-pci and stay viable: pci-stub
 * and pcieport claim no DMA ownership (driver_managed_dma in the iommu
 * core); a device without a driver does not DMA at all. */
static bool viable_driver(const char *drv)
{
	return !drv[0] || !strncmp(drv, "vfio", 4) || strstr(drv, "vfio-pci") ||
	       !strcmp(drv, "pci-stub") || !strcmp(drv, "pcieport");
}

static int need_viable(int group, struct err *e)
{
	char p[4096], bad[256] = "";
	if (hostfs_path(p, sizeof(p), "/sys/kernel/iommu_groups/%d/devices", group))
		return err_set(e, ENAMETOOLONG, "path too long");
	DIR *d = opendir(p);
	if (!d)
		return 0; /* the kernel's VFIO_GROUP_GET_STATUS will judge */
	struct dirent *de;
	size_t n = 0;
	while ((de = readdir(d))) {
		struct pci_addr o;
		char drv[64];
		if (pci_addr_parse(de->d_name, &o, NULL) || pci_dev_driver(&o, drv, sizeof(drv)))
			continue;
		if (!viable_driver(drv)) {
			int m = snprintf(bad + n, sizeof(bad) - n, "%s%s (%s)", n ? ", " : "",
					 o.str, drv);
			if (m > 0 && (size_t)m < sizeof(bad) - n)
				n += (size_t)m;
		}
	}
	closedir(d);
	if (n)
		return err_set(e, EBUSY,
			       "IOMMU group %d is not viable: every device in it must be bound to "
			       "vfio-pci or unbound, but %s %s; unbind %s too",
			       group, bad, strchr(bad, ',') ? "are not" : "is not",
			       strchr(bad, ',') ? "them" : "it");
	return 0;
}

int precheck_vfio(const struct pci_addr *a, int *group, struct err *e)
{
	int rc = need_node("/dev/vfio/vfio",
			   "load vfio-pci (modprobe vfio-pci), or the kernel lacks VFIO "
			   "(CONFIG_VFIO, CONFIG_VFIO_CONTAINER)",
			   e);
	/* No IOMMU is the more basic problem: vfio-pci could not take the
	 * device anyway, so say that before suggesting a rebind. */
	if (!rc)
		rc = need_group(a, group, e);
	if (!rc)
		rc = need_vfio_pci(a, e);
	if (!rc) {
		char node[64];
		snprintf(node, sizeof(node), "/dev/vfio/%d", *group);
		rc = need_node(node, "vfio-pci has not claimed the group; rebind the device", e);
	}
	if (!rc)
		rc = need_viable(*group, e);
	if (!rc)
		rc = precheck_memlock(PRECHECK_MIN_MEMLOCK, e);
	return rc;
}

int precheck_iommufd(const struct pci_addr *a, char *cdev, size_t len, struct err *e)
{
	int group;
	int rc = need_node("/dev/iommu",
			   "the kernel lacks iommufd (CONFIG_IOMMUFD; modprobe iommufd)", e);
	if (!rc)
		rc = need_group(a, &group, e);
	if (!rc)
		rc = need_vfio_pci(a, e);
	if (!rc && pci_dev_vfio_cdev(a, cdev, len))
		rc = err_set(e, ENOENT,
			     "%s has no VFIO device cdev (no vfio-dev/vfioN in sysfs): the kernel "
			     "needs CONFIG_VFIO_DEVICE_CDEV (Linux 6.6+); use the vfio backend",
			     a->str);
	if (!rc) {
		char node[64];
		snprintf(node, sizeof(node), "/dev/vfio/devices/%s", cdev);
		rc = need_node(node, "devtmpfs did not create it; is /dev mounted?", e);
	}
	if (!rc)
		rc = precheck_memlock(PRECHECK_MIN_MEMLOCK, e);
	return rc;
}

int precheck_pagemap(const struct pci_addr *a, struct err *e)
{
	char drv[64], p[256], type[32];
	int rc = pci_dev_driver(a, drv, sizeof(drv)), group;
	if (rc)
		return err_set(e, -rc, "cannot read the driver of %s: %s", a->str, strerror(-rc));
	if (drv[0])
		return err_set(e, EBUSY,
			       "%s is bound to %s, which owns its registers and DMA: unbind it "
			       "first: echo %s > /sys/bus/pci/drivers/%s/unbind",
			       a->str, drv, a->str, drv);
	/* Physical addresses only reach memory when the IOMMU does not
	 * translate for this device: no IOMMU, or an identity (passthrough)
	 * default domain. In a DMA domain they would fault. */
	if (!pci_dev_iommu_group(a, &group)) {
		snprintf(p, sizeof(p), "/sys/kernel/iommu_groups/%d/type", group);
		if (hostfs_read(p, type, sizeof(type)) > 0 && strcmp(type, "identity"))
			return err_set(e, EPERM,
				       "the IOMMU translates DMA of %s (group %d, domain type %s), "
				       "so physical addresses would fault: boot with iommu=pt or "
				       "intel_iommu=off / amd_iommu=off, or use the vfio or "
				       "iommufd backend",
				       a->str, group, type);
	}
	uint64_t caps;
	long euid;
	if (precheck_creds(&caps, &euid) || !(caps >> CAP_BIT_SYS_ADMIN & 1))
		return err_set(e, EPERM,
			       "the pagemap backend needs CAP_SYS_ADMIN: without it "
			       "/proc/self/pagemap reads page frame numbers as 0 and sysfs "
			       "config writes are refused; run as root");
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/resource0", a->str);
	if (!hostfs_exists(p))
		return err_set(e, ENODEV, "%s has no resource0 (BAR0) in sysfs", a->str);
	return precheck_memlock(PRECHECK_MIN_MEMLOCK, e);
}
