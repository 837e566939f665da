/*
 * web_int.h - shared by the files of chatbot/web/ only: the page frame,
 * small HTML helpers and one function per page.
 */
#ifndef GOVBOT_WEB_INT_H
#define GOVBOT_WEB_INT_H

#include "chatbot/web/web.h"

struct gov_item;
struct reply;

#define WEB_HTML "text/html; charset=utf-8"
#define WEB_ATOM "application/atom+xml; charset=utf-8"

/* Page frame: doctype, head (title escaped), navigation; then the caller
 * appends <main> content and closes with web_foot(). */
void web_head(struct buf *out, const char *title);
void web_foot(struct buf *out);

/* Appends <a href="HREF">TEXT</a>, both escaped. */
void web_link(struct buf *out, const char *href, const char *text);
/* Appends the plain rendering of reply r, escaped (lines joined by <br/>). */
void web_reply(struct buf *out, const struct reply *r);
/* Appends the plain description of an item ("nomination of @a as ..."), escaped. */
void web_item_text(struct buf *out, const struct gov_item *it);
/* "2026-11-22 02:10 UTC", escaped, in a <time datetime="..."> element. */
void web_time(struct buf *out, long long at);
/* "3 days", "1 day", "less than a day", for ages and what is left. */
void web_days(struct buf *out, long long seconds);
/* Raises *lm to t when t is later. */
void web_touch(long long *lm, long long t);

/* Pages: return the HTTP status; fill p->body, p->ctype, p->last_modified. */
int web_roster_page(const struct web_ctx *ctx, struct web_page *p);
int web_agenda_page(const struct web_ctx *ctx, struct web_page *p);
int web_decisions_page(const struct web_ctx *ctx, long long before_id, struct web_page *p);
int web_item_page(const struct web_ctx *ctx, long long id, struct web_page *p);
int web_feed(const struct web_ctx *ctx, struct web_page *p);

struct ledger_decision;
/* Appends one decision (chatbot/gov/ledger.h): outcome, by whom, when,
 * rationale, tally, escaped. */
void web_decision_html(struct buf *out, const struct ledger_decision *d);

#endif
