/*
 * roster_lines.c - cuts the maintainers page into lines and classifies
 * each once: blank, text, list item or heading.  The form is told by
 * content: Markdown when the page opens with front matter or its first
 * heading is "#"-style, reStructuredText when it is an underlined title.
 * roster_read.c builds the roster from the classified lines.
 */
#include "chatbot/roster/roster_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

void roster_lines_trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* Drops a trailing pilcrow (rendered Sphinx pages put one after headings). */
void roster_lines_strip_pilcrow(const char *s, size_t *n)
{
	while (*n >= 2 && (unsigned char)s[*n - 2] == 0xC2 && (unsigned char)s[*n - 1] == 0xB6) {
		*n -= 2;
		while (*n && is_space(s[*n - 1]))
			(*n)--;
	}
}

int roster_lines_error(char *err, size_t errlen, size_t line, const char *fmt, const char *what)
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
		snprintf(err, errlen, "line %zu: %s", line, msg);
	else
		snprintf(err, errlen, "%s", msg);
	return -1;
}

static int lines_fail(const struct roster_lines *p, size_t line, const char *fmt, const char *what)
{
	return roster_lines_error(p->err, p->errlen, line, fmt, what);
}

/* ---- bytes and lines ---- */

static int split_lines(struct roster_lines *p, const char *text, size_t len)
{
	if (len > ROSTER_MAX_BYTES) {
		char limit[64];
		snprintf(limit, sizeof(limit), "%u bytes", (unsigned)ROSTER_MAX_BYTES);
		return lines_fail(p, 0, "roster is larger than %s", limit);
	}
	size_t cap = 64, line = 1;
	p->v = xcalloc(cap, sizeof(*p->v));
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - i;
		if (n && text[i + n - 1] == '\r')
			n--;
		const char *s = text + i;
		if (memchr(s, '\0', n))
			return lines_fail(p, line, "%s", "NUL byte");
		if (!utf8_valid(s, n))
			return lines_fail(p, line, "%s", "invalid UTF-8");
		if (memchr(s, '\r', n) || str_has_controls(s, n))
			return lines_fail(p, line, "%s", "control character");
		if (p->n == cap) {
			cap *= 2;
			p->v = xrealloc(p->v, cap * sizeof(*p->v));
		}
		p->v[p->n++] = (struct roster_line){ .s = s, .len = n };
		i = end + 1;
		line++;
	}
	return 0;
}

static bool line_blank(const struct roster_line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!is_space(l->s[i]))
			return false;
	return true;
}

/* "- text", "* text", "+ text", after an indent. */
static bool classify_item(struct roster_line *l)
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
	roster_lines_trim(&l->item, &l->itemlen);
	return true;
}

static void classify_plain(struct roster_line *l)
{
	if (line_blank(l))
		l->type = L_BLANK;
	else if (!classify_item(l))
		l->type = L_TEXT;
}

static bool md_heading(struct roster_line *l)
{
	size_t n = 0;
	while (n < l->len && l->s[n] == '#')
		n++;
	if (n < 1 || n > 3 || n >= l->len || !is_space(l->s[n]))
		return false;
	const char *t = l->s + n;
	size_t tl = l->len - n;
	roster_lines_trim(&t, &tl);
	roster_lines_strip_pilcrow(t, &tl);
	/* an optional closing run of '#' after a blank: "### Title ###" */
	size_t k = tl;
	while (k && t[k - 1] == '#')
		k--;
	if (k < tl && k && is_space(t[k - 1])) {
		tl = k;
		roster_lines_trim(&t, &tl);
	}
	if (!tl)
		return false;
	l->type = L_HEAD;
	l->level = (int)n;
	l->head = t;
	l->headlen = tl;
	return true;
}

/* A run of one punctuation character: "=====", "-----", "~~~~~". */
static char underline_char(const struct roster_line *l)
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
static bool rst_title_at(const struct roster_lines *p, size_t i, const char **title, size_t *len, char *mark)
{
	const struct roster_line *l = &p->v[i];
	if (i + 1 >= p->n || line_blank(l) || is_space(l->s[0]) || underline_char(l))
		return false;
	struct roster_line probe = *l;
	if (classify_item(&probe))
		return false;
	char u = underline_char(&p->v[i + 1]);
	if (!u)
		return false;
	const char *t = l->s;
	size_t tl = l->len;
	roster_lines_trim(&t, &tl);
	roster_lines_strip_pilcrow(t, &tl);
	size_t ul = p->v[i + 1].len;
	while (ul && is_space(p->v[i + 1].s[ul - 1]))
		ul--;
	if (!tl || (ul < 3 && ul < utf8_chars(t, tl)))
		return false;
	*title = t;
	*len = tl;
	*mark = u;
	return true;
}

static bool rst_heading(struct roster_lines *p, size_t i)
{
	const char *t;
	size_t tl;
	char u;
	if (!rst_title_at(p, i, &t, &tl, &u))
		return false;
	struct roster_line *l = &p->v[i];
	l->type = L_HEAD;
	l->level = u == '=' ? 1 : u == '-' ? 2 : 3;
	l->underlined = true;
	l->head = t;
	l->headlen = tl;
	p->v[i + 1].type = L_SKIP;
	return true;
}

static bool line_is(const struct roster_line *l, const char *s)
{
	return l->len == strlen(s) && memcmp(l->s, s, l->len) == 0;
}

/* Markdown when it opens with front matter or its first heading is "#"-style. */
static void detect_form(struct roster_lines *p)
{
	p->rst = false;
	if (p->n && line_is(&p->v[0], "---"))
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct roster_line probe = p->v[i];
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
static size_t rst_fields(struct roster_lines *p)
{
	struct buf fm = BUF_INIT;
	size_t i = 0;
	for (; i < p->n; i++) {
		const struct roster_line *l = &p->v[i];
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
		roster_lines_trim(&v, &vl);
		if (fm.len)
			buf_addc(&fm, '\n');
		buf_addf(&fm, "%.*s: %.*s", (int)(k - 1), l->s + 1, (int)(vl ? vl : 4), vl ? v : "true");
		p->v[i].type = L_SKIP;
	}
	if (fm.len)
		p->front_matter = buf_detach(&fm);
	return i;
}

static int classify(struct roster_lines *p)
{
	size_t start = 0;
	if (p->rst) {
		start = rst_fields(p);
	} else if (p->n && line_is(&p->v[0], "---")) {
		size_t end = 1;
		while (end < p->n && !line_is(&p->v[end], "---"))
			end++;
		if (end >= p->n)
			return lines_fail(p, 1, "%s", "front matter opened with --- is never closed");
		struct buf fm = BUF_INIT;
		for (size_t i = 1; i < end; i++) {
			buf_add(&fm, p->v[i].s, p->v[i].len);
			if (i + 1 < end)
				buf_addc(&fm, '\n');
		}
		p->front_matter = buf_detach(&fm);
		for (size_t i = 0; i <= end; i++)
			p->v[i].type = L_SKIP;
		start = end + 1;
	}
	for (size_t i = start; i < p->n; i++) {
		struct roster_line *l = &p->v[i];
		if (l->type == L_SKIP)
			continue;
		if (p->rst ? rst_heading(p, i) : md_heading(l))
			continue;
		classify_plain(l);
	}
	return 0;
}

int roster_lines_read(struct roster_lines *p, const char *text, size_t len, char *err, size_t errlen)
{
	*p = (struct roster_lines){ .err = err, .errlen = errlen };
	if (split_lines(p, text, len) < 0)
		return -1;
	detect_form(p);
	return classify(p);
}

void roster_lines_release(struct roster_lines *p)
{
	free(p->v);
	free(p->front_matter);
	*p = (struct roster_lines){ 0 };
}
