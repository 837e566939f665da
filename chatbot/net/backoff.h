/*
 * backoff.h - retry delays with jitter, and the reconnect policy every
 * network adapter follows.
 *
 * backoff_delay(): step n (1 = the first retry) waits base * 2^(n-1),
 * capped at cap, then jittered to 50%..100% of that (so that many clients
 * that failed together do not retry together).
 *
 * struct reconnect: a link's retry state.  After each failed attempt the
 * caller classifies the failure and asks reconnect_after() how long to
 * wait:
 *   RECONNECT_FATAL        never again (a bad token): returns -1;
 *   RECONNECT_RETRY_AFTER  the server said when (Retry-After, retry_after_ms):
 *                          exactly that, and the backoff still advances;
 *   RECONNECT_BACKOFF      the next backoff step.
 * reconnect_ok() resets the backoff once a link has served a while (a link
 * that dies young keeps backing off: a flapping server is not hammered).
 *
 * Ownership: plain structs, nothing to free.  Not thread-safe (one owner).
 */
#ifndef GOVBOT_BACKOFF_H
#define GOVBOT_BACKOFF_H

#include <stdbool.h>

/* The delay before retry number attempt (>= 1), in ms; *rng is an
 * xorshift state (non-zero) advanced by the call. */
long long backoff_delay(long base_ms, long cap_ms, int attempt, unsigned *rng);
/* A non-zero seed from the clock and p (e.g. the owner's address). */
unsigned backoff_seed(const void *p);

enum reconnect_kind {
	RECONNECT_BACKOFF,      /* a failure worth retrying: next backoff step */
	RECONNECT_RETRY_AFTER,  /* the server named the delay */
	RECONNECT_FATAL,        /* never retry */
};

struct reconnect {
	long base_ms;      /* first step */
	long cap_ms;       /* longest step */
	long stable_ms;    /* a link up this long resets the backoff */
	int attempt;       /* failures since the last reset */
	unsigned rng;
};

void reconnect_init(struct reconnect *r, long base_ms, long cap_ms, long stable_ms);
/* The delay (ms) before the next attempt after a failure of the given
 * kind; retry_after_ms is used for RECONNECT_RETRY_AFTER (a negative one
 * falls back on the backoff).  -1 for RECONNECT_FATAL. */
long long reconnect_after(struct reconnect *r, enum reconnect_kind kind, long long retry_after_ms);
/* At least `steps` failures counted (a server asking to slow down). */
void reconnect_at_least(struct reconnect *r, int steps);
/* A link that was up for up_ms closed: true (and the backoff reset) when
 * it served at least stable_ms, so the caller reconnects at once. */
bool reconnect_served(struct reconnect *r, long long up_ms);
/* Success: the next failure starts from the first step again. */
void reconnect_ok(struct reconnect *r);

#endif
