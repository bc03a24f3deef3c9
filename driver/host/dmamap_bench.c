#include "driver/host/dmamap_bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "driver/host/precheck.h"
#include "driver/util/hostfs.h"

#define PCI_BUS "/sys/bus/pci"

/* Drivers that hold a function without serving it to anyone: pci-stub
 * exists to keep other drivers off a device. Any other driver (nvme, a NIC
 * driver, vfio-pci with a VM behind it) has users that would lose the
 * device, so the benchmark refuses it rather than unbinding it. */
static const char *const placeholder_drivers[] = {"pci-stub", NULL};

/* What puts a moved function back, as full paths and bytes prepared while
 * binding, so a signal handler can replay it with open/write/close alone. */
enum { RESTORE_UNBIND, RESTORE_OVERRIDE, RESTORE_PROBE, RESTORE_STEPS };
static struct {
	volatile int armed;
	char path[RESTORE_STEPS][320];
	char data[RESTORE_STEPS][72];
	size_t len[RESTORE_STEPS];
} g_restore;

/* Writes `s` to a sysfs attribute; 0 or -errno. One write(2), as sysfs takes
 * an attribute's whole value per write. */
static int sysfs_write(const char *path, const char *s)
{
	int fd = hostfs_open(path, O_WRONLY);
	if (fd < 0)
		return fd;
	size_t n = strlen(s);
	ssize_t w = write(fd, s, n);
	int rc = w < 0 ? -errno : (size_t)w == n ? 0 : -EIO;
	close(fd);
	return rc;
}

static bool debugfs_mounted(void)
{
	int fd = hostfs_open("/proc/self/mounts", O_RDONLY);
	if (fd < 0)
		return false;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return false;
	}
	char line[512], dev[128], dir[256], type[64];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%127s %255s %63s", dev, dir, type) == 3 &&
			!strcmp(dir, "/sys/kernel/debug") && !strcmp(type, "debugfs");
	fclose(f);
	return found;
}

/* Another function already bound to the benchmark driver, into `other`:
 * the driver makes one debugfs file, so a second probe fails. */
static bool other_bound(const struct pci_addr *a, char *other, size_t len)
{
	char p[256];
	if (hostfs_path(p, sizeof(p), PCI_BUS "/drivers/" DMAB_DRIVER))
		return false;
	DIR *dir = opendir(p);
	if (!dir)
		return false;
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(dir))) {
		struct pci_addr b;
		struct err ignore;
		if (strchr(de->d_name, ':') && !pci_addr_parse(de->d_name, &b, &ignore) &&
		    strcmp(b.str, a->str)) {
			snprintf(other, len, "%s", b.str);
			found = true;
		}
	}
	closedir(dir);
	return found;
}

static int check_free(struct dmab_dev *d, struct err *e)
{
	const char *bdf = d->addr.str;
	char other[32];
	if (other_bound(&d->addr, other, sizeof(other)))
		return err_set(e, EBUSY,
			       "%s is already bound to %s, which serves one device at a time: "
			       "unbind it first: echo %s > " PCI_BUS "/drivers/" DMAB_DRIVER
			       "/unbind",
			       other, DMAB_DRIVER, other);
	if (!strcmp(d->orig_driver, DMAB_DRIVER))
		return 0;
	if (hostfs_exists(DMAB_DEBUGFS))
		return err_set(e, EBUSY,
			       DMAB_DEBUGFS " exists while %s is not bound to %s: a platform "
					    "device holds the benchmark; unbind it from "
					    "/sys/bus/platform/drivers/" DMAB_DRIVER " first",
			       bdf, DMAB_DRIVER);
	if (!d->orig_driver[0])
		return 0;
	for (const char *const *p = placeholder_drivers; *p; p++)
		if (!strcmp(d->orig_driver, *p))
			return 0;
	return err_set(e, EBUSY,
		       "%s is bound to %s, which serves it to its users (for a storage "
		       "controller, the data on it): give a PCI function no driver uses (in a "
		       "QEMU guest: -device pci-testdev), or, if nothing needs this one, unbind "
		       "it first: echo %s > " PCI_BUS "/drivers/%s/unbind",
		       bdf, d->orig_driver, bdf, d->orig_driver);
}

/* Preconditions, in the order a user would fix them. */
static int precheck(struct dmab_dev *d, struct err *e)
{
	uint64_t caps;
	long euid;
	if (precheck_creds(&caps, &euid) || euid != 0)
		return err_set(e, EPERM,
			       "the kernel's dma_map_benchmark needs root: binding a driver "
			       "through sysfs and opening " DMAB_DEBUGFS " (mode 0600 under a "
			       "0700 debugfs) are root's; run as root");
	if (!debugfs_mounted())
		return err_set(e, ENOENT,
			       "debugfs is not mounted at /sys/kernel/debug, where the kernel's "
			       "dma_map_benchmark puts its file: mount -t debugfs none "
			       "/sys/kernel/debug");
	if (!hostfs_exists(PCI_BUS "/drivers/" DMAB_DRIVER))
		return err_set(e, EOPNOTSUPP,
			       "this kernel has no %s driver (" PCI_BUS "/drivers/" DMAB_DRIVER
			       " is missing): build it with CONFIG_DMA_MAP_BENCHMARK=y (Kernel "
			       "hacking > Enable benchmarking of streaming DMA mapping; it "
			       "needs DEBUG_FS)",
			       DMAB_DRIVER);
	char p[256];
	snprintf(p, sizeof(p), PCI_BUS "/devices/%s/driver_override", d->addr.str);
	if (!hostfs_exists(p))
		return err_set(e, EOPNOTSUPP,
			       "%s has no driver_override attribute (kernel before 3.16?): the "
			       "benchmark driver cannot be bound to it",
			       d->addr.str);
	int rc = pci_dev_driver(&d->addr, d->orig_driver, sizeof(d->orig_driver));
	if (rc)
		return err_set(e, -rc, "reading the driver of %s: %s", d->addr.str, strerror(-rc));
	char ov[64] = "";
	if (hostfs_read(p, ov, sizeof(ov)) < 0)
		ov[0] = '\0';
	/* sysfs shows an unset override as "(null)". */
	snprintf(d->orig_override, sizeof(d->orig_override), "%s", strcmp(ov, "(null)") ? ov : "");
	return check_free(d, e);
}

static void restore_step(unsigned i, const char *path, const char *data)
{
	if (hostfs_path(g_restore.path[i], sizeof(g_restore.path[i]), "%s", path))
		g_restore.path[i][0] = '\0';
	snprintf(g_restore.data[i], sizeof(g_restore.data[i]), "%s", data);
	g_restore.len[i] = strlen(g_restore.data[i]);
}

/* Prepares the way back before the first change: unbind from the
 * benchmark, the old override (a lone newline clears it, as
 * driver_set_override() reads it), then, when a driver had the function,
 * a probe so it binds again. */
static void arm_restore(const struct dmab_dev *d)
{
	char p[256], ov[72];
	restore_step(RESTORE_UNBIND, PCI_BUS "/drivers/" DMAB_DRIVER "/unbind", d->addr.str);
	snprintf(p, sizeof(p), PCI_BUS "/devices/%s/driver_override", d->addr.str);
	snprintf(ov, sizeof(ov), "%s\n", d->orig_override);
	restore_step(RESTORE_OVERRIDE, p, ov);
	restore_step(RESTORE_PROBE, PCI_BUS "/drivers_probe", d->orig_driver[0] ? d->addr.str : "");
	g_restore.armed = 1;
}

void dmab_emergency_restore(void)
{
	if (!g_restore.armed)
		return;
	g_restore.armed = 0;
	for (unsigned i = 0; i < RESTORE_STEPS; i++) {
		if (!g_restore.path[i][0] || !g_restore.len[i])
			continue;
		int fd = open(g_restore.path[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t w = write(fd, g_restore.data[i], g_restore.len[i]);
		(void)w;
		close(fd);
	}
}

/* The same steps with their failures reported: a function left bound to
 * the benchmark, or without its driver, is worth a line on stderr. */
static void restore(struct dmab_dev *d)
{
	if (!d->rebound)
		return;
	d->rebound = false;
	g_restore.armed = 0;
	char p[256];
	int rc = sysfs_write(PCI_BUS "/drivers/" DMAB_DRIVER "/unbind", d->addr.str);
	if (rc)
		fprintf(stderr,
			"iotlbench: unbinding %s from %s: %s; do it by hand: echo %s > %s\n",
			d->addr.str, DMAB_DRIVER, strerror(-rc), d->addr.str,
			PCI_BUS "/drivers/" DMAB_DRIVER "/unbind");
	snprintf(p, sizeof(p), PCI_BUS "/devices/%s/driver_override", d->addr.str);
	char ov[72];
	snprintf(ov, sizeof(ov), "%s\n", d->orig_override);
	if ((rc = sysfs_write(p, ov)))
		fprintf(stderr, "iotlbench: restoring %s: %s\n", p, strerror(-rc));
	if (!d->orig_driver[0])
		return;
	rc = sysfs_write(PCI_BUS "/drivers_probe", d->addr.str);
	char now[32] = "";
	pci_dev_driver(&d->addr, now, sizeof(now));
	if (rc || strcmp(now, d->orig_driver))
		fprintf(stderr,
			"iotlbench: %s was bound to %s before the benchmark and is now bound to "
			"%s: bind it again: echo %s > " PCI_BUS "/drivers/%s/bind\n",
			d->addr.str, d->orig_driver, now[0] ? now : "no driver", d->addr.str,
			d->orig_driver);
}

static int bind(struct dmab_dev *d, struct err *e)
{
	const char *bdf = d->addr.str;
	char p[256];
	arm_restore(d);
	d->rebound = true;
	int rc = 0;
	if (d->orig_driver[0]) {
		snprintf(p, sizeof(p), PCI_BUS "/drivers/%s/unbind", d->orig_driver);
		if ((rc = sysfs_write(p, bdf)))
			return err_set(e, -rc, "unbinding %s from %s: %s", bdf, d->orig_driver,
				       strerror(-rc));
	}
	snprintf(p, sizeof(p), PCI_BUS "/devices/%s/driver_override", bdf);
	if ((rc = sysfs_write(p, DMAB_DRIVER)))
		return err_set(e, -rc, "writing %s to %s: %s", DMAB_DRIVER, p, strerror(-rc));
	rc = sysfs_write(PCI_BUS "/drivers_probe", bdf);
	/* drivers_probe succeeds even when the probe fails: the link says. */
	char now[32] = "";
	pci_dev_driver(&d->addr, now, sizeof(now));
	if (strcmp(now, DMAB_DRIVER))
		return err_set(e, rc ? -rc : ENODEV,
			       "%s did not bind to %s (%s%s): dmesg says why (its probe makes "
			       "one debugfs file, so it fails while another device holds it)",
			       bdf, DMAB_DRIVER, rc ? "drivers_probe: " : "bound to ",
			       rc	? strerror(-rc)
			       : now[0] ? now
					: "no driver");
	return 0;
}

int dmab_open(const char *bdf, struct dmab_dev *d, struct err *e)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (!bdf || !*bdf)
		return err_set(e, EINVAL,
			       "the kernel's dma_map_benchmark needs a PCI function to map for: "
			       "give --device BDF (one no driver uses; 'lspci -D' lists them)");
	int rc = pci_addr_parse(bdf, &d->addr, e);
	if (!rc)
		rc = pci_dev_check(&d->addr, e);
	if (!rc)
		rc = precheck(d, e);
	if (!rc && strcmp(d->orig_driver, DMAB_DRIVER))
		rc = bind(d, e);
	if (!rc) {
		d->fd = hostfs_open(DMAB_DEBUGFS, O_RDWR);
		if (d->fd < 0)
			rc = err_set(e, -d->fd,
				     "%s is bound to %s, but " DMAB_DEBUGFS " cannot be opened: %s",
				     d->addr.str, DMAB_DRIVER, strerror(-d->fd));
	}
	if (rc)
		dmab_close(d);
	return rc;
}

void dmab_close(struct dmab_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	restore(d);
}

int dmab_run(struct dmab_dev *d, struct map_benchmark *mb, struct err *e)
{
	memset(mb->expansion, 0, sizeof(mb->expansion));
	mb->avg_map_100ns = mb->map_stddev = mb->avg_unmap_100ns = mb->unmap_stddev = 0;
	if (ioctl(d->fd, DMA_MAP_BENCHMARK, mb) == 0)
		return 0;
	int err = errno;
	switch (err) {
	case EINVAL:
		/* map_benchmark_ioctl checks the ranges the suite keys already
		 * enforce; what is left is the device and the machine. */
		return err_set(e, EINVAL,
			       "DMA_MAP_BENCHMARK on %s refused the case: either the DMA mask of "
			       "%u bits cannot be set for it (give a larger dma_bits) or NUMA "
			       "node %d does not exist here (node = any); dmesg names which",
			       d->addr.str, mb->dma_bits, mb->node);
	case ENOMEM:
		return err_set(e, ENOMEM,
			       "DMA_MAP_BENCHMARK on %s: a map failed or the %u-page buffer "
			       "could not be allocated (dmesg: dma_map_single failed): a smaller "
			       "granule, or a dma_bits that reaches the buffer",
			       d->addr.str, mb->granule);
	case ENOTTY:
		return err_set(e, ENOTTY,
			       "DMA_MAP_BENCHMARK is not understood by this kernel's "
			       "dma_map_benchmark (struct map_benchmark changed size?): compare "
			       "include/linux/map_benchmark.h with "
			       "driver/host/uapi/map_benchmark_abi.h");
	default:
		return err_set(e, err, "DMA_MAP_BENCHMARK on %s: %s", d->addr.str, strerror(err));
	}
}
