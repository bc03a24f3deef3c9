#include "micro/dataset/rounds.h"

#include <stdlib.h>
#include <string.h>

static struct round_acc *find(struct dataset *d, const char *id)
{
	for (unsigned i = 0; i < d->nacc; i++)
		if (!strcmp(d->acc[i]->row.case_id, id))
			return d->acc[i];
	return NULL;
}

struct round_acc *rounds_add(struct dataset *d, const struct result_row *row, const struct hist *h)
{
	struct round_acc *a = find(d, row->case_id);
	if (!a) {
		if (d->nacc == d->cap) {
			unsigned cap = d->cap ? 2 * d->cap : 16;
			struct round_acc **n = realloc(d->acc, cap * sizeof(*n));
			if (!n)
				return NULL;
			d->acc = n;
			d->cap = cap;
		}
		if (!(a = calloc(1, sizeof(*a))) || !(a->h = malloc(sizeof(*a->h)))) {
			free(a);
			return NULL;
		}
		a->row = *row;
		a->row.raw = NULL; /* written per round; the pointer dies with it */
		hist_reset(a->h);
		d->acc[d->nacc++] = a;
	}
	hist_merge(a->h, h);
	if (row->iops > 0)
		a->secs += (double)h->count / row->iops;
	/* The queue pages a round touched (each round creates its queue anew):
	 * the most any round did, as the row's footprint. */
	if (row->has_other && row->other_pages > a->row.other_pages)
		a->row.other_pages = row->other_pages;
	return a;
}

void rounds_row(const struct round_acc *a, struct result_row *out)
{
	*out = a->row;
	out->iops = a->secs > 0 ? (double)a->h->count / a->secs : 0;
}

void rounds_forget(struct dataset *d, struct round_acc *a)
{
	for (unsigned i = 0; i < d->nacc; i++) {
		if (d->acc[i] != a)
			continue;
		memmove(&d->acc[i], &d->acc[i + 1], (d->nacc - i - 1) * sizeof(*d->acc));
		d->nacc--;
		free(a->h);
		free(a);
		return;
	}
}

void rounds_drop(struct dataset *d, const char *name)
{
	size_t n = strlen(name);
	for (unsigned i = d->nacc; i-- > 0;) {
		const char *id = d->acc[i]->row.case_id;
		if (!strncmp(id, name, n) && (id[n] == '\0' || id[n] == '-'))
			rounds_forget(d, d->acc[i]);
	}
}

unsigned rounds_held(const struct dataset *d)
{
	return d->nacc;
}

struct round_acc *rounds_at(struct dataset *d, unsigned i)
{
	return i < d->nacc ? d->acc[i] : NULL;
}

void rounds_free(struct dataset *d)
{
	while (d->nacc)
		rounds_forget(d, d->acc[d->nacc - 1]);
	free(d->acc);
	d->acc = NULL;
	d->cap = 0;
}
