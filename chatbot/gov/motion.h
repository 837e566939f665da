/*
 * motion.h - motions and lead elections kept in the store.
 *
 * Kinds (items.kind):
 *   motion-group  a module group's own matter: majority of the group's
 *                 active maintainers (items.grp holds the group's heading)
 *   motion-core   a core matter: majority of the core maintainers
 *   remove-lead   removing the lead: yes from at least 75% of the core
 *                 maintainers other than the lead (items.subject = the lead)
 *   elect-lead    a ranked-choice (instant-runoff) election of a new lead
 *                 among core maintainers (table candidates)
 *
 * The electorate is snapshotted at opening (table electorate); a member who
 * recuses (table recusals) leaves it from then on and their vote no longer
 * counts.  Thresholds and instant-runoff are in chatbot/gov/tally.h.
 *
 * A motion closes as soon as its threshold is reached, or can no longer be
 * reached, or everyone in its electorate has voted, or at its deadline
 * (items.deadline, config vote_days after opening; it survives restarts).
 * An election closes when every elector has cast a ballot, or at its
 * deadline (elected by the ballots cast, or expired with none).  Closing is
 * one transaction with the vote that caused it: the item's state and
 * result, a decisions row with the full tally (every round of an
 * election), the roster event (a new lead; the lead removed) and the
 * announcement in the outbox.  The in-memory roster follows after commit.
 *
 * Every call works on a struct gov_ctx (chatbot/gov/gov.h).  Return values
 * are enum gov_result; on anything but GOV_OK the `why` buffer holds a
 * sentence for the user saying why and what would work.
 */
#ifndef GOVBOT_MOTION_H
#define GOVBOT_MOTION_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/gov/gov.h"
#include "chatbot/util/util.h"

enum motion_kind {
	MOTION_GROUP,
	MOTION_CORE,
	MOTION_REMOVE_LEAD,
	MOTION_ELECT_LEAD,
	MOTION_OVERRULE,   /* a core motion reversing module motion ref (001: the core can
			    * overrule any module-level decision) */
	MOTION_MODULE_ADD,     /* core motions on a module change, open to anyone to */
	MOTION_MODULE_REMOVE,  /* propose (001); passed, they change the roster */
	MOTION_MODULE_RENAME,
};

/* Longest motion text or rationale, in bytes. */
#define MOTION_MAX_TEXT 2000
/* Most candidates an election takes. */
#define MOTION_MAX_CANDIDATES 50

/* "motion-group", ...; static. */
const char *motion_kind_name(enum motion_kind k);
/* Parses a kind name; -1 when it is not one of them. */
int motion_kind_parse(const char *name);

struct motion_open_req {
	enum motion_kind kind;
	const char *group;             /* MOTION_GROUP, MOTION_MODULE_REMOVE|RENAME: the group's
					* heading (roster title); MOTION_MODULE_ADD: the new
					* module's heading, "Name (alias, alias)" */
	const char *new_name;          /* MOTION_MODULE_RENAME: the new heading */
	const char *text;              /* the proposal, or the rationale; may be "" for elect-lead */
	const char *const *candidates; /* MOTION_ELECT_LEAD: handles as typed (no '@') */
	size_t ncandidates;
	const char *by_id;             /* "slack:U0123" */
	const char *by_handle;         /* the proposer's roster handle */
	long long ref;                 /* MOTION_CORE: the module motion it escalates (0: none);
					* MOTION_OVERRULE: the module motion it overrules */
};

/* Opens a motion or election at gov_now(g): validates it against the
 * current roster (a lead to remove; candidates that are distinct active
 * core maintainers, at least two; no election or lead removal already
 * open), snapshots the electorate, sets the deadline (g->vote_days on),
 * audits it.
 * On GOV_OK *id is the new item number and `done` (when not NULL)
 * holds a one-paragraph summary: electorate size, votes needed, deadline. */
int motion_open(const struct gov_ctx *g, const struct motion_open_req *req, long long *id,
		struct buf *done, struct buf *why);

/* May `handle` vote (ballot == false) or cast a ballot (ballot == true) on
 * item id now?  GOV_OK, or BAD (no such item) / REFUSED with why. */
int motion_check_voter(const struct gov_ctx *g, long long id, const char *handle, bool ballot,
		       struct buf *why);

/* Casts or replaces a vote ("yes", "no", "abstain").  On GOV_OK, out
 * gets what happened: "your vote on 9 is yes", or "changed from no to yes",
 * the count so far, and the result when this vote closed the motion. */
int motion_vote(const struct gov_ctx *g, long long id, const char *caller_id, const char *handle,
		const char *vote, struct buf *out, struct buf *why);

/* Casts or replaces a ranked ballot: handles most preferred first (no
 * '@').  A non-candidate or a candidate named twice is refused and changes
 * nothing.  Partial rankings are fine. */
int motion_ballot(const struct gov_ctx *g, long long id, const char *caller_id, const char *handle,
		  const char *const *ranking, size_t n, struct buf *out, struct buf *why);

/* Re-evaluates open item id (after a recusal changed its electorate) and
 * closes it when it is decided.  GOV_OK when nothing needed doing too. */
int motion_settle(const struct gov_ctx *g, long long id, long long now);

/* Closes every open motion and election whose deadline is <= now, and
 * any other that is decided already (a recusal shrank its electorate
 * since the last vote).  Takes the write lock only for items it closes.
 * Called at start-up (bot_open), before each propose/vote/ballot, and
 * periodically (gov_tick).  Returns how many were closed,
 * or -1 when the store failed (logged). */
int motion_close_expired(const struct gov_ctx *g, long long now);

/* What `show N` adds for a motion or election: read by motion_view_get(),
 * rendered by the command.  Handle lists are in electorate order. */
struct motion_view {
	struct gov_item item;     /* owned */
	bool election;
	char **electorate;        /* the electorate now (recused members left out) */
	size_t nelectorate;
	char **candidates;        /* election: in ballot order */
	size_t ncandidates;
	char **votes;             /* motion: per elector, "yes" | "no" | "abstain" | NULL (not voted);
				   * election: per elector, "ballot" or NULL */
	int yes, no, abstain;     /* motion */
	int needed;               /* motion: yes votes needed */
	const char *rule;         /* motion: "more than half of the electorate", ...; static */
	const char *electorate_words;  /* "the core maintainers when it opened", ...; static */
};

/* GOV_OK and *v filled (release with motion_view_release()), GOV_BAD when
 * id is not a motion or election, GOV_FAILED when the store fails. */
int motion_view_get(const struct gov_ctx *g, long long id, struct motion_view *v);
void motion_view_release(struct motion_view *v);

#endif
