/* bench_irv.c - instant-runoff over 100,000 random ballots and 20
 * candidates (fixed seed); prints the time of tally_irv_run in ms.
 * Goal: under 100 ms.  Exit 1 when the tally fails or the goal is missed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "chatbot/gov/tally.h"
#include "chatbot/util/util.h"

#define NBALLOTS 100000
#define NCAND 20
#define REPEAT 5

/* xorshift32: the same ballots on every machine */
static uint32_t rng(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void)
{
	static const char *names[NCAND];
	char namebuf[NCAND][8];
	uint16_t *prefs = xmalloc((size_t)NBALLOTS * NCAND * sizeof(*prefs));
	size_t *off = xmalloc((NBALLOTS + 1) * sizeof(*off));
	uint32_t seed = 20260101u;
	size_t p = 0;
	double best = -1;
	int winner = -1;
	size_t rounds = 0;
	char err[128];

	for (int c = 0; c < NCAND; c++) {
		snprintf(namebuf[c], sizeof(namebuf[c]), "c%02d", c);
		names[c] = namebuf[c];
	}
	/* Ballots rank between 1 and 20 candidates; candidate popularity is
	 * skewed so the race goes several rounds. */
	off[0] = 0;
	for (size_t i = 0; i < NBALLOTS; i++) {
		int perm[NCAND];
		int len = 1 + (int)(rng(&seed) % NCAND);
		for (int c = 0; c < NCAND; c++)
			perm[c] = c;
		for (int k = 0; k < len; k++) {
			/* pick from the rest, biased toward low indexes */
			uint32_t r1 = rng(&seed) % (uint32_t)(NCAND - k);
			uint32_t r2 = rng(&seed) % (uint32_t)(NCAND - k);
			int j = k + (int)(r1 < r2 ? r1 : r2);
			int x = perm[k];
			perm[k] = perm[j];
			perm[j] = x;
			prefs[p++] = (uint16_t)perm[k];
		}
		off[i + 1] = p;
	}

	for (int rep = 0; rep < REPEAT; rep++) {
		struct tally_irv t;
		struct tally_ballots b = { prefs, off, NBALLOTS, 0 };
		double t0 = now_ms();
		/* the seed for ties by lot is part of every count */
		b.seed = tally_seed(1, names, NCAND, &b);
		if (tally_irv_run(names, NCAND, &b, &t, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench_irv: %s\n", err);
			return 1;
		}
		double dt = now_ms() - t0;
		if (best < 0 || dt < best)
			best = dt;
		winner = t.winner;
		rounds = t.nrounds;
		tally_irv_release(&t);
	}
	printf("bench_irv: %d ballots, %d candidates: %zu rounds, winner %s, "
	       "best of %d: %.1f ms (goal < 100 ms)\n",
	       NBALLOTS, NCAND, rounds, winner >= 0 ? names[winner] : "-", REPEAT, best);
	free(prefs);
	free(off);
	return best < 100 ? 0 : 1;
}
