/*
 * roster_int.h - private to chatbot/roster*.c: the classified lines the
 * reader builds the roster from (roster_lines.c), and alias building
 * (roster.c).  Nothing outside the roster files includes this.
 */
#ifndef GOVBOT_ROSTER_INT_H
#define GOVBOT_ROSTER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/roster/roster.h"

enum roster_line_type { L_BLANK, L_TEXT, L_ITEM, L_HEAD, L_SKIP };

struct roster_line {
	const char *s;          /* borrowed from the input; no line end */
	size_t len;
	enum roster_line_type type;
	int level;              /* L_HEAD: 1 title, 2 section, 3 group */
	bool underlined;        /* L_HEAD in reStructuredText: the next line is its underline */
	bool opens;             /* L_HEAD that opens the title, a section or a group (set by the reader) */
	size_t indent;          /* L_ITEM: columns before the marker */
	const char *item;       /* L_ITEM: text after the marker, trimmed */
	size_t itemlen;
	const char *head;       /* L_HEAD: title, trimmed, without a trailing pilcrow */
	size_t headlen;
};

struct roster_lines {
	struct roster_line *v;  /* owned */
	size_t n;
	bool rst;               /* reStructuredText (else Markdown) */
	char *front_matter;     /* Markdown front matter or rst fields as "key: value"; owned */
	char *err;              /* borrowed */
	size_t errlen;
};

/* Checks the bytes (size, NUL, UTF-8, controls), cuts text into lines,
 * tells the form and classifies every line.  Returns 0, or -1 with
 * "line N: ..." in err.  Release with roster_lines_release() either way. */
int roster_lines_read(struct roster_lines *ls, const char *text, size_t len, char *err, size_t errlen);
void roster_lines_release(struct roster_lines *ls);

/* Writes "line N: MESSAGE" (or MESSAGE when line is 0) into err, where fmt
 * has one %s for what (cut to 60 bytes).  Returns -1. */
int roster_lines_error(char *err, size_t errlen, size_t line, const char *fmt, const char *what);
/* Trims blanks (spaces, tabs) around s[0..*n). */
void roster_lines_trim(const char **s, size_t *n);
/* Drops trailing pilcrows (rendered Sphinx pages put one after headings). */
void roster_lines_strip_pilcrow(const char *s, size_t *n);

/* Fills g->aliases from g->title (see roster.h). */
void roster_aliases_build(struct roster_group *g);

#endif
