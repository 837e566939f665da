/* cmd_pending.c - TEMPORARY during development: governance commands that
 * issue 3 implements in cmd_nominations.c / cmd_votes.c / cmd_admin.c.
 * Whoever writes those files deletes this one. */
#include "commands/commands.h"

static int pending(struct command_ctx *ctx)
{
	reply_textf(ctx->reply, "%s is not available in this build", ctx->cmd->name);
	return CMD_FAILED;
}

int cmd_nominate(struct command_ctx *c) { return pending(c); }
int cmd_amend(struct command_ctx *c) { return pending(c); }
int cmd_nominate_removal(struct command_ctx *c) { return pending(c); }
int cmd_step_down(struct command_ctx *c) { return pending(c); }
int cmd_support(struct command_ctx *c) { return pending(c); }
int cmd_object(struct command_ctx *c) { return pending(c); }
int cmd_recuse(struct command_ctx *c) { return pending(c); }
int cmd_nominations(struct command_ctx *c) { return pending(c); }
int cmd_show(struct command_ctx *c) { return pending(c); }
int cmd_decide(struct command_ctx *c) { return pending(c); }
int cmd_decisions(struct command_ctx *c) { return pending(c); }
int cmd_agenda(struct command_ctx *c) { return pending(c); }
int cmd_link(struct command_ctx *c) { return pending(c); }
int auth_amend(struct command_ctx *c, struct buf *w) { (void)c; (void)w; return 0; }
int auth_recuse(struct command_ctx *c, struct buf *w) { (void)c; (void)w; return 0; }
int auth_decide(struct command_ctx *c, struct buf *w) { (void)c; (void)w; return 0; }
