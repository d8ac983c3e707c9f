/*
 * hostile_peer.c -- a deliberately misbehaving broker for the integration
 * tests (tests/check_hostile.c).
 *
 *   hostile_peer MODE CERT KEY [SECONDS]
 *
 * Listens on 127.0.0.1 on a port the kernel picks, prints that port on
 * standard output, accepts ONE connection and misbehaves on it as MODE
 * says (see hostile_modes below).  Modes before "tls" in the table answer
 * the ClientHello without TLS; the others complete a real GnuTLS handshake
 * with CERT and KEY, read CONNECT and then misbehave in MQTT.
 *
 * Two modes play a picky broker that accepts several connections in turn
 * (the probe's diagnosis connects again): v311-only closes the
 * connection on an MQTT 5 CONNECT, as RabbitMQ 3.10 does, and serves a
 * 3.1.1 one; id-prefix closes it unless the client id begins with
 * "mqtts-probe-".
 *
 * "caps-liar" accepts every connection at once (a child for each): a
 * broker for --capabilities whose MQTT 5.0 CONNACK claims retained
 * messages, wildcard and shared subscriptions (and, by leaving Maximum
 * QoS out, QoS 2), a keep-alive of 30 s, a Receive Maximum of 3 and a
 * Session Expiry of an hour, yet grants QoS 0, delivers nothing, refuses
 * a third QoS 2 message in flight (PUBREC 0x97) and keeps no session.
 * "caps-forgetful" is the same kind of broker, but it delivers what it
 * is sent back on the same connection, and only claims, in its 5.0
 * CONNACK, to keep sessions for an hour: it keeps none (session present
 * is always 0), which the persistent session experiment must catch.  Its
 * Receive Maximum of 2 it enforces as 5.0 says: a third QoS 2 message in
 * flight gets DISCONNECT 0x93.
 *
 * Whatever happens, alarm() ends the process after SECONDS (default 20),
 * so a test that forgets it cannot leave it behind for long; the tests
 * also kill it themselves.  Only loopback is ever bound.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

/* Largest MQTT packet the peer reads from the probe: CONNECT with a long
 * password, SUBSCRIBE and PUBLISH with long topics all fit. */
#define HOSTILE_MAX_PACKET 65536

struct hostile {
	const char *mode;
	int fd;				/* the accepted connection */
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;		/* NULL until the handshake */
	bool drip;			/* push one byte at a time, slowly */
	int version;			/* protocol level from CONNECT: 4, 5 */
	char client_id[128];		/* from CONNECT, cut to fit */
	unsigned inflight;		/* caps-liar: QoS 2 awaiting PUBREL */
	uint8_t in[HOSTILE_MAX_PACKET];	/* MQTT bytes read, not consumed */
	size_t inlen;
};

static void __attribute__((noreturn, format(printf, 1, 2)))
hostile_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hostile_peer: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* The probe hung up: normal for most modes, and nothing is left to do. */
static void __attribute__((noreturn))
hostile_gone(void)
{
	exit(0);
}

static void
hostile_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- plain socket helpers ---------------------------------------------- */

static int
hostile_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
hostile_read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Read the whole first TLS record (the ClientHello).  Reading all of it
 * matters: closing a socket with unread bytes makes the kernel send a
 * reset instead of the FIN a mode asked for.
 */
static void
hostile_read_hello(struct hostile *h)
{
	uint8_t hdr[5], body[1 << 14 | 2048];
	size_t len;

	if (hostile_read_full(h->fd, hdr, sizeof(hdr)) == -1)
		hostile_die("no ClientHello");
	len = ((size_t)hdr[3] << 8) | hdr[4];
	if (hdr[0] != 22 || len > sizeof(body) ||
	    hostile_read_full(h->fd, body, len) == -1)
		hostile_die("not a ClientHello record");
}

/* Read and drop everything until the probe goes away. */
static void
hostile_drain(int fd)
{
	uint8_t buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Close with SO_LINGER 0: the kernel sends RST, not FIN. */
static void
hostile_reset(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* ---- TLS ------------------------------------------------------------------ */

/* The drip modes' transport: one byte, then a pause, whatever GnuTLS
 * asked to send; it calls again for the rest. */
static ssize_t
hostile_drip_push(gnutls_transport_ptr_t ptr, const void *buf, size_t n)
{
	struct hostile *h = ptr;
	ssize_t w;

	if (n == 0)
		return 0;
	w = send(h->fd, buf, 1, MSG_NOSIGNAL);
	if (w == 1)
		hostile_sleep_ms(100);
	else
		gnutls_transport_set_errno(h->s, errno);
	return w;
}

static ssize_t
hostile_pull(gnutls_transport_ptr_t ptr, void *buf, size_t n)
{
	struct hostile *h = ptr;
	ssize_t r = recv(h->fd, buf, n, 0);

	if (r == -1)
		gnutls_transport_set_errno(h->s, errno);
	return r;
}

static ssize_t
hostile_push(gnutls_transport_ptr_t ptr, const void *buf, size_t n)
{
	struct hostile *h = ptr;
	ssize_t w = send(h->fd, buf, n, MSG_NOSIGNAL);

	if (w == -1)
		gnutls_transport_set_errno(h->s, errno);
	return w;
}

static void
hostile_tls_start(struct hostile *h)
{
	int rc;

	if (gnutls_init(&h->s, GNUTLS_SERVER) < 0 ||
	    gnutls_priority_set_direct(h->s,
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", NULL) < 0 ||
	    gnutls_credentials_set(h->s, GNUTLS_CRD_CERTIFICATE, h->cred) < 0)
		hostile_die("cannot set up the TLS session");
	/* renegotiation exists only up to TLS 1.2 */
	if (strcmp(h->mode, "flood-hello-request") == 0 &&
	    gnutls_priority_set_direct(h->s, "NORMAL:-VERS-ALL:+VERS-TLS1.2",
	    NULL) < 0)
		hostile_die("cannot set up the TLS 1.2 session");
	gnutls_certificate_server_set_request(h->s, GNUTLS_CERT_IGNORE);
	gnutls_transport_set_ptr(h->s, h);
	gnutls_transport_set_pull_function(h->s, hostile_pull);
	gnutls_transport_set_push_function(h->s, h->drip ? hostile_drip_push :
	    hostile_push);
	do
		rc = gnutls_handshake(h->s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0)
		hostile_gone();	/* e.g. the probe's deadline, while dripping */
}

static void
hostile_send(struct hostile *h, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t w = gnutls_record_send(h->s, p, n);

		if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
			continue;
		if (w < 0)
			hostile_gone();
		p += w;
		n -= (size_t)w;
	}
}

/* Read and drop records until the probe closes or fails. */
static void
hostile_tls_drain(struct hostile *h)
{
	uint8_t buf[4096];
	ssize_t r;

	do
		r = gnutls_record_recv(h->s, buf, sizeof(buf));
	while (r > 0 || r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED ||
	    r == GNUTLS_E_WARNING_ALERT_RECEIVED);
}

/* ---- MQTT ------------------------------------------------------------------ */

/*
 * One whole MQTT packet from the probe into pkt; its length, or 0 when
 * the probe closed.  The framing is written out here on purpose rather
 * than taken from the codec under test.
 */
static size_t
hostile_mqtt_read(struct hostile *h, uint8_t *pkt, size_t cap)
{
	for (;;) {
		size_t rem = 0, i, total;
		ssize_t r;

		for (i = 1; i < h->inlen && i <= 4; i++) {
			rem |= (size_t)(h->in[i] & 0x7f) << (7 * (i - 1));
			if ((h->in[i] & 0x80) == 0)
				break;
		}
		if (i < h->inlen && i <= 4) {
			total = i + 1 + rem;
			if (total > cap || total > sizeof(h->in))
				hostile_die("packet of %zu bytes is too large",
				    total);
			if (h->inlen >= total) {
				memcpy(pkt, h->in, total);
				memmove(h->in, h->in + total, h->inlen - total);
				h->inlen -= total;
				return total;
			}
		}
		r = gnutls_record_recv(h->s, h->in + h->inlen,
		    sizeof(h->in) - h->inlen);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r <= 0)
			return 0;
		h->inlen += (size_t)r;
	}
}

/* Where the variable header starts: after the remaining length. */
static size_t
hostile_body(const uint8_t *pkt)
{
	size_t i = 1;

	while (i < 5 && (pkt[i] & 0x80))
		i++;
	return i + 1;
}

static void
hostile_read_connect(struct hostile *h)
{
	uint8_t pkt[HOSTILE_MAX_PACKET];
	size_t n = hostile_mqtt_read(h, pkt, sizeof(pkt)), b;

	if (n == 0 || pkt[0] != 0x10)
		hostile_die("expected CONNECT");
	/* protocol name "MQTT" (2 + 4 bytes), then the level */
	b = hostile_body(pkt);
	if (b + 6 >= n)
		hostile_die("short CONNECT");
	h->version = pkt[b + 6];
	/* level, flags, keep-alive; 5.0 properties; then the client id */
	b += 6 + 1 + 1 + 2;
	if (h->version == 5 && b < n) {
		size_t plen = 0, i = 0;

		do
			plen |= (size_t)(pkt[b + i] & 0x7f) << (7 * i);
		while ((pkt[b + i++] & 0x80) && i < 4 && b + i < n);
		b += i + plen;
	}
	h->client_id[0] = '\0';
	if (b + 2 <= n) {
		size_t len = (size_t)pkt[b] << 8 | pkt[b + 1];

		if (len >= sizeof(h->client_id))
			len = sizeof(h->client_id) - 1;
		if (b + 2 + len <= n) {
			memcpy(h->client_id, pkt + b + 2, len);
			h->client_id[len] = '\0';
		}
	}
}

static size_t
hostile_put_varint(uint8_t *p, size_t v)
{
	size_t n = 0;

	do {
		p[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v > 0)
			p[n] |= 0x80;
		n++;
	} while (v > 0);
	return n;
}

/* PUBLISH at QoS 0 with the given topic and payload. */
static void
hostile_publish(struct hostile *h, const uint8_t *topic, size_t tlen,
    const uint8_t *payload, size_t plen)
{
	static uint8_t pkt[HOSTILE_MAX_PACKET + 16];
	size_t rem = 2 + tlen + (h->version == 5 ? 1 : 0) + plen, n = 0;

	if (rem + 8 > sizeof(pkt))
		hostile_die("PUBLISH too large");
	pkt[n++] = 0x30;
	n += hostile_put_varint(pkt + n, rem);
	pkt[n++] = (uint8_t)(tlen >> 8);
	pkt[n++] = (uint8_t)tlen;
	memcpy(pkt + n, topic, tlen);
	n += tlen;
	if (h->version == 5)
		pkt[n++] = 0;	/* no properties */
	memcpy(pkt + n, payload, plen);
	n += plen;
	hostile_send(h, pkt, n);
}

static void
hostile_connack_ok(struct hostile *h)
{
	static const uint8_t v311[] = { 0x20, 0x02, 0x00, 0x00 };
	static const uint8_t v5[] = { 0x20, 0x03, 0x00, 0x00, 0x00 };
	/* retain available, wildcard and shared subscriptions available,
	 * server keep alive 30 s, receive maximum 3, session expiry 3600 s */
	static const uint8_t v5_claims[] = { 0x20, 0x14, 0x00, 0x00, 0x11,
	    0x25, 0x01, 0x28, 0x01, 0x2a, 0x01, 0x13, 0x00, 0x1e,
	    0x21, 0x00, 0x03, 0x11, 0x00, 0x00, 0x0e, 0x10 };

	/* session expiry 3600 s, receive maximum 2 */
	static const uint8_t v5_expiry[] = { 0x20, 0x0b, 0x00, 0x00, 0x08,
	    0x11, 0x00, 0x00, 0x0e, 0x10, 0x21, 0x00, 0x02 };

	if (h->version == 5 && strcmp(h->mode, "caps-liar") == 0)
		hostile_send(h, v5_claims, sizeof(v5_claims));
	else if (h->version == 5 && strcmp(h->mode, "caps-forgetful") == 0)
		hostile_send(h, v5_expiry, sizeof(v5_expiry));
	else if (h->version == 5)
		hostile_send(h, v5, sizeof(v5));
	else
		hostile_send(h, v311, sizeof(v311));
}

/* ---- floods: a peer that never lets a read of the probe block ------------ */

/* Send unit (a whole packet or record) over and over, in batches, until
 * the probe goes away (hostile_send then exits) or alarm() ends us. */
static void __attribute__((noreturn))
hostile_flood(struct hostile *h, const uint8_t *unit, size_t n)
{
	static uint8_t batch[16384];
	size_t k = 0;

	while (k + n <= sizeof(batch)) {
		memcpy(batch + k, unit, n);
		k += n;
	}
	for (;;)
		hostile_send(h, batch, k);
}

/* A valid PUBLISH of exactly 1 MiB, the most the probe accepts, on a
 * topic that is not the probe's, over and over. */
static void __attribute__((noreturn))
hostile_flood_big(struct hostile *h)
{
	static const char topic[] = "hostile/big";
	const size_t total = 1u << 20;
	uint8_t *pkt = malloc(total);
	size_t n = 0, rem = total - 4;	/* type byte, 3 length bytes */

	if (pkt == NULL)
		hostile_die("out of memory");
	pkt[n++] = 0x30;
	n += hostile_put_varint(pkt + n, rem);
	pkt[n++] = 0;
	pkt[n++] = (uint8_t)(sizeof(topic) - 1);
	memcpy(pkt + n, topic, sizeof(topic) - 1);
	n += sizeof(topic) - 1;
	if (h->version == 5)
		pkt[n++] = 0;	/* no properties */
	memset(pkt + n, 'x', total - n);
	for (;;)
		hostile_send(h, pkt, total);
}

/* After SUBACK: PINGRESPs without end (flood-pingresp), small PUBLISHes
 * on another topic (flood-publish), or 1 MiB ones (flood-big-publish). */
static void
hostile_flood_after_suback(struct hostile *h)
{
	static const uint8_t pingresp[] = { 0xd0, 0x00 };
	static const char topic[] = "hostile/other";

	if (strcmp(h->mode, "flood-pingresp") == 0)
		hostile_flood(h, pingresp, sizeof(pingresp));
	if (strcmp(h->mode, "flood-big-publish") == 0)
		hostile_flood_big(h);
	if (strcmp(h->mode, "flood-publish") == 0) {
		uint8_t pkt[64];
		size_t n = 0, tlen = sizeof(topic) - 1;
		size_t rem = 2 + tlen + (h->version == 5 ? 1 : 0) + 4;

		pkt[n++] = 0x30;
		n += hostile_put_varint(pkt + n, rem);
		pkt[n++] = 0;
		pkt[n++] = (uint8_t)tlen;
		memcpy(pkt + n, topic, tlen);
		n += tlen;
		if (h->version == 5)
			pkt[n++] = 0;
		memcpy(pkt + n, "spam", 4);
		n += 4;
		hostile_flood(h, pkt, n);
	}
}

/*
 * Play a broker: "tls" behaves (the control case); the others answer,
 * but wrongly: SUBACK for another packet id
 * (suback-id), or after the probe's PUBLISH, a message that is not its
 * own (publish-payload: our topic, another payload; publish-topic: the
 * same payload on another topic).  The probe's own message never comes
 * back.
 */
static void
hostile_serve(struct hostile *h)
{
	static uint8_t pkt[HOSTILE_MAX_PACKET];
	size_t n;

	hostile_connack_ok(h);
	while ((n = hostile_mqtt_read(h, pkt, sizeof(pkt))) > 0) {
		size_t b = hostile_body(pkt);
		unsigned type = pkt[0] >> 4, qos = (pkt[0] >> 1) & 3;

		if (type == 8 && b + 2 <= n) {		/* SUBSCRIBE */
			unsigned id = (unsigned)pkt[b] << 8 | pkt[b + 1];
			uint8_t ack[6];
			size_t k = 0;

			if (strcmp(h->mode, "suback-id") == 0)
				id = id == 65535 ? 1 : id + 1;
			ack[k++] = 0x90;
			ack[k++] = h->version == 5 ? 4 : 3;
			ack[k++] = (uint8_t)(id >> 8);
			ack[k++] = (uint8_t)id;
			if (h->version == 5)
				ack[k++] = 0;
			ack[k++] = strcmp(h->mode, "caps-liar") == 0 ? 0 : 1;
			hostile_send(h, ack, k);
			hostile_flood_after_suback(h);
		} else if (type == 3 && b + 2 <= n) {	/* PUBLISH */
			size_t tlen = (size_t)pkt[b] << 8 | pkt[b + 1];
			size_t at = b + 2 + tlen;
			const uint8_t *topic = pkt + b + 2;
			uint8_t ack[4] = { 0x40, 0x02, 0, 0 };
			static const char other[] = "not the probe's nonce";
			static const char elsewhere[] = "hostile/elsewhere";

			if (at > n)
				hostile_die("short PUBLISH");
			if (qos > 0) {
				if (at + 2 > n)
					hostile_die("short PUBLISH");
				ack[0] = qos == 1 ? 0x40 : 0x50;
				ack[2] = pkt[at];
				ack[3] = pkt[at + 1];
				at += 2;
				if (qos == 2 && h->version == 5 &&
				    strcmp(h->mode, "caps-liar") == 0 &&
				    h->inflight >= 2) {
					/* fewer than it advertises */
					uint8_t full[5] = { 0x50, 0x03, ack[2],
					    ack[3], 0x97 };

					hostile_send(h, full, sizeof(full));
					continue;
				}
				if (qos == 2 && h->version == 5 &&
				    strcmp(h->mode, "caps-forgetful") == 0 &&
				    h->inflight >= 2) {
					/* over its Receive Maximum: 0x93 */
					static const uint8_t bye[] = { 0xe0,
					    0x01, 0x93 };

					hostile_send(h, bye, sizeof(bye));
					break;
				}
				if (qos == 2)
					h->inflight++;
				hostile_send(h, ack, sizeof(ack));
			}
			if (h->version == 5 && at < n)
				at += 1 + pkt[at];	/* property length */
			if (at > n)
				hostile_die("short PUBLISH");
			if (strcmp(h->mode, "caps-liar") == 0)
				;	/* taken, acknowledged, never delivered */
			else if (strcmp(h->mode, "publish-payload") == 0)
				hostile_publish(h, topic, tlen,
				    (const uint8_t *)other, strlen(other));
			else if (strcmp(h->mode, "publish-topic") == 0)
				hostile_publish(h, (const uint8_t *)elsewhere,
				    strlen(elsewhere), pkt + at, n - at);
			else	/* "tls": a broker that behaves */
				hostile_publish(h, topic, tlen, pkt + at,
				    n - at);
		} else if (type == 6 && b + 2 <= n) {	/* PUBREL */
			uint8_t comp[4] = { 0x70, 0x02, pkt[b], pkt[b + 1] };

			if (h->inflight > 0)
				h->inflight--;
			hostile_send(h, comp, sizeof(comp));
		} else if (type == 12) {		/* PINGREQ */
			static const uint8_t pong[] = { 0xd0, 0x00 };

			hostile_send(h, pong, sizeof(pong));
		} else if (type == 14) {		/* DISCONNECT */
			break;
		}
	}
}

/* A MQTT 5.0 CONNACK carrying a reason string that is as long as the
 * protocol allows, full of terminal control sequences. */
static void
hostile_reason_long(struct hostile *h)
{
	static uint8_t pkt[70000];
	static const char nasty[] = "\x1b[31mRED\x1b[0m\a\r\x1b]0;pwned\a\b";
	size_t slen = 60000, plen = 3 + slen, n = 0;

	pkt[n++] = 0x20;
	/* flags, code, the property length's 3 bytes, the properties */
	n += hostile_put_varint(pkt + n, 2 + 3 + plen);
	pkt[n++] = 0x00;
	pkt[n++] = 0x87;	/* not authorized */
	n += hostile_put_varint(pkt + n, plen);
	pkt[n++] = 0x1f;	/* reason string */
	pkt[n++] = (uint8_t)(slen >> 8);
	pkt[n++] = (uint8_t)slen;
	for (size_t i = 0; i < slen; i++)
		pkt[n++] = (uint8_t)nasty[i % (sizeof(nasty) - 1)];
	hostile_send(h, pkt, n);
}

/* A 27-byte MQTT 5.0 CONNACK, one byte per TLS record, 250 ms apart:
 * each byte comes well within any per-read timeout, the whole never
 * within the probe's deadline. */
static void
hostile_drip_connack(struct hostile *h)
{
	static const uint8_t pkt[] = { 0x20, 0x19, 0x00, 0x00, 0x16, 0x12,
	    0x00, 0x13, 'd', 'r', 'i', 'p', '-', 'd', 'r', 'i', 'p', '-', 'd',
	    'r', 'i', 'p', '-', 'd', 'r', 'i', 'p' };

	for (size_t i = 0; i < sizeof(pkt); i++) {
		hostile_send(h, pkt + i, 1);
		hostile_sleep_ms(250);
	}
}

/* ---- modes ------------------------------------------------------------------ */

/* Raw bytes some modes answer with. */
static const uint8_t hostile_alert[] = { 21, 3, 3, 0, 2, 2, 40 };
static const char hostile_http[] = "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: text/html\r\nConnection: close\r\n\r\n";
static const uint8_t hostile_plain_connack[] = { 0x20, 0x02, 0x00, 0x00 };

static void
hostile_mode_raw(struct hostile *h)
{
	const char *m = h->mode;

	if (strcmp(m, "silent") == 0) {
		hostile_drain(h->fd);
		return;
	}
	hostile_read_hello(h);
	if (strcmp(m, "close-after-hello") == 0) {
		close(h->fd);
		h->fd = -1;
	} else if (strcmp(m, "reset-after-hello") == 0) {
		hostile_reset(h->fd);
		h->fd = -1;
	} else if (strcmp(m, "alert") == 0) {
		hostile_write_all(h->fd, hostile_alert, sizeof(hostile_alert));
		hostile_drain(h->fd);
	} else if (strcmp(m, "http") == 0) {
		hostile_write_all(h->fd, hostile_http, strlen(hostile_http));
		hostile_drain(h->fd);
	} else if (strcmp(m, "plain-connack") == 0) {
		hostile_write_all(h->fd, hostile_plain_connack,
		    sizeof(hostile_plain_connack));
		hostile_drain(h->fd);
	} else if (strcmp(m, "flood-warning-alerts") == 0) {
		/* warning alerts, never a ServerHello */
		static const uint8_t warning[] = { 21, 3, 3, 0, 2, 1, 112 };
		static uint8_t batch[7 * 2048];

		for (size_t k = 0; k < sizeof(batch); k += sizeof(warning))
			memcpy(batch + k, warning, sizeof(warning));
		while (hostile_write_all(h->fd, batch, sizeof(batch)) == 0)
			;
	}
}

/* CONNACKs that break the rules, by mode; version 4 is 3.1.1. */
static const struct {
	const char *mode;
	uint8_t v311[8], v5[40];
	size_t n311, n5;
} hostile_bad_connacks[] = {
	/* PUBACK where CONNACK belongs */
	{ "connack-type", { 0x40, 0x02, 0x00, 0x01 },
	    { 0x40, 0x02, 0x00, 0x01 }, 4, 4 },
	/* a 3.1.1 CONNACK body is exactly 2 bytes; 5.0 needs properties */
	{ "connack-length", { 0x20, 0x03, 0x00, 0x00, 0x00 },
	    { 0x20, 0x02, 0x00, 0x00 }, 5, 4 },
	/* flags other than session present */
	{ "connack-reserved", { 0x20, 0x02, 0x02, 0x00 },
	    { 0x20, 0x03, 0x02, 0x00, 0x00 }, 4, 5 },
	/* 268435455, the protocol maximum: over what a probe accepts */
	{ "remaining-max", { 0x20, 0xff, 0xff, 0xff, 0x7f },
	    { 0x20, 0xff, 0xff, 0xff, 0x7f }, 5, 5 },
	/* a fifth length byte: over the protocol maximum */
	{ "remaining-over", { 0x20, 0xff, 0xff, 0xff, 0xff, 0x01 },
	    { 0x20, 0xff, 0xff, 0xff, 0xff, 0x01 }, 6, 6 },
	/* payload format indicator, a PUBLISH property */
	{ "props-invalid", { 0 }, { 0x20, 0x05, 0x00, 0x00, 0x02, 0x01,
	    0x01 }, 0, 7 },
	/* maximum QoS twice */
	{ "props-duplicate", { 0 }, { 0x20, 0x07, 0x00, 0x00, 0x04, 0x24,
	    0x00, 0x24, 0x01 }, 0, 9 },
	/* a property length past the end of the packet */
	{ "props-short", { 0 }, { 0x20, 0x04, 0x00, 0x00, 0x09, 0x24 },
	    0, 6 },
	/* a reason string that is not UTF-8 */
	{ "reason-utf8", { 0 }, { 0x20, 0x09, 0x00, 0x87, 0x06, 0x1f, 0x00,
	    0x03, 'o', 0xff, 0xfe }, 0, 11 },
	/* well-formed UTF-8 a terminal acts on: C1 CSI (U+009B) and NEL
	 * (U+0085), right-to-left override (U+202E), an isolate (U+2066,
	 * U+2069) and a right-to-left mark (U+200F) */
	{ "reason-terminal", { 0 }, { 0x20, 0x25, 0x00, 0x87, 0x22, 0x1f,
	    0x00, 0x1f, 'C', 0xc2, 0x9b, '3', '1', 'm', 'R', 'E', 'D',
	    0xe2, 0x80, 0xae, 'g', 'n', 'p', '.', 'e', 'x', 'e',
	    0xe2, 0x81, 0xa6, 'x', 0xe2, 0x81, 0xa9, 0xe2, 0x80, 0x8f,
	    0xc2, 0x85 }, 0, 39 },
};

static void
hostile_mode_tls(struct hostile *h)
{
	const char *m = h->mode;

	h->drip = strcmp(m, "drip-handshake") == 0;
	hostile_tls_start(h);
	hostile_read_connect(h);
	for (size_t i = 0; i < sizeof(hostile_bad_connacks) /
	    sizeof(hostile_bad_connacks[0]); i++) {
		if (strcmp(m, hostile_bad_connacks[i].mode) != 0)
			continue;
		if (h->version == 5)
			hostile_send(h, hostile_bad_connacks[i].v5,
			    hostile_bad_connacks[i].n5);
		else
			hostile_send(h, hostile_bad_connacks[i].v311,
			    hostile_bad_connacks[i].n311);
		hostile_tls_drain(h);
		return;
	}
	if (strcmp(m, "connack-truncated") == 0) {
		/* three bytes of four, then a clean TLS goodbye */
		hostile_send(h, hostile_plain_connack, 3);
		gnutls_bye(h->s, GNUTLS_SHUT_WR);
		hostile_drain(h->fd);
	} else if (strcmp(m, "flood-hello-request") == 0) {
		/* HelloRequest after HelloRequest, never a CONNACK */
		for (;;) {
			int rc = gnutls_rehandshake(h->s);

			if (rc < 0 && rc != GNUTLS_E_AGAIN &&
			    rc != GNUTLS_E_INTERRUPTED)
				hostile_gone();
		}
	} else if (strcmp(m, "reason-long") == 0) {
		hostile_reason_long(h);
		hostile_tls_drain(h);
	} else if (strcmp(m, "drip-connack") == 0) {
		hostile_drip_connack(h);
		hostile_tls_drain(h);
	} else if (strcmp(m, "close-after-connect") == 0) {
		gnutls_bye(h->s, GNUTLS_SHUT_WR);
		hostile_drain(h->fd);
	} else if (strcmp(m, "reset-after-connect") == 0) {
		hostile_reset(h->fd);
		h->fd = -1;
	} else if (strcmp(m, "close-after-connack") == 0) {
		/* no close_notify, and gone before the SUBSCRIBE arrives:
		 * the probe's next writes meet a reset (EPIPE, SIGPIPE) */
		hostile_connack_ok(h);
		hostile_reset(h->fd);
		h->fd = -1;
	} else if (strcmp(m, "data-after-close") == 0) {
		/* close_notify, then a CONNACK record the probe must not
		 * take: nothing after close_notify belongs to the session.
		 * gnutls_bye would refuse to send more; a bare alert does
		 * not. */
		if (gnutls_alert_send(h->s, GNUTLS_AL_WARNING,
		    GNUTLS_A_CLOSE_NOTIFY) < 0)
			hostile_die("cannot send close_notify");
		hostile_connack_ok(h);
		hostile_drain(h->fd);
	} else {
		hostile_serve(h);
	}
}

/* One connection of a picky broker: CONNECT read, then closed without a
 * word (TLS close_notify, then FIN) or served. */
static void
hostile_mode_picky(struct hostile *h)
{
	bool refuse;

	hostile_tls_start(h);
	hostile_read_connect(h);
	if (strcmp(h->mode, "v311-only") == 0)
		refuse = h->version == 5;
	else
		refuse = strncmp(h->client_id, "mqtts-probe-", 12) != 0;
	if (refuse) {
		gnutls_bye(h->s, GNUTLS_SHUT_WR);
		hostile_drain(h->fd);
		return;
	}
	hostile_serve(h);
}

/* Up to eight connections, one at a time, each in its own child so that
 * one probe leaving early (hostile_gone) does not end the broker. */
static void
hostile_picky_loop(struct hostile *h, int lfd)
{
	for (int i = 0; i < 8; i++) {
		int fd = accept(lfd, NULL, NULL);
		pid_t pid;

		if (fd == -1)
			hostile_die("accept: %s", strerror(errno));
		pid = fork();
		if (pid == 0) {
			/* a child does not inherit the parent's alarm */
			alarm(20);
			close(lfd);
			h->fd = fd;
			hostile_mode_picky(h);
			if (h->s != NULL)
				gnutls_deinit(h->s);
			close(h->fd);
			exit(0);
		}
		close(fd);
		if (pid > 0)
			while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
				;
	}
}

static const char *const hostile_modes[] = {
	/* raw: no TLS at all */
	"silent", "close-after-hello", "reset-after-hello", "alert", "http",
	"plain-connack", "flood-warning-alerts",
	/* "tls": the handshake completes (slowly for drip-handshake) */
	"tls", "drip-handshake", "connack-type", "connack-length",
	"connack-reserved", "connack-truncated", "remaining-max",
	"remaining-over", "props-invalid", "props-duplicate", "props-short",
	"reason-long", "reason-utf8", "reason-terminal", "drip-connack", "close-after-connect",
	"reset-after-connect", "close-after-connack", "data-after-close",
	"publish-payload", "publish-topic", "suback-id", "flood-pingresp",
	"flood-publish", "flood-big-publish", "flood-hello-request",
	/* several connections, one after the other */
	"v311-only", "id-prefix",
	/* every connection, each in a child */
	"caps-liar",
	"caps-forgetful",
	NULL
};

/* Index of mode in hostile_modes, -1 if unknown. */
static int
hostile_mode_index(const char *mode)
{
	for (int i = 0; hostile_modes[i] != NULL; i++)
		if (strcmp(hostile_modes[i], mode) == 0)
			return i;
	return -1;
}

int
main(int argc, char *argv[])
{
	static struct hostile h;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	int lfd, idx, tls_from = hostile_mode_index("tls");
	unsigned seconds = argc > 4 ? (unsigned)atoi(argv[4]) : 20;

	if (argc < 4 || (idx = hostile_mode_index(argv[1])) == -1) {
		fprintf(stderr, "usage: hostile_peer MODE CERT KEY [SECONDS]\n"
		    "modes:");
		for (int i = 0; hostile_modes[i] != NULL; i++)
			fprintf(stderr, " %s", hostile_modes[i]);
		fputc('\n', stderr);
		return 64;
	}
	/* the bound on everything, whatever the test does */
	signal(SIGALRM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	alarm(seconds > 0 ? seconds : 20);

	h.mode = argv[1];
	h.fd = -1;
	if (gnutls_certificate_allocate_credentials(&h.cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(h.cred, argv[2], argv[3],
	    GNUTLS_X509_FMT_PEM) < 0)
		hostile_die("cannot load %s / %s", argv[2], argv[3]);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd == -1 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, 8) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) == -1)
		hostile_die("cannot listen on 127.0.0.1: %s", strerror(errno));
	printf("%u\n", (unsigned)ntohs(sa.sin_port));
	fflush(stdout);

	if (strcmp(h.mode, "v311-only") == 0 ||
	    strcmp(h.mode, "id-prefix") == 0) {
		hostile_picky_loop(&h, lfd);
		close(lfd);
		gnutls_certificate_free_credentials(h.cred);
		return 0;
	}
	/* caps-liar, caps-forgetful: every connection, each in a child of
	 * its own, until the alarm ends the parent (and each child its
	 * own) */
	while (strncmp(h.mode, "caps-", 5) == 0) {
		int c = accept(lfd, NULL, NULL);
		pid_t pid;

		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (c == -1)
			continue;
		pid = fork();
		if (pid == 0) {
			alarm(seconds > 0 ? seconds : 20);
			h.fd = c;
			break;
		}
		close(c);
	}
	if (h.fd == -1)
		h.fd = accept(lfd, NULL, NULL);
	if (h.fd == -1)
		hostile_die("accept: %s", strerror(errno));
	close(lfd);
	if (idx < tls_from)
		hostile_mode_raw(&h);
	else
		hostile_mode_tls(&h);
	if (h.s != NULL)
		gnutls_deinit(h.s);
	if (h.fd != -1)
		close(h.fd);
	gnutls_certificate_free_credentials(h.cred);
	return 0;
}
