/* test_layers.c - scripts/check-layers.sh: the tree includes one way only
 * (util -> net -> roster -> gov -> bot -> commands -> dispatch -> host ->
 * adapters), and the check catches an include that goes up a layer, two
 * modules that include each other and SQL in a command handler, printing
 * where.
 * Runs from the repository's top directory (as `make check` does). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

#define TIMEOUT_MS 30000

static char root[PATH_MAX];
static char copy[PATH_MAX];

static void setup(void)
{
	ck_assert_ptr_nonnull(getcwd(root, sizeof(root)));
	ck_assert_msg(access("scripts/check-layers.sh", R_OK) == 0,
		      "run from the repository's top directory");
	copy[0] = '\0';
}

static void teardown(void)
{
	if (copy[0])
		tu_rmrf(copy);
}

/* Runs the check on dir into p. */
static void check_tree(const char *dir, struct tu_proc *p)
{
	char script[PATH_MAX + 32];
	snprintf(script, sizeof(script), "%s/scripts/check-layers.sh", root);
	const char *args[] = { script, dir, NULL };
	tu_run("/bin/sh", NULL, args, NULL, 0, NULL, 0, TIMEOUT_MS, p);
}

/* A copy of the sources in a temp directory (copy). */
static void copy_tree(void)
{
	char cmd[PATH_MAX * 5];
	tu_mkdtemp(copy, sizeof(copy), "layers");
	snprintf(cmd, sizeof(cmd), "cp -R '%s/chatbot' '%s/commands' '%s/adapters' '%s/'", root,
		 root, root, copy);
	ck_assert_int_eq(system(cmd), 0);
}

/* Appends line to the file rel in the copy. */
static void append(const char *rel, const char *line)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%s", copy, rel);
	FILE *f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", line);
	fclose(f);
}

START_TEST(test_tree_is_layered)
{
	struct tu_proc p;
	check_tree(root, &p);
	ck_assert_msg(p.status == 0, "check-layers failed:\n%s%s", buf_str(&p.out), buf_str(&p.err));
	ck_assert_ptr_nonnull(strstr(buf_str(&p.out), "layers: ok ("));
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_include_upwards_is_caught)
{
	copy_tree();
	/* governance reaching up into the commands: the cycle issue 7 removed */
	append("chatbot/gov/tally.c", "#include \"commands/commands.h\"");
	struct tu_proc p;
	check_tree(copy, &p);
	ck_assert_int_eq(p.status, 1);
	const char *out = buf_str(&p.out);
	ck_assert_msg(strstr(out, "chatbot/gov/tally.c:") &&
		      strstr(out, ": includes commands/commands.h: layer commands is above chatbot/gov"),
		      "%s", out);
	ck_assert_ptr_null(strstr(out, "layers: ok"));
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_module_loop_is_caught)
{
	copy_tree();
	/* same layer, so no layer rule breaks: only the loop does */
	append("chatbot/gov/tally.c", "#include \"chatbot/gov/outbox.h\"");
	append("chatbot/gov/outbox.c", "#include \"chatbot/gov/tally.h\"");
	struct tu_proc p;
	check_tree(copy, &p);
	ck_assert_int_eq(p.status, 1);
	const char *out = buf_str(&p.out);
	ck_assert_msg(strstr(out, "modules include each other in a loop") &&
		      strstr(out, "chatbot/gov/tally") && strstr(out, "chatbot/gov/outbox"), "%s", out);
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_sql_in_a_handler_is_caught)
{
	copy_tree();
	append("commands/cmd_roster.c", "static int sneaky(struct store *s) { return "
	       "store_stmt(s, \"SELECT 1\") != NULL; }");
	struct tu_proc p;
	check_tree(copy, &p);
	ck_assert_int_eq(p.status, 1);
	ck_assert_msg(strstr(buf_str(&p.out), "commands/cmd_roster.c:") &&
		      strstr(buf_str(&p.out), ": SQL in a command handler: move it to chatbot/gov"),
		      "%s", buf_str(&p.out));
	tu_proc_release(&p);
}
END_TEST

/* adapter.h's promise: a new platform is one file in adapters/ and one line
 * in the registry.  Do exactly that in a copy and compile the registry and
 * the new file: nothing else needs to change for adapter_demo to be listed. */
START_TEST(test_adapter_is_one_file_and_one_line)
{
	copy_tree();
	char path[PATH_MAX * 2], cmd[PATH_MAX * 8];
	snprintf(path, sizeof(path), "%s/adapters/demo.c", copy);
	tu_write_file(path, "#include \"adapters/adapter.h\"\n"
		      "const struct adapter adapter_demo = { .name = \"demo\" };\n");
	/* the one line, after the console's */
	snprintf(cmd, sizeof(cmd), "sed -i 's/^\\(\\s*\\)X(console) \\\\$/&\\n\\1X(demo) \\\\/' "
		 "'%s/adapters/adapter.h' && grep -c 'X(demo)' '%s/adapters/adapter.h'", copy, copy);
	struct tu_proc p;
	const char *sh[] = { "/bin/sh", "-c", cmd, NULL };
	tu_run("/bin/sh", NULL, sh + 1, NULL, 0, NULL, 0, TIMEOUT_MS, &p);
	ck_assert_msg(p.status == 0 && strcmp(buf_str(&p.out), "1\n") == 0, "the registry line: %s%s",
		      buf_str(&p.out), buf_str(&p.err));
	tu_proc_release(&p);
	snprintf(cmd, sizeof(cmd), "cd '%s' && cc -std=c11 -Wall -Werror -I. -fsyntax-only adapters/adapters.c "
		 "&& cc -std=c11 -Wall -Werror -I. -fsyntax-only adapters/demo.c && "
		 "cc -std=c11 -I. -E adapters/adapters.c | grep -c '&adapter_demo,'", copy);
	tu_run("/bin/sh", NULL, sh + 1, NULL, 0, NULL, 0, TIMEOUT_MS, &p);
	ck_assert_msg(p.status == 0 && strcmp(buf_str(&p.out), "1\n") == 0, "%s%s", buf_str(&p.out),
		      buf_str(&p.err));
	tu_proc_release(&p);
}
END_TEST

/* README's architecture names every source of the core and the adapters
 * (by name, or as PREFIX*.c for a family such as motion*.c). */
START_TEST(test_readme_names_every_source)
{
	char cmd[PATH_MAX * 2];
	snprintf(cmd, sizeof(cmd), "cd '%s' && for f in $(find chatbot adapters -name '*.c' | sort); do "
		 "b=${f##*/}; p=${b%%%%_*}; p=${p%%.c}; grep -q -F -e \"$b\" -e \"$p*.c\" README.md || "
		 "echo \"README lacks $f\"; done", root);
	const char *sh[] = { "-c", cmd, NULL };
	struct tu_proc p;
	tu_run("/bin/sh", NULL, sh, NULL, 0, NULL, 0, TIMEOUT_MS, &p);
	ck_assert_msg(p.status == 0 && p.out.len == 0, "%s%s", buf_str(&p.out), buf_str(&p.err));
	tu_proc_release(&p);
}
END_TEST

START_TEST(test_lower_layer_include_is_fine)
{
	copy_tree();
	/* the commands may use any layer below them */
	append("commands/commands.c", "#include \"chatbot/net/loop.h\"");
	struct tu_proc p;
	check_tree(copy, &p);
	ck_assert_msg(p.status == 0, "%s", buf_str(&p.out));
	tu_proc_release(&p);
}
END_TEST

static Suite *layers_suite(void)
{
	Suite *s = suite_create("layers");
	TCase *tc = tcase_create("layers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tree_is_layered);
	tcase_add_test(tc, test_include_upwards_is_caught);
	tcase_add_test(tc, test_module_loop_is_caught);
	tcase_add_test(tc, test_sql_in_a_handler_is_caught);
	tcase_add_test(tc, test_lower_layer_include_is_fine);
	tcase_add_test(tc, test_adapter_is_one_file_and_one_line);
	tcase_add_test(tc, test_readme_names_every_source);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(layers_suite());
}
