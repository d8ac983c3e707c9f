/*
 * fuzz_entries.c -- the fuzz targets (contract in fuzz_entries.h).
 *
 * Besides "does not crash" (ASan and UBSan watch that), each entry
 * checks what its parser promises: lengths inside the input, strings
 * terminated inside their buffers, values in their documented ranges,
 * and for PUBLISH that what was decoded encodes and decodes back to the
 * same message.  Every input is copied into a buffer of exactly its own
 * size first, so that reading one byte past it is caught even when the
 * caller's buffer is larger (as it is when the regression suite reads a
 * file).
 */
#include "fuzz_entries.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_head.h"
#include "proxy_url.h"
#include "mqtt.h"
#include "options.h"
#include "psk_key.h"
#include "serve_config.h"
#include "target.h"
#include "tls_crl_reason.h"
#include "ws.h"

/* Stop here, loudly: the fuzzer keeps the input as a crash. */
#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
			    __FILE__, __LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

static uint8_t *
fuzz_copy(const uint8_t *data, size_t size)
{
	/* malloc(0) may return NULL: keep one byte, never read */
	uint8_t *p = malloc(size > 0 ? size : 1);

	FUZZ_CHECK(p != NULL);
	if (size > 0)
		memcpy(p, data, size);
	return p;
}

/* A decoded field must lie inside the packet it was decoded from. */
static void
fuzz_inside(const struct mqtt_bytes *b, const uint8_t *pkt, size_t len)
{
	if (b->len == 0)
		return;
	FUZZ_CHECK(b->data >= pkt && b->len <= len &&
	    (size_t)(b->data - pkt) <= len - b->len);
}

static void
fuzz_props_inside(const struct mqtt_props *p, const uint8_t *pkt, size_t len)
{
	fuzz_inside(&p->assigned_client_id, pkt, len);
	fuzz_inside(&p->reason_string, pkt, len);
	fuzz_inside(&p->response_information, pkt, len);
	fuzz_inside(&p->server_reference, pkt, len);
	fuzz_inside(&p->authentication_method, pkt, len);
	fuzz_inside(&p->content_type, pkt, len);
}

/*
 * A PUBLISH the decoder accepted is one the encoder can write: write it
 * and read it back, and the message must be the same.
 */
static void
fuzz_publish_roundtrip(enum mqtt_version v, const struct mqtt_publish *p)
{
	struct mqtt_publish out = *p;
	struct mqtt_packet back;
	const char *why = NULL;
	size_t size, n = 0;
	uint8_t *buf;

	/* the encoder sends no properties; a topic alias stood for the
	 * name, and without it an empty name is not a PUBLISH */
	if (p->topic.len == 0)
		return;
	memset(&out.props, 0, sizeof(out.props));
	size = mqtt_publish_size(v, &out);
	if (size == 0)
		return;		/* e.g. over the protocol maximum */
	buf = malloc(size);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(mqtt_publish_encode(v, &out, buf, size, &n) == MQTT_OK);
	FUZZ_CHECK(n == size);
	FUZZ_CHECK(mqtt_decode(v, buf, n, &back, &why) == MQTT_OK);
	FUZZ_CHECK(back.type == MQTT_PUBLISH);
	FUZZ_CHECK(back.u.publish.qos == p->qos);
	FUZZ_CHECK(back.u.publish.retain == p->retain);
	FUZZ_CHECK(back.u.publish.dup == p->dup);
	FUZZ_CHECK(back.u.publish.packet_id == p->packet_id);
	FUZZ_CHECK(back.u.publish.topic.len == p->topic.len &&
	    memcmp(back.u.publish.topic.data, p->topic.data,
	    p->topic.len) == 0);
	FUZZ_CHECK(back.u.publish.payload.len == p->payload.len &&
	    (p->payload.len == 0 || memcmp(back.u.publish.payload.data,
	    p->payload.data, p->payload.len) == 0));
	free(buf);
}

/* One framed packet: decode it and check what came out. */
static void
fuzz_mqtt_packet(enum mqtt_version v, const uint8_t *pkt, size_t len)
{
	struct mqtt_packet p;
	const char *why = NULL;
	char desc[512];
	int rc = mqtt_decode(v, pkt, len, &p, &why);

	if (rc != MQTT_OK) {
		FUZZ_CHECK(rc == MQTT_MALFORMED);
		FUZZ_CHECK(why != NULL && strlen(why) > 0);
		return;
	}
	FUZZ_CHECK(why == NULL);
	FUZZ_CHECK((unsigned)p.type == (unsigned)(pkt[0] >> 4));
	FUZZ_CHECK(p.remaining < len);
	switch (p.type) {
	case MQTT_CONNACK:
		fuzz_props_inside(&p.u.connack.props, pkt, len);
		break;
	case MQTT_PUBLISH:
		FUZZ_CHECK(p.u.publish.qos <= 2);
		fuzz_inside(&p.u.publish.topic, pkt, len);
		fuzz_inside(&p.u.publish.payload, pkt, len);
		fuzz_props_inside(&p.u.publish.props, pkt, len);
		fuzz_publish_roundtrip(v, &p.u.publish);
		break;
	case MQTT_SUBACK:
		FUZZ_CHECK(p.u.suback.ncodes > 0);
		fuzz_props_inside(&p.u.suback.props, pkt, len);
		break;
	default:
		break;
	}
	mqtt_describe(v, &p, desc, sizeof(desc));
	FUZZ_CHECK(memchr(desc, '\0', sizeof(desc)) != NULL);
	/* the names the renderers print for what came in */
	FUZZ_CHECK(mqtt_type_name(p.type) != NULL);
	FUZZ_CHECK(mqtt_reason_name(pkt[len - 1]) != NULL);
	FUZZ_CHECK(mqtt_connack311_name(pkt[len - 1]) != NULL);
	FUZZ_CHECK(mqtt_suback_name(v, pkt[len - 1]) != NULL);
	(void)mqtt_prop_name(pkt[len - 1]);
}

void
fuzz_mqtt_one(const uint8_t *data, size_t size)
{
	enum mqtt_version v;
	uint8_t *buf;
	size_t off = 0;

	if (size < 1)
		return;
	/* 3.1 (--capabilities) decodes as 3.1.1 does: fuzz it too */
	v = (data[0] & 1) ? MQTT_V5 : (data[0] & 2) ? MQTT_V31 : MQTT_V311;
	buf = fuzz_copy(data + 1, size - 1);
	size--;
	/* the whole rest as one packet, framed or not */
	if (size > 0) {
		struct mqtt_packet p;
		const char *why = NULL;

		(void)mqtt_decode(v, buf, size, &p, &why);
	}
	/* then as the engine reads it: frame, decode, move on */
	while (off < size) {
		size_t plen = 0, small = 0;
		int rc = mqtt_frame(buf + off, size - off, 0, &plen);

		/* the engine's cap must agree with the uncapped frame */
		int capped = mqtt_frame(buf + off, size - off, 64, &small);

		if (rc == MQTT_OK && plen <= 64)
			FUZZ_CHECK(capped == MQTT_OK && small == plen);
		if (rc != MQTT_OK) {
			FUZZ_CHECK(rc == MQTT_INCOMPLETE || rc == MQTT_MALFORMED);
			break;
		}
		FUZZ_CHECK(plen >= 2 && plen <= size - off);
		/* exactly the packet, in its own buffer: no slack to hide
		 * an over-read in */
		{
			uint8_t *pkt = fuzz_copy(buf + off, plen);

			fuzz_mqtt_packet(v, pkt, plen);
			free(pkt);
		}
		off += plen;
	}
	free(buf);
}

void
fuzz_target_one(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t len = nul != NULL ? (size_t)(nul - data) : size;
	char *s = malloc(len + 1);
	struct target t;
	const char *err = NULL;

	FUZZ_CHECK(s != NULL);
	memcpy(s, data, len);
	s[len] = '\0';
	memset(&t, 0xa5, sizeof(t));	/* garbage the parser must replace */
	if (target_parse(s, &t, &err) == 0) {
		size_t hlen = strnlen(t.host, sizeof(t.host));

		FUZZ_CHECK(hlen > 0 && hlen < sizeof(t.host));
		FUZZ_CHECK(strnlen(t.user, sizeof(t.user)) < sizeof(t.user));
		FUZZ_CHECK(t.port >= 1 && t.port <= 65535);
		FUZZ_CHECK(!t.is_ipv6 || t.is_ip);
		/* a host never keeps the brackets or a separator */
		FUZZ_CHECK(strchr(t.host, '[') == NULL);
		FUZZ_CHECK(strchr(t.host, '/') == NULL);
	} else {
		FUZZ_CHECK(err != NULL && strlen(err) > 0);
	}
	free(s);
}

/*
 * The input as the text of --psk-file or MQTTS_PROBE_PSK.  A key taken
 * is what the hex says, byte for byte; a refused one leaves nothing in
 * the key and a message that never quotes the text.
 */
void
fuzz_psk_key_one(const uint8_t *data, size_t size)
{
	static struct psk_key k;
	char why[256];
	const char *text = (const char *)data;
	size_t digits = 0;

	memset(&k, 0xa5, sizeof(k));
	memset(why, 0x5a, sizeof(why));
	if (psk_key_parse(text, size, &k, why, sizeof(why)) == 0) {
		FUZZ_CHECK(k.len > 0 && k.len <= PSK_KEY_MAX);
		for (size_t i = 0; i < size; i++)
			if (isxdigit((unsigned char)text[i]))
				digits++;
			else
				FUZZ_CHECK(strchr(" \t\r\n", text[i]) != NULL &&
				    text[i] != '\0');
		FUZZ_CHECK(digits == 2 * k.len);
		/* the first byte comes from the first two digits */
		for (size_t i = 0; i < size; i++)
			if (isxdigit((unsigned char)text[i])) {
				char two[3] = { text[i], text[i + 1], '\0' };

				FUZZ_CHECK(k.bytes[0] == strtoul(two, NULL, 16));
				break;
			}
	} else {
		FUZZ_CHECK(k.len == 0);
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
		FUZZ_CHECK(strlen(why) > 0);
		/* no run of four input digits is quoted back */
		for (size_t i = 0; i + 4 <= size && size >= 8; i++) {
			char four[5];

			memcpy(four, text + i, 4);
			four[4] = '\0';
			if (strspn(four, "0123456789abcdefABCDEF") == 4 &&
			    strspn(four, "0123456789") < 4)
				FUZZ_CHECK(strstr(why, four) == NULL);
		}
	}
}

/* Enough words for any real command line; more only slows the fuzzer. */
#define FUZZ_MAX_ARGS 64

void
fuzz_options_one(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 2], *copy[FUZZ_MAX_ARGS + 2];
	struct options o;
	char msg[512];
	size_t start = 0;
	int argc = 1, rc;

	argv[0] = (char *)fuzz_copy((const uint8_t *)"mqtts-probe", 12);
	/* each word in its own exact-size buffer */
	while (start <= size && argc < FUZZ_MAX_ARGS + 1) {
		const uint8_t *nul = memchr(data + start, '\0', size - start);
		size_t len = nul != NULL ? (size_t)(nul - (data + start)) :
		    size - start;
		char *w = malloc(len + 1);

		FUZZ_CHECK(w != NULL);
		memcpy(w, data + start, len);
		w[len] = '\0';
		argv[argc++] = w;
		if (nul == NULL)
			break;
		start += len + 1;
	}
	argv[argc] = NULL;
	/* options_parse reorders argv: keep our own list to free from */
	memcpy(copy, argv, sizeof(argv[0]) * (size_t)(argc + 1));
	memset(msg, 0x5a, sizeof(msg));
	rc = options_parse(argc, argv, &o, msg, sizeof(msg));
	FUZZ_CHECK(rc == 0 || rc == EXIT_USAGE);
	if (rc != 0) {
		FUZZ_CHECK(memchr(msg, '\0', sizeof(msg)) != NULL);
		FUZZ_CHECK(msg[0] != '\0');
	} else if (!o.help && !o.version) {
		FUZZ_CHECK(o.noperands > 0 || o.targets_file != NULL ||
		    o.serve != NULL);
		FUZZ_CHECK(o.serve == NULL || (o.noperands == 0 &&
		    o.targets_file == NULL && o.probe_option == 0));
		FUZZ_CHECK(o.max_concurrent >= 1 &&
		    o.max_concurrent <= OPTIONS_MAX_CONCURRENT_MAX);
		FUZZ_CHECK(o.nallow_target <= OPTIONS_ALLOW_MAX);
		FUZZ_CHECK(o.noperands <= (size_t)argc);
		FUZZ_CHECK(o.qos <= 2 && o.steps >= 1 && o.steps <= 8);
		FUZZ_CHECK(o.mqtt_version == 4 || o.mqtt_version == 5);
		FUZZ_CHECK(o.keepalive <= 65535);
		FUZZ_CHECK(o.timeout_us >= 1000);
		if (o.noperands > 0)
			FUZZ_CHECK(o.target.port >= 1 &&
			    o.target.port <= 65535);
		if (o.warn_days >= 0 && o.crit_days >= 0)
			FUZZ_CHECK(o.crit_days <= o.warn_days);
	}
	/* the reordering moves pointers, never loses one */
	for (int i = 0; i < argc; i++) {
		bool found = false;

		for (int j = 0; j < argc && !found; j++)
			found = argv[j] == copy[i];
		FUZZ_CHECK(found);
	}
	for (int i = 0; i < argc; i++)
		free(copy[i]);
}

void
fuzz_serve_config_one(const uint8_t *data, size_t size)
{
	char *text = (char *)fuzz_copy(data, size);
	struct serve_config_text c;
	char err[512];
	int rc;

	memset(err, 0x5a, sizeof(err));
	rc = serve_config_parse(text, size, "fuzz.conf", &c, err, sizeof(err));
	if (rc != 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(c.n == 0 && c.m == NULL);
	}
	FUZZ_CHECK(c.n <= SERVE_MODULES_MAX);
	for (size_t i = 0; i < c.n; i++) {
		const struct serve_module_text *m = &c.m[i];
		struct serve_module_opts mo;
		size_t len = strlen(m->name);

		FUZZ_CHECK(len >= 1 && len <= SERVE_MODULE_NAME_MAX);
		FUZZ_CHECK(strcspn(m->name, "[]= \t#\r\n") == len);
		FUZZ_CHECK(m->n <= SERVE_MODULE_OPTIONS_MAX);
		for (size_t j = 0; j < m->n; j++) {
			FUZZ_CHECK(m->e[j].key != NULL &&
			    m->e[j].key[0] != '\0');
			FUZZ_CHECK(strlen(m->e[j].key) <= SERVE_CONFIG_LINE_MAX);
		}
		memset(err, 0x5a, sizeof(err));
		/* the module's options through the command-line parser */
		if (serve_config_options(m, "fuzz.conf", &mo, err,
		    sizeof(err)) == 0) {
			FUZZ_CHECK(mo.o.noperands == 1 && mo.o.no_diagnose);
			FUZZ_CHECK(mo.o.password_arg == NULL);
			FUZZ_CHECK(mo.o.keylog == NULL && mo.o.serve == NULL);
			FUZZ_CHECK(mo.o.qos <= 2 && mo.o.timeout_us >= 1000);
			serve_module_opts_free(&mo);
		} else
			FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL &&
			    err[0] != '\0');
	}
	serve_config_text_free(&c);
	free(text);
}

/* A parsed head lies inside the input, and its lookups stay there. */
void
fuzz_http_one(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_copy(data, size);
	struct http_head h;
	const char *why = NULL;
	int rc = http_head_parse(buf, size, &h, &why);

	FUZZ_CHECK(rc == HTTP_HEAD_OK || rc == HTTP_HEAD_MORE ||
	    rc == HTTP_HEAD_BAD);
	FUZZ_CHECK((rc == HTTP_HEAD_BAD) == (why != NULL));
	if (rc == HTTP_HEAD_OK) {
		const char *end = (const char *)buf + h.head_len;

		FUZZ_CHECK(h.head_len <= size && h.head_len <= HTTP_HEAD_MAX);
		FUZZ_CHECK(h.status >= 100 && h.status <= 999);
		FUZZ_CHECK(h.reason >= (const char *)buf &&
		    h.reason + h.reason_len <= end);
		FUZZ_CHECK(h.nfields <= HTTP_HEAD_FIELDS);
		for (size_t i = 0; i < h.nfields; i++) {
			const struct http_field *f = &h.fields[i];

			FUZZ_CHECK(f->name_len > 0);
			FUZZ_CHECK(f->name >= (const char *)buf &&
			    f->name + f->name_len <= end);
			FUZZ_CHECK(f->value >= (const char *)buf &&
			    f->value + f->value_len <= end);
			(void)http_field_has_token(f, "upgrade");
		}
		(void)http_field_has_token(http_head_field(&h, "Connection"),
		    "websocket");
	}
	free(buf);
}

/* Frame after frame: headers inside the input, control frames small. */
void
fuzz_ws_one(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_copy(data, size);
	size_t off = 0;

	while (off < size) {
		struct ws_frame f;
		const char *why = NULL;
		int rc = ws_frame_parse(buf + off, size - off, 1u << 20, &f,
		    &why);
		uint64_t take;

		FUZZ_CHECK(rc == WS_OK || rc == WS_MORE || rc == WS_BAD);
		if (rc != WS_OK) {
			FUZZ_CHECK((rc == WS_BAD) == (why != NULL));
			break;
		}
		FUZZ_CHECK(f.header_len >= 2 && f.header_len <= 10 &&
		    f.header_len <= size - off);
		if (f.opcode & 0x8)
			FUZZ_CHECK(f.fin && f.len <= 125);
		else
			FUZZ_CHECK(f.len <= (1u << 20));
		if (f.opcode == WS_CLOSE && f.len >= 2 &&
		    size - off - f.header_len >= 2) {
			const uint8_t *p = buf + off + f.header_len;

			FUZZ_CHECK(ws_close_name((unsigned)p[0] << 8 | p[1]) !=
			    NULL);
		}
		off += f.header_len;
		take = f.len < size - off ? f.len : size - off;
		off += (size_t)take;
	}
	free(buf);
}

void
fuzz_crl_reason_one(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_copy(data, size);
	size_t slen = size > 0 ? data[0] % 21 : 0;
	int rc;

	if (size < 1 + slen) {
		free(buf);
		return;
	}
	/* the CRL in a buffer of its own size, so a read past it shows */
	{
		size_t crl_len = size - 1 - slen;
		uint8_t *crl = fuzz_copy(buf + 1 + slen, crl_len);

		rc = tls_crl_reason(crl, crl_len, buf + 1, slen);
		free(crl);
	}
	/* -1, or a reason: the content of at most three octets */
	FUZZ_CHECK(rc == TLS_CRL_REASON_UNREAD || (rc >= 0 && rc < 1 << 23));
	FUZZ_CHECK(tls_crl_reason_name(rc) != NULL &&
	    tls_crl_reason_name(rc)[0] != '\0');
	free(buf);
}

void
fuzz_proxy_url_one(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t len = nul != NULL ? (size_t)(nul - data) : size;
	size_t rest = nul != NULL ? size - len - 1 : 0;
	char *s = malloc(len + 1), *np = malloc(rest + 1);
	struct proxy_url u;
	const char *err = NULL;

	FUZZ_CHECK(s != NULL && np != NULL);
	memcpy(s, data, len);
	s[len] = '\0';
	if (rest > 0)
		memcpy(np, nul + 1, rest);
	np[rest] = '\0';
	memset(&u, 0xa5, sizeof(u));	/* garbage the parser must replace */
	if (proxy_url_parse(s, &u, &err) == 0) {
		size_t hlen = strnlen(u.host, sizeof(u.host));

		FUZZ_CHECK(hlen > 0 && hlen < sizeof(u.host));
		FUZZ_CHECK(strnlen(u.user, sizeof(u.user)) < sizeof(u.user));
		FUZZ_CHECK(strnlen(u.shown, sizeof(u.shown)) < sizeof(u.shown));
		FUZZ_CHECK(u.port >= 1 && u.port <= 65535);
		FUZZ_CHECK(u.kind == PROXY_HTTP || u.kind == PROXY_SOCKS5 ||
		    u.kind == PROXY_SOCKS5H);
		/* what reports show never holds a password: the URL had
		 * none, and the user is escaped */
		FUZZ_CHECK(strchr(u.shown, ' ') == NULL);
		(void)proxy_url_bypass(np, u.host);
		FUZZ_CHECK(proxy_url_bypass("*", u.host));
	} else {
		FUZZ_CHECK(err != NULL && strlen(err) > 0);
	}
	(void)proxy_url_bypass(np, s);
	free(s);
	free(np);
}
