#include "micro/run/limits.h"

#include <errno.h>

#include "driver/mem/mem.h"
#include "micro/kinds/keys.h"

static int check_io(const struct bench_case *c, const struct nvme_ns *ns, struct err *e);

static int check_case(const struct bench_case *c, const struct nvme_ctrl *ctrl,
		      const struct nvme_ns *ns, struct err *e)
{
	const struct nvme_ctrl_info *in = &ctrl->info;
	if (c->kind->dma_bench)
		return err_set(e, EOPNOTSUPP,
			       "kind %s drives the kernel's dma_map_benchmark, which has no "
			       "NVMe controller to run on: run it with --backend dma-api "
			       "--device BDF (a PCI function no driver uses)",
			       c->kind->name);
	/* A queue of N entries holds N - 1 commands (NVMe 1.4, 4.1.1: full
	 * when the tail is one behind the head), and CAP.MQES + 1 is the most
	 * entries a queue may have (3.1.1). */
	uint64_t qd = case_get(c, &key_qd, 1);
	if (qd + 1 > in->max_entries)
		return err_set(e, ERANGE,
			       "qd = %llu: the controller's queues hold at most %u entries "
			       "(CAP.MQES + 1), so qd can be at most %u",
			       (unsigned long long)qd, in->max_entries, in->max_entries - 1);
	uint64_t threads = case_value(c, "threads");
	if (threads != UINT64_MAX && threads > in->io_queues)
		return err_set(e, ERANGE,
			       "threads = %llu: the controller granted %u I/O queue pairs "
			       "(Set Features, Number of Queues), one per thread",
			       (unsigned long long)threads, in->io_queues);
	if (!case_has(c, &key_io_size))
		return 0;
	uint64_t io = case_get(c, &key_io_size, 0);
	/* MDTS (Identify Controller byte 77) caps one command's transfer. */
	if (in->max_xfer && io > in->max_xfer)
		return err_set(e, ERANGE,
			       "io_size %llu KiB exceeds the controller's MDTS of %u KiB: use "
			       "io_size <= %uk",
			       (unsigned long long)(io >> 10), in->max_xfer >> 10,
			       in->max_xfer >> 10);
	return check_io(c, ns, e);
}

static int check_io(const struct bench_case *c, const struct nvme_ns *ns, struct err *e)
{
	if (!case_has(c, &key_io_size))
		return 0;
	uint64_t io = case_get(c, &key_io_size, 0);
	uint64_t lba = 1ull << ns->lba_shift;
	/* Random I/Os pick one of nlbas / (io_size / lba) blocks: at least one
	 * must exist. */
	if (io > ns->nlbas * lba)
		return err_set(e, ERANGE,
			       "io_size %llu exceeds namespace %u (%llu bytes): use a larger "
			       "namespace or a smaller io_size",
			       (unsigned long long)io, ns->nsid,
			       (unsigned long long)(ns->nlbas * lba));
	if (io % lba)
		return err_set(e, EINVAL,
			       "io_size %llu is not a multiple of namespace %u's %llu-byte LBAs: "
			       "add --set io_size=%llu",
			       (unsigned long long)io, ns->nsid, (unsigned long long)lba,
			       (unsigned long long)lba);
	return 0;
}

int limits_check(const struct suite *s, const struct nvme_ctrl *c, const struct nvme_ns *ns,
		 struct err *e)
{
	for (unsigned i = 0; i < s->ncases; i++)
		if (check_case(&s->cases[i], c, ns, e))
			return err_wrap(e, "%s: case %s", s->path, s->cases[i].name);
	return 0;
}

int limits_check_kernel(const struct suite *s, const struct kio_dev *d, struct err *e)
{
	for (unsigned i = 0; i < s->ncases; i++) {
		const struct bench_case *c = &s->cases[i];
		if (!c->kind->kernel_io)
			return err_set(e, EOPNOTSUPP,
				       "%s: case %s: kind %s cannot run on the kernel backend: %s",
				       s->path, c->name, c->kind->name,
				       c->kind->no_kernel_io ? c->kind->no_kernel_io
							     : "it drives the NVMe queues itself");
		/* The block layer splits a request above max_hw_sectors_kb, so
		 * only the namespace and the block size limit io_size here. */
		if (check_io(c, &d->ns, e))
			return err_wrap(e, "%s: case %s", s->path, c->name);
	}
	return 0;
}

int limits_check_dma_api(const struct suite *s, struct err *e)
{
	for (unsigned i = 0; i < s->ncases; i++) {
		const struct bench_case *c = &s->cases[i];
		if (!c->kind->dma_bench)
			return err_set(
			    e, EOPNOTSUPP,
			    "%s: case %s: kind %s cannot run on the dma-api backend: it "
			    "lends its PCI function to the kernel's dma_map_benchmark and "
			    "has no NVMe device and no mapping of this process (run kind "
			    "dmamap there, and %s on another backend)",
			    s->path, c->name, c->kind->name, c->kind->name);
	}
	return 0;
}

void limits_pools(const struct suite *s, bool emu, FILE *out, bool *skip)
{
	static const uint64_t sizes[] = {2u << 20, 1u << 30};
	for (unsigned k = 0; k < 2; k++) {
		uint64_t ps = sizes[k], nfree = 0, total = 0, worst = 0;
		bool pool = mem_hugepool(ps, &nfree, &total) == 0;
		unsigned n = 0;
		for (unsigned i = 0; i < s->ncases; i++) {
			const struct bench_case *c = &s->cases[i];
			if (!c->kind->footprint || case_get(c, &key_page_size, 0) != ps)
				continue;
			/* Only hugetlb memory (also behind a memfd) comes from the pool;
			 * sparse memory (emu) and anon or THP memory do not. */
			uint64_t bk = case_get(c, &key_backing, MEM_KIND_DEFAULT);
			if (bk != MEM_KIND_DEFAULT && bk != MEM_KIND_HUGETLB &&
			    bk != MEM_KIND_MEMFD)
				continue;
			uint64_t pages = round_up_pow2(c->kind->footprint(c), ps) / ps;
			if (pool && pages <= nfree)
				continue;
			skip[i] = true;
			n++;
			worst = pages > worst ? pages : worst;
		}
		if (!n)
			continue;
		struct err e;
		mem_hugepool_error(ps, worst, ENOMEM, &e);
		fprintf(out,
			"note: %u case%s of %s pages will be skipped (the largest needs %llu): "
			"%s%s\n",
			n, n == 1 ? "" : "s", ps == (1u << 30) ? "1 GiB" : "2 MiB",
			(unsigned long long)worst, e.msg,
			emu ? "; or, on the emu backend, backing = sparse (no pool needed)" : "");
	}
}
