/*
 * test_slack_link.c - govbot's Socket Mode link and Web API calls against
 * the loopback Slack: shutdown, redelivery, refresh and killed or silent
 * sockets, 429/503 and slow answers, fatal errors, odd frames.  What people
 * see is in test_slack.c; both use tests/slack_test.h.
 */
#include "tests/slack_test.h"

/* Settles for a moment and re-reads the records: only to show that nothing
 * MORE came after the events a test waited for. */
static void settle(double secs)
{
	usleep((useconds_t)(secs * 1e6));
	harness_reload(&H);
}

/* SIGTERM: finish, then close the link with a Close frame (RFC 6455 7.1.2). */
START_TEST(sigterm_closes_link_cleanly)
{
	run_scenario("dm");
	WAIT(15, posts_to("D111") >= 1);
	ck_assert_int_eq(posts_to("D111"), 1);
	common_checks();
	harness_stop_bot(&H);
	WAIT(5, count_recs("ws_close", NULL, NULL) >= 1);
	const cJSON *c = nth_rec("ws_close", NULL, NULL, 0);
	ck_assert_msg(c != NULL, "the server saw no close of the link");
	ck_assert_msg(harness_is(c, "by", "client") && cJSON_IsTrue(cJSON_GetObjectItem(c, "clean")),
		      "govbot dropped the link on SIGTERM without a Close frame");
	ck_assert_msg(harness_num(c, "code") == 1000 || harness_num(c, "code") == 1001,
		      "Close code %.0f on shutdown, want 1000 or 1001", harness_num(c, "code"));
	harness_pass(&H);
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
			     "posts: \"%.300s\" / \"%.300s\"; govbot said: %s", ag, nn, a, b, harness_err_tail(&H));
	}
	ck_assert_int_eq(posts_to("C111"), 2);
	ck_assert_int_eq(acks_of("retry-2-envelope"), 1);
}

START_TEST(redelivered_event_answered_once)
{
	run_scenario("retry");
	WAIT(15, acks_of("sentinel-envelope") >= 1 && acks_of("retry-2-envelope") >= 1 &&
		 posts_to("C111") >= 2);
	settle(0.5);
	check_answered_once_each();
	finish();
}
END_TEST

START_TEST(redelivered_event_answered_once_across_restart)
{
	run_scenario("retry_restart");
	WAIT(15, posts_to("C111") >= 1);
	ck_assert_int_eq(posts_to("C111"), 1);
	harness_stop_bot(&H);
	start_bot();
	WAIT(15, acks_of("sentinel-envelope") >= 1 && acks_of("retry-2-envelope") >= 1 &&
		 posts_to("C111") >= 2);
	settle(0.5);
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
		 acks_of("env-A") && acks_of("env-B") && acks_of("env-C") && acks_of("env-D"));
	settle(0.4);
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
	cJSON_ArrayForEach(r, H.recs)
		if (harness_is(r, "kind", "ws_close") && harness_num(r, "conn") == 1 &&
		    harness_is(r, "by", "client"))
			ck_assert_msg(t_of(r) >= t_of(hello2),
				      "govbot dropped the old link before the new one said hello");
	finish();
}
END_TEST

START_TEST(socket_killed_reconnects)
{
	run_scenario("killed");
	WAIT(20, posts_to("D1") >= 1 && posts_to("D2") >= 1 && posts_to("D5") >= 1);
	settle(0.3);
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
	WAIT(20, posts_to("D1") >= 1 && posts_to("D2") >= 1 && count_recs("ping", "dir", "in") >= 1);
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
	WAIT(20, posts_to("D1") >= 1 && posts_to("D2") >= 1 && acks_of("env-B") >= 1);
	settle(0.3);
	ck_assert_int_eq(posts_to("D1"), 1);
	ck_assert_int_eq(posts_to("D2"), 1);
	const cJSON *first = nth_rec("http", "api", "chat.postMessage", 0);
	ck_assert(first != NULL && harness_num(first, "status") == 429);
	double t429 = t_of(first);
	const cJSON *r;
	cJSON_ArrayForEach(r, H.recs)
		if (r != first && harness_is(r, "kind", "http") && harness_is(r, "api", "chat.postMessage"))
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

/* env-0 .. env-n-1 each acked and answered in D0 .. Dn-1 */
static bool all_answered(int n)
{
	for (int i = 0; i < n; i++) {
		char env[32], chan[32];
		snprintf(env, sizeof env, "env-%d", i);
		snprintf(chan, sizeof chan, "D%d", i);
		if (acks_of(env) < 1 || posts_to(chan) < 1)
			return false;
	}
	return true;
}

/* A Web API call that hangs must hold up neither acks nor other answers. */
START_TEST(slow_web_api_delays_no_ack)
{
	run_scenario("slow_api");
	WAIT(20, all_answered(6));
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
	settle(0.3);
	const cJSON *first = nth_rec("http", "api", "chat.postMessage", 0);
	ck_assert(first != NULL && harness_num(first, "status") == 503);
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
	ck_assert_msg(harness_bot_exited(&H, 15), "govbot still runs 15 s after invalid_auth");
	ck_assert_msg(WIFEXITED(H.bot_status) && WEXITSTATUS(H.bot_status) != 0,
		      "govbot ended with status 0x%x, want a non-zero exit", H.bot_status);
	harness_reload(&H);
	ck_assert_msg(count_api(method, -1) == 1, "%s called %d times after invalid_auth, want 1; "
		      "govbot said: %s", method, count_api(method, -1), harness_err_tail(&H));
	ck_assert_int_eq(count_recs("ws_open", NULL, NULL), 0);
	char *err = harness_bot_stderr(&H);
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
	harness_pass(&H);
}
END_TEST

/* A token Slack will never take, at start or later: the scenario, govbot's
 * env change, the call refused, the error, the variable to fix. */
static const struct {
	const char *scenario, *env, *method, *error, *token;
} token_cases[] = {
	{ "wrong_token_kind", "SLACK_APP_TOKEN=" BOT_TOKEN, "apps.connections.open",
	  "not_allowed_token_type", "SLACK_APP_TOKEN" },
	{ "wrong_token_kind", "SLACK_BOT_TOKEN=" APP_TOKEN, "auth.test",
	  "not_allowed_token_type", "SLACK_BOT_TOKEN" },
	{ "token_bot_revoked", NULL, "auth.test", "token_revoked", "SLACK_BOT_TOKEN" },
	{ "token_app_expired", NULL, "apps.connections.open", "token_expired", "SLACK_APP_TOKEN" },
	{ "token_revoked_midrun", NULL, "chat.postMessage", "token_revoked", "SLACK_BOT_TOKEN" },
};

/* Fatal, not retried: one call, then exit 1 with one error line naming the
 * error and the token to fix. */
START_TEST(token_refused_is_fatal)
{
	const char *method = token_cases[_i].method, *error = token_cases[_i].error;
	const char *env[] = { token_cases[_i].env, NULL };
	const char *const line[] = { "level=error", error, token_cases[_i].token, NULL };
	const char *const any[] = { error, NULL };

	start_server(token_cases[_i].scenario);
	start_bot_env(env);
	ck_assert_msg(harness_bot_exited(&H, 15), "govbot still runs 15 s after %s (%s): %s", error,
		      token_cases[_i].token, harness_err_tail(&H));
	ck_assert_msg(WIFEXITED(H.bot_status) && WEXITSTATUS(H.bot_status) == 1,
		      "govbot ended with status 0x%x, want exit 1", H.bot_status);
	harness_reload(&H);
	const cJSON *r = nth_rec("http", "api", method, 0);
	ck_assert_msg(r && harness_is(r, "error", error), "%s was not answered %s", method, error);
	ck_assert_msg(count_api(method, -1) == 1, "%s called %d times after %s, want 1", method,
		      count_api(method, -1), error);
	ck_assert_msg(harness_stderr_lines(&H, line) == 1 && harness_stderr_lines(&H, any) == 1,
		      "want one level=error line naming %s and %s, got: %s", error,
		      token_cases[_i].token, harness_err_tail(&H));
	common_checks();
	harness_pass(&H);
}
END_TEST

START_TEST(link_disabled_stops_without_reconnect)
{
	run_scenario("link_disabled");
	WAIT(15, count_recs("ws_close", NULL, NULL) >= 1 && posts_to("D1") >= 1);
	ck_assert_msg(posts_to("D1") == 1, "the envelope before link_disabled was not answered");
	settle(1.5); /* backoff base is 100 ms: a reconnect loop would show */
	ck_assert_msg(count_api("apps.connections.open", -1) == 1,
		      "govbot reconnected after link_disabled (%d apps.connections.open)",
		      count_api("apps.connections.open", -1));
	char *err = harness_bot_stderr(&H);
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
	if (!harness_bot_exited(&H, 0)) {
		kill(H.bot, SIGTERM);
		ck_assert(harness_bot_exited(&H, 10));
	}
	ck_assert_msg(!WIFSIGNALED(H.bot_status) || WTERMSIG(H.bot_status) == SIGTERM,
		      "govbot crashed (signal %d)", WTERMSIG(H.bot_status));
	harness_pass(&H);
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
	settle(0.3);
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
	char *err = harness_bot_stderr(&H);
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
	cJSON_ArrayForEach(r, H.recs) {
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
		if (harness_is(r, "api", "chat.postMessage") && harness_str(body, "text"))
			ck_assert_msg(strlen(harness_str(body, "text")) <= SLACK_MAX_TEXT,
				      "posted %zu bytes of text; Slack takes %d",
				      strlen(harness_str(body, "text")), SLACK_MAX_TEXT);
	}
	finish();
}
END_TEST

START_TEST(fragmented_frames_reassembled)
{
	run_scenario("fragments");
	WAIT(15, acks_of("frag-slash") >= 1 && posts_to("D1") >= 1 &&
		 count_recs("pong", NULL, NULL) >= 1);
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


int main(void)
{
	const struct slack_case cases[] = {
		{ "sigterm", sigterm_closes_link_cleanly, 1 },
		{ "retry", redelivered_event_answered_once, 1 },
		{ "retry_restart", redelivered_event_answered_once_across_restart, 1 },
		{ "switch", disconnect_switch_loses_nothing, 2 },
		{ "killed", socket_killed_reconnects, 1 },
		{ "dead", dead_link_detected_by_ping, 1 },
		{ "ratelimit", rate_limited_then_posted_after_retry_after, 1 },
		{ "slow_api", slow_web_api_delays_no_ack, 1 },
		{ "unavailable", unavailable_then_posted, 1 },
		{ "invalid_auth", invalid_auth_is_fatal, 2 },
		{ "token", token_refused_is_fatal, 5 },
		{ "link_disabled", link_disabled_stops_without_reconnect, 1 },
		{ "too_many", too_many_websockets_backs_off, 1 },
		{ "malformed", malformed_frames_survived, 1 },
		{ "big", one_megabyte_frame_survived, 1 },
		{ "fragments", fragmented_frames_reassembled, 1 },
	};
	return run_cases("slack_link", cases, sizeof cases / sizeof cases[0]);
}
