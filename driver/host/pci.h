/* PCI functions as sysfs shows them (Documentation/ABI/testing/sysfs-bus-pci):
 * BDF parsing, class, bound driver, IOMMU group and VFIO device cdev. All
 * paths go through hostfs, so fixture trees can stand in for /sys. */
#ifndef IOTLB_PCI_H
#define IOTLB_PCI_H

#include <stdint.h>

#include "driver/util/err.h"

/* NVM Express I/O controller: base class 01h (mass storage), subclass 08h
 * (non-volatile memory), programming interface 02h (NVMe). */
#define PCI_CLASS_NVME 0x010802u

struct pci_addr {
	uint16_t domain;
	uint8_t bus, dev, fn;
	char str[16]; /* canonical "dddd:bb:dd.f", as sysfs names it */
};

/* Parses "DDDD:BB:DD.F" (hex; device 00-1f, function 0-7). */
int pci_addr_parse(const char *s, struct pci_addr *a, struct err *e);

/* Fails with a clear message when sysfs has no such function. */
int pci_dev_check(const struct pci_addr *a, struct err *e);
/* A hex attribute ("class", "vendor", "device"); 0 or -errno. */
int pci_dev_attr(const struct pci_addr *a, const char *attr, uint64_t *v);
/* Name of the bound kernel driver; "" (and 0) when none is bound. */
int pci_dev_driver(const struct pci_addr *a, char *buf, size_t len);
/* IOMMU group number, or -ENOENT when the device has no group (no IOMMU). */
int pci_dev_iommu_group(const struct pci_addr *a, int *group);
/* "vfioN" of the device's VFIO cdev (vfio-dev/ directory, kernel >= 6.6
 * with CONFIG_VFIO_DEVICE_CDEV), or -ENOENT. */
int pci_dev_vfio_cdev(const struct pci_addr *a, char *buf, size_t len);

/* Functions whose 24-bit class code equals `class_code`, sorted by BDF.
 * Returns how many exist (may exceed max; only max are stored), or -errno. */
int pci_list(uint32_t class_code, struct pci_addr *out, int max);

#endif
