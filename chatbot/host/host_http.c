/*
 * host_http.c - the host's own routes on the HTTP listener
 * (chatbot/net/httpd.h), registered by host_http_routes() (host.h):
 *   GET /healthz  200 "ok\n" while the host runs; 503 with the reason when
 *                 it is stopping or the database cannot be read;
 *   GET /metrics  200, Prometheus text format 0.0.4 (govbot_up,
 *                 govbot_commands_total{result=...}, govbot_outbox_pending,
 *                 govbot_adapters_running), from host_stats().
 * Every answer is small and made at once: nothing blocks the loop.
 */
#include <string.h>

#include "chatbot/host/host.h"
#include "chatbot/net/httpd.h"

static const char *const result_names[4] = { "ok", "error", "refused", "failed" };

static void add_metric(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void on_healthz(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	struct adapter_host *h = arg;
	struct host_stats st;

	(void)req;
	if (host_stopping(h)) {
		res->status = 503;
		buf_adds(&res->body, "stopping\n");
		return;
	}
	host_stats(h, &st);
	if (st.outbox_pending < 0) {
		res->status = 503;
		buf_adds(&res->body, "the database cannot be read\n");
		return;
	}
	for (size_t i = 0; i < st.nadapters; i++) {
		if (st.adapters[i].fatal) {
			res->status = 503;
			buf_addf(&res->body, "the %s adapter stopped on a fatal error (see the log)\n",
				 st.adapters[i].name);
			return;
		}
	}
	buf_adds(&res->body, "ok\n");
}

static void on_metrics(void *arg, const struct httpd_request *req, struct httpd_response *res)
{
	struct adapter_host *h = arg;
	struct host_stats st;
	struct buf *body = &res->body;

	(void)req;
	host_stats(h, &st);
	res->ctype = "text/plain; version=0.0.4; charset=utf-8";
	add_metric(body, "govbot_up", "gauge", "1 while the bot runs.");
	buf_adds(body, "govbot_up 1\n");
	add_metric(body, "govbot_commands_total", "counter",
		   "Commands handled since start, by result.");
	for (size_t i = 0; i < 4; i++)
		buf_addf(body, "govbot_commands_total{result=\"%s\"} %llu\n", result_names[i],
			 st.commands[i]);
	/* unknown when the database cannot be read: no sample then */
	add_metric(body, "govbot_outbox_pending", "gauge",
		   "Announcement deliveries waiting to be posted (one per target).");
	if (st.outbox_pending >= 0)
		buf_addf(body, "govbot_outbox_pending %lld\n", st.outbox_pending);
	add_metric(body, "govbot_adapters_running", "gauge", "Chat adapters running now.");
	buf_addf(body, "govbot_adapters_running %zu\n", st.adapters_running);
	add_metric(body, "govbot_adapter_up", "gauge", "1 while the adapter runs, by adapter.");
	for (size_t i = 0; i < st.nadapters; i++)
		buf_addf(body, "govbot_adapter_up{adapter=\"%s\"} %d\n", st.adapters[i].name,
			 st.adapters[i].up ? 1 : 0);
}

int host_http_routes(struct adapter_host *h, struct httpd *d)
{
	if (httpd_route(d, "GET", "/healthz", 0, on_healthz, h) < 0 ||
	    httpd_route(d, "GET", "/metrics", 0, on_metrics, h) < 0)
		return -1;
	return 0;
}
