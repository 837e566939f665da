/*
 * roster_default.c - the bundled roster: data/persons_of_interest.md,
 * linked into the binary by data/roster_blob.S.
 */
#include "chatbot/roster/roster.h"

#include <stdlib.h>

#include "chatbot/util/log.h"

extern const char govbot_roster_md[];
extern const char govbot_roster_md_end[];

const char *roster_default_text(size_t *len)
{
	if (len)
		*len = (size_t)(govbot_roster_md_end - govbot_roster_md);
	return govbot_roster_md;
}

struct roster *roster_load_default(void)
{
	size_t len;
	const char *text = roster_default_text(&len);
	struct roster *r = NULL;
	char err[256];
	if (roster_parse(text, len, &r, err, sizeof(err)) < 0) {
		log_event(LOG_FATAL, "roster", NULL, "bundled roster is broken: %s", err);
		abort();
	}
	return r;
}
