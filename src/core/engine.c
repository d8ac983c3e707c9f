/*
 * engine.c: drive the eight steps of an MQTT-over-TLS connection.
 *
 * One probe is one straight walk: connect, handshake (steps 2-5 happen
 * inside one handshake call and arrive as milestones), CONNECT, CONNACK,
 * the publish/subscribe round trip, then a clean goodbye.  Every outcome
 * goes into the report; the first failure ends the walk, and the steps
 * after it stay "not reached".
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "engine.h"
#include "engine_int.h"
#include "hints.h"
#include "mqtt.h"
#include "proxy.h"
#include "ws.h"

uint64_t
engine_now(const struct engine *e)
{
	return e->io->clock.now_us(e->io->clock.ctx);
}

/* The step an I/O event belongs to: the running one, else the last. */
static int
engine_event_step(const struct report *r)
{
	int s = REPORT_STEPS;

	if (r->current != 0)
		return r->current;
	while (s > 1 && r->steps[s].status == STEP_NOT_REACHED)
		s--;
	return s;
}

static void
engine_observe(void *ctx, const struct io_event *ev)
{
	struct engine *e = ctx;

	report_event_io(e->r, engine_event_step(e->r), engine_now(e),
	    ev->level, ev->kind, ev->dir, ev->size, NULL, 0, ev->text);
}

static void engine_goodbye_ping(struct engine *e, uint8_t type);

/* The time a hold has waited since the last mark: not the broker's, so
 * it counts in no time of the report, nor against --timeout. */
static void
engine_hold_account(struct engine *e)
{
	uint64_t now = engine_now(e), held = now - e->hold_mark;

	e->hold_mark = now;
	e->deadline += held;
	if (held > 0)
		report_held(e->r, held);
}

/* The keep-alive the broker holds us to: 5.0's Server Keep Alive when
 * its CONNACK set one, else ours. */
static unsigned
engine_keepalive_s(const struct engine *e)
{
	if (e->cfg->mqtt_version == MQTT_V5 &&
	    MQTT_PROP_PRESENT(&e->connack.props, 0x13))
		return e->connack.props.server_keep_alive;
	return e->cfg->keepalive;
}

/*
 * engine_hold.keepalive: one PINGREQ and its PINGRESP while a hold
 * waits, with --timeout of its own.  Before step 8 nothing is
 * subscribed, so the broker has nothing else to send but a DISCONNECT
 * (5.0); anything else is named and passed over.  A failure is an event,
 * not a failed step: the step after the hold meets the lost session
 * and says so in its own words, so the ping never breaks the walk.
 */
static bool
engine_hold_ping(void *ctx)
{
	struct engine *e = ctx;
	struct io_error err = { 0 };
	struct mqtt_packet p;
	uint64_t saved, t0;
	long n = -1;

	if (e->ping_lost)
		return false;
	/* the events keep the report's timeline: step 7's end, the ping */
	engine_hold_account(e);
	t0 = engine_now(e);
	saved = e->deadline;
	e->deadline = t0 + e->cfg->timeout_us;
	engine_goodbye_ping(e, MQTT_PINGREQ);
	while (!e->ping_lost) {
		n = engine_read(e, &p, &err);
		if (n <= 0)
			break;
		engine_consume(e, (size_t)n);
		if (p.type == MQTT_PINGRESP || p.type == MQTT_DISCONNECT)
			break;
		report_event(e->r, engine_event_step(e->r), engine_now(e), 0,
		    "ignored an unexpected %s during the pause",
		    mqtt_type_name(p.type));
	}
	if (!e->ping_lost && (n <= 0 || p.type != MQTT_PINGRESP)) {
		e->ping_lost = true;
		report_event(e->r, engine_event_step(e->r), engine_now(e), 0,
		    "keep-alive ping during the pause failed: %s", n > 0 ?
		    "the broker sent DISCONNECT" : n == 0 ? "the broker "
		    "closed the connection" : err.text);
	}
	/* the ping's own time is the connection's, not a step's: the
	 * deadline moves on by as much */
	e->deadline = saved + (engine_now(e) - t0);
	e->hold_mark = engine_now(e);
	return !e->ping_lost;
}

/*
 * Every step starts here, so --pause can hold it.  False when the user
 * stopped the walk there: the step does not start.
 */
static bool
engine_step_start(struct engine *e, int step)
{
	if (e->io->before_step != NULL) {
		struct engine_hold h = { 0 };
		unsigned ka = engine_keepalive_s(e);
		enum engine_hold_answer a;

		/* half the keep-alive: a ping well before the broker's
		 * 1.5 times runs out, even on a slow link */
		if (e->session && !e->ping_lost && ka > 0) {
			h.every_us = (uint64_t)ka * 1000000 / 2;
			h.keepalive = engine_hold_ping;
			h.ctx = e;
		}
		e->hold_mark = engine_now(e);
		a = e->io->before_step(e->io->step_ctx, step, &h);
		/* time spent holding (a trainer talking) is not the
		 * broker's: it does not count against --timeout, nor in
		 * any time the report shows */
		engine_hold_account(e);
		if (a == HOLD_STOP) {
			e->quit = true;
			e->stop = true;
			report_stopped(e->r, step);
			return false;
		}
	}
	report_step_start(e->r, step, engine_now(e));
	return true;
}

/*
 * An MQTT packet in the report: a trace line, and for --hexdump its
 * bytes.  secret_len trailing bytes (CONNECT's password field, its two
 * length bytes included: always last) are left out of the copy, and
 * the event says so without saying how many: no form of output can
 * show the password, nor how long it is from the dump.
 */
void
engine_packet(struct engine *e, enum report_dir dir, const uint8_t *pkt,
    size_t len, size_t secret_len, const char *text)
{
	bool cut = secret_len > 0 && secret_len <= len;
	size_t show = cut ? len - secret_len : len;
	/* the report keeps no more of a packet than this anyway */
	size_t keep = show < REPORT_MAX_EVENT_BYTES ? show :
	    REPORT_MAX_EVENT_BYTES;
	const uint8_t *bytes = e->cfg->packet_bytes && keep > 0 ? pkt : NULL;

	if (cut)
		report_event_secret(e->r, engine_event_step(e->r),
		    engine_now(e), 1, len, bytes, bytes != NULL ? keep : 0,
		    text);
	else
		report_event_io(e->r, engine_event_step(e->r), engine_now(e),
		    1, EVK_MQTT, dir, len, bytes, bytes != NULL ? keep : 0,
		    text);
}

static void
engine_details(struct engine *e, int step, const struct tls_milestone *m)
{
	for (size_t i = 0; i < m->ndetails; i++)
		report_detail(e->r, step, m->details[i].key, "%s",
		    m->details[i].text);
	/* the chain checks' findings, before the step ends so that every
	 * renderer shows them with it */
	for (size_t i = 0; i < m->nfindings; i++)
		report_finding(e->r, &m->findings[i]);
}


/* Steps 2 to 5 as the TLS layer reaches them. */
static bool
engine_milestone(void *ctx, const struct tls_milestone *m)
{
	struct engine *e = ctx;
	struct report *r = e->r;
	unsigned last = e->cfg->steps;

	/* after --steps was reached nothing more is recorded */
	if (e->stop)
		return false;
	switch (m->kind) {
	case TLSM_HELLO_SENT:
		if (m->retry) {
			report_event(r, STEP_CLIENT_HELLO, engine_now(e), 0,
			    "second ClientHello sent (after HelloRetryRequest, "
			    "%s bytes)", m->ndetails > 0 ?
			    m->details[m->ndetails - 1].text : "?");
			report_detail(r, STEP_CLIENT_HELLO, "hello_retry",
			    "yes: the server asked for another key share");
			return true;
		}
		engine_details(e, STEP_CLIENT_HELLO, m);
		report_step_ok(r, STEP_CLIENT_HELLO, engine_now(e));
		if (last < STEP_SERVER_CERT) {
			e->stop = true;
			return false;
		}
		return engine_step_start(e, STEP_SERVER_CERT);
	case TLSM_SERVER_HELLO:
		engine_details(e, STEP_SERVER_CERT, m);
		report_event(r, STEP_SERVER_CERT, engine_now(e), 0,
		    "ServerHello: the server chose %s", m->ndetails > 0 ?
		    m->details[0].text : "?");
		return true;
	case TLSM_CERTIFICATE:
		engine_details(e, STEP_SERVER_CERT, m);
		for (size_t i = 0; i < m->ncerts; i++)
			report_cert(r, &m->certs[i]);
		report_step_ok(r, STEP_SERVER_CERT, engine_now(e));
		if (last < STEP_VERIFY) {
			e->stop = true;
			return false;
		}
		return engine_step_start(e, STEP_VERIFY);
	case TLSM_PSK:
		/* the key, not a certificate, authenticates the server:
		 * step 4 has nothing to check, and is skipped, not failed */
		engine_details(e, STEP_SERVER_CERT, m);
		report_step_ok(r, STEP_SERVER_CERT, engine_now(e));
		if (last < STEP_VERIFY) {
			e->stop = true;
			return false;
		}
		report_step_skip_why(r, STEP_VERIFY, "not applicable: "
		    "pre-shared key");
		if (last < STEP_KEYS) {
			e->stop = true;
			return false;
		}
		return engine_step_start(e, STEP_KEYS);
	case TLSM_VERIFIED:
		engine_details(e, STEP_VERIFY, m);
		if (m->timed_out) {
			/* nothing was verified, and the time is up: not
			 * even --insecure goes on */
			report_step_fail(r, STEP_VERIFY, engine_now(e),
			    CAUSE_TIMEOUT, "%s (--timeout %.3g s)", m->reason ?
			    m->reason : "timed out", (double)e->cfg->timeout_us /
			    1e6);
			return false;
		}
		if (!m->ok && !e->cfg->insecure) {
			report_step_fail(r, STEP_VERIFY, engine_now(e),
			    CAUSE_VERIFY, "%s", m->reason ? m->reason :
			    "certificate not trusted");
			return false;
		}
		if (!m->ok) {
			/* --insecure: the verdict stands, the run goes on,
			 * and the report says so everywhere */
			report_unverified(r);
			report_detail(r, STEP_VERIFY, "insecure",
			    "UNVERIFIED: continuing because of --insecure: %s",
			    m->reason ? m->reason : "certificate not trusted");
		}
		report_step_ok(r, STEP_VERIFY, engine_now(e));
		if (last < STEP_KEYS) {
			e->stop = true;
			return false;
		}
		return engine_step_start(e, STEP_KEYS);
	case TLSM_DONE:
		engine_details(e, STEP_KEYS, m);
		if (m->ndetails > 0 && strcmp(m->details[0].text, "TLS1.2") ==
		    0 && e->cfg->psk_identity == NULL)
			report_detail(r, STEP_KEYS, "note", "TLS 1.2: the "
			    "server proved it holds the certificate's key only "
			    "in this step (signed key exchange, then Finished), "
			    "after the certificate was checked");
		report_step_ok(r, STEP_KEYS, engine_now(e));
		return true;
	case TLSM_CLIENT_CA:
		/* before step 5 ends, failed or not: why the broker may
		 * refuse our certificate is told with the refusal */
		engine_details(e, STEP_KEYS, m);
		return true;
	}
	return true;
}

/*
 * The server refused the TLS session after our side of the handshake had
 * ended (TLS 1.3 judges a client certificate only then): whether its
 * alert shows while CONNECT leaves (6), while waiting for CONNACK (7)
 * or later depends on timing, but the TLS layer never became usable.
 * So it is step 5's failure, every time and under both TLS versions,
 * as TLS 1.2 reports it; an event keeps where the alert arrived.
 */
static void
engine_tls_rejected(struct engine *e, int step, const struct io_error *err,
    const char *during)
{
	report_event(e->r, step, engine_now(e), 0, "%s alert arrived while %s "
	    "(step %d): under TLS 1.3 the server judges our certificate "
	    "after the handshake, so step 5 failed", err->alert[0] != '\0' ?
	    err->alert : "a TLS", during, step);
	report_step_fail_layer(e->r, STEP_KEYS, LAYER_TLS, engine_now(e),
	    CAUSE_TLS, err->text);
	e->sys_errno = err->sys_errno;
}

static void
engine_fail(struct engine *e, int step, const struct io_error *err,
    const char *what)
{
	char limit[48] = "";
	char text[REPORT_TEXT_MAX];

	if (err->tls_rejected && step > STEP_KEYS) {
		char during[REPORT_TEXT_MAX];

		snprintf(during, sizeof(during), "%s", what != NULL ? what :
		    report_step_name(step));
		engine_tls_rejected(e, step, err, during);
		return;
	}

	/* a timeout names the budget, so the user knows what to raise */
	if (err->cause == CAUSE_TIMEOUT)
		snprintf(limit, sizeof(limit), " (--timeout %.3g s)",
		    (double)e->cfg->timeout_us / 1e6);
	snprintf(text, sizeof(text), "%s%s%s%s", what != NULL ? what : "",
	    what != NULL ? ": " : "", err->text, limit);
	/* a TLS alert after the handshake (TLS 1.3 client-certificate
	 * rejection) fails the TLS layer, whatever MQTT step it shows in */
	report_step_fail_layer(e->r, step, err->cause == CAUSE_TLS &&
	    step >= STEP_CONNECT ? LAYER_TLS : -1, engine_now(e), err->cause,
	    text);
	/* the report keeps the words; hints.c wants the number too */
	e->sys_errno = err->sys_errno;
}

/* --- MQTT over the TLS channel ---------------------------------------- */

static const struct probe_stream *
engine_top(const struct engine *e)
{
	return &e->stack[e->depth - 1];
}

static void
engine_push(struct engine *e, const struct probe_stream *s)
{
	if (e->depth < ENGINE_MAX_LAYERS)
		e->stack[e->depth++] = *s;
}

int
engine_send(struct engine *e, const uint8_t *pkt, size_t len,
    struct io_error *err)
{
	const struct probe_stream *top = engine_top(e);

	return top->send(top->ctx, pkt, len, e->deadline, err);
}

/* Drop the first n buffered bytes (one handled packet). */
void
engine_consume(struct engine *e, size_t n)
{
	memmove(e->buf, e->buf + n, e->len - n);
	e->len -= n;
}

/*
 * Read one whole packet into e->buf and decode it.  Returns its size (to
 * consume once handled), 0 when the peer closed, -1 with err filled.
 */
long
engine_read(struct engine *e, struct mqtt_packet *pkt, struct io_error *err)
{
	for (;;) {
		size_t plen = 0;
		const char *why = NULL;
		int rc;
		long n;

		/* on every pass, not only when a read would block: a peer
		 * that never lets one block must still meet the deadline */
		if (engine_now(e) >= e->deadline) {
			err->cause = CAUSE_TIMEOUT;
			snprintf(err->text, sizeof(err->text), "timed out "
			    "while the broker kept sending");
			return -1;
		}
		rc = mqtt_frame(e->buf, e->len, ENGINE_MAX_PACKET, &plen);
		if (rc == MQTT_OK) {
			rc = mqtt_decode((enum mqtt_version)e->cfg->mqtt_version,
			    e->buf, plen, pkt, &why);
			if (rc != MQTT_OK) {
				err->cause = CAUSE_PROTOCOL;
				snprintf(err->text, sizeof(err->text), "malformed "
				    "%s from the broker: %s",
				    mqtt_type_name((enum mqtt_type)(e->buf[0] >> 4)),
				    why != NULL ? why : "invalid packet");
				return -1;
			}
			{
				char desc[REPORT_TEXT_MAX];

				mqtt_describe((enum mqtt_version)
				    e->cfg->mqtt_version, pkt, desc,
				    sizeof(desc));
				engine_packet(e, DIR_IN, e->buf, plen, 0, desc);
			}
			return (long)plen;
		}
		if (rc == MQTT_TOO_LARGE || rc == MQTT_MALFORMED) {
			err->cause = CAUSE_PROTOCOL;
			snprintf(err->text, sizeof(err->text), "%s",
			    rc == MQTT_TOO_LARGE ? "the broker announced a "
			    "packet over 1 MiB, more than a probe accepts" :
			    "the broker sent an invalid remaining length (a "
			    "fifth length byte: over the protocol maximum of "
			    "268435455)");
			return -1;
		}
		if (e->cap - e->len < 4096) {
			size_t ncap = e->cap == 0 ? 8192 : e->cap * 2;
			uint8_t *nb;

			if (ncap > ENGINE_MAX_PACKET + 8)
				ncap = ENGINE_MAX_PACKET + 8;
			if (ncap <= e->len) {
				err->cause = CAUSE_PROTOCOL;
				snprintf(err->text, sizeof(err->text),
				    "packet too large");
				return -1;
			}
			nb = realloc(e->buf, ncap);
			if (nb == NULL) {
				err->cause = CAUSE_LOCAL;
				snprintf(err->text, sizeof(err->text),
				    "out of memory");
				return -1;
			}
			e->buf = nb;
			e->cap = ncap;
		}
		n = engine_top(e)->recv(engine_top(e)->ctx, e->buf + e->len,
		    e->cap - e->len, e->deadline, err);
		if (n <= 0)
			return n;
		e->len += (size_t)n;
	}
}

static const char *
engine_version_name(int v)
{
	return v == MQTT_V5 ? "5.0" : v == MQTT_V31 ? "3.1" : "3.1.1";
}

/*
 * The WebSocket upgrade: a stage of step 6, since the HTTP exchange is
 * what carries CONNECT there.  Its failure is a step 6 failure.
 */
static bool
engine_ws_upgrade(struct engine *e)
{
	const struct ws_config *c = e->cfg->ws;
	struct io_observer obs = { engine_observe, e };
	struct ws_upgrade_info info;
	struct io_error err = { 0 };
	struct ws_session *w;
	uint64_t t0 = engine_now(e);
	int rc;

	report_detail(e->r, STEP_CONNECT, "ws_request", "GET %s HTTP/1.1",
	    c->path);
	report_detail(e->r, STEP_CONNECT, "ws_host", "%s", c->host);
	report_detail(e->r, STEP_CONNECT, "ws_subprotocol_offered", "%s",
	    c->subprotocol);
	w = ws_new(engine_top(e), &obs, &e->io->clock);
	if (w == NULL) {
		report_step_fail(e->r, STEP_CONNECT, engine_now(e), CAUSE_LOCAL,
		    "out of memory");
		return false;
	}
	rc = ws_upgrade(w, c, e->deadline, &info, &err);
	if (info.status != 0)
		report_detail(e->r, STEP_CONNECT, "ws_status", "%s",
		    info.status_line);
	if (info.server[0] != '\0')
		report_detail(e->r, STEP_CONNECT, "ws_server", "%s",
		    info.server);
	if (info.status == 101)
		report_detail(e->r, STEP_CONNECT, "ws_accept", "%s",
		    info.accept_ok ? "checked: matches our key" : "WRONG");
	if (info.subprotocol[0] != '\0')
		report_detail(e->r, STEP_CONNECT, "ws_subprotocol", "%s",
		    info.subprotocol);
	report_stage(e->r, STEP_CONNECT, "ws_upgrade", "WebSocket upgrade", t0,
	    engine_now(e), rc == 0);
	if (rc != 0) {
		ws_free(w);
		engine_fail(e, STEP_CONNECT, &err, "WebSocket upgrade");
		return false;
	}
	{
		struct probe_stream s = ws_stream(w);

		engine_push(e, &s);
	}
	return true;
}

static bool
engine_connect(struct engine *e)
{
	const struct engine_config *c = e->cfg;
	struct mqtt_connect con = {
		.version = (enum mqtt_version)c->mqtt_version,
		.client_id = c->client_id,
		.keepalive = (uint16_t)c->keepalive,
		.clean = !c->keep_session,
		.username = c->username,
		.password = c->password,
		.password_len = c->password_len,
		.session_expiry = c->session_expiry,
		.will_topic = c->will_topic,
		.will_payload = { (const uint8_t *)c->will_payload,
		    c->will_payload != NULL ? strlen(c->will_payload) : 0 },
		.will_qos = (uint8_t)c->will_qos,
	};
	size_t size = mqtt_connect_size(&con), n = 0;
	uint8_t *pkt;
	struct io_error err = { 0 };
	bool ok = false;

	if (!engine_step_start(e, STEP_CONNECT))
		return false;
	if (c->ws != NULL && !engine_ws_upgrade(e))
		return false;
	report_detail(e->r, STEP_CONNECT, "mqtt_version", "%s",
	    engine_version_name(c->mqtt_version));
	report_detail(e->r, STEP_CONNECT, "client_id", "%s", c->client_id);
	report_detail(e->r, STEP_CONNECT, "keepalive", "%u", c->keepalive);
	/* the probe always starts afresh (Clean Session in 3.1.1, Clean
	 * Start in 5.0): nothing of an earlier session may skew the walk;
	 * only a capability experiment on sessions keeps one */
	report_detail(e->r, STEP_CONNECT, "clean", "%s",
	    c->keep_session ? "no" : "yes");
	/* an empty value is an absent one (fields.h): a user literally
	 * named "none" stays a name */
	report_detail(e->r, STEP_CONNECT, "username", "%s",
	    c->username != NULL ? c->username : "");
	/* the password itself never enters the report */
	report_detail(e->r, STEP_CONNECT, "password", "%s",
	    c->password != NULL ? "set (not shown)" : "");
	pkt = size > 0 ? malloc(size) : NULL;
	if (pkt == NULL || mqtt_connect_encode(&con, pkt, size, &n) != MQTT_OK) {
		report_step_fail(e->r, STEP_CONNECT, engine_now(e), CAUSE_LOCAL,
		    "cannot encode CONNECT (a field is too long%s)",
		    c->mqtt_version == MQTT_V311 && c->username == NULL &&
		    c->password != NULL ? ", or a password without user name "
		    "under 3.1.1" : "");
		/* a part-written packet may hold the password already */
		if (pkt != NULL)
			explicit_bzero(pkt, size);
		free(pkt);
		return false;
	}
	report_detail(e->r, STEP_CONNECT, "bytes", "%zu", n);
	/* the packet before the TLS record that carries it: the trace
	 * lists what is sent in the order it goes on the wire */
	{
		char desc[REPORT_TEXT_MAX];

		snprintf(desc, sizeof(desc), "CONNECT version=%s client_id='%.64s%s' "
		    "keepalive=%u clean=%d%s%s username=%s%s%s password=%s",
		    engine_version_name(c->mqtt_version), c->client_id,
		    strlen(c->client_id) > 64 ? "..." : "", c->keepalive,
		    c->keep_session ? 0 : 1, c->will_topic != NULL ?
		    " will=" : "", c->will_topic != NULL ? c->will_topic : "",
		    c->username != NULL ? "'" : "",
		    c->username != NULL ? c->username : "none",
		    c->username != NULL ? "'" : "",
		    c->password != NULL ? "****" : "none");
		/* the password and its two length bytes, always last: a
		 * dump must not even say how long it is there */
		engine_packet(e, DIR_OUT, pkt, n, c->password != NULL ?
		    c->password_len + 2 : 0, desc);
	}
	if (engine_send(e, pkt, n, &err) == 0) {
		report_step_ok(e->r, STEP_CONNECT, engine_now(e));
		ok = true;
	} else
		engine_fail(e, STEP_CONNECT, &err, "sending CONNECT");
	/* the encoded packet holds the password: wipe it, with a call the
	 * compiler may not drop as a dead store before free */
	explicit_bzero(pkt, size);
	free(pkt);
	return ok;
}

static void
engine_bytes_detail(struct engine *e, int step, const char *key,
    const struct mqtt_bytes *b)
{
	report_detail(e->r, step, key, "%.*s", (int)b->len,
	    (const char *)b->data);
}

/* The MQTT 5.0 CONNACK properties shown, and where mqtt_props keeps them. */
static const struct {
	uint8_t id;
	const char *key;
	enum { PV_U8, PV_U16, PV_U32, PV_BOOL, PV_BYTES } kind;
	size_t offset;
} engine_connack_fields[] = {
	{ 0x12, "assigned_client_id", PV_BYTES,
	    offsetof(struct mqtt_props, assigned_client_id) },
	{ 0x24, "maximum_qos", PV_U8, offsetof(struct mqtt_props, maximum_qos) },
	{ 0x25, "retain_available", PV_BOOL,
	    offsetof(struct mqtt_props, retain_available) },
	{ 0x27, "maximum_packet_size", PV_U32,
	    offsetof(struct mqtt_props, maximum_packet_size) },
	{ 0x21, "receive_maximum", PV_U16,
	    offsetof(struct mqtt_props, receive_maximum) },
	{ 0x22, "topic_alias_maximum", PV_U16,
	    offsetof(struct mqtt_props, topic_alias_maximum) },
	{ 0x13, "server_keep_alive", PV_U16,
	    offsetof(struct mqtt_props, server_keep_alive) },
	{ 0x11, "session_expiry", PV_U32,
	    offsetof(struct mqtt_props, session_expiry) },
	{ 0x28, "wildcard_subscriptions", PV_BOOL,
	    offsetof(struct mqtt_props, wildcard_sub_available) },
	{ 0x29, "subscription_ids", PV_BOOL,
	    offsetof(struct mqtt_props, sub_id_available) },
	{ 0x2A, "shared_subscriptions", PV_BOOL,
	    offsetof(struct mqtt_props, shared_sub_available) },
	{ 0x1C, "server_reference", PV_BYTES,
	    offsetof(struct mqtt_props, server_reference) },
	{ 0x1F, "reason_string", PV_BYTES,
	    offsetof(struct mqtt_props, reason_string) },
};

/* MQTT 5.0 CONNACK properties, each as its own detail. */
static void
engine_connack_props(struct engine *e, const struct mqtt_props *p)
{
	const unsigned char *base = (const unsigned char *)p;

	for (size_t i = 0; i < sizeof(engine_connack_fields) /
	    sizeof(engine_connack_fields[0]); i++) {
		const void *v = base + engine_connack_fields[i].offset;
		const char *key = engine_connack_fields[i].key;
		unsigned long n = 0;

		if (!MQTT_PROP_PRESENT(p, engine_connack_fields[i].id))
			continue;
		switch (engine_connack_fields[i].kind) {
		case PV_BYTES:
			engine_bytes_detail(e, STEP_CONNACK, key, v);
			continue;
		case PV_U8:
		case PV_BOOL:
			n = *(const uint8_t *)v;
			break;
		case PV_U16:
			n = *(const uint16_t *)v;
			break;
		case PV_U32:
			n = *(const uint32_t *)v;
			break;
		}
		if (engine_connack_fields[i].kind == PV_BOOL)
			report_detail(e->r, STEP_CONNACK, key, "%s",
			    n ? "yes" : "no");
		else
			report_detail(e->r, STEP_CONNACK, key, "%lu", n);
	}
}

/*
 * Where a read failed while waiting for pkt_name in step: say it exactly.
 * also (may be "") is appended: what else arrived meanwhile.  Bytes of
 * an unfinished packet are named, so a broker that stops (or drips)
 * mid-packet is told apart from one that never answered.
 */
static void
engine_read_failed(struct engine *e, int step, long n,
    const struct io_error *err, const char *waiting, const char *also)
{
	char part[96] = "";

	if (e->len > 0 && (n == 0 || err->cause != CAUSE_PROTOCOL))
		snprintf(part, sizeof(part), "; %zu byte%s of an unfinished "
		    "packet had arrived", e->len, e->len == 1 ? "" : "s");
	if (n == 0) {
		report_step_fail(e->r, step, engine_now(e), CAUSE_CLOSED,
		    "the broker closed the connection (%s) instead of "
		    "sending %s%s%s", e->tls != NULL ?
		    "TLS close_notify" : "TCP FIN", waiting, part,
		    also);
	} else if (err->cause == CAUSE_TIMEOUT) {
		/* the TLS layer may name what kept coming meanwhile */
		bool named = err->text[0] != '\0' &&
		    strncmp(err->text, "timed out", 9) != 0;

		report_step_fail(e->r, step, engine_now(e), CAUSE_TIMEOUT,
		    "timed out waiting for %s (--timeout %.3g s)%s%s%s%s",
		    waiting, (double)e->cfg->timeout_us / 1e6, named ? "; " :
		    "", named ? err->text : "", part, also);
	} else if (err->cause == CAUSE_TLS) {
		char during[REPORT_TEXT_MAX];

		/* e.g. TLS 1.3 client-certificate rejection: the handshake
		 * succeeded, the alert only shows on the first read */
		snprintf(during, sizeof(during), "waiting for %s", waiting);
		if (err->tls_rejected && step > STEP_KEYS)
			engine_tls_rejected(e, step, err, during);
		else
			engine_fail(e, step, err, NULL);
		return;
	} else if (err->cause == CAUSE_PROTOCOL) {
		/* a broken packet: the text names it already */
		report_step_fail(e->r, step, engine_now(e), err->cause, "%s%s",
		    err->text, also);
	} else {
		report_step_fail(e->r, step, engine_now(e), err->cause,
		    "while waiting for %s: %s%s%s", waiting, err->text, part,
		    also);
	}
}

/*
 * "Not authorized" with no SNI sent (an IP literal, or --sni-hostname
 * ''): hosted brokers that serve many tenants on one address choose the
 * tenant, and its users, by SNI.
 */
static void
engine_connack_evidence(struct engine *e, unsigned code)
{
	bool not_authorized = e->cfg->mqtt_version == MQTT_V5 ? code == 0x87 :
	    code == 5;

	if (!not_authorized || e->tls == NULL || e->cfg->tls.sni != NULL)
		return;
	report_findingf(e->r, STEP_CONNACK, SEV_WARNING, -1, "no_sni",
	    "\"not authorized\" and no SNI was sent (%s): some hosted "
	    "brokers pick the tenant, and so its users, by the name in SNI "
	    "and refuse a client that sends none; connect by host name, or "
	    "give it with --sni-hostname", e->cfg->host);
}

static bool
engine_connack(struct engine *e)
{
	struct mqtt_packet pkt;
	struct io_error err = { 0 };
	long n;
	int v = e->cfg->mqtt_version;

	if (!engine_step_start(e, STEP_CONNACK))
		return false;
	n = engine_read(e, &pkt, &err);
	if (n <= 0) {
		engine_read_failed(e, STEP_CONNACK, n, &err, "CONNACK", "");
		return false;
	}
	if (pkt.type != MQTT_CONNACK) {
		report_step_fail(e->r, STEP_CONNACK, engine_now(e),
		    CAUSE_PROTOCOL, "expected CONNACK, the broker sent %s",
		    mqtt_type_name(pkt.type));
		return false;
	}
	{
		const struct mqtt_connack *ca = &pkt.u.connack;
		const char *name = v == MQTT_V5 ? mqtt_reason_name(ca->code) :
		    mqtt_connack311_name(ca->code);

		report_detail(e->r, STEP_CONNACK, "connack_code", "%u",
		    ca->code);
		report_detail(e->r, STEP_CONNACK, "connack_reason", "%s", name);
		report_detail(e->r, STEP_CONNACK, "session_present", "%s",
		    ca->session_present ? "yes" : "no");
		/* kept for the capability experiments; the strings point
		 * into the buffer consumed below, so they are not */
		e->connack = *ca;
		memset(&e->connack.props.assigned_client_id, 0,
		    sizeof(e->connack.props.assigned_client_id));
		memset(&e->connack.props.reason_string, 0,
		    sizeof(e->connack.props.reason_string));
		memset(&e->connack.props.response_information, 0,
		    sizeof(e->connack.props.response_information));
		memset(&e->connack.props.server_reference, 0,
		    sizeof(e->connack.props.server_reference));
		memset(&e->connack.props.authentication_method, 0,
		    sizeof(e->connack.props.authentication_method));
		memset(&e->connack.props.content_type, 0,
		    sizeof(e->connack.props.content_type));
		if (v == MQTT_V5)
			engine_connack_props(e, &ca->props);
		if (ca->code != 0) {
			engine_connack_evidence(e, ca->code);
			report_step_fail(e->r, STEP_CONNACK, engine_now(e),
			    CAUSE_REFUSED, "the broker refused the connection: "
			    "CONNACK %s 0x%02x (%s)", v == MQTT_V5 ? "reason code" :
			    "return code", ca->code, name);
			engine_consume(e, (size_t)n);
			return false;
		}
	}
	engine_consume(e, (size_t)n);
	e->session = true;
	report_step_ok(e->r, STEP_CONNACK, engine_now(e));
	return true;
}

/* Encode with a size-first encoder into a stack buffer and send. */
int
engine_send_ack(struct engine *e, enum mqtt_type type, uint16_t id,
    struct io_error *err)
{
	uint8_t pkt[8];
	struct mqtt_ack a = { .packet_id = id };
	size_t n = 0;
	enum mqtt_version v = (enum mqtt_version)e->cfg->mqtt_version;

	if (mqtt_ack_encode(v, type, &a, pkt, sizeof(pkt), &n) != MQTT_OK) {
		err->cause = CAUSE_LOCAL;
		snprintf(err->text, sizeof(err->text), "cannot encode %s",
		    mqtt_type_name(type));
		return -1;
	}
	{
		char desc[64];

		snprintf(desc, sizeof(desc), "%s id=%u", mqtt_type_name(type),
		    id);
		engine_packet(e, DIR_OUT, pkt, n, 0, desc);
	}
	return engine_send(e, pkt, n, err);
}

uint16_t
engine_packet_id(struct engine *e)
{
	if (++e->next_id == 0)
		e->next_id = 1;
	return e->next_id;
}

/* What the round trip still waits for. */
struct engine_flow {
	uint16_t sub_id, pub_id;
	bool suback;		/* SUBACK granted */
	bool published;
	bool out_done;		/* our PUBLISH fully acknowledged */
	bool echo;		/* our message came back */
	bool echo_done;		/* and its QoS flow is finished */
	uint16_t echo_id;	/* QoS 2 echo waiting for PUBREL */
	uint64_t sent_at;
	uint64_t rtt_us;
	/* what was ignored, so that a timeout can say it */
	unsigned other_suback;	/* SUBACKs for another packet id */
	unsigned other_payload;	/* on our topic, not our nonce */
	unsigned other_topic;	/* on another topic */
	uint64_t other_packets;	/* anything else (PINGRESP...) */
	enum mqtt_type other_type;	/* the last of those */
};

static int
engine_publish(struct engine *e, struct engine_flow *f, struct io_error *err)
{
	const struct engine_config *c = e->cfg;
	enum mqtt_version v = (enum mqtt_version)c->mqtt_version;
	struct mqtt_publish p = {
		.qos = (uint8_t)c->qos,
		.topic = { (const uint8_t *)c->topic, strlen(c->topic) },
		.payload = { (const uint8_t *)c->nonce, strlen(c->nonce) },
	};
	size_t size, n = 0;
	uint8_t *pkt;
	int rc;

	if (c->qos > 0)
		p.packet_id = f->pub_id = engine_packet_id(e);
	size = mqtt_publish_size(v, &p);
	pkt = size > 0 ? malloc(size) : NULL;
	if (pkt == NULL || mqtt_publish_encode(v, &p, pkt, size, &n) != MQTT_OK) {
		free(pkt);
		err->cause = CAUSE_LOCAL;
		snprintf(err->text, sizeof(err->text), "cannot encode PUBLISH");
		return -1;
	}
	{
		char desc[REPORT_TEXT_MAX];

		/* listed before the record that carries it */
		snprintf(desc, sizeof(desc), "PUBLISH dup=0 qos=%u retain=0 id=%u "
		    "topic='%s' payload=%zu bytes", c->qos, p.packet_id,
		    c->topic, p.payload.len);
		engine_packet(e, DIR_OUT, pkt, n, 0, desc);
	}
	f->sent_at = engine_now(e);
	rc = engine_send(e, pkt, n, err);
	if (rc == 0) {
		f->published = true;
		f->out_done = c->qos == 0;
	}
	free(pkt);
	return rc;
}

/* One packet during step 8; -1 with a failure reason set in err. */
static int
engine_pubsub_packet(struct engine *e, struct engine_flow *f,
    const struct mqtt_packet *pkt, struct io_error *err)
{
	const struct engine_config *c = e->cfg;
	int v = c->mqtt_version;

	switch (pkt->type) {
	case MQTT_SUBACK: {
		uint8_t code = pkt->u.suback.ncodes > 0 ?
		    pkt->u.suback.codes[0] : 0x80;

		if (pkt->u.suback.packet_id != f->sub_id || f->suback) {
			f->other_suback++;
			report_event(e->r, STEP_PUBSUB, engine_now(e), 0,
			    "ignored a SUBACK for packet id %u (ours is %u)",
			    pkt->u.suback.packet_id, f->sub_id);
			return 0;
		}
		report_detail(e->r, STEP_PUBSUB, "suback_code", "%u", code);
		report_detail(e->r, STEP_PUBSUB, "suback_reason", "%s",
		    mqtt_suback_name((enum mqtt_version)v, code));
		if (code > 2) {
			err->cause = CAUSE_REFUSED;
			snprintf(err->text, sizeof(err->text), "the broker "
			    "refused the subscription to '%s': SUBACK 0x%02x "
			    "(%s)", c->topic, code,
			    mqtt_suback_name((enum mqtt_version)v, code));
			return -1;
		}
		f->suback = true;
		if (code < c->qos)
			report_findingf(e->r, STEP_PUBSUB, SEV_WARNING, -1,
			    "suback_downgraded", "the broker granted QoS %u on "
			    "'%s', less than the %u asked: its maximum QoS (or "
			    "an ACL) lowers it, and messages to this client "
			    "arrive with at most QoS %u", code, c->topic,
			    c->qos, code);
		return engine_publish(e, f, err);
	}
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBCOMP:
		if (pkt->u.ack.packet_id != f->pub_id || f->out_done)
			return 0;
		if (pkt->u.ack.reason >= 0x80) {
			err->cause = CAUSE_REFUSED;
			snprintf(err->text, sizeof(err->text), "the broker "
			    "refused our PUBLISH: %s reason 0x%02x (%s)",
			    mqtt_type_name(pkt->type), pkt->u.ack.reason,
			    mqtt_reason_name(pkt->u.ack.reason));
			return -1;
		}
		if (pkt->type == MQTT_PUBREC)
			return engine_send_ack(e, MQTT_PUBREL, f->pub_id, err);
		f->out_done = true;
		return 0;
	case MQTT_PUBLISH: {
		const struct mqtt_publish *p = &pkt->u.publish;
		bool ours = p->topic.len == strlen(c->topic) &&
		    memcmp(p->topic.data, c->topic, p->topic.len) == 0 &&
		    p->payload.len == strlen(c->nonce) &&
		    memcmp(p->payload.data, c->nonce, p->payload.len) == 0;

		if (ours && !f->echo) {
			f->echo = true;
			f->rtt_us = engine_now(e) - f->sent_at;
			report_detail(e->r, STEP_PUBSUB, "echo_qos", "%u",
			    p->qos);
		} else {
			bool our_topic = p->topic.len == strlen(c->topic) &&
			    memcmp(p->topic.data, c->topic, p->topic.len) == 0;

			if (our_topic)
				f->other_payload++;
			else
				f->other_topic++;
			report_event(e->r, STEP_PUBSUB, engine_now(e), 0,
			    "ignored a message on '%.*s' that is not ours "
			    "(%zu bytes)", (int)p->topic.len,
			    (const char *)p->topic.data, p->payload.len);
		}
		if (p->qos == 1)
			if (engine_send_ack(e, MQTT_PUBACK, p->packet_id, err))
				return -1;
		if (p->qos == 2) {
			if (ours)
				f->echo_id = p->packet_id;
			return engine_send_ack(e, MQTT_PUBREC, p->packet_id,
			    err);
		}
		if (ours)
			f->echo_done = true;
		return 0;
	}
	case MQTT_PUBREL:
		if (engine_send_ack(e, MQTT_PUBCOMP, pkt->u.ack.packet_id, err))
			return -1;
		if (f->echo && pkt->u.ack.packet_id == f->echo_id)
			f->echo_done = true;
		return 0;
	case MQTT_DISCONNECT:
		err->cause = CAUSE_CLOSED;
		snprintf(err->text, sizeof(err->text), "the broker sent "
		    "DISCONNECT (reason 0x%02x, %s)", pkt->u.disconnect.reason,
		    mqtt_reason_name(pkt->u.disconnect.reason));
		return -1;
	default:
		f->other_packets++;
		f->other_type = pkt->type;
		report_event(e->r, STEP_PUBSUB, engine_now(e), 0,
		    "ignored an unexpected %s", mqtt_type_name(pkt->type));
		return 0;
	}
}

/*
 * "; ignored 2 messages that were not ours (...)": a broker that routes
 * other traffic, or rewrites ours, looks like a silent one otherwise.
 */
static void
engine_flow_ignored(const struct engine_flow *f, char *buf, size_t len)
{
	unsigned msgs = f->other_payload + f->other_topic;
	size_t o;

	buf[0] = '\0';
	if (f->other_suback > 0)
		snprintf(buf, len, "; ignored %u SUBACK%s for another packet "
		    "id (ours is %u)", f->other_suback, f->other_suback == 1 ?
		    "" : "s", f->sub_id);
	if (f->other_packets > 0) {
		o = strlen(buf);
		snprintf(buf + o, len - o, "; ignored %llu unexpected "
		    "packet%s (the last a %s)",
		    (unsigned long long)f->other_packets,
		    f->other_packets == 1 ? "" : "s",
		    mqtt_type_name(f->other_type));
	}
	if (msgs == 0)
		return;
	o = strlen(buf);
	snprintf(buf + o, len - o, "; ignored %u message%s that %s not ours "
	    "(%u on our topic with another payload, %u on other topics)",
	    msgs, msgs == 1 ? "" : "s", msgs == 1 ? "was" : "were",
	    f->other_payload, f->other_topic);
}

/*
 * Our message never came back although the subscription was granted.
 * Under MQTT 3.1.1 a broker has no way to refuse a PUBLISH: mosquitto,
 * for one, acknowledges it and drops it when the ACL forbids writing.
 * A PUBACK or PUBREC in hand makes that the cause.
 */
static void
engine_pubsub_evidence(struct engine *e, const struct engine_flow *f)
{
	const struct engine_config *c = e->cfg;

	if (!f->suback || !f->published || f->echo ||
	    c->mqtt_version == MQTT_V5)
		return;
	if (c->qos > 0 && f->out_done)
		report_findingf(e->r, STEP_PUBSUB, SEV_ERROR, -1,
		    "silent_publish_denial", "the broker acknowledged our "
		    "PUBLISH to '%s' (%s) and granted the subscription, yet "
		    "never delivered the message: under MQTT 3.1.1 that is "
		    "how a broker drops a publish its ACL forbids; give this "
		    "client write permission on '%s' (mosquitto: 'topic "
		    "readwrite' or 'topic write' in the acl_file)", c->topic,
		    c->qos == 1 ? "PUBACK" : "PUBREC", c->topic);
	else if (c->qos == 0)
		report_findingf(e->r, STEP_PUBSUB, SEV_WARNING, -1,
		    "publish_not_delivered", "the subscription to '%s' was "
		    "granted but our QoS 0 message never came back: under "
		    "MQTT 3.1.1 a broker drops a publish its ACL forbids "
		    "without a word; --qos 1 would show whether it reached "
		    "the broker (a PUBACK)", c->topic);
}

static bool
engine_pubsub(struct engine *e)
{
	const struct engine_config *c = e->cfg;
	enum mqtt_version v = (enum mqtt_version)c->mqtt_version;
	struct engine_flow f = { 0 };
	struct mqtt_subscribe sub = { .topic = c->topic, .qos = (uint8_t)c->qos };
	struct io_error err = { 0 };
	uint8_t *pkt;
	size_t size, n = 0;
	int rc;

	if (!engine_step_start(e, STEP_PUBSUB))
		return false;
	report_detail(e->r, STEP_PUBSUB, "topic", "%s", c->topic);
	report_detail(e->r, STEP_PUBSUB, "qos", "%u", c->qos);
	sub.packet_id = f.sub_id = engine_packet_id(e);
	size = mqtt_subscribe_size(v, &sub);
	pkt = size > 0 ? malloc(size) : NULL;
	if (pkt == NULL || mqtt_subscribe_encode(v, &sub, pkt, size, &n)) {
		free(pkt);
		report_step_fail(e->r, STEP_PUBSUB, engine_now(e), CAUSE_LOCAL,
		    "cannot encode SUBSCRIBE for '%s'", c->topic);
		return false;
	}
	{
		char desc[REPORT_TEXT_MAX];

		/* listed before the record that carries it */
		snprintf(desc, sizeof(desc), "SUBSCRIBE id=%u topic='%s' qos=%u",
		    f.sub_id, c->topic, c->qos);
		engine_packet(e, DIR_OUT, pkt, n, 0, desc);
	}
	rc = engine_send(e, pkt, n, &err);
	if (rc != 0) {
		free(pkt);
		engine_fail(e, STEP_PUBSUB, &err, "sending SUBSCRIBE");
		return false;
	}
	free(pkt);

	while (!(f.out_done && f.echo_done)) {
		struct mqtt_packet p;
		long got = engine_read(e, &p, &err);

		if (got <= 0) {
			char also[REPORT_TEXT_MAX];

			engine_flow_ignored(&f, also, sizeof(also));
			if (got < 0 && err.cause == CAUSE_TIMEOUT)
				engine_pubsub_evidence(e, &f);
			engine_read_failed(e, STEP_PUBSUB, got, &err,
			    !f.suback ? "SUBACK" : !f.echo ?
			    "our message to come back" :
			    "the end of the QoS flow", also);
			return false;
		}
		rc = engine_pubsub_packet(e, &f, &p, &err);
		engine_consume(e, (size_t)got);
		if (rc != 0) {
			report_step_fail(e->r, STEP_PUBSUB, engine_now(e),
			    err.cause, "%s", err.text);
			return false;
		}
	}
	report_detail(e->r, STEP_PUBSUB, "round_trip_us", "%llu",
	    (unsigned long long)f.rtt_us);
	report_detail(e->r, STEP_PUBSUB, "payload", "matches the %zu-byte "
	    "nonce", strlen(c->nonce));
	return true;
}

/*
 * A packet of the connection's housekeeping, DISCONNECT or PINGREQ,
 * recorded and sent; a PINGREQ that cannot be sent marks pings lost.
 */
static void
engine_goodbye_ping(struct engine *e, uint8_t type)
{
	uint8_t pkt[4];
	size_t n = 0;
	struct io_error err = { 0 };
	enum mqtt_version v = (enum mqtt_version)e->cfg->mqtt_version;
	bool ping = type == MQTT_PINGREQ;

	if ((ping ? mqtt_pingreq_encode(pkt, sizeof(pkt), &n) :
	    mqtt_disconnect_encode(v, pkt, sizeof(pkt), &n)) != MQTT_OK)
		return;
	/* listed before the record that carries it */
	engine_packet(e, DIR_OUT, pkt, n, 0, ping ? "PINGREQ (keep-alive "
	    "while the walk is held)" : e->tls != NULL ?
	    "DISCONNECT (TLS close_notify follows)" : "DISCONNECT");
	if (engine_send(e, pkt, n, &err) != 0 && ping) {
		e->ping_lost = true;
		report_event(e->r, engine_event_step(e->r), engine_now(e), 0,
		    "keep-alive ping during the pause failed: %s", err.text);
	}
}

/* DISCONNECT, then close_notify, so the broker logs a clean goodbye. */
void
engine_goodbye(struct engine *e)
{
	engine_goodbye_ping(e, MQTT_DISCONNECT);
}

/* --- the layers as byte streams --------------------------------------- */

static int
engine_tcp_send(void *ctx, const uint8_t *buf, size_t len, uint64_t deadline,
    struct io_error *err)
{
	struct engine *e = ctx;

	return e->io->net.send(e->io->net.ctx, e->fd, buf, len, deadline, err);
}

static long
engine_tcp_recv(void *ctx, uint8_t *buf, size_t cap, uint64_t deadline,
    struct io_error *err)
{
	struct engine *e = ctx;

	return e->io->net.recv(e->io->net.ctx, e->fd, buf, cap, deadline, err);
}

static int
engine_tls_send(void *ctx, const uint8_t *buf, size_t len, uint64_t deadline,
    struct io_error *err)
{
	struct engine *e = ctx;

	return e->io->tls.send(e->tls, buf, len, deadline, err);
}

static long
engine_tls_recv(void *ctx, uint8_t *buf, size_t cap, uint64_t deadline,
    struct io_error *err)
{
	struct engine *e = ctx;

	return e->io->tls.recv(e->tls, buf, cap, deadline, err);
}

static void
engine_tls_close(void *ctx, uint64_t deadline)
{
	struct engine *e = ctx;

	e->io->tls.close(e->tls, deadline);
	e->tls = NULL;
}


/* mqtt:// and ws://: steps 2-5 do not exist, and the report says so. */
static void
engine_no_tls(struct engine *e)
{
	for (int s = STEP_CLIENT_HELLO; s <= STEP_KEYS; s++)
		report_step_skip_why(e->r, s, "no TLS");
}

static void
engine_handshake(struct engine *e)
{
	struct io_error err = { 0 };
	struct tls_hooks hooks = {
		.milestone = engine_milestone,
		.obs = { engine_observe, e },
		.ctx = e,
		/* --pause moves it between milestones, inside the call */
		.deadline = &e->deadline,
	};

	if (!engine_step_start(e, STEP_CLIENT_HELLO))
		return;
	e->tls = e->io->tls.start(e->io->tls.ctx, e->fd, &e->cfg->tls, &hooks,
	    &err);
	if (e->tls == NULL) {
		engine_fail(e, STEP_CLIENT_HELLO, &err, NULL);
		return;
	}
	if (e->io->tls.handshake(e->tls, e->deadline, &err) == 0) {
		struct probe_stream tls = { engine_tls_send, engine_tls_recv,
		    engine_tls_close, e, "TLS" };

		engine_push(e, &tls);
		return;
	}
	if (e->stop)
		return;
	if (err.cause == CAUSE_VERIFY && e->r->failed_step == STEP_VERIFY)
		return;		/* already reported by the milestone */
	engine_fail(e, e->r->current != 0 ? e->r->current : STEP_CLIENT_HELLO,
	    &err, NULL);
}

/* The deadline of a goodbye: short, even after a timeout. */
static uint64_t
engine_bye(const struct engine *e)
{
	uint64_t now = engine_now(e), bye = now + 200000;

	return bye < e->deadline || e->deadline < now ? bye : e->deadline;
}

/* The advice on a failure: what the engine's own settings say, the
 * rest as run.c gave it. */
static void
engine_hints(struct engine *e)
{
	struct hints_config hc = e->cfg->hints;

	hc.host = e->cfg->host;
	hc.port = e->cfg->port;
	hc.use_tls = e->cfg->use_tls;
	hc.keepalive = e->cfg->keepalive;
	hints_add(e->r, &hc, e->sys_errno);
}

/*
 * Step 1 through a proxy: TCP to the proxy, then the tunnel (HTTP
 * CONNECT or SOCKS5), a stage of the step with its own time.  A failure
 * of either is step 1's, named after the proxy.
 */
static bool
engine_proxy(struct engine *e)
{
	const struct engine_config *cfg = e->cfg;
	const struct proxy_config *pc = cfg->proxy;
	struct report *r = e->r;
	struct io_observer obs = { engine_observe, e };
	struct io_error err = { 0 };
	struct proxy_info info;
	char peer[REPORT_TEXT_MAX] = "";
	struct probe_stream tcp = { engine_tcp_send, engine_tcp_recv, NULL, e,
	    "TCP" };
	struct proxy_io pio = { &tcp, &e->io->clock, e->io->net.resolve,
	    e->io->net.ctx, &obs };
	uint64_t t0;
	int rc;

	report_detail(r, STEP_TCP, "proxy", "%s", pc->shown);
	report_detail(r, STEP_TCP, "proxy_kind", "%s",
	    proxy_kind_name(pc->kind));
	report_detail(r, STEP_TCP, "proxy_from", "%s", pc->from);
	e->fd = e->io->net.connect(e->io->net.ctx, pc->host, pc->port,
	    e->deadline, &obs, peer, sizeof(peer), &err);
	if (e->fd == -1) {
		report_detail(r, STEP_TCP, "proxy_error", "unreachable");
		engine_fail(e, STEP_TCP, &err, "cannot reach the proxy");
		return false;
	}
	engine_push(e, &tcp);
	report_detail(r, STEP_TCP, "peer", "%s", peer);
	t0 = engine_now(e);
	rc = proxy_tunnel(pc, &pio, cfg->connect_host, cfg->port, e->deadline,
	    &info, &err);
	report_stage(r, STEP_TCP, "proxy_tunnel", "proxy tunnel", t0,
	    engine_now(e), rc == 0);
	if (info.answer[0] != '\0')
		report_detail(r, STEP_TCP, "proxy_answer", "%s", info.answer);
	report_detail(r, STEP_TCP, "proxy_resolved", "%s",
	    pc->kind == PROXY_SOCKS5H ? "by the proxy" :
	    pc->kind == PROXY_HTTP ? "by the proxy (HTTP CONNECT)" :
	    info.resolved[0] != '\0' ? info.resolved : "");
	if (rc != 0) {
		report_detail(r, STEP_TCP, "proxy_error", "%s",
		    proxy_error_key(info.error));
		engine_fail(e, STEP_TCP, &err, "proxy tunnel");
		return false;
	}
	report_step_ok(r, STEP_TCP, engine_now(e));
	return true;
}

/*
 * Steps 1 to 7 (as far as cfg->steps goes) on e, whose cfg, io, r and
 * deadline are set: the one connection code path, for the probe and for
 * every session of the capability experiments (session.c).  True when
 * the last requested step succeeded.
 */
bool
engine_open(struct engine *e)
{
	const struct engine_config *cfg = e->cfg;
	struct report *r = e->r;
	struct io_observer obs = { engine_observe, e };
	struct io_error err = { 0 };
	char peer[REPORT_TEXT_MAX] = "";
	bool ok;

	if (!engine_step_start(e, STEP_TCP))
		return false;
	report_detail(r, STEP_TCP, "target", "%s port %u", cfg->connect_host,
	    cfg->port);
	if (cfg->proxy == NULL && cfg->proxy_skipped != NULL)
		/* "none (...)": an absent value that still says why */
		report_detail(r, STEP_TCP, "proxy", "none (%s)",
		    cfg->proxy_skipped);
	if (cfg->proxy != NULL)
		ok = engine_proxy(e);
	else {
		e->fd = e->io->net.connect(e->io->net.ctx, cfg->connect_host,
		    cfg->port, e->deadline, &obs, peer, sizeof(peer), &err);
		ok = e->fd != -1;
		if (!ok)
			engine_fail(e, STEP_TCP, &err, NULL);
		else {
			struct probe_stream tcp = { engine_tcp_send,
			    engine_tcp_recv, NULL, e, "TCP" };

			engine_push(e, &tcp);
			report_detail(r, STEP_TCP, "peer", "%s", peer);
			report_step_ok(r, STEP_TCP, engine_now(e));
		}
	}

	if (ok && !cfg->use_tls)
		engine_no_tls(e);
	else if (ok && cfg->steps >= STEP_CLIENT_HELLO) {
		engine_handshake(e);
		ok = r->failed_step == 0 && !e->stop;
	}
	if (ok && cfg->steps >= STEP_CONNECT)
		ok = engine_connect(e);
	if (ok && cfg->steps >= STEP_CONNACK)
		ok = engine_connack(e);
	return ok;
}

/* Close every layer, top down, and free what e holds. */
void
engine_close(struct engine *e)
{
	/* the goodbye gets its own short bound, so that a probe that timed
	 * out still closes politely but promptly */
	for (int i = e->depth - 1; i >= 0; i--)
		if (e->stack[i].close != NULL)
			e->stack[i].close(e->stack[i].ctx, engine_bye(e));
	e->depth = 0;
	/* a session whose handshake failed never joined the stack */
	if (e->tls != NULL)
		engine_tls_close(e, engine_bye(e));
	e->io->net.close(e->io->net.ctx, e->fd);
	e->fd = -1;
	free(e->buf);
	e->buf = NULL;
	e->len = e->cap = 0;
}

void
engine_run(const struct engine_config *cfg, const struct engine_io *io,
    struct report *r)
{
	struct engine e = {
		.cfg = cfg, .io = io, .r = r, .fd = -1,
	};
	uint64_t start = engine_now(&e);
	bool ok;

	e.deadline = start + cfg->timeout_us;
	report_begin(r, start, io->clock.wall_us != NULL ?
	    io->clock.wall_us(io->clock.ctx) : 0);
	if (!cfg->use_tls)
		report_unencrypted(r);
	else if (cfg->psk_identity != NULL)
		report_psk(r, cfg->psk_identity);

	ok = engine_open(&e);
	if (ok && cfg->steps >= STEP_PUBSUB) {
		ok = engine_pubsub(&e);
		if (ok) {
			engine_goodbye(&e);
			report_step_ok(r, STEP_PUBSUB, engine_now(&e));
		}
	} else if (ok && cfg->steps == STEP_CONNACK)
		engine_goodbye(&e);
	/* stopped by the user once CONNECT was out: the broker still gets
	 * a clean goodbye, not a dropped connection */
	if (e.quit && r->steps[STEP_CONNECT].status == STEP_OK)
		engine_goodbye(&e);

	if (r->failed_step == 0)
		for (unsigned s = 1; s <= REPORT_STEPS; s++) {
			if (r->steps[s].status != STEP_NOT_REACHED)
				continue;
			if (s > cfg->steps)
				report_step_skip(r, (int)s);
			else if (e.quit)
				report_step_skip_why(r, (int)s,
				    "stopped by the user");
		}

	engine_close(&e);
	engine_hints(&e);
	/* the experiments open connections of their own, on what steps 1
	 * to 7 proved works, within what is left of --timeout */
	if (ok && cfg->capabilities)
		caps_run(cfg, io, r, e.deadline);
	report_end(r, engine_now(&e));
}
