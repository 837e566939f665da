/*
 * jsonapi.h - JSON-over-HTTP calls for adapters, on top of http_submit():
 * the body is parsed once, and one per-platform function classifies every
 * answer as ok / retry / retry-after / fatal, so that each adapter writes
 * its error parser once and its callbacks only read the outcome.
 *
 * Before the platform's classifier runs, the answer is classified by HTTP
 * alone: no response -> JSONAPI_RETRY ("no response" or curl's text); 429
 * -> JSONAPI_RETRY_AFTER (Retry-After, or -1 when absent); 5xx ->
 * JSONAPI_RETRY; other non-2xx -> JSONAPI_FATAL; 2xx -> JSONAPI_OK.  The
 * classifier may change any of that (Slack answers errors with HTTP 200
 * and {"ok": false, "error": "..."}; Matrix puts retry_after_ms in the
 * body).
 *
 * Ownership: everything in a struct jsonapi_result is borrowed for the
 * duration of the done callback.
 */
#ifndef GOVBOT_JSONAPI_H
#define GOVBOT_JSONAPI_H

#include <stddef.h>

#include "chatbot/net/http.h"

struct cJSON;

enum jsonapi_outcome {
	JSONAPI_OK,
	JSONAPI_RETRY,         /* worth retrying after a backoff step */
	JSONAPI_RETRY_AFTER,   /* retry after retry_after_ms (when >= 0) */
	JSONAPI_FATAL,         /* retrying cannot help (bad token, bad request) */
};

struct jsonapi_result {
	enum jsonapi_outcome outcome;
	long status;                 /* HTTP status, 0 when no response */
	const struct cJSON *json;    /* the parsed body, or NULL (none, or not JSON) */
	const char *error;           /* what went wrong ("invalid_auth", "HTTP 500"),
				      * or NULL when ok */
	long long retry_after_ms;    /* JSONAPI_RETRY_AFTER's delay, else -1 */
	const struct http_response *http;
};

/* A platform's error parser: refines res (outcome, error, retry_after_ms)
 * from the HTTP answer and the parsed body.  error may point into res->json
 * or into errbuf (errlen bytes). */
typedef void jsonapi_classify_fn(struct jsonapi_result *res, char *errbuf, size_t errlen);

typedef void jsonapi_done_fn(void *arg, const struct jsonapi_result *res);

/* Submits rq through http; done(arg, result) runs once, on the loop thread.
 * Returns the request's id, for http_cancel() (a cancelled call is done
 * with JSONAPI_RETRY and error "cancelled"). */
http_id jsonapi_call(struct http *http, const struct http_request *rq,
		     jsonapi_classify_fn *classify, jsonapi_done_fn *done, void *arg);

/* Runs the HTTP-only classification, then classify, on a response already
 * received (what jsonapi_call's callback does; tests call it directly).
 * *json receives the parsed body (caller frees with cJSON_Delete). */
void jsonapi_classify(const struct http_response *r, jsonapi_classify_fn *classify,
		      struct jsonapi_result *res, struct cJSON **json, char *errbuf, size_t errlen);

#endif
