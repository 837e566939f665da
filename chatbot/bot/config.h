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

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/util/util.h"

struct cJSON;
struct lookup_aliases;

#define CONFIG_DEFAULT_DATABASE "var/govbot.sqlite3"
#define CONFIG_DEFAULT_BOT_NAME "govbot"
#define CONFIG_DEFAULT_VOTE_DAYS 14
#define CONFIG_DEFAULT_NOMINATION_DAYS 90

struct notice_schedule;

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
	int nomination_days;    /* governance.nomination_days: a complete nomination older
				 * than this is in a reminder to the core maintainers */
	struct notice_schedule *agenda_digest;  /* governance.agenda_digest parsed, or NULL */
	struct cJSON *adapters; /* the "adapters" object (owned); never NULL: a file
				 * without "adapters" (and the defaults) get
				 * {"console": {}}; absent keys with a default
				 * (struct config_key.dflt) get it */
	struct config_identity *identities;
	size_t nidentities;
	struct lookup_aliases *aliases; /* "aliases", or NULL: the bundled ones */
	char *codeowners_path;  /* "codeowners", resolved, or NULL */
};

/* Returns 0 and *out, or -1 with every problem appended to problems (one per
 * line).  A NULL path means $GOVBOT_CONFIG, or the defaults when unset.
 * Refused (-1) before any platform is registered (config_set_platforms). */
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

/* ---- platforms: what the config knows of each adapter ----
 *
 * The config layer knows no platform by itself: the host layer (main.c,
 * through adapters_register() in adapters/adapters.c) hands it, once at
 * start, one struct config_platform per adapter of the build.  Until then
 * no adapter section and no PLATFORM:ID identity is valid. */

/* What a config value must be. */
enum config_kind {
	CONFIG_STRING,      /* non-empty string */
	CONFIG_URL,         /* http:// or https:// URL */
	CONFIG_POSINT,      /* integer >= 1 */
	CONFIG_MATRIX_USER, /* @user:server */
	CONFIG_MATRIX_ROOM, /* !id:server or #alias:server */
	CONFIG_ROOM_LIST,   /* array of CONFIG_MATRIX_ROOM */
	CONFIG_HTTP_PATH,   /* "/discourse/webhook" */
	CONFIG_BOOL,        /* true or false */
	CONFIG_CHOICE,      /* one of the words in the key's dflt ("webhook|poll"),
			     * the first being the value when absent */
};

/* One key of an adapter's section; a table of them ends with { NULL }. */
struct config_key {
	const char *name;
	enum config_kind kind;
	bool required;
	const char *dflt;    /* a string key's value when absent, or NULL;
			      * CONFIG_CHOICE: the values allowed, '|'-separated */
};

/* A platform mention found in a command's text (config_platform's
 * mention_at fills it). */
struct config_mention {
	const char *from;        /* where its markup starts: at the place asked
				  * about, or before it (the Markdown link
				  * "[Alice](...)" around a Matrix pill) */
	size_t len;              /* the markup's bytes from from */
	char id[256];            /* the user's id on the platform (the part
				  * after "NAME:"), at most CONFIG_ID_MAX bytes */
	bool may_be_handle;      /* mapped to no one, it may still be the
				  * GitHub handle as typed: not a miss */
};

struct config_platform {
	const char *name;                /* "slack": the key under "adapters" and the
					  * identity prefix */
	const struct config_key *keys;   /* its section's schema, { NULL }-terminated */
	const char *const *secrets;      /* environment variables it needs, NULL-terminated */
	const char *announce_key;        /* the key naming its announce target, or NULL:
					  * it announces wherever it runs */
	bool listens;                    /* receives webhooks: http.listen must be set */
	/* Optional, for a platform that listens: false when a section receives
	 * no webhooks after all (Discourse with "mode": "poll"). */
	bool (*listening)(const struct cJSON *section);
	/* Those of secrets needed only while it listens (NULL-terminated), or NULL. */
	const char *const *listen_secrets;
	/* Optional: true when id (the part after "NAME:", already non-empty,
	 * valid UTF-8, without spaces or controls) is valid on this platform. */
	bool (*valid_id)(const char *id);
	/* Optional: true, with *m filled, when the text at p (inside text, a
	 * command's arguments) is this platform's markup for one of its users
	 * (Slack "<@U0123>").  caller_here: the command's caller is on this
	 * platform.  chatbot/bot/mention.c asks each platform in turn. */
	bool (*mention_at)(const char *text, const char *p, bool caller_here, struct config_mention *m);
};

/* Sets the platforms (borrowed: static storage), replacing any before. */
void config_set_platforms(const struct config_platform *p, size_t n);
/* The platform named by the n bytes at name (any case), or NULL. */
const struct config_platform *config_platform(const char *name, size_t n);
/* The i-th registered platform (0-based, in registry order), or NULL. */
const struct config_platform *config_platform_nth(size_t i);
/* True when p (inside text) starts a word a mention may begin: at the
 * start, or after anything but a letter, digit, '@' or '.'. */
bool config_mention_word_start(const char *text, const char *p);
/* The longest id after "PLATFORM:" an identity may have. */
#define CONFIG_ID_MAX 255
/* True when id is "PLATFORM:ID" for a registered platform, ID non-empty, at
 * most CONFIG_ID_MAX bytes of UTF-8 without spaces or control characters,
 * and of the platform's own shape (its valid_id).  The config layer owns
 * this because it owns the registry; identity_valid() is the same test. */
bool config_id_valid(const char *id);
/* True when a and b name the same identity: the platform compares
 * case-insensitively, the id exactly. */
bool config_id_equal(const char *a, const char *b);

/* The announce targets of config c, in platform order: each configured
 * platform whose announce_key is set (non-empty), or that has none.  Fills
 * up to max borrowed names ("console", "slack"); returns the count (which
 * may exceed max). */
size_t config_announce_targets(const struct config *c, const char **out, size_t max);

/* The environment variables (NULL-terminated, static) that hold the secrets
 * of the adapter named, or NULL for a name the config does not know. */
const char *const *config_secrets(const char *adapter);
/* True when the section of the adapter named (as configured) receives
 * webhooks: it listens and its listening() callback does not say otherwise. */
bool config_section_listens(const char *adapter, const struct cJSON *section);
/* True when the adapter named, with this section, needs secret: every
 * secret, except a listen_secrets one while the section does not listen. */
bool config_secret_needed(const char *adapter, const struct cJSON *section, const char *secret);
/* Appends one line per secret that a configured adapter needs and the
 * environment lacks ("adapters.slack: SLACK_BOT_TOKEN is not set in the
 * environment").  Returns how many are missing.  Never prints a value. */
size_t config_missing_secrets(const struct config *c, struct buf *problems);

/* Every key the schema knows, one dotted path a line ("roster",
 * "http.listen", "adapters.slack.api_url"), appended to out: what the
 * manual (scripts/govbot.1) must document. */
void config_schema_keys(struct buf *out);

#endif
