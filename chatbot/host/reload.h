/*
 * reload.h - re-reading the config and the roster in a running bot
 * (SIGHUP, `systemctl reload`), and telling what a reload would change
 * (`govbot check-config`).
 *
 * What a reload does:
 *   - reads the config file again (the one the bot started with), the
 *     roster file it names (or the bundled page) and its CODEOWNERS file;
 *   - refuses, with the reason, when either no longer reads (a config
 *     problem, a page that does not parse): the running config and roster
 *     are kept, nothing changes (an unreadable CODEOWNERS file too);
 *   - otherwise makes the new page the base and applies every stored
 *     decision on top again (decisions are never lost by a reload);
 *   - applies at once: "roster", "identities", "aliases", "codeowners" and
 *     "governance.vote_days";
 *     every other key that changed ("adapters", "http", "database",
 *     "bot_name", ...) is reported as taking effect at the next restart and
 *     keeps its running value;
 *   - records what is now running in the database (kv "running.config",
 *     "running.roster", "running.at"), so that `check-config` can compare.
 *
 * What check-config reports (reload_preview): the difference between what
 * the running bot recorded and what the files say now: modules added or
 * removed, maintainers added, removed, made emeritus or active again, a new
 * lead; identities mapped or unmapped; keys that need a restart.  Decisions
 * are applied on top of either side alike, so they are not part of it.
 *
 * Ownership: struct reload_state is owned by the host (reload_state_free);
 * reports are appended to caller-owned bufs.
 */
#ifndef GOVBOT_RELOAD_H
#define GOVBOT_RELOAD_H

#include "chatbot/bot/bot.h"
#include "chatbot/util/util.h"

struct cJSON;
struct roster;

struct reload_state {
	struct cJSON *config_json;  /* the config file as last (re)loaded; NULL: defaults */
	long long loaded_at;        /* when, seconds since the epoch */
};

/* At start: remembers the running config and records it (and bot->base) in
 * the database.  Never fails the start (a database error is logged). */
void reload_init(struct reload_state *st, struct govbot *bot);
void reload_state_free(struct reload_state *st);

/* Re-reads and applies as described above.  Returns 0 with the changes in
 * report (one "; "-separated line, "nothing changed" when none), or -1 with
 * the reason in report and nothing changed. */
int reload_apply(struct reload_state *st, struct govbot *bot, struct buf *report);

/* For check-config: what a reload of the bot running on database would
 * change, given the config c (its file) and the roster r read now.  Appends
 * lines to out.  Returns 1 when something would change, 0 when nothing
 * would, -1 when no running bot has recorded its state there (said in out). */
int reload_preview(const struct config *c, const struct roster *r, struct buf *out);

/* The roster difference a -> b (groups by title, people by handle, else
 * by name), as "; "-separated phrases appended to out; returns how many. */
int reload_roster_diff(const struct roster *a, const struct roster *b, struct buf *out);

#endif
