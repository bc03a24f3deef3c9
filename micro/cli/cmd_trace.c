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
#include "driver/util/array.h"
#include "micro/cli/cmd.h"
#include "micro/cli/opts.h"

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

/* What the command line asked for, and the process being traced. */
struct trace_cli {
	const char *probes;
	uint64_t interval;
	long pid;	    /* traced process: --pid, or the child */
	pid_t child;	    /* the command we started, 0 once it is reaped */
	int go;		    /* write end of the child's start pipe, -1 if none */
	int has_cmd;	    /* a command follows the options */
	char exe[PATH_MAX]; /* the traced executable, for the USDT probes */
};

/* Returned by a step when the command goes on to the next step. */
#define TRACE_GO (-1)

/* Name, kind, and whether `run --trace` takes it by default. */
static void list_probes(void)
{
	for (unsigned i = 0; i < probe_ndefs; i++)
		printf("%-36s %-10s %s\n", probe_defs[i].name, probe_kind_name(probe_defs[i].kind),
		       probe_defs[i].dflt ? "default" : "opt-in");
}

static const struct cli_opt trace_opts[] = {
    {"probes", required_argument, 'p', "LIST", "comma-separated probes (default: all; --list)"},
    {"pid", required_argument, 'P', "PID", "trace this process"},
    {"interval", required_argument, 'i', "SEC", "seconds between printouts (1 to 3600)"},
    {"list", no_argument, 'l', NULL, "list the probes and which are in the default set"},
    CLI_OPT_HELP,
};

/* The options; TRACE_GO, or the exit status (--list, --help, a usage error). */
static int parse_trace_opts(int argc, char **argv, struct trace_cli *c)
{
	struct option longopts[CLI_MAX_OPTS + 1];
	char shortopts[3 * CLI_MAX_OPTS + 2];
	cli_getopt(trace_opts, ARRAY_SIZE(trace_opts), 1, longopts, shortopts);
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		struct err e;
		uint64_t v;
		switch (ch) {
		case 'p':
			c->probes = optarg;
			break;
		case 'P':
			if (parse_u64(optarg, INT_MAX, &v, &e) || v == 0) {
				fprintf(stderr, "iotlbench trace: --pid: expected a process id\n");
				return 2;
			}
			c->pid = (long)v;
			break;
		case 'i':
			if (parse_u64(optarg, 3600, &c->interval, &e) || c->interval == 0) {
				fprintf(stderr, "iotlbench trace: --interval: 1 to 3600 seconds\n");
				return 2;
			}
			break;
		case 'l':
			list_probes();
			return 0;
		case 'h':
			cli_usage(
			    stdout, "trace", "[options] [-- CMD ARGS...]",
			    "Live histograms of the kernel's DMA-path probes (and USDT) until "
			    "Ctrl-C or CMD exits;\n'iotlbench run --trace' records them per case "
			    "instead.",
			    trace_opts, ARRAY_SIZE(trace_opts));
			return 0;
		default:
			fprintf(stderr, "iotlbench trace: see 'iotlbench trace --help'\n");
			return 2;
		}
	}
	c->has_cmd = optind < argc;
	return TRACE_GO;
}

/* Starts `argv` held at the start pipe: the child waits until every probe
 * is attached, then execs. */
static int spawn_held(char **argv, struct trace_cli *c)
{
	int go[2] = {-1, -1};
	pid_t child = 0;
	if (pipe(go) || (child = fork()) < 0) {
		perror("iotlbench trace");
		return 1;
	}
	if (child == 0) {
		char ch;
		close(go[1]);
		if (read(go[0], &ch, 1) != 1)
			_exit(127);
		execv(c->exe, argv);
		fprintf(stderr, "iotlbench trace: exec %s: %s\n", c->exe, strerror(errno));
		_exit(127);
	}
	close(go[0]);
	c->go = go[1];
	c->child = child;
	c->pid = child;
	return TRACE_GO;
}

/* The executable of the running process --pid names. */
static int pid_exe(struct trace_cli *c)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/%ld/exe", c->pid);
	ssize_t n = readlink(link, c->exe, sizeof(c->exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "iotlbench trace: --pid %ld: no such process (%s)\n", c->pid,
			strerror(errno));
		return 2;
	}
	c->exe[n] = '\0';
	return TRACE_GO;
}

/* The traced process: the command after the options, --pid, or none. */
static int pick_target(char **argv, struct trace_cli *c)
{
	if (c->has_cmd) {
		if (c->pid) {
			fprintf(stderr, "iotlbench trace: give --pid or a command, not both\n");
			return 2;
		}
		if (resolve_cmd(argv[optind], c->exe, sizeof(c->exe))) {
			fprintf(stderr, "iotlbench trace: %s: command not found\n", argv[optind]);
			return 2;
		}
		return spawn_held(argv + optind, c);
	}
	if (c->pid)
		return pid_exe(c);
	return TRACE_GO;
}

/* Attaches the probes; on failure the held child never runs. */
static int open_tracer(struct trace_cli *c, struct trace **t)
{
	struct trace_opts o = {.probes = c->probes,
			       .usdt_pid = (pid_t)c->pid,
			       .usdt_binary = c->exe,
			       .filter_pid = (pid_t)c->pid};
	struct err e = {0};
	if (trace_open(&o, t, &e)) {
		fprintf(stderr, "iotlbench trace: %s\n", e.msg);
		if (c->child) {
			kill(c->child, SIGKILL);
			waitpid(c->child, NULL, 0);
		}
		return 1;
	}
	trace_report(*t, stderr);
	return TRACE_GO;
}

static void on_child(int sig)
{
	(void)sig;
}

/* Ctrl-C and SIGTERM end the loop; the last histogram is still printed.
 * SIGCHLD only wakes the loop's sleep (no SA_RESTART: nanosleep returns
 * EINTR), so a command that exits ends the trace at once rather than at
 * the end of the interval. */
static void catch_stop(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
}

/* Lets the held child exec, now that the probes are attached. */
static void release_child(struct trace_cli *c)
{
	if (!c->child)
		return;
	if (write(c->go, "g", 1) != 1)
		perror("iotlbench trace");
	close(c->go);
}

/* Prints every interval until stopped or the traced process is gone;
 * returns the child's wait status if it exited. */
static int trace_loop(struct trace *t, struct trace_cli *c)
{
	int status = 0;
	while (!g_trace_stop) {
		struct timespec ts = {(time_t)c->interval, 0};
		nanosleep(&ts, NULL);
		if (c->child && waitpid(c->child, &status, WNOHANG) == c->child) {
			c->child = 0;
			break;
		}
		if (c->pid && !c->child && kill((pid_t)c->pid, 0) && errno == ESRCH)
			break;
		trace_print_live(t, stdout);
	}
	return status;
}

/* The last histogram, then a child still running is stopped and reaped. */
static int finish_trace(struct trace *t, struct trace_cli *c, int status)
{
	trace_print_live(t, stdout);
	trace_close(t);
	if (c->child) {
		kill(c->child, SIGINT);
		waitpid(c->child, &status, 0);
	}
	return c->has_cmd && WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}

int cmd_trace(int argc, char **argv)
{
	/* A live view is for looking inside: every probe unless told. */
	struct trace_cli c = {.probes = "all", .interval = 1, .go = -1};
	struct trace *t;
	int rc = parse_trace_opts(argc, argv, &c);
	if (rc == TRACE_GO)
		rc = pick_target(argv, &c);
	if (rc == TRACE_GO)
		rc = open_tracer(&c, &t);
	if (rc != TRACE_GO)
		return rc;
	catch_stop();
	release_child(&c);
	int status = trace_loop(t, &c);
	return finish_trace(t, &c, status);
}
