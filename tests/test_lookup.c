/* test_lookup.c - chatbot/roster/lookup.c: headings, aliases, torch.x names,
 * source paths, did-you-mean, people, and that lookups stay fast. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
#include "tests/testutil.h"

static long long cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct roster *bundled;
static struct roster *small;
static struct roster *upstream;   /* tests/data/roster_upstream.md: the newer upstream shape */

static void setup(void)
{
	bundled = roster_load_default();
	char err[256], path[512];
	const char *dir = getenv("SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/data/roster_small.md", dir ? dir : ".");
	ck_assert_msg(roster_load(path, &small, err, sizeof(err)) == 0, "%s", err);
	snprintf(path, sizeof(path), "%s/tests/data/roster_upstream.md", dir ? dir : ".");
	ck_assert_msg(roster_load(path, &upstream, err, sizeof(err)) == 0, "%s", err);
}

static void teardown(void)
{
	roster_free(bundled);
	roster_free(small);
	roster_free(upstream);
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


/* ---- names as people type them: both page shapes ------------------------------------ */

struct many_case {
	int page;                 /* 0 bundled, 1 upstream */
	const char *query;
	enum lookup_how how;
	const char *titles[4];    /* best first; none: not found */
};

#define GPU "GPU Performance (Torch Inductor / Triton / CUDA)"
#define CPU "CPU Performance (Torch Inductor / MKLDNN)"
#define COMPILERS "Compilers (JIT / TorchScript / FX / TorchDynamo)"

static const struct many_case many_cases[] = {
	/* a distinctive word of a heading or of its parentheses */
	{ 0, "fx", LOOKUP_NAME, { COMPILERS } },
	{ 0, "FX", LOOKUP_NAME, { COMPILERS } },
	{ 0, "triton", LOOKUP_NAME, { GPU } },
	{ 0, "mkldnn", LOOKUP_NAME, { CPU } },
	{ 0, "hip", LOOKUP_NAME, { "AMD/ROCm/HIP" } },
	{ 0, "fourier", LOOKUP_WORD, { "Fast Fourier Transform (torch.fft)" } },
	/* a run of words, with "the" in front */
	{ 0, "the C++ API", LOOKUP_HEADING, { "C++ API" } },
	{ 0, "fourier transform", LOOKUP_WORD, { "Fast Fourier Transform (torch.fft)" } },
	{ 0, "operator dispatch", LOOKUP_NAME, { "C10 utils and operator dispatch" } },
	/* a Torch/PyTorch prefix on either side */
	{ 0, "vision", LOOKUP_NAME, { "TorchVision" } },
	{ 0, "torch vision", LOOKUP_NAME, { "TorchVision" } },
	{ 0, "PyTorch-Vision", LOOKUP_NAME, { "TorchVision" } },
	{ 0, "torchdynamo", LOOKUP_NAME, { COMPILERS } },
	{ 0, "dynamo", LOOKUP_NAME, { COMPILERS } },
	{ 0, "torchinductor", LOOKUP_NAME, { CPU, GPU } },
	/* torch.X where X is a word or an alias; dotted names and paths alike */
	{ 0, "torch.multiprocessing", LOOKUP_PATH, { "Multiprocessing and DataLoaders" } },
	{ 0, "torch/multiprocessing", LOOKUP_PATH, { "Multiprocessing and DataLoaders" } },
	{ 0, "torch.fx", LOOKUP_PATH, { COMPILERS } },
	{ 0, "torch.fx.GraphModule", LOOKUP_PATH, { COMPILERS } },
	{ 0, "torch/linalg", LOOKUP_NAME, { "Linear Algebra (torch.linalg)" } },
	{ 0, "torch.linalg.svd", LOOKUP_PATH, { "Linear Algebra (torch.linalg)" } },
	/* source paths: components name it; leading underscores and file names ignored */
	{ 0, "torch/fx/graph.py", LOOKUP_PATH, { COMPILERS } },
	{ 0, "torch/_dynamo/eval_frame.py", LOOKUP_PATH, { COMPILERS } },
	{ 0, "torch/_inductor/codecache.py", LOOKUP_PATH, { CPU, GPU } },
	{ 0, "aten/src/ATen/native/mps/Copy.mm", LOOKUP_PATH, { "Apple M1/MPS" } },
	{ 0, "test/distributed/test_c10d.py", LOOKUP_PATH, { "Distributed" } },
	{ 0, "torch/distributed/fsdp/api.py", LOOKUP_PATH, { "Distributed" } },
	{ 0, "torch/utils/data/dataloader.py", LOOKUP_PATH, { "Multiprocessing and DataLoaders" } },
	{ 0, "torch/onnx.py", LOOKUP_NONE, { NULL } },   /* the file name alone names nothing */
	/* several modules fit: all of them, best first */
	{ 0, "inductor", LOOKUP_NAME, { CPU, GPU } },
	{ 0, "performance", LOOKUP_WORD, { CPU, GPU, "Performance Tools" } },
	/* bundled aliases: what users type that no heading says */
	{ 0, "pt2", LOOKUP_NAME, { COMPILERS, CPU, GPU } },
	{ 0, "ddp", LOOKUP_NAME, { "Distributed" } },
	{ 0, "torch.compile", LOOKUP_NAME, { COMPILERS, CPU, GPU } },
	{ 0, "onednn", LOOKUP_NAME, { CPU } },
	{ 0, "libtorch", LOOKUP_NAME, { "C++ API" } },
	/* torch.fx is not TorchX, and TorchX is still TorchX */
	{ 0, "torchx", LOOKUP_HEADING, { "TorchX" } },

	{ 1, "dynamo", LOOKUP_NAME, { "TorchDynamo" } },
	{ 1, "inductor", LOOKUP_NAME, { "TorchInductor" } },   /* clearly best: its own heading */
	{ 1, "torch/_inductor/codecache.py", LOOKUP_PATH, { "TorchInductor" } },
	{ 1, "torch/_dynamo/convert_frame.py", LOOKUP_PATH, { "TorchDynamo" } },
	{ 1, "torch/_export/serde/schema.py", LOOKUP_PATH, { "Export (torch.export)" } },
	{ 1, "torch.export", LOOKUP_NAME, { "Export (torch.export)" } },
	{ 1, "pt2", LOOKUP_NAME, { "TorchDynamo", "TorchInductor" } },
	{ 1, "aoti", LOOKUP_NAME, { "AOT Inductor (AOTI) & AOTI Runtime" } },
	{ 1, "torch.ao.quantization.quantize_fx", LOOKUP_PATH, { "Quantization (torch/ao)" } },
	{ 1, "torch.multiprocessing", LOOKUP_PATH, { "Multiprocessing" } },
	{ 1, "torch/utils/data/sampler.py", LOOKUP_PATH, { "DataLoader" } },
	{ 1, "executorch", LOOKUP_NAME, { "ExecuTorch (Edge, Mobile)" } },
	{ 1, "mobile", LOOKUP_NAME, { "ExecuTorch (Edge, Mobile)" } },
	{ 1, "multipy", LOOKUP_NAME, { "torch::deploy (MultiPy)" } },
	{ 1, "arrow", LOOKUP_NAME, { "TorchArrow" } },
	{ 1, "metal", LOOKUP_NAME, { "Apple M1/MPS/Metal" } },
	{ 1, "torch.fx", LOOKUP_NONE, { NULL } },
	{ 1, "ddp", LOOKUP_NAME, { "Distributed" } },
};

START_TEST(find_many)
{
	const struct many_case *c = &many_cases[_i];
	const struct roster *r = c->page ? upstream : bundled;
	struct lookup_result res;
	size_t want = 0;
	while (want < ARRAY_SIZE(c->titles) && c->titles[want])
		want++;
	size_t n = lookup_modules(r, c->query, &res);
	ck_assert_msg(n == want, "%s: %zu found, want %zu (first %s)", c->query, n, want,
		      n ? res.groups[0]->title : "-");
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(strcmp(res.groups[i]->title, c->titles[i]) == 0, "%s [%zu]: %s, want %s", c->query,
			      i, res.groups[i]->title, c->titles[i]);
	if (n)
		ck_assert_msg(res.how == c->how, "%s: how %d, want %d", c->query, res.how, c->how);
	else
		ck_assert_ptr_null(res.groups[0]);
}
END_TEST

/* "did you mean" never offers a module that shares only letters */
static const struct { int page; const char *query; const char *suggestion; } near_cases[] = {
	{ 1, "torch.fx", NULL },          /* not TorchX, not torch.nn */
	{ 1, "torch.fx.graph", NULL },
	{ 0, "torch.nnn", "torch.nn" },
	{ 1, "torch.exprot", "torch.export" },
	{ 1, "TorchDynamoo", "TorchDynamo" },
	{ 1, "Distribted", "Distributed" },
	{ 1, "torchxx", "TorchX" },
};

START_TEST(near_misses)
{
	struct lookup_result res;
	const struct roster *r = near_cases[_i].page ? upstream : bundled;
	ck_assert_uint_eq(lookup_modules(r, near_cases[_i].query, &res), 0);
	if (near_cases[_i].suggestion)
		ck_assert_msg(res.suggestion && strcmp(res.suggestion, near_cases[_i].suggestion) == 0,
			      "%s -> %s", near_cases[_i].query, res.suggestion ? res.suggestion : "(none)");
	else
		ck_assert_msg(!res.suggestion, "%s suggested %s", near_cases[_i].query, res.suggestion);
}
END_TEST

START_TEST(matched_name)
{
	struct lookup_result res;
	ck_assert_uint_eq(lookup_modules(bundled, "torch/fx/graph.py", &res), 1);
	ck_assert_str_eq(res.matched, "FX");
	ck_assert_uint_eq(lookup_modules(bundled, "torch.nn", &res), 1);
	ck_assert_int_eq(res.how, LOOKUP_NAME);
	ck_assert_str_eq(res.matched, "torch.nn");
	ck_assert_uint_eq(lookup_modules(bundled, "nn apis (torch.nn)", &res), 1);
	ck_assert_int_eq(res.how, LOOKUP_HEADING);
}
END_TEST

/* ---- aliases ------------------------------------------------------------------ */

static struct lookup_aliases *aliases_of(const char *json, struct buf *problems)
{
	cJSON *root = cJSON_Parse(json);
	ck_assert_ptr_nonnull(root);
	struct lookup_aliases *a = lookup_aliases_from_json(root, "aliases", problems);
	cJSON_Delete(root);
	return a;
}

START_TEST(config_aliases)
{
	struct buf problems = BUF_INIT;
	struct lookup_aliases *a = aliases_of("{\"pt2\": [\"TorchDynamo\", \"TorchInductor\"], "
					      "\"ghost\": [\"NoSuchModule\"], \"mixed\": [\"CUDA\", \"Nope\"], "
					      "\"one\": \"XLA\"}", &problems);
	ck_assert_msg(a, "%s", buf_str(&problems));
	lookup_set_aliases(upstream, a);
	struct lookup_result res;
	ck_assert_uint_eq(lookup_modules(upstream, "PT2", &res), 2);
	ck_assert_str_eq(res.groups[0]->title, "TorchDynamo");
	ck_assert_str_eq(res.groups[1]->title, "TorchInductor");
	ck_assert_uint_eq(lookup_modules(upstream, "ghost", &res), 0);   /* skipped */
	ck_assert_uint_eq(lookup_modules(upstream, "mixed", &res), 1);
	ck_assert_str_eq(res.groups[0]->title, "CUDA");
	ck_assert_uint_eq(lookup_modules(upstream, "one", &res), 1);
	/* the config's aliases replace the bundled ones */
	ck_assert_uint_eq(lookup_modules(upstream, "ddp", &res), 0);
	/* a copy of the roster keeps them (decisions clone it) */
	struct roster *c = roster_clone(upstream);
	ck_assert_uint_eq(lookup_modules(c, "pt2", &res), 2);
	roster_free(c);
	/* check-config says which name no module */
	ck_assert_uint_eq(lookup_aliases_check(upstream, a, "aliases", &problems), 2);
	ck_assert_msg(strstr(buf_str(&problems), "aliases.ghost: warning: names no module of the roster (NoSuchModule)\n"),
		      "%s", buf_str(&problems));
	ck_assert(strstr(buf_str(&problems), "aliases.mixed: warning: Nope names no module of the roster\n"));
	/* back to the bundled ones */
	lookup_set_aliases(upstream, NULL);
	ck_assert_uint_eq(lookup_modules(upstream, "ddp", &res), 1);
	lookup_aliases_free(a);
	buf_release(&problems);
}
END_TEST

START_TEST(bad_aliases)
{
	static const char *const bad[] = {
		"[]", "{\"x\": []}", "{\"x\": [1]}", "{\"x\": [\"\"]}", "{\"\": [\"XLA\"]}", "{\"x\": {}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct buf problems = BUF_INIT;
		ck_assert_msg(aliases_of(bad[i], &problems) == NULL, "%s accepted", bad[i]);
		ck_assert_msg(strncmp(buf_str(&problems), "aliases", 7) == 0, "%s: %s", bad[i], buf_str(&problems));
		buf_release(&problems);
	}
	/* every bundled alias names a module of the bundled page or of the upstream shape */
	const struct lookup_aliases *b = lookup_aliases_bundled();
	ck_assert_uint_gt(b->n, 20);
	for (size_t i = 0; i < b->n; i++) {
		struct lookup_result r1, r2;
		ck_assert_msg(lookup_modules(bundled, b->items[i].name, &r1) ||
			      lookup_modules(upstream, b->items[i].name, &r2) ||
			      strcmp(b->items[i].name, "aot autograd") == 0 || strcmp(b->items[i].name, "aotautograd") == 0 ||
			      strcmp(b->items[i].name, "vmap") == 0 || strcmp(b->items[i].name, "torch.func") == 0 ||
			      strcmp(b->items[i].name, "profiler") == 0 || strcmp(b->items[i].name, "torch.profiler") == 0 ||
			      strcmp(b->items[i].name, "kineto") == 0 || strcmp(b->items[i].name, "benchmarks") == 0 ||
			      strcmp(b->items[i].name, "nested tensor") == 0 || strcmp(b->items[i].name, "njt") == 0 ||
			      strcmp(b->items[i].name, "masked tensor") == 0,
			      "bundled alias %s names nothing", b->items[i].name);
	}
}
END_TEST

/* ---- people ------------------------------------------------------------------- */

static const struct { const char *query; size_t n; const char *first; } people_cases[] = {
	{ "soumith", 1, "Soumith Chintala" },
	{ "@SOUMITH", 1, "Soumith Chintala" },
	{ "Soumith Chintala", 1, "Soumith Chintala" },
	{ "soumith chintala?", 1, "Soumith Chintala" },
	{ "Chintala", 1, "Soumith Chintala" },
	{ "Soum", 1, "Soumith Chintala" },       /* the start of a name, 4 letters or more */
	{ "Christian", 2, "Christian Puhrsch" },
	{ "natalia", 1, "Natalia Gimelshein" },
	{ "alband", 1, "Alban Desmaison" },      /* albanD and alband: one person */
	{ "Alban Desmaison", 1, "Alban Desmaison" },
	{ "So", 0, NULL },
	{ "nobody here", 0, NULL },
	{ "", 0, NULL },
};

START_TEST(people)
{
	const struct roster_person *ps[8];
	size_t n = lookup_people(bundled, people_cases[_i].query, ps, 8);
	ck_assert_msg(n == people_cases[_i].n, "%s: %zu", people_cases[_i].query, n);
	if (n)
		ck_assert_str_eq(ps[0]->name, people_cases[_i].first);
}
END_TEST

START_TEST(lookups_are_fast)
{
	const int n = 1000000;
	long long t0 = cpu_ms();   /* CPU time: the machine is shared */
	size_t hits = 0;
	for (int i = 0; i < n; i++)
		hits += lookup_module(bundled, (i & 1) ? "torch.nn" : "torch.nn.functional", NULL) != NULL;
	long long ms = cpu_ms() - t0;
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
	tcase_add_loop_test(t, find_many, 0, (int)ARRAY_SIZE(many_cases));
	tcase_add_loop_test(t, near_misses, 0, (int)ARRAY_SIZE(near_cases));
	tcase_add_test(t, matched_name);
	tcase_add_test(t, config_aliases);
	tcase_add_test(t, bad_aliases);
	tcase_add_loop_test(t, people, 0, (int)ARRAY_SIZE(people_cases));
	tcase_add_test(t, lookups_are_fast);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run_suite(lookup_suite());
}
