/* tu_httpd.h - what the HTTP listener's tests share: a free port, plain
 * sockets that send a request and read what comes back, and an in-process
 * listener (chatbot/net/httpd.h) whose loop runs on a thread of its own
 * while the test talks to it over 127.0.0.1.  static inline, as testutil.h. */
#ifndef GOVBOT_TU_HTTPD_H
#define GOVBOT_TU_HTTPD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "chatbot/net/httpd.h"
#include "chatbot/net/loop.h"
#include "testutil.h"

/* A port nobody listens on right now (bound to 0, then released). */
static inline int tu_free_port(void)
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

/* A connected socket to 127.0.0.1:port, or -1 when nothing listens. */
static inline int tu_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline void tu_send(int fd, const char *data, size_t len)
{
	ck_assert_int_eq(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Reads fd into got (when not NULL) until the peer closes it; returns the
 * milliseconds that took, or -1 when it was still open after ms. */
static inline long long tu_wait_closed(int fd, long long ms, struct buf *got)
{
	long long t0 = tu_now_ms(), deadline = t0 + ms;

	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		long long left = deadline - tu_now_ms();
		char chunk[4096];
		ssize_t n;

		if (left <= 0)
			return -1;
		if (poll(&pf, 1, (int)left) <= 0)
			continue;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n <= 0)
			return tu_now_ms() - t0;
		if (got)
			buf_add(got, chunk, (size_t)n);
	}
}

/* Sends request to 127.0.0.1:port and reads the whole answer into resp
 * (the request asks the server to close).  -1 when nothing listens. */
static inline int tu_http_raw(int port, const char *request, struct buf *resp)
{
	int fd = tu_connect(port);

	if (fd < 0)
		return -1;
	tu_send(fd, request, strlen(request));
	buf_reset(resp);
	ck_assert_msg(tu_wait_closed(fd, 5000, resp) >= 0, "no complete answer to %s", request);
	close(fd);
	return 0;
}

/* ---- an in-process listener ---- */

struct tu_httpd {
	struct loop *loop;
	struct httpd *d;
	int port;
	pthread_t th;
	atomic_bool stop;
};

static inline void *tu_httpd_main(void *arg)
{
	struct tu_httpd *s = arg;

	while (!atomic_load(&s->stop))
		loop_service(s->loop, 50);
	return NULL;
}

/* Listens on a free port with lim (NULL: the defaults); add routes, then
 * tu_httpd_run(). */
static inline void tu_httpd_start(struct tu_httpd *s, const struct httpd_limits *lim)
{
	char listen[64];

	memset(s, 0, sizeof(*s));
	s->loop = loop_new_tls(false);
	ck_assert_ptr_nonnull(s->loop);
	s->port = tu_free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", s->port);
	s->d = httpd_start(s->loop, listen);
	ck_assert_ptr_nonnull(s->d);
	httpd_set_limits(s->d, lim);
}

static inline void tu_httpd_run(struct tu_httpd *s)
{
	atomic_init(&s->stop, false);
	ck_assert_int_eq(pthread_create(&s->th, NULL, tu_httpd_main, s), 0);
}

static inline void tu_httpd_stop(struct tu_httpd *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
	loop_free(s->loop);
	httpd_free(s->d);
}

/* Runs fn(arg) on the loop thread and waits until it has (5 s). */
struct tu_call {
	loop_fn *fn;
	void *arg;
	atomic_bool done;
};

static inline void tu_call_main(void *arg)
{
	struct tu_call *c = arg;
	c->fn(c->arg);
	atomic_store(&c->done, true);
}

static inline void tu_httpd_call(struct tu_httpd *s, loop_fn *fn, void *arg)
{
	struct tu_call c = { fn, arg, false };
	long long deadline = tu_now_ms() + 5000;

	loop_post(s->loop, tu_call_main, &c);
	while (!atomic_load(&c.done)) {
		ck_assert_msg(tu_now_ms() < deadline, "the loop did not run the call");
		poll(NULL, 0, 5);
	}
}

#endif
