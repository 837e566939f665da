/*
 * reply.h - a reply is built once as a small document and rendered per
 * chat dialect.  User-supplied text is escaped in exactly one place: the
 * renderer for the dialect.  No dialect can emit a mass mention
 * (@channel, @here, @everyone, @room) or a user ping from text spans:
 *   console   plain text, control characters dropped
 *   slack     mrkdwn: & < > escaped (defuses <!channel>, <@U..>), *bold*, `code`
 *   matrix    HTML (formatted_body) with HTML escaping; plain body separately
 *   discourse Markdown with Markdown escaping; @ in text defused so it never
 *             mentions a user or group
 *
 * Ownership: reply_new() returns a reply freed by reply_free().  Renderers
 * append to a caller-owned buf.  A reply can be reused after reply_reset().
 * Rendered text has no trailing newline; blocks are separated by one (a
 * blank line before a paragraph that follows list items; in Discourse
 * Markdown, wherever Markdown needs one).  In the plain dialects code spans
 * keep their backticks and items start with "- " (Slack: a bullet).
 */
#ifndef GOVBOT_REPLY_H
#define GOVBOT_REPLY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "chatbot/util/util.h"

enum reply_dialect {
	DIALECT_CONSOLE,
	DIALECT_SLACK,
	DIALECT_MATRIX_HTML,
	DIALECT_MATRIX_PLAIN,
	DIALECT_DISCOURSE,
};

struct reply;

struct reply *reply_new(void);
void reply_free(struct reply *r);
void reply_reset(struct reply *r);

/* Block structure: a new paragraph, or a new bullet item; text spans are
 * added to the current block (a paragraph is opened when none is). */
void reply_para(struct reply *r);
void reply_item(struct reply *r);
/* Inline spans. */
void reply_text(struct reply *r, const char *text);
void reply_textn(struct reply *r, const char *text, size_t n);
void reply_textf(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_strong(struct reply *r, const char *text);
void reply_code(struct reply *r, const char *text);
/* A GitHub handle, shown as @handle but never a chat mention. */
void reply_handle(struct reply *r, const char *handle);
/* A person as "Full Name (@handle)", or just the name when handle is NULL. */
void reply_person(struct reply *r, const char *name, const char *handle);

/* A person notified by an announcement: their platform's own mention
 * (Slack <@U..>, a Matrix pill, Discourse @name) rendered from user_id,
 * the id of the dialect's platform without its prefix ("U0SOUMITH",
 * "@soumith:example.org", "smth"); with user_id NULL or not well-formed
 * for the dialect, the handle as reply_handle() shows it.  Only
 * announcements use it (answers never notify); user text never becomes a
 * mention. */
void reply_mention(struct reply *r, const char *handle, const char *user_id);
/* The user id of the i-th mention with one (for Matrix m.mentions),
 * appended to out; 0, or -1 when there are fewer. */
int reply_mention_id(const struct reply *r, size_t i, struct buf *out);

/* True when nothing has been added. */
int reply_empty(const struct reply *r);
void reply_render(const struct reply *r, enum reply_dialect d, struct buf *out);

/* ---- cutting rendered text (reply_cut.c) ----
 * Never inside a UTF-8 sequence, an entity (&amp;) or an HTML tag. */

/* The length of the longest prefix of s (len bytes) of at most max bytes
 * that ends at a safe place. */
size_t reply_cut_len(const char *s, size_t len, size_t max);
/* Cuts rendered text to at most max bytes (0: no limit), ending it with a
 * "(truncated)" note in dialect d's markup.  Returns true when it cut. */
bool reply_limit(struct buf *text, size_t max, enum reply_dialect d);
/* The length of the next part when s is split into parts of at most max
 * bytes: cut at a line end when one is in the part's second half, else at
 * a safe place (never 0 for a non-empty s). */
size_t reply_split_len(const char *s, size_t len, size_t max);

#endif
