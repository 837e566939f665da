/* motion.c - opening motions and elections, casting votes and ballots;
 * closing them is in motion_close.c.  See motion.h. */
#include "chatbot/gov/motion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chatbot/gov/gov.h"
#include "chatbot/util/log.h"
#include "chatbot/gov/motion_int.h"
#include "chatbot/gov/notice.h"
#include "chatbot/roster/roster.h"
#include "chatbot/gov/store.h"

static const char *const kind_names[] = {
	[MOTION_GROUP] = GOV_MOTION_GROUP,
	[MOTION_CORE] = GOV_MOTION_CORE,
	[MOTION_REMOVE_LEAD] = GOV_REMOVE_LEAD,
	[MOTION_ELECT_LEAD] = GOV_ELECT_LEAD,
	[MOTION_OVERRULE] = GOV_OVERRULE,
	[MOTION_MODULE_ADD] = GOV_MODULE_ADD,
	[MOTION_MODULE_REMOVE] = GOV_MODULE_REMOVE,
	[MOTION_MODULE_RENAME] = GOV_MODULE_RENAME,
};

const char *motion_kind_name(enum motion_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

int motion_kind_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(kind_names); i++)
		if (strcmp(kind_names[i], name) == 0)
			return (int)i;
	return -1;
}

void motion_format_time(long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, n, "%lld", t);
}

void motion_handles_release(struct motion_handles *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i]);
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

static void handles_add(struct motion_handles *h, const char *s)
{
	h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
	h->v[h->n++] = xstrdup(s);
}

int motion_handles_find(const struct motion_handles *h, const char *s)
{
	for (size_t i = 0; i < h->n; i++)
		if (str_ieq(h->v[i], s))
			return (int)i;
	return -1;
}

/* Rows of a one-column, one-parameter (item id) query. */
int motion_query_handles(struct store *s, const char *sql, long long id, struct motion_handles *out)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		handles_add(out, v ? v : "");
	}
	rc = store_check(s, rc, "motion query");
	sqlite3_reset(st);
	return rc;
}

int motion_electorate(struct store *s, long long id, struct motion_handles *out)
{
	return motion_query_handles(s,
		"SELECT handle FROM electorate WHERE item_id = ?1 AND handle NOT IN"
		" (SELECT handle FROM recusals WHERE item_id = ?1) ORDER BY rowid", id, out);
}

const char *motion_electorate_words(const struct gov_item *it)
{
	if (strcmp(it->kind, GOV_MOTION_GROUP) == 0)
		return "the active maintainers of the group when it opened";
	if (strcmp(it->kind, GOV_REMOVE_LEAD) == 0)
		return "the core maintainers other than the lead";
	return "the core maintainers when it opened";
}

const char *motion_noun(const struct gov_item *it)
{
	return strcmp(it->kind, GOV_ELECT_LEAD) == 0 ? "election" : "motion";
}

static int busy(int rc, struct buf *why)
{
	buf_addf(why, "%s", store_rc_text(rc));
	return GOV_FAILED;
}

static int no_store(struct buf *why)
{
	buf_adds(why, "motions and votes need the database, and this bot runs without one; "
		 "configure \"database\" and try again");
	return GOV_FAILED;
}

/* ---- opening ---- */

static bool one_open(struct store *s, const char *kind, long long *id)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM items WHERE kind = ?1 AND state = 'open'"
				      " ORDER BY id LIMIT 1");
	bool found = false;
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		found = true;
	}
	sqlite3_reset(st);
	return found;
}

/* Why `propose elect-lead` waits while a lead is in office, and what would work. */
static void refuse_lead_in_office(struct store *s, const struct roster_person *lead, struct buf *why)
{
	long long other;
	if (lead->handle)
		buf_addf(why, "@%s is the lead core maintainer", lead->handle);
	else
		buf_addf(why, "%s is the lead core maintainer", lead->name);
	buf_adds(why, "; a new lead is elected only once the office is vacant: the lead steps down "
		 "(`step-down lead`) or is removed");
	if (one_open(s, GOV_REMOVE_LEAD, &other))
		buf_addf(why, ": motion %lld to remove the lead is still open (`vote %lld "
			 "yes|no|abstain`), and an election follows once it passes", other, other);
	else
		buf_adds(why, " (`propose remove-lead RATIONALE`, passed by yes from at least 75% of "
			 "the core maintainers other than the lead), also when the lead is permanently "
			 "unavailable");
	if (!lead->handle)
		buf_adds(why, "; the roster lists the lead without a GitHub handle, so add it there "
			 "before proposing the removal");
}

/* An escalation (MOTION_CORE with ref) or an overrule: the module motion
 * it is about, checked under the write lock. */
static int check_ref(const struct gov_ctx *g, const struct motion_open_req *req, struct buf *why)
{
	struct gov_item ref;
	int rc = gov_item_get(g->store, req->ref, &ref);
	if (rc < 0)
		return busy(rc, why);
	if (rc == 0) {
		buf_addf(why, "there is no item %lld", req->ref);
		return GOV_BAD;
	}
	int out = GOV_OK;
	if (req->kind == MOTION_CORE) {
		out = gov_may_escalate(g, &ref, req->by_handle, why);
	} else if (strcmp(ref.kind, GOV_MOTION_GROUP) != 0) {
		buf_addf(why, "%lld is not a module motion; the core maintainers overrule what a module "
			 "group decided by its own motion", ref.id);
		out = GOV_BAD;
	} else if (strcmp(ref.state, "open") == 0) {
		buf_addf(why, "module motion %lld is still open; it can be overruled once it closed",
			 ref.id);
		out = GOV_REFUSED;
	} else if (ref.result && strncmp(ref.result, "overruled", 9) == 0) {
		buf_addf(why, "module motion %lld was already %s", ref.id, ref.result);
		out = GOV_REFUSED;
	} else if (store_count(g->store, "SELECT count(*) FROM items WHERE kind = 'overrule'"
			       " AND state = 'open' AND ref = ?1", ref.id) > 0) {
		buf_addf(why, "a motion to overrule module motion %lld is already open", ref.id);
		out = GOV_REFUSED;
	}
	gov_item_release(&ref);
	return out;
}

/* A heading a module can take: not empty, one line, no Markdown link
 * brackets or backticks, at most 200 bytes, and no module has it yet. */
static int check_heading(const struct roster *r, const char *title, struct buf *why)
{
	if (!title || !*title || strlen(title) > 200 || strpbrk(title, "\n\r[]`")) {
		buf_adds(why, "a module's name is one line of at most 200 bytes, without brackets or "
			 "backticks");
		return GOV_BAD;
	}
	if (gov_find_group(r, title) || str_ieq(title, GOV_CORE)) {
		buf_addf(why, "there is a module called %s already (`who %s`)", title, title);
		return GOV_REFUSED;
	}
	return GOV_OK;
}

/* add-module, remove-module, rename-module: what they change must exist
 * (or not yet), and no other proposal on it may be open.  *grp gets the
 * heading the item records. */
static int check_module_change(const struct gov_ctx *g, const struct motion_open_req *req,
			       const char **grp, struct buf *why)
{
	const struct roster *r = gov_roster(g);
	int res;
	if (req->kind == MOTION_MODULE_ADD) {
		if ((res = check_heading(r, req->group, why)) != GOV_OK)
			return res;
		*grp = req->group;
	} else {
		const struct roster_group *mg = req->group ? gov_find_group(r, req->group) : NULL;
		enum roster_kind k = mg ? roster_group_kind(r, mg) : ROSTER_TEXT;
		if (!mg || (k != ROSTER_MODULES && k != ROSTER_LIBRARIES && k != ROSTER_EXTERNAL &&
			    k != ROSTER_SUNSET)) {
			buf_addf(why, "there is no module \"%s\"; `modules` lists them",
				 req->group ? req->group : "");
			return GOV_BAD;
		}
		if (req->kind == MOTION_MODULE_REMOVE && k == ROSTER_SUNSET) {
			buf_addf(why, "%s is sunsetted already", mg->title);
			return GOV_REFUSED;
		}
		if (req->kind == MOTION_MODULE_RENAME &&
		    (res = check_heading(r, req->new_name, why)) != GOV_OK)
			return res;
		*grp = mg->title;
	}
	sqlite3_stmt *st = store_stmt(g->store, "SELECT id FROM items WHERE state = 'open' AND kind IN"
				      " ('module-add', 'module-remove', 'module-rename') AND"
				      " (grp = ?1 COLLATE NOCASE OR subject_name = ?1 COLLATE NOCASE)");
	long long open_id = 0;
	if (st) {
		sqlite3_bind_text(st, 1, *grp, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			open_id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	if (open_id) {
		buf_addf(why, "motion %lld on %s is already open; vote on it with `vote %lld "
			 "yes|no|abstain`", open_id, *grp, open_id);
		return GOV_REFUSED;
	}
	return GOV_OK;
}

/* Validates the request and collects the electorate and the candidates
 * (roster spellings).  GOV_OK or BAD/REFUSED with why. */
static int prepare(const struct gov_ctx *g, const struct motion_open_req *req,
		   struct motion_handles *electorate, struct motion_handles *cands,
		   const char **grp, const char **subject, struct buf *why)
{
	const struct roster *r = gov_roster(g);
	const struct roster_person *lead = roster_lead(r);
	long long other;

	if (strlen(req->text) > MOTION_MAX_TEXT) {
		buf_addf(why, "that text is %zu bytes; the limit is %d, so shorten it and propose again",
			 strlen(req->text), MOTION_MAX_TEXT);
		return GOV_BAD;
	}
	if (req->kind != MOTION_ELECT_LEAD && !*str_skip_space(req->text)) {
		buf_adds(why, req->kind == MOTION_REMOVE_LEAD
			 ? "a motion to remove the lead needs a rationale: propose remove-lead RATIONALE"
			 : "a motion needs its text: propose MODULE|core TEXT");
		return GOV_BAD;
	}
	*grp = GOV_CORE;
	*subject = NULL;
	switch (req->kind) {
	case MOTION_GROUP: {
		const struct roster_group *grpp = req->group ? gov_find_group(r, req->group) : NULL;
		if (!grpp) {
			buf_addf(why, "there is no module group \"%s\"; `modules` lists them",
				 req->group ? req->group : "");
			return GOV_BAD;
		}
		*grp = grpp->title;
		for (size_t i = 0; i < grpp->npeople; i++)
			if (!grpp->people[i].emeritus && grpp->people[i].handle &&
			    motion_handles_find(electorate, grpp->people[i].handle) < 0)
				handles_add(electorate, grpp->people[i].handle);
		if (!electorate->n) {
			buf_addf(why, "%s has no active maintainers to vote; propose it to the core "
				 "maintainers instead: propose core TEXT", grpp->title);
			return GOV_REFUSED;
		}
		return GOV_OK;
	}
	case MOTION_CORE:
	case MOTION_OVERRULE:
		if (req->ref || req->kind == MOTION_OVERRULE) {
			int res = check_ref(g, req, why);
			if (res != GOV_OK)
				return res;
		}
		break;
	case MOTION_MODULE_ADD:
	case MOTION_MODULE_REMOVE:
	case MOTION_MODULE_RENAME: {
		int res = check_module_change(g, req, grp, why);
		if (res != GOV_OK)
			return res;
		break;
	}
	case MOTION_ELECT_LEAD:
	case MOTION_REMOVE_LEAD:
		break;
	}

	size_t n = roster_core_handles(r, NULL, 0);
	const char **core = xcalloc(n + 1, sizeof(*core));
	roster_core_handles(r, core, n);
	for (size_t i = 0; i < n; i++) {
		if (req->kind == MOTION_REMOVE_LEAD && lead && lead->handle && str_ieq(core[i], lead->handle))
			continue;
		if (motion_handles_find(electorate, core[i]) < 0)
			handles_add(electorate, core[i]);
	}
	free(core);

	if (req->kind == MOTION_REMOVE_LEAD) {
		if (lead && !lead->handle) {
			buf_addf(why, "the lead core maintainer, %s, is listed on the roster without a "
				 "GitHub handle, so there is no one to hold a vote on; add their handle "
				 "to the roster's lead section first", lead->name);
			return GOV_REFUSED;
		}
		if (!lead) {
			buf_adds(why, "there is no lead core maintainer to remove; to choose one, "
				 "propose elect-lead @a @b ...");
			return GOV_REFUSED;
		}
		if (one_open(g->store, GOV_REMOVE_LEAD, &other)) {
			buf_addf(why, "motion %lld to remove the lead is already open; vote on it with "
				 "`vote %lld yes|no|abstain`", other, other);
			return GOV_REFUSED;
		}
		*subject = lead->handle;
		if (!electorate->n) {
			buf_adds(why, "there are no core maintainers other than the lead to vote on it");
			return GOV_REFUSED;
		}
	}
	if (req->kind == MOTION_ELECT_LEAD) {
		/* the lead leaves office only by the 75% removal: an election
		 * (a simple majority in the last round) never unseats them */
		if (lead) {
			refuse_lead_in_office(g->store, lead, why);
			return GOV_REFUSED;
		}
		if (one_open(g->store, GOV_ELECT_LEAD, &other)) {
			buf_addf(why, "election %lld is already open; cast your ballot with "
				 "`ballot %lld @a > @b`", other, other);
			return GOV_REFUSED;
		}
		if (one_open(g->store, GOV_REMOVE_LEAD, &other)) {
			buf_addf(why, "motion %lld to remove the lead is still open; an election "
				 "follows once it is settled", other);
			return GOV_REFUSED;
		}
		for (size_t i = 0; i < req->ncandidates; i++) {
			const char *h = req->candidates[i];
			const struct roster_person *p = roster_find_person(r, h);
			if (!roster_is_core(r, h)) {
				buf_addf(why, "@%s is not an active core maintainer; only core maintainers "
					 "stand for lead (`core` lists them)", h);
				return GOV_BAD;
			}
			if (motion_handles_find(cands, h) >= 0) {
				buf_addf(why, "@%s is named twice; name each candidate once", h);
				return GOV_BAD;
			}
			handles_add(cands, p && p->handle ? p->handle : h);
		}
		if (cands->n < 2) {
			buf_adds(why, "an election needs at least two candidates: "
				 "propose elect-lead @a @b ...");
			return GOV_BAD;
		}
		if (cands->n > MOTION_MAX_CANDIDATES) {
			buf_addf(why, "at most %d candidates stand in one election", MOTION_MAX_CANDIDATES);
			return GOV_BAD;
		}
	}
	if (!electorate->n) {
		buf_adds(why, "there are no core maintainers to vote");
		return GOV_REFUSED;
	}
	return GOV_OK;
}

/* "s" unless n is one. */
#define PL(n) ((n) == 1 ? "" : "s")

static void describe_open(const struct gov_ctx *g, const struct motion_open_req *req, long long id,
			  size_t nelect, const struct motion_handles *cands, const char *grp,
			  long long deadline, struct buf *done)
{
	char when[64];
	motion_format_time(deadline, when, sizeof(when));
	switch (req->kind) {
	case MOTION_GROUP:
		buf_addf(done, "Opened motion %lld for %s: a majority of its %zu active maintainer%s "
			 "(%d yes vote%s) passes it.", id, grp, nelect, PL(nelect),
			 tally_needed(TALLY_MAJORITY, (int)nelect), PL(tally_needed(TALLY_MAJORITY, (int)nelect)));
		break;
	case MOTION_CORE:
		if (req->ref)
			buf_addf(done, "Escalated module motion %lld to the core maintainers as motion "
				 "%lld: a majority of the %zu (%d yes vote%s) passes it.", req->ref, id,
				 nelect, tally_needed(TALLY_MAJORITY, (int)nelect), PL(tally_needed(TALLY_MAJORITY, (int)nelect)));
		else
			buf_addf(done, "Opened motion %lld for the core maintainers: a majority of the "
				 "%zu (%d yes vote%s) passes it.", id, nelect,
				 tally_needed(TALLY_MAJORITY, (int)nelect), PL(tally_needed(TALLY_MAJORITY, (int)nelect)));
		break;
	case MOTION_OVERRULE:
		buf_addf(done, "Opened motion %lld to overrule module motion %lld: a majority of the "
			 "%zu core maintainers (%d yes vote%s) passes it.", id, req->ref, nelect,
			 tally_needed(TALLY_MAJORITY, (int)nelect), PL(tally_needed(TALLY_MAJORITY, (int)nelect)));
		break;
	case MOTION_MODULE_ADD:
	case MOTION_MODULE_REMOVE:
	case MOTION_MODULE_RENAME:
		if (req->kind == MOTION_MODULE_ADD)
			buf_addf(done, "Opened motion %lld to add the module %s", id, grp);
		else if (req->kind == MOTION_MODULE_REMOVE)
			buf_addf(done, "Opened motion %lld to remove the module %s (it would move to the "
				 "sunsetted modules)", id, grp);
		else
			buf_addf(done, "Opened motion %lld to rename the module %s to %s", id, grp,
				 req->new_name);
		buf_addf(done, ": the core maintainers decide it, a majority of the %zu (%d yes vote%s) "
			 "passes it.", nelect, tally_needed(TALLY_MAJORITY, (int)nelect), PL(tally_needed(TALLY_MAJORITY, (int)nelect)));
		break;
	case MOTION_REMOVE_LEAD: {
		const struct roster_person *lead = roster_lead(gov_roster(g));
		buf_addf(done, "Opened motion %lld to remove the lead core maintainer @%s: it passes "
			 "with yes from at least 75%% of the %zu core maintainers other than the lead "
			 "(%d yes vote%s).", id, lead && lead->handle ? lead->handle : "?", nelect,
			 tally_needed(TALLY_THREE_QUARTERS, (int)nelect), PL(tally_needed(TALLY_THREE_QUARTERS, (int)nelect)));
		break;
	}
	case MOTION_ELECT_LEAD:
		buf_addf(done, "Opened election %lld of a new lead core maintainer among", id);
		for (size_t i = 0; i < cands->n; i++)
			buf_addf(done, "%s @%s", i ? (i + 1 == cands->n ? " and" : ",") : "", cands->v[i]);
		buf_addf(done, ": an instant-runoff vote of the %zu core maintainers. "
			 "Rank the candidates with `ballot %lld", nelect, id);
		for (size_t i = 0; i < cands->n; i++)
			buf_addf(done, "%s@%s", i ? " > " : " ", cands->v[i]);
		buf_adds(done, "` (most preferred first; rank as many as you like).");
		break;
	}
	if (req->kind != MOTION_ELECT_LEAD)
		buf_addf(done, " Vote with `vote %lld yes|no|abstain`.", id);
	buf_addf(done, " It closes when it is decided, or on %s.", when);
}

int motion_open(const struct gov_ctx *g, const struct motion_open_req *req, long long *id,
		struct buf *done, struct buf *why)
{
	struct store *s = g->store;
	struct motion_handles electorate = { 0 }, cands = { 0 };
	const char *grp = NULL, *subject = NULL;
	long long now = gov_now(g);
	int days = g->vote_days;
	long long deadline = now + (long long)days * 86400;
	int rc, out = GOV_FAILED;

	if (!s)
		return no_store(why);
	rc = store_begin(s);
	if (rc != STORE_OK)
		return busy(rc, why);
	/* who holds the lead decides whether these may open: read it under the
	 * write lock, so a removal or election another process just closed counts
	 * (no borrowed roster pointer is held by a lead request) */
	if (req->kind == MOTION_ELECT_LEAD || req->kind == MOTION_REMOVE_LEAD) {
		rc = gov_roster_sync(g);
		if (rc != STORE_OK) {
			out = busy(rc, why);
			goto cleanup;
		}
	}
	out = prepare(g, req, &electorate, &cands, &grp, &subject, why);
	if (out != GOV_OK)
		goto cleanup;
	out = GOV_FAILED;

	struct gov_item it = {
		.kind = (char *)motion_kind_name(req->kind),
		.state = (char *)"open",
		.subject = (char *)subject,
		.grp = (char *)grp,
		.text = (char *)req->text,
		.opened_by = (char *)req->by_id,
		.opened_by_handle = (char *)req->by_handle,
		.created_at = now,
		.deadline = deadline,
		.ref = req->ref,
		.subject_name = req->kind == MOTION_MODULE_RENAME ? (char *)req->new_name : NULL,
	};
	rc = gov_item_insert(s, &it, id);
	if (rc != STORE_OK)
		goto fail;
	for (size_t i = 0; i < electorate.n && rc == STORE_OK; i++) {
		sqlite3_stmt *st = store_stmt(s, "INSERT INTO electorate(item_id, handle) VALUES (?1, ?2)");
		if (!st) {
			rc = STORE_ERR;
			break;
		}
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_text(st, 2, electorate.v[i], -1, SQLITE_STATIC);
		rc = store_check(s, sqlite3_step(st), "electorate");
		sqlite3_reset(st);
	}
	for (size_t i = 0; i < cands.n && rc == STORE_OK; i++) {
		sqlite3_stmt *st = store_stmt(s, "INSERT INTO candidates(item_id, handle, pos)"
					      " VALUES (?1, ?2, ?3)");
		if (!st) {
			rc = STORE_ERR;
			break;
		}
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_text(st, 2, cands.v[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (long long)i);
		rc = store_check(s, sqlite3_step(st), "candidates");
		sqlite3_reset(st);
	}
	if (rc == STORE_OK)
		rc = store_audit(s, now, req->by_id, req->by_handle, "propose", *id, it.kind);
	if (rc == STORE_OK)
		rc = notice_opening(g, *id, now);
	if (rc == STORE_OK)
		rc = store_commit(s);
	else
		store_rollback(s);
	if (rc != STORE_OK)
		goto fail;
	if (done)
		describe_open(g, req, *id, electorate.n, &cands, grp, deadline, done);
	out = GOV_OK;
	goto cleanup;
fail:
	busy(rc, why);
cleanup:
	if (store_in_tx(s))
		store_rollback(s);
	motion_handles_release(&electorate);
	motion_handles_release(&cands);
	return out;
}

/* ---- who may vote ---- */

/* Checks, with the item loaded: GOV_OK or why. */
static int check_voter(struct store *s, const struct gov_item *it, const char *handle,
		       bool ballot, struct buf *why)
{
	long long id = it->id;
	int out = GOV_REFUSED;
	struct motion_handles el = { 0 };

	if (!gov_kind_is_vote(it->kind)) {
		buf_addf(why, "%lld is a %s, not a motion; it is decided by %s with `decide %lld "
			 "accept|reject RATIONALE`", id, gov_item_noun(it), gov_decider(it), id);
		return GOV_REFUSED;
	}
	if (ballot && strcmp(it->kind, GOV_ELECT_LEAD) != 0) {
		buf_addf(why, "%lld is a yes/no motion, not an election: vote with "
			 "`vote %lld yes|no|abstain`", id, id);
		return GOV_REFUSED;
	}
	if (!ballot && strcmp(it->kind, GOV_ELECT_LEAD) == 0) {
		buf_addf(why, "%lld is an election: rank the candidates with `ballot %lld @a > @b`",
			 id, id);
		return GOV_REFUSED;
	}
	if (strcmp(it->state, "open") != 0) {
		buf_addf(why, "%s %lld is closed (%s); votes count only while it is open",
			 motion_noun(it), id, it->state);
		return GOV_REFUSED;
	}
	if (!handle) {
		buf_addf(why, "only the electorate of %s %lld votes (%s); your chat identity is "
			 "mapped to no roster handle (a core maintainer can `link` it)",
			 motion_noun(it), id, motion_electorate_words(it));
		return GOV_REFUSED;
	}
	if (gov_is_recused(s, id, handle)) {
		buf_addf(why, "you recused yourself from %lld, so you no longer vote on it", id);
		return GOV_REFUSED;
	}
	int rc = motion_query_handles(s, "SELECT handle FROM electorate WHERE item_id = ?1", id, &el);
	if (rc != STORE_OK) {
		out = busy(rc, why);
		goto cleanup;
	}
	if (motion_handles_find(&el, handle) < 0 && strcmp(it->kind, GOV_REMOVE_LEAD) == 0 &&
	    it->subject && str_ieq(handle, it->subject)) {
		buf_addf(why, "as the lead, you do not vote on motion %lld to remove you; the core "
			 "maintainers other than the lead decide it", id);
		goto cleanup;
	}
	if (motion_handles_find(&el, handle) < 0) {
		buf_addf(why, "@%s is not in the electorate of %s %lld (%s); only they vote on it",
			 handle, motion_noun(it), id, motion_electorate_words(it));
		goto cleanup;
	}
	out = GOV_OK;
cleanup:
	motion_handles_release(&el);
	return out;
}

static int load_item(struct store *s, long long id, struct gov_item *it, struct buf *why)
{
	int rc = gov_item_get(s, id, it);
	if (rc == 1)
		return GOV_OK;
	if (rc == 0) {
		buf_addf(why, "there is no item %lld; `nominations all` and `agenda` list them", id);
		return GOV_BAD;
	}
	return busy(rc, why);
}

int motion_check_voter(const struct gov_ctx *g, long long id, const char *handle, bool ballot,
		       struct buf *why)
{
	struct gov_item it;
	int out;
	if (!g->store)
		return no_store(why);
	/* a motion past its deadline is closed first, so the refusal says so */
	motion_close_expired(g, gov_now(g));
	out = load_item(g->store, id, &it, why);
	if (out != GOV_OK)
		return out;
	out = check_voter(g->store, &it, handle, ballot, why);
	gov_item_release(&it);
	return out;
}

/* ---- casting ---- */

static char *previous(struct store *s, const char *sql, long long id, const char *handle)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	char *v = NULL;
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = store_col_dup(st, 0);
	sqlite3_reset(st);
	return v;
}

static int upsert(struct store *s, const char *sql, long long id, const char *handle,
		  const char *value, long long now)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc;
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = store_check(s, sqlite3_step(st), "cast");
	sqlite3_reset(st);
	return rc;
}

/* Shared by motion_vote and motion_ballot: check inside the transaction,
 * store the value, settle, commit.  value is the vote or the ranking. */
static int cast(const struct gov_ctx *g, long long id, const char *caller_id, const char *handle,
		bool ballot, const char *value, const struct motion_handles *ranking,
		struct buf *out, struct buf *why)
{
	struct store *s = g->store;
	struct gov_item it = { 0 };
	long long now = gov_now(g);
	char *prev = NULL;
	int rc, res, closed = 0;
	struct buf summary = BUF_INIT;

	if (!s)
		return no_store(why);
	motion_close_expired(g, now);
	rc = store_begin(s);
	if (rc != STORE_OK)
		return busy(rc, why);
	res = load_item(s, id, &it, why);
	if (res != GOV_OK)
		goto cleanup;
	res = check_voter(s, &it, handle, ballot, why);
	if (res != GOV_OK)
		goto cleanup;
	if (ranking) {
		struct motion_handles cands = { 0 };
		rc = motion_query_handles(s, "SELECT handle FROM candidates WHERE item_id = ?1"
					  " ORDER BY pos", id, &cands);
		res = rc == STORE_OK ? motion_check_ranking(&cands, ranking, why) : busy(rc, why);
		motion_handles_release(&cands);
		if (res != GOV_OK)
			goto cleanup;
	}
	res = GOV_FAILED;
	prev = ballot ? previous(s, "SELECT ranking FROM ballots WHERE item_id = ?1 AND handle = ?2",
				 id, handle)
		      : previous(s, "SELECT vote FROM votes WHERE item_id = ?1 AND handle = ?2",
				 id, handle);
	rc = ballot ? upsert(s, "INSERT INTO ballots(item_id, handle, ranking, at) VALUES (?1, ?2, ?3, ?4)"
			     " ON CONFLICT(item_id, handle) DO UPDATE SET ranking = ?3, at = ?4",
			     id, handle, value, now)
		    : upsert(s, "INSERT INTO votes(item_id, handle, vote, at) VALUES (?1, ?2, ?3, ?4)"
			     " ON CONFLICT(item_id, handle) DO UPDATE SET vote = ?3, at = ?4",
			     id, handle, value, now);
	if (rc == STORE_OK)
		rc = store_audit(s, now, caller_id, handle, ballot ? "ballot" : "vote", id, value);
	if (rc == STORE_OK) {
		closed = motion_settle_locked(g, &it, now, false, &summary);
		if (closed < 0)
			rc = closed;
	}
	if (rc == STORE_OK)
		rc = store_commit(s);
	if (rc != STORE_OK) {
		store_rollback(s);
		busy(rc, why);
		goto cleanup;
	}
	res = GOV_OK;
	if (closed)
		gov_roster_sync(g);

	if (ballot) {
		buf_addf(out, "Your ballot in election %lld ", id);
		if (!prev)
			buf_adds(out, "is");
		else if (strcmp(prev, value) == 0)
			buf_adds(out, "was already");
		else
			buf_adds(out, "replaces your earlier one and is");
		buf_adds(out, " ");
		for (size_t i = 0; i < ranking->n; i++)
			buf_addf(out, "%s@%s", i ? " > " : "", ranking->v[i]);
		buf_adds(out, ".");
	} else if (!prev) {
		buf_addf(out, "Your vote on motion %lld is %s.", id, value);
	} else if (strcmp(prev, value) == 0) {
		buf_addf(out, "Your vote on motion %lld was already %s; nothing changed.", id, value);
	} else {
		buf_addf(out, "Your vote on %lld changed from %s to %s.", id, prev, value);
	}
	if (summary.len)
		buf_addf(out, " %s", buf_str(&summary));
cleanup:
	if (store_in_tx(s))
		store_rollback(s);
	free(prev);
	buf_release(&summary);
	gov_item_release(&it);
	return res;
}

int motion_vote(const struct gov_ctx *g, long long id, const char *caller_id, const char *handle,
		const char *vote, struct buf *out, struct buf *why)
{
	if (!vote || (strcmp(vote, "yes") && strcmp(vote, "no") && strcmp(vote, "abstain"))) {
		buf_addf(why, "a vote is yes, no or abstain: vote %lld yes|no|abstain", id);
		return GOV_BAD;
	}
	return cast(g, id, caller_id, handle, false, vote, NULL, out, why);
}

int motion_check_ranking(const struct motion_handles *cands, const struct motion_handles *ranking,
			 struct buf *why)
{
	if (!ranking->n) {
		buf_adds(why, "a ballot ranks at least one candidate: ballot N @a > @b > @c");
		return GOV_BAD;
	}
	for (size_t i = 0; i < ranking->n; i++) {
		if (motion_handles_find(cands, ranking->v[i]) < 0) {
			buf_addf(why, "@%s is not a candidate in this election; the candidates are",
				 ranking->v[i]);
			for (size_t k = 0; k < cands->n; k++)
				buf_addf(why, "%s @%s", k ? "," : "", cands->v[k]);
			buf_adds(why, ". Your ballot was not recorded");
			return GOV_BAD;
		}
		for (size_t k = 0; k < i; k++) {
			if (str_ieq(ranking->v[k], ranking->v[i])) {
				buf_addf(why, "@%s is ranked twice; rank each candidate at most once. "
					 "Your ballot was not recorded", ranking->v[i]);
				return GOV_BAD;
			}
		}
	}
	return GOV_OK;
}

int motion_ballot(const struct gov_ctx *g, long long id, const char *caller_id, const char *handle,
		  const char *const *ranking, size_t n, struct buf *out, struct buf *why)
{
	struct motion_handles canon = { 0 }, cands = { 0 };
	struct buf value = BUF_INIT;
	int res;
	if (!g->store)
		return no_store(why);
	/* spell every handle as the candidates list does */
	int rc = motion_query_handles(g->store, "SELECT handle FROM candidates WHERE item_id = ?1"
				      " ORDER BY pos", id, &cands);
	if (rc != STORE_OK) {
		res = busy(rc, why);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		int k = motion_handles_find(&cands, ranking[i]);
		handles_add(&canon, k >= 0 ? cands.v[k] : ranking[i]);
		buf_addf(&value, "%s%s", i ? " " : "", canon.v[i]);
	}
	res = cast(g, id, caller_id, handle, true, buf_str(&value), &canon, out, why);
cleanup:
	motion_handles_release(&canon);
	motion_handles_release(&cands);
	buf_release(&value);
	return res;
}
