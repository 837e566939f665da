/*
 * notice.h - nothing waits unseen: the notices governance posts besides
 * decisions, each through the durable outbox exactly once per target
 * (outbox_notice with a key naming it, so a re-run after a crash or a
 * restart cannot duplicate it):
 *
 *   open:N      an item opened: what it is, who may act and how, its
 *               deadline; mentions the person a nomination or removal is
 *               about, or the electors of a motion or election;
 *   remind:N    48 hours before a motion's or election's deadline, to the
 *               electors who have not voted (mentioned), once;
 *   stale:N     a complete nomination or removal with no decision after
 *               nomination_days, to the core maintainers (mentioned), once;
 *   digest:DAY  the agenda, posted on the agenda_digest schedule.
 *
 * Answers to questions never notify anyone: only these do.
 */
#ifndef GOVBOT_NOTICE_H
#define GOVBOT_NOTICE_H

#include <stdbool.h>

#include "chatbot/gov/gov.h"
#include "chatbot/util/util.h"

/* Seconds before a deadline when the electors who have not voted are reminded. */
#define NOTICE_REMIND_BEFORE_S (48 * 3600LL)
/* Default governance.nomination_days: one quarter. */
#define NOTICE_DEFAULT_NOMINATION_DAYS 90

/* governance.agenda_digest, parsed.  The form (README "The quarterly
 * meeting"):   DAY HH:MM UTC [every N weeks] [from YYYY-MM-DD]
 * DAY is a weekday name (monday .. sunday, any case); N is 1 to 52
 * (default 1); with "every N weeks" the weeks count from the Monday of the
 * week of "from" (default 1970-01-05), so "monday 09:00 UTC every 13 weeks
 * from 2027-01-04" posts on 2027-01-04, 2027-04-05, ... at 09:00 UTC. */
struct notice_schedule {
	int wday;            /* 0 = monday .. 6 = sunday */
	int minute;          /* minutes after midnight UTC */
	int every_weeks;     /* >= 1 */
	long long anchor;    /* seconds: the Monday 00:00 UTC the weeks count from */
};

/* 0 and *out, or -1 with a one-line message in err. */
int notice_schedule_parse(const char *spec, struct notice_schedule *out, char *err, size_t n);
/* The latest posting time <= now, or -1 when there is none yet. */
long long notice_schedule_last(const struct notice_schedule *s, long long now);

/* Inside the caller's transaction, right after item id was inserted: the
 * opening notice.  STORE_OK or an error. */
int notice_opening(const struct gov_ctx *g, long long id, long long now);

/* From gov_tick: queues the due reminders and the digest; each is its own
 * short transaction.  Returns how many notices were queued, or -1. */
int notice_tick(const struct gov_ctx *g, long long now);

/* The agenda as plain text (the digest's body): each item, its age, and
 * what it waits for.  Appends to out; returns how many items. */
int notice_agenda_text(const struct gov_ctx *g, long long now, struct buf *out);

#endif
