/* Strict parsing of numbers and sizes from user input: the whole string must
 * be consumed, so "4kb" or "12x" is an error rather than a silent 4 or 12. */
#ifndef IOTLB_PARSE_H
#define IOTLB_PARSE_H

#include <stdint.h>

#include "driver/util/err.h"

/* "4096", "4k", "2M", "1g" (powers of 1024). */
int parse_size(const char *s, uint64_t *out, struct err *e);
/* Decimal or 0x-prefixed unsigned integer no larger than max. */
int parse_u64(const char *s, uint64_t max, uint64_t *out, struct err *e);

#endif
