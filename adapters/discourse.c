/*
 * discourse.c - a Discourse forum: signed webhooks (or polling) in, replies
 * and announcement topics out, through the forum's REST API.
 *
 * In: a webhook POST at adapters.discourse.webhook_path on http.listen.
 * X-Discourse-Event-Signature ("sha256=" + hex HMAC-SHA256 of the exact raw
 * body, keyed with DISCOURSE_WEBHOOK_SECRET) is checked in constant time
 * before the body is parsed; missing or malformed: 401, wrong: 403,
 * not JSON: 400 (over the cap the router answers 413); each with one log
 * line and nothing done.  `ping` is answered; every other event is answered
 * 2xx at once and worked on afterwards, once per X-Discourse-Event-Id (the
 * seen-events table keeps it across restarts, committed before the reply
 * leaves): the posts accepted within DISCOURSE_BATCH_US are worked on
 * together, so that a burst of webhooks costs one commit, not one each.  With "mode": "poll" the
 * adapter instead reads GET /posts.json every few seconds, keeping the last
 * post id in the database (the first run skips the backlog).
 *
 * A post is a command when it is a new post (post_created, version 1, a
 * regular post, not a whisper) by a person (user_id > 0, not "system", not
 * the bot itself), outside private messages (unless "private_messages":
 * true), and its raw text, quotes and code aside, mentions @api_username
 * or has a line starting /gov.  The caller is discourse:USERNAME.
 *
 * Out: POST /posts.json with Api-Key / Api-Username; a reply carries
 * topic_id and reply_to_post_number.  An announcement is a topic in
 * announce_category_id whose external_id comes from the delivery key and
 * the title: it is looked up (GET /t/external_id/ID.json) before it is
 * posted, and 422 "External ID has already been taken" means it is there,
 * so a topic appears once even when a post's answer was lost to a crash.  A title the
 * forum refuses (too short, already used) is retried once, adjusted.
 * 429 / 5xx / network errors are retried by the HTTP client; 403 stops the
 * adapter with one line naming the key to fix.
 */
#include <ctype.h>
#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "chatbot/bot/config.h"
#include "chatbot/gov/store.h"
#include "chatbot/host/host.h"
#include "chatbot/net/httpd.h"
#include "chatbot/net/jsonapi.h"
#include "chatbot/util/log.h"
#include "chatbot/util/util.h"

#define DISCOURSE_MAX_POST 32000          /* max_post_length's default */
#define DISCOURSE_MAX_BODY (2u << 20)     /* a webhook body larger is refused: 413 */
#define DISCOURSE_ATTEMPTS 5
#define DISCOURSE_POLL_MS 5000
/* Accepted posts wait up to this long for others (or until this many are
 * waiting) and are then worked on together: one commit of their seen
 * events and one hand-over of their replies to the HTTP client, not one
 * each.  The 2xx never waits; a reply leaves at most this much later. */
#define DISCOURSE_BATCH_US 5000
#define DISCOURSE_BATCH_MAX 16            /* bounds the loop's time on one batch */
#define DISCOURSE_POLL_PAGES 5            /* pages read back per poll at most */
#define DISCOURSE_EXTERNAL_ID_MAX 50
#define DISCOURSE_WHISPER 4
#define DISCOURSE_REGULAR 1
#define KV_LAST_POST "discourse.last_post_id"

static const char *const discourse_secrets[] = { "DISCOURSE_API_KEY", "DISCOURSE_WEBHOOK_SECRET", NULL };
/* The webhook's secret is needed only when the forum calls the bot. */
static const char *const discourse_listen_secrets[] = { "DISCOURSE_WEBHOOK_SECRET", NULL };

static const struct config_key discourse_keys[] = {
	{ "base_url", CONFIG_URL, true, NULL },
	{ "api_username", CONFIG_STRING, true, NULL },
	{ "announce_category_id", CONFIG_POSINT, false, NULL },
	{ "webhook_path", CONFIG_HTTP_PATH, false, "/discourse/webhook" },
	{ "mode", CONFIG_CHOICE, false, "webhook|poll" },
	{ "private_messages", CONFIG_BOOL, false, NULL },
	{ NULL, CONFIG_STRING, false, NULL },
};

struct discourse {
	struct adapter_host *host;
	char *base_url;          /* without a trailing '/' */
	char *api_username;
	char *webhook_path;
	bool poll;
	bool private_messages;
	char *secret;            /* DISCOURSE_WEBHOOK_SECRET */
	EVP_MAC *mac_alg;        /* HMAC, fetched once */
	EVP_MAC_CTX *mac;        /* HMAC-SHA256 keyed with secret, re-initialised per webhook */
	char *hdr_key;           /* "Api-Key: ..." */
	char *hdr_user;          /* "Api-Username: ..." */
	bool stopped;
	struct host_answer answer;
	struct buf reply_json;   /* the reply being posted (copied at submit) */
	struct loop_timer poll_timer;
	long poll_ms;
	bool poll_busy;
	long long last_id;       /* poll: the newest post seen; -1 before the first poll */
	bool routed;             /* the webhook route is registered */
	struct job *jobs, *jobs_tail;  /* webhook posts accepted, not yet worked on */
	size_t njobs;
	long batch_us;           /* GOVBOT_DISCOURSE_BATCH_US, DISCOURSE_BATCH_US by default */
	/* the batch's deadline: a timerfd watched by the loop (its wake is
	 * exact, where a sub-millisecond loop timer would be polled for) */
	int batch_fd;
	struct lws *batch_wsi;   /* NULL: none, posts are worked on after each answer */
	struct loop_handler batch_handler;
	bool batch_armed;
};

/* ---- signatures --------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

enum sig_check { SIG_OK, SIG_MISSING, SIG_MALFORMED, SIG_WRONG };

/* Checks header ("sha256=" + 64 hex digits, either case) against
 * HMAC-SHA256(secret, body[0..len)), comparing in constant time.  mac, when
 * not NULL, is an HMAC-SHA256 context already keyed with secret (reused:
 * no algorithm fetch or key set-up per webhook). */
static enum sig_check discourse_check_signature(EVP_MAC_CTX *mac, const char *secret,
						const char *body, size_t len, const char *header)
{
	unsigned char want[32], got[EVP_MAX_MD_SIZE];
	unsigned int got_len = 0;

	if (!header || !*header)
		return SIG_MISSING;
	if (strncmp(header, "sha256=", 7) != 0 || strlen(header + 7) != 64)
		return SIG_MALFORMED;
	for (size_t i = 0; i < 32; i++) {
		int hi = hexval(header[7 + 2 * i]), lo = hexval(header[8 + 2 * i]);
		if (hi < 0 || lo < 0)
			return SIG_MALFORMED;
		want[i] = (unsigned char)(hi << 4 | lo);
	}
	if (mac) {
		size_t n = 0;
		if (!EVP_MAC_init(mac, NULL, 0, NULL) ||
		    !EVP_MAC_update(mac, (const unsigned char *)body, len) ||
		    !EVP_MAC_final(mac, got, &n, sizeof(got)) || n != 32)
			return SIG_WRONG;
		got_len = (unsigned int)n;
	} else if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len,
			 got, &got_len) || got_len != 32) {
		return SIG_WRONG;
	}
	return CRYPTO_memcmp(want, got, 32) == 0 ? SIG_OK : SIG_WRONG;
}

/* An HMAC-SHA256 context keyed with secret into d (left NULL when OpenSSL
 * cannot make one: the one-shot HMAC() is used then). */
static void discourse_mac_setup(struct discourse *d)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};

	d->mac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	d->mac = d->mac_alg ? EVP_MAC_CTX_new(d->mac_alg) : NULL;
	if (d->mac && !EVP_MAC_init(d->mac, (const unsigned char *)d->secret, strlen(d->secret), params)) {
		EVP_MAC_CTX_free(d->mac);
		d->mac = NULL;
	}
}

/* ---- which posts are commands ------------------------------------------- */

static const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long long json_int(const cJSON *obj, const char *key, long long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

/* Why a post (as the webhook or /posts.json carries it) is not for the bot,
 * or NULL when it may be: only new regular posts by people, not the bot's
 * own, and private messages only when allowed.  event is the webhook's
 * X-Discourse-Event, or NULL when polling. */
static const char *discourse_skip_reason(const cJSON *post, const char *event,
					 const char *api_username, bool private_messages)
{
	const char *user = json_str(post, "username"), *arche = json_str(post, "topic_archetype");

	if (event && strcmp(event, "post_created") != 0)
		return "not a new post";
	if (!cJSON_IsObject(post) || !json_str(post, "raw") || !user || json_int(post, "id", 0) <= 0 ||
	    json_int(post, "topic_id", 0) <= 0)
		return "no post";
	if (json_int(post, "version", 1) > 1)
		return "an edit";
	if (json_int(post, "post_type", DISCOURSE_REGULAR) == DISCOURSE_WHISPER)
		return "a whisper";
	if (json_int(post, "post_type", DISCOURSE_REGULAR) != DISCOURSE_REGULAR)
		return "not a regular post";
	if (str_ieq(user, api_username))
		return "the bot's own post";
	if (json_int(post, "user_id", 1) <= 0 || str_ieq(user, "system"))
		return "by the system or a bot";
	if (arche && strcmp(arche, "private_message") == 0 && !private_messages)
		return "a private message";
	return NULL;
}

/* A byte of a Discourse username: ASCII letters, digits, _ - . and (where
 * the site allows Unicode usernames) any byte of a multi-byte character. */
static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || c == '.' || ((unsigned char)c & 0x80);
}

/* True when line[0..n) is a fence line (``` or ~~~, after up to 3 spaces). */
static bool is_fence(const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && i < 3 && line[i] == ' ')
		i++;
	return n - i >= 3 && (memcmp(line + i, "```", 3) == 0 || memcmp(line + i, "~~~", 3) == 0);
}

/* The raw text with what is someone else's words taken out: [quote] blocks,
 * "> " quote lines and fenced code (a mention there asks nothing).  Caller
 * frees. */
static char *discourse_strip_quoted(const char *raw)
{
	struct buf out = BUF_INIT;
	int depth = 0;
	bool fenced = false;

	for (const char *line = raw; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *p = str_skip_space(line), *end = line + n;

		if (is_fence(line, n)) {
			fenced = !fenced;
		} else if (!fenced && !(*p == '>' && p < end)) {
			/* [quote ...] opens, [/quote] closes; text between is dropped */
			for (const char *q = line; q < end;) {
				if (end - q >= 7 && str_ieqn(q, "[quote", 6) &&
				    (q[6] == ']' || q[6] == '=' || q[6] == ' ')) {
					const char *close = memchr(q, ']', (size_t)(end - q));
					depth++;
					q = close ? close + 1 : end;
				} else if (end - q >= 8 && str_ieqn(q, "[/quote]", 8)) {
					depth -= depth > 0;
					q += 8;
				} else {
					if (!depth)
						buf_addc(&out, *q);
					q++;
				}
			}
			buf_addc(&out, '\n');
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	buf_addc(&out, '\0');
	return buf_detach(&out);
}

/* The command a post asks: the rest of the post after the first line that
 * starts with /gov, or after the first @name mention (or, when nothing
 * follows the mention, the words before it on its line).  NULL when the post
 * does not address the bot.  Caller frees. */
static char *discourse_command_text(const char *raw, const char *name)
{
	char *text = discourse_strip_quoted(raw);
	size_t nlen = strlen(name);
	char *found = NULL;

	for (char *line = text; *line && !found;) {
		char *nl = strchr(line, '\n');
		const char *p = str_skip_space(line);
		if (strncmp(p, "/gov", 4) == 0 && (p[4] == '\0' || p[4] == ' ' || p[4] == '\t' ||
						   p[4] == '\n' || p[4] == ':' || p[4] == ',')) {
			p += 4;
			if (*p == ':' || *p == ',')
				p++;
			found = xstrdup(p);
			break;
		}
		line = nl ? nl + 1 : line + strlen(line);
	}
	for (char *at = text; !found && (at = strchr(at, '@')) != NULL; at++) {
		char after;
		if (at > text && (is_name_char(at[-1]) || at[-1] == '@' || at[-1] == '+'))
			continue;
		if (!str_ieqn(at + 1, name, nlen))
			continue;
		after = at[1 + nlen];
		/* "@govbot." ends a sentence; "@govbot.x" is another name */
		if (after == '.' && is_name_char(at[2 + nlen]))
			continue;
		if (after != '.' && is_name_char(after))
			continue;
		const char *rest = at + 1 + nlen;
		while (*rest == ':' || *rest == ',' ||
		       ((*rest == '.' || *rest == '!') && (!rest[1] || rest[1] == ' ' || rest[1] == '\n')))
			rest++;
		rest = str_skip_space(rest);
		if (*rest && *rest != '\n') {
			found = xstrdup(rest);
		} else {
			/* "who maintains torch.nn @govbot": the words before it */
			char *start = at;
			while (start > text && start[-1] != '\n')
				start--;
			found = xstrndup(start, (size_t)(at - start));
		}
	}
	free(text);
	if (found) {
		char *trimmed = str_trim_dup(found, strlen(found));
		free(found);
		found = trimmed;
	}
	return found;
}

/* ---- announcements: external ids and titles ----------------------------- */

/* The topic's external_id for a delivery key and its title: "govbot-", the
 * key with every character Discourse refuses made '-', '-' and 8 hex digits
 * of the title's SHA-256 (so that a database started afresh, whose outbox
 * counts from 1 again, does not take an old topic for its own); or, when
 * that would pass 50 characters, "govbot-" and 40 hex digits of the SHA-256
 * of key and title.  Stable across retries and restarts.  Writes to out. */
static void discourse_external_id(const char *key, const char *title, char *out, size_t outlen)
{
	static const char pre[] = "govbot-";
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool whole = strlen(pre) + strlen(key) + 9 > DISCOURSE_EXTERNAL_ID_MAX;
	size_t n;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	if (whole) {
		EVP_DigestUpdate(ctx, key, strlen(key));
		EVP_DigestUpdate(ctx, "\n", 1);
	}
	EVP_DigestUpdate(ctx, title, strlen(title));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	n = (size_t)snprintf(out, outlen, "%s", pre);
	for (const char *k = key; !whole && *k && n + 1 < outlen; k++) {
		char c = *k;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '-';
		out[n++] = ok ? c : '-';
	}
	if (!whole && n + 1 < outlen)
		out[n++] = '-';
	for (unsigned i = 0; i < (whole ? 20u : 4u) && n + 2 < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%02x", md[i]);
	out[n] = '\0';
}

/* True when one of the 422 errors says the title was refused for a reason
 * a different title fixes (too short, already used, too similar). */
static bool discourse_title_refused(const cJSON *errors)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, errors) {
		if (cJSON_IsString(e) && str_istarts(e->valuestring, "Title") &&
		    (strstr(e->valuestring, "short") || strstr(e->valuestring, "already") ||
		     strstr(e->valuestring, "similar")))
			return true;
	}
	return false;
}

static bool discourse_errors_say(const cJSON *errors, const char *what)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, errors)
		if (cJSON_IsString(e) && strstr(e->valuestring, what))
			return true;
	return false;
}

/* A title adjusted after a refusal: longer and distinct. */
static char *discourse_retitle(const char *title, const char *key)
{
	struct buf b = BUF_INIT;
	long long id = 0;

	if (sscanf(key, "outbox:%lld:", &id) == 1)
		buf_addf(&b, "%s (govbot announcement %lld)", title, id);
	else
		buf_addf(&b, "%s (govbot announcement %s)", title, key);
	return buf_detach(&b);
}

/* ---- calls to the forum -------------------------------------------------- */

struct call {
	struct discourse *d;
	long long topic_id;      /* reply: where */
	char *key;               /* announcement: the delivery key */
	char *title, *raw;       /* announcement: the topic */
	char *category;          /* announcement: its category id */
	char ext[64];            /* announcement: its external_id */
	bool retitled;           /* announcement: the title was adjusted once */
	cJSON *posts;            /* poll: new posts gathered so far (an array) */
	int pages;               /* poll: pages read */
};

static void call_free(struct call *c)
{
	if (!c)
		return;
	free(c->key);
	free(c->title);
	free(c->raw);
	free(c->category);
	cJSON_Delete(c->posts);
	free(c);
}

extern const struct adapter adapter_discourse;

static void discourse_route_remove(struct discourse *d);

/* What discourse_classify() names a refused key: a 401, or the 403 that
 * Discourse gives a wrong key or username (error_type invalid_access,
 * naming the key), as opposed to a topic the bot may not post in. */
static const char discourse_bad_key[] = "the API key or username is invalid";

/* Discourse's error parser (jsonapi_classify_fn): a redirect is an answer
 * (GET /t/external_id/ID.json points to the topic); a refused key is
 * discourse_bad_key; any other failure says Discourse's own "errors". */
static void discourse_classify(struct jsonapi_result *res, char *err, size_t errlen)
{
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(res->json, "errors"), *e;
	size_t n = 0;

	if (res->status >= 300 && res->status < 400) {
		res->outcome = JSONAPI_OK;
		res->error = NULL;
		return;
	}
	if (res->status == 401 ||
	    (res->status == 403 && strstr(res->http->body, "API username or key is invalid"))) {
		res->outcome = JSONAPI_FATAL;
		res->error = discourse_bad_key;
		return;
	}
	if (res->outcome == JSONAPI_OK)
		return;
	cJSON_ArrayForEach(e, errors) {
		if (!cJSON_IsString(e) || n + 3 >= errlen)
			continue;
		int k = snprintf(err + n, errlen - n, "%s%s", n ? "; " : "", e->valuestring);
		n = k < 0 ? n : (size_t)k >= errlen - n ? errlen - 1 : n + (size_t)k;
	}
	if (n)
		res->error = err;
}

/* The forum refused the API key: one clear line, then the adapter stops. */
static void discourse_fatal(struct discourse *d, const struct jsonapi_result *res)
{
	if (d->stopped)
		return;
	log_error("discourse", "the forum refused the API key (HTTP %ld: %s); set DISCOURSE_API_KEY to a key "
		  "for user %s with the write and read scopes; the adapter stops", res->status,
		  res->error, d->api_username);
	d->stopped = true;
	loop_timer_cancel(&d->poll_timer);
	discourse_route_remove(d);   /* the forum keeps what it cannot deliver */
	host_adapter_ended(d->host, &adapter_discourse, true);
}

/* A 429's delay from its body when Retry-After is absent: Discourse's
 * {"error_type": "rate_limit", "extras": {"wait_seconds": N}}; -1 when the
 * body names none (plain text, say).  http.c's hook, on the loop thread. */
static long discourse_retry_delay_ms(const char *body, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "extras"),
							 "wait_seconds");
	long ms = -1;

	if (cJSON_IsNumber(w) && w->valuedouble >= 0)
		ms = w->valuedouble > 3600 ? 3600000L : (long)(w->valuedouble * 1000);
	cJSON_Delete(j);
	return ms;
}

static void discourse_submit(struct discourse *d, const char *method, const char *path, const char *json,
			     jsonapi_done_fn *done, struct call *c)
{
	struct buf url = BUF_INIT;
	/* "Expect:" (empty) stops curl from waiting for a 100 Continue on a
	 * long reply */
	const char *hdrs[] = { d->hdr_key, d->hdr_user, "Accept: application/json",
			       "Content-Type: application/json; charset=utf-8", "Expect:", NULL };
	struct http_request rq;

	buf_addf(&url, "%s%s", d->base_url, path);
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.url = buf_str(&url);
	rq.headers = hdrs;
	rq.body = json;
	rq.body_len = json ? strlen(json) : 0;
	rq.rate_key = "discourse";
	rq.max_attempts = DISCOURSE_ATTEMPTS;
	rq.retry_delay_ms = discourse_retry_delay_ms;
	c->d = d;
	jsonapi_call(host_http(d->host), &rq, discourse_classify, done, c);
	buf_release(&url);
}

/* ---- replies -------------------------------------------------------------- */

static void discourse_reply_done(void *arg, const struct jsonapi_result *res)
{
	struct call *c = arg;

	if (res->outcome == JSONAPI_OK)
		log_debug("discourse", "replied in topic %lld", c->topic_id);
	else if (res->error == discourse_bad_key)
		discourse_fatal(c->d, res);
	else
		log_warn("discourse", "the reply in topic %lld was not posted (%s)", c->topic_id, res->error);
	call_free(c);
}

static void discourse_reply(struct discourse *d, long long topic_id, long long post_number, const char *raw)
{
	struct call *c = xcalloc(1, sizeof(*c));

	/* written straight into a reused buffer (no JSON tree per reply) */
	buf_reset(&d->reply_json);
	buf_addf(&d->reply_json, "{\"topic_id\":%lld,\"raw\":", topic_id);
	buf_add_json_string(&d->reply_json, raw);
	if (post_number > 0)
		buf_addf(&d->reply_json, ",\"reply_to_post_number\":%lld", post_number);
	buf_addc(&d->reply_json, '}');
	c->topic_id = topic_id;
	discourse_submit(d, "POST", "/posts.json", buf_str(&d->reply_json), discourse_reply_done, c);
}

/* A Discourse username: letters (Unicode ones too, where the site allows
 * them), digits, _ . -; at most 60 bytes. */
static bool discourse_valid_id(const char *u)
{
	if (!u || !*u || strlen(u) > 60)
		return false;
	for (; *u; u++)
		if (!is_name_char(*u))
			return false;
	return true;
}

/* One post from the forum: answered in its topic when it is a command for
 * the bot.  event is the webhook's X-Discourse-Event (NULL when polled);
 * event_id what makes it once ("event:ID" or "post:ID"). */
static void discourse_handle_post(struct discourse *d, const cJSON *post, const char *event,
				  const char *event_id)
{
	const char *why = discourse_skip_reason(post, event, d->api_username, d->private_messages);
	const char *user = json_str(post, "username");
	char *text, place[32];
	long long topic = json_int(post, "topic_id", 0);

	if (why) {
		log_debug("discourse", "post %lld skipped: %s", json_int(post, "id", 0), why);
		return;
	}
	if (!discourse_valid_id(user))
		return;
	text = discourse_command_text(json_str(post, "raw"), d->api_username);
	if (!text)
		return;
	snprintf(place, sizeof(place), "%lld", topic);
	struct inbound in = {
		.user = user, .place = place, .text = text, .len = strlen(text),
		.event_id = event_id, .require_prefix = false,
	};
	if (host_inbound(d->host, &adapter_discourse, &in, &d->answer))
		discourse_reply(d, topic, json_int(post, "post_number", 0), buf_str(&d->answer.text));
	free(text);
}

/* ---- announcements ------------------------------------------------------- */

static void discourse_announce_end(struct call *c, bool ok)
{
	host_announce_done(c->d->host, c->key, ok);
	call_free(c);
}

static void discourse_post_topic(struct call *c);

static void discourse_topic_done(void *arg, const struct jsonapi_result *res)
{
	struct call *c = arg;
	struct discourse *d = c->d;
	const cJSON *errors = cJSON_GetObjectItemCaseSensitive(res->json, "errors");
	bool ok = false, again = false;

	if (res->outcome == JSONAPI_OK) {
		log_info("discourse", "announcement topic %lld posted (%s)", json_int(res->json, "topic_id", 0),
			 c->ext);
		ok = true;
	} else if (res->status == 422 && discourse_errors_say(errors, "External ID has already been taken")) {
		log_info("discourse", "announcement %s was already posted", c->ext);
		ok = true;
	} else if (res->error == discourse_bad_key) {
		discourse_fatal(d, res);
	} else {
		log_warn("discourse", "announcement %s not posted (HTTP %ld: %s)", c->ext, res->status,
			 res->error);
		if (res->status == 422 && !c->retitled && discourse_title_refused(errors)) {
			char *t = discourse_retitle(c->title, c->key);
			log_info("discourse", "retrying announcement %s once with the title \"%s\"", c->ext, t);
			free(c->title);
			c->title = t;
			c->retitled = true;
			again = !d->stopped && !host_stopping(d->host);
		}
	}
	if (again)
		discourse_post_topic(c);
	else
		discourse_announce_end(c, ok);
}

static void discourse_post_topic(struct call *c)
{
	cJSON *j = cJSON_CreateObject();
	char *json;

	cJSON_AddStringToObject(j, "title", c->title);
	cJSON_AddStringToObject(j, "raw", c->raw);
	cJSON_AddNumberToObject(j, "category", (double)strtoll(c->category, NULL, 10));
	cJSON_AddStringToObject(j, "external_id", c->ext);
	json = cJSON_PrintUnformatted(j);
	discourse_submit(c->d, "POST", "/posts.json", json, discourse_topic_done, c);
	cJSON_free(json);
	cJSON_Delete(j);
}

/* GET /t/external_id/ID.json: a redirect (or the topic) means it is there. */
static void discourse_lookup_done(void *arg, const struct jsonapi_result *res)
{
	struct call *c = arg;
	struct discourse *d = c->d;

	if (res->outcome == JSONAPI_OK) {
		log_info("discourse", "announcement %s is already on the forum", c->ext);
		discourse_announce_end(c, true);
	} else if (res->status == 404 && !d->stopped && !host_stopping(d->host)) {
		discourse_post_topic(c);
	} else {
		if (res->error == discourse_bad_key)
			discourse_fatal(d, res);
		log_warn("discourse", "could not look announcement %s up (%s); it will be retried", c->ext,
			 res->error);
		discourse_announce_end(c, false);
	}
}

/* Starts delivering one announcement: look it up, post it when absent. */
static void discourse_announce_topic(struct discourse *d, const char *key, const char *category,
				     const char *title, const struct reply *body)
{
	struct call *c = xcalloc(1, sizeof(*c));
	struct buf raw = BUF_INIT, path = BUF_INIT;

	c->d = d;
	c->key = xstrdup(key);
	c->title = xstrdup(title && *title ? title : "govbot announcement");
	c->category = xstrdup(category);
	reply_render(body, DIALECT_DISCOURSE, &raw);
	reply_limit(&raw, DISCOURSE_MAX_POST, DIALECT_DISCOURSE);
	c->raw = buf_detach(&raw);
	discourse_external_id(key, c->title, c->ext, sizeof(c->ext));
	buf_addf(&path, "/t/external_id/%s.json", c->ext);
	discourse_submit(d, "GET", buf_str(&path), NULL, discourse_lookup_done, c);
	buf_release(&path);
}

/* ---- polling ---------------------------------------------------------------- */

static void discourse_poll_request(struct discourse *d, struct call *c, long long before);

static void discourse_poll_next(struct discourse *d)
{
	d->poll_busy = false;
	if (!d->stopped && !host_stopping(d->host))
		loop_timer_start(&d->poll_timer, d->poll_ms);
}

static int by_id(const void *a, const void *b)
{
	long long x = json_int(*(cJSON *const *)a, "id", 0), y = json_int(*(cJSON *const *)b, "id", 0);
	return x < y ? -1 : x > y;
}

static void discourse_save_last(struct discourse *d)
{
	struct store *st = host_bot(d->host)->store;
	char v[32];

	snprintf(v, sizeof(v), "%lld", d->last_id);
	if (st && store_kv_set(st, KV_LAST_POST, v) != 0)
		log_warn("discourse", "could not save the last post read (%lld)", d->last_id);
}

/* Answers the gathered new posts, oldest first, and remembers the newest. */
static void discourse_poll_finish(struct discourse *d, struct call *c)
{
	size_t n = (size_t)cJSON_GetArraySize(c->posts), i = 0;
	cJSON **v = xcalloc(n ? n : 1, sizeof(*v));
	cJSON *p;
	long long newest = d->last_id;

	cJSON_ArrayForEach(p, c->posts)
		v[i++] = p;
	qsort(v, n, sizeof(*v), by_id);
	for (i = 0; i < n && !d->stopped; i++) {
		long long id = json_int(v[i], "id", 0);
		if (id <= d->last_id)
			continue;
		char seen[40];
		snprintf(seen, sizeof(seen), "post:%lld", id);
		discourse_handle_post(d, v[i], NULL, seen);
		if (id > newest)
			newest = id;
		d->last_id = newest;
		discourse_save_last(d);
	}
	free(v);
}

static void discourse_poll_done(void *arg, const struct jsonapi_result *res)
{
	struct call *c = arg;
	struct discourse *d = c->d;
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(res->json, "latest_posts"), *p;
	long long oldest = 0, newest = 0;
	size_t count = 0;

	if (res->outcome != JSONAPI_OK || !cJSON_IsArray(list)) {
		if (res->error == discourse_bad_key)
			discourse_fatal(d, res);
		else if (!res->error || strcmp(res->error, "cancelled") != 0)
			log_warn("discourse", "reading the latest posts failed (%s); trying again",
				 res->error ? res->error : "no latest_posts in the answer");
		call_free(c);
		discourse_poll_next(d);
		return;
	}
	cJSON_ArrayForEach(p, list) {
		long long id = json_int(p, "id", 0);
		count++;
		if (id > newest)
			newest = id;
		if (!oldest || id < oldest)
			oldest = id;
		if (d->last_id >= 0 && id > d->last_id)
			cJSON_AddItemToArray(c->posts, cJSON_Duplicate(p, true));
	}
	if (d->last_id < 0) {
		/* first run: what is there is backlog, not questions for us */
		d->last_id = newest;
		discourse_save_last(d);
		log_info("discourse", "polling %s/posts.json; earlier posts (up to %lld) are not answered",
			 d->base_url, newest);
		call_free(c);
		discourse_poll_next(d);
		return;
	}
	/* a full page that does not reach back to the last post read: page back */
	if (count > 0 && oldest > d->last_id + 1 && c->pages < DISCOURSE_POLL_PAGES &&
	    !d->stopped && !host_stopping(d->host)) {
		discourse_poll_request(d, c, oldest);
		return;
	}
	discourse_poll_finish(d, c);
	call_free(c);
	discourse_poll_next(d);
}

static void discourse_poll_request(struct discourse *d, struct call *c, long long before)
{
	char path[64];

	if (before > 0)
		snprintf(path, sizeof(path), "/posts.json?before=%lld", before);
	else
		snprintf(path, sizeof(path), "/posts.json");
	c->pages++;
	discourse_submit(d, "GET", path, NULL, discourse_poll_done, c);
}

static void discourse_on_poll(void *arg)
{
	struct discourse *d = arg;
	struct call *c;

	if (d->stopped || d->poll_busy || host_stopping(d->host))
		return;
	d->poll_busy = true;
	c = xcalloc(1, sizeof(*c));
	c->posts = cJSON_CreateArray();
	discourse_poll_request(d, c, 0);
}

/* ---- the webhook ------------------------------------------------------------ */

/* A post accepted by the webhook, worked on right after the answer (in the
 * same loop pass: httpd's after hook). */
struct job {
	struct job *next;
	cJSON *post;             /* owned */
	char *event;
	char *event_id;          /* "event:ID", or NULL */
};

static void job_free(struct job *j)
{
	cJSON_Delete(j->post);
	free(j->event);
	free(j->event_id);
	free(j);
}

static void discourse_on_work(void *arg)
{
	struct discourse *d = arg;
	struct job *j;

	while ((j = d->jobs) != NULL && !d->stopped) {
		d->jobs = j->next;
		if (!d->jobs)
			d->jobs_tail = NULL;
		d->njobs--;
		discourse_handle_post(d, j->post, j->event, j->event_id);
		job_free(j);
	}
}

/* Checks and accepts one webhook request: the signature over the exact
 * bytes first, then the JSON; the post is queued to be worked on after the
 * answer (discourse_on_work, which the caller arranges).  Returns the HTTP
 * status and sets *answer (static text). */
static int discourse_webhook(struct discourse *d, const char *event, const char *event_id,
			     const char *signature, const char *body, size_t len, const char **answer)
{
	cJSON *j, *post;
	char seen[96];

	if (len > DISCOURSE_MAX_BODY) {
		log_warn("discourse", "webhook refused: a body of %zu bytes is over the %u byte cap", len,
			 DISCOURSE_MAX_BODY);
		*answer = "payload too large\n";
		return 413;
	}
	switch (discourse_check_signature(d->mac, d->secret, body, len, signature)) {
	case SIG_OK:
		break;
	case SIG_MISSING:
		log_warn("discourse", "webhook refused: no X-Discourse-Event-Signature (set the webhook's secret)");
		*answer = "signature required\n";
		return 401;
	case SIG_MALFORMED:
		log_warn("discourse", "webhook refused: X-Discourse-Event-Signature is not sha256=<64 hex digits>");
		*answer = "malformed signature\n";
		return 401;
	case SIG_WRONG:
		log_warn("discourse", "webhook refused: the signature does not match DISCOURSE_WEBHOOK_SECRET");
		*answer = "bad signature\n";
		return 403;
	}
	j = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		log_warn("discourse", "webhook refused: the body is not a JSON object");
		cJSON_Delete(j);
		*answer = "not JSON\n";
		return 400;
	}
	if (cJSON_GetObjectItemCaseSensitive(j, "ping") || (event && strcmp(event, "ping") == 0)) {
		log_info("discourse", "webhook ping answered");
		cJSON_Delete(j);
		*answer = "pong\n";
		return 200;
	}
	*answer = "ok\n";
	post = cJSON_DetachItemFromObjectCaseSensitive(j, "post");
	cJSON_Delete(j);
	if (!cJSON_IsObject(post) || d->stopped) {
		cJSON_Delete(post);
		return 200;   /* topics, users, ...: not subscribed to, nothing to do */
	}
	struct job *w = xcalloc(1, sizeof(*w));
	w->post = post;
	w->event = xstrdup(event ? event : "");
	if (event_id && *event_id) {
		snprintf(seen, sizeof(seen), "event:%.80s", event_id);
		w->event_id = xstrdup(seen);
	}
	if (d->jobs_tail)
		d->jobs_tail->next = w;
	else
		d->jobs = w;
	d->jobs_tail = w;
	d->njobs++;
	return 200;
}

/* ---- batches ------------------------------------------------------------------ */

static void discourse_batch_set(struct discourse *d, long us)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = us / 1000000;
	its.it_value.tv_nsec = (us % 1000000) * 1000;
	if (timerfd_settime(d->batch_fd, 0, &its, NULL) == 0)
		d->batch_armed = us > 0;
}

/* The first post of a batch starts its clock; false when it cannot (the
 * caller then works on the posts right after the answer). */
static bool discourse_batch_arm(struct discourse *d)
{
	if (!d->batch_armed)
		discourse_batch_set(d, d->batch_us);
	return d->batch_armed;
}

/* The batch's time is up: its posts are worked on. */
static int discourse_on_batch(struct lws *wsi, enum lws_callback_reasons reason, void *arg, void *in,
			      size_t len)
{
	struct discourse *d = arg;
	unsigned long long expirations;

	if (reason == LWS_CALLBACK_RAW_CLOSE_FILE) {
		/* lws gave up the descriptor: no more batches, none left waiting */
		d->batch_wsi = NULL;
		d->batch_armed = false;
		discourse_on_work(d);
		return 0;
	}
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	if (read(d->batch_fd, &expirations, sizeof(expirations)) < 0) {
		/* nothing to read: a wake for an expiry already taken */
	}
	d->batch_armed = false;
	discourse_on_work(d);
	return 0;
}

/* The batch timer on the loop; without one (no timerfd) each post is
 * worked on right after its answer. */
static void discourse_batch_start(struct discourse *d)
{
	d->batch_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->batch_fd < 0 || d->batch_us <= 0) {
		if (d->batch_fd >= 0)
			close(d->batch_fd);
		d->batch_fd = -1;
		return;
	}
	d->batch_handler.fn = discourse_on_batch;
	d->batch_handler.arg = d;
	/* lws owns the descriptor from here on (closed with the wsi) */
	d->batch_wsi = loop_adopt_fd(host_loop(d->host), d->batch_fd, &d->batch_handler);
	if (!d->batch_wsi)
		d->batch_fd = -1;
}

/* Stops the batch timer; the loop closes its descriptor with the wsi. */
static void discourse_batch_stop(struct discourse *d)
{
	if (!d->batch_wsi)
		return;
	discourse_batch_set(d, 0);
	lws_set_opaque_user_data(d->batch_wsi, NULL);
	d->batch_wsi = NULL;
}

/* ---- the adapter ------------------------------------------------------------ */

/* The webhook's route on http.listen: headers read, the verdict answered
 * at once; an accepted post is worked on as soon as the answer is on its
 * way, in the same loop pass (no timer, no second pass per webhook). */
static void discourse_on_request(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	struct discourse *d = arg;
	char event[64], event_id[96], sig[160];
	const char *answer = "";

	if (httpd_header(req, "x-discourse-event", event, sizeof(event)) < 0)
		event[0] = '\0';
	if (httpd_header(req, "x-discourse-event-id", event_id, sizeof(event_id)) < 0)
		event_id[0] = '\0';
	if (httpd_header(req, "x-discourse-event-signature", sig, sizeof(sig)) < 0)
		sig[0] = '\0';
	res->status = discourse_webhook(d, event[0] ? event : NULL, event_id[0] ? event_id : NULL,
					sig[0] ? sig : NULL, req->body, req->body_len, &answer);
	buf_adds(&res->body, answer);
	if (!d->jobs)
		return;
	if (d->batch_wsi && d->njobs < DISCOURSE_BATCH_MAX && discourse_batch_arm(d))
		return;
	/* no timer, or a full batch: right after this answer */
	res->after = discourse_on_work;
	res->after_arg = d;
}

static int discourse_route_add(struct discourse *d)
{
	struct httpd *httpd = host_httpd(d->host);

	if (!httpd) {
		log_error("discourse", "the webhook needs http.listen (or use \"mode\": \"poll\")");
		return -1;
	}
	if (httpd_route(httpd, "POST", d->webhook_path, DISCOURSE_MAX_BODY, discourse_on_request, d) < 0)
		return -1;
	d->routed = true;
	log_info("discourse", "receiving webhooks at %s", d->webhook_path);
	return 0;
}

static void discourse_route_remove(struct discourse *d)
{
	if (d->routed && host_httpd(d->host))
		httpd_unroute(host_httpd(d->host), d->webhook_path, discourse_on_request, d);
	d->routed = false;
}

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

static void discourse_free(struct discourse *d)
{
	struct job *j;

	loop_timer_cancel(&d->poll_timer);
	discourse_batch_stop(d);
	while ((j = d->jobs) != NULL) {
		d->jobs = j->next;
		job_free(j);
	}
	free(d->base_url);
	free(d->api_username);
	free(d->webhook_path);
	free(d->secret);
	EVP_MAC_CTX_free(d->mac);
	EVP_MAC_free(d->mac_alg);
	free(d->hdr_key);
	free(d->hdr_user);
	host_answer_release(&d->answer);
	buf_release(&d->reply_json);
	free(d);
}

static int discourse_start(struct adapter_host *host, const cJSON *cfg, void **state)
{
	const char *base = json_str(cfg, "base_url"), *user = json_str(cfg, "api_username");
	const char *mode = json_str(cfg, "mode"), *path = json_str(cfg, "webhook_path");
	const char *key = getenv("DISCOURSE_API_KEY"), *secret = getenv("DISCOURSE_WEBHOOK_SECRET");
	bool poll = mode && strcmp(mode, "poll") == 0;
	struct discourse *d;
	struct buf b = BUF_INIT;

	if (!base || !*base || !user || !*user) {
		log_error("discourse", "adapters.discourse needs base_url and api_username");
		return -1;
	}
	if (!key || !*key) {
		log_error("discourse", "DISCOURSE_API_KEY is not set in the environment");
		return -1;
	}
	if (!poll && (!secret || !*secret)) {
		log_error("discourse", "DISCOURSE_WEBHOOK_SECRET is not set in the environment "
			  "(the webhook's secret; or use \"mode\": \"poll\")");
		return -1;
	}
	d = xcalloc(1, sizeof(*d));
	d->host = host;
	buf_adds(&b, base);
	while (b.len && b.data[b.len - 1] == '/')
		b.data[--b.len] = '\0';
	d->base_url = buf_detach(&b);
	d->api_username = xstrdup(user);
	d->webhook_path = xstrdup(path && *path ? path : "/discourse/webhook");
	d->poll = poll;
	d->private_messages = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "private_messages"));
	d->secret = xstrdup(secret ? secret : "");
	if (*d->secret)
		discourse_mac_setup(d);
	buf_addf(&b, "Api-Key: %s", key);
	d->hdr_key = buf_detach(&b);
	buf_addf(&b, "Api-Username: %s", user);
	d->hdr_user = buf_detach(&b);
	host_answer_init(&d->answer);
	d->last_id = -1;
	d->poll_ms = env_ms("GOVBOT_DISCOURSE_POLL_MS", DISCOURSE_POLL_MS);
	d->batch_us = getenv("GOVBOT_DISCOURSE_BATCH_US") ? strtol(getenv("GOVBOT_DISCOURSE_BATCH_US"), NULL, 10)
							  : DISCOURSE_BATCH_US;
	if (d->batch_us > 1000000)
		d->batch_us = DISCOURSE_BATCH_US;
	d->batch_fd = -1;
	loop_timer_init(&d->poll_timer, host_loop(host), discourse_on_poll, d);
	if (poll) {
		struct store *st = host_bot(host)->store;
		char *v = st ? store_kv_get(st, KV_LAST_POST) : NULL;
		if (v)
			d->last_id = strtoll(v, NULL, 10);
		free(v);
		loop_timer_start(&d->poll_timer, 0);
		log_info("discourse", "polling %s every %ld ms", d->base_url, d->poll_ms);
	} else if (discourse_route_add(d) < 0) {
		discourse_free(d);
		return -1;
	} else {
		discourse_batch_start(d);
	}
	*state = d;
	return 0;
}

static enum announce_status discourse_announce(void *state, const struct announcement *a)
{
	struct discourse *d = state;

	if (d->stopped || !a->target)
		return ANNOUNCE_FAILED;
	discourse_announce_topic(d, a->key, a->target, a->title, a->body);
	return ANNOUNCE_PENDING;
}

/* Shutdown: no new poll, no new webhook (the forum redelivers what it
 * cannot hand over now); the posts accepted (a batch still waiting) are
 * worked on now, and true asks the host for one more turn of the loop, in
 * which their events are committed and their replies handed to the HTTP
 * client (the host then waits for those). */
static bool discourse_drain(void *state)
{
	struct discourse *d = state;
	bool worked = d->jobs != NULL;

	loop_timer_cancel(&d->poll_timer);
	discourse_route_remove(d);
	if (worked)
		discourse_on_work(d);
	return worked;
}

static void discourse_stop(void *state)
{
	struct discourse *d = state;

	d->stopped = true;
	discourse_route_remove(d);
	discourse_free(d);
}

static bool discourse_listening(const cJSON *section)
{
	const char *mode = json_str(section, "mode");

	return !mode || strcmp(mode, "poll") != 0;
}

/* "@name" at the start of a word, read as a forum user only when the
 * caller writes on the forum too; mapped to no one, it may be the GitHub
 * handle itself (not a miss). */
static bool discourse_mention_at(const char *text, const char *p, bool caller_here,
				 struct config_mention *m)
{
	size_t i = 1;

	if (!caller_here || p[0] != '@' || !config_mention_word_start(text, p))
		return false;
	while (isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '-' || p[i] == '.')
		i++;
	while (i > 1 && p[i - 1] == '.')
		i--;
	if (i == 1 || i - 1 >= sizeof(m->id))
		return false;
	memcpy(m->id, p + 1, i - 1);
	m->id[i - 1] = '\0';
	m->from = p;
	m->len = i;
	m->may_be_handle = true;
	return true;
}

const struct adapter adapter_discourse = {
	.name = "discourse",
	.dialect = DIALECT_DISCOURSE,
	.secrets = discourse_secrets,
	.keys = discourse_keys,
	.announce_key = "announce_category_id",
	.listens = true,
	.listening = discourse_listening,
	.listen_secrets = discourse_listen_secrets,
	.valid_id = discourse_valid_id,
	.mention_at = discourse_mention_at,
	.max_message = DISCOURSE_MAX_POST,
	.start = discourse_start,
	.announce = discourse_announce,
	.drain = discourse_drain,
	.stop = discourse_stop,
};
