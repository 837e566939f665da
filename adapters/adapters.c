/* adapters.c - the registry of adapters this build has; see adapter.h for
 * how to add one. */
#include "adapters/adapter.h"

#include <string.h>

const struct adapter *const adapters_all[] = {
	&adapter_console,
	&adapter_slack,
	&adapter_matrix,
	NULL,
};

const struct adapter *adapters_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; adapters_all[i]; i++)
		if (strcmp(adapters_all[i]->name, name) == 0)
			return adapters_all[i];
	return NULL;
}
