#include "driver/util/hostfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[512];

void hostfs_set_root(const char *r)
{
	snprintf(root, sizeof(root), "%s", r ? r : "");
	/* "/tmp/x/" + "/sys" would give "//sys": harmless, but messages read
	 * better without it. */
	size_t n = strlen(root);
	while (n > 0 && root[n - 1] == '/')
		root[--n] = '\0';
}

const char *hostfs_root(void)
{
	return root;
}

int hostfs_path(char *buf, size_t len, const char *fmt, ...)
{
	int n = snprintf(buf, len, "%s", root);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}

int hostfs_open(const char *path, int flags)
{
	char p[4096];
	if (hostfs_path(p, sizeof(p), "%s", path))
		return -ENAMETOOLONG;
	int fd = open(p, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int hostfs_read(const char *path, char *buf, size_t len)
{
	if (len == 0)
		return -EINVAL;
	int fd = hostfs_open(path, O_RDONLY);
	if (fd < 0)
		return fd;
	ssize_t n = read(fd, buf, len - 1);
	int err = errno;
	close(fd);
	if (n < 0)
		return -err;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return (int)n;
}

int hostfs_read_u64(const char *path, uint64_t *v)
{
	char s[64];
	int n = hostfs_read(path, s, sizeof(s));
	if (n < 0)
		return n;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	*v = x;
	return 0;
}

int hostfs_link_name(const char *path, char *buf, size_t len)
{
	char p[4096], target[4096];
	if (hostfs_path(p, sizeof(p), "%s", path))
		return -ENAMETOOLONG;
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	const char *slash = strrchr(target, '/');
	const char *name = slash ? slash + 1 : target;
	if (strlen(name) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, name);
	return 0;
}

bool hostfs_exists(const char *path)
{
	char p[4096];
	return !hostfs_path(p, sizeof(p), "%s", path) && access(p, F_OK) == 0;
}
