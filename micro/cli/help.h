/* Help generated from the kind descriptors (help.c). */
#ifndef IOTLB_HELP_H
#define IOTLB_HELP_H

#include <stdio.h>

#include "micro/kinds/kind.h"

/* Each kind with its keys, defaults, help and allowed values. */
void help_kinds(FILE *f, const struct kind *const *kinds);
/* The same as the README's Markdown table (`iotlbench help kinds --markdown`). */
void help_kinds_markdown(FILE *f, const struct kind *const *kinds);

#endif
