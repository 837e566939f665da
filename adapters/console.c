/*
 * console.c - the console adapter: each line of standard input is a
 * command (with or without /gov), answered on standard output in the
 * console dialect.  The caller is console:$USER.
 *
 * It runs on the shared loop (chatbot/host/host.h), standard input adopted as a
 * raw file descriptor: read_some() reads what the descriptor has, feed()
 * cuts it into lines (bounded: a line
 * longer than GOVBOT_MAX_INPUT keeps its first GOVBOT_MAX_INPUT + 1 bytes,
 * the rest is discarded, and the dispatcher refuses it as too long),
 * handle_line() hands one line to host_inbound() and prints the answer.
 */
#include "adapters/adapter.h"
#include "chatbot/host/host.h"
#include "chatbot/bot/identity.h"
#include "chatbot/util/log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROMPT "gov> "

struct console {
	int in_fd;
	FILE *out;
	bool interactive;
	char caller[IDENTITY_MAX_ID + 16];
	char line[GOVBOT_MAX_INPUT + 2];   /* the line so far, NUL-terminated */
	size_t len;
	bool overlong;                     /* past GOVBOT_MAX_INPUT: discarding */
	bool at_prompt;                    /* "gov> " shown, nothing typed since */
	struct host_answer answer;
	/* hosted on the shared loop (govbot run): stdin is an adopted fd */
	struct adapter_host *host;
	struct loop_handler handler;
	struct lws *wsi;
	bool ended;
};

static const char *const console_secrets[] = { NULL };
static const struct config_key console_keys[] = { { NULL, CONFIG_STRING, false, NULL } };

static void console_init(struct console *c, int in_fd, FILE *out, bool interactive)
{
	memset(c, 0, sizeof(*c));
	c->in_fd = in_fd;
	c->out = out;
	c->interactive = interactive;
	identity_console_user(c->caller, sizeof(c->caller));
	host_answer_init(&c->answer);
}

static void console_release(struct console *c)
{
	host_answer_release(&c->answer);
}

static void prompt(struct console *c)
{
	if (c->interactive) {
		fputs(PROMPT, c->out);
		fflush(c->out);
		c->at_prompt = true;
	}
}

/* Answers one line (without its newline). */
static void handle_line(struct console *c, const char *text, size_t len)
{
	if (len && text[len - 1] == '\r')
		len--;
	size_t i = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i == len)
		return;   /* blank lines are ignored */

	/* the caller is console:$USER: the part after "console:" */
	struct inbound in = {
		.user = c->caller + strlen("console:"), .place = NULL, .text = text, .len = len,
	};
	if (!host_inbound(c->host, &adapter_console, &in, &c->answer))
		return;
	fwrite(c->answer.text.data, 1, c->answer.text.len, c->out);
	if (c->answer.text.data[c->answer.text.len - 1] != '\n')
		fputc('\n', c->out);
	fflush(c->out);
}

static void end_line(struct console *c)
{
	c->at_prompt = false;
	c->line[c->len] = '\0';
	handle_line(c, c->line, c->len);
	c->len = 0;
	c->overlong = false;
	prompt(c);
}

/* Cuts data into lines and answers each complete one. */
static void feed(struct console *c, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			end_line(c);
			continue;
		}
		if (c->len <= GOVBOT_MAX_INPUT)
			c->line[c->len++] = data[i];   /* keeps one byte past the limit */
		else
			c->overlong = true;
	}
}

/* Reads what in_fd has.  Returns 0 after data, 1 at end of file (a last
 * line without newline is answered), -1 on an error. */
static int read_some(struct console *c)
{
	char chunk[4096];
	ssize_t n = read(c->in_fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		if (c->len)
			end_line(c);
		return 1;
	}
	feed(c, chunk, (size_t)n);
	return 0;
}

/* Prints an announcement on standard output; delivered as soon as written. */
static enum announce_status console_announce(void *state, const struct announcement *a)
{
	struct console *c = state;
	struct buf b = BUF_INIT;
	FILE *out = c ? c->out : stdout;
	reply_render(a->message, DIALECT_CONSOLE, &b);
	while (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	bool reprompt = c && c->at_prompt;
	if (reprompt)
		fputc('\n', out);   /* not on the prompt's line */
	fprintf(out, "[announcement] %s\n", buf_str(&b));
	if (reprompt)
		prompt(c);        /* and the prompt again under it */
	fflush(out);
	buf_release(&b);
	return ferror(out) ? ANNOUNCE_FAILED : ANNOUNCE_SENT;
}

/* Standard input became readable (or reached its end). */
static int console_on_input(struct lws *wsi, enum lws_callback_reasons reason, void *arg,
			    void *in, size_t len)
{
	struct console *c = arg;
	bool hangup = reason == LWS_CALLBACK_RAW_CLOSE_FILE;
	if (hangup)
		c->wsi = NULL;   /* lws saw the end (POLLHUP) and closes it */
	else if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	if (c->ended)
		return 0;
	int r = read_some(c);
	while (hangup && r == 0)   /* drain what is left before the end */
		r = read_some(c);
	bool broken = ferror(c->out) != 0;
	if (r == 0 && !broken)
		return 0;
	if (r < 0)
		log_error("console", "reading standard input: %s", strerror(errno));
	else if (broken)
		log_error("console", "cannot write the answers: standard output is closed");
	if (c->interactive)
		fputc('\n', c->out);
	fflush(c->out);
	c->ended = true;
	host_adapter_ended(c->host, &adapter_console, r < 0 || broken);
	return -1;   /* closes the wsi and our copy of the descriptor */
}

static int console_start(struct adapter_host *host, const cJSON *section, void **state)
{
	int fd = dup(STDIN_FILENO);
	if (fd < 0) {
		log_error("console", "cannot read standard input: %s", strerror(errno));
		return -1;
	}
	struct console *c = xmalloc(sizeof(*c));
	console_init(c, fd, stdout, isatty(STDIN_FILENO) != 0);
	c->host = host;
	c->handler.fn = console_on_input;
	c->handler.arg = c;
	if (c->interactive)
		fprintf(c->out, "govbot: ask about the maintainers and the governance process; "
			"type help, or Ctrl-D to leave.\n");
	c->wsi = loop_adopt_fd(host_loop(host), fd, &c->handler);
	if (!c->wsi) {
		console_release(c);
		free(c);
		return -1;
	}
	log_info("console", "ready");
	prompt(c);
	*state = c;
	return 0;
}

static void console_stop(void *state)
{
	struct console *c = state;
	if (c->wsi)
		lws_set_opaque_user_data(c->wsi, NULL);   /* lws closes it with the loop */
	if (c->interactive && !c->ended)
		fputc('\n', c->out);
	fflush(c->out);
	console_release(c);
	free(c);
}

const struct adapter adapter_console = {
	.name = "console",
	.dialect = DIALECT_CONSOLE,
	.secrets = console_secrets,
	.keys = console_keys,
	.start = console_start,
	.announce = console_announce,
	.stop = console_stop,
};
