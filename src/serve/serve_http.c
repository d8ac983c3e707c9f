/*
 * serve_http.c: routes and limits over GNU libmicrohttpd (see
 * serve_http.h).  libmicrohttpd parses HTTP, the query string and the
 * headers; nothing here reads raw request bytes.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "serve_http.h"
#include "serve_listen.h"
#include "serve_int.h"
#include "serve_log.h"

/*
 * Connections beyond the probes in flight: /metrics and / must still get
 * through when every probe slot is taken, and a burst of scrapes beyond
 * --max-concurrent should get its 503 rather than a refused connection.
 * Past twice --max-concurrent plus these, libmicrohttpd refuses.
 */
#define SERVE_HTTP_SPARE_CONNECTIONS 16

static enum MHD_Result
serve_http_send(struct MHD_Connection *c, struct serve_answer *a)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	if (a->body == NULL) {
		a->status = 500;
		a->ctype = "text/plain; charset=utf-8";
		a->body = strdup("out of memory\n");
		a->len = a->body != NULL ? strlen(a->body) : 0;
		if (a->body == NULL)
			return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(a->len, a->body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(a->body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->ctype);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	rc = MHD_queue_response(c, a->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static const char *
serve_http_arg(struct MHD_Connection *c, const char *key)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

static void
serve_http_metrics(struct serve *sv, struct serve_answer *a)
{
	FILE *out = open_memstream(&a->body, &a->len);

	if (out == NULL) {
		a->body = NULL;
		return;
	}
	serve_metrics_render(&sv->metrics, out);
	fclose(out);
	a->status = 200;
	a->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

static void
serve_http_index(struct serve *sv, struct serve_answer *a)
{
	FILE *out = open_memstream(&a->body, &a->len);

	if (out == NULL) {
		a->body = NULL;
		return;
	}
	serve_recent_page(&sv->recent, out);
	fclose(out);
	a->status = 200;
	a->ctype = "text/html; charset=utf-8";
}

static void
serve_http_debug(struct serve *sv, const char *ids, struct serve_answer *a)
{
	char *end;
	unsigned long long id;

	if (ids == NULL || ids[0] < '0' || ids[0] > '9') {
		serve_answer_text(a, 400, "/debug?id=N: N is a probe's number "
		    "on the / page\n");
		return;
	}
	errno = 0;
	id = strtoull(ids, &end, 10);
	a->body = *end == '\0' && errno == 0 ?
	    serve_recent_text(&sv->recent, id, &a->len) : NULL;
	if (a->body == NULL) {
		serve_answer_text(a, 404, "no probe %.32s among the last %d\n",
		    ids, SERVE_RECENT_MAX);
		return;
	}
	a->status = 200;
	a->ctype = "text/plain; charset=utf-8";
}

static enum MHD_Result
serve_http_answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct serve *sv = cls;
	struct serve_answer a = { 0 };

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	/*
	 * Answered on the first call, when the headers are in and no body
	 * has been read: no route takes one, so a request that announces
	 * a body is refused before a byte of it is read.
	 */
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		serve_answer_text(&a, 405, "only GET and HEAD\n");
	else if (MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH) != NULL ||
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
		serve_answer_text(&a, 413, "no request body is accepted\n");
	else if (strcmp(url, "/probe") == 0) {
		struct serve_request rq = {
			.target = serve_http_arg(c, "target"),
			.module = serve_http_arg(c, "module"),
			.debug = serve_http_arg(c, "debug"),
			.scrape_timeout = MHD_lookup_connection_value(c,
			    MHD_HEADER_KIND,
			    "X-Prometheus-Scrape-Timeout-Seconds"),
		};

		serve_probe(sv, &rq, &a);
	} else if (strcmp(url, "/metrics") == 0)
		serve_http_metrics(sv, &a);
	else if (strcmp(url, "/") == 0)
		serve_http_index(sv, &a);
	else if (strcmp(url, "/debug") == 0)
		serve_http_debug(sv, serve_http_arg(c, "id"), &a);
	else
		serve_answer_text(&a, 404, "not found: try /, /probe or "
		    "/metrics\n");
	return serve_http_send(c, &a);
}

/* libmicrohttpd's own complaints, as log lines. */
static void
serve_http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	serve_log(SERVE_LOG_WARNING, msg);
}

struct MHD_Daemon *
serve_http_start(struct serve *sv, const char *listen, unsigned *port,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (serve_listen_parse(listen, &ss, err, errlen) != 0)
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* the logger first, so that MHD's own messages go through it */
	d = MHD_start_daemon(flags, 0, NULL, NULL, serve_http_answer, sv,
	    MHD_OPTION_EXTERNAL_LOGGER, serve_http_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(2 * sv->set->max_concurrent +
	    SERVE_HTTP_SPARE_CONNECTIONS),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_HTTP_REQUEST_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_HTTP_IDLE_S,
	    MHD_OPTION_END);
	if (d == NULL) {
		snprintf(err, errlen, "--serve %s: cannot listen there (in use, "
		    "or not an address of this machine)", listen);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info != NULL ? info->port : 0;
	return d;
}

void
serve_http_stop(struct MHD_Daemon *d)
{
	if (d != NULL)
		MHD_stop_daemon(d);
}
