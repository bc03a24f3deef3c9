/* USDT probes of the driver (provider "iotlbench"), for bpf/ and any other
 * USDT consumer (bpftrace -l 'usdt:bin/iotlbench:*', perf probe sdt_...).
 *
 * Every probe has a semaphore (systemtap's _SDT_HAS_SEMAPHORES convention):
 * a counter in the ELF section .probes that the kernel increments while a
 * uprobe is attached with a reference-counter offset (uprobe ref_ctr_offset,
 * kernel 4.20+, kernel/events/uprobes.c) and libbpf's USDT attach sets up.
 * IOTLB_PROBE_ON(name) tests it, so while nothing is attached a probe site
 * costs one load and one predicted branch, and its arguments are never
 * computed. Arguments are 64-bit integers or pointers (strings are char *).
 *
 *  dma_map_start    (backend, va, len, prot)
 *  dma_map_done     (backend, iova, len, rc)       rc: 0 or -errno
 *  dma_unmap_start  (backend, iova, len)
 *  dma_unmap_done   (backend, iova, len, rc)
 *  io_submit        (qid, cid, opc, slba, nlb)     nlb: logical blocks (CDW12 NLB + 1),
 *                                                  meaningful for Read/Write only
 *  io_complete      (qid, cid, status)             status as nvme_done.status
 *  case_start       (index, name)                  fired by the suite runner
 *  case_end         (index, name) */
#ifndef IOTLB_PROBES_H
#define IOTLB_PROBES_H

#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#define IOTLB_PROBE_SEMAPHORE(name) iotlbench_##name##_semaphore
#define IOTLB_PROBE_DECLARE(name)   extern volatile unsigned short IOTLB_PROBE_SEMAPHORE(name)

IOTLB_PROBE_DECLARE(dma_map_start);
IOTLB_PROBE_DECLARE(dma_map_done);
IOTLB_PROBE_DECLARE(dma_unmap_start);
IOTLB_PROBE_DECLARE(dma_unmap_done);
IOTLB_PROBE_DECLARE(io_submit);
IOTLB_PROBE_DECLARE(io_complete);
IOTLB_PROBE_DECLARE(case_start);
IOTLB_PROBE_DECLARE(case_end);

/* True while some consumer is attached to probe `name`. */
#define IOTLB_PROBE_ON(name) __builtin_expect(IOTLB_PROBE_SEMAPHORE(name) != 0, 0)

#define IOTLB_PROBE2(name, a, b)	  STAP_PROBE2(iotlbench, name, a, b)
#define IOTLB_PROBE3(name, a, b, c)	  STAP_PROBE3(iotlbench, name, a, b, c)
#define IOTLB_PROBE4(name, a, b, c, d)	  STAP_PROBE4(iotlbench, name, a, b, c, d)
#define IOTLB_PROBE5(name, a, b, c, d, f) STAP_PROBE5(iotlbench, name, a, b, c, d, f)

#endif
