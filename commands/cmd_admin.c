/*
 * cmd_admin.c - `link`: binding a chat identity to a roster handle, only
 * with consent (chatbot/gov/link.h has the rules and the writes):
 *   link @handle              from the new identity: a pending link and a code
 *   link confirm CODE         from an identity already mapped to that handle
 *                             (or, for a core link, a second core maintainer)
 *   link PLATFORM:ID @handle  a core maintainer, for a handle with no identity
 *                             yet; never the lead's handle or their own
 * Who may do which is auth_link's (the dispatcher runs it); the config's
 * "identities" always win over links (identity_handle()).
 */
#include "commands/commands.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/config.h"
#include "chatbot/bot/identity.h"
#include "chatbot/bot/mention.h"
#include "chatbot/gov/link.h"
#include "chatbot/roster/roster.h"
#include "commands/govcmd.h"

static const char link_usage[] = "link @yourhandle | link confirm CODE | link PLATFORM:ID @handle";

#define MAX_KNOWN 32

static bool handle_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > 39 || h[0] == '-' || h[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)h[i]) || (h[i] == '-' && h[i + 1] != '-')))
			return false;
	return true;
}

/* The parsed arguments of `link`. */
struct link_args {
	enum { LINK_BAD, LINK_SELF, LINK_CORE, LINK_CONFIRM } form;
	char id[IDENTITY_MAX_ID + 16];   /* LINK_CORE: normalized */
	char handle[64];                 /* canonical spelling when on the roster */
	char code[32];                   /* LINK_CONFIRM */
	bool on_roster;
};

/* Parses ctx->args; on LINK_BAD writes why (with the usage) into why. */
static void parse(struct command_ctx *ctx, struct link_args *a, struct buf *why)
{
	memset(a, 0, sizeof(*a));
	const char *p = ctx->args;
	const char *rest = govcmd_skip_word(p, "confirm");
	if (rest) {
		size_t n = strcspn(rest, " \t\n");
		if (n == 0 || n >= sizeof(a->code) || *str_skip_space(rest + n)) {
			buf_addf(why, "`link confirm` takes the code the link request gave, e.g. "
				 "`link confirm K7QX2M9P`; usage: `%s`", link_usage);
			return;
		}
		memcpy(a->code, rest, n);
		a->form = LINK_CONFIRM;
		return;
	}
	size_t n1 = strcspn(p, " \t\n");
	const char *second = str_skip_space(p + n1);
	const char *h = p;
	size_t hn = n1;
	if (*second) {
		char *id = xstrndup(p, n1);
		if (mention_is_markup(id)) {
			/* slack:<@U0123>: what a chat client shows, not the ID itself */
			buf_addf(why, "`%s` is chat markup, not an identity; write the bare ID, such as "
				 "`slack:U0123` or `matrix:@alice:example.org`; usage: `%s`", id, link_usage);
			free(id);
			return;
		}
		bool valid = identity_normalize(id, a->id, sizeof(a->id));
		free(id);
		if (!valid) {
			buf_addf(why, "the first word must be a chat identity such as `slack:U0123`, "
				 "`matrix:@alice:example.org` or `discourse:alice`; usage: `%s`", link_usage);
			return;
		}
		h = second;
		hn = strcspn(h, " \t\n");
		if (*str_skip_space(h + hn)) {
			buf_addf(why, "too many words; usage: `%s`", link_usage);
			return;
		}
	}
	if (hn && *h == '@') {
		h++;
		hn--;
	}
	char handle[64];
	if (hn == 0 || hn >= sizeof(handle)) {
		buf_addf(why, "say which handle, e.g. `link @alice`; usage: `%s`", link_usage);
		return;
	}
	memcpy(handle, h, hn);
	handle[hn] = '\0';
	if (!handle_ok(handle)) {
		buf_addf(why, "%s must be a GitHub handle such as @alice; usage: `%s`",
			 *second ? "the second word" : "the handle", link_usage);
		return;
	}
	const struct roster_person *person = roster_find_person(ctx->bot->roster, handle);
	a->on_roster = person && person->handle;
	snprintf(a->handle, sizeof(a->handle), "%s", a->on_roster ? person->handle : handle);
	a->form = *second ? LINK_CORE : LINK_SELF;
}

int auth_link(struct command_ctx *ctx, struct buf *why)
{
	struct link_args a;
	parse(ctx, &a, why);
	const struct caller *c = ctx->caller;
	const struct roster *r = ctx->bot->roster;
	switch (a.form) {
	case LINK_BAD:
		return CMD_ERROR;
	case LINK_SELF:
		return 0;
	case LINK_CORE:
		if (!c->handle || !roster_is_core(r, c->handle)) {
			buf_addf(why, "only core maintainers may start a link for someone else; to link "
				 "this identity to yourself, send `link @yourhandle` from it");
			return CMD_REFUSED;
		}
		if (str_ieq(a.handle, c->handle)) {
			buf_addf(why, "a core maintainer never links an identity to their own handle; "
				 "send `link @%s` from the new identity and confirm it with "
				 "`link confirm CODE` from this one", c->handle);
			return CMD_REFUSED;
		}
		if (roster_is_lead(r, a.handle)) {
			buf_addf(why, "nobody links an identity to the lead's handle (@%s) for them; the "
				 "lead sends `link @%s` from the new identity and confirms it", a.handle,
				 a.handle);
			return CMD_REFUSED;
		}
		return 0;
	case LINK_CONFIRM:
		break;
	}
	struct gov_link l;
	int found = ctx->bot->store ? gov_link_find(ctx->bot->store, a.code, bot_now(ctx->bot), &l) : 0;
	if (found <= 0)
		return 0;   /* the handler says the code is unknown, or the store failed */
	int rc = 0;
	if (!l.by_core) {
		if (!c->handle || !str_ieq(c->handle, l.handle)) {
			buf_addf(why, "only an identity already mapped to @%s confirms this link; "
				 "send `link confirm %s` from one of theirs", l.handle, l.code);
			rc = CMD_REFUSED;
		}
	} else if (!c->handle || !roster_is_core(r, c->handle)) {
		buf_addf(why, "a core maintainer's link request is confirmed by a second core "
			 "maintainer only");
		rc = CMD_REFUSED;
	} else if ((l.by_handle && str_ieq(c->handle, l.by_handle)) || identity_equal(c->id, l.by_id)) {
		buf_addf(why, "you asked for this link; a second core maintainer confirms it");
		rc = CMD_REFUSED;
	} else if (str_ieq(c->handle, l.handle)) {
		buf_addf(why, "nobody confirms a link to their own handle");
		rc = CMD_REFUSED;
	}
	gov_link_release(&l);
	return rc;
}

/* The refusal of a write, into ctx->reply. */
static int refused(struct command_ctx *ctx, const struct gov_link_done *d, const char *id,
		   const char *handle)
{
	switch (d->why) {
	case LINK_WHY_MAPPED:
		reply_textf(ctx->reply, "%s is already mapped to ", id);
		reply_handle(ctx->reply, d->other ? d->other : "?");
		if (d->other && str_ieq(d->other, handle))
			reply_text(ctx->reply, "; nothing changed");
		else
			reply_text(ctx->reply, "; an identity already mapped is never re-pointed (the "
				   "config's \"identities\" are changed by the operator)");
		return d->other && str_ieq(d->other, handle) ? CMD_OK : CMD_REFUSED;
	case LINK_WHY_HAS_IDENTITY:
		reply_handle(ctx->reply, handle);
		reply_text(ctx->reply, " already has an identity; they link a new one themselves: ");
		reply_code(ctx->reply, "link @handle");
		reply_text(ctx->reply, " from the new identity, then ");
		reply_code(ctx->reply, "link confirm CODE");
		reply_text(ctx->reply, " from one they have");
		return CMD_REFUSED;
	case LINK_WHY_NO_IDENTITY:
		reply_text(ctx->reply, "no identity is mapped to ");
		reply_handle(ctx->reply, handle);
		reply_text(ctx->reply, " yet, so none can confirm; ask a core maintainer to run ");
		reply_code(ctx->reply, "link PLATFORM:ID @handle");
		reply_text(ctx->reply, " for this identity (a second one confirms)");
		return CMD_REFUSED;
	case LINK_WHY_GONE:
	default:
		reply_text(ctx->reply, "no pending link has that code (it was used, replaced or has "
			   "expired); start again with ");
		reply_code(ctx->reply, "link @handle");
		return CMD_REFUSED;
	}
}

int cmd_link(struct command_ctx *ctx)
{
	struct govbot *bot = ctx->bot;
	if (!bot->store)
		return govcmd_no_store(ctx);
	struct link_args a;
	struct buf why = BUF_INIT;
	parse(ctx, &a, &why);
	buf_release(&why);
	const struct gov_ctx *g = bot_gov(bot);
	struct gov_link_done d;
	const char *ids[MAX_KNOWN];
	struct gov_link_known known = { ids, 0 };
	int rc;
	if (a.form == LINK_CONFIRM) {
		struct gov_link l;
		int found = gov_link_find(bot->store, a.code, bot_now(bot), &l);
		if (found < 0)
			return govcmd_store_failed(ctx, found);
		if (found == 0) {
			d.why = LINK_WHY_GONE;
			d.other = NULL;
			return refused(ctx, &d, "", "");
		}
		known.n = identity_config_ids(bot->config, l.handle, ids, MAX_KNOWN);
		rc = gov_link_confirm(g, a.code, identity_config_handle(bot->config, l.identity),
				      ctx->caller->id, ctx->caller->handle, &known, &d);
		int out;
		if (rc == GOV_OK) {
			reply_textf(ctx->reply, "Linked %s to ", d.link.identity);
			reply_handle(ctx->reply, d.link.handle);
			reply_text(ctx->reply, "; recorded in the audit log and announced to them.");
			if (!roster_find_person(bot->roster, d.link.handle))
				reply_text(ctx->reply, " That handle is not on the roster, so the link "
					   "gives no role until it holds one.");
			out = CMD_OK;
		} else if (rc == GOV_FAILED) {
			out = govcmd_store_failed(ctx, d.store_rc);
		} else {
			out = refused(ctx, &d, l.identity, l.handle);
			if (out == CMD_OK)
				out = CMD_REFUSED;
		}
		gov_link_release(&l);
		gov_link_done_release(&d);
		return out;
	}
	const char *id = a.form == LINK_CORE ? a.id : ctx->caller->id;
	char norm[IDENTITY_MAX_ID + 16];
	if (!identity_normalize(id, norm, sizeof(norm))) {
		reply_text(ctx->reply, "this identity cannot be linked; usage: ");
		reply_code(ctx->reply, link_usage);
		return CMD_ERROR;
	}
	/* the config's answer, or for the asking identity its current handle */
	const char *mapped = identity_config_handle(bot->config, norm);
	if (!mapped && a.form == LINK_SELF)
		mapped = ctx->caller->handle;
	known.n = identity_config_ids(bot->config, a.handle, ids, MAX_KNOWN);
	rc = gov_link_request(g, norm, mapped, a.handle, a.form == LINK_CORE, ctx->caller->id,
			      ctx->caller->handle, &known, &d);
	int out;
	if (rc == GOV_OK) {
		char expires[64];
		gov_format_time(d.link.expires_at, expires, sizeof(expires));
		reply_textf(ctx->reply, "Link of %s to ", d.link.identity);
		reply_handle(ctx->reply, d.link.handle);
		reply_text(ctx->reply, " requested; the one-time code is ");
		reply_code(ctx->reply, d.link.code);
		reply_textf(ctx->reply, " (valid until %s).", expires);
		reply_para(ctx->reply);
		if (a.form == LINK_CORE) {
			reply_text(ctx->reply, "A second core maintainer confirms it with ");
		} else {
			reply_text(ctx->reply, "Confirm it from an identity already mapped to ");
			reply_handle(ctx->reply, d.link.handle);
			reply_text(ctx->reply, " with ");
		}
		char confirm[64];
		snprintf(confirm, sizeof(confirm), "link confirm %s", d.link.code);
		reply_code(ctx->reply, confirm);
		reply_text(ctx->reply, ". Until then it gives no role.");
		if (!a.on_roster)
			reply_text(ctx->reply, " That handle is not on the roster, so even then it gives "
				   "no role until it holds one.");
		out = CMD_OK;
	} else if (rc == GOV_FAILED) {
		out = govcmd_store_failed(ctx, d.store_rc);
	} else {
		out = refused(ctx, &d, norm, a.handle);
	}
	gov_link_done_release(&d);
	return out;
}
