/*
 * session.c: one more connection to the broker, for the experiments.
 *
 * The session runs engine_open, the probe's own steps 1 to 7, on a copy
 * of the probe's settings with a few changed (session.h), and records
 * them in a scratch report: the probe's report shows the conclusions
 * (caps.c), not a second walk.  Then it sends packets through the same
 * engine_send and reads them through the same bounded engine_read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "session.h"

struct session {
	struct engine e;
	struct engine_config cfg;
	struct engine_io io;
	struct report scratch;
	/* delivered messages not yet taken: a ring, the oldest dropped */
	struct session_msg inbox[SESSION_INBOX];
	size_t nin;
	void (*trace)(void *ctx, uint64_t now, enum report_dir dir,
	    size_t size, const char *text);
	void *trace_ctx;
};

/* The scratch report's listener: its packets go on to whoever traces. */
static void
session_listen(const struct report *r, const struct report_change *c,
    void *ctx)
{
	struct session *s = ctx;

	(void)r;
	if (c->kind == RC_EVENT && c->ev_kind == EVK_MQTT && c->text != NULL)
		s->trace(s->trace_ctx, c->now_us, c->ev_dir, c->ev_size,
		    c->text);
}

static void
session_outcome_fill(struct session *s, struct session_outcome *out)
{
	const struct report *r = &s->scratch;

	memset(out, 0, sizeof(*out));
	out->failed_step = r->failed_step;
	if (r->failed_step != 0) {
		out->cause = r->steps[r->failed_step].cause;
		snprintf(out->reason, sizeof(out->reason), "%s",
		    r->steps[r->failed_step].reason);
	}
	out->connack = r->steps[STEP_CONNACK].status == STEP_OK ||
	    (r->steps[STEP_CONNACK].status == STEP_FAILED &&
	    r->steps[STEP_CONNACK].cause == CAUSE_REFUSED);
	if (out->connack) {
		out->code = s->e.connack.code;
		out->session_present = s->e.connack.session_present;
		out->props = s->e.connack.props;
	}
	out->connected = r->failed_step == 0 &&
	    r->steps[STEP_CONNACK].status == STEP_OK;
}

struct session *
session_open(const struct engine_config *base, const struct engine_io *io,
    const struct session_settings *set, uint64_t deadline,
    struct session_outcome *out)
{
	struct session *s = calloc(1, sizeof(*s));

	memset(out, 0, sizeof(*out));
	if (s == NULL) {
		out->failed_step = STEP_TCP;
		out->cause = CAUSE_LOCAL;
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		return NULL;
	}
	s->cfg = *base;
	s->cfg.steps = STEP_CONNACK;
	s->cfg.capabilities = false;
	/* the experiments' packets are not the probe's to hexdump */
	s->cfg.packet_bytes = false;
	if (set->mqtt_version != 0)
		s->cfg.mqtt_version = set->mqtt_version;
	if (set->client_id != NULL)
		s->cfg.client_id = set->client_id;
	if (set->keepalive >= 0)
		s->cfg.keepalive = (unsigned)set->keepalive;
	s->cfg.keep_session = set->keep_session;
	s->cfg.session_expiry = set->session_expiry;
	s->cfg.will_topic = set->will_topic;
	s->cfg.will_payload = set->will_payload;
	s->cfg.will_qos = set->will_qos;
	s->io = *io;
	s->io.before_step = NULL;	/* --pause holds the probe's steps */
	s->trace = set->trace;
	s->trace_ctx = set->trace_ctx;
	report_init(&s->scratch, s->trace != NULL ? session_listen : NULL, s);
	s->e.cfg = &s->cfg;
	s->e.io = &s->io;
	s->e.r = &s->scratch;
	s->e.fd = -1;
	s->e.deadline = deadline;
	report_begin(&s->scratch, engine_now(&s->e), 0);
	if (!s->cfg.use_tls)
		report_unencrypted(&s->scratch);
	engine_open(&s->e);
	session_outcome_fill(s, out);
	if (!out->connected) {
		session_close(s, false);
		return NULL;
	}
	return s;
}

void
session_close(struct session *s, bool polite)
{
	if (s == NULL)
		return;
	if (polite && s->e.depth > 0)
		engine_goodbye(&s->e);
	engine_close(&s->e);
	report_free(&s->scratch);
	free(s);
}

int
session_version(const struct session *s)
{
	return s->cfg.mqtt_version;
}

uint64_t
session_now(const struct session *s)
{
	return engine_now(&s->e);
}

static int
session_local(struct io_error *err, const char *what)
{
	err->cause = CAUSE_LOCAL;
	snprintf(err->text, sizeof(err->text), "cannot encode %s", what);
	return -1;
}

int
session_publish(struct session *s, const char *topic, size_t topic_len,
    const void *payload, size_t len, unsigned qos, bool retain,
    uint16_t alias, uint16_t *id, struct io_error *err)
{
	enum mqtt_version v = (enum mqtt_version)s->cfg.mqtt_version;
	struct mqtt_publish p = {
		.qos = (uint8_t)qos, .retain = retain,
		.topic = { (const uint8_t *)topic, topic_len },
		.payload = { payload, len },
	};
	size_t size, n = 0;
	uint8_t *pkt;
	int rc;

	if (alias != 0) {
		p.props.present = 1ull << 0x23;
		p.props.topic_alias = alias;
	}
	if (qos > 0)
		p.packet_id = engine_packet_id(&s->e);
	if (id != NULL)
		*id = p.packet_id;
	size = mqtt_publish_size(v, &p);
	pkt = size > 0 ? malloc(size) : NULL;
	if (pkt == NULL || mqtt_publish_encode(v, &p, pkt, size, &n) != MQTT_OK) {
		free(pkt);
		return session_local(err, "PUBLISH");
	}
	if (s->trace != NULL) {
		/* the topic searches send topics of up to 64 KiB: a trace
		 * line shows their start and length */
		char desc[REPORT_TEXT_MAX], more[48] = "";

		if (topic_len > 80)
			snprintf(more, sizeof(more), "... (%zu bytes)",
			    topic_len);
		snprintf(desc, sizeof(desc), "PUBLISH qos=%u retain=%d id=%u%s "
		    "topic='%.*s'%s payload=%zu bytes", qos, retain ? 1 : 0,
		    p.packet_id, alias != 0 ? " alias" : "",
		    (int)(topic_len > 80 ? 80 : topic_len), topic, more, len);
		engine_packet(&s->e, DIR_OUT, pkt, n, 0, desc);
	}
	rc = engine_send(&s->e, pkt, n, err);
	free(pkt);
	return rc;
}

int
session_subscribe(struct session *s, const char *filter, unsigned qos,
    uint32_t sub_id, uint16_t *id, struct io_error *err)
{
	enum mqtt_version v = (enum mqtt_version)s->cfg.mqtt_version;
	struct mqtt_subscribe sub = { .topic = filter, .qos = (uint8_t)qos,
	    .sub_id = sub_id };
	size_t size, n = 0;
	uint8_t *pkt;
	int rc;

	sub.packet_id = engine_packet_id(&s->e);
	if (id != NULL)
		*id = sub.packet_id;
	size = mqtt_subscribe_size(v, &sub);
	pkt = size > 0 ? malloc(size) : NULL;
	if (pkt == NULL || mqtt_subscribe_encode(v, &sub, pkt, size, &n)) {
		free(pkt);
		return session_local(err, "SUBSCRIBE");
	}
	if (s->trace != NULL) {
		char desc[REPORT_TEXT_MAX];

		snprintf(desc, sizeof(desc), "SUBSCRIBE id=%u filter='%.120s' "
		    "qos=%u", sub.packet_id, filter, qos);
		engine_packet(&s->e, DIR_OUT, pkt, n, 0, desc);
	}
	rc = engine_send(&s->e, pkt, n, err);
	free(pkt);
	return rc;
}

int
session_ping(struct session *s, struct io_error *err)
{
	uint8_t pkt[2];
	size_t n = 0;

	if (mqtt_pingreq_encode(pkt, sizeof(pkt), &n) != MQTT_OK)
		return session_local(err, "PINGREQ");
	if (s->trace != NULL)
		engine_packet(&s->e, DIR_OUT, pkt, n, 0, "PINGREQ");
	return engine_send(&s->e, pkt, n, err);
}

int
session_ack(struct session *s, enum mqtt_type type, uint16_t id,
    struct io_error *err)
{
	return engine_send_ack(&s->e, type, id, err);
}

/* Keep a delivered message; a full inbox drops its oldest. */
static void
session_keep(struct session *s, const struct mqtt_publish *p)
{
	struct session_msg *m;
	size_t tl = p->topic.len < SESSION_TOPIC_MAX - 1 ? p->topic.len :
	    SESSION_TOPIC_MAX - 1;
	size_t pl = p->payload.len < sizeof(m->payload) - 1 ? p->payload.len :
	    sizeof(m->payload) - 1;

	if (s->nin == SESSION_INBOX) {
		memmove(&s->inbox[0], &s->inbox[1],
		    sizeof(s->inbox[0]) * (SESSION_INBOX - 1));
		s->nin--;
	}
	m = &s->inbox[s->nin++];
	memset(m, 0, sizeof(*m));
	if (tl > 0)
		memcpy(m->topic, p->topic.data, tl);
	m->topic_len = p->topic.len;
	m->qos = p->qos;
	m->retain = p->retain;
	m->has_sub_id = MQTT_PROP_PRESENT(&p->props, 0x0B);
	m->sub_id = p->props.subscription_id;
	m->payload_len = p->payload.len;
	if (pl > 0)
		memcpy(m->payload, p->payload.data, pl);
}

/* Answer what the broker expects of a receiver; -1 on a send error. */
static int
session_handle(struct session *s, const struct mqtt_packet *p,
    struct io_error *err)
{
	if (p->type == MQTT_PUBLISH) {
		session_keep(s, &p->u.publish);
		if (p->u.publish.qos == 1)
			return engine_send_ack(&s->e, MQTT_PUBACK,
			    p->u.publish.packet_id, err);
		if (p->u.publish.qos == 2)
			return engine_send_ack(&s->e, MQTT_PUBREC,
			    p->u.publish.packet_id, err);
	} else if (p->type == MQTT_PUBREL)
		return engine_send_ack(&s->e, MQTT_PUBCOMP, p->u.ack.packet_id,
		    err);
	return 0;
}

static void
session_reply_fill(const struct mqtt_packet *p, struct session_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	reply->type = p->type;
	switch (p->type) {
	case MQTT_SUBACK:
		reply->id = p->u.suback.packet_id;
		reply->code = p->u.suback.ncodes > 0 ? p->u.suback.codes[0] :
		    0x80;
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
	case MQTT_UNSUBACK:
		reply->id = p->u.ack.packet_id;
		reply->code = p->u.ack.reason;
		break;
	case MQTT_DISCONNECT:
		reply->code = p->u.disconnect.reason;
		break;
	default:
		break;
	}
}

static bool
session_match(const struct session_reply *r, enum mqtt_type want, uint16_t id)
{
	return r->type == want && (id == 0 || r->id == id);
}

/*
 * One packet, by deadline: 1 with reply filled, 0 closed, -1 err.
 * The packet is handled (acknowledged, kept) before it is returned.
 */
static int
session_next(struct session *s, uint64_t deadline, struct session_reply *reply,
    struct io_error *err)
{
	struct mqtt_packet p;
	uint64_t saved = s->e.deadline;
	long got;
	int rc;

	if (s->e.depth == 0) {
		err->cause = CAUSE_CLOSED;
		snprintf(err->text, sizeof(err->text), "the connection is "
		    "closed");
		return 0;
	}
	if (deadline < s->e.deadline)
		s->e.deadline = deadline;
	got = engine_read(&s->e, &p, err);
	s->e.deadline = saved;
	if (got == 0) {
		err->cause = CAUSE_CLOSED;
		snprintf(err->text, sizeof(err->text), "the broker closed the "
		    "connection");
		return 0;
	}
	if (got < 0 && err->cause != CAUSE_TIMEOUT &&
	    err->cause != CAUSE_LOCAL && err->cause != CAUSE_INTERRUPTED &&
	    err->cause != CAUSE_PROTOCOL)
		/* a reset, or TLS ended without close_notify: the broker
		 * closed the connection all the same (err says how) */
		return 0;
	if (got < 0)
		return -1;
	session_reply_fill(&p, reply);
	rc = session_handle(s, &p, err);
	if (p.type == MQTT_DISCONNECT) {
		err->cause = CAUSE_CLOSED;
		snprintf(err->text, sizeof(err->text), "the broker sent "
		    "DISCONNECT 0x%02x (%s)", p.u.disconnect.reason,
		    mqtt_reason_name(p.u.disconnect.reason));
		engine_consume(&s->e, (size_t)got);
		return 0;
	}
	engine_consume(&s->e, (size_t)got);
	return rc < 0 ? -1 : 1;
}

int
session_wait(struct session *s, enum mqtt_type want, uint16_t id,
    uint64_t deadline, struct session_reply *reply, struct io_error *err)
{
	/* every pass reads at most one packet by the deadline, so a broker
	 * that talks of other things cannot keep us past it */
	for (;;) {
		int rc = session_next(s, deadline, reply, err);

		if (rc <= 0)
			return rc;
		if (session_match(reply, want, id))
			return 1;
	}
}

static bool
session_take(struct session *s, const char *topic, struct session_msg *msg)
{
	size_t tl = strlen(topic);

	for (size_t i = 0; i < s->nin; i++) {
		struct session_msg *m = &s->inbox[i];

		if (m->topic_len == tl && tl < SESSION_TOPIC_MAX &&
		    memcmp(m->topic, topic, tl) == 0) {
			*msg = *m;
			memmove(m, m + 1, sizeof(*m) * (s->nin - i - 1));
			s->nin--;
			return true;
		}
	}
	return false;
}

int
session_wait_msg(struct session *s, const char *topic, uint64_t deadline,
    struct session_msg *msg, struct io_error *err)
{
	for (;;) {
		struct session_reply reply;
		int rc;

		if (session_take(s, topic, msg))
			return 1;
		rc = session_next(s, deadline, &reply, err);
		if (rc <= 0)
			return rc;
	}
}

int
session_publish_flow(struct session *s, const char *topic,
    const void *payload, size_t len, unsigned qos, bool retain,
    uint64_t deadline, struct session_reply *reply, struct io_error *err)
{
	uint16_t id = 0;
	int rc;

	memset(reply, 0, sizeof(*reply));
	if (session_publish(s, topic, strlen(topic), payload, len, qos, retain,
	    0, &id, err) != 0)
		return -1;
	if (qos == 0) {
		/* the broker answers a PINGREQ after reading what came
		 * before it: a PINGRESP says the PUBLISH was taken */
		if (session_ping(s, err) != 0)
			return -1;
		return session_wait(s, MQTT_PINGRESP, 0, deadline, reply, err);
	}
	if (qos == 1)
		return session_wait(s, MQTT_PUBACK, id, deadline, reply, err);
	rc = session_wait(s, MQTT_PUBREC, id, deadline, reply, err);
	if (rc != 1 || reply->code >= 0x80)
		return rc;
	if (engine_send_ack(&s->e, MQTT_PUBREL, id, err) != 0)
		return -1;
	return session_wait(s, MQTT_PUBCOMP, id, deadline, reply, err);
}
