/* ledger.c - see ledger.h. */
#include "chatbot/gov/ledger.h"

#include <stdlib.h>
#include <string.h>

#include "chatbot/gov/store.h"

/* The cached statement sql with ?1 bound to id, or NULL. */
static sqlite3_stmt *item_rows(const struct gov_ctx *g, const char *sql, long long id)
{
	sqlite3_stmt *st = g->store ? store_stmt(g->store, sql) : NULL;
	if (st)
		sqlite3_bind_int64(st, 1, id);
	return st;
}

/* Grows *rows (of size each) by one zeroed row; returns it. */
static void *grow(void **rows, size_t *n, size_t size)
{
	*rows = xrealloc(*rows, (*n + 1) * size);
	char *row = (char *)*rows + *n * size;
	memset(row, 0, size);
	(*n)++;
	return row;
}

/* Reads up to max ids from a prepared statement's first column. */
static int read_ids(sqlite3_stmt *st, long long *ids, int max)
{
	int n = 0;
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

int ledger_nominations(const struct gov_ctx *g, const char *filter, const char *handle,
		       long long *ids, int max)
{
	sqlite3_stmt *st = g->store ? store_stmt(g->store,
		"SELECT id FROM items WHERE kind IN ('nominate-module','nominate-core','remove-module',"
		"'remove-core') AND (?1 = 'all' OR (?1 = 'open' AND state = 'open')"
		" OR (?1 = 'person' AND subject = ?2 COLLATE NOCASE)) ORDER BY id DESC LIMIT ?3") : NULL;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, filter, -1, SQLITE_STATIC);
	if (handle)
		sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, max);
	return read_ids(st, ids, max);
}

long long ledger_count_nominations(const struct gov_ctx *g, const char *filter, const char *handle)
{
	sqlite3_stmt *st = g->store ? store_stmt(g->store,
		"SELECT count(*) FROM items WHERE kind IN ('nominate-module','nominate-core','remove-module',"
		"'remove-core') AND (?1 = 'all' OR (?1 = 'open' AND state = 'open')"
		" OR (?1 = 'person' AND subject = ?2 COLLATE NOCASE))") : NULL;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, filter, -1, SQLITE_STATIC);
	if (handle)
		sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}

long long ledger_count_decisions(const struct gov_ctx *g)
{
	return g->store ? store_count(g->store, "SELECT count(*) FROM decisions", 0) : -1;
}

/* The open items' ids (and tied core motions'), oldest first: every one
 * when which < 0, else only votes (1) or only the rest (0). */
static int open_ids(const struct gov_ctx *g, int which, long long **ids)
{
	*ids = NULL;
	/* a tied core motion waits for the lead's decision: on the agenda too */
	sqlite3_stmt *st = g->store ? store_stmt(g->store,
		"SELECT id, kind FROM items WHERE state = 'open'"
		" OR (state = 'tied' AND kind = 'motion-core') ORDER BY id") : NULL;
	if (!st)
		return -1;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		if (which >= 0 && gov_kind_is_vote(kind ? kind : "") != (which == 1))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*ids);
		*ids = NULL;
		return -1;
	}
	return (int)n;
}

int ledger_open_ids(const struct gov_ctx *g, bool votes, long long **ids)
{
	return open_ids(g, votes ? 1 : 0, ids);
}

int ledger_open_items(const struct gov_ctx *g, long long **ids)
{
	return open_ids(g, -1, ids);
}

long long ledger_count_older_decisions(const struct gov_ctx *g, long long before_id)
{
	return g->store ? store_count(g->store, "SELECT count(*) FROM decisions WHERE id < ?1",
				      before_id) : -1;
}

int ledger_field(const struct gov_ctx *g, long long id, const char *name, char **text)
{
	sqlite3_stmt *st = item_rows(g, "SELECT text FROM fields WHERE item_id = ?1 AND name = ?2", id);
	*text = NULL;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		*text = store_col_dup(st, 0);
		if (!*text)
			*text = xstrdup("");
	}
	sqlite3_reset(st);
	return found;
}

int ledger_letters(const struct gov_ctx *g, long long id, struct ledger_letter **rows, size_t *n)
{
	sqlite3_stmt *st = item_rows(g, "SELECT kind, by_handle, by_id, text, at"
				     " FROM letters WHERE item_id = ?1 ORDER BY id", id);
	*rows = NULL;
	*n = 0;
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ledger_letter *l = grow((void **)rows, n, sizeof(**rows));
		l->kind = store_col_dup(st, 0);
		l->by_handle = store_col_dup(st, 1);
		l->by_id = store_col_dup(st, 2);
		l->text = store_col_dup(st, 3);
		l->at = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	return 0;
}

void ledger_letters_free(struct ledger_letter *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].kind);
		free(rows[i].by_handle);
		free(rows[i].by_id);
		free(rows[i].text);
	}
	free(rows);
}

long long ledger_letter_count(const struct gov_ctx *g, long long id, const char *kind)
{
	sqlite3_stmt *st = item_rows(g, "SELECT count(*) FROM letters WHERE item_id = ?1 AND kind = ?2", id);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return n;
}

int ledger_recusals(const struct gov_ctx *g, long long id, struct ledger_recusal **rows, size_t *n)
{
	sqlite3_stmt *st = item_rows(g, "SELECT handle, reason FROM recusals"
				     " WHERE item_id = ?1 ORDER BY at, handle", id);
	*rows = NULL;
	*n = 0;
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ledger_recusal *r = grow((void **)rows, n, sizeof(**rows));
		r->handle = store_col_dup(st, 0);
		r->reason = store_col_dup(st, 1);
	}
	sqlite3_reset(st);
	return 0;
}

void ledger_recusals_free(struct ledger_recusal *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].handle);
		free(rows[i].reason);
	}
	free(rows);
}

static int read_decisions(sqlite3_stmt *st, struct ledger_decision **rows, size_t *n);

int ledger_decisions(const struct gov_ctx *g, long long item_id, long long limit,
		     struct ledger_decision **rows, size_t *n)
{
	sqlite3_stmt *st;
	*rows = NULL;
	*n = 0;
	if (item_id > 0) {
		st = item_rows(g, "SELECT id, item_id, outcome, by_handle, by_id, rationale, tally, at"
			       " FROM decisions WHERE item_id = ?1 ORDER BY id", item_id);
	} else {
		st = item_rows(g, "SELECT id, item_id, outcome, by_handle, by_id, rationale, tally, at"
			       " FROM decisions ORDER BY id DESC LIMIT ?1", limit);
	}
	return read_decisions(st, rows, n);
}

int ledger_decisions_before(const struct gov_ctx *g, long long before_id, long long limit,
			    struct ledger_decision **rows, size_t *n)
{
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	st = item_rows(g, "SELECT id, item_id, outcome, by_handle, by_id, rationale, tally, at"
		       " FROM decisions WHERE id < ?2 ORDER BY id DESC LIMIT ?1", limit);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 2, before_id);
	return read_decisions(st, rows, n);
}

int ledger_decisions_about(const struct gov_ctx *g, const char *handle, const char *grp,
			   long long limit, struct ledger_decision **rows, size_t *n)
{
	*rows = NULL;
	*n = 0;
	sqlite3_stmt *st = item_rows(g,
		"SELECT d.id, d.item_id, d.outcome, d.by_handle, d.by_id, d.rationale, d.tally, d.at"
		" FROM decisions d JOIN items i ON i.id = d.item_id"
		" WHERE (?2 IS NOT NULL AND (i.subject = ?2 COLLATE NOCASE"
		"  OR i.opened_by_handle = ?2 COLLATE NOCASE OR d.by_handle = ?2 COLLATE NOCASE))"
		" OR (?3 IS NOT NULL AND i.grp = ?3 COLLATE NOCASE)"
		" ORDER BY d.id DESC LIMIT ?1", limit);
	if (!st)
		return -1;
	if (handle)
		sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
	if (grp)
		sqlite3_bind_text(st, 3, grp, -1, SQLITE_STATIC);
	return read_decisions(st, rows, n);
}

static int read_decisions(sqlite3_stmt *st, struct ledger_decision **rows, size_t *n)
{
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ledger_decision *d = grow((void **)rows, n, sizeof(**rows));
		d->id = sqlite3_column_int64(st, 0);
		d->item_id = sqlite3_column_int64(st, 1);
		d->outcome = store_col_dup(st, 2);
		d->by_handle = store_col_dup(st, 3);
		d->by_id = store_col_dup(st, 4);
		d->rationale = store_col_dup(st, 5);
		d->tally = store_col_dup(st, 6);
		d->at = sqlite3_column_int64(st, 7);
	}
	sqlite3_reset(st);
	return 0;
}

void ledger_decisions_free(struct ledger_decision *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].outcome);
		free(rows[i].by_handle);
		free(rows[i].by_id);
		free(rows[i].rationale);
		free(rows[i].tally);
	}
	free(rows);
}

int ledger_history(const struct gov_ctx *g, long long id, struct ledger_event **rows, size_t *n)
{
	sqlite3_stmt *st = item_rows(g, "SELECT at, actor_handle, actor_id, platform,"
				     " action, detail FROM audit WHERE item_id = ?1 ORDER BY id", id);
	*rows = NULL;
	*n = 0;
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ledger_event *e = grow((void **)rows, n, sizeof(**rows));
		e->at = sqlite3_column_int64(st, 0);
		e->actor_handle = store_col_dup(st, 1);
		e->actor_id = store_col_dup(st, 2);
		e->platform = store_col_dup(st, 3);
		e->action = store_col_dup(st, 4);
		e->detail = store_col_dup(st, 5);
	}
	sqlite3_reset(st);
	return 0;
}

void ledger_history_free(struct ledger_event *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].actor_handle);
		free(rows[i].actor_id);
		free(rows[i].platform);
		free(rows[i].action);
		free(rows[i].detail);
	}
	free(rows);
}

void ledger_vote_counts(const struct gov_ctx *g, long long id, long long *voted,
			long long *electorate)
{
	*electorate = g->store ? store_count(g->store, "SELECT count(*) FROM electorate"
					     " WHERE item_id = ?1 AND handle NOT IN"
					     " (SELECT handle FROM recusals WHERE item_id = ?1)", id) : 0;
	*voted = g->store ? store_count(g->store, "SELECT (SELECT count(*) FROM votes WHERE item_id = ?1"
					" AND handle NOT IN (SELECT handle FROM recusals WHERE item_id = ?1))"
					" + (SELECT count(*) FROM ballots WHERE item_id = ?1 AND handle NOT IN"
					" (SELECT handle FROM recusals WHERE item_id = ?1))", id) : 0;
}
