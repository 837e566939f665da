/*
 * host.h - the running program: the bot, the shared event loop
 * (chatbot/net/loop.h), the HTTP client (chatbot/net/http.h), the adapters the
 * config names, the outbox pump and the signals.
 *
 * host_run() starts every configured adapter (the console alone when the
 * config names none), services the loop until SIGINT/SIGTERM or until every
 * adapter has stopped, then keeps servicing it for a short grace period
 * (HOST_GRACE_MS) while HTTP requests are in flight or an adapter's drain()
 * says it is still closing its links, stops the adapters and returns.
 *
 * The outbox is pumped (gov_tick once, then each running adapter's
 * deliveries through its announce()) at start, every HOST_PUMP_MS, right
 * after a command that wrote to the database, and once more at shutdown.
 *
 * Every message an adapter receives goes through host_inbound(): caller
 * and place ids, event dedupe, dispatch, rendering in the adapter's
 * dialect and cutting to its max_message happen there, once for all.
 * Before each loop pass the store's look at other processes' commits is
 * renewed once (store_refresh_pass), not once per command.
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

/* The pieces of host_run(), for tests: a host of bot on its own loop and
 * HTTP client with no adapter running (NULL, logged, when they cannot
 * start); host_start_adapter() starts one with its config section
 * (-1, logged, when it cannot); host_pump_now() pumps the outbox once;
 * host_free() stops the adapters and frees everything. */
struct adapter_host *host_new(struct govbot *bot);
int host_start_adapter(struct adapter_host *h, const struct adapter *a,
		       const struct cJSON *section);
void host_pump_now(struct adapter_host *h);
void host_free(struct adapter_host *h);

struct govbot *host_bot(struct adapter_host *h);
struct loop *host_loop(struct adapter_host *h);
struct http *host_http(struct adapter_host *h);
/* The HTTP listener (config http.listen), NULL without one: an adapter
 * registers its webhook there in start() and removes it in stop()
 * (httpd_route / httpd_unroute). */
struct httpd *host_httpd(struct adapter_host *h);
/* True once shutdown began: start no new work. */
bool host_stopping(struct adapter_host *h);

#define HOST_MAX_ADAPTERS 8

/* What GET /metrics and /healthz report (chatbot/host/host_http.c). */
struct host_stats {
	unsigned long long commands[4];  /* by enum cmd_result: ok, error, refused, failed */
	size_t adapters_running;
	/* each adapter started, in start order: its name and whether it still
	 * runs (an adapter that stopped on a fatal error is down) */
	struct { const char *name; bool up; bool fatal; } adapters[HOST_MAX_ADAPTERS];
	size_t nadapters;
	long long outbox_pending;        /* pending deliveries; 0 without a database,
					    -1 when the database cannot be read */
};
void host_stats(struct adapter_host *h, struct host_stats *out);
/* Registers GET /healthz and GET /metrics on d (chatbot/host/host_http.c);
 * 0, or -1 (logged). */
int host_http_routes(struct adapter_host *h, struct httpd *d);

/* One message an adapter received. */
struct inbound {
	const char *user;        /* the sender's id on the platform ("U0123"); the
				  * caller is "NAME:user" */
	const char *place;       /* where it was said ("C0123", "!room:server"), or
				  * NULL; the place is "NAME:place" */
	const char *text;        /* what the user typed, platform markup removed */
	size_t len;
	const char *event_id;    /* the platform's id of this event, or NULL; an id
				  * seen before (also by an earlier run, when the bot
				  * has a database) is not answered again */
	bool require_prefix;     /* true in shared rooms; false in DMs, slash commands */
};

/* What host_inbound() answers.  Owned by the adapter and reused from one
 * message to the next (no allocation per message once warm). */
struct host_answer {
	int result;              /* enum cmd_result (commands/commands.h): an adapter
				  * may send CMD_REFUSED / CMD_ERROR privately */
	struct reply *reply;     /* the answer as a document: render it again for a
				  * second dialect (Matrix's plain body) */
	struct buf text;         /* reply rendered in the adapter's dialect, cut to its
				  * max_message (with a "(truncated)" note) */
	bool cut;                /* text was cut */
};
void host_answer_init(struct host_answer *ans);
void host_answer_release(struct host_answer *ans);

/* Runs one message from adapter a.  Returns true with the answer in *ans,
 * or false when there is nothing to say: the text was not for the bot (no
 * prefix where one is required), or its event was seen before.
 * The dispatch result is counted for host_stats(), and a command that
 * wrote to the database gets the outbox pumped right after this loop pass. */
bool host_inbound(struct adapter_host *h, const struct adapter *a, const struct inbound *in,
		  struct host_answer *ans);

/* The outcome of an announce() that returned ANNOUNCE_PENDING: key is the
 * struct announcement's key. */
void host_announce_done(struct adapter_host *h, const char *key, bool ok);

/* An adapter stopped for good by itself: fatal (bad token, link disabled)
 * or normal (console at end of input).  When no adapter is left the host
 * stops, with exit code 1 if any stopped fatally. */
void host_adapter_ended(struct adapter_host *h, const struct adapter *a, bool fatal);

#endif
