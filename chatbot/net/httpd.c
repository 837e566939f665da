/* httpd.c - the listener, its connections and their limits; see httpd.h
 * (the route table and helpers are in httpd_route.c). */
#include "chatbot/net/httpd_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "chatbot/util/log.h"

/* how often deadlines are checked while connections are open */
#define HTTPD_SWEEP_MS 250
/* open files kept back from max_conns for the rest of the process */
#define HTTPD_FD_RESERVE 128

enum conn_state {
	CONN_WAIT,      /* waiting for (the rest of) a request's headers */
	CONN_BODY,      /* headers in, reading the body */
};

struct httpd_conn {
	struct httpd_conn *prev, *next;
	struct lws *wsi;
	enum conn_state state;
	long long deadline_ms;
	bool dying;               /* killed, waiting for lws to close it */
	bool expired;             /* body too slow: 408 when writable */
	unsigned method;
	char *path, *query;
	struct buf body;
	size_t max_body;
};

static const struct { enum lws_token_indexes tok; unsigned bit; } method_tokens[] = {
	{ WSI_TOKEN_GET_URI, HTTPD_GET },
	{ WSI_TOKEN_POST_URI, HTTPD_POST },
	{ WSI_TOKEN_PUT_URI, HTTPD_PUT },
	{ WSI_TOKEN_PATCH_URI, HTTPD_PATCH },
	{ WSI_TOKEN_DELETE_URI, HTTPD_DELETE },
	{ WSI_TOKEN_OPTIONS_URI, HTTPD_OPTIONS },
	{ WSI_TOKEN_HEAD_URI, HTTPD_HEAD },
};

/* ---- connections ---- */

static void sweep_arm(struct httpd *d)
{
	if (!d->gone && !d->sweep.pending)
		loop_timer_start(&d->sweep, HTTPD_SWEEP_MS);
}

static void conn_reset(struct httpd *d, struct httpd_conn *c)
{
	c->state = CONN_WAIT;
	c->deadline_ms = loop_now_ms() + d->lim.header_ms;
	c->expired = false;
	free(c->path);
	free(c->query);
	c->path = c->query = NULL;
	buf_release(&c->body);
}

static void conn_unlink(struct httpd_conn_list *l, struct httpd_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

static void conn_append(struct httpd_conn_list *l, struct httpd_conn *c)
{
	c->prev = l->tail;
	c->next = NULL;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

/* Closes c, cheaply: shutting both sides of its socket makes it readable
 * at end of input, so lws closes it as a link the peer ended on its next
 * turn (asking lws to kill it costs a timer insertion per connection, and
 * its close would wait for the peer, which an idle client never ends); a
 * zero linger resets the link instead of leaving it in the kernel.  Should
 * lws not close it within a second, the sweep has lws kill it. */
static void conn_kill(struct httpd *d, struct httpd_conn *c)
{
	struct linger lg = { 1, 0 };
	int fd;

	if (c->dying)
		return;
	c->dying = true;
	d->ndying++;
	conn_unlink(&d->live, c);
	conn_append(&d->dying, c);
	c->deadline_ms = loop_now_ms() + 1000;
	/* its lws timeout would stay in lws's sorted timer list, which every
	 * new connection's insertion walks */
	lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	fd = lws_get_socket_fd(c->wsi);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0 ||
	    shutdown(fd, SHUT_RDWR) < 0)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}


static struct httpd_conn *conn_new(struct httpd *d, struct lws *wsi)
{
	struct httpd_conn *c = xcalloc(1, sizeof(*c));

	c->wsi = wsi;
	buf_init(&c->body);
	conn_reset(d, c);
	conn_append(&d->live, c);
	d->nconns++;
	lws_set_opaque_user_data(wsi, c);
	sweep_arm(d);
	return c;
}

static void conn_gone(struct httpd *d, struct httpd_conn *c)
{
	conn_unlink(c->dying ? &d->dying : &d->live, c);
	d->nconns--;
	if (c->dying)
		d->ndying--;
	lws_set_opaque_user_data(c->wsi, NULL);
	free(c->path);
	free(c->query);
	buf_release(&c->body);
	free(c);
}

/* A new connection knocks: 0 lets it in.  At the cap it takes the place
 * of the connection idle longest that is not inside a request; when there
 * is none it is refused (lws closes it). */
static int conn_admit(struct httpd *d)
{
	if (d->nconns - d->ndying < d->max_conns)
		return 0;
	for (struct httpd_conn *c = d->live.head; c; c = c->next) {
		if (c->state == CONN_WAIT) {
			conn_kill(d, c);
			return 0;
		}
	}
	return 1;
}

static void on_sweep(void *arg)
{
	struct httpd *d = arg;
	long long now = loop_now_ms();
	struct httpd_conn *c, *next;

	for (c = d->dying.head; c; c = c->next) {
		if (now >= c->deadline_ms) {
			/* lws did not close it: have it killed */
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			c->deadline_ms = now + 60000;
		}
	}
	for (c = d->live.head; c; c = next) {
		next = c->next;   /* a kill moves c to the dying list */
		if (now < c->deadline_ms)
			continue;
		if (c->state == CONN_WAIT) {
			conn_kill(d, c);           /* headers too slow */
		} else if (!c->expired) {
			c->expired = true;         /* body too slow: 408 */
			c->deadline_ms = now + 1000;
			lws_callback_on_writable(c->wsi);
		} else {
			conn_kill(d, c);           /* not even writable */
		}
	}
	if (d->nconns)
		sweep_arm(d);
}

/* ---- answers ---- */

/* Writes the whole answer at once (to HEAD, the headers alone): headers
 * and body in one buffer and one write, so the client gets one segment
 * (and the loop makes one send) per answer; a small answer is built on
 * the stack.  Returns what the lws callback returns (-1 closes: after an
 * error that leaves unread input, or when asked). */
static int send_answer(struct lws *wsi, const struct httpd_response *res, unsigned allow,
		       bool close, bool head_only)
{
	unsigned char stack[LWS_PRE + 2048];
	size_t blen = head_only ? 0 : res->body.len;
	size_t room = 1024 + blen;
	unsigned char *head, *start, *p, *end;
	bool cache = false;
	int n, rc = -1;

	for (size_t i = 0; i < res->nheaders; i++)
		room += strlen(res->headers[i].name) + strlen(res->headers[i].value) + 8;
	head = LWS_PRE + room <= sizeof(stack) ? stack : xmalloc(LWS_PRE + room);
	start = p = head + LWS_PRE;
	end = head + LWS_PRE + room - blen - 1;
	if (lws_add_http_common_headers(wsi, (unsigned)res->status, res->ctype,
					res->body.len, &p, end))
		goto cleanup;
	if (allow) {
		char list[96];
		httpd_allow_string(allow, list, sizeof(list));
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)"allow:",
						(const unsigned char *)list, (int)strlen(list), &p, end))
			goto cleanup;
	}
	for (size_t i = 0; i < res->nheaders; i++) {
		char name[128];
		const struct httpd_header *h = &res->headers[i];

		if (strcmp(h->name, "cache-control") == 0)
			cache = true;
		snprintf(name, sizeof(name), "%s:", h->name);
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
						(const unsigned char *)h->value,
						(int)strlen(h->value), &p, end))
			goto cleanup;
	}
	if (!cache && lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
						  (const unsigned char *)"no-store", 8, &p, end))
		goto cleanup;
	if (close && lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
						 (const unsigned char *)"close", 5, &p, end))
		goto cleanup;
	if (lws_finalize_http_header(wsi, &p, end))
		goto cleanup;
	/* end kept blen bytes free past the headers */
	if (blen)
		memcpy(p, res->body.data, blen);
	p += blen;
	n = lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL);
	if (n < 0 || n != (int)(p - start))
		goto cleanup;
	rc = close ? -1 : (lws_http_transaction_completed(wsi) ? -1 : 0);
cleanup:
	if (head != stack)
		free(head);
	return rc;
}

static int send_status(struct lws *wsi, int status, const char *text, unsigned allow, bool close)
{
	struct httpd_response res;
	int rc;

	httpd_response_init(&res);
	res.status = status;
	buf_adds(&res.body, text);
	rc = send_answer(wsi, &res, allow, close, false);
	httpd_response_release(&res);
	return rc;
}

static int send_too_large(struct httpd_conn *c)
{
	struct buf text = BUF_INIT;
	int rc;

	buf_addf(&text, "the body is larger than %zu bytes\n", c->max_body);
	log_warn("httpd", "%s: a body over %zu bytes refused (413)", c->path ? c->path : "/", c->max_body);
	rc = send_status(c->wsi, 413, buf_str(&text), 0, true);
	buf_release(&text);
	return rc;
}

/* Answered: wait for the next request, as the most recently active. */
static void conn_next(struct httpd *d, struct httpd_conn *c)
{
	conn_reset(d, c);
	conn_unlink(&d->live, c);
	conn_append(&d->live, c);
}

/* The request is complete: route it and answer. */
static int conn_answer(struct httpd *d, struct httpd_conn *c)
{
	struct httpd_request req;
	struct httpd_response res;
	struct httpd_route *r;
	unsigned allowed;
	int rc;

	r = httpd_match(d, c->path, c->method, &allowed);
	if (!r) {
		rc = allowed ? send_status(c->wsi, 405, "method not allowed here\n", allowed, false)
			     : send_status(c->wsi, 404, "not found\n", 0, false);
		conn_next(d, c);
		return rc;
	}
	memset(&req, 0, sizeof(req));
	req.method = httpd_method_name(c->method);
	req.path = c->path;
	req.query = c->query ? c->query : "";
	req.body = buf_str(&c->body);
	req.body_len = c->body.len;
	req.wsi = c->wsi;
	req.route = r;
	httpd_response_init(&res);
	r->fn(r->arg, &req, &res);
	rc = send_answer(c->wsi, &res, 0, false, c->method == HTTPD_HEAD);
	httpd_response_release(&res);
	conn_next(d, c);
	/* last: the work may unroute r */
	if (res.after)
		res.after(res.after_arg);
	return rc;
}

/* The query, fragments joined by '&' (lws splits it), or NULL. */
static char *request_query(struct lws *wsi)
{
	struct buf q = BUF_INIT;
	char frag[1024];

	for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS,
					      i) > 0; i++) {
		if (i)
			buf_addc(&q, '&');
		buf_adds(&q, frag);
	}
	return q.len ? buf_detach(&q) : (buf_release(&q), NULL);
}

/* Headers are in (in: the path). */
static int on_request(struct httpd *d, struct httpd_conn *c, const char *path)
{
	char v[32];
	long long clen = -1;
	unsigned allowed;
	struct httpd_route *r;

	c->method = 0;
	for (size_t i = 0; i < ARRAY_SIZE(method_tokens); i++) {
		if (lws_hdr_total_length(c->wsi, method_tokens[i].tok) > 0) {
			c->method = method_tokens[i].bit;
			break;
		}
	}
	if (!c->method)
		return send_status(c->wsi, 501, "method not implemented\n", 0, true);
	free(c->path);
	free(c->query);
	c->path = xstrdup(path && *path ? path : "/");
	c->query = request_query(c->wsi);
	if (lws_hdr_copy(c->wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		clen = strtoll(v, NULL, 10);
	r = httpd_match(d, c->path, c->method, &allowed);
	/* a refused request's body is read (up to the default cap) and
	 * dropped before the answer, so the answer is not lost to a reset */
	c->max_body = r ? r->max_body : HTTPD_MAX_BODY;
	if (clen > (long long)c->max_body)
		return send_too_large(c);
	if (clen > 0 || lws_hdr_total_length(c->wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
		/* the body announced, in one allocation rather than grown; not
		 * past the default cap, so that a length announced and never sent
		 * holds no more memory than bytes that came */
		if (clen > 0)
			buf_grow(&c->body, clen < HTTPD_MAX_BODY ? (size_t)clen : HTTPD_MAX_BODY);
		c->state = CONN_BODY;
		c->deadline_ms = loop_now_ms() + d->lim.body_ms;
		return 0;
	}
	return conn_answer(d, c);
}

static int on_body(struct httpd_conn *c, const void *in, size_t len)
{
	if (c->state != CONN_BODY || c->expired)
		return 0;
	if (c->body.len + len > c->max_body)
		return send_too_large(c);
	buf_add(&c->body, in, len);
	return 0;
}

static int httpd_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			  void *in, size_t len)
{
	struct httpd *d;
	struct httpd_conn *c;

	(void)user;
	if (!wsi || !lws_get_vhost(wsi))
		return 0;
	d = lws_get_vhost_user(lws_get_vhost(wsi));
	if (!d)
		return 0;
	c = lws_get_opaque_user_data(wsi);
	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		return conn_admit(d);
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		if (!c)
			conn_new(d, wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (c)
			conn_gone(d, c);
		return 0;
	case LWS_CALLBACK_HTTP:
		if (!c)
			c = conn_new(d, wsi);
		return on_request(d, c, in);
	case LWS_CALLBACK_HTTP_BODY:
		return c ? on_body(c, in, len) : -1;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!c || c->state != CONN_BODY || c->expired)
			return 0;
		return conn_answer(d, c);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (c && c->expired)
			return send_status(wsi, 408, "the request took too long\n", 0, true);
		return 0;
	case LWS_CALLBACK_PROTOCOL_DESTROY:
		/* the context goes: its timers with it */
		loop_timer_cancel(&d->sweep);
		loop_timer_cancel(&d->work_timer);
		d->gone = true;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols httpd_protocols[] = {
	{ "govbot-http", httpd_callback, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Splits "HOST:PORT" / "[V6]:PORT" into a numeric address (into addr) and
 * a port, checking that this process can bind there now.  0, or -1 logged. */
static int resolve_listen(const char *listen, char *addr, size_t addrlen, int *port, int *family)
{
	const char *colon = strrchr(listen, ':'), *orig = listen;
	struct addrinfo hints, *ai = NULL;
	char host[256], *end;
	long p;
	int fd = -1, one = 1, rc = -1, e;
	size_t hl;

	if (!colon || colon == listen) {
		log_error("httpd", "http.listen \"%s\": not HOST:PORT (e.g. 127.0.0.1:8088)", listen);
		return -1;
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	hl = (size_t)(colon - listen);
	if (listen[0] == '[' && hl >= 2 && listen[hl - 1] == ']') {
		listen++;
		hl -= 2;
	}
	if (errno || *end || p < 1 || p > 65535 || hl == 0 || hl >= sizeof(host)) {
		log_error("httpd", "http.listen \"%s\": not HOST:PORT (e.g. 127.0.0.1:8088)", orig);
		return -1;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	e = getaddrinfo(host, NULL, &hints, &ai);
	if (e || !ai) {
		log_error("httpd", "http.listen: cannot resolve %s: %s", host, gai_strerror(e));
		goto cleanup;
	}
	((struct sockaddr_in *)ai->ai_addr)->sin_port = htons((unsigned short)p);
	if (ai->ai_family == AF_INET6)
		((struct sockaddr_in6 *)ai->ai_addr)->sin6_port = htons((unsigned short)p);
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, (socklen_t)addrlen, NULL, 0,
			NI_NUMERICHOST) != 0) {
		log_error("httpd", "http.listen: cannot use the address of %s", host);
		goto cleanup;
	}
	/* lws only says "failed"; try the bind first for the reason */
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		log_error("httpd", "http.listen: cannot listen on %s port %ld: %s", host, p,
			  strerror(errno));
		goto cleanup;
	}
	*port = (int)p;
	*family = ai->ai_family;
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	return rc;
}

static void on_work(void *arg)
{
	httpd_work_run(arg, NULL);
}

void httpd_set_limits(struct httpd *d, const struct httpd_limits *lim)
{
	struct rlimit rl;
	size_t budget = LOOP_MAX_FDS - HTTPD_FD_RESERVE;

	d->lim.header_ms = lim && lim->header_ms > 0 ? lim->header_ms : HTTPD_HEADER_MS;
	d->lim.body_ms = lim && lim->body_ms > 0 ? lim->body_ms : HTTPD_BODY_MS;
	d->lim.max_conns = lim && lim->max_conns ? lim->max_conns : HTTPD_MAX_CONNS;
	/* the loop raised the open-file limit as far as it could (loop.c) */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)budget + HTTPD_FD_RESERVE)
		budget = rl.rlim_cur > 2 * HTTPD_FD_RESERVE ? (size_t)rl.rlim_cur - HTTPD_FD_RESERVE
							     : HTTPD_FD_RESERVE;
	d->max_conns = d->lim.max_conns < budget ? d->lim.max_conns : budget;
}

size_t httpd_connections(const struct httpd *d)
{
	return d->nconns - d->ndying;
}

struct httpd *httpd_start(struct loop *loop, const char *listen)
{
	struct lws_context_creation_info info;
	struct httpd *d;
	char addr[INET6_ADDRSTRLEN + 8];
	int port = 0, family = AF_INET;

	if (resolve_listen(listen, addr, sizeof(addr), &port, &family) < 0)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->loop = loop;
	httpd_set_limits(d, NULL);
	loop_timer_init(&d->sweep, loop, on_sweep, d);
	loop_timer_init(&d->work_timer, loop, on_work, d);
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = addr;
	info.protocols = httpd_protocols;
	info.vhost_name = "govbot-http";
	info.user = d;
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	if (family == AF_INET)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	/* our own deadlines (header_ms, body_ms) govern, not lws's */
	info.timeout_secs_ah_idle = 600;
	info.keepalive_timeout = 600;
	info.gid = -1;
	info.uid = -1;
	d->vhost = lws_create_vhost(loop_lws(loop), &info);
	if (!d->vhost) {
		log_error("httpd", "http.listen: cannot listen on %s", listen);
		free(d);
		return NULL;
	}
	log_info("httpd", "listening on http://%s (at most %zu connections)", listen, d->max_conns);
	return d;
}

void httpd_free(struct httpd *d)
{
	if (!d)
		return;
	while (d->work_head) {
		struct httpd_work *w = d->work_head;
		d->work_head = w->next;
		log_warn("httpd", "work deferred by %s dropped at exit", w->route->path);
		free(w->body);
		free(w);
	}
	while (d->routes) {
		struct httpd_route *r = d->routes;
		d->routes = r->next;
		free(r->path);
		free(r);
	}
	/* the context closed every connection (WSI_DESTROY); any left has
	 * no wsi to tell any more */
	while (d->live.head || d->dying.head) {
		struct httpd_conn *c = d->live.head ? d->live.head : d->dying.head;
		conn_unlink(d->live.head ? &d->live : &d->dying, c);
		free(c->path);
		free(c->query);
		buf_release(&c->body);
		free(c);
	}
	free(d);
}
