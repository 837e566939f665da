/*
 * httpd_int.h - what httpd.c (the listener, its connections and limits)
 * and httpd_route.c (the route table, request and response helpers,
 * deferred work) share.  Not for use outside chatbot/net/httpd*.c.
 */
#ifndef GOVBOT_HTTPD_INT_H
#define GOVBOT_HTTPD_INT_H

#include "chatbot/net/httpd.h"

/* Methods as bits of a route's set. */
enum {
	HTTPD_GET = 1u << 0,
	HTTPD_POST = 1u << 1,
	HTTPD_PUT = 1u << 2,
	HTTPD_PATCH = 1u << 3,
	HTTPD_DELETE = 1u << 4,
	HTTPD_OPTIONS = 1u << 5,
	HTTPD_HEAD = 1u << 6,
};
#define HTTPD_NMETHODS 7

struct httpd_route {
	struct httpd_route *next;
	struct httpd *d;
	char *path;           /* without the trailing '*' of a prefix */
	size_t path_len;
	bool prefix;
	unsigned methods;
	size_t max_body;
	httpd_handler_fn *fn;
	void *arg;
};

struct httpd_work {
	struct httpd_work *next;
	struct httpd_route *route;
	httpd_work_fn *fn;
	void *arg;
	char *body;
	size_t len;
};

struct httpd {
	struct loop *loop;
	struct lws_vhost *vhost;
	struct httpd_limits lim;      /* as given, 0 fields filled in */
	size_t max_conns;             /* lim.max_conns within the fd budget */
	bool gone;                    /* the vhost (and the loop's timers) went */

	struct httpd_route *routes;

	struct httpd_work *work_head, *work_tail;
	struct loop_timer work_timer;

	/* connections: live ones from the least recently active to the most;
	 * dying ones (being closed) apart, so neither the cap nor lws's timers
	 * ever walk them */
	struct httpd_conn_list { struct httpd_conn *head, *tail; } live, dying;
	size_t nconns, ndying;
	struct loop_timer sweep;
};

/* The bit of method name ("GET"), 0 when unknown; its name by index. */
unsigned httpd_method_bit(const char *name);
const char *httpd_method_name(unsigned bit);
/* The route serving method on path (an exact one before the longest
 * prefix), or NULL; *allowed gets the methods of every route matching
 * path (0: no route has the path: 404). */
struct httpd_route *httpd_match(struct httpd *d, const char *path, unsigned method,
				unsigned *allowed);
/* "GET, POST" for a set, into out. */
void httpd_allow_string(unsigned methods, char *out, size_t size);
/* Runs the queued work (of route only, when not NULL) now. */
void httpd_work_run(struct httpd *d, struct httpd_route *only);
void httpd_response_init(struct httpd_response *res);
void httpd_response_release(struct httpd_response *res);

#endif
