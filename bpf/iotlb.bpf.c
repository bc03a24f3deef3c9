// SPDX-License-Identifier: GPL-2.0
/* Kernel and USDT probes of iotlbench, aggregated in the kernel: per case
 * and probe, a call count, bytes, failures and a log-linear duration
 * histogram (trace_abi.h); optionally every operation on a ring buffer.
 *
 * The loader (bpf/trace.c) decides per probe how to attach, switching
 * off the programs it will not use before the object is loaded:
 *  - functions: fentry/fexit (BPF trampolines, kernel/bpf/trampoline.c), or
 *    kprobe/kretprobe; one program pair of each kind per slot, the slot's
 *    target set at run time (bpf_program__set_attach_target or the kprobe
 *    attach). Durations pair entry and exit through the thread's slot
 *    (`threads`), one entry time per probe, so nested probes (iommu_map ->
 *    __iommu_map) do not mix.
 *  - the DMA ioctls: sys_enter/sys_exit, BTF-typed (tp_btf) where tracing
 *    programs load, plain raw tracepoints otherwise.
 *  - tracepoints: raw tracepoints by name (no tracefs needed); they have no
 *    duration, only counts and bytes.
 *  - USDT: the driver's probes (driver/util/probes.h), start/done pairs.
 * GPL: the tracing helpers used here (bpf_get_func_arg, bpf_probe_read) are
 * gpl_only in kernel/trace/bpf_trace.c. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "bpf/trace_abi.h"

char LICENSE[] SEC("license") = "GPL";

/* Histograms: an array, not a hash, because this sits on the traced path:
 * an array lookup is a bounds check and an address computation the verifier
 * inlines (kernel/bpf/arraymap.c, array_map_gen_lookup), a hash lookup is a
 * jhash and a bucket walk. Index = case slot * TR_NPROBES + probe; the
 * loader zeroes a slot when its case starts and after writing it out. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TR_CASE_SLOTS *TR_NPROBES);
	__type(key, __u32);
	__type(value, struct tr_hist);
} hists SEC(".maps");

/* Entry timestamps of the function, ioctl and map/unmap probes, per thread:
 * slot tid % TR_THREAD_SLOTS of an array, tagged with the tid. Keyed by
 * thread, so a call that sleeps and migrates to another CPU still finds its
 * entry (a per-CPU slot would not); an array, because its lookup is inlined
 * (task storage and hash maps are helper calls with locking or hashing:
 * under QEMU TCG the task-storage version cost ~600 ns more per ioctl). Two
 * threads whose tids collide take the slot from each other; an exit then
 * finds another tid and is counted in timing_lost instead of timed (only two
 * colliding threads entering and leaving in the same instant could race). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TR_THREAD_SLOTS);
	__type(key, __u32);
	__type(value, struct tr_task);
} threads SEC(".maps");

/* I/O in flight, keyed by queue and command id (a command may complete on
 * another thread than the one that submitted it). LRU: an entry whose
 * completion never came (a command that timed out) ages out instead of
 * filling the map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tr_start_key);
	__type(value, struct tr_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Set while running: the case the runner (or the case_start USDT probe)
 * says is being measured, and the LBA size for io_submit's block counts. */
__u32 cur_case;
__u32 io_lba_shift = 9;
__u64 events_dropped;
__u64 timing_lost; /* exits whose entry time was not there (slot taken, attach mid-call) */

/* Set before loading. */
const volatile __u32 filter_tgid;	      /* kernel probes: only this process (0: all) */
const volatile __u8 events_on;		      /* also stream every operation */
const volatile __u8 fn_size_arg[TR_NFUNC];    /* 1-based argument holding the size */
const volatile __u8 fn_size_shift[TR_NFUNC];  /* size << shift = bytes (pages -> bytes) */
const volatile __u8 fn_ret_errno[TR_NFUNC];   /* negative return = failure */
const volatile __u8 fn_cmd_arg[TR_NFUNC];     /* 1-based argument holding an ioctl command */
const volatile __u32 fn_cmd[TR_NFUNC];	      /* ... that must equal this for the probe */
const volatile __u64 ioctl_nr = ~0ull;	      /* the ioctl system call's number */
const volatile __u32 ioctl_cmd[TR_NIOCTL];    /* per ioctl probe: its command (0: off) */
const volatile __u8 ioctl_len_off[TR_NIOCTL]; /* offset of the u64 length in its argument */

static __always_inline __u32 msb64(__u64 v)
{
	__u32 r = 0;
	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r;
}

static __always_inline __u32 bucket(__u64 v)
{
	if (v < TR_SUB)
		return (__u32)v;
	__u32 shift = msb64(v) - TR_SUB_BITS;
	__u32 i = (shift + 1) * TR_SUB + (__u32)((v >> shift) - TR_SUB);
	return i < TR_BUCKETS ? i : TR_BUCKETS - 1;
}

static __always_inline void emit(__u32 probe, __u64 dur, __u64 addr, __u64 bytes, __s64 result)
{
	if (!events_on)
		return;
	struct tr_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&events_dropped, 1);
		return;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->dur_ns = dur;
	ev->addr = addr;
	ev->bytes = bytes;
	ev->result = result;
	ev->case_id = cur_case;
	ev->probe = probe;
	ev->tid = (__u32)bpf_get_current_pid_tgid();
	ev->pad = 0;
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline void record(__u32 probe, __u64 bytes, bool fail, bool timed, __u64 dur)
{
	__u32 k = (cur_case % TR_CASE_SLOTS) * TR_NPROBES + probe;
	struct tr_hist *h = bpf_map_lookup_elem(&hists, &k);
	if (!h)
		return;
	__sync_fetch_and_add(&h->calls, 1);
	if (bytes)
		__sync_fetch_and_add(&h->bytes, bytes);
	if (fail)
		__sync_fetch_and_add(&h->fails, 1);
	if (timed) {
		__sync_fetch_and_add(&h->sum_ns, dur);
		__u64 i = bucket(dur);
		/* Keep the bound check on the register used for the access:
		 * clang may otherwise test a copy and the verifier rejects the
		 * index as unbounded. */
		asm volatile("" : "+r"(i));
		if (i < TR_BUCKETS)
			__sync_fetch_and_add(&h->b[i], 1);
	}
}

/* The calling thread's slot: claimed (its entry times cleared) when another
 * thread held it, or NULL at an exit when it is not ours. */
static __always_inline struct tr_task *thread_slot(__u32 tid, bool claim)
{
	__u32 k = tid % TR_THREAD_SLOTS;
	struct tr_task *s = bpf_map_lookup_elem(&threads, &k);
	if (!s)
		return NULL;
	if (s->tid != tid) {
		if (!claim)
			return NULL;
		s->tid = tid;
		s->ioctl = 0;
		__builtin_memset(s->ts, 0, sizeof(s->ts));
	}
	return s;
}

/* Thread-keyed start and end (functions, USDT map/unmap). */
static __always_inline void task_start(__u32 tid, __u32 probe, __u64 bytes, __u64 addr)
{
	struct tr_task *s = thread_slot(tid, true);
	if (!s || probe >= TR_NPROBES)
		return;
	s->ts[probe] = bpf_ktime_get_ns();
	s->bytes[probe] = bytes;
	s->addr[probe] = addr;
}

/* `filtered`: the entry side may have skipped this call on purpose (a
 * probe on one ioctl command whose exit cannot see the command), so a
 * missing entry time is not a lost timing. */
static __always_inline void task_done(__u32 tid, __u32 probe, __s64 result, __u64 addr,
				      bool filtered)
{
	struct tr_task *s = thread_slot(tid, false);
	if (!s) {
		if (!filtered)
			__sync_fetch_and_add(&timing_lost, 1);
		return;
	}
	if (probe >= TR_NPROBES)
		return;
	__u64 ts = s->ts[probe];
	if (!ts) {
		if (!filtered)
			__sync_fetch_and_add(&timing_lost, 1);
		return;
	}
	s->ts[probe] = 0;
	__u64 dur = bpf_ktime_get_ns() - ts;
	__u64 bytes = s->bytes[probe];
	record(probe, bytes, result != 0, true, dur);
	if (events_on)
		emit(probe, dur, addr ? addr : s->addr[probe], bytes, result);
}

/* Id-keyed start and end (I/O commands). */
static __always_inline void op_start(__u32 probe, __u64 id, __u64 bytes, __u64 addr)
{
	struct tr_start_key k = {.id = id, .probe = probe};
	struct tr_start s = {.ts = bpf_ktime_get_ns(), .bytes = bytes, .addr = addr};
	bpf_map_update_elem(&starts, &k, &s, BPF_ANY);
}

static __always_inline void op_done(__u32 probe, __u64 id, __s64 result, __u64 addr)
{
	struct tr_start_key k = {.id = id, .probe = probe};
	struct tr_start *s = bpf_map_lookup_elem(&starts, &k);
	if (!s)
		return;
	__u64 dur = bpf_ktime_get_ns() - s->ts;
	__u64 bytes = s->bytes;
	if (!addr)
		addr = s->addr;
	bpf_map_delete_elem(&starts, &k);
	record(probe, bytes, result != 0, true, dur);
	emit(probe, dur, addr, bytes, result);
}

/* ---- USDT: driver/util/probes.h ---- */

SEC("usdt")
int BPF_USDT(usdt_map_start, void *backend, __u64 va, __u64 len, __u32 prot)
{
	task_start((__u32)bpf_get_current_pid_tgid(), TR_USDT_MAP, len, va);
	return 0;
}

SEC("usdt")
int BPF_USDT(usdt_map_done, void *backend, __u64 iova, __u64 len, long rc)
{
	task_done((__u32)bpf_get_current_pid_tgid(), TR_USDT_MAP, rc, iova, false);
	return 0;
}

SEC("usdt")
int BPF_USDT(usdt_unmap_start, void *backend, __u64 iova, __u64 len)
{
	task_start((__u32)bpf_get_current_pid_tgid(), TR_USDT_UNMAP, len, iova);
	return 0;
}

SEC("usdt")
int BPF_USDT(usdt_unmap_done, void *backend, __u64 iova, __u64 len, long rc)
{
	task_done((__u32)bpf_get_current_pid_tgid(), TR_USDT_UNMAP, rc, iova, false);
	return 0;
}

static __always_inline __u64 io_id(__u32 qid, __u32 cid)
{
	return (bpf_get_current_pid_tgid() & 0xffffffff00000000ull) | (__u64)(qid & 0xffff) << 16 |
	       (cid & 0xffff);
}

SEC("usdt")
int BPF_USDT(usdt_io_submit, __u32 qid, __u32 cid, __u32 opc, __u64 slba, __u64 nlb)
{
	/* NVM command set opcodes 01h Write, 02h Read carry SLBA/NLB. */
	__u64 bytes = (opc == 1 || opc == 2) ? nlb << (io_lba_shift & 31) : 0;
	record(TR_USDT_SUBMIT, bytes, false, false, 0);
	op_start(TR_USDT_IO, io_id(qid, cid), bytes, slba);
	return 0;
}

SEC("usdt")
int BPF_USDT(usdt_io_complete, __u32 qid, __u32 cid, __u32 status)
{
	op_done(TR_USDT_IO, io_id(qid, cid), status, 0);
	return 0;
}

SEC("usdt")
int BPF_USDT(usdt_case_start, __u32 index, void *name)
{
	cur_case = index;
	return 0;
}

/* ---- tracepoints (include/trace/events/iommu.h, drivers/iommu/intel/trace.h) ----
 *
 * Under a per-process filter the DMA-API tracepoints are attributed to the
 * traced process through the addresses they name, not through the task on
 * the CPU: the kernel NVMe driver maps in the submitting task
 * (nvme_queue_rq -> nvme_map_data) but unmaps in its completion interrupt
 * (nvme_pci_complete_rq -> nvme_unmap_data), over whatever task was
 * running, and the strict-mode invalidation follows the unmap there
 * (__iommu_dma_unmap -> iommu_iotlb_sync -> cache_tag_flush_range ->
 * qi_submit). So:
 *  - iommu:map counts when it runs in the process's context; its IOVA goes
 *    into traced_iovas;
 *  - iommu:unmap counts when its IOVA is in traced_iovas (the DMA API and
 *    VFIO unmap from the IOVA they mapped, page-aligned on both sides),
 *    in any context; the entry is removed;
 *  - an invalidation (cache_tag_flush_range(_np), a page-selective IOTLB
 *    descriptor in qi_submit) counts when its IOVA range overlaps the last
 *    counted map or unmap on the same CPU, with no uncounted map or unmap
 *    between them (per-CPU last_dma). A domain-selective descriptor (lazy
 *    mode's flush queue, VT-d 6.5.2.3 granularity DSI) names no address
 *    and is never attributed;
 *  - iommu:io_page_fault counts in every context: a fault names a device
 *    and an address the device used, not a process.
 * What is left out is counted per tracepoint (attr_left), and what was
 * counted over another task (attr_foreign), for the report. The tracepoints
 * name no IOMMU domain: an unmap of the same IOVA in another domain while
 * the process's mapping is live would be taken for the process's. */
/* The process's live IOVAs: a direct-mapped set, slot = a multiplicative
 * hash of the IOVA's page number, holding the IOVA itself. An array, not a
 * hash map, for the same reason as the histograms: the lookup is inlined,
 * where a hash map's update and delete are helper calls with a bucket lock
 * (with a hash map the default set cost ~490 instructions more per 4 KiB
 * map or unmap under -icount). Two of the process's live IOVAs in one slot:
 * the older one's unmap is left out, and counted as such. */
#define TR_IOVA_SLOTS_LOG2 16
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1u << TR_IOVA_SLOTS_LOG2);
	__type(key, __u32);
	__type(value, __u64); /* the IOVA, 0: free */
} traced_iovas SEC(".maps");

static __always_inline __u64 *iova_slot(__u64 iova)
{
	__u32 k = (__u32)(((iova >> 12) * 0x9e3779b97f4a7c15ull) >> (64 - TR_IOVA_SLOTS_LOG2));
	return bpf_map_lookup_elem(&traced_iovas, &k);
}

struct tr_range {
	__u64 lo, hi; /* [lo, hi); hi == 0: none */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tr_range);
} last_dma SEC(".maps");

__u64 attr_kept[TR_NTP];    /* counted under the filter */
__u64 attr_foreign[TR_NTP]; /* ... of them, in another task's context */
__u64 attr_left[TR_NTP];    /* left out: not the process's */

static __always_inline bool in_process(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == filter_tgid;
}

static __always_inline void set_last_dma(__u64 lo, __u64 hi)
{
	__u32 k = 0;
	struct tr_range *r = bpf_map_lookup_elem(&last_dma, &k);
	if (r) {
		r->lo = lo;
		r->hi = hi;
	}
}

static __always_inline bool overlaps_last_dma(__u64 lo, __u64 hi)
{
	__u32 k = 0;
	struct tr_range *r = bpf_map_lookup_elem(&last_dma, &k);
	return r && r->hi && lo < r->hi && r->lo < hi;
}

static __always_inline int tp_emit(__u32 probe, __u64 addr, __u64 bytes, __s64 result)
{
	record(probe, bytes, result != 0, false, 0);
	emit(probe, 0, addr, bytes, result);
	return 0;
}

/* The attribution's verdict for one event under the filter. */
static __always_inline int tp_attributed(__u32 probe, bool keep, __u64 addr, __u64 bytes,
					 __s64 result)
{
	__u32 i = probe - TR_TP_MAP;
	if (i >= TR_NTP)
		return 0;
	if (!keep) {
		__sync_fetch_and_add(&attr_left[i], 1);
		return 0;
	}
	__sync_fetch_and_add(&attr_kept[i], 1);
	if (!in_process())
		__sync_fetch_and_add(&attr_foreign[i], 1);
	return tp_emit(probe, addr, bytes, result);
}

/* TP_PROTO(unsigned long iova, phys_addr_t paddr, size_t size) */
SEC("raw_tp")
int BPF_PROG(tp_map, unsigned long iova, __u64 paddr, __u64 size)
{
	if (!filter_tgid)
		return tp_emit(TR_TP_MAP, iova, size, 0);
	bool mine = in_process();
	if (mine) {
		__u64 *slot = iova_slot(iova);
		if (slot)
			*slot = iova;
		set_last_dma(iova, iova + size);
	} else {
		set_last_dma(0, 0);
	}
	return tp_attributed(TR_TP_MAP, mine, iova, size, 0);
}

/* TP_PROTO(unsigned long iova, size_t size, size_t unmapped_size) */
SEC("raw_tp")
int BPF_PROG(tp_unmap, unsigned long iova, __u64 size, __u64 unmapped)
{
	if (!filter_tgid)
		return tp_emit(TR_TP_UNMAP, iova, unmapped, unmapped != size);
	__u64 *slot = iova_slot(iova);
	bool mine = slot && iova && *slot == iova;
	if (mine) {
		*slot = 0;
		set_last_dma(iova, iova + size);
	} else {
		set_last_dma(0, 0);
	}
	return tp_attributed(TR_TP_UNMAP, mine, iova, unmapped, unmapped != size);
}

/* TP_PROTO(struct device *dev, unsigned long iova, int flags) */
SEC("raw_tp")
int BPF_PROG(tp_fault, void *dev, unsigned long iova, int flags)
{
	if (!filter_tgid)
		return tp_emit(TR_TP_FAULT, iova, 0, 1);
	return tp_attributed(TR_TP_FAULT, true, iova, 0, 1);
}

/* TP_PROTO(struct intel_iommu *iommu, u64 qw0, u64 qw1, u64 qw2, u64 qw3).
 * Descriptor types and fields: VT-d 6.5.2.3 (IOTLB invalidate, type 2) and
 * 6.5.2.4 (PASID-based IOTLB invalidate, type 6): granularity in qw0 bits
 * 5:4, 3 = page-selective (PSI; for type 6 "page-selective-within-PASID"),
 * then qw1 holds the address (bits 63:12) and the address mask (bits 5:0,
 * 2^am pages); drivers/iommu/intel/iommu.h QI_IOTLB_* and QI_EIOTLB_*. */
SEC("raw_tp")
int BPF_PROG(tp_qi_submit, void *iommu, __u64 qw0, __u64 qw1)
{
	if (!filter_tgid)
		return tp_emit(TR_TP_QI_SUBMIT, qw1, 0, 0);
	__u64 type = qw0 & 0xf, gran = (qw0 >> 4) & 3;
	bool mine = false;
	if ((type == 2 || type == 6) && gran == 3) {
		__u64 lo = qw1 & ~0xfffull;
		mine = overlaps_last_dma(lo, lo + (4096ull << (qw1 & 0x3f)));
	}
	return tp_attributed(TR_TP_QI_SUBMIT, mine, qw1, 0, 0);
}

/* TP_PROTO(struct cache_tag *tag, unsigned long start, unsigned long end, ...);
 * end is inclusive (drivers/iommu/intel/cache.c). */
SEC("raw_tp")
int BPF_PROG(tp_flush, void *tag, unsigned long start, unsigned long end)
{
	if (!filter_tgid)
		return tp_emit(TR_TP_FLUSH, start, end - start + 1, 0);
	return tp_attributed(TR_TP_FLUSH, overlaps_last_dma(start, end + 1), start, end - start + 1,
			     0);
}

SEC("raw_tp")
int BPF_PROG(tp_flush_np, void *tag, unsigned long start, unsigned long end)
{
	if (!filter_tgid)
		return tp_emit(TR_TP_FLUSH_NP, start, end - start + 1, 0);
	return tp_attributed(TR_TP_FLUSH_NP, overlaps_last_dma(start, end + 1), start,
			     end - start + 1, 0);
}

/* ---- system calls: the DMA ioctls, entry to exit ----
 *
 * Raw tracepoints raw_syscalls:sys_enter/sys_exit (include/trace/events/
 * syscalls.h) time each VFIO_IOMMU_(UN)MAP_DMA and IOMMU_IOAS_(UN)MAP from
 * the kernel's side: one program at entry and one at exit, no trampoline
 * around a function, so this is the cheapest way to a duration and the
 * default set uses it. They fire for every system call of every process:
 * the number and the process are checked first. */

static __always_inline int ioctl_enter(__u32 cmd, __u64 argp)
{
	/* The command first: it is in a register, the process needs a helper
	 * call. 0 in ioctl_cmd marks a probe not wanted, and no DMA ioctl is 0. */
	if (!cmd)
		return 0;
	__u32 i = 0;
	for (; i < TR_NIOCTL; i++)
		if (ioctl_cmd[i] == cmd)
			break;
	if (i >= TR_NIOCTL)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	if (filter_tgid && (id >> 32) != filter_tgid)
		return 0;
	/* The length inside the user's argument struct, where the uapi puts it
	 * (vfio_iommu_type1_dma_map.size and iommu_ioas_map.length at 24, the
	 * unmaps' at 16); a fault leaves 0 bytes. */
	__u64 len = 0;
	bpf_probe_read_user(&len, sizeof(len), (void *)(argp + (ioctl_len_off[i] & 63)));
	struct tr_task *s = thread_slot((__u32)id, true);
	if (!s)
		return 0;
	s->ioctl = TR_IOCTL0 + i;
	s->ioctl_bytes = len;
	s->ioctl_ts = bpf_ktime_get_ns();
	return 0;
}

/* No process filter here: a slot tagged with this thread's tid and holding
 * an ioctl was set by this thread's entry, which passed the filter. */
static __always_inline int ioctl_exit(long ret)
{
	struct tr_task *s = thread_slot((__u32)bpf_get_current_pid_tgid(), false);
	if (!s || !s->ioctl)
		return 0;
	__u32 probe = s->ioctl;
	s->ioctl = 0;
	__u64 dur = bpf_ktime_get_ns() - s->ioctl_ts;
	record(probe, s->ioctl_bytes, ret < 0, true, dur);
	emit(probe, dur, 0, s->ioctl_bytes, ret < 0 ? ret : 0);
	return 0;
}

/* BTF-typed raw tracepoints where the kernel takes tracing programs: the
 * registers are read directly. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	if ((__u64)id != ioctl_nr)
		return 0;
	return ioctl_enter((__u32)PT_REGS_PARM2(regs), PT_REGS_PARM3(regs));
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return ioctl_exit(ret);
}

/* Plain raw tracepoints elsewhere: the registers through probe reads. */
SEC("raw_tp")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	if ((__u64)id != ioctl_nr)
		return 0;
	return ioctl_enter((__u32)PT_REGS_PARM2_CORE(regs), PT_REGS_PARM3_CORE(regs));
}

SEC("raw_tp")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	return ioctl_exit(ret);
}

/* ---- functions: fentry/fexit or kprobe/kretprobe per slot ---- */

static __always_inline __u64 size_bytes(__u32 slot, __u64 v)
{
	return v << (fn_size_shift[slot] & 63);
}

/* The exit side of a probe filtered by ioctl command: fexit reads the
 * command again and skips other calls; a kretprobe cannot read arguments,
 * so there a missing entry time is taken as filtered, not lost. */
static __always_inline int fn_enter(__u32 slot, bool cmd_ok, __u64 bytes)
{
	if (!cmd_ok)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	if (filter_tgid && (id >> 32) != filter_tgid)
		return 0;
	task_start((__u32)id, TR_FN0 + slot, bytes, 0);
	return 0;
}

static __always_inline int fn_exit(__u32 slot, bool cmd_ok, __s64 ret)
{
	if (!cmd_ok)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	if (filter_tgid && (id >> 32) != filter_tgid)
		return 0;
	task_done((__u32)id, TR_FN0 + slot, fn_ret_errno[slot] && ret < 0 ? ret : 0, 0,
		  fn_cmd_arg[slot] != 0);
	return 0;
}

static __always_inline __u64 fentry_bytes(void *ctx, __u32 slot)
{
	__u32 n = fn_size_arg[slot];
	__u64 v = 0;
	if (!n || bpf_get_func_arg(ctx, n - 1, &v))
		return 0;
	return size_bytes(slot, v);
}

static __always_inline bool fentry_cmd_ok(void *ctx, __u32 slot)
{
	__u32 n = fn_cmd_arg[slot];
	__u64 v = 0;
	if (!n)
		return true;
	return !bpf_get_func_arg(ctx, n - 1, &v) && (__u32)v == fn_cmd[slot];
}

static __always_inline __u64 kprobe_arg(struct pt_regs *ctx, __u32 n)
{
	switch (n) {
	case 1:
		return PT_REGS_PARM1(ctx);
	case 2:
		return PT_REGS_PARM2(ctx);
	case 3:
		return PT_REGS_PARM3(ctx);
	case 4:
		return PT_REGS_PARM4(ctx);
	case 5:
		return PT_REGS_PARM5(ctx);
	default:
		return 0;
	}
}

static __always_inline bool kprobe_cmd_ok(struct pt_regs *ctx, __u32 slot)
{
	__u32 n = fn_cmd_arg[slot];
	return !n || (__u32)kprobe_arg(ctx, n) == fn_cmd[slot];
}

static __always_inline __u64 kprobe_bytes(struct pt_regs *ctx, __u32 slot)
{
	__u32 n = fn_size_arg[slot];
	return n ? size_bytes(slot, kprobe_arg(ctx, n)) : 0;
}

static __always_inline __s64 fexit_ret(void *ctx)
{
	__u64 r = 0;
	bpf_get_func_ret(ctx, &r);
	return (__s64)r;
}

#define FN_SLOT(n)                                                                                 \
	SEC("fentry") int fent_##n(void *ctx)                                                      \
	{                                                                                          \
		return fn_enter(n, fentry_cmd_ok(ctx, n), fentry_bytes(ctx, n));                   \
	}                                                                                          \
	SEC("fexit") int fexit_##n(void *ctx)                                                      \
	{                                                                                          \
		return fn_exit(n, fentry_cmd_ok(ctx, n), fexit_ret(ctx));                          \
	}                                                                                          \
	SEC("kprobe") int kp_##n(struct pt_regs *ctx)                                              \
	{                                                                                          \
		return fn_enter(n, kprobe_cmd_ok(ctx, n), kprobe_bytes(ctx, n));                   \
	}                                                                                          \
	SEC("kretprobe") int krp_##n(struct pt_regs *ctx)                                          \
	{                                                                                          \
		return fn_exit(n, true, (__s64)PT_REGS_RC(ctx));                                   \
	}

FN_SLOT(0)
FN_SLOT(1)
FN_SLOT(2)
FN_SLOT(3)
FN_SLOT(4)
FN_SLOT(5)
FN_SLOT(6)
FN_SLOT(7)
FN_SLOT(8)
FN_SLOT(9)
FN_SLOT(10)
FN_SLOT(11)
FN_SLOT(12)
FN_SLOT(13)
FN_SLOT(14)
FN_SLOT(15)
FN_SLOT(16)
FN_SLOT(17)
FN_SLOT(18)
FN_SLOT(19)
