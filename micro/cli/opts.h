/* Command options as one table per command: getopt_long reads it, and
 * --help prints it, so a command's help cannot leave an option out. Every
 * table ends with CLI_OPT_HELP. */
#ifndef IOTLB_CLI_OPTS_H
#define IOTLB_CLI_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

struct cli_opt {
	const char *name; /* long name, without -- */
	int has_arg;	  /* no_argument, required_argument, optional_argument */
	int val;	  /* the short letter getopt returns */
	const char *arg;  /* "DIR", "[=LIST]"; NULL for a flag */
	const char *help;
};

#define CLI_OPT_HELP                                                                               \
	{                                                                                          \
		"help", no_argument, 'h', NULL, "print this text and exit"                         \
	}
#define CLI_MAX_OPTS 32

/* getopt_long's arrays from the table; `plus` keeps getopt from reordering
 * (stop at the first operand: `trace -- CMD`). */
void cli_getopt(const struct cli_opt *opts, size_t n, int plus, struct option *lo, char *so);

/* "usage: iotlbench NAME SYNOPSIS", the description, then every option. */
void cli_usage(FILE *f, const char *name, const char *synopsis, const char *about,
	       const struct cli_opt *opts, size_t n);

/* The options of `devices` and `info` (--root DIR, --help): -1 to go on,
 * else the exit status. */
int cli_root_opts(int argc, char **argv, const char *name, const char *about);

#endif
