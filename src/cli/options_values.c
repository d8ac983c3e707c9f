/*
 * options_values.c: the value parsers and checks behind each option:
 * bounded numbers, fixed-point seconds and milliseconds, MQTT strings,
 * host names, ALPN lists and --connect-to.  Pure, like options_parse.
 */
#include "options.h"
#include "options_int.h"
#include "psk_key.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Bounded unsigned parse in the manner of strtonum(3): decimal digits
 * only (strtoull alone would take blanks, a sign, and wrap "-1"), no
 * trailing text, and min <= value <= max.
 */
int
options_values_number(const char *s, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * A decimal "I", "I.F" or ".F" with at most `places` digits of F,
 * turned exactly into an integer count of 10^-places units: floating
 * point would make "0.001" land a hair below a 1 ms minimum.
 */
int
options_values_fixed(const char *s, int places, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uint64_t scale = 1, whole = 0, frac = 0;
	int nint = 0, nfrac = 0;
	const char *p = s;

	if (s == NULL)
		return -1;
	for (int i = 0; i < places; i++)
		scale *= 10;
	for (; isdigit((unsigned char)*p); p++, nint++) {
		/* Past this, whole * scale would no longer fit. */
		if (whole > UINT64_MAX / scale / 10)
			return -1;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++, nfrac++) {
			if (nfrac == places)
				return -1;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		/* "5." is more likely a cut-off value than a whole 5. */
		if (nfrac == 0)
			return -1;
	}
	if (*p != '\0' || nint + nfrac == 0)
		return -1;
	for (int i = nfrac; i < places; i++)
		frac *= 10;
	/* The digit loop kept whole small; the fraction can still tip it. */
	if (whole > (UINT64_MAX - frac) / scale)
		return -1;
	whole = whole * scale + frac;
	if (whole < min || whole > max)
		return -1;
	*out = whole;
	return 0;
}

/* Seconds with up to six decimals, as microseconds. */
int
options_parse_seconds(const char *s, uint64_t min_us, uint64_t max_us,
    uint64_t *out_us)
{
	return options_values_fixed(s, 6, min_us, max_us, out_us);
}

/*
 * Milliseconds with up to three decimals: the thousandths of a
 * millisecond that options_values_fixed counts are microseconds already.
 */
int
options_values_millis(const char *s, uint64_t min_us, uint64_t max_us,
    uint64_t *out_us)
{
	return options_values_fixed(s, 3, min_us, max_us, out_us);
}

/* Microseconds as milliseconds for a message: "250", "0.5", "1.234". */
void
options_values_show_millis(uint64_t us, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%llu.%03llu", (unsigned long long)(us / 1000),
	    (unsigned long long)(us % 1000));
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
}

/*
 * MQTT strings must be well-formed UTF-8 without U+0000 (3.1.1 section
 * 1.5.3, 5.0 section 1.5.4); a broker may drop the connection over a
 * bad one, which would look like a broker fault at step 7.
 */
bool
options_values_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		unsigned char c = *p;
		uint32_t cp;
		int n, i;

		if (c < 0x80) {
			p++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		p += n + 1;
	}
	return true;
}

/* Checks shared by the MQTT string options (-i, -u, --topic). */
int
options_values_mqtt_string(char *msg, size_t msglen, int val, const char *v)
{
	if (strlen(v) > MQTT_STRING_MAX)
		return options_fail(msg, msglen, "--%s: longer than %d bytes",
		    options_long_name(val), MQTT_STRING_MAX);
	if (!options_values_utf8(v))
		return options_bad_value(msg, msglen, val, v,
		    "is not valid UTF-8, which MQTT requires");
	return 0;
}

int
options_values_nonempty(char *msg, size_t msglen, int val, const char *v)
{
	if (*v == '\0')
		return options_fail(msg, msglen,
		    "--%s: needs %s, not an empty string",
		    options_long_name(val), options_value_hint(val));
	return 0;
}

/* A name for SNI or certificate matching: a DNS name is at most 255. */
int
options_values_hostname(char *msg, size_t msglen, int val, const char *v)
{
	const char *p;

	if (options_values_nonempty(msg, msglen, val, v) != 0)
		return EXIT_USAGE;
	if (strlen(v) >= TARGET_HOST_MAX)
		return options_fail(msg, msglen, "--%s: longer than %d bytes",
		    options_long_name(val), TARGET_HOST_MAX - 1);
	for (p = v; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return options_bad_value(msg, msglen, val, v,
			    "contains a space or control character");
	return 0;
}

int
options_values_alpn(char *msg, size_t msglen, const char *v)
{
	const char *p = v;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0)
			return options_bad_value(msg, msglen, OPT_ALPN, v,
			    "has an empty protocol name");
		if (n > ALPN_NAME_MAX)
			return options_fail(msg, msglen,
			    "--alpn: a protocol name is "
			    "longer than %d bytes", ALPN_NAME_MAX);
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/*
 * --connect-to takes the TARGET grammar minus URLs.  A port is only an
 * override when it was written, so it is looked for in the text rather
 * than taken from target_parse, which fills in 8883.
 */
int
options_values_connect_to(struct options *o, char *msg, size_t msglen,
    const char *v)
{
	struct target t;
	const char *err, *close;
	bool has_port;

	if (options_values_nonempty(msg, msglen, OPT_CONNECT_TO, v) != 0)
		return EXIT_USAGE;
	if (strstr(v, "://") != NULL)
		return options_bad_value(msg, msglen, OPT_CONNECT_TO, v,
		    "is a URL; give HOST[:PORT] or [IPv6][:PORT]");
	if (target_parse(v, &t, &err) == -1)
		return options_bad_value(msg, msglen, OPT_CONNECT_TO, v, err);
	if (v[0] == '[') {
		close = strchr(v, ']');
		has_port = close != NULL && close[1] == ':';
	} else {
		/* One colon is HOST:PORT; more is a bare IPv6 address. */
		const char *c = strchr(v, ':');

		has_port = c != NULL && strchr(c + 1, ':') == NULL;
	}
	memcpy(o->connect_host, t.host, sizeof(o->connect_host));
	o->connect_to = o->connect_host;
	o->connect_port = has_port ? t.port : 0;
	return 0;
}

/*
 * --psk-identity: 1 to PSK_IDENTITY_MAX bytes of UTF-8 without control
 * characters.  The identity is no secret (it crosses the wire in the
 * clear), so the message may show it.
 */
int
options_values_psk_identity(char *msg, size_t msglen, const char *v)
{
	size_t n = strlen(v);

	if (n == 0)
		return options_bad_value(msg, msglen, OPT_PSK_IDENTITY, v,
		    "is empty");
	if (n > PSK_IDENTITY_MAX)
		return options_bad_value(msg, msglen, OPT_PSK_IDENTITY, v,
		    "is longer than 128 bytes, the most GnuTLS sends");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return options_bad_value(msg, msglen, OPT_PSK_IDENTITY,
			    v, "holds a control character");
	if (!options_values_utf8(v))
		return options_bad_value(msg, msglen, OPT_PSK_IDENTITY, v,
		    "is not valid UTF-8");
	return 0;
}
