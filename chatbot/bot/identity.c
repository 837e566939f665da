/* identity.c - see identity.h. */
#include "chatbot/bot/identity.h"
#include "chatbot/bot/config.h"
#include "chatbot/gov/store.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool identity_valid(const char *id)
{
	return config_id_valid(id);
}

bool identity_equal(const char *a, const char *b)
{
	return config_id_equal(a, b);
}

bool identity_normalize(const char *id, char *out, size_t n)
{
	size_t len = id ? strlen(id) : 0;
	if (n)
		out[0] = '\0';
	if (!identity_valid(id) || len + 1 > n)
		return false;
	memcpy(out, id, len + 1);
	for (char *p = out; *p != ':'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return true;
}

const char *identity_config_handle(const struct config *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->nidentities; i++)
		for (size_t j = 0; j < c->identities[i].nids; j++)
			if (identity_equal(c->identities[i].ids[j], id))
				return c->identities[i].handle;
	return NULL;
}

size_t identity_config_ids(const struct config *c, const char *handle, const char **out, size_t max)
{
	size_t k = 0;
	if (!c || !handle)
		return 0;
	for (size_t i = 0; i < c->nidentities; i++)
		if (str_ieq(c->identities[i].handle, handle))
			for (size_t j = 0; j < c->identities[i].nids && k < max; j++)
				out[k++] = c->identities[i].ids[j];
	return k;
}

const char *identity_handle(struct govbot *bot, const char *id)
{
	/* valid, and checked once: normalizing checks it (room for any
	 * platform name the host joins: host_inbound's caller buffer) */
	char norm[IDENTITY_MAX_ID + 64];
	if (!bot || !identity_normalize(id, norm, sizeof(norm)))
		return NULL;
	/* 1. the config's "identities" win: the operator's file is the base. */
	const char *handle = identity_config_handle(bot->config, id);
	if (handle)
		return handle;
	/* 2. then the identities added with `link` (stored, audited) */
	return bot->store ? store_link_handle(bot->store, norm) : NULL;
}

void identity_console_user(char *out, size_t n)
{
	const char *user = getenv("USER");
	char tmp[IDENTITY_MAX_ID + 16];
	if (user && *user) {
		snprintf(tmp, sizeof(tmp), "console:%s", user);
		if (strlen(user) <= IDENTITY_MAX_ID && identity_valid(tmp)) {
			snprintf(out, n, "%s", tmp);
			return;
		}
	}
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name) {
		snprintf(tmp, sizeof(tmp), "console:%s", pw->pw_name);
		if (strlen(pw->pw_name) <= IDENTITY_MAX_ID && identity_valid(tmp)) {
			snprintf(out, n, "%s", tmp);
			return;
		}
	}
	snprintf(out, n, "console:user");
}

bool identity_user_id(struct govbot *bot, const char *handle, const char *platform, char *out,
		      size_t n)
{
	size_t pl = strlen(platform);
	const struct config *c = bot->config;
	out[0] = '\0';
	for (size_t i = 0; c && i < c->nidentities; i++) {
		if (!str_ieq(c->identities[i].handle, handle))
			continue;
		for (size_t j = 0; j < c->identities[i].nids; j++) {
			const char *id = c->identities[i].ids[j];
			if (str_ieqn(id, platform, pl) && id[pl] == ':') {
				snprintf(out, n, "%s", id + pl + 1);
				return true;
			}
		}
	}
	char *linked = bot->store ? store_link_identity(bot->store, handle, platform) : NULL;
	if (linked)
		snprintf(out, n, "%s", linked + pl + 1);
	free(linked);
	return out[0] != '\0';
}
