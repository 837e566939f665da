/*
 * matrix.c - Matrix rooms through the Client-Server API v3 (the shared HTTP
 * client, chatbot/net/http.h; no websocket).
 *
 * Start: GET /account/whoami checks MATRIX_ACCESS_TOKEN (and that it is the
 * configured user_id), GET /profile gives the display name people mention,
 * POST /join enters every auto_join room; then /sync long-polls
 * (timeout=30000, the HTTP timeout longer) with an inline filter that keeps
 * only messages, memberships and encryption markers, lazy-loaded members,
 * and not the bot's own events (its answers would end every long-poll).
 *
 * Every sync's next_batch is stored (kv "matrix.next_batch") in the same
 * transaction that records its command events as seen, so a restart or a
 * replayed sync never answers twice (a power loss may forget the last
 * batches: bookkeeping, committed without an fsync).  The very first sync (nothing stored)
 * only learns the rooms: its backlog is skipped.  Direct rooms (m.direct, or
 * a room of two) and member counts are stored with it (kv "matrix.rooms"),
 * since a resumed sync only says what changed.
 *
 * Commands: an m.text starting "!gov", one that mentions the bot
 * (m.mentions.user_ids when present, else the user id or display name in
 * the body), or any m.text in a direct room.  Never the bot's own events,
 * m.notice, edits (m.replace) or redacted events.  Answers are m.notice
 * with a plain body and org.matrix.custom.html formatted_body, m.mentions
 * always present (empty), and a reply relation to the command (inside a
 * thread, in that thread).  Each PUT's txnId is fixed before the first
 * attempt: derived from the command's event id, or for an announcement from
 * its outbox delivery key, so a retry or a re-sent delivery after a crash
 * gets the first event back instead of a second post.
 *
 * A room's sends go out at most MX_ROOM_WINDOW at a time, in order.  Rooms
 * may be named by alias (#name:server): resolved through the directory, or
 * by the room id their join returned.
 *
 * Errors (one classifier, mx_classify, on the shared jsonapi): 429
 * M_LIMIT_EXCEEDED waits Retry-After (else retry_after_ms), 5xx and network
 * errors back off with jitter (the shared reconnect policy for the sync,
 * the HTTP client's retries for sends); a send's 429 pauses its room only.
 * M_UNKNOWN_TOKEN stops the adapter with one line (saying whether it was a
 * soft logout).  M_FORBIDDEN on a room is logged once and that room skipped
 * for a while.  Malformed sync JSON is logged and the sync retried.
 * Encrypted rooms cannot be read: said once a room.
 *
 * Not a long-lived connection: nothing to keep alive; shutdown cancels the
 * waiting /sync (drain) instead of waiting it out.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "chatbot/bot/config.h"
#include "chatbot/gov/store.h"
#include "chatbot/host/host.h"
#include "chatbot/net/backoff.h"
#include "chatbot/net/jsonapi.h"
#include "chatbot/util/log.h"
#include "chatbot/util/util.h"

#define MX_API "/_matrix/client/v3"
#define MX_SYNC_TIMEOUT_MS 30000
#define MX_SYNC_HTTP_MS (MX_SYNC_TIMEOUT_MS + 15000)
#define MX_TIMELINE_LIMIT 2000       /* a sync may carry many commands at once */
#define MX_SEND_ATTEMPTS 6
#define MX_ROOM_WINDOW 8             /* sends in flight per room: answers stay (nearly) in order */
#define MX_BACKOFF_CAP_MS 60000
#define MX_FORBIDDEN_SKIP_MS 600000  /* a room that said M_FORBIDDEN is skipped this long */
#define MX_MAX_TEXT 30000            /* body and formatted_body each: an event is at most 64 KiB */
#define MX_KV_BATCH "matrix.next_batch"
#define MX_KV_ROOMS "matrix.rooms"

static const char *const mx_secrets[] = { "MATRIX_ACCESS_TOKEN", NULL };

/* What /sync returns: messages, memberships (joins, leaves, kicks, room
 * size), encryption markers; members lazy-loaded; no presence, receipts,
 * typing or room account data. */
#define MX_FILTER(limit)                                                                  \
	"{\"presence\":{\"types\":[]},"                                                    \
	"\"account_data\":{\"types\":[\"m.direct\"]},"                                    \
	"\"room\":{\"ephemeral\":{\"types\":[]},\"account_data\":{\"types\":[]},"        \
	"\"state\":{\"types\":[\"m.room.member\",\"m.room.encryption\"],"                  \
	"\"lazy_load_members\":true},"                                                     \
	"\"timeline\":{\"types\":[\"m.room.message\",\"m.room.member\",\"m.room.encrypted\"," \
	"\"m.room.encryption\"],\"limit\":" limit ",\"lazy_load_members\":true}}}"
static const char mx_filter[] = MX_FILTER("2000");
/* The very first sync only learns the rooms (its backlog is skipped): one
 * timeline event a room keeps it small however many rooms the bot is in. */
static const char mx_filter_first[] = MX_FILTER("1");

/* A message waiting for its room's window. */
struct mx_send {
	struct mx_send *next;
	char *room, *txn, *content, *key;
};

/* A room alias (#name:server) and the room id it names. */
struct mx_alias {
	struct mx_alias *next;
	char *alias, *id;       /* id NULL while being resolved */
};

struct mx_room {
	struct mx_room *next;
	char *id;
	int members;            /* joined members, -1 unknown */
	bool direct;            /* listed in m.direct */
	bool encrypted_said;
	long long forbidden_until;  /* M_FORBIDDEN: skipped until then (ms) */
	struct mx_send *queue, *queue_tail;  /* sends waiting, oldest first */
	int inflight;               /* sends submitted, not answered yet */
};

struct mx {
	struct adapter_host *host;
	char *filter, *filter_first;  /* mx_filter(_first) for this user, URL-encoded */
	char *base;             /* homeserver_url without a trailing '/' */
	char *user_id;
	char *auth;             /* "Authorization: Bearer ..." */
	char **auto_join;
	size_t nauto;
	bool accept_invites;
	char *display_name;     /* from the profile; NULL until known */
	char *since;            /* next_batch; NULL before the first sync */
	bool stopped;
	bool started;           /* whoami and profile done */
	bool syncing;
	http_id sync_id;        /* the /sync in flight, to cancel at shutdown */
	bool rooms_dirty;       /* room facts changed: store them with next_batch */
	struct reconnect rc;    /* the sync's (and start-up's) retry state */
	struct loop_timer retry;
	struct mx_room *rooms;
	struct mx_alias *aliases;
	char *announce_room;    /* the configured target (an id or an alias) */
	struct host_answer ans; /* host_inbound()'s answer, reused */
};

/* One HTTP call in flight. */
struct mx_call {
	struct mx *m;
	char *room;             /* the room it concerns, or NULL */
	char *key;              /* announcement delivery key, or NULL */
};

/* ---- small helpers ---- */

static long env_ms(const char *name, long def)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, &end, 10);
	return (*end || n <= 0 || n > 3600000) ? def : n;
}

static const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *json_at(const cJSON *obj, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, a);
	return b ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

/* Appends s percent-encoded (RFC 3986 unreserved characters kept). */
static void url_put(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			buf_addc(b, (char)c);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

/* filter (one of the MX_FILTERs) with the bot's own events left out of the
 * timeline (room.timeline.not_senders), URL-encoded for /sync's query.  The
 * bot ignores them anyway; left in, every few answers it posts ended a
 * long-poll only to bring back its own notices (~150 syncs, each a request,
 * a parse and a commit, for a burst of 1,000 answers).  A homeserver keeps
 * the long-poll waiting while all that is new is filtered out.  Caller
 * frees. */
static char *mx_filter_param(const char *filter, const char *user_id)
{
	cJSON *f = cJSON_Parse(filter);
	cJSON *tl = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f, "room"),
						     "timeline");
	cJSON *ns = cJSON_AddArrayToObject(tl, "not_senders");
	struct buf b = BUF_INIT;
	char *json;

	cJSON_AddItemToArray(ns, cJSON_CreateString(user_id));
	json = cJSON_PrintUnformatted(f);
	cJSON_Delete(f);
	url_put(&b, json ? json : filter);
	cJSON_free(json);
	return buf_detach(&b);
}

/* A txnId from a stable id: only [A-Za-z0-9._-], so it reads the same in
 * every log; a hash keeps two ids that differ only in other characters
 * apart.  Same input, same txnId, in every run. */
static void mx_txn(struct buf *out, const char *kind, const char *id)
{
	unsigned long long h = 1469598103934665603ULL;

	buf_addf(out, "govbot.%s.", kind);
	for (const char *p = id; *p; p++) {
		unsigned char c = (unsigned char)*p;
		h = (h ^ c) * 1099511628211ULL;
		if (isalnum(c) || c == '.' || c == '_' || c == '-')
			buf_addc(out, (char)c);
	}
	buf_addf(out, ".%016llx", h);
}

/* ---- rooms ---- */

static void room_drop_queue(struct mx *m, struct mx_room *r);

static struct mx_room *room_find(struct mx *m, const char *id, bool create)
{
	struct mx_room *r;

	for (r = m->rooms; r; r = r->next)
		if (strcmp(r->id, id) == 0)
			return r;
	if (!create)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(id);
	r->members = -1;
	r->next = m->rooms;
	m->rooms = r;
	return r;
}

static void room_forget(struct mx *m, const char *id)
{
	for (struct mx_room **pp = &m->rooms; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->id, id) == 0) {
			struct mx_room *r = *pp;
			*pp = r->next;
			room_drop_queue(m, r);
			free(r->id);
			free(r);
			m->rooms_dirty = true;
			return;
		}
	}
}

/* A direct room: listed in m.direct, or two members (the asker and us). */
static bool room_is_direct(const struct mx_room *r)
{
	return r && (r->direct || r->members == 2);
}

/* The room facts as stored: {"!a:b":{"n":2,"d":true},...}; caller frees. */
static char *rooms_json(const struct mx *m)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	for (const struct mx_room *r = m->rooms; r; r = r->next) {
		cJSON *e = cJSON_AddObjectToObject(o, r->id);
		cJSON_AddNumberToObject(e, "n", r->members);
		if (r->direct)
			cJSON_AddTrueToObject(e, "d");
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void rooms_load(struct mx *m, const char *json)
{
	cJSON *o = json ? cJSON_Parse(json) : NULL, *e;

	cJSON_ArrayForEach(e, o) {
		struct mx_room *r = room_find(m, e->string, true);
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "n");
		r->members = cJSON_IsNumber(n) ? n->valueint : -1;
		r->direct = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "d"));
	}
	cJSON_Delete(o);
}

/* m.direct content {"@user:server": ["!room", ...], ...}: which rooms are direct. */
static void rooms_set_direct(struct mx *m, const cJSON *content)
{
	const cJSON *user, *room;

	for (struct mx_room *r = m->rooms; r; r = r->next)
		r->direct = false;
	cJSON_ArrayForEach(user, content) {
		cJSON_ArrayForEach(room, user) {
			if (cJSON_IsString(room))
				room_find(m, room->valuestring, true)->direct = true;
		}
	}
	m->rooms_dirty = true;
}

/* ---- commands in ---- */

/* Case-insensitive search of needle in hay[0..n); returns the offset or -1. */
static long find_ci(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	if (!k || k > n)
		return -1;
	for (size_t i = 0; i + k <= n; i++)
		if (str_ieqn(hay + i, needle, k))
			return (long)i;
	return -1;
}

/* The body without a rich-reply fallback ("> quoted" lines, then a blank
 * line) at its start; borrowed from body. */
static const char *strip_reply_fallback(const char *body)
{
	const char *p = body;

	if (strncmp(p, "> ", 2) != 0)
		return body;
	while (strncmp(p, "> ", 2) == 0 || strncmp(p, ">\n", 2) == 0) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return body;
		p = nl + 1;
	}
	return *p == '\n' ? p + 1 : body;
}

/* The command around a mention at off (len bytes): what follows it (after
 * a ':' or ',' and spaces), or when nothing does ("lead, GovBot?"), what
 * precedes it.  Caller frees. */
static char *cut_mention(const char *text, size_t off, size_t len)
{
	const char *rest = text + off + len;
	bool words = false;

	if (*rest == ':' || *rest == ',')
		rest++;
	rest = str_skip_space(rest);
	for (const char *p = rest; *p && !words; p++)
		words = isalnum((unsigned char)*p);
	if (words || off == 0)
		return xstrdup(rest);
	while (off > 0 && (isspace((unsigned char)text[off - 1]) || text[off - 1] == ','))
		off--;
	return xstrndup(text, off);
}

/* Whether content (an m.room.message) is a command for the bot, and its
 * text: "!gov ..." (prefix kept: the dispatcher takes it), a mention of the
 * bot (the mention cut out), or anything in a direct room.  *require_prefix
 * tells the dispatcher whether a prefix is still needed.  Returns NULL when
 * the message is not for the bot; else the text (caller frees). */
static char *mx_command(const struct mx *m, const cJSON *content, bool direct,
			bool *require_prefix)
{
	const char *msgtype = json_str(content, "msgtype"), *body = json_str(content, "body");
	const cJSON *rel = cJSON_GetObjectItemCaseSensitive(content, "m.relates_to");
	const cJSON *mentions = cJSON_GetObjectItemCaseSensitive(content, "m.mentions");
	const char *text;
	size_t n;
	bool mentioned = false;
	long at = -1;
	size_t mlen = 0;

	*require_prefix = false;
	if (!msgtype || strcmp(msgtype, "m.text") != 0 || !body)
		return NULL;
	/* an edit repeats its text in m.new_content: the original was answered */
	if ((json_str(rel, "rel_type") && strcmp(json_str(rel, "rel_type"), "m.replace") == 0) ||
	    cJSON_GetObjectItemCaseSensitive(content, "m.new_content"))
		return NULL;
	text = str_skip_space(strip_reply_fallback(body));
	n = strlen(text);
	if (str_istarts(text, "!gov") && (text[4] == '\0' || isspace((unsigned char)text[4]))) {
		*require_prefix = true;
		return xstrdup(text);
	}
	if (cJSON_IsObject(mentions)) {
		/* intentional mentions: only what the sender's client says */
		const cJSON *u;
		cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(mentions, "user_ids"))
			if (cJSON_IsString(u) && strcmp(u->valuestring, m->user_id) == 0)
				mentioned = true;
	}
	/* where the mention is in the text, to cut it out */
	if ((at = find_ci(text, n, m->user_id)) >= 0) {
		mlen = strlen(m->user_id);
	} else if (m->display_name && (at = find_ci(text, n, m->display_name)) >= 0) {
		mlen = strlen(m->display_name);
		/* a whole word, not inside another one */
		if ((at > 0 && isalnum((unsigned char)text[at - 1])) ||
		    isalnum((unsigned char)text[at + (long)mlen]))
			at = -1;
	}
	if (at >= 0 && at > 0 && text[at - 1] == '@' && strcmp(m->user_id, text + at) != 0 &&
	    m->display_name && mlen == strlen(m->display_name)) {
		at--;   /* "@GovBot": the display name typed with an @ */
		mlen++;
	}
	if (!cJSON_IsObject(mentions))
		mentioned = at >= 0;
	if (mentioned)
		return at >= 0 ? cut_mention(text, (size_t)at, mlen) : xstrdup(text);
	if (direct)
		return xstrdup(text);
	return NULL;
}

/* s (n bytes) with %XX escapes decoded; caller frees. */
static char *url_unescape(const char *s, size_t n)
{
	struct buf d = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hx[3] = { s[i + 1], s[i + 2], 0 };
			buf_addc(&d, (char)strtol(hx, NULL, 16));
			i += 2;
		} else {
			buf_addc(&d, s[i]);
		}
	}
	buf_addc(&d, '\0');
	d.len--;
	return buf_detach(&d);
}

/* A pill, <a href="https://matrix.to/#/@u:s">Name</a> in formatted_body,
 * shows as "Name" in the body: text with each pill's name replaced by its
 * user id, which the dispatcher then reads as that person (through
 * identities, like a bare @u:s).  Caller frees. */
static char *pills_to_ids(const char *text, const char *html)
{
	static const char link[] = "https://matrix.to/#/";
	char *work = xstrdup(text);

	for (const char *h = html; h && (h = strstr(h, link));) {
		const char *id = h + sizeof(link) - 1;   /* "@u:s", or "%40u%3As" */
		const char *q = strpbrk(id, "\"'?");
		const char *gt = q ? strchr(q, '>') : NULL;
		const char *end = gt ? strstr(gt, "</a>") : NULL;
		char *uid, *name;
		long at;

		if (!end)
			break;
		uid = url_unescape(id, (size_t)(q - id));
		name = xstrndup(gt + 1, (size_t)(end - gt - 1));
		/* a user (not a room or an event link), shown by a plain name */
		at = uid[0] == '@' && *name && name[0] != '<' ? find_ci(work, strlen(work), name) : -1;
		if (at >= 0 && strcmp(name, uid) != 0) {
			struct buf w = BUF_INIT;
			buf_add(&w, work, (size_t)at);
			buf_adds(&w, uid);
			buf_adds(&w, work + at + (long)strlen(name));
			free(work);
			work = buf_detach(&w);
		}
		free(uid);
		free(name);
		h = end;
	}
	return work;
}

/* ---- replies out ---- */

/* The content of an m.notice: body, formatted_body, m.mentions (the user
 * ids of r's mentions: only an announcement has any), and a reply relation
 * to in_reply_to (in thread_root's thread when set).  Caller frees with
 * cJSON_free(). */
static char *mx_notice_json(const char *plain, const char *html, const struct reply *r,
			    const char *in_reply_to, const char *thread_root)
{
	cJSON *c = cJSON_CreateObject(), *rel, *irt, *mentions, *ids = NULL;
	struct buf id = BUF_INIT;
	char *json;

	cJSON_AddStringToObject(c, "msgtype", "m.notice");
	cJSON_AddStringToObject(c, "body", plain);
	cJSON_AddStringToObject(c, "format", "org.matrix.custom.html");
	cJSON_AddStringToObject(c, "formatted_body", html);
	/* always present (empty for answers): nobody is pinged by body
	 * matching, only the people an announcement names */
	mentions = cJSON_AddObjectToObject(c, "m.mentions");
	for (size_t i = 0; r && reply_mention_id(r, i, &id) == 0; i++) {
		if (!ids)
			ids = cJSON_AddArrayToObject(mentions, "user_ids");
		cJSON_AddItemToArray(ids, cJSON_CreateString(id.data));
		buf_reset(&id);
	}
	buf_release(&id);
	if (in_reply_to) {
		rel = cJSON_AddObjectToObject(c, "m.relates_to");
		if (thread_root) {
			cJSON_AddStringToObject(rel, "rel_type", "m.thread");
			cJSON_AddStringToObject(rel, "event_id", thread_root);
			cJSON_AddFalseToObject(rel, "is_falling_back");
		}
		irt = cJSON_AddObjectToObject(rel, "m.in_reply_to");
		cJSON_AddStringToObject(irt, "event_id", in_reply_to);
	}
	json = cJSON_PrintUnformatted(c);
	cJSON_Delete(c);
	return json;
}

/* ---- HTTP ---- */

/* Matrix's error parser (jsonapi): a body {"errcode", "error"} names the
 * error; M_LIMIT_EXCEEDED waits Retry-After, else retry_after_ms; a bad or
 * missing token and M_FORBIDDEN are fatal for the call; a 2xx answer must
 * be a JSON object. */
static void mx_classify(struct jsonapi_result *res, char *err, size_t errlen)
{
	const char *code = json_str(res->json, "errcode"), *msg = json_str(res->json, "error");
	const cJSON *ra = cJSON_GetObjectItemCaseSensitive(res->json, "retry_after_ms");

	if (code) {
		snprintf(err, errlen, "%s %s", code, msg ? msg : "");
		res->error = err;
	}
	if (res->status == 0)
		return;
	if (res->status >= 200 && res->status < 300) {
		if (!cJSON_IsObject(res->json)) {
			res->outcome = JSONAPI_RETRY;
			res->error = "not JSON (a malformed answer)";
		}
		return;
	}
	if (res->status == 429 || (code && strcmp(code, "M_LIMIT_EXCEEDED") == 0)) {
		res->outcome = JSONAPI_RETRY_AFTER;
		if (res->retry_after_ms < 0 && cJSON_IsNumber(ra) && ra->valuedouble >= 0)
			res->retry_after_ms = (long long)ra->valuedouble;
		return;
	}
	if (code && (strcmp(code, "M_UNKNOWN_TOKEN") == 0 || strcmp(code, "M_MISSING_TOKEN") == 0 ||
		     strcmp(code, "M_FORBIDDEN") == 0))
		res->outcome = JSONAPI_FATAL;
}

/* The errcode of a failed call, or "". */
static const char *mx_errcode(const struct jsonapi_result *res)
{
	const char *code = json_str(res->json, "errcode");
	return code ? code : "";
}

/* On a 429 without Retry-After (http.c's hook, on the loop thread): the
 * body's retry_after_ms, or -1. */
static long mx_retry_delay(const char *body, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *ra = cJSON_GetObjectItemCaseSensitive(root, "retry_after_ms");
	long ms = cJSON_IsNumber(ra) && ra->valuedouble >= 0 && ra->valuedouble < 3.6e6
			  ? (long)ra->valuedouble : -1;

	cJSON_Delete(root);
	return ms;
}

static http_id mx_submit(struct mx *m, const char *method, const char *url, const char *body,
			 const char *rate_key, int attempts, long timeout_ms, jsonapi_done_fn *done,
			 struct mx_call *call)
{
	const char *hdrs[3] = { m->auth, "Content-Type: application/json", NULL };
	struct http_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.body_len = body ? strlen(body) : 0;
	rq.rate_key = rate_key;
	rq.max_attempts = attempts;
	rq.timeout_ms = timeout_ms;
	rq.long_poll = timeout_ms > MX_SYNC_TIMEOUT_MS;   /* only /sync waits that long */
	rq.retry_delay_ms = mx_retry_delay;
	call->m = m;
	return jsonapi_call(host_http(m->host), &rq, mx_classify, done, call);
}

static struct mx_call *call_new(const char *room, const char *key)
{
	struct mx_call *c = xcalloc(1, sizeof(*c));
	c->room = xstrdup(room);
	c->key = xstrdup(key);
	return c;
}

static void call_free(struct mx_call *c)
{
	free(c->room);
	free(c->key);
	free(c);
}

/* "{base}/_matrix/client/v3" + path parts; caller frees. */
static char *mx_url(const struct mx *m, const char *a, const char *id, const char *b)
{
	struct buf u = BUF_INIT;

	buf_addf(&u, "%s%s%s", m->base, MX_API, a);
	if (id)
		url_put(&u, id);
	if (b)
		buf_adds(&u, b);
	return buf_detach(&u);
}

/* ---- stopping, backoff ---- */

static void mx_sync(struct mx *m);
static void mx_whoami(struct mx *m);

/* Stops the adapter for good with one line saying why. */
static void mx_fatal(struct mx *m, const char *why)
{
	if (m->stopped)
		return;
	log_error("matrix", "%s; stopping the matrix adapter", why);
	m->stopped = true;
	loop_timer_cancel(&m->retry);
	host_adapter_ended(m->host, &adapter_matrix, true);
}

/* A rejected token stops the adapter with one line; true when it did. */
static bool mx_token_fatal(struct mx *m, const struct jsonapi_result *res, const char *what)
{
	const char *code = mx_errcode(res);
	struct buf why = BUF_INIT;

	if (strcmp(code, "M_UNKNOWN_TOKEN") != 0 && strcmp(code, "M_MISSING_TOKEN") != 0)
		return false;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res->json, "soft_logout")))
		buf_addf(&why, "%s: the homeserver logged MATRIX_ACCESS_TOKEN out (%s, soft logout): "
			       "log in again (POST /login) with the same device_id and set the new token",
			 what, code);
	else
		buf_addf(&why, "%s: the homeserver rejected MATRIX_ACCESS_TOKEN (%s, not a soft logout): "
			       "the token was revoked or is wrong; log in (POST /login) and set a new one",
			 what, code);
	mx_fatal(m, why.data);
	buf_release(&why);
	return true;
}

/* Retries the start-up or the sync after delay_ms. */
static void mx_schedule(struct mx *m, long long delay_ms)
{
	if (m->stopped || host_stopping(m->host))
		return;
	log_info("matrix", "retrying in %lld ms", delay_ms);
	loop_timer_start(&m->retry, delay_ms);
}

static void mx_on_retry(void *arg)
{
	struct mx *m = arg;

	if (!m->started)
		mx_whoami(m);
	else
		mx_sync(m);
}

/* A start-up call or the sync failed: stop on a rejected token, else log
 * and retry after the delay the server named or the next backoff step. */
static void mx_failed(struct mx *m, const char *what, const struct jsonapi_result *res)
{
	if (mx_token_fatal(m, res, what))
		return;
	log_warn("matrix", "%s failed: %s", what, res->error ? res->error : "unknown error");
	mx_schedule(m, reconnect_after(&m->rc, res->outcome == JSONAPI_RETRY_AFTER
						   ? RECONNECT_RETRY_AFTER : RECONNECT_BACKOFF,
				       res->retry_after_ms));
}

/* ---- sending ---- */

/* M_FORBIDDEN in room: said once, and the room skipped for a while. */
static void mx_room_forbidden(struct mx *m, const char *room, const char *why)
{
	struct mx_room *r = room_find(m, room, true);

	if (!r->forbidden_until)
		log_warn("matrix", "room %s: %s; skipping it for %d min", room, why,
			 MX_FORBIDDEN_SKIP_MS / 60000);
	r->forbidden_until = loop_now_ms() + MX_FORBIDDEN_SKIP_MS;
}

static bool room_skipped(struct mx *m, const char *room)
{
	struct mx_room *r = room_find(m, room, false);

	if (!r || !r->forbidden_until)
		return false;
	if (loop_now_ms() < r->forbidden_until)
		return true;
	r->forbidden_until = 0;   /* try again; said again if still forbidden */
	return false;
}

static void room_pump(struct mx *m, struct mx_room *r);

static void mx_send_done(void *arg, const struct jsonapi_result *res)
{
	struct mx_call *c = arg;
	struct mx *m = c->m;
	struct mx_room *r = room_find(m, c->room, false);
	bool ok = res->outcome == JSONAPI_OK;

	if (!ok) {
		if (mx_token_fatal(m, res, "sending"))
			;
		else if (strcmp(mx_errcode(res), "M_FORBIDDEN") == 0)
			mx_room_forbidden(m, c->room, res->error);
		else
			log_warn("matrix", "send to %s failed after %d attempts: %s", c->room,
				 res->http->attempts, res->error ? res->error : "unknown error");
	}
	if (c->key)
		host_announce_done(m->host, c->key, ok);
	call_free(c);
	if (r) {
		r->inflight--;
		room_pump(m, r);
	}
}

/* PUT .../rooms/{room}/send/m.room.message/{txn} with content (JSON).
 * The txnId is fixed here, before the first attempt; the client's retries
 * repeat the same URL. */
static void mx_put(struct mx *m, struct mx_send *q)
{
	struct buf url = BUF_INIT, rk = BUF_INIT;

	buf_addf(&url, "%s%s/rooms/", m->base, MX_API);
	url_put(&url, q->room);
	buf_adds(&url, "/send/m.room.message/");
	url_put(&url, q->txn);
	buf_addf(&rk, "matrix:send:%s", q->room);   /* a 429 pauses this room only */
	mx_submit(m, "PUT", url.data, q->content, rk.data, MX_SEND_ATTEMPTS, 0, mx_send_done,
		  call_new(q->room, q->key));
	buf_release(&url);
	buf_release(&rk);
}

static void send_free(struct mx_send *q)
{
	free(q->room);
	free(q->txn);
	free(q->content);
	free(q->key);
	free(q);
}

/* Drops what waits for room r (forgotten, forbidden, stopping): replies
 * are lost, announcements fail and are retried by the outbox. */
static void room_drop_queue(struct mx *m, struct mx_room *r)
{
	while (r->queue) {
		struct mx_send *q = r->queue;
		r->queue = q->next;
		if (q->key)
			host_announce_done(m->host, q->key, false);
		send_free(q);
	}
	r->queue_tail = NULL;
}

/* Starts queued sends while fewer than MX_ROOM_WINDOW are in flight. */
static void room_pump(struct mx *m, struct mx_room *r)
{
	if (room_skipped(m, r->id) || m->stopped) {
		room_drop_queue(m, r);
		return;
	}
	while (r->queue && r->inflight < MX_ROOM_WINDOW) {
		struct mx_send *q = r->queue;
		r->queue = q->next;
		if (!r->queue)
			r->queue_tail = NULL;
		r->inflight++;
		mx_put(m, q);
		send_free(q);
	}
}

/* Queues content (JSON, copied) for room under txn; key names an announcement. */
static void mx_send(struct mx *m, const char *room, const char *txn, const char *content,
		    const char *key)
{
	struct mx_room *r = room_find(m, room, true);
	struct mx_send *q = xcalloc(1, sizeof(*q));

	q->room = xstrdup(room);
	q->txn = xstrdup(txn);
	q->content = xstrdup(content);
	q->key = xstrdup(key);
	if (r->queue_tail)
		r->queue_tail->next = q;
	else
		r->queue = q;
	r->queue_tail = q;
	room_pump(m, r);
}

/* Sends r as an m.notice: html is r rendered in DIALECT_MATRIX_HTML (and
 * cut) when the caller has it, else it is rendered here; the plain body is
 * rendered here.  Both are cut to MX_MAX_TEXT by the shared cutter. */
static void mx_send_reply(struct mx *m, const char *room, const struct reply *r, const char *html,
			  const char *txn, const char *in_reply_to, const char *thread_root,
			  const char *key)
{
	struct buf plain = BUF_INIT, h = BUF_INIT;
	char *json;

	reply_render(r, DIALECT_MATRIX_PLAIN, &plain);
	reply_limit(&plain, MX_MAX_TEXT, DIALECT_MATRIX_PLAIN);
	if (!html) {
		reply_render(r, DIALECT_MATRIX_HTML, &h);
		reply_limit(&h, MX_MAX_TEXT, DIALECT_MATRIX_HTML);
		html = buf_str(&h);
	}
	json = mx_notice_json(buf_str(&plain), html, r, in_reply_to, thread_root);
	mx_send(m, room, txn, json, key);
	cJSON_free(json);
	buf_release(&plain);
	buf_release(&h);
}

/* ---- rooms: joins, invites, leaves ---- */

static void alias_set(struct mx *m, const char *alias, const char *id);

static void mx_join_done(void *arg, const struct jsonapi_result *res)
{
	struct mx_call *c = arg;
	struct mx *m = c->m;

	if (res->outcome == JSONAPI_OK) {
		const char *id = json_str(res->json, "room_id");
		struct mx_room *r;
		if (c->room[0] == '#' && id)
			alias_set(m, c->room, id);
		r = room_find(m, id ? id : c->room, false);
		if (r)
			r->forbidden_until = 0;
		log_info("matrix", "joined %s", c->room);
	} else if (!mx_token_fatal(m, res, "joining a room")) {
		if (strcmp(mx_errcode(res), "M_FORBIDDEN") == 0)
			mx_room_forbidden(m, c->room, res->error);
		else
			log_warn("matrix", "could not join %s: %s", c->room,
				 res->error ? res->error : "unknown error");
	}
	call_free(c);
}

static void mx_join(struct mx *m, const char *room)
{
	char *url = mx_url(m, "/join/", room, NULL);

	mx_submit(m, "POST", url, "{}", "matrix:join", MX_SEND_ATTEMPTS, 0, mx_join_done,
		  call_new(room, NULL));
	free(url);
}

static struct mx_alias *alias_find(struct mx *m, const char *alias, bool create)
{
	struct mx_alias *a;

	for (a = m->aliases; a; a = a->next)
		if (strcmp(a->alias, alias) == 0)
			return a;
	if (!create)
		return NULL;
	a = xcalloc(1, sizeof(*a));
	a->alias = xstrdup(alias);
	a->next = m->aliases;
	m->aliases = a;
	return a;
}

/* The room id of room (an id, or an alias already resolved), else NULL. */
static const char *room_id_of(struct mx *m, const char *room)
{
	struct mx_alias *a;

	if (room[0] != '#')
		return room;
	a = alias_find(m, room, false);
	return a ? a->id : NULL;
}

static void alias_set(struct mx *m, const char *alias, const char *id)
{
	struct mx_alias *a = alias_find(m, alias, true);

	if (!a->id || strcmp(a->id, id) != 0)
		log_info("matrix", "%s is room %s", alias, id);
	free(a->id);
	a->id = xstrdup(id);
}

static void mx_directory_done(void *arg, const struct jsonapi_result *res)
{
	struct mx_call *c = arg;
	const char *id = res->outcome == JSONAPI_OK ? json_str(res->json, "room_id") : NULL;

	if (id)
		alias_set(c->m, c->room, id);
	else if (!mx_token_fatal(c->m, res, "resolving a room alias"))
		log_warn("matrix", "could not resolve %s: %s", c->room,
			 res->error ? res->error : "no room_id");
	call_free(c);
}

/* GET /directory/room/{alias}: the room id an alias names. */
static void mx_resolve_alias(struct mx *m, const char *alias)
{
	char *url = mx_url(m, "/directory/room/", alias, NULL);

	alias_find(m, alias, true);
	mx_submit(m, "GET", url, NULL, "matrix:directory", 3, 0, mx_directory_done,
		  call_new(alias, NULL));
	free(url);
}

static bool mx_auto_join(struct mx *m, const char *room)
{
	for (size_t i = 0; i < m->nauto; i++) {
		const char *id = room_id_of(m, m->auto_join[i]);
		if (id && strcmp(id, room) == 0)
			return true;
	}
	return false;
}

static void mx_forget_done(void *arg, const struct jsonapi_result *res)
{
	struct mx_call *c = arg;

	if (res->outcome != JSONAPI_OK)
		log_warn("matrix", "could not forget %s: %s", c->room,
			 res->error ? res->error : "unknown error");
	call_free(c);
}

static void mx_invite(struct mx *m, const char *room, const cJSON *inv)
{
	const cJSON *ev;
	const char *by = NULL;

	cJSON_ArrayForEach(ev, json_at(inv, "invite_state", "events")) {
		const char *type = json_str(ev, "type"), *key = json_str(ev, "state_key");
		if (type && key && strcmp(type, "m.room.member") == 0 &&
		    strcmp(key, m->user_id) == 0)
			by = json_str(ev, "sender");
	}
	if (mx_auto_join(m, room) || m->accept_invites) {
		log_info("matrix", "invited to %s by %s; joining", room, by ? by : "someone");
		mx_join(m, room);
	} else {
		log_info("matrix", "invited to %s by %s; not in auto_join, left alone", room,
			 by ? by : "someone");
	}
}

/* Our own membership ended in room (rooms.leave): say why and forget it. */
static void mx_left(struct mx *m, const char *room, const cJSON *left)
{
	const cJSON *ev;
	const char *by = NULL, *reason = NULL, *ms = NULL;
	char *url;

	cJSON_ArrayForEach(ev, json_at(left, "timeline", "events")) {
		const char *type = json_str(ev, "type"), *key = json_str(ev, "state_key");
		if (type && key && strcmp(type, "m.room.member") == 0 && strcmp(key, m->user_id) == 0) {
			by = json_str(ev, "sender");
			ms = json_str(json_at(ev, "content", NULL), "membership");
			reason = json_str(json_at(ev, "content", NULL), "reason");
		}
	}
	if (by && strcmp(by, m->user_id) != 0)
		log_warn("matrix", "%s from %s by %s%s%s; forgetting the room",
			 ms && strcmp(ms, "ban") == 0 ? "banned" : "kicked", room, by,
			 reason ? ": " : "", reason ? reason : "");
	else
		log_info("matrix", "left %s; forgetting the room", room);
	room_forget(m, room);
	url = mx_url(m, "/rooms/", room, "/forget");
	mx_submit(m, "POST", url, "{}", "matrix:forget", 3, 0, mx_forget_done, call_new(room, NULL));
	free(url);
}

/* ---- sync ---- */

/* One command found in a sync, answered after the batch is stored. */
struct mx_cmd {
	const char *room, *event_id, *sender, *thread;   /* borrowed from the sync's tree */
	const cJSON *content;
	char *text;
	bool require_prefix;
	bool host_dedupe;       /* no database: host_inbound() checks the event id */
};

static void mx_warn_encrypted(struct mx_room *r)
{
	if (r->encrypted_said)
		return;
	r->encrypted_said = true;
	log_warn("matrix", "room %s is end-to-end encrypted: govbot cannot read it and does not "
			   "answer there (use an unencrypted room)", r->id);
}

/* Learns what a joined room's sync entry says about the room (size,
 * encryption); collects its commands into cmds unless skip. */
static void mx_room_entry(struct mx *m, const char *room_id, const cJSON *entry, bool skip,
			  struct mx_cmd **cmds, size_t *ncmds, size_t *cap)
{
	struct mx_room *r = room_find(m, room_id, true);
	const cJSON *cnt = json_at(json_at(entry, "summary", NULL), "m.joined_member_count", NULL);
	const cJSON *ev;

	if (cJSON_IsNumber(cnt) && cnt->valueint != r->members) {
		r->members = cnt->valueint;
		m->rooms_dirty = true;
	}
	cJSON_ArrayForEach(ev, json_at(entry, "state", "events")) {
		const char *type = json_str(ev, "type");
		if (type && strcmp(type, "m.room.encryption") == 0)
			mx_warn_encrypted(r);
	}
	if (cJSON_IsTrue(json_at(entry, "timeline", "limited")) && !skip)
		log_warn("matrix", "room %s: the homeserver left out older events of this sync "
				   "(a gap); commands in it are not answered", room_id);
	cJSON_ArrayForEach(ev, json_at(entry, "timeline", "events")) {
		const char *type = json_str(ev, "type"), *sender = json_str(ev, "sender");
		const char *eid = json_str(ev, "event_id");
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(ev, "content");
		const cJSON *rel;
		struct mx_cmd *c;
		bool req;
		char *text;

		if (!type)
			continue;
		if (strcmp(type, "m.room.encryption") == 0 || strcmp(type, "m.room.encrypted") == 0) {
			mx_warn_encrypted(r);
			continue;
		}
		if (skip || strcmp(type, "m.room.message") != 0 || !sender || !eid ||
		    strcmp(sender, m->user_id) == 0 || !cJSON_IsObject(content) ||
		    json_at(ev, "unsigned", "redacted_because"))
			continue;
		text = mx_command(m, content, room_is_direct(r), &req);
		if (!text)
			continue;
		if (*cap == *ncmds) {
			*cap = *cap ? *cap * 2 : 16;
			*cmds = xrealloc(*cmds, *cap * sizeof(**cmds));
		}
		c = &(*cmds)[(*ncmds)++];
		memset(c, 0, sizeof(*c));
		c->room = room_id;
		c->event_id = eid;
		c->sender = sender;
		c->content = content;
		c->text = text;
		c->require_prefix = req;
		rel = cJSON_GetObjectItemCaseSensitive(content, "m.relates_to");
		c->thread = json_str(rel, "rel_type") && strcmp(json_str(rel, "rel_type"), "m.thread") == 0
				    ? json_str(rel, "event_id") : NULL;
	}
}

/* Stores next_batch (and the room facts when they changed) in the same
 * transaction that marks the commands' events as handled; drops from cmds
 * the ones seen before.  Without a database, this process remembers.
 * All of it is bookkeeping (store.h), committed with synchronous=NORMAL:
 * it survives a crash of the process, without an fsync per sync (a sync
 * comes back for every few answers the bot posts, each an event of the
 * room: a burst of 1,000 answers made ~150 syncs, each paying an fsync).
 * A power loss may forget the last batches: their syncs are read again and
 * their commands answered again, as store.h says of event dedupe. */
static bool mx_commit_batch(struct mx *m, const char *next_batch, struct mx_cmd *cmds,
			    size_t *ncmds)
{
	struct store *st = host_bot(m->host)->store;
	long long now = bot_now(host_bot(m->host));
	size_t keep = 0;
	char *rooms = NULL;

	if (!st) {
		/* no database: host_inbound() remembers the event ids in memory */
		for (size_t i = 0; i < *ncmds; i++)
			cmds[i].host_dedupe = true;
		return true;
	}
	store_set_synced(st, false);
	if (store_begin(st) != STORE_OK) {
		store_set_synced(st, true);
		return false;
	}
	for (size_t i = 0; i < *ncmds; i++) {
		int rc = store_seen_mark(st, "matrix", cmds[i].event_id, now);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			log_info("matrix", "event %s seen before; not answered again", cmds[i].event_id);
			cmds[i].room = NULL;   /* dropped below */
		}
	}
	if (store_kv_set(st, MX_KV_BATCH, next_batch) != STORE_OK)
		goto fail;
	if (m->rooms_dirty) {
		rooms = rooms_json(m);
		if (store_kv_set(st, MX_KV_ROOMS, rooms) != STORE_OK)
			goto fail;
	}
	if (store_commit(st) != STORE_OK)
		goto fail_committed;
	store_set_synced(st, true);
	free(rooms);
	m->rooms_dirty = false;
	for (size_t i = 0; i < *ncmds; i++) {
		if (cmds[i].room)
			cmds[keep++] = cmds[i];
		else
			free(cmds[i].text);
	}
	*ncmds = keep;
	return true;
fail:
	store_rollback(st);
fail_committed:
	store_set_synced(st, true);
	free(rooms);
	return false;
}

/* Runs one command through the host and sends its answer. */
static void mx_run(struct mx *m, const struct mx_cmd *c)
{
	struct inbound in;
	struct buf txn = BUF_INIT;
	char *text;

	if (room_skipped(m, c->room)) {
		log_debug("matrix", "room %s is skipped (forbidden); %s not answered", c->room,
			  c->event_id);
		return;
	}
	/* the dispatcher reads Matrix user ids and matrix.to links as people */
	text = pills_to_ids(c->text, json_str(c->content, "formatted_body"));
	memset(&in, 0, sizeof(in));
	in.user = c->sender;
	in.place = c->room;
	in.text = text;
	in.len = strlen(text);
	/* with a database the event was marked handled with next_batch */
	in.event_id = c->host_dedupe ? c->event_id : NULL;
	in.require_prefix = c->require_prefix;
	if (host_inbound(m->host, &adapter_matrix, &in, &m->ans)) {
		mx_txn(&txn, "re", c->event_id);
		mx_send_reply(m, c->room, m->ans.reply, buf_str(&m->ans.text), txn.data, c->event_id,
			      c->thread, NULL);
	}
	free(text);
	buf_release(&txn);
}

/* Handles one parsed sync answer.  False when it could not be stored (the
 * same sync is asked for again). */
static bool mx_handle_sync(struct mx *m, const cJSON *root)
{
	const char *next = json_str(root, "next_batch");
	const cJSON *rooms = cJSON_GetObjectItemCaseSensitive(root, "rooms"), *it, *ev;
	bool first = m->since == NULL;
	struct mx_cmd *cmds = NULL;
	size_t ncmds = 0, cap = 0;

	if (!next) {
		log_warn("matrix", "sync answer without next_batch ignored");
		return false;
	}
	cJSON_ArrayForEach(ev, json_at(root, "account_data", "events")) {
		const char *type = json_str(ev, "type");
		if (type && strcmp(type, "m.direct") == 0)
			rooms_set_direct(m, cJSON_GetObjectItemCaseSensitive(ev, "content"));
	}
	cJSON_ArrayForEach(it, json_at(rooms, "join", NULL))
		mx_room_entry(m, it->string, it, first, &cmds, &ncmds, &cap);
	if (!mx_commit_batch(m, next, cmds, &ncmds)) {
		for (size_t i = 0; i < ncmds; i++)
			free(cmds[i].text);
		free(cmds);
		log_warn("matrix", "the database is busy; this sync will be read again");
		return false;
	}
	free(m->since);
	m->since = xstrdup(next);
	if (first)
		log_info("matrix", "first sync: the backlog is skipped; answering from now on");
	for (size_t i = 0; i < ncmds; i++) {
		mx_run(m, &cmds[i]);
		free(cmds[i].text);
	}
	free(cmds);
	cJSON_ArrayForEach(it, json_at(rooms, "invite", NULL))
		mx_invite(m, it->string, it);
	cJSON_ArrayForEach(it, json_at(rooms, "leave", NULL))
		mx_left(m, it->string, it);
	return true;
}

static void mx_sync_done(void *arg, const struct jsonapi_result *res)
{
	struct mx_call *c = arg;
	struct mx *m = c->m;

	call_free(c);
	m->syncing = false;
	m->sync_id = 0;
	if (m->stopped || host_stopping(m->host))
		return;
	if (res->outcome != JSONAPI_OK) {
		mx_failed(m, "sync", res);
		return;
	}
	if (!mx_handle_sync(m, res->json)) {
		mx_schedule(m, reconnect_after(&m->rc, RECONNECT_BACKOFF, -1));
		return;
	}
	reconnect_ok(&m->rc);
	mx_sync(m);
}

static void mx_sync(struct mx *m)
{
	struct buf url = BUF_INIT;

	if (m->syncing || m->stopped || host_stopping(m->host))
		return;
	/* the first sync only learns the rooms: no long-poll */
	buf_addf(&url, "%s%s/sync?timeout=%d&filter=", m->base, MX_API,
		 m->since ? MX_SYNC_TIMEOUT_MS : 0);
	buf_adds(&url, m->since ? m->filter : m->filter_first);
	if (m->since) {
		buf_adds(&url, "&since=");
		url_put(&url, m->since);
	}
	m->syncing = true;
	m->sync_id = mx_submit(m, "GET", url.data, NULL, "matrix:sync", 1, MX_SYNC_HTTP_MS,
			       mx_sync_done, call_new(NULL, NULL));
	buf_release(&url);
}

/* ---- start-up: whoami, profile, joins ---- */

static void mx_begin(struct mx *m)
{
	m->started = true;
	reconnect_ok(&m->rc);
	/* the rooms named by alias: their ids, to match invites and to post */
	for (size_t i = 0; i < m->nauto; i++)
		if (m->auto_join[i][0] == '#' && !alias_find(m, m->auto_join[i], false))
			mx_resolve_alias(m, m->auto_join[i]);
	if (m->announce_room && m->announce_room[0] == '#' && !alias_find(m, m->announce_room, false))
		mx_resolve_alias(m, m->announce_room);
	for (size_t i = 0; i < m->nauto; i++)
		mx_join(m, m->auto_join[i]);
	mx_sync(m);
}

static void mx_profile_done(void *arg, const struct jsonapi_result *res)
{
	struct mx_call *c = arg;
	struct mx *m = c->m;
	const char *name = res->outcome == JSONAPI_OK ? json_str(res->json, "displayname") : NULL;

	call_free(c);
	if (m->stopped || host_stopping(m->host))
		return;
	if (name && *name) {
		free(m->display_name);
		m->display_name = xstrdup(name);
	} else {
		log_info("matrix", "no display name known (%s); mentions by user id only",
			 res->error ? res->error : "none set");
	}
	mx_begin(m);
}

static void mx_whoami_done(void *arg, const struct jsonapi_result *res)
{
	struct mx_call *c = arg;
	struct mx *m = c->m;
	const char *who = json_str(res->json, "user_id");
	char *url;

	call_free(c);
	if (m->stopped || host_stopping(m->host))
		return;
	if (res->outcome != JSONAPI_OK || !who) {
		if (res->outcome == JSONAPI_OK)
			log_warn("matrix", "whoami answer without user_id");
		mx_failed(m, "whoami", res);
		return;
	}
	if (strcmp(who, m->user_id) != 0) {
		struct buf why = BUF_INIT;
		buf_addf(&why, "MATRIX_ACCESS_TOKEN belongs to %s, not to adapters.matrix.user_id %s",
			 who, m->user_id);
		mx_fatal(m, why.data);
		buf_release(&why);
		return;
	}
	log_info("matrix", "connected as %s", m->user_id);
	url = mx_url(m, "/profile/", m->user_id, "/displayname");
	mx_submit(m, "GET", url, NULL, "matrix:profile", 3, 0, mx_profile_done, call_new(NULL, NULL));
	free(url);
}

static void mx_whoami(struct mx *m)
{
	char *url = mx_url(m, "/account/whoami", NULL, NULL);

	mx_submit(m, "GET", url, NULL, "matrix:whoami", 1, 0, mx_whoami_done, call_new(NULL, NULL));
	free(url);
}

/* ---- the adapter ---- */

static void mx_free(struct mx *m)
{
	while (m->rooms) {
		struct mx_room *r = m->rooms;
		m->rooms = r->next;
		/* what still waits stays pending in the outbox for the next run */
		while (r->queue) {
			struct mx_send *q = r->queue;
			r->queue = q->next;
			send_free(q);
		}
		free(r->id);
		free(r);
	}
	while (m->aliases) {
		struct mx_alias *a = m->aliases;
		m->aliases = a->next;
		free(a->alias);
		free(a->id);
		free(a);
	}
	free(m->announce_room);
	for (size_t i = 0; i < m->nauto; i++)
		free(m->auto_join[i]);
	free(m->auto_join);
	host_answer_release(&m->ans);
	free(m->base);
	free(m->user_id);
	free(m->filter);
	free(m->filter_first);
	free(m->auth);
	free(m->display_name);
	free(m->since);
	free(m);
}

static int mx_start(struct adapter_host *host, const cJSON *cfg, void **state)
{
	const char *url = json_str(cfg, "homeserver_url"), *user = json_str(cfg, "user_id");
	const char *token = getenv("MATRIX_ACCESS_TOKEN");
	const cJSON *aj = cJSON_GetObjectItemCaseSensitive(cfg, "auto_join"), *it;
	struct store *st = host_bot(host)->store;
	struct mx *m;
	struct buf b = BUF_INIT;

	if (!token || !*token) {
		log_error("matrix", "MATRIX_ACCESS_TOKEN must be set");
		return -1;
	}
	if (!url || !user) {
		log_error("matrix", "adapters.matrix needs homeserver_url and user_id");
		return -1;
	}
	m = xcalloc(1, sizeof(*m));
	m->host = host;
	buf_adds(&b, url);
	while (b.len && b.data[b.len - 1] == '/')
		b.data[--b.len] = '\0';
	m->base = buf_detach(&b);
	m->user_id = xstrdup(user);
	m->filter = mx_filter_param(mx_filter, user);
	m->filter_first = mx_filter_param(mx_filter_first, user);
	buf_addf(&b, "Authorization: Bearer %s", token);
	m->auth = buf_detach(&b);
	cJSON_ArrayForEach(it, aj) {
		if (!cJSON_IsString(it))
			continue;
		m->auto_join = xrealloc(m->auto_join, (m->nauto + 1) * sizeof(*m->auto_join));
		m->auto_join[m->nauto++] = xstrdup(it->valuestring);
	}
	m->announce_room = xstrdup(json_str(cfg, "announce_room"));
	m->accept_invites = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "accept_invites"));
	reconnect_init(&m->rc, env_ms("GOVBOT_MATRIX_BACKOFF_MS", 1000), MX_BACKOFF_CAP_MS, 0);
	host_answer_init(&m->ans);
	if (st) {
		char *rooms = store_kv_get(st, MX_KV_ROOMS);
		m->since = store_kv_get(st, MX_KV_BATCH);
		rooms_load(m, rooms);
		free(rooms);
	}
	loop_timer_init(&m->retry, host_loop(host), mx_on_retry, m);
	mx_whoami(m);
	*state = m;
	return 0;
}

static enum announce_status mx_announce(void *state, const struct announcement *a)
{
	struct mx *m = state;
	struct buf txn = BUF_INIT;
	const char *room = a->target ? room_id_of(m, a->target) : NULL;

	if (m->stopped || !a->target)
		return ANNOUNCE_FAILED;
	if (!room) {
		/* an alias not resolved yet: ask (once at a time), retried later */
		struct mx_alias *al = alias_find(m, a->target, false);
		if (!al && m->started)
			mx_resolve_alias(m, a->target);
		return ANNOUNCE_FAILED;
	}
	if (room_skipped(m, room))
		return ANNOUNCE_FAILED;
	/* the delivery key is stable across restarts: so is the txnId */
	mx_txn(&txn, "an", a->key);
	mx_send_reply(m, room, a->message, NULL, txn.data, NULL, NULL, a->key);
	buf_release(&txn);
	return ANNOUNCE_PENDING;
}

/* Shutdown: nothing new; the waiting long-poll is cancelled, not waited out. */
static bool mx_drain(void *state)
{
	struct mx *m = state;

	m->stopped = true;
	loop_timer_cancel(&m->retry);
	if (m->sync_id)
		http_cancel(host_http(m->host), m->sync_id);
	return false;
}

static void mx_stop(void *state)
{
	struct mx *m = state;

	m->stopped = true;
	loop_timer_cancel(&m->retry);
	mx_free(m);
}

/* @localpart:server */
static bool mx_valid_id(const char *id)
{
	const char *colon = strchr(id + 1, ':');

	return id[0] == '@' && id[1] && id[1] != ':' && colon && colon[1];
}

/* Matrix localpart and server characters (lenient). */
static bool mx_id_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '=' || c == '-' || c == '/' || c == '+';
}

static bool mx_host_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
}

/* A Matrix user id at s ("@alice:example.org[:8448]"): its length, or 0. */
static size_t mx_user_id_len(const char *s)
{
	if (s[0] != '@')
		return 0;
	size_t i = 1;
	while (mx_id_char(s[i]) && s[i] != '/')
		i++;
	if (i == 1 || s[i] != ':')
		return 0;
	size_t host = ++i;
	bool dot = false;
	while (mx_host_char(s[i])) {
		dot = dot || s[i] == '.';
		i++;
	}
	while (i > host && (s[i - 1] == '.' || s[i - 1] == ':'))
		i--;   /* "...example.org." ends a sentence */
	return dot && i > host ? i : 0;
}

#define MX_PILL "https://matrix.to/#/"

/* A mention as Matrix clients write one: a pill (https://matrix.to/#/@a:b,
 * bare or as the target of a Markdown link, taken whole) or a bare user id
 * at the start of a word. */
static bool mx_mention_at(const char *text, const char *p, bool caller_here, struct config_mention *m)
{
	const char *at = p;
	size_t n;

	if (str_istarts(p, MX_PILL))
		at = p + strlen(MX_PILL);
	else if (p[0] != '@' || !config_mention_word_start(text, p))
		return false;
	if (!(n = mx_user_id_len(at)) || n >= sizeof(m->id))
		return false;
	memcpy(m->id, at, n);
	m->id[n] = '\0';
	m->from = p;
	m->len = (size_t)(at + n - p);
	/* [Alice](https://matrix.to/#/@alice:example.org): the whole link */
	if (at != p && p >= text + 2 && p[-1] == '(' && p[-2] == ']' && at[n] == ')') {
		const char *open = p - 2;
		while (open > text && *open != '[')
			open--;
		if (*open == '[') {
			m->from = open;
			m->len = (size_t)(at + n + 1 - open);
		}
	}
	return true;
}

static const struct config_key mx_keys[] = {
	{ "homeserver_url", CONFIG_URL, true, NULL },
	{ "user_id", CONFIG_MATRIX_USER, true, NULL },
	{ "announce_room", CONFIG_MATRIX_ROOM, false, NULL },
	{ "auto_join", CONFIG_ROOM_LIST, false, NULL },
	{ "accept_invites", CONFIG_BOOL, false, NULL },
	{ NULL, CONFIG_STRING, false, NULL },
};

const struct adapter adapter_matrix = {
	.name = "matrix",
	.dialect = DIALECT_MATRIX_HTML,
	.secrets = mx_secrets,
	.keys = mx_keys,
	.announce_key = "announce_room",
	.valid_id = mx_valid_id,
	.mention_at = mx_mention_at,
	.max_message = MX_MAX_TEXT,
	.start = mx_start,
	.announce = mx_announce,
	.drain = mx_drain,
	.stop = mx_stop,
};
