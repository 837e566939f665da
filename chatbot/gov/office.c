/* office.c - see office.h. */
#include "chatbot/gov/office.h"

#include <string.h>

#include "chatbot/gov/store.h"
#include "chatbot/roster/roster.h"

static int failed(struct store *s, int rc, struct buf *why)
{
	if (s && store_in_tx(s))
		store_rollback(s);
	buf_adds(why, s ? store_rc_text(rc) : "governance commands need the database, and this bot "
		 "runs without one");
	return GOV_FAILED;
}

int office_withdraw(const struct gov_ctx *g, long long id, const char *by_id,
		    const char *by_handle, const char *reason, struct buf *why)
{
	struct store *s = g->store;
	if (!s)
		return failed(s, STORE_ERR, why);
	int rc = store_begin(s);
	if (rc != STORE_OK)
		return failed(s, rc, why);
	struct gov_item it;
	rc = gov_item_get(s, id, &it);
	if (rc <= 0) {
		store_rollback(s);
		if (rc < 0)
			return failed(s, rc, why);
		buf_addf(why, "there is no item %lld", id);
		return GOV_BAD;
	}
	int res = gov_may_withdraw(&it, by_id, by_handle, why);
	if (res != GOV_OK) {
		store_rollback(s);
		gov_item_release(&it);
		return res;
	}
	const char *noun = gov_item_noun(&it);
	bool has_reason = reason && *reason;
	struct buf title = BUF_INIT, body = BUF_INIT;
	buf_addf(&title, "%c%s %lld withdrawn", noun[0] - 'a' + 'A', noun + 1, id);
	buf_addf(&body, "%s%s withdrew %s %lld", by_handle ? "@" : "", by_handle ? by_handle : by_id,
		 noun, id);
	if (it.subject)
		buf_addf(&body, " (about @%s)", it.subject);
	buf_adds(&body, ", which they opened; it closes without a decision.");
	if (has_reason)
		buf_addf(&body, " Reason: %s", reason);
	struct gov_decision d = {
		.item_id = id, .state = "withdrawn", .by_id = by_id, .by_handle = by_handle,
		.rationale = has_reason ? reason : NULL, .title = buf_str(&title),
		.body = buf_str(&body), .action = "withdraw",
	};
	rc = gov_record_decision(g, &d, gov_now(g), NULL);
	if (rc == STORE_OK)
		rc = store_commit(s);
	buf_release(&title);
	buf_release(&body);
	gov_item_release(&it);
	if (rc != STORE_OK)
		return failed(s, rc, why);
	return GOV_OK;
}

int office_lead_step_down(const struct gov_ctx *g, const char *by_id, const char *by_handle,
			  const char *reason, long long *id, struct buf *why)
{
	struct store *s = g->store;
	if (!s)
		return failed(s, STORE_ERR, why);
	int rc = store_begin(s);
	if (rc != STORE_OK)
		return failed(s, rc, why);
	/* the lead as of the last write, read under the write lock */
	rc = gov_roster_sync(g);
	if (rc != STORE_OK)
		return failed(s, rc, why);
	const struct roster *r = gov_roster(g);
	const struct roster_group *lg = roster_lead_group(r);
	int res = gov_may_step_down_lead(g, by_handle, why);
	if (res != GOV_OK || !lg) {
		store_rollback(s);
		if (res == GOV_OK)
			buf_adds(why, "the roster has no lead section to step down from");
		return GOV_REFUSED;
	}
	const struct roster_person *p = roster_find_person(r, by_handle);
	const char *name = p ? p->name : NULL;
	const char *text = reason && *reason ? reason : NULL;
	long long now = gov_now(g), nid = 0;
	struct gov_item it = {
		.kind = (char *)GOV_STEP_DOWN_LEAD, .subject = (char *)by_handle,
		.grp = (char *)GOV_CORE, .text = (char *)text, .self = true,
		.opened_by = (char *)by_id, .opened_by_handle = (char *)by_handle, .created_at = now,
	};
	rc = gov_item_insert(s, &it, &nid);
	struct gov_event ev[2] = {
		{ "remove", lg->title, NULL, by_handle },
		{ "add-core", NULL, name, by_handle },
	};
	struct buf title = BUF_INIT, body = BUF_INIT;
	buf_addf(&title, "The lead core maintainer @%s steps down", by_handle);
	buf_addf(&body, "@%s resigns the lead role (step-down %lld) and stays a core maintainer.",
		 by_handle, nid);
	if (text)
		buf_addf(&body, " Reason: %s", text);
	buf_adds(&body, " The office is vacant: the core maintainers elect a new lead by "
		 "ranked-choice vote, opened by a core maintainer with `propose elect-lead @a @b ...`.");
	struct gov_decision d = {
		.item_id = nid, .state = "accepted", .outcome = "stepped down", .by_id = by_id,
		.by_handle = by_handle, .rationale = text, .title = buf_str(&title),
		.body = buf_str(&body), .action = "step-down-lead", .events = ev, .nevents = 2,
	};
	if (rc == STORE_OK)
		rc = gov_record_decision(g, &d, now, NULL);
	if (rc == STORE_OK)
		rc = store_commit(s);
	buf_release(&title);
	buf_release(&body);
	if (rc != STORE_OK)
		return failed(s, rc, why);
	gov_roster_sync(g);
	if (id)
		*id = nid;
	return GOV_OK;
}
