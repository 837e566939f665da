/*
 * slack_test.h - what test_slack.c and test_slack_link.c share: the loopback
 * Slack (tests/loopback/slack_server.py) and govbot started through
 * tests/harness.h, and readers of the Slack records.
 *
 * Every test starts two real processes: the loopback Slack (a Socket Mode
 * websocket server and Web API on 127.0.0.1, replaying the Slack fixtures in
 * tests/data/slack/fixtures/ as the scenario tests/data/slack/NAME.json says)
 * and `govbot run --config CFG` with fake xapp-/xoxb- tokens that the server
 * checks.  The server writes everything govbot sent (HTTP requests, acks,
 * pings, closes, protocol violations) as JSON lines; the test waits for the
 * records it asserts on.
 *
 * Environment: GOVBOT (the binary; default build/govbot), SLACK_SERVER (the
 * server script), SLACK_SCENARIOS (the scenario folder), PYTHON (python3).
 * One case: CK_RUN_CASE=slash.  A failed case keeps its files (log.jsonl,
 * govbot's err.txt) in /tmp/govbot-slack.XXXXXX and says so.
 *
 * The tests themselves can be checked against a reference client that does
 * what adapters/slack.md describes:
 *   GOVBOT=tests/loopback/reference_bot.py build/tests/test_slack_link
 */
#ifndef GOVBOT_TESTS_SLACK_TEST_H
#define GOVBOT_TESTS_SLACK_TEST_H

#include "tests/harness.h"

#define APP_TOKEN "xapp-1-A111-loopback"
#define BOT_TOKEN "xoxb-111-loopback"
#define SLASH_ENV "1d3c79ab-0ffb-41f3-a080-d19e85f53649"
#define MENTION_ENV "cda4159a-72a5-4744-aba3-4d66eb52682b"
#define DM_ENV "ac2cfd40-6f8c-4d5e-a1ad-646e532baa19"
#define MENTION_TS "1610241741.000200"
#define SLACK_MAX_TEXT 40000

static struct harness H;

#define WAIT(secs, cond) HARNESS_WAIT(&H, secs, cond)

static inline bool contains_ci(const char *hay, const char *needle)
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

/* ---- processes ------------------------------------------------------------ */

/* The loopback Slack playing tests/data/slack/SCENARIO.json, and govbot's
 * config pointing at it (announce_channel C0ANNOUNCE, two mapped people). */
static inline void start_server(const char *scenario)
{
	char scen[512];
	const char *dir = harness_env_or("SLACK_SCENARIOS", "tests/data/slack");

	harness_begin(&H, "slack");
	snprintf(scen, sizeof scen, "%s/%s.json", dir, scenario);
	ck_assert_msg(access(scen, R_OK) == 0, "%s: not found", scen);
	const char *args[] = { "--scenario", scen, "--app-token", APP_TOKEN,
			       "--bot-token", BOT_TOKEN, NULL };
	harness_start_server(&H, harness_env_or("SLACK_SERVER", "tests/loopback/slack_server.py"),
			     args);
	harness_config(&H, "{\"adapters\":{\"slack\":{\"api_url\":\"http://127.0.0.1:%d/api/\","
		       "\"announce_channel\":\"C0ANNOUNCE\"}},\"database\":\"%s/db.sqlite3\","
		       "\"identities\":{\"ezyang\":[\"slack:UEZYANG\"],\"soumith\":[\"slack:USOUMITH\"],"
		       "\"newbie\":[\"slack:UNEWBIE\"]}}\n",
		       H.port, H.dir);
}

/* govbot run with the loopback tokens and short timers; extra env changes
 * (NULL-ended, may be NULL) come after and win. */
static inline void start_bot_env(const char *const *extra)
{
	const char *env[24] = { "SLACK_APP_TOKEN=" APP_TOKEN, "SLACK_BOT_TOKEN=" BOT_TOKEN,
				"GOVBOT_SLACK_PING_MS=200", "GOVBOT_SLACK_BACKOFF_MS=100",
				"GOVBOT_HTTP_BACKOFF_MS=100" };
	size_t n = 5;
	for (size_t i = 0; extra && extra[i] && n < 23; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	harness_start_bot(&H, NULL, env);
}

static inline void start_bot(void)
{
	start_bot_env(NULL);
}

/* Runs `govbot ask --config CFG --as ID TEXT` to its end; its exit code
 * (-1 when it did not exit normally within 20 s). */
static inline int ask(const char *as, const char *text)
{
	const char *args[] = { "ask", "--config", H.cfg, "--as", as, text, NULL };
	const char *env[] = { "SLACK_APP_TOKEN=" APP_TOKEN, "SLACK_BOT_TOKEN=" BOT_TOKEN, NULL };
	return harness_run_bot(&H, args, env, 20);
}

static inline void run_scenario(const char *name)
{
	start_server(name);
	start_bot();
}

/* ---- the server's records --------------------------------------------------- */

static inline const cJSON *nth_rec(const char *kind, const char *key, const char *value, int nth)
{
	return harness_rec(&H, kind, key, value, nth);
}

static inline int count_recs(const char *kind, const char *key, const char *value)
{
	return harness_count(&H, kind, key, value);
}

/* Web API calls of api (status -1: any status). */
static inline int count_api(const char *api, int status)
{
	int n = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, H.recs)
		if (harness_is(r, "kind", "http") && harness_is(r, "api", api) &&
		    (status < 0 || harness_num(r, "status") == status))
			n++;
	return n;
}

/* The nth call of api to channel that the server accepted (200, ok). */
static inline const cJSON *call_to(const char *api, const char *channel, int nth)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, H.recs) {
		if (harness_is(r, "kind", "http") && harness_is(r, "api", api) &&
		    harness_num(r, "status") == 200 && !cJSON_HasObjectItem(r, "error") &&
		    harness_is(r, "body.channel", channel) && nth-- == 0)
			return r;
	}
	return NULL;
}

static inline int calls_to(const char *api, const char *channel)
{
	int n = 0;
	while (call_to(api, channel, n))
		n++;
	return n;
}

/* The nth chat.postMessage to channel that the server accepted. */
static inline const cJSON *post_to(const char *channel, int nth)
{
	return call_to("chat.postMessage", channel, nth);
}

static inline int posts_to(const char *channel)
{
	return calls_to("chat.postMessage", channel);
}

static inline int acks_of(const char *env)
{
	return count_recs("ack", "envelope_id", env);
}

static inline const cJSON *ack_of(const char *env)
{
	return nth_rec("ack", "envelope_id", env, 0);
}

/* Every "text" string in a message or ack payload, outside plain_text objects. */
static inline void collect_texts(const cJSON *node, char **out)
{
	const cJSON *c;
	if (!node)
		return;
	if (cJSON_IsObject(node) && harness_is(node, "type", "plain_text"))
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
static inline char *texts(const cJSON *node)
{
	char *out = calloc(1, 1);
	ck_assert(out != NULL);
	collect_texts(node, &out);
	return out;
}

static inline char *post_text(const char *channel, int nth)
{
	const cJSON *p = post_to(channel, nth);
	return texts(p ? cJSON_GetObjectItemCaseSensitive(p, "body") : NULL);
}

static inline bool says_nn(const char *t)       /* the torch.nn answer */
{
	return contains_ci(t, "Schlosser");
}

static inline bool says_autograd(const char *t) /* the autograd answer */
{
	return contains_ci(t, "ezyang") || contains_ci(t, "Edward Yang");
}

static inline double t_of(const cJSON *rec)
{
	return harness_t(rec);
}

static inline size_t utf8_chars(const char *t)
{
	size_t n = 0;
	for (; *t; t++)
		n += ((unsigned char)*t & 0xC0) != 0x80;
	return n;
}

/* Slack's published limits on chat.postMessage: text up to 40,000
 * characters, at most 50 blocks, a section's text up to 3,000. */
static inline void check_message_limits(void)
{
	const cJSON *r, *b;
	cJSON_ArrayForEach(r, H.recs) {
		if (!harness_is(r, "kind", "http") || !harness_is(r, "api", "chat.postMessage"))
			continue;
		const char *text = harness_str(r, "body.text");
		ck_assert_msg(!text || utf8_chars(text) <= SLACK_MAX_TEXT,
			      "chat.postMessage text of %zu characters; Slack takes %d",
			      utf8_chars(text), SLACK_MAX_TEXT);
		const cJSON *blocks = harness_get(r, "body.blocks");
		ck_assert_msg(cJSON_GetArraySize(blocks) <= 50, "more than 50 blocks in one message");
		cJSON_ArrayForEach(b, blocks) {
			const char *st = harness_str(b, "text.text");
			if (harness_is(b, "type", "section") && st)
				ck_assert_msg(utf8_chars(st) <= 3000,
					      "a section block's text has %zu characters; Slack takes 3000",
					      utf8_chars(st));
		}
	}
}

/* Checks every test makes: govbot kept to the protocol and logged no token. */
static inline void common_checks(void)
{
	harness_check_protocol(&H);
	check_message_limits();
	char *err = harness_bot_stderr(&H);
	bool leak = strstr(err, APP_TOKEN) || strstr(err, BOT_TOKEN) ||
		    strstr(err, "xapp-1-") || strstr(err, "xoxb-111");
	free(err);
	ck_assert_msg(!leak, "govbot logged a token");
}

static inline void finish(void)
{
	common_checks();
	harness_stop_bot(&H);
	harness_pass(&H);
}

/* Cases of one suite: name, test, loop count. */
struct slack_case {
	const char *name;
	const TTest *test;
	int loops;
};

static inline int run_cases(const char *suite, const struct slack_case *cases, size_t n)
{
	Suite *s = suite_create(suite);
	for (size_t i = 0; i < n; i++) {
		TCase *tc = tcase_create(cases[i].name);
		tcase_set_timeout(tc, 90);
		if (cases[i].loops > 1)
			tcase_add_loop_test(tc, cases[i].test, 0, cases[i].loops);
		else
			tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
