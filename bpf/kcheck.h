/* What the running kernel offers a tracer, asked without side effects. */
#ifndef IOTLB_KCHECK_H
#define IOTLB_KCHECK_H

#include <stdbool.h>

/* The function is in vmlinux BTF (fentry/fexit can target it). */
bool kc_func_in_btf(const char *name);
/* The function is in /proc/kallsyms as text (a kprobe can target it). */
bool kc_func_in_kallsyms(const char *name);
/* The tracepoint exists: BTF has its btf_trace_<name> typedef (every
 * tracepoint gets one with CONFIG_DEBUG_INFO_BTF, include/trace/bpf_probe.h). */
bool kc_tracepoint(const char *name);
/* The kernel can create kprobes: the kprobe PMU (kernel/events/core.c,
 * CONFIG_KPROBE_EVENTS) or the legacy tracefs kprobe_events file. On false
 * *why says what is missing. */
bool kc_kprobes(const char **why);
void kc_release(void);

#endif
