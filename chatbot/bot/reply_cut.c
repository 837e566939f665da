/*
 * reply_cut.c - cutting rendered text to a platform's message size: never
 * inside a UTF-8 sequence, an entity (&amp; &#64;) or an HTML tag, with a
 * "(truncated)" note in the dialect's own markup.  See reply.h.
 */
#include "chatbot/bot/reply.h"

#include <string.h>

/* The "(truncated)" note each dialect ends a cut text with. */
static const char *const cut_notes[] = {
	[DIALECT_CONSOLE] = "\n(truncated)",
	[DIALECT_SLACK] = "\n_(truncated)_",
	[DIALECT_MATRIX_HTML] = "<br><em>(truncated)</em>",
	[DIALECT_MATRIX_PLAIN] = "\n(truncated)",
	[DIALECT_DISCOURSE] = "\n\n_(truncated)_",
};

/* Longest entity we emit or pass through ("&#x1F600;" is 10 bytes). */
#define CUT_ENTITY_MAX 10
/* Longest tag or link looked back for. */
#define CUT_TAG_MAX 512

size_t reply_cut_len(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	/* a UTF-8 continuation byte at n: the character started before */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	/* inside an entity: "&am|p;" -> cut before the '&' */
	for (size_t k = n; k > 0 && n - k < CUT_ENTITY_MAX; k--) {
		char c = s[k - 1];
		if (c == ';' || c == ' ' || c == '\n' || c == '>' || c == '<')
			break;
		if (c == '&') {
			n = k - 1;
			break;
		}
	}
	/* inside an HTML tag or a Slack link: "<a hre|f=...>" -> cut before
	 * the '<' (looked for within CUT_TAG_MAX bytes: a plain-text '<' far
	 * back costs nothing) */
	for (size_t k = n; k > 0 && n - k < CUT_TAG_MAX; k--) {
		if (s[k - 1] == '>')
			break;
		if (s[k - 1] == '<') {
			n = k - 1;
			break;
		}
	}
	return n;
}

bool reply_limit(struct buf *text, size_t max, enum reply_dialect d)
{
	const char *note = (size_t)d < sizeof(cut_notes) / sizeof(cut_notes[0]) && cut_notes[d]
		? cut_notes[d] : "\n(truncated)";
	size_t nl = strlen(note);

	if (!max || text->len <= max)
		return false;
	text->len = reply_cut_len(text->data, text->len, max > nl ? max - nl : 0);
	text->data[text->len] = '\0';
	if (max > nl)
		buf_adds(text, note);
	return true;
}

size_t reply_split_len(const char *s, size_t len, size_t max)
{
	size_t n = reply_cut_len(s, len, max), k = n;

	if (n == len)
		return n;
	/* a line end in the second half makes a cleaner part */
	while (k > max / 2 && s[k - 1] != '\n')
		k--;
	if (k > 0 && s[k - 1] == '\n')
		return k;
	return n ? n : (len < max ? len : max);
}
