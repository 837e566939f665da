/* web_record.c - the pages of the governance record: /agenda, /decisions
 * and /items/N.  Reads only; every text from the database is escaped by
 * web_escape(). */
#include "chatbot/web/web_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/reply.h"
#include "chatbot/gov/gov.h"
#include "chatbot/gov/ledger.h"
#include "chatbot/gov/ledger_when.h"
#include "chatbot/gov/store.h"
#include "commands/govcmd.h"

#define DAY 86400LL


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

void web_decision_html(struct buf *out, const struct ledger_decision *d)
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
		web_escape_lines(out, d->rationale);
		buf_adds(out, "</p></blockquote>\n");
	}
	if (d->tally) {
		buf_adds(out, "<p class=\"tally\">Tally: ");
		web_escape_lines(out, d->tally);
		buf_adds(out, "</p>\n");
	}
}

/* /decisions (before_id 0: the newest) and /decisions/before/N (those
 * with an id below N): WEB_DECISIONS_MAX a page, newest first, with a
 * link to the next older page that says how many are left. */
int web_decisions_page(const struct web_ctx *ctx, long long before_id, struct web_page *p)
{
	struct govbot *bot = ctx->bot;
	struct buf *out = &p->body;
	struct ledger_decision *d;
	size_t n;

	/* the newest page is the one before every id */
	if (ledger_decisions_before(bot_gov(bot), before_id > 0 ? before_id : LLONG_MAX, WEB_DECISIONS_MAX,
				    &d, &n) < 0)
		return 503;
	web_head(out, before_id > 0 ? "Older decisions" : "Decisions");
	if (before_id > 0)
		buf_adds(out, "<h1>Older decisions</h1>\n<p class=\"meta\">Decisions and vote results "
			 "older than those on the <a href=\"/decisions\">newest page</a>, newest "
			 "first.</p>\n");
	else
		buf_adds(out, "<h1>Decisions</h1>\n<p class=\"meta\">Every decision and vote result, newest "
			 "first, with its rationale and tally. Follow them in a feed reader: "
			 "<a href=\"/decisions.atom\">decisions.atom</a>.</p>\n");
	if (n == 0)
		buf_adds(out, before_id > 0 ? "<p>There are no decisions older than these.</p>\n"
			 : "<p>No decisions yet; they appear here once nominations are decided and "
			 "motions close.</p>\n");
	else
		buf_adds(out, "<ol reversed=\"reversed\">\n");
	for (size_t i = 0; i < n; i++) {
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
	/* never cut the record silently: say how many are older, and link them */
	long long older = n > 0 ? ledger_count_older_decisions(bot_gov(bot), d[n - 1].id) : 0;
	if (older > 0)
		buf_addf(out, "<p class=\"meta\">%lld older decision%s: <a href=\"/decisions/before/%lld\">"
			 "the next %lld</a>.</p>\n", older, older == 1 ? "" : "s", d[n - 1].id,
			 older < WEB_DECISIONS_MAX ? older : (long long)WEB_DECISIONS_MAX);
	web_foot(out);
	ledger_decisions_free(d, n);
	return 200;
}

/* ---- agenda ---- */

/* The last time floor((now - from) / DAY) changed, for from <= now. */
static long long age_tick(long long from, long long now)
{
	return from + (now - from) / DAY * DAY;
}

/* Whole days left until until, rounded up (a 14-day vote opened a minute
 * ago has 14 days left), for now < until. */
static long long days_left(long long until, long long now)
{
	return (until - now + DAY - 1) / DAY;
}

/* The last time days_left() changed, for now < until. */
static long long left_tick(long long until, long long now)
{
	return until - days_left(until, now) * DAY;
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
	buf_adds(out, "</h3>\n<p class=\"meta\">Opened by ");
	actor_html(out, it->opened_by_handle, it->opened_by);
	buf_adds(out, " on ");
	web_time(out, it->created_at);
	if (now >= it->created_at) {
		buf_adds(out, " (");
		web_days(out, now - it->created_at);
		buf_adds(out, " ago)");
		web_touch(&p->last_modified, age_tick(it->created_at, now));
	}
	buf_adds(out, ".");
	if (it->deadline) {
		buf_adds(out, " Closes by ");
		web_time(out, it->deadline);
		if (it->deadline > now) {
			long long k = days_left(it->deadline, now);
			buf_addf(out, " (%lld day%s left)", k, k == 1 ? "" : "s");
			web_touch(&p->last_modified, left_tick(it->deadline, now));
		}
		buf_adds(out, ".");
	}
	buf_adds(out, "</p>\n<p>Waits for ");
	if (gov_kind_is_vote(it->kind)) {
		long long e = 0, v = 0;
		ledger_vote_counts(bot_gov(ctx->bot), it->id, &v, &e);
		web_escapes(out, gov_decider(it));
		buf_addf(out, ": %lld of %lld have voted.", v, e);
	} else if (gov_missing_fields(s, it, &missing) > 0) {
		buf_adds(out, "its nominator to give: ");
		web_escape(out, missing.data, missing.len);
		buf_adds(out, ".");
	} else {
		web_escapes(out, gov_decider(it));
		buf_adds(out, " to decide it");
		long long sup = ledger_letter_count(bot_gov(ctx->bot), it->id, "support");
		long long obj = ledger_letter_count(bot_gov(ctx->bot), it->id, "object");
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
	long long *ids;
	/* every open item: a list cut short would hide what waits */
	int n = ledger_open_items(bot_gov(ctx->bot), &ids);

	if (n < 0) {
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
	web_touch(&p->last_modified, ledger_changed_at(bot_gov(ctx->bot), 0));
	return 200;
}

/* ---- one item ---- */

static void item_fields(const struct gov_ctx *g, const struct gov_item *it, struct buf *out)
{
	static const char *const names[] = { "contributions", "interactions", "support" };

	buf_adds(out, "<dl>\n");
	if (gov_kind_is_removal(it->kind)) {
		buf_adds(out, "<dt>Reason</dt><dd>");
		web_escape_lines(out, it->text && *it->text ? it->text : "(missing)");
		buf_adds(out, "</dd>\n</dl>\n");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *text = NULL;
		if (ledger_field(g, it->id, names[i], &text) < 0)
			break;
		buf_addf(out, "<dt>%c%s</dt><dd>", names[i][0] - 'a' + 'A', names[i] + 1);
		web_escape_lines(out, text ? text : "(missing)");
		buf_adds(out, "</dd>\n");
		free(text);
	}
	buf_adds(out, "</dl>\n");
}

static void item_letters(const struct gov_ctx *g, long long id, struct buf *out)
{
	struct ledger_letter *l;
	size_t n;

	if (ledger_letters(g, id, &l, &n) < 0 || n == 0)
		return;
	buf_adds(out, "<h2>Letters</h2>\n<ul>\n");
	for (size_t i = 0; i < n; i++) {
		buf_adds(out, "<li>");
		buf_adds(out, strcmp(l[i].kind, "support") == 0 ? "Support from " : "Objection from ");
		actor_html(out, l[i].by_handle, l[i].by_id);
		buf_adds(out, " (");
		web_time(out, l[i].at);
		buf_adds(out, "): ");
		web_escape_lines(out, l[i].text ? l[i].text : "");
		buf_adds(out, "</li>\n");
	}
	buf_adds(out, "</ul>\n");
	ledger_letters_free(l, n);
}

static void item_recusals(const struct gov_ctx *g, long long id, struct buf *out)
{
	struct ledger_recusal *r;
	size_t n;

	if (ledger_recusals(g, id, &r, &n) < 0 || n == 0)
		return;
	buf_adds(out, "<h2>Recused</h2>\n<ul>\n");
	for (size_t i = 0; i < n; i++) {
		buf_adds(out, "<li>");
		actor_html(out, r[i].handle, NULL);
		if (r[i].reason) {
			buf_adds(out, " (");
			web_escapes(out, r[i].reason);
			buf_adds(out, ")");
		}
		buf_adds(out, "</li>\n");
	}
	buf_adds(out, "</ul>\n");
	ledger_recusals_free(r, n);
}

static void item_history(const struct gov_ctx *g, long long id, struct buf *out)
{
	struct ledger_event *e;
	size_t n;

	if (ledger_history(g, id, &e, &n) < 0 || n == 0)
		return;
	buf_adds(out, "<h2>History</h2>\n<ul>\n");
	for (size_t i = 0; i < n; i++) {
		buf_adds(out, "<li>");
		web_time(out, e[i].at);
		buf_adds(out, " ");
		actor_html(out, e[i].actor_handle, e[i].actor_id);
		buf_adds(out, " (");
		web_escapes(out, e[i].platform ? e[i].platform : "");
		buf_adds(out, "): ");
		web_escapes(out, e[i].action ? e[i].action : "");
		if (e[i].detail && *e[i].detail) {
			buf_adds(out, " — ");
			web_escape_lines(out, e[i].detail);
		}
		buf_adds(out, "</li>\n");
	}
	buf_adds(out, "</ul>\n");
	ledger_history_free(e, n);
}

int web_item_page(const struct web_ctx *ctx, long long id, struct web_page *p)
{
	struct govbot *bot = ctx->bot;
	struct gov_ctx *g = bot_gov(bot);
	struct store *s = bot->store;
	struct buf *out = &p->body, title = BUF_INIT;
	struct ledger_decision *d;
	struct gov_item it;
	int rc = gov_item_get(s, id, &it);
	size_t n;

	if (rc < 0)
		return 503;
	if (rc == 1 && ledger_decisions(g, id, 0, &d, &n) < 0) {
		gov_item_release(&it);
		return 503;
	}
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
		govcmd_describe_motion(g, id, r);
		buf_adds(out, "<h2>Vote</h2>\n<p class=\"tally\">");
		web_reply(out, r);
		buf_adds(out, "</p>\n");
		reply_free(r);
	} else {
		item_fields(g, &it, out);
		item_letters(g, id, out);
	}
	item_recusals(g, id, out);
	for (size_t i = 0; i < n; i++) {
		buf_addf(out, "<section id=\"d%lld\">\n<h2>Decision</h2>\n", d[i].id);
		web_decision_html(out, &d[i]);
		buf_adds(out, "</section>\n");
	}
	ledger_decisions_free(d, n);
	item_history(g, id, out);
	buf_adds(out, "<p class=\"meta\">Permanent link: ");
	buf_addf(out, "<a href=\"/items/%lld\">/items/%lld</a></p>\n", id, id);
	web_foot(out);
	web_touch(&p->last_modified, ledger_changed_at(g, id));
	gov_item_release(&it);
	buf_release(&title);
	return 200;
}
