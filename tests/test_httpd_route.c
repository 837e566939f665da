/*
 * test_httpd_route.c - the router of chatbot/net/httpd_route.c, in process:
 * a listener on a free 127.0.0.1 port whose loop runs on a thread, asked
 * over plain sockets.  Exact and prefix routes, 404 and 405 with Allow,
 * methods, query, request headers (known and custom), the per-route body
 * cap (413), extra response headers, conditional GET (304), deferred work
 * with an owned body, unrouting.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "chatbot/util/log.h"
#include "chatbot/net/httpd_int.h"
#include "tu_httpd.h"

static struct tu_httpd srv;

/* send() as libwebsockets calls it, counted when the listener's loop
 * thread makes it (the test's own sends are not) */
static atomic_int loop_sends;

ssize_t send(int fd, const void *data, size_t len, int flags)
{
	if (srv.th && pthread_equal(pthread_self(), srv.th))
		atomic_fetch_add(&loop_sends, 1);
	return (ssize_t)syscall(SYS_sendto, fd, data, len, flags, NULL, 0);
}

/* every handler writes what it saw: "METHOD PATH ?QUERY" */
static void on_echo(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	buf_addf(&res->body, "%s %s %s ?%s", (const char *)arg, req->method, req->path, req->query);
}

/* the webhook: header values and the body */
static void on_hook(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	char sig[128], ctype[64], host[64];

	(void)arg;
	if (httpd_header(req, "X-Discourse-Event-Signature", sig, sizeof(sig)) < 0)
		snprintf(sig, sizeof(sig), "(none)");
	if (httpd_header(req, "content-type", ctype, sizeof(ctype)) < 0)
		snprintf(ctype, sizeof(ctype), "(none)");
	if (httpd_header(req, "x-absent", host, sizeof(host)) >= 0)
		snprintf(sig, sizeof(sig), "x-absent found");
	res->status = 202;
	res->ctype = "application/json";
	buf_addf(&res->body, "sig=%s ctype=%s len=%zu body=%s", sig, ctype, req->body_len,
		 req->body);
}

static void on_page(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	(void)arg;
	res->ctype = "text/html; charset=utf-8";
	if (httpd_not_modified(req, res, "\"v1\""))
		return;
	httpd_add_header(res, "Last-Modified", "Sat, 28 Nov 2026 02:00:00 GMT");
	httpd_add_header(res, "Cache-Control", "max-age=60");
	buf_adds(&res->body, "<p>agenda</p>");
}

static void on_create(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	(void)arg;
	(void)req;
	res->status = 303;
	httpd_add_header(res, "Location", "/items/7");
}

static void setup(void)
{
	tu_httpd_start(&srv, NULL);
	ck_assert_int_eq(httpd_route(srv.d, "GET", "/a", 0, on_echo, "a"), 0);
	ck_assert_int_eq(httpd_route(srv.d, "GET,POST", "/items/*", 0, on_echo, "items"), 0);
	ck_assert_int_eq(httpd_route(srv.d, "GET", "/items/special", 0, on_echo, "special"), 0);
	ck_assert_int_eq(httpd_route(srv.d, "DELETE", "/items/special", 0, on_echo, "del"), 0);
	ck_assert_int_eq(httpd_route(srv.d, "POST", "/hook", 100, on_hook, NULL), 0);
	ck_assert_int_eq(httpd_route(srv.d, "GET,HEAD", "/agenda", 0, on_page, NULL), 0);
	ck_assert_int_eq(httpd_route(srv.d, "POST", "/create", 0, on_create, NULL), 0);
	/* refused: a method already served there, no method, no path */
	ck_assert_int_eq(httpd_route(srv.d, "GET", "/a", 0, on_echo, "again"), -1);
	ck_assert_int_eq(httpd_route(srv.d, "POST,GET", "/items/*", 0, on_echo, "x"), -1);
	ck_assert_int_eq(httpd_route(srv.d, "FETCH", "/b", 0, on_echo, "x"), -1);
	ck_assert_int_eq(httpd_route(srv.d, "GET", "b", 0, on_echo, "x"), -1);
	tu_httpd_run(&srv);
}

static void teardown(void)
{
	tu_httpd_stop(&srv);
}

#define CLOSE "Connection: close\r\n"

struct route_case {
	const char *request;
	const char *status_line;
	const char *const expect[4];   /* substrings of the answer */
	const char *absent;            /* and one that must not be there */
};

static const struct route_case route_cases[] = {
	{ "GET /a HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 200 ", { "\r\n\r\na GET /a ?", NULL },
	  NULL },
	{ "GET /a?x=1&y=2 HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 200 ", { "a GET /a ?x=1&y=2", NULL },
	  NULL },
	/* prefix routes */
	{ "GET /items/3 HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 200 ", { "items GET /items/3 ?", NULL },
	  NULL },
	{ "GET /items/ HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 200 ", { "items GET /items/ ?", NULL },
	  NULL },
	{ "POST /items/4 HTTP/1.1\r\n" CLOSE "Content-Length: 2\r\n\r\nhi", "HTTP/1.1 200 ",
	  { "items POST /items/4", NULL }, NULL },
	{ "GET /items HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 404 ", { NULL }, NULL },
	/* exact wins over the prefix */
	{ "GET /items/special HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 200 ",
	  { "special GET /items/special", NULL }, NULL },
	{ "DELETE /items/special HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 200 ",
	  { "del DELETE /items/special", NULL }, NULL },
	/* 405: Allow names every method registered for the path */
	{ "PUT /items/special HTTP/1.1\r\n" CLOSE "Content-Length: 0\r\n\r\n", "HTTP/1.1 405 ",
	  { "allow: GET, POST, DELETE\r\n", NULL }, NULL },
	{ "DELETE /a HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 405 ", { "allow: GET\r\n", NULL },
	  NULL },
	{ "GET /hook HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 405 ", { "allow: POST\r\n", NULL },
	  NULL },
	{ "HEAD /a HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 405 ", { "allow: GET\r\n", NULL }, NULL },
	{ "POST /a HTTP/1.1\r\n" CLOSE "Content-Length: 5\r\n\r\nhello", "HTTP/1.1 405 ",
	  { "allow: GET\r\n", NULL }, NULL },
	{ "GET /nope HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 404 ", { "not found", NULL }, "allow:" },
	/* the webhook: headers, custom ones too, and the body */
	{ "POST /hook HTTP/1.1\r\n" CLOSE "Content-Type: application/json\r\n"
	  "X-Discourse-Event-Signature: sha256=abc123\r\nContent-Length: 11\r\n\r\n{\"ping\":1}\n",
	  "HTTP/1.1 202 ",
	  { "content-type: application/json", "sig=sha256=abc123 ctype=application/json len=11 "
	    "body={\"ping\":1}\n", NULL }, NULL },
	{ "POST /hook HTTP/1.1\r\n" CLOSE "Content-Length: 2\r\n\r\nok", "HTTP/1.1 202 ",
	  { "sig=(none) ctype=(none) len=2 body=ok", NULL }, NULL },
	/* the body cap: 100 bytes on /hook, the default elsewhere */
	{ "POST /hook HTTP/1.1\r\n" CLOSE "Content-Length: 101\r\n\r\n", "HTTP/1.1 413 ",
	  { "larger than 100 bytes", NULL }, NULL },
	{ "POST /items/5 HTTP/1.1\r\n" CLOSE "Content-Length: 9999999\r\n\r\n", "HTTP/1.1 413 ",
	  { "larger than 65536 bytes", NULL }, NULL },
	/* extra headers; the default no-store gives way to the handler's */
	{ "GET /agenda HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 200 ",
	  { "etag: \"v1\"\r\n", "last-modified: Sat, 28 Nov 2026 02:00:00 GMT\r\n",
	    "cache-control: max-age=60\r\n", "<p>agenda</p>" }, "no-store" },
	{ "GET /a HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 200 ", { "cache-control: no-store", NULL },
	  NULL },
	{ "POST /create HTTP/1.1\r\n" CLOSE "Content-Length: 0\r\n\r\n", "HTTP/1.1 303 ",
	  { "location: /items/7\r\n", NULL }, NULL },
	/* HEAD: the headers of the GET, no body */
	{ "HEAD /agenda HTTP/1.1\r\n" CLOSE "\r\n", "HTTP/1.1 200 ",
	  { "content-length: 13\r\n", "etag: \"v1\"", NULL }, "<p>" },
	/* conditional GET */
	{ "GET /agenda HTTP/1.1\r\n" CLOSE "If-None-Match: \"v1\"\r\n\r\n", "HTTP/1.1 304 ",
	  { "etag: \"v1\"", NULL }, "<p>" },
	{ "GET /agenda HTTP/1.1\r\n" CLOSE "If-None-Match: \"v0\", W/\"v1\"\r\n\r\n",
	  "HTTP/1.1 304 ", { NULL }, "<p>" },
	{ "GET /agenda HTTP/1.1\r\n" CLOSE "If-None-Match: *\r\n\r\n", "HTTP/1.1 304 ", { NULL },
	  "<p>" },
	{ "GET /agenda HTTP/1.1\r\n" CLOSE "If-None-Match: \"v2\"\r\n\r\n", "HTTP/1.1 200 ",
	  { "<p>agenda</p>", NULL }, NULL },
};

START_TEST(routes_answer)
{
	const struct route_case *c = &route_cases[_i];
	struct buf resp = BUF_INIT;

	ck_assert_int_eq(tu_http_raw(srv.port, c->request, &resp), 0);
	ck_assert_msg(strncmp(buf_str(&resp), c->status_line, strlen(c->status_line)) == 0,
		      "%s: got %s", c->request, buf_str(&resp));
	for (size_t j = 0; j < 4 && c->expect[j]; j++)
		ck_assert_msg(strstr(buf_str(&resp), c->expect[j]), "%s: no '%s' in %s",
			      c->request, c->expect[j], buf_str(&resp));
	if (c->absent)
		ck_assert_msg(!strstr(buf_str(&resp), c->absent), "%s: '%s' in %s", c->request,
			      c->absent, buf_str(&resp));
	buf_release(&resp);
}
END_TEST

/* Two requests on one kept-alive connection are both answered. */
START_TEST(keep_alive)
{
	int fd = tu_connect(srv.port);
	struct buf got = BUF_INIT;
	const char *two = "GET /a?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
			  "GET /a?n=2 HTTP/1.1\r\nHost: x\r\n" CLOSE "\r\n";

	tu_send(fd, two, strlen(two));
	ck_assert_int_ge(tu_wait_closed(fd, 5000, &got), 0);
	ck_assert_msg(strstr(buf_str(&got), "a GET /a ?n=1") && strstr(buf_str(&got), "a GET /a ?n=2"),
		      "%s", buf_str(&got));
	close(fd);
	buf_release(&got);
}
END_TEST

/* An answer, its headers and its body, leaves in one send: one segment
 * for the client, one system call for the loop (a webhook's 2xx sooner). */
START_TEST(one_send_per_answer)
{
	int fd = tu_connect(srv.port);
	struct buf got = BUF_INIT;
	const char *two = "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"
			  "GET /agenda HTTP/1.1\r\nHost: x\r\n" CLOSE "\r\n";

	atomic_store(&loop_sends, 0);
	tu_send(fd, two, strlen(two));
	ck_assert_int_ge(tu_wait_closed(fd, 5000, &got), 0);
	ck_assert_msg(strstr(buf_str(&got), "HTTP/1.1 202 ") && strstr(buf_str(&got), "body=ok") &&
		      strstr(buf_str(&got), "<p>agenda</p>"), "%s", buf_str(&got));
	int sends = atomic_load(&loop_sends);
	ck_assert_msg(sends == 2, "%d sends for 2 answers", sends);
	close(fd);
	buf_release(&got);
}
END_TEST

/* ---- work after the answer ---- */

static atomic_int after_runs, sends_before_after;

static void after_answer(void *arg)
{
	(void)arg;
	atomic_store(&sends_before_after, atomic_load(&loop_sends));
	atomic_fetch_add(&after_runs, 1);
}

static void on_accept(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	(void)arg;
	(void)req;
	res->status = 202;
	res->after = after_answer;
	/* not yet: the answer is not written */
	ck_assert_int_eq(atomic_load(&after_runs), 0);
}

static void add_accept(void *arg)
{
	ck_assert_int_eq(httpd_route(arg, "POST", "/accept", 0, on_accept, NULL), 0);
}

/* A response's after hook runs once, on the loop, once its answer has been
 * sent (a webhook's work never delays its own 2xx), also when the
 * connection closes after it. */
START_TEST(after_runs_once_the_answer_is_sent)
{
	struct buf resp = BUF_INIT;

	tu_httpd_call(&srv, add_accept, srv.d);
	atomic_store(&loop_sends, 0);
	ck_assert_int_eq(tu_http_raw(srv.port, "POST /accept HTTP/1.1\r\n" CLOSE "Content-Length: 2\r\n\r\nhi",
				     &resp), 0);
	ck_assert_msg(strncmp(buf_str(&resp), "HTTP/1.1 202 ", 13) == 0, "%s", buf_str(&resp));
	for (long long t = tu_now_ms(); atomic_load(&after_runs) < 1 && tu_now_ms() - t < 5000;)
		poll(NULL, 0, 5);
	ck_assert_int_eq(atomic_load(&after_runs), 1);
	ck_assert_int_eq(atomic_load(&sends_before_after), 1);
	buf_release(&resp);
}
END_TEST

/* ---- deferred work and unrouting ---- */

static atomic_int work_runs;
static char work_body[256];
static atomic_bool answered_first;

static void on_work(void *arg, char *body, size_t len)
{
	(void)arg;
	snprintf(work_body, sizeof(work_body), "%.*s", (int)len, body);
	free(body);   /* ours */
	atomic_fetch_add(&work_runs, 1);
}

static void on_queue(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	(void)arg;
	httpd_defer(req, on_work, NULL, req->body, req->body_len);
	/* the work runs after this answer, not inside the handler */
	atomic_store(&answered_first, atomic_load(&work_runs) == 0);
	res->status = 204;
}

static void add_queue(void *arg)
{
	ck_assert_int_eq(httpd_route(arg, "POST", "/queue", 0, on_queue, NULL), 0);
}

static void drop_queue(void *arg)
{
	httpd_unroute(arg, "/queue", on_queue, NULL);
}

START_TEST(deferred_work_and_unroute)
{
	struct buf resp = BUF_INIT;
	const char *post = "POST /queue HTTP/1.1\r\n" CLOSE "Content-Length: 13\r\n\r\nevent payload";
	long long deadline;

	atomic_init(&work_runs, 0);
	/* routes come and go while the listener runs */
	tu_httpd_call(&srv, add_queue, srv.d);
	ck_assert_int_eq(tu_http_raw(srv.port, post, &resp), 0);
	ck_assert_msg(strncmp(buf_str(&resp), "HTTP/1.1 204 ", 13) == 0, "%s", buf_str(&resp));
	deadline = tu_now_ms() + 5000;
	while (atomic_load(&work_runs) < 1) {
		ck_assert_msg(tu_now_ms() < deadline, "the deferred work never ran");
		poll(NULL, 0, 5);
	}
	ck_assert(atomic_load(&answered_first));
	ck_assert_str_eq(work_body, "event payload");
	tu_httpd_call(&srv, drop_queue, srv.d);
	ck_assert_int_eq(tu_http_raw(srv.port, post, &resp), 0);
	ck_assert_msg(strncmp(buf_str(&resp), "HTTP/1.1 404 ", 13) == 0, "%s", buf_str(&resp));
	ck_assert_int_eq(atomic_load(&work_runs), 1);
	buf_release(&resp);
}
END_TEST

/* Unrouting runs the route's queued work first: nothing accepted is lost. */
static void defer_then_unroute(void *arg)
{
	struct httpd *d = arg;
	struct httpd_request req;
	unsigned allowed;

	memset(&req, 0, sizeof(req));
	req.route = httpd_match(d, "/queue", HTTPD_POST, &allowed);
	ck_assert_ptr_nonnull(req.route);
	httpd_defer(&req, on_work, NULL, "queued at exit", 14);
	ck_assert_int_eq(atomic_load(&work_runs), 0);   /* not run inside */
	httpd_unroute(d, "/queue", on_queue, NULL);
	ck_assert_int_eq(atomic_load(&work_runs), 1);   /* run by the unroute */
	ck_assert_ptr_null(httpd_match(d, "/queue", HTTPD_POST, &allowed));
}

START_TEST(unroute_runs_queued_work)
{
	atomic_init(&work_runs, 0);
	tu_httpd_call(&srv, add_queue, srv.d);
	tu_httpd_call(&srv, defer_then_unroute, srv.d);
	ck_assert_str_eq(work_body, "queued at exit");
}
END_TEST

static Suite *route_suite(void)
{
	Suite *s = suite_create("httpd_route");
	TCase *tc = tcase_create("router");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, routes_answer, 0, (int)ARRAY_SIZE(route_cases));
	tcase_add_test(tc, keep_alive);
	tcase_add_test(tc, one_send_per_answer);
	tcase_add_test(tc, after_runs_once_the_answer_is_sent);
	tcase_add_test(tc, deferred_work_and_unroute);
	tcase_add_test(tc, unroute_runs_queued_work);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_set_level(LOG_FATAL);   /* the refused routes say so on stderr */
	return tu_run_suite(route_suite());
}
