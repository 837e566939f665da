/* http.c - see http.h. */
#include "chatbot/net/http.h"

#include <curl/curl.h>
#include <pthread.h>
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

	pthread_mutex_t lock;         /* guards the five fields below */
	struct job *in_head, *in_tail;
	struct job *done_head, *done_tail;
	bool quit;
	bool cancels;                 /* some job has cancel_req: look */

	size_t pending;               /* loop thread */
	struct job *pending_list;     /* loop thread: jobs whose callback has not run */
	http_id next_id;              /* loop thread */
	atomic_size_t npauses_seen;   /* npauses, for any thread */

	/* worker thread only */
	struct job *waiting;
	struct job *active;
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

static bool http_start(struct http *h, struct job *j)
{
	CURL *e = curl_easy_init();

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

static void http_complete(struct http *h, struct job *j)
{
	pthread_mutex_lock(&h->lock);
	list_append(&h->done_head, &h->done_tail, j);
	pthread_mutex_unlock(&h->lock);
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
	curl_easy_cleanup(j->easy);
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

static void *http_worker(void *arg)
{
	struct http *h = arg;
	bool quit = false;

	while (!quit) {
		struct job *in, **pp;
		long long now, next = -1;
		int running = 0;
		CURLMsg *msg;
		int left;
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
				if (!http_start(h, j)) {
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

		curl_multi_perform(h->multi, &running);
		while ((msg = curl_multi_info_read(h->multi, &left))) {
			struct job *j = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			curl_multi_remove_handle(h->multi, msg->easy_handle);
			http_attempt_done(h, j, msg->data.result);
			if (h->waiting && (next < 0 || h->waiting->due_ms < next))
				next = h->waiting->due_ms;
		}

		{
			int timeout = 1000;
			if (next >= 0) {
				long long d = next - time_mono_ms();
				timeout = d < 0 ? 0 : d > 1000 ? 1000 : (int)d;
			}
			curl_multi_poll(h->multi, NULL, 0, timeout, NULL);
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
	if (!h->multi) {
		log_error("http", "libcurl multi handle creation failed");
		free(h);
		return NULL;
	}
	atomic_init(&h->npauses_seen, 0);
	pthread_mutex_init(&h->lock, NULL);
	loop_on_wake(loop, http_on_wake, h);
	if (pthread_create(&h->thread, NULL, http_worker, h) != 0) {
		log_error("http", "cannot start the HTTP worker thread");
		loop_off_wake(loop, http_on_wake, h);
		pthread_mutex_destroy(&h->lock);
		curl_multi_cleanup(h->multi);
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

	pthread_mutex_lock(&h->lock);
	list_append(&h->in_head, &h->in_tail, j);
	pthread_mutex_unlock(&h->lock);
	curl_multi_wakeup(h->multi);
	return id;
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
	curl_multi_wakeup(h->multi);
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
	curl_multi_wakeup(h->multi);
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
	for (size_t i = 0; i < h->npauses; i++)
		free(h->pauses[i].key);
	free(h->pauses);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
