#include "tests/helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

void fixture_open(struct fixture *f, const char *emu_opts, const struct nvme_ctrl_opts *o)
{
	memset(f, 0, sizeof(*f));
	struct backend_cfg cfg = {.emu_opts = emu_opts};
	assert_ok(backend_open("emu", &cfg, &f->be, &f->e), &f->e);
	f->emu = backend_emu_device(f->be);
	assert_non_null(f->emu);
	assert_ok(nvme_ctrl_open(&f->be->dev, o, &f->c, &f->e), &f->e);
	f->ns = nvme_ctrl_ns(f->c, 1);
	assert_non_null(f->ns);
}

void fixture_close(struct fixture *f)
{
	nvme_ctrl_close(f->c);
	backend_close(f->be);
	memset(f, 0, sizeof(*f));
}

void fill_pattern(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

long long trace_calls_field(const char *csv, const char *probe, int col)
{
	char pat[96];
	snprintf(pat, sizeof(pat), ",%s,", probe);
	const char *p = strstr(csv, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	for (int i = 0; i < col; i++) {
		p = strchr(p, ',');
		if (!p)
			return -1;
		p++;
	}
	return atoll(p);
}

int run_capture(const char *cmd, char *out, size_t len)
{
	size_t clen = strlen(cmd) + 8;
	char *full = malloc(clen);
	assert_non_null(full);
	snprintf(full, clen, "%s 2>&1", cmd);
	FILE *p = popen(full, "r");
	free(full);
	assert_non_null(p);
	size_t n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	/* Drain the rest so the command never blocks on a full pipe. */
	char sink[4096];
	while (fread(sink, 1, sizeof(sink), p) > 0)
		;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
