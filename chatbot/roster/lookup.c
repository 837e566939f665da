/*
 * lookup.c - finds modules from what a person typed (see lookup.h).
 *
 * lookup_index_build() collects (key, group, rank) triples: every heading,
 * name, alias, word and run of words, normalised (ASCII lowercase, '/' read
 * as '.', runs of blanks as one space).  Sorted, they become one entry per
 * key with its candidates in rank then page order, in an open-addressing
 * hash table.  lookup_modules() normalises the query into a stack buffer
 * and probes a handful of variants; nothing is allocated per call.
 */
#include "chatbot/roster/lookup.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 256

enum rank { RANK_HEADING = 0, RANK_NAME = 1, RANK_WORD = 2 };

struct ix_cand {
	uint32_t group;
	uint8_t rank;
};

struct ix_entry {
	uint64_t hash;
	char *key;              /* normalised; owned */
	size_t len;
	const char *display;    /* the name as written (borrowed from the roster or the aliases) */
	uint8_t best;           /* rank of cands[0] */
	struct ix_cand *cands;  /* into lookup_index.cands */
	size_t ncands;
};

struct lookup_index {
	struct ix_entry *entries;
	size_t nentries;
	struct ix_cand *cands;
	size_t *slots;              /* entry index + 1, 0 when empty */
	size_t mask;
	struct lookup_aliases *aliases; /* what the alias displays point into; owned */
	bool borrowed_keys;         /* keys belong to a builder (a short-lived base index) */
};

/* A triple while building. */
struct triple {
	uint64_t hash;
	char *key;
	size_t len;
	const char *display;
	uint32_t group;
	uint8_t rank;
};

struct builder {
	struct triple *t;
	size_t n, cap;
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

/* ---- building ------------------------------------------------------------- */

static void add_key(struct builder *b, const char *s, size_t n, const char *display, size_t group,
		    enum rank rank)
{
	char key[KEY_MAX];
	size_t kl = normalise(s, n, key, sizeof(key));
	if (kl == (size_t)-1 || !kl)
		return;
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->t = xrealloc(b->t, b->cap * sizeof(*b->t));
	}
	b->t[b->n++] = (struct triple){ .hash = hash_bytes(key, kl), .key = xstrndup(key, kl), .len = kl,
					.display = display, .group = (uint32_t)group, .rank = (uint8_t)rank };
}

/* Words that name no module on their own. */
static bool stopword(const char *w, size_t n)
{
	static const char *const stop[] = {
		"a", "an", "and", "or", "the", "of", "for", "to", "in", "on", "with", "torch", "pytorch",
		"api", "apis", "module", "modules", "library", "libraries", "maintainers", "utils", "tools",
		"core", "other", "misc", "general",
	};
	for (size_t i = 0; i < ARRAY_SIZE(stop); i++)
		if (strlen(stop[i]) == n && str_ieqn(w, stop[i], n))
			return true;
	return false;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '#' || c == '.' || c == '_' || c == '-' ||
	       (unsigned char)c >= 0x80;
}

/* Length of a Torch/PyTorch prefix of w[0..n) followed by at least two more
 * letters or digits ("TorchVision" -> 5, "pytorch_xla" -> 8), else 0. */
static size_t torch_prefix(const char *w, size_t n)
{
	size_t p = 0;
	if (n > 5 && str_ieqn(w, "torch", 5))
		p = 5;
	else if (n > 7 && str_ieqn(w, "pytorch", 7))
		p = 7;
	if (!p)
		return 0;
	size_t q = p;
	while (q < n && (w[q] == '_' || w[q] == '-' || w[q] == ' '))
		q++;
	size_t rest = 0;
	for (size_t i = q; i < n && isalnum((unsigned char)w[i]); i++)
		rest++;
	return rest >= 2 ? q : 0;
}

struct span {
	const char *s;
	size_t n;
};

/* The words of s, and runs of 2..4 of them, as WORD keys of group. */
static void add_words(struct builder *b, const char *s, size_t group)
{
	struct span w[32];
	size_t nw = 0;
	for (const char *p = s; *p && nw < ARRAY_SIZE(w);) {
		while (*p && !word_char(*p))
			p++;
		const char *start = p;
		while (*p && word_char(*p))
			p++;
		size_t n = (size_t)(p - start);
		while (n && (start[n - 1] == '.' || start[n - 1] == '-'))
			n--; /* "etc." */
		if (n)
			w[nw++] = (struct span){ start, n };
	}
	for (size_t i = 0; i < nw; i++) {
		const char *ws = w[i].s;
		size_t n = w[i].n;
		bool alnum = false;
		for (size_t k = 0; k < n; k++)
			alnum = alnum || isalnum((unsigned char)ws[k]);
		if (!alnum)
			continue;
		if (!stopword(ws, n) && (n >= 2 || isalpha((unsigned char)ws[0])))
			add_key(b, ws, n, NULL, group, RANK_WORD);
		size_t tp = torch_prefix(ws, n);
		if (tp && !memchr(ws, '.', n))
			add_key(b, ws + tp, n - tp, NULL, group, RANK_WORD);
		if (memchr(ws, '.', n)) {
			/* torch.nn -> nn; torch/ao -> ao (dotted names of the heading) */
			const char *c = ws, *end = ws + n;
			while (c < end) {
				const char *d = memchr(c, '.', (size_t)(end - c));
				if (!d)
					d = end;
				const char *cs = c;
				while (cs < d && *cs == '_')
					cs++;
				if (d > cs && !stopword(cs, (size_t)(d - cs)))
					add_key(b, cs, (size_t)(d - cs), NULL, group, RANK_WORD);
				c = d + 1;
			}
		}
	}
	/* runs of words: "fourier transform", "operator dispatch" */
	for (size_t i = 0; i < nw; i++) {
		for (size_t len = 2; len <= 4 && i + len <= nw; len++) {
			const char *from = w[i].s, *to = w[i + len - 1].s + w[i + len - 1].n;
			if (stopword(w[i].s, w[i].n) && !torch_prefix(w[i].s, (size_t)(to - from)))
				continue;
			if (stopword(w[i + len - 1].s, w[i + len - 1].n))
				continue;
			char run[KEY_MAX];
			size_t rn = 0;
			bool fits = true;
			for (size_t k = i; k < i + len && fits; k++) {
				if (rn + w[k].n + 2 >= sizeof(run)) {
					fits = false;
					break;
				}
				if (k > i)
					run[rn++] = ' ';
				memcpy(run + rn, w[k].s, w[k].n);
				rn += w[k].n;
			}
			if (fits)
				add_key(b, run, rn, NULL, group, RANK_WORD);
		}
	}
}

static int cmp_triple(const void *pa, const void *pb)
{
	const struct triple *a = pa, *b = pb;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	int c = memcmp(a->key, b->key, a->len);
	if (c)
		return c;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	/* a display (heading, name, alias) before a bare word */
	return (a->display == NULL) - (b->display == NULL);
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

/* Turns sorted triples into entries, candidates and the hash table.  keep:
 * the triples stay in b (the entries borrow their keys, and b can grow into
 * the next index); else b is emptied and the entries own the keys. */
static void finish(struct lookup_index *ix, struct builder *b, bool keep)
{
	ix->borrowed_keys = keep;
	if (b->n)   /* a page without modules: no triples, no array */
		qsort(b->t, b->n, sizeof(*b->t), cmp_triple);
	ix->entries = xcalloc(b->n ? b->n : 1, sizeof(*ix->entries));
	ix->cands = xcalloc(b->n ? b->n : 1, sizeof(*ix->cands));
	size_t nc = 0;
	for (size_t i = 0; i < b->n;) {
		size_t j = i;
		while (j < b->n && b->t[j].hash == b->t[i].hash && b->t[j].len == b->t[i].len &&
		       memcmp(b->t[j].key, b->t[i].key, b->t[i].len) == 0)
			j++;
		struct ix_entry *en = &ix->entries[ix->nentries++];
		en->hash = b->t[i].hash;
		en->key = b->t[i].key;
		if (!keep)
			b->t[i].key = NULL;
		en->len = b->t[i].len;
		en->cands = &ix->cands[nc];
		en->best = b->t[i].rank;
		for (size_t k = i; k < j; k++) {
			if (!en->display && b->t[k].display && b->t[k].rank == en->best)
				en->display = b->t[k].display;
			bool dup = false;
			for (size_t c = 0; c < en->ncands && !dup; c++)
				dup = en->cands[c].group == b->t[k].group;
			if (!dup)
				en->cands[en->ncands++] = (struct ix_cand){ b->t[k].group, b->t[k].rank };
		}
		nc += en->ncands;
		/* candidates are by rank, then group: already so, as triples sort that way */
		for (size_t k = i; k < j && !keep; k++)
			free(b->t[k].key);
		i = j;
	}
	size_t cap = 16;
	while (cap < 2 * ix->nentries + 1)
		cap *= 2;
	ix->mask = cap - 1;
	ix->slots = xcalloc(cap, sizeof(size_t));
	for (size_t e = 0; e < ix->nentries; e++) {
		size_t i = (size_t)ix->entries[e].hash & ix->mask;
		while (ix->slots[i])
			i = (i + 1) & ix->mask;
		ix->slots[i] = e + 1;
	}
	if (keep)
		return;
	free(b->t);
	b->t = NULL;
	b->n = b->cap = 0;
}

/* The roster's own names (no aliases) into b. */
static void add_roster_names(struct builder *b, const struct roster *r)
{
	for (size_t g = 0; g < r->ngroups; g++) {
		const struct roster_group *grp = &r->groups[g];
		if (!roster_group_is_module(r, grp))
			continue;
		add_key(b, grp->title, strlen(grp->title), grp->title, g, RANK_HEADING);
		for (size_t a = 0; a < grp->naliases; a++) {
			add_key(b, grp->aliases[a], strlen(grp->aliases[a]), grp->aliases[a], g, RANK_NAME);
			size_t tp = torch_prefix(grp->aliases[a], strlen(grp->aliases[a]));
			if (tp && !strchr(grp->aliases[a], '.'))
				add_key(b, grp->aliases[a] + tp, strlen(grp->aliases[a]) - tp,
					grp->aliases[a], g, RANK_NAME);
		}
		/* a one-word heading TorchFoo is named foo just as well */
		size_t tl = strlen(grp->title), tp = torch_prefix(grp->title, tl);
		if (tp && !strpbrk(grp->title, " ().&/"))
			add_key(b, grp->title + tp, tl - tp, grp->title, g, RANK_NAME);
		add_words(b, grp->title, g);
	}
}

void lookup_index_free(struct lookup_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->nentries && !ix->borrowed_keys; i++)
		free(ix->entries[i].key);
	free(ix->entries);
	free(ix->cands);
	free(ix->slots);
	lookup_aliases_free(ix->aliases);
	free(ix);
}

static size_t modules_in(const struct roster *r, const struct lookup_index *ix, const char *query,
			 struct lookup_result *out, bool want_suggestion);

struct lookup_index *lookup_index_build(const struct roster *r)
{
	struct builder b = { 0 };
	struct lookup_index *base = xcalloc(1, sizeof(*base));
	add_roster_names(&b, r);
	finish(base, &b, true);   /* the roster's own names stay in b for the full index */

	/* aliases: each target is looked up on the roster's own names */
	const struct lookup_aliases *al = r->aliases ? r->aliases : lookup_aliases_bundled();
	struct lookup_index *ix = xcalloc(1, sizeof(*ix));
	ix->aliases = lookup_aliases_clone(al);
	for (size_t i = 0; i < ix->aliases->n; i++) {
		const struct lookup_alias *a = &ix->aliases->items[i];
		for (size_t t = 0; t < a->ntargets; t++) {
			struct lookup_result res;
			modules_in(r, base, a->targets[t], &res, false);
			for (size_t k = 0; k < res.n; k++) {
				size_t g = roster_group_index(r, res.groups[k]);
				add_key(&b, a->name, strlen(a->name), a->name, g, a->derived ? RANK_WORD : RANK_NAME);
			}
		}
	}
	lookup_index_free(base);   /* before finish() frees the keys it borrows */
	finish(ix, &b, false);
	return ix;
}

/* ---- querying ------------------------------------------------------------- */

/* Drops a path's file extension: torch/nn/functional.py -> torch/nn/functional.
 * *had_file is set when there was one. */
static size_t strip_extension(const char *s, size_t n, bool *had_file)
{
	size_t slash = n;
	*had_file = false;
	while (slash && s[slash - 1] != '/')
		slash--;
	for (size_t i = n; i > slash; i--) {
		if (s[i - 1] != '.')
			continue;
		size_t el = n - i;
		bool ok = el >= 1 && el <= 5;
		for (size_t k = i; k < n && ok; k++)
			ok = isalnum((unsigned char)s[k]);
		if (ok && i - 1 > slash) {
			*had_file = true;
			return i - 1;
		}
		return n;
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

/* Longest dotted prefix of key[0..n) that is a key, down to more than
 * minlen bytes: torch.nn.functional -> torch.nn. */
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

static size_t fill(const struct roster *r, const struct lookup_index *ix, long e, enum lookup_how how,
		   struct lookup_result *out)
{
	const struct ix_entry *en = &ix->entries[e];
	out->n = 0;
	for (size_t i = 0; i < en->ncands && out->n < LOOKUP_MAX; i++) {
		if (en->cands[i].rank != en->best)
			break;
		out->groups[out->n++] = &r->groups[en->cands[i].group];
	}
	if (how == LOOKUP_NONE)
		how = en->best == RANK_HEADING ? LOOKUP_HEADING : en->best == RANK_NAME ? LOOKUP_NAME : LOOKUP_WORD;
	out->how = how;
	out->matched = en->display ? en->display : en->key;
	return out->n;
}

static const char *suggest(const struct lookup_index *ix, const char *key, size_t n)
{
	if (!ix || n < 4)
		return NULL;
	/* for torch.xxx.yyy, also weigh the first two components */
	char head[KEY_MAX];
	size_t hl = 0, dots = 0;
	for (; hl < n; hl++) {
		if (key[hl] == '.' && ++dots == 2)
			break;
		head[hl] = key[hl];
	}
	head[hl] = '\0';
	bool dotted = memchr(key, '.', n) != NULL;
	size_t limit = n <= 5 ? 1 : n <= 9 ? 2 : 3;
	size_t best = (size_t)-1;
	const char *pick = NULL;
	for (size_t i = 0; i < ix->nentries; i++) {
		const struct ix_entry *en = &ix->entries[i];
		if (en->best == RANK_WORD || !en->display)
			continue;
		/* a dotted name is only like another dotted name: torch.fx is not TorchX */
		if (dotted != (memchr(en->key, '.', en->len) != NULL))
			continue;
		size_t d = str_edit_distance(key, en->key);
		if (hl < n) {
			size_t d2 = str_edit_distance(head, en->key);
			if (d2 < d)
				d = d2;
		}
		if (dotted && hl > 6 && en->len > 6 && memcmp(head, "torch.", 6) == 0 &&
		    memcmp(en->key, "torch.", 6) == 0) {
			/* torch.X against torch.Y: only X and Y count (torch.fx is not torch.nn) */
			size_t dr = str_edit_distance(head + 6, en->key + 6);
			if (2 * dr >= hl - 6)
				continue;
		}
		if (d < best) {
			best = d;
			pick = en->display;
		}
	}
	return best <= limit ? pick : NULL;
}

/* A dotted name or path (no blanks) in key[0..kl), normalised. */
static long find_dotted(const struct lookup_index *ix, char *key, size_t kl, bool had_file,
			enum lookup_how *how)
{
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
	while (kl && key[kl - 1] == '.')
		key[--kl] = '\0';
	long e = find_prefix(ix, key, kl, 0);
	if (e < 0 && kl + 6 < KEY_MAX && !(kl >= 6 && memcmp(key, "torch.", 6) == 0)) {
		/* "nn.functional": the torch. is implied */
		char tk[KEY_MAX];
		memcpy(tk, "torch.", 6);
		memcpy(tk + 6, key, kl + 1);
		e = find_prefix(ix, tk, kl + 6, 6);
	}
	if (e >= 0)
		return e;
	/* the first component that names a module: torch/fx/graph.py -> fx */
	size_t end = kl;
	if (had_file)
		while (end && key[end - 1] != '.')
			end--;
	for (size_t i = 0; i < end;) {
		size_t j = i;
		while (j < end && key[j] != '.')
			j++;
		size_t s = i;
		while (s < j && key[s] == '_')
			s++;
		bool skip = (j - s == 5 && memcmp(key + s, "torch", 5) == 0) ||
			    (j - s == 7 && memcmp(key + s, "pytorch", 7) == 0);
		if (j > s && !skip) {
			e = ix_find(ix, key + s, j - s);
			if (e >= 0) {
				*how = LOOKUP_PATH;
				return e;
			}
		}
		i = j + 1;
	}
	return -1;
}

static size_t modules_in(const struct roster *r, const struct lookup_index *ix, const char *query,
			 struct lookup_result *out, bool want_suggestion)
{
	memset(out, 0, sizeof(*out));
	if (!r || !query || !ix)
		return 0;
	size_t n = strlen(query);
	if (n >= KEY_MAX)
		return 0;
	char key[KEY_MAX];
	/* a heading exactly as written first ("Foo?" may be a heading) */
	const char *q0 = query;
	size_t n0 = n;
	while (n0 && (*q0 == ' ' || *q0 == '\t')) {
		q0++;
		n0--;
	}
	size_t kl = normalise(q0, n0, key, sizeof(key));
	long e = kl != (size_t)-1 ? ix_find(ix, key, kl) : -1;
	if (e >= 0)
		return fill(r, ix, e, LOOKUP_NONE, out);
	while (n && is_trim_char(*query, false)) {
		query++;
		n--;
	}
	while (n && is_trim_char(query[n - 1], true))
		n--;
	if (n > 4 && str_ieqn(query, "the ", 4)) {
		query += 4;
		n -= 4;
	}
	bool path = memchr(query, '/', n) != NULL, had_file = false;
	if (path)
		n = strip_extension(query, n, &had_file);
	kl = normalise(query, n, key, sizeof(key));
	if (kl == (size_t)-1 || !kl)
		return 0;
	e = ix_find(ix, key, kl);
	if (e >= 0)
		return fill(r, ix, e, LOOKUP_NONE, out);
	enum lookup_how how = LOOKUP_NONE;
	bool blank = memchr(key, ' ', kl) != NULL;
	/* TorchFoo, "torch foo", PyTorch-Foo: the name without the prefix */
	size_t tp = torch_prefix(key, kl);
	if (tp && key[tp - 1] != '.') {
		e = ix_find(ix, key + tp, kl - tp);
		if (e >= 0)
			return fill(r, ix, e, LOOKUP_NONE, out);
	}
	if (!blank && (memchr(key, '.', kl) || path)) {
		char work[KEY_MAX];
		memcpy(work, key, kl + 1);
		e = find_dotted(ix, work, kl, had_file, &how);
		if (e >= 0)
			return fill(r, ix, e, how == LOOKUP_NONE ? LOOKUP_PATH : how, out);
	} else if (!blank && kl + 6 < sizeof(key)) {
		/* "optim": torch.optim */
		char tk[KEY_MAX];
		memcpy(tk, "torch.", 6);
		memcpy(tk + 6, key, kl + 1);
		e = ix_find(ix, tk, kl + 6);
		if (e >= 0)
			return fill(r, ix, e, LOOKUP_NONE, out);
	}
	if (want_suggestion)
		out->suggestion = suggest(ix, key, kl);
	return 0;
}

size_t lookup_modules(const struct roster *r, const char *query, struct lookup_result *out)
{
	return modules_in(r, r ? r->index : NULL, query, out, true);
}

const struct roster_group *lookup_module(const struct roster *r, const char *query,
					 const char **suggestion)
{
	struct lookup_result res;
	lookup_modules(r, query, &res);
	if (suggestion)
		*suggestion = res.suggestion;
	return res.n ? res.groups[0] : NULL;
}

void lookup_set_aliases(struct roster *r, const struct lookup_aliases *a)
{
	lookup_aliases_free(r->aliases);
	r->aliases = a ? lookup_aliases_clone(a) : NULL;
	lookup_index_free(r->index);
	r->index = lookup_index_build(r);
}

size_t lookup_aliases_check(const struct roster *r, const struct lookup_aliases *a, const char *path,
			    struct buf *problems)
{
	if (!r || !a)
		return 0;
	/* the roster's own names only: an alias must not vouch for another */
	struct builder b = { 0 };
	struct lookup_index *base = xcalloc(1, sizeof(*base));
	add_roster_names(&b, r);
	finish(base, &b, false);
	size_t lines = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct lookup_alias *al = &a->items[i];
		size_t found = 0;
		struct buf missing = BUF_INIT;
		for (size_t t = 0; t < al->ntargets; t++) {
			struct lookup_result res;
			if (modules_in(r, base, al->targets[t], &res, false))
				found++;
			else
				buf_addf(&missing, "%s%s", missing.len ? ", " : "", al->targets[t]);
		}
		if (!found) {
			buf_addf(problems, "%s.%s: warning: names no module of the roster (%s)\n", path, al->name,
				 buf_str(&missing));
			lines++;
		} else if (missing.len) {
			buf_addf(problems, "%s.%s: warning: %s names no module of the roster\n", path, al->name,
				 buf_str(&missing));
			lines++;
		}
		buf_release(&missing);
	}
	lookup_index_free(base);
	return lines;
}
