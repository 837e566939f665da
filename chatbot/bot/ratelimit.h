/*
 * ratelimit.h - a per-identity command rate (token bucket): each identity
 * may send `burst` commands at once, then one every `every_s` seconds.
 * In memory, per process; at most RATELIMIT_MAX_IDS identities are
 * remembered (when full, the ones whose bucket has refilled are forgotten,
 * then, if still full, all).
 *
 * Ownership: ratelimit_new() returns a table freed by ratelimit_free();
 * ids are copied.
 */
#ifndef GOVBOT_RATELIMIT_H
#define GOVBOT_RATELIMIT_H

#define RATELIMIT_MAX_IDS 8192

struct ratelimit;

struct ratelimit *ratelimit_new(int burst, int every_s);
void ratelimit_free(struct ratelimit *r);
/* Takes one command of id at now (seconds): returns 0 when allowed, else
 * the seconds until it will be (nothing taken). */
long long ratelimit_take(struct ratelimit *r, const char *id, long long now);

#endif
