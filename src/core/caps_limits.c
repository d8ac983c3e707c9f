/*
 * caps_limits.c: the experiments about sizes: the largest packet, the
 * longest topic, the longest client id, the characters a client id may
 * not have, the empty client id.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps_int.h"

/* The search stops here: a broker that takes this takes enough. */
#define CAPS_PACKET_BOUND (1u << 20)
#define CAPS_TOPIC_BOUND 65535u

enum { TRY_NO, TRY_YES, TRY_UNDECIDED };

struct caps_try {
	struct session *s;
	char base[256];			/* topic, or its start */
	char last[REPORT_TEXT_MAX];	/* the last refusal, as evidence */
	unsigned tries;
};

/*
 * PUBLISH at QoS 0 then PINGREQ: the broker answers a PINGREQ only
 * after it has read and taken what came before, so PINGRESP says the
 * PUBLISH was accepted, and a closed connection that it was not.
 * size is the whole packet's (topic_len 0: the base topic) or the
 * topic's length.
 */
static int
caps_try_publish(struct caps *k, struct caps_try *t, size_t topic_len,
    size_t packet)
{
	struct session_settings set = { .keepalive = -1 };
	struct session_outcome o;
	struct session_reply rep;
	struct io_error err = { 0 };
	size_t blen = strlen(t->base), tl = topic_len > 0 ? topic_len : blen;
	size_t head, payload = 0;
	char *topic = NULL, *body = NULL;
	int rc;

	t->tries++;
	if (t->s == NULL) {
		t->s = caps_open(k, &set, &o);
		if (t->s == NULL) {
			snprintf(t->last, sizeof(t->last), "%s", o.reason);
			return TRY_UNDECIDED;
		}
	}
	head = 2 + tl + (session_version(t->s) == MQTT_V5 ? 1 : 0);
	if (packet > 0) {
		/* the remaining length's own size depends on it: try the
		 * sizes of the varint from the smallest */
		for (size_t vs = 1; vs <= 4; vs++)
			if (packet >= 1 + vs + head &&
			    mqtt_varint_size((uint32_t)(packet - 1 - vs)) == vs) {
				payload = packet - 1 - vs - head;
				break;
			}
	}
	topic = malloc(tl + 1);
	body = payload > 0 ? calloc(1, payload) : NULL;
	if (topic == NULL || (payload > 0 && body == NULL)) {
		free(topic);
		free(body);
		snprintf(t->last, sizeof(t->last), "out of memory");
		return TRY_UNDECIDED;
	}
	memcpy(topic, t->base, blen < tl ? blen : tl);
	if (tl > blen)
		memset(topic + blen, 'x', tl - blen);
	topic[tl] = '\0';
	rc = session_publish(t->s, topic, tl, body, payload, 0, false, 0,
	    NULL, &err) == 0 && session_ping(t->s, &err) == 0 ?
	    session_wait(t->s, MQTT_PINGRESP, 0, caps_wait_until(k), &rep,
	    &err) : -1;
	free(topic);
	free(body);
	if (rc == 1)
		return TRY_YES;
	snprintf(t->last, sizeof(t->last), "%s", err.text);
	session_close(t->s, false);
	t->s = NULL;
	/* a broker that resets the connection refuses as much as one that
	 * closes it; only a timeout (or our own failure) decides nothing */
	return rc == 0 || (err.cause != CAUSE_TIMEOUT &&
	    err.cause != CAUSE_LOCAL && err.cause != CAUSE_INTERRUPTED) ?
	    TRY_NO : TRY_UNDECIDED;
}

/*
 * Binary search for the largest accepted value in [lo, hi], where lo
 * was accepted and hi refused: log2(hi - lo) tries, each bounded.
 */
static int
caps_search(struct caps *k, struct caps_try *t, bool topic, size_t *lo,
    size_t *hi)
{
	while (*hi - *lo > 1) {
		size_t mid = *lo + (*hi - *lo) / 2;
		int r;

		if (caps_now_past(k))
			return TRY_UNDECIDED;
		r = caps_try_publish(k, t, topic ? mid : 0, topic ? 0 : mid);
		if (r == TRY_UNDECIDED)
			return r;
		if (r == TRY_YES)
			*lo = mid;
		else
			*hi = mid;
	}
	return TRY_YES;
}

void
caps_packet_size(struct caps *k)
{
	struct caps_try t = { 0 };
	size_t lo = 64, hi = CAPS_PACKET_BOUND;
	bool adv = k->adv_known && MQTT_PROP_PRESENT(&k->adv, 0x27);
	int r;

	caps_begin(k, "max_packet_size");
	if (caps_out_of_time(k))
		return;
	caps_topic(k, "size", t.base, sizeof(t.base));
	r = caps_try_publish(k, &t, 0, hi);
	if (r == TRY_YES) {
		caps_value(k, (long long)hi);
		if (adv)
			caps_claim(k, k->adv.maximum_packet_size >= hi,
			    "maximum packet size %u", k->adv.maximum_packet_size);
		caps_end(k, CAP_YES, "a %zu-byte PUBLISH was accepted: the "
		    "bound of the search (1 MiB), so at least that", hi);
		session_close(t.s, true);
		return;
	}
	if (r == TRY_NO) {
		bool lo_seen = false;	/* lo was tried and accepted */

		/* what 5.0 advertises narrows the search to two tries */
		if (adv && k->adv.maximum_packet_size > lo &&
		    k->adv.maximum_packet_size < hi) {
			size_t a = k->adv.maximum_packet_size;

			r = caps_try_publish(k, &t, 0, a);
			if (r == TRY_YES) {
				lo = a;
				lo_seen = true;
				r = caps_try_publish(k, &t, 0, a + 1);
				if (r == TRY_NO)
					hi = a + 1;
				else if (r == TRY_YES)
					lo = a + 1;
			} else if (r == TRY_NO)
				hi = a;
		}
		if (r != TRY_UNDECIDED && !lo_seen) {
			r = caps_try_publish(k, &t, 0, lo);
			if (r == TRY_NO) {
				caps_end(k, CAP_NO, "even a %zu-byte PUBLISH "
				    "was refused: %s", lo, t.last);
				session_close(t.s, true);
				return;
			}
		}
		if (r != TRY_UNDECIDED)
			r = caps_search(k, &t, false, &lo, &hi);
	}
	session_close(t.s, true);
	if (r == TRY_UNDECIDED) {
		caps_end(k, CAP_UNDECIDED, "between %zu (accepted) and %zu "
		    "(refused) bytes when it stopped: %s", lo, hi, t.last);
		return;
	}
	caps_value(k, (long long)lo);
	if (adv)
		caps_claim(k, k->adv.maximum_packet_size == lo,
		    "maximum packet size %u", k->adv.maximum_packet_size);
	caps_end(k, CAP_YES, "a %zu-byte PUBLISH was accepted, a %zu-byte "
	    "one refused (%s); %u tries", lo, hi, t.last, t.tries);
}

void
caps_topic_length(struct caps *k)
{
	struct caps_try t = { 0 };
	size_t lo, hi = CAPS_TOPIC_BOUND;
	int r;

	caps_begin(k, "max_topic_length");
	if (caps_out_of_time(k))
		return;
	caps_topic(k, "topic", t.base, sizeof(t.base));
	lo = strlen(t.base);
	r = caps_try_publish(k, &t, hi, 0);
	if (r == TRY_YES) {
		caps_value(k, (long long)hi);
		caps_end(k, CAP_YES, "a %zu-byte topic was accepted: the most "
		    "MQTT can carry", hi);
		session_close(t.s, true);
		return;
	}
	if (r == TRY_NO)
		r = caps_search(k, &t, true, &lo, &hi);
	session_close(t.s, true);
	if (r == TRY_UNDECIDED) {
		caps_end(k, CAP_UNDECIDED, "between %zu (accepted) and %zu "
		    "(refused) bytes when it stopped: %s", lo, hi, t.last);
		return;
	}
	caps_value(k, (long long)lo);
	caps_end(k, CAP_YES, "a %zu-byte topic was accepted, a %zu-byte one "
	    "refused (%s)%s", lo, hi, t.last, k->adv_known &&
	    MQTT_PROP_PRESENT(&k->adv, 0x27) ? "; the maximum packet size "
	    "may be what limits it" : "");
}

/* Connect with id (and keep_session); TRY_* with the reason in why. */
static int
caps_try_id(struct caps *k, const char *id, bool keep, char *why, size_t len)
{
	struct session_settings set = { .keepalive = -1, .client_id = id,
	    .keep_session = keep };
	struct session_outcome o;
	struct session *s = caps_open(k, &set, &o);

	if (s != NULL) {
		session_close(s, true);
		/* a kept session of an empty id is the broker's to end: 5.0
		 * sends no expiry, so it ends at the DISCONNECT */
		snprintf(why, len, "CONNACK 0x00%s", o.session_present ?
		    ", session present" : "");
		return TRY_YES;
	}
	snprintf(why, len, "%s", o.reason);
	return o.cause == CAUSE_TIMEOUT ? TRY_UNDECIDED : TRY_NO;
}

static const size_t caps_id_lengths[] = { 23, 64, 256, 1024, 65535 };

static void
caps_id_length(struct caps *k)
{
	char why[REPORT_TEXT_MAX], base[64], *id;
	size_t best = 0, n = sizeof(caps_id_lengths) /
	    sizeof(caps_id_lengths[0]);
	int r = TRY_NO;

	caps_begin(k, "client_id_max_length");
	if (caps_out_of_time(k))
		return;
	id = malloc(65536);
	if (id == NULL) {
		caps_end(k, CAP_UNDECIDED, "out of memory");
		return;
	}
	caps_client_id(k, base, sizeof(base));
	/* the longest first: most brokers take it, and one try decides */
	for (size_t i = n; i-- > 0;) {
		size_t len = caps_id_lengths[i], bl = strlen(base);

		if (caps_now_past(k)) {
			r = TRY_UNDECIDED;
			break;
		}
		memcpy(id, base, bl < len ? bl : len);
		if (len > bl)
			memset(id + bl, 'x', len - bl);
		id[len] = '\0';
		r = caps_try_id(k, id, false, why, sizeof(why));
		if (r != TRY_NO) {
			best = len;
			break;
		}
	}
	free(id);
	if (r == TRY_UNDECIDED)
		caps_end(k, CAP_UNDECIDED, "%s", why);
	else if (best == 0)
		caps_end(k, CAP_NO, "even a 23-byte client id was refused: %s",
		    why);
	else {
		caps_value(k, (long long)best);
		caps_end(k, CAP_YES, "a %zu-byte client id was accepted%s "
		    "(tried %s)", best, best == 65535 ? ", the most MQTT can "
		    "carry" : "", "23, 64, 256, 1024, 65535 bytes");
	}
}

static const char *const caps_id_chars[] = { " ", "/", "+", "#", ":", "\xc3\xa9" };

static void
caps_id_chars_try(struct caps *k)
{
	char base[64], id[80], why[REPORT_TEXT_MAX], refused[128] = "";
	size_t n = sizeof(caps_id_chars) / sizeof(caps_id_chars[0]), nref = 0;

	caps_begin(k, "client_id_chars");
	caps_client_id(k, base, sizeof(base));
	for (size_t i = 0; i < n; i++) {
		int r;

		if (caps_out_of_time(k))
			return;
		snprintf(id, sizeof(id), "%s%s1", base, caps_id_chars[i]);
		r = caps_try_id(k, id, false, why, sizeof(why));
		if (r == TRY_UNDECIDED) {
			caps_end(k, CAP_UNDECIDED, "%s", why);
			return;
		}
		if (r == TRY_NO) {
			size_t o = strlen(refused);

			snprintf(refused + o, sizeof(refused) - o, "%s'%s'",
			    nref > 0 ? " " : "", caps_id_chars[i]);
			nref++;
		}
	}
	if (nref == 0)
		caps_end(k, CAP_YES, "client ids with ' ' '/' '+' '#' ':' "
		    "'\xc3\xa9' were all accepted");
	else
		caps_end(k, nref == n ? CAP_NO : CAP_PARTIAL, "client ids "
		    "refused with: %s (last: %s)", refused, why);
}

static void
caps_empty_id(struct caps *k, const char *name, bool keep)
{
	char why[REPORT_TEXT_MAX];
	int r;

	caps_begin(k, name);
	if (caps_out_of_time(k))
		return;
	r = caps_try_id(k, "", keep, why, sizeof(why));
	caps_end(k, r == TRY_YES ? CAP_YES : r == TRY_NO ? CAP_NO :
	    CAP_UNDECIDED, "an empty client id with Clean %s %d: %s%s",
	    k->version == MQTT_V5 ? "Start" : "Session", keep ? 0 : 1, why,
	    r == TRY_YES && keep && k->version != MQTT_V5 ? " (MQTT 3.1.1 "
	    "requires return code 0x02 here: the broker does not follow "
	    "it)" : "");
}

void
caps_client_ids(struct caps *k)
{
	caps_id_length(k);
	caps_id_chars_try(k);
	caps_empty_id(k, "empty_client_id_clean", false);
	caps_empty_id(k, "empty_client_id_persistent", true);
}
