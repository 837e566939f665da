/* test_roster.c - chatbot/roster*.c: both upstream forms, the table-of-
 * contents trap, errors with line numbers, round trips, queries, mutations. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
#include "tests/testutil.h"

/* Test data lives in tests/data, found from the source tree (cwd or $SRCDIR). */
static char *slurp(const char *name, size_t *len)
{
	char path[512], err[256];
	const char *dir = getenv("SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/data/%s", dir ? dir : ".", name);
	char *s = file_read(path, ROSTER_MAX_BYTES, len, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static struct roster *parse_ok(const char *text, size_t len)
{
	struct roster *r = NULL;
	char err[256] = "";
	ck_assert_msg(roster_parse(text, len, &r, err, sizeof(err)) == 0, "parse failed: %s", err);
	ck_assert_ptr_nonnull(r);
	return r;
}

static struct roster *load_ok(const char *name)
{
	size_t len;
	char *s = slurp(name, &len);
	struct roster *r = parse_ok(s, len);
	free(s);
	return r;
}

static char *write_fmt(const struct roster *r, enum roster_format fmt, size_t *len)
{
	struct buf b = BUF_INIT;
	roster_write(r, fmt, &b);
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

static const struct roster_group *group_titled(const struct roster *r, const char *title)
{
	for (size_t i = 0; i < r->ngroups; i++)
		if (strcmp(r->groups[i].title, title) == 0)
			return &r->groups[i];
	return NULL;
}

static size_t people_total(const struct roster *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ngroups; i++)
		n += r->groups[i].npeople;
	return n;
}

/* ---- both forms ---- */

static const char *const fixtures[] = { "roster_small.md", "roster_small.rst" };

START_TEST(forms_read_same_content)
{
	struct roster *r = load_ok(fixtures[_i]);
	ck_assert_int_eq(r->source_format, _i == 0 ? ROSTER_FMT_MD : ROSTER_FMT_RST);
	ck_assert_str_eq(r->title, "Example Project | Maintainers");
	ck_assert_str_eq(r->front_matter, "orphan: true");
	ck_assert_int_eq(r->nsections, 7);
	static const enum roster_kind kinds[] = { ROSTER_TEXT, ROSTER_LEAD, ROSTER_CORE, ROSTER_MODULES,
						  ROSTER_LIBRARIES, ROSTER_EXTERNAL, ROSTER_SUNSET };
	for (size_t i = 0; i < 7; i++)
		ck_assert_int_eq(r->sections[i].kind, kinds[i]);
	/* Responsibilities are text, its bullets are not people */
	ck_assert_ptr_nonnull(strstr(r->sections[0].text, "  the forum and the chat"));
	ck_assert_int_eq(r->sections[0].ngroups, 0);
	ck_assert_int_eq(r->ngroups, 14);
	ck_assert_int_eq(people_total(r), 28);
	const struct roster_group *nn = group_titled(r, "NN APIs (torch.nn)");
	ck_assert_ptr_nonnull(nn);
	ck_assert_int_eq(nn->npeople, 3); /* a blank line inside the list is allowed */
	ck_assert_str_eq(nn->people[2].name, "Charles Babbage");
	ck_assert(nn->people[2].emeritus);
	const struct roster_group *la = group_titled(r, "Linear Algebra (torch.linalg)");
	ck_assert(la->people[1].emeritus); /* "(Emeritus)" */
	ck_assert_str_eq(la->people[1].name, "John von Neumann");
	/* link text and target differ: handle as written, target kept */
	const struct roster_group *aoti = group_titled(r, "AOT Inductor (AOTI) & AOTI Runtime");
	ck_assert_str_eq(aoti->people[1].handle, "dmr");
	ck_assert_str_eq(aoti->people[1].url, "https://github.com/dennisritchie");
	ck_assert_ptr_null(aoti->people[0].url);
	/* rst "`_" single underscore link reads too */
	const struct roster_group *comp = group_titled(r, "Compilers (JIT / TorchScript / FX / TorchDynamo)");
	ck_assert_str_eq(comp->people[2].handle, "nwirth");
	roster_free(r);
}
END_TEST

START_TEST(forms_give_identical_json)
{
	struct roster *md = load_ok("roster_small.md"), *rst = load_ok("roster_small.rst");
	char *a = write_fmt(md, ROSTER_FMT_JSON, NULL), *b = write_fmt(rst, ROSTER_FMT_JSON, NULL);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	roster_free(md);
	roster_free(rst);
}
END_TEST

START_TEST(handle_less_entries)
{
	struct roster *r = load_ok(fixtures[_i]);
	const struct roster_group *q = group_titled(r, "Quantization (torch/ao)");
	ck_assert_int_eq(q->npeople, 2);
	ck_assert_str_eq(q->people[1].name, "Jane Doe");
	ck_assert_ptr_null(q->people[1].handle);
	ck_assert(!q->people[1].emeritus);
	ck_assert_int_eq(roster_group_active(q), 2);
	char *md = write_fmt(r, ROSTER_FMT_MD, NULL);
	ck_assert_ptr_nonnull(strstr(md, "\n- Jane Doe\n"));
	ck_assert_ptr_nonnull(strstr(md, "\n- Leslie Lamport\n"));
	free(md);
	char *json = write_fmt(r, ROSTER_FMT_JSON, NULL);
	ck_assert_ptr_nonnull(strstr(json, "\"name\":\t\"Jane Doe\",\n"));
	free(json);
	/* a handle-less entry never matches a handle */
	ck_assert(!roster_in_group(q, "", NULL));
	ck_assert(!roster_in_group(q, NULL, NULL));
	roster_free(r);
}
END_TEST

/* ---- the table-of-contents trap ---- */

static const char *const toc_bases[] = { "roster_small.md", "roster_small.rst", NULL };

START_TEST(toc_tail_is_not_people)
{
	size_t blen, tlen;
	char *base = toc_bases[_i] ? slurp(toc_bases[_i], &blen) : NULL;
	if (!base) {
		const char *d = roster_default_text(&blen);
		base = xstrndup(d, blen);
	}
	char *tail = slurp("toc_tail.txt", &tlen);
	struct buf both = BUF_INIT;
	buf_add(&both, base, blen);
	buf_add(&both, tail, tlen);
	struct roster *plain = parse_ok(base, blen), *trapped = parse_ok(both.data, both.len);
	ck_assert_int_eq(trapped->ngroups, plain->ngroups);
	for (size_t i = 0; i < plain->ngroups; i++) {
		ck_assert_str_eq(trapped->groups[i].title, plain->groups[i].title);
		ck_assert_int_eq(trapped->groups[i].npeople, plain->groups[i].npeople);
	}
	/* nobody is named after a module or the page */
	for (size_t i = 0; i < trapped->ngroups; i++)
		for (size_t k = 0; k < trapped->groups[i].npeople; k++) {
			ck_assert_ptr_null(group_titled(trapped, trapped->groups[i].people[k].name));
			ck_assert_ptr_null(strstr(trapped->groups[i].people[k].name, "Maintainers"));
		}
	/* the tail is kept as text, and the page still round-trips */
	const struct roster_group *last = &trapped->groups[trapped->ngroups - 1];
	(void)last;
	size_t l1, l2;
	char *w1 = write_fmt(trapped, ROSTER_FMT_MD, &l1);
	ck_assert_ptr_nonnull(strstr(w1, "Built with Sphinx"));
	struct roster *again = parse_ok(w1, l1);
	char *w2 = write_fmt(again, ROSTER_FMT_MD, &l2);
	ck_assert_str_eq(w1, w2);
	ck_assert_int_eq(people_total(again), people_total(plain));
	free(w1);
	free(w2);
	roster_free(again);
	roster_free(plain);
	roster_free(trapped);
	buf_release(&both);
	free(base);
	free(tail);
}
END_TEST

struct trap_case {
	const char *text;
	const char *group;
	size_t npeople;
};

static const struct trap_case traps[] = {
	/* contents list straight after the people, unindented, repeating headings */
	{ "## Core Maintainers\n\n- A ([a](https://github.com/a))\n\n## Module-level maintainers\n\n"
	  "### NN APIs (torch.nn)\n\n- B ([b](https://github.com/b))\n* Core Maintainers\n* NN APIs (torch.nn)\n"
	  "* Someone Else\n", "NN APIs (torch.nn)", 1 },
	/* non-list text ends the list */
	{ "## Core Maintainers\n\n- A ([a](https://github.com/a))\nNext\n- C ([c](https://github.com/c))\n",
	  "Core Maintainers", 1 },
	/* nested items are not people and end the list */
	{ "## Core Maintainers\n\n- A ([a](https://github.com/a))\n  - B ([b](https://github.com/b))\n"
	  "- C ([c](https://github.com/c))\n", "Core Maintainers", 1 },
	/* an indented continuation belongs to the item */
	{ "## Core Maintainers\n\n- A\n  ([a](https://github.com/a))\n- C ([c](https://github.com/c))\n",
	  "Core Maintainers", 2 },
	/* an empty item ends the list */
	{ "## Core Maintainers\n\n- A ([a](https://github.com/a))\n-\n- C ([c](https://github.com/c))\n",
	  "Core Maintainers", 1 },
	/* a list indented as a code block is not people */
	{ "## Core Maintainers\n\n    - A ([a](https://github.com/a))\n", "Core Maintainers", 0 },
	/* list items under a module section before any group are its intro */
	{ "## Core Maintainers\n\n- A\n\n## Module-level maintainers\n\n- X\n\n### G\n\n- Y\n", "G", 1 },
	/* a ### heading inside the core section is text, not a group */
	{ "## Core Maintainers\n\n- A\n\n### Not a group\n\n- B\n", "Core Maintainers", 1 },
	/* rst: text after the list, then items */
	{ "Core Maintainers\n----------------\n\n-  A (`a <https://github.com/a>`__)\n\nNext\n\n"
	  "-  B (`b <https://github.com/b>`__)\n", "Core Maintainers", 1 },
};

START_TEST(toc_rules)
{
	const struct trap_case *c = &traps[_i];
	struct roster *r = parse_ok(c->text, strlen(c->text));
	const struct roster_group *g = group_titled(r, c->group);
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(g->npeople, c->npeople);
	/* whatever was not people is still written back, and stably */
	size_t l1, l2;
	char *w1 = write_fmt(r, ROSTER_FMT_MD, &l1);
	struct roster *again = parse_ok(w1, l1);
	char *w2 = write_fmt(again, ROSTER_FMT_MD, &l2);
	ck_assert_str_eq(w1, w2);
	ck_assert_int_eq(group_titled(again, c->group)->npeople, c->npeople);
	free(w1);
	free(w2);
	roster_free(again);
	roster_free(r);
}
END_TEST

/* The rendered page ("Name (handle)" items, pilcrows after headings, a
 * navigation preface and the contents list after the page) reads as the
 * same people as the Markdown page it was rendered from. */
START_TEST(rendered_page_reads_same_people)
{
	struct roster *md = load_ok("roster_small.md"), *html = load_ok("roster_rendered.txt");
	ck_assert_str_eq(html->title, "Example Project | Maintainers");
	ck_assert_int_eq(html->ngroups, md->ngroups);
	for (size_t i = 0; i < md->ngroups; i++) {
		const struct roster_group *a = &md->groups[i], *b = &html->groups[i];
		ck_assert_str_eq(a->title, b->title);
		ck_assert_int_eq(a->npeople, b->npeople);
		for (size_t k = 0; k < a->npeople; k++) {
			ck_assert_str_eq(a->people[k].name, b->people[k].name);
			ck_assert_int_eq(a->people[k].emeritus, b->people[k].emeritus);
			if (a->people[k].handle)
				ck_assert_str_eq(a->people[k].handle, b->people[k].handle);
			else
				ck_assert_ptr_null(b->people[k].handle);
		}
	}
	roster_free(md);
	roster_free(html);
}
END_TEST

struct bare_case {
	const char *item;
	const char *name;
	const char *handle; /* NULL: none */
};

static const struct bare_case bare_cases[] = {
	{ "Soumith Chintala (soumith)", "Soumith Chintala", "soumith" },
	{ "Howard Huang (H-Huang)", "Howard Huang", "H-Huang" },
	{ "Team Lead (torch.nn)", "Team Lead (torch.nn)", NULL },
	{ "Jane (Doe) Smith", "Jane (Doe) Smith", NULL },
	{ "(jdoe)", "(jdoe)", NULL },
	{ "Jane Doe ()", "Jane Doe ()", NULL },
	{ "Jane Doe(jdoe)", "Jane Doe(jdoe)", NULL },
	{ "Dhanasekar Karuppasamy", "Dhanasekar Karuppasamy", NULL },
};

START_TEST(bare_handles)
{
	const struct bare_case *c = &bare_cases[_i];
	struct buf page = BUF_INIT;
	buf_addf(&page, "## Core Maintainers\n\n- %s\n", c->item);
	struct roster *r = parse_ok(page.data, page.len);
	const struct roster_person *p = &r->groups[0].people[0];
	ck_assert_str_eq(p->name, c->name);
	if (c->handle)
		ck_assert_str_eq(p->handle, c->handle);
	else
		ck_assert_ptr_null(p->handle);
	buf_release(&page);
	roster_free(r);
}
END_TEST

/* ---- errors ---- */

struct err_case {
	const char *text;
	size_t len;         /* 0: strlen */
	const char *want;   /* substring of the message */
};

static const struct err_case errors[] = {
	{ "## Core Maintainers\n\n- A ([a](https://github.com/a)\n", 0, "line 3: broken GitHub link" },
	{ "## Core Maintainers\n\n- A\n- B ([b](https://github.com/b)) extra\n", 0, "line 4: broken GitHub link" },
	{ "## Core Maintainers\n\n- A ([](https://github.com/a))\n", 0, "line 3: broken GitHub link" },
	{ "## Core Maintainers\n\n- A ([a b](https://github.com/a))\n", 0, "line 3: broken GitHub link" },
	{ "Core Maintainers\n----------------\n\n-  A (`a <https://github.com/a>__)\n", 0, "line 4: broken GitHub link" },
	{ "Core Maintainers\n----------------\n\n-  A (`a https://github.com/a`__)\n", 0, "line 4: broken GitHub link" },
	{ "## Core Maintainers\n\n- (emeritus) ([a](https://github.com/a))\n", 0, "line 3: entry" },
	{ "## Core Maintainers\n\n- A\xff\n", 0, "line 3: invalid UTF-8" },
	{ "## Core Maintainers\n\n- A\0B\n", 27, "line 3: NUL byte" },
	{ "## Core Maintainers\n\n- A\x01\n", 0, "line 3: control character" },
	{ "## Core Maintainers\n\n- A\rB\n", 0, "line 3: control character" },
	{ "# Title\n\n## Responsibilities\n\n- triage\n", 0, "not a maintainers page" },
	{ "", 0, "not a maintainers page" },
	{ "---\norphan: true\n\n## Core Maintainers\n", 0, "line 1: front matter" },
};

START_TEST(errors_name_the_line)
{
	const struct err_case *c = &errors[_i];
	struct roster *r = (struct roster *)1;
	char err[256] = "";
	ck_assert_int_eq(roster_parse(c->text, c->len ? c->len : strlen(c->text), &r, err, sizeof(err)), -1);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(err, c->want) != NULL, "got \"%s\", want \"%s\"", err, c->want);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(oversize_and_files)
{
	size_t n = ROSTER_MAX_BYTES + 1;
	char *big = xmalloc(n);
	memset(big, 'a', n);
	struct roster *r;
	char err[256];
	ck_assert_int_eq(roster_parse(big, n, &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "larger"));
	free(big);
	ck_assert_int_eq(roster_load("/nonexistent/roster.md", &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/roster.md"));
	ck_assert_ptr_null(r);
	char dir[] = "/tmp/roster_test_XXXXXX", path[600];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.md", dir);
	tu_write_file(path, "## Core Maintainers\n\n- A ([a](https://github.com/a)\n");
	ck_assert_int_eq(roster_load(path, &r, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) && strstr(err, "line 3"), "%s", err);
	tu_write_file(path, "## Core Maintainers\r\n\r\n- A ([a](https://github.com/a))\r\n");
	ck_assert_int_eq(roster_load(path, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r->groups[0].people[0].handle, "a");
	roster_free(r);
	remove(path);
	rmdir(dir);
}
END_TEST

/* ---- round trips ---- */

START_TEST(bundled_round_trips_byte_exact)
{
	size_t len, l1, l2;
	const char *text = roster_default_text(&len);
	ck_assert_int_gt(len, 1000);
	ck_assert_int_eq(text[len], '\0');
	struct roster *r = roster_load_default();
	char *md = write_fmt(r, ROSTER_FMT_MD, &l1);
	ck_assert_int_eq(l1, len);
	ck_assert(memcmp(md, text, len) == 0);
	/* md -> rst -> md gives the page back */
	char *rst = write_fmt(r, ROSTER_FMT_RST, NULL);
	struct roster *r2 = parse_ok(rst, strlen(rst));
	ck_assert_int_eq(r2->source_format, ROSTER_FMT_RST);
	char *md2 = write_fmt(r2, ROSTER_FMT_MD, &l2);
	ck_assert_str_eq(md2, md);
	free(md);
	free(md2);
	free(rst);
	roster_free(r);
	roster_free(r2);
}
END_TEST

/* A page saved with a UTF-8 byte order mark (some editors add one) reads
 * like the page without it, in either form, and exports without it. */
START_TEST(byte_order_mark_is_skipped)
{
	size_t len, l1, l2;
	char *plain = slurp(fixtures[_i], &len);
	char *bom = xmalloc(len + 4);
	memcpy(bom, "\xEF\xBB\xBF", 3);
	memcpy(bom + 3, plain, len + 1);
	struct roster *a = parse_ok(plain, len), *b = parse_ok(bom, len + 3);
	ck_assert_int_eq(b->source_format, a->source_format);
	char *ma = write_fmt(a, ROSTER_FMT_MD, &l1), *mb = write_fmt(b, ROSTER_FMT_MD, &l2);
	ck_assert_str_eq(mb, ma);
	free(ma);
	free(mb);
	free(plain);
	free(bom);
	roster_free(a);
	roster_free(b);
}
END_TEST

/* ATX headings may close with a run of '#': it is not part of the title. */
START_TEST(closing_hashes_are_not_the_title)
{
	static const char page[] =
		"# Maintainers #\n\n## Lead Core Maintainer (BDFL) ##\n\n- Ada ([ada](https://github.com/ada))\n\n"
		"## Module-level maintainers\n\n### NN APIs (torch.nn) ###\n\n- Bob ([bob](https://github.com/bob))\n\n"
		"### C# bindings\n\n- Cy ([cy](https://github.com/cy))\n";
	struct roster *r = parse_ok(page, sizeof(page) - 1);
	ck_assert_ptr_nonnull(group_titled(r, "NN APIs (torch.nn)"));
	ck_assert_ptr_nonnull(group_titled(r, "C# bindings"));
	ck_assert_ptr_nonnull(roster_lead_group(r));
	roster_free(r);
}
END_TEST

START_TEST(fixtures_round_trip)
{
	struct roster *r = load_ok(fixtures[_i]);
	size_t l1, l2;
	char *md1 = write_fmt(r, ROSTER_FMT_MD, &l1);
	struct roster *r2 = parse_ok(md1, l1);
	char *md2 = write_fmt(r2, ROSTER_FMT_MD, &l2);
	ck_assert_str_eq(md1, md2);
	/* rst -> md -> rst is stable too */
	char *rst1 = write_fmt(r, ROSTER_FMT_RST, NULL);
	char *rst2 = write_fmt(r2, ROSTER_FMT_RST, NULL);
	ck_assert_str_eq(rst1, rst2);
	struct roster *r3 = parse_ok(rst1, strlen(rst1));
	char *rst3 = write_fmt(r3, ROSTER_FMT_RST, NULL);
	ck_assert_str_eq(rst1, rst3);
	ck_assert_ptr_nonnull(strstr(rst1, "\nWindows\n~~~~~~~\n\n-  (emeritus) Butler Lampson (`blampson <https://github.com/blampson>`__)\n"));
	ck_assert_ptr_nonnull(strstr(rst1, "Example Project | Maintainers\n=============================\n"));
	ck_assert(strncmp(rst1, ":orphan:\n\n", 10) == 0);
	ck_assert(strncmp(md1, "---\norphan: true\n---\n\n# Example Project | Maintainers\n\n## Responsibilities\n", 75) == 0);
	free(md1);
	free(md2);
	free(rst1);
	free(rst2);
	free(rst3);
	roster_free(r);
	roster_free(r2);
	roster_free(r3);
}
END_TEST

START_TEST(json_structure)
{
	struct roster *r = load_ok("roster_small.md");
	char *s = write_fmt(r, ROSTER_FMT_JSON, NULL);
	cJSON *root = cJSON_Parse(s);
	ck_assert_ptr_nonnull(root);
	cJSON *secs = cJSON_GetObjectItem(root, "sections");
	ck_assert_int_eq(cJSON_GetArraySize(secs), 7);
	cJSON *sunset = cJSON_GetArrayItem(secs, 6);
	ck_assert_str_eq(cJSON_GetObjectItem(sunset, "kind")->valuestring, "sunset");
	cJSON *mods = cJSON_GetObjectItem(cJSON_GetArrayItem(secs, 3), "groups");
	cJSON *comp = cJSON_GetArrayItem(mods, 1);
	ck_assert_str_eq(cJSON_GetObjectItem(comp, "title")->valuestring,
			 "Compilers (JIT / TorchScript / FX / TorchDynamo)");
	ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(comp, "aliases"), 3)->valuestring, "TorchDynamo");
	cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(comp, "people"), 2);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(p, "emeritus")));
	ck_assert_str_eq(cJSON_GetObjectItem(p, "handle")->valuestring, "nwirth");
	cJSON *q = cJSON_GetArrayItem(mods, 3);
	cJSON *jane = cJSON_GetArrayItem(cJSON_GetObjectItem(q, "people"), 1);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(jane, "handle")));
	cJSON_Delete(root);
	free(s);
	roster_free(r);
}
END_TEST

/* ---- aliases ---- */

struct alias_case {
	const char *title;
	const char *aliases; /* "|"-joined */
};

static const struct alias_case alias_cases[] = {
	{ "NN APIs (torch.nn)", "torch.nn|NN APIs" },
	{ "Compilers (JIT / TorchScript / FX / TorchDynamo)", "JIT|TorchScript|FX|TorchDynamo|Compilers" },
	{ "AOT Inductor (AOTI) & AOTI Runtime", "AOTI|AOT Inductor & AOTI Runtime|AOT Inductor|AOTI Runtime" },
	{ "Quantization (torch/ao)", "torch/ao|Quantization" },
	{ "AMD/ROCm/HIP", "AMD|ROCm|HIP" },
	{ "Apple M1/MPS/Metal", "Apple M1|MPS|Metal" },
	{ "Distributions & RNG", "Distributions|RNG" },
	{ "ExecuTorch (Edge, Mobile)", "Edge|Mobile|ExecuTorch" },
	{ "Windows", "" },
	{ "Lead Core Maintainer (BDFL)", "BDFL|Lead Core Maintainer" },
};

START_TEST(aliases_from_headings)
{
	struct roster *r = load_ok("roster_small.md");
	const struct alias_case *c = &alias_cases[_i];
	const struct roster_group *g = group_titled(r, c->title);
	ck_assert_ptr_nonnull(g);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < g->naliases; i++)
		buf_addf(&b, "%s%s", i ? "|" : "", g->aliases[i]);
	ck_assert_str_eq(buf_str(&b), c->aliases);
	buf_release(&b);
	roster_free(r);
}
END_TEST

/* ---- queries ---- */

START_TEST(queries)
{
	struct roster *r = load_ok(fixtures[_i]);
	ck_assert_str_eq(roster_lead(r)->handle, "adalove");
	ck_assert(roster_is_lead(r, "ADALOVE"));
	ck_assert(!roster_is_lead(r, "ghopper"));
	/* the lead counts as core even though the core list omits them */
	ck_assert(roster_is_core(r, "adalove"));
	ck_assert(roster_is_core(r, "GHopper"));
	ck_assert(roster_is_core(r, "aturing"));
	ck_assert(!roster_is_core(r, "cbabbage")); /* emeritus */
	ck_assert(!roster_is_core(r, "bliskov"));
	const char *core[8];
	ck_assert_int_eq(roster_core_handles(r, core, 8), 4);
	ck_assert_str_eq(core[0], "adalove");
	ck_assert_str_eq(core[1], "ghopper");
	ck_assert_str_eq(core[3], "EWD");
	ck_assert_int_eq(roster_core_handles(r, core, 2), 4);
	bool em = true;
	const struct roster_group *nn = group_titled(r, "NN APIs (torch.nn)");
	ck_assert(roster_in_group(nn, "BLISKOV", &em));
	ck_assert(!em);
	ck_assert(!roster_in_group(nn, "cbabbage", &em));
	ck_assert(em);
	ck_assert(!roster_in_group(nn, "nobody", &em));
	ck_assert(!em);
	ck_assert(roster_is_module_maintainer(r, "bliskov"));
	ck_assert(roster_is_module_maintainer(r, "jweizenbaum")); /* sunsetted, still listed */
	ck_assert(!roster_is_module_maintainer(r, "adalove"));
	ck_assert(!roster_is_module_maintainer(r, "blampson")); /* only emeritus */
	ck_assert_str_eq(roster_find_person(r, "blampson")->name, "Butler Lampson");
	ck_assert_ptr_null(roster_find_person(r, "nobody"));
	ck_assert_ptr_null(roster_find_person(r, ""));
	/* all-emeritus module */
	const struct roster_group *win = group_titled(r, "Windows");
	ck_assert_int_eq(win->npeople, 2);
	ck_assert_int_eq(roster_group_active(win), 0);
	/* sunsetted module is a module and is found */
	const struct roster_group *chat = lookup_module(r, "torchchat", NULL);
	ck_assert_ptr_nonnull(chat);
	ck_assert_int_eq(roster_group_kind(r, chat), ROSTER_SUNSET);
	ck_assert(roster_group_is_module(r, chat));
	ck_assert(!roster_group_is_module(r, roster_core_group(r)));
	ck_assert_int_eq(roster_group_kind(r, group_titled(r, "TorchVision")), ROSTER_LIBRARIES);
	ck_assert_int_eq(roster_group_index(r, chat), r->ngroups - 1);
	ck_assert_str_eq(roster_kind_name(ROSTER_EXTERNAL), "external");
	roster_free(r);
}
END_TEST

/* ---- mutations ---- */

static const char *handles_of(const struct roster_group *g, struct buf *b)
{
	buf_reset(b);
	for (size_t i = 0; i < g->npeople; i++)
		buf_addf(b, "%s%s%s", i ? " " : "", g->people[i].emeritus ? "~" : "",
			 g->people[i].handle ? g->people[i].handle : "-");
	return buf_str(b);
}

START_TEST(mutations_keep_order)
{
	struct roster *r = load_ok("roster_small.md");
	struct buf b = BUF_INIT;
	size_t nn = roster_group_index(r, group_titled(r, "NN APIs (torch.nn)"));
	ck_assert_str_eq(handles_of(&r->groups[nn], &b), "ghopper bliskov ~cbabbage");
	ck_assert_int_eq(roster_add_person(r, nn, "Tony Hoare", "thoare"), 0);
	ck_assert_str_eq(handles_of(&r->groups[nn], &b), "ghopper bliskov thoare ~cbabbage");
	ck_assert_int_eq(roster_add_person(r, nn, "Tony Hoare", "THOARE"), -1); /* already active */
	ck_assert_int_eq(roster_set_emeritus(r, nn, "GHOPPER", true), 0);
	ck_assert_str_eq(handles_of(&r->groups[nn], &b), "bliskov thoare ~ghopper ~cbabbage");
	ck_assert_int_eq(roster_set_emeritus(r, nn, "cbabbage", false), 0);
	ck_assert_str_eq(handles_of(&r->groups[nn], &b), "bliskov thoare cbabbage ~ghopper");
	/* adding someone listed as emeritus brings them back */
	ck_assert_int_eq(roster_add_person(r, nn, "Grace Hopper", "ghopper"), 0);
	ck_assert_str_eq(handles_of(&r->groups[nn], &b), "bliskov thoare cbabbage ghopper");
	ck_assert_int_eq(roster_remove_person(r, nn, "Thoare"), 0);
	ck_assert_int_eq(roster_remove_person(r, nn, "thoare"), -1);
	ck_assert_int_eq(roster_set_emeritus(r, nn, "nobody", true), -1);
	ck_assert_int_eq(roster_add_person(r, r->ngroups, "X", "x"), -1);
	ck_assert_int_eq(roster_add_person(r, nn, "", "x"), -1);
	ck_assert_int_eq(roster_add_person(r, nn, "Bad", "a b"), -1);
	ck_assert_str_eq(handles_of(&r->groups[nn], &b), "bliskov cbabbage ghopper");
	/* into an all-emeritus group */
	size_t win = roster_group_index(r, group_titled(r, "Windows"));
	ck_assert_int_eq(roster_add_person(r, win, "New Person", "newp"), 0);
	ck_assert_str_eq(handles_of(&r->groups[win], &b), "newp ~blampson ~jgray");
	ck_assert_int_eq(roster_group_active(&r->groups[win]), 1);
	/* lead */
	ck_assert_int_eq(roster_set_lead(r, "Grace Hopper", "ghopper"), 0);
	ck_assert_str_eq(roster_lead(r)->handle, "ghopper");
	ck_assert(roster_is_lead(r, "ghopper"));
	ck_assert(!roster_is_lead(r, "adalove"));
	/* the change is written out */
	char *md = write_fmt(r, ROSTER_FMT_MD, NULL);
	ck_assert_ptr_nonnull(strstr(md, "## Lead Core Maintainer (BDFL)\n\n- Grace Hopper ([ghopper](https://github.com/ghopper))\n\n##"));
	ck_assert_ptr_nonnull(strstr(md, "### Windows\n\n- New Person ([newp](https://github.com/newp))\n- (emeritus) Butler"));
	free(md);
	buf_release(&b);
	roster_free(r);
}
END_TEST

START_TEST(clone_is_deep)
{
	struct roster *r = load_ok("roster_small.md");
	struct roster *c = roster_clone(r);
	char *a = write_fmt(r, ROSTER_FMT_JSON, NULL), *b = write_fmt(c, ROSTER_FMT_JSON, NULL);
	ck_assert_str_eq(a, b);
	free(b);
	size_t nn = roster_group_index(c, group_titled(c, "NN APIs (torch.nn)"));
	ck_assert_int_eq(roster_remove_person(c, nn, "ghopper"), 0);
	roster_free(r);
	/* the clone has its own index and strings */
	ck_assert_ptr_eq(lookup_module(c, "torch.nn", NULL), &c->groups[nn]);
	ck_assert(!roster_in_group(&c->groups[nn], "ghopper", NULL));
	b = write_fmt(c, ROSTER_FMT_JSON, NULL);
	ck_assert_str_ne(a, b);
	free(a);
	free(b);
	roster_free(c);
}
END_TEST

START_TEST(lead_only_or_core_only)
{
	const char *lead_only = "## Lead Core Maintainer (BDFL)\n\n- L ([l](https://github.com/l))\n";
	struct roster *r = parse_ok(lead_only, strlen(lead_only));
	ck_assert_ptr_null(roster_core_group(r));
	ck_assert(roster_is_core(r, "l"));
	const char *core[4];
	ck_assert_int_eq(roster_core_handles(r, core, 4), 1);
	roster_free(r);
	const char *core_only = "## Core Maintainers\n\n- C ([c](https://github.com/c))\n";
	r = parse_ok(core_only, strlen(core_only));
	ck_assert_ptr_null(roster_lead(r));
	ck_assert_int_eq(roster_set_lead(r, "C", "c"), -1);
	ck_assert_ptr_null(r->title);
	roster_free(r);
}
END_TEST

static Suite *roster_suite(void)
{
	Suite *s = suite_create("roster");
	TCase *t = tcase_create("read");
	tcase_add_loop_test(t, forms_read_same_content, 0, 2);
	tcase_add_test(t, forms_give_identical_json);
	tcase_add_loop_test(t, handle_less_entries, 0, 2);
	tcase_add_loop_test(t, toc_tail_is_not_people, 0, (int)ARRAY_SIZE(toc_bases));
	tcase_add_loop_test(t, toc_rules, 0, (int)ARRAY_SIZE(traps));
	tcase_add_test(t, rendered_page_reads_same_people);
	tcase_add_loop_test(t, bare_handles, 0, (int)ARRAY_SIZE(bare_cases));
	tcase_add_loop_test(t, errors_name_the_line, 0, (int)ARRAY_SIZE(errors));
	tcase_add_test(t, oversize_and_files);
	tcase_add_loop_test(t, aliases_from_headings, 0, (int)ARRAY_SIZE(alias_cases));
	suite_add_tcase(s, t);
	TCase *w = tcase_create("write");
	tcase_add_test(w, bundled_round_trips_byte_exact);
	tcase_add_loop_test(w, fixtures_round_trip, 0, 2);
	tcase_add_loop_test(w, byte_order_mark_is_skipped, 0, 2);
	tcase_add_test(w, closing_hashes_are_not_the_title);
	tcase_add_test(w, json_structure);
	suite_add_tcase(s, w);
	TCase *q = tcase_create("query");
	tcase_add_loop_test(q, queries, 0, 2);
	tcase_add_test(q, mutations_keep_order);
	tcase_add_test(q, clone_is_deep);
	tcase_add_test(q, lead_only_or_core_only);
	suite_add_tcase(s, q);
	return s;
}

int main(void)
{
	return tu_run_suite(roster_suite());
}
