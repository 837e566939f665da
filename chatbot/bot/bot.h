/*
 * bot.h - the state one govbot process works on, shared by the dispatcher,
 * the command handlers and the adapters.  Created by main.c (bot_open),
 * freed by bot_close.  There is exactly one per process; tests make their own.
 */
#ifndef GOVBOT_BOT_H
#define GOVBOT_BOT_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/gov/gov.h"

struct config;
struct roster;
struct store;
struct grammar;
struct codeowners;

struct govbot {
	struct config *config;    /* owned; never NULL (defaults when no file) */
	struct roster *base;      /* owned; the roster file (or the bundled one) as read */
	struct roster *roster;    /* owned; base with accepted decisions applied */
	struct store *store;      /* owned; NULL when opened without a database */
	struct grammar *grammar;  /* owned; compiled command grammar */
	struct codeowners *codeowners; /* owned; the config's "codeowners", or NULL */
	long long now_override;   /* tests: when non-zero, "now" in seconds */
	/* governance's view of the above; filled by bot_gov() */
	struct gov_ctx gov;
	/* where decisions are announced: filled once, by bot_open() or by the
	 * first bot_gov() of a bot made by hand (bot_announce_targets) */
	const char *targets[GOV_MAX_TARGETS];
	size_t ntargets;
	bool targets_filled;
};

#include "chatbot/util/util.h"

/* bot_open() flags. */
#define BOT_OPEN_STORE 1u   /* open the config's database (run, ask, export-roster) */

/* Loads the config (config_path, else $GOVBOT_CONFIG, else the defaults),
 * the roster it names (else the bundled one), opens the store when flags
 * has BOT_OPEN_STORE and applies its decisions, and compiles the grammar.
 * Returns 0, or -1 with every problem in err (one per line) and bot
 * zeroed.  Free with bot_close(). */
int bot_open(struct govbot *bot, const char *config_path, unsigned flags, struct buf *err);
/* Loads the config's CODEOWNERS (when it names one) into bot->codeowners
 * and gives bot->base its aliases: the config's (else the bundled ones),
 * plus CODEOWNERS labels.  bot_open() calls it before bot->roster is made
 * from bot->base.  Returns 0, or -1 with the problem in err. */
int bot_load_names(struct govbot *bot, struct buf *err);
/* Frees everything bot_open() made; bot is zeroed.  Safe on a zeroed bot. */
void bot_close(struct govbot *bot);

/* The governance context of bot (store, base and current roster, announce
 * targets, vote days, bot_now as the clock), refreshed from bot's fields on
 * every call so that a test may set them directly (the targets are read
 * from the config once).  Borrowed: &bot->gov. */
struct gov_ctx *bot_gov(struct govbot *bot);

/* The announce targets of a config: config_announce_targets() (each
 * configured adapter whose announce key is set, or that has none, in the
 * order the adapters registered).  Fills up to max borrowed names; returns
 * the count. */
size_t bot_announce_targets(const struct config *c, const char **out, size_t max);

/* Seconds since the epoch: now_override when set, else $GOVBOT_NOW when set
 * (a positive integer), else the clock. */
long long bot_now(const struct govbot *bot);

#endif
