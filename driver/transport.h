/* Register transport: how the driver reaches a controller's register file
 * (NVMe base spec 1.4, section 3.1 "Register Definition").
 *
 * The register file is always plain memory the driver loads from and stores
 * to: BAR0 mmapped from sysfs or VFIO for real devices, an array owned by the
 * emulated controller otherwise. Two optional hooks let an in-process device
 * react without a thread of its own: `notify` after every register store
 * (doorbells, CC) and `idle` when the driver polls an empty completion queue.
 * Real hardware leaves both NULL, so the hot path is a single MMIO store. */
#ifndef IOTLB_TRANSPORT_H
#define IOTLB_TRANSPORT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct transport {
	volatile uint8_t *regs; /* BAR0: controller registers, doorbells from 0x1000 */
	size_t regs_len;
	void (*notify)(struct transport *t, uint32_t off);
	void (*idle)(struct transport *t);
	void *priv;
};

/* Register access. The spec (3.1) allows 64-bit registers to be accessed as
 * two 32-bit halves, low dword first; that is what PCIe BARs that do not
 * support 8-byte TLPs need, so 64-bit accesses are split the same way. */
static inline uint32_t tr_read32(const struct transport *t, uint32_t off)
{
	return *(volatile uint32_t *)(t->regs + off);
}

static inline uint64_t tr_read64(const struct transport *t, uint32_t off)
{
	uint64_t lo = tr_read32(t, off);
	uint64_t hi = tr_read32(t, off + 4);
	return lo | (hi << 32);
}

static inline void tr_write32(struct transport *t, uint32_t off, uint32_t v)
{
	/* Stores to the queues must reach memory before the device can see the
	 * doorbell or CC write that tells it to look (x86 keeps stores in order;
	 * the fence stops the compiler from reordering and orders weaker ISAs). */
	atomic_thread_fence(memory_order_release);
	*(volatile uint32_t *)(t->regs + off) = v;
	if (t->notify)
		t->notify(t, off);
}

static inline void tr_write64(struct transport *t, uint32_t off, uint64_t v)
{
	tr_write32(t, off, (uint32_t)v);
	tr_write32(t, off + 4, (uint32_t)(v >> 32));
}

#endif
