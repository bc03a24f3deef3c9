#include "driver/host/blockdev.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver/util/hostfs.h"

static int attr_u64(const char *name, const char *attr, uint64_t *v)
{
	char p[160];
	snprintf(p, sizeof(p), "/sys/block/%s/%s", name, attr);
	return hostfs_read_u64(p, v);
}

static void attr_str(const char *name, const char *attr, char *buf, size_t len)
{
	char p[160];
	snprintf(p, sizeof(p), "/sys/block/%s/%s", name, attr);
	if (hostfs_read(p, buf, len) < 0)
		buf[0] = '\0';
	/* The NVMe core pads model and serial with spaces (Identify
	 * Controller bytes 4-63 are space-filled ASCII, NVMe 1.4 5.15.2.2). */
	for (size_t n = strlen(buf); n && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
}

/* "nvme0n1" -> "ng0n1": the NVMe core names the generic char device of
 * namespace n of controller c "ng<c>n<n>" (drivers/nvme/host/core.c,
 * nvme_add_ns_cdev). */
static void ng_name(const char *name, char *buf, size_t len)
{
	unsigned ctrl, ns;
	char tail;
	buf[0] = '\0';
	if (sscanf(name, "nvme%un%u%c", &ctrl, &ns, &tail) == 2)
		snprintf(buf, len, "/dev/ng%un%u", ctrl, ns);
}

static int probe_name(const char *name, struct blockdev_info *bd)
{
	memset(bd, 0, sizeof(*bd));
	if (strlen(name) >= sizeof(bd->name))
		return -ENAMETOOLONG;
	snprintf(bd->name, sizeof(bd->name), "%s", name);
	snprintf(bd->dev_path, sizeof(bd->dev_path), "/dev/%s", name);
	uint64_t lbs = 0, sectors = 0, kb = 0, poll = 0, nsid = 0;
	int rc = attr_u64(name, "queue/logical_block_size", &lbs);
	if (!rc)
		rc = attr_u64(name, "size", &sectors);
	if (rc)
		return rc;
	if (lbs < 512 || (lbs & (lbs - 1)))
		return -EINVAL;
	bd->lba_shift = (uint32_t)__builtin_ctzll(lbs);
	/* `size` counts 512-byte sectors whatever the logical block size. */
	bd->nlbas = (sectors << 9) >> bd->lba_shift;
	if (!attr_u64(name, "queue/max_hw_sectors_kb", &kb))
		bd->max_xfer = (uint32_t)(kb << 10);
	bd->io_poll = !attr_u64(name, "queue/io_poll", &poll) && poll;
	if (!attr_u64(name, "nsid", &nsid)) {
		bd->nvme = true;
		bd->nsid = (uint32_t)nsid;
		ng_name(name, bd->ng_path, sizeof(bd->ng_path));
	}
	attr_str(name, "device/model", bd->model, sizeof(bd->model));
	attr_str(name, "device/serial", bd->serial, sizeof(bd->serial));
	attr_str(name, "device/firmware_rev", bd->firmware, sizeof(bd->firmware));
	/* namespace -> controller (device) -> PCI function (device/device). */
	char p[160], bdf[32];
	snprintf(p, sizeof(p), "/sys/block/%s/device/device", name);
	if (!hostfs_link_name(p, bdf, sizeof(bdf)) && strchr(bdf, ':') && strchr(bdf, '.'))
		snprintf(bd->bdf, sizeof(bd->bdf), "%s", bdf);
	return 0;
}

int blockdev_probe(const char *arg, struct blockdev_info *out, struct err *e)
{
	if (!arg || !*arg)
		return err_set(e, EINVAL,
			       "the kernel backend needs a block device: --device /dev/nvme0n1 "
			       "('iotlbench devices' lists the usable ones)");
	const char *name = strncmp(arg, "/dev/", 5) ? arg : arg + 5;
	if (strchr(name, '/'))
		return err_set(e, EINVAL,
			       "--device %s: give a block device as /dev/NAME or NAME "
			       "('iotlbench devices' lists them)",
			       arg);
	int rc = probe_name(name, out);
	if (rc == -ENOENT)
		return err_set(e, ENODEV,
			       "--device %s: no such block device (no /sys/block/%s); "
			       "'iotlbench devices' lists the usable ones",
			       arg, name);
	if (rc)
		return err_set(e, -rc,
			       "--device %s: cannot read its size and block size in "
			       "/sys/block/%s: %s",
			       arg, name, strerror(-rc));
	if (!out->nlbas)
		return err_set(e, ENODEV,
			       "--device %s has no capacity (an unbound loop device or an empty "
			       "drive): attach a backing file (losetup) or name another device",
			       arg);
	return 0;
}

unsigned blockdev_each(void (*fn)(const struct blockdev_info *bd, void *arg), void *arg)
{
	char p[512];
	if (hostfs_path(p, sizeof(p), "/sys/block"))
		return 0;
	DIR *d = opendir(p);
	if (!d)
		return 0;
	unsigned n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct blockdev_info bd;
		if (de->d_name[0] == '.' || probe_name(de->d_name, &bd) || !bd.nlbas)
			continue;
		fn(&bd, arg);
		n++;
	}
	closedir(d);
	return n;
}
