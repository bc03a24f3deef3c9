#include "bpf/kcheck.h"

#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct btf *g_btf;
static int g_btf_tried;
static char *g_syms; /* "\nname\n" for every text symbol of /proc/kallsyms */
static size_t g_syms_len;

static struct btf *vmlinux_btf(void)
{
	if (!g_btf_tried) {
		g_btf_tried = 1;
		g_btf = btf__load_vmlinux_btf();
		if (!g_btf)
			g_btf = NULL;
	}
	return g_btf;
}

bool kc_func_in_btf(const char *name)
{
	struct btf *b = vmlinux_btf();
	return b && btf__find_by_name_kind(b, name, BTF_KIND_FUNC) > 0;
}

bool kc_tracepoint(const char *name)
{
	char t[160];
	snprintf(t, sizeof(t), "btf_trace_%s", name);
	struct btf *b = vmlinux_btf();
	if (b)
		return btf__find_by_name_kind(b, t, BTF_KIND_TYPEDEF) > 0;
	return false;
}

static void load_kallsyms(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	size_t cap = 1 << 20;
	g_syms = malloc(cap);
	if (!g_syms) {
		fclose(f);
		return;
	}
	g_syms[0] = '\n';
	g_syms_len = 1;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char type, name[256];
		unsigned long long addr;
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		size_t n = strlen(name);
		if (g_syms_len + n + 2 >= cap) {
			char *p = realloc(g_syms, cap * 2);
			if (!p)
				break;
			g_syms = p;
			cap *= 2;
		}
		memcpy(g_syms + g_syms_len, name, n);
		g_syms_len += n;
		g_syms[g_syms_len++] = '\n';
	}
	g_syms[g_syms_len] = '\0';
	fclose(f);
}

bool kc_func_in_kallsyms(const char *name)
{
	if (!g_syms)
		load_kallsyms();
	if (!g_syms)
		return false;
	char pat[300];
	snprintf(pat, sizeof(pat), "\n%s\n", name);
	return strstr(g_syms, pat) != NULL;
}

bool kc_kprobes(const char **why)
{
	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0 ||
	    access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0)
		return true;
	*why = "kprobes not built into this kernel (no /sys/bus/event_source/devices/kprobe, "
	       "no tracefs kprobe_events: CONFIG_KPROBES/CONFIG_KPROBE_EVENTS off)";
	return false;
}

void kc_release(void)
{
	btf__free(g_btf);
	g_btf = NULL;
	g_btf_tried = 0;
	free(g_syms);
	g_syms = NULL;
}
