/*
 * office.h - closing an item without a vote or a decision on its merits:
 * a withdrawal by the one who opened it, and the lead core maintainer
 * resigning the office.  Each is one transaction: a decisions row (so the
 * public log shows it), the item's state, the roster events, the audit
 * row and the announcement (gov_record_decision), then the roster synced.
 *
 * Results are enum gov_result; on anything but GOV_OK why holds the
 * sentence for the user.  Every pointer is borrowed for the call.
 */
#ifndef GOVBOT_OFFICE_H
#define GOVBOT_OFFICE_H

#include "chatbot/gov/gov.h"
#include "chatbot/util/util.h"

/* Withdraws open item id (a nomination, removal, motion or election) for
 * its nominator or proposer (gov_may_withdraw, checked under the write
 * lock).  reason may be "" or NULL.  State "withdrawn". */
int office_withdraw(const struct gov_ctx *g, long long id, const char *by_id,
		    const char *by_handle, const char *reason, struct buf *why);

/* The lead core maintainer resigns the lead role: they stay a core
 * maintainer, the office is vacant (the only time, with a passed
 * remove-lead, that `propose elect-lead` opens).  Recorded as a closed
 * item of kind GOV_STEP_DOWN_LEAD; *id (optional) is its number. */
int office_lead_step_down(const struct gov_ctx *g, const char *by_id, const char *by_handle,
			  const char *reason, long long *id, struct buf *why);

#endif
