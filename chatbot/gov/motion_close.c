/* motion_close.c - deciding when a motion or election is over, recording
 * the result with its full tally, and describing an item (`show N`).  See motion.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/util/log.h"
#include "chatbot/gov/motion_int.h"
#include "chatbot/roster/roster.h"

/* "s" unless n is one. */
#define PL(n) ((n) == 1 ? "" : "s")

/* At most n bytes of text on one line, cut at a character boundary. */
static void add_excerpt(struct buf *b, const char *text, size_t n)
{
	size_t len = strlen(text), cut = len;
	if (len > n) {
		cut = n;
		while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut; i++)
		buf_addc(b, text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i]);
	if (cut < len)
		buf_adds(b, "...");
}

static void add_list(struct buf *b, const char *label, const struct motion_handles *h)
{
	buf_addf(b, "%s %zu", label, h->n);
	for (size_t i = 0; i < h->n; i++)
		buf_addf(b, "%s@%s", i ? ", " : " (", h->v[i]);
	buf_adds(b, h->n ? ")" : "");
}

static int recused_electors(struct store *s, long long id, struct motion_handles *out)
{
	return motion_query_handles(s, "SELECT handle FROM recusals WHERE item_id = ?1 AND handle IN"
				    " (SELECT handle FROM electorate WHERE item_id = ?1) ORDER BY handle",
				    id, out);
}

/* The votes of the current electorate, split by value. */
static int load_votes(struct store *s, long long id, const struct motion_handles *el,
		      struct motion_handles *yes, struct motion_handles *no,
		      struct motion_handles *abstain, struct motion_handles *none)
{
	struct motion_handles who = { 0 }, what = { 0 };
	int rc = motion_query_handles(s, "SELECT handle FROM votes WHERE item_id = ?1 ORDER BY handle",
				      id, &who);
	if (rc == STORE_OK)
		rc = motion_query_handles(s, "SELECT vote FROM votes WHERE item_id = ?1 ORDER BY handle",
					  id, &what);
	if (rc != STORE_OK || who.n != what.n)
		goto cleanup;
	for (size_t i = 0; i < el->n; i++) {
		int k = motion_handles_find(&who, el->v[i]);
		struct motion_handles *dst = k < 0 ? none
			: strcmp(what.v[k], "yes") == 0 ? yes
			: strcmp(what.v[k], "no") == 0 ? no : abstain;
		dst->v = xrealloc(dst->v, (dst->n + 1) * sizeof(*dst->v));
		dst->v[dst->n++] = xstrdup(el->v[i]);
	}
cleanup:
	motion_handles_release(&who);
	motion_handles_release(&what);
	return rc;
}

/* A passed overrule: module motion it->ref keeps its votes but its result
 * no longer stands, and its own record says so. */
static int record_overruled(struct store *s, const struct gov_item *it, long long now)
{
	char why[128];
	snprintf(why, sizeof(why), "overruled by core motion %lld", it->id);
	int rc;
	sqlite3_stmt *st = store_stmt(s, "UPDATE items SET result = ?1 WHERE id = ?2");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, it->ref);
	rc = store_check(s, sqlite3_step(st), "overruled");
	sqlite3_reset(st);
	if (rc != STORE_OK)
		return rc;
	st = store_stmt(s, "INSERT INTO decisions(item_id, outcome, rationale, at)"
			" VALUES (?1, 'overruled', ?2, ?3)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, it->ref);
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	rc = store_check(s, sqlite3_step(st), "overruled decision");
	sqlite3_reset(st);
	return rc;
}

static int settle_motion(const struct gov_ctx *g, const struct gov_item *it, long long now,
			 bool at_deadline, bool dry, struct buf *summary)
{
	struct store *s = g->store;
	struct motion_handles el = { 0 }, yes = { 0 }, no = { 0 }, ab = { 0 }, none = { 0 }, rec = { 0 };
	struct buf tally = BUF_INIT, title = BUF_INIT, body = BUF_INIT;
	bool lead_vote = strcmp(it->kind, GOV_REMOVE_LEAD) == 0;
	enum tally_rule rule = lead_vote ? TALLY_THREE_QUARTERS : TALLY_MAJORITY;
	const char *state;
	int rc, n, need;
	enum tally_state st;

	rc = motion_electorate(s, it->id, &el);
	if (rc == STORE_OK)
		rc = load_votes(s, it->id, &el, &yes, &no, &ab, &none);
	if (rc == STORE_OK)
		rc = recused_electors(s, it->id, &rec);
	if (rc != STORE_OK)
		goto cleanup;
	n = (int)el.n;
	need = tally_needed(rule, n);
	st = tally_motion(rule, n, (int)yes.n, (int)(yes.n + no.n + ab.n));
	if (st == TALLY_OPEN && !at_deadline) {
		rc = 0;
		goto cleanup;
	}
	if (dry) {
		rc = 1;
		goto cleanup;
	}
	state = st == TALLY_PASSED ? "passed" : st == TALLY_FAILED ? "failed" : "expired";
	bool plain = strcmp(it->kind, GOV_MOTION_CORE) == 0 || strcmp(it->kind, GOV_MOTION_GROUP) == 0;
	bool core_motion = strcmp(it->kind, GOV_MOTION_CORE) == 0;
	/* as many yes as no: the group could not agree (001) */
	if (st != TALLY_PASSED && plain && yes.n == no.n && yes.n > 0)
		state = "tied";
	bool tied = strcmp(state, "tied") == 0;
	bool overrule = strcmp(it->kind, GOV_OVERRULE) == 0;
	bool module = gov_kind_is_module_change(it->kind);

	add_list(&tally, "yes", &yes);
	add_list(&tally, "; no", &no);
	add_list(&tally, "; abstain", &ab);
	add_list(&tally, "; not voted", &none);
	if (rec.n)
		add_list(&tally, "; recused", &rec);
	buf_addf(&tally, ". Electorate %d (%s); %d yes needed (%s).", n, motion_electorate_words(it),
		 need, lead_vote ? "at least 75% of the electorate" : "more than half of the electorate");

	if (lead_vote)
		buf_addf(&title, "Motion %lld to remove the lead core maintainer @%s %s", it->id,
			 it->subject ? it->subject : "?", state);
	else if (overrule)
		buf_addf(&title, "Motion %lld to overrule module motion %lld %s", it->id, it->ref, state);
	else if (module)
		buf_addf(&title, "Motion %lld to %s the module %s %s", it->id,
			 strcmp(it->kind, GOV_MODULE_ADD) == 0 ? "add" :
			 strcmp(it->kind, GOV_MODULE_REMOVE) == 0 ? "remove" : "rename", it->grp, state);
	else {
		buf_addf(&title, "Motion %lld %s: ", it->id, state);
		add_excerpt(&title, it->text ? it->text : "", 80);
	}
	buf_addf(&body, "Motion %lld (%s", it->id,
		 strcmp(it->kind, GOV_MOTION_GROUP) == 0 ? "a vote of the maintainers of " :
		 lead_vote ? "removal of the lead, a vote of the core maintainers other than the lead"
		 : overrule ? "overrule of a module decision, a vote of the core maintainers"
		 : module ? "a module change, a vote of the core maintainers"
			   : "a vote of the core maintainers");
	if (strcmp(it->kind, GOV_MOTION_GROUP) == 0)
		buf_adds(&body, it->grp ? it->grp : "?");
	buf_addf(&body, "), proposed by %s%s: \"", it->opened_by_handle ? "@" : "",
		 it->opened_by_handle ? it->opened_by_handle : it->opened_by);
	add_excerpt(&body, it->text ? it->text : "", MOTION_MAX_TEXT);
	buf_addf(&body, "\"\nResult: %s with %zu yes of %d elector%s (%d needed)%s.\nTally: %s",
		 state, yes.n, n, PL(n), need,
		 st == TALLY_PASSED ? "" : tied ? "; as many yes as no votes"
		 : st == TALLY_FAILED ? "; the threshold can no longer be reached"
				      : "; the deadline passed without enough yes votes",
		 buf_str(&tally));
	if (it->ref && core_motion)
		buf_addf(&body, "\nEscalated from module motion %lld.", it->ref);
	if (tied && core_motion)
		buf_addf(&body, "\nThe core maintainers could not agree: the lead core maintainer "
			 "settles it with `decide %lld accept|reject RATIONALE`.", it->id);
	else if (tied || (st == TALLY_FAILED && !core_motion && plain))
		buf_addf(&body, "\nA maintainer of %s can escalate it to the core maintainers with "
			 "`escalate %lld`.", it->grp ? it->grp : "the group", it->id);
	if (overrule && st == TALLY_PASSED)
		buf_addf(&body, "\nModule motion %lld is overruled: its result no longer stands.", it->ref);
	if (module && st == TALLY_PASSED) {
		if (strcmp(it->kind, GOV_MODULE_ADD) == 0)
			buf_addf(&body, "\nThe module %s is added to the roster; its maintainers are "
				 "nominated with `nominate @handle for MODULE`.", it->grp);
		else if (strcmp(it->kind, GOV_MODULE_REMOVE) == 0)
			buf_addf(&body, "\nThe module %s moves to the sunsetted modules.", it->grp);
		else
			buf_addf(&body, "\nThe module %s is now called %s.", it->grp,
				 it->subject_name ? it->subject_name : "?");
	}

	struct gov_event ev[2] = { { 0 } };
	const struct roster_group *lg = roster_lead_group(gov_roster(g));
	size_t nev = 0;
	if (lead_vote && st == TALLY_PASSED && it->subject && lg) {
		/* the lead role only: they stay a core maintainer */
		const struct roster_person *p = roster_find_person(gov_roster(g), it->subject);
		ev[0] = (struct gov_event){ "remove", lg->title, NULL, it->subject };
		ev[1] = (struct gov_event){ "add-core", NULL, p ? p->name : NULL, it->subject };
		nev = 2;
		buf_addf(&body, "\n@%s is no longer the lead core maintainer and stays a core "
			 "maintainer. The office is vacant: the core maintainers elect a new lead by "
			 "ranked-choice vote, opened by a core maintainer with "
			 "`propose elect-lead @a @b ...`.", it->subject);
	}
	if (module && st == TALLY_PASSED && it->grp) {
		const char *op = strcmp(it->kind, GOV_MODULE_ADD) == 0 ? "add-group" :
				 strcmp(it->kind, GOV_MODULE_REMOVE) == 0 ? "sunset-group" : "rename-group";
		ev[0] = (struct gov_event){ op, it->grp, it->subject_name, NULL };
		nev = 1;
	}
	struct gov_decision d = {
		.item_id = it->id,
		.state = state,
		/* a motion's text is what was voted on, never a rationale */
		.rationale = lead_vote ? it->text : NULL,
		.tally = buf_str(&tally),
		.title = buf_str(&title),
		.body = buf_str(&body),
		.action = "close",
		.events = nev ? ev : NULL,
		.nevents = nev,
	};
	rc = gov_record_decision(g, &d, now, NULL);
	if (rc == STORE_OK && overrule && st == TALLY_PASSED && it->ref)
		rc = record_overruled(s, it, now);
	if (rc != STORE_OK)
		goto cleanup;
	buf_addf(summary, "That closes motion %lld: %s with %zu yes of %d elector%s (%d needed). "
		 "The result is announced.", it->id, state, yes.n, n, PL(n), need);
	if (nev)
		buf_addf(summary, " @%s is no longer the lead (and stays a core maintainer); an "
			 "election of a new lead follows (propose elect-lead @a @b ...).", it->subject);
	if (tied && core_motion)
		buf_addf(summary, " It is tied: the lead core maintainer settles it with `decide %lld "
			 "accept|reject RATIONALE`.", it->id);
	else if (tied)
		buf_addf(summary, " It is tied: a maintainer of the group can `escalate %lld` to the "
			 "core maintainers.", it->id);
	rc = 1;
cleanup:
	motion_handles_release(&el);
	motion_handles_release(&yes);
	motion_handles_release(&no);
	motion_handles_release(&ab);
	motion_handles_release(&none);
	motion_handles_release(&rec);
	buf_release(&tally);
	buf_release(&title);
	buf_release(&body);
	return rc;
}

/* Ballots of the current electorate as tally input. */
static int load_ballots(struct store *s, long long id, const struct motion_handles *el,
			const struct motion_handles *cands, uint16_t **prefs, size_t **off,
			size_t *nb)
{
	struct motion_handles who = { 0 }, rank = { 0 };
	size_t np = 0, cap = 16;
	int rc = motion_query_handles(s, "SELECT handle FROM ballots WHERE item_id = ?1 ORDER BY handle",
				      id, &who);
	if (rc == STORE_OK)
		rc = motion_query_handles(s, "SELECT ranking FROM ballots WHERE item_id = ?1"
					  " ORDER BY handle", id, &rank);
	*nb = 0;
	*prefs = xmalloc(cap * sizeof(**prefs));
	*off = xmalloc((who.n + 1) * sizeof(**off));
	(*off)[0] = 0;
	if (rc != STORE_OK || who.n != rank.n)
		goto cleanup;
	for (size_t i = 0; i < who.n; i++) {
		if (motion_handles_find(el, who.v[i]) < 0)
			continue; /* recused since, or not an elector */
		char *p = rank.v[i];
		/* one bit per candidate: a stored ranking is valid, but never trust it twice */
		char seen[MOTION_MAX_CANDIDATES] = { 0 };
		while (*p) {
			while (*p == ' ')
				p++;
			char *w = p;
			while (*p && *p != ' ')
				p++;
			if (p == w)
				break;
			char save = *p;
			*p = '\0';
			int c = motion_handles_find(cands, w);
			*p = save;
			if (c < 0 || c >= MOTION_MAX_CANDIDATES || seen[c])
				continue;
			seen[c] = 1;
			if (np == cap) {
				cap *= 2;
				*prefs = xrealloc(*prefs, cap * sizeof(**prefs));
			}
			(*prefs)[np++] = (uint16_t)c;
		}
		(*off)[++*nb] = np;
	}
cleanup:
	motion_handles_release(&who);
	motion_handles_release(&rank);
	return rc;
}

static int settle_election(const struct gov_ctx *g, const struct gov_item *it, long long now,
			   bool at_deadline, bool dry, struct buf *summary)
{
	struct store *s = g->store;
	struct motion_handles el = { 0 }, cands = { 0 };
	struct buf tally = BUF_INIT, title = BUF_INIT, body = BUF_INIT;
	struct tally_irv t = { .winner = -1 };
	uint16_t *prefs = NULL;
	size_t *off = NULL, nb = 0;
	char err[128];
	int rc;

	rc = motion_electorate(s, it->id, &el);
	if (rc == STORE_OK)
		rc = motion_query_handles(s, "SELECT handle FROM candidates WHERE item_id = ?1"
					  " ORDER BY pos", it->id, &cands);
	if (rc == STORE_OK)
		rc = load_ballots(s, it->id, &el, &cands, &prefs, &off, &nb);
	if (rc != STORE_OK)
		goto cleanup;
	if (nb < el.n && !at_deadline) {
		rc = 0;
		goto cleanup;
	}
	if (dry) {
		rc = 1;
		goto cleanup;
	}
	struct tally_ballots b = { prefs, off, nb, 0 };
	b.seed = tally_seed(it->id, (const char *const *)cands.v, (int)cands.n, &b);
	if (tally_irv_run((const char *const *)cands.v, (int)cands.n, &b, &t, err, sizeof(err)) < 0) {
		log_error("motion", "election %lld: %s", it->id, err);
		rc = STORE_ERR;
		goto cleanup;
	}
	bool won = t.winner >= 0;
	const char *winner = won ? cands.v[t.winner] : NULL;
	const struct roster_person *p = won ? roster_find_person(gov_roster(g), winner) : NULL;

	buf_addf(&tally, "%zu ballot%s from %zu elector%s; candidates", nb, PL(nb), el.n, PL(el.n));
	for (size_t i = 0; i < cands.n; i++)
		buf_addf(&tally, "%s @%s", i ? "," : "", cands.v[i]);
	buf_adds(&tally, ".\n");
	tally_irv_format(&t, (const char *const *)cands.v, &tally);
	bool tie = t.final_tie;
	buf_addf(&tally, "Seed for ties by lot: %016llx (FNV-1a of \"election %lld\" and the "
		 "ballots; see `process election`).\n", (unsigned long long)b.seed, it->id);
	if (won)
		buf_addf(&title, "Election %lld: @%s is the new lead core maintainer", it->id, winner);
	else if (tie)
		buf_addf(&title, "Election %lld of a lead core maintainer ended in a tie: no winner", it->id);
	else
		buf_addf(&title, "Election %lld of a lead core maintainer expired with no ballots", it->id);
	buf_addf(&body, "Election %lld of the lead core maintainer (instant-runoff vote of the core "
		 "maintainers, opened by %s%s) closed %s.\n", it->id,
		 it->opened_by_handle ? "@" : "", it->opened_by_handle ? it->opened_by_handle : it->opened_by,
		 nb == el.n ? "when every elector had cast a ballot" : "at its deadline");
	if (won)
		buf_addf(&body, "@%s is elected lead core maintainer after %zu round%s.\n", winner,
			 t.nrounds, t.nrounds == 1 ? "" : "s");
	else if (tie) {
		buf_adds(&body, "The last two candidates,");
		const struct tally_round *last = &t.rounds[t.nrounds - 1];
		int k = 0;
		for (size_t i = 0; i < cands.n; i++)
			if (last->counts[i] >= 0)
				buf_addf(&body, "%s @%s", k++ ? " and" : "", cands.v[i]);
		buf_adds(&body, ", tied, so nobody is elected (the lead is never picked by lot or by "
			 "name). A new election among them can be opened at once with "
			 "`propose elect-lead @a @b`.\n");
	} else
		buf_adds(&body, "Nobody cast a ballot, so nobody is elected; a core maintainer can open "
			 "a new election with `propose elect-lead @a @b ...`.\n");
	buf_addf(&body, "Tally: %s", buf_str(&tally));
	if (body.len && body.data[body.len - 1] == '\n')
		body.data[--body.len] = '\0';

	struct gov_event ev = { .op = "set-lead", .name = p ? p->name : winner, .handle = winner };
	struct gov_decision d = {
		.item_id = it->id,
		.state = won ? "elected" : tie ? "no-winner" : "expired",
		.rationale = it->text && *it->text ? it->text : NULL,
		.tally = buf_str(&tally),
		.title = buf_str(&title),
		.body = buf_str(&body),
		.action = "close",
		.events = won ? &ev : NULL,
		.nevents = won ? 1 : 0,
	};
	rc = gov_record_decision(g, &d, now, NULL);
	if (rc != STORE_OK)
		goto cleanup;
	if (won)
		buf_addf(summary, "That closes election %lld: @%s is elected lead core maintainer after "
			 "%zu round%s. The result is announced with every round.", it->id, winner,
			 t.nrounds, t.nrounds == 1 ? "" : "s");
	else if (tie)
		buf_addf(summary, "That closes election %lld: the last two candidates tied, so nobody "
			 "is elected; a new election among them can be opened at once.", it->id);
	else
		buf_addf(summary, "Election %lld expired with no ballots.", it->id);
	rc = 1;
cleanup:
	tally_irv_release(&t);
	free(prefs);
	free(off);
	motion_handles_release(&el);
	motion_handles_release(&cands);
	buf_release(&tally);
	buf_release(&title);
	buf_release(&body);
	return rc;
}

static int settle(const struct gov_ctx *g, const struct gov_item *it, long long now, bool at_deadline,
		  bool dry, struct buf *summary)
{
	if (strcmp(it->state, "open") != 0 || !gov_kind_is_vote(it->kind))
		return 0;
	if (strcmp(it->kind, GOV_ELECT_LEAD) == 0)
		return settle_election(g, it, now, at_deadline, dry, summary);
	return settle_motion(g, it, now, at_deadline, dry, summary);
}

int motion_settle_locked(const struct gov_ctx *g, const struct gov_item *it, long long now,
			 bool at_deadline, struct buf *summary)
{
	return settle(g, it, now, at_deadline, false, summary);
}

/* Without a transaction: 1 when item id is open and would close now. */
static int would_close(const struct gov_ctx *g, long long id, long long now)
{
	struct gov_item it;
	int rc = gov_item_get(g->store, id, &it);
	if (rc != 1)
		return rc;
	rc = settle(g, &it, now, false, true, NULL);
	gov_item_release(&it);
	return rc;
}

/* One item in its own transaction. */
static int settle_one(const struct gov_ctx *g, long long id, long long now, bool deadline_check)
{
	struct store *s = g->store;
	struct gov_item it;
	struct buf summary = BUF_INIT;
	int rc = store_begin(s), closed = 0;
	if (rc != STORE_OK)
		return rc;
	rc = gov_item_get(s, id, &it);
	if (rc == 1) {
		bool due = it.deadline > 0 && it.deadline <= now;
		if (!deadline_check || due)
			closed = motion_settle_locked(g, &it, now, deadline_check && due, &summary);
		gov_item_release(&it);
		rc = closed < 0 ? closed : STORE_OK;
	} else if (rc == 0) {
		rc = STORE_OK;
	}
	if (rc == STORE_OK)
		rc = store_commit(s);
	else
		store_rollback(s);
	buf_release(&summary);
	if (rc == STORE_OK && closed > 0) {
		gov_roster_sync(g);
		log_info("motion", "item %lld closed%s", id, deadline_check ? " at its deadline" : "");
		return 1;
	}
	return rc;
}

int motion_settle(const struct gov_ctx *g, long long id, long long now)
{
	if (!g->store)
		return GOV_FAILED;
	return settle_one(g, id, now, false) < 0 ? GOV_FAILED : GOV_OK;
}

int motion_close_expired(const struct gov_ctx *g, long long now)
{
	struct store *s = g->store;
	long long *ids = NULL, *deadlines = NULL;
	size_t n = 0;
	int closed = 0, rc;
	sqlite3_stmt *st;

	if (!s || store_in_tx(s))
		return 0;
	st = store_stmt(s, "SELECT id, coalesce(deadline, 0) FROM items WHERE state = 'open'"
			" AND kind IN ('motion-group', 'motion-core', 'remove-lead', 'elect-lead')"
			" ORDER BY id");
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ids = xrealloc(ids, (n + 1) * sizeof(*ids));
		deadlines = xrealloc(deadlines, (n + 1) * sizeof(*deadlines));
		ids[n] = sqlite3_column_int64(st, 0);
		deadlines[n++] = sqlite3_column_int64(st, 1);
	}
	rc = store_check(s, rc, "open motions");
	sqlite3_reset(st);
	for (size_t i = 0; rc == STORE_OK && i < n; i++) {
		bool due = deadlines[i] > 0 && deadlines[i] <= now;
		int r;
		/* one that is not due is settled only when it is decided already
		 * (a recusal shrank its electorate): no write lock otherwise */
		if (!due && (r = would_close(g, ids[i], now)) <= 0) {
			if (r < 0)
				rc = r;
			continue;
		}
		r = settle_one(g, ids[i], now, due);
		if (r < 0)
			rc = r;
		else
			closed += r;
	}
	free(ids);
	free(deadlines);
	return rc == STORE_OK ? closed : -1;
}

/* ---- describing ---- */

static char **take(struct motion_handles *h, size_t *n)
{
	char **v = h->v;
	*n = h->n;
	h->v = NULL;
	h->n = 0;
	return v;
}

int motion_view_get(const struct gov_ctx *g, long long id, struct motion_view *v)
{
	struct store *s = g->store;
	struct motion_handles el = { 0 }, yes = { 0 }, no = { 0 }, ab = { 0 }, none = { 0 },
		cands = { 0 }, cast = { 0 };
	int rc, out = GOV_FAILED;

	memset(v, 0, sizeof(*v));
	if (!s)
		return GOV_FAILED;
	rc = gov_item_get(s, id, &v->item);
	if (rc != 1)
		return rc == 0 ? GOV_BAD : GOV_FAILED;
	if (!gov_kind_is_vote(v->item.kind)) {
		gov_item_release(&v->item);
		return GOV_BAD;
	}
	v->election = strcmp(v->item.kind, GOV_ELECT_LEAD) == 0;
	rc = motion_electorate(s, id, &el);
	if (rc == STORE_OK && v->election)
		rc = motion_query_handles(s, "SELECT handle FROM candidates WHERE item_id = ?1"
					  " ORDER BY pos", id, &cands);
	if (rc == STORE_OK && v->election)
		rc = motion_query_handles(s, "SELECT handle FROM ballots WHERE item_id = ?1", id, &cast);
	if (rc == STORE_OK && !v->election)
		rc = load_votes(s, id, &el, &yes, &no, &ab, &none);
	if (rc != STORE_OK) {
		gov_item_release(&v->item);
		goto cleanup;
	}
	v->votes = xcalloc(el.n + 1, sizeof(*v->votes));
	for (size_t i = 0; i < el.n; i++) {
		const char *what = NULL;
		if (v->election)
			what = motion_handles_find(&cast, el.v[i]) >= 0 ? "ballot" : NULL;
		else
			what = motion_handles_find(&yes, el.v[i]) >= 0 ? "yes"
			     : motion_handles_find(&no, el.v[i]) >= 0 ? "no"
			     : motion_handles_find(&ab, el.v[i]) >= 0 ? "abstain" : NULL;
		v->votes[i] = what ? xstrdup(what) : NULL;
	}
	bool lead = strcmp(v->item.kind, GOV_REMOVE_LEAD) == 0;
	v->yes = (int)yes.n;
	v->no = (int)no.n;
	v->abstain = (int)ab.n;
	v->needed = tally_needed(lead ? TALLY_THREE_QUARTERS : TALLY_MAJORITY, (int)el.n);
	v->rule = lead ? "at least 75% of the electorate" : "more than half of the electorate";
	v->electorate_words = motion_electorate_words(&v->item);
	v->electorate = take(&el, &v->nelectorate);
	v->candidates = take(&cands, &v->ncandidates);
	out = GOV_OK;
cleanup:
	motion_handles_release(&el);
	motion_handles_release(&yes);
	motion_handles_release(&no);
	motion_handles_release(&ab);
	motion_handles_release(&none);
	motion_handles_release(&cands);
	motion_handles_release(&cast);
	return out;
}

void motion_view_release(struct motion_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nelectorate; i++) {
		free(v->electorate[i]);
		if (v->votes)
			free(v->votes[i]);
	}
	for (size_t i = 0; i < v->ncandidates; i++)
		free(v->candidates[i]);
	free(v->electorate);
	free(v->votes);
	free(v->candidates);
	gov_item_release(&v->item);
	memset(v, 0, sizeof(*v));
}
