/*
 * options_transport.c: the values of the options that choose how bytes
 * reach the broker: WebSocket headers, origin and subprotocol.  Pure,
 * like the rest of options_parse: a bad value gets a message naming
 * the option, and the probe never sends a header it could not vouch for.
 */
#include "options.h"
#include "options_int.h"
#include "proxy_url.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 token characters: header names and subprotocols. */
static bool
options_tchar(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Printable, or UTF-8 bytes: a header value may hold text, never CR/LF. */
static bool
options_field_text(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++)
		if ((*p < ' ' && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

/* Headers the upgrade itself writes: a second copy would confuse it. */
static const char *const options_own_headers[] = {
	"Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
	"Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
	"Sec-WebSocket-Extensions", "Origin", "Content-Length",
	"Transfer-Encoding",
};

static int
options_header(struct options *o, char *msg, size_t msglen, const char *v)
{
	const char *colon = strchr(v, ':');
	size_t n = colon != NULL ? (size_t)(colon - v) : 0;

	if (colon == NULL || n == 0)
		return options_bad_value(msg, msglen, 'H', v,
		    "is not 'Name: value'");
	for (size_t i = 0; i < n; i++)
		if (!options_tchar((unsigned char)v[i]))
			return options_bad_value(msg, msglen, 'H', v,
			    "has a header name with a space or a character "
			    "not allowed in it");
	if (!options_field_text(colon + 1))
		return options_bad_value(msg, msglen, 'H', v,
		    "has a control character (a line break?) in its value");
	if (strlen(v) > OPTIONS_HEADER_MAX)
		return options_fail(msg, msglen, "--header: longer than %d "
		    "bytes", OPTIONS_HEADER_MAX);
	for (size_t i = 0; i < sizeof(options_own_headers) /
	    sizeof(options_own_headers[0]); i++)
		if (strlen(options_own_headers[i]) == n &&
		    strncasecmp(v, options_own_headers[i], n) == 0)
			return options_fail(msg, msglen, "--header: %.*s is "
			    "written by the WebSocket upgrade itself%s", (int)n,
			    v, strncasecmp(v, "Origin", n) == 0 ?
			    "; use --ws-origin" : strncasecmp(v,
			    "Sec-WebSocket-Protocol", n) == 0 ?
			    "; use --ws-subprotocol" : "");
	if (o->nheaders >= OPTIONS_HEADERS_MAX)
		return options_fail(msg, msglen, "--header: more than %d "
		    "headers", OPTIONS_HEADERS_MAX);
	o->headers[o->nheaders++] = v;
	return 0;
}

int
options_transport_apply(struct options *o, int c, const char *v, char *msg,
    size_t msglen)
{
	switch (c) {
	case 'H':
		return options_header(o, msg, msglen, v);
	case OPT_WS_ORIGIN:
		if (options_values_nonempty(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		if (!options_field_text(v) || strlen(v) > OPTIONS_HEADER_MAX)
			return options_bad_value(msg, msglen, c, v,
			    "has a control character or is too long");
		o->ws_origin = v;
		return 0;
	case OPT_PROXY: {
		struct proxy_url u;
		const char *err = NULL;

		/* "" is a value: no proxy, not even the environment's */
		/* the value is not echoed: it may hold a password */
		if (v[0] != '\0' && proxy_url_parse(v, &u, &err) != 0)
			return options_fail(msg, msglen, "--proxy: %s", err);
		o->proxy = v;
		return 0;
	}
	case OPT_WS_SUBPROTOCOL:
		if (options_values_nonempty(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		for (const char *p = v; *p != '\0'; p++)
			if (!options_tchar((unsigned char)*p))
				return options_bad_value(msg, msglen, c, v,
				    "is not a single token (letters, digits "
				    "and !#$%&'*+-.^_`|~)");
		if (strlen(v) > 63)
			return options_fail(msg, msglen, "--ws-subprotocol: "
			    "longer than 63 bytes");
		o->ws_subprotocol = v;
		return 0;
	default:
		return -1;
	}
}
