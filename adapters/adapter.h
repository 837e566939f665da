/*
 * adapter.h - one chat platform behind one const struct of callbacks.
 * The core never switches on the platform.
 *
 * To add an adapter:
 *   1. write adapters/NAME.c exporting only `const struct adapter adapter_NAME`;
 *   2. declare it below and add it to adapters_all[] in adapters/adapters.c;
 *   3. give its config keys to chatbot/bot/config.c's schema and its secrets'
 *      environment variable names to .secrets;
 *   4. test it over real sockets against a local server in tests/.
 */
#ifndef GOVBOT_ADAPTER_H
#define GOVBOT_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/bot/bot.h"
#include "chatbot/bot/reply.h"

struct adapter_host;  /* the running program: bot, event loop; see chatbot/host/host.h */

struct adapter {
	const char *name;              /* "console", "slack": the config key and identity prefix */
	enum reply_dialect dialect;
	const char *const *secrets;    /* environment variables it needs, NULL-terminated */
	/* Starts on the host's loop; returns 0 and its state, or -1 (logged). */
	int (*start)(struct adapter_host *host, void **state);
	/* Posts an announcement to the adapter's announce target.  Asynchronous:
	 * the adapter calls host_announce_done(host, key, ok) when it is known. */
	int (*announce)(void *state, const char *key, const struct reply *text);
	/* Optional.  Shutdown began (the loop still runs for a grace period):
	 * close links gracefully, start nothing new.  Called again after each
	 * loop pass while it returns true (something is still closing). */
	bool (*drain)(void *state);
	/* Stops, finishing in-flight work; frees state. */
	void (*stop)(void *state);
};

extern const struct adapter adapter_console;
extern const struct adapter adapter_slack;
extern const struct adapter adapter_matrix;

/* Every adapter this build has, NULL-terminated. */
extern const struct adapter *const adapters_all[];
const struct adapter *adapters_find(const char *name);

#endif
