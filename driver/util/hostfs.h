/* Host file-system access for probing: every sysfs, procfs and /dev path the
 * real backends and `iotlbench info`/`devices` read goes through here, so
 * tests can point the whole tree at a fixture directory. Paths are written
 * as on a real host ("/sys/bus/pci/devices/..."); the root is prefixed. */
#ifndef IOTLB_HOSTFS_H
#define IOTLB_HOSTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Prefix for every path (NULL or "" = the real root). Not thread-safe:
 * set once before probing. */
void hostfs_set_root(const char *root);
const char *hostfs_root(void);

/* root + printf(fmt, ...) into buf; -ENAMETOOLONG when it does not fit. */
int hostfs_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Whole small file into buf, trailing newline removed; bytes or -errno. */
int hostfs_read(const char *path, char *buf, size_t len);
/* A number in C syntax (0x.. hex, decimal); 0 or -errno. */
int hostfs_read_u64(const char *path, uint64_t *v);
/* Last component of a symlink's target ("../../bus/pci/drivers/nvme" ->
 * "nvme"); 0, or -errno (-ENOENT when there is no link). */
int hostfs_link_name(const char *path, char *buf, size_t len);
bool hostfs_exists(const char *path);
/* open(2) on root + path. */
int hostfs_open(const char *path, int flags);

#endif
