/*
 * caps_session.c: the experiments about connections: MQTT versions,
 * persistent sessions, the will, keep-alive.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps_int.h"

static const struct {
	int version;
	const char *cap;
	const char *name;
} caps_version_list[] = {
	{ MQTT_V31, "mqtt_3_1", "3.1" },
	{ MQTT_V311, "mqtt_3_1_1", "3.1.1" },
	{ MQTT_V5, "mqtt_5", "5.0" },
};

/* An open that failed, as a result: a timeout decides nothing. */
static enum cap_result
caps_refused(const struct session_outcome *o)
{
	return o->cause == CAUSE_TIMEOUT || o->cause == CAUSE_INTERRUPTED ?
	    CAP_UNDECIDED : CAP_NO;
}

/* Each version on a connection of its own: CONNACK 0 or not. */
void
caps_versions(struct caps *k)
{
	for (size_t i = 0; i < 3; i++) {
		struct session_settings set = { .keepalive = -1,
		    .mqtt_version = caps_version_list[i].version };
		struct session_outcome o;
		struct session *s;
		char id[24];

		caps_begin(k, caps_version_list[i].cap);
		if (caps_out_of_time(k))
			continue;
		/* 3.1 allows client ids of 1 to 23 bytes: keep the probe's
		 * start (a prefix rule may want it) and make it unique */
		if (caps_version_list[i].version == MQTT_V31) {
			snprintf(id, sizeof(id), "%.16s-v%u", k->cfg->client_id,
			    ++k->seq % 1000);
			set.client_id = id;
		}
		s = caps_open(k, &set, &o);
		if (s == NULL) {
			caps_end(k, caps_refused(&o), "CONNECT at level %d%s: "
			    "%s%s", caps_version_list[i].version,
			    set.client_id != NULL ? ", a 23-byte client id at "
			    "most" : "", o.reason,
			    caps_version_list[i].version == MQTT_V5 &&
			    o.cause == CAUSE_PROTOCOL ? " (as a broker without "
			    "5.0 answers: in 3.1.1's form)" : "");
			continue;
		}
		if (caps_version_list[i].version == MQTT_V5) {
			k->v5 = true;
			k->adv_known = true;
			k->adv = o.props;
		}
		session_close(s, true);
		caps_end(k, CAP_YES, "CONNECT at level %d (%s): CONNACK 0x00",
		    caps_version_list[i].version, caps_version_list[i].name);
	}
}

/*
 * A persistent session: subscribe with Clean Session 0 (5.0: Clean
 * Start 0 and an expiry), leave, have a QoS 1 message sent meanwhile,
 * come back: the session and the message must be there.  Then end the
 * session (Clean Session 1 / expiry 0), so nothing stays behind.
 */
void
caps_sessions(struct caps *k)
{
	char id[64], topic[256];
	struct session_settings keep = { .keepalive = -1, .client_id = id,
	    .keep_session = true, .session_expiry = 60 };
	struct session_settings pub = { .keepalive = -1 };
	struct session_settings clean = { .keepalive = -1, .client_id = id };
	struct session_outcome o;
	struct session_reply rep;
	struct session_msg m;
	struct io_error err = { 0 };
	struct session *s;
	bool adv_expiry;
	uint32_t expiry;
	int rc;

	caps_begin(k, "persistent_session");
	if (caps_out_of_time(k))
		return;
	caps_client_id(k, id, sizeof(id));
	caps_topic(k, "session", topic, sizeof(topic));
	if (k->version != MQTT_V5)
		keep.session_expiry = 0;
	s = caps_open(k, &keep, &o);
	if (s == NULL) {
		caps_end(k, caps_refused(&o), "CONNECT with Clean Session 0: %s",
		    o.reason);
		return;
	}
	/* a 5.0 broker that will not keep it for the 60 s asked says so
	 * in CONNACK (Session Expiry Interval): 0 means not at all */
	adv_expiry = MQTT_PROP_PRESENT(&o.props, 0x11);
	expiry = o.props.session_expiry;
	rc = session_subscribe(s, topic, 1, 0, NULL, &err) == 0 ?
	    session_wait(s, MQTT_SUBACK, 0, k->deadline, &rep, &err) : -1;
	session_close(s, true);
	if (rc != 1 || rep.code >= 0x80) {
		caps_end(k, rc == -1 && err.cause == CAUSE_TIMEOUT ?
		    CAP_UNDECIDED : CAP_NO, "SUBSCRIBE in the session: %s",
		    rc == 1 ? "refused" : err.text);
		goto cleanup;
	}
	s = caps_open(k, &pub, &o);
	rc = s == NULL ? -1 : session_publish_flow(s, topic, "while-away", 10,
	    1, false, k->deadline, &rep, &err);
	session_close(s, true);
	if (rc != 1) {
		caps_end(k, CAP_UNDECIDED, "could not publish to the absent "
		    "session: %s", s == NULL ? o.reason : err.text);
		goto cleanup;
	}
	s = caps_open(k, &keep, &o);
	if (s == NULL) {
		caps_end(k, caps_refused(&o), "reconnecting: %s", o.reason);
		goto cleanup;
	}
	rc = session_wait_msg(s, topic, caps_wait_until(k), &m, &err);
	session_close(s, true);
	if (adv_expiry)
		caps_claim(k, (expiry > 0) == o.session_present,
		    "session expiry %u s", (unsigned)expiry);
	if (!o.session_present)
		caps_end(k, CAP_NO, "reconnected with Clean Session 0: CONNACK "
		    "session present 0, the session was not kept%s",
		    rc == 1 ? " (yet the message came)" : "");
	else if (rc != 1)
		caps_end(k, CAP_PARTIAL, "CONNACK session present 1, but the "
		    "QoS 1 message sent meanwhile was not delivered: %s",
		    err.text);
	else
		caps_end(k, CAP_YES, "CONNACK session present 1 on reconnect; "
		    "the QoS 1 message sent meanwhile was delivered (QoS %u)",
		    m.qos);
cleanup:
	/* a clean connect with the same id ends the session (5.0: with
	 * no expiry, it ends at the DISCONNECT) */
	s = caps_open(k, &clean, &o);
	session_close(s, true);
}

/* The will: published when a connection drops without DISCONNECT. */
void
caps_will(struct caps *k)
{
	char topic[256], payload[64];
	struct session_settings sub = { .keepalive = -1 };
	struct session_settings will = { .keepalive = -1,
	    .will_topic = topic, .will_payload = payload };
	struct session_outcome o;
	struct session_reply rep;
	struct session_msg m;
	struct io_error err = { 0 };
	struct session *s, *d;
	int rc;

	caps_begin(k, "will");
	if (caps_out_of_time(k))
		return;
	caps_topic(k, "will", topic, sizeof(topic));
	snprintf(payload, sizeof(payload), "will-%u", k->seq);
	s = caps_open(k, &sub, &o);
	if (s == NULL) {
		caps_end(k, caps_refused(&o), "subscriber: %s", o.reason);
		return;
	}
	rc = session_subscribe(s, topic, 1, 0, NULL, &err) == 0 ?
	    session_wait(s, MQTT_SUBACK, 0, k->deadline, &rep, &err) : -1;
	if (rc != 1 || rep.code >= 0x80) {
		session_close(s, true);
		caps_end(k, CAP_UNDECIDED, "could not subscribe to the will "
		    "topic: %s", rc == 1 ? "refused" : err.text);
		return;
	}
	d = caps_open(k, &will, &o);
	if (d == NULL) {
		session_close(s, true);
		caps_end(k, caps_refused(&o), "CONNECT with a will: %s",
		    o.reason);
		return;
	}
	/* no DISCONNECT: the connection just ends */
	session_close(d, false);
	rc = session_wait_msg(s, topic, caps_wait_until(k), &m, &err);
	session_close(s, true);
	if (rc == 1)
		caps_end(k, CAP_YES, "the connection closed without "
		    "DISCONNECT; the will came on '%s' (%zu bytes)", caps_rel(k, topic, 0),
		    m.payload_len);
	else
		caps_end(k, caps_missed(k, rc, &err), "the connection closed without "
		    "DISCONNECT, but no will came: %s", err.text);
}

/*
 * Keep-alive 1 s and silence: MQTT has the broker close within 1.5 s,
 * but brokers check on a timer (mosquitto 2.0 sweeps every 5 s, and
 * closes 2 to 7 s after): wait 8 s, within the deadline.
 */
#define CAPS_KEEPALIVE 1
#define CAPS_KA_WAIT_US 8000000ull

struct session *
caps_keepalive_start(struct caps *k)
{
	struct session_settings set = { .keepalive = CAPS_KEEPALIVE };
	struct session_outcome o;
	struct session *s;

	/* its packets go where k->ka_into points: k->cur while it opens,
	 * k->ka while the others run, k->cur again when it is decided */
	if (k->trace) {
		set.trace = caps_trace;
		set.trace_ctx = &k->ka_into;
	}
	caps_begin(k, "keepalive_enforced");
	if (caps_out_of_time(k))
		return NULL;
	s = caps_open(k, &set, &o);
	if (s == NULL)
		caps_end(k, caps_refused(&o), "CONNECT with keep-alive %d s: %s",
		    CAPS_KEEPALIVE, o.reason);
	/* a 5.0 broker may replace the keep-alive (Server Keep Alive) */
	k->ka_server = s != NULL && MQTT_PROP_PRESENT(&o.props, 0x13) ?
	    o.props.server_keep_alive : 0;
	/* decided last: the others run meanwhile */
	k->ka = k->cur;
	k->cur.packets = NULL;		/* k->ka has them now */
	k->cur.npackets = 0;
	k->cur.packets_dropped = 0;
	k->ka_into = &k->ka;
	return s;
}

void
caps_keepalive_finish(struct caps *k, struct session *s)
{
	struct session_reply rep;
	struct io_error err = { 0 };
	uint64_t t0, until, after, looked;
	int rc;

	if (s == NULL)
		return;
	free(k->cur.packets);
	k->cur = k->ka;
	k->ka.packets = NULL;
	k->ka_into = &k->cur;
	t0 = k->cur.start_us;
	looked = session_now(s) - t0;
	until = t0 + CAPS_KA_WAIT_US;
	/* the others may have run past the wait (a slow link, valgrind):
	 * a close that came meanwhile is still there to be read, and a
	 * read past its deadline would not look */
	if (until < t0 + looked + 200000)
		until = t0 + looked + 200000;
	if (until > k->deadline)
		until = k->deadline;
	rc = session_wait(s, MQTT_AUTH, 0, until, &rep, &err);
	after = session_now(s) - t0;
	session_close(s, false);
	/* the claim fails when even its own keep-alive and a half passed
	 * with the connection open */
	if (k->ka_server != 0)
		caps_claim(k, rc == 0 || err.cause != CAUSE_TIMEOUT ||
		    k->ka_server * 1500000ull > until - t0,
		    "server keep alive %u s", k->ka_server);
	if (rc != 0 && err.cause == CAUSE_TIMEOUT &&
	    k->ka_server * 1500000ull > until - t0) {
		caps_end(k, CAP_UNDECIDED, "the broker replaced keep-alive %d s "
		    "with %u s (Server Keep Alive), longer than the %.0f s "
		    "waited", CAPS_KEEPALIVE, k->ka_server,
		    (double)(until - t0) / 1e6);
		return;
	}
	if (rc == 0 && after - looked < 50000) {
		/* it was over before we looked: the time is a bound */
		caps_value(k, (long long)(after / 1000));
		caps_end(k, CAP_YES, "keep-alive %d s and no PINGREQ: %s "
		    "within %.2f s (the other experiments ran meanwhile)",
		    CAPS_KEEPALIVE, err.text, (double)after / 1e6);
	} else if (rc == 0) {
		caps_value(k, (long long)(after / 1000));
		caps_end(k, CAP_YES, "keep-alive %d s and no PINGREQ: %s "
		    "after %.2f s", CAPS_KEEPALIVE, err.text,
		    (double)after / 1e6);
	} else if (err.cause == CAUSE_TIMEOUT && until < t0 + CAPS_KA_WAIT_US)
		caps_end(k, CAP_UNDECIDED, "keep-alive %d s and no PINGREQ: still "
		    "open after %.2f s, when the deadline came (--timeout %.3g "
		    "s; brokers may take up to %.0f s to close)", CAPS_KEEPALIVE,
		    (double)after / 1e6, (double)k->cfg->timeout_us / 1e6,
		    (double)CAPS_KA_WAIT_US / 1e6);
	else
		caps_end(k, err.cause == CAUSE_TIMEOUT ? CAP_NO : CAP_UNDECIDED,
		    "keep-alive %d s and no PINGREQ: the connection was still "
		    "open after %.2f s (%s)", CAPS_KEEPALIVE,
		    (double)(until - t0) / 1e6, err.text);
}
