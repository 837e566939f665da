/*
 * test_slack.c - govbot's Slack adapter end to end, against a loopback Slack.
 *
 * Every test starts two real processes: tests/loopback/slack_server.py (a
 * Socket Mode websocket server and Web API on 127.0.0.1, replaying the Slack
 * fixtures in tests/data/slack/fixtures/ as the scenario in
 * tests/data/slack/NAME.json says) and `govbot run --config CFG` with fake
 * xapp-/xoxb- tokens that the server checks.  The server writes everything
 * govbot sent (HTTP requests, acks, pings, closes, protocol violations) as
 * JSON lines; the test reads them and asserts.  Both processes die with the
 * test (PR_SET_PDEATHSIG, and the server also stops at end of stdin).
 *
 * Environment: GOVBOT (the binary; default build/govbot), SLACK_SERVER (the
 * server script), SLACK_SCENARIOS (the scenario folder), PYTHON (python3).
 * One case: CK_RUN_CASE=slash.  A failed case keeps its files (log.jsonl,
 * govbot's err.txt) in /tmp/govbot-slack.XXXXXX and says so.
 *
 * The tests themselves are checked against a reference client that does
 * what adapters/slack.md describes (all but `announce` pass with it):
 *   GOVBOT=tests/loopback/reference_bot.py build/tests/test_slack
 */
#include <check.h>
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define APP_TOKEN "xapp-1-A111-loopback"
#define BOT_TOKEN "xoxb-111-loopback"
#define SLASH_ENV "1d3c79ab-0ffb-41f3-a080-d19e85f53649"
#define MENTION_ENV "cda4159a-72a5-4744-aba3-4d66eb52682b"
#define DM_ENV "ac2cfd40-6f8c-4d5e-a1ad-646e532baa19"
#define MENTION_TS "1610241741.000200"
#define SLACK_MAX_TEXT 40000

/* One test's processes and files (each test runs in its own fork). */
struct run {
	char dir[64];
	char log[160], err[160], cfg[160];
	pid_t server, bot;
	int server_in;  /* write end of the server's stdin */
	int port;
	int bot_status; /* wait status once reaped */
	bool bot_reaped;
	bool passed;
	cJSON *recs;    /* the server's records, as last read */
};

static struct run R;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!hay)
		return false;
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* ---- processes ---------------------------------------------------------- */

static void cleanup_at_exit(void)
{
	if (R.bot > 0) {
		kill(-R.bot, SIGKILL); /* its group: anything it or a wrapper started */
		if (!R.bot_reaped)
			waitpid(R.bot, NULL, 0);
	}
	if (R.server > 0) {
		if (R.server_in >= 0)
			close(R.server_in);
		kill(R.server, SIGKILL);
		waitpid(R.server, NULL, 0);
	}
	if (R.dir[0] && !R.passed)
		fprintf(stderr, "test_slack: files of the failed test kept in %s\n", R.dir);
	else if (R.dir[0]) {
		const char *names[] = { "log.jsonl", "err.txt", "out.txt", "config.json",
					"db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm",
					"db.sqlite3-journal" };
		char p[256];
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			snprintf(p, sizeof p, "%s/%s", R.dir, names[i]);
			unlink(p);
		}
		rmdir(R.dir);
	}
	cJSON_Delete(R.recs);
	R.recs = NULL;
}

static void start_server(const char *scenario)
{
	int in[2], out[2];
	char scen[512], line[64];
	const char *dir = env_or("SLACK_SCENARIOS", "tests/data/slack");
	const char *script = env_or("SLACK_SERVER", "tests/loopback/slack_server.py");

	static bool registered;

	if (R.server > 0)
		cleanup_at_exit(); /* CK_FORK=no: the previous test's processes */
	memset(&R, 0, sizeof R);
	R.server_in = -1;
	snprintf(R.dir, sizeof R.dir, "/tmp/govbot-slack.XXXXXX");
	ck_assert_msg(mkdtemp(R.dir) != NULL, "mkdtemp: %s", strerror(errno));
	if (!registered)
		atexit(cleanup_at_exit);
	registered = true;
	snprintf(R.log, sizeof R.log, "%s/log.jsonl", R.dir);
	snprintf(R.err, sizeof R.err, "%s/err.txt", R.dir);
	snprintf(R.cfg, sizeof R.cfg, "%s/config.json", R.dir);
	snprintf(scen, sizeof scen, "%s/%s.json", dir, scenario);
	ck_assert_msg(access(script, R_OK) == 0, "%s: not found (run from the repository root)", script);
	ck_assert_msg(access(scen, R_OK) == 0, "%s: not found", scen);
	ck_assert(pipe(in) == 0 && pipe(out) == 0);

	R.server = fork();
	ck_assert(R.server >= 0);
	if (R.server == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		const char *py = env_or("PYTHON", "python3");
		execlp(py, py, script, "--scenario", scen, "--log", R.log, "--timeout", "120",
		       "--app-token", APP_TOKEN, "--bot-token", BOT_TOKEN, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	R.server_in = in[1];

	/* First stdout line: "PORT N". */
	size_t got = 0;
	double until = now() + 15;
	while (got < sizeof line - 1 && (got == 0 || line[got - 1] != '\n') && now() < until) {
		struct pollfd pfd = { .fd = out[0], .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t n = read(out[0], line + got, 1);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	line[got] = '\0';
	close(out[0]);
	ck_assert_msg(sscanf(line, "PORT %d", &R.port) == 1 && R.port > 0,
		      "loopback Slack did not start (said \"%s\")", line);

	FILE *f = fopen(R.cfg, "w");
	ck_assert(f != NULL);
	fprintf(f, "{\"adapters\":{\"slack\":{\"api_url\":\"http://127.0.0.1:%d/api/\","
		   "\"announce_channel\":\"C0ANNOUNCE\"}},\"database\":\"%s/db.sqlite3\","
		   "\"identities\":{\"ezyang\":[\"slack:UEZYANG\"],\"soumith\":[\"slack:USOUMITH\"],"
		   "\"newbie\":[\"slack:UNEWBIE\"]}}\n",
		R.port, R.dir);
	fclose(f);
}

static void start_bot(void)
{
	const char *govbot = env_or("GOVBOT", "build/govbot");
	char out[200];

	ck_assert_msg(access(govbot, X_OK) == 0, "%s: not built", govbot);
	snprintf(out, sizeof out, "%s/out.txt", R.dir);
	R.bot_reaped = false;
	R.bot = fork();
	ck_assert(R.bot >= 0);
	if (R.bot == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int e = open(R.err, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (null < 0 || o < 0 || e < 0)
			_exit(127);
		dup2(null, 0);
		dup2(o, 1);
		dup2(e, 2);
		setenv("SLACK_APP_TOKEN", APP_TOKEN, 1);
		setenv("SLACK_BOT_TOKEN", BOT_TOKEN, 1);
		setenv("GOVBOT_SLACK_PING_MS", "200", 1);
		setenv("GOVBOT_SLACK_BACKOFF_MS", "100", 1);
		setenv("GOVBOT_HTTP_BACKOFF_MS", "100", 1);
		unsetenv("GOVBOT_CONFIG");
		execl(govbot, govbot, "run", "--config", R.cfg, (char *)NULL);
		_exit(127);
	}
}

/* Runs `govbot ask --config CFG --as ID TEXT` to its end; returns its exit
 * code (-1 when it did not exit normally within 20 s). */
static int ask(const char *as, const char *text)
{
	const char *govbot = env_or("GOVBOT", "build/govbot");
	char out[200];
	int status;

	snprintf(out, sizeof out, "%s/out.txt", R.dir);
	pid_t p = fork();
	ck_assert(p >= 0);
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (null < 0 || o < 0)
			_exit(127);
		dup2(null, 0);
		dup2(o, 1);
		dup2(o, 2);
		setenv("SLACK_APP_TOKEN", APP_TOKEN, 1);
		setenv("SLACK_BOT_TOKEN", BOT_TOKEN, 1);
		execl(govbot, govbot, "ask", "--config", R.cfg, "--as", as, text, (char *)NULL);
		_exit(127);
	}
	for (double until = now() + 20; now() < until; usleep(10000))
		if (waitpid(p, &status, WNOHANG) == p)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	return -1;
}

/* Waits up to secs for govbot to exit by itself; true when it did. */
static bool bot_exited(double secs)
{
	double until = now() + secs;
	if (R.bot_reaped)
		return true;
	for (;;) {
		pid_t p = waitpid(R.bot, &R.bot_status, WNOHANG);
		if (p == R.bot) {
			R.bot_reaped = true;
			return true;
		}
		if (now() > until)
			return false;
		usleep(20000);
	}
}

static char *bot_stderr(void)
{
	FILE *f = fopen(R.err, "r");
	char *text = calloc(1, 1);
	size_t len = 0;
	char chunk[4096];
	size_t n;
	if (!f)
		return text;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		text = realloc(text, len + n + 1);
		ck_assert(text != NULL);
		memcpy(text + len, chunk, n);
		len += n;
		text[len] = '\0';
	}
	fclose(f);
	return text;
}

/* The end of govbot's stderr on one line, for failure messages; borrowed
 * (static buffer, valid until the next call). */
static const char *err_tail(void)
{
	static char tail[600];
	char *err = bot_stderr();
	size_t n = strlen(err), from = n > sizeof tail - 1 ? n - (sizeof tail - 1) : 0;
	size_t k = 0;
	for (size_t i = from; i < n && k < sizeof tail - 3; i++) {
		if (err[i] == '\n') {
			tail[k++] = ' ';
			tail[k++] = '|';
			tail[k++] = ' ';
		} else {
			tail[k++] = err[i];
		}
	}
	tail[k] = '\0';
	free(err);
	return tail;
}

/* govbot must still be running; SIGTERM must end it with exit 0. */
static void stop_bot_cleanly(void)
{
	ck_assert_msg(!bot_exited(0), "govbot died during the test (status 0x%x): %s", R.bot_status,
		      err_tail());
	kill(R.bot, SIGTERM);
	ck_assert_msg(bot_exited(10), "govbot did not exit within 10 s of SIGTERM");
	ck_assert_msg(WIFEXITED(R.bot_status) && WEXITSTATUS(R.bot_status) == 0,
		      "govbot ended by SIGTERM with status 0x%x, want exit 0", R.bot_status);
}

/* ---- the server's records ----------------------------------------------- */

static void reload(void)
{
	FILE *f = fopen(R.log, "r");
	cJSON_Delete(R.recs);
	R.recs = cJSON_CreateArray();
	if (!f)
		return;
	size_t cap = 1 << 16, len = 0;
	char *line = malloc(cap);
	int c;
	ck_assert(line != NULL);
	while ((c = fgetc(f)) != EOF) {
		if (len + 1 >= cap) {
			cap *= 2;
			line = realloc(line, cap);
			ck_assert(line != NULL);
		}
		if (c != '\n') {
			line[len++] = (char)c;
			continue;
		}
		line[len] = '\0';
		cJSON *rec = cJSON_Parse(line);
		if (rec)
			cJSON_AddItemToArray(R.recs, rec);
		len = 0;
	}
	free(line);
	fclose(f);
}

#define WAIT(secs, cond)                                          \
	do {                                                      \
		double until_ = now() + (secs);                   \
		for (;;) {                                        \
			reload();                                 \
			if ((cond) || now() > until_)             \
				break;                            \
			usleep(20000);                            \
		}                                                 \
	} while (0)

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static bool field_is(const cJSON *obj, const char *key, const char *value)
{
	const char *s = str_of(obj, key);
	return s && strcmp(s, value) == 0;
}

/* The nth (0-based) record of this kind whose key equals value (key NULL: any). */
static const cJSON *nth_rec(const char *kind, const char *key, const char *value, int nth)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, R.recs) {
		if (!field_is(r, "kind", kind) || (key && !field_is(r, key, value)))
			continue;
		if (nth-- == 0)
			return r;
	}
	return NULL;
}

static int count_recs(const char *kind, const char *key, const char *value)
{
	int n = 0;
	while (nth_rec(kind, key, value, n))
		n++;
	return n;
}

static int count_api(const char *api, int status)
{
	int n = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, R.recs)
		if (field_is(r, "kind", "http") && field_is(r, "api", api) &&
		    (status < 0 || num_of(r, "status") == status))
			n++;
	return n;
}

/* The nth chat.postMessage to channel that the server accepted (200, ok). */
static const cJSON *post_to(const char *channel, int nth)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, R.recs) {
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
		if (field_is(r, "kind", "http") && field_is(r, "api", "chat.postMessage") &&
		    num_of(r, "status") == 200 && !cJSON_HasObjectItem(r, "error") &&
		    field_is(body, "channel", channel) && nth-- == 0)
			return r;
	}
	return NULL;
}

static int posts_to(const char *channel)
{
	int n = 0;
	while (post_to(channel, n))
		n++;
	return n;
}

static int acks_of(const char *env)
{
	return count_recs("ack", "envelope_id", env);
}

static const cJSON *ack_of(const char *env)
{
	return nth_rec("ack", "envelope_id", env, 0);
}

/* Every "text" string in a message or ack payload, outside plain_text objects. */
static void collect_texts(const cJSON *node, char **out)
{
	const cJSON *c;
	if (!node)
		return;
	if (cJSON_IsObject(node) && field_is(node, "type", "plain_text"))
		return;
	cJSON_ArrayForEach(c, node) {
		if (cJSON_IsString(c) && c->string && strcmp(c->string, "text") == 0) {
			size_t a = strlen(*out), b = strlen(c->valuestring);
			*out = realloc(*out, a + b + 2);
			ck_assert(*out != NULL);
			memcpy(*out + a, c->valuestring, b);
			(*out)[a + b] = '\n';
			(*out)[a + b + 1] = '\0';
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			collect_texts(c, out);
		}
	}
}

/* All the text of a message body or ack payload; caller frees. */
static char *texts(const cJSON *node)
{
	char *out = calloc(1, 1);
	ck_assert(out != NULL);
	collect_texts(node, &out);
	return out;
}

static char *post_text(const char *channel, int nth)
{
	const cJSON *p = post_to(channel, nth);
	return texts(p ? cJSON_GetObjectItemCaseSensitive(p, "body") : NULL);
}

static bool says_nn(const char *t)       /* the torch.nn answer */
{
	return contains_ci(t, "Schlosser");
}

static bool says_autograd(const char *t) /* the autograd answer */
{
	return contains_ci(t, "ezyang") || contains_ci(t, "Edward Yang");
}

static double t_of(const cJSON *rec)
{
	return rec ? num_of(rec, "t") : -1;
}

static size_t utf8_chars(const char *t)
{
	size_t n = 0;
	for (; *t; t++)
		n += ((unsigned char)*t & 0xC0) != 0x80;
	return n;
}

/* Slack's published limits on chat.postMessage: text up to 40,000
 * characters, at most 50 blocks, a section's text up to 3,000. */
static void check_message_limits(void)
{
	const cJSON *r, *b;
	cJSON_ArrayForEach(r, R.recs) {
		if (!field_is(r, "kind", "http") || !field_is(r, "api", "chat.postMessage"))
			continue;
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
		const char *text = str_of(body, "text");
		ck_assert_msg(!text || utf8_chars(text) <= SLACK_MAX_TEXT,
			      "chat.postMessage text of %zu characters; Slack takes %d",
			      utf8_chars(text), SLACK_MAX_TEXT);
		const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(body, "blocks");
		ck_assert_msg(cJSON_GetArraySize(blocks) <= 50, "more than 50 blocks in one message");
		cJSON_ArrayForEach(b, blocks) {
			const cJSON *bt = cJSON_GetObjectItemCaseSensitive(b, "text");
			const char *st = str_of(bt, "text");
			if (field_is(b, "type", "section") && st)
				ck_assert_msg(utf8_chars(st) <= 3000,
					      "a section block's text has %zu characters; Slack takes 3000",
					      utf8_chars(st));
		}
	}
}

/* Checks every test makes: govbot kept to the protocol and logged no token. */
static void common_checks(void)
{
	char what[2048] = "";
	size_t used = 0;
	const cJSON *r;
	int n = 0;

	reload();
	cJSON_ArrayForEach(r, R.recs) {
		if (!field_is(r, "kind", "violation") && !field_is(r, "kind", "scenario_error"))
			continue;
		n++;
		const char *w = str_of(r, "what") ? str_of(r, "what") : str_of(r, "error");
		int k = snprintf(what + used, sizeof what - used, "[%s] ", w ? w : "?");
		if (k > 0 && (size_t)k < sizeof what - used)
			used += (size_t)k;
	}
	ck_assert_msg(n == 0, "loopback Slack saw %d protocol violation(s): %s", n, what);
	check_message_limits();
	char *err = bot_stderr();
	bool leak = strstr(err, APP_TOKEN) || strstr(err, BOT_TOKEN) ||
		    strstr(err, "xapp-1-") || strstr(err, "xoxb-111");
	free(err);
	ck_assert_msg(!leak, "govbot logged a token");
}

static void finish(void)
{
	common_checks();
	stop_bot_cleanly();
	R.passed = true;
}

static void run_scenario(const char *name)
{
	start_server(name);
	start_bot();
}

/* ---- tests -------------------------------------------------------------- */

/* The loopback Slack itself, checked by its own client (handshake, masking,
 * fragments, tickets, scripted answers), so a failure below points at govbot. */
START_TEST(loopback_server_self_test)
{
	const char *script = env_or("SLACK_SELFTEST", "tests/loopback/slack_selftest.py");
	const char *py = env_or("PYTHON", "python3");
	int status;

	ck_assert_msg(access(script, R_OK) == 0, "%s: not found", script);
	pid_t p = fork();
	ck_assert(p >= 0);
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execlp(py, py, script, (char *)NULL);
		_exit(127);
	}
	ck_assert(waitpid(p, &status, 0) == p);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the loopback Slack failed its self-test (status 0x%x)", status);
}
END_TEST

START_TEST(slash_command_answered_in_ack)
{
	run_scenario("slash");
	WAIT(15, acks_of(SLASH_ENV) >= 1);
	const cJSON *ack = ack_of(SLASH_ENV);
	ck_assert_msg(ack != NULL, "the slash command envelope was never acked");
	char *t = texts(cJSON_GetObjectItemCaseSensitive(ack, "payload"));
	ck_assert_msg(says_nn(t), "ack payload does not name torch.nn's maintainers: \"%s\"", t);
	free(t);
	double sent = t_of(nth_rec("sent", "envelope_id", SLASH_ENV, 0));
	ck_assert_msg(t_of(ack) - sent < 3.0, "acked after %.3f s; Slack waits 3 s", t_of(ack) - sent);
	usleep(300000);
	reload();
	ck_assert_int_eq(acks_of(SLASH_ENV), 1);
	ck_assert_msg(count_api("chat.postMessage", -1) == 0 && count_api("response_url", -1) == 0,
		      "a slash command answered in its ack must not also be posted");
	finish();
}
END_TEST

START_TEST(slash_command_answered_through_response_url)
{
	run_scenario("slash_response_url");
	WAIT(15, count_api("response_url", -1) >= 1);
	const cJSON *ack = ack_of(SLASH_ENV);
	ck_assert_msg(ack != NULL, "the slash command envelope was never acked");
	const cJSON *r = nth_rec("http", "api", "response_url", 0);
	ck_assert_msg(r != NULL, "nothing POSTed to response_url (accepts_response_payload is false)");
	double sent = t_of(nth_rec("sent", "envelope_id", SLASH_ENV, 0));
	ck_assert_msg(t_of(ack) - sent < 3.0, "acked after %.3f s; Slack waits 3 s", t_of(ack) - sent);
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
	char *t = texts(body);
	ck_assert_msg(says_nn(t), "response_url body does not name torch.nn's maintainers: \"%s\"", t);
	free(t);
	ck_assert_msg(field_is(r, "method", "POST"), "response_url not POSTed");
	ck_assert_msg(!str_of(r, "auth") || !strstr(str_of(r, "auth"), "xoxb-"),
		      "the bot token was sent to response_url");
	usleep(300000);
	reload();
	ck_assert_int_eq(count_api("response_url", -1), 1);
	ck_assert_int_eq(count_api("chat.postMessage", -1), 0);
	finish();
}
END_TEST

START_TEST(mention_answered_in_thread)
{
	run_scenario("mention");
	WAIT(15, posts_to("C111") >= 1);
	const cJSON *p = post_to("C111", 0);
	ck_assert_msg(p != NULL, "no chat.postMessage to C111 for the mention");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(p, "body");
	ck_assert_msg(field_is(body, "thread_ts", MENTION_TS), "reply not in the mention's thread");
	char *t = post_text("C111", 0);
	ck_assert_msg(says_autograd(t), "reply does not name autograd's maintainers: \"%s\"", t);
	ck_assert_msg(!strstr(t, "<@U111>"), "the bot's mention was not stripped: \"%s\"", t);
	free(t);
	ck_assert_msg(field_is(p, "auth", "Bearer " BOT_TOKEN), "chat.postMessage without the bot token");
	/* the ack goes out on the socket's next writeable turn, the reply through
	 * the HTTP worker: either may reach the server first */
	usleep(300000);
	reload();
	ck_assert_int_eq(acks_of(MENTION_ENV), 1);
	ck_assert_int_eq(posts_to("C111"), 1);
	finish();
}
END_TEST

START_TEST(dm_answered_in_dm)
{
	run_scenario("dm");
	WAIT(15, posts_to("D111") >= 1);
	char *t = post_text("D111", 0);
	ck_assert_msg(says_nn(t), "DM reply does not name torch.nn's maintainers: \"%s\"", t);
	free(t);
	/* the ack goes out on the socket's next writeable turn, the reply through
	 * the HTTP worker: either may reach the server first */
	usleep(300000);
	reload();
	ck_assert_int_eq(acks_of(DM_ENV), 1);
	ck_assert_int_eq(count_api("chat.postMessage", -1), 1);
	finish();
}
END_TEST

/* SIGTERM: finish, then close the link with a Close frame (RFC 6455 7.1.2). */
START_TEST(sigterm_closes_link_cleanly)
{
	run_scenario("dm");
	WAIT(15, posts_to("D111") >= 1);
	ck_assert_int_eq(posts_to("D111"), 1);
	common_checks();
	stop_bot_cleanly();
	WAIT(5, count_recs("ws_close", NULL, NULL) >= 1);
	const cJSON *c = nth_rec("ws_close", NULL, NULL, 0);
	ck_assert_msg(c != NULL, "the server saw no close of the link");
	ck_assert_msg(field_is(c, "by", "client") && cJSON_IsTrue(cJSON_GetObjectItem(c, "clean")),
		      "govbot dropped the link on SIGTERM without a Close frame");
	ck_assert_msg(num_of(c, "code") == 1000 || num_of(c, "code") == 1001,
		      "Close code %.0f on shutdown, want 1000 or 1001", num_of(c, "code"));
	R.passed = true;
}
END_TEST

START_TEST(own_and_bot_messages_ignored)
{
	run_scenario("own");
	WAIT(15, posts_to("D222") >= 1);
	char *t = post_text("D222", 0);
	ck_assert_msg(says_autograd(t), "the sentinel DM was not answered: \"%s\"", t);
	free(t);
	usleep(300000);
	reload();
	ck_assert_msg(posts_to("D111") == 0, "govbot answered its own or another bot's message");
	ck_assert_msg(posts_to("C111") == 0,
		      "govbot answered a channel message event (a mention comes as app_mention)");
	ck_assert_int_eq(acks_of("57d6a792-4d35-4d0b-b6aa-3361493e1caf"), 1); /* interactive */
	ck_assert_int_eq(acks_of(DM_ENV), 1); /* the channel message event */
	ck_assert_int_eq(count_api("chat.postMessage", -1), 1);
	ck_assert_int_eq(acks_of("env-own"), 1);
	ck_assert_int_eq(acks_of("env-bot"), 1);
	ck_assert_int_eq(acks_of("env-own-botid"), 1);
	finish();
}
END_TEST

static void check_answered_once_each(void)
{
	int nn = 0, ag = 0;
	for (int i = 0; i < posts_to("C111"); i++) {
		char *t = post_text("C111", i);
		nn += says_nn(t);
		ag += says_autograd(t) && !says_nn(t);
		free(t);
	}
	if (ag != 1 || nn != 1) {
		char *a = post_text("C111", 0), *b = post_text("C111", 1);
		ck_abort_msg("Ev111 answered %d times, sentinel Ev222 %d times, want once each; "
			     "posts: \"%.300s\" / \"%.300s\"; govbot said: %s", ag, nn, a, b, err_tail());
	}
	ck_assert_int_eq(posts_to("C111"), 2);
	ck_assert_int_eq(acks_of("retry-2-envelope"), 1);
}

START_TEST(redelivered_event_answered_once)
{
	run_scenario("retry");
	WAIT(15, acks_of("sentinel-envelope") >= 1 && posts_to("C111") >= 2);
	usleep(500000);
	reload();
	check_answered_once_each();
	finish();
}
END_TEST

START_TEST(redelivered_event_answered_once_across_restart)
{
	run_scenario("retry_restart");
	WAIT(15, posts_to("C111") >= 1);
	ck_assert_int_eq(posts_to("C111"), 1);
	stop_bot_cleanly();
	start_bot();
	WAIT(15, acks_of("sentinel-envelope") >= 1 && posts_to("C111") >= 2);
	usleep(500000);
	reload();
	check_answered_once_each();
	finish();
}
END_TEST

static const char *switch_reasons[] = { "refresh_requested", "warning" };

START_TEST(disconnect_switch_loses_nothing)
{
	char name[64];
	static const char *envs[] = { "env-A", "env-B", "env-C", "env-D" };
	static const char *chans[] = { "D1", "D2", "D3", "D4" };

	snprintf(name, sizeof name, "switch_%s", switch_reasons[_i]);
	run_scenario(name);
	WAIT(20, posts_to("D1") && posts_to("D2") && posts_to("D3") && posts_to("D4") &&
		 acks_of("env-B") && acks_of("env-C") && acks_of("env-D"));
	usleep(400000);
	reload();
	for (size_t i = 0; i < 4; i++) {
		/* env-D reaches the old link after the new hello: govbot acks it
		 * there, or closes first and the server redelivers it (as Slack
		 * does) on the new link; answered once either way. */
		int want_max = i == 3 ? 2 : 1;
		ck_assert_msg(acks_of(envs[i]) >= 1 && acks_of(envs[i]) <= want_max,
			      "%s acked %d times, want 1 (%s)", envs[i],
			      acks_of(envs[i]), switch_reasons[_i]);
		ck_assert_msg(posts_to(chans[i]) == 1, "%s answered %d times, want 1 (%s)", envs[i],
			      posts_to(chans[i]), switch_reasons[_i]);
	}
	ck_assert_msg(count_api("apps.connections.open", 200) == 2,
		      "%d apps.connections.open calls, want 2", count_api("apps.connections.open", 200));
	/* The old link stays open until the new one said hello. */
	const cJSON *hello2 = nth_rec("ws_hello", NULL, NULL, 1);
	const cJSON *r;
	ck_assert(hello2 != NULL);
	cJSON_ArrayForEach(r, R.recs)
		if (field_is(r, "kind", "ws_close") && num_of(r, "conn") == 1 &&
		    field_is(r, "by", "client"))
			ck_assert_msg(t_of(r) >= t_of(hello2),
				      "govbot dropped the old link before the new one said hello");
	finish();
}
END_TEST

START_TEST(socket_killed_reconnects)
{
	run_scenario("killed");
	WAIT(20, posts_to("D2") >= 1 && posts_to("D5") >= 1);
	usleep(300000);
	reload();
	ck_assert_int_eq(posts_to("D1"), 1);
	ck_assert_msg(posts_to("D2") == 1, "the envelope after the reconnect was not answered once");
	ck_assert_msg(posts_to("D5") == 1,
		      "the envelope sent as the socket died was answered %d times, want once",
		      posts_to("D5"));
	ck_assert_int_eq(count_api("apps.connections.open", 200), 2);
	finish();
}
END_TEST

START_TEST(dead_link_detected_by_ping)
{
	run_scenario("dead");
	WAIT(20, posts_to("D2") >= 1);
	ck_assert_msg(posts_to("D2") == 1, "no reconnect after the link went silent");
	ck_assert_msg(count_recs("ping", "dir", "in") >= 1, "govbot never pinged the link");
	ck_assert_int_eq(posts_to("D1"), 1);
	ck_assert_int_eq(count_api("apps.connections.open", 200), 2);
	finish();
}
END_TEST

START_TEST(rate_limited_then_posted_after_retry_after)
{
	run_scenario("ratelimit");
	WAIT(20, posts_to("D1") >= 1 && posts_to("D2") >= 1);
	usleep(300000);
	reload();
	ck_assert_int_eq(posts_to("D1"), 1);
	ck_assert_int_eq(posts_to("D2"), 1);
	const cJSON *first = nth_rec("http", "api", "chat.postMessage", 0);
	ck_assert(first != NULL && num_of(first, "status") == 429);
	double t429 = t_of(first);
	const cJSON *r;
	cJSON_ArrayForEach(r, R.recs)
		if (r != first && field_is(r, "kind", "http") && field_is(r, "api", "chat.postMessage"))
			ck_assert_msg(t_of(r) - t429 >= 0.95,
				      "chat.postMessage called %.3f s after a 429 with Retry-After: 1",
				      t_of(r) - t429);
	/* The paused method must not hold up acks. */
	double sent_b = t_of(nth_rec("sent", "envelope_id", "env-B", 0));
	ck_assert_msg(acks_of("env-B") == 1 && t_of(ack_of("env-B")) - sent_b < 0.8,
		      "env-B acked late (%.3f s) while chat.postMessage was paused",
		      t_of(ack_of("env-B")) - sent_b);
	char *t = post_text("D1", 0);
	ck_assert(says_nn(t));
	free(t);
	finish();
}
END_TEST

/* A Web API call that hangs must hold up neither acks nor other answers. */
START_TEST(slow_web_api_delays_no_ack)
{
	run_scenario("slow_api");
	WAIT(20, posts_to("D0") >= 1 && posts_to("D5") >= 1);
	for (int i = 0; i <= 5; i++) {
		char env[32], chan[32];
		snprintf(env, sizeof env, "env-%d", i);
		snprintf(chan, sizeof chan, "D%d", i);
		double sent = t_of(nth_rec("sent", "envelope_id", env, 0));
		ck_assert_msg(acks_of(env) == 1, "%s acked %d times", env, acks_of(env));
		ck_assert_msg(t_of(ack_of(env)) - sent < 0.8,
			      "%s acked %.3f s after delivery while chat.postMessage hung", env,
			      t_of(ack_of(env)) - sent);
		ck_assert_msg(posts_to(chan) == 1, "%s answered %d times, want once", env, posts_to(chan));
	}
	finish();
}
END_TEST

START_TEST(unavailable_then_posted)
{
	run_scenario("unavailable");
	WAIT(20, posts_to("D1") >= 1);
	usleep(300000);
	reload();
	const cJSON *first = nth_rec("http", "api", "chat.postMessage", 0);
	ck_assert(first != NULL && num_of(first, "status") == 503);
	ck_assert_msg(posts_to("D1") == 1, "not posted exactly once after a 503 (%d)", posts_to("D1"));
	char *t = post_text("D1", 0);
	ck_assert(says_nn(t));
	free(t);
	finish();
}
END_TEST

/* A fatal auth error from either token's first call: scenario, method. */
static const char *const fatal_auth[][2] = {
	{ "invalid_auth", "apps.connections.open" },
	{ "bot_invalid_auth", "auth.test" },
};

START_TEST(invalid_auth_is_fatal)
{
	const char *method = fatal_auth[_i][1];

	run_scenario(fatal_auth[_i][0]);
	ck_assert_msg(bot_exited(15), "govbot still runs 15 s after invalid_auth");
	ck_assert_msg(WIFEXITED(R.bot_status) && WEXITSTATUS(R.bot_status) != 0,
		      "govbot ended with status 0x%x, want a non-zero exit", R.bot_status);
	reload();
	ck_assert_msg(count_api(method, -1) == 1, "%s called %d times after invalid_auth, want 1; "
		      "govbot said: %s", method, count_api(method, -1), err_tail());
	ck_assert_int_eq(count_recs("ws_open", NULL, NULL), 0);
	char *err = bot_stderr();
	int lines = 0, errors = 0;
	for (char *l = err; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(l, "invalid_auth")) {
			lines++;
			errors += strstr(l, "level=error") != NULL || strstr(l, "level=fatal") != NULL;
		}
		l = nl ? nl + 1 : NULL;
	}
	free(err);
	ck_assert_msg(lines == 1 && errors == 1,
		      "want one level=error line naming invalid_auth, got %d line(s)", lines);
	common_checks();
	R.passed = true;
}
END_TEST

START_TEST(link_disabled_stops_without_reconnect)
{
	run_scenario("link_disabled");
	WAIT(15, count_recs("ws_close", "by", "server") >= 1 || count_recs("ws_close", "by", "client") >= 1);
	ck_assert_msg(posts_to("D1") == 1, "the envelope before link_disabled was not answered");
	usleep(1500000); /* backoff base is 100 ms: a reconnect loop would show */
	reload();
	ck_assert_msg(count_api("apps.connections.open", -1) == 1,
		      "govbot reconnected after link_disabled (%d apps.connections.open)",
		      count_api("apps.connections.open", -1));
	char *err = bot_stderr();
	bool logged = false;
	for (char *l = err; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(l, "level=error") && contains_ci(l, "link") && contains_ci(l, "disabled"))
			logged = true;
		l = nl ? nl + 1 : NULL;
	}
	free(err);
	ck_assert_msg(logged, "no level=error line saying the link was disabled");
	common_checks();
	if (!bot_exited(0)) {
		kill(R.bot, SIGTERM);
		ck_assert(bot_exited(10));
	}
	ck_assert_msg(!WIFSIGNALED(R.bot_status) || WTERMSIG(R.bot_status) == SIGTERM,
		      "govbot crashed (signal %d)", WTERMSIG(R.bot_status));
	R.passed = true;
}
END_TEST

START_TEST(too_many_websockets_backs_off)
{
	run_scenario("too_many");
	WAIT(20, posts_to("D1") >= 1);
	ck_assert_msg(posts_to("D1") == 1, "no reconnect after too_many_websockets");
	const cJSON *disc = nth_rec("sent", "reason", "too_many_websockets", 0);
	const cJSON *open2 = nth_rec("http", "api", "apps.connections.open", 1);
	ck_assert(disc != NULL && open2 != NULL);
	ck_assert_msg(t_of(open2) - t_of(disc) >= 0.04,
		      "reconnected %.3f s after too_many_websockets, without backing off",
		      t_of(open2) - t_of(disc));
	usleep(300000);
	reload();
	ck_assert_int_eq(count_api("apps.connections.open", 200), 2);
	finish();
}
END_TEST

START_TEST(malformed_frames_survived)
{
	run_scenario("malformed");
	WAIT(15, posts_to("D1") >= 1);
	ck_assert_msg(posts_to("D1") == 1, "the envelope after the malformed frames was not answered");
	ck_assert_msg(count_api("apps.connections.open", -1) == 1,
		      "the connection did not survive malformed frames");
	char *err = bot_stderr();
	bool logged = contains_ci(err, "malformed");
	free(err);
	ck_assert_msg(logged, "malformed frames were not logged");
	finish();
}
END_TEST

START_TEST(one_megabyte_frame_survived)
{
	run_scenario("big");
	WAIT(20, posts_to("D1") >= 1 && acks_of("big-envelope") >= 1);
	ck_assert_msg(posts_to("D1") == 1, "the envelope after the 1 MB frame was not answered");
	ck_assert_msg(acks_of("big-envelope") == 1, "the 1 MB envelope was not acked");
	ck_assert_int_eq(count_api("apps.connections.open", -1), 1);
	const cJSON *r;
	cJSON_ArrayForEach(r, R.recs) {
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
		if (field_is(r, "api", "chat.postMessage") && str_of(body, "text"))
			ck_assert_msg(strlen(str_of(body, "text")) <= SLACK_MAX_TEXT,
				      "posted %zu bytes of text; Slack takes %d",
				      strlen(str_of(body, "text")), SLACK_MAX_TEXT);
	}
	finish();
}
END_TEST

START_TEST(fragmented_frames_reassembled)
{
	run_scenario("fragments");
	WAIT(15, acks_of("frag-slash") >= 1 && posts_to("D1") >= 1);
	const cJSON *ack = ack_of("frag-slash");
	ck_assert_msg(ack != NULL, "the slash command sent in 5 fragments was not acked");
	char *t = texts(cJSON_GetObjectItemCaseSensitive(ack, "payload"));
	ck_assert_msg(says_nn(t), "fragmented slash command misread: \"%s\"", t);
	free(t);
	t = post_text("D1", 0);
	ck_assert_msg(says_autograd(t), "fragmented DM misread: \"%s\"", t);
	free(t);
	/* RFC 6455 5.5.3: pings not yet answered may get one pong, for the latest. */
	ck_assert_msg(count_recs("pong", NULL, NULL) >= 1,
		      "pings between fragments not answered with a pong");
	finish();
}
END_TEST

/* What a user typed must come back inert: no special or user mention, no
 * link, every & an entity. */
static void check_inert(const char *where, const char *t)
{
	static const char *bad[] = { "<!", "<@U999", "<#C999", "<https://evil" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!strstr(t, bad[i]), "%s carries \"%s\" typed by the user: \"%s\"",
			      where, bad[i], t);
	for (const char *a = strchr(t, '&'); a; a = strchr(a + 1, '&'))
		ck_assert_msg(!strncmp(a, "&amp;", 5) || !strncmp(a, "&lt;", 4) || !strncmp(a, "&gt;", 4),
			      "%s has a bare '&': \"%s\"", where, t);
}

START_TEST(mrkdwn_injection_defused)
{
	static const char *acks[] = { "inj-slash", "inj-slash2" };
	static const char *chans[] = { "C111", "D1", "D2" };

	run_scenario("injection");
	WAIT(15, acks_of("inj-slash") && acks_of("inj-slash2") && posts_to("C111") &&
		 posts_to("D1") && posts_to("D2"));
	for (size_t i = 0; i < 2; i++) {
		const cJSON *ack = ack_of(acks[i]);
		ck_assert_msg(ack != NULL, "%s not acked", acks[i]);
		char *t = texts(cJSON_GetObjectItemCaseSensitive(ack, "payload"));
		ck_assert_msg(*t, "%s: the slash command got no answer in its ack", acks[i]);
		check_inert(acks[i], t);
		free(t);
	}
	for (size_t i = 0; i < 3; i++) {
		ck_assert_msg(posts_to(chans[i]) == 1, "no single answer in %s", chans[i]);
		char *t = post_text(chans[i], 0);
		check_inert(chans[i], t);
		free(t);
	}
	const cJSON *r;
	cJSON_ArrayForEach(r, R.recs)
		if (field_is(r, "kind", "http") && field_is(r, "api", "response_url")) {
			char *t = texts(cJSON_GetObjectItemCaseSensitive(r, "body"));
			check_inert("response_url", t);
			free(t);
		}
	finish();
}
END_TEST

/* Nomination 1 and its decision, made with `govbot ask` as the contract
 * allows; the announcement waits in the outbox for the running bot. */
static void decide_nomination(void)
{
	ck_assert_int_eq(ask("slack:UEZYANG", "nominate @newbie for torch.nn contributions: many "
			     "fixes interactions: kind reviews support: the NN maintainers agree"), 0);
	ck_assert_int_eq(ask("slack:USOUMITH", "decide 1 accept steady work <!channel> & <@U999>"), 0);
}

START_TEST(announcement_posted_once_with_blocks)
{
	start_server("announce");
	decide_nomination();
	start_bot();
	WAIT(15, posts_to("C0ANNOUNCE") >= 2);
	/* first the opening, which mentions the nominee the Slack way */
	char *opening = texts(cJSON_GetObjectItemCaseSensitive(post_to("C0ANNOUNCE", 0), "body"));
	ck_assert_msg(strstr(opening, "Nomination 1 opened") && strstr(opening, "<@UNEWBIE>"),
		      "the opening does not mention the nominee: \"%s\"", opening);
	free(opening);
	const cJSON *p = post_to("C0ANNOUNCE", 1);
	ck_assert_msg(p != NULL, "the decision was not announced in announce_channel");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(p, "body");
	const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(body, "blocks");
	ck_assert_msg(cJSON_IsArray(blocks) && cJSON_GetArraySize(blocks) > 0,
		      "the announcement has no Block Kit blocks");
	ck_assert_msg(str_of(body, "text") && *str_of(body, "text"),
		      "the announcement has no plain-text fallback");
	char *t = texts(body);
	ck_assert_msg(contains_ci(t, "newbie") && contains_ci(t, "steady work") && strstr(t, "1"),
		      "the announcement does not say what was decided and why: \"%s\"", t);
	check_inert("announcement", t);
	free(t);
	/* Delivered from the outbox once: a restart must not post it again. */
	stop_bot_cleanly();
	start_bot();
	WAIT(15, count_recs("ws_hello", NULL, NULL) >= 2);
	usleep(1000000);
	reload();
	ck_assert_msg(posts_to("C0ANNOUNCE") == 2, "announced %d times, want the opening and the "
		      "decision once each", posts_to("C0ANNOUNCE"));
	finish();
}
END_TEST

START_TEST(announcement_survives_outage)
{
	start_server("announce_outage");
	decide_nomination();
	start_bot();
	WAIT(25, posts_to("C0ANNOUNCE") >= 2);
	ck_assert_msg(count_api("chat.postMessage", 503) == 2, "the outage was not hit (%d 503s)",
		      count_api("chat.postMessage", 503));
	ck_assert_msg(posts_to("C0ANNOUNCE") == 2, "not delivered after the outage: %s", err_tail());
	usleep(1000000);
	reload();
	ck_assert_msg(posts_to("C0ANNOUNCE") == 2, "announced %d times, want the opening and the "
		      "decision once each", posts_to("C0ANNOUNCE"));
	finish();
}
END_TEST

static Suite *slack_suite(void)
{
	Suite *s = suite_create("slack");
	struct {
		const char *name;
		const TTest *test;
		int loops;
	} cases[] = {
		{ "loopback", loopback_server_self_test, 1 },
		{ "slash", slash_command_answered_in_ack, 1 },
		{ "response_url", slash_command_answered_through_response_url, 1 },
		{ "mention", mention_answered_in_thread, 1 },
		{ "dm", dm_answered_in_dm, 1 },
		{ "own", own_and_bot_messages_ignored, 1 },
		{ "sigterm", sigterm_closes_link_cleanly, 1 },
		{ "retry", redelivered_event_answered_once, 1 },
		{ "retry_restart", redelivered_event_answered_once_across_restart, 1 },
		{ "switch", disconnect_switch_loses_nothing, 2 },
		{ "killed", socket_killed_reconnects, 1 },
		{ "dead", dead_link_detected_by_ping, 1 },
		{ "ratelimit", rate_limited_then_posted_after_retry_after, 1 },
		{ "unavailable", unavailable_then_posted, 1 },
		{ "slow_api", slow_web_api_delays_no_ack, 1 },
		{ "invalid_auth", invalid_auth_is_fatal, 2 },
		{ "link_disabled", link_disabled_stops_without_reconnect, 1 },
		{ "too_many", too_many_websockets_backs_off, 1 },
		{ "malformed", malformed_frames_survived, 1 },
		{ "big", one_megabyte_frame_survived, 1 },
		{ "fragments", fragmented_frames_reassembled, 1 },
		{ "injection", mrkdwn_injection_defused, 1 },
		{ "announce", announcement_posted_once_with_blocks, 1 },
		{ "announce_outage", announcement_survives_outage, 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 90);
		if (cases[i].loops > 1)
			tcase_add_loop_test(tc, cases[i].test, 0, cases[i].loops);
		else
			tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(slack_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
