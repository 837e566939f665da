/* test_config.c - chatbot/bot/config.c: every kind of problem with its JSON
 * path, the contract's example, relative paths, GOVBOT_CONFIG, secrets. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chatbot/bot/config.h"
#include "chatbot/util/util.h"
#include "tests/testutil.h"

static char tmpdir[64];

static void setup(void)
{
	tu_mkdtemp(tmpdir, sizeof(tmpdir), "config");
	unsetenv("GOVBOT_CONFIG");
}

static void teardown(void)
{
	ck_assert_int_eq(tu_rmrf(tmpdir), 0);
}

/* Writes text to tmpdir/name; returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	tu_write_file(path, text);
	return path;
}

static bool has_line(const char *problems, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = problems; (p = strstr(p, line)); p++)
		if ((p == problems || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

struct problem_case {
	const char *json;
	const char *line;   /* one expected problem line, exactly */
};

static const struct problem_case problem_cases[] = {
	{ "{\"adapters\":{\"slack\":{\"api_url\":\"ftp://slack.com/api/\"}}}",
	  "adapters.slack.api_url: not a URL" },
	{ "{\"adapters\":{\"slack\":{\"api_url\":\"https://\"}}}", "adapters.slack.api_url: not a URL" },
	{ "{\"adapters\":{\"slack\":{\"announce_channel\":7}}}",
	  "adapters.slack.announce_channel: expected a string" },
	{ "{\"adapters\":{\"matrix\":{\"homeserver_url\":\"https://m.org\",\"user_id\":\"@g:m.org\","
	  "\"announce_room\":5}}}", "adapters.matrix.announce_room: expected a string" },
	{ "{\"adapters\":{\"matrix\":{\"homeserver_url\":\"https://m.org\",\"user_id\":\"govbot\"}}}",
	  "adapters.matrix.user_id: not a Matrix user id (@user:server)" },
	{ "{\"adapters\":{\"matrix\":{\"user_id\":\"@g:m.org\"}}}",
	  "adapters.matrix.homeserver_url: missing (the matrix adapter needs it)" },
	{ "{\"adapters\":{\"matrix\":{\"homeserver_url\":\"https://m.org\",\"user_id\":\"@g:m.org\","
	  "\"auto_join\":[\"!a:m.org\",\"lobby\"]}}}",
	  "adapters.matrix.auto_join[1]: not a Matrix room (!id:server or #alias:server)" },
	{ "{\"adapters\":{\"matrix\":{\"homeserver_url\":\"https://m.org\",\"user_id\":\"@g:m.org\","
	  "\"auto_join\":\"!a:m.org\"}}}", "adapters.matrix.auto_join: expected an array of room ids" },
	{ "{\"adapters\":{\"matrix\":{\"homeserver_url\":\"https://m.org\",\"user_id\":\"@g:m.org\","
	  "\"accept_invites\":\"yes\"}}}", "adapters.matrix.accept_invites: expected true or false" },
	{ "{\"http\":{\"listen\":\"127.0.0.1:8088\"},\"adapters\":{\"discourse\":{\"base_url\":\"https://d.org\","
	  "\"api_username\":\"govbot\",\"announce_category_id\":1.5}}}",
	  "adapters.discourse.announce_category_id: expected a whole number of at least 1" },
	{ "{\"http\":{\"listen\":\"127.0.0.1:8088\"},\"adapters\":{\"discourse\":{\"base_url\":\"https://d.org\","
	  "\"api_username\":\"govbot\",\"webhook_path\":\"hook\"}}}",
	  "adapters.discourse.webhook_path: not a path starting with /" },
	{ "{\"adapters\":{\"discourse\":{\"base_url\":\"https://d.org\",\"api_username\":\"govbot\"}}}",
	  "http.listen: missing (the discourse adapter receives its webhook there)" },
	{ "{\"http\":{\"listen\":\"127.0.0.1:8088\"},\"adapters\":{\"discourse\":{\"base_url\":\"https://d.org\","
	  "\"api_username\":\"govbot\",\"mode\":\"pull\"}}}",
	  "adapters.discourse.mode: expected \"webhook\" or \"poll\"" },
	{ "{\"http\":{\"listen\":\"127.0.0.1:8088\"},\"adapters\":{\"discourse\":{\"base_url\":\"https://d.org\","
	  "\"api_username\":\"govbot\",\"private_messages\":\"yes\"}}}",
	  "adapters.discourse.private_messages: expected true or false" },
	{ "{\"adapters\":{\"discourse\":{\"base_url\":\"https://d.org\",\"api_username\":\"govbot\","
	  "\"mode\":\"webhook\"}}}",
	  "http.listen: missing (the discourse adapter receives its webhook there)" },
	{ "{\"adapters\":{\"console\":[]}}", "adapters.console: expected an object" },
	{ "{\"adapters\":[]}", "adapters: expected an object" },
	{ "{\"adapters\":{\"slak\":{}}}", "adapters.slak: unknown key (did you mean \"slack\"?)" },
	{ "{\"adapters\":{\"irc\":{}}}", "adapters.irc: unknown key" },
	{ "{\"adapters\":{\"slack\":{\"api_ulr\":\"https://slack.com/api/\"}}}",
	  "adapters.slack.api_ulr: unknown key (did you mean \"api_url\"?)" },
	{ "{\"colour\":\"blue\"}", "colour: unknown key" },
	{ "{\"rooster\":\"r.md\"}", "rooster: unknown key (did you mean \"roster\"?)" },
	{ "{\"http\":{\"listen\":\"127.0.0.1:8088\",\"port\":1}}", "http.port: unknown key" },
	{ "{\"governance\":{\"vote_day\":3}}", "governance.vote_day: unknown key (did you mean \"vote_days\"?)" },
	{ "{\"adapters\":{\"slack\":{\"bot_token\":\"xoxb-1\"}}}",
	  "adapters.slack.bot_token: unknown key; secrets are never read from the file: "
	  "set SLACK_APP_TOKEN, SLACK_BOT_TOKEN in the environment" },
	{ "{\"adapters\":{\"matrix\":{\"homeserver_url\":\"https://m.org\",\"user_id\":\"@g:m.org\","
	  "\"access_token\":\"syt\"}}}",
	  "adapters.matrix.access_token: unknown key; secrets are never read from the file: "
	  "set MATRIX_ACCESS_TOKEN in the environment" },
	{ "{\"http\":{\"listen\":\"127.0.0.1:1\"},\"adapters\":{\"discourse\":{\"base_url\":\"https://d.org\","
	  "\"api_username\":\"g\",\"api_key\":\"k\"}}}",
	  "adapters.discourse.api_key: unknown key; secrets are never read from the file: "
	  "set DISCOURSE_API_KEY, DISCOURSE_WEBHOOK_SECRET in the environment" },
	{ "{\"secret\":\"s\"}",
	  "secret: unknown key; secrets are never read from the file: set the adapter's variables in the environment" },
	{ "{\"identities\":{\"soumith\":[\"slack:U0SOUMITH\",\"soumith\"]}}",
	  "identities.soumith[1]: not an identity (PLATFORM:ID)" },
	{ "{\"identities\":{\"soumith\":[\"irc:soumith\"]}}", "identities.soumith[0]: not an identity (PLATFORM:ID)" },
	{ "{\"identities\":{\"soumith\":[\"matrix:soumith\"]}}", "identities.soumith[0]: not an identity (PLATFORM:ID)" },
	{ "{\"identities\":{\"soumith\":[7]}}", "identities.soumith[0]: expected a string" },
	{ "{\"identities\":{\"soumith\":\"slack:U1\"}}",
	  "identities.soumith: expected an array of identities (PLATFORM:ID)" },
	{ "{\"identities\":{\"a\":[\"slack:U1\"],\"b\":[\"SLACK:U1\"]}}",
	  "identities.b[0]: SLACK:U1 is already mapped to a" },
	{ "{\"identities\":{\"alband\":[\"slack:U1\"],\"albanD\":[\"slack:U2\"]}}",
	  "identities.albanD: the same handle as identities.alband (handles ignore case)" },
	{ "{\"identities\":{\"bad handle\":[\"slack:U1\"]}}", "identities.bad handle: not a GitHub handle" },
	{ "{\"identities\":[]}", "identities: expected an object (handle: [\"PLATFORM:ID\", ...])" },
	{ "{\"governance\":{\"vote_days\":0}}", "governance.vote_days: expected a whole number of days from 1 to 3650" },
	{ "{\"governance\":{\"vote_days\":\"14\"}}", "governance.vote_days: expected an integer" },
	{ "{\"http\":{\"listen\":\"8088\"}}", "http.listen: not HOST:PORT (e.g. 127.0.0.1:8088)" },
	{ "{\"http\":{\"listen\":\"localhost:99999\"}}", "http.listen: not HOST:PORT (e.g. 127.0.0.1:8088)" },
	{ "{\"roster\":3}", "roster: expected a string (a file path)" },
	{ "{\"database\":\"\"}", "database: must not be empty" },
	{ "{\"bot_name\":\"gov bot\"}", "bot_name: not a bot name (letters, digits, '-', '_', '.'; at most 64)" },
	{ "{\"roster\":\"a.md\",\"roster\":\"b.md\"}", "roster: duplicate key" },
	{ "[1,2]", "(root): expected an object" },
	{ "\"config\"", "(root): expected an object" },
	{ "", "(root): not valid JSON: the file is empty" },
	{ "{\"adapters\":\n  {\"console\": {}\n", "(root): not valid JSON: line 2, column 17" },
	{ "{\"roster\": \"a.md\",}", "(root): not valid JSON: line 1, column 19" },
	{ "{} {}", "(root): not valid JSON: text after the end of the object at line 1, column 3" },
	{ "{\"roster\":\"\xff\"}", "(root): not valid JSON: the file is not UTF-8 text" },
};

START_TEST(test_problem_lines)
{
	const struct problem_case *pc = &problem_cases[_i];
	struct buf problems = BUF_INIT;
	struct config *c = (struct config *)1;
	const char *path = write_file("govbot.json", pc->json);
	ck_assert_int_eq(config_load(path, &c, &problems), -1);
	ck_assert_ptr_null(c);
	ck_assert_msg(has_line(buf_str(&problems), pc->line), "case %d: want line\n  %s\ngot:\n%s", _i,
		      pc->line, buf_str(&problems));
	buf_release(&problems);
}
END_TEST

/* All problems are reported, not just the first. */
START_TEST(test_every_problem)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;
	const char *path = write_file("govbot.json",
		"{\"rooster\":1,\"adapters\":{\"slack\":{\"api_url\":\"x\",\"token\":\"t\"},\"slak\":{}},"
		"\"identities\":{\"a\":[\"bad\",\"slack:U1\",\"slack:U1\"]},\"governance\":{\"vote_days\":-3}}");
	ck_assert_int_eq(config_load(path, &c, &problems), -1);
	const char *p = buf_str(&problems);
	ck_assert(has_line(p, "rooster: unknown key (did you mean \"roster\"?)"));
	ck_assert(has_line(p, "adapters.slack.api_url: not a URL"));
	ck_assert(strstr(p, "adapters.slack.token: unknown key; secrets are never read"));
	ck_assert(has_line(p, "adapters.slak: unknown key (did you mean \"slack\"?)"));
	ck_assert(has_line(p, "identities.a[0]: not an identity (PLATFORM:ID)"));
	ck_assert(has_line(p, "identities.a[2]: slack:U1 is already mapped to a"));
	ck_assert(has_line(p, "governance.vote_days: expected a whole number of days from 1 to 3650"));
	ck_assert_uint_eq(count_lines(p), 7);
	buf_release(&problems);
}
END_TEST

static const char contract_example[] =
	"{\n"
	"  \"roster\": \"path/to/persons_of_interest.md\",\n"
	"  \"database\": \"var/govbot.sqlite3\",\n"
	"  \"bot_name\": \"govbot\",\n"
	"  \"http\": { \"listen\": \"127.0.0.1:8088\" },\n"
	"  \"adapters\": {\n"
	"    \"console\": {},\n"
	"    \"slack\": { \"api_url\": \"https://slack.com/api/\", \"announce_channel\": \"C0123ANNOUNCE\" },\n"
	"    \"matrix\": { \"homeserver_url\": \"https://matrix.example.org\", \"user_id\": \"@govbot:example.org\",\n"
	"                \"announce_room\": \"!abc:example.org\", \"auto_join\": [\"!abc:example.org\"] },\n"
	"    \"discourse\": { \"base_url\": \"https://discuss.example.org\", \"api_username\": \"govbot\",\n"
	"                   \"announce_category_id\": 5, \"webhook_path\": \"/discourse/webhook\" }\n"
	"  },\n"
	"  \"identities\": {\n"
	"    \"soumith\": [\"slack:U0SOUMITH\", \"matrix:@soumith:example.org\", \"discourse:smth\"]\n"
	"  }\n"
	"}\n";

START_TEST(test_contract_example)
{
	struct buf problems = BUF_INIT, want = BUF_INIT;
	struct config *c = NULL;
	const char *path = write_file("govbot.json", contract_example);
	ck_assert_msg(config_load(path, &c, &problems) == 0, "%s", buf_str(&problems));
	ck_assert_uint_eq(problems.len, 0);
	ck_assert_str_eq(c->path, path);
	buf_addf(&want, "%s/path/to/persons_of_interest.md", tmpdir);
	ck_assert_str_eq(c->roster_path, want.data);
	buf_reset(&want);
	buf_addf(&want, "%s/var/govbot.sqlite3", tmpdir);
	ck_assert_str_eq(c->database, want.data);
	ck_assert_str_eq(c->bot_name, "govbot");
	ck_assert_str_eq(c->http_listen, "127.0.0.1:8088");
	ck_assert_int_eq(c->vote_days, 14);
	ck_assert_uint_eq(c->nidentities, 1);
	ck_assert_str_eq(c->identities[0].handle, "soumith");
	ck_assert_uint_eq(c->identities[0].nids, 3);
	ck_assert_str_eq(c->identities[0].ids[1], "matrix:@soumith:example.org");
	ck_assert_ptr_nonnull(config_adapter(c, "console"));
	ck_assert_str_eq(config_adapter_str(c, "slack", "announce_channel"), "C0123ANNOUNCE");
	ck_assert_str_eq(config_adapter_str(c, "matrix", "user_id"), "@govbot:example.org");
	ck_assert_int_eq(config_adapter_int(c, "discourse", "announce_category_id", 0), 5);
	ck_assert_int_eq(config_adapter_int(c, "discourse", "missing", 42), 42);
	ck_assert_ptr_null(config_adapter_str(c, "slack", "nothing"));
	config_free(c);
	buf_release(&problems);
	buf_release(&want);
}
END_TEST

START_TEST(test_defaults_and_absolute_paths)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;
	const char *path = write_file("g.json",
		"{\"roster\":\"/srv/roster.md\",\"adapters\":{\"slack\":{}},\"governance\":{\"vote_days\":3}}");
	ck_assert_msg(config_load(path, &c, &problems) == 0, "%s", buf_str(&problems));
	ck_assert_str_eq(c->roster_path, "/srv/roster.md");
	ck_assert(strstr(c->database, tmpdir) == c->database);   /* default, next to the config */
	ck_assert(strstr(c->database, "/var/govbot.sqlite3"));
	ck_assert_int_eq(c->vote_days, 3);
	ck_assert_str_eq(config_adapter_str(c, "slack", "api_url"), "https://slack.com/api/");
	ck_assert_ptr_null(config_adapter(c, "console"));  /* only what the file names runs */
	ck_assert_ptr_null(c->http_listen);
	config_free(c);

	/* a file without "adapters" runs the console */
	path = write_file("g.json", "{}");
	ck_assert_int_eq(config_load(path, &c, &problems), 0);
	ck_assert_ptr_nonnull(config_adapter(c, "console"));
	ck_assert_ptr_null(c->roster_path);
	config_free(c);

	c = config_default();
	ck_assert_ptr_null(c->path);
	ck_assert_ptr_null(c->roster_path);
	ck_assert_str_eq(c->database, CONFIG_DEFAULT_DATABASE);
	ck_assert_str_eq(c->bot_name, "govbot");
	ck_assert_int_eq(c->vote_days, 14);
	ck_assert_ptr_nonnull(config_adapter(c, "console"));
	ck_assert_ptr_null(config_adapter(c, "slack"));
	config_free(c);
	buf_release(&problems);
}
END_TEST

START_TEST(test_relative_to_config_dir)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;
	char sub[128], path[192], want[256];
	snprintf(sub, sizeof(sub), "%s/etc", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/etc/govbot.json", tmpdir);
	tu_write_file(path, "{\"roster\":\"../data/roster.rst\",\"database\":\"db/x.sqlite3\"}");
	ck_assert_int_eq(config_load(path, &c, &problems), 0);
	snprintf(want, sizeof(want), "%s/etc/../data/roster.rst", tmpdir);
	ck_assert_str_eq(c->roster_path, want);
	snprintf(want, sizeof(want), "%s/etc/db/x.sqlite3", tmpdir);
	ck_assert_str_eq(c->database, want);
	config_free(c);

	/* a config named without a directory: paths stay relative to the cwd */
	char cwd[512];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(sub), 0);
	ck_assert_int_eq(config_load("govbot.json", &c, &problems), 0);
	ck_assert_str_eq(c->roster_path, "../data/roster.rst");
	config_free(c);
	ck_assert_int_eq(chdir(cwd), 0);
	buf_release(&problems);
}
END_TEST

START_TEST(test_govbot_config_env)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;

	unsetenv("GOVBOT_CONFIG");
	ck_assert_int_eq(config_load(NULL, &c, &problems), 0);
	ck_assert_ptr_null(c->path);   /* the defaults */
	config_free(c);

	const char *path = write_file("env.json", "{\"bot_name\":\"pytorchbot\"}");
	setenv("GOVBOT_CONFIG", path, 1);
	ck_assert_int_eq(config_load(NULL, &c, &problems), 0);
	ck_assert_str_eq(c->path, path);
	ck_assert_str_eq(c->bot_name, "pytorchbot");
	config_free(c);

	/* an explicit path wins over the environment */
	const char *other = write_file("other.json", "{\"bot_name\":\"other\"}");
	ck_assert_int_eq(config_load(other, &c, &problems), 0);
	ck_assert_str_eq(c->bot_name, "other");
	config_free(c);

	char missing[128];
	snprintf(missing, sizeof(missing), "%s/nope.json", tmpdir);
	setenv("GOVBOT_CONFIG", missing, 1);
	ck_assert_int_eq(config_load(NULL, &c, &problems), -1);
	ck_assert_ptr_null(c);
	ck_assert(strstr(buf_str(&problems), "(file): cannot read the config: "));
	ck_assert(strstr(buf_str(&problems), "nope.json: No such file or directory"));
	unsetenv("GOVBOT_CONFIG");
	buf_release(&problems);
}
END_TEST

START_TEST(test_unreadable)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;
	/* a directory is not a config */
	ck_assert_int_eq(config_load(tmpdir, &c, &problems), -1);
	ck_assert(strstr(buf_str(&problems), "(file): cannot read the config: "));
	ck_assert_uint_eq(count_lines(buf_str(&problems)), 1);
	buf_release(&problems);
}
END_TEST

START_TEST(test_byte_order_mark)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;
	const char *path = write_file("g.json", "\xEF\xBB\xBF{\"bot_name\":\"bom\"}");
	ck_assert_msg(config_load(path, &c, &problems) == 0, "%s", buf_str(&problems));
	ck_assert_str_eq(c->bot_name, "bom");
	config_free(c);
	path = write_file("g.json", "\xEF\xBB\xBF  ");
	ck_assert_int_eq(config_load(path, &c, &problems), -1);
	ck_assert(has_line(buf_str(&problems), "(root): not valid JSON: the file is empty"));
	buf_release(&problems);
}
END_TEST

START_TEST(test_partial_keeps_roster)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;
	const char *path = write_file("g.json", "{\"roster\":\"r.md\",\"colour\":1}");
	ck_assert_int_eq(config_load_partial(path, &c, &problems), -1);
	ck_assert_ptr_nonnull(c);
	ck_assert(strstr(c->roster_path, "/r.md"));
	config_free(c);
	buf_release(&problems);
}
END_TEST

START_TEST(test_missing_secrets)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;
	const char *path = write_file("g.json",
		"{\"http\":{\"listen\":\"127.0.0.1:8088\"},\"adapters\":{\"console\":{},\"slack\":{},"
		"\"discourse\":{\"base_url\":\"https://d.org\",\"api_username\":\"g\"}}}");
	unsetenv("SLACK_APP_TOKEN");
	unsetenv("SLACK_BOT_TOKEN");
	unsetenv("DISCOURSE_API_KEY");
	unsetenv("DISCOURSE_WEBHOOK_SECRET");
	ck_assert_msg(config_load(path, &c, &problems) == 0, "%s", buf_str(&problems));
	ck_assert_uint_eq(config_missing_secrets(c, &problems), 4);
	ck_assert(has_line(buf_str(&problems), "adapters.slack: SLACK_APP_TOKEN is not set in the environment"));
	ck_assert(has_line(buf_str(&problems), "adapters.slack: SLACK_BOT_TOKEN is not set in the environment"));
	ck_assert(has_line(buf_str(&problems),
			   "adapters.discourse: DISCOURSE_WEBHOOK_SECRET is not set in the environment"));
	buf_reset(&problems);
	setenv("SLACK_APP_TOKEN", "xapp-very-secret", 1);
	setenv("SLACK_BOT_TOKEN", "", 1);   /* empty counts as missing */
	setenv("DISCOURSE_API_KEY", "k-very-secret", 1);
	setenv("DISCOURSE_WEBHOOK_SECRET", "w-very-secret", 1);
	ck_assert_uint_eq(config_missing_secrets(c, &problems), 1);
	ck_assert(has_line(buf_str(&problems), "adapters.slack: SLACK_BOT_TOKEN is not set in the environment"));
	ck_assert(!strstr(buf_str(&problems), "very-secret"));
	ck_assert_ptr_null(config_secrets("irc"));
	ck_assert_str_eq(config_secrets("matrix")[0], "MATRIX_ACCESS_TOKEN");
	ck_assert_ptr_null(config_secrets("console")[0]);
	config_free(c);
	buf_release(&problems);
}
END_TEST

/* Polling, Discourse needs neither http.listen nor the webhook's secret. */
START_TEST(test_discourse_poll_mode)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;
	const char *path = write_file("p.json",
		"{\"adapters\":{\"discourse\":{\"base_url\":\"https://d.org\",\"api_username\":\"g\","
		"\"mode\":\"poll\",\"private_messages\":true}}}");
	unsetenv("DISCOURSE_API_KEY");
	unsetenv("DISCOURSE_WEBHOOK_SECRET");
	ck_assert_msg(config_load(path, &c, &problems) == 0, "%s", buf_str(&problems));
	ck_assert_uint_eq(config_missing_secrets(c, &problems), 1);
	ck_assert(has_line(buf_str(&problems), "adapters.discourse: DISCOURSE_API_KEY is not set in the environment"));
	ck_assert_str_eq(config_adapter_str(c, "discourse", "webhook_path"), "/discourse/webhook");
	config_free(c);
	/* the default mode is webhook */
	path = write_file("w.json", "{\"http\":{\"listen\":\"127.0.0.1:1\"},\"adapters\":{\"discourse\":"
			  "{\"base_url\":\"https://d.org\",\"api_username\":\"g\"}}}");
	ck_assert_msg(config_load(path, &c, &problems) == 0, "%s", buf_str(&problems));
	ck_assert_str_eq(config_adapter_str(c, "discourse", "mode"), "webhook");
	config_free(c);
	buf_release(&problems);
}
END_TEST

/* The schema comes from the platforms the host layer registers: their
 * keys, kinds, required keys, defaults, secrets and webhook needs. */
static const struct config_key irc_keys[] = {
	{ "server", CONFIG_URL, true, NULL },
	{ "channel", CONFIG_STRING, false, "#general" },
	{ "port", CONFIG_POSINT, false, NULL },
	{ NULL, CONFIG_STRING, false, NULL },
};
static const char *const irc_secrets[] = { "IRC_PASSWORD", NULL };
static const struct config_platform irc_platform[] = {
	{ .name = "irc", .keys = irc_keys, .secrets = irc_secrets, .announce_key = "channel",
	  .listens = true },
};

START_TEST(test_schema_from_platforms)
{
	struct buf problems = BUF_INIT;
	struct config *c = NULL;
	const char *path;

	config_set_platforms(irc_platform, 1);
	path = write_file("irc.json", "{\"adapters\": {\"irc\": {\"servr\": \"x\", \"port\": 0, "
			  "\"password\": \"p\"}, \"slack\": {}}}");
	ck_assert_int_eq(config_load(path, &c, &problems), -1);
	ck_assert_msg(has_line(buf_str(&problems), "adapters.irc.servr: unknown key (did you mean \"server\"?)"),
		      "%s", buf_str(&problems));
	ck_assert(has_line(buf_str(&problems), "adapters.irc.port: expected a whole number of at least 1"));
	ck_assert(has_line(buf_str(&problems), "adapters.irc.password: unknown key; secrets are never "
			   "read from the file: set IRC_PASSWORD in the environment"));
	ck_assert(has_line(buf_str(&problems), "adapters.irc.server: missing (the irc adapter needs it)"));
	ck_assert(has_line(buf_str(&problems), "adapters.slack: unknown key"));   /* not registered */
	ck_assert(has_line(buf_str(&problems), "http.listen: missing (the irc adapter receives its webhook there)"));
	buf_reset(&problems);

	/* a valid section gets its defaults; its announce key makes it a target */
	path = write_file("irc2.json", "{\"http\": {\"listen\": \"127.0.0.1:1\"}, "
			  "\"adapters\": {\"irc\": {\"server\": \"https://irc.example\"}}}");
	ck_assert_msg(config_load(path, &c, &problems) == 0, "%s", buf_str(&problems));
	ck_assert_str_eq(config_adapter_str(c, "irc", "channel"), "#general");
	const char *targets[4];
	ck_assert_uint_eq(config_announce_targets(c, targets, 4), 1);
	ck_assert_str_eq(targets[0], "irc");
	unsetenv("IRC_PASSWORD");
	ck_assert_uint_eq(config_missing_secrets(c, &problems), 1);
	ck_assert(has_line(buf_str(&problems), "adapters.irc: IRC_PASSWORD is not set in the environment"));
	config_free(c);

	/* no platform registered: a program error, said plainly */
	config_set_platforms(NULL, 0);
	buf_reset(&problems);
	ck_assert_int_eq(config_load(NULL, &c, &problems), -1);
	ck_assert_ptr_null(c);
	ck_assert_msg(has_line(buf_str(&problems), "adapters: no adapter is registered in this program "
			       "(adapters_register() was not called)"), "%s", buf_str(&problems));

	/* the build's adapters: Slack's api_url default is adapter_slack's */
	adapters_register();
	buf_reset(&problems);
	path = write_file("slack.json", "{\"adapters\": {\"slack\": {}}}");
	ck_assert_msg(config_load(path, &c, &problems) == 0, "%s", buf_str(&problems));
	ck_assert_str_eq(config_adapter_str(c, "slack", "api_url"), "https://slack.com/api/");
	config_free(c);
	buf_release(&problems);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_problem_lines, 0, (int)ARRAY_SIZE(problem_cases));
	tcase_add_test(tc, test_every_problem);
	tcase_add_test(tc, test_contract_example);
	tcase_add_test(tc, test_defaults_and_absolute_paths);
	tcase_add_test(tc, test_relative_to_config_dir);
	tcase_add_test(tc, test_govbot_config_env);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_partial_keeps_roster);
	tcase_add_test(tc, test_byte_order_mark);
	tcase_add_test(tc, test_missing_secrets);
	tcase_add_test(tc, test_discourse_poll_mode);
	tcase_add_test(tc, test_schema_from_platforms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(config_suite());
}
