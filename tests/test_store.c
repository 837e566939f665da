/* test_store.c - the SQLite store: open, WAL, migrations, transactions,
 * locking, audit, links, seen events, kv, claims. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/gov/store.h"
#include "tests/testutil.h"

static char dir[256];
static char path[300];

static void setup(void)
{
	tu_mkdtemp(dir, sizeof(dir), "store");
	snprintf(path, sizeof(path), "%s/gov.sqlite3", dir);
	setenv("GOVBOT_BUSY_MS", "200", 1);
}

static void teardown(void)
{
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static struct store *open_ok(void)
{
	struct store *s = NULL;
	char err[256] = "";
	int rc = store_open(path, &s, err, sizeof(err));
	ck_assert_msg(rc == STORE_OK, "store_open: %s", err);
	return s;
}

static long long count(struct store *s, const char *sql)
{
	return store_count(s, sql, 0);
}

static char *pragma_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	char *v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

START_TEST(test_open_wal_fk_version)
{
	struct store *s = open_ok();
	ck_assert_int_eq(store_version(s), STORE_SCHEMA_VERSION);
	char *mode = pragma_text(store_db(s), "PRAGMA journal_mode");
	ck_assert_str_eq(mode, "wal");
	free(mode);
	char *fk = pragma_text(store_db(s), "PRAGMA foreign_keys");
	ck_assert_str_eq(fk, "1");
	free(fk);
	char *uv = pragma_text(store_db(s), "PRAGMA user_version");
	ck_assert_int_eq(atoi(uv), STORE_SCHEMA_VERSION);
	free(uv);
	/* durability: governance commits are synced (FULL = 2), also after an
	 * event dedupe mark, which alone commits in the cheap mode */
	char *sync = pragma_text(store_db(s), "PRAGMA synchronous");
	ck_assert_str_eq(sync, "2");
	free(sync);
	ck_assert_int_eq(store_seen_mark(s, "slack", "Ev1", 5), 1);
	sync = pragma_text(store_db(s), "PRAGMA synchronous");
	ck_assert_str_eq(sync, "2");
	free(sync);
	/* every table of schema v1 is there */
	static const char *const tables[] = { "items", "fields", "letters", "recusals", "electorate",
		"candidates", "votes", "ballots", "decisions", "roster_events", "outbox",
		"outbox_delivery", "links", "audit", "seen_events", "kv" };
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
		sqlite3_bind_text(st, 1, tables[i], -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_msg(sqlite3_column_int(st, 0) == 1, "table %s missing", tables[i]);
		sqlite3_reset(st);
	}
	store_close(s);
	/* the WAL file exists next to the database while open */
	s = open_ok();
	ck_assert_int_eq(store_execf(s, "INSERT INTO kv(key, value) VALUES (?1, ?2)", 2, "a", "b"), STORE_OK);
	char wal[320];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert_int_eq(access(wal, F_OK), 0);
	store_close(s);
}
END_TEST

START_TEST(test_migrate_from_v0)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE meta(k TEXT, v TEXT);"
				      "INSERT INTO meta VALUES ('made-by', 'an older govbot');"
				      "PRAGMA user_version = 0;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct store *s = open_ok();
	ck_assert_int_eq(store_version(s), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM meta"), 1);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM items"), 0);
	store_close(s);
	/* a second open finds nothing to migrate and keeps the data */
	s = open_ok();
	ck_assert_int_eq(store_version(s), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM meta"), 1);
	store_close(s);
}
END_TEST

/* A version-1 database (before items.subject_name) with data in it is
 * brought to the current version, its rows kept. */
START_TEST(test_migrate_from_v1)
{
	struct store *s = open_ok();
	ck_assert_int_eq(store_execf(s, "INSERT INTO items(kind, state, subject, grp, opened_by, created_at)"
				     " VALUES ('nominate-core', 'open', 'alice', 'core', 'console:bob', 5)", 0), STORE_OK);
	store_close(s);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "ALTER TABLE items DROP COLUMN subject_name;"
				      "DROP TABLE link_requests; DROP INDEX links_handle;"
				      "ALTER TABLE outbox_delivery DROP COLUMN offered_at;"
				      "DROP INDEX outbox_notice_key; ALTER TABLE items DROP COLUMN ref;"
				      "ALTER TABLE outbox DROP COLUMN notice_key;"
				      "ALTER TABLE outbox DROP COLUMN mentions;"
				      "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = open_ok();
	ck_assert_int_eq(store_version(s), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM items WHERE subject = 'alice' AND subject_name IS NULL"), 1);
	ck_assert_int_eq(store_execf(s, "UPDATE items SET subject_name = 'Alice A', ref = 3", 0), STORE_OK);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM outbox WHERE notice_key IS NULL AND mentions IS NULL"), 0);
	store_close(s);
}
END_TEST

/* v2 -> v3 rebuilds items and roster_events (new kinds, states and event
 * ops) with rows that other tables point at: ids, children and AUTOINCREMENT
 * survive, the foreign keys still hold, and the new values are accepted. */
START_TEST(test_migrate_v2_rebuilds_items)
{
	struct store *s = open_ok();
	ck_assert_int_eq(store_execf(s, "INSERT INTO items(id, kind, state, subject, grp, opened_by, created_at,"
				     " subject_name) VALUES (5, 'nominate-module', 'accepted', 'alice', 'NN', 'console:bob',"
				     " 5, 'Alice A')", 0), STORE_OK);
	ck_assert_int_eq(store_execf(s, "INSERT INTO fields(item_id, name, text, by_id, at)"
				     " VALUES (5, 'support', 'yes', 'console:bob', 6)", 0), STORE_OK);
	ck_assert_int_eq(store_execf(s, "INSERT INTO decisions(id, item_id, outcome, at) VALUES (1, 5, 'accepted', 7)",
				     0), STORE_OK);
	ck_assert_int_eq(store_execf(s, "INSERT INTO roster_events(decision_id, op, grp, handle, at)"
				     " VALUES (1, 'add', 'NN', 'alice', 7)", 0), STORE_OK);
	store_close(s);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DROP INDEX outbox_notice_key; ALTER TABLE items DROP COLUMN ref;"
				      "ALTER TABLE outbox DROP COLUMN notice_key;"
				      "ALTER TABLE outbox DROP COLUMN mentions;"
				      "DROP TABLE link_requests; DROP INDEX links_handle;"
				      "ALTER TABLE outbox_delivery DROP COLUMN offered_at;"
				      "PRAGMA user_version = 2;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = open_ok();
	ck_assert_int_eq(store_version(s), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM items WHERE id = 5 AND subject_name = 'Alice A'"
			       " AND ref IS NULL"), 1);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM fields WHERE item_id = 5"), 1);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM roster_events WHERE decision_id = 1"), 1);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	/* the new kinds, states and ops; a new item continues the sequence */
	ck_assert_int_eq(store_execf(s, "INSERT INTO items(kind, state, opened_by, created_at, ref)"
				     " VALUES ('overrule', 'tied', 'console:c', 8, 5)", 0), STORE_OK);
	ck_assert_int_eq(count(s, "SELECT max(id) FROM items"), 6);
	ck_assert_int_eq(store_execf(s, "INSERT INTO roster_events(decision_id, op, grp, at)"
				     " VALUES (1, 'sunset-group', 'NN', 9)", 0), STORE_OK);
	ck_assert_int_eq(store_execf(s, "INSERT INTO items(kind, state, opened_by, created_at)"
				     " VALUES ('bogus', 'open', 'console:c', 8)", 0), STORE_ERR);
	/* foreign keys are still enforced on the rebuilt table */
	ck_assert_int_eq(store_execf(s, "INSERT INTO fields(item_id, name, text, by_id, at)"
				     " VALUES (42, 'support', 'x', 'console:a', 1)", 0), STORE_ERR);
	store_close(s);
}
END_TEST

START_TEST(test_newer_schema_refused)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct store *s = NULL;
	char err[256] = "";
	ck_assert_int_ne(store_open(path, &s, err, sizeof(err)), STORE_OK);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "a newer govbot wrote it") != NULL, "message: %s", err);
}
END_TEST

/* A negative or otherwise impossible user_version was an index into the
 * migration list (read past its end: UBSan, or random strings run as SQL).
 * Every version outside 0..STORE_SCHEMA_VERSION is refused with one
 * message, and the file is left as it was. */
static const int impossible_versions[] = { -1, -2147483647 - 1, STORE_SCHEMA_VERSION + 1, 2147483647 };

START_TEST(test_impossible_schema_refused)
{
	sqlite3 *db;
	char sql[64];
	int v = impossible_versions[_i];
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct store *s = NULL;
	char err[256] = "";
	ck_assert_int_eq(store_open(path, &s, err, sizeof(err)), STORE_ERR);
	ck_assert_ptr_null(s);
	char want[160];
	snprintf(want, sizeof(want), "schema version %d, which this govbot does not know (it knows 0 to %d)",
		 v, STORE_SCHEMA_VERSION);
	ck_assert_msg(strstr(err, want) != NULL, "message: %s", err);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_unopenable_path)
{
	struct store *s = NULL;
	char err[256] = "";
	char bad[320];
	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.sqlite3", dir);
	ck_assert_int_eq(store_open(bad, &s, err, sizeof(err)), STORE_BUSY);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "cannot open") != NULL, "message: %s", err);
}
END_TEST

START_TEST(test_transactions)
{
	struct store *s = open_ok();
	ck_assert_int_eq(store_begin(s), STORE_OK);
	ck_assert(store_in_tx(s));
	ck_assert_int_eq(store_begin(s), STORE_ERR);   /* not nested */
	ck_assert_int_eq(store_kv_set(s, "k", "rolled back"), STORE_OK);
	store_rollback(s);
	ck_assert(!store_in_tx(s));
	ck_assert_ptr_null(store_kv_get(s, "k"));

	ck_assert_int_eq(store_begin(s), STORE_OK);
	ck_assert_int_eq(store_kv_set(s, "k", "kept"), STORE_OK);
	ck_assert_int_eq(store_commit(s), STORE_OK);
	/* a second connection sees the commit */
	struct store *t = open_ok();
	char *v = store_kv_get(t, "k");
	ck_assert_str_eq(v, "kept");
	free(v);
	store_close(t);
	store_close(s);
}
END_TEST

START_TEST(test_locked_database)
{
	struct store *s = open_ok();
	struct store *other = open_ok();
	store_set_busy_ms(s, 100);
	ck_assert_int_eq(store_begin(other), STORE_OK);
	ck_assert_int_eq(store_kv_set(other, "holder", "other"), STORE_OK);
	/* the writer lock is taken: a clear busy failure, nothing changed */
	ck_assert_int_eq(store_begin(s), STORE_BUSY);
	ck_assert(!store_in_tx(s));
	ck_assert_ptr_nonnull(strstr(store_rc_text(STORE_BUSY), "nothing was changed"));
	ck_assert_int_eq(store_kv_set(s, "mine", "x"), STORE_BUSY);
	ck_assert_int_eq(store_commit(other), STORE_OK);
	/* the lock is gone: the same change now works, the other's is kept */
	ck_assert_int_eq(store_begin(s), STORE_OK);
	ck_assert_int_eq(store_kv_set(s, "mine", "x"), STORE_OK);
	ck_assert_int_eq(store_commit(s), STORE_OK);
	char *a = store_kv_get(s, "holder"), *b = store_kv_get(s, "mine");
	ck_assert_str_eq(a, "other");
	ck_assert_str_eq(b, "x");
	free(a);
	free(b);
	store_close(other);
	store_close(s);
}
END_TEST

START_TEST(test_foreign_keys_enforced)
{
	struct store *s = open_ok();
	int rc = store_execf(s, "INSERT INTO fields(item_id, name, text, by_id, at)"
			     " VALUES (42, 'support', 'x', 'console:a', 1)", 0);
	ck_assert_int_eq(rc, STORE_ERR);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM fields"), 0);
	store_close(s);
}
END_TEST

START_TEST(test_audit)
{
	struct store *s = open_ok();
	ck_assert_int_eq(store_audit(s, 1000, "slack:U0123", "alice", "nominate", 7, "for torch.nn"), STORE_OK);
	ck_assert_int_eq(store_audit(s, 1001, "console:bob", NULL, "link", 0, NULL), STORE_OK);
	sqlite3_stmt *st = store_stmt(s, "SELECT at, actor_id, actor_handle, platform, action, item_id, detail"
				      " FROM audit ORDER BY id");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int64(st, 0), 1000);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 1), "slack:U0123");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 2), "alice");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 3), "slack");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 4), "nominate");
	ck_assert_int_eq(sqlite3_column_int64(st, 5), 7);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 6), "for torch.nn");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 3), "console");
	ck_assert_int_eq(sqlite3_column_type(st, 5), SQLITE_NULL);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_reset(st);
	store_close(s);
}
END_TEST

START_TEST(test_links)
{
	struct store *s = open_ok();
	ck_assert_ptr_null(store_link_get(s, "slack:U1"));
	ck_assert_ptr_null(store_link_handle(s, "slack:U1"));
	ck_assert_int_eq(store_link_set(s, "slack:U1", "alice", "console:soumith", 5), STORE_OK);
	const char *h1 = store_link_handle(s, "slack:U1");
	ck_assert_str_eq(h1, "alice");
	ck_assert_ptr_eq(store_link_handle(s, "slack:U1"), h1);   /* interned */
	/* a linked identity is never re-pointed: the insert fails, the link stays */
	ck_assert_int_ne(store_link_set(s, "slack:U1", "bob", "console:soumith", 6), STORE_OK);
	char *h = store_link_get(s, "slack:U1");
	ck_assert_str_eq(h, "alice");
	free(h);
	ck_assert_str_eq(h1, "alice");   /* still valid */
	ck_assert_int_eq(count(s, "SELECT count(*) FROM links"), 1);
	store_close(s);
}
END_TEST

/* Another connection's commit (another process: `govbot ask link`) is seen
 * at the next store_refresh(); this connection's own writes at once; an
 * unchanged database keeps its generation (the caches stay). */
START_TEST(test_refresh_and_link_cache)
{
	struct store *s = open_ok();
	struct store *other = open_ok();
	long long g = store_refresh(s);
	ck_assert_int_eq(store_refresh(s), g);
	ck_assert_ptr_null(store_link_handle(s, "slack:U1"));
	ck_assert_int_eq(store_link_set(other, "slack:U1", "alice", "console:soumith", 5), STORE_OK);
	long long g2 = store_refresh(s);
	ck_assert_int_ne(g2, g);
	ck_assert_str_eq(store_link_handle(s, "slack:U1"), "alice");
	ck_assert_int_eq(store_refresh(s), g2);
	ck_assert_int_eq(store_execf(other, "UPDATE links SET handle = 'bob'", 0), STORE_OK);
	ck_assert_int_ne(store_refresh(s), g2);
	ck_assert_str_eq(store_link_handle(s, "slack:U1"), "bob");
	/* own write: no refresh needed */
	ck_assert_int_eq(store_execf(s, "UPDATE links SET handle = 'carol'", 0), STORE_OK);
	ck_assert_str_eq(store_link_handle(s, "slack:U1"), "carol");
	ck_assert_int_eq(store_execf(s, "DELETE FROM links", 0), STORE_OK);
	ck_assert_ptr_null(store_link_handle(s, "slack:U1"));
	store_close(other);
	store_close(s);
}
END_TEST

/* Links are held in memory whole, so an identity linked to nobody is
 * answered without a query; that "nobody" must never outlive the database:
 * a link made or removed here, or undone by a rollback, counts at once, one
 * made or removed by another connection at the next store_refresh(). */
START_TEST(test_link_negative_cache_never_stale)
{
	struct store *s = open_ok();
	struct store *other = open_ok();
	store_refresh(s);
	ck_assert_ptr_null(store_link_handle(s, "slack:U1"));
	ck_assert_ptr_null(store_link_handle(s, "slack:U2"));
	/* own insert: at once */
	ck_assert_int_eq(store_link_set(s, "slack:U1", "alice", "console:soumith", 5), STORE_OK);
	ck_assert_str_eq(store_link_handle(s, "slack:U1"), "alice");
	ck_assert_ptr_null(store_link_handle(s, "slack:U2"));
	/* another connection's insert: at the next refresh */
	ck_assert_int_eq(store_link_set(other, "slack:U2", "bob", "console:soumith", 6), STORE_OK);
	store_refresh(s);
	ck_assert_str_eq(store_link_handle(s, "slack:U2"), "bob");
	ck_assert_str_eq(store_link_handle(s, "slack:U1"), "alice");
	/* another connection's delete */
	ck_assert_int_eq(store_execf(other, "DELETE FROM links WHERE identity = ?1", 1, "slack:U2"),
			 STORE_OK);
	store_refresh(s);
	ck_assert_ptr_null(store_link_handle(s, "slack:U2"));
	/* own delete */
	ck_assert_int_eq(store_execf(s, "DELETE FROM links WHERE identity = ?1", 1, "slack:U1"),
			 STORE_OK);
	ck_assert_ptr_null(store_link_handle(s, "slack:U1"));
	/* a link seen inside a transaction that is rolled back is gone after */
	ck_assert_int_eq(store_begin(s), STORE_OK);
	ck_assert_int_eq(store_link_set(s, "slack:U3", "carol", "console:soumith", 7), STORE_OK);
	ck_assert_str_eq(store_link_handle(s, "slack:U3"), "carol");
	store_rollback(s);
	ck_assert_ptr_null(store_link_handle(s, "slack:U3"));
	ck_assert_int_eq(count(s, "SELECT count(*) FROM links"), 0);
	/* seen events change no link: the memory stays, and stays right */
	ck_assert_int_eq(store_seen_add(s, "slack", "Ev1", 8), 1);
	ck_assert_int_eq(store_seen_commit(s), STORE_OK);
	ck_assert_ptr_null(store_link_handle(s, "slack:U3"));
	ck_assert_int_eq(store_link_set(s, "slack:U3", "carol", "console:soumith", 9), STORE_OK);
	ck_assert_str_eq(store_link_handle(s, "slack:U3"), "carol");
	store_close(other);
	store_close(s);
}
END_TEST

/* A links table too big to hold whole (over 8192 rows) is answered an
 * identity at a time, as right. */
START_TEST(test_link_cache_big_table)
{
	struct store *s = open_ok();
	struct store *other = open_ok();
	char id[64], handle[64];
	ck_assert_int_eq(store_begin(other), STORE_OK);
	for (int i = 0; i < 8200; i++) {
		snprintf(id, sizeof(id), "slack:U%05d", i);
		snprintf(handle, sizeof(handle), "person%d", i % 50);
		ck_assert_int_eq(store_link_set(other, id, handle, "console:soumith", 1), STORE_OK);
	}
	ck_assert_int_eq(store_commit(other), STORE_OK);
	store_refresh(s);
	ck_assert_str_eq(store_link_handle(s, "slack:U00000"), "person0");
	ck_assert_str_eq(store_link_handle(s, "slack:U08199"), "person49");
	ck_assert_ptr_null(store_link_handle(s, "slack:U99999"));
	ck_assert_int_eq(store_link_set(other, "slack:U99999", "late", "console:soumith", 2), STORE_OK);
	store_refresh(s);
	ck_assert_str_eq(store_link_handle(s, "slack:U99999"), "late");
	/* back under the limit: whole again, and still right */
	ck_assert_int_eq(store_execf(other, "DELETE FROM links WHERE identity >= ?1", 1, "slack:U00100"),
			 STORE_OK);
	store_refresh(s);
	ck_assert_ptr_null(store_link_handle(s, "slack:U99999"));
	ck_assert_ptr_null(store_link_handle(s, "slack:U08199"));
	ck_assert_str_eq(store_link_handle(s, "slack:U00099"), "person49");
	store_close(other);
	store_close(s);
}
END_TEST

START_TEST(test_seen_events)
{
	struct store *s = open_ok();
	ck_assert_int_eq(store_seen_mark(s, "slack", "Ev1", 100), 1);
	ck_assert_int_eq(store_seen_mark(s, "slack", "Ev1", 101), 0);
	ck_assert_int_eq(store_seen_mark(s, "matrix", "Ev1", 102), 1);
	ck_assert_int_eq(store_seen_mark(s, "slack", "Ev2", 200), 1);
	ck_assert_int_eq(store_seen_prune(s, 150), 2);
	ck_assert_int_eq(store_seen_mark(s, "slack", "Ev1", 300), 1);
	ck_assert_int_eq(store_seen_mark(s, "slack", "Ev2", 300), 0);
	store_close(s);
}
END_TEST

/* A batch of seen events: one transaction, invisible to another connection
 * until it is committed (by store_seen_commit, by the next store_begin,
 * or by store_close); a repeat inside the batch is seen; recording an
 * event keeps the caches of governance state (the generation) as they are. */
START_TEST(test_seen_batch)
{
	struct store *s = open_ok();
	struct store *other = open_ok();
	long long g = store_refresh(s);

	ck_assert(!store_seen_pending(s));
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:1", 100), 1);
	ck_assert(store_seen_pending(s));
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:2", 100), 1);
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:1", 101), 0);
	ck_assert_int_eq(store_refresh(s), g);
	/* not committed yet: another connection sees none, and cannot write */
	ck_assert_int_eq(count(other, "SELECT count(*) FROM seen_events"), 0);
	ck_assert_int_eq(store_seen_mark(other, "discourse", "event:3", 100), STORE_BUSY);
	ck_assert_int_eq(store_seen_commit(s), STORE_OK);
	ck_assert(!store_seen_pending(s));
	ck_assert_int_eq(store_seen_commit(s), STORE_OK);
	ck_assert_int_eq(count(other, "SELECT count(*) FROM seen_events"), 2);
	ck_assert_int_eq(store_seen_mark(other, "discourse", "event:1", 102), 0);

	/* a change of governance state commits the batch before it begins */
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:4", 103), 1);
	ck_assert_int_eq(store_begin(s), STORE_OK);
	ck_assert(!store_seen_pending(s));
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:5", 103), 1);   /* joins the change */
	store_rollback(s);
	ck_assert_int_eq(count(other, "SELECT count(*) FROM seen_events WHERE event_id = 'event:4'"), 1);
	ck_assert_int_eq(count(other, "SELECT count(*) FROM seen_events WHERE event_id = 'event:5'"), 0);

	/* a rollback with no change open leaves the batch alone */
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:6", 104), 1);
	store_rollback(s);
	ck_assert(store_seen_pending(s));
	/* closing commits what is open */
	store_close(s);
	ck_assert_int_eq(count(other, "SELECT count(*) FROM seen_events WHERE event_id = 'event:6'"), 1);
	store_close(other);
}
END_TEST

/* ---- syncs counted: a VFS that is the default one with xSync counted ---- */

static sqlite3_vfs *real_vfs;
static sqlite3_vfs counting_vfs;
static const sqlite3_io_methods *real_methods[4];
static sqlite3_io_methods counted_methods[4];
static int nsyncs;

static int counted_sync(sqlite3_file *f, int flags)
{
	for (size_t i = 0; i < ARRAY_SIZE(real_methods); i++) {
		if (f->pMethods == &counted_methods[i]) {
			nsyncs++;
			return real_methods[i]->xSync(f, flags);
		}
	}
	return SQLITE_IOERR_FSYNC;
}

/* Opens with the real VFS, then gives the file a copy of its methods
 * whose xSync counts: the file object stays the real one. */
static int counting_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	int rc = real_vfs->xOpen(real_vfs, name, f, flags, out);

	if (rc != SQLITE_OK || !f->pMethods)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(real_methods); i++) {
		if (!real_methods[i]) {
			real_methods[i] = f->pMethods;
			counted_methods[i] = *f->pMethods;
			counted_methods[i].xSync = counted_sync;
		}
		if (real_methods[i] == f->pMethods) {
			f->pMethods = &counted_methods[i];
			break;
		}
	}
	return rc;
}

static void counting_vfs_install(void)
{
	if (!real_vfs) {
		real_vfs = sqlite3_vfs_find(NULL);
		counting_vfs = *real_vfs;
		counting_vfs.zName = "govbot-counting";
		counting_vfs.xOpen = counting_open;
	}
	sqlite3_vfs_register(&counting_vfs, 1);
}

static void counting_vfs_remove(void)
{
	sqlite3_vfs_unregister(&counting_vfs);
	sqlite3_vfs_register(real_vfs, 1);
}

static long long pragma_int(struct store *s, const char *sql)
{
	char *v = pragma_text(store_db(s), sql);
	long long n = strtoll(v, NULL, 10);
	free(v);
	return n;
}

/* A batch of seen events commits without a sync (a commit and an fsync per
 * loop pass cost more than the events' work: it survives a crash of the
 * process, as the header says; a power loss may forget it), while a change
 * of governance state is still synced, and so is a write that joined the
 * batch outside store_begin(); the connection is back to synchronous=FULL
 * after the batch. */
START_TEST(test_seen_batch_unsynced)
{
	counting_vfs_install();
	struct store *s = open_ok();
	struct store *other = open_ok();

	ck_assert_int_eq(pragma_int(s, "PRAGMA synchronous"), 2);
	nsyncs = 0;
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:1", 100), 1);
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:2", 100), 1);
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:1", 100), 0);
	ck_assert_int_eq(store_seen_commit(s), STORE_OK);
	ck_assert_msg(nsyncs == 0, "a batch of seen events was synced (%d syncs)", nsyncs);
	ck_assert_int_eq(count(other, "SELECT count(*) FROM seen_events"), 2);
	ck_assert_int_eq(pragma_int(s, "PRAGMA synchronous"), 2);

	/* governance changes are synced as before */
	nsyncs = 0;
	ck_assert_int_eq(store_begin(s), STORE_OK);
	ck_assert_int_eq(store_kv_set(s, "k", "in a change"), STORE_OK);
	ck_assert_int_eq(store_commit(s), STORE_OK);
	ck_assert_msg(nsyncs >= 1, "a change was not synced");

	/* a plain write that joined an open batch keeps its sync */
	ck_assert_int_eq(store_seen_add(s, "discourse", "event:3", 101), 1);
	ck_assert_int_eq(store_kv_set(s, "k", "joined the batch"), STORE_OK);
	nsyncs = 0;
	ck_assert_int_eq(store_seen_commit(s), STORE_OK);
	ck_assert_msg(nsyncs >= 1, "a write that joined a seen batch was not synced");
	char *v = store_kv_get(other, "k");
	ck_assert_str_eq(v, "joined the batch");
	free(v);

	/* a plain write after the batch is synced again (FULL) */
	nsyncs = 0;
	ck_assert_int_eq(store_kv_set(s, "k", "after"), STORE_OK);
	ck_assert_msg(nsyncs >= 1, "a write after a seen batch was not synced");
	store_close(other);
	store_close(s);
	counting_vfs_remove();
}
END_TEST

START_TEST(test_kv_and_claims)
{
	struct store *s = open_ok();
	ck_assert_ptr_null(store_kv_get(s, "matrix.since"));
	ck_assert_int_eq(store_kv_set(s, "matrix.since", "s1"), STORE_OK);
	ck_assert_int_eq(store_kv_set(s, "matrix.since", "s2"), STORE_OK);
	char *v = store_kv_get(s, "matrix.since");
	ck_assert_str_eq(v, "s2");
	free(v);
	ck_assert(store_claim(s, "a"));
	ck_assert(!store_claim(s, "a"));
	ck_assert(store_claimed(s, "a"));
	store_unclaim(s, "a");
	ck_assert(!store_claimed(s, "a"));
	ck_assert(store_claim(s, "a"));
	store_close(s);
}
END_TEST

START_TEST(test_memory_database)
{
	struct store *s = NULL;
	char err[128];
	ck_assert_int_eq(store_open(":memory:", &s, err, sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *su = suite_create("store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_open_wal_fk_version);
	tcase_add_test(tc, test_migrate_from_v0);
	tcase_add_test(tc, test_migrate_from_v1);
	tcase_add_test(tc, test_migrate_v2_rebuilds_items);
	tcase_add_test(tc, test_newer_schema_refused);
	tcase_add_loop_test(tc, test_impossible_schema_refused, 0, (int)ARRAY_SIZE(impossible_versions));
	tcase_add_test(tc, test_unopenable_path);
	tcase_add_test(tc, test_transactions);
	tcase_add_test(tc, test_locked_database);
	tcase_add_test(tc, test_foreign_keys_enforced);
	tcase_add_test(tc, test_audit);
	tcase_add_test(tc, test_links);
	tcase_add_test(tc, test_refresh_and_link_cache);
	tcase_add_test(tc, test_link_negative_cache_never_stale);
	tcase_add_test(tc, test_link_cache_big_table);
	tcase_add_test(tc, test_seen_events);
	tcase_add_test(tc, test_seen_batch);
	tcase_add_test(tc, test_seen_batch_unsynced);
	tcase_add_test(tc, test_kv_and_claims);
	tcase_add_test(tc, test_memory_database);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	return tu_run_suite(store_suite());
}
