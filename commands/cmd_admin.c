/*
 * cmd_admin.c - `link PLATFORM:ID @handle`: a core maintainer maps a chat
 * identity to a roster handle.  Stored (table links) and audited; the
 * config's "identities" still win over a stored link (identity_handle()).
 */
#include "commands/commands.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/bot/config.h"
#include "chatbot/gov/gov.h"
#include "chatbot/bot/identity.h"
#include "chatbot/bot/mention.h"
#include "chatbot/roster/roster.h"

static const char link_usage[] = "link PLATFORM:ID @handle";

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

int cmd_link(struct command_ctx *ctx)
{
	struct govbot *bot = ctx->bot;
	if (!bot->store) {
		reply_text(ctx->reply, "link needs the database, and none is open");
		return CMD_FAILED;
	}
	const char *a = ctx->args;
	size_t idlen = 0;
	while (a[idlen] && !isspace((unsigned char)a[idlen]))
		idlen++;
	char *id = xstrndup(a, idlen);
	const char *h = str_skip_space(a + idlen);
	if (*h == '@')
		h++;
	char *handle = str_trim_dup(h, strlen(h));
	int ret = CMD_ERROR;
	if (mention_is_markup(id)) {
		/* slack:<@U0123>: what a chat client shows, not the ID itself */
		reply_code(ctx->reply, id);
		reply_text(ctx->reply, " is chat markup, not an identity; write the bare ID, such as ");
		reply_code(ctx->reply, "slack:U0123");
		reply_text(ctx->reply, " or ");
		reply_code(ctx->reply, "matrix:@alice:example.org");
		reply_text(ctx->reply, "; usage: ");
		reply_code(ctx->reply, link_usage);
		goto cleanup;
	}
	if (!identity_valid(id)) {
		reply_text(ctx->reply, "the first word must be a chat identity such as ");
		reply_code(ctx->reply, "slack:U0123");
		reply_text(ctx->reply, ", ");
		reply_code(ctx->reply, "matrix:@alice:example.org");
		reply_text(ctx->reply, " or ");
		reply_code(ctx->reply, "discourse:alice");
		reply_text(ctx->reply, "; usage: ");
		reply_code(ctx->reply, link_usage);
		goto cleanup;
	}
	if (!handle_ok(handle)) {
		reply_text(ctx->reply, "the second word must be a GitHub handle such as @alice; usage: ");
		reply_code(ctx->reply, link_usage);
		goto cleanup;
	}
	/* the platform part compares case-insensitively: store it lowercased */
	for (char *p = id; *p && *p != ':'; p++)
		*p = (char)tolower((unsigned char)*p);
	const struct roster_person *person = roster_find_person(bot->roster, handle);
	const char *canon = person && person->handle ? person->handle : handle;
	const char *fixed = identity_config_handle(bot->config, id);
	if (fixed) {
		reply_textf(ctx->reply, "%s is mapped to ", id);
		reply_handle(ctx->reply, fixed);
		reply_text(ctx->reply, " by the config file, which wins over links; change the config's "
			   "\"identities\" instead");
		ret = CMD_REFUSED;
		goto cleanup;
	}
	long long now = bot_now(bot);
	char *before = store_link_get(bot->store, id);
	if (before && strcmp(before, canon) == 0) {   /* nothing to change, nothing to audit */
		reply_textf(ctx->reply, "%s is already linked to ", id);
		reply_handle(ctx->reply, canon);
		reply_text(ctx->reply, "; nothing changed");
		free(before);
		ret = CMD_OK;
		goto cleanup;
	}
	struct buf detail = BUF_INIT;
	buf_addf(&detail, "%s -> @%s", id, canon);
	if (before)
		buf_addf(&detail, " (was @%s)", before);
	int rc = store_begin(bot->store);
	if (rc == STORE_OK)
		rc = store_link_set(bot->store, id, canon, ctx->caller->id, now);
	if (rc == STORE_OK)
		rc = store_audit(bot->store, now, ctx->caller->id, ctx->caller->handle, "link", 0,
				 buf_str(&detail));
	if (rc == STORE_OK)
		rc = store_commit(bot->store);
	buf_release(&detail);
	if (rc != STORE_OK) {
		store_rollback(bot->store);
		reply_text(ctx->reply, store_rc_text(rc));
		free(before);
		ret = CMD_FAILED;
		goto cleanup;
	}
	reply_textf(ctx->reply, "Linked %s to ", id);
	reply_handle(ctx->reply, canon);
	if (before && strcmp(before, canon) != 0) {
		reply_text(ctx->reply, " (it was ");
		reply_handle(ctx->reply, before);
		reply_text(ctx->reply, ")");
	}
	reply_text(ctx->reply, "; recorded in the audit log.");
	if (!person)
		reply_text(ctx->reply, " That handle is not on the roster, so the link gives no role "
			   "until it holds one.");
	free(before);
	ret = CMD_OK;
cleanup:
	free(id);
	free(handle);
	return ret;
}
