#include "driver/util/inifile.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

struct ini_state {
	inifile_handler h;
	inifile_section_handler hs; /* optional */
	void *user;
	struct err *e;
	const char *name;
	FILE *f;	  /* file input, or */
	const char *text; /* string input */
	int lineno;
	int failed;
};

/* inih reports a '[' without ']' only after the keys below it went to the
 * previous section (so the first complaint is about a key), and says
 * nothing when a section header repeats. Headers are seen here first:
 * a broken one stops the parse at its own line, a good one goes to the
 * section handler. Returns non-zero to stop. */
static int section_line(struct ini_state *s, const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '[' || s->failed)
		return 0;
	const char *end = strchr(line, ']');
	if (!end) {
		err_set(s->e, EINVAL, "%s:%d: section header without ']': write [name]", s->name,
			s->lineno);
		s->failed = 1;
		return 1;
	}
	if (!s->hs)
		return 0;
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(end - line - 1), line + 1);
	if (s->hs(s->user, name, s->lineno, s->e)) {
		err_wrap(s->e, "%s:%d", s->name, s->lineno);
		s->failed = 1;
		return 1;
	}
	return 0;
}

static char *read_line(char *str, int num, void *stream)
{
	struct ini_state *s = stream;
	if (s->f) {
		if (!fgets(str, num, s->f))
			return NULL;
		/* inih reads into a fixed buffer (INI_MAX_LINE of the library
		 * build, 200 bytes in Debian's): a longer line would come back as
		 * two and the second would be a baffling syntax error. */
		size_t len = strlen(str);
		if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(s->f)) {
			err_set(s->e, EINVAL,
				"%s:%d: line longer than %d characters: split a long list over "
				"several sections, or use a range such as 'pages = 16..512:8'",
				s->name, s->lineno + 1, num - 2);
			s->failed = 1;
			return NULL;
		}
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
	return section_line(s, str) ? NULL : str;
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
	return inifile_parse_sections(path, NULL, h, user, e);
}

int inifile_parse_string(const char *text, const char *name, inifile_handler h, void *user,
			 struct err *e)
{
	return inifile_parse_string_sections(text, name, NULL, h, user, e);
}

int inifile_parse_sections(const char *path, inifile_section_handler hs, inifile_handler h,
			   void *user, struct err *e)
{
	struct ini_state s = {.h = h, .hs = hs, .user = user, .e = e, .name = path};
	s.f = fopen(path, "r");
	if (!s.f)
		return err_set(e, errno, "cannot open %s: %s", path, strerror(errno));
	int rc = run(&s);
	fclose(s.f);
	return rc;
}

int inifile_parse_string_sections(const char *text, const char *name, inifile_section_handler hs,
				  inifile_handler h, void *user, struct err *e)
{
	struct ini_state s = {.h = h, .hs = hs, .user = user, .e = e, .name = name, .text = text};
	return run(&s);
}
