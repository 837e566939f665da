/*
 * tally.h - the arithmetic of motions and elections, with no storage and
 * no I/O: thresholds for yes/no motions, and instant-runoff for ranked
 * elections with every round recorded.
 *
 * Motions.  Thresholds count the ELECTORATE (the people entitled to vote,
 * less anyone recused), never the votes cast; an abstention is simply not
 * a yes.
 *   TALLY_MAJORITY       yes > electorate / 2         (5 -> 3, 4 -> 3, 1 -> 1)
 *   TALLY_THREE_QUARTERS yes * 4 >= electorate * 3    (8 -> 6, 7 -> 6, 4 -> 3, 1 -> 1)
 * An empty electorate can never pass (at least one yes is always needed).
 *
 * Instant-runoff.  Each round, every ballot counts for its highest-ranked
 * candidate still in the race; a ballot with no such candidate is
 * exhausted.  A candidate with more than half of the continuing
 * (non-exhausted) ballots wins; when only one candidate is left, that
 * candidate wins.  Otherwise the candidate with the fewest votes is
 * eliminated, one per round.
 *
 * Ties for elimination are broken by fewer votes in the previous round
 * (walking back one round at a time to the first round), then by lot: each
 * tied candidate gets tally_lot(seed, handle), and the lowest is
 * eliminated.  The seed (tally_seed) is derived from the election's number
 * and its ballots, and is published with the result, so anyone can
 * recompute the draw.  The lead is never picked by alphabet.
 *
 * When the last two candidates tie (and neither has more than half), the
 * election ends with no winner (final_tie): a new election among them can
 * be opened at once.
 *
 * Ownership: tally_irv() fills a result whose arrays tally_irv_release()
 * frees.  Candidate names are borrowed from the caller for the call (and
 * for tally_irv_format()).
 */
#ifndef GOVBOT_TALLY_H
#define GOVBOT_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chatbot/util/util.h"

enum tally_rule {
	TALLY_MAJORITY,        /* more than half of the electorate */
	TALLY_THREE_QUARTERS,  /* at least 75% of the electorate */
};

enum tally_state {
	TALLY_OPEN,    /* still undecided: more votes could change the result */
	TALLY_PASSED,  /* the threshold is reached */
	TALLY_FAILED,  /* the threshold can no longer be reached */
};

/* Yes votes needed to pass; never less than 1.  electorate < 0 counts as 0. */
int tally_needed(enum tally_rule rule, int electorate);

/* The state of a motion given the electorate size and the votes cast by
 * members of that electorate ("cast" counts yes, no and abstain; every
 * cast vote is at most one per elector, so cast <= electorate).
 * PASSED when yes reaches the threshold; FAILED when even every elector
 * who has not voted voting yes would not reach it (this includes everyone
 * having voted without reaching it); OPEN otherwise. */
enum tally_state tally_motion(enum tally_rule rule, int electorate, int yes, int cast);

/* Instant-runoff. */

/* Longest candidate list tally_irv accepts. */
#define TALLY_MAX_CANDIDATES 1000

enum tally_why {
	TALLY_WHY_NONE,          /* nobody eliminated in this round (a winner) */
	TALLY_WHY_FEWEST,        /* the single candidate with the fewest votes */
	TALLY_WHY_EARLIER_ROUND, /* tied; fewer votes in an earlier round (see tie_round) */
	TALLY_WHY_LOT,           /* tied in every round; drawn by lot from the seed */
	TALLY_WHY_FINAL_TIE,     /* the last two tie: nobody eliminated, no winner */
};

struct tally_round {
	int *counts;        /* ncand entries: votes this round; -1 when out of the race */
	int continuing;     /* ballots counting for someone this round */
	int exhausted;      /* ballots with no continuing candidate left */
	int winner;         /* index of the winner, or -1 */
	int eliminated;     /* index eliminated at the end of the round, or -1 */
	enum tally_why why; /* how the eliminated candidate was chosen */
	int tie_round;      /* TALLY_WHY_EARLIER_ROUND: 0-based round that decided */
};

struct tally_irv {
	int ncand;
	int winner;                 /* index, or -1: no ballots, or a final tie */
	bool final_tie;             /* the last two candidates tied */
	uint64_t seed;              /* the ballots' seed, for ties by lot */
	size_t nballots;
	struct tally_round *rounds; /* owned */
	size_t nrounds;
};

/* Ballots as one flat array of candidate indexes (0..ncand-1), most
 * preferred first: ballot i is prefs[off[i] .. off[i+1]).  off has
 * nballots + 1 entries.  An empty ballot is exhausted from the start. */
struct tally_ballots {
	const uint16_t *prefs;
	const size_t *off;
	size_t nballots;
	uint64_t seed;   /* tally_seed() of the election; 0 in tests that need no lot */
};

/* The seed of an election: FNV-1a (64 bits) over "election N\n" and each
 * ballot in the order given (the callers sort them by elector), each as its
 * ranked handles separated by one space and ended by "\n". */
uint64_t tally_seed(long long election, const char *const *names, int ncand,
		    const struct tally_ballots *b);
/* A candidate's draw: FNV-1a over the seed as 16 lowercase hex digits,
 * ":", and the handle in lowercase.  The lowest draw is eliminated. */
uint64_t tally_lot(uint64_t seed, const char *name);

/* Runs the election over candidates names[0..ncand) (their handles, used
 * only to break ties).  Returns 0 and fills *out (release it with
 * tally_irv_release), or -1 with a message in err when the input is bad:
 * no candidates, too many, an index out of range, or a candidate ranked
 * twice on one ballot (err names the ballot).  With no ballots the result
 * has no rounds and winner -1. */
int tally_irv_run(const char *const *names, int ncand, const struct tally_ballots *b,
		  struct tally_irv *out, char *err, size_t errlen);
void tally_irv_release(struct tally_irv *t);

/* Appends the rounds as plain text lines to out, e.g.
 *   round 1: @memphis 42, @nashville 26, @knoxville 17, @chattanooga 15 (100 continuing);
 *            @chattanooga eliminated (fewest votes)
 *   ...
 *   round 3: @knoxville 58, @memphis 42; @knoxville wins with more than half
 * One line per round; candidates out of the race are not listed. */
void tally_irv_format(const struct tally_irv *t, const char *const *names, struct buf *out);

#endif
