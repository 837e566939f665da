/*
 * log.h - one line per event on stderr, logfmt style:
 *   level=info adapter=slack msg="connected"
 * or, after log_set_format(LOG_FORMAT_JSON) (`--log-format json`), one JSON
 * object a line with the same fields, for log shippers:
 *   {"level":"info","adapter":"slack","msg":"connected"}
 * Never pass a token.  log_set_level() filters (default: info).  The time
 * is left to whoever collects stderr (journald adds it).
 */
#ifndef GOVBOT_LOG_H
#define GOVBOT_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

void log_set_level(enum log_level level);
void log_set_format(enum log_format format);
/* "text" or "json" into *out; -1 for anything else. */
int log_parse_format(const char *name, enum log_format *out);
/* component may be NULL; msg is quoted and escaped; extra is a preformatted
 * logfmt "key=value key2=\"quoted value\" ..." suffix or NULL (in JSON each
 * pair becomes a string member). */
void log_event(enum log_level level, const char *component, const char *extra,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_info(comp, ...) log_event(LOG_INFO, comp, NULL, __VA_ARGS__)
#define log_warn(comp, ...) log_event(LOG_WARN, comp, NULL, __VA_ARGS__)
#define log_error(comp, ...) log_event(LOG_ERROR, comp, NULL, __VA_ARGS__)
#define log_debug(comp, ...) log_event(LOG_DEBUG, comp, NULL, __VA_ARGS__)

#endif
