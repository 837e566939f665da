/* test_backoff.c - chatbot/net/backoff.c and jsonapi.c's classification:
 * delays double up to the cap with 50-100% jitter, the reconnect policy
 * (fatal / retry-after / backoff, reset once a link served), and how an
 * HTTP answer is classified before and after a platform's parser. */
#include <check.h>
#include <cjson/cJSON.h>
#include <string.h>

#include "chatbot/net/backoff.h"
#include "chatbot/net/jsonapi.h"
#include "tests/testutil.h"

START_TEST(delays_double_with_jitter_up_to_the_cap)
{
	unsigned rng = 12345;

	for (int attempt = 1; attempt <= 12; attempt++) {
		long long step = 100LL << (attempt - 1);
		if (step > 5000)
			step = 5000;
		for (int k = 0; k < 200; k++) {
			long long d = backoff_delay(100, 5000, attempt, &rng);
			ck_assert_int_ge(d, step / 2);
			ck_assert_int_le(d, step);
		}
	}
	/* the jitter spreads: not every delay is the same */
	long long first = backoff_delay(1000, 60000, 3, &rng);
	bool differs = false;
	for (int k = 0; k < 50 && !differs; k++)
		differs = backoff_delay(1000, 60000, 3, &rng) != first;
	ck_assert(differs);
}
END_TEST

START_TEST(reconnect_policy)
{
	struct reconnect r;

	reconnect_init(&r, 1000, 60000, 10000);
	ck_assert_int_eq(reconnect_after(&r, RECONNECT_FATAL, -1), -1);
	long long d1 = reconnect_after(&r, RECONNECT_BACKOFF, -1);
	ck_assert(d1 >= 500 && d1 <= 1000);
	long long d2 = reconnect_after(&r, RECONNECT_BACKOFF, -1);
	ck_assert(d2 >= 1000 && d2 <= 2000);
	/* the server's delay is taken as it is, and still counts */
	ck_assert_int_eq(reconnect_after(&r, RECONNECT_RETRY_AFTER, 7000), 7000);
	long long d4 = reconnect_after(&r, RECONNECT_BACKOFF, -1);
	ck_assert(d4 >= 4000 && d4 <= 8000);
	/* no delay given: the backoff step */
	long long d5 = reconnect_after(&r, RECONNECT_RETRY_AFTER, -1);
	ck_assert(d5 >= 8000 && d5 <= 16000);
	/* a link that died young keeps backing off; one that served resets it */
	ck_assert(!reconnect_served(&r, 9999));
	long long d6 = reconnect_after(&r, RECONNECT_BACKOFF, -1);
	ck_assert(d6 >= 16000 && d6 <= 32000);
	ck_assert(reconnect_served(&r, 10000));
	d1 = reconnect_after(&r, RECONNECT_BACKOFF, -1);
	ck_assert(d1 >= 500 && d1 <= 1000);
	/* asked to slow down: at least that many steps */
	reconnect_ok(&r);
	reconnect_at_least(&r, 2);
	long long d3 = reconnect_after(&r, RECONNECT_BACKOFF, -1);
	ck_assert(d3 >= 2000 && d3 <= 4000);
}
END_TEST

/* A platform parser for the test: {"ok": false, "error": "bad_token"} is
 * fatal, {"ok": false, "retry_ms": N} is retry-after. */
static void test_classify(struct jsonapi_result *res, char *err, size_t errlen)
{
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(res->json, "ok");
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(res->json, "retry_ms");

	if (!res->json)
		return;
	if (cJSON_IsTrue(ok)) {
		res->outcome = JSONAPI_OK;
		res->error = NULL;
	} else if (cJSON_IsNumber(ms)) {
		res->outcome = JSONAPI_RETRY_AFTER;
		res->retry_after_ms = (long long)ms->valuedouble;
		snprintf(err, errlen, "busy");
		res->error = err;
	} else {
		res->outcome = JSONAPI_FATAL;
		res->error = "bad_token";
	}
}

static const struct {
	long status;
	const char *body;
	long retry_after_s;
	jsonapi_classify_fn *classify;
	enum jsonapi_outcome outcome;
	const char *error;
	long long retry_after_ms;
} answers[] = {
	{ 0, "", -1, NULL, JSONAPI_RETRY, "no response", -1 },
	{ 429, "", 3, NULL, JSONAPI_RETRY_AFTER, "ratelimited", 3000 },
	{ 429, "", -1, NULL, JSONAPI_RETRY_AFTER, "ratelimited", -1 },
	{ 503, "", -1, NULL, JSONAPI_RETRY, "HTTP 503", -1 },
	{ 404, "", -1, NULL, JSONAPI_FATAL, "HTTP 404", -1 },
	{ 200, "{\"x\": 1}", -1, NULL, JSONAPI_OK, NULL, -1 },
	{ 200, "{\"ok\": true}", -1, test_classify, JSONAPI_OK, NULL, -1 },
	{ 200, "{\"ok\": false}", -1, test_classify, JSONAPI_FATAL, "bad_token", -1 },
	{ 200, "{\"ok\": false, \"retry_ms\": 250}", -1, test_classify, JSONAPI_RETRY_AFTER, "busy", 250 },
	{ 200, "not json", -1, test_classify, JSONAPI_OK, NULL, -1 },
};

START_TEST(answers_are_classified)
{
	struct http_response r = {
		.status = answers[_i].status, .body = answers[_i].body,
		.body_len = strlen(answers[_i].body), .retry_after_s = answers[_i].retry_after_s,
	};
	struct jsonapi_result res;
	cJSON *json = NULL;
	char err[64];

	jsonapi_classify(&r, answers[_i].classify, &res, &json, err, sizeof(err));
	ck_assert_int_eq(res.outcome, answers[_i].outcome);
	if (answers[_i].error)
		ck_assert_str_eq(res.error, answers[_i].error);
	else
		ck_assert_ptr_null(res.error);
	ck_assert_int_eq(res.retry_after_ms, answers[_i].retry_after_ms);
	ck_assert_int_eq(res.status, answers[_i].status);
	cJSON_Delete(json);
}
END_TEST

static Suite *backoff_suite(void)
{
	Suite *s = suite_create("backoff");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, delays_double_with_jitter_up_to_the_cap);
	tcase_add_test(tc, reconnect_policy);
	tcase_add_loop_test(tc, answers_are_classified, 0, (int)ARRAY_SIZE(answers));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(backoff_suite());
}
