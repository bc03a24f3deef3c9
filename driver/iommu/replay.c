#include "driver/iommu/replay.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver/util/parse.h"

enum col { COL_IOVA, COL_LEN, COL_DIR, COL_DOMAIN, NCOLS };

struct replay {
	struct iommu *m;
	const char *name;
	uint64_t page_size;
	struct replay_stats *st;
	struct err *e;
	int col_of[NCOLS]; /* CSV column of each field, -1 = absent */
	char *field[NCOLS];
	int ncol;   /* current column in the row */
	long row;   /* 1-based line of the CSV */
	int header; /* still reading the header */
	int failed;
};

static const char *const col_names[NCOLS] = {"iova", "len", "dir", "domain"};

static void on_field(void *s, size_t len, void *data)
{
	struct replay *r = data;
	int c = r->ncol++;
	if (r->failed)
		return;
	if (!s)
		return; /* an empty field: the row check reports it */
	if (r->header) {
		for (int k = 0; k < NCOLS; k++)
			if (len == strlen(col_names[k]) && !memcmp(s, col_names[k], len))
				r->col_of[k] = c;
		return;
	}
	for (int k = 0; k < NCOLS; k++)
		if (r->col_of[k] == c) {
			free(r->field[k]);
			r->field[k] = strndup(s, len);
		}
}

static int access_one(struct replay *r)
{
	uint64_t iova, len, dom = 1;
	struct err *e = r->e;
	if (parse_u64(r->field[COL_IOVA], UINT64_MAX, &iova, e) ||
	    parse_u64(r->field[COL_LEN], UINT32_MAX, &len, e) ||
	    (r->col_of[COL_DOMAIN] >= 0 &&
	     parse_u64(r->field[COL_DOMAIN], IOMMU_MAX_DOMAINS - 1, &dom, e)))
		return -e->code;
	const char *d = r->field[COL_DIR];
	bool write;
	if (!strcmp(d, "r") || !strcmp(d, "read"))
		write = false;
	else if (!strcmp(d, "w") || !strcmp(d, "write"))
		write = true;
	else
		return err_set(e, EINVAL, "dir '%s': allowed values are r, read, w, write", d);
	if (len == 0)
		return err_set(e, EINVAL, "len 0: an access moves at least one byte");
	if (len - 1 > UINT64_MAX - iova)
		return err_set(e, ERANGE,
			       "iova 0x%llx + len %llu runs past the end of the 64-bit IOVA space",
			       (unsigned long long)iova, (unsigned long long)len);
	r->st->accesses++;
	for (uint64_t a = iova; a < iova + len;) {
		uint64_t end = (a | 0xfff) + 1;
		if (end > iova + len)
			end = iova + len;
		uint64_t host, cost;
		unsigned lvl;
		struct iommu_domain *dm = dom < IOMMU_MAX_DOMAINS ? &r->m->dom[dom] : NULL;
		if (r->m->cfg.kind != IOMMU_NONE &&
		    (!dm || !dm->used || !pgtable_find(&dm->pt, a, &lvl))) {
			uint64_t base = a & ~(r->page_size - 1), mc;
			if (iommu_map(r->m, (uint16_t)dom, base, base, r->page_size, true,
				      r->page_size, &mc, e))
				return -e->code;
		}
		if (iommu_translate(r->m, (uint16_t)dom, a, write, 0, 0, &host, &cost))
			return err_set(e, EFAULT, "IOVA 0x%llx faulted in the model",
				       (unsigned long long)a);
		r->st->chunks++;
		r->st->cost_ns += cost;
		a = end;
	}
	return 0;
}

static void on_row(int c, void *data)
{
	struct replay *r = data;
	(void)c;
	int ncol = r->ncol;
	r->ncol = 0;
	/* After a failure the parser still delivers the rest of its buffer:
	 * the row count must stay at the line that failed. */
	if (r->failed)
		return;
	r->row++;
	if (r->header) {
		r->header = 0;
		for (int k = 0; k < COL_DOMAIN; k++)
			if (r->col_of[k] < 0) {
				err_set(r->e, EINVAL,
					"header lacks column '%s': expected iova,len,dir[,domain]",
					col_names[k]);
				r->failed = 1;
				return;
			}
		return;
	}
	for (int k = 0; k < NCOLS; k++)
		if (r->col_of[k] >= ncol || (r->col_of[k] >= 0 && !r->field[k])) {
			err_set(r->e, EINVAL, "column '%s' (field %d) is empty or missing",
				col_names[k], r->col_of[k] + 1);
			r->failed = 1;
			return;
		}
	if (access_one(r))
		r->failed = 1;
	for (int k = 0; k < NCOLS; k++) {
		free(r->field[k]);
		r->field[k] = NULL;
	}
}

int replay_trace(struct iommu *m, FILE *csv, const char *name, uint64_t page_size,
		 struct replay_stats *st, struct err *e)
{
	if (page_size != 4096 && page_size != (2u << 20) && page_size != (1u << 30))
		return err_set(e, EINVAL, "page size %llu: allowed 4k, 2m, 1g",
			       (unsigned long long)page_size);
	struct replay r = {
	    .m = m, .name = name, .page_size = page_size, .st = st, .e = e, .header = 1};
	for (int k = 0; k < NCOLS; k++)
		r.col_of[k] = -1;
	memset(st, 0, sizeof(*st));
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
		return err_set(e, ENOMEM, "out of memory for the CSV parser");
	char buf[65536];
	size_t n;
	while (!r.failed && (n = fread(buf, 1, sizeof(buf), csv)) > 0)
		if (csv_parse(&p, buf, n, on_field, on_row, &r) != n) {
			err_set(e, EINVAL, "malformed CSV: %s", csv_strerror(csv_error(&p)));
			r.failed = 1;
			r.row++;
		}
	if (!r.failed && csv_fini(&p, on_field, on_row, &r) != 0) {
		err_set(e, EINVAL, "malformed CSV: %s", csv_strerror(csv_error(&p)));
		r.failed = 1;
		r.row++;
	}
	csv_free(&p);
	for (int k = 0; k < NCOLS; k++)
		free(r.field[k]);
	if (r.failed)
		return err_wrap(e, "%s:%ld", name, r.row ? r.row : 1);
	if (r.header)
		return err_set(e, EINVAL, "%s: empty trace (expected a header iova,len,dir)", name);
	return 0;
}
