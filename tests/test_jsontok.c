/* test_jsontok.c - chatbot/util/jsontok.c: the allocation-free tokenizer
 * agrees with cJSON on what is JSON and on every string's value, finds
 * members by key, and asks for more tokens rather than failing. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/util/jsontok.h"
#include "tests/testutil.h"

static const char *const valid[] = {
	"{}", "[]", "0", "-1.5e+3", "\"x\"", "true", "false", "null", " { \"a\" : [1, 2, {\"b\": null}] } ",
	"{\"type\":\"slash_commands\",\"envelope_id\":\"e1\",\"payload\":{\"text\":\"who \\\"nn\\\"\"},"
	"\"accepts_response_payload\":true}",
	"\"\\u00e9\\ud83d\\ude00\\n\\t\\/\\\\\"",
};

static const char *const invalid[] = {
	"", " ", "{", "}", "[1,]", "{\"a\"}", "{\"a\":}", "{a:1}", "01", "1.", "1e", "-", "tru", "nul",
	"\"abc", "\"a\x01\"", "\"\\x\"", "\"\\u12g4\"", "{} {}", "[1 2]", "{\"a\":1,}", "'a'",
};

START_TEST(accepts_json)
{
	struct jsontok tok[64];
	struct jsontok_doc doc;

	ck_assert_msg(jsontok_parse(&doc, valid[_i], strlen(valid[_i]), tok, 64) == 0, "%s", valid[_i]);
}
END_TEST

START_TEST(rejects_non_json)
{
	struct jsontok tok[64];
	struct jsontok_doc doc;

	ck_assert_msg(jsontok_parse(&doc, invalid[_i], strlen(invalid[_i]), tok, 64) == -1, "%s",
		      invalid[_i]);
}
END_TEST

START_TEST(too_deep_is_rejected)
{
	char text[2 * JSONTOK_MAX_DEPTH + 8];
	struct jsontok tok[256];
	struct jsontok_doc doc;
	size_t n = 0;

	for (int i = 0; i < JSONTOK_MAX_DEPTH + 1; i++)
		text[n++] = '[';
	for (int i = 0; i < JSONTOK_MAX_DEPTH + 1; i++)
		text[n++] = ']';
	ck_assert_int_eq(jsontok_parse(&doc, text, n, tok, 256), -1);
}
END_TEST

START_TEST(members_and_strings)
{
	const char *text = valid[9];
	struct jsontok tok[64];
	struct jsontok_doc doc;
	struct buf out = BUF_INIT;
	int p;

	ck_assert_int_eq(jsontok_parse(&doc, text, strlen(text), tok, 64), 0);
	ck_assert_int_eq(doc.tok[0].type, JSONTOK_OBJECT);
	ck_assert_uint_eq(doc.tok[0].size, 4);
	buf_grow(&out, doc.len + 1);
	long type = jsontok_str(&doc, jsontok_get(&doc, 0, "type"), &out);
	long env = jsontok_str(&doc, jsontok_get(&doc, 0, "envelope_id"), &out);
	p = jsontok_get(&doc, 0, "payload");
	long t = jsontok_str(&doc, jsontok_get(&doc, p, "text"), &out);
	ck_assert_str_eq(out.data + type, "slash_commands");
	ck_assert_str_eq(out.data + env, "e1");
	ck_assert_str_eq(out.data + t, "who \"nn\"");
	ck_assert(jsontok_true(&doc, jsontok_get(&doc, 0, "accepts_response_payload")));
	ck_assert_int_eq(jsontok_get(&doc, 0, "missing"), -1);
	ck_assert_int_eq(jsontok_get(&doc, 0, "text"), -1);      /* only direct members */
	ck_assert_int_eq(jsontok_str(&doc, p, &out), -1);        /* not a string */
	buf_release(&out);
}
END_TEST

/* Every string decodes as cJSON decodes it (escapes, \u, surrogate pairs). */
START_TEST(strings_agree_with_cjson)
{
	static const char *const strings[] = {
		"\"plain\"", "\"\\u00e9t\\u00E9\"", "\"\\ud83d\\ude00 ok\"", "\"a\\nb\\tc\\rd\\be\\ff\"",
		"\"\\/\\\\\\\"\"", "\"名前\"", "\"\"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
		struct jsontok tok[4];
		struct jsontok_doc doc;
		struct buf out = BUF_INIT;
		cJSON *c = cJSON_Parse(strings[i]);

		ck_assert_int_eq(jsontok_parse(&doc, strings[i], strlen(strings[i]), tok, 4), 0);
		long off = jsontok_str(&doc, 0, &out);
		ck_assert_int_ge(off, 0);
		ck_assert_str_eq(out.data + off, c->valuestring);
		ck_assert_uint_le(strlen(out.data + off), strlen(strings[i]));
		cJSON_Delete(c);
		buf_release(&out);
	}
}
END_TEST

START_TEST(more_tokens_are_asked_for)
{
	const char *text = "[1,2,3,4,5,6,7,8]";
	struct jsontok tok[9];
	struct jsontok_doc doc;

	ck_assert_int_eq(jsontok_parse(&doc, text, strlen(text), tok, 4), -2);
	ck_assert_int_eq(jsontok_parse(&doc, text, strlen(text), tok, 9), 0);
	ck_assert_uint_eq(doc.ntok, 9);
	ck_assert_uint_eq(doc.tok[0].size, 8);
	ck_assert_uint_eq(doc.tok[0].next, 9);
}
END_TEST

/* json_plain_len() against the byte-by-byte definition: every byte value
 * at every position of strings long enough for the 8-byte steps. */
START_TEST(plain_len_matches_bytewise)
{
	char s[19];

	for (int v = 0; v < 256; v++) {
		for (size_t at = 0; at < sizeof(s); at++) {
			memset(s, 'a', sizeof(s));
			s[at] = (char)v;
			size_t want = sizeof(s);
			for (size_t i = 0; i < sizeof(s); i++) {
				unsigned char c = (unsigned char)s[i];
				if (c < 0x20 || c == '"' || c == '\\') {
					want = i;
					break;
				}
			}
			ck_assert_uint_eq(json_plain_len(s, sizeof(s)), want);
			ck_assert_uint_eq(json_plain_len(s, at), at);   /* never past n */
		}
	}
}
END_TEST

static Suite *jsontok_suite(void)
{
	Suite *s = suite_create("jsontok");
	TCase *tc = tcase_create("tokens");

	tcase_add_loop_test(tc, accepts_json, 0, (int)ARRAY_SIZE(valid));
	tcase_add_loop_test(tc, rejects_non_json, 0, (int)ARRAY_SIZE(invalid));
	tcase_add_test(tc, too_deep_is_rejected);
	tcase_add_test(tc, members_and_strings);
	tcase_add_test(tc, strings_agree_with_cjson);
	tcase_add_test(tc, more_tokens_are_asked_for);
	tcase_add_test(tc, plain_len_matches_bytewise);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(jsontok_suite());
}
