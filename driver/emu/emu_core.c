/* Emulated controller lifetime, configuration, transport hooks and the main
 * processing round shared by all modes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include "driver/emu/emu_internal.h"

#define EMU_DEF_SERIAL "IOTLBEMU0001"
#define EMU_DEF_MODEL  "iotlbench emulated NVMe controller"
#define EMU_DEF_FW     "1.0"

/* Namespace 1 starts with the bytes of a file: a disk image with a
 * partition table or file system, so data-safety checks meet the real
 * thing. */
static int emu_load_image(struct emu *emu, const char *path, struct err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, errno, "emu: cannot open image %s: %s", path, strerror(errno));
	size_t n = fread(emu->ns[0], 1, emu->cfg.ns_bytes, f);
	int more = fgetc(f) != EOF;
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return err_set(e, EIO, "emu: reading image %s failed", path);
	if (more)
		return err_set(e, EFBIG,
			       "emu: image %s is larger than the namespace (%llu bytes); "
			       "raise ns_size",
			       path, (unsigned long long)emu->cfg.ns_bytes);
	(void)n;
	return 0;
}

void emu_cfg_default(struct emu_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = EMU_MODE_INLINE;
	cfg->mqes = 1023;
	cfg->dstrd = 0;
	cfg->to_500ms = 20;
	cfg->ready_us = 0;
	cfg->mdts = 5;
	cfg->max_io_queues = 64;
	cfg->nn = 1;
	cfg->ns_bytes = 64ull << 20;
	cfg->lba_shift = 9;
	cfg->base_ns = 2000;
	cfg->bytes_per_sec = 3200000000ull;
	cfg->serial = EMU_DEF_SERIAL;
	cfg->model = EMU_DEF_MODEL;
	cfg->firmware = EMU_DEF_FW;
}

static int emu_check_str(const char *what, const char *s, size_t max, struct err *e)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return err_set(e, EINVAL,
			       "emu: %s \"%s\" is %zu characters; Identify Controller holds 1..%zu "
			       "(shorten it)",
			       what, s, n, max);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e)
			return err_set(e, EINVAL,
				       "emu: %s contains byte 0x%02x at %zu; Identify strings are "
				       "printable ASCII (5.15.2)",
				       what, c, i);
	}
	return 0;
}

static int emu_cfg_check(const struct emu_cfg *c, struct err *e)
{
	if (c->mode != EMU_MODE_INLINE && c->mode != EMU_MODE_THREAD && c->mode != EMU_MODE_MANUAL)
		return err_set(e, EINVAL,
			       "emu: mode %d is unknown; use EMU_MODE_INLINE, EMU_MODE_THREAD or "
			       "EMU_MODE_MANUAL",
			       (int)c->mode);
	if (c->mqes < 1)
		return err_set(e, EINVAL,
			       "emu: mqes is 0; CAP.MQES is 0-based and 0 is invalid (3.1.1), use "
			       "at least 1");
	if (c->dstrd > EMU_MAX_DSTRD)
		return err_set(e, EINVAL, "emu: dstrd %u is too large; use 0..%u", c->dstrd,
			       EMU_MAX_DSTRD);
	if (c->to_500ms < 1)
		return err_set(e, EINVAL,
			       "emu: to_500ms is 0, giving the host no time to wait for CSTS.RDY; "
			       "use at least 1 (500 ms)");
	if (c->mdts < 1 || c->mdts > EMU_MAX_MDTS)
		return err_set(e, EINVAL,
			       "emu: mdts %u is out of range; use 1..%u (2^mdts 4 KiB pages per "
			       "command)",
			       c->mdts, EMU_MAX_MDTS);
	if (c->max_io_queues < 1)
		return err_set(e, EINVAL,
			       "emu: max_io_queues is 0; the driver needs at least one I/O queue "
			       "pair");
	if (c->nn < 1 || c->nn > EMU_MAX_NN)
		return err_set(e, EINVAL, "emu: nn %u is out of range; use 1..%u namespaces", c->nn,
			       EMU_MAX_NN);
	if (c->lba_shift != 9 && c->lba_shift != 12)
		return err_set(e, EINVAL,
			       "emu: lba_shift %u is not offered; use 9 (512 B) or 12 (4 KiB)",
			       c->lba_shift);
	if (!c->ns_bytes || (c->ns_bytes & ((1ull << c->lba_shift) - 1)))
		return err_set(e, EINVAL,
			       "emu: ns_bytes %llu is not a positive multiple of the %u-byte LBA "
			       "size; round it",
			       (unsigned long long)c->ns_bytes, 1u << c->lba_shift);
	if (c->ns_bytes > SIZE_MAX / 2)
		return err_set(e, EINVAL, "emu: ns_bytes %llu cannot be held in memory",
			       (unsigned long long)c->ns_bytes);
	/* NULL strings fall back to the defaults. */
	if (emu_check_str("serial", c->serial ? c->serial : EMU_DEF_SERIAL, 20, e) ||
	    emu_check_str("model", c->model ? c->model : EMU_DEF_MODEL, 40, e) ||
	    emu_check_str("firmware", c->firmware ? c->firmware : EMU_DEF_FW, 8, e))
		return -e->code;
	return 0;
}

static void emu_notify(struct transport *t, uint32_t off);
static void emu_idle(struct transport *t);

static void emu_free(struct emu *emu)
{
	if (emu->sqs) {
		for (uint32_t q = 0; q < emu->nqueues; q++) {
			pthread_mutex_destroy(&emu->sqs[q].lock);
			emu_xfer_free(&emu->sqs[q].xfer);
		}
	}
	if (emu->cqs) {
		for (uint32_t q = 0; q < emu->nqueues; q++) {
			pthread_mutex_destroy(&emu->cqs[q].lock);
			free(emu->cqs[q].heap);
		}
	}
	free(emu->sqs);
	free(emu->cqs);
	if (emu->ns)
		for (uint32_t i = 0; i < emu->cfg.nn; i++)
			if (emu->ns[i])
				munmap(emu->ns[i], emu->cfg.ns_bytes);
	free(emu->ns);
	free(emu->regs);
	pthread_mutex_destroy(&emu->ctrl_lock);
	pthread_mutex_destroy(&emu->csts_lock);
	pthread_mutex_destroy(&emu->inject_lock);
	free(emu);
}

static void *emu_zalloc_aligned(size_t align, size_t len)
{
	len = (len + align - 1) / align * align;
	void *p = aligned_alloc(align, len);
	if (p)
		memset(p, 0, len);
	return p;
}

/* The controller state with the configuration, its Identify strings and
 * the values derived from it; NULL when out of memory. */
static struct emu *emu_alloc_state(const struct emu_cfg *cfg)
{
	struct emu *emu = calloc(1, sizeof(*emu));
	if (!emu)
		return NULL;
	emu->cfg = *cfg;
	pthread_mutex_init(&emu->ctrl_lock, NULL);
	pthread_mutex_init(&emu->csts_lock, NULL);
	pthread_mutex_init(&emu->inject_lock, NULL);
	snprintf(emu->sn, sizeof(emu->sn), "%s", cfg->serial ? cfg->serial : EMU_DEF_SERIAL);
	snprintf(emu->mn, sizeof(emu->mn), "%s", cfg->model ? cfg->model : EMU_DEF_MODEL);
	snprintf(emu->fr, sizeof(emu->fr), "%s", cfg->firmware ? cfg->firmware : EMU_DEF_FW);
	emu->cfg.serial = emu->sn;
	emu->cfg.model = emu->mn;
	emu->cfg.firmware = emu->fr;
	emu->timed = cfg->base_ns || cfg->bytes_per_sec;
	emu->nqueues = (uint32_t)cfg->max_io_queues + 1;
	emu->db_stride = 4u << cfg->dstrd;
	emu->nsqa = cfg->max_io_queues;
	emu->ncqa = cfg->max_io_queues;
	emu->vwc = true;
	atomic_store(&emu->qlimit, 1);
	return emu;
}

/* The register file and the queue arrays. On failure the queue arrays are
 * gone again: their locks were never initialised for emu_free. */
static int emu_alloc_regs(struct emu *emu, struct err *e)
{
	/* 3.1: registers up to 0xfff, then one SQ tail and one CQ head
	 * doorbell per queue pair at the CAP.DSTRD stride. */
	emu->regs_len = 0x1000 + (size_t)emu->nqueues * 2 * emu->db_stride;
	emu->regs_len = (emu->regs_len + EMU_PAGE_SIZE - 1) & ~(size_t)EMU_PAGE_MASK;
	emu->regs = emu_zalloc_aligned(EMU_PAGE_SIZE, emu->regs_len);
	emu->sqs = emu_zalloc_aligned(EMU_CACHELINE, emu->nqueues * sizeof(*emu->sqs));
	emu->cqs = emu_zalloc_aligned(EMU_CACHELINE, emu->nqueues * sizeof(*emu->cqs));
	emu->ns = calloc(emu->cfg.nn, sizeof(*emu->ns));
	if (!emu->regs || !emu->sqs || !emu->cqs || !emu->ns) {
		free(emu->sqs);
		free(emu->cqs);
		emu->sqs = NULL;
		emu->cqs = NULL;
		return err_set(e, ENOMEM,
			       "emu_create: out of memory for registers and %u queue pairs; lower "
			       "max_io_queues",
			       emu->cfg.max_io_queues + 1u);
	}
	for (uint32_t q = 0; q < emu->nqueues; q++) {
		pthread_mutex_init(&emu->sqs[q].lock, NULL);
		pthread_mutex_init(&emu->cqs[q].lock, NULL);
	}
	return 0;
}

static int emu_map_namespaces(struct emu *emu, struct err *e)
{
	const struct emu_cfg *cfg = &emu->cfg;
	for (uint32_t i = 0; i < cfg->nn; i++) {
		/* Populated up front: a first touch during a benchmark would add
		 * a host page fault (and, with THP, a 2 MiB clear) to some I/Os,
		 * which no real device has. */
		void *p = mmap(NULL, cfg->ns_bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		emu->ns[i] = p == MAP_FAILED ? NULL : p;
		if (!emu->ns[i])
			return err_set(e, ENOMEM,
				       "emu_create: cannot allocate %u namespaces of %llu bytes; "
				       "lower nn or ns_bytes",
				       cfg->nn, (unsigned long long)cfg->ns_bytes);
	}
	emu->ns_blocks = cfg->ns_bytes >> cfg->lba_shift;
	return 0;
}

/* The image in namespace 1, the configured fault, and the admin SQ's
 * scratch list, allocated now so that enabling the controller cannot fail
 * for lack of memory. */
static int emu_prepare(struct emu *emu, struct err *e)
{
	const struct emu_cfg *cfg = &emu->cfg;
	if (cfg->image && emu_load_image(emu, cfg->image, e))
		return -e->code;
	if (cfg->fault_after &&
	    emu_inject_after(emu, EMU_ANY_IO_QUEUE, -1, cfg->fault_kind, NVME_SC_DATA_XFER_ERROR, 1,
			     cfg->fault_after - 1, e))
		return -e->code;
	if (emu_xfer_init(&emu->sqs[0].xfer, cfg->mdts))
		return err_set(e, ENOMEM, "emu_create: out of memory for the admin PRP list");
	return 0;
}

/* The register values at reset and the transport the driver sees: inline
 * mode runs commands on every register store, inline and manual modes run
 * them when the driver polls an empty CQ, thread mode on its own thread. */
static void emu_wire_transport(struct emu *emu)
{
	emu_regs_init(emu);
	emu->tr.regs = emu->regs;
	emu->tr.regs_len = emu->regs_len;
	emu->tr.priv = emu;
	emu->tr.notify = emu->cfg.mode == EMU_MODE_INLINE ? emu_notify : NULL;
	emu->tr.idle = emu->cfg.mode == EMU_MODE_THREAD ? NULL : emu_idle;
}

int emu_create(const struct emu_cfg *cfg, struct emu **out, struct err *e)
{
	struct err tmp;

	if (!e)
		e = &tmp;
	if (!cfg || !out)
		return err_set(e, EINVAL,
			       "emu_create: cfg and out must not be NULL; fill cfg with "
			       "emu_cfg_default first");
	*out = NULL;
	int rc = emu_cfg_check(cfg, e);
	if (rc)
		return rc;

	struct emu *emu = emu_alloc_state(cfg);
	if (!emu)
		return err_set(e, ENOMEM, "emu_create: out of memory for the controller state");
	rc = emu_alloc_regs(emu, e);
	if (!rc)
		rc = emu_map_namespaces(emu, e);
	if (!rc)
		rc = emu_prepare(emu, e);
	if (!rc) {
		emu_wire_transport(emu);
		if (cfg->mode == EMU_MODE_THREAD)
			rc = emu_thread_start(emu, e);
	}
	if (rc) {
		emu_free(emu);
		return rc;
	}
	*out = emu;
	return 0;
}

void emu_destroy(struct emu *emu)
{
	if (!emu)
		return;
	emu_thread_stop(emu);
	emu_free(emu);
}

struct transport *emu_transport(struct emu *emu)
{
	return &emu->tr;
}

static unsigned emu_post_cq(struct emu *emu, uint32_t qid, bool wait)
{
	struct emu_cq *cq = &emu->cqs[qid];
	unsigned n = 0;

	if (!atomic_load_explicit(&cq->live, memory_order_acquire))
		return 0;
	if (wait)
		pthread_mutex_lock(&cq->lock);
	else if (pthread_mutex_trylock(&cq->lock))
		return 0;
	n = emu_cq_post_locked(emu, cq);
	pthread_mutex_unlock(&cq->lock);
	return n;
}

/* Runs one SQ. The admin queue also needs ctrl_lock because its commands
 * create and delete queues. With wait = false a queue some other thread is
 * already serving is skipped; that thread will see the same doorbell. */
static unsigned emu_run_sq(struct emu *emu, uint32_t qid, bool wait, int *cqid)
{
	struct emu_sq *sq = &emu->sqs[qid];
	unsigned n = 0;

	*cqid = -1;
	if (!atomic_load_explicit(&sq->live, memory_order_acquire))
		return 0;
	if (qid == 0) {
		if (wait)
			pthread_mutex_lock(&emu->ctrl_lock);
		else if (pthread_mutex_trylock(&emu->ctrl_lock))
			return 0;
	}
	if (wait) {
		pthread_mutex_lock(&sq->lock);
	} else if (pthread_mutex_trylock(&sq->lock)) {
		if (qid == 0)
			pthread_mutex_unlock(&emu->ctrl_lock);
		return 0;
	}
	if (atomic_load(&sq->live)) {
		n = emu_sq_process(emu, sq);
		*cqid = sq->cqid;
	}
	pthread_mutex_unlock(&sq->lock);
	if (qid == 0)
		pthread_mutex_unlock(&emu->ctrl_lock);
	return n;
}

unsigned emu_round(struct emu *emu, unsigned *work)
{
	unsigned fetched = 0, posted = 0;

	emu_regs_poll(emu);
	if (emu_active(emu)) {
		unsigned lim = atomic_load(&emu->qlimit);
		int cqid;
		for (uint32_t q = 0; q < lim; q++)
			fetched += emu_run_sq(emu, q, false, &cqid);
		for (uint32_t q = 0; q < lim; q++)
			posted += emu_post_cq(emu, q, false);
	}
	*work = fetched + posted;
	return posted;
}

unsigned emu_process(struct emu *emu)
{
	unsigned work;

	return emu_round(emu, &work);
}

/* INLINE mode: the driver's register stores run device work directly. An SQ
 * tail doorbell processes that queue and posts what is due on its CQ; a CQ
 * head doorbell frees entries, so completions held back for lack of room
 * are posted. */
static void emu_notify(struct transport *t, uint32_t off)
{
	struct emu *emu = t->priv;

	if (off == NVME_REG_CC) {
		emu_cc_check(emu);
		return;
	}
	if (off < 0x1000 || off >= emu->regs_len || !emu_active(emu))
		return;
	uint32_t rel = off - 0x1000;
	if (rel & (emu->db_stride - 1))
		return;
	uint32_t idx = rel / emu->db_stride;
	uint32_t qid = idx / 2;
	if (qid >= emu->nqueues)
		return;
	if (idx & 1) {
		emu_post_cq(emu, qid, true);
		return;
	}
	int cqid;
	emu_run_sq(emu, qid, true, &cqid);
	if (cqid >= 0)
		emu_post_cq(emu, (uint32_t)cqid, true);
}

static void emu_idle(struct transport *t)
{
	emu_process(t->priv);
}

uint8_t *emu_ns_data(struct emu *emu, uint32_t nsid, uint64_t *bytes)
{
	if (!emu || nsid < 1 || nsid > emu->cfg.nn)
		return NULL;
	if (bytes)
		*bytes = emu->cfg.ns_bytes;
	return emu->ns[nsid - 1];
}

void emu_get_stats(struct emu *emu, struct emu_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!emu)
		return;
	for (uint32_t q = 0; q < emu->nqueues; q++) {
		const struct emu_sq *sq = &emu->sqs[q];
		const struct emu_cq *cq = &emu->cqs[q];
		st->commands += atomic_load_explicit(&sq->commands, memory_order_relaxed);
		st->bytes_read += atomic_load_explicit(&sq->bytes_read, memory_order_relaxed);
		st->bytes_written += atomic_load_explicit(&sq->bytes_written, memory_order_relaxed);
		st->dma_faults += atomic_load_explicit(&sq->dma_faults, memory_order_relaxed) +
				  atomic_load_explicit(&cq->dma_faults, memory_order_relaxed);
		st->completions += atomic_load_explicit(&cq->completions, memory_order_relaxed);
	}
	st->resets = atomic_load_explicit(&emu->resets, memory_order_relaxed);
}
