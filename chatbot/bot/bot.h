/*
 * bot.h - the state one govbot process works on, shared by the dispatcher,
 * the command handlers and the adapters.  Created by main.c (bot_open),
 * freed by bot_close.  There is exactly one per process; tests make their own.
 */
#ifndef GOVBOT_BOT_H
#define GOVBOT_BOT_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct roster;
struct store;
struct grammar;

/* Most announce targets a bot has (one per adapter). */
#define BOT_MAX_TARGETS 8

struct govbot {
	struct config *config;    /* owned; never NULL (defaults when no file) */
	struct roster *base;      /* owned; the roster file (or the bundled one) as read */
	struct roster *roster;    /* owned; base with accepted decisions applied */
	struct store *store;      /* owned; NULL when opened without a database */
	struct grammar *grammar;  /* owned; compiled command grammar */
	long long now_override;   /* tests: when non-zero, "now" in seconds */
	/* Where announcements go: adapter names (static strings) from the
	 * config and the registered platforms (config_announce_targets), set
	 * by bot_open() / bot_set_targets().  None: announced nowhere. */
	const char *targets[BOT_MAX_TARGETS];
	size_t ntargets;
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
/* Sets bot->targets from bot->config (config_announce_targets). */
void bot_set_targets(struct govbot *bot);
/* Frees everything bot_open() made; bot is zeroed.  Safe on a zeroed bot. */
void bot_close(struct govbot *bot);

/* Seconds since the epoch: now_override when set, else $GOVBOT_NOW when set
 * (a positive integer), else the clock. */
long long bot_now(const struct govbot *bot);

#endif
