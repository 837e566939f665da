/* httpd.c - see httpd.h. */
#include "chatbot/net/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "chatbot/host/host.h"
#include "chatbot/util/log.h"

struct httpd {
	struct adapter_host *host;
	struct lws_vhost *vhost;
};

static const char *const result_names[4] = { "ok", "error", "refused", "failed" };

static void add_metric(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int httpd_answer(struct adapter_host *h, bool get, const char *path, struct buf *body,
		 const char **ctype)
{
	struct host_stats st;

	*ctype = "text/plain; charset=utf-8";
	if (!get) {
		buf_adds(body, "only GET is served here\n");
		return 405;
	}
	if (strcmp(path, "/healthz") == 0) {
		if (host_stopping(h)) {
			buf_adds(body, "stopping\n");
			return 503;
		}
		host_stats(h, &st);
		if (st.outbox_pending < 0) {
			buf_adds(body, "the database cannot be read\n");
			return 503;
		}
		buf_adds(body, "ok\n");
		return 200;
	}
	if (strcmp(path, "/metrics") == 0) {
		host_stats(h, &st);
		*ctype = "text/plain; version=0.0.4; charset=utf-8";
		add_metric(body, "govbot_up", "gauge", "1 while the bot runs.");
		buf_adds(body, "govbot_up 1\n");
		add_metric(body, "govbot_commands_total", "counter",
			   "Commands handled since start, by result.");
		for (size_t i = 0; i < 4; i++)
			buf_addf(body, "govbot_commands_total{result=\"%s\"} %llu\n",
				 result_names[i], st.commands[i]);
		/* unknown when the database cannot be read: no sample then */
		add_metric(body, "govbot_outbox_pending", "gauge",
			   "Announcement deliveries waiting to be posted (one per target).");
		if (st.outbox_pending >= 0)
			buf_addf(body, "govbot_outbox_pending %lld\n", st.outbox_pending);
		add_metric(body, "govbot_adapters_running", "gauge", "Chat adapters running now.");
		buf_addf(body, "govbot_adapters_running %zu\n", st.adapters_running);
		return 200;
	}
	buf_adds(body, "not found\n");
	return 404;
}

/* Writes the whole answer (headers and body) at once; returns what the lws
 * callback returns. */
static int send_answer(struct lws *wsi, int status, const char *ctype, const struct buf *body)
{
	unsigned char head[LWS_PRE + 512];
	unsigned char *start = head + LWS_PRE, *p = start, *end = head + sizeof(head) - 1;
	unsigned char *data;
	int n;

	if (lws_add_http_common_headers(wsi, (unsigned)status, ctype, body->len, &p, end))
		return -1;
	if (status == 405 && lws_add_http_header_by_name(wsi, (const unsigned char *)"allow:",
							 (const unsigned char *)"GET", 3, &p, end))
		return -1;
	if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
					(const unsigned char *)"no-store", 8, &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	data = xmalloc(LWS_PRE + body->len + 1);
	memcpy(data + LWS_PRE, buf_str(body), body->len);
	n = lws_write(wsi, data + LWS_PRE, body->len, LWS_WRITE_HTTP_FINAL);
	free(data);
	if (n < 0 || (size_t)n != body->len)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int answer(struct lws *wsi, bool get, const char *path)
{
	struct httpd *d = lws_get_vhost_user(lws_get_vhost(wsi));
	struct buf body = BUF_INIT;
	const char *ctype;
	int status, rc;

	status = httpd_answer(d->host, get, path, &body, &ctype);
	rc = send_answer(wsi, status, ctype, &body);
	buf_release(&body);
	return rc;
}

static bool has_body(struct lws *wsi)
{
	char v[32];

	if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
		return false;
	return strtoll(v, NULL, 10) > 0;
}

static int httpd_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			  void *in, size_t len)
{
	(void)user;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
			return answer(wsi, true, in ? (const char *)in : "/");
		/* read (and drop) a body before answering, so the answer is
		 * not lost to a reset */
		if (has_body(wsi))
			return 0;
		return answer(wsi, false, "");
	case LWS_CALLBACK_HTTP_BODY:
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return answer(wsi, false, "");
	default:
		return 0;
	}
}

static const struct lws_protocols httpd_protocols[] = {
	{ "govbot-http", httpd_callback, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Splits "HOST:PORT" / "[V6]:PORT" into a numeric address (into addr) and
 * a port, checking that this process can bind there now.  0, or -1 logged. */
static int resolve_listen(const char *listen, char *addr, size_t addrlen, int *port, int *family)
{
	const char *colon = strrchr(listen, ':'), *orig = listen;
	struct addrinfo hints, *ai = NULL;
	char host[256], *end;
	long p;
	int fd = -1, one = 1, rc = -1, e;
	size_t hl;

	if (!colon || colon == listen) {
		log_error("httpd", "http.listen \"%s\": not HOST:PORT (e.g. 127.0.0.1:8088)", listen);
		return -1;
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	hl = (size_t)(colon - listen);
	if (listen[0] == '[' && hl >= 2 && listen[hl - 1] == ']') {
		listen++;
		hl -= 2;
	}
	if (errno || *end || p < 1 || p > 65535 || hl == 0 || hl >= sizeof(host)) {
		log_error("httpd", "http.listen \"%s\": not HOST:PORT (e.g. 127.0.0.1:8088)", orig);
		return -1;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	e = getaddrinfo(host, NULL, &hints, &ai);
	if (e || !ai) {
		log_error("httpd", "http.listen: cannot resolve %s: %s", host, gai_strerror(e));
		goto cleanup;
	}
	((struct sockaddr_in *)ai->ai_addr)->sin_port = htons((unsigned short)p);
	if (ai->ai_family == AF_INET6)
		((struct sockaddr_in6 *)ai->ai_addr)->sin6_port = htons((unsigned short)p);
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, (socklen_t)addrlen, NULL, 0,
			NI_NUMERICHOST) != 0) {
		log_error("httpd", "http.listen: cannot use the address of %s", host);
		goto cleanup;
	}
	/* lws only says "failed"; try the bind first for the reason */
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		log_error("httpd", "http.listen: cannot listen on %s port %ld: %s", host, p,
			  strerror(errno));
		goto cleanup;
	}
	*port = (int)p;
	*family = ai->ai_family;
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	return rc;
}

struct httpd *httpd_start(struct adapter_host *h, const char *listen)
{
	struct lws_context_creation_info info;
	struct httpd *d;
	char addr[INET6_ADDRSTRLEN + 8];
	int port = 0, family = AF_INET;

	if (resolve_listen(listen, addr, sizeof(addr), &port, &family) < 0)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->host = h;
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = addr;
	info.protocols = httpd_protocols;
	info.vhost_name = "govbot-http";
	info.user = d;
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	if (family == AF_INET)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.gid = -1;
	info.uid = -1;
	d->vhost = lws_create_vhost(loop_lws(host_loop(h)), &info);
	if (!d->vhost) {
		log_error("httpd", "http.listen: cannot listen on %s", listen);
		free(d);
		return NULL;
	}
	log_info("httpd", "serving /healthz and /metrics on http://%s", listen);
	return d;
}

void httpd_free(struct httpd *d)
{
	free(d);
}
