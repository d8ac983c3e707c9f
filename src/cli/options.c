/*
 * options.c: turn argv into a struct options.
 *
 * Everything here is pure: no output, no exit, no file access.  Every
 * error comes back as EXIT_USAGE plus one message that names the option
 * at fault, so main.c can print it above the usage text and stop.
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_S 1000000ULL
#define TIMEOUT_MIN_US 1000ULL			/* 0.001 s */
#define TIMEOUT_MAX_US (3600ULL * US_PER_S)
#define TIMEOUT_DEFAULT_US (10ULL * US_PER_S)
#define KEEPALIVE_DEFAULT 60
#define COUNT_MAX 1000000
#define INTERVAL_MAX_US (86400ULL * US_PER_S)
#define INTERVAL_DEFAULT_US US_PER_S
#define PARALLEL_MAX 256
#define PARALLEL_DEFAULT 4
#define DAYS_MAX 36500				/* a hundred years */
#define RTT_MIN_US 1ULL				/* 0.001 ms */
#define RTT_MAX_US (3600ULL * US_PER_S)		/* 3600000 ms */
#define MQTT_STRING_MAX 65535	/* a two-byte length prefix on the wire */
#define ALPN_NAME_MAX 255	/* a one-byte length prefix on the wire */
#define VERBOSE_MAX 16		/* more -v changes nothing; avoid overflow */
#define SHOWN_VALUE_MAX 48	/* longer values are cut in messages */

/* Values for options that have no short letter. */
enum {
	OPT_ALPN = 256,
	OPT_CAFILE,
	OPT_CAPATH,
	OPT_CERT,
	OPT_COLOR,
	OPT_CONNECT_TO,
	OPT_CRIT_DAYS,
	OPT_CRIT_MS,
	OPT_EXPLAIN,
	OPT_FORMAT,
	OPT_HEXDUMP,
	OPT_INTERVAL,
	OPT_KEEPALIVE,
	OPT_KEY,
	OPT_KEY_PASSWORD_FILE,
	OPT_KEYLOG,
	OPT_PARALLEL,
	OPT_PASSWORD_FILE,
	OPT_PAUSE,
	OPT_PRIORITY,
	OPT_QOS,
	OPT_SNI_HOSTNAME,
	OPT_STEPS,
	OPT_TARGETS,
	OPT_TLS_VERSION,
	OPT_TOPIC,
	OPT_TRACE,
	OPT_VERIFY_HOSTNAME,
	OPT_VERSION,
	OPT_WARN_DAYS,
	OPT_WARN_MS,
};

/*
 * '-' hands operands back in order (as value 1), so options may follow
 * TARGET whatever POSIXLY_CORRECT says, and getopt never permutes argv
 * itself; options_parse gathers the operands at the end on its own.
 * ':' makes getopt return ':' for a missing value instead of '?', so
 * the two errors get different messages.
 */
static const char short_opts[] = "-:c:hi:kP:qt:u:vV:";

static const struct option long_opts[] = {
	{ "alpn",		required_argument,	NULL, OPT_ALPN },
	{ "cafile",		required_argument,	NULL, OPT_CAFILE },
	{ "capath",		required_argument,	NULL, OPT_CAPATH },
	{ "cert",		required_argument,	NULL, OPT_CERT },
	{ "client-id",		required_argument,	NULL, 'i' },
	{ "color",		required_argument,	NULL, OPT_COLOR },
	{ "connect-to",		required_argument,	NULL, OPT_CONNECT_TO },
	{ "count",		required_argument,	NULL, 'c' },
	{ "crit-days",		required_argument,	NULL, OPT_CRIT_DAYS },
	{ "crit-ms",		required_argument,	NULL, OPT_CRIT_MS },
	{ "explain",		no_argument,		NULL, OPT_EXPLAIN },
	{ "format",		required_argument,	NULL, OPT_FORMAT },
	{ "help",		no_argument,		NULL, 'h' },
	{ "hexdump",		no_argument,		NULL, OPT_HEXDUMP },
	{ "insecure",		no_argument,		NULL, 'k' },
	{ "interval",		required_argument,	NULL, OPT_INTERVAL },
	{ "keepalive",		required_argument,	NULL, OPT_KEEPALIVE },
	{ "key",		required_argument,	NULL, OPT_KEY },
	{ "key-password-file",	required_argument,	NULL,
	    OPT_KEY_PASSWORD_FILE },
	{ "keylog",		required_argument,	NULL, OPT_KEYLOG },
	{ "mqtt-version",	required_argument,	NULL, 'V' },
	{ "parallel",		required_argument,	NULL, OPT_PARALLEL },
	{ "password",		required_argument,	NULL, 'P' },
	{ "password-file",	required_argument,	NULL, OPT_PASSWORD_FILE },
	{ "pause",		no_argument,		NULL, OPT_PAUSE },
	{ "priority",		required_argument,	NULL, OPT_PRIORITY },
	{ "qos",		required_argument,	NULL, OPT_QOS },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "sni-hostname",	required_argument,	NULL, OPT_SNI_HOSTNAME },
	{ "steps",		required_argument,	NULL, OPT_STEPS },
	{ "targets",		required_argument,	NULL, OPT_TARGETS },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "tls-version",	required_argument,	NULL, OPT_TLS_VERSION },
	{ "topic",		required_argument,	NULL, OPT_TOPIC },
	{ "trace",		no_argument,		NULL, OPT_TRACE },
	{ "username",		required_argument,	NULL, 'u' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "verify-hostname",	required_argument,	NULL, OPT_VERIFY_HOSTNAME },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ "warn-days",		required_argument,	NULL, OPT_WARN_DAYS },
	{ "warn-ms",		required_argument,	NULL, OPT_WARN_MS },
	{ NULL,			0,			NULL, 0 },
};

/*
 * Kept in the same order as the SYNOPSIS in man/mqtts-probe.1; a test
 * checks that each bracketed item here appears there.
 */
#define USAGE_TEXT \
"usage: mqtts-probe [-hkqv] [-c count] [-i client-id] [-P password]\n" \
"                   [-t seconds] [-u username] [-V version] [--alpn list]\n" \
"                   [--cafile file] [--capath directory] [--cert file]\n" \
"                   [--color when] [--connect-to address]\n" \
"                   [--crit-days days] [--crit-ms ms] [--explain]\n" \
"                   [--format format] [--hexdump] [--interval seconds]\n" \
"                   [--keepalive seconds] [--key file]\n" \
"                   [--key-password-file file] [--keylog file]\n" \
"                   [--parallel n] [--password-file file] [--pause]\n" \
"                   [--priority string] [--qos level]\n" \
"                   [--sni-hostname name] [--steps n] [--targets file]\n" \
"                   [--tls-version version] [--topic topic] [--trace]\n" \
"                   [--verify-hostname name] [--version]\n" \
"                   [--warn-days days] [--warn-ms ms] target ...\n"

static const char help_text[] = USAGE_TEXT
"\n"
"Probe an MQTT broker over TLS one handshake step at a time, showing\n"
"what each step did, how long it took, and the state of TCP, TLS and\n"
"MQTT after it.\n"
"\n"
"target is HOST[:PORT], [IPv6][:PORT] or mqtts://[USER@]HOST[:PORT][/];\n"
"the default port is 8883.  Several targets may be given; with\n"
"--targets, none is needed.\n"
"\n"
"Connection and TLS:\n"
"  -t, --timeout seconds      time limit for the whole probe, 0.001 to\n"
"                             3600, up to 6 decimals (default 10)\n"
"  --cafile file              trust the CA certificates in file\n"
"                             (default: the system trust store)\n"
"  --capath directory         trust the CA certificates in directory\n"
"  --cert file                client certificate, a file or pkcs11: URL\n"
"  --key file                 client private key, a file or pkcs11: URL;\n"
"                             needs --cert (without --key, the key is\n"
"                             taken from the --cert file)\n"
"  --key-password-file file   read the passphrase of the key from file\n"
"  --sni-hostname name        name to send as SNI (default: the target\n"
"                             host; no SNI for an IP address)\n"
"  --verify-hostname name     name the certificate must match\n"
"                             (default: the target host)\n"
"  --connect-to address       connect to address, HOST[:PORT] or\n"
"                             [IPv6][:PORT], but keep the target host\n"
"                             for SNI and verification\n"
"  --alpn list                comma-separated ALPN protocols to offer\n"
"  --tls-version version      offer only TLS 1.2 or only TLS 1.3\n"
"                             (default: both)\n"
"  --priority string          GnuTLS priority string to use\n"
"  -k, --insecure             go on when the certificate is not trusted;\n"
"                             it is still verified and reported\n"
"  --keylog file              append TLS secrets to file (key log format,\n"
"                             for decrypting a capture in Wireshark)\n"
"\n"
"MQTT:\n"
"  -V, --mqtt-version version 3.1.1 (also 311 or 4) or 5 (also 5.0);\n"
"                             default 3.1.1\n"
"  -i, --client-id client-id  client identifier (default: generated)\n"
"  -u, --username username    user name (default: the USER of each\n"
"                             target's mqtts://USER@)\n"
"  --password-file file       read the password from file\n"
"  -P, --password password    password; others can see it in ps\n"
"  --keepalive seconds        keep-alive, 0 to 65535 (default 60)\n"
"  --topic topic              topic for the round trip, no wildcards\n"
"                             (default: mqtts-probe/<client-id>)\n"
"  --qos level                QoS of the round trip: 0, 1 or 2\n"
"                             (default 1)\n"
"  --steps n                  stop after step n, 1 to 8 (default 8;\n"
"                             7 connects without publishing)\n"
"\n"
"Output:\n"
"  --format format            text, json, jsonl, nagios or prometheus\n"
"                             (default text)\n"
"  -q, --quiet                print only the verdict line and any expiry\n"
"                             warning (text only; with -c, the summary)\n"
"  -v, --verbose              show more detail; repeat for more\n"
"  --color when               auto, always or never (default auto)\n"
"  -h, --help                 print this help and exit\n"
"  --version                  print the version and exit\n"
"\n"
"Monitoring, repeat mode and many targets:\n"
"  --warn-days days           warn when fewer than days, 0 to 36500, are\n"
"                             left before a certificate in the chain\n"
"                             expires\n"
"  --crit-days days           critical when fewer than days are left;\n"
"                             not more than --warn-days\n"
"  --warn-ms ms               warn when the round trip takes longer than\n"
"                             ms, 0.001 to 3600000, up to 3 decimals\n"
"  --crit-ms ms               critical above ms; not less than --warn-ms\n"
"  -c, --count count          probe each target count times, 1 to\n"
"                             1000000 (default 1), then summarize\n"
"  --interval seconds         pause between probes, 0 to 86400, up to 6\n"
"                             decimals (default 1)\n"
"  --targets file             also probe the targets in file, one a line\n"
"                             ('#' comments and blank lines allowed)\n"
"  --parallel n               probe up to n targets at once, 1 to 256\n"
"                             (default 4)\n"
"\n"
"Teaching (text output only, --trace also with jsonl):\n"
"  --explain                  explain each step in plain words\n"
"  --pause                    wait for Enter before each step (one\n"
"                             target, one probe, not with -q)\n"
"  --trace                    show every TLS handshake message, record\n"
"                             and MQTT packet as it happens\n"
"  --hexdump                  add the bytes of each MQTT packet to the\n"
"                             trace (implies --trace)\n"
"\n"
"Exit status:\n"
"  0      every requested step succeeded\n"
"  1-8    the number of the step that failed or timed out (with several\n"
"         targets, the highest status of any target)\n"
"  64     bad usage\n"
"  66     a local file (CA, certificate, key, password) is missing,\n"
"         unreadable or holds nothing usable\n"
"  70     internal error\n"
"  130    interrupted by Ctrl-C (128 + the signal's number)\n"
"  With --format nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also\n"
"  for bad usage and unreadable files).\n"
"\n"
"Environment:\n"
"  MQTTS_PROBE_PASSWORD  the MQTT password\n"
"  SSLKEYLOGFILE         TLS key log file, as with other GnuTLS programs\n"
"  NO_COLOR              if set and not empty, no color\n"
"\n"
"See mqtts-probe(1) for the details of each step.\n";

const struct option *
options_table(void)
{
	return long_opts;
}

const char *
options_usage(void)
{
	return USAGE_TEXT;
}

const char *
options_help(void)
{
	return help_text;
}

static void
options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->target.port = TARGET_DEFAULT_PORT;
	o->timeout_us = TIMEOUT_DEFAULT_US;
	o->tls_version = TLSV_ANY;
	o->mqtt_version = 4;
	o->keepalive = KEEPALIVE_DEFAULT;
	o->qos = 1;
	o->steps = 8;
	o->color = COLOR_AUTO;
	o->format = FORMAT_TEXT;
	o->warn_days = -1;
	o->crit_days = -1;
	o->count = 1;
	o->interval_us = INTERVAL_DEFAULT_US;
	o->parallel = PARALLEL_DEFAULT;
}

/*
 * Bounded unsigned parse in the manner of strtonum(3): decimal digits
 * only (strtoull alone would take blanks, a sign, and wrap "-1"), no
 * trailing text, and min <= value <= max.
 */
static int
parse_number(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
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
static int
parse_fixed(const char *s, int places, uint64_t min, uint64_t max,
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
	return parse_fixed(s, 6, min_us, max_us, out_us);
}

/*
 * Milliseconds with up to three decimals: the thousandths of a
 * millisecond that parse_fixed counts are microseconds already.
 */
static int
parse_millis(const char *s, uint64_t min_us, uint64_t max_us,
    uint64_t *out_us)
{
	return parse_fixed(s, 3, min_us, max_us, out_us);
}

/* Microseconds as milliseconds for a message: "250", "0.5", "1.234". */
static void
show_millis(uint64_t us, char *buf, size_t len)
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

/* The long name for a getopt value, for messages; NULL if unknown. */
static const char *
long_name(int val)
{
	const struct option *lo;

	for (lo = long_opts; lo->name != NULL; lo++)
		if (lo->val == val)
			return lo->name;
	return NULL;
}

/*
 * Copy a user-supplied value for a message: cut long ones and replace
 * control characters, so a stray escape sequence is not echoed back to
 * the terminal.
 */
static void
shown(const char *v, char *buf, size_t len)
{
	size_t i;

	for (i = 0; v[i] != '\0' && i + 1 < len; i++) {
		if (i == SHOWN_VALUE_MAX && i + 4 <= len) {
			memcpy(buf + i, "...", 4);
			return;
		}
		buf[i] = iscntrl((unsigned char)v[i]) ? '?' : v[i];
	}
	buf[i] = '\0';
}

static int
fail(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg != NULL && msglen > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return EXIT_USAGE;
}

/* "--name: 'value' what", the shape of every bad-value message. */
static int
bad_value(char *msg, size_t msglen, int val, const char *value,
    const char *what)
{
	char v[SHOWN_VALUE_MAX + 4];

	shown(value, v, sizeof(v));
	return fail(msg, msglen, "--%s: '%s' %s", long_name(val), v, what);
}

/* What a value should look like, for "needs a value" messages. */
static const char *
value_hint(int val)
{
	switch (val) {
	case 't':
	case OPT_KEEPALIVE:
	case OPT_INTERVAL:
		return "a number of seconds";
	case OPT_CAFILE:
	case OPT_CERT:
	case OPT_KEY:
	case OPT_KEY_PASSWORD_FILE:
	case OPT_KEYLOG:
	case OPT_PASSWORD_FILE:
	case OPT_TARGETS:
		return "a file name";
	case OPT_FORMAT:
		return "text, json, jsonl, nagios or prometheus";
	case OPT_WARN_DAYS:
	case OPT_CRIT_DAYS:
		return "a number of days from 0 to 36500";
	case OPT_WARN_MS:
	case OPT_CRIT_MS:
		return "a number of milliseconds";
	case 'c':
		return "a number of probes from 1 to 1000000";
	case OPT_PARALLEL:
		return "a number of targets from 1 to 256";
	case OPT_CAPATH:
		return "a directory";
	case OPT_SNI_HOSTNAME:
	case OPT_VERIFY_HOSTNAME:
		return "a host name";
	case OPT_CONNECT_TO:
		return "HOST[:PORT] or [IPv6][:PORT]";
	case OPT_ALPN:
		return "a comma-separated list of protocol names";
	case OPT_TLS_VERSION:
		return "1.2 or 1.3";
	case OPT_PRIORITY:
		return "a GnuTLS priority string";
	case 'V':
		return "3.1.1 or 5";
	case 'i':
		return "a client identifier";
	case 'u':
		return "a user name";
	case 'P':
		return "a password";
	case OPT_TOPIC:
		return "a topic name";
	case OPT_QOS:
		return "0, 1 or 2";
	case OPT_STEPS:
		return "a step number from 1 to 8";
	case OPT_COLOR:
		return "auto, always or never";
	default:
		return "a value";
	}
}

/*
 * MQTT strings must be well-formed UTF-8 without U+0000 (3.1.1 section
 * 1.5.3, 5.0 section 1.5.4); a broker may drop the connection over a
 * bad one, which would look like a broker fault at step 7.
 */
static bool
valid_utf8(const char *s)
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
static int
check_mqtt_string(char *msg, size_t msglen, int val, const char *v)
{
	if (strlen(v) > MQTT_STRING_MAX)
		return fail(msg, msglen, "--%s: longer than %d bytes",
		    long_name(val), MQTT_STRING_MAX);
	if (!valid_utf8(v))
		return bad_value(msg, msglen, val, v,
		    "is not valid UTF-8, which MQTT requires");
	return 0;
}

static int
check_nonempty(char *msg, size_t msglen, int val, const char *v)
{
	if (*v == '\0')
		return fail(msg, msglen, "--%s: needs %s, not an empty string",
		    long_name(val), value_hint(val));
	return 0;
}

/* A name for SNI or certificate matching: a DNS name is at most 255. */
static int
check_hostname(char *msg, size_t msglen, int val, const char *v)
{
	const char *p;

	if (check_nonempty(msg, msglen, val, v) != 0)
		return EXIT_USAGE;
	if (strlen(v) >= TARGET_HOST_MAX)
		return fail(msg, msglen, "--%s: longer than %d bytes",
		    long_name(val), TARGET_HOST_MAX - 1);
	for (p = v; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return bad_value(msg, msglen, val, v,
			    "contains a space or control character");
	return 0;
}

static int
parse_alpn(char *msg, size_t msglen, const char *v)
{
	const char *p = v;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0)
			return bad_value(msg, msglen, OPT_ALPN, v,
			    "has an empty protocol name");
		if (n > ALPN_NAME_MAX)
			return fail(msg, msglen, "--alpn: a protocol name is "
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
static int
parse_connect_to(struct options *o, char *msg, size_t msglen, const char *v)
{
	struct target t;
	const char *err, *close;
	bool has_port;

	if (check_nonempty(msg, msglen, OPT_CONNECT_TO, v) != 0)
		return EXIT_USAGE;
	if (strstr(v, "://") != NULL)
		return bad_value(msg, msglen, OPT_CONNECT_TO, v,
		    "is a URL; give HOST[:PORT] or [IPv6][:PORT]");
	if (target_parse(v, &t, &err) == -1)
		return bad_value(msg, msglen, OPT_CONNECT_TO, v, err);
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

/* One option with its value (if any); returns 0 or EXIT_USAGE. */
static int
apply(struct options *o, int c, const char *v, char *msg, size_t msglen)
{
	unsigned long long n;

	switch (c) {
	case 'h':
		o->help = true;
		return 0;
	case OPT_VERSION:
		o->version = true;
		return 0;
	case 'k':
		o->insecure = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case OPT_EXPLAIN:
		o->explain = true;
		return 0;
	case OPT_PAUSE:
		o->pause = true;
		return 0;
	case OPT_TRACE:
		o->trace = true;
		return 0;
	case OPT_HEXDUMP:
		/* The bytes are shown as part of the trace, so it comes too. */
		o->hexdump = true;
		o->trace = true;
		return 0;
	case 'v':
		if (o->verbose < VERBOSE_MAX)
			o->verbose++;
		return 0;
	case 't':
		if (options_parse_seconds(v, TIMEOUT_MIN_US, TIMEOUT_MAX_US,
		    &o->timeout_us) != 0)
			return bad_value(msg, msglen, c, v,
			    "is not a number of seconds from 0.001 to 3600");
		return 0;
	case OPT_CAFILE:
	case OPT_CAPATH:
	case OPT_CERT:
	case OPT_KEY:
	case OPT_KEY_PASSWORD_FILE:
	case OPT_KEYLOG:
	case OPT_PASSWORD_FILE:
	case OPT_PRIORITY:
	case OPT_TARGETS:
		if (check_nonempty(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		switch (c) {
		case OPT_CAFILE:		o->cafile = v; break;
		case OPT_CAPATH:		o->capath = v; break;
		case OPT_CERT:			o->cert = v; break;
		case OPT_KEY:			o->key = v; break;
		case OPT_KEY_PASSWORD_FILE:	o->key_password_file = v; break;
		case OPT_KEYLOG:		o->keylog = v; break;
		case OPT_PASSWORD_FILE:		o->password_file = v; break;
		case OPT_TARGETS:		o->targets_file = v; break;
		default:			o->priority = v; break;
		}
		return 0;
	case OPT_SNI_HOSTNAME:
	case OPT_VERIFY_HOSTNAME:
		if (check_hostname(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		if (c == OPT_SNI_HOSTNAME)
			o->sni_hostname = v;
		else
			o->verify_hostname = v;
		return 0;
	case OPT_CONNECT_TO:
		return parse_connect_to(o, msg, msglen, v);
	case OPT_ALPN:
		if (parse_alpn(msg, msglen, v) != 0)
			return EXIT_USAGE;
		o->alpn = v;
		return 0;
	case OPT_TLS_VERSION:
		if (strcmp(v, "1.2") == 0)
			o->tls_version = TLSV_12;
		else if (strcmp(v, "1.3") == 0)
			o->tls_version = TLSV_13;
		else
			return bad_value(msg, msglen, c, v, "is not 1.2 or 1.3");
		return 0;
	case 'V':
		/* "4" is the protocol level byte that 3.1.1 sends. */
		if (strcmp(v, "3.1.1") == 0 || strcmp(v, "311") == 0 ||
		    strcmp(v, "4") == 0)
			o->mqtt_version = 4;
		else if (strcmp(v, "5") == 0 || strcmp(v, "5.0") == 0)
			o->mqtt_version = 5;
		else
			return bad_value(msg, msglen, c, v, "is not 3.1.1 or 5");
		return 0;
	case 'i':
		if (check_mqtt_string(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		o->client_id = v;
		return 0;
	case 'u':
		if (check_mqtt_string(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		o->username = v;
		return 0;
	case 'P':
		/* Binary data on the wire: only the length is limited. */
		if (strlen(v) > MQTT_STRING_MAX)
			return fail(msg, msglen, "--password: longer than %d "
			    "bytes", MQTT_STRING_MAX);
		o->password_arg = v;
		return 0;
	case OPT_TOPIC:
		if (check_nonempty(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		if (strpbrk(v, "+#") != NULL)
			return bad_value(msg, msglen, c, v, "has a wildcard "
			    "('+' or '#'), which cannot be published to");
		if (check_mqtt_string(msg, msglen, c, v) != 0)
			return EXIT_USAGE;
		o->topic = v;
		return 0;
	case OPT_KEEPALIVE:
		if (parse_number(v, 0, 65535, &n) != 0)
			return bad_value(msg, msglen, c, v,
			    "is not a whole number of seconds from 0 to 65535");
		o->keepalive = (unsigned)n;
		return 0;
	case OPT_QOS:
		if (parse_number(v, 0, 2, &n) != 0)
			return bad_value(msg, msglen, c, v, "is not 0, 1 or 2");
		o->qos = (unsigned)n;
		return 0;
	case OPT_STEPS:
		if (parse_number(v, 1, 8, &n) != 0)
			return bad_value(msg, msglen, c, v,
			    "is not a step number from 1 to 8");
		o->steps = (unsigned)n;
		return 0;
	case OPT_COLOR:
		if (strcmp(v, "auto") == 0)
			o->color = COLOR_AUTO;
		else if (strcmp(v, "always") == 0)
			o->color = COLOR_ALWAYS;
		else if (strcmp(v, "never") == 0)
			o->color = COLOR_NEVER;
		else
			return bad_value(msg, msglen, c, v,
			    "is not auto, always or never");
		return 0;
	case OPT_FORMAT:
		if (strcmp(v, "text") == 0)
			o->format = FORMAT_TEXT;
		else if (strcmp(v, "json") == 0)
			o->format = FORMAT_JSON;
		else if (strcmp(v, "jsonl") == 0)
			o->format = FORMAT_JSONL;
		else if (strcmp(v, "nagios") == 0)
			o->format = FORMAT_NAGIOS;
		else if (strcmp(v, "prometheus") == 0)
			o->format = FORMAT_PROMETHEUS;
		else
			return bad_value(msg, msglen, c, v,
			    "is not text, json, jsonl, nagios or prometheus");
		return 0;
	case OPT_WARN_DAYS:
	case OPT_CRIT_DAYS:
		if (parse_number(v, 0, DAYS_MAX, &n) != 0)
			return bad_value(msg, msglen, c, v,
			    "is not a whole number of days from 0 to 36500");
		if (c == OPT_WARN_DAYS)
			o->warn_days = (int)n;
		else
			o->crit_days = (int)n;
		return 0;
	case OPT_WARN_MS:
	case OPT_CRIT_MS:
		if (parse_millis(v, RTT_MIN_US, RTT_MAX_US,
		    c == OPT_WARN_MS ? &o->warn_rtt_us : &o->crit_rtt_us) != 0)
			return bad_value(msg, msglen, c, v,
			    "is not a number of milliseconds from 0.001 to "
			    "3600000, up to 3 decimals");
		return 0;
	case 'c':
		if (parse_number(v, 1, COUNT_MAX, &n) != 0)
			return bad_value(msg, msglen, c, v,
			    "is not a whole number from 1 to 1000000");
		o->count = (unsigned)n;
		return 0;
	case OPT_INTERVAL:
		if (options_parse_seconds(v, 0, INTERVAL_MAX_US,
		    &o->interval_us) != 0)
			return bad_value(msg, msglen, c, v,
			    "is not a number of seconds from 0 to 86400, up to "
			    "6 decimals");
		return 0;
	case OPT_PARALLEL:
		if (parse_number(v, 1, PARALLEL_MAX, &n) != 0)
			return bad_value(msg, msglen, c, v,
			    "is not a whole number from 1 to 256");
		o->parallel = (unsigned)n;
		return 0;
	default:
		/* The table and this switch disagree: a bug, not a user error. */
		return fail(msg, msglen, "option value %d is not handled", c);
	}
}

/*
 * getopt's '?' covers three cases that deserve different words: an
 * unknown option, an abbreviation that matches several long options,
 * and a value given to an option that takes none ("--insecure=yes").
 */
static int
unknown_option(char *msg, size_t msglen, const char *arg)
{
	char name[SHOWN_VALUE_MAX + 4];
	const struct option *lo;
	size_t len, matches = 0;

	shown(arg, name, sizeof(name));
	name[strcspn(name, "=")] = '\0';
	if (strncmp(name, "--", 2) == 0 && name[2] != '\0') {
		len = strlen(name + 2);
		for (lo = long_opts; lo->name != NULL; lo++)
			if (strncmp(lo->name, name + 2, len) == 0)
				matches++;
		if (matches > 1)
			return fail(msg, msglen, "option '%s' is ambiguous; "
			    "write the full name", name);
	}
	return fail(msg, msglen, "unknown option '%s'", name);
}

static int
getopt_error(int c, char *const argv[], char *msg, size_t msglen)
{
	const char *name = long_name(optopt);
	char letter[3] = { '-', (char)optopt, '\0' };

	if (c == ':')
		return fail(msg, msglen, "option '--%s' needs a value: %s",
		    name != NULL ? name : "?", value_hint(optopt));
	/*
	 * optopt is 0 for an unknown long option, whose text glibc has
	 * already stepped past; a known value means "--name=value" for an
	 * option without one, since a known letter is never unknown.
	 */
	if (optopt == 0)
		return unknown_option(msg, msglen, argv[optind - 1]);
	if (optopt < 256 &&
	    (optopt == ':' || optopt == '-' ||
	    strchr(short_opts + 2, optopt) == NULL))
		return unknown_option(msg, msglen, letter);
	return fail(msg, msglen, "option '--%s' does not take a value",
	    name != NULL ? name : "?");
}

/* Reverse a[0..n). */
static void
reverse(char **a, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		char *t = a[i];

		a[i] = a[n - 1 - i];
		a[n - 1 - i] = t;
	}
}

/*
 * Move the operands a[0..nops) behind the option words a[nops..n),
 * keeping the order within each group: a rotation by three reversals,
 * in place, so no memory is needed however long argv is.
 */
static void
move_operands_back(char **a, size_t n, size_t nops)
{
	if (nops == 0 || nops == n)
		return;
	reverse(a, nops);
	reverse(a + nops, n - nops);
	reverse(a, n);
}

/*
 * Parse every TARGET operand, the first one into o->target.  A bad one
 * is named by its text, or by its position when it has a user part,
 * which may hold a password that should not be echoed.
 */
static int
check_targets(struct options *o, char *msg, size_t msglen)
{
	char where[SHOWN_VALUE_MAX + 16], t[SHOWN_VALUE_MAX + 4];
	struct target scratch;

	for (size_t i = 0; i < o->noperands; i++) {
		const char *arg = o->operands[i], *err = NULL;
		struct target *tp = i == 0 ? &o->target : &scratch;
		bool bad = target_parse(arg, tp, &err) != 0;

		/*
		 * Checked here rather than in target.c because
		 * TARGET_USER_MAX already keeps it far below the MQTT
		 * limit; only UTF-8 can fail.
		 */
		if (!bad && tp->user[0] != '\0' && !valid_utf8(tp->user)) {
			bad = true;
			err = "the user name is not valid UTF-8, which MQTT "
			    "requires";
		}
		if (!bad)
			continue;
		if (strchr(arg, '@') == NULL) {
			shown(arg, t, sizeof(t));
			snprintf(where, sizeof(where), "TARGET '%s'", t);
		} else if (o->noperands > 1) {
			snprintf(where, sizeof(where), "TARGET %zu", i + 1);
		} else {
			snprintf(where, sizeof(where), "TARGET");
		}
		return fail(msg, msglen, "%s: %s", where, err);
	}
	return 0;
}

/* Options that only make sense together, or only apart. */
static int
check_combinations(const struct options *o, char *msg, size_t msglen)
{
	bool text = o->format == FORMAT_TEXT;
	bool several = o->noperands > 1 || o->targets_file != NULL;
	char a[32], b[32];

	if (o->quiet && o->verbose > 0)
		return fail(msg, msglen,
		    "--quiet (-q) and --verbose (-v) cannot be used together");
	if (o->password_file != NULL && o->password_arg != NULL)
		return fail(msg, msglen, "--password-file and --password (-P) "
		    "cannot be used together");
	if (o->key != NULL && o->cert == NULL)
		return fail(msg, msglen,
		    "--key needs --cert, the certificate that goes with it");
	if (o->key_password_file != NULL && o->cert == NULL)
		return fail(msg, msglen, "--key-password-file needs --cert "
		    "(and --key if the key is in its own file)");

	if (o->quiet && !text)
		return fail(msg, msglen,
		    "--quiet applies to --format text only");
	if (o->explain && !text)
		return fail(msg, msglen,
		    "--explain applies to --format text only");
	/* --hexdump first: it set trace, which the user may not have typed. */
	if (o->hexdump && !text && o->format != FORMAT_JSONL)
		return fail(msg, msglen, "--hexdump (which implies --trace) "
		    "applies to --format text or jsonl only");
	if (o->trace && !text && o->format != FORMAT_JSONL)
		return fail(msg, msglen,
		    "--trace applies to --format text or jsonl only");
	if (o->pause) {
		if (!text)
			return fail(msg, msglen,
			    "--pause applies to --format text only");
		if (o->quiet)
			return fail(msg, msglen, "--pause and --quiet (-q) "
			    "cannot be used together");
		if (o->count > 1)
			return fail(msg, msglen, "--pause cannot be used with "
			    "--count (-c) above 1");
		if (several)
			return fail(msg, msglen, "--pause walks through one "
			    "target: not with --targets or several TARGETs");
	}

	/* Fewer days left is worse, so the critical mark is the lower. */
	if (o->warn_days >= 0 && o->crit_days > o->warn_days)
		return fail(msg, msglen, "--crit-days %d is more than "
		    "--warn-days %d; the critical threshold must be the lower "
		    "number of days", o->crit_days, o->warn_days);
	/* A longer round trip is worse, so the critical mark is the higher. */
	if (o->warn_rtt_us != 0 && o->crit_rtt_us != 0 &&
	    o->crit_rtt_us < o->warn_rtt_us) {
		show_millis(o->crit_rtt_us, a, sizeof(a));
		show_millis(o->warn_rtt_us, b, sizeof(b));
		return fail(msg, msglen, "--crit-ms %s is less than --warn-ms "
		    "%s; the critical threshold must be the longer time",
		    a, b);
	}
	return 0;
}

int
options_parse(int argc, char *argv[], struct options *o,
    char *msg, size_t msglen)
{
	size_t first = 0, nops = 0, tail;
	int c, rc;

	options_defaults(o);
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';

	/* glibc only fully resets its scanner state when optind is 0. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts,
	    NULL)) != -1) {
		if (c == '?' || c == ':')
			return getopt_error(c, argv, msg, msglen);
		if (c == 1) {
			/*
			 * The operand just returned is argv[optind - 1].
			 * Keep the operands seen so far in one block that
			 * ends there, by moving the block over the option
			 * words in between.  Only argv[0..optind) changes,
			 * which getopt has finished with.
			 */
			size_t at = (size_t)optind - 1;

			if (nops == 0)
				first = at;
			else
				move_operands_back(argv + first, at - first,
				    nops);
			first = at - nops;
			nops++;
			continue;
		}
		if ((rc = apply(o, c, optarg, msg, msglen)) != 0)
			return rc;
	}
	/*
	 * Whatever follows "--" (argv[optind..argc)) is operands too:
	 * bring the block up against them.
	 */
	if (nops > 0)
		move_operands_back(argv + first, (size_t)optind - first, nops);
	tail = (size_t)(argc - optind);
	o->noperands = nops + tail;
	if (o->noperands > 0)
		o->operands = argv + (size_t)argc - o->noperands;

	/* Asking for help must work even with an otherwise bad line. */
	if (o->help || o->version)
		return 0;

	if (o->noperands == 0) {
		if (o->targets_file == NULL)
			return fail(msg, msglen, "missing TARGET, the broker "
			    "to probe (HOST[:PORT] or mqtts://HOST[:PORT]), "
			    "or --targets FILE");
		/* No first target: say so rather than leave port 8883. */
		memset(&o->target, 0, sizeof(o->target));
	} else {
		o->target_arg = o->operands[0];
		if ((rc = check_targets(o, msg, msglen)) != 0)
			return rc;
	}
	if ((rc = check_combinations(o, msg, msglen)) != 0)
		return rc;

	/* A user in the URL stands for -u only when nothing else is probed;
	 * with several targets, run.c takes each target's own user. */
	if (o->username == NULL && o->noperands == 1 &&
	    o->targets_file == NULL && o->target.user[0] != '\0')
		o->username = o->target.user;
	return 0;
}
