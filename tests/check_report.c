/*
 * check_report.c: the report model.
 *
 * report_apply is the only thing that changes a report and it derives
 * the layer states itself, so these tests drive it through the public
 * builders and compare the states with the walkthrough's status tracker
 * written out by hand below (not computed from report.c's own table).
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Time origin far from 0, so "offset" and "absolute" cannot be confused. */
#define T0 5000000u

/* The walkthrough's tracker: layer states after each step, in words. */
static const char *const report_tracker[REPORT_STEPS + 1][REPORT_LAYERS] = {
	{ "Closed", "Not started", "Disconnected" },
	{ "Established", "Not started", "Disconnected" },
	{ "Established", "In progress", "Disconnected" },
	{ "Established", "In progress", "Disconnected" },
	{ "Established", "Certificate verified", "Disconnected" },
	{ "Established", "Secure channel ready", "Disconnected" },
	{ "Established", "Secure channel ready", "Disconnected" },
	{ "Established", "Secure channel ready",
	    "Connected (CONNACK received)" },
	{ "Established", "Secure channel ready", "Connected (secure)" },
};

/* Layer each step's own failure belongs to. */
static const int report_fail_layer[REPORT_STEPS + 1] = {
	-1, LAYER_TCP, LAYER_TLS, LAYER_TLS, LAYER_TLS, LAYER_TLS,
	LAYER_MQTT, LAYER_MQTT, LAYER_MQTT,
};

static void
report_check_states(const struct report *r, int step,
    const char *const want[REPORT_LAYERS])
{
	for (int l = 0; l < REPORT_LAYERS; l++)
		ck_assert_msg(strcmp(report_state_name(l,
		    r->steps[step].state[l]), want[l]) == 0,
		    "after step %d, layer %s: got '%s', want '%s'", step,
		    report_layer_name(l),
		    report_state_name(l, r->steps[step].state[l]), want[l]);
}

/* Run steps 1..upto successfully; step k starts at T0+100k, ends +50. */
static void
report_run_ok(struct report *r, int upto)
{
	for (int s = 1; s <= upto; s++) {
		report_step_start(r, s, T0 + 100u * (unsigned)s);
		report_step_ok(r, s, T0 + 100u * (unsigned)s + 50u);
	}
}

/* ---- states ---------------------------------------------------------- */

START_TEST(test_begin_sets_start_column)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	ck_assert_uint_eq(r.origin_us, T0);
	ck_assert_int_eq(r.steps[0].status, STEP_OK);
	ck_assert_int_eq(r.steps[0].state[LAYER_TCP], ST_TCP_CLOSED);
	ck_assert_int_eq(r.steps[0].state[LAYER_TLS], ST_TLS_NOT_STARTED);
	ck_assert_int_eq(r.steps[0].state[LAYER_MQTT], ST_MQTT_DISCONNECTED);
	report_check_states(&r, 0, report_tracker[0]);
	ck_assert_int_eq(r.current, 0);
	ck_assert_int_eq(r.failed_step, 0);
	ck_assert(!r.unverified);
	ck_assert(!r.ended);
	for (int s = 1; s <= REPORT_STEPS; s++)
		ck_assert_int_eq(r.steps[s].status, STEP_NOT_REACHED);
	report_free(&r);
}
END_TEST

START_TEST(test_success_follows_tracker)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		report_step_start(&r, s, T0 + 100u * (unsigned)s);
		ck_assert_int_eq(r.current, s);
		ck_assert_int_eq(r.steps[s].status, STEP_RUNNING);
		/* a running step shows the states it inherited */
		report_check_states(&r, s, report_tracker[s - 1]);
		report_step_ok(&r, s, T0 + 100u * (unsigned)s + 50u);
		ck_assert_int_eq(r.current, 0);
		ck_assert_int_eq(r.steps[s].status, STEP_OK);
		report_check_states(&r, s, report_tracker[s]);
	}
	/* later steps never rewrite earlier columns */
	for (int s = 0; s <= REPORT_STEPS; s++)
		report_check_states(&r, s, report_tracker[s]);
	report_end(&r, T0 + 1000u);
	ck_assert(r.ended);
	ck_assert_uint_eq(r.end_us, 1000u);
	ck_assert_int_eq(report_exit_status(&r), 0);
	report_free(&r);
}
END_TEST

/* Loop over the step that fails: 1..8. */
START_TEST(test_failure_marks_step_layer)
{
	int f = _i;
	struct report r;
	const char *want[REPORT_LAYERS];

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_run_ok(&r, f - 1);
	report_step_start(&r, f, T0 + 100u * (unsigned)f);
	report_step_fail(&r, f, T0 + 100u * (unsigned)f + 70u, CAUSE_TIMEOUT,
	    "step %d broke", f);

	for (int l = 0; l < REPORT_LAYERS; l++)
		want[l] = l == report_fail_layer[f] ? "Failed" :
		    report_tracker[f - 1][l];
	report_check_states(&r, f, want);
	ck_assert_int_eq(r.steps[f].status, STEP_FAILED);
	ck_assert_int_eq(r.steps[f].cause, CAUSE_TIMEOUT);
	ck_assert_uint_eq(r.steps[f].start_us, 100u * (unsigned)f);
	ck_assert_uint_eq(r.steps[f].end_us, 100u * (unsigned)f + 70u);
	ck_assert_int_eq(r.failed_step, f);
	ck_assert_int_eq(r.current, 0);
	ck_assert_int_eq(report_exit_status(&r), f);
	{
		char reason[32];

		snprintf(reason, sizeof(reason), "step %d broke", f);
		ck_assert_str_eq(r.steps[f].reason, reason);
	}
	/* the steps after the failure were never reached and have no time */
	for (int s = f + 1; s <= REPORT_STEPS; s++) {
		ck_assert_int_eq(r.steps[s].status, STEP_NOT_REACHED);
		ck_assert_uint_eq(r.steps[s].start_us, 0);
		ck_assert_uint_eq(r.steps[s].end_us, 0);
		ck_assert_str_eq(report_status_name(r.steps[s].status),
		    "not reached");
	}
	report_free(&r);
}
END_TEST

START_TEST(test_fail_layer_overrides)
{
	struct report r;
	static const char *const want[REPORT_LAYERS] = {
		"Established", "Failed", "Disconnected" };

	/* a TLS alert read while waiting for CONNACK: step 7, TLS layer */
	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_run_ok(&r, 6);
	report_step_start(&r, STEP_CONNACK, T0 + 700u);
	report_step_fail_layer(&r, STEP_CONNACK, LAYER_TLS, T0 + 750u,
	    CAUSE_TLS, "received fatal alert: certificate required");
	report_check_states(&r, STEP_CONNACK, want);
	ck_assert_int_eq(r.steps[STEP_CONNACK].cause, CAUSE_TLS);
	ck_assert_str_eq(r.steps[STEP_CONNACK].reason,
	    "received fatal alert: certificate required");
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	report_free(&r);
}
END_TEST

START_TEST(test_fail_layer_out_of_range_uses_step_layer)
{
	struct report r;
	static const char *const want[REPORT_LAYERS] = {
		"Established", "Secure channel ready", "Failed" };

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_run_ok(&r, 7);
	report_step_start(&r, STEP_PUBSUB, T0 + 800u);
	report_step_fail_layer(&r, STEP_PUBSUB, 7, T0 + 850u, CAUSE_REFUSED,
	    NULL);
	report_check_states(&r, STEP_PUBSUB, want);
	/* a NULL text is an empty reason, not a crash */
	ck_assert_str_eq(r.steps[STEP_PUBSUB].reason, "");
	report_free(&r);
}
END_TEST

START_TEST(test_states_carry_over_unreached)
{
	struct report r;

	/* step 1 ok, 2 never ran: step 3 starts from step 1's states */
	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_run_ok(&r, 1);
	report_step_start(&r, STEP_SERVER_CERT, T0 + 300u);
	report_check_states(&r, STEP_SERVER_CERT, report_tracker[1]);
	report_step_ok(&r, STEP_SERVER_CERT, T0 + 350u);
	report_check_states(&r, STEP_SERVER_CERT, report_tracker[1]);
	ck_assert_int_eq(r.steps[STEP_CLIENT_HELLO].status, STEP_NOT_REACHED);
	report_free(&r);
}
END_TEST

START_TEST(test_fail_without_start_belongs_to_step)
{
	struct report r;
	static const char *const want[REPORT_LAYERS] = {
		"Established", "Secure channel ready", "Failed" };

	/* a failure found between steps: recorded on the next one, which
	 * gets the time of the failure and the states carried forward */
	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_run_ok(&r, 5);
	report_step_fail(&r, STEP_CONNECT, T0 + 640u, CAUSE_LOCAL, "%s",
	    "cannot encode");
	ck_assert_int_eq(r.steps[STEP_CONNECT].status, STEP_FAILED);
	ck_assert_uint_eq(r.steps[STEP_CONNECT].start_us, 640u);
	ck_assert_uint_eq(r.steps[STEP_CONNECT].end_us, 640u);
	report_check_states(&r, STEP_CONNECT, want);
	report_free(&r);
}
END_TEST

START_TEST(test_unverified_is_marked)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_run_ok(&r, 3);
	report_step_start(&r, STEP_VERIFY, T0 + 400u);
	report_unverified(&r);
	ck_assert(r.unverified);
	report_step_ok(&r, STEP_VERIFY, T0 + 450u);
	ck_assert_int_eq(r.steps[STEP_VERIFY].status, STEP_OK);
	/* not "Certificate verified", and not "In progress" as if step 4
	 * had not happened: marked */
	ck_assert_str_eq(report_state_name(LAYER_TLS,
	    r.steps[STEP_VERIFY].state[LAYER_TLS]), "NOT verified (-k)");
	/* the rest of the walk goes on as usual */
	for (int s = STEP_KEYS; s <= STEP_CONNACK; s++) {
		report_step_start(&r, s, T0 + 100u * (unsigned)s);
		report_step_ok(&r, s, T0 + 100u * (unsigned)s + 50u);
		report_check_states(&r, s, report_tracker[s]);
	}
	/* and ends unverified, not "secure" */
	report_step_start(&r, STEP_PUBSUB, T0 + 900u);
	report_step_ok(&r, STEP_PUBSUB, T0 + 950u);
	ck_assert_str_eq(report_state_name(LAYER_MQTT,
	    r.steps[STEP_PUBSUB].state[LAYER_MQTT]), "Connected (UNVERIFIED)");
	ck_assert_int_eq(report_exit_status(&r), 0);
	report_free(&r);
}
END_TEST

START_TEST(test_unverified_after_verify_does_not_rewrite)
{
	struct report r;

	/* flagging later must not change a column already written */
	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_run_ok(&r, 4);
	report_unverified(&r);
	report_check_states(&r, STEP_VERIFY, report_tracker[STEP_VERIFY]);
	report_free(&r);
}
END_TEST

START_TEST(test_skip)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_run_ok(&r, 7);
	report_step_skip(&r, STEP_PUBSUB);
	ck_assert_int_eq(r.steps[STEP_PUBSUB].status, STEP_SKIPPED);
	ck_assert_uint_eq(r.steps[STEP_PUBSUB].start_us, 0);
	ck_assert_uint_eq(r.steps[STEP_PUBSUB].end_us, 0);
	ck_assert_int_eq(report_exit_status(&r), 0);
	report_free(&r);
}
END_TEST

/* ---- times ----------------------------------------------------------- */

START_TEST(test_times_are_offsets)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_TCP, T0 + 123u);
	report_event(&r, STEP_TCP, T0 + 200u, 0, "trying");
	report_step_ok(&r, STEP_TCP, T0 + 456u);
	/* a clock reading before the origin cannot underflow */
	report_step_start(&r, STEP_CLIENT_HELLO, T0 - 10u);
	report_end(&r, T0 + 1000u);

	ck_assert_uint_eq(r.steps[STEP_TCP].start_us, 123u);
	ck_assert_uint_eq(r.steps[STEP_TCP].end_us, 456u);
	ck_assert_uint_eq(r.events[0].at_us, 200u);
	ck_assert_uint_eq(r.steps[STEP_CLIENT_HELLO].start_us, 0u);
	ck_assert_uint_eq(r.end_us, 1000u);
	report_free(&r);
}
END_TEST

/* --pause held the walk 41.2 s before step 2: no time counts it, and
 * the report says once how long it was. */
START_TEST(test_held_left_out)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_TCP, T0 + 100u);
	report_step_ok(&r, STEP_TCP, T0 + 400u);
	report_held(&r, 41200000u);
	report_step_start(&r, STEP_CLIENT_HELLO, T0 + 41200000u + 500u);
	report_event(&r, STEP_CLIENT_HELLO, T0 + 41200000u + 600u, 0, "x");
	report_step_ok(&r, STEP_CLIENT_HELLO, T0 + 41200000u + 800u);
	report_end(&r, T0 + 41200000u + 1000u);
	ck_assert_uint_eq(r.held_us, 41200000u);
	ck_assert_uint_eq(r.steps[STEP_TCP].end_us, 400u);
	ck_assert_uint_eq(r.steps[STEP_CLIENT_HELLO].start_us, 500u);
	ck_assert_uint_eq(r.events[0].at_us, 600u);
	ck_assert_uint_eq(r.steps[STEP_CLIENT_HELLO].end_us, 800u);
	ck_assert_uint_eq(r.end_us, 1000u);
	report_free(&r);
}
END_TEST

/* ---- details, events, hints -------------------------------------------- */

START_TEST(test_details_replace_and_find)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_detail(&r, STEP_TCP, "target", "%s port %u", "a.example", 1u);
	report_detail(&r, STEP_TCP, "peer", "%s", "192.0.2.1 port 1");
	report_detail(&r, STEP_TCP, "target", "%s", "b.example port 2");
	ck_assert_uint_eq(r.steps[STEP_TCP].ndetails, 2);
	/* a replaced key keeps its place */
	ck_assert_str_eq(r.steps[STEP_TCP].details[0].key, "target");
	ck_assert_str_eq(r.steps[STEP_TCP].details[0].text, "b.example port 2");
	ck_assert_str_eq(r.steps[STEP_TCP].details[1].key, "peer");
	ck_assert_str_eq(report_find_detail(&r, STEP_TCP, "target"),
	    "b.example port 2");
	ck_assert_str_eq(report_find_detail(&r, STEP_TCP, "peer"),
	    "192.0.2.1 port 1");
	ck_assert_ptr_null(report_find_detail(&r, STEP_TCP, "nope"));
	/* details are per step */
	ck_assert_ptr_null(report_find_detail(&r, STEP_CLIENT_HELLO, "target"));
	ck_assert_ptr_null(report_find_detail(&r, 0, "target"));
	ck_assert_ptr_null(report_find_detail(&r, REPORT_STEPS + 1, "target"));
	ck_assert_ptr_null(report_find_detail(&r, -1, "target"));
	report_free(&r);
}
END_TEST

START_TEST(test_detail_truncation)
{
	struct report r;
	char big[REPORT_TEXT_MAX * 2];
	char key[REPORT_KEY_MAX * 2];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_detail(&r, STEP_TCP, key, "%s", big);
	ck_assert_uint_eq(r.steps[STEP_TCP].ndetails, 1);
	ck_assert_uint_eq(strlen(r.steps[STEP_TCP].details[0].text),
	    REPORT_TEXT_MAX - 1);
	ck_assert_uint_eq(strlen(r.steps[STEP_TCP].details[0].key),
	    REPORT_KEY_MAX - 1);
	report_step_fail(&r, STEP_TCP, T0 + 1u, CAUSE_NETWORK, "%s", big);
	ck_assert_uint_eq(strlen(r.steps[STEP_TCP].reason),
	    REPORT_TEXT_MAX - 1);
	report_event(&r, STEP_TCP, T0 + 2u, 0, "%s", big);
	ck_assert_uint_eq(strlen(r.events[0].text), REPORT_TEXT_MAX - 1);
	report_hint(&r, "%s", big);
	ck_assert_uint_eq(strlen(r.hints[0]), REPORT_TEXT_MAX - 1);
	report_free(&r);
}
END_TEST

START_TEST(test_events_keep_order)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_event(&r, STEP_TCP, T0 + 10u, 0, "first %d", 1);
	report_event(&r, STEP_CLIENT_HELLO, T0 + 20u, 1, "second");
	report_event(&r, STEP_TCP, T0 + 30u, 2, "third");
	ck_assert_uint_eq(r.nevents, 3);
	ck_assert_str_eq(r.events[0].text, "first 1");
	ck_assert_str_eq(r.events[1].text, "second");
	ck_assert_str_eq(r.events[2].text, "third");
	ck_assert_int_eq(r.events[0].step, STEP_TCP);
	ck_assert_int_eq(r.events[1].step, STEP_CLIENT_HELLO);
	ck_assert_int_eq(r.events[1].level, 1);
	ck_assert_int_eq(r.events[2].level, 2);
	ck_assert_uint_eq(r.events[2].at_us, 30u);
	report_free(&r);
}
END_TEST

/* A flood: each step keeps its first REPORT_MAX_EVENTS events and only
 * counts the rest, and listeners hear of the kept ones only. */
static unsigned report_events_heard;

static void
report_count_events(const struct report *r, const struct report_change *c,
    void *ctx)
{
	(void)r;
	(void)ctx;
	if (c->kind == RC_EVENT)
		report_events_heard++;
}

START_TEST(test_events_bounded_per_step)
{
	struct report r;
	const unsigned flood = 100000;

	report_events_heard = 0;
	report_init(&r, report_count_events, NULL);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_CONNACK, T0 + 1u);
	for (unsigned i = 0; i < flood; i++)
		report_event(&r, STEP_CONNACK, T0 + 2u, 0, "packet %u", i);
	/* another step still has its own room */
	report_event(&r, STEP_PUBSUB, T0 + 3u, 0, "later");
	ck_assert_uint_eq(r.steps[STEP_CONNACK].nevents, REPORT_MAX_EVENTS);
	ck_assert_uint_eq(r.steps[STEP_CONNACK].events_dropped,
	    flood - REPORT_MAX_EVENTS);
	ck_assert_uint_eq(r.steps[STEP_PUBSUB].nevents, 1);
	ck_assert_uint_eq(r.steps[STEP_PUBSUB].events_dropped, 0);
	ck_assert_uint_eq(r.nevents, REPORT_MAX_EVENTS + 1);
	/* the first ones are kept, in order */
	ck_assert_str_eq(r.events[0].text, "packet 0");
	ck_assert_str_eq(r.events[REPORT_MAX_EVENTS - 1].text, "packet 199");
	ck_assert_str_eq(r.events[REPORT_MAX_EVENTS].text, "later");
	ck_assert_uint_eq(report_events_heard, REPORT_MAX_EVENTS + 1);
	report_free(&r);
	ck_assert_uint_eq(r.steps[STEP_CONNACK].events_dropped, 0);
}
END_TEST

/* --hexdump bytes: at most REPORT_MAX_EVENT_BYTES of a packet and
 * REPORT_MAX_HEX_BYTES in all; the wire size stays whole. */
START_TEST(test_event_bytes_bounded)
{
	struct report r;
	size_t big = 3 * REPORT_MAX_EVENT_BYTES, kept = 0;
	uint8_t *bytes = malloc(big);

	ck_assert_ptr_nonnull(bytes);
	for (size_t i = 0; i < big; i++)
		bytes[i] = (uint8_t)i;
	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	for (int i = 0; i < 10; i++)
		report_event_io(&r, STEP_PUBSUB, T0 + 1u, 1, EVK_MQTT, DIR_IN,
		    big, bytes, big, "PUBLISH");
	ck_assert_uint_eq(r.nevents, 10);
	ck_assert_uint_eq(r.events[0].size, big);
	ck_assert_uint_eq(r.events[0].nbytes, REPORT_MAX_EVENT_BYTES);
	ck_assert_int_eq(memcmp(r.events[0].bytes, bytes,
	    REPORT_MAX_EVENT_BYTES), 0);
	for (size_t i = 0; i < r.nevents; i++) {
		kept += r.events[i].nbytes;
		ck_assert(r.events[i].nbytes == 0 || r.events[i].bytes != NULL);
	}
	ck_assert_uint_eq(kept, REPORT_MAX_HEX_BYTES);
	ck_assert_uint_eq(r.events[9].nbytes, 0);
	ck_assert_ptr_null(r.events[9].bytes);
	ck_assert_uint_eq(r.events[9].size, big);
	report_free(&r);
	free(bytes);
}
END_TEST

/* A failure found later for a step that ended well (TLS 1.3 rejecting
 * our certificate after the handshake): that step fails, and the steps
 * after it go back to not reached. */
START_TEST(test_late_failure_rewinds)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_run_ok(&r, STEP_CONNECT);
	report_step_start(&r, STEP_CONNACK, T0 + 2000u);
	report_detail(&r, STEP_CONNACK, "k", "v");
	report_event(&r, STEP_CONNACK, T0 + 2100u, 0, "alert arrived");
	report_step_fail_layer(&r, STEP_KEYS, LAYER_TLS, T0 + 2200u,
	    CAUSE_TLS, "certificate_required");
	ck_assert_int_eq(report_exit_status(&r), STEP_KEYS);
	ck_assert_int_eq(r.steps[STEP_KEYS].status, STEP_FAILED);
	ck_assert_str_eq(r.steps[STEP_KEYS].reason, "certificate_required");
	ck_assert_uint_eq(r.steps[STEP_KEYS].start_us, 100u * STEP_KEYS);
	ck_assert_uint_eq(r.steps[STEP_KEYS].end_us, 2200u);
	ck_assert_str_eq(report_state_name(LAYER_TLS,
	    r.steps[STEP_KEYS].state[LAYER_TLS]), "Failed");
	ck_assert_int_eq(r.current, 0);
	for (int s = STEP_CONNECT; s <= REPORT_STEPS; s++) {
		ck_assert_int_eq(r.steps[s].status, STEP_NOT_REACHED);
		ck_assert_uint_eq(r.steps[s].start_us, 0);
		ck_assert_uint_eq(r.steps[s].ndetails, 0);
	}
	/* the event stays, where it was recorded */
	ck_assert_uint_eq(r.steps[STEP_CONNACK].nevents, 1);
	ck_assert_str_eq(r.events[r.nevents - 1].text, "alert arrived");
	report_free(&r);
}
END_TEST

START_TEST(test_hints)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_hint(&r, "use --cafile %s", "ca.pem");
	report_hint(&r, "second");
	ck_assert_uint_eq(r.nhints, 2);
	ck_assert_str_eq(r.hints[0], "use --cafile ca.pem");
	ck_assert_str_eq(r.hints[1], "second");
	report_free(&r);
}
END_TEST

/* Findings keep their order, key and severity, and a hostile chain
 * cannot make the list grow past its bound. */
START_TEST(test_findings_bounded)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_findingf(&r, STEP_SERVER_CERT, SEV_WARNING, 0,
	    "no_subject_alt_name", "CN only: %s", "localhost");
	report_findingf(&r, 0, SEV_ERROR, -1, "client_cert_expired", "old");
	report_findingf(&r, REPORT_STEPS + 1, SEV_INFO, -1, "bad_step", "x");
	ck_assert_uint_eq(r.nfindings, 2);
	ck_assert_str_eq(r.findings[0].key, "no_subject_alt_name");
	ck_assert_str_eq(r.findings[0].text, "CN only: localhost");
	ck_assert_int_eq(r.findings[0].severity, SEV_WARNING);
	ck_assert_int_eq(r.findings[1].step, 0);
	ck_assert_int_eq(r.findings[1].cert, -1);
	for (int i = 0; i < 100; i++)
		report_findingf(&r, STEP_SERVER_CERT, SEV_INFO, i, "root_sent",
		    "%d", i);
	ck_assert_uint_eq(r.nfindings, REPORT_MAX_FINDINGS);
	ck_assert_str_eq(report_severity_name(SEV_ERROR), "error");
	ck_assert_str_eq(report_severity_name(SEV_INFO), "info");
	report_free(&r);
	ck_assert_uint_eq(r.nfindings, 0);
}
END_TEST

START_TEST(test_invalid_step_ignored)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_step_start(&r, 0, T0 + 1u);
	report_step_ok(&r, REPORT_STEPS + 1, T0 + 2u);
	report_step_fail(&r, -3, T0 + 3u, CAUSE_TLS, "x");
	report_detail(&r, 42, "k", "v");
	report_event(&r, 9, T0 + 4u, 0, "e");
	report_step_skip(&r, 0);
	ck_assert_int_eq(r.failed_step, 0);
	ck_assert_int_eq(r.current, 0);
	ck_assert_uint_eq(r.nevents, 0);
	ck_assert_uint_eq(r.steps[0].ndetails, 0);
	ck_assert_int_eq(r.steps[0].status, STEP_OK);
	report_free(&r);
}
END_TEST

START_TEST(test_free_resets)
{
	struct report r;

	report_init(&r, NULL, NULL);
	report_begin(&r, T0, 0);
	report_detail(&r, STEP_TCP, "a", "b");
	report_event(&r, STEP_TCP, T0, 0, "e");
	report_hint(&r, "h");
	report_free(&r);
	ck_assert_ptr_null(r.events);
	ck_assert_ptr_null(r.hints);
	ck_assert_ptr_null(r.steps[STEP_TCP].details);
	ck_assert_uint_eq(r.nevents, 0);
	/* freeing twice is harmless after the reset */
	report_free(&r);
}
END_TEST

/* ---- listener ---------------------------------------------------------- */

#define REPORT_SEEN_MAX 64
struct report_seen {
	size_t n;
	struct {
		enum report_change_kind kind;
		int step;
		int level;
		enum report_cause cause;
		char key[REPORT_KEY_MAX];
		char text[REPORT_TEXT_MAX];
		/* the report already shows the change when told */
		enum step_status status_then;
	} c[REPORT_SEEN_MAX];
	const struct report *r;
};

static void
report_seen_listener(const struct report *r, const struct report_change *c,
    void *ctx)
{
	struct report_seen *seen = ctx;

	ck_assert_ptr_eq(r, seen->r);
	ck_assert_uint_lt(seen->n, REPORT_SEEN_MAX);
	seen->c[seen->n].kind = c->kind;
	seen->c[seen->n].step = c->step;
	seen->c[seen->n].level = c->level;
	seen->c[seen->n].cause = c->cause;
	snprintf(seen->c[seen->n].key, REPORT_KEY_MAX, "%s",
	    c->key != NULL ? c->key : "");
	snprintf(seen->c[seen->n].text, REPORT_TEXT_MAX, "%s",
	    c->text != NULL ? c->text : "");
	seen->c[seen->n].status_then = c->step >= 1 &&
	    c->step <= REPORT_STEPS ? r->steps[c->step].status :
	    STEP_NOT_REACHED;
	seen->n++;
}

START_TEST(test_listener_once_per_change)
{
	struct report r;
	struct report_seen *seen = calloc(1, sizeof(*seen));
	static const enum report_change_kind want[] = {
		RC_BEGIN, RC_STEP_START, RC_DETAIL, RC_DETAIL, RC_EVENT,
		RC_STEP_OK, RC_STEP_START, RC_STEP_FAIL, RC_HINT, RC_UNVERIFIED,
		RC_STEP_SKIP, RC_END,
	};

	ck_assert_ptr_nonnull(seen);
	seen->r = &r;
	report_init(&r, report_seen_listener, seen);
	report_begin(&r, T0, 0);
	report_step_start(&r, STEP_TCP, T0 + 1u);
	report_detail(&r, STEP_TCP, "peer", "one");
	report_detail(&r, STEP_TCP, "peer", "two");	/* replacement */
	report_event(&r, STEP_TCP, T0 + 2u, 1, "ev");
	report_step_ok(&r, STEP_TCP, T0 + 3u);
	report_step_start(&r, STEP_CLIENT_HELLO, T0 + 4u);
	report_step_fail(&r, STEP_CLIENT_HELLO, T0 + 5u, CAUSE_TLS, "bad %s",
	    "hello");
	report_hint(&r, "h");
	report_unverified(&r);
	report_step_skip(&r, STEP_PUBSUB);
	report_step_ok(&r, 99, T0 + 6u);		/* invalid: no call */
	report_end(&r, T0 + 7u);

	ck_assert_uint_eq(seen->n, LEN(want));
	for (size_t i = 0; i < LEN(want); i++)
		ck_assert_int_eq(seen->c[i].kind, want[i]);
	ck_assert_int_eq(seen->c[1].step, STEP_TCP);
	ck_assert_str_eq(seen->c[2].key, "peer");
	ck_assert_str_eq(seen->c[2].text, "one");
	ck_assert_str_eq(seen->c[3].text, "two");
	ck_assert_int_eq(seen->c[4].level, 1);
	ck_assert_str_eq(seen->c[4].text, "ev");
	ck_assert_int_eq(seen->c[5].status_then, STEP_OK);
	ck_assert_int_eq(seen->c[7].step, STEP_CLIENT_HELLO);
	ck_assert_int_eq(seen->c[7].cause, CAUSE_TLS);
	ck_assert_int_eq(seen->c[7].level, -1);
	ck_assert_str_eq(seen->c[7].text, "bad hello");
	ck_assert_int_eq(seen->c[7].status_then, STEP_FAILED);
	ck_assert_str_eq(seen->c[8].text, "h");
	report_free(&r);
	free(seen);
}
END_TEST

/* ---- names ------------------------------------------------------------- */

START_TEST(test_state_names)
{
	ck_assert_str_eq(report_state_name(LAYER_TCP, ST_TCP_CLOSED), "Closed");
	ck_assert_str_eq(report_state_name(LAYER_TCP, ST_TCP_ESTABLISHED),
	    "Established");
	ck_assert_str_eq(report_state_name(LAYER_TCP, ST_TCP_FAILED), "Failed");
	ck_assert_str_eq(report_state_name(LAYER_TLS, ST_TLS_NOT_STARTED),
	    "Not started");
	ck_assert_str_eq(report_state_name(LAYER_TLS, ST_TLS_IN_PROGRESS),
	    "In progress");
	ck_assert_str_eq(report_state_name(LAYER_TLS, ST_TLS_CERT_VERIFIED),
	    "Certificate verified");
	ck_assert_str_eq(report_state_name(LAYER_TLS, ST_TLS_SECURE),
	    "Secure channel ready");
	ck_assert_str_eq(report_state_name(LAYER_TLS, ST_TLS_FAILED), "Failed");
	ck_assert_str_eq(report_state_name(LAYER_MQTT, ST_MQTT_DISCONNECTED),
	    "Disconnected");
	ck_assert_str_eq(report_state_name(LAYER_MQTT, ST_MQTT_CONNACKED),
	    "Connected (CONNACK received)");
	ck_assert_str_eq(report_state_name(LAYER_MQTT, ST_MQTT_SECURE),
	    "Connected (secure)");
	ck_assert_str_eq(report_state_name(LAYER_MQTT, ST_MQTT_FAILED),
	    "Failed");
	/* out of range never indexes past a table */
	ck_assert_str_eq(report_state_name(LAYER_TCP, ST_TCP_FAILED + 1), "?");
	ck_assert_str_eq(report_state_name(LAYER_TLS, -1), "?");
	ck_assert_str_eq(report_state_name(LAYER_MQTT, 99), "?");
	ck_assert_str_eq(report_state_name(3, 0), "?");
	ck_assert_str_eq(report_state_name(-1, 0), "?");
}
END_TEST

START_TEST(test_other_names)
{
	static const char *const steps[] = {
		"Start", "TCP connect", "ClientHello sent",
		"ServerHello and certificate", "Certificate verification",
		"Keys established", "MQTT CONNECT sent", "CONNACK received",
		"Publish/subscribe round trip",
	};

	for (int s = 0; s <= REPORT_STEPS; s++)
		ck_assert_str_eq(report_step_name(s), steps[s]);
	ck_assert_str_eq(report_step_name(-1), "?");
	ck_assert_str_eq(report_step_name(REPORT_STEPS + 1), "?");

	ck_assert_str_eq(report_layer_name(LAYER_TCP), "TCP");
	ck_assert_str_eq(report_layer_name(LAYER_TLS), "TLS");
	ck_assert_str_eq(report_layer_name(LAYER_MQTT), "MQTT");
	ck_assert_str_eq(report_layer_name(REPORT_LAYERS), "?");

	ck_assert_str_eq(report_status_name(STEP_NOT_REACHED), "not reached");
	ck_assert_str_eq(report_status_name(STEP_RUNNING), "running");
	ck_assert_str_eq(report_status_name(STEP_OK), "ok");
	ck_assert_str_eq(report_status_name(STEP_FAILED), "failed");
	ck_assert_str_eq(report_status_name(STEP_SKIPPED), "skipped");
	ck_assert_str_eq(report_status_name((enum step_status)42), "?");

	ck_assert_str_eq(report_cause_name(CAUSE_NONE), "none");
	ck_assert_str_eq(report_cause_name(CAUSE_TIMEOUT), "timeout");
	ck_assert_str_eq(report_cause_name(CAUSE_VERIFY), "verify");
	ck_assert_str_eq(report_cause_name(CAUSE_INTERRUPTED), "interrupted");
	ck_assert_str_eq(report_cause_name((enum report_cause)42), "?");
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc;

	tc = tcase_create("states");
	tcase_add_test(tc, test_begin_sets_start_column);
	tcase_add_test(tc, test_success_follows_tracker);
	tcase_add_loop_test(tc, test_failure_marks_step_layer, 1,
	    REPORT_STEPS + 1);
	tcase_add_test(tc, test_fail_layer_overrides);
	tcase_add_test(tc, test_fail_layer_out_of_range_uses_step_layer);
	tcase_add_test(tc, test_states_carry_over_unreached);
	tcase_add_test(tc, test_fail_without_start_belongs_to_step);
	tcase_add_test(tc, test_unverified_is_marked);
	tcase_add_test(tc, test_unverified_after_verify_does_not_rewrite);
	tcase_add_test(tc, test_skip);
	suite_add_tcase(s, tc);

	tc = tcase_create("records");
	tcase_add_test(tc, test_times_are_offsets);
	tcase_add_test(tc, test_held_left_out);
	tcase_add_test(tc, test_details_replace_and_find);
	tcase_add_test(tc, test_detail_truncation);
	tcase_add_test(tc, test_events_keep_order);
	tcase_add_test(tc, test_events_bounded_per_step);
	tcase_add_test(tc, test_late_failure_rewinds);
	tcase_add_test(tc, test_event_bytes_bounded);
	tcase_add_test(tc, test_hints);
	tcase_add_test(tc, test_findings_bounded);
	tcase_add_test(tc, test_invalid_step_ignored);
	tcase_add_test(tc, test_free_resets);
	suite_add_tcase(s, tc);

	tc = tcase_create("listener");
	tcase_add_test(tc, test_listener_once_per_change);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_other_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(report_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
