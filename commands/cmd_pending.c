/* cmd_pending.c - TEMPORARY during development: the motion and election
 * commands that issue 3 implements in cmd_votes.c.  Whoever merges
 * cmd_votes.c deletes this file. */
#include "commands/commands.h"

static int pending(struct command_ctx *ctx)
{
	reply_textf(ctx->reply, "%s is not available in this build", ctx->cmd->name);
	return CMD_FAILED;
}

int cmd_propose(struct command_ctx *c) { return pending(c); }
int cmd_vote(struct command_ctx *c) { return pending(c); }
int cmd_ballot(struct command_ctx *c) { return pending(c); }
int auth_propose(struct command_ctx *c, struct buf *w) { (void)c; (void)w; return 0; }
int auth_vote(struct command_ctx *c, struct buf *w) { (void)c; (void)w; return 0; }
