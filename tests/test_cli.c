/* test_cli.c - the govbot binary as a process: every verb's exit code and
 * output, export-roster round trips, `run` on a pipe, bad input.
 * The binary is $GOVBOT, else build/govbot.  Each test works in its own
 * mkdtemp directory (the child runs there, so the database lands there). */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chatbot/gov/outbox.h"
#include "chatbot/gov/store.h"
#include "chatbot/util/util.h"
#include "tests/testutil.h"

#define TIMEOUT_MS 20000

static char govbot[PATH_MAX];
static char tmpdir[64];

static void setup(void)
{
	tu_mkdtemp(tmpdir, sizeof(tmpdir), "cli");
}

static void teardown(void)
{
	ck_assert_int_eq(tu_rmrf(tmpdir), 0);
}

static const char *write_file(const char *name, const char *text, size_t len)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	tu_write_bytes(path, text, len);
	return path;
}

static const char *write_text(const char *name, const char *text)
{
	return write_file(name, text, strlen(text));
}

/*
 * Runs govbot with args (NULL-terminated, without argv[0]) in tmpdir, with
 * input on stdin (then closed), GOVBOT_CONFIG unset and then the env changes
 * ("K=V" sets, "K" unsets).  When signal_after is set, sends that signal
 * once stdout has a line (stdin is then kept open until the process ends).
 * Kills it after TIMEOUT_MS.
 */
static void run_full(const char *const *args, const char *input, size_t inlen, const char *const *env,
		     int signal_after, struct tu_proc *p)
{
	const char *all_env[16] = { "GOVBOT_CONFIG" };
	size_t n = 1;
	for (size_t i = 0; env && env[i]; i++) {
		ck_assert_uint_lt(n, ARRAY_SIZE(all_env) - 1);
		all_env[n++] = env[i];
	}
	tu_run(govbot, tmpdir, args, input, inlen, all_env, signal_after, TIMEOUT_MS, p);
}

static void run(const char *const *args, const char *input, const char *const *env, struct tu_proc *p)
{
	run_full(args, input, input ? strlen(input) : 0, env, 0, p);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- exit codes of every verb ---- */

struct exit_case {
	const char *args[6];
	int status;
	const char *out_has;   /* substring of stdout, or NULL */
	const char *err_has;   /* substring of stderr, or NULL */
};

static const struct exit_case exit_cases[] = {
	{ { "--version" }, 0, "govbot 0.", NULL },
	{ { "--help" }, 0, "usage: govbot", NULL },
	{ { "-h" }, 0, "check-config", NULL },
	/* the secrets line is every adapter's secrets, in registry order */
	{ { "--help" }, 0, "environment: SLACK_APP_TOKEN, SLACK_BOT_TOKEN,\nMATRIX_ACCESS_TOKEN, "
	  "DISCOURSE_API_KEY, DISCOURSE_WEBHOOK_SECRET.\n", NULL },
	{ { "ask", "--as", "slack:U-1", "lead" }, 2, NULL, "not an identity" },   /* Slack's syntax */
	{ { "ask", "--as", "matrix:alice", "lead" }, 2, NULL, "not an identity" },
	{ { "frobnicate" }, 2, NULL, "unknown verb frobnicate" },
	{ { "run", "--bogus" }, 2, NULL, "unknown option --bogus" },
	{ { "--bogus" }, 2, NULL, "usage: govbot" },
	{ { "run", "extra" }, 2, NULL, "unexpected argument extra" },
	{ { "run", "--config" }, 2, NULL, "--config needs a value" },
	{ { "ask" }, 2, NULL, "ask needs the TEXT" },
	{ { "ask", "--as", "nobody", "who", "torch.nn" }, 2, NULL, "--as nobody: not an identity" },
	{ { "ask", "--as", "irc:bob", "lead" }, 2, NULL, "not an identity" },
	{ { "ask", "--format", "md", "lead" }, 2, NULL, "unknown option --format" },
	{ { "ask", "who", "torch.nn" }, 0, "Joel Schlosser", NULL },
	{ { "ask", "lead" }, 0, "Soumith Chintala", NULL },
	{ { "ask", "--", "who", "torch.nn" }, 0, "Alban Desmaison", NULL },
	{ { "ask", "who", "maintains", "torch.nn?" }, 0, "Greg Chanan", NULL },
	{ { "ask", "frobnicate" }, 1, NULL, NULL },
	{ { "ask", "link", "slack:U1", "@alice" }, 1, NULL, NULL },   /* refused: not a core maintainer */
	{ { "check-config" }, 0, "config OK: built-in defaults", NULL },
	{ { "check-config", "--config", "missing.json" }, 1, "(file): cannot read the config: ", NULL },
	{ { "check-config", "--as", "console:x" }, 2, NULL, "unknown option --as" },
	{ { "export-roster" }, 0, "## Core Maintainers", NULL },
	{ { "export-roster", "--format", "rst" }, 0, "Core Maintainers\n----------------", NULL },
	{ { "export-roster", "--format=json" }, 0, "\"Core Maintainers\"", NULL },
	{ { "export-roster", "--format", "pdf" }, 2, NULL, "--format pdf: expected md, rst or json" },
	{ { "ask", "--config", "missing.json", "lead" }, 1, NULL, "cannot read the config" },
	{ { "--config", "missing.json" }, 1, NULL, "cannot read the config" },   /* run is the default */
	{ { "--config=missing.json" }, 1, NULL, "cannot read the config" },
};

START_TEST(test_exit_codes)
{
	const struct exit_case *ec = &exit_cases[_i];
	struct tu_proc p;
	run(ec->args, NULL, NULL, &p);
	ck_assert_msg(p.status == ec->status, "%s: exit %d, want %d\nstdout: %s\nstderr: %s", ec->args[0],
		      p.status, ec->status, buf_str(&p.out), buf_str(&p.err));
	if (ec->out_has)
		ck_assert_msg(strstr(buf_str(&p.out), ec->out_has), "stdout lacks \"%s\":\n%s", ec->out_has,
			      buf_str(&p.out));
	if (ec->err_has)
		ck_assert_msg(strstr(buf_str(&p.err), ec->err_has), "stderr lacks \"%s\":\n%s", ec->err_has,
			      buf_str(&p.err));
	if (ec->status == 2)
		ck_assert(strstr(buf_str(&p.err), "usage: govbot"));
	if (ec->status == 1 && strcmp(ec->args[0], "ask") == 0 && !strstr(ec->args[1], "--config"))
		ck_assert_msg(p.out.len > 0, "a refusal says why");   /* the reply explains */
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_ask_who)
{
	struct tu_proc p;
	const char *args[] = { "ask", "who", "torch.nn", NULL };
	run(args, NULL, NULL, &p);
	ck_assert_int_eq(p.status, 0);
	const char *o = buf_str(&p.out);
	/* active maintainers before the emeritus ones */
	const char *active = strstr(o, "Joel Schlosser"), *emeritus = strstr(o, "Sam Gross");
	ck_assert_ptr_nonnull(active);
	ck_assert_ptr_nonnull(emeritus);
	ck_assert(active < emeritus);
	ck_assert(strstr(o, "albanD"));
	tu_proc_release(&p);
}
END_TEST

/* `--as` a mapped identity holds the handle's role: link is no longer refused
 * for the role (whatever the command then says). */
START_TEST(test_ask_as_mapped)
{
	struct tu_proc a, b;
	const char *cfg = write_text("g.json", "{\"identities\":{\"soumith\":[\"console:smth\"]}}");
	const char *as_core[] = { "ask", "--config", cfg, "--as", "console:smth", "who", "@soumith", NULL };
	run(as_core, NULL, NULL, &a);
	ck_assert_int_eq(a.status, 0);
	ck_assert(strstr(buf_str(&a.out), "Soumith"));
	const char *unmapped[] = { "ask", "--config", cfg, "--as", "console:soumith", "link", "slack:U1",
				   "@alice", NULL };
	run(unmapped, NULL, NULL, &b);
	ck_assert_int_eq(b.status, 1);
	ck_assert(b.out.len > 0);
	tu_proc_release(&a);
	tu_proc_release(&b);
}
END_TEST

START_TEST(test_check_config_broken)
{
	struct tu_proc p;
	const char *cfg = write_text("bad.json",
		"{\"adapters\":{\"slak\":{},\"slack\":{\"api_url\":\"nope\"},"
		"\"matrix\":{\"homeserver_url\":\"https://m.org\",\"user_id\":\"@g:m.org\",\"announce_room\":1}},"
		"\"identities\":{\"soumith\":[\"slack:U1\",\"soumith\"]}}");
	const char *args[] = { "check-config", "--config", cfg, NULL };
	const char *env[] = { "SLACK_APP_TOKEN=xapp-topsecret", "SLACK_BOT_TOKEN=xoxb-topsecret",
			      "MATRIX_ACCESS_TOKEN=syt-topsecret", NULL };
	run(args, NULL, env, &p);
	ck_assert_int_eq(p.status, 1);
	const char *o = buf_str(&p.out);
	ck_assert_msg(strstr(o, "adapters.slak: unknown key"), "%s", o);
	ck_assert(strstr(o, "adapters.slack.api_url: not a URL\n"));
	ck_assert(strstr(o, "adapters.matrix.announce_room: expected a string\n"));
	ck_assert(strstr(o, "identities.soumith[1]: not an identity (PLATFORM:ID)\n"));
	ck_assert(!strstr(o, "config OK"));
	ck_assert(!strstr(o, "topsecret") && !strstr(buf_str(&p.err), "topsecret"));
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_check_config_secrets_and_roster)
{
	struct tu_proc p;
	write_text("broken.md", "# Not a maintainers page\n\nJust some text.\n");
	const char *cfg = write_text("g.json", "{\"roster\":\"broken.md\",\"adapters\":{\"slack\":{}}}");
	const char *args[] = { "check-config", "--config", cfg, NULL };
	const char *env[] = { "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN=xoxb-topsecret", NULL };
	run(args, NULL, env, &p);
	ck_assert_int_eq(p.status, 1);
	const char *o = buf_str(&p.out);
	ck_assert_msg(strstr(o, "roster: "), "%s", o);
	ck_assert(strstr(o, "broken.md"));
	ck_assert(strstr(o, "adapters.slack: SLACK_APP_TOKEN is not set in the environment\n"));
	ck_assert(!strstr(o, "SLACK_BOT_TOKEN"));
	ck_assert(!strstr(o, "topsecret"));
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_check_config_env)
{
	struct tu_proc p;
	const char *cfg = write_text("g.json", "{\"bot_name\":\"pytorchbot\"}");
	char env0[300];
	snprintf(env0, sizeof(env0), "GOVBOT_CONFIG=%s", cfg);
	const char *env[] = { env0, NULL };
	const char *args[] = { "check-config", NULL };
	run(args, NULL, env, &p);
	ck_assert_int_eq(p.status, 0);
	ck_assert(strstr(buf_str(&p.out), "config OK: "));
	ck_assert(strstr(buf_str(&p.out), "g.json"));
	tu_proc_release(&p);
}
END_TEST

/* export, read it back through a config, export again: the same bytes. */
static void round_trip(const char *format, const char *file)
{
	struct tu_proc a, b;
	const char *first[] = { "export-roster", "--format", format, NULL };
	run(first, NULL, NULL, &a);
	ck_assert_int_eq(a.status, 0);
	ck_assert(a.out.len > 1000);
	write_file(file, a.out.data, a.out.len);
	char cfgtext[256];
	snprintf(cfgtext, sizeof(cfgtext), "{\"roster\":\"%s\"}", file);
	const char *cfg = write_text("rt.json", cfgtext);
	const char *again[] = { "export-roster", "--config", cfg, "--format", format, NULL };
	run(again, NULL, NULL, &b);
	ck_assert_int_eq(b.status, 0);
	ck_assert_uint_eq(a.out.len, b.out.len);
	ck_assert(memcmp(a.out.data, b.out.data, a.out.len) == 0);

	/* and the roster read from that file answers like the bundled one */
	struct tu_proc c;
	const char *ask[] = { "ask", "--config", cfg, "who", "torch.nn", NULL };
	run(ask, NULL, NULL, &c);
	ck_assert_int_eq(c.status, 0);
	ck_assert(strstr(buf_str(&c.out), "Joel Schlosser"));
	tu_proc_release(&a);
	tu_proc_release(&b);
	tu_proc_release(&c);
}

START_TEST(test_export_md_round_trip)
{
	round_trip("md", "roster.md");
}
END_TEST

START_TEST(test_export_rst_round_trip)
{
	round_trip("rst", "roster.rst");
}
END_TEST

START_TEST(test_export_default_is_md)
{
	struct tu_proc a, b;
	const char *md[] = { "export-roster", "--format", "md", NULL };
	const char *dflt[] = { "export-roster", NULL };
	run(md, NULL, NULL, &a);
	run(dflt, NULL, NULL, &b);
	ck_assert_int_eq(a.status, 0);
	ck_assert_uint_eq(a.out.len, b.out.len);
	ck_assert(memcmp(a.out.data, b.out.data, a.out.len) == 0);
	ck_assert(strstr(a.out.data, "- Soumith Chintala ([soumith](https://github.com/soumith))"));
	tu_proc_release(&a);
	tu_proc_release(&b);
}
END_TEST

START_TEST(test_export_json_parses)
{
	struct tu_proc p;
	const char *args[] = { "export-roster", "--format", "json", NULL };
	run(args, NULL, NULL, &p);
	ck_assert_int_eq(p.status, 0);
	cJSON *root = cJSON_ParseWithLength(p.out.data, p.out.len);
	ck_assert_msg(root != NULL, "export-roster --format json is not JSON");
	ck_assert(cJSON_IsObject(root) || cJSON_IsArray(root));
	ck_assert(strstr(p.out.data, "jbschlosser"));
	cJSON_Delete(root);
	tu_proc_release(&p);
}
END_TEST

/* ---- run ---- */

START_TEST(test_run_piped)
{
	struct tu_proc p;
	const char *args[] = { "run", NULL };
	run(args, "who torch.nn\n\n   \nlead\n/gov core\nmodules", NULL, &p);
	ck_assert_msg(p.status == 0, "exit %d: %s", p.status, buf_str(&p.err));
	const char *o = buf_str(&p.out);
	ck_assert(!strstr(o, "gov> "));   /* no prompt on a pipe */
	const char *nn = strstr(o, "Joel Schlosser");
	ck_assert_ptr_nonnull(nn);
	ck_assert(strstr(nn, "Soumith Chintala"));   /* lead, after who */
	ck_assert(strstr(o, "Edward Yang"));          /* core */
	ck_assert(strstr(o, "torch.optim") || strstr(o, "Optimizers"));   /* last line without newline */
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_run_is_default_verb)
{
	struct tu_proc p;
	const char *args[] = { NULL };
	run(args, "lead\n", NULL, &p);
	ck_assert_int_eq(p.status, 0);
	ck_assert(strstr(buf_str(&p.out), "Soumith Chintala"));
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_run_empty_input)
{
	struct tu_proc p;
	const char *args[] = { "run", NULL };
	run(args, NULL, NULL, &p);
	ck_assert_int_eq(p.status, 0);
	ck_assert_uint_eq(p.out.len, 0);
	tu_proc_release(&p);
}
END_TEST

/* An over-long line, invalid UTF-8 and control characters are refused; the
 * lines after them are still answered. */
START_TEST(test_run_bad_lines)
{
	struct tu_proc p, q;
	struct buf in = BUF_INIT;
	const char *args[] = { "run", NULL };
	for (int i = 0; i < 3 * GOVBOT_MAX_INPUT; i++)
		buf_addc(&in, 'a');
	buf_adds(&in, "\nlead\n");
	run_full(args, in.data, in.len, NULL, 0, &p);
	ck_assert_int_eq(p.status, 0);
	const char *o = buf_str(&p.out);
	const char *lead = strstr(o, "Soumith Chintala");
	ck_assert_ptr_nonnull(lead);
	ck_assert_msg(lead != o && count_lines(o) >= 2, "the long line got no refusal:\n%s", o);
	ck_assert(!strstr(o, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	/* the line had 12288 bytes: the refusal names the limit, not a wrong length */
	ck_assert_msg(strstr(o, "message too long: the limit is 4096 bytes") && !strstr(o, "4097"), "%s", o);

	const char bad[] = "who \xff\xfe torch.nn\nwho torch\x01.nn\nlead\n";
	run_full(args, bad, sizeof(bad) - 1, NULL, 0, &q);
	ck_assert_int_eq(q.status, 0);
	o = buf_str(&q.out);
	lead = strstr(o, "Soumith Chintala");
	ck_assert_ptr_nonnull(lead);
	ck_assert(count_lines(o) >= 3);
	ck_assert(!strstr(o, "Joel Schlosser"));   /* neither bad line was answered as who */
	buf_release(&in);
	tu_proc_release(&p);
	tu_proc_release(&q);
}
END_TEST

START_TEST(test_run_sigterm)
{
	struct tu_proc p;
	const char *args[] = { "run", NULL };
	run_full(args, "lead\n", 5, NULL, SIGTERM, &p);
	ck_assert_msg(p.status == 0, "exit %d after SIGTERM: %s", p.status, buf_str(&p.err));
	ck_assert(strstr(buf_str(&p.out), "Soumith Chintala"));
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_run_sigint)
{
	struct tu_proc p;
	const char *args[] = { "run", NULL };
	run_full(args, "lead\n", 5, NULL, SIGINT, &p);
	ck_assert_int_eq(p.status, 0);
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_run_missing_secret)
{
	struct tu_proc p;
	const char *cfg = write_text("g.json", "{\"adapters\":{\"console\":{},\"slack\":{}}}");
	const char *args[] = { "run", "--config", cfg, NULL };
	const char *env[] = { "SLACK_APP_TOKEN=xapp-topsecret", "SLACK_BOT_TOKEN", NULL };
	run(args, "lead\n", env, &p);
	ck_assert_int_eq(p.status, 1);
	const char *e = buf_str(&p.err);
	ck_assert_msg(strstr(e, "SLACK_BOT_TOKEN is not set in the environment"), "%s", e);
	ck_assert(!strstr(e, "topsecret"));
	ck_assert(strstr(e, "level=error"));
	ck_assert_uint_eq(p.out.len, 0);   /* nothing answered */
	tu_proc_release(&p);
}
END_TEST

/* A malformed roster: one clear message, exit 1, for every verb that reads it. */
START_TEST(test_malformed_roster)
{
	static const char *const verbs[][3] = { { "ask", "lead", NULL }, { "run", NULL, NULL },
						{ "export-roster", NULL, NULL } };
	write_text("bad.md", "## Core Maintainers\n\n- [unclosed](\n\xff\n");
	const char *cfg = write_text("g.json", "{\"roster\":\"bad.md\"}");
	for (size_t i = 0; i < 3; i++) {
		struct tu_proc p;
		const char *args[6] = { verbs[i][0], "--config", cfg, verbs[i][1], NULL };
		run(args, "lead\n", NULL, &p);
		ck_assert_msg(p.status == 1, "%s: exit %d", verbs[i][0], p.status);
		ck_assert_msg(strstr(buf_str(&p.err), "roster: "), "%s", buf_str(&p.err));
		ck_assert(strstr(buf_str(&p.err), "bad.md"));
		ck_assert_uint_eq(count_lines(buf_str(&p.err)), 1);
		ck_assert_uint_eq(p.out.len, 0);
		tu_proc_release(&p);
	}
	/* a roster file that is not there */
	struct tu_proc q;
	const char *cfg2 = write_text("g2.json", "{\"roster\":\"nope.md\"}");
	const char *args[] = { "ask", "--config", cfg2, "lead", NULL };
	run(args, NULL, NULL, &q);
	ck_assert_int_eq(q.status, 1);
	ck_assert(strstr(buf_str(&q.err), "nope.md"));
	tu_proc_release(&q);
}
END_TEST

START_TEST(test_broken_config_for_run_and_ask)
{
	struct tu_proc p;
	const char *cfg = write_text("g.json", "{\"adapters\":{\"slak\":{}}");
	const char *args[] = { "ask", "--config", cfg, "lead", NULL };
	run(args, NULL, NULL, &p);
	ck_assert_int_eq(p.status, 1);
	ck_assert(strstr(buf_str(&p.err), "(root): not valid JSON"));
	tu_proc_release(&p);
}
END_TEST

/* An announcement waiting in the outbox (as `ask` leaves it) is printed by
 * the running console once, and never again. */
START_TEST(test_run_delivers_outbox_once)
{
	char db[256], err[256];
	snprintf(db, sizeof(db), "%s/var", tmpdir);
	ck_assert_int_eq(mkdir(db, 0700), 0);
	snprintf(db, sizeof(db), "%s/var/govbot.sqlite3", tmpdir);
	struct store *s = NULL;
	ck_assert_int_eq(store_open(db, &s, err, sizeof(err)), STORE_OK);
	const char *targets[] = { "console", "slack" };
	ck_assert_int_eq(store_begin(s), STORE_OK);
	ck_assert_int_eq(outbox_enqueue(s, 0, "Decision on nomination 7: accepted",
					"Alice joins torch.nn.\nRationale: steady reviews", targets, 2,
					time(NULL) - 1, NULL), STORE_OK);
	ck_assert_int_eq(store_commit(s), STORE_OK);
	store_close(s);

	struct tu_proc a, b;
	const char *args[] = { "run", NULL };
	run(args, "lead\n", NULL, &a);
	ck_assert_int_eq(a.status, 0);
	const char *o = buf_str(&a.out);
	const char *ann = strstr(o, "[announcement] Decision on nomination 7: accepted\n");
	ck_assert_msg(ann != NULL, "%s", o);
	ck_assert(strstr(ann, "Rationale: steady reviews"));
	ck_assert(strstr(o, "Soumith Chintala"));
	run(args, "lead\n", NULL, &b);
	ck_assert_int_eq(b.status, 0);
	ck_assert(!strstr(buf_str(&b.out), "[announcement]"));
	tu_proc_release(&a);
	tu_proc_release(&b);
}
END_TEST

/* Successive `ask` calls work on the config's database: a nomination opened
 * by one is decided by the next, and export-roster shows the result. */
START_TEST(test_ask_shares_database)
{
	struct tu_proc a, b, c, d;
	const char *cfg = write_text("g.json", "{\"identities\":{\"ezyang\":[\"console:ezyang\"]},"
				     "\"database\":\"state/gov.sqlite3\"}");
	const char *nominate[] = { "ask", "--config", cfg, "nominate", "@alice", "for", "torch.nn",
				   "contributions: reviews", "interactions: kind", "support: the nn maintainers",
				   NULL };
	run(nominate, NULL, NULL, &a);
	ck_assert_msg(a.status == 0, "%s%s", buf_str(&a.out), buf_str(&a.err));
	const char *decide[] = { "ask", "--config", cfg, "--as", "console:ezyang", "decide", "1", "accept",
				 "steady", "reviews", NULL };
	run(decide, NULL, NULL, &b);
	ck_assert_msg(b.status == 0, "%s%s", buf_str(&b.out), buf_str(&b.err));
	const char *who[] = { "ask", "--config", cfg, "who", "torch.nn", NULL };
	run(who, NULL, NULL, &c);
	ck_assert_int_eq(c.status, 0);
	ck_assert(strstr(buf_str(&c.out), "@alice"));
	const char *export[] = { "export-roster", "--config", cfg, NULL };
	run(export, NULL, NULL, &d);
	ck_assert_int_eq(d.status, 0);
	ck_assert(strstr(buf_str(&d.out), "([alice](https://github.com/alice))"));
	char db[256];
	snprintf(db, sizeof(db), "%s/state/gov.sqlite3", tmpdir);
	ck_assert_int_eq(access(db, F_OK), 0);   /* relative to the config, directory created */
	tu_proc_release(&a);
	tu_proc_release(&b);
	tu_proc_release(&c);
	tu_proc_release(&d);
}
END_TEST

/* A valid config with an rst roster and mapped identities: exit 0 and a summary. */
START_TEST(test_check_config_ok)
{
	struct tu_proc a, b;
	const char *rst[] = { "export-roster", "--format", "rst", NULL };
	run(rst, NULL, NULL, &a);
	ck_assert_int_eq(a.status, 0);
	write_file("poi.rst", a.out.data, a.out.len);
	const char *cfg = write_text("g.json", "{\"roster\":\"poi.rst\",\"adapters\":{\"console\":{}},"
				     "\"identities\":{\"soumith\":[\"console:soumith\"],\"ezyang\":[\"slack:U1\"]},"
				     "\"governance\":{\"vote_days\":7}}");
	const char *args[] = { "check-config", "--config", cfg, NULL };
	run(args, NULL, NULL, &b);
	ck_assert_msg(b.status == 0, "%s", buf_str(&b.out));
	const char *o = buf_str(&b.out);
	ck_assert(strncmp(o, "config OK: ", 11) == 0);
	ck_assert(strstr(o, "poi.rst"));
	ck_assert(strstr(o, "2 mapped handles"));
	/* then what a reload would change (chatbot/host/reload.h): no bot ran here */
	ck_assert_uint_eq(count_lines(o), 2);
	ck_assert(strstr(o, "\nreload: no "));
	tu_proc_release(&a);
	tu_proc_release(&b);
}
END_TEST

/* A mapped handle the roster lacks is a warning with a suggestion, not a failure. */
START_TEST(test_check_config_handle_typo)
{
	struct tu_proc p;
	const char *cfg = write_text("g.json", "{\"identities\":{\"soumtih\":[\"console:s\"],"
				     "\"newperson\":[\"slack:U9\"]}}");
	const char *args[] = { "check-config", "--config", cfg, NULL };
	run(args, NULL, NULL, &p);
	ck_assert_int_eq(p.status, 0);
	const char *o = buf_str(&p.out);
	ck_assert_msg(strstr(o, "identities.soumtih: warning: no one in the roster has this handle "
			      "(did you mean \"soumith\"?)\n"), "%s", o);
	ck_assert(strstr(o, "identities.newperson: warning: no one in the roster has this handle\n"));
	ck_assert(strstr(o, "config OK: "));
	tu_proc_release(&p);
	cfg = write_text("g.json", "{\"identities\":{\"soumith\":[\"console:s\"]}}");
	run(args, NULL, NULL, &p);
	ck_assert_int_eq(p.status, 0);
	ck_assert_msg(strstr(buf_str(&p.out), "; 1 mapped handle; "), "%s", buf_str(&p.out));
	tu_proc_release(&p);
}
END_TEST

/* The contract's example config with every secret set is valid: every
 * adapter it names is built. */
START_TEST(test_contract_example_config)
{
	struct tu_proc c;
	const char *rst[] = { "export-roster", NULL };
	run(rst, NULL, NULL, &c);
	ck_assert_int_eq(c.status, 0);
	write_file("poi.md", c.out.data, c.out.len);
	tu_proc_release(&c);
	const char *cfg = write_text("g.json",
		"{ \"roster\": \"poi.md\", \"database\": \"gov.sqlite3\", \"bot_name\": \"govbot\",\n"
		"  \"http\": { \"listen\": \"127.0.0.1:8088\" },\n"
		"  \"adapters\": { \"console\": {},\n"
		"    \"slack\": { \"api_url\": \"https://slack.com/api/\", \"announce_channel\": \"C0123ANNOUNCE\" },\n"
		"    \"matrix\": { \"homeserver_url\": \"https://matrix.example.org\", \"user_id\": \"@govbot:example.org\",\n"
		"                \"announce_room\": \"!abc:example.org\", \"auto_join\": [\"!abc:example.org\"] },\n"
		"    \"discourse\": { \"base_url\": \"https://discuss.example.org\", \"api_username\": \"govbot\",\n"
		"                   \"announce_category_id\": 5, \"webhook_path\": \"/discourse/webhook\" } },\n"
		"  \"identities\": { \"soumith\": [\"slack:U0SOUMITH\", \"matrix:@soumith:example.org\", \"discourse:smth\"] } }\n");
	const char *env[] = { "SLACK_APP_TOKEN=xapp-1", "SLACK_BOT_TOKEN=xoxb-1", "MATRIX_ACCESS_TOKEN=syt-1",
			      "DISCOURSE_API_KEY=k", "DISCOURSE_WEBHOOK_SECRET=s", NULL };
	const char *check[] = { "check-config", "--config", cfg, NULL };
	run(check, NULL, env, &c);
	const char *o = buf_str(&c.out);
	ck_assert_msg(c.status == 0, "%s", o);
	ck_assert_msg(strstr(o, "config OK: "), "%s", o);
	ck_assert_msg(!strstr(o, "adapters."), "%s", o);   /* every adapter is built */
	tu_proc_release(&c);
}
END_TEST

/* An empty "adapters" makes `run` refuse to start, so check-config says so. */
START_TEST(test_check_config_no_adapter)
{
	struct tu_proc c, r;
	const char *cfg = write_text("g.json", "{\"adapters\": {}}");
	const char *check[] = { "check-config", "--config", cfg, NULL };
	run(check, NULL, NULL, &c);
	ck_assert_int_eq(c.status, 1);
	ck_assert_msg(strstr(buf_str(&c.out), "adapters: names no adapter, so `govbot run` has nothing to "
			     "start; add \"console\": {}"), "%s", buf_str(&c.out));
	ck_assert(!strstr(buf_str(&c.out), "config OK"));
	const char *start[] = { "run", "--config", cfg, NULL };
	run(start, "lead\n", NULL, &r);
	ck_assert_int_eq(r.status, 1);
	tu_proc_release(&c);
	tu_proc_release(&r);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_exit_codes, 0, (int)ARRAY_SIZE(exit_cases));
	tcase_add_test(tc, test_ask_who);
	tcase_add_test(tc, test_ask_as_mapped);
	tcase_add_test(tc, test_check_config_broken);
	tcase_add_test(tc, test_check_config_secrets_and_roster);
	tcase_add_test(tc, test_check_config_env);
	tcase_add_test(tc, test_export_md_round_trip);
	tcase_add_test(tc, test_export_rst_round_trip);
	tcase_add_test(tc, test_export_default_is_md);
	tcase_add_test(tc, test_export_json_parses);
	tcase_add_test(tc, test_run_piped);
	tcase_add_test(tc, test_run_is_default_verb);
	tcase_add_test(tc, test_run_empty_input);
	tcase_add_test(tc, test_run_bad_lines);
	tcase_add_test(tc, test_run_sigterm);
	tcase_add_test(tc, test_run_sigint);
	tcase_add_test(tc, test_run_missing_secret);
	tcase_add_test(tc, test_run_delivers_outbox_once);
	tcase_add_test(tc, test_ask_shares_database);
	tcase_add_test(tc, test_check_config_ok);
	tcase_add_test(tc, test_check_config_handle_typo);
	tcase_add_test(tc, test_contract_example_config);
	tcase_add_test(tc, test_check_config_no_adapter);
	tcase_add_test(tc, test_malformed_roster);
	tcase_add_test(tc, test_broken_config_for_run_and_ask);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (tu_find_govbot(govbot, "test_cli") != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	return tu_run_suite(cli_suite());
}
