/*
 * mention.h - platform mentions in a command's arguments, read as people.
 *
 * Chat clients put a person into a message as markup: Slack `<@U0123>` or
 * `<@U0123|alice>`, a Matrix user id `@alice:example.org` or its pill
 * `https://matrix.to/#/@alice:example.org` (also inside a Markdown link),
 * a Discourse `@alice`.  Each platform's adapter knows its own markup (its
 * mention_at, registered through config.h like its identity syntax); this
 * file asks them in registry order.  mention_resolve() rewrites each into
 * `@handle`, the roster handle the identity maps to (config "identities",
 * then links).  A Discourse `@name` is read that way only when the caller is
 * on Discourse and discourse:name is mapped; elsewhere `@name` is a GitHub
 * handle as typed.  A mention right after ':' is part of an identity
 * (`link slack:<@U0123> ...`) and is left for the command to judge.
 * The dispatcher runs it once, before any handler; for a command whose
 * synopsis names people (`@handle`, `PERSON`) it refuses a Slack or Matrix
 * mention that maps to no handle, saying how to link it.
 */
#ifndef GOVBOT_MENTION_H
#define GOVBOT_MENTION_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/bot/bot.h"
#include "chatbot/util/util.h"

/* True when text may hold a mention (a cheap test: '<' or '@' or "matrix.to"). */
bool mention_maybe(const char *text);

/* Writes text with every mapped mention rewritten to out.  Returns the
 * number of mentions that map to no handle; the first of them (its
 * identity, "slack:U0123") goes to unmapped (NUL-terminated, truncated). */
size_t mention_resolve(struct govbot *bot, const char *caller_id, const char *text, struct buf *out,
		       char *unmapped, size_t unmapped_len);

/* True when an identity's ID part is chat markup rather than an ID
 * ("slack:<@U0123>", "matrix:https://matrix.to/#/@a:b"). */
bool mention_is_markup(const char *id);

#endif
