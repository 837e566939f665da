/* adapters.c - the registry of adapters this build has; see adapter.h for
 * how to add one. */
#include "adapters/adapter.h"

#include <string.h>

/* ADAPTERS_ALL (adapter.h) is the one line an adapter adds. */
#define ADAPTER_ENTRY_(name) &adapter_##name,
const struct adapter *const adapters_all[] = {
	ADAPTERS_ALL(ADAPTER_ENTRY_)
	NULL,
};

#define ADAPTERS_MAX 16

const struct adapter *adapters_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; adapters_all[i]; i++)
		if (strcmp(adapters_all[i]->name, name) == 0)
			return adapters_all[i];
	return NULL;
}

void adapters_register(void)
{
	static struct config_platform platforms[ADAPTERS_MAX];
	size_t n = 0;

	for (size_t i = 0; adapters_all[i] && n < ADAPTERS_MAX; i++, n++) {
		const struct adapter *a = adapters_all[i];
		platforms[n] = (struct config_platform){
			.name = a->name, .keys = a->keys, .secrets = a->secrets,
			.announce_key = a->announce_key, .listens = a->listens,
			.listening = a->listening, .listen_secrets = a->listen_secrets,
			.valid_id = a->valid_id, .mention_at = a->mention_at,
		};
	}
	config_set_platforms(platforms, n);
}

void adapters_secrets_help(struct buf *out)
{
	size_t k = 0;

	for (size_t i = 0; adapters_all[i]; i++)
		for (const char *const *s = adapters_all[i]->secrets; s && *s; s++)
			buf_addf(out, "%s%s", k++ ? ", " : "", *s);
}
