/* reply.c - see reply.h.
 *
 * A reply is one arena of bytes (every span's text, back to back) plus an
 * array of spans; blocks are spans too (SP_PARA, SP_ITEM).  reply_reset()
 * keeps both allocations, so a reused reply costs no malloc once warm.
 *
 * Escaping lives in exactly one place per dialect: the put_* functions
 * below, one per dialect, called for every span that carries text.
 */
#include "chatbot/reply.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum span_kind { SP_PARA, SP_ITEM, SP_TEXT, SP_STRONG, SP_CODE, SP_HANDLE, SP_PERSON };

struct span {
	uint8_t kind;
	uint32_t off, len;    /* text in the arena */
	uint32_t off2, len2;  /* SP_PERSON: the handle (len2 == 0: none) */
};

struct reply {
	struct buf arena;
	struct span *spans;
	size_t nspans, cap;
};

#define ZWSP "\xE2\x80\x8B" /* U+200B ZERO WIDTH SPACE */

struct reply *reply_new(void)
{
	struct reply *r = xcalloc(1, sizeof(*r));
	buf_init(&r->arena);
	return r;
}

void reply_free(struct reply *r)
{
	if (!r)
		return;
	buf_release(&r->arena);
	free(r->spans);
	free(r);
}

void reply_reset(struct reply *r)
{
	buf_reset(&r->arena);
	r->nspans = 0;
}

int reply_empty(const struct reply *r)
{
	for (size_t i = 0; i < r->nspans; i++)
		if (r->spans[i].kind != SP_PARA && r->spans[i].kind != SP_ITEM)
			return 0;
	return 1;
}

static struct span *push(struct reply *r, enum span_kind kind)
{
	if (r->nspans == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->spans = xrealloc(r->spans, r->cap * sizeof(*r->spans));
	}
	struct span *s = &r->spans[r->nspans++];
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	return s;
}

static uint32_t stash(struct reply *r, const char *text, size_t n, uint32_t *len)
{
	uint32_t off = (uint32_t)r->arena.len;
	buf_add(&r->arena, text, n);
	*len = (uint32_t)n;
	return off;
}

static void add_span(struct reply *r, enum span_kind kind, const char *text, size_t n)
{
	if (!text)
		text = "";
	struct span *s = push(r, kind);
	s->off = stash(r, text, n, &s->len);
}

void reply_para(struct reply *r)
{
	push(r, SP_PARA);
}

void reply_item(struct reply *r)
{
	push(r, SP_ITEM);
}

void reply_text(struct reply *r, const char *text)
{
	reply_textn(r, text, text ? strlen(text) : 0);
}

void reply_textn(struct reply *r, const char *text, size_t n)
{
	/* consecutive text spans merge: fewer spans, same output */
	if (r->nspans && r->spans[r->nspans - 1].kind == SP_TEXT &&
	    r->spans[r->nspans - 1].off + r->spans[r->nspans - 1].len == r->arena.len) {
		buf_add(&r->arena, text ? text : "", n);
		r->spans[r->nspans - 1].len += (uint32_t)n;
		return;
	}
	add_span(r, SP_TEXT, text, n);
}

void reply_textf(struct reply *r, const char *fmt, ...)
{
	struct span *last = r->nspans ? &r->spans[r->nspans - 1] : NULL;
	size_t before = r->arena.len;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&r->arena, fmt, ap);
	va_end(ap);
	size_t n = r->arena.len - before;
	if (last && last->kind == SP_TEXT && last->off + last->len == before) {
		last->len += (uint32_t)n;
		return;
	}
	struct span *s = push(r, SP_TEXT);
	s->off = (uint32_t)before;
	s->len = (uint32_t)n;
}

void reply_strong(struct reply *r, const char *text)
{
	add_span(r, SP_STRONG, text, text ? strlen(text) : 0);
}

void reply_code(struct reply *r, const char *text)
{
	add_span(r, SP_CODE, text, text ? strlen(text) : 0);
}

void reply_handle(struct reply *r, const char *handle)
{
	add_span(r, SP_HANDLE, handle, handle ? strlen(handle) : 0);
}

void reply_person(struct reply *r, const char *name, const char *handle)
{
	struct span *s = push(r, SP_PERSON);
	s->off = stash(r, name ? name : "", name ? strlen(name) : 0, &s->len);
	if (handle && *handle)
		s->off2 = stash(r, handle, strlen(handle), &s->len2);
}

/* ---- shared character classes ------------------------------------------ */

/* Length of a character to drop at p (control characters, C1 controls,
 * bidirectional overrides), or 0 to keep it.  \n and \t are kept. */
static size_t drop_len(const unsigned char *p, const unsigned char *end)
{
	if (*p < 0x20)
		return (*p == '\n' || *p == '\t') ? 0 : 1;
	if (*p == 0x7f)
		return 1;
	if (*p == 0xC2 && p + 1 < end && p[1] >= 0x80 && p[1] <= 0x9F)
		return 2;
	/* U+202A..U+202E, U+2066..U+2069: text direction overrides */
	if (*p == 0xE2 && p + 2 < end &&
	    ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
	     (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)))
		return 3;
	return 0;
}

/* True when the text after an '@' at p is a mass-mention keyword. */
static bool mass_mention(const char *p, const char *end)
{
	static const char *const words[] = { "channel", "here", "everyone", "room" };
	size_t left = (size_t)(end - p);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i]);
		if (left >= n && str_ieqn(p, words[i], n))
			return true;
	}
	return false;
}

/* Characters that need no care in any dialect: copied in runs. */
static inline bool plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' && c != '@' &&
	       c != '"' && c != '\'' && c != '\\' && c != '`' && c != '*' && c != '_' &&
	       c != '[' && c != ']' && c != '#' && c != '|' && c != '~' && c != '!' &&
	       c != '-' && c != '+' && c != '.' && c != '=' && c != ':' && c != '(' && c != ')';
}

/* ---- per-dialect escaping: the one place user text is made safe -------- */

enum put_mode { PUT_TEXT, PUT_CODE };

/* Console and Matrix plain: plain text; controls dropped.  Matrix plain
 * also defuses @room/@channel/... (clients highlight on @room in a body). */
static void put_plain(struct buf *out, const char *s, size_t n, bool defuse, enum put_mode mode)
{
	const char *end = s + n;
	buf_grow(out, n + 8);
	while (s < end) {
		const char *run = s;
		while (s < end && plain_byte((unsigned char)*s))
			s++;
		if (s > run)
			buf_add(out, run, (size_t)(s - run));
		if (s >= end)
			break;
		size_t d = drop_len((const unsigned char *)s, (const unsigned char *)end);
		if (d) {
			s += d;
			continue;
		}
		char c = *s++;
		if (mode == PUT_CODE && c == '\n')
			c = ' ';
		buf_addc(out, c);
		if (c == '@' && defuse && mass_mention(s, end))
			buf_add(out, ZWSP, 3);
	}
}

/* Slack mrkdwn: & < > become entities (so no <!here>, <@U..>, <url|x> can
 * be formed); bare @channel/@here defused too; in code, backticks and
 * newlines would end the span, so they are replaced. */
static void put_slack(struct buf *out, const char *s, size_t n, enum put_mode mode)
{
	const char *end = s + n;
	buf_grow(out, n + 8);
	while (s < end) {
		const char *run = s;
		while (s < end && plain_byte((unsigned char)*s))
			s++;
		if (s > run)
			buf_add(out, run, (size_t)(s - run));
		if (s >= end)
			break;
		size_t d = drop_len((const unsigned char *)s, (const unsigned char *)end);
		if (d) {
			s += d;
			continue;
		}
		char c = *s++;
		switch (c) {
		case '&': buf_add(out, "&amp;", 5); break;
		case '<': buf_add(out, "&lt;", 4); break;
		case '>': buf_add(out, "&gt;", 4); break;
		case '@':
			buf_addc(out, '@');
			if (mass_mention(s, end))
				buf_add(out, ZWSP, 3);
			break;
		case '`':
			buf_addc(out, mode == PUT_CODE ? '\'' : '`');
			break;
		case '\n':
			buf_addc(out, mode == PUT_CODE ? ' ' : '\n');
			break;
		default: buf_addc(out, c); break;
		}
	}
}

/* Matrix HTML: & < > " ' escaped; newlines become <br>; @room defused. */
static void put_html(struct buf *out, const char *s, size_t n, enum put_mode mode)
{
	const char *end = s + n;
	buf_grow(out, n + 8);
	while (s < end) {
		const char *run = s;
		while (s < end && plain_byte((unsigned char)*s))
			s++;
		if (s > run)
			buf_add(out, run, (size_t)(s - run));
		if (s >= end)
			break;
		size_t d = drop_len((const unsigned char *)s, (const unsigned char *)end);
		if (d) {
			s += d;
			continue;
		}
		char c = *s++;
		switch (c) {
		case '&': buf_add(out, "&amp;", 5); break;
		case '<': buf_add(out, "&lt;", 4); break;
		case '>': buf_add(out, "&gt;", 4); break;
		case '"': buf_add(out, "&quot;", 6); break;
		case '\'': buf_add(out, "&#39;", 5); break;
		case '@':
			buf_addc(out, '@');
			if (mass_mention(s, end))
				buf_add(out, ZWSP, 3);
			break;
		case '\n':
			if (mode == PUT_CODE)
				buf_addc(out, ' ');
			else
				buf_add(out, "<br>", 4);
			break;
		default: buf_addc(out, c); break;
		}
	}
}

/* Discourse Markdown text: Markdown punctuation backslash-escaped, & and <
 * too (no entities, no raw HTML), and every '@' followed by U+200B so no
 * user or group is ever mentioned.  *line_start tracks whether the next
 * byte begins a line, where - + = and "1." would start a block. */
static void put_md(struct buf *out, const char *s, size_t n, bool *line_start)
{
	const char *end = s + n;
	buf_grow(out, n + 16);
	while (s < end) {
		unsigned char c = (unsigned char)*s;
		size_t d = drop_len((const unsigned char *)s, (const unsigned char *)end);
		if (d) {
			s += d;
			continue;
		}
		s++;
		if (*line_start && (c == ' ' || c == '\t')) {
			continue; /* leading blanks would make an indented code block */
		}
		bool at_start = *line_start;
		*line_start = (c == '\n');
		switch (c) {
		case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
		case '#': case '|': case '~': case '!': case '&': case '{': case '}': case ':':
			buf_addc(out, '\\');
			buf_addc(out, (char)c);
			break;
		case '-': case '+': case '=':
			if (at_start)
				buf_addc(out, '\\');
			buf_addc(out, (char)c);
			break;
		case '.': case ')':
			/* "1." or "1)" at a line start would open an ordered list */
			if (out->len && out->data[out->len - 1] >= '0' && out->data[out->len - 1] <= '9')
				buf_addc(out, '\\');
			buf_addc(out, (char)c);
			break;
		case '@':
			buf_addc(out, '@');
			buf_add(out, ZWSP, 3);
			break;
		default:
			buf_addc(out, (char)c);
		}
	}
}

/* Discourse Markdown code span: a fence longer than any backtick run
 * inside, padded when the content starts or ends with a backtick.  Code
 * spans never mention anyone and take no escapes. */
static void put_md_code(struct buf *out, const char *prefix, const char *s, size_t n)
{
	size_t run = 0, longest = 0;
	for (size_t i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	size_t fence = longest + 1;
	bool pad = n && (s[0] == '`' || s[n - 1] == '`');
	/* two adjacent fences would read as one longer run */
	if (out->len && out->data[out->len - 1] == '`')
		buf_add(out, ZWSP, 3);
	for (size_t i = 0; i < fence; i++)
		buf_addc(out, '`');
	if (pad)
		buf_addc(out, ' ');
	buf_adds(out, prefix);
	const char *end = s + n;
	while (s < end) {
		size_t d = drop_len((const unsigned char *)s, (const unsigned char *)end);
		if (d) {
			s += d;
			continue;
		}
		buf_addc(out, *s == '\n' ? ' ' : *s);
		s++;
	}
	if (pad)
		buf_addc(out, ' ');
	for (size_t i = 0; i < fence; i++)
		buf_addc(out, '`');
}

/* ---- rendering ---------------------------------------------------------- */

struct render {
	const struct reply *r;
	enum reply_dialect d;
	struct buf *out;
	bool line_start; /* Discourse: next text byte starts a line */
};

static void put(struct render *x, const char *s, size_t n, enum put_mode mode)
{
	switch (x->d) {
	case DIALECT_CONSOLE: put_plain(x->out, s, n, false, mode); break;
	case DIALECT_MATRIX_PLAIN: put_plain(x->out, s, n, true, mode); break;
	case DIALECT_SLACK: put_slack(x->out, s, n, mode); break;
	case DIALECT_MATRIX_HTML: put_html(x->out, s, n, mode); break;
	case DIALECT_DISCOURSE:
		if (mode == PUT_CODE)
			put_md_code(x->out, "", s, n);
		else
			put_md(x->out, s, n, &x->line_start);
		break;
	}
}

static void render_strong(struct render *x, const char *s, size_t n)
{
	switch (x->d) {
	case DIALECT_CONSOLE:
	case DIALECT_MATRIX_PLAIN:
		put(x, s, n, PUT_TEXT);
		break;
	case DIALECT_SLACK:
		buf_addc(x->out, '*');
		put(x, s, n, PUT_CODE); /* no newlines inside bold */
		buf_addc(x->out, '*');
		break;
	case DIALECT_MATRIX_HTML:
		buf_adds(x->out, "<strong>");
		put(x, s, n, PUT_TEXT);
		buf_adds(x->out, "</strong>");
		break;
	case DIALECT_DISCOURSE:
		buf_adds(x->out, "**");
		x->line_start = false;
		put(x, s, n, PUT_TEXT);
		buf_adds(x->out, "**");
		break;
	}
}

static void render_code(struct render *x, const char *s, size_t n)
{
	switch (x->d) {
	case DIALECT_CONSOLE:
	case DIALECT_MATRIX_PLAIN:
	case DIALECT_SLACK:
		buf_addc(x->out, '`');
		put(x, s, n, PUT_CODE);
		buf_addc(x->out, '`');
		break;
	case DIALECT_MATRIX_HTML:
		buf_adds(x->out, "<code>");
		put(x, s, n, PUT_CODE);
		buf_adds(x->out, "</code>");
		break;
	case DIALECT_DISCOURSE:
		put(x, s, n, PUT_CODE);
		break;
	}
	x->line_start = false;
}

/* "@handle", never a ping: in Discourse a code span; elsewhere plain text
 * escaped like any other (so "@here" as a handle is defused too). */
static void render_handle(struct render *x, const char *s, size_t n)
{
	if (x->d == DIALECT_DISCOURSE) {
		put_md_code(x->out, "@", s, n);
		x->line_start = false;
		return;
	}
	char at[256];
	if (n + 1 <= sizeof(at)) {
		at[0] = '@';
		memcpy(at + 1, s, n);
		put(x, at, n + 1, PUT_CODE);
	} else {
		struct buf tmp = BUF_INIT;
		buf_addc(&tmp, '@');
		buf_add(&tmp, s, n);
		put(x, tmp.data, tmp.len, PUT_CODE);
		buf_release(&tmp);
	}
}

static void open_block(struct render *x, enum span_kind kind, enum span_kind prev, bool first)
{
	struct buf *o = x->out;
	switch (x->d) {
	case DIALECT_CONSOLE:
	case DIALECT_MATRIX_PLAIN:
	case DIALECT_SLACK:
		if (!first)
			buf_adds(o, (kind == SP_PARA && prev == SP_ITEM) ? "\n\n" : "\n");
		if (kind == SP_ITEM)
			buf_adds(o, x->d == DIALECT_SLACK ? "\xE2\x80\xA2 " : "- ");
		break;
	case DIALECT_MATRIX_HTML:
		if (!first && prev == SP_ITEM && kind != SP_ITEM)
			buf_adds(o, "</ul>");
		if (kind == SP_ITEM)
			buf_adds(o, (!first && prev == SP_ITEM) ? "<li>" : "<ul><li>");
		else
			buf_adds(o, "<p>");
		break;
	case DIALECT_DISCOURSE:
		if (!first)
			buf_adds(o, (kind == SP_ITEM && prev == SP_ITEM) ? "\n" : "\n\n");
		if (kind == SP_ITEM)
			buf_adds(o, "- ");
		x->line_start = true;
		break;
	}
}

static void close_block(struct render *x, enum span_kind kind)
{
	if (x->d == DIALECT_MATRIX_HTML)
		buf_adds(x->out, kind == SP_ITEM ? "</li>" : "</p>");
}

void reply_render(const struct reply *r, enum reply_dialect d, struct buf *out)
{
	struct render x = { r, d, out, true };
	const char *a = r->arena.data;
	enum span_kind cur = SP_PARA, prev = SP_PARA;
	bool open = false, any = false;

	buf_grow(out, r->arena.len + r->nspans * 8 + 16);
	for (size_t i = 0; i < r->nspans; i++) {
		const struct span *s = &r->spans[i];
		if (s->kind == SP_PARA || s->kind == SP_ITEM) {
			if (open)
				close_block(&x, cur);
			open = false;
			cur = (enum span_kind)s->kind;
			continue;
		}
		if (!open) {
			open_block(&x, cur, prev, !any);
			open = any = true;
			prev = cur;
		}
		switch ((enum span_kind)s->kind) {
		case SP_TEXT: put(&x, a + s->off, s->len, PUT_TEXT); break;
		case SP_STRONG: render_strong(&x, a + s->off, s->len); break;
		case SP_CODE: render_code(&x, a + s->off, s->len); break;
		case SP_HANDLE: render_handle(&x, a + s->off, s->len); break;
		case SP_PERSON:
			put(&x, a + s->off, s->len, PUT_TEXT);
			if (s->len2) {
				put(&x, " (", 2, PUT_TEXT);
				render_handle(&x, a + s->off2, s->len2);
				put(&x, ")", 1, PUT_TEXT);
			}
			break;
		default: break;
		}
	}
	if (open)
		close_block(&x, cur);
	if (any && d == DIALECT_MATRIX_HTML && prev == SP_ITEM)
		buf_adds(out, "</ul>");
	buf_add(out, "", 0); /* NUL-terminates, even when nothing was added */
}
