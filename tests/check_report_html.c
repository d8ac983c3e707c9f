/*
 * check_report_html.c: the HTML report (--report) against reports built
 * by hand, and the pieces it rests on: escaping, percentiles, the
 * reservoir of a series, the file replaced in one step.
 *
 * Pages are checked for structure (every step, the tracker, the chain,
 * the ladder's arrows, the failure where it happened), for what must
 * never be there (a reference outside the page, markup from a peer) and
 * for what must be (the UNVERIFIED mark).  The integration suite
 * (check_report_browser) renders real runs in a browser.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"
#include "html_parts.h"
#include "report.h"
#include "stats.h"

#define T0 1000000u
#define TARGET "broker.example:8883"

static const struct stats_limits html_limits = { -1, -1, 0, 0 };
static const struct html_settings html_settings1 = {
	.cafile = "/etc/ca.pem", .mqtt_version = 4, .timeout_us = 10000000u,
	.steps = REPORT_STEPS, .count = 1, .interval_us = 1000000u,
	.limits = &html_limits,
};
static const struct html_where html_where1 = {
	.arg = TARGET, .host = "broker.example", .port = 8883,
};

/* Memory a test wrote into, NUL-terminated once closed. */
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
	ck_assert_ptr_nonnull(c->buf);
	ck_assert_uint_eq(strlen(c->buf), c->len);
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
ev(struct report *r, int step, unsigned at, enum report_event_kind k,
    enum report_dir d, size_t size, const char *text)
{
	report_event_io(r, step, T0 + at, k == EVK_MQTT ? 1 : 2, k, d, size,
	    NULL, 0, text);
}

static const struct report_cert html_cert = {
	.subject = "CN=broker.example",
	.issuer = "CN=Example CA,O=Example",
	.sans = "DNS:broker.example",
	.not_before = 1700000000,
	.not_after = 4100000000,
	.sha256 = "AA:BB:CC",
	.spki_sha256 = "DD:EE:FF",
};

/* Steps 1..upto as the engine records a TLS 1.3 walk, with events. */
static void
build_ok(struct report *r, int upto)
{
	report_begin(r, T0, 1764640000000000);
	for (int s = 1; s <= upto; s++) {
		unsigned b = 1000u * (unsigned)s;

		report_step_start(r, s, T0 + b);
		switch (s) {
		case STEP_TCP:
			report_event(r, s, T0 + b + 100, 0,
			    "broker.example resolves to 1 address");
			report_event(r, s, T0 + b + 300, 0,
			    "connected to 192.0.2.7 port 8883 in 0.20 ms");
			report_detail(r, s, "peer", "192.0.2.7 port 8883");
			break;
		case STEP_CLIENT_HELLO:
			ev(r, s, b + 100, EVK_TLS_MSG, DIR_OUT, 360,
			    "CLIENT HELLO (360 bytes)");
			ev(r, s, b + 150, EVK_TLS_RECORD, DIR_OUT, 369,
			    "handshake (22), 364 bytes");
			break;
		case STEP_SERVER_CERT:
			ev(r, s, b + 100, EVK_TLS_RECORD, DIR_IN, 160,
			    "handshake (22), 155 bytes");
			ev(r, s, b + 120, EVK_TLS_MSG, DIR_IN, 151,
			    "SERVER HELLO (151 bytes)");
			ev(r, s, b + 130, EVK_KEYS, DIR_NONE, 0,
			    "handshake traffic keys derived");
			ev(r, s, b + 200, EVK_TLS_MSG, DIR_IN, 495,
			    "CERTIFICATE (495 bytes)");
			report_cert(r, &html_cert);
			report_detail(r, s, "tls_version", "TLS1.3");
			break;
		case STEP_VERIFY:
			report_detail(r, s, "verdict", "trusted");
			report_detail(r, s, "trust_store", "/etc/ca.pem (1 anchors)");
			break;
		case STEP_KEYS:
			ev(r, s, b + 100, EVK_TLS_MSG, DIR_IN, 48,
			    "FINISHED (48 bytes)");
			ev(r, s, b + 200, EVK_TLS_MSG, DIR_OUT, 48,
			    "FINISHED (48 bytes)");
			report_detail(r, s, "tls_version", "TLS1.3");
			report_detail(r, s, "cipher_suite", "TLS_AES_256_GCM_SHA384");
			break;
		case STEP_CONNECT:
			ev(r, s, b + 100, EVK_MQTT, DIR_OUT, 38,
			    "CONNECT version=3.1.1 client_id='x'");
			report_detail(r, s, "mqtt_version", "3.1.1");
			report_detail(r, s, "password", "set (not shown)");
			break;
		case STEP_CONNACK:
			ev(r, s, b + 100, EVK_MQTT, DIR_IN, 4,
			    "CONNACK session_present=0 code=0x00 (accepted)");
			break;
		case STEP_PUBSUB:
			ev(r, s, b + 100, EVK_MQTT, DIR_OUT, 40, "SUBSCRIBE");
			ev(r, s, b + 200, EVK_MQTT, DIR_IN, 5, "SUBACK");
			report_detail(r, s, "round_trip_us", "1234");
			break;
		}
		report_step_ok(r, s, T0 + b + 500u);
	}
}

/* The page of one report, as html_report_write makes it. */
static char *
page_of(const struct report *r, const struct html_settings *s,
    const struct html_where *w)
{
	struct html_target t;
	struct stats_facts f;
	struct stats_target st;
	struct html_page_target pt;
	struct cap c;

	html_target_init(&t, 16);
	stats_facts(r, &f);
	stats_target_init(&st);
	stats_target_add(&st, r, &f);
	html_target_probe(&t, s, w, 1, r, &f);
	pt.where = w;
	pt.html = &t;
	pt.stats = &st;
	cap_open(&c);
	ck_assert(html_report_write(c.f, s, &pt, 1, false));
	cap_close(&c);
	html_target_free(&t);
	return c.buf;
}

/* Nothing in the page can make a browser fetch anything. */
static void
assert_self_contained(const char *page)
{
	ck_assert_msg(strstr(page, "http://") == NULL, "http:// in page");
	ck_assert_msg(strstr(page, "https://") == NULL, "https:// in page");
	ck_assert_msg(strstr(page, "@import") == NULL, "@import in page");
	ck_assert_msg(strstr(page, "url(") == NULL, "url( in page");
	ck_assert_msg(strstr(page, "<script") == NULL, "script in page");
	ck_assert_msg(strstr(page, " src=") == NULL, "src= in page");
	ck_assert_msg(strstr(page, "<link") == NULL, "link in page");
	/* the only links are to anchors of the page itself */
	for (const char *p = page; (p = strstr(p, "href=\"")) != NULL; p++)
		ck_assert_msg(p[6] == '#', "a link leaves the page: %.60s", p);
	ck_assert(strstr(page, "Content-Security-Policy") != NULL);
	ck_assert(strstr(page, "default-src 'none'") != NULL);
}

static void
assert_structure(const char *page)
{
	ck_assert(strncmp(page, "<!DOCTYPE html>", 15) == 0);
	ck_assert(strstr(page, "</html>\n") != NULL);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		char id[32];

		snprintf(id, sizeof(id), "id=\"step-%d\"", s);
		ck_assert_msg(strstr(page, id) != NULL, "no step %d", s);
		ck_assert_msg(strstr(page, report_step_name(s)) != NULL,
		    "no name of step %d", s);
	}
	ck_assert(strstr(page, "<table class=\"tracker\">") != NULL);
	ck_assert(strstr(page, "<svg class=\"wf\"") != NULL);
	ck_assert(strstr(page, "<svg class=\"ld\"") != NULL);
	/* as many <svg> as </svg>, and as many sections opened as closed */
	ck_assert_uint_eq(count_of(page, "<svg"), count_of(page, "</svg>"));
	ck_assert_uint_eq(count_of(page, "<section"),
	    count_of(page, "</section>"));
	ck_assert_uint_eq(count_of(page, "<details"),
	    count_of(page, "</details>"));
	ck_assert_uint_eq(count_of(page, "<table"), count_of(page, "</table>"));
	assert_self_contained(page);
}

START_TEST(test_success_page)
{
	struct report r;
	char *page;

	report_init(&r, NULL, NULL);
	build_ok(&r, REPORT_STEPS);
	report_end(&r, T0 + 9000u);
	page = page_of(&r, &html_settings1, &html_where1);
	assert_structure(page);
	ck_assert(strstr(page, "class=\"verdict ok\"") != NULL);
	ck_assert(strstr(page, "all 8 steps") != NULL);
	/* the chain as a card, with its fields */
	ck_assert(strstr(page, "<div class=\"card\">") != NULL);
	ck_assert(strstr(page, "CN=Example CA,O=Example") != NULL);
	ck_assert(strstr(page, "DD:EE:FF") != NULL);
	/* every message and record of the ladder is an arrow, sized */
	ck_assert_uint_eq(count_of(page, "<g class=\"a-tls\">"), 5);
	ck_assert_uint_eq(count_of(page, "<g class=\"a-rec\">"), 2);
	ck_assert_uint_eq(count_of(page, "<g class=\"a-mqtt\">"), 4);
	ck_assert(strstr(page, "ClientHello &#183; 360 B") != NULL);
	ck_assert(strstr(page, "CONNACK &#183; 4 B") != NULL);
	/* round trips: ClientHello to ServerHello, CONNECT to CONNACK,
	 * SUBSCRIBE to SUBACK (and the legend's sample) */
	ck_assert_uint_eq(count_of(page, "<path class=\"rtt\" d="), 4);
	ck_assert(strstr(page, "ClientHello &#8594; ServerHello") != NULL);
	/* tracker: every layer ends in its final state, nothing failed */
	ck_assert(strstr(page, "Connected (secure)") != NULL);
	ck_assert(strstr(page, "<td class=\"fail") == NULL);
	/* step 4 has its band though nothing crossed the network then */
	ck_assert(strstr(page, ">4 Certificate verification &#8212; ") != NULL);
	ck_assert_uint_eq(count_of(page, "nothing crossed the network"), 1);
	/* the explain text, folded */
	ck_assert_uint_eq(count_of(page, "<details class=\"explain\">"), 8);
	/* one probe: no summary */
	ck_assert(strstr(page, "id=\"summary\"") == NULL);
	ck_assert(strstr(page, "UNVERIFIED") == NULL);
	free(page);
	report_free(&r);
}
END_TEST

/* Step 4 fails: the chain is not trusted. */
START_TEST(test_verify_failure_page)
{
	struct report r;
	char *page;

	report_init(&r, NULL, NULL);
	build_ok(&r, 3);
	report_step_start(&r, STEP_VERIFY, T0 + 4000u);
	report_detail(&r, STEP_VERIFY, "verdict", "NOT trusted");
	report_step_fail(&r, STEP_VERIFY, T0 + 4250u, CAUSE_VERIFY,
	    "issuer unknown");
	ev(&r, STEP_VERIFY, 4300, EVK_TLS_RECORD, DIR_OUT, 7,
	    "alert (21), 2 bytes");
	report_hint(&r, "give the broker's CA with --cafile");
	report_end(&r, T0 + 4400u);
	page = page_of(&r, &html_settings1, &html_where1);
	assert_structure(page);
	ck_assert(strstr(page, "class=\"verdict fail\"") != NULL);
	ck_assert(strstr(page, "class=\"vw\">FAIL</span>") != NULL);
	ck_assert(strstr(page, "step 4 (Certificate verification)") != NULL);
	/* the failure drawn in the ladder where it happened, before the
	 * alert the client sent after it, and marked in the tracker */
	ck_assert(strstr(page, "step 4 failed (verify): issuer unknown") !=
	    NULL);
	ck_assert(strstr(page, "path class=\"cross\"") != NULL);
	ck_assert(strstr(page, "path class=\"cross\"") <
	    strstr(page, "<g class=\"a-alert\">"));
	ck_assert_uint_eq(count_of(page, "<td class=\"fail"), 1);
	ck_assert(strstr(page, "&#10007; Failed") != NULL);
	ck_assert(strstr(page, "class=\"step fail\" id=\"step-4\"") != NULL);
	ck_assert(strstr(page, "class=\"step nr\" id=\"step-5\"") != NULL);
	ck_assert(strstr(page, "not reached") != NULL);
	ck_assert(strstr(page, "<b>hint:</b> give the broker") != NULL);
	free(page);
	report_free(&r);
}
END_TEST

/* Step 7 fails: the broker closes instead of answering CONNECT. */
START_TEST(test_connack_failure_page)
{
	struct report r;
	char *page;

	report_init(&r, NULL, NULL);
	build_ok(&r, 6);
	report_step_start(&r, STEP_CONNACK, T0 + 7000u);
	report_step_fail(&r, STEP_CONNACK, T0 + 7300u, CAUSE_CLOSED,
	    "the broker closed the connection");
	report_end(&r, T0 + 7400u);
	page = page_of(&r, &html_settings1, &html_where1);
	assert_structure(page);
	ck_assert(strstr(page, "class=\"vw\">FAIL</span>") != NULL);
	ck_assert(strstr(page, "step 7 (CONNACK received)") != NULL);
	ck_assert(strstr(page, ">the broker closed the connection</text>") !=
	    NULL);
	ck_assert(strstr(page, "step 7 failed (closed)") != NULL);
	ck_assert(strstr(page, "7 CONNACK received &#8212; failed after") !=
	    NULL);
	free(page);
	report_free(&r);
}
END_TEST

/* A timeout: the wait drawn on the client's lane; a diagnosis and the
 * capabilities as tables, their peer text escaped. */
START_TEST(test_timeout_diagnosis_caps)
{
	struct report r;
	struct report_diagnosis d = { .key = "mqtt_version",
	    .verdict = DIAG_CONFIRMED, .tried = "CONNECT as MQTT 3.1.1",
	    .text = "the broker <only> speaks 3.1.1" };
	struct report_capability c = { .name = "retain", .result = CAP_NO,
	    .evidence = "PUBLISH retain=1 came back retain=0" };
	char *page;

	report_init(&r, NULL, NULL);
	build_ok(&r, 6);
	report_step_start(&r, STEP_CONNACK, T0 + 7000u);
	report_step_fail(&r, STEP_CONNACK, T0 + 17000u, CAUSE_TIMEOUT,
	    "no CONNACK within 10 s");
	report_diagnosis(&r, &d);
	report_capability(&r, &c);
	report_end(&r, T0 + 17100u);
	page = page_of(&r, &html_settings1, &html_where1);
	assert_structure(page);
	ck_assert(strstr(page, "<path class=\"wait\"") != NULL);
	ck_assert(strstr(page, "step 7 failed (timeout): no CONNACK") != NULL);
	ck_assert(strstr(page, "<h3>Diagnosis</h3>") != NULL);
	ck_assert(strstr(page, "the broker &lt;only&gt; speaks 3.1.1") != NULL);
	ck_assert(strstr(page, "class=\"v-confirmed\">confirmed") != NULL);
	ck_assert(strstr(page, "<h3>Capabilities</h3>") != NULL);
	ck_assert(strstr(page, "class=\"v-no\">no</td>") != NULL);
	free(page);
	report_free(&r);
}
END_TEST

/* The broker's alert at step 5: an arrow from the broker, named. */
START_TEST(test_alert_drawn)
{
	struct report r;
	char *page;

	report_init(&r, NULL, NULL);
	build_ok(&r, 4);
	report_step_start(&r, STEP_KEYS, T0 + 5000u);
	report_step_fail(&r, STEP_KEYS, T0 + 5200u, CAUSE_TLS,
	    "the server sent TLS alert handshake_failure (40): Handshake "
	    "failed");
	report_end(&r, T0 + 5300u);
	page = page_of(&r, &html_settings1, &html_where1);
	assert_structure(page);
	ck_assert(strstr(page, ">TLS alert handshake_failure</text></g>") !=
	    NULL);
	ck_assert(strstr(page, "step 5 failed (tls): the server sent") != NULL);
	ck_assert(strstr(page, "path class=\"cross\"") == NULL);
	free(page);
	report_free(&r);
}
END_TEST

/* A certificate subject, a reason and a target that carry markup and
 * control characters stay text. */
START_TEST(test_hostile_text_escaped)
{
	struct report r;
	struct report_cert c = html_cert;
	struct html_where w = html_where1;
	char *page;

	snprintf(c.subject, sizeof(c.subject),
	    "CN=<script>alert(1)</script>\xe2\x80\xae\x1b[2J");
	snprintf(c.sans, sizeof(c.sans), "DNS:\"><img src=x onerror=y>");
	w.arg = "<b>x</b>'\"";
	report_init(&r, NULL, NULL);
	build_ok(&r, 2);
	report_step_start(&r, STEP_SERVER_CERT, T0 + 3000u);
	report_cert(&r, &c);
	report_event(&r, STEP_SERVER_CERT, T0 + 3100u, 0,
	    "<iframe src=https://evil.example>");
	report_step_fail(&r, STEP_SERVER_CERT, T0 + 3200u, CAUSE_TLS,
	    "alert <b>handshake_failure</b> \xc2\x9b" "31m \xff");
	report_end(&r, T0 + 3300u);
	page = page_of(&r, &html_settings1, &w);
	ck_assert(strstr(page, "<script") == NULL);
	ck_assert(strstr(page, "<img") == NULL);
	ck_assert(strstr(page, "<iframe") == NULL);
	ck_assert(strstr(page, "<b>x</b>") == NULL);
	ck_assert(strstr(page, "<b>handshake_failure") == NULL);
	ck_assert(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;") !=
	    NULL);
	ck_assert(strstr(page, "&lt;b&gt;x&lt;/b&gt;&#39;&quot;") != NULL);
	/* the override, the escape, C1 CSI and a bad byte are visible */
	ck_assert(strstr(page, "\\u202e\\x1b[2J") != NULL);
	ck_assert(strstr(page, "\\u009b31m &#xfffd;") != NULL);
	ck_assert(strstr(page, "\xe2\x80\xae") == NULL);
	ck_assert(strstr(page, "\x1b") == NULL);
	ck_assert(strstr(page, "\xc2\x9b") == NULL);
	free(page);
	report_free(&r);
}
END_TEST

START_TEST(test_unverified_marked)
{
	struct report r;
	struct html_settings s = html_settings1;
	char *page;

	s.insecure = true;
	report_init(&r, NULL, NULL);
	build_ok(&r, REPORT_STEPS);
	report_unverified(&r);
	report_end(&r, T0 + 9000u);
	page = page_of(&r, &s, &html_where1);
	assert_structure(page);
	ck_assert(strstr(page, "class=\"verdict warn\"") != NULL);
	ck_assert(strstr(page, "<p class=\"alarm\">UNVERIFIED") != NULL);
	ck_assert(strstr(page, "--insecure: checked and reported, not "
	    "enforced") != NULL);
	ck_assert(strstr(page, "UNVERIFIED (--insecure)") != NULL);
	free(page);
	report_free(&r);
}
END_TEST

/* A flood: the report keeps the first events of a step, the page says
 * how many more there were. */
START_TEST(test_dropped_events_said)
{
	struct report r;
	char *page, want[128];

	report_init(&r, NULL, NULL);
	build_ok(&r, 7);
	report_step_start(&r, STEP_PUBSUB, T0 + 8000u);
	for (unsigned i = 0; i < REPORT_MAX_EVENTS + 25; i++)
		ev(&r, STEP_PUBSUB, 8001 + i, EVK_MQTT, DIR_IN, 2, "PINGRESP");
	report_step_fail(&r, STEP_PUBSUB, T0 + 9000u, CAUSE_TIMEOUT,
	    "no SUBACK");
	report_end(&r, T0 + 9100u);
	ck_assert_uint_eq(r.steps[STEP_PUBSUB].events_dropped, 25);
	page = page_of(&r, &html_settings1, &html_where1);
	assert_structure(page);
	snprintf(want, sizeof(want), "and 25 more events of this step not "
	    "shown (the report keeps the first %d)", REPORT_MAX_EVENTS);
	ck_assert(strstr(page, want) != NULL);
	ck_assert(strstr(page, "Step 8: 25 more events not shown") != NULL);
	free(page);
	report_free(&r);
}
END_TEST

/* mqtt://: steps 2 to 5 skipped for want of TLS, the run UNENCRYPTED. */
START_TEST(test_unencrypted_marked)
{
	struct report r;
	char *page;

	report_init(&r, NULL, NULL);
	build_ok(&r, 1);
	report_unencrypted(&r);
	for (int s = STEP_CLIENT_HELLO; s <= STEP_KEYS; s++)
		report_step_skip_why(&r, s, "no TLS");
	for (int s = STEP_CONNECT; s <= STEP_PUBSUB; s++) {
		report_step_start(&r, s, T0 + 1000u * (unsigned)s);
		report_step_ok(&r, s, T0 + 1000u * (unsigned)s + 500u);
	}
	report_end(&r, T0 + 9000u);
	page = page_of(&r, &html_settings1, &html_where1);
	assert_structure(page);
	ck_assert(strstr(page, "class=\"verdict warn\"") != NULL);
	ck_assert(strstr(page, "<p class=\"alarm\">UNENCRYPTED") != NULL);
	ck_assert(strstr(page, "none: UNENCRYPTED") != NULL);
	ck_assert(strstr(page, "none: no TLS, no certificate") != NULL);
	ck_assert_uint_eq(count_of(page, ">skipped: no TLS</text>"), 4);
	ck_assert(strstr(page, "skipped: no TLS</span>") != NULL);
	ck_assert(strstr(page, "trusted CAs") == NULL);
	free(page);
	report_free(&r);
}
END_TEST

/* The bytes --hexdump keeps are shown as the engine masked them. */
START_TEST(test_hexdump_in_events)
{
	struct report r;
	static const uint8_t pkt[] = { 0x10, 0x06, '*', '*', '*', '*', '<',
	    '&' };
	char *page;

	report_init(&r, NULL, NULL);
	build_ok(&r, 5);
	report_step_start(&r, STEP_CONNECT, T0 + 6000u);
	report_event_io(&r, STEP_CONNECT, T0 + 6100u, 1, EVK_MQTT, DIR_OUT,
	    sizeof(pkt), pkt, sizeof(pkt), "CONNECT");
	report_step_ok(&r, STEP_CONNECT, T0 + 6200u);
	report_end(&r, T0 + 6300u);
	page = page_of(&r, &html_settings1, &html_where1);
	ck_assert(strstr(page, "<pre class=\"hex\">0000  10 06 2a 2a 2a 2a "
	    "3c 26") != NULL);
	ck_assert(strstr(page, "|..****&lt;&amp;|") != NULL);
	free(page);
	report_free(&r);
}
END_TEST

/* A series of several targets: summary, chart, a section each, the
 * last failure shown first and the last success folded after it. */
START_TEST(test_series_page)
{
	struct html_settings s = html_settings1;
	struct html_target t[2];
	struct stats_target st[2];
	struct html_where w[2] = { html_where1, html_where1 };
	struct html_page_target pt[2];
	struct cap c;

	s.count = 5;
	w[1].arg = "other.example";
	for (int i = 0; i < 2; i++) {
		html_target_init(&t[i], 64);
		stats_target_init(&st[i]);
		for (unsigned n = 1; n <= 5; n++) {
			struct report r;
			struct stats_facts f;

			report_init(&r, NULL, NULL);
			if (i == 1 && n == 3) {
				build_ok(&r, 3);
				report_step_start(&r, 4, T0 + 4000u);
				report_step_fail(&r, 4, T0 + 4100u, CAUSE_VERIFY,
				    "expired");
			} else {
				build_ok(&r, REPORT_STEPS);
			}
			report_end(&r, T0 + 9000u + 100u * n);
			stats_facts(&r, &f);
			stats_target_add(&st[i], &r, &f);
			html_target_probe(&t[i], &s, &w[i], n, &r, &f);
			report_free(&r);
		}
		pt[i].where = &w[i];
		pt[i].html = &t[i];
		pt[i].stats = &st[i];
	}
	ck_assert_uint_eq(t[0].nsamples, 5);
	ck_assert_ptr_null(t[0].failed);
	ck_assert_uint_eq(t[1].failed_number, 3);
	ck_assert_uint_eq(t[1].last_number, 5);
	cap_open(&c);
	ck_assert(html_report_write(c.f, &s, pt, 2, false));
	cap_close(&c);
	assert_self_contained(c.buf);
	ck_assert(strstr(c.buf, "id=\"summary\"") != NULL);
	ck_assert(strstr(c.buf, "<svg class=\"chart\"") != NULL);
	ck_assert_uint_eq(count_of(c.buf, "<g class=\"box\">"), 2);
	ck_assert_uint_eq(count_of(c.buf, "<section class=\"target\""), 2);
	ck_assert(strstr(c.buf, "href=\"#t-2\"") != NULL);
	ck_assert(strstr(c.buf, "<td class=\"fail\">FAIL step 4") != NULL);
	ck_assert(strstr(c.buf, "The walk of probe 3 of 5, the last one "
	    "that failed.") != NULL);
	ck_assert(strstr(c.buf, "The walk of the last probe, 5 of 5") != NULL);
	/* five probes of 9.1 to 9.5 ms: the median is 9.3 */
	ck_assert(strstr(c.buf, "<td>9.30</td>") != NULL);
	free(c.buf);
	for (int i = 0; i < 2; i++)
		html_target_free(&t[i]);
}
END_TEST

/* A long series keeps a bounded, uniform sample. */
START_TEST(test_reservoir_bounded)
{
	struct html_target t;
	struct html_settings s = html_settings1;
	struct report r;
	struct stats_facts f;
	double sum = 0;

	html_target_init(&t, 100);
	report_init(&r, NULL, NULL);
	build_ok(&r, 1);
	report_end(&r, T0 + 2000u);
	stats_facts(&r, &f);
	for (unsigned n = 1; n <= 5000; n++) {
		/* the duration is the probe's number, so the sample's mean
		 * tells whether early and late probes are kept alike */
		r.end_us = n * 1000u;
		html_target_probe(&t, &s, &html_where1, n, &r, &f);
	}
	ck_assert_uint_eq(t.nsamples, 100);
	ck_assert_uint_eq(t.seen, 5000);
	for (size_t i = 0; i < t.nsamples; i++)
		sum += t.samples[i].total_ms;
	ck_assert_msg(sum / 100 > 1800 && sum / 100 < 3200,
	    "sample mean %.0f is far from 2500", sum / 100);
	html_target_free(&t);
	report_free(&r);
	html_target_init(&t, 100000);
	ck_assert_uint_eq(t.cap, HTML_SAMPLES_MAX);
	html_target_free(&t);
}
END_TEST

START_TEST(test_percentiles)
{
	static const double v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	ck_assert_double_eq(stats_percentile(v, 0, 50), 0);
	ck_assert_double_eq(stats_percentile(v, 1, 99), 1);
	ck_assert_double_eq(stats_percentile(v, 10, 0), 1);
	ck_assert_double_eq(stats_percentile(v, 10, 100), 10);
	ck_assert_double_eq_tol(stats_percentile(v, 10, 50), 5.5, 1e-9);
	ck_assert_double_eq_tol(stats_percentile(v, 10, 90), 9.1, 1e-9);
	ck_assert_double_eq_tol(stats_percentile(v, 10, 25), 3.25, 1e-9);
}
END_TEST

START_TEST(test_message_names)
{
	struct report_event e = { .kind = EVK_TLS_MSG, .dir = DIR_OUT };
	char buf[64];

	snprintf(e.text, sizeof(e.text), "CERTIFICATE VERIFY (75 bytes)");
	ck_assert_str_eq(html_msg_name(&e, buf, sizeof(buf)),
	    "CertificateVerify");
	snprintf(e.text, sizeof(e.text), "NEW SESSION TICKET");
	ck_assert_str_eq(html_msg_name(&e, buf, sizeof(buf)),
	    "NewSessionTicket");
	e.kind = EVK_MQTT;
	snprintf(e.text, sizeof(e.text), "CONNACK session_present=0");
	ck_assert_str_eq(html_msg_name(&e, buf, sizeof(buf)), "CONNACK");
	e.kind = EVK_TLS_RECORD;
	snprintf(e.text, sizeof(e.text), "application_data (23), 49 bytes");
	ck_assert_str_eq(html_msg_name(&e, buf, sizeof(buf)),
	    "application_data (23)");
}
END_TEST

/* --- the file ----------------------------------------------------------- */

static char file_dir[] = "/tmp/check_report_html.XXXXXX";

static void
file_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(file_dir));
}

static void
file_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", file_dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(file_dir, sizeof(file_dir), "/tmp/check_report_html.XXXXXX");
}

START_TEST(test_file_replaced_whole)
{
	struct html_file hf;
	char path[256], err[512], old[64] = "", tmpname[300];
	struct stat st;
	FILE *f;
	mode_t mask = umask(022);

	snprintf(path, sizeof(path), "%s/report.html", file_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("old page", f);
	fclose(f);
	ck_assert_int_eq(html_file_open(&hf, path, err, sizeof(err)), 0);
	snprintf(tmpname, sizeof(tmpname), "%s", hf.tmp);
	fputs("<!DOCTYPE html>new", hf.out);
	fflush(hf.out);
	/* until the commit, the old page stays as it was */
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(old, sizeof(old), f));
	fclose(f);
	ck_assert_str_eq(old, "old page");
	ck_assert_int_eq(html_file_commit(&hf, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(access(tmpname, F_OK), -1);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(old, sizeof(old), f));
	fclose(f);
	ck_assert_str_eq(old, "<!DOCTYPE html>new");
	umask(mask);
}
END_TEST

START_TEST(test_file_errors_named)
{
	struct html_file hf;
	char path[256], err[512];

	/* a directory that does not exist */
	snprintf(path, sizeof(path), "%s/no/such/dir/r.html", file_dir);
	ck_assert_int_eq(html_file_open(&hf, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "--report") != NULL &&
	    strstr(err, path) != NULL && strstr(err, strerror(ENOENT)) !=
	    NULL, "%s", err);
	/* a directory in the way */
	ck_assert_int_eq(html_file_open(&hf, file_dir, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "is a directory") != NULL, "%s", err);
	/* an abort leaves nothing behind */
	snprintf(path, sizeof(path), "%s/r.html", file_dir);
	ck_assert_int_eq(html_file_open(&hf, path, err, sizeof(err)), 0);
	html_file_abort(&hf);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(rmdir(file_dir), 0);
	ck_assert_int_eq(mkdir(file_dir, 0700), 0);
}
END_TEST

static Suite *
report_html_suite(void)
{
	Suite *s = suite_create("report_html");
	TCase *tc = tcase_create("page");

	tcase_add_test(tc, test_success_page);
	tcase_add_test(tc, test_verify_failure_page);
	tcase_add_test(tc, test_connack_failure_page);
	tcase_add_test(tc, test_timeout_diagnosis_caps);
	tcase_add_test(tc, test_alert_drawn);
	tcase_add_test(tc, test_hostile_text_escaped);
	tcase_add_test(tc, test_unverified_marked);
	tcase_add_test(tc, test_unencrypted_marked);
	tcase_add_test(tc, test_dropped_events_said);
	tcase_add_test(tc, test_hexdump_in_events);
	tcase_add_test(tc, test_series_page);
	tcase_add_test(tc, test_reservoir_bounded);
	tcase_add_test(tc, test_percentiles);
	tcase_add_test(tc, test_message_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, file_setup, file_teardown);
	tcase_add_test(tc, test_file_replaced_whole);
	tcase_add_test(tc, test_file_errors_named);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(report_html_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
