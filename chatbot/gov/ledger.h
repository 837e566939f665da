/*
 * ledger.h - reading the governance record for the commands that show it
 * (`nominations`, `show`, `decisions`, `agenda`): which items to list, an
 * item's fields, letters, recusals, decisions and audit history, and the
 * counts the agenda gives.  Never writes; the commands render.
 *
 * Strings in the rows are owned by the rows (NULL where the column is
 * NULL) and freed by the matching *_free(rows, n).  Functions returning
 * int give 0 (or a count) on success and -1 when the store could not be
 * read (nothing is returned then).
 */
#ifndef GOVBOT_LEDGER_H
#define GOVBOT_LEDGER_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/gov/gov.h"

/* The ids of nominations and removals (not motions), newest first, at most
 * max: filter "open" (open ones), "all", or "person" (about handle).
 * Returns how many were written to ids. */
int ledger_nominations(const struct gov_ctx *g, const char *filter, const char *handle,
		       long long *ids, int max);

/* How many ledger_nominations() would list without max; -1 on error. */
long long ledger_count_nominations(const struct gov_ctx *g, const char *filter, const char *handle);
/* The ids of every open item, and of every tied core motion (it waits
 * for the lead's decision), oldest first, into *ids (caller frees);
 * their number, or -1. */
int ledger_open_items(const struct gov_ctx *g, long long **ids);
/* How many decisions have an id below before_id; -1 on error. */
long long ledger_count_older_decisions(const struct gov_ctx *g, long long before_id);
/* How many decisions there are; -1 on error. */
long long ledger_count_decisions(const struct gov_ctx *g);
/* The ids of every open item (and of every tied core motion: it waits for
 * the lead's decision), oldest first: the motions and elections (votes) or
 * else the others, in *ids (malloc'd, the
 * caller frees; NULL when none).  Returns the count, or -1. */
int ledger_open_ids(const struct gov_ctx *g, bool votes, long long **ids);

/* 1 and *text (owned) when item id has field name, 0 when it has not. */
int ledger_field(const struct gov_ctx *g, long long id, const char *name, char **text);

struct ledger_letter {
	char *kind;       /* "support" | "object" */
	char *by_handle;
	char *by_id;
	char *text;
	long long at;
};
/* The letters of item id, oldest first. */
int ledger_letters(const struct gov_ctx *g, long long id, struct ledger_letter **rows, size_t *n);
void ledger_letters_free(struct ledger_letter *rows, size_t n);
/* How many letters of kind item id has. */
long long ledger_letter_count(const struct gov_ctx *g, long long id, const char *kind);

struct ledger_recusal {
	char *handle;
	char *reason;
};
/* Who recused from item id, in the order they did. */
int ledger_recusals(const struct gov_ctx *g, long long id, struct ledger_recusal **rows, size_t *n);
void ledger_recusals_free(struct ledger_recusal *rows, size_t n);

struct ledger_decision {
	long long id;
	long long item_id;
	char *outcome;
	char *by_handle;  /* NULL (with by_id) for a vote's result */
	char *by_id;
	char *rationale;
	char *tally;
	long long at;
};
/* item_id > 0: the decisions on that item, oldest first.  item_id == 0:
 * the newest limit decisions on any item, newest first. */
int ledger_decisions(const struct gov_ctx *g, long long item_id, long long limit,
		     struct ledger_decision **rows, size_t *n);
/* The newest limit decisions with an id below before_id, newest first
 * (the pages of the record after the first). */
int ledger_decisions_before(const struct gov_ctx *g, long long before_id, long long limit,
			    struct ledger_decision **rows, size_t *n);
void ledger_decisions_free(struct ledger_decision *rows, size_t n);
/* The newest limit decisions about a person (handle: the item is about
 * them, or they opened or decided it) or a group (grp: a module heading,
 * or "core"), newest first.  One of handle and grp is given. */
int ledger_decisions_about(const struct gov_ctx *g, const char *handle, const char *grp,
			   long long limit, struct ledger_decision **rows, size_t *n);

struct ledger_event {
	long long at;
	char *actor_handle;
	char *actor_id;
	char *platform;
	char *action;
	char *detail;
};
/* The audit rows of item id, oldest first. */
int ledger_history(const struct gov_ctx *g, long long id, struct ledger_event **rows, size_t *n);
void ledger_history_free(struct ledger_event *rows, size_t n);

/* A motion's or election's electorate size and the votes and ballots cast,
 * both without anyone recused. */
void ledger_vote_counts(const struct gov_ctx *g, long long id, long long *voted,
			long long *electorate);

#endif
