/*
 * web.h - the public record as web pages: read-only HTML and an Atom feed
 * rendered from the database and the running roster, independent of the
 * listener that serves them (chatbot/host/host_web.c puts them on
 * http.listen).
 *
 *   /                the roster with decisions applied: the lead, the core
 *                    maintainers, every module and library with its active
 *                    and emeritus maintainers; each group has an anchor
 *                    (/#m-SLUG) so a module is linkable
 *   /agenda          open nominations, removals, motions and elections, with
 *                    their age, deadline and what each waits for
 *   /decisions       every decision and result, newest first, with rationale,
 *                    who decided, and the tally (votes or rounds)
 *   /items/N         one item: what it is, its fields, letters, decisions,
 *                    votes and history
 *   /decisions.atom  an Atom feed (RFC 4287) of the newest decisions
 *
 * Every page is well-formed XML as well as HTML (void elements are closed,
 * only the five XML entities are used), has no scripts, and reads on a
 * phone.  Every piece of text that comes from users, the roster file or the
 * database goes through web_escape(), the one escaping function.  Links
 * from the roster are kept only when they are http(s) URLs.
 *
 * ETag is a hash of the body; Last-Modified is the newest time the page's
 * content depends on (the last roster load, the newest row shown, and for
 * the agenda the last time an age or a "days left" counter ticked), so a
 * reader polling with If-None-Match / If-Modified-Since gets 304 exactly
 * when nothing they would see changed.
 *
 * Ownership: web_page() fills a caller-owned struct web_page; release its
 * body with web_page_release().  ctype and allow are static strings.
 */
#ifndef GOVBOT_WEB_H
#define GOVBOT_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/bot/bot.h"
#include "chatbot/util/util.h"

/* Most decisions on /decisions and in the feed. */
#define WEB_DECISIONS_MAX 200
#define WEB_FEED_MAX 50

struct web_ctx {
	struct govbot *bot;          /* borrowed: roster, store, clock */
	const char *base_url;        /* "http://host:port" (no trailing slash) for the
				        feed's absolute links, or NULL: relative links */
	long long roster_loaded_at;  /* when the running roster was read (start or
				        reload), seconds; part of Last-Modified */
};

struct web_page {
	int status;                  /* 200, 404, 503 */
	const char *ctype;           /* static: "text/html; charset=utf-8", ... */
	struct buf body;
	char etag[24];               /* "\"" 16 hex digits "\"" */
	long long last_modified;     /* seconds since the epoch; 0 when unknown */
};

/* True when path (without the query) is one of the pages above, so that the
 * listener registers it; /items/N for any N of digits. */
bool web_is_page(const char *path);

/* Renders path into out (memset by the call).  200 with the page; 404 with
 * a short HTML page for an unknown path or item; 503 when the database
 * cannot be read.  Never writes to the database. */
void web_page(const struct web_ctx *ctx, const char *path, struct web_page *out);
void web_page_release(struct web_page *p);

/* The conditional-GET decision: true when the request's If-None-Match (a
 * list of entity tags, or *) matches etag, or when it is absent and
 * If-Modified-Since (an HTTP date) is at or after last_modified.  Either
 * header may be NULL. */
bool web_not_modified(const struct web_page *p, const char *if_none_match,
		      const char *if_modified_since);

/* HTTP dates (RFC 9110 IMF-fixdate): format into out (at least 30 bytes),
 * and parse (also the obsolete RFC 850 and asctime forms); parse returns
 * -1 when s is not a date. */
void web_http_date(long long t, char *out, size_t n);
long long web_parse_http_date(const char *s);

/* The one escaping function: appends s[0..n) to out with & < > " '
 * replaced by entities, and bytes that XML 1.0 forbids (C0 controls other
 * than tab, CR, LF) dropped.  Safe in text and in quoted attributes. */
void web_escape(struct buf *out, const char *s, size_t n);
void web_escapes(struct buf *out, const char *s);
/* web_escape() of NUL-terminated s, its line breaks kept as <br />. */
void web_escape_lines(struct buf *out, const char *s);

#endif
