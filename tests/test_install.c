/* test_install.c - `make install` with DESTDIR and PREFIX puts the binary,
 * govbot(1) and the systemd unit where they belong (the unit naming the
 * installed binary, hardened, and accepted by `systemd-analyze verify` with
 * its man page found); `make uninstall` removes exactly those files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chatbot/roster/roster.h"
#include "tests/testutil.h"

static char dir[256], srcdir[PATH_MAX];

static void setup(void)
{
	const char *d = getenv("SRCDIR");
	ck_assert_ptr_nonnull(realpath(d && *d ? d : ".", srcdir));
	tu_mkdtemp(dir, sizeof(dir), "install");
}

static void teardown(void)
{
	if (tu_rmrf(dir) != 0)
		fprintf(stderr, "cleanup failed\n");
}

/* Runs make TARGET in the source tree with DESTDIR and, when given, PREFIX. */
static void make(const char *target, const char *destdir, const char *prefix)
{
	char dd[PATH_MAX + 16], pf[PATH_MAX + 16], bd[PATH_MAX + 16];
	const char *build = getenv("BUILD");
	struct tu_proc p;
	snprintf(dd, sizeof(dd), "DESTDIR=%s", destdir);
	snprintf(pf, sizeof(pf), "PREFIX=%s", prefix ? prefix : "/usr/local");
	snprintf(bd, sizeof(bd), "BUILD=%s", build && *build ? build : "build");
	/* the binary `make check` built: under SANITIZE=1 (build-san/) with the
	 * same flags, so that nothing is rebuilt differently */
	bool san = build && strstr(build, "-san") != NULL;
	const char *args[] = { "-s", "-C", srcdir, bd, dd, pf, san ? "SANITIZE=1" : target,
			       san ? target : NULL, NULL };
	/* not the jobserver of a `make check` around us */
	const char *env[] = { "MAKEFLAGS", "MFLAGS", "MAKELEVEL", NULL };
	tu_run("/usr/bin/make", NULL, args, NULL, 0, env, 0, 120000, &p);
	ck_assert_msg(p.status == 0, "make %s: %d\n%s%s", target, p.status, buf_str(&p.out), buf_str(&p.err));
	tu_proc_release(&p);
}

static mode_t mode_of(const char *root, const char *path)
{
	char full[PATH_MAX * 2];
	struct stat st;
	snprintf(full, sizeof(full), "%s%s", root, path);
	ck_assert_msg(stat(full, &st) == 0, "%s was not installed", full);
	return st.st_mode & 07777;
}

static bool exists(const char *root, const char *path)
{
	char full[PATH_MAX * 2];
	struct stat st;
	snprintf(full, sizeof(full), "%s%s", root, path);
	return stat(full, &st) == 0;
}

#define contains(hay, s) ck_assert_msg(strstr((hay), (s)) != NULL, "missing '%s' in:\n%s", (s), (hay))

START_TEST(test_install_and_uninstall)
{
	char root[PATH_MAX], unit[PATH_MAX * 2], exe[PATH_MAX * 2], err[256];
	size_t len;
	snprintf(root, sizeof(root), "%s/root", dir);
	make("install", root, "/usr");
	ck_assert_int_eq(mode_of(root, "/usr/bin/govbot"), 0755);
	ck_assert_int_eq(mode_of(root, "/usr/share/man/man1/govbot.1"), 0644);
	ck_assert_int_eq(mode_of(root, "/usr/lib/systemd/system/govbot.service"), 0644);
	ck_assert_int_eq(mode_of(root, "/usr/share/doc/govbot/LICENSE"), 0644);
	ck_assert_int_eq(mode_of(root, "/usr/share/doc/govbot/govbot.json.example"), 0644);

	/* the installed binary runs */
	struct tu_proc p;
	snprintf(exe, sizeof(exe), "%s/usr/bin/govbot", root);
	const char *vargs[] = { "--version", NULL };
	tu_run(exe, NULL, vargs, NULL, 0, NULL, 0, 20000, &p);
	ck_assert_int_eq(p.status, 0);
	contains(p.out.data, "govbot ");
	tu_proc_release(&p);

	/* the example config passes check-config (with a roster where it says
	 * and the secrets its adapter needs in the environment) */
	char example[PATH_MAX * 2], cfg[PATH_MAX * 2], poi[PATH_MAX * 2];
	snprintf(example, sizeof(example), "%s/usr/share/doc/govbot/govbot.json.example", root);
	char *ex = file_read(example, 1u << 16, &len, err, sizeof(err));
	ck_assert_msg(ex != NULL, "%s", err);
	struct buf patched = BUF_INIT;
	const char *var = "/var/lib/govbot/";
	for (const char *s = ex, *hit; *s; s = hit + strlen(var)) {
		hit = strstr(s, var);
		if (!hit) {
			buf_adds(&patched, s);
			break;
		}
		buf_add(&patched, s, (size_t)(hit - s));
		buf_addf(&patched, "%s/", dir);
	}
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", dir);
	snprintf(poi, sizeof(poi), "%s/persons_of_interest.md", dir);
	tu_write_file(cfg, patched.data);
	const char *bundled = roster_default_text(&len);
	tu_write_bytes(poi, bundled, len);
	const char *cargs[] = { "check-config", "--config", cfg, NULL };
	const char *cenv[] = { "SLACK_APP_TOKEN=xapp-1-test", "SLACK_BOT_TOKEN=xoxb-test", NULL };
	tu_run(exe, NULL, cargs, NULL, 0, cenv, 0, 20000, &p);
	ck_assert_msg(p.status == 0, "check-config of the example: %s%s", buf_str(&p.out), buf_str(&p.err));
	contains(p.out.data, "config OK: ");
	tu_proc_release(&p);
	buf_release(&patched);
	free(ex);

	/* the unit: the installed path, reload by SIGHUP, the hardening */
	snprintf(unit, sizeof(unit), "%s/usr/lib/systemd/system/govbot.service", root);
	char *text = file_read(unit, 1u << 16, &len, err, sizeof(err));
	ck_assert_msg(text != NULL, "%s", err);
	static const char *const lines[] = {
		"\nExecStart=/usr/bin/govbot run --config /etc/govbot/govbot.json\n",
		"\nExecReload=/bin/kill -HUP $MAINPID\n", "\nEnvironmentFile=-/etc/govbot/env\n",
		"\nDynamicUser=yes\n", "\nStateDirectory=govbot\n", "\nProtectSystem=strict\n",
		"\nNoNewPrivileges=yes\n", "\nSystemCallFilter=@system-service\n",
		"\nDocumentation=man:govbot(1)\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		contains(text, lines[i]);
	ck_assert_ptr_null(strstr(text, "@BINDIR@"));

	/* systemd accepts it: a copy naming the staged binary, the staged man page
	 * on MANPATH so that its Documentation= resolves */
	char staged[PATH_MAX * 2], manpath[PATH_MAX * 2 + 16];
	snprintf(staged, sizeof(staged), "%s/govbot.service", dir);
	struct buf copy = BUF_INIT;
	const char *at = strstr(text, "ExecStart=/usr/bin/govbot");
	buf_add(&copy, text, (size_t)(at - text));
	buf_addf(&copy, "ExecStart=%s", exe);
	buf_adds(&copy, at + strlen("ExecStart=/usr/bin/govbot"));
	tu_write_file(staged, copy.data);
	snprintf(manpath, sizeof(manpath), "MANPATH=%s/usr/share/man", root);
	const char *venv[] = { manpath, NULL };
	const char *verify[] = { "verify", staged, NULL };
	tu_run("/usr/bin/systemd-analyze", NULL, verify, NULL, 0, venv, 0, 60000, &p);
	ck_assert_msg(p.status == 0, "systemd-analyze verify: %d\n%s%s", p.status, buf_str(&p.out),
		      buf_str(&p.err));
	tu_proc_release(&p);
	/* and rates its exposure low ("OK", under 2 of 10) */
	const char *sec[] = { "security", "--offline=yes", staged, NULL };
	tu_run("/usr/bin/systemd-analyze", NULL, sec, NULL, 0, NULL, 0, 60000, &p);
	const char *lvl = strstr(buf_str(&p.out), "Overall exposure level for govbot.service: ");
	ck_assert_msg(lvl != NULL, "systemd-analyze security: %s%s", buf_str(&p.out), buf_str(&p.err));
	double exposure = strtod(lvl + strlen("Overall exposure level for govbot.service: "), NULL);
	ck_assert_msg(exposure < 2.0, "exposure %.1f", exposure);
	tu_proc_release(&p);
	buf_release(&copy);
	free(text);

	make("uninstall", root, "/usr");
	ck_assert(!exists(root, "/usr/bin/govbot"));
	ck_assert(!exists(root, "/usr/share/man/man1/govbot.1"));
	ck_assert(!exists(root, "/usr/lib/systemd/system/govbot.service"));
	ck_assert(!exists(root, "/usr/share/doc/govbot/govbot.json.example"));
	ck_assert(!exists(root, "/usr/share/doc/govbot"));
}
END_TEST

START_TEST(test_default_prefix)
{
	char root[PATH_MAX], unit[PATH_MAX * 2], err[256];
	size_t len;
	snprintf(root, sizeof(root), "%s/root", dir);
	make("install", root, NULL);
	ck_assert_int_eq(mode_of(root, "/usr/local/bin/govbot"), 0755);
	ck_assert_int_eq(mode_of(root, "/usr/local/share/man/man1/govbot.1"), 0644);
	snprintf(unit, sizeof(unit), "%s/usr/local/lib/systemd/system/govbot.service", root);
	char *text = file_read(unit, 1u << 16, &len, err, sizeof(err));
	ck_assert_msg(text != NULL, "%s", err);
	contains(text, "\nExecStart=/usr/local/bin/govbot run ");
	free(text);
	make("uninstall", root, NULL);
	ck_assert(!exists(root, "/usr/local/bin/govbot"));
	ck_assert(!exists(root, "/usr/local/lib/systemd/system/govbot.service"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("install");
	TCase *tc = tcase_create("install");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_install_and_uninstall);
	tcase_add_test(tc, test_default_prefix);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
