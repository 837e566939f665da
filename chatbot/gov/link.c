/* link.c - see link.h. */
#include "chatbot/gov/link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "chatbot/util/log.h"

/* 32 symbols without 0/O, 1/I/L: a code reads aloud and types back. */
static const char code_alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

void gov_link_release(struct gov_link *l)
{
	if (!l)
		return;
	free(l->identity);
	free(l->handle);
	free(l->by_id);
	free(l->by_handle);
	memset(l, 0, sizeof(*l));
}

void gov_link_done_release(struct gov_link_done *d)
{
	if (!d)
		return;
	free(d->other);
	d->other = NULL;
	gov_link_release(&d->link);
}

/* A fresh code from the kernel's generator; false when none is available. */
static bool new_code(char out[GOV_LINK_CODE_LEN + 1])
{
	unsigned char r[GOV_LINK_CODE_LEN];
	size_t got = 0;
	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	size_t k = sizeof(code_alphabet) - 1;
	for (size_t i = 0; i < sizeof(r); i++)
		out[i] = code_alphabet[r[i] % k];
	out[GOV_LINK_CODE_LEN] = '\0';
	return true;
}

int gov_link_stored_ids(struct store *s, const char *handle, char ***ids)
{
	*ids = NULL;
	sqlite3_stmt *st = store_stmt(s, "SELECT identity FROM links WHERE handle = ?1 COLLATE NOCASE"
				      " ORDER BY identity");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, handle, -1, SQLITE_STATIC);
	size_t n = 0, cap = 0;
	char **v = NULL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = store_col_dup(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return store_check(s, rc, "links of a handle");
	}
	*ids = v;
	return (int)n;
}

static void free_ids(char **ids, int n)
{
	for (int i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static bool platform_is(const char *id, const char *target)
{
	size_t n = strlen(target);
	return strncasecmp(id, target, n) == 0 && id[n] == ':';
}

/* The announce targets of g on which one of ids (n) or stored lives. */
static size_t person_targets(const struct gov_ctx *g, const char *const *ids, size_t n,
			     char **stored, int nstored, const char **out)
{
	size_t k = 0;
	for (size_t t = 0; t < g->ntargets && k < GOV_MAX_TARGETS; t++) {
		bool hit = false;
		for (size_t i = 0; i < n && !hit; i++)
			hit = platform_is(ids[i], g->targets[t]);
		for (int i = 0; i < nstored && !hit; i++)
			hit = platform_is(stored[i], g->targets[t]);
		if (hit)
			out[k++] = g->targets[t];
	}
	return k;
}

/* The identities the announcement names: "console:ed, slack:U1" into b. */
static void name_ids(struct buf *b, const char *const *ids, size_t n, char **stored, int nstored)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s%s", k++ ? ", " : "", ids[i]);
	for (int i = 0; i < nstored; i++)
		buf_addf(b, "%s%s", k++ ? ", " : "", stored[i]);
}

/* Inside a transaction: the announcement of one step to handle's platforms. */
static int announce(const struct gov_ctx *g, const char *handle, const struct gov_link_known *known,
		    const char *title, const char *what, long long now)
{
	char **stored = NULL;
	int ns = gov_link_stored_ids(g->store, handle, &stored);
	if (ns < 0)
		return ns;
	const char *targets[GOV_MAX_TARGETS];
	size_t nt = person_targets(g, known ? known->ids : NULL, known ? known->n : 0, stored, ns,
				   targets);
	int rc = STORE_OK;
	if (nt > 0) {
		struct buf body = BUF_INIT;
		buf_addf(&body, "To @%s (", handle);
		name_ids(&body, known ? known->ids : NULL, known ? known->n : 0, stored, ns);
		buf_addf(&body, "): %s", what);
		rc = outbox_enqueue(g->store, 0, title, buf_str(&body), targets, nt, now, NULL);
		buf_release(&body);
	}
	free_ids(stored, ns);
	return rc;
}

/* Reads row st (code, identity, handle, kind, by_id, by_handle, created, expires). */
static void read_link(sqlite3_stmt *st, struct gov_link *out)
{
	const unsigned char *c = sqlite3_column_text(st, 0);
	snprintf(out->code, sizeof(out->code), "%s", c ? (const char *)c : "");
	out->identity = store_col_dup(st, 1);
	out->handle = store_col_dup(st, 2);
	const unsigned char *k = sqlite3_column_text(st, 3);
	out->by_core = k && strcmp((const char *)k, "core") == 0;
	out->by_id = store_col_dup(st, 4);
	out->by_handle = store_col_dup(st, 5);
	out->created_at = sqlite3_column_int64(st, 6);
	out->expires_at = sqlite3_column_int64(st, 7);
}

int gov_link_find(struct store *s, const char *code, long long now, struct gov_link *out)
{
	memset(out, 0, sizeof(*out));
	char up[GOV_LINK_CODE_LEN + 1];
	size_t n = strlen(code);
	if (n != GOV_LINK_CODE_LEN)
		return 0;
	for (size_t i = 0; i <= n; i++)
		up[i] = (char)(code[i] >= 'a' && code[i] <= 'z' ? code[i] - 'a' + 'A' : code[i]);
	sqlite3_stmt *st = store_stmt(s, "SELECT code, identity, handle, kind, by_id, by_handle,"
				      " created_at, expires_at FROM link_requests"
				      " WHERE code = ?1 AND expires_at > ?2");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, up, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	int found = 0;
	if (rc == SQLITE_ROW) {
		read_link(st, out);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		found = store_check(s, rc, "link request");
	}
	sqlite3_reset(st);
	return found;
}

static int fail(struct gov_link_done *out, int rc)
{
	out->store_rc = rc;
	return GOV_FAILED;
}

int gov_link_request(const struct gov_ctx *g, const char *identity, const char *identity_mapped,
		     const char *handle, bool by_core, const char *by_id, const char *by_handle,
		     const struct gov_link_known *known, struct gov_link_done *out)
{
	memset(out, 0, sizeof(*out));
	struct store *s = g->store;
	if (!s)
		return fail(out, STORE_ERR);
	if (identity_mapped) {
		out->why = LINK_WHY_MAPPED;
		out->other = xstrdup(identity_mapped);
		return GOV_REFUSED;
	}
	char code[GOV_LINK_CODE_LEN + 1];
	if (!new_code(code)) {
		log_error("link", "no random bytes for a link code");
		return fail(out, STORE_ERR);
	}
	long long now = gov_now(g);
	int rc = store_begin(s);
	if (rc != STORE_OK)
		return fail(out, rc);
	char *linked = store_link_get(s, identity);
	if (linked) {
		store_rollback(s);
		out->why = LINK_WHY_MAPPED;
		out->other = linked;
		return GOV_REFUSED;
	}
	char **stored = NULL;
	int ns = gov_link_stored_ids(s, handle, &stored);
	if (ns < 0) {
		store_rollback(s);
		return fail(out, ns);
	}
	free_ids(stored, ns);
	size_t nknown = (known ? known->n : 0) + (size_t)ns;
	if (by_core ? nknown > 0 : nknown == 0) {
		store_rollback(s);
		out->why = by_core ? LINK_WHY_HAS_IDENTITY : LINK_WHY_NO_IDENTITY;
		return GOV_REFUSED;
	}
	char expires[64];
	gov_format_time(now + GOV_LINK_TTL, expires, sizeof(expires));
	struct buf detail = BUF_INIT, what = BUF_INIT;
	buf_addf(&detail, "%s -> @%s (%s; pending)", identity, handle, by_core ? "core" : "self");
	if (by_core)
		buf_addf(&what, "core maintainer %s%s (%s) asked to link %s to you. A second core "
			 "maintainer confirms it before it takes effect; it expires %s.",
			 by_handle ? "@" : "", by_handle ? by_handle : by_id, by_id, identity, expires);
	else
		buf_addf(&what, "%s asked to be linked to you. It takes effect only when one of your "
			 "identities sends `link confirm` with the code %s was given; if that was not "
			 "you, do nothing: it expires %s.", identity, identity, expires);
	/* a new request of the same identity replaces its pending one; expired ones go */
	rc = store_execf(s, "DELETE FROM link_requests WHERE identity = ?1", 1, identity);
	if (rc == STORE_OK) {
		sqlite3_stmt *st = store_stmt(s, "DELETE FROM link_requests WHERE expires_at <= ?1");
		if (!st)
			rc = STORE_ERR;
		else {
			sqlite3_bind_int64(st, 1, now);
			rc = store_check(s, sqlite3_step(st), "expire link requests");
			sqlite3_reset(st);
		}
	}
	if (rc == STORE_OK) {
		sqlite3_stmt *st = store_stmt(s, "INSERT INTO link_requests(code, identity, handle, kind,"
					      " by_id, by_handle, created_at, expires_at)"
					      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
		if (!st)
			rc = STORE_ERR;
		else {
			sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, identity, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, handle, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, by_core ? "core" : "self", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, by_id, -1, SQLITE_STATIC);
			if (by_handle)
				sqlite3_bind_text(st, 6, by_handle, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 7, now);
			sqlite3_bind_int64(st, 8, now + GOV_LINK_TTL);
			rc = store_check(s, sqlite3_step(st), "link request");
			sqlite3_reset(st);
		}
	}
	if (rc == STORE_OK)
		rc = store_audit(s, now, by_id, by_handle, "link-request", 0, buf_str(&detail));
	if (rc == STORE_OK) {
		char title[128];
		snprintf(title, sizeof(title), "Identity link requested for @%s", handle);
		rc = announce(g, handle, known, title, buf_str(&what), now);
	}
	buf_release(&detail);
	buf_release(&what);
	if (rc == STORE_OK)
		rc = store_commit(s);
	if (rc != STORE_OK) {
		store_rollback(s);
		return fail(out, rc);
	}
	struct gov_link *l = &out->link;
	memcpy(l->code, code, sizeof(l->code));
	l->identity = xstrdup(identity);
	l->handle = xstrdup(handle);
	l->by_core = by_core;
	l->by_id = xstrdup(by_id);
	l->by_handle = by_handle ? xstrdup(by_handle) : NULL;
	l->created_at = now;
	l->expires_at = now + GOV_LINK_TTL;
	return GOV_OK;
}

int gov_link_confirm(const struct gov_ctx *g, const char *code, const char *identity_mapped,
		     const char *by_id, const char *by_handle, const struct gov_link_known *known,
		     struct gov_link_done *out)
{
	memset(out, 0, sizeof(*out));
	struct store *s = g->store;
	if (!s)
		return fail(out, STORE_ERR);
	long long now = gov_now(g);
	int rc = store_begin(s);
	if (rc != STORE_OK)
		return fail(out, rc);
	struct gov_link *l = &out->link;
	int found = gov_link_find(s, code, now, l);
	if (found <= 0) {
		store_rollback(s);
		if (found < 0)
			return fail(out, found);
		out->why = LINK_WHY_GONE;
		return GOV_REFUSED;
	}
	char *linked = identity_mapped ? xstrdup(identity_mapped) : store_link_get(s, l->identity);
	if (linked) {
		/* mapped meanwhile: never re-pointed; the code is used up */
		store_execf(s, "DELETE FROM link_requests WHERE code = ?1", 1, l->code);
		store_commit(s);
		out->why = LINK_WHY_MAPPED;
		out->other = linked;
		return GOV_REFUSED;
	}
	struct buf detail = BUF_INIT, what = BUF_INIT;
	buf_addf(&detail, "%s -> @%s (%s; asked by %s)", l->identity, l->handle,
		 l->by_core ? "core" : "self", l->by_id);
	buf_addf(&what, "%s is now linked to you, confirmed by %s%s (%s). It acts as you from now on; "
		 "if you did not want this, tell the core maintainers.", l->identity,
		 by_handle ? "@" : "", by_handle ? by_handle : by_id, by_id);
	rc = store_execf(s, "DELETE FROM link_requests WHERE code = ?1", 1, l->code);
	if (rc == STORE_OK)
		rc = store_link_set(s, l->identity, l->handle, by_id, now);
	if (rc == STORE_OK)
		rc = store_audit(s, now, by_id, by_handle, "link", 0, buf_str(&detail));
	if (rc == STORE_OK) {
		char title[128];
		snprintf(title, sizeof(title), "Identity linked to @%s", l->handle);
		rc = announce(g, l->handle, known, title, buf_str(&what), now);
	}
	buf_release(&detail);
	buf_release(&what);
	if (rc == STORE_OK)
		rc = store_commit(s);
	if (rc != STORE_OK) {
		store_rollback(s);
		gov_link_release(l);
		return fail(out, rc);
	}
	return GOV_OK;
}
