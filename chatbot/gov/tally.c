/* tally.c - thresholds and instant-runoff; see tally.h for the rules. */
#include "chatbot/gov/tally.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tally_needed(enum tally_rule rule, int electorate)
{
	int n;
	if (electorate < 0)
		electorate = 0;
	if (rule == TALLY_THREE_QUARTERS)
		n = (int)(((long long)electorate * 3 + 3) / 4); /* ceil(0.75 e) */
	else
		n = electorate / 2 + 1;                      /* more than half */
	return n < 1 ? 1 : n;
}

enum tally_state tally_motion(enum tally_rule rule, int electorate, int yes, int cast)
{
	int need = tally_needed(rule, electorate);
	int left;
	if (yes >= need)
		return TALLY_PASSED;
	left = electorate - cast;
	if (left < 0)
		left = 0;
	if ((long long)yes + left < need)
		return TALLY_FAILED;
	return TALLY_OPEN;
}

/* ASCII case-insensitive order; byte order as a last resort so that the
 * result never depends on the input order. */
static int name_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	for (;; x++, y++) {
		int cx = *x, cy = *y;
		if (cx >= 'A' && cx <= 'Z')
			cx += 'a' - 'A';
		if (cy >= 'A' && cy <= 'Z')
			cy += 'a' - 'A';
		if (cx != cy)
			return cx - cy;
		if (!cx)
			break;
	}
	return strcmp(a, b);
}

static int check_ballots(int ncand, const struct tally_ballots *b, char *err, size_t errlen)
{
	int rc = -1;
	size_t *seen = xcalloc((size_t)ncand, sizeof(*seen));
	for (size_t i = 0; i < b->nballots; i++) {
		if (b->off[i + 1] < b->off[i]) {
			snprintf(err, errlen, "ballot %zu: bad offsets", i + 1);
			goto cleanup;
		}
		for (size_t k = b->off[i]; k < b->off[i + 1]; k++) {
			unsigned c = b->prefs[k];
			if ((int)c >= ncand) {
				snprintf(err, errlen, "ballot %zu: candidate %u out of range", i + 1, c);
				goto cleanup;
			}
			if (seen[c] == i + 1) {
				snprintf(err, errlen, "ballot %zu ranks a candidate twice", i + 1);
				goto cleanup;
			}
			seen[c] = i + 1;
		}
	}
	rc = 0;
cleanup:
	free(seen);
	return rc;
}

/* Picks the candidate to eliminate in round r among the continuing ones. */
static int pick_eliminated(const struct tally_irv *t, size_t r, const char *const *names,
			   const char *alive, struct tally_round *rd)
{
	int ncand = t->ncand, ntied = 0, low = -1;
	int *tied = xmalloc((size_t)ncand * sizeof(*tied));
	int out;

	for (int c = 0; c < ncand; c++)
		if (alive[c] && (low < 0 || rd->counts[c] < low))
			low = rd->counts[c];
	for (int c = 0; c < ncand; c++)
		if (alive[c] && rd->counts[c] == low)
			tied[ntied++] = c;
	rd->why = TALLY_WHY_FEWEST;
	/* walk back: keep those with the fewest votes in each earlier round */
	for (size_t back = r; ntied > 1 && back-- > 0;) {
		const int *pc = t->rounds[back].counts;
		int plow = -1, n = 0;
		for (int i = 0; i < ntied; i++)
			if (plow < 0 || pc[tied[i]] < plow)
				plow = pc[tied[i]];
		for (int i = 0; i < ntied; i++)
			if (pc[tied[i]] == plow)
				tied[n++] = tied[i];
		if (n < ntied) {
			rd->why = TALLY_WHY_EARLIER_ROUND;
			rd->tie_round = (int)back;
		}
		ntied = n;
	}
	if (ntied > 1)
		rd->why = TALLY_WHY_LOT;
	out = tied[0];
	for (int i = 1; i < ntied; i++) {
		uint64_t a = tally_lot(t->seed, names[tied[i]]), b = tally_lot(t->seed, names[out]);
		if (a < b || (a == b && name_cmp(names[tied[i]], names[out]) > 0))
			out = tied[i];
	}
	free(tied);
	return out;
}

/* FNV-1a, 64 bits, over n bytes. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL

uint64_t tally_seed(long long election, const char *const *names, int ncand,
		    const struct tally_ballots *b)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "election %lld\n", election);
	uint64_t h = fnv1a(FNV_OFFSET, num, (size_t)n);
	for (size_t i = 0; b && i < b->nballots; i++) {
		for (size_t k = b->off[i]; k < b->off[i + 1]; k++) {
			unsigned c = b->prefs[k];
			const char *nm = (int)c < ncand ? names[c] : "?";
			if (k > b->off[i])
				h = fnv1a(h, " ", 1);
			h = fnv1a(h, nm, strlen(nm));
		}
		h = fnv1a(h, "\n", 1);
	}
	return h;
}

uint64_t tally_lot(uint64_t seed, const char *name)
{
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)seed);
	uint64_t h = fnv1a(FNV_OFFSET, hex, 16);
	h = fnv1a(h, ":", 1);
	for (const char *p = name; *p; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p + 'a' - 'A') : *p;
		h = fnv1a(h, &c, 1);
	}
	return h;
}

/*
 * Ballots are kept in one singly linked list per candidate (the ballots
 * currently counting for that candidate), so a round's counts are the list
 * lengths and eliminating a candidate walks only that candidate's ballots.
 * Every ballot position is advanced at most once over the whole election.
 */
int tally_irv_run(const char *const *names, int ncand, const struct tally_ballots *b,
		  struct tally_irv *out, char *err, size_t errlen)
{
	int rc = -1, nalive;
	size_t n = b ? b->nballots : 0;
	size_t *pos = NULL;
	ptrdiff_t *next = NULL, *head = NULL;
	int *count = NULL;
	char *alive = NULL;
	int exhausted = 0;

	memset(out, 0, sizeof(*out));
	out->winner = -1;
	if (ncand < 1 || ncand > TALLY_MAX_CANDIDATES) {
		snprintf(err, errlen, "an election needs between 1 and %d candidates",
			 TALLY_MAX_CANDIDATES);
		return -1;
	}
	if (n > (size_t)0x7fffffff) {
		snprintf(err, errlen, "too many ballots");
		return -1;
	}
	if (n && check_ballots(ncand, b, err, errlen) < 0)
		return -1;
	out->ncand = ncand;
	out->nballots = n;
	out->seed = b ? b->seed : 0;
	if (!n)
		return 0;

	pos = xmalloc(n * sizeof(*pos));
	next = xmalloc(n * sizeof(*next));
	head = xmalloc((size_t)ncand * sizeof(*head));
	count = xcalloc((size_t)ncand, sizeof(*count));
	alive = xmalloc((size_t)ncand);
	memset(alive, 1, (size_t)ncand);
	for (int c = 0; c < ncand; c++)
		head[c] = -1;
	for (size_t i = n; i-- > 0;) {
		pos[i] = b->off[i];
		if (pos[i] == b->off[i + 1]) {
			exhausted++;
			continue;
		}
		unsigned c = b->prefs[pos[i]];
		next[i] = head[c];
		head[c] = (ptrdiff_t)i;
		count[c]++;
	}
	out->rounds = xcalloc((size_t)ncand, sizeof(*out->rounds));
	nalive = ncand;

	for (;;) {
		size_t r = out->nrounds++;
		struct tally_round *rd = &out->rounds[r];
		int cont = (int)n - exhausted;
		rd->counts = xmalloc((size_t)ncand * sizeof(*rd->counts));
		for (int c = 0; c < ncand; c++)
			rd->counts[c] = alive[c] ? count[c] : -1;
		rd->continuing = cont;
		rd->exhausted = exhausted;
		rd->winner = rd->eliminated = -1;
		rd->why = TALLY_WHY_NONE;
		rd->tie_round = -1;

		for (int c = 0; c < ncand; c++) {
			if (alive[c] && ((long long)count[c] * 2 > cont || nalive == 1)) {
				rd->winner = c;
				break;
			}
		}
		if (rd->winner >= 0) {
			out->winner = rd->winner;
			break;
		}
		if (nalive == 2) {
			int a = -1, c2 = -1;
			for (int c = 0; c < ncand; c++) {
				if (alive[c] && a < 0)
					a = c;
				else if (alive[c])
					c2 = c;
			}
			if (count[a] == count[c2]) {
				/* the last two tie: no winner, never a pick by name or lot */
				rd->why = TALLY_WHY_FINAL_TIE;
				out->final_tie = true;
				break;
			}
		}

		int e = pick_eliminated(out, r, names, alive, rd);
		rd->eliminated = e;
		alive[e] = 0;
		nalive--;
		for (ptrdiff_t i = head[e]; i >= 0;) {
			ptrdiff_t nx = next[i];
			size_t p = pos[i] + 1, end = b->off[i + 1];
			while (p < end && !alive[b->prefs[p]])
				p++;
			pos[i] = p;
			if (p == end) {
				exhausted++;
			} else {
				unsigned c = b->prefs[p];
				next[i] = head[c];
				head[c] = i;
				count[c]++;
			}
			i = nx;
		}
		head[e] = -1;
		count[e] = 0;
	}
	rc = 0;
	free(pos);
	free(next);
	free(head);
	free(count);
	free(alive);
	return rc;
}

void tally_irv_release(struct tally_irv *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->nrounds; r++)
		free(t->rounds[r].counts);
	free(t->rounds);
	memset(t, 0, sizeof(*t));
	t->winner = -1;
}

void tally_irv_format(const struct tally_irv *t, const char *const *names, struct buf *out)
{
	int *order = NULL;
	if (!t->nrounds) {
		buf_adds(out, "no ballots were cast\n");
		return;
	}
	order = xmalloc((size_t)t->ncand * sizeof(*order));
	for (size_t r = 0; r < t->nrounds; r++) {
		const struct tally_round *rd = &t->rounds[r];
		int n = 0;
		/* continuing candidates, most votes first, ties by name */
		for (int c = 0; c < t->ncand; c++) {
			if (rd->counts[c] < 0)
				continue;
			int k = n++;
			while (k > 0 && (rd->counts[order[k - 1]] < rd->counts[c] ||
					 (rd->counts[order[k - 1]] == rd->counts[c] &&
					  name_cmp(names[order[k - 1]], names[c]) > 0))) {
				order[k] = order[k - 1];
				k--;
			}
			order[k] = c;
		}
		buf_addf(out, "round %zu: ", r + 1);
		for (int i = 0; i < n; i++)
			buf_addf(out, "%s@%s %d", i ? ", " : "", names[order[i]], rd->counts[order[i]]);
		buf_addf(out, " (%d continuing, %d exhausted); ", rd->continuing, rd->exhausted);
		if (rd->winner >= 0) {
			if (n == 1)
				buf_addf(out, "@%s wins as the last candidate left\n", names[rd->winner]);
			else
				buf_addf(out, "@%s wins with more than half of the continuing ballots\n",
					 names[rd->winner]);
		} else if (rd->why == TALLY_WHY_FINAL_TIE) {
			buf_adds(out, "the last two candidates are tied: no winner\n");
		} else if (rd->eliminated >= 0) {
			const char *nm = names[rd->eliminated];
			switch (rd->why) {
			case TALLY_WHY_EARLIER_ROUND:
				buf_addf(out, "@%s eliminated (tied for fewest; fewer votes in round %d)\n",
					 nm, rd->tie_round + 1);
				break;
			case TALLY_WHY_LOT:
				buf_addf(out, "@%s eliminated (tied for fewest in every round; by lot "
					 "from seed %016llx)\n", nm, (unsigned long long)t->seed);
				break;
			default:
				buf_addf(out, "@%s eliminated (fewest votes)\n", nm);
				break;
			}
		}
	}
	free(order);
}
