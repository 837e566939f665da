/* cmd_roster.c - asking about the roster: help, who, modules, core, lead.
 * Every answer is read from bot->roster (the roster with decisions applied).
 * Handlers check no permissions: these commands are for anyone. */
#include <string.h>

#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"

/* Copies the argument without trailing '?', '!', '.' or blanks (a question
 * mark typed after a command is not part of its argument). */
static void clean_arg(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in);
	while (n && (in[n - 1] == '?' || in[n - 1] == '!' || in[n - 1] == ' ' || in[n - 1] == '\t' ||
		     in[n - 1] == '\n' || in[n - 1] == '\r'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

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

static const char *section_kind_name(enum roster_kind k)
{
	switch (k) {
	case ROSTER_LIBRARIES: return "library";
	case ROSTER_EXTERNAL: return "externally governed module";
	case ROSTER_SUNSET: return "sunsetted module";
	default: return "module";
	}
}

/* Appends to line[0..n) within cap (truncating); returns the new length. */
static size_t put_str(char *line, size_t n, size_t cap, const char *s)
{
	size_t k = strlen(s);
	if (k > cap - n)
		k = cap - n;
	memcpy(line + n, s, k);
	return n + k;
}

static size_t put_count(char *line, size_t n, size_t cap, size_t v)
{
	char digits[24];
	size_t i = sizeof(digits);
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i);
	size_t k = sizeof(digits) - i;
	if (k > cap - n)
		k = cap - n;
	memcpy(line + n, digits + i, k);
	return n + k;
}

static enum roster_kind group_kind(const struct roster *r, const struct roster_group *g)
{
	return g->section < r->nsections ? r->sections[g->section].kind : ROSTER_MODULES;
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
	clean_arg(ctx->args, arg, sizeof(arg));
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

static void list_core(struct reply *r, const struct roster *ro)
{
	const char *handles[64];
	size_t n = roster_core_handles(ro, handles, ARRAY_SIZE(handles));
	if (n > ARRAY_SIZE(handles))
		n = ARRAY_SIZE(handles);
	for (size_t i = 0; i < n; i++) {
		const struct roster_person *p = roster_find_person(ro, handles[i]);
		reply_item(r);
		reply_person(r, p ? p->name : handles[i], handles[i]);
	}
	n += core_without_handle(ro, r);
	if (!n) {
		reply_item(r);
		reply_text(r, "(the roster names no core maintainers)");
	}
}

static int who_module(struct command_ctx *ctx, const struct roster_group *g)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	size_t active = roster_group_active(g);
	size_t emeritus = g->npeople - active;
	enum roster_kind kind = group_kind(ro, g);

	reply_strong(r, g->title);
	if (kind == ROSTER_SUNSET)
		reply_text(r, " (sunsetted)");
	if (active) {
		/* ": 4 active module maintainers, 2 emeritus", built in one piece */
		char line[128];
		size_t n = 0;
		n = put_str(line, n, sizeof(line), ": ");
		n = put_count(line, n, sizeof(line), active);
		n = put_str(line, n, sizeof(line), " active ");
		n = put_str(line, n, sizeof(line), section_kind_name(kind));
		n = put_str(line, n, sizeof(line), active == 1 ? " maintainer" : " maintainers");
		if (emeritus) {
			n = put_str(line, n, sizeof(line), ", ");
			n = put_count(line, n, sizeof(line), emeritus);
			n = put_str(line, n, sizeof(line), " emeritus");
		}
		reply_textn(r, line, n);
		for (size_t i = 0; i < g->npeople; i++) {
			if (g->people[i].emeritus)
				continue;
			reply_item(r);
			reply_person(r, g->people[i].name, g->people[i].handle);
		}
	} else {
		reply_text(r, " has no active maintainers; the core maintainers are the ones to ask:");
		list_core(r, ro);
	}
	if (emeritus) {
		reply_para(r);
		reply_text(r, "Emeritus:");
		for (size_t i = 0; i < g->npeople; i++) {
			if (!g->people[i].emeritus)
				continue;
			reply_item(r);
			reply_person(r, g->people[i].name, g->people[i].handle);
		}
	}
	if (kind == ROSTER_SUNSET) {
		reply_para(r);
		reply_text(r, "This module is sunsetted: it is no longer developed.");
	}
	return CMD_OK;
}

/* The roster handle nearest to a typo, or NULL. */
static const char *nearest_handle(const struct roster *ro, const char *h)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t gi = 0; gi < ro->ngroups; gi++)
		for (size_t i = 0; i < ro->groups[gi].npeople; i++) {
			const char *c = ro->groups[gi].people[i].handle;
			if (!c)
				continue;
			size_t d = str_edit_distance(h, c);
			if (d < best_d) {
				best_d = d;
				best = c;
			}
		}
	return (best && best_d <= 2 && best_d * 3 <= strlen(h) + 1) ? best : NULL;
}

static int who_person(struct command_ctx *ctx, const char *handle)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	const struct roster_person *p = roster_find_person(ro, handle);
	if (!p) {
		reply_text(r, "no one on the roster has the handle ");
		reply_handle(r, handle);
		const char *near = nearest_handle(ro, handle);
		if (near) {
			reply_text(r, "; did you mean ");
			reply_handle(r, near);
			reply_text(r, "?");
		}
		return CMD_ERROR;
	}
	reply_person(r, p->name, p->handle ? p->handle : handle);
	reply_text(r, ":");

	struct lookup_role roles[64];
	size_t n = lookup_person(ro, handle, roles, ARRAY_SIZE(roles));
	if (n > ARRAY_SIZE(roles))
		n = ARRAY_SIZE(roles);
	const struct roster_group *lead = roster_lead_group(ro), *core = roster_core_group(ro);
	bool is_lead = roster_is_lead(ro, handle), core_listed = false;
	if (is_lead) {
		reply_item(r);
		reply_text(r, "lead core maintainer (BDFL)");
	}
	for (size_t i = 0; i < n; i++) {
		const struct roster_group *g = roles[i].group;
		if (g == lead) {
			if (roles[i].emeritus) {
				reply_item(r);
				reply_text(r, "former lead core maintainer (emeritus)");
			}
			continue;
		}
		reply_item(r);
		if (g == core) {
			core_listed = !roles[i].emeritus;
			reply_text(r, roles[i].emeritus ? "emeritus core maintainer" : "core maintainer");
			continue;
		}
		enum roster_kind kind = group_kind(ro, g);
		reply_textf(r, "%s%s of ", roles[i].emeritus ? "emeritus " : "",
			    kind == ROSTER_LIBRARIES ? "library maintainer" : "maintainer");
		reply_strong(r, g->title);
		if (kind == ROSTER_SUNSET)
			reply_text(r, " (sunsetted)");
	}
	if (is_lead && !core_listed) {
		reply_item(r);
		reply_text(r, "core maintainer (as the lead)");
	}
	if (!n && !is_lead) {
		reply_item(r);
		reply_text(r, "listed on the roster without a current role");
	}
	return CMD_OK;
}

int cmd_who(struct command_ctx *ctx)
{
	struct reply *r = ctx->reply;
	char arg[512];
	clean_arg(ctx->args, arg, sizeof(arg));
	if (!arg[0]) {
		reply_code(r, "who");
		reply_text(r, " needs a module, a source path or a @handle, e.g. ");
		reply_code(r, "who torch.nn");
		reply_text(r, ", ");
		reply_code(r, "who torch/nn/functional.py");
		reply_text(r, " or ");
		reply_code(r, "who @soumith");
		return CMD_ERROR;
	}
	if (arg[0] == '@') {
		size_t n = strlen(arg);
		while (n > 1 && (arg[n - 1] == '.' || arg[n - 1] == ',' || arg[n - 1] == ':'))
			arg[--n] = '\0'; /* "who is @albanD." */
		return who_person(ctx, arg + 1);
	}

	const char *suggestion = NULL;
	const struct roster_group *g = lookup_module(ctx->bot->roster, arg, &suggestion);
	if (g)
		return who_module(ctx, g);
	/* a bare handle works too: "who soumith" */
	if (!strpbrk(arg, " ./") && roster_find_person(ctx->bot->roster, arg))
		return who_person(ctx, arg);
	reply_text(r, "no module matches ");
	reply_code(r, arg);
	if (suggestion) {
		reply_text(r, "; did you mean ");
		reply_code(r, suggestion);
		reply_text(r, "?");
	}
	reply_para(r);
	reply_code(r, "modules");
	reply_text(r, " lists every module and library.");
	return CMD_ERROR;
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
	clean_arg(ctx->args, filter, sizeof(filter));
	size_t shown = 0;

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
				heading = true;
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
	reply_text(r, " names the people.");
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
