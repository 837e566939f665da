/*
 * httpd.h - the bot's own HTTP listener (config "http.listen").
 *
 * A listening vhost on the shared loop (chatbot/net/loop.h) answers:
 *   GET /healthz  200 "ok\n" while the host runs; 503 with the reason when
 *                 it is stopping or the database cannot be read;
 *   GET /metrics  200, Prometheus text format 0.0.4 (govbot_up,
 *                 govbot_commands_total{result=...}, govbot_outbox_pending,
 *                 govbot_adapters_running), from host_stats();
 *   any other path 404; any other method 405 (Allow: GET).
 * Every answer is small and written at once: nothing blocks the loop.
 *
 * Ownership: httpd_start() returns a listener freed by httpd_free(), which
 * must come after loop_free() (the vhost lives in the loop's context and
 * its callbacks use the listener until the context is gone).
 */
#ifndef GOVBOT_HTTPD_H
#define GOVBOT_HTTPD_H

#include <stddef.h>

#include "chatbot/util/util.h"

struct adapter_host;
struct httpd;

/* Listens on listen ("HOST:PORT", "[V6]:PORT") on h's loop.  NULL (logged
 * with the reason: not HOST:PORT, an unknown host, the port in use) when it
 * cannot. */
struct httpd *httpd_start(struct adapter_host *h, const char *listen);
void httpd_free(struct httpd *d);

/* The answer to one request (get: the method is GET; path without the
 * query) into body and *ctype (static); returns the HTTP status. */
int httpd_answer(struct adapter_host *h, bool get, const char *path, struct buf *body,
		 const char **ctype);

#endif
