/*
 * proxy.h: a tunnel through an HTTP CONNECT or SOCKS5 proxy, set up on
 * the TCP connection to the proxy before anything of the target's (TLS,
 * WebSocket, MQTT) travels on it.
 *
 * The layer gets its own small config (no options struct) and talks
 * through the probe_stream below it, so the engine's fake network in
 * tests drives it like the real one.  After the tunnel is up, the
 * socket carries the target's bytes as if connected to it directly.
 * Every read checks the deadline; what the proxy can make us keep is
 * bounded (an HTTP answer head at HTTP_HEAD_MAX, a SOCKS5 reply at 262
 * bytes).  The password goes on the wire only, never into an event.
 */
#ifndef PROXY_H
#define PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe_io.h"

/* Default port of a proxy URL without one: 1080, as curl uses for
 * every proxy kind. */
#define PROXY_DEFAULT_PORT 1080
/* RFC 1929 carries user and password with a one-byte length. */
#define PROXY_CRED_MAX 255

enum proxy_kind {
	PROXY_HTTP,		/* http://: HTTP CONNECT */
	PROXY_SOCKS5,		/* socks5://: we resolve the target */
	PROXY_SOCKS5H,		/* socks5h://: the proxy resolves it */
};

/* One proxy: plain data. */
struct proxy_config {
	enum proxy_kind kind;
	const char *host;		/* the proxy's host or address */
	unsigned port;
	const char *user;		/* NULL: no credentials */
	const char *password;		/* NULL: none; never recorded */
	size_t password_len;
	const char *shown;		/* its URL without secrets */
	const char *from;		/* "--proxy", "ALL_PROXY", ... */
};

/*
 * Why a tunnel failed, for the report's proxy_error detail (a stable
 * key, see proxy_error_key) and the hints.
 */
enum proxy_error {
	PROXY_E_NONE = 0,
	PROXY_E_IO,		/* the connection broke, or the deadline */
	PROXY_E_PROTOCOL,	/* the proxy did not speak HTTP / SOCKS5 */
	PROXY_E_AUTH_REQUIRED,	/* 407 without credentials, or 0xFF */
	PROXY_E_AUTH_REFUSED,	/* 407 to our credentials, RFC 1929 no */
	PROXY_E_FORBIDDEN,	/* 403 */
	PROXY_E_GATEWAY,	/* 502, 503, 504: the target, seen from it */
	PROXY_E_HTTP,		/* any other non-2xx answer */
	PROXY_E_SOCKS_REPLY,	/* a SOCKS5 reply other than succeeded */
	PROXY_E_RESOLVE,	/* socks5://: the target name did not resolve */
	PROXY_E_LOCAL,		/* credentials too long for SOCKS5 */
};

/* What the tunnel saw, for the report. */
struct proxy_info {
	enum proxy_error error;
	int http_status;		/* 0: none */
	int socks_reply;		/* -1: none */
	char answer[160];		/* status line, or the reply in words */
	char resolved[64];		/* socks5://: the address we sent */
};

/* What a tunnel works with besides its config: the stream to the
 * proxy, the clock, the resolver (net_ops', for socks5://) and where
 * its events go. */
struct proxy_io {
	const struct probe_stream *below;
	const struct probe_clock *clock;
	int (*resolve)(void *ctx, const char *host, uint64_t deadline_us,
	    uint8_t addr[16], size_t *addrlen, struct io_error *err);
	void *resolve_ctx;
	const struct io_observer *obs;
};

/*
 * Open a tunnel to host:port through the proxy below is connected to,
 * by the deadline.  Each request and answer is an event.  0, or -1 with
 * err and info->error saying why.
 */
int proxy_tunnel(const struct proxy_config *pc, const struct proxy_io *io,
    const char *host, unsigned port, uint64_t deadline_us,
    struct proxy_info *info, struct io_error *err);

/* "http", "socks5", "socks5h" */
const char *proxy_kind_name(enum proxy_kind k);
/* The stable key of an error ("auth_required"), "" for none. */
const char *proxy_error_key(enum proxy_error e);
/* A SOCKS5 reply code in words ("connection refused by the target"). */
const char *proxy_socks_reply_name(int code);

/* proxy_http.c, proxy_socks.c: the two handshakes. */
int proxy_http_tunnel(const struct proxy_config *pc,
    const struct proxy_io *io, const char *host, unsigned port,
    uint64_t deadline_us, struct proxy_info *info, struct io_error *err);
int proxy_socks_tunnel(const struct proxy_config *pc,
    const struct proxy_io *io, const char *host, unsigned port,
    uint64_t deadline_us, struct proxy_info *info, struct io_error *err);
/* proxy_http.c: the answer head's verdict, pure (fuzzed): 0 for 2xx,
 * else -1 with err and info filled. */
int proxy_http_verdict(const struct proxy_config *pc, const uint8_t *head,
    size_t len, struct proxy_info *info, struct io_error *err);

/* proxy.c: fill err (and info->error) and return -1. */
int proxy_fail(struct proxy_info *info, enum proxy_error pe,
    struct io_error *err, enum report_cause cause, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
