/* govcmd.c - see govcmd.h. */
#include "commands/govcmd.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "chatbot/gov/motion.h"

int govcmd_result(int gov_result)
{
	switch (gov_result) {
	case GOV_OK:
		return CMD_OK;
	case GOV_BAD:
		return CMD_ERROR;
	case GOV_REFUSED:
		return CMD_REFUSED;
	default:
		return CMD_FAILED;
	}
}

void govcmd_describe_item(struct reply *r, const struct gov_item *it)
{
	bool core = it->grp && strcmp(it->grp, GOV_CORE) == 0;
	if (gov_kind_is_vote(it->kind)) {
		if (strcmp(it->kind, GOV_ELECT_LEAD) == 0)
			reply_text(r, "election of the lead core maintainer");
		else if (strcmp(it->kind, GOV_REMOVE_LEAD) == 0)
			reply_text(r, "motion to remove the lead core maintainer");
		else if (strcmp(it->kind, GOV_MODULE_ADD) == 0)
			reply_textf(r, "motion of the core maintainers to add the module %s: %s",
				    it->grp ? it->grp : "?", it->text ? it->text : "");
		else if (strcmp(it->kind, GOV_MODULE_REMOVE) == 0)
			reply_textf(r, "motion of the core maintainers to remove the module %s: %s",
				    it->grp ? it->grp : "?", it->text ? it->text : "");
		else if (strcmp(it->kind, GOV_MODULE_RENAME) == 0)
			reply_textf(r, "motion of the core maintainers to rename the module %s to %s: %s",
				    it->grp ? it->grp : "?", it->subject_name ? it->subject_name : "?",
				    it->text ? it->text : "");
		else if (strcmp(it->kind, GOV_OVERRULE) == 0)
			reply_textf(r, "motion of the core maintainers to overrule module motion %lld: %s",
				    it->ref, it->text ? it->text : "");
		else
			reply_textf(r, "motion of %s: %s", core ? "the core maintainers" :
				    (it->grp ? it->grp : "?"), it->text ? it->text : "");
		return;
	}
	reply_textf(r, "%s of ", gov_item_noun(it));
	reply_handle(r, it->subject ? it->subject : "?");
	if (strcmp(it->kind, GOV_STEP_DOWN_LEAD) == 0)
		reply_text(r, " as the lead core maintainer");
	else if (strcmp(it->kind, GOV_NOMINATE_CORE) == 0)
		reply_text(r, " as a core maintainer");
	else if (strcmp(it->kind, GOV_NOMINATE_MODULE) == 0)
		reply_textf(r, " as a maintainer of %s", it->grp ? it->grp : "?");
	else
		reply_textf(r, " from %s", core ? "the core maintainers" : (it->grp ? it->grp : "?"));
}

int govcmd_describe_motion(const struct gov_ctx *g, long long id, struct reply *r)
{
	struct motion_view v;
	char when[64];
	int rc = motion_view_get(g, id, &v);
	if (rc != GOV_OK)
		return rc;
	/* `show N` has printed the item's heading, opener, recusals and
	 * decisions already: this adds what only a vote has */
	reply_para(r);
	if (v.election) {
		reply_text(r, "Candidates (instant-runoff):");
		for (size_t i = 0; i < v.ncandidates; i++) {
			reply_text(r, i ? ", " : " ");
			reply_handle(r, v.candidates[i]);
		}
		reply_text(r, ". ");
	}
	if (strcmp(v.item.state, "open") == 0) {
		gov_format_time(v.item.deadline, when, sizeof(when));
		reply_textf(r, "It closes as soon as it is decided, or on %s.", when);
	}
	reply_para(r);
	reply_textf(r, "Electorate (%zu, %s):", v.nelectorate, v.electorate_words);
	size_t cast = 0;
	for (size_t i = 0; i < v.nelectorate; i++) {
		reply_item(r);
		reply_handle(r, v.electorate[i]);
		cast += v.votes[i] != NULL;
		if (v.election)
			reply_text(r, v.votes[i] ? ": ballot cast" : ": no ballot yet");
		else
			reply_textf(r, ": %s", v.votes[i] ? v.votes[i] : "not voted");
	}
	reply_para(r);
	if (v.election)
		reply_textf(r, "%zu of %zu ballots cast.", cast, v.nelectorate);
	else
		reply_textf(r, "Yes %d, no %d, abstain %d; %d yes vote%s needed (%s).", v.yes, v.no,
			    v.abstain, v.needed, v.needed == 1 ? "" : "s", v.rule);
	motion_view_release(&v);
	return GOV_OK;
}

int govcmd_no_store(struct command_ctx *ctx)
{
	reply_text(ctx->reply, "governance commands need the database, and none is open; "
		   "run govbot with a config that names a writable \"database\"");
	return CMD_FAILED;
}

int govcmd_store_failed(struct command_ctx *ctx, int rc)
{
	struct store *s = ctx->bot->store;
	if (store_in_tx(s))
		store_rollback(s);
	reply_reset(ctx->reply);
	reply_text(ctx->reply, store_rc_text(rc == STORE_OK ? STORE_ERR : rc));
	return CMD_FAILED;
}

/* Skips the word w (case-insensitive) followed by a blank; NULL when absent. */
const char *govcmd_skip_word(const char *p, const char *w)
{
	p = str_skip_space(p);
	size_t n = strlen(w);
	if (!str_ieqn(p, w, n) || (p[n] && !isspace((unsigned char)p[n])))
		return NULL;
	return str_skip_space(p + n);
}

void govcmd_code_n(struct reply *r, const char *fmt, long long id)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), fmt, id);
	reply_code(r, cmd);
}

/* Loads item N named at the start of args; writes the refusal when there
 * is none.  Returns 1 found, 0 (CMD_ERROR written) or a store error. */
int govcmd_load_item(struct command_ctx *ctx, struct gov_item *it, const char **rest,
		     const char *usage)
{
	long long id;
	if (gov_parse_number(ctx->args, &id, rest) < 0) {
		reply_text(ctx->reply, "which item? give its number; usage: ");
		reply_code(ctx->reply, usage);
		return 0;
	}
	int rc = gov_item_get(ctx->bot->store, id, it);
	if (rc == 0) {
		reply_textf(ctx->reply, "there is no nomination or motion %lld; ", id);
		reply_code(ctx->reply, "nominations all");
		reply_text(ctx->reply, " lists them");
	}
	return rc;
}

/* Loads N for a hook: CMD_ERROR with why when malformed or unknown. */
int govcmd_hook_item(struct command_ctx *ctx, struct buf *why, struct gov_item *it, const char *usage)
{
	long long id;
	if (!ctx->bot->store) {
		buf_adds(why, "governance commands need the database, and none is open");
		return CMD_REFUSED;
	}
	if (gov_parse_number(ctx->args, &id, NULL) < 0) {
		buf_addf(why, "which item? give its number; usage: %s", usage);
		return CMD_ERROR;
	}
	int rc = gov_item_get(ctx->bot->store, id, it);
	if (rc == 1)
		return 0;
	if (rc == 0)
		buf_addf(why, "there is no nomination or motion %lld; `nominations all` lists them", id);
	else
		buf_adds(why, store_rc_text(rc));
	return rc == 0 ? CMD_ERROR : CMD_REFUSED;
}

void govcmd_clean_arg(const char *in, char *out, size_t cap)
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
