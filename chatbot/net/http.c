/* http.c - see http.h. */
#include "chatbot/net/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "chatbot/net/backoff.h"
#include "chatbot/util/log.h"
#include "chatbot/util/util.h"

#define HTTP_MAX_BODY (16u << 20)
#define HTTP_BACKOFF_CAP_MS 30000
#define HTTP_DEFAULT_TIMEOUT_MS 30000
/* Idle connections kept open for reuse (curl's default follows the number
 * of transfers in the multi handle, so a burst's extra connections were
 * closed as soon as it ended, and the next burst opened them again). */
#define HTTP_MAX_CONNECTS 64
/* Easy handles kept for reuse once their transfer ended. */
#define HTTP_EASY_POOL 32
/* curl socket events taken per look at the epoll set. */
#define HTTP_EVENTS 64

/* Where a job is: it is on exactly one of these lists. */
enum job_where { JOB_HELD, JOB_WAITING, JOB_ACTIVE, JOB_DONE };

struct job {
	struct job *next;             /* held, waiting or done list */
	struct job *aprev, *anext;    /* the active list */
	struct job *lprev, *lnext;    /* the pending list (callback not run yet) */
	enum job_where where;
	http_id id;
	bool long_poll;
	http_retry_delay_fn *retry_delay;
	bool cancel_req;              /* http_cancel() asked */
	char *method;
	char *url;
	char *body;
	size_t body_len;
	struct curl_slist *headers;
	char *rate_key;
	int max_attempts;
	long timeout_ms;
	http_done_fn *done;
	void *arg;

	CURL *easy;                   /* while active */
	struct buf resp;
	long status;
	long retry_after_s;
	int attempts;
	long long due_ms;
	bool cancelled;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
};

struct pause {
	char *key;
	long long until_ms;
};

struct http {
	struct loop *loop;
	CURLM *multi;
	long backoff_ms;
	int epoll_fd;                 /* curl's sockets; itself watched by the loop */
	struct lws *ep_wsi;           /* the loop's wsi for epoll_fd (owns the fd) */
	struct loop_handler ep_handler;
	struct loop_timer curl_timer; /* curl's one timer */
	long long curl_due_ms;        /* when it fires, -1 when stopped */
	struct loop_timer kick;       /* the next retry due, or work queued this pass */
	bool busy;                    /* http_progress() running */
	bool again;                   /* ... and must go round once more */
	bool closing;                 /* http_free() cancels from here on */

	bool held;                    /* http_hold() in force */
	struct job *held_head, *held_tail;
	size_t pending;
	struct job *pending_list;     /* jobs whose callback has not run */
	http_id next_id;
	atomic_size_t npauses_seen;   /* npauses, for any thread */

	struct job *waiting, *waiting_tail;  /* not started: new, or a retry's wait */
	struct job *active;
	struct job *done_head, *done_tail;   /* finished, callback to run */
	CURL *easy_pool[HTTP_EASY_POOL];
	size_t neasy_pool;
	struct pause *pauses;
	size_t npauses;
	unsigned rng;
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static bool http_global_ok;

static void http_global_init(void)
{
	http_global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static void job_free(struct job *j)
{
	if (j->easy)
		curl_easy_cleanup(j->easy);
	curl_slist_free_all(j->headers);
	buf_release(&j->resp);
	free(j->method);
	free(j->url);
	free(j->body);
	free(j->rate_key);
	free(j);
}

static void list_append(struct job **head, struct job **tail, struct job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

/* ---- rate-limit pauses ---- */

static struct pause *http_pause_find(struct http *h, const char *key)
{
	for (size_t i = 0; i < h->npauses; i++)
		if (strcmp(h->pauses[i].key, key) == 0)
			return &h->pauses[i];
	return NULL;
}

/* Forgets the pauses that have ended. */
static void http_pause_prune(struct http *h, long long now)
{
	for (size_t i = 0; i < h->npauses;) {
		if (h->pauses[i].until_ms <= now) {
			free(h->pauses[i].key);
			h->pauses[i] = h->pauses[--h->npauses];
		} else {
			i++;
		}
	}
	atomic_store(&h->npauses_seen, h->npauses);
}

static void http_pause_set(struct http *h, const char *key, long long until)
{
	struct pause *p = http_pause_find(h, key);

	if (!p) {
		http_pause_prune(h, time_mono_ms());
		if (h->npauses >= HTTP_MAX_PAUSES) {
			/* full of running pauses: the one ending soonest gives way */
			size_t soonest = 0;
			for (size_t i = 1; i < h->npauses; i++)
				if (h->pauses[i].until_ms < h->pauses[soonest].until_ms)
					soonest = i;
			p = &h->pauses[soonest];
			free(p->key);
		} else {
			h->pauses = xrealloc(h->pauses, (h->npauses + 1) * sizeof(*h->pauses));
			p = &h->pauses[h->npauses++];
		}
		p->key = xstrdup(key);
		p->until_ms = 0;
	}
	if (until > p->until_ms)
		p->until_ms = until;
	atomic_store(&h->npauses_seen, h->npauses);
}

static long long http_pause_until(struct http *h, const char *key)
{
	struct pause *p = http_pause_find(h, key);
	return p ? p->until_ms : 0;
}

/* ---- transfers ---- */

static size_t http_on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct job *j = userdata;
	size_t n = size * nmemb;

	if (j->resp.len + n > HTTP_MAX_BODY) {
		j->too_big = true;
		return 0;
	}
	buf_add(&j->resp, ptr, n);
	return n;
}

static size_t http_on_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
	struct job *j = userdata;
	size_t n = size * nitems;
	static const char name[] = "retry-after:";

	if (n > sizeof(name) - 1 && str_ieqn(ptr, name, sizeof(name) - 1)) {
		char tmp[32];
		size_t vlen = n - (sizeof(name) - 1);
		char *end;
		long v;

		if (vlen >= sizeof(tmp))
			vlen = sizeof(tmp) - 1;
		memcpy(tmp, ptr + sizeof(name) - 1, vlen);
		tmp[vlen] = '\0';
		v = strtol(str_skip_space(tmp), &end, 10);
		if (end != tmp && v >= 0)
			j->retry_after_s = v > 3600 ? 3600 : v;
	}
	return n;
}

/* An easy handle: a pooled one (its options from the last transfer; the
 * constant ones stay, http_start sets the rest) or a new one. */
static CURL *http_easy_get(struct http *h)
{
	CURL *e;

	if (h->neasy_pool)
		return h->easy_pool[--h->neasy_pool];
	e = curl_easy_init();
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_body);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "govbot");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	return e;
}

/* Gives e back to the pool (the connection it used stays in the multi
 * handle's cache) or frees it when the pool is full.  Its options stay:
 * the next http_start() sets every one that differs between requests, so
 * a pooled handle costs no curl_easy_reset() and no re-setting of the
 * constant ones. */
static void http_easy_put(struct http *h, CURL *e)
{
	if (!e)
		return;
	if (h->neasy_pool < HTTP_EASY_POOL) {
		/* nothing of the finished job stays reachable from curl */
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, (char *)NULL);
		curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)NULL);
		h->easy_pool[h->neasy_pool++] = e;
	} else {
		curl_easy_cleanup(e);
	}
}

static void active_link(struct http *h, struct job *j)
{
	j->aprev = NULL;
	j->anext = h->active;
	if (h->active)
		h->active->aprev = j;
	h->active = j;
	j->where = JOB_ACTIVE;
}

static void active_unlink(struct http *h, struct job *j)
{
	if (j->aprev)
		j->aprev->anext = j->anext;
	else
		h->active = j->anext;
	if (j->anext)
		j->anext->aprev = j->aprev;
	j->aprev = j->anext = NULL;
}

static bool http_start(struct http *h, struct job *j)
{
	CURL *e = http_easy_get(h);

	if (!e)
		return false;
	j->easy = e;
	buf_reset(&j->resp);
	j->status = 0;
	j->retry_after_s = -1;
	j->too_big = false;
	j->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, j->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, j->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, j->timeout_ms < 10000 ? j->timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	if (strcmp(j->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, (char *)NULL);
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
				 strcmp(j->method, "POST") != 0 ? j->method : (char *)NULL);
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body ? j->body : "");
	}
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		j->easy = NULL;
		return false;
	}
	active_link(h, j);
	return true;
}

/* j is finished (or cancelled): its callback runs at the end of this
 * round of http_progress(). */
static void http_complete(struct http *h, struct job *j)
{
	j->where = JOB_DONE;
	list_append(&h->done_head, &h->done_tail, j);
}

/* A retry waits its turn at the front (it was submitted before the rest). */
static void waiting_push_front(struct http *h, struct job *j)
{
	j->where = JOB_WAITING;
	j->next = h->waiting;
	h->waiting = j;
	if (!h->waiting_tail)
		h->waiting_tail = j;
}

static void waiting_append(struct http *h, struct job *j)
{
	j->where = JOB_WAITING;
	list_append(&h->waiting, &h->waiting_tail, j);
}

/* One attempt ended (easy already removed from the multi). */
static void http_attempt_done(struct http *h, struct job *j, CURLcode rc)
{
	long long now = time_mono_ms();
	bool retry;

	active_unlink(h, j);
	j->attempts++;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &j->status);
	} else {
		j->status = 0;
		if (j->too_big)
			snprintf(j->errbuf, sizeof(j->errbuf), "response larger than %u bytes", HTTP_MAX_BODY);
		else if (!j->errbuf[0])
			snprintf(j->errbuf, sizeof(j->errbuf), "%s", curl_easy_strerror(rc));
	}
	http_easy_put(h, j->easy);
	j->easy = NULL;

	retry = (j->status == 429 || j->status >= 500 || (j->status == 0 && !j->too_big)) &&
		j->attempts < j->max_attempts && !j->cancel_req && !h->closing;
	if (!retry) {
		http_complete(h, j);
		return;
	}
	if (j->status == 429) {
		long long delay = 1000;

		if (j->retry_after_s >= 0) {
			delay = j->retry_after_s * 1000LL;
		} else if (j->retry_delay) {
			long ms = j->retry_delay(buf_str(&j->resp), j->resp.len);
			if (ms >= 0)
				delay = ms > 3600000 ? 3600000 : ms;
		}
		http_pause_set(h, j->rate_key, now + delay);
		j->due_ms = now + delay;
	} else {
		j->due_ms = now + backoff_delay(h->backoff_ms, HTTP_BACKOFF_CAP_MS, j->attempts, &h->rng);
	}
	waiting_push_front(h, j);
}

/* Finished transfers leave the multi handle. */
static void http_collect(struct http *h)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left))) {
		struct job *j = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		curl_multi_remove_handle(h->multi, msg->easy_handle);
		http_attempt_done(h, j, msg->data.result);
	}
}

/* curl tells which sockets to watch (CURLMOPT_SOCKETFUNCTION): each one
 * is in the epoll set for the events curl wants. */
static int http_on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http *h = userp;
	struct epoll_event ev = { 0 };

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(h->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
		curl_multi_assign(h->multi, fd, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (socketp) {
		epoll_ctl(h->epoll_fd, EPOLL_CTL_MOD, fd, &ev);
	} else {
		if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
			epoll_ctl(h->epoll_fd, EPOLL_CTL_MOD, fd, &ev);
		curl_multi_assign(h->multi, fd, h);
	}
	return 0;
}

/* curl's one timer (CURLMOPT_TIMERFUNCTION): -1 stops it.  curl may not
 * be called from here: the loop timer fires on a later pass. */
static int http_on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;

	(void)multi;
	if (timeout_ms < 0) {
		h->curl_due_ms = -1;
		loop_timer_cancel(&h->curl_timer);
	} else {
		h->curl_due_ms = time_mono_ms() + timeout_ms;
		loop_timer_start(&h->curl_timer, timeout_ms);
	}
	return 0;
}

/* ---- callbacks ---- */

static void http_deliver(struct http *h, struct job *j)
{
	struct http_response res;

	if (j->cancel_req)
		j->cancelled = true;
	if (j->lprev)
		j->lprev->lnext = j->lnext;
	else
		h->pending_list = j->lnext;
	if (j->lnext)
		j->lnext->lprev = j->lprev;
	memset(&res, 0, sizeof(res));
	res.status = j->cancelled ? 0 : j->status;
	res.body = j->cancelled ? "" : buf_str(&j->resp);
	res.body_len = j->cancelled ? 0 : j->resp.len;
	res.attempts = j->attempts;
	res.retry_after_s = j->retry_after_s;
	if (j->cancelled)
		res.error = "cancelled";
	else if (res.status == 0)
		res.error = j->errbuf[0] ? j->errbuf : "request failed";
	if (h->pending)
		h->pending--;
	j->done(j->arg, &res);
	job_free(j);
}

/* Runs the callbacks of every finished job (a callback may submit or
 * cancel: those land on the lists, for the next round). */
static void http_deliver_all(struct http *h)
{
	while (h->done_head) {
		struct job *j = h->done_head;
		h->done_head = j->next;
		if (!h->done_head)
			h->done_tail = NULL;
		http_deliver(h, j);
	}
}

/* Work for a later pass of the loop (callbacks never run inside
 * http_submit or http_cancel, whose callers do not expect them there). */
static void http_kick(struct http *h)
{
	if (h->busy)
		h->again = true;
	else
		loop_timer_start(&h->kick, 0);
}

/* Outside http_progress: j goes out now (its connect or its request
 * leaves at once, not a pass later), or waits for its rate key's pause;
 * a start that fails is reported on the next pass. */
static void http_go(struct http *h, struct job *j)
{
	if (h->busy) {
		/* inside a callback: http_progress() starts it this round */
		waiting_append(h, j);
		h->again = true;
		return;
	}
	if (http_pause_until(h, j->rate_key) > time_mono_ms()) {
		waiting_append(h, j);
		http_kick(h);
	} else if (!http_start(h, j)) {
		j->attempts++;
		snprintf(j->errbuf, sizeof(j->errbuf), "cannot start the request");
		http_complete(h, j);
		http_kick(h);
	}
}

/* Lets curl act on the transfers just added (its timer is due at once). */
static void http_curl_now(struct http *h)
{
	int running = 0;

	if (h->busy || h->curl_due_ms < 0 || h->curl_due_ms > time_mono_ms())
		return;
	h->curl_due_ms = -1;
	loop_timer_cancel(&h->curl_timer);
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	/* what finished already is taken on the next pass */
	http_kick(h);
}

/* Everything that is due: starts the waiting requests whose time has come
 * (and whose rate key is not paused), lets curl act when its timer is due,
 * takes finished transfers, runs their callbacks; then arms the kick timer
 * for the next retry due. */
static void http_progress(struct http *h)
{
	long long next;

	if (h->busy) {
		h->again = true;
		return;
	}
	h->busy = true;
	do {
		long long now = time_mono_ms();
		struct job **pp = &h->waiting, *prev = NULL;
		int running = 0;

		h->again = false;
		http_pause_prune(h, now);
		while (*pp) {
			struct job *j = *pp;
			long long due = j->due_ms;
			long long until = http_pause_until(h, j->rate_key);

			if (until > due)
				due = until;
			if (due <= now || j->cancel_req) {
				*pp = j->next;
				if (h->waiting_tail == j)
					h->waiting_tail = prev;
				j->next = NULL;
				if (j->cancel_req) {
					/* cancelled before it ever went out */
					j->cancelled = true;
					http_complete(h, j);
				} else if (!http_start(h, j)) {
					j->attempts++;
					snprintf(j->errbuf, sizeof(j->errbuf), "cannot start the request");
					http_complete(h, j);
				}
				continue;
			}
			prev = j;
			pp = &j->next;
		}
		/* curl's timer: due now (a transfer just added), or later */
		if (h->curl_due_ms >= 0 && h->curl_due_ms <= time_mono_ms()) {
			h->curl_due_ms = -1;
			loop_timer_cancel(&h->curl_timer);
			curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		http_collect(h);
		if (h->done_head) {
			http_deliver_all(h);
			h->again = true;   /* a callback may have submitted */
		}
	} while (h->again);
	h->busy = false;
	/* the retries http_collect() just queued wait too */
	next = -1;
	for (struct job *j = h->waiting; j; j = j->next) {
		long long due = j->due_ms, until = http_pause_until(h, j->rate_key);
		if (until > due)
			due = until;
		if (next < 0 || due < next)
			next = due;
	}
	if (next >= 0) {
		long long d = next - time_mono_ms();
		loop_timer_start(&h->kick, d < 0 ? 0 : d);
	} else {
		loop_timer_cancel(&h->kick);
	}
}

static void http_on_kick(void *arg)
{
	http_progress(arg);
}

static void http_on_curl_timer(void *arg)
{
	struct http *h = arg;
	int running = 0;

	if (h->busy) {
		/* a callback is servicing the loop: http_progress() takes the
		 * due timer on its next round */
		h->again = true;
		return;
	}
	h->curl_due_ms = -1;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_progress(h);
}

/* The epoll set is readable: some socket curl watches is ready. */
static int http_on_epoll(struct lws *wsi, enum lws_callback_reasons reason, void *arg,
			 void *in, size_t len)
{
	struct http *h = arg;
	struct epoll_event evs[HTTP_EVENTS];
	int n, running = 0;

	(void)in;
	(void)len;
	if (reason == LWS_CALLBACK_RAW_CLOSE_FILE) {
		if (h->ep_wsi == wsi)
			h->ep_wsi = NULL;
		return 0;
	}
	if (reason != LWS_CALLBACK_RAW_RX_FILE || h->busy)
		return 0;
	n = epoll_wait(h->epoll_fd, evs, HTTP_EVENTS, 0);
	for (int i = 0; i < n; i++) {
		int mask = 0;

		if (evs[i].events & (EPOLLIN | EPOLLHUP))
			mask |= CURL_CSELECT_IN;
		if (evs[i].events & EPOLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (evs[i].events & EPOLLERR)
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(h->multi, evs[i].data.fd, mask, &running);
	}
	http_progress(h);
	return 0;
}

/* ---- the API ---- */

struct http *http_new(struct loop *loop)
{
	struct http *h;
	const char *env;

	pthread_once(&http_once, http_global_init);
	if (!http_global_ok) {
		log_error("http", "libcurl initialisation failed");
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->loop = loop;
	h->backoff_ms = 500;
	env = getenv("GOVBOT_HTTP_BACKOFF_MS");
	if (env && *env) {
		long v = strtol(env, NULL, 10);
		if (v > 0 && v <= 60000)
			h->backoff_ms = v;
	}
	h->rng = backoff_seed(h);
	h->multi = curl_multi_init();
	h->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	h->curl_due_ms = -1;
	if (!h->multi || h->epoll_fd < 0) {
		log_error("http", "libcurl multi handle creation failed");
		if (h->multi)
			curl_multi_cleanup(h->multi);
		if (h->epoll_fd >= 0)
			close(h->epoll_fd);
		free(h);
		return NULL;
	}
	h->ep_handler.fn = http_on_epoll;
	h->ep_handler.arg = h;
	h->ep_wsi = loop_adopt_fd(loop, h->epoll_fd, &h->ep_handler);
	if (!h->ep_wsi) {
		/* loop_adopt_fd closed the fd */
		log_error("http", "cannot watch the HTTP client's sockets");
		curl_multi_cleanup(h->multi);
		free(h);
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_on_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)HTTP_MAX_CONNECTS);
	loop_timer_init(&h->curl_timer, loop, http_on_curl_timer, h);
	loop_timer_init(&h->kick, loop, http_on_kick, h);
	atomic_init(&h->npauses_seen, 0);
	return h;
}

http_id http_submit(struct http *h, const struct http_request *req, http_done_fn *done, void *arg)
{
	struct job *j = xcalloc(1, sizeof(*j));
	http_id id = ++h->next_id;

	j->method = xstrdup(req->method ? req->method : "GET");
	j->url = xstrdup(req->url);
	if (req->body) {
		j->body = xmalloc(req->body_len + 1);
		memcpy(j->body, req->body, req->body_len);
		j->body[req->body_len] = '\0';
		j->body_len = req->body_len;
	}
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		j->headers = curl_slist_append(j->headers, req->headers[i]);
	j->headers = curl_slist_append(j->headers, "Expect:");
	j->rate_key = xstrdup(req->rate_key ? req->rate_key : req->url);
	j->max_attempts = req->max_attempts > 0 ? req->max_attempts : 1;
	j->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	j->done = done;
	j->arg = arg;
	j->retry_after_s = -1;
	j->id = id;
	j->long_poll = req->long_poll;
	j->retry_delay = req->retry_delay_ms;
	j->lnext = h->pending_list;
	if (j->lnext)
		j->lnext->lprev = j;
	h->pending_list = j;
	h->pending++;

	if (h->closing) {
		/* http_free() is cancelling: so is this one */
		j->cancelled = true;
		http_complete(h, j);
		return id;
	}
	if (h->held) {
		j->where = JOB_HELD;
		list_append(&h->held_head, &h->held_tail, j);
		return id;
	}
	http_go(h, j);
	http_curl_now(h);
	return id;
}

void http_hold(struct http *h)
{
	h->held = true;
}

void http_release(struct http *h)
{
	struct job *j = h->held_head;

	h->held = false;
	h->held_head = h->held_tail = NULL;
	while (j) {
		struct job *next = j->next;
		j->next = NULL;
		if (j->cancel_req) {
			j->cancelled = true;
			http_complete(h, j);
			http_kick(h);
		} else {
			http_go(h, j);
		}
		j = next;
	}
	http_curl_now(h);
}

/* Takes j off the waiting list (it is on it). */
static void waiting_unlink(struct http *h, struct job *j)
{
	struct job *prev = NULL;

	for (struct job **pp = &h->waiting; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			if (h->waiting_tail == j)
				h->waiting_tail = prev;
			j->next = NULL;
			return;
		}
	}
}

/* Stops j now: its transfer leaves curl, its wait ends; its callback runs
 * "cancelled" with the next delivery.  A held one is cancelled when it is
 * released; a finished one is reported cancelled at delivery. */
static void http_abort(struct http *h, struct job *j)
{
	j->cancel_req = true;
	if (j->where == JOB_ACTIVE) {
		curl_multi_remove_handle(h->multi, j->easy);
		active_unlink(h, j);
		http_easy_put(h, j->easy);
		j->easy = NULL;
		j->cancelled = true;
		http_complete(h, j);
	} else if (j->where == JOB_WAITING) {
		waiting_unlink(h, j);
		j->cancelled = true;
		http_complete(h, j);
	}
}

bool http_cancel(struct http *h, http_id id)
{
	for (struct job *j = h->pending_list; j; j = j->lnext) {
		if (j->id != id)
			continue;
		if (j->cancel_req)
			return true;
		http_abort(h, j);
		http_kick(h);
		return true;
	}
	return false;
}

size_t http_pending(const struct http *h)
{
	return h->pending;
}

size_t http_paused_keys(const struct http *h)
{
	return atomic_load(&((struct http *)h)->npauses_seen);
}

void http_free(struct http *h, long grace_ms)
{
	long long deadline;

	if (!h)
		return;
	http_release(h);
	/* long polls are not worth waiting for: cancel them now (their
	 * callbacks come during the grace period, or below) */
	for (struct job *j = h->pending_list; j; j = j->lnext)
		if (j->long_poll && !j->cancel_req)
			http_abort(h, j);
	if (h->done_head)
		http_kick(h);
	deadline = time_mono_ms() + grace_ms;
	while (h->pending && time_mono_ms() < deadline)
		loop_service(h->loop, 20);

	/* Cancel what is left: transfers, waits; every callback not yet run
	 * runs now.  A callback may submit again: those are cancelled too. */
	h->closing = true;
	for (int round = 0; round < 100; round++) {
		while (h->active)
			http_abort(h, h->active);
		while (h->waiting)
			http_abort(h, h->waiting);
		if (!h->done_head)
			break;
		http_deliver_all(h);
	}
	loop_timer_cancel(&h->kick);
	loop_timer_cancel(&h->curl_timer);
	curl_multi_cleanup(h->multi);
	while (h->neasy_pool)
		curl_easy_cleanup(h->easy_pool[--h->neasy_pool]);
	if (h->ep_wsi) {
		/* closes the epoll fd; RAW_CLOSE_FILE comes back at once */
		lws_set_timeout(h->ep_wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
	}
	for (size_t i = 0; i < h->npauses; i++)
		free(h->pauses[i].key);
	free(h->pauses);
	free(h);
}
