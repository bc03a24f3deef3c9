#include "driver/nvme/ctrl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver/util/clock.h"
#include "driver/nvme/admin.h"
#include "driver/util/array.h"

/* The largest transfer the driver builds PRP lists for, whatever MDTS says
 * (MDTS = 0 means "no limit"): 2 MiB keeps a slot's PRP list to one page. */
#define DRIVER_MAX_XFER (2u << 20)
#define MAX_NAMESPACES	1024u

void nvme_ctrl_opts_default(struct nvme_ctrl_opts *o)
{
	o->admin_timeout_ms = 5000;
	o->io_timeout_ms = 5000;
	o->admin_entries = 64;
	o->io_queues = 64;
}

/* Copies a space-padded ASCII Identify field and trims it. */
static void copy_id_string(char *dst, const char *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
	while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
		dst[--n] = '\0';
}

static uint32_t cc_value(bool enable)
{
	/* 3.1.5: 64-byte SQEs and 16-byte CQEs (IOSQES = 6, IOCQES = 4), NVM
	 * command set, 4 KiB memory pages (MPS = 0), round-robin arbitration. */
	return (6u << NVME_CC_IOSQES_SHIFT) | (4u << NVME_CC_IOCQES_SHIFT) |
	       ((uint32_t)NVME_CC_CSS_NVM << NVME_CC_CSS_SHIFT) | (enable ? 1u : 0u);
}

/* ---- bring-up stages (7.6.1) ---- */

static int stage_capabilities(struct nvme_ctrl *c, struct err *e)
{
	c->cap = tr_read64(c->tr, NVME_REG_CAP);
	if (c->cap == ~0ull)
		return err_set(e, ENODEV,
			       "CAP reads as all ones: the device is gone or BAR0 is not mapped");
	c->info.version = tr_read32(c->tr, NVME_REG_VS);
	c->info.max_entries = (uint32_t)NVME_CAP_MQES(c->cap) + 1;
	c->info.dstrd = (uint32_t)NVME_CAP_DSTRD(c->cap);
	/* CAP.TO is in 500 ms units; 0 is not valid but old devices report it. */
	uint32_t to = (uint32_t)NVME_CAP_TO(c->cap);
	c->info.timeout_ms = (to ? to : 1) * 500u;
	if (!(NVME_CAP_CSS(c->cap) & NVME_CAP_CSS_NVM))
		return err_set(e, ENOTSUP,
			       "controller does not support the NVM command set (CAP.CSS)");
	if (NVME_CAP_MPSMIN(c->cap) > 0)
		return err_set(e, ENOTSUP,
			       "controller's smallest memory page is %u KiB (CAP.MPSMIN); the "
			       "driver needs 4 KiB pages",
			       4u << NVME_CAP_MPSMIN(c->cap));
	if (c->info.max_entries < 2)
		return err_set(e, EPROTO, "CAP.MQES = 0 is invalid: queues need 2 entries");
	size_t need = nvme_cq_db_off((uint16_t)c->opts.io_queues, c->info.dstrd) + 4;
	if (c->tr->regs_len && c->tr->regs_len < 0x1000 + 8)
		return err_set(e, EINVAL, "BAR0 of %zu bytes cannot hold the doorbells",
			       c->tr->regs_len);
	if (c->tr->regs_len && need > c->tr->regs_len) {
		/* Fewer queues fit in the BAR than asked for: ask for fewer. */
		uint32_t fit = (uint32_t)((c->tr->regs_len - 0x1000) / (8u << c->info.dstrd));
		c->opts.io_queues = (uint16_t)(fit > 1 ? fit - 1 : 1);
	}
	return 0;
}

static int stage_disable(struct nvme_ctrl *c, struct err *e)
{
	uint32_t cc = tr_read32(c->tr, NVME_REG_CC);
	uint32_t csts = tr_read32(c->tr, NVME_REG_CSTS);
	if (!(cc & 1u) && !(csts & NVME_CSTS_BIT_RDY))
		return 0;
	/* 7.6.1 step 1: with CC.EN cleared, wait for CSTS.RDY = 0 for up to
	 * CAP.TO before touching the admin queue registers. */
	tr_write32(c->tr, NVME_REG_CC, cc & ~1u);
	c->enabled = false;
	return nvme_wait_ready(c->tr, false, c->info.timeout_ms, e);
}

static int stage_admin_queue(struct nvme_ctrl *c, struct err *e)
{
	uint32_t entries = c->opts.admin_entries;
	if (entries > c->info.max_entries)
		entries = c->info.max_entries;
	if (entries > 4096) /* AQA.ASQS/ACQS are 12 bits, 0-based (3.1.8) */
		entries = 4096;
	if (!c->admin) {
		int rc =
		    nvme_queue_alloc(c->dev, 0, (uint16_t)entries, NVME_PAGE_SIZE, c->info.dstrd,
				     (uint64_t)c->opts.admin_timeout_ms * 1000000u, &c->admin, e);
		if (rc)
			return rc;
	} else {
		nvme_queue_reset(c->admin);
	}
	uint32_t n = (uint32_t)c->admin->entries - 1;
	tr_write32(c->tr, NVME_REG_AQA, n | n << 16);
	tr_write64(c->tr, NVME_REG_ASQ, dma_addr(&c->admin->ring, 0));
	tr_write64(
	    c->tr, NVME_REG_ACQ,
	    dma_addr(&c->admin->ring, (size_t)((uint8_t *)c->admin->cq - c->admin->ring.va)));
	return 0;
}

static int stage_enable(struct nvme_ctrl *c, struct err *e)
{
	tr_write32(c->tr, NVME_REG_CC, cc_value(true));
	int rc = nvme_wait_ready(c->tr, true, c->info.timeout_ms, e);
	if (rc == 0)
		c->enabled = true;
	return rc;
}

static int stage_identify_ctrl(struct nvme_ctrl *c, struct err *e)
{
	int rc = nvme_identify(c, NVME_IDENTIFY_CNS_CTRL, 0, e);
	if (rc)
		return rc;
	const struct nvme_id_ctrl *id = (const struct nvme_id_ctrl *)c->scratch.va;
	copy_id_string(c->info.serial, id->sn, sizeof(id->sn));
	copy_id_string(c->info.model, id->mn, sizeof(id->mn));
	copy_id_string(c->info.firmware, id->fr, sizeof(id->fr));
	c->info.vid = id->vid;
	c->info.cntlid = id->cntlid;
	c->info.nn = id->nn;
	c->info.vwc = id->vwc & 1u;
	/* MDTS is a power of two in units of CAP.MPSMIN pages; 0 = no limit. */
	uint64_t max = DRIVER_MAX_XFER;
	if (id->mdts) {
		uint64_t mdts = (uint64_t)NVME_PAGE_SIZE << (id->mdts < 20 ? id->mdts : 20);
		if (mdts < max)
			max = mdts;
	}
	c->info.max_xfer = (uint32_t)max;
	/* SQES/CQES (bits 3:0 the required size) must allow 64/16 bytes. */
	if ((id->sqes & 0xf) > 6 || (id->cqes & 0xf) > 4)
		return err_set(e, ENOTSUP,
			       "controller requires SQE/CQE sizes larger than 64/16 bytes "
			       "(SQES 0x%02x CQES 0x%02x)",
			       id->sqes, id->cqes);
	return 0;
}

static int identify_one_ns(struct nvme_ctrl *c, uint32_t nsid, struct err *e)
{
	int rc = nvme_identify(c, NVME_IDENTIFY_CNS_NS, nsid, e);
	if (rc)
		return err_wrap(e, "namespace %u", nsid);
	const struct nvme_id_ns *id = (const struct nvme_id_ns *)c->scratch.va;
	if (id->nsze == 0)
		return 0; /* inactive: Identify returns zeroes (5.15.2.1) */
	struct nvme_ns_info *ni = &c->ns[c->nns];
	memset(ni, 0, sizeof(*ni));
	ni->ns.nsid = nsid;
	ni->ns.nlbas = id->nsze;
	ni->ncap = id->ncap;
	ni->nuse = id->nuse;
	ni->nlbaf = (uint32_t)id->nlbaf + 1;
	if (ni->nlbaf > 16)
		ni->nlbaf = 16;
	for (uint32_t i = 0; i < ni->nlbaf; i++) {
		ni->lbaf_ds[i] = id->lbaf[i].ds;
		ni->lbaf_ms[i] = id->lbaf[i].ms;
	}
	ni->flbas = id->flbas & 0xfu;
	ni->ns.lba_shift = ni->lbaf_ds[ni->flbas];
	if (ni->ns.lba_shift < 9 || ni->ns.lba_shift > 16)
		return err_set(e, ENOTSUP, "namespace %u: LBA data size 2^%u is not supported",
			       nsid, ni->ns.lba_shift);
	c->nns++;
	return 0;
}

static int stage_identify_ns(struct nvme_ctrl *c, struct err *e)
{
	uint32_t nn = c->info.nn < MAX_NAMESPACES ? c->info.nn : MAX_NAMESPACES;
	c->ns = calloc(nn ? nn : 1, sizeof(*c->ns));
	if (!c->ns)
		return err_set(e, ENOMEM, "out of memory for %u namespaces", nn);
	/* CNS 02h (active namespace list, 1.1+) avoids probing every NSID. */
	uint32_t list[1024];
	int rc = nvme_identify(c, NVME_IDENTIFY_CNS_NS_ACTIVE_LIST, 0, e);
	if (rc)
		return rc;
	memcpy(list, c->scratch.va, sizeof(list));
	for (uint32_t i = 0; i < 1024 && list[i] && c->nns < nn; i++) {
		rc = identify_one_ns(c, list[i], e);
		if (rc)
			return rc;
	}
	return 0;
}

static int stage_queue_count(struct nvme_ctrl *c, struct err *e)
{
	uint16_t granted = 0;
	int rc = nvme_set_num_queues(c, c->opts.io_queues, &granted, e);
	if (rc)
		return rc;
	if (granted > c->opts.io_queues)
		granted = c->opts.io_queues;
	c->info.io_queues = granted;
	if (!c->ioq)
		c->ioq = calloc(granted, sizeof(*c->ioq));
	if (!c->ioq)
		return err_set(e, ENOMEM, "out of memory for %u queue pairs", granted);
	return 0;
}

struct stage {
	const char *name;
	int (*run)(struct nvme_ctrl *c, struct err *e);
};

static const struct stage open_stages[] = {
    {"read capabilities", stage_capabilities},	      {"disable controller", stage_disable},
    {"configure admin queue", stage_admin_queue},     {"enable controller", stage_enable},
    {"identify controller", stage_identify_ctrl},     {"identify namespaces", stage_identify_ns},
    {"negotiate I/O queue count", stage_queue_count},
};

static int run_stages(struct nvme_ctrl *c, const struct stage *s, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		int rc = s[i].run(c, e);
		if (rc)
			return err_wrap(e, "controller bring-up, stage '%s'", s[i].name);
	}
	return 0;
}

int nvme_ctrl_open(struct dma_dev *dev, const struct nvme_ctrl_opts *o, struct nvme_ctrl **out,
		   struct err *e)
{
	struct nvme_ctrl *c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(e, ENOMEM, "out of memory");
	c->dev = dev;
	c->tr = dev->tr;
	if (o)
		c->opts = *o;
	else
		nvme_ctrl_opts_default(&c->opts);
	if (c->opts.io_queues == 0)
		c->opts.io_queues = 1;
	pthread_mutex_init(&c->admin_lock, NULL);
	int rc = dma_alloc(dev, NVME_PAGE_SIZE, NVME_PAGE_SIZE, DMA_PROT_READ | DMA_PROT_WRITE,
			   &c->scratch, e);
	if (rc) {
		pthread_mutex_destroy(&c->admin_lock);
		free(c);
		return err_wrap(e, "allocating the Identify buffer");
	}
	rc = run_stages(c, open_stages, ARRAY_SIZE(open_stages), e);
	if (rc) {
		nvme_ctrl_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

static int queue_register(struct nvme_ctrl *c, struct nvme_queue *q, struct err *e)
{
	int rc = nvme_create_cq(c, q, e);
	if (rc)
		return err_wrap(e, "creating I/O CQ %u", q->qid);
	rc = nvme_create_sq(c, q, e);
	if (rc) {
		struct err ignore;
		nvme_delete_cq(c, q->qid, &ignore);
		return err_wrap(e, "creating I/O SQ %u", q->qid);
	}
	q->created = 1;
	return 0;
}

int nvme_ctrl_create_queue(struct nvme_ctrl *c, uint16_t entries, struct nvme_queue **out,
			   struct err *e)
{
	if (entries < 2 || entries > c->info.max_entries)
		return err_set(e, EINVAL,
			       "queue of %u entries: this controller allows 2 to %u (CAP.MQES + 1)",
			       entries, c->info.max_entries);
	uint16_t qid = 0;
	for (uint16_t i = 0; i < c->info.io_queues; i++)
		if (!c->ioq[i]) {
			qid = (uint16_t)(i + 1);
			break;
		}
	if (!qid)
		return err_set(e, ENOSPC,
			       "all %u I/O queue pairs the controller granted are in use; delete "
			       "one or use fewer threads",
			       c->info.io_queues);
	struct nvme_queue *q;
	int rc = nvme_queue_alloc(c->dev, qid, entries, c->info.max_xfer, c->info.dstrd,
				  (uint64_t)c->opts.io_timeout_ms * 1000000u, &q, e);
	if (rc)
		return rc;
	rc = queue_register(c, q, e);
	if (rc) {
		nvme_queue_free(q);
		return rc;
	}
	c->ioq[qid - 1] = q;
	*out = q;
	return 0;
}

static void stats_add(struct nvme_queue_stats *sum, const struct nvme_queue_stats *q)
{
	sum->completed += q->completed;
	sum->timeouts += q->timeouts;
	sum->bad_cqes += q->bad_cqes;
	sum->late_cqes += q->late_cqes;
}

int nvme_ctrl_delete_queue(struct nvme_ctrl *c, struct nvme_queue *q, struct err *e)
{
	if (!q)
		return 0;
	int rc = 0;
	/* 5.6/5.5: the SQ goes first; a CQ with an SQ still attached cannot
	 * be deleted. Skipped when the controller is not running. */
	if (q->created && c->enabled) {
		rc = nvme_delete_sq(c, q->qid, e);
		if (!rc)
			rc = nvme_delete_cq(c, q->qid, e);
	}
	stats_add(&c->retired, &q->st);
	c->ioq[q->qid - 1] = NULL;
	nvme_queue_free(q);
	return rc;
}

void nvme_ctrl_stats(const struct nvme_ctrl *c, struct nvme_queue_stats *out)
{
	*out = c->retired;
	if (c->admin)
		stats_add(out, &c->admin->st);
	for (uint16_t i = 0; c->ioq && i < c->info.io_queues; i++)
		if (c->ioq[i])
			stats_add(out, &c->ioq[i]->st);
}

static const struct stage reset_stages[] = {
    {"disable controller", stage_disable},
    {"configure admin queue", stage_admin_queue},
    {"enable controller", stage_enable},
    {"negotiate I/O queue count", stage_queue_count},
};

int nvme_ctrl_reset(struct nvme_ctrl *c, struct err *e)
{
	/* A reset must clear CC.EN even if the controller already looks
	 * disabled, so force the disable stage to run. */
	tr_write32(c->tr, NVME_REG_CC, tr_read32(c->tr, NVME_REG_CC) & ~1u);
	c->enabled = false;
	int rc = run_stages(c, reset_stages, ARRAY_SIZE(reset_stages), e);
	if (rc)
		return err_wrap(e, "controller reset");
	for (uint16_t i = 0; i < c->info.io_queues; i++) {
		struct nvme_queue *q = c->ioq[i];
		if (!q)
			continue;
		nvme_queue_reset(q);
		q->created = 0;
		rc = queue_register(c, q, e);
		if (rc)
			return err_wrap(e, "controller reset: re-creating queue %u", q->qid);
	}
	return 0;
}

void nvme_ctrl_close(struct nvme_ctrl *c)
{
	if (!c)
		return;
	struct err ignore;
	if (c->ioq)
		for (uint16_t i = 0; i < c->info.io_queues; i++)
			nvme_ctrl_delete_queue(c, c->ioq[i], &ignore);
	if (c->enabled) {
		/* 7.6.2: normal shutdown (CC.SHN = 01b), wait for CSTS.SHST =
		 * 10b so a volatile write cache is flushed, then disable. */
		uint32_t cc = tr_read32(c->tr, NVME_REG_CC);
		tr_write32(c->tr, NVME_REG_CC,
			   (cc & ~(NVME_CC_SHN_MASK << NVME_CC_SHN_SHIFT)) |
			       (NVME_CC_SHN_NORMAL << NVME_CC_SHN_SHIFT));
		for (uint32_t i = 0; i < c->info.timeout_ms * 10; i++) {
			uint32_t csts = tr_read32(c->tr, NVME_REG_CSTS);
			if (csts == 0xffffffffu || NVME_CSTS_SHST(csts) == NVME_CSTS_SHST_CMPLT)
				break;
			if (c->tr->idle)
				c->tr->idle(c->tr);
			else
				clock_sleep_us(100);
		}
	}
	if (c->admin && c->tr)
		stage_disable(c, &ignore);
	nvme_queue_free(c->admin);
	if (c->scratch.va)
		dma_free(c->dev, &c->scratch);
	free(c->ioq);
	free(c->ns);
	pthread_mutex_destroy(&c->admin_lock);
	free(c);
}

const struct nvme_ns *nvme_ctrl_ns(const struct nvme_ctrl *c, uint32_t nsid)
{
	for (uint32_t i = 0; i < c->nns; i++)
		if (c->ns[i].ns.nsid == nsid)
			return &c->ns[i].ns;
	return NULL;
}
