/*
 * log.h - one line per event on stderr, logfmt style:
 *   level=info adapter=slack msg="connected"
 * Never pass a token.  log_set_level() filters (default: info).
 */
#ifndef GOVBOT_LOG_H
#define GOVBOT_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };

void log_set_level(enum log_level level);
/* component may be NULL; msg is quoted and escaped; extra is a preformatted
 * "key=value ..." suffix or NULL. */
void log_event(enum log_level level, const char *component, const char *extra,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_info(comp, ...) log_event(LOG_INFO, comp, NULL, __VA_ARGS__)
#define log_warn(comp, ...) log_event(LOG_WARN, comp, NULL, __VA_ARGS__)
#define log_error(comp, ...) log_event(LOG_ERROR, comp, NULL, __VA_ARGS__)
#define log_debug(comp, ...) log_event(LOG_DEBUG, comp, NULL, __VA_ARGS__)

#endif
