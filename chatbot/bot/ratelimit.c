/* ratelimit.c - see ratelimit.h. */
#include "chatbot/bot/ratelimit.h"

#include <stdlib.h>
#include <string.h>

#include "chatbot/util/util.h"

/* a power of two, as many as the identities kept: chains of about one */
#define BUCKETS 8192

struct entry {
	struct entry *next;
	unsigned hash;
	int tokens;
	long long last;     /* when tokens were last topped up */
	char id[];          /* one allocation an identity */
};

struct ratelimit {
	int burst, every_s;
	size_t n;
	struct entry *b[BUCKETS];
};

struct ratelimit *ratelimit_new(int burst, int every_s)
{
	struct ratelimit *r = xcalloc(1, sizeof(*r));
	r->burst = burst > 0 ? burst : 1;
	r->every_s = every_s > 0 ? every_s : 1;
	return r;
}

static void forget(struct ratelimit *r, bool only_full, long long now)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		struct entry **pp = &r->b[i];
		while (*pp) {
			struct entry *e = *pp;
			bool full = e->tokens + (now - e->last) / r->every_s >= r->burst;
			if (!only_full || full) {
				*pp = e->next;
				free(e);
				r->n--;
			} else {
				pp = &e->next;
			}
		}
	}
}

void ratelimit_free(struct ratelimit *r)
{
	if (!r)
		return;
	forget(r, false, 0);
	free(r);
}

static unsigned hash(const char *s)
{
	unsigned x = 2166136261u;
	while (*s)
		x = (x ^ (unsigned char)*s++) * 16777619u;
	return x;
}

long long ratelimit_take(struct ratelimit *r, const char *id, long long now)
{
	unsigned x = hash(id), h = x & (BUCKETS - 1);
	struct entry *e = r->b[h];
	while (e && (e->hash != x || strcmp(e->id, id) != 0))
		e = e->next;
	if (!e) {
		if (r->n >= RATELIMIT_MAX_IDS) {
			forget(r, true, now);
			if (r->n >= RATELIMIT_MAX_IDS)
				forget(r, false, now);
		}
		size_t len = strlen(id);
		e = xmalloc(sizeof(*e) + len + 1);
		memcpy(e->id, id, len + 1);
		e->hash = x;
		e->tokens = r->burst;
		e->last = now;
		e->next = r->b[h];
		r->b[h] = e;
		r->n++;
	}
	if (now < e->last)          /* the clock went back: start over */
		e->last = now;
	long long add = (now - e->last) / r->every_s;
	if (add > 0) {
		e->tokens = add >= r->burst - e->tokens ? r->burst : e->tokens + (int)add;
		e->last = e->tokens == r->burst ? now : e->last + add * r->every_s;
	}
	if (e->tokens == 0)
		return e->last + r->every_s - now;
	if (e->tokens == r->burst)
		e->last = now;
	e->tokens--;
	return 0;
}
