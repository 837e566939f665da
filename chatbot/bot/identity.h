/*
 * identity.h - chat identities ("slack:U0123") and the roster handles they
 * are.  A mapping comes from the config's "identities" or from `link`
 * (stored).  Only a mapped identity holds the roles the roster gives its
 * handle; everyone else is a community member.
 */
#ifndef GOVBOT_IDENTITY_H
#define GOVBOT_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/bot/bot.h"
#include "chatbot/bot/config.h"  /* CONFIG_ID_MAX */

struct config;

/* Longest ID part accepted, in bytes. */
#define IDENTITY_MAX_ID CONFIG_ID_MAX

/* True when id has the form PLATFORM:ID with a platform of this build (an
 * adapter's name, any case; see config_set_platforms) and a non-empty ID of
 * at most IDENTITY_MAX_ID bytes, valid UTF-8, with no spaces or control
 * characters, that the platform's valid_id accepts (a matrix ID looks like
 * @user:server). */
bool identity_valid(const char *id);
/* True when a and b are the same identity: the platform compares
 * case-insensitively, the ID exactly. */
bool identity_equal(const char *a, const char *b);
/* The roster handle id maps to, or NULL.  Borrowed from the config or the
 * store's cache; valid until the next identity change. */
const char *identity_handle(struct govbot *bot, const char *id);
/* Writes id to out with its platform lowercased ("Slack:U1" -> "slack:U1"),
 * the form stored links use.  Returns false (out = "") when id is not
 * valid or does not fit in n bytes. */
bool identity_normalize(const char *id, char *out, size_t n);
/* The local console user's identity, "console:$USER" (from the password
 * database when USER is unset or unusable; "console:user" as the last
 * resort), written to out (NUL-terminated, truncated to n). */
void identity_console_user(char *out, size_t n);
/* The handle the config's "identities" maps id to, or NULL.  Borrowed from
 * the config. */
const char *identity_config_handle(const struct config *c, const char *id);
/* The identities the config's "identities" maps to handle (any case):
 * up to max borrowed pointers into out; returns how many. */
size_t identity_config_ids(const struct config *c, const char *handle, const char **out, size_t max);

/* The user id of handle on platform ("slack" -> "U0SOUMITH", "matrix" ->
 * "@soumith:example.org"), without the prefix, from the config's
 * "identities" first, then from confirmed links; written to out.  False
 * (out = "") when their identity there is not known. */
bool identity_user_id(struct govbot *bot, const char *handle, const char *platform, char *out,
		      size_t n);

#endif
