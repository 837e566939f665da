/* commands.c - the command table; see commands.h for how to add a row. */
#include "commands/commands.h"

#include <string.h>

const struct command commands_table[] = {
	/* name, handler, role, authorize, synopsis, summary, example, group */
	{ "help", cmd_help, ROLE_ANYONE, NULL, "help [COMMAND]",
	  "list the commands, or show one command's syntax and an example", "help nominate", "Asking" },
	{ "who", cmd_who, ROLE_ANYONE, NULL, "who MODULE|PATH|PERSON [all]",
	  "the maintainers of a module (by name, word, alias, torch.x name or source path), or a "
	  "person's roles (by @handle or name); long lists are cut unless `all` follows",
	  "who torch/fx/graph.py", "Asking" },
	{ "is", cmd_is, ROLE_ANYONE, NULL, "is PERSON the lead|a core maintainer|a maintainer [of MODULE]",
	  "yes or no, with the person's roles", "is @gchanan a core maintainer", "Asking" },
	{ "modules", cmd_modules, ROLE_ANYONE, NULL, "modules [FILTER]",
	  "the modules and libraries with their maintainer counts", "modules torch", "Asking" },
	{ "core", cmd_core, ROLE_ANYONE, NULL, "core", "the core maintainers", "core", "Asking" },
	{ "lead", cmd_lead, ROLE_ANYONE, NULL, "lead", "the lead core maintainer (BDFL)", "lead", "Asking" },
	{ "ownership", cmd_ownership, ROLE_ANYONE, NULL, "ownership [MODULE]",
	  "where the CODEOWNERS file and the roster disagree, for one module or in summary",
	  "ownership Distributed", "Asking" },
	{ "process", cmd_process, ROLE_ANYONE, NULL, "process [TOPIC]",
	  "how nominations, removals, lead changes, module changes and disputes work, step by step",
	  "process nomination", "Asking" },

	{ "nominate", cmd_nominate, ROLE_ANYONE, auth_nominate,
	  "nominate @handle for MODULE|core [contributions: TEXT] [interactions: TEXT] "
	  "[support: TEXT] [name: FULL NAME]",
	  "open a nomination (anyone for a module; only core or module maintainers for core); "
	  "the three fields can follow inline, on later lines or by amend",
	  "nominate @alice for torch.nn contributions: reviewed 200 PRs", "Nominations" },
	{ "amend", cmd_amend, ROLE_ANYONE, auth_amend, "amend N FIELD: TEXT",
	  "add or replace a field (contributions, interactions, support) of your nomination N",
	  "amend 7 support: the torch.nn maintainers agree", "Nominations" },
	{ "nominate-removal", cmd_nominate_removal, ROLE_ANYONE, NULL,
	  "nominate-removal @handle from MODULE|core REASON", "open the removal of a maintainer",
	  "nominate-removal @bob from torch.fft inactive for two years", "Nominations" },
	{ "step-down", cmd_step_down, ROLE_MAINTAINER, auth_step_down,
	  "step-down MODULE|core [REASON] | step-down lead [REASON]",
	  "ask to be moved to emeritus yourself; the lead resigns the lead role (they stay a core "
	  "maintainer, the office is vacant and an election may open)",
	  "step-down torch.fft moving to other work", "Nominations" },
	{ "support", cmd_support, ROLE_ANYONE, NULL, "support N TEXT",
	  "add a letter of support to nomination N", "support 7 Alice reviews carefully and kindly", "Nominations" },
	{ "object", cmd_object, ROLE_ANYONE, NULL, "object N TEXT",
	  "add an objection to nomination N", "object 7 not active in the module yet", "Nominations" },
	{ "recuse", cmd_recuse, ROLE_MAINTAINER, auth_recuse, "recuse N [REASON] | recuse N @handle REASON",
	  "declare a conflict of interest: you no longer vote on or decide N; a core maintainer "
	  "names another maintainer as conflicted on N (audited)", "recuse 7 same team", "Nominations" },
	{ "withdraw", cmd_withdraw, ROLE_ANYONE, auth_withdraw, "withdraw N [REASON]",
	  "withdraw open nomination or motion N that you opened; recorded and announced",
	  "withdraw 7 opened by mistake", "Nominations" },
	{ "nominations", cmd_nominations, ROLE_ANYONE, NULL, "nominations [open|all|@handle]",
	  "list nominations", "nominations open", "Nominations" },
	{ "show", cmd_show, ROLE_ANYONE, NULL, "show N",
	  "one nomination or motion with its fields, letters, votes and history", "show 7", "Nominations" },
	{ "decide", cmd_decide, ROLE_ANYONE, auth_decide, "decide N accept|reject RATIONALE",
	  "record the decision on nomination N (the lead: on tied core motion N), apply it and "
	  "announce it with its rationale",
	  "decide 7 accept strong record of reviews and design work", "Decisions" },
	{ "decisions", cmd_decisions, ROLE_ANYONE, NULL, "decisions [@handle|MODULE|core]",
	  "the public log of decisions and results, newest first, each with the item number it decided",
	  "decisions core", "Decisions" },
	{ "agenda", cmd_agenda, ROLE_ANYONE, NULL, "agenda",
	  "what awaits the next quarterly core maintainers' meeting", "agenda", "Decisions" },

	{ "propose", cmd_propose, ROLE_ANYONE, auth_propose,
	  "propose MODULE|core TEXT | propose remove-lead RATIONALE | propose elect-lead @a @b ... | "
	  "propose overrule N RATIONALE | propose add-module NAME [(ALIASES)] RATIONALE | "
	  "propose remove-module MODULE RATIONALE | propose rename-module MODULE to NAME RATIONALE",
	  "open a motion (majority of a group, or 75% to remove the lead), a lead election (only "
	  "while the office is vacant), a core motion that, passed, reverses module motion N, or a "
	  "core motion on a module change (anyone may propose one; passed, it changes the roster)",
	  "propose torch.nn adopt the new deprecation policy", "Votes" },
	{ "escalate", cmd_escalate, ROLE_MAINTAINER, auth_escalate, "escalate N",
	  "turn module motion N that failed or tied into a core motion on the same text",
	  "escalate 9", "Votes" },
	{ "vote", cmd_vote, ROLE_MAINTAINER, auth_vote, "vote N yes|no|abstain",
	  "cast or replace your vote on motion N", "vote 9 yes", "Votes" },
	{ "ballot", cmd_ballot, ROLE_CORE, auth_vote, "ballot N @a > @b > @c",
	  "cast or replace your ranked ballot in election N", "ballot 10 @ezyang > @gchanan", "Votes" },

	{ "link", cmd_link, ROLE_CORE, NULL, "link PLATFORM:ID @handle",
	  "map a chat identity to a roster handle (audited)", "link slack:U0123 @alice", "Admin" },
};

const size_t commands_count = ARRAY_SIZE(commands_table);

const struct command *commands_find(const char *name)
{
	for (size_t i = 0; i < commands_count; i++)
		if (str_ieq(commands_table[i].name, name))
			return &commands_table[i];
	return NULL;
}

const char *commands_nearest(const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t len = strlen(name);
	for (size_t i = 0; i < commands_count; i++) {
		size_t d = str_edit_distance(name, commands_table[i].name);
		if (d < best_d) {
			best_d = d;
			best = commands_table[i].name;
		}
	}
	/* close enough: at most a third of the word wrong, and at most 3 edits */
	if (best && best_d <= 3 && best_d * 3 <= len + 2)
		return best;
	return NULL;
}
