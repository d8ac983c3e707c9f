/*
 * proxy_socks.c: the SOCKS5 handshake (RFC 1928) with user/password
 * authentication (RFC 1929).
 *
 * Greeting, method choice, credentials if the proxy picked them, then
 * the CONNECT request and its reply; each message is an event.  Every
 * read asks for exactly the bytes the protocol says come next (so that
 * nothing of the target's is read here), at most 262 for a reply, and
 * checks the clock on every pass.  socks5:// sends the address we
 * resolved, socks5h:// the name, for the proxy to resolve.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "proxy.h"

enum {
	SOCKS_VER = 0x05,
	SOCKS_AUTH_VER = 0x01,
	SOCKS_M_NONE = 0x00,
	SOCKS_M_USERPASS = 0x02,
	SOCKS_M_REFUSED = 0xff,
	SOCKS_CMD_CONNECT = 0x01,
	SOCKS_A_IPV4 = 0x01,
	SOCKS_A_NAME = 0x03,
	SOCKS_A_IPV6 = 0x04,
};

/* A reply is at most 4 + 1 + 255 + 2 bytes. */
#define SOCKS_REPLY_MAX 262

/* Read exactly len bytes; 0, or -1 with err (what: for messages). */
static int
proxy_socks_read(const struct proxy_io *io, uint8_t *buf, size_t len,
    uint64_t deadline_us, const char *what, struct proxy_info *info,
    struct io_error *err)
{
	size_t got = 0;

	while (got < len) {
		long n;

		if (io->clock->now_us(io->clock->ctx) >= deadline_us)
			return proxy_fail(info, PROXY_E_IO, err, CAUSE_TIMEOUT,
			    "timed out waiting for the SOCKS5 proxy's %s",
			    what);
		n = io->below->recv(io->below->ctx, buf + got, len - got,
		    deadline_us, err);
		if (n == 0)
			return proxy_fail(info, PROXY_E_IO, err, CAUSE_CLOSED,
			    "the SOCKS5 proxy closed the connection instead of "
			    "sending its %s", what);
		if (n < 0) {
			info->error = PROXY_E_IO;
			if (err->cause == CAUSE_TIMEOUT)
				snprintf(err->text, sizeof(err->text), "timed "
				    "out waiting for the SOCKS5 proxy's %s",
				    what);
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static int
proxy_socks_send(const struct proxy_io *io, const uint8_t *buf, size_t len,
    uint64_t deadline_us, struct proxy_info *info, struct io_error *err)
{
	if (io->below->send(io->below->ctx, buf, len, deadline_us, err) == 0)
		return 0;
	info->error = PROXY_E_IO;
	return -1;
}

/* "127.0.0.1 port 40000" / "name port 1" from a reply's address part. */
static void
proxy_socks_addr(const uint8_t *a, uint8_t atyp, size_t alen, unsigned port,
    char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN + 1] = "?";

	if (atyp == SOCKS_A_IPV4)
		inet_ntop(AF_INET, a, host, sizeof(host));
	else if (atyp == SOCKS_A_IPV6)
		inet_ntop(AF_INET6, a, host, sizeof(host));
	else {
		size_t n = alen < sizeof(host) - 1 ? alen : sizeof(host) - 1;

		for (size_t i = 0; i < n; i++)
			host[i] = a[i] > ' ' && a[i] < 0x7f ? (char)a[i] : '?';
		host[n] = '\0';
	}
	snprintf(out, cap, "%s port %u", host, port);
}

/*
 * Greeting and method choice; then user/password if chosen.
 */
static int
proxy_socks_auth(const struct proxy_config *pc, const struct proxy_io *io,
    uint64_t deadline_us, struct proxy_info *info, struct io_error *err)
{
	uint8_t greet[4] = { SOCKS_VER, 1, SOCKS_M_NONE, SOCKS_M_USERPASS };
	uint8_t ans[2], msg[3 + 2 * PROXY_CRED_MAX];
	size_t ulen, n;
	bool creds = pc->user != NULL;
	int rc;

	if (creds)
		greet[1] = 2;
	io_say(io->obs, 0, EVK_PROXY, DIR_OUT, creds ? 4 : 3, "SOCKS5 "
	    "greeting sent: methods %s", creds ? "no authentication, "
	    "user/password" : "no authentication");
	if (proxy_socks_send(io, greet, creds ? 4 : 3, deadline_us, info,
	    err) != 0 || proxy_socks_read(io, ans, 2, deadline_us,
	    "method choice", info, err) != 0)
		return -1;
	if (ans[0] != SOCKS_VER)
		return proxy_fail(info, PROXY_E_PROTOCOL, err, CAUSE_PROTOCOL,
		    "the proxy did not answer in SOCKS5 (version byte 0x%02x; "
		    "is it an HTTP proxy? that wants http://)", ans[0]);
	if (ans[1] == SOCKS_M_REFUSED) {
		io_say(io->obs, 0, EVK_PROXY, DIR_IN, 2, "SOCKS5 method: none "
		    "acceptable (0xff)");
		return proxy_fail(info, PROXY_E_AUTH_REQUIRED, err,
		    CAUSE_REFUSED, "the SOCKS5 proxy accepts none of the "
		    "authentication methods offered (0xff)%s", creds ? "" :
		    ": it probably wants a user name and password");
	}
	if (ans[1] != SOCKS_M_NONE && !(creds && ans[1] == SOCKS_M_USERPASS))
		return proxy_fail(info, PROXY_E_PROTOCOL, err, CAUSE_PROTOCOL,
		    "the SOCKS5 proxy chose method 0x%02x, which we did not "
		    "offer", ans[1]);
	io_say(io->obs, 0, EVK_PROXY, DIR_IN, 2, "SOCKS5 method: %s",
	    ans[1] == SOCKS_M_NONE ? "no authentication (0x00)" :
	    "user/password (0x02)");
	if (ans[1] == SOCKS_M_NONE)
		return 0;

	ulen = strlen(pc->user);
	if (ulen == 0 || ulen > PROXY_CRED_MAX ||
	    pc->password_len > PROXY_CRED_MAX)
		return proxy_fail(info, PROXY_E_LOCAL, err, CAUSE_LOCAL,
		    "SOCKS5 carries a user name and a password of 1 to 255 "
		    "bytes each");
	msg[0] = SOCKS_AUTH_VER;
	msg[1] = (uint8_t)ulen;
	memcpy(msg + 2, pc->user, ulen);
	msg[2 + ulen] = (uint8_t)pc->password_len;
	if (pc->password_len > 0)
		memcpy(msg + 3 + ulen, pc->password, pc->password_len);
	n = 3 + ulen + pc->password_len;
	io_say(io->obs, 0, EVK_PROXY, DIR_OUT, n, "SOCKS5 user/password sent: "
	    "user '%s', password not shown", pc->user);
	rc = proxy_socks_send(io, msg, n, deadline_us, info, err);
	explicit_bzero(msg, sizeof(msg));
	if (rc != 0 || proxy_socks_read(io, ans, 2, deadline_us,
	    "answer to user/password", info, err) != 0)
		return -1;
	io_say(io->obs, 0, EVK_PROXY, DIR_IN, 2, "SOCKS5 user/password: %s "
	    "(0x%02x)", ans[1] == 0 ? "accepted" : "refused", ans[1]);
	if (ans[0] != SOCKS_AUTH_VER)
		return proxy_fail(info, PROXY_E_PROTOCOL, err, CAUSE_PROTOCOL,
		    "the SOCKS5 proxy answered user/password with version "
		    "0x%02x (RFC 1929 says 0x01)", ans[0]);
	if (ans[1] != 0)
		return proxy_fail(info, PROXY_E_AUTH_REFUSED, err,
		    CAUSE_REFUSED, "the SOCKS5 proxy refused user '%s' and its "
		    "password (status 0x%02x)", pc->user, ans[1]);
	return 0;
}

/* The request's address part: from a literal, our resolver or the
 * name itself (socks5h).  Its length in out, or -1. */
static int
proxy_socks_target(const struct proxy_config *pc, const struct proxy_io *io,
    const char *host, uint64_t deadline_us, uint8_t *out,
    struct proxy_info *info, struct io_error *err)
{
	size_t hlen = strlen(host), alen = 0;
	uint8_t a[16];

	if (inet_pton(AF_INET, host, a) == 1) {
		out[0] = SOCKS_A_IPV4;
		memcpy(out + 1, a, 4);
		return 5;
	}
	if (inet_pton(AF_INET6, host, a) == 1) {
		out[0] = SOCKS_A_IPV6;
		memcpy(out + 1, a, 16);
		return 17;
	}
	if (pc->kind == PROXY_SOCKS5H) {
		if (hlen > 255)
			return proxy_fail(info, PROXY_E_LOCAL, err,
			    CAUSE_LOCAL, "SOCKS5 carries host names of at most "
			    "255 bytes");
		out[0] = SOCKS_A_NAME;
		out[1] = (uint8_t)hlen;
		memcpy(out + 2, host, hlen);
		return (int)(2 + hlen);
	}
	if (io->resolve == NULL || io->resolve(io->resolve_ctx, host,
	    deadline_us, a, &alen, err) != 0) {
		info->error = PROXY_E_RESOLVE;
		if (io->resolve == NULL)
			return proxy_fail(info, PROXY_E_RESOLVE, err,
			    CAUSE_RESOLVE, "no resolver for '%s'", host);
		return -1;
	}
	out[0] = alen == 4 ? SOCKS_A_IPV4 : SOCKS_A_IPV6;
	memcpy(out + 1, a, alen);
	inet_ntop(alen == 4 ? AF_INET : AF_INET6, a, info->resolved,
	    sizeof(info->resolved));
	io_say(io->obs, 0, EVK_PROXY, DIR_NONE, 0, "%s resolved here to %s "
	    "(socks5://; socks5h:// lets the proxy resolve it)", host,
	    info->resolved);
	return (int)(1 + alen);
}

int
proxy_socks_tunnel(const struct proxy_config *pc, const struct proxy_io *io,
    const char *host, unsigned port, uint64_t deadline_us,
    struct proxy_info *info, struct io_error *err)
{
	uint8_t req[3 + 257 + 2], rep[SOCKS_REPLY_MAX];
	size_t alen, more;
	unsigned bport;
	char bound[300];
	int a;

	if (proxy_socks_auth(pc, io, deadline_us, info, err) != 0)
		return -1;
	req[0] = SOCKS_VER;
	req[1] = SOCKS_CMD_CONNECT;
	req[2] = 0;
	a = proxy_socks_target(pc, io, host, deadline_us, req + 3, info, err);
	if (a < 0)
		return -1;
	req[3 + a] = (uint8_t)(port >> 8);
	req[4 + a] = (uint8_t)port;
	io_say(io->obs, 0, EVK_PROXY, DIR_OUT, (size_t)a + 5, "SOCKS5 CONNECT "
	    "sent: %s port %u%s", req[3] == SOCKS_A_NAME ? host :
	    info->resolved[0] != '\0' ? info->resolved : host, port,
	    req[3] == SOCKS_A_NAME ? " (a name: the proxy resolves it)" :
	    "");
	if (proxy_socks_send(io, req, (size_t)a + 5, deadline_us, info,
	    err) != 0 || proxy_socks_read(io, rep, 5, deadline_us, "reply",
	    info, err) != 0)
		return -1;
	if (rep[0] != SOCKS_VER)
		return proxy_fail(info, PROXY_E_PROTOCOL, err, CAUSE_PROTOCOL,
		    "the SOCKS5 proxy's reply has version 0x%02x", rep[0]);
	info->socks_reply = rep[1];
	snprintf(info->answer, sizeof(info->answer), "SOCKS5 reply 0x%02x: %s",
	    rep[1], proxy_socks_reply_name(rep[1]));
	if (rep[1] != 0) {
		/* the rest of a failure reply says nothing we need */
		io_say(io->obs, 0, EVK_PROXY, DIR_IN, 5, "%s", info->answer);
		return proxy_fail(info, PROXY_E_SOCKS_REPLY, err,
		    CAUSE_REFUSED, "the SOCKS5 proxy could not connect to %s "
		    "port %u: %s (reply 0x%02x)", host, port,
		    proxy_socks_reply_name(rep[1]), rep[1]);
	}
	switch (rep[3]) {
	case SOCKS_A_IPV4:
		alen = 4;
		more = 4 - 1 + 2;
		break;
	case SOCKS_A_IPV6:
		alen = 16;
		more = 16 - 1 + 2;
		break;
	case SOCKS_A_NAME:
		alen = rep[4];
		more = alen + 2;
		break;
	default:
		return proxy_fail(info, PROXY_E_PROTOCOL, err, CAUSE_PROTOCOL,
		    "the SOCKS5 proxy's reply has address type 0x%02x",
		    rep[3]);
	}
	if (proxy_socks_read(io, rep + 5, more, deadline_us, "reply", info,
	    err) != 0)
		return -1;
	{
		const uint8_t *ap = rep[3] == SOCKS_A_NAME ? rep + 5 : rep + 4;

		bport = (unsigned)ap[alen] << 8 | ap[alen + 1];
		proxy_socks_addr(ap, rep[3], alen, bport, bound,
		    sizeof(bound));
	}
	io_say(io->obs, 0, EVK_PROXY, DIR_IN, 5 + more, "%s, the proxy's end "
	    "is %s", info->answer, bound);
	return 0;
}
