/* Fixture trees standing in for /sys, /proc and /dev: a temporary directory
 * the probing code is pointed at through hostfs_set_root(). Header-only so
 * each test program stays one file. */
#ifndef IOTLB_TEST_SYSFS_FIXTURE_H
#define IOTLB_TEST_SYSFS_FIXTURE_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/util/hostfs.h"

struct fx {
	char root[256];
};

static inline void fx_mkdirs(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

static inline void fx_parent(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	char *slash = strrchr(p, '/');
	if (slash) {
		*slash = '\0';
		fx_mkdirs(p);
	}
}

static inline void fx_dir(struct fx *f, const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s%s", f->root, rel);
	fx_mkdirs(p);
}

static inline void fx_file(struct fx *f, const char *rel, const char *content)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s%s", f->root, rel);
	fx_parent(p);
	FILE *fp = fopen(p, "w");
	if (!fp) {
		fprintf(stderr, "fixture: cannot create %s: %s\n", p, strerror(errno));
		abort();
	}
	fputs(content, fp);
	fclose(fp);
}

static inline void fx_link(struct fx *f, const char *rel, const char *target)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s%s", f->root, rel);
	fx_parent(p);
	unlink(p);
	if (symlink(target, p)) {
		fprintf(stderr, "fixture: cannot link %s: %s\n", p, strerror(errno));
		abort();
	}
}

/* A PCI function as sysfs shows it. driver/cdev NULL and group < 0 leave
 * the link or directory out. The group's devices/ and type are created. */
static inline void fx_pci(struct fx *f, const char *bdf, const char *cls, const char *vendor,
			  const char *device, const char *driver, int group, const char *cdev)
{
	char p[256], t[256], v[32];
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/class", bdf);
	snprintf(v, sizeof(v), "%s\n", cls);
	fx_file(f, p, v);
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", bdf);
	snprintf(v, sizeof(v), "%s\n", vendor);
	fx_file(f, p, v);
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", bdf);
	snprintf(v, sizeof(v), "%s\n", device);
	fx_file(f, p, v);
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/resource0", bdf);
	fx_file(f, p, "");
	if (driver) {
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver", bdf);
		snprintf(t, sizeof(t), "../../../bus/pci/drivers/%s", driver);
		fx_link(f, p, t);
	}
	if (group >= 0) {
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/iommu_group", bdf);
		snprintf(t, sizeof(t), "../../../kernel/iommu_groups/%d", group);
		fx_link(f, p, t);
		snprintf(p, sizeof(p), "/sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
		snprintf(t, sizeof(t), "../../../../bus/pci/devices/%s", bdf);
		fx_link(f, p, t);
	}
	if (cdev) {
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vfio-dev/%s", bdf, cdev);
		fx_dir(f, p);
	}
}

/* /proc/self/status with the given effective uid and capability mask. */
static inline void fx_creds(struct fx *f, long euid, unsigned long long cap_eff)
{
	char s[256];
	snprintf(s, sizeof(s), "Name:\ttest\nUid:\t%ld\t%ld\t%ld\t%ld\nCapEff:\t%016llx\n", euid,
		 euid, euid, euid, cap_eff);
	fx_file(f, "/proc/self/status", s);
}

static inline void fx_init(struct fx *f)
{
	snprintf(f->root, sizeof(f->root), "/tmp/iotlb-fx-XXXXXX");
	if (!mkdtemp(f->root)) {
		fprintf(stderr, "fixture: mkdtemp: %s\n", strerror(errno));
		abort();
	}
	hostfs_set_root(f->root);
}

static inline int fx_rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static inline void fx_fini(struct fx *f)
{
	hostfs_set_root(NULL);
	nftw(f->root, fx_rm, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
