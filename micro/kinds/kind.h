/* Benchmark kinds. Each kind is one file in micro/kinds/ exporting one
 * descriptor: its name, its suite keys (with defaults, ranges and help, from
 * driver/util/keys.h), the check of one expanded case, the result-row
 * columns it fills and the function that runs a case. The suite parser, the
 * runner, `iotlbench help` and the README's kind table all read the same
 * descriptors (micro/kinds/table.c lists the built-in ones), so adding a kind
 * is one new file and one table entry (HACKING.md). */
#ifndef IOTLB_KIND_H
#define IOTLB_KIND_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "driver/util/err.h"
#include "driver/util/keys.h"
#include "micro/dataset/rows.h"

/* The most keys one kind has, and the most values one list-valued key takes. */
#define KIND_MAX_KEYS 16
#define MAX_VALUES    64

enum kind_key_flags {
	/* All values stay one list inside each case instead of spanning the
	 * grid (count's `mappings`: one case steps through them). */
	KK_LIST = 1u << 0,
	/* Left out of a case's one-line description (warmup, raw). */
	KK_QUIET = 1u << 1,
};

/* One key of a kind: its definition (shared keys live in kinds/keys.c, a
 * kind's own in its file), the kind's default as a user would write it
 * (NULL: the suite must give it) and flags. */
struct kind_key {
	const struct key_def *def;
	const char *dflt;
	unsigned flags;
};

struct kind;

/* One case: a kind and exactly one value per key, in the kind's key order;
 * a KK_LIST key keeps all its values in `list`. */
struct bench_case {
	char name[48]; /* "<section>-<index>" */
	char section[32];
	const struct kind *kind;
	uint64_t v[KIND_MAX_KEYS];
	uint64_t list[MAX_VALUES];
	unsigned nlist;
};

struct backend;
struct kio_dev;
struct dmab_dev;
struct nvme_ctrl;
struct nvme_ns;
struct dataset;

/* What a case runs against: the device behind its backend, the namespace
 * (or the --lba-range window of it), the dataset its rows go to and the
 * run's stop flag (set by SIGINT/SIGTERM). Exactly one of c (a userspace
 * backend owns the NVMe queues), kio (the kernel driver does) and dmab (no
 * NVMe device at all: the kernel's DMA-API benchmark) is set,
 * and a kind picks its I/O loop by it once per case, so the userspace hot
 * path carries no indirection. The runner fills it; a kind sees
 * nothing else of the run. */
struct bench_env {
	struct backend *be;
	struct nvme_ctrl *c; /* NULL on the kernel backend */
	struct kio_dev *kio; /* the kernel backend's io_uring path; NULL otherwise */
	/* dma-api backend: the kernel's DMA-API benchmark; c, kio and ns are
	 * then NULL (there is no namespace and no I/O). */
	struct dmab_dev *dmab;
	const struct nvme_ns *ns;
	struct dataset *ds;
	volatile sig_atomic_t *stop;
	/* The PCI function whose VT-d page table the Intel IOMMU debugfs
	 * shows (the runner sets it when the dump can be read), and the
	 * case's data buffer (bench_buf): each I/O row then gets counters.csv
	 * rows of source iommu_debugfs with the IOPTE leaves covering it. */
	const char *leaf_bdf;
	uint64_t leaf_iova, leaf_len;
	/* Run setting `rounds`: this is round `round` of `rounds` of the
	 * case (rounds = 1 when the case runs once); a kind measured in
	 * rounds does its share of the I/Os (bench_round_share()) and the
	 * dataset sums its rows over the rounds. */
	unsigned round, rounds;
};

/* True once the run must stop; kinds check it between operations. */
static inline bool env_stopping(const struct bench_env *env)
{
	return *env->stop != 0;
}

struct kind {
	const char *name;
	const char *summary; /* one line for help and the README */
	const struct kind_key *keys;
	unsigned nkeys;
	/* Optional: checks one expanded case across its keys (e.g. io_size
	 * within page_size). where[i] says where key i's value came from
	 * ("line 7", "--set io_size=8k", "default") for the message. */
	int (*check)(const struct bench_case *c, const char *const *where, struct err *e);
	/* Optional: bytes of backing memory (of the case's page_size) the case
	 * allocates at once, so the runner can tell before the first case which
	 * ones a host's hugepage pools cannot hold, and say so once. */
	uint64_t (*footprint)(const struct bench_case *c);
	/* Fills the row columns this kind's cases describe (io_size, qd, ...). */
	void (*fill_row)(struct result_row *row, const struct bench_case *c);
	int (*run)(struct bench_env *r, const struct bench_case *c, struct err *e);
	/* Runs on the kernel backend (env.kio). Kinds without it time the
	 * backend's own map/unmap calls, which do not exist on the kernel's
	 * path; `no_kernel_io` says why, for the runner's refusal. */
	bool kernel_io;
	const char *no_kernel_io;
	/* Runs only on the dma-api backend (env.dmab): it drives the kernel's
	 * DMA-API benchmark, not a controller. The runner refuses it on the
	 * other backends and every other kind on dma-api, before the first
	 * case. */
	bool dma_bench;
	/* Optional: whether a case is measured in the run's rounds (run
	 * setting `rounds`): its rows must be sums over I/Os (a histogram,
	 * counters, a rate), its I/O budget split with bench_round_share().
	 * Without it, or when it says no, the case runs once, in the first
	 * round. */
	bool (*in_rounds)(const struct bench_case *c);
};

/* A set of kinds the suite parser and `help` know (NULL-terminated). */
extern const struct kind *const kinds_builtin[];

/* The kind named `name` in `set`, or NULL. */
const struct kind *kind_find(const struct kind *const *set, const char *name);

/* Index of key `d` in kind k, or -1 when k has no such key. */
int kind_key_index(const struct kind *k, const struct key_def *d);

/* The case's value of key d; `fallback` when its kind has no such key. */
uint64_t case_get(const struct bench_case *c, const struct key_def *d, uint64_t fallback);

/* The case's value of the key named `name`; UINT64_MAX when its kind has
 * none (tests and tools; kinds use their own key indices). */
uint64_t case_value(const struct bench_case *c, const char *name);

/* Whether the case's kind has key d. */
static inline bool case_has(const struct bench_case *c, const struct key_def *d)
{
	return kind_key_index(c->kind, d) >= 0;
}

/* v rounded up to a multiple of a (a power of two). */
static inline uint64_t round_up_pow2(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* "reuse page_size=4096 pages=64 ..." for progress lines. */
void case_describe(const struct bench_case *c, char *buf, size_t len);

/* A key's value as a user would write it ("read", "batch:8", "4096"). */
void key_format(const struct key_def *d, uint64_t v, char *buf, size_t len);

#endif
