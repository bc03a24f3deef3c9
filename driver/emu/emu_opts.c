#include "driver/emu/emu_opts.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "driver/util/array.h"
#include "driver/util/parse.h"

/* LBA data size (NVM command set, LBA Format LBADS): the emulator offers
 * 512 B and 4 KiB formats; stored as the shift. */
static int parse_lba(const struct key_def *d, const char *text, void *target, uint64_t *out,
		     struct err *e)
{
	(void)d;
	(void)target;
	if (!strcmp(text, "512"))
		*out = 9;
	else if (!strcmp(text, "4096") || !strcmp(text, "4k"))
		*out = 12;
	else
		return err_set(e, EINVAL, "lba=%s: allowed values are 512 and 4096", text);
	return 0;
}

/* KIND@N: two fields of emu_cfg from one value, so written here. */
static int parse_fault(const struct key_def *d, const char *text, void *target, uint64_t *out,
		       struct err *e)
{
	static const char *const kinds[] = {"error", "timeout", "fatal"};
	static const enum emu_fault_kind fk[] = {EMU_FAULT_STATUS, EMU_FAULT_DROP, EMU_FAULT_FATAL};
	(void)d;
	(void)out;
	const char *at = strchr(text, '@');
	uint64_t n = 0;
	for (unsigned i = 0; at && i < ARRAY_SIZE(kinds); i++)
		if ((size_t)(at - text) == strlen(kinds[i]) &&
		    !strncmp(text, kinds[i], strlen(kinds[i])) &&
		    !parse_u64(at + 1, UINT64_MAX, &n, e) && n > 0) {
			struct emu_cfg *cfg = target;
			if (cfg) {
				cfg->fault_kind = fk[i];
				cfg->fault_after = n;
			}
			return 0;
		}
	return err_set(e, EINVAL,
		       "fault=%s: expected KIND@N with KIND timeout, fatal or error and N >= 1",
		       text);
}

static const char *const modes[] = {"inline", "thread", "manual", NULL};
static const uint64_t mode_vals[] = {EMU_MODE_INLINE, EMU_MODE_THREAD, EMU_MODE_MANUAL};

/* Width and offset of a field of struct emu_cfg. */
#define F(field)                                                                                   \
	.width = sizeof(((struct emu_cfg *)0)->field), .off = offsetof(struct emu_cfg, field)

/* Defaults are emu_cfg_default()'s (tests/unit/test_parse.c checks that
 * they agree); the lower bounds are what emu_create() accepts. */
static const struct key_def defs[] = {
    {.name = "mode",
     .type = KEY_CHOICE,
     F(mode),
     .choices = modes,
     .choice_vals = mode_vals,
     .dflt = "inline",
     .help = "how the device gets CPU time"},
    {.name = "base_ns",
     .type = KEY_UINT,
     F(base_ns),
     .max = 10000000000ull,
     .dflt = "2000",
     .help = "per-command service time in ns"},
    {.name = "bw",
     .type = KEY_SIZE,
     F(bytes_per_sec),
     .max = UINT64_MAX,
     .dflt = "3200000000",
     .help = "data bandwidth in bytes/s (0 = infinite)"},
    {.name = "ns_size",
     .type = KEY_SIZE,
     F(ns_bytes),
     .min = 512,
     .max = 1ull << 40,
     .dflt = "64m",
     .help = "namespace size, a multiple of the LBA size"},
    {.name = "lba",
     .type = KEY_CUSTOM,
     F(lba_shift),
     .parse = parse_lba,
     .dflt = "512",
     .help = "LBA size: 512 or 4096"},
    {.name = "nn",
     .type = KEY_UINT,
     F(nn),
     .min = 1,
     .max = 64,
     .dflt = "1",
     .help = "number of namespaces"},
    {.name = "mqes",
     .type = KEY_UINT,
     F(mqes),
     .min = 1,
     .max = 65535,
     .dflt = "1023",
     .help = "CAP.MQES: largest queue size minus one"},
    {.name = "dstrd",
     .type = KEY_UINT,
     F(dstrd),
     .max = 12,
     .dflt = "0",
     .help = "CAP.DSTRD: doorbell stride is 4 << dstrd bytes"},
    {.name = "to",
     .type = KEY_UINT,
     F(to_500ms),
     .min = 1,
     .max = 255,
     .dflt = "20",
     .help = "CAP.TO in 500 ms units"},
    {.name = "ready_us",
     .type = KEY_UINT,
     F(ready_us),
     .max = 60000000,
     .dflt = "0",
     .help = "delay of CSTS.RDY after CC.EN changes"},
    {.name = "mdts",
     .type = KEY_UINT,
     F(mdts),
     .min = 1,
     .max = 9,
     .dflt = "5",
     .help = "MDTS: 2^mdts pages of 4 KiB per command"},
    {.name = "queues",
     .type = KEY_UINT,
     F(max_io_queues),
     .min = 1,
     .max = 1024,
     .dflt = "64",
     .help = "I/O queue pairs the device offers"},
    {.name = "serial", .type = KEY_STR, F(serial), .max = 20, .help = "Identify serial number"},
    {.name = "model", .type = KEY_STR, F(model), .max = 40, .help = "Identify model number"},
    {.name = "firmware",
     .type = KEY_STR,
     F(firmware),
     .max = 8,
     .help = "Identify firmware revision"},
    {.name = "image",
     .type = KEY_STR,
     F(image),
     .max = 4096,
     .help = "file namespace 1 starts with (a disk image)"},
    {.name = "fault",
     .type = KEY_CUSTOM,
     .parse = parse_fault,
     .help = "KIND@N: the N-th I/O command times out, makes the controller fatal or fails "
	     "(KIND timeout, fatal, error)"},
};

const struct key_table emu_opts_keys = {defs, ARRAY_SIZE(defs), "emulator option"};

int emu_opts_parse(const char *opts, struct emu_cfg *cfg, char *storage, struct err *e)
{
	if (!opts || !*opts)
		return 0;
	strcpy(storage, opts);
	return key_set_list(&emu_opts_keys, cfg, storage, ',', e);
}

const char *emu_opts_help(void)
{
	static char buf[4096];
	if (!buf[0])
		key_help(&emu_opts_keys, 4, buf, sizeof(buf));
	return buf;
}
