/*
 * dispatch.h - one line of text in, one reply out.
 *
 * The dispatcher validates the text (length, UTF-8, control characters),
 * runs the grammar (prefixes and plain-word questions), finds the command
 * in the table, resolves the caller's identity to a roster handle, checks
 * the command's role and authorize hook (and logs refusals), then runs the
 * handler.  Every adapter and `govbot ask` come through here.
 */
#ifndef GOVBOT_DISPATCH_H
#define GOVBOT_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/bot/bot.h"
#include "chatbot/bot/reply.h"

/* Returned when the text was not addressed to the bot (no prefix where one
 * is required): nothing to answer. */
#define DISPATCH_IGNORED (-1)

struct dispatch_request {
	const char *text;        /* the message as received (adapter markup removed) */
	size_t len;
	const char *caller_id;   /* "slack:U0123" */
	const char *place;       /* "slack:C111", or NULL */
	bool require_prefix;     /* true in shared rooms; false on the console, in DMs,
				  * for slash commands and for `ask` */
};

/* Returns an enum cmd_result, or DISPATCH_IGNORED.  The reply is reset first;
 * on every result but DISPATCH_IGNORED it holds the answer or the refusal. */
int dispatch_line(struct govbot *bot, const struct dispatch_request *req, struct reply *out);

#endif
