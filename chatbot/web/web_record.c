/* web_record.c - the pages of the governance record: /agenda, /decisions
 * and /items/N.  Reads only; every text from the database is escaped by
 * web_escape(). */
#include "chatbot/web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/reply.h"
#include "chatbot/gov/gov.h"
#include "chatbot/gov/motion.h"
#include "chatbot/gov/store.h"

#define AGENDA_MAX 500
#define DAY 86400LL

static const char *col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? v : "";
}

/* Text with its line breaks kept as <br />. */
static void lines_html(struct buf *out, const char *s)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		web_escape(out, s, n);
		if (!nl)
			break;
		buf_adds(out, "<br />\n");
		s = nl + 1;
	}
}

/* "@handle" when known, else the identity, else "someone". */
static void actor_html(struct buf *out, const char *handle, const char *id)
{
	if (handle && *handle) {
		buf_addc(out, '@');
		web_escapes(out, handle);
	} else {
		web_escapes(out, id && *id ? id : "someone");
	}
}

static void item_link(struct buf *out, long long id)
{
	buf_addf(out, "<a href=\"/items/%lld\">item %lld</a>", id, id);
}

/* ---- decisions ---- */

int web_decisions_read(struct govbot *bot, long long item_id, int max, struct web_decision **out)
{
	sqlite3_stmt *st = store_stmt(bot->store, "SELECT id, item_id, outcome, by_id, by_handle,"
				      " rationale, tally, at FROM decisions WHERE ?1 = 0 OR item_id = ?1"
				      " ORDER BY id DESC LIMIT ?2");
	struct web_decision *d;
	int n = 0, rc;

	*out = NULL;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, item_id);
	sqlite3_bind_int(st, 2, max);
	d = xcalloc((size_t)max + 1, sizeof(*d));
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		d[n].id = sqlite3_column_int64(st, 0);
		d[n].item_id = sqlite3_column_int64(st, 1);
		d[n].outcome = store_col_dup(st, 2);
		d[n].by_id = store_col_dup(st, 3);
		d[n].by_handle = store_col_dup(st, 4);
		d[n].rationale = store_col_dup(st, 5);
		d[n].tally = store_col_dup(st, 6);
		d[n].at = sqlite3_column_int64(st, 7);
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		web_decisions_free(d, n);
		return -1;
	}
	sqlite3_reset(st);
	*out = d;
	return n;
}

void web_decisions_free(struct web_decision *d, int n)
{
	for (int i = 0; d && i < n; i++) {
		free(d[i].outcome);
		free(d[i].by_id);
		free(d[i].by_handle);
		free(d[i].rationale);
		free(d[i].tally);
	}
	free(d);
}

void web_decision_html(struct buf *out, const struct web_decision *d)
{
	buf_adds(out, "<p><strong>");
	web_escapes(out, d->outcome);
	buf_adds(out, "</strong>");
	if (d->by_handle || d->by_id) {
		buf_adds(out, " by ");
		actor_html(out, d->by_handle, d->by_id);
	} else {
		buf_adds(out, " by vote");
	}
	buf_adds(out, " on ");
	web_time(out, d->at);
	buf_adds(out, ".</p>\n");
	if (d->rationale) {
		buf_adds(out, "<blockquote><p>Rationale: ");
		lines_html(out, d->rationale);
		buf_adds(out, "</p></blockquote>\n");
	}
	if (d->tally) {
		buf_adds(out, "<p class=\"tally\">Tally: ");
		lines_html(out, d->tally);
		buf_adds(out, "</p>\n");
	}
}

int web_decisions_page(const struct web_ctx *ctx, struct web_page *p)
{
	struct govbot *bot = ctx->bot;
	struct buf *out = &p->body;
	struct web_decision *d;
	int n = web_decisions_read(bot, 0, WEB_DECISIONS_MAX, &d);

	if (n < 0)
		return 503;
	web_head(out, "Decisions");
	buf_adds(out, "<h1>Decisions</h1>\n<p class=\"meta\">Every decision and vote result, newest "
		 "first, with its rationale and tally. Follow them in a feed reader: "
		 "<a href=\"/decisions.atom\">decisions.atom</a>.</p>\n");
	if (n == 0)
		buf_adds(out, "<p>No decisions yet; they appear here once nominations are decided and "
			 "motions close.</p>\n");
	else
		buf_adds(out, "<ol reversed=\"reversed\">\n");
	for (int i = 0; i < n; i++) {
		struct gov_item it;

		buf_addf(out, "<li id=\"d%lld\"><article>\n<h2>", d[i].id);
		item_link(out, d[i].item_id);
		if (gov_item_get(bot->store, d[i].item_id, &it) == 1) {
			buf_adds(out, ": ");
			web_item_text(out, &it);
			gov_item_release(&it);
		}
		buf_adds(out, "</h2>\n");
		web_decision_html(out, &d[i]);
		buf_adds(out, "</article></li>\n");
		web_touch(&p->last_modified, d[i].at);
	}
	if (n > 0)
		buf_adds(out, "</ol>\n");
	if (n == WEB_DECISIONS_MAX)
		buf_addf(out, "<p class=\"meta\">Only the newest %d are listed; each item's page has "
			 "its whole history.</p>\n", WEB_DECISIONS_MAX);
	web_foot(out);
	web_decisions_free(d, n);
	return 200;
}

/* ---- agenda ---- */

/* The last time floor((now - from) / DAY) changed, for from <= now. */
static long long age_tick(long long from, long long now)
{
	return from + (now - from) / DAY * DAY;
}

/* The last time floor((until - now) / DAY) changed, for now < until. */
static long long left_tick(long long until, long long now)
{
	long long k = (until - now) / DAY;
	return until - (k + 1) * DAY + 1;
}

/* One agenda entry: number, what, age, deadline, what it waits for. */
static void agenda_entry(const struct web_ctx *ctx, const struct gov_item *it, struct web_page *p)
{
	struct store *s = ctx->bot->store;
	struct buf *out = &p->body, missing = BUF_INIT;
	long long now = bot_now(ctx->bot);

	buf_adds(out, "<li><article>\n<h3>");
	item_link(out, it->id);
	buf_adds(out, ": ");
	web_item_text(out, it);
	buf_adds(out, "</h3>\n<p class=\"meta\">Opened ");
	web_time(out, it->created_at);
	if (now >= it->created_at) {
		buf_adds(out, ", ");
		web_days(out, now - it->created_at);
		buf_adds(out, " ago");
		web_touch(&p->last_modified, age_tick(it->created_at, now));
	}
	buf_adds(out, " by ");
	actor_html(out, it->opened_by_handle, it->opened_by);
	buf_adds(out, ".");
	if (it->deadline) {
		buf_adds(out, " Closes by ");
		web_time(out, it->deadline);
		if (it->deadline > now) {
			buf_adds(out, " (");
			web_days(out, it->deadline - now);
			buf_adds(out, " left)");
			web_touch(&p->last_modified, left_tick(it->deadline, now));
		}
		buf_adds(out, ".");
	}
	buf_adds(out, "</p>\n<p>Waits for ");
	if (gov_kind_is_vote(it->kind)) {
		long long e = store_count(s, "SELECT count(*) FROM electorate WHERE item_id = ?1", it->id);
		long long v = store_count(s, "SELECT (SELECT count(*) FROM votes WHERE item_id = ?1)"
					  " + (SELECT count(*) FROM ballots WHERE item_id = ?1)", it->id);
		web_escapes(out, gov_decider(it));
		buf_addf(out, ": %lld of %lld have voted.", v, e);
	} else if (gov_missing_fields(s, it, &missing) > 0) {
		buf_adds(out, "its nominator to give: ");
		web_escape(out, missing.data, missing.len);
		buf_adds(out, ".");
	} else {
		web_escapes(out, gov_decider(it));
		buf_adds(out, " to decide it");
		long long sup = store_count(s, "SELECT count(*) FROM letters WHERE item_id = ?1"
					    " AND kind = 'support'", it->id);
		long long obj = store_count(s, "SELECT count(*) FROM letters WHERE item_id = ?1"
					    " AND kind = 'object'", it->id);
		buf_addf(out, "; %lld letter%s of support, %lld objection%s.", sup, sup == 1 ? "" : "s",
			 obj, obj == 1 ? "" : "s");
	}
	buf_adds(out, "</p>\n</article></li>\n");
	buf_release(&missing);
}

int web_agenda_page(const struct web_ctx *ctx, struct web_page *p)
{
	static const char *const heads[] = {
		"Complete nominations and removals awaiting a decision",
		"Open motions and elections",
		"Nominations still waiting for their nominators",
	};
	struct store *s = ctx->bot->store;
	struct buf *out = &p->body;
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM items WHERE state = 'open' ORDER BY id LIMIT ?1");
	long long *ids, lm;
	int n = 0, rc = SQLITE_DONE;

	if (!st)
		return 503;
	ids = xcalloc(AGENDA_MAX, sizeof(*ids));
	sqlite3_bind_int(st, 1, AGENDA_MAX);
	while (n < AGENDA_MAX && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		free(ids);
		return 503;
	}
	web_head(out, "Agenda");
	buf_adds(out, "<h1>Agenda</h1>\n<p class=\"meta\">What is open: nominations, removals, motions "
		 "and elections, how long each has been open, its deadline, and what it waits for. "
		 "Decided items move to the <a href=\"/decisions\">decisions</a>.</p>\n");
	if (n == 0)
		buf_adds(out, "<p>Nothing is open.</p>\n");
	for (int pass = 0; pass < 3 && n > 0; pass++) {
		bool heading = false;
		for (int i = 0; i < n; i++) {
			struct gov_item it;
			if (gov_item_get(s, ids[i], &it) != 1)
				continue;
			bool vote = gov_kind_is_vote(it.kind);
			int missing = vote ? 0 : gov_missing_fields(s, &it, NULL);
			int group = vote ? 1 : (missing > 0 ? 2 : 0);
			if (group == pass) {
				if (!heading) {
					buf_addf(out, "<section>\n<h2>%s</h2>\n<ul>\n", heads[pass]);
					heading = true;
				}
				agenda_entry(ctx, &it, p);
			}
			gov_item_release(&it);
		}
		if (heading)
			buf_adds(out, "</ul>\n</section>\n");
	}
	web_foot(out);
	free(ids);
	/* anything that changes an open item or takes one off the agenda */
	lm = store_count(s, "SELECT coalesce(max(m), ?1) FROM (SELECT max(created_at) AS m FROM items"
			 " UNION ALL SELECT max(closed_at) FROM items UNION ALL SELECT max(at) FROM audit"
			 " UNION ALL SELECT max(at) FROM fields UNION ALL SELECT max(at) FROM letters"
			 " UNION ALL SELECT max(at) FROM votes UNION ALL SELECT max(at) FROM ballots"
			 " UNION ALL SELECT max(at) FROM recusals)", 0);
	web_touch(&p->last_modified, lm);
	return 200;
}

/* ---- one item ---- */

static void item_fields(struct store *s, const struct gov_item *it, struct buf *out)
{
	static const char *const names[] = { "contributions", "interactions", "support" };

	buf_adds(out, "<dl>\n");
	if (gov_kind_is_removal(it->kind)) {
		buf_adds(out, "<dt>Reason</dt><dd>");
		lines_html(out, it->text && *it->text ? it->text : "(missing)");
		buf_adds(out, "</dd>\n</dl>\n");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		sqlite3_stmt *st = store_stmt(s, "SELECT text FROM fields WHERE item_id = ?1 AND name = ?2");
		if (!st)
			break;
		sqlite3_bind_int64(st, 1, it->id);
		sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
		buf_addf(out, "<dt>%c%s</dt><dd>", names[i][0] - 'a' + 'A', names[i] + 1);
		lines_html(out, sqlite3_step(st) == SQLITE_ROW ? col(st, 0) : "(missing)");
		buf_adds(out, "</dd>\n");
		sqlite3_reset(st);
	}
	buf_adds(out, "</dl>\n");
}

static void item_letters(struct store *s, long long id, struct buf *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT kind, by_handle, by_id, text, at FROM letters"
				      " WHERE item_id = ?1 ORDER BY id");
	bool any = false;

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!any)
			buf_adds(out, "<h2>Letters</h2>\n<ul>\n");
		any = true;
		buf_adds(out, "<li>");
		buf_adds(out, strcmp(col(st, 0), "support") == 0 ? "Support from " : "Objection from ");
		actor_html(out, (const char *)sqlite3_column_text(st, 1), col(st, 2));
		buf_adds(out, " (");
		web_time(out, sqlite3_column_int64(st, 4));
		buf_adds(out, "): ");
		lines_html(out, col(st, 3));
		buf_adds(out, "</li>\n");
	}
	sqlite3_reset(st);
	if (any)
		buf_adds(out, "</ul>\n");
}

static void item_history(struct store *s, long long id, struct buf *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT at, actor_handle, actor_id, platform, action, detail"
				      " FROM audit WHERE item_id = ?1 ORDER BY id");
	bool any = false;

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!any)
			buf_adds(out, "<h2>History</h2>\n<ul>\n");
		any = true;
		buf_adds(out, "<li>");
		web_time(out, sqlite3_column_int64(st, 0));
		buf_adds(out, " ");
		actor_html(out, (const char *)sqlite3_column_text(st, 1), col(st, 2));
		buf_adds(out, " (");
		web_escapes(out, col(st, 3));
		buf_adds(out, "): ");
		web_escapes(out, col(st, 4));
		if (*col(st, 5)) {
			buf_adds(out, " — ");
			lines_html(out, col(st, 5));
		}
		buf_adds(out, "</li>\n");
	}
	sqlite3_reset(st);
	if (any)
		buf_adds(out, "</ul>\n");
}

int web_item_page(const struct web_ctx *ctx, long long id, struct web_page *p)
{
	struct govbot *bot = ctx->bot;
	struct store *s = bot->store;
	struct buf *out = &p->body, title = BUF_INIT;
	struct web_decision *d;
	struct gov_item it;
	int rc = gov_item_get(s, id, &it), n;

	if (rc < 0)
		return 503;
	if (rc == 0) {
		web_head(out, "Not found");
		buf_addf(out, "<h1>Not found</h1>\n<p>There is no item %lld. The "
			 "<a href=\"/decisions\">decisions</a> and the <a href=\"/agenda\">agenda</a> "
			 "list what there is.</p>\n", id);
		web_foot(out);
		return 404;
	}
	buf_addf(&title, "Item %lld", id);
	web_head(out, title.data);
	buf_addf(out, "<h1>Item %lld: ", id);
	web_item_text(out, &it);
	buf_adds(out, "</h1>\n<p>State: <strong>");
	web_escapes(out, it.state);
	buf_adds(out, "</strong>. Opened by ");
	actor_html(out, it.opened_by_handle, it.opened_by);
	buf_adds(out, " on ");
	web_time(out, it.created_at);
	buf_adds(out, ".");
	if (it.subject_name) {
		buf_adds(out, " Nominee's name: ");
		web_escapes(out, it.subject_name);
		buf_adds(out, ".");
	}
	if (strcmp(it.state, "open") == 0) {
		buf_adds(out, " Decided by ");
		web_escapes(out, gov_decider(&it));
		buf_adds(out, ".");
	}
	buf_adds(out, "</p>\n");
	if (gov_kind_is_vote(it.kind)) {
		struct reply *r = reply_new();
		motion_describe(bot, id, r);
		buf_adds(out, "<h2>Vote</h2>\n<p class=\"tally\">");
		web_reply(out, r);
		buf_adds(out, "</p>\n");
		reply_free(r);
	} else {
		item_fields(s, &it, out);
		item_letters(s, id, out);
	}
	n = web_decisions_read(bot, id, 50, &d);
	for (int i = 0; i < n; i++) {
		buf_addf(out, "<section id=\"d%lld\">\n<h2>Decision</h2>\n", d[i].id);
		web_decision_html(out, &d[i]);
		buf_adds(out, "</section>\n");
	}
	web_decisions_free(d, n > 0 ? n : 0);
	item_history(s, id, out);
	buf_adds(out, "<p class=\"meta\">Permanent link: ");
	buf_addf(out, "<a href=\"/items/%lld\">/items/%lld</a></p>\n", id, id);
	web_foot(out);
	web_touch(&p->last_modified, it.created_at);
	web_touch(&p->last_modified, it.closed_at);
	web_touch(&p->last_modified, store_count(s, "SELECT coalesce(max(m), 0) FROM (SELECT max(at) AS m"
		  " FROM audit WHERE item_id = ?1 UNION ALL SELECT max(at) FROM votes WHERE item_id = ?1"
		  " UNION ALL SELECT max(at) FROM ballots WHERE item_id = ?1 UNION ALL SELECT max(at)"
		  " FROM letters WHERE item_id = ?1 UNION ALL SELECT max(at) FROM decisions"
		  " WHERE item_id = ?1 UNION ALL SELECT max(at) FROM recusals WHERE item_id = ?1)", id));
	gov_item_release(&it);
	buf_release(&title);
	return 200;
}
