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
	ck_assert_uint_eq(o.noperands, 1);
	ck_assert_ptr_eq(o.operands[0], o.target_arg);
	ck_assert_ptr_null(o.targets_file);
	ck_assert_uint_eq(o.count, 1);
	ck_assert_uint_eq(o.interval_us, 1000000);
	ck_assert_uint_eq(o.parallel, 4);
	ck_assert_int_eq(o.format, FORMAT_TEXT);
	ck_assert_int_eq(o.warn_days, -1);
	ck_assert_int_eq(o.crit_days, -1);
	ck_assert_uint_eq(o.warn_rtt_us, 0);
	ck_assert_uint_eq(o.crit_rtt_us, 0);
	ck_assert(!o.explain);
	ck_assert(!o.pause);
	ck_assert(!o.trace);
	ck_assert(!o.hexdump);
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

	/* Output formats and thresholds. */
	GN(K_ENUM, format, FORMAT_TEXT, "--format", "text", "h"),
	GN(K_ENUM, format, FORMAT_JSON, "--format", "json", "h"),
	GN(K_ENUM, format, FORMAT_JSONL, "--format=jsonl", "h"),
	GN(K_ENUM, format, FORMAT_NAGIOS, "--format", "nagios", "h"),
	GN(K_ENUM, format, FORMAT_PROMETHEUS, "--format", "prometheus", "h"),
	GN(K_BOOL, quiet, 1, "--format", "text", "-q", "h"),
	/* -q by habit with a machine format: accepted, changes nothing */
	GN(K_BOOL, quiet, 1, "-q", "--format", "json", "h"),
	GN(K_BOOL, quiet, 1, "--format", "nagios", "--quiet", "h"),
	GN(K_BOOL, quiet, 1, "--format", "prometheus", "-q", "h"),
	GN(K_INT, warn_days, 30, "--warn-days", "30", "h"),
	GN(K_INT, warn_days, 0, "--warn-days", "0", "h"),
	GN(K_INT, warn_days, 36500, "--warn-days", "36500", "h"),
	GN(K_INT, crit_days, 7, "--crit-days", "7", "h"),
	GN(K_INT, crit_days, 36500, "--crit-days", "36500", "h"),
	GN(K_INT, crit_days, 14, "--warn-days", "14", "--crit-days", "14",
	    "h"),
	GN(K_INT, warn_days, 3, "--crit-days", "1", "--warn-days", "3", "h"),
	GN(K_U64, warn_rtt_us, 200000, "--warn-ms", "200", "h"),
	GN(K_U64, warn_rtt_us, 1, "--warn-ms", "0.001", "h"),
	GN(K_U64, warn_rtt_us, 1500, "--warn-ms", "1.5", "h"),
	GN(K_U64, warn_rtt_us, 500, "--warn-ms", ".5", "h"),
	GN(K_U64, warn_rtt_us, 3600000000ULL, "--warn-ms", "3600000", "h"),
	GN(K_U64, crit_rtt_us, 2250, "--crit-ms", "2.25", "h"),
	GN(K_U64, crit_rtt_us, 200000, "--warn-ms", "200", "--crit-ms",
	    "200", "h"),
	GN(K_U64, crit_rtt_us, 1000000, "--warn-ms", "200", "--crit-ms",
	    "1000", "h"),

	/* Repeat mode and many targets. */
	GN(K_UINT, count, 1, "-c", "1", "h"),
	GN(K_UINT, count, 10, "-c10", "h"),
	GN(K_UINT, count, 1000000, "--count", "1000000", "h"),
	GN(K_UINT, count, 5, "-c", "5", "a", "b"),
	GN(K_UINT, count, 3, "-c", "3", "--targets", "list"),
	GN(K_U64, interval_us, 0, "--interval", "0", "h"),
	GN(K_U64, interval_us, 500000, "--interval", "0.5", "h"),
	GN(K_U64, interval_us, 1, "--interval", "0.000001", "h"),
	GN(K_U64, interval_us, 86400000000ULL, "--interval", "86400", "h"),
	GS(targets_file, "brokers.txt", "--targets", "brokers.txt"),
	GS(targets_file, "brokers.txt", "--targets", "brokers.txt", "h"),
	GN(K_UINT, parallel, 1, "--parallel", "1", "a", "b"),
	GN(K_UINT, parallel, 256, "--parallel", "256", "h"),

	/* Teaching. */
	GN(K_BOOL, explain, 1, "--explain", "h"),
	GN(K_BOOL, explain, 1, "--explain", "--format", "text", "h"),
	GN(K_BOOL, pause, 1, "--pause", "h"),
	GN(K_BOOL, pause, 1, "--pause", "-c", "1", "--explain", "h"),
	GN(K_BOOL, trace, 1, "--trace", "h"),
	GN(K_BOOL, trace, 1, "--trace", "--format", "jsonl", "h"),
	GN(K_BOOL, hexdump, 1, "--hexdump", "h"),
	GN(K_BOOL, trace, 1, "--hexdump", "h"),
	GN(K_BOOL, trace, 1, "--hexdump", "--format", "jsonl", "h"),
	GN(K_BOOL, pause, 1, "--pause", "--trace", "--hexdump", "h"),
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
	{ { "--format", "xml", "h" }, "--format: 'xml' is not text, json, "
	    "jsonl, nagios or prometheus" },
	{ { "--format", "JSON", "h" }, "--format" },
	{ { "--format", "", "h" }, "--format" },
	{ { "--warn-days", "-1", "h" },
	    "--warn-days: '-1' is not a whole number of days from 0 to 36500" },
	{ { "--warn-days", "36501", "h" }, "--warn-days" },
	{ { "--warn-days", "1.5", "h" }, "--warn-days" },
	{ { "--warn-days", "", "h" }, "--warn-days" },
	{ { "--crit-days", "x", "h" }, "--crit-days: 'x' is not" },
	{ { "--crit-days", "99999999999999999999", "h" }, "--crit-days" },
	{ { "--warn-ms", "0", "h" }, "--warn-ms: '0' is not a number of "
	    "milliseconds from 0.001 to 3600000" },
	{ { "--warn-ms", "0.0005", "h" }, "--warn-ms" },
	{ { "--warn-ms", "3600000.001", "h" }, "--warn-ms" },
	{ { "--warn-ms", "1e3", "h" }, "--warn-ms" },
	{ { "--warn-ms", "", "h" }, "--warn-ms" },
	{ { "--crit-ms", "-5", "h" }, "--crit-ms" },
	{ { "--crit-ms", "5ms", "h" }, "--crit-ms" },
	{ { "-c", "0", "h" },
	    "--count: '0' is not a whole number from 1 to 1000000" },
	{ { "--count", "1000001", "h" }, "--count" },
	{ { "-c", "-1", "h" }, "--count" },
	{ { "-c", "2.0", "h" }, "--count" },
	{ { "--count", "", "h" }, "--count" },
	{ { "--interval", "-1", "h" }, "--interval: '-1' is not a number of "
	    "seconds from 0 to 86400" },
	{ { "--interval", "86400.000001", "h" }, "--interval" },
	{ { "--interval", "0.0000001", "h" }, "--interval" },
	{ { "--interval", "", "h" }, "--interval" },
	{ { "--targets", "", "h" }, "--targets: needs a file name" },
	{ { "--parallel", "0", "h" },
	    "--parallel: '0' is not a whole number from 1 to 256" },
	{ { "--parallel", "257", "h" }, "--parallel" },
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
	{ { "h", "-c" }, "option '--count' needs a value: a number of probes" },
	{ { "h", "--format" }, "option '--format' needs a value: text, json" },
	{ { "h", "--targets" }, "option '--targets' needs a value: a file" },
	{ { "h", "--warn-ms" }, "option '--warn-ms' needs a value" },
	{ { "--trace=yes", "h" }, "option '--trace' does not take" },
	{ { "--insecure=yes", "h" }, "option '--insecure' does not take" },
	{ { "--version=2", "h" }, "option '--version' does not take" },
	/* Rules between options and operands. */
	{ { NULL }, "TARGET" },
	{ { "-k" }, "missing TARGET" },
	{ { "-c", "3" }, "or --targets FILE" },
	{ { "ftp://h" }, "TARGET 'ftp://h': unsupported URL scheme" },
	{ { "h:0" }, "TARGET" },
	{ { "a", "b", "h:0" }, "TARGET 'h:0': " },
	{ { "a", "-k", "ftp://b" }, "TARGET 'ftp://b': unsupported" },
	{ { "--targets", "f", "[::1" }, "TARGET '[::1': " },
	{ { "a", "mqtts://%ff@h" }, "TARGET 2: the user name is not valid" },
	/* Output formats and teaching options that do not fit together. */
	{ { "--explain", "--format", "jsonl", "h" },
	    "--explain applies to --format text only" },
	{ { "--trace", "--format", "json", "h" },
	    "--trace applies to --format text or jsonl only" },
	{ { "--format", "prometheus", "--trace", "h" }, "--trace" },
	{ { "--hexdump", "--format", "nagios", "h" },
	    "--hexdump (which implies --trace) applies" },
	{ { "--pause", "--format", "jsonl", "h" },
	    "--pause applies to --format text only" },
	{ { "--pause", "-c", "2", "h" }, "--pause cannot be used with "
	    "--count (-c) above 1" },
	{ { "--pause", "a", "b" }, "--pause walks through one target" },
	{ { "--pause", "--targets", "f" }, "--pause walks through one" },
	{ { "--pause", "--targets", "f", "h" }, "--pause" },
	{ { "--pause", "-q", "h" }, "--pause and --quiet (-q)" },
	/* Thresholds in the wrong order. */
	{ { "--warn-days", "14", "--crit-days", "30", "h" },
	    "--crit-days 30 is more than --warn-days 14" },
	{ { "--warn-days", "0", "--crit-days", "1", "h" }, "--crit-days" },
	{ { "--warn-ms", "200", "--crit-ms", "100", "h" },
	    "--crit-ms 100 is less than --warn-ms 200" },
	{ { "--crit-ms", "0.5", "--warn-ms", "1.25", "h" },
	    "--crit-ms 0.5 is less than --warn-ms 1.25" },
	{ { "--crit-ms", "0.001", "--warn-ms", "0.002", "h" },
	    "--crit-ms 0.001 is less than --warn-ms 0.002" },
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
	ck_assert_int_eq(PARSE(&o, "-i", repeat(big, 'c', 65535), "--topic",
	    "t", "h"), 0);
	/* the default topic, mqtts-probe/<client-id>, is an MQTT string */
	ck_assert_int_eq(PARSE(&o, "-i", repeat(big, 'c', 65523), "h"), 0);
	ck_assert_int_eq(PARSE(&o, "-i", repeat(big, 'c', 65524), "h"),
	    EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "--client-id (-i) longer than 65523 "
	    "bytes needs --topic"));
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

/* Does argv (args) now read as the words expected, in that order? */
static void
assert_args(const char *const *want)
{
	int i;

	for (i = 0; want[i] != NULL; i++) {
		ck_assert_ptr_nonnull(args[i + 1]);
		ck_assert_str_eq(args[i + 1], want[i]);
	}
	ck_assert_ptr_null(args[i + 1]);
}

#define ARGS(...) assert_args((const char *const[]){ __VA_ARGS__, NULL })

/*
 * Options after TARGET work, and the operands end up together at the
 * end of argv in their order, each group keeping its own order.
 */
START_TEST(test_operands_gathered)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "broker", "--qos", "2", "-k"), 0);
	ARGS("--qos", "2", "-k", "broker");
	ck_assert_str_eq(o.target_arg, "broker");
	ck_assert_uint_eq(o.noperands, 1);
	ck_assert_ptr_eq(o.operands, &args[4]);
	ck_assert_uint_eq(o.qos, 2);
	ck_assert(o.insecure);

	/* Already at the end: nothing moves. */
	ck_assert_int_eq(PARSE(&o, "-k", "a", "b"), 0);
	ARGS("-k", "a", "b");
	ck_assert_ptr_eq(o.operands, &args[2]);

	/* After "--", even an option-looking word is an operand. */
	ck_assert_int_eq(PARSE(&o, "-k", "--", "b", "-v"), 0);
	ARGS("-k", "--", "b", "-v");
	ck_assert_uint_eq(o.noperands, 2);
	ck_assert_str_eq(o.operands[1], "-v");
	ck_assert_int_eq(o.verbose, 0);

	/* Scattered among options, values and "--". */
	ck_assert_int_eq(PARSE(&o, "a", "-k", "b:1", "--qos", "0", "c", "d",
	    "-vt", "2", "e", "--", "f", "-g"), 0);
	ARGS("-k", "--qos", "0", "-vt", "2", "--", "a", "b:1", "c", "d", "e",
	    "f", "-g");
	ck_assert_uint_eq(o.noperands, 7);
	ck_assert_ptr_eq(o.operands, &args[7]);
	ck_assert_str_eq(o.operands[0], "a");
	ck_assert_str_eq(o.operands[6], "-g");
	ck_assert_ptr_eq(o.target_arg, o.operands[0]);
	ck_assert_str_eq(o.target.host, "a");
	ck_assert(o.insecure);
	ck_assert_uint_eq(o.qos, 0);
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_uint_eq(o.timeout_us, 2000000);
}
END_TEST

START_TEST(test_several_targets)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "one", "[::1]:1884", "mqtts://three"), 0);
	ck_assert_uint_eq(o.noperands, 3);
	ck_assert_str_eq(o.operands[0], "one");
	ck_assert_str_eq(o.operands[1], "[::1]:1884");
	ck_assert_str_eq(o.operands[2], "mqtts://three");
	/* The first one stays in target and target_arg, as before. */
	ck_assert_str_eq(o.target_arg, "one");
	ck_assert_str_eq(o.target.host, "one");
	ck_assert_uint_eq(o.target.port, TARGET_DEFAULT_PORT);
	ck_assert_ptr_null(o.targets_file);

	ck_assert_int_eq(PARSE(&o, "--targets", "list", "x:1", "y"), 0);
	ck_assert_str_eq(o.targets_file, "list");
	ck_assert_uint_eq(o.noperands, 2);
	ck_assert_str_eq(o.target.host, "x");
	ck_assert_uint_eq(o.target.port, 1);

	/* The operands may also all come after "--". */
	ck_assert_int_eq(PARSE(&o, "--", "p", "q"), 0);
	ck_assert_uint_eq(o.noperands, 2);
	ck_assert_str_eq(o.operands[1], "q");
}
END_TEST

/* With --targets alone there is no first target, and that shows. */
START_TEST(test_targets_file_only)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "--targets", "brokers.txt", "-c", "2"), 0);
	ck_assert_str_eq(o.targets_file, "brokers.txt");
	ck_assert_uint_eq(o.noperands, 0);
	ck_assert_ptr_null(o.operands);
	ck_assert_ptr_null(o.target_arg);
	ck_assert_str_eq(o.target.host, "");
	ck_assert_uint_eq(o.target.port, 0);
	ck_assert_str_eq(o.target.user, "");
	ck_assert_uint_eq(o.count, 2);
}
END_TEST

/* mqtts://USER@ stands for -u only when it is the one target. */
START_TEST(test_username_only_for_one_target)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "mqtts://alice@a", "b"), 0);
	ck_assert_ptr_null(o.username);
	ck_assert_str_eq(o.target.user, "alice");
	ck_assert_int_eq(PARSE(&o, "b", "mqtts://alice@a"), 0);
	ck_assert_ptr_null(o.username);
	ck_assert_int_eq(PARSE(&o, "--targets", "f", "mqtts://alice@a"), 0);
	ck_assert_ptr_null(o.username);
	ck_assert_int_eq(PARSE(&o, "-u", "bob", "mqtts://alice@a", "b"), 0);
	ck_assert_str_eq(o.username, "bob");
	ck_assert_int_eq(PARSE(&o, "-c", "4", "mqtts://alice@a"), 0);
	ck_assert_str_eq(o.username, "alice");
}
END_TEST

/* A bad one of several targets with a user part is named by position. */
START_TEST(test_several_targets_password_not_echoed)
{
	struct options o;

	ck_assert_int_eq(PARSE(&o, "a", "b", "mqtts://u:hunter2@c"),
	    EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(msg, "TARGET 3: "));
	ck_assert_ptr_nonnull(strstr(msg, "visible in ps"));
	ck_assert_ptr_null(strstr(msg, "hunter2"));
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
	ck_assert_int_ge(n, 41);
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
	ck_assert_ptr_nonnull(strstr(at, ".Ar target ...\n"));
	for (at = syn; (at = strstr(at, "\n.Op ")) != NULL; at++)
		ops++;
	ck_assert_int_eq(ops, items);
	ck_assert_int_ge(items, 32);
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
	tcase_add_test(tc, test_operands_gathered);
	tcase_add_test(tc, test_several_targets);
	tcase_add_test(tc, test_targets_file_only);
	tcase_add_test(tc, test_username_only_for_one_target);
	tcase_add_test(tc, test_several_targets_password_not_echoed);
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
