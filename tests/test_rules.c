/* test_rules.c - the governance rules of the mechanics page (seed 001)
 * through the govbot binary: each step is `govbot ask --as ID TEXT` (or
 * `run` for deliveries) on one real database file, with GOVBOT_NOW fixing
 * the clock.  Who nominates core maintainers, the nominator's conflict,
 * naming another maintainer as conflicted, emeritus core, the lead's
 * step-down and removal, election ties, tied core motions settled by the
 * lead, escalation and overrule, withdrawal, the decisions filter, and the
 * notices (openings, reminders, the agenda digest) delivered exactly once. */
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/gov/notice.h"
#include "chatbot/util/util.h"
#include "tests/testutil.h"

#define TIMEOUT_MS 20000
#define T0 1800000000LL    /* 2027-01-15 08:00 UTC, a Friday */
#define DAY 86400LL

static char govbot[PATH_MAX];
static char dir[64], cfg[128], dbpath[128];
static struct buf out = BUF_INIT;
static long long now_s = T0;

/* Lead "lead" plus core c1..c4; Widgets (m1, m2, c1) and Gadgets (m3). */
static const char roster_md[] =
	"# Test | Maintainers\n\n"
	"## Lead Core Maintainer (BDFL)\n\n"
	"- Lead Person ([lead](https://github.com/lead))\n\n"
	"## Core Maintainers\n\n"
	"- Lead Person ([lead](https://github.com/lead))\n"
	"- Core One ([c1](https://github.com/c1))\n"
	"- Core Two ([c2](https://github.com/c2))\n"
	"- Core Three ([c3](https://github.com/c3))\n"
	"- Core Four ([c4](https://github.com/c4))\n\n"
	"## Module-level maintainers\n\n"
	"### Widgets (torch.widgets)\n\n"
	"- Mod One ([m1](https://github.com/m1))\n"
	"- Mod Two ([m2](https://github.com/m2))\n"
	"- Core One ([c1](https://github.com/c1))\n\n"
	"### Gadgets (torch.gadgets)\n\n"
	"- Mod Three ([m3](https://github.com/m3))\n";

static const char *const people[] = { "lead", "c1", "c2", "c3", "c4", "m1", "m2", "m3" };

static void write_config(const char *extra)
{
	char path[160];
	struct buf c = BUF_INIT;
	snprintf(path, sizeof(path), "%s/roster.md", dir);
	tu_write_file(path, roster_md);
	buf_adds(&c, "{ \"roster\": \"roster.md\", \"database\": \"gov.sqlite3\", \"identities\": {");
	for (size_t i = 0; i < ARRAY_SIZE(people); i++)
		buf_addf(&c, "%s \"%s\": [\"console:%s\"]", i ? "," : "", people[i], people[i]);
	buf_addf(&c, " }%s }\n", extra ? extra : "");
	tu_write_file(cfg, buf_str(&c));
	buf_release(&c);
}

static void setup(void)
{
	tu_mkdtemp(dir, sizeof(dir), "rules");
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/gov.sqlite3", dir);
	write_config(NULL);
	now_s = T0;
}

static void teardown(void)
{
	buf_release(&out);
	ck_assert_int_eq(tu_rmrf(dir), 0);
}

/* Runs govbot with args at now_s; stdout (and stderr) into `out`; the exit code. */
static int govbot_run(const char *const *args, const char *input)
{
	char now[48];
	snprintf(now, sizeof(now), "GOVBOT_NOW=%lld", now_s);
	const char *env[] = { "GOVBOT_CONFIG", now, "GOVBOT_BUSY_MS=2000", NULL };
	struct tu_proc p;
	tu_run(govbot, dir, args, input, input ? strlen(input) : 0, env, 0, TIMEOUT_MS, &p);
	buf_reset(&out);
	buf_adds(&out, buf_str(&p.out));
	buf_adds(&out, buf_str(&p.err));
	int rc = p.status;
	tu_proc_release(&p);
	return rc;
}

/* `govbot ask --as console:WHO LINE`; 0 when answered, 1 when refused or wrong. */
static int ask(const char *who, const char *line)
{
	char as[64];
	snprintf(as, sizeof(as), "console:%s", who);
	const char *args[] = { "ask", "--config", cfg, "--as", as, line, NULL };
	return govbot_run(args, NULL);
}

/* `govbot run` with one line on stdin: the adapters' deliveries are in `out`. */
static void run_once(void)
{
	const char *args[] = { "run", "--config", cfg, NULL };
	ck_assert_int_eq(govbot_run(args, "lead\n"), 0);
}

#define has(s) ck_assert_msg(strstr(buf_str(&out), (s)) != NULL, "missing '%s' in:\n%s", (s), buf_str(&out))
#define lacks(s) ck_assert_msg(strstr(buf_str(&out), (s)) == NULL, "unexpected '%s' in:\n%s", (s), buf_str(&out))
#define ok(who, line) ck_assert_msg(ask((who), (line)) == 0, "%s: %s -> %s", (who), (line), buf_str(&out))
#define no(who, line, says) do { ck_assert_msg(ask((who), (line)) == 1, "%s: %s -> %s", (who), (line), \
	buf_str(&out)); has(says); } while (0)

/* One number from the database file (its own connection). */
static long long q(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const char fields[] = " contributions: 40 PRs interactions: kind support: the group agrees";

static void nominate(const char *who, const char *whom, const char *grp)
{
	char line[256];
	snprintf(line, sizeof(line), "nominate @%s for %s%s", whom, grp, fields);
	ok(who, line);
}

/* ---- who nominates ------------------------------------------------------- */

START_TEST(test_core_nominations_by_maintainers_only)
{
	char line[256];
	snprintf(line, sizeof(line), "nominate @newbie for core%s", fields);
	no("carol", line, "only core or module maintainers nominate someone for core");
	ck_assert_int_eq(q("SELECT count(*) FROM items"), 0);
	/* a module maintainer may; anyone may nominate for a module or a removal */
	nominate("m3", "newbie", "core");
	has("Opened nomination 1");
	nominate("carol", "other", "torch.widgets");
	ok("carol", "nominate-removal @m2 from torch.widgets inactive for two years");
	ck_assert_int_eq(q("SELECT count(*) FROM items"), 3);
	ok("carol", "help nominate");
	has("only core or module maintainers for core");
}
END_TEST

/* ---- conflicts ----------------------------------------------------------- */

START_TEST(test_nominator_does_not_decide)
{
	nominate("c1", "newbie", "torch.widgets");
	no("c1", "decide 1 accept good work", "the nominator does not decide their own nominee");
	ck_assert_int_eq(q("SELECT count(*) FROM decisions"), 0);
	ok("c2", "decide 1 accept good work");
	/* the lead nominating for core is conflicted too */
	nominate("lead", "other", "core");
	no("lead", "decide 2 accept fine", "the nominator does not decide");
	has("propose core");
}
END_TEST

START_TEST(test_recuse_another_maintainer)
{
	nominate("m1", "newbie", "torch.widgets");
	no("m1", "recuse 1 @c2 same team", "only a core maintainer names another maintainer");
	no("c1", "recuse 1 @c2", "needs the reason");
	no("c1", "recuse 1 @carol friends", "not an active maintainer");
	ck_assert_int_eq(q("SELECT count(*) FROM recusals"), 0);
	ok("c1", "recuse 1 @c2 works in the nominee's team");
	has("@c2 is recused from nomination 1");
	ck_assert_int_eq(q("SELECT count(*) FROM audit WHERE action = 'recuse' AND actor_handle = 'c1'"
			   " AND detail LIKE 'names as conflicted @c2%'"), 1);
	no("c2", "decide 1 accept good", "recused");
	ok("c3", "decide 1 accept good");
	/* on a motion: the named elector's vote no longer counts */
	ok("c1", "propose core adopt the style guide");
	ok("c1", "recuse 2 @c3 wrote the guide");
	no("c3", "vote 2 yes", "recused");
}
END_TEST

/* ---- emeritus core, the lead's office ------------------------------------ */

START_TEST(test_removed_core_is_emeritus)
{
	ok("carol", "nominate-removal @c4 from core inactive for a year");
	ok("lead", "decide 1 accept confirmed with c4");
	ok("carol", "core");
	has("Core Four (@c4) (emeritus)");
	const char *args[] = { "export-roster", "--config", cfg, NULL };
	ck_assert_int_eq(govbot_run(args, NULL), 0);
	has("- (emeritus) Core Four ([c4](https://github.com/c4))");
	/* an emeritus core maintainer no longer decides */
	nominate("m1", "newbie", "torch.widgets");
	no("c4", "decide 2 accept fine", "not an active core maintainer");
}
END_TEST

START_TEST(test_lead_steps_down)
{
	no("c1", "propose elect-lead @c1 @c2", "a new lead is elected only once the office is vacant: "
	   "the lead steps down (`step-down lead`) or is removed");
	no("c1", "step-down lead", "only the lead core maintainer steps down from the lead role");
	ok("lead", "step-down lead moving to advisory work");
	has("stay a core maintainer");
	ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE title = 'The lead core maintainer @lead steps down'"
			   " AND body LIKE '%office is vacant%'"), 1);
	ok("carol", "core");
	has("Lead Person (@lead)");
	lacks("lead core maintainer (BDFL)");
	/* the vacancy opens the election; the former lead votes as a core maintainer */
	ok("c1", "propose elect-lead @c1 @c2");
	has("Opened election 2");
	ck_assert_int_eq(q("SELECT count(*) FROM electorate WHERE item_id = 2 AND handle = 'lead'"), 1);
	ok("carol", "decisions");
	has("stepped down on #1 (step-down of @lead as the lead core maintainer)");
	lacks("from the core maintainers");   /* they stay core: only the office was left */
	ok("carol", "show 1");
	has("reason: moving to advisory work");
	lacks("contributions");
}
END_TEST

START_TEST(test_removed_lead_stays_core)
{
	ok("c1", "propose remove-lead permanently unavailable");
	const char *voters[] = { "c1", "c2", "c3" };
	for (size_t i = 0; i < ARRAY_SIZE(voters); i++)
		ok(voters[i], "vote 1 yes");
	has("stays a core maintainer");
	ok("carol", "core");
	has("Lead Person (@lead)");
	ok("carol", "lead");
	lacks("Lead Person");
}
END_TEST

/* ---- elections ----------------------------------------------------------- */

START_TEST(test_election_tie_has_no_winner)
{
	ok("lead", "step-down lead");
	ok("c1", "propose elect-lead @c1 @c2");
	ok("c1", "ballot 2 @c1");
	ok("c3", "ballot 2 @c1 > @c2");
	ok("c2", "ballot 2 @c2");
	ok("c4", "ballot 2 @c2 > @c1");
	/* lead never casts one: at the deadline the last two are tied */
	now_s = T0 + 15 * DAY;
	ok("carol", "show 2");
	has("no-winner");
	ok("carol", "lead");
	lacks("Core One");
	lacks("Core Two");
	ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE title LIKE 'Election 2 %ended in a tie: no winner'"
			   " AND body LIKE '%Seed for ties by lot: %'"), 1);
	/* a new election among them opens at once */
	ok("c1", "propose elect-lead @c1 @c2");
	has("Opened election 3");
}
END_TEST

START_TEST(test_election_tie_for_elimination_by_lot)
{
	ok("lead", "step-down lead");
	ok("c1", "propose elect-lead @c1 @c2 @c3");
	ok("lead", "ballot 2 @c1");
	ok("c1", "ballot 2 @c1");
	ok("c2", "ballot 2 @c2 > @c1");
	ok("c3", "ballot 2 @c3 > @c1");
	/* c4 casts none: at the deadline c2 and c3 tie for elimination in the
	 * only round there is, and the lot decides which goes */
	now_s = T0 + 15 * DAY;
	ok("carol", "show 2");
	has("by lot from seed ");
	has("@c1 wins with more than half");
	lacks("sorts last");
	ck_assert_int_eq(q("SELECT count(*) FROM items WHERE id = 2 AND state = 'elected'"), 1);
}
END_TEST

/* ---- when the core cannot agree ------------------------------------------ */

START_TEST(test_tied_core_motion_settled_by_lead)
{
	ok("c1", "propose core adopt the new deprecation policy");
	ok("c1", "vote 1 yes");
	ok("c2", "vote 1 yes");
	ok("c3", "vote 1 no");
	ok("c4", "vote 1 no");
	ok("lead", "vote 1 abstain");
	has("It is tied: the lead core maintainer settles it");
	ck_assert_int_eq(q("SELECT count(*) FROM items WHERE id = 1 AND state = 'tied'"), 1);
	ok("carol", "agenda");
	has("tied; waits for the lead core maintainer's decision (`decide 1 accept|reject RATIONALE`)");
	no("c1", "decide 1 accept we need it", "only the lead core maintainer settles it");
	no("lead", "decide 1 accept", "needs its rationale");
	ok("lead", "decide 1 accept the policy protects users");
	ck_assert_int_eq(q("SELECT count(*) FROM items WHERE id = 1 AND state = 'accepted'"), 1);
	ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE title = 'The lead''s decision on tied motion 1: accepted'"
			   " AND body LIKE '%Rationale: the policy protects users%'"), 1);
	no("lead", "decide 1 reject changed my mind", "closed (accepted)");
	/* a motion that simply failed is not the lead's to settle */
	ok("c1", "propose core second policy");
	ok("c1", "vote 2 no");
	ok("c2", "vote 2 no");
	ok("c3", "vote 2 no");
	no("lead", "decide 2 accept anyway", "closed (failed)");
}
END_TEST

START_TEST(test_escalate_and_overrule)
{
	ok("m1", "propose torch.widgets drop python 3.9");
	ok("m1", "vote 1 yes");
	ok("m2", "vote 1 no");
	ok("c1", "vote 1 abstain");
	has("tied");
	no("m3", "escalate 1", "only a maintainer of Widgets (torch.widgets) escalates");
	ok("m2", "escalate 1");
	has("Escalated module motion 1 to the core maintainers as motion 2");
	ck_assert_int_eq(q("SELECT count(*) FROM items WHERE id = 2 AND kind = 'motion-core' AND ref = 1"
			   " AND text = 'drop python 3.9'"), 1);
	no("m1", "escalate 1", "was escalated already");
	no("c1", "escalate 2", "not a module motion");
	/* the core overrules a passed module motion */
	ok("m1", "propose torch.widgets rename the widget API");
	ok("m1", "vote 3 yes");
	ok("m2", "vote 3 yes");
	no("m1", "propose overrule 3 breaks users", "only the core maintainers overrule");
	no("c1", "propose overrule 2 no", "not a module motion");
	ok("c1", "propose overrule 3 the rename breaks every downstream user");
	has("Opened motion 4 to overrule module motion 3");
	ok("c1", "vote 4 yes");
	ok("c2", "vote 4 yes");
	ok("c3", "vote 4 yes");
	ok("carol", "show 3");
	has("overruled");
	ck_assert_int_eq(q("SELECT count(*) FROM items WHERE id = 3 AND result = 'overruled by core motion 4'"), 1);
	ck_assert_int_eq(q("SELECT count(*) FROM decisions WHERE item_id = 3 AND outcome = 'overruled'"), 1);
	no("c1", "propose overrule 3 again", "already overruled");
}
END_TEST

/* Replies count in words that agree with the number. */
START_TEST(test_plurals)
{
	ok("m3", "propose gadgets adopt a release checklist");
	has("a majority of its 1 active maintainer (1 yes vote)");
	ok("carol", "show 1");
	has("Yes 0, no 0, abstain 0; 1 yes vote needed (");
	has("(console): propose\n");
	lacks("motion-group");   /* the kind is internal, never shown */
	ok("m3", "vote 1 yes");
	has("passed with 1 yes of 1 elector (1 needed)");
	ok("m1", "propose torch.widgets adopt a style");
	has("a majority of its 3 active maintainers (2 yes votes)");
}
END_TEST

/* ---- module changes --------------------------------------------------------- */

START_TEST(test_module_changes)
{
	/* anyone proposes; the core maintainers vote */
	no("carol", "propose add-module Sprockets (torch.sprockets)", "needs its rationale");
	ok("carol", "propose add-module Sprockets (torch.sprockets, sprk) a new area with three volunteers");
	has("Opened motion 1 to add the module Sprockets (torch.sprockets, sprk)");
	no("m1", "vote 1 yes", "not in the electorate");
	no("carol", "propose add-module Widgets (torch.widgets) again", "there is a module called");
	no("carol", "propose remove-module nosuchthing gone", "there is no module");
	ok("carol", "propose remove-module gadgets nobody maintains it");
	ok("carol", "propose rename-module torch.widgets to \"Widget Kit\" (torch.widgets) clearer name");
	const char *core[] = { "lead", "c1", "c2" };
	for (int item = 1; item <= 3; item++)
		for (size_t i = 0; i < ARRAY_SIZE(core); i++) {
			char line[32];
			snprintf(line, sizeof(line), "vote %d yes", item);
			ok(core[i], line);
		}
	ok("carol", "who sprk");
	has("Sprockets (torch.sprockets, sprk)");
	ok("carol", "who torch.widgets");
	has("Widget Kit (torch.widgets)");
	has("Mod One");
	ok("carol", "who gadgets");
	has("sunset");
	const char *args[] = { "export-roster", "--config", cfg, NULL };
	ck_assert_int_eq(govbot_run(args, NULL), 0);
	has("### Sprockets (torch.sprockets, sprk)");
	has("### Widget Kit (torch.widgets)");
	has("## Sunsetted Modules\n\n### Gadgets (torch.gadgets)");
	/* the new module takes nominations; the sunsetted one does not */
	nominate("carol", "newbie", "sprockets");
	char line[256];
	snprintf(line, sizeof(line), "nominate @newbie for gadgets%s", fields);
	no("carol", line, "sunsetted");
	no("carol", "propose remove-module gadgets again", "sunsetted already");
}
END_TEST

/* With no announce target (no adapter configured), the decision and the
 * withdrawal say they are not announced instead of "announced on:." */
START_TEST(test_no_announce_target_said_plainly)
{
	write_config(", \"adapters\": {}");
	nominate("carol", "newbie", "torch.widgets");
	ok("c1", "decide 1 accept forty PRs");
	has("not announced; `decisions` shows it");
	lacks("on:.");
	nominate("carol", "newbie2", "torch.widgets");
	ok("carol", "withdraw 2");
	has("Withdrew 2; it closes without a decision. No adapter with an announce target");
	lacks("on:.");
}
END_TEST

/* ---- withdrawing, the log ------------------------------------------------- */

START_TEST(test_withdraw)
{
	nominate("carol", "newbie", "torch.widgets");
	no("m1", "withdraw 1", "only the one who opened nomination 1");
	ok("carol", "withdraw 1 opened too early");
	has("Withdrew 1");
	ck_assert_int_eq(q("SELECT count(*) FROM items WHERE id = 1 AND state = 'withdrawn'"), 1);
	ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE title = 'Nomination 1 withdrawn'"
			   " AND body LIKE '%Reason: opened too early%'"), 1);
	no("carol", "withdraw 1", "closed (withdrawn)");
	no("c1", "decide 1 accept fine", "already decided");
	ok("c1", "propose core adopt a policy");
	ok("c1", "withdraw 2");
	ck_assert_int_eq(q("SELECT count(*) FROM items WHERE id = 2 AND state = 'withdrawn'"), 1);
	no("c2", "vote 2 yes", "closed (withdrawn)");
	ok("carol", "decisions");
	has("withdrawn on #1");
	ok("carol", "help withdraw");
	has("the nominator or proposer, while it is open");
}
END_TEST

START_TEST(test_decisions_filter)
{
	nominate("carol", "newbie", "torch.widgets");
	ok("c1", "decide 1 accept good work");
	has("Recorded the decision on nomination #1");
	lacks("decision 1 ");
	ok("carol", "nominate-removal @c4 from core inactive");
	ok("lead", "decide 2 reject still active");
	ok("carol", "decisions @newbie");
	has("accepted on #1");
	lacks("#2");
	ok("carol", "decisions core");
	has("rejected on #2");
	lacks("#1");
	ok("carol", "decisions widgets");
	has("accepted on #1");
	ok("carol", "decisions @nobody");
	has("no decisions about @nobody");
	ck_assert_int_eq(ask("carol", "decisions nosuchmodule"), 1);
}
END_TEST

/* ---- notices -------------------------------------------------------------- */

START_TEST(test_openings_announced_once)
{
	ok("carol", "nominate-removal @m2 from torch.widgets inactive");
	ok("c1", "propose core adopt the style guide");
	ok("carol", "who torch.widgets");   /* a question notifies nobody */
	ck_assert_int_eq(q("SELECT count(*) FROM outbox"), 2);
	run_once();
	const char *o = buf_str(&out);
	ck_assert_int_eq(count_of(o, "[announcement] Removal 1 opened: @m2 from Widgets (torch.widgets)"), 1);
	has("@m2 can answer before it is decided");
	has("For: @m2");
	ck_assert_int_eq(count_of(o, "[announcement] Motion 2 opened for the core maintainers"), 1);
	has("`vote 2 yes|no|abstain`");
	has("Deadline: 2027-01-29 08:00 UTC");
	has("For: @lead @c1 @c2 @c3 @c4");
	run_once();
	lacks("[announcement]");
}
END_TEST

START_TEST(test_reminders_once)
{
	nominate("carol", "newbie", "torch.widgets");
	ok("c1", "propose core adopt the style guide");
	ok("c1", "vote 2 yes");
	run_once();   /* the openings */
	now_s = T0 + 12 * DAY + 9 * 3600;   /* 47 hours before the deadline */
	run_once();
	ck_assert_int_eq(count_of(buf_str(&out), "[announcement] Reminder: motion 2 closes on 2027-01-29 08:00 UTC"), 1);
	has("4 electors have not voted yet: @lead, @c2, @c3, @c4");
	has("For: @lead @c2 @c3 @c4");
	run_once();
	lacks("[announcement]");
	/* a complete nomination with no decision after 90 days */
	now_s = T0 + 91 * DAY;
	run_once();
	has("[announcement] Reminder: nomination 1 has waited 91 days for a decision");
	has("For: @lead @c1 @c2 @c3 @c4");
	run_once();
	lacks("[announcement]");
	ck_assert_int_eq(q("SELECT count(*) FROM outbox WHERE notice_key IN ('remind:2', 'stale:1')"), 2);
}
END_TEST

START_TEST(test_agenda_digest)
{
	write_config(", \"governance\": { \"agenda_digest\": \"monday 09:00 UTC every 13 weeks from 2027-01-18\","
		     " \"nomination_days\": 30 }");
	nominate("carol", "newbie", "torch.widgets");
	ok("c1", "propose core adopt the style guide");
	ok("carol", "agenda");
	has("less than an hour old; waits for a decision by the core maintainers");
	has("0 letters of support, 0 objections");
	run_once();
	lacks("Agenda of the quarterly");
	now_s = 1800000000LL + 3 * DAY + 3600;   /* Monday 2027-01-18 09:00 UTC */
	run_once();
	ck_assert_int_eq(count_of(buf_str(&out), "[announcement] Agenda of the quarterly core maintainers' meeting (2 items)"), 1);
	has("nomination @newbie (Widgets (torch.widgets)), 3 days old; waits for a decision by the core maintainers");
	run_once();
	lacks("Agenda of the quarterly");
	/* the next one is 13 weeks later, not a week later */
	now_s += 7 * DAY;
	run_once();
	lacks("Agenda of the quarterly");
	now_s += 12 * 7 * DAY;
	run_once();
	has("Agenda of the quarterly");
}
END_TEST

START_TEST(test_digest_schedule_form)
{
	struct notice_schedule s;
	char err[256];
	ck_assert_int_eq(notice_schedule_parse("Monday 09:00 UTC every 13 weeks", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.wday, 0);
	ck_assert_int_eq(s.minute, 9 * 60);
	ck_assert_int_eq(s.every_weeks, 13);
	ck_assert_int_eq(notice_schedule_parse("fri 17:30 UTC", &s, err, sizeof(err)), 0);
	/* T0 is a Friday 08:00 UTC: the last Friday 17:30 is the week before */
	ck_assert_int_eq(notice_schedule_last(&s, T0), T0 - 7 * DAY + 9 * 3600 + 1800);
	static const char *const bad[] = { "", "someday 09:00 UTC", "monday 9am UTC", "monday 09:00",
					   "monday 09:00 CET", "monday 25:00 UTC", "monday 09:00 UTC every 0 weeks",
					   "monday 09:00 UTC every 13", "monday 09:00 UTC from 2027-13-01",
					   "monday 09:00 UTC and more" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(notice_schedule_parse(bad[i], &s, err, sizeof(err)) == -1, "accepted '%s'", bad[i]);
	/* check-config says what is wrong */
	write_config(", \"governance\": { \"agenda_digest\": \"monday 9am\", \"nomination_days\": 0 }");
	const char *args[] = { "check-config", "--config", cfg, NULL };
	ck_assert_int_eq(govbot_run(args, NULL), 1);
	has("governance.agenda_digest");
	has("governance.nomination_days");
}
END_TEST

static Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_core_nominations_by_maintainers_only);
	tcase_add_test(tc, test_nominator_does_not_decide);
	tcase_add_test(tc, test_recuse_another_maintainer);
	tcase_add_test(tc, test_removed_core_is_emeritus);
	tcase_add_test(tc, test_lead_steps_down);
	tcase_add_test(tc, test_removed_lead_stays_core);
	tcase_add_test(tc, test_election_tie_has_no_winner);
	tcase_add_test(tc, test_election_tie_for_elimination_by_lot);
	tcase_add_test(tc, test_tied_core_motion_settled_by_lead);
	tcase_add_test(tc, test_escalate_and_overrule);
	tcase_add_test(tc, test_module_changes);
	tcase_add_test(tc, test_plurals);
	tcase_add_test(tc, test_withdraw);
	tcase_add_test(tc, test_no_announce_target_said_plainly);
	tcase_add_test(tc, test_decisions_filter);
	tcase_add_test(tc, test_openings_announced_once);
	tcase_add_test(tc, test_reminders_once);
	tcase_add_test(tc, test_agenda_digest);
	tcase_add_test(tc, test_digest_schedule_form);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (tu_find_govbot(govbot, "test_rules") != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	return tu_run_suite(rules_suite());
}
