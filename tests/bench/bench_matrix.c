/*
 * bench_matrix.c - govbot's Matrix path end to end, under load.
 *
 * Starts the loopback homeserver (tests/loopback/matrix_server.py, driven
 * through its POST /_loopback/op) and
 * `govbot run`, waits for govbot's long-poll, then:
 *   1. one sync carrying BENCH_COMMANDS (1,000) `!gov who torch.nn`
 *      commands: the time from the homeserver queueing them to the last
 *      answer stored, and govbot's CPU time per answered command (user +
 *      system, /proc/PID/stat, over that window);
 *   2. BENCH_EVENTS (100,000) ordinary chat messages synced in batches of
 *      1,000: govbot's resident memory after the first 10,000 and at the
 *      end (flat means the second is not meaningfully larger).
 * Prints two lines:
 *   matrix: 1000 commands answered in X ms (goal 1000 ms), cpu Y us/command
 *           (schedstat Z us/command)
 * Y counts clock ticks (/proc/PID/stat: 10 ms steps, so +-10 us/command at
 * 1,000 commands); Z is the same CPU time to the nanosecond (the threads'
 * schedstat), the figure to compare runs by.
 *   matrix: rss A KiB after 10000 events, B KiB after 100000 events
 * The wall time includes the Python homeserver's own work (it stores and
 * logs every send); govbot's CPU time is govbot's alone.
 *
 * Environment: GOVBOT (default build/govbot), MATRIX_SERVER, PYTHON,
 * BENCH_COMMANDS, BENCH_EVENTS, BENCH_KEEP (set: the temporary folder, with
 * the homeserver's log, is kept and named).  Exit 0 when the run completed (goals are
 * reported, not enforced), 1 when govbot could not be driven.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define TOKEN "syt_bench_token"
#define ROOM "!bench:example.org"

static pid_t server = -1, bot = -1;
static int server_in = -1;   /* the homeserver's stdin: it stops at its end */
static int port;
static char dir[] = "/tmp/govbot-bench-matrix.XXXXXX";
static char logpath[128];
static long log_off;       /* how far the log has been read */
static long stored, waits; /* answers stored, long-polls seen waiting */

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

static void cleanup(void)
{
	const char *names[] = { "log.jsonl", "config.json", "scenario.json", "err.txt",
				"db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm" };
	char p[256];

	if (bot > 0) {
		kill(bot, SIGKILL);
		waitpid(bot, NULL, 0);
	}
	if (server > 0) {
		if (server_in >= 0)
			close(server_in);
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	if (getenv("BENCH_KEEP")) {
		fprintf(stderr, "bench_matrix: kept %s\n", dir);
		return;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void fail(const char *what)
{
	fprintf(stderr, "bench_matrix: %s\n", what);
	cleanup();
	exit(1);
}

/* POSTs one operation (JSON) to the homeserver's /_loopback/op and reads
 * the answer to its end. */
static void op(const char *json)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char head[256], buf[4096];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t len = strlen(json);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		fail("cannot reach the homeserver");
	snprintf(head, sizeof head, "POST /_loopback/op HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 len);
	if (write(fd, head, strlen(head)) < 0 || write(fd, json, len) < 0)
		fail("cannot post an operation");
	while (read(fd, buf, sizeof buf) > 0)
		;
	close(fd);
}

/* Reads the records added since the last call, counting what we wait for. */
static void scan(void)
{
	FILE *f = fopen(logpath, "r");
	char line[1 << 16];

	if (!f)
		return;
	fseek(f, log_off, SEEK_SET);
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		if (!n || line[n - 1] != '\n')
			break;   /* a line still being written: read it next time */
		log_off += (long)n;
		if (strstr(line, "\"kind\":\"send\"") && strstr(line, "\"stored\":true"))
			stored++;
		else if (strstr(line, "\"kind\":\"sync_wait\""))
			waits++;
	}
	fclose(f);
}

static bool wait_for(long *counter, long want, double secs)
{
	double until = bench_now() + secs;
	for (;;) {
		scan();
		if (*counter >= want)
			return true;
		if (bench_now() > until)
			return false;
		usleep(2000);
	}
}

/* govbot's CPU time in ms to the nanosecond: the sum over its threads of
 * /proc/PID/task/TID/schedstat's first field (time on a CPU, ns); -1 when
 * schedstat is missing.  bench_cpu_ms() counts clock ticks (10 ms each), too
 * coarse for a 100 ms window. */
static double cpu_ms_fine(void)
{
	char path[320];
	double ns = 0;
	DIR *d;
	struct dirent *e;
	bool any = false;

	snprintf(path, sizeof path, "/proc/%d/task", (int)bot);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		unsigned long long v;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%s/schedstat", (int)bot, e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fscanf(f, "%llu", &v) == 1) {
			ns += (double)v;
			any = true;
		}
		fclose(f);
	}
	closedir(d);
	return any ? ns / 1e6 : -1;
}

static long rss_kib(void)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)bot);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

static void start(void)
{
	int in[2], out[2];
	char scen[128], cfg[128], err[128], line[64];
	size_t got = 0;
	FILE *f;

	snprintf(scen, sizeof scen, "%s/scenario.json", dir);
	snprintf(cfg, sizeof cfg, "%s/config.json", dir);
	snprintf(err, sizeof err, "%s/err.txt", dir);
	f = fopen(scen, "w");
	if (!f)
		fail("cannot write the scenario");
	fprintf(f, "{\"rooms\":{\"" ROOM "\":{\"members\":[\"@alice:example.org\","
		   "\"@bob:example.org\"],\"joined\":true}}}\n");
	fclose(f);
	if (pipe(in) || pipe(out))
		fail("pipe");
	server = fork();
	if (server == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		const char *py = env_or("PYTHON", "python3");
		execlp(py, py, env_or("MATRIX_SERVER", "tests/loopback/matrix_server.py"),
		       "--scenario", scen, "--log", logpath, "--timeout", "600", "--token", TOKEN,
		       (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	server_in = in[1];
	for (double until = bench_now() + 15; got < sizeof line - 1 && bench_now() < until;) {
		struct pollfd pfd = { .fd = out[0], .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(out[0], line + got, 1) != 1)
			break;
		if (line[got++] == '\n')
			break;
	}
	line[got] = '\0';
	close(out[0]);
	if (sscanf(line, "PORT %d", &port) != 1)
		fail("the loopback homeserver did not start");
	f = fopen(cfg, "w");
	if (!f)
		fail("cannot write the config");
	fprintf(f, "{\"adapters\":{\"matrix\":{\"homeserver_url\":\"http://127.0.0.1:%d\","
		   "\"user_id\":\"@govbot:example.org\"}},\"database\":\"%s/db.sqlite3\"}\n", port, dir);
	fclose(f);
	bot = fork();
	if (bot == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR), e = open(err, O_WRONLY | O_CREAT, 0600);
		dup2(null, 0);
		dup2(null, 1);
		dup2(e, 2);
		setenv("MATRIX_ACCESS_TOKEN", TOKEN, 1);
		unsetenv("GOVBOT_CONFIG");
		execl(env_or("GOVBOT", "build/govbot"), "govbot", "run", "--config", cfg, (char *)NULL);
		_exit(127);
	}
}

int main(void)
{
	long commands = atol(env_or("BENCH_COMMANDS", "1000"));
	long events = atol(env_or("BENCH_EVENTS", "100000"));
	long rss_early = -1, rss_end;
	double t0, t1, c0, c1, f0, f1;

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		fail(strerror(errno));
	snprintf(logpath, sizeof logpath, "%s/log.jsonl", dir);
	start();
	if (!wait_for(&waits, 1, 20))
		fail("govbot never long-polled /sync");

	/* 1. one sync of commands */
	c0 = bench_cpu_ms(bot);
	f0 = cpu_ms_fine();
	t0 = bench_now();
	{
		char json[256];
		snprintf(json, sizeof json, "{\"op\":\"message\",\"room\":\"" ROOM "\","
			 "\"sender\":\"@alice:example.org\",\"body\":\"!gov who torch.nn\","
			 "\"count\":%ld}", commands);
		op(json);
	}
	if (!wait_for(&stored, commands, 120))
		fail("not every command was answered within 120 s");
	t1 = bench_now();
	c1 = bench_cpu_ms(bot);
	f1 = cpu_ms_fine();
	printf("matrix: %ld commands answered in %.0f ms (goal 1000 ms), cpu %.1f us/command"
	       " (schedstat %.1f us/command)\n",
	       commands, (t1 - t0) * 1000.0, (c1 - c0) * 1000.0 / (double)commands,
	       f0 >= 0 && f1 >= 0 ? (f1 - f0) * 1000.0 / (double)commands : -1.0);

	/* 2. ordinary chat: memory stays flat */
	for (long sent = 0; sent < events; sent += 1000) {
		long w = waits;
		op("{\"op\":\"message\",\"room\":\"" ROOM "\",\"sender\":\"@bob:example.org\","
		   "\"body\":\"just chatting about tensors, message {i}\",\"count\":1000}");
		/* govbot took the batch when it long-polls again */
		if (!wait_for(&waits, w + 1, 60))
			fail("govbot stopped syncing");
		if (sent + 1000 == 10000)
			rss_early = rss_kib();
	}
	rss_end = rss_kib();
	printf("matrix: rss %ld KiB after %ld events, %ld KiB after %ld events\n", rss_early,
	       events < 10000 ? events : 10000L, rss_end, events);
	kill(bot, SIGTERM);
	waitpid(bot, NULL, 0);
	bot = -1;
	cleanup();
	return 0;
}
