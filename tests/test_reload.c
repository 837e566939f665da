/* test_reload.c - re-reading the config and the roster (chatbot/host/reload.c):
 * a changed page takes effect with the stored decisions applied on top; a
 * page or config that no longer reads is refused with the reason and the
 * running one kept; identities apply at once, other keys wait for a
 * restart; check-config says what a reload would change; and the real
 * binary does it on SIGHUP while it serves the console. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/identity.h"
#include "chatbot/host/reload.h"
#include "commands/commands.h"
#include "tests/testutil.h"

static char dir[256], cfg[300], roster_path[300];
static struct govbot bot;
static struct reload_state st;
static struct reply *reply;
static char *out;

#define NOW 1700000000LL

static const char roster_v1[] =
	"# Example | Maintainers\n\n"
	"## Lead Core Maintainer (BDFL)\n\n"
	"- Ada Lovelace ([adalove](https://github.com/adalove))\n\n"
	"## Core Maintainers\n\n"
	"- Grace Hopper ([ghopper](https://github.com/ghopper))\n"
	"- Alan Turing ([aturing](https://github.com/aturing))\n\n"
	"## Module-level maintainers\n\n"
	"### Widgets (torch.widgets)\n\n"
	"- Barbara Liskov ([bliskov](https://github.com/bliskov))\n"
	"- Niklaus Wirth ([nwirth](https://github.com/nwirth))\n\n"
	"### Gadgets (torch.gadgets)\n\n"
	"- Charles Babbage ([cbabbage](https://github.com/cbabbage))\n";

/* Upstream changed: a newcomer in Gadgets, Wirth emeritus, a new module. */
static const char roster_v2[] =
	"# Example | Maintainers\n\n"
	"## Lead Core Maintainer (BDFL)\n\n"
	"- Ada Lovelace ([adalove](https://github.com/adalove))\n\n"
	"## Core Maintainers\n\n"
	"- Grace Hopper ([ghopper](https://github.com/ghopper))\n"
	"- Alan Turing ([aturing](https://github.com/aturing))\n\n"
	"## Module-level maintainers\n\n"
	"### Widgets (torch.widgets)\n\n"
	"- Barbara Liskov ([bliskov](https://github.com/bliskov))\n"
	"- (emeritus) Niklaus Wirth ([nwirth](https://github.com/nwirth))\n\n"
	"### Gadgets (torch.gadgets)\n\n"
	"- Charles Babbage ([cbabbage](https://github.com/cbabbage))\n"
	"- Kathleen Booth ([kbooth](https://github.com/kbooth))\n\n"
	"### Sprockets (torch.sprockets)\n\n"
	"- John Backus ([jbackus](https://github.com/jbackus))\n";

static const char broken_roster[] = "this is not a maintainers page any more\n";

static const char config_fmt[] =
	"{ \"database\": \"gov.sqlite3\", \"roster\": \"roster.md\",%s\n"
	"  \"identities\": { \"ghopper\": [\"console:grace\"], \"bliskov\": [\"console:barbara\"]%s } }\n";

static void write_config(const char *extra_root, const char *extra_ids)
{
	char text[1024];
	snprintf(text, sizeof(text), config_fmt, extra_root, extra_ids);
	tu_write_file(cfg, text);
}

static void setup(void)
{
	tu_mkdtemp(dir, sizeof(dir), "reload");
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", dir);
	snprintf(roster_path, sizeof(roster_path), "%s/roster.md", dir);
	tu_write_file(roster_path, roster_v1);
	write_config("", "");
	tu_bot_open(&bot, cfg, NOW);
	reload_init(&st, &bot);
	reply = reply_new();
	out = NULL;
}

static void teardown(void)
{
	free(out);
	reply_free(reply);
	reload_state_free(&st);
	bot_close(&bot);
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup failed\n");
}

static void ask_ok(const char *as, const char *text)
{
	struct dispatch_request req = { text, strlen(text), as, "console", false };
	int rc = tu_dispatch(&bot, &req, reply, &out);
	ck_assert_msg(rc == CMD_OK, "%s -> %s", text, out);
}

static bool active_in(const char *group, const char *handle)
{
	for (size_t i = 0; i < bot.roster->ngroups; i++)
		if (str_ieq(bot.roster->groups[i].title, group))
			return roster_in_group(&bot.roster->groups[i], handle, NULL);
	return false;
}

#define contains(hay, s) ck_assert_msg(strstr((hay), (s)) != NULL, "missing '%s' in:\n%s", (s), (hay))

START_TEST(test_changed_page_applies_with_decisions_on_top)
{
	struct buf report = BUF_INIT;
	ask_ok("console:barbara", "nominate @newbie for torch.widgets contributions: many interactions: "
	       "kind support: we agree");
	ask_ok("console:grace", "decide 1 accept steady work");
	ck_assert(active_in("Widgets (torch.widgets)", "newbie"));

	tu_write_file(roster_path, roster_v2);
	ck_assert_int_eq(reload_apply(&st, &bot, &report), 0);
	contains(report.data, "+ @kbooth in Gadgets (torch.gadgets)");
	contains(report.data, "emeritus: @nwirth in Widgets (torch.widgets)");
	contains(report.data, "module added: Sprockets (torch.sprockets) (1 active maintainers)");
	ck_assert(active_in("Gadgets (torch.gadgets)", "kbooth"));
	ck_assert(active_in("Sprockets (torch.sprockets)", "jbackus"));
	ck_assert(!active_in("Widgets (torch.widgets)", "nwirth"));
	/* the stored decision still applies on top of the new page */
	ck_assert(active_in("Widgets (torch.widgets)", "newbie"));
	/* and commands see the new roster */
	ask_ok("console:x", "who torch.sprockets");
	contains(out, "@jbackus");

	/* the same files again: nothing changed */
	buf_reset(&report);
	ck_assert_int_eq(reload_apply(&st, &bot, &report), 0);
	ck_assert_str_eq(report.data, "nothing changed");
	buf_release(&report);
}
END_TEST

START_TEST(test_broken_page_refused_running_kept)
{
	struct buf report = BUF_INIT;
	struct roster *before = bot.roster;
	tu_write_file(roster_path, broken_roster);
	ck_assert_int_eq(reload_apply(&st, &bot, &report), -1);
	contains(report.data, "refused: roster: ");
	contains(report.data, "not a maintainers page");
	contains(report.data, "the running roster is kept");
	ck_assert_ptr_eq(bot.roster, before);
	ck_assert(active_in("Widgets (torch.widgets)", "nwirth"));
	ask_ok("console:x", "who torch.gadgets");
	contains(out, "@cbabbage");

	/* a config with a problem is refused too, naming it */
	buf_reset(&report);
	tu_write_file(roster_path, roster_v2);
	write_config(" \"adapterz\": {},", "");
	ck_assert_int_eq(reload_apply(&st, &bot, &report), -1);
	contains(report.data, "adapterz: unknown key");
	contains(report.data, "the running config and roster are kept");
	ck_assert(!active_in("Gadgets (torch.gadgets)", "kbooth"));

	/* a missing roster file */
	buf_reset(&report);
	write_config("", "");
	unlink(roster_path);
	ck_assert_int_eq(reload_apply(&st, &bot, &report), -1);
	contains(report.data, "No such file");
	buf_release(&report);
}
END_TEST

START_TEST(test_identities_live_other_keys_at_restart)
{
	struct buf report = BUF_INIT;
	ck_assert_ptr_null(identity_config_handle(bot.config, "console:kb"));
	write_config(" \"bot_name\": \"gov2\", \"http\": { \"listen\": \"127.0.0.1:1\" },"
		     " \"governance\": { \"vote_days\": 7 },", ", \"kbooth\": [\"console:kb\"]");
	ck_assert_int_eq(reload_apply(&st, &bot, &report), 0);
	contains(report.data, "identities: @kbooth mapped");
	contains(report.data, "governance.vote_days: 14 -> 7");
	contains(report.data, "kept until the next restart: ");
	contains(report.data, "bot_name");
	contains(report.data, "http");
	ck_assert_str_eq(identity_config_handle(bot.config, "console:kb"), "kbooth");
	ck_assert_int_eq(bot.config->vote_days, 7);
	/* a motion opened now closes 7 days from NOW (2023-11-14 22:13 UTC) */
	ask_ok("console:grace", "propose core adopt the new process");
	contains(out, "2023-11-21 22:13 UTC");
	ck_assert_ptr_null(bot.config->http_listen);   /* kept until a restart */
	ck_assert_str_eq(bot.config->bot_name, "govbot");
	buf_release(&report);
}
END_TEST

/* aliases and codeowners apply at once too; an unreadable CODEOWNERS is
 * refused like a broken page. */
/* A first-time caller found linked to nobody (which the running bot
 * remembers) is who a reloaded config says at once, and nobody again at once
 * when a reload takes the mapping away; through the dispatcher, as a chat
 * command sees it. */
START_TEST(test_identity_after_reload_seen_at_once)
{
	struct buf report = BUF_INIT;
	const char *cmd = "propose core adopt the new process";
	struct dispatch_request req = { cmd, strlen(cmd), "slack:U0KB", "slack:C1", false };

	ck_assert_int_eq(tu_dispatch(&bot, &req, reply, &out), CMD_REFUSED);
	contains(out, "you are mapped to no handle");
	ck_assert_ptr_null(identity_handle(&bot, "slack:U0KB"));
	write_config("", ", \"aturing\": [\"slack:U0KB\"]");
	ck_assert_int_eq(reload_apply(&st, &bot, &report), 0);
	ck_assert_str_eq(identity_handle(&bot, "slack:U0KB"), "aturing");
	ck_assert_int_eq(tu_dispatch(&bot, &req, reply, &out), CMD_OK);
	write_config("", "");
	buf_reset(&report);
	ck_assert_int_eq(reload_apply(&st, &bot, &report), 0);
	ck_assert_ptr_null(identity_handle(&bot, "slack:U0KB"));
	ck_assert_int_eq(tu_dispatch(&bot, &req, reply, &out), CMD_REFUSED);
	contains(out, "you are mapped to no handle");
	buf_release(&report);
}
END_TEST

START_TEST(test_aliases_and_codeowners_live)
{
	struct buf report = BUF_INIT;
	struct dispatch_request req = { "who gizmo", 9, "console:x", "console", false };
	tu_dispatch(&bot, &req, reply, &out);
	ck_assert_ptr_null(strstr(out, "@cbabbage"));

	write_config(" \"aliases\": { \"gizmo\": [\"torch.gadgets\"] },", "");
	ck_assert_int_eq(reload_apply(&st, &bot, &report), 0);
	ck_assert_str_eq(report.data, "aliases changed");
	ask_ok("console:x", "who gizmo");
	contains(out, "@cbabbage");

	buf_reset(&report);
	write_config(" \"aliases\": { \"gizmo\": [\"torch.gadgets\"] }, \"codeowners\": \"nope/CODEOWNERS\",", "");
	ck_assert_int_eq(reload_apply(&st, &bot, &report), -1);
	contains(report.data, "refused: codeowners: ");
	ck_assert_ptr_null(bot.config->codeowners_path);
	ask_ok("console:x", "who gizmo");   /* the running names are kept */
	contains(out, "@cbabbage");
	buf_release(&report);
}
END_TEST

START_TEST(test_check_config_preview)
{
	struct buf prev = BUF_INIT, problems = BUF_INIT;
	struct config *c = NULL;
	struct roster *r = NULL;
	char msg[256];

	ck_assert_int_eq(config_load(cfg, &c, &problems), 0);
	ck_assert_int_eq(roster_load(c->roster_path, &r, msg, sizeof(msg)), 0);
	ck_assert_int_eq(reload_preview(c, r, &prev), 0);
	contains(prev.data, "reload: nothing would change");
	roster_free(r);
	config_free(c);

	tu_write_file(roster_path, roster_v2);
	write_config(" \"bot_name\": \"gov2\",", "");
	ck_assert_int_eq(config_load(cfg, &c, &problems), 0);
	ck_assert_int_eq(roster_load(c->roster_path, &r, msg, sizeof(msg)), 0);
	buf_reset(&prev);
	ck_assert_int_eq(reload_preview(c, r, &prev), 1);
	contains(prev.data, "reload: would apply: + @kbooth in Gadgets (torch.gadgets)\n");
	contains(prev.data, "reload: changed, but needs a restart: bot_name\n");
	roster_free(r);
	config_free(c);

	/* the binary says the same */
	char govbot[PATH_MAX];
	ck_assert_int_eq(tu_find_govbot(govbot, "test_reload"), 0);
	struct tu_proc p;
	const char *args[] = { "check-config", "--config", cfg, NULL };
	tu_run(govbot, NULL, args, NULL, 0, NULL, 0, 20000, &p);
	ck_assert_int_eq(p.status, 0);
	contains(p.out.data, "reload: would apply: module added: Sprockets (torch.sprockets)");

	/* a database nobody ran on */
	write_config("", "");
	tu_proc_release(&p);
	char other[400];
	snprintf(other, sizeof(other), "%s/other.json", dir);
	tu_write_file(other, "{ \"database\": \"none.sqlite3\" }\n");
	const char *args2[] = { "check-config", "--config", other, NULL };
	tu_run(govbot, NULL, args2, NULL, 0, NULL, 0, 20000, &p);
	ck_assert_int_eq(p.status, 0);
	contains(p.out.data, "reload: no database at ");
	tu_proc_release(&p);
	buf_release(&prev);
	buf_release(&problems);
}
END_TEST

/* ---- the real binary, SIGHUP ---- */

/* Reads fd into b until it contains s; fails after timeout_ms. */
static void read_until(int fd, struct buf *b, const char *s, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;
	while (!strstr(buf_str(b), s)) {
		long long left = deadline - tu_now_ms();
		ck_assert_msg(left > 0, "waited %d ms for '%s'; got:\n%s", timeout_ms, s, buf_str(b));
		struct pollfd pf = { fd, POLLIN, 0 };
		if (poll(&pf, 1, (int)left) <= 0)
			continue;
		char chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		ck_assert_msg(n > 0, "stream ended while waiting for '%s'; got:\n%s", s, buf_str(b));
		buf_add(b, chunk, (size_t)n);
	}
}

static void say(int fd, const char *line)
{
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
}

START_TEST(test_sighup_in_the_running_binary)
{
	char govbot[PATH_MAX];
	int in, o, e, status;
	struct buf sout = BUF_INIT, serr = BUF_INIT;
	ck_assert_int_eq(tu_find_govbot(govbot, "test_reload"), 0);
	/* the test's own bot must not hold the database */
	reload_state_free(&st);
	bot_close(&bot);
	const char *args[] = { "run", "--config", cfg, "--log-format", "json", NULL };
	pid_t pid = tu_spawn(govbot, dir, args, NULL, NULL, &in, &o, &e);

	read_until(e, &serr, "\"msg\":\"ready\"", 20000);
	say(in, "who torch.gadgets\n");
	read_until(o, &sout, "@cbabbage", 20000);
	ck_assert_ptr_null(strstr(sout.data, "kbooth"));

	tu_write_file(roster_path, roster_v2);
	kill(pid, SIGHUP);
	read_until(e, &serr, "reloaded on SIGHUP", 20000);
	contains(serr.data, "{\"level\":\"info\",\"adapter\":\"reload\",\"msg\":\"reloaded on SIGHUP: ");
	buf_reset(&sout);
	say(in, "who torch.gadgets\n");
	read_until(o, &sout, "@kbooth", 20000);

	/* broken now: refused, the running roster answers on */
	tu_write_file(roster_path, broken_roster);
	kill(pid, SIGHUP);
	read_until(e, &serr, "refused: roster", 20000);
	buf_reset(&sout);
	say(in, "who torch.sprockets\n");
	read_until(o, &sout, "@jbackus", 20000);

	close(in);
	long long deadline = tu_now_ms() + 20000;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		ck_assert_msg(tu_now_ms() < deadline, "govbot did not exit at end of input");
		struct pollfd pf[2] = { { o, POLLIN, 0 }, { e, POLLIN, 0 } };
		if (poll(pf, 2, 100) > 0) {
			char chunk[4096];
			if (pf[0].revents && read(o, chunk, sizeof(chunk)) <= 0)
				o = -1;
			if (pf[1].revents && read(e, chunk, sizeof(chunk)) <= 0)
				e = -1;
		}
	}
	ck_assert_int_eq(tu_exit_code(status), 0);
	/* every log line is one JSON object */
	for (const char *l = serr.data; *l;) {
		const char *nl = strchr(l, '\n');
		ck_assert_msg(l[0] == '{' && nl && nl[-1] == '}', "not a JSON line: %.*s",
			      nl ? (int)(nl - l) : (int)strlen(l), l);
		l = nl + 1;
	}
	if (o >= 0)
		close(o);
	if (e >= 0)
		close(e);
	buf_release(&sout);
	buf_release(&serr);
	/* teardown closes them again: make that harmless */
	memset(&bot, 0, sizeof(bot));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("reload");
	TCase *tc = tcase_create("reload");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_changed_page_applies_with_decisions_on_top);
	tcase_add_test(tc, test_broken_page_refused_running_kept);
	tcase_add_test(tc, test_identities_live_other_keys_at_restart);
	tcase_add_test(tc, test_identity_after_reload_seen_at_once);
	tcase_add_test(tc, test_aliases_and_codeowners_live);
	tcase_add_test(tc, test_check_config_preview);
	tcase_add_test(tc, test_sighup_in_the_running_binary);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
