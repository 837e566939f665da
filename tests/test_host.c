/* test_host.c - the host's one inbound path and its announcement statuses,
 * on a real database file: answers rendered in the adapter's dialect, text
 * not for the bot ignored, event ids answered once (also after a restart),
 * long answers cut at the adapter's max_message; announce() returning sent,
 * failed or pending, with the title, body and target it is given. */
#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/gov/outbox.h"
#include "chatbot/gov/store.h"
#include "chatbot/host/host.h"
#include "commands/commands.h"
#include "tests/testutil.h"

static char dir[256], cfg[300];
static struct govbot bot;
static struct adapter_host *host;
static struct host_answer ans;

/* Slack's dialect, with a small message limit. */
static const struct adapter small_slack = {
	.name = "slack", .dialect = DIALECT_SLACK, .max_message = 300,
};
static const struct adapter plain_console = {
	.name = "console", .dialect = DIALECT_CONSOLE,
};

static void open_all(void)
{
	tu_bot_open(&bot, cfg, 1000);
	host = host_new(&bot);
	ck_assert_ptr_nonnull(host);
}

static void close_all(void)
{
	host_free(host);
	host = NULL;
	bot_close(&bot);
}

static void setup(void)
{
	tu_mkdtemp(dir, sizeof(dir), "host");
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", dir);
	tu_write_file(cfg, "{ \"database\": \"gov.sqlite3\", \"adapters\": {\"console\": {}, "
		      "\"slack\": {\"announce_channel\": \"C9\"}} }");
	open_all();
	host_answer_init(&ans);
}

static void teardown(void)
{
	host_answer_release(&ans);
	close_all();
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static bool say(const struct adapter *a, const char *text, const char *event_id, bool prefix)
{
	struct inbound in = {
		.user = "U1", .place = "C1", .text = text, .len = strlen(text),
		.event_id = event_id, .require_prefix = prefix,
	};
	return host_inbound(host, a, &in, &ans);
}

/* ---- inbound ---- */

START_TEST(answers_in_the_adapters_dialect)
{
	struct buf again = BUF_INIT;
	struct host_stats st;

	ck_assert(say(&small_slack, "who torch.nn", NULL, false));
	ck_assert_int_eq(ans.result, CMD_OK);
	ck_assert(!ans.cut);
	/* the text is the reply document rendered for Slack, and the document
	 * is there for a second rendering */
	reply_render(ans.reply, DIALECT_SLACK, &again);
	ck_assert_str_eq(buf_str(&ans.text), buf_str(&again));
	ck_assert_ptr_nonnull(strchr(buf_str(&ans.text), '*'));   /* mrkdwn bold */
	buf_reset(&again);
	ck_assert(say(&plain_console, "who torch.nn", NULL, false));
	reply_render(ans.reply, DIALECT_CONSOLE, &again);
	ck_assert_str_eq(buf_str(&ans.text), buf_str(&again));
	ck_assert_ptr_null(strchr(buf_str(&ans.text), '*'));      /* plain text */
	host_stats(host, &st);
	ck_assert_uint_eq(st.commands[CMD_OK], 2);
	buf_release(&again);
}
END_TEST

START_TEST(text_not_for_the_bot_gets_nothing)
{
	struct host_stats st;

	ck_assert(!say(&small_slack, "lunch at noon?", NULL, true));
	ck_assert_int_eq(ans.result, DISPATCH_IGNORED);
	ck_assert_uint_eq(ans.text.len, 0);
	/* the same words with the prefix are answered */
	ck_assert(say(&small_slack, "/gov who torch.nn", NULL, true));
	host_stats(host, &st);
	ck_assert_uint_eq(st.commands[CMD_OK], 1);
}
END_TEST

START_TEST(refusals_carry_their_result)
{
	ck_assert(say(&small_slack, "close 1", NULL, false));
	ck_assert_int_ne(ans.result, CMD_OK);
	ck_assert_uint_gt(ans.text.len, 0);
}
END_TEST

START_TEST(an_event_is_answered_once_across_restarts)
{
	ck_assert(say(&small_slack, "who torch.nn", "Ev1", false));
	ck_assert(!say(&small_slack, "who torch.nn", "Ev1", false));
	ck_assert_uint_eq(ans.text.len, 0);
	/* another platform's event with the same id is another event */
	ck_assert(say(&plain_console, "who torch.nn", "Ev1", false));
	/* a new process on the same database still knows it */
	close_all();
	open_all();
	ck_assert(!say(&small_slack, "who torch.nn", "Ev1", false));
	ck_assert(say(&small_slack, "who torch.nn", "Ev2", false));
}
END_TEST

/* The events of a pass are recorded in one transaction committed before
 * any answer of that pass leaves: an HTTP request made right after the
 * event (the adapter posting the answer) reaches nobody until then. */
static void on_sent(void *arg, const struct http_response *r)
{
	*(int *)arg = 1;
}

START_TEST(answers_wait_for_their_events_to_be_recorded)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), sent = 0;
	char url[64], dbpath[300];
	struct store *other = NULL;
	char err[256];

	ck_assert(lfd >= 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 8), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &slen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/answer", ntohs(sa.sin_port));
	snprintf(dbpath, sizeof(dbpath), "%s/gov.sqlite3", dir);
	ck_assert_int_eq(store_open(dbpath, &other, err, sizeof(err)), STORE_OK);

	ck_assert(say(&small_slack, "who torch.nn", "EvHeld", false));
	ck_assert(say(&small_slack, "who torch.nn", "EvHeld2", false));
	struct http_request rq = { .url = url, .timeout_ms = 2000 };
	http_submit(host_http(host), &rq, on_sent, &sent);
	/* not recorded yet, and the answer has not left: nothing connects */
	ck_assert_int_eq(store_count(other, "SELECT count(*) FROM seen_events WHERE event_id LIKE 'EvHeld%'", 0), 0);
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 300), 0);
	/* the pass ends: both events are committed, then the answer goes */
	loop_service(host_loop(host), 50);
	ck_assert_int_eq(store_count(other, "SELECT count(*) FROM seen_events WHERE event_id LIKE 'EvHeld%'", 0), 2);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	int cfd = accept(lfd, NULL, NULL);
	ck_assert(cfd >= 0);
	close(cfd);   /* no answer: the request fails, which is fine here */
	for (long long until = loop_now_ms() + 5000; !sent && loop_now_ms() < until;)
		loop_service(host_loop(host), 50);
	ck_assert(sent);
	close(lfd);
	store_close(other);
}
END_TEST

START_TEST(long_answers_are_cut_at_max_message)
{
	ck_assert(say(&small_slack, "help", NULL, false));
	ck_assert(ans.cut);
	ck_assert_uint_le(ans.text.len, small_slack.max_message);
	ck_assert(utf8_valid(ans.text.data, ans.text.len));
	ck_assert_ptr_nonnull(strstr(buf_str(&ans.text), "_(truncated)_"));
	/* no limit: the whole answer */
	ck_assert(say(&plain_console, "help", NULL, false));
	ck_assert(!ans.cut);
	ck_assert_uint_gt(ans.text.len, small_slack.max_message);
}
END_TEST

/* ---- announcements ---- */

/* An adapter that records what it is offered and answers as told. */
struct recorder {
	enum announce_status status;
	int calls;
	char key[128], target[64], title[128];
	struct buf body, message;
};

static struct recorder rec;

static int rec_start(struct adapter_host *h, const cJSON *section, void **state)
{
	*state = &rec;
	return 0;
}

static enum announce_status rec_announce(void *state, const struct announcement *a)
{
	struct recorder *r = state;

	r->calls++;
	snprintf(r->key, sizeof(r->key), "%s", a->key);
	snprintf(r->target, sizeof(r->target), "%s", a->target ? a->target : "(none)");
	snprintf(r->title, sizeof(r->title), "%s", a->title);
	buf_reset(&r->body);
	buf_reset(&r->message);
	reply_render(a->body, DIALECT_CONSOLE, &r->body);
	reply_render(a->message, DIALECT_CONSOLE, &r->message);
	return r->status;
}

static void rec_stop(void *state)
{
	(void)state;
}

static const struct adapter rec_console = {
	.name = "console", .dialect = DIALECT_CONSOLE,
	.start = rec_start, .announce = rec_announce, .stop = rec_stop,
};
static const struct adapter rec_slack = {
	.name = "slack", .dialect = DIALECT_SLACK, .announce_key = "announce_channel",
	.start = rec_start, .announce = rec_announce, .stop = rec_stop,
};

static long long enqueue(const char *target)
{
	const char *targets[] = { target };
	long long id = 0;

	ck_assert_int_eq(store_begin(bot.store), STORE_OK);
	ck_assert_int_eq(outbox_enqueue(bot.store, 0, "Decision 1: accepted", "by @lead; why: fine",
					targets, 1, 1000, &id), STORE_OK);
	ck_assert_int_eq(store_commit(bot.store), STORE_OK);
	return id;
}

/* One column of a delivery row (a fresh statement: store_stmt() caches by
 * the SQL text's address). */
static long long delivery(long long id, const char *target, const char *what)
{
	char sql[200];
	sqlite3_stmt *st;
	long long v = -1;

	snprintf(sql, sizeof(sql), "SELECT %s FROM outbox_delivery WHERE outbox_id = ?1 AND target = ?2",
		 what);
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(bot.store), sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void rec_setup(void)
{
	setup();
	memset(&rec, 0, sizeof(rec));
	buf_init(&rec.body);
	buf_init(&rec.message);
}

static void rec_teardown(void)
{
	buf_release(&rec.body);
	buf_release(&rec.message);
	teardown();
}

START_TEST(sent_is_done_with_title_and_body)
{
	long long id = enqueue("console");

	rec.status = ANNOUNCE_SENT;
	ck_assert_int_eq(host_start_adapter(host, &rec_console, NULL), 0);
	host_pump_now(host);
	ck_assert_int_eq(rec.calls, 1);
	ck_assert_str_eq(rec.title, "Decision 1: accepted");
	ck_assert_str_eq(buf_str(&rec.body), "by @lead; why: fine");
	ck_assert_ptr_nonnull(strstr(buf_str(&rec.message), "Decision 1: accepted"));
	ck_assert_ptr_nonnull(strstr(buf_str(&rec.message), "by @lead; why: fine"));
	ck_assert_str_eq(rec.target, "(none)");
	ck_assert_int_eq(delivery(id, "console", "state = 'done'"), 1);
	host_pump_now(host);
	ck_assert_int_eq(rec.calls, 1);   /* never again */
}
END_TEST

START_TEST(failed_is_retried_later)
{
	long long id = enqueue("console");

	rec.status = ANNOUNCE_FAILED;
	ck_assert_int_eq(host_start_adapter(host, &rec_console, NULL), 0);
	host_pump_now(host);
	ck_assert_int_eq(rec.calls, 1);
	ck_assert_int_eq(delivery(id, "console", "state = 'pending'"), 1);
	ck_assert_int_eq(delivery(id, "console", "attempts"), 1);
	ck_assert_int_gt(delivery(id, "console", "next_at"), 1000);
	host_pump_now(host);
	ck_assert_int_eq(rec.calls, 1);   /* not due yet */
}
END_TEST

START_TEST(pending_waits_for_announce_done)
{
	long long id = enqueue("slack");
	cJSON *section = cJSON_Parse("{\"announce_channel\": \"C9\"}");

	rec.status = ANNOUNCE_PENDING;
	ck_assert_int_eq(host_start_adapter(host, &rec_slack, section), 0);
	host_pump_now(host);
	ck_assert_int_eq(rec.calls, 1);
	ck_assert_str_eq(rec.target, "C9");
	ck_assert_int_eq(delivery(id, "slack", "state = 'pending'"), 1);
	host_pump_now(host);
	ck_assert_int_eq(rec.calls, 1);   /* claimed: not offered twice */
	host_announce_done(host, rec.key, true);
	ck_assert_int_eq(delivery(id, "slack", "state = 'done'"), 1);
	host_free(host);
	host = NULL;
	cJSON_Delete(section);
	host = host_new(&bot);
}
END_TEST

START_TEST(no_target_configured_is_not_offered)
{
	long long id = enqueue("slack");
	cJSON *section = cJSON_Parse("{}");

	rec.status = ANNOUNCE_FAILED;
	ck_assert_int_eq(host_start_adapter(host, &rec_slack, section), 0);
	host_pump_now(host);
	ck_assert_int_eq(rec.calls, 0);
	ck_assert_int_eq(delivery(id, "slack", "state = 'done'"), 1);
	host_free(host);
	host = NULL;
	cJSON_Delete(section);
	host = host_new(&bot);
}
END_TEST

static Suite *host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("inbound");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, answers_in_the_adapters_dialect);
	tcase_add_test(tc, text_not_for_the_bot_gets_nothing);
	tcase_add_test(tc, refusals_carry_their_result);
	tcase_add_test(tc, an_event_is_answered_once_across_restarts);
	tcase_add_test(tc, answers_wait_for_their_events_to_be_recorded);
	tcase_add_test(tc, long_answers_are_cut_at_max_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("announce");
	tcase_add_checked_fixture(tc, rec_setup, rec_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sent_is_done_with_title_and_body);
	tcase_add_test(tc, failed_is_retried_later);
	tcase_add_test(tc, pending_waits_for_announce_done);
	tcase_add_test(tc, no_target_configured_is_not_offered);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(host_suite());
}
