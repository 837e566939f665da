/* gov_tick.c - the periodic hook of chatbot/gov/gov.h.  Apart from gov.c
 * because it runs the motions (motion.h), which are built on gov.c. */
#include "chatbot/gov/gov.h"
#include "chatbot/gov/motion.h"
#include "chatbot/gov/notice.h"

int gov_tick(const struct gov_ctx *g)
{
	if (!g->store)
		return 0;
	/* motions and elections past their deadline close (and announce) here */
	int closed = motion_close_expired(g, gov_now(g));
	gov_roster_sync(g);
	/* reminders before deadlines, stale nominations, the agenda digest */
	notice_tick(g, gov_now(g));
	return closed;
}
