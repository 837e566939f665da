/*
 * gov.h - governance state on top of the store: items (nominations,
 * removals, motions, elections share ONE sequence of numbers), who may
 * decide what, decisions with their roster events and announcements, and
 * the current roster (base roster + roster events in order).
 *
 * Rules (from the governance docs, ../shared/seeds 000 and 001):
 *   - module maintainer nominations and removals (step-downs included):
 *     decided by any active core maintainer who has not recused, never by
 *     the person the item is about;
 *   - core maintainer nominations and core removals: the lead core
 *     maintainer (the docs make the lead the one who confirms or removes
 *     core maintainers);
 *   - motions and elections close by vote (chatbot/gov/motion.c), never by
 *     `decide`.
 *
 * Writing: every change is one transaction, store_begin() .. store_commit().
 * gov_record_decision() writes, inside the caller's transaction, the
 * decision row, the item's new state, the roster events, the audit row and
 * the outbox row with one delivery per announce target.  After the commit,
 * gov_roster_sync() brings the current roster up to date.
 *
 * Governance sees only a struct gov_ctx (below): the store, the rosters,
 * the announce targets, the vote length and a clock.  It knows nothing of
 * the config, the commands, the dispatcher or the adapters; whoever owns
 * those (chatbot/bot/bot.c) fills the context.  Results are enum
 * gov_result; the commands map them to their own.
 *
 * Ownership: struct gov_item strings are owned by the item
 * (gov_item_release()); everything else is borrowed.
 */
#ifndef GOVBOT_GOV_H
#define GOVBOT_GOV_H

#include <stdbool.h>
#include <stddef.h>

#include "chatbot/gov/outbox.h"
#include "chatbot/gov/store.h"
#include "chatbot/util/util.h"

struct roster;
struct roster_group;
struct notice_schedule;

/* What a governance call returns when it can refuse. */
enum gov_result {
	GOV_OK = 0,
	GOV_BAD = 1,      /* the input is wrong (unknown module, bad ranking, no such item) */
	GOV_REFUSED = 2,  /* not allowed now (closed, not an elector, recused, ...) */
	GOV_FAILED = 3,   /* database busy/unwritable or internal: nothing changed */
};

/* Everything governance works on.  All borrowed from its owner (the bot),
 * which keeps them alive while a call runs. */
struct gov_ctx {
	struct store *store;          /* NULL: no database (every write refuses) */
	const struct roster *base;    /* the roster file as read */
	struct roster **current;      /* base + stored events; replaced by gov_roster_sync() */
	const char *const *targets;   /* announce targets ("console", "slack", ...) */
	size_t ntargets;
	int vote_days;                /* how long a motion or election stays open */
	int nomination_days;          /* a complete nomination older than this is in a reminder
				       * to the core maintainers (0: the default, 90) */
	const struct notice_schedule *digest;  /* when the agenda is posted, or NULL: never */
	long long (*now)(void *arg);  /* seconds since the epoch */
	void *now_arg;
};

/* g->now(g->now_arg). */
long long gov_now(const struct gov_ctx *g);
/* *g->current, or NULL. */
const struct roster *gov_roster(const struct gov_ctx *g);

/* Item kinds (items.kind). */
#define GOV_NOMINATE_MODULE "nominate-module"
#define GOV_NOMINATE_CORE "nominate-core"
#define GOV_REMOVE_MODULE "remove-module"
#define GOV_REMOVE_CORE "remove-core"
#define GOV_MOTION_GROUP "motion-group"
#define GOV_MOTION_CORE "motion-core"
#define GOV_REMOVE_LEAD "remove-lead"
#define GOV_ELECT_LEAD "elect-lead"
#define GOV_OVERRULE "overrule"              /* a core motion reversing module motion ref */
#define GOV_STEP_DOWN_LEAD "step-down-lead"  /* the lead resigned the office (closed at once) */
/* Core motions on a module (001: the core maintainers decide adding,
 * removing and redefining modules, on a proposal anyone may make).  grp:
 * the new module's heading (add) or the module's (remove, rename);
 * subject_name: the new heading (rename). */
#define GOV_MODULE_ADD "module-add"
#define GOV_MODULE_REMOVE "module-remove"
#define GOV_MODULE_RENAME "module-rename"

/* The group name of the core maintainers in items.grp and roster events. */
#define GOV_CORE "core"
/* Longest field, reason, letter or rationale, in bytes. */
#define GOV_MAX_TEXT 2000
/* Longest full name given with `name:`, in bytes. */
#define GOV_MAX_NAME 200
/* Most announce targets (one per adapter). */
#define GOV_MAX_TARGETS 8

struct gov_item {
	long long id;
	char *kind;              /* GOV_* */
	char *state;             /* open | accepted | rejected | passed | failed | tied | elected |
				  * expired | withdrawn | no-winner */
	char *subject;           /* nominee / subject handle, or NULL */
	char *subject_name;      /* nominee's full name when the nomination gave one, or NULL */
	char *grp;               /* module heading as written, or "core", or NULL */
	char *text;              /* removal reason / motion text, or NULL */
	bool self;               /* a step-down */
	char *opened_by;         /* identity */
	char *opened_by_handle;  /* or NULL */
	long long created_at, deadline, closed_at;  /* 0 when NULL */
	char *result;            /* or NULL */
	long long ref;           /* escalation, overrule: the module motion it is about; else 0 */
};

bool gov_kind_is_vote(const char *kind);        /* motion-*, overrule, module-*, remove-lead, elect-lead */
bool gov_kind_is_module_change(const char *kind); /* module-add, module-remove, module-rename */
bool gov_kind_is_removal(const char *kind);     /* remove-module, remove-core */
bool gov_kind_is_core(const char *kind);        /* nominate-core, remove-core */
/* "nomination", "removal", "step-down", "motion", "election": for replies. */
const char *gov_item_noun(const struct gov_item *it);

/* 1 and *out filled, 0 when there is no item id, or an enum store_rc error. */
int gov_item_get(struct store *s, long long id, struct gov_item *out);
void gov_item_release(struct gov_item *it);
/* Inside a transaction: inserts it (id, state, closed_at, result ignored:
 * a new item is open) and returns its number in *id. */
int gov_item_insert(struct store *s, const struct gov_item *it, long long *id);

/* Parses "N", "#N" at the start of args; *rest (optional) points past it
 * and the following blanks.  Returns 0, or -1 when there is no number. */
int gov_parse_number(const char *args, long long *id, const char **rest);

/* The required fields still missing, as "contributions, support" appended
 * to missing (optional); returns how many (0: complete), or a store error.
 * Nominations need contributions, interactions and support; removals a reason. */
int gov_missing_fields(struct store *s, const struct gov_item *it, struct buf *missing);
bool gov_is_recused(struct store *s, long long item_id, const char *handle);

/* Who decides item it: GOV_OK when handle may decide it now, else
 * GOV_REFUSED with why (and what would work) appended.  Checks the item's
 * state too. */
int gov_may_decide(const struct gov_ctx *g, const struct gov_item *it, const char *handle,
		   struct buf *why);
/* Who may nominate for kind: anyone, except for core (GOV_NOMINATE_CORE),
 * which only core or module maintainers nominate (001).  GOV_OK, or
 * GOV_REFUSED with why. */
int gov_may_nominate(const struct gov_ctx *g, const char *kind, const char *handle,
		     struct buf *why);
/* May by_handle declare target conflicted on open item it?  Oneself: any
 * maintainer; another maintainer: a core maintainer only.  GOV_OK or
 * GOV_REFUSED / GOV_BAD with why. */
int gov_may_recuse(const struct gov_ctx *g, const struct gov_item *it, const char *by_handle,
		   const char *target, struct buf *why);
/* May the caller withdraw item it?  Its nominator or proposer, while open. */
int gov_may_withdraw(const struct gov_item *it, const char *by_id, const char *by_handle,
		     struct buf *why);
/* May handle escalate module motion it to the core?  A failed or tied
 * motion of a module group, by an active maintainer of that group, once. */
int gov_may_escalate(const struct gov_ctx *g, const struct gov_item *it, const char *handle,
		     struct buf *why);
/* May handle resign the lead role (`step-down lead`)?  Only the lead. */
int gov_may_step_down_lead(const struct gov_ctx *g, const char *handle, struct buf *why);
/* "tied": a motion that closed with as many yes as no votes. */
bool gov_is_tied(const struct gov_item *it);

/* The body that decides it, for replies: "the core maintainers", "the lead
 * core maintainer", "a vote of ...". Static string. */
const char *gov_decider(const struct gov_item *it);

/* A change of the roster that a decision applies. */
struct gov_event {
	const char *op;      /* add | emeritus | remove | set-lead | add-core | remove-core |
			      * add-group | sunset-group | rename-group */
	const char *grp;     /* group heading (add, emeritus, remove, *-group) or NULL */
	const char *name;    /* full name (add, add-core, set-lead), the new heading
			      * (rename-group), or NULL: the handle */
	const char *handle;
};

struct gov_decision {
	long long item_id;
	const char *state;      /* the item's new state: accepted|rejected|passed|failed|elected|expired */
	const char *outcome;    /* decisions.outcome; NULL: same as state */
	const char *by_id;      /* identity of the decider; NULL for a vote's result */
	const char *by_handle;  /* handle of the decider, or NULL */
	const char *rationale;  /* or NULL */
	const char *tally;      /* the full tally of a vote, or NULL */
	const char *title;      /* announcement: one line */
	const char *body;       /* announcement: the rest */
	const char *action;     /* audit action: "decide", "close", ... */
	const struct gov_event *events;
	size_t nevents;
};

/* Inside the caller's transaction: the decision row, items.state /
 * closed_at / result (= outcome), the roster events, an audit row and the
 * announcement for every target of g.  *decision_id optional. */
int gov_record_decision(const struct gov_ctx *g, const struct gov_decision *d, long long now,
			long long *decision_id);

/* Brings *g->current up to date with the stored roster events (applies
 * the new ones; rebuilds from g->base when the store went back).  Cheap
 * when nothing changed: one light read (store_refresh()).  Returns
 * STORE_OK or an error. */
int gov_roster_sync(const struct gov_ctx *g);
/* *g->current = copy of g->base + every stored roster event, in order. */
int gov_roster_rebuild(const struct gov_ctx *g);

/* The periodic hook (gov_tick.c), once per pump of whoever runs the
 * adapters: closes the motions and elections past their deadline
 * (motion_close_expired), syncs the roster, and queues the reminders and
 * the agenda digest that are due (chatbot/gov/notice.h).  The outbox of each target
 * is then pumped with outbox_pump().  Returns how many items closed, or -1
 * (logged). */
int gov_tick(const struct gov_ctx *g);

/* "2026-11-22 02:10 UTC" into out. */
void gov_format_time(long long at, char *out, size_t n);

/* The group of the roster that grp (a heading) names, or NULL.  Borrowed. */
const struct roster_group *gov_find_group(const struct roster *r, const char *grp);

#endif
