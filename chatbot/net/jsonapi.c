/* jsonapi.c - see jsonapi.h. */
#include "chatbot/net/jsonapi.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "chatbot/util/util.h"

struct jsonapi_call {
	jsonapi_classify_fn *classify;
	jsonapi_done_fn *done;
	void *arg;
};

void jsonapi_classify(const struct http_response *r, jsonapi_classify_fn *classify,
		      struct jsonapi_result *res, cJSON **json, char *errbuf, size_t errlen)
{
	*json = r->status && r->body_len ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
	res->status = r->status;
	res->json = *json;
	res->http = r;
	res->retry_after_ms = -1;
	res->error = NULL;
	if (r->status == 0) {
		res->outcome = JSONAPI_RETRY;
		res->error = r->error ? r->error : "no response";
	} else if (r->status == 429) {
		res->outcome = JSONAPI_RETRY_AFTER;
		res->retry_after_ms = r->retry_after_s >= 0 ? r->retry_after_s * 1000LL : -1;
		res->error = "ratelimited";
	} else if (r->status < 200 || r->status >= 300) {
		res->outcome = r->status >= 500 ? JSONAPI_RETRY : JSONAPI_FATAL;
		snprintf(errbuf, errlen, "HTTP %ld", r->status);
		res->error = errbuf;
	} else {
		res->outcome = JSONAPI_OK;
	}
	if (classify)
		classify(res, errbuf, errlen);
}

static void jsonapi_http_done(void *arg, const struct http_response *r)
{
	struct jsonapi_call *call = arg;
	struct jsonapi_result res;
	char err[160];
	cJSON *json;

	jsonapi_classify(r, call->classify, &res, &json, err, sizeof(err));
	call->done(call->arg, &res);
	cJSON_Delete(json);
	free(call);
}

http_id jsonapi_call(struct http *http, const struct http_request *rq,
		     jsonapi_classify_fn *classify, jsonapi_done_fn *done, void *arg)
{
	struct jsonapi_call *call = xmalloc(sizeof(*call));

	call->classify = classify;
	call->done = done;
	call->arg = arg;
	return http_submit(http, rq, jsonapi_http_done, call);
}
