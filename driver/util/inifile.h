/* INI files (suite files, IOMMU presets) through Debian's inih, with line
 * numbers: Debian builds inih without INI_HANDLER_LINENO, so the reader
 * counts lines itself and hands them to the handler for error messages. */
#ifndef IOTLB_INIFILE_H
#define IOTLB_INIFILE_H

#include "driver/util/err.h"

/* Returns 0 to continue, or an error (already set in e) to stop. */
typedef int (*inifile_handler)(void *user, const char *section, const char *key, const char *value,
			       int lineno, struct err *e);

/* Parses `path`; errors are "path:line: message". */
int inifile_parse(const char *path, inifile_handler h, void *user, struct err *e);
/* The same for text in memory (`name` is used in messages). */
int inifile_parse_string(const char *text, const char *name, inifile_handler h, void *user,
			 struct err *e);

#endif
