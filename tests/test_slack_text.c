/* test_slack_text.c - adapters/slack.c's text handling, reached by including
 * the file: what Slack sends is unescaped for the dispatcher, the command
 * found around the bot's mention, and what govbot posts cut to Slack's limits without
 * breaking UTF-8 or an entity (the end-to-end tests are tests/test_slack.c). */
#include "adapters/slack.c"
#include "tests/testutil.h"

#include <check.h>

struct unescape_case {
	const char *in;
	const char *out;
};

static const struct unescape_case unescape_cases[] = {
	{ "who torch.nn", "who torch.nn" },
	{ "a &amp; b", "a & b" },
	{ "&lt;!channel&gt;", "<!channel>" },
	{ "&amp;lt;", "&lt;" },          /* one level only */
	{ "&amp", "&amp" },              /* not an entity */
	{ "x &gt;&gt; y", "x >> y" },
	{ "", "" },
};

START_TEST(unescape)
{
	const struct unescape_case *c = &unescape_cases[_i];
	struct buf got = BUF_INIT;

	buf_adds(&got, "kept ");   /* appends */
	slack_unescape(c->in, strlen(c->in), &got);
	ck_assert_str_eq(got.data + 5, c->out);
	ck_assert_uint_eq(got.len, 5 + strlen(c->out));
	buf_release(&got);
}
END_TEST

struct command_case {
	const char *in;
	const char *bot;      /* the bot's user id, NULL when not known */
	const char *out;
};

static const struct command_case command_cases[] = {
	{ "<@U111> who torch.nn", "U111", "who torch.nn" },
	{ "  <@U111|govbot>   help", "U111", "help" },
	{ "<@U111>", "U111", "" },
	{ "hey <@U111> who maintains torch.nn?", "U111", "who maintains torch.nn?" },
	{ "hey <@U111>, who maintains torch.nn?", "U111", "who maintains torch.nn?" },
	{ "who maintains torch.nn? <@U111>", "U111", "who maintains torch.nn?" },
	{ "who maintains torch.nn, <@U111>?", "U111", "who maintains torch.nn" },
	{ "<@U222> ask <@U111> who torch.nn", "U111", "who torch.nn" },   /* ours, not the first */
	{ "<@U111> nominate <@U222> for torch.nn", "U111", "nominate <@U222> for torch.nn" },
	{ "<@U222> who torch.nn", "U111", "<@U222> who torch.nn" },       /* someone else's */
	{ "<@U222> who torch.nn", NULL, "who torch.nn" },                 /* bot not known */
	{ "<@U111", "U111", "<@U111" },                                   /* unterminated: kept */
	{ "<@U1111> help", "U111", "<@U1111> help" },                     /* another id */
	{ "help", "U111", "help" },
};

START_TEST(command_text)
{
	const struct command_case *c = &command_cases[_i];
	size_t len;
	const char *got = slack_command(c->in, c->bot, &len);

	ck_assert_msg(len == strlen(c->out) && strncmp(got, c->out, len) == 0,
		      "\"%s\": got \"%.*s\", want \"%s\"", c->in, (int)len, got, c->out);
}
END_TEST

START_TEST(fatal_errors)
{
	ck_assert(slack_is_fatal("invalid_auth"));
	ck_assert(slack_is_fatal("not_authed"));
	ck_assert(slack_is_fatal("account_inactive"));
	ck_assert(slack_is_fatal("user_removed_from_team"));
	ck_assert(slack_is_fatal("team_disabled"));
	ck_assert(slack_is_fatal("not_allowed_token_type"));
	ck_assert(slack_is_fatal("token_revoked"));
	ck_assert(slack_is_fatal("token_expired"));
	ck_assert(!slack_is_fatal("not_in_channel"));
	ck_assert(!slack_is_fatal("ratelimited"));
	ck_assert(!slack_is_fatal("internal_error"));
	ck_assert(!slack_is_fatal(NULL));
}
END_TEST

/* A long text of a repeated unit (multi-byte characters, entities, lines). */
static char *long_text(const char *unit, size_t total)
{
	struct buf b = BUF_INIT;

	while (b.len < total)
		buf_adds(&b, unit);
	return buf_detach(&b);
}

static const char *const units[] = {
	"é",                     /* 2-byte characters */
	"名前",                   /* 3-byte characters */
	"a &amp; b &lt;x&gt; ",  /* entities everywhere */
	"line of text\n",
	"x",
};

START_TEST(truncated_text_stays_valid)
{
	char *text = long_text(units[_i], SLACK_MAX_TEXT + 1000);
	char *json = slack_post_json("C1", text, "1.2", false);
	cJSON *root = cJSON_Parse(json);
	const char *t = json_str(root, "text");
	size_t n;

	ck_assert_ptr_nonnull(t);
	n = strlen(t);
	ck_assert_uint_le(n, SLACK_MAX_TEXT);
	ck_assert_uint_gt(n, SLACK_MAX_TEXT - 100);
	ck_assert(utf8_valid(t, n));
	ck_assert_ptr_nonnull(strstr(t, "(truncated)"));
	/* every & still starts a whole entity */
	for (const char *p = strchr(t, '&'); p; p = strchr(p + 1, '&'))
		ck_assert(!strncmp(p, "&amp;", 5) || !strncmp(p, "&lt;", 4) || !strncmp(p, "&gt;", 4));
	ck_assert_str_eq(json_str(root, "thread_ts"), "1.2");
	ck_assert_ptr_null(cJSON_GetObjectItem(root, "blocks"));
	cJSON_Delete(root);
	cJSON_free(json);
	free(text);
}
END_TEST

START_TEST(blocks_split_the_text)
{
	char *text = long_text(units[_i], 10000);
	char *json = slack_post_json("C1", text, NULL, true);
	cJSON *root = cJSON_Parse(json), *blk;
	const cJSON *blocks = cJSON_GetObjectItem(root, "blocks");
	struct buf joined = BUF_INIT;

	ck_assert(cJSON_IsArray(blocks));
	ck_assert_int_ge(cJSON_GetArraySize(blocks), 4);
	ck_assert_ptr_null(cJSON_GetObjectItem(root, "thread_ts"));
	cJSON_ArrayForEach(blk, blocks) {
		const cJSON *t = cJSON_GetObjectItem(blk, "text");
		const char *s = json_str(t, "text");

		ck_assert_str_eq(json_str(blk, "type"), "section");
		ck_assert_str_eq(json_str(t, "type"), "mrkdwn");
		ck_assert_uint_le(strlen(s), SLACK_MAX_SECTION);
		ck_assert(utf8_valid(s, strlen(s)));
		if (strchr(units[_i], '\n'))   /* cut at line ends when there are some */
			ck_assert(s[strlen(s) - 1] == '\n' || blk->next == NULL);
		buf_adds(&joined, s);
	}
	/* the sections are the text, in order, nothing lost */
	ck_assert_str_eq(buf_str(&joined), text);
	ck_assert_str_eq(json_str(root, "text"), text);
	buf_release(&joined);
	cJSON_Delete(root);
	cJSON_free(json);
	free(text);
}
END_TEST

START_TEST(short_text_untouched)
{
	char *json = slack_post_json("D1", "*who* &lt;x&gt;", NULL, true);
	cJSON *root = cJSON_Parse(json);
	const cJSON *blocks = cJSON_GetObjectItem(root, "blocks");

	ck_assert_str_eq(json_str(root, "channel"), "D1");
	ck_assert_str_eq(json_str(root, "text"), "*who* &lt;x&gt;");
	ck_assert_int_eq(cJSON_GetArraySize(blocks), 1);
	cJSON_Delete(root);
	cJSON_free(json);
}
END_TEST

static const char *const json_strings[] = {
	"plain", "quote \" and backslash \\", "line\nbreak\ttab\r", "\x01\x1f control",
	"é 名前 ✓", "", "*bold* &lt;!channel&gt; `code`",
};

/* The hand-built ack is JSON that reads back as the same strings. */
START_TEST(ack_json_round_trips)
{
	struct buf b = BUF_INIT;
	cJSON *root;

	buf_adds(&b, "{\"envelope_id\":");
	buf_add_json_string(&b, "env-1");
	buf_adds(&b, ",\"payload\":{\"text\":");
	buf_add_json_string(&b, json_strings[_i]);
	buf_adds(&b, "}}");
	root = cJSON_Parse(b.data);
	ck_assert_msg(root != NULL, "not JSON: %s", b.data);
	ck_assert_str_eq(json_str(root, "envelope_id"), "env-1");
	ck_assert_str_eq(json_str(cJSON_GetObjectItem(root, "payload"), "text"), json_strings[_i]);
	cJSON_Delete(root);
	buf_release(&b);
}
END_TEST

/* Slack's error parser: ok:true is ok whatever the status; the auth errors
 * are fatal, other errors retried; a 429 keeps its Retry-After. */
static const struct {
	long status;
	const char *body;
	long retry_after_s;
	enum jsonapi_outcome outcome;
	const char *error;
} slack_answers[] = {
	{ 200, "{\"ok\":true,\"url\":\"wss://x\"}", -1, JSONAPI_OK, NULL },
	{ 200, "{\"ok\":false,\"error\":\"invalid_auth\"}", -1, JSONAPI_FATAL, "invalid_auth" },
	{ 200, "{\"ok\":false,\"error\":\"internal_error\"}", -1, JSONAPI_RETRY, "internal_error" },
	{ 200, "{\"ok\":false}", -1, JSONAPI_RETRY, "malformed answer" },
	{ 200, "<html>", -1, JSONAPI_RETRY, "malformed answer" },
	{ 500, "", -1, JSONAPI_RETRY, "HTTP 500" },
	{ 404, "", -1, JSONAPI_RETRY, "HTTP 404" },
	{ 429, "", 7, JSONAPI_RETRY_AFTER, "ratelimited" },
	{ 0, "", -1, JSONAPI_RETRY, "no response" },
};

START_TEST(slack_answers_classified)
{
	struct http_response r = {
		.status = slack_answers[_i].status, .body = slack_answers[_i].body,
		.body_len = strlen(slack_answers[_i].body), .retry_after_s = slack_answers[_i].retry_after_s,
	};
	struct jsonapi_result res;
	cJSON *json = NULL;
	char err[64];

	jsonapi_classify(&r, slack_classify, &res, &json, err, sizeof(err));
	ck_assert_int_eq(res.outcome, slack_answers[_i].outcome);
	if (slack_answers[_i].error)
		ck_assert_str_eq(res.error, slack_answers[_i].error);
	else
		ck_assert_ptr_null(res.error);
	if (slack_answers[_i].status == 429)
		ck_assert_int_eq(res.retry_after_ms, 7000);
	cJSON_Delete(json);
}
END_TEST

static Suite *slack_text_suite(void)
{
	Suite *s = suite_create("slack_text");
	TCase *tc = tcase_create("text");

	tcase_add_loop_test(tc, unescape, 0, (int)ARRAY_SIZE(unescape_cases));
	tcase_add_loop_test(tc, command_text, 0, (int)ARRAY_SIZE(command_cases));
	tcase_add_test(tc, fatal_errors);
	tcase_add_loop_test(tc, slack_answers_classified, 0, (int)ARRAY_SIZE(slack_answers));
	tcase_add_loop_test(tc, truncated_text_stays_valid, 0, (int)ARRAY_SIZE(units));
	tcase_add_loop_test(tc, blocks_split_the_text, 0, (int)ARRAY_SIZE(units));
	tcase_add_test(tc, short_text_untouched);
	tcase_add_loop_test(tc, ack_json_round_trips, 0, (int)ARRAY_SIZE(json_strings));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(slack_text_suite());
}
