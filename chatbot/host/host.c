/* host.c - see host.h. */
#include "chatbot/host/host.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "chatbot/bot/config.h"
#include "chatbot/bot/identity.h"
#include "chatbot/gov/gov.h"
#include "chatbot/net/httpd.h"
#include "chatbot/util/log.h"
#include "chatbot/gov/outbox.h"
#include "chatbot/gov/store.h"
#include "chatbot/host/host_web.h"
#include "chatbot/host/reload.h"
#include "chatbot/util/util.h"

#define HOST_PRUNE_EVERY_S 3600
#define HOST_SEEN_KEEP_S (7 * 24 * 3600LL)
#define SEEN_BUCKETS 4096
#define SEEN_KEEP 16384

struct seen_node {
	struct seen_node *next;
	char *key;
};

struct running {
	const struct adapter *a;
	void *state;
	bool ended;
	bool fatal;
	char target[256];         /* the value of its announce_key, or "" */
};

struct adapter_host {
	struct govbot *bot;
	struct loop *loop;
	struct http *http;
	struct httpd *httpd;      /* NULL without http.listen */
	bool stopping;
	unsigned long long commands[4];  /* dispatched, by enum cmd_result */

	struct running *run;
	size_t nrun;

	struct loop_handler sig_handler;
	int sig_fd;
	struct reload_state reload;  /* SIGHUP: chatbot/host/reload.h */

	struct loop_timer pump;
	bool pumping;
	struct loop_timer seen_flush;   /* commits the pass's seen events, then lets answers out */
	bool seen_held;                 /* answers are held for that commit */
	long long pruned_at;      /* when seen events were last pruned */

	/* in-memory seen events (bots without a database) */
	struct seen_node *seen[SEEN_BUCKETS];
	char *seen_ring[SEEN_KEEP];
	size_t seen_pos;
};

struct govbot *host_bot(struct adapter_host *h)
{
	return h->bot;
}

struct loop *host_loop(struct adapter_host *h)
{
	return h->loop;
}

struct http *host_http(struct adapter_host *h)
{
	return h->http;
}

struct httpd *host_httpd(struct adapter_host *h)
{
	return h->httpd;
}

bool host_stopping(struct adapter_host *h)
{
	return h->stopping || loop_stopping(h->loop);
}

/* ---- outbox pump ---- */

struct deliver_ctx {
	struct adapter_host *h;
	struct running *r;
};

/* Offers one stored announcement to an adapter (outbox_deliver_fn). */
/* "For: @a @b" under a notice: each handle (space-separated in list) as
 * platform's own mention of them where their identity there is known. */
static void add_mentions(struct adapter_host *h, const char *platform, const char *list,
			 struct reply *r)
{
	reply_para(r);
	reply_text(r, "For:");
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		char handle[64], uid[256];
		if (n && n < sizeof(handle)) {
			memcpy(handle, p, n);
			handle[n] = '\0';
			reply_text(r, " ");
			identity_user_id(h->bot, handle, platform, uid, sizeof(uid));
			reply_mention(r, handle, uid[0] ? uid : NULL);
		}
		p += n;
		p += strspn(p, " ");
	}
}

static int host_deliver(void *arg, const struct outbox_entry *e, struct buf *error)
{
	struct deliver_ctx *d = arg;
	const struct adapter *a = d->r->a;
	struct reply *body = reply_new(), *message = reply_new();
	char key[128];
	enum announce_status st;

	if (a->announce_key && !d->r->target[0]) {
		/* queued while the config named a target; it names none now */
		log_info(a->name, "announcement %lld dropped: adapters.%s.%s is not set", e->id,
			 a->name, a->announce_key);
		reply_free(body);
		reply_free(message);
		return OUTBOX_SENT;
	}
	outbox_claim_key(e->id, e->target, key, sizeof(key));
	reply_strong(message, e->title);
	if (e->body && *e->body) {
		reply_text(body, e->body);
		reply_para(message);
		reply_text(message, e->body);
	}
	/* the people it concerns, with this platform's own mention */
	if (e->mentions && *e->mentions) {
		add_mentions(d->h, a->name, e->mentions, body);
		add_mentions(d->h, a->name, e->mentions, message);
	}
	struct announcement an = {
		.key = key, .target = d->r->target[0] ? d->r->target : NULL, .title = e->title,
		.body = body, .message = message, .maybe_posted = e->maybe_posted,
	};
	st = a->announce(d->r->state, &an);
	reply_free(body);
	reply_free(message);
	switch (st) {
	case ANNOUNCE_SENT:
		return OUTBOX_SENT;
	case ANNOUNCE_PENDING:
		return OUTBOX_PENDING;
	default:
		buf_addf(error, "the %s adapter could not post it", a->name);
		return OUTBOX_FAILED;
	}
}

static void host_pump(void *arg)
{
	struct adapter_host *h = arg;

	if (h->stopping || h->pumping)
		return;
	h->pumping = true;
	/* platforms redeliver within hours: a week of seen event ids is plenty */
	if (h->bot->store && bot_now(h->bot) - h->pruned_at >= HOST_PRUNE_EVERY_S) {
		h->pruned_at = bot_now(h->bot);
		store_seen_prune(h->bot->store, h->pruned_at - HOST_SEEN_KEEP_S);
	}
	/* motions past their deadline close once per pump, then each
	 * adapter's announcements go out */
	gov_tick(bot_gov(h->bot));
	for (size_t i = 0; i < h->nrun && h->bot->store; i++) {
		struct running *r = &h->run[i];
		struct deliver_ctx d = { h, r };

		if (r->ended || !r->a->announce)
			continue;
		outbox_pump(h->bot->store, bot_now(h->bot), r->a->name, host_deliver, &d);
	}
	h->pumping = false;
	loop_timer_start(&h->pump, HOST_PUMP_MS);
}

void host_answer_init(struct host_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	ans->reply = reply_new();
	buf_init(&ans->text);
}

void host_answer_release(struct host_answer *ans)
{
	reply_free(ans->reply);
	buf_release(&ans->text);
	memset(ans, 0, sizeof(*ans));
}

static bool host_event_first(struct adapter_host *h, const char *platform, const char *event_id);

/* "name:id" into out (n bytes), cut to fit: an over-long id is refused by
 * the dispatcher as not an identity. */
static void join_id(char *out, size_t n, const char *name, const char *id)
{
	size_t a = strlen(name), b = strlen(id);

	if (a + 1 >= n) {
		out[0] = '\0';
		return;
	}
	if (a + 1 + b >= n)
		b = n - a - 2;
	memcpy(out, name, a);
	out[a] = ':';
	memcpy(out + a + 1, id, b);
	out[a + 1 + b] = '\0';
}

bool host_inbound(struct adapter_host *h, const struct adapter *a, const struct inbound *in,
		  struct host_answer *ans)
{
	char caller[IDENTITY_MAX_ID + 64], place[IDENTITY_MAX_ID + 64];
	sqlite3 *db = h->bot->store ? store_db(h->bot->store) : NULL;
	int before, rc;

	ans->result = DISPATCH_IGNORED;
	ans->cut = false;
	buf_reset(&ans->text);
	if (in->event_id && !host_event_first(h, a->name, in->event_id)) {
		log_debug(a->name, "event %s seen before; not answered again", in->event_id);
		return false;
	}
	join_id(caller, sizeof(caller), a->name, in->user ? in->user : "");
	if (in->place)
		join_id(place, sizeof(place), a->name, in->place);
	struct dispatch_request req = {
		.text = in->text, .len = in->len, .caller_id = caller,
		.place = in->place ? place : NULL, .require_prefix = in->require_prefix,
	};
	before = db ? sqlite3_total_changes(db) : 0;
	rc = dispatch_line(h->bot, &req, ans->reply);
	ans->result = rc;
	if (rc >= 0 && rc < 4)
		h->commands[rc]++;
	/* a command that wrote may have queued an announcement: pump soon */
	if (db && sqlite3_total_changes(db) != before && !h->stopping)
		loop_timer_start(&h->pump, 0);
	if (rc == DISPATCH_IGNORED || reply_empty(ans->reply))
		return false;
	reply_render(ans->reply, a->dialect, &ans->text);
	ans->cut = reply_limit(&ans->text, a->max_message, a->dialect);
	return true;
}

void host_announce_done(struct adapter_host *h, const char *key, bool ok)
{
	long long id = 0;
	const char *target;

	target = strchr(key, ':') ? strchr(strchr(key, ':') + 1, ':') : NULL;
	if (sscanf(key, "outbox:%lld:", &id) != 1 || !target || !h->bot->store) {
		log_warn(NULL, "announcement outcome for unknown delivery %s ignored", key);
		return;
	}
	if (!ok)
		log_warn("outbox", "delivery %lld to %s failed; it will be retried", id, target + 1);
	outbox_done(h->bot->store, id, target + 1, ok, ok ? NULL : "the post failed",
		    bot_now(h->bot));
}

void host_stats(struct adapter_host *h, struct host_stats *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->commands, h->commands, sizeof(out->commands));
	for (size_t i = 0; i < h->nrun; i++) {
		out->adapters_running += !h->run[i].ended;
		if (out->nadapters < HOST_MAX_ADAPTERS) {
			out->adapters[out->nadapters].name = h->run[i].a->name;
			out->adapters[out->nadapters].up = !h->run[i].ended;
			out->adapters[out->nadapters].fatal = h->run[i].fatal;
			out->nadapters++;
		}
	}
	if (h->bot->store)
		out->outbox_pending = store_count(h->bot->store,
			"SELECT count(*) FROM outbox_delivery WHERE state = 'pending'", 0);
}

/* ---- seen events ---- */

static unsigned seen_hash(const char *s)
{
	unsigned x = 2166136261u;

	while (*s)
		x = (x ^ (unsigned char)*s++) * 16777619u;
	return x;
}

static void seen_forget(struct adapter_host *h, const char *key)
{
	struct seen_node **pp = &h->seen[seen_hash(key) % SEEN_BUCKETS];

	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->key == key) {
			struct seen_node *n = *pp;
			*pp = n->next;
			free(n->key);
			free(n);
			return;
		}
	}
}

static bool host_event_first(struct adapter_host *h, const char *platform, const char *event_id)
{
	struct buf key = BUF_INIT;
	struct seen_node *n;
	unsigned b;

	if (h->bot->store) {
		/* the events of one pass are recorded in one transaction,
		 * committed before any answer of that pass goes out (the HTTP
		 * requests made meanwhile are held: host_seen_flush) */
		int rc = store_seen_add(h->bot->store, platform, event_id, bot_now(h->bot));
		if (rc >= 0) {
			if (!h->seen_held) {
				h->seen_held = true;
				http_hold(h->http);
				loop_timer_start(&h->seen_flush, 0);
			}
			return rc == 1;
		}
		/* a busy database: fall back on this process's memory */
	}
	buf_addf(&key, "%s:%s", platform, event_id);
	b = seen_hash(key.data) % SEEN_BUCKETS;
	for (n = h->seen[b]; n; n = n->next) {
		if (strcmp(n->key, key.data) == 0) {
			buf_release(&key);
			return false;
		}
	}
	if (h->seen_ring[h->seen_pos])
		seen_forget(h, h->seen_ring[h->seen_pos]);
	n = xmalloc(sizeof(*n));
	n->key = buf_detach(&key);
	n->next = h->seen[b];
	h->seen[b] = n;
	h->seen_ring[h->seen_pos] = n->key;
	h->seen_pos = (h->seen_pos + 1) % SEEN_KEEP;
	return true;
}

/* The end of a pass that saw events: they are committed, then the answers
 * held meanwhile go out. */
static void host_seen_flush(void *arg)
{
	struct adapter_host *h = arg;

	if (!h->seen_held)
		return;
	if (h->bot->store && store_seen_commit(h->bot->store) != STORE_OK)
		log_warn(NULL, "the events just answered could not be recorded as seen; a redelivery "
			 "of one may be answered again");
	h->seen_held = false;
	http_release(h->http);
}

static void seen_free(struct adapter_host *h)
{
	for (size_t i = 0; i < SEEN_BUCKETS; i++) {
		struct seen_node *n = h->seen[i];
		while (n) {
			struct seen_node *next = n->next;
			free(n->key);
			free(n);
			n = next;
		}
	}
}

/* ---- adapters ---- */

void host_adapter_ended(struct adapter_host *h, const struct adapter *a, bool fatal)
{
	bool any_fatal = false;

	for (size_t i = 0; i < h->nrun; i++) {
		if (h->run[i].a == a && !h->run[i].ended) {
			h->run[i].ended = true;
			h->run[i].fatal = fatal;
		}
	}
	for (size_t i = 0; i < h->nrun; i++) {
		if (!h->run[i].ended)
			return;
		any_fatal |= h->run[i].fatal;
	}
	if (!h->stopping)
		log_info(NULL, "no adapter left running; stopping");
	loop_stop(h->loop, any_fatal ? 1 : 0);
}

static bool host_wants(const struct govbot *bot, const struct adapter *a)
{
	if (!bot->config->adapters)
		return strcmp(a->name, "console") == 0;
	return config_adapter(bot->config, a->name) != NULL;
}

static int host_check_secrets(const struct adapter *a, const cJSON *section)
{
	int rc = 0;

	for (size_t i = 0; a->secrets && a->secrets[i]; i++) {
		const char *v = getenv(a->secrets[i]);
		if ((!v || !*v) && config_secret_needed(a->name, section, a->secrets[i])) {
			log_error(a->name, "%s is not set in the environment; the %s adapter needs it",
				  a->secrets[i], a->name);
			rc = -1;
		}
	}
	return rc;
}

/* The value of a's announce key in section, as text ("C0123", "5"). */
static void host_target(const struct adapter *a, const cJSON *section, char *out, size_t n)
{
	const cJSON *v = a->announce_key ? cJSON_GetObjectItemCaseSensitive(section, a->announce_key)
					 : NULL;

	out[0] = '\0';
	if (cJSON_IsString(v))
		snprintf(out, n, "%s", v->valuestring);
	else if (cJSON_IsNumber(v))
		snprintf(out, n, "%.0f", v->valuedouble);
}

static int host_start_adapters(struct adapter_host *h)
{
	size_t n = 0;
	const cJSON *ads = h->bot->config->adapters, *it;

	/* a configured name this build does not know, or does not run yet */
	cJSON_ArrayForEach(it, ads) {
		const struct adapter *a = adapters_find(it->string);
		if (!a || !a->start) {
			log_error(NULL, "adapters.%s: no such adapter in this build", it->string);
			return -1;
		}
	}
	for (size_t i = 0; adapters_all[i]; i++)
		n += host_wants(h->bot, adapters_all[i]);
	if (!n) {
		log_error(NULL, "the config names no adapter to run");
		return -1;
	}
	for (size_t i = 0; adapters_all[i]; i++)
		if (host_wants(h->bot, adapters_all[i]) &&
		    host_check_secrets(adapters_all[i], config_adapter(h->bot->config, adapters_all[i]->name)) < 0)
			return -1;
	for (size_t i = 0; adapters_all[i]; i++) {
		const struct adapter *a = adapters_all[i];

		if (host_wants(h->bot, a) &&
		    host_start_adapter(h, a, config_adapter(h->bot->config, a->name)) < 0)
			return -1;
	}
	return 0;
}

int host_start_adapter(struct adapter_host *h, const struct adapter *a, const cJSON *section)
{
	struct running *r;

	if (!a->start) {
		log_error(a->name, "this build has no %s adapter yet", a->name);
		return -1;
	}
	h->run = xrealloc(h->run, (h->nrun + 1) * sizeof(*h->run));
	r = &h->run[h->nrun];
	memset(r, 0, sizeof(*r));
	r->a = a;
	host_target(a, section, r->target, sizeof(r->target));
	if (a->start(h, section, &r->state) < 0) {
		log_error(a->name, "the %s adapter did not start", a->name);
		return -1;
	}
	h->nrun++;
	return 0;
}

static void host_stop_adapters(struct adapter_host *h)
{
	for (size_t i = h->nrun; i-- > 0;) {
		if (h->run[i].a->stop)
			h->run[i].a->stop(h->run[i].state);
	}
	free(h->run);
	h->run = NULL;
	h->nrun = 0;
}

/* Services the loop until in-flight requests are done and every adapter
 * closed its links, or the grace period ends. */
static void host_drain(struct adapter_host *h)
{
	long long deadline = loop_now_ms() + HOST_GRACE_MS;

	for (;;) {
		bool busy = h->http && http_pending(h->http) > 0;

		for (size_t i = 0; i < h->nrun; i++)
			if (h->run[i].a->drain && h->run[i].a->drain(h->run[i].state))
				busy = true;
		if (!busy || loop_now_ms() >= deadline)
			return;
		loop_service(h->loop, 20);
	}
}

/* ---- each loop pass ---- */

/* Before each loop pass: the commands of one pass share one look at what
 * other processes committed (store_refresh_pass). */
static void host_on_pass(void *arg)
{
	struct adapter_host *h = arg;

	if (h->bot->store)
		store_refresh_pass(h->bot->store);
}

/* ---- signals ---- */

/* SIGHUP: the config and the roster read again (reload.h); refused with the
 * reason when they no longer read, the running ones kept. */
static void host_reload(struct adapter_host *h)
{
	struct buf report = BUF_INIT;

	if (reload_apply(&h->reload, h->bot, &report) == 0)
		log_info("reload", "reloaded on SIGHUP: %s", buf_str(&report));
	else
		log_error("reload", "reload on SIGHUP %s", buf_str(&report));
	buf_release(&report);
}

static int host_on_signal(struct lws *wsi, enum lws_callback_reasons reason, void *arg,
			  void *in, size_t len)
{
	struct adapter_host *h = arg;
	struct signalfd_siginfo si;

	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	while (read(h->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			host_reload(h);
			continue;
		}
		log_info(NULL, "stopping on %s", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
		loop_stop(h->loop, 0);
	}
	return 0;
}

struct adapter_host *host_new(struct govbot *bot)
{
	struct adapter_host *h = xcalloc(1, sizeof(*h));

	h->bot = bot;
	h->sig_fd = -1;
	/* TLS is set up when the first wss:// link needs it (loop_tls_vhost);
	 * libcurl sets up its own for https:// */
	h->loop = loop_new_tls(false);
	if (h->loop)
		h->http = http_new(h->loop);
	if (!h->http) {
		host_free(h);
		return NULL;
	}
	loop_timer_init(&h->pump, h->loop, host_pump, h);
	loop_timer_init(&h->seen_flush, h->loop, host_seen_flush, h);
	loop_on_pass(h->loop, host_on_pass, h);
	return h;
}

void host_free(struct adapter_host *h)
{
	if (!h)
		return;
	h->stopping = true;
	if (h->loop) {
		loop_timer_cancel(&h->pump);
		loop_timer_cancel(&h->seen_flush);
	}
	if (h->http) {
		host_seen_flush(h);
		http_free(h->http, 0);
	}
	if (h->loop)
		host_stop_adapters(h);
	loop_free(h->loop);
	httpd_free(h->httpd);
	seen_free(h);
	reload_state_free(&h->reload);
	free(h);
}

void host_pump_now(struct adapter_host *h)
{
	host_pump(h);
}

int host_run(struct govbot *bot)
{
	struct adapter_host *h;
	sigset_t set, old;
	int rc = 1;

	/* The loop must not sit in SQLite's busy wait for long (Slack wants an
	 * ack within 3 s): a write that cannot get the lock in 1 s is refused
	 * ("busy; nothing was changed") and the user retries. */
	if (bot->store && !getenv("GOVBOT_BUSY_MS"))
		store_set_busy_ms(bot->store, HOST_BUSY_MS);
	signal(SIGPIPE, SIG_IGN);
	/* Block the signals before any thread starts, so only the signalfd
	 * (read on the loop) sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);

	h = host_new(bot);
	if (!h)
		goto out;
	h->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	h->sig_handler.fn = host_on_signal;
	h->sig_handler.arg = h;
	if (h->sig_fd < 0 || !loop_adopt_fd(h->loop, h->sig_fd, &h->sig_handler)) {
		log_error(NULL, "cannot watch signals: %s", strerror(errno));
		goto out;
	}
	reload_init(&h->reload, bot);
	if (bot->config->http_listen) {
		h->httpd = httpd_start(h->loop, bot->config->http_listen);
		if (!h->httpd || host_http_routes(h, h->httpd) < 0 ||
		    host_web_routes(h->httpd, bot, &h->reload.loaded_at) < 0)
			goto out;
	}
	if (host_start_adapters(h) < 0) {
		rc = 1;
	} else {
		host_pump(h);   /* what waits in the outbox goes out first */
		/* start-up (config, roster parse, migrations) is over: give its
		 * freed heap pages back before serving for days */
		malloc_trim(0);
		rc = loop_run(h->loop);
		host_pump(h);   /* and what the last commands queued */
	}
	h->stopping = true;
	loop_timer_cancel(&h->pump);
	host_drain(h);
out:
	host_free(h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
