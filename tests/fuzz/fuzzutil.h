/* fuzzutil.h - what the libFuzzer targets share: one message through the
 * dispatcher, rendered, with the checks every target makes of the answer.
 * Each tests/fuzz/fuzz_*.c is its own binary (scripts/fuzz.sh), so this is
 * header-only and `static inline`. */
#ifndef GOVBOT_FUZZUTIL_H
#define GOVBOT_FUZZUTIL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/dispatch/dispatch.h"
#include "chatbot/bot/reply.h"
#include "chatbot/util/util.h"
#include "commands/commands.h"

/* True when needle occurs in hay[0..n), ignoring ASCII case. */
static inline bool fuzz_contains_ci(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (str_ieqn(hay + i, needle, k))
			return true;
	return false;
}

/* Dispatches req on bot into reply and renders the answer in dialect d into
 * out (reset first).  Aborts on a result outside enum cmd_result, an empty
 * answer, a NUL byte in the rendering, Slack markup a user could not have
 * meant (<!, <@, <http), or a crowd mention in a dialect that notifies.
 * Returns the rendered text, borrowed from out. */
static inline const char *fuzz_dispatch_checked(struct govbot *bot, const struct dispatch_request *req,
						struct reply *reply, enum reply_dialect d, struct buf *out)
{
	int rc = dispatch_line(bot, req, reply);
	if (rc != DISPATCH_IGNORED && (rc < CMD_OK || rc > CMD_FAILED))
		abort();
	if (rc != DISPATCH_IGNORED && reply_empty(reply))
		abort(); /* every answer says something */
	buf_reset(out);
	reply_render(reply, d, out);
	const char *o = buf_str(out);
	if (strlen(o) != out->len)
		abort(); /* no NUL bytes in a rendered reply */
	if (d == DIALECT_SLACK && (strstr(o, "<!") || strstr(o, "<@") || strstr(o, "<http")))
		abort();
	if (d == DIALECT_SLACK || d == DIALECT_MATRIX_HTML || d == DIALECT_MATRIX_PLAIN) {
		static const char *const crowd[] = { "@here", "@channel", "@everyone", "@room" };
		for (size_t i = 0; i < ARRAY_SIZE(crowd); i++)
			if (fuzz_contains_ci(o, out->len, crowd[i]))
				abort();
	}
	return o;
}

#endif
