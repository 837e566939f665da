/* cmd_votes.c - propose, vote, ballot: motions and lead elections.
 * The dispatcher runs auth_propose / auth_vote before the handlers; the
 * rules themselves live in chatbot/gov/motion.c and chatbot/gov/tally.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/gov/gov.h"
#include "chatbot/roster/lookup.h"
#include "chatbot/gov/motion.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"
#include "commands/govcmd.h"

/* Longest GitHub handle (GitHub allows 39). */
#define HANDLE_MAX 39

/* A parsed `propose`: kind, group, text and candidates. */
struct proposal {
	enum motion_kind kind;
	const struct roster_group *group;  /* MOTION_GROUP */
	char *text;                        /* owned */
	char **cands;                      /* owned, without '@' */
	size_t ncands;
	long long ref;                     /* MOTION_OVERRULE: the module motion */
	char *module;                      /* MOTION_MODULE_*: the heading (owned) */
	char *new_name;                    /* MOTION_MODULE_RENAME: the new heading (owned) */
};

static void proposal_release(struct proposal *p)
{
	free(p->text);
	free(p->module);
	free(p->new_name);
	for (size_t i = 0; i < p->ncands; i++)
		free(p->cands[i]);
	free(p->cands);
	memset(p, 0, sizeof(*p));
}

static bool handle_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* Reads "@handle" or "handle" at *s; separators are blanks, commas and '>'.
 * Returns a copy (caller frees), NULL at the end, or sets *bad (with why). */
static char *next_handle(const char **s, bool *bad, struct buf *why)
{
	const char *p = *s;
	while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == '>'))
		p++;
	if (!*p) {
		*s = p;
		return NULL;
	}
	const char *start = p;
	if (*p == '@')
		p++;
	const char *w = p;
	while (*p && handle_char((unsigned char)*p))
		p++;
	if (p == w || (size_t)(p - w) > HANDLE_MAX ||
	    (*p && !isspace((unsigned char)*p) && *p != ',' && *p != '>')) {
		const char *e = p;
		while (*e && !isspace((unsigned char)*e) && *e != ',' && *e != '>')
			e++;
		buf_addf(why, "\"%.*s\" is not a GitHub handle; write handles as @name",
			 (int)(e - start > 60 ? 60 : e - start), start);
		*bad = true;
		*s = e;
		return NULL;
	}
	*s = p;
	return xstrndup(w, (size_t)(p - w));
}

/* Reads a whole list of handles (at most max). 0, or CMD_ERROR with why. */
static int parse_handles(const char *s, char ***out, size_t *n, size_t max, struct buf *why)
{
	bool bad = false;
	char *h;
	*out = NULL;
	*n = 0;
	while ((h = next_handle(&s, &bad, why))) {
		if (*n == max) {
			free(h);
			buf_addf(why, "that is more than %zu names", max);
			return CMD_ERROR;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = h;
	}
	return bad ? CMD_ERROR : 0;
}

/* The first word of s (or a "quoted phrase") into out; *rest past it. */
static void first_word(const char *s, struct buf *out, const char **rest)
{
	s = str_skip_space(s);
	if (*s == '"') {
		const char *e = strchr(s + 1, '"');
		if (e) {
			buf_add(out, s + 1, (size_t)(e - s - 1));
			*rest = str_skip_space(e + 1);
			return;
		}
	}
	const char *e = s;
	while (*e && !isspace((unsigned char)*e))
		e++;
	buf_add(out, s, (size_t)(e - s));
	*rest = str_skip_space(e);
}

static const char propose_usage[] =
	"propose MODULE|core TEXT, propose remove-lead RATIONALE, propose elect-lead @a @b ..., "
	"propose overrule N RATIONALE, propose add-module NAME [(ALIASES)] RATIONALE, "
	"propose remove-module MODULE RATIONALE, or propose rename-module MODULE to NAME RATIONALE";

/* A new module's heading at s: NAME (one word, or a "quoted phrase") and
 * an optional "(ALIASES)" after it, as the roster writes headings.  Owned
 * result, or NULL with why. */
static char *parse_heading(const char *s, const char **rest, struct buf *why)
{
	struct buf name = BUF_INIT;
	first_word(s, &name, rest);
	if (!name.len) {
		buf_release(&name);
		buf_adds(why, "name the module");
		return NULL;
	}
	if (**rest == '(') {
		const char *close = strchr(*rest, ')');
		if (!close) {
			buf_release(&name);
			buf_adds(why, "the aliases need their closing parenthesis: NAME (alias, alias)");
			return NULL;
		}
		buf_addf(&name, " %.*s", (int)(close - *rest + 1), *rest);
		*rest = str_skip_space(close + 1);
	}
	return buf_detach(&name);
}

/* The module named at the start of s (several words allowed), its heading
 * copied; NULL with why. */
static char *parse_module(struct command_ctx *ctx, const char *s, const char **rest, struct buf *why)
{
	const struct roster_group *g = lookup_module_prefix(ctx->bot->roster, s, rest);
	if (!g) {
		struct buf w = BUF_INIT;
		const char *after;
		first_word(s, &w, &after);
		buf_addf(why, "there is no module \"%s\"; `modules` lists them", buf_str(&w));
		buf_release(&w);
		return NULL;
	}
	return xstrdup(g->title);
}

/* Parses ctx->args.  0, or CMD_ERROR with why. */
static int parse_propose(struct command_ctx *ctx, struct proposal *p, struct buf *why)
{
	struct buf word = BUF_INIT;
	const char *rest = "";
	int rc = CMD_ERROR;

	memset(p, 0, sizeof(*p));
	first_word(ctx->args, &word, &rest);
	/* "propose core: TEXT" reads like "propose core TEXT" */
	while (word.len && (word.data[word.len - 1] == ':' || word.data[word.len - 1] == ','))
		word.data[--word.len] = '\0';
	if (!word.len) {
		buf_addf(why, "say what to propose: %s", propose_usage);
		goto cleanup;
	}
	if (str_ieq(buf_str(&word), "elect-lead")) {
		p->kind = MOTION_ELECT_LEAD;
		p->text = xstrdup("");
		if (parse_handles(rest, &p->cands, &p->ncands, MOTION_MAX_CANDIDATES, why))
			goto cleanup;
		if (p->ncands < 2) {
			buf_adds(why, "name at least two candidates: propose elect-lead @a @b ...");
			goto cleanup;
		}
		rc = 0;
		goto cleanup;
	}
	if (str_ieq(buf_str(&word), "add-module") || str_ieq(buf_str(&word), "remove-module") ||
	    str_ieq(buf_str(&word), "rename-module")) {
		bool add = str_ieq(buf_str(&word), "add-module");
		bool rename = str_ieq(buf_str(&word), "rename-module");
		p->kind = add ? MOTION_MODULE_ADD : rename ? MOTION_MODULE_RENAME : MOTION_MODULE_REMOVE;
		p->module = add ? parse_heading(rest, &rest, why) : parse_module(ctx, rest, &rest, why);
		if (!p->module)
			goto cleanup;
		if (rename) {
			const char *to = govcmd_skip_word(rest, "to");
			if (!to || !(p->new_name = parse_heading(to, &rest, why))) {
				if (!why->len)
					buf_adds(why, "say the new name: propose rename-module MODULE to NAME "
						 "RATIONALE");
				goto cleanup;
			}
		}
		if (!*rest) {
			buf_addf(why, "a module proposal needs its rationale (why the change is needed, who "
				 "maintains it): propose %s", add ? "add-module NAME [(ALIASES)] RATIONALE"
				 : rename ? "rename-module MODULE to NAME RATIONALE"
				 : "remove-module MODULE RATIONALE");
			goto cleanup;
		}
	} else if (str_ieq(buf_str(&word), "overrule")) {
		p->kind = MOTION_OVERRULE;
		if (gov_parse_number(rest, &p->ref, &rest) < 0) {
			buf_adds(why, "name the module motion to overrule: propose overrule N RATIONALE");
			goto cleanup;
		}
		if (!*rest) {
			buf_adds(why, "an overrule needs its rationale: propose overrule N RATIONALE");
			goto cleanup;
		}
	} else if (str_ieq(buf_str(&word), "remove-lead"))
		p->kind = MOTION_REMOVE_LEAD;
	else if (str_ieq(buf_str(&word), "core"))
		p->kind = MOTION_CORE;
	else {
		const char *suggestion = NULL;
		p->kind = MOTION_GROUP;
		p->group = lookup_module_prefix(ctx->bot->roster, ctx->args, &rest);
		if (!p->group)
			p->group = lookup_module(ctx->bot->roster, buf_str(&word), &suggestion);
		if (!p->group) {
			buf_addf(why, "there is no module \"%s\"", buf_str(&word));
			if (suggestion)
				buf_addf(why, "; did you mean %s?", suggestion);
			else
				buf_adds(why, "; `modules` lists them");
			buf_addf(why, " (usage: %s)", propose_usage);
			goto cleanup;
		}
	}
	if (!*rest) {
		buf_adds(why, p->kind == MOTION_REMOVE_LEAD
			 ? "give the rationale: propose remove-lead RATIONALE"
			 : "give the motion's text: propose MODULE|core TEXT");
		goto cleanup;
	}
	if (strlen(rest) > MOTION_MAX_TEXT) {
		buf_addf(why, "that text is %zu bytes; the limit is %d", strlen(rest), MOTION_MAX_TEXT);
		goto cleanup;
	}
	p->text = xstrdup(rest);
	rc = 0;
cleanup:
	buf_release(&word);
	if (rc)
		proposal_release(p);
	return rc;
}

int auth_propose(struct command_ctx *ctx, struct buf *why)
{
	struct proposal p;
	const char *h = ctx->caller->handle;
	int rc = parse_propose(ctx, &p, why);
	if (rc)
		return rc;
	rc = CMD_REFUSED;
	if (p.kind == MOTION_MODULE_ADD || p.kind == MOTION_MODULE_REMOVE ||
	    p.kind == MOTION_MODULE_RENAME) {
		rc = 0;   /* anyone proposes a module change; the core maintainers vote on it */
	} else if (p.kind == MOTION_GROUP) {
		if (h && roster_in_group(p.group, h, NULL)) {
			rc = 0;
		} else {
			buf_addf(why, "only the active maintainers of %s propose its motions; ",
				 p.group->title);
			if (h)
				buf_addf(why, "@%s is not one of them", h);
			else
				buf_adds(why, "you are mapped to no handle");
			buf_adds(why, ". A core maintainer can put it to the core maintainers with "
				 "`propose core TEXT`");
		}
	} else if (h && roster_is_core(ctx->bot->roster, h)) {
		rc = 0;
	} else {
		buf_addf(why, "only the core maintainers %s; ",
			 p.kind == MOTION_REMOVE_LEAD ? "propose removing the lead"
			 : p.kind == MOTION_ELECT_LEAD ? "open a lead election"
			 : p.kind == MOTION_OVERRULE ? "overrule a module decision" : "propose core motions");
		if (h)
			buf_addf(why, "@%s is not one of them (`core` lists them)", h);
		else
			buf_adds(why, "you are mapped to no handle (a core maintainer can `link` you)");
	}
	proposal_release(&p);
	return rc;
}

int cmd_propose(struct command_ctx *ctx)
{
	struct proposal p;
	struct buf why = BUF_INIT, done = BUF_INIT;
	long long id = 0;
	int rc = parse_propose(ctx, &p, &why);
	if (rc)
		goto cleanup;
	/* closing what is due (below) may change the roster, module headings
	 * included: keep our own copy of the group's name, no roster pointer */
	if (p.group && !p.module)
		p.module = xstrdup(p.group->title);
	p.group = NULL;
	struct motion_open_req req = {
		.kind = p.kind,
		.group = p.module,
		.new_name = p.new_name,
		.text = p.text,
		.candidates = (const char *const *)p.cands,
		.ncandidates = p.ncands,
		.by_id = ctx->caller->id,
		.by_handle = ctx->caller->handle,
		.ref = p.ref,
	};
	struct gov_ctx *g = bot_gov(ctx->bot);
	motion_close_expired(g, gov_now(g));
	rc = govcmd_result(motion_open(g, &req, &id, &done, &why));
	proposal_release(&p);
cleanup:
	reply_text(ctx->reply, rc ? buf_str(&why) : buf_str(&done));
	buf_release(&why);
	buf_release(&done);
	return rc;
}

/* "N" at the start of args; CMD_ERROR with why when missing. */
static int parse_item(const char *args, long long *id, const char **rest, const char *usage,
		      struct buf *why)
{
	if (gov_parse_number(args, id, rest) < 0 || *id <= 0) {
		buf_addf(why, "which item? %s", usage);
		return CMD_ERROR;
	}
	return 0;
}

static const char vote_usage[] = "vote N yes|no|abstain";
static const char ballot_usage[] = "ballot N @a > @b > @c";

int auth_vote(struct command_ctx *ctx, struct buf *why)
{
	bool ballot = strcmp(ctx->cmd->name, "ballot") == 0;
	long long id;
	const char *rest;
	int rc = parse_item(ctx->args, &id, &rest, ballot ? ballot_usage : vote_usage, why);
	if (rc)
		return rc;
	return govcmd_result(motion_check_voter(bot_gov(ctx->bot), id, ctx->caller->handle, ballot,
						why));
}

int cmd_vote(struct command_ctx *ctx)
{
	struct buf why = BUF_INIT, out = BUF_INIT, word = BUF_INIT;
	long long id;
	const char *rest;
	int rc = parse_item(ctx->args, &id, &rest, vote_usage, &why);
	if (rc)
		goto cleanup;
	first_word(rest, &word, &rest);
	/* "vote 9 yes." and "vote 9 yes!" */
	while (word.len && (word.data[word.len - 1] == '.' || word.data[word.len - 1] == '!'))
		word.data[--word.len] = '\0';
	const char *v = buf_str(&word);
	const char *vote = str_ieq(v, "yes") ? "yes" : str_ieq(v, "no") ? "no"
			 : str_ieq(v, "abstain") ? "abstain" : NULL;
	if (!vote || *rest) {
		buf_addf(&why, "a vote is one word, yes, no or abstain: vote %lld yes", id);
		rc = CMD_ERROR;
		goto cleanup;
	}
	rc = govcmd_result(motion_vote(bot_gov(ctx->bot), id, ctx->caller->id, ctx->caller->handle,
				       vote, &out, &why));
cleanup:
	reply_text(ctx->reply, rc ? buf_str(&why) : buf_str(&out));
	buf_release(&why);
	buf_release(&out);
	buf_release(&word);
	return rc;
}

int cmd_ballot(struct command_ctx *ctx)
{
	struct buf why = BUF_INIT, out = BUF_INIT;
	char **ranking = NULL;
	size_t n = 0;
	long long id;
	const char *rest;
	int rc = parse_item(ctx->args, &id, &rest, ballot_usage, &why);
	if (rc)
		goto cleanup;
	rc = parse_handles(rest, &ranking, &n, MOTION_MAX_CANDIDATES, &why);
	if (!rc && !n) {
		buf_addf(&why, "rank at least one candidate, most preferred first: "
			 "ballot %lld @a > @b > @c", id);
		rc = CMD_ERROR;
	}
	if (rc) {
		buf_adds(&why, ". Your ballot was not recorded");
		goto cleanup;
	}
	rc = govcmd_result(motion_ballot(bot_gov(ctx->bot), id, ctx->caller->id, ctx->caller->handle,
					 (const char *const *)ranking, n, &out, &why));
cleanup:
	reply_text(ctx->reply, rc ? buf_str(&why) : buf_str(&out));
	for (size_t i = 0; i < n; i++)
		free(ranking[i]);
	free(ranking);
	buf_release(&why);
	buf_release(&out);
	return rc;
}

/* ---- escalate ---- */

static const char escalate_usage[] = "escalate N";

int auth_escalate(struct command_ctx *ctx, struct buf *why)
{
	struct gov_item it;
	int rc = govcmd_hook_item(ctx, why, &it, escalate_usage);
	if (rc)
		return rc;
	rc = govcmd_result(gov_may_escalate(bot_gov(ctx->bot), &it, ctx->caller->handle, why));
	gov_item_release(&it);
	return rc;
}

int cmd_escalate(struct command_ctx *ctx)
{
	struct gov_item it;
	const char *rest;
	struct buf why = BUF_INIT, done = BUF_INIT;
	int rc = govcmd_load_item(ctx, &it, &rest, escalate_usage);
	if (rc <= 0)
		return rc < 0 ? govcmd_store_failed(ctx, rc) : CMD_ERROR;
	struct motion_open_req req = {
		.kind = MOTION_CORE,
		.text = it.text ? it.text : "",
		.by_id = ctx->caller->id,
		.by_handle = ctx->caller->handle,
		.ref = it.id,
	};
	long long id = 0;
	rc = govcmd_result(motion_open(bot_gov(ctx->bot), &req, &id, &done, &why));
	reply_text(ctx->reply, rc ? buf_str(&why) : buf_str(&done));
	buf_release(&why);
	buf_release(&done);
	gov_item_release(&it);
	return rc;
}
