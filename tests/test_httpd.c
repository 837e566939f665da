/*
 * test_httpd.c - chatbot/net/httpd.c through the real binary: `govbot run`
 * with http.listen on a free 127.0.0.1 port (console adapter, stdin a pipe
 * kept open), asked over a plain socket for /healthz, /metrics, an unknown
 * path and other methods; commands sent on stdin show in
 * govbot_commands_total; a port already in use stops the start with one
 * clear error and exit 1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "testutil.h"

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

/* A port nobody listens on right now (bound to 0, then released). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
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

/* Sends request to 127.0.0.1:port and reads the whole answer into resp
 * (the request asks the server to close).  -1 when nothing listens. */
static int http_raw(int port, const char *request, struct buf *resp)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	long long deadline = tu_now_ms() + 5000;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	ck_assert_int_eq(write(fd, request, strlen(request)), (ssize_t)strlen(request));
	buf_reset(resp);
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		long long left = deadline - tu_now_ms();
		char chunk[4096];
		ssize_t n;

		ck_assert_msg(left > 0, "no complete answer to %s", request);
		if (poll(&pf, 1, (int)left) <= 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		buf_add(resp, chunk, (size_t)n);
	}
	close(fd);
	return 0;
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

	b->port = free_port();
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
	{ "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 404 ", { NULL } },
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

static Suite *httpd_suite(void)
{
	Suite *s = suite_create("httpd");
	TCase *tc = tcase_create("httpd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_endpoints);
	tcase_add_test(tc, test_commands_counted);
	tcase_add_test(tc, test_port_in_use);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(httpd_suite());
}
