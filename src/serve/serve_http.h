/*
 * serve_http.h: the HTTP side of the exporter, over GNU libmicrohttpd.
 *
 * One thread per connection (so a probe may take its time without
 * holding up /metrics), with a bound on connections, on the memory a
 * request may use (headers and URL), on idle time, and no request body
 * at all.  Routes: /, /probe, /metrics, /debug?id=N.
 */
#ifndef SERVE_HTTP_H
#define SERVE_HTTP_H

#include <stddef.h>

struct serve;
struct MHD_Daemon;

/* Memory for one request's headers and URL: beyond it, MHD answers
 * 414 or 431 itself. */
#define SERVE_HTTP_REQUEST_MAX (16 * 1024)
/* Connections idle this long are closed. */
#define SERVE_HTTP_IDLE_S 30

/*
 * Listen on listen ("[ADDR:]PORT", ADDR an IP address, 127.0.0.1 by
 * default).  Returns the daemon and the bound port, or NULL with a
 * message in err.
 */
struct MHD_Daemon *serve_http_start(struct serve *sv, const char *listen,
    unsigned *port, char *err, size_t errlen);
void serve_http_stop(struct MHD_Daemon *d);

#endif
