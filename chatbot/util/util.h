/*
 * util.h - growable byte buffers, allocation that never returns NULL,
 * UTF-8 validation and small string helpers shared by the whole program.
 *
 * Ownership: a struct buf owns its data; buf_release() frees it,
 * buf_detach() hands it to the caller (free() it).  x*alloc() abort on OOM.
 */
#ifndef GOVBOT_UTIL_H
#define GOVBOT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The longest command or message text govbot accepts, in bytes. */
#define GOVBOT_MAX_INPUT 4096

struct buf {
	char *data;   /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);               /* len = 0, keeps capacity */
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
/* Appends s as a JSON string: quoted, with " \\ and control characters
 * escaped; UTF-8 passes through. */
void buf_add_json_string(struct buf *b, const char *s);
/* How many of the n bytes at s need no escape in a JSON string (none is
 * '"', '\\' or a control character): the length of that prefix. */
size_t json_plain_len(const char *s, size_t n);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
char *buf_detach(struct buf *b);             /* caller frees; never NULL */
const char *buf_str(const struct buf *b);    /* "" when empty; borrowed */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);                /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t n);
/* True when s[0..n) has a C0/C1 control character other than \t, \n, \r. */
bool str_has_controls(const char *s, size_t n);

bool str_ieq(const char *a, const char *b);                 /* ASCII case-insensitive */
bool str_ieqn(const char *a, const char *b, size_t n);
bool str_istarts(const char *s, const char *prefix);
const char *str_skip_space(const char *s);
/* Copy of s without leading/trailing whitespace; caller frees. */
char *str_trim_dup(const char *s, size_t n);
/* Levenshtein distance, ASCII case-insensitive; strings over 64 bytes
 * are compared on their first 64. */
size_t str_edit_distance(const char *a, const char *b);

/* Reads a whole file up to max bytes.  Returns a NUL-terminated copy (caller
 * frees) and its length, or NULL with a message in err. */
char *file_read(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* Monotonic milliseconds, and wall-clock seconds since the epoch. */
long long time_mono_ms(void);
long long time_now_s(void);

#endif
