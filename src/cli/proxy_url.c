/*
 * proxy_url.c: parse a proxy URL and match NO_PROXY (see proxy_url.h).
 *
 * The authority is read by target.c's own code, so a proxy URL takes
 * the same user escapes, IPv6 brackets and port rules as a target URL,
 * and a password in it is refused in the same words.  Pure, like
 * target.c (no config.h, nothing of the transport's code): the fuzzer
 * builds it on its own.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy_url.h"

static const struct {
	const char *scheme;
	enum proxy_kind kind;
} proxy_url_schemes[] = {
	{ "http", PROXY_HTTP },
	{ "socks5", PROXY_SOCKS5 },
	{ "socks5h", PROXY_SOCKS5H },
};

/* The user again, %-escaped where the URL syntax needs it. */
static void
proxy_url_escape(const char *user, char *out, size_t cap)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)user;
	    *p != '\0' && n + 4 < cap; p++) {
		if (isalnum(*p) || strchr("-._~!$&'()*+,;=", *p) != NULL)
			out[n++] = (char)*p;
		else
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
	}
	out[n] = '\0';
}

int
proxy_url_parse(const char *s, struct proxy_url *u, const char **err)
{
	const char *sep = strstr(s, "://"), *auth = s, *end, *at = NULL;
	const char *scheme = "http";
	struct target t;
	char esc[3 * TARGET_USER_MAX];
	size_t len;

	memset(u, 0, sizeof(*u));
	u->kind = PROXY_HTTP;
	if (*s == '\0') {
		*err = "empty proxy URL";
		return -1;
	}
	if (sep != NULL) {
		size_t slen = (size_t)(sep - s);
		bool known = false;

		for (size_t i = 0; i < sizeof(proxy_url_schemes) /
		    sizeof(proxy_url_schemes[0]); i++)
			if (slen == strlen(proxy_url_schemes[i].scheme) &&
			    strncasecmp(s, proxy_url_schemes[i].scheme,
			    slen) == 0) {
				u->kind = proxy_url_schemes[i].kind;
				scheme = proxy_url_schemes[i].scheme;
				known = true;
			}
		if (!known) {
			*err = "unsupported proxy scheme; use http:// (HTTP "
			    "CONNECT), socks5:// or socks5h:// (SOCKS5)";
			return -1;
		}
		auth = sep + 3;
	}
	end = auth + strcspn(auth, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		*err = "a proxy URL has no path, query or fragment; use "
		    "SCHEME://[USER@]HOST[:PORT]";
		return -1;
	}
	len = (size_t)(end - auth);
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL && memchr(auth, ':', (size_t)(at - auth)) != NULL) {
		/* target.c's words for the same mistake, for the proxy */
		*err = "a password in the URL would be visible in ps; use "
		    "--proxy-password-file or MQTTS_PROBE_PROXY_PASSWORD";
		return -1;
	}
	if (target_parse_authority(auth, len, PROXY_DEFAULT_PORT, &t,
	    err) != 0)
		return -1;
	memcpy(u->host, t.host, sizeof(u->host));
	memcpy(u->user, t.user, sizeof(u->user));
	u->port = t.port;
	proxy_url_escape(u->user, esc, sizeof(esc));
	snprintf(u->shown, sizeof(u->shown), "%s://%s%s%s%s%s:%u",
	    scheme, esc, u->user[0] != '\0' ? "@" : "",
	    t.is_ipv6 ? "[" : "", u->host, t.is_ipv6 ? "]" : "", u->port);
	return 0;
}

/* One NO_PROXY entry e[0..n) against host (both without brackets). */
static bool
proxy_url_entry(const char *e, size_t n, const char *host, size_t hlen,
    bool host_is_ip)
{
	if (n > 0 && e[0] == '[' && e[n - 1] == ']') {
		e++;
		n -= 2;
	}
	if (n > 0 && e[0] == '.') {
		e++;
		n--;
	}
	while (n > 0 && e[n - 1] == '.')
		n--;
	if (n == 0 || n > hlen)
		return false;
	if (host_is_ip)
		return n == hlen && strncasecmp(e, host, n) == 0;
	if (strncasecmp(host + hlen - n, e, n) != 0)
		return false;
	/* the whole name, or whole labels at its end */
	return n == hlen || host[hlen - n - 1] == '.';
}

bool
proxy_url_bypass(const char *no_proxy, const char *host)
{
	size_t hlen = strlen(host);
	uint8_t a[16];
	bool ip = inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;

	if (no_proxy == NULL)
		return false;
	while (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	for (const char *p = no_proxy; *p != '\0';) {
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 1 && *p == '*')
			return true;
		if (n > 0 && proxy_url_entry(p, n, host, hlen, ip))
			return true;
		p += n;
	}
	return false;
}
