/*
 * check_engine.c: the eight-step walk against a fake world.
 *
 * The engine reaches the clock, the network and TLS only through
 * struct engine_io, so here all three are fakes: a clock that ticks
 * 100 us per reading, a network that hands back a made-up descriptor,
 * and a TLS layer whose handshake calls the milestone hook in the real
 * order and whose record layer is a small scripted MQTT broker.  The
 * broker answers what the engine actually sent (it decodes each packet),
 * so the tests check both directions of the conversation.
 */
#define _GNU_SOURCE	/* memmem */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mqtt.h"
#include "probe_io.h"
#include "proxy.h"
#include "report.h"
#include "ws.h"

/* Not a real descriptor: the engine must only pass it through. */
#define FAKE_FD 57
#define FAKE_T0 1000000u
#define FAKE_TICK 100u
#define FAKE_PASSWORD "s3cr3t-PW-do-not-log"
#define FAKE_NONCE "nonce-7f3a9c0e11d2"
#define FAKE_TOPIC "mqtts-probe/test/42"
#define FAKE_ECHO_ID 0x4242u
#define FAKE_PKT_MAX 1024
#define FAKE_LOG_MAX 64
#define FAKE_IN_MAX 8192

/* Where the fake handshake stops with the scripted error. */
enum fake_tls_fail {
	FT_NONE,
	FT_START,		/* tls.start returns NULL */
	FT_BEFORE_HELLO,	/* step 2 running */
	FT_AFTER_HELLO,		/* step 3 running, nothing back yet */
	FT_AFTER_SERVER_HELLO,	/* step 3 running */
	FT_AFTER_VERIFIED,	/* step 5 running */
};

/* How the broker answers CONNECT. */
enum fake_connack {
	FC_NORMAL,		/* CONNACK with connack_code */
	FC_CLOSE,		/* nothing, then a clean close */
	FC_MALFORMED,		/* a CONNACK with reserved flag bits */
	FC_PROPS,		/* 5.0 CONNACK with properties */
	FC_SILENT,		/* nothing, connection stays open */
};

struct fake_pkt {
	uint8_t data[FAKE_PKT_MAX];
	size_t len;
};

/* What the broker saw in CONNECT. */
struct fake_connect {
	bool seen;
	unsigned level;
	uint8_t flags;
	unsigned keepalive;
	char client_id[128];
	char username[128];
	uint8_t password[128];
	size_t password_len;
	bool has_password;
};

struct fake {
	/* clock */
	uint64_t now;
	/* net */
	bool net_fail;
	struct io_error net_err;
	unsigned net_connects, net_closes, net_sends;
	int net_closed_fd;
	char net_host[256];
	unsigned net_port;
	/* TLS script */
	enum fake_tls_fail tls_fail;
	struct io_error tls_err;
	bool strict_contract;	/* only TLSM_VERIFIED may abort (as tls.c) */
	bool verify_ok;
	const char *verify_reason;
	bool hello_retry;
	bool tls12;
	bool client_ca;		/* a TLSM_CLIENT_CA before step 5 ends */
	/* TLS observations */
	unsigned tls_starts, tls_closes, handshakes;
	int tls_fd;
	char tls_sni[256];
	bool aborted;
	enum tls_milestone_kind aborted_at;
	unsigned send_calls, recv_calls;
	/* broker script */
	int version;
	enum fake_connack connack;
	uint8_t connack_code;
	int suback_code;	/* -1: grant the requested QoS */
	int puback_reason;	/* -1: success (5.0 short form) */
	bool other_publish_first;
	bool no_echo;		/* acknowledge our PUBLISH, never deliver */
	unsigned alert_on_recv;	/* fail the n-th recv with a TLS error */
	bool alert_rejects;	/* ...as TLS 1.3 refusing our certificate */
	bool alert_on_send;	/* fail sending CONNECT with it instead */
	const char *alert_text;
	int send_fail_type;	/* fail sending this packet type, 0 = none */
	size_t recv_chunk;	/* max bytes per recv, 0 = all */
	bool flood;		/* after SUBACK: PINGRESP without end */
	/* broker state */
	bool closed;		/* clean close once the queue is empty */
	uint8_t in[FAKE_IN_MAX];
	size_t in_len, in_pos;
	struct fake_connect con;
	char sub_topic[256];
	unsigned sub_qos;
	uint16_t sub_id;
	char pub_topic[256];
	char pub_payload[256];
	unsigned pub_qos;
	uint16_t pub_id;
	/* WebSocket: the fake server between the transport and the broker */
	bool ws;
	enum { WSF_ONE, WSF_SPLIT, WSF_COALESCE, WSF_PING, WSF_CLOSE } ws_style;
	const char *ws_answer;	/* a non-101 answer to the upgrade */
	bool ws_upgraded;
	char ws_request[2048];
	uint8_t ws_out[FAKE_IN_MAX * 4];
	size_t ws_out_len, ws_out_pos;
	unsigned ws_pongs, ws_closes, ws_frames_in;
	/* a proxy in front of the broker: it answers the first bytes the
	 * engine sends with its whole script (the tunnel reads exactly
	 * what each message needs, so one script serves every exchange) */
	bool proxy;
	const uint8_t *proxy_script;
	size_t proxy_script_len, proxy_pos;
	bool proxy_answered;
	uint8_t proxy_seen[1024];	/* what the engine sent it */
	size_t proxy_seen_len;
	/* everything the engine sent, one packet per entry */
	struct fake_pkt sent[FAKE_LOG_MAX];
	size_t nsent;
};

static struct fake fk;

struct tls_session {
	struct fake *f;
	int fd;
	struct tls_hooks hooks;
};

/* ---- clock and network ------------------------------------------------- */

static uint64_t
fake_clock_now(void *ctx)
{
	struct fake *f = ctx;

	f->now += FAKE_TICK;
	return f->now;
}

static int
fake_net_connect(void *ctx, const char *host, unsigned port,
    uint64_t deadline_us, const struct io_observer *obs, char *peer,
    size_t peerlen, struct io_error *err)
{
	struct fake *f = ctx;

	(void)deadline_us;
	f->net_connects++;
	snprintf(f->net_host, sizeof(f->net_host), "%s", host);
	f->net_port = port;
	io_say(obs, 1, EVK_NET, DIR_NONE, 0, "trying 192.0.2.7 port 8883");
	if (f->net_fail) {
		*err = f->net_err;
		return -1;
	}
	snprintf(peer, peerlen, "192.0.2.7 port %u", port);
	return FAKE_FD;
}

static void
fake_net_close(void *ctx, int fd)
{
	struct fake *f = ctx;

	/* nothing real to close: only count */
	f->net_closes++;
	f->net_closed_fd = fd;
}

/* ---- the broker's side: encoders ---------------------------------------- */

static void
fake_queue(struct fake *f, const uint8_t *b, size_t n)
{
	ck_assert_uint_le(f->in_len + n, sizeof(f->in));
	memcpy(f->in + f->in_len, b, n);
	f->in_len += n;
}

static void
fake_queue_packet(struct fake *f, uint8_t first, const uint8_t *body,
    size_t n)
{
	uint8_t head[5];
	size_t h = 0, rem = n;

	head[h++] = first;
	do {
		uint8_t b = (uint8_t)(rem % 128);

		rem /= 128;
		head[h++] = (uint8_t)(rem > 0 ? b | 0x80 : b);
	} while (rem > 0);
	fake_queue(f, head, h);
	fake_queue(f, body, n);
}

static void
fake_queue_ack(struct fake *f, uint8_t first, uint16_t id, int reason)
{
	uint8_t body[4] = { (uint8_t)(id >> 8), (uint8_t)id };
	size_t n = 2;

	if (reason >= 0 && f->version == MQTT_V5) {
		body[n++] = (uint8_t)reason;
		body[n++] = 0;	/* no properties */
	}
	fake_queue_packet(f, first, body, n);
}

static void
fake_queue_publish(struct fake *f, const char *topic, const char *payload,
    unsigned qos, uint16_t id)
{
	uint8_t body[600];
	size_t n = 0, tl = strlen(topic), pl = strlen(payload);

	ck_assert_uint_lt(tl + pl + 8, sizeof(body));
	body[n++] = (uint8_t)(tl >> 8);
	body[n++] = (uint8_t)tl;
	memcpy(body + n, topic, tl);
	n += tl;
	if (qos > 0) {
		body[n++] = (uint8_t)(id >> 8);
		body[n++] = (uint8_t)id;
	}
	if (f->version == MQTT_V5)
		body[n++] = 0;	/* no properties */
	memcpy(body + n, payload, pl);
	n += pl;
	fake_queue_packet(f, (uint8_t)(0x30 | (qos << 1)), body, n);
}

static void
fake_queue_connack(struct fake *f)
{
	/* 5.0 properties: assigned client id "asid1", maximum QoS 1,
	 * receive maximum 10, reason string "hello" */
	static const uint8_t props[] = {
		0x12, 0x00, 0x05, 'a', 's', 'i', 'd', '1',
		0x24, 0x01,
		0x21, 0x00, 0x0a,
		0x1f, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o',
	};
	uint8_t body[64];
	size_t n = 0;

	switch (f->connack) {
	case FC_CLOSE:
		f->closed = true;
		return;
	case FC_SILENT:
		return;
	case FC_MALFORMED: {
		static const uint8_t bad[] = { 0x20, 0x02, 0x02, 0x00 };

		fake_queue(f, bad, sizeof(bad));
		return;
	}
	case FC_NORMAL:
	case FC_PROPS:
		break;
	}
	body[n++] = 0x00;
	body[n++] = f->connack_code;
	if (f->version == MQTT_V5) {
		if (f->connack == FC_PROPS) {
			body[n++] = (uint8_t)sizeof(props);
			memcpy(body + n, props, sizeof(props));
			n += sizeof(props);
		} else
			body[n++] = 0;
	}
	fake_queue_packet(f, 0x20, body, n);
}

/* ---- the broker's side: reading what the engine sent ------------------ */

struct fake_cursor {
	const uint8_t *p;
	size_t len, pos;
};

static bool
fake_get_varint(struct fake_cursor *c, uint32_t *v)
{
	uint32_t mult = 1;

	*v = 0;
	for (int i = 0; i < 4; i++) {
		uint8_t b;

		if (c->pos >= c->len)
			return false;
		b = c->p[c->pos++];
		*v += (uint32_t)(b & 0x7f) * mult;
		if ((b & 0x80) == 0)
			return true;
		mult *= 128;
	}
	return false;
}

static unsigned
fake_get_u16(struct fake_cursor *c)
{
	unsigned v;

	ck_assert_uint_le(c->pos + 2, c->len);
	v = (unsigned)c->p[c->pos] << 8 | c->p[c->pos + 1];
	c->pos += 2;
	return v;
}

/* A length-prefixed field into out (NUL-terminated), its length back. */
static size_t
fake_get_field(struct fake_cursor *c, void *out, size_t cap)
{
	size_t n = fake_get_u16(c);

	ck_assert_uint_le(c->pos + n, c->len);
	ck_assert_uint_lt(n, cap);
	memcpy(out, c->p + c->pos, n);
	((char *)out)[n] = '\0';
	c->pos += n;
	return n;
}

/* Cursor over the body of one packet (after the fixed header). */
static struct fake_cursor
fake_body(const uint8_t *pkt, size_t len)
{
	struct fake_cursor c = { pkt, len, 1 };
	uint32_t rem;

	ck_assert(fake_get_varint(&c, &rem));
	ck_assert_uint_eq(c.pos + rem, len);
	return c;
}

static void
fake_skip_props(struct fake_cursor *c)
{
	uint32_t n;

	ck_assert(fake_get_varint(c, &n));
	ck_assert_uint_le(c->pos + n, c->len);
	c->pos += n;
}

/* The codec has no CONNECT decoder (brokers never receive one from it),
 * so the test reads CONNECT itself. */
static void
fake_parse_connect(struct fake *f, const uint8_t *pkt, size_t len)
{
	struct fake_cursor c = fake_body(pkt, len);
	char name[8];
	struct fake_connect *k = &f->con;

	ck_assert_int_eq(pkt[0], 0x10);
	fake_get_field(&c, name, sizeof(name));
	ck_assert_str_eq(name, "MQTT");
	ck_assert_uint_lt(c.pos + 4, len);
	k->level = c.p[c.pos++];
	k->flags = c.p[c.pos++];
	k->keepalive = fake_get_u16(&c);
	if (k->level == MQTT_V5)
		fake_skip_props(&c);
	fake_get_field(&c, k->client_id, sizeof(k->client_id));
	if (k->flags & 0x80)
		fake_get_field(&c, k->username, sizeof(k->username));
	if (k->flags & 0x40) {
		k->password_len = fake_get_field(&c, k->password,
		    sizeof(k->password));
		k->has_password = true;
	}
	ck_assert_uint_eq(c.pos, len);
	k->seen = true;
}

static void
fake_parse_subscribe(struct fake *f, const uint8_t *pkt, size_t len)
{
	struct fake_cursor c = fake_body(pkt, len);

	ck_assert_int_eq(pkt[0], 0x82);
	f->sub_id = (uint16_t)fake_get_u16(&c);
	ck_assert_uint_ne(f->sub_id, 0);
	if (f->version == MQTT_V5)
		fake_skip_props(&c);
	fake_get_field(&c, f->sub_topic, sizeof(f->sub_topic));
	ck_assert_uint_eq(c.pos + 1, len);
	f->sub_qos = pkt[len - 1] & 0x03;
}

/* Answer one packet the way a broker would. */
static void
fake_broker_react(struct fake *f, const uint8_t *pkt, size_t len)
{
	struct mqtt_packet p;
	const char *why = NULL;

	switch (pkt[0] >> 4) {
	case MQTT_CONNECT:
		fake_parse_connect(f, pkt, len);
		fake_queue_connack(f);
		return;
	case MQTT_SUBSCRIBE: {
		uint8_t body[4];
		size_t n = 0;

		fake_parse_subscribe(f, pkt, len);
		body[n++] = (uint8_t)(f->sub_id >> 8);
		body[n++] = (uint8_t)f->sub_id;
		if (f->version == MQTT_V5)
			body[n++] = 0;
		body[n++] = (uint8_t)(f->suback_code >= 0 ? f->suback_code :
		    (int)f->sub_qos);
		fake_queue_packet(f, 0x90, body, n);
		return;
	}
	case MQTT_DISCONNECT:
		ck_assert_int_eq(pkt[0], 0xe0);
		return;
	default:
		break;
	}
	/* the rest are packets a broker may also send, so the codec
	 * decodes them: this also checks the engine encoded them right */
	ck_assert_msg(mqtt_decode((enum mqtt_version)f->version, pkt, len, &p,
	    &why) == MQTT_OK, "engine sent a malformed %s: %s",
	    mqtt_type_name((enum mqtt_type)(pkt[0] >> 4)), why);
	switch (p.type) {
	case MQTT_PUBLISH:
		snprintf(f->pub_topic, sizeof(f->pub_topic), "%.*s",
		    (int)p.u.publish.topic.len,
		    (const char *)p.u.publish.topic.data);
		snprintf(f->pub_payload, sizeof(f->pub_payload), "%.*s",
		    (int)p.u.publish.payload.len,
		    (const char *)p.u.publish.payload.data);
		f->pub_qos = p.u.publish.qos;
		f->pub_id = p.u.publish.packet_id;
		if (f->pub_qos == 1)
			fake_queue_ack(f, 0x40, f->pub_id, f->puback_reason);
		else if (f->pub_qos == 2)
			fake_queue_ack(f, 0x50, f->pub_id, f->puback_reason);
		if (f->other_publish_first)
			fake_queue_publish(f, f->pub_topic,
			    "someone else's message", 0, 0);
		/* delivered at the subscription's QoS, same topic */
		if (!f->no_echo)
			fake_queue_publish(f, f->pub_topic, f->pub_payload,
			    f->pub_qos < f->sub_qos ? f->pub_qos : f->sub_qos,
			    FAKE_ECHO_ID);
		return;
	case MQTT_PUBREL:
		/* the engine's PUBREL for its own QoS 2 PUBLISH */
		ck_assert_uint_eq(p.u.ack.packet_id, f->pub_id);
		fake_queue_ack(f, 0x70, p.u.ack.packet_id, -1);
		return;
	case MQTT_PUBREC:
		/* the engine received our QoS 2 echo */
		fake_queue_ack(f, 0x62, p.u.ack.packet_id, -1);
		return;
	case MQTT_PUBACK:
	case MQTT_PUBCOMP:
		return;
	default:
		ck_abort_msg("engine sent an unexpected %s",
		    mqtt_type_name(p.type));
	}
}

/* ---- TLS ------------------------------------------------------------ */

static struct tls_session *
fake_tls_start(void *ctx, int fd, const struct tls_params *p,
    const struct tls_hooks *h, struct io_error *err)
{
	struct fake *f = ctx;
	struct tls_session *s;

	f->tls_starts++;
	f->tls_fd = fd;
	snprintf(f->tls_sni, sizeof(f->tls_sni), "%s",
	    p->sni != NULL ? p->sni : "");
	if (f->tls_fail == FT_START) {
		*err = f->tls_err;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	ck_assert_ptr_nonnull(s);
	s->f = f;
	s->fd = fd;
	s->hooks = *h;
	return s;
}

static void
fake_tls_add(struct tls_milestone *m, const char *key, const char *text)
{
	ck_assert_uint_lt(m->ndetails, TLSM_MAX_DETAILS);
	m->details[m->ndetails].key = key;
	snprintf(m->details[m->ndetails].text,
	    sizeof(m->details[m->ndetails].text), "%s", text);
	m->ndetails++;
}

/* Tell the engine; false when the engine asked to abort and this fake
 * honours it (tls.c only honours it for TLSM_VERIFIED). */
static bool
fake_tls_milestone(struct tls_session *s, const struct tls_milestone *m,
    struct io_error *err)
{
	struct fake *f = s->f;
	bool go = s->hooks.milestone(s->hooks.ctx, m);

	if (go || (f->strict_contract && m->kind != TLSM_VERIFIED))
		return true;
	f->aborted = true;
	f->aborted_at = m->kind;
	err->cause = CAUSE_VERIFY;
	err->sys_errno = 0;
	snprintf(err->text, sizeof(err->text), "certificate rejected");
	return false;
}

static int
fake_tls_fail(struct tls_session *s, enum fake_tls_fail here,
    struct io_error *err)
{
	if (s->f->tls_fail != here)
		return 0;
	*err = s->f->tls_err;
	return -1;
}

static int
fake_tls_handshake(struct tls_session *s, uint64_t deadline_us,
    struct io_error *err)
{
	struct fake *f = s->f;
	struct tls_milestone m;

	(void)deadline_us;
	f->handshakes++;
	if (fake_tls_fail(s, FT_BEFORE_HELLO, err))
		return -1;
	io_say(&s->hooks.obs, 2, EVK_NET, DIR_OUT, 517, "sent 517 bytes");

	memset(&m, 0, sizeof(m));
	m.kind = TLSM_HELLO_SENT;
	fake_tls_add(&m, "versions_offered", "TLS1.3, TLS1.2");
	fake_tls_add(&m, "sni", "broker.example");
	fake_tls_add(&m, "client_hello_bytes", "517");
	if (!fake_tls_milestone(s, &m, err))
		return -1;
	if (fake_tls_fail(s, FT_AFTER_HELLO, err))
		return -1;

	memset(&m, 0, sizeof(m));
	m.kind = TLSM_SERVER_HELLO;
	fake_tls_add(&m, "tls_version", f->tls12 ? "TLS1.2" : "TLS1.3");
	if (!fake_tls_milestone(s, &m, err))
		return -1;
	if (f->hello_retry) {
		memset(&m, 0, sizeof(m));
		m.kind = TLSM_HELLO_SENT;
		m.retry = true;
		fake_tls_add(&m, "client_hello_bytes", "600");
		if (!fake_tls_milestone(s, &m, err))
			return -1;
		memset(&m, 0, sizeof(m));
		m.kind = TLSM_SERVER_HELLO;
		fake_tls_add(&m, "tls_version", "TLS1.3");
		if (!fake_tls_milestone(s, &m, err))
			return -1;
	}
	if (fake_tls_fail(s, FT_AFTER_SERVER_HELLO, err))
		return -1;

	memset(&m, 0, sizeof(m));
	m.kind = TLSM_CERTIFICATE;
	fake_tls_add(&m, "chain_length", "2");
	fake_tls_add(&m, "leaf_subject", "CN=broker.example");
	if (!fake_tls_milestone(s, &m, err))
		return -1;

	memset(&m, 0, sizeof(m));
	m.kind = TLSM_VERIFIED;
	m.ok = f->verify_ok;
	fake_tls_add(&m, "verdict", f->verify_ok ? "trusted" : "NOT trusted");
	m.reason = f->verify_ok ? NULL : f->verify_reason;
	if (!fake_tls_milestone(s, &m, err))
		return -1;
	if (f->client_ca) {
		/* as tls.c tells it: at the end of the handshake, failed
		 * or not */
		memset(&m, 0, sizeof(m));
		m.kind = TLSM_CLIENT_CA;
		fake_tls_add(&m, "client_cas", "CN=Factory CA");
		fake_tls_add(&m, "client_ca_check", "mismatch");
		m.findings[0].step = STEP_KEYS;
		m.findings[0].severity = SEV_ERROR;
		m.findings[0].cert = -1;
		snprintf(m.findings[0].key, sizeof(m.findings[0].key),
		    "client_ca_mismatch");
		snprintf(m.findings[0].text, sizeof(m.findings[0].text),
		    "ours is issued by CN=Other CA: it will be refused");
		m.nfindings = 1;
		if (!fake_tls_milestone(s, &m, err))
			return -1;
	}
	if (fake_tls_fail(s, FT_AFTER_VERIFIED, err))
		return -1;

	memset(&m, 0, sizeof(m));
	m.kind = TLSM_DONE;
	fake_tls_add(&m, "tls_version", f->tls12 ? "TLS1.2" : "TLS1.3");
	fake_tls_add(&m, "cipher_suite", f->tls12 ?
	    "ECDHE-RSA-AES128-GCM-SHA256" : "TLS_AES_256_GCM_SHA384");
	if (!fake_tls_milestone(s, &m, err))
		return -1;
	return 0;
}

/* The broker's end of the innermost byte stream, whatever carries it. */
static int
fake_broker_send(struct fake *f, const uint8_t *buf, size_t len,
    struct io_error *err)
{
	size_t off = 0;

	f->send_calls++;
	ck_assert_uint_gt(len, 0);
	if (f->alert_on_send && (buf[0] >> 4) == MQTT_CONNECT) {
		err->cause = CAUSE_TLS;
		snprintf(err->text, sizeof(err->text), "%s", f->alert_text);
		err->tls_rejected = true;
		snprintf(err->alert, sizeof(err->alert), "certificate_required");
		return -1;
	}
	if (f->send_fail_type != 0 && (buf[0] >> 4) == f->send_fail_type) {
		err->cause = CAUSE_NETWORK;
		err->sys_errno = 32;
		snprintf(err->text, sizeof(err->text), "Broken pipe");
		return -1;
	}
	/* log and answer each whole packet in buf */
	while (off < len) {
		size_t plen = 0;

		ck_assert_int_eq(mqtt_frame(buf + off, len - off, 0, &plen),
		    MQTT_OK);
		ck_assert_uint_lt(f->nsent, FAKE_LOG_MAX);
		ck_assert_uint_le(plen, FAKE_PKT_MAX);
		memcpy(f->sent[f->nsent].data, buf + off, plen);
		f->sent[f->nsent].len = plen;
		f->nsent++;
		fake_broker_react(f, buf + off, plen);
		off += plen;
	}
	return 0;
}

static long
fake_broker_recv(struct fake *f, uint8_t *buf, size_t cap,
    struct io_error *err)
{
	size_t n;

	f->recv_calls++;
	ck_assert_uint_gt(cap, 0);
	if (f->alert_on_recv == f->recv_calls) {
		err->cause = CAUSE_TLS;
		err->sys_errno = 0;
		snprintf(err->text, sizeof(err->text), "%s", f->alert_text);
		err->tls_rejected = f->alert_rejects;
		snprintf(err->alert, sizeof(err->alert), "certificate_required");
		return -1;
	}
	if (f->in_pos == f->in_len && f->flood && f->sub_id != 0) {
		/* a peer that never lets a read block */
		for (n = 0; n + 2 <= cap; n += 2) {
			buf[n] = 0xd0;
			buf[n + 1] = 0x00;
		}
		return (long)n;
	}
	if (f->in_pos == f->in_len) {
		if (f->closed)
			return 0;
		/* nothing more will come: what a real deadline would say */
		err->cause = CAUSE_TIMEOUT;
		err->sys_errno = 0;
		snprintf(err->text, sizeof(err->text), "timed out");
		return -1;
	}
	n = f->in_len - f->in_pos;
	if (n > cap)
		n = cap;
	if (f->recv_chunk > 0 && n > f->recv_chunk)
		n = f->recv_chunk;
	memcpy(buf, f->in + f->in_pos, n);
	f->in_pos += n;
	return (long)n;
}

/* ---- WebSocket: a fake server in front of the broker ------------------ */

static void
fake_ws_put(struct fake *f, const void *p, size_t n)
{
	ck_assert_uint_le(f->ws_out_len + n, sizeof(f->ws_out));
	memcpy(f->ws_out + f->ws_out_len, p, n);
	f->ws_out_len += n;
}

/* One unmasked server frame. */
static void
fake_ws_frame(struct fake *f, uint8_t first, const uint8_t *p, size_t n)
{
	uint8_t h[4] = { first };
	size_t hl = 2;

	if (n < 126)
		h[1] = (uint8_t)n;
	else {
		h[1] = 126;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	}
	fake_ws_put(f, h, hl);
	fake_ws_put(f, p, n);
}

/* What the broker queued, framed the way the test asks. */
static void
fake_ws_flush(struct fake *f)
{
	const uint8_t *p = f->in + f->in_pos;
	size_t n = f->in_len - f->in_pos;

	if (n == 0)
		return;
	f->in_pos = f->in_len;
	switch (f->ws_style) {
	case WSF_SPLIT:
		/* one byte per frame: a binary frame, then continuations */
		for (size_t i = 0; i < n; i++)
			fake_ws_frame(f, (uint8_t)((i + 1 == n ? 0x80 : 0) |
			    (i == 0 ? 0x2 : 0x0)), p + i, 1);
		return;
	case WSF_PING: {
		static const uint8_t hi[] = "are you there";

		fake_ws_frame(f, 0x89, hi, sizeof(hi) - 1);
		fake_ws_frame(f, 0x82, p, n);
		return;
	}
	case WSF_CLOSE: {
		static const uint8_t bye[] = { 0x03, 0xf3, 'b', 'u', 's', 'y' };

		fake_ws_frame(f, 0x88, bye, sizeof(bye));
		return;
	}
	case WSF_ONE:
	case WSF_COALESCE:
		break;
	}
	fake_ws_frame(f, 0x82, p, n);
}

static void
fake_ws_upgrade(struct fake *f, const uint8_t *buf, size_t len)
{
	const char *k;
	char key[64] = "", accept[29], resp[512];

	ck_assert_uint_lt(len, sizeof(f->ws_request));
	memcpy(f->ws_request, buf, len);
	f->ws_request[len] = '\0';
	ck_assert_ptr_nonnull(strstr(f->ws_request, "\r\n\r\n"));
	k = strstr(f->ws_request, "Sec-WebSocket-Key: ");
	ck_assert_ptr_nonnull(k);
	sscanf(k + 19, "%63[^\r]", key);
	ck_assert_uint_eq(strlen(key), 24);
	if (f->ws_answer != NULL) {
		fake_ws_put(f, f->ws_answer, strlen(f->ws_answer));
		return;
	}
	ck_assert_int_eq(ws_accept_for(key, accept), 0);
	snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: mqtt\r\n"
	    "\r\n", accept);
	fake_ws_put(f, resp, strlen(resp));
	f->ws_upgraded = true;
}

/* Client frames: each must be masked; binary ones go to the broker. */
static int
fake_ws_send(struct fake *f, const uint8_t *buf, size_t len,
    struct io_error *err)
{
	size_t off = 0;

	if (!f->ws_upgraded) {
		fake_ws_upgrade(f, buf, len);
		return 0;
	}
	while (off < len) {
		uint8_t op = buf[off] & 0x0f, mask[4], payload[FAKE_PKT_MAX];
		size_t n = buf[off + 1] & 0x7f, hl = 2;

		ck_assert_int_eq(buf[off] & 0x80, 0x80);	/* FIN */
		ck_assert_int_eq(buf[off + 1] & 0x80, 0x80);	/* masked */
		if (n == 126) {
			n = (size_t)buf[off + 2] << 8 | buf[off + 3];
			hl = 4;
		}
		ck_assert_uint_le(off + hl + 4 + n, len);
		ck_assert_uint_le(n, sizeof(payload));
		memcpy(mask, buf + off + hl, 4);
		for (size_t i = 0; i < n; i++)
			payload[i] = buf[off + hl + 4 + i] ^ mask[i & 3];
		off += hl + 4 + n;
		f->ws_frames_in++;
		if (op == 0xA)
			f->ws_pongs++;
		else if (op == 0x8)
			f->ws_closes++;
		else {
			ck_assert_int_eq(op, 0x2);
			if (fake_broker_send(f, payload, n, err) != 0)
				return -1;
		}
	}
	/* coalescing waits until there are two packets to send at once */
	if (f->ws_style != WSF_COALESCE || f->in_len - f->in_pos > 4 ||
	    (f->con.seen && f->sub_id == 0))
		fake_ws_flush(f);
	return 0;
}

static long
fake_ws_recv(struct fake *f, uint8_t *buf, size_t cap, struct io_error *err)
{
	size_t n;

	if (f->ws_out_pos == f->ws_out_len) {
		fake_ws_flush(f);
		if (f->ws_out_pos == f->ws_out_len)
			return fake_broker_recv(f, buf, cap, err);
	}
	n = f->ws_out_len - f->ws_out_pos;
	if (n > cap)
		n = cap;
	if (f->recv_chunk > 0 && n > f->recv_chunk)
		n = f->recv_chunk;
	memcpy(buf, f->ws_out + f->ws_out_pos, n);
	f->ws_out_pos += n;
	return (long)n;
}

static int
fake_tls_send(struct tls_session *s, const uint8_t *buf, size_t len,
    uint64_t deadline_us, struct io_error *err)
{
	(void)deadline_us;
	ck_assert_uint_eq(s->f->tls_closes, 0);
	if (s->f->ws)
		return fake_ws_send(s->f, buf, len, err);
	return fake_broker_send(s->f, buf, len, err);
}

static long
fake_tls_recv(struct tls_session *s, uint8_t *buf, size_t cap,
    uint64_t deadline_us, struct io_error *err)
{
	(void)deadline_us;
	if (s->f->ws)
		return fake_ws_recv(s->f, buf, cap, err);
	return fake_broker_recv(s->f, buf, cap, err);
}

/* Is the fake proxy still talking (an empty script: it closes)? */
static bool
fake_proxy_active(const struct fake *f)
{
	return f->proxy && (f->proxy_script_len == 0 ||
	    f->proxy_pos < f->proxy_script_len);
}

/* Plain bytes on the socket: only without TLS (mqtt://). */
static int
fake_net_send(void *ctx, int fd, const uint8_t *buf, size_t len,
    uint64_t deadline_us, struct io_error *err)
{
	struct fake *f = ctx;

	(void)deadline_us;
	ck_assert_int_eq(fd, FAKE_FD);
	ck_assert_uint_eq(f->tls_starts, 0);
	if (fake_proxy_active(f)) {
		ck_assert_uint_le(f->proxy_seen_len + len,
		    sizeof(f->proxy_seen));
		memcpy(f->proxy_seen + f->proxy_seen_len, buf, len);
		f->proxy_seen_len += len;
		f->proxy_answered = true;
		return 0;
	}
	f->net_sends++;
	if (f->ws)
		return fake_ws_send(f, buf, len, err);
	return fake_broker_send(f, buf, len, err);
}

static long
fake_net_recv(void *ctx, int fd, uint8_t *buf, size_t cap,
    uint64_t deadline_us, struct io_error *err)
{
	struct fake *f = ctx;

	(void)deadline_us;
	ck_assert_int_eq(fd, FAKE_FD);
	ck_assert_uint_eq(f->tls_starts, 0);
	if (f->proxy && f->proxy_pos < f->proxy_script_len) {
		size_t n = f->proxy_script_len - f->proxy_pos;

		/* it never speaks first */
		ck_assert(f->proxy_answered);
		n = n < cap ? n : cap;
		memcpy(buf, f->proxy_script + f->proxy_pos, n);
		f->proxy_pos += n;
		return (long)n;
	}
	if (f->proxy && f->proxy_script_len == 0) {
		/* a script of nothing: a proxy that closes */
		return 0;
	}
	if (f->ws)
		return fake_ws_recv(f, buf, cap, err);
	return fake_broker_recv(f, buf, cap, err);
}

static void
fake_tls_close(struct tls_session *s, uint64_t deadline_us)
{
	(void)deadline_us;
	s->f->tls_closes++;
	free(s);
}

/* ---- harness ------------------------------------------------------------ */

static void
fake_setup(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.now = FAKE_T0;
	fk.verify_ok = true;
	fk.verify_reason = "the certificate is signed by an unknown authority";
	fk.version = MQTT_V311;
	fk.suback_code = -1;
	fk.puback_reason = -1;
	fk.alert_text = "received fatal alert: handshake failure";
	fk.net_closed_fd = -2;
}

static void
fake_config(struct engine_config *c)
{
	static const uint8_t pw[] = FAKE_PASSWORD;

	memset(c, 0, sizeof(*c));
	c->host = "broker.example";
	c->connect_host = "broker.example";
	c->port = 8883;
	c->use_tls = true;
	c->tls.sni = "broker.example";
	c->tls.verify_host = "broker.example";
	c->mqtt_version = MQTT_V311;
	c->client_id = "probe-1234";
	c->username = "alice";
	c->password = pw;
	c->password_len = sizeof(pw) - 1;
	c->keepalive = 30;
	c->topic = FAKE_TOPIC;
	c->qos = 1;
	c->nonce = FAKE_NONCE;
	c->steps = 8;
	c->timeout_us = 5000000;
}

static void
fake_run(const struct engine_config *c, struct report *r)
{
	struct engine_io io = {
		.clock = { fake_clock_now, &fk },
		.net = { fake_net_connect, fake_net_close, fake_net_send,
		    fake_net_recv, &fk },
		.tls = { fake_tls_start, fake_tls_handshake, fake_tls_send,
		    fake_tls_recv, fake_tls_close, &fk },
	};

	fk.version = c->mqtt_version;
	report_init(r, NULL, NULL);
	engine_run(c, &io, r);
	/* whatever happened, the run ends and releases what it opened */
	ck_assert(r->ended);
	ck_assert_uint_eq(fk.net_connects, 1);
	ck_assert_uint_eq(fk.net_closes, 1);
	ck_assert_uint_eq(fk.tls_closes, fk.tls_starts - (fk.tls_fail ==
	    FT_START ? 1 : 0));
	ck_assert_int_eq(r->current, 0);
}

/* How many packets of this type the engine sent. */
static size_t
fake_sent_count(int type)
{
	size_t n = 0;

	for (size_t i = 0; i < fk.nsent; i++)
		if ((fk.sent[i].data[0] >> 4) == type)
			n++;
	return n;
}

/* Did the engine send an ack-shaped packet of type with this id? */
static bool
fake_sent_ack(int type, uint16_t id)
{
	for (size_t i = 0; i < fk.nsent; i++) {
		const struct fake_pkt *p = &fk.sent[i];

		if ((p->data[0] >> 4) == type && p->len >= 4 &&
		    ((unsigned)p->data[2] << 8 | p->data[3]) == id)
			return true;
	}
	return false;
}

static const char *
fake_state(const struct report *r, int step, int layer)
{
	return report_state_name(layer, r->steps[step].state[layer]);
}

static void
fake_assert_not_reached(const struct report *r, int from)
{
	for (int s = from; s <= REPORT_STEPS; s++) {
		ck_assert_msg(r->steps[s].status == STEP_NOT_REACHED,
		    "step %d is %s", s, report_status_name(r->steps[s].status));
		ck_assert_uint_eq(r->steps[s].start_us, 0);
		ck_assert_uint_eq(r->steps[s].end_us, 0);
	}
}

static void
fake_assert_skipped(const struct report *r, int from)
{
	for (int s = from; s <= REPORT_STEPS; s++)
		ck_assert_msg(r->steps[s].status == STEP_SKIPPED,
		    "step %d is %s", s, report_status_name(r->steps[s].status));
}

static bool
fake_has_hint(const struct report *r, const char *needle)
{
	for (size_t i = 0; i < r->nhints; i++)
		if (strstr(r->hints[i], needle) != NULL)
			return true;
	return false;
}

static bool
fake_has_event(const struct report *r, const char *needle)
{
	for (size_t i = 0; i < r->nevents; i++)
		if (strstr(r->events[i].text, needle) != NULL)
			return true;
	return false;
}

/* Is needle anywhere in the report's text? */
static bool
fake_report_mentions(const struct report *r, const char *needle)
{
	for (int s = 0; s <= REPORT_STEPS; s++) {
		const struct report_step_rec *st = &r->steps[s];

		if (strstr(st->reason, needle) != NULL)
			return true;
		for (size_t i = 0; i < st->ndetails; i++)
			if (strstr(st->details[i].text, needle) != NULL ||
			    strstr(st->details[i].key, needle) != NULL)
				return true;
	}
	return fake_has_event(r, needle) || fake_has_hint(r, needle);
}

static void
fake_assert_walk_ok(const struct report *r)
{
	static const char *const tracker[REPORT_STEPS + 1][REPORT_LAYERS] = {
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

	ck_assert_int_eq(report_exit_status(r), 0);
	ck_assert_int_eq(r->failed_step, 0);
	for (int s = 1; s <= REPORT_STEPS; s++) {
		const struct report_step_rec *st = &r->steps[s];

		ck_assert_msg(st->status == STEP_OK, "step %d is %s: %s", s,
		    report_status_name(st->status), st->reason);
		for (int l = 0; l < REPORT_LAYERS; l++)
			if (s == STEP_VERIFY && l == LAYER_TLS && r->unverified)
				ck_assert_str_eq(fake_state(r, s, l),
				    "NOT verified (-k)");
			else if (s == STEP_PUBSUB && l == LAYER_MQTT &&
			    r->unverified)
				/* never "secure" with an untrusted broker */
				ck_assert_str_eq(fake_state(r, s, l),
				    "Connected (UNVERIFIED)");
			else
				ck_assert_str_eq(fake_state(r, s, l),
				    tracker[s][l]);
		/* every step took time and came after the one before */
		ck_assert_uint_gt(st->start_us, 0);
		ck_assert_uint_gt(st->end_us, st->start_us);
		if (s > 1)
			ck_assert_uint_gt(st->start_us,
			    r->steps[s - 1].end_us);
	}
	ck_assert_uint_gt(r->end_us, r->steps[REPORT_STEPS].end_us);
	for (size_t i = 1; i < r->nevents; i++)
		ck_assert_uint_ge(r->events[i].at_us, r->events[i - 1].at_us);
}

/* ---- success ------------------------------------------------------------ */

/* mqtt://: steps 1 and 6-8 over the bare socket, 2-5 say why not. */
START_TEST(test_plaintext)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.use_tls = false;
	c.port = 1883;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), 0);
	ck_assert(r.unencrypted);
	ck_assert_uint_eq(fk.tls_starts, 0);
	ck_assert_uint_gt(fk.net_sends, 0);
	ck_assert_uint_eq(fk.net_port, 1883);
	for (int s = STEP_CLIENT_HELLO; s <= STEP_KEYS; s++) {
		ck_assert_int_eq(r.steps[s].status, STEP_SKIPPED);
		ck_assert_str_eq(r.steps[s].reason, "no TLS");
		ck_assert_str_eq(fake_state(&r, s, LAYER_TLS), "No TLS");
	}
	for (int s = STEP_CONNECT; s <= STEP_PUBSUB; s++)
		ck_assert_int_eq(r.steps[s].status, STEP_OK);
	ck_assert_str_eq(fake_state(&r, STEP_CONNACK, LAYER_TCP),
	    "Established");
	ck_assert_str_eq(fake_state(&r, STEP_PUBSUB, LAYER_MQTT),
	    "Connected (UNENCRYPTED)");
	/* CONNECT, SUBSCRIBE, PUBLISH, PUBACK, DISCONNECT, in the clear */
	ck_assert_uint_eq(fk.nsent, 5);
	ck_assert_str_eq(fk.con.username, "alice");
	ck_assert_str_eq(fk.pub_payload, FAKE_NONCE);
	report_free(&r);
}
END_TEST

/* wss:// with the server's frames cut, merged, pinged or closed. */
static const struct ws_case {
	int style;
	size_t chunk;		/* bytes per read, 0: all */
} ws_cases[] = {
	{ WSF_ONE, 0 }, { WSF_SPLIT, 0 }, { WSF_COALESCE, 0 }, { WSF_PING, 0 },
	{ WSF_ONE, 1 }, { WSF_SPLIT, 3 }, { WSF_PING, 2 },
};

START_TEST(test_ws_frames)
{
	static const struct ws_config wc = { .host = "broker.example",
	    .path = "/mqtt", .subprotocol = "mqtt" };
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.ws = &wc;
	fk.ws = true;
	fk.ws_style = ws_cases[_i].style;
	fk.recv_chunk = ws_cases[_i].chunk;
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert_ptr_nonnull(strstr(fk.ws_request, "GET /mqtt HTTP/1.1\r\n"
	    "Host: broker.example\r\n"));
	ck_assert_ptr_nonnull(strstr(fk.ws_request,
	    "Sec-WebSocket-Protocol: mqtt\r\n"));
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNECT, "ws_status"),
	    "101 Switching Protocols");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNECT, "ws_accept"),
	    "checked: matches our key");
	ck_assert_uint_eq(r.nstages, 1);
	ck_assert_str_eq(r.stages[0].id, "ws_upgrade");
	ck_assert(r.stages[0].ok);
	ck_assert_int_eq(r.stages[0].step, STEP_CONNECT);
	ck_assert_uint_ge(r.stages[0].start_us, r.steps[STEP_CONNECT].start_us);
	/* CONNECT, SUBSCRIBE, PUBLISH, PUBACK, DISCONNECT, then a close */
	ck_assert_uint_eq(fk.nsent, 5);
	ck_assert_uint_eq(fk.ws_closes, 1);
	ck_assert_uint_eq(fk.ws_pongs, fk.ws_style == WSF_PING ? 3 : 0);
	ck_assert_int_eq(memcmp(fk.con.password, FAKE_PASSWORD,
	    strlen(FAKE_PASSWORD)), 0);
	report_free(&r);
}
END_TEST

/*
 * MQTT 5.0 over wss:// with the same cuts: a CONNACK whose properties
 * arrive one byte per frame (or pinged, or merged with the SUBACK) must
 * still be read whole, since a broker frames as it likes (ejabberd sends
 * one packet a frame, others cut at their buffer size).
 */
START_TEST(test_ws_frames_v5)
{
	static const struct ws_config wc = { .host = "broker.example",
	    .path = "/mqtt", .subprotocol = "mqtt" };
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.ws = &wc;
	c.mqtt_version = MQTT_V5;
	fk.connack = FC_PROPS;
	fk.ws = true;
	fk.ws_style = ws_cases[_i].style;
	fk.recv_chunk = ws_cases[_i].chunk;
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert_uint_eq(fk.con.level, 5);
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNECT, "ws_subprotocol"),
	    "mqtt");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK,
	    "assigned_client_id"), "asid1");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK,
	    "receive_maximum"), "10");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK, "reason_string"),
	    "hello");
	ck_assert_str_eq(fk.pub_payload, FAKE_NONCE);
	ck_assert_uint_eq(fk.ws_closes, 1);
	ck_assert_uint_eq(fk.ws_pongs, fk.ws_style == WSF_PING ? 3 : 0);
	report_free(&r);
}
END_TEST

/* A close frame instead of CONNACK: its code in words, step 7. */
START_TEST(test_ws_close_frame)
{
	static const struct ws_config wc = { .host = "b", .path = "/",
	    .subprotocol = "mqtt" };
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.ws = &wc;
	fk.ws = true;
	fk.ws_style = WSF_CLOSE;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_CONNACK].reason,
	    "close code 1011 (internal server error), reason 'busy'"));
	/* the close was answered, and not a second time at the end */
	ck_assert_uint_eq(fk.ws_closes, 1);
	report_free(&r);
}
END_TEST

/* A refused upgrade fails step 6 with the stage marked failed. */
START_TEST(test_ws_refused)
{
	static const struct ws_config wc = { .host = "b", .path = "/x",
	    .subprotocol = "mqtt" };
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.ws = &wc;
	c.use_tls = false;
	fk.ws = true;
	fk.ws_answer = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNECT);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_CONNECT].reason,
	    "WebSocket upgrade: no WebSocket endpoint at path /x (404 Not "
	    "Found)"));
	ck_assert_uint_eq(r.nstages, 1);
	ck_assert(!r.stages[0].ok);
	ck_assert_uint_eq(fk.nsent, 0);
	ck_assert(r.unencrypted);
	report_free(&r);
}
END_TEST

/* A plaintext broker that hangs up: the FIN is named, not TLS. */
START_TEST(test_plaintext_closed)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.use_tls = false;
	fk.connack = FC_CLOSE;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_CONNACK].reason,
	    "closed the connection (TCP FIN)"));
	report_free(&r);
}
END_TEST

START_TEST(test_success)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert(!r.unverified);

	/* the world saw what the config asked for */
	ck_assert_str_eq(fk.net_host, "broker.example");
	ck_assert_uint_eq(fk.net_port, 8883);
	ck_assert_int_eq(fk.tls_fd, FAKE_FD);
	ck_assert_int_eq(fk.net_closed_fd, FAKE_FD);
	ck_assert_str_eq(fk.tls_sni, "broker.example");
	ck_assert(!fk.aborted);

	/* CONNECT fields */
	ck_assert(fk.con.seen);
	ck_assert_uint_eq(fk.con.level, 4);
	ck_assert_uint_eq(fk.con.flags, 0xc2);	/* user, password, clean */
	ck_assert_uint_eq(fk.con.keepalive, 30);
	ck_assert_str_eq(fk.con.client_id, "probe-1234");
	ck_assert_str_eq(fk.con.username, "alice");
	ck_assert_uint_eq(fk.con.password_len, strlen(FAKE_PASSWORD));
	ck_assert_int_eq(memcmp(fk.con.password, FAKE_PASSWORD,
	    fk.con.password_len), 0);
	/* SUBSCRIBE and PUBLISH */
	ck_assert_str_eq(fk.sub_topic, FAKE_TOPIC);
	ck_assert_uint_eq(fk.sub_qos, 1);
	ck_assert_str_eq(fk.pub_topic, FAKE_TOPIC);
	ck_assert_str_eq(fk.pub_payload, FAKE_NONCE);
	ck_assert_uint_eq(fk.pub_qos, 1);
	ck_assert_uint_ne(fk.pub_id, 0);
	ck_assert_uint_ne(fk.pub_id, fk.sub_id);
	/* packets in order: CONNECT, SUBSCRIBE, PUBLISH, PUBACK, DISCONNECT */
	ck_assert_uint_eq(fk.nsent, 5);
	ck_assert_int_eq(fk.sent[0].data[0] >> 4, MQTT_CONNECT);
	ck_assert_int_eq(fk.sent[1].data[0] >> 4, MQTT_SUBSCRIBE);
	ck_assert_int_eq(fk.sent[2].data[0] >> 4, MQTT_PUBLISH);
	ck_assert(fake_sent_ack(MQTT_PUBACK, FAKE_ECHO_ID));
	ck_assert_int_eq(fk.sent[4].data[0], 0xe0);
	ck_assert_uint_eq(fk.sent[4].len, 2);
	/* all the broker said was read */
	ck_assert_uint_eq(fk.in_pos, fk.in_len);

	/* details the renderers rely on */
	ck_assert_str_eq(report_find_detail(&r, STEP_TCP, "peer"),
	    "192.0.2.7 port 8883");
	ck_assert_str_eq(report_find_detail(&r, STEP_TCP, "target"),
	    "broker.example port 8883");
	ck_assert_str_eq(report_find_detail(&r, STEP_CLIENT_HELLO,
	    "client_hello_bytes"), "517");
	ck_assert_str_eq(report_find_detail(&r, STEP_SERVER_CERT,
	    "leaf_subject"), "CN=broker.example");
	ck_assert_str_eq(report_find_detail(&r, STEP_VERIFY, "verdict"),
	    "trusted");
	ck_assert_str_eq(report_find_detail(&r, STEP_KEYS, "cipher_suite"),
	    "TLS_AES_256_GCM_SHA384");
	ck_assert_ptr_null(report_find_detail(&r, STEP_KEYS, "note"));
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNECT, "mqtt_version"),
	    "3.1.1");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNECT, "username"),
	    "alice");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNECT, "password"),
	    "set (not shown)");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK, "connack_code"),
	    "0");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK,
	    "connack_reason"), "connection accepted");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK,
	    "session_present"), "no");
	ck_assert_str_eq(report_find_detail(&r, STEP_PUBSUB, "topic"),
	    FAKE_TOPIC);
	ck_assert_str_eq(report_find_detail(&r, STEP_PUBSUB, "echo_qos"), "1");
	/* a plain number of microseconds, so JSON and text read it alike */
	ck_assert_ptr_nonnull(report_find_detail(&r, STEP_PUBSUB,
	    "round_trip_us"));
	ck_assert_uint_gt(strtoull(report_find_detail(&r, STEP_PUBSUB,
	    "round_trip_us"), NULL, 10), 0);
	ck_assert_str_eq(report_find_detail(&r, STEP_PUBSUB, "payload"),
	    "matches the 18-byte nonce");
	/* I/O observer events land on the step that was running */
	ck_assert_str_eq(r.events[0].text, "trying 192.0.2.7 port 8883");
	ck_assert_int_eq(r.events[0].step, STEP_TCP);
	ck_assert(fake_has_event(&r, "sent 517 bytes"));
	ck_assert(fake_has_event(&r, "ServerHello: the server chose TLS1.3"));
	ck_assert_uint_eq(r.nhints, 0);
	report_free(&r);
}
END_TEST

START_TEST(test_success_v5_props)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.mqtt_version = MQTT_V5;
	fk.connack = FC_PROPS;
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert_uint_eq(fk.con.level, 5);
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNECT, "mqtt_version"),
	    "5.0");
	/* a yes-or-no the fields table types as a boolean */
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNECT, "clean"),
	    "yes");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK,
	    "connack_code"), "0");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK,
	    "connack_reason"), "success");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK,
	    "assigned_client_id"), "asid1");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK, "maximum_qos"),
	    "1");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK,
	    "receive_maximum"), "10");
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK, "reason_string"),
	    "hello");
	ck_assert_ptr_null(report_find_detail(&r, STEP_CONNACK,
	    "session_expiry"));
	ck_assert_str_eq(fk.pub_payload, FAKE_NONCE);
	report_free(&r);
}
END_TEST

/* Loop: qos = _i % 3, version = 3.1.1 for _i < 3, else 5.0. */
START_TEST(test_qos_flows)
{
	struct engine_config c;
	struct report r;
	unsigned qos = (unsigned)_i % 3;

	fake_config(&c);
	c.qos = qos;
	c.mqtt_version = _i < 3 ? MQTT_V311 : MQTT_V5;
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert_uint_eq(fk.sub_qos, qos);
	ck_assert_uint_eq(fk.pub_qos, qos);
	ck_assert_str_eq(fk.pub_payload, FAKE_NONCE);
	{
		char q[4];

		snprintf(q, sizeof(q), "%u", qos);
		ck_assert_str_eq(report_find_detail(&r, STEP_PUBSUB,
		    "echo_qos"), q);
	}
	switch (qos) {
	case 0:
		ck_assert_uint_eq(fk.pub_id, 0);
		ck_assert_uint_eq(fake_sent_count(MQTT_PUBACK), 0);
		ck_assert_uint_eq(fake_sent_count(MQTT_PUBREC), 0);
		ck_assert_uint_eq(fake_sent_count(MQTT_PUBREL), 0);
		break;
	case 1:
		ck_assert_uint_eq(fake_sent_count(MQTT_PUBACK), 1);
		ck_assert(fake_sent_ack(MQTT_PUBACK, FAKE_ECHO_ID));
		ck_assert_uint_eq(fake_sent_count(MQTT_PUBREL), 0);
		break;
	case 2:
		/* our PUBLISH: PUBREC came, we released it */
		ck_assert_uint_eq(fake_sent_count(MQTT_PUBREL), 1);
		ck_assert(fake_sent_ack(MQTT_PUBREL, fk.pub_id));
		/* the echo: we received it, then completed it */
		ck_assert(fake_sent_ack(MQTT_PUBREC, FAKE_ECHO_ID));
		ck_assert(fake_sent_ack(MQTT_PUBCOMP, FAKE_ECHO_ID));
		ck_assert_uint_eq(fake_sent_count(MQTT_PUBACK), 0);
		break;
	}
	ck_assert_uint_eq(fake_sent_count(MQTT_DISCONNECT), 1);
	ck_assert_uint_eq(fk.in_pos, fk.in_len);
	report_free(&r);
}
END_TEST

START_TEST(test_recv_one_byte_at_a_time)
{
	struct engine_config c;
	struct report r;

	/* packets split across reads must still be framed right */
	fake_config(&c);
	c.qos = 2;
	c.mqtt_version = MQTT_V5;
	fk.connack = FC_PROPS;
	fk.recv_chunk = 1;
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert_str_eq(report_find_detail(&r, STEP_CONNACK,
	    "assigned_client_id"), "asid1");
	report_free(&r);
}
END_TEST

START_TEST(test_other_message_first)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.other_publish_first = true;
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert(fake_has_event(&r, "ignored a message on '" FAKE_TOPIC
	    "' that is not ours"));
	ck_assert_str_eq(report_find_detail(&r, STEP_PUBSUB, "echo_qos"), "1");
	report_free(&r);
}
END_TEST

START_TEST(test_hello_retry_and_tls12)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.hello_retry = true;
	fk.tls12 = true;
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert_ptr_nonnull(report_find_detail(&r, STEP_CLIENT_HELLO,
	    "hello_retry"));
	ck_assert(fake_has_event(&r, "second ClientHello sent (after "
	    "HelloRetryRequest, 600 bytes)"));
	/* the retry did not restart step 3 or add a second step 2 result */
	ck_assert_str_eq(report_find_detail(&r, STEP_CLIENT_HELLO,
	    "client_hello_bytes"), "517");
	ck_assert_ptr_nonnull(report_find_detail(&r, STEP_KEYS, "note"));
	report_free(&r);
}
END_TEST

START_TEST(test_password_never_reported)
{
	struct engine_config c;
	struct report r;
	bool in_connect = false;

	fake_config(&c);
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	for (size_t i = 0; i < fk.nsent; i++)
		if ((fk.sent[i].data[0] >> 4) == MQTT_CONNECT &&
		    memmem(fk.sent[i].data, fk.sent[i].len, FAKE_PASSWORD,
		    strlen(FAKE_PASSWORD)) != NULL)
			in_connect = true;
	ck_assert(in_connect);
	ck_assert(!fake_report_mentions(&r, FAKE_PASSWORD));
	/* nor a good part of it */
	ck_assert(!fake_report_mentions(&r, "s3cr3t"));
	report_free(&r);

	/* nor on a refusal, where the hint talks about passwords */
	fake_setup();
	fake_config(&c);
	fk.connack_code = 4;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	ck_assert(!fake_report_mentions(&r, "s3cr3t"));
	report_free(&r);
}
END_TEST

/* ---- through a proxy --------------------------------------------------- */

#define FAKE_PROXY_PW "Pr0xy-pw-never-shown"

static void
fake_proxy(struct engine_config *c, struct proxy_config *pc,
    enum proxy_kind kind, const char *script, size_t len)
{
	static const char pw[] = FAKE_PROXY_PW;

	memset(pc, 0, sizeof(*pc));
	pc->kind = kind;
	pc->host = "proxy.example";
	pc->port = 3128;
	pc->user = "bob";
	pc->password = pw;
	pc->password_len = sizeof(pw) - 1;
	pc->shown = "http://bob@proxy.example:3128";
	pc->from = "ALL_PROXY";
	c->proxy = pc;
	fk.proxy = true;
	fk.proxy_script = (const uint8_t *)script;
	fk.proxy_script_len = len;
}

/* HTTP CONNECT: the tunnel in step 1, TLS on top keeps the target. */
START_TEST(test_proxy_http)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n"
	    "Proxy-Agent: fake\r\n\r\n";
	struct engine_config c;
	struct proxy_config pc;
	struct report r;

	fake_config(&c);
	fake_proxy(&c, &pc, PROXY_HTTP, ok, sizeof(ok) - 1);
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert_str_eq(fk.net_host, "proxy.example");
	ck_assert_uint_eq(fk.net_port, 3128);
	ck_assert_str_eq(fk.tls_sni, "broker.example");
	fk.proxy_seen[fk.proxy_seen_len < sizeof(fk.proxy_seen) ?
	    fk.proxy_seen_len : sizeof(fk.proxy_seen) - 1] = '\0';
	ck_assert_ptr_nonnull(strstr((char *)fk.proxy_seen,
	    "CONNECT broker.example:8883 HTTP/1.1\r\n"));
	/* base64("bob:Pr0xy-pw-never-shown") */
	ck_assert_ptr_nonnull(strstr((char *)fk.proxy_seen,
	    "Proxy-Authorization: Basic Ym9iOlByMHh5LXB3LW5ldmVyLXNob3du\r\n"));
	ck_assert_str_eq(report_find_detail(&r, STEP_TCP, "proxy_answer"),
	    "HTTP/1.1 200 Connection established");
	ck_assert_str_eq(report_find_detail(&r, STEP_TCP, "proxy_from"),
	    "ALL_PROXY");
	ck_assert_uint_eq(r.nstages, 1);
	ck_assert_str_eq(r.stages[0].id, "proxy_tunnel");
	ck_assert(r.stages[0].ok);
	ck_assert(fake_has_event(&r, "CONNECT broker.example:8883"));
	ck_assert(!fake_report_mentions(&r, FAKE_PROXY_PW));
	ck_assert(!fake_report_mentions(&r, "Ym9iOlByMHh5"));
	report_free(&r);
}
END_TEST

/* What the proxy answers, and what step 1 then says. */
static const struct proxy_case {
	enum proxy_kind kind;
	const char *script;
	size_t len;
	const char *error;	/* proxy_error */
	const char *words;	/* in the reason */
} proxy_cases[] = {
#define S(x) x, sizeof(x) - 1
	{ PROXY_HTTP, S("HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: Basic realm=\"x\"\r\n\r\n"), "auth_refused",
	    "refused the credentials of user 'bob' (407" },
	{ PROXY_HTTP, S("HTTP/1.1 403 Forbidden\r\n\r\n"), "forbidden",
	    "does not allow this tunnel (403 Forbidden)" },
	{ PROXY_HTTP, S("HTTP/1.1 502 Upstream Down For Maintenance\r\n\r\n"),
	    "gateway", "could not reach the target (502 Upstream Down For "
	    "Maintenance)" },
	{ PROXY_HTTP, S("HTTP/1.1 200 OK\r\n\r\nextra"), "protocol",
	    "sent 5 bytes after its answer" },
	{ PROXY_HTTP, S("\x05\x00"), "protocol", "did not answer CONNECT in "
	    "HTTP" },
	{ PROXY_HTTP, "", 0, "connection", "closed the connection instead of "
	    "answering CONNECT" },
	{ PROXY_SOCKS5H, S("\x05\xff"), "auth_required", "none of the "
	    "authentication methods offered (0xff)" },
	{ PROXY_SOCKS5H, S("\x05\x02\x01\x01"), "auth_refused",
	    "refused user 'bob' and its password (status 0x01)" },
	{ PROXY_SOCKS5H, S("HTTP/1.1 400 Bad\r\n\r\n"), "protocol",
	    "did not answer in SOCKS5" },
#define REPLY(code) "\x05\x00\x05" code "\x00\x01\0\0\0\0\0\0"
	{ PROXY_SOCKS5H, S(REPLY("\x01")), "socks_reply", "general SOCKS "
	    "server failure (reply 0x01)" },
	{ PROXY_SOCKS5H, S(REPLY("\x02")), "socks_reply", "not allowed by "
	    "the proxy's rules (reply 0x02)" },
	{ PROXY_SOCKS5H, S(REPLY("\x03")), "socks_reply", "network "
	    "unreachable from the proxy (reply 0x03)" },
	{ PROXY_SOCKS5H, S(REPLY("\x04")), "socks_reply", "host unreachable "
	    "from the proxy (reply 0x04)" },
	{ PROXY_SOCKS5H, S(REPLY("\x05")), "socks_reply", "connection refused "
	    "by the target (reply 0x05)" },
	{ PROXY_SOCKS5H, S(REPLY("\x06")), "socks_reply", "TTL expired "
	    "(the target did not answer the proxy) (reply 0x06)" },
	{ PROXY_SOCKS5H, S(REPLY("\x07")), "socks_reply", "command not "
	    "supported by the proxy (reply 0x07)" },
	{ PROXY_SOCKS5H, S(REPLY("\x08")), "socks_reply", "address type not "
	    "supported by the proxy (reply 0x08)" },
	{ PROXY_SOCKS5H, S(REPLY("\x09")), "socks_reply", "unknown reply code "
	    "(reply 0x09)" },
	{ PROXY_SOCKS5H, S("\x05\x00\x05\x00\x00\x07\x00"), "protocol",
	    "address type 0x07" },
	{ PROXY_SOCKS5, S(REPLY("\x00")), "resolve", "no resolver for "
	    "'broker.example'" },
#undef REPLY
#undef S
};

START_TEST(test_proxy_failures)
{
	const struct proxy_case *pcase = &proxy_cases[_i];
	struct engine_config c;
	struct proxy_config pc;
	struct report r;

	fake_config(&c);
	fake_proxy(&c, &pc, pcase->kind, pcase->script, pcase->len);
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_TCP);
	ck_assert_str_eq(report_find_detail(&r, STEP_TCP, "proxy_error"),
	    pcase->error);
	ck_assert_msg(strstr(r.steps[STEP_TCP].reason, pcase->words) != NULL,
	    "case %d: reason '%s' lacks '%s'", _i, r.steps[STEP_TCP].reason,
	    pcase->words);
	ck_assert_uint_eq(fk.tls_starts, 0);
	ck_assert_uint_eq(r.nstages, 1);
	ck_assert(!r.stages[0].ok);
	ck_assert_uint_gt(r.nhints, 0);
	ck_assert(!fake_report_mentions(&r, FAKE_PROXY_PW));
	fake_assert_not_reached(&r, STEP_CLIENT_HELLO);
	report_free(&r);
}
END_TEST

/* SOCKS5 with user/password; the name goes to the proxy (socks5h). */
START_TEST(test_proxy_socks5h)
{
	static const char script[] = "\x05\x02" "\x01\x00"
	    "\x05\x00\x00\x03\x04" "px.1" "\x9c\x40";
	static const uint8_t want[] = "\x05\x02\x00\x02"
	    "\x01\x03" "bob" "\x14" FAKE_PROXY_PW
	    "\x05\x01\x00\x03\x0e" "broker.example" "\x22\xb3";
	struct engine_config c;
	struct proxy_config pc;
	struct report r;

	fake_config(&c);
	fake_proxy(&c, &pc, PROXY_SOCKS5H, script, sizeof(script) - 1);
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert_uint_eq(fk.proxy_seen_len, sizeof(want) - 1);
	ck_assert_mem_eq(fk.proxy_seen, want, sizeof(want) - 1);
	ck_assert_str_eq(report_find_detail(&r, STEP_TCP, "proxy_resolved"),
	    "by the proxy");
	ck_assert(fake_has_event(&r, "SOCKS5 user/password: accepted"));
	ck_assert(fake_has_event(&r, "the proxy's end is px.1 port 40000"));
	ck_assert(!fake_report_mentions(&r, FAKE_PROXY_PW));
	report_free(&r);
}
END_TEST

/* ---- certificate verification ------------------------------------------ */

START_TEST(test_verify_failure_stops)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.verify_ok = false;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_VERIFY);
	ck_assert_int_eq(r.steps[STEP_VERIFY].status, STEP_FAILED);
	ck_assert_int_eq(r.steps[STEP_VERIFY].cause, CAUSE_VERIFY);
	ck_assert_str_eq(r.steps[STEP_VERIFY].reason, fk.verify_reason);
	ck_assert_str_eq(fake_state(&r, STEP_VERIFY, LAYER_TLS), "Failed");
	ck_assert_str_eq(fake_state(&r, STEP_VERIFY, LAYER_TCP),
	    "Established");
	ck_assert_str_eq(report_find_detail(&r, STEP_VERIFY, "verdict"),
	    "NOT trusted");
	for (int s = 1; s <= 3; s++)
		ck_assert_int_eq(r.steps[s].status, STEP_OK);
	fake_assert_not_reached(&r, STEP_KEYS);
	/* CONNECT (and its password) never crossed an untrusted channel */
	ck_assert_uint_eq(fk.send_calls, 0);
	ck_assert_uint_eq(fk.recv_calls, 0);
	ck_assert(fk.aborted);
	ck_assert_int_eq(fk.aborted_at, TLSM_VERIFIED);
	ck_assert(!r.unverified);
	{
		/* free before the last check, so a failure here leaks
		 * nothing under CK_FORK=no */
		bool hint = fake_has_hint(&r, "--cafile");

		report_free(&r);
		ck_assert_msg(hint, "no --cafile hint for a rejected chain");
	}
}
END_TEST

START_TEST(test_verify_failure_insecure)
{
	struct engine_config c;
	struct report r;
	const char *d;

	fake_config(&c);
	c.insecure = true;
	fk.verify_ok = false;
	fake_run(&c, &r);
	fake_assert_walk_ok(&r);
	ck_assert(r.unverified);
	ck_assert_str_eq(fake_state(&r, STEP_VERIFY, LAYER_TLS),
	    "NOT verified (-k)");
	ck_assert_str_eq(fake_state(&r, STEP_KEYS, LAYER_TLS),
	    "Secure channel ready");
	d = report_find_detail(&r, STEP_VERIFY, "insecure");
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(strstr(d, "UNVERIFIED"));
	ck_assert_ptr_nonnull(strstr(d, fk.verify_reason));
	ck_assert_str_eq(fk.pub_payload, FAKE_NONCE);
	report_free(&r);
}
END_TEST

/* ---- --steps -------------------------------------------------------------- */

START_TEST(test_steps_7)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.steps = 7;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), 0);
	for (int s = 1; s <= 7; s++)
		ck_assert_int_eq(r.steps[s].status, STEP_OK);
	fake_assert_skipped(&r, STEP_PUBSUB);
	ck_assert_str_eq(fake_state(&r, STEP_CONNACK, LAYER_MQTT),
	    "Connected (CONNACK received)");
	/* a polite goodbye, and no subscription */
	ck_assert_uint_eq(fk.nsent, 2);
	ck_assert_int_eq(fk.sent[1].data[0], 0xe0);
	ck_assert_uint_eq(fake_sent_count(MQTT_SUBSCRIBE), 0);
	report_free(&r);
}
END_TEST

START_TEST(test_steps_6)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.steps = 6;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), 0);
	ck_assert_int_eq(r.steps[STEP_CONNECT].status, STEP_OK);
	fake_assert_skipped(&r, STEP_CONNACK);
	ck_assert_uint_eq(fake_sent_count(MQTT_CONNECT), 1);
	ck_assert_uint_eq(fk.recv_calls, 0);
	report_free(&r);
}
END_TEST

/* Loop: steps 3 and 4 stop inside the handshake. */
START_TEST(test_steps_in_handshake)
{
	struct engine_config c;
	struct report r;
	int last = _i;

	fake_config(&c);
	c.steps = (unsigned)last;
	fake_run(&c, &r);
	ck_assert_msg(report_exit_status(&r) == 0, "step %d failed: %s",
	    r.failed_step, r.steps[r.failed_step].reason);
	for (int s = 1; s <= last; s++)
		ck_assert_int_eq(r.steps[s].status, STEP_OK);
	fake_assert_skipped(&r, last + 1);
	ck_assert_uint_eq(fk.send_calls, 0);
	ck_assert(fk.aborted);
	ck_assert_int_eq(fk.aborted_at, last == 3 ? TLSM_CERTIFICATE :
	    TLSM_VERIFIED);
	ck_assert_uint_eq(r.nhints, 0);
	report_free(&r);
}
END_TEST

START_TEST(test_steps_1)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.steps = 1;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), 0);
	ck_assert_int_eq(r.steps[STEP_TCP].status, STEP_OK);
	fake_assert_skipped(&r, STEP_CLIENT_HELLO);
	ck_assert_uint_eq(fk.tls_starts, 0);
	ck_assert_int_eq(fk.net_closed_fd, FAKE_FD);
	report_free(&r);
}
END_TEST

/*
 * A run asked to stop after step last: steps up to it ok, the rest
 * skipped, exit 0.  Frees r first, so a failure leaks nothing even
 * under CK_FORK=no.
 */
static void
fake_assert_stopped_ok(struct report *r, int last)
{
	char why[REPORT_TEXT_MAX + 64] = "";
	int exit_status = report_exit_status(r);
	bool ok = exit_status == 0;

	if (!ok)
		snprintf(why, sizeof(why), "step %d failed: %s", exit_status,
		    r->steps[exit_status].reason);
	for (int s = 1; ok && s <= REPORT_STEPS; s++) {
		enum step_status want = s <= last ? STEP_OK : STEP_SKIPPED;

		if (r->steps[s].status != want) {
			ok = false;
			snprintf(why, sizeof(why), "step %d is %s", s,
			    report_status_name(r->steps[s].status));
		}
	}
	report_free(r);
	ck_assert_msg(ok, "%s", why);
}

/*
 * --steps 2 against a server that never answers the ClientHello: step 2
 * is done once the hello left, so the run should end there, exit 0.
 */
START_TEST(test_steps_2_silent_server)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.steps = 2;
	fk.tls_fail = FT_AFTER_HELLO;
	fk.tls_err.cause = CAUSE_TIMEOUT;
	snprintf(fk.tls_err.text, sizeof(fk.tls_err.text), "timed out");
	fake_run(&c, &r);
	fake_assert_stopped_ok(&r, STEP_CLIENT_HELLO);
}
END_TEST

/*
 * --steps 3 with the real TLS layer's contract (a false return aborts
 * only at TLSM_VERIFIED) and an untrusted chain: the run asked to stop
 * before verification, so it must not fail at step 4.
 */
START_TEST(test_steps_3_untrusted_tls_contract)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.steps = 3;
	fk.strict_contract = true;
	fk.verify_ok = false;
	fake_run(&c, &r);
	ck_assert_uint_eq(fk.send_calls, 0);
	fake_assert_stopped_ok(&r, STEP_SERVER_CERT);
}
END_TEST

/* ---- failures before MQTT ------------------------------------------------- */

START_TEST(test_net_failure)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.net_fail = true;
	fk.net_err.cause = CAUSE_NETWORK;
	fk.net_err.sys_errno = 111;
	snprintf(fk.net_err.text, sizeof(fk.net_err.text),
	    "192.0.2.7 port 8883: Connection refused");
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_TCP);
	ck_assert_int_eq(r.steps[STEP_TCP].status, STEP_FAILED);
	ck_assert_int_eq(r.steps[STEP_TCP].cause, CAUSE_NETWORK);
	ck_assert_str_eq(r.steps[STEP_TCP].reason,
	    "192.0.2.7 port 8883: Connection refused");
	ck_assert_str_eq(fake_state(&r, STEP_TCP, LAYER_TCP), "Failed");
	ck_assert_str_eq(fake_state(&r, STEP_TCP, LAYER_TLS), "Not started");
	ck_assert_uint_gt(r.steps[STEP_TCP].end_us,
	    r.steps[STEP_TCP].start_us);
	fake_assert_not_reached(&r, STEP_CLIENT_HELLO);
	ck_assert_uint_eq(fk.tls_starts, 0);
	ck_assert(fake_has_hint(&r, "nothing listens on port 8883"));
	ck_assert_ptr_null(report_find_detail(&r, STEP_TCP, "peer"));
	report_free(&r);
}
END_TEST

START_TEST(test_resolve_failure)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.net_fail = true;
	fk.net_err.cause = CAUSE_RESOLVE;
	snprintf(fk.net_err.text, sizeof(fk.net_err.text),
	    "cannot resolve broker.example: Name or service not known");
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_TCP);
	ck_assert_int_eq(r.steps[STEP_TCP].cause, CAUSE_RESOLVE);
	ck_assert(fake_has_hint(&r, "--connect-to"));
	fake_assert_not_reached(&r, STEP_CLIENT_HELLO);
	report_free(&r);
}
END_TEST

START_TEST(test_tls_start_failure)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.tls_fail = FT_START;
	fk.tls_err.cause = CAUSE_LOCAL;
	snprintf(fk.tls_err.text, sizeof(fk.tls_err.text),
	    "cannot read ca.pem: No such file or directory");
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CLIENT_HELLO);
	ck_assert_str_eq(r.steps[STEP_CLIENT_HELLO].reason, fk.tls_err.text);
	ck_assert_uint_eq(fk.handshakes, 0);
	fake_assert_not_reached(&r, STEP_SERVER_CERT);
	report_free(&r);
}
END_TEST

/* Loop: fail before the hello left (step 2) or after it (step 3, twice). */
START_TEST(test_handshake_failure)
{
	static const enum fake_tls_fail where[] = {
		FT_BEFORE_HELLO, FT_AFTER_HELLO, FT_AFTER_SERVER_HELLO,
		FT_AFTER_VERIFIED,
	};
	static const int step[] = {
		STEP_CLIENT_HELLO, STEP_SERVER_CERT, STEP_SERVER_CERT,
		STEP_KEYS,
	};
	struct engine_config c;
	struct report r;
	int f = step[_i];

	fake_config(&c);
	fk.tls_fail = where[_i];
	fk.tls_err.cause = CAUSE_TLS;
	snprintf(fk.tls_err.text, sizeof(fk.tls_err.text),
	    "An unexpected TLS packet was received.");
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), f);
	ck_assert_int_eq(r.steps[f].status, STEP_FAILED);
	ck_assert_int_eq(r.steps[f].cause, CAUSE_TLS);
	ck_assert_str_eq(r.steps[f].reason, fk.tls_err.text);
	ck_assert_str_eq(fake_state(&r, f, LAYER_TLS), "Failed");
	for (int s = 1; s < f; s++)
		ck_assert_int_eq(r.steps[s].status, STEP_OK);
	fake_assert_not_reached(&r, f + 1);
	ck_assert_uint_eq(fk.send_calls, 0);
	ck_assert(fake_has_hint(&r, "--tls-version"));
	report_free(&r);
}
END_TEST

/* What the server's CA list said is step 5's, with step 5's failure
 * (TLS 1.2: the broker's alert ends the handshake). */
START_TEST(test_client_ca_on_step5)
{
	struct engine_config c;
	struct report r;
	bool seen = false;

	fake_config(&c);
	fk.client_ca = true;
	fk.tls_fail = FT_AFTER_VERIFIED;
	fk.tls_err.cause = CAUSE_TLS;
	snprintf(fk.tls_err.text, sizeof(fk.tls_err.text),
	    "the server sent TLS alert unknown_ca (48)");
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_KEYS);
	ck_assert_str_eq(report_find_detail(&r, STEP_KEYS, "client_ca_check"),
	    "mismatch");
	ck_assert_str_eq(report_find_detail(&r, STEP_KEYS, "client_cas"),
	    "CN=Factory CA");
	for (size_t i = 0; i < r.nfindings; i++)
		if (strcmp(r.findings[i].key, "client_ca_mismatch") == 0) {
			ck_assert_int_eq(r.findings[i].step, STEP_KEYS);
			seen = true;
		}
	ck_assert(seen);
	report_free(&r);
}
END_TEST

START_TEST(test_handshake_timeout_step3)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.tls_fail = FT_AFTER_HELLO;
	fk.tls_err.cause = CAUSE_TIMEOUT;
	snprintf(fk.tls_err.text, sizeof(fk.tls_err.text),
	    "no answer from the server");
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_SERVER_CERT);
	ck_assert_int_eq(r.steps[STEP_SERVER_CERT].cause, CAUSE_TIMEOUT);
	ck_assert_str_eq(r.steps[STEP_SERVER_CERT].reason,
	    "no answer from the server (--timeout 5 s)");
	ck_assert(fake_has_hint(&r, "not TLS"));
	report_free(&r);
}
END_TEST

/* ---- CONNECT and CONNACK ------------------------------------------------ */

START_TEST(test_connect_send_failure)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.send_fail_type = MQTT_CONNECT;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNECT);
	ck_assert_int_eq(r.steps[STEP_CONNECT].cause, CAUSE_NETWORK);
	ck_assert_str_eq(r.steps[STEP_CONNECT].reason,
	    "sending CONNECT: Broken pipe");
	ck_assert_str_eq(fake_state(&r, STEP_CONNECT, LAYER_MQTT), "Failed");
	fake_assert_not_reached(&r, STEP_CONNACK);
	report_free(&r);
}
END_TEST

START_TEST(test_connack_refused_311)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.connack_code = 5;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	ck_assert_int_eq(r.steps[STEP_CONNACK].cause, CAUSE_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_CONNACK].reason,
	    "not authorized"));
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_CONNACK].reason,
	    "return code 0x05"));
	ck_assert_str_eq(fake_state(&r, STEP_CONNACK, LAYER_MQTT), "Failed");
	ck_assert_str_eq(fake_state(&r, STEP_CONNACK, LAYER_TLS),
	    "Secure channel ready");
	ck_assert(fake_has_hint(&r, "check -u"));
	fake_assert_not_reached(&r, STEP_PUBSUB);
	ck_assert_uint_eq(fake_sent_count(MQTT_SUBSCRIBE), 0);
	ck_assert_uint_eq(fake_sent_count(MQTT_DISCONNECT), 0);
	report_free(&r);
}
END_TEST

START_TEST(test_connack_refused_v5)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.mqtt_version = MQTT_V5;
	fk.connack_code = 0x87;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	ck_assert_int_eq(r.steps[STEP_CONNACK].cause, CAUSE_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_CONNACK].reason,
	    "reason code 0x87 (not authorized)"));
	ck_assert(fake_has_hint(&r, "check -u"));
	report_free(&r);
}
END_TEST

START_TEST(test_close_after_connect)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.connack = FC_CLOSE;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	ck_assert_int_eq(r.steps[STEP_CONNACK].cause, CAUSE_CLOSED);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_CONNACK].reason,
	    "instead of sending CONNACK"));
	ck_assert_uint_ge(r.nhints, 1);
	ck_assert(fake_has_hint(&r, "client id"));
	ck_assert_str_eq(fake_state(&r, STEP_CONNACK, LAYER_MQTT), "Failed");
	report_free(&r);
}
END_TEST

/* Loop: 0 = a generic alert, 1 = one about a client certificate. */
START_TEST(test_tls_alert_at_connack)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.alert_on_recv = 1;
	if (_i == 1)
		fk.alert_text = "received fatal alert: certificate required";
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	ck_assert_int_eq(r.steps[STEP_CONNACK].cause, CAUSE_TLS);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_CONNACK].reason, "alert"));
	/* the TLS layer failed, not MQTT */
	ck_assert_str_eq(fake_state(&r, STEP_CONNACK, LAYER_TLS), "Failed");
	ck_assert_str_eq(fake_state(&r, STEP_CONNACK, LAYER_MQTT),
	    "Disconnected");
	ck_assert_str_eq(fake_state(&r, STEP_CONNACK, LAYER_TCP),
	    "Established");
	ck_assert(fake_has_hint(&r, "--cert") == (_i == 1));
	fake_assert_not_reached(&r, STEP_PUBSUB);
	report_free(&r);
}
END_TEST

START_TEST(test_malformed_connack)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.connack = FC_MALFORMED;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	ck_assert_int_eq(r.steps[STEP_CONNACK].cause, CAUSE_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_CONNACK].reason,
	    "malformed CONNACK"));
	ck_assert_str_eq(fake_state(&r, STEP_CONNACK, LAYER_MQTT), "Failed");
	report_free(&r);
}
END_TEST

START_TEST(test_connack_timeout)
{
	struct engine_config c;
	struct report r;

	/* the broker keeps the connection open and says nothing */
	fake_config(&c);
	fk.connack = FC_SILENT;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_CONNACK);
	ck_assert_int_eq(r.steps[STEP_CONNACK].cause, CAUSE_TIMEOUT);
	ck_assert_str_eq(r.steps[STEP_CONNACK].reason,
	    "timed out waiting for CONNACK (--timeout 5 s)");
	/* not the hint for a broker that hangs up */
	ck_assert(!fake_has_hint(&r, "client id"));
	report_free(&r);
}
END_TEST

/*
 * TLS 1.3 refusing our client certificate after the handshake: the alert
 * shows at CONNACK (loop 0) or when CONNECT leaves (loop 1), as timing
 * has it; either way step 5 fails, and the event says where it arrived.
 */
START_TEST(test_tls_rejected_is_step5)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.alert_text = "the server sent TLS alert certificate_required (116)";
	if (_i == 0) {
		fk.alert_on_recv = 1;
		fk.alert_rejects = true;
	} else
		fk.alert_on_send = true;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_KEYS);
	ck_assert_int_eq(r.steps[STEP_KEYS].status, STEP_FAILED);
	ck_assert_int_eq(r.steps[STEP_KEYS].cause, CAUSE_TLS);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_KEYS].reason,
	    "certificate_required"));
	ck_assert_str_eq(fake_state(&r, STEP_KEYS, LAYER_TLS), "Failed");
	fake_assert_not_reached(&r, STEP_CONNECT);
	ck_assert(fake_has_event(&r, _i == 0 ? "certificate_required alert "
	    "arrived while waiting for CONNACK (step 7)" : "certificate_required"
	    " alert arrived while sending CONNECT (step 6)"));
	ck_assert(fake_has_hint(&r, "--cert"));
	report_free(&r);
}
END_TEST

/* ---- step 8 ------------------------------------------------------------- */

START_TEST(test_suback_refused)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	fk.suback_code = 0x80;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_PUBSUB);
	ck_assert_int_eq(r.steps[STEP_PUBSUB].cause, CAUSE_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_PUBSUB].reason,
	    "refused the subscription to '" FAKE_TOPIC "'"));
	ck_assert_str_eq(fake_state(&r, STEP_PUBSUB, LAYER_MQTT), "Failed");
	ck_assert(fake_has_hint(&r, "--topic"));
	ck_assert_uint_eq(fake_sent_count(MQTT_PUBLISH), 0);
	ck_assert_str_eq(report_find_detail(&r, STEP_PUBSUB, "suback_code"),
	    "128");
	ck_assert_str_eq(report_find_detail(&r, STEP_PUBSUB, "suback_reason"),
	    "failure");
	report_free(&r);
}
END_TEST

START_TEST(test_puback_refused_v5)
{
	struct engine_config c;
	struct report r;

	fake_config(&c);
	c.mqtt_version = MQTT_V5;
	fk.puback_reason = 0x87;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_PUBSUB);
	ck_assert_int_eq(r.steps[STEP_PUBSUB].cause, CAUSE_REFUSED);
	ck_assert_ptr_nonnull(strstr(r.steps[STEP_PUBSUB].reason,
	    "refused our PUBLISH"));
	report_free(&r);
}
END_TEST

START_TEST(test_no_echo_times_out)
{
	struct engine_config c;
	struct report r;

	/* the broker acknowledges but never delivers */
	fake_config(&c);
	fk.no_echo = true;
	fake_run(&c, &r);
	ck_assert_int_eq(report_exit_status(&r), STEP_PUBSUB);
	ck_assert_int_eq(r.steps[STEP_PUBSUB].cause, CAUSE_TIMEOUT);
	ck_assert_str_eq(r.steps[STEP_PUBSUB].reason, "timed out waiting for "
	    "our message to come back (--timeout 5 s)");
	ck_assert_uint_eq(fake_sent_count(MQTT_DISCONNECT), 0);
	report_free(&r);
}
END_TEST

/* A broker that floods PINGRESP after SUBACK, with no read ever waiting:
 * the deadline still ends step 8, named, and the report stays bounded. */
START_TEST(test_flood_meets_deadline)
{
	struct engine_config c;
	struct report r;
	const struct report_step_rec *st;

	fake_config(&c);
	fk.no_echo = true;
	fk.flood = true;
	fake_run(&c, &r);
	st = &r.steps[STEP_PUBSUB];
	ck_assert_int_eq(report_exit_status(&r), STEP_PUBSUB);
	ck_assert_int_eq(st->cause, CAUSE_TIMEOUT);
	ck_assert_msg(strstr(st->reason, "timed out waiting for our message "
	    "to come back (--timeout 5 s)") != NULL, "%s", st->reason);
	ck_assert_msg(strstr(st->reason, "unexpected packets (the last a "
	    "PINGRESP)") != NULL, "%s", st->reason);
	/* the fake clock ticks on every reading: the step ends at the
	 * deadline, give or take a few readings */
	ck_assert_uint_le(st->end_us, c.timeout_us + 100u * FAKE_TICK);
	ck_assert_uint_eq(st->nevents, REPORT_MAX_EVENTS);
	ck_assert_uint_gt(st->events_dropped, 0);
	report_free(&r);
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc;

	tc = tcase_create("success");
	tcase_add_checked_fixture(tc, fake_setup, NULL);
	tcase_add_test(tc, test_success);
	tcase_add_test(tc, test_plaintext);
	tcase_add_test(tc, test_proxy_http);
	tcase_add_test(tc, test_proxy_socks5h);
	tcase_add_loop_test(tc, test_proxy_failures, 0,
	    (int)(sizeof(proxy_cases) / sizeof(proxy_cases[0])));
	tcase_add_test(tc, test_plaintext_closed);
	tcase_add_loop_test(tc, test_ws_frames, 0,
	    (int)(sizeof(ws_cases) / sizeof(ws_cases[0])));
	tcase_add_loop_test(tc, test_ws_frames_v5, 0,
	    (int)(sizeof(ws_cases) / sizeof(ws_cases[0])));
	tcase_add_test(tc, test_ws_close_frame);
	tcase_add_test(tc, test_ws_refused);
	tcase_add_test(tc, test_success_v5_props);
	tcase_add_loop_test(tc, test_qos_flows, 0, 6);
	tcase_add_test(tc, test_recv_one_byte_at_a_time);
	tcase_add_test(tc, test_other_message_first);
	tcase_add_test(tc, test_hello_retry_and_tls12);
	tcase_add_test(tc, test_password_never_reported);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_checked_fixture(tc, fake_setup, NULL);
	tcase_add_test(tc, test_verify_failure_stops);
	tcase_add_test(tc, test_verify_failure_insecure);
	suite_add_tcase(s, tc);

	tc = tcase_create("steps");
	tcase_add_checked_fixture(tc, fake_setup, NULL);
	tcase_add_test(tc, test_steps_7);
	tcase_add_test(tc, test_steps_6);
	tcase_add_loop_test(tc, test_steps_in_handshake, 3, 5);
	tcase_add_test(tc, test_steps_1);
	tcase_add_test(tc, test_steps_2_silent_server);
	tcase_add_test(tc, test_steps_3_untrusted_tls_contract);
	suite_add_tcase(s, tc);

	tc = tcase_create("early_failures");
	tcase_add_checked_fixture(tc, fake_setup, NULL);
	tcase_add_test(tc, test_net_failure);
	tcase_add_test(tc, test_resolve_failure);
	tcase_add_test(tc, test_tls_start_failure);
	tcase_add_loop_test(tc, test_handshake_failure, 0, 4);
	tcase_add_test(tc, test_handshake_timeout_step3);
	tcase_add_test(tc, test_client_ca_on_step5);
	suite_add_tcase(s, tc);

	tc = tcase_create("mqtt_failures");
	tcase_add_checked_fixture(tc, fake_setup, NULL);
	tcase_add_test(tc, test_connect_send_failure);
	tcase_add_test(tc, test_connack_refused_311);
	tcase_add_test(tc, test_connack_refused_v5);
	tcase_add_test(tc, test_close_after_connect);
	tcase_add_loop_test(tc, test_tls_alert_at_connack, 0, 2);
	tcase_add_test(tc, test_malformed_connack);
	tcase_add_test(tc, test_connack_timeout);
	tcase_add_test(tc, test_suback_refused);
	tcase_add_test(tc, test_puback_refused_v5);
	tcase_add_test(tc, test_no_echo_times_out);
	tcase_add_test(tc, test_flood_meets_deadline);
	tcase_add_loop_test(tc, test_tls_rejected_is_step5, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
