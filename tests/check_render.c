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

/* The last non-empty line. */
static void
render_last_line(const char *buf, char *out, size_t len)
{
	size_t n = strlen(buf);
	const char *end, *start;

	while (n > 0 && buf[n - 1] == '\n')
		n--;
	end = buf + n;
	start = end;
	while (start > buf && start[-1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), start);
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

START_TEST(test_tracker_block)
{
	struct render_cap c;
	struct report r;
	const char *t;
	char line[1024];

	render_full_run(&c, &r, false, false);
	t = strstr(c.buf, "Status tracker\n");
	ck_assert_ptr_nonnull(t);
	/* columns: Start and After 1..8; rows: the three layers */
	render_find_line(t, "      Start", line, sizeof(line));
	for (int s = 1; s <= 4; s++) {
		char h[16];

		snprintf(h, sizeof(h), "After %d", s);
		ck_assert_msg(strstr(line, h) != NULL, "%s", line);
	}
	ck_assert_ptr_nonnull(strstr(t, "After 8"));
	render_find_line(t, "TCP   ", line, sizeof(line));
	ck_assert_msg(strstr(line, "Closed") != NULL, "%s", line);
	ck_assert_msg(strstr(line, "Established") != NULL, "%s", line);
	/* every state of a successful walk is there (cells wrap words, so
	 * look for each word) */
	{
		static const char *const words[] = {
			"Closed", "Established", "Not started", "In progress",
			"Certificate", "verified", "Secure", "channel", "ready",
			"Disconnected", "Connected", "(CONNACK", "received)",
			"(secure)",
		};

		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			ck_assert_msg(strstr(t, words[i]) != NULL,
			    "'%s' missing from tracker:\n%s", words[i], t);
	}
	ck_assert_ptr_null(strstr(t, "Failed"));
	/* no tracker line is wider than a terminal (the verdict after the
	 * tracker may be) */
	for (const char *p = t; *p != '\0' && strncmp(p, "OK ", 3) != 0;) {
		const char *nl = strchr(p, '\n');
		size_t w = nl != NULL ? (size_t)(nl - p) : strlen(p);

		ck_assert_msg(w <= 80, "line of %zu columns", w);
		p = nl != NULL ? nl + 1 : p + w;
	}
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
	ck_assert_str_eq(c.buf, "FAIL step 2 (ClientHello sent): no\n");
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
	ck_assert_str_eq(line, "FAIL step 4 (Certificate verification): "
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
	ck_assert_str_eq(line, "      TCP: Established | TLS: In progress | "
	    "MQTT: Disconnected");
	render_find_line(c.buf, "      INSECURE", line, sizeof(line));
	render_last_line(c.buf, line, sizeof(line));
	ck_assert_msg(strncmp(line, "OK UNVERIFIED ", 14) == 0, "%s", line);
	ck_assert_msg(strstr(line, "(certificate NOT trusted, --insecure)") !=
	    NULL, "%s", line);
	report_free(&r);
	free(c.buf);
}
END_TEST

/* ---- verdict ----------------------------------------------------------- */

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
	ck_assert_str_eq(buf, "FAIL step 7 (CONNACK received): the broker "
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

/* Loop: 0 = success, 1 = failure, 2 = unverified + skipped. */
static void
render_any_run(struct render_cap *c, struct report *r, int kind, bool color)
{
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
		ck_assert_str_eq(line, "FAIL step 2 (ClientHello sent): "
		    "%s%n%x%p%%%.9999d");
	}
	report_free(&r);
	free(c.buf);
}
END_TEST

/* A broker's reason string or a certificate subject must not reach the
 * terminal as control bytes: they come out as \xNN. */
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
	ck_assert_ptr_nonnull(strstr(c.buf, "FAIL step 1 (TCP connect): "
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

static Suite *
render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc;

	tc = tcase_create("walk");
	tcase_add_test(tc, test_full_success);
	tcase_add_test(tc, test_tracker_block);
	tcase_add_test(tc, test_quiet_one_line);
	tcase_add_test(tc, test_failure_at_verify);
	tcase_add_test(tc, test_skipped_steps);
	tcase_add_test(tc, test_unverified);
	tcase_add_test(tc, test_verdict_formats);
	suite_add_tcase(s, tc);

	tc = tcase_create("color");
	tcase_add_loop_test(tc, test_color_off_no_escape, 0, 3);
	tcase_add_loop_test(tc, test_color_on_escapes, 0, 3);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_test(tc, test_event_levels);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_test(tc, test_hostile_text);
	tcase_add_test(tc, test_hostile_target);
	tcase_add_test(tc, test_control_bytes_escaped);
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
