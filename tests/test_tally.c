/* test_tally.c - thresholds and instant-runoff (chatbot/gov/tally.c). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/gov/tally.h"
#include "tests/testutil.h"

/* ---- thresholds ---- */

static const struct {
	enum tally_rule rule;
	int electorate, needed;
} needed_cases[] = {
	{ TALLY_MAJORITY, 5, 3 }, { TALLY_MAJORITY, 4, 3 }, { TALLY_MAJORITY, 1, 1 },
	{ TALLY_MAJORITY, 2, 2 }, { TALLY_MAJORITY, 9, 5 }, { TALLY_MAJORITY, 8, 5 },
	{ TALLY_MAJORITY, 0, 1 },
	{ TALLY_THREE_QUARTERS, 8, 6 }, { TALLY_THREE_QUARTERS, 7, 6 },
	{ TALLY_THREE_QUARTERS, 4, 3 }, { TALLY_THREE_QUARTERS, 1, 1 },
	{ TALLY_THREE_QUARTERS, 3, 3 }, { TALLY_THREE_QUARTERS, 9, 7 },
	{ TALLY_THREE_QUARTERS, 12, 9 }, { TALLY_THREE_QUARTERS, 0, 1 },
};

START_TEST(test_needed)
{
	ck_assert_int_eq(tally_needed(needed_cases[_i].rule, needed_cases[_i].electorate),
			 needed_cases[_i].needed);
}
END_TEST

static const struct {
	enum tally_rule rule;
	int electorate, yes, cast;
	enum tally_state want;
} motion_cases[] = {
	/* majority of 5: 3 yes passes, 2 does not */
	{ TALLY_MAJORITY, 5, 3, 3, TALLY_PASSED },
	{ TALLY_MAJORITY, 5, 2, 2, TALLY_OPEN },
	{ TALLY_MAJORITY, 5, 2, 4, TALLY_OPEN },    /* one left could make 3 */
	{ TALLY_MAJORITY, 5, 2, 5, TALLY_FAILED },  /* 2 yes + 3 abstain: abstain is not yes */
	{ TALLY_MAJORITY, 5, 0, 3, TALLY_FAILED },  /* 3 no: out of reach */
	{ TALLY_MAJORITY, 5, 1, 3, TALLY_OPEN },    /* 1 + 2 left = 3 */
	{ TALLY_MAJORITY, 5, 1, 4, TALLY_FAILED },  /* 1 + 1 left < 3 */
	{ TALLY_MAJORITY, 4, 2, 4, TALLY_FAILED },  /* half is not more than half */
	{ TALLY_MAJORITY, 1, 1, 1, TALLY_PASSED },
	{ TALLY_MAJORITY, 0, 0, 0, TALLY_FAILED },
	/* 75% of 8: 6 needed */
	{ TALLY_THREE_QUARTERS, 8, 6, 6, TALLY_PASSED },
	{ TALLY_THREE_QUARTERS, 8, 5, 7, TALLY_OPEN },
	{ TALLY_THREE_QUARTERS, 8, 5, 8, TALLY_FAILED },
	{ TALLY_THREE_QUARTERS, 8, 3, 6, TALLY_FAILED }, /* 3 + 2 < 6 */
	{ TALLY_THREE_QUARTERS, 8, 4, 6, TALLY_OPEN },   /* 4 + 2 = 6 */
	{ TALLY_THREE_QUARTERS, 7, 5, 7, TALLY_FAILED },
	{ TALLY_THREE_QUARTERS, 7, 6, 6, TALLY_PASSED },
	{ TALLY_THREE_QUARTERS, 4, 3, 3, TALLY_PASSED },
	{ TALLY_THREE_QUARTERS, 4, 2, 3, TALLY_OPEN },
	{ TALLY_THREE_QUARTERS, 4, 1, 3, TALLY_FAILED },
	{ TALLY_THREE_QUARTERS, 1, 1, 1, TALLY_PASSED },
	{ TALLY_THREE_QUARTERS, 1, 0, 1, TALLY_FAILED },
};

START_TEST(test_motion_state)
{
	ck_assert_int_eq(tally_motion(motion_cases[_i].rule, motion_cases[_i].electorate,
				      motion_cases[_i].yes, motion_cases[_i].cast),
			 motion_cases[_i].want);
}
END_TEST

/* ---- instant-runoff helpers ---- */

struct election {
	const char *names[16];
	int ncand;
	uint16_t prefs[4096];
	size_t off[1025];
	size_t n;
	uint64_t seed;
};

static int cand_index(const struct election *e, const char *name, size_t len)
{
	for (int c = 0; c < e->ncand; c++)
		if (strlen(e->names[c]) == len && !memcmp(e->names[c], name, len))
			return c;
	ck_abort_msg("unknown candidate %.*s", (int)len, name);
	return -1;
}

/* Adds `count` copies of the ballot "a b c" (names separated by spaces). */
static void add_ballots(struct election *e, int count, const char *ranking)
{
	for (int k = 0; k < count; k++) {
		size_t p = e->off[e->n];
		const char *s = ranking;
		while (*s) {
			while (*s == ' ')
				s++;
			const char *w = s;
			while (*s && *s != ' ')
				s++;
			if (s > w)
				e->prefs[p++] = (uint16_t)cand_index(e, w, (size_t)(s - w));
		}
		e->off[++e->n] = p;
	}
}

static void run(struct election *e, struct tally_irv *t)
{
	char err[128] = "";
	struct tally_ballots b = { e->prefs, e->off, e->n, e->seed };
	int rc = tally_irv_run(e->names, e->ncand, &b, t, err, sizeof(err));
	ck_assert_msg(rc == 0, "tally failed: %s", err);
}

static int count_of(const struct election *e, const struct tally_irv *t, size_t round,
		    const char *name)
{
	ck_assert_uint_lt(round, t->nrounds);
	return t->rounds[round].counts[cand_index(e, name, strlen(name))];
}

/* The Wikipedia example: choosing Tennessee's capital. */
START_TEST(test_irv_tennessee)
{
	struct election e = { .names = { "memphis", "nashville", "chattanooga", "knoxville" },
			      .ncand = 4 };
	struct tally_irv t;
	struct buf out = BUF_INIT;
	add_ballots(&e, 42, "memphis nashville chattanooga knoxville");
	add_ballots(&e, 26, "nashville chattanooga knoxville memphis");
	add_ballots(&e, 15, "chattanooga knoxville nashville memphis");
	add_ballots(&e, 17, "knoxville chattanooga nashville memphis");
	run(&e, &t);
	ck_assert_uint_eq(t.nrounds, 3);
	ck_assert_int_eq(count_of(&e, &t, 0, "memphis"), 42);
	ck_assert_int_eq(count_of(&e, &t, 0, "nashville"), 26);
	ck_assert_int_eq(count_of(&e, &t, 0, "chattanooga"), 15);
	ck_assert_int_eq(count_of(&e, &t, 0, "knoxville"), 17);
	ck_assert_str_eq(e.names[t.rounds[0].eliminated], "chattanooga");
	ck_assert_int_eq(t.rounds[0].why, TALLY_WHY_FEWEST);
	ck_assert_int_eq(count_of(&e, &t, 1, "knoxville"), 32);
	ck_assert_int_eq(count_of(&e, &t, 1, "chattanooga"), -1);
	ck_assert_str_eq(e.names[t.rounds[1].eliminated], "nashville");
	ck_assert_int_eq(count_of(&e, &t, 2, "knoxville"), 58);
	ck_assert_int_eq(count_of(&e, &t, 2, "memphis"), 42);
	ck_assert_int_eq(t.rounds[2].winner, 3);
	ck_assert_str_eq(e.names[t.winner], "knoxville");
	ck_assert_int_eq(t.rounds[2].exhausted, 0);

	tally_irv_format(&t, e.names, &out);
	ck_assert_ptr_nonnull(strstr(buf_str(&out),
		"round 1: @memphis 42, @nashville 26, @knoxville 17, @chattanooga 15 "
		"(100 continuing, 0 exhausted); @chattanooga eliminated (fewest votes)\n"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out),
		"round 3: @knoxville 58, @memphis 42 (100 continuing, 0 exhausted); "
		"@knoxville wins with more than half of the continuing ballots\n"));
	buf_release(&out);
	tally_irv_release(&t);
}
END_TEST

/* A small textbook case worked by hand: 23 voters, three rounds. */
START_TEST(test_irv_three_rounds)
{
	struct election e = { .names = { "alice", "bob", "carol", "dave" }, .ncand = 4 };
	struct tally_irv t;
	add_ballots(&e, 8, "alice bob");
	add_ballots(&e, 7, "bob carol");
	add_ballots(&e, 5, "carol bob");
	add_ballots(&e, 3, "dave carol");
	run(&e, &t);
	ck_assert_uint_eq(t.nrounds, 3);
	ck_assert_str_eq(e.names[t.rounds[0].eliminated], "dave");
	ck_assert_int_eq(count_of(&e, &t, 1, "carol"), 8);
	ck_assert_int_eq(count_of(&e, &t, 1, "bob"), 7);
	ck_assert_str_eq(e.names[t.rounds[1].eliminated], "bob");
	ck_assert_int_eq(count_of(&e, &t, 2, "carol"), 15);
	ck_assert_int_eq(count_of(&e, &t, 2, "alice"), 8);
	ck_assert_str_eq(e.names[t.winner], "carol");
	tally_irv_release(&t);
}
END_TEST

/* Ballots that run out count as exhausted; the majority is of the rest. */
START_TEST(test_irv_exhausted)
{
	struct election e = { .names = { "a", "b", "c" }, .ncand = 3 };
	struct tally_irv t;
	add_ballots(&e, 4, "a");
	add_ballots(&e, 3, "b");
	add_ballots(&e, 2, "c");
	add_ballots(&e, 1, "");
	run(&e, &t);
	ck_assert_uint_eq(t.nrounds, 2);
	ck_assert_int_eq(t.rounds[0].exhausted, 1);
	ck_assert_int_eq(t.rounds[0].continuing, 9);
	ck_assert_str_eq(e.names[t.rounds[0].eliminated], "c");
	ck_assert_int_eq(t.rounds[1].exhausted, 3);
	ck_assert_int_eq(t.rounds[1].continuing, 7);
	ck_assert_str_eq(e.names[t.winner], "a"); /* 4 of 7 continuing, not of 10 */
	tally_irv_release(&t);
}
END_TEST

/* Tied for fewest: the one with fewer votes in the previous round goes,
 * even though alphabetical order would pick the other. */
START_TEST(test_irv_tie_previous_round)
{
	struct election e = { .names = { "zed", "yan", "bea", "dan" }, .ncand = 4 };
	struct tally_irv t;
	add_ballots(&e, 10, "zed");
	add_ballots(&e, 6, "yan");
	add_ballots(&e, 5, "bea yan");
	add_ballots(&e, 2, "dan bea");
	add_ballots(&e, 1, "dan yan");
	run(&e, &t);
	ck_assert_uint_eq(t.nrounds, 3);
	ck_assert_str_eq(e.names[t.rounds[0].eliminated], "dan");
	ck_assert_int_eq(count_of(&e, &t, 1, "yan"), 7);
	ck_assert_int_eq(count_of(&e, &t, 1, "bea"), 7);
	ck_assert_str_eq(e.names[t.rounds[1].eliminated], "bea");
	ck_assert_int_eq(t.rounds[1].why, TALLY_WHY_EARLIER_ROUND);
	ck_assert_int_eq(t.rounds[1].tie_round, 0);
	ck_assert_int_eq(t.rounds[2].exhausted, 2);
	ck_assert_int_eq(count_of(&e, &t, 2, "yan"), 12);
	ck_assert_str_eq(e.names[t.winner], "yan");
	tally_irv_release(&t);
}
END_TEST

/* The walk goes back more than one round when the previous round tied too:
 * r1 p 9, r 5, q 4, s 3, t 1 -> t out (to q); r2 p 9, r 5, q 5, s 3 -> s out
 * (exhausted); r3 p 9, r 5, q 5: tied now and in r2, q had fewer in r1, so q
 * goes (alphabetical order alone would have picked r). */
START_TEST(test_irv_tie_two_rounds_back)
{
	struct election e = { .names = { "p", "q", "r", "s", "t" }, .ncand = 5 };
	struct tally_irv t;
	add_ballots(&e, 9, "p");
	add_ballots(&e, 5, "r");
	add_ballots(&e, 4, "q");
	add_ballots(&e, 1, "t q");
	add_ballots(&e, 3, "s");
	run(&e, &t);
	ck_assert_uint_eq(t.nrounds, 4);
	ck_assert_str_eq(e.names[t.rounds[0].eliminated], "t");
	ck_assert_str_eq(e.names[t.rounds[1].eliminated], "s");
	ck_assert_int_eq(t.rounds[1].why, TALLY_WHY_FEWEST);
	ck_assert_int_eq(count_of(&e, &t, 2, "q"), 5);
	ck_assert_int_eq(count_of(&e, &t, 2, "r"), 5);
	ck_assert_str_eq(e.names[t.rounds[2].eliminated], "q");
	ck_assert_int_eq(t.rounds[2].why, TALLY_WHY_EARLIER_ROUND);
	ck_assert_int_eq(t.rounds[2].tie_round, 0);
	ck_assert_int_eq(t.rounds[3].continuing, 14);
	ck_assert_str_eq(e.names[t.winner], "p");
	tally_irv_release(&t);
}
END_TEST

/* The lowest draw among the named candidates of e. */
static const char *lot_loser(uint64_t seed, const char *const *names, size_t n)
{
	const char *out = names[0];
	for (size_t i = 1; i < n; i++)
		if (tally_lot(seed, names[i]) < tally_lot(seed, out))
			out = names[i];
	return out;
}

/* Tied in every round: the first elimination is drawn by lot from the
 * published seed (never by name), and the last two, still tied, end the
 * election with no winner. */
START_TEST(test_irv_full_tie)
{
	struct election e = { .names = { "carol", "Bob", "alice" }, .ncand = 3 };
	struct tally_irv t;
	struct buf out = BUF_INIT;
	add_ballots(&e, 2, "alice");
	add_ballots(&e, 2, "Bob");
	add_ballots(&e, 2, "carol");
	struct tally_ballots b = { e.prefs, e.off, e.n, 0 };
	e.seed = tally_seed(7, e.names, e.ncand, &b);
	/* the seed depends on the election's number and on its ballots */
	ck_assert(e.seed != tally_seed(8, e.names, e.ncand, &b));
	b.nballots = 5;
	ck_assert(e.seed != tally_seed(7, e.names, e.ncand, &b));
	run(&e, &t);
	ck_assert_uint_eq(t.nrounds, 2);
	ck_assert_int_eq(t.rounds[0].why, TALLY_WHY_LOT);
	ck_assert_str_eq(e.names[t.rounds[0].eliminated], lot_loser(e.seed, e.names, 3));
	ck_assert_int_eq(t.rounds[1].why, TALLY_WHY_FINAL_TIE);
	ck_assert(t.final_tie);
	ck_assert_int_eq(t.winner, -1);
	tally_irv_format(&t, e.names, &out);
	char seed[40];
	snprintf(seed, sizeof(seed), "by lot from seed %016llx", (unsigned long long)e.seed);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), seed));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "the last two candidates are tied: no winner"));
	buf_release(&out);
	tally_irv_release(&t);
}
END_TEST

/* A two-way tie for elimination goes by lot, whichever way the draw falls
 * (both seeds below are found, not assumed): with carol drawn, alice and
 * Bob tie at the end (no winner); with Bob drawn, alice wins. */
START_TEST(test_irv_tie_alpha_then_previous)
{
	const char *tied[] = { "Bob", "carol" };
	uint64_t seed_carol = 0, seed_bob = 0;
	for (uint64_t sd = 1; sd < 1000 && (!seed_carol || !seed_bob); sd++) {
		if (strcmp(lot_loser(sd, tied, 2), "carol") == 0 && !seed_carol)
			seed_carol = sd;
		else if (strcmp(lot_loser(sd, tied, 2), "Bob") == 0 && !seed_bob)
			seed_bob = sd;
	}
	ck_assert(seed_carol && seed_bob);
	for (int k = 0; k < 2; k++) {
		struct election e = { .names = { "alice", "Bob", "carol" }, .ncand = 3 };
		struct tally_irv t;
		e.seed = k ? seed_bob : seed_carol;
		add_ballots(&e, 4, "alice");
		add_ballots(&e, 2, "Bob alice");
		add_ballots(&e, 2, "carol Bob");
		run(&e, &t);
		ck_assert_int_eq(t.rounds[0].why, TALLY_WHY_LOT);
		if (k == 0) {
			ck_assert_str_eq(e.names[t.rounds[0].eliminated], "carol");
			ck_assert_int_eq(count_of(&e, &t, 1, "alice"), 4);
			ck_assert_int_eq(count_of(&e, &t, 1, "Bob"), 4);
			ck_assert(t.final_tie);
			ck_assert_int_eq(t.winner, -1);
		} else {
			ck_assert_str_eq(e.names[t.rounds[0].eliminated], "Bob");
			ck_assert_str_eq(e.names[t.winner], "alice");
		}
		tally_irv_release(&t);
	}
}
END_TEST

START_TEST(test_irv_first_round_majority)
{
	struct election e = { .names = { "a", "b", "c" }, .ncand = 3 };
	struct tally_irv t;
	add_ballots(&e, 6, "a b");
	add_ballots(&e, 3, "b c");
	add_ballots(&e, 2, "c");
	run(&e, &t);
	ck_assert_uint_eq(t.nrounds, 1);
	ck_assert_int_eq(t.rounds[0].eliminated, -1);
	ck_assert_str_eq(e.names[t.winner], "a");
	tally_irv_release(&t);

	/* exactly half is not a majority: the last two tie, nobody wins */
	struct election e2 = { .names = { "a", "b" }, .ncand = 2 };
	add_ballots(&e2, 3, "a");
	add_ballots(&e2, 3, "b");
	run(&e2, &t);
	ck_assert_uint_eq(t.nrounds, 1);
	ck_assert_int_eq(t.rounds[0].eliminated, -1);
	ck_assert(t.final_tie);
	ck_assert_int_eq(t.winner, -1);
	tally_irv_release(&t);
}
END_TEST

START_TEST(test_irv_bad_input)
{
	const char *names[] = { "a", "b" };
	uint16_t dup[] = { 0, 1, 0 };
	uint16_t range[] = { 2 };
	size_t off3[] = { 0, 3 }, off1[] = { 0, 1 };
	struct tally_ballots b1 = { dup, off3, 1, 0 }, b2 = { range, off1, 1, 0 }, none = { NULL, off1, 0, 0 };
	struct tally_irv t;
	char err[128];
	ck_assert_int_eq(tally_irv_run(names, 2, &b1, &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	ck_assert_int_eq(tally_irv_run(names, 2, &b2, &t, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	ck_assert_int_eq(tally_irv_run(names, 0, &none, &t, err, sizeof(err)), -1);
	ck_assert_int_eq(tally_irv_run(names, 2, &none, &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t.winner, -1);
	ck_assert_uint_eq(t.nrounds, 0);
	tally_irv_release(&t);
}
END_TEST

/* Random elections: each round's counts equal a plain recount of the
 * ballots given who is still in, the eliminated candidate had the fewest
 * votes, and the winner holds more than half (or is the last one left). */
START_TEST(test_irv_random_recount)
{
	unsigned seed = 12345u + (unsigned)_i;
	struct election *e = calloc(1, sizeof(*e));
	static const char *pool[] = { "a", "b", "c", "d", "e", "f", "g" };
	struct tally_irv t;
	e->ncand = 2 + (int)(rand_r(&seed) % 6);
	for (int c = 0; c < e->ncand; c++)
		e->names[c] = pool[c];
	int nb = (int)(rand_r(&seed) % 60);
	for (int i = 0; i < nb; i++) {
		int perm[8], len = (int)(rand_r(&seed) % (unsigned)(e->ncand + 1));
		for (int c = 0; c < e->ncand; c++)
			perm[c] = c;
		for (int c = e->ncand - 1; c > 0; c--) {
			int j = (int)(rand_r(&seed) % (unsigned)(c + 1)), x = perm[c];
			perm[c] = perm[j];
			perm[j] = x;
		}
		size_t p = e->off[e->n];
		for (int k = 0; k < len; k++)
			e->prefs[p++] = (uint16_t)perm[k];
		e->off[++e->n] = p;
	}
	run(e, &t);
	if (nb == 0) {
		ck_assert_int_eq(t.winner, -1);
		goto done;
	}
	/* a winner, or the last two tied */
	ck_assert(t.winner >= 0 || t.final_tie);
	for (size_t r = 0; r < t.nrounds; r++) {
		const struct tally_round *rd = &t.rounds[r];
		int want[8] = { 0 }, exh = 0, alive = 0;
		for (size_t i = 0; i < e->n; i++) {
			size_t k = e->off[i];
			while (k < e->off[i + 1] && rd->counts[e->prefs[k]] < 0)
				k++;
			if (k == e->off[i + 1])
				exh++;
			else
				want[e->prefs[k]]++;
		}
		ck_assert_int_eq(rd->exhausted, exh);
		ck_assert_int_eq(rd->continuing, (int)e->n - exh);
		for (int c = 0; c < e->ncand; c++) {
			if (rd->counts[c] < 0)
				continue;
			alive++;
			ck_assert_int_eq(rd->counts[c], want[c]);
		}
		if (rd->eliminated >= 0) {
			ck_assert_int_eq(rd->winner, -1);
			for (int c = 0; c < e->ncand; c++) {
				if (rd->counts[c] >= 0) {
					ck_assert_int_le(rd->counts[rd->eliminated], rd->counts[c]);
					ck_assert_int_le(rd->counts[c] * 2, rd->continuing);
				}
			}
			ck_assert_uint_lt(r + 1, t.nrounds);
			ck_assert_int_eq(t.rounds[r + 1].counts[rd->eliminated], -1);
		} else if (rd->winner < 0) {
			ck_assert_uint_eq(r + 1, t.nrounds);
			ck_assert_int_eq(rd->why, TALLY_WHY_FINAL_TIE);
			ck_assert_int_eq(alive, 2);
		} else {
			ck_assert_uint_eq(r + 1, t.nrounds);
			ck_assert(rd->counts[rd->winner] * 2 > rd->continuing || alive == 1);
		}
	}
done:
	tally_irv_release(&t);
	free(e);
}
END_TEST

static Suite *tally_suite(void)
{
	Suite *s = suite_create("tally");
	TCase *tc = tcase_create("thresholds");
	tcase_add_loop_test(tc, test_needed, 0, (int)(sizeof(needed_cases) / sizeof(needed_cases[0])));
	tcase_add_loop_test(tc, test_motion_state, 0,
			    (int)(sizeof(motion_cases) / sizeof(motion_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("irv");
	tcase_add_test(tc, test_irv_tennessee);
	tcase_add_test(tc, test_irv_three_rounds);
	tcase_add_test(tc, test_irv_exhausted);
	tcase_add_test(tc, test_irv_tie_previous_round);
	tcase_add_test(tc, test_irv_tie_two_rounds_back);
	tcase_add_test(tc, test_irv_full_tie);
	tcase_add_test(tc, test_irv_tie_alpha_then_previous);
	tcase_add_test(tc, test_irv_first_round_majority);
	tcase_add_test(tc, test_irv_bad_input);
	tcase_add_loop_test(tc, test_irv_random_recount, 0, 200);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(tally_suite());
}
