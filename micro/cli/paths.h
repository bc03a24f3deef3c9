/* Where the program finds what ships with it. */
#ifndef IOTLB_CLI_PATHS_H
#define IOTLB_CLI_PATHS_H

#include <stddef.h>

/* The checkout the binary belongs to (bin/iotlbench in it), absolute, or
 * -1 when it runs from elsewhere. */
int cli_checkout_dir(char *buf, size_t len);

/* The shipped suites' directory into buf: micro/suites/ of the checkout the
 * binary belongs to, else PREFIX/share/iotlbench/suites beside an installed
 * PREFIX/bin, else /usr/local/share/iotlbench/suites. 0, or -1 when none. */
int cli_suites_dir(char *buf, size_t len);

/* The R analysis (DESCRIPTION, R/, report.R, ...) into buf: analysis/ of
 * the checkout, else PREFIX/share/iotlbench/analysis beside an installed
 * PREFIX/bin (scripts/install.sh), else /usr/local/share/iotlbench/analysis.
 * 0, or -1 when none. */
int cli_analysis_dir(char *buf, size_t len);

/* "churn, count, default, ..." from that directory. */
void cli_shipped_suites(const char *dir, char *buf, size_t len);

#endif
