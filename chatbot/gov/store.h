/*
 * store.h - govbot's SQLite database: the governance state, the audit log,
 * identity links, the announcement outbox and adapter bookkeeping.
 *
 * store_open() opens (creating when missing, mode 0600) a real file in WAL mode with
 * foreign keys on and a busy timeout (STORE_BUSY_MS, default 5 s), then
 * runs every forward migration the file lacks, in one transaction.  The
 * schema version is SQLite's `PRAGMA user_version`; the schema itself is
 * described in /work/notes/schema.md and in store.c (migrations[]).
 *
 * Transactions: every change of governance state is one
 *   store_begin(s) ... store_commit(s)   (store_rollback(s) on any failure)
 * store_begin() takes the write lock at once (BEGIN IMMEDIATE), so a busy
 * or unwritable database fails before anything is changed.  Results are
 * enum store_rc; STORE_BUSY covers "locked by another writer after the busy
 * timeout", "read-only", "disk full" and "cannot open": the caller tells
 * the user "the database is busy or unwritable; nothing was changed".
 *
 * Statements: store_stmt() returns a prepared statement cached per SQL
 * text (pass string literals); it is reset and its bindings cleared, so bind
 * from 1 and step.  Call sqlite3_reset() when you stop early.
 *
 * Durability: WAL with synchronous=FULL: every commit of governance state
 * is synced before it is acknowledged, so it survives a crash of the
 * process (SIGKILL) and a power loss.  Only bookkeeping commits with
 * synchronous=NORMAL (store_set_synced()): event dedupe (store_seen_mark)
 * and delivery marks (outbox_done); a power loss may forget the last of
 * them, and then a redelivered event is answered again or an announcement
 * posted again, as after a crash in the delivery window.  The WAL is
 * checkpointed every 16384 pages (64 MB) and trimmed to 16 MB afterwards.
 *
 * A database that cannot be written at open (a full disk, a read-only file
 * or folder) is opened read-only when its schema is current: reading
 * commands answer, every write fails with STORE_BUSY (store_readonly()).
 *
 * Ownership: store_open() returns a store freed by store_close().  Getters
 * returning char * return a malloc'd copy the caller frees.
 */
#ifndef GOVBOT_STORE_H
#define GOVBOT_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "chatbot/util/util.h"

/* The schema version this build writes and reads. */
#define STORE_SCHEMA_VERSION 5
/* Default busy timeout; GOVBOT_BUSY_MS in the environment overrides it. */
#define STORE_BUSY_MS 5000

enum store_rc {
	STORE_OK = 0,
	STORE_ERR = -1,   /* anything unexpected (logged with SQLite's message) */
	STORE_BUSY = -2,  /* locked, read-only, full or unopenable: nothing was changed */
};

struct store;

/* Opens path (":memory:" for a private in-memory database) and migrates it.
 * Returns STORE_OK and *out, or an error with a one-line message in err
 * (a schema version outside 0..STORE_SCHEMA_VERSION is refused). */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);
/* Reads the schema version of an existing database without changing it
 * (read-only; check-config).  STORE_OK and *version, or STORE_ERR with
 * why in err (unreadable, not a database, or a version this build does
 * not know). */
int store_peek_version(const char *path, int *version, char *err, size_t errlen);

/* synced false: the following commits skip their own sync (synchronous=
 * NORMAL: a power loss may drop them, a crash never); true (the default):
 * each commit is synced.  For bookkeeping that is cheap to lose only
 * (event dedupe, delivery marks). */
void store_set_synced(struct store *s, bool synced);
/* True when store_open() fell back to a read-only connection. */
bool store_readonly(const struct store *s);
/* The connection, borrowed (for statements the API below lacks). */
sqlite3 *store_db(struct store *s);
/* The schema version read at open (after migrations: STORE_SCHEMA_VERSION). */
int store_version(const struct store *s);
/* Changes the busy timeout (tests use short ones). */
void store_set_busy_ms(struct store *s, int ms);
/* The last SQLite error message, borrowed; "" when none. */
const char *store_errmsg(const struct store *s);
/* Maps an SQLite result code to enum store_rc, logging failures with what. */
int store_check(struct store *s, int sqlite_rc, const char *what);
/* The user-facing sentence for STORE_BUSY / STORE_ERR (static string). */
const char *store_rc_text(int rc);

/* Transactions (not nested). */
int store_begin(struct store *s);
int store_commit(struct store *s);      /* on failure it has rolled back */
void store_rollback(struct store *s);   /* harmless when no transaction is open */
bool store_in_tx(const struct store *s);

/* A cached prepared statement for sql (a literal), reset, bindings cleared.
 * Borrowed: never finalize it.  NULL on a broken statement (logged). */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);
/* Runs sql with optional text bindings ?1..?n (NULL binds NULL); STORE_OK or an error. */
int store_execf(struct store *s, const char *sql, int n, ...);
/* Single integer result of sql with ?1 bound to a (use for COUNT(*)); -1 on error. */
long long store_count(struct store *s, const char *sql, long long a);
/* sqlite3_column_text as a malloc'd copy, NULL for NULL; caller frees. */
char *store_col_dup(sqlite3_stmt *st, int col);

/* Audit log: append-only.  actor_id "slack:U0123" (platform taken from
 * its prefix); handle, detail may be NULL; item_id 0 means none. */
int store_audit(struct store *s, long long at, const char *actor_id, const char *actor_handle,
		const char *action, long long item_id, const char *detail);

/* Identity links (`link`, chatbot/gov/link.c): insert (an identity linked
 * already is never re-pointed: the insert fails), and the handle of an identity (caller
 * frees; NULL when none or on error). */
int store_link_set(struct store *s, const char *identity, const char *handle,
		   const char *by_id, long long at);
char *store_link_get(struct store *s, const char *identity);
/* The newest linked identity of handle on platform ("slack:U1"), or NULL;
 * the caller frees it. */
char *store_link_identity(struct store *s, const char *handle, const char *platform);
/* The same, borrowed: handles are interned in the store and live until
 * store_close().  For identity_handle(): the links table is held in memory
 * (read whole when it has at most 8192 rows, so an identity linked to
 * nobody costs no query; a bigger one an identity at a time), and read
 * again when this connection writes or rolls back or store_refresh() sees
 * another connection's commit (the dispatcher's gov_roster_sync()
 * refreshes once per command, before the caller is looked up). */
const char *store_link_handle(struct store *s, const char *identity);

/* Change detection for caches of stored state: returns a generation that
 * differs from the previous call's whenever the database may have changed
 * since (another connection, e.g. `govbot ask`, committed; or this
 * connection wrote).  Costs one light read transaction (PRAGMA
 * data_version), less than the reads it lets a cache skip. */
long long store_refresh(struct store *s);
/* For a server loop: a new pass begins.  From the first call on, only the
 * first store_refresh() of each pass reads data_version; later ones in the
 * same pass see this connection's own writes only (the commands of one
 * pass take other processes' commits as of its start).  Without it every
 * store_refresh() reads. */
void store_refresh_pass(struct store *s);
/* The generation bot->roster was last brought up to date at (gov.c). */
long long store_roster_gen(const struct store *s);
void store_set_roster_gen(struct store *s, long long gen);

/* Seen events, for adapters that must not process a platform's event twice
 * (redeliveries): returns 1 when (platform, event_id) is new and is now
 * recorded, 0 when it was seen before, or an enum store_rc error. */
int store_seen_mark(struct store *s, const char *platform, const char *event_id, long long at);
/* The same, batched: the first call opens a write transaction (BEGIN
 * IMMEDIATE) that the next ones join; store_seen_commit() ends it, and so
 * does store_begin() (the events are recorded before the change they
 * cause) and store_close().  Nothing that depends on the events may leave
 * the process before the batch is committed (the host holds the answers).
 * Inside a store_begin() transaction it is store_seen_mark().  The batch
 * is committed with synchronous=NORMAL (it survives a crash of the
 * process; no fsync on the loop); a plain write that joined it (one run
 * outside store_begin() while it was open) is synced after the commit. */
int store_seen_add(struct store *s, const char *platform, const char *event_id, long long at);
/* Commits the open batch; STORE_OK when none is open; an error when the
 * batch could not be recorded (it is gone). */
int store_seen_commit(struct store *s);
/* A batch is open. */
bool store_seen_pending(const struct store *s);
/* Forgets seen events older than before; returns how many or an error. */
int store_seen_prune(struct store *s, long long before);

/* Small key/value table for adapter state (sync tokens, cursors). */
int store_kv_set(struct store *s, const char *key, const char *value);
char *store_kv_get(struct store *s, const char *key);   /* caller frees; NULL when absent */

/* In-memory claims of this process (not stored): store_claim() returns true
 * and records key when it was not claimed yet; store_unclaim() drops it.
 * The outbox uses them for deliveries in flight. */
bool store_claim(struct store *s, const char *key);
void store_unclaim(struct store *s, const char *key);
bool store_claimed(const struct store *s, const char *key);

/* The last roster event this process applied to its roster (gov.c). */
long long store_roster_mark(const struct store *s);
void store_set_roster_mark(struct store *s, long long id);

#endif
