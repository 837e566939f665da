/*
 * httpd.h - the bot's own HTTP listener (config "http.listen"): a small
 * router on the shared loop (chatbot/net/loop.h).
 *
 * Routes are registered by whoever owns them: the host registers GET
 * /healthz and GET /metrics (chatbot/host/host_http.c), an adapter its
 * webhook (POST /discourse, with a body cap), the web pages their GET
 * paths.  A route is a set of methods and a path, exact ("/healthz") or a
 * prefix, written with a final '*' (the path "/items/" then '*' matches
 * "/items/" and everything under it); an exact
 * route wins over a prefix, a longer prefix over a shorter.  A path with
 * no route answers 404; a path whose routes lack the method answers 405
 * with Allow naming the methods registered for that path.
 *
 * A handler runs on the loop thread once the request is complete (headers
 * and body), answers at once by filling in the response (status, content
 * type, body, extra headers), and must not block: work that takes time is
 * queued with httpd_defer(), which owns a copy of the body, or named in the
 * response's after hook, which runs as soon as the answer is sent, in the
 * same loop pass (a webhook's 2xx first, then its work).
 *
 * Hardening (every limit is per listener, see struct httpd_limits):
 *   - headers must be complete within header_ms of connecting (or of the
 *     previous answer on a kept-alive connection), else the connection is
 *     closed;
 *   - a body must arrive within body_ms of its headers, else 408;
 *   - a body longer than its route's max_body is refused with 413 (at once
 *     when Content-Length says so) and the connection closed;
 *   - at most max_conns connections at once: past it, a new connection
 *     takes the place of the oldest one that has not sent a complete
 *     request (an idle or half-sent one), or is closed at once when every
 *     connection is inside a request.  So thousands of idle connections
 *     cost at most max_conns sockets and never keep /healthz from answering.
 *
 * Ownership: httpd_start() returns a listener freed by httpd_free(), which
 * must come after loop_free() (the vhost lives in the loop's context and
 * its callbacks use the listener until the context is gone).  Route
 * strings are copied.  A request and everything in it are borrowed for the
 * duration of the handler.
 */
#ifndef GOVBOT_HTTPD_H
#define GOVBOT_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/net/loop.h"
#include "chatbot/util/util.h"

struct httpd;
struct httpd_route;

/* Defaults of struct httpd_limits. */
#define HTTPD_HEADER_MS 5000
#define HTTPD_BODY_MS 10000
#define HTTPD_MAX_CONNS 256
/* A route's body cap when it gives 0; also the most read of a body that
 * is then refused (404, 405). */
#define HTTPD_MAX_BODY (64u * 1024)
/* Extra headers one response may carry. */
#define HTTPD_MAX_HEADERS 8

struct httpd_limits {
	long header_ms;       /* complete headers within this; 0: HTTPD_HEADER_MS */
	long body_ms;         /* the whole body within this after them; 0: HTTPD_BODY_MS */
	size_t max_conns;     /* connections at once; 0: HTTPD_MAX_CONNS, lowered to
			       * what the process's open-file limit allows */
};

struct httpd_request {
	const char *method;   /* "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD" */
	const char *path;     /* without the query; starts with '/' */
	const char *query;    /* after '?' ("a=1&b=2"), "" when none */
	const char *body;     /* NUL-terminated; "" when none */
	size_t body_len;
	/* private */
	struct lws *wsi;
	struct httpd_route *route;
};

struct httpd_header {
	char *name;           /* lower case, without ':' */
	char *value;
};

typedef void httpd_after_fn(void *arg);

struct httpd_response {
	int status;           /* 200 unless set */
	const char *ctype;    /* static; default "text/plain; charset=utf-8" */
	struct buf body;
	struct httpd_header headers[HTTPD_MAX_HEADERS];   /* httpd_add_header */
	size_t nheaders;
	/* when set, after(after_arg) runs on the loop right after the answer
	 * was handed to the socket (or could not be), before anything more is
	 * read: work a request accepted, done in the same loop pass as its
	 * answer and never before it */
	httpd_after_fn *after;
	void *after_arg;
};

typedef void httpd_handler_fn(void *arg, const struct httpd_request *req,
			      struct httpd_response *res);
/* Deferred work: body is the owned copy (NUL-terminated): free() it. */
typedef void httpd_work_fn(void *arg, char *body, size_t len);

/* Listens on listen ("HOST:PORT", "[V6]:PORT") on loop, with no route yet.
 * NULL (logged with the reason: not HOST:PORT, an unknown host, the port in
 * use) when it cannot. */
struct httpd *httpd_start(struct loop *loop, const char *listen);
/* Drops what routes and deferred work are left (after loop_free()). */
void httpd_free(struct httpd *d);
/* Replaces the limits (0 fields: the defaults); for tests and tuning. */
void httpd_set_limits(struct httpd *d, const struct httpd_limits *lim);
/* Connections open now (for tests and metrics). */
size_t httpd_connections(const struct httpd *d);

/* Registers fn(arg, ...) for methods ("GET", "GET,HEAD", "POST") on path
 * (to HEAD the handler answers as to GET: only the headers are sent)
 * (exact, or a prefix ending in '*'); bodies longer than max_body (0:
 * HTTPD_MAX_BODY) are refused with 413.  0, or -1 (logged) when a route
 * already serves one of these methods on that path, or the arguments are
 * not a method list and a path starting with '/'. */
int httpd_route(struct httpd *d, const char *methods, const char *path, size_t max_body,
		httpd_handler_fn *fn, void *arg);
/* Removes the route of path registered with fn and arg, after running now
 * the work it deferred that has not run yet (accepted work is never
 * dropped).  Not from inside that route's own handler. */
void httpd_unroute(struct httpd *d, const char *path, httpd_handler_fn *fn, void *arg);

/* Value of request header name (any case, without ':'; known or custom,
 * e.g. "x-discourse-event-signature") copied into out; returns its length,
 * or -1 when the request has no such header or it does not fit in size-1
 * bytes. */
int httpd_header(const struct httpd_request *req, const char *name, char *out, size_t size);

/* Adds a header to the answer (copied; name without ':'), e.g. "ETag",
 * "Last-Modified", "Location", "Cache-Control" (the default is
 * "no-store").  Past HTTPD_MAX_HEADERS it is dropped, logged. */
void httpd_add_header(struct httpd_response *res, const char *name, const char *value);
/* Conditional GET: sets res's ETag to etag (give it quoted: "\"v42\"");
 * when the request's If-None-Match names it (or "*"), makes res a 304
 * with no body and returns true: the handler then answers nothing more. */
bool httpd_not_modified(const struct httpd_request *req, struct httpd_response *res,
			const char *etag);

/* Queues fn(arg, copy of body, len) to run on the loop soon, after this
 * answer is written.  From a handler only (req is its request). */
void httpd_defer(const struct httpd_request *req, httpd_work_fn *fn, void *arg,
		 const char *body, size_t len);

#endif
