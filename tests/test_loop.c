/* test_loop.c - chatbot/net/loop.c: timers, cross-thread posts and wakes, fd adoption. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chatbot/net/loop.h"
#include "chatbot/util/util.h"
#include "tests/testutil.h"

struct rec {
	struct loop *loop;
	int order[16];
	int n;
	int want;
};

struct tmr {
	struct loop_timer t;
	struct rec *rec;
	int id;
};

static void on_timeout(void *arg)
{
	loop_stop(arg, 99);
}

static void on_tmr(void *arg)
{
	struct tmr *t = arg;

	t->rec->order[t->rec->n++] = t->id;
	if (t->rec->n == t->rec->want)
		loop_stop(t->rec->loop, 0);
}

/* Runs the loop until something stops it or ms pass; returns the code. */
static int run_for(struct loop *l, long long ms)
{
	struct loop_timer guard;
	int rc;

	loop_timer_init(&guard, l, on_timeout, l);
	loop_timer_start(&guard, ms);
	rc = loop_run(l);
	loop_timer_cancel(&guard);
	return rc;
}

static const int delays[][3] = {
	{ 30, 10, 20 },
	{ 5, 15, 25 },
	{ 40, 20, 0 },
};

START_TEST(timers_fire_in_order)
{
	struct loop *l = loop_new();
	struct rec rec = { .loop = l, .want = 3 };
	struct tmr t[3];
	long long t0 = loop_now_ms();

	ck_assert_ptr_nonnull(l);
	for (int i = 0; i < 3; i++) {
		t[i].rec = &rec;
		t[i].id = delays[_i][i];
		loop_timer_init(&t[i].t, l, on_tmr, &t[i]);
		loop_timer_start(&t[i].t, delays[_i][i]);
	}
	ck_assert_int_eq(run_for(l, 2000), 0);
	ck_assert_int_eq(rec.n, 3);
	ck_assert_int_le(rec.order[0], rec.order[1]);
	ck_assert_int_le(rec.order[1], rec.order[2]);
	ck_assert_int_ge(loop_now_ms() - t0, rec.order[2]);
	loop_free(l);
}
END_TEST

START_TEST(timer_cancel_and_rearm)
{
	struct loop *l = loop_new();
	struct rec rec = { .loop = l, .want = 2 };
	struct tmr a = { .rec = &rec, .id = 1 }, b = { .rec = &rec, .id = 2 }, c = { .rec = &rec, .id = 3 };

	loop_timer_init(&a.t, l, on_tmr, &a);
	loop_timer_init(&b.t, l, on_tmr, &b);
	loop_timer_init(&c.t, l, on_tmr, &c);
	loop_timer_start(&a.t, 10);
	loop_timer_start(&b.t, 20);
	loop_timer_start(&c.t, 30);
	loop_timer_cancel(&a.t);          /* never fires */
	loop_timer_start(&b.t, 60);       /* re-armed: fires once, after c */
	ck_assert(c.t.pending);
	ck_assert(!a.t.pending);
	ck_assert_int_eq(run_for(l, 2000), 0);
	ck_assert_int_eq(rec.n, 2);
	ck_assert_int_eq(rec.order[0], 3);
	ck_assert_int_eq(rec.order[1], 2);
	/* nothing else fires afterwards */
	ck_assert_int_eq(run_for(l, 100), 99);
	ck_assert_int_eq(rec.n, 2);
	loop_free(l);
}
END_TEST

#define POSTERS 4
#define POSTS 500

struct posted {
	struct loop *loop;
	int last[POSTERS];
	int count;
	bool in_order;
	pthread_t loop_thread;
	bool on_loop_thread;
};

struct post_msg {
	struct posted *p;
	int thread;
	int seq;
};

static void on_post(void *arg)
{
	struct post_msg *m = arg;
	struct posted *p = m->p;

	if (!pthread_equal(pthread_self(), p->loop_thread))
		p->on_loop_thread = false;
	if (m->seq != p->last[m->thread] + 1)
		p->in_order = false;
	p->last[m->thread] = m->seq;
	if (++p->count == POSTERS * POSTS)
		loop_stop(p->loop, 0);
	free(m);
}

struct poster_arg {
	struct posted *p;
	int thread;
};

static void *poster(void *arg)
{
	struct poster_arg *a = arg;

	for (int i = 1; i <= POSTS; i++) {
		struct post_msg *m = xmalloc(sizeof(*m));
		m->p = a->p;
		m->thread = a->thread;
		m->seq = i;
		loop_post(a->p->loop, on_post, m);
		if (i % 100 == 0)
			usleep(1000);
	}
	return NULL;
}

START_TEST(cross_thread_posts)
{
	struct posted p = { .in_order = true, .on_loop_thread = true };
	pthread_t th[POSTERS];
	struct poster_arg args[POSTERS];

	p.loop = loop_new();
	p.loop_thread = pthread_self();
	for (int i = 0; i < POSTERS; i++) {
		args[i].p = &p;
		args[i].thread = i;
		pthread_create(&th[i], NULL, poster, &args[i]);
	}
	ck_assert_int_eq(run_for(p.loop, 5000), 0);
	for (int i = 0; i < POSTERS; i++)
		pthread_join(th[i], NULL);
	ck_assert_int_eq(p.count, POSTERS * POSTS);
	ck_assert(p.in_order);
	ck_assert(p.on_loop_thread);
	loop_free(p.loop);
}
END_TEST

struct woke {
	struct loop *loop;
	int calls;
};

static void on_wake(void *arg)
{
	struct woke *w = arg;

	w->calls++;
	loop_stop(w->loop, 0);
}

static void *waker(void *arg)
{
	usleep(20000);
	loop_wake(arg);
	return NULL;
}

START_TEST(wake_from_thread)
{
	struct woke w = { 0 };
	pthread_t th;

	w.loop = loop_new();
	loop_on_wake(w.loop, on_wake, &w);
	pthread_create(&th, NULL, waker, w.loop);
	ck_assert_int_eq(run_for(w.loop, 3000), 0);
	pthread_join(th, NULL);
	ck_assert_int_ge(w.calls, 1);
	/* unregistered: a wake no longer reaches it */
	loop_off_wake(w.loop, on_wake, &w);
	w.calls = 0;
	loop_wake(w.loop);
	ck_assert_int_eq(run_for(w.loop, 100), 99);
	ck_assert_int_eq(w.calls, 0);
	loop_free(w.loop);
}
END_TEST

struct fdrx {
	struct loop *loop;
	int fd;
	struct buf got;
	bool closed;
};

static int on_fd(struct lws *wsi, enum lws_callback_reasons reason, void *arg, void *in, size_t len)
{
	struct fdrx *r = arg;
	char tmp[256];
	ssize_t n;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		n = read(r->fd, tmp, sizeof(tmp));
		if (n <= 0)
			return -1;    /* EOF: close the wsi */
		buf_add(&r->got, tmp, (size_t)n);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		r->closed = true;
		loop_stop(r->loop, 0);
		return 0;
	default:
		return 0;
	}
}

static void write_more(void *arg)
{
	int *fds = arg;

	if (write(fds[1], "second line\n", 12) != 12)
		abort();
	close(fds[1]);
}

START_TEST(adopted_fd)
{
	struct fdrx r = { 0 };
	struct loop_handler h = { on_fd, &r };
	struct loop_timer t;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	buf_init(&r.got);
	r.loop = loop_new();
	r.fd = fds[0];
	ck_assert_ptr_nonnull(loop_adopt_fd(r.loop, fds[0], &h));
	ck_assert_int_eq(write(fds[1], "first line\n", 11), 11);
	loop_timer_init(&t, r.loop, write_more, fds);
	loop_timer_start(&t, 30);
	ck_assert_int_eq(run_for(r.loop, 3000), 0);
	ck_assert(r.closed);
	ck_assert_str_eq(buf_str(&r.got), "first line\nsecond line\n");
	loop_free(r.loop);
	buf_release(&r.got);
}
END_TEST

static Suite *loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, timers_fire_in_order, 0, (int)ARRAY_SIZE(delays));
	tcase_add_test(tc, timer_cancel_and_rearm);
	tcase_add_test(tc, cross_thread_posts);
	tcase_add_test(tc, wake_from_thread);
	tcase_add_test(tc, adopted_fd);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(loop_suite());
}
