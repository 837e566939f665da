/* outbox.c - see outbox.h. */
#include "chatbot/gov/outbox.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/util/log.h"

/* Entries read per round of the pump. */
#define PUMP_BATCH 256

void outbox_claim_key(long long id, const char *target, char *out, size_t n)
{
	snprintf(out, n, "outbox:%lld:%s", id, target);
}

/* Inside a transaction: one pending delivery of outbox row oid per target,
 * due at now.  what names the step in a store error. */
static int add_deliveries(struct store *s, long long oid, const char *const *targets,
			  size_t ntargets, long long now, const char *what)
{
	for (size_t i = 0; i < ntargets; i++) {
		sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO outbox_delivery(outbox_id,"
					      " target, state, attempts, next_at)"
					      " VALUES (?1, ?2, 'pending', 0, ?3)");
		if (!st)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, oid);
		sqlite3_bind_text(st, 2, targets[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		int rc = store_check(s, sqlite3_step(st), what);
		sqlite3_reset(st);
		if (rc != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

int outbox_enqueue(struct store *s, long long decision_id, const char *title, const char *body,
		   const char *const *targets, size_t ntargets, long long now, long long *id)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO outbox(decision_id, title, body, created_at) VALUES (?1, ?2, ?3, ?4)");
	if (!st)
		return STORE_ERR;
	if (decision_id > 0)
		sqlite3_bind_int64(st, 1, decision_id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	int rc = store_check(s, sqlite3_step(st), "outbox");
	sqlite3_reset(st);
	if (rc != STORE_OK)
		return rc;
	long long oid = sqlite3_last_insert_rowid(store_db(s));
	rc = add_deliveries(s, oid, targets, ntargets, now, "outbox delivery");
	if (rc != STORE_OK)
		return rc;
	if (id)
		*id = oid;
	return STORE_OK;
}

int outbox_notice(struct store *s, const char *key, const char *title, const char *body,
		  const char *mentions, const char *const *targets, size_t ntargets, long long now,
		  long long *id)
{
	sqlite3_stmt *st = store_stmt(s, "INSERT OR IGNORE INTO outbox(title, body, created_at,"
				      " notice_key, mentions) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	if (mentions && *mentions)
		sqlite3_bind_text(st, 5, mentions, -1, SQLITE_STATIC);
	int rc = store_check(s, sqlite3_step(st), "notice");
	sqlite3_reset(st);
	if (rc != STORE_OK)
		return rc;
	if (sqlite3_changes(store_db(s)) == 0)
		return 0;   /* this notice went out before */
	long long oid = sqlite3_last_insert_rowid(store_db(s));
	rc = add_deliveries(s, oid, targets, ntargets, now, "notice delivery");
	if (rc != STORE_OK)
		return rc;
	if (id)
		*id = oid;
	return 1;
}

long long outbox_backoff(long long id, int attempts)
{
	long long d = OUTBOX_BACKOFF_FIRST_S;
	for (int i = 1; i < attempts && d < OUTBOX_BACKOFF_MAX_S; i++)
		d *= 2;
	if (d > OUTBOX_BACKOFF_MAX_S)
		d = OUTBOX_BACKOFF_MAX_S;
	/* deterministic jitter up to 20%, so targets that failed together
	 * do not retry in lockstep */
	unsigned long long h = (unsigned long long)id * 2654435761ull + (unsigned)attempts * 40503u;
	return d + (long long)(h % (unsigned long long)(d / 5 + 1));
}

int outbox_done(struct store *s, long long id, const char *target, bool ok,
		const char *error, long long now)
{
	const char *f = ok ? test_hook("GOVBOT_FAULT") : NULL;
	if (f && strcmp(f, "crash-before-done") == 0) {
		log_warn("outbox", "GOVBOT_FAULT=crash-before-done: killing myself before marking "
			 "delivery %lld to %s done", id, target);
		raise(SIGKILL);
		_exit(137);
	}
	char key[128];
	outbox_claim_key(id, target, key, sizeof(key));
	store_unclaim(s, key);
	sqlite3_stmt *st;
	if (ok) {
		st = store_stmt(s, "UPDATE outbox_delivery SET state = 'done', delivered_at = ?3,"
				" last_error = NULL WHERE outbox_id = ?1 AND target = ?2 AND state = 'pending'");
		if (!st)
			return STORE_ERR;
		sqlite3_bind_int64(st, 3, now);
	} else {
		int attempts = 0;
		st = store_stmt(s, "SELECT attempts FROM outbox_delivery WHERE outbox_id = ?1 AND target = ?2");
		if (!st)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			attempts = sqlite3_column_int(st, 0);
		sqlite3_reset(st);
		st = store_stmt(s, "UPDATE outbox_delivery SET attempts = attempts + 1, next_at = ?3,"
				" last_error = ?4 WHERE outbox_id = ?1 AND target = ?2 AND state = 'pending'");
		if (!st)
			return STORE_ERR;
		sqlite3_bind_int64(st, 3, now + outbox_backoff(id, attempts + 1));
		sqlite3_bind_text(st, 4, error && *error ? error : "failed", -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	/* a delivery mark lost to a power loss means one post again: the
	 * same window as a crash between the post and this mark */
	bool cheap = !store_in_tx(s);
	if (cheap)
		store_set_synced(s, false);
	int rc = store_check(s, sqlite3_step(st), "outbox done");
	sqlite3_reset(st);
	if (cheap)
		store_set_synced(s, true);
	return rc;
}

long long outbox_next_due(struct store *s, const char *target)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT min(next_at) FROM outbox_delivery"
				      " WHERE target = ?1 AND state = 'pending'");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	long long v = -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

struct due {
	long long id, decision_id;
	int attempts;
	bool offered;
	char *title, *body, *mentions;
};

static void crash_if_asked(void)
{
	const char *f = test_hook("GOVBOT_FAULT");
	if (f && strcmp(f, "crash-before-delivery") == 0) {
		log_warn("outbox", "GOVBOT_FAULT=crash-before-delivery: killing myself before posting");
		raise(SIGKILL);
		_exit(137);
	}
}

/* Reads up to PUMP_BATCH due rows after cursor into out; returns the count or an error. */
static int read_due(struct store *s, long long now, const char *target, long long cursor,
		    struct due *out)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT o.id, o.decision_id, d.attempts, o.title, o.body, o.mentions,"
		" d.offered_at IS NOT NULL"
		" FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id"
		" WHERE d.target = ?1 AND d.state = 'pending' AND d.next_at <= ?2 AND o.id > ?3"
		" ORDER BY o.id LIMIT 256");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, cursor);
	int n = 0, rc;
	while (n < PUMP_BATCH && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out[n].id = sqlite3_column_int64(st, 0);
		out[n].decision_id = sqlite3_column_int64(st, 1);
		out[n].attempts = sqlite3_column_int(st, 2);
		out[n].title = store_col_dup(st, 3);
		out[n].body = store_col_dup(st, 4);
		out[n].mentions = store_col_dup(st, 5);
		out[n].offered = sqlite3_column_int(st, 6) != 0;
		n++;
	}
	if (n < PUMP_BATCH && rc != SQLITE_DONE) {
		int err = store_check(s, rc, "outbox due");
		sqlite3_reset(st);
		for (int i = 0; i < n; i++) {
			free(out[i].title);
			free(out[i].body);
			free(out[i].mentions);
		}
		return err;
	}
	sqlite3_reset(st);
	return n;
}

/* Stamps a delivery as offered (unsynced, like every delivery mark: a
 * crash keeps it, and only a crash can leave a post unmarked). */
static int mark_offered(struct store *s, long long id, const char *target, long long now)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE outbox_delivery SET offered_at = ?3"
				      " WHERE outbox_id = ?1 AND target = ?2 AND offered_at IS NULL");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	bool cheap = !store_in_tx(s);
	if (cheap)
		store_set_synced(s, false);
	int rc = store_check(s, sqlite3_step(st), "outbox offered");
	sqlite3_reset(st);
	if (cheap)
		store_set_synced(s, true);
	return rc;
}

int outbox_pump(struct store *s, long long now, const char *target,
		outbox_deliver_fn *fn, void *arg)
{
	struct due *batch = xcalloc(PUMP_BATCH, sizeof(*batch));
	struct buf err = BUF_INIT;
	long long cursor = 0;
	int offered = 0, n, rc = STORE_OK;
	do {
		n = read_due(s, now, target, cursor, batch);
		if (n < 0) {
			rc = n;
			break;
		}
		for (int i = 0; i < n; i++) {
			struct due *d = &batch[i];
			char key[128];
			cursor = d->id;
			outbox_claim_key(d->id, target, key, sizeof(key));
			if (!store_claim(s, key))
				continue;   /* in flight: its adapter reports back */
			crash_if_asked();
			if (!d->offered && mark_offered(s, d->id, target, now) != STORE_OK) {
				store_unclaim(s, key);   /* unstamped: not offered; next pump */
				continue;
			}
			struct outbox_entry e = { d->id, d->decision_id, target,
						  d->title ? d->title : "", d->body ? d->body : "",
						  d->attempts, d->offered || d->attempts > 0,
						  d->mentions };
			buf_reset(&err);
			int res = fn(arg, &e, &err);
			offered++;
			if (res == OUTBOX_SENT || res == OUTBOX_FAILED) {
				int r = outbox_done(s, d->id, target, res == OUTBOX_SENT,
						    buf_str(&err), now);
				if (res == OUTBOX_FAILED)
					log_warn("outbox", "delivery %lld to %s failed: %s", d->id,
						 target, buf_str(&err));
				if (r != STORE_OK && rc == STORE_OK)
					rc = r;
			}
		}
		for (int i = 0; i < n; i++) {
			free(batch[i].title);
			free(batch[i].body);
			free(batch[i].mentions);
		}
	} while (n == PUMP_BATCH);
	free(batch);
	buf_release(&err);
	return rc == STORE_OK ? offered : rc;
}
