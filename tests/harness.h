/*
 * harness.h - the C half of govbot's two-process tests: a fake platform
 * (a Python server built on tests/loopback/harness.py) and the real
 * build/govbot, each its own process, talking over 127.0.0.1.
 *
 * One test:
 *
 *	static struct harness H;
 *	harness_begin(&H, "matrix");                       temp dir, files
 *	harness_start_server(&H, "tests/loopback/matrix_server.py",
 *			     (const char *[]){ "--scenario", "tests/data/matrix/sync.json", NULL });
 *	harness_config(&H, "{\"adapters\":{\"matrix\":{\"homeserver\":\"http://127.0.0.1:%d\"}},"
 *			   "\"database\":\"%s/db.sqlite3\"}", H.port, H.dir);
 *	harness_start_bot(&H, NULL, (const char *[]){ "MATRIX_TOKEN=syt_x", NULL });
 *	HARNESS_WAIT(&H, 15, harness_count(&H, "http", "api", "send") >= 1);
 *	const cJSON *r = harness_rec(&H, "http", "api", "send", 0);
 *	ck_assert_msg(r, "nothing sent: %s", harness_err_tail(&H));
 *	ck_assert(harness_is(r, "body.msgtype", "m.notice"));
 *	harness_check_protocol(&H);                        no violation records
 *	harness_stop_bot(&H);                              SIGTERM, exit 0
 *	harness_pass(&H);                                  files removed at exit
 *
 * A test waits for the record it then asserts on (HARNESS_WAIT re-reads the
 * fake's log every 20 ms up to a bound), never sleeps and asserts another:
 * that is how flakes are made.  When it must show that something did NOT
 * happen, it first waits for a later event that would come after it.
 *
 * Processes: the fake gets --log and --timeout (HARNESS_SERVER_TIMEOUT, else
 * 120 s) and stops at end of its stdin, so it never outlives the test;
 * govbot runs in its own process group with PR_SET_PDEATHSIG, stdout and
 * stderr appended to files in the temp dir.  Everything is killed at exit
 * (atexit); a test that did not reach harness_pass keeps its files and says
 * where (with HARNESS_KEEP set, every test does).  With CK_FORK=no the next
 * harness_begin cleans up the previous one.
 *
 * Environment: GOVBOT (the binary; default build/govbot), PYTHON (python3),
 * HARNESS_SERVER_TIMEOUT, HARNESS_KEEP.  Every govbot started gets
 * GOVBOT_CONFIG unset plus the test's env changes ("K=V" sets, "K" unsets,
 * in order).
 *
 * Everything here is static inline: each test binary takes what it uses.
 */
#ifndef GOVBOT_TESTS_HARNESS_H
#define GOVBOT_TESTS_HARNESS_H

#include <check.h>
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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

struct harness {
	char dir[64];           /* this test's files */
	char log[160];          /* the fake's records, JSON lines */
	char cfg[160];          /* govbot's config (harness_config) */
	char out[160];          /* govbot's stdout (all runs, appended) */
	char err[160];          /* govbot's stderr (all runs, appended) */
	int port;               /* where the fake listens */
	pid_t server, bot;
	int server_in;          /* write end of the fake's stdin */
	int bot_status;         /* wait status once reaped */
	bool bot_reaped;
	bool passed;
	cJSON *recs;            /* the fake's records as last read (harness_reload) */
};

/* The harness alive in this process, for the atexit cleanup. */
static struct harness *harness_current;

static inline double harness_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline const char *harness_env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

/* Kills what h started and removes its files unless the test failed. */
static inline void harness_cleanup(struct harness *h)
{
	if (h->bot > 0) {
		kill(-h->bot, SIGKILL); /* its group: anything it or a wrapper started */
		if (!h->bot_reaped)
			waitpid(h->bot, NULL, 0);
		h->bot = 0;
	}
	if (h->server > 0) {
		if (h->server_in >= 0)
			close(h->server_in);
		kill(h->server, SIGKILL);
		waitpid(h->server, NULL, 0);
		h->server = 0;
	}
	if (h->dir[0] && (!h->passed || getenv("HARNESS_KEEP"))) {
		fprintf(stderr, "harness: files of the %s test kept in %s\n",
			h->passed ? "passed" : "failed", h->dir);
	} else if (h->dir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "harness: could not remove %s\n", h->dir);
	}
	h->dir[0] = '\0';
	cJSON_Delete(h->recs);
	h->recs = NULL;
}

static void harness_at_exit(void)
{
	if (harness_current)
		harness_cleanup(harness_current);
}

/* Starts a test: a fresh /tmp/govbot-NAME.XXXXXX and the file names in it. */
static inline void harness_begin(struct harness *h, const char *name)
{
	static bool registered;

	if (harness_current)
		harness_cleanup(harness_current); /* CK_FORK=no: the previous test's */
	memset(h, 0, sizeof *h);
	h->server_in = -1;
	snprintf(h->dir, sizeof h->dir, "/tmp/govbot-%s.XXXXXX", name);
	ck_assert_msg(mkdtemp(h->dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(h->log, sizeof h->log, "%s/log.jsonl", h->dir);
	snprintf(h->cfg, sizeof h->cfg, "%s/config.json", h->dir);
	snprintf(h->out, sizeof h->out, "%s/out.txt", h->dir);
	snprintf(h->err, sizeof h->err, "%s/err.txt", h->dir);
	harness_current = h;
	if (!registered)
		atexit(harness_at_exit);
	registered = true;
}

/* The test passed: its files go at exit. */
static inline void harness_pass(struct harness *h)
{
	h->passed = true;
}

/* ---- the fake ------------------------------------------------------------ */

/*
 * Starts `$PYTHON script --log LOG --timeout T args...` (args NULL-terminated,
 * at most 40) and waits up to 15 s for its "PORT N" line; h->port is N.
 */
static inline void harness_start_server(struct harness *h, const char *script,
					const char *const *args)
{
	int in[2], out[2];
	char line[64];

	ck_assert_msg(access(script, R_OK) == 0, "%s: not found (run from the repository root)",
		      script);
	ck_assert(pipe(in) == 0 && pipe(out) == 0);
	h->server = fork();
	ck_assert(h->server >= 0);
	if (h->server == 0) {
		const char *py = harness_env_or("PYTHON", "python3");
		const char *argv[48] = { py, script, "--log", h->log, "--timeout",
					 harness_env_or("HARNESS_SERVER_TIMEOUT", "120") };
		size_t n = 6;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		for (size_t i = 0; args && args[i] && n < 47; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execvp(py, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	h->server_in = in[1];

	size_t got = 0;
	double until = harness_now() + 15;
	while (got < sizeof line - 1 && (got == 0 || line[got - 1] != '\n') &&
	       harness_now() < until) {
		struct pollfd pfd = { .fd = out[0], .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t n = read(out[0], line + got, 1);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	line[got] = '\0';
	close(out[0]);
	ck_assert_msg(sscanf(line, "PORT %d", &h->port) == 1 && h->port > 0,
		      "%s did not start (said \"%s\")", script, line);
}

/* Writes govbot's config file h->cfg from a printf format. */
static inline void harness_config(struct harness *h, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(h->cfg, "w");

	ck_assert_msg(f != NULL, "%s: %s", h->cfg, strerror(errno));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ck_assert(fclose(f) == 0);
}

/* ---- govbot ---------------------------------------------------------------- */

/* In a child: env changes, "K=V" sets and "K" unsets, in order. */
static inline void harness_apply_env(const char *const *env)
{
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		if (eq) {
			char key[128];
			snprintf(key, sizeof key, "%.*s", (int)(eq - env[i]), env[i]);
			setenv(key, eq + 1, 1);
		} else {
			unsetenv(env[i]);
		}
	}
}

/* Forks govbot with args (NULL: run --config CFG) and env; stdin /dev/null,
 * stdout and stderr appended to h->out and h->err (err_too_out: both to
 * h->out).  Returns its pid. */
static inline pid_t harness_spawn(struct harness *h, const char *const *args,
				  const char *const *env, bool group, bool err_to_out)
{
	const char *govbot = harness_env_or("GOVBOT", "build/govbot");

	ck_assert_msg(access(govbot, X_OK) == 0, "%s: not built", govbot);
	pid_t p = fork();
	ck_assert(p >= 0);
	if (p == 0) {
		const char *argv[40] = { govbot, "run", "--config", h->cfg, NULL };
		if (group)
			setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDONLY);
		int o = open(h->out, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int e = err_to_out ? o : open(h->err, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (null < 0 || o < 0 || e < 0)
			_exit(127);
		dup2(null, 0);
		dup2(o, 1);
		dup2(e, 2);
		if (args) {
			size_t n = 1;
			for (size_t i = 0; args[i] && n < 39; i++)
				argv[n++] = args[i];
			argv[n] = NULL;
		}
		unsetenv("GOVBOT_CONFIG");
		harness_apply_env(env);
		execv(govbot, (char *const *)argv);
		_exit(127);
	}
	return p;
}

/* Starts the long-running govbot (args NULL: `run --config CFG`). */
static inline void harness_start_bot(struct harness *h, const char *const *args,
				     const char *const *env)
{
	h->bot_reaped = false;
	h->bot_status = 0;
	h->bot = harness_spawn(h, args, env, true, false);
}

/* Runs a one-off govbot (`ask ...`) to its end, output to h->out; returns
 * its exit code, -1 when it did not exit normally within secs. */
static inline int harness_run_bot(struct harness *h, const char *const *args,
				  const char *const *env, double secs)
{
	int status;
	pid_t p = harness_spawn(h, args, env, false, true);

	for (double until = harness_now() + secs; harness_now() < until; usleep(10000))
		if (waitpid(p, &status, WNOHANG) == p)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	return -1;
}

/* Waits up to secs for the long-running govbot to exit; true when it did
 * (its wait status is then h->bot_status). */
static inline bool harness_bot_exited(struct harness *h, double secs)
{
	double until = harness_now() + secs;

	if (h->bot_reaped)
		return true;
	for (;;) {
		if (waitpid(h->bot, &h->bot_status, WNOHANG) == h->bot) {
			h->bot_reaped = true;
			return true;
		}
		if (harness_now() > until)
			return false;
		usleep(20000);
	}
}

/* A whole file as a string ("" when missing); caller frees. */
static inline char *harness_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1);
	size_t len = 0, n;
	char chunk[4096];

	ck_assert(text != NULL);
	if (!f)
		return text;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		text = realloc(text, len + n + 1);
		ck_assert(text != NULL);
		memcpy(text + len, chunk, n);
		len += n;
		text[len] = '\0';
	}
	fclose(f);
	return text;
}

/* govbot's stderr so far; caller frees. */
static inline char *harness_bot_stderr(struct harness *h)
{
	return harness_read_file(h->err);
}

/* The end of govbot's stderr on one line, for failure messages; borrowed
 * (a static buffer, valid until the next call). */
static inline const char *harness_err_tail(struct harness *h)
{
	static char tail[600];
	char *err = harness_bot_stderr(h);
	size_t n = strlen(err), from = n > sizeof tail - 1 ? n - (sizeof tail - 1) : 0, k = 0;

	for (size_t i = from; i < n && k < sizeof tail - 3; i++) {
		if (err[i] == '\n') {
			tail[k++] = ' ';
			tail[k++] = '|';
			tail[k++] = ' ';
		} else {
			tail[k++] = err[i];
		}
	}
	tail[k] = '\0';
	free(err);
	return tail;
}

/* Lines of govbot's stderr holding every one of the needles (NULL-ended,
 * exact case). */
static inline int harness_stderr_lines(struct harness *h, const char *const *needles)
{
	char *err = harness_bot_stderr(h);
	int found = 0;

	for (char *l = err; l && *l;) {
		char *nl = strchr(l, '\n');
		bool all = true;
		if (nl)
			*nl = '\0';
		for (size_t i = 0; needles[i] && all; i++)
			all = strstr(l, needles[i]) != NULL;
		found += all;
		l = nl ? nl + 1 : NULL;
	}
	free(err);
	return found;
}

/* Waits up to secs for a stderr line holding every needle; true when seen. */
static inline bool harness_wait_stderr(struct harness *h, double secs, const char *const *needles)
{
	for (double until = harness_now() + secs;; usleep(20000)) {
		if (harness_stderr_lines(h, needles) > 0)
			return true;
		if (harness_now() > until)
			return false;
	}
}

/* govbot must still run; SIGTERM must end it with exit 0 within 10 s. */
static inline void harness_stop_bot(struct harness *h)
{
	ck_assert_msg(!harness_bot_exited(h, 0), "govbot died during the test (status 0x%x): %s",
		      h->bot_status, harness_err_tail(h));
	kill(h->bot, SIGTERM);
	ck_assert_msg(harness_bot_exited(h, 10), "govbot did not exit within 10 s of SIGTERM");
	ck_assert_msg(WIFEXITED(h->bot_status) && WEXITSTATUS(h->bot_status) == 0,
		      "govbot ended by SIGTERM with status 0x%x, want exit 0", h->bot_status);
}

/* ---- the fake's records ------------------------------------------------------ */

/* Re-reads every complete line of the log into h->recs. */
static inline void harness_reload(struct harness *h)
{
	char *text = harness_read_file(h->log);

	cJSON_Delete(h->recs);
	h->recs = cJSON_CreateArray();
	for (char *l = text; *l;) {
		char *nl = strchr(l, '\n');
		if (!nl)
			break; /* a line still being written */
		*nl = '\0';
		cJSON *rec = cJSON_Parse(l);
		if (rec)
			cJSON_AddItemToArray(h->recs, rec);
		l = nl + 1;
	}
	free(text);
}

/* Re-reads the records until cond holds or secs pass (then the test asserts). */
#define HARNESS_WAIT(h, secs, cond)                                         \
	do {                                                                \
		double until_ = harness_now() + (secs);                     \
		for (;;) {                                                  \
			harness_reload(h);                                  \
			if ((cond) || harness_now() > until_)               \
				break;                                      \
			usleep(20000);                                      \
		}                                                           \
	} while (0)

/* The value at a dotted path ("body.blocks.0.text.verbatim"), or NULL. */
static inline const cJSON *harness_get(const cJSON *obj, const char *path)
{
	char part[128];

	while (obj && *path) {
		size_t n = strcspn(path, ".");
		snprintf(part, sizeof part, "%.*s", (int)n, path);
		if (cJSON_IsArray(obj)) {
			char *end;
			long i = strtol(part, &end, 10);
			obj = *end ? NULL : cJSON_GetArrayItem(obj, (int)i);
		} else {
			obj = cJSON_GetObjectItemCaseSensitive(obj, part);
		}
		path += n + (path[n] == '.');
	}
	return obj;
}

static inline const char *harness_str(const cJSON *obj, const char *path)
{
	const cJSON *v = harness_get(obj, path);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The number at path, or -1. */
static inline double harness_num(const cJSON *obj, const char *path)
{
	const cJSON *v = harness_get(obj, path);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static inline bool harness_is(const cJSON *obj, const char *path, const char *value)
{
	const char *s = harness_str(obj, path);
	return s && strcmp(s, value) == 0;
}

/* When the record was written (seconds since the fake started), or -1. */
static inline double harness_t(const cJSON *rec)
{
	return rec ? harness_num(rec, "t") : -1;
}

/* The nth (0-based) record of kind whose path equals value (path NULL: any). */
static inline const cJSON *harness_rec(struct harness *h, const char *kind, const char *path,
				       const char *value, int nth)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, h->recs) {
		if (!harness_is(r, "kind", kind) || (path && !harness_is(r, path, value)))
			continue;
		if (nth-- == 0)
			return r;
	}
	return NULL;
}

static inline int harness_count(struct harness *h, const char *kind, const char *path,
				const char *value)
{
	int n = 0;
	while (harness_rec(h, kind, path, value, n))
		n++;
	return n;
}

/* The fake saw no protocol violation and no scenario mistake. */
static inline void harness_check_protocol(struct harness *h)
{
	char what[2048] = "";
	size_t used = 0;
	const cJSON *r;
	int n = 0;

	harness_reload(h);
	cJSON_ArrayForEach(r, h->recs) {
		if (!harness_is(r, "kind", "violation") && !harness_is(r, "kind", "scenario_error"))
			continue;
		n++;
		const char *w = harness_str(r, "what") ? harness_str(r, "what") : harness_str(r, "error");
		int k = snprintf(what + used, sizeof what - used, "[%s] ", w ? w : "?");
		if (k > 0 && (size_t)k < sizeof what - used)
			used += (size_t)k;
	}
	ck_assert_msg(n == 0, "the fake saw %d protocol violation(s): %s", n, what);
}

#endif
