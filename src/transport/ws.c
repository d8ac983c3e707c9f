/*
 * ws.c: MQTT over WebSocket (RFC 6455) as one layer of the byte stack.
 *
 * The upgrade is one HTTP request and its answer over the layer below;
 * everything the server could get wrong is named, so that a failed
 * upgrade reads as a diagnosis.  After it, each send is one masked
 * binary frame, and receive hands back the payload of binary frames as
 * it arrives (split or coalesced, MQTT does not care), answers pings,
 * and turns a close frame into a failure that carries its code in words.
 * Memory stays bounded: data frames are streamed through, never
 * collected, and control frames are at most 125 bytes.  SHA-1, base64
 * and the random key and masks come from GnuTLS.
 */
#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_head.h"
#include "ws.h"

/* A data frame larger than this is refused: far above any packet a
 * probe exchanges, and it says a peer is not what it claims. */
#define WS_MAX_PAYLOAD (16u << 20)
#define WS_RX_CAP HTTP_HEAD_MAX
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct ws_session {
	struct probe_stream below;
	struct io_observer obs;
	struct probe_clock clock;
	uint8_t *rx;			/* bytes received, not yet used */
	size_t rx_len;
	uint64_t data_left;		/* payload still to come of a data frame */
	bool fragmented;		/* a data message awaits continuation */
	bool closed;			/* a close frame went or came */
};

/* --- the accept key ------------------------------------------------- */

int
ws_accept_for(const char *key, char out[29])
{
	char in[128];
	uint8_t digest[20];
	gnutls_datum_t d = { digest, sizeof(digest) }, b64 = { NULL, 0 };
	int n = snprintf(in, sizeof(in), "%s%s", key, WS_GUID);

	if (n < 0 || (size_t)n >= sizeof(in) ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA1, in, (size_t)n, digest) < 0 ||
	    gnutls_base64_encode2(&d, &b64) < 0)
		return -1;
	snprintf(out, 29, "%.*s", (int)b64.size, (const char *)b64.data);
	gnutls_free(b64.data);
	return 0;
}

/* --- the upgrade ------------------------------------------------------- */


static int
ws_fail(struct io_error *err, enum report_cause cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
ws_fail(struct io_error *err, enum report_cause cause, const char *fmt, ...)
{
	va_list ap;

	err->cause = cause;
	err->sys_errno = 0;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t
ws_now(const struct ws_session *w)
{
	return w->clock.now_us(w->clock.ctx);
}

struct ws_session *
ws_new(const struct probe_stream *below, const struct io_observer *obs,
    const struct probe_clock *clock)
{
	struct ws_session *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->rx = malloc(WS_RX_CAP);
	if (w->rx == NULL) {
		free(w);
		return NULL;
	}
	w->below = *below;
	w->clock = *clock;
	if (obs != NULL)
		w->obs = *obs;
	return w;
}

void
ws_free(struct ws_session *w)
{
	if (w == NULL)
		return;
	free(w->rx);
	free(w);
}

/* The request, in a buffer the caller frees; NULL if out of memory. */
static char *
ws_request(const struct ws_config *c, const char *key, size_t *lenp)
{
	size_t cap = 512 + strlen(c->path) + strlen(c->host) +
	    strlen(c->subprotocol) + (c->origin != NULL ? strlen(c->origin) :
	    0), o;
	char *req;

	for (size_t i = 0; i < c->nheaders; i++)
		cap += strlen(c->headers[i]) + 2;
	req = malloc(cap);
	if (req == NULL)
		return NULL;
	o = (size_t)snprintf(req, cap, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Protocol: %s\r\nUser-Agent: mqtts-probe/%s\r\n",
	    c->path, c->host, key, c->subprotocol, PACKAGE_VERSION);
	if (c->origin != NULL)
		o += (size_t)snprintf(req + o, cap - o, "Origin: %s\r\n",
		    c->origin);
	for (size_t i = 0; i < c->nheaders; i++)
		o += (size_t)snprintf(req + o, cap - o, "%s\r\n",
		    c->headers[i]);
	o += (size_t)snprintf(req + o, cap - o, "\r\n");
	*lenp = o;
	return req;
}

/* Read until the head of the answer is complete; its length back. */
static int
ws_read_head(struct ws_session *w, uint64_t deadline_us,
    struct http_head *h, struct io_error *err)
{
	for (;;) {
		const char *why = NULL;
		long n;
		int rc = http_head_parse(w->rx, w->rx_len, h, &why);

		if (rc == HTTP_HEAD_OK)
			return 0;
		if (rc == HTTP_HEAD_BAD)
			return ws_fail(err, CAUSE_PROTOCOL, "the server did not "
			    "answer the WebSocket upgrade in HTTP: %s (is this "
			    "port a WebSocket listener? MQTT itself listens on "
			    "1883 and 8883)", why);
		/* the clock, on every pass, whatever the peer sends */
		if (ws_now(w) >= deadline_us)
			return ws_fail(err, CAUSE_TIMEOUT, "timed out waiting "
			    "for the answer to the WebSocket upgrade");
		n = w->below.recv(w->below.ctx, w->rx + w->rx_len,
		    WS_RX_CAP - w->rx_len, deadline_us, err);
		if (n == 0)
			return ws_fail(err, CAUSE_CLOSED, "the server closed the "
			    "connection instead of answering the WebSocket "
			    "upgrade%s", w->rx_len > 0 ? " (after part of an "
			    "HTTP answer)" : "");
		if (n < 0) {
			if (err->cause == CAUSE_TIMEOUT)
				snprintf(err->text, sizeof(err->text), "timed "
				    "out waiting for the answer to the "
				    "WebSocket upgrade");
			return -1;
		}
		w->rx_len += (size_t)n;
	}
}

/* A non-101 answer, in words that say what to change. */
static int
ws_refused(const struct http_head *h, const struct ws_config *c,
    const char *status, struct io_error *err)
{
	const struct http_field *loc = http_head_field(h, "Location");

	switch (h->status) {
	case 404:
		return ws_fail(err, CAUSE_PROTOCOL, "no WebSocket endpoint at "
		    "path %s (%s): brokers commonly use /mqtt (Mosquitto, "
		    "EMQX, HiveMQ, AWS IoT Core, nginx recipes), /ws "
		    "(RabbitMQ web_mqtt) or /$iothub/websocket (Azure IoT "
		    "Hub); give the path in the URL, wss://HOST/PATH", c->path,
		    status);
	case 400:
	case 426:
		return ws_fail(err, CAUSE_PROTOCOL, "the server refused the "
		    "WebSocket upgrade (%s): it may want another subprotocol "
		    "(--ws-subprotocol mqttv3.1), an Origin (--ws-origin) or "
		    "other headers (-H)", status);
	case 401:
	case 403:
	case 407:
		return ws_fail(err, CAUSE_REFUSED, "the server %s the WebSocket "
		    "upgrade (%s): the gateway wants credentials or another "
		    "Origin; give them with -H 'Authorization: ...' or "
		    "--ws-origin", h->status == 401 ? "wants authentication "
		    "for" : "forbids", status);
	default:
		break;
	}
	if (h->status >= 300 && h->status < 400)
		return ws_fail(err, CAUSE_PROTOCOL, "the server redirects the "
		    "WebSocket upgrade (%s) to %.*s: probe that URL instead",
		    status, loc != NULL ? (int)loc->value_len : 12,
		    loc != NULL ? loc->value : "(no Location)");
	if (h->status >= 200 && h->status < 300)
		return ws_fail(err, CAUSE_PROTOCOL, "a plain HTTP server "
		    "answered (%s) instead of switching to WebSocket: this "
		    "path or port serves web pages, not the broker's "
		    "WebSocket listener", status);
	return ws_fail(err, h->status >= 500 ? CAUSE_REFUSED : CAUSE_PROTOCOL,
	    "the server answered the WebSocket upgrade with %s instead of "
	    "101 Switching Protocols", status);
}

/* A 101 answer: is it the upgrade we asked for? */
static int
ws_check_101(const struct http_head *h, const struct ws_config *c,
    const char *key, struct ws_upgrade_info *info, struct io_error *err)
{
	const struct http_field *acc = http_head_field(h,
	    "Sec-WebSocket-Accept");
	const struct http_field *proto = http_head_field(h,
	    "Sec-WebSocket-Protocol");
	char want[29];

	if (!http_field_has_token(http_head_field(h, "Upgrade"), "websocket"))
		return ws_fail(err, CAUSE_PROTOCOL, "the server switched "
		    "protocols but not to WebSocket (no 'Upgrade: websocket')");
	if (!http_field_has_token(http_head_field(h, "Connection"),
	    "upgrade"))
		return ws_fail(err, CAUSE_PROTOCOL, "the server's 101 answer "
		    "lacks 'Connection: Upgrade'");
	if (ws_accept_for(key, want) != 0)
		return ws_fail(err, CAUSE_LOCAL, "cannot compute the expected "
		    "Sec-WebSocket-Accept");
	if (acc == NULL)
		return ws_fail(err, CAUSE_PROTOCOL, "the server's 101 answer "
		    "has no Sec-WebSocket-Accept: not a WebSocket server");
	if (acc->value_len != strlen(want) ||
	    memcmp(acc->value, want, acc->value_len) != 0)
		return ws_fail(err, CAUSE_PROTOCOL, "wrong Sec-WebSocket-Accept "
		    "'%.*s' (expected %s for our key): a proxy or server that "
		    "does not really speak WebSocket", (int)(acc->value_len > 64 ?
		    64 : acc->value_len), acc->value, want);
	info->accept_ok = true;
	if (proto == NULL)
		return ws_fail(err, CAUSE_PROTOCOL, "the server chose no "
		    "subprotocol (we offered '%s'): MQTT over WebSocket needs "
		    "one; try --ws-subprotocol mqttv3.1 for older brokers",
		    c->subprotocol);
	snprintf(info->subprotocol, sizeof(info->subprotocol), "%.*s",
	    (int)proto->value_len, proto->value);
	if (proto->value_len != strlen(c->subprotocol) ||
	    strncasecmp(proto->value, c->subprotocol, proto->value_len) != 0)
		return ws_fail(err, CAUSE_PROTOCOL, "the server chose the "
		    "subprotocol '%s', which we did not offer (we offered "
		    "'%s')", info->subprotocol, c->subprotocol);
	return 0;
}

int
ws_upgrade(struct ws_session *w, const struct ws_config *c,
    uint64_t deadline_us, struct ws_upgrade_info *info, struct io_error *err)
{
	uint8_t nonce[16];
	gnutls_datum_t d = { nonce, sizeof(nonce) }, b64 = { NULL, 0 };
	char key[32], status[sizeof(info->status_line)];
	struct http_head h;
	const struct http_field *server;
	char *req;
	size_t len = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	if (gnutls_rnd(GNUTLS_RND_NONCE, nonce, sizeof(nonce)) != 0 ||
	    gnutls_base64_encode2(&d, &b64) < 0)
		return ws_fail(err, CAUSE_LOCAL, "no random bytes for the "
		    "WebSocket key");
	snprintf(key, sizeof(key), "%.*s", (int)b64.size,
	    (const char *)b64.data);
	gnutls_free(b64.data);
	req = ws_request(c, key, &len);
	if (req == NULL)
		return ws_fail(err, CAUSE_LOCAL, "out of memory");
	info->request_bytes = len;
	io_say(&w->obs, 1, EVK_WS, DIR_OUT, len, "HTTP upgrade request: GET "
	    "%s, Host %s, subprotocol %s", c->path, c->host, c->subprotocol);
	rc = w->below.send(w->below.ctx, (const uint8_t *)req, len,
	    deadline_us, err);
	free(req);
	if (rc != 0)
		return -1;
	if (ws_read_head(w, deadline_us, &h, err) != 0)
		return -1;
	info->response_bytes = h.head_len;
	info->status = h.status;
	snprintf(status, sizeof(status), "%d %.*s", h.status,
	    (int)(h.reason_len > 100 ? 100 : h.reason_len), h.reason);
	snprintf(info->status_line, sizeof(info->status_line), "%s", status);
	server = http_head_field(&h, "Server");
	if (server != NULL)
		snprintf(info->server, sizeof(info->server), "%.*s",
		    (int)server->value_len, server->value);
	io_say(&w->obs, 1, EVK_WS, DIR_IN, h.head_len, "HTTP answer: %s",
	    status);
	rc = h.status == 101 ? ws_check_101(&h, c, key, info, err) :
	    ws_refused(&h, c, status, err);
	/* what followed the head is the first frames: keep it */
	memmove(w->rx, w->rx + h.head_len, w->rx_len - h.head_len);
	w->rx_len -= h.head_len;
	return rc;
}

/* --- frames ------------------------------------------------------------- */

/* One masked frame with payload p (copied: the caller's stays as is). */
static int
ws_send_frame(struct ws_session *w, uint8_t opcode, const uint8_t *p,
    size_t len, uint64_t deadline_us, struct io_error *err)
{
	size_t hl = ws_frame_header_size(len);
	uint8_t mask[4], *frame = malloc(hl + len);
	int rc;

	if (frame == NULL)
		return ws_fail(err, CAUSE_LOCAL, "out of memory");
	if (gnutls_rnd(GNUTLS_RND_NONCE, mask, sizeof(mask)) != 0) {
		free(frame);
		return ws_fail(err, CAUSE_LOCAL, "no random bytes for a "
		    "WebSocket mask");
	}
	ws_frame_header(frame, opcode, len, mask);
	if (len > 0)
		memcpy(frame + hl, p, len);
	ws_mask(frame + hl, len, mask, 0);
	rc = w->below.send(w->below.ctx, frame, hl + len, deadline_us, err);
	/* a CONNECT inside holds the password; the mask hides nothing */
	explicit_bzero(frame, hl + len);
	free(frame);
	return rc;
}

static const char *
ws_opcode_name(uint8_t op)
{
	switch (op) {
	case WS_CONT:
		return "continuation";
	case WS_TEXT:
		return "text";
	case WS_BINARY:
		return "binary";
	case WS_CLOSE:
		return "close";
	case WS_PING:
		return "ping";
	default:
		return "pong";
	}
}

static int
ws_send(void *ctx, const uint8_t *buf, size_t len, uint64_t deadline_us,
    struct io_error *err)
{
	struct ws_session *w = ctx;

	io_say(&w->obs, 2, EVK_WS, DIR_OUT, ws_frame_header_size(len) + len,
	    "WebSocket binary frame, %zu bytes of payload", len);
	return ws_send_frame(w, WS_BINARY, buf, len, deadline_us, err);
}

/* A whole control frame at the front of rx: answer or report it. */
static int
ws_control(struct ws_session *w, const struct ws_frame *f,
    uint64_t deadline_us, struct io_error *err)
{
	const uint8_t *p = w->rx + f->header_len;
	size_t n = (size_t)f->len;

	io_say(&w->obs, 2, EVK_WS, DIR_IN, f->header_len + n, "WebSocket %s "
	    "frame, %zu bytes of payload", ws_opcode_name(f->opcode), n);
	if (f->opcode == WS_PING) {
		io_say(&w->obs, 2, EVK_WS, DIR_OUT, ws_frame_header_size(n) + n,
		    "WebSocket pong frame, answering the ping");
		return ws_send_frame(w, WS_PONG, p, n, deadline_us, err);
	}
	if (f->opcode == WS_PONG)
		return 0;
	/* close: answer it (best effort), then say why it came */
	{
		unsigned code = n >= 2 ? (unsigned)p[0] << 8 | p[1] : 1005;
		uint8_t echo[2] = { (uint8_t)(code >> 8), (uint8_t)code };
		struct io_error ignored;

		if (n == 1)
			return ws_fail(err, CAUSE_PROTOCOL, "a WebSocket close "
			    "frame with a 1-byte payload");
		w->closed = true;
		ws_send_frame(w, WS_CLOSE, echo, n >= 2 ? 2 : 0, deadline_us,
		    &ignored);
		return ws_fail(err, CAUSE_CLOSED, "the server closed the "
		    "WebSocket: close code %u (%s)%s%.*s%s", code,
		    ws_close_name(code), n > 2 ? ", reason '" : "",
		    (int)(n > 2 ? n - 2 : 0), (const char *)p + 2,
		    n > 2 ? "'" : "");
	}
}

static void
ws_consume(struct ws_session *w, size_t n)
{
	memmove(w->rx, w->rx + n, w->rx_len - n);
	w->rx_len -= n;
}

static long
ws_recv(void *ctx, uint8_t *buf, size_t cap, uint64_t deadline_us,
    struct io_error *err)
{
	struct ws_session *w = ctx;

	for (;;) {
		struct ws_frame f;
		const char *why = NULL;
		long n;
		int rc;

		if (w->closed)
			return ws_fail(err, CAUSE_CLOSED, "the WebSocket is "
			    "closed");
		/* payload of the current data frame, as far as it is here */
		if (w->data_left > 0 && w->rx_len > 0) {
			size_t take = w->rx_len < cap ? w->rx_len : cap;

			if (take > w->data_left)
				take = (size_t)w->data_left;
			memcpy(buf, w->rx, take);
			ws_consume(w, take);
			w->data_left -= take;
			return (long)take;
		}
		/* a peer that streams pings or empty frames still ends on time */
		if (ws_now(w) >= deadline_us)
			return ws_fail(err, CAUSE_TIMEOUT, "timed out");
		if (w->data_left == 0) {
			rc = ws_frame_parse(w->rx, w->rx_len, WS_MAX_PAYLOAD, &f,
			    &why);
			if (rc == WS_BAD)
				return ws_fail(err, CAUSE_PROTOCOL, "the server "
				    "sent %s", why);
			if (rc == WS_OK && (f.opcode & 0x8)) {
				if (w->rx_len >= f.header_len + f.len) {
					rc = ws_control(w, &f, deadline_us,
					    err);
					if (rc != 0)
						return -1;
					ws_consume(w, f.header_len +
					    (size_t)f.len);
					continue;
				}
			} else if (rc == WS_OK) {
				if (f.opcode == WS_TEXT)
					return ws_fail(err, CAUSE_PROTOCOL, "the "
					    "server sent a text frame; MQTT over "
					    "WebSocket travels in binary frames");
				if ((f.opcode == WS_CONT) != w->fragmented)
					return ws_fail(err, CAUSE_PROTOCOL, "the "
					    "server sent %s",
					    f.opcode == WS_CONT ? "a continuation "
					    "frame with no message to continue" :
					    "a new message inside a fragmented "
					    "one");
				w->fragmented = !f.fin;
				io_say(&w->obs, 2, EVK_WS, DIR_IN, f.header_len +
				    f.len, "WebSocket %s frame%s, %llu bytes of "
				    "payload", ws_opcode_name(f.opcode), f.fin ?
				    "" : " (more follow)",
				    (unsigned long long)f.len);
				ws_consume(w, f.header_len);
				w->data_left = f.len;
				continue;
			}
		}
		n = w->below.recv(w->below.ctx, w->rx + w->rx_len,
		    WS_RX_CAP - w->rx_len, deadline_us, err);
		if (n <= 0)
			return n;
		w->rx_len += (size_t)n;
	}
}

static void
ws_close(void *ctx, uint64_t deadline_us)
{
	struct ws_session *w = ctx;
	static const uint8_t normal[2] = { 1000 >> 8, 1000 & 0xff };
	struct io_error ignored;

	if (!w->closed) {
		io_say(&w->obs, 2, EVK_WS, DIR_OUT, ws_frame_header_size(2) + 2,
		    "WebSocket close frame, code 1000 (normal closure)");
		ws_send_frame(w, WS_CLOSE, normal, sizeof(normal), deadline_us,
		    &ignored);
	}
	ws_free(w);
}

struct probe_stream
ws_stream(struct ws_session *w)
{
	struct probe_stream s = { ws_send, ws_recv, ws_close, w, "WebSocket" };

	return s;
}
