/*
 * bench_slack.c - govbot's Slack path end to end, under load.
 *
 * A minimal loopback Slack in C (Python can't push 20,000 envelopes a
 * second): one listening socket on 127.0.0.1 serving the Web API calls
 * govbot makes at start (auth.test, apps.connections.open, and
 * chat.postMessage should it post) and the Socket Mode websocket (RFC 6455
 * server side, hand-written).  It spawns `govbot run --config CFG`, sends
 * hello, then keeps BENCH_INFLIGHT slash commands (`/gov who torch.nn`, the
 * fixture's shape, each from another user: one user's commands are rate
 * limited) un-acked in flight for BENCH_SECONDS, and counts the
 * acks that carry the answer.  Prints one line:
 *   slack: N commands/s, p50 X ms, p99 Y ms, rss Z KiB
 * Goals (issue 4): >= 20,000 commands/s, p99 < 5 ms, rss < 10 MB.
 *
 * Environment: GOVBOT (default build/govbot), BENCH_SECONDS (3),
 * BENCH_INFLIGHT (64), BENCH_SMAPS (a file to copy govbot's smaps into).  Exit 0 when the run completed (goals are reported,
 * not enforced), 1 when govbot could not be driven.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench.h"

#define APP_TOKEN "xapp-1-A111-bench"
#define BOT_TOKEN "xoxb-111-bench"
#define MAX_CONNS 32
#define MAX_SAMPLES (1 << 21)

struct conn {
	int fd;
	bool ws;          /* upgraded to the Socket Mode link */
	bool continued;   /* "100 Continue" sent for the request being read */
	char *in;         /* unread bytes */
	size_t len, cap;
	char *msg;        /* a fragmented message being reassembled */
	size_t msg_len, msg_cap;
};

static struct conn conns[MAX_CONNS];
static int listen_fd = -1;
static int port;
static pid_t bot = -1;
static int ws_fd = -1;
static int tickets;

static double *sent_at;   /* by envelope number */
static size_t sent_cap;
static double *lat;       /* latencies of answered acks in the window, ms */
static size_t nlat;
static long answered, bare_acks, bad_acks;
static long next_env;
static int inflight;

static void die(const char *what)
{
	fprintf(stderr, "bench_slack: %s\n", what);
	if (bot > 0)
		kill(-bot, SIGKILL);
	exit(1);
}

/* ---- SHA-1 and base64 for Sec-WebSocket-Accept (RFC 3174, RFC 4648) ---- */

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1(const unsigned char *data, size_t n, unsigned char out[20])
{
	uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
	size_t total = ((n + 8) / 64 + 1) * 64;
	unsigned char *m = calloc(1, total);
	if (!m)
		die("out of memory");
	memcpy(m, data, n);
	m[n] = 0x80;
	uint64_t bits = (uint64_t)n * 8;
	for (int i = 0; i < 8; i++)
		m[total - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (size_t off = 0; off < total; off += 64) {
		uint32_t w[80];
		for (int i = 0; i < 16; i++)
			w[i] = (uint32_t)m[off + 4 * i] << 24 | (uint32_t)m[off + 4 * i + 1] << 16 |
			       (uint32_t)m[off + 4 * i + 2] << 8 | m[off + 4 * i + 3];
		for (int i = 16; i < 80; i++)
			w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
		uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
		for (int i = 0; i < 80; i++) {
			uint32_t f, k;
			if (i < 20) {
				f = (b & c) | (~b & d); k = 0x5A827999;
			} else if (i < 40) {
				f = b ^ c ^ d; k = 0x6ED9EBA1;
			} else if (i < 60) {
				f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC;
			} else {
				f = b ^ c ^ d; k = 0xCA62C1D6;
			}
			uint32_t t = rol(a, 5) + f + e + k + w[i];
			e = d; d = c; c = rol(b, 30); b = a; a = t;
		}
		h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
	}
	free(m);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (unsigned char)(h[i] >> (24 - 8 * j));
}

static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* ---- I/O ------------------------------------------------------------------ */

static void write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			poll(&pfd, 1, 100);
			continue;
		}
		if (w <= 0)
			die("write to govbot failed");
		p += w;
		n -= (size_t)w;
	}
}

static void ws_send(int fd, int opcode, const char *data, size_t n)
{
	unsigned char head[10];
	size_t h = 0;
	head[h++] = (unsigned char)(0x80 | opcode);
	if (n < 126) {
		head[h++] = (unsigned char)n;
	} else if (n < 65536) {
		head[h++] = 126;
		head[h++] = (unsigned char)(n >> 8);
		head[h++] = (unsigned char)n;
	} else {
		head[h++] = 127;
		for (int i = 7; i >= 0; i--)
			head[h++] = (unsigned char)((uint64_t)n >> (8 * i));
	}
	char *frame = malloc(h + n);
	if (!frame)
		die("out of memory");
	memcpy(frame, head, h);
	memcpy(frame + h, data, n);
	write_all(fd, frame, h + n);
	free(frame);
}

static void send_envelopes(int want)
{
	static const char fmt[] =
		"{\"envelope_id\":\"e%ld\",\"payload\":{\"token\":\"verification-token\","
		"\"team_id\":\"T111\",\"team_domain\":\"xxx\",\"channel_id\":\"C111\","
		"\"channel_name\":\"random\",\"user_id\":\"U2%07ld\",\"user_name\":\"alice\","
		"\"command\":\"/gov\",\"text\":\"who torch.nn\",\"api_app_id\":\"A111\","
		"\"response_url\":\"http://127.0.0.1:%d/response_url/T111/111/xxx\","
		"\"trigger_id\":\"111.222.xxx\"},\"type\":\"slash_commands\","
		"\"accepts_response_payload\":true}";
	char batch[64 * 1024];
	size_t used = 0;
	while (inflight < want) {
		char env[1024];
		/* each command from another person: one person's commands are
		 * rate limited (chatbot/dispatch), the load is many people's */
		int n = snprintf(env, sizeof env, fmt, next_env, next_env % 10000000, port);
		if ((size_t)next_env >= sent_cap) {
			sent_cap = sent_cap ? sent_cap * 2 : 1 << 16;
			sent_at = realloc(sent_at, sent_cap * sizeof *sent_at);
			if (!sent_at)
				die("out of memory");
		}
		if (used + (size_t)n + 10 > sizeof batch) {
			write_all(ws_fd, batch, used);
			used = 0;
		}
		/* one unmasked text frame, 16-bit length */
		batch[used++] = (char)0x81;
		batch[used++] = 126;
		batch[used++] = (char)(n >> 8);
		batch[used++] = (char)(n & 0xff);
		memcpy(batch + used, env, (size_t)n);
		used += (size_t)n;
		sent_at[next_env++] = bench_now();
		inflight++;
	}
	if (used)
		write_all(ws_fd, batch, used);
}

/* ---- HTTP ----------------------------------------------------------------- */

static void http_reply(int fd, int status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
			 "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n",
			 status, status == 200 ? "OK" : "Bad Request", strlen(body));
	write_all(fd, head, (size_t)n);
	write_all(fd, body, strlen(body));
}

static const char *header(const char *head, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
			const char *v = p + 3 + nl;
			while (*v == ' ')
				v++;
			size_t k = strcspn(v, "\r");
			if (k >= outlen)
				k = outlen - 1;
			memcpy(out, v, k);
			out[k] = '\0';
			return out;
		}
	}
	return NULL;
}

/* One complete HTTP request at c->in; returns bytes used, or 0 if incomplete. */
static size_t http_request(struct conn *c)
{
	char *end = memmem(c->in, c->len, "\r\n\r\n", 4);
	char val[256], head[8192];
	if (!end)
		return 0;
	size_t hlen = (size_t)(end - c->in) + 4;
	if (hlen >= sizeof head)
		die("request head too long");
	memcpy(head, c->in, hlen);
	head[hlen] = '\0';
	size_t body = header(head, "Content-Length", val, sizeof val) ? strtoul(val, NULL, 10) : 0;
	if (c->len < hlen + body) {
		if (!c->continued && header(head, "Expect", val, sizeof val) &&
		    strcasecmp(val, "100-continue") == 0)
			write_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		c->continued = true;
		return 0;
	}
	c->continued = false;
	const char *auth = header(head, "Authorization", val, sizeof val);
	bool app = auth && strcmp(auth, "Bearer " APP_TOKEN) == 0;
	bool botk = auth && strcmp(auth, "Bearer " BOT_TOKEN) == 0;

	if (strncmp(head, "GET /link/", 10) == 0) {
		char key[128], accept_src[200], acc[64];
		unsigned char dig[20];
		if (!header(head, "Sec-WebSocket-Key", key, sizeof key))
			die("websocket handshake without a key");
		snprintf(accept_src, sizeof accept_src, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
		sha1((const unsigned char *)accept_src, strlen(accept_src), dig);
		base64(dig, 20, acc);
		char resp[256];
		int n = snprintf(resp, sizeof resp,
				 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
		write_all(c->fd, resp, (size_t)n);
		c->ws = true;
		ws_fd = c->fd;
		static const char hello[] =
			"{\"type\":\"hello\",\"num_connections\":1,\"debug_info\":{\"host\":"
			"\"applink-111-xxx\",\"build_number\":10,\"approximate_connection_time\":18060},"
			"\"connection_info\":{\"app_id\":\"A111\"}}";
		ws_send(c->fd, 1, hello, sizeof hello - 1);
		return hlen;
	}
	if (strstr(head, "/api/apps.connections.open")) {
		char url[160];
		if (!app) {
			http_reply(c->fd, 200, "{\"ok\":false,\"error\":\"invalid_auth\"}");
		} else {
			snprintf(url, sizeof url,
				 "{\"ok\":true,\"url\":\"ws://127.0.0.1:%d/link/?ticket=%d&app_id=A111\"}",
				 port, ++tickets);
			http_reply(c->fd, 200, url);
		}
	} else if (strstr(head, "/api/auth.test")) {
		http_reply(c->fd, 200, botk ? "{\"ok\":true,\"team_id\":\"T111\",\"user_id\":\"U111\","
				       "\"bot_id\":\"B111\",\"user\":\"govbot\"}"
				     : "{\"ok\":false,\"error\":\"invalid_auth\"}");
	} else if (strstr(head, "/api/chat.postMessage")) {
		http_reply(c->fd, 200, "{\"ok\":true,\"channel\":\"C111\",\"ts\":\"1503435956.000247\"}");
	} else {
		http_reply(c->fd, 200, "{\"ok\":false,\"error\":\"unknown_method\"}");
	}
	return hlen + body;
}

/* ---- websocket frames from govbot ------------------------------------------ */

static void on_message(const char *m, size_t n, double t, double window_start)
{
	const char *id = memmem(m, n, "\"envelope_id\"", 13);
	const char *end = m + n;
	if (id) {
		id += 13;
		while (id < end && (*id == ' ' || *id == ':'))
			id++;
	}
	if (!id || end - id < 3 || id[0] != '"' || id[1] != 'e') {
		bad_acks++;
		return;
	}
	long k = strtol(id + 2, NULL, 10);
	if (k < 0 || k >= next_env) {
		bad_acks++;
		return;
	}
	inflight--;
	bool has_answer = memmem(m, n, "Schlosser", 9) != NULL;
	if (!has_answer) {
		bare_acks++;
		return;
	}
	if (sent_at[k] >= window_start && window_start > 0) {
		answered++;
		if (nlat < MAX_SAMPLES)
			lat[nlat++] = (t - sent_at[k]) * 1000.0;
	}
}

/* Parses complete frames in c->in; returns bytes used. */
static size_t ws_frames(struct conn *c, double window_start)
{
	size_t off = 0;
	double t = bench_now();
	for (;;) {
		unsigned char *p = (unsigned char *)c->in + off;
		size_t avail = c->len - off, h = 2;
		if (avail < 2)
			break;
		uint64_t n = p[1] & 0x7f;
		if (n == 126) {
			if (avail < 4)
				break;
			n = (uint64_t)p[2] << 8 | p[3];
			h = 4;
		} else if (n == 127) {
			if (avail < 10)
				break;
			n = 0;
			for (int i = 0; i < 8; i++)
				n = n << 8 | p[2 + i];
			h = 10;
		}
		bool masked = p[1] & 0x80;
		if (!masked)
			die("govbot sent an unmasked frame");
		if (avail < h + 4 + n)
			break;
		unsigned char *key = p + h, *data = p + h + 4;
		for (uint64_t i = 0; i < n; i++)
			data[i] ^= key[i & 3];
		int op = p[0] & 0x0f;
		bool fin = p[0] & 0x80;
		if (op == 9) {
			ws_send(c->fd, 10, (char *)data, (size_t)n);
		} else if (op == 8) {
			ws_send(c->fd, 8, (char *)data, n >= 2 ? 2 : 0);
		} else if (op == 1 || op == 0) {
			if (op == 1 && fin) {
				on_message((char *)data, (size_t)n, t, window_start);
			} else {
				if (c->msg_len + n > c->msg_cap) {
					c->msg_cap = (c->msg_len + n) * 2;
					c->msg = realloc(c->msg, c->msg_cap);
					if (!c->msg)
						die("out of memory");
				}
				if (op == 1)
					c->msg_len = 0;
				memcpy(c->msg + c->msg_len, data, n);
				c->msg_len += n;
				if (fin) {
					on_message(c->msg, c->msg_len, t, window_start);
					c->msg_len = 0;
				}
			}
		}
		off += h + 4 + n;
	}
	return off;
}

/* ---- main ------------------------------------------------------------------ */

static long rss_kib(const char *field)
{
	char path[64], line[256];
	long v = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)bot);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field), NULL, 10);
	fclose(f);
	return v;
}

/* BENCH_SMAPS=FILE: govbot's /proc/PID/smaps at the end of the window is
 * copied to FILE, to see which mappings are resident (measurement only). */
static void copy_smaps(const char *to)
{
	char path[64], chunk[4096];
	size_t n;
	snprintf(path, sizeof path, "/proc/%d/smaps", (int)bot);
	FILE *in = fopen(path, "r"), *out = fopen(to, "w");
	while (in && out && (n = fread(chunk, 1, sizeof chunk, in)) > 0)
		fwrite(chunk, 1, n, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

int main(void)
{
	const char *govbot = getenv("GOVBOT") ? getenv("GOVBOT") : "build/govbot";
	double seconds = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 3.0;
	int want = getenv("BENCH_INFLIGHT") ? atoi(getenv("BENCH_INFLIGHT")) : 64;
	char dir[] = "/tmp/govbot-bench-slack.XXXXXX", cfg[128], db[128];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof sa;

	signal(SIGPIPE, SIG_IGN);
	if (want < 1 || seconds <= 0)
		die("BENCH_INFLIGHT and BENCH_SECONDS must be positive");
	if (access(govbot, X_OK) != 0)
		die("govbot not built (set GOVBOT)");
	lat = malloc(MAX_SAMPLES * sizeof *lat);
	if (!lat || !mkdtemp(dir))
		die("set-up failed");
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(listen_fd, 16) != 0 || getsockname(listen_fd, (struct sockaddr *)&sa, &slen) != 0)
		die("cannot listen on 127.0.0.1");
	port = ntohs(sa.sin_port);
	snprintf(cfg, sizeof cfg, "%s/config.json", dir);
	snprintf(db, sizeof db, "%s/db.sqlite3", dir);
	FILE *f = fopen(cfg, "w");
	if (!f)
		die("cannot write the config");
	fprintf(f, "{\"adapters\":{\"slack\":{\"api_url\":\"http://127.0.0.1:%d/api/\","
		   "\"announce_channel\":\"C0ANNOUNCE\"}},\"database\":\"%s\"}\n", port, db);
	fclose(f);
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	bot = bench_spawn_govbot(govbot, cfg, (const char *const[]){
		"SLACK_APP_TOKEN=" APP_TOKEN, "SLACK_BOT_TOKEN=" BOT_TOKEN, NULL });
	if (bot < 0)
		die("fork failed");

	double start = bench_now(), window_start = 0, window_end = 0, deadline = start + 30;
	bool warm = false;
	double cpu_start = -1, cpu_end = -1;   /* govbot's CPU ms over the window */
	while (bench_now() < deadline) {
		struct pollfd pfd[MAX_CONNS + 1];
		int map[MAX_CONNS + 1], np = 0;
		pfd[np] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		map[np++] = -1;
		for (int i = 0; i < MAX_CONNS; i++)
			if (conns[i].fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
				map[np++] = i;
			}
		int r = poll(pfd, (nfds_t)np, 50);
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
			if (map[j] < 0) {
				int fd = accept(listen_fd, NULL, NULL);
				int one = 1;
				if (fd < 0)
					continue;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				int slot = -1;
				for (int i = 0; i < MAX_CONNS && slot < 0; i++)
					if (conns[i].fd < 0)
						slot = i;
				if (slot < 0) {
					close(fd);
					continue;
				}
				conns[slot] = (struct conn){ .fd = fd };
				continue;
			}
			struct conn *c = &conns[map[j]];
			if (c->len + 65536 > c->cap) {
				c->cap = (c->len + 65536) * 2;
				c->in = realloc(c->in, c->cap);
				if (!c->in)
					die("out of memory");
			}
			ssize_t n = read(c->fd, c->in + c->len, c->cap - c->len);
			if (n <= 0) {
				if (c->ws)
					die("govbot closed the Socket Mode link");
				close(c->fd);
				free(c->in);
				free(c->msg);
				*c = (struct conn){ .fd = -1 };
				continue;
			}
			c->len += (size_t)n;
			size_t used;
			do {
				used = c->ws ? ws_frames(c, window_start) : http_request(c);
				memmove(c->in, c->in + used, c->len - used);
				c->len -= used;
			} while (used && !c->ws && c->len);
		}
		if (ws_fd >= 0) {
			double t = bench_now();
			if (!warm) {
				warm = true;
				window_start = t + 0.5; /* half a second of warm-up */
				window_end = window_start + seconds;
				deadline = window_end + 5;
			}
			if (cpu_start < 0 && t >= window_start)
				cpu_start = bench_cpu_ms(bot);
			if (t < window_end) {
				send_envelopes(want);
			} else {
				if (cpu_end < 0)
					cpu_end = bench_cpu_ms(bot);
				if (inflight == 0)
					break;
			}
		}
	}
	if (bot > 0 && getenv("BENCH_SMAPS"))
		copy_smaps(getenv("BENCH_SMAPS"));
	long rss = bot > 0 ? rss_kib("VmRSS:") : -1, hwm = bot > 0 ? rss_kib("VmHWM:") : -1;
	long anon = bot > 0 ? rss_kib("RssAnon:") : -1, file = bot > 0 ? rss_kib("RssFile:") : -1;
	if (!warm)
		die("govbot never opened the Socket Mode link");
	if (inflight > 0)
		fprintf(stderr, "bench_slack: %d envelopes still un-acked at the end\n", inflight);
	kill(bot, SIGTERM);
	for (int i = 0; i < 200 && waitpid(bot, NULL, WNOHANG) != bot; i++)
		usleep(10000);
	kill(-bot, SIGKILL);
	waitpid(bot, NULL, 0);

	qsort(lat, nlat, sizeof *lat, bench_cmp_double);
	double p50 = nlat ? lat[nlat / 2] : 0, p99 = nlat ? lat[(size_t)((double)nlat * 0.99)] : 0;
	printf("slack: %.0f commands/s, p50 %.3f ms, p99 %.3f ms, rss %ld KiB"
	       " [peak %ld KiB, anon %ld KiB, file %ld KiB; %ld answered in %.1f s, %d in flight,"
	       " %ld acks without answer, %ld bad; govbot cpu %.1f us/command]\n",
	       (double)answered / seconds, p50, p99, rss, hwm, anon, file, answered, seconds, want,
	       bare_acks, bad_acks,
	       answered && cpu_start >= 0 && cpu_end >= 0 ? (cpu_end - cpu_start) * 1000.0 / (double)answered : -1.0);
	unlink(cfg);
	unlink(db);
	char side[160];
	snprintf(side, sizeof side, "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", db);
	unlink(side);
	rmdir(dir);
	return answered > 0 ? 0 : 1;
}
