/* test_lookup.c - chatbot/roster/lookup.c: headings, aliases, torch.x names,
 * source paths, did-you-mean, people, and that lookups stay fast. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
#include "tests/testutil.h"

static struct roster *bundled;
static struct roster *small;

static void setup(void)
{
	bundled = roster_load_default();
	char err[256], path[512];
	const char *dir = getenv("SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/data/roster_small.md", dir ? dir : ".");
	ck_assert_msg(roster_load(path, &small, err, sizeof(err)) == 0, "%s", err);
}

static void teardown(void)
{
	roster_free(bundled);
	roster_free(small);
}

/* The first module group, in page order, with that heading or alias. */
static const struct roster_group *first_named(const struct roster *r, const char *name)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct roster_group *g = &r->groups[i];
		if (!roster_group_is_module(r, g))
			continue;
		if (str_ieq(g->title, name))
			return g;
	}
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct roster_group *g = &r->groups[i];
		if (!roster_group_is_module(r, g))
			continue;
		for (size_t a = 0; a < g->naliases; a++)
			if (str_ieq(g->aliases[a], name))
				return g;
	}
	return NULL;
}

static void upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 32);
}

START_TEST(every_bundled_module_by_heading_and_alias)
{
	const struct roster *r = _i ? small : bundled;
	size_t modules = 0;
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct roster_group *g = &r->groups[i];
		if (!roster_group_is_module(r, g)) {
			ck_assert_ptr_null(lookup_module(r, g->title, NULL));
			continue;
		}
		modules++;
		ck_assert_msg(lookup_module(r, g->title, NULL) == g, "heading %s", g->title);
		char shout[256];
		snprintf(shout, sizeof(shout), "  `%s`?  ", g->title);
		upper(shout);
		ck_assert_msg(lookup_module(r, shout, NULL) == g, "heading %s", shout);
		for (size_t a = 0; a < g->naliases; a++) {
			const struct roster_group *want = first_named(r, g->aliases[a]);
			ck_assert_msg(lookup_module(r, g->aliases[a], NULL) == want, "alias %s of %s",
				      g->aliases[a], g->title);
			/* the alias of a group later in the page may be taken by an earlier one,
			 * but never silently by an unrelated group */
			ck_assert(want == g || want < g);
		}
	}
	ck_assert_int_eq(modules, _i ? 12u : 35u);
}
END_TEST

struct find_case {
	const char *query;
	const char *title; /* NULL: not found */
};

static const struct find_case bundled_cases[] = {
	{ "torch.nn", "NN APIs (torch.nn)" },
	{ "TORCH.NN", "NN APIs (torch.nn)" },
	{ "`torch.nn`", "NN APIs (torch.nn)" },
	{ "torch.nn?", "NN APIs (torch.nn)" },
	{ "torch.nn.functional", "NN APIs (torch.nn)" },
	{ "torch.nn.modules.conv.Conv2d", "NN APIs (torch.nn)" },
	{ "torch/nn/functional.py", "NN APIs (torch.nn)" },
	{ "torch/nn/", "NN APIs (torch.nn)" },
	{ "./torch/nn/modules/linear.py", "NN APIs (torch.nn)" },
	{ "pytorch/torch/optim/adam.py", "Optimizers (torch.optim)" },
	{ "torch/optim/__init__.py", "Optimizers (torch.optim)" },
	{ "torch/linalg/__init__.py", "Linear Algebra (torch.linalg)" },
	{ "torch/csrc/autograd/engine.cpp", "Autograd (torch.autograd)" },
	{ "torch.autograd.grad", "Autograd (torch.autograd)" },
	{ "nn.functional", "NN APIs (torch.nn)" },
	{ "optim", "Optimizers (torch.optim)" },
	{ "autograd", "Autograd (torch.autograd)" },
	{ "TorchScript", "Compilers (JIT / TorchScript / FX / TorchDynamo)" },
	{ "fx", "Compilers (JIT / TorchScript / FX / TorchDynamo)" },
	{ "rocm", "AMD/ROCm/HIP" },
	{ "AMD/ROCm/HIP", "AMD/ROCm/HIP" },
	{ "MPS", "Apple M1/MPS" },
	{ "cuda", "GPU Performance (Torch Inductor / Triton / CUDA)" },
	{ "Torch Inductor", "CPU Performance (Torch Inductor / MKLDNN)" },
	{ "ci", "Build + CI" },
	{ "build  +  ci", "Build + CI" },
	{ "DataLoaders", "Multiprocessing and DataLoaders" },
	{ "distributed", "Distributed" },
	{ "torchdata", "TorchData / TorchArrow" },
	{ "windows", "Windows" },
	{ "xla", "XLA" },
	{ "torch", NULL },
	{ "", NULL },
	{ "   ", NULL },
	{ "???", NULL },
	{ "blockchain", NULL },
	{ "torch.nnn", NULL },
	{ "torch/csrc", NULL },
};

START_TEST(find_in_bundled)
{
	const struct find_case *c = &bundled_cases[_i];
	const struct roster_group *g = lookup_module(bundled, c->query, NULL);
	if (!c->title)
		ck_assert_msg(g == NULL, "%s found %s", c->query, g ? g->title : "");
	else
		ck_assert_msg(g && strcmp(g->title, c->title) == 0, "%s -> %s", c->query, g ? g->title : "(none)");
}
END_TEST

static const struct find_case small_cases[] = {
	{ "AOTI", "AOT Inductor (AOTI) & AOTI Runtime" },
	{ "aoti runtime", "AOT Inductor (AOTI) & AOTI Runtime" },
	{ "torch/ao/quantization/observer.py", "Quantization (torch/ao)" },
	{ "torch.ao.quantization", "Quantization (torch/ao)" },
	{ "torch/ao", "Quantization (torch/ao)" },
	{ "quantization", "Quantization (torch/ao)" },
	{ "Metal", "Apple M1/MPS/Metal" },
	{ "Mobile", "ExecuTorch (Edge, Mobile)" },
	{ "TorchChat", "TorchChat" },
	{ "RNG", "Distributions & RNG" },
	{ "BDFL", NULL },
	{ "Core Maintainers", NULL },
};

START_TEST(find_in_small)
{
	const struct find_case *c = &small_cases[_i];
	const struct roster_group *g = lookup_module(small, c->query, NULL);
	if (!c->title)
		ck_assert_msg(g == NULL, "%s found %s", c->query, g ? g->title : "");
	else
		ck_assert_msg(g && strcmp(g->title, c->title) == 0, "%s -> %s", c->query, g ? g->title : "(none)");
}
END_TEST

struct suggest_case {
	const char *query;
	const char *suggestion; /* NULL: nothing close */
};

static const struct suggest_case suggest_cases[] = {
	{ "torch.nnn", "torch.nn" },
	{ "torch.nnn.functional", "torch.nn" },
	{ "autgrad", "Autograd" },
	{ "Autograd (torch.autgrad)", "Autograd (torch.autograd)" },
	{ "optimizer", "Optimizers" },
	{ "torch.linalgg", "torch.linalg" },
	{ "Distribted", "Distributed" },
	{ "torchvison", "TorchVision" },
	{ "blockchain", NULL },
	{ "xyz", NULL },
	{ "", NULL },
};

START_TEST(did_you_mean)
{
	const struct suggest_case *c = &suggest_cases[_i];
	const char *s = (const char *)1;
	ck_assert_ptr_null(lookup_module(bundled, c->query, &s));
	if (!c->suggestion)
		ck_assert_msg(s == NULL, "%s suggested %s", c->query, s ? s : "");
	else
		ck_assert_msg(s && strcmp(s, c->suggestion) == 0, "%s -> %s", c->query, s ? s : "(none)");
	/* the suggestion itself is found */
	if (s)
		ck_assert_ptr_nonnull(lookup_module(bundled, s, NULL));
}
END_TEST

START_TEST(found_clears_suggestion)
{
	const char *s = (const char *)1;
	ck_assert_ptr_nonnull(lookup_module(bundled, "torch.nn", &s));
	ck_assert_ptr_null(s);
	ck_assert_ptr_null(lookup_module(bundled, NULL, &s));
	ck_assert_ptr_null(s);
	char longq[1000];
	memset(longq, 'a', sizeof(longq) - 1);
	longq[sizeof(longq) - 1] = '\0';
	ck_assert_ptr_null(lookup_module(bundled, longq, &s));
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(person_roles)
{
	struct lookup_role roles[32];
	size_t n = lookup_person(bundled, "ALBAND", roles, 32);
	/* albanD / alband: NN, Optimizers, Autograd, NestedTensor, Build + CI, Apple M1/MPS */
	ck_assert_int_eq(n, 6);
	ck_assert_str_eq(roles[0].group->title, "NN APIs (torch.nn)");
	ck_assert_str_eq(roles[5].group->title, "Apple M1/MPS");
	for (size_t i = 0; i < n; i++)
		ck_assert(!roles[i].emeritus);
	n = lookup_person(bundled, "cpuhrsch", roles, 32);
	ck_assert_int_gt(n, 3);
	bool any_emeritus = false, any_active = false;
	for (size_t i = 0; i < n; i++) {
		any_emeritus = any_emeritus || roles[i].emeritus;
		any_active = any_active || !roles[i].emeritus;
	}
	ck_assert(any_emeritus && any_active);
	/* counts beyond max */
	ck_assert_int_eq(lookup_person(bundled, "soumith", roles, 1), 4);
	ck_assert_str_eq(roles[0].group->title, "Lead Core Maintainer (BDFL)");
	ck_assert_int_eq(lookup_person(bundled, "nobody", roles, 32), 0);
	ck_assert_int_eq(lookup_person(bundled, "", roles, 32), 0);
	ck_assert_int_eq(lookup_person(small, "aturing", roles, 32), 2); /* ATuring, ATURING */
}
END_TEST

/* A module named by the leading words of a longer text. */
static const struct {
	const char *text, *title, *rest;
} prefix_cases[] = {
	{ "C++ API adopt the stable ABI", "C++ API", "adopt the stable ABI" },
	{ "ONNX exporter: drop opset 9", "ONNX exporter", "drop opset 9" },
	{ "  torch.nn contributions: many PRs", "NN APIs (torch.nn)", "contributions: many PRs" },
	{ "NN APIs (torch.nn) support: yes", "NN APIs (torch.nn)", "support: yes" },
	{ "\"C++ API\" use clang-format", "C++ API", "use clang-format" },
	{ "torch/nn/functional.py\nsecond line", "NN APIs (torch.nn)", "second line" },
	{ "no such module here", NULL, NULL },
	{ "", NULL, NULL },
};

START_TEST(module_prefix)
{
	const char *rest = "untouched";
	const struct roster_group *g = lookup_module_prefix(bundled, prefix_cases[_i].text, &rest);
	if (!prefix_cases[_i].title) {
		ck_assert_ptr_null(g);
		ck_assert_str_eq(rest, "untouched");
		return;
	}
	ck_assert_msg(g != NULL, "nothing found in \"%s\"", prefix_cases[_i].text);
	ck_assert_str_eq(g->title, prefix_cases[_i].title);
	ck_assert_str_eq(rest, prefix_cases[_i].rest);
}
END_TEST

START_TEST(lookups_are_fast)
{
	const int n = 1000000;
	long long t0 = time_mono_ms();
	size_t hits = 0;
	for (int i = 0; i < n; i++)
		hits += lookup_module(bundled, (i & 1) ? "torch.nn" : "torch.nn.functional", NULL) != NULL;
	long long ms = time_mono_ms() - t0;
	ck_assert_int_eq(hits, (size_t)n);
	fprintf(stderr, "lookup_module: %d lookups in %lld ms\n", n, ms);
#if !defined(__SANITIZE_ADDRESS__)
	ck_assert_int_lt(ms, 500);
#endif
}
END_TEST

static Suite *lookup_suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *t = tcase_create("module");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_loop_test(t, every_bundled_module_by_heading_and_alias, 0, 2);
	tcase_add_loop_test(t, find_in_bundled, 0, (int)ARRAY_SIZE(bundled_cases));
	tcase_add_loop_test(t, find_in_small, 0, (int)ARRAY_SIZE(small_cases));
	tcase_add_loop_test(t, did_you_mean, 0, (int)ARRAY_SIZE(suggest_cases));
	tcase_add_test(t, found_clears_suggestion);
	tcase_add_test(t, person_roles);
	tcase_add_loop_test(t, module_prefix, 0, (int)ARRAY_SIZE(prefix_cases));
	tcase_add_test(t, lookups_are_fast);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run_suite(lookup_suite());
}
