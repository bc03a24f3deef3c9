/* Where the program finds what ships with it. */
#ifndef IOTLB_CLI_PATHS_H
#define IOTLB_CLI_PATHS_H

#include <stddef.h>

/* The shipped suites' directory into buf: micro/suites/ of the checkout the
 * binary belongs to. 0, or -1 when there is none. */
int cli_suites_dir(char *buf, size_t len);

/* "churn, count, default, ..." from that directory. */
void cli_shipped_suites(const char *dir, char *buf, size_t len);

#endif
