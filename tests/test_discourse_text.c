/* test_discourse_text.c - adapters/discourse.c's pure pieces, reached by
 * including the file: the webhook signature (real HMAC-SHA256, computed
 * here with OpenSSL's HMAC()), which posts are commands, the command text
 * a post asks, external ids and the announcement's retitling.  The
 * end-to-end tests over sockets are tests/test_discourse.c. */
#include "adapters/discourse.c"
#include "tests/testutil.h"

#include <check.h>

#define SECRET "whsec-loopback-1"

/* "sha256=" + hex HMAC-SHA256(secret, body), into out (72 bytes). */
static void sign(const char *secret, const char *body, size_t len, char out[80], bool upper)
{
	unsigned char md[32];
	unsigned int n = 0;

	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, md, &n);
	memcpy(out, "sha256=", 7);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, upper ? "%02X" : "%02x", md[i]);
}

/* The verdict of both ways of checking: one-shot HMAC(), and the keyed
 * context the adapter keeps (one, reused from call to call, as per
 * webhook); they must agree. */
static enum sig_check check_sig(const char *secret, const char *body, size_t len, const char *header)
{
	static struct discourse d;
	enum sig_check once = discourse_check_signature(NULL, secret, body, len, header);

	if (!d.mac) {
		d.secret = (char *)secret;
		discourse_mac_setup(&d);
		ck_assert_ptr_nonnull(d.mac);
	}
	ck_assert_int_eq(discourse_check_signature(d.mac, secret, body, len, header), once);
	return once;
}

START_TEST(signature_checked_over_exact_bytes)
{
	const char body[] = "{\"post\":{\"id\":1,\"raw\":\"@govbot lead\"}}";
	size_t len = sizeof(body) - 1;
	char sig[80], other[80];

	sign(SECRET, body, len, sig, false);
	ck_assert_int_eq(check_sig(SECRET, body, len, sig), SIG_OK);
	sign(SECRET, body, len, sig, true);
	ck_assert_int_eq(check_sig(SECRET, body, len, sig), SIG_OK);
	/* the body changed after signing: one byte, or one byte fewer */
	char changed[sizeof(body)];
	memcpy(changed, body, sizeof(body));
	changed[20] ^= 0x20;
	ck_assert_int_eq(check_sig(SECRET, changed, len, sig), SIG_WRONG);
	ck_assert_int_eq(check_sig(SECRET, body, len - 1, sig), SIG_WRONG);
	/* another secret */
	sign("another-secret", body, len, other, false);
	ck_assert_int_eq(check_sig(SECRET, body, len, other), SIG_WRONG);
	/* missing and malformed */
	ck_assert_int_eq(check_sig(SECRET, body, len, NULL), SIG_MISSING);
	ck_assert_int_eq(check_sig(SECRET, body, len, ""), SIG_MISSING);
	ck_assert_int_eq(check_sig(SECRET, body, len, sig + 7), SIG_MALFORMED);
	ck_assert_int_eq(check_sig(SECRET, body, len, "sha1=0123456789abcdef0123456789abcdef01234567"),
			 SIG_MALFORMED);
	sig[70] = '\0';
	ck_assert_int_eq(check_sig(SECRET, body, len, sig), SIG_MALFORMED);
	sign(SECRET, body, len, sig, false);
	sig[10] = 'g';
	ck_assert_int_eq(check_sig(SECRET, body, len, sig), SIG_MALFORMED);
}
END_TEST

struct skip_case {
	const char *post;      /* JSON */
	const char *event;     /* NULL: polled */
	bool pms;              /* private_messages */
	bool answered;
};

#define P(extra) "{\"id\":7,\"topic_id\":3,\"username\":\"alice\",\"user_id\":12,\"raw\":\"@govbot lead\"" extra "}"

static const struct skip_case skip_cases[] = {
	{ P(""), "post_created", false, true },
	{ P(""), NULL, false, true },
	{ P(",\"post_type\":1,\"version\":1,\"topic_archetype\":\"regular\""), "post_created", false, true },
	{ P(""), "post_edited", false, false },
	{ P(""), "post_destroyed", false, false },
	{ P(",\"version\":2"), "post_created", false, false },
	{ P(",\"version\":2"), NULL, false, false },
	{ P(",\"post_type\":4"), "post_created", false, false },        /* whisper */
	{ P(",\"post_type\":3"), NULL, false, false },                  /* small action */
	{ P(",\"topic_archetype\":\"private_message\""), "post_created", false, false },
	{ P(",\"topic_archetype\":\"private_message\""), "post_created", true, true },
	{ "{\"id\":7,\"topic_id\":3,\"username\":\"govbot\",\"user_id\":2,\"raw\":\"@govbot lead\"}", NULL, false, false },
	{ "{\"id\":7,\"topic_id\":3,\"username\":\"GovBot\",\"user_id\":2,\"raw\":\"@govbot lead\"}", NULL, false, false },
	{ "{\"id\":7,\"topic_id\":3,\"username\":\"system\",\"user_id\":-1,\"raw\":\"@govbot lead\"}", NULL, false, false },
	{ "{\"id\":7,\"topic_id\":3,\"username\":\"discobot\",\"user_id\":-2,\"raw\":\"@govbot lead\"}", NULL, false, false },
	{ "{\"id\":7,\"topic_id\":3,\"username\":\"system\",\"user_id\":5,\"raw\":\"@govbot lead\"}", NULL, false, false },
	{ "{\"id\":7,\"topic_id\":3,\"username\":\"alice\",\"user_id\":12}", NULL, false, false },  /* no raw */
	{ "{\"topic_id\":3,\"username\":\"alice\",\"raw\":\"x\"}", NULL, false, false },           /* no id */
	{ "[1]", NULL, false, false },
};

START_TEST(which_posts_are_for_the_bot)
{
	const struct skip_case *c = &skip_cases[_i];
	cJSON *post = cJSON_Parse(c->post);
	const char *why = discourse_skip_reason(post, c->event, "govbot", c->pms);

	ck_assert_msg((why == NULL) == c->answered, "%s (%s): %s", c->post, c->event ? c->event : "poll",
		      why ? why : "answered");
	cJSON_Delete(post);
}
END_TEST

struct text_case {
	const char *raw;
	const char *text;      /* NULL: not for the bot */
};

static const struct text_case text_cases[] = {
	{ "@govbot who maintains torch.nn?", "who maintains torch.nn?" },
	{ "Hi all,\n@govbot who maintains torch.nn?", "who maintains torch.nn?" },
	{ "hey @govbot, lead", "lead" },
	{ "@GovBot: lead", "lead" },
	{ "/gov nominations", "nominations" },
	{ "Some context.\n/gov nominate @alice for core\ncontributions: lots", "nominate @alice for core\ncontributions: lots" },
	{ "  /gov lead", "lead" },
	{ "who maintains torch.nn @govbot", "who maintains torch.nn" },
	{ "thanks @govbot.", "thanks" },
	{ "/government is big", NULL },
	{ "see /gov lead", NULL },                               /* not at a line start */
	{ "mail me at alice@govbot.org", NULL },
	{ "@govbotx lead", NULL },
	{ "@govbot.x lead", NULL },
	{ "@gov lead", NULL },
	{ "@govbot\xC3\xA9 lead", NULL },                  /* @govboté: another user */
	{ "no mention here", NULL },
	{ "[quote=\"bob, post:1, topic:3\"]\n@govbot lead\n[/quote]\nI agree", NULL },
	{ "[quote]@govbot lead[/quote] I agree", NULL },
	{ "[quote=\"bob\"]\n/gov lead\n[/quote]\n@govbot core", "core" },
	{ "> @govbot lead\nquoted", NULL },
	{ "```\n/gov lead\n@govbot core\n```\nnothing", NULL },
	{ "~~~\n@govbot core\n~~~\n/gov lead", "lead" },
};

START_TEST(command_text_of_a_post)
{
	const struct text_case *c = &text_cases[_i];
	char *got = discourse_command_text(c->raw, "govbot");

	if (!c->text)
		ck_assert_msg(got == NULL, "\"%s\" -> \"%s\", want not for the bot", c->raw, got);
	else
		ck_assert_msg(got && strcmp(got, c->text) == 0, "\"%s\" -> \"%s\", want \"%s\"", c->raw,
			      got ? got : "(none)", c->text);
	free(got);
}
END_TEST

static bool valid_external_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 50)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

START_TEST(external_ids_are_valid_and_stable)
{
	char a[64], b[64], c[64];

	discourse_external_id("outbox:12:discourse", "Decided: nomination 3", a, sizeof(a));
	ck_assert_msg(strncmp(a, "govbot-outbox-12-discourse-", 27) == 0 && strlen(a) == 35, "%s", a);
	discourse_external_id("outbox:12:discourse", "Decided: nomination 3", b, sizeof(b));
	ck_assert_str_eq(a, b);                       /* stable across retries */
	discourse_external_id("outbox:13:discourse", "Decided: nomination 3", b, sizeof(b));
	ck_assert_str_ne(a, b);
	/* the same delivery id in a database started afresh, another announcement */
	discourse_external_id("outbox:12:discourse", "Decided: nomination 4", b, sizeof(b));
	ck_assert_str_ne(a, b);
	/* too long for 50 characters: a digest, still valid, still distinct */
	discourse_external_id("outbox:123456789012345678901234567890:discourse", "t", b, sizeof(b));
	discourse_external_id("outbox:123456789012345678901234567891:discourse", "t", c, sizeof(c));
	ck_assert_msg(valid_external_id(a) && valid_external_id(b) && valid_external_id(c), "%s %s %s", a, b, c);
	ck_assert_str_ne(b, c);
}
END_TEST

START_TEST(title_refusals_and_retitling)
{
	cJSON *short_t = cJSON_Parse("[\"Title is too short (minimum is 15 characters)\"]");
	cJSON *used = cJSON_Parse("[\"Title has already been used\"]");
	cJSON *body = cJSON_Parse("[\"Body is too short (minimum is 20 characters)\"]");
	cJSON *ext = cJSON_Parse("[\"External ID has already been taken\"]");
	char *t;

	ck_assert(discourse_title_refused(short_t));
	ck_assert(discourse_title_refused(used));
	ck_assert(!discourse_title_refused(body));
	ck_assert(!discourse_title_refused(ext));
	ck_assert(discourse_errors_say(ext, "External ID has already been taken"));
	t = discourse_retitle("Decided", "outbox:42:discourse");
	ck_assert_str_eq(t, "Decided (govbot announcement 42)");
	ck_assert_int_ge(strlen(t), 15);
	free(t);
	cJSON_Delete(short_t);
	cJSON_Delete(used);
	cJSON_Delete(body);
	cJSON_Delete(ext);
}
END_TEST

struct classify_case {
	long status;
	const char *body;
	enum jsonapi_outcome outcome;
	const char *error;     /* NULL: none; "KEY": discourse_bad_key */
};

static const struct classify_case classify_cases[] = {
	{ 200, "{\"id\":1}", JSONAPI_OK, NULL },
	{ 301, "", JSONAPI_OK, NULL },   /* /t/external_id/ID.json: the topic is there */
	{ 403, "{\"errors\":[\"You are not permitted to view the requested resource. The API username or key "
	       "is invalid.\"],\"error_type\":\"invalid_access\"}", JSONAPI_FATAL, "KEY" },
	{ 401, "", JSONAPI_FATAL, "KEY" },
	{ 403, "{\"errors\":[\"You are not permitted to view the requested resource.\"],"
	       "\"error_type\":\"invalid_access\"}", JSONAPI_FATAL,
	  "You are not permitted to view the requested resource." },
	{ 422, "{\"action\":\"create_post\",\"errors\":[\"Title is too short (minimum is 15 characters)\","
	       "\"Body is too short (minimum is 20 characters)\"]}", JSONAPI_FATAL,
	  "Title is too short (minimum is 15 characters); Body is too short (minimum is 20 characters)" },
	{ 404, "{\"errors\":[\"The requested URL or resource could not be found.\"]}", JSONAPI_FATAL,
	  "The requested URL or resource could not be found." },
	{ 429, "Slow down", JSONAPI_RETRY_AFTER, "ratelimited" },
	{ 502, "<html>bad gateway</html>", JSONAPI_RETRY, "HTTP 502" },
};

START_TEST(answers_classified)
{
	const struct classify_case *c = &classify_cases[_i];
	struct http_response r = { .status = c->status, .body = c->body, .body_len = strlen(c->body),
				   .retry_after_s = -1 };
	struct jsonapi_result res;
	cJSON *json = NULL;
	char err[160];

	jsonapi_classify(&r, discourse_classify, &res, &json, err, sizeof(err));
	ck_assert_int_eq(res.outcome, c->outcome);
	if (!c->error)
		ck_assert_ptr_null(res.error);
	else if (strcmp(c->error, "KEY") == 0)
		ck_assert_ptr_eq(res.error, discourse_bad_key);
	else
		ck_assert_str_eq(res.error, c->error);
	cJSON_Delete(json);
}
END_TEST

START_TEST(rate_limit_delay_from_the_body)
{
	static const char json[] = "{\"error_type\":\"rate_limit\",\"extras\":{\"wait_seconds\":7}}";
	static const char text[] = "Slow down, too many requests";
	static const char none[] = "{\"extras\":{}}";

	ck_assert_int_eq(discourse_retry_delay_ms(json, strlen(json)), 7000);
	ck_assert_int_eq(discourse_retry_delay_ms(text, strlen(text)), -1);
	ck_assert_int_eq(discourse_retry_delay_ms(none, strlen(none)), -1);
}
END_TEST

static Suite *discourse_text_suite(void)
{
	Suite *s = suite_create("discourse_text");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, signature_checked_over_exact_bytes);
	tcase_add_loop_test(tc, which_posts_are_for_the_bot, 0, (int)ARRAY_SIZE(skip_cases));
	tcase_add_loop_test(tc, command_text_of_a_post, 0, (int)ARRAY_SIZE(text_cases));
	tcase_add_test(tc, external_ids_are_valid_and_stable);
	tcase_add_test(tc, title_refusals_and_retitling);
	tcase_add_loop_test(tc, answers_classified, 0, (int)ARRAY_SIZE(classify_cases));
	tcase_add_test(tc, rate_limit_delay_from_the_body);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(discourse_text_suite());
}
