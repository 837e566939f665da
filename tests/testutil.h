/* testutil.h - helpers the test binaries share: a suite's main, temp
 * directories and files, the govbot binary as a child process (args, env,
 * stdin, captured stdout/stderr, exit code, timeout), a config that maps
 * console identities, a bot on a temp database, and one dispatched line
 * rendered for the console.
 *
 * Every tests/test_X.c is its own binary (see the Makefile), so everything
 * here is `static inline`: each binary takes what it uses, and an unused
 * helper costs nothing and warns about nothing. */
#ifndef GOVBOT_TESTUTIL_H
#define GOVBOT_TESTUTIL_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "chatbot/bot/bot.h"
#include "chatbot/bot/config.h"
#include "chatbot/dispatch/dispatch.h"
#include "chatbot/bot/grammar.h"
#include "chatbot/bot/reply.h"
#include "chatbot/roster/roster.h"
#include "chatbot/gov/store.h"
#include "chatbot/util/util.h"

/* ---- a suite's main ---------------------------------------------------------- */

/* Runs the suite (CK_NORMAL), frees it; returns 1 when a test failed, else
 * 0.  The adapters' schemas are registered first, as main.c does. */
static inline int tu_run_suite(Suite *s)
{
	adapters_register();
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* ---- temp directories and files ------------------------------------------------ */

/* Makes a fresh directory /tmp/govbot-NAME-XXXXXX into dir (size bytes). */
static inline void tu_mkdtemp(char *dir, size_t size, const char *name)
{
	int n = snprintf(dir, size, "/tmp/govbot-%s-XXXXXX", name);
	ck_assert(n > 0 && (size_t)n < size);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Removes dir and everything in it; returns system()'s result (0: done). */
static inline int tu_rmrf(const char *dir)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* Writes len bytes of text to path (created or truncated); asserts it all
 * went out. */
static inline void tu_write_bytes(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* tu_write_bytes for a C string. */
static inline void tu_write_file(const char *path, const char *text)
{
	tu_write_bytes(path, text, strlen(text));
}

/* ---- time ------------------------------------------------------------------------ */

/* Milliseconds on the monotonic clock. */
static inline long long tu_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the govbot binary as a child process ---------------------------------------- */

/* Puts the absolute path of $GOVBOT (else build/govbot) into path; on
 * failure says so on stderr, naming the test, and returns -1. */
static inline int tu_find_govbot(char path[PATH_MAX], const char *test)
{
	const char *env = getenv("GOVBOT");
	const char *g = env && *env ? env : "build/govbot";
	if (!realpath(g, path)) {
		fprintf(stderr, "%s: cannot find the govbot binary (%s); set GOVBOT\n", test, g);
		return -1;
	}
	return 0;
}

/* In a child: applies env changes ("K=V" sets, "K" unsets), in order. */
static inline void tu_apply_env(const char *const *env)
{
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		if (eq) {
			char key[128];
			snprintf(key, sizeof(key), "%.*s", (int)(eq - env[i]), env[i]);
			setenv(key, eq + 1, 1);
		} else {
			unsetenv(env[i]);
		}
	}
}

/*
 * Starts exe with args (NULL-terminated, without argv[0]; at most 30), in
 * cwd unless NULL, with the env changes of tu_apply_env.  Its stdin and
 * stdout are pipes: *in gets the write end, *out the read end.  Its stderr
 * is a pipe too (*err, the read end) when err_log is NULL; otherwise it is
 * appended to the file err_log and *err is -1.  Returns the child's pid.
 */
static inline pid_t tu_spawn(const char *exe, const char *cwd, const char *const *args,
			     const char *const *env, const char *err_log, int *in, int *out, int *err)
{
	int pin[2], pout[2], perr[2] = { -1, -1 };
	ck_assert_int_eq(pipe(pin), 0);
	ck_assert_int_eq(pipe(pout), 0);
	if (!err_log)
		ck_assert_int_eq(pipe(perr), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int e = err_log ? open(err_log, O_WRONLY | O_CREAT | O_APPEND, 0600) : perr[1];
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		if (e >= 0)
			dup2(e, 2);
		close(pin[0]); close(pin[1]); close(pout[0]); close(pout[1]);
		if (!err_log) {
			close(perr[0]);
			close(perr[1]);
		}
		if (cwd && chdir(cwd) != 0)
			_exit(126);
		tu_apply_env(env);
		const char *argv[32] = { exe };
		for (size_t i = 0; args[i] && i < 30; i++)
			argv[i + 1] = args[i];
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	if (!err_log)
		close(perr[1]);
	*in = pin[1];
	*out = pout[0];
	*err = perr[0];
	return pid;
}

/* Exit code of a waitpid status, or 128 + the signal that ended it. */
static inline int tu_exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct tu_proc {
	int status;       /* exit code, or 128 + signal */
	struct buf out, err;
};

/*
 * Runs exe as tu_spawn does, feeding it input (inlen bytes, then stdin is
 * closed) and collecting stdout and stderr into p (release with
 * tu_proc_release).  When signal_after is set, sends that signal once
 * stdout has a line (stdin is then kept open until the process ends).
 * Kills it and fails the test after timeout_ms.
 */
static inline void tu_run(const char *exe, const char *cwd, const char *const *args, const char *input,
			  size_t inlen, const char *const *env, int signal_after, int timeout_ms,
			  struct tu_proc *p)
{
	int in_fd, fds[2];
	pid_t pid = tu_spawn(exe, cwd, args, env, NULL, &in_fd, &fds[0], &fds[1]);
	buf_init(&p->out);
	buf_init(&p->err);
	fcntl(in_fd, F_SETFL, O_NONBLOCK);
	size_t written = 0;
	bool signalled = false;
	if (inlen == 0 && !signal_after) {
		close(in_fd);
		in_fd = -1;
	}
	long long deadline = tu_now_ms() + timeout_ms;
	int open_fds = 2;
	while (open_fds > 0) {
		struct pollfd pf[3] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 },
					{ in_fd, POLLOUT, 0 } };
		int nfds = in_fd >= 0 && written < inlen ? 3 : 2;
		long long left = deadline - tu_now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			ck_abort_msg("%s did not finish within %d ms", exe, timeout_ms);
		}
		int n = poll(pf, (nfds_t)nfds, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP)))
				continue;
			char chunk[8192];
			ssize_t r = read(pf[i].fd, chunk, sizeof(chunk));
			if (r <= 0) {
				close(fds[i]);
				fds[i] = -1;
				open_fds--;
			} else {
				buf_add(i == 0 ? &p->out : &p->err, chunk, (size_t)r);
			}
		}
		if (nfds == 3 && (pf[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in_fd, input + written, inlen - written);
			if (w > 0)
				written += (size_t)w;
			if (w < 0 && errno != EAGAIN)
				written = inlen;
			if (written >= inlen && !signal_after) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (signal_after && !signalled && memchr(buf_str(&p->out), '\n', p->out.len)) {
			kill(pid, signal_after);
			signalled = true;
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	p->status = tu_exit_code(status);
}

static inline void tu_proc_release(struct tu_proc *p)
{
	buf_release(&p->out);
	buf_release(&p->err);
}

/* ---- config, bot and dispatch ------------------------------------------------------ */

/* Gives config c the identities of map: map[i][0] is a roster handle,
 * map[i][1] its one chat identity.  c owns the copies (config_free). */
static inline void tu_map_identities(struct config *c, const char *const (*map)[2], size_t n)
{
	c->identities = xcalloc(n, sizeof(*c->identities));
	c->nidentities = n;
	for (size_t i = 0; i < n; i++) {
		struct config_identity *ci = &c->identities[i];
		ci->handle = xstrdup(map[i][0]);
		ci->ids = xcalloc(1, sizeof(char *));
		ci->ids[0] = xstrdup(map[i][1]);
		ci->nids = 1;
	}
}

/* Fills *bot without a store: the default config, base as its roster (bot
 * owns it), a working copy of it and the grammar.  Undo with
 * tu_bot_memory_free(). */
static inline void tu_bot_memory(struct govbot *bot, struct roster *base)
{
	memset(bot, 0, sizeof(*bot));
	bot->config = config_default();
	bot->base = base;
	bot->roster = roster_clone(base);
	bot->grammar = grammar_new(NULL);
	ck_assert_ptr_nonnull(bot->grammar);
}

/* Frees what tu_bot_memory() made. */
static inline void tu_bot_memory_free(struct govbot *bot)
{
	grammar_free(bot->grammar);
	roster_free(bot->roster);
	roster_free(bot->base);
	config_free(bot->config);
}

/* Opens bot from the config file cfg with its store; "now" is fixed at now. */
static inline void tu_bot_open(struct govbot *bot, const char *cfg, long long now)
{
	struct buf err = BUF_INIT;
	int rc = bot_open(bot, cfg, BOT_OPEN_STORE, &err);
	ck_assert_msg(rc == 0, "bot_open: %s", buf_str(&err));
	buf_release(&err);
	bot->now_override = now;
}

/* Dispatches req on bot into r and renders the answer for the console into
 * *out (the previous *out is freed; the caller frees the last).  Returns
 * dispatch_line's result. */
static inline int tu_dispatch(struct govbot *bot, const struct dispatch_request *req, struct reply *r,
			      char **out)
{
	int rc = dispatch_line(bot, req, r);
	struct buf b = BUF_INIT;
	reply_render(r, DIALECT_CONSOLE, &b);
	free(*out);
	*out = buf_detach(&b);
	return rc;
}

#endif
