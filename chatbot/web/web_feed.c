/* web_feed.c - /decisions.atom: the newest decisions and results as an
 * Atom 1.0 feed (RFC 4287).  Each entry's content is XHTML, the same
 * markup as on /decisions, so a reader shows the rationale and tally. */
#include "chatbot/web/web_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chatbot/bot/reply.h"
#include "chatbot/gov/gov.h"
#include "chatbot/gov/ledger.h"

static void iso_time(struct buf *out, long long at)
{
	char iso[40];
	time_t t = (time_t)at;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(iso, sizeof(iso), "1970-01-01T00:00:00Z");
	buf_adds(out, iso);
}

/* base + path, escaped for an attribute or element. */
static void abs_url(struct buf *out, const struct web_ctx *ctx, const char *path)
{
	if (ctx->base_url)
		web_escapes(out, ctx->base_url);
	web_escapes(out, path);
}

int web_feed(const struct web_ctx *ctx, struct web_page *p)
{
	struct govbot *bot = ctx->bot;
	struct buf *out = &p->body, path = BUF_INIT;
	struct ledger_decision *d;
	size_t n;
	long long updated;

	if (ledger_decisions(bot_gov(bot), 0, WEB_FEED_MAX, &d, &n) < 0)
		return 503;
	updated = n > 0 ? d[0].at : (ctx->roster_loaded_at > 0 ? ctx->roster_loaded_at : 0);
	p->ctype = WEB_ATOM;
	buf_adds(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		 "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>Governance decisions</title>\n"
		 "<subtitle>Decisions and vote results of the project's governance, newest first"
		 "</subtitle>\n<id>");
	if (ctx->base_url)
		abs_url(out, ctx, "/decisions.atom");
	else
		buf_adds(out, "urn:govbot:decisions");
	buf_adds(out, "</id>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
	abs_url(out, ctx, "/decisions.atom");
	buf_adds(out, "\" />\n<link rel=\"alternate\" type=\"text/html\" href=\"");
	abs_url(out, ctx, "/decisions");
	buf_adds(out, "\" />\n<updated>");
	iso_time(out, updated);
	buf_adds(out, "</updated>\n<author><name>govbot</name></author>\n<generator>govbot</generator>\n");
	for (size_t i = 0; i < n; i++) {
		struct gov_item it;
		bool have = gov_item_get(bot->store, d[i].item_id, &it) == 1;

		buf_reset(&path);
		buf_addf(&path, "/items/%lld", d[i].item_id);
		buf_adds(out, "<entry>\n<title>");
		buf_addf(out, "Item %lld ", d[i].item_id);
		web_escapes(out, d[i].outcome);
		if (have) {
			buf_adds(out, ": ");
			web_item_text(out, &it);
		}
		buf_adds(out, "</title>\n<id>");
		if (ctx->base_url) {
			abs_url(out, ctx, path.data);
			buf_addf(out, "#d%lld", d[i].id);
		} else {
			buf_addf(out, "urn:govbot:decision:%lld", d[i].id);
		}
		buf_adds(out, "</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
		abs_url(out, ctx, path.data);
		buf_adds(out, "\" />\n<updated>");
		iso_time(out, d[i].at);
		buf_adds(out, "</updated>\n<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">\n");
		if (have) {
			buf_adds(out, "<p>");
			web_item_text(out, &it);
			buf_adds(out, "</p>\n");
			gov_item_release(&it);
		}
		web_decision_html(out, &d[i]);
		buf_adds(out, "</div></content>\n</entry>\n");
	}
	buf_adds(out, "</feed>\n");
	web_touch(&p->last_modified, updated);
	ledger_decisions_free(d, n);
	buf_release(&path);
	return 200;
}
