/* log.c - see log.h. */
#include "chatbot/util/log.h"
#include "chatbot/util/util.h"

#include <stdio.h>

static enum log_level min_level = LOG_INFO;
static const char *const names[] = { "debug", "info", "warn", "error", "fatal" };

void log_set_level(enum log_level level)
{
	min_level = level;
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
	buf_addf(&line, "level=%s", names[level]);
	if (component)
		buf_addf(&line, " adapter=%s", component);
	buf_adds(&line, " msg=\"");
	for (size_t i = 0; i < msg.len; i++) {
		char c = msg.data[i];
		if (c == '"' || c == '\\')
			buf_addc(&line, '\\');
		if (c == '\n')
			buf_adds(&line, "\\n");
		else if ((unsigned char)c < 0x20)
			buf_addc(&line, '?');
		else
			buf_addc(&line, c);
	}
	buf_addc(&line, '"');
	if (extra) {
		buf_addc(&line, ' ');
		buf_adds(&line, extra);
	}
	buf_addc(&line, '\n');
	fwrite(line.data, 1, line.len, stderr);
	buf_release(&msg);
	buf_release(&line);
}
