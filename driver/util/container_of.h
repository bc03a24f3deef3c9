/* The struct that embeds *ptr as `member` (the kernel's container_of).
 * The pointer must have the member's type: the assignment inside makes a
 * wrong one a compile-time error rather than a silent offset. */
#ifndef IOTLB_CONTAINER_OF_H
#define IOTLB_CONTAINER_OF_H

#include <stddef.h>

#define container_of(ptr, type, member)                                                            \
	__extension__({                                                                            \
		const __typeof__(((type *)0)->member) *container_of_p = (ptr);                     \
		(type *)(void *)((char *)container_of_p - offsetof(type, member));                 \
	})

#endif
