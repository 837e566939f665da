/* bot.c - see bot.h. */
#include "chatbot/bot/bot.h"
#include "chatbot/bot/config.h"
#include "chatbot/gov/gov.h"
#include "chatbot/bot/grammar.h"
#include "chatbot/gov/motion.h"
#include "chatbot/roster/codeowners.h"
#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
#include "chatbot/gov/store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void fill_targets(struct govbot *bot);

/* Creates the directories above path ("var/" of "var/govbot.sqlite3") so a
 * fresh checkout can open its default database.  Returns 0 or -1 (errno). */
static int make_parent_dirs(const char *path)
{
	char *dir = xstrdup(path);
	int rc = 0;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

int bot_open(struct govbot *bot, const char *config_path, unsigned flags, struct buf *err)
{
	char msg[512];
	memset(bot, 0, sizeof(*bot));

	if (config_load(config_path, &bot->config, err) < 0)
		goto fail;
	fill_targets(bot);

	if (bot->config->roster_path) {
		if (roster_load(bot->config->roster_path, &bot->base, msg, sizeof(msg)) < 0) {
			buf_addf(err, "roster: %s\n", msg);
			goto fail;
		}
	} else {
		bot->base = roster_load_default();
	}
	if (bot_load_names(bot, err) < 0)
		goto fail;
	bot->roster = roster_clone(bot->base);

	if (flags & BOT_OPEN_STORE) {
		/* the governance store, and the decisions it holds applied */
		const char *db = bot->config->database;
		if (make_parent_dirs(db) < 0) {
			buf_addf(err, "database: %s: cannot create its directory: %s\n", db, strerror(errno));
			goto fail;
		}
		if (store_open(db, &bot->store, msg, sizeof(msg)) != STORE_OK) {
			buf_addf(err, "database: %s\n", msg);
			goto fail;
		}
		if (gov_roster_rebuild(bot_gov(bot)) != STORE_OK) {
			buf_addf(err, "database: %s: cannot apply the stored decisions: %s\n", db,
				 store_errmsg(bot->store));
			goto fail;
		}
		/* motions and elections whose deadline passed while no process ran */
		motion_close_expired(bot_gov(bot), bot_now(bot));
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

int bot_load_names(struct govbot *bot, struct buf *err)
{
	char msg[512];
	const struct config *c = bot->config;
	codeowners_free(bot->codeowners);
	bot->codeowners = NULL;
	if (c && c->codeowners_path &&
	    codeowners_load(c->codeowners_path, &bot->codeowners, msg, sizeof(msg)) < 0) {
		buf_addf(err, "codeowners: %s\n", msg);
		return -1;
	}
	if (!(c && c->aliases) && !bot->codeowners && !bot->base->aliases)
		return 0;   /* the page already names modules with the bundled aliases */
	struct lookup_aliases *a = lookup_aliases_clone(c && c->aliases ? c->aliases : lookup_aliases_bundled());
	if (bot->codeowners) {
		/* labels name the modules their paths find on the roster's own names */
		lookup_set_aliases(bot->base, a);
		codeowners_label_aliases(bot->codeowners, bot->base, a);
	}
	lookup_set_aliases(bot->base, a);
	lookup_aliases_free(a);
	return 0;
}

void bot_close(struct govbot *bot)
{
	if (!bot)
		return;
	codeowners_free(bot->codeowners);
	store_close(bot->store);
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
	/* tests: GOVBOT_NOW=SECONDS fixes "now" for a whole process */
	const char *env = getenv("GOVBOT_NOW");
	if (env && *env) {
		char *end;
		long long v = strtoll(env, &end, 10);
		if (*end == '\0' && v > 0)
			return v;
	}
	return time_now_s();
}

static long long gov_clock(void *arg)
{
	return bot_now(arg);
}

/* The announce targets: each configured adapter with its announce key set
 * (config_announce_targets, from the platforms the adapters registered). */
static void fill_targets(struct govbot *bot)
{
	size_t nt = bot_announce_targets(bot->config, bot->targets, ARRAY_SIZE(bot->targets));
	bot->ntargets = nt < ARRAY_SIZE(bot->targets) ? nt : ARRAY_SIZE(bot->targets);
	bot->targets_filled = true;
}

struct gov_ctx *bot_gov(struct govbot *bot)
{
	struct gov_ctx *g = &bot->gov;
	if (!bot->targets_filled)
		fill_targets(bot);
	g->store = bot->store;
	g->base = bot->base;
	g->current = &bot->roster;
	g->targets = bot->targets;
	g->ntargets = bot->ntargets;
	g->vote_days = bot->config && bot->config->vote_days > 0 ? bot->config->vote_days
								 : CONFIG_DEFAULT_VOTE_DAYS;
	g->nomination_days = bot->config ? bot->config->nomination_days : 0;
	g->digest = bot->config ? bot->config->agenda_digest : NULL;
	g->now = gov_clock;
	g->now_arg = bot;
	return g;
}

size_t bot_announce_targets(const struct config *c, const char **out, size_t max)
{
	return config_announce_targets(c, out, max);
}
