/*
 * grammar.h - is a message addressed to govbot, and which command is it?
 *
 * A message is addressed to the bot when a line starts with `/gov`, `!gov`,
 * `@BOTNAME` or a Matrix ID `@BOTNAME:server` (optionally followed by ':'
 * or ','), or `BOTNAME:` /
 * `BOTNAME,`; or when `@BOTNAME` appears inside a line after a word
 * boundary; or always, when the caller does not require a prefix (console,
 * DMs, slash commands, `govbot ask`).  The text after the prefix is the
 * command line: its first line is either a plain-word question ("who
 * maintains torch.nn?", "how do I nominate someone?") mapped to a command,
 * or `WORD ARGS...`.  Later lines belong to the arguments.
 *
 * Everything is matched with PCRE2 patterns compiled (and JIT-compiled)
 * once by grammar_new(); grammar_parse() allocates nothing.
 *
 * Ownership: grammar_new() returns a grammar freed by grammar_free().  The
 * strings a parse returns are borrowed: from the text parsed, or from the
 * grammar itself for what a question implies ("process", "nomination").  A
 * grammar reuses its match data, so one grammar serves one thread at a time.
 */
#ifndef GOVBOT_GRAMMAR_H
#define GOVBOT_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>

struct grammar;

struct grammar_parse {
	bool addressed;      /* false: not for the bot; the rest is unset */
	bool question;       /* the command came from a plain-word question */
	const char *cmd;     /* command word, not NUL-terminated; cmd_len 0: none (help) */
	size_t cmd_len;
	const char *args;    /* arguments, trimmed, may span lines; not NUL-terminated */
	size_t args_len;
};

/* bot_name: the configured name without '@' (NULL or "" means "govbot");
 * ASCII letters, digits, '.', '_' and '-' only.  Returns NULL when the name
 * is unusable or a pattern fails to compile (a message goes to the log). */
struct grammar *grammar_new(const char *bot_name);
void grammar_free(struct grammar *g);

/* The configured name (borrowed). */
const char *grammar_bot_name(const struct grammar *g);

/* Parses text[0..len), which need not be NUL-terminated.  require_prefix:
 * true in shared rooms, where only prefixed or mentioning lines are for the
 * bot.  Returns out->addressed. */
bool grammar_parse(struct grammar *g, const char *text, size_t len, bool require_prefix,
		   struct grammar_parse *out);

#endif
