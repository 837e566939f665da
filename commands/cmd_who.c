/* cmd_who.c - `who MODULE|PATH|PERSON [all]`, `is PERSON ROLE` and
 * `ownership [MODULE]`: the roster's answers about modules and people,
 * chat-sized (about 12 lines; long lists are cut with a count and the
 * command that shows all).  Platform mentions reach these handlers already
 * rewritten to @handle by the dispatcher. */
#include <stdio.h>
#include <string.h>

#include "chatbot/roster/codeowners.h"
#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"
#include "commands/govcmd.h"

/* People listed before a list is cut; when cut, CHAT_CUT are shown. */
#define CHAT_LIST 10
#define CHAT_CUT 8
/* Emeritus names on their one line. */
#define CHAT_EMERITUS 4

/* Removes a last word "all" (case-insensitive); true when there was one. */
static bool take_all(char *arg)
{
	size_t n = strlen(arg);
	if (n > 4 && str_ieq(arg + n - 4, " all")) {
		arg[n - 4] = '\0';
		while (n > 4 && arg[strlen(arg) - 1] == ' ')
			arg[strlen(arg) - 1] = '\0';
		return true;
	}
	return false;
}

static enum roster_kind kind_of(const struct roster *r, const struct roster_group *g)
{
	return roster_group_kind(r, g);
}

/* The shortest name that finds exactly g: for "who NAME all". Borrowed. */
static const char *short_name(const struct roster *r, const struct roster_group *g)
{
	const char *best = g->title;
	for (size_t i = 0; i < g->naliases; i++) {
		struct lookup_result res;
		if (strlen(g->aliases[i]) < strlen(best) && lookup_modules(r, g->aliases[i], &res) == 1 &&
		    res.groups[0] == g)
			best = g->aliases[i];
	}
	return best;
}

/* "who NAME all" as code. */
static void show_all_hint(struct reply *r, const char *name, const char *what)
{
	char cmd[300];
	size_t n = strlen(name);
	if (n > sizeof(cmd) - 9)
		n = sizeof(cmd) - 9;
	memcpy(cmd, "who ", 4);
	memcpy(cmd + 4, name, n);
	memcpy(cmd + 4 + n, " all", 5);
	reply_code(r, cmd);
	reply_text(r, " lists ");
	reply_text(r, what);
	reply_text(r, ".");
}

/* Appends s to line[0..*n) within cap (truncating). */
static void put(char *line, size_t *n, size_t cap, const char *s)
{
	size_t k = strlen(s);
	if (k > cap - *n)
		k = cap - *n;
	memcpy(line + *n, s, k);
	*n += k;
}

/* A number, without printf: `who` is on the hot path. */
static void put_num(char *line, size_t *n, size_t cap, size_t v)
{
	char d[24];
	size_t i = sizeof(d);
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i);
	size_t k = sizeof(d) - i;
	if (k > cap - *n)
		k = cap - *n;
	memcpy(line + *n, d + i, k);
	*n += k;
}

/* prefix + "4 active module maintainers, 2 emeritus" into the reply, in one piece. */
static void counts(struct reply *r, const char *prefix, size_t active, size_t emeritus, const char *noun)
{
	char line[200];
	size_t n = 0;
	put(line, &n, sizeof(line), prefix);
	put_num(line, &n, sizeof(line), active);
	put(line, &n, sizeof(line), " ");
	put(line, &n, sizeof(line), noun);
	if (active != 1)
		put(line, &n, sizeof(line), "s");
	if (emeritus) {
		put(line, &n, sizeof(line), ", ");
		put_num(line, &n, sizeof(line), emeritus);
		put(line, &n, sizeof(line), " emeritus");
	}
	reply_textn(r, line, n);
}

/* " and 3 more" */
static void and_more(struct reply *r, size_t k)
{
	char line[48];
	size_t n = 0;
	put(line, &n, sizeof(line), " and ");
	put_num(line, &n, sizeof(line), k);
	put(line, &n, sizeof(line), " more");
	reply_textn(r, line, n);
}

/* The emeritus people: items when all, else one cut line. */
static void emeritus_line(struct reply *r, const struct roster_group *g, bool all)
{
	size_t n = g->npeople - roster_group_active(g), shown = 0;
	if (!n)
		return;
	reply_para(r);
	if (all) {
		reply_text(r, "Emeritus:");
		for (size_t i = 0; i < g->npeople; i++)
			if (g->people[i].emeritus) {
				reply_item(r);
				reply_person(r, g->people[i].name, g->people[i].handle);
			}
		return;
	}
	char head[48];
	size_t hn = 0;
	put(head, &hn, sizeof(head), "Emeritus (");
	put_num(head, &hn, sizeof(head), n);
	put(head, &hn, sizeof(head), "): ");
	reply_textn(r, head, hn);
	for (size_t i = 0; i < g->npeople && shown < CHAT_EMERITUS; i++) {
		if (!g->people[i].emeritus)
			continue;
		if (shown++)
			reply_text(r, ", ");
		reply_person(r, g->people[i].name, g->people[i].handle);
	}
	if (n > shown)
		and_more(r, n - shown);
}

static void codeowners_para(struct command_ctx *ctx, const char *path)
{
	const struct codeowners *co = ctx->bot->codeowners;
	const struct codeowners_rule *rule = codeowners_match(co, path);
	struct reply *r = ctx->reply;
	if (!co)
		return;
	reply_para(r);
	if (!rule || !rule->nowners) {
		reply_text(r, "CODEOWNERS names no owner for ");
		reply_code(r, path);
		reply_text(r, ".");
		return;
	}
	reply_text(r, "CODEOWNERS for ");
	reply_code(r, path);
	reply_text(r, " (rule ");
	reply_code(r, rule->pattern);
	reply_text(r, "): ");
	for (size_t i = 0; i < rule->nowners; i++) {
		if (i)
			reply_text(r, ", ");
		const char *h = codeowners_user(rule->owners[i]);
		if (h)
			reply_handle(r, h);
		else
			reply_text(r, rule->owners[i]);
	}
	if (rule->nlabels) {
		reply_text(r, rule->nlabels == 1 ? "; label " : "; labels ");
		for (size_t i = 0; i < rule->nlabels; i++) {
			if (i)
				reply_text(r, ", ");
			reply_code(r, rule->labels[i]);
		}
	}
}

/* One module, chat-sized.  understood: the query when it was not a name of
 * the module (a word, a path), else NULL. */
static void who_module(struct command_ctx *ctx, const struct roster_group *g, const char *understood,
		       bool all)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	size_t active = roster_group_active(g);
	enum roster_kind kind = kind_of(ro, g);

	reply_strong(r, g->title);
	if (understood) {
		reply_text(r, " (for ");
		reply_code(r, understood);
		reply_text(r, ")");
	}
	if (kind == ROSTER_SUNSET) {
		reply_text(r, " (sunsetted): no longer developed. ");
		reply_text(r, active ? "Its maintainers when it was sunsetted:" : "Its maintainers are all emeritus.");
	} else if (!active) {
		reply_text(r, " has no active maintainers; the core maintainers (");
		reply_code(r, "core");
		reply_text(r, ") are the ones to ask.");
	} else {
		counts(r, kind == ROSTER_EXTERNAL ? ", a core-governed external module (the core maintainers "
			  "govern it): " : ": ", active, g->npeople - active,
		       kind == ROSTER_LIBRARIES ? "active library maintainer" :
		       kind == ROSTER_EXTERNAL ? "active maintainer" : "active module maintainer");
	}
	size_t limit = all || active <= CHAT_LIST ? active : CHAT_CUT, shown = 0;
	for (size_t i = 0; i < g->npeople && shown < limit; i++) {
		if (g->people[i].emeritus)
			continue;
		reply_item(r);
		reply_person(r, g->people[i].name, g->people[i].handle);
		shown++;
	}
	if (shown < active) {
		char line[48];
		size_t n = 0;
		put(line, &n, sizeof(line), "... and ");
		put_num(line, &n, sizeof(line), active - shown);
		put(line, &n, sizeof(line), " more; ");
		reply_item(r);
		reply_textn(r, line, n);
		show_all_hint(r, short_name(ro, g), "everyone");
	}
	emeritus_line(r, g, all);
}

/* Several modules fit: one line each, best first. */
static void who_several(struct command_ctx *ctx, const struct lookup_result *res, const char *query)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	char line[48];
	size_t ln = 0;
	put(line, &ln, sizeof(line), " fits ");
	put_num(line, &ln, sizeof(line), res->n);
	put(line, &ln, sizeof(line), " modules:");
	reply_code(r, query);
	reply_textn(r, line, ln);
	for (size_t k = 0; k < res->n; k++) {
		const struct roster_group *g = res->groups[k];
		size_t active = roster_group_active(g), shown = 0;
		reply_item(r);
		reply_strong(r, g->title);
		if (kind_of(ro, g) == ROSTER_SUNSET)
			reply_text(r, " (sunsetted)");
		reply_text(r, ": ");
		if (!active)
			reply_text(r, "no active maintainers");
		for (size_t i = 0; i < g->npeople && shown < 3; i++) {
			if (g->people[i].emeritus)
				continue;
			if (shown++)
				reply_text(r, ", ");
			reply_person(r, g->people[i].name, g->people[i].handle);
		}
		if (active > shown)
			and_more(r, active - shown);
	}
	reply_para(r);
	reply_code(r, "who MODULE");
	reply_text(r, " with one of these names lists its maintainers.");
}

/* ---- people ----------------------------------------------------------------- */

/* The roles of a handle as lines (items), or when line is set, as one
 * comma-separated line.  Returns how many roles. */
static size_t roles_of(struct command_ctx *ctx, const char *handle, bool one_line, size_t limit)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	struct lookup_role roles[64];
	size_t n = lookup_person(ro, handle, roles, ARRAY_SIZE(roles)), count = 0, shown = 0;
	if (n > ARRAY_SIZE(roles))
		n = ARRAY_SIZE(roles);
	const struct roster_group *lead = roster_lead_group(ro), *core = roster_core_group(ro);
	bool is_lead = roster_is_lead(ro, handle);
#define NEXT() do { if (one_line) { if (count) reply_text(r, ", "); } else reply_item(r); count++; } while (0)
	if (is_lead) {
		NEXT();
		reply_text(r, "lead core maintainer (BDFL), and so a core maintainer");
	}
	for (size_t i = 0; i < n; i++) {
		const struct roster_group *g = roles[i].group;
		if (g == lead) {
			if (roles[i].emeritus) {
				NEXT();
				reply_text(r, "former lead core maintainer (emeritus)");
			}
			continue;
		}
		if (g == core) {
			if (is_lead && !roles[i].emeritus)
				continue;   /* the lead is listed once */
			NEXT();
			reply_text(r, roles[i].emeritus ? "emeritus core maintainer" : "core maintainer");
			continue;
		}
		if (shown >= limit) {
			count++;
			continue;
		}
		shown++;
		enum roster_kind kind = kind_of(ro, g);
		NEXT();
		if (roles[i].emeritus)
			reply_text(r, "emeritus ");
		reply_text(r, kind == ROSTER_LIBRARIES ? "library maintainer of " : "maintainer of ");
		reply_strong(r, g->title);
		if (kind == ROSTER_SUNSET)
			reply_text(r, " (sunsetted)");
		else if (kind == ROSTER_EXTERNAL)
			reply_text(r, " (core-governed external module)");
	}
#undef NEXT
	return count;
}

/* Groups a handle is listed in beyond the shown limit. */
static size_t module_roles(const struct roster *ro, const char *handle)
{
	struct lookup_role roles[64];
	size_t n = lookup_person(ro, handle, roles, ARRAY_SIZE(roles)), m = 0;
	for (size_t i = 0; i < n && i < ARRAY_SIZE(roles); i++)
		if (roles[i].group != roster_lead_group(ro) && roles[i].group != roster_core_group(ro))
			m++;
	return m;
}

static int who_person(struct command_ctx *ctx, const struct roster_person *p, bool all)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	reply_person(r, p->name, p->handle);
	reply_text(r, ":");
	if (!p->handle) {
		reply_item(r);
		reply_text(r, "listed on the roster without a GitHub handle");
		return CMD_OK;
	}
	size_t limit = all ? (size_t)-1 : CHAT_LIST;
	size_t n = roles_of(ctx, p->handle, false, limit);
	size_t modules = module_roles(ro, p->handle);
	if (!all && modules > CHAT_LIST) {
		reply_item(r);
		reply_textf(r, "... and %zu more; ", modules - CHAT_LIST);
		char h[64];
		snprintf(h, sizeof(h), "@%s", p->handle);
		show_all_hint(r, h, "every role");
	}
	if (!n) {
		reply_item(r);
		reply_text(r, "listed on the roster without a current role");
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

static void unknown_handle(struct reply *r, const struct roster *ro, const char *handle)
{
	reply_text(r, "no one on the roster has the handle ");
	reply_handle(r, handle);
	const char *near = nearest_handle(ro, handle);
	if (near) {
		reply_text(r, "; did you mean ");
		reply_handle(r, near);
		reply_text(r, "?");
	}
}

/* Several people fit a name: one line each. */
static int who_people(struct command_ctx *ctx, const struct roster_person **ps, size_t n, const char *q)
{
	struct reply *r = ctx->reply;
	reply_code(r, q);
	reply_textf(r, " fits %zu people:", n);
	size_t shown = n < CHAT_LIST ? n : CHAT_CUT;
	for (size_t i = 0; i < shown; i++) {
		reply_item(r);
		reply_person(r, ps[i]->name, ps[i]->handle);
	}
	if (n > shown) {
		reply_item(r);
		reply_textf(r, "... and %zu more", n - shown);
	}
	reply_para(r);
	reply_code(r, "who @handle");
	reply_text(r, " gives one person's roles.");
	return CMD_OK;
}

int cmd_who(struct command_ctx *ctx)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	char arg[512];
	govcmd_clean_arg(ctx->args, arg, sizeof(arg));
	bool all = take_all(arg);
	if (!arg[0]) {
		reply_code(r, "who");
		reply_text(r, " needs a module, a source path or a person, e.g. ");
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
		const struct roster_person *p = roster_find_person(ro, arg + 1);
		if (!p) {
			unknown_handle(r, ro, arg + 1);
			return CMD_ERROR;
		}
		return who_person(ctx, p, all);
	}

	struct lookup_result res;
	lookup_modules(ro, arg, &res);
	bool path = strchr(arg, '/') != NULL || (!strchr(arg, ' ') && codeowners_match(ctx->bot->codeowners, arg));
	const struct roster_person *people[16];
	size_t np = 0;
	if (!res.n || res.how == LOOKUP_WORD || res.how == LOOKUP_PATH) {
		/* a handle, then a name, before a word of a heading */
		const struct roster_person *p = path ? NULL : roster_find_person(ro, arg);
		if (p)
			return who_person(ctx, p, all);
		if (!res.n && !path)
			np = lookup_people(ro, arg, people, ARRAY_SIZE(people));
	}
	if (res.n == 1) {
		/* say what was understood, unless it was the heading or one of its names
		 * (the index's display of those is the roster's own string) */
		bool named = res.how == LOOKUP_HEADING;
		for (size_t i = 0; res.how == LOOKUP_NAME && !named && i <= res.groups[0]->naliases; i++)
			named = res.matched == (i ? res.groups[0]->aliases[i - 1] : res.groups[0]->title);
		who_module(ctx, res.groups[0], named ? NULL : arg, all);
		if (path)
			codeowners_para(ctx, arg);
		return CMD_OK;
	}
	if (res.n > 1) {
		who_several(ctx, &res, arg);
		if (path)
			codeowners_para(ctx, arg);
		return CMD_OK;
	}
	if (np == 1)
		return who_person(ctx, people[0], all);
	if (np > 1)
		return who_people(ctx, people, np < ARRAY_SIZE(people) ? np : ARRAY_SIZE(people), arg);
	if (path && codeowners_match(ctx->bot->codeowners, arg)) {
		reply_text(r, "no module of the roster covers ");
		reply_code(r, arg);
		codeowners_para(ctx, arg);
		return CMD_OK;
	}
	reply_text(r, "no module or person matches ");
	reply_code(r, arg);
	if (res.suggestion) {
		reply_text(r, "; did you mean ");
		reply_code(r, res.suggestion);
		reply_text(r, "?");
	}
	reply_para(r);
	reply_code(r, "modules");
	reply_text(r, " lists every module and library.");
	return CMD_ERROR;
}

/* ---- is PERSON ROLE -------------------------------------------------------------- */

enum asked { ASK_LEAD, ASK_CORE, ASK_MAINTAINER, ASK_MODULE, ASK_EMERITUS };

/* Reads the role part ("the lead", "a core maintainer", "a maintainer of
 * torch.nn", "an fx maintainer").  *module is set for ASK_MODULE. */
static bool parse_role(const struct roster *ro, char *s, enum asked *what, const struct roster_group **module)
{
	static const char *const articles[] = { "the ", "a ", "an ", "one of the ", "still " };
	for (size_t i = 0; i < ARRAY_SIZE(articles); i++)
		if (str_istarts(s, articles[i]))
			s += strlen(articles[i]);
	static const char *const lead[] = { "lead", "bdfl", "leader", "lead core maintainer", "project lead",
					    "lead maintainer", "benevolent dictator" };
	for (size_t i = 0; i < ARRAY_SIZE(lead); i++)
		if (str_ieq(s, lead[i])) {
			*what = ASK_LEAD;
			return true;
		}
	if (str_ieq(s, "core") || str_ieq(s, "core maintainer") || str_ieq(s, "core dev") ||
	    str_ieq(s, "core developer") || str_ieq(s, "core team member")) {
		*what = ASK_CORE;
		return true;
	}
	if (str_ieq(s, "maintainer")) {
		*what = ASK_MAINTAINER;
		return true;
	}
	if (str_ieq(s, "emeritus") || str_ieq(s, "emeritus maintainer")) {
		*what = ASK_EMERITUS;
		return true;
	}
	static const char *const of[] = { "maintainer of ", "maintainer for ", "owner of ", "in charge of " };
	for (size_t i = 0; i < ARRAY_SIZE(of); i++)
		if (str_istarts(s, of[i])) {
			*module = lookup_module(ro, s + strlen(of[i]), NULL);
			*what = ASK_MODULE;
			return *module != NULL;
		}
	size_t n = strlen(s);
	if (n > 11 && str_ieq(s + n - 11, " maintainer")) {
		s[n - 11] = '\0';
		*module = lookup_module(ro, s, NULL);
		*what = ASK_MODULE;
		return *module != NULL;
	}
	return false;
}

int cmd_is(struct command_ctx *ctx)
{
	const struct roster *ro = ctx->bot->roster;
	struct reply *r = ctx->reply;
	char arg[512];
	govcmd_clean_arg(ctx->args, arg, sizeof(arg));
	/* the person: @handle, or the longest run of leading words that names one */
	const struct roster_person *p = NULL;
	char *rest = NULL;
	char *words[16];
	size_t nw = 0;
	for (char *s = arg; *s && nw < ARRAY_SIZE(words);) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		words[nw++] = s;
		while (*s && *s != ' ')
			s++;
	}
	for (size_t k = nw < 4 ? nw : 4; k > 0 && !p; k--) {
		char *end = words[k - 1] + strcspn(words[k - 1], " ");
		char save = *end;
		*end = '\0';
		char *who = words[0];
		const struct roster_person *found[2];
		if (who[0] == '@')
			p = roster_find_person(ro, who + 1);
		else if (lookup_people(ro, who, found, 2) == 1)
			p = found[0];
		*end = save;
		if (p)
			rest = k < nw ? words[k] : arg + strlen(arg);
	}
	enum asked what;
	const struct roster_group *module = NULL;
	if (!p || !p->handle || !parse_role(ro, rest, &what, &module)) {
		if (nw && words[0][0] == '@' && !p) {
			words[0][strcspn(words[0], " ")] = '\0';
			unknown_handle(r, ro, words[0] + 1);
			return CMD_ERROR;
		}
		struct buf q = BUF_INIT;
		buf_addf(&q, "is %s", ctx->args);
		process_nearest(ctx, buf_str(&q));
		buf_release(&q);
		reply_para(r);
		reply_text(r, "To ask about a person: ");
		reply_code(r, "is @handle the lead|a core maintainer|a maintainer of MODULE");
		return CMD_ERROR;
	}
	bool yes = false, emeritus = false;
	switch (what) {
	case ASK_LEAD: yes = roster_is_lead(ro, p->handle); break;
	case ASK_CORE: yes = roster_is_core(ro, p->handle); break;
	case ASK_MAINTAINER:
		yes = roster_is_core(ro, p->handle) || roster_is_module_maintainer(ro, p->handle);
		break;
	case ASK_MODULE: yes = roster_in_group(module, p->handle, &emeritus); break;
	case ASK_EMERITUS: {
		struct lookup_role roles[64];
		size_t n = lookup_person(ro, p->handle, roles, ARRAY_SIZE(roles));
		for (size_t i = 0; i < n && i < ARRAY_SIZE(roles); i++)
			yes = yes || roles[i].emeritus;
		break;
	}
	}
	reply_strong(r, yes ? "Yes" : "No");
	reply_text(r, ": ");
	reply_person(r, p->name, p->handle);
	reply_text(r, yes ? " is " : " is not ");
	switch (what) {
	case ASK_LEAD: reply_text(r, "the lead core maintainer (BDFL)"); break;
	case ASK_CORE: reply_text(r, "a core maintainer"); break;
	case ASK_MAINTAINER: reply_text(r, "an active maintainer"); break;
	case ASK_EMERITUS: reply_text(r, "emeritus anywhere on the roster"); break;
	case ASK_MODULE:
		reply_text(r, emeritus ? "an active maintainer of " : "a maintainer of ");
		reply_strong(r, module->title);
		if (emeritus)
			reply_text(r, " (emeritus there)");
		break;
	}
	reply_text(r, ".");
	if (what == ASK_LEAD && !yes) {
		const struct roster_person *lead = roster_lead(ro);
		if (lead) {
			reply_text(r, " The lead is ");
			reply_person(r, lead->name, lead->handle);
			reply_text(r, ".");
		}
	}
	reply_para(r);
	reply_text(r, "Roles: ");
	size_t n = roles_of(ctx, p->handle, true, 6);
	if (!n)
		reply_text(r, "none at the moment");
	if (module_roles(ro, p->handle) > 6) {
		reply_text(r, " (");
		char h[64];
		snprintf(h, sizeof(h), "who @%s", p->handle);
		reply_code(r, h);
		reply_text(r, " lists all)");
	}
	return CMD_OK;
}
