/*
 * bench_discourse.c - govbot's Discourse webhook path under load.
 *
 * A minimal forum in C (one poll() loop, 127.0.0.1): it answers the
 * POST /posts.json replies govbot makes, and it sends govbot signed
 * webhooks (`@govbot who maintains torch.nn?` in a post_created body,
 * X-Discourse-Event-Signature = sha256=HMAC-SHA256 of the exact bytes) at a
 * steady BENCH_RATE a second over BENCH_CONNS keep-alive connections.  Over
 * BENCH_SECONDS (after a warm-up second) it measures the time from sending
 * a webhook to its 2xx, counts the replies that reach the forum, and reads
 * govbot's CPU time.  Prints one line:
 *   discourse: N webhooks/s answered, p50 X ms, p99 Y ms to the 2xx, cpu Z us/command
 * Goals (issue 9): 1,000 webhooks/s verified and answered, p99 under 2 ms,
 * CPU per answered command within 2x of the Slack path's (bench_slack).
 *
 * Environment: GOVBOT (default build/govbot), BENCH_SECONDS (3), BENCH_RATE
 * (1000), BENCH_CONNS (8), BENCH_VERBOSE (govbot's stderr shown),
 * BENCH_ACK_ONLY (posts that do not address the bot: the cost of verifying
 * and acknowledging alone), BENCH_DIST (a second line: more percentiles).  Exit 0
 * when the run completed and every webhook got a 2xx (goals are reported),
 * 1 when govbot could not be driven.
 */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench.h"

#define API_KEY "dsc-bench-key"
#define SECRET "whsec-bench"
#define MAX_FORUM 512
#define MAX_HOOKS 64
#define MAX_SAMPLES (1 << 20)

struct peer {
	int fd;
	char *in;
	size_t len, cap;
	double sent_at;   /* webhook connections: when the request in flight went, 0: idle */
	bool warm;        /* counts in the window */
};

static struct peer forum[MAX_FORUM], hooks[MAX_HOOKS];
static int listen_fd = -1, forum_port, bot_port;
static pid_t bot = -1;
static double *lat;
static size_t nlat;
static long replies, replies_window, sent, answered_2xx, refused;
static long next_id = 1;
static bool ack_only;     /* BENCH_ACK_ONLY: posts not for the bot (verify and ack only) */

static void die(const char *what)
{
	fprintf(stderr, "bench_discourse: %s\n", what);
	if (bot > 0) {
		kill(-bot, SIGKILL);
		waitpid(bot, NULL, 0);
	}
	exit(1);
}

static void write_all(int fd, const char *data, size_t n)
{
	while (n) {
		ssize_t w = write(fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		data += w;
		n -= (size_t)w;
	}
}

static void append(struct peer *p, const char *data, size_t n)
{
	if (p->len + n + 1 > p->cap) {
		p->cap = (p->len + n + 1) * 2;
		p->in = realloc(p->in, p->cap);
		if (!p->in)
			die("out of memory");
	}
	memcpy(p->in + p->len, data, n);
	p->len += n;
	p->in[p->len] = '\0';
}

/* Length of one complete HTTP message at the start of p->in (head and a
 * Content-Length body), or 0 while incomplete. */
static size_t message_len(const struct peer *p, long *clen_out)
{
	const char *end = p->len ? strstr(p->in, "\r\n\r\n") : NULL;
	long clen = 0;

	if (!end)
		return 0;
	for (const char *h = p->in; h && h < end; h = strstr(h, "\r\n")) {
		h += h == p->in ? 0 : 2;
		if (strncasecmp(h, "Content-Length:", 15) == 0)
			clen = strtol(h + 15, NULL, 10);
		if (h == p->in)
			h++;
	}
	size_t head = (size_t)(end - p->in) + 4;
	if (p->len < head + (size_t)clen)
		return 0;
	if (clen_out)
		*clen_out = clen;
	return head + (size_t)clen;
}

static void consume(struct peer *p, size_t n)
{
	memmove(p->in, p->in + n, p->len - n);
	p->len -= n;
	p->in[p->len] = '\0';
}

/* ---- the forum side: govbot's replies ---- */

static void forum_read(struct peer *p, bool window)
{
	char buf[65536];
	ssize_t n = read(p->fd, buf, sizeof buf);
	size_t m;

	if (n <= 0) {
		close(p->fd);
		p->fd = -1;
		p->len = 0;
		return;
	}
	append(p, buf, (size_t)n);
	if (strstr(p->in, "Expect: 100-continue") && !strstr(p->in, "\r\n\r\n{"))
		write_all(p->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	while ((m = message_len(p, NULL)) > 0) {
		static const char ok[] = "{\"id\":5000,\"topic_id\":1,\"post_number\":2}";
		char head[256];
		bool reply = strncmp(p->in, "POST /posts.json", 16) == 0 && strstr(p->in, "\"topic_id\"");
		int hn = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				  "Content-Length: %zu\r\n\r\n", sizeof ok - 1);
		write_all(p->fd, head, (size_t)hn);
		write_all(p->fd, ok, sizeof ok - 1);
		if (reply) {
			replies++;
			replies_window += window;
		}
		consume(p, m);
	}
}

/* ---- the webhook side ---- */

static int connect_bot(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons((unsigned short)bot_port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void send_webhook(struct peer *p, bool window)
{
	char body[512], head[512], sig[65];
	unsigned char md[32];
	unsigned int mdlen = 0;
	long id = next_id++;
	int bn = snprintf(body, sizeof body,
			  "{\"post\":{\"id\":%ld,\"username\":\"alice\",\"user_id\":12,\"topic_id\":%ld,"
			  "\"post_number\":1,\"post_type\":1,\"version\":1,\"topic_archetype\":\"regular\","
			  "\"raw\":\"%s\"}}", id, id,
			  ack_only ? "hello everyone" : "@govbot who maintains torch.nn?");

	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)body, (size_t)bn, md, &mdlen);
	for (int i = 0; i < 32; i++)
		snprintf(sig + 2 * i, 3, "%02x", md[i]);
	int hn = snprintf(head, sizeof head,
			  "POST /discourse/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			  "Content-Type: application/json\r\nContent-Length: %d\r\n"
			  "X-Discourse-Instance: http://127.0.0.1:%d\r\nX-Discourse-Event-Id: %ld\r\n"
			  "X-Discourse-Event-Type: post\r\nX-Discourse-Event: post_created\r\n"
			  "X-Discourse-Event-Signature: sha256=%s\r\n\r\n", bn, forum_port, id, sig);
	p->sent_at = bench_now();
	p->warm = window;
	write_all(p->fd, head, (size_t)hn);
	write_all(p->fd, body, (size_t)bn);
	sent++;
}

static void hook_read(struct peer *p)
{
	char buf[8192];
	ssize_t n = read(p->fd, buf, sizeof buf);
	size_t m;

	if (n <= 0) {
		close(p->fd);
		p->fd = -1;
		p->len = 0;
		p->sent_at = 0;
		return;
	}
	append(p, buf, (size_t)n);
	while ((m = message_len(p, NULL)) > 0) {
		int status = 0;
		sscanf(p->in, "HTTP/1.%*d %d", &status);
		if (status >= 200 && status < 300) {
			answered_2xx++;
			if (p->warm && nlat < MAX_SAMPLES)
				lat[nlat++] = (bench_now() - p->sent_at) * 1000.0;
		} else {
			refused++;
		}
		p->sent_at = 0;
		if (strcasestr(p->in, "Connection: close")) {
			close(p->fd);
			p->fd = -1;
			p->len = 0;
			return;
		}
		consume(p, m);
	}
}

/* ---- govbot ---- */

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &slen) != 0)
		die("no free port");
	close(fd);
	return ntohs(sa.sin_port);
}

int main(void)
{
	const char *govbot = getenv("GOVBOT") ? getenv("GOVBOT") : "build/govbot";
	double seconds = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 3.0;
	double rate = getenv("BENCH_RATE") ? atof(getenv("BENCH_RATE")) : 1000.0;
	int nconns = getenv("BENCH_CONNS") ? atoi(getenv("BENCH_CONNS")) : 8;
	char dir[] = "/tmp/govbot-bench-discourse.XXXXXX", cfg[128];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof sa;

	signal(SIGPIPE, SIG_IGN);
	ack_only = getenv("BENCH_ACK_ONLY") && *getenv("BENCH_ACK_ONLY");
	if (seconds <= 0 || rate <= 0 || nconns < 1 || nconns > MAX_HOOKS)
		die("BENCH_SECONDS, BENCH_RATE and BENCH_CONNS (1..64) must be positive");
	if (access(govbot, X_OK) != 0)
		die("govbot not built (set GOVBOT)");
	lat = malloc(MAX_SAMPLES * sizeof *lat);
	if (!lat || !mkdtemp(dir))
		die("set-up failed");
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(listen_fd, 16) != 0 || getsockname(listen_fd, (struct sockaddr *)&sa, &slen) != 0)
		die("cannot listen on 127.0.0.1");
	forum_port = ntohs(sa.sin_port);
	bot_port = free_port();
	snprintf(cfg, sizeof cfg, "%s/config.json", dir);
	FILE *f = fopen(cfg, "w");
	if (!f)
		die("cannot write the config");
	fprintf(f, "{\"adapters\":{\"discourse\":{\"base_url\":\"http://127.0.0.1:%d\",\"api_username\":\"govbot\"}},"
		   "\"http\":{\"listen\":\"127.0.0.1:%d\"},\"database\":\"%s/db.sqlite3\"}\n",
		forum_port, bot_port, dir);
	fclose(f);
	for (int i = 0; i < MAX_FORUM; i++)
		forum[i].fd = -1;
	for (int i = 0; i < MAX_HOOKS; i++)
		hooks[i].fd = -1;
	bot = bench_spawn_govbot(govbot, cfg, (const char *const[]){
		"DISCOURSE_API_KEY=" API_KEY, "DISCOURSE_WEBHOOK_SECRET=" SECRET, NULL });
	if (bot < 0)
		die("fork failed");

	/* wait until it listens */
	double start = bench_now();
	int probe;
	while ((probe = connect_bot()) < 0) {
		if (bench_now() - start > 15)
			die("govbot did not listen (run with BENCH_VERBOSE=1 to see why)");
		usleep(20000);
	}
	close(probe);

	double t0 = bench_now(), warm_at = t0 + 1.0, end_at = warm_at + seconds, next_send = t0;
	double cpu_start = -1, cpu_end = -1, drain_until = end_at + 5;
	long window_sent = 0;
	while (bench_now() < drain_until) {
		double t = bench_now();
		bool window = t >= warm_at && t < end_at;
		if (cpu_start < 0 && t >= warm_at)
			cpu_start = bench_cpu_ms(bot);
		/* send what is due, on idle connections */
		for (int i = 0; i < nconns && t < end_at && next_send <= t; i++) {
			struct peer *p = &hooks[i];
			if (p->fd < 0 && (p->fd = connect_bot()) < 0)
				die("cannot connect to govbot");
			if (p->sent_at > 0)
				continue;
			send_webhook(p, window);
			window_sent += window;
			next_send += 1.0 / rate;
		}
		if (t >= end_at && cpu_end < 0) {
			/* the window is over: wait for its replies, then read the CPU */
			bool idle = true;
			for (int i = 0; i < nconns; i++)
				idle = idle && hooks[i].sent_at == 0;
			if (idle && (ack_only || replies >= sent))
				cpu_end = bench_cpu_ms(bot);
		}
		if (cpu_end >= 0)
			break;

		struct pollfd pfd[1 + MAX_FORUM + MAX_HOOKS];
		struct peer *map[1 + MAX_FORUM + MAX_HOOKS];
		bool is_forum[1 + MAX_FORUM + MAX_HOOKS];
		int np = 0;
		pfd[np] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		map[np] = NULL;
		is_forum[np++] = false;
		for (int i = 0; i < MAX_FORUM; i++)
			if (forum[i].fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = forum[i].fd, .events = POLLIN };
				map[np] = &forum[i];
				is_forum[np++] = true;
			}
		for (int i = 0; i < nconns; i++)
			if (hooks[i].fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = hooks[i].fd, .events = POLLIN };
				map[np] = &hooks[i];
				is_forum[np++] = false;
			}
		/* sleep until the next webhook is due (to the microsecond: poll()'s
		 * milliseconds would round a 1 ms period down to a busy wait), or,
		 * when it is overdue but every connection has one in flight, until
		 * an answer frees one; the sender's own CPU is then not taken
		 * from govbot on a small machine */
		bool can_send = false;
		for (int i = 0; i < nconns; i++)
			can_send = can_send || hooks[i].fd < 0 || hooks[i].sent_at == 0;
		double wait_s = t < end_at && can_send ? next_send - bench_now() : 0.020;
		if (wait_s < 0)
			wait_s = 0;
		if (wait_s > 0.020)
			wait_s = 0.020;
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)(wait_s * 1e9) };
		int r = ppoll(pfd, (nfds_t)np, &ts, NULL);
		int status;
		if (waitpid(bot, &status, WNOHANG) == bot) {
			bot = -1;
			die("govbot exited during the bench (run with BENCH_VERBOSE=1 to see why)");
		}
		if (r < 0 && errno != EINTR)
			die("poll failed");
		for (int j = 0; j < np && r > 0; j++) {
			if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!map[j]) {
				int fd = accept(listen_fd, NULL, NULL);
				for (int i = 0; fd >= 0 && i < MAX_FORUM; i++)
					if (forum[i].fd < 0) {
						forum[i].fd = fd;
						fd = -1;
					}
				if (fd >= 0)
					close(fd);
			} else if (is_forum[j]) {
				forum_read(map[j], window);
			} else {
				hook_read(map[j]);
			}
		}
	}
	if (cpu_end < 0)
		cpu_end = bench_cpu_ms(bot);
	kill(bot, SIGTERM);
	for (int i = 0; i < 500 && waitpid(bot, NULL, WNOHANG) != bot; i++)
		usleep(10000);
	kill(-bot, SIGKILL);
	waitpid(bot, NULL, 0);
	bot = -1;

	qsort(lat, nlat, sizeof *lat, bench_cmp_double);
	double p50 = nlat ? lat[nlat / 2] : -1, p99 = nlat ? lat[(size_t)((double)nlat * 0.99)] : -1;
	printf("discourse: %.0f webhooks/s answered, p50 %.3f ms, p99 %.3f ms to the 2xx, "
	       "cpu %.1f us/command [%ld sent, %ld 2xx, %ld refused, %ld replies]\n",
	       (double)replies_window / seconds, p50, p99,
	       window_sent ? (cpu_end - cpu_start) * 1000.0 / (double)window_sent : -1.0, sent, answered_2xx,
	       refused, replies);
	if (getenv("BENCH_DIST") && nlat) {
		/* the spread, for telling a slow path from a slow machine */
		static const double q[] = { 0.5, 0.9, 0.95, 0.99, 0.995, 0.999 };
		size_t over2 = 0;
		for (size_t i = 0; i < nlat; i++)
			over2 += lat[i] >= 2.0;
		printf("discourse: to the 2xx:");
		for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
			printf(" p%g %.3f ms", q[i] * 100, lat[(size_t)((double)nlat * q[i])]);
		printf(", max %.3f ms, %zu of %zu at 2 ms or more\n", lat[nlat - 1], over2, nlat);
	}
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_discourse: could not remove %s\n", dir);
	return refused || answered_2xx < sent || (!ack_only && replies < sent) ? 1 : 0;
}
