#include "driver/host/sysinfo.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "driver/util/hostfs.h"
#include "driver/host/precheck.h"

const char *const sysinfo_backend_names[SYSINFO_NBACKENDS] = {"pagemap", "vfio", "iommufd"};

/* Unit names in /sys/class/iommu tell the hardware: dmarN for Intel VT-d,
 * ivhdN for AMD-Vi, smmu3./arm-smmu for ARM, virtio-iommu for a paravirtual
 * one. */
static const char *unit_type(const char *name)
{
	if (!strncmp(name, "dmar", 4))
		return "intel";
	if (!strncmp(name, "ivhd", 4))
		return "amd";
	if (strstr(name, "smmu"))
		return "arm-smmu";
	if (strstr(name, "virtio"))
		return "virtio";
	return "other";
}

static void probe_units(struct sysinfo *s)
{
	char p[4096];
	if (hostfs_path(p, sizeof(p), "/sys/class/iommu"))
		return;
	DIR *d = opendir(p);
	if (!d)
		return;
	struct dirent *de;
	size_t n = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!s->iommu)
			snprintf(s->iommu_type, sizeof(s->iommu_type), "%s", unit_type(de->d_name));
		s->iommu = true;
		int m = snprintf(s->iommu_units + n, sizeof(s->iommu_units) - n, "%s%s",
				 n ? " " : "", de->d_name);
		if (m > 0 && (size_t)m < sizeof(s->iommu_units) - n)
			n += (size_t)m;
	}
	closedir(d);
}

/* Default-domain types of the groups (Documentation/ABI/testing/
 * sysfs-kernel-iommu_groups): DMA = strict invalidation on unmap, DMA-FQ =
 * lazy (flush queue), identity = passthrough. The first group with a known
 * type decides; the count of groups is reported too. */
static const char *type_mode(const char *type)
{
	if (!strcmp(type, "DMA"))
		return "strict";
	if (!strcmp(type, "DMA-FQ"))
		return "lazy";
	if (!strcmp(type, "identity"))
		return "passthrough";
	return NULL;
}

void sysinfo_device_iommu(const char *bdf, struct sysinfo_dev_iommu *out)
{
	memset(out, 0, sizeof(*out));
	out->group = -1;
	char p[160], name[32];
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%.32s/iommu_group", bdf ? bdf : "");
	if (!bdf || hostfs_link_name(p, name, sizeof(name))) {
		/* No group: nothing translates this function's DMA (no IOMMU,
		 * intel_iommu=off), or the function does not exist. */
		snprintf(out->mode, sizeof(out->mode), "none");
		return;
	}
	out->group = atoi(name);
	snprintf(p, sizeof(p), "/sys/kernel/iommu_groups/%d/type", out->group);
	const char *m = NULL;
	if (hostfs_read(p, out->type, sizeof(out->type)) > 0)
		m = type_mode(out->type);
	else
		out->type[0] = '\0';
	snprintf(out->mode, sizeof(out->mode), "%s", m ? m : "unknown");
}

static void probe_groups(struct sysinfo *s)
{
	char p[4096];
	if (hostfs_path(p, sizeof(p), "/sys/kernel/iommu_groups"))
		return;
	DIR *d = opendir(p);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		s->groups++;
		char tp[128], type[32];
		snprintf(tp, sizeof(tp), "/sys/kernel/iommu_groups/%.32s/type", de->d_name);
		const char *m;
		if (!s->mode[0] && hostfs_read(tp, type, sizeof(type)) > 0 &&
		    (m = type_mode(type))) {
			snprintf(s->mode, sizeof(s->mode), "%s", m);
			snprintf(s->mode_source, sizeof(s->mode_source),
				 "iommu_groups/%.32s/type = %s", de->d_name, type);
		}
	}
	closedir(d);
}

/* Kernel parameters that set the mode (admin-guide/kernel-parameters.txt):
 * iommu.strict=, iommu.passthrough=, iommu=pt, intel_iommu=off|on,
 * amd_iommu=off. Later words override earlier ones, as in the kernel. */
static void cmdline_mode(const char *cmd, char *mode, size_t len, char *word, size_t wlen)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", cmd);
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		const char *m = NULL;
		if (!strcmp(w, "iommu.strict=1"))
			m = "strict";
		else if (!strcmp(w, "iommu.strict=0"))
			m = "lazy";
		else if (!strcmp(w, "iommu=pt") || !strcmp(w, "iommu.passthrough=1"))
			m = "passthrough";
		else if (!strcmp(w, "intel_iommu=off") || !strcmp(w, "amd_iommu=off") ||
			 !strcmp(w, "iommu=off"))
			m = "off";
		if (m) {
			snprintf(mode, len, "%s", m);
			snprintf(word, wlen, "%s", w);
		}
	}
}

static void probe_mode(struct sysinfo *s)
{
	char m[16] = "", w[64] = "";
	probe_groups(s);
	if (hostfs_read("/proc/cmdline", s->cmdline, sizeof(s->cmdline)) > 0)
		cmdline_mode(s->cmdline, m, sizeof(m), w, sizeof(w));
	else
		s->cmdline[0] = '\0';
	if (s->mode[0]) {
		if (m[0]) {
			size_t n = strlen(s->mode_source);
			snprintf(s->mode_source + n, sizeof(s->mode_source) - n,
				 "; /proc/cmdline has %s", w);
		}
		return;
	}
	if (m[0]) {
		snprintf(s->mode, sizeof(s->mode), "%s", m);
		snprintf(s->mode_source, sizeof(s->mode_source), "/proc/cmdline: %s", w);
	} else if (!s->iommu) {
		snprintf(s->mode, sizeof(s->mode), "off");
		snprintf(s->mode_source, sizeof(s->mode_source),
			 "no IOMMU unit in /sys/class/iommu");
	} else {
		snprintf(s->mode, sizeof(s->mode), "unknown");
		snprintf(s->mode_source, sizeof(s->mode_source),
			 "no group reports a type and /proc/cmdline sets none");
	}
}

static int cmp_pool(const void *x, const void *y)
{
	const struct sysinfo_pool *a = x, *b = y;
	return a->size_kb < b->size_kb ? -1 : a->size_kb > b->size_kb;
}

static void probe_pools(struct sysinfo *s)
{
	char p[4096];
	if (hostfs_path(p, sizeof(p), "/sys/kernel/mm/hugepages"))
		return;
	DIR *d = opendir(p);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) && s->npools < SYSINFO_MAX_POOLS) {
		unsigned long long kb;
		if (sscanf(de->d_name, "hugepages-%llukB", &kb) != 1)
			continue;
		struct sysinfo_pool *pl = &s->pools[s->npools];
		char fp[160];
		pl->size_kb = kb;
		snprintf(fp, sizeof(fp), "/sys/kernel/mm/hugepages/%.64s/nr_hugepages", de->d_name);
		hostfs_read_u64(fp, &pl->total);
		snprintf(fp, sizeof(fp), "/sys/kernel/mm/hugepages/%.64s/free_hugepages",
			 de->d_name);
		hostfs_read_u64(fp, &pl->free);
		s->npools++;
	}
	closedir(d);
	qsort(s->pools, (size_t)s->npools, sizeof(s->pools[0]), cmp_pool);
}

static int read_int(const char *path)
{
	char b[32];
	if (hostfs_read(path, b, sizeof(b)) <= 0)
		return INT32_MIN;
	return atoi(b);
}

int sysinfo_probe(struct sysinfo *s, struct err *e)
{
	(void)e;
	memset(s, 0, sizeof(*s));
	if (hostfs_read("/proc/sys/kernel/osrelease", s->kernel, sizeof(s->kernel)) <= 0)
		snprintf(s->kernel, sizeof(s->kernel), "unknown");
	probe_units(s);
	probe_mode(s);
	probe_pools(s);
	struct rlimit rl = {0, 0};
	getrlimit(RLIMIT_MEMLOCK, &rl);
	s->memlock_cur = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur;
	s->memlock_max = rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : rl.rlim_max;
	uint64_t caps = 0;
	s->euid = -1;
	precheck_creds(&caps, &s->euid);
	s->cap_sys_admin = caps >> CAP_BIT_SYS_ADMIN & 1;
	s->cap_ipc_lock = caps >> CAP_BIT_IPC_LOCK & 1;
	s->cap_bpf = caps >> CAP_BIT_BPF & 1;
	s->cap_perfmon = caps >> CAP_BIT_PERFMON & 1;
	s->perf_paranoid = read_int("/proc/sys/kernel/perf_event_paranoid");
	s->unpriv_bpf_disabled = read_int("/proc/sys/kernel/unprivileged_bpf_disabled");
	s->dev_vfio = hostfs_exists("/dev/vfio/vfio");
	s->dev_iommu = hostfs_exists("/dev/iommu");
	return 0;
}

static void check_backends(struct sysinfo_dev *d)
{
	struct err e;
	int group;
	char cdev[32];
	for (int i = 0; i < SYSINFO_NBACKENDS; i++) {
		err_clear(&e);
		int rc = i == SYSINFO_PAGEMAP ? precheck_pagemap(&d->addr, &e)
			 : i == SYSINFO_VFIO  ? precheck_vfio(&d->addr, &group, &e)
					      : precheck_iommufd(&d->addr, cdev, sizeof(cdev), &e);
		d->can[i] = rc == 0;
		snprintf(d->why[i], sizeof(d->why[i]), "%s", rc ? e.msg : "");
	}
}

int sysinfo_devices(struct sysinfo_dev *out, int max, struct err *e)
{
	struct pci_addr *addrs = max > 0 ? calloc((size_t)max, sizeof(*addrs)) : NULL;
	if (max > 0 && !addrs)
		return err_set(e, ENOMEM, "out of memory");
	int n = pci_list(PCI_CLASS_NVME, addrs, max);
	if (n < 0) {
		free(addrs);
		return err_set(e, -n, "cannot list %s/sys/bus/pci/devices: %s", hostfs_root(),
			       strerror(-n));
	}
	for (int i = 0; i < n && i < max; i++) {
		struct sysinfo_dev *d = &out[i];
		uint64_t v;
		memset(d, 0, sizeof(*d));
		d->addr = addrs[i];
		d->vendor = pci_dev_attr(&d->addr, "vendor", &v) ? 0 : (uint16_t)v;
		d->device = pci_dev_attr(&d->addr, "device", &v) ? 0 : (uint16_t)v;
		pci_dev_driver(&d->addr, d->driver, sizeof(d->driver));
		if (pci_dev_iommu_group(&d->addr, &d->group))
			d->group = -1;
		if (pci_dev_vfio_cdev(&d->addr, d->cdev, sizeof(d->cdev)))
			d->cdev[0] = '\0';
		check_backends(d);
	}
	free(addrs);
	return n;
}
