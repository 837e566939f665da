/*
 * govcmd.h - helpers shared by the governance command files
 * (cmd_nominations.c, cmd_decide.c, cmd_decisions.c).  Each writes the
 * user-facing refusal into ctx->reply (or why) itself.
 */
#ifndef GOVBOT_GOVCMD_H
#define GOVBOT_GOVCMD_H

#include "chatbot/gov/gov.h"
#include "commands/commands.h"

/* The enum cmd_result for an enum gov_result. */
int govcmd_result(int gov_result);
/* Appends "nomination of @alice as a maintainer of NN APIs (torch.nn)",
 * "removal of @bob from ...", "motion of the core maintainers: TEXT", ... */
void govcmd_describe_item(struct reply *r, const struct gov_item *it);
/* Appends what `show N` says of motion or election id only: candidates,
 * deadline, electorate with who voted, counts.  Returns an enum
 * gov_result (GOV_BAD when id is not a motion). */
int govcmd_describe_motion(const struct gov_ctx *g, long long id, struct reply *r);

/* "governance commands need the database ..."; returns CMD_FAILED. */
int govcmd_no_store(struct command_ctx *ctx);
/* Rolls back an open transaction and answers store_rc_text(rc); CMD_FAILED. */
int govcmd_store_failed(struct command_ctx *ctx, int rc);
/* Copies in to out (cap bytes, NUL-terminated, cut to fit) without
 * trailing '?', '!' or blanks: a question mark typed after a command is not
 * part of its argument. */
void govcmd_clean_arg(const char *in, char *out, size_t cap);
/* Skips the word w (case-insensitive) and the blanks after it; NULL when
 * p does not start with it.  Borrowed pointer into p. */
const char *govcmd_skip_word(const char *p, const char *w);
/* Loads item N named at the start of ctx->args into *it (release it with
 * gov_item_release()); *rest points past N.  Returns 1 found, 0 when there
 * is none or no number (the CMD_ERROR text is written), or a store error. */
int govcmd_load_item(struct command_ctx *ctx, struct gov_item *it, const char **rest,
		     const char *usage);
/* The same for authorize hooks: 0 and *it, else CMD_ERROR/CMD_REFUSED with
 * why written. */
int govcmd_hook_item(struct command_ctx *ctx, struct buf *why, struct gov_item *it,
		     const char *usage);
/* Appends a command with item id's real number in it, as code: fmt has one
 * %lld (`support 7 TEXT`, never `support N TEXT`). */
void govcmd_code_n(struct reply *r, const char *fmt, long long id)
	__attribute__((format(printf, 2, 0)));

#endif
