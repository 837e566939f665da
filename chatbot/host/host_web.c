/* host_web.c - see host_web.h. */
#include "chatbot/host/host_web.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "chatbot/gov/gov.h"
#include "chatbot/web/web.h"

/* "http://HOST" from the request, into out; "" when Host is missing or
 * carries anything but a host name or address and a port. */
static void base_url(const struct httpd_request *req, char *out, size_t n)
{
	char host[256], proto[16];

	out[0] = '\0';
	if (httpd_header(req, "host", host, sizeof(host)) <= 0)
		return;
	for (const char *p = host; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
			return;
	if (httpd_header(req, "x-forwarded-proto", proto, sizeof(proto)) < 0 ||
	    strcmp(proto, "https") != 0)
		snprintf(proto, sizeof(proto), "http");
	snprintf(out, n, "%s://%s", proto, host);
}

struct web_source {
	struct govbot *bot;
	const long long *loaded_at;
};

static void on_page(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	const struct web_source *src = arg;
	struct govbot *bot = src->bot;
	struct web_page page;
	char base[300], inm[1024], ims[128], date[64];
	struct web_ctx ctx = { bot, NULL, *src->loaded_at };

	/* decisions stored by another process (`govbot ask`) show at once */
	gov_roster_sync(bot_gov(bot));
	base_url(req, base, sizeof(base));
	ctx.base_url = base[0] ? base : NULL;
	web_page(&ctx, req->path, &page);
	res->status = page.status;
	res->ctype = page.ctype;
	httpd_add_header(res, "ETag", page.etag);
	if (page.last_modified > 0) {
		web_http_date(page.last_modified, date, sizeof(date));
		httpd_add_header(res, "Last-Modified", date);
	}
	httpd_add_header(res, "Cache-Control", "no-cache");
	httpd_add_header(res, "X-Content-Type-Options", "nosniff");
	httpd_add_header(res, "Content-Security-Policy",
			 "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
			 "form-action 'none'; frame-ancestors 'none'");
	if (web_not_modified(&page, httpd_header(req, "if-none-match", inm, sizeof(inm)) >= 0 ? inm : NULL,
			     httpd_header(req, "if-modified-since", ims, sizeof(ims)) >= 0 ? ims : NULL)) {
		res->status = 304;
		web_page_release(&page);
		return;
	}
	buf_release(&res->body);
	res->body = page.body;   /* handed over */
}

int host_web_routes(struct httpd *d, struct govbot *bot, const long long *roster_loaded_at)
{
	static const char *const paths[] = { "/", "/agenda", "/decisions", "/decisions.atom", "/items/*",
					     "/decisions/before/*" };
	/* one listener per process: the routes' argument lives as long */
	static struct web_source src;

	src.bot = bot;
	src.loaded_at = roster_loaded_at;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (httpd_route(d, "GET,HEAD", paths[i], 0, on_page, &src) < 0)
			return -1;
	return 0;
}
