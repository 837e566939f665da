/* test_dispatch.c - the dispatcher: input validation, addressing, unknown
 * commands, role checks with their refusal texts and log lines. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/bot/config.h"
#include "chatbot/dispatch/dispatch.h"
#include "chatbot/bot/grammar.h"
#include "chatbot/gov/store.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"
#include "tests/testutil.h"

static struct govbot bot;
static struct reply *reply;
static char *out;

/* The config maps these chat identities to roster handles. */
static const char *const mapping[][2] = {
	{ "ezyang", "console:ed" },     /* core maintainer */
	{ "albanD", "console:alban" },  /* module maintainer, not core */
	{ "zzunknown", "console:zz" },  /* a handle the roster does not know */
};

static void setup(void)
{
	tu_bot_memory(&bot, roster_load_default());
	tu_map_identities(bot.config, mapping, ARRAY_SIZE(mapping));
	reply = reply_new();
	out = NULL;
}

static void teardown(void)
{
	free(out);
	reply_free(reply);
	tu_bot_memory_free(&bot);
}

static int run(const char *text, size_t len, const char *as, bool require_prefix)
{
	struct dispatch_request req = { text, len, as, "console:test", require_prefix };
	return tu_dispatch(&bot, &req, reply, &out);
}

static int ask(const char *text, const char *as)
{
	return run(text, strlen(text), as, false);
}

#define has(s) ck_assert_msg(strstr(out, (s)), "missing '%s' in:\n%s", (s), out)
#define lacks(s) ck_assert_msg(!strstr(out, (s)), "unexpected '%s' in:\n%s", (s), out)

/* ---- validation ---------------------------------------------------------------- */

START_TEST(test_too_long)
{
	size_t n = GOVBOT_MAX_INPUT + 1;
	char *s = malloc(n);
	memset(s, 'a', n);
	memcpy(s, "who ", 4);
	ck_assert_int_eq(run(s, n, "console:x", false), CMD_ERROR);
	ck_assert_str_eq(out, "message too long: the limit is 4096 bytes; shorten it, or split it "
			 "(a nomination's fields can follow with `amend N FIELD: TEXT`)");
	/* exactly the limit is accepted (and then fails as an unknown module) */
	ck_assert_int_eq(run(s, n - 1, "console:x", false), CMD_ERROR);
	has("no module or person matches");
	/* in a room, a long message nobody addressed to us is ignored */
	ck_assert_int_eq(run(s, n, "slack:U1", true), DISPATCH_IGNORED);
	ck_assert_str_eq(out, "");
	memcpy(s, "/gov who", 8);
	ck_assert_int_eq(run(s, n, "slack:U1", true), CMD_ERROR);
	has("message too long");
	free(s);
}
END_TEST

struct bad {
	const char *text;
	size_t len;
	const char *want;
};

#define B(s, w) { s, sizeof(s) - 1, w }
static const struct bad bads[] = {
	B("who \xff", "not valid UTF-8"),
	B("who \xc0\xaf", "not valid UTF-8"),           /* overlong '/' */
	B("who \xed\xa0\x80", "not valid UTF-8"),       /* surrogate */
	B("who \xe2\x82", "not valid UTF-8"),           /* truncated */
	B("who torch\x1b[2J", "control character (byte 0x1b at offset 9)"),
	B("who\x01 x", "control character (byte 0x01 at offset 3)"),
	B("who x\x7f", "control character (byte 0x7f"),
	B("who x\rlead", "control character (byte 0x0d"),
	B("who \xc2\x85x", "control character (byte 0xc2"),
	B("who \0x", "control character (byte 0x00 at offset 4)"),
};

START_TEST(test_bad_bytes)
{
	ck_assert_int_eq(run(bads[_i].text, bads[_i].len, "console:x", false), CMD_ERROR);
	has(bads[_i].want);
	lacks("Maintainers");
}
END_TEST

START_TEST(test_allowed_whitespace)
{
	ck_assert_int_eq(ask("who\ttorch.nn", "console:x"), CMD_OK);
	ck_assert_int_eq(ask("who torch.nn\r\n", "console:x"), CMD_OK);
	ck_assert_int_eq(ask("who torch.nn\n", "console:x"), CMD_OK);
	ck_assert_int_eq(ask("who caf\xc3\xa9", "console:x"), CMD_ERROR); /* valid UTF-8, unknown module */
	has("no module or person matches");
	has("caf\xc3\xa9");
	/* Unicode blanks chat clients send: no-break, ideographic, zero-width */
	ck_assert_int_eq(ask("who\xc2\xa0torch.nn", "console:x"), CMD_OK);
	has("NN APIs (torch.nn)");
	ck_assert_int_eq(ask("\xe2\x80\x8bwho torch.nn\xe2\x80\x8b", "console:x"), CMD_OK);
	const char *ideo = "/gov\xe3\x80\x80who\xe2\x80\xaftorch.nn";
	ck_assert_int_eq(run(ideo, strlen(ideo), "slack:U1", true), CMD_OK);
	has("NN APIs (torch.nn)");
	ck_assert_int_eq(ask("\xef\xbb\xbfwho torch.nn", "console:x"), CMD_OK);
}
END_TEST

/* ---- addressing ------------------------------------------------------------------ */

START_TEST(test_ignored)
{
	ck_assert_int_eq(run("hello there", 11, "slack:U1", true), DISPATCH_IGNORED);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(run("/government", 11, "slack:U1", true), DISPATCH_IGNORED);
	ck_assert_int_eq(run("bad \xff bytes in chatter", 22, "slack:U1", true), DISPATCH_IGNORED);
	ck_assert_int_eq(run(NULL, 0, "slack:U1", true), DISPATCH_IGNORED);
}
END_TEST

START_TEST(test_prefix_only_is_help)
{
	ck_assert_int_eq(run("/gov", 4, "slack:U1", true), CMD_OK);
	has("Commands");
	ck_assert_int_eq(run("@govbot", 7, "slack:U1", true), CMD_OK);
	has("Commands");
	ck_assert_int_eq(run("/gov who torch.fft", 18, "slack:U1", true), CMD_OK);
	has("Mike Ruberry");
}
END_TEST

START_TEST(test_unknown_command)
{
	ck_assert_int_eq(ask("nominat @x for core", "console:x"), CMD_ERROR);
	ck_assert_str_eq(out, "unknown command `nominat`; did you mean `nominate`?\ntype `help` for the list");
	ck_assert_int_eq(ask("frobnicate", "console:x"), CMD_ERROR);
	has("unknown command `frobnicate`");
	lacks("did you mean");
	has("type `help` for the list");
	char longword[200];
	memset(longword, 'x', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	ck_assert_int_eq(ask(longword, "console:x"), CMD_ERROR);
	has("unknown command");
	/* a nomination field on a line (a console message) of its own */
	/* a question no form took points at process, not at `show` */
	ck_assert_int_eq(ask("how are decisions made?", "console:x"), CMD_OK);
	has("Who decides?");
	ck_assert_int_eq(ask("why is the sky blue?", "console:x"), CMD_ERROR);
	ck_assert_str_eq(out, "I don't have an answer to that; `process` lists what I can explain, and "
			 "`help` the commands.");
	ck_assert_int_eq(ask("how many votes does a quorum need?", "console:x"), CMD_ERROR);
	has("the nearest topics:");
	has("`process motions`");
	lacks("unknown command");
	ck_assert_int_eq(ask("support: the maintainers agree", "console:x"), CMD_ERROR);
	ck_assert_str_eq(out, "unknown command `support:`; a nomination's fields go in the message that "
			 "opens it, or later `amend N FIELD: TEXT` (N is the nomination's number)");
}
END_TEST

/* ---- roles ------------------------------------------------------------------------- */

/* The finding: a handle with a direction override or an invisible
 * character was reported as an unknown person.  It is refused as such. */
START_TEST(test_invisible_in_handle_refused)
{
	ck_assert_int_eq(ask("who @sou\xE2\x80\x8Dmith", "console:alice"), CMD_ERROR);
	has("the handle starting @sou contains an invisible character (U+200D at offset 8); type the "
	    "handle again without it");
	ck_assert_int_eq(ask("who @soumith\xC2\xAD", "console:alice"), CMD_ERROR);
	has("invisible character (U+00AD");
	ck_assert_int_eq(ask("who @\xE2\x80\xAEhtimuos", "console:alice"), CMD_ERROR);
	has("message contains U+202E RIGHT-TO-LEFT OVERRIDE (at offset 5), which makes text read other "
	    "than it is written");
	lacks("no one");
	/* a zero-width space after a mention (chat clients add one) is fine, and
	 * a joiner in free text (an emoji sequence) is not a handle */
	ck_assert_int_eq(ask("who @soumith\xE2\x80\x8B", "console:alice"), CMD_OK);
	has("Soumith");
	ask("support 1 great work \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB", "console:alice");
	lacks("invisible");
}
END_TEST

START_TEST(test_role_unmapped)
{
	ck_assert_int_eq(ask("ballot 1 @alice", "console:alice"), CMD_REFUSED);
	has("only core maintainers may use `ballot`; you (console:alice) are mapped to no handle");
	has("send `link @yourhandle` from this identity and confirm it from one you have");
	ck_assert_int_eq(ask("ballot 1 @alice", NULL), CMD_REFUSED);
	has("mapped to no handle");
	/* a handle the roster does not know holds no role either */
	ck_assert_int_eq(ask("ballot 1 @alice", "console:zz"), CMD_REFUSED);
	has("you are @zzunknown, who is not a core maintainer");
}
END_TEST

START_TEST(test_role_not_core)
{
	ck_assert_int_eq(ask("ballot 1 @alice", "console:alban"), CMD_REFUSED);
	has("only core maintainers may use `ballot`; you are @albanD, who is not a core maintainer");
}
END_TEST

START_TEST(test_role_allowed)
{
	/* past the role check, the handler runs (whatever it answers) */
	ask("ballot 1 @alice", "console:ed");
	lacks("only core maintainers");
	has("need the database");   /* the hook's answer: this bot has none */
	/* step-down needs a maintainer: a module maintainer passes, a member does not */
	ck_assert_int_eq(ask("step-down torch.nn", "console:nobody"), CMD_REFUSED);
	has("only maintainers (module or core) may use `step-down`");
	ck_assert_int_ne(ask("step-down torch.nn", "console:alban"), CMD_REFUSED);
	lacks("only maintainers");
	/* commands for anyone ignore the caller entirely */
	ck_assert_int_eq(ask("who torch.nn", "console:nobody"), CMD_OK);
	ck_assert_int_eq(ask("who torch.nn", NULL), CMD_OK);
}
END_TEST

START_TEST(test_refusal_logged)
{
	char path[] = "/tmp/govbot-dispatch-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	ask("ballot 1 @alice", "console:alban");
	ask("who torch.nn", "console:alban");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char buf[2048] = { 0 };
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(strstr(buf, "level=info msg=\"refused\" cmd=ballot caller=\"console:alban\" handle=albanD"),
		      "log: %s", buf);
	/* one line: the allowed command logged nothing */
	ck_assert_ptr_null(strchr(strchr(buf, '\n') + 1, '\n'));
}
END_TEST

/* The row's authorize hook runs after the role check, and its refusal
 * (here: amend needs the database, and this bot has none) is the answer. */
START_TEST(test_authorize_refusal)
{
	int rc = ask("amend 1 support: they review a lot", "console:nobody");
	ck_assert_int_eq(rc, CMD_REFUSED);
	ck_assert_msg(strlen(out) > 10, "refusal: '%s'", out);
	lacks("not available");
	/* a malformed item is the user's error, still refused before the handler */
	rc = ask("amend x", "console:nobody");
	ck_assert(rc == CMD_ERROR || rc == CMD_REFUSED);
	ck_assert_msg(strlen(out) > 10, "refusal: '%s'", out);
}
END_TEST

START_TEST(test_reply_reset_between_calls)
{
	ask("who torch.nn", "console:x");
	ck_assert_int_eq(run("chatter", 7, "slack:U1", true), DISPATCH_IGNORED);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(ask("lead", "console:x"), CMD_OK);
	lacks("Greg");
}
END_TEST

/* ---- links, as the dispatcher sees them ----------------------------------------- */

static int ask_on(struct govbot *b, const char *text, const char *as, struct reply *r, char **o)
{
	struct dispatch_request req = { text, strlen(text), as, "slack:C1", false };
	return tu_dispatch(b, &req, r, o);
}

/* Links are held in memory, so a first-time caller linked to nobody costs
 * no query; the caller is someone as soon as a link names them, made here
 * or by another process (`govbot ask`: another connection), and nobody
 * again as soon as it is gone. */
START_TEST(test_links_seen_at_once)
{
	char dir[64], cfg[128], db[128], err[256];
	struct govbot sb;
	struct store *other;
	struct reply *r = reply_new();
	char *o = NULL;
	const char *cmd = "ballot 1 @alice", *unmapped = "you (slack:U0ED) are mapped to no handle";

	tu_mkdtemp(dir, sizeof(dir), "dispatch");
	snprintf(cfg, sizeof(cfg), "%s/g.json", dir);
	snprintf(db, sizeof(db), "%s/g.sqlite3", dir);
	tu_write_file(cfg, "{\"database\": \"g.sqlite3\"}");
	tu_bot_open(&sb, cfg, 1700000000);
	ck_assert_int_eq(store_open(db, &other, err, sizeof(err)), STORE_OK);

	ck_assert_int_eq(ask_on(&sb, cmd, "slack:U0ED", r, &o), CMD_REFUSED);
	ck_assert_msg(strstr(o, unmapped), "%s", o);
	/* linked by another process: the next command knows who it is */
	ck_assert_int_eq(store_link_set(other, "slack:U0ED", "ezyang", "console:test", 1), STORE_OK);
	ask_on(&sb, cmd, "slack:U0ED", r, &o);
	ck_assert_msg(!strstr(o, "only core maintainers"), "%s", o);
	/* the link gone: nobody again */
	ck_assert_int_eq(store_execf(other, "DELETE FROM links WHERE identity = ?1", 1, "slack:U0ED"),
			 STORE_OK);
	ck_assert_int_eq(ask_on(&sb, cmd, "slack:U0ED", r, &o), CMD_REFUSED);
	ck_assert_msg(strstr(o, unmapped), "%s", o);
	/* and linked by this process, as `link` does */
	ck_assert_int_eq(store_link_set(sb.store, "slack:U0ED", "ezyang", "console:test", 2), STORE_OK);
	ask_on(&sb, cmd, "slack:U0ED", r, &o);
	ck_assert_msg(!strstr(o, "only core maintainers"), "%s", o);
	ck_assert_int_eq(store_execf(sb.store, "DELETE FROM links WHERE identity = ?1", 1, "slack:U0ED"),
			 STORE_OK);
	ck_assert_int_eq(ask_on(&sb, cmd, "slack:U0ED", r, &o), CMD_REFUSED);
	ck_assert_msg(strstr(o, unmapped), "%s", o);

	store_close(other);
	free(o);
	reply_free(r);
	bot_close(&sb);
	ck_assert_int_eq(tu_rmrf(dir), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dispatch");
	TCase *tc = tcase_create("dispatch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_too_long);
	tcase_add_loop_test(tc, test_bad_bytes, 0, (int)ARRAY_SIZE(bads));
	tcase_add_test(tc, test_allowed_whitespace);
	tcase_add_test(tc, test_ignored);
	tcase_add_test(tc, test_prefix_only_is_help);
	tcase_add_test(tc, test_unknown_command);
	tcase_add_test(tc, test_role_unmapped);
	tcase_add_test(tc, test_invisible_in_handle_refused);
	tcase_add_test(tc, test_role_not_core);
	tcase_add_test(tc, test_role_allowed);
	tcase_add_test(tc, test_refusal_logged);
	tcase_add_test(tc, test_authorize_refusal);
	tcase_add_test(tc, test_reply_reset_between_calls);
	suite_add_tcase(s, tc);
	TCase *links = tcase_create("links");
	tcase_add_test(links, test_links_seen_at_once);
	suite_add_tcase(s, links);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
