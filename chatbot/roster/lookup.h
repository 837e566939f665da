/*
 * lookup.h - find modules and people of the roster from what a person typed.
 *
 * Modules.  Every name a module answers to goes into an index built once
 * per roster change (roster_parse(), roster_clone(), lookup_set_aliases()):
 *   - its heading as written ("NN APIs (torch.nn)");
 *   - its names (struct roster_group aliases: the names in its parentheses,
 *     the heading without them and its parts) and the aliases of the
 *     config or the bundled aliases file naming it ("pt2");
 *   - every distinctive word and run of words of those ("fx", "triton",
 *     "fourier transform"), a TorchFoo word also as "foo", the components
 *     of dotted names ("nn" of torch.nn), and labels from CODEOWNERS.
 * A query is trimmed (blanks, quotes, backticks, a trailing '?'), ASCII
 * lowercased, '/' read as '.', and looked up: exactly; without a leading
 * Torch/PyTorch; as a dotted name or path by its longest known prefix
 * (torch.nn.functional -> torch.nn, nn.functional -> torch.nn) and then by
 * its first component that names a module (torch/fx/graph.py -> fx,
 * torch/_inductor/x.py -> inductor; leading underscores, csrc, __init__
 * and the file name are ignored).  A name that fits several modules gives
 * them all, best first: a heading beats a name, a name beats a word, then
 * page order.  When nothing fits, the nearest heading or name by edit
 * distance (1 up to 5 bytes, 2 up to 9, else 3; nothing under 4 bytes;
 * a dotted query is only compared with dotted names, so torch.fx never
 * suggests TorchX) is offered as "did you mean".  No allocation per call.
 *
 * People are found by handle (with or without '@'), by full name, or by
 * name words (whole words, or prefixes of at least 4 letters).
 *
 * All returned pointers are borrowed from the roster (or its index) and
 * live until it is freed or its aliases change.
 */
#ifndef GOVBOT_LOOKUP_H
#define GOVBOT_LOOKUP_H

#include "chatbot/roster/roster.h"

struct cJSON;

/* Most modules a lookup returns. */
#define LOOKUP_MAX 12

enum lookup_how {
	LOOKUP_NONE = 0,
	LOOKUP_HEADING,   /* the heading as written */
	LOOKUP_NAME,      /* a name of its heading, or an alias */
	LOOKUP_WORD,      /* a distinctive word or run of words, a label */
	LOOKUP_PATH,      /* a torch.x name or path, by one of its components */
};

struct lookup_result {
	const struct roster_group *groups[LOOKUP_MAX]; /* best first */
	size_t n;               /* how many were found (at most LOOKUP_MAX) */
	enum lookup_how how;
	const char *matched;    /* the name as the index knows it ("FX"), or NULL */
	const char *suggestion; /* n == 0: the nearest name worth offering, or NULL */
};

/* Fills out (always); returns out->n. */
size_t lookup_modules(const struct roster *r, const char *query, struct lookup_result *out);

/* The best module, or NULL; then *suggestion (if not NULL) is the nearest
 * name worth offering, or NULL when nothing is close. */
const struct roster_group *lookup_module(const struct roster *r, const char *query,
					 const char **suggestion);

/* A module named at the start of text by one or several words ("C++ API
 * adopt ...", "torch.nn contributions: ..."): the longest run of up to 12
 * leading words of the first line that lookup_module() finds.  Returns the
 * group and sets *rest past those words, or NULL (nothing set). */
const struct roster_group *lookup_module_prefix(const struct roster *r, const char *text,
						const char **rest);

struct lookup_role {
	const struct roster_group *group;
	bool emeritus;
};

/* Every group that lists the handle (active and emeritus, page order).
 * Fills up to max entries; returns the total count. */
size_t lookup_person(const struct roster *r, const char *handle, struct lookup_role *out, size_t max);

/* People whose handle is query (an '@' in front is ignored), else whose
 * full name is query, else whose name has every word of query (a whole
 * word, or the start of one for 4 letters or more), case-insensitively.
 * Each person once (by handle, or by name when they have none), in page
 * order.  Fills up to max borrowed entries; returns the total count. */
size_t lookup_people(const struct roster *r, const char *query, const struct roster_person **out,
		     size_t max);

/* ---- aliases ---------------------------------------------------------------- */

/* Names for modules that no page says: {"pt2": ["TorchDynamo", "TorchInductor"]}.
 * Each target is looked up like a query on the roster's own names; the
 * modules it finds get the alias.  derived: a name taken from elsewhere
 * (CODEOWNERS labels), ranked like a word instead of like a name. */
struct lookup_alias {
	char *name;
	char **targets;
	size_t ntargets;
	bool derived;
};

struct lookup_aliases {
	struct lookup_alias *items;
	size_t n;
};

/* Reads a JSON object of arrays of strings.  path names it in problems
 * ("aliases"): one line per problem ("aliases.pt2: must be an array of
 * module names").  Returns the aliases (free with lookup_aliases_free), or
 * NULL when there were problems. */
struct lookup_aliases *lookup_aliases_from_json(const struct cJSON *obj, const char *path,
						struct buf *problems);
/* The bundled aliases file (chatbot/roster/aliases.json), parsed once.
 * Borrowed, static; never NULL. */
const struct lookup_aliases *lookup_aliases_bundled(void);
struct lookup_aliases *lookup_aliases_clone(const struct lookup_aliases *a);
/* Appends a derived alias (copied) to a. */
void lookup_aliases_add(struct lookup_aliases *a, const char *name, const char *const *targets,
			size_t ntargets, bool derived);
void lookup_aliases_free(struct lookup_aliases *a);

/* Gives r its own aliases (copied; NULL: the bundled ones again) and
 * rebuilds its index. */
void lookup_set_aliases(struct roster *r, const struct lookup_aliases *a);
/* For check-config: one line "PATH.NAME: warning: names no module of the roster
 * (TARGET, ...)" per alias of a none of whose targets is a module of r,
 * and "PATH.NAME: warning: TARGET names no module of the roster" per target that
 * finds nothing while others do.  Returns how many lines. */
size_t lookup_aliases_check(const struct roster *r, const struct lookup_aliases *a, const char *path,
			    struct buf *problems);

/* The index r->index (built by roster_parse()/roster_clone()): every name
 * of every module, hashed, with the roster's aliases (r->aliases, else the
 * bundled ones).  Freed by lookup_index_free() (roster_free() does it). */
struct lookup_index *lookup_index_build(const struct roster *r);
void lookup_index_free(struct lookup_index *ix);

#endif
