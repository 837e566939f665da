/*
 * http.h - outgoing HTTP(S) for every adapter, on the loop thread, never
 * blocking it.
 *
 * A curl multi handle runs through its socket interface on the loop
 * thread: curl's sockets sit in an epoll set whose own descriptor is
 * adopted by the loop (chatbot/net/loop.h), so one readable fd tells the
 * loop that some transfer can move, and a pass touches only the sockets
 * that are ready; curl's timer is a loop timer.  Requests submitted during
 * a pass go out together on the next one; every completion callback runs on
 * the loop thread, never inside http_submit() or http_cancel().  No thread,
 * no queue, no wake-up between threads per request (the worker thread this
 * replaced cost two thread wake-ups and a context switch or three per
 * request).  curl never blocks: names are resolved by its threaded resolver,
 * connects and TLS handshakes are non-blocking.  Idle connections are kept
 * for reuse (HTTP_MAX_CONNECTS, keep-alive) and easy handles are pooled
 * with their constant options set once.  A slow or failing request
 * therefore never blocks the loop or another adapter.
 *
 * Retries are the client's: HTTP 429 pauses every request with the same
 * rate_key and retries after the delay the server asked for: the
 * Retry-After header, else what the request's retry_delay_ms hook reads from
 * the body (Matrix's retry_after_ms, Discourse's extras.wait_seconds), else
 * 1 s.  5xx and network errors retry with exponential backoff and jitter
 * (base $GOVBOT_HTTP_BACKOFF_MS, default 500 ms, cap 30 s), up to
 * max_attempts in all.  The callback sees only the final outcome.
 *
 * Rate keys: a pause covers every request with the same rate_key (default:
 * the url).  Give one key to every URL the server limits together: Matrix
 * send URLs differ per message (room, txn id), so a Matrix adapter passes
 * e.g. "matrix:send" rather than letting each URL be its own key.  A pause
 * ends when its time passes and is then forgotten (the table holds only
 * pauses still running, at most HTTP_MAX_PAUSES keys; past that, the one
 * ending soonest gives way).
 *
 * Cancelling: http_submit() returns an id; http_cancel() aborts that request
 * at once (its transfer leaves curl, or its wait ends) and its callback runs
 * once with status 0 and error "cancelled".  A long poll (long_poll true,
 * e.g. a 30 s Matrix /sync) is cancelled at once by http_free() instead of
 * being waited for during the grace period.
 *
 * Ownership: http_new() returns a client freed by http_free().  Everything
 * in a request is copied at submit; a response's strings are borrowed for
 * the duration of the callback.
 */
#ifndef GOVBOT_HTTP_H
#define GOVBOT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/net/loop.h"

struct http;

/* A request's id: 0 is never one. */
typedef unsigned long long http_id;

/* Most 429-paused keys remembered at once. */
#define HTTP_MAX_PAUSES 1024

/* On a 429 without Retry-After: the delay the body asks for, in ms, or -1
 * when it names none.  Runs on the loop thread, inside the client: read
 * only its arguments (no submitting, no cancelling).  body is
 * NUL-terminated, borrowed. */
typedef long http_retry_delay_fn(const char *body, size_t len);

struct http_request {
	const char *method;            /* "GET" (default), "POST", "PUT" */
	const char *url;
	const char *const *headers;    /* "Name: value", NULL-terminated, or NULL */
	const char *body;              /* may be NULL */
	size_t body_len;
	const char *rate_key;          /* 429 pauses this key; NULL: the url */
	int max_attempts;              /* 0 or 1: no retry */
	long timeout_ms;               /* per attempt; 0: 30 s */
	bool long_poll;                /* http_free() cancels it at once */
	http_retry_delay_fn *retry_delay_ms;  /* NULL: the body has no say */
};

struct http_response {
	long status;                   /* HTTP status, 0 when no response */
	const char *body;              /* NUL-terminated, borrowed; "" when none */
	size_t body_len;
	const char *error;             /* why status is 0 ("cancelled", curl's text), else NULL */
	int attempts;
	long retry_after_s;            /* last Retry-After seen, -1 when none */
};

typedef void http_done_fn(void *arg, const struct http_response *res);

/* A client on loop (loop thread only from here on).  NULL (logged) when
 * curl cannot start. */
struct http *http_new(struct loop *loop);
/* Cancels every long poll, waits up to grace_ms (servicing the loop) for
 * the other requests in flight, cancels the rest; every
 * callback not yet run runs now, on the calling (loop) thread, with status
 * 0 and error "cancelled" for the cancelled ones. */
void http_free(struct http *h, long grace_ms);

/* Queues a request; done(arg, res) runs exactly once, on the loop thread.
 * Returns the request's id (for http_cancel). */
http_id http_submit(struct http *h, const struct http_request *req, http_done_fn *done, void *arg);
/* Loop thread: http_hold() keeps the requests submitted from now on back
 * until http_release() lets them all go at once.  The host holds a loop pass's answers until the events they
 * answer are recorded (chatbot/host/host.c).  http_free() releases. */
void http_hold(struct http *h);
void http_release(struct http *h);
/* Loop thread: aborts request id if its callback has not run yet; the
 * callback then runs once, soon, with status 0 and error "cancelled" (even
 * if the answer had just arrived).  Returns false (and does nothing) when
 * id is not pending: unknown, or its callback already ran. */
bool http_cancel(struct http *h, http_id id);
/* Requests submitted whose callback has not run yet (loop thread). */
size_t http_pending(const struct http *h);
/* 429 pauses still running, by key (any thread; for tests and metrics). */
size_t http_paused_keys(const struct http *h);

#endif
