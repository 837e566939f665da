/*
 * lookup.h - find a module of the roster from what a person typed.
 *
 * A module answers to its heading ("NN APIs (torch.nn)"), to each of its
 * aliases (struct roster_group: the names in its parentheses, "torch.nn",
 * "AOTI", the heading without them, "NN APIs", and the parts of a heading
 * like "AMD/ROCm/HIP" or "Distributions & RNG"), to a `torch.x.y` name by
 * its longest known prefix (torch.nn.functional -> torch.nn; "nn.functional"
 * and "optim" imply the "torch."), and to a source path
 * ("torch/nn/functional.py", "torch/csrc/autograd/engine.cpp"), all ASCII
 * case-insensitively, ignoring blanks, backticks and quotes around the query
 * and a trailing '?'.  Only module, library, external and sunsetted groups
 * are found; a heading beats another group's alias, otherwise the first
 * group in page order wins.  When nothing matches, the nearest heading or
 * alias by edit distance (1 for up to 5 bytes, 2 up to 9, else 3; nothing
 * under 4 bytes) is offered as "did you mean".  No allocation per call.
 *
 * All returned pointers are borrowed from the roster.
 */
#ifndef GOVBOT_LOOKUP_H
#define GOVBOT_LOOKUP_H

#include "chatbot/roster/roster.h"

/* Returns the group, or NULL; then *suggestion (if not NULL) is set to the
 * nearest name worth offering, or NULL when nothing is close. */
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

/* The index roster_parse()/roster_clone() keep in r->index: every module
 * heading and alias, lowercased, hashed.  Freed by lookup_index_free()
 * (roster_free() does it).  Group titles and aliases must not change while
 * it lives; the roster mutations never touch them. */
struct lookup_index *lookup_index_build(const struct roster *r);
void lookup_index_free(struct lookup_index *ix);

#endif
