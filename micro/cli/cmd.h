/* Subcommands of the iotlbench CLI: one file each, one table in main.c. */
#ifndef IOTLB_CMD_H
#define IOTLB_CMD_H

struct command {
	const char *name;
	const char *synopsis;
	const char *about;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

int cmd_run(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_suites(int argc, char **argv);
int cmd_presets(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);

#endif
