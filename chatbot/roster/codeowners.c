/* codeowners.c - see codeowners.h. */
#include "chatbot/roster/codeowners.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/roster/lookup.h"

void codeowners_free(struct codeowners *co)
{
	if (!co)
		return;
	for (size_t i = 0; i < co->nrules; i++) {
		struct codeowners_rule *r = &co->rules[i];
		free(r->pattern);
		for (size_t k = 0; k < r->nowners; k++)
			free(r->owners[k]);
		free(r->owners);
		for (size_t k = 0; k < r->nlabels; k++)
			free(r->labels[k]);
		free(r->labels);
	}
	free(co->rules);
	free(co);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* @user, @org/team or name@host. */
static bool owner_ok(const char *o, size_t n)
{
	if (n < 2)
		return false;
	if (o[0] == '@') {
		size_t slash = 0;
		for (size_t i = 1; i < n; i++) {
			char c = o[i];
			if (c == '/') {
				if (slash || i == 1 || i + 1 == n)
					return false;
				slash = i;
			} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				     c == '-' || c == '_' || c == '.')) {
				return false;
			}
		}
		return true;
	}
	const char *at = memchr(o, '@', n);
	return at && at > o && at + 1 < o + n && memchr(at + 1, '.', (size_t)(o + n - at - 1));
}

/* The labels of "# label: a, b" (after the colon) into a fresh list. */
static void read_labels(const char *s, size_t n, char ***labels, size_t *nlabels)
{
	for (size_t k = 0; k < *nlabels; k++)
		free((*labels)[k]);
	free(*labels);
	*labels = NULL;
	*nlabels = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && (is_blank(s[i]) || s[i] == ','))
			i++;
		size_t start = i;
		while (i < n && s[i] != ',')
			i++;
		size_t end = i;
		while (end > start && is_blank(s[end - 1]))
			end--;
		if (end > start) {
			*labels = xrealloc(*labels, (*nlabels + 1) * sizeof(char *));
			(*labels)[(*nlabels)++] = xstrndup(s + start, end - start);
		}
	}
}

int codeowners_parse(const char *text, size_t len, struct codeowners **out, char *err, size_t errlen)
{
	*out = NULL;
	if (len > CODEOWNERS_MAX_BYTES) {
		snprintf(err, errlen, "longer than %u bytes", CODEOWNERS_MAX_BYTES);
		return -1;
	}
	if (memchr(text, '\0', len) || !utf8_valid(text, len)) {
		snprintf(err, errlen, "not a text file (a NUL byte or invalid UTF-8)");
		return -1;
	}
	struct codeowners *co = xcalloc(1, sizeof(*co));
	char **labels = NULL;
	size_t nlabels = 0, cap = 0;
	unsigned lineno = 0;
	for (size_t at = 0; at < len;) {
		const char *line = text + at;
		const char *nl = memchr(line, '\n', len - at);
		size_t n = nl ? (size_t)(nl - line) : len - at;
		at += n + 1;
		lineno++;
		size_t i = 0;
		while (i < n && is_blank(line[i]))
			i++;
		size_t end = n;
		while (end > i && is_blank(line[end - 1]))
			end--;
		if (i == end) {                 /* a blank line ends a label block */
			read_labels("", 0, &labels, &nlabels);
			continue;
		}
		if (line[i] == '#') {
			size_t k = i + 1;
			while (k < end && is_blank(line[k]))
				k++;
			if (end - k > 6 && str_ieqn(line + k, "label:", 6))
				read_labels(line + k + 6, end - k - 6, &labels, &nlabels);
			continue;
		}
		/* the pattern: up to the first unescaped blank; a '#' after it starts a comment */
		size_t p = i;
		while (p < end && !is_blank(line[p]))
			p += line[p] == '\\' && p + 1 < end ? 2 : 1;
		struct codeowners_rule rule = { .pattern = xstrndup(line + i, p - i), .line = lineno };
		size_t k = p;
		while (k < end) {
			while (k < end && is_blank(line[k]))
				k++;
			if (k >= end || line[k] == '#')
				break;
			size_t s = k;
			while (k < end && !is_blank(line[k]))
				k++;
			if (!owner_ok(line + s, k - s)) {
				snprintf(err, errlen, "line %u: \"%.*s\" is not an owner (@user, @org/team or an "
					 "e-mail address)", lineno, (int)(k - s > 80 ? 80 : k - s), line + s);
				free(rule.pattern);
				for (size_t o = 0; o < rule.nowners; o++)
					free(rule.owners[o]);
				free(rule.owners);
				read_labels("", 0, &labels, &nlabels);
				codeowners_free(co);
				return -1;
			}
			rule.owners = xrealloc(rule.owners, (rule.nowners + 1) * sizeof(char *));
			rule.owners[rule.nowners++] = xstrndup(line + s, k - s);
		}
		rule.labels = xcalloc(nlabels ? nlabels : 1, sizeof(char *));
		for (size_t l = 0; l < nlabels; l++)
			rule.labels[l] = xstrdup(labels[l]);
		rule.nlabels = nlabels;
		if (co->nrules == cap) {
			cap = cap ? 2 * cap : 64;
			co->rules = xrealloc(co->rules, cap * sizeof(*co->rules));
		}
		co->rules[co->nrules++] = rule;
	}
	read_labels("", 0, &labels, &nlabels);
	*out = co;
	return 0;
}

int codeowners_load(const char *path, struct codeowners **out, char *err, size_t errlen)
{
	size_t len;
	char msg[256];
	char *text = file_read(path, CODEOWNERS_MAX_BYTES, &len, msg, sizeof(msg));
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	int rc = codeowners_parse(text, len, out, msg, sizeof(msg));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(text);
	return rc;
}

/* ---- matching ---------------------------------------------------------------- */

/* gitignore globbing of p[0..pe) against s[0..se). */
static bool glob(const char *p, const char *pe, const char *s, const char *se)
{
	while (p < pe) {
		if (*p == '*') {
			if (p + 1 < pe && p[1] == '*') {
				p += 2;
				if (p < pe && *p == '/') {
					/* "**" and a slash: zero or more whole directories */
					p++;
					for (const char *t = s;;) {
						if (glob(p, pe, t, se))
							return true;
						const char *sl = memchr(t, '/', (size_t)(se - t));
						if (!sl)
							return false;
						t = sl + 1;
					}
				}
				for (const char *t = s; t <= se; t++)
					if (glob(p, pe, t, se))
						return true;
				return false;
			}
			p++;
			for (const char *t = s;; t++) {
				if (glob(p, pe, t, se))
					return true;
				if (t == se || *t == '/')
					return false;
			}
		}
		if (s == se)
			return false;
		if (*p == '?') {
			if (*s == '/')
				return false;
		} else {
			if (*p == '\\' && p + 1 < pe)
				p++;
			if (*p != *s)
				return false;
		}
		p++;
		s++;
	}
	return s == se;
}

bool codeowners_pattern_match(const char *pattern, const char *path)
{
	if (!pattern || !path)
		return false;
	size_t pn = strlen(pattern);
	const char *p = pattern;
	bool dir_only = pn > 1 && p[pn - 1] == '/';
	if (dir_only)
		pn--;
	bool anchored = p[0] == '/';
	if (anchored) {
		p++;
		pn--;
	}
	if (!pn)
		return false;
	if (memchr(p, '/', pn))
		anchored = true;
	/* "docs/" then "*" owns the files of docs/, not those further down (GitHub) */
	bool children_only = pn >= 2 && p[pn - 1] == '*' && p[pn - 2] == '/';
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	while (*path == '/')
		path++;
	size_t sn = strlen(path);
	bool path_is_dir = sn && path[sn - 1] == '/';
	while (sn && path[sn - 1] == '/')
		sn--;
	if (!sn)
		return false;
	for (size_t start = 0; start < sn;) {
		/* the pattern against path[start..end) for each directory end, then the whole */
		for (size_t end = start; end <= sn; end++) {
			if (end != sn && path[end] != '/')
				continue;
			if (end == start)
				continue;
			if (!glob(p, p + pn, path + start, path + end))
				continue;
			if (dir_only && end == sn && !path_is_dir)
				continue;   /* "dir/" needs a directory: a file of that name is not it */
			if (children_only && end != sn)
				continue;
			return true;
		}
		if (anchored)
			break;
		const char *sl = memchr(path + start, '/', sn - start);
		if (!sl)
			break;
		start = (size_t)(sl - path) + 1;
	}
	return false;
}

const struct codeowners_rule *codeowners_match(const struct codeowners *co, const char *path)
{
	if (!co)
		return NULL;
	for (size_t i = co->nrules; i-- > 0;)
		if (codeowners_pattern_match(co->rules[i].pattern, path))
			return &co->rules[i];
	return NULL;
}

const char *codeowners_user(const char *owner)
{
	if (!owner || owner[0] != '@' || strchr(owner, '/'))
		return NULL;
	return owner + 1;
}

/* ---- against the roster -------------------------------------------------------- */

/* The modules a rule's pattern names. */
static size_t rule_modules(const struct roster *r, const struct codeowners_rule *rule,
			   struct lookup_result *res)
{
	const char *p = rule->pattern;
	while (*p == '/')
		p++;
	char q[512];
	size_t n = strlen(p);
	if (!n || n >= sizeof(q) || (n == 1 && p[0] == '*'))
		return res->n = 0;
	memcpy(q, p, n + 1);
	if (!strchr(q, '/') && n + 1 < sizeof(q)) {   /* "foo" anywhere: still a path */
		q[n] = '/';
		q[n + 1] = '\0';
	}
	lookup_modules(r, q, res);
	if (res->how == LOOKUP_NONE)
		res->n = 0;
	return res->n;
}

void codeowners_label_aliases(const struct codeowners *co, const struct roster *r,
			      struct lookup_aliases *a)
{
	if (!co || !r || !a)
		return;
	for (size_t i = 0; i < co->nrules; i++)
		for (size_t l = 0; l < co->rules[i].nlabels; l++) {
			const char *label = co->rules[i].labels[l];
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				for (size_t m = 0; m < co->rules[j].nlabels && !seen; m++)
					seen = str_ieq(co->rules[j].labels[m], label);
			if (seen)
				continue;
			const char *titles[LOOKUP_MAX * 4];
			size_t nt = 0;
			for (size_t j = i; j < co->nrules; j++) {
				bool has = false;
				for (size_t m = 0; m < co->rules[j].nlabels && !has; m++)
					has = str_ieq(co->rules[j].labels[m], label);
				struct lookup_result res;
				if (!has || !rule_modules(r, &co->rules[j], &res))
					continue;
				for (size_t k = 0; k < res.n && nt < ARRAY_SIZE(titles); k++) {
					bool dup = false;
					for (size_t t = 0; t < nt && !dup; t++)
						dup = titles[t] == res.groups[k]->title;
					if (!dup)
						titles[nt++] = res.groups[k]->title;
				}
			}
			if (!nt)
				continue;
			lookup_aliases_add(a, label, titles, nt, true);
			const char *word = strrchr(label, ':');
			word = word ? str_skip_space(word + 1) : NULL;
			if (word && *word)
				lookup_aliases_add(a, word, titles, nt, true);
		}
}

static bool in_list(const char **list, size_t n, const char *h)
{
	for (size_t i = 0; i < n; i++)
		if (str_ieq(list[i], h))
			return true;
	return false;
}

static void push(const char ***list, size_t *n, const char *h)
{
	if (in_list(*list, *n, h))
		return;
	*list = xrealloc(*list, (*n + 1) * sizeof(char *));
	(*list)[(*n)++] = h;
}

size_t codeowners_compare(const struct codeowners *co, const struct roster *r,
			  const struct roster_group *only, struct codeowners_report *out)
{
	memset(out, 0, sizeof(*out));
	if (!co || !r)
		return 0;
	size_t findings = 0;
	/* the modules each rule finds, computed once */
	struct lookup_result *res = xcalloc(co->nrules ? co->nrules : 1, sizeof(*res));
	for (size_t i = 0; i < co->nrules; i++)
		if (!rule_modules(r, &co->rules[i], &res[i]))
			out->unmapped++;
	for (size_t g = 0; g < r->ngroups; g++) {
		const struct roster_group *grp = &r->groups[g];
		if (!roster_group_is_module(r, grp) || (only && grp != only))
			continue;
		struct codeowners_drift d = { .group = grp };
		const char **owners = NULL;
		size_t nowners = 0;
		for (size_t i = 0; i < co->nrules; i++) {
			bool mine = false;
			for (size_t k = 0; k < res[i].n && !mine; k++)
				mine = res[i].groups[k] == grp;
			if (!mine)
				continue;
			d.nrules++;
			for (size_t o = 0; o < co->rules[i].nowners; o++) {
				const char *h = codeowners_user(co->rules[i].owners[o]);
				if (h)
					push(&owners, &nowners, h);
			}
		}
		if (!d.nrules) {
			free(owners);
			continue;
		}
		for (size_t o = 0; o < nowners; o++) {
			bool emeritus = false;
			if (roster_in_group(grp, owners[o], &emeritus))
				continue;
			if (emeritus)
				push(&d.emeritus, &d.nemeritus, owners[o]);
			else
				push(&d.strangers, &d.nstrangers, owners[o]);
		}
		for (size_t k = 0; k < grp->npeople; k++) {
			const struct roster_person *p = &grp->people[k];
			if (!p->emeritus && p->handle && !in_list(owners, nowners, p->handle))
				push(&d.idle, &d.nidle, p->handle);
		}
		free(owners);
		findings += d.nstrangers + d.nidle + d.nemeritus;
		out->modules = xrealloc(out->modules, (out->nmodules + 1) * sizeof(*out->modules));
		out->modules[out->nmodules++] = d;
	}
	for (size_t i = 0; i < co->nrules; i++) {
		if (only) {
			bool mine = false;
			for (size_t k = 0; k < res[i].n && !mine; k++)
				mine = res[i].groups[k] == only;
			if (!mine)
				continue;
		}
		for (size_t o = 0; o < co->rules[i].nowners; o++) {
			const char *h = codeowners_user(co->rules[i].owners[o]);
			if (h && !roster_find_person(r, h))
				push(&out->unknown, &out->nunknown, h);
		}
	}
	/* an unknown owner of a module's paths is already counted as not its
	 * maintainer; count the others (owners of paths no module covers) */
	for (size_t u = 0; u < out->nunknown; u++) {
		bool counted = false;
		for (size_t m = 0; m < out->nmodules && !counted; m++)
			counted = in_list(out->modules[m].strangers, out->modules[m].nstrangers, out->unknown[u]);
		findings += !counted;
	}
	free(res);
	return findings;
}

void codeowners_report_release(struct codeowners_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; i < rep->nmodules; i++) {
		free(rep->modules[i].strangers);
		free(rep->modules[i].idle);
		free(rep->modules[i].emeritus);
	}
	free(rep->modules);
	free(rep->unknown);
	memset(rep, 0, sizeof(*rep));
}
