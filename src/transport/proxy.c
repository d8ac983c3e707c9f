/*
 * proxy.c: the tunnel through a proxy (see proxy.h): which handshake,
 * the names of kinds, errors and SOCKS5 replies, and the error helper
 * both handshakes share.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "proxy.h"

int
proxy_fail(struct proxy_info *info, enum proxy_error pe,
    struct io_error *err, enum report_cause cause, const char *fmt, ...)
{
	va_list ap;

	info->error = pe;
	err->cause = cause;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -1;
}

int
proxy_tunnel(const struct proxy_config *pc, const struct proxy_io *io,
    const char *host, unsigned port, uint64_t deadline_us,
    struct proxy_info *info, struct io_error *err)
{
	info->error = PROXY_E_NONE;
	info->http_status = 0;
	info->socks_reply = -1;
	info->answer[0] = '\0';
	info->resolved[0] = '\0';
	if (pc->kind == PROXY_HTTP)
		return proxy_http_tunnel(pc, io, host, port, deadline_us, info,
		    err);
	return proxy_socks_tunnel(pc, io, host, port, deadline_us, info, err);
}

const char *
proxy_kind_name(enum proxy_kind k)
{
	switch (k) {
	case PROXY_HTTP:
		return "http";
	case PROXY_SOCKS5:
		return "socks5";
	case PROXY_SOCKS5H:
		return "socks5h";
	}
	return "?";
}

const char *
proxy_error_key(enum proxy_error e)
{
	static const char *const keys[] = {
		[PROXY_E_NONE] = "",
		[PROXY_E_IO] = "connection",
		[PROXY_E_PROTOCOL] = "protocol",
		[PROXY_E_AUTH_REQUIRED] = "auth_required",
		[PROXY_E_AUTH_REFUSED] = "auth_refused",
		[PROXY_E_FORBIDDEN] = "forbidden",
		[PROXY_E_GATEWAY] = "gateway",
		[PROXY_E_HTTP] = "http_status",
		[PROXY_E_SOCKS_REPLY] = "socks_reply",
		[PROXY_E_RESOLVE] = "resolve",
		[PROXY_E_LOCAL] = "local",
	};

	return (unsigned)e < sizeof(keys) / sizeof(keys[0]) ? keys[e] : "";
}

/* RFC 1928 section 6, in words a user can act on. */
const char *
proxy_socks_reply_name(int code)
{
	switch (code) {
	case 0x00:
		return "succeeded";
	case 0x01:
		return "general SOCKS server failure";
	case 0x02:
		return "connection not allowed by the proxy's rules";
	case 0x03:
		return "network unreachable from the proxy";
	case 0x04:
		return "host unreachable from the proxy";
	case 0x05:
		return "connection refused by the target";
	case 0x06:
		return "TTL expired (the target did not answer the proxy)";
	case 0x07:
		return "command not supported by the proxy";
	case 0x08:
		return "address type not supported by the proxy";
	default:
		return "unknown reply code";
	}
}
