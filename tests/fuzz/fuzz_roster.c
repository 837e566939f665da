/*
 * fuzz_roster.c - libFuzzer target for the roster reader and writer.
 *
 * Whatever parses must write Markdown that parses again and writes the same
 * bytes; reStructuredText and JSON must be writable; lookups on the result
 * must not crash.  Build and run with scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond, const char *what, const char *detail)
{
	if (cond)
		return;
	fprintf(stderr, "fuzz_roster: %s\n%s\n", what, detail ? detail : "");
	abort();
}

/* Parses text (which must parse) and writes it in fmt; caller frees. */
static char *rewrite(const char *text, size_t len, enum roster_format fmt)
{
	struct roster *r = NULL;
	char err[256];
	struct buf out = BUF_INIT;
	must(roster_parse(text ? text : "", len, &r, err, sizeof(err)) == 0, "written page does not parse again",
	     err);
	roster_write(r, fmt, &out);
	roster_free(r);
	return buf_detach(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster *r = NULL, *r2 = NULL;
	char err[256];
	if (roster_parse((const char *)data, size, &r, err, sizeof(err)) < 0) {
		must(r == NULL && err[0] != '\0' && !strchr(err, '\n'), "error without a one-line message", err);
		return 0;
	}
	struct buf md = BUF_INIT, md2 = BUF_INIT, other = BUF_INIT;
	roster_write(r, ROSTER_FMT_MD, &md);
	int rc = roster_parse(md.data ? md.data : "", md.len, &r2, err, sizeof(err));
	must(rc == 0, "written Markdown does not parse again", err);
	roster_write(r2, ROSTER_FMT_MD, &md2);
	must(md.len == md2.len && memcmp(buf_str(&md), buf_str(&md2), md.len) == 0,
	     "Markdown round trip is not stable", buf_str(&md));
	/* reStructuredText: writing what was read gives the same bytes, and
	 * after one trip through Markdown (which may escape text that came
	 * from the other form) rst -> md -> rst is a fixed point */
	roster_write(r, ROSTER_FMT_RST, &other);
	char *a1 = rewrite(other.data, other.len, ROSTER_FMT_RST);
	must(strcmp(a1, buf_str(&other)) == 0, "reStructuredText round trip is not stable", buf_str(&other));
	char *m1 = rewrite(a1, strlen(a1), ROSTER_FMT_MD);
	char *c1 = rewrite(m1, strlen(m1), ROSTER_FMT_RST);
	char *m2 = rewrite(c1, strlen(c1), ROSTER_FMT_MD);
	char *c2 = rewrite(m2, strlen(m2), ROSTER_FMT_RST);
	must(strcmp(c1, c2) == 0, "rst -> md -> rst is not stable", c1);
	free(a1);
	free(m1);
	free(c1);
	free(m2);
	free(c2);
	roster_write(r, ROSTER_FMT_JSON, &other);

	/* lookups with the input's own lines and every heading */
	const char *s;
	char q[128];
	size_t n = size < sizeof(q) - 1 ? size : sizeof(q) - 1;
	memcpy(q, data, n);
	q[n] = '\0';
	lookup_module(r, q, &s);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct roster_group *g = lookup_module(r, r->groups[i].title, &s);
		/* headings up to 200 bytes are found by their own text */
		must(!roster_group_is_module(r, &r->groups[i]) || strlen(r->groups[i].title) > 200 || g != NULL,
		     "a heading is not found",
		     r->groups[i].title);
		for (size_t k = 0; k < r->groups[i].npeople; k++) {
			struct lookup_role roles[4];
			if (r->groups[i].people[k].handle)
				must(lookup_person(r, r->groups[i].people[k].handle, roles, 4) > 0,
				     "a listed handle is not found", r->groups[i].people[k].handle);
		}
	}
	struct roster *c = roster_clone(r);
	if (c->ngroups && c->groups[0].npeople && c->groups[0].people[0].handle)
		roster_set_emeritus(c, 0, c->groups[0].people[0].handle, true);
	roster_free(c);

	buf_release(&md);
	buf_release(&md2);
	buf_release(&other);
	roster_free(r);
	roster_free(r2);
	return 0;
}
