#include "driver/util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int parse_u64(const char *s, uint64_t max, uint64_t *out, struct err *e)
{
	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return err_set(e, EINVAL, "'%s' is not a non-negative integer", s ? s : "");
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return err_set(e, EINVAL, "'%s' is not a non-negative integer", s);
	if (v > max)
		return err_set(e, ERANGE, "%s is larger than the maximum %llu", s,
			       (unsigned long long)max);
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out, struct err *e)
{
	if (!s || !isdigit((unsigned char)*s))
		return err_set(e, EINVAL, "'%s' is not a size (examples: 512, 4k, 2m, 1g)",
			       s ? s : "");
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	case 't':
		shift = 40;
		break;
	default:
		return err_set(e, EINVAL, "'%s' is not a size (examples: 512, 4k, 2m, 1g)", s);
	}
	if (shift && end[1] != '\0')
		return err_set(e, EINVAL, "'%s' is not a size (examples: 512, 4k, 2m, 1g)", s);
	if (errno || (shift && v > (UINT64_MAX >> shift)))
		return err_set(e, ERANGE, "size '%s' is too large", s);
	*out = (uint64_t)v << shift;
	return 0;
}
