/* The built-in benchmark kinds, in the order help and the README list them.
 * A new kind is one file in this folder plus one line here. */
#include "micro/kinds/kind.h"

extern const struct kind kind_map, kind_count, kind_churn, kind_reuse, kind_latency, kind_dmamap;

const struct kind *const kinds_builtin[] = {
    &kind_map, &kind_count, &kind_churn, &kind_reuse, &kind_latency, &kind_dmamap, NULL,
};
