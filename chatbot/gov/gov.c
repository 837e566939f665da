/* gov.c - see gov.h. */
#include "chatbot/gov/gov.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chatbot/util/log.h"
#include "chatbot/roster/roster.h"

long long gov_now(const struct gov_ctx *g)
{
	return g->now(g->now_arg);
}

const struct roster *gov_roster(const struct gov_ctx *g)
{
	return g->current ? *g->current : NULL;
}

bool gov_kind_is_vote(const char *kind)
{
	return strcmp(kind, GOV_MOTION_GROUP) == 0 || strcmp(kind, GOV_MOTION_CORE) == 0 ||
	       strcmp(kind, GOV_OVERRULE) == 0 || gov_kind_is_module_change(kind) ||
	       strcmp(kind, GOV_REMOVE_LEAD) == 0 || strcmp(kind, GOV_ELECT_LEAD) == 0;
}

bool gov_kind_is_module_change(const char *kind)
{
	return strcmp(kind, GOV_MODULE_ADD) == 0 || strcmp(kind, GOV_MODULE_REMOVE) == 0 ||
	       strcmp(kind, GOV_MODULE_RENAME) == 0;
}

bool gov_kind_is_removal(const char *kind)
{
	return strcmp(kind, GOV_REMOVE_MODULE) == 0 || strcmp(kind, GOV_REMOVE_CORE) == 0;
}

bool gov_kind_is_core(const char *kind)
{
	return strcmp(kind, GOV_NOMINATE_CORE) == 0 || strcmp(kind, GOV_REMOVE_CORE) == 0;
}

const char *gov_item_noun(const struct gov_item *it)
{
	if (strcmp(it->kind, GOV_ELECT_LEAD) == 0)
		return "election";
	if (strcmp(it->kind, GOV_STEP_DOWN_LEAD) == 0)
		return "step-down";
	if (gov_kind_is_vote(it->kind))
		return "motion";
	if (it->self)
		return "step-down";
	if (gov_kind_is_removal(it->kind))
		return "removal";
	return "nomination";
}

void gov_item_release(struct gov_item *it)
{
	if (!it)
		return;
	free(it->kind);
	free(it->state);
	free(it->subject);
	free(it->subject_name);
	free(it->grp);
	free(it->text);
	free(it->opened_by);
	free(it->opened_by_handle);
	free(it->result);
	memset(it, 0, sizeof(*it));
}

int gov_item_get(struct store *s, long long id, struct gov_item *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s,
		"SELECT id, kind, state, subject, grp, text, self, opened_by, opened_by_handle,"
		" created_at, deadline, closed_at, result, subject_name, ref FROM items WHERE id = ?1");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : store_check(s, rc, "read item");
	}
	out->id = sqlite3_column_int64(st, 0);
	out->kind = store_col_dup(st, 1);
	out->state = store_col_dup(st, 2);
	out->subject = store_col_dup(st, 3);
	out->grp = store_col_dup(st, 4);
	out->text = store_col_dup(st, 5);
	out->self = sqlite3_column_int(st, 6) != 0;
	out->opened_by = store_col_dup(st, 7);
	out->opened_by_handle = store_col_dup(st, 8);
	out->created_at = sqlite3_column_int64(st, 9);
	out->deadline = sqlite3_column_int64(st, 10);
	out->closed_at = sqlite3_column_int64(st, 11);
	out->result = store_col_dup(st, 12);
	out->subject_name = store_col_dup(st, 13);
	out->ref = sqlite3_column_int64(st, 14);
	sqlite3_reset(st);
	return 1;
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

int gov_item_insert(struct store *s, const struct gov_item *it, long long *id)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO items(kind, state, subject, grp, text, self, opened_by, opened_by_handle,"
		" created_at, deadline, subject_name, ref)"
		" VALUES (?1, 'open', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, it->kind, -1, SQLITE_STATIC);
	bind_opt_text(st, 2, it->subject);
	bind_opt_text(st, 3, it->grp);
	bind_opt_text(st, 4, it->text);
	sqlite3_bind_int(st, 5, it->self ? 1 : 0);
	sqlite3_bind_text(st, 6, it->opened_by, -1, SQLITE_STATIC);
	bind_opt_text(st, 7, it->opened_by_handle);
	sqlite3_bind_int64(st, 8, it->created_at);
	if (it->deadline)
		sqlite3_bind_int64(st, 9, it->deadline);
	bind_opt_text(st, 10, it->subject_name);
	if (it->ref)
		sqlite3_bind_int64(st, 11, it->ref);
	int rc = store_check(s, sqlite3_step(st), "insert item");
	sqlite3_reset(st);
	if (rc == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(store_db(s));
	return rc;
}

int gov_parse_number(const char *args, long long *id, const char **rest)
{
	const char *p = str_skip_space(args);
	if (*p == '#')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	long long v = 0;
	while (isdigit((unsigned char)*p)) {
		if (v > 100000000000LL)
			return -1;
		v = v * 10 + (*p - '0');
		p++;
	}
	if (*p && !isspace((unsigned char)*p))
		return -1;
	if (v <= 0)
		return -1;
	*id = v;
	if (rest)
		*rest = str_skip_space(p);
	return 0;
}

int gov_missing_fields(struct store *s, const struct gov_item *it, struct buf *missing)
{
	if (gov_kind_is_vote(it->kind))
		return 0;
	if (gov_kind_is_removal(it->kind)) {
		bool has = it->text && *str_skip_space(it->text);
		if (!has && missing)
			buf_adds(missing, "reason");
		return has ? 0 : 1;
	}
	static const char *const names[] = { "contributions", "interactions", "support" };
	int n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM fields WHERE item_id = ?1 AND name = ?2");
		if (!st)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, it->id);
		sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW)
			continue;
		if (rc != SQLITE_DONE)
			return store_check(s, rc, "fields");
		if (missing)
			buf_addf(missing, "%s%s", n ? ", " : "", names[i]);
		n++;
	}
	return n;
}

bool gov_is_recused(struct store *s, long long item_id, const char *handle)
{
	if (!handle)
		return false;
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM recusals WHERE item_id = ?1 AND handle = ?2");
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, item_id);
	sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
	bool r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return r;
}

const char *gov_decider(const struct gov_item *it)
{
	if (gov_kind_is_vote(it->kind))
		return "a vote of its electorate";
	if (gov_kind_is_core(it->kind))
		return "the lead core maintainer";
	return "the core maintainers";
}

/* Appends "accepted by @x on 2026-11-22 (decision 4)" for a closed item. */
static void describe_decision(struct store *s, const struct gov_item *it, struct buf *out)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, outcome, by_handle, at FROM decisions"
				      " WHERE item_id = ?1 ORDER BY id DESC LIMIT 1");
	buf_addf(out, "%s", it->state);
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, it->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *by = (const char *)sqlite3_column_text(st, 2);
		long long at = sqlite3_column_int64(st, 3);
		char day[32] = "";
		time_t t = (time_t)at;
		struct tm tm;
		if (gmtime_r(&t, &tm))
			strftime(day, sizeof(day), "%Y-%m-%d %H:%M UTC", &tm);
		if (by)
			buf_addf(out, " by @%s", by);
		buf_addf(out, " on %s", day);
	}
	sqlite3_reset(st);
}

bool gov_is_tied(const struct gov_item *it)
{
	return it->state && strcmp(it->state, "tied") == 0;
}

/* Whether the caller (id or handle) opened it. */
static bool opened_by(const struct gov_item *it, const char *by_id, const char *by_handle)
{
	return (by_id && it->opened_by && strcmp(by_id, it->opened_by) == 0) ||
	       (by_handle && it->opened_by_handle && str_ieq(by_handle, it->opened_by_handle));
}

/* A tied core motion: the lead decides it (001: when the core maintainers
 * cannot agree, the lead makes the call). */
static int may_decide_tied(const struct gov_ctx *g, const struct gov_item *it, const char *handle,
			   struct buf *why)
{
	const struct roster *r = gov_roster(g);
	if (!handle || !roster_is_lead(r, handle)) {
		buf_addf(why, "motion %lld of the core maintainers closed tied; only the lead core "
			 "maintainer settles it with `decide %lld accept|reject RATIONALE`", it->id, it->id);
		if (!handle)
			buf_adds(why, "; you are mapped to no handle");
		else
			buf_addf(why, "; @%s is not the lead", handle);
		return GOV_REFUSED;
	}
	if (gov_is_recused(g->store, it->id, handle)) {
		buf_addf(why, "you recused yourself from motion %lld, so you do not settle it; the core "
			 "maintainers can vote on it again (`propose core TEXT`)", it->id);
		return GOV_REFUSED;
	}
	return GOV_OK;
}

int gov_may_decide(const struct gov_ctx *g, const struct gov_item *it, const char *handle,
		   struct buf *why)
{
	const char *noun = gov_item_noun(it);
	if (gov_kind_is_vote(it->kind)) {
		if (strcmp(it->kind, GOV_MOTION_CORE) == 0 && gov_is_tied(it))
			return may_decide_tied(g, it, handle, why);
		if (strcmp(it->state, "open") != 0) {
			buf_addf(why, "%s %lld is closed (%s); only a core motion that closed tied is "
				 "settled by `decide` (by the lead)", noun, it->id, it->state);
			return GOV_REFUSED;
		}
		buf_addf(why, "%lld is a %s: it closes by vote, not by decide; the electorate uses "
			 "`%s %lld ...`", it->id, noun,
			 strcmp(it->kind, GOV_ELECT_LEAD) == 0 ? "ballot" : "vote", it->id);
		return GOV_REFUSED;
	}
	if (strcmp(it->state, "open") != 0) {
		buf_addf(why, "%s %lld was already decided: ", noun, it->id);
		describe_decision(g->store, it, why);
		buf_adds(why, "; see `show ");
		buf_addf(why, "%lld`", it->id);
		return GOV_REFUSED;
	}
	bool core = gov_kind_is_core(it->kind);
	const char *body = gov_decider(it);
	if (!handle) {
		buf_addf(why, "only %s decide%s %s %lld; you are mapped to no handle (a core maintainer "
			 "can map you with `link PLATFORM:ID @handle`)", body, core ? "s" : "", noun, it->id);
		return GOV_REFUSED;
	}
	const struct roster *r = gov_roster(g);
	bool allowed = core ? roster_is_lead(r, handle) : roster_is_core(r, handle);
	if (!allowed) {
		buf_addf(why, "only %s decide%s %s %lld; @%s is not %s", body, core ? "s" : "", noun,
			 it->id, handle, core ? "the lead core maintainer" : "an active core maintainer");
		return GOV_REFUSED;
	}
	if (it->subject && str_ieq(it->subject, handle)) {
		buf_addf(why, "%s %lld is about you, @%s: nobody decides their own case; another core "
			 "maintainer has to", noun, it->id, handle);
		return GOV_REFUSED;
	}
	if (opened_by(it, NULL, handle)) {
		buf_addf(why, "you opened %s %lld, @%s: the nominator does not decide their own nominee "
			 "(a conflict, like a recusal); ", noun, it->id, handle);
		buf_adds(why, core ? "with the lead conflicted, the core maintainers can settle it by a "
			 "motion (`propose core TEXT`)" : "another core maintainer decides it");
		return GOV_REFUSED;
	}
	if (gov_is_recused(g->store, it->id, handle)) {
		buf_addf(why, "you are recused from %s %lld, so you no longer decide it", noun, it->id);
		if (core)
			buf_adds(why, "; with the lead recused, the core maintainers can settle it by a "
				 "motion (`propose core TEXT`)");
		else
			buf_adds(why, "; another core maintainer can");
		return GOV_REFUSED;
	}
	return GOV_OK;
}

int gov_may_nominate(const struct gov_ctx *g, const char *kind, const char *handle,
		     struct buf *why)
{
	if (strcmp(kind, GOV_NOMINATE_CORE) != 0)
		return GOV_OK;
	const struct roster *r = gov_roster(g);
	if (handle && (roster_is_core(r, handle) || roster_is_module_maintainer(r, handle)))
		return GOV_OK;
	buf_adds(why, "only core or module maintainers nominate someone for core (the governance "
		 "docs: a core or module maintainer can nominate someone to become a core "
		 "maintainer); ");
	if (handle)
		buf_addf(why, "@%s is neither. ", handle);
	else
		buf_adds(why, "you are mapped to no handle. ");
	buf_adds(why, "Ask a maintainer to nominate them; you can add a letter with `support N TEXT` "
		 "once it is open");
	return GOV_REFUSED;
}

int gov_may_recuse(const struct gov_ctx *g, const struct gov_item *it, const char *by_handle,
		   const char *target, struct buf *why)
{
	const struct roster *r = gov_roster(g);
	const char *noun = gov_item_noun(it);
	if (strcmp(it->state, "open") != 0) {
		buf_addf(why, "%s %lld is closed (%s); a recusal matters only while it is open", noun,
			 it->id, it->state);
		return GOV_REFUSED;
	}
	if (!target || (by_handle && str_ieq(target, by_handle)))
		return GOV_OK;
	if (!by_handle || !roster_is_core(r, by_handle)) {
		buf_addf(why, "only a core maintainer names another maintainer as conflicted on %s %lld; "
			 "you can recuse yourself with `recuse %lld REASON`", noun, it->id, it->id);
		return GOV_REFUSED;
	}
	if (!roster_is_core(r, target) && !roster_is_module_maintainer(r, target)) {
		buf_addf(why, "@%s is not an active maintainer, so they neither vote on nor decide %s "
			 "%lld; nothing to recuse", target, noun, it->id);
		return GOV_BAD;
	}
	return GOV_OK;
}

int gov_may_step_down_lead(const struct gov_ctx *g, const char *handle, struct buf *why)
{
	if (handle && roster_is_lead(gov_roster(g), handle))
		return GOV_OK;
	buf_adds(why, "only the lead core maintainer steps down from the lead role");
	if (handle)
		buf_addf(why, "; @%s is not the lead", handle);
	buf_adds(why, " (to leave a module or the core maintainers: `step-down MODULE|core [REASON]`)");
	return GOV_REFUSED;
}

int gov_may_withdraw(const struct gov_item *it, const char *by_id, const char *by_handle,
		     struct buf *why)
{
	const char *noun = gov_item_noun(it);
	if (strcmp(it->state, "open") != 0) {
		buf_addf(why, "%s %lld is closed (%s); only an open item can be withdrawn", noun, it->id,
			 it->state);
		return GOV_REFUSED;
	}
	if (!opened_by(it, by_id, by_handle)) {
		buf_addf(why, "only the one who opened %s %lld (%s%s) withdraws it", noun, it->id,
			 it->opened_by_handle ? "@" : "",
			 it->opened_by_handle ? it->opened_by_handle : it->opened_by);
		return GOV_REFUSED;
	}
	return GOV_OK;
}

int gov_may_escalate(const struct gov_ctx *g, const struct gov_item *it, const char *handle,
		     struct buf *why)
{
	if (strcmp(it->kind, GOV_MOTION_GROUP) != 0) {
		buf_addf(why, "%lld is not a module motion; only a module group's motion that failed or "
			 "tied is escalated to the core maintainers", it->id);
		return GOV_REFUSED;
	}
	if (strcmp(it->state, "failed") != 0 && !gov_is_tied(it)) {
		buf_addf(why, "motion %lld is %s; a module motion is escalated once it failed or tied",
			 it->id, it->state);
		return GOV_REFUSED;
	}
	const struct roster_group *grp = gov_find_group(gov_roster(g), it->grp);
	if (!handle || !grp || !roster_in_group(grp, handle, NULL)) {
		buf_addf(why, "only a maintainer of %s escalates its motion %lld", it->grp ? it->grp : "?",
			 it->id);
		if (!handle)
			buf_adds(why, "; you are mapped to no handle");
		return GOV_REFUSED;
	}
	long long other = store_count(g->store, "SELECT coalesce(min(id), 0) FROM items WHERE ref = ?1"
				      " AND kind = 'motion-core'", it->id);
	if (other > 0) {
		buf_addf(why, "motion %lld was escalated already: core motion %lld (`show %lld`)", it->id,
			 other, other);
		return GOV_REFUSED;
	}
	return GOV_OK;
}

static int insert_event(struct store *s, long long decision_id, const struct gov_event *e,
			long long now)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO roster_events(decision_id, op, grp, name,"
				      " handle, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_text(st, 2, e->op, -1, SQLITE_STATIC);
	bind_opt_text(st, 3, e->grp);
	bind_opt_text(st, 4, e->name);
	bind_opt_text(st, 5, e->handle);
	sqlite3_bind_int64(st, 6, now);
	int rc = store_check(s, sqlite3_step(st), "roster event");
	sqlite3_reset(st);
	return rc;
}

int gov_record_decision(const struct gov_ctx *g, const struct gov_decision *d, long long now,
			long long *decision_id)
{
	struct store *s = g->store;
	const char *outcome = d->outcome ? d->outcome : d->state;
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO decisions(item_id, outcome, by_id, by_handle,"
				      " rationale, tally, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, d->item_id);
	sqlite3_bind_text(st, 2, outcome, -1, SQLITE_STATIC);
	bind_opt_text(st, 3, d->by_id);
	bind_opt_text(st, 4, d->by_handle);
	bind_opt_text(st, 5, d->rationale);
	bind_opt_text(st, 6, d->tally);
	sqlite3_bind_int64(st, 7, now);
	int rc = store_check(s, sqlite3_step(st), "decision");
	sqlite3_reset(st);
	if (rc != STORE_OK)
		return rc;
	long long did = sqlite3_last_insert_rowid(store_db(s));

	st = store_stmt(s, "UPDATE items SET state = ?2, closed_at = ?3, result = ?4"
			" WHERE id = ?1 AND state IN ('open', 'tied')");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, d->item_id);
	sqlite3_bind_text(st, 2, d->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, outcome, -1, SQLITE_STATIC);
	rc = store_check(s, sqlite3_step(st), "close item");
	sqlite3_reset(st);
	if (rc != STORE_OK)
		return rc;
	if (sqlite3_changes(store_db(s)) != 1) {
		/* closed by someone else between the check and this write */
		log_warn("gov", "item %lld was no longer open", d->item_id);
		return STORE_BUSY;
	}
	for (size_t i = 0; i < d->nevents; i++)
		if ((rc = insert_event(s, did, &d->events[i], now)) != STORE_OK)
			return rc;

	struct buf detail = BUF_INIT;
	buf_addf(&detail, "%s", outcome);
	if (d->rationale)
		buf_addf(&detail, "; rationale: %s", d->rationale);
	rc = store_audit(s, now, d->by_id ? d->by_id : "govbot:system", d->by_handle,
			 d->action ? d->action : "decide", d->item_id, buf_str(&detail));
	buf_release(&detail);
	if (rc != STORE_OK)
		return rc;

	rc = outbox_enqueue(s, did, d->title, d->body, g->targets, g->ntargets, now, NULL);
	if (rc == STORE_OK && decision_id)
		*decision_id = did;
	return rc;
}

const struct roster_group *gov_find_group(const struct roster *r, const char *grp)
{
	if (!grp)
		return NULL;
	if (strcmp(grp, GOV_CORE) == 0)
		return roster_core_group(r);
	for (size_t i = 0; i < r->ngroups; i++)
		if (str_ieq(r->groups[i].title, grp))
			return &r->groups[i];
	return NULL;
}

static int apply_event(struct roster *r, const char *op, const char *grp, const char *name,
		       const char *handle)
{
	/* module changes move groups: nothing of the roster is held across them */
	if (strcmp(op, "add-group") == 0)
		return grp ? roster_add_group(r, grp) : -1;
	if (strcmp(op, "sunset-group") == 0 || strcmp(op, "rename-group") == 0) {
		const struct roster_group *mg = gov_find_group(r, grp);
		if (!mg)
			return -1;
		size_t gi = roster_group_index(r, mg);
		return strcmp(op, "sunset-group") == 0 ? roster_sunset_group(r, gi)
						      : roster_rename_group(r, gi, name);
	}
	const struct roster_group *g = NULL;
	if (strcmp(op, "add-core") == 0 || strcmp(op, "remove-core") == 0)
		g = roster_core_group(r);
	else if (strcmp(op, "set-lead") != 0)
		g = gov_find_group(r, grp);
	if (!handle || (!g && strcmp(op, "set-lead") != 0))
		return -1;
	size_t gi = g ? (size_t)(g - r->groups) : 0;
	const char *nm = name && *name ? name : handle;
	if (strcmp(op, "add") == 0 || strcmp(op, "add-core") == 0) {
		bool em = false;
		if (roster_in_group(g, handle, &em))
			return 0;   /* already there: nothing to do */
		if (em)
			return roster_set_emeritus(r, gi, handle, false);
		return roster_add_person(r, gi, nm, handle);
	}
	if (strcmp(op, "emeritus") == 0)
		return roster_set_emeritus(r, gi, handle, true);
	/* removed from core means emeritus core, as the upstream page keeps it */
	if (strcmp(op, "remove-core") == 0)
		return roster_set_emeritus(r, gi, handle, true);
	if (strcmp(op, "remove") == 0)
		return roster_remove_person(r, gi, handle);
	if (strcmp(op, "set-lead") == 0)
		return roster_set_lead(r, nm, handle);
	return -1;
}

/* Applies the stored events with id > after, in order, to r; *last gets
 * the last id seen. */
static int apply_events(struct store *s, struct roster *r, long long after, long long *last)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id, op, grp, name, handle FROM roster_events"
				      " WHERE id > ?1 ORDER BY id");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, after);
	int rc;
	*last = after;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		const char *op = (const char *)sqlite3_column_text(st, 1);
		const char *grp = (const char *)sqlite3_column_text(st, 2);
		const char *name = (const char *)sqlite3_column_text(st, 3);
		const char *handle = (const char *)sqlite3_column_text(st, 4);
		if (apply_event(r, op ? op : "", grp, name, handle) < 0)
			log_warn("gov", "roster event %lld (%s %s in %s) does not apply to this roster",
				 id, op ? op : "?", handle ? handle : name ? name : "?", grp ? grp : "core");
		*last = id;
	}
	int out = store_check(s, rc, "roster events");
	sqlite3_reset(st);
	return out;
}

int gov_roster_rebuild(const struct gov_ctx *g)
{
	if (!g->store || !g->base || !g->current)
		return STORE_OK;
	struct roster *r = roster_clone(g->base);
	long long last = 0;
	int rc = apply_events(g->store, r, 0, &last);
	if (rc != STORE_OK) {
		roster_free(r);
		return rc;
	}
	roster_free(*g->current);
	*g->current = r;
	store_set_roster_mark(g->store, last);
	return STORE_OK;
}

int gov_roster_sync(const struct gov_ctx *g)
{
	if (!g->store || !g->current)
		return STORE_OK;
	/* nothing changed since the last sync (the common case, once per
	 * command): no roster_events read */
	long long gen = store_refresh(g->store);
	if (*g->current && gen == store_roster_gen(g->store))
		return STORE_OK;
	long long max = store_count(g->store, "SELECT coalesce(max(id), 0) FROM roster_events", 0);
	if (max < 0)
		return STORE_ERR;
	long long mark = store_roster_mark(g->store);
	int rc = STORE_OK;
	if (max < mark || !*g->current) {
		rc = gov_roster_rebuild(g);
	} else if (max != mark) {
		long long last = mark;
		rc = apply_events(g->store, *g->current, mark, &last);
		if (rc == STORE_OK)
			store_set_roster_mark(g->store, last);
	}
	if (rc == STORE_OK)
		store_set_roster_gen(g->store, gen);
	return rc;
}

void gov_format_time(long long at, char *out, size_t n)
{
	time_t t = (time_t)at;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, n, "%lld", at);
}
