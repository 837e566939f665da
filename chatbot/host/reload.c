/* reload.c - see reload.h. */
#include "chatbot/host/reload.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chatbot/bot/config.h"
#include "chatbot/gov/gov.h"
#include "chatbot/gov/store.h"
#include "chatbot/roster/codeowners.h"
#include "chatbot/roster/roster.h"
#include "chatbot/util/log.h"

#define CONFIG_MAX (1u << 20)

/* Config keys a reload applies at once; any other changed key waits for a
 * restart (adapters hold connections, the listener its port, the store its
 * file). */
static bool live_key(const char *key)
{
	return strcmp(key, "roster") == 0 || strcmp(key, "identities") == 0 ||
	       strcmp(key, "aliases") == 0 || strcmp(key, "codeowners") == 0;
}

/* ---- phrases: one per line in a buf ---- */

static void phrase(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void phrase(struct buf *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(out, fmt, ap);
	va_end(ap);
	buf_addc(out, '\n');
}

/* The lines of in, joined by sep, appended to out. */
static void join_lines(struct buf *out, const struct buf *in, const char *sep)
{
	const char *s = buf_str(in);
	bool first = true;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		if (n) {
			if (!first)
				buf_adds(out, sep);
			buf_add(out, s, n);
			first = false;
		}
		s += n + (nl ? 1 : 0);
	}
}

/* ---- the roster difference ---- */

static const struct roster_person *find_person(const struct roster_group *g,
					       const struct roster_person *p)
{
	for (size_t i = 0; i < g->npeople; i++) {
		const struct roster_person *q = &g->people[i];
		if (p->handle ? (q->handle && str_ieq(p->handle, q->handle))
			      : (!q->handle && strcmp(p->name, q->name) == 0))
			return q;
	}
	return NULL;
}

static const struct roster_group *find_group(const struct roster *r, const char *title)
{
	for (size_t i = 0; i < r->ngroups; i++)
		if (str_ieq(r->groups[i].title, title))
			return &r->groups[i];
	return NULL;
}

static void who(struct buf *out, const struct roster_person *p)
{
	if (p->handle)
		buf_addf(out, "@%s", p->handle);
	else
		buf_adds(out, p->name);
}

static int group_diff(const struct roster_group *ga, const struct roster_group *gb, struct buf *out)
{
	int n = 0;
	for (size_t i = 0; i < gb->npeople; i++) {
		const struct roster_person *p = &gb->people[i], *q = find_person(ga, p);
		if (q && q->emeritus == p->emeritus)
			continue;
		buf_adds(out, q ? (p->emeritus ? "emeritus: " : "active again: ")
			 : (p->emeritus ? "+ emeritus " : "+ "));
		who(out, p);
		phrase(out, " in %s", gb->title);
		n++;
	}
	for (size_t i = 0; i < ga->npeople; i++) {
		const struct roster_person *p = &ga->people[i];
		if (find_person(gb, p))
			continue;
		buf_adds(out, "- ");
		who(out, p);
		phrase(out, " from %s", ga->title);
		n++;
	}
	return n;
}

int reload_roster_diff(const struct roster *a, const struct roster *b, struct buf *out)
{
	int n = 0;
	for (size_t i = 0; i < a->ngroups; i++)
		if (!find_group(b, a->groups[i].title)) {
			phrase(out, "module removed: %s", a->groups[i].title);
			n++;
		}
	for (size_t i = 0; i < b->ngroups; i++) {
		const struct roster_group *ga = find_group(a, b->groups[i].title);
		if (!ga) {
			phrase(out, "module added: %s (%zu active maintainers)", b->groups[i].title,
			       roster_group_active(&b->groups[i]));
			n++;
		} else {
			n += group_diff(ga, &b->groups[i], out);
		}
	}
	return n;
}

/* ---- the config difference ---- */

static void identities_diff(const cJSON *a, const cJSON *b, struct buf *out)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, b) {
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(a, it->string);
		if (!old)
			phrase(out, "identities: @%s mapped", it->string);
		else if (!cJSON_Compare(old, it, true))
			phrase(out, "identities: @%s changed", it->string);
	}
	cJSON_ArrayForEach(it, a)
		if (!cJSON_GetObjectItemCaseSensitive(b, it->string))
			phrase(out, "identities: @%s unmapped", it->string);
}

/* Appends what changed between two config files (NULL: the built-in
 * defaults) to live (applied by a reload) and restart (not). */
static void config_diff(const cJSON *a, const cJSON *b, struct buf *live, struct buf *restart)
{
	const cJSON *sides[2] = { a, b }, *it;
	for (int s = 0; s < 2; s++) {
		cJSON_ArrayForEach(it, sides[s]) {
			const cJSON *other = cJSON_GetObjectItemCaseSensitive(sides[1 - s], it->string);
			if (s == 1 && other)
				continue;   /* seen from a's side */
			const cJSON *x = s == 0 ? it : NULL, *y = s == 0 ? other : it;
			if (x && y && cJSON_Compare(x, y, true))
				continue;
			if (strcmp(it->string, "identities") == 0) {
				identities_diff(x, y, live);
			} else if (strcmp(it->string, "roster") == 0) {
				phrase(live, "roster file: %s -> %s", cJSON_IsString(x) ? x->valuestring : "bundled",
				       cJSON_IsString(y) ? y->valuestring : "bundled");
			} else if (strcmp(it->string, "governance") == 0) {
				const cJSON *va = cJSON_GetObjectItemCaseSensitive(x, "vote_days");
				const cJSON *vb = cJSON_GetObjectItemCaseSensitive(y, "vote_days");
				cJSON *xa = x ? cJSON_Duplicate(x, true) : cJSON_CreateObject();
				cJSON *yb = y ? cJSON_Duplicate(y, true) : cJSON_CreateObject();
				if (!cJSON_Compare(va, vb, true) && (va || vb))
					phrase(live, "governance.vote_days: %d -> %d",
					       va ? va->valueint : CONFIG_DEFAULT_VOTE_DAYS,
					       vb ? vb->valueint : CONFIG_DEFAULT_VOTE_DAYS);
				cJSON_DeleteItemFromObjectCaseSensitive(xa, "vote_days");
				cJSON_DeleteItemFromObjectCaseSensitive(yb, "vote_days");
				if (!cJSON_Compare(xa, yb, true))
					phrase(restart, "governance");
				cJSON_Delete(xa);
				cJSON_Delete(yb);
			} else if (live_key(it->string)) {
				phrase(live, "%s changed", it->string);
			} else {
				phrase(restart, "%s", it->string);
			}
		}
	}
}

/* The config file as JSON (NULL for no file, or one that does not parse). */
static cJSON *read_json(const char *path)
{
	char err[256];
	size_t len;
	char *text;
	cJSON *j;

	if (!path)
		return NULL;
	text = file_read(path, CONFIG_MAX, &len, err, sizeof(err));
	if (!text)
		return NULL;
	j = cJSON_ParseWithLength(text, len);
	free(text);
	return j;
}

/* ---- recording what runs ---- */

static void record(const struct reload_state *st, struct govbot *bot)
{
	struct buf md = BUF_INIT;
	char at[32], *cfg;

	if (!bot->store)
		return;
	cfg = st->config_json ? cJSON_PrintUnformatted(st->config_json) : NULL;
	roster_write(bot->base, ROSTER_FMT_MD, &md);
	snprintf(at, sizeof(at), "%lld", st->loaded_at);
	if (store_begin(bot->store) != STORE_OK ||
	    store_kv_set(bot->store, "running.config", cfg ? cfg : "null") != STORE_OK ||
	    store_kv_set(bot->store, "running.roster", buf_str(&md)) != STORE_OK ||
	    store_kv_set(bot->store, "running.at", at) != STORE_OK ||
	    store_commit(bot->store) != STORE_OK) {
		store_rollback(bot->store);
		log_warn("reload", "could not record the running config in the database; "
			 "check-config cannot compare with it");
	}
	free(cfg);
	buf_release(&md);
}

void reload_init(struct reload_state *st, struct govbot *bot)
{
	memset(st, 0, sizeof(*st));
	st->config_json = read_json(bot->config->path);
	st->loaded_at = time_now_s();
	record(st, bot);
}

void reload_state_free(struct reload_state *st)
{
	cJSON_Delete(st->config_json);
	memset(st, 0, sizeof(*st));
}

/* ---- reload ---- */

#define SWAP(type, a, b) do { type t_ = (a); (a) = (b); (b) = t_; } while (0)

/* Swaps the fields a reload applies between the running config and the
 * new one (which is then freed with the old values). */
static void swap_live(struct config *run, struct config *next)
{
	SWAP(char *, run->roster_path, next->roster_path);
	SWAP(struct config_identity *, run->identities, next->identities);
	SWAP(size_t, run->nidentities, next->nidentities);
	SWAP(int, run->vote_days, next->vote_days);
	SWAP(struct lookup_aliases *, run->aliases, next->aliases);
	SWAP(char *, run->codeowners_path, next->codeowners_path);
}

int reload_apply(struct reload_state *st, struct govbot *bot, struct buf *report)
{
	struct buf problems = BUF_INIT, live = BUF_INIT, restart = BUF_INIT;
	struct config *nc = NULL;
	struct roster *nr = NULL, *old;
	struct govbot names;      /* the new config's names applied to the new page */
	cJSON *nj = NULL;
	char msg[512];
	int rc = -1;

	memset(&names, 0, sizeof(names));
	if (!bot->config->path) {
		buf_adds(report, "no config file to re-read (running on the built-in defaults and the "
			 "bundled roster); nothing changed");
		return 0;
	}
	if (config_load(bot->config->path, &nc, &problems) < 0) {
		buf_addf(report, "refused: %s: ", bot->config->path);
		join_lines(report, &problems, "; ");
		buf_adds(report, "; the running config and roster are kept");
		goto out;
	}
	if (nc->roster_path) {
		if (roster_load(nc->roster_path, &nr, msg, sizeof(msg)) < 0) {
			buf_addf(report, "refused: roster: %s; the running roster is kept", msg);
			goto out;
		}
	} else {
		nr = roster_load_default();
	}
	/* the module names the new config gives: its aliases (else the
	 * bundled ones) and its CODEOWNERS' labels, read again too */
	names.config = nc;
	names.base = nr;
	if (bot_load_names(&names, &problems) < 0) {
		buf_adds(report, "refused: ");
		join_lines(report, &problems, "; ");
		buf_adds(report, "; the running config and roster are kept");
		goto out;
	}
	nj = read_json(bot->config->path);
	config_diff(st->config_json, nj, &live, &restart);
	reload_roster_diff(bot->base, nr, &live);

	/* the new page, with every stored decision applied on top */
	old = bot->base;
	bot->base = nr;
	if (bot->store) {
		if (gov_roster_rebuild(bot_gov(bot)) != STORE_OK) {
			bot->base = old;
			buf_adds(report, "refused: the stored decisions could not be read to apply them to "
				 "the new roster; the running roster is kept");
			goto out;
		}
	} else {
		roster_free(bot->roster);
		bot->roster = roster_clone(nr);
	}
	nr = NULL;
	roster_free(old);
	swap_live(bot->config, nc);
	SWAP(struct codeowners *, bot->codeowners, names.codeowners);
	cJSON_Delete(st->config_json);
	st->config_json = nj;
	nj = NULL;
	st->loaded_at = time_now_s();
	record(st, bot);

	if (live.len)
		join_lines(report, &live, "; ");
	else
		buf_adds(report, "nothing changed");
	if (restart.len) {
		buf_adds(report, "; changed but kept until the next restart: ");
		join_lines(report, &restart, ", ");
	}
	rc = 0;
out:
	codeowners_free(names.codeowners);
	cJSON_Delete(nj);
	roster_free(nr);
	config_free(nc);
	buf_release(&problems);
	buf_release(&live);
	buf_release(&restart);
	return rc;
}

/* ---- check-config's preview ---- */

/* kv values of the running bot from the database at path (read-only; never
 * created).  Returns 0, or -1 with the reason in out. */
static int read_running(const char *path, char **cfg, char **roster, long long *at, struct buf *out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int rc = -1;

	*cfg = *roster = NULL;
	*at = 0;
	if (stat(path, &sb) < 0) {
		buf_addf(out, "reload: no database at %s yet, so no running bot to compare with\n", path);
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT key, value FROM kv WHERE key IN ('running.config',"
			       "'running.roster','running.at')", -1, &st, NULL) != SQLITE_OK) {
		buf_addf(out, "reload: cannot read %s: %s\n", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(db, 2000);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		if (!k || !v)
			continue;
		if (strcmp(k, "running.config") == 0)
			*cfg = xstrdup(v);
		else if (strcmp(k, "running.roster") == 0)
			*roster = xstrdup(v);
		else
			*at = strtoll(v, NULL, 10);
	}
	if (!*cfg || !*roster) {
		buf_addf(out, "reload: no running bot has recorded its state in %s (it does so at start "
			 "and at each reload)\n", path);
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (rc < 0) {
		free(*cfg);
		free(*roster);
		*cfg = *roster = NULL;
	}
	return rc;
}

int reload_preview(const struct config *c, const struct roster *r, struct buf *out)
{
	struct buf live = BUF_INIT, restart = BUF_INIT;
	struct roster *running = NULL;
	cJSON *old_cfg, *new_cfg;
	char *cfg, *md, msg[256], day[40];
	long long at;
	int rc;

	if (read_running(c->database, &cfg, &md, &at, out) < 0)
		return -1;
	if (roster_parse(md, strlen(md), &running, msg, sizeof(msg)) < 0) {
		buf_addf(out, "reload: the roster the running bot recorded does not read: %s\n", msg);
		free(cfg);
		free(md);
		return -1;
	}
	old_cfg = cJSON_Parse(cfg);
	new_cfg = read_json(c->path);
	config_diff(old_cfg, new_cfg, &live, &restart);
	reload_roster_diff(running, r, &live);
	gov_format_time(at, day, sizeof(day));
	if (!live.len && !restart.len) {
		buf_addf(out, "reload: nothing would change (the running bot loaded its config and "
			 "roster on %s)\n", day);
		rc = 0;
	} else {
		const char *s = buf_str(&live);
		buf_addf(out, "reload: compared with what the running bot loaded on %s:\n", day);
		while (*s) {
			const char *nl = strchr(s, '\n');
			buf_addf(out, "reload: would apply: %.*s\n", (int)(nl - s), s);
			s = nl + 1;
		}
		if (restart.len) {
			buf_adds(out, "reload: changed, but needs a restart: ");
			join_lines(out, &restart, ", ");
			buf_addc(out, '\n');
		}
		rc = 1;
	}
	cJSON_Delete(old_cfg);
	cJSON_Delete(new_cfg);
	roster_free(running);
	free(cfg);
	free(md);
	buf_release(&live);
	buf_release(&restart);
	return rc;
}
