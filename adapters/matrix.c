/*
 * matrix.c - Matrix, described: its config schema, secret and identity
 * syntax, so that check-config checks an "adapters.matrix" section and
 * matrix:@user:server identities are valid.  The client itself is not in
 * this build yet (no start): `govbot run` refuses a config that names it.
 */
#include "adapters/adapter.h"

#include <string.h>

static const char *const matrix_secrets[] = { "MATRIX_ACCESS_TOKEN", NULL };

static const struct config_key matrix_keys[] = {
	{ "homeserver_url", CONFIG_URL, true, NULL },
	{ "user_id", CONFIG_MATRIX_USER, true, NULL },
	{ "announce_room", CONFIG_MATRIX_ROOM, false, NULL },
	{ "auto_join", CONFIG_ROOM_LIST, false, NULL },
	{ NULL, CONFIG_STRING, false, NULL },
};

/* @localpart:server */
static bool matrix_valid_id(const char *id)
{
	const char *colon = strchr(id + 1, ':');

	return id[0] == '@' && id[1] && id[1] != ':' && colon && colon[1];
}

const struct adapter adapter_matrix = {
	.name = "matrix",
	.dialect = DIALECT_MATRIX_HTML,
	.secrets = matrix_secrets,
	.keys = matrix_keys,
	.announce_key = "announce_room",
	.valid_id = matrix_valid_id,
	.max_message = 60000,
};
