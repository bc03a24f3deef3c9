#include "micro/cli/rscript.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "micro/cli/paths.h"

/* The packages `make deps` installs for analysis/ (scripts/deps.sh). */
#define R_FIX                                                                                      \
	"install R and the analysis packages: 'make deps' in the checkout (Debian: apt-get "       \
	"install r-base-core r-cran-data.table r-cran-ggplot2 r-cran-jsonlite r-cran-scales "      \
	"r-cran-testthat)"

/* Rscript as execv needs it: the first executable one in PATH. */
static int find_rscript(char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/bin:/bin");
	char *save = NULL;
	for (char *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%.2000s/Rscript", *d ? d : ".");
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

int cli_rscript(const char *cmd, const char *script, char *const *args, int nargs, int fail_status)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], rscript[2100];
	if (cli_analysis_dir(dir, sizeof(dir))) {
		fprintf(
		    stderr,
		    "iotlbench %s: the R analysis was not found: not in the checkout this "
		    "binary belongs to (bin/iotlbench beside analysis/), nor under "
		    "../share/iotlbench/analysis beside its bin/ or /usr/local/share/iotlbench: "
		    "run the checkout's bin/iotlbench, or reinstall with 'make install "
		    "PREFIX=...'\n",
		    cmd);
		return fail_status;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, script);
	if (access(path, R_OK)) {
		fprintf(
		    stderr,
		    "iotlbench %s: %s: %s; the analysis folder is incomplete: restore it (git "
		    "checkout -- analysis in a checkout, 'make install PREFIX=...' again for an "
		    "installed copy)\n",
		    cmd, path, strerror(errno));
		return fail_status;
	}
	if (find_rscript(rscript, sizeof(rscript))) {
		fprintf(stderr, "iotlbench %s: Rscript not found in PATH: %s\n", cmd, R_FIX);
		return fail_status;
	}
	char **argv = calloc((size_t)nargs + 3, sizeof(*argv));
	if (!argv) {
		fprintf(stderr, "iotlbench %s: out of memory\n", cmd);
		return fail_status;
	}
	argv[0] = rscript;
	argv[1] = path;
	for (int i = 0; i < nargs; i++)
		argv[i + 2] = args[i];
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		execv(rscript, argv);
		fprintf(stderr, "iotlbench %s: cannot run %s: %s\n", cmd, rscript, strerror(errno));
		_exit(fail_status);
	}
	free(argv);
	if (pid < 0) {
		fprintf(stderr, "iotlbench %s: fork: %s\n", cmd, strerror(errno));
		return fail_status;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "iotlbench %s: waitpid: %s\n", cmd, strerror(errno));
			return fail_status;
		}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	fprintf(stderr, "iotlbench %s: Rscript was killed by signal %d\n", cmd, WTERMSIG(st));
	return fail_status;
}
