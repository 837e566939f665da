/*
 * link.h - binding a chat identity to a roster handle only with consent.
 *
 * A link is two steps, both audited:
 *   1. a request (table link_requests) with a one-time code:
 *      - "self": the person asks from the new identity (`link @handle`);
 *        an identity already mapped to that handle confirms;
 *      - "core": a core maintainer asks for a handle with no identity yet
 *        (`link PLATFORM:ID @handle`); a second core maintainer confirms;
 *   2. the confirmation (`link confirm CODE`) writes the link (table links)
 *      and uses the code up.
 * An identity already mapped (config or link) is never re-pointed: both
 * steps re-check under the write lock.  A request expires after
 * GOV_LINK_TTL seconds; a new request of the same identity replaces its
 * pending one.  Each step is announced to the person concerned on the
 * platforms where an identity of theirs is known (config ids passed in by
 * the caller, stored links, and after the confirmation the new identity).
 *
 * Who may confirm is the dispatcher's business (the `link` authorize hook
 * reads the request with gov_link_find()); these calls write.
 *
 * Ownership: struct gov_link strings are owned by it (gov_link_release());
 * every other pointer is borrowed for the call.
 */
#ifndef GOVBOT_LINK_H
#define GOVBOT_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/gov/gov.h"

/* How long a code stays valid, in seconds. */
#define GOV_LINK_TTL (24 * 3600)
/* Characters in a code (letters and digits, no look-alikes). */
#define GOV_LINK_CODE_LEN 8

struct gov_link {
	char code[GOV_LINK_CODE_LEN + 1];
	char *identity;     /* normalized ("slack:U0NEW") */
	char *handle;       /* as the roster spells it */
	bool by_core;       /* the "core" kind */
	char *by_id;        /* who asked */
	char *by_handle;    /* or NULL */
	long long created_at, expires_at;
};

void gov_link_release(struct gov_link *l);

/* What the person is known as: the config's identities for the handle
 * (the stored links are read by the calls themselves). */
struct gov_link_known {
	const char *const *ids;
	size_t n;
};

/* Why a write was refused (GOV_REFUSED), for the reply. */
enum gov_link_why {
	LINK_WHY_NONE = 0,
	LINK_WHY_MAPPED,       /* the identity is mapped already (*other: to whom) */
	LINK_WHY_HAS_IDENTITY, /* "core" kind: the handle has an identity already */
	LINK_WHY_NO_IDENTITY,  /* "self" kind: nobody is mapped to the handle to confirm */
	LINK_WHY_GONE,         /* the code is unknown, used or expired */
};

struct gov_link_done {
	int store_rc;              /* GOV_FAILED: the store's error */
	enum gov_link_why why;     /* GOV_REFUSED */
	char *other;               /* LINK_WHY_MAPPED: the handle it maps to (caller frees) */
	struct gov_link link;      /* GOV_OK: the request made or confirmed (release it) */
};

void gov_link_done_release(struct gov_link_done *d);

/* Starts a link of identity (normalized) to handle, asked by by_id/by_handle:
 * checks identity_mapped (the config's answer for the identity, or NULL)
 * and the stored link, and for the kind the handle's identities (known
 * plus stored).  Writes the request with a fresh code, its audit row
 * ("link-request") and the announcement. */
int gov_link_request(const struct gov_ctx *g, const char *identity, const char *identity_mapped,
		     const char *handle, bool by_core, const char *by_id, const char *by_handle,
		     const struct gov_link_known *known, struct gov_link_done *out);

/* Reads the pending, unexpired request with code (any case).  Returns 1 and
 * *out filled, 0 when there is none, or an enum store_rc error. */
int gov_link_find(struct store *s, const char *code, long long now, struct gov_link *out);

/* Confirms the request with code: re-checks that its identity is still
 * unmapped (identity_mapped: the config's answer), writes the link, deletes
 * the request, audits ("link") and announces.  known: the config's
 * identities of the request's handle. */
int gov_link_confirm(const struct gov_ctx *g, const char *code, const char *identity_mapped,
		     const char *by_id, const char *by_handle, const struct gov_link_known *known,
		     struct gov_link_done *out);

/* The stored links to handle (any case), as a malloc'd array of malloc'd
 * strings in *ids (caller frees each and the array).  Returns the count or
 * an enum store_rc error. */
int gov_link_stored_ids(struct store *s, const char *handle, char ***ids);

#endif
