/*
 * lookup.c - finds a module from what a person typed.
 *
 * At parse time every module heading and alias is normalised (ASCII
 * lowercase, '/' read as '.', runs of blanks as one space) into a small
 * open-addressing hash table kept in the roster, so lookup_module() does
 * no allocation: it normalises the query into a stack buffer and probes.
 * Headings go in before aliases, so a heading always beats another
 * group's alias; among aliases the first in page order wins.
 */
#include "chatbot/roster/lookup.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 256

struct ix_entry {
	uint64_t hash;
	const char *key;        /* normalised, in the arena */
	size_t len;
	size_t group;
	const char *display;    /* heading or alias as written (borrowed from the roster) */
};

struct lookup_index {
	struct ix_entry *entries;   /* insertion order (for suggestions) */
	size_t nentries;
	size_t *slots;              /* entry index + 1, 0 when empty */
	size_t mask;
	char *arena;
	size_t arena_len;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Normalises s[0..n) into out (cap bytes).  Returns the length, or
 * (size_t)-1 when it does not fit. */
static size_t normalise(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (o && out[o - 1] != ' ')
				c = ' ';
			else
				continue;
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c + 32);
		} else if (c == '/') {
			c = '.';
		}
		if (o + 1 >= cap)
			return (size_t)-1;
		out[o++] = c;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

static long ix_find(const struct lookup_index *ix, const char *key, size_t n)
{
	if (!ix || !ix->slots || !n)
		return -1;
	uint64_t h = hash_bytes(key, n);
	for (size_t i = (size_t)h & ix->mask;; i = (i + 1) & ix->mask) {
		size_t e = ix->slots[i];
		if (!e)
			return -1;
		const struct ix_entry *en = &ix->entries[e - 1];
		if (en->hash == h && en->len == n && memcmp(en->key, key, n) == 0)
			return (long)(e - 1);
	}
}

static void ix_add(struct lookup_index *ix, const char *s, size_t group, const char *display)
{
	char key[KEY_MAX];
	size_t n = normalise(s, strlen(s), key, sizeof(key));
	if (n == (size_t)-1 || !n || ix_find(ix, key, n) >= 0)
		return;
	struct ix_entry *en = &ix->entries[ix->nentries];
	memcpy(ix->arena + ix->arena_len, key, n + 1);
	*en = (struct ix_entry){ .hash = hash_bytes(key, n), .key = ix->arena + ix->arena_len,
				 .len = n, .group = group, .display = display };
	ix->arena_len += n + 1;
	size_t i = (size_t)en->hash & ix->mask;
	while (ix->slots[i])
		i = (i + 1) & ix->mask;
	ix->slots[i] = ++ix->nentries;
}

struct lookup_index *lookup_index_build(const struct roster *r)
{
	struct lookup_index *ix = xcalloc(1, sizeof(*ix));
	size_t n = 0, bytes = 0;
	for (size_t g = 0; g < r->ngroups; g++) {
		if (!roster_group_is_module(r, &r->groups[g]))
			continue;
		n += 1 + r->groups[g].naliases;
		bytes += strlen(r->groups[g].title) + 1;
		for (size_t a = 0; a < r->groups[g].naliases; a++)
			bytes += strlen(r->groups[g].aliases[a]) + 1;
	}
	size_t cap = 16;
	while (cap < 2 * n + 1)
		cap *= 2;
	ix->mask = cap - 1;
	ix->slots = xcalloc(cap, sizeof(size_t));
	ix->entries = xcalloc(n ? n : 1, sizeof(*ix->entries));
	ix->arena = xmalloc(bytes + 1);
	for (size_t g = 0; g < r->ngroups; g++)
		if (roster_group_is_module(r, &r->groups[g]))
			ix_add(ix, r->groups[g].title, g, r->groups[g].title);
	for (size_t g = 0; g < r->ngroups; g++)
		if (roster_group_is_module(r, &r->groups[g]))
			for (size_t a = 0; a < r->groups[g].naliases; a++)
				ix_add(ix, r->groups[g].aliases[a], g, r->groups[g].aliases[a]);
	return ix;
}

void lookup_index_free(struct lookup_index *ix)
{
	if (!ix)
		return;
	free(ix->entries);
	free(ix->slots);
	free(ix->arena);
	free(ix);
}

/* Exact key, then ever shorter dotted prefixes down to minlen+1 bytes:
 * torch.nn.functional -> torch.nn. */
static long find_prefix(const struct lookup_index *ix, const char *key, size_t n, size_t minlen)
{
	while (n > minlen) {
		long e = ix_find(ix, key, n);
		if (e >= 0)
			return e;
		while (n > 0 && key[n - 1] != '.')
			n--;
		if (n)
			n--;
	}
	return -1;
}

/* Drops a path's file extension: torch/nn/functional.py -> torch/nn/functional. */
static size_t strip_extension(const char *s, size_t n)
{
	size_t slash = n;
	while (slash && s[slash - 1] != '/')
		slash--;
	for (size_t i = n; i > slash; i--) {
		if (s[i - 1] != '.')
			continue;
		size_t el = n - i;
		bool ok = el >= 1 && el <= 5;
		for (size_t k = i; k < n && ok; k++)
			ok = (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9');
		return ok && i - 1 > slash ? i - 1 : n;
	}
	return n;
}

/* Removes the ".NAME" component wherever it occurs (csrc, __init__). */
static size_t drop_component(char *k, size_t n, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i + nl <= n; i++) {
		bool starts = i == 0 || k[i - 1] == '.';
		bool ends = i + nl == n || k[i + nl] == '.';
		if (!starts || !ends || memcmp(k + i, name, nl) != 0)
			continue;
		size_t from = i + nl + (i + nl < n), to = i;
		if (i + nl == n && i > 0)
			to = i - 1;
		memmove(k + to, k + from, n - from);
		n -= from - to;
		k[n] = '\0';
		i = to;
	}
	return n;
}

static bool is_trim_char(char c, bool tail)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '`' || c == '"' || c == '\'' ||
	       (tail && (c == '?' || c == '!' || c == ',' || c == '.' || c == ':'));
}

static const char *suggest(const struct lookup_index *ix, const char *key, size_t n)
{
	if (!ix || n < 4)
		return NULL;
	/* For torch.xxx.yyy also weigh the first two components. */
	char head[KEY_MAX];
	size_t hl = 0, dots = 0;
	for (; hl < n; hl++) {
		if (key[hl] == '.' && ++dots == 2)
			break;
		head[hl] = key[hl];
	}
	head[hl] = '\0';
	size_t limit = n <= 5 ? 1 : n <= 9 ? 2 : 3;
	size_t best = (size_t)-1;
	const char *pick = NULL;
	for (size_t i = 0; i < ix->nentries; i++) {
		size_t d = str_edit_distance(key, ix->entries[i].key);
		if (hl < n) {
			size_t d2 = str_edit_distance(head, ix->entries[i].key);
			if (d2 < d)
				d = d2;
		}
		if (d < best) {
			best = d;
			pick = ix->entries[i].display;
		}
	}
	return best <= limit ? pick : NULL;
}

const struct roster_group *lookup_module(const struct roster *r, const char *query,
					 const char **suggestion)
{
	if (suggestion)
		*suggestion = NULL;
	if (!r || !query || !r->index)
		return NULL;
	const struct lookup_index *ix = r->index;
	size_t n = strlen(query);
	char key[KEY_MAX];
	/* A heading exactly as written first ("Foo?" may be a heading). */
	const char *q0 = query;
	size_t n0 = n;
	while (n0 && (*q0 == ' ' || *q0 == '\t')) {
		q0++;
		n0--;
	}
	size_t kl = normalise(q0, n0, key, sizeof(key));
	long e = kl != (size_t)-1 ? ix_find(ix, key, kl) : -1;
	if (e >= 0)
		return &r->groups[ix->entries[e].group];
	while (n && is_trim_char(*query, false)) {
		query++;
		n--;
	}
	while (n && is_trim_char(query[n - 1], true))
		n--;
	bool path = memchr(query, '/', n) != NULL;
	if (path)
		n = strip_extension(query, n);
	kl = normalise(query, n, key, sizeof(key));
	if (kl == (size_t)-1 || !kl)
		return NULL;
	e = ix_find(ix, key, kl);
	if (e < 0 && path) {
		/* ./torch/..., pytorch/torch/..., torch/csrc/autograd/... */
		char *k = key;
		while (*k == '.') {
			k++;
			kl--;
		}
		if (kl > 8 && memcmp(k, "pytorch.", 8) == 0) {
			k += 8;
			kl -= 8;
		}
		memmove(key, k, kl + 1);
		kl = drop_component(key, kl, "csrc");
		kl = drop_component(key, kl, "__init__");
	}
	while (kl && key[kl - 1] == '.')
		key[--kl] = '\0';
	if (e < 0)
		e = find_prefix(ix, key, kl, 0);
	if (e < 0 && !memchr(key, ' ', kl) && kl + 6 < sizeof(key) && !(kl >= 5 && memcmp(key, "torch", 5) == 0)) {
		/* "nn.functional", "optim": the torch. is implied */
		char tk[KEY_MAX];
		memcpy(tk, "torch.", 6);
		memcpy(tk + 6, key, kl + 1);
		e = find_prefix(ix, tk, kl + 6, 6);
	}
	if (e >= 0)
		return &r->groups[ix->entries[e].group];
	if (suggestion)
		*suggestion = suggest(ix, key, kl);
	return NULL;
}

size_t lookup_person(const struct roster *r, const char *handle, struct lookup_role *out, size_t max)
{
	size_t n = 0;
	if (!r || !handle || !*handle)
		return 0;
	for (size_t g = 0; g < r->ngroups; g++) {
		const struct roster_group *grp = &r->groups[g];
		bool listed = false, active = false;
		for (size_t i = 0; i < grp->npeople; i++) {
			if (grp->people[i].handle && str_ieq(grp->people[i].handle, handle)) {
				listed = true;
				active = active || !grp->people[i].emeritus;
			}
		}
		if (!listed)
			continue;
		if (n < max)
			out[n] = (struct lookup_role){ .group = grp, .emeritus = !active };
		n++;
	}
	return n;
}

const struct roster_group *lookup_module_prefix(const struct roster *r, const char *text,
						const char **rest)
{
	const char *s = str_skip_space(text);
	const char *ends[12];
	size_t n = 0;
	const char *e = s;
	while (n < ARRAY_SIZE(ends) && *e && *e != '\n') {
		while (*e && !isspace((unsigned char)*e))
			e++;
		ends[n++] = e;
		while (*e == ' ' || *e == '\t')
			e++;
	}
	char cand[KEY_MAX];
	for (size_t k = n; k-- > 0;) {
		size_t len = (size_t)(ends[k] - s);
		if (len >= sizeof(cand))
			continue;
		memcpy(cand, s, len);
		cand[len] = '\0';
		const struct roster_group *g = lookup_module(r, cand, NULL);
		if (g) {
			*rest = str_skip_space(ends[k]);
			return g;
		}
	}
	return NULL;
}
