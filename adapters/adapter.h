/*
 * adapter.h - one chat platform behind one const struct.
 *
 * The adapter is the one place a platform is described: its name (config
 * key and identity prefix), reply dialect, secrets, config keys, announce
 * target, identity syntax, message size limit and its callbacks.  Config
 * checking, identities, announce targets and `--help` loop over
 * adapters_all[]; the core never switches on the platform.
 *
 * An adapter receives messages from its platform and hands each one to
 * host_inbound() (chatbot/host/host.h), which answers in its dialect, cut
 * to its max_message; announcements reach it through announce().
 *
 * To add an adapter:
 *   1. write adapters/NAME.c exporting only `const struct adapter adapter_NAME`
 *      (and its tests in tests/, against a local server that follows the
 *      platform's protocol);
 *   2. add the line `X(NAME) \` to ADAPTERS_ALL below (the registry): it
 *      declares adapter_NAME and lists it in adapters_all[] (adapters.c).
 */
#ifndef GOVBOT_ADAPTER_H
#define GOVBOT_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/bot/config.h"   /* struct config_key: an adapter's config schema */
#include "chatbot/bot/reply.h"

struct cJSON;
struct govbot;
struct adapter_host;  /* the running program: bot, loop, http; see chatbot/host/host.h */

/* What announce() knows when it returns. */
enum announce_status {
	ANNOUNCE_SENT,     /* delivered: marked done now */
	ANNOUNCE_FAILED,   /* not delivered: retried later with backoff */
	ANNOUNCE_PENDING,  /* in flight: the adapter calls host_announce_done() later
			    * (after announce() returned, never from inside it) */
};

/* One announcement for this adapter's target.  Everything is borrowed for
 * the call of announce(); copy what a PENDING post needs later. */
struct announcement {
	const char *key;              /* delivery key: stable across retries and restarts,
				       * unique per (announcement, target); usable as an
				       * idempotency key (Matrix txnId, Discourse external_id) */
	const char *target;           /* the value of the adapter's announce key
				       * ("C0123", "!room:server", "5"), or NULL when
				       * it has none (the console) */
	const char *title;            /* one line, plain text (a Discourse topic title) */
	const struct reply *body;     /* the rest, to render in the adapter's dialect */
	const struct reply *message;  /* the title in bold, then the body: what a chat
				       * posts as one message */
	bool maybe_posted;            /* offered before: an earlier attempt (or process)
				       * may have posted it; look before posting again
				       * where the platform lets one (outbox.h) */
};

struct adapter {
	const char *name;              /* "slack": config key and identity prefix */
	enum reply_dialect dialect;    /* what host_inbound() renders answers in */
	const char *const *secrets;    /* environment variables it needs, NULL-terminated */
	const struct config_key *keys; /* its config section's schema, { NULL }-terminated */
	const char *announce_key;      /* the key of its section naming the announce
					* target, or NULL: it announces whenever it runs */
	bool listens;                  /* receives webhooks: needs http.listen */
	/* Optional, for one that listens: false when a section receives no
	 * webhooks after all (Discourse with "mode": "poll"). */
	bool (*listening)(const struct cJSON *section);
	const char *const *listen_secrets;  /* of secrets, those needed only while it
					     * listens; NULL-terminated, or NULL */
	/* Optional: true when id (the part after "NAME:") is a valid identity on
	 * this platform; the generic checks (non-empty, UTF-8, no spaces or
	 * controls, at most IDENTITY_MAX_ID bytes) already passed. */
	bool (*valid_id)(const char *id);
	/* Optional: its markup for one of its users in a message (Slack
	 * "<@U0123>"): true, with *m filled, when one starts at p inside text
	 * (config.h's struct config_mention; caller_here: the caller writes on
	 * this platform).  Commands read such a mention as that person. */
	bool (*mention_at)(const char *text, const char *p, bool caller_here, struct config_mention *m);
	size_t max_message;            /* bytes one rendered answer may take (0: no
					* limit); host_inbound() cuts longer ones */

	/* The rest is NULL for a platform described but not in this build yet:
	 * its config is checked, `run` refuses to start it. */

	/* Starts on the host's loop with its config section (borrowed, valid
	 * until stop); returns 0 and its state, or -1 (logged). */
	int (*start)(struct adapter_host *host, const struct cJSON *section, void **state);
	/* Optional.  Posts an announcement to the adapter's announce target. */
	enum announce_status (*announce)(void *state, const struct announcement *a);
	/* Optional.  Shutdown began (the loop still runs for a grace period):
	 * close links gracefully, start nothing new.  Called again after each
	 * loop pass while it returns true (something is still closing). */
	bool (*drain)(void *state);
	/* Stops, finishing in-flight work; frees state. */
	void (*stop)(void *state);
};

/* The registry: one line an adapter, in announce order. */
#define ADAPTERS_ALL(X) \
	X(console) \
	X(slack) \
	X(matrix) \
	X(discourse) \
	/* end */

#define ADAPTER_DECLARE_(name) extern const struct adapter adapter_##name;
ADAPTERS_ALL(ADAPTER_DECLARE_)
#undef ADAPTER_DECLARE_

/* Every adapter this build describes, NULL-terminated, in announce order. */
extern const struct adapter *const adapters_all[];
/* The adapter named exactly name, or NULL. */
const struct adapter *adapters_find(const char *name);
/* Hands every adapter's config schema, secrets, announce key and identity
 * syntax to the config layer (config_set_platforms).  Call once before
 * loading a config or checking an identity. */
void adapters_register(void);
/* Appends the adapters' secrets to out, for --help: "SLACK_APP_TOKEN,
 * SLACK_BOT_TOKEN, MATRIX_ACCESS_TOKEN". */
void adapters_secrets_help(struct buf *out);

#endif
