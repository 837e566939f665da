/* httpd_route.c - the route table, request headers, response helpers and
 * deferred work of chatbot/net/httpd.h. */
#include "chatbot/net/httpd_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "chatbot/util/log.h"

static const char *const method_names[HTTPD_NMETHODS] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD",
};

unsigned httpd_method_bit(const char *name)
{
	for (unsigned i = 0; i < HTTPD_NMETHODS; i++)
		if (strcmp(name, method_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *httpd_method_name(unsigned bit)
{
	for (unsigned i = 0; i < HTTPD_NMETHODS; i++)
		if (bit == 1u << i)
			return method_names[i];
	return "?";
}

void httpd_allow_string(unsigned methods, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < HTTPD_NMETHODS; i++) {
		if (!(methods & (1u << i)))
			continue;
		int w = snprintf(out + n, size - n, "%s%s", n ? ", " : "", method_names[i]);
		if (w < 0 || (size_t)w >= size - n)
			return;
		n += (size_t)w;
	}
}

/* "GET,HEAD" / "GET, POST" into a set; 0 when a name is not a method. */
static unsigned parse_methods(const char *list)
{
	unsigned set = 0;

	while (*list) {
		char name[16];
		size_t n = 0;
		unsigned bit;

		while (*list == ' ' || *list == ',')
			list++;
		while (*list && *list != ',' && *list != ' ' && n < sizeof(name) - 1)
			name[n++] = *list++;
		name[n] = '\0';
		if (!n)
			break;
		bit = httpd_method_bit(name);
		if (!bit)
			return 0;
		set |= bit;
	}
	return set;
}

static bool route_matches(const struct httpd_route *r, const char *path, size_t len)
{
	if (r->prefix)
		return len >= r->path_len && memcmp(path, r->path, r->path_len) == 0;
	return len == r->path_len && memcmp(path, r->path, len) == 0;
}

struct httpd_route *httpd_match(struct httpd *d, const char *path, unsigned method,
				unsigned *allowed)
{
	struct httpd_route *best = NULL;
	size_t len = strlen(path);

	*allowed = 0;
	for (struct httpd_route *r = d->routes; r; r = r->next) {
		if (!route_matches(r, path, len))
			continue;
		*allowed |= r->methods;
		if (!(r->methods & method))
			continue;
		if (!best || (best->prefix && !r->prefix) ||
		    (best->prefix && r->prefix && r->path_len > best->path_len))
			best = r;
	}
	return best;
}

int httpd_route(struct httpd *d, const char *methods, const char *path, size_t max_body,
		httpd_handler_fn *fn, void *arg)
{
	unsigned set = methods ? parse_methods(methods) : 0;
	size_t len = path ? strlen(path) : 0;
	bool prefix = len && path[len - 1] == '*';
	struct httpd_route *r;

	if (!set || !len || path[0] != '/' || !fn) {
		log_error("httpd", "route \"%s %s\": needs methods (GET, POST, ...) and a path "
			  "starting with /", methods ? methods : "", path ? path : "");
		return -1;
	}
	if (prefix)
		len--;
	for (r = d->routes; r; r = r->next) {
		if (r->prefix == prefix && r->path_len == len && memcmp(r->path, path, len) == 0 &&
		    (r->methods & set)) {
			log_error("httpd", "route \"%s %s\": already served", methods, path);
			return -1;
		}
	}
	r = xcalloc(1, sizeof(*r));
	r->d = d;
	r->path = xstrndup(path, len);
	r->path_len = len;
	r->prefix = prefix;
	r->methods = set;
	r->max_body = max_body ? max_body : HTTPD_MAX_BODY;
	r->fn = fn;
	r->arg = arg;
	r->next = d->routes;
	d->routes = r;
	return 0;
}

void httpd_unroute(struct httpd *d, const char *path, httpd_handler_fn *fn, void *arg)
{
	size_t len = strlen(path);
	bool prefix = len && path[len - 1] == '*';

	if (prefix)
		len--;
	for (struct httpd_route **pp = &d->routes; *pp; pp = &(*pp)->next) {
		struct httpd_route *r = *pp;

		if (r->fn != fn || r->arg != arg || r->prefix != prefix || r->path_len != len ||
		    memcmp(r->path, path, len) != 0)
			continue;
		httpd_work_run(d, r);
		*pp = r->next;
		free(r->path);
		free(r);
		return;
	}
}

/* ---- request headers ---- */

/* The names lws keeps headers under ("content-type:"), with their lengths,
 * read once: a lookup compares lengths first (a webhook asks for three
 * custom headers, each of which is looked for among them all first). */
static struct { const char *name; size_t len; } token_names[WSI_TOKEN_COUNT];
static pthread_once_t token_names_once = PTHREAD_ONCE_INIT;

static void token_names_read(void)
{
	for (int t = 0; t < (int)WSI_TOKEN_COUNT; t++) {
		const unsigned char *tn = lws_token_to_string((enum lws_token_indexes)t);
		token_names[t].name = (const char *)tn;
		token_names[t].len = tn ? strlen((const char *)tn) : 0;
	}
}

int httpd_header(const struct httpd_request *req, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);
	char custom[128];
	int n;

	if (!size || nlen + 2 > sizeof(custom))
		return -1;
	out[0] = '\0';
	pthread_once(&token_names_once, token_names_read);
	/* a header lws knows is kept under its token... */
	for (int t = 0; t < (int)WSI_TOKEN_COUNT; t++) {
		const char *tn = token_names[t].name;

		if (token_names[t].len != nlen + 1 || tn[nlen] != ':' || !str_ieqn(tn, name, nlen))
			continue;
		if (lws_hdr_total_length(req->wsi, (enum lws_token_indexes)t) <= 0)
			return -1;
		if ((size_t)lws_hdr_total_length(req->wsi, (enum lws_token_indexes)t) >= size)
			return -1;
		n = lws_hdr_copy(req->wsi, out, (int)size, (enum lws_token_indexes)t);
		return n < 0 ? -1 : n;
	}
	/* ...any other as a custom one, by its lower-case name and colon */
	for (size_t i = 0; i < nlen; i++)
		custom[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	custom[nlen] = ':';
	custom[nlen + 1] = '\0';
	n = lws_hdr_custom_length(req->wsi, custom, (int)nlen + 1);
	if (n < 0 || (size_t)n >= size)
		return -1;
	n = lws_hdr_custom_copy(req->wsi, out, (int)size, custom, (int)nlen + 1);
	return n < 0 ? -1 : n;
}

/* ---- responses ---- */

void httpd_response_init(struct httpd_response *res)
{
	memset(res, 0, sizeof(*res));
	res->status = 200;
	res->ctype = "text/plain; charset=utf-8";
	buf_init(&res->body);
}

void httpd_response_release(struct httpd_response *res)
{
	buf_release(&res->body);
	for (size_t i = 0; i < res->nheaders; i++) {
		free(res->headers[i].name);
		free(res->headers[i].value);
	}
	res->nheaders = 0;
}

void httpd_add_header(struct httpd_response *res, const char *name, const char *value)
{
	struct httpd_header *h;
	size_t n = strlen(name);

	if (res->nheaders >= HTTPD_MAX_HEADERS) {
		log_warn("httpd", "header %s dropped: more than %d in one answer", name,
			 HTTPD_MAX_HEADERS);
		return;
	}
	h = &res->headers[res->nheaders++];
	h->name = xstrndup(name, n);
	for (size_t i = 0; i < n; i++)
		if (h->name[i] >= 'A' && h->name[i] <= 'Z')
			h->name[i] = (char)(h->name[i] + 32);
	h->value = xstrdup(value);
}

/* Does the If-None-Match list name etag (weak or strong) or "*"? */
static bool etag_listed(const char *list, const char *etag)
{
	size_t el = strlen(etag);
	const char *p = list;

	if (strcmp(str_skip_space(list), "*") == 0)
		return true;
	while (*p) {
		const char *start, *end;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if ((size_t)(end - start) == el && memcmp(start, etag, el) == 0)
			return true;
	}
	return false;
}

bool httpd_not_modified(const struct httpd_request *req, struct httpd_response *res,
			const char *etag)
{
	char inm[1024];

	httpd_add_header(res, "ETag", etag);
	if (httpd_header(req, "if-none-match", inm, sizeof(inm)) < 0 || !etag_listed(inm, etag))
		return false;
	res->status = 304;
	buf_reset(&res->body);
	return true;
}

/* ---- deferred work ---- */

void httpd_defer(const struct httpd_request *req, httpd_work_fn *fn, void *arg,
		 const char *body, size_t len)
{
	struct httpd *d = req->route->d;
	struct httpd_work *w = xcalloc(1, sizeof(*w));

	w->route = req->route;
	w->fn = fn;
	w->arg = arg;
	w->body = xmalloc(len + 1);
	if (len)
		memcpy(w->body, body, len);
	w->body[len] = '\0';
	w->len = len;
	if (d->work_tail)
		d->work_tail->next = w;
	else
		d->work_head = w;
	d->work_tail = w;
	if (!d->gone)
		loop_timer_start(&d->work_timer, 0);
}

void httpd_work_run(struct httpd *d, struct httpd_route *only)
{
	struct httpd_work *mine = NULL, **tail = &mine, **pp = &d->work_head;

	/* take them off the queue first: fn may defer more or unroute */
	d->work_tail = NULL;
	while (*pp) {
		struct httpd_work *w = *pp;
		if (!only || w->route == only) {
			*pp = w->next;
			w->next = NULL;
			*tail = w;
			tail = &w->next;
		} else {
			d->work_tail = w;
			pp = &w->next;
		}
	}
	while (mine) {
		struct httpd_work *w = mine;
		mine = w->next;
		w->fn(w->arg, w->body, w->len);
		free(w);
	}
}
