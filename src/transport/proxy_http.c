/*
 * proxy_http.c: the HTTP CONNECT handshake (RFC 9110 section 9.3.6).
 *
 * One request, one answer head read with http_head.c's parser under
 * its size limit, the clock checked on every read.  A 2xx answer leaves
 * the socket as a tunnel to the target; anything else is a step 1
 * failure named after what the proxy said.  The credentials travel as
 * Basic (the only scheme every proxy has); the Base64 form of them is
 * wiped as soon as it is sent, and events say only "as user 'x'".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "http_head.h"
#include "proxy.h"

/* Request line, Host, Proxy-Authorization with 255 + 255 bytes of
 * credentials in Base64, User-Agent: well under this. */
#define PROXY_HTTP_REQ_MAX 2048

/* A peer's text for the report: printable ASCII only, at most cap. */
static void
proxy_http_clean(const char *s, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < cap; i++)
		out[n++] = s[i] >= ' ' && s[i] < 0x7f ? s[i] : '?';
	out[n] = '\0';
}

/* "host:port", an IPv6 address in brackets. */
static void
proxy_http_authority(const char *host, unsigned port, char *buf, size_t len)
{
	bool v6 = strchr(host, ':') != NULL;

	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
	    port);
}

/* "Proxy-Authorization: Basic ...\r\n" into buf; its length, -1. */
static int
proxy_http_basic(const struct proxy_config *pc, char *buf, size_t len)
{
	size_t ulen = strlen(pc->user), n = ulen + 1 + pc->password_len;
	uint8_t cred[2 * PROXY_CRED_MAX + 2];
	gnutls_datum_t d = { cred, (unsigned)n }, b64 = { NULL, 0 };
	int w = -1;

	if (n > sizeof(cred))
		return -1;
	memcpy(cred, pc->user, ulen);
	cred[ulen] = ':';
	if (pc->password_len > 0)
		memcpy(cred + ulen + 1, pc->password, pc->password_len);
	if (gnutls_base64_encode2(&d, &b64) >= 0) {
		w = snprintf(buf, len, "Proxy-Authorization: Basic %.*s\r\n",
		    (int)b64.size, (const char *)b64.data);
		if (w < 0 || (size_t)w >= len)
			w = -1;
		explicit_bzero(b64.data, b64.size);
	}
	gnutls_free(b64.data);
	explicit_bzero(cred, sizeof(cred));
	return w;
}

int
proxy_http_verdict(const struct proxy_config *pc, const uint8_t *buf,
    size_t len, struct proxy_info *info, struct io_error *err)
{
	struct http_head h;
	const char *why = NULL;
	const struct http_field *f;
	char reason[100], offer[100] = "";
	int rc = http_head_parse(buf, len, &h, &why);

	if (rc == HTTP_HEAD_MORE)
		return proxy_fail(info, PROXY_E_PROTOCOL, err, CAUSE_PROTOCOL,
		    "the proxy's answer to CONNECT ended before its blank "
		    "line");
	if (rc != HTTP_HEAD_OK)
		return proxy_fail(info, PROXY_E_PROTOCOL, err, CAUSE_PROTOCOL,
		    "the proxy did not answer CONNECT in HTTP: %s (is it an "
		    "HTTP proxy? a SOCKS5 one wants socks5://)", why);
	proxy_http_clean(h.reason, h.reason_len, reason, sizeof(reason));
	info->http_status = h.status;
	snprintf(info->answer, sizeof(info->answer), "HTTP/1.%d %d %s",
	    h.minor, h.status, reason);
	if (h.status >= 200 && h.status < 300)
		return 0;
	switch (h.status) {
	case 401:	/* tinyproxy's answer to wrong Basic credentials */
	case 407:
		f = http_head_field(&h, "Proxy-Authenticate");
		if (f != NULL)
			proxy_http_clean(f->value, f->value_len, offer,
			    sizeof(offer));
		if (pc->user == NULL)
			return proxy_fail(info, PROXY_E_AUTH_REQUIRED, err,
			    CAUSE_REFUSED, "the proxy requires authentication "
			    "(%d %s%s%s) and we sent no credentials", h.status,
			    reason,
			    offer[0] != '\0' ? "; it offers " : "", offer);
		return proxy_fail(info, PROXY_E_AUTH_REFUSED, err,
		    CAUSE_REFUSED, "the proxy refused the credentials of user "
		    "'%s' (%d %s)", pc->user, h.status, reason);
	case 403:
		return proxy_fail(info, PROXY_E_FORBIDDEN, err, CAUSE_REFUSED,
		    "the proxy does not allow this tunnel (403 %s)", reason);
	case 502:
	case 503:
	case 504:
		return proxy_fail(info, PROXY_E_GATEWAY, err, CAUSE_REFUSED,
		    "the proxy could not reach the target (%d %s)", h.status,
		    reason);
	default:
		return proxy_fail(info, PROXY_E_HTTP, err, CAUSE_REFUSED,
		    "the proxy refused the tunnel (%d %s)", h.status, reason);
	}
}

/* Read the answer head into buf (cap bytes); its length, or -1. */
static long
proxy_http_read(const struct proxy_io *io, uint8_t *buf, size_t cap,
    uint64_t deadline_us, struct proxy_info *info, struct io_error *err)
{
	size_t len = 0;

	for (;;) {
		struct http_head h;
		const char *why = NULL;
		int rc = http_head_parse(buf, len, &h, &why);
		long n;

		if (rc == HTTP_HEAD_BAD && len > HTTP_HEAD_MAX)
			rc = HTTP_HEAD_MORE;	/* said in its own words below */
		else if (rc != HTTP_HEAD_MORE)
			return (long)len;
		if (len == cap)
			return proxy_fail(info, PROXY_E_PROTOCOL, err,
			    CAUSE_PROTOCOL, "the proxy's answer to CONNECT has "
			    "a head longer than %d bytes", HTTP_HEAD_MAX);
		/* the clock, on every pass, however the proxy drips */
		if (io->clock->now_us(io->clock->ctx) >= deadline_us)
			return proxy_fail(info, PROXY_E_IO, err, CAUSE_TIMEOUT,
			    "timed out waiting for the proxy's answer to "
			    "CONNECT");
		n = io->below->recv(io->below->ctx, buf + len, cap - len,
		    deadline_us, err);
		if (n == 0)
			return proxy_fail(info, PROXY_E_IO, err, CAUSE_CLOSED,
			    "the proxy closed the connection instead of "
			    "answering CONNECT%s", len > 0 ? " (after part of "
			    "an answer)" : "");
		if (n < 0) {
			info->error = PROXY_E_IO;
			if (err->cause == CAUSE_TIMEOUT)
				snprintf(err->text, sizeof(err->text), "timed "
				    "out waiting for the proxy's answer to "
				    "CONNECT");
			return -1;
		}
		len += (size_t)n;
	}
}

int
proxy_http_tunnel(const struct proxy_config *pc, const struct proxy_io *io,
    const char *host, unsigned port, uint64_t deadline_us,
    struct proxy_info *info, struct io_error *err)
{
	char req[PROXY_HTTP_REQ_MAX], auth[1024] = "", where[300];
	/* one byte over the limit, so that a longer head is seen as such */
	uint8_t *buf = malloc(HTTP_HEAD_MAX + 1);
	struct http_head h;
	const char *why = NULL;
	long got;
	int n, rc = -1;

	if (buf == NULL)
		return proxy_fail(info, PROXY_E_LOCAL, err, CAUSE_LOCAL,
		    "out of memory");
	proxy_http_authority(host, port, where, sizeof(where));
	if (pc->user != NULL && proxy_http_basic(pc, auth, sizeof(auth)) < 0) {
		free(buf);
		return proxy_fail(info, PROXY_E_LOCAL, err, CAUSE_LOCAL,
		    "cannot encode the proxy credentials");
	}
	n = snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n"
	    "%sUser-Agent: mqtts-probe/%s\r\n\r\n", where, where, auth,
	    PACKAGE_VERSION);
	explicit_bzero(auth, sizeof(auth));
	if (n < 0 || (size_t)n >= sizeof(req)) {
		explicit_bzero(req, sizeof(req));
		free(buf);
		return proxy_fail(info, PROXY_E_LOCAL, err, CAUSE_LOCAL,
		    "the CONNECT request is too long");
	}
	io_say(io->obs, 0, EVK_PROXY, DIR_OUT, (size_t)n, "CONNECT %s "
	    "HTTP/1.1 sent%s%s%s", where, pc->user != NULL ?
	    " with Basic credentials of user '" : "", pc->user != NULL ?
	    pc->user : "", pc->user != NULL ? "' (password not shown)" : "");
	rc = io->below->send(io->below->ctx, (const uint8_t *)req, (size_t)n,
	    deadline_us, err);
	explicit_bzero(req, sizeof(req));
	if (rc != 0) {
		info->error = PROXY_E_IO;
		free(buf);
		return -1;
	}
	got = proxy_http_read(io, buf, HTTP_HEAD_MAX + 1, deadline_us, info,
	    err);
	if (got < 0) {
		free(buf);
		return -1;
	}
	rc = proxy_http_verdict(pc, buf, (size_t)got, info, err);
	if (http_head_parse(buf, (size_t)got, &h, &why) == HTTP_HEAD_OK) {
		const struct http_field *sv = http_head_field(&h, "Server");
		char server[80] = "";

		if (sv == NULL)
			sv = http_head_field(&h, "Proxy-Agent");
		if (sv != NULL)
			proxy_http_clean(sv->value, sv->value_len, server,
			    sizeof(server));
		io_say(io->obs, 0, EVK_PROXY, DIR_IN, h.head_len, "%s%s%s%s",
		    info->answer, server[0] != '\0' ? " (" : "", server,
		    server[0] != '\0' ? ")" : "");
		/* the target has not been sent anything: whatever follows
		 * a 2xx head is not its, and would corrupt what comes */
		if (rc == 0 && (size_t)got > h.head_len)
			rc = proxy_fail(info, PROXY_E_PROTOCOL, err,
			    CAUSE_PROTOCOL, "the proxy sent %zu bytes after "
			    "its answer, before the target could have said "
			    "anything", (size_t)got - h.head_len);
	}
	free(buf);
	return rc;
}
