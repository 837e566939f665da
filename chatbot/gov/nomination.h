/*
 * nomination.h - nominations, removals and step-downs in the store:
 * opening one, amending its fields, letters of support and objection,
 * recusals (of any open item, motions too) and the decision.  Each call
 * is one transaction with its audit row; the commands parse what the user
 * typed and render the outcome, the SQL is here.
 *
 * Results are enum gov_result (chatbot/gov/gov.h):
 *   GOV_OK       done and committed;
 *   GOV_REFUSED  nothing changed because the state forbids it: see
 *                struct nomination_done (a duplicate open item, an item
 *                closed meanwhile) or, for nomination_decide, the why /
 *                missing buffers;
 *   GOV_FAILED   the store failed (busy, unwritable): done->store_rc says
 *                which (store_rc_text()); nothing changed.
 *
 * Ownership: every pointer in a request is borrowed for the call.
 */
#ifndef GOVBOT_NOMINATION_H
#define GOVBOT_NOMINATION_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/gov/gov.h"
#include "chatbot/util/util.h"

/* One labelled text of a nomination: "contributions", "interactions",
 * "support" (the required fields), or "name" (the nominee's full name). */
struct nomination_field {
	const char *name;
	const char *text;
};

struct nomination_req {
	const char *kind;          /* GOV_NOMINATE_MODULE|CORE, GOV_REMOVE_MODULE|CORE */
	const char *subject;       /* the handle, as the roster spells it */
	const char *grp;           /* GOV_CORE or the module's heading */
	const char *subject_name;  /* nominations: the nominee's full name, or NULL */
	const char *reason;        /* removals and step-downs: why; NULL for nominations */
	bool self;                 /* a step-down */
	const struct nomination_field *fields;  /* nominations: the fields given */
	size_t nfields;
	const char *by_id;         /* "slack:U0123" */
	const char *by_handle;     /* or NULL */
};

/* What a write found. */
struct nomination_done {
	int store_rc;              /* GOV_FAILED: the store's error */
	long long id;              /* nomination_open: the new item, or (GOV_REFUSED) the
				    * item of the same kind, person and group already open */
	char closed[16];           /* GOV_REFUSED by amend, letter, recuse: the state the
				    * item closed in meanwhile ("gone" when it is not there) */
	long long nsupport;        /* nomination_letter: letters now, this one counted */
	long long nobject;
};

/* Opens the item at gov_now(g): the item, its fields, the audit row
 * ("nominate", "nominate-removal", "step-down"). */
int nomination_open(const struct gov_ctx *g, const struct nomination_req *req,
		    struct nomination_done *out);

struct nomination_amend {
	const char *reason;        /* a removal's new reason; NULL for a nomination */
	const struct nomination_field *fields;  /* a nomination's fields, "name" included */
	size_t nfields;
	const char *by_id;
	const char *by_handle;
};

/* Sets the fields (or the reason) of open item id, audited as "amend". */
int nomination_amend(const struct gov_ctx *g, long long id, const struct nomination_amend *a,
		     struct nomination_done *out);

/* Adds a letter (kind "support" or "object") with text to open item id,
 * audited as kind; out->nsupport and nobject count the letters after it. */
int nomination_letter(const struct gov_ctx *g, long long id, const char *kind, const char *by_id,
		      const char *by_handle, const char *text, struct nomination_done *out);

/* Recuses handle from open item id (reason may be ""), audited as
 * "recuse" by by_id / by_handle (oneself, or a core maintainer naming
 * another: gov_may_recuse); a motion is then settled (its electorate
 * shrank). */
int nomination_recuse(const struct gov_ctx *g, long long id, const char *handle,
		      const char *by_id, const char *by_handle, const char *reason,
		      struct nomination_done *out);

struct nomination_decision {
	const struct gov_item *item;  /* as loaded by the caller */
	bool accept;
	const char *rationale;
	const char *by_id;
	const char *by_handle;
};

/* What nomination_decide() did, or why it did not.  Release with
 * nomination_decided_release(). */
struct nomination_decided {
	int store_rc;              /* GOV_FAILED: the store's error */
	long long decision_id;
	const char *state;         /* "accepted" | "rejected"; static */
	struct buf what;           /* "@alice becomes a maintainer of X." */
	struct buf why;            /* GOV_REFUSED by who decides: the sentence (gov_may_decide) */
	struct buf missing;        /* GOV_REFUSED as incomplete: "contributions, support" */
};

/* Decides the item under the write lock: who decides it (gov_may_decide,
 * checked again), whether it is complete, then the decision with its roster
 * event and announcement (gov_record_decision), and the roster synced. */
int nomination_decide(const struct gov_ctx *g, const struct nomination_decision *d,
		      struct nomination_decided *out);
void nomination_decided_release(struct nomination_decided *out);

#endif
