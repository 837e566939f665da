/* roster_check.c - see roster_check.h. */
#include "chatbot/roster/roster_check.h"

#include "chatbot/roster/roster.h"

#include <string.h>

size_t roster_check(const struct roster *r, struct buf *out)
{
	size_t n = 0;
	if (!r)
		return 0;
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct roster_group *g = &r->groups[i];
		for (size_t j = 0; j < i; j++) {
			if (str_ieq(r->groups[j].title, g->title)) {
				buf_addf(out, "roster: warning: the heading \"%s\" is given twice; `who` finds "
					 "the first one only: merge the two lists\n", g->title);
				n++;
				break;
			}
		}
		for (size_t a = 0; a < g->npeople; a++) {
			const struct roster_person *pa = &g->people[a];
			if (!pa->handle)
				continue;
			for (size_t b = 0; b < a; b++) {
				const struct roster_person *pb = &g->people[b];
				if (!pb->handle || !str_ieq(pa->handle, pb->handle))
					continue;
				if (pa->emeritus != pb->emeritus)
					buf_addf(out, "roster: warning: %s: @%s is listed both active and emeritus; "
						 "`who` shows one role: keep one entry\n", g->title, pb->handle);
				else
					buf_addf(out, "roster: warning: %s: @%s is listed twice%s; `who` shows one "
						 "role: keep one entry\n", g->title, pb->handle,
						 strcmp(pa->handle, pb->handle) ? " (in different case)" : "");
				n++;
				break;
			}
		}
	}
	return n;
}
