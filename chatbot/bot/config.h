/*
 * config.h - the JSON config file (see ../shared/contract.md, "Config file").
 *
 * config_load() reads and validates a file, collecting every problem as one
 * line "json.path: message" (e.g. "adapters.slack.api_url: not a URL");
 * unknown keys are problems.  Relative paths are resolved against the
 * config file's directory.  Secrets are never read from the file.
 *
 * Ownership: config_load()/config_default() return a config freed by
 * config_free(); every string inside is owned by it.
 */
#ifndef GOVBOT_CONFIG_H
#define GOVBOT_CONFIG_H

#include <stddef.h>

#include "chatbot/util/util.h"

struct cJSON;
struct lookup_aliases;

#define CONFIG_DEFAULT_DATABASE "var/govbot.sqlite3"
#define CONFIG_DEFAULT_BOT_NAME "govbot"
#define CONFIG_DEFAULT_VOTE_DAYS 14

struct config_identity {
	char *handle;     /* roster handle, as written in the config */
	char **ids;       /* "slack:U0SOUMITH", ... */
	size_t nids;
};

struct config {
	char *path;             /* the file read, or NULL for the built-in defaults */
	char *roster_path;      /* resolved path, or NULL for the bundled roster */
	char *database;         /* resolved path */
	char *bot_name;
	char *http_listen;      /* "127.0.0.1:8088", or NULL */
	int vote_days;          /* default deadline of motions and elections */
	struct cJSON *adapters; /* the "adapters" object (owned); never NULL: a file
				 * without "adapters" (and the defaults) get
				 * {"console": {}}; slack's api_url gets its default */
	struct config_identity *identities;
	size_t nidentities;
	struct lookup_aliases *aliases; /* "aliases", or NULL: the bundled ones */
	char *codeowners_path;  /* "codeowners", resolved, or NULL */
};

/* Returns 0 and *out, or -1 with every problem appended to problems (one per
 * line).  A NULL path means $GOVBOT_CONFIG, or the defaults when unset. */
int config_load(const char *path, struct config **out, struct buf *problems);
struct config *config_default(void);
void config_free(struct config *c);
/* The adapter's section ("slack"), borrowed, or NULL when not configured. */
const struct cJSON *config_adapter(const struct config *c, const char *name);
/* A string key of an adapter's section ("slack", "announce_channel"),
 * borrowed, or NULL when absent. */
const char *config_adapter_str(const struct config *c, const char *adapter, const char *key);
/* An integer key of an adapter's section, or dflt when absent. */
long long config_adapter_int(const struct config *c, const char *adapter, const char *key,
			     long long dflt);

/* Like config_load(), for check-config: on problems, *partial still gets
 * what could be read (caller frees with config_free), or NULL when the file
 * could not be read or parsed; roster_path is set whenever it was valid. */
int config_load_partial(const char *path, struct config **partial, struct buf *problems);

/* The environment variables (NULL-terminated, static) that hold the secrets
 * of the adapter named, or NULL for a name the config does not know. */
const char *const *config_secrets(const char *adapter);
/* Appends one line per secret that a configured adapter needs and the
 * environment lacks ("adapters.slack: SLACK_BOT_TOKEN is not set in the
 * environment").  Returns how many are missing.  Never prints a value. */
size_t config_missing_secrets(const struct config *c, struct buf *problems);

/* Every key the schema knows, one dotted path a line ("roster",
 * "http.listen", "adapters.slack.api_url"), appended to out: what the
 * manual (scripts/govbot.1) must document. */
void config_schema_keys(struct buf *out);

#endif
