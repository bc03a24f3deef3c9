#include "driver/host/pci.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/util/hostfs.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits at s, or -1. */
static long hexn(const char *s, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		int d = hexval(s[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

int pci_addr_parse(const char *s, struct pci_addr *a, struct err *e)
{
	static const char fmt[] = "expected a PCI address DDDD:BB:DD.F (hex domain, bus, device "
				  "00-1f, function 0-7), e.g. 0000:00:04.0";
	if (!s || !*s)
		return err_set(e, EINVAL, "no PCI device given: %s", fmt);
	/* Fixed layout: 4 + 1 + 2 + 1 + 2 + 1 + 1 characters. */
	if (strlen(s) != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return err_set(e, EINVAL, "bad PCI address '%s': %s", s, fmt);
	long dom = hexn(s, 4), bus = hexn(s + 5, 2), dev = hexn(s + 8, 2), fn = hexn(s + 11, 1);
	if (dom < 0 || bus < 0 || dev < 0 || fn < 0 || dev > 0x1f || fn > 7)
		return err_set(e, EINVAL, "bad PCI address '%s': %s", s, fmt);
	a->domain = (uint16_t)dom;
	a->bus = (uint8_t)bus;
	a->dev = (uint8_t)dev;
	a->fn = (uint8_t)fn;
	snprintf(a->str, sizeof(a->str), "%04x:%02x:%02x.%x", a->domain, a->bus, a->dev, a->fn);
	return 0;
}

int pci_dev_check(const struct pci_addr *a, struct err *e)
{
	char p[256];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s", a->str);
	if (!hostfs_exists(p))
		return err_set(e, ENODEV,
			       "no PCI device %s (%s%s does not exist): list NVMe controllers with "
			       "'iotlbench devices' or 'lspci -D -d ::0108'",
			       a->str, hostfs_root(), p);
	return 0;
}

int pci_dev_attr(const struct pci_addr *a, const char *attr, uint64_t *v)
{
	char p[256];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/%s", a->str, attr);
	return hostfs_read_u64(p, v);
}

int pci_dev_driver(const struct pci_addr *a, char *buf, size_t len)
{
	char p[256];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/driver", a->str);
	int rc = hostfs_link_name(p, buf, len);
	if (rc == -ENOENT && len) {
		buf[0] = '\0';
		return 0;
	}
	return rc;
}

int pci_dev_iommu_group(const struct pci_addr *a, int *group)
{
	char p[256], name[32];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/iommu_group", a->str);
	int rc = hostfs_link_name(p, name, sizeof(name));
	if (rc)
		return rc;
	char *end;
	long g = strtol(name, &end, 10);
	if (end == name || *end || g < 0)
		return -EINVAL;
	*group = (int)g;
	return 0;
}

int pci_dev_vfio_cdev(const struct pci_addr *a, char *buf, size_t len)
{
	char p[4096];
	if (hostfs_path(p, sizeof(p), PCI_DEVICES "/%s/vfio-dev", a->str))
		return -ENAMETOOLONG;
	DIR *d = opendir(p);
	if (!d)
		return -errno;
	int rc = -ENOENT;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "vfio", 4) && de->d_name[4] >= '0' &&
		    de->d_name[4] <= '9') {
			rc = strlen(de->d_name) < len ? 0 : -ENAMETOOLONG;
			if (!rc)
				strcpy(buf, de->d_name);
			break;
		}
	closedir(d);
	return rc;
}

static int addr_cmp(const void *x, const void *y)
{
	return strcmp(((const struct pci_addr *)x)->str, ((const struct pci_addr *)y)->str);
}

int pci_list(uint32_t class_code, struct pci_addr *out, int max)
{
	char p[4096];
	if (hostfs_path(p, sizeof(p), PCI_DEVICES))
		return -ENAMETOOLONG;
	DIR *d = opendir(p);
	if (!d)
		return -errno;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct pci_addr a;
		uint64_t cls;
		if (pci_addr_parse(de->d_name, &a, NULL))
			continue;
		if (pci_dev_attr(&a, "class", &cls) || (uint32_t)cls != class_code)
			continue;
		if (n < max)
			out[n] = a;
		n++;
	}
	closedir(d);
	qsort(out, (size_t)(n < max ? n : max), sizeof(*out), addr_cmp);
	return n;
}
