/*
 * cmd_decisions.c - reading the governance state: `nominations`, `show`,
 * `decisions` and `agenda` (the changing commands are in cmd_nominations.c).
 * Anyone may run these; they never write.  The rows come from
 * chatbot/gov/ledger.h; this file renders them.
 */
#include "commands/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/gov/gov.h"
#include "chatbot/gov/ledger.h"
#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
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

/* v, or "" for a NULL column. */
static const char *col(const char *v)
{
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
	long long ids[LIST_MAX + 1];
	int n = ledger_nominations(bot_gov(ctx->bot), filter, handle, ids, LIST_MAX + 1);
	if (n < 0)
		return read_failed(ctx);
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

static void show_fields(struct command_ctx *ctx, const struct gov_item *it)
{
	static const char *const names[] = { "contributions", "interactions", "support" };
	if (gov_kind_is_removal(it->kind) || strcmp(it->kind, GOV_STEP_DOWN_LEAD) == 0) {
		reply_item(ctx->reply);
		reply_strong(ctx->reply, "reason");
		reply_textf(ctx->reply, ": %s", it->text && *it->text ? it->text : "(missing)");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *text;
		int found = ledger_field(bot_gov(ctx->bot), it->id, names[i], &text);
		if (found < 0)
			return;
		reply_item(ctx->reply);
		reply_strong(ctx->reply, names[i]);
		reply_textf(ctx->reply, ": %s", found ? text : "(missing)");
		free(text);
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
	struct ledger_letter *rows;
	size_t n;
	if (ledger_letters(bot_gov(ctx->bot), id, &rows, &n) < 0)
		return;
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		heading_once(ctx->reply, &any, "Letters:");
		char day[40];
		gov_format_time(rows[i].at, day, sizeof(day));
		reply_item(ctx->reply);
		reply_text(ctx->reply, strcmp(col(rows[i].kind), "support") == 0 ? "support from "
									       : "objection from ");
		reply_actor(ctx->reply, rows[i].by_handle, col(rows[i].by_id));
		reply_textf(ctx->reply, " (%s): %s", day, col(rows[i].text));
	}
	ledger_letters_free(rows, n);
}

static void show_recusals(struct command_ctx *ctx, long long id)
{
	struct ledger_recusal *rows;
	size_t n;
	if (ledger_recusals(bot_gov(ctx->bot), id, &rows, &n) < 0)
		return;
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		heading_once(ctx->reply, &any, "Recused:");
		reply_item(ctx->reply);
		reply_handle(ctx->reply, col(rows[i].handle));
		if (rows[i].reason)
			reply_textf(ctx->reply, " (%s)", rows[i].reason);
	}
	ledger_recusals_free(rows, n);
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
	struct ledger_decision *rows;
	size_t n;
	if (ledger_decisions(bot_gov(ctx->bot), id, 0, &rows, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct ledger_decision *d = &rows[i];
		char day[40];
		gov_format_time(d->at, day, sizeof(day));
		reply_para(ctx->reply);
		reply_strong(ctx->reply, "Decision");
		reply_textf(ctx->reply, " on #%lld: %s", d->item_id, col(d->outcome));
		if (d->by_handle || d->by_id) {
			reply_text(ctx->reply, " by ");
			reply_actor(ctx->reply, d->by_handle, col(d->by_id));
		}
		reply_textf(ctx->reply, " on %s.", day);
		if (d->rationale)
			say_rationale(ctx->reply, d->rationale);
		if (d->tally)
			reply_textf(ctx->reply, " Tally: %s", d->tally);
	}
	ledger_decisions_free(rows, n);
}

static void show_history(struct command_ctx *ctx, long long id)
{
	struct ledger_event *rows;
	size_t n;
	if (ledger_history(bot_gov(ctx->bot), id, &rows, &n) < 0)
		return;
	reply_para(ctx->reply);
	reply_text(ctx->reply, "History:");
	for (size_t i = 0; i < n; i++) {
		const struct ledger_event *e = &rows[i];
		char day[40];
		gov_format_time(e->at, day, sizeof(day));
		reply_item(ctx->reply);
		reply_textf(ctx->reply, "%s ", day);
		reply_actor(ctx->reply, e->actor_handle, col(e->actor_id));
		reply_textf(ctx->reply, " (%s): %s", col(e->platform), col(e->action));
		const char *d = col(e->detail);
		/* a motion's audit detail is its kind (motion-core): internal, and
		 * the heading above already says what it is */
		if (*d && strcmp(col(e->action), "propose") != 0) {
			size_t len = strlen(d);
			reply_text(ctx->reply, " — ");
			reply_textn(ctx->reply, d, len > HISTORY_DETAIL ? HISTORY_DETAIL : len);
			if (len > HISTORY_DETAIL)
				reply_text(ctx->reply, "…");
		}
	}
	ledger_history_free(rows, n);
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

static const char decisions_usage[] = "decisions [@handle|MODULE|core]";

int cmd_decisions(struct command_ctx *ctx)
{
	struct store *s = ctx->bot->store;
	long long limit = DECISIONS_DEFAULT;
	const char *a = ctx->args, *handle = NULL, *grp = NULL;
	if (!s)
		return govcmd_no_store(ctx);
	struct ledger_decision *rows;
	size_t n;
	int rc;
	if (*a == '@' && a[1]) {
		handle = a + 1;
	} else if (str_ieq(a, "core")) {
		grp = GOV_CORE;
	} else if (*a && gov_parse_number(a, &limit, NULL) == 0) {
		/* a count: `decisions 20` */
		if (limit > DECISIONS_MAX) {
			reply_textf(ctx->reply, "at most %d at once; usage: ", DECISIONS_MAX);
			reply_code(ctx->reply, decisions_usage);
			return CMD_ERROR;
		}
	} else if (*a) {
		const char *sugg = NULL;
		const struct roster_group *g = lookup_module(ctx->bot->roster, a, &sugg);
		if (!g) {
			reply_text(ctx->reply, "no person (@handle), module or core is called ");
			reply_code(ctx->reply, a);
			if (sugg) {
				reply_text(ctx->reply, "; did you mean ");
				reply_code(ctx->reply, sugg);
				reply_text(ctx->reply, "?");
			}
			reply_text(ctx->reply, "; usage: ");
			reply_code(ctx->reply, decisions_usage);
			return CMD_ERROR;
		}
		grp = g->title;
	}
	if (handle || grp)
		rc = ledger_decisions_about(bot_gov(ctx->bot), handle, grp, DECISIONS_MAX, &rows, &n);
	else
		rc = ledger_decisions(bot_gov(ctx->bot), 0, limit, &rows, &n);
	if (rc < 0)
		return read_failed(ctx);
	for (size_t i = 0; i < n; i++) {
		const struct ledger_decision *d = &rows[i];
		if (i == 0)
			reply_text(ctx->reply, "Decisions and results, newest first:");
		char day[40];
		gov_format_time(d->at, day, sizeof(day));
		reply_item(ctx->reply);
		reply_textf(ctx->reply, "%s — %s on #%lld", day, col(d->outcome), d->item_id);
		struct gov_item it;
		if (gov_item_get(s, d->item_id, &it) == 1) {
			reply_text(ctx->reply, " (");
			govcmd_describe_item(ctx->reply, &it);
			reply_text(ctx->reply, ")");
			gov_item_release(&it);
		}
		if (d->by_handle || d->by_id) {
			reply_text(ctx->reply, ", decided by ");
			reply_actor(ctx->reply, d->by_handle, col(d->by_id));
		}
		reply_text(ctx->reply, ".");
		if (d->rationale)
			say_rationale(ctx->reply, d->rationale);
		if (d->tally)
			reply_textf(ctx->reply, " Tally: %s", d->tally);
	}
	ledger_decisions_free(rows, n);
	if (n == 0 && (handle || grp))
		reply_textf(ctx->reply, "no decisions about %s%s yet", handle ? "@" : "",
			    handle ? handle : strcmp(grp, GOV_CORE) == 0 ? "the core maintainers" : grp);
	else if (n == 0)
		reply_text(ctx->reply, "no decisions yet; they appear here once nominations are decided "
			   "and motions close");
	return CMD_OK;
}

/* "3 days", "1 day", "5 hours": how long ago since. */
static void say_age(struct reply *r, long long since, long long now)
{
	long long d = now > since ? now - since : 0;
	long long days = d / 86400, hours = d / 3600;
	if (days > 0)
		reply_textf(r, "%lld day%s old", days, days == 1 ? "" : "s");
	else if (hours > 0)
		reply_textf(r, "%lld hour%s old", hours, hours == 1 ? "" : "s");
	else
		reply_text(r, "less than an hour old");
}

int cmd_agenda(struct command_ctx *ctx)
{
	struct store *s = ctx->bot->store;
	if (!s)
		return govcmd_no_store(ctx);
	struct gov_ctx *g = bot_gov(ctx->bot);
	long long ids[500];
	int n = ledger_open_items(g, ids, 500);
	if (n < 0)
		return read_failed(ctx);
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
				if (vote && gov_is_tied(&it)) {
					votes++;
					reply_textf(ctx->reply, " — tied; waits for the lead core maintainer's "
						    "decision (");
					govcmd_code_n(ctx->reply, "decide %lld accept|reject RATIONALE",
						      it.id);
					reply_text(ctx->reply, ")");
				} else if (vote) {
					votes++;
					long long e, v;
					ledger_vote_counts(g, it.id, &v, &e);
					reply_text(ctx->reply, " — ");
					say_age(ctx->reply, it.created_at, gov_now(g));
					reply_textf(ctx->reply, "; waits for the votes of its electorate: %lld "
						    "of %lld %s voted", v, e, v == 1 ? "has" : "have");
					if (it.deadline) {
						char day[40];
						gov_format_time(it.deadline, day, sizeof(day));
						reply_textf(ctx->reply, "; closes by %s", day);
					}
				} else {
					ready++;
					long long ns = ledger_letter_count(g, it.id, "support");
					long long no = ledger_letter_count(g, it.id, "object");
					reply_text(ctx->reply, " — ");
					say_age(ctx->reply, it.created_at, gov_now(g));
					reply_textf(ctx->reply, "; waits for a decision by %s; %lld letter%s of "
						    "support, %lld objection%s", gov_decider(&it), ns,
						    ns == 1 ? "" : "s", no, no == 1 ? "" : "s");
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
		reply_textf(ctx->reply, "%d %snomination%s still lack%s required fields and wait%s for "
			    "%s nominator%s (", incomplete, ready + votes ? "more " : "",
			    incomplete == 1 ? "" : "s",
			    incomplete == 1 ? "s" : "", incomplete == 1 ? "s" : "",
			    incomplete == 1 ? "its" : "their", incomplete == 1 ? "" : "s");
		reply_code(ctx->reply, "nominations open");
		reply_text(ctx->reply, ").");
	}
	return CMD_OK;
}
