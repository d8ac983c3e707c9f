/*
 * caps_inflight.c: how many QoS 2 messages the broker takes in flight
 * from one client, against the Receive Maximum a 5.0 CONNACK
 * advertises (65535 when it says nothing).
 *
 * A QoS 2 PUBLISH stays in flight until our PUBREL, so sending N of
 * them and holding every PUBREL back puts N in flight at once.  The
 * broker must acknowledge each with a PUBREC; one more than it
 * advertises must be refused (5.0: 0x93 Receive Maximum exceeded, or a
 * PUBREC with 0x97 quota exceeded, as mosquitto answers).  The flows
 * are then completed, so nothing stays on the broker.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "caps_int.h"

/* At most this many held at once: enough to show the limits brokers
 * use (mosquitto 20, EMQX 32), few enough to stay quick on any link. */
#define CAPS_INFLIGHT_MAX 32

/* Complete the flows: PUBREL each accepted id, then take the PUBCOMPs. */
static void
caps_inflight_release(struct caps *k, struct session *s, const uint16_t *ids,
    size_t n)
{
	struct session_reply rep;
	struct io_error err = { 0 };
	uint64_t until = caps_wait_until(k);

	for (size_t i = 0; i < n; i++)
		if (session_ack(s, MQTT_PUBREL, ids[i], &err) != 0)
			return;
	for (size_t i = 0; i < n; i++)
		if (session_wait(s, MQTT_PUBCOMP, 0, until, &rep, &err) != 1)
			return;
}

void
caps_receive_maximum(struct caps *k)
{
	char topic[256], payload[32];
	struct session_settings set = { .keepalive = -1 };
	struct session_outcome o;
	struct session_reply rep;
	struct io_error err = { 0 };
	struct session *s;
	uint16_t accepted[CAPS_INFLIGHT_MAX + 1];
	unsigned adv = 0, n, sent = 0, got = 0, refused = 0;
	uint8_t refused_code = 0;
	bool closed = false;
	int rc = 1;

	caps_begin(k, "receive_maximum");
	if (caps_out_of_time(k))
		return;
	/* a 5.0 session's limit: a 3.1.1 one has none to compare with */
	if (k->adv_known && k->version == MQTT_V5)
		adv = MQTT_PROP_PRESENT(&k->adv, 0x21) ?
		    k->adv.receive_maximum : 65535;
	/* the advertised number, and one more to see it enforced, when
	 * that is within the bound; else the bound */
	n = adv != 0 && adv < CAPS_INFLIGHT_MAX ? adv + 1 : CAPS_INFLIGHT_MAX;
	caps_topic(k, "inflight", topic, sizeof(topic));
	s = caps_open(k, &set, &o);
	if (s == NULL) {
		caps_end(k, CAP_UNDECIDED, "could not connect: %s", o.reason);
		return;
	}
	for (sent = 0; sent < n; sent++) {
		snprintf(payload, sizeof(payload), "inflight-%u", sent + 1);
		if (session_publish(s, topic, strlen(topic), payload,
		    strlen(payload), 2, false, 0, NULL, &err) != 0)
			break;
	}
	/* every PUBREC, in whatever order they come */
	while (got + refused < sent) {
		rc = session_wait(s, MQTT_PUBREC, 0, caps_wait_until(k), &rep,
		    &err);
		if (rc != 1)
			break;
		if (rep.code >= 0x80) {
			refused++;
			refused_code = rep.code;
		} else
			accepted[got++] = rep.id;
	}
	closed = rc == 0;
	if (!closed)
		caps_inflight_release(k, s, accepted, got);
	session_close(s, !closed);

	if (got == 0) {
		/* no QoS 2 flow at all (the qos2 capability says more) */
		if (refused > 0)
			caps_end(k, CAP_NA, "a QoS 2 PUBLISH was refused with "
			    "0x%02x (%s), so none can be held in flight",
			    refused_code, mqtt_reason_name(refused_code));
		else if (closed)
			caps_end(k, CAP_NA, "a QoS 2 PUBLISH: %s, so none "
			    "can be held in flight", err.text);
		else
			caps_end(k, caps_missed(k, rc, &err), "no PUBREC for "
			    "a QoS 2 PUBLISH: %s", err.text);
		return;
	}
	caps_value(k, got);
	if (adv != 0)
		/* taking fewer than it advertises breaks clients that
		 * trust the number; taking more only spares them */
		caps_claim(k, got >= (adv < CAPS_INFLIGHT_MAX ? adv :
		    CAPS_INFLIGHT_MAX), "receive maximum %u%s", adv,
		    MQTT_PROP_PRESENT(&k->adv, 0x21) ? "" :
		    " (not sent: the default)");
	/* the one over the limit refused by a reason code, or (as 5.0
	 * says: 0x93 Receive Maximum exceeded) by a DISCONNECT */
	if (n > adv && adv != 0 && got == adv && refused > 0)
		caps_end(k, CAP_YES, "%u QoS 2 PUBLISHes held in flight all "
		    "got PUBREC; one more was refused with 0x%02x (%s), as "
		    "the advertised limit says", got, refused_code,
		    mqtt_reason_name(refused_code));
	else if (n > adv && adv != 0 && got == adv && closed)
		caps_end(k, CAP_YES, "%u QoS 2 PUBLISHes held in flight all "
		    "got PUBREC; one more ended the connection (%s), as the "
		    "advertised limit says", got, err.text);
	else if (n > adv && adv != 0 && got > adv)
		caps_end(k, CAP_YES, "%u QoS 2 PUBLISHes held in flight all "
		    "got PUBREC: the broker takes more than the %u it "
		    "advertises (it does not enforce its Receive Maximum)",
		    got, adv);
	else if (got + refused == sent && refused == 0)
		caps_end(k, CAP_YES, "%u QoS 2 PUBLISHes held in flight all "
		    "got PUBREC (%u is the most this probe tries)", got,
		    CAPS_INFLIGHT_MAX);
	else {
		char why[128] = "";

		if (refused > 0)
			snprintf(why, sizeof(why), ", %u refused with 0x%02x "
			    "(%s)", refused, refused_code,
			    mqtt_reason_name(refused_code));
		caps_end(k, CAP_PARTIAL, "of %u QoS 2 PUBLISHes held in "
		    "flight, %u got PUBREC%s%s", sent, got, why, rc == 1 ? "" :
		    closed ? "; then the broker closed the connection" :
		    "; no answer came for the rest");
	}
}
