/* http.c - see http.h. */
#include "chatbot/net/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
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

struct job {
	struct job *next;
	struct job *aprev, *anext;    /* the worker's active list */
	struct job *lprev, *lnext;    /* the loop's pending list (loop thread) */
	http_id id;
	bool long_poll;
	http_retry_delay_fn *retry_delay;
	atomic_bool cancel_req;       /* set by http_cancel (loop), read by both */
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

	/* worker side */
	CURL *easy;
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
	pthread_t thread;
	CURLM *multi;
	long backoff_ms;
	int wake_fd;                  /* eventfd: the loop wakes the worker */
	int epoll_fd;                 /* worker: curl's sockets and wake_fd */
	long long curl_due_ms;        /* worker: curl's timer, -1 when none */

	pthread_mutex_t lock;         /* guards the five fields below */
	struct job *in_head, *in_tail;
	struct job *done_head, *done_tail;
	bool quit;
	bool cancels;                 /* some job has cancel_req: look */

	bool held;                    /* loop thread: http_hold() in force */
	struct job *held_head, *held_tail;  /* loop thread: submitted while held */
	size_t pending;               /* loop thread */
	struct job *pending_list;     /* loop thread: jobs whose callback has not run */
	http_id next_id;              /* loop thread */
	atomic_size_t npauses_seen;   /* npauses, for any thread */

	/* worker thread only */
	struct job *waiting;
	struct job *active;
	CURL *easy_pool[HTTP_EASY_POOL];
	size_t neasy_pool;
	struct job *done_batch, *done_batch_tail;  /* finished this round, handed over at its end */
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

/* ---- worker thread ---- */

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

/* An easy handle: a pooled one (reset) or a new one. */
static CURL *http_easy_get(struct http *h)
{
	if (h->neasy_pool)
		return h->easy_pool[--h->neasy_pool];
	return curl_easy_init();
}

/* Gives e back to the pool (its options reset; the connection it used stays
 * in the multi handle's cache) or frees it when the pool is full. */
static void http_easy_put(struct http *h, CURL *e)
{
	if (!e)
		return;
	if (h->neasy_pool < HTTP_EASY_POOL) {
		curl_easy_reset(e);
		h->easy_pool[h->neasy_pool++] = e;
	} else {
		curl_easy_cleanup(e);
	}
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
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, j->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, j->timeout_ms < 10000 ? j->timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "govbot");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	if (strcmp(j->method, "GET") != 0) {
		if (strcmp(j->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, j->method);
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body ? j->body : "");
	}
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		j->easy = NULL;
		return false;
	}
	j->aprev = NULL;
	j->anext = h->active;
	if (h->active)
		h->active->aprev = j;
	h->active = j;
	return true;
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

/* j is finished: it joins this round's batch, handed to the loop by
 * http_complete_flush() (one lock, one wake per round). */
static void http_complete(struct http *h, struct job *j)
{
	list_append(&h->done_batch, &h->done_batch_tail, j);
}

static void http_complete_flush(struct http *h)
{
	if (!h->done_batch)
		return;
	pthread_mutex_lock(&h->lock);
	if (h->done_tail)
		h->done_tail->next = h->done_batch;
	else
		h->done_head = h->done_batch;
	h->done_tail = h->done_batch_tail;
	pthread_mutex_unlock(&h->lock);
	h->done_batch = h->done_batch_tail = NULL;
	loop_wake(h->loop);
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
		j->attempts < j->max_attempts && !atomic_load(&j->cancel_req);
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
	j->next = h->waiting;
	h->waiting = j;
}

/* Aborts every job http_cancel() marked: its transfer leaves the multi
 * handle, its wait ends; the loop reports it "cancelled". */
static void http_abort_cancelled(struct http *h)
{
	struct job *j = h->active, **pp = &h->waiting;

	while (j) {
		struct job *next = j->anext;
		if (atomic_load(&j->cancel_req)) {
			curl_multi_remove_handle(h->multi, j->easy);
			active_unlink(h, j);
			j->cancelled = true;
			http_complete(h, j);
		}
		j = next;
	}
	while (*pp) {
		j = *pp;
		if (atomic_load(&j->cancel_req)) {
			*pp = j->next;
			j->cancelled = true;
			http_complete(h, j);
		} else {
			pp = &j->next;
		}
	}
}

/* Finished transfers leave the multi handle; next is lowered to the
 * earliest retry that became due. */
static void http_collect(struct http *h, long long *next)
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
		if (h->waiting && (*next < 0 || h->waiting->due_ms < *next))
			*next = h->waiting->due_ms;
	}
}

/* curl tells which sockets to watch (CURLMOPT_SOCKETFUNCTION): each one
 * is in the worker's epoll set for the events curl wants. */
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

/* curl's one timer (CURLMOPT_TIMERFUNCTION): -1 stops it. */
static int http_on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;

	(void)multi;
	h->curl_due_ms = timeout_ms < 0 ? -1 : time_mono_ms() + timeout_ms;
	return 0;
}

/* Waits up to timeout_ms for a socket curl watches or a wake from the
 * loop, and lets curl act on what is ready. */
static void http_wait(struct http *h, int timeout_ms)
{
	struct epoll_event evs[64];
	int n = epoll_wait(h->epoll_fd, evs, 64, timeout_ms), running = 0;

	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd, mask = 0;

		if (fd == h->wake_fd) {
			uint64_t v;
			ssize_t r = read(h->wake_fd, &v, sizeof(v));   /* takes the whole count */
			(void)r;
			continue;
		}
		if (evs[i].events & (EPOLLIN | EPOLLHUP))
			mask |= CURL_CSELECT_IN;
		if (evs[i].events & EPOLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (evs[i].events & EPOLLERR)
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(h->multi, fd, mask, &running);
	}
	if (h->curl_due_ms >= 0 && h->curl_due_ms <= time_mono_ms()) {
		h->curl_due_ms = -1;
		curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
}

/* Any thread: wakes the worker out of http_wait(). */
static void http_wake_worker(struct http *h)
{
	uint64_t one = 1;
	ssize_t n = write(h->wake_fd, &one, sizeof(one));
	(void)n;   /* a full counter is already a pending wake */
}

static void *http_worker(void *arg)
{
	struct http *h = arg;
	bool quit = false;

	while (!quit) {
		struct job *in, **pp;
		long long now, next = -1;
		int running = 0;
		bool cancels;

		pthread_mutex_lock(&h->lock);
		in = h->in_head;
		h->in_head = h->in_tail = NULL;
		quit = h->quit;
		cancels = h->cancels;
		h->cancels = false;
		pthread_mutex_unlock(&h->lock);
		/* keep submission order among the newly arrived */
		if (in) {
			struct job **tailp = &h->waiting;
			while (*tailp)
				tailp = &(*tailp)->next;
			*tailp = in;
		}
		if (quit)
			break;
		if (cancels)
			http_abort_cancelled(h);

		now = time_mono_ms();
		http_pause_prune(h, now);
		pp = &h->waiting;
		while (*pp) {
			struct job *j = *pp;
			long long due = j->due_ms;
			long long until = http_pause_until(h, j->rate_key);

			if (until > due)
				due = until;
			if (due <= now) {
				*pp = j->next;
				j->next = NULL;
				if (atomic_load(&j->cancel_req)) {
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
			if (next < 0 || due < next)
				next = due;
			pp = &j->next;
		}

		/* curl's timer: due now (a transfer just added), or later */
		if (h->curl_due_ms >= 0 && h->curl_due_ms <= time_mono_ms()) {
			h->curl_due_ms = -1;
			curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		http_collect(h, &next);
		http_complete_flush(h);
		{
			int timeout = 1000;
			long long t = time_mono_ms();
			if (next >= 0) {
				long long d = next - t;
				timeout = d < 0 ? 0 : d > 1000 ? 1000 : (int)d;
			}
			if (h->curl_due_ms >= 0) {
				long long d = h->curl_due_ms - t;
				int c = d < 0 ? 0 : d > 1000 ? 1000 : (int)d;
				if (c < timeout)
					timeout = c;
			}
			http_wait(h, timeout);
			http_collect(h, &next);
		}
	}

	/* Cancel what is left: active transfers, waiting retries. */
	while (h->active) {
		struct job *j = h->active;
		h->active = j->anext;
		curl_multi_remove_handle(h->multi, j->easy);
		j->cancelled = true;
		http_complete(h, j);
	}
	while (h->waiting) {
		struct job *j = h->waiting;
		h->waiting = j->next;
		j->cancelled = true;
		http_complete(h, j);
	}
	http_complete_flush(h);
	while (h->neasy_pool)
		curl_easy_cleanup(h->easy_pool[--h->neasy_pool]);
	return NULL;
}

/* ---- loop thread ---- */

static void http_deliver(struct http *h, struct job *j)
{
	struct http_response res;

	if (atomic_load(&j->cancel_req))
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

static void http_on_wake(void *arg)
{
	struct http *h = arg;
	struct job *j;

	pthread_mutex_lock(&h->lock);
	j = h->done_head;
	h->done_head = h->done_tail = NULL;
	pthread_mutex_unlock(&h->lock);
	while (j) {
		struct job *next = j->next;
		http_deliver(h, j);
		j = next;
	}
}

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
	h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	h->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	h->curl_due_ms = -1;
	if (!h->multi || h->wake_fd < 0 || h->epoll_fd < 0) {
		log_error("http", "libcurl multi handle creation failed");
		if (h->multi)
			curl_multi_cleanup(h->multi);
		if (h->wake_fd >= 0)
			close(h->wake_fd);
		if (h->epoll_fd >= 0)
			close(h->epoll_fd);
		free(h);
		return NULL;
	}
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = h->wake_fd };
		epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->wake_fd, &ev);
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_on_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)HTTP_MAX_CONNECTS);
	atomic_init(&h->npauses_seen, 0);
	pthread_mutex_init(&h->lock, NULL);
	loop_on_wake(loop, http_on_wake, h);
	if (pthread_create(&h->thread, NULL, http_worker, h) != 0) {
		log_error("http", "cannot start the HTTP worker thread");
		loop_off_wake(loop, http_on_wake, h);
		pthread_mutex_destroy(&h->lock);
		curl_multi_cleanup(h->multi);
		close(h->wake_fd);
		close(h->epoll_fd);
		free(h);
		return NULL;
	}
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
	atomic_init(&j->cancel_req, false);
	j->lnext = h->pending_list;
	if (j->lnext)
		j->lnext->lprev = j;
	h->pending_list = j;
	h->pending++;

	if (h->held) {
		list_append(&h->held_head, &h->held_tail, j);
		return id;
	}
	pthread_mutex_lock(&h->lock);
	/* a queue already holding requests has its wakeup on the way: the
	 * worker takes the whole queue at once */
	bool first = h->in_head == NULL;
	list_append(&h->in_head, &h->in_tail, j);
	pthread_mutex_unlock(&h->lock);
	if (first)
		http_wake_worker(h);
	return id;
}

void http_hold(struct http *h)
{
	h->held = true;
}

void http_release(struct http *h)
{
	bool first;

	h->held = false;
	if (!h->held_head)
		return;
	pthread_mutex_lock(&h->lock);
	first = h->in_head == NULL;
	if (h->in_tail)
		h->in_tail->next = h->held_head;
	else
		h->in_head = h->held_head;
	h->in_tail = h->held_tail;
	pthread_mutex_unlock(&h->lock);
	h->held_head = h->held_tail = NULL;
	if (first)
		http_wake_worker(h);
}

/* Marks j cancelled; the caller tells the worker (http_cancels_wake). */
static void http_mark_cancel(struct job *j)
{
	atomic_store(&j->cancel_req, true);
}

static void http_cancels_wake(struct http *h)
{
	pthread_mutex_lock(&h->lock);
	h->cancels = true;
	pthread_mutex_unlock(&h->lock);
	http_wake_worker(h);
	/* one already finished, waiting in the done queue, reports
	 * "cancelled" at its delivery (http_deliver) */
}

bool http_cancel(struct http *h, http_id id)
{
	for (struct job *j = h->pending_list; j; j = j->lnext) {
		if (j->id != id)
			continue;
		if (atomic_load(&j->cancel_req))
			return true;
		http_mark_cancel(j);
		http_cancels_wake(h);
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
	 * callbacks come during the grace period, or at the join below) */
	bool any = false;
	for (struct job *j = h->pending_list; j; j = j->lnext) {
		if (j->long_poll) {
			http_mark_cancel(j);
			any = true;
		}
	}
	if (any)
		http_cancels_wake(h);
	deadline = time_mono_ms() + grace_ms;
	while (h->pending && time_mono_ms() < deadline)
		loop_service(h->loop, 20);

	pthread_mutex_lock(&h->lock);
	h->quit = true;
	pthread_mutex_unlock(&h->lock);
	http_wake_worker(h);
	pthread_join(h->thread, NULL);

	/* The worker is gone: deliver what it finished, cancel what it never
	 * took.  A callback may submit again; those are cancelled too. */
	for (int round = 0; round < 100; round++) {
		struct job *in;

		http_on_wake(h);
		pthread_mutex_lock(&h->lock);
		in = h->in_head;
		h->in_head = h->in_tail = NULL;
		pthread_mutex_unlock(&h->lock);
		if (!in)
			break;
		while (in) {
			struct job *next = in->next;
			in->cancelled = true;
			http_deliver(h, in);
			in = next;
		}
	}
	loop_off_wake(h->loop, http_on_wake, h);
	curl_multi_cleanup(h->multi);
	close(h->wake_fd);
	close(h->epoll_fd);
	for (size_t i = 0; i < h->npauses; i++)
		free(h->pauses[i].key);
	free(h->pauses);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
