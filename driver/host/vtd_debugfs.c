#include "driver/host/vtd_debugfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/util/hostfs.h"

/* Second-level entry bit 7: PS, the entry maps a page (VT-d spec 9.8). */
#define VTD_PTE_PS (1ull << 7)
/* A table of 64 GiB in 4 KiB leaves is 16 M lines of ~110 bytes; past this
 * the dump says more about a leak than about one case. */
#define VTD_DUMP_MAX (256u << 20)

static const uint64_t leaf_bytes[VTD_NLEAF] = {1ull << 12, 1ull << 21, 1ull << 30};

/* One leaf line; returns 0 and its class, or an error naming the line. */
static int parse_line(const char *l, unsigned lineno, uint64_t *pfn, unsigned *cls, struct err *e)
{
	char *end;
	errno = 0;
	*pfn = strtoull(l, &end, 16);
	if (errno || end == l || strncmp(end, " |", 2))
		return err_set(e, EPROTO, "line %u: expected '0x<IOVA_PFN> |', found '%.40s'",
			       lineno, l);
	const char *p = end + 2;
	uint64_t v[5];
	unsigned n = 0;
	while (*p == '\t' || *p == ' ')
		p++;
	while (*p && *p != '\n') {
		if (n == 5)
			return err_set(e, EPROTO, "line %u: more than five table entries", lineno);
		errno = 0;
		v[n] = strtoull(p, &end, 16);
		if (errno || end == p)
			return err_set(e, EPROTO, "line %u: entry %u is not hex: '%.20s'", lineno,
				       n + 1, p);
		n++;
		p = end;
		while (*p == '\t' || *p == ' ')
			p++;
	}
	if (n < 3 || n > 5)
		return err_set(e, EPROTO, "line %u: %u table entries; the kernel prints 3 to 5",
			       lineno, n);
	*cls = n == 5 ? VTD_LEAF_4K : n == 4 ? VTD_LEAF_2M : VTD_LEAF_1G;
	if (*cls != VTD_LEAF_4K && !(v[n - 1] & VTD_PTE_PS))
		return err_set(e, EPROTO,
			       "line %u: a %s leaf whose entry %#llx lacks PS (bit 7): not the "
			       "layout of drivers/iommu/intel/debugfs.c",
			       lineno, *cls == VTD_LEAF_2M ? "2 MiB" : "1 GiB",
			       (unsigned long long)v[n - 1]);
	return 0;
}

int vtd_leaves_parse(const char *text, uint64_t iova, uint64_t len, struct vtd_leaves *out,
		     struct err *e)
{
	memset(out, 0, sizeof(*out));
	bool table = false;
	unsigned lineno = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		lineno++;
		if (!strncmp(l, "Device ", 7)) {
			table = true;
			continue;
		}
		if (!strncmp(l, "DMA Remapping is not enabled", 28))
			return err_set(
			    e, ENODEV,
			    "the IOMMU does not translate (DMA remapping disabled): boot "
			    "with intel_iommu=on");
		if (strncmp(l, "0x", 2))
			continue; /* the column header, blank lines */
		if (!table)
			return err_set(e, EPROTO, "line %u: a leaf before the 'Device' line",
				       lineno);
		uint64_t pfn = 0;
		unsigned cls = 0;
		int rc = parse_line(l, lineno, &pfn, &cls, e);
		if (rc)
			return rc;
		out->total++;
		uint64_t lo = pfn << 12, hi = lo + leaf_bytes[cls];
		if (len && lo < iova + len && iova < hi)
			out->n[cls]++;
	}
	if (!table)
		return err_set(e, ENOENT,
			       "the dump shows no page table for the device (an identity or "
			       "blocked domain, or none attached)");
	return 0;
}

/* The whole file: debugfs reports size 0, so read until EOF. */
static char *slurp(int fd, struct err *e)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 == cap) {
			char *nb = cap < VTD_DUMP_MAX ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				err_set(e, EFBIG, "the page-table dump passes %u MiB",
					VTD_DUMP_MAX >> 20);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(e, errno, "reading the page-table dump: %s", strerror(errno));
			free(buf);
			return NULL;
		}
		if (r == 0) {
			buf[n] = '\0';
			return buf;
		}
		n += (size_t)r;
	}
	err_set(e, ENOMEM, "out of memory for the page-table dump");
	return NULL;
}

int vtd_leaves_read(const char *bdf, uint64_t iova, uint64_t len, struct vtd_leaves *out,
		    struct err *e)
{
	char rel[160];
	snprintf(rel, sizeof(rel), "/sys/kernel/debug/iommu/intel/%s/domain_translation_struct",
		 bdf);
	int fd = hostfs_open(rel, O_RDONLY);
	if (fd < 0) {
		int err = -fd;
		if (err == ENOENT && !hostfs_exists("/sys/kernel/debug/iommu"))
			return err_set(
			    e, ENOENT,
			    "no /sys/kernel/debug/iommu: mount debugfs (mount -t debugfs "
			    "none /sys/kernel/debug); without an iommu directory there, "
			    "the IOMMU is off or not supported");
		if (err == ENOENT && !hostfs_exists("/sys/kernel/debug/iommu/intel"))
			return err_set(
			    e, ENOENT,
			    "no /sys/kernel/debug/iommu/intel: the IOMMU is not Intel VT-d "
			    "or the kernel lacks CONFIG_INTEL_IOMMU_DEBUGFS");
		return err_set(e, err, "cannot open %s%s: %s%s", hostfs_root(), rel, strerror(err),
			       err == EACCES || err == EPERM ? " (debugfs needs root)" : "");
	}
	char *text = slurp(fd, e);
	close(fd);
	if (!text)
		return -e->code;
	int rc = vtd_leaves_parse(text, iova, len, out, e);
	free(text);
	return rc;
}
