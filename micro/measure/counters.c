#include "micro/measure/counters.h"

#include <string.h>

void ctr_read(struct backend *be, struct ctr_set *s)
{
	s->n = 0;
	s->source = "model";
	struct backend_counter c[CTR_MAX];
	s->n = backend_counters(be, c, CTR_MAX);
	for (unsigned i = 0; i < s->n; i++) {
		s->name[i] = c[i].name;
		s->val[i] = c[i].value;
	}
}

void ctr_zero_like(struct ctr_set *acc, const struct ctr_set *shape)
{
	*acc = *shape;
	memset(acc->val, 0, sizeof(acc->val));
}

void ctr_accumulate(struct ctr_set *acc, const struct ctr_set *before, const struct ctr_set *after)
{
	for (unsigned i = 0; i < acc->n && i < before->n && i < after->n; i++)
		acc->val[i] += after->val[i] - before->val[i];
}
