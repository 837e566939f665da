/* web_roster.c - the page "/": the running roster (the file plus every
 * stored decision), one section per roster section, one linkable block per
 * module or library. */
#include "chatbot/web/web_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "chatbot/gov/ledger_when.h"
#include "chatbot/roster/roster.h"

static void slug_of(const char *title, struct buf *out)
{
	bool dash = false;

	buf_adds(out, "m-");
	for (const char *p = title; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c)) {
			if (dash && out->len > 2)
				buf_addc(out, '-');
			buf_addc(out, (char)tolower(c));
			dash = false;
		} else {
			dash = true;
		}
	}
	if (out->len == 2)
		buf_adds(out, "group");
}

/* "m-nn-apis-torch-nn" from "NN APIs (torch.nn)"; a later group whose slug
 * an earlier one took gets "-N" (its index) appended. */
static void group_slug(const struct roster *r, size_t gi, struct buf *out)
{
	struct buf other = BUF_INIT;

	slug_of(r->groups[gi].title, out);
	for (size_t j = 0; j < gi; j++) {
		buf_reset(&other);
		slug_of(r->groups[j].title, &other);
		if (strcmp(buf_str(&other), buf_str(out)) == 0) {
			buf_addf(out, "-%zu", gi);
			break;
		}
	}
	buf_release(&other);
}

/* A person's link: their own URL when it is http(s), else GitHub's page of
 * their handle; NULL when neither. */
static void person_html(struct buf *out, const struct roster_person *p)
{
	struct buf href = BUF_INIT;

	if (p->url && (strncmp(p->url, "https://", 8) == 0 || strncmp(p->url, "http://", 7) == 0))
		buf_adds(&href, p->url);
	else if (p->handle)
		buf_addf(&href, "https://github.com/%s", p->handle);
	web_escapes(out, p->name);
	if (p->handle) {
		buf_adds(out, " (");
		if (href.len) {
			buf_adds(out, "<a href=\"");
			web_escape(out, href.data, href.len);
			buf_adds(out, "\">@");
			web_escapes(out, p->handle);
			buf_adds(out, "</a>");
		} else {
			buf_addc(out, '@');
			web_escapes(out, p->handle);
		}
		buf_adds(out, ")");
	} else if (href.len) {
		buf_adds(out, " (");
		web_link(out, href.data, "link");
		buf_adds(out, ")");
	}
	buf_release(&href);
}

/* The people of a group, active first, then "Emeritus:" ones. */
static void people_html(struct buf *out, const struct roster *r, const struct roster_group *g)
{
	size_t active = roster_group_active(g), emeritus = g->npeople - active;

	if (active == 0) {
		buf_adds(out, "<p class=\"meta\">No active maintainers");
		if (roster_group_is_module(r, g))
			buf_adds(out, "; the core maintainers are the ones to ask");
		buf_adds(out, ".</p>\n");
	} else {
		buf_adds(out, "<ul>\n");
		for (size_t i = 0; i < g->npeople; i++) {
			if (g->people[i].emeritus)
				continue;
			buf_adds(out, "<li>");
			person_html(out, &g->people[i]);
			buf_adds(out, "</li>\n");
		}
		buf_adds(out, "</ul>\n");
	}
	if (emeritus) {
		buf_adds(out, "<p class=\"emeritus\">Emeritus: ");
		size_t k = 0;
		for (size_t i = 0; i < g->npeople; i++) {
			if (!g->people[i].emeritus)
				continue;
			if (k++)
				buf_adds(out, ", ");
			person_html(out, &g->people[i]);
		}
		buf_adds(out, "</p>\n");
	}
}

static void section_html(struct buf *out, const struct roster *r, const struct roster_section *s)
{
	struct buf slug = BUF_INIT;
	bool modules = s->kind != ROSTER_LEAD && s->kind != ROSTER_CORE;

	buf_adds(out, "<section>\n<h2>");
	web_escapes(out, s->title);
	buf_adds(out, "</h2>\n");
	if (s->kind == ROSTER_SUNSET)
		buf_adds(out, "<p class=\"meta\">These modules are sunsetted.</p>\n");
	if (modules && s->ngroups > 1) {
		/* a contents line: every module of the section, linked */
		buf_adds(out, "<p class=\"meta\">");
		for (size_t k = 0; k < s->ngroups; k++) {
			size_t gi = s->first_group + k;
			buf_reset(&slug);
			buf_addc(&slug, '#');
			group_slug(r, gi, &slug);
			if (k)
				buf_adds(out, " · ");
			web_link(out, slug.data, r->groups[gi].title);
		}
		buf_adds(out, "</p>\n");
	}
	for (size_t k = 0; k < s->ngroups; k++) {
		size_t gi = s->first_group + k;
		const struct roster_group *g = &r->groups[gi];
		buf_reset(&slug);
		group_slug(r, gi, &slug);
		if (modules) {
			buf_adds(out, "<section id=\"");
			web_escape(out, slug.data, slug.len);
			buf_adds(out, "\">\n<h3><a href=\"#");
			web_escape(out, slug.data, slug.len);
			buf_adds(out, "\">");
			web_escapes(out, g->title);
			buf_adds(out, "</a></h3>\n");
		}
		people_html(out, r, g);
		if (modules)
			buf_adds(out, "</section>\n");
	}
	buf_adds(out, "</section>\n");
	buf_release(&slug);
}

int web_roster_page(const struct web_ctx *ctx, struct web_page *p)
{
	const struct roster *r = ctx->bot->roster;
	struct buf *out = &p->body;
	const char *title = r->title && *r->title ? r->title : "Maintainers";

	web_head(out, title);
	buf_adds(out, "<h1>");
	web_escapes(out, title);
	buf_adds(out, "</h1>\n<p class=\"meta\">The maintainers page as the project keeps it, with "
		 "every decision recorded since applied. See the <a href=\"/decisions\">decisions</a> "
		 "and the <a href=\"/agenda\">agenda</a>.</p>\n");
	for (size_t i = 0; i < r->nsections; i++)
		if (r->sections[i].kind != ROSTER_TEXT)
			section_html(out, r, &r->sections[i]);
	web_foot(out);
	web_touch(&p->last_modified, ledger_roster_changed_at(bot_gov(ctx->bot)));
	return 200;
}
