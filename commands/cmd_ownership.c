/* cmd_ownership.c - `ownership [MODULE]`: where the project's CODEOWNERS
 * file (config "codeowners") and the roster disagree, chat-sized.  The
 * full report is `govbot check-ownership` (chatbot/host/main.c); both read
 * codeowners_compare(). */
#include <stdio.h>
#include <string.h>

#include "chatbot/roster/codeowners.h"
#include "chatbot/roster/lookup.h"
#include "commands/commands.h"

/* Names listed on one line before it is cut. */
#define LINE_NAMES 8

static void handles_line(struct reply *r, const char *label, const char *const *h, size_t n)
{
	if (!n)
		return;
	reply_item(r);
	reply_textf(r, "%s (%zu): ", label, n);
	size_t shown = n < LINE_NAMES + 2 ? n : LINE_NAMES;
	for (size_t i = 0; i < shown; i++) {
		if (i)
			reply_text(r, ", ");
		reply_handle(r, h[i]);
	}
	if (n > shown)
		reply_textf(r, " and %zu more", n - shown);
}

static void one_module(struct command_ctx *ctx, const struct codeowners_report *rep,
		       const struct roster_group *g)
{
	struct reply *r = ctx->reply;
	if (!rep->nmodules) {
		reply_text(r, "no CODEOWNERS rule names a path of ");
		reply_strong(r, g->title);
		reply_text(r, ", so there is nothing to compare.");
		return;
	}
	const struct codeowners_drift *d = &rep->modules[0];
	size_t n = d->nstrangers + d->nidle + d->nemeritus;
	reply_strong(r, g->title);
	reply_textf(r, ": %zu CODEOWNERS rule%s name%s its paths; ", d->nrules, d->nrules == 1 ? "" : "s",
		    d->nrules == 1 ? "s" : "");
	if (!n) {
		reply_text(r, "their owners and the roster agree.");
		return;
	}
	reply_textf(r, "%zu difference%s:", n, n == 1 ? "" : "s");
	handles_line(r, "owners who are not its maintainers", d->strangers, d->nstrangers);
	handles_line(r, "active maintainers owning none of its paths", d->idle, d->nidle);
	handles_line(r, "emeritus maintainers still owners", d->emeritus, d->nemeritus);
	handles_line(r, "of the owners, unknown to the roster", rep->unknown, rep->nunknown);
}

static void summary(struct command_ctx *ctx, const struct codeowners_report *rep, size_t findings)
{
	struct reply *r = ctx->reply;
	size_t differ = 0;
	for (size_t i = 0; i < rep->nmodules; i++) {
		const struct codeowners_drift *d = &rep->modules[i];
		differ += d->nstrangers + d->nidle + d->nemeritus > 0;
	}
	if (!findings) {
		reply_textf(r, "CODEOWNERS and the roster agree on the %zu modules whose paths it names.",
			    rep->nmodules);
		return;
	}
	reply_textf(r, "CODEOWNERS and the roster disagree on %zu of the %zu modules whose paths it names:",
		    differ, rep->nmodules);
	size_t shown = 0;
	for (size_t i = 0; i < rep->nmodules && shown < LINE_NAMES; i++) {
		const struct codeowners_drift *d = &rep->modules[i];
		if (!(d->nstrangers + d->nidle + d->nemeritus))
			continue;
		shown++;
		reply_item(r);
		reply_strong(r, d->group->title);
		reply_textf(r, ": owners not maintainers %zu, maintainers owning none %zu, emeritus owners %zu",
			    d->nstrangers, d->nidle, d->nemeritus);
	}
	if (differ > shown) {
		reply_item(r);
		reply_textf(r, "... and %zu more modules", differ - shown);
	}
	handles_line(r, "owners unknown to the roster", rep->unknown, rep->nunknown);
	reply_para(r);
	reply_code(r, "ownership MODULE");
	reply_text(r, " shows one module; ");
	reply_code(r, "govbot check-ownership");
	reply_text(r, " prints the whole report.");
}

int cmd_ownership(struct command_ctx *ctx)
{
	struct reply *r = ctx->reply;
	const struct codeowners *co = ctx->bot->codeowners;
	if (!co) {
		reply_text(r, "no CODEOWNERS file is configured; the operator sets ");
		reply_code(r, "\"codeowners\": \"path/to/CODEOWNERS\"");
		reply_text(r, " in the config");
		return CMD_ERROR;
	}
	char arg[256];
	size_t n = strlen(ctx->args);
	while (n && (ctx->args[n - 1] == '?' || ctx->args[n - 1] == ' ' || ctx->args[n - 1] == '\n'))
		n--;
	if (n >= sizeof(arg))
		n = sizeof(arg) - 1;
	memcpy(arg, ctx->args, n);
	arg[n] = '\0';
	const struct roster_group *g = NULL;
	if (arg[0]) {
		const char *suggestion = NULL;
		g = lookup_module(ctx->bot->roster, arg, &suggestion);
		if (!g) {
			reply_text(r, "no module matches ");
			reply_code(r, arg);
			if (suggestion) {
				reply_text(r, "; did you mean ");
				reply_code(r, suggestion);
				reply_text(r, "?");
			}
			return CMD_ERROR;
		}
	}
	struct codeowners_report rep;
	size_t findings = codeowners_compare(co, ctx->bot->roster, g, &rep);
	if (g)
		one_module(ctx, &rep, g);
	else
		summary(ctx, &rep, findings);
	codeowners_report_release(&rep);
	return CMD_OK;
}
