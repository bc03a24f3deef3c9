#include "smoke.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../driver/mem/mem.h"
#include "../driver/util/clock.h"
#include "../driver/util/inifile.h"
#include "../driver/util/parse.h"

struct load_ctx {
	struct smoke_cfg *cfg;
};

static int load_qd(struct smoke_cfg *cfg, const char *value, struct err *e)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", value);
	cfg->nqd = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		uint64_t v;
		if (parse_u64(t, 65535, &v, e) || v == 0)
			return err_set(e, EINVAL, "qd '%s': allowed values are 1 to 65535", t);
		if (cfg->nqd == SMOKE_MAX_QD)
			return err_set(e, EINVAL, "qd: at most %d values", SMOKE_MAX_QD);
		cfg->qd[cfg->nqd++] = (uint32_t)v;
	}
	return cfg->nqd ? 0 : err_set(e, EINVAL, "qd: no value given");
}

static int load_handler(void *user, const char *section, const char *name, const char *value,
			int lineno, struct err *e)
{
	struct load_ctx *lc = user;
	uint64_t v;
	int rc = 0;
	(void)lineno;
	if (strcmp(section, "global") != 0) {
		rc = err_set(e, EINVAL, "section [%s]: the smoke suite has only [global]", section);
	} else if (strcmp(name, "io_size") == 0) {
		rc = parse_size(value, &v, e);
		if (!rc && (v < 512 || v > (1u << 20) || (v & 511)))
			rc = err_set(e, EINVAL, "io_size %s: allowed 512 to 1m in multiples of 512",
				     value);
		if (!rc)
			lc->cfg->io_size = v;
	} else if (strcmp(name, "ios") == 0) {
		rc = parse_u64(value, 1000000000ull, &v, e);
		if (!rc && v == 0)
			rc = err_set(e, EINVAL, "ios must be at least 1");
		if (!rc)
			lc->cfg->ios = v;
	} else if (strcmp(name, "qd") == 0) {
		rc = load_qd(lc->cfg, value, e);
	} else if (strcmp(name, "nsid") == 0) {
		rc = parse_u64(value, 0xfffffffeu, &v, e);
		if (!rc)
			lc->cfg->nsid = (uint32_t)v;
	} else {
		rc = err_set(e, EINVAL, "unknown key '%s'; allowed: io_size, ios, qd, nsid", name);
	}
	return rc;
}

int smoke_load(const char *path, struct smoke_cfg *cfg, struct err *e)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->io_size = 4096;
	cfg->ios = 10000;
	cfg->qd[0] = 1;
	cfg->nqd = 1;
	cfg->nsid = 1;
	struct load_ctx lc = {.cfg = cfg};
	return inifile_parse(path, load_handler, &lc, e);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One case: `ios` I/Os of opcode `opc`, at most `qd` in flight. */
static int smoke_case(struct nvme_queue *q, const struct nvme_ns *ns, const struct dma_buf *buf,
		      uint8_t opc, uint32_t qd, const struct smoke_cfg *cfg, uint64_t *lat,
		      uint64_t *elapsed, struct err *e)
{
	uint64_t nblocks = ns->nlbas / (cfg->io_size >> ns->lba_shift);
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ qd ^ opc;
	uint64_t submitted = 0, completed = 0;
	uint64_t *start = calloc(qd, sizeof(*start));
	if (!start)
		return err_set(e, ENOMEM, "out of memory");
	struct nvme_done d[64];
	uint64_t t0 = clock_now_ns();
	while (completed < cfg->ios) {
		while (submitted < cfg->ios && submitted - completed < qd) {
			uint32_t slot = (uint32_t)(submitted % qd);
			uint64_t blk = xorshift(&seed) % nblocks;
			start[slot] = clock_now_ns();
			int rc = nvme_queue_rw(q, opc, ns, blk * (cfg->io_size >> ns->lba_shift), buf,
					       (size_t)slot * cfg->io_size, cfg->io_size,
					       (void *)(uintptr_t)slot);
			if (rc == -EBUSY)
				break;
			if (rc) {
				free(start);
				return err_set(e, -rc, "submitting I/O %llu failed",
					       (unsigned long long)submitted);
			}
			submitted++;
		}
		unsigned n = nvme_queue_poll(q, d, 64);
		uint64_t now = clock_now_ns();
		for (unsigned i = 0; i < n; i++) {
			if (d[i].status) {
				char sb[256];
				free(start);
				return err_set(e, EIO, "I/O failed: %s",
					       nvme_status_desc(d[i].status, sb, sizeof(sb)));
			}
			lat[completed++] = now - start[(uintptr_t)d[i].ctx];
		}
	}
	*elapsed = clock_now_ns() - t0;
	free(start);
	return 0;
}

int smoke_run(struct nvme_ctrl *c, const struct smoke_cfg *cfg, FILE *out, struct err *e)
{
	const struct nvme_ns *ns = nvme_ctrl_ns(c, cfg->nsid);
	if (!ns)
		return err_set(e, ENODEV, "namespace %u does not exist on this controller",
			       cfg->nsid);
	if (cfg->io_size > c->info.max_xfer || (cfg->io_size & ((1u << ns->lba_shift) - 1)))
		return err_set(e, EINVAL,
			       "io_size %llu: must be a multiple of the %u-byte LBA and at most "
			       "MDTS (%u bytes)",
			       (unsigned long long)cfg->io_size, 1u << ns->lba_shift,
			       c->info.max_xfer);
	uint32_t maxqd = 1;
	for (unsigned i = 0; i < cfg->nqd; i++)
		maxqd = cfg->qd[i] > maxqd ? cfg->qd[i] : maxqd;
	if (maxqd >= c->info.max_entries)
		return err_set(e, EINVAL, "qd %u: this controller allows at most %u (CAP.MQES)",
			       maxqd, c->info.max_entries - 1);
	struct nvme_queue *q = NULL;
	struct dma_buf buf = {0};
	uint64_t *lat = calloc(cfg->ios, sizeof(*lat));
	int rc = lat ? 0 : err_set(e, ENOMEM, "out of memory for %llu latencies",
				   (unsigned long long)cfg->ios);
	if (!rc)
		rc = nvme_ctrl_create_queue(c, (uint16_t)(maxqd + 1), &q, e);
	if (!rc)
		rc = backend_dma_alloc(c->be, (size_t)maxqd * cfg->io_size, MEM_4K,
				       DMA_PROT_READ | DMA_PROT_WRITE, &buf, e);
	fprintf(out, "%-6s %4s %10s %10s %10s %10s %12s\n", "op", "qd", "ios", "mean_ns", "p50_ns",
		"p99_ns", "iops");
	for (unsigned i = 0; !rc && i < cfg->nqd; i++) {
		static const uint8_t ops[] = {nvme_cmd_write, nvme_cmd_read};
		for (unsigned k = 0; !rc && k < 2; k++) {
			uint64_t elapsed = 0;
			rc = smoke_case(q, ns, &buf, ops[k], cfg->qd[i], cfg, lat, &elapsed, e);
			if (rc)
				break;
			uint64_t sum = 0;
			for (uint64_t j = 0; j < cfg->ios; j++)
				sum += lat[j];
			qsort(lat, cfg->ios, sizeof(*lat), cmp_u64);
			fprintf(out, "%-6s %4u %10llu %10llu %10llu %10llu %12.0f\n",
				k ? "read" : "write", cfg->qd[i], (unsigned long long)cfg->ios,
				(unsigned long long)(sum / cfg->ios),
				(unsigned long long)lat[cfg->ios / 2],
				(unsigned long long)lat[cfg->ios * 99 / 100],
				(double)cfg->ios * 1e9 / (double)(elapsed ? elapsed : 1));
		}
	}
	if (buf.va)
		backend_dma_free(c->be, &buf);
	struct err ignore;
	if (q)
		nvme_ctrl_delete_queue(c, q, &ignore);
	free(lat);
	return rc;
}
