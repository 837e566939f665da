/*
 * test_matrix.c - govbot's Matrix adapter end to end, against a loopback
 * homeserver, on the shared two-process harness (tests/harness.h).
 *
 * Every test starts two real processes: tests/loopback/matrix_server.py (a
 * Client-Server API v3 homeserver on 127.0.0.1, built on
 * tests/loopback/harness.py, that keeps rooms, a stream of events and
 * transaction ids, in the shapes of the spec's examples in
 * tests/data/matrix/fixtures/) and `govbot run --config CFG` with a token
 * the server checks.  The test makes things happen in rooms by posting
 * operations to the homeserver (POST /_loopback/op), and reads what govbot
 * did from its records (JSON lines), waiting for each record it asserts.
 *
 * Environment: as tests/harness.h (GOVBOT, PYTHON, HARNESS_KEEP=1 keeps the
 * files of passed tests too), and MATRIX_SERVER (the server script).  One
 * case: CK_RUN_CASE=command.
 */
#include <check.h>
#include <cJSON.h>

#include "tests/harness.h"
#include "tests/tu_httpd.h"

#define TOKEN "syt_Z292Ym90_loopback_0001"
#define BOT "@govbot:example.org"
#define ROOM "!main:example.org"      /* three members: commands need !gov or a mention */
#define ROOM2 "!other:example.org"
#define DM "!dm:example.org"          /* the bot and alice */
#define ANNOUNCE "!announce:example.org"
#define ALICE "@alice:example.org"
#define BOB "@bob:example.org"

static struct harness H;
static const char *announce_target = ANNOUNCE;   /* the config's announce_room */
#define R H   /* the cases read R.bot, R.bot_status, R.cfg, R.dir, R.port, R.recs */

static const char *const bot_env[] = {
	"MATRIX_ACCESS_TOKEN=" TOKEN, "GOVBOT_MATRIX_BACKOFF_MS=100", "GOVBOT_HTTP_BACKOFF_MS=100",
	"GOVBOT_FAULT", NULL,
};

static double now(void)
{
	return harness_now();
}

/* ---- processes ---------------------------------------------------------- */

/* The standard rooms, then extra scenario keys (a JSON fragment, may be ""). */
static void start_server(const char *extra)
{
	char scen[200];
	FILE *f;

	harness_begin(&H, "matrix");
	snprintf(scen, sizeof scen, "%s/scenario.json", H.dir);
	f = fopen(scen, "w");
	ck_assert(f != NULL);
	fprintf(f, "{\"displayname\":\"GovBot\",\"rooms\":{"
		   "\"" ROOM "\":{\"members\":[\"" ALICE "\",\"" BOB "\"],\"joined\":true},"
		   "\"" ROOM2 "\":{\"members\":[\"" ALICE "\",\"" BOB "\"],\"joined\":true},"
		   "\"" DM "\":{\"members\":[\"" ALICE "\"],\"joined\":true},"
		   "\"" ANNOUNCE "\":{\"members\":[\"" ALICE "\",\"" BOB "\"],\"joined\":true,"
		   "\"alias\":\"#announce:example.org\"}}"
		   "%s%s}\n", *extra ? "," : "", extra);
	fclose(f);
	harness_start_server(&H, harness_env_or("MATRIX_SERVER", "tests/loopback/matrix_server.py"),
			     (const char *[]){ "--scenario", scen, "--token", TOKEN, "--user", BOT,
					       NULL });
}

/* The config: the matrix section's extra keys (a JSON fragment, may be ""). */
static void write_config(const char *extra)
{
	harness_config(&H, "{\"adapters\":{\"matrix\":{\"homeserver_url\":\"http://127.0.0.1:%d/\","
		       "\"user_id\":\"" BOT "\",\"announce_room\":\"%s\"%s%s}},"
		       "\"database\":\"%s/db.sqlite3\","
		       "\"identities\":{\"ezyang\":[\"matrix:@ezyang:example.org\"],"
		       "\"soumith\":[\"matrix:@soumith:example.org\"]}}\n",
		       H.port, announce_target, *extra ? "," : "", extra, H.dir);
}

static void start_bot(void)
{
	harness_start_bot(&H, NULL, bot_env);
}

/* `govbot ask --config CFG --as ID TEXT`; its exit code (-1: no exit in 20 s). */
static int ask(const char *as, const char *text)
{
	return harness_run_bot(&H, (const char *[]){ "ask", "--config", H.cfg, "--as", as, text,
						     NULL }, bot_env, 20);
}

static bool bot_exited(double secs)
{
	return harness_bot_exited(&H, secs);
}

/* Lines of govbot's stderr holding needle. */
static int stderr_count(const char *needle)
{
	return harness_stderr_lines(&H, (const char *[]){ needle, NULL });
}

static const char *err_tail(void)
{
	return harness_err_tail(&H);
}

static void stop_bot_cleanly(void)
{
	harness_stop_bot(&H);
}

/* One operation for the homeserver (printf-style JSON), applied before
 * this returns. */
static void op(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void op(const char *fmt, ...)
{
	struct buf body = BUF_INIT, req = BUF_INIT, resp = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&body, fmt, ap);
	va_end(ap);
	buf_addf(&req, "POST /_loopback/op HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		       "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		       "Connection: close\r\n\r\n%s", body.len, body.data);
	ck_assert_msg(tu_http_raw(H.port, req.data, &resp) == 0, "the homeserver is gone");
	ck_assert_msg(strncmp(buf_str(&resp), "HTTP/1.1 200", 12) == 0, "op %s: %s", body.data,
		      buf_str(&resp));
	buf_release(&body);
	buf_release(&req);
	buf_release(&resp);
}

/* ---- the server's records ----------------------------------------------- */

static void reload(void)
{
	harness_reload(&H);
}

#define WAIT(secs, cond) HARNESS_WAIT(&H, secs, cond)

static const char *str_of(const cJSON *obj, const char *key)
{
	return harness_str(obj, key);
}

static double num_of(const cJSON *obj, const char *key)
{
	return harness_num(obj, key);
}

static bool is(const cJSON *obj, const char *key, const char *value)
{
	return value && harness_is(obj, key, value);
}

static const cJSON *nth(const char *kind, const char *key, const char *value, int n)
{
	return harness_rec(&H, kind, key, value, n);
}

static int count(const char *kind, const char *key, const char *value)
{
	return harness_count(&H, kind, key, value);
}

/* Sends into room that the server stored (a new event: not a replay of a txnId). */
static int stored_in(const char *room)
{
	int n = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, H.recs)
		if (is(r, "kind", "send") && is(r, "room", room) &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "stored")))
			n++;
	return n;
}

/* The nth stored send to room, its content. */
static const cJSON *stored_content(const char *room, int n)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, H.recs)
		if (is(r, "kind", "send") && is(r, "room", room) &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "stored")) && n-- == 0)
			return cJSON_GetObjectItemCaseSensitive(r, "content");
	return NULL;
}

/* The stored send to room whose body holds needle, its content. */
static const cJSON *stored_with(const char *room, const char *needle)
{
	for (int i = 0; stored_content(room, i); i++) {
		const char *body = str_of(stored_content(room, i), "body");
		if (body && strstr(body, needle))
			return stored_content(room, i);
	}
	return NULL;
}

/* The send to room that the homeserver answered as a repeated txnId. */
static const cJSON *dup_send(const char *room)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, H.recs)
		if (is(r, "kind", "send") && is(r, "room", room) &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "dup")))
			return r;
	return NULL;
}

/* The event an answer replies to (keys with dots: no harness_get path). */
static const char *in_reply_to(const cJSON *content)
{
	const cJSON *rel = cJSON_GetObjectItemCaseSensitive(content, "m.relates_to");
	return str_of(cJSON_GetObjectItemCaseSensitive(rel, "m.in_reply_to"), "event_id");
}

/* How many long-polls found nothing new and waited (govbot is listening). */
static int polls(void)
{
	return count("sync_wait", NULL, NULL);
}

static bool polling(void)
{
	return polls() > 0;
}

static void common_checks(void)
{
	char *err = harness_bot_stderr(&H);

	harness_check_protocol(&H);
	ck_assert_msg(count("server_error", NULL, NULL) == 0, "the loopback server failed: %s",
		      str_of(nth("server_error", NULL, NULL, 0), "error"));
	ck_assert_msg(!strstr(err, TOKEN), "the token appears in govbot's log");
	free(err);
}

static void finish(void)
{
	common_checks();
	stop_bot_cleanly();
	harness_pass(&H);
}

/* Server, config, bot; returns once govbot long-polls (first sync done). */
static void run(const char *scenario, const char *config)
{
	start_server(scenario);
	write_config(config);
	start_bot();
	WAIT(15, polling());
	ck_assert_msg(polling(), "govbot never long-polled /sync: %s", err_tail());
}

static const cJSON *first_content_or_fail(const char *room, double secs)
{
	WAIT(secs, stored_in(room) >= 1);
	const cJSON *c = stored_content(room, 0);
	ck_assert_msg(c != NULL, "nothing was sent to %s: %s", room, err_tail());
	return c;
}

/* ---- the cases ------------------------------------------------------------ */

START_TEST(command_answered_as_threaded_notice)
{
	/* an old command waits in the room: the first sync must skip it */
	run("\"ops\":[{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\","
	    "\"body\":\"!gov lead\",\"event_id\":\"$backlog:example.org\"}]", "");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\","
	   "\"body\":\"!gov who torch.nn\",\"event_id\":\"$cmd1:example.org\"}");
	const cJSON *c = first_content_or_fail(ROOM, 10);
	ck_assert_str_eq(str_of(c, "msgtype"), "m.notice");
	ck_assert_msg(strstr(str_of(c, "body"), "torch.nn"), "body: %s", str_of(c, "body"));
	ck_assert_str_eq(str_of(c, "format"), "org.matrix.custom.html");
	ck_assert_msg(strstr(str_of(c, "formatted_body"), "<strong>"), "formatted_body: %s",
		      str_of(c, "formatted_body"));
	const cJSON *mentions = cJSON_GetObjectItemCaseSensitive(c, "m.mentions");
	ck_assert_msg(cJSON_IsObject(mentions) && cJSON_GetArraySize(mentions) == 0,
		      "m.mentions must be present and empty");
	ck_assert_msg(is(cJSON_GetObjectItemCaseSensitive(c, "m.relates_to") ?
			 cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(c, "m.relates_to"), "m.in_reply_to")
			 : NULL, "event_id", "$cmd1:example.org"),
		      "the answer is not a reply to the command");
	/* the txnId is derived from the command, not a counter */
	const cJSON *s = nth("send", "room", ROOM, 0);
	ck_assert_msg(str_of(s, "txn") && strstr(str_of(s, "txn"), "cmd1"), "txn %s",
		      str_of(s, "txn"));

	/* inside a thread: answered in that thread */
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" BOB "\",\"body\":\"!gov lead\","
	   "\"event_id\":\"$cmd2:example.org\",\"content\":{\"m.relates_to\":{\"rel_type\":"
	   "\"m.thread\",\"event_id\":\"$root:example.org\",\"is_falling_back\":true,"
	   "\"m.in_reply_to\":{\"event_id\":\"$root:example.org\"}}}}");
	WAIT(10, stored_in(ROOM) >= 2);
	c = stored_content(ROOM, 1);
	ck_assert_msg(c != NULL, "the thread command was not answered: %s", err_tail());
	const cJSON *rel = cJSON_GetObjectItemCaseSensitive(c, "m.relates_to");
	ck_assert_msg(is(rel, "rel_type", "m.thread") && is(rel, "event_id", "$root:example.org"),
		      "not answered in the thread");
	ck_assert_str_eq(in_reply_to(c), "$cmd2:example.org");
	ck_assert_msg(strstr(str_of(c, "body"), "Soumith"), "body: %s", str_of(c, "body"));
	/* and the backlog command never */
	usleep(300000);
	reload();
	ck_assert_int_eq(stored_in(ROOM), 2);
	ck_assert_msg(str_of(nth("sync", NULL, NULL, 0), "since") == NULL,
		      "the first sync had a since token");
	/* the first sync asks for one event a room, the others for many */
	ck_assert_msg(strstr(str_of(nth("sync", NULL, NULL, 0), "filter"), "\"limit\":1,"),
		      "first sync filter: %s", str_of(nth("sync", NULL, NULL, 0), "filter"));
	ck_assert_msg(strstr(str_of(nth("sync", NULL, NULL, 1), "filter"), "\"limit\":2000,"),
		      "later sync filter: %s", str_of(nth("sync", NULL, NULL, 1), "filter"));
	/* the bot's own answers never end a long-poll: every timeline event
	 * the later syncs brought is one of the two commands */
	{
		double events = 0;
		for (int i = 1; nth("sync", NULL, NULL, i); i++)
			events += num_of(nth("sync", NULL, NULL, i), "events");
		ck_assert_msg(events == 2, "the syncs after the first carried %.0f events, not the 2 "
			      "commands (the bot's own notices came back)", events);
	}
	finish();
}
END_TEST

START_TEST(mentions_answered)
{
	run("", "");
	/* an intentional mention (m.mentions) with the display name in the body */
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\","
	   "\"body\":\"GovBot: who maintains autograd?\",\"event_id\":\"$m1:example.org\","
	   "\"content\":{\"m.mentions\":{\"user_ids\":[\"" BOT "\"]},"
	   "\"format\":\"org.matrix.custom.html\",\"formatted_body\":"
	   "\"<a href=\\\"https://matrix.to/#/%%40govbot%%3Aexample.org\\\">GovBot</a>: who maintains "
	   "autograd?\"}}");
	WAIT(10, stored_in(ROOM) >= 1);
	const cJSON *c = stored_content(ROOM, 0);
	ck_assert_msg(c && strstr(str_of(c, "body"), "Autograd"), "mention (m.mentions): %s",
		      c ? str_of(c, "body") : err_tail());
	ck_assert_str_eq(in_reply_to(c), "$m1:example.org");
	/* a legacy client: the user id in the body, no m.mentions */
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\","
	   "\"body\":\"hey " BOT " who is the lead?\",\"event_id\":\"$m2:example.org\"}");
	WAIT(10, stored_in(ROOM) >= 2);
	c = stored_content(ROOM, 1);
	ck_assert_msg(c && strstr(str_of(c, "body"), "Soumith"), "mention (user id): %s",
		      c ? str_of(c, "body") : err_tail());
	/* m.mentions present without the bot: the name in the body is no mention */
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\","
	   "\"body\":\"GovBot is great\",\"content\":{\"m.mentions\":{\"user_ids\":[\"" BOB "\"]}}}");
	/* a pill naming another user in the arguments is that user */
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\","
	   "\"body\":\"!gov who is Soumith C\",\"event_id\":\"$m3:example.org\",\"content\":{"
	   "\"format\":\"org.matrix.custom.html\",\"formatted_body\":\"!gov who is <a href="
	   "\\\"https://matrix.to/#/@soumith:example.org\\\">Soumith C</a>\"}}");
	WAIT(10, stored_in(ROOM) >= 3);
	c = stored_content(ROOM, 2);
	ck_assert_msg(c && is(cJSON_GetObjectItemCaseSensitive(
				      cJSON_GetObjectItemCaseSensitive(c, "m.relates_to"),
				      "m.in_reply_to"), "event_id", "$m3:example.org"),
		      "the pill command was not the third answer");
	ck_assert_msg(strstr(str_of(c, "body"), "(@soumith)"), "a pill resolves to the person: %s",
		      str_of(c, "body"));
	/* a bare user id in the arguments, too */
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\","
	   "\"body\":\"!gov who is @ezyang:example.org\",\"event_id\":\"$m4:example.org\"}");
	WAIT(10, stored_in(ROOM) >= 4);
	c = stored_content(ROOM, 3);
	ck_assert_msg(c && strstr(str_of(c, "body"), "Edward Yang"), "a bare id resolves: %s",
		      c ? str_of(c, "body") : err_tail());
	ck_assert_int_eq(stored_in(ROOM), 4);
	finish();
}
END_TEST

START_TEST(direct_rooms_answered_without_prefix)
{
	/* ROOM2 has three members but m.direct lists it as alice's DM */
	run("", "");
	op("{\"op\":\"message\",\"room\":\"" DM "\",\"sender\":\"" ALICE "\","
	   "\"body\":\"who maintains autograd?\"}");
	WAIT(10, stored_in(DM) >= 1);
	ck_assert_msg(stored_in(DM) == 1, "a room of two is direct: %s", err_tail());
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\","
	   "\"body\":\"who maintains autograd?\"}");
	op("{\"op\":\"direct\",\"content\":{\"" ALICE "\":[\"" ROOM2 "\"]}}");
	op("{\"op\":\"message\",\"room\":\"" ROOM2 "\",\"sender\":\"" ALICE "\",\"body\":\"lead\"}");
	WAIT(10, stored_in(ROOM2) >= 1);
	ck_assert_msg(stored_in(ROOM2) == 1, "a room in m.direct is direct: %s", err_tail());
	ck_assert_msg(strstr(str_of(stored_content(ROOM2, 0), "body"), "Soumith"), "lead answer");
	/* m.direct is remembered across a restart (a resumed sync does not repeat it) */
	stop_bot_cleanly();
	start_bot();
	WAIT(15, polls() >= 3 && count("http", "path", "/_matrix/client/v3/account/whoami") >= 2);
	op("{\"op\":\"message\",\"room\":\"" ROOM2 "\",\"sender\":\"" ALICE "\",\"body\":\"core\"}");
	WAIT(10, stored_in(ROOM2) >= 2);
	ck_assert_msg(stored_in(ROOM2) == 2, "m.direct forgotten after a restart: %s", err_tail());
	ck_assert_msg(stored_in(ROOM) == 0, "plain text in a shared room was answered");
	finish();
}
END_TEST

START_TEST(own_notices_edits_redactions_ignored)
{
	run("", "");
	/* our own event, a notice, an edit, a redacted event, an emote */
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" BOT "\",\"body\":\"!gov lead\"}");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\","
	   "\"msgtype\":\"m.notice\"}");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\" * !gov lead\","
	   "\"content\":{\"m.new_content\":{\"msgtype\":\"m.text\",\"body\":\"!gov lead\"},"
	   "\"m.relates_to\":{\"rel_type\":\"m.replace\",\"event_id\":\"$x:example.org\"}}}");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov core\","
	   "\"content\":{\"m.relates_to\":{\"rel_type\":\"m.replace\",\"event_id\":\"$x:example.org\"}}}");
	op("{\"op\":\"message\",\"room\":\"" DM "\",\"sender\":\"" ALICE "\",\"body\":\"lead\","
	   "\"msgtype\":\"m.notice\"}");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\","
	   "\"msgtype\":\"m.emote\"}");
	/* the sentinel: answered, and the only answer */
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov core\","
	   "\"event_id\":\"$sentinel:example.org\"}");
	WAIT(10, stored_in(ROOM) >= 1);
	ck_assert_msg(stored_in(ROOM) >= 1, "the sentinel was not answered: %s", err_tail());
	usleep(300000);
	reload();
	ck_assert_int_eq(stored_in(ROOM), 1);
	ck_assert_int_eq(stored_in(DM), 0);
	ck_assert_str_eq(in_reply_to(stored_content(ROOM, 0)), "$sentinel:example.org");
	finish();
}
END_TEST

START_TEST(restart_resumes_and_replay_answered_once)
{
	run("", "");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\","
	   "\"event_id\":\"$once:example.org\"}");
	WAIT(10, stored_in(ROOM) >= 1);
	ck_assert_int_eq(stored_in(ROOM), 1);
	WAIT(10, polls() >= 2);
	stop_bot_cleanly();
	/* the homeserver replays: the next sync answers as if since were 0 */
	op("{\"op\":\"rewind\",\"to\":\"s0\"}");
	int syncs = count("sync", NULL, NULL);
	start_bot();
	WAIT(15, count("sync", NULL, NULL) > syncs);
	const cJSON *s = nth("sync", NULL, NULL, syncs);
	ck_assert_msg(s && str_of(s, "since"), "the restarted bot did not resume from next_batch");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov core\","
	   "\"event_id\":\"$after:example.org\"}");
	WAIT(10, stored_in(ROOM) >= 2);
	usleep(300000);
	reload();
	ck_assert_msg(stored_in(ROOM) == 2, "%d answers, want 2 (the replayed command once): %s",
		      stored_in(ROOM), err_tail());
	ck_assert_str_eq(in_reply_to(stored_content(ROOM, 1)), "$after:example.org");
	ck_assert_msg(stderr_count("seen before") >= 1, "the replay was not recognised");
	finish();
}
END_TEST

START_TEST(send_stored_then_failed_appears_once)
{
	/* the first send is stored, then answered 500: the retry must reuse the txnId */
	run("\"faults\":[{\"match\":\"send\",\"store\":true,\"status\":500}]", "");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\"}");
	WAIT(10, nth("send", NULL, NULL, 1) != NULL);
	const cJSON *a = nth("send", NULL, NULL, 0), *b = nth("send", NULL, NULL, 1);
	ck_assert_msg(a && b, "no retry after the 500: %s", err_tail());
	ck_assert_msg(num_of(a, "status") == 500 && num_of(b, "status") == 200, "statuses");
	ck_assert_str_eq(str_of(a, "txn"), str_of(b, "txn"));
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "dup")),
		      "the retry was not recognised as the same transaction");
	ck_assert_int_eq(stored_in(ROOM), 1);
	finish();
}
END_TEST

START_TEST(rate_limits_honoured)
{
	/* a sync 429 with the delay in the body only; a send 429 with Retry-After */
	run("\"faults\":[{\"match\":\"sync\",\"after\":1,\"status\":429,\"json\":"
	    "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too many requests\",\"retry_after_ms\":1500}},"
	    "{\"match\":\"send\",\"status\":429,\"headers\":{\"Retry-After\":\"2\"},"
	    "\"fixture\":\"error_limit_exceeded_assembled.json\"},"
	    "{\"match\":\"send\",\"after\":1,\"status\":429,\"json\":{\"errcode\":"
	    "\"M_LIMIT_EXCEEDED\",\"error\":\"Too many requests\",\"retry_after_ms\":1500}}]", "");
	/* the second sync (the first long-poll) got the 429; the long-poll
	 * that `run` saw waiting is the retry */
	const cJSON *lim = nth("sync", NULL, NULL, 1), *next = nth("sync_wait", NULL, NULL, 0);
	ck_assert_msg(lim && num_of(lim, "status") == 429, "no 429 on sync");
	double gap = num_of(next, "t") - num_of(lim, "t");
	ck_assert_msg(gap >= 1.4, "sync retried %.2f s after a 429 asking for 1.5 s", gap);
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\"}");
	WAIT(15, stored_in(ROOM) >= 1);
	/* 429 with Retry-After: 2 (and retry_after_ms 2000 in the body: the
	 * header wins), then 429 with retry_after_ms 1500 only, then stored */
	const cJSON *a = nth("send", NULL, NULL, 0), *b = nth("send", NULL, NULL, 1);
	const cJSON *c = nth("send", NULL, NULL, 2);
	ck_assert_msg(a && b && c && num_of(a, "status") == 429 && num_of(b, "status") == 429 &&
		      num_of(c, "status") == 200, "send not retried after 429s: %s", err_tail());
	gap = num_of(b, "t") - num_of(a, "t");
	ck_assert_msg(gap >= 1.9, "send retried %.2f s after Retry-After: 2", gap);
	gap = num_of(c, "t") - num_of(b, "t");
	ck_assert_msg(gap >= 1.4, "send retried %.2f s after retry_after_ms 1500", gap);
	ck_assert_str_eq(str_of(a, "txn"), str_of(b, "txn"));
	ck_assert_str_eq(str_of(a, "txn"), str_of(c, "txn"));
	ck_assert_int_eq(stored_in(ROOM), 1);
	finish();
}
END_TEST

START_TEST(server_errors_and_malformed_sync_survived)
{
	run("\"faults\":[{\"match\":\"sync\",\"after\":1,\"status\":500},"
	    "{\"match\":\"sync\",\"after\":2,\"status\":200,\"raw\":\"{\\\"next_batch\\\": [not json\"},"
	    "{\"match\":\"sync\",\"after\":3,\"pad\":5242880}]", "");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\"}");
	WAIT(15, stored_in(ROOM) >= 1);
	ck_assert_msg(stored_in(ROOM) == 1, "not answered after 500, bad JSON and 5 MB: %s",
		      err_tail());
	ck_assert_msg(stderr_count("not JSON") == 1, "the malformed sync was not logged once");
	bool big = false;
	const cJSON *r;
	cJSON_ArrayForEach(r, R.recs)
		if (is(r, "kind", "sync") && num_of(r, "bytes") > 5e6)
			big = true;
	ck_assert_msg(big, "no 5 MB sync was served");
	finish();
}
END_TEST

START_TEST(many_commands_in_one_sync)
{
	run("", "");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\","
	   "\"event_id\":\"$many\",\"count\":1000}");
	WAIT(60, stored_in(ROOM) >= 1000);
	ck_assert_msg(stored_in(ROOM) == 1000, "%d of 1000 answered: %s", stored_in(ROOM), err_tail());
	finish();
}
END_TEST

static void decide_nomination(void)
{
	ck_assert_int_eq(ask("matrix:@ezyang:example.org", "nominate @newbie for torch.nn "
			     "contributions: many fixes interactions: kind reviews support: the NN "
			     "maintainers agree"), 0);
	ck_assert_int_eq(ask("matrix:@soumith:example.org", "decide 1 accept steady work @room <b>"), 0);
}

START_TEST(announcement_once_across_kill)
{
	/* the homeserver stores the announcement and answers late: govbot is
	 * killed in between, so the delivery is still pending when it restarts */
	start_server("\"faults\":[{\"match\":\"send\",\"room\":\"" ANNOUNCE "\",\"store\":true,"
		     "\"status\":200,\"delay\":4}]");
	write_config("");
	decide_nomination();
	start_bot();
	WAIT(15, count("send_stored", NULL, NULL) >= 1);
	ck_assert_msg(count("send_stored", NULL, NULL) == 1, "not announced: %s", err_tail());
	kill(-R.bot, SIGKILL);
	ck_assert(bot_exited(5));
	start_bot();
	/* two announcements (the nomination opened, then decided); the one
	 * caught by the crash is re-sent with the same txnId and the
	 * homeserver answers with the first event; the other was done before */
	WAIT(20, dup_send(ANNOUNCE) != NULL && stored_in(ANNOUNCE) >= 2);
	const cJSON *first = nth("send_stored", NULL, NULL, 0), *again = dup_send(ANNOUNCE);
	ck_assert_msg(again != NULL, "the pending delivery was not sent again after the crash "
		      "with the same txnId: %s", err_tail());
	ck_assert_str_eq(str_of(first, "txn"), str_of(again, "txn"));
	ck_assert_str_eq(str_of(first, "event_id"), str_of(again, "event_id"));
	ck_assert_int_eq(stored_in(ANNOUNCE), 2);
	ck_assert_msg(stored_with(ANNOUNCE, "opened") != NULL, "the opening was not announced");
	const cJSON *c = stored_with(ANNOUNCE, "steady work");
	ck_assert_msg(c != NULL, "the decision was not announced: %s", err_tail());
	ck_assert_str_eq(str_of(c, "msgtype"), "m.notice");
	ck_assert_msg(strstr(str_of(c, "body"), "newbie"), "announcement body: %s", str_of(c, "body"));
	ck_assert_msg(!strstr(str_of(c, "formatted_body"), "<b>"), "user text not escaped: %s",
		      str_of(c, "formatted_body"));
	ck_assert_msg(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c, "m.mentions")),
		      "an announcement carries m.mentions (no pinging by body matching)");
	/* marked done: another restart sends nothing */
	stop_bot_cleanly();
	int sends = count("send", NULL, NULL), waits = polls();
	start_bot();
	WAIT(15, polls() > waits);
	usleep(700000);
	reload();
	ck_assert_int_eq(count("send", NULL, NULL), sends);
	finish();
}
END_TEST

/* announce_room may be an alias: resolved through the room directory.
 * And a crash right before the post (the outbox's fault point) loses
 * nothing: the restarted bot posts each announcement once. */
START_TEST(announcement_to_an_alias_after_a_crash)
{
	start_server("");
	announce_target = "#announce:example.org";
	write_config("");
	announce_target = ANNOUNCE;
	decide_nomination();
	harness_start_bot(&H, NULL, (const char *[]){ "MATRIX_ACCESS_TOKEN=" TOKEN,
						      "GOVBOT_FAULT=crash-before-delivery",
						      "GOVBOT_TEST_HOOKS=1", NULL });
	ck_assert_msg(bot_exited(20), "the fault point did not kill govbot");
	ck_assert_msg(WIFSIGNALED(R.bot_status) && WTERMSIG(R.bot_status) == SIGKILL,
		      "status 0x%x", R.bot_status);
	reload();
	ck_assert_int_eq(stored_in(ANNOUNCE), 0);
	start_bot();
	/* the opening and the decision, once each */
	WAIT(20, stored_in(ANNOUNCE) >= 2);
	ck_assert_msg(stored_in(ANNOUNCE) == 2, "not announced after the crash: %s", err_tail());
	ck_assert_msg(stored_with(ANNOUNCE, "steady work") != NULL, "no decision: %s", err_tail());
	ck_assert_msg(count("http", "api", "directory") >= 1, "the alias was not resolved");
	/* marked done: another restart sends nothing */
	stop_bot_cleanly();
	int sends = count("send", NULL, NULL), waits = polls();
	start_bot();
	WAIT(15, polls() > waits);
	usleep(700000);
	reload();
	ck_assert_int_eq(count("send", NULL, NULL), sends);
	finish();
}
END_TEST

/* An opening that names electors notifies those with a Matrix identity:
 * a pill in formatted_body and their id in m.mentions.user_ids. */
START_TEST(announcement_mentions_electors)
{
	run("", "");
	ck_assert_int_eq(ask("matrix:@soumith:example.org", "propose torch.nn adopt the new "
			     "module API"), 0);
	WAIT(15, stored_in(ANNOUNCE) >= 1);
	const cJSON *c = stored_content(ANNOUNCE, 0);
	ck_assert_msg(c != NULL, "the motion was not announced: %s", err_tail());
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(c, "m.mentions"), "user_ids");
	bool soumith = false;
	const cJSON *id;
	cJSON_ArrayForEach(id, ids)
		soumith |= cJSON_IsString(id) && strcmp(id->valuestring, "@soumith:example.org") == 0;
	ck_assert_msg(soumith, "m.mentions does not name the elector: %s",
		      cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "m.mentions")));
	ck_assert_msg(strstr(str_of(c, "formatted_body"), "https://matrix.to/#/@soumith:example.org"),
		      "no pill: %s", str_of(c, "formatted_body"));
	finish();
}
END_TEST

START_TEST(shutdown_during_long_poll_is_prompt)
{
	run("", "");
	double t0 = now();
	kill(R.bot, SIGTERM);
	ck_assert_msg(bot_exited(10), "no exit after SIGTERM");
	double took = now() - t0;
	ck_assert_msg(WIFEXITED(R.bot_status) && WEXITSTATUS(R.bot_status) == 0, "exit status 0x%x",
		      R.bot_status);
	ck_assert_msg(took < 1.0, "shutdown waited %.2f s for the long-poll", took);
	common_checks();
	harness_pass(&H);
}
END_TEST

START_TEST(invites_per_auto_join_and_kicks)
{
	run("", "\"auto_join\":[\"!wanted:example.org\"]");
	op("{\"op\":\"invite\",\"room\":\"!stranger:example.org\",\"sender\":\"" BOB "\"}");
	op("{\"op\":\"invite\",\"room\":\"!wanted:example.org\",\"sender\":\"" ALICE "\"}");
	WAIT(10, count("join", "room", "!wanted:example.org") >= 2);
	/* joined at start (404: no such room yet) and again on the invite */
	ck_assert_msg(count("join", "room", "!wanted:example.org") >= 2, "%s", err_tail());
	const cJSON *j = nth("join", "room", "!wanted:example.org", 1);
	ck_assert_msg(num_of(j, "status") == 200, "join after the invite failed");
	ck_assert_int_eq(count("join", "room", "!stranger:example.org"), 0);
	ck_assert_msg(stderr_count("left alone") == 1, "the stranger's invite was not logged");
	/* commands work in the joined room */
	op("{\"op\":\"member\",\"room\":\"!wanted:example.org\",\"user\":\"" BOB "\"}");
	op("{\"op\":\"message\",\"room\":\"!wanted:example.org\",\"sender\":\"" ALICE "\","
	   "\"body\":\"!gov lead\"}");
	WAIT(10, stored_in("!wanted:example.org") >= 1);
	ck_assert_int_eq(stored_in("!wanted:example.org"), 1);
	/* kicked: logged and forgotten */
	op("{\"op\":\"kick\",\"room\":\"!wanted:example.org\",\"sender\":\"" ALICE "\","
	   "\"reason\":\"spam\"}");
	WAIT(10, count("forget", "room", "!wanted:example.org") >= 1);
	ck_assert_msg(count("forget", "room", "!wanted:example.org") == 1, "not forgotten: %s",
		      err_tail());
	ck_assert_msg(stderr_count("kicked from !wanted:example.org by " ALICE ": spam") == 1,
		      "the kick was not logged: %s", err_tail());
	finish();
}
END_TEST

/* An auto_join room named by alias: the bot may not join before it is
 * invited; the invite (which names the room id) is accepted. */
START_TEST(auto_join_by_alias)
{
	run("\"more_rooms\":{\"!al:example.org\":{\"members\":[\"" ALICE "\",\"" BOB "\"],"
	    "\"alias\":\"#gov:example.org\",\"forbidden_join\":true}}",
	    "\"auto_join\":[\"#gov:example.org\"]");
	WAIT(10, count("join", "room", "!al:example.org") >= 1);
	ck_assert_msg(num_of(nth("join", "room", "!al:example.org", 0), "status") == 403,
		      "joined uninvited: %s", err_tail());
	op("{\"op\":\"invite\",\"room\":\"!al:example.org\",\"sender\":\"" ALICE "\"}");
	WAIT(10, count("join", "room", "!al:example.org") >= 2);
	ck_assert_msg(num_of(nth("join", "room", "!al:example.org", 1), "status") == 200,
		      "the invite to an auto_join alias was not accepted: %s", err_tail());
	op("{\"op\":\"message\",\"room\":\"!al:example.org\",\"sender\":\"" ALICE "\","
	   "\"body\":\"!gov lead\"}");
	WAIT(10, stored_in("!al:example.org") >= 1);
	ck_assert_int_eq(stored_in("!al:example.org"), 1);
	finish();
}
END_TEST

START_TEST(accept_invites_switch)
{
	run("", "\"accept_invites\":true");
	op("{\"op\":\"invite\",\"room\":\"!stranger:example.org\",\"sender\":\"" BOB "\"}");
	WAIT(10, count("join", "room", "!stranger:example.org") >= 1);
	const cJSON *j = nth("join", "room", "!stranger:example.org", 0);
	ck_assert_msg(j && num_of(j, "status") == 200, "with accept_invites every invite is "
		      "accepted: %s", err_tail());
	finish();
}
END_TEST

/* Starts govbot like harness_start_bot, but on a stdin pipe that stays
 * open (so its console keeps running); returns the pipe's write end. */
static int start_bot_on_pipe(void)
{
	int in[2];

	ck_assert(pipe(in) == 0);
	H.bot_reaped = false;
	H.bot_status = 0;
	H.bot = fork();
	ck_assert(H.bot >= 0);
	if (H.bot == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int o = open(H.out, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int e = open(H.err, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (o < 0 || e < 0)
			_exit(127);
		dup2(in[0], 0);
		dup2(o, 1);
		dup2(e, 2);
		close(in[0]);
		close(in[1]);
		unsetenv("GOVBOT_CONFIG");
		harness_apply_env(bot_env);
		const char *govbot = harness_env_or("GOVBOT", "build/govbot");
		execl(govbot, govbot, "run", "--config", H.cfg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	return in[1];
}

/* GET path from govbot's listener; the whole answer in *resp. */
static void get(int port, const char *path, struct buf *resp)
{
	char req[256];
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
		 path);
	ck_assert_msg(tu_http_raw(port, req, resp) == 0, "nothing listens on %d", port);
}

START_TEST(health_and_metrics_name_the_adapter)
{
	/* the console (on a stdin that stays open) answers while the Matrix
	 * long-poll waits, and keeps govbot running after the Matrix adapter
	 * stops on a revoked token */
	int port = tu_free_port();
	struct buf resp = BUF_INIT;

	start_server("");
	FILE *f = fopen(R.cfg, "w");
	ck_assert(f != NULL);
	fprintf(f, "{\"http\":{\"listen\":\"127.0.0.1:%d\"},\"adapters\":{\"console\":{},"
		   "\"matrix\":{\"homeserver_url\":\"http://127.0.0.1:%d\",\"user_id\":\"" BOT "\"}},"
		   "\"database\":\"%s/db.sqlite3\"}\n", port, R.port, R.dir);
	fclose(f);
	int bot_in = start_bot_on_pipe();
	WAIT(15, polling());
	ck_assert_msg(polling(), "no long-poll: %s", err_tail());
	get(port, "/metrics", &resp);
	ck_assert_msg(strstr(resp.data, "govbot_adapter_up{adapter=\"matrix\"} 1"), "%s", resp.data);
	ck_assert_msg(strstr(resp.data, "govbot_adapters_running 2"), "%s", resp.data);
	get(port, "/healthz", &resp);
	ck_assert_msg(strstr(resp.data, " 200 ") && strstr(resp.data, "ok"), "%s", resp.data);
	/* the waiting long-poll delays no other adapter: the console answers now */
	{
		static const char line[] = "who maintains torch.nn?\n";
		double t0 = now();
		char *out = NULL;
		int syncs;
		reload();
		syncs = count("sync", NULL, NULL);
		ck_assert(write(bot_in, line, sizeof(line) - 1) == (ssize_t)(sizeof(line) - 1));
		for (;;) {
			free(out);
			out = harness_read_file(H.out);
			if (strstr(out, "Gregory Chanan") || strstr(out, "Greg Chanan") || now() - t0 > 10)
				break;
			usleep(20000);
		}
		ck_assert_msg(strstr(out, "Chanan"), "the console did not answer: %s", out);
		ck_assert_msg(now() - t0 < 2, "the console answered after %.1f s", now() - t0);
		reload();
		ck_assert_msg(count("sync", NULL, NULL) == syncs,
			      "a sync ended meanwhile: the long-poll was not waiting throughout");
		free(out);
	}
	op("{\"op\":\"revoke\",\"soft\":false}");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"x\"}");
	for (double until = now() + 10; now() < until && !stderr_count("M_UNKNOWN_TOKEN");)
		usleep(20000);
	ck_assert_msg(stderr_count("M_UNKNOWN_TOKEN") == 1, "%s", err_tail());
	get(port, "/metrics", &resp);
	ck_assert_msg(strstr(resp.data, "govbot_adapter_up{adapter=\"matrix\"} 0"), "%s", resp.data);
	get(port, "/healthz", &resp);
	ck_assert_msg(strstr(resp.data, " 503 ") && strstr(resp.data, "matrix adapter stopped"), "%s",
		      resp.data);
	buf_release(&resp);
	finish();
	close(bot_in);
}
END_TEST

START_TEST(unknown_token_is_fatal)
{
	/* _i 0: hard (at whoami); 1: soft logout (mid-run, at sync) */
	start_server(_i == 0 ? "\"faults\":[{\"match\":\"whoami\",\"status\":401,"
				"\"fixture\":\"error_unknown_token.json\"}]" : "");
	write_config("");
	start_bot();
	if (_i == 1) {
		WAIT(15, polling());
		op("{\"op\":\"revoke\",\"soft\":true}");
		op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"x\"}");
	}
	ck_assert_msg(bot_exited(15), "govbot kept running on a rejected token");
	ck_assert_msg(WIFEXITED(R.bot_status) && WEXITSTATUS(R.bot_status) == 1, "exit 0x%x",
		      R.bot_status);
	ck_assert_msg(stderr_count("M_UNKNOWN_TOKEN") == 1, "no one clear line: %s", err_tail());
	ck_assert_msg(stderr_count(_i ? "soft logout" : "not a soft logout") == 1, "%s", err_tail());
	common_checks();
	harness_pass(&H);
}
END_TEST

START_TEST(forbidden_room_skipped)
{
	run("\"more_rooms\":{\"!ro:example.org\":{\"members\":[\"" ALICE "\",\"" BOB "\"],\"joined\":true,"
	    "\"forbidden_send\":true}}", "");
	op("{\"op\":\"message\",\"room\":\"!ro:example.org\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\"}");
	WAIT(10, count("send", "room", "!ro:example.org") >= 1);
	ck_assert_msg(num_of(nth("send", "room", "!ro:example.org", 0), "status") == 403, "no 403");
	usleep(200000);
	op("{\"op\":\"message\",\"room\":\"!ro:example.org\",\"sender\":\"" ALICE "\",\"body\":\"!gov core\"}");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\"}");
	WAIT(10, stored_in(ROOM) >= 1);
	ck_assert_int_eq(stored_in(ROOM), 1);
	usleep(300000);
	reload();
	ck_assert_msg(stderr_count("room !ro:example.org") == 1, "forbidden not logged once: %s",
		      err_tail());
	ck_assert_msg(count("send", "room", "!ro:example.org") == 1,
		      "the forbidden room was tried %d times", count("send", "room", "!ro:example.org"));
	finish();
}
END_TEST

START_TEST(encrypted_room_said_once)
{
	run("\"more_rooms\":{\"!e2e:example.org\":{\"members\":[\"" ALICE "\",\"" BOB "\"],\"joined\":true,"
	    "\"encrypted\":true}}", "");
	op("{\"op\":\"message\",\"room\":\"!e2e:example.org\",\"sender\":\"" ALICE "\","
	   "\"type\":\"m.room.encrypted\",\"body\":\"\",\"content\":{\"algorithm\":"
	   "\"m.megolm.v1.aes-sha2\",\"ciphertext\":\"AwgAEn...\"}}");
	op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"" ALICE "\",\"body\":\"!gov lead\"}");
	WAIT(10, stored_in(ROOM) >= 1);
	ck_assert_msg(stderr_count("!e2e:example.org is end-to-end encrypted") == 1,
		      "the encrypted room was not said once: %s", err_tail());
	finish();
}
END_TEST

static Suite *matrix_suite(void)
{
	Suite *s = suite_create("matrix");
	struct {
		const char *name;
		const TTest *test;
		int loops;
	} cases[] = {
		{ "command", command_answered_as_threaded_notice, 1 },
		{ "mention", mentions_answered, 1 },
		{ "direct", direct_rooms_answered_without_prefix, 1 },
		{ "ignored", own_notices_edits_redactions_ignored, 1 },
		{ "restart", restart_resumes_and_replay_answered_once, 1 },
		{ "stored_500", send_stored_then_failed_appears_once, 1 },
		{ "ratelimit", rate_limits_honoured, 1 },
		{ "errors", server_errors_and_malformed_sync_survived, 1 },
		{ "many", many_commands_in_one_sync, 1 },
		{ "announce_kill", announcement_once_across_kill, 1 },
		{ "announce_alias", announcement_to_an_alias_after_a_crash, 1 },
		{ "announce_mentions", announcement_mentions_electors, 1 },
		{ "shutdown", shutdown_during_long_poll_is_prompt, 1 },
		{ "invites", invites_per_auto_join_and_kicks, 1 },
		{ "accept_invites", accept_invites_switch, 1 },
		{ "auto_join_alias", auto_join_by_alias, 1 },
		{ "health", health_and_metrics_name_the_adapter, 1 },
		{ "token", unknown_token_is_fatal, 2 },
		{ "forbidden", forbidden_room_skipped, 1 },
		{ "encrypted", encrypted_room_said_once, 1 },
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
	return tu_run_suite(matrix_suite());
}
