/*
 * discourse.c - Discourse, described: its config schema, secrets and
 * identity syntax, so that check-config checks an "adapters.discourse"
 * section and discourse:NAME identities are valid.  The client itself is
 * not in this build yet (no start): `govbot run` refuses a config that
 * names it.
 */
#include "adapters/adapter.h"

static const char *const discourse_secrets[] = {
	"DISCOURSE_API_KEY", "DISCOURSE_WEBHOOK_SECRET", NULL,
};

static const struct config_key discourse_keys[] = {
	{ "base_url", CONFIG_URL, true, NULL },
	{ "api_username", CONFIG_STRING, true, NULL },
	{ "announce_category_id", CONFIG_POSINT, false, NULL },
	{ "webhook_path", CONFIG_HTTP_PATH, false, NULL },
	{ NULL, CONFIG_STRING, false, NULL },
};

const struct adapter adapter_discourse = {
	.name = "discourse",
	.dialect = DIALECT_DISCOURSE,
	.secrets = discourse_secrets,
	.keys = discourse_keys,
	.announce_key = "announce_category_id",
	.listens = true,
	.max_message = 32000,
};
