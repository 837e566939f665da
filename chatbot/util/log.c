/* log.c - see log.h. */
#include "chatbot/util/log.h"
#include "chatbot/util/util.h"

#include <stdio.h>
#include <string.h>

static enum log_level min_level = LOG_INFO;
static enum log_format format = LOG_FORMAT_TEXT;
static const char *const names[] = { "debug", "info", "warn", "error", "fatal" };

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_set_format(enum log_format f)
{
	format = f;
}

int log_parse_format(const char *name, enum log_format *out)
{
	if (name && strcmp(name, "text") == 0)
		*out = LOG_FORMAT_TEXT;
	else if (name && strcmp(name, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

/* s[0..n) as the inside of a logfmt quoted value: " and \ escaped, newline
 * as \n, other control characters as '?'. */
static void text_quote(struct buf *line, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"' || c == '\\')
			buf_addc(line, '\\');
		if (c == '\n')
			buf_adds(line, "\\n");
		else if ((unsigned char)c < 0x20)
			buf_addc(line, '?');
		else
			buf_addc(line, c);
	}
}

/* s[0..n) as a JSON string (with the quotes). */
static void json_quote(struct buf *line, const char *s, size_t n)
{
	buf_addc(line, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_addc(line, '\\');
			buf_addc(line, (char)c);
		} else if (c == '\n') {
			buf_adds(line, "\\n");
		} else if (c == '\t') {
			buf_adds(line, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			buf_addf(line, "\\u%04x", c);
		} else {
			buf_addc(line, (char)c);
		}
	}
	buf_addc(line, '"');
}

/* The logfmt pairs of extra as JSON members ,"k":"v" (a quoted value's
 * \" and \\ unescaped first). */
static void json_extra(struct buf *line, const char *p)
{
	struct buf key = BUF_INIT, val = BUF_INIT;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		buf_reset(&key);
		buf_reset(&val);
		while (*p && *p != '=' && *p != ' ')
			buf_addc(&key, *p++);
		if (*p == '=') {
			p++;
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1])
						p++;
					buf_addc(&val, *p);
				}
				if (*p == '"')
					p++;
			} else {
				while (*p && *p != ' ')
					buf_addc(&val, *p++);
			}
		}
		if (!key.len || strcmp(key.data, "level") == 0 || strcmp(key.data, "msg") == 0 ||
		    strcmp(key.data, "adapter") == 0)
			continue;
		buf_addc(line, ',');
		json_quote(line, key.data, key.len);
		buf_addc(line, ':');
		json_quote(line, buf_str(&val), val.len);
	}
	buf_release(&key);
	buf_release(&val);
}

void log_event(enum log_level level, const char *component, const char *extra, const char *fmt, ...)
{
	if (level < min_level)
		return;
	struct buf msg = BUF_INIT, line = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (format == LOG_FORMAT_JSON) {
		buf_addf(&line, "{\"level\":\"%s\"", names[level]);
		if (component) {
			buf_adds(&line, ",\"adapter\":");
			json_quote(&line, component, strlen(component));
		}
		buf_adds(&line, ",\"msg\":");
		json_quote(&line, buf_str(&msg), msg.len);
		if (extra)
			json_extra(&line, extra);
		buf_addc(&line, '}');
	} else {
		buf_addf(&line, "level=%s", names[level]);
		if (component)
			buf_addf(&line, " adapter=%s", component);
		buf_adds(&line, " msg=\"");
		text_quote(&line, buf_str(&msg), msg.len);
		buf_addc(&line, '"');
		if (extra) {
			buf_addc(&line, ' ');
			buf_adds(&line, extra);
		}
	}
	buf_addc(&line, '\n');
	/* one write a line, so lines from two threads never interleave */
	fwrite(line.data, 1, line.len, stderr);
	buf_release(&msg);
	buf_release(&line);
}
