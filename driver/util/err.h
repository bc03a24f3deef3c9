/* Errors as values: every fallible call takes a struct err and fills it with a
 * message that names the cause and, where one exists, the fix. */
#ifndef IOTLB_ERR_H
#define IOTLB_ERR_H

#include <stddef.h>

#define ERR_MSG_MAX 512

struct err {
	int code; /* positive errno-style code; 0 = no error */
	char msg[ERR_MSG_MAX];
};

/* Sets e (if non-NULL) and returns -code, so callers can `return err_set(...)`. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends context ("creating I/O queue 3: ") to an existing message; returns -e->code. */
int err_wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void err_clear(struct err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

#endif
