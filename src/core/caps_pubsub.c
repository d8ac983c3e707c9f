/*
 * caps_pubsub.c: the experiments about messages: QoS, retain, wildcard
 * and shared subscriptions, subscription identifiers and topic aliases.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "caps_int.h"

/* 5.0 CONNACK properties absent mean their defaults (MQTT 5.0, 3.2.2.3). */
static unsigned
caps_adv_u(const struct caps *k, uint8_t id, unsigned value, unsigned dflt)
{
	return MQTT_PROP_PRESENT(&k->adv, id) ? value : dflt;
}

/* Subscribe and wait for SUBACK: 1 with its code, else 0/-1 as wait. */
static int
caps_subscribe(struct caps *k, struct session *s, const char *filter,
    unsigned qos, uint32_t sub_id, uint8_t *code, struct io_error *err)
{
	struct session_reply rep;
	uint16_t id = 0;
	int rc;

	if (session_subscribe(s, filter, qos, sub_id, &id, err) != 0)
		return -1;
	rc = session_wait(s, MQTT_SUBACK, id, k->deadline, &rep, err);
	if (rc == 1)
		*code = rep.code;
	return rc;
}

/* A failed exchange as a result: a timeout decides nothing. */
static enum cap_result
caps_failed(int rc, const struct io_error *err)
{
	return rc == -1 && (err->cause == CAUSE_TIMEOUT ||
	    err->cause == CAUSE_LOCAL) ? CAP_UNDECIDED : CAP_NO;
}

/*
 * Subscribe at QoS 2 (the grant is the maximum QoS), then publish at
 * 0, 1 and 2 to that topic and see what each comes back as.  A publish
 * the broker refuses by closing gets a fresh connection for the next.
 */
void
caps_qos(struct caps *k)
{
	char topic[256];
	struct session_settings set = { .keepalive = -1 };
	struct session_outcome o;
	struct io_error err = { 0 };
	struct session *s;
	uint8_t granted = 0x80;
	int rc;

	caps_begin(k, "max_qos");
	if (caps_out_of_time(k))
		return;
	caps_topic(k, "qos", topic, sizeof(topic));
	s = caps_open(k, &set, &o);
	rc = s == NULL ? -1 : caps_subscribe(k, s, topic, 2, 0, &granted,
	    &err);
	if (rc != 1 || granted > 2) {
		caps_end(k, s == NULL ? CAP_UNDECIDED : rc == 1 ? CAP_NO :
		    caps_failed(rc, &err), "SUBSCRIBE at QoS 2: %s", s == NULL ?
		    o.reason : rc == 1 ? "refused" : err.text);
		session_close(s, true);
		for (int q = 0; q <= 2; q++) {
			char name[8];

			snprintf(name, sizeof(name), "qos%d", q);
			caps_begin(k, name);
			caps_end(k, CAP_UNDECIDED, "no subscription to receive "
			    "it on");
		}
		return;
	}
	caps_value(k, granted);
	if (k->adv_known) {
		unsigned adv = caps_adv_u(k, 0x24, k->adv.maximum_qos, 2);

		caps_claim(k, adv == granted, "maximum QoS %u", adv);
	}
	caps_end(k, CAP_YES, "SUBSCRIBE at QoS 2: SUBACK granted QoS %u",
	    granted);

	for (unsigned q = 0; q <= 2; q++) {
		char name[8], payload[16];
		struct session_reply rep;
		struct session_msg m;

		snprintf(name, sizeof(name), "qos%u", q);
		snprintf(payload, sizeof(payload), "qos%u-%u", q, k->seq);
		caps_begin(k, name);
		if (caps_out_of_time(k))
			continue;
		if (s == NULL) {
			/* the last one ended the connection: start anew */
			s = caps_open(k, &set, &o);
			rc = s == NULL ? -1 : caps_subscribe(k, s, topic, 2, 0,
			    &granted, &err);
			if (rc != 1 || granted > 2) {
				caps_end(k, CAP_UNDECIDED, "could not subscribe "
				    "again: %s", s == NULL ? o.reason :
				    err.text);
				session_close(s, true);
				s = NULL;
				continue;
			}
		}
		rc = session_publish_flow(s, topic, payload, strlen(payload),
		    q, false, k->deadline, &rep, &err);
		if (rc != 1 || rep.code >= 0x80) {
			if (rc == 1)
				caps_end(k, CAP_NO, "PUBLISH at QoS %u: %s "
				    "reason 0x%02x (%s)", q,
				    mqtt_type_name(rep.type), rep.code,
				    mqtt_reason_name(rep.code));
			else
				caps_end(k, caps_failed(rc, &err), "PUBLISH at "
				    "QoS %u: %s", q, err.text);
			session_close(s, rc == 1);
			s = NULL;
			continue;
		}
		rc = session_wait_msg(s, topic, caps_wait_until(k), &m, &err);
		if (rc != 1) {
			caps_end(k, caps_missed(k, rc, &err),
			    "PUBLISH at QoS %u accepted, but it did not come "
			    "back to the subscription: %s", q, err.text);
			if (rc == 0) {
				session_close(s, false);
				s = NULL;
			}
			continue;
		}
		caps_value(k, m.qos);
		caps_end(k, m.qos == q ? CAP_YES : CAP_PARTIAL, "PUBLISH at "
		    "QoS %u came back at QoS %u%s", q, m.qos, m.qos == q ? "" :
		    " (downgraded)");
	}
	session_close(s, true);
}

/*
 * A retained message on a unique topic must reach a subscriber that
 * comes later; then an empty retained message clears it.
 */
void
caps_retain(struct caps *k)
{
	char topic[256];
	struct session_settings set = { .keepalive = -1 };
	struct session_outcome o;
	struct session_reply rep;
	struct session_msg m;
	struct io_error err = { 0 };
	struct session *p, *s;
	uint8_t code = 0x80;
	bool adv = k->adv_known &&
	    caps_adv_u(k, 0x25, k->adv.retain_available, 1) != 0;
	int rc;

	caps_begin(k, "retain");
	if (caps_out_of_time(k))
		return;
	caps_topic(k, "retain", topic, sizeof(topic));
	p = caps_open(k, &set, &o);
	if (p == NULL) {
		caps_end(k, CAP_UNDECIDED, "publisher: %s", o.reason);
		return;
	}
	rc = session_publish_flow(p, topic, "retained", 8, 1, true,
	    k->deadline, &rep, &err);
	if (rc != 1 || rep.code >= 0x80) {
		if (k->adv_known)
			caps_claim(k, !adv, "retain available %s",
			    adv ? "yes" : "no");
		if (rc == 1)
			caps_end(k, CAP_NO, "a retained PUBLISH: PUBACK reason "
			    "0x%02x (%s)", rep.code, mqtt_reason_name(rep.code));
		else
			caps_end(k, caps_failed(rc, &err), "a retained PUBLISH: "
			    "%s", err.text);
		session_close(p, rc == 1);
		return;
	}
	s = caps_open(k, &set, &o);
	rc = s == NULL ? -1 : caps_subscribe(k, s, topic, 1, 0, &code, &err);
	if (rc == 1 && code <= 2)
		rc = session_wait_msg(s, topic, caps_wait_until(k), &m, &err);
	else if (rc == 1)
		rc = -2;
	session_close(s, true);
	if (k->adv_known)
		caps_claim(k, adv == (rc == 1 && m.retain), "retain available "
		    "%s", adv ? "yes" : "no");
	if (rc == 1 && m.retain)
		caps_end(k, CAP_YES, "a retained message reached a later "
		    "subscriber (retain flag set); then cleared");
	else if (rc == 1)
		caps_end(k, CAP_NO, "the message reached a later subscriber "
		    "without the retain flag");
	else if (s == NULL || rc == -2)
		caps_end(k, CAP_UNDECIDED, "no subscriber: %s", s == NULL ?
		    o.reason : "SUBSCRIBE refused");
	else
		caps_end(k, caps_missed(k, rc, &err), "PUBACK for the retained message, but a later subscriber "
		    "did not get it: %s", err.text);
	/* an empty retained message removes it from the broker */
	session_publish_flow(p, topic, "", 0, 1, true, k->deadline, &rep,
	    &err);
	session_close(p, true);
}

/* Subscribe to filter, publish on topic, expect it back. */
static void
caps_route(struct caps *k, struct session **sp, const char *filter,
    const char *topic, uint32_t sub_id, uint8_t adv_id, unsigned adv_value,
    const char *adv_name)
{
	struct session_settings set = { .keepalive = -1 };
	struct session_outcome o;
	struct session_reply rep;
	struct session_msg m;
	struct io_error err = { 0 };
	uint8_t code = 0x80;
	unsigned adv = caps_adv_u(k, adv_id, adv_value, 1);
	int rc;

	if (sub_id != 0)
		set.mqtt_version = MQTT_V5;
	if (*sp == NULL) {
		*sp = caps_open(k, &set, &o);
		if (*sp == NULL) {
			caps_end(k, CAP_UNDECIDED, "%s", o.reason);
			return;
		}
	}
	rc = caps_subscribe(k, *sp, filter, 1, sub_id, &code, &err);
	if (rc != 1 || code >= 0x80) {
		if (k->adv_known)
			caps_claim(k, adv == 0, "%s %s", adv_name,
			    adv ? "yes" : "no");
		caps_end(k, rc == 1 ? CAP_NO : caps_failed(rc, &err),
		    "SUBSCRIBE '%s': %s%s", caps_rel(k, filter, 0),
		    rc == 1 ? "SUBACK " : "",
		    rc == 1 ? mqtt_suback_name((enum mqtt_version)
		    session_version(*sp), code) : err.text);
		if (rc != 1) {
			session_close(*sp, false);
			*sp = NULL;
		}
		return;
	}
	rc = session_publish_flow(*sp, topic, "route", 5, 1, false,
	    k->deadline, &rep, &err);
	if (rc == 1)
		rc = session_wait_msg(*sp, topic, caps_wait_until(k), &m, &err);
	if (k->adv_known)
		caps_claim(k, (adv != 0) == (rc == 1 && (sub_id == 0 ||
		    (m.has_sub_id && m.sub_id == sub_id))), "%s %s", adv_name,
		    adv ? "yes" : "no");
	if (rc != 1) {
		caps_end(k, caps_missed(k, rc, &err), "SUBSCRIBE '%s' granted, but "
		    "a message on '%s' did not come: %s", caps_rel(k, filter, 0),
		    caps_rel(k, topic, 1),
		    err.text);
		if (rc == 0) {
			session_close(*sp, false);
			*sp = NULL;
		}
		return;
	}
	if (sub_id != 0 && !(m.has_sub_id && m.sub_id == sub_id)) {
		caps_end(k, CAP_NO, "the message came, but without subscription "
		    "identifier %u", sub_id);
		return;
	}
	if (sub_id != 0)
		caps_end(k, CAP_YES, "the message came with subscription "
		    "identifier %u", m.sub_id);
	else
		caps_end(k, CAP_YES, "SUBSCRIBE '%s' granted QoS %u; a message "
		    "on '%s' came", caps_rel(k, filter, 0), code,
		    caps_rel(k, topic, 1));
}

void
caps_subscriptions(struct caps *k)
{
	char base[256], filter[300], topic[320];
	struct session *s = NULL;

	caps_topic(k, "wild", base, sizeof(base));
	caps_begin(k, "wildcard_plus");
	if (!caps_out_of_time(k)) {
		snprintf(filter, sizeof(filter), "%s/+/x", base);
		snprintf(topic, sizeof(topic), "%s/a/x", base);
		caps_route(k, &s, filter, topic, 0, 0x28,
		    k->adv.wildcard_sub_available, "wildcard subscriptions");
	}
	caps_begin(k, "wildcard_hash");
	if (!caps_out_of_time(k)) {
		snprintf(filter, sizeof(filter), "%s/h/#", base);
		snprintf(topic, sizeof(topic), "%s/h/b/c", base);
		caps_route(k, &s, filter, topic, 0, 0x28,
		    k->adv.wildcard_sub_available, "wildcard subscriptions");
	}
	caps_begin(k, "shared");
	if (!caps_out_of_time(k)) {
		snprintf(topic, sizeof(topic), "%s/shared", base);
		snprintf(filter, sizeof(filter), "$share/probe%u/%s", k->seq,
		    topic);
		caps_route(k, &s, filter, topic, 0, 0x2A,
		    k->adv.shared_sub_available, "shared subscriptions");
	}
	session_close(s, true);
}

/* Topic aliases: set alias 1 with a topic, then use it alone. */
static void
caps_alias(struct caps *k)
{
	char topic[256];
	struct session_settings set = { .keepalive = -1,
	    .mqtt_version = MQTT_V5 };
	struct session_outcome o;
	struct session_msg m;
	struct io_error err = { 0 };
	struct session *s;
	uint8_t code = 0x80;
	unsigned adv = caps_adv_u(k, 0x22, k->adv.topic_alias_maximum, 0);
	int rc;

	caps_topic(k, "alias", topic, sizeof(topic));
	s = caps_open(k, &set, &o);
	if (s == NULL) {
		caps_end(k, CAP_UNDECIDED, "%s", o.reason);
		return;
	}
	rc = caps_subscribe(k, s, topic, 1, 0, &code, &err);
	if (rc == 1 && code <= 2)
		rc = session_publish(s, topic, strlen(topic), "a", 1, 0, false,
		    1, NULL, &err) == 0 ? 1 : -1;
	if (rc == 1)
		rc = session_publish(s, "", 0, "b", 1, 0, false, 1, NULL,
		    &err) == 0 ? 1 : -1;
	/* both under the name they stand for */
	if (rc == 1)
		rc = session_wait_msg(s, topic, caps_wait_until(k), &m, &err);
	if (rc == 1)
		rc = session_wait_msg(s, topic, caps_wait_until(k), &m, &err);
	session_close(s, rc == 1);
	caps_value(k, adv);
	caps_claim(k, (adv > 0) == (rc == 1), "topic alias maximum %u", adv);
	if (rc == 1 && code <= 2)
		caps_end(k, CAP_YES, "PUBLISH with topic alias 1, then with the "
		    "alias alone: both came on '%s'", caps_rel(k, topic, 0));
	else
		caps_end(k, code > 2 ? CAP_UNDECIDED : caps_missed(k, rc, &err),
		    "PUBLISH with topic alias 1, then the alias alone: %s",
		    code > 2 ? "SUBSCRIBE refused" : err.text);
}

/* What only 5.0 has; on a broker without 5.0 they do not apply. */
void
caps_v5_features(struct caps *k)
{
	char topic[256];
	struct session *s = NULL;

	caps_begin(k, "subscription_ids");
	if (!k->v5)
		caps_end(k, CAP_NA, "the broker does not accept MQTT 5.0");
	else if (!caps_out_of_time(k)) {
		caps_topic(k, "subid", topic, sizeof(topic));
		caps_route(k, &s, topic, topic, 42, 0x29,
		    k->adv.sub_id_available, "subscription identifiers");
		session_close(s, true);
	}
	caps_begin(k, "topic_alias");
	if (!k->v5)
		caps_end(k, CAP_NA, "the broker does not accept MQTT 5.0");
	else if (!caps_out_of_time(k))
		caps_alias(k);
}
