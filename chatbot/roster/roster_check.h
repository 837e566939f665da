/*
 * roster_check.h - oddities in a roster that are not errors (the page
 * still reads) but make `who` answer less than the page says, for
 * `govbot check-config` to warn about:
 *   - a group heading given twice (case-insensitive): `who MODULE` finds
 *     the first only;
 *   - one handle twice in a group, in different case or not: one role;
 *   - one handle listed both active and emeritus in a group.
 */
#ifndef GOVBOT_ROSTER_CHECK_H
#define GOVBOT_ROSTER_CHECK_H

#include "chatbot/util/util.h"

struct roster;

/* Appends one "roster: warning: ..." line per oddity to out; returns how many. */
size_t roster_check(const struct roster *r, struct buf *out);

#endif
