/*
 * roster_read.c - reads the maintainers page, Markdown or reStructuredText.
 *
 * The input is cut into lines; each line is classified once (blank, text,
 * list item, heading) according to the form, then one state machine for
 * both forms builds sections and groups.  The people of a group are the
 * list items that directly follow its heading (blank lines allowed); the
 * first line that is not such an item ends the list: non-list text, a
 * nested (more indented) item, an empty item or an item that repeats a
 * heading of the page (a table of contents).  Everything from there to the
 * next heading is kept verbatim as the group's text, never as people.
 */
#include "chatbot/roster/roster_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/roster/lookup.h"

enum zone { Z_PREFACE, Z_TEXT, Z_INTRO, Z_GROUP };

struct parser {
	struct roster_line *lines;
	size_t nlines;
	bool rst;
	struct roster *r;
	char **heads;           /* lowercased heading titles, sorted */
	size_t nheads;
	size_t cap_sections, cap_groups, cap_people;
	enum zone zone;
	struct buf text;        /* verbatim lines of the current text block */
	bool listing;           /* Z_GROUP: still reading people */
	long base_indent;       /* Z_GROUP: indent of the first item, or -1 */
	struct buf pending;     /* the item being read (continuations joined) */
	size_t pending_line;    /* its 1-based line number, 0 when none */
	size_t pending_last;    /* index of its last line (continuations) */
	bool after_item;        /* previous line was an item or its continuation */
	char *err;
	size_t errlen;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static char *lower_dup(const char *s, size_t n)
{
	char *d = xstrndup(s, n);
	for (size_t i = 0; i < n; i++)
		d[i] = (char)lower((unsigned char)d[i]);
	return d;
}

static int fail(struct parser *p, size_t line, const char *fmt, const char *what)
{
	return roster_lines_error(p->err, p->errlen, line, fmt, what);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum roster_kind kind_of(const char *title);
static bool kind_has_modules(enum roster_kind k);

/* Decides which headings open the title, a section or a group; the others
 * are kept as text.  Only opening headings count as "known headings". */
static void mark_openers(struct parser *p)
{
	bool title = false;
	size_t sections = 0, n = 0;
	enum roster_kind kind = ROSTER_TEXT;
	for (size_t i = 0; i < p->nlines; i++) {
		struct roster_line *l = &p->lines[i];
		if (l->type != L_HEAD)
			continue;
		l->opens = (l->level == 1 && !title && !sections) || l->level == 2 ||
			   (l->level == 3 && sections && kind_has_modules(kind));
		if (!l->opens)
			continue;
		n++;
		if (l->level == 1) {
			title = true;
		} else if (l->level == 2) {
			char *t = xstrndup(l->head, l->headlen);
			kind = kind_of(t);
			free(t);
			sections++;
		}
	}
	p->heads = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < p->nlines; i++)
		if (p->lines[i].type == L_HEAD && p->lines[i].opens)
			p->heads[p->nheads++] = lower_dup(p->lines[i].head, p->lines[i].headlen);
	qsort(p->heads, p->nheads, sizeof(char *), cmp_str);
}

static bool is_heading_text(const struct parser *p, const char *s, size_t n)
{
	roster_lines_strip_pilcrow(s, &n);
	char *key = lower_dup(s, n);
	bool found = bsearch(&key, p->heads, p->nheads, sizeof(char *), cmp_str) != NULL;
	free(key);
	return found;
}

/* ---- people ---- */

static bool handle_char_ok(char c)
{
	return !is_space(c) && !strchr("[]()<>`\"'", c);
}

/* Parses "[handle](url))" or "`handle <url>`__)" at s; fills handle/url and
 * returns the length used, or 0 when it is not a well-formed link. */
static size_t parse_link(const char *s, size_t n, char **handle, char **url)
{
	size_t i = 1, h0 = 1, h1, u0, u1;
	bool md = s[0] == '[';
	char hend = md ? ']' : '<';
	while (i < n && s[i] != hend && handle_char_ok(s[i]))
		i++;
	h1 = i;
	if (!md)
		while (h1 > h0 && is_space(s[h1 - 1]))
			h1--;
	if (md && !(i < n && s[i] == ']'))
		return 0;
	if (!md) {
		/* rst: handle, spaces, then <url> */
		while (i < n && is_space(s[i]))
			i++;
		if (!(i < n && s[i] == '<') || h1 == i)
			return 0;
	}
	if (h1 == h0)
		return 0;
	for (size_t k = h0; k < h1; k++)
		if (!handle_char_ok(s[k]))
			return 0;
	if (md) {
		if (i + 1 >= n || s[i + 1] != '(')
			return 0;
		i += 2;
	} else {
		i++;
	}
	u0 = i;
	while (i < n && !is_space(s[i]) && !strchr("()<>[]`", s[i]))
		i++;
	u1 = i;
	if (u1 == u0)
		return 0;
	const char *close = md ? "))" : ">`__)";
	size_t cl = strlen(close);
	if (!md && i + 4 <= n && memcmp(s + i, ">`_)", 4) == 0)
		cl = 4;
	else if (!(i + cl <= n && memcmp(s + i, close, cl) == 0))
		return 0;
	*handle = xstrndup(s + h0, h1 - h0);
	char *u = xstrndup(s + u0, u1 - u0);
	char want[300];
	snprintf(want, sizeof(want), "https://github.com/%s", *handle);
	if (strcmp(u, want) == 0) {
		free(u);
		u = NULL;
	}
	*url = u;
	return i + cl;
}

/* The rendered page's "Name (handle)": a trailing parenthesis holding only
 * what GitHub allows in a handle (letters, digits, '-', up to 39) is the
 * handle.  Shortens *nl to the name when it is. */
static void bare_handle(const char *name, size_t *nl, char **handle)
{
	size_t n = *nl;
	if (n < 4 || name[n - 1] != ')')
		return;
	size_t open = n - 1;
	while (open > 0 && name[open - 1] != '(')
		open--;
	if (open < 2 || name[open - 2] != ' ')
		return;
	size_t hl = n - 1 - open;
	bool ok = hl >= 1 && hl <= 39;
	for (size_t k = open; k < n - 1 && ok; k++) {
		char c = name[k];
		ok = c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	}
	const char *rest = name;
	size_t rl = open - 2;
	roster_lines_trim(&rest, &rl);
	if (!ok || !rl)
		return;
	*handle = xstrndup(name + open, hl);
	*nl = rl;
}

static int parse_person(struct parser *p, const char *s, size_t n, size_t lineno,
			struct roster_person *out)
{
	*out = (struct roster_person){ 0 };
	if (n >= 10 && str_ieqn(s, "(emeritus)", 10)) {
		out->emeritus = true;
		s += 10;
		n -= 10;
		roster_lines_trim(&s, &n);
	}
	const char *link = NULL;
	for (size_t i = 0; i + 1 < n && !link; i++)
		if (s[i] == '(' && (s[i + 1] == '[' || s[i + 1] == '`'))
			link = s + i;
	size_t nl = link ? (size_t)(link - s) : n;
	const char *name = s;
	roster_lines_trim(&name, &nl);
	if (!nl)
		return fail(p, lineno, "entry \"%s\" has no name", s);
	if (link) {
		size_t rest = n - (size_t)(link - s) - 1;
		size_t used = parse_link(link + 1, rest, &out->handle, &out->url);
		const char *after = link + 1 + used;
		size_t al = rest - used;
		roster_lines_trim(&after, &al);
		if (!used || al) {
			free(out->handle);
			free(out->url);
			out->handle = out->url = NULL;
			return fail(p, lineno, "broken GitHub link in \"%s\"", s);
		}
	}
	if (!link)
		bare_handle(name, &nl, &out->handle);
	out->name = xstrndup(name, nl);
	return 0;
}

/* ---- building the roster ---- */

static enum roster_kind kind_of(const char *title)
{
	char *t = lower_dup(title, strlen(title));
	enum roster_kind k = ROSTER_TEXT;
	if (strstr(t, "sunset"))
		k = ROSTER_SUNSET;
	else if (strstr(t, "external"))
		k = ROSTER_EXTERNAL;
	else if (strstr(t, "librar") && strstr(t, "maintainer"))
		k = ROSTER_LIBRARIES;
	else if (strstr(t, "module") && strstr(t, "maintainer"))
		k = ROSTER_MODULES;
	else if (strstr(t, "bdfl") || (strstr(t, "lead") && strstr(t, "maintainer")))
		k = ROSTER_LEAD;
	else if (strstr(t, "core") && (strstr(t, "maintainer") || strstr(t, "developer")))
		k = ROSTER_CORE;
	free(t);
	return k;
}

static bool kind_has_modules(enum roster_kind k)
{
	return k == ROSTER_MODULES || k == ROSTER_LIBRARIES || k == ROSTER_EXTERNAL || k == ROSTER_SUNSET;
}

/* The text block collected so far, without blank lines around it, or NULL. */
static char *take_text(struct parser *p)
{
	char *s = p->text.data;
	size_t n = p->text.len;
	size_t start = 0;
	/* drop leading blank lines */
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '\n') {
			bool blank = true;
			for (size_t k = start; k < i; k++)
				blank = blank && is_space(s[k]);
			if (!blank || i == n)
				break;
			start = i + 1;
		}
	}
	/* drop trailing blank lines (and the final newline) */
	size_t end = n;
	while (end > start) {
		size_t ls = end;
		while (ls > start && s[ls - 1] != '\n')
			ls--;
		bool blank = true;
		for (size_t k = ls; k < end; k++)
			blank = blank && is_space(s[k]);
		if (!blank)
			break;
		end = ls ? ls - 1 : 0;
		if (end < start)
			end = start;
	}
	char *out = end > start ? xstrndup(s + start, end - start) : NULL;
	buf_reset(&p->text);
	return out;
}

static void add_raw(struct parser *p, const struct roster_line *l)
{
	buf_add(&p->text, l->s, l->len);
	buf_addc(&p->text, '\n');
}

/* Ends the item being read.  Returns 0 when it was a person, 1 when it
 * turned out not to be one (its lines went to the text and the list
 * ended), -1 on a broken entry. */
static int finish_pending(struct parser *p)
{
	if (!p->pending_line)
		return 0;
	size_t lineno = p->pending_line;
	p->pending_line = 0;
	struct roster_group *g = &p->r->groups[p->r->ngroups - 1];
	struct roster_person person;
	if (parse_person(p, p->pending.data, p->pending.len, lineno, &person) < 0)
		return -1;
	/* The form written back must not read as a heading (a contents list). */
	struct buf canon = BUF_INIT;
	buf_adds(&canon, person.emeritus ? "(emeritus) " : "");
	buf_adds(&canon, person.name);
	if (person.handle)
		buf_addf(&canon, " ([%s](%s%s))", person.handle, person.url ? "" : "https://github.com/",
			 person.url ? person.url : person.handle);
	bool heading = is_heading_text(p, canon.data, canon.len);
	buf_release(&canon);
	if (heading) {
		free(person.name);
		free(person.handle);
		free(person.url);
		for (size_t i = lineno - 1; i <= p->pending_last; i++)
			add_raw(p, &p->lines[i]);
		p->listing = false;
		return 1;
	}
	if (p->cap_people <= g->npeople) {
		p->cap_people = p->cap_people ? p->cap_people * 2 : 8;
		g->people = xrealloc(g->people, p->cap_people * sizeof(*g->people));
	}
	g->people[g->npeople++] = person;
	return 0;
}

/* Closes the current block: its pending person and its text. */
static int close_block(struct parser *p)
{
	if (finish_pending(p) < 0)
		return -1;
	char *t = take_text(p);
	struct roster *r = p->r;
	char **dst = NULL;
	if (p->zone == Z_PREFACE)
		dst = &r->preface;
	else if (p->zone == Z_TEXT)
		dst = &r->sections[r->nsections - 1].text;
	else if (p->zone == Z_INTRO)
		dst = &r->sections[r->nsections - 1].intro;
	else
		dst = &r->groups[r->ngroups - 1].text;
	free(*dst);
	*dst = t;
	return 0;
}

static void add_group(struct parser *p, const char *title, size_t n)
{
	struct roster *r = p->r;
	if (r->ngroups == p->cap_groups) {
		p->cap_groups = p->cap_groups ? p->cap_groups * 2 : 16;
		r->groups = xrealloc(r->groups, p->cap_groups * sizeof(*r->groups));
	}
	r->groups[r->ngroups] = (struct roster_group){ .title = xstrndup(title, n),
						      .section = r->nsections - 1 };
	if (!r->sections[r->nsections - 1].ngroups)
		r->sections[r->nsections - 1].first_group = r->ngroups;
	r->sections[r->nsections - 1].ngroups++;
	r->ngroups++;
	p->cap_people = 0;
	p->zone = Z_GROUP;
	p->listing = true;
	p->base_indent = -1;
	p->after_item = false;
}

static void add_section(struct parser *p, const char *title, size_t n)
{
	struct roster *r = p->r;
	if (r->nsections == p->cap_sections) {
		p->cap_sections = p->cap_sections ? p->cap_sections * 2 : 8;
		r->sections = xrealloc(r->sections, p->cap_sections * sizeof(*r->sections));
	}
	struct roster_section *s = &r->sections[r->nsections++];
	*s = (struct roster_section){ .title = xstrndup(title, n), .first_group = r->ngroups };
	s->kind = kind_of(s->title);
	if (s->kind == ROSTER_LEAD || s->kind == ROSTER_CORE)
		add_group(p, title, n);
	else
		p->zone = s->kind == ROSTER_TEXT ? Z_TEXT : Z_INTRO;
}

/* One line inside a group while its list of people is being read. */
static int group_line(struct parser *p, size_t i)
{
	const struct roster_line *l = &p->lines[i];
	if (l->type == L_TEXT && p->after_item && is_space(l->s[0])) {
		const char *s = l->s;
		size_t n = l->len;
		roster_lines_trim(&s, &n);
		buf_addc(&p->pending, ' ');
		buf_add(&p->pending, s, n);
		p->pending_last = i;
		return 0;
	}
	int rc = finish_pending(p);
	if (rc < 0)
		return -1;
	if (rc > 0 || l->type == L_BLANK) {
		p->after_item = false;
		if (rc > 0)
			add_raw(p, l);
		return 0;
	}
	bool person = l->type == L_ITEM && l->itemlen > 0;
	if (person && p->base_indent < 0) {
		if (l->indent > 3)
			person = false;
		else
			p->base_indent = (long)l->indent;
	}
	if (person && (long)l->indent > p->base_indent)
		person = false;
	if (person && is_heading_text(p, l->item, l->itemlen))
		person = false;
	if (!person) {
		p->listing = false;
		add_raw(p, l);
		return 0;
	}
	buf_reset(&p->pending);
	buf_add(&p->pending, l->item, l->itemlen);
	p->pending_line = i + 1;
	p->pending_last = i;
	p->after_item = true;
	return 0;
}

/* A heading that does not open a section or group is kept as text. */
static void demote(struct parser *p, size_t i)
{
	add_raw(p, &p->lines[i]);
	if (p->lines[i].underlined)
		add_raw(p, &p->lines[i + 1]);
}

static int build(struct parser *p)
{
	struct roster *r = p->r;
	p->zone = Z_PREFACE;
	for (size_t i = 0; i < p->nlines; i++) {
		const struct roster_line *l = &p->lines[i];
		if (l->type == L_SKIP)
			continue;
		bool in_list = p->zone == Z_GROUP && p->listing;
		if (l->type == L_HEAD) {
			bool opens = l->opens;
			if (opens && l->level == 1) {
				r->title = xstrndup(l->head, l->headlen);
				continue;
			}
			if (opens) {
				if (close_block(p) < 0)
					return -1;
				if (l->level == 2)
					add_section(p, l->head, l->headlen);
				else
					add_group(p, l->head, l->headlen);
				continue;
			}
			if (in_list && finish_pending(p) < 0)
				return -1;
			p->listing = false;
			demote(p, i);
			continue;
		}
		if (in_list) {
			if (group_line(p, i) < 0)
				return -1;
			continue;
		}
		add_raw(p, l);
	}
	return close_block(p);
}

/* ---- entry points ---- */

int roster_parse(const char *text, size_t len, struct roster **out, char *err, size_t errlen)
{
	char dummy[8];
	struct parser p = { .err = err ? err : dummy, .errlen = err ? errlen : sizeof(dummy) };
	struct roster_lines ls = { 0 };
	int rc = -1;
	*out = NULL;
	p.r = xcalloc(1, sizeof(*p.r));
	if (text && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {   /* a UTF-8 byte order mark */
		text += 3;
		len -= 3;
	}
	if (roster_lines_read(&ls, text ? text : "", text ? len : 0, p.err, p.errlen) < 0)
		goto cleanup;
	p.lines = ls.v;
	p.nlines = ls.n;
	p.rst = ls.rst;
	p.r->source_format = p.rst ? ROSTER_FMT_RST : ROSTER_FMT_MD;
	p.r->front_matter = ls.front_matter;
	ls.front_matter = NULL;
	mark_openers(&p);
	if (build(&p) < 0)
		goto cleanup;
	if (!roster_lead_group(p.r) && !roster_core_group(p.r)) {
		fail(&p, 0, "%s", "not a maintainers page: no lead core maintainer and no core maintainers section");
		goto cleanup;
	}
	for (size_t i = 0; i < p.r->ngroups; i++)
		roster_aliases_build(&p.r->groups[i]);
	p.r->index = lookup_index_build(p.r);
	*out = p.r;
	p.r = NULL;
	rc = 0;
cleanup:
	roster_free(p.r);
	roster_lines_release(&ls);
	for (size_t i = 0; i < p.nheads; i++)
		free(p.heads[i]);
	free(p.heads);
	buf_release(&p.text);
	buf_release(&p.pending);
	return rc;
}

int roster_load(const char *path, struct roster **out, char *err, size_t errlen)
{
	size_t len;
	char msg[256];
	*out = NULL;
	char *text = file_read(path, ROSTER_MAX_BYTES, &len, err, errlen);
	if (!text)
		return -1;
	int rc = roster_parse(text, len, out, msg, sizeof(msg));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(text);
	return rc;
}
