/*
 * commands.h - the one command table.  It drives dispatch, permission
 * checks and `help`, so help can never drift from the code.
 *
 * To add a command:
 *   1. write `int cmd_NAME(struct command_ctx *ctx)` in the commands/ file
 *      of its group (cmd_roster.c, cmd_process.c, cmd_nominations.c, ...),
 *      declared below;
 *   2. add its row to commands_table[] in commands/commands.c: name, handler,
 *      the role it needs, optional authorize hook, synopsis, summary, example;
 *   3. if it is asked in plain words too, add the question to chatbot/bot/grammar.c;
 *   4. add its cases to tests/ (help lists it automatically).
 *
 * Handlers never check permissions: the dispatcher does, from the row's
 * role and authorize hook, before the handler runs.  A handler writes its
 * answer (or its refusal) into ctx->reply and returns an enum cmd_result.
 * Handlers parse and render only: what reads or writes the governance store
 * is in chatbot/gov (nomination.h, ledger.h, motion.h), called with
 * bot_gov(ctx->bot), and its enum gov_result maps to ours by
 * govcmd_result() (commands/govcmd.h).  scripts/check-layers.sh refuses SQL
 * here.
 */
#ifndef GOVBOT_COMMANDS_H
#define GOVBOT_COMMANDS_H

#include <stddef.h>

#include "chatbot/bot/bot.h"
#include "chatbot/bot/reply.h"
#include "chatbot/util/util.h"

enum cmd_result {
	CMD_OK = 0,       /* answered / done */
	CMD_ERROR = 1,    /* the user's input was wrong: syntax, unknown module, ... */
	CMD_REFUSED = 2,  /* not allowed: role, recusal, state of the item */
	CMD_FAILED = 3,   /* internal error (database, ...); nothing was changed */
};

enum cmd_role {
	ROLE_ANYONE,      /* community members included */
	ROLE_MAINTAINER,  /* an active module or core maintainer */
	ROLE_CORE,        /* an active core maintainer (the lead included) */
	ROLE_LEAD,        /* the lead core maintainer */
};

/* Who is asking.  All strings borrowed for the duration of the command. */
struct caller {
	const char *id;        /* "slack:U0123", "console:alice" */
	const char *handle;    /* roster handle it maps to, or NULL */
};

struct command;

struct command_ctx {
	struct govbot *bot;
	const struct command *cmd;
	const struct caller *caller;
	const char *place;     /* where it was asked ("slack:C111"), or NULL */
	const char *args;      /* text after the command word, trimmed; never NULL */
	struct reply *reply;   /* the answer goes here */
};

typedef int command_fn(struct command_ctx *ctx);
/* Item-dependent permission check, run by the dispatcher after the role
 * check.  Returns 0 to allow; otherwise writes why (and what would work)
 * to why and returns CMD_REFUSED (or CMD_ERROR for a malformed item). */
typedef int authorize_fn(struct command_ctx *ctx, struct buf *why);

struct command {
	const char *name;        /* "who" */
	command_fn *run;
	enum cmd_role role;
	authorize_fn *authorize; /* NULL: the role alone decides */
	const char *synopsis;    /* "who MODULE|PATH|@handle" */
	const char *summary;     /* one line for the list */
	const char *example;     /* "who torch.nn" */
	const char *group;       /* heading in `help`: "Roster", "Nominations", ... */
};

extern const struct command commands_table[];
extern const size_t commands_count;

/* Exact name (case-insensitive), or NULL.  Borrowed. */
const struct command *commands_find(const char *name);
/* The nearest command name for a typo, or NULL when none is close. */
const char *commands_nearest(const char *name);

/* commands/cmd_roster.c (help, modules, core, lead), cmd_who.c (who, is),
 * cmd_ownership.c (ownership) */
command_fn cmd_help, cmd_who, cmd_is, cmd_modules, cmd_core, cmd_lead, cmd_ownership;
/* commands/cmd_process.c */
command_fn cmd_process;
/* A question none of the grammar's forms took: writes the nearest process
 * topics and short answers to ctx->reply (commands/cmd_process.c). */
void process_nearest(struct command_ctx *ctx, const char *question);
/* commands/cmd_nominations.c (nominations, letters), cmd_decide.c (decide),
 * cmd_decisions.c (nominations, show, decisions, agenda) */
command_fn cmd_nominate, cmd_amend, cmd_nominate_removal, cmd_step_down, cmd_support,
	cmd_object, cmd_recuse, cmd_nominations, cmd_show, cmd_decide, cmd_decisions, cmd_agenda;
/* commands/cmd_votes.c (motions and elections) */
command_fn cmd_propose, cmd_vote, cmd_ballot, cmd_escalate;
/* commands/cmd_decide.c (withdraw too) */
command_fn cmd_withdraw;
/* commands/cmd_admin.c */
command_fn cmd_link;
/* authorize hooks, in the file of the command they guard */
authorize_fn auth_amend, auth_recuse, auth_decide, auth_propose, auth_vote, auth_nominate,
	auth_escalate, auth_withdraw, auth_step_down;

#endif
