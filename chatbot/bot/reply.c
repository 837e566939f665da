/* reply.c - see reply.h.
 *
 * A reply is one arena of bytes (every span's text, back to back) plus an
 * array of spans; blocks are spans too (SP_PARA, SP_ITEM).  reply_reset()
 * keeps both allocations, so a reused reply costs no malloc once warm.
 *
 * Escaping lives in exactly one place per dialect: the put_* functions
 * below, one per dialect, called for every span that carries text.
 */
#include "chatbot/bot/reply.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum span_kind { SP_PARA, SP_ITEM, SP_TEXT, SP_STRONG, SP_CODE, SP_HANDLE, SP_PERSON, SP_MENTION };

struct span {
	uint8_t kind;
	uint8_t cls;          /* classify() of its text: which dialects must escape it */
	uint32_t off, len;    /* text in the arena */
	uint32_t off2, len2;  /* SP_PERSON: the handle; SP_MENTION: the platform user id
			       * (len2 == 0: none) */
};

struct reply {
	struct buf arena;
	struct span *spans;
	size_t nspans, cap;
};

#define ZWSP "\xE2\x80\x8B" /* U+200B ZERO WIDTH SPACE */

/* Bytes that need a look, per dialect (one bit each); everything else is
 * copied in runs.  Every dialect looks at the C0 controls, DEL and the
 * lead bytes of C1 controls (C2) and of direction overrides (E2); Matrix
 * plain adds '@'; Slack adds & < > @ `; HTML adds & < > " ' @.
 * Generated: bit 1 console, 2 Matrix plain, 4 Slack, 8 Matrix HTML. */
enum { SET_CONSOLE = 1, SET_MPLAIN = 2, SET_SLACK = 4, SET_HTML = 8 };
static const unsigned char byte_class[256] = {
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, /* 0x00 */
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, /* 0x10 */
	0, 0, 8, 0, 0, 0, 12, 8, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 0, 12, 0, /* 0x30 */
	14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x50 */
	4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, /* 0x70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xa0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xb0 */
	0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xc0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xd0 */
	0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xe0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xf0 */
};

static inline bool special(unsigned set, unsigned char c)
{
	return byte_class[c] & set;
}

/* The union of the classes of s[0..n): 0 when no dialect needs to look. */
static inline uint8_t classify(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = 0;
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		c |= byte_class[p[i]] | byte_class[p[i + 1]] | byte_class[p[i + 2]] | byte_class[p[i + 3]];
	for (; i < n; i++)
		c |= byte_class[p[i]];
	return (uint8_t)c;
}

/* Appends without NUL-terminating (reply_render terminates once at the
 * end): the hot path of rendering, so no call when capacity suffices. */
static inline void emit(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		buf_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static inline void emitc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_grow(b, 1);
	b->data[b->len++] = c;
}

static inline void emits(struct buf *b, const char *s)
{
	emit(b, s, strlen(s));
}

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
	emit(&r->arena, text, n);
	*len = (uint32_t)n;
	return off;
}

static void add_span(struct reply *r, enum span_kind kind, const char *text, size_t n)
{
	if (!text)
		text = "";
	struct span *s = push(r, kind);
	s->off = stash(r, text, n, &s->len);
	s->cls = classify(text, n);
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
		emit(&r->arena, text ? text : "", n);
		r->spans[r->nspans - 1].len += (uint32_t)n;
		r->spans[r->nspans - 1].cls |= classify(text ? text : "", n);
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
	uint8_t cls = classify(r->arena.data + before, n);
	if (last && last->kind == SP_TEXT && last->off + last->len == before) {
		last->len += (uint32_t)n;
		last->cls |= cls;
		return;
	}
	struct span *s = push(r, SP_TEXT);
	s->off = (uint32_t)before;
	s->len = (uint32_t)n;
	s->cls = cls;
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
	s->cls = classify(r->arena.data + s->off, s->len);
	if (handle && *handle) {
		s->off2 = stash(r, handle, strlen(handle), &s->len2);
		s->cls |= classify(handle, s->len2);
	}
}

void reply_mention(struct reply *r, const char *handle, const char *user_id)
{
	reply_person(r, handle, user_id);
	r->spans[r->nspans - 1].kind = SP_MENTION;
}

int reply_mention_id(const struct reply *r, size_t i, struct buf *out)
{
	for (size_t k = 0; k < r->nspans; k++) {
		const struct span *s = &r->spans[k];
		if (s->kind != SP_MENTION || !s->len2)
			continue;
		if (i-- == 0) {
			buf_add(out, r->arena.data + s->off2, s->len2);
			return 0;
		}
	}
	return -1;
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
	if (!left)
		return false;
	char c = (char)(*p | 0x20);
	if (c != 'c' && c != 'h' && c != 'e' && c != 'r')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i]);
		if (left >= n && str_ieqn(p, words[i], n))
			return true;
	}
	return false;
}

/* Skips 8 bytes at a time while all are printable ASCII (0x20..0x7e):
 * nothing the console dialect has to look at. */
static inline const char *skip_printable_ascii(const char *s, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	while (end - s >= 8) {
		uint64_t x;
		memcpy(&x, s, 8);
		uint64_t below = (x - ones * 0x20) & ~x;          /* a byte < 0x20 */
		uint64_t above = (x + ones * (127 - 0x7e)) | x;   /* a byte > 0x7e */
		if ((below | above) & highs)
			break;
		s += 8;
	}
	return s;
}

/* ---- per-dialect escaping: the one place user text is made safe -------- */

enum put_mode { PUT_TEXT, PUT_CODE };

/* The scan every dialect shares: copies to out the bytes from *sp on that
 * need no escaping in set, drops the characters drop_len() names, and
 * returns the next byte that needs escaping (*sp moves past it), or -1 at
 * end.  The console set has no special printable ASCII, so it skips those
 * eight bytes at a time. */
static inline int next_special(struct buf *out, const char **sp, const char *end, unsigned set)
{
	const char *s = *sp;
	while (s < end) {
		const char *run = s;
		if (set == SET_CONSOLE)
			s = skip_printable_ascii(s, end);
		while (s < end && !special(set, (unsigned char)*s))
			s++;
		if (s > run)
			emit(out, run, (size_t)(s - run));
		if (s >= end)
			break;
		size_t d = drop_len((const unsigned char *)s, (const unsigned char *)end);
		if (d) {
			s += d;
			continue;
		}
		*sp = s + 1;
		return (unsigned char)*s;
	}
	*sp = s;
	return -1;
}

/* An '@' that was in the text, defused (a zero-width space after it) when
 * what follows (s..end) is a mass-mention keyword. */
static inline void put_at(struct buf *out, const char *s, const char *end)
{
	emitc(out, '@');
	if (mass_mention(s, end))
		emit(out, ZWSP, 3);
}

/* Console and Matrix plain: plain text; controls dropped.  Matrix plain
 * also defuses @room/@channel/... (clients highlight on @room in a body). */
static void put_plain(struct buf *out, const char *s, size_t n, bool defuse, enum put_mode mode)
{
	const char *end = s + n;
	unsigned set = defuse ? SET_MPLAIN : SET_CONSOLE;
	int c;
	while ((c = next_special(out, &s, end, set)) >= 0) {
		if (c == '@' && defuse)
			put_at(out, s, end);
		else
			emitc(out, mode == PUT_CODE && c == '\n' ? ' ' : (char)c);
	}
}

/* Slack mrkdwn: & < > become entities (so no <!here>, <@U..>, <url|x> can
 * be formed); bare @channel/@here defused too; in code, backticks and
 * newlines would end the span, so they are replaced. */
static void put_slack(struct buf *out, const char *s, size_t n, enum put_mode mode)
{
	const char *end = s + n;
	int c;
	while ((c = next_special(out, &s, end, SET_SLACK)) >= 0) {
		switch (c) {
		case '&': emit(out, "&amp;", 5); break;
		case '<': emit(out, "&lt;", 4); break;
		case '>': emit(out, "&gt;", 4); break;
		case '@': put_at(out, s, end); break;
		case '`':
			emitc(out, mode == PUT_CODE ? '\'' : '`');
			break;
		case '\n':
			emitc(out, mode == PUT_CODE ? ' ' : '\n');
			break;
		default: emitc(out, (char)c); break;
		}
	}
}

/* Matrix HTML: & < > " ' escaped; newlines become <br>; @room defused. */
static void put_html(struct buf *out, const char *s, size_t n, enum put_mode mode)
{
	const char *end = s + n;
	int c;
	while ((c = next_special(out, &s, end, SET_HTML)) >= 0) {
		switch (c) {
		case '&': emit(out, "&amp;", 5); break;
		case '<': emit(out, "&lt;", 4); break;
		case '>': emit(out, "&gt;", 4); break;
		case '"': emit(out, "&quot;", 6); break;
		case '\'': emit(out, "&#39;", 5); break;
		case '@': put_at(out, s, end); break;
		case '\n':
			if (mode == PUT_CODE)
				emitc(out, ' ');
			else
				emit(out, "<br>", 4);
			break;
		default: emitc(out, (char)c); break;
		}
	}
}

/* Discourse Markdown text: Markdown punctuation backslash-escaped, & and <
 * too (no entities, no raw HTML), [ so no BBCode ([quote], [poll],
 * [details], [url]) or link opens, > so no quote, $ so no math, and every
 * '@' followed by U+200B so no user or group is ever mentioned.  *st tracks the line: MD_LINE_START
 * where - + = would start a block, MD_DIGITS while only digits followed
 * the line start (then "1." or "1)" would open an ordered list). */
enum { MD_MID, MD_LINE_START, MD_DIGITS };

static void put_md(struct buf *out, const char *s, size_t n, int *st)
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
		if (*st == MD_LINE_START && (c == ' ' || c == '\t'))
			continue; /* leading blanks would make an indented code block */
		int was = *st;
		*st = c == '\n' ? MD_LINE_START
			: (c >= '0' && c <= '9' && was != MD_MID) ? MD_DIGITS : MD_MID;
		switch (c) {
		case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
		case '#': case '|': case '~': case '!': case '&': case '{': case '}': case '$':
			emitc(out, '\\');
			emitc(out, (char)c);
			break;
		case '-': case '+': case '=':
			if (was == MD_LINE_START)
				emitc(out, '\\');
			emitc(out, (char)c);
			break;
		case '.': case ')':
			if (was == MD_DIGITS)
				emitc(out, '\\');
			emitc(out, (char)c);
			break;
		case '@':
			emitc(out, '@');
			emit(out, ZWSP, 3);
			break;
		default:
			emitc(out, (char)c);
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
		emit(out, ZWSP, 3);
	for (size_t i = 0; i < fence; i++)
		emitc(out, '`');
	if (pad)
		emitc(out, ' ');
	emits(out, prefix);
	const char *end = s + n;
	while (s < end) {
		size_t d = drop_len((const unsigned char *)s, (const unsigned char *)end);
		if (d) {
			s += d;
			continue;
		}
		emitc(out, *s == '\n' ? ' ' : *s);
		s++;
	}
	if (pad)
		emitc(out, ' ');
	for (size_t i = 0; i < fence; i++)
		emitc(out, '`');
}

/* ---- rendering ---------------------------------------------------------- */

struct render {
	const struct reply *r;
	enum reply_dialect d;
	struct buf *out;
	int line_start;  /* Discourse: MD_LINE_START, MD_DIGITS or MD_MID */
	unsigned set;    /* the byte class this dialect escapes (0: Discourse) */
	uint8_t cls;     /* the class of the span being rendered */
};

static void put(struct render *x, const char *s, size_t n, enum put_mode mode)
{
	if (x->set && !(x->cls & x->set)) {
		emit(x->out, s, n); /* nothing in this span needs escaping here */
		return;
	}
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
		emitc(x->out, '*');
		put(x, s, n, PUT_CODE); /* no newlines inside bold */
		emitc(x->out, '*');
		break;
	case DIALECT_MATRIX_HTML:
		emits(x->out, "<strong>");
		put(x, s, n, PUT_TEXT);
		emits(x->out, "</strong>");
		break;
	case DIALECT_DISCOURSE:
		emits(x->out, "**");
		x->line_start = MD_MID;
		put(x, s, n, PUT_TEXT);
		emits(x->out, "**");
		break;
	}
}

static void render_code(struct render *x, const char *s, size_t n)
{
	switch (x->d) {
	case DIALECT_CONSOLE:
	case DIALECT_MATRIX_PLAIN:
	case DIALECT_SLACK:
		emitc(x->out, '`');
		put(x, s, n, PUT_CODE);
		emitc(x->out, '`');
		break;
	case DIALECT_MATRIX_HTML:
		emits(x->out, "<code>");
		put(x, s, n, PUT_CODE);
		emits(x->out, "</code>");
		break;
	case DIALECT_DISCOURSE:
		put(x, s, n, PUT_CODE);
		break;
	}
	x->line_start = MD_MID;
}

/* "@handle", never a ping: in Discourse a code span; elsewhere plain text
 * escaped like any other (so "@here" as a handle is defused too). */
static void render_handle(struct render *x, const char *s, size_t n)
{
	if (x->d == DIALECT_DISCOURSE) {
		put_md_code(x->out, "@", s, n);
		x->line_start = MD_MID;
		return;
	}
	/* '@' then the handle; the '@' is checked for a mass mention here,
	 * since the handle's own bytes no longer follow an '@' in put() */
	emitc(x->out, '@');
	if ((x->d == DIALECT_SLACK || x->d == DIALECT_MATRIX_HTML || x->d == DIALECT_MATRIX_PLAIN) &&
	    mass_mention(s, s + n))
		emit(x->out, ZWSP, 3);
	put(x, s, n, PUT_CODE);
}

static bool id_chars(const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !strchr(extra, c))
			return false;
	}
	return n > 0;
}

/* Whether id is a well-formed user id of the dialect's platform: Slack
 * U.../W... (upper case and digits), Matrix @local:server, Discourse a
 * username.  Anything else is rendered as a plain handle, never raw. */
static bool mention_ok(enum reply_dialect d, const char *id, size_t n)
{
	const char *colon;
	switch (d) {
	case DIALECT_SLACK:
		if (n < 3 || n > 24 || (id[0] != 'U' && id[0] != 'W'))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9')))
				return false;
		return true;
	case DIALECT_MATRIX_HTML:
	case DIALECT_MATRIX_PLAIN:
		if (n < 4 || n > 255 || id[0] != '@' || !(colon = memchr(id, ':', n)) || colon == id + 1)
			return false;
		return id_chars(id + 1, (size_t)(colon - id - 1), "._=-/+") &&
		       id_chars(colon + 1, n - (size_t)(colon + 1 - id), ".-:[]");
	case DIALECT_DISCOURSE:
		return n <= 60 && id_chars(id, n, "_.-") && !mass_mention(id, id + n);
	case DIALECT_CONSOLE:
		return false;
	}
	return false;
}

/* A person's mention: the platform's own (Slack <@U1>, a Matrix pill,
 * Discourse @name) when their user id is known and well-formed; else the
 * handle as reply_handle renders it. */
static void render_mention(struct render *x, const char *h, size_t hn, const char *id, size_t n)
{
	if (!n || !mention_ok(x->d, id, n)) {
		render_handle(x, h, hn);
		return;
	}
	switch (x->d) {
	case DIALECT_SLACK:
		emit(x->out, "<@", 2);
		emit(x->out, id, n);
		emitc(x->out, '>');
		break;
	case DIALECT_MATRIX_HTML:
		emits(x->out, "<a href=\"https://matrix.to/#/");
		emit(x->out, id, n);
		emits(x->out, "\">");
		render_handle(x, h, hn);
		emits(x->out, "</a>");
		break;
	case DIALECT_DISCOURSE:
		emitc(x->out, '@');
		emit(x->out, id, n);
		x->line_start = MD_MID;
		break;
	default:
		render_handle(x, h, hn);
		break;
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
			emits(o, (kind == SP_PARA && prev == SP_ITEM) ? "\n\n" : "\n");
		if (kind == SP_ITEM)
			emits(o, x->d == DIALECT_SLACK ? "\xE2\x80\xA2 " : "- ");
		break;
	case DIALECT_MATRIX_HTML:
		if (!first && prev == SP_ITEM && kind != SP_ITEM)
			emits(o, "</ul>");
		if (kind == SP_ITEM)
			emits(o, (!first && prev == SP_ITEM) ? "<li>" : "<ul><li>");
		else
			emits(o, "<p>");
		break;
	case DIALECT_DISCOURSE:
		if (!first)
			emits(o, (kind == SP_ITEM && prev == SP_ITEM) ? "\n" : "\n\n");
		if (kind == SP_ITEM)
			emits(o, "- ");
		x->line_start = MD_LINE_START;
		break;
	}
}

static void close_block(struct render *x, enum span_kind kind)
{
	if (x->d == DIALECT_MATRIX_HTML)
		emits(x->out, kind == SP_ITEM ? "</li>" : "</p>");
}

void reply_render(const struct reply *r, enum reply_dialect d, struct buf *out)
{
	static const unsigned sets[] = {
		[DIALECT_CONSOLE] = SET_CONSOLE, [DIALECT_SLACK] = SET_SLACK,
		[DIALECT_MATRIX_HTML] = SET_HTML, [DIALECT_MATRIX_PLAIN] = SET_MPLAIN,
		[DIALECT_DISCOURSE] = 0,
	};
	struct render x = { r, d, out, MD_LINE_START, (unsigned)d < ARRAY_SIZE(sets) ? sets[d] : 0, 0xff };
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
		x.cls = s->cls;
		if (d == DIALECT_CONSOLE && !(s->cls & SET_CONSOLE)) {
			/* the common case: clean text on the console, copied as is */
			const char *t = a + s->off;
			switch ((enum span_kind)s->kind) {
			case SP_CODE:
				emitc(out, '`');
				emit(out, t, s->len);
				emitc(out, '`');
				continue;
			case SP_HANDLE:
				emitc(out, '@');
				emit(out, t, s->len);
				continue;
			case SP_MENTION:
				emitc(out, '@');
				emit(out, t, s->len);
				continue;
			case SP_PERSON:
				emit(out, t, s->len);
				if (s->len2) {
					emit(out, " (@", 3);
					emit(out, a + s->off2, s->len2);
					emitc(out, ')');
				}
				continue;
			default:
				emit(out, t, s->len);
				continue;
			}
		}
		switch ((enum span_kind)s->kind) {
		case SP_TEXT: put(&x, a + s->off, s->len, PUT_TEXT); break;
		case SP_STRONG: render_strong(&x, a + s->off, s->len); break;
		case SP_CODE: render_code(&x, a + s->off, s->len); break;
		case SP_HANDLE: render_handle(&x, a + s->off, s->len); break;
		case SP_MENTION: render_mention(&x, a + s->off, s->len, a + s->off2, s->len2); break;
		case SP_PERSON:
			put(&x, a + s->off, s->len, PUT_TEXT);
			if (s->len2) {
				emit(out, " (", 2); /* safe in every dialect */
				render_handle(&x, a + s->off2, s->len2);
				emitc(out, ')');
			}
			break;
		default: break;
		}
	}
	if (open)
		close_block(&x, cur);
	if (any && d == DIALECT_MATRIX_HTML && prev == SP_ITEM)
		emits(out, "</ul>");
	buf_add(out, "", 0); /* NUL-terminates, even when nothing was added */
}
