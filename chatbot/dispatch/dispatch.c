/* dispatch.c - see dispatch.h.  The only place permissions are checked.
 *
 * Order, like redis' processCommand(): validate the bytes, parse, look the
 * command up, resolve the caller, check the row's role, run the row's
 * authorize hook, then (and only then) run the handler.
 */
#include "chatbot/dispatch/dispatch.h"

#include <stdio.h>
#include <string.h>

#include "chatbot/gov/gov.h"
#include "chatbot/bot/grammar.h"
#include "chatbot/bot/identity.h"
#include "chatbot/bot/mention.h"
#include "chatbot/util/log.h"
#include "chatbot/roster/roster.h"
#include "commands/commands.h"

/* Offset of the first control character other than tab, newline or a
 * CR that ends a line (CR LF), or -1. */
static long find_control(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = 0; i < len; i++) {
		unsigned c = s[i];
		if (c >= 0x20 && c != 0x7f && c != 0xC2)
			continue;
		if (c == '\t' || c == '\n' || (c == '\r' && i + 1 < len && s[i + 1] == '\n'))
			continue;
		if (c == 0xC2 && !(i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F))
			continue;
		return (long)i;
	}
	return -1;
}

/* Returns 0 when the text may be parsed; else writes the refusal. */
static int validate(const char *text, size_t len, struct reply *out)
{
	if (len > GOVBOT_MAX_INPUT) {
		/* not the length: the console keeps only the first GOVBOT_MAX_INPUT + 1 bytes */
		reply_textf(out, "message too long: the limit is %d bytes; shorten it, or split it "
			    "(a nomination's fields can follow with `amend N FIELD: TEXT`)", GOVBOT_MAX_INPUT);
		return CMD_ERROR;
	}
	if (!utf8_valid(text, len)) {
		reply_text(out, "message is not valid UTF-8; send it as UTF-8 text");
		return CMD_ERROR;
	}
	long at = find_control(text, len);
	if (at >= 0) {
		reply_textf(out, "message contains a control character (byte 0x%02x at offset %ld); "
			    "only tabs and newlines are allowed", (unsigned char)text[at], at);
		return CMD_ERROR;
	}
	return 0;
}

static void log_refusal(const char *cmd, const struct caller *c, const char *reason)
{
	struct buf extra = BUF_INIT;
	buf_addf(&extra, "cmd=%s caller=\"", cmd);
	for (const char *p = c->id ? c->id : "-"; *p; p++)
		if ((unsigned char)*p >= 0x20 && *p != '"' && *p != '\\')
			buf_addc(&extra, *p);
	buf_addf(&extra, "\" handle=%s reason=%s", c->handle ? c->handle : "-", reason);
	log_event(LOG_INFO, NULL, extra.data, "refused");
	buf_release(&extra);
}

static const char *role_plural(enum cmd_role role)
{
	switch (role) {
	case ROLE_MAINTAINER: return "maintainers (module or core)";
	case ROLE_CORE: return "core maintainers";
	case ROLE_LEAD: return "the lead core maintainer";
	default: return "anyone";
	}
}

static const char *role_single(enum cmd_role role)
{
	switch (role) {
	case ROLE_MAINTAINER: return "an active maintainer";
	case ROLE_CORE: return "a core maintainer";
	case ROLE_LEAD: return "the lead core maintainer";
	default: return "anyone";
	}
}

static bool has_role(const struct roster *r, const char *handle, enum cmd_role role)
{
	if (role == ROLE_ANYONE)
		return true;
	if (!handle || !r)
		return false;
	switch (role) {
	case ROLE_MAINTAINER: return roster_is_core(r, handle) || roster_is_module_maintainer(r, handle);
	case ROLE_CORE: return roster_is_core(r, handle);
	case ROLE_LEAD: return roster_is_lead(r, handle);
	default: return false;
	}
}

/* "only core maintainers may use `link`; you (console:alice) are mapped to
 * no handle" and what would work. */
static void refuse_role(struct reply *out, const struct command *cmd, const struct caller *c)
{
	reply_textf(out, "only %s may use ", role_plural(cmd->role));
	reply_code(out, cmd->name);
	if (!c->handle) {
		reply_textf(out, "; you (%s) are mapped to no handle", c->id ? c->id : "unknown caller");
		reply_para(out);
		reply_text(out, "If you are on the roster, ask a core maintainer to run ");
		reply_code(out, "link PLATFORM:ID @yourhandle");
		reply_text(out, " for this identity.");
		return;
	}
	reply_text(out, "; you are ");
	reply_handle(out, c->handle);
	reply_textf(out, ", who is not %s", role_single(cmd->role));
	reply_para(out);
	reply_text(out, "Anyone may ask, nominate and send letters; ");
	reply_code(out, cmd->role == ROLE_LEAD ? "lead" : "core");
	reply_text(out, " shows who holds that role.");
}

static void unknown_command(struct reply *out, const char *name)
{
	size_t n = strlen(name);
	reply_text(out, "unknown command ");
	reply_code(out, name);
	if (n > 1 && name[n - 1] == ':') {
		/* "support: ..." on a line of its own: on the console each line is
		 * a message, so a field cannot follow its `nominate` there */
		reply_text(out, "; a nomination's fields go in the message that opens it, or later ");
		reply_code(out, "amend N FIELD: TEXT");
		reply_text(out, " (N is the nomination's number)");
		return;
	}
	if (str_ieq(name, "how") || str_ieq(name, "what") || str_ieq(name, "why")) {
		/* a question in words none of the grammar's forms took */
		reply_text(out, "; ");
		reply_code(out, "process");
		reply_text(out, " lists the topics (nominations, removals, the lead, disputes, votes), and ");
		reply_code(out, "help");
		reply_text(out, " the commands");
		return;
	}
	const char *near = commands_nearest(name);
	if (near) {
		reply_text(out, "; did you mean ");
		reply_code(out, near);
		reply_text(out, "?");
	}
	reply_para(out);
	reply_text(out, "type ");
	reply_code(out, "help");
	reply_text(out, " for the list");
}

/* A mention of someone govbot cannot tell from the roster. */
static void refuse_unmapped(struct reply *out, const char *id)
{
	reply_textf(out, "%s is mapped to no roster handle, so govbot cannot tell who that is; "
		    "name the person by GitHub handle (", id);
	reply_code(out, "@handle");
	reply_text(out, "), or they can link this identity with ");
	reply_code(out, "link @handle");
	reply_text(out, " (a core maintainer: ");
	reply_code(out, "link PLATFORM:ID @handle");
	reply_text(out, ")");
}

/* Chat clients send Unicode blanks (a no-break space from a pasted line or
 * an Option-space, a zero-width space after a mention): in valid UTF-8 of at
 * most GOVBOT_MAX_INPUT bytes, writes text to norm with U+00A0, U+2000-200A,
 * U+202F, U+205F and U+3000 as ' ' and U+200B, U+FEFF dropped.  Returns the
 * new length (never more than len). */
static size_t normalize_blanks(const char *text, size_t len, char *norm)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == 0xC2 && i + 1 < len && s[i + 1] == 0xA0) {
			norm[n++] = ' ';
			i++;
			continue;
		}
		if (i + 2 < len && ((s[i] == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] <= 0x8B || s[i + 2] == 0xAF)) ||
				    (s[i] == 0xE2 && s[i + 1] == 0x81 && s[i + 2] == 0x9F) ||
				    (s[i] == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x80) ||
				    (s[i] == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF))) {
			bool drop = (s[i] == 0xE2 && s[i + 2] == 0x8B) || s[i] == 0xEF;
			if (!drop)
				norm[n++] = ' ';
			i += 2;
			continue;
		}
		norm[n++] = text[i];
	}
	return n;
}

int dispatch_line(struct govbot *bot, const struct dispatch_request *req, struct reply *out)
{
	const char *text = req->text ? req->text : "";
	size_t len = req->text ? req->len : 0;
	struct grammar_parse p;

	reply_reset(out);
	int rc = validate(text, len, out);
	if (rc) {
		/* In a shared room, bad bytes in chatter not meant for us are
		 * none of our business: answer only when addressed. */
		if (req->require_prefix && !grammar_parse(bot->grammar, text, len, true, &p)) {
			reply_reset(out);
			return DISPATCH_IGNORED;
		}
		return rc;
	}
	char norm[GOVBOT_MAX_INPUT];
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0xC2) {   /* only then can there be such a blank */
			len = normalize_blanks(text, len, norm);
			text = norm;
			break;
		}
	if (!grammar_parse(bot->grammar, text, len, req->require_prefix, &p))
		return DISPATCH_IGNORED;

	char name[64];
	const struct command *cmd;
	if (p.cmd_len == 0) {
		snprintf(name, sizeof(name), "help");
	} else if (p.cmd_len < sizeof(name)) {
		memcpy(name, p.cmd, p.cmd_len);
		name[p.cmd_len] = '\0';
	} else {
		snprintf(name, sizeof(name), "%.*s...", (int)(sizeof(name) - 4), p.cmd);
		unknown_command(out, name);
		return CMD_ERROR;
	}
	cmd = commands_find(name);
	if (!cmd) {
		unknown_command(out, name);
		return CMD_ERROR;
	}

	/* the arguments, NUL-terminated: never longer than the message */
	char args[GOVBOT_MAX_INPUT + 1];
	size_t an = p.args_len < GOVBOT_MAX_INPUT ? p.args_len : GOVBOT_MAX_INPUT;
	memcpy(args, p.args, an);
	args[an] = '\0';

	/* decisions other processes (`govbot ask`) stored count from now on */
	gov_roster_sync(bot_gov(bot));
	struct caller caller = { req->caller_id, NULL };
	if (req->caller_id)
		caller.handle = identity_handle(bot, req->caller_id);
	/* platform mentions in the arguments are people: @handle from here on */
	struct buf resolved = BUF_INIT;
	if (mention_maybe(args)) {
		char unmapped[IDENTITY_MAX_ID + 16];
		size_t misses = mention_resolve(bot, req->caller_id, args, &resolved, unmapped, sizeof(unmapped));
		/* a command whose synopsis names people (@handle, PERSON) needs them known;
		 * elsewhere (a rationale, a letter) the markup stays text */
		bool names_people = strchr(cmd->synopsis, '@') || strstr(cmd->synopsis, "PERSON");
		if (misses && names_people) {
			refuse_unmapped(out, unmapped);
			buf_release(&resolved);
			return CMD_ERROR;
		}
	}
	struct command_ctx ctx = { bot, cmd, &caller, req->place, resolved.len ? buf_str(&resolved) : args, out };

	if (!has_role(bot->roster, caller.handle, cmd->role)) {
		refuse_role(out, cmd, &caller);
		log_refusal(cmd->name, &caller, "role");
		buf_release(&resolved);
		return CMD_REFUSED;
	}
	if (cmd->authorize) {
		struct buf why = BUF_INIT;
		rc = cmd->authorize(&ctx, &why);
		if (rc) {
			reply_reset(out);
			if (why.len)
				reply_text(out, why.data);
			else
				reply_textf(out, "%s is not allowed here", cmd->name);
			log_refusal(cmd->name, &caller, rc == CMD_ERROR ? "malformed" : "authorize");
			buf_release(&why);
			buf_release(&resolved);
			return rc == CMD_ERROR ? CMD_ERROR : CMD_REFUSED;
		}
		buf_release(&why);
	}
	rc = cmd->run(&ctx);
	buf_release(&resolved);
	return rc;
}
