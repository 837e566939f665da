/* test_manpage.c - govbot(1) (scripts/govbot.1) documents every verb (read
 * from `govbot --help`), every chat command (the command table), every
 * config key (the config schema) and every environment variable (the
 * adapters' secrets and every getenv("...") in the sources); a missing one
 * fails.  The page renders with groff without a warning. */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "chatbot/bot/config.h"
#include "commands/commands.h"
#include "tests/testutil.h"

static char srcdir[PATH_MAX];
static char *page;   /* the page's source, "\-" made "-" */

static void setup(void)
{
	const char *d = getenv("SRCDIR");
	char err[256], path[PATH_MAX + 32];
	size_t len;
	snprintf(srcdir, sizeof(srcdir), "%s", d && *d ? d : ".");
	snprintf(path, sizeof(path), "%s/scripts/govbot.1", srcdir);
	char *raw = file_read(path, 1u << 20, &len, err, sizeof(err));
	ck_assert_msg(raw != NULL, "%s", err);
	page = xmalloc(len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\\' && raw[i + 1] == '-')
			continue;   /* "\-" is a hyphen */
		page[o++] = raw[i];
	}
	page[o] = '\0';
	free(raw);
}

static void teardown(void)
{
	free(page);
	page = NULL;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

/* True when term stands as a whole word on a macro line (.B, .BI, .BR,
 * .TP, ...): the way the page documents a name. */
static bool documented(const char *term)
{
	size_t n = strlen(term);
	for (const char *p = strstr(page, term); p; p = strstr(p + 1, term)) {
		const char *line = p;
		while (line > page && line[-1] != '\n')
			line--;
		if (*line != '.')
			continue;
		bool before_ok = p == page || !word_char(p[-1]) || (p - page >= 3 && strncmp(p - 3, "\\fB", 3) == 0);
		/* a trailing '.' ends a sentence, not the name */
		char after = p[n];
		bool after_ok = !word_char(after) || (after == '.' && !word_char(p[n + 1]));
		if (before_ok && after_ok)
			return true;
	}
	return false;
}

START_TEST(test_every_chat_command)
{
	ck_assert_uint_gt(commands_count, 10);
	for (size_t i = 0; i < commands_count; i++)
		ck_assert_msg(documented(commands_table[i].name),
			      "govbot.1 lacks the chat command \"%s\" (%s)", commands_table[i].name,
			      commands_table[i].synopsis);
}
END_TEST

START_TEST(test_every_config_key)
{
	struct buf keys = BUF_INIT;
	config_schema_keys(&keys);
	size_t n = 0;
	for (char *k = keys.data, *nl; k && *k; k = nl + 1) {
		nl = strchr(k, '\n');
		*nl = '\0';
		ck_assert_msg(documented(k), "govbot.1 lacks the config key \"%s\"", k);
		n++;
	}
	ck_assert_uint_gt(n, 15);
	buf_release(&keys);
}
END_TEST

/* Every getenv("NAME") in the .c files under dir (recursively). */
static void collect_getenv(const char *dir, struct buf *names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	ck_assert_msg(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		size_t len;
		char err[128];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t nl = strlen(e->d_name);
		if (e->d_type == DT_DIR) {
			collect_getenv(path, names);
			continue;
		}
		if (nl < 3 || strcmp(e->d_name + nl - 2, ".c") != 0)
			continue;
		char *text = file_read(path, 4u << 20, &len, err, sizeof(err));
		ck_assert_msg(text != NULL, "%s", err);
		for (const char *p = strstr(text, "getenv(\""); p; p = strstr(p + 1, "getenv(\"")) {
			const char *s = p + 8, *q = s;
			while (isupper((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '_')
				q++;
			if (*q == '"' && q > s)
				buf_addf(names, "%.*s\n", (int)(q - s), s);
		}
		free(text);
	}
	closedir(d);
}

START_TEST(test_every_environment_variable)
{
	struct buf names = BUF_INIT;
	static const char *const dirs[] = { "chatbot", "commands", "adapters" };
	char path[PATH_MAX + 16];
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", srcdir, dirs[i]);
		collect_getenv(path, &names);
	}
	static const char *const adapters[] = { "console", "slack", "matrix", "discourse" };
	for (size_t i = 0; i < ARRAY_SIZE(adapters); i++)
		for (const char *const *s = config_secrets(adapters[i]); s && *s; s++)
			buf_addf(&names, "%s\n", *s);
	for (size_t i = 0; adapters_all[i]; i++)
		for (const char *const *s = adapters_all[i]->secrets; s && *s; s++)
			buf_addf(&names, "%s\n", *s);
	ck_assert_ptr_nonnull(strstr(names.data, "GOVBOT_CONFIG\n"));
	ck_assert_ptr_nonnull(strstr(names.data, "SLACK_BOT_TOKEN\n"));
	for (char *k = names.data, *nl; *k; k = nl + 1) {
		nl = strchr(k, '\n');
		*nl = '\0';
		ck_assert_msg(documented(k), "govbot.1 lacks the environment variable \"%s\"", k);
	}
	ck_assert(strstr(page, ".SH ENVIRONMENT") != NULL);
	buf_release(&names);
}
END_TEST

START_TEST(test_every_verb_and_renders)
{
	char govbot[PATH_MAX];
	struct tu_proc p;
	ck_assert_int_eq(tu_find_govbot(govbot, "test_manpage"), 0);
	const char *args[] = { "--help", NULL };
	tu_run(govbot, NULL, args, NULL, 0, NULL, 0, 20000, &p);
	ck_assert_int_eq(p.status, 0);
	/* "usage: govbot [run] ..." then "       govbot VERB ..." */
	size_t verbs = 0;
	for (const char *l = p.out.data; l && *l;) {
		const char *nl = strchr(l, '\n');
		const char *g = strstr(l, "govbot ");
		if (g && (!nl || g < nl) && (strncmp(l, "usage: ", 7) == 0 || strncmp(l, "       ", 7) == 0)) {
			char verb[64];
			const char *v = g + 7;
			size_t n = strcspn(v, " \n]");
			if (*v == '[')
				n = strcspn(++v, "]");
			snprintf(verb, sizeof(verb), "%.*s", (int)n, v);
			if (verb[0] != '-') {
				ck_assert_msg(documented(verb), "govbot.1 lacks the verb \"%s\"", verb);
				verbs++;
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	ck_assert_uint_ge(verbs, 4);
	ck_assert(documented("--log-format"));
	tu_proc_release(&p);

	/* groff reads it without a warning */
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/scripts/govbot.1", srcdir);
	const char *gargs[] = { "-man", "-ww", "-z", "-Tutf8", path, NULL };
	tu_run("/usr/bin/groff", NULL, gargs, NULL, 0, NULL, 0, 20000, &p);
	ck_assert_msg(p.status == 0 && p.err.len == 0, "groff: %d %s", p.status, buf_str(&p.err));
	tu_proc_release(&p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("manpage");
	TCase *tc = tcase_create("manpage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_chat_command);
	tcase_add_test(tc, test_every_config_key);
	tcase_add_test(tc, test_every_environment_variable);
	tcase_add_test(tc, test_every_verb_and_renders);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
