/* test_motion.c - motions and elections in the store (chatbot/gov/motion.c,
 * motion_close.c) through the dispatcher and commands/cmd_votes.c, and
 * through `govbot ask` processes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chatbot/bot/bot.h"
#include "chatbot/bot/config.h"
#include "chatbot/dispatch/dispatch.h"
#include "chatbot/gov/motion.h"
#include "chatbot/bot/reply.h"
#include "chatbot/roster/roster.h"
#include "chatbot/gov/store.h"
#include "commands/commands.h"
#include "commands/govcmd.h"
#include "tests/testutil.h"

#define T0 1800000000LL  /* 2027-01-15: a fixed "now" */
#define DAY 86400LL

/* Lead "lead" plus core c1..c8 (9 core in all); module Widgets with five
 * active maintainers (m1, m2, c1, m3, m4) and an emeritus one. */
static const char roster_md[] =
	"# Test | Maintainers\n\n"
	"## Lead Core Maintainer (BDFL)\n\n"
	"- Lead Person ([lead](https://github.com/lead))\n\n"
	"## Core Maintainers\n\n"
	"- Lead Person ([lead](https://github.com/lead))\n"
	"- Core One ([c1](https://github.com/c1))\n"
	"- Core Two ([c2](https://github.com/c2))\n"
	"- Core Three ([c3](https://github.com/c3))\n"
	"- Core Four ([c4](https://github.com/c4))\n"
	"- Core Five ([c5](https://github.com/c5))\n"
	"- Core Six ([c6](https://github.com/c6))\n"
	"- Core Seven ([c7](https://github.com/c7))\n"
	"- Core Eight ([c8](https://github.com/c8))\n\n"
	"## Module-level maintainers\n\n"
	"### Widgets (torch.widgets)\n\n"
	"- Mod One ([m1](https://github.com/m1))\n"
	"- Mod Two ([m2](https://github.com/m2))\n"
	"- Core One ([c1](https://github.com/c1))\n"
	"- Mod Three ([m3](https://github.com/m3))\n"
	"- Mod Four ([m4](https://github.com/m4))\n"
	"- (emeritus) Old One ([e1](https://github.com/e1))\n\n"
	"### Gadget Tools\n\n"
	"- Mod One ([m1](https://github.com/m1))\n"
	"- Mod Two ([m2](https://github.com/m2))\n";

static const char *const people[] = { "lead", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8",
				      "m1", "m2", "m3", "m4", "e1" };

static char dir[256], cfg_path[300], db_path[300];
static struct govbot bot;
static struct reply *rep;
static struct buf text = BUF_INIT;

static void open_bot(long long now)
{
	tu_bot_open(&bot, cfg_path, now);
}

static void setup(void)
{
	char path[320];
	struct buf cfg = BUF_INIT;
	tu_mkdtemp(dir, sizeof(dir), "motion");
	snprintf(path, sizeof(path), "%s/roster.md", dir);
	tu_write_file(path, roster_md);
	snprintf(cfg_path, sizeof(cfg_path), "%s/govbot.json", dir);
	snprintf(db_path, sizeof(db_path), "%s/gov.sqlite3", dir);
	buf_adds(&cfg, "{ \"roster\": \"roster.md\", \"database\": \"gov.sqlite3\", \"identities\": {");
	for (size_t i = 0; i < ARRAY_SIZE(people); i++)
		buf_addf(&cfg, "%s \"%s\": [\"console:%s\"]", i ? "," : "", people[i], people[i]);
	buf_adds(&cfg, " } }\n");
	tu_write_file(cfg_path, buf_str(&cfg));
	buf_release(&cfg);
	setenv("GOVBOT_BUSY_MS", "2000", 1);
	unsetenv("GOVBOT_NOW");
	open_bot(T0);
	rep = reply_new();
}

static void teardown(void)
{
	reply_free(rep);
	bot_close(&bot);
	buf_release(&text);
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

/* Runs one line as console:WHO; the rendered reply is in `text`. */
static int ask(const char *who, const char *line)
{
	char id[64];
	snprintf(id, sizeof(id), "console:%s", who);
	struct dispatch_request req = { .text = line, .len = strlen(line), .caller_id = id,
					.require_prefix = false };
	int rc = dispatch_line(&bot, &req, rep);
	buf_reset(&text);
	reply_render(rep, DIALECT_CONSOLE, &text);
	return rc;
}

static void ask_ok(const char *who, const char *line)
{
	int rc = ask(who, line);
	ck_assert_msg(rc == CMD_OK, "%s: \"%s\" gave %d: %s", who, line, rc, buf_str(&text));
}

static void ask_is(const char *who, const char *line, int want, const char *needle)
{
	int rc = ask(who, line);
	ck_assert_msg(rc == want, "%s: \"%s\" gave %d (want %d): %s", who, line, rc, want,
		      buf_str(&text));
	ck_assert_msg(strstr(buf_str(&text), needle), "%s: \"%s\": \"%s\" lacks \"%s\"", who, line,
		      buf_str(&text), needle);
}

static long long q(const char *sql, long long a)
{
	return store_count(bot.store, sql, a);
}

static char *q_text(const char *sql, long long a)
{
	sqlite3_stmt *st = store_stmt(bot.store, sql);
	char *v = NULL;
	ck_assert_ptr_nonnull(st);
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = store_col_dup(st, 0);
	sqlite3_reset(st);
	return v;
}

static void assert_state(long long id, const char *want)
{
	char *s = q_text("SELECT state FROM items WHERE id = ?1", id);
	ck_assert_msg(s && strcmp(s, want) == 0, "item %lld is %s, want %s", id, s ? s : "(none)", want);
	free(s);
}

/* Exactly one decision and one announcement (linked to it) for item id. */
static void assert_announced(long long id)
{
	ck_assert_int_eq(q("SELECT count(*) FROM decisions WHERE item_id = ?1", id), 1);
	ck_assert_int_eq(q("SELECT count(*) FROM outbox o JOIN decisions d ON o.decision_id = d.id"
			   " WHERE d.item_id = ?1", id), 1);
	ck_assert_int_ge(q("SELECT count(*) FROM outbox_delivery od JOIN outbox o ON od.outbox_id = o.id"
			   " JOIN decisions d ON o.decision_id = d.id WHERE d.item_id = ?1", id), 1);
}

static void assert_not_closed(long long id)
{
	assert_state(id, "open");
	ck_assert_int_eq(q("SELECT count(*) FROM decisions WHERE item_id = ?1", id), 0);
}

/* Passes a motion removing the lead (6 of the 8 other core maintainers
 * vote yes), so that an election may open; returns its number.  The lead
 * stays a core maintainer, so an election's electorate is still all 9. */
static long long remove_lead(void)
{
	static const char *const yes[] = { "c1", "c2", "c3", "c4", "c5", "c6" };
	ask_is("c1", "propose remove-lead permanently unavailable", CMD_OK, "Opened motion");
	long long id = q("SELECT max(id) FROM items WHERE kind = 'remove-lead'", 0);
	char line[64];
	snprintf(line, sizeof(line), "vote %lld yes", id);
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		ask_ok(yes[i], line);
	assert_state(id, "passed");
	ck_assert_ptr_null(roster_lead(bot.roster));
	return id;
}

/* ---- majority motions ---- */

START_TEST(test_group_motion_passes_on_threshold)
{
	ask_is("m1", "propose torch.widgets adopt the widget style guide", CMD_OK, "Opened motion 1");
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "3 yes votes"));
	ck_assert_int_eq(q("SELECT count(*) FROM electorate WHERE item_id = ?1", 1), 5);
	ask_ok("m1", "vote 1 yes");
	ask_ok("m2", "vote 1 yes");
	assert_not_closed(1);
	ask_is("c1", "vote 1 yes", CMD_OK, "That closes motion 1: passed with 3 yes of 5");
	assert_state(1, "passed");
	assert_announced(1);
	char *tally = q_text("SELECT tally FROM decisions WHERE item_id = ?1", 1);
	ck_assert_ptr_nonnull(strstr(tally, "yes 3 (@m1, @m2, @c1)"));
	ck_assert_ptr_nonnull(strstr(tally, "not voted 2 (@m3, @m4)"));
	free(tally);
	/* the emeritus maintainer is not in the electorate */
	ck_assert_int_eq(q("SELECT count(*) FROM electorate WHERE item_id = ?1 AND handle = 'e1'", 1), 0);
}
END_TEST

START_TEST(test_motion_fails_when_unreachable)
{
	/* core electorate 9: 5 yes needed; after 5 no it is out of reach */
	ask_is("c2", "propose core: move the meeting to Tuesdays", CMD_OK, "majority of the 9");
	const char *no[] = { "c1", "c2", "c3", "c4" };
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		ask_ok(no[i], "vote 1 no");
	assert_not_closed(1);  /* 0 yes + 5 left = 5: still reachable */
	ask_is("c5", "vote 1 no", CMD_OK, "failed");
	assert_state(1, "failed");
	assert_announced(1);
	char *body = q_text("SELECT body FROM outbox WHERE decision_id ="
			    " (SELECT id FROM decisions WHERE item_id = ?1)", 1);
	ck_assert_ptr_nonnull(strstr(body, "can no longer be reached"));
	free(body);
}
END_TEST

START_TEST(test_motion_closes_when_everyone_voted)
{
	ask_ok("m2", "propose torch.widgets rename the widget registry");
	ask_ok("m1", "vote 1 yes");
	ask_ok("m2", "vote 1 yes");
	ask_ok("c1", "vote 1 no");
	ask_ok("m3", "vote 1 abstain");  /* 2 yes + 1 left = 3: open */
	assert_not_closed(1);
	ask_is("m4", "vote 1 abstain", CMD_OK, "failed with 2 yes of 5");  /* abstain is not yes */
	assert_state(1, "failed");
	assert_announced(1);
}
END_TEST

START_TEST(test_vote_replacement)
{
	ask_ok("c1", "propose core adopt RFC process v2");
	ask_is("c3", "vote 1 no", CMD_OK, "Your vote on motion 1 is no.");
	ask_is("c3", "vote 1 yes", CMD_OK, "Your vote on 1 changed from no to yes.");
	ask_is("c3", "vote 1 YES.", CMD_OK, "was already yes; nothing changed");
	ck_assert_int_eq(q("SELECT count(*) FROM votes WHERE item_id = ?1", 1), 1);
	char *v = q_text("SELECT vote FROM votes WHERE item_id = ?1", 1);
	ck_assert_str_eq(v, "yes");
	free(v);
	ck_assert_int_eq(q("SELECT count(*) FROM audit WHERE item_id = ?1 AND action = 'vote'", 1), 3);
}
END_TEST

START_TEST(test_vote_refusals)
{
	ask_ok("c1", "propose core adopt RFC process v3");
	/* not in the electorate (a module maintainer on a core motion) */
	ask_is("m1", "vote 1 yes", CMD_REFUSED, "not in the electorate of motion 1");
	/* community member: no role at all */
	ck_assert_int_eq(ask("stranger", "vote 1 yes"), CMD_REFUSED);
	/* no such item, bad vote words */
	ask_is("c1", "vote 99 yes", CMD_ERROR, "no item 99");
	ask_is("c1", "vote 1 maybe", CMD_ERROR, "yes, no or abstain");
	ask_is("c1", "vote yes", CMD_ERROR, "vote N yes|no|abstain");
	ask_is("c1", "ballot 1 @c1", CMD_REFUSED, "not an election");
	ck_assert_int_eq(q("SELECT count(*) FROM votes", 0), 0);
	/* close it, then vote again */
	const char *yes[] = { "lead", "c1", "c2", "c3", "c4" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		ask_ok(yes[i], "vote 1 yes");
	assert_state(1, "passed");
	ask_is("c5", "vote 1 no", CMD_REFUSED, "closed");
	ck_assert_int_eq(q("SELECT count(*) FROM votes WHERE item_id = ?1", 1), 5);
}
END_TEST

/* A module whose name is several words is found by its longest leading run. */
START_TEST(test_propose_multiword_module)
{
	ask_is("m1", "propose Gadget Tools", CMD_ERROR, "text");
	ask_is("m1", "propose Gadget Tools adopt the gadget style", CMD_OK, "Opened motion 1 for Gadget Tools");
	char *t = q_text("SELECT text FROM items WHERE id = ?1", 1);
	ck_assert_str_eq(t, "adopt the gadget style");
	free(t);
	ask_is("m2", "propose gadget tools: drop the old gizmo", CMD_OK, "Opened motion 2 for Gadget Tools");
	ask_is("m3", "propose Gadget Tools tidy up", CMD_REFUSED, "only the active maintainers of Gadget Tools");
	ck_assert_int_eq(q("SELECT count(*) FROM items", 0), 2);
}
END_TEST

START_TEST(test_propose_refusals)
{
	ask_is("m1", "propose core something", CMD_REFUSED, "only the core maintainers");
	ask_is("m1", "propose torch.widgetz tidy up", CMD_ERROR, "did you mean");
	ask_is("c2", "propose torch.widgets tidy up", CMD_REFUSED, "only the active maintainers of Widgets");
	ask_is("c1", "propose core", CMD_ERROR, "text");
	ask_is("c1", "propose remove-lead", CMD_ERROR, "rationale");
	ask_is("c1", "propose elect-lead @c1", CMD_ERROR, "at least two");
	ask_is("c1", "propose elect-lead @c1 @c2!", CMD_ERROR, "\"@c2!\" is not a GitHub handle");
	ask_is("m1", "propose elect-lead @c1 @c2", CMD_REFUSED, "only the core maintainers");
	ck_assert_int_eq(ask("stranger", "propose core anything"), CMD_REFUSED);
	{
		struct buf longer = BUF_INIT;
		buf_adds(&longer, "propose core ");
		for (int i = 0; i < 2100; i++)
			buf_addc(&longer, 'x');
		ask_is("c1", buf_str(&longer), CMD_ERROR, "limit is 2000");
		buf_release(&longer);
	}
	ck_assert_int_eq(q("SELECT count(*) FROM items", 0), 0);
	/* one remove-lead motion at a time */
	ask_ok("c1", "propose remove-lead inactive for a year");
	ask_is("c2", "propose remove-lead again", CMD_REFUSED, "already open");
	ask_is("c2", "propose elect-lead @c1 @c2", CMD_REFUSED, "still open");
	ck_assert_int_eq(q("SELECT count(*) FROM items", 0), 1);
}
END_TEST

/* A recused member leaves the electorate: the threshold is recomputed and
 * their earlier vote no longer counts. */
START_TEST(test_recusal_shrinks_electorate)
{
	ask_ok("m1", "propose torch.widgets split the widget module");
	ask_ok("m4", "vote 1 no");
	ck_assert_int_eq(store_execf(bot.store, "INSERT INTO recusals(item_id, handle, reason, at)"
				     " VALUES (1, 'm3', 'conflict', 0)", 0), STORE_OK);
	ck_assert_int_eq(store_execf(bot.store, "INSERT INTO recusals(item_id, handle, reason, at)"
				     " VALUES (1, 'M4', 'conflict', 0)", 0), STORE_OK);
	ck_assert_int_eq(motion_settle(bot_gov(&bot), 1, T0), GOV_OK);
	assert_not_closed(1);
	ask_is("m3", "vote 1 yes", CMD_REFUSED, "recused");
	ask_ok("m1", "vote 1 yes");
	/* electorate now 3 (m1, m2, c1): 2 yes is a majority */
	ask_is("m2", "vote 1 yes", CMD_OK, "passed with 2 yes of 3 electors (2 needed)");
	assert_state(1, "passed");
	char *tally = q_text("SELECT tally FROM decisions WHERE item_id = ?1", 1);
	ck_assert_ptr_nonnull(strstr(tally, "no 0"));  /* m4's no does not count */
	ck_assert_ptr_nonnull(strstr(tally, "recused 2"));
	free(tally);
}
END_TEST

/* A recusal can settle a motion: 2 yes of 5 is not enough, of 3 it is. */
START_TEST(test_recusal_settles)
{
	ask_ok("m1", "propose torch.widgets freeze the API");
	ask_ok("m1", "vote 1 yes");
	ask_ok("m2", "vote 1 yes");
	assert_not_closed(1);
	store_execf(bot.store, "INSERT INTO recusals(item_id, handle, reason, at) VALUES (1, 'm3', '', 0)", 0);
	store_execf(bot.store, "INSERT INTO recusals(item_id, handle, reason, at) VALUES (1, 'm4', '', 0)", 0);
	ck_assert_int_eq(motion_settle(bot_gov(&bot), 1, T0), GOV_OK);
	assert_state(1, "passed");
	assert_announced(1);
}
END_TEST

/* The periodic sweep settles a motion a recusal decided, and leaves the
 * undecided ones alone. */
START_TEST(test_sweep_settles_after_recusal)
{
	ask_ok("m1", "propose torch.widgets freeze the API");
	ask_ok("c1", "propose core adopt RFC process v4");
	ask_ok("m1", "vote 1 yes");
	ask_ok("m2", "vote 1 yes");
	ck_assert_int_eq(motion_close_expired(bot_gov(&bot), T0), 0);
	assert_not_closed(1);
	ask_ok("m3", "recuse 1 works on the competing design");
	ask_ok("m4", "recuse 1 same team");
	/* the recuse command or, at the latest, the next sweep closes it */
	ck_assert_int_ge(motion_close_expired(bot_gov(&bot), T0), 0);
	assert_state(1, "passed");
	assert_announced(1);
	assert_not_closed(2);
	ck_assert_int_eq(motion_close_expired(bot_gov(&bot), T0), 0);
}
END_TEST

/* ---- removing the lead: 75% of the 8 core maintainers other than the lead ---- */

START_TEST(test_remove_lead_needs_six_of_eight)
{
	ask_is("c1", "propose remove-lead has not been active for two years", CMD_OK, "(6 yes votes)");
	ck_assert_int_eq(q("SELECT count(*) FROM electorate WHERE item_id = ?1", 1), 8);
	ask_is("lead", "vote 1 no", CMD_REFUSED, "as the lead, you do not vote on motion 1");
	const char *yes[] = { "c1", "c2", "c3", "c4", "c5" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		ask_ok(yes[i], "vote 1 yes");
	assert_not_closed(1);  /* 5 of 8 is not 75% */
	ck_assert_ptr_nonnull(roster_lead(bot.roster));
	ask_is("c6", "vote 1 yes", CMD_OK, "passed with 6 yes of 8 electors (6 needed)");
	assert_state(1, "passed");
	assert_announced(1);
	ck_assert_ptr_null(roster_lead(bot.roster));
	ck_assert(roster_is_core(bot.roster, "lead"));  /* still a core maintainer */
	char *body = q_text("SELECT body FROM outbox WHERE decision_id ="
			    " (SELECT id FROM decisions WHERE item_id = ?1)", 1);
	ck_assert_ptr_nonnull(strstr(body, "@lead is no longer the lead core maintainer"));
	ck_assert_ptr_nonnull(strstr(body, "propose elect-lead"));
	free(body);
	ask_is("c1", "lead", CMD_OK, "");
	ck_assert_ptr_null(strstr(buf_str(&text), "Lead Person"));
	/* the removal survives a restart (roster event) */
	bot_close(&bot);
	open_bot(T0);
	ck_assert_ptr_null(roster_lead(bot.roster));
}
END_TEST

START_TEST(test_remove_lead_unreachable)
{
	ask_ok("c1", "propose remove-lead disagreement on direction");
	ask_ok("c1", "vote 1 yes");
	ask_ok("c2", "vote 1 no");
	ask_ok("c3", "vote 1 no");
	assert_not_closed(1);  /* 1 yes + 5 left = 6 */
	ask_is("c4", "vote 1 abstain", CMD_OK, "failed");
	ck_assert_ptr_nonnull(roster_lead(bot.roster));
	ck_assert_str_eq(roster_lead(bot.roster)->handle, "lead");
}
END_TEST

/* ---- elections ---- */

START_TEST(test_election_closes_when_all_cast)
{
	ck_assert_int_eq(remove_lead(), 1);
	ask_is("c1", "propose elect-lead @c1 @c2 @C3", CMD_OK, "Opened election 2");
	/* the example ballot names the real candidates, not @a > @b */
	ck_assert_msg(strstr(buf_str(&text), "`ballot 2 @c1 > @c2 > @c3`"), "%s", buf_str(&text));
	ck_assert_int_eq(q("SELECT count(*) FROM electorate WHERE item_id = ?1", 2), 9);
	ck_assert_int_eq(q("SELECT count(*) FROM candidates WHERE item_id = ?1", 2), 3);
	ask_is("c1", "vote 2 yes", CMD_REFUSED, "is an election");
	/* bad ballots change nothing */
	ask_is("c1", "ballot 2 @c1 > @m1", CMD_ERROR, "@m1 is not a candidate");
	ask_is("c1", "ballot 2 @c1 > @c2 > @c1", CMD_ERROR, "ranked twice");
	ask_is("c1", "ballot 2", CMD_ERROR, "rank at least one");
	ask_is("m1", "ballot 2 @c1", CMD_REFUSED, "");
	ck_assert_int_eq(q("SELECT count(*) FROM ballots", 0), 0);

	/* r1: c1 4, c2 3, c3 2 -> c3 out, to c2; r2: c2 5 of 9 wins */
	ask_is("c1", "ballot 2 @c1", CMD_OK, "Your ballot in election 2 is @c1.");
	ask_ok("c4", "ballot 2 c1");
	ask_ok("c5", "ballot 2 @c1");
	ask_ok("lead", "ballot 2 @c1 > @c2");
	ask_ok("c2", "ballot 2 @c2 > @c3");
	ask_ok("c6", "ballot 2 @c2");
	ask_ok("c7", "ballot 2 @c2,@c1");
	ask_ok("c8", "ballot 2 @c3");
	ask_is("c8", "ballot 2 @c3 > @c2", CMD_OK, "replaces your earlier one and is @c3 > @c2");
	assert_not_closed(2);
	ask_is("c3", "ballot 2 @C3 @c2", CMD_OK, "@c2 is elected lead core maintainer after 2 rounds");
	assert_state(2, "elected");
	assert_announced(2);
	char *tally = q_text("SELECT tally FROM decisions WHERE item_id = ?1", 2);
	ck_assert_ptr_nonnull(strstr(tally, "round 1: @c1 4, @c2 3, @c3 2 (9 continuing, 0 exhausted); "
				     "@c3 eliminated (fewest votes)"));
	ck_assert_ptr_nonnull(strstr(tally, "round 2: @c2 5, @c1 4"));
	free(tally);
	char *body = q_text("SELECT body FROM outbox WHERE decision_id ="
			    " (SELECT id FROM decisions WHERE item_id = ?1)", 2);
	ck_assert_ptr_nonnull(strstr(body, "round 2:"));
	free(body);
	ck_assert_str_eq(roster_lead(bot.roster)->handle, "c2");
	ask_is("m1", "lead", CMD_OK, "c2");
	ask_is("c1", "ballot 2 @c1", CMD_REFUSED, "closed");
}
END_TEST

/* While a lead is in office no election opens, whoever asks: the lead
 * leaves only by the 75% removal, never by a majority in a runoff. */
START_TEST(test_elect_lead_refused_while_lead_in_office)
{
	long long audit = q("SELECT count(*) FROM audit", 0);
	ask_is("c1", "propose elect-lead @c1 @c2", CMD_REFUSED,
	       "@lead is the lead core maintainer; a new lead is elected only once the office is vacant: "
	       "the lead steps down (`step-down lead`) or is removed");
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "propose remove-lead RATIONALE"));
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "75%"));
	ask_is("lead", "propose elect-lead @lead @c1", CMD_REFUSED, "the lead steps down (`step-down lead`) or is removed");
	ask_is("c2", "propose elect-lead @c2 @c3 @c4", CMD_REFUSED, "the lead steps down (`step-down lead`) or is removed");
	ck_assert_int_eq(q("SELECT count(*) FROM items", 0), 0);
	ck_assert_int_eq(q("SELECT count(*) FROM electorate", 0), 0);
	ck_assert_int_eq(q("SELECT count(*) FROM candidates", 0), 0);
	ck_assert_int_eq(q("SELECT count(*) FROM audit", 0), audit);
	ck_assert_str_eq(roster_lead(bot.roster)->handle, "lead");
	/* the lead cannot step down from core either: the removal is the way */
	ask_is("lead", "step-down core", CMD_REFUSED, "propose remove-lead RATIONALE");
	ck_assert_ptr_null(strstr(buf_str(&text), "elect-lead"));

	/* nor while a removal is still being voted on, nor after it failed */
	ask_ok("c1", "propose remove-lead disagreement on direction");
	ask_is("c2", "propose elect-lead @c1 @c2", CMD_REFUSED,
	       "motion 1 to remove the lead is still open (`vote 1 yes|no|abstain`)");
	ask_ok("c1", "vote 1 yes");
	ask_ok("c2", "vote 1 no");
	ask_ok("c3", "vote 1 no");
	ask_ok("c4", "vote 1 no");  /* 1 yes + 4 left = 5 < 6 */
	assert_state(1, "failed");
	ask_is("c2", "propose elect-lead @c1 @c2", CMD_REFUSED, "@lead is the lead core maintainer");
	ck_assert_int_eq(q("SELECT count(*) FROM items", 0), 1);

	/* once removed, an election opens, and bad candidates are still caught */
	ck_assert_int_eq(remove_lead(), 2);
	ask_is("c1", "propose elect-lead @c1 @m1", CMD_ERROR, "@m1 is not an active core maintainer");
	ask_is("c1", "propose elect-lead @c1 @C1", CMD_ERROR, "named twice");
	ck_assert_int_eq(q("SELECT count(*) FROM items", 0), 2);
	ask_is("c1", "propose elect-lead @c1 @c2", CMD_OK, "Opened election 3");
}
END_TEST

/* The lead removed, then a new one elected; both survive a restart. */
START_TEST(test_remove_then_elect)
{
	ck_assert_int_eq(remove_lead(), 1);
	ask_ok("c2", "propose elect-lead @c4 @c5");
	const char *all[] = { "lead", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8" };
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		ask_ok(all[i], i < 5 ? "ballot 2 @c5 > @c4" : "ballot 2 @c4");
	assert_state(2, "elected");
	ck_assert_str_eq(roster_lead(bot.roster)->handle, "c5");
	bot_close(&bot);
	open_bot(T0);
	ck_assert_str_eq(roster_lead(bot.roster)->handle, "c5");
}
END_TEST

/* ---- deadlines ---- */

START_TEST(test_deadline_across_restart)
{
	ask_ok("c1", "propose core adopt the new CI policy");
	ask_ok("c1", "vote 1 yes");
	ck_assert_int_eq(remove_lead(), 2);
	ask_ok("c2", "propose elect-lead @c1 @c2");
	ask_ok("c1", "ballot 3 @c2 > @c1");
	ask_is("c3", "propose elect-lead @c3 @c4", CMD_REFUSED, "already open");
	ck_assert_int_eq(q("SELECT count(*) FROM items", 0), 3);
	ck_assert_int_eq(q("SELECT deadline FROM items WHERE id = ?1", 1), T0 + 14 * DAY);
	/* nothing is due yet */
	ck_assert_int_eq(motion_close_expired(bot_gov(&bot), T0 + 14 * DAY - 1), 0);
	assert_not_closed(1);

	bot_close(&bot);
	open_bot(T0 + 15 * DAY);
	ck_assert_int_eq(motion_close_expired(bot_gov(&bot), bot_now(&bot)), 2);
	assert_state(1, "expired");
	assert_announced(1);
	assert_state(3, "elected");  /* by the one ballot cast */
	assert_announced(3);
	ck_assert_str_eq(roster_lead(bot.roster)->handle, "c2");
	/* closing again does nothing, and votes are refused */
	ck_assert_int_eq(motion_close_expired(bot_gov(&bot), bot_now(&bot)), 0);
	ask_is("c2", "vote 1 yes", CMD_REFUSED, "closed (expired)");
	/* the removal's result too, and each opening once */
	ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE decision_id IS NOT NULL", 0), 3);
	ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE notice_key LIKE 'open:%'", 0), 3);
}
END_TEST

START_TEST(test_deadline_closes_on_vote)
{
	ask_ok("m1", "propose torch.widgets drop python 3.8");
	bot.now_override = T0 + 20 * DAY;
	ask_is("m2", "vote 1 yes", CMD_REFUSED, "closed (expired)");
	assert_announced(1);
	/* an election with no ballots expires and elects nobody */
	ck_assert_int_eq(remove_lead(), 2);
	ask_ok("c1", "propose elect-lead @c1 @c2");
	bot.now_override = T0 + 40 * DAY;
	ck_assert_int_eq(motion_close_expired(bot_gov(&bot), bot_now(&bot)), 1);
	assert_state(3, "expired");
	ck_assert_ptr_null(roster_lead(bot.roster));  /* the office stays empty */
	/* the removal only: the lead role goes, the person stays a core maintainer */
	ck_assert_int_eq(q("SELECT count(*) FROM roster_events", 0), 2);
	ck_assert_int_eq(q("SELECT count(*) FROM roster_events WHERE op = 'add-core'", 0), 1);
}
END_TEST

START_TEST(test_describe)
{
	ask_ok("m1", "propose torch.widgets adopt the widget style guide");
	ask_ok("m2", "vote 1 no");
	reply_reset(rep);
	ck_assert_int_eq(govcmd_describe_motion(bot_gov(&bot), 1, rep), GOV_OK);
	buf_reset(&text);
	reply_render(rep, DIALECT_CONSOLE, &text);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "Electorate (5, "));
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "@m2: no"));
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "@m1: not voted"));
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "3 yes votes needed"));
	ck_assert_int_eq(govcmd_describe_motion(bot_gov(&bot), 99, rep), GOV_BAD);
}
END_TEST

/* ---- through `govbot ask` processes ---- */

static const char *govbot_path(void)
{
	const char *g = getenv("GOVBOT");
	return g && *g ? g : "build/govbot";
}

/* Runs govbot with args and GOVBOT_NOW=now (at most 20 s); asserts it
 * exited by itself and returns its exit code, stdout in `text`. */
static int run_govbot(long long now, const char *const *args, const char *input)
{
	char nowenv[48];
	snprintf(nowenv, sizeof(nowenv), "GOVBOT_NOW=%lld", now);
	const char *env[] = { nowenv, NULL };
	struct tu_proc p;
	tu_run(govbot_path(), NULL, args, input, input ? strlen(input) : 0, env, 0, 20000, &p);
	buf_reset(&text);
	buf_add(&text, p.out.data, p.out.len);
	int status = p.status;
	tu_proc_release(&p);
	ck_assert_msg(status < 128, "govbot ended by signal %d", status - 128);
	return status;
}

/* Runs govbot ask --config cfg --as console:WHO LINE with GOVBOT_NOW=now;
 * returns the exit code, stdout in `text`. */
static int run_ask(long long now, const char *who, const char *line)
{
	char as[64];
	snprintf(as, sizeof(as), "console:%s", who);
	const char *args[] = { "ask", "--config", cfg_path, "--as", as, line, NULL };
	return run_govbot(now, args, NULL);
}

START_TEST(test_process_vote_flow)
{
	bot_close(&bot);  /* the processes own the database now */
	ck_assert_int_eq(run_ask(T0, "c1", "propose core adopt the RFC process"), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "Opened motion 1"));
	ck_assert_int_eq(run_ask(T0, "c1", "vote 1 no"), 0);
	ck_assert_int_eq(run_ask(T0, "c1", "vote 1 yes"), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "changed from no to yes"));
	ck_assert_int_eq(run_ask(T0, "m1", "vote 1 yes"), 1);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "not in the electorate"));
	const char *yes[] = { "c2", "c3", "c4" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		ck_assert_int_eq(run_ask(T0, yes[i], "vote 1 yes"), 0);
	ck_assert_int_eq(run_ask(T0, "c5", "vote 1 yes"), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "passed with 5 yes of 9"));
	ck_assert_int_eq(run_ask(T0, "c6", "vote 1 yes"), 1);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "closed"));
	open_bot(T0);
	assert_announced(1);
}
END_TEST

START_TEST(test_process_deadline_restart)
{
	bot_close(&bot);
	ck_assert_int_eq(run_ask(T0, "m1", "propose torch.widgets adopt typed widgets"), 0);
	ck_assert_int_eq(run_ask(T0, "m1", "vote 1 yes"), 0);
	ck_assert_int_eq(run_ask(T0 + 13 * DAY, "m2", "vote 1 yes"), 0);
	/* a later process, past the deadline: the motion has expired */
	ck_assert_int_eq(run_ask(T0 + 15 * DAY, "c1", "vote 1 yes"), 1);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "closed (expired)"));
	open_bot(T0 + 15 * DAY);
	assert_state(1, "expired");
	assert_announced(1);
	char *tally = q_text("SELECT tally FROM decisions WHERE item_id = ?1", 1);
	ck_assert_ptr_nonnull(strstr(tally, "yes 2 (@m1, @m2)"));
	free(tally);
}
END_TEST

/* Nine electors vote at once from nine processes: the motion closes once,
 * with one decision and one announcement, and every accepted vote counts. */
START_TEST(test_process_concurrent_votes)
{
	const char *all[] = { "lead", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8" };
	pid_t pids[ARRAY_SIZE(all)];
	char as[ARRAY_SIZE(all)][64], nowbuf[32];
	int ok = 0;
	bot_close(&bot);
	ck_assert_int_eq(run_ask(T0, "c1", "propose core adopt the release calendar"), 0);
	snprintf(nowbuf, sizeof(nowbuf), "%lld", T0);
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		snprintf(as[i], sizeof(as[i]), "console:%s", all[i]);
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			dup2(null, 2);
			setenv("GOVBOT_NOW", nowbuf, 1);
			alarm(30);
			execl(govbot_path(), "govbot", "ask", "--config", cfg_path, "--as", as[i],
			      "vote 1 yes", (char *)NULL);
			_exit(127);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		int st;
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		ck_assert(WIFEXITED(st));
		ck_assert_int_le(WEXITSTATUS(st), 1);
		ok += WEXITSTATUS(st) == 0;
	}
	open_bot(T0);
	assert_state(1, "passed");
	assert_announced(1);
	/* it closed at the fifth yes; later voters were refused, none lost */
	ck_assert_int_eq(ok, 5);
	ck_assert_int_eq(q("SELECT count(*) FROM votes WHERE item_id = ?1", 1), 5);
}
END_TEST

/* `govbot run` on the console with GOVBOT_NOW=now and input on stdin;
 * returns the exit code, stdout in `text`. */
static int run_console(long long now, const char *input)
{
	const char *args[] = { "run", "--config", cfg_path, NULL };
	return run_govbot(now, args, input);
}

/* The running bot closes a motion past its deadline and prints the
 * announcement once; a second run does not print it again. */
START_TEST(test_process_run_announces_expired)
{
	bot_close(&bot);
	ck_assert_int_eq(run_ask(T0, "c1", "propose core adopt the security policy"), 0);
	ck_assert_int_eq(run_console(T0 + 15 * DAY, "lead\n"), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "[announcement] Motion 1 expired: adopt the security policy"));
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "not voted 9"));
	ck_assert_int_eq(run_console(T0 + 16 * DAY, "lead\n"), 0);
	ck_assert_ptr_null(strstr(buf_str(&text), "[announcement]"));
}
END_TEST

/* Recusals through the real command: the motion is settled by the next
 * process at the latest. */
START_TEST(test_process_recusal)
{
	bot_close(&bot);
	ck_assert_int_eq(run_ask(T0, "m1", "propose torch.widgets retire the old widget API"), 0);
	ck_assert_int_eq(run_ask(T0, "m1", "vote 1 yes"), 0);
	ck_assert_int_eq(run_ask(T0, "m2", "vote 1 yes"), 0);
	ck_assert_int_eq(run_ask(T0, "m3", "recuse 1 I wrote the old API"), 0);
	ck_assert_int_eq(run_ask(T0, "m4", "recuse 1 same team"), 0);
	ck_assert_int_eq(run_ask(T0, "c1", "vote 1 no"), 1);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "closed (passed)"));
	open_bot(T0);
	assert_announced(1);
}
END_TEST

START_TEST(test_process_election)
{
	bot_close(&bot);
	/* refused while the lead is in office: exit 1, nothing stored */
	ck_assert_int_eq(run_ask(T0, "c1", "propose elect-lead @c1 @c2"), 1);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "@lead is the lead core maintainer"));
	/* removed by one process's motion and six others' votes ... */
	ck_assert_int_eq(run_ask(T0, "c1", "propose remove-lead permanently unavailable"), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "Opened motion 1"));
	const char *yes[] = { "c1", "c2", "c3", "c4", "c5", "c6" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		ck_assert_int_eq(run_ask(T0, yes[i], "vote 1 yes"), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "@lead is no longer the lead"));
	/* ... so a later process opens the election */
	ck_assert_int_eq(run_ask(T0, "c1", "propose elect-lead @c1 @c2"), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "Opened election 2"));
	const char *all[] = { "lead", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8" };
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		ck_assert_int_eq(run_ask(T0, all[i], i < 4 ? "ballot 2 @c2 > @c1" : "ballot 2 @c1"), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "@c1 is elected lead core maintainer after 1 round"));
	ck_assert_int_eq(run_ask(T0, "m1", "lead"), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&text), "c1"));
	ck_assert_ptr_null(strstr(buf_str(&text), "Lead Person"));
	open_bot(T0);
	assert_announced(1);
	assert_announced(2);
}
END_TEST

static Suite *motion_suite(void)
{
	Suite *s = suite_create("motion");
	TCase *tc = tcase_create("motions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_group_motion_passes_on_threshold);
	tcase_add_test(tc, test_motion_fails_when_unreachable);
	tcase_add_test(tc, test_motion_closes_when_everyone_voted);
	tcase_add_test(tc, test_vote_replacement);
	tcase_add_test(tc, test_vote_refusals);
	tcase_add_test(tc, test_propose_refusals);
	tcase_add_test(tc, test_propose_multiword_module);
	tcase_add_test(tc, test_recusal_shrinks_electorate);
	tcase_add_test(tc, test_recusal_settles);
	tcase_add_test(tc, test_sweep_settles_after_recusal);
	tcase_add_test(tc, test_remove_lead_needs_six_of_eight);
	tcase_add_test(tc, test_remove_lead_unreachable);
	tcase_add_test(tc, test_describe);
	suite_add_tcase(s, tc);

	tc = tcase_create("elections");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_elect_lead_refused_while_lead_in_office);
	tcase_add_test(tc, test_election_closes_when_all_cast);
	tcase_add_test(tc, test_remove_then_elect);
	suite_add_tcase(s, tc);

	tc = tcase_create("deadlines");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_deadline_across_restart);
	tcase_add_test(tc, test_deadline_closes_on_vote);
	suite_add_tcase(s, tc);

	tc = tcase_create("processes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_process_vote_flow);
	tcase_add_test(tc, test_process_deadline_restart);
	tcase_add_test(tc, test_process_election);
	tcase_add_test(tc, test_process_recusal);
	tcase_add_test(tc, test_process_run_announces_expired);
	tcase_add_test(tc, test_process_concurrent_votes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(motion_suite());
}
