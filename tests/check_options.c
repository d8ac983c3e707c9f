/*
 * check_options.c: options_parse, options_parse_seconds, and the
 * agreement between the option table, --help and the man page.
 */
#include <check.h>
#include <ctype.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#ifndef MAN_PAGE
#define MAN_PAGE "man/mqtts-probe.1"
#endif

#define MAXARGS 16

/*
 * getopt_long permutes argv and the parsed options point into it, so
 * each run gets a fresh, writable copy that outlives the call.  A
 * static pool avoids heap copies that would have to be freed in every
 * test.
 */
static char pool[3 * 65536 + 4096];
static char *args[MAXARGS + 1];
static char msg[256];

static int
run(struct options *o, const char *const *in)
{
	size_t used = 0, len;
	int n;

	for (n = 0; in[n] != NULL; n++) {
		ck_assert_int_lt(n, MAXARGS);
		len = strlen(in[n]) + 1;
		ck_assert_uint_le(used + len, sizeof(pool));
		memcpy(pool + used, in[n], len);
		args[n] = pool + used;
		used += len;
	}
	args[n] = NULL;
	memset(msg, 'X', sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	return options_parse(n, args, o, msg, sizeof(msg));
}

#define PARSE(o, ...) \
	run((o), (const char *const[]){ "mqtts-probe", __VA_ARGS__, NULL })

/* A string of n copies of c, in its own buffer (for long values). */
static char *
repeat(char *buf, int c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

START_TEST(test_defaults)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "broker"), 0);
	ck_assert_str_eq(o.target_arg, "broker");
	ck_assert_str_eq(o.target.host, "broker");
	ck_assert_uint_eq(o.target.port, TARGET_DEFAULT_PORT);
	ck_assert_uint_eq(o.timeout_us, 10000000);
	ck_assert_ptr_null(o.cafile);
	ck_assert_ptr_null(o.capath);
	ck_assert_ptr_null(o.cert);
	ck_assert_ptr_null(o.key);
	ck_assert_ptr_null(o.key_password_file);
	ck_assert_ptr_null(o.sni_hostname);
	ck_assert_ptr_null(o.verify_hostname);
	ck_assert_ptr_null(o.connect_to);
	ck_assert_uint_eq(o.connect_port, 0);
	ck_assert_ptr_null(o.alpn);
	ck_assert_int_eq(o.tls_version, TLSV_ANY);
	ck_assert_ptr_null(o.priority);
	ck_assert(!o.insecure);
	ck_assert_ptr_null(o.keylog);
	ck_assert_int_eq(o.mqtt_version, 4);
	ck_assert_ptr_null(o.client_id);
	ck_assert_ptr_null(o.username);
	ck_assert_ptr_null(o.password_file);
	ck_assert_ptr_null(o.password_arg);
	ck_assert_uint_eq(o.keepalive, 60);
	ck_assert_ptr_null(o.topic);
	ck_assert_uint_eq(o.qos, 1);
	ck_assert_uint_eq(o.steps, 8);
	ck_assert(!o.quiet);
	ck_assert_int_eq(o.verbose, 0);
	ck_assert_int_eq(o.color, COLOR_AUTO);
	ck_assert(!o.help);
	ck_assert(!o.version);
}
END_TEST

/* How to read the field a good value should have set. */
enum kind { K_STR, K_UINT, K_INT, K_U64, K_BOOL, K_ENUM };

struct good {
	const char *argv[6];
	enum kind kind;
	size_t off;
	const char *s;		/* K_STR */
	unsigned long long n;	/* the others */
};

#define F(field) offsetof(struct options, field)
#define GS(field, s, ...) { { __VA_ARGS__ }, K_STR, F(field), s, 0 }
#define GN(k, field, n, ...) { { __VA_ARGS__ }, k, F(field), NULL, n }

static const struct good goods[] = {
	GN(K_U64, timeout_us, 5000000, "-t", "5", "h"),
	GN(K_U64, timeout_us, 2500000, "--timeout", "2.5", "h"),
	GN(K_U64, timeout_us, 2500000, "--timeout=2.5", "h"),
	GN(K_U64, timeout_us, 1000, "-t0.001", "h"),
	GN(K_U64, timeout_us, 3600000000ULL, "-t", "3600", "h"),
	GN(K_U64, timeout_us, 123456, "--time", "0.123456", "h"),
	GS(cafile, "ca.pem", "--cafile", "ca.pem", "h"),
	GS(capath, "/etc/ssl/certs", "--capath", "/etc/ssl/certs", "h"),
	GS(cert, "c.pem", "--cert", "c.pem", "h"),
	GS(cert, "pkcs11:token=t;object=o", "--cert",
	    "pkcs11:token=t;object=o", "h"),
	GS(key, "k.pem", "--cert", "c.pem", "--key", "k.pem", "h"),
	GS(key_password_file, "pp", "--cert", "c.pem",
	    "--key-password-file", "pp", "h"),
	GS(sni_hostname, "sni.example", "--sni-hostname", "sni.example", "h"),
	GS(verify_hostname, "v.example", "--verify-hostname", "v.example",
	    "h"),
	GS(connect_to, "10.0.0.5", "--connect-to", "10.0.0.5", "h"),
	GN(K_UINT, connect_port, 0, "--connect-to", "10.0.0.5", "h"),
	GN(K_UINT, connect_port, 9999, "--connect-to", "10.0.0.5:9999", "h"),
	GS(connect_to, "::1", "--connect-to", "[::1]:1", "h"),
	GN(K_UINT, connect_port, 1, "--connect-to", "[::1]:1", "h"),
	GN(K_UINT, connect_port, 0, "--connect-to", "[::1]", "h"),
	GS(connect_to, "fd00::5", "--connect-to", "fd00::5", "h"),
	GN(K_UINT, connect_port, 0, "--connect-to", "fd00::5", "h"),
	GS(alpn, "mqtt", "--alpn", "mqtt", "h"),
	GS(alpn, "mqtt,x-amzn-mqtt-ca", "--alpn", "mqtt,x-amzn-mqtt-ca", "h"),
	GN(K_ENUM, tls_version, TLSV_12, "--tls-version", "1.2", "h"),
	GN(K_ENUM, tls_version, TLSV_13, "--tls-version", "1.3", "h"),
	GS(priority, "NORMAL:-VERS-TLS1.2", "--priority",
	    "NORMAL:-VERS-TLS1.2", "h"),
	GN(K_BOOL, insecure, 1, "-k", "h"),
	GN(K_BOOL, insecure, 1, "--insecure", "h"),
	GS(keylog, "keys.log", "--keylog", "keys.log", "h"),
	GN(K_INT, mqtt_version, 4, "-V", "3.1.1", "h"),
	GN(K_INT, mqtt_version, 4, "-V", "311", "h"),
	GN(K_INT, mqtt_version, 4, "--mqtt-version", "4", "h"),
	GN(K_INT, mqtt_version, 5, "-V5", "h"),
	GN(K_INT, mqtt_version, 5, "--mqtt-version=5.0", "h"),
	GS(client_id, "probe-1", "-i", "probe-1", "h"),
	GS(client_id, "", "--client-id", "", "h"),
	GS(client_id, "caf\xc3\xa9", "--client-id", "caf\xc3\xa9", "h"),
	GS(username, "alice", "-u", "alice", "h"),
	GS(username, "alice", "--username", "alice", "mqtts://bob@h"),
	GS(password_file, "pw", "--password-file", "pw", "h"),
	GS(password_arg, "s3cret", "-P", "s3cret", "h"),
	GS(password_arg, "", "--password", "", "h"),
	GN(K_UINT, keepalive, 0, "--keepalive", "0", "h"),
	GN(K_UINT, keepalive, 65535, "--keepalive", "65535", "h"),
	GS(topic, "a/b/c", "--topic", "a/b/c", "h"),
	GS(topic, "/", "--topic", "/", "h"),
	GN(K_UINT, qos, 0, "--qos", "0", "h"),
	GN(K_UINT, qos, 2, "--qos", "2", "h"),
	GN(K_UINT, steps, 1, "--steps", "1", "h"),
	GN(K_UINT, steps, 7, "--steps", "7", "h"),
	GN(K_BOOL, quiet, 1, "-q", "h"),
	GN(K_BOOL, quiet, 1, "--quiet", "h"),
	GN(K_INT, verbose, 1, "-v", "h"),
	GN(K_INT, verbose, 3, "-vvv", "h"),
	GN(K_INT, verbose, 2, "--verbose", "-v", "h"),
	GN(K_ENUM, color, COLOR_ALWAYS, "--color", "always", "h"),
	GN(K_ENUM, color, COLOR_NEVER, "--color", "never", "h"),
	GN(K_ENUM, color, COLOR_AUTO, "--color", "auto", "h"),
	GN(K_BOOL, help, 1, "-h"),
	GN(K_BOOL, help, 1, "--help"),
	GN(K_BOOL, version, 1, "--version"),
	/* Options may follow TARGET; "--" ends them. */
	GN(K_BOOL, insecure, 1, "h", "-k"),
	GS(target_arg, "-weird", "-k", "--", "-weird"),
	/* The last of a repeated option wins. */
	GN(K_UINT, qos, 0, "--qos", "2", "--qos", "0", "h"),
};

START_TEST(test_good)
{
	const struct good *g = &goods[_i];
	const char *in[8] = { "mqtts-probe" };
	struct options o;
	const char *p;
	int i;

	for (i = 0; g->argv[i] != NULL; i++)
		in[i + 1] = g->argv[i];
	ck_assert_msg(run(&o, in) == 0, "%s %s: %s", in[1],
	    in[2] != NULL ? in[2] : "", msg);
	p = (const char *)&o + g->off;
	switch (g->kind) {
	case K_STR:
		ck_assert_ptr_nonnull(*(const char *const *)(const void *)p);
		ck_assert_str_eq(*(const char *const *)(const void *)p, g->s);
		break;
	case K_UINT:
		ck_assert_uint_eq(*(const unsigned *)(const void *)p, g->n);
		break;
	case K_INT:
	case K_ENUM:
		ck_assert_int_eq(*(const int *)(const void *)p, (int)g->n);
		break;
	case K_U64:
		ck_assert_uint_eq(*(const uint64_t *)(const void *)p, g->n);
		break;
	case K_BOOL:
		ck_assert_int_eq(*(const bool *)(const void *)p, (bool)g->n);
		break;
	}
}
END_TEST

struct bad {
	const char *argv[6];
	const char *msg;	/* expected substring of the message */
};

static const struct bad bads[] = {
	{ { "-t", "-3", "h" },
	    "--timeout: '-3' is not a number of seconds from 0.001 to 3600" },
	{ { "-t", "0", "h" }, "--timeout" },
	{ { "-t", "0.0009", "h" }, "--timeout" },
	{ { "-t", "3601", "h" }, "--timeout" },
	{ { "--timeout", "ten", "h" }, "--timeout" },
	{ { "--timeout", "", "h" }, "--timeout" },
	{ { "--timeout", "1e3", "h" }, "--timeout" },
	{ { "--cafile", "", "h" }, "--cafile" },
	{ { "--capath", "", "h" }, "--capath" },
	{ { "--cert", "", "h" }, "--cert" },
	{ { "--cert", "c", "--key", "", "h" }, "--key" },
	{ { "--cert", "c", "--key-password-file", "", "h" },
	    "--key-password-file" },
	{ { "--sni-hostname", "", "h" }, "--sni-hostname" },
	{ { "--sni-hostname", "a b", "h" }, "--sni-hostname" },
	{ { "--verify-hostname", "", "h" }, "--verify-hostname" },
	{ { "--verify-hostname", "a\tb", "h" }, "--verify-hostname" },
	{ { "--connect-to", "", "h" }, "--connect-to" },
	{ { "--connect-to", "h:0", "h" }, "--connect-to" },
	{ { "--connect-to", "[::1", "h" }, "--connect-to" },
	{ { "--connect-to", "mqtts://h", "h" }, "--connect-to" },
	{ { "--alpn", "", "h" }, "--alpn" },
	{ { "--alpn", "mqtt,", "h" }, "--alpn" },
	{ { "--alpn", ",mqtt", "h" }, "--alpn" },
	{ { "--alpn", "a,,b", "h" }, "--alpn" },
	{ { "--tls-version", "1.1", "h" }, "--tls-version: '1.1' is not" },
	{ { "--tls-version", "13", "h" }, "--tls-version" },
	{ { "--priority", "", "h" }, "--priority" },
	{ { "-V", "3", "h" }, "--mqtt-version: '3' is not 3.1.1 or 5" },
	{ { "--mqtt-version", "6", "h" }, "--mqtt-version" },
	{ { "--mqtt-version", "5.1", "h" }, "--mqtt-version" },
	{ { "-i", "\xff", "h" }, "--client-id" },
	{ { "-i", "\xc0\x80", "h" }, "--client-id" },
	{ { "-u", "\xed\xa0\x80", "h" }, "--username" },
	{ { "--password-file", "", "h" }, "--password-file" },
	{ { "--keepalive", "-1", "h" }, "--keepalive" },
	{ { "--keepalive", "65536", "h" }, "--keepalive" },
	{ { "--keepalive", "+5", "h" }, "--keepalive" },
	{ { "--keepalive", " 5", "h" }, "--keepalive" },
	{ { "--keepalive", "5s", "h" }, "--keepalive" },
	{ { "--keepalive", "", "h" }, "--keepalive" },
	{ { "--keepalive", "99999999999999999999999", "h" }, "--keepalive" },
	{ { "--topic", "", "h" }, "--topic" },
	{ { "--topic", "a/+/b", "h" }, "--topic" },
	{ { "--topic", "a/#", "h" }, "--topic" },
	{ { "--topic", "\xe2\x82", "h" }, "--topic" },
	{ { "--qos", "3", "h" }, "--qos: '3' is not 0, 1 or 2" },
	{ { "--qos", "-1", "h" }, "--qos" },
	{ { "--qos", "1.0", "h" }, "--qos" },
	{ { "--steps", "0", "h" }, "--steps" },
	{ { "--steps", "9", "h" }, "--steps" },
	{ { "--color", "yes", "h" }, "--color" },
	{ { "--color", "", "h" }, "--color" },
	/* getopt's own errors. */
	{ { "--foo", "h" }, "unknown option '--foo'" },
	{ { "--foo=bar", "h" }, "unknown option '--foo'" },
	{ { "-x", "h" }, "unknown option '-x'" },
	{ { "-kx", "h" }, "unknown option '-x'" },
	{ { "-:", "h" }, "unknown option '-:'" },
	{ { "--c", "h" }, "'--c' is ambiguous" },
	{ { "h", "--qos" }, "option '--qos' needs a value: 0, 1 or 2" },
	{ { "h", "-t" }, "option '--timeout' needs a value" },
	{ { "h", "--timeout" }, "option '--timeout' needs a value" },
	{ { "h", "-i" }, "option '--client-id' needs a value" },
	{ { "h", "-P" }, "option '--password' needs a value" },
	{ { "h", "--cafile" }, "option '--cafile' needs a value" },
	{ { "h", "--connect-to" }, "option '--connect-to' needs a value" },
	{ { "--insecure=yes", "h" }, "option '--insecure' does not take" },
	{ { "--version=2", "h" }, "option '--version' does not take" },
	/* Rules between options and operands. */
	{ { NULL }, "TARGET" },
	{ { "-k" }, "missing TARGET" },
	{ { "a", "b" }, "only one TARGET" },
	{ { "a", "b", "c" }, "TARGET" },
	{ { "mqtt://h" }, "TARGET 'mqtt://h': mqtt:// is plaintext" },
	{ { "h:0" }, "TARGET" },
	{ { "-q", "-v", "h" }, "--quiet" },
	{ { "-v", "--quiet", "h" }, "--verbose" },
	{ { "-P", "x", "--password-file", "f", "h" }, "--password-file" },
	{ { "--password-file", "f", "--password", "x", "h" }, "--password" },
	{ { "--key", "k.pem", "h" }, "--key needs --cert" },
	{ { "--key-password-file", "pp", "h" }, "--key-password-file" },
	{ { "mqtts://%ff@h" }, "UTF-8" },
};

START_TEST(test_bad)
{
	const struct bad *b = &bads[_i];
	const char *in[8] = { "mqtts-probe" };
	struct options o;
	int i;

	for (i = 0; b->argv[i] != NULL; i++)
		in[i + 1] = b->argv[i];
	ck_assert_int_eq(run(&o, in), EXIT_USAGE);
	ck_assert_msg(strstr(msg, b->msg) != NULL,
	    "%s %s: message '%s' lacks '%s'", in[1] != NULL ? in[1] : "",
	    in[1] != NULL && in[2] != NULL ? in[2] : "", msg, b->msg);
}
END_TEST

/* Lengths at the limits of the MQTT wire format. */
START_TEST(test_lengths)
{
	static char big[65537];
	struct options o;

	ck_assert_int_eq(PARSE(&o, "--topic", repeat(big, 't', 65535), "h"),
	    0);
	ck_assert_uint_eq(strlen(o.topic), 65535);
	ck_assert_int_eq(PARSE(&o, "--topic", repeat(big, 't', 65536), "h"),
	    EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--topic"));
	ck_assert_int_eq(PARSE(&o, "-i", repeat(big, 'c', 65535), "h"), 0);
	ck_assert_int_eq(PARSE(&o, "-i", repeat(big, 'c', 65536), "h"),
	    EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--client-id"));
	ck_assert_int_eq(PARSE(&o, "-u", repeat(big, 'u', 65536), "h"),
	    EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--username"));
	ck_assert_int_eq(PARSE(&o, "-P", repeat(big, 'p', 65536), "h"),
	    EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--password"));

	ck_assert_int_eq(PARSE(&o, "--alpn", repeat(big, 'a', 255), "h"), 0);
	ck_assert_int_eq(PARSE(&o, "--alpn", repeat(big, 'a', 256), "h"),
	    EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--alpn"));
	ck_assert_int_eq(PARSE(&o, "--sni-hostname", repeat(big, 'n', 255),
	    "h"), 0);
	ck_assert_int_eq(PARSE(&o, "--sni-hostname", repeat(big, 'n', 256),
	    "h"), EXIT_USAGE);

	/* A long bad value is cut short in the message, not the reason. */
	ck_assert_int_eq(PARSE(&o, "--qos", repeat(big, '9', 1000), "h"),
	    EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "...' is not 0, 1 or 2"));
	ck_assert_uint_lt(strlen(msg), 100);
}
END_TEST

START_TEST(test_username_from_url)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "mqtts://alice@broker:8884"), 0);
	ck_assert_str_eq(o.username, "alice");
	/* It points into the struct, as options.h documents. */
	ck_assert_ptr_eq(o.username, o.target.user);
	ck_assert_str_eq(o.target.host, "broker");
	ck_assert_uint_eq(o.target.port, 8884);

	ck_assert_int_eq(PARSE(&o, "-u", "bob", "mqtts://alice@broker"), 0);
	ck_assert_str_eq(o.username, "bob");

	ck_assert_int_eq(PARSE(&o, "mqtts://broker"), 0);
	ck_assert_ptr_null(o.username);
}
END_TEST

/* A password typed into the URL is refused without being repeated. */
START_TEST(test_url_password_not_echoed)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "mqtts://alice:hunter2@broker"),
	    EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "visible in ps"));
	ck_assert_ptr_null(strstr(msg, "hunter2"));
}
END_TEST

/* Control characters in a value must not reach the terminal. */
START_TEST(test_message_escapes)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "--qos", "\x1b[31m", "h"), EXIT_USAGE);
	ck_assert_ptr_null(strchr(msg, '\x1b'));
	ck_assert_ptr_nonnull(strstr(msg, "--qos"));
}
END_TEST

START_TEST(test_help_version_without_target)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "--help"), 0);
	ck_assert(o.help);
	ck_assert_int_eq(PARSE(&o, "-h"), 0);
	ck_assert(o.help);
	ck_assert_int_eq(PARSE(&o, "--version"), 0);
	ck_assert(o.version);
	/* Rules about TARGET and conflicts do not stand in their way. */
	ck_assert_int_eq(PARSE(&o, "-q", "-v", "-h", "a", "b"), 0);
	ck_assert(o.help);
}
END_TEST

/* options_parse can be called again: optind is reset each time. */
START_TEST(test_repeatable)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "-kvq", "h"), EXIT_USAGE);
	ck_assert_int_eq(PARSE(&o, "-kv", "h"), 0);
	ck_assert(o.insecure);
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_int_eq(PARSE(&o, "--qos", "0", "other:1"), 0);
	ck_assert(!o.insecure);
	ck_assert_int_eq(o.verbose, 0);
	ck_assert_uint_eq(o.qos, 0);
	ck_assert_str_eq(o.target.host, "other");
	ck_assert_uint_eq(o.target.port, 1);
}
END_TEST

/* Options after TARGET work without reordering argv. */
START_TEST(test_no_permute)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "broker", "--qos", "2", "-k"), 0);
	ck_assert_str_eq(args[1], "broker");
	ck_assert_str_eq(args[2], "--qos");
	ck_assert_str_eq(o.target_arg, "broker");
	ck_assert_uint_eq(o.qos, 2);
	ck_assert(o.insecure);
	/* After "--", even an option-looking word is an operand. */
	ck_assert_int_eq(PARSE(&o, "-k", "--", "b", "-v"), EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "got 'b' and '-v'"));
}
END_TEST

START_TEST(test_null_msg)
{
	struct options o;
	const char *in[] = { "mqtts-probe", "--qos", "7", "h", NULL };
	char *argv[5];

	memcpy(argv, in, sizeof(argv));
	ck_assert_int_eq(options_parse(4, argv, &o, NULL, 0), EXIT_USAGE);
}
END_TEST

struct sec {
	const char *in;
	int rc;
	uint64_t us;
};

static const struct sec secs[] = {
	{ "10", 0, 10000000 },
	{ "0.5", 0, 500000 },
	{ ".5", 0, 500000 },
	{ "0.001", 0, 1000 },
	{ "1.000001", 0, 1000001 },
	{ "3600", 0, 3600000000ULL },
	{ "3600.000000", 0, 3600000000ULL },
	{ "0010", 0, 10000000 },
	{ "0.000001", -1, 0 },		/* below the minimum */
	{ "0.000999", -1, 0 },
	{ "0", -1, 0 },
	{ "3600.000001", -1, 0 },
	{ "1.1234567", -1, 0 },		/* seven decimals */
	{ "1e3", -1, 0 },
	{ "", -1, 0 },
	{ ".", -1, 0 },
	{ "5.", -1, 0 },
	{ "-1", -1, 0 },
	{ "+1", -1, 0 },
	{ " 1", -1, 0 },
	{ "1 ", -1, 0 },
	{ "1.2.3", -1, 0 },
	{ "1,5", -1, 0 },
	{ "inf", -1, 0 },
	{ "0x10", -1, 0 },
	{ "99999999999999999999999999", -1, 0 },
	{ "18446744073709.551615", -1, 0 },
};

START_TEST(test_seconds)
{
	const struct sec *t = &secs[_i];
	uint64_t us = 42;
	int rc;

	rc = options_parse_seconds(t->in, 1000, 3600000000ULL, &us);
	ck_assert_msg(rc == t->rc, "'%s': rc %d", t->in, rc);
	if (t->rc == 0)
		ck_assert_uint_eq(us, t->us);
	else
		ck_assert_uint_eq(us, 42);	/* untouched on failure */
}
END_TEST

START_TEST(test_seconds_wide_range)
{
	uint64_t us;

	ck_assert_int_eq(options_parse_seconds("0", 0, UINT64_MAX, &us), 0);
	ck_assert_uint_eq(us, 0);
	ck_assert_int_eq(options_parse_seconds("0.000001", 0, UINT64_MAX,
	    &us), 0);
	ck_assert_uint_eq(us, 1);
	ck_assert_int_eq(options_parse_seconds("1000000000000", 0,
	    UINT64_MAX, &us), 0);
	ck_assert_uint_eq(us, 1000000000000000000ULL);
	ck_assert_int_eq(options_parse_seconds("18446744073709.551615", 0,
	    UINT64_MAX, &us), 0);
	ck_assert_uint_eq(us, UINT64_MAX);
	ck_assert_int_eq(options_parse_seconds("18446744073709.551616", 0,
	    UINT64_MAX, &us), -1);
	ck_assert_int_eq(options_parse_seconds("18446744073710", 0,
	    UINT64_MAX, &us), -1);
	ck_assert_int_eq(options_parse_seconds(NULL, 0, UINT64_MAX, &us), -1);
}
END_TEST

START_TEST(test_usage)
{
	const char *u = options_usage();
	const char *h = options_help();

	ck_assert_int_eq(strncmp(u, "usage: mqtts-probe", 18), 0);
	ck_assert_int_eq(u[strlen(u) - 1], '\n');
	/* --help starts with the very same usage text. */
	ck_assert_int_eq(strncmp(h, u, strlen(u)), 0);
	/* Both fit a terminal. */
	for (const char *t = h; *t != '\0';) {
		size_t n = strcspn(t, "\n");

		ck_assert_msg(n <= 79, "line too long: %.*s", (int)n, t);
		t += n + (t[n] == '\n');
	}
}
END_TEST

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Does text hold prefix+name as a whole option name? */
static bool
mentions(const char *text, const char *prefix, const char *name)
{
	size_t plen = strlen(prefix), nlen = strlen(name);
	const char *p;

	for (p = text; (p = strstr(p, prefix)) != NULL; p += plen) {
		const char *e = p + plen + nlen;

		if (strncmp(p + plen, name, nlen) == 0 &&
		    !isalnum((unsigned char)*e) && *e != '-')
			return true;
	}
	return false;
}

START_TEST(test_documented)
{
	const struct option *lo;
	char *man = slurp(MAN_PAGE);
	const char *help = options_help();
	int n = 0;

	for (lo = options_table(); lo->name != NULL; lo++, n++) {
		ck_assert_msg(mentions(help, "--", lo->name),
		    "--%s missing from --help", lo->name);
		ck_assert_msg(mentions(man, "\\-", lo->name),
		    "--%s missing from %s", lo->name, MAN_PAGE);
	}
	ck_assert_int_ge(n, 28);
	free(man);
}
END_TEST

/*
 * Each bracketed item of the usage text, in order, must be an .Op line
 * of the SYNOPSIS: "[-i client-id]" is ".Op Fl i Ar client-id" and
 * "[--alpn list]" is ".Op Fl \-alpn Ar list".
 */
START_TEST(test_usage_matches_synopsis)
{
	char *man = slurp(MAN_PAGE);
	const char *u = options_usage();
	char *syn, *end, *at, line[128];
	int items = 0, ops = 0;

	syn = strstr(man, ".Sh SYNOPSIS\n");
	ck_assert_ptr_nonnull(syn);
	end = strstr(syn + 1, "\n.Sh ");
	ck_assert_ptr_nonnull(end);
	end[1] = '\0';
	at = syn;

	while ((u = strchr(u, '[')) != NULL) {
		const char *close = strchr(u, ']');
		char item[64], *flag, *arg;

		ck_assert_ptr_nonnull(close);
		ck_assert_uint_lt((size_t)(close - u), sizeof(item));
		memcpy(item, u + 1, (size_t)(close - u - 1));
		item[close - u - 1] = '\0';
		flag = item + 1;		/* past the first '-' */
		arg = strchr(item, ' ');
		if (arg != NULL)
			*arg++ = '\0';
		snprintf(line, sizeof(line), ".Op Fl %s%s%s%s\n",
		    flag[0] == '-' ? "\\" : "", flag,
		    arg != NULL ? " Ar " : "", arg != NULL ? arg : "");
		at = strstr(at, line);
		ck_assert_msg(at != NULL, "SYNOPSIS lacks (in order) %s",
		    line);
		items++;
		u = close + 1;
	}
	ck_assert_ptr_nonnull(strstr(at, ".Ar target\n"));
	for (at = syn; (at = strstr(at, "\n.Op ")) != NULL; at++)
		ops++;
	ck_assert_int_eq(ops, items);
	ck_assert_int_ge(items, 20);
	free(man);
}
END_TEST

static Suite *
options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_good, 0,
	    (int)(sizeof(goods) / sizeof(goods[0])));
	tcase_add_loop_test(tc, test_bad, 0,
	    (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_username_from_url);
	tcase_add_test(tc, test_url_password_not_echoed);
	tcase_add_test(tc, test_message_escapes);
	tcase_add_test(tc, test_help_version_without_target);
	tcase_add_test(tc, test_repeatable);
	tcase_add_test(tc, test_no_permute);
	tcase_add_test(tc, test_null_msg);
	suite_add_tcase(s, tc);

	tc = tcase_create("seconds");
	tcase_add_loop_test(tc, test_seconds, 0,
	    (int)(sizeof(secs) / sizeof(secs[0])));
	tcase_add_test(tc, test_seconds_wide_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("docs");
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_documented);
	tcase_add_test(tc, test_usage_matches_synopsis);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(options_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
