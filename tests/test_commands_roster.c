/* test_commands_roster.c - help, who, modules, core, lead and process,
 * run through dispatch_line against the bundled roster (and a small
 * roster with sunsetted and all-emeritus modules). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/config.h"
#include "chatbot/dispatch/dispatch.h"
#include "chatbot/bot/grammar.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"
#include "tests/testutil.h"

static struct govbot bot;
static struct reply *reply;
static char *out; /* the last answer, console dialect */

static void open_bot(struct roster *r)
{
	tu_bot_memory(&bot, r);
	reply = reply_new();
	out = NULL;
}

static void setup(void)
{
	open_bot(roster_load_default());
}

static void teardown(void)
{
	free(out);
	reply_free(reply);
	tu_bot_memory_free(&bot);
}

/* Runs text as the local console user; the answer is left in out. */
static int ask(const char *text)
{
	struct dispatch_request req = { text, strlen(text), "console:tester", NULL, false };
	return tu_dispatch(&bot, &req, reply, &out);
}

/* Every needle appears in out, in this order. */
static void assert_in_order(const char *const *needles)
{
	const char *at = out;
	for (size_t i = 0; needles[i]; i++) {
		const char *p = strstr(at, needles[i]);
		ck_assert_msg(p, "missing (in order) '%s' in:\n%s", needles[i], out);
		at = p + strlen(needles[i]);
	}
}

#define has(s) ck_assert_msg(strstr(out, (s)), "missing '%s' in:\n%s", (s), out)
#define lacks(s) ck_assert_msg(!strstr(out, (s)), "unexpected '%s' in:\n%s", (s), out)

/* ---- who ------------------------------------------------------------------ */

static const char *const torch_nn[] = {
	"NN APIs (torch.nn)", "4 active module maintainers, 2 emeritus",
	"- Greg Chanan (@gchanan)", "- Soumith Chintala (@soumith)", "- Joel Schlosser (@jbschlosser)",
	"- Alban Desmaison (@albanD)", "Emeritus:", "- Sam Gross (@colesbury)", "- Adam Paszke (@apaszke)",
	NULL
};

static const char *const nn_queries[] = {
	"who torch.nn", "who TORCH.NN", "who torch/nn/functional.py", "who NN APIs",
	"who maintains torch.nn?", "who are the maintainers of torch.nn", "who torch.nn?",
	"who maintains torch/nn/functional.py?", "please who owns torch.nn",
};

START_TEST(test_who_torch_nn)
{
	ck_assert_int_eq(ask(nn_queries[_i]), CMD_OK);
	assert_in_order(torch_nn);
}
END_TEST

START_TEST(test_who_module_misses)
{
	ck_assert_int_eq(ask("who torch.nnn"), CMD_ERROR);
	has("no module matches `torch.nnn`");
	has("did you mean");
	ck_assert_int_eq(ask("who zzzzzzzzzzzz"), CMD_ERROR);
	has("no module matches");
	has("modules");
	ck_assert_int_eq(ask("who"), CMD_ERROR);
	has("who torch.nn");
}
END_TEST

START_TEST(test_who_person)
{
	ck_assert_int_eq(ask("who @albanD"), CMD_OK);
	static const char *const alban[] = {
		"Alban Desmaison (@albanD):", "maintainer of NN APIs (torch.nn)",
		"maintainer of Optimizers (torch.optim)", "maintainer of Autograd (torch.autograd)", NULL
	};
	assert_in_order(alban);
	has("Build + CI");
	has("Apple M1/MPS");
	lacks("core maintainer");

	ck_assert_int_eq(ask("who @albanD."), CMD_OK);
	has("Alban Desmaison (@albanD):");
	ck_assert_int_eq(ask("who is @ALBAND?"), CMD_OK);
	has("maintainer of NestedTensor (torch.nested)");

	ck_assert_int_eq(ask("who @soumith"), CMD_OK);
	static const char *const soumith[] = { "lead core maintainer (BDFL)", "core maintainer",
					       "maintainer of NN APIs (torch.nn)", NULL };
	assert_in_order(soumith);

	ck_assert_int_eq(ask("what is @ezyang"), CMD_OK);
	has("core maintainer");
	has("emeritus maintainer of Build + CI");
	lacks("BDFL");

	ck_assert_int_eq(ask("who @gchanan"), CMD_OK);
	has("library maintainer of XLA");

	ck_assert_int_eq(ask("who soumith"), CMD_OK); /* a bare handle works */
	has("lead core maintainer (BDFL)");
}
END_TEST

START_TEST(test_who_unknown_person)
{
	ck_assert_int_eq(ask("who @nobody-at-all"), CMD_ERROR);
	has("no one on the roster has the handle @nobody-at-all");
	ck_assert_int_eq(ask("who @gchanam"), CMD_ERROR);
	has("did you mean @gchanan?");
}
END_TEST

/* ---- modules, core, lead ------------------------------------------------------ */

START_TEST(test_modules)
{
	ck_assert_int_eq(ask("modules"), CMD_OK);
	static const char *const want[] = {
		"Module-level maintainers", "- NN APIs (torch.nn) - 4 active, 2 emeritus",
		"- Docs / Tutorials - 1 active", "Library-level maintainers",
		"- TorchData / TorchArrow - 1 active, 1 emeritus", NULL
	};
	assert_in_order(want);
	for (size_t i = 0; i < bot.roster->ngroups; i++)
		if (roster_group_is_module(bot.roster, &bot.roster->groups[i]))
			has(bot.roster->groups[i].title);
	ck_assert_int_eq(ask("what modules are there?"), CMD_OK);
	has("Library-level maintainers");
}
END_TEST

START_TEST(test_modules_filter)
{
	ck_assert_int_eq(ask("modules TORCH"), CMD_OK);
	has("NN APIs (torch.nn)");
	has("TorchVision");
	lacks("Distributed -");
	lacks("NVFuser");
	ck_assert_int_eq(ask("modules linalg"), CMD_OK);
	has("Linear Algebra (torch.linalg) - 3 active, 1 emeritus");
	has("1 entry matching `linalg`");
	ck_assert_int_eq(ask("modules qqqqqq"), CMD_ERROR);
	has("no module or library matches `qqqqqq`");
}
END_TEST

START_TEST(test_core_and_lead)
{
	ck_assert_int_eq(ask("core"), CMD_OK);
	static const char *const core[] = {
		"The core maintainers (5):", "- Soumith Chintala (@soumith) - lead core maintainer (BDFL)",
		"- Edward Yang (@ezyang)", "- Greg Chanan (@gchanan)", "- Dmytro Dzhulgakov (@dzhulgakov)",
		"- Nikita Shulga (@malfet)", NULL
	};
	assert_in_order(core);
	ck_assert_int_eq(ask("who are the core maintainers?"), CMD_OK);
	assert_in_order(core);

	ck_assert_int_eq(ask("lead"), CMD_OK);
	has("The lead core maintainer (BDFL) is Soumith Chintala (@soumith).");
	ck_assert_int_eq(ask("who is the BDFL?"), CMD_OK);
	has("Soumith Chintala (@soumith)");
	ck_assert_int_eq(ask("who is the lead (core maintainer)?"), CMD_OK);
	has("Soumith Chintala (@soumith)");
}
END_TEST

/* ---- a roster with sunsetted and all-emeritus modules --------------------------- */

static const char small_roster[] =
	"# PyTorch Governance | Maintainers\n\n"
	"## Lead Core Maintainer (BDFL)\n\n"
	"- Lead Person ([leader](https://github.com/leader))\n\n"
	"## Core Maintainers\n\n"
	"- Core One ([core1](https://github.com/core1))\n"
	"- Core Two ([core2](https://github.com/core2))\n"
	"- Core Plain\n\n"
	"## Module-level maintainers\n\n"
	"### Old Module (torch.old)\n\n"
	"- (emeritus) Gone Person ([gone](https://github.com/gone))\n\n"
	"### Live Module (torch.live)\n\n"
	"- No Handle Person\n"
	"- Core One ([core1](https://github.com/core1))\n\n"
	"## Sunsetted Modules\n\n"
	"### Legacy Thing (torch.legacy)\n\n"
	"- Legacy Keeper ([keeper](https://github.com/keeper))\n";

static void setup_small(void)
{
	struct roster *r = NULL;
	char err[256];
	ck_assert_msg(roster_parse(small_roster, strlen(small_roster), &r, err, sizeof(err)) == 0, "%s", err);
	open_bot(r);
}

START_TEST(test_all_emeritus)
{
	ck_assert_int_eq(ask("who torch.old"), CMD_OK);
	static const char *const want[] = {
		"Old Module (torch.old) has no active maintainers; the core maintainers are the ones to ask:",
		"- Lead Person (@leader)", "- Core One (@core1)", "- Core Two (@core2)", "- Core Plain\n", "Emeritus:",
		"- Gone Person (@gone)", NULL
	};
	assert_in_order(want);
	ck_assert_int_eq(ask("modules old"), CMD_OK);
	has("Old Module (torch.old) - no active maintainers, 1 emeritus");
}
END_TEST

START_TEST(test_sunset_and_no_handle)
{
	ck_assert_int_eq(ask("who torch.legacy"), CMD_OK);
	has("Legacy Thing (torch.legacy) (sunsetted)");
	has("- Legacy Keeper (@keeper)");
	has("sunsetted");
	ck_assert_int_eq(ask("who @keeper"), CMD_OK);
	has("(sunsetted)");
	ck_assert_int_eq(ask("who torch.live"), CMD_OK);
	has("- No Handle Person\n");
	ck_assert_int_eq(ask("modules"), CMD_OK);
	has("Sunsetted Modules");
	ck_assert_int_eq(ask("who @leader"), CMD_OK);
	has("lead core maintainer (BDFL)");
	has("core maintainer (as the lead)");
	ck_assert_int_eq(ask("core"), CMD_OK);
	has("The core maintainers (4):");   /* an entry without a handle is still shown */
	has("Lead Person (@leader) - lead core maintainer (BDFL)");
	has("- Core Plain");
}
END_TEST

/* ---- help ------------------------------------------------------------------ */

START_TEST(test_help_lists_every_row)
{
	ck_assert_int_eq(ask("help"), CMD_OK);
	for (size_t i = 0; i < commands_count; i++) {
		has(commands_table[i].synopsis);
		has(commands_table[i].summary);
		has(commands_table[i].group);
	}
	/* groups are headings, each once, in table order */
	ck_assert_ptr_nonnull(strstr(out, "Asking"));
	ck_assert(strstr(out, "Asking") < strstr(out, "Nominations"));
	ck_assert(strstr(out, "Nominations") < strstr(out, "Votes"));
	char *again = strdup(out);
	ck_assert_int_eq(ask(""), CMD_OK); /* nothing typed: help */
	ck_assert_str_eq(out, again);
	free(again);
}
END_TEST

START_TEST(test_help_each_command)
{
	const struct command *c = &commands_table[_i];
	char line[128];
	snprintf(line, sizeof(line), "help %s", c->name);
	ck_assert_int_eq(ask(line), CMD_OK);
	has(c->synopsis);
	has(c->summary);
	has(c->example);
	has("who may use it: ");
	if (c->role == ROLE_CORE && !c->authorize)
		has("core maintainers");
	if (c->role == ROLE_ANYONE && !c->authorize)
		has("who may use it: anyone");
}
END_TEST

START_TEST(test_help_unknown)
{
	ck_assert_int_eq(ask("help nominat"), CMD_ERROR);
	has("no command `nominat`; did you mean `nominate`?");
	ck_assert_int_eq(ask("help qqqqqqqqq"), CMD_ERROR);
	lacks("did you mean");
	ck_assert_int_eq(ask("help WHO?"), CMD_OK);
	has("who MODULE|PATH|@handle");
}
END_TEST

/* ---- process ------------------------------------------------------------------ */

static const char *const topics[] = {
	"nomination", "removal", "core", "lead", "modules", "uncontroversial", "controversial", "motions",
};

START_TEST(test_process_topic)
{
	char line[64];
	snprintf(line, sizeof(line), "process %s", topics[_i]);
	ck_assert_int_eq(ask(line), CMD_OK);
	has("Who decides: ");
	has("Steps:");
	has("- 1. ");
	/* every topic is listed by `process` alone */
	char *one = strdup(out);
	ck_assert_int_eq(ask("process"), CMD_OK);
	snprintf(line, sizeof(line), "- `%s` - ", topics[_i]);
	has(line);
	free(one);
}
END_TEST

START_TEST(test_process_facts)
{
	ck_assert_int_eq(ask("process nomination"), CMD_OK);
	has("contributions:");
	has("interactions:");
	has("support:");
	has("core maintainers");
	has("nominate @handle for MODULE");
	has("once a quarter");

	ck_assert_int_eq(ask("process removal"), CMD_OK);
	has("step-down MODULE|core");
	has("nominate-removal @handle from MODULE|core REASON");
	has("conflict");

	ck_assert_int_eq(ask("process core"), CMD_OK);
	has("Who decides: the lead core maintainer (BDFL)");
	has("letters of support");

	ck_assert_int_eq(ask("process lead"), CMD_OK);
	has("75%");
	has("propose remove-lead RATIONALE");
	has("propose elect-lead @a @b ...");
	has("permanently unavailable) leaves office by this same motion");
	has("Once the lead is removed, and not before");
	has("ballot N @a > @b > @c");
	has("fewer votes in the previous round");
	has("the handle that sorts last is eliminated");
	has("6 yes votes");

	ck_assert_int_eq(ask("process modules"), CMD_OK);
	has("Who decides: the core maintainers");
	has("- 4. ");

	ck_assert_int_eq(ask("process controversial"), CMD_OK);
	has("backwards-incompatible");
	has("escalates to the core maintainers");
	has("lead core maintainer decides");

	ck_assert_int_eq(ask("process motions"), CMD_OK);
	has("more than half of the electorate");
	has("14 days");
}
END_TEST

struct qmap {
	const char *question, *command;
};

static const struct qmap questions[] = {
	{ "how do I nominate someone?", "process nomination" },
	{ "how do I remove a maintainer", "process removal" },
	{ "how is the lead elected?", "process lead" },
	{ "what happens when maintainers disagree?", "process controversial" },
	{ "how do I become a maintainer", "process nomination" },
	{ "how do I become a core maintainer?", "process core" },
	{ "how do I add a new module?", "process modules" },
	{ "process step-down", "process removal" },
	{ "process election", "process lead" },
	{ "process core nomination", "process core" },
};

START_TEST(test_process_questions)
{
	ck_assert_int_eq(ask(questions[_i].command), CMD_OK);
	char *want = strdup(out);
	ck_assert_int_eq(ask(questions[_i].question), CMD_OK);
	ck_assert_str_eq(out, want);
	free(want);
}
END_TEST

START_TEST(test_process_unknown)
{
	ck_assert_int_eq(ask("process nominaton"), CMD_ERROR);
	has("no process topic `nominaton`; did you mean `nomination`?");
	ck_assert_int_eq(ask("process xyzzyxyzzy"), CMD_ERROR);
	lacks("did you mean");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("commands_roster");
	TCase *tc = tcase_create("bundled");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_who_torch_nn, 0, (int)ARRAY_SIZE(nn_queries));
	tcase_add_test(tc, test_who_module_misses);
	tcase_add_test(tc, test_who_person);
	tcase_add_test(tc, test_who_unknown_person);
	tcase_add_test(tc, test_modules);
	tcase_add_test(tc, test_modules_filter);
	tcase_add_test(tc, test_core_and_lead);
	tcase_add_test(tc, test_help_lists_every_row);
	tcase_add_loop_test(tc, test_help_each_command, 0, (int)commands_count);
	tcase_add_test(tc, test_help_unknown);
	tcase_add_loop_test(tc, test_process_topic, 0, (int)ARRAY_SIZE(topics));
	tcase_add_test(tc, test_process_facts);
	tcase_add_loop_test(tc, test_process_questions, 0, (int)ARRAY_SIZE(questions));
	tcase_add_test(tc, test_process_unknown);
	suite_add_tcase(s, tc);

	TCase *small = tcase_create("small roster");
	tcase_add_checked_fixture(small, setup_small, teardown);
	tcase_add_test(small, test_all_emeritus);
	tcase_add_test(small, test_sunset_and_no_handle);
	suite_add_tcase(s, small);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
