/*
 * codeowners.h - the project's CODEOWNERS file, and where it and the
 * roster disagree.
 *
 * GitHub's syntax: one rule a line, `PATTERN OWNER...` (owners are @user,
 * @org/team or an e-mail address; a pattern with no owner owns nothing),
 * `#` comments, blank lines; the last matching rule wins.  Patterns follow
 * gitignore: a '/' at the start or in the middle anchors at the root (else
 * the pattern matches at any depth), '*' and '?' stay within a path
 * component, '**' crosses them, a trailing '/' means a directory; a
 * pattern naming a directory owns everything beneath it, except that a
 * pattern ending in "/" and "*" owns only the files directly in that
 * directory (GitHub's documented reading).  A comment line
 * `# label: module: fsdp, oncall: distributed` names the labels of the
 * rules below it, up to the next blank line or label line.
 *
 * Ownership: codeowners_parse()/codeowners_load() return a file freed by
 * codeowners_free(); the strings of its rules live as long as it does.
 */
#ifndef GOVBOT_CODEOWNERS_H
#define GOVBOT_CODEOWNERS_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/roster/roster.h"

struct lookup_aliases;

/* Longest CODEOWNERS file accepted (GitHub ignores files over 3 MB). */
#define CODEOWNERS_MAX_BYTES (3u << 20)

struct codeowners_rule {
	char *pattern;      /* as written: "/torch/nn/" */
	char **owners;      /* "@albanD", "@pytorch/pytorch-dev-infra", "a@b.org" */
	size_t nowners;
	char **labels;      /* "module: nn" */
	size_t nlabels;
	unsigned line;      /* 1-based */
};

struct codeowners {
	struct codeowners_rule *rules;  /* file order */
	size_t nrules;
};

/* Parses text[0..len).  Returns 0 and *out, or -1 with "line N: ..." in err
 * (invalid UTF-8, a NUL byte, an owner that is none of the three forms). */
int codeowners_parse(const char *text, size_t len, struct codeowners **out, char *err, size_t errlen);
/* Reads and parses a file (errors name the path). */
int codeowners_load(const char *path, struct codeowners **out, char *err, size_t errlen);
void codeowners_free(struct codeowners *co);

/* Does pattern match path ("torch/nn/functional.py"; a leading "/" or
 * "./" of path is ignored)? */
bool codeowners_pattern_match(const char *pattern, const char *path);
/* The rule that decides path: the last one that matches; NULL when none. */
const struct codeowners_rule *codeowners_match(const struct codeowners *co, const char *path);

/* The GitHub user an owner names ("@albanD" -> "albanD"), or NULL for a
 * team or an e-mail address.  Borrowed from owner. */
const char *codeowners_user(const char *owner);

/* Adds to a, as derived aliases, each label of co and its last word after
 * ': ' ("module: fsdp" and "fsdp"), naming the modules of r its rules'
 * patterns find. */
void codeowners_label_aliases(const struct codeowners *co, const struct roster *r,
			      struct lookup_aliases *a);

/* Where CODEOWNERS and the roster disagree about one module.  Handles are
 * borrowed from co or r; the arrays are owned by the drift. */
struct codeowners_drift {
	const struct roster_group *group;
	size_t nrules;                /* rules whose pattern finds this module */
	const char **strangers;       /* owners of its paths who are not its maintainers */
	size_t nstrangers;
	const char **idle;            /* active maintainers who own none of its paths */
	size_t nidle;
	const char **emeritus;        /* its emeritus maintainers still listed as owners */
	size_t nemeritus;
};

struct codeowners_report {
	struct codeowners_drift *modules; /* modules with rules, page order */
	size_t nmodules;
	const char **unknown;         /* owner handles no roster entry has */
	size_t nunknown;
	size_t unmapped;              /* rules whose pattern finds no module */
};

/* Compares co with r for one module (only != NULL) or all.  Returns the
 * number of findings (0: they agree): each stranger, idle and emeritus
 * handle of each module, and each unknown handle not counted as a stranger.  Free with codeowners_report_release(). */
size_t codeowners_compare(const struct codeowners *co, const struct roster *r,
			  const struct roster_group *only, struct codeowners_report *out);
void codeowners_report_release(struct codeowners_report *rep);

#endif
