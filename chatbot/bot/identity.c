/* identity.c - see identity.h. */
#include "chatbot/bot/identity.h"
#include "chatbot/bot/config.h"
#include "chatbot/gov/store.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Length of the platform prefix when it names a platform of this build
 * (config_set_platforms), else 0. */
static size_t platform_len(const char *id)
{
	const char *colon = strchr(id, ':');
	if (!colon)
		return 0;
	size_t n = (size_t)(colon - id);
	return config_platform(id, n) ? n : 0;
}

bool identity_valid(const char *id)
{
	if (!id)
		return false;
	size_t plen = platform_len(id);
	if (!plen)
		return false;
	const struct config_platform *p = config_platform(id, plen);
	const char *rest = id + plen + 1;
	size_t n = strlen(rest);
	if (n == 0 || n > IDENTITY_MAX_ID || !utf8_valid(rest, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)rest[i];
		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	/* C1 controls are two-byte UTF-8 sequences: U+0080..U+009F */
	if (str_has_controls(rest, n))
		return false;
	/* and what the platform itself requires (matrix: @user:server) */
	return !p->valid_id || p->valid_id(rest);
}

bool identity_equal(const char *a, const char *b)
{
	size_t pa = platform_len(a), pb = platform_len(b);
	if (!pa || pa != pb || !str_ieqn(a, b, pa))
		return pa == 0 && pb == 0 && strcmp(a, b) == 0;
	return strcmp(a + pa, b + pb) == 0;
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

const char *identity_handle(struct govbot *bot, const char *id)
{
	if (!bot || !identity_valid(id))
		return NULL;
	/* 1. the config's "identities" win: the operator's file is the base. */
	const char *handle = identity_config_handle(bot->config, id);
	if (handle)
		return handle;
	/* 2. then the identities added with `link` (stored, audited) */
	char norm[IDENTITY_MAX_ID + 16];
	if (bot->store && identity_normalize(id, norm, sizeof(norm)))
		return store_link_handle(bot->store, norm);
	return NULL;
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
