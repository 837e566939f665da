/* test_identity.c - chatbot/bot/identity.c: which identities are valid, when two
 * are the same, and which handle an identity is through the config. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/bot/bot.h"
#include "chatbot/bot/config.h"
#include "chatbot/bot/identity.h"
#include "chatbot/gov/store.h"
#include "tests/testutil.h"

struct valid_case {
	const char *id;
	bool valid;
};

static const struct valid_case valid_cases[] = {
	{ "slack:U0123", true },
	{ "SLACK:U0123", true },
	{ "matrix:@alice:example.org", true },
	{ "matrix:@alice:example.org:8448", true },
	{ "discourse:alice", true },
	{ "discourse:Zoë", true },
	{ "console:alice", true },
	{ "console:a-b_c.d", true },
	{ "slack:", false },
	{ "slack", false },
	{ ":U0123", false },
	{ "", false },
	{ "irc:alice", false },
	{ "slackx:U1", false },
	{ "slack:U 1", false },
	{ "slack:U1\n", false },
	{ "slack:U1\t", false },
	{ "console:\x7f", false },
	{ "console:\xc2\x85", false },     /* C1 control (NEL) */
	{ "console:\xff\xfe", false },     /* invalid UTF-8 */
	/* each adapter's own syntax (its valid_id) */
	{ "slack:U0-123", false },          /* Slack ids are letters and digits */
	{ "slack:<@U1>", false },
	{ "matrix:alice", false },          /* not @user:server */
	{ "matrix:@alice", false },
	{ "matrix:@:example.org", false },
	{ "matrix:alice", false },
	{ "matrix:@alice", false },
	{ "matrix:@:example.org", false },
	{ "matrix:@alice:", false },
};

START_TEST(test_valid)
{
	const struct valid_case *vc = &valid_cases[_i];
	ck_assert_msg(identity_valid(vc->id) == vc->valid, "identity_valid(\"%s\") should be %d", vc->id,
		      vc->valid);
}
END_TEST

START_TEST(test_length_limit)
{
	char id[300];
	memcpy(id, "console:", 8);
	memset(id + 8, 'a', IDENTITY_MAX_ID);
	id[8 + IDENTITY_MAX_ID] = '\0';
	ck_assert(identity_valid(id));
	id[8 + IDENTITY_MAX_ID] = 'a';
	id[9 + IDENTITY_MAX_ID] = '\0';
	ck_assert(!identity_valid(id));
	ck_assert(!identity_valid(NULL));
}
END_TEST

struct equal_case {
	const char *a, *b;
	bool equal;
};

static const struct equal_case equal_cases[] = {
	{ "slack:U1", "slack:U1", true },
	{ "SLACK:U1", "slack:U1", true },
	{ "Matrix:@a:x.org", "matrix:@a:x.org", true },
	{ "slack:U1", "slack:u1", false },
	{ "slack:U1", "matrix:U1", false },
	{ "discourse:Alice", "discourse:alice", false },
	{ "slack:U1", "slack:U12", false },
};

START_TEST(test_equal)
{
	const struct equal_case *ec = &equal_cases[_i];
	ck_assert_msg(identity_equal(ec->a, ec->b) == ec->equal, "%s vs %s", ec->a, ec->b);
	ck_assert(identity_equal(ec->b, ec->a) == ec->equal);
}
END_TEST

START_TEST(test_handle_from_config)
{
	char dir[64], path[128];
	tu_mkdtemp(dir, sizeof(dir), "identity");
	snprintf(path, sizeof(path), "%s/g.json", dir);
	tu_write_file(path, "{\"identities\":{\"soumith\":[\"slack:U0SOUMITH\",\"matrix:@soumith:example.org\"],"
		      "\"albanD\":[\"console:alban\",\"discourse:alband\"]}}");
	struct buf problems = BUF_INIT;
	struct govbot bot;
	memset(&bot, 0, sizeof(bot));
	ck_assert_msg(config_load(path, &bot.config, &problems) == 0, "%s", buf_str(&problems));

	ck_assert_str_eq(identity_handle(&bot, "slack:U0SOUMITH"), "soumith");
	ck_assert_str_eq(identity_handle(&bot, "Slack:U0SOUMITH"), "soumith");
	ck_assert_str_eq(identity_handle(&bot, "matrix:@soumith:example.org"), "soumith");
	ck_assert_str_eq(identity_handle(&bot, "console:alban"), "albanD");
	ck_assert_ptr_null(identity_handle(&bot, "slack:u0soumith"));     /* ids compare exactly */
	ck_assert_ptr_null(identity_handle(&bot, "console:soumith"));     /* not mapped */
	ck_assert_ptr_null(identity_handle(&bot, "discourse:AlbanD"));
	ck_assert_ptr_null(identity_handle(&bot, "soumith"));             /* not an identity */
	ck_assert_ptr_null(identity_handle(&bot, NULL));
	ck_assert_str_eq(identity_config_handle(bot.config, "discourse:alband"), "albanD");

	config_free(bot.config);
	buf_release(&problems);
	ck_assert_int_eq(tu_rmrf(dir), 0);
}
END_TEST

START_TEST(test_no_config_no_roles)
{
	struct govbot bot;
	memset(&bot, 0, sizeof(bot));
	bot.config = config_default();
	ck_assert_ptr_null(identity_handle(&bot, "console:soumith"));
	config_free(bot.config);
}
END_TEST

START_TEST(test_console_user)
{
	char id[300];
	setenv("USER", "alice", 1);
	identity_console_user(id, sizeof(id));
	ck_assert_str_eq(id, "console:alice");
	setenv("USER", "two words", 1);   /* unusable: falls back to the password database */
	identity_console_user(id, sizeof(id));
	ck_assert(strncmp(id, "console:", 8) == 0);
	ck_assert(identity_valid(id));
	unsetenv("USER");
	identity_console_user(id, sizeof(id));
	ck_assert(identity_valid(id));
}
END_TEST

START_TEST(test_normalize)
{
	char out[64];
	ck_assert(identity_normalize("SLACK:U0ABC", out, sizeof(out)));
	ck_assert_str_eq(out, "slack:U0ABC");
	ck_assert(identity_normalize("Matrix:@Al:x.org", out, sizeof(out)));
	ck_assert_str_eq(out, "matrix:@Al:x.org");
	ck_assert(!identity_normalize("nope", out, sizeof(out)));
	ck_assert_str_eq(out, "");
	ck_assert(!identity_normalize("console:abcdefgh", out, 8));   /* does not fit */
}
END_TEST

/* Links made with `link` are found after the config's mappings; the config wins. */
START_TEST(test_handle_from_store)
{
	char dir[64], db[128], cfg[128], err[256];
	tu_mkdtemp(dir, sizeof(dir), "identity");
	snprintf(db, sizeof(db), "%s/g.sqlite3", dir);
	snprintf(cfg, sizeof(cfg), "%s/g.json", dir);
	tu_write_file(cfg, "{\"identities\":{\"soumith\":[\"slack:U0SOUMITH\"]}}");
	struct buf problems = BUF_INIT;
	struct govbot bot;
	memset(&bot, 0, sizeof(bot));
	ck_assert_int_eq(config_load(cfg, &bot.config, &problems), 0);
	ck_assert_int_eq(store_open(db, &bot.store, err, sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_link_set(bot.store, "slack:U0ALBAN", "albanD", "console:test", 1), STORE_OK);
	ck_assert_int_eq(store_link_set(bot.store, "slack:U0SOUMITH", "ezyang", "console:test", 1), STORE_OK);

	ck_assert_str_eq(identity_handle(&bot, "slack:U0ALBAN"), "albanD");
	ck_assert_str_eq(identity_handle(&bot, "SLACK:U0ALBAN"), "albanD");   /* platform in any case */
	ck_assert_ptr_null(identity_handle(&bot, "slack:u0alban"));
	ck_assert_str_eq(identity_handle(&bot, "slack:U0SOUMITH"), "soumith"); /* the config wins */
	ck_assert_ptr_null(identity_handle(&bot, "slack:U0NOBODY"));

	/* the other way, for a notice's mentions: a person's id on one platform */
	char uid[64];
	ck_assert(identity_user_id(&bot, "soumith", "slack", uid, sizeof(uid)));
	ck_assert_str_eq(uid, "U0SOUMITH");
	ck_assert(identity_user_id(&bot, "ALBAND", "slack", uid, sizeof(uid)));   /* from the link */
	ck_assert_str_eq(uid, "U0ALBAN");
	ck_assert(!identity_user_id(&bot, "albanD", "matrix", uid, sizeof(uid)));
	ck_assert_str_eq(uid, "");
	ck_assert(!identity_user_id(&bot, "nobody", "slack", uid, sizeof(uid)));
	ck_assert(!identity_user_id(&bot, "soumith", "slac", uid, sizeof(uid)));   /* prefix of a platform */

	store_close(bot.store);
	config_free(bot.config);
	buf_release(&problems);
	ck_assert_int_eq(tu_rmrf(dir), 0);
}
END_TEST

/* The platform list is the registered adapters': a platform the config
 * layer was given is valid with its own syntax, one it was not is not. */
static bool digits_only(const char *id)
{
	for (; *id; id++)
		if (*id < '0' || *id > '9')
			return false;
	return true;
}

START_TEST(test_platforms_from_adapters)
{
	static const struct config_platform irc[] = {
		{ .name = "irc", .valid_id = digits_only },
	};

	config_set_platforms(irc, 1);
	ck_assert(identity_valid("irc:123"));
	ck_assert(identity_valid("IRC:123"));
	ck_assert(!identity_valid("irc:abc"));
	ck_assert(!identity_valid("slack:U0123"));   /* not registered now */
	config_set_platforms(NULL, 0);
	ck_assert(!identity_valid("console:alice"));
	adapters_register();
	ck_assert(identity_valid("console:alice"));
	ck_assert(!identity_valid("irc:123"));
	/* adapters_register() takes every adapter of the build */
	for (size_t i = 0; adapters_all[i]; i++)
		ck_assert_ptr_nonnull(config_platform(adapters_all[i]->name, strlen(adapters_all[i]->name)));
}
END_TEST

static Suite *identity_suite(void)
{
	Suite *s = suite_create("identity");
	TCase *tc = tcase_create("identity");
	tcase_add_loop_test(tc, test_valid, 0, (int)ARRAY_SIZE(valid_cases));
	tcase_add_test(tc, test_length_limit);
	tcase_add_loop_test(tc, test_equal, 0, (int)ARRAY_SIZE(equal_cases));
	tcase_add_test(tc, test_handle_from_config);
	tcase_add_test(tc, test_no_config_no_roles);
	tcase_add_test(tc, test_console_user);
	tcase_add_test(tc, test_normalize);
	tcase_add_test(tc, test_handle_from_store);
	tcase_add_test(tc, test_platforms_from_adapters);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(identity_suite());
}
