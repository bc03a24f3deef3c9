/* iotlbench trace [--probes LIST] [--interval SEC] [--list] [--pid PID | -- CMD ARGS...]
 * Live histograms of the kernel probes (and of the driver's USDT probes when
 * the traced process is an iotlbench), printed every interval in the style
 * of bpftrace's hist() until Ctrl-C or the command exits. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf/probe_table.h"
#include "bpf/trace.h"
#include "driver/util/parse.h"
#include "micro/cli/cmd.h"

static volatile sig_atomic_t g_trace_stop;

static void on_stop(int sig)
{
	(void)sig;
	g_trace_stop = 1;
}

/* The executable `cmd` names, as execvp would find it. */
static int resolve_cmd(const char *cmd, char *out, size_t len)
{
	if (strchr(cmd, '/'))
		return realpath(cmd, out) ? 0 : -1;
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/bin:/bin");
	char *save = NULL;
	for (char *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char cand[PATH_MAX];
		snprintf(cand, sizeof(cand), "%.2000s/%.1000s", d, cmd);
		if (access(cand, X_OK) == 0 && realpath(cand, out))
			return 0;
	}
	(void)len;
	return -1;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"probes", required_argument, NULL, 'p'},
	    {"pid", required_argument, NULL, 'P'},
	    {"interval", required_argument, NULL, 'i'},
	    {"list", no_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	/* A live view is for looking inside: every probe unless told. */
	const char *probes = "all";
	long pid = 0;
	uint64_t interval = 1;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+p:P:i:l", longopts, NULL)) != -1) {
		struct err e;
		uint64_t v;
		switch (ch) {
		case 'p':
			probes = optarg;
			break;
		case 'P':
			if (parse_u64(optarg, INT_MAX, &v, &e) || v == 0) {
				fprintf(stderr, "iotlbench trace: --pid: expected a process id\n");
				return 2;
			}
			pid = (long)v;
			break;
		case 'i':
			if (parse_u64(optarg, 3600, &interval, &e) || interval == 0) {
				fprintf(stderr, "iotlbench trace: --interval: 1 to 3600 seconds\n");
				return 2;
			}
			break;
		case 'l':
			/* Name, kind, and whether `run --trace` takes it by default. */
			for (unsigned i = 0; i < probe_ndefs; i++)
				printf("%-36s %-10s %s\n", probe_defs[i].name,
				       probe_kind_name(probe_defs[i].kind),
				       probe_defs[i].dflt ? "default" : "opt-in");
			return 0;
		default:
			fprintf(stderr, "iotlbench trace: see 'iotlbench help'\n");
			return 2;
		}
	}
	char exe[PATH_MAX] = "";
	int go[2] = {-1, -1};
	pid_t child = 0;
	if (optind < argc) {
		if (pid) {
			fprintf(stderr, "iotlbench trace: give --pid or a command, not both\n");
			return 2;
		}
		if (resolve_cmd(argv[optind], exe, sizeof(exe))) {
			fprintf(stderr, "iotlbench trace: %s: command not found\n", argv[optind]);
			return 2;
		}
		/* The child waits until every probe is attached, then execs. */
		if (pipe(go) || (child = fork()) < 0) {
			perror("iotlbench trace");
			return 1;
		}
		if (child == 0) {
			char c;
			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(127);
			execv(exe, argv + optind);
			fprintf(stderr, "iotlbench trace: exec %s: %s\n", exe, strerror(errno));
			_exit(127);
		}
		close(go[0]);
		pid = child;
	} else if (pid) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/%ld/exe", pid);
		ssize_t n = readlink(link, exe, sizeof(exe) - 1);
		if (n <= 0) {
			fprintf(stderr, "iotlbench trace: --pid %ld: no such process (%s)\n", pid,
				strerror(errno));
			return 2;
		}
		exe[n] = '\0';
	}
	struct trace_opts o = {
	    .probes = probes, .usdt_pid = (pid_t)pid, .usdt_binary = exe, .filter_pid = (pid_t)pid};
	struct trace *t;
	struct err e = {0};
	if (trace_open(&o, &t, &e)) {
		fprintf(stderr, "iotlbench trace: %s\n", e.msg);
		if (child) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		return 1;
	}
	trace_report(t, stderr);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (child) {
		if (write(go[1], "g", 1) != 1)
			perror("iotlbench trace");
		close(go[1]);
	}
	int status = 0;
	while (!g_trace_stop) {
		struct timespec ts = {(time_t)interval, 0};
		nanosleep(&ts, NULL);
		if (child && waitpid(child, &status, WNOHANG) == child) {
			child = 0;
			break;
		}
		if (pid && !child && kill((pid_t)pid, 0) && errno == ESRCH)
			break;
		trace_print_live(t, stdout);
	}
	trace_print_live(t, stdout);
	trace_close(t);
	if (child) {
		kill(child, SIGINT);
		waitpid(child, &status, 0);
	}
	return optind < argc && WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}
