#include "micro/measure/samples.h"

#include <stdlib.h>

void samples_grow(struct samples *s)
{
	size_t cap = s->cap ? s->cap * 2 : 65536;
	uint64_t *v = realloc(s->v, cap * sizeof(*v));
	if (!v) {
		s->failed = 1;
		return;
	}
	s->v = v;
	s->cap = cap;
}

void samples_free(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
