/*
 * cmd_decide.c - `decide N accept|reject RATIONALE` and its authorize hook.
 * Who decides is gov_may_decide() (chatbot/gov/gov.h); the hook runs it before
 * the handler, and the handler runs it again under the write lock.
 */
#include "commands/commands.h"

#include <stdio.h>
#include <string.h>

#include "chatbot/gov/gov.h"
#include "chatbot/roster/roster.h"
#include "commands/govcmd.h"

/* The name for the roster entry: the roster's own when it knows the
 * person, else the one the nomination gave, else the handle. */
static const char *person_name(const struct roster *r, const char *h, const char *given)
{
	const struct roster_person *p = roster_find_person(r, h);
	if (p && p->name)
		return p->name;
	return given ? given : h;
}

/* The roster change an accepted item makes, and the sentence saying it. */
static size_t accept_events(const struct govbot *bot, const struct gov_item *it,
			    struct gov_event *ev, struct buf *what)
{
	const char *h = it->subject;
	const char *name = person_name(bot->roster, h, it->subject_name);
	if (strcmp(it->kind, GOV_NOMINATE_MODULE) == 0) {
		*ev = (struct gov_event){ "add", it->grp, name, h };
		buf_addf(what, "@%s becomes a maintainer of %s.", h, it->grp);
	} else if (strcmp(it->kind, GOV_NOMINATE_CORE) == 0) {
		*ev = (struct gov_event){ "add-core", NULL, name, h };
		buf_addf(what, "@%s becomes a core maintainer.", h);
	} else if (strcmp(it->kind, GOV_REMOVE_MODULE) == 0) {
		*ev = (struct gov_event){ "emeritus", it->grp, NULL, h };
		buf_addf(what, "@%s %s and moves to emeritus in %s.", h,
			 it->self ? "steps down" : "is removed", it->grp);
	} else {
		*ev = (struct gov_event){ "remove-core", NULL, NULL, h };
		buf_addf(what, "@%s %s the core maintainers.", h, it->self ? "steps down from" : "leaves");
	}
	return 1;
}

static const char decide_usage[] = "decide N accept|reject RATIONALE";

int cmd_decide(struct command_ctx *ctx)
{
	struct govbot *bot = ctx->bot;
	struct gov_item it;
	const char *p;
	int rc = govcmd_load_item(ctx, &it, &p, decide_usage);
	if (rc <= 0)
		return rc < 0 ? govcmd_store_failed(ctx, rc) : CMD_ERROR;
	int ret = CMD_ERROR;
	struct buf missing = BUF_INIT, what = BUF_INIT, title = BUF_INIT, body = BUF_INIT;
	bool accept;
	const char *rationale;
	if ((rationale = govcmd_skip_word(p, "accept")) || (rationale = govcmd_skip_word(p, "accepted")))
		accept = true;
	else if ((rationale = govcmd_skip_word(p, "reject")) || (rationale = govcmd_skip_word(p, "rejected")))
		accept = false;
	else {
		reply_text(ctx->reply, "say accept or reject, then why; usage: ");
		reply_code(ctx->reply, decide_usage);
		goto cleanup;
	}
	if (!*rationale) {
		reply_text(ctx->reply, "a decision needs its rationale: the docs ask that every decision "
			   "be explained in public; usage: ");
		reply_code(ctx->reply, decide_usage);
		goto cleanup;
	}
	if (strlen(rationale) > GOV_MAX_TEXT) {
		reply_textf(ctx->reply, "the rationale is longer than %d bytes; shorten it (link to a "
			    "longer text if needed)", GOV_MAX_TEXT);
		goto cleanup;
	}
	if ((rc = store_begin(bot->store)) != STORE_OK) {
		ret = govcmd_store_failed(ctx, rc);
		goto cleanup;
	}
	/* re-check under the write lock: someone may have decided meanwhile */
	struct gov_item cur;
	rc = gov_item_get(bot->store, it.id, &cur);
	if (rc == 1) {
		struct buf why = BUF_INIT;
		int may = gov_may_decide(bot, &cur, ctx->caller->handle, &why);
		gov_item_release(&cur);
		if (may) {
			store_rollback(bot->store);
			reply_text(ctx->reply, buf_str(&why));
			buf_release(&why);
			ret = CMD_REFUSED;
			goto cleanup;
		}
		buf_release(&why);
	} else if (rc < 0) {
		ret = govcmd_store_failed(ctx, rc);
		goto cleanup;
	}
	int nmissing = gov_missing_fields(bot->store, &it, &missing);
	if (nmissing != 0) {
		store_rollback(bot->store);
		if (nmissing < 0) {
			ret = govcmd_store_failed(ctx, nmissing);
			goto cleanup;
		}
		reply_textf(ctx->reply, "%s %lld is incomplete, so it cannot be decided yet: it lacks %s. "
			    "The nominator adds them with ", gov_item_noun(&it), it.id, buf_str(&missing));
		reply_code(ctx->reply, "amend N FIELD: TEXT");
		reply_text(ctx->reply, ".");
		ret = CMD_REFUSED;
		goto cleanup;
	}
	struct gov_event ev[1];
	size_t nev = 0;
	if (accept)
		nev = accept_events(bot, &it, ev, &what);
	else
		buf_addf(&what, "The %s of @%s is not accepted; the roster stays as it is.",
			 gov_item_noun(&it), it.subject);
	const char *state = accept ? "accepted" : "rejected";
	buf_addf(&title, "Decision on %s %lld: %s", gov_item_noun(&it), it.id, state);
	buf_addf(&body, "%s Decided by @%s. Rationale: %s", buf_str(&what), ctx->caller->handle,
		 rationale);
	struct gov_decision d = {
		.item_id = it.id, .state = state, .by_id = ctx->caller->id,
		.by_handle = ctx->caller->handle, .rationale = rationale, .title = buf_str(&title),
		.body = buf_str(&body), .action = "decide", .events = ev, .nevents = nev,
	};
	long long did = 0;
	rc = gov_record_decision(bot, &d, bot_now(bot), &did);
	if (rc == STORE_OK)
		rc = store_commit(bot->store);
	if (rc != STORE_OK) {
		ret = govcmd_store_failed(ctx, rc);
		goto cleanup;
	}
	gov_roster_sync(bot);
	reply_textf(ctx->reply, "Recorded decision %lld on %s %lld: %s. %s", did, gov_item_noun(&it),
		    it.id, state, buf_str(&what));
	const char *targets[GOV_MAX_TARGETS];
	size_t nt = gov_announce_targets(bot, targets, ARRAY_SIZE(targets));
	reply_para(ctx->reply);
	reply_text(ctx->reply, "It is announced with its rationale on:");
	for (size_t i = 0; i < nt && i < ARRAY_SIZE(targets); i++)
		reply_textf(ctx->reply, "%s %s", i ? "," : "", targets[i]);
	reply_text(ctx->reply, ".");
	ret = CMD_OK;
cleanup:
	buf_release(&missing);
	buf_release(&what);
	buf_release(&title);
	buf_release(&body);
	gov_item_release(&it);
	return ret;
}

int auth_decide(struct command_ctx *ctx, struct buf *why)
{
	struct gov_item it;
	int rc = govcmd_hook_item(ctx, why, &it, decide_usage);
	if (rc)
		return rc;
	rc = gov_may_decide(ctx->bot, &it, ctx->caller->handle, why);
	gov_item_release(&it);
	return rc;
}
