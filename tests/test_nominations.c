/* test_nominations.c - the nomination commands through the dispatcher, on a
 * real database opened by bot_open(): opening, amending, letters, recusal,
 * who decides what, refusals that change nothing, roster effects (who,
 * core, export), the decisions log, the agenda, link, and a locked database. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/dispatch/dispatch.h"
#include "chatbot/gov/gov.h"
#include "chatbot/gov/nomination.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"
#include "commands/govcmd.h"
#include "tests/testutil.h"

static char dir[256];
static char cfg[300];
static char dbpath[300];
static struct govbot bot;
static struct reply *reply;
static char *out;

#define NOW 1700000000LL

/* Identities the config maps (bundled roster: soumith is the lead, ezyang
 * and gchanan are core, albanD and jbschlosser maintain torch.nn). */
static const char config_text[] =
	"{ \"database\": \"gov.sqlite3\",\n"
	"  \"identities\": {\n"
	"    \"soumith\": [\"console:soumith\"],\n"
	"    \"ezyang\": [\"console:ed\"],\n"
	"    \"gchanan\": [\"console:greg\"],\n"
	"    \"albanD\": [\"console:alban\"],\n"
	"    \"jbschlosser\": [\"console:joel\"]\n"
	"  } }\n";

static void open_bot(void)
{
	tu_bot_open(&bot, cfg, NOW);
	store_set_busy_ms(bot.store, 100);
}

static void setup(void)
{
	tu_mkdtemp(dir, sizeof(dir), "nom");
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/gov.sqlite3", dir);
	tu_write_file(cfg, config_text);
	open_bot();
	reply = reply_new();
	out = NULL;
}

static void teardown(void)
{
	free(out);
	out = NULL;
	reply_free(reply);
	bot_close(&bot);
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup failed\n");
}

static int ask(const char *text, const char *as)
{
	struct dispatch_request req = { text, strlen(text), as, "console", false };
	return tu_dispatch(&bot, &req, reply, &out);
}

#define has(s) ck_assert_msg(strstr(out, (s)) != NULL, "missing '%s' in:\n%s", (s), out)
#define lacks(s) ck_assert_msg(strstr(out, (s)) == NULL, "unexpected '%s' in:\n%s", (s), out)
#define ok(text, as) ck_assert_msg(ask((text), (as)) == CMD_OK, "%s -> %s", (text), out)

static long long count(const char *sql)
{
	return store_count(bot.store, sql, 0);
}

/* Row counts of every governance table, to prove a refusal changed nothing. */
static void snapshot(long long *c)
{
	static const char *const q[] = {
		"SELECT count(*) FROM items", "SELECT count(*) FROM fields",
		"SELECT count(*) FROM letters", "SELECT count(*) FROM recusals",
		"SELECT count(*) FROM decisions", "SELECT count(*) FROM roster_events",
		"SELECT count(*) FROM outbox", "SELECT count(*) FROM outbox_delivery",
		"SELECT count(*) FROM audit", "SELECT count(*) FROM links",
		"SELECT group_concat(state) FROM items", "SELECT total(length(text)) FROM fields",
	};
	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		if (i == 10) {
			char *s = NULL;
			sqlite3_stmt *st = store_stmt(bot.store, q[i]);
			if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
				s = strdup((const char *)sqlite3_column_text(st, 0));
			sqlite3_reset(st);
			long long h = 0;
			for (char *p = s; p && *p; p++)
				h = h * 31 + *p;
			free(s);
			c[i] = h;
		} else {
			c[i] = count(q[i]);
		}
	}
}

#define NSNAP 12
#define unchanged(before) do { long long after_[NSNAP]; snapshot(after_); \
	for (int i_ = 0; i_ < NSNAP; i_++) ck_assert_msg(before[i_] == after_[i_], \
		"table %d changed: %lld -> %lld", i_, before[i_], after_[i_]); } while (0)

static const char complete_nn[] =
	"nominate @newbie for torch.nn contributions: 40 PRs and 200 reviews "
	"interactions: kind and patient in reviews support: the nn maintainers agree";

/* ---- opening ------------------------------------------------------------- */

START_TEST(test_nominate_complete_inline)
{
	ok(complete_nn, "console:carol");
	has("Opened nomination 1");
	has("@newbie");
	has("NN APIs (torch.nn)");
	has("complete");
	ck_assert_int_eq(count("SELECT count(*) FROM fields WHERE item_id = 1"), 3);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'nominate' AND item_id = 1"
			       " AND actor_id = 'console:carol' AND platform = 'console'"), 1);
	sqlite3_stmt *st = store_stmt(bot.store, "SELECT text FROM fields WHERE item_id = 1 AND name = 'interactions'");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "kind and patient in reviews");
	sqlite3_reset(st);
}
END_TEST

START_TEST(test_nominate_fields_on_lines_and_missing)
{
	ok("nominate @newbie for torch.optim\ncontributions: the new LR schedulers\n"
	   "interactions: answers forum questions", "console:carol");
	has("Opened nomination 1");
	has("Still missing: support");
	ck_assert_int_eq(count("SELECT count(*) FROM fields WHERE item_id = 1"), 2);
	ok("nominate @other for core", "console:alban");
	has("Opened nomination 2");
	has("contributions, interactions, support");
}
END_TEST

struct bad_case {
	const char *text;
	int rc;
	const char *says;
};

static const struct bad_case bad_nominations[] = {
	{ "nominate @newbie for torch.nnn contributions: x", CMD_ERROR, "no module" },
	{ "nominate @newbie", CMD_ERROR, "which group" },
	{ "nominate @bad_handle for torch.nn", CMD_ERROR, "not a GitHub handle" },
	{ "nominate @-x for torch.nn", CMD_ERROR, "not a GitHub handle" },
	{ "nominate @albanD for torch.nn", CMD_REFUSED, "already an active maintainer" },
	{ "nominate @alband for NN APIs (torch.nn) support: x", CMD_REFUSED, "already an active maintainer" },
	{ "nominate @ezyang for core", CMD_REFUSED, "only core or module maintainers nominate" },
	{ "nominate @alband for torch.nn", CMD_REFUSED, "(`who @albanD` shows their roles)" },
	{ "nominate-removal @newbie from torch.nn idle", CMD_REFUSED, "`who @newbie` shows the current roles" },
	{ "nominate @soumith for core", CMD_REFUSED, "you are mapped to no handle" },
	{ "nominate @newbie for torch.nn support: a support: b", CMD_ERROR, "given twice" },
	{ "nominate @newbie for torch.nn support:", CMD_ERROR, "is empty" },
	{ "nominate-removal @newbie from torch.nn inactive", CMD_REFUSED, "is not an active maintainer" },
	{ "nominate-removal @albanD from torch.nn", CMD_ERROR, "needs its reason" },
	{ "nominate-removal @soumith from core tired", CMD_REFUSED, "remove-lead" },
	{ "nominate-removal @albanD from nowhere-module x", CMD_ERROR, "no module" },
	{ "decide 99 accept fine", CMD_ERROR, "no nomination or motion 99" },
	{ "show 99", CMD_ERROR, "no nomination or motion 99" },
	{ "support 99 great", CMD_ERROR, "no nomination or motion 99" },
	{ "amend x support: y", CMD_ERROR, "give its number" },
	{ "link nonsense @alice", CMD_REFUSED, "only" },
};

START_TEST(test_bad_input_changes_nothing)
{
	const struct bad_case *c = &bad_nominations[_i];
	long long before[NSNAP];
	snapshot(before);
	int rc = ask(c->text, "console:carol");
	ck_assert_msg(rc == c->rc, "%s -> %d: %s", c->text, rc, out);
	has(c->says);
	unchanged(before);
}
END_TEST

START_TEST(test_overlong_field)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "nominate @newbie for torch.nn support: ");
	for (int i = 0; i < GOV_MAX_TEXT + 1; i++)
		buf_addc(&b, 'x');
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask(buf_str(&b), "console:carol"), CMD_ERROR);
	has("longer than 2000 bytes");
	unchanged(before);
	buf_release(&b);
}
END_TEST

START_TEST(test_duplicate_open_nomination)
{
	ok(complete_nn, "console:carol");
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("nominate @NEWBIE for torch.nn", "console:dave"), CMD_REFUSED);
	has("nomination 1");
	has("already open");
	unchanged(before);
	/* another module is another nomination */
	ok("nominate @newbie for torch.optim", "console:dave");
	has("Opened nomination 2");
}
END_TEST

START_TEST(test_newcomer_name_in_roster)
{
	ok("nominate @alice for torch.nn name: Alice Liddell contributions: a interactions: b "
	   "support: c", "console:carol");
	has("listed as Alice Liddell");
	ok("nominate @bob2 for torch.optim contributions: a interactions: b support: c", "console:carol");
	has("amend 2 name: Full Name");   /* the real number, never a template */
	lacks("amend N");
	ok("amend 2 name: Bob Builder", "console:carol");
	ck_assert_int_eq(ask("amend 2 name: Bob (the) Builder", "console:carol"), CMD_ERROR);
	has("full name on one line");
	/* a known person keeps the roster's name whatever the nomination says */
	ok("nominate @albanD for torch.fft name: Someone Else contributions: a interactions: b "
	   "support: c", "console:carol");
	ok("show 1", "console:carol");
	has("Nominee's name: Alice Liddell");
	ok("decide 1 accept yes", "console:ed");
	ok("decide 2 accept yes", "console:ed");
	ok("decide 3 accept yes", "console:ed");
	struct buf md = BUF_INIT;
	roster_write(bot.roster, ROSTER_FMT_MD, &md);
	ck_assert_ptr_nonnull(strstr(buf_str(&md), "- Alice Liddell ([alice](https://github.com/alice))"));
	ck_assert_ptr_nonnull(strstr(buf_str(&md), "- Bob Builder ([bob2](https://github.com/bob2))"));
	ck_assert_ptr_null(strstr(buf_str(&md), "Someone Else"));
	buf_release(&md);
}
END_TEST

/* ---- amend, letters, recusal --------------------------------------------- */

START_TEST(test_amend_by_nominator_only)
{
	ok("nominate @newbie for torch.nn contributions: x", "console:carol");
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("amend 1 support: I say so", "console:mallory"), CMD_REFUSED);
	has("only the nominator (console:carol) amends");   /* an identity, not an @handle */
	unchanged(before);
	ok("amend 1 interactions: friendly\nsupport: the maintainers agree", "console:carol");
	has("Updated interactions and support of nomination 1.");
	has("complete");
	ok("amend 1 contributions: 40 PRs", "console:carol");
	sqlite3_stmt *st = store_stmt(bot.store, "SELECT text FROM fields WHERE item_id = 1 AND name = 'contributions'");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "40 PRs");
	sqlite3_reset(st);
	ck_assert_int_eq(ask("amend 1 reason: no", "console:carol"), CMD_ERROR);
	has("name the field");
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'amend'"), 2);
}
END_TEST

START_TEST(test_letters)
{
	ok(complete_nn, "console:carol");
	ok("support 1 Newbie reviews carefully", "console:dave");
	has("now 1 in support, 0 against");
	ok("object 1 not active long enough", "console:erin");
	has("now 1 in support, 1 against");
	ck_assert_int_eq(ask("support 1", "console:dave"), CMD_ERROR);
	has("write the letter");
	ok("show 1", "console:carol");
	has("support from console:dave");
	has("objection from console:erin");
	has("not active long enough");
	has("History:");
	has("nominate");
	ok("decide 1 reject not yet", "console:ed");
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("support 1 too late?", "console:dave"), CMD_REFUSED);
	has("closed");
	unchanged(before);
}
END_TEST

START_TEST(test_recuse)
{
	ok(complete_nn, "console:carol");
	/* a community member cannot recuse (the role is maintainer) */
	ck_assert_int_eq(ask("recuse 1", "console:carol"), CMD_REFUSED);
	ck_assert_int_eq(ask("recuse 1 @gchanan", "console:ed"), CMD_ERROR);
	has("recuse 1 @handle REASON");
	ok("recuse 1 same team as the nominee", "console:ed");
	has("recused");
	ok("recuse 1", "console:ed");
	has("already recused");
	ck_assert_int_eq(count("SELECT count(*) FROM recusals"), 1);
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("decide 1 accept strong record", "console:ed"), CMD_REFUSED);
	has("recused");
	unchanged(before);
	/* another core maintainer can */
	ok("decide 1 accept strong record", "console:greg");
	ck_assert_int_eq(ask("recuse 1", "console:greg"), CMD_REFUSED);
	has("closed");
	ok("show 1", "console:carol");
	has("Recused:");
}
END_TEST

START_TEST(test_recused_lead)
{
	ok("nominate @newbie for core contributions: a interactions: b support: c", "console:alban");
	ok("recuse 1 we work together", "console:soumith");
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("decide 1 accept fine", "console:soumith"), CMD_REFUSED);
	has("recused");
	has("propose core");
	ck_assert_int_eq(ask("decide 1 accept fine", "console:ed"), CMD_REFUSED);
	has("only the lead core maintainer decides");
	unchanged(before);
}
END_TEST

/* ---- who decides --------------------------------------------------------- */

struct perm_case {
	const char *open;      /* command that opens item 1 (by console:carol) */
	const char *as;        /* who decides */
	int rc;
	const char *says;
};

static const struct perm_case perms[] = {
	{ complete_nn, "console:carol", CMD_REFUSED, "you are mapped to no handle" },
	{ complete_nn, "console:alban", CMD_REFUSED, "not an active core maintainer" },
	{ complete_nn, "console:ed", CMD_OK, "Recorded the decision on nomination #1" },
	{ complete_nn, "console:soumith", CMD_OK, "Recorded the decision on nomination #1" },
	{ "nominate @newbie for core contributions: a interactions: b support: c",
	  "console:ed", CMD_REFUSED, "only the lead core maintainer decides" },
	{ "nominate @newbie for core contributions: a interactions: b support: c",
	  "console:soumith", CMD_OK, "becomes a core maintainer" },
	{ "nominate @gchanan for torch.optim contributions: a interactions: b support: c",
	  "console:greg", CMD_REFUSED, "about you" },
	{ "nominate @gchanan for torch.optim contributions: a interactions: b support: c",
	  "console:ed", CMD_OK, "becomes a maintainer of Optimizers" },
	{ "nominate-removal @albanD from torch.nn inactive", "console:alban", CMD_REFUSED,
	  "not an active core maintainer" },
	{ "nominate-removal @albanD from torch.nn inactive", "console:ed", CMD_OK, "emeritus" },
	{ "nominate-removal @ezyang from core inactive", "console:greg", CMD_REFUSED,
	  "only the lead core maintainer decides" },
	{ "nominate-removal @ezyang from core inactive", "console:ed", CMD_REFUSED,
	  "not the lead core maintainer" },
	{ "nominate-removal @ezyang from core inactive", "console:soumith", CMD_OK,
	  "leaves the core maintainers and is listed as emeritus core" },
};

START_TEST(test_who_decides)
{
	const struct perm_case *c = &perms[_i];
	/* only core or module maintainers nominate for core */
	ok(c->open, strstr(c->open, "for core") ? "console:joel" : "console:carol");
	long long before[NSNAP];
	snapshot(before);
	int rc = ask("decide 1 accept good reasons", c->as);
	ck_assert_msg(rc == c->rc, "%s by %s -> %d: %s", c->open, c->as, rc, out);
	has(c->says);
	if (rc != CMD_OK)
		unchanged(before);
	else
		ck_assert_int_eq(count("SELECT count(*) FROM decisions WHERE item_id = 1"), 1);
}
END_TEST

START_TEST(test_decide_refusals)
{
	ok("nominate @newbie for torch.nn contributions: x", "console:carol");
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("decide 1 accept", "console:ed"), CMD_ERROR);
	has("needs its rationale");
	has("decide 1 accept|reject RATIONALE");
	ck_assert_int_eq(ask("decide 1 maybe later", "console:ed"), CMD_ERROR);
	has("accept or reject");
	has("decide 1 accept|reject RATIONALE");
	ck_assert_int_eq(ask("decide 1 accept good", "console:ed"), CMD_REFUSED);
	has("incomplete");
	has("interactions, support");
	unchanged(before);
	ok("amend 1 interactions: fine support: yes", "console:carol");
	ok("decide 1 accept good work", "console:ed");
	snapshot(before);
	ck_assert_int_eq(ask("decide 1 reject changed my mind", "console:soumith"), CMD_REFUSED);
	has("already decided");
	has("accepted by @ezyang");
	lacks("decision 1");   /* users see item numbers only */
	unchanged(before);
}
END_TEST

/* ---- effects ------------------------------------------------------------- */

START_TEST(test_accept_changes_roster_and_announces)
{
	ok(complete_nn, "console:carol");
	ok("decide 1 accept forty PRs and steady reviews", "console:ed");
	has("@newbie becomes a maintainer of NN APIs (torch.nn)");
	has("console");
	ok("who torch.nn", "console:carol");
	has("newbie");
	struct buf md = BUF_INIT;
	roster_write(bot.roster, ROSTER_FMT_MD, &md);
	ck_assert_ptr_nonnull(strstr(buf_str(&md), "([newbie](https://github.com/newbie))"));
	buf_release(&md);
	/* the announcement waits in the outbox, one delivery for console */
	sqlite3_stmt *st = store_stmt(bot.store, "SELECT o.title, o.body, d.target, d.state FROM outbox o"
				      " JOIN outbox_delivery d ON d.outbox_id = o.id WHERE o.decision_id IS NOT NULL");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "Decision on nomination 1: accepted");
	const char *body = (const char *)sqlite3_column_text(st, 1);
	ck_assert_ptr_nonnull(strstr(body, "@newbie becomes a maintainer of NN APIs (torch.nn)."));
	ck_assert_ptr_nonnull(strstr(body, "Decided by @ezyang. Rationale: forty PRs and steady reviews"));
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 2), "console");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 3), "pending");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_reset(st);
	/* a fresh process (re)builds the same roster from the stored events */
	bot_close(&bot);
	open_bot();
	ck_assert(roster_in_group(gov_find_group(bot.roster, "NN APIs (torch.nn)"), "newbie", NULL));
}
END_TEST

START_TEST(test_core_and_removals_in_roster)
{
	ok("nominate @newbie for core contributions: a interactions: b support: c", "console:alban");
	ok("decide 1 accept the lead agrees", "console:soumith");
	ck_assert(roster_is_core(bot.roster, "newbie"));
	ok("core", "console:carol");
	has("newbie");
	ok("nominate-removal @jbschlosser from torch.nn moved to other work", "console:carol");
	has("Opened removal 2");
	ok("decide 2 accept confirmed with Joel", "console:ed");
	bool em = false;
	ck_assert(!roster_in_group(gov_find_group(bot.roster, "NN APIs (torch.nn)"), "jbschlosser", &em));
	ck_assert(em);
	ok("who torch.nn", "console:carol");
	has("emeritus");
	ok("step-down torch.optim too busy", "console:alban");
	has("Opened step-down 3");
	ok("decide 3 accept thanks for the work", "console:greg");
	has("steps down");
	ck_assert(!roster_in_group(gov_find_group(bot.roster, "Optimizers (torch.optim)"), "albanD", NULL));
	ok("nominate-removal @newbie from core no longer active", "console:carol");
	ok("decide 4 accept agreed", "console:soumith");
	ck_assert(!roster_is_core(bot.roster, "newbie"));
	/* removed from core means emeritus core, shown as such */
	ck_assert(!roster_in_group(roster_core_group(bot.roster), "newbie", &em));
	ck_assert(em);
	ok("core", "console:carol");
	has("newbie (@newbie) (emeritus)");
	struct buf md = BUF_INIT;
	roster_write(bot.roster, ROSTER_FMT_MD, &md);
	ck_assert_ptr_nonnull(strstr(buf_str(&md), "(emeritus) newbie ([newbie](https://github.com/newbie))"));
	buf_release(&md);
	/* rejected: nothing moves */
	ok("nominate-removal @gchanan from core x", "console:carol");
	ok("decide 5 reject still very active", "console:soumith");
	has("not accepted");
	ck_assert(roster_is_core(bot.roster, "gchanan"));
	ck_assert_int_eq(count("SELECT count(*) FROM roster_events"), 4);
}
END_TEST

START_TEST(test_step_down_refusals)
{
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("step-down torch.fft", "console:alban"), CMD_REFUSED);
	has("you (@albanD) are not an active maintainer");
	ck_assert_int_eq(ask("step-down core", "console:soumith"), CMD_REFUSED);
	has("lead core maintainer");
	ck_assert_int_eq(ask("step-down torch.nn", "console:carol"), CMD_REFUSED);
	unchanged(before);
	ok("step-down NN APIs (torch.nn)", "console:alban");
	has("Opened step-down 1");
	ok("show 1", "console:carol");
	has("stepping down at their own request");
}
END_TEST

/* Only incomplete nominations: "1 nomination still lacks ...", not "1 more"
 * after "Nothing awaits". */
START_TEST(test_agenda_only_incomplete)
{
	ok("nominate @x1 for torch.optim contributions: y", "console:carol");
	ok("agenda", "console:carol");
	has("Nothing awaits");
	has("\n1 nomination still lacks required fields and waits for its nominator");
	lacks("more");
}
END_TEST

START_TEST(test_decisions_log_and_agenda)
{
	ok("decisions", "console:carol");
	has("no decisions yet");
	ok("agenda", "console:carol");
	has("Nothing awaits");
	ok(complete_nn, "console:carol");
	ok("nominate @x1 for torch.optim contributions: y", "console:carol");
	ok("nominate-removal @albanD from torch.optim gone quiet", "console:carol");
	ok("agenda", "console:carol");
	has("Complete nominations awaiting a decision");
	has("1 · nomination of @newbie");
	has("3 · removal of @albanD");
	lacks("2 · ");
	has("1 more nomination still lack");
	ok("decide 1 accept first reason", "console:ed");
	ok("decide 3 reject second reason", "console:greg");
	ok("agenda", "console:carol");
	lacks("1 · nomination of @newbie");
	has("Nothing awaits");
	ok("decisions", "console:carol");
	char *first = strstr(out, "second reason"), *second = strstr(out, "first reason");
	ck_assert_msg(first && second && first < second, "newest first:\n%s", out);
	has("decided by @gchanan");
	ok("decisions 1", "console:carol");
	has("second reason");
	lacks("first reason");
	ck_assert_int_eq(ask("decisions lots", "console:carol"), CMD_ERROR);
	ok("nominations all", "console:carol");
	has("accepted on");
	has("rejected on");
	has("2 · nomination of @x1 as a maintainer of Optimizers (torch.optim) — open, lacks interactions, support");
	ok("nominations open", "console:carol");
	has("2 · ");
	lacks("1 · ");
	ok("nominations @ALBAND", "console:carol");
	has("3 · removal of @albanD");
	lacks("2 · ");
}
END_TEST

/* A motion's result: the rationale ends as a sentence before its tally, in
 * `decisions` and in `show`; no line of `show` ends in a space. */
START_TEST(test_result_rationale_then_tally)
{
	ok("propose core adopt a policy", "console:ed");
	ok("vote 1 yes", "console:ed");
	ok("vote 1 yes", "console:greg");
	ok("vote 1 yes", "console:soumith");
	has("closes motion 1");
	ok("decisions", "console:carol");
	/* a motion's text is never shown as its rationale */
	has("(motion of the core maintainers: adopt a policy). Tally: yes 3");
	lacks("Rationale: adopt a policy");
	has("passed on #1");
	has("Tally: yes 3");
	ok("show 1", "console:carol");
	lacks("Rationale: adopt a policy");
	has("Decision on #1: passed");
	lacks(" \n");
	ok(complete_nn, "console:carol");
	ok("decide 2 accept well earned!", "console:ed");
	ok("decisions 1", "console:carol");
	has("Rationale: well earned!");
	lacks("earned!.");
	ok("show 2", "console:carol");
	lacks(" \n");
}
END_TEST

START_TEST(test_vote_items_cannot_be_decided)
{
	struct gov_item it = { .kind = GOV_MOTION_CORE, .grp = GOV_CORE, .text = "adopt a policy",
			       .opened_by = "console:ed", .opened_by_handle = "ezyang", .created_at = NOW };
	long long id;
	ck_assert_int_eq(store_begin(bot.store), STORE_OK);
	ck_assert_int_eq(gov_item_insert(bot.store, &it, &id), STORE_OK);
	ck_assert_int_eq(store_execf(bot.store, "INSERT INTO electorate(item_id, handle) VALUES (1, 'ezyang'),"
				     " (1, 'gchanan')", 0), STORE_OK);
	ck_assert_int_eq(store_commit(bot.store), STORE_OK);
	ck_assert_int_eq(ask("decide 1 accept fine", "console:soumith"), CMD_REFUSED);
	has("closes by vote");
	ck_assert_int_eq(ask("support 1 yes", "console:carol"), CMD_REFUSED);
	has("takes votes, not letters");
	has("`show 1` shows it");
	ck_assert_int_eq(ask("amend 1 support: x", "console:ed"), CMD_REFUSED);
	ok("agenda", "console:carol");
	has("Open motions and elections");
	has("0 of 2 have voted");
	/* a recused maintainer no longer votes on it */
	ok("recuse 1 I wrote the policy", "console:ed");
	has("will not vote on");
	ck_assert_int_eq(count("SELECT count(*) FROM recusals WHERE item_id = 1 AND handle = 'ezyang'"), 1);
	ck_assert_int_ne(ask("vote 1 yes", "console:ed"), CMD_OK);
	has("recused");
	ck_assert_int_eq(count("SELECT count(*) FROM votes"), 0);
}
END_TEST

/* ---- link ---------------------------------------------------------------- */

START_TEST(test_link)
{
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("link slack:U0NEW @malfet", "console:alban"), CMD_REFUSED);
	has("only");
	ck_assert_int_eq(ask("link console:ed @malfet", "console:soumith"), CMD_REFUSED);
	has("by the config file");
	ck_assert_int_eq(ask("link notanid @malfet", "console:soumith"), CMD_ERROR);
	ck_assert_int_eq(ask("link slack:U0NEW @bad_h", "console:soumith"), CMD_ERROR);
	unchanged(before);
	ok("link SLACK:U0NEW @MALFET", "console:soumith");
	has("Linked slack:U0NEW to @malfet");
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'link' AND actor_handle = 'soumith'"
			       " AND detail = 'slack:U0NEW -> @malfet'"), 1);
	/* the linked identity now holds malfet's role: a core maintainer decides */
	ok(complete_nn, "console:carol");
	ok("decide 1 accept fine by me", "slack:U0NEW");
	ck_assert_int_eq(count("SELECT count(*) FROM decisions WHERE by_handle = 'malfet' AND by_id = 'slack:U0NEW'"), 1);
	ok("link slack:U0NEW @gchanan", "console:soumith");
	has("it was @malfet");
	/* the same link again changes nothing and says so; the audit log has no new row */
	long long again[NSNAP];
	snapshot(again);
	ok("link slack:U0NEW @GChanan", "console:soumith");
	has("slack:U0NEW is already linked to @gchanan; nothing changed");
	unchanged(again);
}
END_TEST

/* ---- a busy database ----------------------------------------------------- */

START_TEST(test_locked_database_loses_nothing)
{
	ok(complete_nn, "console:carol");
	sqlite3 *other;
	ck_assert_int_eq(sqlite3_open(dbpath, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("decide 1 accept strong record", "console:ed"), CMD_FAILED);
	has("busy or unwritable; nothing was changed");
	ck_assert_int_eq(ask("nominate @x2 for torch.optim", "console:carol"), CMD_FAILED);
	has("nothing was changed");
	unchanged(before);
	ck_assert_int_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	/* the user was told; the same command now goes through */
	ok("decide 1 accept strong record", "console:ed");
	ck_assert_int_eq(count("SELECT count(*) FROM decisions"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE decision_id IS NOT NULL"), 1);
}
END_TEST

/* Writes that fail half-way (here: the connection turned read-only after
 * BEGIN) roll the whole change back and say so. */
START_TEST(test_unwritable_midway_rolls_back)
{
	ok(complete_nn, "console:carol");
	ok("support 1 yes", "console:dave");
	ck_assert_int_eq(sqlite3_exec(store_db(bot.store), "PRAGMA query_only = 1", NULL, NULL, NULL), SQLITE_OK);
	long long before[NSNAP];
	snapshot(before);
	static const char *const cmds[][2] = {
		{ "decide 1 accept strong record", "console:ed" },
		{ "nominate @x2 for torch.optim contributions: a", "console:carol" },
		{ "support 1 me too", "console:dave" },
		{ "amend 1 support: still yes", "console:carol" },
		{ "recuse 1", "console:greg" },
		{ "link slack:U0NEW @malfet", "console:soumith" },
		{ "nominate-removal @albanD from torch.nn gone", "console:carol" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		ck_assert_msg(ask(cmds[i][0], cmds[i][1]) == CMD_FAILED, "%s -> %s", cmds[i][0], out);
		has("nothing was changed");
		ck_assert(!store_in_tx(bot.store));
	}
	unchanged(before);
	ck_assert(!roster_in_group(gov_find_group(bot.roster, "NN APIs (torch.nn)"), "newbie", NULL));
	ck_assert_int_eq(sqlite3_exec(store_db(bot.store), "PRAGMA query_only = 0", NULL, NULL, NULL), SQLITE_OK);
	ok("decide 1 accept strong record", "console:ed");
}
END_TEST

/* The re-check under the write lock (chatbot/gov/nomination.c): an item
 * closed between the authorize hook and the write refuses, says how it
 * closed, and leaves nothing written and no transaction open. */
START_TEST(test_still_open_recheck)
{
	ok(complete_nn, "console:carol");
	struct nomination_done done;
	ck_assert_int_eq(nomination_letter(bot_gov(&bot), 1, "support", "console:carol", NULL, "x",
					   &done), GOV_OK);
	ck_assert_int_eq(done.nsupport, 1);
	ck_assert(!store_in_tx(bot.store));
	ok("decide 1 accept fine", "console:ed");
	long long letters = store_count(bot.store, "SELECT count(*) FROM letters", 0);
	ck_assert_int_eq(nomination_letter(bot_gov(&bot), 1, "support", "console:carol", NULL, "y",
					   &done), GOV_REFUSED);
	ck_assert_str_eq(done.closed, "accepted");
	ck_assert(!store_in_tx(bot.store));
	ck_assert_int_eq(store_count(bot.store, "SELECT count(*) FROM letters", 0), letters);
	ck_assert_int_eq(nomination_recuse(bot_gov(&bot), 1, "ezyang", "console:ed", "ezyang", "", &done),
			 GOV_REFUSED);
	ck_assert_str_eq(done.closed, "accepted");
	ck_assert_int_eq(nomination_letter(bot_gov(&bot), 99, "object", "console:carol", NULL, "z",
					   &done), GOV_REFUSED);
	ck_assert_str_eq(done.closed, "gone");
	ck_assert(!store_in_tx(bot.store));
}
END_TEST

static const char sunset_roster[] =
	"# PyTorch Governance | Maintainers\n\n"
	"## Lead Core Maintainer (BDFL)\n\n- Soumith Chintala ([soumith](https://github.com/soumith))\n\n"
	"## Core Maintainers\n\n- Soumith Chintala ([soumith](https://github.com/soumith))\n"
	"- Edward Yang ([ezyang](https://github.com/ezyang))\n\n"
	"## Module-level maintainers\n\n### Old Thing (torch.oldthing)\n\n"
	"- Someone ([someone](https://github.com/someone))\n\n"
	"## Sunsetted Modules\n\n### Gone Module (torch.gone)\n\n"
	"- (emeritus) Past Person ([past](https://github.com/past))\n";

START_TEST(test_sunsetted_module_takes_no_nominations)
{
	bot_close(&bot);
	char path[320];
	snprintf(path, sizeof(path), "%s/roster.md", dir);
	tu_write_file(path, sunset_roster);
	tu_write_file(cfg, "{ \"database\": \"gov.sqlite3\", \"roster\": \"roster.md\","
		      " \"identities\": { \"ezyang\": [\"console:ed\"] } }\n");
	open_bot();
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("nominate @newbie for torch.gone", "console:carol"), CMD_REFUSED);
	has("sunsetted");
	unchanged(before);
	ok("nominate @newbie for torch.oldthing contributions: a interactions: b support: c", "console:carol");
	ok("decide 1 accept yes", "console:ed");
	ck_assert(roster_in_group(gov_find_group(bot.roster, "Old Thing (torch.oldthing)"), "newbie", NULL));
}
END_TEST

static Suite *nominations_suite(void)
{
	Suite *su = suite_create("nominations");
	TCase *tc = tcase_create("nominations");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_nominate_complete_inline);
	tcase_add_test(tc, test_nominate_fields_on_lines_and_missing);
	tcase_add_loop_test(tc, test_bad_input_changes_nothing, 0, (int)ARRAY_SIZE(bad_nominations));
	tcase_add_test(tc, test_overlong_field);
	tcase_add_test(tc, test_duplicate_open_nomination);
	tcase_add_test(tc, test_newcomer_name_in_roster);
	tcase_add_test(tc, test_amend_by_nominator_only);
	tcase_add_test(tc, test_letters);
	tcase_add_test(tc, test_recuse);
	tcase_add_test(tc, test_recused_lead);
	tcase_add_loop_test(tc, test_who_decides, 0, (int)ARRAY_SIZE(perms));
	tcase_add_test(tc, test_decide_refusals);
	tcase_add_test(tc, test_accept_changes_roster_and_announces);
	tcase_add_test(tc, test_core_and_removals_in_roster);
	tcase_add_test(tc, test_step_down_refusals);
	tcase_add_test(tc, test_decisions_log_and_agenda);
	tcase_add_test(tc, test_agenda_only_incomplete);
	tcase_add_test(tc, test_result_rationale_then_tally);
	tcase_add_test(tc, test_vote_items_cannot_be_decided);
	tcase_add_test(tc, test_link);
	tcase_add_test(tc, test_locked_database_loses_nothing);
	tcase_add_test(tc, test_unwritable_midway_rolls_back);
	tcase_add_test(tc, test_sunsetted_module_takes_no_nominations);
	tcase_add_test(tc, test_still_open_recheck);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	return tu_run_suite(nominations_suite());
}
