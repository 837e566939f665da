/* nomination.c - see nomination.h. */
#include "chatbot/gov/nomination.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/gov/motion.h"
#include "chatbot/gov/notice.h"
#include "chatbot/gov/store.h"
#include "chatbot/roster/roster.h"

/* ---- transactions ------------------------------------------------------- */

/* Rolls back what is open and reports rc. */
static int failed(struct store *s, int rc, struct nomination_done *out)
{
	if (store_in_tx(s))
		store_rollback(s);
	out->store_rc = rc == STORE_OK ? STORE_ERR : rc;
	return GOV_FAILED;
}

/* Opens the write transaction and checks under it that item id is still
 * open (*it loaded, release it).  GOV_OK to go on; otherwise nothing is
 * left open and out says why. */
static int begin_still_open(struct store *s, long long id, struct gov_item *it,
			    struct nomination_done *out)
{
	memset(it, 0, sizeof(*it));
	int rc = store_begin(s);
	if (rc != STORE_OK)
		return failed(s, rc, out);
	rc = gov_item_get(s, id, it);
	if (rc < 0)
		return failed(s, rc, out);
	if (rc == 1 && strcmp(it->state, "open") == 0)
		return GOV_OK;
	store_rollback(s);
	snprintf(out->closed, sizeof(out->closed), "%s", rc == 1 ? it->state : "gone");
	gov_item_release(it);
	return GOV_REFUSED;
}

/* Audits action on item id when rc (the writes so far) is STORE_OK, then
 * commits.  GOV_OK, or GOV_FAILED with everything rolled back. */
static int audit_commit(struct store *s, int rc, long long now, const char *by_id,
			const char *by_handle, const char *action, long long id, const char *detail,
			struct nomination_done *out)
{
	if (rc == STORE_OK)
		rc = store_audit(s, now, by_id, by_handle, action, id, detail);
	if (rc == STORE_OK)
		rc = store_commit(s);
	return rc == STORE_OK ? GOV_OK : failed(s, rc, out);
}

/* ---- rows --------------------------------------------------------------- */

static int insert_field(struct store *s, long long item, const char *name, const char *text,
			const char *by, long long now)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO fields(item_id, name, text, by_id, at)"
				      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(item_id, name)"
				      " DO UPDATE SET text = ?3, by_id = ?4, at = ?5");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, item);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	int rc = store_check(s, sqlite3_step(st), "field");
	sqlite3_reset(st);
	return rc;
}

static int set_name(struct store *s, long long item, const char *name)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE items SET subject_name = ?2 WHERE id = ?1");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, item);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = store_check(s, sqlite3_step(st), "name");
	sqlite3_reset(st);
	return rc;
}

static int set_reason(struct store *s, long long item, const char *reason)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE items SET text = ?1 WHERE id = ?2 AND state = 'open'");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, item);
	int rc = store_check(s, sqlite3_step(st), "amend");
	sqlite3_reset(st);
	return rc;
}

/* The number of an open item of kind about subject in grp, or 0. */
static long long open_item(struct store *s, const char *kind, const char *subject, const char *grp)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM items WHERE state = 'open' AND kind = ?1"
				      " AND subject = ?2 COLLATE NOCASE AND grp = ?3 COLLATE NOCASE");
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, grp, -1, SQLITE_STATIC);
	long long id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return id;
}

/* ---- opening ------------------------------------------------------------- */

int nomination_open(const struct gov_ctx *g, const struct nomination_req *req,
		    struct nomination_done *out)
{
	struct store *s = g->store;
	memset(out, 0, sizeof(*out));
	if (!s)
		return failed(s, STORE_ERR, out);
	int rc = store_begin(s);
	if (rc != STORE_OK)
		return failed(s, rc, out);
	long long dup = open_item(s, req->kind, req->subject, req->grp);
	if (dup) {
		store_rollback(s);
		out->id = dup;
		return GOV_REFUSED;
	}
	bool removal = gov_kind_is_removal(req->kind);
	long long now = gov_now(g), id = 0;
	struct gov_item it = {
		.kind = (char *)req->kind,
		.subject = (char *)req->subject,
		.grp = (char *)req->grp,
		.subject_name = (char *)req->subject_name,
		.text = (char *)req->reason,
		.self = req->self,
		.opened_by = (char *)req->by_id,
		.opened_by_handle = (char *)req->by_handle,
		.created_at = now,
	};
	rc = gov_item_insert(s, &it, &id);
	for (size_t i = 0; rc == STORE_OK && i < req->nfields; i++)
		if (req->fields[i].text)
			rc = insert_field(s, id, req->fields[i].name, req->fields[i].text, req->by_id, now);
	/* the opening is announced with the same commit */
	if (rc == STORE_OK)
		rc = notice_opening(g, id, now);
	struct buf detail = BUF_INIT;
	if (removal)
		buf_addf(&detail, "%s @%s from %s: %s", req->self ? "step-down" : "removal",
			 req->subject, req->grp, req->reason ? req->reason : "");
	else
		buf_addf(&detail, "nominate @%s for %s", req->subject, req->grp);
	int res = audit_commit(s, rc, now, req->by_id, req->by_handle,
			       !removal ? "nominate" : req->self ? "step-down" : "nominate-removal",
			       id, buf_str(&detail), out);
	buf_release(&detail);
	if (res == GOV_OK)
		out->id = id;
	return res;
}

/* ---- changing open items ------------------------------------------------ */

int nomination_amend(const struct gov_ctx *g, long long id, const struct nomination_amend *a,
		     struct nomination_done *out)
{
	struct store *s = g->store;
	struct gov_item it;
	memset(out, 0, sizeof(*out));
	if (!s)
		return failed(s, STORE_ERR, out);
	long long now = gov_now(g);
	int res = begin_still_open(s, id, &it, out);
	if (res != GOV_OK)
		return res;
	gov_item_release(&it);
	int rc = STORE_OK;
	struct buf detail = BUF_INIT;
	if (a->reason) {
		rc = set_reason(s, id, a->reason);
		buf_addf(&detail, "reason: %s", a->reason);
	} else {
		for (size_t i = 0; rc == STORE_OK && i < a->nfields; i++) {
			const struct nomination_field *f = &a->fields[i];
			if (strcmp(f->name, "name") == 0)
				rc = set_name(s, id, f->text);
			else
				rc = insert_field(s, id, f->name, f->text, a->by_id, now);
			buf_addf(&detail, "%s%s: %s", detail.len ? "; " : "", f->name, f->text);
		}
	}
	res = audit_commit(s, rc, now, a->by_id, a->by_handle, "amend", id, buf_str(&detail), out);
	buf_release(&detail);
	return res;
}

int nomination_letter(const struct gov_ctx *g, long long id, const char *kind, const char *by_id,
		      const char *by_handle, const char *text, struct nomination_done *out)
{
	struct store *s = g->store;
	struct gov_item it;
	memset(out, 0, sizeof(*out));
	if (!s)
		return failed(s, STORE_ERR, out);
	long long now = gov_now(g);
	int res = begin_still_open(s, id, &it, out);
	if (res != GOV_OK)
		return res;
	gov_item_release(&it);
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO letters(item_id, kind, by_id, by_handle,"
				      " text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	int rc = st ? STORE_OK : STORE_ERR;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, by_id, -1, SQLITE_STATIC);
		if (by_handle)
			sqlite3_bind_text(st, 4, by_handle, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, now);
		rc = store_check(s, sqlite3_step(st), "letter");
		sqlite3_reset(st);
	}
	res = audit_commit(s, rc, now, by_id, by_handle, kind, id, text, out);
	if (res != GOV_OK)
		return res;
	out->nsupport = store_count(s, "SELECT count(*) FROM letters WHERE item_id = ?1"
				    " AND kind = 'support'", id);
	out->nobject = store_count(s, "SELECT count(*) FROM letters WHERE item_id = ?1"
				   " AND kind = 'object'", id);
	return GOV_OK;
}

int nomination_recuse(const struct gov_ctx *g, long long id, const char *handle,
		      const char *by_id, const char *by_handle, const char *reason,
		      struct nomination_done *out)
{
	struct store *s = g->store;
	struct gov_item it;
	memset(out, 0, sizeof(*out));
	if (!s)
		return failed(s, STORE_ERR, out);
	long long now = gov_now(g);
	int res = begin_still_open(s, id, &it, out);
	if (res != GOV_OK)
		return res;
	bool vote = gov_kind_is_vote(it.kind);
	gov_item_release(&it);
	sqlite3_stmt *st = store_stmt(s, "INSERT INTO recusals(item_id, handle, reason, at)"
				      " VALUES (?1, ?2, ?3, ?4)");
	int rc = st ? STORE_OK : STORE_ERR;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
		if (*reason)
			sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		rc = store_check(s, sqlite3_step(st), "recuse");
		sqlite3_reset(st);
	}
	struct buf detail = BUF_INIT;
	bool other = !by_handle || !str_ieq(by_handle, handle);
	buf_addf(&detail, "%s@%s: %s", other ? "names as conflicted " : "", handle,
		 *reason ? reason : "conflict of interest");
	res = audit_commit(s, rc, now, by_id, other ? by_handle : handle, "recuse", id,
			   buf_str(&detail), out);
	buf_release(&detail);
	if (res != GOV_OK)
		return res;
	/* a motion counts its electorate less the recused: it may be decided now */
	if (vote)
		motion_settle(g, id, now);
	return GOV_OK;
}

/* ---- deciding ----------------------------------------------------------- */

/* The name for the roster entry: the roster's own when it knows the
 * person, else the one the nomination gave, else the handle. */
static const char *person_name(const struct roster *r, const char *h, const char *given)
{
	const struct roster_person *p = r ? roster_find_person(r, h) : NULL;
	if (p && p->name)
		return p->name;
	return given ? given : h;
}

/* The roster change an accepted item makes, and the sentence saying it. */
static void accept_event(const struct roster *r, const struct gov_item *it, struct gov_event *ev,
			 struct buf *what)
{
	const char *h = it->subject;
	const char *name = person_name(r, h, it->subject_name);
	if (strcmp(it->kind, GOV_NOMINATE_MODULE) == 0) {
		*ev = (struct gov_event){ "add", it->grp, name, h };
		buf_addf(what, "@%s becomes a maintainer of %s.", h, it->grp);
	} else if (strcmp(it->kind, GOV_NOMINATE_CORE) == 0) {
		*ev = (struct gov_event){ "add-core", NULL, name, h };
		buf_addf(what, "@%s becomes a core maintainer.", h);
	} else if (strcmp(it->kind, GOV_REMOVE_MODULE) == 0) {
		*ev = (struct gov_event){ "emeritus", it->grp, NULL, h };
		buf_addf(what, "@%s %s and moves to emeritus in %s.", h,
			 it->self ? "steps down" : "is removed", it->grp);
	} else {
		*ev = (struct gov_event){ "remove-core", NULL, NULL, h };
		buf_addf(what, "@%s %s the core maintainers and is listed as emeritus core.", h,
			 it->self ? "steps down from" : "leaves");
	}
}

int nomination_decide(const struct gov_ctx *g, const struct nomination_decision *d,
		      struct nomination_decided *out)
{
	struct store *s = g->store;
	const struct gov_item *it = d->item;
	struct nomination_done done = { 0 };
	struct buf title = BUF_INIT, body = BUF_INIT;
	int res;

	memset(out, 0, sizeof(*out));
	buf_init(&out->what);
	buf_init(&out->why);
	buf_init(&out->missing);
	out->state = d->accept ? "accepted" : "rejected";
	if (!s) {
		out->store_rc = STORE_ERR;
		return GOV_FAILED;
	}
	int rc = store_begin(s);
	if (rc != STORE_OK)
		goto fail;
	/* re-check under the write lock: someone may have decided meanwhile */
	struct gov_item cur;
	rc = gov_item_get(s, it->id, &cur);
	if (rc == 1) {
		int may = gov_may_decide(g, &cur, d->by_handle, &out->why);
		gov_item_release(&cur);
		if (may != GOV_OK) {
			store_rollback(s);
			return GOV_REFUSED;
		}
	} else if (rc < 0) {
		goto fail;
	}
	int nmissing = gov_missing_fields(s, it, &out->missing);
	if (nmissing != 0) {
		if (nmissing < 0) {
			rc = nmissing;
			goto fail;
		}
		store_rollback(s);
		return GOV_REFUSED;
	}
	struct gov_event ev[1];
	size_t nev = 0;
	bool tied = gov_kind_is_vote(it->kind);   /* a tied core motion the lead settles */
	if (tied) {
		buf_addf(&out->what, "The core maintainers were tied on motion %lld; the lead core "
			 "maintainer settles it: %s.", it->id, d->accept ? "accepted" : "rejected");
	} else if (d->accept) {
		accept_event(gov_roster(g), it, ev, &out->what);
		nev = 1;
	} else {
		buf_addf(&out->what, "The %s of @%s is not accepted; the roster stays as it is.",
			 gov_item_noun(it), it->subject);
	}
	if (tied) {
		buf_addf(&title, "The lead's decision on tied motion %lld: %s", it->id, out->state);
		buf_addf(&body, "%s Motion: \"%s\" Decided by the lead core maintainer @%s. "
			 "Rationale: %s", buf_str(&out->what), it->text ? it->text : "", d->by_handle,
			 d->rationale);
	} else {
		buf_addf(&title, "Decision on %s %lld: %s", gov_item_noun(it), it->id, out->state);
		buf_addf(&body, "%s Decided by @%s. Rationale: %s", buf_str(&out->what), d->by_handle,
			 d->rationale);
	}
	struct gov_decision rec = {
		.item_id = it->id, .state = out->state, .by_id = d->by_id,
		.by_handle = d->by_handle, .rationale = d->rationale, .title = buf_str(&title),
		.body = buf_str(&body), .action = tied ? "settle-tie" : "decide", .events = ev,
		.nevents = nev,
	};
	rc = gov_record_decision(g, &rec, gov_now(g), &out->decision_id);
	if (rc == STORE_OK)
		rc = store_commit(s);
	buf_release(&title);
	buf_release(&body);
	if (rc != STORE_OK)
		goto fail;
	gov_roster_sync(g);
	return GOV_OK;
fail:
	res = failed(s, rc, &done);
	out->store_rc = done.store_rc;
	return res;
}

void nomination_decided_release(struct nomination_decided *out)
{
	if (!out)
		return;
	buf_release(&out->what);
	buf_release(&out->why);
	buf_release(&out->missing);
}
