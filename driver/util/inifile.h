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

/* Called at each "[name]" line, before the keys under it. */
typedef int (*inifile_section_handler)(void *user, const char *section, int lineno, struct err *e);

/* The same with a section handler (NULL = none). Every parse also stops at
 * a '[' line without ']', naming that line. */
int inifile_parse_sections(const char *path, inifile_section_handler hs, inifile_handler h,
			   void *user, struct err *e);
int inifile_parse_string_sections(const char *text, const char *name, inifile_section_handler hs,
				  inifile_handler h, void *user, struct err *e);

#endif
