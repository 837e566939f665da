/*
 * outbox.h - durable announcements.
 *
 * A decision (or a vote's result) writes one outbox row and one delivery
 * row per announce target ("console", "slack", "matrix", "discourse") in
 * the SAME transaction that records the decision (outbox_enqueue inside
 * store_begin/store_commit).  Nothing is posted before the commit.
 *
 * Delivery is independent of any event loop: whoever runs the adapters
 * calls outbox_pump() now and then (each loop tick, after each command)
 * for each target it serves.  The pump calls fn for every due pending
 * delivery of that target, oldest first:
 *   - fn returns OUTBOX_SENT when the target confirmed the post: the pump
 *     marks it done (never posted again, also across restarts);
 *   - OUTBOX_FAILED (with a message in *error): the pump schedules a retry
 *     with exponential backoff (5 s, 10 s, 20 s ... capped at 10 min, plus
 *     up to 20% deterministic jitter);
 *   - OUTBOX_PENDING when the post is asynchronous: the entry stays claimed
 *     in this process (not offered again) until the caller reports the
 *     outcome with outbox_done().
 * A delivery is marked done only after the target confirmed it; a crash
 * between the post and outbox_done() is the one window in which a restart
 * posts again (at-least-once there, exactly-once everywhere else).
 *
 * Fault injection (tests only): with GOVBOT_FAULT=crash-before-delivery
 * in the environment, outbox_pump() kills its own process with SIGKILL
 * right before handing the first due entry to fn (after the commit, before
 * the post), so the crash test can prove the entry survives.
 *
 * All strings in struct outbox_entry are borrowed for the call of fn only.
 */
#ifndef GOVBOT_OUTBOX_H
#define GOVBOT_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/gov/store.h"
#include "chatbot/util/util.h"

#define OUTBOX_BACKOFF_FIRST_S 5
#define OUTBOX_BACKOFF_MAX_S 600

enum outbox_result { OUTBOX_SENT = 0, OUTBOX_FAILED = 1, OUTBOX_PENDING = 2 };

struct outbox_entry {
	long long id;          /* outbox row */
	long long decision_id; /* 0 when none */
	const char *target;
	const char *title;     /* one line: "Decision on nomination 7: accepted" */
	const char *body;      /* the rest: what, by whom, rationale */
	int attempts;          /* failed attempts so far */
	const char *mentions;  /* handles to mention with the platform's own mention,
				* space-separated, or NULL (outbox_notice) */
};

/* Posts e to its target.  On OUTBOX_FAILED writes why to error. */
typedef int outbox_deliver_fn(void *arg, const struct outbox_entry *e, struct buf *error);

/* Inside a transaction: one announcement for targets[0..n), due at once.
 * decision_id may be 0.  *id (optional) receives the outbox row. */
int outbox_enqueue(struct store *s, long long decision_id, const char *title, const char *body,
		   const char *const *targets, size_t ntargets, long long now, long long *id);

/* Inside a transaction: a notice (an opening, a reminder, a digest) that
 * goes out once whatever happens: key names it ("open:7", "remind:9",
 * "digest:2026-12-07"), and a key already in the outbox is never queued
 * again, so a re-run after a crash or a restart cannot duplicate it.
 * mentions (optional): handles, space-separated, that the deliverer
 * mentions with the platform's own mention where their identity is known.
 * Returns 1 queued, 0 when key was queued before, or an enum store_rc
 * error. */
int outbox_notice(struct store *s, const char *key, const char *title, const char *body,
		  const char *mentions, const char *const *targets, size_t ntargets, long long now,
		  long long *id);

/* Offers every due pending delivery of target to fn.  Returns how many
 * were offered, or an enum store_rc error (a busy database: try later). */
int outbox_pump(struct store *s, long long now, const char *target,
		outbox_deliver_fn *fn, void *arg);

/* Records the outcome of one delivery (ok, or failed with error) and
 * releases its claim.  Marking an already-done delivery changes nothing. */
int outbox_done(struct store *s, long long id, const char *target, bool ok,
		const char *error, long long now);

/* The next time (seconds) a pending delivery of target is due, or -1 when
 * none is pending.  Lets a loop sleep exactly as long as it may. */
long long outbox_next_due(struct store *s, const char *target);

/* Seconds to wait before retry number attempts (1 = after the first failure). */
long long outbox_backoff(long long id, int attempts);

/* The claim key of a delivery, "outbox:ID:TARGET", into out. */
void outbox_claim_key(long long id, const char *target, char *out, size_t n);

#endif
