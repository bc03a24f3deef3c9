#include "micro/cli/paths.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The shipped suites' directory: micro/suites/ of the source tree the
 * binary belongs to (bin/iotlbench -> ../micro/suites). */
int cli_suites_dir(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(buf, len, "%.*s/../micro/suites", (int)(len - 32), exe);
	return access(buf, R_OK) == 0 ? 0 : -1;
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
