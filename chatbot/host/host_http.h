/*
 * host_http.h - the host's own routes on the HTTP listener
 * (chatbot/net/httpd.h):
 *   GET /healthz  200 "ok\n" while the host runs; 503 with the reason when
 *                 it is stopping or the database cannot be read;
 *   GET /metrics  200, Prometheus text format 0.0.4 (govbot_up,
 *                 govbot_commands_total{result=...}, govbot_outbox_pending,
 *                 govbot_adapters_running), from host_stats().
 * Every answer is small and made at once: nothing blocks the loop.
 */
#ifndef GOVBOT_HOST_HTTP_H
#define GOVBOT_HOST_HTTP_H

#include "chatbot/host/host.h"
#include "chatbot/net/httpd.h"

/* Registers both routes on d; 0, or -1 (logged). */
int host_http_routes(struct adapter_host *h, struct httpd *d);

#endif
