/* cmd_roster.c - asking about the roster: help, modules, core, lead (who
 * and is are in cmd_who.c).
 * Every answer is read from bot->roster (the roster with decisions applied).
 * Handlers check no permissions: these commands are for anyone. */
#include <stdio.h>
#include <string.h>

#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"
#include "commands/govcmd.h"

static bool ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return true;
	for (; *hay; hay++)
		if (str_ieqn(hay, needle, n))
			return true;
	return false;
}

/* ---- help ---------------------------------------------------------------- */

static const char *role_words(const struct command *c)
{
	if (c->authorize == auth_amend)
		return "the person who opened the nomination";
	if (c->authorize == auth_decide)
		return "a member of the body that decides the item, unless recused";
	if (c->authorize == auth_propose)
		return "members of the group the motion is for; core maintainers for core motions, the "
		       "lead and overrules; anyone for a module change";
	if (c->authorize == auth_withdraw)
		return "the nominator or proposer, while it is open";
	if (c->authorize == auth_escalate)
		return "a maintainer of that module group";
	if (c->authorize == auth_nominate)
		return "anyone; for core, core or module maintainers";
	if (c->authorize == auth_step_down)
		return "active module or core maintainers; `step-down lead`: the lead";
	if (c->authorize == auth_recuse)
		return "a maintainer with a say on that item; naming another: a core maintainer";
	if (c->authorize == auth_vote)
		return "the electorate of that motion or election";
	switch (c->role) {
	case ROLE_MAINTAINER: return "active module or core maintainers";
	case ROLE_CORE: return "core maintainers";
	case ROLE_LEAD: return "the lead core maintainer";
	default: return "anyone";
	}
}

static int help_one(struct command_ctx *ctx, const char *name)
{
	struct reply *r = ctx->reply;
	const char *n = name;
	if (n[0] == '/' || n[0] == '!')
		n++; /* "help /gov" style slips */
	const struct command *c = commands_find(n);
	if (!c) {
		reply_text(r, "no command ");
		reply_code(r, name);
		const char *near = commands_nearest(n);
		if (near) {
			reply_text(r, "; did you mean ");
			reply_code(r, near);
			reply_text(r, "?");
		}
		reply_para(r);
		reply_code(r, "help");
		reply_text(r, " lists every command.");
		return CMD_ERROR;
	}
	reply_strong(r, c->name);
	reply_text(r, ": ");
	reply_text(r, c->summary);
	reply_item(r);
	reply_text(r, "usage: ");
	reply_code(r, c->synopsis);
	reply_item(r);
	reply_text(r, "example: ");
	reply_code(r, c->example);
	reply_item(r);
	reply_text(r, "who may use it: ");
	reply_text(r, role_words(c));
	return CMD_OK;
}

int cmd_help(struct command_ctx *ctx)
{
	char arg[128];
	govcmd_clean_arg(ctx->args, arg, sizeof(arg));
	if (arg[0])
		return help_one(ctx, arg);

	struct reply *r = ctx->reply;
	reply_text(r, "govbot answers questions about the maintainers and runs the governance process. "
		      "Commands (");
	reply_code(r, "help COMMAND");
	reply_text(r, " for details):");
	/* groups in the order the table first names them */
	for (size_t i = 0; i < commands_count; i++) {
		const char *group = commands_table[i].group;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(commands_table[k].group, group) == 0;
		if (seen)
			continue;
		reply_para(r);
		reply_strong(r, group);
		for (size_t k = i; k < commands_count; k++) {
			const struct command *c = &commands_table[k];
			if (strcmp(c->group, group) != 0)
				continue;
			reply_item(r);
			reply_code(r, c->synopsis);
			reply_text(r, " - ");
			reply_text(r, c->summary);
			if (c->role != ROLE_ANYONE || c->authorize) {
				reply_text(r, " (");
				reply_text(r, role_words(c));
				reply_text(r, ")");
			}
		}
	}
	reply_para(r);
	reply_text(r, "You can also ask in plain words: \"who maintains torch.nn?\", \"who is the BDFL?\", "
		      "\"how do I nominate someone?\".");
	return CMD_OK;
}

/* ---- who ------------------------------------------------------------------ */

/* The active core maintainers the roster lists without a handle (which
 * roster_core_handles() leaves out): each as an item when r is not NULL.
 * Returns how many. */
static size_t core_without_handle(const struct roster *ro, struct reply *r)
{
	const struct roster_group *core = roster_core_group(ro);
	size_t n = 0;
	for (size_t i = 0; core && i < core->npeople; i++) {
		const struct roster_person *p = &core->people[i];
		if (p->emeritus || (p->handle && *p->handle))
			continue;
		n++;
		if (r) {
			reply_item(r);
			reply_person(r, p->name, NULL);
		}
	}
	return n;
}

/* ---- modules -------------------------------------------------------------- */

static bool group_matches(const struct roster_group *g, const char *filter)
{
	if (ci_contains(g->title, filter))
		return true;
	for (size_t i = 0; i < g->naliases; i++)
		if (ci_contains(g->aliases[i], filter))
			return true;
	return false;
}

int cmd_modules(struct command_ctx *ctx)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	char filter[256];
	govcmd_clean_arg(ctx->args, filter, sizeof(filter));
	size_t shown = 0, matching = 0;
	/* "modules all", "modules torch all": every entry with its counts */
	bool all = str_ieq(filter, "all");
	size_t fl = strlen(filter);
	if (all)
		filter[0] = '\0';
	else if (fl > 4 && str_ieq(filter + fl - 4, " all")) {
		filter[fl - 4] = '\0';
		all = true;
	}
	for (size_t g = 0; g < ro->ngroups; g++)
		matching += roster_group_is_module(ro, &ro->groups[g]) &&
			    (!filter[0] || group_matches(&ro->groups[g], filter));
	/* chat-sized: past a screenful, one line a section with the names only */
	bool brief = !all && matching > 10;

	for (size_t s = 0; s < ro->nsections; s++) {
		const struct roster_section *sec = &ro->sections[s];
		if (sec->kind != ROSTER_MODULES && sec->kind != ROSTER_LIBRARIES &&
		    sec->kind != ROSTER_EXTERNAL && sec->kind != ROSTER_SUNSET)
			continue;
		bool heading = false;
		for (size_t k = 0; k < sec->ngroups; k++) {
			const struct roster_group *g = &ro->groups[sec->first_group + k];
			if (filter[0] && !group_matches(g, filter))
				continue;
			if (!heading) {
				reply_para(r);
				reply_strong(r, sec->title);
				if (brief)
					reply_text(r, ":");
				heading = true;
			} else if (brief) {
				reply_text(r, ",");
			}
			if (brief) {
				reply_text(r, " ");
				reply_text(r, g->title);
				shown++;
				continue;
			}
			size_t active = roster_group_active(g);
			reply_item(r);
			reply_text(r, g->title);
			if (active)
				reply_textf(r, " - %zu active", active);
			else
				reply_text(r, " - no active maintainers");
			if (g->npeople > active)
				reply_textf(r, ", %zu emeritus", g->npeople - active);
			shown++;
		}
	}
	if (!shown) {
		reply_reset(r);
		if (filter[0]) {
			reply_text(r, "no module or library matches ");
			reply_code(r, filter);
			const char *suggestion = NULL;
			if (!lookup_module(ro, filter, &suggestion) && suggestion) {
				reply_text(r, "; did you mean ");
				reply_code(r, suggestion);
				reply_text(r, "?");
			}
			return CMD_ERROR;
		}
		reply_text(r, "the roster lists no modules or libraries");
		return CMD_OK;
	}
	reply_para(r);
	reply_textf(r, "%zu %s", shown, shown == 1 ? "entry" : "entries");
	if (filter[0]) {
		reply_text(r, " matching ");
		reply_code(r, filter);
	}
	reply_text(r, "; ");
	reply_code(r, "who MODULE");
	reply_text(r, " names the people");
	if (brief) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "modules %s%sall", filter, filter[0] ? " " : "");
		reply_text(r, ", ");
		reply_code(r, cmd);
		reply_text(r, " gives each its counts");
	}
	reply_text(r, ".");
	return CMD_OK;
}

/* ---- core and lead ---------------------------------------------------------- */

int cmd_core(struct command_ctx *ctx)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	const struct roster_person *lead = roster_lead(ro);
	const char *handles[64];
	size_t n = roster_core_handles(ro, handles, ARRAY_SIZE(handles));
	if (n > ARRAY_SIZE(handles))
		n = ARRAY_SIZE(handles);

	reply_textf(r, "The core maintainers (%zu):", n + core_without_handle(ro, NULL));
	for (size_t i = 0; i < n; i++) {
		const struct roster_person *p = roster_find_person(ro, handles[i]);
		reply_item(r);
		reply_person(r, p ? p->name : handles[i], handles[i]);
		if (lead && lead->handle && str_ieq(lead->handle, handles[i]))
			reply_text(r, " - lead core maintainer (BDFL)");
	}
	core_without_handle(ro, r);
	if (lead && !lead->handle) {
		reply_item(r);
		reply_person(r, lead->name, NULL);
		reply_text(r, " - lead core maintainer (BDFL)");
	}
	const struct roster_group *core = roster_core_group(ro);
	bool heading = false;
	for (size_t i = 0; core && i < core->npeople; i++) {
		if (!core->people[i].emeritus)
			continue;
		if (!heading) {
			reply_para(r);
			reply_text(r, "Emeritus:");
			heading = true;
		}
		reply_item(r);
		reply_person(r, core->people[i].name, core->people[i].handle);
		reply_text(r, " (emeritus)");
	}
	return CMD_OK;
}

int cmd_lead(struct command_ctx *ctx)
{
	struct reply *r = ctx->reply;
	const struct roster_person *lead = roster_lead(ctx->bot->roster);
	if (!lead) {
		reply_text(r, "the roster names no lead core maintainer at the moment; ");
		reply_code(r, "process lead");
		reply_text(r, " explains how the core maintainers elect one.");
		return CMD_OK;
	}
	reply_text(r, "The lead core maintainer (BDFL) is ");
	reply_person(r, lead->name, lead->handle);
	reply_text(r, ". The lead settles what the core maintainers cannot agree on and decides "
		      "core maintainer nominations.");
	return CMD_OK;
}
