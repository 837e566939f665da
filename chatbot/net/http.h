/*
 * http.h - outgoing HTTP(S) for every adapter, off the loop thread.
 *
 * One worker thread runs a curl multi handle (curl_multi_poll, woken by
 * curl_multi_wakeup when a request is queued).  Requests go in through one
 * mutex-protected queue; results come back through another, and the worker
 * wakes the loop (loop_wake -> lws_cancel_service) so that every completion
 * callback runs on the loop thread.  A slow or failing request therefore
 * never blocks the loop or another adapter.
 *
 * Retries are the worker's: HTTP 429 pauses every request with the same
 * rate_key for Retry-After seconds (default 1 s without the header) and
 * retries; 5xx and network errors retry with exponential backoff and jitter
 * (base $GOVBOT_HTTP_BACKOFF_MS, default 500 ms, cap 30 s), up to
 * max_attempts in all.  The callback sees only the final outcome.
 *
 * Ownership: http_new() returns a client freed by http_free().  Everything
 * in a request is copied at submit; a response's strings are borrowed for
 * the duration of the callback.
 */
#ifndef GOVBOT_HTTP_H
#define GOVBOT_HTTP_H

#include <stddef.h>

#include "chatbot/net/loop.h"

struct http;

struct http_request {
	const char *method;            /* "GET" (default), "POST", "PUT" */
	const char *url;
	const char *const *headers;    /* "Name: value", NULL-terminated, or NULL */
	const char *body;              /* may be NULL */
	size_t body_len;
	const char *rate_key;          /* 429 pauses this key; NULL: the url */
	int max_attempts;              /* 0 or 1: no retry */
	long timeout_ms;               /* per attempt; 0: 30 s */
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

/* Starts the worker.  NULL (logged) when curl cannot start. */
struct http *http_new(struct loop *loop);
/* Waits up to grace_ms (servicing the loop) for requests in flight, cancels
 * the rest, joins the worker; every callback not yet run runs now, on the
 * calling (loop) thread, with status 0 and error "cancelled" for the
 * cancelled ones. */
void http_free(struct http *h, long grace_ms);

/* Queues a request; done(arg, res) runs exactly once, on the loop thread. */
void http_submit(struct http *h, const struct http_request *req, http_done_fn *done, void *arg);
/* Requests submitted whose callback has not run yet (loop thread). */
size_t http_pending(const struct http *h);

#endif
