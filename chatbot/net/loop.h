/*
 * loop.h - the one event loop every adapter shares.
 *
 * One libwebsockets context, serviced on the main thread, carries every
 * socket the process has: websocket clients (Slack Socket Mode), adopted
 * file descriptors (console stdin, the signalfd) and, later, listening
 * vhosts.  Timers are lws "sorted usec lists".  Nothing on the loop thread
 * may block.
 *
 * govbot's own work all runs on the loop thread (outgoing HTTP included:
 * chatbot/net/http.c).  Another thread (a test's server thread, say) talks
 * to the loop only through loop_post() / loop_wake(): both queue under a
 * mutex and call lws_cancel_service(), the one lws call that is safe from
 * another thread; the loop runs the queued work from
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED.
 *
 * Every wsi the loop owns is bound to the single protocol "govbot"; its
 * opaque user data points at a struct loop_handler whose callback receives
 * the wsi's events.  The handler must outlive the wsi (until its CLOSED /
 * CLIENT_CONNECTION_ERROR / RAW_CLOSE_FILE callback).
 *
 * Ownership: loop_new() returns a loop freed by loop_free().  Timers and
 * handlers are embedded in their owner's structs; cancel timers before
 * freeing them.
 */
#ifndef GOVBOT_LOOP_H
#define GOVBOT_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

#define LOOP_PROTOCOL "govbot"
/* Sockets and descriptors the loop watches at once (the HTTP listener's
 * connection cap stays well below it).  loop_new() raises the process's
 * soft open-file limit to a little above this when the hard limit allows. */
#define LOOP_MAX_FDS 1024

struct loop;

typedef void loop_fn(void *arg);

/* Receives every callback of one wsi.  Return as an lws callback does:
 * non-zero closes the wsi. */
typedef int loop_wsi_fn(struct lws *wsi, enum lws_callback_reasons reason, void *arg,
			void *in, size_t len);

struct loop_handler {
	loop_wsi_fn *fn;
	void *arg;
};

struct loop_timer {
	lws_sorted_usec_list_t sul;   /* first: lws links it */
	struct loop *loop;
	loop_fn *fn;
	void *arg;
	bool pending;
};

/* NULL (logged) when libwebsockets cannot start. */
struct loop *loop_new(void);
/* The same; tls false leaves the TLS library set-up and the CA bundle load
 * (tens of ms, about 2 MB) to the first loop_tls_vhost(), if any. */
struct loop *loop_new_tls(bool tls);
/* Runs queued posts one last time, destroys the context (closing every wsi). */
void loop_free(struct loop *l);

/* Services until loop_stop() (a stop before the call is forgotten); returns
 * the code given to loop_stop(). */
int loop_run(struct loop *l);
/* Services once, waiting at most timeout_ms (for shutdown drains and tests). */
void loop_service(struct loop *l, int timeout_ms);
/* Makes loop_run() return code after the current callback.  Loop thread only. */
void loop_stop(struct loop *l, int code);
bool loop_stopping(const struct loop *l);

struct lws_context *loop_lws(struct loop *l);
struct lws_vhost *loop_vhost(struct loop *l);
/* The vhost for TLS client links (wss://).  Unless the loop was made with
 * tls true, TLS is set up on the first call (a memory and start-up cost a
 * process with only ws:// / plain links never pays); NULL (logged) when it
 * cannot be.  Loop thread only. */
struct lws_vhost *loop_tls_vhost(struct loop *l);

/* Thread-safe: runs fn(arg) on the loop thread soon, in posting order. */
void loop_post(struct loop *l, loop_fn *fn, void *arg);

/* Thread-safe: wakes the loop, which then calls every registered wake
 * handler.  Registration is loop-thread only; handlers run on it. */
void loop_wake(struct loop *l);
void loop_on_wake(struct loop *l, loop_fn *fn, void *arg);
void loop_off_wake(struct loop *l, loop_fn *fn, void *arg);

/* Loop thread only: fn(arg) runs before each pass of loop_run() (one wait
 * for events, then every ready one served), so that work can be batched
 * per pass; NULL fn removes it.  One hook per loop. */
void loop_on_pass(struct loop *l, loop_fn *fn, void *arg);

/* Timers (loop thread only).  start() re-arms a pending timer. */
void loop_timer_init(struct loop_timer *t, struct loop *l, loop_fn *fn, void *arg);
void loop_timer_start(struct loop_timer *t, long long ms);
void loop_timer_cancel(struct loop_timer *t);

/* Adopts a readable file descriptor (stdin, a signalfd, a pipe) as a raw
 * file wsi: h gets LWS_CALLBACK_RAW_RX_FILE when it is readable and
 * LWS_CALLBACK_RAW_CLOSE_FILE when it goes.  The fd is owned by lws from
 * here on (closed with the wsi).  Returns the wsi, or NULL (fd closed). */
struct lws *loop_adopt_fd(struct loop *l, int fd, struct loop_handler *h);

/* Milliseconds on the loop's monotonic clock. */
long long loop_now_ms(void);

#endif
