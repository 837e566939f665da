/* test_http.c - chatbot/net/http.c against a small HTTP server on 127.0.0.1. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chatbot/net/http.h"
#include "chatbot/net/loop.h"
#include "chatbot/util/util.h"
#include "tests/testutil.h"

/* ---- the server: one accept thread, one thread a connection ---- */

struct srv {
	int fd;
	int port;
	pthread_t th;
	atomic_bool stop;
	atomic_int active;
	atomic_int hits_429, hits_503, hits_total, hits_429body;
	atomic_int accepts;             /* connections accepted */
};

struct conn_arg {
	struct srv *s;
	int fd;
};

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, int status, const char *extra, const char *body, size_t blen)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
			 status, blen, extra ? extra : "");
	send_all(fd, head, (size_t)n);
	send_all(fd, body, blen);
}

static void *conn_main(void *arg)
{
	struct conn_arg *c = arg;
	struct srv *s = c->s;
	struct buf req = BUF_INIT;
	char tmp[4096], path[256] = "";
	size_t hdr_end = 0, clen = 0;

next_request:
	for (;;) {
		ssize_t n = recv(c->fd, tmp, sizeof(tmp), 0);
		char *p;
		if (n <= 0)
			goto done;
		buf_add(&req, tmp, (size_t)n);
		if (!hdr_end && (p = strstr(req.data, "\r\n\r\n"))) {
			char *cl = strcasestr(req.data, "content-length:");
			hdr_end = (size_t)(p - req.data) + 4;
			if (cl && cl < p)
				clen = strtoul(cl + 15, NULL, 10);
		}
		if (hdr_end && req.len >= hdr_end + clen)
			break;
	}
	sscanf(req.data, "%*s %255s", path);
	atomic_fetch_add(&s->hits_total, 1);
	if (strcmp(path, "/ka/echo") == 0) {
		/* keep-alive, as a real server: "METHOD body", and the
		 * connection stays open for the next request */
		char method[16] = "", head[256];
		struct buf out = BUF_INIT;
		int hn;

		sscanf(req.data, "%15s", method);
		buf_addf(&out, "%s %.*s", method, (int)clen, req.data + hdr_end);
		hn = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			      "Connection: keep-alive\r\n\r\n", out.len);
		send_all(c->fd, head, (size_t)hn);
		send_all(c->fd, out.data, out.len);
		buf_release(&out);
		buf_reset(&req);
		hdr_end = clen = 0;
		goto next_request;
	}
	if (strcmp(path, "/ok") == 0) {
		respond(c->fd, 200, NULL, "hello", 5);
	} else if (strcmp(path, "/echo") == 0) {
		respond(c->fd, 200, NULL, req.data, req.len);
	} else if (strcmp(path, "/429once") == 0) {
		if (atomic_fetch_add(&s->hits_429, 1) == 0)
			respond(c->fd, 429, "Retry-After: 1\r\n", "{\"ok\":false,\"error\":\"ratelimited\"}", 35);
		else
			respond(c->fd, 200, NULL, "after429", 8);
	} else if (strcmp(path, "/429body") == 0) {
		/* Matrix's way: no Retry-After, the delay in the body */
		static const char lim[] = "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":1500}";
		if (atomic_fetch_add(&s->hits_429body, 1) == 0)
			respond(c->fd, 429, NULL, lim, sizeof(lim) - 1);
		else
			respond(c->fd, 200, NULL, "afterbody", 9);
	} else if (strcmp(path, "/429long") == 0) {
		atomic_fetch_add(&s->hits_429, 1);
		respond(c->fd, 429, "Retry-After: 60\r\n", "", 0);
	} else if (strcmp(path, "/503once") == 0) {
		if (atomic_fetch_add(&s->hits_503, 1) == 0)
			respond(c->fd, 503, NULL, "busy", 4);
		else
			respond(c->fd, 200, NULL, "after503", 8);
	} else if (strcmp(path, "/503always") == 0) {
		atomic_fetch_add(&s->hits_503, 1);
		respond(c->fd, 503, NULL, "busy", 4);
	} else if (strcmp(path, "/slow") == 0) {
		for (int i = 0; i < 100 && !atomic_load(&s->stop); i++)
			usleep(20000);
		respond(c->fd, 200, NULL, "slow", 4);
	} else if (strncmp(path, "/n/", 3) == 0) {
		respond(c->fd, 200, NULL, path + 3, strlen(path + 3));
	} else {
		respond(c->fd, 404, NULL, "", 0);
	}
done:
	close(c->fd);
	buf_release(&req);
	free(c);
	atomic_fetch_sub(&s->active, 1);
	return NULL;
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;

	while (!atomic_load(&s->stop)) {
		struct pollfd pfd = { s->fd, POLLIN, 0 };
		struct conn_arg *c;
		pthread_t th;
		int fd;

		if (poll(&pfd, 1, 20) <= 0)
			continue;
		fd = accept(s->fd, NULL, NULL);
		if (fd < 0)
			continue;
		atomic_fetch_add(&s->accepts, 1);
		c = xmalloc(sizeof(*c));
		c->s = s;
		c->fd = fd;
		atomic_fetch_add(&s->active, 1);
		if (pthread_create(&th, NULL, conn_main, c) != 0) {
			atomic_fetch_sub(&s->active, 1);
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(th);
	}
	return NULL;
}

static int listen_any(int *port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 512), 0);
	getsockname(fd, (struct sockaddr *)&a, &alen);
	*port = ntohs(a.sin_port);
	return fd;
}

static void srv_start(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = listen_any(&s->port);
	pthread_create(&s->th, NULL, srv_main, s);
}

static void srv_stop(struct srv *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
	for (int i = 0; i < 500 && atomic_load(&s->active); i++)
		usleep(10000);
	close(s->fd);
}

/* ---- the client side ---- */

struct result {
	long status;
	char body[256];
	char error[128];
	int attempts;
	long long at_ms;
	bool done;
};

struct ctx {
	struct loop *loop;
	int want, got;
	struct result *res;
};

static pthread_t loop_thread;
static atomic_int off_loop_calls;

struct req_ref {
	struct ctx *c;
	int i;
};

static void on_done(void *arg, const struct http_response *r)
{
	struct req_ref *ref = arg;
	struct result *res = &ref->c->res[ref->i];

	if (!pthread_equal(pthread_self(), loop_thread))
		atomic_fetch_add(&off_loop_calls, 1);
	res->status = r->status;
	snprintf(res->body, sizeof(res->body), "%s", r->body);
	snprintf(res->error, sizeof(res->error), "%s", r->error ? r->error : "");
	res->attempts = r->attempts;
	res->at_ms = loop_now_ms();
	res->done = true;
	if (++ref->c->got == ref->c->want)
		loop_stop(ref->c->loop, 0);
}

static void on_guard(void *arg)
{
	loop_stop(arg, 99);
}

static int run_until_done(struct ctx *c, long long ms)
{
	struct loop_timer t;
	int rc;

	loop_timer_init(&t, c->loop, on_guard, c->loop);
	loop_timer_start(&t, ms);
	rc = loop_run(c->loop);
	loop_timer_cancel(&t);
	return rc;
}

static char *url(const struct srv *s, const char *path)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "http://127.0.0.1:%d%s", s->port, path);
	return buf_detach(&b);
}

/* One request and its expected outcome. */
struct one_case {
	const char *path;
	int max_attempts;
	long status;
	const char *body;
	int attempts;
	long long min_ms;   /* at least this long (Retry-After, backoff) */
};

static const struct one_case one_cases[] = {
	{ "/ok", 1, 200, "hello", 1, 0 },
	{ "/429once", 3, 200, "after429", 2, 950 },
	{ "/503once", 3, 200, "after503", 2, 0 },
	{ "/503always", 3, 503, "busy", 3, 0 },
	{ "/503once", 1, 503, "busy", 1, 0 },
	{ "/missing", 3, 404, "", 1, 0 },
};

START_TEST(one_request)
{
	const struct one_case *tc = &one_cases[_i];
	struct srv s;
	struct result res[1];
	struct ctx c = { .want = 1, .res = res };
	struct req_ref ref = { &c, 0 };
	struct http_request rq = { 0 };
	struct http *h;
	char *u;
	long long t0;

	setenv("GOVBOT_HTTP_BACKOFF_MS", "20", 1);
	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	h = http_new(c.loop);
	ck_assert_ptr_nonnull(h);
	u = url(&s, tc->path);
	rq.url = u;
	rq.max_attempts = tc->max_attempts;
	t0 = loop_now_ms();
	http_submit(h, &rq, on_done, &ref);
	ck_assert_int_eq(http_pending(h), 1);
	ck_assert_int_eq(run_until_done(&c, 10000), 0);
	ck_assert(res[0].done);
	ck_assert_int_eq(res[0].status, tc->status);
	ck_assert_str_eq(res[0].body, tc->body);
	ck_assert_int_eq(res[0].attempts, tc->attempts);
	ck_assert_int_ge(res[0].at_ms - t0, tc->min_ms);
	ck_assert_int_eq(http_pending(h), 0);
	http_free(h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(u);
}
END_TEST

START_TEST(post_sends_headers_and_body)
{
	struct srv s;
	struct result res[1];
	struct ctx c = { .want = 1, .res = res };
	struct req_ref ref = { &c, 0 };
	const char *hdrs[] = { "Authorization: Bearer xoxb-test", "Content-Type: application/json", NULL };
	struct http_request rq = { 0 };
	struct http *h;
	char *u;

	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	h = http_new(c.loop);
	u = url(&s, "/echo");
	rq.method = "POST";
	rq.url = u;
	rq.headers = hdrs;
	rq.body = "{\"x\":1}";
	rq.body_len = 7;
	http_submit(h, &rq, on_done, &ref);
	ck_assert_int_eq(run_until_done(&c, 5000), 0);
	ck_assert_int_eq(res[0].status, 200);
	ck_assert_ptr_nonnull(strstr(res[0].body, "POST /echo HTTP/1.1"));
	ck_assert_ptr_nonnull(strstr(res[0].body, "Authorization: Bearer xoxb-test"));
	ck_assert_ptr_nonnull(strstr(res[0].body, "\r\n\r\n{\"x\":1}"));
	http_free(h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(u);
}
END_TEST

START_TEST(connection_refused)
{
	struct result res[1];
	struct ctx c = { .want = 1, .res = res };
	struct req_ref ref = { &c, 0 };
	struct http_request rq = { 0 };
	struct http *h;
	int port, fd = listen_any(&port);
	struct buf u = BUF_INIT;

	close(fd);  /* nobody listens there now */
	setenv("GOVBOT_HTTP_BACKOFF_MS", "10", 1);
	memset(res, 0, sizeof(res));
	c.loop = loop_new();
	h = http_new(c.loop);
	buf_addf(&u, "http://127.0.0.1:%d/ok", port);
	rq.url = buf_str(&u);
	rq.max_attempts = 2;
	http_submit(h, &rq, on_done, &ref);
	ck_assert_int_eq(run_until_done(&c, 5000), 0);
	ck_assert_int_eq(res[0].status, 0);
	ck_assert_int_eq(res[0].attempts, 2);
	ck_assert_str_ne(res[0].error, "");
	ck_assert_str_ne(res[0].error, "cancelled");
	http_free(h, 0);
	loop_free(c.loop);
	buf_release(&u);
}
END_TEST

#define MANY 200

START_TEST(many_concurrent)
{
	struct srv s;
	struct result *res = xcalloc(MANY, sizeof(*res));
	struct req_ref *refs = xcalloc(MANY, sizeof(*refs));
	struct ctx c = { .want = MANY, .res = res };
	struct http *h;

	srv_start(&s);
	c.loop = loop_new();
	h = http_new(c.loop);
	for (int i = 0; i < MANY; i++) {
		struct http_request rq = { 0 };
		char path[32];
		char *u;

		snprintf(path, sizeof(path), "/n/%d", i);
		u = url(&s, path);
		rq.url = u;
		rq.max_attempts = 3;
		refs[i].c = &c;
		refs[i].i = i;
		http_submit(h, &rq, on_done, &refs[i]);
		free(u);   /* copied at submit */
	}
	ck_assert_int_eq(http_pending(h), MANY);
	ck_assert_int_eq(run_until_done(&c, 15000), 0);
	for (int i = 0; i < MANY; i++) {
		char want[16];
		snprintf(want, sizeof(want), "%d", i);
		ck_assert_int_eq(res[i].status, 200);
		ck_assert_str_eq(res[i].body, want);
	}
	ck_assert_int_eq(http_pending(h), 0);
	/* every completion ran on the loop thread */
	ck_assert_int_eq(atomic_load(&off_loop_calls), 0);
	http_free(h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(res);
	free(refs);
}
END_TEST

/* Sequential requests to one host, one after another's answer, mixing
 * methods. */
struct seq {
	struct ctx *c;
	struct http *h;
	char *url;
	int next;
	char bodies[5][64];
};

static const struct {
	const char *method, *body, *want;
} seq_reqs[] = {
	{ "GET", NULL, "GET " },
	{ "PUT", "{\"a\":1}", "PUT {\"a\":1}" },
	{ "GET", NULL, "GET " },   /* a pooled handle that did a PUT goes back to GET */
	{ "POST", "b=2", "POST b=2" },
	{ "GET", NULL, "GET " },
};

static void seq_submit(struct seq *q);

static void on_seq(void *arg, const struct http_response *r)
{
	struct seq *q = arg;

	snprintf(q->bodies[q->next], sizeof(q->bodies[0]), "%ld %s", r->status, r->body);
	if (++q->next < (int)ARRAY_SIZE(seq_reqs))
		seq_submit(q);
	else
		loop_stop(q->c->loop, 0);
}

static void seq_submit(struct seq *q)
{
	struct http_request rq = { 0 };

	rq.method = seq_reqs[q->next].method;
	rq.url = q->url;
	rq.body = seq_reqs[q->next].body;
	rq.body_len = rq.body ? strlen(rq.body) : 0;
	http_submit(q->h, &rq, on_seq, q);
}

/* A server that keeps connections alive sees one connection for requests
 * that follow each other, and each request has its own method and body
 * (easy handles are reused without a reset). */
START_TEST(keepalive_one_connection)
{
	struct srv s;
	struct ctx c = { 0 };
	struct seq q = { 0 };

	srv_start(&s);
	c.loop = loop_new();
	q.c = &c;
	q.h = http_new(c.loop);
	q.url = url(&s, "/ka/echo");
	seq_submit(&q);
	ck_assert_int_eq(run_until_done(&c, 10000), 0);
	for (size_t i = 0; i < ARRAY_SIZE(seq_reqs); i++) {
		char want[80];
		snprintf(want, sizeof(want), "200 %s", seq_reqs[i].want);
		ck_assert_str_eq(q.bodies[i], want);
	}
	ck_assert_int_eq(atomic_load(&s.accepts), 1);
	ck_assert_int_eq(atomic_load(&s.hits_total), (int)ARRAY_SIZE(seq_reqs));
	http_free(q.h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(q.url);
}
END_TEST

START_TEST(free_cancels_in_flight)
{
	struct srv s;
	struct result res[2];
	struct ctx c = { .want = 2, .res = res };
	struct req_ref refs[2] = { { &c, 0 }, { &c, 1 } };
	struct http_request rq = { 0 };
	struct http *h;
	char *slow, *ok;
	long long t0;

	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	h = http_new(c.loop);
	slow = url(&s, "/slow");
	ok = url(&s, "/ok");
	rq.url = ok;
	http_submit(h, &rq, on_done, &refs[0]);
	rq.url = slow;
	http_submit(h, &rq, on_done, &refs[1]);
	t0 = loop_now_ms();
	/* the grace period lets /ok finish; /slow is cancelled */
	http_free(h, 300);
	ck_assert_int_lt(loop_now_ms() - t0, 1500);
	ck_assert(res[0].done && res[1].done);
	ck_assert_int_eq(res[0].status, 200);
	ck_assert_int_eq(res[1].status, 0);
	ck_assert_str_eq(res[1].error, "cancelled");
	loop_free(c.loop);
	srv_stop(&s);
	free(slow);
	free(ok);
}
END_TEST


/* A 429 pauses every request of its rate key, not the others. */
struct later {
	struct http *h;
	struct srv *s;
	struct req_ref *refs;
	long long at_ms;
	char *urls[2];
};

static void submit_later(void *arg)
{
	struct later *l = arg;
	struct http_request rq = { 0 };

	l->at_ms = loop_now_ms();
	rq.url = l->urls[0];
	rq.rate_key = "slack:chat.postMessage";
	http_submit(l->h, &rq, on_done, &l->refs[1]);
	rq.rate_key = "slack:auth.test";
	http_submit(l->h, &rq, on_done, &l->refs[2]);
}

START_TEST(rate_limit_pauses_its_key)
{
	struct srv s;
	struct result res[3];
	struct ctx c = { .want = 3, .res = res };
	struct req_ref refs[3] = { { &c, 0 }, { &c, 1 }, { &c, 2 } };
	struct http_request rq = { 0 };
	struct later l;
	struct loop_timer t;
	char *u429;

	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	l.h = http_new(c.loop);
	l.s = &s;
	l.refs = refs;
	l.urls[0] = url(&s, "/ok");
	u429 = url(&s, "/429once");
	rq.url = u429;
	rq.rate_key = "slack:chat.postMessage";
	rq.max_attempts = 3;
	http_submit(l.h, &rq, on_done, &refs[0]);
	loop_timer_init(&t, c.loop, submit_later, &l);
	loop_timer_start(&t, 300);   /* well after the 429 came back */
	ck_assert_int_eq(run_until_done(&c, 10000), 0);
	ck_assert_int_eq(res[0].status, 200);
	ck_assert_int_eq(res[1].status, 200);
	ck_assert_int_eq(res[2].status, 200);
	/* same key: waited for the pause (1 s from the 429); other key: at once */
	ck_assert_int_ge(res[1].at_ms - l.at_ms, 500);
	ck_assert_int_lt(res[2].at_ms - l.at_ms, 500);
	http_free(l.h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(u429);
	free(l.urls[0]);
}
END_TEST

/* ---- cancelling, long polls, pauses that end, body retry delays ---- */

struct canceller {
	struct http *h;
	http_id id;
	long long at_ms;
	bool ok;
};

static void cancel_now(void *arg)
{
	struct canceller *k = arg;

	k->at_ms = loop_now_ms();
	k->ok = http_cancel(k->h, k->id);
}

/* A request in flight (the server answers after 2 s) or waiting for its
 * retry (backoff 2 s) is dropped as soon as it is cancelled. */
static const struct { const char *path; int max_attempts; int attempts; } cancel_cases[] = {
	{ "/slow", 1, 0 },
	{ "/503always", 5, 1 },
};

START_TEST(cancel_is_prompt)
{
	struct srv s;
	struct result res[1];
	struct ctx c = { .want = 1, .res = res };
	struct req_ref ref = { &c, 0 };
	struct http_request rq = { 0 };
	struct canceller k = { 0 };
	struct loop_timer t;
	char *u;

	setenv("GOVBOT_HTTP_BACKOFF_MS", "2000", 1);
	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	k.h = http_new(c.loop);
	u = url(&s, cancel_cases[_i].path);
	rq.url = u;
	rq.max_attempts = cancel_cases[_i].max_attempts;
	k.id = http_submit(k.h, &rq, on_done, &ref);
	ck_assert_uint_ne(k.id, 0);
	loop_timer_init(&t, c.loop, cancel_now, &k);
	loop_timer_start(&t, 300);
	ck_assert_int_eq(run_until_done(&c, 10000), 0);
	ck_assert(k.ok);
	ck_assert_int_eq(res[0].status, 0);
	ck_assert_str_eq(res[0].error, "cancelled");
	ck_assert_int_eq(res[0].attempts, cancel_cases[_i].attempts);
	ck_assert_int_lt(res[0].at_ms - k.at_ms, 300);
	/* its callback ran: nothing left to cancel */
	ck_assert(!http_cancel(k.h, k.id));
	ck_assert(!http_cancel(k.h, k.id + 100));
	ck_assert_int_eq(http_pending(k.h), 0);
	http_free(k.h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(u);
	setenv("GOVBOT_HTTP_BACKOFF_MS", "20", 1);
}
END_TEST

/* Shutdown does not wait out a long poll: a grace of 5 s, a /sync-like
 * request the server holds for 2 s, and http_free() is back at once, the
 * ordinary request that finished in time delivered. */
START_TEST(free_cancels_long_poll_at_once)
{
	struct srv s;
	struct result res[2];
	struct ctx c = { .want = 2, .res = res };
	struct req_ref refs[2] = { { &c, 0 }, { &c, 1 } };
	struct http_request rq = { 0 };
	struct http *h;
	char *slow, *ok;
	long long t0;

	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	h = http_new(c.loop);
	slow = url(&s, "/slow");
	ok = url(&s, "/ok");
	rq.url = slow;
	rq.long_poll = true;
	http_submit(h, &rq, on_done, &refs[1]);
	rq.url = ok;
	rq.long_poll = false;
	http_submit(h, &rq, on_done, &refs[0]);
	t0 = loop_now_ms();
	http_free(h, 5000);
	ck_assert_int_lt(loop_now_ms() - t0, 1000);
	ck_assert(res[0].done && res[1].done);
	ck_assert_int_eq(res[0].status, 200);
	ck_assert_str_eq(res[1].error, "cancelled");
	loop_free(c.loop);
	srv_stop(&s);
	free(slow);
	free(ok);
}
END_TEST

/* A 429 pause ends with its time and is then forgotten: a request on the
 * same key after it goes at once and the pause table is empty again. */
struct pause_probe {
	struct http *h;
	struct ctx *c;
	struct req_ref *ref;
	char *url;
	size_t during;
	long long at_ms;
};

static void probe_during(void *arg)
{
	struct pause_probe *p = arg;
	p->during = http_paused_keys(p->h);
}

static void submit_after(void *arg)
{
	struct pause_probe *p = arg;
	struct http_request rq = { 0 };

	rq.url = p->url;
	rq.rate_key = "matrix:send";
	p->at_ms = loop_now_ms();
	http_submit(p->h, &rq, on_done, p->ref);
}

START_TEST(pause_expires)
{
	struct srv s;
	struct result res[2];
	struct ctx c = { .want = 2, .res = res };
	struct req_ref refs[2] = { { &c, 0 }, { &c, 1 } };
	struct http_request rq = { 0 };
	struct pause_probe p = { 0 };
	struct loop_timer t1, t2;
	char *u429;

	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	p.h = http_new(c.loop);
	p.c = &c;
	p.ref = &refs[1];
	p.url = url(&s, "/ok");
	u429 = url(&s, "/429once");
	rq.url = u429;
	rq.rate_key = "matrix:send";
	rq.max_attempts = 2;
	http_submit(p.h, &rq, on_done, &refs[0]);
	loop_timer_init(&t1, c.loop, probe_during, &p);
	loop_timer_start(&t1, 400);       /* inside the 1 s pause */
	loop_timer_init(&t2, c.loop, submit_after, &p);
	loop_timer_start(&t2, 1600);      /* after it */
	ck_assert_int_eq(run_until_done(&c, 10000), 0);
	ck_assert_int_eq(p.during, 1);
	ck_assert_int_eq(res[0].status, 200);
	ck_assert_int_eq(res[1].status, 200);
	ck_assert_int_lt(res[1].at_ms - p.at_ms, 500);
	ck_assert_int_eq(http_paused_keys(p.h), 0);
	http_free(p.h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(u429);
	free(p.url);
}
END_TEST

/* More keys paused at once than the table holds: it stays at its cap. */
#define MANY_KEYS (HTTP_MAX_PAUSES + 40)

START_TEST(pause_table_capped)
{
	struct srv s;
	struct result *res = xcalloc(MANY_KEYS, sizeof(*res));
	struct req_ref *refs = xcalloc(MANY_KEYS, sizeof(*refs));
	struct ctx c = { .want = MANY_KEYS, .res = res };
	struct http *h;
	char *u;
	long long deadline;
	struct rlimit rl;

	/* up to two sockets a key at once (the client's, the server's) */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2 * MANY_KEYS + 256) {
		ck_assert_msg(rl.rlim_max >= 2 * MANY_KEYS + 256, "the hard open-file limit is %llu",
			      (unsigned long long)rl.rlim_max);
		rl.rlim_cur = 2 * MANY_KEYS + 256;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	srv_start(&s);
	c.loop = loop_new();
	h = http_new(c.loop);
	u = url(&s, "/429long");
	for (int i = 0; i < MANY_KEYS; i++) {
		struct http_request rq = { 0 };
		char key[32];

		snprintf(key, sizeof(key), "room:%d", i);
		rq.url = u;
		rq.rate_key = key;
		rq.max_attempts = 2;
		refs[i].c = &c;
		refs[i].i = i;
		http_submit(h, &rq, on_done, &refs[i]);
	}
	/* every request met its 429 (each now waits 60 s on its own key) */
	deadline = loop_now_ms() + 20000;
	while (atomic_load(&s.hits_429) < MANY_KEYS || http_paused_keys(h) < HTTP_MAX_PAUSES) {
		ck_assert_msg(loop_now_ms() < deadline, "%d answers, %zu keys paused",
			      atomic_load(&s.hits_429), http_paused_keys(h));
		ck_assert_int_le(http_paused_keys(h), HTTP_MAX_PAUSES);
		loop_service(c.loop, 20);
	}
	loop_service(c.loop, 100);
	ck_assert_int_eq(http_paused_keys(h), HTTP_MAX_PAUSES);
	http_free(h, 0);   /* cancels the waits */
	for (int i = 0; i < MANY_KEYS; i++)
		ck_assert_str_eq(res[i].error, "cancelled");
	loop_free(c.loop);
	srv_stop(&s);
	free(u);
	free(res);
	free(refs);
}
END_TEST

/* Matrix's retry_after_ms, read by the request's hook. */
static long matrix_retry_after(const char *body, size_t len)
{
	const char *p = strstr(body, "\"retry_after_ms\":");

	(void)len;
	return p ? strtol(p + 17, NULL, 10) : -1;
}

START_TEST(body_retry_delay_honoured)
{
	struct srv s;
	struct result res[1];
	struct ctx c = { .want = 1, .res = res };
	struct req_ref ref = { &c, 0 };
	struct http_request rq = { 0 };
	struct http *h;
	char *u;
	long long t0;

	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	h = http_new(c.loop);
	u = url(&s, "/429body");
	rq.url = u;
	rq.max_attempts = 2;
	rq.retry_delay_ms = matrix_retry_after;
	t0 = loop_now_ms();
	http_submit(h, &rq, on_done, &ref);
	ck_assert_int_eq(run_until_done(&c, 10000), 0);
	ck_assert_int_eq(res[0].status, 200);
	ck_assert_str_eq(res[0].body, "afterbody");
	ck_assert_int_eq(res[0].attempts, 2);
	/* 1.5 s as the body said, not the 1 s default */
	ck_assert_int_ge(res[0].at_ms - t0, 1450);
	http_free(h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(u);
}
END_TEST

/* http_hold(): what is submitted stays in the process (the server sees
 * nothing, no callback runs) until http_release() hands it all over. */
START_TEST(hold_until_release)
{
	struct srv s;
	struct result res[3];
	struct req_ref refs[3];
	struct ctx c = { .want = 3, .res = res };
	struct http *h;
	char *u;

	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	h = http_new(c.loop);
	u = url(&s, "/ok");
	http_hold(h);
	for (int i = 0; i < 3; i++) {
		struct http_request rq = { 0 };
		rq.url = u;
		refs[i].c = &c;
		refs[i].i = i;
		http_submit(h, &rq, on_done, &refs[i]);
	}
	ck_assert_int_eq(http_pending(h), 3);
	/* a bounded look: held, nothing may arrive (the guard ends the run) */
	ck_assert_int_eq(run_until_done(&c, 300), 99);
	ck_assert_int_eq(atomic_load(&s.hits_total), 0);
	ck_assert_int_eq(c.got, 0);
	http_release(h);
	ck_assert_int_eq(run_until_done(&c, 10000), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(res[i].status, 200);
	ck_assert_int_eq(atomic_load(&s.hits_total), 3);
	/* released: the next one goes at once */
	ck_assert_int_eq(http_pending(h), 0);
	http_free(h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(u);
}
END_TEST

/* A request cancelled while held never reaches the server. */
START_TEST(cancel_while_held)
{
	struct srv s;
	struct result res[1];
	struct req_ref ref;
	struct ctx c = { .want = 1, .res = res };
	struct http_request rq = { 0 };
	struct http *h;
	char *u;

	memset(res, 0, sizeof(res));
	srv_start(&s);
	c.loop = loop_new();
	h = http_new(c.loop);
	u = url(&s, "/ok");
	rq.url = u;
	ref.c = &c;
	ref.i = 0;
	http_hold(h);
	http_id id = http_submit(h, &rq, on_done, &ref);
	ck_assert(http_cancel(h, id));
	http_release(h);
	ck_assert_int_eq(run_until_done(&c, 10000), 0);
	ck_assert_str_eq(res[0].error, "cancelled");
	ck_assert_int_eq(res[0].status, 0);
	ck_assert_int_eq(atomic_load(&s.hits_total), 0);
	http_free(h, 0);
	loop_free(c.loop);
	srv_stop(&s);
	free(u);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("worker");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, one_request, 0, (int)ARRAY_SIZE(one_cases));
	tcase_add_test(tc, post_sends_headers_and_body);
	tcase_add_test(tc, connection_refused);
	tcase_add_test(tc, many_concurrent);
	tcase_add_test(tc, keepalive_one_connection);
	tcase_add_test(tc, free_cancels_in_flight);
	tcase_add_test(tc, rate_limit_pauses_its_key);
	tcase_add_loop_test(tc, cancel_is_prompt, 0, (int)ARRAY_SIZE(cancel_cases));
	tcase_add_test(tc, free_cancels_long_poll_at_once);
	tcase_add_test(tc, pause_expires);
	tcase_add_test(tc, pause_table_capped);
	tcase_add_test(tc, body_retry_delay_honoured);
	tcase_add_test(tc, hold_until_release);
	tcase_add_test(tc, cancel_while_held);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	loop_thread = pthread_self();
	return tu_run_suite(http_suite());
}
