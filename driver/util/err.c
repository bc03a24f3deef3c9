#include "driver/util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
	if (code <= 0)
		code = 1;
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		e->code = code;
	}
	return -code;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char prefix[ERR_MSG_MAX];
	char old[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Truncation keeps the outermost context, which is what a user reads
	 * first; the message stays NUL-terminated either way. */
	size_t n = strnlen(prefix, sizeof(e->msg) - 1);
	memcpy(e->msg, prefix, n);
	size_t room = sizeof(e->msg) - n;
	if (room > 2) {
		e->msg[n] = ':';
		e->msg[n + 1] = ' ';
		n += 2;
		room -= 2;
		size_t m = strnlen(old, room - 1);
		memcpy(e->msg + n, old, m);
		n += m;
	}
	e->msg[n] = '\0';
	if (e->code <= 0)
		e->code = 1;
	return -e->code;
}
