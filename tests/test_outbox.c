/* test_outbox.c - durable announcements: enqueue in the decision's
 * transaction, pump per target, done exactly once, backoff on failure,
 * asynchronous deliveries, persistence across reopen, crash injection. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chatbot/gov/outbox.h"
#include "tests/testutil.h"

static char dir[256];
static char path[300];
static struct store *s;

static void setup(void)
{
	tu_mkdtemp(dir, sizeof(dir), "outbox");
	snprintf(path, sizeof(path), "%s/gov.sqlite3", dir);
	char err[256];
	ck_assert_int_eq(store_open(path, &s, err, sizeof(err)), STORE_OK);
}

static void teardown(void)
{
	store_close(s);
	s = NULL;
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup failed\n");
}

/* A target that records what it was offered and answers as told. */
struct sink {
	int calls;
	int answer;           /* enum outbox_result */
	long long ids[64];
	char last_title[128];
	char last_body[256];
	int last_attempts;
	bool last_maybe_posted;
};

static int sink_fn(void *arg, const struct outbox_entry *e, struct buf *error)
{
	struct sink *k = arg;
	if (k->calls < 64)
		k->ids[k->calls] = e->id;
	k->calls++;
	snprintf(k->last_title, sizeof(k->last_title), "%s", e->title);
	snprintf(k->last_body, sizeof(k->last_body), "%s", e->body);
	k->last_attempts = e->attempts;
	k->last_maybe_posted = e->maybe_posted;
	if (k->answer == OUTBOX_FAILED)
		buf_adds(error, "HTTP 503 from the test target");
	return k->answer;
}

static const char *const two[] = { "console", "slack" };

static long long enqueue(const char *title, long long now)
{
	long long id = 0;
	ck_assert_int_eq(store_begin(s), STORE_OK);
	ck_assert_int_eq(outbox_enqueue(s, 0, title, "body text", two, 2, now, &id), STORE_OK);
	ck_assert_int_eq(store_commit(s), STORE_OK);
	return id;
}

static long long pending(const char *target)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM outbox_delivery WHERE target = ?1 AND state = 'pending'");
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

START_TEST(test_delivered_once_per_target)
{
	long long id = enqueue("Decision on nomination 7: accepted", 100);
	struct sink k = { .answer = OUTBOX_SENT };
	ck_assert_int_eq(outbox_pump(s, 100, "console", sink_fn, &k), 1);
	ck_assert_int_eq(k.calls, 1);
	ck_assert_int_eq(k.ids[0], id);
	ck_assert_str_eq(k.last_title, "Decision on nomination 7: accepted");
	ck_assert_str_eq(k.last_body, "body text");
	ck_assert_int_eq(outbox_pump(s, 200, "console", sink_fn, &k), 0);
	ck_assert_int_eq(k.calls, 1);
	/* slack still has its own copy pending */
	ck_assert_int_eq(pending("slack"), 1);
	ck_assert_int_eq(pending("console"), 0);
	/* marking done again changes nothing */
	ck_assert_int_eq(outbox_done(s, id, "console", true, NULL, 300), STORE_OK);
	ck_assert_int_eq(outbox_pump(s, 400, "console", sink_fn, &k), 0);
}
END_TEST

START_TEST(test_rollback_enqueues_nothing)
{
	ck_assert_int_eq(store_begin(s), STORE_OK);
	ck_assert_int_eq(outbox_enqueue(s, 0, "t", "b", two, 2, 1, NULL), STORE_OK);
	store_rollback(s);
	struct sink k = { .answer = OUTBOX_SENT };
	ck_assert_int_eq(outbox_pump(s, 10, "console", sink_fn, &k), 0);
	ck_assert_int_eq(store_count(s, "SELECT count(*) FROM outbox", 0), 0);
	ck_assert_int_eq(store_count(s, "SELECT count(*) FROM outbox_delivery", 0), 0);
}
END_TEST

START_TEST(test_failure_backs_off)
{
	long long id = enqueue("t", 1000);
	struct sink k = { .answer = OUTBOX_FAILED };
	ck_assert_int_eq(outbox_pump(s, 1000, "slack", sink_fn, &k), 1);
	long long due = outbox_next_due(s, "slack");
	ck_assert_int_eq(due, 1000 + outbox_backoff(id, 1));
	ck_assert(due >= 1005 && due <= 1006);
	/* not due yet: not offered */
	ck_assert_int_eq(outbox_pump(s, due - 1, "slack", sink_fn, &k), 0);
	ck_assert_int_eq(k.calls, 1);
	/* due: offered again with the attempt count, then fails again: 10 s */
	ck_assert_int_eq(outbox_pump(s, due, "slack", sink_fn, &k), 1);
	ck_assert_int_eq(k.last_attempts, 1);
	long long due2 = outbox_next_due(s, "slack");
	ck_assert_int_eq(due2, due + outbox_backoff(id, 2));
	ck_assert_int_eq(store_count(s, "SELECT count(*) FROM outbox_delivery WHERE last_error"
				     " = 'HTTP 503 from the test target'", 0), 1);
	/* the target comes back */
	k.answer = OUTBOX_SENT;
	ck_assert_int_eq(outbox_pump(s, due2, "slack", sink_fn, &k), 1);
	ck_assert_int_eq(pending("slack"), 0);
	ck_assert_int_eq(outbox_next_due(s, "slack"), -1);
	/* console was never affected */
	ck_assert_int_eq(pending("console"), 1);
	ck_assert_int_eq(outbox_next_due(s, "console"), 1000);
}
END_TEST

static const long long base_delay[] = { 5, 10, 20, 40, 80, 160, 320, 600, 600, 600 };

START_TEST(test_backoff_table)
{
	int attempts = _i + 1;
	for (long long id = 1; id < 50; id++) {
		long long d = outbox_backoff(id, attempts);
		ck_assert_msg(d >= base_delay[_i] && d <= base_delay[_i] + base_delay[_i] / 5,
			      "attempt %d id %lld: %lld", attempts, id, d);
		ck_assert_int_eq(d, outbox_backoff(id, attempts));   /* deterministic */
	}
}
END_TEST

START_TEST(test_async_pending_then_done)
{
	long long id = enqueue("t", 10);
	struct sink k = { .answer = OUTBOX_PENDING };
	ck_assert_int_eq(outbox_pump(s, 10, "slack", sink_fn, &k), 1);
	/* in flight: not offered twice */
	ck_assert_int_eq(outbox_pump(s, 11, "slack", sink_fn, &k), 0);
	ck_assert_int_eq(k.calls, 1);
	ck_assert_int_eq(pending("slack"), 1);
	/* the adapter reports a failure: retried after the backoff */
	ck_assert_int_eq(outbox_done(s, id, "slack", false, "timeout", 12), STORE_OK);
	ck_assert_int_eq(outbox_pump(s, 12, "slack", sink_fn, &k), 0);
	ck_assert_int_eq(outbox_pump(s, 12 + outbox_backoff(id, 1), "slack", sink_fn, &k), 1);
	ck_assert_int_eq(outbox_done(s, id, "slack", true, NULL, 30), STORE_OK);
	ck_assert_int_eq(pending("slack"), 0);
	ck_assert_int_eq(outbox_pump(s, 10000, "slack", sink_fn, &k), 0);
	ck_assert_int_eq(k.calls, 2);
}
END_TEST

START_TEST(test_order_and_many)
{
	long long first = enqueue("a", 1);
	for (int i = 0; i < 299; i++)
		enqueue("b", 1);
	struct sink k = { .answer = OUTBOX_SENT };
	ck_assert_int_eq(outbox_pump(s, 5, "console", sink_fn, &k), 300);   /* more than one batch */
	ck_assert_int_eq(k.ids[0], first);
	for (int i = 1; i < 64; i++)
		ck_assert(k.ids[i] > k.ids[i - 1]);
	ck_assert_int_eq(pending("console"), 0);
}
END_TEST

START_TEST(test_done_survives_reopen)
{
	enqueue("t", 1);
	struct sink k = { .answer = OUTBOX_SENT };
	ck_assert_int_eq(outbox_pump(s, 1, "console", sink_fn, &k), 1);
	store_close(s);
	char err[256];
	ck_assert_int_eq(store_open(path, &s, err, sizeof(err)), STORE_OK);
	ck_assert_int_eq(outbox_pump(s, 2, "console", sink_fn, &k), 0);
	ck_assert_int_eq(outbox_pump(s, 2, "slack", sink_fn, &k), 1);
	ck_assert_int_eq(k.calls, 2);
}
END_TEST

START_TEST(test_crash_before_delivery)
{
	enqueue("t", 1);
	store_close(s);
	s = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store *c;
		char err[256];
		if (store_open(path, &c, err, sizeof(err)) != STORE_OK)
			_exit(2);
		setenv("GOVBOT_FAULT", "crash-before-delivery", 1);
		setenv("GOVBOT_TEST_HOOKS", "1", 1);
		struct sink k = { .answer = OUTBOX_SENT };
		outbox_pump(c, 5, "console", sink_fn, &k);
		_exit(3);   /* not reached */
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGKILL);
	char err[256];
	ck_assert_int_eq(store_open(path, &s, err, sizeof(err)), STORE_OK);
	struct sink k = { .answer = OUTBOX_SENT };
	ck_assert_int_eq(outbox_pump(s, 6, "console", sink_fn, &k), 1);
	ck_assert_int_eq(outbox_pump(s, 7, "console", sink_fn, &k), 0);
	ck_assert_int_eq(k.calls, 1);
}
END_TEST

/* Without GOVBOT_TEST_HOOKS=1 the fault hook is ignored: the pump delivers. */
START_TEST(test_fault_hook_needs_switch)
{
	enqueue("t", 1);
	store_close(s);
	s = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store *c;
		char err[256];
		if (store_open(path, &c, err, sizeof(err)) != STORE_OK)
			_exit(2);
		setenv("GOVBOT_FAULT", "crash-before-delivery", 1);
		unsetenv("GOVBOT_TEST_HOOKS");
		struct sink k = { .answer = OUTBOX_SENT };
		int n = outbox_pump(c, 5, "console", sink_fn, &k);
		store_close(c);
		_exit(n == 1 && k.calls == 1 ? 0 : 4);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	char err[256];
	ck_assert_int_eq(store_open(path, &s, err, sizeof(err)), STORE_OK);
	struct sink k = { .answer = OUTBOX_SENT };
	ck_assert_int_eq(outbox_pump(s, 6, "console", sink_fn, &k), 0);
}
END_TEST

/* A delivery offered once and never marked (a crash after the post, here
 * a pending answer and a new connection) is offered again as "maybe
 * posted", so that its target looks before posting; a fresh one is not. */
START_TEST(test_maybe_posted_after_offer)
{
	enqueue("t", 1);
	struct sink k = { .answer = OUTBOX_PENDING };
	ck_assert_int_eq(outbox_pump(s, 5, "console", sink_fn, &k), 1);
	ck_assert(!k.last_maybe_posted);
	store_close(s);
	char err[256];
	ck_assert_int_eq(store_open(path, &s, err, sizeof(err)), STORE_OK);
	k.answer = OUTBOX_SENT;
	ck_assert_int_eq(outbox_pump(s, 6, "console", sink_fn, &k), 1);
	ck_assert(k.last_maybe_posted);
	ck_assert_int_eq(outbox_pump(s, 7, "console", sink_fn, &k), 0);
}
END_TEST

static Suite *outbox_suite(void)
{
	Suite *su = suite_create("outbox");
	TCase *tc = tcase_create("outbox");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_delivered_once_per_target);
	tcase_add_test(tc, test_rollback_enqueues_nothing);
	tcase_add_test(tc, test_failure_backs_off);
	tcase_add_loop_test(tc, test_backoff_table, 0, (int)(sizeof(base_delay) / sizeof(base_delay[0])));
	tcase_add_test(tc, test_async_pending_then_done);
	tcase_add_test(tc, test_order_and_many);
	tcase_add_test(tc, test_fault_hook_needs_switch);
	tcase_add_test(tc, test_maybe_posted_after_offer);
	tcase_add_test(tc, test_done_survives_reopen);
	tcase_add_test(tc, test_crash_before_delivery);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	return tu_run_suite(outbox_suite());
}
