/* loop.c - see loop.h. */
#include "chatbot/net/loop.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "chatbot/util/log.h"
#include "chatbot/util/util.h"


struct post {
	struct post *next;
	loop_fn *fn;
	void *arg;
};

struct wake_handler {
	loop_fn *fn;
	void *arg;
};

struct loop {
	struct lws_context *ctx;
	struct lws_vhost *vhost;      /* plain: ws://, adopted fds */
	struct lws_vhost *tls_vhost;  /* wss://; == vhost when set up at start */
	bool stop;
	int code;

	pthread_mutex_t lock;         /* guards posts and woken */
	struct post *head, *tail;
	bool woken;

	struct wake_handler *wakers;  /* loop thread only */
	size_t nwakers;
	loop_fn *on_pass;             /* loop thread only */
	void *on_pass_arg;
};

long long loop_now_ms(void)
{
	return time_mono_ms();
}

static void loop_drain(struct loop *l)
{
	struct post *p;
	bool woken;

	pthread_mutex_lock(&l->lock);
	p = l->head;
	l->head = l->tail = NULL;
	woken = l->woken;
	l->woken = false;
	pthread_mutex_unlock(&l->lock);

	while (p) {
		struct post *next = p->next;
		p->fn(p->arg);
		free(p);
		p = next;
	}
	if (woken) {
		/* A handler may unregister itself (or another) while running:
		 * iterate over a snapshot. */
		size_t n = l->nwakers;
		struct wake_handler few[8], *copy = few;

		if (!n)
			return;
		if (n > sizeof(few) / sizeof(few[0]))
			copy = xmalloc(n * sizeof(*copy));
		memcpy(copy, l->wakers, n * sizeof(*copy));
		for (size_t i = 0; i < n; i++)
			copy[i].fn(copy[i].arg);
		if (copy != few)
			free(copy);
	}
}

static int loop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			 void *in, size_t len)
{
	struct loop_handler *h;

	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		struct loop *l = lws_context_user(lws_get_context(wsi));
		if (l)
			loop_drain(l);
		return 0;
	}
	h = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	if (h && h->fn)
		return h->fn(wsi, reason, h->arg, in, len);
	return 0;
}

static const struct lws_protocols loop_protocols[] = {
	{ LOOP_PROTOCOL, loop_callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void loop_lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_event(level == LLL_ERR ? LOG_WARN : LOG_DEBUG, "lws", NULL, "%.*s", (int)n, line);
}

struct loop *loop_new(void)
{
	return loop_new_tls(true);
}

/* Lets the process hold LOOP_MAX_FDS descriptors (and some to spare) when
 * the hard limit allows: a soft `ulimit -n` of 1024 is common. */
static void loop_raise_nofile(void)
{
	struct rlimit rl;
	rlim_t want = LOOP_MAX_FDS + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warn("loop", "cannot raise the open-file limit to %llu: %s",
			 (unsigned long long)rl.rlim_cur, strerror(errno));
}

#define LOOP_READ_BYTES 65536

struct loop *loop_new_tls(bool tls)
{
	struct lws_context_creation_info info;
	struct loop *l = xcalloc(1, sizeof(*l));

	loop_raise_nofile();
	lws_set_log_level(LLL_ERR, loop_lws_log);
	pthread_mutex_init(&l->lock, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = loop_protocols;
	info.options = tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
	/* lws sizes (and zeroes) its fd tables by the process fd limit: 16
	 * bytes per possible fd, 16 MB under a 1M `ulimit -n`.  The loop holds a
	 * handful (signals, stdin, the cancel pipe, a chat link or two, the
	 * epoll fd of curl's sockets) plus the HTTP listener's connections
	 * (capped below this, chatbot/net/httpd.c), so a table of LOOP_MAX_FDS,
	 * searched instead of indexed, is plenty. */
	info.fd_limit_per_thread = LOOP_MAX_FDS;
	/* one read takes up to this much of a socket: a burst of websocket
	 * frames is served in one pass (one poll, one read, one write) rather
	 * than 4 KiB (lws's default) at a time */
	info.pt_serv_buf_size = LOOP_READ_BYTES;
	info.user = l;
	info.gid = -1;
	info.uid = -1;
	l->ctx = lws_create_context(&info);
	if (!l->ctx) {
		log_error("loop", "libwebsockets context creation failed");
		pthread_mutex_destroy(&l->lock);
		free(l);
		return NULL;
	}
	l->vhost = lws_get_vhost_by_name(l->ctx, "default");
	if (tls)
		l->tls_vhost = l->vhost;
	return l;
}

struct lws_vhost *loop_tls_vhost(struct loop *l)
{
	struct lws_context_creation_info info;

	if (l->tls_vhost)
		return l->tls_vhost;
	/* The first wss:// link: the TLS library, a client SSL context and the
	 * system CA bundle (about 2 MB resident) are set up now, on a vhost of
	 * their own, so a process that never makes one never pays for them. */
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = loop_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.vhost_name = "govbot-tls";
	info.gid = -1;
	info.uid = -1;
	l->tls_vhost = lws_create_vhost(l->ctx, &info);
	if (!l->tls_vhost)
		log_error("loop", "cannot set up TLS for wss:// connections");
	return l->tls_vhost;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	loop_drain(l);
	lws_context_destroy(l->ctx);
	loop_drain(l);
	free(l->wakers);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

int loop_run(struct loop *l)
{
	l->stop = false;
	l->code = 0;
	while (!l->stop) {
		if (l->on_pass)
			l->on_pass(l->on_pass_arg);
		if (lws_service(l->ctx, 0) < 0)
			break;
	}
	return l->code;
}

void loop_on_pass(struct loop *l, loop_fn *fn, void *arg)
{
	l->on_pass = fn;
	l->on_pass_arg = arg;
}

static void loop_noop(void *arg)
{
	(void)arg;
}

void loop_service(struct loop *l, int timeout_ms)
{
	struct loop_timer t;

	loop_timer_init(&t, l, loop_noop, NULL);
	loop_timer_start(&t, timeout_ms);
	lws_service(l->ctx, 0);
	loop_timer_cancel(&t);
}

void loop_stop(struct loop *l, int code)
{
	if (!l->stop)
		l->code = code;
	l->stop = true;
	lws_cancel_service(l->ctx);
}

bool loop_stopping(const struct loop *l)
{
	return l->stop;
}

struct lws_context *loop_lws(struct loop *l)
{
	return l->ctx;
}

struct lws_vhost *loop_vhost(struct loop *l)
{
	return l->vhost;
}

void loop_post(struct loop *l, loop_fn *fn, void *arg)
{
	struct post *p = xmalloc(sizeof(*p));

	p->next = NULL;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(&l->lock);
	if (l->tail)
		l->tail->next = p;
	else
		l->head = p;
	l->tail = p;
	pthread_mutex_unlock(&l->lock);
	lws_cancel_service(l->ctx);
}

void loop_wake(struct loop *l)
{
	bool was;

	/* wakes coalesce: while one is pending (the loop has not drained it
	 * yet), the handlers it will run see this one's work too */
	pthread_mutex_lock(&l->lock);
	was = l->woken;
	l->woken = true;
	pthread_mutex_unlock(&l->lock);
	if (!was)
		lws_cancel_service(l->ctx);
}

void loop_on_wake(struct loop *l, loop_fn *fn, void *arg)
{
	l->wakers = xrealloc(l->wakers, (l->nwakers + 1) * sizeof(*l->wakers));
	l->wakers[l->nwakers].fn = fn;
	l->wakers[l->nwakers].arg = arg;
	l->nwakers++;
}

void loop_off_wake(struct loop *l, loop_fn *fn, void *arg)
{
	for (size_t i = 0; i < l->nwakers; i++) {
		if (l->wakers[i].fn == fn && l->wakers[i].arg == arg) {
			memmove(&l->wakers[i], &l->wakers[i + 1],
				(l->nwakers - i - 1) * sizeof(*l->wakers));
			l->nwakers--;
			return;
		}
	}
}

static void loop_timer_fire(lws_sorted_usec_list_t *sul)
{
	struct loop_timer *t = lws_container_of(sul, struct loop_timer, sul);

	t->pending = false;
	t->fn(t->arg);
}

void loop_timer_init(struct loop_timer *t, struct loop *l, loop_fn *fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->loop = l;
	t->fn = fn;
	t->arg = arg;
}

void loop_timer_start(struct loop_timer *t, long long ms)
{
	if (ms < 0)
		ms = 0;
	t->pending = true;
	lws_sul_schedule(t->loop->ctx, 0, &t->sul, loop_timer_fire, (lws_usec_t)ms * 1000);
}

void loop_timer_cancel(struct loop_timer *t)
{
	if (!t->loop)
		return;
	t->pending = false;
	lws_sul_cancel(&t->sul);
}

struct lws *loop_adopt_fd(struct loop *l, int fd, struct loop_handler *h)
{
	lws_adopt_desc_t info;
	struct lws *wsi;

	memset(&info, 0, sizeof(info));
	info.vh = l->vhost;
	info.type = LWS_ADOPT_RAW_FILE_DESC;
	info.fd.filefd = fd;
	info.vh_prot_name = LOOP_PROTOCOL;
	info.opaque = h;
	wsi = lws_adopt_descriptor_vhost_via_info(&info);
	if (!wsi)
		log_error("loop", "cannot watch file descriptor %d", fd);
	return wsi;
}
