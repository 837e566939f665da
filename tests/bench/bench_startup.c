/*
 * bench_startup.c - start-up to ready: spawn `govbot run` on a pipe, write
 * "who torch.nn", time until the first answer line arrives; 50 times;
 * median and p95 (goal: under 20 ms with the bundled roster).  Also the
 * wall time of `govbot ask who torch.nn`.  The binary is $GOVBOT, else
 * build/govbot; it runs in a scratch directory.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 50
#define GOAL_MS 20.0

static char govbot[PATH_MAX];
static char scratch[64];

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Starts govbot with argv; *in and *out are its stdin/stdout (in may be NULL:
 * stdin is /dev/null).  Returns the pid or -1. */
static pid_t spawn(char *const argv[], int *in, int *out)
{
	int pi[2], po[2];
	if (pipe(pi) < 0 || pipe(po) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pi[0], 0);
		dup2(po[1], 1);
		close(pi[0]); close(pi[1]); close(po[0]); close(po[1]);
		if (!freopen("/dev/null", "w", stderr) || chdir(scratch) < 0)
			_exit(126);
		execv(govbot, argv);
		_exit(127);
	}
	close(pi[0]);
	close(po[1]);
	if (in)
		*in = pi[1];
	else
		close(pi[1]);
	*out = po[0];
	return pid;
}

/* Reads until a newline arrives (or EOF / 5 s).  Returns 0 when one did. */
static int await_line(int fd)
{
	char buf[4096];
	double deadline = now_ms() + 5000;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)(deadline - now_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return -1;
		if (memchr(buf, '\n', (size_t)n))
			return 0;
	}
}

static void drain_and_wait(pid_t pid, int fd)
{
	char buf[4096];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof(double), cmp_double);
	double median = ms[n / 2], p95 = ms[(n * 95 + 99) / 100 - 1];
	printf("%-40s median %6.2f ms  p95 %6.2f ms  min %6.2f ms  (%d runs)\n", what, median, p95, ms[0], n);
}

int main(void)
{
	const char *env = getenv("GOVBOT");
	if (!realpath(env && *env ? env : "build/govbot", govbot)) {
		fprintf(stderr, "bench_startup: no govbot binary; set GOVBOT\n");
		return 1;
	}
	snprintf(scratch, sizeof(scratch), "/tmp/govbot-bench-XXXXXX");
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	double ready[RUNS], ask[RUNS];
	char *run_argv[] = { govbot, "run", NULL };
	char *ask_argv[] = { govbot, "ask", "who", "torch.nn", NULL };
	static const char line[] = "who torch.nn\n";

	for (int i = 0; i < RUNS; i++) {
		int in, out;
		double t0 = now_ms();
		pid_t pid = spawn(run_argv, &in, &out);
		if (pid < 0 || write(in, line, sizeof(line) - 1) != (ssize_t)(sizeof(line) - 1) ||
		    await_line(out) < 0) {
			fprintf(stderr, "bench_startup: govbot run gave no answer\n");
			return 1;
		}
		ready[i] = now_ms() - t0;
		close(in);
		drain_and_wait(pid, out);
	}
	for (int i = 0; i < RUNS; i++) {
		int out;
		double t0 = now_ms();
		pid_t pid = spawn(ask_argv, NULL, &out);
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		drain_and_wait(pid, out);
		ask[i] = now_ms() - t0;
	}
	report("start-up to first answer (run)", ready, RUNS);
	report("govbot ask who torch.nn (wall)", ask, RUNS);
	printf("goal: start-up under %.0f ms: %s\n", GOAL_MS, ready[RUNS / 2] < GOAL_MS ? "met" : "NOT met");

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
