/* backoff.c - see backoff.h. */
#include "chatbot/net/backoff.h"

#include <stdint.h>

#include "chatbot/util/util.h"

static unsigned xorshift(unsigned *s)
{
	if (!*s)
		*s = 2463534242u;
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

long long backoff_delay(long base_ms, long cap_ms, int attempt, unsigned *rng)
{
	long long d = base_ms > 0 ? base_ms : 1;

	for (int i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	/* jitter: 50% to 100% of the step */
	return d / 2 + (d > 1 ? (long long)(xorshift(rng) % (unsigned)(d / 2 + 1)) : 0);
}

unsigned backoff_seed(const void *p)
{
	unsigned s = (unsigned)time_mono_ms() * 2654435761u ^ (unsigned)(uintptr_t)p;

	return s ? s : 1u;
}

void reconnect_init(struct reconnect *r, long base_ms, long cap_ms, long stable_ms)
{
	r->base_ms = base_ms;
	r->cap_ms = cap_ms;
	r->stable_ms = stable_ms;
	r->attempt = 0;
	r->rng = backoff_seed(r);
}

long long reconnect_after(struct reconnect *r, enum reconnect_kind kind, long long retry_after_ms)
{
	if (kind == RECONNECT_FATAL)
		return -1;
	r->attempt++;
	if (kind == RECONNECT_RETRY_AFTER && retry_after_ms >= 0)
		return retry_after_ms;
	return backoff_delay(r->base_ms, r->cap_ms, r->attempt, &r->rng);
}

void reconnect_at_least(struct reconnect *r, int steps)
{
	if (r->attempt < steps)
		r->attempt = steps;
}

bool reconnect_served(struct reconnect *r, long long up_ms)
{
	if (up_ms < r->stable_ms)
		return false;
	r->attempt = 0;
	return true;
}

void reconnect_ok(struct reconnect *r)
{
	r->attempt = 0;
}
