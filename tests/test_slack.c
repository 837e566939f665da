/*
 * test_slack.c - govbot's Slack adapter end to end against the loopback
 * Slack: what people see (slash commands, mentions, DMs, what is ignored,
 * mrkdwn from users, announcements).  The link itself (reconnects, faults,
 * fatal errors) is in test_slack_link.c; both use tests/slack_test.h.
 */
#include "tests/slack_test.h"

/* Settles for a moment and re-reads the records: only to show that nothing
 * MORE came after the events a test waited for. */
static void settle(double secs)
{
	usleep((useconds_t)(secs * 1e6));
	harness_reload(&H);
}

/* The test harness's Python half (harness.py, with a fake of its own) and
 * the loopback Slack built on it, each checked by its own client
 * (handshake, masking, fragments, tickets, scripted answers, routes, steps,
 * a bounded life), so that a failure below points at govbot. */
static const char *const selftests[][2] = {
	{ "HARNESS_SELFTEST", "tests/loopback/harness_selftest.py" },
	{ "SLACK_SELFTEST", "tests/loopback/slack_selftest.py" },
};

START_TEST(loopback_server_self_test)
{
	const char *script = harness_env_or(selftests[_i][0], selftests[_i][1]);
	const char *py = harness_env_or("PYTHON", "python3");
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
		      "%s failed (status 0x%x)", script, status);
}
END_TEST

/* The manifest asks Slack to escape /gov's arguments: people and channels
 * named there arrive as ids (<@U0123|name>), not as display names. */
START_TEST(manifest_escapes_slash_arguments)
{
	char *m = harness_read_file("adapters/slack_manifest.yaml");
	const char *cmd = strstr(m, "- command: /gov");
	const char *esc = cmd ? strstr(cmd, "should_escape:") : NULL;
	const char *next = cmd ? strstr(cmd + 1, "- command:") : NULL;

	ck_assert_msg(cmd, "adapters/slack_manifest.yaml has no /gov command");
	ck_assert_msg(esc && (!next || esc < next) && strncmp(esc, "should_escape: true", 19) == 0,
		      "/gov is not should_escape: true in adapters/slack_manifest.yaml");
	free(m);
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
	ck_assert_msg(harness_is(ack, "payload.response_type", "in_channel"),
		      "the answer does not say response_type in_channel (where it was asked)");
	double sent = t_of(nth_rec("sent", "envelope_id", SLASH_ENV, 0));
	ck_assert_msg(t_of(ack) - sent < 3.0, "acked after %.3f s; Slack waits 3 s", t_of(ack) - sent);
	settle(0.3);
	ck_assert_int_eq(acks_of(SLASH_ENV), 1);
	ck_assert_msg(count_api("chat.postMessage", -1) == 0 && count_api("response_url", -1) == 0,
		      "a slash command answered in its ack must not also be posted");
	finish();
}
END_TEST

START_TEST(slash_command_answered_through_response_url)
{
	run_scenario("slash_response_url");
	/* The bare ack goes out on the socket's next writeable turn, the answer
	 * through the HTTP worker: either may reach the server first, so wait
	 * for both before asserting on either. */
	WAIT(15, count_api("response_url", -1) >= 1 && acks_of(SLASH_ENV) >= 1);
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
	ck_assert_msg(harness_is(body, "response_type", "in_channel"),
		      "the answer does not say response_type in_channel (where it was asked)");
	ck_assert_msg(harness_is(r, "method", "POST"), "response_url not POSTed");
	ck_assert_msg(!harness_str(r, "auth") || !strstr(harness_str(r, "auth"), "xoxb-"),
		      "the bot token was sent to response_url");
	settle(0.3);
	ck_assert_int_eq(count_api("response_url", -1), 1);
	ck_assert_int_eq(count_api("chat.postMessage", -1), 0);
	finish();
}
END_TEST

START_TEST(mention_answered_in_thread)
{
	run_scenario("mention");
	WAIT(15, posts_to("C111") >= 1 && acks_of(MENTION_ENV) >= 1);
	const cJSON *p = post_to("C111", 0);
	ck_assert_msg(p != NULL, "no chat.postMessage to C111 for the mention");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(p, "body");
	ck_assert_msg(harness_is(body, "thread_ts", MENTION_TS), "reply not in the mention's thread");
	char *t = post_text("C111", 0);
	ck_assert_msg(says_autograd(t), "reply does not name autograd's maintainers: \"%s\"", t);
	ck_assert_msg(!strstr(t, "<@U111>"), "the bot's mention was not stripped: \"%s\"", t);
	free(t);
	ck_assert_msg(harness_is(p, "auth", "Bearer " BOT_TOKEN), "chat.postMessage without the bot token");
	settle(0.3);
	ck_assert_int_eq(acks_of(MENTION_ENV), 1);
	ck_assert_int_eq(posts_to("C111"), 1);
	finish();
}
END_TEST

/* "hey @govbot who maintains torch.nn?", "who maintains autograd? @govbot":
 * a mention anywhere in the message counts; answered in its thread. */
START_TEST(mention_anywhere_answered)
{
	run_scenario("mention_anywhere");
	WAIT(15, posts_to("C111") >= 1 && posts_to("C222") >= 1 && acks_of("mention-mid") >= 1 &&
		 acks_of("mention-end") >= 1);
	const cJSON *p = post_to("C111", 0), *q = post_to("C222", 0);
	ck_assert_msg(p && q, "a mention not at the start went unanswered: %s", harness_err_tail(&H));
	ck_assert_msg(harness_is(p, "body.thread_ts", "1610241900.000100") &&
		      harness_is(q, "body.thread_ts", "1610241901.000100"),
		      "an answer is not in its mention's thread");
	char *t = post_text("C111", 0);
	ck_assert_msg(says_nn(t), "\"hey @govbot who maintains torch.nn?\" got \"%s\"", t);
	free(t);
	t = post_text("C222", 0);
	ck_assert_msg(says_autograd(t), "\"who maintains autograd? @govbot\" got \"%s\"", t);
	free(t);
	settle(0.3);
	ck_assert_int_eq(posts_to("C111"), 1);
	ck_assert_int_eq(posts_to("C222"), 1);
	ck_assert_int_eq(count_api("chat.postEphemeral", -1), 0);
	finish();
}
END_TEST

/* A refusal in a channel reaches the asker only: the slash command's
 * ephemeral response, chat.postEphemeral for a mention (in its thread); in
 * a DM, the DM.  The same refusal everywhere. */
START_TEST(refusals_go_to_the_asker_only)
{
	run_scenario("refusals");
	WAIT(15, acks_of("slash-refused") >= 1 && acks_of("mention-refused") >= 1 &&
		 acks_of("dm-refused") >= 1 && calls_to("chat.postEphemeral", "C111") >= 1 &&
		 posts_to("D111") >= 1);
	const cJSON *ack = ack_of("slash-refused");
	ck_assert_msg(harness_is(ack, "payload.response_type", "ephemeral"),
		      "the slash command's refusal is not ephemeral");
	const cJSON *e = call_to("chat.postEphemeral", "C111", 0);
	ck_assert_msg(harness_is(e, "body.user", "U222"), "the ephemeral refusal is not for the asker");
	ck_assert_msg(harness_is(e, "body.thread_ts", "1610241799.000100"),
		      "the ephemeral refusal is not in the mention's thread");
	ck_assert_msg(harness_is(e, "auth", "Bearer " BOT_TOKEN), "chat.postEphemeral without the bot token");
	const char *dm = harness_str(post_to("D111", 0), "body.text");
	ck_assert_msg(dm && *dm, "the DM's refusal is empty");
	ck_assert_msg(harness_is(e, "body.text", dm) && harness_is(ack, "payload.text", dm),
		      "not the same refusal: \"%s\" / \"%s\" / \"%s\"", harness_str(e, "body.text"),
		      harness_str(ack, "payload.text"), dm);
	settle(0.3);
	ck_assert_msg(posts_to("C111") == 0, "a refusal was posted in the channel for all to see");
	ck_assert_int_eq(calls_to("chat.postEphemeral", "C111"), 1);
	ck_assert_int_eq(posts_to("D111"), 1);
	ck_assert_int_eq(count_api("response_url", -1), 0);
	finish();
}
END_TEST

START_TEST(dm_answered_in_dm)
{
	run_scenario("dm");
	WAIT(15, posts_to("D111") >= 1 && acks_of(DM_ENV) >= 1);
	char *t = post_text("D111", 0);
	ck_assert_msg(says_nn(t), "DM reply does not name torch.nn's maintainers: \"%s\"", t);
	free(t);
	settle(0.3);
	ck_assert_int_eq(acks_of(DM_ENV), 1);
	ck_assert_int_eq(count_api("chat.postMessage", -1), 1);
	finish();
}
END_TEST

START_TEST(own_and_bot_messages_ignored)
{
	run_scenario("own");
	WAIT(15, posts_to("D222") >= 1 && acks_of("env-sentinel") >= 1 && acks_of(DM_ENV) >= 1 &&
		 acks_of("57d6a792-4d35-4d0b-b6aa-3361493e1caf") >= 1 && acks_of("env-own") >= 1 &&
		 acks_of("env-bot") >= 1 && acks_of("env-own-botid") >= 1);
	char *t = post_text("D222", 0);
	ck_assert_msg(says_autograd(t), "the sentinel DM was not answered: \"%s\"", t);
	free(t);
	settle(0.3);
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
	static const char *chans[] = { "D1", "D2" };

	run_scenario("injection");
	/* the mention names no module: an error, for the asker only */
	WAIT(15, acks_of("inj-slash") && acks_of("inj-slash2") &&
		 calls_to("chat.postEphemeral", "C111") && posts_to("D1") && posts_to("D2"));
	for (size_t i = 0; i < 2; i++) {
		const cJSON *ack = ack_of(acks[i]);
		ck_assert_msg(ack != NULL, "%s not acked", acks[i]);
		char *t = texts(cJSON_GetObjectItemCaseSensitive(ack, "payload"));
		ck_assert_msg(*t, "%s: the slash command got no answer in its ack", acks[i]);
		check_inert(acks[i], t);
		free(t);
	}
	for (size_t i = 0; i < 2; i++) {
		ck_assert_msg(posts_to(chans[i]) == 1, "no single answer in %s", chans[i]);
		char *t = post_text(chans[i], 0);
		check_inert(chans[i], t);
		free(t);
	}
	ck_assert_msg(calls_to("chat.postEphemeral", "C111") == 1 && posts_to("C111") == 0,
		      "the mention's error was not answered once, to the asker only");
	char *eph = texts(harness_get(call_to("chat.postEphemeral", "C111", 0), "body"));
	check_inert("C111", eph);
	free(eph);
	const cJSON *r;
	cJSON_ArrayForEach(r, H.recs)
		if (harness_is(r, "kind", "http") && harness_is(r, "api", "response_url")) {
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
	char *opening = post_text("C0ANNOUNCE", 0);
	ck_assert_msg(strstr(opening, "Nomination 1 opened") && strstr(opening, "<@UNEWBIE>"),
		      "the opening does not mention the nominee: \"%s\"", opening);
	free(opening);
	const cJSON *p = post_to("C0ANNOUNCE", 1);
	ck_assert_msg(p != NULL, "the decision was not announced in announce_channel");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(p, "body");
	const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(body, "blocks");
	ck_assert_msg(cJSON_IsArray(blocks) && cJSON_GetArraySize(blocks) > 0,
		      "the announcement has no Block Kit blocks");
	const cJSON *blk;
	cJSON_ArrayForEach(blk, blocks)
		ck_assert_msg(cJSON_IsTrue(harness_get(blk, "text.verbatim")),
			      "a block's text is not verbatim: Slack would link mentions in it");
	ck_assert_msg(harness_str(body, "text") && *harness_str(body, "text"),
		      "the announcement has no plain-text fallback");
	char *t = texts(body);
	ck_assert_msg(contains_ci(t, "newbie") && contains_ci(t, "steady work") && strstr(t, "1"),
		      "the announcement does not say what was decided and why: \"%s\"", t);
	check_inert("announcement", t);
	free(t);
	/* Delivered from the outbox once: a restart must not post it again. */
	harness_stop_bot(&H);
	start_bot();
	WAIT(15, count_recs("ws_hello", NULL, NULL) >= 2);
	settle(1);
	ck_assert_msg(posts_to("C0ANNOUNCE") == 2, "announced %d times, want the opening and the "
		      "decision once each", posts_to("C0ANNOUNCE"));
	finish();
}
END_TEST

static const char *const channel_errors[] = { "not_in_channel", "channel_not_found" };

/* The announce channel refuses posts (the bot was never invited): said
 * once, with the fix; the announcements wait with a growing pause (400 ms
 * here, then 800 ms), not retried hot, and go out once each, in order,
 * when the channel takes them. */
START_TEST(announce_channel_refused_waits)
{
	const char *error = channel_errors[_i];
	const char *env[] = { "GOVBOT_SLACK_CHANNEL_WAIT_MS=400", NULL };
	const char *const line[] = { "level=error", error, "C0ANNOUNCE", "/invite @govbot", NULL };
	const char *const any[] = { error, NULL };
	double refused[4] = { 0 }, first_ok = -1;
	int nrefused = 0;
	char name[64];

	snprintf(name, sizeof name, "announce_%s", error);
	start_server(name);
	decide_nomination();   /* two announcements: the opening, then the decision */
	start_bot_env(env);
	WAIT(25, posts_to("C0ANNOUNCE") >= 2);
	ck_assert_msg(posts_to("C0ANNOUNCE") == 2, "%d of 2 announcements posted: %s",
		      posts_to("C0ANNOUNCE"), harness_err_tail(&H));
	const cJSON *r;
	cJSON_ArrayForEach(r, H.recs) {
		if (!harness_is(r, "kind", "http") || !harness_is(r, "api", "chat.postMessage"))
			continue;
		if (harness_is(r, "error", error) && nrefused < 4)
			refused[nrefused++] = t_of(r);
		else if (first_ok < 0 && !cJSON_HasObjectItem(r, "error"))
			first_ok = t_of(r);
	}
	ck_assert_msg(nrefused == 3, "%d posts refused with %s, want 3 (the channel was fixed "
		      "after the third)", nrefused, error);
	ck_assert_msg(refused[2] - refused[0] >= 0.35 && first_ok - refused[2] >= 0.75,
		      "retried hot: refused at %.3f, %.3f, %.3f s, posted at %.3f s", refused[0],
		      refused[1], refused[2], first_ok);
	ck_assert_msg(harness_stderr_lines(&H, line) == 1 && harness_stderr_lines(&H, any) == 1,
		      "want one level=error line naming %s, C0ANNOUNCE and /invite @govbot: %s",
		      error, harness_err_tail(&H));
	char *a = post_text("C0ANNOUNCE", 0), *b = post_text("C0ANNOUNCE", 1);
	ck_assert_msg(strstr(a, "Nomination 1 opened") && strstr(b, "Decision on nomination 1"),
		      "not each announcement once, in order: \"%.200s\" / \"%.200s\"", a, b);
	free(a);
	free(b);
	settle(1);
	ck_assert_int_eq(posts_to("C0ANNOUNCE"), 2);
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
	ck_assert_msg(posts_to("C0ANNOUNCE") == 2, "not delivered after the outage: %s", harness_err_tail(&H));
	settle(1);
	ck_assert_msg(posts_to("C0ANNOUNCE") == 2, "announced %d times, want the opening and the "
		      "decision once each", posts_to("C0ANNOUNCE"));
	finish();
}
END_TEST


int main(void)
{
	const struct slack_case cases[] = {
		{ "loopback", loopback_server_self_test, 2 },
		{ "manifest", manifest_escapes_slash_arguments, 1 },
		{ "slash", slash_command_answered_in_ack, 1 },
		{ "response_url", slash_command_answered_through_response_url, 1 },
		{ "mention", mention_answered_in_thread, 1 },
		{ "mention_anywhere", mention_anywhere_answered, 1 },
		{ "refusals", refusals_go_to_the_asker_only, 1 },
		{ "dm", dm_answered_in_dm, 1 },
		{ "own", own_and_bot_messages_ignored, 1 },
		{ "injection", mrkdwn_injection_defused, 1 },
		{ "announce", announcement_posted_once_with_blocks, 1 },
		{ "announce_outage", announcement_survives_outage, 1 },
		{ "announce_channel", announce_channel_refused_waits, 2 },
	};
	return run_cases("slack", cases, sizeof cases / sizeof cases[0]);
}
