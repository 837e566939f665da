/* bot.c - see bot.h. */
#include "chatbot/bot.h"
#include "chatbot/config.h"
#include "chatbot/grammar.h"
#include "chatbot/roster.h"

#include <string.h>

int bot_open(struct govbot *bot, const char *config_path, unsigned flags, struct buf *err)
{
	char msg[512];
	memset(bot, 0, sizeof(*bot));

	if (config_load(config_path, &bot->config, err) < 0)
		goto fail;

	if (bot->config->roster_path) {
		if (roster_load(bot->config->roster_path, &bot->base, msg, sizeof(msg)) < 0) {
			buf_addf(err, "roster: %s\n", msg);
			goto fail;
		}
	} else {
		bot->base = roster_load_default();
	}
	bot->roster = roster_clone(bot->base);

	if (flags & BOT_OPEN_STORE) {
		/* The governance store (issue 3) opens here, on bot->config->database,
		 * and applies its accepted decisions to bot->roster:
		 *   if (store_open(bot, bot->config->database, err) < 0) goto fail; */
	}

	bot->grammar = grammar_new(bot->config->bot_name);
	if (!bot->grammar) {
		buf_adds(err, "grammar: cannot compile the command grammar\n");
		goto fail;
	}
	return 0;

fail:
	bot_close(bot);
	return -1;
}

void bot_close(struct govbot *bot)
{
	if (!bot)
		return;
	/* store_close(bot->store) goes here (issue 3), before the roster. */
	grammar_free(bot->grammar);
	roster_free(bot->roster);
	roster_free(bot->base);
	config_free(bot->config);
	memset(bot, 0, sizeof(*bot));
}

long long bot_now(const struct govbot *bot)
{
	if (bot && bot->now_override)
		return bot->now_override;
	return time_now_s();
}
