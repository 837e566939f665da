/* notice.c - see notice.h. */
#include "chatbot/gov/notice.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/gov/outbox.h"
#include "chatbot/gov/store.h"
#include "chatbot/gov/tally.h"
#include "chatbot/roster/roster.h"
#include "chatbot/util/log.h"

#define DAY_S 86400LL
#define WEEK_S (7 * DAY_S)
/* 1970-01-05, the first Monday after the epoch. */
#define FIRST_MONDAY (4 * DAY_S)

/* ---- the digest's schedule ---------------------------------------------- */

static const char *const weekdays[] = { "monday", "tuesday", "wednesday", "thursday", "friday",
					"saturday", "sunday" };

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* The next blank-separated word of *p, lowercased, into w (n bytes);
 * false at the end or when the word does not fit. */
static bool next_word(const char **p, char *w, size_t n)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = 0;
	while (s[len] && s[len] != ' ' && s[len] != '\t')
		len++;
	*p = s + len;
	if (!len || len >= n)
		return false;
	for (size_t i = 0; i < len; i++)
		w[i] = (char)tolower((unsigned char)s[i]);
	w[len] = '\0';
	return true;
}

int notice_schedule_parse(const char *spec, struct notice_schedule *out, char *err, size_t n)
{
	static const char form[] = "DAY HH:MM UTC [every N weeks] [from YYYY-MM-DD], e.g. "
				   "\"monday 09:00 UTC every 13 weeks\"";
	char w[32];
	const char *p = spec ? spec : "";
	memset(out, 0, sizeof(*out));
	out->every_weeks = 1;
	out->anchor = FIRST_MONDAY;
	out->wday = -1;
	if (!next_word(&p, w, sizeof(w)))
		goto bad;
	for (int i = 0; i < 7; i++)
		if (strcmp(w, weekdays[i]) == 0 || (strlen(w) == 3 && strncmp(w, weekdays[i], 3) == 0))
			out->wday = i;
	if (out->wday < 0)
		goto bad;
	unsigned hh, mm;
	char tail;
	if (!next_word(&p, w, sizeof(w)) || sscanf(w, "%2u:%2u%c", &hh, &mm, &tail) != 2 ||
	    hh > 23 || mm > 59 || strlen(w) != 5)
		goto bad;
	out->minute = (int)(hh * 60 + mm);
	if (!next_word(&p, w, sizeof(w)) || strcmp(w, "utc") != 0) {
		snprintf(err, n, "the time must be given in UTC: %s", form);
		return -1;
	}
	while (next_word(&p, w, sizeof(w))) {
		if (strcmp(w, "every") == 0) {
			if (!next_word(&p, w, sizeof(w)))
				goto bad;
			if (strcmp(w, "week") == 0)
				continue;
			char *end;
			long v = strtol(w, &end, 10);
			if (*end || v < 1 || v > 52) {
				snprintf(err, n, "every N weeks takes N from 1 to 52: %s", form);
				return -1;
			}
			out->every_weeks = (int)v;
			if (!next_word(&p, w, sizeof(w)) || (strcmp(w, "weeks") != 0 && strcmp(w, "week") != 0))
				goto bad;
		} else if (strcmp(w, "from") == 0) {
			unsigned y, m, d;
			if (!next_word(&p, w, sizeof(w)) || sscanf(w, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
			    m < 1 || m > 12 || d < 1 || d > 31 || y < 1970)
				goto bad;
			long long day = days_from_civil(y, m, d);
			long long wd = (day + 3) % 7;   /* 0 = monday (1970-01-01 was a thursday) */
			out->anchor = (day - wd) * DAY_S;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	snprintf(err, n, "cannot read \"%s\"; the form is %s", spec ? spec : "", form);
	return -1;
}

long long notice_schedule_last(const struct notice_schedule *s, long long now)
{
	long long period = WEEK_S * s->every_weeks;
	long long first = s->anchor + s->wday * DAY_S + s->minute * 60LL;
	if (now < first)
		return -1;
	return first + (now - first) / period * period;
}

/* ---- reading ------------------------------------------------------------- */

/* Handles of a one-parameter query, space-separated, appended to out
 * (skipping skip); returns how many. */
static int handles(struct store *s, const char *sql, long long id, const char *skip, struct buf *out)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int n = 0;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		if (!h || (skip && str_ieq(h, skip)))
			continue;
		buf_addf(out, "%s%s", out->len ? " " : "", h);
		n++;
	}
	sqlite3_reset(st);
	return n;
}

/* "alice bob" -> "@alice, @bob" */
static void at_list(struct buf *out, const char *list)
{
	bool first = true;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		buf_addf(out, "%s@%.*s", first ? "" : ", ", (int)len, p);
		first = false;
		p += len;
		while (*p == ' ')
			p++;
	}
}

static const char *group_words(const char *grp)
{
	return !grp || strcmp(grp, GOV_CORE) == 0 ? "the core maintainers" : grp;
}

static void opening_text(const struct gov_ctx *g, const struct gov_item *it, struct buf *title,
			 struct buf *body, struct buf *mentions)
{
	struct store *s = g->store;
	const char *by = it->opened_by_handle ? it->opened_by_handle : it->opened_by;
	const char *at = it->opened_by_handle ? "@" : "";
	long long id = it->id;
	char when[64] = "";
	if (it->deadline)
		gov_format_time(it->deadline, when, sizeof(when));
	if (!gov_kind_is_vote(it->kind)) {
		bool removal = gov_kind_is_removal(it->kind);
		bool core = gov_kind_is_core(it->kind);
		const char *noun = gov_item_noun(it);
		buf_addf(title, "%c%s %lld opened: @%s %s %s", noun[0] - 'a' + 'A', noun + 1, id, it->subject,
			 removal ? "from" : "for", group_words(it->grp));
		if (it->self)
			buf_addf(body, "@%s steps down from %s", it->subject, group_words(it->grp));
		else if (removal)
			buf_addf(body, "%s%s proposes removing @%s from %s", at, by, it->subject,
				 group_words(it->grp));
		else
			buf_addf(body, "%s%s nominates @%s as %s%s", at, by, it->subject,
				 core ? "a core maintainer" : "a maintainer of ", core ? "" : it->grp);
		if (removal && it->text)
			buf_addf(body, ". Reason: %s", it->text);
		buf_addf(body, ".\nWho decides: %s (not anyone conflicted), with `decide %lld "
			 "accept|reject RATIONALE`", gov_decider(it), id);
		struct buf missing = BUF_INIT;
		if (!removal && gov_missing_fields(s, it, &missing) > 0)
			buf_addf(body, " once it is complete (still missing: %s, added by the nominator "
				 "with `amend %lld FIELD: TEXT`)", buf_str(&missing), id);
		buf_release(&missing);
		buf_addf(body, ".\nAnyone: `support %lld TEXT` or `object %lld TEXT`.", id, id);
		if (removal && !it->self)
			buf_addf(body, " @%s can answer before it is decided.", it->subject);
		buf_adds(body, "\nNo deadline: a complete item goes on the agenda of the quarterly core "
			 "maintainers' meeting (`agenda`).");
		if (it->subject && !it->self)
			buf_adds(mentions, it->subject);
		return;
	}
	int ne = handles(s, "SELECT handle FROM electorate WHERE item_id = ?1 AND handle NOT IN"
			 " (SELECT handle FROM recusals WHERE item_id = ?1) ORDER BY rowid", id, NULL,
			 mentions);
	bool lead = strcmp(it->kind, GOV_REMOVE_LEAD) == 0;
	int need = tally_needed(lead ? TALLY_THREE_QUARTERS : TALLY_MAJORITY, ne);
	if (strcmp(it->kind, GOV_ELECT_LEAD) == 0) {
		buf_addf(title, "Election %lld opened: a new lead core maintainer", id);
		buf_addf(body, "%s%s opened a ranked-choice (instant-runoff) election of the lead core "
			 "maintainer among ", at, by);
		struct buf c = BUF_INIT;
		handles(s, "SELECT handle FROM candidates WHERE item_id = ?1 ORDER BY pos", id, NULL, &c);
		at_list(body, buf_str(&c));
		buf_release(&c);
		buf_addf(body, ".\nWho votes: the %d core maintainers, with `ballot %lld @a > @b`.", ne, id);
	} else {
		if (lead)
			buf_addf(title, "Motion %lld opened: remove the lead core maintainer @%s", id,
				 it->subject ? it->subject : "?");
		else if (strcmp(it->kind, GOV_OVERRULE) == 0)
			buf_addf(title, "Motion %lld opened: overrule module motion %lld", id, it->ref);
		else if (it->ref)
			buf_addf(title, "Motion %lld opened: module motion %lld escalated to the core "
				 "maintainers", id, it->ref);
		else if (strcmp(it->kind, GOV_MODULE_ADD) == 0)
			buf_addf(title, "Motion %lld opened: add the module %s", id, it->grp);
		else if (strcmp(it->kind, GOV_MODULE_REMOVE) == 0)
			buf_addf(title, "Motion %lld opened: remove the module %s", id, it->grp);
		else if (strcmp(it->kind, GOV_MODULE_RENAME) == 0)
			buf_addf(title, "Motion %lld opened: rename the module %s to %s", id, it->grp,
				 it->subject_name ? it->subject_name : "?");
		else
			buf_addf(title, "Motion %lld opened for %s", id, group_words(
				 strcmp(it->kind, GOV_MOTION_GROUP) == 0 ? it->grp : GOV_CORE));
		buf_addf(body, "%s%s proposes: \"%s\"", at, by, it->text ? it->text : "");
		buf_addf(body, ".\nWho votes: %d elector%s, with `vote %lld yes|no|abstain`; it passes "
			 "with %d yes vote%s (%s).", ne, ne == 1 ? "" : "s", id, need, need == 1 ? "" : "s",
			 lead ? "at least 75% of the core maintainers other than the lead"
			      : "more than half of the electorate");
	}
	buf_addf(body, "\nDeadline: %s (or sooner, once it is decided).", when);
}

int notice_opening(const struct gov_ctx *g, long long id, long long now)
{
	struct gov_item it;
	int rc = gov_item_get(g->store, id, &it);
	if (rc <= 0)
		return rc < 0 ? rc : STORE_OK;
	struct buf title = BUF_INIT, body = BUF_INIT, mentions = BUF_INIT, key = BUF_INIT;
	opening_text(g, &it, &title, &body, &mentions);
	buf_addf(&key, "open:%lld", id);
	rc = outbox_notice(g->store, buf_str(&key), buf_str(&title), buf_str(&body),
			   buf_str(&mentions), g->targets, g->ntargets, now, NULL);
	buf_release(&title);
	buf_release(&body);
	buf_release(&mentions);
	buf_release(&key);
	gov_item_release(&it);
	return rc < 0 ? rc : STORE_OK;
}

/* ---- the periodic notices ----------------------------------------------- */

/* Queues one notice in its own transaction.  1 queued, 0 not, -1 failed. */
static int queue(const struct gov_ctx *g, const char *key, const char *title, const char *body,
		 const char *mentions, long long now)
{
	struct store *s = g->store;
	/* queued before (the common case, each tick of a digest's day): a read,
	 * not a write transaction */
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM outbox WHERE notice_key = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	bool seen = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (seen)
		return 0;
	if (store_begin(s) != STORE_OK)
		return -1;
	int rc = outbox_notice(s, key, title, body, mentions, g->targets, g->ntargets, now, NULL);
	if (rc < 0 || store_commit(s) != STORE_OK) {
		store_rollback(s);
		return -1;
	}
	return rc;
}

/* Ids of a query with ?1 = now and ?2 = a second number, at most max. */
static int ids_of(struct store *s, const char *sql, long long a, long long b, long long *ids, int max)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	int n = 0;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

static int remind_votes(const struct gov_ctx *g, long long now)
{
	long long ids[64];
	int n = ids_of(g->store, "SELECT id FROM items WHERE state = 'open' AND deadline > ?1"
		       " AND deadline - ?1 <= ?2 AND NOT EXISTS (SELECT 1 FROM outbox"
		       " WHERE notice_key = 'remind:' || items.id) ORDER BY id",
		       now, NOTICE_REMIND_BEFORE_S, ids, 64);
	int queued = 0;
	for (int i = 0; i < n; i++) {
		struct gov_item it;
		if (gov_item_get(g->store, ids[i], &it) != 1)
			continue;
		struct buf who = BUF_INIT, title = BUF_INIT, body = BUF_INIT, key = BUF_INIT;
		int left = handles(g->store, "SELECT handle FROM electorate WHERE item_id = ?1"
				   " AND handle NOT IN (SELECT handle FROM recusals WHERE item_id = ?1)"
				   " AND handle NOT IN (SELECT handle FROM votes WHERE item_id = ?1)"
				   " AND handle NOT IN (SELECT handle FROM ballots WHERE item_id = ?1)"
				   " ORDER BY rowid", it.id, NULL, &who);
		char when[64];
		gov_format_time(it.deadline, when, sizeof(when));
		bool election = strcmp(it.kind, GOV_ELECT_LEAD) == 0;
		buf_addf(&title, "Reminder: %s %lld closes on %s", election ? "election" : "motion",
			 it.id, when);
		buf_addf(&body, "%d elector%s %s not voted yet: ", left, left == 1 ? "" : "s",
			 left == 1 ? "has" : "have");
		at_list(&body, buf_str(&who));
		if (election)
			buf_addf(&body, ". Rank the candidates with `ballot %lld @a > @b` (`show %lld` "
				 "lists them).", it.id, it.id);
		else
			buf_addf(&body, ". Vote with `vote %lld yes|no|abstain` (`show %lld` has the "
				 "text).", it.id, it.id);
		buf_addf(&key, "remind:%lld", it.id);
		/* everyone voted already: nothing to remind (the key is not spent,
		 * but such an item closes at once anyway) */
		if (left > 0 && queue(g, buf_str(&key), buf_str(&title), buf_str(&body), buf_str(&who),
				      now) > 0)
			queued++;
		buf_release(&who);
		buf_release(&title);
		buf_release(&body);
		buf_release(&key);
		gov_item_release(&it);
	}
	return queued;
}

static int remind_stale(const struct gov_ctx *g, long long now)
{
	int days = g->nomination_days > 0 ? g->nomination_days : NOTICE_DEFAULT_NOMINATION_DAYS;
	long long ids[64];
	int n = ids_of(g->store, "SELECT id FROM items WHERE state = 'open' AND kind IN"
		       " ('nominate-module', 'nominate-core', 'remove-module', 'remove-core')"
		       " AND created_at <= ?1 - ?2 AND NOT EXISTS (SELECT 1 FROM outbox"
		       " WHERE notice_key = 'stale:' || items.id) ORDER BY id",
		       now, (long long)days * DAY_S, ids, 64);
	const struct roster *r = gov_roster(g);
	int queued = 0;
	for (int i = 0; i < n; i++) {
		struct gov_item it;
		if (gov_item_get(g->store, ids[i], &it) != 1)
			continue;
		if (gov_missing_fields(g->store, &it, NULL) != 0) {
			gov_item_release(&it);
			continue;   /* waits for its nominator, not for the core */
		}
		struct buf who = BUF_INIT, title = BUF_INIT, body = BUF_INIT, key = BUF_INIT;
		size_t nc = r ? roster_core_handles(r, NULL, 0) : 0;
		const char **core = xcalloc(nc + 1, sizeof(*core));
		if (r)
			roster_core_handles(r, core, nc);
		for (size_t k = 0; k < nc; k++)
			if (!it.subject || !str_ieq(core[k], it.subject))
				buf_addf(&who, "%s%s", who.len ? " " : "", core[k]);
		free(core);
		long long age = (now - it.created_at) / DAY_S;
		buf_addf(&title, "Reminder: %s %lld has waited %lld days for a decision",
			 gov_item_noun(&it), it.id, age);
		buf_addf(&body, "%s %lld (@%s, %s) is complete and has had no decision for more than "
			 "%d days. It waits for %s: `decide %lld accept|reject RATIONALE` (`show %lld`).",
			 gov_item_noun(&it), it.id, it.subject ? it.subject : "?", group_words(it.grp),
			 days, gov_decider(&it), it.id, it.id);
		buf_addf(&key, "stale:%lld", it.id);
		if (queue(g, buf_str(&key), buf_str(&title), buf_str(&body), buf_str(&who), now) > 0)
			queued++;
		buf_release(&who);
		buf_release(&title);
		buf_release(&body);
		buf_release(&key);
		gov_item_release(&it);
	}
	return queued;
}

int notice_agenda_text(const struct gov_ctx *g, long long now, struct buf *out)
{
	long long ids[200];
	int n = ids_of(g->store, "SELECT id FROM items WHERE (state = 'open' OR (state = 'tied'"
		       " AND kind = 'motion-core')) AND created_at <= ?1 AND id > ?2 ORDER BY id",
		       now, 0, ids, 200);
	int listed = 0;
	for (int i = 0; i < n; i++) {
		struct gov_item it;
		if (gov_item_get(g->store, ids[i], &it) != 1)
			continue;
		bool vote = gov_kind_is_vote(it.kind);
		if (!vote && gov_missing_fields(g->store, &it, NULL) != 0) {
			gov_item_release(&it);
			continue;
		}
		long long age = (now - it.created_at) / DAY_S;
		buf_addf(out, "- %lld · %s", it.id, gov_item_noun(&it));
		if (it.subject)
			buf_addf(out, " @%s", it.subject);
		buf_addf(out, " (%s), %lld day%s old; waits for ", group_words(
			 strcmp(it.kind, GOV_MOTION_GROUP) == 0 || !vote ? it.grp : GOV_CORE), age,
			 age == 1 ? "" : "s");
		if (gov_is_tied(&it))
			buf_addf(out, "the lead core maintainer's decision on the tie (`decide %lld ...`)\n",
				 it.id);
		else if (vote)
			buf_addf(out, "the votes of its electorate (`vote %lld ...`)\n", it.id);
		else
			buf_addf(out, "a decision by %s (`decide %lld ...`)\n", gov_decider(&it), it.id);
		listed++;
		gov_item_release(&it);
	}
	if (out->len && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
	return listed;
}

static int post_digest(const struct gov_ctx *g, long long now)
{
	long long slot = notice_schedule_last(g->digest, now);
	/* a slot missed by more than a day (the bot was down) is skipped */
	if (slot < 0 || now - slot >= DAY_S)
		return 0;
	char when[64], key[96];
	gov_format_time(slot, when, sizeof(when));
	snprintf(key, sizeof(key), "digest:%s", when);
	struct buf body = BUF_INIT, title = BUF_INIT;
	int items = notice_agenda_text(g, now, &body);
	if (items == 0)
		buf_adds(&body, "Nothing awaits the meeting: no complete nomination without a decision "
			 "and no open motion.");
	buf_addf(&title, "Agenda of the quarterly core maintainers' meeting (%d item%s)", items,
		 items == 1 ? "" : "s");
	int rc = queue(g, key, buf_str(&title), buf_str(&body), NULL, now);
	buf_release(&body);
	buf_release(&title);
	return rc;
}

int notice_tick(const struct gov_ctx *g, long long now)
{
	if (!g->store)
		return 0;
	int a = remind_votes(g, now), b = remind_stale(g, now);
	int c = g->digest ? post_digest(g, now) : 0;
	if (a < 0 || b < 0 || c < 0) {
		log_warn("notice", "a reminder or the digest could not be queued; retrying later");
		return -1;
	}
	return a + b + c;
}
