/* govcmd.c - see govcmd.h. */
#include "commands/govcmd.h"

#include <ctype.h>
#include <string.h>

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
