/* web.c - see web.h: the path table, the page frame, escaping, HTTP dates
 * and the conditional-GET decision. */
#include "chatbot/web/web_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chatbot/bot/reply.h"
#include "chatbot/gov/gov.h"
#include "commands/govcmd.h"

/* ---- escaping: the one place ---- */

void web_escape(struct buf *out, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				rep = "";   /* not allowed in XML 1.0 */
			else if (c == 0x7f)
				rep = "";
		}
		if (!rep)
			continue;
		buf_add(out, s + run, i - run);
		buf_adds(out, rep);
		run = i + 1;
	}
	buf_add(out, s + run, n - run);
}

void web_escape_lines(struct buf *out, const char *s)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		web_escape(out, s, n);
		if (!nl)
			break;
		buf_adds(out, "<br />\n");
		s = nl + 1;
	}
}

void web_escapes(struct buf *out, const char *s)
{
	if (s)
		web_escape(out, s, strlen(s));
}

/* ---- the frame ---- */

static const char style[] =
	"body{font-family:system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:0 1rem;"
	"line-height:1.5;color:#1b1b1b;background:#fff}"
	"nav a{margin-right:1rem}header{border-bottom:1px solid #ccc;padding:.5rem 0}"
	"h1{font-size:1.5rem}h2{font-size:1.25rem;margin-top:2rem}h3,article h2{font-size:1.05rem}"
	"ul{padding-left:1.2rem}li{margin:.2rem 0}.meta{color:#555;font-size:.9rem}"
	".emeritus{color:#666}blockquote{margin:.5rem 0;padding-left:.8rem;border-left:3px solid #ccc}"
	"footer{border-top:1px solid #ccc;margin-top:2rem;padding:.5rem 0;color:#555;font-size:.85rem}";

void web_head(struct buf *out, const char *title)
{
	buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
		 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<title>");
	web_escapes(out, title);
	buf_adds(out, "</title>\n<link rel=\"alternate\" type=\"application/atom+xml\" "
		 "title=\"Decisions\" href=\"/decisions.atom\" />\n<style>");
	buf_adds(out, style);
	buf_adds(out, "</style>\n</head>\n<body>\n<header><nav>"
		 "<a href=\"/\">Maintainers</a> <a href=\"/agenda\">Agenda</a> "
		 "<a href=\"/decisions\">Decisions</a> <a href=\"/decisions.atom\">Feed</a>"
		 "</nav></header>\n<main>\n");
}

void web_foot(struct buf *out)
{
	buf_adds(out, "</main>\n<footer>The public record of the project's governance, kept by "
		 "govbot. Read-only; decisions are made in chat.</footer>\n</body>\n</html>\n");
}

void web_link(struct buf *out, const char *href, const char *text)
{
	buf_adds(out, "<a href=\"");
	web_escapes(out, href);
	buf_adds(out, "\">");
	web_escapes(out, text);
	buf_adds(out, "</a>");
}

void web_reply(struct buf *out, const struct reply *r)
{
	struct buf plain = BUF_INIT;

	reply_render(r, DIALECT_CONSOLE, &plain);
	web_escape_lines(out, buf_str(&plain));
	buf_release(&plain);
}

void web_item_text(struct buf *out, const struct gov_item *it)
{
	struct reply *r = reply_new();

	govcmd_describe_item(r, it);
	web_reply(out, r);
	reply_free(r);
}

void web_time(struct buf *out, long long at)
{
	char day[40], iso[40];
	time_t t = (time_t)at;
	struct tm tm;

	gov_format_time(at, day, sizeof(day));
	if (!gmtime_r(&t, &tm) || !strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(iso, sizeof(iso), "%lld", at);
	buf_adds(out, "<time datetime=\"");
	web_escapes(out, iso);
	buf_adds(out, "\">");
	web_escapes(out, day);
	buf_adds(out, "</time>");
}

void web_days(struct buf *out, long long seconds)
{
	long long d = seconds / 86400;

	if (d <= 0)
		buf_adds(out, "less than a day");
	else
		buf_addf(out, "%lld day%s", d, d == 1 ? "" : "s");
}

void web_touch(long long *lm, long long t)
{
	if (t > *lm)
		*lm = t;
}

/* ---- paths ---- */

/* prefix followed by N: N into *id; false for anything else (no sign, no
 * leading zero, at most 18 digits). */
static bool numbered_path(const char *path, const char *prefix, long long *id)
{
	const char *p;
	size_t k = strlen(prefix);

	if (strncmp(path, prefix, k) != 0)
		return false;
	p = path + k;
	if (*p < '1' || *p > '9' || strlen(p) > 18)
		return false;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return false;
	*id = strtoll(p, NULL, 10);
	return true;
}

/* "/items/N" */
static bool item_path(const char *path, long long *id)
{
	return numbered_path(path, "/items/", id);
}

/* "/decisions/before/N": the page of decisions older than decision N */
static bool older_path(const char *path, long long *id)
{
	return numbered_path(path, "/decisions/before/", id);
}

bool web_is_page(const char *path)
{
	long long id;

	return strcmp(path, "/") == 0 || strcmp(path, "/agenda") == 0 ||
	       strcmp(path, "/decisions") == 0 || strcmp(path, "/decisions.atom") == 0 ||
	       item_path(path, &id) || older_path(path, &id);
}

static int not_found(struct web_page *p, const char *what)
{
	buf_reset(&p->body);
	web_head(&p->body, "Not found");
	buf_adds(&p->body, "<h1>Not found</h1>\n<p>");
	web_escapes(&p->body, what);
	buf_adds(&p->body, " The <a href=\"/decisions\">decisions</a> and the "
		 "<a href=\"/agenda\">agenda</a> list what there is.</p>\n");
	web_foot(&p->body);
	return 404;
}

static int unavailable(struct web_page *p)
{
	buf_reset(&p->body);
	web_head(&p->body, "Unavailable");
	buf_adds(&p->body, "<h1>Unavailable</h1>\n<p>The record could not be read just now; "
		 "try again in a moment.</p>\n");
	web_foot(&p->body);
	p->last_modified = 0;
	return 503;
}

/* FNV-1a, 64 bits: a strong enough validator for pages we render. */
static uint64_t fnv64(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

void web_page(const struct web_ctx *ctx, const char *path, struct web_page *out)
{
	long long id;
	int status;

	memset(out, 0, sizeof(*out));
	out->ctype = WEB_HTML;
	out->last_modified = ctx->roster_loaded_at;
	if (strcmp(path, "/") == 0)
		status = web_roster_page(ctx, out);
	else if (!ctx->bot->store)
		status = not_found(out, "This bot keeps no database, so it has no record.");
	else if (strcmp(path, "/agenda") == 0)
		status = web_agenda_page(ctx, out);
	else if (strcmp(path, "/decisions") == 0)
		status = web_decisions_page(ctx, 0, out);
	else if (older_path(path, &id))
		status = web_decisions_page(ctx, id, out);
	else if (strcmp(path, "/decisions.atom") == 0)
		status = web_feed(ctx, out);
	else if (item_path(path, &id))
		status = web_item_page(ctx, id, out);
	else
		status = not_found(out, "There is no such page.");
	if (status == 503)
		status = unavailable(out);
	if (status != 200)
		out->ctype = WEB_HTML;
	out->status = status;
	snprintf(out->etag, sizeof(out->etag), "\"%016llx\"",
		 (unsigned long long)fnv64(buf_str(&out->body), out->body.len));
}

void web_page_release(struct web_page *p)
{
	buf_release(&p->body);
}

/* ---- HTTP dates and conditional GET ---- */

static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void web_http_date(long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, n, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int month_of(const char *m)
{
	for (int i = 0; i < 12; i++)
		if (strncmp(m, months[i], 3) == 0)
			return i;
	return -1;
}

long long web_parse_http_date(const char *s)
{
	char wd[16], mon[4];
	int d, y, hh, mm, ss, mi;
	struct tm tm;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof(tm));
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (sscanf(s, "%15[A-Za-z], %d %3s %d %d:%d:%d GMT", wd, &d, mon, &y, &hh, &mm, &ss) == 7) {
		/* rfc850: Sunday, 06-Nov-94 08:49:37 GMT */
	} else if (sscanf(s, "%15[A-Za-z], %d-%3s-%d %d:%d:%d GMT", wd, &d, mon, &y, &hh, &mm, &ss) == 7) {
		y += y < 70 ? 2000 : (y < 100 ? 1900 : 0);
		/* asctime: Sun Nov  6 08:49:37 1994 */
	} else if (sscanf(s, "%15s %3s %d %d:%d:%d %d", wd, mon, &d, &hh, &mm, &ss, &y) != 7) {
		return -1;
	}
	mi = month_of(mon);
	if (mi < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mi;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	return (long long)timegm(&tm);
}

/* True when the list of entity tags inm names etag (weak comparison, as
 * RFC 9110 asks for If-None-Match), or is "*". */
static bool etag_listed(const char *inm, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = inm;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, elen) == 0 && (p[elen] == '\0' || p[elen] == ',' ||
						   p[elen] == ' ' || p[elen] == '\t'))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

bool web_not_modified(const struct web_page *p, const char *if_none_match,
		      const char *if_modified_since)
{
	if (p->status != 200)
		return false;
	if (if_none_match && *if_none_match)
		return etag_listed(if_none_match, p->etag);
	if (if_modified_since && *if_modified_since && p->last_modified > 0) {
		long long since = web_parse_http_date(if_modified_since);
		return since >= 0 && since >= p->last_modified;
	}
	return false;
}
