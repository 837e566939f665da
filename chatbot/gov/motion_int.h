/*
 * motion_int.h - shared between motion.c (opening, casting) and
 * motion_close.c (settling, closing, describing).  Not for other files.
 */
#ifndef GOVBOT_MOTION_INT_H
#define GOVBOT_MOTION_INT_H

#include "chatbot/gov/gov.h"
#include "chatbot/gov/motion.h"
#include "chatbot/gov/store.h"
#include "chatbot/gov/tally.h"

/* A list of handles; owns its strings (motion_handles_release). */
struct motion_handles {
	char **v;
	size_t n;
};

void motion_handles_release(struct motion_handles *h);
/* Index of s (ASCII case-insensitive), or -1. */
int motion_handles_find(const struct motion_handles *h, const char *s);
/* Appends the first column of every row of sql (?1 = id) to out. STORE_OK or error. */
int motion_query_handles(struct store *s, const char *sql, long long id, struct motion_handles *out);
/* The electorate of item id now: the snapshot less anyone recused, in order. */
int motion_electorate(struct store *s, long long id, struct motion_handles *out);
/* GOV_OK when every ranked handle is a candidate, none twice, at least one. */
int motion_check_ranking(const struct motion_handles *cands, const struct motion_handles *ranking,
			 struct buf *why);

/* Inside a transaction: closes it when it is decided (or at_deadline).
 * Returns 1 when closed (a sentence about the result appended to summary),
 * 0 when still open, or an enum store_rc error. */
int motion_settle_locked(const struct gov_ctx *g, const struct gov_item *it, long long now,
			 bool at_deadline, struct buf *summary);

/* "2026-12-06 02:10 UTC" */
void motion_format_time(long long t, char *out, size_t n);
/* "the core maintainers other than the lead", ...; static. */
const char *motion_electorate_words(const struct gov_item *it);
/* "motion" or "election"; static. */
const char *motion_noun(const struct gov_item *it);

#endif
