/*
 * identity.h - chat identities ("slack:U0123") and the roster handles they
 * are.  A mapping comes from the config's "identities" or from `link`
 * (stored).  Only a mapped identity holds the roles the roster gives its
 * handle; everyone else is a community member.
 */
#ifndef GOVBOT_IDENTITY_H
#define GOVBOT_IDENTITY_H

#include <stdbool.h>

#include "chatbot/bot.h"

/* True when id has the form PLATFORM:ID with a known platform and a
 * non-empty, printable ID. */
bool identity_valid(const char *id);
/* The roster handle id maps to, or NULL.  Borrowed from the config or the
 * store's cache; valid until the next identity change. */
const char *identity_handle(struct govbot *bot, const char *id);

#endif
