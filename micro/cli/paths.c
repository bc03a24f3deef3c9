#include "micro/cli/paths.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The shipped suites' directory: micro/suites/ of the source tree the
 * binary belongs to (bin/iotlbench -> ../micro/suites). */
/* The directory of the running binary. */
static int exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

int cli_checkout_dir(char *buf, size_t len)
{
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	if (exe_dir(exe, sizeof(exe)))
		return -1;
	snprintf(probe, sizeof(probe), "%s/../micro/suites", exe);
	if (access(probe, R_OK) || !realpath(probe, buf) || strlen(buf) + 1 > len)
		return -1;
	/* buf is <checkout>/micro/suites: cut the last two components. */
	for (int k = 0; k < 2; k++)
		*strrchr(buf, '/') = '\0';
	return 0;
}

/* `in_checkout` under the checkout, else `installed` under PREFIX/share/
 * iotlbench beside the binary's PREFIX/bin, else under /usr/local. */
static int shipped_dir(const char *in_checkout, const char *installed, char *buf, size_t len)
{
	char exe[PATH_MAX];
	if (cli_checkout_dir(buf, len) == 0) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, "/%s", in_checkout);
		if (access(buf, R_OK) == 0)
			return 0;
	}
	if (exe_dir(exe, sizeof(exe)) == 0) {
		snprintf(buf, len, "%.*s/../share/iotlbench/%s", (int)(len - 64), exe, installed);
		if (access(buf, R_OK) == 0)
			return 0;
	}
	snprintf(buf, len, "/usr/local/share/iotlbench/%s", installed);
	return access(buf, R_OK) == 0 ? 0 : -1;
}

int cli_suites_dir(char *buf, size_t len)
{
	return shipped_dir("micro/suites", "suites", buf, len);
}

int cli_analysis_dir(char *buf, size_t len)
{
	return shipped_dir("analysis", "analysis", buf, len);
}

/* "churn, count, default, ..." from the shipped suites' directory. */
void cli_shipped_suites(const char *dir, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	struct dirent **ents = NULL;
	int k = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < k; i++) {
		const char *name = ents[i]->d_name;
		size_t l = strlen(name);
		if (l > 6 && !strcmp(name + l - 6, ".suite") && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%.*s", n ? ", " : "",
					      (int)(l - 6), name);
		free(ents[i]);
	}
	free(ents);
}
