/*
 * roster_write.c - writes the roster as the upstream Markdown page, the
 * older reStructuredText page, or JSON.  Blocks (headings, lists, text)
 * are separated by one blank line; the page ends with one newline.
 */
#include "chatbot/roster/roster.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct writer {
	struct buf *out;
	bool rst;
	bool started;
	bool headed;    /* front matter or a heading was written */
};

/* Starts a block: a blank line after the previous one. */
static void block(struct writer *w)
{
	if (w->started)
		buf_addc(w->out, '\n');
	w->started = true;
}

static size_t utf8_chars(const char *s)
{
	size_t c = 0;
	for (; *s; s++)
		c += ((unsigned char)*s & 0xC0) != 0x80;
	return c;
}

/* Number of '#' when the line would read as a Markdown heading, else 0. */
static int md_heading_level(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[k] == '#')
		k++;
	return k >= 1 && k <= 3 && k < n && (s[k] == ' ' || s[k] == '\t') ? (int)k : 0;
}

/* "----", "====", "~~~~": before the first heading such a line could make
 * the reader take the page for reStructuredText. */
static bool underline_like(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n || !strchr("=-~^", s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] != s[0])
			return false;
	return true;
}

/* "- x", "* x", "+ x" (or the marker alone): a list item, never a title. */
static bool item_like(const char *s, size_t n)
{
	return n && strchr("-*+", s[0]) && (n == 1 || s[1] == ' ' || s[1] == '\t');
}

/* A line the reStructuredText reader could take as a title's text. */
static bool title_like(const char *s, size_t n)
{
	return n && s[0] != ' ' && s[0] != '\t' && !item_like(s, n) && !underline_like(s, n);
}

/* Would the reader take prev + line for a reStructuredText title?  Then
 * returns the underline character, else 0. */
static char rst_pair(const char *prev, size_t pn, bool prev_escaped, const char *s, size_t n)
{
	/* an escaped line was written with a backslash first: always title-like */
	if (!prev || !(prev_escaped || title_like(prev, pn)) || !underline_like(s, n))
		return 0;
	for (;;) {
		while (pn && (prev[pn - 1] == ' ' || prev[pn - 1] == '\t'))
			pn--;
		if (pn >= 2 && (unsigned char)prev[pn - 2] == 0xC2 && (unsigned char)prev[pn - 1] == 0xB6)
			pn -= 2;
		else
			break;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	size_t chars = prev_escaped;
	for (size_t i = 0; i < pn; i++)
		chars += ((unsigned char)prev[i] & 0xC0) != 0x80;
	return (pn || prev_escaped) && (n >= 3 || n >= chars) ? s[0] : 0;
}

/* ":orphan:", ":key: value": a field the reader takes as front matter at
 * the top of a reStructuredText page. */
static bool field_like(const char *s, size_t n)
{
	size_t k = 1;
	if (n < 3 || s[0] != ':')
		return false;
	while (k < n && (strchr("-_", s[k]) || (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
			 (s[k] >= '0' && s[k] <= '9')))
		k++;
	return k > 1 && k < n && s[k] == ':' && (k + 1 == n || s[k + 1] == ' ');
}

static void heading(struct writer *w, int level, const char *title)
{
	bool md_like = !w->headed && md_heading_level(title, strlen(title));
	bool at_start = !w->started;
	block(w);
	w->headed = true;
	if (!w->rst) {
		buf_addf(w->out, "%.*s %s\n", level, "###", title);
		return;
	}
	static const char marks[] = { '=', '-', '~' };
	size_t tl = strlen(title);
	/* a title that would not read back as one (or would make the page
	 * look like Markdown or like fields) gets a backslash */
	bool esc = !title_like(title, tl) || md_like || (at_start && field_like(title, tl));
	size_t n = utf8_chars(title) + esc;
	buf_addf(w->out, "%s%s\n", esc ? "\\" : "", title);
	for (size_t i = 0; i < n; i++)
		buf_addc(w->out, marks[level - 1]);
	buf_addc(w->out, '\n');
}

/* Writes a verbatim block.  A line the reader would take for a heading in
 * this place (text read from the other form) gets a backslash, so that
 * what was text stays text. */
enum text_place { IN_PREFACE, IN_SECTION, IN_MODULES };

static void text(struct writer *w, const char *t, enum text_place where, bool titled)
{
	if (!t || !*t)
		return;
	bool first = !w->started;
	block(w);
	const char *prev = NULL;
	size_t prevn = 0;
	bool prev_esc = false;
	while (*t) {
		const char *end = strchr(t, '\n');
		size_t n = end ? (size_t)(end - t) : strlen(t);
		int level = md_heading_level(t, n);
		bool esc = first && n == 3 && memcmp(t, "---", 3) == 0;
		char u = rst_pair(prev, prevn, prev_esc, t, n);
		if (!w->rst) {
			esc = esc || level == 2 || (level == 1 && where == IN_PREFACE && !titled) ||
			      (level == 3 && where == IN_MODULES) || (!w->headed && u);
		} else {
			esc = esc || (first && field_like(t, n)) || (!w->headed && level) || u == '-' ||
			      (u == '=' && where == IN_PREFACE && !titled) ||
			      ((u == '~' || u == '^') && where == IN_MODULES);
		}
		first = false;
		prev = t;
		prevn = n;
		prev_esc = esc;
		if (esc)
			buf_addc(w->out, '\\');
		buf_add(w->out, t, n);
		buf_addc(w->out, '\n');
		t += n + (end ? 1 : 0);
	}
}

static void person(struct writer *w, const struct roster_person *p)
{
	struct buf *o = w->out;
	buf_adds(o, w->rst ? "-  " : "- ");
	if (p->emeritus)
		buf_adds(o, "(emeritus) ");
	/* Markdown passes raw HTML through: a name never carries any */
	for (const char *c = p->name; *c; c++) {
		if (w->rst || (*c != '<' && *c != '>' && *c != '&'))
			buf_addc(o, *c);
		else
			buf_adds(o, *c == '<' ? "&lt;" : *c == '>' ? "&gt;" : "&amp;");
	}
	if (p->handle) {
		const char *pre = p->url ? "" : "https://github.com/";
		const char *url = p->url ? p->url : p->handle;
		if (w->rst)
			buf_addf(o, " (`%s <%s%s>`__)", p->handle, pre, url);
		else
			buf_addf(o, " ([%s](%s%s))", p->handle, pre, url);
	}
	buf_addc(o, '\n');
}

static void group_body(struct writer *w, const struct roster_group *g, enum text_place where)
{
	if (g->npeople) {
		block(w);
		for (size_t i = 0; i < g->npeople; i++)
			person(w, &g->people[i]);
	}
	text(w, g->text, where, true);
}

/* Markdown front matter "key: value" lines as reStructuredText fields. */
static void rst_fields(struct writer *w, const char *fm)
{
	bool any = false;
	while (*fm) {
		const char *end = strchr(fm, '\n');
		size_t n = end ? (size_t)(end - fm) : strlen(fm);
		const char *colon = memchr(fm, ':', n);
		size_t kl = colon ? (size_t)(colon - fm) : 0;
		bool key_ok = kl > 0;
		for (size_t i = 0; i < kl; i++)
			key_ok = key_ok && (strchr("-_", fm[i]) || (fm[i] >= 'a' && fm[i] <= 'z') ||
					    (fm[i] >= 'A' && fm[i] <= 'Z') || (fm[i] >= '0' && fm[i] <= '9'));
		if (key_ok) {
			const char *v = colon + 1;
			size_t vl = n - kl - 1;
			while (vl && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (!any)
				block(w);
			any = true;
			if (!vl || (vl == 4 && memcmp(v, "true", 4) == 0))
				buf_addf(w->out, ":%.*s:\n", (int)kl, fm);
			else
				buf_addf(w->out, ":%.*s: %.*s\n", (int)kl, fm, (int)vl, v);
		}
		fm += n + (end ? 1 : 0);
	}
}

static void write_page(const struct roster *r, bool rst, struct buf *out)
{
	struct writer w = { .out = out, .rst = rst };
	if (r->front_matter && rst) {
		rst_fields(&w, r->front_matter);
	} else if (r->front_matter) {
		block(&w);
		w.headed = true;
		buf_addf(out, "---\n%s%s---\n", r->front_matter, *r->front_matter ? "\n" : "");
	}
	if (r->title)
		heading(&w, 1, r->title);
	text(&w, r->preface, IN_PREFACE, r->title != NULL);
	for (size_t s = 0; s < r->nsections; s++) {
		const struct roster_section *sec = &r->sections[s];
		enum text_place where = sec->kind == ROSTER_TEXT || sec->kind == ROSTER_LEAD ||
						sec->kind == ROSTER_CORE ? IN_SECTION : IN_MODULES;
		heading(&w, 2, sec->title);
		text(&w, sec->text, where, true);
		text(&w, sec->intro, where, true);
		for (size_t k = 0; k < sec->ngroups; k++) {
			const struct roster_group *g = &r->groups[sec->first_group + k];
			if (sec->kind != ROSTER_LEAD && sec->kind != ROSTER_CORE)
				heading(&w, 3, g->title);
			group_body(&w, g, where);
		}
	}
}

static cJSON *json_people(const struct roster_group *g)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < g->npeople; i++) {
		const struct roster_person *p = &g->people[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", p->name);
		if (p->handle)
			cJSON_AddStringToObject(o, "handle", p->handle);
		else
			cJSON_AddNullToObject(o, "handle");
		cJSON_AddBoolToObject(o, "emeritus", p->emeritus);
		if (p->url)
			cJSON_AddStringToObject(o, "url", p->url);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static void add_opt_string(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static void write_json(const struct roster *r, struct buf *out)
{
	cJSON *root = cJSON_CreateObject();
	add_opt_string(root, "title", r->title);
	add_opt_string(root, "front_matter", r->front_matter);
	cJSON *secs = cJSON_AddArrayToObject(root, "sections");
	for (size_t s = 0; s < r->nsections; s++) {
		const struct roster_section *sec = &r->sections[s];
		cJSON *so = cJSON_CreateObject();
		cJSON_AddStringToObject(so, "title", sec->title);
		cJSON_AddStringToObject(so, "kind", roster_kind_name(sec->kind));
		if (sec->kind == ROSTER_TEXT)
			add_opt_string(so, "text", sec->text);
		cJSON *groups = cJSON_AddArrayToObject(so, "groups");
		for (size_t k = 0; k < sec->ngroups; k++) {
			const struct roster_group *g = &r->groups[sec->first_group + k];
			cJSON *go = cJSON_CreateObject();
			cJSON_AddStringToObject(go, "title", g->title);
			cJSON_AddStringToObject(go, "kind", roster_kind_name(sec->kind));
			cJSON *al = cJSON_AddArrayToObject(go, "aliases");
			for (size_t a = 0; a < g->naliases; a++)
				cJSON_AddItemToArray(al, cJSON_CreateString(g->aliases[a]));
			cJSON_AddNumberToObject(go, "active", (double)roster_group_active(g));
			cJSON_AddItemToObject(go, "people", json_people(g));
			cJSON_AddItemToArray(groups, go);
		}
		cJSON_AddItemToArray(secs, so);
	}
	char *s = cJSON_Print(root);
	if (s) {
		buf_adds(out, s);
		buf_addc(out, '\n');
		cJSON_free(s);
	}
	cJSON_Delete(root);
}

void roster_write(const struct roster *r, enum roster_format fmt, struct buf *out)
{
	if (fmt == ROSTER_FMT_JSON)
		write_json(r, out);
	else
		write_page(r, fmt == ROSTER_FMT_RST, out);
}
