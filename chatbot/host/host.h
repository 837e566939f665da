/*
 * host.h - the running program: the bot, the shared event loop
 * (chatbot/net/loop.h), the HTTP worker (chatbot/net/http.h), the adapters the
 * config names, the outbox pump and the signals.
 *
 * host_run() starts every configured adapter (the console alone when the
 * config names none), services the loop until SIGINT/SIGTERM or until every
 * adapter has stopped, then keeps servicing it for a short grace period
 * (HOST_GRACE_MS) while HTTP requests are in flight or an adapter's drain()
 * says it is still closing its links, stops the adapters and returns.
 *
 * The outbox is pumped (gov_tick once, then outbox_pump for each adapter's
 * target, delivered through its announce()) at start, every HOST_PUMP_MS, right after a
 * command that wrote to the database, and once more at shutdown.
 *
 * Adapters reach the shared pieces through the accessors below (all on the
 * loop thread).  Ownership: everything returned is borrowed from the host.
 */
#ifndef GOVBOT_HOST_H
#define GOVBOT_HOST_H

#include <stdbool.h>

#include "adapters/adapter.h"
#include "chatbot/bot/bot.h"
#include "chatbot/dispatch/dispatch.h"
#include "chatbot/net/http.h"
#include "chatbot/net/httpd.h"
#include "chatbot/net/loop.h"

struct adapter_host;

/* Grace period for in-flight HTTP requests and closing links at shutdown. */
#define HOST_GRACE_MS 2000
/* SQLite busy timeout while the loop runs (unless GOVBOT_BUSY_MS is set). */
#define HOST_BUSY_MS 1000
/* How often the outbox is pumped when nothing else triggers it. */
#define HOST_PUMP_MS 500

/* Exit code: 0 after a signal (or when every adapter ended normally, e.g.
 * the console at end of input), 1 when an adapter could not start (a
 * missing secret, a bad setting) or every adapter stopped on a fatal error. */
int host_run(struct govbot *bot);

struct govbot *host_bot(struct adapter_host *h);
struct loop *host_loop(struct adapter_host *h);
struct http *host_http(struct adapter_host *h);
/* The HTTP listener (config http.listen), NULL without one: an adapter
 * registers its webhook there in start() and removes it in stop()
 * (httpd_route / httpd_unroute). */
struct httpd *host_httpd(struct adapter_host *h);
/* True once shutdown began: start no new work. */
bool host_stopping(struct adapter_host *h);

/* What GET /metrics and /healthz report (chatbot/host/host_http.c). */
struct host_stats {
	unsigned long long commands[4];  /* by enum cmd_result: ok, error, refused, failed */
	size_t adapters_running;
	long long outbox_pending;        /* pending deliveries; 0 without a database,
					    -1 when the database cannot be read */
};
void host_stats(struct adapter_host *h, struct host_stats *out);
/* Registers GET /healthz and GET /metrics on d (chatbot/host/host_http.c);
 * 0, or -1 (logged). */
int host_http_routes(struct adapter_host *h, struct httpd *d);

/* dispatch_line() (its result counted for host_stats), then an outbox pump soon (a command may have queued an
 * announcement). */
int host_dispatch(struct adapter_host *h, const struct dispatch_request *req, struct reply *out);

/* Records (platform, event_id); true the first time, false when it was
 * seen before (also by an earlier run, when the bot has a database). */
bool host_event_first(struct adapter_host *h, const char *platform, const char *event_id);

/* The outcome of an adapter's announce(key, ...). */
void host_announce_done(struct adapter_host *h, const char *key, bool ok);

/* An adapter stopped for good by itself: fatal (bad token, link disabled)
 * or normal (console at end of input).  When no adapter is left the host
 * stops, with exit code 1 if any stopped fatally. */
void host_adapter_ended(struct adapter_host *h, const struct adapter *a, bool fatal);

#endif
