/* test_grammar.c - prefixes, plain-word questions and edge cases of the
 * command grammar, one table row each. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/grammar.h"
#include "tests/testutil.h"

struct gcase {
	const char *text;
	int require_prefix;
	int addressed;
	const char *cmd;   /* expected command word ("" for none) */
	const char *args;  /* expected args */
};

#define NO NULL, NULL
static const struct gcase cases[] = {
	/* prefixes */
	{ "/gov who torch.nn", 1, 1, "who", "torch.nn" },
	{ "!gov who torch.nn", 1, 1, "who", "torch.nn" },
	{ "@govbot who torch.nn", 1, 1, "who", "torch.nn" },
	{ "@govbot: who torch.nn", 1, 1, "who", "torch.nn" },
	{ "@govbot, who torch.nn", 1, 1, "who", "torch.nn" },
	{ "@GovBot WHO torch.nn", 1, 1, "WHO", "torch.nn" },
	{ "govbot: lead", 1, 1, "lead", "" },
	{ "govbot, core", 1, 1, "core", "" },
	{ "/GOV core", 1, 1, "core", "" },
	{ "   /gov   who    torch.nn   ", 1, 1, "who", "torch.nn" },
	{ "\t!gov\tlead", 1, 1, "lead", "" },
	{ "/gov:help", 1, 1, "help", "" },
	{ "@govbot:example.org who torch.nn", 1, 1, "who", "torch.nn" },
	{ "@govbot:matrix.example.org:8448: lead", 1, 1, "lead", "" },
	{ "hi @govbot:example.org core", 1, 1, "core", "" },
	{ "@govbot:who torch.nn", 1, 1, "who", "torch.nn" },
	/* prefix alone: help */
	{ "/gov", 1, 1, "", "" },
	{ "!gov   ", 1, 1, "", "" },
	{ "@govbot", 1, 1, "", "" },
	{ "@govbot:", 1, 1, "", "" },
	/* not addressed */
	{ "/government is big", 1, 0, NO },
	{ "!govern", 1, 0, NO },
	{ "@govbots who", 1, 0, NO },
	{ "govbot who torch.nn", 1, 0, NO },
	{ "who torch.nn", 1, 0, NO },
	{ "", 1, 0, NO },
	{ "mail me at x@govbot.org", 1, 0, NO },
	{ "x/gov who", 1, 0, NO },
	/* mention inside a line, and a prefixed later line */
	{ "hey @govbot who maintains torch.fft?", 1, 1, "who", "torch.fft" },
	{ "Thanks all.\n/gov who torch.nn", 1, 1, "who", "torch.nn" },
	/* bare text where no prefix is required */
	{ "who torch.nn", 0, 1, "who", "torch.nn" },
	{ "/gov who torch.nn", 0, 1, "who", "torch.nn" },
	{ "@govbot lead", 0, 1, "lead", "" },
	{ "", 0, 1, "", "" },
	{ "   ", 0, 1, "", "" },
	{ "please core", 0, 1, "core", "" },
	{ "help nominate", 0, 1, "help", "nominate" },
	/* multi-line: later lines belong to the arguments */
	{ "nominate @alice for torch.nn\ncontributions: 200 PRs\nsupport: yes", 0, 1, "nominate",
	  "@alice for torch.nn\ncontributions: 200 PRs\nsupport: yes" },
	{ "/gov nominate @alice for core\ninteractions: kind", 1, 1, "nominate",
	  "@alice for core\ninteractions: kind" },
	{ "/gov\nwho torch.nn", 1, 1, "who", "torch.nn" },
	/* questions */
	{ "who maintains torch.nn?", 0, 1, "who", "torch.nn" },
	{ "Who maintains torch.nn", 0, 1, "who", "torch.nn" },
	{ "WHO MAINTAINS TORCH.NN???", 0, 1, "who", "TORCH.NN" },
	{ "who maintains torch/nn/functional.py?", 0, 1, "who", "torch/nn/functional.py" },
	{ "who maintains the torch.nn module?", 0, 1, "who", "torch.nn" },
	{ "who owns torch.fft", 0, 1, "who", "torch.fft" },
	{ "who are the maintainers of autograd?", 0, 1, "who", "autograd" },
	{ "who is the maintainer of TorchVision", 0, 1, "who", "TorchVision" },
	{ "maintainers of torch.linalg", 0, 1, "who", "torch.linalg" },
	{ "please, who maintains distributed?", 0, 1, "who", "distributed" },
	{ "who maintains torch.nn please?", 0, 1, "who", "torch.nn" },
	{ "@govbot who maintains torch.nn?", 1, 1, "who", "torch.nn" },
	{ "/gov who maintains NN APIs (torch.nn)?", 1, 1, "who", "NN APIs (torch.nn)" },
	{ "who is the BDFL?", 0, 1, "lead", "" },
	{ "who's the bdfl", 0, 1, "lead", "" },
	{ "who is the lead (core maintainer)?", 0, 1, "lead", "" },
	{ "who is the lead core maintainer?", 0, 1, "lead", "" },
	{ "who leads pytorch?", 0, 1, "lead", "" },
	{ "who are the core maintainers?", 0, 1, "core", "" },
	{ "who is on the core team", 0, 1, "core", "" },
	{ "core maintainers?", 0, 1, "core", "" },
	{ "what modules are there?", 0, 1, "modules", "" },
	{ "which libraries exist", 0, 1, "modules", "" },
	{ "list all modules", 0, 1, "modules", "" },
	{ "how do I nominate someone?", 0, 1, "process", "nomination" },
	{ "How can I become a maintainer?", 0, 1, "process", "become" },
	{ "how do I become a maintainer", 0, 1, "process", "become" },
	{ "how do I nominate someone for core?", 0, 1, "process", "core" },
	{ "how do I become a core maintainer?", 0, 1, "process", "core" },
	{ "how are core maintainers chosen?", 0, 1, "process", "core" },
	{ "how do I remove a maintainer", 0, 1, "process", "removal" },
	{ "how do I step down?", 0, 1, "process", "removal" },
	{ "how is the lead elected?", 0, 1, "process", "lead" },
	{ "how do we remove the BDFL?", 0, 1, "process", "lead" },
	{ "how do I add a new module?", 0, 1, "process", "modules" },
	{ "how do we remove a module", 0, 1, "process", "modules" },
	{ "what happens when maintainers disagree?", 0, 1, "process", "controversial" },
	{ "what happens if module maintainers can't agree", 0, 1, "process", "controversial" },
	{ "how are disputes resolved?", 0, 1, "process", "controversial" },
	{ "what counts as controversial?", 0, 1, "process", "controversial" },
	{ "what is an uncontroversial change", 0, 1, "process", "uncontroversial" },
	{ "how do votes work?", 0, 1, "process", "motions" },
	{ "who is @albanD?", 0, 1, "who", "@albanD" },
	{ "what is @soumith", 0, 1, "who", "@soumith" },
	{ "who's @ezyang", 0, 1, "who", "@ezyang" },
	{ "/gov who is @gchanan?", 1, 1, "who", "@gchanan" },
	{ "what can you do?", 0, 1, "help", "" },
	{ "who can I ask about torch.fft?", 0, 1, "who", "torch.fft" },
	{ "who should I talk to about ONNX", 0, 1, "who", "ONNX" },
	{ "who knows about sparse?", 0, 1, "who", "sparse" },
	{ "who works on torch/csrc/autograd/engine.cpp", 0, 1, "who", "torch/csrc/autograd/engine.cpp" },
	{ "who reviews torch.linalg", 0, 1, "who", "torch.linalg" },
	{ "who is the lead maintainer of torch.nn?", 0, 1, "who", "torch.nn" },
	{ "who are the lead maintainers of XLA", 0, 1, "who", "XLA" },
	{ "what does @ezyang maintain?", 0, 1, "who", "@ezyang" },
	{ "who is the lead?", 0, 1, "lead", "" },
	{ "who is soumith?", 0, 1, "who", "soumith" },
	{ "who's albanD", 0, 1, "who", "albanD" },
	{ "who is there today", 0, 1, "who", "there today" },   /* `who` says no one matches */
	/* people by name */
	{ "who is Soumith Chintala?", 0, 1, "who", "Soumith Chintala" },
	{ "what does Natalia Gimelshein maintain?", 0, 1, "who", "Natalia Gimelshein" },
	{ "who is the lead of torch.nn?", 0, 1, "who", "torch.nn" },
	/* yes-or-no questions about a person are the `is` command */
	{ "is @gchanan the lead?", 0, 1, "is", "@gchanan the lead?" },
	{ "is Soumith Chintala a core maintainer", 0, 1, "is", "Soumith Chintala a core maintainer" },
	/* short answers */
	{ "who decides?", 0, 1, "process", "decides" },
	{ "who makes the decisions?", 0, 1, "process", "decides" },
	{ "how are decisions made?", 0, 1, "process", "decides" },
	{ "how do I become a maintainer?", 0, 1, "process", "become" },
	{ "how do I become a core maintainer?", 0, 1, "process", "core" },
	{ "can my company buy a seat?", 0, 1, "process", "company" },
	{ "Could our company pay for a seat on the board?", 0, 1, "process", "company" },
	{ "can a sponsor buy influence?", 0, 1, "process", "company" },
	{ "what is the license?", 0, 1, "process", "license" },
	{ "what license does PyTorch use?", 0, 1, "process", "license" },
	{ "is pytorch open source?", 0, 1, "process", "license" },
	{ "what is the PyTorch Foundation?", 0, 1, "process", "foundation" },
	{ "tell me about the foundation", 0, 1, "process", "foundation" },
	{ "who are you?", 0, 1, "help", "" },
	/* any other question: process with the question, for the nearest topics */
	{ "why is the sky blue?", 0, 1, "process", "why is the sky blue" },
	{ "what is a quorum", 0, 1, "process", "what is a quorum" },
	{ "can I vote?", 0, 1, "process", "can I vote" },
	/* a question only counts on the first line */
	{ "how do I nominate someone?\nextra", 0, 1, "process", "nomination" },
	/* not a question: the first word is the command */
	{ "who torch.nn?", 0, 1, "who", "torch.nn?" },
	{ "whom maintains x", 0, 1, "whom", "maintains x" },
	{ "nominate @bob for torch.nn", 0, 1, "nominate", "@bob for torch.nn" },
};

static struct grammar *g;

static void setup(void)
{
	g = grammar_new(NULL);
	ck_assert_ptr_nonnull(g);
}

static void teardown(void)
{
	grammar_free(g);
}

static void check_case(struct grammar *gr, const struct gcase *c)
{
	struct grammar_parse p;
	/* parse from an exact-length copy so reads past the end would show in ASan */
	size_t n = strlen(c->text);
	char *copy = malloc(n ? n : 1);
	memcpy(copy, c->text, n);
	bool addressed = grammar_parse(gr, copy, n, c->require_prefix, &p);
	ck_assert_msg(addressed == (bool)c->addressed, "'%s': addressed %d", c->text, addressed);
	ck_assert_int_eq(addressed, p.addressed);
	if (c->addressed) {
		ck_assert_msg(p.cmd_len == strlen(c->cmd) && strncmp(p.cmd, c->cmd, p.cmd_len) == 0,
			      "'%s': cmd '%.*s', want '%s'", c->text, (int)p.cmd_len, p.cmd, c->cmd);
		ck_assert_msg(p.args_len == strlen(c->args) && strncmp(p.args, c->args, p.args_len) == 0,
			      "'%s': args '%.*s', want '%s'", c->text, (int)p.args_len, p.args, c->args);
	}
	free(copy);
}

START_TEST(test_cases)
{
	check_case(g, &cases[_i]);
}
END_TEST

START_TEST(test_question_flag)
{
	struct grammar_parse p;
	const char *q = "who maintains torch.nn?";
	grammar_parse(g, q, strlen(q), false, &p);
	ck_assert(p.question);
	q = "who torch.nn";
	grammar_parse(g, q, strlen(q), false, &p);
	ck_assert(!p.question);
}
END_TEST

static const struct gcase named[] = {
	{ "@mybot who torch.nn", 1, 1, "who", "torch.nn" },
	{ "mybot: lead", 1, 1, "lead", "" },
	{ "/gov lead", 1, 1, "lead", "" },
	{ "@govbot who torch.nn", 1, 0, NO },
	{ "@my.bot who", 1, 0, NO },
	{ "ping @mybot core", 1, 1, "core", "" },
};

START_TEST(test_bot_name)
{
	struct grammar *mine = grammar_new("mybot");
	ck_assert_ptr_nonnull(mine);
	ck_assert_str_eq(grammar_bot_name(mine), "mybot");
	check_case(mine, &named[_i]);
	grammar_free(mine);
}
END_TEST

START_TEST(test_bot_name_metachars)
{
	/* '.' in a name is literal, not "any character" */
	struct grammar *mine = grammar_new("my.bot");
	ck_assert_ptr_nonnull(mine);
	struct grammar_parse p;
	ck_assert(grammar_parse(mine, "@my.bot lead", 12, true, &p));
	ck_assert(!grammar_parse(mine, "@myXbot lead", 12, true, &p));
	grammar_free(mine);
	ck_assert_ptr_null(grammar_new("bad name"));
	ck_assert_ptr_null(grammar_new("a(b"));
	ck_assert_ptr_null(grammar_new("x\\E.*"));
	mine = grammar_new("@govbot");
	ck_assert_str_eq(grammar_bot_name(mine), "govbot");
	grammar_free(mine);
}
END_TEST

START_TEST(test_long_and_odd_input)
{
	/* long lines of spaces, binary bytes and NULs neither crash nor hang */
	size_t n = 4096;
	char *s = malloc(n);
	memset(s, ' ', n);
	memcpy(s, "who maintains a", 15);
	s[n - 1] = 'b';
	struct grammar_parse p;
	ck_assert(grammar_parse(g, s, n, false, &p));
	memcpy(s, "how do ", 7);
	ck_assert(grammar_parse(g, s, n, false, &p));
	for (size_t i = 0; i < n; i++)
		s[i] = (char)(i * 7919);
	grammar_parse(g, s, n, true, &p);
	grammar_parse(g, s, n, false, &p);
	free(s);
	ck_assert(!grammar_parse(g, "/gov\0x", 6, true, &p)); /* NUL ends no word */
	ck_assert(grammar_parse(g, "/gov \0x", 7, true, &p));
}
END_TEST

static Suite *grammar_suite(void)
{
	Suite *s = suite_create("grammar");
	TCase *tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_question_flag);
	tcase_add_loop_test(tc, test_bot_name, 0, (int)(sizeof(named) / sizeof(named[0])));
	tcase_add_test(tc, test_bot_name_metachars);
	tcase_add_test(tc, test_long_and_odd_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(grammar_suite());
}
