/*
 * check_formats.c: the JSON, JSON Lines, Nagios and Prometheus renderers,
 * the text around a series, and the statistics, over reports built by
 * hand (never by the engine, as in check_render.c).
 *
 * The JSON is read back with the strict parser of json_reader.c, so a
 * test checks values field by field and fails on any output that is not
 * valid JSON (RFC 8259) in valid UTF-8.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_reader.h"
#include "output.h"
#include "render.h"
#include "render_formats.h"
#include "report.h"
#include "stats.h"

#define T0 1000000u
#define WALL0 1800000000000000LL	/* 2027-01-15 08:00 UTC, in us */
#define WALL0_S (WALL0 / 1000000)
#define DAY 86400
#define TARGET "broker.example:8883"

/* ---- reports built by hand ---------------------------------------------- */

/* Output captured in memory. */
struct cap {
	FILE *f;
	char *buf;
	size_t len;
};

static void
cap_open(struct cap *c)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	ck_assert_ptr_nonnull(c->f);
}

static void
cap_close(struct cap *c)
{
	ck_assert_int_eq(fclose(c->f), 0);
	c->f = NULL;
	ck_assert_uint_eq(strlen(c->buf), c->len);
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static struct report_cert
cert_make(const char *subject, int64_t not_after)
{
	struct report_cert c;

	memset(&c, 0, sizeof(c));
	snprintf(c.subject, sizeof(c.subject), "%s", subject);
	snprintf(c.issuer, sizeof(c.issuer), "CN=Test CA,O=Tests");
	snprintf(c.sans, sizeof(c.sans), "DNS:broker.example, IP:192.0.2.7");
	c.not_before = WALL0_S - 10 * DAY;
	c.not_after = not_after;
	snprintf(c.sha256, sizeof(c.sha256), "AA:BB");
	snprintf(c.spki_sha256, sizeof(c.spki_sha256), "CC:DD");
	return c;
}

static void
details_for(struct report *r, int s)
{
	switch (s) {
	case STEP_TCP:
		report_detail(r, s, "target", "broker.example port 8883");
		report_detail(r, s, "peer", "192.0.2.7 port 8883");
		break;
	case STEP_CLIENT_HELLO:
		report_detail(r, s, "versions_offered", "TLS1.3,TLS1.2");
		report_detail(r, s, "client_hello_bytes", "387");
		break;
	case STEP_SERVER_CERT:
		report_detail(r, s, "tls_version", "TLS1.3");
		report_detail(r, s, "leaf_sans", "DNS:broker.example, IP:::1");
		break;
	case STEP_VERIFY:
		report_detail(r, s, "verdict", "trusted");
		report_detail(r, s, "checked_name", "broker.example");
		report_detail(r, s, "anchor", "CN=Test CA,O=Tests");
		report_detail(r, s, "ocsp_staple", "none");
		/* 2027-12-02 00:34:00 UTC */
		report_detail(r, s, "earliest_expiry", "1827707640");
		break;
	case STEP_KEYS:
		report_detail(r, s, "tls_version", "TLS1.3");
		report_detail(r, s, "cipher_suite", "TLS_AES_256_GCM_SHA384");
		report_detail(r, s, "group", "X25519");
		report_detail(r, s, "signature", "ECDSA-SECP256R1-SHA256");
		report_detail(r, s, "alpn_selected", "mqtt");
		report_detail(r, s, "handshake_bytes_sent", "467");
		report_detail(r, s, "handshake_bytes_received", "916");
		break;
	case STEP_CONNECT:
		report_detail(r, s, "mqtt_version", "5.0");
		report_detail(r, s, "password", "****");
		report_detail(r, s, "clean", "yes");
		report_detail(r, s, "username", "%s", "");
		break;
	case STEP_CONNACK:
		report_detail(r, s, "connack_code", "0");
		report_detail(r, s, "connack_reason", "success");
		report_detail(r, s, "session_present", "no");
		report_detail(r, s, "maximum_qos", "1");
		report_detail(r, s, "retain_available", "yes");
		break;
	case STEP_PUBSUB:
		report_detail(r, s, "round_trip_us", "1234");
		break;
	}
}

/*
 * Steps 1..upto succeed, step s running from T0+1000s to T0+1000s+500
 * (step 6 takes no time at all: the clock did not move).
 */
static void
build_ok(struct report *r, int upto, int64_t not_after)
{
	report_begin(r, T0, WALL0);
	for (int s = 1; s <= upto; s++) {
		uint64_t start = T0 + 1000u * (unsigned)s;

		report_step_start(r, s, start);
		details_for(r, s);
		if (s == STEP_SERVER_CERT) {
			struct report_cert c = cert_make("CN=broker.example",
			    not_after);

			report_cert(r, &c);
		}
		report_step_ok(r, s, s == STEP_CONNECT ? start : start + 500u);
	}
}

static void
build_full(struct report *r, report_listener l, void *ctx, int64_t not_after)
{
	report_init(r, l, ctx);
	build_ok(r, REPORT_STEPS, not_after);
	report_end(r, T0 + 9000u);
}

/* Fails at step 4: an expired chain from an unknown issuer. */
static void
build_verify_fail(struct report *r, report_listener l, void *ctx)
{
	report_init(r, l, ctx);
	build_ok(r, 3, WALL0_S - 3 * DAY - 100);
	report_step_start(r, STEP_VERIFY, T0 + 4000u);
	report_detail(r, STEP_VERIFY, "verdict", "NOT trusted");
	report_detail(r, STEP_VERIFY, "problems", "expired,unknown-issuer");
	report_step_fail(r, STEP_VERIFY, T0 + 4250u, CAUSE_VERIFY,
	    "certificate expired 3 days ago");
	report_hint(r, "give the broker's CA with --cafile");
	report_end(r, T0 + 4300u);
}

static const struct stats_limits no_limits = { -1, -1, 0, 0 };

/* Render r as a json document and parse it. */
static void
json_of(const struct report *r, const struct stats_limits *l, bool insecure,
    struct jv *v)
{
	struct cap c;
	struct stats_facts f;
	struct json_ctx j = { .target = TARGET, .probe = 1,
	    .insecure = insecure, .limits = l };

	cap_open(&c);
	j.out = c.f;
	stats_facts(r, &f);
	json_result(&j, r, &f);
	cap_close(&c);
	ck_assert_uint_eq(count_lines(c.buf), 1);
	jr_parse(c.buf, c.len - 1, v);
	free(c.buf);
}

/* ---- JSON strings ------------------------------------------------------ */

static void
escaped(const char *in, char *out, size_t len)
{
	struct cap c;

	cap_open(&c);
	json_string(c.f, in);
	cap_close(&c);
	snprintf(out, len, "%s", c.buf);
	free(c.buf);
}

START_TEST(test_json_string_escapes)
{
	char out[256];

	escaped("plain", out, sizeof(out));
	ck_assert_str_eq(out, "\"plain\"");
	escaped("a\"b\\c", out, sizeof(out));
	ck_assert_str_eq(out, "\"a\\\"b\\\\c\"");
	escaped("\x01\x1b[31m\n\t\x7f", out, sizeof(out));
	ck_assert_str_eq(out, "\"\\u0001\\u001b[31m\\u000a\\u0009\\u007f\"");
	/* valid UTF-8 passes through untouched */
	escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", out, sizeof(out));
	ck_assert_str_eq(out, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	escaped(NULL, out, sizeof(out));
	ck_assert_str_eq(out, "\"\"");
}
END_TEST

START_TEST(test_json_string_invalid_utf8)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "a\xff" "b", "\"a\xef\xbf\xbd" "b\"" },
		/* overlong '/' */
		{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		/* a UTF-16 surrogate encoded in UTF-8 */
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		/* past U+10FFFF */
		{ "\xf4\x90\x80\x80",
		    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		/* cut short at the end of the string */
		{ "x\xe2\x82", "\"x\xef\xbf\xbd\xef\xbf\xbd\"" },
		/* a lone continuation byte, then valid text */
		{ "\x80\xc3\xa9", "\"\xef\xbf\xbd\xc3\xa9\"" },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		escaped(cases[i].in, out, sizeof(out));
		ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: %s",
		    i, out);
	}
}
END_TEST

START_TEST(test_json_utf8_len)
{
	ck_assert_uint_eq(json_utf8_len((const unsigned char *)"a"), 1);
	ck_assert_uint_eq(json_utf8_len((const unsigned char *)""), 0);
	ck_assert_uint_eq(json_utf8_len((const unsigned char *)"\xc3\xa9"), 2);
	ck_assert_uint_eq(json_utf8_len((const unsigned char *)"\xc1\xbf"), 0);
	ck_assert_uint_eq(json_utf8_len((const unsigned char *)"\xe0\x9f\x80"),
	    0);
	ck_assert_uint_eq(json_utf8_len((const unsigned char *)"\xe0\xa0\x80"),
	    3);
	ck_assert_uint_eq(json_utf8_len((const unsigned char *)"\xed\x9f\xbf"),
	    3);
	ck_assert_uint_eq(json_utf8_len(
	    (const unsigned char *)"\xf0\x8f\xbf\xbf"), 0);
	ck_assert_uint_eq(json_utf8_len(
	    (const unsigned char *)"\xf4\x8f\xbf\xbf"), 4);
	ck_assert_uint_eq(json_utf8_len((const unsigned char *)"\xf5\x80\x80"
	    "\x80"), 0);
}
END_TEST

/* ---- JSON documents ------------------------------------------------------ */

START_TEST(test_json_success_fields)
{
	struct report r;
	struct jv v;
	char path[64];

	build_full(&r, NULL, NULL, WALL0_S + 100 * DAY + 5);
	json_of(&r, &no_limits, false, &v);
	jr_expect_str(&v, "type", "result");
	jr_expect_str(&v, "target", TARGET);
	jr_expect_num(&v, "probe", 1);
	jr_expect_str(&v, "address", "192.0.2.7");
	jr_expect_num(&v, "port", 8883);
	jr_expect_str(&v, "verdict", "ok");
	jr_expect_num(&v, "exit_status", 0);
	jr_expect_bool(&v, "insecure", false);
	jr_expect_bool(&v, "unverified", false);
	jr_expect_str(&v, "started_at", "2027-01-15T08:00:00.000000Z");
	jr_expect_num(&v, "duration_us", 9000);
	ck_assert_uint_eq(jr_get(&v, "steps")->n, REPORT_STEPS);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		snprintf(path, sizeof(path), "steps/%d/number", s - 1);
		jr_expect_num(&v, path, s);
		snprintf(path, sizeof(path), "steps/%d/name", s - 1);
		jr_expect_str(&v, path, report_step_name(s));
		snprintf(path, sizeof(path), "steps/%d/status", s - 1);
		jr_expect_str(&v, path, "ok");
		snprintf(path, sizeof(path), "steps/%d/start_us", s - 1);
		jr_expect_num(&v, path, 1000.0 * s);
		snprintf(path, sizeof(path), "steps/%d/duration_us", s - 1);
		/* a step that took no measurable time still took some */
		jr_expect_num(&v, path, s == STEP_CONNECT ? 1 : 500);
		snprintf(path, sizeof(path), "steps/%d/reason", s - 1);
		ck_assert_ptr_null(jr_get(&v, path));
	}
	jr_expect_str(&v, "steps/0/states/tcp", "Established");
	jr_expect_str(&v, "steps/3/states/tls", "Certificate verified");
	jr_expect_str(&v, "steps/7/states/mqtt", "Connected (secure)");
	/* details carry the types of the fields table */
	jr_expect_num(&v, "steps/1/details/client_hello_bytes", 387);
	jr_expect_type(&v, "steps/1/details/versions_offered", J_ARR);
	jr_expect_str(&v, "steps/1/details/versions_offered/1", "TLS1.2");
	jr_expect_bool(&v, "steps/6/details/session_present", false);
	jr_expect_num(&v, "steps/6/details/connack_code", 0);
	jr_expect_num(&v, "steps/7/details/round_trip_us", 1234);
	jr_expect_str(&v, "steps/5/details/password", "****");
	/* the chain */
	ck_assert_uint_eq(jr_get(&v, "chain")->n, 1);
	jr_expect_str(&v, "chain/0/subject", "CN=broker.example");
	jr_expect_str(&v, "chain/0/issuer", "CN=Test CA,O=Tests");
	jr_expect_str(&v, "chain/0/sans/0", "DNS:broker.example");
	jr_expect_str(&v, "chain/0/sans/1", "IP:192.0.2.7");
	jr_expect_str(&v, "chain/0/not_before", "2027-01-05T08:00:00Z");
	jr_expect_str(&v, "chain/0/not_after", "2027-04-25T08:00:05Z");
	jr_expect_num(&v, "chain/0/days_left", 100);
	jr_expect_str(&v, "chain/0/sha256", "AA:BB");
	jr_expect_str(&v, "chain/0/spki_sha256", "CC:DD");
	/* the summaries */
	jr_expect_bool(&v, "verification/trusted", true);
	jr_expect_type(&v, "verification/problems", J_ARR);
	ck_assert_uint_eq(jr_get(&v, "verification/problems")->n, 0);
	jr_expect_str(&v, "verification/checked_name", "broker.example");
	jr_expect_str(&v, "verification/anchor", "CN=Test CA,O=Tests");
	/* "none" is absent: null, never the word */
	jr_expect_type(&v, "verification/ocsp_staple", J_NULL);
	jr_expect_type(&v, "steps/3/details/ocsp_staple", J_NULL);
	jr_expect_type(&v, "steps/5/details/username", J_NULL);
	/* the issue's list: numbers, arrays, booleans, RFC 3339 dates */
	jr_expect_num(&v, "schema", JSON_SCHEMA_VERSION);
	jr_expect_num(&v, "steps/4/details/handshake_bytes_sent", 467);
	jr_expect_num(&v, "steps/4/details/handshake_bytes_received", 916);
	jr_expect_str(&v, "steps/2/details/leaf_sans/0", "DNS:broker.example");
	jr_expect_str(&v, "steps/2/details/leaf_sans/1", "IP:::1");
	jr_expect_bool(&v, "steps/5/details/clean", true);
	jr_expect_str(&v, "steps/3/details/earliest_expiry",
	    "2027-12-02T00:34:00Z");
	jr_expect_type(&v, "failed_step", J_NULL);
	jr_expect_type(&v, "failed_step_id", J_NULL);
	jr_expect_type(&v, "cause", J_NULL);
	jr_expect_type(&v, "reason", J_NULL);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		snprintf(path, sizeof(path), "steps/%d/id", s - 1);
		jr_expect_str(&v, path, report_step_id(s));
	}
	jr_expect_str(&v, "steps/0/id", "tcp_connect");
	jr_expect_str(&v, "steps/7/id", "publish_subscribe_round_trip");
	jr_expect_str(&v, "tls/version", "TLS1.3");
	jr_expect_str(&v, "tls/cipher_suite", "TLS_AES_256_GCM_SHA384");
	jr_expect_str(&v, "tls/group", "X25519");
	jr_expect_str(&v, "tls/alpn", "mqtt");
	jr_expect_str(&v, "mqtt/version", "5.0");
	jr_expect_num(&v, "mqtt/connack_code", 0);
	jr_expect_str(&v, "mqtt/connack_reason", "success");
	jr_expect_bool(&v, "mqtt/session_present", false);
	jr_expect_num(&v, "mqtt/properties/maximum_qos", 1);
	jr_expect_bool(&v, "mqtt/properties/retain_available", true);
	ck_assert_ptr_null(jr_get(&v, "mqtt/properties/connack_code"));
	jr_expect_num(&v, "round_trip_us", 1234);
	jr_expect_str(&v, "round_trip_status", "ok");
	jr_expect_num(&v, "expiry/days_left", 100);
	jr_expect_str(&v, "expiry/not_after", "2027-04-25T08:00:05Z");
	jr_expect_str(&v, "expiry/status", "ok");
	jr_expect_type(&v, "hints", J_ARR);
	jr_free(&v);
	report_free(&r);
}
END_TEST

START_TEST(test_json_failure_fields)
{
	struct report r;
	struct jv v;

	build_verify_fail(&r, NULL, NULL);
	json_of(&r, &no_limits, false, &v);
	jr_expect_str(&v, "verdict", "fail");
	jr_expect_num(&v, "exit_status", 4);
	/* the failure at the top: no need to scan steps[] */
	jr_expect_num(&v, "failed_step", 4);
	jr_expect_str(&v, "failed_step_id", "certificate_verification");
	jr_expect_str(&v, "cause", "verify");
	jr_expect_str(&v, "reason", "certificate expired 3 days ago");
	jr_expect_bool(&v, "unverified", true);
	jr_expect_str(&v, "steps/3/status", "failed");
	jr_expect_num(&v, "steps/3/duration_us", 250);
	jr_expect_str(&v, "steps/3/reason", "certificate expired 3 days ago");
	jr_expect_str(&v, "steps/3/cause", "verify");
	jr_expect_str(&v, "steps/3/states/tls", "Failed");
	for (int i = 4; i < REPORT_STEPS; i++) {
		char path[64];

		snprintf(path, sizeof(path), "steps/%d/status", i);
		jr_expect_str(&v, path, "not reached");
		snprintf(path, sizeof(path), "steps/%d/start_us", i);
		jr_expect_type(&v, path, J_NULL);
		snprintf(path, sizeof(path), "steps/%d/duration_us", i);
		jr_expect_type(&v, path, J_NULL);
		snprintf(path, sizeof(path), "steps/%d/states", i);
		jr_expect_type(&v, path, J_NULL);
	}
	jr_expect_bool(&v, "verification/trusted", false);
	jr_expect_str(&v, "verification/problems/0", "expired");
	jr_expect_str(&v, "verification/problems/1", "unknown-issuer");
	jr_expect_type(&v, "tls/cipher_suite", J_NULL);
	jr_expect_str(&v, "tls/version", "TLS1.3");
	jr_expect_type(&v, "mqtt/connack_code", J_NULL);
	jr_expect_type(&v, "mqtt/properties", J_NULL);
	jr_expect_type(&v, "round_trip_us", J_NULL);
	jr_expect_type(&v, "round_trip_status", J_NULL);
	/* expired is critical even without thresholds */
	jr_expect_num(&v, "expiry/days_left", -3);
	jr_expect_str(&v, "expiry/status", "critical");
	jr_expect_str(&v, "hints/0", "give the broker's CA with --cafile");
	jr_free(&v);
	report_free(&r);
}
END_TEST

START_TEST(test_json_refused_nothing_learned)
{
	struct report r;
	struct jv v;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, WALL0);
	report_step_start(&r, STEP_TCP, T0 + 1);
	report_step_fail(&r, STEP_TCP, T0 + 300, CAUSE_NETWORK,
	    "192.0.2.7 port 8883: Connection refused");
	report_end(&r, T0 + 400);
	json_of(&r, &no_limits, false, &v);
	jr_expect_num(&v, "exit_status", 1);
	jr_expect_type(&v, "address", J_NULL);
	jr_expect_str(&v, "steps/0/cause", "network");
	jr_expect_type(&v, "chain", J_ARR);
	ck_assert_uint_eq(jr_get(&v, "chain")->n, 0);
	jr_expect_type(&v, "verification/trusted", J_NULL);
	jr_expect_type(&v, "verification/problems", J_NULL);
	jr_expect_type(&v, "expiry/days_left", J_NULL);
	jr_expect_type(&v, "expiry/status", J_NULL);
	jr_free(&v);
	report_free(&r);
}
END_TEST

START_TEST(test_json_hostile_strings)
{
	static const char hostile[] = "CN=\"evil\\\" \x01\x1b]0;pwn\x07 \xff\xfe"
	    " caf\xc3\xa9";
	static const char decoded[] = "CN=\"evil\\\" \x01\x1b]0;pwn\x07 "
	    "\xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9";
	struct report r;
	struct report_cert c = cert_make(hostile, WALL0_S + DAY);
	struct jv v;

	report_init(&r, NULL, NULL);
	build_ok(&r, 2, 0);
	report_step_start(&r, STEP_SERVER_CERT, T0 + 3000);
	report_detail(&r, STEP_SERVER_CERT, "leaf_subject", "%s", hostile);
	report_cert(&r, &c);
	report_step_fail(&r, STEP_SERVER_CERT, T0 + 3100, CAUSE_PROTOCOL,
	    "broker said \"%s\"\n", hostile);
	report_hint(&r, "%s", hostile);
	report_end(&r, T0 + 3200);
	json_of(&r, &no_limits, false, &v);
	jr_expect_str(&v, "chain/0/subject", decoded);
	jr_expect_str(&v, "steps/2/details/leaf_subject", decoded);
	jr_expect_str(&v, "hints/0", decoded);
	{
		char want[512];

		snprintf(want, sizeof(want), "broker said \"%s\"\n", decoded);
		jr_expect_str(&v, "steps/2/reason", want);
	}
	jr_free(&v);
	report_free(&r);
}
END_TEST

START_TEST(test_json_insecure_unverified)
{
	struct report r;
	struct jv v;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, WALL0);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		report_step_start(&r, s, T0 + 1000u * (unsigned)s);
		if (s == STEP_VERIFY) {
			report_detail(&r, s, "verdict", "NOT trusted");
			report_detail(&r, s, "problems", "self-signed");
			report_unverified(&r);
		}
		report_step_ok(&r, s, T0 + 1000u * (unsigned)s + 10);
	}
	report_end(&r, T0 + 9000);
	json_of(&r, &no_limits, true, &v);
	jr_expect_str(&v, "verdict", "ok");
	jr_expect_num(&v, "exit_status", 0);
	jr_expect_bool(&v, "insecure", true);
	jr_expect_bool(&v, "unverified", true);
	jr_expect_bool(&v, "verification/trusted", false);
	jr_expect_str(&v, "verification/problems/0", "self-signed");
	jr_free(&v);
	report_free(&r);
}
END_TEST

START_TEST(test_json_expiry_thresholds)
{
	static const struct {
		int warn, crit;
		const char *want;
	} cases[] = {
		{ -1, -1, "ok" }, { 12, -1, "ok" }, { 13, -1, "warning" },
		{ 30, 7, "warning" }, { 30, 13, "critical" },
	};
	struct report r;

	/* 12 days and a bit left */
	build_full(&r, NULL, NULL, WALL0_S + 12 * DAY + 3600);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stats_limits l = { cases[i].warn, cases[i].crit, 0, 0 };
		struct jv v;

		json_of(&r, &l, false, &v);
		jr_expect_num(&v, "expiry/days_left", 12);
		jr_expect_str(&v, "expiry/status", cases[i].want);
		jr_free(&v);
	}
	{
		struct stats_limits l = { -1, -1, 1000, 2000 };
		struct jv v;

		json_of(&r, &l, false, &v);
		jr_expect_str(&v, "round_trip_status", "warning");
		jr_free(&v);
	}
	report_free(&r);
}
END_TEST

/* ---- JSON Lines ------------------------------------------------------- */

START_TEST(test_jsonl_live_lines)
{
	struct cap c;
	struct report r;
	struct json_ctx j = { .target = TARGET, .probe = 2,
	    .limits = &no_limits };
	const char *p;
	int n = 0;

	cap_open(&c);
	j.out = c.f;
	report_init(&r, json_live, &j);
	build_ok(&r, 7, WALL0_S + DAY);
	report_step_skip(&r, STEP_PUBSUB);
	/* an event: not a line without --trace */
	report_event(&r, STEP_CONNACK, T0 + 7600, 0, "noted");
	report_end(&r, T0 + 9000);
	cap_close(&c);
	ck_assert_uint_eq(count_lines(c.buf), 8);
	for (p = c.buf; *p != '\0'; n++) {
		const char *nl = strchr(p, '\n');
		struct jv v;
		char want[8];

		jr_parse(p, (size_t)(nl - p), &v);
		jr_expect_str(&v, "type", "step");
		jr_expect_str(&v, "target", TARGET);
		jr_expect_num(&v, "probe", 2);
		jr_expect_num(&v, "number", n + 1);
		snprintf(want, sizeof(want), "%s", n + 1 == 8 ? "skipped" : "ok");
		jr_expect_str(&v, "status", want);
		jr_free(&v);
		p = nl + 1;
	}
	free(c.buf);
	report_free(&r);
}
END_TEST

/* After a failure every step still has its line: the steps it kept
 * from running come as "not reached" when the probe ends. */
START_TEST(test_jsonl_not_reached_lines)
{
	struct cap c;
	struct report r;
	struct json_ctx j = { .target = TARGET, .probe = 1,
	    .limits = &no_limits };
	const char *p;
	int n = 0;

	cap_open(&c);
	j.out = c.f;
	build_verify_fail(&r, json_live, &j);
	cap_close(&c);
	ck_assert_uint_eq(count_lines(c.buf), REPORT_STEPS);
	for (p = c.buf; *p != '\0'; n++) {
		const char *nl = strchr(p, '\n');
		struct jv v;

		jr_parse(p, (size_t)(nl - p), &v);
		jr_expect_str(&v, "type", "step");
		jr_expect_num(&v, "schema", JSON_SCHEMA_VERSION);
		jr_expect_num(&v, "number", n + 1);
		jr_expect_str(&v, "id", report_step_id(n + 1));
		jr_expect_str(&v, "status", n + 1 < STEP_VERIFY ? "ok" :
		    n + 1 == STEP_VERIFY ? "failed" : "not reached");
		if (n + 1 > STEP_VERIFY) {
			jr_expect_type(&v, "start_us", J_NULL);
			jr_expect_type(&v, "states", J_NULL);
		}
		jr_free(&v);
		p = nl + 1;
	}
	free(c.buf);
	report_free(&r);
}
END_TEST

START_TEST(test_jsonl_trace_events)
{
	static const uint8_t bytes[] = { 0x10, 0x02, 0xff };
	struct cap c;
	struct report r;
	struct json_ctx j = { .target = TARGET, .probe = 1,
	    .limits = &no_limits, .events = true, .hexdump = true };
	struct jv v;

	cap_open(&c);
	j.out = c.f;
	report_init(&r, json_live, &j);
	report_begin(&r, T0, WALL0);
	report_step_start(&r, STEP_CONNECT, T0 + 10);
	report_event_io(&r, STEP_CONNECT, T0 + 20, 2, EVK_MQTT, DIR_OUT, 3,
	    bytes, sizeof(bytes), "CONNECT \x1b");
	cap_close(&c);
	ck_assert_uint_eq(count_lines(c.buf), 1);
	jr_parse(c.buf, c.len - 1, &v);
	jr_expect_str(&v, "type", "event");
	jr_expect_num(&v, "step", STEP_CONNECT);
	jr_expect_num(&v, "at_us", 20);
	jr_expect_str(&v, "kind", "mqtt");
	jr_expect_str(&v, "direction", "out");
	jr_expect_num(&v, "size", 3);
	jr_expect_str(&v, "text", "CONNECT \x1b");
	jr_expect_str(&v, "bytes", "1002ff");
	jr_free(&v);
	free(c.buf);
	report_free(&r);
}
END_TEST

/* ---- statistics ----------------------------------------------------------- */

START_TEST(test_stats_series)
{
	static const double values[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct stats_series s = { 0 };

	ck_assert(stats_series_stddev(&s) == 0);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		stats_series_add(&s, values[i]);
	ck_assert_uint_eq(s.n, 8);
	ck_assert(s.min == 2 && s.max == 9);
	ck_assert(fabs(s.mean - 5) < 1e-12);
	ck_assert(fabs(stats_series_stddev(&s) - 2) < 1e-12);
}
END_TEST

START_TEST(test_stats_levels)
{
	struct stats_limits l = { 30, 7, 200000, 1000000 };

	ck_assert_int_eq(stats_days_level(&l, 30, false), LEVEL_OK);
	ck_assert_int_eq(stats_days_level(&l, 29, false), LEVEL_WARNING);
	ck_assert_int_eq(stats_days_level(&l, 7, false), LEVEL_WARNING);
	ck_assert_int_eq(stats_days_level(&l, 6, false), LEVEL_CRITICAL);
	ck_assert_int_eq(stats_days_level(&no_limits, 0, true),
	    LEVEL_CRITICAL);
	ck_assert_int_eq(stats_days_level(&no_limits, 1, false), LEVEL_OK);
	ck_assert_int_eq(stats_rtt_level(&l, 200000), LEVEL_OK);
	ck_assert_int_eq(stats_rtt_level(&l, 200001), LEVEL_WARNING);
	ck_assert_int_eq(stats_rtt_level(&l, 1000001), LEVEL_CRITICAL);
	ck_assert_int_eq(stats_rtt_level(&no_limits, 99999999), LEVEL_OK);
}
END_TEST

/* Fails at step 7: the broker refuses the login. */
static void
build_connack_fail(struct report *r)
{
	report_init(r, NULL, NULL);
	build_ok(r, 6, WALL0_S + 40 * DAY);
	report_step_start(r, STEP_CONNACK, T0 + 7000u);
	report_detail(r, STEP_CONNACK, "connack_code", "135");
	report_step_fail(r, STEP_CONNACK, T0 + 7100u, CAUSE_REFUSED,
	    "not authorized");
	report_end(r, T0 + 7200u);
}

/*
 * A target with ok successful probes, then fail failed ones (at step 4
 * on an expired chain, or with fail_step 7 at CONNACK), then interrupted
 * ones.
 */
static void
stats_of_step(struct stats_target *t, int ok, int fail, int fail_step,
    int interrupted)
{
	stats_target_init(t);
	for (int i = 0; i < ok + fail + interrupted; i++) {
		struct report r;
		struct stats_facts f;

		if (i < ok)
			build_full(&r, NULL, NULL, WALL0_S + 40 * DAY);
		else if (i < ok + fail && fail_step == STEP_CONNACK)
			build_connack_fail(&r);
		else if (i < ok + fail)
			build_verify_fail(&r, NULL, NULL);
		else {
			report_init(&r, NULL, NULL);
			build_ok(&r, 1, 0);
			report_step_start(&r, 2, T0 + 2000);
			report_step_fail(&r, 2, T0 + 2100, CAUSE_INTERRUPTED,
			    "interrupted");
			report_end(&r, T0 + 2200);
		}
		stats_facts(&r, &f);
		stats_target_add(t, &r, &f);
		report_free(&r);
	}
}

static void
stats_of(struct stats_target *t, int ok, int fail4, int interrupted)
{
	stats_of_step(t, ok, fail4, STEP_VERIFY, interrupted);
}

START_TEST(test_stats_target)
{
	struct stats_target t;

	stats_of(&t, 3, 2, 1);
	/* the interrupted probe says nothing about the broker */
	ck_assert_uint_eq(t.probes, 5);
	ck_assert_uint_eq(t.failed, 2);
	ck_assert_uint_eq(t.failed_at[STEP_VERIFY], 2);
	ck_assert(t.interrupted);
	ck_assert_int_eq(t.worst_status, 4);
	ck_assert_uint_eq(t.step[1].n, 5);
	ck_assert_uint_eq(t.step[STEP_VERIFY].n, 3);
	ck_assert_uint_eq(t.rtt.n, 3);
	ck_assert(t.rtt.mean == 1234);
	ck_assert_uint_eq(t.total.n, 3);
	/* the earliest expiry seen: the expired chain */
	ck_assert(t.has_expiry && t.expired);
	ck_assert_int_eq(t.days_left, -3);
	ck_assert_str_eq(t.tls_version, "TLS1.3");
	ck_assert_int_eq(t.last_failed_step, STEP_VERIFY);
}
END_TEST

START_TEST(test_json_summary)
{
	struct stats_target t;
	struct cap c;
	struct json_ctx j = { .target = TARGET, .limits = &no_limits };
	struct jv v;

	stats_of(&t, 3, 2, 0);
	cap_open(&c);
	j.out = c.f;
	json_summary(&j, &t);
	cap_close(&c);
	jr_parse(c.buf, c.len - 1, &v);
	jr_expect_str(&v, "type", "summary");
	jr_expect_num(&v, "probes", 5);
	jr_expect_num(&v, "ok", 3);
	jr_expect_num(&v, "failed", 2);
	jr_expect_bool(&v, "interrupted", false);
	jr_expect_num(&v, "exit_status", 4);
	jr_expect_num(&v, "steps/3/failures", 2);
	jr_expect_num(&v, "steps/3/n", 3);
	jr_expect_num(&v, "steps/0/min_us", 500);
	jr_expect_num(&v, "steps/0/avg_us", 500);
	jr_expect_num(&v, "steps/0/stddev_us", 0);
	jr_expect_type(&v, "steps/7/max_us", J_NUM);
	jr_expect_num(&v, "round_trip/n", 3);
	jr_expect_num(&v, "round_trip/avg_us", 1234);
	jr_expect_str(&v, "expiry/status", "critical");
	jr_free(&v);
	free(c.buf);
}
END_TEST

/* ---- Nagios ----------------------------------------------------------- */

/* Every item after '|' is 'label'=value[UOM];[warn];[crit];[min];[max]. */
static void
nagios_check_perfdata(const char *line)
{
	const char *p = strchr(line, '|');

	ck_assert_msg(p != NULL, "no perfdata: %s", line);
	ck_assert_ptr_null(strchr(p + 1, '|'));
	p++;
	while (*p == ' ')
		p++;
	while (*p != '\0' && *p != '\n') {
		const char *q;
		int fields = 1;

		if (*p == '\'') {
			q = strchr(p + 1, '\'');
			ck_assert_msg(q != NULL, "unclosed label: %s", p);
			p = q + 1;
		} else
			while (*p != '=' && *p != ' ' && *p != '\0')
				p++;
		ck_assert_msg(*p == '=', "no '=' in: %s", line);
		p++;
		if (*p == 'U')
			p++;
		else {
			ck_assert_msg(strchr("-0123456789", *p) != NULL,
			    "bad value at: %s", p);
			while (*p != '\0' && strchr("-0123456789.", *p) != NULL)
				p++;
			while (*p == 's' || *p == 'm' || *p == 'u')
				p++;
		}
		for (; *p == ';'; fields++)
			for (p++; *p != '\0' && strchr("-0123456789.:~@", *p) !=
			    NULL; p++)
				;
		ck_assert_msg(fields <= 5, "too many fields: %s", line);
		ck_assert_msg(*p == ' ' || *p == '\n' || *p == '\0',
		    "junk at: %s", p);
		while (*p == ' ')
			p++;
	}
}

static int
nagios_run(const struct format_target *t, size_t n, const struct stats_limits
    *l, unsigned count, bool interrupted, char **out)
{
	struct cap c;
	struct nagios_ctx ctx = { .limits = l, .count = count,
	    .steps = REPORT_STEPS, .interrupted = interrupted };
	int status;

	cap_open(&c);
	ctx.out = c.f;
	status = nagios_render(&ctx, t, n);
	cap_close(&c);
	*out = c.buf;
	return status;
}

START_TEST(test_nagios_ok_warning_critical)
{
	struct stats_target t;
	struct format_target ft = { TARGET, &t };
	struct stats_limits warn = { 60, 7, 0, 0 }, crit = { 60, 50, 0, 0 };
	struct stats_limits rtt = { -1, -1, 1000, 0 };
	char *out;

	stats_of(&t, 1, 0, 0);
	ck_assert_int_eq(nagios_run(&ft, 1, &no_limits, 1, false, &out), 0);
	ck_assert_msg(strncmp(out, "MQTTS OK - " TARGET ": all 8 steps in ",
	    30) == 0, "%s", out);
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_ptr_nonnull(strstr(out, "step1=0.000500s;;;0"));
	ck_assert_ptr_nonnull(strstr(out, "rtt=0.001234s;;;0"));
	ck_assert_ptr_nonnull(strstr(out, " days_left=40"));
	nagios_check_perfdata(out);
	free(out);

	ck_assert_int_eq(nagios_run(&ft, 1, &warn, 1, false, &out), 1);
	ck_assert_msg(strncmp(out, "MQTTS WARNING - ", 16) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "days_left=40;60:;7:"));
	nagios_check_perfdata(out);
	free(out);
	ck_assert_int_eq(nagios_run(&ft, 1, &crit, 1, false, &out), 2);
	ck_assert_msg(strncmp(out, "MQTTS CRITICAL - ", 17) == 0, "%s", out);
	free(out);
	ck_assert_int_eq(nagios_run(&ft, 1, &rtt, 1, false, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "rtt=0.001234s;0.001000;;0"));
	nagios_check_perfdata(out);
	free(out);
	/* Ctrl-C: no verdict on the broker */
	ck_assert_int_eq(nagios_run(&ft, 1, &no_limits, 1, true, &out), 3);
	ck_assert_msg(strncmp(out, "MQTTS UNKNOWN - ", 16) == 0, "%s", out);
	free(out);
}
END_TEST

START_TEST(test_nagios_failure_text_is_one_line)
{
	struct stats_target t;
	struct format_target ft = { "evil|host", &t };
	char *out;

	stats_of(&t, 0, 1, 0);
	snprintf(t.last_reason, sizeof(t.last_reason),
	    "bad | reason\nsecond line");
	ck_assert_int_eq(nagios_run(&ft, 1, &no_limits, 1, false, &out), 2);
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_msg(strstr(out, "evil/host: step 4 (Certificate "
	    "verification) failed: bad / reason second line") != NULL, "%s",
	    out);
	ck_assert_ptr_nonnull(strstr(out, "step4=U"));
	nagios_check_perfdata(out);
	free(out);

	/* C1 CSI, a right-to-left override, an isolate: one '?' each */
	snprintf(t.last_reason, sizeof(t.last_reason), "a\xc2\x9b" "31m "
	    "b\xe2\x80\xae" "exe.txt \xe2\x81\xa6" "c \xc3\xa9");
	ck_assert_int_eq(nagios_run(&ft, 1, &no_limits, 1, false, &out), 2);
	ck_assert_msg(strstr(out, "failed: a?31m b?exe.txt ?c \xc3\xa9") !=
	    NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(test_nagios_series_and_targets)
{
	struct stats_target a, b;
	struct format_target ft[2] = { { "a:8883", &a }, { "b'=:8883", &b } };
	char *out;

	/* some failures in a series: a warning; all of them: critical */
	stats_of_step(&a, 3, 1, STEP_CONNACK, 0);
	stats_of(&b, 0, 2, 0);
	ck_assert_int_eq(nagios_run(ft, 1, &no_limits, 4, false, &out), 1);
	ck_assert_msg(strstr(out, "4 probes, 1 failed (step 7: 1), avg 9.00 ms"
	    "; last failure: step 7 (CONNACK received): not authorized") !=
	    NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "failed=1;;;0;4"));
	nagios_check_perfdata(out);
	free(out);
	ck_assert_int_eq(nagios_run(ft, 2, &no_limits, 4, false, &out), 2);
	ck_assert_msg(strncmp(out, "MQTTS CRITICAL - 2 targets: 0 OK, 1 "
	    "WARNING, 1 CRITICAL, 0 UNKNOWN |", 59) == 0, "%s", out);
	/* labels lose what they cannot hold */
	ck_assert_ptr_nonnull(strstr(out, "'b:8883 step4'=U '"));
	ck_assert_ptr_nonnull(strstr(out, "'a:8883 step1'=0.000500s"));
	ck_assert_ptr_nonnull(strstr(out, "\nWARNING - a:8883: 4 probes"));
	ck_assert_ptr_nonnull(strstr(out, "\nCRITICAL - b'=:8883: 2 probes"));
	ck_assert_uint_eq(count_lines(out), 3);
	{
		char first[4096];

		snprintf(first, sizeof(first), "%.*s",
		    (int)(strchr(out, '\n') - out), out);
		nagios_check_perfdata(first);
	}
	free(out);
}
END_TEST

/* ---- Prometheus ---------------------------------------------------------- */

/* Each line: a comment, or name{labels} value with escaped labels. */
static void
prom_check_lines(const char *text)
{
	const char *p = text;
	char last_type[128] = "";

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		char line[1024], name[128];

		ck_assert_ptr_nonnull(nl);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		p = nl + 1;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert(sscanf(line + 7, "%127s", last_type) == 1);
			ck_assert_msg(strstr(line, " gauge") != NULL, "%s", line);
			continue;
		}
		if (line[0] == '#') {
			ck_assert_msg(strncmp(line, "# HELP ", 7) == 0, "%s", line);
			continue;
		}
		ck_assert(sscanf(line, "%127[a-z_]", name) == 1);
		ck_assert_msg(strcmp(name, last_type) == 0,
		    "sample %s under TYPE %s", name, last_type);
		/* a sample without labels: the name, a space, a number */
		if (line[strlen(name)] == ' ') {
			ck_assert_msg(strchr("0123456789-",
			    line[strlen(name) + 1]) != NULL, "%s", line);
			continue;
		}
		ck_assert_msg(line[strlen(name)] == '{', "%s", line);
		{
			const char *q = line + strlen(name) + 1;
			bool in = false;

			for (; *q != '\0' && (in || *q != '}'); q++) {
				if (*q == '\\' && in) {
					q++;
					ck_assert_msg(*q == '\\' || *q == '"' ||
					    *q == 'n', "bad escape in %s", line);
				} else if (*q == '"')
					in = !in;
			}
			ck_assert_msg(*q == '}' && q[1] == ' ', "%s", line);
			ck_assert_msg(strchr("0123456789-", q[2]) != NULL, "%s",
			    line);
		}
	}
}

START_TEST(test_prom_families_and_escaping)
{
	struct stats_target a, b;
	struct format_target ft[2] = { { "a:8883", &a },
	    { "q\"b\\s\nx:1", &b } };
	struct cap c;

	stats_of(&a, 2, 0, 0);
	stats_of(&b, 0, 1, 0);
	cap_open(&c);
	prom_render(c.f, ft, 2);
	cap_close(&c);
	prom_check_lines(c.buf);
	ck_assert_ptr_nonnull(strstr(c.buf,
	    "mqtts_probe_success{target=\"a:8883\"} 1\n"
	    "mqtts_probe_success{target=\"q\\\"b\\\\s\\nx:1\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_exit_status{target="
	    "\"q\\\"b\\\\s\\nx:1\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_step_duration_seconds"
	    "{target=\"a:8883\",step=\"2\",name=\"client_hello_sent\"} "
	    "0.000500\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_tls_info{target="
	    "\"a:8883\",version=\"TLS1.3\",cipher=\"TLS_AES_256_GCM_SHA384\"} "
	    "1\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_connack_code{target="
	    "\"a:8883\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_round_trip_seconds{"
	    "target=\"a:8883\"} 0.001234\n"));
	{
		char want[128];

		snprintf(want, sizeof(want), "mqtts_probe_cert_expiry_timestamp_"
		    "seconds{target=\"a:8883\"} %lld\n",
		    (long long)(WALL0_S + 40 * DAY));
		ck_assert_ptr_nonnull(strstr(c.buf, want));
	}
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_failed_probes{target="
	    "\"q\\\"b\\\\s\\nx:1\",step=\"4\",name=\"certificate_verification\"}"
	    " 1\n"));
	/* why it failed, in a label, for the failed target only */
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_failure_info{target="
	    "\"q\\\"b\\\\s\\nx:1\",step=\"4\",name=\"certificate_verification\","
	    "reason=\"certificate expired 3 days ago\"} 1\n"));
	ck_assert_ptr_null(strstr(c.buf, "mqtts_probe_failure_info{target="
	    "\"a:8883\""));
	/* each family once: one TYPE line per name */
	ck_assert_ptr_null(strstr(strstr(c.buf, "# TYPE mqtts_probe_success ")
	    + 1, "# TYPE mqtts_probe_success "));
	free(c.buf);
}
END_TEST

/* A probe that could not start still writes success 0, its exit status
 * and why, so a textfile collector's file does not go empty. */
START_TEST(test_prom_error_before_start)
{
	static const char *const targets[] = { "a:8883", "b\"x" };
	struct cap c;

	cap_open(&c);
	prom_render_error(c.f, targets, 2, 66, "--cafile /x: \"gone\"");
	cap_close(&c);
	prom_check_lines(c.buf);
	ck_assert_ptr_nonnull(strstr(c.buf,
	    "mqtts_probe_success{target=\"a:8883\"} 0\n"
	    "mqtts_probe_success{target=\"b\\\"x\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(c.buf,
	    "mqtts_probe_exit_status{target=\"a:8883\"} 66\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_failure_info{target="
	    "\"a:8883\",step=\"0\",name=\"start\",reason=\"--cafile /x: "
	    "\\\"gone\\\"\"} 1\n"));
	free(c.buf);
	/* no target known yet (a usage error): samples without labels */
	cap_open(&c);
	prom_render_error(c.f, NULL, 0, 64, "--qos: bad");
	cap_close(&c);
	prom_check_lines(c.buf);
	ck_assert_ptr_nonnull(strstr(c.buf, "\nmqtts_probe_success 0\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "\nmqtts_probe_exit_status 64\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "\nmqtts_probe_failure_info{step="
	    "\"0\",name=\"start\",reason=\"--qos: bad\"} 1\n"));
	free(c.buf);
}
END_TEST

/* A flooding peer: the JSON step says how many events were dropped,
 * stats sum them over a series, and Prometheus has a series for them. */
START_TEST(test_events_dropped_everywhere)
{
	struct report r;
	struct stats_facts f;
	struct stats_target t;
	struct format_target ft = { "x:1", &t };
	struct jv v;
	struct cap c;
	const unsigned flood = REPORT_MAX_EVENTS + 1234;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_TCP, T0 + 10u);
	report_step_ok(&r, STEP_TCP, T0 + 20u);
	report_step_start(&r, STEP_CLIENT_HELLO, T0 + 30u);
	for (unsigned i = 0; i < flood; i++)
		report_event(&r, STEP_CLIENT_HELLO, T0 + 40u, 0, "alert");
	report_step_fail(&r, STEP_CLIENT_HELLO, T0 + 50u, CAUSE_TIMEOUT,
	    "timed out");
	report_end(&r, T0 + 60u);

	json_of(&r, &no_limits, false, &v);
	jr_expect_num(&v, "steps/0/events_dropped", 0);
	jr_expect_num(&v, "steps/1/events_dropped", 1234);
	jr_expect_num(&v, "steps/7/events_dropped", 0);
	jr_free(&v);

	stats_target_init(&t);
	stats_facts(&r, &f);
	stats_target_add(&t, &r, &f);
	stats_target_add(&t, &r, &f);
	ck_assert_uint_eq(t.events_dropped[STEP_CLIENT_HELLO], 2 * 1234);
	cap_open(&c);
	prom_render(c.f, &ft, 1);
	cap_close(&c);
	prom_check_lines(c.buf);
	ck_assert_ptr_nonnull(strstr(c.buf, "# TYPE mqtts_probe_events_dropped "
	    "gauge\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_events_dropped{target="
	    "\"x:1\",step=\"2\",name=\"client_hello_sent\"} 2468\n"));
	/* only the step that was flooded */
	ck_assert_ptr_null(strstr(c.buf, "mqtts_probe_events_dropped{target="
	    "\"x:1\",step=\"1\""));
	free(c.buf);
	report_free(&r);
}
END_TEST

START_TEST(test_prom_skips_empty_families)
{
	struct stats_target t;
	struct format_target ft = { "x:1", &t };
	struct cap c;

	stats_target_init(&t);
	t.probes = 1;
	t.failed = 1;
	t.failed_at[1] = 1;
	t.worst_status = 1;
	cap_open(&c);
	prom_render(c.f, &ft, 1);
	cap_close(&c);
	prom_check_lines(c.buf);
	ck_assert_ptr_null(strstr(c.buf, "tls_info"));
	ck_assert_ptr_null(strstr(c.buf, "mqtts_probe_connack_code"));
	ck_assert_ptr_null(strstr(c.buf, "step_duration"));
	ck_assert_ptr_null(strstr(c.buf, "events_dropped"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_exit_status{target="
	    "\"x:1\"} 1\n"));
	free(c.buf);
}
END_TEST

/* ---- --capabilities ---------------------------------------------------- */

static void
cap_add(struct report *r, const char *name, enum cap_result res,
    long long value, const char *adv, bool mismatch, bool required)
{
	struct report_capability c;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.result = res;
	c.has_value = value >= 0;
	c.value = value >= 0 ? value : 0;
	snprintf(c.evidence, sizeof(c.evidence), "evidence of %s", name);
	if (adv != NULL)
		snprintf(c.advertised, sizeof(c.advertised), "%s", adv);
	c.mismatch = mismatch;
	c.required = required;
	c.start_us = T0 + 10000u;
	c.end_us = T0 + 12500u;
	report_capability(r, &c);
}

/* A run whose steps all succeeded, with a required capability missing. */
static void
build_caps(struct report *r)
{
	report_init(r, NULL, NULL);
	build_ok(r, REPORT_STEPS, WALL0_S + 100 * DAY);
	cap_add(r, "qos2", CAP_YES, 2, NULL, false, true);
	cap_add(r, "retain", CAP_NO, -1, "retain available yes", true, true);
	cap_add(r, "max_packet_size", CAP_YES, 10002,
	    "maximum packet size 10000", true, false);
	cap_add(r, "topic_alias", CAP_NA, -1, NULL, false, false);
	cap_add(r, "will", CAP_UNDECIDED, -1, NULL, false, false);
	cap_add(r, "qos1", CAP_PARTIAL, 0, NULL, false, false);
	report_end(r, T0 + 20000u);
}

START_TEST(test_caps_json)
{
	struct report r;
	struct jv v;

	build_caps(&r);
	ck_assert_int_eq(report_exit_status(&r), 8);
	json_of(&r, &no_limits, false, &v);
	jr_expect_str(&v, "verdict", "fail");
	jr_expect_num(&v, "exit_status", 8);
	jr_expect_type(&v, "failed_step", J_NULL);
	jr_expect_str(&v, "capabilities/qos2/result", "yes");
	jr_expect_num(&v, "capabilities/qos2/value", 2);
	jr_expect_bool(&v, "capabilities/qos2/required", true);
	jr_expect_type(&v, "capabilities/qos2/advertised", J_NULL);
	jr_expect_type(&v, "capabilities/qos2/consistent", J_NULL);
	jr_expect_str(&v, "capabilities/retain/result", "no");
	jr_expect_type(&v, "capabilities/retain/value", J_NULL);
	jr_expect_str(&v, "capabilities/retain/advertised",
	    "retain available yes");
	jr_expect_bool(&v, "capabilities/retain/consistent", false);
	jr_expect_str(&v, "capabilities/retain/evidence", "evidence of retain");
	jr_expect_num(&v, "capabilities/retain/start_us", 10000);
	jr_expect_num(&v, "capabilities/retain/duration_us", 2500);
	jr_expect_str(&v, "capabilities/topic_alias/result", "n/a");
	jr_expect_str(&v, "capabilities/will/result", "undecided");
	jr_expect_str(&v, "capabilities/qos1/result", "partly");
	jr_expect_str(&v, "missing_required/0", "retain");
	ck_assert_uint_eq(jr_get(&v, "missing_required")->n, 1);
	jr_free(&v);
	report_free(&r);

	/* without --capabilities: null, and no missing_required */
	report_init(&r, NULL, NULL);
	build_ok(&r, REPORT_STEPS, WALL0_S + 100 * DAY);
	report_end(&r, T0 + 9000u);
	json_of(&r, &no_limits, false, &v);
	jr_expect_type(&v, "capabilities", J_NULL);
	ck_assert_ptr_null(jr_get(&v, "missing_required"));
	jr_free(&v);
	report_free(&r);
}
END_TEST

START_TEST(test_caps_prom_and_verdict)
{
	struct report r;
	struct stats_target t;
	struct stats_facts f;
	struct format_target ft = { "b:8883", &t };
	struct cap c;
	char verdict[2048];

	build_caps(&r);
	stats_target_init(&t);
	stats_facts(&r, &f);
	stats_target_add(&t, &r, &f);
	cap_open(&c);
	prom_render(c.f, &ft, 1);
	cap_close(&c);
	prom_check_lines(c.buf);
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_capability{target="
	    "\"b:8883\",name=\"qos2\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_capability{target="
	    "\"b:8883\",name=\"retain\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_capability{target="
	    "\"b:8883\",name=\"qos1\"} 0.5\n"));
	/* nothing seen, no sample */
	ck_assert_ptr_null(strstr(c.buf, "name=\"will\""));
	ck_assert_ptr_null(strstr(c.buf, "name=\"topic_alias\""));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_capability_value{"
	    "target=\"b:8883\",name=\"max_packet_size\"} 10002\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_capability_mismatch{"
	    "target=\"b:8883\",name=\"retain\"} 1\n"));
	ck_assert_ptr_null(strstr(c.buf, "mqtts_probe_capability_mismatch{"
	    "target=\"b:8883\",name=\"qos2\"}"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_exit_status{target="
	    "\"b:8883\"} 8\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "mqtts_probe_success{target="
	    "\"b:8883\"} 0\n"));
	free(c.buf);

	render_verdict(&r, "b:8883", REPORT_STEPS, verdict, sizeof(verdict));
	ck_assert_str_eq(verdict, "FAIL b:8883: required capability missing: "
	    "retain (no)");

	/* Nagios: a check that needs retain is critical without it */
	{
		char *out;

		ck_assert_int_eq(nagios_run(&ft, 1, &no_limits, 1, false,
		    &out), 2);
		ck_assert_msg(strstr(out, "MQTTS CRITICAL - b:8883: required "
		    "capability missing: retain (no)") == out, "%s", out);
		nagios_check_perfdata(out);
		free(out);
	}
	report_free(&r);
}
END_TEST

/* ---- text around a series (output.c) ----------------------------------- */

/* The options' defaults, as output_config_init would copy them. */
static struct output_config
text_config(unsigned count)
{
	struct output_config oc;

	memset(&oc, 0, sizeof(oc));
	oc.format = FORMAT_TEXT;
	oc.count = count;
	oc.interval_us = 1000000;
	oc.steps = REPORT_STEPS;
	oc.mqtt_version = 4;
	oc.timeout_us = 10000000;
	oc.limits = no_limits;
	return oc;
}

START_TEST(test_text_series_lines)
{
	struct output_config oc = text_config(3);
	struct output_target ot;
	struct stats_target st;
	struct cap c;

	oc.limits.warn_days = 60;
	cap_open(&c);
	memset(&ot, 0, sizeof(ot));
	ot.cfg = &oc;
	ot.out = c.f;
	ot.arg = TARGET;
	ot.host = "broker.example";
	ot.port = 8883;
	stats_target_init(&st);
	output_target_begin(&ot);
	for (unsigned n = 1; n <= 3; n++) {
		struct output_probe op;
		struct report r;
		struct stats_facts f;

		output_probe_begin(&op, &ot, n);
		if (n == 2)
			build_verify_fail(&r, output_probe_live, &op);
		else
			build_full(&r, output_probe_live, &op,
			    WALL0_S + 40 * DAY);
		stats_facts(&r, &f);
		output_probe_finish(&op, &r, &f);
		stats_target_add(&st, &r, &f);
		report_free(&r);
	}
	output_target_finish(&ot, &st);
	cap_close(&c);
	ck_assert_msg(strncmp(c.buf, "mqtts-probe ", 12) == 0, "%s", c.buf);
	/* the header wraps at 80 columns, with an indent */
	ck_assert_msg(strstr(c.buf, "timeout 10 s, 3 probes\n  1 s apart\n") !=
	    NULL, "%s", c.buf);
	ck_assert_ptr_nonnull(strstr(c.buf, "\nprobe 1/3: OK 9.00 ms (tcp 0.50 "
	    "tls 2.00 connect 0.00 connack 0.50 pubsub 0.50)\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "\nprobe 2/3: FAIL step 4 "
	    "(Certificate verification) on " TARGET ": certificate expired 3 "
	    "days ago\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "\n--- " TARGET ": 3 probes, 2 ok, "
	    "1 failed ---\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "\n1 TCP connect"));
	ck_assert_ptr_nonnull(strstr(c.buf, "\nfailures by step: step 4 "
	    "(Certificate verification) 1\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "\ncritical: the certificate chain "
	    "expired 3 days ago\n"));
	/* no walkthrough without -v */
	ck_assert_ptr_null(strstr(c.buf, "[1/8]"));
	free(c.buf);
}
END_TEST

START_TEST(test_text_quiet_thresholds_on_verdict_line)
{
	struct output_config oc = text_config(1);
	struct output_target ot;
	struct output_probe op;
	struct report r;
	struct stats_facts f;
	struct cap c;
	char *last;

	oc.quiet = true;
	oc.limits.warn_days = 30;
	oc.limits.warn_rtt_us = 1000;
	cap_open(&c);
	memset(&ot, 0, sizeof(ot));
	ot.cfg = &oc;
	ot.out = c.f;
	ot.arg = TARGET;
	ot.host = "broker.example";
	output_probe_begin(&op, &ot, 1);
	build_full(&r, output_probe_live, &op, WALL0_S + 12 * DAY + 60);
	stats_facts(&r, &f);
	output_probe_finish(&op, &r, &f);
	report_free(&r);
	cap_close(&c);
	/* -q: one line, the crossed thresholds folded into it */
	ck_assert_msg(count_lines(c.buf) == 1, "%s", c.buf);
	ck_assert_msg(strncmp(c.buf, "OK " TARGET, 3 + strlen(TARGET)) == 0,
	    "%s", c.buf);
	ck_assert_msg(strstr(c.buf, "; warning: the certificate chain "
	    "expires in 12 days (--warn-days 30); ") != NULL, "%s", c.buf);
	last = strstr(c.buf, "; warning: the round trip took 1.234 ms "
	    "(--warn-ms 1.000)\n");
	ck_assert_msg(last != NULL, "%s", c.buf);
	free(c.buf);
}
END_TEST

/*
 * q at a --pause prompt: the walk is stopped by the user, a state of
 * its own in every format: exit status 11, "STOPPED" in text (and the
 * HTML report, which uses the same verdict), verdict "stopped" and
 * stopped_before_step in JSON, UNKNOWN for Nagios, exit_status 11 and
 * no success for Prometheus.
 */
START_TEST(test_stopped_by_user_everywhere)
{
	struct report r;
	struct stats_facts f;
	struct stats_target t;
	struct format_target ft = { TARGET, &t };
	struct jv v;
	struct cap c;
	char verdict[REPORT_TEXT_MAX * 2], *out;

	report_init(&r, NULL, NULL);
	build_ok(&r, STEP_CONNACK, WALL0_S + 40 * DAY);
	report_stopped(&r, STEP_PUBSUB);
	report_step_skip_why(&r, STEP_PUBSUB, "stopped by the user");
	report_end(&r, T0 + 9000u);
	stats_facts(&r, &f);
	ck_assert_int_eq(f.exit_status, REPORT_EXIT_STOPPED);
	ck_assert_int_eq(f.failed_step, 0);
	render_verdict(&r, TARGET, REPORT_STEPS, verdict, sizeof(verdict));
	ck_assert_msg(strncmp(verdict, "STOPPED " TARGET ": stopped by the "
	    "user before step 8 ", 8 + strlen(TARGET) + 33) == 0, "%s",
	    verdict);
	json_of(&r, &no_limits, false, &v);
	jr_expect_str(&v, "verdict", "stopped");
	jr_expect_num(&v, "exit_status", REPORT_EXIT_STOPPED);
	jr_expect_num(&v, "stopped_before_step", 8);
	jr_expect_type(&v, "failed_step", J_NULL);
	jr_expect_str(&v, "steps/7/status", "skipped");
	jr_free(&v);
	stats_target_init(&t);
	stats_target_add(&t, &r, &f);
	ck_assert_int_eq(nagios_run(&ft, 1, &no_limits, 1, false, &out), 3);
	ck_assert_msg(strncmp(out, "MQTTS UNKNOWN - ", 16) == 0 &&
	    strstr(out, "stopped by the user") != NULL, "%s", out);
	free(out);
	cap_open(&c);
	prom_render(c.f, &ft, 1);
	cap_close(&c);
	ck_assert_msg(strstr(c.buf, "mqtts_probe_success{target=\"" TARGET
	    "\"} 0\n") != NULL && strstr(c.buf, "mqtts_probe_exit_status{"
	    "target=\"" TARGET "\"} 11\n") != NULL, "%s", c.buf);
	free(c.buf);
	report_free(&r);
}
END_TEST

static Suite *
formats_suite(void)
{
	Suite *s = suite_create("formats");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_json_string_escapes);
	tcase_add_test(tc, test_json_string_invalid_utf8);
	tcase_add_test(tc, test_json_utf8_len);
	tcase_add_test(tc, test_json_success_fields);
	tcase_add_test(tc, test_json_failure_fields);
	tcase_add_test(tc, test_json_refused_nothing_learned);
	tcase_add_test(tc, test_json_hostile_strings);
	tcase_add_test(tc, test_json_insecure_unverified);
	tcase_add_test(tc, test_json_expiry_thresholds);
	tcase_add_test(tc, test_jsonl_live_lines);
	tcase_add_test(tc, test_jsonl_not_reached_lines);
	tcase_add_test(tc, test_jsonl_trace_events);
	suite_add_tcase(s, tc);

	tc = tcase_create("stats");
	tcase_add_test(tc, test_stats_series);
	tcase_add_test(tc, test_stats_levels);
	tcase_add_test(tc, test_stats_target);
	tcase_add_test(tc, test_json_summary);
	suite_add_tcase(s, tc);

	tc = tcase_create("nagios");
	tcase_add_test(tc, test_nagios_ok_warning_critical);
	tcase_add_test(tc, test_nagios_failure_text_is_one_line);
	tcase_add_test(tc, test_nagios_series_and_targets);
	suite_add_tcase(s, tc);

	tc = tcase_create("prometheus");
	tcase_add_test(tc, test_prom_families_and_escaping);
	tcase_add_test(tc, test_prom_error_before_start);
	tcase_add_test(tc, test_prom_skips_empty_families);
	tcase_add_test(tc, test_caps_json);
	tcase_add_test(tc, test_caps_prom_and_verdict);
	tcase_add_test(tc, test_events_dropped_everywhere);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, test_text_series_lines);
	tcase_add_test(tc, test_text_quiet_thresholds_on_verdict_line);
	tcase_add_test(tc, test_stopped_by_user_everywhere);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(formats_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
