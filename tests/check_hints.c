/*
 * check_hints.c: the advice on each kind of failure, from reports built
 * by hand (hints.c reads only the report and its small config).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hints.h"
#include "report.h"

#define T0 1000000u
#define WALL0_S 1800000000LL		/* 2027-01-15 08:00 UTC */
#define DAY 86400

static struct report_cert
cert(const char *subject, const char *issuer, int64_t nb, int64_t na)
{
	struct report_cert c;

	memset(&c, 0, sizeof(c));
	snprintf(c.subject, sizeof(c.subject), "%s", subject);
	snprintf(c.issuer, sizeof(c.issuer), "%s", issuer);
	snprintf(c.sans, sizeof(c.sans), "DNS:broker.example");
	snprintf(c.sha256, sizeof(c.sha256), "AA:BB");
	c.not_before = nb;
	c.not_after = na;
	return c;
}

/* Steps 1..upto-1 ok, step upto fails with cause and reason. */
static void
walk_to(struct report *r, int upto, enum report_cause cause,
    const char *reason)
{
	report_init(r, NULL, NULL);
	report_begin(r, T0, WALL0_S * 1000000);
	for (int s = 1; s <= upto; s++) {
		report_step_start(r, s, T0 + 100u * (unsigned)s);
		if (s == STEP_CLIENT_HELLO)
			report_detail(r, s, "versions_offered", "TLS1.3,TLS1.2");
		if (s < upto)
			report_step_ok(r, s, T0 + 100u * (unsigned)s + 50);
	}
	report_step_fail(r, upto, T0 + 100u * (unsigned)upto + 50, cause, "%s",
	    reason);
}

static bool
has_hint(const struct report *r, const char *text)
{
	for (size_t i = 0; i < r->nhints; i++)
		if (strstr(r->hints[i], text) != NULL)
			return true;
	return false;
}

#define EXPECT_HINT(r, text) ck_assert_msg(has_hint(r, text), \
    "no hint says \"%s\" (%zu hints%s%s)", text, (r)->nhints, \
    (r)->nhints > 0 ? ", first: " : "", (r)->nhints > 0 ? (r)->hints[0] : "")

static const struct hints_config base = { .host = "broker.example",
    .port = 8883, .use_tls = true, .keepalive = 60 };

static void
verify_fail(struct report *r, const char *problems,
    const struct report_cert *certs, size_t n)
{
	report_init(r, NULL, NULL);
	report_begin(r, T0, WALL0_S * 1000000);
	for (int s = 1; s < STEP_VERIFY; s++) {
		report_step_start(r, s, T0 + 100u * (unsigned)s);
		report_step_ok(r, s, T0 + 100u * (unsigned)s + 50);
	}
	for (size_t i = 0; i < n; i++)
		report_cert(r, &certs[i]);
	report_step_start(r, STEP_VERIFY, T0 + 400);
	report_detail(r, STEP_VERIFY, "problems", "%s", problems);
	report_detail(r, STEP_VERIFY, "checked_name", "broker.example");
	report_step_fail(r, STEP_VERIFY, T0 + 450, CAUSE_VERIFY, "rejected");
}

START_TEST(test_expired_intermediate)
{
	struct report r;
	struct report_cert c[2] = {
		cert("CN=broker.example", "CN=Inter", WALL0_S - 9 * DAY,
		    WALL0_S + 90 * DAY),
		cert("CN=Inter", "CN=Root", WALL0_S - 900 * DAY,
		    WALL0_S - 3 * DAY - 60),
	};

	verify_fail(&r, "expired", c, 2);
	hints_add(&r, &base, 0);
	/* the one that expired, when, and what must happen */
	EXPECT_HINT(&r, "certificate 1 of the chain (CN=Inter) expired on "
	    "2027-01-12 07:59 UTC, 3 days ago: it must be renewed on the "
	    "broker");
	EXPECT_HINT(&r, "--insecure (-k)");
	ck_assert(!has_hint(&r, "give the broker's CA with --cafile"));
	report_free(&r);
}
END_TEST

START_TEST(test_not_yet_valid_clock)
{
	struct report r;
	struct report_cert c = cert("CN=broker.example", "CN=CA",
	    WALL0_S + 2 * DAY, WALL0_S + 400 * DAY);

	verify_fail(&r, "not-yet-valid", &c, 1);
	hints_add(&r, &base, 0);
	EXPECT_HINT(&r, "the broker's certificate (CN=broker.example) is valid "
	    "from 2027-01-17 08:00 UTC, and this machine's clock says "
	    "2027-01-15 08:00 UTC");
	EXPECT_HINT(&r, "boots in 1970");
	report_free(&r);
}
END_TEST

START_TEST(test_wrong_name_names)
{
	struct report r;
	struct report_cert c = cert("CN=x", "CN=CA", WALL0_S - DAY,
	    WALL0_S + DAY);
	struct hints_config hc = base;

	snprintf(c.sans, sizeof(c.sans), "DNS:a.example, DNS:b.example");
	verify_fail(&r, "name-mismatch", &c, 1);
	hints_add(&r, &hc, 0);
	EXPECT_HINT(&r, "the certificate is for DNS:a.example, DNS:b.example, "
	    "not for 'broker.example'");
	EXPECT_HINT(&r, "--connect-to ADDR");
	EXPECT_HINT(&r, "--verify-hostname NAME");
	report_free(&r);
}
END_TEST

START_TEST(test_unknown_issuer_with_and_without_cafile)
{
	struct report r;
	struct report_cert c = cert("CN=broker.example", "CN=Private CA",
	    WALL0_S - DAY, WALL0_S + DAY);
	struct hints_config hc = base;

	verify_fail(&r, "unknown-issuer", &c, 1);
	hints_add(&r, &hc, 0);
	EXPECT_HINT(&r, "the system trust store does not know 'CN=Private CA'");
	EXPECT_HINT(&r, "--cafile FILE");
	report_free(&r);
	hc.ca_given = true;
	verify_fail(&r, "unknown-issuer", &c, 1);
	hints_add(&r, &hc, 0);
	EXPECT_HINT(&r, "the CA given with --cafile/--capath did not issue "
	    "this chain, whose top was issued by 'CN=Private CA'");
	ck_assert(!has_hint(&r, "system trust store"));
	report_free(&r);
}
END_TEST

START_TEST(test_self_signed_fingerprint)
{
	struct report r;
	struct report_cert c = cert("CN=me", "CN=me", WALL0_S - DAY,
	    WALL0_S + DAY);

	verify_fail(&r, "unknown-issuer,self-signed", &c, 1);
	hints_add(&r, &base, 0);
	EXPECT_HINT(&r, "the broker signed its own certificate (CN=me)");
	EXPECT_HINT(&r, "fingerprint AA:BB");
	/* self-signed says more than unknown issuer: one hint, not both */
	ck_assert(!has_hint(&r, "trust store does not know"));
	report_free(&r);
}
END_TEST

START_TEST(test_version_to_try)
{
	struct report r;
	struct hints_config hc = base;
	const char *alert = "the server sent TLS alert protocol_version (70): "
	    "Error in protocol version";

	hc.tls_version = 13;
	walk_to(&r, STEP_SERVER_CERT, CAUSE_TLS, alert);
	hints_add(&r, &hc, 0);
	EXPECT_HINT(&r, "does not accept TLS 1.3, the only version "
	    "--tls-version 1.3 offers: try --tls-version 1.2");
	report_free(&r);
	hc.tls_version = 0;
	walk_to(&r, STEP_SERVER_CERT, CAUSE_TLS, alert);
	hints_add(&r, &hc, 0);
	EXPECT_HINT(&r, "none of the versions offered (TLS1.3,TLS1.2)");
	report_free(&r);
}
END_TEST

START_TEST(test_plaintext_ports)
{
	struct report r;
	struct hints_config hc = base;

	hc.host = "::1";
	hc.port = 1883;
	walk_to(&r, STEP_SERVER_CERT, CAUSE_PROTOCOL, "the server answered in "
	    "plaintext, not TLS: plaintext MQTT CONNACK");
	hints_add(&r, &hc, 0);
	EXPECT_HINT(&r, "port 1883 is a plaintext MQTT listener");
	EXPECT_HINT(&r, "usually 8883 (mqtts://[::1]:8883)");
	EXPECT_HINT(&r, "mqtt://[::1]:1883 walks this one without TLS");
	report_free(&r);
}
END_TEST

/* The trainer talked past the keep-alive: say so, not "the broker
 * rejects the client id". */
START_TEST(test_pause_past_keepalive)
{
	struct report r;
	struct hints_config hc = base;

	hc.paused = true;
	hc.keepalive = 5;
	walk_to(&r, STEP_PUBSUB, CAUSE_CLOSED, "the broker closed the "
	    "connection (TLS close_notify) instead of sending SUBACK");
	hints_add(&r, &hc, 0);
	EXPECT_HINT(&r, "the walk was held (--pause)");
	EXPECT_HINT(&r, "keep-alive (5 s)");
	EXPECT_HINT(&r, "raise --keepalive");
	report_free(&r);
	hc.paused = false;
	walk_to(&r, STEP_CONNACK, CAUSE_CLOSED, "closed");
	hints_add(&r, &hc, 0);
	ck_assert(!has_hint(&r, "--pause"));
	EXPECT_HINT(&r, "rejects the client id");
	report_free(&r);
}
END_TEST

START_TEST(test_refused_connack_and_topic)
{
	struct report r;

	walk_to(&r, STEP_CONNACK, CAUSE_REFUSED, "refused");
	report_detail(&r, STEP_CONNACK, "connack_code", "134");
	hints_add(&r, &base, 0);
	EXPECT_HINT(&r, "check -u and the password");
	report_free(&r);
	walk_to(&r, STEP_PUBSUB, CAUSE_REFUSED, "refused");
	hints_add(&r, &base, 0);
	EXPECT_HINT(&r, "--topic");
	report_free(&r);
	/* no failure, no hint */
	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	hints_add(&r, &base, 0);
	ck_assert_uint_eq(r.nhints, 0);
	report_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hints");
	TCase *tc = tcase_create("causes");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_expired_intermediate);
	tcase_add_test(tc, test_not_yet_valid_clock);
	tcase_add_test(tc, test_wrong_name_names);
	tcase_add_test(tc, test_unknown_issuer_with_and_without_cafile);
	tcase_add_test(tc, test_self_signed_fingerprint);
	tcase_add_test(tc, test_version_to_try);
	tcase_add_test(tc, test_plaintext_ports);
	tcase_add_test(tc, test_pause_past_keepalive);
	tcase_add_test(tc, test_refused_connack_and_topic);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
