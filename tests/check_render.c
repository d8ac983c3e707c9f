/*
 * check_render.c: the text renderer against reports built by hand.
 *
 * Reports are built with the report_* builders (never by the engine), so
 * a renderer test cannot pass or fail because of engine behaviour.  The
 * output goes to a memory stream and is compared line by line.
 */
#define _GNU_SOURCE	/* open_memstream, memmem */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "render.h"
#include "report.h"

#define T0 1000000u
#define TARGET "broker.example:8883"

/* A renderer writing to memory, and what it wrote once closed. */
struct render_cap {
	struct render_text rt;
	char *buf;
	size_t len;
};

static void
render_cap_open(struct render_cap *c, bool color, bool quiet, int verbose,
    int steps)
{
	memset(c, 0, sizeof(*c));
	c->rt.out = open_memstream(&c->buf, &c->len);
	ck_assert_ptr_nonnull(c->rt.out);
	c->rt.color = color;
	c->rt.quiet = quiet;
	c->rt.verbose = verbose;
	c->rt.target = TARGET;
	c->rt.steps = steps;
	/* wide: these tests read whole lines; the width tests set 80/160 */
	c->rt.width = 2000;
}

/* Flush and close; c->buf then holds the whole output, NUL-terminated. */
static void
render_cap_close(struct render_cap *c)
{
	ck_assert_int_eq(fclose(c->rt.out), 0);
	c->rt.out = NULL;
	ck_assert_ptr_nonnull(c->buf);
	/* the renderer must never write a NUL: text stays one C string */
	ck_assert_uint_eq(strlen(c->buf), c->len);
}

static size_t
render_count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Copy the line that contains p (without its newline) into out. */
static void
render_line_at(const char *buf, const char *p, char *out, size_t len)
{
	const char *start = p, *end = strchr(p, '\n');

	while (start > buf && start[-1] != '\n')
		start--;
	if (end == NULL)
		end = p + strlen(p);
	snprintf(out, len, "%.*s", (int)(end - start), start);
}

/* The line that starts with prefix, or fail. */
static void
render_find_line(const char *buf, const char *prefix, char *out, size_t len)
{
	const char *p = buf;

	for (;;) {
		p = strstr(p, prefix);
		ck_assert_msg(p != NULL, "no line starts with '%s' in:\n%s",
		    prefix, buf);
		if (p == buf || p[-1] == '\n')
			break;
		p++;
	}
	render_line_at(buf, p, out, len);
}

/* Both occur in buf, a first. */
static bool
render_before(const char *buf, const char *a, const char *b)
{
	const char *pa = strstr(buf, a), *pb = strstr(buf, b);

	return pa != NULL && pb != NULL && pa < pb;
}

/* The last non-empty line, with the indented lines that continue it
 * when it wrapped, joined by single spaces. */
static void
render_last_line(const char *buf, char *out, size_t len)
{
	size_t n = strlen(buf), o = 0;
	const char *end, *start;

	while (n > 0 && buf[n - 1] == '\n')
		n--;
	end = buf + n;
	start = end;
	for (;;) {
		while (start > buf && start[-1] != '\n')
			start--;
		if (start == buf || *start != ' ')
			break;
		start--;
	}
	for (const char *p = start; p < end && o + 1 < len; p++) {
		if (*p == '\n') {
			out[o++] = ' ';
			while (p + 1 < end && p[1] == ' ')
				p++;
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

/* The three-state line printed under step's line. */
static void
render_states_after(const char *buf, int step, char *out, size_t len)
{
	char head[16];
	const char *p;

	snprintf(head, sizeof(head), "[%d/%d]", step, REPORT_STEPS);
	p = strstr(buf, head);
	ck_assert_msg(p != NULL, "no %s in:\n%s", head, buf);
	p = strstr(p, "\n      TCP: ");
	ck_assert_msg(p != NULL, "no state line after %s", head);
	render_line_at(buf, p + 1, out, len);
}

static void
render_step_details(struct report *r, int s)
{
	/* a few details in the shapes the engine uses */
	switch (s) {
	case STEP_TCP:
		report_detail(r, s, "target", "broker.example port 8883");
		report_detail(r, s, "peer", "192.0.2.7 port 8883");
		break;
	case STEP_VERIFY:
		report_detail(r, s, "verdict", "trusted");
		break;
	case STEP_KEYS:
		report_detail(r, s, "tls_version", "TLS1.3");
		report_detail(r, s, "cipher_suite", "TLS_AES_256_GCM_SHA384");
		break;
	case STEP_CONNECT:
		report_detail(r, s, "mqtt_version", "3.1.1");
		break;
	case STEP_PUBSUB:
		report_detail(r, s, "round_trip_us", "1234");
		break;
	}
}

/*
 * Steps 1..upto succeed: step s runs from T0+1000s to T0+1000s+500.
 * With the renderer as listener, each step prints as it ends.
 */
static void
render_build_ok(struct report *r, int upto)
{
	report_begin(r, T0, 0);
	for (int s = 1; s <= upto; s++) {
		report_step_start(r, s, T0 + 1000u * (unsigned)s);
		render_step_details(r, s);
		report_step_ok(r, s, T0 + 1000u * (unsigned)s + 500u);
	}
}

static void
render_full_run(struct render_cap *c, struct report *r, bool color,
    bool quiet)
{
	render_cap_open(c, color, quiet, 0, REPORT_STEPS);
	report_init(r, render_text_live, &c->rt);
	render_build_ok(r, REPORT_STEPS);
	report_end(r, T0 + 9000u);
	render_text_finish(&c->rt, r);
	render_cap_close(c);
}

/* A run that fails at step 4 because the chain is not trusted. */
#define VERIFY_REASON "the certificate is signed by an unknown authority"
static void
render_verify_failure(struct render_cap *c, struct report *r, bool color)
{
	render_cap_open(c, color, false, 0, REPORT_STEPS);
	report_init(r, render_text_live, &c->rt);
	render_build_ok(r, 3);
	report_step_start(r, STEP_VERIFY, T0 + 4000u);
	report_detail(r, STEP_VERIFY, "verdict", "NOT trusted");
	report_step_fail(r, STEP_VERIFY, T0 + 4250u, CAUSE_VERIFY, "%s",
	    VERIFY_REASON);
	report_hint(r, "give the broker's CA with --cafile");
	report_end(r, T0 + 4300u);
	render_text_finish(&c->rt, r);
	render_cap_close(c);
}

/* ---- success ----------------------------------------------------------- */

START_TEST(test_full_success)
{
	static const char *const states[REPORT_STEPS + 1] = {
		NULL,
		"      TCP: Established | TLS: Not started | MQTT: Disconnected",
		"      TCP: Established | TLS: In progress | MQTT: Disconnected",
		"      TCP: Established | TLS: In progress | MQTT: Disconnected",
		"      TCP: Established | TLS: Certificate verified | "
		    "MQTT: Disconnected",
		"      TCP: Established | TLS: Secure channel ready | "
		    "MQTT: Disconnected",
		"      TCP: Established | TLS: Secure channel ready | "
		    "MQTT: Disconnected",
		"      TCP: Established | TLS: Secure channel ready | "
		    "MQTT: Connected (CONNACK received)",
		"      TCP: Established | TLS: Secure channel ready | "
		    "MQTT: Connected (secure)",
	};
	struct render_cap c;
	struct report r;
	char line[1024], head[16];

	render_full_run(&c, &r, false, false);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		snprintf(head, sizeof(head), "[%d/8] ", s);
		render_find_line(c.buf, head, line, sizeof(line));
		ck_assert_msg(strstr(line, report_step_name(s)) != NULL, "%s",
		    line);
		ck_assert_msg(strstr(line, " ok ") != NULL, "%s", line);
		/* each step took 500 us */
		ck_assert_msg(strstr(line, "0.50 ms") != NULL, "%s", line);
		render_states_after(c.buf, s, line, sizeof(line));
		ck_assert_str_eq(line, states[s]);
	}
	/* steps come in order and each exactly once */
	for (int s = 1; s < REPORT_STEPS; s++) {
		char a[16], b[16];

		snprintf(a, sizeof(a), "[%d/8]", s);
		snprintf(b, sizeof(b), "[%d/8]", s + 1);
		ck_assert(render_before(c.buf, a, b));
		ck_assert_ptr_null(strstr(strstr(c.buf, a) + 1, a));
	}
	ck_assert_ptr_nonnull(strstr(c.buf, "\nStatus tracker\n"));
	/* details are shown under their labels */
	render_find_line(c.buf, "      connected to", line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "192.0.2.7 port 8883"));
	render_last_line(c.buf, line, sizeof(line));
	ck_assert_msg(strncmp(line, "OK ", 3) == 0, "%s", line);
	ck_assert_ptr_null(strstr(c.buf, "not reached"));
	ck_assert_ptr_null(strstr(c.buf, "FAIL"));
	report_free(&r);
	free(c.buf);
}
END_TEST

/* A whole walk rendered at width columns. */
static void
render_walk_at(struct render_cap *c, struct report *r, int width, int fail)
{
	render_cap_open(c, false, false, 0, REPORT_STEPS);
	c->rt.width = width;
	report_init(r, render_text_live, &c->rt);
	if (fail == 0)
		render_build_ok(r, REPORT_STEPS);
	else {
		render_build_ok(r, fail - 1);
		report_step_start(r, fail, T0 + 1000u * (unsigned)fail);
		report_step_fail(r, fail, T0 + 1000u * (unsigned)fail + 300u,
		    CAUSE_VERIFY, "certificate expired 2161 days ago "
		    "(certificate 0, on 2021-01-01 00:00 UTC), and a reason long "
		    "enough to need three lines at eighty columns, which the "
		    "renderer must wrap with a hanging indent under its label");
		report_hint(r, "the broker's certificate (CN=broker.example) "
		    "expired on 2021-01-01 00:00 UTC, 2161 days ago: it must be "
		    "renewed on the broker");
	}
	report_end(r, T0 + 9000u);
	render_text_finish(&c->rt, r);
	render_cap_close(c);
}

/* No line wider than width, and every state of the tracker whole on
 * one line (never "Secure" / "channel" / "ready" stacked). */
static void
render_assert_fits(const char *buf, int width)
{
	static const char *const states[] = {
		"Not started", "In progress", "Certificate verified",
		"Secure channel ready", "Connected (CONNACK received)",
		"Connected (secure)",
	};
	const char *t = strstr(buf, "Status tracker\n");

	for (const char *p = buf; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t w = nl != NULL ? (size_t)(nl - p) : strlen(p);

		ck_assert_msg(w <= (size_t)width, "a line of %zu columns at %d:\n"
		    "%.*s", w, width, (int)w, p);
		p = nl != NULL ? nl + 1 : p + w;
	}
	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strstr(buf, states[i]) != NULL)
			ck_assert_msg(strstr(t, states[i]) != NULL,
			    "'%s' broken in the tracker:\n%s", states[i], t);
}

/* 80 columns: the columns where a state changes, as the walkthrough
 * shows them, in two tables; nothing wider than 80. */
START_TEST(test_tracker_80)
{
	struct render_cap c;
	struct report r;
	const char *t;
	char line[1024];

	render_walk_at(&c, &r, 80, 0);
	render_assert_fits(c.buf, 80);
	t = strstr(c.buf, "Status tracker\n");
	render_find_line(t, "      Start", line, sizeof(line));
	ck_assert_str_eq(line, "      Start         After 1       After 2       "
	    "After 4");
	render_find_line(t, "      After 5", line, sizeof(line));
	ck_assert_str_eq(line, "      After 5               After 7          "
	    "             Final");
	render_find_line(t, "TLS   Not", line, sizeof(line));
	ck_assert_str_eq(line, "TLS   Not started   Not started   In progress   "
	    "Certificate verified");
	render_find_line(t, "MQTT  Disconnected          Connected", line,
	    sizeof(line));
	ck_assert_str_eq(line, "MQTT  Disconnected          Connected (CONNACK "
	    "received)  Connected (secure)");
	/* the steps where nothing changes are left out */
	ck_assert_ptr_null(strstr(t, "After 3"));
	ck_assert_ptr_null(strstr(t, "After 6"));
	/* the verdict wraps with an indent, its head first */
	render_last_line(c.buf, line, sizeof(line));
	ck_assert_msg(strncmp(line, "OK " TARGET ": all 8 steps", 28) == 0,
	    "%s", line);
	report_free(&r);
	free(c.buf);
}
END_TEST

/* 160 columns: the same columns in one table. */
START_TEST(test_tracker_160)
{
	struct render_cap c;
	struct report r;
	const char *t;
	char line[1024];

	render_walk_at(&c, &r, 160, 0);
	render_assert_fits(c.buf, 160);
	t = strstr(c.buf, "Status tracker\n");
	render_find_line(t, "      Start", line, sizeof(line));
	ck_assert_str_eq(line, "      Start         After 1       After 2       "
	    "After 4               After 5               After 7            "
	    "           Final");
	render_find_line(t, "MQTT  ", line, sizeof(line));
	ck_assert_str_eq(line, "MQTT  Disconnected  Disconnected  Disconnected  "
	    "Disconnected          Disconnected          Connected (CONNACK "
	    "received)  Connected (secure)");
	/* one table: one heading line */
	ck_assert_ptr_null(strstr(t, "\n      After 5"));
	/* wide enough for all nine columns: every step has its own */
	report_free(&r);
	free(c.buf);
	render_walk_at(&c, &r, 200, 0);
	render_assert_fits(c.buf, 200);
	t = strstr(c.buf, "Status tracker\n");
	for (int s = 1; s < REPORT_STEPS; s++) {
		char h[16];

		snprintf(h, sizeof(h), "After %d", s);
		ck_assert_msg(strstr(t, h) != NULL, "%s missing:\n%s", h, t);
	}
	report_free(&r);
	free(c.buf);
}
END_TEST

/* After a failure: the columns up to it and one "not reached" column,
 * not five columns of dashes; failed:, hint: and the verdict wrapped
 * with a hanging indent. */
START_TEST(test_tracker_after_failure)
{
	struct render_cap c;
	struct report r;
	const char *t;
	char line[1024];

	render_walk_at(&c, &r, 80, STEP_VERIFY);
	render_assert_fits(c.buf, 80);
	t = strstr(c.buf, "Status tracker\n");
	render_find_line(t, "      Start", line, sizeof(line));
	ck_assert_str_eq(line, "      Start         After 1       After 2       "
	    "After 4       Steps 5-8");
	render_find_line(t, "TLS   ", line, sizeof(line));
	ck_assert_str_eq(line, "TLS   Not started   Not started   In progress   "
	    "Failed        not reached");
	ck_assert_ptr_null(strstr(t, " - "));
	/* "failed: " hangs its continuation under the text */
	render_find_line(c.buf, "      failed: certificate expired", line,
	    sizeof(line));
	ck_assert_ptr_nonnull(strstr(c.buf, "\n              "));
	render_find_line(c.buf, "hint: the broker's", line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(c.buf, "\n      expired on") != NULL ?
	    "" : strstr(c.buf, "\n      "));
	render_last_line(c.buf, line, sizeof(line));
	ck_assert_msg(strncmp(line, "FAIL step 4 (Certificate verification) on "
	    TARGET ": certificate expired", 60) == 0, "%s", line);
	report_free(&r);
	free(c.buf);
}
END_TEST

START_TEST(test_quiet_one_line)
{
	struct render_cap c;
	struct report r;

	render_full_run(&c, &r, false, true);
	ck_assert_uint_eq(render_count_lines(c.buf), 1);
	ck_assert_msg(strncmp(c.buf, "OK " TARGET ": all 8 steps", 28) == 0,
	    "%s", c.buf);
	report_free(&r);
	free(c.buf);

	/* a failure too */
	render_cap_open(&c, false, true, 1, REPORT_STEPS);
	report_init(&r, render_text_live, &c.rt);
	render_build_ok(&r, 1);
	report_step_start(&r, STEP_CLIENT_HELLO, T0 + 2000u);
	report_step_fail(&r, STEP_CLIENT_HELLO, T0 + 2100u, CAUSE_TLS, "no");
	report_event(&r, STEP_CLIENT_HELLO, T0 + 2200u, 0, "event");
	report_hint(&r, "hint");
	report_end(&r, T0 + 2300u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);
	ck_assert_uint_eq(render_count_lines(c.buf), 1);
	ck_assert_str_eq(c.buf, "FAIL step 2 (ClientHello sent) on " TARGET ": no\n");
	report_free(&r);
	free(c.buf);
}
END_TEST

/* ---- failure ----------------------------------------------------------- */

START_TEST(test_failure_at_verify)
{
	struct render_cap c;
	struct report r;
	char line[1024], head[16];

	render_verify_failure(&c, &r, false);
	render_find_line(c.buf, "[4/8] ", line, sizeof(line));
	ck_assert_msg(strstr(line, "FAILED") != NULL, "%s", line);
	ck_assert_msg(strstr(line, "0.25 ms") != NULL, "%s", line);
	render_find_line(c.buf, "      failed: ", line, sizeof(line));
	ck_assert_str_eq(line, "      failed: " VERIFY_REASON);
	render_states_after(c.buf, 4, line, sizeof(line));
	ck_assert_str_eq(line, "      TCP: Established | TLS: Failed | "
	    "MQTT: Disconnected");
	for (int s = 5; s <= REPORT_STEPS; s++) {
		snprintf(head, sizeof(head), "[%d/8] ", s);
		render_find_line(c.buf, head, line, sizeof(line));
		ck_assert_msg(strstr(line, report_step_name(s)) != NULL, "%s",
		    line);
		ck_assert_msg(strstr(line, "not reached") != NULL, "%s", line);
		/* a step that never ran has no time at all */
		ck_assert_msg(strstr(line, " ms") == NULL, "%s", line);
		ck_assert_msg(strstr(line, "0.00") == NULL, "%s", line);
	}
	render_find_line(c.buf, "hint: ", line, sizeof(line));
	ck_assert_str_eq(line, "hint: give the broker's CA with --cafile");
	render_last_line(c.buf, line, sizeof(line));
	ck_assert_str_eq(line, "FAIL step 4 (Certificate verification) on " TARGET ": "
	    VERIFY_REASON);
	/* the not-reached steps carry no state line of their own */
	ck_assert_ptr_null(strstr(strstr(c.buf, "[5/8]"), "      TCP: "));
	report_free(&r);
	free(c.buf);
}
END_TEST

START_TEST(test_skipped_steps)
{
	struct render_cap c;
	struct report r;
	char line[1024];

	render_cap_open(&c, false, false, 0, 7);
	report_init(&r, render_text_live, &c.rt);
	render_build_ok(&r, 7);
	report_step_skip(&r, STEP_PUBSUB);
	report_end(&r, T0 + 8000u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);

	render_find_line(c.buf, "[8/8] ", line, sizeof(line));
	ck_assert_msg(strstr(line, "skipped") != NULL, "%s", line);
	ck_assert_msg(strstr(line, "(--steps 7)") != NULL, "%s", line);
	ck_assert_msg(strstr(line, " ms") == NULL, "%s", line);
	render_last_line(c.buf, line, sizeof(line));
	ck_assert_msg(strncmp(line, "OK " TARGET ": first 7 steps in ",
	    strlen("OK " TARGET ": first 7 steps in ")) == 0, "%s", line);
	ck_assert_ptr_nonnull(strstr(strstr(c.buf, "Status tracker"),
	    "skipped"));
	report_free(&r);
	free(c.buf);
}
END_TEST

START_TEST(test_unverified)
{
	struct render_cap c;
	struct report r;
	char line[1024];

	render_cap_open(&c, false, false, 0, REPORT_STEPS);
	report_init(&r, render_text_live, &c.rt);
	report_begin(&r, T0, 0);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		report_step_start(&r, s, T0 + 1000u * (unsigned)s);
		if (s == STEP_VERIFY) {
			report_unverified(&r);
			report_detail(&r, s, "insecure", "UNVERIFIED: "
			    "continuing because of --insecure");
		}
		report_step_ok(&r, s, T0 + 1000u * (unsigned)s + 500u);
	}
	report_end(&r, T0 + 9000u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);

	render_states_after(c.buf, 4, line, sizeof(line));
	/* not "In progress" as if nothing happened: marked, as step 4 is */
	ck_assert_str_eq(line, "      TCP: Established | TLS: NOT verified (-k) "
	    "| MQTT: Disconnected");
	render_find_line(c.buf, "[4/8]", line, sizeof(line));
	ck_assert_msg(strstr(line, "FAILED, going on: --insecure") != NULL,
	    "%s", line);
	render_states_after(c.buf, 8, line, sizeof(line));
	ck_assert_msg(strstr(line, "MQTT: Connected (UNVERIFIED)") != NULL,
	    "%s", line);
	render_find_line(c.buf, "      INSECURE", line, sizeof(line));
	/* a banner under step 4 and again above the verdict */
	render_find_line(c.buf, "!! UNVERIFIED", line, sizeof(line));
	ck_assert(render_before(c.buf, "[4/8]", "!! UNVERIFIED"));
	ck_assert(render_before(c.buf, "!! UNVERIFIED", "[5/8]"));
	ck_assert_ptr_nonnull(strstr(strstr(c.buf, "Status tracker"),
	    "!! UNVERIFIED"));
	render_last_line(c.buf, line, sizeof(line));
	ck_assert_msg(strncmp(line, "OK UNVERIFIED ", 14) == 0, "%s", line);
	ck_assert_msg(strstr(line, "(certificate NOT trusted, --insecure)") !=
	    NULL, "%s", line);
	report_free(&r);
	free(c.buf);
}
END_TEST

/* ---- verdict ----------------------------------------------------------- */

/* The time --pause held the walk, said once, before the verdict. */
START_TEST(test_held_said_once)
{
	struct render_cap c;
	struct report r;
	const char *p;

	render_cap_open(&c, false, false, 0, REPORT_STEPS);
	report_init(&r, render_text_live, &c.rt);
	render_build_ok(&r, 1);
	report_held(&r, 41200000u);
	report_end(&r, T0 + 41200000u + 3000u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);
	p = strstr(c.buf, "\nheld 41.2 s at the --pause prompts, counted in no "
	    "time above\n");
	ck_assert_msg(p != NULL, "%s", c.buf);
	ck_assert_ptr_null(strstr(p + 2, "held 41.2"));
	ck_assert(render_before(c.buf, "held 41.2", "OK "));
	/* nothing said when nothing was held */
	report_free(&r);
	free(c.buf);
	render_full_run(&c, &r, false, false);
	ck_assert_ptr_null(strstr(c.buf, "--pause prompts"));
	report_free(&r);
	free(c.buf);
}
END_TEST

/*
 * A token longer than the line (a DN, a URL) is cut after one of its own
 * separators, not in the middle of a name; nothing is lost or added, and
 * a token with no separator is cut at the width.
 */
START_TEST(test_wrap_long_token)
{
	static const char dn[] = "CN=broker.internal.example.com,OU=Messaging"
	    ",O=Example Industries,L=Springfield,C=US";
	static const char url[] = "see https://docs.example.com/mqtts-probe/"
	    "troubleshooting/certificates/expired-intermediate-ca.html now";
	static const char *const texts[] = { dn, url };
	char *buf = NULL;
	size_t len = 0;

	for (size_t t = 0; t < 2; t++) {
		const char *text = texts[t];
		FILE *f = open_memstream(&buf, &len);
		size_t pos = 0;

		ck_assert_ptr_nonnull(f);
		render_wrapped(f, 40, "issuer: ", 8, "", text, "");
		fclose(f);
		/* line by line, the pieces are the text in order (the
		 * spaces where lines break left out); every line fits, and
		 * a cut inside a token comes after a separator */
		for (const char *p = buf; *p != '\0';) {
			const char *nl = strchr(p, '\n');
			size_t w;

			ck_assert_ptr_nonnull(nl);
			w = (size_t)(nl - p);
			ck_assert_msg(w <= 40 && w > 8, "%zu columns:\n%s", w,
			    buf);
			ck_assert_msg(strncmp(p, p == buf ? "issuer: " :
			    "        ", 8) == 0, "%s", buf);
			while (text[pos] == ' ')
				pos++;
			ck_assert_msg(strncmp(text + pos, p + 8, w - 8) == 0,
			    "not the text at %zu:\n%s", pos, buf);
			pos += w - 8;
			if (text[pos] != ' ' && text[pos] != '\0')
				ck_assert_msg(strchr("/,;:=&?@.-_",
				    text[pos - 1]) != NULL,
				    "cut inside a name:\n%s", buf);
			p = nl + 1;
		}
		ck_assert_uint_eq(pos, strlen(text));
		free(buf);
		buf = NULL;
	}
	/* the DN breaks after its commas, the URL after its slashes */
	{
		FILE *f = open_memstream(&buf, &len);

		render_wrapped(f, 40, "issuer: ", 8, "", dn, "");
		fclose(f);
		ck_assert_msg(strstr(buf, "example.com,\n") != NULL, "%s", buf);
		free(buf);
		buf = NULL;
		f = open_memstream(&buf, &len);
		render_wrapped(f, 40, "issuer: ", 8, "", url, "");
		fclose(f);
		ck_assert_msg(strstr(buf, "certificates/\n") != NULL ||
		    strstr(buf, "troubleshooting/\n") != NULL, "%s", buf);
		free(buf);
		buf = NULL;
	}
	/* no separator at all: cut at the width, still whole */
	{
		char word[100];
		FILE *f;

		memset(word, 'x', sizeof word - 1);
		word[sizeof word - 1] = '\0';
		f = open_memstream(&buf, &len);
		render_wrapped(f, 40, "", 0, "", word, "");
		fclose(f);
		ck_assert_str_eq(buf, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
		    "xxxxxxxxxxxxxxxxxxx\n");
		free(buf);
	}
}
END_TEST

START_TEST(test_verdict_formats)
{
	struct report r;
	char buf[1024];

	report_init(&r, NULL, NULL);
	render_build_ok(&r, REPORT_STEPS);
	report_end(&r, T0 + 9000u);
	render_verdict(&r, TARGET, REPORT_STEPS, buf, sizeof(buf));
	ck_assert_str_eq(buf, "OK " TARGET ": all 8 steps in 9.00 ms, "
	    "TLS1.3 TLS_AES_256_GCM_SHA384, MQTT 3.1.1, round trip 1.234 ms");
	report_free(&r);

	/* without details, nothing dangles */
	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_TCP, T0 + 10u);
	report_step_ok(&r, STEP_TCP, T0 + 20u);
	report_end(&r, T0 + 1500u);
	render_verdict(&r, "h", 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "OK h: first 1 step in 1.50 ms");
	render_verdict(&r, "h", 5, buf, sizeof(buf));
	ck_assert_str_eq(buf, "OK h: first 5 steps in 1.50 ms");
	report_unverified(&r);
	render_verdict(&r, "h", 5, buf, sizeof(buf));
	ck_assert_str_eq(buf, "OK UNVERIFIED h: first 5 steps in 1.50 ms "
	    "(certificate NOT trusted, --insecure)");
	report_free(&r);

	report_init(&r, NULL, NULL);
	render_build_ok(&r, 6);
	report_step_start(&r, STEP_CONNACK, T0 + 7000u);
	report_step_fail(&r, STEP_CONNACK, T0 + 7100u, CAUSE_REFUSED,
	    "the broker refused the connection: CONNACK return code 0x05 "
	    "(not authorized)");
	render_verdict(&r, TARGET, REPORT_STEPS, buf, sizeof(buf));
	ck_assert_str_eq(buf, "FAIL step 7 (CONNACK received) on " TARGET ": the broker "
	    "refused the connection: CONNACK return code 0x05 "
	    "(not authorized)");
	/* a short buffer truncates and stays a string */
	memset(buf, 'Z', sizeof(buf));
	render_verdict(&r, TARGET, REPORT_STEPS, buf, 10);
	ck_assert_str_eq(buf, "FAIL step");
	ck_assert_int_eq(buf[10], 'Z');
	report_free(&r);
}
END_TEST

/* ---- color ------------------------------------------------------------- */

static void render_teaching_run(struct render_cap *c, struct report *r,
    bool color);

/* Loop: 0 = success, 1 = failure, 2 = unverified + skipped, 3 = the
 * teaching aids (--explain --trace --hexdump). */
static void
render_any_run(struct render_cap *c, struct report *r, int kind, bool color)
{
	if (kind == 3) {
		render_teaching_run(c, r, color);
		return;
	}
	if (kind == 0) {
		render_full_run(c, r, color, false);
		return;
	}
	if (kind == 1) {
		render_verify_failure(c, r, color);
		return;
	}
	render_cap_open(c, color, false, 2, 7);
	report_init(r, render_text_live, &c->rt);
	report_begin(r, T0, 0);
	for (int s = 1; s <= 7; s++) {
		report_step_start(r, s, T0 + 1000u * (unsigned)s);
		report_event(r, s, T0 + 1000u * (unsigned)s + 1u, s % 3, "ev");
		if (s == STEP_VERIFY) {
			report_unverified(r);
			report_detail(r, s, "insecure", "UNVERIFIED");
			report_detail(r, s, "verdict", "NOT trusted");
		}
		report_step_ok(r, s, T0 + 1000u * (unsigned)s + 500u);
	}
	report_step_skip(r, STEP_PUBSUB);
	report_hint(r, "a hint");
	report_end(r, T0 + 8000u);
	render_text_finish(&c->rt, r);
	render_cap_close(c);
}

START_TEST(test_color_off_no_escape)
{
	struct render_cap c;
	struct report r;

	render_any_run(&c, &r, _i, false);
	ck_assert_ptr_null(memchr(c.buf, '\033', c.len));
	report_free(&r);
	free(c.buf);
}
END_TEST

START_TEST(test_color_on_escapes)
{
	struct render_cap c;
	struct report r;
	char line[1024];

	render_any_run(&c, &r, _i, true);
	ck_assert_ptr_nonnull(memchr(c.buf, '\033', c.len));
	/* every line that sets a color resets it before it ends */
	for (const char *p = c.buf; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t w = nl != NULL ? (size_t)(nl - p) : strlen(p);

		snprintf(line, sizeof(line), "%.*s", (int)w, p);
		if (strchr(line, '\033') != NULL)
			ck_assert_msg(strstr(line, "\033[0m") != NULL, "%s",
			    line);
		p = nl != NULL ? nl + 1 : p + w;
	}
	/* the verdict line is colored as a whole */
	render_last_line(c.buf, line, sizeof(line));
	ck_assert_int_eq(line[0], '\033');
	ck_assert_msg(strstr(line, "\033[0m") == line + strlen(line) - 4,
	    "%s", line);
	report_free(&r);
	free(c.buf);
}
END_TEST

/* ---- events ------------------------------------------------------------ */

static void
render_events_run(struct render_cap *c, struct report *r, int verbose)
{
	render_cap_open(c, false, false, verbose, REPORT_STEPS);
	report_init(r, render_text_live, &c->rt);
	report_begin(r, T0, 0);
	report_step_start(r, STEP_TCP, T0 + 100u);
	report_event(r, STEP_TCP, T0 + 200u, 0, "trying 192.0.2.7 port 8883");
	report_event(r, STEP_TCP, T0 + 300u, 1, "level one detail");
	report_event(r, STEP_TCP, T0 + 400u, 2, "level two detail");
	report_step_ok(r, STEP_TCP, T0 + 500u);
	report_step_start(r, STEP_CLIENT_HELLO, T0 + 600u);
	report_step_fail(r, STEP_CLIENT_HELLO, T0 + 700u, CAUSE_TLS, "x");
	/* an event that arrives after the last step printed */
	report_event(r, STEP_CLIENT_HELLO, T0 + 800u, 0, "late event");
	report_end(r, T0 + 900u);
	render_text_finish(&c->rt, r);
	render_cap_close(c);
}

START_TEST(test_event_levels)
{
	struct render_cap c;
	struct report r;
	char line[1024];

	render_events_run(&c, &r, 0);
	render_find_line(c.buf, "      ", line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(c.buf, "trying 192.0.2.7 port 8883"));
	ck_assert_ptr_nonnull(strstr(c.buf, "late event"));
	ck_assert_ptr_null(strstr(c.buf, "level one detail"));
	ck_assert_ptr_null(strstr(c.buf, "level two detail"));
	/* an event shows its time since the start */
	render_find_line(c.buf, "         0.200 ms  trying", line,
	    sizeof(line));
	/* and comes under its step, before the next step */
	ck_assert(render_before(c.buf, "trying", "[2/8]"));
	report_free(&r);
	free(c.buf);

	render_events_run(&c, &r, 1);
	ck_assert_ptr_nonnull(strstr(c.buf, "trying 192.0.2.7 port 8883"));
	ck_assert_ptr_nonnull(strstr(c.buf, "level one detail"));
	ck_assert_ptr_null(strstr(c.buf, "level two detail"));
	report_free(&r);
	free(c.buf);

	render_events_run(&c, &r, 2);
	ck_assert_ptr_nonnull(strstr(c.buf, "level two detail"));
	report_free(&r);
	free(c.buf);
}
END_TEST

static size_t render_count(const char *hay, const char *needle);

/* A flood: the first REPORT_MAX_EVENTS events under their step, then
 * one line with the count of the rest, digits grouped. */
START_TEST(test_events_dropped_line)
{
	struct render_cap c;
	struct report r;
	char line[1024];

	render_cap_open(&c, false, false, 0, REPORT_STEPS);
	report_init(&r, render_text_live, &c.rt);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_TCP, T0 + 100u);
	for (unsigned i = 0; i < REPORT_MAX_EVENTS + 1234567u; i++)
		report_event(&r, STEP_TCP, T0 + 200u, 0, "ignored packet");
	report_step_fail(&r, STEP_TCP, T0 + 700u, CAUSE_TIMEOUT, "timed out");
	report_end(&r, T0 + 900u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);
	ck_assert_uint_eq(render_count(c.buf, "ignored packet"),
	    REPORT_MAX_EVENTS);
	render_find_line(c.buf, "      and ", line, sizeof(line));
	ck_assert_str_eq(line, "      and 1,234,567 more events not shown (a "
	    "report keeps the first 200 of a step)");
	ck_assert(render_before(c.buf, "ignored packet", "      and 1,234,567"));
	ck_assert(render_before(c.buf, "      and 1,234,567", "failed: timed"));
	report_free(&r);
	free(c.buf);
}
END_TEST

/* ---- hostile text ------------------------------------------------------ */

START_TEST(test_hostile_text)
{
	struct render_cap c;
	struct report r;
	char big[REPORT_TEXT_MAX + 100];
	static const char fmt[] = "%s%n%x%p%%%.9999d";

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	render_cap_open(&c, false, false, 2, REPORT_STEPS);
	report_init(&r, render_text_live, &c.rt);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_TCP, T0 + 1u);
	report_detail(&r, STEP_TCP, "peer", "%s", big);
	report_detail(&r, STEP_TCP, "fmt", "%s", fmt);
	/* an unknown key longer than any label, with '%' in it */
	report_detail(&r, STEP_TCP, "%s_%n_key_that_is_far_too_long_to_fit",
	    "%s", "v");
	report_event(&r, STEP_TCP, T0 + 2u, 0, "%s", fmt);
	report_event(&r, STEP_TCP, T0 + 3u, 0, "%s", big);
	report_step_ok(&r, STEP_TCP, T0 + 4u);
	report_step_start(&r, STEP_CLIENT_HELLO, T0 + 5u);
	report_step_fail(&r, STEP_CLIENT_HELLO, T0 + 6u, CAUSE_TLS, "%s",
	    fmt);
	report_hint(&r, "%s", fmt);
	report_end(&r, T0 + 7u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);

	/* the long text is there, cut at the report's limit, whole */
	{
		char want[REPORT_TEXT_MAX];

		memset(want, 'A', sizeof(want) - 1);
		want[sizeof(want) - 1] = '\0';
		ck_assert_ptr_nonnull(strstr(c.buf, want));
	}
	ck_assert_ptr_nonnull(strstr(c.buf, "      fmt                      "
	    "%s%n%x%p%%%.9999d\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "  %s%n%x%p%%%.9999d\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "failed: %s%n%x%p%%%.9999d\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "hint: %s%n%x%p%%%.9999d\n"));
	/* the unknown key is shown with spaces for '_', '%' literal */
	ck_assert_ptr_nonnull(strstr(c.buf, "      %s %n key that is far too"));
	{
		char line[1024];

		render_last_line(c.buf, line, sizeof(line));
		ck_assert_str_eq(line, "FAIL step 2 (ClientHello sent) on "
		    TARGET ": %s%n%x%p%%%.9999d");
	}
	report_free(&r);
	free(c.buf);
}
END_TEST

/* A broker's reason string or a certificate subject must not reach the
 * terminal as control bytes: they come out as \xNN. */
/* render_clean: what is escaped, what passes, and how it is cut. */
static const struct {
	const char *in, *out;
} render_clean_cases[] = {
	{ "plain text", "plain text" },
	{ "a\x1b[2Jb\x7f", "a\\x1b[2Jb\\x7f" },
	/* letters from other scripts pass */
	{ "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x98\x80" },
	/* C1: U+009B is CSI to xterm, U+0085 a line break, U+0080 */
	{ "x\xc2\x9b" "31my", "x\\u009b31my" },
	{ "\xc2\x85\xc2\x80\xc2\x9f\xc2\xa0", "\\u0085\\u0080\\u009f\xc2\xa0" },
	/* bidirectional overrides, isolates and marks */
	{ "doc\xe2\x80\xae" "txt.exe", "doc\\u202etxt.exe" },
	{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	    "\\u202a\\u202b\\u202c\\u202d" },
	{ "\xe2\x81\xa6" "a\xe2\x81\xa7" "b\xe2\x81\xa8" "c\xe2\x81\xa9",
	    "\\u2066a\\u2067b\\u2068c\\u2069" },
	{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c\xe2\x80\x8b\xef\xbb\xbf",
	    "\\u200e\\u200f\\u061c\\u200b\\ufeff" },
	{ "\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029" },
	/* not UTF-8: stray, overlong, surrogate, past U+10FFFF, cut short */
	{ "a\x9b" "b\xff" "c", "a\\x9bb\\xffc" },
	{ "\xc0\xaf\xe0\x80\xaf", "\\xc0\\xaf\\xe0\\x80\\xaf" },
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
	{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
	{ "end\xe2\x80", "end\\xe2\\x80" },
};

START_TEST(test_clean_unicode)
{
	char out[256];

	ck_assert_str_eq(render_clean(render_clean_cases[_i].in, out,
	    sizeof(out)), render_clean_cases[_i].out);
}
END_TEST

/* Cut to fit, never in the middle of an escape or a character. */
START_TEST(test_clean_cut)
{
	char out[8];

	ck_assert_str_eq(render_clean("abcdefghij", out, sizeof(out)),
	    "abcdefg");
	ck_assert_str_eq(render_clean("abc\x1b", out, sizeof(out)), "abc\\x1b");
	ck_assert_str_eq(render_clean("abcd\x1b", out, sizeof(out)), "abcd");
	ck_assert_str_eq(render_clean("abcd\xc3\xa9\xc3\xa9", out,
	    sizeof(out)), "abcd\xc3\xa9");
	ck_assert_str_eq(render_clean("a\xe2\x80\xae", out, sizeof(out)),
	    "a\\u202e");
	ck_assert_str_eq(render_clean("ab\xe2\x80\xae", out, sizeof(out)),
	    "ab");
	ck_assert_str_eq(render_clean("x", out, 1), "");
}
END_TEST

START_TEST(test_control_bytes_escaped)
{
	struct render_cap c;
	struct report r;

	render_cap_open(&c, false, false, 1, REPORT_STEPS);
	report_init(&r, render_text_live, &c.rt);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_TCP, T0 + 1u);
	report_detail(&r, STEP_TCP, "reason_string", "a\033[2Jb\rc");
	report_event(&r, STEP_TCP, T0 + 2u, 0, "topic \033]0;title\007");
	report_step_fail(&r, STEP_TCP, T0 + 3u, CAUSE_PROTOCOL, "bad\033[31m");
	report_end(&r, T0 + 4u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);
	ck_assert_ptr_null(strchr(c.buf, '\033'));
	ck_assert_ptr_null(strchr(c.buf, '\r'));
	ck_assert_ptr_null(strchr(c.buf, '\007'));
	ck_assert_ptr_nonnull(strstr(c.buf, "a\\x1b[2Jb\\x0dc"));
	ck_assert_ptr_nonnull(strstr(c.buf, "topic \\x1b]0;title\\x07"));
	ck_assert_ptr_nonnull(strstr(c.buf, "FAIL step 1 (TCP connect) on " TARGET ": "
	    "bad\\x1b[31m"));
	report_free(&r);
	free(c.buf);
}
END_TEST

START_TEST(test_hostile_target)
{
	struct report r;
	char target[2000], buf[REPORT_TEXT_MAX * 2];

	memset(target, 'T', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	memcpy(target, "%s%n", 4);
	report_init(&r, NULL, NULL);
	render_build_ok(&r, REPORT_STEPS);
	report_end(&r, T0 + 9000u);
	render_verdict(&r, target, REPORT_STEPS, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
	ck_assert(strncmp(buf, "OK %s%nTTT", 10) == 0);
	report_free(&r);
}
END_TEST

/* ---- teaching: --explain ---------------------------------------------- */

static void
render_teach_open(struct render_cap *c, bool color, int verbose, bool explain,
    bool trace, bool hexdump)
{
	render_cap_open(c, color, false, verbose, REPORT_STEPS);
	c->rt.explain = explain;
	c->rt.trace = trace;
	c->rt.hexdump = hexdump;
}

/* The details explain.c keys on, for a walk that negotiated tls (12 or
 * 13; 0 leaves the version out, as before a ServerHello). */
static void
render_teach_details(struct report *r, int s, int tls)
{
	const char *v = tls == 13 ? "TLS1.3" : "TLS1.2";

	if (s == STEP_CLIENT_HELLO)
		report_detail(r, s, "versions_offered", "TLS1.3,TLS1.2");
	if ((s == STEP_SERVER_CERT || s == STEP_KEYS) && tls != 0)
		report_detail(r, s, "tls_version", "%s", v);
}

/* Steps 1..upto succeed, as render_build_ok, with version details. */
static void
render_build_tls(struct report *r, int upto, int tls)
{
	report_begin(r, T0, 0);
	for (int s = 1; s <= upto; s++) {
		report_step_start(r, s, T0 + 1000u * (unsigned)s);
		render_teach_details(r, s, tls);
		report_step_ok(r, s, T0 + 1000u * (unsigned)s + 500u);
	}
}

/*
 * The explanation printed under step: the text of the "    | " lines
 * between its line and the next step's, joined with spaces so a phrase
 * can be found across a line break.  Empty when there is none.
 */
static void
render_explain_of(const char *buf, int step, char *out, size_t len)
{
	char head[16], next[16];
	const char *p, *end;
	size_t o = 0;

	out[0] = '\0';
	snprintf(head, sizeof(head), "\n[%d/%d] ", step, REPORT_STEPS);
	snprintf(next, sizeof(next), "\n[%d/%d] ", step + 1, REPORT_STEPS);
	/* the first step may open the output */
	p = strncmp(buf, head + 1, strlen(head + 1)) == 0 ? buf :
	    strstr(buf, head);
	ck_assert_msg(p != NULL, "no step %d in:\n%s", step, buf);
	end = step < REPORT_STEPS ? strstr(p, next) : NULL;
	if (end == NULL)
		end = p + strlen(p);
	for (p += *p == '\n' ? 1 : 0; p < end;) {
		const char *nl = strchr(p, '\n');
		size_t w = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (strncmp(p, "    | ", 6) == 0 && o + w < len)
			o += (size_t)snprintf(out + o, len - o, "%s%.*s",
			    o > 0 ? " " : "", (int)(w - 6), p + 6);
		p += w + (nl != NULL ? 1 : 0);
	}
}

/* No explanation line is wider than 72 columns. */
static void
render_explain_width(const char *buf)
{
	for (const char *p = buf; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t w = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (strncmp(p, "    |", 5) == 0)
			ck_assert_msg(w <= 72, "%zu columns: %.*s", w, (int)w,
			    p);
		p += w + (nl != NULL ? 1 : 0);
	}
}

/* Loop: _i = 0 for TLS 1.3, 1 for TLS 1.2. */
START_TEST(test_explain_every_step)
{
	static const char *const phrases[REPORT_STEPS + 1] = {
		NULL,
		"three-way handshake",
		"Its ClientHello lists",
		"Its ServerHello settles",
		"The client checked the certificate before trusting",
		"Both sides now hold the same session keys",
		"The first MQTT packet, CONNECT",
		"CONNACK, code 0",
		"Getting the same bytes back proves",
	};
	int tls = _i == 0 ? 13 : 12;
	struct render_cap c;
	struct report r;
	char text[8192];

	render_teach_open(&c, false, 0, true, false, false);
	report_init(&r, render_text_live, &c.rt);
	render_build_tls(&r, REPORT_STEPS, tls);
	report_end(&r, T0 + 9000u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);

	for (int s = 1; s <= REPORT_STEPS; s++) {
		render_explain_of(c.buf, s, text, sizeof(text));
		ck_assert_msg(strstr(text, phrases[s]) != NULL,
		    "step %d: no '%s' in '%s'", s, phrases[s], text);
	}
	/* what differs between the versions is told for the one in use */
	render_explain_of(c.buf, STEP_SERVER_CERT, text, sizeof(text));
	ck_assert_msg((strstr(text, "TLS 1.3 was chosen") != NULL) == (tls == 13),
	    "%s", text);
	ck_assert_msg((strstr(text, "TLS 1.2 was chosen") != NULL) == (tls == 12),
	    "%s", text);
	ck_assert_msg((strstr(text, "came encrypted") != NULL) == (tls == 13),
	    "%s", text);
	ck_assert_msg((strstr(text, "crossed the network in the clear") !=
	    NULL) == (tls == 12), "%s", text);
	render_explain_of(c.buf, STEP_VERIFY, text, sizeof(text));
	ck_assert_msg((strstr(text, "before the server has proved") != NULL) ==
	    (tls == 12), "%s", text);
	ck_assert_msg((strstr(text, "the peer owns it") != NULL) == (tls == 13),
	    "%s", text);
	render_explain_of(c.buf, STEP_KEYS, text, sizeof(text));
	ck_assert_msg((strstr(text, "signed its key exchange") != NULL) ==
	    (tls == 12), "%s", text);
	ck_assert_msg((strstr(text, "fresh pair") != NULL) == (tls == 13), "%s",
	    text);
	render_explain_of(c.buf, STEP_CONNACK, text, sizeof(text));
	ck_assert_msg((strstr(text, "NewSessionTicket") != NULL) == (tls == 13),
	    "%s", text);
	render_explain_width(c.buf);
	/* the explanation follows the step's state line */
	ck_assert(render_before(c.buf, "TLS: Not started | MQTT: Disconnected",
	    "three-way"));
	report_free(&r);
	free(c.buf);
}
END_TEST

START_TEST(test_explain_off_by_default)
{
	struct render_cap c;
	struct report r;

	render_full_run(&c, &r, false, false);
	ck_assert_ptr_null(strstr(c.buf, "    | "));
	ck_assert_ptr_null(strstr(c.buf, "three-way"));
	report_free(&r);
	free(c.buf);
}
END_TEST

/* A failure class, and words its explanation must (and must not) use. */
struct render_fail_case {
	int step;
	enum report_cause cause;
	const char *reason;
	const char *key, *value;	/* a detail of the failed step */
	int tls;
	const char *want, *want2, *not_want;
};

static const struct render_fail_case render_fail_cases[] = {
	{ STEP_TCP, CAUSE_RESOLVE, "cannot resolve 'nope.example': Name or "
	  "service not known", NULL, NULL, 0,
	  "could not be turned into an address", NULL, NULL },
	{ STEP_TCP, CAUSE_NETWORK, "127.0.0.1 port 1: Connection refused",
	  NULL, NULL, 0, "nothing listens on this port", NULL, NULL },
	{ STEP_TCP, CAUSE_TIMEOUT, "192.0.2.1 port 8883: timed out", NULL,
	  NULL, 0, "silence points at the network", NULL, "refusal:" },
	{ STEP_TCP, CAUSE_NETWORK, "192.0.2.1 port 8883: No route to host",
	  NULL, NULL, 0, "could not reach the broker", NULL, NULL },
	{ STEP_CLIENT_HELLO, CAUSE_INTERRUPTED, "interrupted", NULL, NULL, 0,
	  "stopped from this machine", NULL, NULL },
	{ STEP_CLIENT_HELLO, CAUSE_LOCAL, "cannot start TLS: bad priority",
	  NULL, NULL, 0, "could not even build its ClientHello", NULL, NULL },
	{ STEP_CLIENT_HELLO, CAUSE_CLOSED, "the server closed the connection",
	  NULL, NULL, 0, "closed the connection during this step", NULL,
	  NULL },
	{ STEP_SERVER_CERT, CAUSE_PROTOCOL, "the server reset the connection "
	  "after our ClientHello without a TLS answer: this looks like a "
	  "plaintext MQTT listener, not TLS", NULL, NULL, 0,
	  "This port does not speak TLS", NULL, NULL },
	{ STEP_SERVER_CERT, CAUSE_CLOSED, "the server closed the connection "
	  "without a TLS answer: a plaintext listener, or TLS not enabled",
	  NULL, NULL, 0, "This port does not speak TLS", NULL, NULL },
	{ STEP_SERVER_CERT, CAUSE_TLS, "the server sent TLS alert "
	  "protocol_version (70): Error in protocol version", NULL, NULL, 0,
	  "no TLS version in common", NULL, NULL },
	{ STEP_SERVER_CERT, CAUSE_TLS, "the server sent TLS alert "
	  "handshake_failure (40): Handshake failed", NULL, NULL, 0,
	  "nothing it accepts in the ClientHello", NULL, NULL },
	{ STEP_SERVER_CERT, CAUSE_TIMEOUT, "timed out waiting for the "
	  "server's answer to our ClientHello", NULL, NULL, 0,
	  "never answered the ClientHello", NULL, NULL },
	{ STEP_VERIFY, CAUSE_VERIFY, "certificate expired 9 days ago",
	  "problems", "expired", 13, "Expired:", "no password",
	  "Wrong name:" },
	{ STEP_VERIFY, CAUSE_VERIFY, "certificate not yet valid",
	  "problems", "not-yet-valid", 12, "Not yet valid:", "clock", NULL },
	{ STEP_VERIFY, CAUSE_VERIFY, "name does not match", "problems",
	  "name-mismatch", 13, "Wrong name:", "--verify-hostname",
	  "Expired:" },
	{ STEP_VERIFY, CAUSE_VERIFY, "issuer unknown", "problems",
	  "unknown-issuer", 13, "Unknown issuer:", "--cafile", NULL },
	{ STEP_VERIFY, CAUSE_VERIFY, "name does not match; issuer unknown",
	  "problems", "name-mismatch,self-signed", 13, "Wrong name:",
	  "Self-signed:", "Unknown issuer:" },
	{ STEP_VERIFY, CAUSE_VERIFY, "wrong key purpose", "problems",
	  "purpose-mismatch", 12, "Wrong purpose:", NULL, NULL },
	{ STEP_VERIFY, CAUSE_VERIFY, "something new", "problems",
	  "brand-new-keyword", 13, "The problem list above names the check",
	  "no password", NULL },
	{ STEP_KEYS, CAUSE_TLS, "the server sent TLS alert handshake_failure "
	  "(40): Handshake failed (it asked for a client certificate and none "
	  "was given)", NULL, NULL, 12, "In TLS 1.2 the server checks the "
	  "client's certificate", "--cert", "In TLS 1.3" },
	{ STEP_KEYS, CAUSE_TLS, "the server sent TLS alert decrypt_error",
	  NULL, NULL, 12, "The last part of the handshake failed", NULL,
	  NULL },
	{ STEP_CONNECT, CAUSE_TLS, "the server sent TLS alert "
	  "certificate_required (116): Certificate is required", NULL, NULL,
	  13, "while CONNECT was on its way", "--cert", NULL },
	{ STEP_CONNECT, CAUSE_LOCAL, "the CONNECT packet would be too large",
	  NULL, NULL, 13, "could not be built", NULL, NULL },
	{ STEP_CONNACK, CAUSE_TLS, "the server sent TLS alert "
	  "certificate_required (116): Certificate is required (it asked for "
	  "a client certificate and none was given)", NULL, NULL, 13,
	  "In TLS 1.3 the client's side of the handshake is complete",
	  "--cert", "In TLS 1.2" },
	{ STEP_CONNACK, CAUSE_TLS, "the server sent TLS alert "
	  "internal_error (80)", NULL, NULL, 13,
	  "A TLS alert arrived where the CONNACK should be", NULL, NULL },
	{ STEP_CONNACK, CAUSE_REFUSED, "the broker refused the connection: "
	  "CONNACK reason code 0x86 (bad user name or password)",
	  "connack_reason", "bad user name or password", 13,
	  "rejected the user name or the password", NULL, NULL },
	{ STEP_CONNACK, CAUSE_REFUSED, "the broker refused the connection: "
	  "CONNACK return code 0x05 (not authorized)", "connack_reason",
	  "not authorized", 12, "does not let this client in", NULL, NULL },
	{ STEP_CONNACK, CAUSE_REFUSED, "the broker refused the connection: "
	  "CONNACK return code 0x02 (identifier rejected)", "connack_reason",
	  "identifier rejected", 13, "rejected the client identifier", NULL,
	  NULL },
	{ STEP_CONNACK, CAUSE_REFUSED, "refused", "connack_reason",
	  "quota exceeded", 13, "its code says why", NULL, NULL },
	{ STEP_CONNACK, CAUSE_CLOSED, "the broker closed the connection "
	  "instead of sending CONNACK", NULL, NULL, 13,
	  "hung up after CONNECT", NULL, NULL },
	{ STEP_CONNACK, CAUSE_TIMEOUT, "timed out waiting for CONNACK", NULL,
	  NULL, 13, "no CONNACK came back in time", NULL, NULL },
	{ STEP_PUBSUB, CAUSE_REFUSED, "SUBACK 0x80", NULL, NULL, 13,
	  "access control list", NULL, NULL },
	{ STEP_PUBSUB, CAUSE_TIMEOUT, "timed out waiting for PUBLISH", NULL,
	  NULL, 13, "never came back before the deadline", NULL, NULL },
	{ STEP_PUBSUB, CAUSE_PROTOCOL, "malformed PUBLISH", NULL, NULL, 13,
	  "This step did not complete", NULL, NULL },
};

START_TEST(test_explain_failures)
{
	const struct render_fail_case *k = &render_fail_cases[_i];
	struct render_cap c;
	struct report r;
	char text[8192];

	render_teach_open(&c, false, 0, true, false, false);
	report_init(&r, render_text_live, &c.rt);
	render_build_tls(&r, k->step - 1, k->tls);
	report_step_start(&r, k->step, T0 + 1000u * (unsigned)k->step);
	render_teach_details(&r, k->step, k->tls);
	if (k->key != NULL)
		report_detail(&r, k->step, k->key, "%s", k->value);
	report_step_fail(&r, k->step, T0 + 1000u * (unsigned)k->step + 10u,
	    k->cause, "%s", k->reason);
	report_end(&r, T0 + 10000u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);

	render_explain_of(c.buf, k->step, text, sizeof(text));
	ck_assert_msg(strstr(text, k->want) != NULL, "case %d: no '%s' in '%s'",
	    _i, k->want, text);
	if (k->want2 != NULL)
		ck_assert_msg(strstr(text, k->want2) != NULL,
		    "case %d: no '%s' in '%s'", _i, k->want2, text);
	if (k->not_want != NULL)
		ck_assert_msg(strstr(text, k->not_want) == NULL,
		    "case %d: '%s' in '%s'", _i, k->not_want, text);
	/* the explanation comes after the reason, and the steps that did
	 * not run have none */
	ck_assert_ptr_nonnull(strstr(strstr(c.buf, "      failed: "),
	    "\n    | "));
	if (k->step < REPORT_STEPS) {
		const char *next;
		char head[16];

		snprintf(head, sizeof(head), "[%d/8]", k->step + 1);
		next = strstr(c.buf, head);
		ck_assert_ptr_nonnull(next);
		ck_assert_ptr_null(strstr(next, "    | "));
	}
	render_explain_width(c.buf);
	report_free(&r);
	free(c.buf);
}
END_TEST

START_TEST(test_explain_unverified)
{
	struct render_cap c;
	struct report r;
	char text[8192];

	render_teach_open(&c, false, 0, true, false, false);
	report_init(&r, render_text_live, &c.rt);
	render_build_tls(&r, 3, 13);
	report_step_start(&r, STEP_VERIFY, T0 + 4000u);
	report_detail(&r, STEP_VERIFY, "verdict", "NOT trusted");
	report_detail(&r, STEP_VERIFY, "problems", "expired");
	report_unverified(&r);
	report_detail(&r, STEP_VERIFY, "insecure", "UNVERIFIED");
	report_step_ok(&r, STEP_VERIFY, T0 + 4500u);
	report_end(&r, T0 + 5000u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);

	render_explain_of(c.buf, STEP_VERIFY, text, sizeof(text));
	ck_assert_msg(strstr(text, "UNVERIFIED. The certificate did NOT pass")
	    != NULL, "%s", text);
	ck_assert_msg(strstr(text, "Expired:") != NULL, "%s", text);
	/* not the text of a verified certificate */
	ck_assert_msg(strstr(text, "before trusting") == NULL, "%s", text);
	ck_assert(render_before(c.buf, "!! UNVERIFIED", "UNVERIFIED. The"));
	report_free(&r);
	free(c.buf);
}
END_TEST

START_TEST(test_explain_api)
{
	struct report r;
	char buf[8192], small[10];

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	ck_assert_int_eq(explain_tls_version(&r), 0);
	/* a step that did not run has nothing to explain */
	ck_assert_int_eq(explain_step(&r, STEP_TCP, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(explain_step(&r, 0, buf, sizeof(buf)), 0);
	ck_assert_int_eq(explain_step(&r, REPORT_STEPS + 1, buf, sizeof(buf)),
	    0);
	/* a version not known yet: neither version's text */
	report_step_start(&r, STEP_SERVER_CERT, T0 + 1u);
	report_step_ok(&r, STEP_SERVER_CERT, T0 + 2u);
	ck_assert_int_eq(explain_step(&r, STEP_SERVER_CERT, buf, sizeof(buf)),
	    1);
	ck_assert_ptr_null(strstr(buf, "TLS 1.3"));
	ck_assert_ptr_null(strstr(buf, "TLS 1.2"));
	ck_assert_ptr_null(strchr(buf, EXPLAIN_PARAGRAPH));
	report_detail(&r, STEP_SERVER_CERT, "tls_version", "TLS1.3");
	ck_assert_int_eq(explain_tls_version(&r), 13);
	ck_assert_int_eq(explain_step(&r, STEP_SERVER_CERT, buf, sizeof(buf)),
	    2);
	ck_assert_ptr_nonnull(strchr(buf, EXPLAIN_PARAGRAPH));
	/* a short buffer gets a cut, terminated string */
	memset(small, 'Z', sizeof(small));
	ck_assert_int_eq(explain_step(&r, STEP_SERVER_CERT, small,
	    sizeof(small)), 2);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	report_detail(&r, STEP_SERVER_CERT, "tls_version", "TLS1.2");
	ck_assert_int_eq(explain_tls_version(&r), 12);
	report_detail(&r, STEP_SERVER_CERT, "tls_version", "SSL3.0");
	ck_assert_int_eq(explain_tls_version(&r), 0);
	report_free(&r);
}
END_TEST

/* ---- teaching: --trace and --hexdump ---------------------------------- */

/* A CONNECT as the engine hands it over: the password already masked. */
static const uint8_t render_connect[] = {
	0x10, 0x1a, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xc2, 0x00, 0x3c,
	0x00, 0x02, 'i', 'd', 0x00, 0x04, 'u', 's', 'e', 'r', 0x00, 0x04,
	'*', '*', '*', '*',
};

static void
render_ev(struct report *r, int step, unsigned at, int level,
    enum report_event_kind k, enum report_dir d, size_t size,
    const char *text)
{
	report_event_io(r, step, T0 + at, level, k, d, size, NULL, 0, text);
}

/* A TLS 1.3 walk with the events the engine records, to step 7. */
static void
render_trace_build(struct render_cap *c, struct report *r)
{
	report_init(r, render_text_live, &c->rt);
	report_begin(r, T0, 0);
	report_step_start(r, STEP_TCP, T0 + 50u);
	render_ev(r, 1, 100u, 0, EVK_NET, DIR_NONE, 0,
	    "broker.example resolves to 1 address");
	/* the renderer prints as the events come, not when the step ends */
	fflush(c->rt.out);
	ck_assert_ptr_nonnull(strstr(c->buf, "resolves to 1 address"));
	report_step_ok(r, STEP_TCP, T0 + 200u);
	report_step_start(r, STEP_CLIENT_HELLO, T0 + 300u);
	render_ev(r, 2, 310u, 1, EVK_TLS_MSG, DIR_OUT, 378,
	    "-> CLIENT HELLO (378 bytes)");
	render_ev(r, 2, 320u, 2, EVK_TLS_RECORD, DIR_OUT, 387,
	    "-> TLS record handshake (22), 382 bytes");
	render_ev(r, 2, 330u, 2, EVK_NET, DIR_OUT, 387, "wrote 387 bytes");
	report_step_ok(r, STEP_CLIENT_HELLO, T0 + 340u);
	report_step_start(r, STEP_SERVER_CERT, T0 + 350u);
	render_ev(r, 3, 400u, 2, EVK_TLS_RECORD, DIR_IN, 160,
	    "<- TLS record handshake (22), 155 bytes");
	render_ev(r, 3, 410u, 1, EVK_TLS_MSG, DIR_IN, 151,
	    "<- SERVER HELLO (151 bytes)");
	render_ev(r, 3, 420u, 0, EVK_KEYS, DIR_NONE, 0,
	    "handshake traffic keys derived");
	render_ev(r, 3, 430u, 2, EVK_TLS_RECORD, DIR_IN, 6,
	    "<- TLS record change_cipher_spec (20), 1 byte");
	render_ev(r, 3, 440u, 1, EVK_TLS_MSG, DIR_IN, 496,
	    "<- CERTIFICATE (496 bytes)");
	render_ev(r, 3, 450u, 0, EVK_INFO, DIR_NONE, 0,
	    "subject \033]0;owned\007 (hostile)");
	/* a text without a byte count keeps its end */
	render_ev(r, 3, 455u, 2, EVK_TLS_RECORD, DIR_IN, 7,
	    "<- TLS record alert (21)");
	report_detail(r, STEP_SERVER_CERT, "tls_version", "TLS1.3");
	report_step_ok(r, STEP_SERVER_CERT, T0 + 460u);
	for (int s = STEP_VERIFY; s <= STEP_KEYS; s++) {
		report_step_start(r, s, T0 + 500u * (unsigned)s);
		report_step_ok(r, s, T0 + 500u * (unsigned)s + 10u);
	}
	report_step_start(r, STEP_CONNECT, T0 + 3000u);
	report_event_io(r, STEP_CONNECT, T0 + 3010u, 1, EVK_MQTT, DIR_OUT,
	    sizeof(render_connect), render_connect, sizeof(render_connect),
	    "CONNECT version=3.1.1 client_id='id' username='user' "
	    "password=****");
	report_step_ok(r, STEP_CONNECT, T0 + 3020u);
	report_step_start(r, STEP_CONNACK, T0 + 3100u);
	report_event_io(r, STEP_CONNACK, T0 + 3110u, 1, EVK_MQTT, DIR_IN, 4,
	    (const uint8_t *)"\x20\x02\x00\x00", 4,
	    "CONNACK session_present=0 code=0x00 (connection accepted)");
	report_step_ok(r, STEP_CONNACK, T0 + 3120u);
	report_step_skip(r, STEP_PUBSUB);
	/* after the last step: still in the trace, once */
	render_ev(r, STEP_CONNACK, 3200u, 1, EVK_MQTT, DIR_OUT, 2,
	    "DISCONNECT");
	report_end(r, T0 + 3300u);
	render_text_finish(&c->rt, r);
	render_cap_close(c);
}

static size_t
render_count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL;
	    p = strstr(p + 1, needle))
		n++;
	return n;
}

START_TEST(test_trace_lines)
{
	struct render_cap c;
	struct report r;
	char line[1024];

	render_teach_open(&c, false, 0, false, true, false);
	render_trace_build(&c, &r);

	/* a header names the columns */
	render_find_line(c.buf, "       time     dir kind", line, sizeof(line));
	/* time, direction, kind, size, text, in aligned columns */
	render_find_line(c.buf, "      0.100 ms", line, sizeof(line));
	ck_assert_str_eq(line, "      0.100 ms      NET            "
	    "broker.example resolves to 1 address");
	render_find_line(c.buf, "      0.310 ms", line, sizeof(line));
	ck_assert_str_eq(line, "      0.310 ms  ->  TLS       378  "
	    "CLIENT HELLO");
	render_find_line(c.buf, "      0.320 ms", line, sizeof(line));
	ck_assert_str_eq(line, "      0.320 ms  ->  RECORD    387  "
	    "handshake (22)");
	render_find_line(c.buf, "      0.410 ms", line, sizeof(line));
	ck_assert_str_eq(line, "      0.410 ms  <-  TLS       151  "
	    "SERVER HELLO");
	render_find_line(c.buf, "      0.420 ms", line, sizeof(line));
	ck_assert_str_eq(line, "      0.420 ms      KEYS           "
	    "handshake traffic keys derived");
	render_find_line(c.buf, "      0.430 ms", line, sizeof(line));
	ck_assert_str_eq(line, "      0.430 ms  <-  RECORD      6  "
	    "change_cipher_spec (20)");
	render_find_line(c.buf, "      0.455 ms", line, sizeof(line));
	ck_assert_str_eq(line, "      0.455 ms  <-  RECORD      7  "
	    "alert (21)");
	render_find_line(c.buf, "      3.110 ms", line, sizeof(line));
	ck_assert_str_eq(line, "      3.110 ms  <-  MQTT        4  "
	    "CONNACK session_present=0 code=0x00 (connection accepted)");
	/* socket reads and writes only with -vv */
	ck_assert_ptr_null(strstr(c.buf, "wrote 387 bytes"));
	/* hostile text from the peer is escaped in the trace too */
	ck_assert_ptr_null(strchr(c.buf, '\033'));
	ck_assert_ptr_nonnull(strstr(c.buf, "subject \\x1b]0;owned\\x07"));
	/* without --hexdump, no bytes */
	ck_assert_ptr_null(strstr(c.buf, "      0000  "));

	/* one live sequence: marker, events, step block, next marker */
	ck_assert(render_before(c.buf, "== [1/8] TCP connect ==",
	    "resolves to 1 address"));
	ck_assert(render_before(c.buf, "resolves to 1 address",
	    "\n[1/8] TCP connect "));
	ck_assert(render_before(c.buf, "\n[1/8] TCP connect ",
	    "== [2/8] ClientHello sent =="));
	ck_assert(render_before(c.buf, "CLIENT HELLO", "\n[2/8] "));
	ck_assert(render_before(c.buf, "SERVER HELLO", "KEYS"));
	ck_assert(render_before(c.buf, "KEYS", "CERTIFICATE"));
	ck_assert(render_before(c.buf, "CERTIFICATE", "\n[3/8] "));
	ck_assert(render_before(c.buf, "CONNECT version", "\n[6/8] "));
	ck_assert(render_before(c.buf, "\n[7/8] ", "DISCONNECT"));
	ck_assert(render_before(c.buf, "DISCONNECT", "Status tracker"));
	/* each event once: the -v lists do not repeat them */
	ck_assert_uint_eq(render_count(c.buf, "resolves to 1 address"), 1);
	ck_assert_uint_eq(render_count(c.buf, "DISCONNECT"), 1);
	ck_assert_uint_eq(render_count(c.buf, "SERVER HELLO"), 1);
	report_free(&r);
	free(c.buf);

	/* -vv adds the socket */
	render_teach_open(&c, false, 2, false, true, false);
	render_trace_build(&c, &r);
	render_find_line(c.buf, "      0.330 ms", line, sizeof(line));
	ck_assert_str_eq(line, "      0.330 ms  ->  NET       387  "
	    "wrote 387 bytes");
	report_free(&r);
	free(c.buf);
}
END_TEST

START_TEST(test_trace_hexdump)
{
	struct render_cap c;
	struct report r;
	char line[1024];

	render_teach_open(&c, false, 0, false, true, true);
	render_trace_build(&c, &r);
	render_find_line(c.buf, "      0000  10 1a", line, sizeof(line));
	ck_assert_str_eq(line, "      0000  10 1a 00 04 4d 51 54 54  "
	    "04 c2 00 3c 00 02 69 64  |....MQTT...<..id|");
	render_find_line(c.buf, "      0010  ", line, sizeof(line));
	ck_assert_str_eq(line, "      0010  00 04 75 73 65 72 00 04  "
	    "2a 2a 2a 2a              |..user..****|");
	render_find_line(c.buf, "      0000  20 02", line, sizeof(line));
	ck_assert_str_eq(line, "      0000  20 02 00 00" "                "
	    "                       " "| ...|");
	/* the dump sits right under its packet's line */
	ck_assert(render_before(c.buf, "CONNECT version", "0000  10 1a"));
	ck_assert(render_before(c.buf, "0010  00 04", "\n[6/8] "));
	/* no dump line is wider than 80 columns */
	for (const char *p = strstr(c.buf, "      0000"); p != NULL;
	    p = strstr(p + 1, "      00")) {
		size_t w = strcspn(p, "\n");

		ck_assert_msg(w <= 80, "%zu: %.*s", w, (int)w, p);
	}
	report_free(&r);
	free(c.buf);
}
END_TEST

/* With color, the step at work stands out until it ends. */
START_TEST(test_current_step_highlight)
{
	struct render_cap c;
	struct report r;

	render_cap_open(&c, true, false, 0, REPORT_STEPS);
	report_init(&r, render_text_live, &c.rt);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_TCP, T0 + 1u);
	fflush(c.rt.out);
	ck_assert_ptr_nonnull(strstr(c.buf, "\033[1;7m[1/8] TCP connect"));
	ck_assert_ptr_nonnull(strstr(c.buf, "running\033[0m"));
	report_step_ok(&r, STEP_TCP, T0 + 2u);
	/* then the line is rewritten in place with the outcome */
	fflush(c.rt.out);
	ck_assert_ptr_nonnull(strstr(c.buf, "running\033[0m\r\033[K"));
	report_step_start(&r, STEP_CLIENT_HELLO, T0 + 3u);
	report_step_fail(&r, STEP_CLIENT_HELLO, T0 + 4u, CAUSE_TLS, "no");
	report_end(&r, T0 + 5u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);
	/* a failed step's line is red from its start */
	ck_assert_ptr_nonnull(strstr(c.buf, "\r\033[K\033[1;31m[2/8] "));
	report_free(&r);
	free(c.buf);

	/* without color nothing is rewritten */
	render_cap_open(&c, false, false, 0, REPORT_STEPS);
	report_init(&r, render_text_live, &c.rt);
	render_build_ok(&r, 2);
	report_end(&r, T0 + 5000u);
	render_text_finish(&c.rt, &r);
	render_cap_close(&c);
	ck_assert_ptr_null(strstr(c.buf, "running"));
	ck_assert_ptr_null(strchr(c.buf, '\r'));
	report_free(&r);
	free(c.buf);
}
END_TEST

/* Everything at once, for the color tests. */
static void
render_teaching_run(struct render_cap *c, struct report *r, bool color)
{
	render_teach_open(c, color, 2, true, true, true);
	render_trace_build(c, r);
}

static Suite *
render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc;

	tc = tcase_create("walk");
	tcase_add_test(tc, test_full_success);
	tcase_add_test(tc, test_tracker_80);
	tcase_add_test(tc, test_tracker_160);
	tcase_add_test(tc, test_tracker_after_failure);
	tcase_add_test(tc, test_quiet_one_line);
	tcase_add_test(tc, test_failure_at_verify);
	tcase_add_test(tc, test_skipped_steps);
	tcase_add_test(tc, test_unverified);
	tcase_add_test(tc, test_verdict_formats);
	tcase_add_test(tc, test_held_said_once);
	tcase_add_test(tc, test_wrap_long_token);
	suite_add_tcase(s, tc);

	tc = tcase_create("color");
	tcase_add_loop_test(tc, test_color_off_no_escape, 0, 4);
	tcase_add_loop_test(tc, test_color_on_escapes, 0, 4);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_test(tc, test_event_levels);
	tcase_add_test(tc, test_events_dropped_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_test(tc, test_hostile_text);
	tcase_add_test(tc, test_hostile_target);
	tcase_add_test(tc, test_control_bytes_escaped);
	tcase_add_loop_test(tc, test_clean_unicode, 0,
	    (int)(sizeof(render_clean_cases) / sizeof(render_clean_cases[0])));
	tcase_add_test(tc, test_clean_cut);
	suite_add_tcase(s, tc);

	tc = tcase_create("teaching");
	tcase_add_loop_test(tc, test_explain_every_step, 0, 2);
	tcase_add_test(tc, test_explain_off_by_default);
	tcase_add_loop_test(tc, test_explain_failures, 0,
	    (int)(sizeof(render_fail_cases) / sizeof(render_fail_cases[0])));
	tcase_add_test(tc, test_explain_unverified);
	tcase_add_test(tc, test_explain_api);
	tcase_add_test(tc, test_trace_lines);
	tcase_add_test(tc, test_trace_hexdump);
	tcase_add_test(tc, test_current_step_highlight);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(render_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
