/*
 * test_httpd.c - chatbot/net/httpd.c through the real binary: `govbot run`
 * with http.listen on a free 127.0.0.1 port (console adapter, stdin a pipe
 * kept open), asked over a plain socket for /healthz, /metrics, an unknown
 * path and other methods; commands sent on stdin show in
 * govbot_commands_total; a port already in use stops the start with one
 * clear error and exit 1; /healthz answers within 1 s while 5,000 idle
 * connections are held open.  Then the listener's limits in process (short
 * deadlines, a small cap): silent, half-sent and idle kept-alive
 * connections closed at the header deadline, 408 for a slow body, the cap
 * evicting the idle and refusing when every connection is mid-request.
 */
#define _GNU_SOURCE   /* POLLRDHUP */
#include <poll.h>
#include <sys/resource.h>

#include "chatbot/util/log.h"
#include "tu_httpd.h"

static char govbot[PATH_MAX];
static char tmpdir[64];

static void setup(void)
{
	ck_assert_int_eq(tu_find_govbot(govbot, "test_httpd"), 0);
	tu_mkdtemp(tmpdir, sizeof(tmpdir), "httpd");
}

static void teardown(void)
{
	tu_rmrf(tmpdir);
}

/* Writes a config listening on port into tmpdir; returns its path (static). */
static const char *write_config(int port)
{
	static char path[128];
	char text[256];

	snprintf(path, sizeof(path), "%s/govbot.json", tmpdir);
	snprintf(text, sizeof(text),
		 "{\"database\":\"db.sqlite3\",\"http\":{\"listen\":\"127.0.0.1:%d\"},"
		 "\"adapters\":{\"console\":{}}}", port);
	tu_write_file(path, text);
	return path;
}

static int http_raw(int port, const char *request, struct buf *resp)
{
	return tu_http_raw(port, request, resp);
}

/* GET path with Connection: close into resp. */
static void http_get(int port, const char *path, struct buf *resp)
{
	char req[256];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
		 path);
	ck_assert_int_eq(http_raw(port, req, resp), 0);
}

struct bot_proc {
	pid_t pid;
	int in, out, err;
	int port;
};

/* Starts `govbot run` on a fresh port and waits until it answers. */
static void bot_start(struct bot_proc *b)
{
	char log[128];
	struct buf resp = BUF_INIT;
	long long deadline = tu_now_ms() + 10000;

	b->port = tu_free_port();
	const char *args[] = { "run", "--config", write_config(b->port), NULL };
	snprintf(log, sizeof(log), "%s/stderr.log", tmpdir);
	b->pid = tu_spawn(govbot, tmpdir, args, NULL, log, &b->in, &b->out, &b->err);
	while (http_raw(b->port, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", &resp) < 0) {
		int status;
		ck_assert_msg(waitpid(b->pid, &status, WNOHANG) == 0, "govbot ended at start");
		ck_assert_msg(tu_now_ms() < deadline, "govbot did not listen within 10 s");
		poll(NULL, 0, 20);
	}
	buf_release(&resp);
}

/* Closes stdin (the console ends, so does the bot) and expects exit 0. */
static void bot_stop(struct bot_proc *b)
{
	long long deadline = tu_now_ms() + 10000;
	int status;

	close(b->in);
	while (waitpid(b->pid, &status, WNOHANG) == 0) {
		if (tu_now_ms() > deadline) {
			kill(b->pid, SIGKILL);
			waitpid(b->pid, &status, 0);
			ck_abort_msg("govbot did not stop when stdin closed");
		}
		poll(NULL, 0, 20);
	}
	close(b->out);
	ck_assert_int_eq(tu_exit_code(status), 0);
}

struct http_case {
	const char *request;
	const char *status_line;
	const char *const expect[6];   /* substrings of the answer */
};

static const struct http_case http_cases[] = {
	{ "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 200 ",
	  { "content-type: text/plain", "\r\n\r\nok\n", NULL } },
	{ "GET /healthz?verbose=1 HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 200 ",
	  { "\r\n\r\nok\n", NULL } },
	{ "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 200 ",
	  { "content-type: text/plain; version=0.0.4", "# TYPE govbot_up gauge\ngovbot_up 1\n",
	    "# TYPE govbot_commands_total counter\n", "govbot_commands_total{result=\"refused\"} 0\n",
	    "# TYPE govbot_outbox_pending gauge\ngovbot_outbox_pending 0\n",
	    "# TYPE govbot_adapters_running gauge\ngovbot_adapters_running 1\n" } },
	{ "GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 404 ", { NULL } },
	/* the public record's roster page (chatbot/host/host_web.c) */
	{ "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 200 ",
	  { "content-type: text/html; charset=utf-8", "etag: \"", NULL } },
	{ "GET /healthz/ HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 404 ", { NULL } },
	{ "POST /metrics HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
	  "HTTP/1.1 405 ", { "allow: GET", NULL } },
	{ "POST /healthz HTTP/1.1\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
	  "HTTP/1.1 405 ", { "allow: GET", NULL } },
	{ "HEAD /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 405 ", { NULL } },
};

/* One bot answers every case of the table, in order, then still answers. */
START_TEST(test_endpoints)
{
	struct bot_proc b;
	struct buf resp = BUF_INIT;

	bot_start(&b);
	for (size_t i = 0; i < sizeof(http_cases) / sizeof(http_cases[0]); i++) {
		const struct http_case *c = &http_cases[i];

		ck_assert_int_eq(http_raw(b.port, c->request, &resp), 0);
		ck_assert_msg(strncmp(buf_str(&resp), c->status_line, strlen(c->status_line)) == 0,
			      "%s: got %s", c->request, buf_str(&resp));
		for (size_t j = 0; j < 6 && c->expect[j]; j++)
			ck_assert_msg(strstr(buf_str(&resp), c->expect[j]),
				      "%s: no '%s' in %s", c->request, c->expect[j], buf_str(&resp));
	}
	http_get(b.port, "/healthz", &resp);
	ck_assert_msg(strstr(buf_str(&resp), "200 OK"), "%s", buf_str(&resp));
	buf_release(&resp);
	bot_stop(&b);
}
END_TEST

/* Polls /metrics until it has want (5 s). */
static void wait_metric(int port, const char *want, struct buf *resp)
{
	long long deadline = tu_now_ms() + 5000;

	for (;;) {
		http_get(port, "/metrics", resp);
		if (strstr(buf_str(resp), want))
			return;
		ck_assert_msg(tu_now_ms() < deadline, "no '%s' in %s", want, buf_str(resp));
		poll(NULL, 0, 20);
	}
}

/* Commands on stdin are counted by result. */
START_TEST(test_commands_counted)
{
	struct bot_proc b;
	struct buf resp = BUF_INIT;
	const char *help = "help\n", *bad = "who nosuchmodule\n", *refused = "step-down torch.nn\n";

	bot_start(&b);
	http_get(b.port, "/metrics", &resp);
	ck_assert(strstr(buf_str(&resp), "govbot_commands_total{result=\"ok\"} 0\n"));
	ck_assert_int_eq(write(b.in, help, strlen(help)), (ssize_t)strlen(help));
	wait_metric(b.port, "govbot_commands_total{result=\"ok\"} 1\n", &resp);
	ck_assert(strstr(buf_str(&resp), "govbot_commands_total{result=\"error\"} 0\n"));
	ck_assert_int_eq(write(b.in, bad, strlen(bad)), (ssize_t)strlen(bad));
	wait_metric(b.port, "govbot_commands_total{result=\"error\"} 1\n", &resp);
	ck_assert_int_eq(write(b.in, refused, strlen(refused)), (ssize_t)strlen(refused));
	wait_metric(b.port, "govbot_commands_total{result=\"refused\"} 1\n", &resp);
	ck_assert(strstr(buf_str(&resp), "govbot_commands_total{result=\"ok\"} 1\n"));
	ck_assert(strstr(buf_str(&resp), "govbot_commands_total{result=\"failed\"} 0\n"));
	/* the answers did reach stdout (bounded: the count may precede the write) */
	char out[4096];
	struct pollfd pf = { b.out, POLLIN, 0 };
	ck_assert_msg(poll(&pf, 1, 5000) == 1, "no answer on stdout within 5 s");
	ck_assert_int_gt(read(b.out, out, sizeof(out)), 0);
	buf_release(&resp);
	bot_stop(&b);
}
END_TEST

/* Another socket holds the port: one clear error, exit 1, no console. */
START_TEST(test_port_in_use)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct tu_proc p;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	const char *args[] = { "run", "--config", write_config(ntohs(a.sin_port)), NULL };
	tu_run(govbot, tmpdir, args, "help\n", 5, NULL, 0, 10000, &p);
	close(fd);
	ck_assert_int_eq(p.status, 1);
	ck_assert_msg(strstr(buf_str(&p.err), "http.listen: cannot listen on 127.0.0.1 port ") &&
		      strstr(buf_str(&p.err), "Address already in use"), "%s", buf_str(&p.err));
	ck_assert_msg(!strstr(buf_str(&p.err), "console"), "%s", buf_str(&p.err));
	ck_assert_str_eq(buf_str(&p.out), "");
	tu_proc_release(&p);
}
END_TEST

/* ---- hardening, in process: deadlines and the connection cap ---- */

static void on_a(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	(void)arg;
	(void)req;
	buf_adds(&res->body, "a\n");
}

static void on_hook(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	(void)arg;
	buf_addf(&res->body, "got %zu\n", req->body_len);
}

static void start_limited(struct tu_httpd *s, long header_ms, long body_ms, size_t max_conns)
{
	struct httpd_limits lim = { header_ms, body_ms, max_conns };

	tu_httpd_start(s, &lim);
	ck_assert_int_eq(httpd_route(s->d, "GET", "/a", 0, on_a, NULL), 0);
	ck_assert_int_eq(httpd_route(s->d, "POST", "/hook", 0, on_hook, NULL), 0);
	tu_httpd_run(s);
}

static void noop(void *arg)
{
	(void)arg;
}

/* Lets the loop take in what the sockets sent: each call is a round trip
 * through the loop, which by then has polled every socket ready before. */
static void settle(struct tu_httpd *s)
{
	for (int i = 0; i < 3; i++)
		tu_httpd_call(s, noop, NULL);
}

struct conn_count {
	struct httpd *d;
	size_t n;
};

static void count_conns(void *arg)
{
	struct conn_count *c = arg;
	c->n = httpd_connections(c->d);
}

/* Connections the listener holds now (asked on its loop thread). */
static size_t connections(struct tu_httpd *s)
{
	struct conn_count c = { s->d, 0 };

	tu_httpd_call(s, count_conns, &c);
	return c.n;
}

/* Silent, half-sent and idle kept-alive connections are closed once the
 * header deadline passes; a complete request is still answered. */
START_TEST(header_deadline)
{
	struct tu_httpd s;
	struct buf got = BUF_INIT, resp = BUF_INIT;
	const char *half = "GET /a HTTP/1.1\r\nHost:";
	const char *whole = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
	int silent, partial, kept;
	long long t;

	start_limited(&s, 400, 0, 0);
	silent = tu_connect(s.port);
	partial = tu_connect(s.port);
	kept = tu_connect(s.port);
	tu_send(partial, half, strlen(half));
	tu_send(kept, whole, strlen(whole));
	t = tu_wait_closed(silent, 3000, &got);
	ck_assert_msg(t >= 300, "silent connection closed after %lld ms", t);
	ck_assert_str_eq(buf_str(&got), "");
	t = tu_wait_closed(partial, 3000, &got);
	ck_assert_msg(t >= 0, "half-sent headers kept open");
	ck_assert_str_eq(buf_str(&got), "");
	/* answered, then closed when no next request came */
	ck_assert_int_ge(tu_wait_closed(kept, 3000, &got), 0);
	ck_assert_msg(strstr(buf_str(&got), "HTTP/1.1 200 ") && strstr(buf_str(&got), "\r\n\r\na\n"),
		      "%s", buf_str(&got));
	ck_assert_int_eq(tu_http_raw(s.port, "GET /a HTTP/1.1\r\nConnection: close\r\n\r\n", &resp), 0);
	ck_assert_msg(strncmp(buf_str(&resp), "HTTP/1.1 200 ", 13) == 0, "%s", buf_str(&resp));
	close(silent);
	close(partial);
	close(kept);
	buf_release(&got);
	buf_release(&resp);
	tu_httpd_stop(&s);
}
END_TEST

/* A body that does not arrive within its deadline gets 408. */
START_TEST(slow_body_408)
{
	struct tu_httpd s;
	struct buf got = BUF_INIT;
	const char *req = "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nabc";
	int fd;
	long long t;

	start_limited(&s, 0, 400, 0);
	fd = tu_connect(s.port);
	tu_send(fd, req, strlen(req));
	t = tu_wait_closed(fd, 3000, &got);
	ck_assert_msg(t >= 300, "closed after %lld ms: %s", t, buf_str(&got));
	ck_assert_msg(strncmp(buf_str(&got), "HTTP/1.1 408 ", 13) == 0, "%s", buf_str(&got));
	ck_assert(strstr(buf_str(&got), "connection: close"));
	close(fd);
	buf_release(&got);
	tu_httpd_stop(&s);
}
END_TEST

#define CAP 20
#define IDLE 60

/* Past the cap, new connections take the place of the oldest idle ones:
 * the listener holds at most CAP and still answers at once. */
START_TEST(cap_evicts_idle)
{
	struct tu_httpd s;
	struct buf resp = BUF_INIT;
	int fds[IDLE], closed = 0;
	long long t0, deadline;

	start_limited(&s, 0, 0, CAP);
	for (int i = 0; i < IDLE; i++) {
		fds[i] = tu_connect(s.port);
		ck_assert_int_ge(fds[i], 0);
	}
	/* the oldest IDLE - CAP are closed by the server */
	deadline = tu_now_ms() + 3000;
	while (closed < IDLE - CAP) {
		ck_assert_msg(tu_now_ms() < deadline, "only %d of %d idle connections closed", closed,
			      IDLE - CAP);
		for (int i = 0; i < IDLE; i++)
			if (fds[i] >= 0 && tu_wait_closed(fds[i], 1, NULL) >= 0) {
				close(fds[i]);
				fds[i] = -1;
				closed++;
			}
	}
	ck_assert_int_le(connections(&s), CAP);
	t0 = tu_now_ms();
	ck_assert_int_eq(tu_http_raw(s.port, "GET /a HTTP/1.1\r\nConnection: close\r\n\r\n", &resp), 0);
	ck_assert_int_lt(tu_now_ms() - t0, 1000);
	ck_assert_msg(strncmp(buf_str(&resp), "HTTP/1.1 200 ", 13) == 0, "%s", buf_str(&resp));
	ck_assert_int_le(connections(&s), CAP);
	for (int i = 0; i < IDLE; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	buf_release(&resp);
	tu_httpd_stop(&s);
}
END_TEST

/* The connection evicted is the one idle longest: a client that just had
 * an answer keeps its connection, the oldest silent one goes. */
START_TEST(cap_keeps_recently_active)
{
	struct tu_httpd s;
	struct buf got = BUF_INIT;
	const char *req = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
	int active, idle[4], extra;

	start_limited(&s, 0, 0, 5);
	active = tu_connect(s.port);
	for (int i = 0; i < 4; i++)
		idle[i] = tu_connect(s.port);
	settle(&s);
	ck_assert_int_eq(connections(&s), 5);
	/* the first connection asks; its answer makes it the most recent */
	tu_send(active, req, strlen(req));
	for (long long deadline = tu_now_ms() + 3000; !strstr(buf_str(&got), "\r\n\r\na\n");) {
		char chunk[1024];
		ssize_t n;
		struct pollfd pf = { active, POLLIN, 0 };

		ck_assert_msg(tu_now_ms() < deadline, "no answer: %s", buf_str(&got));
		if (poll(&pf, 1, 100) <= 0)
			continue;
		n = recv(active, chunk, sizeof(chunk), 0);
		ck_assert_int_gt(n, 0);
		buf_add(&got, chunk, (size_t)n);
	}
	extra = tu_connect(s.port);
	ck_assert_int_ge(tu_wait_closed(idle[0], 2000, NULL), 0);   /* the oldest idle went */
	settle(&s);
	for (int i = 1; i < 4; i++)
		ck_assert_int_lt(tu_wait_closed(idle[i], 1, NULL), 0);
	/* the active one is still served on its connection */
	buf_reset(&got);
	tu_send(active, "GET /a HTTP/1.1\r\nConnection: close\r\n\r\n", 38);
	ck_assert_int_ge(tu_wait_closed(active, 3000, &got), 0);
	ck_assert_msg(strncmp(buf_str(&got), "HTTP/1.1 200 ", 13) == 0, "%s", buf_str(&got));
	close(active);
	close(extra);
	for (int i = 0; i < 4; i++)
		close(idle[i]);
	buf_release(&got);
	tu_httpd_stop(&s);
}
END_TEST

/* When every connection is inside a request, a new one is closed at once
 * (nothing is evicted mid-request); the requests then complete. */
START_TEST(cap_full_refuses)
{
	struct tu_httpd s;
	struct buf got = BUF_INIT;
	const char *head = "POST /hook HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			   "Content-Length: 4\r\n\r\nab";
	int fds[5], extra;

	start_limited(&s, 0, 0, 5);
	for (int i = 0; i < 5; i++) {
		fds[i] = tu_connect(s.port);
		tu_send(fds[i], head, strlen(head));
	}
	settle(&s);
	ck_assert_int_eq(connections(&s), 5);
	extra = tu_connect(s.port);
	ck_assert_int_ge(extra, 0);   /* the kernel accepts; the listener closes */
	ck_assert_int_ge(tu_wait_closed(extra, 2000, &got), 0);
	ck_assert_str_eq(buf_str(&got), "");
	for (int i = 0; i < 5; i++) {
		buf_reset(&got);
		tu_send(fds[i], "cd", 2);
		ck_assert_int_ge(tu_wait_closed(fds[i], 3000, &got), 0);
		ck_assert_msg(strstr(buf_str(&got), "\r\n\r\ngot 4\n"), "%s", buf_str(&got));
		close(fds[i]);
	}
	close(extra);
	buf_release(&got);
	tu_httpd_stop(&s);
}
END_TEST

/* ---- the real binary under 5,000 idle connections ---- */

#define HELD 5000

START_TEST(healthz_under_idle_flood)
{
	struct bot_proc b;
	struct buf resp = BUF_INIT;
	struct rlimit rl;
	int *fds = xcalloc(HELD, sizeof(*fds));
	long long t0, took;

	/* this process holds HELD sockets (the bot inherits the limit) */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < HELD + 256) {
		ck_assert_msg(rl.rlim_max >= HELD + 256, "the hard open-file limit (%llu) is below %d",
			      (unsigned long long)rl.rlim_max, HELD + 256);
		rl.rlim_cur = HELD + 256;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	bot_start(&b);
	for (int i = 0; i < HELD; i++) {
		fds[i] = tu_connect(b.port);
		ck_assert_msg(fds[i] >= 0, "connection %d refused", i);
	}
	/* the listener has taken them all in once it holds its cap and has
	 * closed the rest (the oldest idle first) */
	{
		struct pollfd *pf = xcalloc(HELD, sizeof(*pf));
		long long deadline = tu_now_ms() + 30000;
		int shed = 0;

		while (shed < HELD - HTTPD_MAX_CONNS) {
			ck_assert_msg(tu_now_ms() < deadline, "only %d connections shed", shed);
			for (int i = 0; i < HELD; i++)
				pf[i] = (struct pollfd){ fds[i], POLLIN | POLLRDHUP, 0 };
			poll(pf, HELD, 100);
			shed = 0;
			for (int i = 0; i < HELD; i++)
				shed += (pf[i].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0;
		}
		ck_assert_int_le(shed, HELD - HTTPD_MAX_CONNS + 1);
		free(pf);
	}
	t0 = tu_now_ms();
	http_get(b.port, "/healthz", &resp);
	took = tu_now_ms() - t0;
	ck_assert_msg(strncmp(buf_str(&resp), "HTTP/1.1 200 ", 13) == 0, "%s", buf_str(&resp));
	ck_assert_msg(took < 1000, "/healthz took %lld ms with %d idle connections", took, HELD);
	/* and the bot still runs its commands */
	http_get(b.port, "/metrics", &resp);
	ck_assert(strstr(buf_str(&resp), "govbot_up 1\n"));
	for (int i = 0; i < HELD; i++)
		close(fds[i]);
	free(fds);
	buf_release(&resp);
	bot_stop(&b);
}
END_TEST

static Suite *httpd_suite(void)
{
	Suite *s = suite_create("httpd");
	TCase *tc = tcase_create("httpd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_endpoints);
	tcase_add_test(tc, test_commands_counted);
	tcase_add_test(tc, test_port_in_use);
	tcase_add_test(tc, healthz_under_idle_flood);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, header_deadline);
	tcase_add_test(tc, slow_body_408);
	tcase_add_test(tc, cap_evicts_idle);
	tcase_add_test(tc, cap_keeps_recently_active);
	tcase_add_test(tc, cap_full_refuses);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_set_level(LOG_WARN);
	return tu_run_suite(httpd_suite());
}
