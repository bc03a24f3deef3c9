#include "driver/backend/emu_opts.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "driver/util/parse.h"
#include "driver/util/array.h"

enum opt_kind {
	OPT_U8,
	OPT_U16,
	OPT_U32,
	OPT_U64,
	OPT_SIZE,
	OPT_STR,
	OPT_MODE,
	OPT_LBA,
	OPT_FAULT
};

struct opt {
	const char *key;
	enum opt_kind kind;
	size_t off;
	uint64_t max;
	const char *help;
};

#define F(field) offsetof(struct emu_cfg, field)

static const struct opt opts_table[] = {
    {"mode", OPT_MODE, F(mode), 0, "inline | thread | manual: how the device gets CPU time"},
    {"base_ns", OPT_U64, F(base_ns), 10000000000ull, "per-command service time in ns"},
    {"bw", OPT_SIZE, F(bytes_per_sec), UINT64_MAX, "data bandwidth in bytes/s (0 = infinite)"},
    {"ns_size", OPT_SIZE, F(ns_bytes), 1ull << 40, "namespace size (e.g. 64m)"},
    {"lba", OPT_LBA, F(lba_shift), 0, "LBA size: 512 or 4096"},
    {"nn", OPT_U32, F(nn), 64, "number of namespaces"},
    {"mqes", OPT_U16, F(mqes), 65535, "CAP.MQES: largest queue size minus one"},
    {"dstrd", OPT_U8, F(dstrd), 15, "CAP.DSTRD: doorbell stride is 4 << dstrd bytes"},
    {"to", OPT_U8, F(to_500ms), 255, "CAP.TO in 500 ms units"},
    {"ready_us", OPT_U32, F(ready_us), 60000000, "delay of CSTS.RDY after CC.EN changes"},
    {"mdts", OPT_U8, F(mdts), 9, "MDTS: 2^mdts pages of 4 KiB per command"},
    {"queues", OPT_U16, F(max_io_queues), 1024, "I/O queue pairs the device offers"},
    {"serial", OPT_STR, F(serial), 20, "Identify serial number"},
    {"model", OPT_STR, F(model), 40, "Identify model number"},
    {"firmware", OPT_STR, F(firmware), 8, "Identify firmware revision"},
    {"image", OPT_STR, F(image), 4096, "file namespace 1 starts with (a disk image)"},
    {"fault", OPT_FAULT, F(fault_after), 0,
     "KIND@N: the N-th I/O command times out, makes the controller fatal or fails "
     "(KIND timeout, fatal, error)"},
};

#define NOPTS (ARRAY_SIZE(opts_table))

static int set_opt(const struct opt *o, const char *val, struct emu_cfg *cfg, struct err *e)
{
	uint8_t *base = (uint8_t *)cfg + o->off;
	uint64_t v = 0;
	int rc = 0;
	switch (o->kind) {
	case OPT_MODE:
		if (strcmp(val, "inline") == 0)
			cfg->mode = EMU_MODE_INLINE;
		else if (strcmp(val, "thread") == 0)
			cfg->mode = EMU_MODE_THREAD;
		else if (strcmp(val, "manual") == 0)
			cfg->mode = EMU_MODE_MANUAL;
		else
			return err_set(e, EINVAL,
				       "mode=%s: allowed values are inline, thread, manual", val);
		return 0;
	case OPT_LBA:
		if (strcmp(val, "512") == 0)
			cfg->lba_shift = 9;
		else if (strcmp(val, "4096") == 0 || strcmp(val, "4k") == 0)
			cfg->lba_shift = 12;
		else
			return err_set(e, EINVAL, "lba=%s: allowed values are 512 and 4096", val);
		return 0;
	case OPT_FAULT: {
		static const char *const kinds[] = {"error", "timeout", "fatal"};
		static const enum emu_fault_kind fk[] = {EMU_FAULT_STATUS, EMU_FAULT_DROP,
							 EMU_FAULT_FATAL};
		const char *at = strchr(val, '@');
		for (unsigned i = 0; at && i < 3; i++)
			if ((size_t)(at - val) == strlen(kinds[i]) &&
			    !strncmp(val, kinds[i], strlen(kinds[i])) &&
			    !parse_u64(at + 1, UINT64_MAX, &v, e) && v > 0) {
				cfg->fault_kind = fk[i];
				cfg->fault_after = v;
				return 0;
			}
		return err_set(e, EINVAL,
			       "fault=%s: expected KIND@N with KIND timeout, fatal or error "
			       "and N >= 1",
			       val);
	}
	case OPT_STR:
		if (strlen(val) > o->max)
			return err_set(e, EINVAL, "%s='%s' is longer than %llu characters", o->key,
				       val, (unsigned long long)o->max);
		*(const char **)base = val;
		return 0;
	case OPT_SIZE:
		rc = parse_size(val, &v, e);
		if (!rc && v > o->max)
			rc = err_set(e, ERANGE, "%s=%s exceeds %llu", o->key, val,
				     (unsigned long long)o->max);
		break;
	default:
		rc = parse_u64(val, o->max, &v, e);
		break;
	}
	if (rc)
		return err_wrap(e, "emulator option %s", o->key);
	switch (o->kind) {
	case OPT_U8:
		*base = (uint8_t)v;
		break;
	case OPT_U16:
		*(uint16_t *)base = (uint16_t)v;
		break;
	case OPT_U32:
		*(uint32_t *)base = (uint32_t)v;
		break;
	default:
		*(uint64_t *)base = v;
		break;
	}
	return 0;
}

int emu_opts_parse(const char *opts, struct emu_cfg *cfg, char *storage, struct err *e)
{
	if (!opts || !*opts)
		return 0;
	strcpy(storage, opts);
	char *save = NULL;
	for (char *kv = strtok_r(storage, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			return err_set(e, EINVAL, "emulator option '%s' is not key=value", kv);
		*eq = '\0';
		const struct opt *o = NULL;
		for (size_t i = 0; i < NOPTS && !o; i++)
			if (strcmp(opts_table[i].key, kv) == 0)
				o = &opts_table[i];
		if (!o)
			return err_set(
			    e, EINVAL,
			    "unknown emulator option '%s'; see 'iotlbench --help' for the list",
			    kv);
		int rc = set_opt(o, eq + 1, cfg, e);
		if (rc)
			return rc;
	}
	return 0;
}

const char *emu_opts_help(void)
{
	static char buf[2048];
	if (!buf[0]) {
		size_t n = 0;
		for (size_t i = 0; i < NOPTS && n < sizeof(buf); i++) {
			int w = snprintf(buf + n, sizeof(buf) - n, "    %-10s %s\n",
					 opts_table[i].key, opts_table[i].help);
			if (w > 0)
				n += (size_t)w;
		}
	}
	return buf;
}
