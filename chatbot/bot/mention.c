/* mention.c - see mention.h.  The platforms' markup is theirs: each
 * registered platform's mention_at() (chatbot/bot/config.h) says whether a
 * mention of one of its users starts at a place; this file only walks the
 * text, asks them in registry order, and rewrites what maps to a handle. */
#include "chatbot/bot/mention.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "chatbot/bot/config.h"
#include "chatbot/bot/identity.h"

bool mention_maybe(const char *text)
{
	return strpbrk(text, "<@") != NULL;
}

/* The first platform whose mention_at() finds a mention at p (caller: the
 * caller's platform, or NULL). */
static const struct config_platform *mention_at(const char *text, const char *p,
						const struct config_platform *caller,
						struct config_mention *m)
{
	const struct config_platform *pl;

	for (size_t i = 0; (pl = config_platform_nth(i)) != NULL; i++) {
		if (!pl->mention_at)
			continue;
		m->from = NULL;
		m->len = 0;
		m->id[0] = '\0';
		m->may_be_handle = false;
		if (pl->mention_at(text, p, pl == caller, m) && m->len && m->id[0] &&
		    strlen(m->id) <= IDENTITY_MAX_ID && m->from >= text && m->from <= p &&
		    m->from + m->len > p)
			return pl;
	}
	return NULL;
}

size_t mention_resolve(struct govbot *bot, const char *caller_id, const char *text, struct buf *out,
		       char *unmapped, size_t unmapped_len)
{
	size_t misses = 0;
	char id[IDENTITY_MAX_ID + 64];
	struct config_mention m;
	const struct config_platform *pl;

	const struct config_platform *caller =
		caller_id ? config_platform(caller_id, strcspn(caller_id, ":")) : NULL;

	if (unmapped_len)
		unmapped[0] = '\0';
	for (const char *p = text; *p;) {
		if (!(pl = mention_at(text, p, caller, &m))) {
			buf_addc(out, *p++);
			continue;
		}
		if (p > text && p[-1] == ':') {
			/* "slack:<@U0123>": an identity written as markup, kept
			 * whole for the command to refuse */
			while (*p && !isspace((unsigned char)*p))
				buf_addc(out, *p++);
			continue;
		}
		/* markup that began before p ("[Alice](" of a pill's link) was
		 * copied already: take it back */
		size_t back = (size_t)(p - m.from);
		out->len = out->len >= back ? out->len - back : 0;
		if (out->data)
			out->data[out->len] = '\0';
		snprintf(id, sizeof(id), "%s:%s", pl->name, m.id);
		const char *h = identity_handle(bot, id);
		if (h) {
			buf_addc(out, '@');
			buf_adds(out, h);
		} else {
			buf_add(out, m.from, m.len);
			if (!m.may_be_handle) {
				if (!misses && unmapped_len)
					snprintf(unmapped, unmapped_len, "%s", id);
				misses++;
			}
		}
		p = m.from + m.len;
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
