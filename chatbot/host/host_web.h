/*
 * host_web.h - the public record (chatbot/web/web.h) on the host's HTTP
 * listener: GET (and HEAD) /, /agenda, /decisions, /items/N and /decisions.atom.
 *
 * Each answer is rendered on the loop from the running roster and the
 * database (a read; the roster is first synced with decisions other
 * processes stored), carries ETag, Last-Modified, Cache-Control: no-cache
 * (readers revalidate, cheaply) and a Content-Security-Policy that allows
 * no script, and is a 304 without a body when the request's If-None-Match
 * or If-Modified-Since says the reader has it already.  The feed's links
 * are absolute, built from the request's Host (and X-Forwarded-Proto when
 * a proxy says https).
 */
#ifndef GOVBOT_HOST_WEB_H
#define GOVBOT_HOST_WEB_H

#include "chatbot/bot/bot.h"
#include "chatbot/net/httpd.h"

/* Registers the pages on d, rendered from bot; *roster_loaded_at (the
 * host's, updated by each reload) is when the running roster was read.
 * Both borrowed for as long as d serves.  0, or -1 (logged) when a path is
 * taken. */
int host_web_routes(struct httpd *d, struct govbot *bot, const long long *roster_loaded_at);

#endif
