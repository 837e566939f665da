/*
 * roster.h - the project's maintainers page as data.
 *
 * Reads PyTorch's persons_of_interest page in either upstream form,
 * Markdown (`## Section`, `### Module`, `- Name ([handle](https://github.com/handle))`)
 * or reStructuredText (`---`/`~~~` underlines, `(`handle <url>`__)`), told
 * apart by content.  Writes Markdown, reStructuredText or JSON.  Also
 * reads the page as the docs site renders it ("Name (handle)" items,
 * pilcrows after headings); what follows a group's list (a table of
 * contents, navigation) is kept as text, never as people.
 *
 * Model: a roster is a list of sections ("Core Maintainers",
 * "Module-level maintainers", ...); each section has a kind and a list of
 * groups.  The lead and core sections hold exactly one group (titled like
 * the section); module/library sections hold one group per `###` heading.
 * Text sections (Responsibilities, ...) keep their body verbatim.
 *
 * Ownership: roster_parse() and roster_clone() return a roster the caller
 * frees with roster_free().  Every pointer a query returns is borrowed from
 * the roster and lives until it is freed or mutated.
 */
#ifndef GOVBOT_ROSTER_H
#define GOVBOT_ROSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/util/util.h"

/* Longest roster file accepted, in bytes. */
#define ROSTER_MAX_BYTES (4u << 20)

struct lookup_index;
struct lookup_aliases;

enum roster_kind {
	ROSTER_TEXT,      /* prose, kept verbatim (Responsibilities, ...) */
	ROSTER_LEAD,      /* "Lead Core Maintainer (BDFL)" */
	ROSTER_CORE,      /* "Core Maintainers" */
	ROSTER_MODULES,   /* "Module-level maintainers", "Core Module maintainers" */
	ROSTER_LIBRARIES, /* "Library-level maintainers" */
	ROSTER_EXTERNAL,  /* "Core Governed External Module maintainers" */
	ROSTER_SUNSET,    /* "Sunsetted Modules" */
};

struct roster_person {
	char *name;       /* "Alban Desmaison"; never NULL */
	char *handle;     /* "albanD" as written, or NULL when the entry has none */
	bool emeritus;
	char *url;        /* link target when it is not https://github.com/HANDLE; else NULL */
};

struct roster_group {
	char *title;              /* heading as written: "NN APIs (torch.nn)" */
	/* Names it also answers to, as written, no duplicates (case-insensitive),
	 * never the title itself:
	 *  - each name inside parentheses, split on " / ", ", ", " & ", " + "
	 *    ("(JIT / TorchScript)" -> JIT, TorchScript; "(torch/ao)" stays whole);
	 *  - the title without its parentheses ("NN APIs", "AOT Inductor & AOTI Runtime");
	 *  - the parts of that, split on " / ", ", ", " & ", " + ", " and "
	 *    ("Distributions & RNG" -> Distributions, RNG), or else on a bare '/'
	 *    ("AMD/ROCm/HIP" -> AMD, ROCm, HIP; "Apple M1/MPS" -> Apple M1, MPS). */
	char **aliases;
	size_t naliases;
	struct roster_person *people;
	size_t npeople;
	size_t section;           /* index into roster.sections */
	char *text;               /* lines after the list that are not people, verbatim; or NULL */
};

struct roster_section {
	char *title;              /* "Core Maintainers" */
	enum roster_kind kind;
	char *text;               /* body of a ROSTER_TEXT section, verbatim; else NULL */
	size_t first_group;       /* groups[first_group .. first_group+ngroups) */
	size_t ngroups;
	char *intro;              /* prose between a module section's heading and its first group; or NULL */
};

enum roster_format { ROSTER_FMT_MD, ROSTER_FMT_RST, ROSTER_FMT_JSON };

struct roster {
	char *front_matter;       /* Markdown front matter body ("orphan: true"), or NULL */
	char *title;              /* page title: "PyTorch Governance | Maintainers" */
	enum roster_format source_format; /* the form it was read from */
	struct roster_section *sections;
	size_t nsections;
	struct roster_group *groups;
	size_t ngroups;
	char *preface;            /* prose before the first section, verbatim; or NULL */
	struct lookup_index *index; /* module name index (chatbot/roster/lookup.c); private */
	struct lookup_aliases *aliases; /* owned; NULL: the bundled aliases (lookup_set_aliases()) */
};

/* Parses text[0..len).  Returns 0 and *out, or -1 with a one-line message
 * in err ("line 12: ...", "not a maintainers page: ...").  Rejects invalid
 * UTF-8, NUL bytes, oversize input and pages with no lead or core section. */
int roster_parse(const char *text, size_t len, struct roster **out, char *err, size_t errlen);
/* Reads and parses a file (errors name the path). */
int roster_load(const char *path, struct roster **out, char *err, size_t errlen);
/* The bundled roster text (the seed's maintainers page in Markdown). Borrowed. */
const char *roster_default_text(size_t *len);
/* Parses the bundled roster; aborts if it is broken (it is tested). */
struct roster *roster_load_default(void);
void roster_free(struct roster *r);
struct roster *roster_clone(const struct roster *r);

/* Appends the page in the given form to out.  Reading the output back and
 * writing it again gives the same bytes. */
void roster_write(const struct roster *r, enum roster_format fmt, struct buf *out);

/* Queries.  Handles compare ASCII case-insensitively. */
const struct roster_group *roster_lead_group(const struct roster *r);   /* may be NULL */
const struct roster_group *roster_core_group(const struct roster *r);   /* may be NULL */
/* The first active person of the lead section, or NULL. */
const struct roster_person *roster_lead(const struct roster *r);
bool roster_is_lead(const struct roster *r, const char *handle);
/* Active core maintainer; the lead counts even when the core list omits them. */
bool roster_is_core(const struct roster *r, const char *handle);
/* Active maintainer of that group.  When emeritus is not NULL it is set to
 * true when the handle is listed there only as emeritus (the call then
 * returns false), else to false. */
bool roster_in_group(const struct roster_group *g, const char *handle, bool *emeritus);
/* True when the handle is an active maintainer of any module/library group. */
bool roster_is_module_maintainer(const struct roster *r, const char *handle);
/* Any entry anywhere with that handle (to tell unknown handles). Borrowed. */
const struct roster_person *roster_find_person(const struct roster *r, const char *handle);
/* Active core maintainers, lead included, each handle once, in page order.
 * Fills up to max borrowed handles; returns the total count. */
size_t roster_core_handles(const struct roster *r, const char **out, size_t max);
/* True for module, library, external and sunsetted groups. */
bool roster_group_is_module(const struct roster *r, const struct roster_group *g);
size_t roster_group_active(const struct roster_group *g);
/* The kind of the group's section (ROSTER_SUNSET: `who` says so). */
enum roster_kind roster_group_kind(const struct roster *r, const struct roster_group *g);
/* Index of g in r->groups (for the mutations below). */
size_t roster_group_index(const struct roster *r, const struct roster_group *g);
/* "lead", "core", "modules", "libraries", "external", "sunset", "text". Static. */
const char *roster_kind_name(enum roster_kind kind);

/* Mutations used when decisions are applied (they keep the page's order:
 * active people before emeritus ones).  Return 0, or -1 when nothing matched.
 * roster_add_person() adds an active entry after the last active one; a
 * handle already listed as emeritus there becomes active again; a handle
 * already active there is -1.  roster_set_emeritus() moves a person who
 * becomes emeritus to the head of the emeritus entries, one who comes back
 * to the end of the active ones.  roster_set_lead() is -1 when the page has
 * no lead section.  These never add or move groups, so group indexes and
 * pointers stay valid (the module changes below do not). */
int roster_add_person(struct roster *r, size_t group, const char *name, const char *handle);
int roster_set_emeritus(struct roster *r, size_t group, const char *handle, bool emeritus);
int roster_remove_person(struct roster *r, size_t group, const char *handle);
/* Replaces the lead section's person. */
int roster_set_lead(struct roster *r, const char *name, const char *handle);

/* Module changes (the core maintainers' decisions on a module proposal).
 * These DO move groups: every group index and pointer taken before is
 * invalid after them, and the lookup index is rebuilt.  0, or -1 when
 * nothing matched or the title is taken or unusable (empty, over 200
 * bytes, a line break, brackets or backticks).
 * roster_add_group() adds an empty group titled title ("Widgets
 * (torch.widgets)": its aliases come from the title as when read) at the
 * end of the first module section; roster_sunset_group() moves group gi
 * (a module, library or external one) to the end of the sunsetted
 * section, made at the end of the page when there is none;
 * roster_rename_group() gives group gi a new title and its aliases. */
int roster_add_group(struct roster *r, const char *title);
int roster_sunset_group(struct roster *r, size_t gi);
int roster_rename_group(struct roster *r, size_t gi, const char *title);

#endif
