/* test_crash.c - real processes: `govbot run` delivers an announcement that
 * a `govbot ask` process committed; killed with SIGKILL between the commit
 * and the delivery (GOVBOT_FAULT=crash-before-delivery), a restarted runner
 * delivers it exactly once, and the next restart does not repeat it.  Also
 * a whole nomination flow through `govbot ask --as ...` processes, and a
 * locked database seen from a process.  The binary is $GOVBOT, else
 * build/govbot. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "chatbot/util/util.h"
#include "tests/testutil.h"

#define TIMEOUT_MS 15000

static char govbot[PATH_MAX];
static char dir[64];
static char cfg[128];
static char db[128];

static const char config_text[] =
	"{ \"database\": \"gov.sqlite3\",\n"
	"  \"identities\": { \"soumith\": [\"console:soumith\"], \"ezyang\": [\"console:ed\"] } }\n";

static void setup(void)
{
	tu_mkdtemp(dir, sizeof(dir), "crash");
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", dir);
	snprintf(db, sizeof(db), "%s/gov.sqlite3", dir);
	tu_write_file(cfg, config_text);
}

static void teardown(void)
{
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup failed\n");
}

struct child {
	pid_t pid;
	int in;            /* its stdin (write end), -1 when closed */
	int out;           /* its stdout (read end) */
	struct buf text;   /* what it printed so far */
};

/* Starts govbot with args (NULL-terminated); fault, when set, becomes
 * GOVBOT_FAULT.  stderr goes to dir/stderr.log. */
static void start(struct child *c, const char *const *args, const char *fault, const char *busy_ms)
{
	char log[128], fault_env[128], busy_env[64];
	const char *env[5] = { "GOVBOT_CONFIG", "GOVBOT_FAULT" };
	size_t n = 2;
	snprintf(log, sizeof(log), "%s/stderr.log", dir);
	if (fault) {
		snprintf(fault_env, sizeof(fault_env), "GOVBOT_FAULT=%s", fault);
		env[n++] = fault_env;
	}
	if (busy_ms) {
		snprintf(busy_env, sizeof(busy_env), "GOVBOT_BUSY_MS=%s", busy_ms);
		env[n++] = busy_env;
	}
	int err;
	c->pid = tu_spawn(govbot, NULL, args, env, log, &c->in, &c->out, &err);
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	buf_init(&c->text);
}

/* Reads what the child prints until needle appears (NULL: until end of
 * file) or ms pass.  Returns true when the needle (or the end) was seen. */
static bool read_until(struct child *c, const char *needle, int ms)
{
	long long end = tu_now_ms() + ms;
	while (c->out >= 0) {
		if (needle && strstr(buf_str(&c->text), needle))
			return true;
		long long left = end - tu_now_ms();
		if (left <= 0)
			return false;
		struct pollfd p = { c->out, POLLIN, 0 };
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		char chunk[4096];
		ssize_t n = read(c->out, chunk, sizeof(chunk));
		if (n > 0) {
			buf_add(&c->text, chunk, (size_t)n);
		} else if (n == 0 || errno != EAGAIN) {
			close(c->out);
			c->out = -1;
		}
	}
	return needle ? strstr(buf_str(&c->text), needle) != NULL : true;
}

/* Waits for the child to end; returns the exit code or 128 + signal. */
static int finish(struct child *c)
{
	if (c->in >= 0) {
		close(c->in);
		c->in = -1;
	}
	long long end = tu_now_ms() + TIMEOUT_MS;
	int status = 0;
	pid_t r;
	while ((r = waitpid(c->pid, &status, WNOHANG)) == 0) {
		if (tu_now_ms() > end) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &status, 0);
			ck_abort_msg("govbot did not stop");
		}
		read_until(c, "\x01never", 50);
	}
	read_until(c, NULL, 2000);
	if (c->out >= 0)
		close(c->out);
	return tu_exit_code(status);
}

/* Runs `govbot ask --config CFG --as AS TEXT`; returns the exit code and
 * leaves the output in *out (caller frees). */
static int ask_as(const char *as, const char *text, char **out, const char *busy_ms)
{
	const char *args[] = { "ask", "--config", cfg, "--as", as, text, NULL };
	struct child c;
	start(&c, args, NULL, busy_ms);
	int rc = finish(&c);
	if (out)
		*out = buf_detach(&c.text);
	else
		buf_release(&c.text);
	return rc;
}

static void ask_ok(const char *as, const char *text)
{
	char *out = NULL;
	int rc = ask_as(as, text, &out, NULL);
	ck_assert_msg(rc == 0, "ask %s '%s' -> %d: %s", as, text, rc, out);
	free(out);
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static long long db_count(const char *sql)
{
	sqlite3 *h;
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

START_TEST(test_crash_between_commit_and_delivery)
{
	const char *run_args[] = { "run", "--config", cfg, NULL };
	ask_ok("console:carol", "nominate @newbie for torch.nn contributions: 40 PRs "
	       "interactions: patient reviewer support: the nn maintainers agree");

	/* runner 1 dies right before it would post */
	struct child r1;
	start(&r1, run_args, "crash-before-delivery", NULL);
	ask_ok("console:ed", "decide 1 accept steady reviews over two years");
	long long end = tu_now_ms() + TIMEOUT_MS;
	int status = 0;
	while (waitpid(r1.pid, &status, WNOHANG) == 0) {
		ck_assert_msg(tu_now_ms() < end, "the runner did not crash at the delivery");
		read_until(&r1, "\x01never", 100);
	}
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGKILL);
	read_until(&r1, NULL, 1000);
	ck_assert_msg(!strstr(buf_str(&r1.text), "[announcement]"), "posted before the crash: %s",
		      buf_str(&r1.text));
	close(r1.in);
	if (r1.out >= 0)
		close(r1.out);
	buf_release(&r1.text);
	/* the opening notice and the decision, both still pending */
	ck_assert_int_eq(db_count("SELECT count(*) FROM outbox_delivery WHERE state = 'pending'"), 2);
	ck_assert_int_eq(db_count("SELECT count(*) FROM decisions"), 1);

	/* runner 2 delivers it */
	struct child r2;
	start(&r2, run_args, NULL, NULL);
	ck_assert_msg(read_until(&r2, "Rationale: steady reviews over two years", TIMEOUT_MS),
		      "no announcement after the restart: %s", buf_str(&r2.text));
	read_until(&r2, "\x01never", 1500);   /* a few more ticks: nothing more */
	ck_assert_int_eq(finish(&r2), 0);
	const char *o = buf_str(&r2.text);
	ck_assert_int_eq(count_of(o, "[announcement]"), 2);
	ck_assert_int_eq(count_of(o, "[announcement] Nomination 1 opened"), 1);
	ck_assert_ptr_nonnull(strstr(o, "[announcement] Decision on nomination 1: accepted"));
	ck_assert_ptr_nonnull(strstr(o, "@newbie becomes a maintainer of NN APIs (torch.nn)."));
	ck_assert_ptr_nonnull(strstr(o, "Decided by @ezyang."));
	buf_release(&r2.text);
	ck_assert_int_eq(db_count("SELECT count(*) FROM outbox_delivery WHERE state = 'done'"), 2);

	/* runner 3 has nothing to repeat */
	struct child r3;
	start(&r3, run_args, NULL, NULL);
	read_until(&r3, "\x01never", 2500);
	ck_assert_int_eq(finish(&r3), 0);
	ck_assert_int_eq(count_of(buf_str(&r3.text), "[announcement]"), 0);
	buf_release(&r3.text);
}
END_TEST

START_TEST(test_flow_through_ask_processes)
{
	char *out = NULL;
	ask_ok("console:carol", "nominate @newbie for torch.optim contributions: LR schedulers");
	ck_assert_int_eq(ask_as("console:ed", "decide 1 accept looks good", &out, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "incomplete"));
	free(out);
	ck_assert_int_eq(ask_as("console:mallory", "amend 1 support: sure", &out, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "only the nominator"));
	free(out);
	ask_ok("console:carol", "amend 1 interactions: helpful on the forum\nsupport: optim maintainers agree");
	ask_ok("console:dave", "support 1 great reviewer");
	ck_assert_int_eq(ask_as("console:carol", "decide 1 accept me too", &out, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "mapped to no handle"));
	free(out);
	ask_ok("console:ed", "decide 1 accept a year of steady work on optim");
	ask_as("console:carol", "who torch.optim", &out, NULL);
	ck_assert_msg(strstr(out, "newbie") != NULL, "who: %s", out);
	free(out);
	ask_as("console:carol", "decisions", &out, NULL);
	ck_assert_ptr_nonnull(strstr(out, "a year of steady work on optim"));
	free(out);
	const char *args[] = { "export-roster", "--config", cfg, NULL };
	struct child c;
	start(&c, args, NULL, NULL);
	ck_assert_int_eq(finish(&c), 0);
	const char *md = buf_str(&c.text);
	const char *optim = strstr(md, "### Optimizers (torch.optim)");
	ck_assert_ptr_nonnull(optim);
	const char *entry = strstr(optim, "([newbie](https://github.com/newbie))");
	const char *next = strstr(optim + 4, "\n### ");
	ck_assert_msg(entry && (!next || entry < next), "export: %s", md);
	buf_release(&c.text);
	ck_assert_int_eq(ask_as("console:ed", "decide 1 reject again", &out, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "already decided"));
	free(out);
}
END_TEST

START_TEST(test_locked_database_process)
{
	ask_ok("console:carol", "nominate @newbie for torch.nn contributions: a interactions: b support: c");
	sqlite3 *h;
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	char *out = NULL;
	ck_assert_int_eq(ask_as("console:ed", "decide 1 accept fine", &out, "300"), 1);
	ck_assert_msg(strstr(out, "nothing was changed") != NULL, "out: %s", out);
	free(out);
	ck_assert_int_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	ck_assert_int_eq(db_count("SELECT count(*) FROM decisions"), 0);
	ask_ok("console:ed", "decide 1 accept fine");
	ck_assert_int_eq(db_count("SELECT count(*) FROM decisions"), 1);
}
END_TEST

/* Two processes decide the same nomination at once: exactly one decision
 * is recorded and announced; the other is told it was already decided. */
START_TEST(test_concurrent_decides)
{
	ask_ok("console:carol", "nominate @newbie for torch.nn contributions: a interactions: b support: c");
	const char *a1[] = { "ask", "--config", cfg, "--as", "console:ed", "decide 1 accept first", NULL };
	const char *a2[] = { "ask", "--config", cfg, "--as", "console:soumith", "decide 1 reject second", NULL };
	struct child c1, c2;
	start(&c1, a1, NULL, NULL);
	start(&c2, a2, NULL, NULL);
	int r1 = finish(&c1), r2 = finish(&c2);
	ck_assert_msg((r1 == 0) != (r2 == 0), "exits %d and %d:\n%s\n%s", r1, r2, buf_str(&c1.text),
		      buf_str(&c2.text));
	const char *loser = r1 == 0 ? buf_str(&c2.text) : buf_str(&c1.text);
	ck_assert_msg(strstr(loser, "already decided") != NULL, "loser said: %s", loser);
	buf_release(&c1.text);
	buf_release(&c2.text);
	ck_assert_int_eq(db_count("SELECT count(*) FROM decisions"), 1);
	ck_assert_int_eq(db_count("SELECT count(*) FROM outbox WHERE decision_id IS NOT NULL"), 1);
	ck_assert_int_eq(db_count("SELECT count(*) FROM items WHERE state = 'open'"), 0);
}
END_TEST

static Suite *crash_suite(void)
{
	Suite *su = suite_create("crash");
	TCase *tc = tcase_create("processes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_crash_between_commit_and_delivery);
	tcase_add_test(tc, test_flow_through_ask_processes);
	tcase_add_test(tc, test_locked_database_process);
	tcase_add_loop_test(tc, test_concurrent_decides, 0, 3);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	if (tu_find_govbot(govbot, "test_crash") != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	return tu_run_suite(crash_suite());
}
