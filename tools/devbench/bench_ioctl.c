/* User-side bookkeeping of the vfio and iommufd backends on top of their
 * map/unmap ioctls (VFIO_IOMMU_MAP_DMA/UNMAP_DMA, IOMMU_IOAS_MAP/UNMAP).
 * Needs a device on vfio-pci: run it in the QEMU guest (tests/vm,
 * scripts/bench-ioctl.sh) or on a real server.
 *
 * Two estimates, from one process so both see the same kernel and machine:
 *
 *  1. end to end: the backend's map+unmap against a bare loop of the same
 *     ioctls on the same buffer at the same IOVA (or, for iommufd with
 *     kernel-chosen IOVAs, the same kernel allocation path), interleaved
 *     pair by pair in ABBA order so drift and ordering hit both alike; the
 *     paired median difference. Under emulation the ioctl varies by several
 *     percent from call to call, which is as large as the effect.
 *  2. direct: the same interleaved loop with the DMA ioctls answered in
 *     userspace (the binary is linked with --wrap=ioctl; the wrapper
 *     returns what the kernel would), so what remains of the backend's time
 *     is its own bookkeeping plus the call, and the bare loop's is the call
 *     alone. Their difference over the real bare ioctl's median is the
 *     figure the target is about.
 *
 * Output: a header and one CSV row per (backend, IOVA mode, page size, op). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include "driver/backend/real.h"
#include "driver/host/uapi/iommufd_abi.h"
#include "driver/util/parse.h"
#include "tools/devbench/bench_prog.h"
#include "micro/measure/timer.h"

/* ---- the ioctl wrapper (linked with -Wl,--wrap=ioctl) ---- */

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

static int g_local;			       /* answer the DMA ioctls in userspace */
static const uint64_t local_iova = 1ull << 30; /* the IOVA "the kernel" picks then */

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (g_local) {
		switch (req) {
		case VFIO_IOMMU_MAP_DMA:
			return 0;
		case VFIO_IOMMU_UNMAP_DMA:
			/* type1 writes back the bytes it unmapped: all of them. */
			return 0;
		case IOMMU_IOAS_MAP: {
			struct iommu_ioas_map *m = arg;
			if (!(m->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
				m->iova = local_iova;
			return 0;
		}
		case IOMMU_IOAS_UNMAP:
			return 0;
		default:
			break;
		}
	}
	return __real_ioctl(fd, req, arg);
}

/* ---- the bare loop ---- */

struct bare {
	int fd;
	uint32_t ioas;
	bool iommufd, kernel_iova;
	void *va;
	uint64_t len, iova;
};

static int bare_map(struct bare *x)
{
	if (x->iommufd) {
		struct iommu_ioas_map m = {.size = sizeof(m),
					   .flags =
					       (x->kernel_iova ? 0 : IOMMU_IOAS_MAP_FIXED_IOVA) |
					       IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
					   .ioas_id = x->ioas,
					   .user_va = (uintptr_t)x->va,
					   .length = x->len,
					   .iova = x->kernel_iova ? 0 : x->iova};
		int rc = ioctl(x->fd, IOMMU_IOAS_MAP, &m);
		if (!rc && x->kernel_iova)
			x->iova = m.iova;
		return rc;
	}
	struct vfio_iommu_type1_dma_map m = {.argsz = sizeof(m),
					     .flags =
						 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
					     .vaddr = (uintptr_t)x->va,
					     .iova = x->iova,
					     .size = x->len};
	return ioctl(x->fd, VFIO_IOMMU_MAP_DMA, &m);
}

static int bare_unmap(struct bare *x)
{
	if (x->iommufd) {
		struct iommu_ioas_unmap u = {
		    .size = sizeof(u), .ioas_id = x->ioas, .iova = x->iova, .length = x->len};
		return ioctl(x->fd, IOMMU_IOAS_UNMAP, &u);
	}
	struct vfio_iommu_type1_dma_unmap u = {.argsz = sizeof(u), .iova = x->iova, .size = x->len};
	return ioctl(x->fd, VFIO_IOMMU_UNMAP_DMA, &u);
}

/* ---- measurement ---- */

enum { BE_MAP, BE_UNMAP, BARE_MAP, BARE_UNMAP, NSERIES };

struct series {
	uint64_t *v[NSERIES];
	unsigned n;
};

static int one_backend(struct backend *be, struct dma_buf *b, struct series *s, unsigned i,
		       struct err *e)
{
	return bench_map_unmap(be, b, &s->v[BE_MAP][i], &s->v[BE_UNMAP][i], e);
}

static int one_bare(struct bare *x, struct series *s, unsigned i, struct err *e)
{
	uint64_t t0 = timer_ticks();
	int rc = bare_map(x);
	uint64_t t1 = timer_ticks();
	if (!rc)
		rc = bare_unmap(x);
	uint64_t t2 = timer_ticks();
	if (rc)
		return err_set(e, errno, "bare ioctl at IOVA %#llx failed: %s",
			       (unsigned long long)x->iova, strerror(errno));
	s->v[BARE_MAP][i] = timer_ns(t1 - t0);
	s->v[BARE_UNMAP][i] = timer_ns(t2 - t1);
	return 0;
}

/* n pairs of each, ABBA-interleaved. */
static int measure(struct backend *be, struct dma_buf *b, struct bare *x, struct series *s,
		   unsigned n, struct err *e)
{
	for (unsigned i = 0; i < n; i++) {
		bool backend_first = (i & 3) == 0 || (i & 3) == 3;
		int rc = backend_first ? one_backend(be, b, s, i, e) : one_bare(x, s, i, e);
		if (!rc)
			rc = backend_first ? one_bare(x, s, i, e) : one_backend(be, b, s, i, e);
		if (rc)
			return -1;
	}
	s->n = n;
	return 0;
}

/* The median of v, which stays as it is (tmp: scratch of n entries). */
static double median_of(const uint64_t *v, unsigned n, uint64_t *tmp)
{
	memcpy(tmp, v, n * sizeof(*v));
	return bench_median_u64(tmp, n);
}

/* Median of the per-pair differences a[i] - b[i], with a distribution-free
 * 95 % interval from the order statistics (normal approximation to the
 * binomial: ranks n/2 -+ 0.98 sqrt(n)). */
static void paired(const uint64_t *a, const uint64_t *b, unsigned n, int64_t *tmp, double *med,
		   double *lo, double *hi)
{
	for (unsigned i = 0; i < n; i++)
		tmp[i] = (int64_t)a[i] - (int64_t)b[i];
	*med = bench_median_i64(tmp, n);
	unsigned k = 0;
	while ((double)k * k < 0.9604 * n) /* k = ceil(0.98 sqrt(n)) */
		k++;
	unsigned l = n / 2 > k ? n / 2 - k : 0, h = n / 2 + k < n ? n / 2 + k : n - 1;
	*lo = (double)tmp[l];
	*hi = (double)tmp[h];
}

static double mean_u64(const uint64_t *v, unsigned n)
{
	double s = 0;
	for (unsigned i = 0; i < n; i++)
		s += (double)v[i];
	return s / n;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-ioctl [--pairs N] [--page-size 4K|2M|1G] "
			"[--iova kernel|fixed] [--no-header] vfio|iommufd BDF\n"
			"  --iova applies to iommufd (default: the backend's own default, "
			"kernel)\n");
}

int main(int argc, char **argv)
{
	unsigned pairs = 5000;
	uint64_t page = 4096;
	const char *iova_mode = NULL;
	bool header = true;
	struct err e = {0};
	int a = 1;
	for (; a < argc && argv[a][0] == '-'; a++) {
		uint64_t v;
		if (!strcmp(argv[a], "--no-header"))
			header = false;
		else if (a + 1 < argc && !strcmp(argv[a], "--pairs") &&
			 !parse_u64(argv[a + 1], 10000000, &v, &e) && v >= 10)
			pairs = (unsigned)v, a++;
		else if (a + 1 < argc && !strcmp(argv[a], "--page-size") &&
			 !parse_size(argv[a + 1], &page, &e))
			a++;
		else if (a + 1 < argc && !strcmp(argv[a], "--iova") &&
			 (!strcmp(argv[a + 1], "kernel") || !strcmp(argv[a + 1], "fixed")))
			iova_mode = argv[++a];
		else {
			fprintf(stderr, "bench-ioctl: bad option '%s'%s%s\n", argv[a],
				e.msg[0] ? ": " : "", e.msg);
			usage();
			return 2;
		}
	}
	if (argc - a != 2 || (strcmp(argv[a], "vfio") && strcmp(argv[a], "iommufd"))) {
		usage();
		return 2;
	}
	const char *name = argv[a];
	bool iommufd = !strcmp(name, "iommufd");
	timer_init(false);
	struct backend *be = NULL;
	struct dma_buf b = {0};
	struct series s = {.n = 0};
	uint64_t *tmp = malloc(pairs * sizeof(*tmp));
	int64_t *dtmp = malloc(pairs * sizeof(*dtmp));
	for (int k = 0; k < NSERIES; k++)
		s.v[k] = malloc(pairs * sizeof(uint64_t));
	if (!tmp || !dtmp || !s.v[0] || !s.v[1] || !s.v[2] || !s.v[3]) {
		fprintf(stderr, "bench-ioctl: out of memory\n");
		return 1;
	}
	if (bench_prog_open(name, argv[a + 1], page, &be, &b, &e))
		goto fail;
	if (iommufd && iova_mode &&
	    backend_iommufd_set_iova_mode(
		be, !strcmp(iova_mode, "fixed") ? IOMMUFD_IOVA_FIXED : IOMMUFD_IOVA_KERNEL, &e))
		goto fail;
	bool kernel_iova = iommufd && (!iova_mode || !strcmp(iova_mode, "kernel"));
	struct bare x = {.iommufd = iommufd, .kernel_iova = kernel_iova, .va = b.va, .len = b.len};
	x.fd = backend_dma_fd(be, &x.ioas);
	/* The bare loop maps at the IOVA the backend itself uses, so both meet
	 * the same I/O page-table state (the VT-d driver frees empty tables on
	 * unmap: an isolated IOVA would pay for building them every time). */
	if (backend_map_untraced(be, &b, DMA_PROT_READ | DMA_PROT_WRITE, &e))
		goto fail;
	x.iova = b.iova;
	if (backend_unmap_untraced(be, &b, &e))
		goto fail;
	/* Warm-up: page-table pages, slab caches, the translation cache of an
	 * emulator. */
	if (measure(be, &b, &x, &s, pairs / 10, &e))
		goto fail;
	struct series local = {.n = 0};
	for (int k = 0; k < NSERIES; k++)
		local.v[k] = malloc(pairs * sizeof(uint64_t));
	if (!local.v[0] || !local.v[1] || !local.v[2] || !local.v[3]) {
		err_set(&e, ENOMEM, "out of memory");
		goto fail;
	}
	if (measure(be, &b, &x, &s, pairs, &e))
		goto fail;
	g_local = 1;
	int rc = measure(be, &b, &x, &local, pairs, &e);
	g_local = 0;
	if (rc)
		goto fail;
	if (header)
		printf("backend,iova,page_size,op,pairs,backend_p50_ns,bare_p50_ns,backend_mean_ns,"
		       "bare_mean_ns,e2e_diff_ns,e2e_lo_ns,e2e_hi_ns,e2e_pct,local_backend_p50_ns,"
		       "local_bare_p50_ns,bookkeeping_ns,bookkeeping_lo_ns,bookkeeping_hi_ns,"
		       "bookkeeping_pct\n");
	for (int op = 0; op < 2; op++) {
		int bi = op ? BE_UNMAP : BE_MAP, ri = op ? BARE_UNMAP : BARE_MAP;
		double bp = median_of(s.v[bi], s.n, tmp), rp = median_of(s.v[ri], s.n, tmp);
		double d, dl, dh, k, kl, kh;
		paired(s.v[bi], s.v[ri], s.n, dtmp, &d, &dl, &dh);
		paired(local.v[bi], local.v[ri], local.n, dtmp, &k, &kl, &kh);
		printf(
		    "%s,%s,%llu,%s,%u,%.0f,%.0f,%.1f,%.1f,%.0f,%.0f,%.0f,%.2f,%.0f,%.0f,%.0f,%.0f,"
		    "%.0f,%.2f\n",
		    name, iommufd ? (kernel_iova ? "kernel" : "fixed") : "own",
		    (unsigned long long)page, op ? "unmap" : "map", s.n, bp, rp,
		    mean_u64(s.v[bi], s.n), mean_u64(s.v[ri], s.n), d, dl, dh, d * 100 / rp,
		    median_of(local.v[bi], local.n, tmp), median_of(local.v[ri], local.n, tmp), k,
		    kl, kh, k * 100 / rp);
	}
	bench_prog_close(be, &b);
	return 0;
fail:
	fprintf(stderr, "bench-ioctl: %s\n", e.msg);
	bench_prog_close(be, &b);
	return 1;
}
