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
#include "chatbot/bot/identity.h"
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
		"SELECT count(*) FROM link_requests",
	};
	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		if (i == 10) {
			char *s = NULL;
			sqlite3_stmt *st = store_stmt(bot.store, q[i]);
			if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
				s = strdup((const char *)sqlite3_column_text(st, 0));
			sqlite3_reset(st);
			unsigned long long h = 0;   /* wraps (unsigned): long lists overflowed */
			for (char *p = s; p && *p; p++)
				h = h * 31 + (unsigned char)*p;
			free(s);
			c[i] = (long long)(h >> 1);
		} else {
			c[i] = count(q[i]);
		}
	}
}

#define NSNAP 13
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
	{ "nominate @newbie for torch.nn name: <b>New</b> Bie", CMD_ERROR, "no markup, links" },
	{ "nominate @newbie for torch.nn name: [New Bie](https://evil.example)", CMD_ERROR, "no markup" },
	{ "nominate @newbie for torch.nn name: *New* Bie", CMD_ERROR, "no markup" },
	{ "nominate @newbie for torch.nn name: New\xE2\x80\x8D Bie", CMD_ERROR, "invisible characters" },
	{ "link nonsense @alice", CMD_ERROR, "the first word must be a chat identity" },
	{ "link slack:U0NEW @malfet", CMD_REFUSED, "only core maintainers may start a link for someone else" },
	{ "link confirm NOSUCHCD", CMD_REFUSED, "no pending link has that code" },
	{ "link @malfet", CMD_REFUSED, "no identity is mapped to @malfet yet" },
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
	/* nor a module maintainer, who has no say on a nomination */
	long long none[NSNAP];
	snapshot(none);
	ck_assert_int_eq(ask("recuse 1 conflict", "console:alban"), CMD_REFUSED);
	has("you have no say on nomination 1: it is decided by the core maintainers, so there is nothing");
	unchanged(none);
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

/* The code a link request's reply gave ("link confirm CODE"), into code. */
static void reply_code_of(char *code, size_t n)
{
	const char *p = strstr(out, "link confirm ");
	ck_assert_msg(p != NULL, "no code in:\n%s", out);
	snprintf(code, n, "%.8s", p + strlen("link confirm "));
}

static void confirm_line(char *line, size_t n, const char *code)
{
	snprintf(line, n, "link confirm %s", code);
}

/* The finding: one core maintainer alone made identities they control
 * into other people (the lead included), re-pointed linked identities and
 * passed remove-lead.  None of that works any more. */
START_TEST(test_link_nobody_borrows_an_identity)
{
	long long before[NSNAP];
	snapshot(before);
	/* the lead's handle, one's own, someone with an identity: refused */
	ck_assert_int_eq(ask("link slack:U0EVIL @soumith", "console:ed"), CMD_REFUSED);
	has("nobody links an identity to the lead's handle");
	ck_assert_int_eq(ask("link slack:U0EVIL @ezyang", "console:ed"), CMD_REFUSED);
	has("never links an identity to their own handle");
	ck_assert_int_eq(ask("link slack:U0EVIL @gchanan", "console:ed"), CMD_REFUSED);
	has("@gchanan already has an identity");
	ck_assert_int_eq(ask("link console:greg @malfet", "console:ed"), CMD_REFUSED);
	has("console:greg is already mapped to @gchanan; an identity already mapped is never re-pointed");
	ck_assert_int_eq(ask("link notanid @malfet", "console:ed"), CMD_ERROR);
	ck_assert_int_eq(ask("link slack:U0NEW @bad_h", "console:ed"), CMD_ERROR);
	/* a self link to someone else's handle waits for their confirmation */
	unchanged(before);
	ok("link @gchanan", "slack:U0EVIL");
	has("requested; the one-time code is");
	char code[16], line[64];
	reply_code_of(code, sizeof(code));
	confirm_line(line, sizeof(line), code);
	ck_assert_ptr_null(identity_handle(&bot, "slack:U0EVIL"));
	/* only gchanan's own identity confirms it: not the asker, not another core */
	ck_assert_int_eq(ask(line, "slack:U0EVIL"), CMD_REFUSED);
	has("only an identity already mapped to @gchanan confirms this link");
	ck_assert_int_eq(ask(line, "console:ed"), CMD_REFUSED);
	ck_assert_int_eq(ask(line, "console:soumith"), CMD_REFUSED);
	ck_assert_ptr_null(identity_handle(&bot, "slack:U0EVIL"));
	ck_assert_int_eq(count("SELECT count(*) FROM links"), 0);
	/* gchanan was told where they are known (console), without the code */
	ck_assert_int_eq(count("SELECT count(*) FROM outbox o JOIN outbox_delivery d ON d.outbox_id = o.id"
			       " WHERE o.title = 'Identity link requested for @gchanan' AND d.target = 'console'"
			       " AND o.body LIKE 'To @gchanan (console:greg): slack:U0EVIL asked to be linked%'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE instr(body, (SELECT code FROM link_requests)) > 0"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'link-request' AND actor_id = 'slack:U0EVIL'"
			       " AND detail = 'slack:U0EVIL -> @gchanan (self; pending)'"), 1);
}
END_TEST

/* `link @handle` from the new identity, confirmed from one already mapped. */
START_TEST(test_link_self)
{
	ok("link @AlbanD", "SLACK:U0AL");
	has("Link of slack:U0AL to @albanD requested");
	char code[16], line[64];
	reply_code_of(code, sizeof(code));
	/* the wrong person, a wrong code: refused, nothing written */
	long long before[NSNAP];
	snapshot(before);
	confirm_line(line, sizeof(line), code);
	ck_assert_int_eq(ask(line, "console:joel"), CMD_REFUSED);
	ck_assert_int_eq(ask("link confirm ZZZZZZZZ", "console:alban"), CMD_REFUSED);
	has("no pending link has that code");
	unchanged(before);
	/* any case of the code */
	for (char *p = line; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	ok(line, "console:alban");
	has("Linked slack:U0AL to @albanD");
	ck_assert_str_eq(identity_handle(&bot, "slack:U0AL"), "albanD");
	ck_assert_int_eq(count("SELECT count(*) FROM link_requests"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'link' AND actor_id = 'console:alban'"
			       " AND detail = 'slack:U0AL -> @albanD (self; asked by SLACK:U0AL)'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE title = 'Identity linked to @albanD'"
			       " AND body LIKE 'To @albanD (console:alban, slack:U0AL): slack:U0AL is now linked%'"), 1);
	/* the code is used up */
	ck_assert_int_eq(ask(line, "console:alban"), CMD_REFUSED);
	has("no pending link has that code");
	/* asking again from the linked identity: nothing to do; to another: never re-pointed */
	ok("link @albanD", "slack:U0AL");
	has("slack:U0AL is already mapped to @albanD; nothing changed");
	ck_assert_int_eq(ask("link @ezyang", "slack:U0AL"), CMD_REFUSED);
	has("never re-pointed");
	ck_assert_int_eq(ask("link @ezyang", "console:alban"), CMD_REFUSED);
	has("console:alban is already mapped to @albanD");
	ck_assert_int_eq(ask("link slack:U0AL @malfet", "console:ed"), CMD_REFUSED);
	has("never re-pointed");
	ck_assert_str_eq(identity_handle(&bot, "slack:U0AL"), "albanD");
}
END_TEST

/* A code expires; a new request of the same identity replaces the old one. */
START_TEST(test_link_expires_and_replaces)
{
	ok("link @albanD", "slack:U0AL");
	char first[16], line[64];
	reply_code_of(first, sizeof(first));
	ok("link @albanD", "slack:U0AL");
	char second[16];
	reply_code_of(second, sizeof(second));
	ck_assert_str_ne(first, second);
	ck_assert_int_eq(count("SELECT count(*) FROM link_requests"), 1);
	confirm_line(line, sizeof(line), first);
	ck_assert_int_eq(ask(line, "console:alban"), CMD_REFUSED);
	bot.now_override = NOW + 24 * 3600 + 1;
	confirm_line(line, sizeof(line), second);
	ck_assert_int_eq(ask(line, "console:alban"), CMD_REFUSED);
	has("expired");
	ck_assert_ptr_null(identity_handle(&bot, "slack:U0AL"));
}
END_TEST

/* A core maintainer links a handle with no identity yet; a second one confirms. */
START_TEST(test_link_core_two_people)
{
	ok("link SLACK:U0NEW @MALFET", "console:ed");
	has("Link of slack:U0NEW to @malfet requested");
	has("A second core maintainer confirms it with");
	char code[16], line[64];
	reply_code_of(code, sizeof(code));
	confirm_line(line, sizeof(line), code);
	ck_assert_int_eq(ask(line, "console:ed"), CMD_REFUSED);
	has("you asked for this link; a second core maintainer confirms it");
	ck_assert_int_eq(ask(line, "console:alban"), CMD_REFUSED);
	has("confirmed by a second core maintainer only");
	ck_assert_int_eq(ask(line, "slack:U0NEW"), CMD_REFUSED);
	ck_assert_ptr_null(identity_handle(&bot, "slack:U0NEW"));
	ok(line, "console:greg");
	has("Linked slack:U0NEW to @malfet");
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'link' AND actor_handle = 'gchanan'"
			       " AND detail = 'slack:U0NEW -> @malfet (core; asked by console:ed)'"), 1);
	/* the linked identity now holds malfet's role: a core maintainer decides */
	ok(complete_nn, "console:carol");
	ok("decide 1 accept fine by me", "slack:U0NEW");
	ck_assert_int_eq(count("SELECT count(*) FROM decisions WHERE by_handle = 'malfet' AND by_id = 'slack:U0NEW'"), 1);
	/* malfet has an identity now: a second one is theirs to ask for */
	ck_assert_int_eq(ask("link slack:U0TWO @malfet", "console:greg"), CMD_REFUSED);
	has("@malfet already has an identity");
}
END_TEST

/* ---- spam ------------------------------------------------------------------ */

/* The finding: one unmapped identity opened 10,000 nominations.  A
 * community member has at most NOMINATION_MAX_OPEN open; maintainers are
 * not capped. */
START_TEST(test_spam_open_items_capped)
{
	char line[128];
	for (int i = 0; i < NOMINATION_MAX_OPEN; i++) {
		snprintf(line, sizeof(line), "nominate @spam%d for torch.nn", i);
		ok(line, "console:carol");
	}
	long long before[NSNAP];
	snapshot(before);
	ck_assert_int_eq(ask("nominate @spam99 for torch.nn", "console:carol"), CMD_REFUSED);
	has("you (console:carol) already have 5 items open, the most a community member may have at once (5)");
	has("`nominations open`");
	ck_assert_int_eq(ask("nominate-removal @albanD from torch.nn idle", "console:carol"), CMD_REFUSED);
	has("already have 5 items open");
	unchanged(before);
	/* another member, and a maintainer, still open items */
	ok("nominate @spam99 for torch.nn", "console:dave");
	for (int i = 0; i < NOMINATION_MAX_OPEN + 1; i++) {
		snprintf(line, sizeof(line), "nominate @mnt%d for torch.nn", i);
		ok(line, "console:alban");
	}
	ok("nominate-removal @albanD from torch.nn idle", "console:dave");
}
END_TEST

/* A chat identity's command rate: a burst, then "try again in N s". */
START_TEST(test_spam_command_rate)
{
	for (int i = 0; i < DISPATCH_RATE_BURST; i++)
		ok("lead", "slack:U0FAST");
	ck_assert_int_eq(ask("lead", "slack:U0FAST"), CMD_REFUSED);
	has("try again in 3 s");
	ck_assert_int_eq(ask("nominate @x for torch.nn", "slack:U0FAST"), CMD_REFUSED);
	has("try again in 3 s");
	ck_assert_int_eq(count("SELECT count(*) FROM items"), 0);
	/* others are not held up; the console is the operator's */
	ok("lead", "slack:U0SLOW");
	for (int i = 0; i < 3 * DISPATCH_RATE_BURST; i++)
		ok("lead", "console:carol");
	bot.now_override = NOW + 1;
	ck_assert_int_eq(ask("lead", "slack:U0FAST"), CMD_REFUSED);
	has("try again in 2 s");
	bot.now_override = NOW + DISPATCH_RATE_EVERY_S;
	ok("lead", "slack:U0FAST");
	ck_assert_int_eq(ask("lead", "slack:U0FAST"), CMD_REFUSED);
}
END_TEST

/* A repeated letter from the same identity replaces the earlier one. */
START_TEST(test_spam_letter_replaced)
{
	ok(complete_nn, "console:carol");
	ok("support 1 yes", "console:dave");
	has("Added your letter of support to nomination 1 (now 1 in support, 0 against)");
	ok("support 1 yes, really", "console:dave");
	has("Replaced your earlier letter with your letter of support to nomination 1 (now 1 in support");
	ok("support 1 me too", "console:erin");
	ok("object 1 not yet", "console:dave");
	has("(now 2 in support, 1 against)");
	ck_assert_int_eq(count("SELECT count(*) FROM letters WHERE by_id = 'console:dave' AND kind = 'support'"
			       " AND text = 'yes, really'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM letters"), 3);
}
END_TEST

/* The finding: `agenda` showed 500 of 10,001 items without saying so, and
 * a new motion was missing.  Every list says how many more and how to see
 * them; the motions are never pushed out by nominations. */
START_TEST(test_lists_say_how_many_more)
{
	char line[256], who[64];
	for (int i = 1; i <= 60; i++) {
		snprintf(line, sizeof(line), "nominate @nb%d for torch.nn contributions: a interactions: b "
			 "support: c", i);
		snprintf(who, sizeof(who), "console:m%d", i);
		ok(line, who);
	}
	ok("propose torch.nn adopt the new init API", "console:alban");
	has("61");
	ok("agenda", "console:carol");
	has("Open motions and elections");
	has("61 · ");
	has("50 · ");
	lacks("51 · ");
	has("10 more complete nominations (items 51 to 60) not listed here; `show N` shows any of them");
	ok("nominations", "console:carol");
	has("Only the newest 50 of 60 are listed; the 10 older ones are items 10 and below: `show N` "
	    "shows any of them, and `nominations @handle` lists those of one person.");
	for (int i = 1; i <= 12; i++) {
		snprintf(line, sizeof(line), "decide %d accept fine", i);
		ok(line, "console:ed");
	}
	ok("decisions", "console:carol");
	has("2 older decisions are not listed; `decisions 12` lists more, and `show N` shows any item "
	    "with its decisions.");
	ok("decisions 12", "console:carol");
	lacks("older decision");
}
END_TEST

/* The finding: a rationale with newlines and *...* rendered on Slack as a
 * bold "Decision ... accepted" line of its own.  In every dialect the
 * announcement keeps its structure: the user text stays on the body's line
 * and forms no formatting. */
START_TEST(test_announcement_user_text_cannot_fake_structure)
{
	ok(complete_nn, "console:carol");
	ok("decide 1 accept fine\n*Decision on nomination 9: accepted*\n\n_Decision 10_ ~x~", "console:ed");
	sqlite3_stmt *st = store_stmt(bot.store, "SELECT title, body FROM outbox WHERE decision_id IS NOT NULL");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	char *title = strdup((const char *)sqlite3_column_text(st, 0));
	char *body = strdup((const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	ck_assert_ptr_null(strchr(body, '\n'));
	/* rendered as the host hands it to an adapter: title in bold, body a paragraph */
	struct reply *ann = reply_new();
	reply_strong(ann, title);
	reply_para(ann);
	reply_text(ann, body);
	static const enum reply_dialect dialects[] = { DIALECT_CONSOLE, DIALECT_SLACK, DIALECT_MATRIX_HTML,
						       DIALECT_MATRIX_PLAIN, DIALECT_DISCOURSE };
	for (size_t i = 0; i < ARRAY_SIZE(dialects); i++) {
		struct buf r = BUF_INIT;
		reply_render(ann, dialects[i], &r);
		const char *o = buf_str(&r);
		/* the title line, then the body on one line of its own */
		const char *nl = strchr(o, '\n');
		if (dialects[i] == DIALECT_MATRIX_HTML) {
			ck_assert_msg(!nl && !strstr(o, "<br>") && !strstr(o, "<strong>Decision on nomination 9"), "%s", o);
			nl = o;
		} else {
			ck_assert_msg(nl != NULL, "dialect %zu: %s", i, o);
			const char *b = nl;
			while (*b == '\n')
				b++;
			ck_assert_msg(strchr(b, '\n') == NULL, "dialect %zu: a line break in the body: %s", i, o);
		}
		if (dialects[i] == DIALECT_SLACK) {
			/* the only formatting is the title's bold */
			ck_assert_msg(strchr(strchr(o, '*') + 1, '*') == nl - 1, "slack: %s", o);
			ck_assert_msg(strchr(nl, '*') == NULL && strchr(nl, '~') == NULL, "slack: %s", o);
			ck_assert_msg(strstr(nl, " _") == NULL, "slack: %s", o);
		}
		if (dialects[i] == DIALECT_DISCOURSE)
			ck_assert_msg(strstr(nl, "\\*Decision on nomination 9") != NULL, "discourse: %s", o);
		buf_release(&r);
	}
	reply_free(ann);
	free(title);
	free(body);
}
END_TEST

/* Read-only commands answer with a read-only database and with a full
 * disk; every write says, to the user, that nothing was changed. */
/* A full disk, for real SQLite: a VFS over the default one whose writes
 * fail with SQLITE_FULL while disk_full is set (registered as the default
 * before the bot opens its database, so the store uses it unchanged). */
static bool disk_full;
static sqlite3_vfs full_vfs, *base_vfs;
static sqlite3_io_methods full_io;
static const sqlite3_io_methods *base_io;

struct full_file {
	sqlite3_file base;   /* io methods: full_io */
	sqlite3_file *real;  /* the default VFS's file, after this struct */
};

static int ff_close(sqlite3_file *f)
{
	struct full_file *x = (struct full_file *)f;
	return x->real->pMethods->xClose(x->real);
}
static int ff_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xRead(x->real, b, n, o); }
static int ff_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{ struct full_file *x = (struct full_file *)f; return disk_full ? SQLITE_FULL : x->real->pMethods->xWrite(x->real, b, n, o); }
static int ff_truncate(sqlite3_file *f, sqlite3_int64 n)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xTruncate(x->real, n); }
static int ff_sync(sqlite3_file *f, int fl)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xSync(x->real, fl); }
static int ff_size(sqlite3_file *f, sqlite3_int64 *n)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xFileSize(x->real, n); }
static int ff_lock(sqlite3_file *f, int l)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xLock(x->real, l); }
static int ff_unlock(sqlite3_file *f, int l)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xUnlock(x->real, l); }
static int ff_check(sqlite3_file *f, int *r)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xCheckReservedLock(x->real, r); }
static int ff_fctl(sqlite3_file *f, int op, void *a)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xFileControl(x->real, op, a); }
static int ff_sector(sqlite3_file *f)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xSectorSize(x->real); }
static int ff_dev(sqlite3_file *f)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xDeviceCharacteristics(x->real); }
static int ff_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **p)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xShmMap(x->real, pg, sz, ext, p); }
static int ff_shmlock(sqlite3_file *f, int o, int n, int fl)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xShmLock(x->real, o, n, fl); }
static void ff_shmbarrier(sqlite3_file *f)
{ struct full_file *x = (struct full_file *)f; x->real->pMethods->xShmBarrier(x->real); }
static int ff_shmunmap(sqlite3_file *f, int d)
{ struct full_file *x = (struct full_file *)f; return x->real->pMethods->xShmUnmap(x->real, d); }

static int ff_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *oflags)
{
	struct full_file *x = (struct full_file *)f;
	x->real = (sqlite3_file *)(x + 1);
	int rc = base_vfs->xOpen(base_vfs, name, x->real, flags, oflags);
	if (rc != SQLITE_OK) {
		f->pMethods = NULL;
		return rc;
	}
	base_io = x->real->pMethods;
	full_io = (sqlite3_io_methods){ 2, ff_close, ff_read, ff_write, ff_truncate, ff_sync, ff_size,
		ff_lock, ff_unlock, ff_check, ff_fctl, ff_sector, ff_dev, ff_shmmap, ff_shmlock,
		ff_shmbarrier, ff_shmunmap, NULL, NULL };
	f->pMethods = &full_io;
	return SQLITE_OK;
}

static void use_full_vfs(void)
{
	base_vfs = sqlite3_vfs_find(NULL);
	full_vfs = *base_vfs;
	full_vfs.zName = "govbot-test-full";
	full_vfs.szOsFile = (int)sizeof(struct full_file) + base_vfs->szOsFile;
	full_vfs.xOpen = ff_open;
	full_vfs.pNext = NULL;
	ck_assert_int_eq(sqlite3_vfs_register(&full_vfs, 1), SQLITE_OK);
}

static void drop_full_vfs(void)
{
	disk_full = false;
	sqlite3_vfs_unregister(&full_vfs);
	sqlite3_vfs_register(base_vfs, 1);
}

START_TEST(test_readonly_or_full_still_answers)
{
	if (_i == 1) {   /* the store opens through the VFS that can fill the disk */
		bot_close(&bot);
		use_full_vfs();
		open_bot();
	}
	ok(complete_nn, "console:carol");
	ok("support 1 yes", "console:dave");
	ok("propose torch.nn adopt the new init API", "console:alban");
	ok("nominate @n2 for torch.optim contributions: a interactions: b support: c", "console:erin");
	ok("decide 3 accept fine", "console:ed");
	if (_i == 1)
		disk_full = true;
	else
		ck_assert_int_eq(sqlite3_exec(store_db(bot.store), "PRAGMA query_only = 1", NULL, NULL, NULL),
				 SQLITE_OK);
	static const struct { const char *text, *says; } reads[] = {
		{ "agenda", "Open motions and elections" }, { "nominations all", "@newbie" },
		{ "show 1", "yes" }, { "decisions", "accepted" }, { "who torch.optim", "@n2" },
		{ "lead", "Soumith" }, { "help", "nominate" }, { "process link", "link confirm" },
		{ "modules nn", "torch.nn" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(reads); i++) {
		ck_assert_msg(ask(reads[i].text, "slack:U0READER") == CMD_OK || strcmp(reads[i].text, "x") == 0,
			      "%s -> %s", reads[i].text, out);
		has(reads[i].says);
		bot.now_override += DISPATCH_RATE_EVERY_S;
	}
	long long before[NSNAP];
	snapshot(before);
	static const struct { const char *text, *as; } writes[] = {
		{ "support 1 me too", "console:erin" }, { "vote 2 yes", "console:alban" },
		{ "nominate @n3 for torch.nn", "console:frank" }, { "link @albanD", "slack:U0AL" },
		{ "decide 1 accept ok", "console:ed" }, { "recuse 2 conflict", "console:joel" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(writes); i++) {
		ck_assert_msg(ask(writes[i].text, writes[i].as) == CMD_FAILED, "%s -> %s", writes[i].text, out);
		has("nothing was changed");
		ck_assert(!store_in_tx(bot.store));
	}
	disk_full = false;
	unchanged(before);
	if (_i == 1) {
		bot_close(&bot);
		drop_full_vfs();
		open_bot();
	}
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
	tcase_add_test(tc, test_link_nobody_borrows_an_identity);
	tcase_add_test(tc, test_link_self);
	tcase_add_test(tc, test_link_expires_and_replaces);
	tcase_add_test(tc, test_link_core_two_people);
	tcase_add_test(tc, test_spam_open_items_capped);
	tcase_add_test(tc, test_spam_command_rate);
	tcase_add_test(tc, test_spam_letter_replaced);
	tcase_add_test(tc, test_lists_say_how_many_more);
	tcase_add_test(tc, test_announcement_user_text_cannot_fake_structure);
	tcase_add_loop_test(tc, test_readonly_or_full_still_answers, 0, 2);
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
