#include "driver/util/inifile.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

struct ini_state {
	inifile_handler h;
	void *user;
	struct err *e;
	const char *name;
	FILE *f;	  /* file input, or */
	const char *text; /* string input */
	int lineno;
	int failed;
};

static char *read_line(char *str, int num, void *stream)
{
	struct ini_state *s = stream;
	if (s->f) {
		if (!fgets(str, num, s->f))
			return NULL;
	} else {
		if (!*s->text)
			return NULL;
		int i = 0;
		while (i < num - 1 && s->text[0]) {
			char c = *s->text++;
			str[i++] = c;
			if (c == '\n')
				break;
		}
		str[i] = '\0';
	}
	s->lineno++;
	return str;
}

static int on_pair(void *user, const char *section, const char *key, const char *value)
{
	struct ini_state *s = user;
	if (s->failed)
		return 0;
	if (s->h(s->user, section, key, value, s->lineno, s->e)) {
		err_wrap(s->e, "%s:%d", s->name, s->lineno);
		s->failed = 1;
		return 0;
	}
	return 1;
}

static int run(struct ini_state *s)
{
	int rc = ini_parse_stream(read_line, s, on_pair, s);
	if (s->failed)
		return -s->e->code;
	if (rc > 0)
		return err_set(s->e, EINVAL,
			       "%s:%d: syntax error: expected '[section]', 'key = value' or a "
			       "comment starting with ';' or '#'",
			       s->name, rc);
	if (rc < 0)
		return err_set(s->e, ENOMEM, "%s: out of memory while parsing", s->name);
	return 0;
}

int inifile_parse(const char *path, inifile_handler h, void *user, struct err *e)
{
	struct ini_state s = {.h = h, .user = user, .e = e, .name = path};
	s.f = fopen(path, "r");
	if (!s.f)
		return err_set(e, errno, "cannot open %s: %s", path, strerror(errno));
	int rc = run(&s);
	fclose(s.f);
	return rc;
}

int inifile_parse_string(const char *text, const char *name, inifile_handler h, void *user,
			 struct err *e)
{
	struct ini_state s = {.h = h, .user = user, .e = e, .name = name, .text = text};
	return run(&s);
}
