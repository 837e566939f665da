/* test_ratelimit.c - chatbot/bot/ratelimit.c: the per-identity command
 * rate (a token bucket an identity), kept for many identities at once. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "chatbot/bot/ratelimit.h"
#include "tests/testutil.h"

#define BURST 10
#define EVERY 3

START_TEST(test_burst_then_one_every)
{
	struct ratelimit *r = ratelimit_new(BURST, EVERY);
	for (int i = 0; i < BURST; i++)
		ck_assert_int_eq(ratelimit_take(r, "slack:U1", 100), 0);
	ck_assert_int_eq(ratelimit_take(r, "slack:U1", 100), EVERY);
	ck_assert_int_eq(ratelimit_take(r, "slack:U1", 101), EVERY - 1);   /* nothing taken */
	ck_assert_int_eq(ratelimit_take(r, "slack:U1", 103), 0);
	ck_assert_int_eq(ratelimit_take(r, "slack:U1", 103), EVERY);
	/* after a long quiet, the whole burst again, and no more */
	for (int i = 0; i < BURST; i++)
		ck_assert_int_eq(ratelimit_take(r, "slack:U1", 1000), 0);
	ck_assert_int_gt(ratelimit_take(r, "slack:U1", 1000), 0);
	/* the clock going back starts the wait over, never lets more through */
	ck_assert_int_gt(ratelimit_take(r, "slack:U1", 500), 0);
	ratelimit_free(r);
}
END_TEST

/* Each identity has its own bucket: ids that differ in one byte, in
 * case, or by a prefix are not the same, however many are kept. */
START_TEST(test_identities_apart)
{
	struct ratelimit *r = ratelimit_new(BURST, EVERY);
	char id[300];
	for (int i = 0; i < BURST; i++)
		ck_assert_int_eq(ratelimit_take(r, "slack:U1", 100), 0);
	ck_assert_int_gt(ratelimit_take(r, "slack:U1", 100), 0);
	ck_assert_int_eq(ratelimit_take(r, "slack:u1", 100), 0);
	ck_assert_int_eq(ratelimit_take(r, "slack:U10", 100), 0);
	ck_assert_int_eq(ratelimit_take(r, "matrix:U1", 100), 0);
	/* a long id (up to the identity limit) is kept whole */
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	memcpy(id, "slack:", 6);
	for (int i = 0; i < BURST; i++)
		ck_assert_int_eq(ratelimit_take(r, id, 100), 0);
	ck_assert_int_gt(ratelimit_take(r, id, 100), 0);
	id[sizeof(id) - 2] = 'b';
	ck_assert_int_eq(ratelimit_take(r, id, 100), 0);
	/* thousands of identities, each counted on its own */
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < RATELIMIT_MAX_IDS / 2; i++) {
			snprintf(id, sizeof(id), "slack:U%07d", i);
			ck_assert_int_eq(ratelimit_take(r, id, 100), 0);
		}
	for (int i = 0; i < RATELIMIT_MAX_IDS / 2; i++) {
		snprintf(id, sizeof(id), "slack:U%07d", i);
		for (int k = 3; k < BURST; k++)
			ck_assert_int_eq(ratelimit_take(r, id, 100), 0);
		ck_assert_int_gt(ratelimit_take(r, id, 100), 0);
	}
	ck_assert_int_gt(ratelimit_take(r, "slack:U1", 100), 0);
	ratelimit_free(r);
}
END_TEST

/* A full table forgets the identities whose bucket has refilled first: one
 * still held back stays held back while first-time callers pour in. */
START_TEST(test_full_table_keeps_the_limited)
{
	struct ratelimit *r = ratelimit_new(BURST, EVERY);
	char id[64];
	for (int i = 0; i < RATELIMIT_MAX_IDS - 1; i++) {
		snprintf(id, sizeof(id), "slack:U%07d", i);
		ck_assert_int_eq(ratelimit_take(r, id, 100), 0);
	}
	for (int i = 0; i < BURST; i++)
		ck_assert_int_eq(ratelimit_take(r, "slack:HOT", 200), 0);
	for (int i = 0; i < 2 * RATELIMIT_MAX_IDS; i++) {
		snprintf(id, sizeof(id), "slack:N%07d", i);
		ck_assert_int_eq(ratelimit_take(r, id, 200), 0);
		if (i % 1000 == 0 && i < RATELIMIT_MAX_IDS - 1)
			ck_assert_int_gt(ratelimit_take(r, "slack:HOT", 200), 0);
	}
	ratelimit_free(r);
}
END_TEST

static Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("ratelimit");
	tcase_add_test(tc, test_burst_then_one_every);
	tcase_add_test(tc, test_identities_apart);
	tcase_add_test(tc, test_full_table_keeps_the_limited);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(ratelimit_suite());
}
