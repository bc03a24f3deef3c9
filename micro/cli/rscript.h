/* The commands that run the R analysis (report, compare, run's summary):
 * they hand their operands to a script in the analysis directory (analysis/
 * of the checkout the binary belongs to, or the installed copy under
 * PREFIX/share/iotlbench: cli_analysis_dir()), so a user never needs to know
 * Rscript or where the scripts live. */
#ifndef IOTLB_CLI_RSCRIPT_H
#define IOTLB_CLI_RSCRIPT_H

/* Runs `Rscript <analysis>/SCRIPT ARGS...` and returns its exit
 * status. When the script cannot be run (no analysis directory, no
 * Rscript in PATH, killed by a signal) it prints why and the fix, prefixed
 * "iotlbench CMD: ", and returns `fail_status`. */
int cli_rscript(const char *cmd, const char *script, char *const *args, int nargs, int fail_status);

#endif
