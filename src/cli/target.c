/*
 * target.c: parse the TARGET operand into host, port and URL user.
 *
 * The parser only looks at syntax.  It never resolves names: a host
 * that does not exist is step 1's business, where the error can be
 * shown next to the addresses that were tried.
 */
#include "target.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SCHEME_SEP "://"

/* Messages shared by more than one path, so the wording stays identical. */
static const char err_port[] = "port must be a number from 1 to 65535";
static const char err_empty_port[] =
    "missing port number after ':' (the default is 8883)";
static const char err_host_long[] = "host name is longer than 255 bytes";

/*
 * A port is digits only: strtoul would also take a sign or leading
 * blanks, and "+8883" in a target is more likely a typo than intent.
 * len bounds the field because the port is not NUL-terminated when it
 * sits inside a longer string.
 */
static int
parse_port(const char *s, size_t len, unsigned *port, const char **err)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0) {
		*err = err_empty_port;
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i])) {
			*err = err_port;
			return -1;
		}
		v = v * 10 + (unsigned long)(s[i] - '0');
		/* Stop early so a long run of digits cannot wrap around. */
		if (v > 65535) {
			*err = err_port;
			return -1;
		}
	}
	if (v == 0) {
		*err = err_port;
		return -1;
	}
	*port = (unsigned)v;
	return 0;
}

/* Copy a host of length len into t->host after checking its characters. */
static int
set_host(struct target *t, const char *s, size_t len, const char **err)
{
	size_t i;

	if (len == 0) {
		*err = "no host name in target";
		return -1;
	}
	if (len >= TARGET_HOST_MAX) {
		*err = err_host_long;
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isspace(c) || iscntrl(c)) {
			*err = "host name contains a space or control character";
			return -1;
		}
		if (c == '/') {
			*err = "host name contains '/'; "
			    "TARGET is HOST[:PORT], not a URL path";
			return -1;
		}
		if (c == '@') {
			*err = "host name contains '@'; to give a user name "
			    "use mqtts://USER@HOST or -u";
			return -1;
		}
		if (c == '[' || c == ']') {
			*err = "misplaced '[' or ']'; "
			    "write an IPv6 address as [ADDRESS]:PORT";
			return -1;
		}
	}
	memcpy(t->host, s, len);
	t->host[len] = '\0';
	return 0;
}

static void
classify_host(struct target *t)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET6, t->host, buf) == 1) {
		t->is_ip = true;
		t->is_ipv6 = true;
	} else if (inet_pton(AF_INET, t->host, buf) == 1) {
		t->is_ip = true;
	}
}

/*
 * HOST, HOST:PORT, [IPv6], [IPv6]:PORT and, outside URLs, a bare IPv6
 * literal.  s[0..len) is the authority without any user part.
 */
static int
parse_hostport(struct target *t, const char *s, size_t len, bool in_url,
    const char **err)
{
	const char *colon, *p;
	size_t ncolons = 0, i;

	if (len == 0) {
		*err = in_url ? "no host name after ://" :
		    "no host name in target";
		return -1;
	}

	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);
		unsigned char buf[16];
		size_t hlen;

		if (close == NULL) {
			*err = "missing ']' after the IPv6 address";
			return -1;
		}
		hlen = (size_t)(close - s - 1);
		if (hlen == 0) {
			*err = "empty IPv6 address between '[' and ']'";
			return -1;
		}
		if (hlen >= TARGET_HOST_MAX) {
			*err = err_host_long;
			return -1;
		}
		memcpy(t->host, s + 1, hlen);
		t->host[hlen] = '\0';
		/* Brackets promise an IPv6 literal; a name there is a mistake. */
		if (inet_pton(AF_INET6, t->host, buf) != 1) {
			*err = "not a valid IPv6 address inside '[' and ']'";
			return -1;
		}
		t->is_ip = true;
		t->is_ipv6 = true;
		p = close + 1;
		if (p == s + len)
			return 0;
		if (*p != ':') {
			*err = "unexpected text after ']'; expected :PORT";
			return -1;
		}
		p++;
		return parse_port(p, (size_t)(s + len - p), &t->port, err);
	}

	for (i = 0; i < len; i++)
		if (s[i] == ':')
			ncolons++;

	if (ncolons >= 2) {
		unsigned char buf[16];

		/*
		 * URLs require brackets around IPv6 (RFC 3986); insisting
		 * on them there keeps "mqtts://::1:8883" from silently
		 * meaning port 8883 of host ::1:8883.
		 */
		if (in_url) {
			*err = "an IPv6 address in a URL needs brackets: "
			    "mqtts://[ADDRESS]:PORT";
			return -1;
		}
		if (set_host(t, s, len, err) == -1)
			return -1;
		if (inet_pton(AF_INET6, t->host, buf) != 1) {
			*err = "too many ':' for HOST:PORT and not an IPv6 "
			    "address; write IPv6 as [ADDRESS]:PORT";
			return -1;
		}
		t->is_ip = true;
		t->is_ipv6 = true;
		return 0;
	}

	colon = memchr(s, ':', len);
	if (colon == NULL) {
		if (set_host(t, s, len, err) == -1)
			return -1;
	} else {
		if (colon == s) {
			*err = "no host name before ':'";
			return -1;
		}
		if (set_host(t, s, (size_t)(colon - s), err) == -1)
			return -1;
		if (parse_port(colon + 1, (size_t)(s + len - colon - 1),
		    &t->port, err) == -1)
			return -1;
	}
	classify_host(t);
	return 0;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The user part of mqtts://USER@HOST, percent-decoded so that a user
 * name holding '@' or ':' can still be written as %40 or %3A.
 */
static int
set_user(struct target *t, const char *s, size_t len, const char **err)
{
	size_t i, n = 0;

	if (len == 0) {
		*err = "empty user name before '@'";
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ':') {
			*err = "a password in the URL would be visible in ps; "
			    "use --password-file or MQTTS_PROBE_PASSWORD";
			return -1;
		}
		if (c == '%') {
			int hi, lo;

			if (len - i < 3 ||
			    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0) {
				*err = "bad %-escape in the user name; "
				    "'%' must be followed by two hex digits";
				return -1;
			}
			c = (unsigned char)(hi * 16 + lo);
			if (c == '\0') {
				*err = "user name contains %00";
				return -1;
			}
			i += 2;
		} else if (isspace(c) || iscntrl(c)) {
			*err = "user name contains a space or control "
			    "character; escape it as %XX";
			return -1;
		}
		if (n + 1 >= TARGET_USER_MAX) {
			*err = "user name is longer than 255 bytes";
			return -1;
		}
		t->user[n++] = (char)c;
	}
	t->user[n] = '\0';
	return 0;
}

/*
 * A WebSocket request target: "/" and then the printable characters a
 * URL path and query may hold.  Nothing is decoded: the server gets it
 * as typed.
 */
static int
set_path(struct target *t, const char *s, size_t len, const char **err)
{
	if (len == 0) {
		snprintf(t->path, sizeof(t->path), "/mqtt");
		return 0;
	}
	if (len >= TARGET_PATH_MAX) {
		*err = "WebSocket path is longer than 1023 bytes";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f) {
			*err = "WebSocket path contains a space, a control or a "
			    "non-ASCII character; escape it as %XX";
			return -1;
		}
		if (c == '#') {
			*err = "WebSocket URL has a fragment ('#'), which is "
			    "never sent to a server";
			return -1;
		}
	}
	memcpy(t->path, s, len);
	t->path[len] = '\0';
	return 0;
}

static int
parse_url(struct target *t, const char *s, const char **err)
{
	const char *end, *at, *slash;
	size_t len = strlen(s);
	bool ws = target_is_ws(t);

	/* mqtt(s):// has no path; ws(s):// has one, /mqtt by default */
	slash = strchr(s, '/');
	end = slash != NULL ? slash : s + len;
	if (!ws && slash != NULL && slash[1] != '\0') {
		*err = "mqtts:// URL has a path; "
		    "only mqtts://[USER@]HOST[:PORT][/] is understood "
		    "(a path belongs to wss://HOST/PATH)";
		return -1;
	}
	if (memchr(s, '?', (size_t)(end - s)) != NULL ||
	    memchr(s, '#', (size_t)(end - s)) != NULL) {
		*err = ws ? "ws:// URL has '?' or '#' before its path" :
		    "mqtts:// URL has a query or fragment; "
		    "only mqtts://[USER@]HOST[:PORT][/] is understood";
		return -1;
	}
	if (ws && set_path(t, end, (size_t)(s + len - end), err) == -1)
		return -1;

	/*
	 * Split at the last '@': a host never holds one, so everything
	 * before it is the user even if the user typed an unescaped '@'.
	 */
	at = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		if (set_user(t, s, (size_t)(at - s), err) == -1)
			return -1;
		s = at + 1;
	}
	return parse_hostport(t, s, (size_t)(end - s), true, err);
}

static const struct {
	const char *name;
	enum target_scheme scheme;
	unsigned port;
} target_schemes[] = {
	{ "mqtts", TARGET_MQTTS, TARGET_DEFAULT_PORT },
	{ "mqtt", TARGET_MQTT, 1883 },
	{ "wss", TARGET_WSS, 443 },
	{ "ws", TARGET_WS, 80 },
};

const char *
target_scheme_name(enum target_scheme s)
{
	for (size_t i = 0; i < sizeof(target_schemes) /
	    sizeof(target_schemes[0]); i++)
		if (target_schemes[i].scheme == s)
			return target_schemes[i].name;
	return "?";
}

bool
target_has_tls(const struct target *t)
{
	return t->scheme == TARGET_MQTTS || t->scheme == TARGET_WSS;
}

bool
target_is_ws(const struct target *t)
{
	return t->scheme == TARGET_WSS || t->scheme == TARGET_WS;
}

int
target_parse_authority(const char *s, size_t len, unsigned default_port,
    struct target *t, const char **err)
{
	const char *at = NULL;

	memset(t, 0, sizeof(*t));
	t->port = default_port;
	/* the last '@', as parse_url splits */
	for (const char *p = s; p < s + len; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		if (set_user(t, s, (size_t)(at - s), err) == -1)
			return -1;
		len -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	return parse_hostport(t, s, len, true, err);
}

int
target_parse(const char *s, struct target *t, const char **err)
{
	const char *sep;

	memset(t, 0, sizeof(*t));
	t->port = TARGET_DEFAULT_PORT;
	t->scheme = TARGET_MQTTS;

	if (s == NULL || *s == '\0') {
		*err = "empty target";
		return -1;
	}

	sep = strstr(s, SCHEME_SEP);
	if (sep != NULL) {
		size_t slen = (size_t)(sep - s);

		for (size_t i = 0; i < sizeof(target_schemes) /
		    sizeof(target_schemes[0]); i++) {
			if (slen != strlen(target_schemes[i].name) ||
			    strncasecmp(s, target_schemes[i].name, slen) != 0)
				continue;
			t->scheme = target_schemes[i].scheme;
			t->port = target_schemes[i].port;
			return parse_url(t, sep + strlen(SCHEME_SEP), err);
		}
		*err = "unsupported URL scheme; use mqtts://, wss://, "
		    "mqtt:// or ws:// (HOST[:PORT] means mqtts://)";
		return -1;
	}
	return parse_hostport(t, s, strlen(s), false, err);
}
