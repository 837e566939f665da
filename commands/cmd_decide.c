/*
 * cmd_decide.c - `decide N accept|reject RATIONALE` and its authorize hook.
 * Who decides is gov_may_decide() (chatbot/gov/gov.h); the hook runs it before
 * the handler, and nomination_decide() (chatbot/gov/nomination.h) runs it
 * again under the write lock before it records the decision.
 */
#include "commands/commands.h"

#include <stdio.h>
#include <string.h>

#include "chatbot/gov/gov.h"
#include "chatbot/gov/nomination.h"
#include "chatbot/gov/office.h"
#include "commands/govcmd.h"

static const char decide_usage[] = "decide N accept|reject RATIONALE";

/* "It is announced on: console, slack." or, with no announce target, says
 * so rather than ending on a dangling colon. */
static void say_targets(struct reply *r, const struct gov_ctx *g, const char *lead)
{
	if (!g->ntargets) {
		reply_text(r, "No adapter with an announce target is configured, so it is not "
			   "announced; `decisions` shows it.");
		return;
	}
	reply_textf(r, "%s:", lead);
	for (size_t i = 0; i < g->ntargets; i++)
		reply_textf(r, "%s %s", i ? "," : "", g->targets[i]);
	reply_text(r, ".");
}

int cmd_decide(struct command_ctx *ctx)
{
	struct govbot *bot = ctx->bot;
	struct gov_item it;
	const char *p;
	int rc = govcmd_load_item(ctx, &it, &p, decide_usage);
	if (rc <= 0)
		return rc < 0 ? govcmd_store_failed(ctx, rc) : CMD_ERROR;
	int ret = CMD_ERROR;
	bool accept;
	const char *rationale;
	if ((rationale = govcmd_skip_word(p, "accept")) || (rationale = govcmd_skip_word(p, "accepted")))
		accept = true;
	else if ((rationale = govcmd_skip_word(p, "reject")) || (rationale = govcmd_skip_word(p, "rejected")))
		accept = false;
	else {
		reply_text(ctx->reply, "say accept or reject, then why; usage: ");
		govcmd_code_n(ctx->reply, "decide %lld accept|reject RATIONALE", it.id);
		goto cleanup;
	}
	if (!*rationale) {
		reply_text(ctx->reply, "a decision needs its rationale: the docs ask that every decision "
			   "be explained in public; usage: ");
		govcmd_code_n(ctx->reply, "decide %lld accept|reject RATIONALE", it.id);
		goto cleanup;
	}
	if (strlen(rationale) > GOV_MAX_TEXT) {
		reply_textf(ctx->reply, "the rationale is longer than %d bytes; shorten it (link to a "
			    "longer text if needed)", GOV_MAX_TEXT);
		goto cleanup;
	}
	struct gov_ctx *g = bot_gov(bot);
	struct nomination_decision dec = {
		.item = &it, .accept = accept, .rationale = rationale,
		.by_id = ctx->caller->id, .by_handle = ctx->caller->handle,
	};
	struct nomination_decided done;
	rc = nomination_decide(g, &dec, &done);
	if (rc == GOV_FAILED) {
		ret = govcmd_store_failed(ctx, done.store_rc);
	} else if (rc == GOV_REFUSED && done.why.len) {
		reply_text(ctx->reply, buf_str(&done.why));
		ret = CMD_REFUSED;
	} else if (rc == GOV_REFUSED) {
		reply_textf(ctx->reply, "%s %lld is incomplete, so it cannot be decided yet: it lacks %s. "
			    "The nominator adds them with ", gov_item_noun(&it), it.id,
			    buf_str(&done.missing));
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "amend %lld FIELD: TEXT", it.id);   /* the real number */
		reply_code(ctx->reply, cmd);
		reply_text(ctx->reply, ".");
		ret = CMD_REFUSED;
	}
	if (rc != GOV_OK) {
		nomination_decided_release(&done);
		goto cleanup;
	}
	reply_textf(ctx->reply, "Recorded the decision on %s #%lld: %s. %s", gov_item_noun(&it),
		    it.id, done.state, buf_str(&done.what));
	nomination_decided_release(&done);
	reply_para(ctx->reply);
	say_targets(ctx->reply, g, "It is announced with its rationale on");
	ret = CMD_OK;
cleanup:
	gov_item_release(&it);
	return ret;
}

int auth_decide(struct command_ctx *ctx, struct buf *why)
{
	struct gov_item it;
	int rc = govcmd_hook_item(ctx, why, &it, decide_usage);
	if (rc)
		return rc;
	rc = govcmd_result(gov_may_decide(bot_gov(ctx->bot), &it, ctx->caller->handle, why));
	gov_item_release(&it);
	return rc;
}

/* ---- withdraw ----------------------------------------------------------- */

static const char withdraw_usage[] = "withdraw N [REASON]";

int auth_withdraw(struct command_ctx *ctx, struct buf *why)
{
	struct gov_item it;
	int rc = govcmd_hook_item(ctx, why, &it, withdraw_usage);
	if (rc)
		return rc;
	rc = govcmd_result(gov_may_withdraw(&it, ctx->caller->id, ctx->caller->handle, why));
	gov_item_release(&it);
	return rc;
}

int cmd_withdraw(struct command_ctx *ctx)
{
	long long id;
	const char *reason;
	if (gov_parse_number(ctx->args, &id, &reason) < 0) {
		reply_text(ctx->reply, "which item? usage: ");
		reply_code(ctx->reply, withdraw_usage);
		return CMD_ERROR;
	}
	if (strlen(reason) > GOV_MAX_TEXT) {
		reply_textf(ctx->reply, "the reason is longer than %d bytes; shorten it", GOV_MAX_TEXT);
		return CMD_ERROR;
	}
	struct buf why = BUF_INIT;
	struct gov_ctx *g = bot_gov(ctx->bot);
	int rc = office_withdraw(g, id, ctx->caller->id, ctx->caller->handle, reason, &why);
	if (rc != GOV_OK) {
		reply_text(ctx->reply, buf_str(&why));
		buf_release(&why);
		return govcmd_result(rc);
	}
	buf_release(&why);
	reply_textf(ctx->reply, "Withdrew %lld; it closes without a decision. ", id);
	say_targets(ctx->reply, g, "It is announced on");
	return CMD_OK;
}
