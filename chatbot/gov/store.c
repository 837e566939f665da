/* store.c - see store.h.  The schema lives in migrations[] below. */
#include "chatbot/gov/store.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/util/log.h"

/* Migration N (1-based) brings a database from version N-1 to N.  Never edit
 * a published migration: append a new one and bump STORE_SCHEMA_VERSION. */
static const char *const migrations[] = {
	/* v1: the whole governance schema (see /work/notes/schema.md) */
	"CREATE TABLE items ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" kind TEXT NOT NULL CHECK (kind IN ('nominate-module','nominate-core','remove-module',"
	"  'remove-core','motion-group','motion-core','remove-lead','elect-lead')),"
	" state TEXT NOT NULL CHECK (state IN ('open','accepted','rejected','passed','failed',"
	"  'elected','expired')),"
	" subject TEXT, grp TEXT, text TEXT,"
	" self INTEGER NOT NULL DEFAULT 0,"
	" opened_by TEXT NOT NULL, opened_by_handle TEXT,"
	" created_at INTEGER NOT NULL, deadline INTEGER, closed_at INTEGER, result TEXT);"
	"CREATE INDEX items_state ON items(state, deadline);"
	"CREATE TABLE fields ("
	" item_id INTEGER NOT NULL REFERENCES items(id),"
	" name TEXT NOT NULL CHECK (name IN ('contributions','interactions','support')),"
	" text TEXT NOT NULL, by_id TEXT NOT NULL, at INTEGER NOT NULL,"
	" PRIMARY KEY (item_id, name)) WITHOUT ROWID;"
	"CREATE TABLE letters ("
	" id INTEGER PRIMARY KEY,"
	" item_id INTEGER NOT NULL REFERENCES items(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('support','object')),"
	" by_id TEXT NOT NULL, by_handle TEXT, text TEXT NOT NULL, at INTEGER NOT NULL);"
	"CREATE INDEX letters_item ON letters(item_id);"
	"CREATE TABLE recusals ("
	" item_id INTEGER NOT NULL REFERENCES items(id),"
	" handle TEXT NOT NULL COLLATE NOCASE, reason TEXT, at INTEGER NOT NULL,"
	" PRIMARY KEY (item_id, handle));"
	"CREATE TABLE electorate ("
	" item_id INTEGER NOT NULL REFERENCES items(id),"
	" handle TEXT NOT NULL COLLATE NOCASE,"
	" PRIMARY KEY (item_id, handle));"
	"CREATE TABLE candidates ("
	" item_id INTEGER NOT NULL REFERENCES items(id),"
	" handle TEXT NOT NULL COLLATE NOCASE, pos INTEGER NOT NULL,"
	" PRIMARY KEY (item_id, handle));"
	"CREATE TABLE votes ("
	" item_id INTEGER NOT NULL REFERENCES items(id),"
	" handle TEXT NOT NULL COLLATE NOCASE,"
	" vote TEXT NOT NULL CHECK (vote IN ('yes','no','abstain')), at INTEGER NOT NULL,"
	" PRIMARY KEY (item_id, handle));"
	"CREATE TABLE ballots ("
	" item_id INTEGER NOT NULL REFERENCES items(id),"
	" handle TEXT NOT NULL COLLATE NOCASE, ranking TEXT NOT NULL, at INTEGER NOT NULL,"
	" PRIMARY KEY (item_id, handle));"
	"CREATE TABLE decisions ("
	" id INTEGER PRIMARY KEY,"
	" item_id INTEGER NOT NULL REFERENCES items(id),"
	" outcome TEXT NOT NULL, by_id TEXT, by_handle TEXT, rationale TEXT, tally TEXT,"
	" at INTEGER NOT NULL);"
	"CREATE INDEX decisions_item ON decisions(item_id);"
	"CREATE TABLE roster_events ("
	" id INTEGER PRIMARY KEY,"
	" decision_id INTEGER REFERENCES decisions(id),"
	" op TEXT NOT NULL CHECK (op IN ('add','emeritus','remove','set-lead','add-core','remove-core')),"
	" grp TEXT, name TEXT, handle TEXT, at INTEGER NOT NULL);"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" decision_id INTEGER REFERENCES decisions(id),"
	" title TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE TABLE outbox_delivery ("
	" outbox_id INTEGER NOT NULL REFERENCES outbox(id),"
	" target TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending','done')),"
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT, delivered_at INTEGER,"
	" PRIMARY KEY (outbox_id, target)) WITHOUT ROWID;"
	"CREATE INDEX outbox_due ON outbox_delivery(target, state, next_at);"
	"CREATE TABLE links ("
	" identity TEXT PRIMARY KEY, handle TEXT NOT NULL, by_id TEXT, at INTEGER NOT NULL);"
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL, actor_id TEXT, actor_handle TEXT, platform TEXT,"
	" action TEXT NOT NULL, item_id INTEGER, detail TEXT);"
	"CREATE INDEX audit_item ON audit(item_id);"
	"CREATE TABLE seen_events ("
	" platform TEXT NOT NULL, event_id TEXT NOT NULL, at INTEGER NOT NULL,"
	" PRIMARY KEY (platform, event_id));"
	"CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT);",
	/* v2: the full name a nomination gives for a newcomer, for the roster entry */
	"ALTER TABLE items ADD COLUMN subject_name TEXT;",
	/* v3: new kinds (overrule, the lead's step-down) and states (tied,
	 * withdrawn, no-winner) of items, whose CHECKs SQLite cannot alter: the
	 * table is copied aside, dropped and made again, ids kept (the foreign
	 * keys of its children are deferred to the commit, and the rows coming
	 * back into `items` satisfy them again);
	 * the item an escalation or an overrule is about; notices (openings,
	 * reminders, digests) keyed once each, and the handles they mention */
	"PRAGMA defer_foreign_keys = ON;"
	"CREATE TABLE items_v2 AS SELECT * FROM items;"
	"DROP TABLE items;"
	"CREATE TABLE items ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" kind TEXT NOT NULL CHECK (kind IN ('nominate-module','nominate-core','remove-module',"
	"  'remove-core','motion-group','motion-core','remove-lead','elect-lead','overrule',"
	"  'step-down-lead','module-add','module-remove','module-rename')),"
	" state TEXT NOT NULL CHECK (state IN ('open','accepted','rejected','passed','failed',"
	"  'elected','expired','tied','withdrawn','no-winner')),"
	" subject TEXT, grp TEXT, text TEXT,"
	" self INTEGER NOT NULL DEFAULT 0,"
	" opened_by TEXT NOT NULL, opened_by_handle TEXT,"
	" created_at INTEGER NOT NULL, deadline INTEGER, closed_at INTEGER, result TEXT,"
	" subject_name TEXT, ref INTEGER);"
	"INSERT INTO items(id, kind, state, subject, grp, text, self, opened_by, opened_by_handle,"
	" created_at, deadline, closed_at, result, subject_name)"
	" SELECT id, kind, state, subject, grp, text, self, opened_by, opened_by_handle,"
	" created_at, deadline, closed_at, result, subject_name FROM items_v2;"
	"DROP TABLE items_v2;"
	"CREATE INDEX items_state ON items(state, deadline);"
	"CREATE TABLE roster_events_v2 AS SELECT * FROM roster_events;"
	"DROP TABLE roster_events;"
	"CREATE TABLE roster_events ("
	" id INTEGER PRIMARY KEY,"
	" decision_id INTEGER REFERENCES decisions(id),"
	" op TEXT NOT NULL CHECK (op IN ('add','emeritus','remove','set-lead','add-core','remove-core',"
	"  'add-group','sunset-group','rename-group')),"
	" grp TEXT, name TEXT, handle TEXT, at INTEGER NOT NULL);"
	"INSERT INTO roster_events SELECT id, decision_id, op, grp, name, handle, at FROM roster_events_v2;"
	"DROP TABLE roster_events_v2;"
	"ALTER TABLE outbox ADD COLUMN notice_key TEXT;"
	"ALTER TABLE outbox ADD COLUMN mentions TEXT;"
	"CREATE UNIQUE INDEX outbox_notice_key ON outbox(notice_key);",
	/* v4: links wait for consent: a pending request with a one-time code */
	"CREATE TABLE link_requests ("
	" code TEXT PRIMARY KEY, identity TEXT NOT NULL UNIQUE,"
	" handle TEXT NOT NULL COLLATE NOCASE,"
	" kind TEXT NOT NULL CHECK (kind IN ('self','core')),"
	" by_id TEXT NOT NULL, by_handle TEXT,"
	" created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
	"CREATE INDEX links_handle ON links(handle COLLATE NOCASE);",
	/* v5: when a delivery was first handed to its adapter: after that, a
	 * crash may have left it posted but not marked done */
	"ALTER TABLE outbox_delivery ADD COLUMN offered_at INTEGER;",
};

/* The links table is read whole into memory (when it has at most
 * LINK_MEMO_MAX rows): then an identity not in memory is linked to nobody,
 * known without a query; a bigger table is remembered an identity at a
 * time, as asked. */
#define LINK_MEMO_MAX 8192

struct link_memo {
	struct link_memo *next;
	unsigned hash;
	const char *handle;           /* interned; NULL: not linked */
	char identity[];
};

struct cached_stmt {
	const char *sql;
	sqlite3_stmt *st;
};

struct store {
	sqlite3 *db;
	int version;
	bool in_tx;
	bool seen_tx;                 /* a batch of seen events is open (store_seen_add) */
	int seen_base;                /* total changes when the batch began */
	int seen_rows;                /* seen events the batch inserted */
	struct cached_stmt *stmts;
	size_t nstmts, capstmts;
	char **claims;
	size_t nclaims, capclaims;
	char **interned;
	size_t ninterned, capinterned;
	long long roster_mark;
	long long roster_gen;         /* gen when bot->roster was last brought up to date */
	/* change detection (store_refresh) */
	long long gen;
	long long data_version;
	int total_changes;
	bool pass_batched;            /* store_refresh_pass() in use */
	bool pass_read;               /* data_version read in this pass */
	/* identity -> handle (or none) as stored in links, valid for links_gen */
	struct link_memo **memo;
	size_t nmemo, nbuckets;       /* nbuckets: a power of two, or 0 */
	bool links_all;               /* memo holds the whole links table */
	long long links_gen;
	int last_rc;                  /* the SQLite code of the last failure */
	bool readonly;                /* opened read-only (full disk, read-only file or folder) */
	char err[256];
};

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

int store_version(const struct store *s)
{
	return s->version;
}

void store_set_busy_ms(struct store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms);
}

const char *store_errmsg(const struct store *s)
{
	return s->err;
}

const char *store_rc_text(int rc)
{
	if (rc == STORE_BUSY)
		return "the database is busy or unwritable; nothing was changed, try again in a moment";
	if (rc == STORE_ERR)
		return "the database failed; nothing was changed";
	return "";
}

int store_check(struct store *s, int rc, const char *what)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return STORE_OK;
	snprintf(s->err, sizeof(s->err), "%s: %s", what ? what : "sqlite", sqlite3_errmsg(s->db));
	s->last_rc = rc;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_PERM:
		log_warn("store", "%s", s->err);
		return STORE_BUSY;
	default:
		log_error("store", "%s", s->err);
		return STORE_ERR;
	}
}

static int exec_plain(struct store *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	sqlite3_free(msg);
	return store_check(s, rc, sql);
}

int store_begin(struct store *s)
{
	if (s->in_tx) {
		log_error("store", "store_begin inside a transaction");
		return STORE_ERR;
	}
	/* the events that led here are recorded before what they change */
	if (s->seen_tx && store_seen_commit(s) != STORE_OK)
		log_warn("store", "seen events could not be recorded before a change");
	int rc = exec_plain(s, "BEGIN IMMEDIATE");
	if (rc == STORE_OK)
		s->in_tx = true;
	return rc;
}

int store_commit(struct store *s)
{
	if (!s->in_tx)
		return STORE_ERR;
	int rc = exec_plain(s, "COMMIT");
	if (rc != STORE_OK) {
		/* a failed COMMIT may leave the transaction open: roll it back so
		 * the caller's "nothing was changed" is true */
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->gen++;   /* as store_rollback() */
	}
	s->in_tx = false;
	return rc;
}

void store_rollback(struct store *s)
{
	/* a batch of seen events is not the caller's to roll back */
	if (!s->in_tx && s->seen_tx)
		return;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = false;
	/* the writes undone counted as changes: what was read since is stale */
	s->gen++;
}

bool store_in_tx(const struct store *s)
{
	return s->in_tx;
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
	size_t hit = s->nstmts;
	for (size_t i = 0; i < s->nstmts && hit == s->nstmts; i++)
		if (s->stmts[i].sql == sql)
			hit = i;
	for (size_t i = 0; i < s->nstmts && hit == s->nstmts; i++)
		if (strcmp(s->stmts[i].sql, sql) == 0)
			hit = i;
	if (hit < s->nstmts) {
		sqlite3_reset(s->stmts[hit].st);
		sqlite3_clear_bindings(s->stmts[hit].st);
		return s->stmts[hit].st;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		store_check(s, rc, "prepare");
		sqlite3_finalize(st);
		return NULL;
	}
	if (s->nstmts == s->capstmts) {
		s->capstmts = s->capstmts ? s->capstmts * 2 : 32;
		s->stmts = xrealloc(s->stmts, s->capstmts * sizeof(*s->stmts));
	}
	s->stmts[s->nstmts].sql = sql;
	s->stmts[s->nstmts].st = st;
	s->nstmts++;
	return st;
}

int store_execf(struct store *s, const char *sql, int n, ...)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	va_list ap;
	va_start(ap, n);
	for (int i = 1; i <= n; i++) {
		const char *v = va_arg(ap, const char *);
		if (v)
			sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	int rc = sqlite3_step(st);
	int out = store_check(s, rc, "exec");
	sqlite3_reset(st);
	return out;
}

long long store_count(struct store *s, const char *sql, long long a)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	long long v = -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		store_check(s, rc, "count");
	sqlite3_reset(st);
	return v;
}

char *store_col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t)
		return NULL;
	return xstrndup((const char *)t, (size_t)sqlite3_column_bytes(st, col));
}

static int read_version(struct store *s, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return store_check(s, rc, "read schema version");
}

/* STORE_OK when s->version is one this build can migrate from (0 up to
 * STORE_SCHEMA_VERSION); else STORE_ERR with the one message for it. */
static int version_known(struct store *s)
{
	if (s->version >= 0 && s->version <= STORE_SCHEMA_VERSION)
		return STORE_OK;
	snprintf(s->err, sizeof(s->err),
		 "the database has schema version %d, which this govbot does not know (it knows 0 "
		 "to %d): a newer govbot wrote it, or it is not a govbot database; nothing was changed",
		 s->version, STORE_SCHEMA_VERSION);
	return STORE_ERR;
}

/* Runs the missing migrations in one transaction; re-reads the version
 * under the write lock so two processes starting at once migrate once. */
static int migrate(struct store *s)
{
	int rc = read_version(s, &s->version);
	if (rc != STORE_OK)
		return rc;
	if (s->version == STORE_SCHEMA_VERSION)
		return STORE_OK;
	if ((rc = version_known(s)) != STORE_OK)
		return rc;
	if ((rc = store_begin(s)) != STORE_OK)
		return rc;
	if ((rc = read_version(s, &s->version)) != STORE_OK)
		goto fail;
	/* the version indexes migrations[]: anything outside it is refused */
	if ((rc = version_known(s)) != STORE_OK)
		goto fail;
	for (int v = s->version; v < STORE_SCHEMA_VERSION; v++) {
		if ((rc = exec_plain(s, migrations[v])) != STORE_OK)
			goto fail;
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if ((rc = exec_plain(s, pragma)) != STORE_OK)
			goto fail;
		log_info("store", "migrated the database to schema version %d", v + 1);
	}
	if ((rc = store_commit(s)) != STORE_OK)
		return rc;
	s->version = STORE_SCHEMA_VERSION;
	return STORE_OK;
fail:
	store_rollback(s);
	return rc;
}

static void set_busy(struct store *s)
{
	int busy = STORE_BUSY_MS;
	const char *env = getenv("GOVBOT_BUSY_MS");
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (*end == '\0' && v >= 0 && v <= 600000)
			busy = (int)v;
	}
	sqlite3_busy_timeout(s->db, busy);
	sqlite3_extended_result_codes(s->db, 1);
}

/* True for the failures a read-only connection can live with: a full disk,
 * a read-only file or folder (the -wal and -shm files cannot be made). */
static bool cannot_write(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return true;
	default:
		return false;
	}
}

/* Reopens s read-only, so that reading commands still answer (every write
 * then fails with "nothing was changed").  Needs a schema that is current. */
static int open_readonly(struct store *s, const char *path)
{
	char why[sizeof(s->err)];
	snprintf(why, sizeof(why), "%s", s->err);
	sqlite3_close(s->db);
	s->db = NULL;
	s->in_tx = false;
	/* readonly_shm: the -shm file is only read, and when it cannot be made
	 * SQLite reads the WAL without it (in private memory) */
	struct buf uri = BUF_INIT;
	buf_adds(&uri, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			buf_addf(&uri, "%%%02X", (unsigned char)*p);
		else
			buf_addc(&uri, *p);
	}
	buf_adds(&uri, "?mode=ro&readonly_shm=1");
	int rc = sqlite3_open_v2(buf_str(&uri), &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
				 SQLITE_OPEN_NOMUTEX, NULL);
	buf_release(&uri);
	if (rc != SQLITE_OK)
		return STORE_BUSY;
	set_busy(s);
	if (exec_plain(s, "PRAGMA foreign_keys=ON") != STORE_OK ||
	    read_version(s, &s->version) != STORE_OK || s->version != STORE_SCHEMA_VERSION) {
		snprintf(s->err, sizeof(s->err), "%s", why);
		return STORE_BUSY;
	}
	s->readonly = true;
	log_warn("store", "%s: opened read-only (%s): commands that change something fail until it "
		 "can be written again", path, why);
	return STORE_OK;
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	_Static_assert(ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION, "one migration per version");
	struct store *s = xcalloc(1, sizeof(*s));
	s->gen = 1;   /* roster_gen and links_gen (0) start stale */
	/* a new database is private to its owner (SQLite gives its -wal and
	 * -shm files the same mode); an existing one keeps its mode */
	if (*path && strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open the database: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		rc = STORE_BUSY;
		goto fail;
	}
	set_busy(s);
	/* WAL may fail on a read-only file; the migration's write then says so */
	if ((rc = exec_plain(s, "PRAGMA journal_mode=WAL")) != STORE_OK ||
	    (rc = exec_plain(s, "PRAGMA foreign_keys=ON")) != STORE_OK ||
	    /* governance changes are acknowledged to people: each commit is
	     * synced (survives a power loss); store_seen_mark() alone uses
	     * the cheap mode */
	    (rc = exec_plain(s, "PRAGMA synchronous=FULL")) != STORE_OK ||
	    /* checkpoint (two fsyncs) every 64 MB of WAL, not every 4 MB: bursts
	     * of decisions stay fast; the file is trimmed back to 16 MB after */
	    (rc = exec_plain(s, "PRAGMA wal_autocheckpoint=16384")) != STORE_OK ||
	    (rc = exec_plain(s, "PRAGMA journal_size_limit=16777216")) != STORE_OK ||
	    (rc = migrate(s)) != STORE_OK) {
		if (cannot_write(s->last_rc) && open_readonly(s, path) == STORE_OK) {
			*out = s;
			return STORE_OK;
		}
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto fail;
	}
	*out = s;
	return STORE_OK;
fail:
	store_close(s);
	return rc;
}

void store_set_synced(struct store *s, bool synced)
{
	sqlite3_exec(s->db, synced ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
		     NULL, NULL, NULL);
}

bool store_readonly(const struct store *s)
{
	return s->readonly;
}

static void link_memo_clear(struct store *s)
{
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct link_memo *m = s->memo[i];
		while (m) {
			struct link_memo *next = m->next;
			free(m);
			m = next;
		}
		s->memo[i] = NULL;
	}
	s->nmemo = 0;
	s->links_all = false;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->seen_tx && store_seen_commit(s) != STORE_OK)
		log_warn("store", "the last seen events could not be recorded");
	link_memo_clear(s);
	free(s->memo);
	for (size_t i = 0; i < s->nstmts; i++)
		sqlite3_finalize(s->stmts[i].st);
	free(s->stmts);
	for (size_t i = 0; i < s->nclaims; i++)
		free(s->claims[i]);
	free(s->claims);
	for (size_t i = 0; i < s->ninterned; i++)
		free(s->interned[i]);
	free(s->interned);
	if (s->db)
		sqlite3_close(s->db);
	free(s);
}

int store_audit(struct store *s, long long at, const char *actor_id, const char *actor_handle,
		const char *action, long long item_id, const char *detail)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO audit(at, actor_id, actor_handle, platform, action, item_id, detail)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, at);
	if (actor_id) {
		sqlite3_bind_text(st, 2, actor_id, -1, SQLITE_STATIC);
		const char *colon = strchr(actor_id, ':');
		if (colon)
			sqlite3_bind_text(st, 4, actor_id, (int)(colon - actor_id), SQLITE_STATIC);
	}
	if (actor_handle)
		sqlite3_bind_text(st, 3, actor_handle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, action, -1, SQLITE_STATIC);
	if (item_id > 0)
		sqlite3_bind_int64(st, 6, item_id);
	if (detail)
		sqlite3_bind_text(st, 7, detail, -1, SQLITE_STATIC);
	int rc = store_check(s, sqlite3_step(st), "audit");
	sqlite3_reset(st);
	return rc;
}

int store_link_set(struct store *s, const char *identity, const char *handle,
		   const char *by_id, long long at)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO links(identity, handle, by_id, at) VALUES (?1, ?2, ?3, ?4)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, identity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, handle, -1, SQLITE_STATIC);
	if (by_id)
		sqlite3_bind_text(st, 3, by_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, at);
	int rc = store_check(s, sqlite3_step(st), "link");
	sqlite3_reset(st);
	return rc;
}

static char *get_text1(struct store *s, const char *sql, const char *key)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	char *v = NULL;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = store_col_dup(st, 0);
	else
		store_check(s, rc, "read");
	sqlite3_reset(st);
	return v;
}

char *store_link_get(struct store *s, const char *identity)
{
	return get_text1(s, "SELECT handle FROM links WHERE identity = ?1", identity);
}

char *store_link_identity(struct store *s, const char *handle, const char *platform)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT identity FROM links WHERE handle = ?1 COLLATE NOCASE"
				      " AND substr(identity, 1, length(?2) + 1) = ?2 || ':'"
				      " ORDER BY at DESC LIMIT 1");
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, handle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, platform, -1, SQLITE_STATIC);
	char *v = sqlite3_step(st) == SQLITE_ROW ? store_col_dup(st, 0) : NULL;
	sqlite3_reset(st);
	return v;
}

/* This connection's own writes since the last look bump gen (no query). */
static void store_note_own(struct store *s)
{
	int tc = sqlite3_total_changes(s->db);
	if (tc != s->total_changes) {
		s->total_changes = tc;
		s->gen++;
	}
}

void store_refresh_pass(struct store *s)
{
	s->pass_batched = true;
	s->pass_read = false;
}

long long store_refresh(struct store *s)
{
	if (s->pass_batched && s->pass_read) {
		store_note_own(s);
		return s->gen;
	}
	s->pass_read = true;
	/* data_version changes when another connection committed since this
	 * connection's previous read; one read transaction, no table read */
	sqlite3_stmt *st = store_stmt(s, "PRAGMA data_version");
	long long dv = -1;
	if (st) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			dv = sqlite3_column_int64(st, 0);
		else
			store_check(s, rc, "data version");
		sqlite3_reset(st);
	}
	/* an error counts as a change: callers re-read and meet it themselves */
	if (dv < 0 || dv != s->data_version) {
		s->data_version = dv;
		s->gen++;
	}
	store_note_own(s);
	return s->gen;
}

long long store_roster_gen(const struct store *s)
{
	return s->roster_gen;
}

void store_set_roster_gen(struct store *s, long long gen)
{
	s->roster_gen = gen;
}

static const char *link_intern(struct store *s, char *h)
{
	for (size_t i = 0; i < s->ninterned; i++) {
		if (strcmp(s->interned[i], h) == 0) {
			free(h);
			return s->interned[i];
		}
	}
	if (s->ninterned == s->capinterned) {
		s->capinterned = s->capinterned ? s->capinterned * 2 : 8;
		s->interned = xrealloc(s->interned, s->capinterned * sizeof(*s->interned));
	}
	s->interned[s->ninterned++] = h;
	return h;
}

static unsigned link_hash(const char *str)
{
	unsigned x = 2166136261u;
	while (*str)
		x = (x ^ (unsigned char)*str++) * 16777619u;
	return x;
}

/* Remembers identity -> handle (interned, or NULL), the table growing to
 * keep chains short. */
static void link_memo_put(struct store *s, const char *identity, unsigned hash, const char *handle)
{
	if (s->nmemo >= s->nbuckets) {
		size_t n = s->nbuckets ? s->nbuckets * 2 : 256;
		struct link_memo **b = xcalloc(n, sizeof(*b));
		for (size_t i = 0; i < s->nbuckets; i++) {
			while (s->memo[i]) {
				struct link_memo *m = s->memo[i];
				s->memo[i] = m->next;
				m->next = b[m->hash & (n - 1)];
				b[m->hash & (n - 1)] = m;
			}
		}
		free(s->memo);
		s->memo = b;
		s->nbuckets = n;
	}
	size_t len = strlen(identity);
	struct link_memo *m = xmalloc(sizeof(*m) + len + 1);
	memcpy(m->identity, identity, len + 1);
	m->hash = hash;
	m->handle = handle;
	m->next = s->memo[hash & (s->nbuckets - 1)];
	s->memo[hash & (s->nbuckets - 1)] = m;
	s->nmemo++;
}

/* The links table into the memo: STORE_OK with s->links_all set when it
 * was read whole, STORE_OK without when it has more than LINK_MEMO_MAX
 * rows (the memo then starts empty), or an error (the memo empty). */
static int link_memo_load(struct store *s)
{
	link_memo_clear(s);
	sqlite3_stmt *st = store_stmt(s, "SELECT identity, handle FROM links");
	if (!st)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->nmemo == LINK_MEMO_MAX) {
			sqlite3_reset(st);
			link_memo_clear(s);
			return STORE_OK;
		}
		const char *id = (const char *)sqlite3_column_text(st, 0);
		char *h = store_col_dup(st, 1);
		if (!id || !h) {
			free(h);
			continue;
		}
		link_memo_put(s, id, link_hash(id), link_intern(s, h));
	}
	if (rc != SQLITE_DONE) {
		store_check(s, rc, "read links");
		sqlite3_reset(st);
		link_memo_clear(s);
		return STORE_ERR;
	}
	sqlite3_reset(st);
	s->links_all = true;
	return STORE_OK;
}

const char *store_link_handle(struct store *s, const char *identity)
{
	/* Answers are remembered until the database changes: this
	 * connection's writes are seen here, other processes' commits by the
	 * latest store_refresh() (gov_roster_sync() does one per command). */
	store_note_own(s);
	if (s->links_gen != s->gen || (!s->links_all && s->nmemo >= LINK_MEMO_MAX)) {
		/* store_link_get() tells "no link" from an error only through
		 * the log: a failed load is tried again at the next lookup */
		char saved[sizeof(s->err)];
		memcpy(saved, s->err, sizeof(saved));
		s->err[0] = '\0';
		if (link_memo_load(s) == STORE_OK && !s->err[0]) {
			s->links_gen = s->gen;
			memcpy(s->err, saved, sizeof(saved));
		} else {
			s->links_gen = s->gen - 1;
		}
	}
	unsigned hash = link_hash(identity);
	for (struct link_memo *m = s->nbuckets ? s->memo[hash & (s->nbuckets - 1)] : NULL; m;
	     m = m->next)
		if (m->hash == hash && strcmp(m->identity, identity) == 0)
			return m->handle;
	if (s->links_all)
		return NULL;          /* the whole table is in memory: not linked */
	/* a table too big to hold, or one that could not be read: one
	 * identity at a time, remembering only a clean answer */
	char saved[sizeof(s->err)];
	memcpy(saved, s->err, sizeof(saved));
	s->err[0] = '\0';
	char *h = store_link_get(s, identity);
	const char *handle = h ? link_intern(s, h) : NULL;
	if (s->err[0] || s->links_gen != s->gen)
		return handle;
	memcpy(s->err, saved, sizeof(saved));
	link_memo_put(s, identity, hash, handle);
	return handle;
}

int store_seen_mark(struct store *s, const char *platform, const char *event_id, long long at)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT OR IGNORE INTO seen_events(platform, event_id, at) VALUES (?1, ?2, ?3)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, platform, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	/* dedupe is cheap to lose (a platform's redelivery after a power
	 * loss is answered twice at worst): no sync of its own, outside a
	 * caller's transaction or a batch (whose commit decides; SQLite
	 * refuses the pragma inside a transaction anyway) */
	bool cheap = !s->in_tx && !s->seen_tx;
	if (cheap)
		store_set_synced(s, false);
	/* a seen event changes no governance state: when nothing else changed
	 * since the last look, the caches keyed on this connection's writes
	 * (roster, links) stay valid */
	bool noted = sqlite3_total_changes(s->db) == s->total_changes;
	int rc = store_check(s, sqlite3_step(st), "seen event");
	sqlite3_reset(st);
	if (cheap)
		store_set_synced(s, true);
	if (rc != STORE_OK)
		return rc;
	if (noted)
		s->total_changes = sqlite3_total_changes(s->db);
	if (s->seen_tx && sqlite3_changes(s->db) > 0)
		s->seen_rows++;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

/* One statement without results through the statement cache (no parse
 * per call: BEGIN and COMMIT of every pass that saw events). */
static int step_plain(struct store *s, const char *sql)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	int rc = store_check(s, sqlite3_step(st), sql);
	sqlite3_reset(st);
	return rc;
}

int store_seen_add(struct store *s, const char *platform, const char *event_id, long long at)
{
	if (s->in_tx)
		return store_seen_mark(s, platform, event_id, at);
	if (!s->seen_tx) {
		/* the batch commits unsynced (the level is fixed before BEGIN:
		 * SQLite refuses to change it inside a transaction); a commit
		 * per loop pass with an fsync each cost more than the work */
		store_set_synced(s, false);
		int rc = step_plain(s, "BEGIN IMMEDIATE");
		if (rc != STORE_OK) {
			store_set_synced(s, true);
			return rc;
		}
		s->seen_tx = true;
		s->seen_base = sqlite3_total_changes(s->db);
		s->seen_rows = 0;
	}
	int rc = store_seen_mark(s, platform, event_id, at);
	if (rc < 0 && sqlite3_get_autocommit(s->db)) {
		s->seen_tx = false;   /* the failure ended the batch */
		store_set_synced(s, true);
	}
	return rc;
}

/* Syncs the WAL now: a batch that other writes joined (a statement run
 * outside store_begin() while it was open) keeps their promise of a synced
 * commit.  STORE_OK, or STORE_ERR when the WAL could not be synced. */
static int sync_wal(struct store *s)
{
	sqlite3_file *wal = NULL;

	if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK ||
	    !wal || !wal->pMethods)
		return STORE_OK;      /* no WAL open: the commit wrote the database file */
	return wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) == SQLITE_OK ? STORE_OK : STORE_ERR;
}

int store_seen_commit(struct store *s)
{
	if (!s->seen_tx)
		return STORE_OK;
	s->seen_tx = false;
	if (sqlite3_get_autocommit(s->db)) {
		store_set_synced(s, true);
		return STORE_ERR;     /* SQLite ended it on an error: the batch is lost */
	}
	bool others = sqlite3_total_changes(s->db) - s->seen_base != s->seen_rows;
	int rc = step_plain(s, "COMMIT");
	if (rc != STORE_OK && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (rc == STORE_OK && others && sync_wal(s) != STORE_OK)
		log_warn("store", "the WAL could not be synced after a commit");
	store_set_synced(s, true);
	return rc;
}

bool store_seen_pending(const struct store *s)
{
	return s->seen_tx;
}

int store_seen_prune(struct store *s, long long before)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM seen_events WHERE at < ?1");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, before);
	int rc = store_check(s, sqlite3_step(st), "prune seen events");
	sqlite3_reset(st);
	return rc == STORE_OK ? sqlite3_changes(s->db) : rc;
}

int store_kv_set(struct store *s, const char *key, const char *value)
{
	return store_execf(s, "INSERT INTO kv(key, value) VALUES (?1, ?2)"
			   " ON CONFLICT(key) DO UPDATE SET value = ?2", 2, key, value);
}

char *store_kv_get(struct store *s, const char *key)
{
	return get_text1(s, "SELECT value FROM kv WHERE key = ?1", key);
}

bool store_claimed(const struct store *s, const char *key)
{
	for (size_t i = 0; i < s->nclaims; i++)
		if (strcmp(s->claims[i], key) == 0)
			return true;
	return false;
}

bool store_claim(struct store *s, const char *key)
{
	if (store_claimed(s, key))
		return false;
	if (s->nclaims == s->capclaims) {
		s->capclaims = s->capclaims ? s->capclaims * 2 : 8;
		s->claims = xrealloc(s->claims, s->capclaims * sizeof(*s->claims));
	}
	s->claims[s->nclaims++] = xstrdup(key);
	return true;
}

void store_unclaim(struct store *s, const char *key)
{
	for (size_t i = 0; i < s->nclaims; i++) {
		if (strcmp(s->claims[i], key) == 0) {
			free(s->claims[i]);
			s->claims[i] = s->claims[--s->nclaims];
			return;
		}
	}
}

long long store_roster_mark(const struct store *s)
{
	return s->roster_mark;
}

void store_set_roster_mark(struct store *s, long long id)
{
	s->roster_mark = id;
}

int store_peek_version(const char *path, int *version, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (rc != SQLITE_OK)
		return STORE_ERR;
	if (*version < 0 || *version > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "the database has schema version %d, which this govbot does not "
			 "know (it knows 0 to %d): a newer govbot wrote it, or it is not a govbot database",
			 *version, STORE_SCHEMA_VERSION);
		return STORE_ERR;
	}
	return STORE_OK;
}
