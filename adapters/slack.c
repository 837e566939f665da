/*
 * slack.c - Slack through Socket Mode (a websocket on the shared lws loop)
 * and the Web API (the shared HTTP client, chatbot/net/http.h).
 *
 * Start: auth.test (bot token) gives the bot's user id; apps.connections.open
 * (app token) gives a single-use websocket URL; the socket says `hello`.
 * Every envelope is acked at once on the socket; slash commands carry their
 * answer in the ack (in_channel; a refusal or an error ephemeral, for the
 * asker only), mentions (anywhere in the message) are answered in their
 * thread and DMs in the DM with chat.postMessage, except that a refusal or
 * an error in a channel goes to the asker only (chat.postEphemeral).
 * `disconnect` warning/refresh_requested opens a new socket first and closes
 * the old one when the new one said hello; link_disabled stops the adapter;
 * too_many_websockets backs off.  A socket silent for 6 pings is dead.
 * Reconnects use a fresh URL with exponential backoff and jitter, forever;
 * only the fatal token errors (from any call) stop the adapter, with one line
 * naming the token to fix.  Announcements carry Block Kit sections marked
 * verbatim (Slack links no mention out of user text); when the announce
 * channel answers not_in_channel or channel_not_found, that is logged once
 * with the fix and the announcements wait, with a growing pause, until a
 * post goes through.
 *
 * Wire facts and log lines: /work/notes/slack.md ("Slack adapter").
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "chatbot/bot/config.h"
#include "chatbot/host/host.h"
#include "chatbot/net/backoff.h"
#include "chatbot/net/jsonapi.h"
#include "chatbot/util/jsontok.h"
#include "chatbot/util/log.h"
#include "chatbot/util/util.h"
#include "commands/commands.h"

#define SLACK_DEFAULT_API "https://slack.com/api/"
#define SLACK_MAX_MESSAGE (4u << 20)       /* one websocket message, reassembled */
#define SLACK_MAX_TEXT 40000               /* chat.postMessage text */
#define SLACK_MAX_SECTION 3000             /* a section block's text */
#define SLACK_MAX_BLOCKS 50
#define SLACK_REPLY_ATTEMPTS 5
/* The metadata event type that carries an announcement's delivery key, and
 * how many recent messages of the channel are searched for it. */
#define SLACK_META_EVENT "govbot_announcement"
#define SLACK_HISTORY_LOOKBACK 200
#define SLACK_BACKOFF_CAP_MS 60000
#define SLACK_DEAD_PINGS 6
#define SLACK_STABLE_MS 10000              /* a link up this long resets the backoff */
#define SLACK_CHANNEL_WAIT_MS 60000        /* first pause after not_in_channel ... */
#define SLACK_CHANNEL_WAIT_CAP_MS 900000   /* ... doubling up to 15 min */
#define SLACK_MAX_TOKENS (1u << 20)        /* JSON tokens of one frame */
#define SLACK_MASK_POOL 256                /* bytes of masking keys drawn at once */

static const char *const slack_secrets[] = { "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", NULL };

static const struct config_key slack_keys[] = {
	{ "api_url", CONFIG_URL, false, SLACK_DEFAULT_API },
	{ "announce_channel", CONFIG_STRING, false, NULL },
	{ NULL, CONFIG_STRING, false, NULL },
};

/* A fatal answer of any Web API call: a token that cannot work.  Stop,
 * never retry.  not_allowed_token_type: an xoxb- token where the xapp- one
 * belongs or the other way round; token_expired: a rotated token's end. */
static const char *const slack_fatal_errors[] = {
	"not_authed", "invalid_auth", "account_inactive", "user_removed_from_team", "team_disabled",
	"not_allowed_token_type", "token_revoked", "token_expired",
};

/* What to do about a fatal error, for the token of the call. */
static const struct {
	const char *error;
	const char *app;        /* SLACK_APP_TOKEN's fix */
	const char *bot;        /* SLACK_BOT_TOKEN's fix */
} slack_token_fixes[] = {
	{ "not_allowed_token_type",
	  "SLACK_APP_TOKEN is not an app-level token: give the xapp- token",
	  "SLACK_BOT_TOKEN is not a bot token: give the xoxb- token" },
	{ "token_revoked",
	  "SLACK_APP_TOKEN was revoked: generate a new app-level token with connections:write",
	  "SLACK_BOT_TOKEN was revoked: reinstall the app and copy its bot token" },
	{ "token_expired",
	  "SLACK_APP_TOKEN expired: give a fresh app-level token",
	  "SLACK_BOT_TOKEN expired: give a fresh bot token, or turn token rotation off" },
};

struct slack;

struct sconn {
	struct sconn *next;
	struct slack *s;
	unsigned id;
	struct loop_handler handler;
	struct lws *wsi;
	char *url;              /* lws_parse_uri cuts this copy up */
	bool established;
	bool hello;
	bool retiring;          /* replaced: close once the new socket said hello */
	bool closing;
	bool slow_reconnect;    /* too_many_websockets: no immediate reconnect */
	bool ping_due;
	long long hello_ms;     /* when it said hello */
	long long last_rx_ms;
	struct loop_timer ping;
	struct buf rx;
	bool rx_skip;
	struct buf wire;        /* frames ready to write (after LWS_PRE bytes) */
	unsigned char masks[SLACK_MASK_POOL];   /* random masking keys */
	unsigned mask_pos;
};

/* An announcement waiting for its channel (not_in_channel, ...). */
struct held {
	struct held *next;
	unsigned long seq;      /* announce() order: the outbox's, oldest first */
	char *key;              /* the delivery key */
	char *json;             /* the chat.postMessage body */
	char *channel;          /* where it goes */
	bool lookup;            /* look for it in the channel's history first */
};

struct slack {
	struct adapter_host *host;
	char *api_url;          /* ends with '/' */
	char *app_token;
	char *bot_token;
	char *auth_app;         /* "Authorization: Bearer xapp-..." */
	char *auth_bot;
	char *bot_user_id;      /* from auth.test */
	bool stopped;
	bool opening;           /* apps.connections.open in flight */
	struct reconnect rc;    /* backoff between links */
	unsigned next_id;
	long ping_ms;
	struct loop_timer reconnect;
	struct sconn *conns;
	/* the announce channel refused posts: what waits, and for how long */
	struct held *held;      /* in announce() order */
	unsigned long announce_seq;
	bool chan_reported;     /* the problem was logged (once per episode) */
	bool chan_probing;      /* one held post is in flight to test the channel */
	long chan_wait_base_ms;
	long long chan_wait_ms; /* the next pause */
	struct loop_timer chan_timer;
	struct host_answer answer;  /* reused for every message */
	struct buf plain;       /* the message unescaped */
	struct jsontok_doc doc; /* the frame being handled, tokenized */
	struct jsontok *tok;
	unsigned ntok;
	struct buf strs;        /* its strings, unescaped */
	struct buf scratch;     /* the ack being built */
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

static bool slack_is_fatal(const char *error)
{
	for (size_t i = 0; i < ARRAY_SIZE(slack_fatal_errors); i++)
		if (error && strcmp(error, slack_fatal_errors[i]) == 0)
			return true;
	return false;
}

/* The token a Web API method is called with. */
static bool slack_app_method(const char *method)
{
	return strcmp(method, "apps.connections.open") == 0;
}

/* "METHOD failed: ERROR (FIX)": the one line a fatal error is logged with,
 * naming the token to fix.  Appends to out. */
static void slack_fatal_line(const char *method, const char *error, struct buf *out)
{
	bool app = slack_app_method(method);
	const char *env = app ? "SLACK_APP_TOKEN" : "SLACK_BOT_TOKEN";

	for (size_t i = 0; i < ARRAY_SIZE(slack_token_fixes); i++) {
		if (strcmp(error, slack_token_fixes[i].error) == 0) {
			buf_addf(out, "%s failed: %s (%s)", method, error,
				 app ? slack_token_fixes[i].app : slack_token_fixes[i].bot);
			return;
		}
	}
	buf_addf(out, "%s failed: %s (check %s)", method, error, env);
}

/* not_in_channel, channel_not_found: the channel, not the message, is wrong. */
static bool slack_channel_error(const char *error)
{
	return error && (strcmp(error, "not_in_channel") == 0 ||
			 strcmp(error, "channel_not_found") == 0);
}

static const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Slack escapes & < > in message text; the dispatcher wants what the user
 * typed.  Appends the unescaped s to out. */
static void slack_unescape(const char *s, size_t n, struct buf *out)
{
	static const struct { const char *ent; size_t len; char c; } ents[] = {
		{ "&amp;", 5, '&' }, { "&lt;", 4, '<' }, { "&gt;", 4, '>' },
	};
	size_t from = 0;

	buf_grow(out, n + 1);
	for (size_t i = 0; i < n;) {
		bool done = false;
		if (s[i] == '&') {
			for (size_t k = 0; k < ARRAY_SIZE(ents) && !done; k++) {
				if (n - i >= ents[k].len && memcmp(s + i, ents[k].ent, ents[k].len) == 0) {
					buf_add(out, s + from, i - from);
					buf_addc(out, ents[k].c);
					i += ents[k].len;
					from = i;
					done = true;
				}
			}
		}
		if (!done)
			i++;
	}
	buf_add(out, s + from, n - from);
	buf_addc(out, '\0');
	out->len--;
}

/* The first mention of bot (<@BOT> or <@BOT|name>; bot NULL: of anyone)
 * in t, with *end just after it; NULL when there is none. */
static const char *slack_find_mention(const char *t, const char *bot, const char **end)
{
	for (const char *p = strstr(t, "<@"); p; p = strstr(p + 2, "<@")) {
		const char *id = p + 2, *close = strchr(id, '>');
		size_t n = strcspn(id, "|>");

		if (!close)
			return NULL;
		if (!bot || (n == strlen(bot) && strncmp(id, bot, n) == 0)) {
			*end = close + 1;
			return p;
		}
	}
	return NULL;
}

/* What joins a mention to the sentence around it: "hey @govbot, who ...?" */
static bool slack_joiner(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ',' || c == ':' || c == ';' ||
	       c == '.' || c == '!' || c == '?';
}

/*
 * The command in a message that mentions the bot anywhere: what follows
 * the bot's mention ("hey <@U111> who maintains torch.nn?" -> "who
 * maintains torch.nn?"), or, when nothing but punctuation follows it, what
 * precedes it ("who maintains torch.nn? <@U111>").  Other people's
 * mentions are kept.  Without a mention, all of t.  Returns a span of t,
 * its length in *len.
 */
static const char *slack_command(const char *t, const char *bot, size_t *len)
{
	const char *end = NULL, *m = slack_find_mention(t, bot, &end);
	const char *a = t, *b = t + strlen(t);

	if (m) {
		a = end;
		while (a < b && slack_joiner(*a))
			a++;
		if (a == b) {
			a = t;
			b = m;
		}
	}
	while (a < b && (*a == ' ' || *a == '\t' || *a == '\n'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' || b[-1] == ',' ||
			 b[-1] == ':' || b[-1] == ';'))
		b--;
	*len = (size_t)(b - a);
	return a;
}

/* ---- Web API ---- */

struct api_call {
	struct slack *s;
	char method[40];
	char *key;              /* announcement key, or NULL */
	char *json;             /* an announcement's body, kept to post it again */
	char *channel;          /* an announcement's channel */
	bool probe;             /* a held announcement testing its channel */
	bool lookup;            /* an announcement that may be posted already: look for
				 * its key in the channel's history before posting */
	unsigned long seq;      /* an announcement's place in announce() order */
};

static void slack_fatal(struct slack *s, const char *why);
static void slack_channel_refused(struct slack *s, struct api_call *call, const char *error);
static void slack_channel_served(struct slack *s, bool ok, bool probe);

static char *slack_method_url(struct slack *s, const char *method)
{
	struct buf u = BUF_INIT;
	buf_addf(&u, "%s%s", s->api_url, method);
	return buf_detach(&u);
}

/* Slack's error parser (jsonapi_classify_fn): every Web API answer is
 * {"ok": true, ...} or {"ok": false, "error": "..."}, mostly with HTTP 200;
 * the auth errors are fatal, everything else is retried. */
static void slack_classify(struct jsonapi_result *res, char *err, size_t errlen)
{
	const char *code;

	if (res->status == 0 || res->status == 429)
		return;   /* no answer, or rate limited: as HTTP says */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res->json, "ok"))) {
		res->outcome = JSONAPI_OK;
		res->error = NULL;
		return;
	}
	code = json_str(res->json, "error");
	if (code)
		res->error = code;
	else if (res->status == 200)
		res->error = "malformed answer";
	res->outcome = slack_is_fatal(res->error) ? JSONAPI_FATAL : JSONAPI_RETRY;
}

static void slack_submit(struct slack *s, const char *method, const char *auth,
			 const char *ctype, const char *body, int attempts,
			 jsonapi_done_fn *done, struct api_call *call)
{
	char *url = slack_method_url(s, method);
	struct buf ct = BUF_INIT, key = BUF_INIT;
	const char *hdrs[3];
	struct http_request rq;

	buf_addf(&ct, "Content-Type: %s", ctype);
	buf_addf(&key, "slack:%s", method);
	hdrs[0] = auth;
	hdrs[1] = ct.data;
	hdrs[2] = NULL;
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body ? body : "";
	rq.body_len = body ? strlen(body) : 0;
	rq.rate_key = key.data;
	rq.max_attempts = attempts;
	snprintf(call->method, sizeof(call->method), "%s", method);
	call->s = s;
	jsonapi_call(host_http(s->host), &rq, slack_classify, done, call);
	free(url);
	buf_release(&ct);
	buf_release(&key);
}

static void api_call_free(struct api_call *call)
{
	free(call->key);
	free(call->json);
	free(call->channel);
	free(call);
}

/* chat.postMessage / chat.postEphemeral answered.  A bad token stops the
 * adapter; a refused announce channel holds the announcement. */
static void slack_post_done(void *arg, const struct jsonapi_result *res)
{
	struct api_call *call = arg;
	struct slack *s = call->s;
	bool ok = res->outcome == JSONAPI_OK;

	if (call->key && !ok && slack_channel_error(res->error) && !s->stopped) {
		slack_channel_refused(s, call, res->error);
		return;
	}
	if (!ok && !slack_is_fatal(res->error))
		log_warn("slack", "%s failed: %s", call->method, res->error);
	if (call->key) {
		host_announce_done(s->host, call->key, ok);
		if (call->probe || ok)
			slack_channel_served(s, ok, call->probe);
	}
	if (!ok && slack_is_fatal(res->error)) {
		struct buf why = BUF_INIT;
		slack_fatal_line(call->method, res->error, &why);
		slack_fatal(s, why.data);
		buf_release(&why);
	}
	api_call_free(call);
}

/* chat.postMessage with mrkdwn text (already rendered and escaped). */
/* The chat.postMessage body for mrkdwn (already rendered and escaped):
 * text cut to Slack's limit; with blocks, the text again as Block Kit
 * sections of at most 3,000 bytes cut at line ends where possible (`text`
 * is then the notification fallback).  Caller frees with cJSON_free(). */
static char *slack_post_json(const char *channel, const char *mrkdwn, const char *thread_ts,
			     bool blocks, const char *meta_key)
{
	cJSON *body = cJSON_CreateObject();
	struct buf text = BUF_INIT;
	char *json;

	buf_adds(&text, mrkdwn);
	reply_limit(&text, SLACK_MAX_TEXT, DIALECT_SLACK);
	cJSON_AddStringToObject(body, "channel", channel);
	cJSON_AddStringToObject(body, "text", buf_str(&text));
	if (thread_ts)
		cJSON_AddStringToObject(body, "thread_ts", thread_ts);
	if (meta_key) {
		/* the delivery key, found again in conversations.history after a crash */
		cJSON *meta = cJSON_AddObjectToObject(body, "metadata");
		cJSON_AddStringToObject(meta, "event_type", SLACK_META_EVENT);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(meta, "event_payload"), "key", meta_key);
	}
	if (blocks) {
		cJSON *arr = cJSON_AddArrayToObject(body, "blocks");
		size_t off = 0, nblocks = 0;

		while (off < text.len && nblocks < SLACK_MAX_BLOCKS) {
			size_t n = reply_split_len(text.data + off, text.len - off, SLACK_MAX_SECTION);
			cJSON *blk = cJSON_CreateObject(), *t;
			char *part;

			part = xstrndup(text.data + off, n);
			cJSON_AddStringToObject(blk, "type", "section");
			t = cJSON_AddObjectToObject(blk, "text");
			cJSON_AddStringToObject(t, "type", "mrkdwn");
			cJSON_AddStringToObject(t, "text", part);
			/* Slack turns no @name or #channel in it into a mention */
			cJSON_AddTrueToObject(t, "verbatim");
			cJSON_AddItemToArray(arr, blk);
			free(part);
			off += n;
			nblocks++;
		}
	}
	json = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	buf_release(&text);
	return json;
}

/* True when message m (conversations.history) carries delivery key. */
static bool slack_message_has_key(const cJSON *m, const char *key)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(m, "metadata");
	const char *type = json_str(meta, "event_type");
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(meta, "event_payload");
	const char *k = json_str(payload, "key");
	return type && strcmp(type, SLACK_META_EVENT) == 0 && k && strcmp(k, key) == 0;
}

static void slack_send_announcement(struct slack *s, struct api_call *call)
{
	slack_submit(s, "chat.postMessage", s->auth_bot, "application/json; charset=utf-8",
		     call->json, SLACK_REPLY_ATTEMPTS, slack_post_done, call);
}

/* conversations.history answered for an announcement that may be posted
 * already: found by its key, it is done; not found (or the history cannot
 * be read: then at least once), it is posted. */
static void slack_history_done(void *arg, const struct jsonapi_result *res)
{
	struct api_call *call = arg;
	struct slack *s = call->s;
	const cJSON *m;

	if (res->outcome == JSONAPI_OK) {
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(res->json, "messages")) {
			if (!slack_message_has_key(m, call->key))
				continue;
			log_info("slack", "announcement %s is already in %s (posted before a restart): "
				 "not posted again", call->key, call->channel ? call->channel : "?");
			host_announce_done(s->host, call->key, true);
			if (call->probe)
				slack_channel_served(s, true, true);
			api_call_free(call);
			return;
		}
	} else if (res->error && slack_channel_error(res->error) && !s->stopped) {
		call->lookup = true;   /* still to look for once the channel serves */
		slack_channel_refused(s, call, res->error);
		return;
	} else {
		log_warn("slack", "conversations.history failed (%s): announcement %s may be posted "
			 "twice", res->error ? res->error : "no answer", call->key);
	}
	snprintf(call->method, sizeof(call->method), "chat.postMessage");
	slack_send_announcement(s, call);
}

/* chat.postMessage of an announcement's body json (call owns key, json,
 * channel); one that may be posted already is looked for first in the
 * channel's recent history (its key is in the message metadata). */
static void slack_post_announcement(struct slack *s, struct api_call *call)
{
	if (call->lookup && call->channel) {
		struct buf form = BUF_INIT;
		call->lookup = false;
		buf_adds(&form, "channel=");
		for (const char *p = call->channel; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
			    c == '-' || c == '_' || c == '.')
				buf_addc(&form, (char)c);
			else
				buf_addf(&form, "%%%02X", c);
		}
		buf_addf(&form, "&limit=%d&include_all_metadata=true", SLACK_HISTORY_LOOKBACK);
		slack_submit(s, "conversations.history", s->auth_bot,
			     "application/x-www-form-urlencoded", form.data, SLACK_REPLY_ATTEMPTS,
			     slack_history_done, call);
		buf_release(&form);
		return;
	}
	slack_send_announcement(s, call);
}

/* chat.postMessage of an answer. */
static void slack_post(struct slack *s, const char *channel, const char *mrkdwn,
		       const char *thread_ts)
{
	struct api_call *call = xcalloc(1, sizeof(*call));
	char *json = slack_post_json(channel, mrkdwn, thread_ts, false, NULL);

	slack_submit(s, "chat.postMessage", s->auth_bot, "application/json; charset=utf-8", json,
		     SLACK_REPLY_ATTEMPTS, slack_post_done, call);
	cJSON_free(json);
}

/* chat.postEphemeral: an answer only user sees, in channel (in the thread
 * thread_ts when set). */
static void slack_post_ephemeral(struct slack *s, const char *channel, const char *user,
				 const char *mrkdwn, const char *thread_ts)
{
	struct api_call *call = xcalloc(1, sizeof(*call));
	cJSON *body = cJSON_CreateObject();
	struct buf text = BUF_INIT;
	char *json;

	buf_adds(&text, mrkdwn);
	reply_limit(&text, SLACK_MAX_TEXT, DIALECT_SLACK);
	cJSON_AddStringToObject(body, "channel", channel);
	cJSON_AddStringToObject(body, "user", user);
	cJSON_AddStringToObject(body, "text", buf_str(&text));
	if (thread_ts)
		cJSON_AddStringToObject(body, "thread_ts", thread_ts);
	json = cJSON_PrintUnformatted(body);
	slack_submit(s, "chat.postEphemeral", s->auth_bot, "application/json; charset=utf-8", json,
		     SLACK_REPLY_ATTEMPTS, slack_post_done, call);
	cJSON_free(json);
	cJSON_Delete(body);
	buf_release(&text);
}

/* ---- the announce channel refused a post ---- */

/* Waits chan_wait_ms (doubling it for next time, up to the cap) before the
 * first held announcement tests the channel again. */
static void slack_channel_arm(struct slack *s)
{
	if (s->chan_timer.pending || s->chan_probing || !s->held)
		return;
	loop_timer_start(&s->chan_timer, s->chan_wait_ms);
	s->chan_wait_ms *= 2;
	if (s->chan_wait_ms > SLACK_CHANNEL_WAIT_CAP_MS)
		s->chan_wait_ms = SLACK_CHANNEL_WAIT_CAP_MS;
}

/* Puts an announcement with the held ones, in announce() order (posts in
 * flight together may fail in any order); takes call's key and json. */
static void slack_hold(struct slack *s, struct api_call *call)
{
	struct held *h = xcalloc(1, sizeof(*h)), **pp = &s->held;

	h->seq = call->seq;
	h->key = call->key;
	h->json = call->json;
	h->channel = call->channel;
	h->lookup = call->lookup;
	call->key = call->json = call->channel = NULL;
	while (*pp && (*pp)->seq < h->seq)
		pp = &(*pp)->next;
	h->next = *pp;
	*pp = h;
}

/* Pops the first held announcement into a new call; NULL when none. */
static struct api_call *slack_unhold(struct slack *s)
{
	struct held *h = s->held;
	struct api_call *call;

	if (!h)
		return NULL;
	s->held = h->next;
	call = xcalloc(1, sizeof(*call));
	call->seq = h->seq;
	call->key = h->key;
	call->json = h->json;
	call->channel = h->channel;
	call->lookup = h->lookup;
	free(h);
	return call;
}

/* not_in_channel / channel_not_found for an announcement: said once, with
 * the fix; the announcement waits with the others. */
static void slack_channel_refused(struct slack *s, struct api_call *call, const char *error)
{
	if (!s->chan_reported) {
		bool member = strcmp(error, "not_in_channel") == 0;
		log_error("slack", "announce_channel %s: %s: %s; announcements wait and are "
			  "retried with a growing pause", call->channel ? call->channel : "?", error,
			  member ? "the bot is not a member of it: run /invite @govbot in that channel"
				 : "no channel with that id is visible to the bot: check "
				   "adapters.slack.announce_channel, or /invite @govbot if it is private");
		s->chan_reported = true;
	}
	if (call->probe)
		s->chan_probing = false;
	slack_hold(s, call);
	api_call_free(call);
	slack_channel_arm(s);
}

/* An announcement post ended otherwise (a probe's, or any success).  A
 * success reopens the channel: the held announcements follow one at a
 * time, each after the previous one went through, so they keep their
 * order.  A probe that failed for another reason (handed back to the
 * outbox) lets the next held one try after the pause. */
static void slack_channel_served(struct slack *s, bool ok, bool probe)
{
	struct api_call *call;

	if (probe)
		s->chan_probing = false;
	if (!ok) {
		slack_channel_arm(s);
		return;
	}
	if (s->chan_reported)
		log_info("slack", "announce_channel accepts posts again");
	s->chan_reported = false;
	s->chan_wait_ms = s->chan_wait_base_ms;
	loop_timer_cancel(&s->chan_timer);
	if (!s->chan_probing && (call = slack_unhold(s))) {
		call->probe = true;
		s->chan_probing = true;
		slack_post_announcement(s, call);
	}
}

/* The pause is over: the first held announcement tests the channel. */
static void slack_channel_retry(void *arg)
{
	struct slack *s = arg;
	struct api_call *call;

	if (s->stopped || host_stopping(s->host) || s->chan_probing || !(call = slack_unhold(s)))
		return;
	call->probe = true;
	s->chan_probing = true;
	slack_post_announcement(s, call);
}

static void slack_response_url_done(void *arg, const struct http_response *res)
{
	struct api_call *call = arg;

	if (res->status < 200 || res->status >= 300)
		log_warn("slack", "response_url POST failed: %s",
			 res->status ? "HTTP error" : (res->error ? res->error : "no response"));
	free(call);
}

/* A slash command's answer through its response_url; response_type is
 * "in_channel" or "ephemeral". */
static void slack_post_response_url(struct slack *s, const char *url, const char *mrkdwn,
				    const char *response_type)
{
	cJSON *body = cJSON_CreateObject();
	struct buf text = BUF_INIT;
	struct api_call *call = xcalloc(1, sizeof(*call));
	const char *hdrs[] = { "Content-Type: application/json; charset=utf-8", NULL };
	struct http_request rq;
	char *json;

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		log_warn("slack", "slash command without a usable response_url; answer dropped");
		free(call);
		cJSON_Delete(body);
		return;
	}
	buf_adds(&text, mrkdwn);
	reply_limit(&text, SLACK_MAX_TEXT, DIALECT_SLACK);
	cJSON_AddStringToObject(body, "response_type", response_type);
	cJSON_AddStringToObject(body, "text", buf_str(&text));
	json = cJSON_PrintUnformatted(body);
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = json;
	rq.body_len = strlen(json);
	rq.rate_key = "slack:response_url";
	rq.max_attempts = SLACK_REPLY_ATTEMPTS;
	call->s = s;
	snprintf(call->method, sizeof(call->method), "response_url");
	http_submit(host_http(s->host), &rq, slack_response_url_done, call);
	cJSON_free(json);
	cJSON_Delete(body);
	buf_release(&text);
}

/* ---- connections ---- */

static void slack_open(struct slack *s);
static void conn_close(struct sconn *c);

static void slack_fatal(struct slack *s, const char *why)
{
	if (s->stopped)
		return;
	log_error("slack", "%s; stopping the slack adapter", why);
	s->stopped = true;
	loop_timer_cancel(&s->reconnect);
	loop_timer_cancel(&s->chan_timer);
	for (struct sconn *c = s->conns; c; c = c->next)
		conn_close(c);
	host_adapter_ended(s->host, &adapter_slack, true);
}

/* Reconnects after delay_ms (<0: the next backoff step). */
static void slack_schedule(struct slack *s, long long delay_ms)
{
	if (s->stopped || host_stopping(s->host))
		return;
	if (delay_ms < 0)
		delay_ms = reconnect_after(&s->rc, RECONNECT_BACKOFF, -1);
	if (delay_ms > 0)
		log_info("slack", "reconnecting in %lld ms", delay_ms);
	loop_timer_start(&s->reconnect, delay_ms);
}

static bool slack_has_live(const struct slack *s)
{
	for (const struct sconn *c = s->conns; c; c = c->next)
		if (!c->closing && !c->retiring)
			return true;
	return false;
}

static void conn_free(struct sconn *c)
{
	struct slack *s = c->s;

	for (struct sconn **pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	loop_timer_cancel(&c->ping);
	if (c->wsi)
		lws_set_opaque_user_data(c->wsi, NULL);
	buf_release(&c->wire);
	buf_release(&c->rx);
	free(c->url);
	free(c);
}

/* The socket is gone (closed, failed, or never connected). */
static void conn_gone(struct sconn *c, const char *why)
{
	struct slack *s = c->s;
	bool slow = c->slow_reconnect;
	/* a link that served a while is replaced at once; one that dies young
	 * (a flapping server) goes through the backoff */
	bool hello = c->hello;
	long long up_ms = hello ? loop_now_ms() - c->hello_ms : 0;

	log_info("slack", "socket %u closed: %s", c->id, why);
	conn_free(c);
	if (s->stopped || host_stopping(s->host))
		return;
	/* A replacement is on its way (or live): nothing to do. */
	if (slack_has_live(s) || s->opening || s->reconnect.pending)
		return;
	if (slow) {
		reconnect_at_least(&s->rc, 2);   /* too_many_websockets: 4 steps' wait */
		slack_schedule(s, -1);
		return;
	}
	slack_schedule(s, hello && reconnect_served(&s->rc, up_ms) ? 0 : -1);
}

/* Closes from our side; conn_gone() follows from the lws callbacks. */
static void conn_close(struct sconn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	loop_timer_cancel(&c->ping);
	if (c->wsi) {
		/* a close frame when the socket can take it; killed in 1 s anyway */
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 1);
		lws_callback_on_writable(c->wsi);
	}
}

/* Queues text as one client frame (RFC 6455 5.2: FIN, text, masked with a
 * fresh random key).  The frames queued in one loop pass leave in one
 * write: lws_write(LWS_WRITE_RAW) sends them as they are and keeps what the
 * socket does not take yet. */
static void conn_send(struct sconn *c, const char *text, size_t len)
{
	unsigned char hdr[14], *key, *p;
	size_t h = 0;

	if (c->closing || !c->wsi)
		return;
	if (c->mask_pos + 4 > sizeof(c->masks)) {
		if (lws_get_random(loop_lws(host_loop(c->s->host)), c->masks, sizeof(c->masks)) !=
		    sizeof(c->masks)) {
			log_warn("slack", "no random bytes to mask a frame; closing socket %u", c->id);
			conn_close(c);
			return;
		}
		c->mask_pos = 0;
	}
	key = c->masks + c->mask_pos;
	c->mask_pos += 4;
	hdr[h++] = 0x81;   /* FIN, text */
	if (len < 126) {
		hdr[h++] = (unsigned char)(0x80 | len);
	} else if (len < 65536) {
		hdr[h++] = 0x80 | 126;
		hdr[h++] = (unsigned char)(len >> 8);
		hdr[h++] = (unsigned char)len;
	} else {
		hdr[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			hdr[h++] = (unsigned char)((unsigned long long)len >> (8 * i));
	}
	memcpy(hdr + h, key, 4);
	h += 4;
	if (!c->wire.len) {
		buf_grow(&c->wire, LWS_PRE);
		c->wire.len = LWS_PRE;
	}
	buf_add(&c->wire, hdr, h);
	buf_grow(&c->wire, len);
	p = (unsigned char *)c->wire.data + c->wire.len;
	/* masked eight bytes at a time, then the tail */
	unsigned char key8[8];
	uint64_t k8, w;
	size_t i = 0;
	for (int j = 0; j < 8; j++)
		key8[j] = key[j & 3];
	memcpy(&k8, key8, 8);
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, text + i, 8);
		w ^= k8;
		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] = (unsigned char)text[i] ^ key[i & 3];
	c->wire.len += len;
	c->wire.data[c->wire.len] = '\0';
	lws_callback_on_writable(c->wsi);
}

static void conn_on_ping(void *arg)
{
	struct sconn *c = arg;
	long long quiet = loop_now_ms() - c->last_rx_ms;

	if (quiet >= (long long)c->s->ping_ms * SLACK_DEAD_PINGS) {
		log_warn("slack", "socket %u silent for %lld ms; reconnecting", c->id, quiet);
		conn_close(c);
		return;
	}
	if (c->established) {
		c->ping_due = true;
		lws_callback_on_writable(c->wsi);
	}
	loop_timer_start(&c->ping, c->s->ping_ms);
}

/* ---- envelopes ---- */

/* {"envelope_id":"...","payload":{"response_type":"...","text":"..."}}:
 * built by hand, it is the one frame written for every envelope; a payload
 * (a slash command's answer) says whether the channel sees it. */
static void conn_ack(struct sconn *c, const char *envelope_id, const char *answer,
		     const char *response_type)
{
	struct buf *b = &c->s->scratch;

	buf_reset(b);
	buf_adds(b, "{\"envelope_id\":");
	buf_add_json_string(b, envelope_id);
	if (answer) {
		buf_adds(b, ",\"payload\":{\"response_type\":");
		buf_add_json_string(b, response_type);
		buf_adds(b, ",\"text\":");
		buf_add_json_string(b, answer);
		buf_addc(b, '}');
	}
	buf_addc(b, '}');
	conn_send(c, b->data, b->len);
}

/* Runs len bytes of text (as Slack sent it: escaped) from user in channel
 * through the host; true with the answer in s->answer, false when there is
 * nothing to say (not for the bot, or event_id seen before). */
static bool slack_run(struct slack *s, const char *text, size_t len, const char *user,
		      const char *channel, const char *event_id)
{
	struct inbound in = { .user = user, .place = channel, .event_id = event_id };

	buf_reset(&s->plain);
	slack_unescape(text, len, &s->plain);
	in.text = buf_str(&s->plain);
	in.len = s->plain.len;
	return host_inbound(s->host, &adapter_slack, &in, &s->answer);
}

/* A string member of object obj of the frame being handled, unescaped
 * into s->strs (reserved for the whole frame: pointers stay valid until
 * the next frame), or NULL. */
static const char *frame_str(struct slack *s, int obj, const char *key)
{
	long off = jsontok_str(&s->doc, jsontok_get(&s->doc, obj, key), &s->strs);

	return off < 0 ? NULL : s->strs.data + off;
}

static void slack_slash(struct sconn *c, const char *envelope_id, int env)
{
	struct slack *s = c->s;
	int p = jsontok_get(&s->doc, env, "payload");
	const char *text = frame_str(s, p, "text"), *user = frame_str(s, p, "user_id");
	const char *channel = frame_str(s, p, "channel_id"), *rurl = frame_str(s, p, "response_url");
	bool in_ack = jsontok_true(&s->doc, jsontok_get(&s->doc, env, "accepts_response_payload"));
	const char *answer = NULL, *type;

	if (!user) {
		conn_ack(c, envelope_id, NULL, NULL);
		log_warn("slack", "slash command without user_id ignored");
		return;
	}
	text = text ? text : "";
	if (slack_run(s, text, strlen(text), user, channel, NULL))
		answer = s->answer.text.data;
	/* an answer where it was asked; a refusal or an error to the asker only */
	type = s->answer.result == CMD_OK ? "in_channel" : "ephemeral";
	if (answer && in_ack) {
		conn_ack(c, envelope_id, answer, type);
	} else {
		conn_ack(c, envelope_id, NULL, NULL);
		if (answer && rurl)
			slack_post_response_url(s, rurl, answer, type);
	}
}

static void slack_event(struct slack *s, int payload)
{
	int ev = jsontok_get(&s->doc, payload, "event");
	const char *type = frame_str(s, ev, "type"), *event_id = frame_str(s, payload, "event_id");
	const char *user = frame_str(s, ev, "user"), *channel = frame_str(s, ev, "channel");
	const char *text = frame_str(s, ev, "text"), *ts = frame_str(s, ev, "ts");
	const char *thread_ts = frame_str(s, ev, "thread_ts"), *command;
	const char *channel_type = frame_str(s, ev, "channel_type");
	bool mention;
	size_t len;

	if (!type || !user || !channel || !text)
		return;
	mention = strcmp(type, "app_mention") == 0;
	if (!mention && !(strcmp(type, "message") == 0 && channel_type &&
			  strcmp(channel_type, "im") == 0))
		return;
	/* never answer a bot, ourselves, or an edit/join/other subtype */
	if (jsontok_get(&s->doc, ev, "bot_id") >= 0 || frame_str(s, ev, "subtype"))
		return;
	if (s->bot_user_id && strcmp(user, s->bot_user_id) == 0)
		return;
	command = slack_command(text, s->bot_user_id, &len);
	if (!slack_run(s, command, len, user, channel, event_id))
		return;
	if (!mention) {
		slack_post(s, channel, s->answer.text.data, NULL);     /* a DM */
		return;
	}
	/* in a channel: the answer in the mention's thread for all to see; a
	 * refusal or an error there for the asker only */
	if (s->answer.result == CMD_OK)
		slack_post(s, channel, s->answer.text.data, thread_ts ? thread_ts : ts);
	else
		slack_post_ephemeral(s, channel, user, s->answer.text.data, thread_ts);
}

static void conn_hello(struct sconn *c)
{
	struct slack *s = c->s;

	c->hello = true;
	c->hello_ms = loop_now_ms();
	log_info("slack", "connected");
	/* the replacement is up: retire the sockets it replaces */
	for (struct sconn *o = s->conns; o; o = o->next)
		if (o != c && o->retiring)
			conn_close(o);
}

static void conn_disconnect(struct sconn *c, const char *reason)
{
	struct slack *s = c->s;

	reason = reason ? reason : "";
	if (strcmp(reason, "link_disabled") == 0) {
		slack_fatal(s, "Slack disabled this app's Socket Mode link (link_disabled); "
			       "enable Socket Mode for the app");
		return;
	}
	if (strcmp(reason, "too_many_websockets") == 0) {
		log_warn("slack", "too many websockets open for this app; backing off");
		c->slow_reconnect = true;
		conn_close(c);
		return;
	}
	/* warning, refresh_requested, or a reason we do not know yet: open the
	 * replacement first, keep reading here until it says hello */
	log_info("slack", "disconnect requested (%s); opening a new socket first", reason);
	if (!c->retiring) {
		c->retiring = true;
		slack_open(s);
	}
}

/* Tokenizes one frame into s->doc (growing the token array as needed);
 * false when it is not JSON. */
static bool frame_parse(struct slack *s, const char *data, size_t len)
{
	int rc;

	while ((rc = jsontok_parse(&s->doc, data, len, s->tok, s->ntok)) == -2 &&
	       s->ntok < SLACK_MAX_TOKENS) {
		s->ntok = s->ntok ? s->ntok * 4 : 256;
		s->tok = xrealloc(s->tok, s->ntok * sizeof(*s->tok));
	}
	if (rc < 0)
		return false;
	buf_reset(&s->strs);
	buf_grow(&s->strs, len + 1);   /* every string of the frame fits: no move */
	return true;
}

static void conn_message(struct sconn *c, const char *data, size_t len, bool binary)
{
	struct slack *s = c->s;
	const char *type, *envelope_id;

	if (binary || !frame_parse(s, data, len) || s->doc.tok[0].type != JSONTOK_OBJECT) {
		log_warn("slack", "malformed frame ignored");
		return;
	}
	type = frame_str(s, 0, "type");
	envelope_id = frame_str(s, 0, "envelope_id");
	if (envelope_id) {
		if (type && strcmp(type, "slash_commands") == 0) {
			slack_slash(c, envelope_id, 0);
		} else {
			/* ack first: nothing below may delay it */
			conn_ack(c, envelope_id, NULL, NULL);
			if (type && strcmp(type, "events_api") == 0)
				slack_event(s, jsontok_get(&s->doc, 0, "payload"));
		}
	} else if (type && strcmp(type, "hello") == 0) {
		conn_hello(c);
	} else if (type && strcmp(type, "disconnect") == 0) {
		conn_disconnect(c, frame_str(s, 0, "reason"));
	} else {
		log_debug("slack", "frame of type %s ignored", type ? type : "(none)");
	}
}

static int conn_callback(struct lws *wsi, enum lws_callback_reasons reason, void *arg,
			 void *in, size_t len)
{
	struct sconn *c = arg;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		lws_set_opaque_user_data(wsi, NULL);   /* no further callbacks reach c */
		c->wsi = NULL;
		conn_gone(c, in ? (const char *)in : "connection failed");
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->established = true;
		c->last_rx_ms = loop_now_ms();
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		c->last_rx_ms = loop_now_ms();
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		c->last_rx_ms = loop_now_ms();
		if (!c->rx_skip) {
			if (c->rx.len + len > SLACK_MAX_MESSAGE) {
				log_warn("slack", "message over %u bytes skipped", SLACK_MAX_MESSAGE);
				c->rx_skip = true;
				buf_release(&c->rx);
			} else {
				buf_add(&c->rx, in, len);
			}
		}
		if (lws_is_final_fragment(wsi)) {
			if (!c->rx_skip)
				conn_message(c, buf_str(&c->rx), c->rx.len, lws_frame_is_binary(wsi));
			c->rx_skip = false;
			/* keep small buffers, drop big ones */
			if (c->rx.cap > 65536)
				buf_release(&c->rx);
			else
				buf_reset(&c->rx);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->closing) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			return -1;
		}
		if (c->ping_due) {
			unsigned char ping[LWS_PRE + 1];
			c->ping_due = false;
			if (lws_write(wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0)
				return -1;
		}
		if (c->wire.len > LWS_PRE) {
			int n = lws_write(wsi, (unsigned char *)c->wire.data + LWS_PRE,
					  c->wire.len - LWS_PRE, LWS_WRITE_RAW);
			/* keep a small buffer, drop a big one */
			if (c->wire.cap > 65536)
				buf_release(&c->wire);
			else
				buf_reset(&c->wire);
			if (n < 0)
				return -1;
		}
		if (c->ping_due)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		lws_set_opaque_user_data(wsi, NULL);
		c->wsi = NULL;
		conn_gone(c, "closed");
		return 0;
	default:
		return 0;
	}
}

/* Connects a new socket to url (ws:// or wss://). */
static void slack_connect(struct slack *s, const char *url)
{
	struct sconn *c = xcalloc(1, sizeof(*c));
	struct lws_client_connect_info info;
	const char *prot = NULL, *addr = NULL, *path = NULL;
	struct buf fullpath = BUF_INIT;
	int port = 0;

	c->s = s;
	c->id = ++s->next_id;
	c->handler.fn = conn_callback;
	c->handler.arg = c;
	c->url = xstrdup(url);
	c->last_rx_ms = loop_now_ms();
	c->mask_pos = SLACK_MASK_POOL;   /* drawn at the first frame */
	loop_timer_init(&c->ping, host_loop(s->host), conn_on_ping, c);
	c->next = s->conns;
	s->conns = c;

	if (lws_parse_uri(c->url, &prot, &addr, &port, &path) ||
	    (strcmp(prot, "wss") != 0 && strcmp(prot, "ws") != 0) || !*addr) {
		log_warn("slack", "apps.connections.open gave an unusable URL");
		conn_gone(c, "bad URL");
		return;
	}
	/* lws_parse_uri dropped the path's leading '/' */
	buf_addf(&fullpath, "/%s", path);
	memset(&info, 0, sizeof(info));
	info.context = loop_lws(host_loop(s->host));
	info.vhost = strcmp(prot, "wss") == 0 ? loop_tls_vhost(host_loop(s->host))
					      : loop_vhost(host_loop(s->host));
	if (!info.vhost) {
		conn_gone(c, "no TLS");
		buf_release(&fullpath);
		return;
	}
	info.address = addr;
	info.port = port;
	info.path = fullpath.data;
	info.host = addr;
	info.origin = addr;
	info.ssl_connection = strcmp(prot, "wss") == 0 ? LCCSCF_USE_SSL : 0;
	info.local_protocol_name = LOOP_PROTOCOL;
	info.opaque_user_data = &c->handler;
	info.pwsi = &c->wsi;
	loop_timer_start(&c->ping, s->ping_ms);
	log_info("slack", "connecting socket %u", c->id);
	if (!lws_client_connect_via_info(&info)) {
		/* lws may already have reported CONNECTION_ERROR (and freed c) */
		for (struct sconn *o = s->conns; o; o = o->next) {
			if (o == c) {
				c->wsi = NULL;
				conn_gone(c, "connect failed");
				break;
			}
		}
	}
	buf_release(&fullpath);
}

/* A start-up call (auth.test, apps.connections.open) failed: a fatal error
 * (bad token, ...) stops the adapter; anything else retries after backoff,
 * or after Retry-After on a 429.  detail is what the warning line says. */
static void start_call_failed(struct slack *s, const struct jsonapi_result *res, const char *method,
			      const char *detail)
{
	long long delay;

	if (res->outcome == JSONAPI_FATAL) {
		struct buf why = BUF_INIT;
		slack_fatal_line(method, res->error, &why);
		slack_fatal(s, why.data);
		buf_release(&why);
		return;
	}
	log_warn("slack", "%s failed: %s", method, detail);
	delay = reconnect_after(&s->rc, res->outcome == JSONAPI_RETRY_AFTER ? RECONNECT_RETRY_AFTER
					: RECONNECT_BACKOFF, res->retry_after_ms);
	slack_schedule(s, delay);
}

static void slack_open_done(void *arg, const struct jsonapi_result *res)
{
	struct api_call *call = arg;
	struct slack *s = call->s;
	const char *url = res->outcome == JSONAPI_OK ? json_str(res->json, "url") : NULL;

	free(call);
	s->opening = false;
	if (s->stopped || host_stopping(s->host))
		return;
	if (url) {
		slack_connect(s, url);
	} else {
		/* a socket being replaced keeps serving until a later attempt works */
		struct jsonapi_result r = *res;
		if (r.outcome == JSONAPI_OK) {
			r.outcome = JSONAPI_RETRY;
			r.error = "no url";
		}
		start_call_failed(s, &r, "apps.connections.open", r.error);
	}
}

/* apps.connections.open, then connect.  Only one call at a time. */
static void slack_open(struct slack *s)
{
	struct api_call *call;

	if (s->opening || s->stopped || host_stopping(s->host))
		return;
	loop_timer_cancel(&s->reconnect);
	loop_timer_cancel(&s->chan_timer);
	s->opening = true;
	call = xcalloc(1, sizeof(*call));
	slack_submit(s, "apps.connections.open", s->auth_app, "application/x-www-form-urlencoded",
		     NULL, 1, slack_open_done, call);
}

static void slack_auth_done(void *arg, const struct jsonapi_result *res)
{
	struct api_call *call = arg;
	struct slack *s = call->s;
	const char *user = res->outcome == JSONAPI_OK ? json_str(res->json, "user_id") : NULL;

	free(call);
	s->opening = false;
	if (s->stopped || host_stopping(s->host))
		return;
	if (user) {
		s->bot_user_id = xstrdup(user);
		slack_open(s);
		return;
	}
	struct jsonapi_result r = *res;
	if (r.outcome == JSONAPI_OK) {
		r.outcome = JSONAPI_RETRY;
		r.error = "malformed answer";
	}
	start_call_failed(s, &r, "auth.test", r.error);
}

static void slack_auth(struct slack *s)
{
	struct api_call *call = xcalloc(1, sizeof(*call));

	s->opening = true;
	slack_submit(s, "auth.test", s->auth_bot, "application/x-www-form-urlencoded", NULL, 1,
		     slack_auth_done, call);
}

static void slack_on_reconnect(void *arg)
{
	struct slack *s = arg;

	if (!s->bot_user_id)
		slack_auth(s);
	else
		slack_open(s);
}

/* ---- the adapter ---- */

static void slack_free(struct slack *s)
{
	struct api_call *held;

	while (s->conns)
		conn_free(s->conns);
	/* held announcements stay pending in the outbox for the next run */
	while ((held = slack_unhold(s)))
		api_call_free(held);
	host_answer_release(&s->answer);
	buf_release(&s->plain);
	buf_release(&s->strs);
	free(s->tok);
	buf_release(&s->scratch);
	free(s->api_url);
	free(s->auth_app);
	free(s->auth_bot);
	free(s->bot_user_id);
	free(s);
}

static int slack_start(struct adapter_host *host, const cJSON *section, void **state)
{
	const char *api = json_str(section, "api_url");
	const char *app = getenv("SLACK_APP_TOKEN"), *bot = getenv("SLACK_BOT_TOKEN");
	struct slack *s;
	struct buf b = BUF_INIT;

	if (!app || !*app || !bot || !*bot) {
		log_error("slack", "SLACK_APP_TOKEN and SLACK_BOT_TOKEN must both be set");
		return -1;
	}
	s = xcalloc(1, sizeof(*s));
	s->host = host;
	buf_adds(&b, api && *api ? api : SLACK_DEFAULT_API);
	if (b.data[b.len - 1] != '/')
		buf_addc(&b, '/');
	s->api_url = buf_detach(&b);
	buf_addf(&b, "Authorization: Bearer %s", app);
	s->auth_app = buf_detach(&b);
	buf_addf(&b, "Authorization: Bearer %s", bot);
	s->auth_bot = buf_detach(&b);
	s->ping_ms = env_ms("GOVBOT_SLACK_PING_MS", 5000);
	reconnect_init(&s->rc, env_ms("GOVBOT_SLACK_BACKOFF_MS", 1000), SLACK_BACKOFF_CAP_MS,
		       SLACK_STABLE_MS);
	s->chan_wait_base_ms = env_ms("GOVBOT_SLACK_CHANNEL_WAIT_MS", SLACK_CHANNEL_WAIT_MS);
	s->chan_wait_ms = s->chan_wait_base_ms;
	loop_timer_init(&s->chan_timer, host_loop(host), slack_channel_retry, s);
	host_answer_init(&s->answer);
	loop_timer_init(&s->reconnect, host_loop(host), slack_on_reconnect, s);
	slack_auth(s);
	*state = s;
	return 0;
}

static enum announce_status slack_announce(void *state, const struct announcement *a)
{
	struct slack *s = state;
	struct buf out = BUF_INIT;

	struct api_call *call;
	char *json;

	if (s->stopped || !a->target)
		return ANNOUNCE_FAILED;
	reply_render(a->message, DIALECT_SLACK, &out);
	call = xcalloc(1, sizeof(*call));
	call->key = xstrdup(a->key);
	call->channel = xstrdup(a->target);
	call->seq = ++s->announce_seq;
	json = slack_post_json(a->target, buf_str(&out), NULL, true, a->key);
	call->lookup = a->maybe_posted;
	call->json = xstrdup(json);
	cJSON_free(json);
	buf_release(&out);
	if (s->held) {
		slack_hold(s, call);   /* the channel refused posts: wait with the others */
		api_call_free(call);
	} else {
		slack_post_announcement(s, call);
	}
	return ANNOUNCE_PENDING;
}

/* Shutdown: no reconnect; every socket gets a Close frame. */
static bool slack_drain(void *state)
{
	struct slack *s = state;

	s->stopped = true;
	loop_timer_cancel(&s->reconnect);
	loop_timer_cancel(&s->chan_timer);
	for (struct sconn *c = s->conns; c; c = c->next)
		conn_close(c);
	return s->conns != NULL;
}

static void slack_stop(void *state)
{
	struct slack *s = state;

	s->stopped = true;
	loop_timer_cancel(&s->reconnect);
	loop_timer_cancel(&s->chan_timer);
	for (struct sconn *c = s->conns; c; c = c->next) {
		loop_timer_cancel(&c->ping);
		if (c->wsi) {
			lws_set_opaque_user_data(c->wsi, NULL);
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			c->wsi = NULL;
		}
	}
	slack_free(s);
}

/* Slack ids: letters and digits ("U0123", "W0ABC"). */
static bool slack_valid_id(const char *id)
{
	for (const char *p = id; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* A mention as Slack writes it into a message: <@U0123> or <@U0123|name>. */
static bool slack_mention_at(const char *text, const char *p, bool caller_here, struct config_mention *m)
{
	size_t i = 2;

	if (p[0] != '<' || p[1] != '@')
		return false;
	while ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9'))
		i++;
	const char *end = p[i] == '>' ? p + i : p[i] == '|' ? strchr(p + i, '>') : NULL;
	if (i == 2 || !end || i - 2 >= sizeof(m->id))
		return false;
	memcpy(m->id, p + 2, i - 2);
	m->id[i - 2] = '\0';
	m->from = p;
	m->len = (size_t)(end + 1 - p);
	return true;
}

const struct adapter adapter_slack = {
	.name = "slack",
	.dialect = DIALECT_SLACK,
	.secrets = slack_secrets,
	.keys = slack_keys,
	.announce_key = "announce_channel",
	.valid_id = slack_valid_id,
	.mention_at = slack_mention_at,
	.max_message = SLACK_MAX_TEXT,
	.start = slack_start,
	.announce = slack_announce,
	.drain = slack_drain,
	.stop = slack_stop,
};
