/* test_codeowners.c - chatbot/roster/codeowners.c: GitHub's CODEOWNERS
 * syntax (tests/data/CODEOWNERS is PyTorch's, copied from
 * ../shared/fixtures/pytorch; CODEOWNERS_labels is in the newer style with
 * "# label:" lines), last match wins, labels as module names, drift against
 * the bundled roster, and `govbot check-ownership` / `ownership` through the
 * real binary. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/roster/codeowners.h"
#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
#include "tests/testutil.h"

static struct codeowners *pytorch, *labelled;
static struct roster *bundled;

static void path_of(char *out, size_t n, const char *name)
{
	const char *dir = getenv("SRCDIR");
	snprintf(out, n, "%s/tests/data/%s", dir ? dir : ".", name);
}

static void setup(void)
{
	char path[PATH_MAX], err[256];
	path_of(path, sizeof(path), "CODEOWNERS");
	ck_assert_msg(codeowners_load(path, &pytorch, err, sizeof(err)) == 0, "%s", err);
	path_of(path, sizeof(path), "CODEOWNERS_labels");
	ck_assert_msg(codeowners_load(path, &labelled, err, sizeof(err)) == 0, "%s", err);
	bundled = roster_load_default();
}

static void teardown(void)
{
	codeowners_free(pytorch);
	codeowners_free(labelled);
	roster_free(bundled);
}

START_TEST(parse_fixture)
{
	ck_assert_uint_eq(pytorch->nrules, 71);
	const struct codeowners_rule *r = &pytorch->rules[0];
	ck_assert_str_eq(r->pattern, "/torch/utils/cpp_extension.py");
	ck_assert_uint_eq(r->nowners, 3);
	ck_assert_str_eq(r->owners[2], "@ezyang");
	ck_assert_uint_eq(r->line, 10);
	ck_assert_uint_eq(r->nlabels, 0);
	/* a team is an owner, not a person */
	const struct codeowners_rule *gh = codeowners_match(pytorch, ".github/workflows/lint.yml");
	ck_assert_ptr_nonnull(gh);
	ck_assert_str_eq(gh->owners[0], "@pytorch/pytorch-dev-infra");
	ck_assert_ptr_null(codeowners_user(gh->owners[0]));
	ck_assert_str_eq(codeowners_user("@albanD"), "albanD");
	ck_assert_ptr_null(codeowners_user("someone@example.com"));
}
END_TEST

START_TEST(parse_labels)
{
	/* *.md, composable x2, dynamo x2, nn, mps, docs, #odd, fft */
	ck_assert_uint_eq(labelled->nrules, 10);
	const struct codeowners_rule *r = codeowners_match(labelled, "torch/distributed/_composable/fsdp.py");
	ck_assert_uint_eq(r->nlabels, 2);
	ck_assert_str_eq(r->labels[0], "module: composable");
	ck_assert_str_eq(r->labels[1], "oncall: distributed");
	r = codeowners_match(labelled, "test/dynamo/test_misc.py");   /* a comment keeps the labels */
	ck_assert_uint_eq(r->nlabels, 1);
	ck_assert_str_eq(r->labels[0], "module: dynamo");
	r = codeowners_match(labelled, "torch/nn/functional.py");     /* a blank line ends them */
	ck_assert_uint_eq(r->nlabels, 0);
	r = codeowners_match(labelled, "docs/source/index.rst");      /* a pattern with no owner */
	ck_assert_str_eq(r->pattern, "/docs/");
	ck_assert_uint_eq(r->nowners, 0);
	r = codeowners_match(labelled, "#odd/x");                    /* an escaped '#' */
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->owners[0], "@odd-owner");
	r = codeowners_match(labelled, "torch/fft/__init__.py");
	ck_assert_uint_eq(r->nowners, 4);
	ck_assert_uint_eq(r->nlabels, 0);
}
END_TEST

START_TEST(parse_errors)
{
	struct codeowners *co = NULL;
	char err[256];
	ck_assert_int_eq(codeowners_parse("/a/ @ok\n/b/ not-an-owner\n", 24, &co, err, sizeof(err)), -1);
	ck_assert_ptr_null(co);
	ck_assert_msg(strstr(err, "line 2: \"not-an-owner\" is not an owner"), "%s", err);
	ck_assert_int_eq(codeowners_parse("/a/ @x\0y\n", 9, &co, err, sizeof(err)), -1);
	ck_assert_int_eq(codeowners_parse("/a/ @\xff\n", 6, &co, err, sizeof(err)), -1);
	ck_assert_int_eq(codeowners_load("/nonexistent/CODEOWNERS", &co, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/nonexistent/CODEOWNERS"), "%s", err);
	/* comments after the owners, CRLF, blank lines */
	ck_assert_int_eq(codeowners_parse("\r\n/a/ @x @y # the a team\r\n", 26, &co, err, sizeof(err)), 0);
	ck_assert_uint_eq(co->nrules, 1);
	ck_assert_uint_eq(co->rules[0].nowners, 2);
	codeowners_free(co);
}
END_TEST

static const struct { const char *pattern, *path; bool match; } match_cases[] = {
	{ "/torch/nn/", "torch/nn/functional.py", true },
	{ "/torch/nn/", "/torch/nn/modules/conv.py", true },
	{ "/torch/nn/", "./torch/nn/modules/conv.py", true },
	{ "/torch/nn/", "torch/nnx/a.py", false },
	{ "/torch/nn/", "x/torch/nn/a.py", false },           /* anchored at the root */
	{ "/torch/nn/", "torch/nn", false },                  /* a directory pattern, a file path */
	{ "/torch/nn/", "torch/nn/", true },
	{ "apps/", "x/y/apps/z.js", true },                   /* no slash but the last: any depth */
	{ "/apps/", "x/apps/z.js", false },
	{ "*.js", "a/b/c.js", true },
	{ "*.js", "a/b/c.jsx", false },
	{ "*", "anything/at/all", true },
	{ "docs/*", "docs/getting-started.md", true },
	{ "docs/*", "docs/build-app/troubleshooting.md", false },
	{ "/build/logs/", "build/logs/a/b/c.txt", true },
	{ "**/logs", "deep/down/logs/x.txt", true },
	{ "**/logs", "logs/x.txt", true },
	{ "/aten/src/ATen/native/**/*LinearAlgebra*", "aten/src/ATen/native/cuda/LinearAlgebra.cpp", true },
	{ "/aten/src/ATen/native/**/*LinearAlgebra*", "aten/src/ATen/native/LinearAlgebra.cpp", true },
	{ "/aten/src/ATen/native/**/*LinearAlgebra*", "aten/src/ATen/LinearAlgebra.cpp", false },
	{ "/torch/nn/utils/parametriz*.py", "torch/nn/utils/parametrize.py", true },
	{ "/torch/nn/utils/parametriz*.py", "torch/nn/utils/sub/parametrize.py", false },
	{ "/torch/distributed/_composable", "torch/distributed/_composable/fsdp/x.py", true },
	{ "torch/csrc/autograd/profiler*", "torch/csrc/autograd/profiler_kineto.cpp", true },
	{ "test/test_ops.py", "test/test_ops.py", true },
	{ "test/test_ops.py", "test/test_ops.pyc", false },
	{ "a?c", "abc", true },
	{ "a?c", "a/c", false },
	{ "", "x", false },
};

START_TEST(pattern_match)
{
	bool got = codeowners_pattern_match(match_cases[_i].pattern, match_cases[_i].path);
	ck_assert_msg(got == match_cases[_i].match, "%s vs %s: %d", match_cases[_i].pattern,
		      match_cases[_i].path, got);
}
END_TEST

/* The last matching rule decides. */
static const struct { const char *path, *pattern, *first_owner; } last_cases[] = {
	{ "torch/distributed/_composable/replicate.py", "/torch/distributed/_composable", "@mrshenli" },
	{ "torch/distributed/rpc/api.py", "/torch/distributed/", "@mrshenli" },
	{ "torch/csrc/autograd/profiler_legacy.cpp", "torch/csrc/autograd/profiler*", "@aaronenyeshi" },
	{ "torch/csrc/autograd/engine.cpp", "/torch/csrc/autograd/", "@albanD" },
	{ "aten/src/ATen/native/quantized/cuda/x.cu", "/aten/src/ATen/native/quantized/cuda", "@jerryzh168" },
	{ ".ci/docker/ci_commit_pins/triton.txt", "/.ci/docker/ci_commit_pins/triton.txt", "@desertfire" },
	{ ".ci/docker/build.sh", "/.ci/docker/", "@jeffdaily" },
	{ "torch/testing/_internal/common_device_type.py", "/torch/testing/_internal/common_device_type.py",
	  "@mruberry" },
	{ "README.md", NULL, NULL },
};

START_TEST(last_match_wins)
{
	const struct codeowners_rule *r = codeowners_match(pytorch, last_cases[_i].path);
	if (!last_cases[_i].pattern) {
		ck_assert_ptr_null(r);
		return;
	}
	ck_assert_msg(r, "%s: no rule", last_cases[_i].path);
	ck_assert_str_eq(r->pattern, last_cases[_i].pattern);
	ck_assert_str_eq(r->owners[0], last_cases[_i].first_owner);
}
END_TEST

START_TEST(labels_name_modules)
{
	struct lookup_aliases *a = lookup_aliases_clone(lookup_aliases_bundled());
	codeowners_label_aliases(labelled, bundled, a);
	lookup_set_aliases(bundled, a);
	lookup_aliases_free(a);
	struct lookup_result res;
	/* a label, and its word after the colon */
	ck_assert_uint_eq(lookup_modules(bundled, "module: composable", &res), 1);
	ck_assert_str_eq(res.groups[0]->title, "Distributed");
	ck_assert_int_eq(res.how, LOOKUP_WORD);
	ck_assert_uint_eq(lookup_modules(bundled, "composable", &res), 1);
	ck_assert_str_eq(res.groups[0]->title, "Distributed");
	ck_assert_uint_eq(lookup_modules(bundled, "oncall: distributed", &res), 1);
	ck_assert_uint_eq(lookup_modules(bundled, "module: mps", &res), 1);
	ck_assert_str_eq(res.groups[0]->title, "Apple M1/MPS");
	/* a heading still beats a label of the same word */
	ck_assert_uint_eq(lookup_modules(bundled, "distributed", &res), 1);
	ck_assert_int_eq(res.how, LOOKUP_HEADING);
}
END_TEST

static bool has_handle(const char *const *list, size_t n, const char *h)
{
	for (size_t i = 0; i < n; i++)
		if (str_ieq(list[i], h))
			return true;
	return false;
}

START_TEST(drift_against_bundled)
{
	struct codeowners_report rep;
	size_t findings = codeowners_compare(pytorch, bundled, NULL, &rep);
	ck_assert_uint_gt(findings, 20);
	const struct codeowners_drift *dist = NULL;
	for (size_t i = 0; i < rep.nmodules; i++)
		if (strcmp(rep.modules[i].group->title, "Distributed") == 0)
			dist = &rep.modules[i];
	ck_assert_ptr_nonnull(dist);
	ck_assert_uint_ge(dist->nrules, 4);
	/* owners of its paths who are not its maintainers */
	ck_assert(has_handle(dist->strangers, dist->nstrangers, "awgu"));
	ck_assert(has_handle(dist->strangers, dist->nstrangers, "yhcharles"));
	ck_assert(!has_handle(dist->strangers, dist->nstrangers, "mrshenli"));
	/* active maintainers owning none of its paths */
	ck_assert(has_handle(dist->idle, dist->nidle, "pritamdamania87"));
	ck_assert(!has_handle(dist->idle, dist->nidle, "kwen2501"));
	/* emeritus people still listed as owners */
	ck_assert(has_handle(dist->emeritus, dist->nemeritus, "osalpekar"));
	ck_assert(!has_handle(dist->strangers, dist->nstrangers, "osalpekar"));
	/* handles unknown to the roster, each once */
	ck_assert(has_handle(rep.unknown, rep.nunknown, "janeyx99"));
	ck_assert(!has_handle(rep.unknown, rep.nunknown, "albanD"));
	size_t jane = 0;
	for (size_t i = 0; i < rep.nunknown; i++)
		jane += str_ieq(rep.unknown[i], "janeyx99");
	ck_assert_uint_eq(jane, 1);
	ck_assert_uint_gt(rep.unmapped, 0);   /* .github/, test files: no module */
	codeowners_report_release(&rep);

	/* one module alone */
	const struct roster_group *g = lookup_module(bundled, "torch.optim", NULL);
	findings = codeowners_compare(pytorch, bundled, g, &rep);
	ck_assert_uint_eq(rep.nmodules, 1);
	ck_assert_ptr_eq(rep.modules[0].group, g);
	ck_assert(has_handle(rep.modules[0].strangers, rep.modules[0].nstrangers, "janeyx99"));
	ck_assert(has_handle(rep.modules[0].idle, rep.modules[0].nidle, "soumith"));
	ck_assert(has_handle(rep.unknown, rep.nunknown, "janeyx99"));
	ck_assert(!has_handle(rep.unknown, rep.nunknown, "salilsdesai"));   /* not an optim owner */
	/* janeyx99 is unknown and not an optim maintainer: counted once */
	ck_assert_uint_eq(findings, rep.modules[0].nstrangers + rep.modules[0].nidle + rep.modules[0].nemeritus);
	codeowners_report_release(&rep);
}
END_TEST

START_TEST(agreement)
{
	static const char text[] = "# FFT\n/torch/fft/ @mruberry @peterbell10\n/test/test_spectral_ops.py @mruberry\n";
	struct codeowners *co;
	char err[128];
	ck_assert_int_eq(codeowners_parse(text, strlen(text), &co, err, sizeof(err)), 0);
	struct codeowners_report rep;
	ck_assert_uint_eq(codeowners_compare(co, bundled, NULL, &rep), 0);
	ck_assert_uint_eq(rep.nmodules, 1);
	ck_assert_uint_eq(rep.unmapped, 1);
	codeowners_report_release(&rep);
	codeowners_free(co);
}
END_TEST

/* ---- through the binary ------------------------------------------------------------ */

static char govbot[PATH_MAX];
static char tmpdir[64];

static void cli_setup(void)
{
	ck_assert_int_eq(tu_find_govbot(govbot, "test_codeowners"), 0);
	tu_mkdtemp(tmpdir, sizeof(tmpdir), "codeowners");
}

static void cli_teardown(void)
{
	ck_assert_int_eq(tu_rmrf(tmpdir), 0);
}

/* Writes a config naming the CODEOWNERS file (NULL: none) and the extra JSON. */
static const char *config(const char *codeowners, const char *extra)
{
	static char path[PATH_MAX];
	char data[PATH_MAX], text[2 * PATH_MAX + 256];
	snprintf(path, sizeof(path), "%s/govbot.json", tmpdir);
	if (codeowners) {
		path_of(data, sizeof(data), codeowners);
		char abs[PATH_MAX];
		ck_assert_ptr_nonnull(realpath(data, abs));
		snprintf(text, sizeof(text), "{\"database\": \"db.sqlite3\", \"codeowners\": \"%s\"%s%s}", abs,
			 extra ? ", " : "", extra ? extra : "");
	} else {
		snprintf(text, sizeof(text), "{\"database\": \"db.sqlite3\"%s%s}", extra ? ", " : "",
			 extra ? extra : "");
	}
	tu_write_file(path, text);
	return path;
}

static void run(const char *const *args, struct tu_proc *p)
{
	static const char *const env[] = { "GOVBOT_CONFIG", NULL };
	tu_run(govbot, tmpdir, args, NULL, 0, env, 0, 20000, p);
}

START_TEST(check_ownership_verb)
{
	struct tu_proc p;
	const char *cfg = config("CODEOWNERS", NULL);
	const char *args[] = { "check-ownership", "--config", cfg, NULL };
	run(args, &p);
	ck_assert_int_eq(p.status, 1);   /* they differ */
	const char *o = buf_str(&p.out);
	ck_assert_msg(strstr(o, "Distributed ("), "%s", o);
	ck_assert(strstr(o, "owners who are not its maintainers"));
	ck_assert(strstr(o, "active maintainers owning none of its paths"));
	ck_assert(strstr(o, "emeritus maintainers still owners (1): @osalpekar"));
	ck_assert(strstr(o, "handles unknown to the roster:"));
	ck_assert(strstr(o, " differences\n"));
	tu_proc_release(&p);

	/* agreement: exit 0 */
	char co[PATH_MAX];
	snprintf(co, sizeof(co), "%s/CODEOWNERS", tmpdir);
	tu_write_file(co, "/torch/fft/ @mruberry @peterbell10\n");
	char text[PATH_MAX + 64];
	snprintf(text, sizeof(text), "{\"database\": \"db.sqlite3\", \"codeowners\": \"CODEOWNERS\"}");
	tu_write_file(cfg, text);
	run(args, &p);
	ck_assert_msg(p.status == 0, "%s%s", buf_str(&p.out), buf_str(&p.err));
	ck_assert(strstr(buf_str(&p.out), "0 differences\n"));
	/* counts of one read in the singular */
	ck_assert_msg(strstr(buf_str(&p.out), ": 1 rule; 1 names paths of 1 roster module, 0 name none\n"),
		      "%s", buf_str(&p.out));
	tu_proc_release(&p);
	tu_write_file(co, "/torch/fft/ @mruberry\n");
	run(args, &p);
	ck_assert_int_eq(p.status, 1);
	ck_assert_msg(strstr(buf_str(&p.out), "Fast Fourier Transform (torch.fft) (1 rule):\n"), "%s",
		      buf_str(&p.out));
	ck_assert(strstr(buf_str(&p.out), "\n1 difference\n"));
	tu_proc_release(&p);

	/* no CODEOWNERS configured, or unreadable: exit 2 */
	cfg = config(NULL, NULL);
	run(args, &p);
	ck_assert_int_eq(p.status, 2);
	ck_assert(strstr(buf_str(&p.err), "names no CODEOWNERS file"));
	tu_proc_release(&p);
	snprintf(text, sizeof(text), "{\"database\": \"db.sqlite3\", \"codeowners\": \"missing\"}");
	tu_write_file(cfg, text);
	run(args, &p);
	ck_assert_int_eq(p.status, 2);
	ck_assert_msg(strstr(buf_str(&p.err), "codeowners: "), "%s", buf_str(&p.err));
	tu_proc_release(&p);
}
END_TEST

START_TEST(ownership_and_who_path)
{
	struct tu_proc p;
	const char *cfg = config("CODEOWNERS_labels", NULL);
	const char *who[] = { "ask", "--config", cfg, "who torch/_dynamo/eval_frame.py", NULL };
	run(who, &p);
	ck_assert_int_eq(p.status, 0);
	const char *o = buf_str(&p.out);
	ck_assert_msg(strstr(o, "Compilers (JIT / TorchScript / FX / TorchDynamo) (for "
			     "`torch/_dynamo/eval_frame.py`)"), "%s", o);
	ck_assert(strstr(o, "CODEOWNERS for `torch/_dynamo/eval_frame.py` (rule `/torch/_dynamo/`): "
			    "@jansel, @anijain2305; label `module: dynamo`"));
	tu_proc_release(&p);

	/* a label's word finds the module whose paths carry it */
	const char *label[] = { "ask", "--config", cfg, "who composable", NULL };
	run(label, &p);
	ck_assert_int_eq(p.status, 0);
	ck_assert_msg(strstr(buf_str(&p.out), "Distributed (for `composable`)"), "%s", buf_str(&p.out));
	tu_proc_release(&p);

	/* a path no module covers still has its owners */
	const char *docs[] = { "ask", "--config", cfg, "who README.md", NULL };
	run(docs, &p);
	ck_assert_int_eq(p.status, 0);
	ck_assert_msg(strstr(buf_str(&p.out), "no module of the roster covers `README.md`"), "%s", buf_str(&p.out));
	ck_assert(strstr(buf_str(&p.out), "(rule `*.md`): @svekars"));
	tu_proc_release(&p);

	const char *own[] = { "ask", "--config", cfg, "ownership Apple M1/MPS", NULL };
	run(own, &p);
	ck_assert_int_eq(p.status, 0);
	o = buf_str(&p.out);
	ck_assert_msg(strstr(o, "Apple M1/MPS: 1 CODEOWNERS rule names its paths; 2 differences:"), "%s", o);
	ck_assert(strstr(o, "active maintainers owning none of its paths (2): @alband, @razarmehr"));
	tu_proc_release(&p);

	const char *sum[] = { "ask", "--config", cfg, "ownership", NULL };
	run(sum, &p);
	ck_assert_int_eq(p.status, 0);
	o = buf_str(&p.out);
	ck_assert_msg(strstr(o, "CODEOWNERS and the roster disagree on"), "%s", o);
	ck_assert(strstr(o, "`ownership MODULE` shows one module"));
	tu_proc_release(&p);

	/* without a CODEOWNERS file */
	cfg = config(NULL, NULL);
	const char *none[] = { "ask", "--config", cfg, "ownership", NULL };
	run(none, &p);
	ck_assert_int_eq(p.status, 1);
	ck_assert(strstr(buf_str(&p.out), "no CODEOWNERS file is configured"));
	tu_proc_release(&p);
}
END_TEST

START_TEST(check_config_aliases)
{
	struct tu_proc p;
	const char *cfg = config("CODEOWNERS", "\"aliases\": {\"pt2\": [\"TorchDynamo\"], \"ghost\": [\"Nope\"]}");
	const char *args[] = { "check-config", "--config", cfg, NULL };
	run(args, &p);
	ck_assert_msg(p.status == 0, "%s", buf_str(&p.out));
	ck_assert_msg(strstr(buf_str(&p.out), "aliases.ghost: warning: names no module of the roster (Nope)\n"), "%s",
		      buf_str(&p.out));
	tu_proc_release(&p);
	const char *ask[] = { "ask", "--config", cfg, "who pt2", NULL };
	run(ask, &p);
	ck_assert_int_eq(p.status, 0);
	ck_assert(strstr(buf_str(&p.out), "Compilers (JIT / TorchScript / FX / TorchDynamo) (for `pt2`)"));
	tu_proc_release(&p);

	cfg = config(NULL, "\"aliases\": {\"pt2\": []}, \"codeowners\": 5");
	run(args, &p);
	ck_assert_int_eq(p.status, 1);
	ck_assert_msg(strstr(buf_str(&p.out), "aliases.pt2: must be a non-empty array of module names\n"), "%s",
		      buf_str(&p.out));
	ck_assert(strstr(buf_str(&p.out), "codeowners: expected a string"));
	tu_proc_release(&p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("codeowners");
	TCase *t = tcase_create("parse");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, parse_fixture);
	tcase_add_test(t, parse_labels);
	tcase_add_test(t, parse_errors);
	tcase_add_loop_test(t, pattern_match, 0, (int)ARRAY_SIZE(match_cases));
	tcase_add_loop_test(t, last_match_wins, 0, (int)ARRAY_SIZE(last_cases));
	tcase_add_test(t, labels_name_modules);
	tcase_add_test(t, drift_against_bundled);
	tcase_add_test(t, agreement);
	suite_add_tcase(s, t);
	TCase *c = tcase_create("cli");
	tcase_add_checked_fixture(c, cli_setup, cli_teardown);
	tcase_set_timeout(c, 60);
	tcase_add_test(c, check_ownership_verb);
	tcase_add_test(c, ownership_and_who_path);
	tcase_add_test(c, check_config_aliases);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
