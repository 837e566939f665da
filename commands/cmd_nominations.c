/*
 * cmd_nominations.c - nominations, removals, step-downs, amendments,
 * letters and recusals (contract "Commands"; rules in chatbot/gov/gov.h).
 * `decide` is in cmd_decide.c, the reading commands in cmd_decisions.c.
 *
 * The handlers parse and render; the writes (each one store transaction
 * with its audit row) are chatbot/gov/nomination.c's.  A database that is
 * busy or unwritable gives CMD_FAILED and changes nothing.
 * Permissions are in the dispatcher (role column) and in the authorize
 * hooks at the end of this file (auth_decide: cmd_decide.c); handlers
 * assume they may act.
 */
#include "commands/commands.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chatbot/gov/gov.h"
#include "chatbot/gov/nomination.h"
#include "chatbot/gov/office.h"
#include "commands/govcmd.h"
#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"

#define HANDLE_MAX 39

/* The labels a nomination takes: the three required fields, then the
 * optional full name of a newcomer (for the roster entry). */
static const char *const field_names[] = { "contributions", "interactions", "support", "name" };
#define NFIELDS 3                /* required fields: field_names[0..NFIELDS) */
#define NLABELS 4
#define LABEL_NAME 3

/* ---- small helpers ------------------------------------------------------ */

/* Parses "@handle" or "handle" (GitHub syntax: letters, digits, single
 * hyphens inside, at most 39) into out; *rest points past it.  -1 when
 * malformed. */
static int parse_handle(const char *p, char *out, size_t n, const char **rest)
{
	p = str_skip_space(p);
	if (*p == '@')
		p++;
	size_t len = 0;
	while (p[len] && !isspace((unsigned char)p[len]))
		len++;
	if (len == 0 || len > HANDLE_MAX || len >= n || p[0] == '-' || p[len - 1] == '-')
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!isalnum(c) && c != '-')
			return -1;
		if (c == '-' && p[i + 1] == '-')
			return -1;
	}
	memcpy(out, p, len);
	out[len] = '\0';
	if (rest)
		*rest = str_skip_space(p + len);
	return 0;
}

/* The handle as the roster writes it, when the roster knows the person. */
static const char *canonical_handle(const struct roster *r, const char *h)
{
	const struct roster_person *p = roster_find_person(r, h);
	return p && p->handle ? p->handle : h;
}

static void bad_handle(struct command_ctx *ctx, const char *usage)
{
	reply_text(ctx->reply, "that is not a GitHub handle (letters, digits and single hyphens, "
		   "at most 39); usage: ");
	reply_code(ctx->reply, usage);
}

/* "core", or a module of the roster.  NULL with the refusal written. */
static const struct roster_group *find_group(struct command_ctx *ctx, const char *name, bool *core)
{
	*core = str_ieq(name, "core") || str_ieq(name, "core maintainers");
	if (*core)
		return roster_core_group(ctx->bot->roster);
	const char *sugg = NULL;
	const struct roster_group *g = lookup_module(ctx->bot->roster, name, &sugg);
	if (g)
		return g;
	reply_text(ctx->reply, "no module or library is called ");
	reply_code(ctx->reply, name);
	if (sugg) {
		reply_text(ctx->reply, "; did you mean ");
		reply_code(ctx->reply, sugg);
		reply_text(ctx->reply, "?");
	}
	reply_text(ctx->reply, " (");
	reply_code(ctx->reply, "modules");
	reply_text(ctx->reply, " lists them; use ");
	reply_code(ctx->reply, "core");
	reply_text(ctx->reply, " for the core maintainers)");
	return NULL;
}

/* Splits "MODULE REST" where MODULE is "core" or a module named by one or
 * several words (lookup_module_prefix).  NULL with the refusal written. */
static const struct roster_group *find_group_prefix(struct command_ctx *ctx, const char *p,
						    bool *core, const char **rest)
{
	p = str_skip_space(p);
	size_t n = 0;
	while (p[n] && !isspace((unsigned char)p[n]))
		n++;
	char *first = xstrndup(p, n);
	const struct roster_group *g = NULL;
	*core = str_ieq(first, "core");
	if (*core) {
		*rest = str_skip_space(p + n);
		g = roster_core_group(ctx->bot->roster);
	} else if (!(g = lookup_module_prefix(ctx->bot->roster, p, rest))) {
		/* nothing matched: report on the first word */
		g = find_group(ctx, *first ? first : "(nothing)", core);
	}
	free(first);
	return g;
}

/* Finds "contributions:", "interactions:", "support:" at a word start in p;
 * returns the index of the label (or -1) and its position. */
static int next_label(const char *p, const char **at, const char **text)
{
	for (const char *q = p; *q; q++) {
		if (q != p && !isspace((unsigned char)q[-1]))
			continue;
		for (int i = 0; i < NLABELS; i++) {
			size_t n = strlen(field_names[i]);
			if (str_ieqn(q, field_names[i], n) && q[n] == ':') {
				*at = q;
				*text = q + n + 1;
				return i;
			}
		}
	}
	return -1;
}

/* Parses the fields of p into vals[] (malloc'd, trimmed).  Returns 0, or -1
 * with the refusal written (a field twice, empty or too long). */
static int parse_fields(struct command_ctx *ctx, const char *p, char *vals[NLABELS])
{
	const char *at, *text;
	int i = next_label(p, &at, &text);
	while (i >= 0) {
		const char *nat, *ntext;
		int j = next_label(text, &nat, &ntext);
		size_t len = j >= 0 ? (size_t)(nat - text) : strlen(text);
		char *v = str_trim_dup(text, len);
		if (vals[i]) {
			reply_textf(ctx->reply, "%s: is given twice; give each field once", field_names[i]);
			free(v);
			return -1;
		}
		if (i == LABEL_NAME && (strlen(v) > GOV_MAX_NAME || strpbrk(v, "\n\r[]()"))) {
			reply_textf(ctx->reply, "name: takes the nominee's full name on one line, at most "
				    "%d bytes, without brackets or parentheses", GOV_MAX_NAME);
			free(v);
			return -1;
		}
		if (!*v || strlen(v) > GOV_MAX_TEXT) {
			reply_textf(ctx->reply, *v ? "%s: is longer than %d bytes; shorten it (link to a "
				    "longer text if needed)" : "%s: is empty; write the text after the colon",
				    field_names[i], GOV_MAX_TEXT);
			free(v);
			return -1;
		}
		vals[i] = v;
		i = j;
		text = ntext;
	}
	return 0;
}

/* The command that shows handle's roles, as one code span: `who @handle`. */
static void who_hint(struct reply *r, const char *handle)
{
	struct buf cmd = BUF_INIT;
	buf_addf(&cmd, "who @%s", handle);
	reply_code(r, buf_str(&cmd));
	buf_release(&cmd);
}

static void say_missing(struct reply *r, long long id, const char *missing)
{
	reply_para(r);
	reply_textf(r, "Still missing: %s. The nominator adds them with ", missing);
	govcmd_code_n(r, "amend %lld FIELD: TEXT", id);   /* the real number, not N */
	reply_text(r, "; only a complete nomination can be decided.");
}

/* The answer to a write that gov refused or failed (nomination.h). */
static int write_refused(struct command_ctx *ctx, int res, long long id,
			 const struct nomination_done *done)
{
	if (res == GOV_FAILED)
		return govcmd_store_failed(ctx, done->store_rc);
	reply_reset(ctx->reply);
	reply_textf(ctx->reply, "%lld was closed a moment ago (%s); nothing was changed", id,
		    done->closed);
	return CMD_REFUSED;
}

/* ---- opening items ------------------------------------------------------ */

static const char nominate_usage[] =
	"nominate @handle for MODULE|core contributions: ... interactions: ... support: ...";

int cmd_nominate(struct command_ctx *ctx)
{
	struct govbot *bot = ctx->bot;
	char handle[64];
	const char *p;
	char *vals[NLABELS] = { NULL, NULL, NULL, NULL };
	char *grpname = NULL;
	int ret = CMD_ERROR, rc;
	if (!bot->store)
		return govcmd_no_store(ctx);
	if (parse_handle(ctx->args, handle, sizeof(handle), &p) < 0) {
		bad_handle(ctx, nominate_usage);
		return CMD_ERROR;
	}
	if (!(p = govcmd_skip_word(p, "for"))) {
		reply_text(ctx->reply, "say which group the nomination is for; usage: ");
		reply_code(ctx->reply, nominate_usage);
		return CMD_ERROR;
	}
	/* the group runs to the end of the line or the first field label */
	const char *at, *text, *end = strchr(p, '\n');
	if (next_label(p, &at, &text) >= 0 && (!end || at < end))
		end = at;
	grpname = str_trim_dup(p, end ? (size_t)(end - p) : strlen(p));
	if (!*grpname) {
		reply_text(ctx->reply, "say which module (or core) the nomination is for; usage: ");
		reply_code(ctx->reply, nominate_usage);
		goto cleanup;
	}
	bool core;
	const struct roster_group *g = find_group(ctx, grpname, &core);
	if (!g && !core)
		goto cleanup;
	if (parse_fields(ctx, end ? end : "", vals) < 0)
		goto cleanup;

	const char *who = canonical_handle(bot->roster, handle);
	const char *grp = core ? GOV_CORE : g->title;
	const char *kind = core ? GOV_NOMINATE_CORE : GOV_NOMINATE_MODULE;
	ret = CMD_REFUSED;
	if (!core && roster_group_kind(bot->roster, g) == ROSTER_SUNSET) {
		reply_textf(ctx->reply, "%s is a sunsetted module: it takes no new maintainers (", grp);
		reply_code(ctx->reply, "modules");
		reply_text(ctx->reply, " lists the active ones)");
		goto cleanup;
	}
	if (core ? roster_is_core(bot->roster, who) : roster_in_group(g, who, NULL)) {
		reply_handle(ctx->reply, who);
		reply_textf(ctx->reply, " is already %s%s; nothing to nominate (",
			    core ? "a core maintainer" : "an active maintainer of ", core ? "" : grp);
		who_hint(ctx->reply, who);
		reply_text(ctx->reply, " shows their roles)");
		goto cleanup;
	}
	struct nomination_field fields[NFIELDS];
	size_t nf = 0;
	for (int i = 0; i < NFIELDS; i++)
		if (vals[i])
			fields[nf++] = (struct nomination_field){ field_names[i], vals[i] };
	struct nomination_req req = {
		.kind = kind, .subject = who, .grp = grp, .subject_name = vals[LABEL_NAME],
		.fields = fields, .nfields = nf,
		.by_id = ctx->caller->id, .by_handle = ctx->caller->handle,
	};
	struct nomination_done done;
	rc = nomination_open(bot_gov(bot), &req, &done);
	if (rc == GOV_FAILED) {
		ret = govcmd_store_failed(ctx, done.store_rc);
		goto cleanup;
	}
	if (rc == GOV_REFUSED) {
		reply_textf(ctx->reply, "nomination %lld of ", done.id);
		reply_handle(ctx->reply, who);
		reply_textf(ctx->reply, " for %s is already open; support it with ", grp);
		govcmd_code_n(ctx->reply, "support %lld TEXT", done.id);
		reply_text(ctx->reply, ", or (if it is yours) complete it with ");
		govcmd_code_n(ctx->reply, "amend %lld FIELD: TEXT", done.id);
		goto cleanup;
	}
	long long id = done.id;
	struct gov_item it = { .kind = (char *)kind, .subject = (char *)who, .grp = (char *)grp };
	reply_textf(ctx->reply, "Opened nomination %lld: ", id);
	reply_handle(ctx->reply, who);
	reply_textf(ctx->reply, core ? " as a core maintainer." : " as a maintainer of %s.", grp);
	if (!roster_find_person(bot->roster, who)) {
		reply_text(ctx->reply, " (Not on the roster yet: a new maintainer");
		if (vals[LABEL_NAME])
			reply_textf(ctx->reply, ", listed as %s.)", vals[LABEL_NAME]);
		else {
			reply_text(ctx->reply, "; add their full name for the roster with ");
			govcmd_code_n(ctx->reply, "amend %lld name: Full Name", id);
			reply_text(ctx->reply, ".)");
		}
	}
	struct buf missing = BUF_INIT;
	it.id = id;
	if (gov_missing_fields(bot->store, &it, &missing) > 0) {
		say_missing(ctx->reply, id, buf_str(&missing));
	} else {
		reply_para(ctx->reply);
		reply_textf(ctx->reply, "It is complete and waits for %s: ", gov_decider(&it));
		govcmd_code_n(ctx->reply, "decide %lld accept|reject RATIONALE", id);
		reply_text(ctx->reply, ". Anyone can add letters with ");
		govcmd_code_n(ctx->reply, "support %lld TEXT", id);
		reply_text(ctx->reply, ".");
	}
	buf_release(&missing);
	ret = CMD_OK;
cleanup:
	for (int i = 0; i < NLABELS; i++)
		free(vals[i]);
	free(grpname);
	return ret;
}

/* Opens a removal of who from g (or core), self for a step-down. */
static int open_removal(struct command_ctx *ctx, const char *who, const struct roster_group *g,
			bool core, const char *reason, bool self)
{
	struct govbot *bot = ctx->bot;
	const char *grp = core ? GOV_CORE : g->title;
	const char *kind = core ? GOV_REMOVE_CORE : GOV_REMOVE_MODULE;
	const char *noun = self ? "step-down" : "removal";
	if (strlen(reason) > GOV_MAX_TEXT) {
		reply_textf(ctx->reply, "the reason is longer than %d bytes; shorten it", GOV_MAX_TEXT);
		return CMD_ERROR;
	}
	if (core && roster_is_lead(bot->roster, who)) {
		reply_handle(ctx->reply, who);
		reply_text(ctx->reply, " is the lead core maintainer: the lead leaves only by a motion of "
			   "the core maintainers (");
		reply_code(ctx->reply, "propose remove-lead RATIONALE");
		reply_text(ctx->reply, ", yes from at least 75% of the core maintainers other than the "
			   "lead); a new lead is elected after that");
		return CMD_REFUSED;
	}
	if (core ? !roster_is_core(bot->roster, who) : !roster_in_group(g, who, NULL)) {
		if (self) {
			reply_text(ctx->reply, "you (");
			reply_handle(ctx->reply, who);
			reply_text(ctx->reply, ") are not ");
		} else {
			reply_handle(ctx->reply, who);
			reply_text(ctx->reply, " is not ");
		}
		reply_textf(ctx->reply, core ? "a core maintainer" : "an active maintainer of %s", grp);
		reply_textf(ctx->reply, ", so there is nothing to %s; ", self ? "step down from" : "remove");
		who_hint(ctx->reply, who);
		reply_text(ctx->reply, " shows the current roles");
		return CMD_REFUSED;
	}
	struct nomination_req req = {
		.kind = kind, .subject = who, .grp = grp, .reason = reason, .self = self,
		.by_id = ctx->caller->id, .by_handle = ctx->caller->handle,
	};
	struct nomination_done done;
	int rc = nomination_open(bot_gov(bot), &req, &done);
	if (rc == GOV_FAILED)
		return govcmd_store_failed(ctx, done.store_rc);
	if (rc == GOV_REFUSED) {
		reply_textf(ctx->reply, "removal %lld of ", done.id);
		reply_handle(ctx->reply, who);
		reply_textf(ctx->reply, " from %s is already open; add to it with ", grp);
		govcmd_code_n(ctx->reply, "support %lld TEXT", done.id);
		reply_text(ctx->reply, " or ");
		govcmd_code_n(ctx->reply, "object %lld TEXT", done.id);
		return CMD_REFUSED;
	}
	long long id = done.id;
	struct gov_item it = { .id = id, .kind = (char *)kind, .subject = (char *)who,
			       .grp = (char *)grp, .text = (char *)reason, .self = self };
	reply_textf(ctx->reply, "Opened %s %lld: ", noun, id);
	reply_handle(ctx->reply, who);
	reply_textf(ctx->reply, " from %s. ", core ? "the core maintainers" : grp);
	reply_textf(ctx->reply, "It waits for %s: ", gov_decider(&it));
	govcmd_code_n(ctx->reply, "decide %lld accept|reject RATIONALE", id);
	reply_text(ctx->reply, "; letters go in with ");
	govcmd_code_n(ctx->reply, "support %lld TEXT", id);
	reply_text(ctx->reply, " and ");
	govcmd_code_n(ctx->reply, "object %lld TEXT", id);
	reply_text(ctx->reply, ".");
	return CMD_OK;
}

static const char removal_usage[] = "nominate-removal @handle from MODULE|core REASON";

int cmd_nominate_removal(struct command_ctx *ctx)
{
	char handle[64];
	const char *p, *reason;
	bool core;
	if (!ctx->bot->store)
		return govcmd_no_store(ctx);
	if (parse_handle(ctx->args, handle, sizeof(handle), &p) < 0) {
		bad_handle(ctx, removal_usage);
		return CMD_ERROR;
	}
	if (!(p = govcmd_skip_word(p, "from"))) {
		reply_text(ctx->reply, "say which group to remove them from; usage: ");
		reply_code(ctx->reply, removal_usage);
		return CMD_ERROR;
	}
	const struct roster_group *g = find_group_prefix(ctx, p, &core, &reason);
	if (!g && !core)
		return CMD_ERROR;
	char *why = str_trim_dup(reason, strlen(reason));
	int rc;
	if (!*why) {
		reply_text(ctx->reply, "a removal needs its reason (activity, conduct, a conflict of "
			   "interest, ...); usage: ");
		reply_code(ctx->reply, removal_usage);
		rc = CMD_ERROR;
	} else {
		rc = open_removal(ctx, canonical_handle(ctx->bot->roster, handle), g, core, why, false);
	}
	free(why);
	return rc;
}

/* `step-down lead [REASON]`: the lead resigns the lead role. */
static int step_down_lead(struct command_ctx *ctx, const char *reason)
{
	if (strlen(reason) > GOV_MAX_TEXT) {
		reply_textf(ctx->reply, "the reason is longer than %d bytes; shorten it", GOV_MAX_TEXT);
		return CMD_ERROR;
	}
	struct buf why = BUF_INIT;
	long long id = 0;
	int rc = office_lead_step_down(bot_gov(ctx->bot), ctx->caller->id, ctx->caller->handle, reason,
				       &id, &why);
	if (rc != GOV_OK) {
		reply_text(ctx->reply, buf_str(&why));
		buf_release(&why);
		return govcmd_result(rc);
	}
	buf_release(&why);
	reply_textf(ctx->reply, "Recorded (#%lld): you step down as the lead core maintainer and stay a "
		    "core maintainer. The office is vacant; it is announced, and a core maintainer "
		    "opens the election with ", id);
	reply_code(ctx->reply, "propose elect-lead @a @b ...");
	reply_text(ctx->reply, ".");
	return CMD_OK;
}

int auth_step_down(struct command_ctx *ctx, struct buf *why)
{
	/* `step-down lead` is the lead's alone; the rule is office_lead_step_down's
	 * and is checked there under the write lock as well */
	if (govcmd_skip_word(ctx->args, "lead") || str_ieq(ctx->args, "lead"))
		return govcmd_result(gov_may_step_down_lead(bot_gov(ctx->bot), ctx->caller->handle, why));
	return 0;
}

int cmd_step_down(struct command_ctx *ctx)
{
	const char *reason;
	bool core;
	if (!ctx->bot->store)
		return govcmd_no_store(ctx);
	if (!*ctx->args) {
		reply_text(ctx->reply, "say what you step down from; usage: ");
		reply_code(ctx->reply, "step-down MODULE|core [REASON]");
		return CMD_ERROR;
	}
	const char *lead_reason = govcmd_skip_word(ctx->args, "lead");
	if (lead_reason || str_ieq(ctx->args, "lead"))
		return step_down_lead(ctx, lead_reason ? lead_reason : "");
	const struct roster_group *g = find_group_prefix(ctx, ctx->args, &core, &reason);
	if (!g && !core)
		return CMD_ERROR;
	char *why = str_trim_dup(reason, strlen(reason));
	if (!*why) {
		free(why);
		why = xstrdup("stepping down at their own request");
	}
	int rc = open_removal(ctx, canonical_handle(ctx->bot->roster, ctx->caller->handle), g, core,
			      why, true);
	free(why);
	return rc;
}

/* ---- changing open items ------------------------------------------------ */

int cmd_amend(struct command_ctx *ctx)
{
	struct govbot *bot = ctx->bot;
	struct gov_item it;
	const char *p;
	int rc = govcmd_load_item(ctx, &it, &p, "amend N FIELD: TEXT");
	if (rc <= 0)
		return rc < 0 ? govcmd_store_failed(ctx, rc) : CMD_ERROR;
	int ret = CMD_ERROR;
	bool removal = gov_kind_is_removal(it.kind);
	char *vals[NLABELS] = { NULL, NULL, NULL, NULL };
	char *reason = NULL;
	if (removal) {
		const char *q = govcmd_skip_word(p, "reason:");
		if (!q && str_istarts(p, "reason:"))
			q = p + 7;
		reason = q ? str_trim_dup(q, strlen(q)) : NULL;
		if (!reason || !*reason || strlen(reason) > GOV_MAX_TEXT) {
			reply_text(ctx->reply, "a removal has one field, its reason; usage: ");
			govcmd_code_n(ctx->reply, "amend %lld reason: TEXT", it.id);
			reply_textf(ctx->reply, " (at most %d bytes)", GOV_MAX_TEXT);
			goto cleanup;
		}
	} else {
		const char *at, *text;
		if (next_label(p, &at, &text) < 0 || str_skip_space(p) != at) {
			reply_text(ctx->reply, "name the field: contributions, interactions, support (or the "
				   "nominee's name); usage: ");
			govcmd_code_n(ctx->reply, "amend %lld FIELD: TEXT", it.id);
			goto cleanup;
		}
		if (parse_fields(ctx, p, vals) < 0)
			goto cleanup;
	}
	struct nomination_field fields[NLABELS];
	size_t nf = 0;
	struct buf what = BUF_INIT;
	if (removal)
		buf_adds(&what, "reason");
	size_t given = 0;
	for (int i = 0; !removal && i < NLABELS; i++)
		given += vals[i] != NULL;
	for (int i = 0; !removal && i < NLABELS; i++) {
		if (!vals[i])
			continue;
		fields[nf++] = (struct nomination_field){ field_names[i], vals[i] };
		/* "contributions, interactions and support" */
		buf_addf(&what, "%s%s", !what.len ? "" : nf == given ? " and " : ", ", field_names[i]);
	}
	struct nomination_amend am = {
		.reason = removal ? reason : NULL, .fields = fields, .nfields = nf,
		.by_id = ctx->caller->id, .by_handle = ctx->caller->handle,
	};
	struct nomination_done done;
	rc = nomination_amend(bot_gov(bot), it.id, &am, &done);
	if (rc != GOV_OK) {
		buf_release(&what);
		ret = write_refused(ctx, rc, it.id, &done);
		goto cleanup;
	}
	reply_textf(ctx->reply, "Updated %s of %s %lld.", buf_str(&what), gov_item_noun(&it), it.id);
	buf_release(&what);
	if (removal) {
		free(it.text);
		it.text = xstrdup(reason);
	}
	struct buf missing = BUF_INIT;
	if (gov_missing_fields(bot->store, &it, &missing) > 0)
		say_missing(ctx->reply, it.id, buf_str(&missing));
	else
		reply_textf(ctx->reply, " It is complete and waits for %s.", gov_decider(&it));
	buf_release(&missing);
	ret = CMD_OK;
cleanup:
	for (int i = 0; i < NLABELS; i++)
		free(vals[i]);
	free(reason);
	gov_item_release(&it);
	return ret;
}

static int add_letter(struct command_ctx *ctx, const char *kind)
{
	struct govbot *bot = ctx->bot;
	struct gov_item it;
	const char *p;
	char usage[32];
	snprintf(usage, sizeof(usage), "%s N TEXT", kind);
	if (!bot->store)
		return govcmd_no_store(ctx);
	int rc = govcmd_load_item(ctx, &it, &p, usage);
	if (rc <= 0)
		return rc < 0 ? govcmd_store_failed(ctx, rc) : CMD_ERROR;
	int ret = CMD_REFUSED;
	if (gov_kind_is_vote(it.kind)) {
		reply_textf(ctx->reply, "%lld is a %s: it takes votes, not letters (", it.id,
			    gov_item_noun(&it));
		govcmd_code_n(ctx->reply, "show %lld", it.id);
		reply_text(ctx->reply, " shows it)");
		goto cleanup;
	}
	if (strcmp(it.state, "open") != 0) {
		reply_textf(ctx->reply, "%s %lld is closed (%s); letters go to open items only",
			    gov_item_noun(&it), it.id, it.state);
		goto cleanup;
	}
	ret = CMD_ERROR;
	if (!*p || strlen(p) > GOV_MAX_TEXT) {
		reply_textf(ctx->reply, *p ? "the letter is longer than %d bytes; shorten it" :
			    "write the letter after the number; usage: ", GOV_MAX_TEXT);
		if (!*p)
			reply_code(ctx->reply, usage);
		goto cleanup;
	}
	struct nomination_done done;
	rc = nomination_letter(bot_gov(bot), it.id, kind, ctx->caller->id, ctx->caller->handle, p,
			       &done);
	if (rc != GOV_OK) {
		ret = write_refused(ctx, rc, it.id, &done);
		goto cleanup;
	}
	long long ns = done.nsupport, no = done.nobject;
	reply_textf(ctx->reply, "Added your %s to %s %lld (now %lld in support, %lld against).",
		    strcmp(kind, "support") == 0 ? "letter of support" : "objection",
		    gov_item_noun(&it), it.id, ns, no);
	ret = CMD_OK;
cleanup:
	gov_item_release(&it);
	return ret;
}

int cmd_support(struct command_ctx *ctx)
{
	return add_letter(ctx, "support");
}

int cmd_object(struct command_ctx *ctx)
{
	return add_letter(ctx, "object");
}

static const char recuse_usage[] = "recuse N [REASON] or recuse N @handle REASON";

/* After N: "@handle REASON" names another maintainer.  The handle as the
 * roster spells it into out (or "" for oneself); *reason past it. */
static int parse_recuse(struct command_ctx *ctx, const char *p, char *out, size_t n,
			const char **reason)
{
	out[0] = '\0';
	*reason = p;
	if (*p != '@')
		return 0;
	if (parse_handle(p, out, n, reason) < 0)
		return -1;
	const char *c = canonical_handle(ctx->bot->roster, out);
	if (c != out)
		snprintf(out, n, "%s", c);
	return 0;
}

int cmd_recuse(struct command_ctx *ctx)
{
	struct govbot *bot = ctx->bot;
	struct gov_item it;
	const char *p, *reason;
	char other[64];
	int rc = govcmd_load_item(ctx, &it, &p, recuse_usage);
	if (rc <= 0)
		return rc < 0 ? govcmd_store_failed(ctx, rc) : CMD_ERROR;
	int ret = CMD_ERROR;
	const char *me = ctx->caller->handle;
	if (parse_recuse(ctx, p, other, sizeof(other), &reason) < 0) {
		bad_handle(ctx, recuse_usage);
		goto cleanup;
	}
	bool self = !*other || (me && str_ieq(other, me));
	const char *who = self ? me : other;
	if (strlen(reason) > GOV_MAX_TEXT) {
		reply_textf(ctx->reply, "the reason is longer than %d bytes; shorten it", GOV_MAX_TEXT);
		goto cleanup;
	}
	if (!self && !*reason) {
		reply_text(ctx->reply, "naming someone else as conflicted needs the reason, for the "
			   "record; usage: ");
		govcmd_code_n(ctx->reply, "recuse %lld @handle REASON", it.id);
		goto cleanup;
	}
	if (gov_is_recused(bot->store, it.id, who)) {
		if (self)
			reply_textf(ctx->reply, "you had already recused yourself from %s %lld; nothing "
				    "changed", gov_item_noun(&it), it.id);
		else {
			reply_handle(ctx->reply, who);
			reply_textf(ctx->reply, " is already recused from %s %lld; nothing changed",
				    gov_item_noun(&it), it.id);
		}
		ret = CMD_OK;
		goto cleanup;
	}
	struct nomination_done done;
	rc = nomination_recuse(bot_gov(bot), it.id, who, ctx->caller->id, me, reason, &done);
	if (rc != GOV_OK) {
		ret = write_refused(ctx, rc, it.id, &done);
		goto cleanup;
	}
	reply_text(ctx->reply, "Recorded: ");
	reply_handle(ctx->reply, who);
	reply_textf(ctx->reply, " is recused from %s %lld and will not %s it", gov_item_noun(&it),
		    it.id, gov_kind_is_vote(it.kind) ? "vote on" : "decide");
	if (!self) {
		reply_text(ctx->reply, " (named by ");
		reply_handle(ctx->reply, me);
		reply_text(ctx->reply, "; audited)");
	}
	reply_text(ctx->reply, ".");
	ret = CMD_OK;
cleanup:
	gov_item_release(&it);
	return ret;
}

/* ---- authorize hooks ---------------------------------------------------- */

int auth_amend(struct command_ctx *ctx, struct buf *why)
{
	struct gov_item it;
	int rc = govcmd_hook_item(ctx, why, &it, "amend N FIELD: TEXT");
	if (rc)
		return rc;
	rc = CMD_REFUSED;
	if (gov_kind_is_vote(it.kind))
		buf_addf(why, "%lld is a %s; motions have no fields to amend", it.id, gov_item_noun(&it));
	else if (strcmp(it.state, "open") != 0)
		buf_addf(why, "%s %lld is closed (%s); it can no longer be amended", gov_item_noun(&it),
			 it.id, it.state);
	else if (!(ctx->caller->id && strcmp(ctx->caller->id, it.opened_by) == 0) &&
		 !(ctx->caller->handle && it.opened_by_handle &&
		   str_ieq(ctx->caller->handle, it.opened_by_handle)))
		buf_addf(why, "only the nominator (%s%s) amends %s %lld; add your view with `support %lld "
			 "TEXT` or `object %lld TEXT`", it.opened_by_handle ? "@" : "",
			 it.opened_by_handle ? it.opened_by_handle : it.opened_by, gov_item_noun(&it),
			 it.id, it.id, it.id);
	else
		rc = 0;
	gov_item_release(&it);
	return rc;
}

int auth_recuse(struct command_ctx *ctx, struct buf *why)
{
	struct gov_item it;
	const char *p, *reason;
	char other[64];
	int rc = govcmd_hook_item(ctx, why, &it, recuse_usage);
	if (rc)
		return rc;
	gov_parse_number(ctx->args, &it.id, &p);
	if (parse_recuse(ctx, p, other, sizeof(other), &reason) < 0) {
		buf_adds(why, "that is not a GitHub handle; usage: recuse N @handle REASON");
		rc = CMD_ERROR;
	} else {
		rc = govcmd_result(gov_may_recuse(bot_gov(ctx->bot), &it, ctx->caller->handle,
						  *other ? other : NULL, why));
	}
	gov_item_release(&it);
	return rc;
}

/* Where a nomination goes: "core" when the group after `for` is core. */
static bool nominates_core(const char *args)
{
	char handle[64];
	const char *p;
	if (parse_handle(args, handle, sizeof(handle), &p) < 0 || !(p = govcmd_skip_word(p, "for")))
		return false;
	size_t n = 0;
	while (p[n] && !isspace((unsigned char)p[n]))
		n++;
	return (n == 4 && str_ieqn(p, "core", 4)) || (n == 5 && str_ieqn(p, "core:", 5)) ||
	       str_istarts(p, "core maintainers");
}

int auth_nominate(struct command_ctx *ctx, struct buf *why)
{
	if (!nominates_core(ctx->args))
		return 0;
	return govcmd_result(gov_may_nominate(bot_gov(ctx->bot), GOV_NOMINATE_CORE,
					      ctx->caller->handle, why));
}
