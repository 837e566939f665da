/* jsontok.c - see jsontok.h. */
#include "chatbot/util/jsontok.h"

#include <string.h>

struct parser {
	const char *s;
	size_t len, pos;
	struct jsontok *tok;
	unsigned ntok, max;
};

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		p->pos++;
	}
}

static int new_tok(struct parser *p, enum jsontok_type type, size_t start)
{
	if (p->ntok >= p->max)
		return -1;
	p->tok[p->ntok] = (struct jsontok){ type, (unsigned)start, (unsigned)start, 0, 0 };
	return (int)p->ntok++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* At the opening quote. */
static int parse_string(struct parser *p)
{
	int t = new_tok(p, JSONTOK_STRING, ++p->pos);

	if (t < 0)
		return -1;
	while (p->pos < p->len) {
		unsigned char c;
		p->pos += json_plain_len(p->s + p->pos, p->len - p->pos);
		if (p->pos >= p->len)
			break;
		c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->tok[t].end = (unsigned)p->pos++;
			p->tok[t].next = p->ntok;
			return t;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (++p->pos >= p->len)
				return -1;
			c = (unsigned char)p->s[p->pos];
			if (c == 'u') {
				if (p->len - p->pos < 5)
					return -1;
				for (int i = 1; i <= 4; i++)
					if (hexval(p->s[p->pos + i]) < 0)
						return -1;
				p->pos += 4;
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return -1;
			}
		}
		p->pos++;
	}
	return -1;
}

static int parse_number(struct parser *p)
{
	size_t start = p->pos;
	int t;

	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len)
		return -1;
	if (p->s[p->pos] == '0') {
		p->pos++;
	} else if (p->s[p->pos] >= '1' && p->s[p->pos] <= '9') {
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	} else {
		return -1;
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		size_t d = ++p->pos;
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (p->pos == d)
			return -1;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		size_t d = p->pos;
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (p->pos == d)
			return -1;
	}
	t = new_tok(p, JSONTOK_NUMBER, start);
	if (t >= 0) {
		p->tok[t].end = (unsigned)p->pos;
		p->tok[t].next = p->ntok;
	}
	return t;
}

static int parse_literal(struct parser *p, const char *word, enum jsontok_type type)
{
	size_t n = strlen(word);
	int t;

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return -1;
	t = new_tok(p, type, p->pos);
	p->pos += n;
	if (t >= 0) {
		p->tok[t].end = (unsigned)p->pos;
		p->tok[t].next = p->ntok;
	}
	return t;
}

static int parse_value(struct parser *p, int depth);

/* At '{' or '['. */
static int parse_container(struct parser *p, int depth, bool object)
{
	int t = new_tok(p, object ? JSONTOK_OBJECT : JSONTOK_ARRAY, p->pos);
	char close = object ? '}' : ']';

	if (t < 0 || depth >= JSONTOK_MAX_DEPTH)
		return -1;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
	} else {
		for (;;) {
			if (object) {
				skip_ws(p);
				if (p->pos >= p->len || p->s[p->pos] != '"' || parse_string(p) < 0)
					return -1;
				skip_ws(p);
				if (p->pos >= p->len || p->s[p->pos] != ':')
					return -1;
				p->pos++;
			}
			if (parse_value(p, depth + 1) < 0)
				return -1;
			p->tok[t].size++;
			skip_ws(p);
			if (p->pos >= p->len)
				return -1;
			if (p->s[p->pos] == ',') {
				p->pos++;
				continue;
			}
			if (p->s[p->pos] != close)
				return -1;
			p->pos++;
			break;
		}
	}
	p->tok[t].end = (unsigned)p->pos;
	p->tok[t].next = p->ntok;
	return t;
}

static int parse_value(struct parser *p, int depth)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return -1;
	switch (p->s[p->pos]) {
	case '{':
		return parse_container(p, depth, true);
	case '[':
		return parse_container(p, depth, false);
	case '"':
		return parse_string(p);
	case 't':
		return parse_literal(p, "true", JSONTOK_TRUE);
	case 'f':
		return parse_literal(p, "false", JSONTOK_FALSE);
	case 'n':
		return parse_literal(p, "null", JSONTOK_NULL);
	default:
		return parse_number(p);
	}
}

int jsontok_parse(struct jsontok_doc *doc, const char *text, size_t len, struct jsontok *tok,
		  unsigned max)
{
	struct parser p = { text, len, 0, tok, 0, max };

	memset(doc, 0, sizeof(*doc));
	if (!text || len >= 0xFFFFFFFFu)
		return -1;
	if (parse_value(&p, 0) < 0)
		return p.ntok >= max ? -2 : -1;
	skip_ws(&p);
	if (p.pos != len)
		return -1;
	doc->text = text;
	doc->len = len;
	doc->tok = tok;
	doc->ntok = p.ntok;
	return 0;
}

int jsontok_get(const struct jsontok_doc *doc, int obj, const char *key)
{
	size_t klen;
	unsigned k;

	if (obj < 0 || (unsigned)obj >= doc->ntok || doc->tok[obj].type != JSONTOK_OBJECT)
		return -1;
	klen = strlen(key);
	k = (unsigned)obj + 1;
	for (unsigned i = 0; i < doc->tok[obj].size; i++) {
		const struct jsontok *kt = &doc->tok[k];
		unsigned v = kt->next;
		if (kt->end - kt->start == klen && memcmp(doc->text + kt->start, key, klen) == 0)
			return (int)v;
		k = doc->tok[v].next;
	}
	return -1;
}

/* Appends code point cp as UTF-8. */
static void put_utf8(struct buf *out, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(out, b, n);
}

static unsigned hex4(const char *s)
{
	return (unsigned)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 | hexval(s[3]));
}

long jsontok_str(const struct jsontok_doc *doc, int t, struct buf *out)
{
	const struct jsontok *k;
	const char *s, *end, *run;
	long off;

	if (t < 0 || (unsigned)t >= doc->ntok || doc->tok[t].type != JSONTOK_STRING)
		return -1;
	k = &doc->tok[t];
	s = run = doc->text + k->start;
	end = doc->text + k->end;
	off = (long)out->len;
	buf_grow(out, (size_t)(end - s) + 1);
	while (s < end) {
		/* validated: the raw text holds no '"' and no control character,
		 * so only a backslash stops the run */
		s += json_plain_len(s, (size_t)(end - s));
		if (s >= end)
			break;
		buf_add(out, run, (size_t)(s - run));
		char c = s[1];
		s += 2;
		switch (c) {
		case 'b': buf_addc(out, '\b'); break;
		case 'f': buf_addc(out, '\f'); break;
		case 'n': buf_addc(out, '\n'); break;
		case 'r': buf_addc(out, '\r'); break;
		case 't': buf_addc(out, '\t'); break;
		case 'u': {
			unsigned cp = hex4(s);
			s += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && end - s >= 6 && s[0] == '\\' && s[1] == 'u') {
				unsigned lo = hex4(s + 2);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					s += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;   /* a lone surrogate */
			put_utf8(out, cp);
			break;
		}
		default: buf_addc(out, c); break;   /* " \ / */
		}
		run = s;
	}
	buf_add(out, run, (size_t)(s - run));
	buf_addc(out, '\0');
	return off;
}

bool jsontok_true(const struct jsontok_doc *doc, int t)
{
	return t >= 0 && (unsigned)t < doc->ntok && doc->tok[t].type == JSONTOK_TRUE;
}
