/*
 * bench.h - what the end-to-end benches (bench_slack, bench_discourse,
 * bench_matrix) share: a monotonic clock, govbot's CPU time from /proc, a
 * comparison for qsort of latencies, and starting `govbot run` quietly.
 */
#ifndef GOVBOT_BENCH_H
#define GOVBOT_BENCH_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The CPU time (user + system) of process pid in ms, from /proc/PID/stat
 * (clock ticks: 10 ms steps); -1 when it cannot be read. */
static inline double bench_cpu_ms(pid_t pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[n] = '\0';
	char *p = strrchr(line, ')');
	unsigned long ut = 0, st = 0;
	/* after "pid (comm)": state, then fields 4..13, then utime, stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* For qsort() of doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Starts `govbot run --config cfg` with env ("NAME=value" strings,
 * NULL-terminated) added to its environment, in its own process group (a
 * wrapper's children, GOVBOT="time ...", go down with it), killed when the
 * bench dies, its output to /dev/null (stderr kept with BENCH_VERBOSE).
 * Returns its pid, or -1 when fork failed. */
static inline pid_t bench_spawn_govbot(const char *govbot, const char *cfg, const char *const *env)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (!getenv("BENCH_VERBOSE"))
			dup2(null, 2);
	}
	for (size_t i = 0; env && env[i]; i++)
		putenv((char *)env[i]);
	execl(govbot, govbot, "run", "--config", cfg, (char *)NULL);
	_exit(127);
}

#endif
