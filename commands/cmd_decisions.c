/*
 * cmd_decisions.c - reading the governance state: `nominations`, `show`,
 * `decisions` and `agenda` (the changing commands are in cmd_nominations.c).
 * Anyone may run these; they never write.
 */
#include "commands/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/gov/gov.h"
#include "chatbot/gov/motion.h"
#include "commands/govcmd.h"

#define LIST_MAX 50
#define DECISIONS_DEFAULT 10
#define DECISIONS_MAX 100
#define HISTORY_DETAIL 160

static int read_failed(struct command_ctx *ctx)
{
	reply_reset(ctx->reply);
	reply_text(ctx->reply, "the database could not be read just now; try again in a moment");
	return CMD_FAILED;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? v : "";
}

/* "@handle" when known, else the identity. */
static void reply_actor(struct reply *r, const char *handle, const char *id)
{
	if (handle && *handle)
		reply_handle(r, handle);
	else
		reply_text(r, id && *id ? id : "someone");
}

static long long letters_of(struct store *s, long long id, const char *kind)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM letters WHERE item_id = ?1 AND kind = ?2");
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return n;
}

/* One list row: "7 · nomination of @alice ... — open, lacks support". */
static void item_row(struct command_ctx *ctx, const struct gov_item *it)
{
	struct buf missing = BUF_INIT;
	reply_item(ctx->reply);
	reply_textf(ctx->reply, "%lld · ", it->id);
	govcmd_describe_item(ctx->reply, it);
	if (strcmp(it->state, "open") == 0) {
		if (gov_missing_fields(ctx->bot->store, it, &missing) > 0)
			reply_textf(ctx->reply, " — open, lacks %s", buf_str(&missing));
		else
			reply_textf(ctx->reply, " — open, waits for %s", gov_decider(it));
	} else {
		char day[40];
		gov_format_time(it->closed_at, day, sizeof(day));
		reply_textf(ctx->reply, " — %s on %s", it->state, day);
	}
	buf_release(&missing);
}

int cmd_nominations(struct command_ctx *ctx)
{
	struct store *s = ctx->bot->store;
	if (!s)
		return govcmd_no_store(ctx);
	const char *a = ctx->args;
	const char *filter = "open", *handle = NULL;
	if (*a == '@') {
		handle = a + 1;
		filter = "person";
	} else if (str_ieq(a, "all")) {
		filter = "all";
	} else if (*a && !str_ieq(a, "open")) {
		reply_text(ctx->reply, "list which ones? usage: ");
		reply_code(ctx->reply, "nominations [open|all|@handle]");
		return CMD_ERROR;
	}
	sqlite3_stmt *st = store_stmt(s,
		"SELECT id FROM items WHERE kind IN ('nominate-module','nominate-core','remove-module',"
		"'remove-core') AND (?1 = 'all' OR (?1 = 'open' AND state = 'open')"
		" OR (?1 = 'person' AND subject = ?2 COLLATE NOCASE)) ORDER BY id DESC LIMIT ?3");
	if (!st)
		return read_failed(ctx);
	sqlite3_bind_text(st, 1, filter, -1, SQLITE_STATIC);
	if (handle)
		sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, LIST_MAX + 1);
	long long ids[LIST_MAX + 1];
	int n = 0, rc;
	while (n < LIST_MAX + 1 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n == 0) {
		if (handle) {
			reply_text(ctx->reply, "no nomination or removal names ");
			reply_handle(ctx->reply, handle);
		} else {
			reply_textf(ctx->reply, "no %snominations; open one with ",
				    strcmp(filter, "open") == 0 ? "open " : "");
			reply_code(ctx->reply, "nominate @handle for MODULE|core");
		}
		return CMD_OK;
	}
	if (handle) {
		reply_text(ctx->reply, "Nominations and removals of ");
		reply_handle(ctx->reply, handle);
		reply_text(ctx->reply, ", newest first:");
	} else {
		reply_textf(ctx->reply, "%s nominations and removals, newest first:",
			    strcmp(filter, "open") == 0 ? "Open" : "All");
	}
	for (int i = 0; i < n && i < LIST_MAX; i++) {
		struct gov_item it;
		if (gov_item_get(s, ids[i], &it) != 1)
			continue;
		item_row(ctx, &it);
		gov_item_release(&it);
	}
	reply_para(ctx->reply);
	if (n > LIST_MAX)
		reply_textf(ctx->reply, "Only the newest %d are listed. ", LIST_MAX);
	reply_code(ctx->reply, "show N");
	reply_text(ctx->reply, " shows one with its fields, letters and history.");
	return CMD_OK;
}

/* The statement sql (borrowed from the store's cache; reset it after use)
 * with ?1 bound to the item id; NULL when it could not be prepared. */
static sqlite3_stmt *item_rows(struct command_ctx *ctx, const char *sql, long long id)
{
	sqlite3_stmt *st = store_stmt(ctx->bot->store, sql);
	if (st)
		sqlite3_bind_int64(st, 1, id);
	return st;
}

static void show_fields(struct command_ctx *ctx, const struct gov_item *it)
{
	static const char *const names[] = { "contributions", "interactions", "support" };
	if (gov_kind_is_removal(it->kind)) {
		reply_item(ctx->reply);
		reply_strong(ctx->reply, "reason");
		reply_textf(ctx->reply, ": %s", it->text && *it->text ? it->text : "(missing)");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		sqlite3_stmt *st = item_rows(ctx, "SELECT text FROM fields WHERE item_id = ?1 AND name = ?2", it->id);
		if (!st)
			return;
		sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
		reply_item(ctx->reply);
		reply_strong(ctx->reply, names[i]);
		reply_textf(ctx->reply, ": %s", sqlite3_step(st) == SQLITE_ROW ? col(st, 0) : "(missing)");
		sqlite3_reset(st);
	}
}

/* Starts a paragraph with title the first time only (*any tells). */
static void heading_once(struct reply *r, bool *any, const char *title)
{
	if (*any)
		return;
	reply_para(r);
	reply_text(r, title);
	*any = true;
}

static void show_letters(struct command_ctx *ctx, long long id)
{
	sqlite3_stmt *st = item_rows(ctx, "SELECT kind, by_handle, by_id, text, at"
				     " FROM letters WHERE item_id = ?1 ORDER BY id", id);
	if (!st)
		return;
	bool any = false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		heading_once(ctx->reply, &any, "Letters:");
		char day[40];
		gov_format_time(sqlite3_column_int64(st, 4), day, sizeof(day));
		reply_item(ctx->reply);
		reply_text(ctx->reply, strcmp(col(st, 0), "support") == 0 ? "support from " : "objection from ");
		reply_actor(ctx->reply, (const char *)sqlite3_column_text(st, 1), col(st, 2));
		reply_textf(ctx->reply, " (%s): %s", day, col(st, 3));
	}
	sqlite3_reset(st);
}

static void show_recusals(struct command_ctx *ctx, long long id)
{
	sqlite3_stmt *st = item_rows(ctx, "SELECT handle, reason FROM recusals"
				     " WHERE item_id = ?1 ORDER BY at, handle", id);
	if (!st)
		return;
	bool any = false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		heading_once(ctx->reply, &any, "Recused:");
		reply_item(ctx->reply);
		reply_handle(ctx->reply, col(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			reply_textf(ctx->reply, " (%s)", col(st, 1));
	}
	sqlite3_reset(st);
}

/* " Rationale: TEXT", ended as a sentence so that a tally can follow it. */
static void say_rationale(struct reply *r, const char *text)
{
	size_t n = strlen(text);
	reply_textf(r, " Rationale: %s", text);
	if (n == 0 || !strchr(".!?", text[n - 1]))
		reply_text(r, ".");
}
static void show_decisions(struct command_ctx *ctx, long long id)
{
	sqlite3_stmt *st = item_rows(ctx, "SELECT id, outcome, by_handle, by_id, rationale,"
				     " tally, at FROM decisions WHERE item_id = ?1 ORDER BY id", id);
	if (!st)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char day[40];
		gov_format_time(sqlite3_column_int64(st, 6), day, sizeof(day));
		reply_para(ctx->reply);
		reply_strong(ctx->reply, "Decision");
		reply_textf(ctx->reply, " %lld: %s", sqlite3_column_int64(st, 0), col(st, 1));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL || sqlite3_column_type(st, 3) != SQLITE_NULL) {
			reply_text(ctx->reply, " by ");
			reply_actor(ctx->reply, (const char *)sqlite3_column_text(st, 2), col(st, 3));
		}
		reply_textf(ctx->reply, " on %s.", day);
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			say_rationale(ctx->reply, col(st, 4));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			reply_textf(ctx->reply, " Tally: %s", col(st, 5));
	}
	sqlite3_reset(st);
}

static void show_history(struct command_ctx *ctx, long long id)
{
	sqlite3_stmt *st = item_rows(ctx, "SELECT at, actor_handle, actor_id, platform,"
				     " action, detail FROM audit WHERE item_id = ?1 ORDER BY id", id);
	if (!st)
		return;
	reply_para(ctx->reply);
	reply_text(ctx->reply, "History:");
	while (sqlite3_step(st) == SQLITE_ROW) {
		char day[40];
		gov_format_time(sqlite3_column_int64(st, 0), day, sizeof(day));
		reply_item(ctx->reply);
		reply_textf(ctx->reply, "%s ", day);
		reply_actor(ctx->reply, (const char *)sqlite3_column_text(st, 1), col(st, 2));
		reply_textf(ctx->reply, " (%s): %s", col(st, 3), col(st, 4));
		const char *d = col(st, 5);
		if (*d) {
			size_t n = strlen(d);
			reply_text(ctx->reply, " — ");
			reply_textn(ctx->reply, d, n > HISTORY_DETAIL ? HISTORY_DETAIL : n);
			if (n > HISTORY_DETAIL)
				reply_text(ctx->reply, "…");
		}
	}
	sqlite3_reset(st);
}

int cmd_show(struct command_ctx *ctx)
{
	struct store *s = ctx->bot->store;
	long long id;
	if (!s)
		return govcmd_no_store(ctx);
	if (gov_parse_number(ctx->args, &id, NULL) < 0) {
		reply_text(ctx->reply, "show which item? usage: ");
		reply_code(ctx->reply, "show N");
		return CMD_ERROR;
	}
	struct gov_item it;
	int rc = gov_item_get(s, id, &it);
	if (rc < 0)
		return read_failed(ctx);
	if (rc == 0) {
		reply_textf(ctx->reply, "there is no nomination or motion %lld; ", id);
		reply_code(ctx->reply, "nominations all");
		reply_text(ctx->reply, " lists them");
		return CMD_ERROR;
	}
	char day[40];
	gov_format_time(it.created_at, day, sizeof(day));
	reply_textf(ctx->reply, "%lld: ", it.id);
	govcmd_describe_item(ctx->reply, &it);
	reply_textf(ctx->reply, " — %s.", it.state);
	reply_para(ctx->reply);
	reply_text(ctx->reply, "Opened by ");
	reply_actor(ctx->reply, it.opened_by_handle, it.opened_by);
	reply_textf(ctx->reply, " on %s.", day);
	if (it.subject_name)
		reply_textf(ctx->reply, " Nominee's name: %s.", it.subject_name);
	if (strcmp(it.state, "open") == 0)
		reply_textf(ctx->reply, " Decided by %s.", gov_decider(&it));
	if (gov_kind_is_vote(it.kind)) {
		reply_para(ctx->reply);
		govcmd_describe_motion(bot_gov(ctx->bot), it.id, ctx->reply);
	} else {
		show_fields(ctx, &it);
		show_letters(ctx, it.id);
	}
	show_recusals(ctx, it.id);
	show_decisions(ctx, it.id);
	show_history(ctx, it.id);
	gov_item_release(&it);
	return CMD_OK;
}

int cmd_decisions(struct command_ctx *ctx)
{
	struct store *s = ctx->bot->store;
	long long limit = DECISIONS_DEFAULT;
	if (!s)
		return govcmd_no_store(ctx);
	if (*ctx->args && (gov_parse_number(ctx->args, &limit, NULL) < 0 || limit > DECISIONS_MAX)) {
		reply_textf(ctx->reply, "how many? give a number from 1 to %d; usage: ", DECISIONS_MAX);
		reply_code(ctx->reply, "decisions [N]");
		return CMD_ERROR;
	}
	sqlite3_stmt *st = store_stmt(s, "SELECT id, item_id, outcome, by_handle, by_id, rationale,"
				      " tally, at FROM decisions ORDER BY id DESC LIMIT ?1");
	if (!st)
		return read_failed(ctx);
	sqlite3_bind_int64(st, 1, limit);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0)
			reply_text(ctx->reply, "Decisions and results, newest first:");
		char day[40];
		gov_format_time(sqlite3_column_int64(st, 7), day, sizeof(day));
		long long item = sqlite3_column_int64(st, 1);
		reply_item(ctx->reply);
		reply_textf(ctx->reply, "%s — %s, item %lld", day, col(st, 2), item);
		struct gov_item it;
		/* another cached statement: the outer one keeps stepping */
		sqlite3_stmt *q = store_stmt(s, "SELECT kind, subject, grp, text, self FROM items WHERE id = ?1");
		if (q) {
			sqlite3_bind_int64(q, 1, item);
			if (sqlite3_step(q) == SQLITE_ROW) {
				memset(&it, 0, sizeof(it));
				it.id = item;
				it.kind = (char *)col(q, 0);
				it.subject = (char *)sqlite3_column_text(q, 1);
				it.grp = (char *)sqlite3_column_text(q, 2);
				it.text = (char *)sqlite3_column_text(q, 3);
				it.self = sqlite3_column_int(q, 4) != 0;
				reply_text(ctx->reply, " (");
				govcmd_describe_item(ctx->reply, &it);
				reply_text(ctx->reply, ")");
			}
			sqlite3_reset(q);
		}
		if (sqlite3_column_type(st, 3) != SQLITE_NULL || sqlite3_column_type(st, 4) != SQLITE_NULL) {
			reply_text(ctx->reply, ", decided by ");
			reply_actor(ctx->reply, (const char *)sqlite3_column_text(st, 3), col(st, 4));
		}
		reply_text(ctx->reply, ".");
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			say_rationale(ctx->reply, col(st, 5));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			reply_textf(ctx->reply, " Tally: %s", col(st, 6));
	}
	sqlite3_reset(st);
	if (n == 0)
		reply_text(ctx->reply, "no decisions yet; they appear here once nominations are decided "
			   "and motions close");
	return CMD_OK;
}

int cmd_agenda(struct command_ctx *ctx)
{
	struct store *s = ctx->bot->store;
	if (!s)
		return govcmd_no_store(ctx);
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM items WHERE state = 'open' ORDER BY id LIMIT 500");
	if (!st)
		return read_failed(ctx);
	long long ids[500];
	int n = 0;
	while (n < 500 && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	int ready = 0, votes = 0, incomplete = 0;
	for (int pass = 0; pass < 2; pass++) {
		bool heading = false;
		for (int i = 0; i < n; i++) {
			struct gov_item it;
			if (gov_item_get(s, ids[i], &it) != 1)
				continue;
			bool vote = gov_kind_is_vote(it.kind);
			int missing = vote ? 0 : gov_missing_fields(s, &it, NULL);
			if (pass == 0 && !vote && missing > 0)
				incomplete++;
			if ((pass == 0 && !vote && missing == 0) || (pass == 1 && vote)) {
				if (!heading) {
					reply_para(ctx->reply);
					reply_strong(ctx->reply, pass == 0 ? "Complete nominations awaiting a decision"
						     : "Open motions and elections");
					heading = true;
				}
				reply_item(ctx->reply);
				reply_textf(ctx->reply, "%lld · ", it.id);
				govcmd_describe_item(ctx->reply, &it);
				if (vote) {
					votes++;
					long long e = store_count(s, "SELECT count(*) FROM electorate WHERE item_id = ?1", it.id);
					long long v = store_count(s, "SELECT (SELECT count(*) FROM votes WHERE item_id = ?1)"
								  " + (SELECT count(*) FROM ballots WHERE item_id = ?1)", it.id);
					reply_textf(ctx->reply, " — %lld of %lld have voted", v, e);
					if (it.deadline) {
						char day[40];
						gov_format_time(it.deadline, day, sizeof(day));
						reply_textf(ctx->reply, "; closes by %s", day);
					}
				} else {
					ready++;
					reply_textf(ctx->reply, " — for %s; %lld letters of support, %lld objections",
						    gov_decider(&it), letters_of(s, it.id, "support"),
						    letters_of(s, it.id, "object"));
				}
			}
			gov_item_release(&it);
		}
	}
	if (ready + votes == 0) {
		reply_reset(ctx->reply);
		reply_text(ctx->reply, "Nothing awaits the quarterly core maintainers' meeting: no complete "
			   "nomination without a decision and no open motion.");
	}
	if (incomplete) {
		reply_para(ctx->reply);
		reply_textf(ctx->reply, "%d more nomination%s still lack required fields and wait for "
			    "their nominators (", incomplete, incomplete == 1 ? "" : "s");
		reply_code(ctx->reply, "nominations open");
		reply_text(ctx->reply, ").");
	}
	return CMD_OK;
}
