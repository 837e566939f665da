/* mention.c - see mention.h. */
#include "chatbot/bot/mention.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "chatbot/bot/identity.h"

#define PILL "https://matrix.to/#/"

bool mention_maybe(const char *text)
{
	return strpbrk(text, "<@") != NULL;
}

static bool slack_id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Matrix localpart and server characters (lenient). */
static bool mx_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '=' || c == '-' || c == '/' || c == '+';
}

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
}

/* A Matrix user id at s ("@alice:example.org[:8448]"): its length, or 0. */
static size_t matrix_id_len(const char *s)
{
	if (s[0] != '@')
		return 0;
	size_t i = 1;
	while (mx_char(s[i]) && s[i] != '/')
		i++;
	if (i == 1 || s[i] != ':')
		return 0;
	size_t host = ++i;
	bool dot = false;
	while (host_char(s[i])) {
		dot = dot || s[i] == '.';
		i++;
	}
	while (i > host && (s[i - 1] == '.' || s[i - 1] == ':'))
		i--;   /* "...example.org." ends a sentence */
	return dot && i > host ? i : 0;
}

/* Looks the identity up and appends @handle, or the original text. */
static void put(struct govbot *bot, const char *id, const char *orig, size_t n, struct buf *out,
		size_t *misses, char *unmapped, size_t ulen, bool count_miss)
{
	const char *h = identity_handle(bot, id);
	if (h) {
		buf_addc(out, '@');
		buf_adds(out, h);
		return;
	}
	buf_add(out, orig, n);
	if (!count_miss)
		return;
	if (!*misses && ulen)
		snprintf(unmapped, ulen, "%s", id);
	(*misses)++;
}

size_t mention_resolve(struct govbot *bot, const char *caller_id, const char *text, struct buf *out,
		       char *unmapped, size_t unmapped_len)
{
	size_t misses = 0;
	bool discourse = caller_id && str_istarts(caller_id, "discourse:");
	char id[IDENTITY_MAX_ID + 16];
	if (unmapped_len)
		unmapped[0] = '\0';
	for (const char *p = text; *p;) {
		bool after_colon = p > text && p[-1] == ':';
		bool word_start = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '@' || p[-1] == '.');
		if (after_colon && (*p == '<' || str_istarts(p, PILL))) {
			/* "slack:<@U0123>", "matrix:https://...": an identity written as markup,
			 * kept whole for the command to refuse */
			while (*p && !isspace((unsigned char)*p))
				buf_addc(out, *p++);
			continue;
		}
		/* Slack: <@U0123> or <@U0123|name> */
		if (p[0] == '<' && p[1] == '@' && slack_id_char(p[2]) && !after_colon) {
			size_t i = 2;
			while (slack_id_char(p[i]))
				i++;
			const char *end = NULL;
			if (p[i] == '>')
				end = p + i;
			else if (p[i] == '|')
				end = strchr(p + i, '>');
			if (end && i - 2 <= IDENTITY_MAX_ID) {
				snprintf(id, sizeof(id), "slack:%.*s", (int)(i - 2), p + 2);
				put(bot, id, p, (size_t)(end + 1 - p), out, &misses, unmapped, unmapped_len, true);
				p = end + 1;
				continue;
			}
		}
		/* Matrix pill: https://matrix.to/#/@user:server, bare or as a Markdown link target */
		if (str_istarts(p, PILL) && !after_colon) {
			size_t n = matrix_id_len(p + strlen(PILL));
			if (n && n <= IDENTITY_MAX_ID) {
				snprintf(id, sizeof(id), "matrix:%.*s", (int)n, p + strlen(PILL));
				/* [Alice](https://matrix.to/#/@alice:example.org): the whole link */
				const char *from = p, *to = p + strlen(PILL) + n;
				if (from >= text + 2 && from[-1] == '(' && from[-2] == ']' && *to == ')') {
					const char *open = from - 2;
					while (open > text && *open != '[')
						open--;
					if (*open == '[' && open >= text + 0 && out->len >= (size_t)(from - open)) {
						out->len -= (size_t)(from - open);
						from = open;
						to++;
					}
				}
				put(bot, id, from, (size_t)(to - from), out, &misses, unmapped, unmapped_len, true);
				p = to;
				continue;
			}
		}
		if (p[0] == '@' && word_start && !after_colon) {
			size_t n = matrix_id_len(p);
			if (n && n <= IDENTITY_MAX_ID) {
				snprintf(id, sizeof(id), "matrix:%.*s", (int)n, p);
				put(bot, id, p, n, out, &misses, unmapped, unmapped_len, true);
				p += n;
				continue;
			}
			if (discourse) {
				size_t i = 1;
				while (isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '-' || p[i] == '.')
					i++;
				while (i > 1 && p[i - 1] == '.')
					i--;
				if (i > 1 && i - 1 <= IDENTITY_MAX_ID) {
					snprintf(id, sizeof(id), "discourse:%.*s", (int)(i - 1), p + 1);
					/* unmapped: it may be the GitHub handle itself */
					put(bot, id, p, i, out, &misses, unmapped, unmapped_len, false);
					p += i;
					continue;
				}
			}
		}
		buf_addc(out, *p++);
	}
	return misses;
}

bool mention_is_markup(const char *id)
{
	const char *colon = id ? strchr(id, ':') : NULL;
	if (!colon)
		return false;
	const char *rest = colon + 1;
	return strpbrk(rest, "<>|[]()") != NULL || str_istarts(rest, "http://") || str_istarts(rest, "https://");
}
