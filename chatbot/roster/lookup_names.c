/*
 * lookup_names.c - aliases (the config's "aliases", the bundled
 * chatbot/roster/aliases.json linked in by roster_blob.S), finding
 * people by handle or name, their roles, and a module named by the
 * leading words of a text.  See lookup.h.
 */
#include "chatbot/roster/lookup.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/util/log.h"

extern const char govbot_aliases_json[];
extern const char govbot_aliases_json_end[];

/* Longest alias name or target accepted, in bytes. */
#define ALIAS_MAX 200

void lookup_aliases_add(struct lookup_aliases *a, const char *name, const char *const *targets,
			size_t ntargets, bool derived)
{
	a->items = xrealloc(a->items, (a->n + 1) * sizeof(*a->items));
	struct lookup_alias *al = &a->items[a->n++];
	al->name = xstrdup(name);
	al->targets = xcalloc(ntargets ? ntargets : 1, sizeof(char *));
	for (size_t i = 0; i < ntargets; i++)
		al->targets[i] = xstrdup(targets[i]);
	al->ntargets = ntargets;
	al->derived = derived;
}

void lookup_aliases_free(struct lookup_aliases *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->items[i].name);
		for (size_t t = 0; t < a->items[i].ntargets; t++)
			free(a->items[i].targets[t]);
		free(a->items[i].targets);
	}
	free(a->items);
	free(a);
}

struct lookup_aliases *lookup_aliases_clone(const struct lookup_aliases *a)
{
	struct lookup_aliases *c = xcalloc(1, sizeof(*c));
	for (size_t i = 0; a && i < a->n; i++)
		lookup_aliases_add(c, a->items[i].name, (const char *const *)a->items[i].targets,
				   a->items[i].ntargets, a->items[i].derived);
	return c;
}

static bool text_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > ALIAS_MAX || !utf8_valid(s, n) || str_has_controls(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return str_skip_space(s)[0] != '\0';
}

struct lookup_aliases *lookup_aliases_from_json(const struct cJSON *obj, const char *path,
						struct buf *problems)
{
	size_t before = problems->len;
	if (!cJSON_IsObject(obj)) {
		buf_addf(problems, "%s: must be an object of names to arrays of module names\n", path);
		return NULL;
	}
	struct lookup_aliases *a = xcalloc(1, sizeof(*a));
	for (const cJSON *it = obj->child; it; it = it->next) {
		const char *name = it->string ? it->string : "";
		if (!text_ok(name)) {
			buf_addf(problems, "%s: an alias name must be 1 to %d bytes of text\n", path, ALIAS_MAX);
			continue;
		}
		const cJSON *one = cJSON_IsString(it) ? it : NULL;
		if (!one && (!cJSON_IsArray(it) || cJSON_GetArraySize(it) == 0)) {
			buf_addf(problems, "%s.%s: must be a non-empty array of module names\n", path, name);
			continue;
		}
		size_t n = one ? 1 : (size_t)cJSON_GetArraySize(it);
		const char **targets = xcalloc(n, sizeof(char *));
		size_t k = 0;
		bool ok = true;
		for (const cJSON *t = one ? one : it->child; t && ok; t = one ? NULL : t->next) {
			if (!cJSON_IsString(t) || !text_ok(t->valuestring)) {
				buf_addf(problems, "%s.%s: each module name must be a non-empty string\n", path, name);
				ok = false;
				break;
			}
			targets[k++] = t->valuestring;
		}
		if (ok)
			lookup_aliases_add(a, name, targets, k, false);
		free(targets);
	}
	if (problems->len != before) {
		lookup_aliases_free(a);
		return NULL;
	}
	return a;
}

const struct lookup_aliases *lookup_aliases_bundled(void)
{
	static struct lookup_aliases *bundled;
	if (bundled)
		return bundled;
	size_t len = (size_t)(govbot_aliases_json_end - govbot_aliases_json);
	cJSON *root = cJSON_ParseWithLength(govbot_aliases_json, len);
	struct buf problems = BUF_INIT;
	bundled = root ? lookup_aliases_from_json(root, "aliases.json", &problems) : NULL;
	cJSON_Delete(root);
	if (!bundled) {
		log_event(LOG_FATAL, "roster", NULL, "bundled aliases file is broken: %s",
			  root ? buf_str(&problems) : "not JSON");
		abort();
	}
	buf_release(&problems);
	return bundled;
}

/* ---- people --------------------------------------------------------------- */

/* Does the name have w[0..n) as a whole word, or as the start of one when
 * n >= 4? */
static bool name_has_word(const char *name, const char *w, size_t n)
{
	for (const char *p = name; *p;) {
		while (*p && !isalnum((unsigned char)*p) && (unsigned char)*p < 0x80)
			p++;
		const char *s = p;
		while (*p && (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80 || *p == '-' || *p == '\''))
			p++;
		size_t len = (size_t)(p - s);
		if (len && (len == n || (n >= 4 && len > n)) && str_ieqn(s, w, n))
			return true;
	}
	return false;
}

static bool name_matches(const char *name, const char *q)
{
	bool any = false;
	for (const char *p = q; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (p == s)
			break;
		if (!name_has_word(name, s, (size_t)(p - s)))
			return false;
		any = true;
	}
	return any;
}

static bool same_person(const struct roster_person *a, const struct roster_person *b)
{
	if (a->handle && b->handle)
		return str_ieq(a->handle, b->handle);
	if (a->handle || b->handle)
		return false;
	return str_ieq(a->name, b->name);
}

/* pass 0: handle; 1: full name; 2: name words */
static bool person_matches(const struct roster_person *p, const char *q, int pass)
{
	switch (pass) {
	case 0: return p->handle && str_ieq(p->handle, q);
	case 1: return str_ieq(p->name, q);
	default: return name_matches(p->name, q);
	}
}

size_t lookup_people(const struct roster *r, const char *query, const struct roster_person **out,
		     size_t max)
{
	if (!r || !query)
		return 0;
	char q[128];
	const char *s = str_skip_space(query);
	if (*s == '@')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '?' || s[n - 1] == '.' || s[n - 1] == ',' ||
		     s[n - 1] == '!' || s[n - 1] == '\t'))
		n--;
	if (!n || n >= sizeof(q))
		return 0;
	memcpy(q, s, n);
	q[n] = '\0';
	for (int pass = 0; pass < 3; pass++) {
		if (pass == 2 && n < 2)
			break;
		size_t count = 0;
		const struct roster_person *seen[64];
		size_t nseen = 0;
		for (size_t g = 0; g < r->ngroups; g++)
			for (size_t i = 0; i < r->groups[g].npeople; i++) {
				const struct roster_person *p = &r->groups[g].people[i];
				if (!person_matches(p, q, pass))
					continue;
				bool dup = false;
				for (size_t k = 0; k < nseen && !dup; k++)
					dup = same_person(seen[k], p);
				if (dup)
					continue;
				if (nseen < ARRAY_SIZE(seen))
					seen[nseen++] = p;
				if (count < max)
					out[count] = p;
				count++;
			}
		if (count)
			return count;
	}
	return 0;
}

/* ---- roles and modules named in text ---------------------------------------- */

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
	char cand[256];
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
