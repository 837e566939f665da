/*
 * jsontok.h - a strict JSON tokenizer that allocates nothing, for hot paths
 * (one Socket Mode envelope per command) where building a cJSON tree costs
 * more than the command itself.
 *
 * jsontok_parse() checks the whole text (RFC 8259 syntax: strings with valid
 * escapes and no raw control characters, numbers, true/false/null, nesting
 * up to JSONTOK_MAX_DEPTH) and fills a caller-provided token array in
 * document order: an object's token is followed by its keys and values
 * (key, value, key, value ...), each value's subtree before the next key.
 *
 * Ownership: tokens point into the text by offset; the text must outlive
 * them.  jsontok_str() writes into a caller-owned buf.
 */
#ifndef GOVBOT_JSONTOK_H
#define GOVBOT_JSONTOK_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/util/util.h"

#define JSONTOK_MAX_DEPTH 64

enum jsontok_type {
	JSONTOK_OBJECT,
	JSONTOK_ARRAY,
	JSONTOK_STRING,     /* start..end is the raw text between the quotes */
	JSONTOK_NUMBER,
	JSONTOK_TRUE,
	JSONTOK_FALSE,
	JSONTOK_NULL,
};

struct jsontok {
	enum jsontok_type type;
	unsigned start, end;   /* byte offsets into the text */
	unsigned size;         /* object: members; array: elements */
	unsigned next;         /* index of the token after this one's subtree */
};

struct jsontok_doc {
	const char *text;
	size_t len;
	struct jsontok *tok;
	unsigned ntok;
};

/* Tokenizes text[0..len) into tok[0..max).  Returns 0 with doc filled, -1
 * when the text is not one JSON value (whitespace around it allowed), or -2
 * when it needs more than max tokens (retry with more). */
int jsontok_parse(struct jsontok_doc *doc, const char *text, size_t len, struct jsontok *tok,
		  unsigned max);

/* The token of key's value in object token obj, or -1 (obj is not an
 * object, or has no such key).  Keys compare as written (a key with
 * escapes never matches). */
int jsontok_get(const struct jsontok_doc *doc, int obj, const char *key);

/* Appends string token t, unescaped and NUL-terminated, to out; returns its
 * offset in out, or -1 when t is not a string.  Unescaping never makes a
 * string longer than its raw text, so reserving doc->len + 1 bytes in out
 * first keeps every earlier offset's pointer valid. */
long jsontok_str(const struct jsontok_doc *doc, int t, struct buf *out);

/* True when t is the literal true. */
bool jsontok_true(const struct jsontok_doc *doc, int t);

#endif
