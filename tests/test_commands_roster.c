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

static size_t count_lines(const char *s)
{
	size_t n = *s != '\0';
	for (; *s; s++)
		n += *s == '\n' && s[1];
	return n;
}

#define has(s) ck_assert_msg(strstr(out, (s)), "missing '%s' in:\n%s", (s), out)
#define lacks(s) ck_assert_msg(!strstr(out, (s)), "unexpected '%s' in:\n%s", (s), out)

/* ---- who ------------------------------------------------------------------ */

static const char *const torch_nn[] = {
	"NN APIs (torch.nn)", "4 active module maintainers, 2 emeritus",
	"- Greg Chanan (@gchanan)", "- Soumith Chintala (@soumith)", "- Joel Schlosser (@jbschlosser)",
	"- Alban Desmaison (@albanD)", "Emeritus (2): Sam Gross (@colesbury), Adam Paszke (@apaszke)",
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
	has("no module or person matches `torch.nnn`");
	has("did you mean");
	ck_assert_int_eq(ask("who zzzzzzzzzzzz"), CMD_ERROR);
	has("no module or person matches");
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
	/* chat-sized: one line a section */
	ck_assert_int_eq(ask("modules"), CMD_OK);
	static const char *const brief[] = {
		"Module-level maintainers: NN APIs (torch.nn), Optimizers (torch.optim),",
		"Library-level maintainers: XLA, TorchServe,", "`modules all` gives each its counts.", NULL
	};
	assert_in_order(brief);
	ck_assert_uint_le(count_lines(out), 12);
	ck_assert_int_eq(ask("modules all"), CMD_OK);
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
	has("Library-level maintainers: ");
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
		"Old Module (torch.old) has no active maintainers; the core maintainers (`core`) are the ones "
		"to ask.\nEmeritus (1): Gone Person (@gone)", NULL
	};
	/* one line names the core maintainers as the ones to ask, without listing them */
	lacks("@core1");
	assert_in_order(want);
	ck_assert_int_eq(ask("modules old"), CMD_OK);
	has("Old Module (torch.old) - no active maintainers, 1 emeritus");
}
END_TEST

START_TEST(test_sunset_and_no_handle)
{
	ck_assert_int_eq(ask("who torch.legacy"), CMD_OK);
	has("Legacy Thing (torch.legacy) (sunsetted): no longer developed. Its maintainers when it was "
	    "sunsetted:");
	lacks("active");
	has("- Legacy Keeper (@keeper)");
	has("sunsetted");
	ck_assert_int_eq(ask("who @keeper"), CMD_OK);
	has("(sunsetted)");
	ck_assert_int_eq(ask("who torch.live"), CMD_OK);
	has("- No Handle Person\n");
	ck_assert_int_eq(ask("modules"), CMD_OK);
	has("Sunsetted Modules");
	ck_assert_int_eq(ask("who @leader"), CMD_OK);
	has("lead core maintainer (BDFL), and so a core maintainer");
	lacks("- core maintainer");   /* the lead is listed once */
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
	has("who MODULE|PATH|PERSON [all]");
}
END_TEST

/* ---- process ------------------------------------------------------------------ */

static const char *const topics[] = {
	"nomination", "removal", "core", "lead", "modules", "uncontroversial", "controversial", "motions",
	"link",
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
	ck_assert_int_eq(ask("process identity"), CMD_OK);
	has("`link @yourhandle`");
	has("`link confirm CODE`");
	has("a second core maintainer confirms it");
	has("never re-pointed");
	ck_assert_int_eq(ask("process nomination"), CMD_OK);
	has("contributions:");
	has("interactions:");
	has("support:");
	has("core maintainers");
	has("nominate @handle for MODULE");
	has("once a quarter");
	has("The nominator does not decide their own nominee");
	has("governance.nomination_days (default 90");

	ck_assert_int_eq(ask("process removal"), CMD_OK);
	has("step-down MODULE|core");
	has("nominate-removal @handle from MODULE|core REASON");
	has("conflict");
	has("recuse N @handle REASON");
	has("listed as emeritus core");
	has("notified with the platform's own mention");

	ck_assert_int_eq(ask("process core"), CMD_OK);
	has("Who decides: the lead core maintainer (BDFL)");
	has("A core or module maintainer nominates");
	has("their core nomination is refused");
	has("letters of support");

	ck_assert_int_eq(ask("process lead"), CMD_OK);
	has("75%");
	has("propose remove-lead RATIONALE");
	has("propose elect-lead @a @b ...");
	has("permanently unavailable) leaves office by this same motion");
	has("Once the lead is removed, and not before");
	has("ballot N @a > @b > @c");
	has("fewer votes in the previous round");
	has("then by lot");
	has("never picked by alphabet");
	has("the last two candidates tie, the election ends with no winner");
	has("step-down lead [REASON]");
	has("stay a core maintainer");
	has("only time an election opens");
	has("6 yes votes");

	ck_assert_int_eq(ask("process modules"), CMD_OK);
	has("Who decides: the core maintainers");
	has("- 4. ");
	has("propose add-module NAME [(ALIASES)] RATIONALE");
	has("propose rename-module MODULE to NAME RATIONALE");
	has("sunsetted section");

	ck_assert_int_eq(ask("process controversial"), CMD_OK);
	has("backwards-incompatible");
	has("escalates to the core maintainers");
	has("lead core maintainer decides");
	has("escalate N");
	has("propose overrule N RATIONALE");
	has("decide N accept|reject RATIONALE");

	ck_assert_int_eq(ask("process motions"), CMD_OK);
	has("more than half of the electorate");
	has("14 days");
	has("48 hours before the deadline");
	has("withdraw N [REASON]");
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
	{ "how do I become a maintainer", "process become" },
	{ "who decides?", "process decides" },
	{ "can my company buy a seat?", "process company" },
	{ "Can our company pay for a seat on the board?", "process company" },
	{ "what is the license?", "process license" },
	{ "which license does PyTorch use?", "process license" },
	{ "what is the PyTorch Foundation?", "process foundation" },
	{ "how are decisions made?", "process decides" },
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


/* ---- a newcomer's questions, answered chat-sized ------------------------------------- */

struct qa {
	const char *text;
	int rc;
	const char *has[4];
	const char *lacks;
};

#define CHAT_LINES 13

static const struct qa bundled_qa[] = {
	{ "who fx", CMD_OK, { "Compilers (JIT / TorchScript / FX / TorchDynamo): 6 active", "@eellison" }, "(for" },
	{ "who triton?", CMD_OK, { "GPU Performance (Torch Inductor / Triton / CUDA): 5 active" }, "(for" },
	{ "who the C++ API", CMD_OK, { "C++ API: 1 active module maintainer, 1 emeritus", "@jbschlosser" },
	  "(for" },
	{ "who hip", CMD_OK, { "AMD/ROCm/HIP: 3 active" }, "(for" },
	{ "who torch.multiprocessing", CMD_OK, { "Multiprocessing and DataLoaders (for `torch.multiprocessing`)" },
	  NULL },
	{ "who torch/fx/graph.py", CMD_OK, { "Compilers (JIT / TorchScript / FX / TorchDynamo) (for "
					      "`torch/fx/graph.py`)" }, "did you mean" },
	{ "who torch.fx", CMD_OK, { "Compilers" }, "TorchX" },
	{ "who inductor", CMD_OK, { "`inductor` fits 2 modules:", "- CPU Performance (Torch Inductor / MKLDNN): ",
				    "- GPU Performance (Torch Inductor / Triton / CUDA): " }, NULL },
	{ "who maintains pt2?", CMD_OK, { "`pt2` fits 3 modules:" }, NULL },
	{ "who Distributed", CMD_OK, { "Distributed: 12 active module maintainers, 3 emeritus",
				       "- ... and 4 more; `who Distributed all` lists everyone.",
				       "Emeritus (3): Pieter Noordhuis (@pietern)," }, "Kiuk Chung" },
	{ "who Distributed all", CMD_OK, { "- Kiuk Chung (@kiukchung)", "Emeritus:\n- Pieter Noordhuis" },
	  "more" },
	{ "who CPU Performance", CMD_OK, { "Emeritus (8): ", " and 4 more" }, "Jianhui" },
	{ "who is Soumith Chintala?", CMD_OK, { "Soumith Chintala (@soumith):",
						"lead core maintainer (BDFL), and so a core maintainer" }, NULL },
	{ "who Soumith", CMD_OK, { "Soumith Chintala (@soumith):" }, NULL },
	{ "who SOUMITH", CMD_OK, { "Soumith Chintala (@soumith):" }, NULL },
	{ "who christian", CMD_OK, { "`christian` fits 2 people:", "Christian Puhrsch (@cpuhrsch)",
				     "Christian Sarofeen (@csarofeen)" }, NULL },
	{ "what does @ngimel maintain?", CMD_OK, { "Natalia Gimelshein (@ngimel):", "maintainer of NVFuser",
						   "emeritus maintainer of Performance Tools" }, NULL },
	{ "what does Natalia Gimelshein maintain?", CMD_OK, { "maintainer of NVFuser" }, NULL },
	{ "is @gchanan the lead?", CMD_OK, { "No: Greg Chanan (@gchanan) is not the lead core maintainer (BDFL). "
					     "The lead is Soumith Chintala (@soumith).", "Roles: core maintainer" },
	  NULL },
	{ "is @gchanan a core maintainer?", CMD_OK, { "Yes: Greg Chanan (@gchanan) is a core maintainer." }, NULL },
	{ "is soumith the BDFL", CMD_OK, { "Yes: Soumith Chintala (@soumith) is the lead core maintainer" }, NULL },
	{ "is @ezyang a maintainer of Build + CI?", CMD_OK, { "No: ", "(emeritus there)",
							       "emeritus maintainer of Build + CI" }, NULL },
	{ "is Natalia Gimelshein an nvfuser maintainer?", CMD_OK, { "Yes: " }, NULL },
	{ "is @nobody-here the lead?", CMD_ERROR, { "no one on the roster has the handle @nobody-here" }, NULL },
	{ "is there a code of conduct?", CMD_ERROR, { "I don't have an answer to that", "is @handle the lead" },
	  "unknown command" },
	{ "who decides?", CMD_OK, { "Who decides?", "`process controversial`" }, NULL },
	{ "how do I become a maintainer?", CMD_OK, { "Start by contributing", "nominate @you for MODULE",
						     "nominate @you for core", "`process nomination`" }, NULL },
	{ "can my company buy a seat?", CMD_OK, { "No.", "business governance", "PyTorch Foundation" }, NULL },
	{ "what is the license?", CMD_OK, { "3-clause BSD" }, NULL },
	{ "what is the PyTorch Foundation?", CMD_OK, { "Linux Foundation", "business side" }, NULL },
	{ "how many votes does a quorum need?", CMD_ERROR, { "the nearest topics:", "`process motions`" },
	  "unknown command" },
	{ "who @soumith", CMD_OK, { "lead core maintainer (BDFL), and so a core maintainer" }, "- core maintainer" },
	{ "who frobnicator", CMD_ERROR, { "no module or person matches `frobnicator`" }, NULL },
};

static void check_qa(const struct qa *q)
{
	ck_assert_msg(ask(q->text) == q->rc, "%s -> rc %d:\n%s", q->text, q->rc, out);
	for (size_t i = 0; i < ARRAY_SIZE(q->has) && q->has[i]; i++)
		ck_assert_msg(strstr(out, q->has[i]), "%s: missing '%s' in:\n%s", q->text, q->has[i], out);
	if (q->lacks)
		ck_assert_msg(!strstr(out, q->lacks), "%s: unexpected '%s' in:\n%s", q->text, q->lacks, out);
	if (!strstr(q->text, " all"))
		ck_assert_msg(count_lines(out) <= CHAT_LINES, "%s: %zu lines:\n%s", q->text, count_lines(out), out);
}

START_TEST(test_bundled_questions)
{
	check_qa(&bundled_qa[_i]);
}
END_TEST

/* Every module of a page fits a chat screen. */
START_TEST(test_every_answer_fits)
{
	for (size_t i = 0; i < bot.roster->ngroups; i++) {
		const struct roster_group *g = &bot.roster->groups[i];
		if (!roster_group_is_module(bot.roster, g))
			continue;
		char line[300];
		snprintf(line, sizeof(line), "who %s", g->title);
		ck_assert_msg(ask(line) == CMD_OK, "%s", line);
		ck_assert_msg(count_lines(out) <= CHAT_LINES, "%s: %zu lines:\n%s", line, count_lines(out), out);
		for (size_t k = 0; k < g->npeople; k++)
			if (g->people[k].handle) {
				snprintf(line, sizeof(line), "who @%s", g->people[k].handle);
				ck_assert_msg(ask(line) == CMD_OK, "%s", line);
				ck_assert_msg(count_lines(out) <= CHAT_LINES, "%s: %zu lines", line, count_lines(out));
			}
	}
}
END_TEST

static void setup_upstream(void)
{
	struct roster *r = NULL;
	char err[256], path[512];
	const char *dir = getenv("SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/data/roster_upstream.md", dir ? dir : ".");
	ck_assert_msg(roster_load(path, &r, err, sizeof(err)) == 0, "%s", err);
	open_bot(r);
}

static const struct qa upstream_qa[] = {
	{ "who dynamo", CMD_OK, { "TorchDynamo: 3 active module maintainers" }, NULL },
	{ "who inductor", CMD_OK, { "TorchInductor: 5 active module maintainers" }, "fits" },
	{ "who torch/_inductor/codecache.py", CMD_OK, { "TorchInductor (for `torch/_inductor/codecache.py`)" },
	  NULL },
	{ "who pt2", CMD_OK, { "`pt2` fits 2 modules:", "- TorchDynamo: ", "- TorchInductor: " }, NULL },
	{ "who executorch", CMD_OK, { "ExecuTorch (Edge, Mobile), a core-governed external "
				      "module (the core maintainers govern it): 1 active maintainer, 1 emeritus" },
	  "module maintainer" },
	{ "who TorchArrow", CMD_OK, { "TorchArrow (sunsetted): no longer developed. Its maintainers when it was "
				      "sunsetted:", "- Wenlei Xie (@wenleix)" }, "active" },
	{ "who multipy", CMD_OK, { "(sunsetted): no longer developed. Its maintainers are all emeritus." },
	  "active" },
	{ "who powerpc", CMD_OK, { "PowerPC has no active maintainers; the core maintainers "
				   "(`core`) are the ones to ask.", "Emeritus (1): Alfredo Mendoza" }, "@soumith" },
	{ "who torch.multiprocessing", CMD_OK, { "Multiprocessing (for `torch.multiprocessing`) has no active" },
	  NULL },
	{ "who torch.fx", CMD_ERROR, { "no module or person matches `torch.fx`" }, "did you mean" },
	{ "who Distributed", CMD_OK, { "... and 4 more; `who Distributed all` lists everyone." }, NULL },
	{ "who @jansel", CMD_OK, { "maintainer of TorchDynamo", "maintainer of TorchInductor" }, NULL },
	{ "who @mergennachin", CMD_OK, { "maintainer of ExecuTorch (Edge, Mobile) (core-governed external "
					 "module)" }, NULL },
	{ "who @wenleix", CMD_OK, { "maintainer of TorchArrow (sunsetted)" }, NULL },
	{ "is @albanD a core maintainer?", CMD_OK, { "Yes: Alban Desmaison (@albanD) is a core maintainer." },
	  NULL },
	{ "is @gchanan a maintainer of torch.nn?", CMD_OK, { "No: Greg Chanan (@gchanan) is not an active "
							     "maintainer of NN APIs (torch.nn) (emeritus there)." },
	  NULL },
	{ "modules", CMD_OK, { "Core Governed External Modules: ExecuTorch (Edge, Mobile), TorchAO",
			       "Sunsetted Modules: TorchArrow, torch::deploy (MultiPy)" }, NULL },
};

START_TEST(test_upstream_questions)
{
	check_qa(&upstream_qa[_i]);
}
END_TEST

/* ---- platform mentions are people --------------------------------------------------- */

static const char *const mention_map[][2] = {
	{ "albanD", "slack:U0ALICE" },
	{ "ngimel", "matrix:@natalia:example.org" },
	{ "soumith", "discourse:smth" },
};

static void setup_mentions(void)
{
	setup();
	tu_map_identities(bot.config, mention_map, ARRAY_SIZE(mention_map));
}

static int ask_as(const char *text, const char *caller)
{
	struct dispatch_request req = { text, strlen(text), caller, NULL, false };
	return tu_dispatch(&bot, &req, reply, &out);
}

static const struct { const char *caller, *text; int rc; const char *has; } mention_cases[] = {
	{ "slack:U1", "who <@U0ALICE>", CMD_OK, "Alban Desmaison (@albanD):" },
	{ "slack:U1", "who <@U0ALICE|alice>", CMD_OK, "Alban Desmaison (@albanD):" },
	{ "slack:U1", "is <@U0ALICE> a maintainer of torch.nn?", CMD_OK, "Yes: Alban Desmaison (@albanD)" },
	{ "matrix:@x:example.org", "who @natalia:example.org", CMD_OK, "Natalia Gimelshein (@ngimel):" },
	{ "matrix:@x:example.org", "who https://matrix.to/#/@natalia:example.org", CMD_OK,
	  "Natalia Gimelshein (@ngimel):" },
	{ "matrix:@x:example.org", "who [Natalia](https://matrix.to/#/@natalia:example.org)", CMD_OK,
	  "Natalia Gimelshein (@ngimel):" },
	{ "discourse:bob", "who @smth", CMD_OK, "Soumith Chintala (@soumith):" },
	{ "discourse:bob", "who @ezyang", CMD_OK, "Edward Yang (@ezyang):" },   /* unmapped: a GitHub handle */
	{ "console:x", "who @smth", CMD_ERROR, "no one on the roster has the handle @smth" },
	{ "slack:U1", "who <@U0NOBODY>", CMD_ERROR, "slack:U0NOBODY is mapped to no roster handle" },
	{ "slack:U1", "is <@U0NOBODY> the lead", CMD_ERROR, "`link @handle`" },
	{ "matrix:@x:example.org", "who @stranger:example.org", CMD_ERROR,
	  "matrix:@stranger:example.org is mapped to no roster handle" },
};

START_TEST(test_mentions)
{
	int rc = ask_as(mention_cases[_i].text, mention_cases[_i].caller);
	ck_assert_msg(rc == mention_cases[_i].rc, "%s: rc %d:\n%s", mention_cases[_i].text, rc, out);
	has(mention_cases[_i].has);
}
END_TEST


/* A platform's mention markup is its own (its mention_at hook, registered
 * like its identity syntax): a platform the core has never heard of gets
 * its markup read as people, and with Slack's hook gone "<@U0ALICE>" is
 * plain text again. */
static bool irc_mention_at(const char *text, const char *p, bool caller_here, struct config_mention *m)
{
	const char *end;

	if (strncmp(p, "<irc:", 5) != 0 || !(end = strchr(p + 5, '>')) || end == p + 5)
		return false;
	snprintf(m->id, sizeof(m->id), "%.*s", (int)(end - p - 5), p + 5);
	m->from = p;
	m->len = (size_t)(end + 1 - p);
	return true;
}

START_TEST(test_mention_syntax_is_the_platforms)
{
	static const struct config_platform plats[] = {
		{ .name = "console" },
		{ .name = "irc", .mention_at = irc_mention_at },
	};
	/* albanD's identity (setup_mentions: slack:U0ALICE) becomes an irc one */
	struct config_identity *ci = &bot.config->identities[0];

	ck_assert_str_eq(ci->handle, "albanD");
	free(ci->ids[0]);
	ci->ids[0] = xstrdup("irc:alban");
	config_set_platforms(plats, 2);
	ck_assert_int_eq(ask_as("who <irc:alban>", "console:x"), CMD_OK);
	has("Alban Desmaison (@albanD):");
	ck_assert_int_eq(ask_as("who <irc:nobody>", "console:x"), CMD_ERROR);
	has("irc:nobody is mapped to no roster handle");
	ck_assert_int_eq(ask_as("who <@U0ALICE>", "console:x"), CMD_ERROR);
	ck_assert_msg(!strstr(out, "Alban"), "Slack markup read with no Slack registered:\n%s", out);
	adapters_register();
}
END_TEST

/* ---- with a database: link and nominate take people the same way --------------------- */

static char tmpdir[64];

static void setup_store(void)
{
	tu_mkdtemp(tmpdir, sizeof(tmpdir), "roster-cmds");
	char cfg[128];
	snprintf(cfg, sizeof(cfg), "%s/govbot.json", tmpdir);
	tu_write_file(cfg, "{\"database\": \"db.sqlite3\", \"identities\": {\"soumith\": [\"console:soumith\"], "
			   "\"albanD\": [\"slack:U0ALICE\"], \"gchanan\": [\"console:greg\"]}}");
	tu_bot_open(&bot, cfg, 1700000000);
	reply = reply_new();
	out = NULL;
}

static void teardown_store(void)
{
	free(out);
	reply_free(reply);
	bot_close(&bot);
	ck_assert_int_eq(tu_rmrf(tmpdir), 0);
}

START_TEST(test_link_and_nominate_mentions)
{
	/* an id that is itself markup is refused, and nothing is linked */
	ck_assert_int_eq(ask_as("link slack:<@U0123> @ezyang", "console:soumith"), CMD_ERROR);
	has("`slack:<@U0123>` is chat markup, not an identity; write the bare ID, such as `slack:U0123`");
	ck_assert_int_eq(ask_as("link matrix:https://matrix.to/#/@a:example.org @ezyang", "console:soumith"),
			 CMD_ERROR);
	has("is chat markup");
	ck_assert_int_eq(ask_as("link slack:U0123 @ezyang", "console:soumith"), CMD_OK);
	/* a second core maintainer confirms it (chatbot/gov/link.h) */
	const char *code = strstr(out, "link confirm ");
	ck_assert_ptr_nonnull(code);
	char confirm[64];
	snprintf(confirm, sizeof(confirm), "link confirm %.8s", code + strlen("link confirm "));
	ck_assert_int_eq(ask_as(confirm, "console:greg"), CMD_OK);
	/* a mention in a person argument is that person */
	ck_assert_int_eq(ask_as("nominate <@U0ALICE> for Distributed contributions: many reviews", "slack:U0BOB"),
			 CMD_OK);
	has("@albanD");
	lacks("U0ALICE");
	/* the reply's commands carry the real number, never a template */
	has("`amend 1 FIELD: TEXT`");
	lacks("amend N");
	ck_assert_int_eq(ask_as("nominate <@U0ALICE> for Distributed", "slack:U0CAROL"), CMD_REFUSED);
	has("`support 1 TEXT`");
	has("`amend 1 FIELD: TEXT`");
	ck_assert_int_eq(ask_as("nominate <@U0NOBODY> for Distributed", "slack:U0BOB"), CMD_ERROR);
	has("slack:U0NOBODY is mapped to no roster handle");
	/* a linked identity counts too */
	ck_assert_int_eq(ask_as("who <@U0123>", "slack:U0BOB"), CMD_OK);
	has("Edward Yang (@ezyang):");
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
	tcase_add_loop_test(tc, test_bundled_questions, 0, (int)ARRAY_SIZE(bundled_qa));
	tcase_add_test(tc, test_every_answer_fits);
	suite_add_tcase(s, tc);

	TCase *up = tcase_create("upstream roster");
	tcase_add_checked_fixture(up, setup_upstream, teardown);
	tcase_add_loop_test(up, test_upstream_questions, 0, (int)ARRAY_SIZE(upstream_qa));
	tcase_add_test(up, test_every_answer_fits);
	suite_add_tcase(s, up);

	TCase *men = tcase_create("mentions");
	tcase_add_checked_fixture(men, setup_mentions, teardown);
	tcase_add_loop_test(men, test_mentions, 0, (int)ARRAY_SIZE(mention_cases));
	tcase_add_test(men, test_mention_syntax_is_the_platforms);
	suite_add_tcase(s, men);

	TCase *st = tcase_create("store");
	tcase_add_checked_fixture(st, setup_store, teardown_store);
	tcase_add_test(st, test_link_and_nominate_mentions);
	suite_add_tcase(s, st);

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
