/* fuzz_grammar.c - libFuzzer target: arbitrary bytes through dispatch_line
 * (validation, grammar, commands) on a bot built from the bundled roster,
 * with no store, then rendered in a dialect.  Self-contained: build with
 *   clang -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_grammar.c LIBRARY...
 * (scripts/fuzz.sh does it for every target).
 *
 * The first input byte picks the options: bit 0 require_prefix, bits 1-3
 * the dialect, bits 4-5 the caller (unmapped, core, module maintainer,
 * none).  The rest is the message.  Besides crashes, it aborts when a
 * rendered reply could notify a crowd or carry markup. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/config.h"
#include "chatbot/dispatch/dispatch.h"
#include "chatbot/bot/grammar.h"
#include "chatbot/util/log.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"
#include "adapters/adapter.h"
#include "tests/fuzz/fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct govbot bot;
static struct reply *reply;
static struct buf out;

static void add_identity(struct config *c, const char *handle, const char *id)
{
	c->identities = xrealloc(c->identities, (c->nidentities + 1) * sizeof(*c->identities));
	struct config_identity *ci = &c->identities[c->nidentities++];
	ci->handle = xstrdup(handle);
	ci->ids = xcalloc(1, sizeof(char *));
	ci->ids[0] = xstrdup(id);
	ci->nids = 1;
}

static void init(void)
{
	adapters_register();   /* the platforms identities may name, as main.c does */
	log_set_level(LOG_ERROR); /* refusals are logged at info: keep the output quiet */
	bot.config = config_default();
	add_identity(bot.config, "ezyang", "console:ed");
	add_identity(bot.config, "albanD", "console:alban");
	bot.base = roster_load_default();
	bot.roster = roster_clone(bot.base);
	bot.grammar = grammar_new(NULL);
	if (!bot.grammar)
		abort();
	reply = reply_new();
	buf_init(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const callers[] = { "console:fuzz", "console:ed", "console:alban", NULL };
	if (!reply)
		init();
	if (size == 0)
		return 0;
	unsigned flags = data[0];
	enum reply_dialect d = (enum reply_dialect)(((flags >> 1) & 7) % 5);
	struct dispatch_request req = {
		(const char *)data + 1, size - 1, callers[(flags >> 4) & 3], "console:fuzz", flags & 1,
	};

	/* a copy of exactly the message, so any read past it is caught */
	char *msg = malloc(req.len ? req.len : 1);
	memcpy(msg, req.text, req.len);
	req.text = msg;

	const char *o = fuzz_dispatch_checked(&bot, &req, reply, d, &out);
	if (d == DIALECT_MATRIX_HTML && (fuzz_contains_ci(o, out.len, "<script") || strstr(o, "<a ")))
		abort();
	free(msg);
	return 0;
}
