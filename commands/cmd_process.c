/* cmd_process.c - `process [TOPIC]`: how each governance mechanism works,
 * step by step: who decides, what must be supplied, and which govbot
 * command runs it.  The facts come from the PyTorch governance pages
 * (Governance and Mechanics); the wording is ours.
 *
 * To add a topic: add a row to topics[] (text in backticks is shown as
 * code) and a case to tests/test_commands_roster.c. */
#include <stdio.h>
#include <string.h>

#include "chatbot/bot/config.h"
#include "commands/commands.h"

#define MAX_LINES 10

struct topic {
	const char *name;
	const char *aliases[8];       /* other words that mean this topic */
	const char *title;
	const char *summary;          /* one line for the topic list */
	const char *about;            /* a paragraph of context, or NULL */
	const char *decides;          /* who decides */
	const char *steps[MAX_LINES]; /* numbered */
	const char *supply[MAX_LINES];/* what must be supplied (may be empty) */
	const char *notes[MAX_LINES]; /* anything else worth knowing */
};

static const struct topic topics[] = {
	{ "nomination", { "nominate", "nominations", "maintainer", "module-maintainer", "become", NULL },
	  "Nominating a module maintainer",
	  "how someone becomes a maintainer of a module",
	  "Maintainership is earned on merit: expertise shown through contributions, reviews and "
	  "discussion, and a lasting fit with PyTorch's overall direction. It belongs to the person, "
	  "not to their employer, and has no term limit.",
	  "the core maintainers, leaving out anyone with a conflict of interest; they give their "
	  "decision and its reasons in public",
	  { "Ask the module's maintainers (`who MODULE`) whether the module runs its own process; "
	    "if it does, follow it. What follows is the default.",
	    "Anyone opens the nomination: `nominate @handle for MODULE`. The opening is announced, "
	    "and the nominee is notified with the platform's own mention.",
	    "Supply the three facts listed below, on the same line, on following lines, or later "
	    "with `amend N FIELD: TEXT`.",
	    "Others may add letters with `support N TEXT` or `object N TEXT`.",
	    "The core maintainers meet once a quarter; `agenda` shows the complete nominations "
	    "waiting for them.",
	    "They weigh everything and record `decide N accept|reject RATIONALE`; govbot updates the "
	    "roster and announces the decision with its rationale.",
	    "The nominator does not decide their own nominee: like a recusal, it is a conflict, and "
	    "another core maintainer decides.",
	    NULL },
	  { "`contributions:` how deep and how broad the nominee's work on the module's code, "
	    "reviews and design is",
	    "`interactions:` how the nominee deals with maintainers, users and the community, "
	    "good and bad",
	    "`support:` where the module's current maintainers stand on it",
	    NULL },
	  { "Only a complete nomination (all three facts) can be decided.",
	    "The nominator may withdraw it while it is open: `withdraw N [REASON]` (recorded and "
	    "announced).",
	    "A complete nomination with no decision after governance.nomination_days (default 90, "
	    "one quarter) is listed in a reminder to the core maintainers.",
	    NULL } },

	{ "removal", { "remove", "removals", "step-down", "stepdown", "emeritus", "resign", NULL },
	  "Removing a maintainer, or stepping down",
	  "how a module or core maintainer is removed or steps down",
	  NULL,
	  "for a module maintainer, the core maintainers, leaving out anyone with a conflict of "
	  "interest; for a core maintainer, the lead core maintainer, who confirms or removes core "
	  "maintainers; the decision and its reasons are public",
	  { "Anyone in the community may propose removing a module or core maintainer: "
	    "`nominate-removal @handle from MODULE|core REASON`.",
	    "Maintainers may ask for their own removal: `step-down MODULE|core [REASON]`.",
	    "The opening is announced and the person is notified with the platform's own mention, "
	    "so they can answer (`object N TEXT`) before it is decided.",
	    "The core maintainers ask for, or gather, the facts that matter (below).",
	    "They confirm or reject the removal with `decide N accept|reject RATIONALE`; govbot "
	    "updates the roster and announces it. A module maintainer moves to emeritus in the "
	    "module; a core maintainer removed from core is listed as emeritus core.",
	    NULL },
	  { "how active the person has been in the project, or not",
	    "whether their views on the area have changed so that they now pull against the "
	    "project's direction",
	    "anything else that makes them unsuitable, such as Code of Conduct problems or conduct "
	    "outside the project at odds with its values",
	    "conflicts of interest, such as a family or romantic relationship",
	    NULL },
	  { "A long period without activity is a light reason to move someone to emeritus; each "
	    "module group may say what counts as inactive for its module.",
	    "A conflict of interest is declared with `recuse N [REASON]`; a core maintainer can also "
	    "name another maintainer as conflicted with `recuse N @handle REASON` (audited). The "
	    "one who opened the item does not decide it either.",
	    NULL } },

	{ "core", { "core-nomination", "core-maintainer", "core-maintainers", NULL },
	  "Nominating a core maintainer",
	  "how someone becomes a core maintainer",
	  "Core maintainers know the whole code base and its design philosophy; they hold the "
	  "long-term vision, resolve contentious issues and, as a team, may overrule any "
	  "module-level decision.",
	  "the lead core maintainer (BDFL), who publishes the reasons",
	  { "A core or module maintainer nominates the candidate: `nominate @handle for core`. "
	    "Others cannot open it (their core nomination is refused with this reason) but may add "
	    "letters once it is open.",
	    "The lead asks for, or collects, more about the candidate's strengths (below); letters "
	    "are added with `support N TEXT`.",
	    "The lead confirms or rejects the nomination with `decide N accept|reject RATIONALE`; "
	    "govbot announces it. When the lead nominated the candidate (or is recused), the lead "
	    "does not decide: the core maintainers settle it by a motion (`propose core TEXT`).",
	    NULL },
	  { "letters of support from other core and module maintainers",
	    "letters of support from stakeholders in the PyTorch community",
	    "any new information that bears on the candidacy",
	    "the three facts of every nomination: `contributions:`, `interactions:`, `support:`",
	    NULL },
	  { NULL } },

	{ "lead", { "bdfl", "election", "elect-lead", "remove-lead", "leader", NULL },
	  "Removing the lead core maintainer and electing a new one",
	  "how the lead (BDFL) is removed and a new one elected",
	  "The lead core maintainer has the last word where the core maintainers cannot agree, and "
	  "confirms or removes core maintainers.",
	  "removal: a supermajority of the core maintainers; election: a ranked-choice vote of the "
	  "core maintainers",
	  { "The lead may resign the lead role: `step-down lead [REASON]`. They stay a core "
	    "maintainer; the office is vacant and that is announced.",
	    "A core maintainer opens the removal: `propose remove-lead RATIONALE`.",
	    "The core maintainers other than the lead vote with `vote N yes|no|abstain`. It passes "
	    "with yes from at least 75% of them, counted against all of them, not against the "
	    "votes cast: with 8 such core maintainers, 6 yes votes are needed.",
	    "A lead who can no longer serve (for example, is permanently unavailable) leaves office "
	    "by this same motion. Removing the lead removes the lead role only: they stay a core "
	    "maintainer unless removed from core too.",
	    "Once the lead is removed, and not before, a core maintainer opens the election: "
	    "`propose elect-lead @a @b ...`. A vacancy (a resignation or a passed removal) is the "
	    "only time an election opens.",
	    "Each core maintainer ranks the candidates: `ballot N @a > @b > @c` (a new ballot "
	    "replaces the old one).",
	    "Instant runoff: each ballot counts for its highest-ranked candidate still in the race; "
	    "a candidate with more than half of the counting ballots wins; otherwise the candidate "
	    "with the fewest votes is eliminated and the count repeats.",
	    "The election closes when every core maintainer has voted, or at its deadline; govbot "
	    "announces the result with every round of the count.",
	    NULL },
	  { "for a removal: the rationale", "for an election: the candidates' handles", NULL },
	  { "Ties for elimination are broken by fewer votes in the previous round (going back one "
	    "round at a time to the first), then by lot: the seed is FNV-1a (64 bits) of "
	    "\"election N\" and the ballots, is published with the result, and each tied "
	    "candidate's draw is FNV-1a of the seed in hex, \":\" and the handle; the lowest draw "
	    "is eliminated, so anyone can recompute it. The lead is never picked by alphabet.",
	    "When the last two candidates tie, the election ends with no winner, announced; a new "
	    "election among them can be opened at once.",
	    NULL } },

	{ "modules", { "module", "add-module", "remove-module", "projects", "libraries", NULL },
	  "Adding, removing or redefining modules and projects",
	  "how modules and projects are added, removed or redefined",
	  "A module is a repository in the PyTorch GitHub organization or a directory of "
	  "pytorch/pytorch; each has its own group of maintainers.",
	  "the core maintainers, together; they publish the reasons for their decision",
	  { "Anyone in the community, core maintainers included, may propose such a change. "
	    "Proposals are open-ended but need groundwork; one way to do it follows.",
	    "Talk to researchers, stakeholders and the community, and gather the problems.",
	    "Read the papers, go to the talks, and build example pipelines from experience.",
	    "Describe the state of the world: show the change is needed (a new module is worth what "
	    "it costs to maintain; removing one takes little of value out of PyTorch).",
	    "Write the proposal; once approved, it covers who maintains it and the plans for "
	    "development and community.",
	    "Put it to the core maintainers (anyone may): `propose add-module NAME [(ALIASES)] "
	    "RATIONALE`, `propose remove-module MODULE RATIONALE` or `propose rename-module MODULE to "
	    "NAME RATIONALE` opens a vote of the core maintainers (a majority passes it).",
	    "Passed, it changes the roster like an accepted nomination does: the new module is "
	    "listed (`who`, `modules`, `export-roster`), a removed module moves to the sunsetted "
	    "section, a renamed one answers to its new name.",
	    NULL },
	  { "the proposal: what changes, why it is needed, who will maintain it", NULL },
	  { NULL } },

	{ "uncontroversial", { "changes", "prs", "pull-requests", "review", "reviews", NULL },
	  "Uncontroversial changes",
	  "how everyday changes are approved",
	  "Most work happens in GitHub issues and pull requests. Maintainers do not push to the "
	  "repository directly; they open pull requests too.",
	  "a core or module maintainer, by approving the pull request; then it can land with no "
	  "further process",
	  { "Open a pull request (or an issue to discuss first).",
	    "Tell the experts of the area about it: `who PATH` names the maintainers of the code "
	    "you touch. A review by one of them is strongly preferred before approval.",
	    "Once a core or module maintainer approves, it can be merged.",
	    NULL },
	  { NULL },
	  { "A change landed without the relevant experts may be reverted by them.", NULL } },

	{ "controversial", { "disputes", "dispute", "disagreement", "disagreements", "escalation",
			     "veto", "substantial", NULL },
	  "Controversial changes and disagreements",
	  "what counts as controversial, and what happens when maintainers disagree",
	  "A substantial change needs a GitHub issue for discussion before the work lands. That "
	  "covers any change to the semantics or syntax of the framework or a library; any "
	  "backwards-incompatible change to the Python or C++ API; additions to the core framework "
	  "or a library, including substantial new features in an existing library; and removing "
	  "core features or platform support.",
	  "core and module maintainers approve such changes; a dispute a module group cannot settle "
	  "goes to the core maintainers, and where they cannot agree, to the lead core maintainer",
	  { "The module's maintainer group decides by its own rules; a majority vote is the default "
	    "(`propose MODULE TEXT`, then `vote N yes|no|abstain`).",
	    "Maintainers of other modules may challenge a decision, above all one that affects them.",
	    "The group publishes a reasoned account of a dispute: what it was about, the arguments, "
	    "and how it was resolved.",
	    "If the group cannot reach a conclusion, it escalates to the core maintainers, who "
	    "resolve it by their own rules: any maintainer of the group turns a module motion that "
	    "failed or tied into a core motion on the same text with `escalate N`.",
	    "As a team the core maintainers may also overrule a module-level decision: `propose "
	    "overrule N RATIONALE` (a core maintainer proposes, a majority of the core passes it); "
	    "passed, the module motion's result no longer stands, and both records say so.",
	    "If the core maintainers cannot reach consensus (a core motion that closes tied, as many "
	    "yes as no votes), the lead core maintainer decides: `decide N accept|reject RATIONALE`, "
	    "recorded and announced as the lead's decision, with the reasons in public.",
	    NULL },
	  { "the issue that describes the change and the arguments on each side", NULL },
	  { NULL } },

	{ "motions", { "motion", "vote", "votes", "voting", "propose", "majority", NULL },
	  "Motions and votes",
	  "how a group votes on a motion",
	  NULL,
	  "a majority of the group's electorate: every active member of the module group (or of "
	  "the core maintainers), less anyone recused",
	  { "A member of the group opens the motion: `propose MODULE|core TEXT`.",
	    "Members vote with `vote N yes|no|abstain`; voting again replaces the earlier vote.",
	    "It passes with yes from more than half of the electorate, not of the votes cast: an "
	    "abstention or a missing vote is not a yes.",
	    "It closes as soon as it has passed, can no longer pass, or everyone has voted, or at "
	    "its deadline (DEADLINE days after opening).",
	    "govbot announces the opening (each elector is mentioned once) and the result with the "
	    "full tally; `decisions` keeps the public log. 48 hours before the deadline, the "
	    "electors who have not voted get one reminder.",
	    "A motion that closes with as many yes as no votes is tied: a tied core motion is "
	    "settled by the lead (`decide N`), a tied module motion can be escalated (`escalate N`).",
	    "The proposer may withdraw it while it is open: `withdraw N [REASON]`.",
	    NULL },
	  { "the group (a module, or `core`) and the text of the motion", NULL },
	  { "Anyone with a conflict of interest declares it with `recuse N` and leaves the "
	    "electorate of N; a core maintainer can name another with `recuse N @handle REASON`.",
	    "Counts, also in `agenda`, are of the electorate after recusals.", NULL } },
};

/* Short answers to the questions newcomers ask first, each pointing to the
 * topic that says more.  From the governance pages and the Foundation
 * post (../shared/seeds); the wording is ours. */
struct answer {
	const char *name;
	const char *aliases[8];
	const char *question;           /* as a newcomer asks it */
	const char *lines[4];
	const char *more;               /* "nomination controversial": topics that say more */
};

static const struct answer answers[] = {
	{ "decides", { "decisions", "who-decides", "governance", NULL },
	  "Who decides?",
	  { "Everyday changes: a module or core maintainer approves the pull request.",
	    "A module's own matters: its maintainers, by majority unless they agreed otherwise; a "
	    "dispute they cannot settle goes to the core maintainers, and if they cannot agree, to the "
	    "lead core maintainer (BDFL).",
	    "Who becomes or stops being a maintainer: the core maintainers for modules, the lead for "
	    "the core; removing the lead takes 75% of the core maintainers.",
	    NULL },
	  "uncontroversial controversial nomination lead" },
	{ "become", { "becoming", "join", "contribute", "contributing", NULL },
	  "How do I become a maintainer?",
	  { "Start by contributing to the area you care about: pull requests, reviews, answers on the "
	    "forums, design discussion. Influence comes from contributions.",
	    "Module maintainer: once your work shows depth in a module, anyone may nominate you "
	    "(`nominate @you for MODULE`); the core maintainers decide.",
	    "Core maintainer: a core or module maintainer nominates a maintainer with a broad view of "
	    "the project (`nominate @you for core`); the lead decides.",
	    NULL },
	  "nomination core" },
	{ "company", { "companies", "seat", "board", "sponsor", "sponsorship", "employer", "buy" },
	  "Can my company buy a seat?",
	  { "No. Maintainership belongs to individuals and is earned by contributions; it never "
	    "passes to an employer, and there is no seat to buy.",
	    "Technical governance (maintainers, decisions) is kept apart from business governance "
	    "(budget, infrastructure, events), so money cannot buy technical influence.",
	    "Companies that want to support PyTorch do it through the PyTorch Foundation, which "
	    "handles the business side.",
	    NULL },
	  "nomination" },
	{ "license", { "licence", "licensing", "bsd", NULL },
	  "What is the license?",
	  { "PyTorch is open source under the 3-clause BSD license (BSD-3-Clause): use, change and "
	    "redistribute it, keeping the copyright notice and without using the project's name to "
	    "endorse your product.",
	    NULL },
	  "uncontroversial" },
	{ "foundation", { "pytorch-foundation", "lf", "linux-foundation", NULL },
	  "What is the PyTorch Foundation?",
	  { "The neutral home of PyTorch, under the Linux Foundation, so that no single company "
	    "controls the project.",
	    "It runs the business side (budget, shared infrastructure such as CI, events, members); "
	    "technical decisions stay with the maintainers, and companies cannot buy their way into "
	    "them.",
	    NULL },
	  "decides company" },
};

/* Text with `code` spans; DEADLINE becomes the configured vote deadline. */
static void rich(struct command_ctx *ctx, const char *s)
{
	struct reply *r = ctx->reply;
	int days = ctx->bot && ctx->bot->config && ctx->bot->config->vote_days > 0
		       ? ctx->bot->config->vote_days : CONFIG_DEFAULT_VOTE_DAYS;
	while (*s) {
		const char *tick = strchr(s, '`');
		const char *dl = strstr(s, "DEADLINE");
		if (dl && (!tick || dl < tick)) {
			reply_textn(r, s, (size_t)(dl - s));
			reply_textf(r, "%d", days);
			s = dl + 8;
			continue;
		}
		if (!tick) {
			reply_text(r, s);
			return;
		}
		reply_textn(r, s, (size_t)(tick - s));
		const char *close = strchr(tick + 1, '`');
		if (!close) {
			reply_text(r, tick + 1);
			return;
		}
		char code[256];
		size_t n = (size_t)(close - tick - 1);
		if (n >= sizeof(code))
			n = sizeof(code) - 1;
		memcpy(code, tick + 1, n);
		code[n] = '\0';
		reply_code(r, code);
		s = close + 1;
	}
}

static const struct topic *find_topic(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(topics); i++) {
		if (str_ieq(topics[i].name, name))
			return &topics[i];
		for (size_t k = 0; topics[i].aliases[k]; k++)
			if (str_ieq(topics[i].aliases[k], name))
				return &topics[i];
	}
	return NULL;
}

static const struct answer *find_answer(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(answers); i++) {
		if (str_ieq(answers[i].name, name))
			return &answers[i];
		for (size_t k = 0; k < ARRAY_SIZE(answers[i].aliases) && answers[i].aliases[k]; k++)
			if (str_ieq(answers[i].aliases[k], name))
				return &answers[i];
	}
	return NULL;
}

static void show_answer(struct command_ctx *ctx, const struct answer *a)
{
	struct reply *r = ctx->reply;
	reply_strong(r, a->question);
	for (size_t i = 0; i < ARRAY_SIZE(a->lines) && a->lines[i]; i++) {
		reply_item(r);
		rich(ctx, a->lines[i]);
	}
	reply_para(r);
	reply_text(r, "More: ");
	char topic[64];
	const char *s = a->more;
	for (size_t k = 0; *s; k++) {
		size_t n = strcspn(s, " ");
		snprintf(topic, sizeof(topic), "process %.*s", (int)n, s);
		if (k)
			reply_text(r, ", ");
		reply_code(r, topic);
		s += n;
		while (*s == ' ')
			s++;
	}
}

/* How well a question's words fit a topic's or an answer's words. */
static unsigned fit(const char *question, const char *name, const char *const *aliases, size_t naliases,
		    const char *words)
{
	unsigned score = 0;
	for (const char *p = question; *p;) {
		while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			p++;
		const char *w = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-')
			p++;
		size_t n = (size_t)(p - w);
		static const char *const empty[] = {
			"what", "which", "when", "where", "does", "would", "could", "should", "there", "have",
			"that", "this", "with", "about", "pytorch", "from", "your", "they", "them", "their",
		};
		bool skip = n < 4;   /* "is", "the", "how", "can" say nothing */
		for (size_t k = 0; k < ARRAY_SIZE(empty) && !skip; k++)
			skip = strlen(empty[k]) == n && str_ieqn(empty[k], w, n);
		if (skip)
			continue;
		char word[32];
		if (n >= sizeof(word))
			continue;
		memcpy(word, w, n);
		word[n] = '\0';
		/* a plural or -ing form still counts: compare the first 5 letters */
		size_t stem = n > 5 ? 5 : n;
		if (str_ieqn(name, word, stem))
			score += 3;
		for (size_t k = 0; k < naliases && aliases[k]; k++)
			if (str_ieqn(aliases[k], word, stem))
				score += 2;
		for (const char *q = words; *q;) {
			while (*q && !((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
				q++;
			const char *t = q;
			while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
				q++;
			if ((size_t)(q - t) >= stem && (size_t)(q - t) >= 4 && str_ieqn(t, word, stem)) {
				score += 1;
				break;
			}
		}
	}
	return score;
}

void process_nearest(struct command_ctx *ctx, const char *question)
{
	struct reply *r = ctx->reply;
	struct { const char *name, *summary; unsigned score; } best[3] = { { 0 } };
	for (size_t i = 0; i < ARRAY_SIZE(topics) + ARRAY_SIZE(answers); i++) {
		const char *name, *summary;
		unsigned score;
		if (i < ARRAY_SIZE(topics)) {
			const struct topic *t = &topics[i];
			struct buf words = BUF_INIT;
			buf_addf(&words, "%s %s %s", t->title, t->summary, t->decides);
			name = t->name;
			summary = t->summary;
			score = fit(question, t->name, t->aliases, ARRAY_SIZE(t->aliases), buf_str(&words));
			buf_release(&words);
		} else {
			const struct answer *a = &answers[i - ARRAY_SIZE(topics)];
			name = a->name;
			summary = a->question;
			score = fit(question, a->name, a->aliases, ARRAY_SIZE(a->aliases), a->question);
		}
		for (size_t k = 0; k < ARRAY_SIZE(best); k++)
			if (score > best[k].score) {
				memmove(&best[k + 1], &best[k], (ARRAY_SIZE(best) - k - 1) * sizeof(best[0]));
				best[k].name = name;
				best[k].summary = summary;
				best[k].score = score;
				break;
			}
	}
	reply_text(r, "I don't have an answer to that");
	if (!best[0].score) {
		reply_text(r, "; ");
		reply_code(r, "process");
		reply_text(r, " lists what I can explain, and ");
		reply_code(r, "help");
		reply_text(r, " the commands.");
		return;
	}
	reply_text(r, "; the nearest topics:");
	for (size_t k = 0; k < ARRAY_SIZE(best) && best[k].score; k++) {
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "process %s", best[k].name);
		reply_item(r);
		reply_code(r, cmd);
		reply_text(r, " - ");
		reply_text(r, best[k].summary);
	}
}

static const char *nearest_topic(const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; i < ARRAY_SIZE(topics); i++) {
		size_t d = str_edit_distance(name, topics[i].name);
		if (d < best_d) {
			best_d = d;
			best = topics[i].name;
		}
		for (size_t k = 0; topics[i].aliases[k]; k++) {
			d = str_edit_distance(name, topics[i].aliases[k]);
			if (d < best_d) {
				best_d = d;
				best = topics[i].name;
			}
		}
	}
	return (best && best_d <= 3 && best_d * 3 <= strlen(name) + 2) ? best : NULL;
}

static void show_topic(struct command_ctx *ctx, const struct topic *t)
{
	struct reply *r = ctx->reply;
	reply_strong(r, t->title);
	if (t->about) {
		reply_para(r);
		rich(ctx, t->about);
	}
	reply_para(r);
	reply_strong(r, "Who decides:");
	reply_text(r, " ");
	rich(ctx, t->decides);
	reply_text(r, ".");
	reply_para(r);
	reply_strong(r, "Steps:");
	for (size_t i = 0; i < MAX_LINES && t->steps[i]; i++) {
		reply_item(r);
		reply_textf(r, "%zu. ", i + 1);
		rich(ctx, t->steps[i]);
	}
	if (t->supply[0]) {
		reply_para(r);
		reply_strong(r, "What must be supplied:");
		for (size_t i = 0; i < MAX_LINES && t->supply[i]; i++) {
			reply_item(r);
			rich(ctx, t->supply[i]);
		}
	}
	for (size_t i = 0; i < MAX_LINES && t->notes[i]; i++) {
		reply_para(r);
		rich(ctx, t->notes[i]);
	}
}

int cmd_process(struct command_ctx *ctx)
{
	struct reply *r = ctx->reply;
	char arg[512];
	size_t n = strlen(ctx->args);
	while (n && (ctx->args[n - 1] == '?' || ctx->args[n - 1] == ' ' || ctx->args[n - 1] == '\n'))
		n--;
	if (n >= sizeof(arg)) {
		reply_text(r, "no such process topic; ");
		reply_code(r, "process");
		reply_text(r, " lists them");
		return CMD_ERROR;
	}
	memcpy(arg, ctx->args, n);
	arg[n] = '\0';

	if (!arg[0]) {
		reply_text(r, "How PyTorch's governance works; ask ");
		reply_code(r, "process TOPIC");
		reply_text(r, " for one of:");
		for (size_t i = 0; i < ARRAY_SIZE(topics); i++) {
			reply_item(r);
			reply_code(r, topics[i].name);
			reply_text(r, " - ");
			reply_text(r, topics[i].summary);
		}
		reply_para(r);
		reply_text(r, "Short answers: ");
		for (size_t i = 0; i < ARRAY_SIZE(answers); i++) {
			if (i)
				reply_text(r, ", ");
			reply_code(r, answers[i].name);
		}
		return CMD_OK;
	}
	const struct answer *ans = find_answer(arg);
	if (ans) {
		show_answer(ctx, ans);
		return CMD_OK;
	}
	const struct topic *t = find_topic(arg);
	char *space = strchr(arg, ' ');
	if (!t && space) {
		/* "core nomination", "lead election": the first word names it */
		*space = '\0';
		t = find_topic(arg);
		*space = ' ';
	}
	if (!t && strchr(arg, ' ')) {
		/* a question in words that no form of the grammar took */
		process_nearest(ctx, arg);
		return CMD_ERROR;
	}
	if (!t) {
		reply_text(r, "no process topic ");
		reply_code(r, arg);
		const char *near = nearest_topic(arg);
		if (near) {
			reply_text(r, "; did you mean ");
			reply_code(r, near);
			reply_text(r, "?");
		}
		reply_para(r);
		reply_code(r, "process");
		reply_text(r, " lists the topics.");
		return CMD_ERROR;
	}
	show_topic(ctx, t);
	return CMD_OK;
}
