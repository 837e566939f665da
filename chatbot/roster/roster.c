/*
 * roster.c - the roster model: freeing, cloning, queries and the mutations
 * decisions make.  Reading is in roster_read.c, writing in roster_write.c.
 */
#include "chatbot/roster/roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "chatbot/roster/lookup.h"
#include "chatbot/roster/roster_int.h"

static void person_release(struct roster_person *p)
{
	free(p->name);
	free(p->handle);
	free(p->url);
}

void roster_free(struct roster *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ngroups; i++) {
		struct roster_group *g = &r->groups[i];
		free(g->title);
		for (size_t k = 0; k < g->naliases; k++)
			free(g->aliases[k]);
		free(g->aliases);
		for (size_t k = 0; k < g->npeople; k++)
			person_release(&g->people[k]);
		free(g->people);
		free(g->text);
	}
	for (size_t i = 0; i < r->nsections; i++) {
		free(r->sections[i].title);
		free(r->sections[i].text);
		free(r->sections[i].intro);
	}
	lookup_index_free(r->index);
	lookup_aliases_free(r->aliases);
	free(r->groups);
	free(r->sections);
	free(r->front_matter);
	free(r->title);
	free(r->preface);
	free(r);
}

struct roster *roster_clone(const struct roster *r)
{
	struct roster *c = xcalloc(1, sizeof(*c));
	c->front_matter = xstrdup(r->front_matter);
	c->title = xstrdup(r->title);
	c->preface = xstrdup(r->preface);
	c->source_format = r->source_format;
	c->nsections = r->nsections;
	c->sections = xcalloc(r->nsections, sizeof(*c->sections));
	for (size_t i = 0; i < r->nsections; i++) {
		c->sections[i] = r->sections[i];
		c->sections[i].title = xstrdup(r->sections[i].title);
		c->sections[i].text = xstrdup(r->sections[i].text);
		c->sections[i].intro = xstrdup(r->sections[i].intro);
	}
	c->ngroups = r->ngroups;
	c->groups = xcalloc(r->ngroups, sizeof(*c->groups));
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct roster_group *g = &r->groups[i];
		struct roster_group *d = &c->groups[i];
		d->title = xstrdup(g->title);
		d->text = xstrdup(g->text);
		d->section = g->section;
		d->naliases = g->naliases;
		d->aliases = xcalloc(g->naliases, sizeof(char *));
		for (size_t k = 0; k < g->naliases; k++)
			d->aliases[k] = xstrdup(g->aliases[k]);
		d->npeople = g->npeople;
		d->people = xcalloc(g->npeople, sizeof(*d->people));
		for (size_t k = 0; k < g->npeople; k++) {
			d->people[k].name = xstrdup(g->people[k].name);
			d->people[k].handle = xstrdup(g->people[k].handle);
			d->people[k].url = xstrdup(g->people[k].url);
			d->people[k].emeritus = g->people[k].emeritus;
		}
	}
	c->aliases = r->aliases ? lookup_aliases_clone(r->aliases) : NULL;
	c->index = lookup_index_build(c);
	return c;
}

const char *roster_kind_name(enum roster_kind kind)
{
	switch (kind) {
	case ROSTER_LEAD: return "lead";
	case ROSTER_CORE: return "core";
	case ROSTER_MODULES: return "modules";
	case ROSTER_LIBRARIES: return "libraries";
	case ROSTER_EXTERNAL: return "external";
	case ROSTER_SUNSET: return "sunset";
	case ROSTER_TEXT: break;
	}
	return "text";
}

static bool handle_eq(const char *a, const char *b)
{
	/* the first letter settles most comparisons: `who` scans every entry */
	return a && b && *b && (a[0] | 0x20) == (b[0] | 0x20) && str_ieq(a, b);
}

static const struct roster_group *first_group_of(const struct roster *r, enum roster_kind kind)
{
	for (size_t i = 0; i < r->nsections; i++)
		if (r->sections[i].kind == kind && r->sections[i].ngroups)
			return &r->groups[r->sections[i].first_group];
	return NULL;
}

const struct roster_group *roster_lead_group(const struct roster *r)
{
	return first_group_of(r, ROSTER_LEAD);
}

const struct roster_group *roster_core_group(const struct roster *r)
{
	return first_group_of(r, ROSTER_CORE);
}

const struct roster_person *roster_lead(const struct roster *r)
{
	const struct roster_group *g = roster_lead_group(r);
	for (size_t i = 0; g && i < g->npeople; i++)
		if (!g->people[i].emeritus)
			return &g->people[i];
	return NULL;
}

bool roster_in_group(const struct roster_group *g, const char *handle, bool *emeritus)
{
	bool listed_emeritus = false;
	if (emeritus)
		*emeritus = false;
	if (!g)
		return false;
	for (size_t i = 0; i < g->npeople; i++) {
		if (!handle_eq(g->people[i].handle, handle))
			continue;
		if (!g->people[i].emeritus)
			return true;
		listed_emeritus = true;
	}
	if (emeritus)
		*emeritus = listed_emeritus;
	return false;
}

bool roster_is_lead(const struct roster *r, const char *handle)
{
	return roster_in_group(roster_lead_group(r), handle, NULL);
}

bool roster_is_core(const struct roster *r, const char *handle)
{
	return roster_is_lead(r, handle) || roster_in_group(roster_core_group(r), handle, NULL);
}

bool roster_group_is_module(const struct roster *r, const struct roster_group *g)
{
	switch (roster_group_kind(r, g)) {
	case ROSTER_MODULES:
	case ROSTER_LIBRARIES:
	case ROSTER_EXTERNAL:
	case ROSTER_SUNSET:
		return true;
	default:
		return false;
	}
}

enum roster_kind roster_group_kind(const struct roster *r, const struct roster_group *g)
{
	if (!g || g->section >= r->nsections)
		return ROSTER_TEXT;
	return r->sections[g->section].kind;
}

size_t roster_group_index(const struct roster *r, const struct roster_group *g)
{
	return (size_t)(g - r->groups);
}

bool roster_is_module_maintainer(const struct roster *r, const char *handle)
{
	for (size_t i = 0; i < r->ngroups; i++)
		if (roster_group_is_module(r, &r->groups[i]) &&
		    roster_in_group(&r->groups[i], handle, NULL))
			return true;
	return false;
}

const struct roster_person *roster_find_person(const struct roster *r, const char *handle)
{
	for (size_t i = 0; i < r->ngroups; i++)
		for (size_t k = 0; k < r->groups[i].npeople; k++)
			if (handle_eq(r->groups[i].people[k].handle, handle))
				return &r->groups[i].people[k];
	return NULL;
}

/* True when an active entry before people[k] of g, in the lead or core
 * group walked before it, has the same handle. */
static bool core_seen(const struct roster_group *const *gs, size_t gi, size_t k, const char *h)
{
	for (size_t i = 0; i <= gi; i++) {
		size_t end = i == gi ? k : gs[i]->npeople;
		for (size_t j = 0; j < end; j++)
			if (!gs[i]->people[j].emeritus && handle_eq(gs[i]->people[j].handle, h))
				return true;
	}
	return false;
}

size_t roster_core_handles(const struct roster *r, const char **out, size_t max)
{
	const struct roster_group *gs[2];
	size_t ng = 0, n = 0;
	const struct roster_group *lead = roster_lead_group(r), *core = roster_core_group(r);
	if (lead && core && core < lead) {
		gs[ng++] = core;
		gs[ng++] = lead;
	} else {
		if (lead)
			gs[ng++] = lead;
		if (core)
			gs[ng++] = core;
	}
	for (size_t i = 0; i < ng; i++) {
		for (size_t k = 0; k < gs[i]->npeople; k++) {
			const struct roster_person *p = &gs[i]->people[k];
			if (p->emeritus || !p->handle || !*p->handle || core_seen(gs, i, k, p->handle))
				continue;
			if (n < max)
				out[n] = p->handle;
			n++;
		}
	}
	return n;
}

size_t roster_group_active(const struct roster_group *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->npeople; i++)
		n += !g->people[i].emeritus;
	return n;
}

/* ---- mutations ---- */

static ssize_t person_index(const struct roster_group *g, const char *handle)
{
	for (size_t i = 0; i < g->npeople; i++)
		if (handle_eq(g->people[i].handle, handle))
			return (ssize_t)i;
	return -1;
}

/* Position after the last active person. */
static size_t active_end(const struct roster_group *g)
{
	size_t end = 0;
	for (size_t i = 0; i < g->npeople; i++)
		if (!g->people[i].emeritus)
			end = i + 1;
	return end;
}

static bool handle_ok(const char *h)
{
	if (!h || !*h)
		return false;
	for (const char *c = h; *c; c++)
		if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r' || strchr("[]()<>`", *c))
			return false;
	return true;
}

int roster_add_person(struct roster *r, size_t group, const char *name, const char *handle)
{
	if (group >= r->ngroups || !name || !*name || (handle && !handle_ok(handle)))
		return -1;
	struct roster_group *g = &r->groups[group];
	ssize_t at = handle ? person_index(g, handle) : -1;
	if (at >= 0) {
		if (!g->people[at].emeritus)
			return -1;
		return roster_set_emeritus(r, group, handle, false);
	}
	size_t pos = active_end(g);
	g->people = xrealloc(g->people, (g->npeople + 1) * sizeof(*g->people));
	memmove(&g->people[pos + 1], &g->people[pos], (g->npeople - pos) * sizeof(*g->people));
	g->people[pos] = (struct roster_person){ .name = xstrdup(name), .handle = xstrdup(handle) };
	g->npeople++;
	return 0;
}

/* Sets *g to group number group of r and returns where handle stands in
 * it; -1 when there is no such group or no such person. */
static ssize_t find_member(struct roster *r, size_t group, const char *handle, struct roster_group **g)
{
	if (group >= r->ngroups)
		return -1;
	*g = &r->groups[group];
	return person_index(*g, handle);
}

int roster_set_emeritus(struct roster *r, size_t group, const char *handle, bool emeritus)
{
	struct roster_group *g = NULL;
	ssize_t at = find_member(r, group, handle, &g);
	if (at < 0)
		return -1;
	if (g->people[at].emeritus == emeritus)
		return 0;
	/* Take it out, then put it back at the boundary between active and emeritus. */
	size_t from = (size_t)at;
	struct roster_person p = g->people[from];
	memmove(&g->people[from], &g->people[from + 1], (g->npeople - from - 1) * sizeof(p));
	g->npeople--;
	size_t to = active_end(g);
	g->npeople++;
	memmove(&g->people[to + 1], &g->people[to], (g->npeople - 1 - to) * sizeof(p));
	p.emeritus = emeritus;
	g->people[to] = p;
	return 0;
}

int roster_remove_person(struct roster *r, size_t group, const char *handle)
{
	struct roster_group *g = NULL;
	ssize_t at = find_member(r, group, handle, &g);
	if (at < 0)
		return -1;
	person_release(&g->people[at]);
	memmove(&g->people[at], &g->people[at + 1], (g->npeople - (size_t)at - 1) * sizeof(*g->people));
	g->npeople--;
	return 0;
}

int roster_set_lead(struct roster *r, const char *name, const char *handle)
{
	const struct roster_group *lg = roster_lead_group(r);
	if (!lg || !name || !*name || !handle_ok(handle))
		return -1;
	struct roster_group *g = &r->groups[roster_group_index(r, lg)];
	for (size_t i = 0; i < g->npeople; i++)
		person_release(&g->people[i]);
	g->people = xrealloc(g->people, sizeof(*g->people));
	g->people[0] = (struct roster_person){ .name = xstrdup(name), .handle = xstrdup(handle) };
	g->npeople = 1;
	return 0;
}

static bool alias_space(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- aliases ---- */

static void alias_add(struct roster_group *g, const char *s, size_t n, size_t *cap)
{
	roster_lines_trim(&s, &n);
	if (!n || (strlen(g->title) == n && str_ieqn(g->title, s, n)))
		return;
	for (size_t i = 0; i < g->naliases; i++)
		if (strlen(g->aliases[i]) == n && str_ieqn(g->aliases[i], s, n))
			return;
	if (g->naliases == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		g->aliases = xrealloc(g->aliases, *cap * sizeof(char *));
	}
	g->aliases[g->naliases++] = xstrndup(s, n);
}

/* Splits s on the separators; adds every part when there are two or more. */
static bool alias_split(struct roster_group *g, const char *s, size_t n, const char *const *seps,
			size_t *cap)
{
	size_t start = 0, parts = 0;
	const char *pieces[64][2];
	for (size_t i = 0; i <= n && parts < 63; i++) {
		size_t sl = 0;
		for (size_t k = 0; seps[k] && !sl && i < n; k++) {
			size_t kl = strlen(seps[k]);
			if (i + kl <= n && memcmp(s + i, seps[k], kl) == 0)
				sl = kl;
		}
		if (i == n || sl) {
			pieces[parts][0] = s + start;
			pieces[parts][1] = s + i;
			parts++;
			start = i + sl;
			if (sl)
				i += sl - 1;
		}
	}
	if (parts < 2)
		return false;
	for (size_t k = 0; k < parts; k++)
		alias_add(g, pieces[k][0], (size_t)(pieces[k][1] - pieces[k][0]), cap);
	return true;
}

/* "Compilers (JIT / TorchScript)" answers to JIT, TorchScript and Compilers;
 * "AMD/ROCm/HIP" to AMD, ROCm, HIP; "Distributions & RNG" to both parts. */
void roster_aliases_build(struct roster_group *g)
{
	static const char *const in_parens[] = { " / ", ", ", " & ", " + ", NULL };
	static const char *const in_base[] = { " / ", ", ", " & ", " + ", " and ", NULL };
	static const char *const slash[] = { "/", NULL };
	size_t cap = 0;
	struct buf base = BUF_INIT;
	const char *t = g->title;
	size_t n = strlen(t);
	bool had_parens = false;
	for (size_t i = 0; i < n; i++) {
		const char *close = t[i] == '(' ? memchr(t + i, ')', n - i) : NULL;
		if (!close) {
			if (!(alias_space(t[i]) && (!base.len || base.data[base.len - 1] == ' ')))
				buf_addc(&base, alias_space(t[i]) ? ' ' : t[i]);
			continue;
		}
		had_parens = true;
		const char *in = t + i + 1;
		size_t il = (size_t)(close - in);
		if (!alias_split(g, in, il, in_parens, &cap))
			alias_add(g, in, il, &cap);
		i = (size_t)(close - t);
	}
	const char *b = buf_str(&base);
	size_t bl = base.len;
	roster_lines_trim(&b, &bl);
	if (had_parens)
		alias_add(g, b, bl, &cap);
	if (!alias_split(g, b, bl, in_base, &cap))
		alias_split(g, b, bl, slash, &cap);
	buf_release(&base);
}

/* ---- module changes ---- */

/* Puts g (taken by value) at the end of section sec; every index of a
 * later group moves up by one. */
static void group_insert(struct roster *r, size_t sec, struct roster_group g)
{
	struct roster_section *s = &r->sections[sec];
	size_t at = s->first_group + s->ngroups;
	r->groups = xrealloc(r->groups, (r->ngroups + 1) * sizeof(*r->groups));
	memmove(&r->groups[at + 1], &r->groups[at], (r->ngroups - at) * sizeof(*r->groups));
	g.section = sec;
	r->groups[at] = g;
	r->ngroups++;
	s->ngroups++;
	/* sections keep the page's order, so the later ones are the ones after sec */
	for (size_t i = sec + 1; i < r->nsections; i++)
		r->sections[i].first_group++;
}

/* Takes group gi out of the roster (returned by value, still owning its
 * strings); every index of a later group moves down by one. */
static struct roster_group group_take(struct roster *r, size_t gi)
{
	struct roster_group g = r->groups[gi];
	memmove(&r->groups[gi], &r->groups[gi + 1], (r->ngroups - gi - 1) * sizeof(*r->groups));
	r->ngroups--;
	r->sections[g.section].ngroups--;
	for (size_t i = 0; i < r->nsections; i++)
		if (r->sections[i].first_group > gi)
			r->sections[i].first_group--;
	return g;
}

static bool title_ok(const char *t)
{
	return t && *t && strlen(t) <= 200 && !strpbrk(t, "\n\r[]`");
}

static void reindex(struct roster *r)
{
	lookup_index_free(r->index);
	r->index = lookup_index_build(r);
}

int roster_add_group(struct roster *r, const char *title)
{
	size_t sec = r->nsections;
	for (size_t i = 0; i < r->nsections && sec == r->nsections; i++)
		if (r->sections[i].kind == ROSTER_MODULES)
			sec = i;
	if (sec == r->nsections || !title_ok(title))
		return -1;
	for (size_t i = 0; i < r->ngroups; i++)
		if (str_ieq(r->groups[i].title, title))
			return -1;
	struct roster_group g = { .title = xstrdup(title) };
	roster_aliases_build(&g);
	group_insert(r, sec, g);
	reindex(r);
	return 0;
}

int roster_sunset_group(struct roster *r, size_t gi)
{
	if (gi >= r->ngroups)
		return -1;
	enum roster_kind k = r->sections[r->groups[gi].section].kind;
	if (k != ROSTER_MODULES && k != ROSTER_LIBRARIES && k != ROSTER_EXTERNAL)
		return -1;
	size_t sec = r->nsections;
	for (size_t i = 0; i < r->nsections; i++)
		if (r->sections[i].kind == ROSTER_SUNSET)
			sec = i;
	if (sec == r->nsections) {
		/* no sunsetted section yet: a new one at the end of the page */
		r->sections = xrealloc(r->sections, (r->nsections + 1) * sizeof(*r->sections));
		r->sections[sec] = (struct roster_section){ .title = xstrdup("Sunsetted Modules"),
							    .kind = ROSTER_SUNSET,
							    .first_group = r->ngroups };
		r->nsections++;
	}
	struct roster_group g = group_take(r, gi);
	group_insert(r, sec, g);
	reindex(r);
	return 0;
}

int roster_rename_group(struct roster *r, size_t gi, const char *title)
{
	if (gi >= r->ngroups || !title_ok(title))
		return -1;
	for (size_t i = 0; i < r->ngroups; i++)
		if (i != gi && str_ieq(r->groups[i].title, title))
			return -1;
	struct roster_group *g = &r->groups[gi];
	for (size_t k = 0; k < g->naliases; k++)
		free(g->aliases[k]);
	free(g->aliases);
	g->aliases = NULL;
	g->naliases = 0;
	free(g->title);
	g->title = xstrdup(title);
	roster_aliases_build(g);
	reindex(r);
	return 0;
}
