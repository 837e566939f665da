/*
 * ledger_when.h - when the governance record last changed, for readers that
 * poll it (the web pages' Last-Modified, chatbot/web/): the newest time of
 * anything stored about one item or about any item, and of the roster
 * events that decisions applied.  Reads only.
 */
#ifndef GOVBOT_LEDGER_WHEN_H
#define GOVBOT_LEDGER_WHEN_H

#include "chatbot/gov/gov.h"

/* item_id > 0: the newest time item item_id was opened, changed (fields,
 * letters, votes, ballots, recusals, audit) or decided; item_id == 0: the
 * same over every item, closing included.  0 when there is nothing, -1
 * when the store could not be read. */
long long ledger_changed_at(const struct gov_ctx *g, long long item_id);

/* The time of the newest roster event (a decision that changed the
 * roster); 0 when none, -1 when the store could not be read. */
long long ledger_roster_changed_at(const struct gov_ctx *g);

#endif
