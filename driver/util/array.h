/* The element count of an array (not a pointer: gcc's
 * -Wsizeof-pointer-div warns when it is given one). */
#ifndef IOTLB_ARRAY_H
#define IOTLB_ARRAY_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
