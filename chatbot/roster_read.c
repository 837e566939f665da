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
#include "chatbot/roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/lookup.h"

enum line_type { L_BLANK, L_TEXT, L_ITEM, L_HEAD, L_SKIP };

struct line {
	const char *s;          /* borrowed from the input; no line end */
	size_t len;
	enum line_type type;
	int level;              /* L_HEAD: 1 title, 2 section, 3 group */
	bool underlined;        /* L_HEAD in reStructuredText: the next line is its underline */
	bool opens;             /* L_HEAD that opens the title, a section or a group (else text) */
	size_t indent;          /* L_ITEM: columns before the marker */
	const char *item;       /* L_ITEM: text after the marker, trimmed */
	size_t itemlen;
	const char *head;       /* L_HEAD: title, trimmed */
	size_t headlen;
};

enum zone { Z_PREFACE, Z_TEXT, Z_INTRO, Z_GROUP };

struct parser {
	struct line *lines;
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

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* Drops a trailing pilcrow (rendered Sphinx pages put one after headings). */
static void strip_pilcrow(const char *s, size_t *n)
{
	while (*n >= 2 && (unsigned char)s[*n - 2] == 0xC2 && (unsigned char)s[*n - 1] == 0xB6) {
		*n -= 2;
		while (*n && is_space(s[*n - 1]))
			(*n)--;
	}
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
	char shown[72];
	size_t n = strlen(what);
	if (n > 60) {
		/* cut on a UTF-8 boundary */
		n = 60;
		while (n && ((unsigned char)what[n] & 0xC0) == 0x80)
			n--;
		snprintf(shown, sizeof(shown), "%.*s...", (int)n, what);
	} else {
		snprintf(shown, sizeof(shown), "%s", what);
	}
	char msg[200];
	snprintf(msg, sizeof(msg), fmt, shown);
	if (line)
		snprintf(p->err, p->errlen, "line %zu: %s", line, msg);
	else
		snprintf(p->err, p->errlen, "%s", msg);
	return -1;
}

/* ---- bytes and lines ---- */

static int split_lines(struct parser *p, const char *text, size_t len)
{
	if (len > ROSTER_MAX_BYTES)
		return fail(p, 0, "%s", "roster is larger than 4 MiB");
	size_t cap = 64, line = 1;
	p->lines = xcalloc(cap, sizeof(*p->lines));
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - i;
		if (n && text[i + n - 1] == '\r')
			n--;
		const char *s = text + i;
		if (memchr(s, '\0', n))
			return fail(p, line, "%s", "NUL byte");
		if (!utf8_valid(s, n))
			return fail(p, line, "%s", "invalid UTF-8");
		if (memchr(s, '\r', n) || str_has_controls(s, n))
			return fail(p, line, "%s", "control character");
		if (p->nlines == cap) {
			cap *= 2;
			p->lines = xrealloc(p->lines, cap * sizeof(*p->lines));
		}
		p->lines[p->nlines++] = (struct line){ .s = s, .len = n };
		i = end + 1;
		line++;
	}
	return 0;
}

static bool line_blank(const struct line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!is_space(l->s[i]))
			return false;
	return true;
}

/* "- text", "* text", "+ text", after an indent. */
static bool classify_item(struct line *l)
{
	size_t i = 0, col = 0;
	while (i < l->len && is_space(l->s[i]))
		col = l->s[i++] == '\t' ? (col / 4 + 1) * 4 : col + 1;
	if (i >= l->len || !strchr("-*+", l->s[i]))
		return false;
	if (i + 1 < l->len && !is_space(l->s[i + 1]))
		return false;
	l->type = L_ITEM;
	l->indent = col;
	l->item = l->s + i + 1;
	l->itemlen = l->len - i - 1;
	trim(&l->item, &l->itemlen);
	return true;
}

static void classify_plain(struct line *l)
{
	if (line_blank(l))
		l->type = L_BLANK;
	else if (!classify_item(l))
		l->type = L_TEXT;
}

static bool md_heading(struct line *l)
{
	size_t n = 0;
	while (n < l->len && l->s[n] == '#')
		n++;
	if (n < 1 || n > 3 || n >= l->len || !is_space(l->s[n]))
		return false;
	const char *t = l->s + n;
	size_t tl = l->len - n;
	trim(&t, &tl);
	strip_pilcrow(t, &tl);
	if (!tl)
		return false;
	l->type = L_HEAD;
	l->level = (int)n;
	l->head = t;
	l->headlen = tl;
	return true;
}

/* A run of one punctuation character: "=====", "-----", "~~~~~". */
static char underline_char(const struct line *l)
{
	size_t n = l->len;
	while (n && is_space(l->s[n - 1]))
		n--;
	if (!n || !strchr("=-~^", l->s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (l->s[i] != l->s[0])
			return 0;
	return l->s[0];
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Is line i a reStructuredText title (text, then an underline)?  Fills
 * the title when it is. */
static bool rst_title_at(const struct parser *p, size_t i, const char **title, size_t *len, char *mark)
{
	const struct line *l = &p->lines[i];
	if (i + 1 >= p->nlines || line_blank(l) || is_space(l->s[0]) || underline_char(l))
		return false;
	struct line probe = *l;
	if (classify_item(&probe))
		return false;
	char u = underline_char(&p->lines[i + 1]);
	if (!u)
		return false;
	const char *t = l->s;
	size_t tl = l->len;
	trim(&t, &tl);
	strip_pilcrow(t, &tl);
	size_t ul = p->lines[i + 1].len;
	while (ul && is_space(p->lines[i + 1].s[ul - 1]))
		ul--;
	if (!tl || (ul < 3 && ul < utf8_chars(t, tl)))
		return false;
	*title = t;
	*len = tl;
	*mark = u;
	return true;
}

static bool rst_heading(struct parser *p, size_t i)
{
	const char *t;
	size_t tl;
	char u;
	if (!rst_title_at(p, i, &t, &tl, &u))
		return false;
	struct line *l = &p->lines[i];
	l->type = L_HEAD;
	l->level = u == '=' ? 1 : u == '-' ? 2 : 3;
	l->underlined = true;
	l->head = t;
	l->headlen = tl;
	p->lines[i + 1].type = L_SKIP;
	return true;
}

static bool line_is(const struct line *l, const char *s)
{
	return l->len == strlen(s) && memcmp(l->s, s, l->len) == 0;
}

/* Markdown when it opens with front matter or its first heading is "#"-style. */
static void detect_form(struct parser *p)
{
	p->rst = false;
	if (p->nlines && line_is(&p->lines[0], "---"))
		return;
	for (size_t i = 0; i < p->nlines; i++) {
		struct line probe = p->lines[i];
		if (md_heading(&probe))
			return;
		const char *t;
		size_t tl;
		char u;
		if (rst_title_at(p, i, &t, &tl, &u)) {
			p->rst = true;
			return;
		}
	}
}

/* ":orphan:" / ":key: value" lines opening a reStructuredText page. */
static size_t rst_fields(struct parser *p)
{
	struct buf fm = BUF_INIT;
	size_t i = 0;
	for (; i < p->nlines; i++) {
		const struct line *l = &p->lines[i];
		if (l->len < 3 || l->s[0] != ':')
			break;
		size_t k = 1;
		while (k < l->len && (l->s[k] == '-' || l->s[k] == '_' || (l->s[k] >= 'a' && l->s[k] <= 'z') ||
				      (l->s[k] >= 'A' && l->s[k] <= 'Z') || (l->s[k] >= '0' && l->s[k] <= '9')))
			k++;
		if (k == 1 || k >= l->len || l->s[k] != ':' || (k + 1 < l->len && l->s[k + 1] != ' '))
			break;
		const char *v = l->s + k + 1;
		size_t vl = l->len - k - 1;
		trim(&v, &vl);
		if (fm.len)
			buf_addc(&fm, '\n');
		buf_addf(&fm, "%.*s: %.*s", (int)(k - 1), l->s + 1, (int)(vl ? vl : 4), vl ? v : "true");
		p->lines[i].type = L_SKIP;
	}
	if (fm.len)
		p->r->front_matter = buf_detach(&fm);
	return i;
}

static int classify(struct parser *p)
{
	size_t start = 0;
	if (p->rst) {
		start = rst_fields(p);
	} else if (p->nlines && line_is(&p->lines[0], "---")) {
		size_t end = 1;
		while (end < p->nlines && !line_is(&p->lines[end], "---"))
			end++;
		if (end >= p->nlines)
			return fail(p, 1, "%s", "front matter opened with --- is never closed");
		struct buf fm = BUF_INIT;
		for (size_t i = 1; i < end; i++) {
			buf_add(&fm, p->lines[i].s, p->lines[i].len);
			if (i + 1 < end)
				buf_addc(&fm, '\n');
		}
		p->r->front_matter = buf_detach(&fm);
		for (size_t i = 0; i <= end; i++)
			p->lines[i].type = L_SKIP;
		start = end + 1;
	}
	for (size_t i = start; i < p->nlines; i++) {
		struct line *l = &p->lines[i];
		if (l->type == L_SKIP)
			continue;
		if (p->rst ? rst_heading(p, i) : md_heading(l))
			continue;
		classify_plain(l);
	}
	return 0;
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
		struct line *l = &p->lines[i];
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
	strip_pilcrow(s, &n);
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

static int parse_person(struct parser *p, const char *s, size_t n, size_t lineno,
			struct roster_person *out)
{
	*out = (struct roster_person){ 0 };
	if (n >= 10 && str_ieqn(s, "(emeritus)", 10)) {
		out->emeritus = true;
		s += 10;
		n -= 10;
		trim(&s, &n);
	}
	const char *link = NULL;
	for (size_t i = 0; i + 1 < n && !link; i++)
		if (s[i] == '(' && (s[i + 1] == '[' || s[i + 1] == '`'))
			link = s + i;
	size_t nl = link ? (size_t)(link - s) : n;
	const char *name = s;
	trim(&name, &nl);
	if (!nl)
		return fail(p, lineno, "entry \"%s\" has no name", s);
	if (link) {
		size_t rest = n - (size_t)(link - s) - 1;
		size_t used = parse_link(link + 1, rest, &out->handle, &out->url);
		const char *after = link + 1 + used;
		size_t al = rest - used;
		trim(&after, &al);
		if (!used || al) {
			free(out->handle);
			free(out->url);
			out->handle = out->url = NULL;
			return fail(p, lineno, "broken GitHub link in \"%s\"", s);
		}
	}
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

static void add_raw(struct parser *p, const struct line *l)
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
	const struct line *l = &p->lines[i];
	if (l->type == L_TEXT && p->after_item && is_space(l->s[0])) {
		const char *s = l->s;
		size_t n = l->len;
		trim(&s, &n);
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
		const struct line *l = &p->lines[i];
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

/* ---- aliases ---- */

static void alias_add(struct roster_group *g, const char *s, size_t n, size_t *cap)
{
	trim(&s, &n);
	if (!n || (strlen(g->title) == n && str_ieqn(g->title, s, n)))
		return;
	for (size_t i = 0; i < g->naliases; i++)
		if (strlen(g->aliases[i]) == n && str_ieqn(g->aliases[i], s, n))
			return;
	if (g->naliases == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		g->aliases = xrealloc(g->aliases, *cap * sizeof(char *));
	}
	g->aliases[g->naliases++] = xstrndup(s, n);
}

/* Splits s on the separators; adds every part when there are two or more. */
static bool alias_split(struct roster_group *g, const char *s, size_t n, const char *const *seps,
			size_t *cap)
{
	size_t start = 0, parts = 0;
	const char *pieces[64][2];
	for (size_t i = 0; i <= n && parts < 63; i++) {
		size_t sl = 0;
		for (size_t k = 0; seps[k] && !sl && i < n; k++) {
			size_t kl = strlen(seps[k]);
			if (i + kl <= n && memcmp(s + i, seps[k], kl) == 0)
				sl = kl;
		}
		if (i == n || sl) {
			pieces[parts][0] = s + start;
			pieces[parts][1] = s + i;
			parts++;
			start = i + sl;
			if (sl)
				i += sl - 1;
		}
	}
	if (parts < 2)
		return false;
	for (size_t k = 0; k < parts; k++)
		alias_add(g, pieces[k][0], (size_t)(pieces[k][1] - pieces[k][0]), cap);
	return true;
}

/* "Compilers (JIT / TorchScript)" answers to JIT, TorchScript and Compilers;
 * "AMD/ROCm/HIP" to AMD, ROCm, HIP; "Distributions & RNG" to both parts. */
static void group_aliases(struct roster_group *g)
{
	static const char *const in_parens[] = { " / ", ", ", " & ", " + ", NULL };
	static const char *const in_base[] = { " / ", ", ", " & ", " + ", " and ", NULL };
	static const char *const slash[] = { "/", NULL };
	size_t cap = 0;
	struct buf base = BUF_INIT;
	const char *t = g->title;
	size_t n = strlen(t);
	bool had_parens = false;
	for (size_t i = 0; i < n; i++) {
		const char *close = t[i] == '(' ? memchr(t + i, ')', n - i) : NULL;
		if (!close) {
			if (!(is_space(t[i]) && (!base.len || base.data[base.len - 1] == ' ')))
				buf_addc(&base, is_space(t[i]) ? ' ' : t[i]);
			continue;
		}
		had_parens = true;
		const char *in = t + i + 1;
		size_t il = (size_t)(close - in);
		if (!alias_split(g, in, il, in_parens, &cap))
			alias_add(g, in, il, &cap);
		i = (size_t)(close - t);
	}
	const char *b = buf_str(&base);
	size_t bl = base.len;
	trim(&b, &bl);
	if (had_parens)
		alias_add(g, b, bl, &cap);
	if (!alias_split(g, b, bl, in_base, &cap))
		alias_split(g, b, bl, slash, &cap);
	buf_release(&base);
}

/* ---- entry points ---- */

int roster_parse(const char *text, size_t len, struct roster **out, char *err, size_t errlen)
{
	char dummy[8];
	struct parser p = { .err = err ? err : dummy, .errlen = err ? errlen : sizeof(dummy) };
	int rc = -1;
	*out = NULL;
	p.r = xcalloc(1, sizeof(*p.r));
	if (split_lines(&p, text ? text : "", text ? len : 0) < 0)
		goto cleanup;
	detect_form(&p);
	p.r->source_format = p.rst ? ROSTER_FMT_RST : ROSTER_FMT_MD;
	if (classify(&p) < 0)
		goto cleanup;
	mark_openers(&p);
	if (build(&p) < 0)
		goto cleanup;
	if (!roster_lead_group(p.r) && !roster_core_group(p.r)) {
		fail(&p, 0, "%s", "not a maintainers page: no lead core maintainer and no core maintainers section");
		goto cleanup;
	}
	for (size_t i = 0; i < p.r->ngroups; i++)
		group_aliases(&p.r->groups[i]);
	p.r->index = lookup_index_build(p.r);
	*out = p.r;
	p.r = NULL;
	rc = 0;
cleanup:
	roster_free(p.r);
	free(p.lines);
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
