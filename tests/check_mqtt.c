/*
 * check_mqtt.c: unit tests for the MQTT codec.
 *
 * Expected bytes are written out by hand from the MQTT 3.1.1 and 5.0
 * specifications rather than produced by the encoder, so a mistake in
 * the codec cannot hide behind a matching mistake in the test.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define BYTES(s) { (const uint8_t *)(s), sizeof(s) - 1 }

/* ---- encoder golden table ----------------------------------------- */

enum enc_kind { K_CONNECT, K_SUBSCRIBE, K_PUBLISH, K_ACK, K_DISCONNECT,
	K_PINGREQ };

struct enc_case {
	const char *name;
	enum enc_kind kind;
	enum mqtt_version v;
	enum mqtt_type ack_type;
	const void *msg;
	const uint8_t *want;
	size_t want_len;
};

static const uint8_t pw[] = { 'p', 'w' };

static const struct mqtt_connect c311_basic = {
	MQTT_V311, "probe", 60, true, NULL, NULL, 0, 0 };
static const uint8_t g_c311_basic[] = {
	0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c,
	0x00, 0x05, 'p', 'r', 'o', 'b', 'e' };

static const struct mqtt_connect c311_auth = {
	MQTT_V311, "probe", 60, true, "u", pw, 2, 0 };
static const uint8_t g_c311_auth[] = {
	0x10, 0x18, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xc2, 0x00, 0x3c,
	0x00, 0x05, 'p', 'r', 'o', 'b', 'e', 0x00, 0x01, 'u',
	0x00, 0x02, 'p', 'w' };

static const struct mqtt_connect c311_persist = {
	MQTT_V311, "", 0, false, NULL, NULL, 0, 0 };
static const uint8_t g_c311_persist[] = {
	0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x00, 0x00, 0x00,
	0x00, 0x00 };

static const struct mqtt_connect c5_basic = {
	MQTT_V5, "probe", 60, true, NULL, NULL, 0, 0 };
static const uint8_t g_c5_basic[] = {
	0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c,
	0x00, 0x00, 0x05, 'p', 'r', 'o', 'b', 'e' };

static const struct mqtt_connect c5_expiry = {
	MQTT_V5, "probe", 60, true, NULL, NULL, 0, 3600 };
static const uint8_t g_c5_expiry[] = {
	0x10, 0x17, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c,
	0x05, 0x11, 0x00, 0x00, 0x0e, 0x10,
	0x00, 0x05, 'p', 'r', 'o', 'b', 'e' };

static const struct mqtt_connect c5_auth = {
	MQTT_V5, "probe", 60, true, "u", pw, 2, 0 };
static const uint8_t g_c5_auth[] = {
	0x10, 0x19, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0xc2, 0x00, 0x3c,
	0x00, 0x00, 0x05, 'p', 'r', 'o', 'b', 'e', 0x00, 0x01, 'u',
	0x00, 0x02, 'p', 'w' };

/* 5.0 alone may send a password without a user name. */
static const struct mqtt_connect c5_pwonly = {
	MQTT_V5, "p", 10, false, NULL, pw, 2, 0 };
static const uint8_t g_c5_pwonly[] = {
	0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x40, 0x00, 0x0a,
	0x00, 0x00, 0x01, 'p', 0x00, 0x02, 'p', 'w' };

/* 3.1 is "MQIsdp" at level 3; the rest of CONNECT is as in 3.1.1. */
static const struct mqtt_connect c31_basic = {
	MQTT_V31, "probe", 60, true, NULL, NULL, 0, 0 };
static const uint8_t g_c31_basic[] = {
	0x10, 0x13, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02,
	0x00, 0x3c, 0x00, 0x05, 'p', 'r', 'o', 'b', 'e' };

/* A will: flag 0x04, QoS 1 in bits 3-4, retain 0x20; after the id. */
static const struct mqtt_connect c311_will = {
	.version = MQTT_V311, .client_id = "p", .keepalive = 5, .clean = true,
	.will_topic = "w/t", .will_payload = { (const uint8_t *)"bye", 3 },
	.will_qos = 1, .will_retain = true };
static const uint8_t g_c311_will[] = {
	0x10, 0x17, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x2e, 0x00, 0x05,
	0x00, 0x01, 'p', 0x00, 0x03, 'w', '/', 't', 0x00, 0x03, 'b', 'y',
	'e' };
/* 5.0 puts an (empty) will property length before the will topic. */
static const struct mqtt_connect c5_will = {
	.version = MQTT_V5, .client_id = "p", .keepalive = 5, .clean = true,
	.will_topic = "w", .will_payload = { (const uint8_t *)"x", 1 } };
static const uint8_t g_c5_will[] = {
	0x10, 0x15, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x06, 0x00, 0x05,
	0x00, 0x00, 0x01, 'p', 0x00, 0x00, 0x01, 'w', 0x00, 0x01, 'x' };

/* 5.0 subscription identifier 200: property 0x0B, varint 0xc8 0x01. */
static const struct mqtt_subscribe sub_id200 = { 1, "a", 0, 200 };
static const uint8_t g_sub5_id[] = {
	0x82, 0x0a, 0x00, 0x01, 0x03, 0x0b, 0xc8, 0x01, 0x00, 0x01, 'a',
	0x00 };

/* 5.0 topic alias 1 with and without the topic name. */
static const struct mqtt_publish pub5_alias_set = {
	.qos = 0, .topic = BYTES("t"), .payload = BYTES("hi"),
	.props = { .present = 1ull << 0x23, .topic_alias = 1 } };
static const uint8_t g_pub5_alias_set[] = {
	0x30, 0x09, 0x00, 0x01, 't', 0x03, 0x23, 0x00, 0x01, 'h', 'i' };
static const struct mqtt_publish pub5_alias_use = {
	.qos = 0, .topic = { NULL, 0 }, .payload = BYTES("hi"),
	.props = { .present = 1ull << 0x23, .topic_alias = 1 } };
static const uint8_t g_pub5_alias_use[] = {
	0x30, 0x08, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01, 'h', 'i' };

static const struct mqtt_subscribe sub_ab = { 1, "a/b", 1 };
static const uint8_t g_sub311[] = {
	0x82, 0x08, 0x00, 0x01, 0x00, 0x03, 'a', '/', 'b', 0x01 };
static const uint8_t g_sub5[] = {
	0x82, 0x09, 0x00, 0x01, 0x00, 0x00, 0x03, 'a', '/', 'b', 0x01 };

static const struct mqtt_subscribe sub_hash = { 0x1234, "#", 2 };
static const uint8_t g_sub311_hash[] = {
	0x82, 0x06, 0x12, 0x34, 0x00, 0x01, '#', 0x02 };

static const struct mqtt_publish pub_q0 = {
	.qos = 0, .topic = BYTES("t"), .payload = BYTES("hi") };
static const struct mqtt_publish pub_q1 = {
	.qos = 1, .topic = BYTES("t"), .packet_id = 10,
	.payload = BYTES("hi") };
static const struct mqtt_publish pub_q1dup = {
	.qos = 1, .dup = true, .topic = BYTES("t"), .packet_id = 10,
	.payload = BYTES("hi") };
static const struct mqtt_publish pub_q2r = {
	.qos = 2, .retain = true, .topic = BYTES("t"), .packet_id = 0x1234,
	.payload = BYTES("hi") };
static const struct mqtt_publish pub_empty = {
	.qos = 0, .topic = BYTES("t") };

static const uint8_t g_pub311_q0[] = { 0x30, 0x05, 0x00, 0x01, 't', 'h', 'i' };
static const uint8_t g_pub5_q0[] = {
	0x30, 0x06, 0x00, 0x01, 't', 0x00, 'h', 'i' };
static const uint8_t g_pub311_q1[] = {
	0x32, 0x07, 0x00, 0x01, 't', 0x00, 0x0a, 'h', 'i' };
static const uint8_t g_pub5_q1[] = {
	0x32, 0x08, 0x00, 0x01, 't', 0x00, 0x0a, 0x00, 'h', 'i' };
static const uint8_t g_pub311_q1dup[] = {
	0x3a, 0x07, 0x00, 0x01, 't', 0x00, 0x0a, 'h', 'i' };
static const uint8_t g_pub311_q2r[] = {
	0x35, 0x07, 0x00, 0x01, 't', 0x12, 0x34, 'h', 'i' };
static const uint8_t g_pub5_q2r[] = {
	0x35, 0x08, 0x00, 0x01, 't', 0x12, 0x34, 0x00, 'h', 'i' };
static const uint8_t g_pub311_empty[] = { 0x30, 0x03, 0x00, 0x01, 't' };

static const struct mqtt_ack ack5 = { 5, 0, { 0 } };
static const struct mqtt_ack ack5_10 = { 5, 0x10, { 0 } };
static const struct mqtt_ack ack5_80 = { 5, 0x80, { 0 } };
static const struct mqtt_ack ack5_92 = { 5, 0x92, { 0 } };
static const uint8_t g_puback[] = { 0x40, 0x02, 0x00, 0x05 };
static const uint8_t g_pubrec[] = { 0x50, 0x02, 0x00, 0x05 };
static const uint8_t g_pubrel[] = { 0x62, 0x02, 0x00, 0x05 };
static const uint8_t g_pubcomp[] = { 0x70, 0x02, 0x00, 0x05 };
static const uint8_t g_puback_10[] = { 0x40, 0x03, 0x00, 0x05, 0x10 };
static const uint8_t g_pubrec_80[] = { 0x50, 0x03, 0x00, 0x05, 0x80 };
static const uint8_t g_pubrel_92[] = { 0x62, 0x03, 0x00, 0x05, 0x92 };
static const uint8_t g_pubcomp_92[] = { 0x70, 0x03, 0x00, 0x05, 0x92 };

static const uint8_t g_disconnect[] = { 0xe0, 0x00 };
static const uint8_t g_pingreq[] = { 0xc0, 0x00 };

#define CASE(n, k, v, t, m, g) { n, k, v, t, m, g, sizeof(g) }

static const struct enc_case enc_cases[] = {
	CASE("connect 3.1.1", K_CONNECT, MQTT_V311, 0, &c311_basic,
	    g_c311_basic),
	CASE("connect 3.1.1 auth", K_CONNECT, MQTT_V311, 0, &c311_auth,
	    g_c311_auth),
	CASE("connect 3.1.1 persistent", K_CONNECT, MQTT_V311, 0,
	    &c311_persist, g_c311_persist),
	CASE("connect 5", K_CONNECT, MQTT_V5, 0, &c5_basic, g_c5_basic),
	CASE("connect 5 expiry", K_CONNECT, MQTT_V5, 0, &c5_expiry,
	    g_c5_expiry),
	CASE("connect 5 auth", K_CONNECT, MQTT_V5, 0, &c5_auth, g_c5_auth),
	CASE("connect 5 password only", K_CONNECT, MQTT_V5, 0, &c5_pwonly,
	    g_c5_pwonly),
	CASE("connect 3.1", K_CONNECT, MQTT_V31, 0, &c31_basic, g_c31_basic),
	CASE("connect 3.1.1 will", K_CONNECT, MQTT_V311, 0, &c311_will,
	    g_c311_will),
	CASE("connect 5 will", K_CONNECT, MQTT_V5, 0, &c5_will, g_c5_will),
	CASE("subscribe 5 id", K_SUBSCRIBE, MQTT_V5, 0, &sub_id200,
	    g_sub5_id),
	CASE("publish 5 alias set", K_PUBLISH, MQTT_V5, 0, &pub5_alias_set,
	    g_pub5_alias_set),
	CASE("publish 5 alias use", K_PUBLISH, MQTT_V5, 0, &pub5_alias_use,
	    g_pub5_alias_use),
	CASE("subscribe 3.1", K_SUBSCRIBE, MQTT_V31, 0, &sub_ab, g_sub311),
	CASE("subscribe 3.1.1", K_SUBSCRIBE, MQTT_V311, 0, &sub_ab, g_sub311),
	CASE("subscribe 5", K_SUBSCRIBE, MQTT_V5, 0, &sub_ab, g_sub5),
	CASE("subscribe 3.1.1 #", K_SUBSCRIBE, MQTT_V311, 0, &sub_hash,
	    g_sub311_hash),
	CASE("publish 3.1.1 q0", K_PUBLISH, MQTT_V311, 0, &pub_q0,
	    g_pub311_q0),
	CASE("publish 5 q0", K_PUBLISH, MQTT_V5, 0, &pub_q0, g_pub5_q0),
	CASE("publish 3.1.1 q1", K_PUBLISH, MQTT_V311, 0, &pub_q1,
	    g_pub311_q1),
	CASE("publish 5 q1", K_PUBLISH, MQTT_V5, 0, &pub_q1, g_pub5_q1),
	CASE("publish 3.1.1 q1 dup", K_PUBLISH, MQTT_V311, 0, &pub_q1dup,
	    g_pub311_q1dup),
	CASE("publish 3.1.1 q2 retain", K_PUBLISH, MQTT_V311, 0, &pub_q2r,
	    g_pub311_q2r),
	CASE("publish 5 q2 retain", K_PUBLISH, MQTT_V5, 0, &pub_q2r,
	    g_pub5_q2r),
	CASE("publish 3.1.1 empty payload", K_PUBLISH, MQTT_V311, 0,
	    &pub_empty, g_pub311_empty),
	CASE("puback 3.1.1", K_ACK, MQTT_V311, MQTT_PUBACK, &ack5, g_puback),
	CASE("pubrec 3.1.1", K_ACK, MQTT_V311, MQTT_PUBREC, &ack5, g_pubrec),
	CASE("pubrel 3.1.1", K_ACK, MQTT_V311, MQTT_PUBREL, &ack5, g_pubrel),
	CASE("pubcomp 3.1.1", K_ACK, MQTT_V311, MQTT_PUBCOMP, &ack5,
	    g_pubcomp),
	/* 3.1.1 has no reason code, so it is dropped. */
	CASE("puback 3.1.1 reason", K_ACK, MQTT_V311, MQTT_PUBACK, &ack5_10,
	    g_puback),
	CASE("puback 5", K_ACK, MQTT_V5, MQTT_PUBACK, &ack5, g_puback),
	CASE("pubrec 5", K_ACK, MQTT_V5, MQTT_PUBREC, &ack5, g_pubrec),
	CASE("pubrel 5", K_ACK, MQTT_V5, MQTT_PUBREL, &ack5, g_pubrel),
	CASE("pubcomp 5", K_ACK, MQTT_V5, MQTT_PUBCOMP, &ack5, g_pubcomp),
	CASE("puback 5 reason", K_ACK, MQTT_V5, MQTT_PUBACK, &ack5_10,
	    g_puback_10),
	CASE("pubrec 5 reason", K_ACK, MQTT_V5, MQTT_PUBREC, &ack5_80,
	    g_pubrec_80),
	CASE("pubrel 5 reason", K_ACK, MQTT_V5, MQTT_PUBREL, &ack5_92,
	    g_pubrel_92),
	CASE("pubcomp 5 reason", K_ACK, MQTT_V5, MQTT_PUBCOMP, &ack5_92,
	    g_pubcomp_92),
	CASE("disconnect 3.1.1", K_DISCONNECT, MQTT_V311, 0, NULL,
	    g_disconnect),
	CASE("disconnect 5", K_DISCONNECT, MQTT_V5, 0, NULL, g_disconnect),
	CASE("pingreq", K_PINGREQ, MQTT_V311, 0, NULL, g_pingreq),
};

static size_t case_size(const struct enc_case *c)
{
	switch (c->kind) {
	case K_CONNECT:
		return mqtt_connect_size(c->msg);
	case K_SUBSCRIBE:
		return mqtt_subscribe_size(c->v, c->msg);
	case K_PUBLISH:
		return mqtt_publish_size(c->v, c->msg);
	case K_ACK:
		return mqtt_ack_size(c->v, c->ack_type, c->msg);
	case K_DISCONNECT:
		return mqtt_disconnect_size(c->v);
	case K_PINGREQ:
		return 2;
	}
	return 0;
}

static int case_encode(const struct enc_case *c, uint8_t *buf, size_t cap,
    size_t *written)
{
	switch (c->kind) {
	case K_CONNECT:
		return mqtt_connect_encode(c->msg, buf, cap, written);
	case K_SUBSCRIBE:
		return mqtt_subscribe_encode(c->v, c->msg, buf, cap, written);
	case K_PUBLISH:
		return mqtt_publish_encode(c->v, c->msg, buf, cap, written);
	case K_ACK:
		return mqtt_ack_encode(c->v, c->ack_type, c->msg, buf, cap,
		    written);
	case K_DISCONNECT:
		return mqtt_disconnect_encode(c->v, buf, cap, written);
	case K_PINGREQ:
		return mqtt_pingreq_encode(buf, cap, written);
	}
	return MQTT_MALFORMED;
}

START_TEST(test_encode_golden)
{
	const struct enc_case *c = &enc_cases[_i];
	uint8_t buf[128];
	size_t written = 0;
	int rc;

	memset(buf, 0xaa, sizeof(buf));
	ck_assert_msg(case_size(c) == c->want_len, "%s: size %zu, want %zu",
	    c->name, case_size(c), c->want_len);
	rc = case_encode(c, buf, sizeof(buf), &written);
	ck_assert_msg(rc == MQTT_OK, "%s: rc %d", c->name, rc);
	ck_assert_msg(written == c->want_len, "%s: wrote %zu", c->name,
	    written);
	ck_assert_msg(memcmp(buf, c->want, c->want_len) == 0,
	    "%s: bytes differ", c->name);
	ck_assert_uint_eq(buf[c->want_len], 0xaa);
}
END_TEST

/* One byte short must fail without touching the buffer at all. */
START_TEST(test_encode_nospace)
{
	const struct enc_case *c = &enc_cases[_i];
	size_t cap = c->want_len - 1, written = 12345, k;
	uint8_t *buf = malloc(cap > 0 ? cap : 1);

	ck_assert_ptr_nonnull(buf);
	memset(buf, 0xaa, cap);
	ck_assert_int_eq(case_encode(c, buf, cap, &written), MQTT_NOSPACE);
	ck_assert_uint_eq(written, 12345);
	for (k = 0; k < cap; k++)
		ck_assert_uint_eq(buf[k], 0xaa);
	ck_assert_int_eq(case_encode(c, NULL, 0, &written), MQTT_NOSPACE);
	/* Exactly the size fits, and the written count equals it. */
	free(buf);
	buf = malloc(c->want_len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(case_encode(c, buf, c->want_len, &written), MQTT_OK);
	ck_assert_uint_eq(written, c->want_len);
	ck_assert_uint_eq(written, case_size(c));
	free(buf);
}
END_TEST

START_TEST(test_encode_invalid)
{
	struct mqtt_connect c = c311_basic;
	struct mqtt_subscribe s = sub_ab;
	struct mqtt_publish p = pub_q1;
	struct mqtt_ack a = ack5;
	uint8_t buf[256];
	char *big;
	size_t w;

	/* 3.1.1 forbids a password without a user name. */
	c.password = pw;
	c.password_len = 2;
	ck_assert_uint_eq(mqtt_connect_size(&c), 0);
	ck_assert_int_eq(mqtt_connect_encode(&c, buf, sizeof(buf), &w),
	    MQTT_MALFORMED);

	c = c311_basic;
	c.version = (enum mqtt_version)2;
	ck_assert_uint_eq(mqtt_connect_size(&c), 0);
	ck_assert_int_eq(mqtt_connect_encode(&c, buf, sizeof(buf), &w),
	    MQTT_MALFORMED);

	c = c311_basic;
	c.client_id = "\xc0\x80";
	ck_assert_uint_eq(mqtt_connect_size(&c), 0);
	ck_assert_int_eq(mqtt_connect_encode(&c, buf, sizeof(buf), &w),
	    MQTT_MALFORMED);

	big = malloc(65537);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 65536);
	big[65536] = '\0';
	c = c311_basic;
	c.client_id = big;
	ck_assert_uint_eq(mqtt_connect_size(&c), 0);
	ck_assert_int_eq(mqtt_connect_encode(&c, buf, sizeof(buf), &w),
	    MQTT_TOO_LARGE);
	s.topic = big;
	ck_assert_uint_eq(mqtt_subscribe_size(MQTT_V311, &s), 0);
	/* 65535 is the longest string that fits its length prefix. */
	big[65535] = '\0';
	c.client_id = big;
	ck_assert_uint_eq(mqtt_connect_size(&c), 1 + 3 + 10 + 2 + 65535);
	free(big);

	s = sub_ab;
	s.packet_id = 0;
	ck_assert_uint_eq(mqtt_subscribe_size(MQTT_V5, &s), 0);
	ck_assert_int_eq(mqtt_subscribe_encode(MQTT_V5, &s, buf, sizeof(buf),
	    &w), MQTT_MALFORMED);
	s = sub_ab;
	s.qos = 3;
	ck_assert_uint_eq(mqtt_subscribe_size(MQTT_V5, &s), 0);
	s = sub_ab;
	s.topic = "";
	ck_assert_uint_eq(mqtt_subscribe_size(MQTT_V5, &s), 0);

	p.packet_id = 0;
	ck_assert_uint_eq(mqtt_publish_size(MQTT_V311, &p), 0);
	ck_assert_int_eq(mqtt_publish_encode(MQTT_V311, &p, buf, sizeof(buf),
	    &w), MQTT_MALFORMED);
	p = pub_q1;
	p.topic.data = (const uint8_t *)"a/+";
	p.topic.len = 3;
	ck_assert_int_eq(mqtt_publish_encode(MQTT_V5, &p, buf, sizeof(buf),
	    &w), MQTT_MALFORMED);
	p = pub_q0;
	p.dup = true;
	ck_assert_uint_eq(mqtt_publish_size(MQTT_V5, &p), 0);
	p = pub_q0;
	p.qos = 3;
	ck_assert_uint_eq(mqtt_publish_size(MQTT_V5, &p), 0);
	p = pub_q0;
	p.topic.len = 0;
	ck_assert_uint_eq(mqtt_publish_size(MQTT_V5, &p), 0);
	/* an empty topic needs an alias, and only 5.0 has aliases */
	p = pub5_alias_use;
	ck_assert_uint_eq(mqtt_publish_size(MQTT_V311, &p), 0);

	/* a will needs a topic without wildcards and a QoS up to 2 */
	c = c311_will;
	c.will_topic = "";
	ck_assert_uint_eq(mqtt_connect_size(&c), 0);
	c = c311_will;
	c.will_topic = "w/#";
	ck_assert_uint_eq(mqtt_connect_size(&c), 0);
	c = c311_will;
	c.will_qos = 3;
	ck_assert_uint_eq(mqtt_connect_size(&c), 0);
	s = sub_id200;
	s.sub_id = MQTT_MAX_REMAINING + 1;
	ck_assert_uint_eq(mqtt_subscribe_size(MQTT_V5, &s), 0);
	/* The payload pushes the remaining length past the varint limit. */
	p = pub_q0;
	p.payload.len = MQTT_MAX_REMAINING;
	ck_assert_uint_eq(mqtt_publish_size(MQTT_V311, &p), 0);
	ck_assert_int_eq(mqtt_publish_encode(MQTT_V311, &p, buf, sizeof(buf),
	    &w), MQTT_TOO_LARGE);
	p.payload.len = MQTT_MAX_REMAINING - 3;
	ck_assert_uint_eq(mqtt_publish_size(MQTT_V311, &p),
	    1 + 4 + MQTT_MAX_REMAINING);

	ck_assert_uint_eq(mqtt_ack_size(MQTT_V5, MQTT_CONNACK, &a), 0);
	ck_assert_int_eq(mqtt_ack_encode(MQTT_V5, MQTT_SUBACK, &a, buf,
	    sizeof(buf), &w), MQTT_MALFORMED);
	a.packet_id = 0;
	ck_assert_uint_eq(mqtt_ack_size(MQTT_V5, MQTT_PUBACK, &a), 0);
	/* 0x92 belongs to PUBREL/PUBCOMP, not PUBACK. */
	a = ack5_92;
	ck_assert_uint_eq(mqtt_ack_size(MQTT_V5, MQTT_PUBACK, &a), 0);
	ck_assert_uint_eq(mqtt_disconnect_size((enum mqtt_version)0), 0);
}
END_TEST

/* ---- round trip ---------------------------------------------------- */

START_TEST(test_publish_round_trip)
{
	static const uint8_t payload[] = { 0x00, 0xff, 'x', 0x80 };
	enum mqtt_version v = (_i & 1) ? MQTT_V5 : MQTT_V311;
	struct mqtt_publish p = { 0 }, *d;
	struct mqtt_packet pkt;
	const char *why = "unset";
	uint8_t buf[64];
	size_t w = 0, flen = 0;

	p.qos = (uint8_t)(_i >> 1);
	p.retain = p.qos != 1;
	p.dup = p.qos == 2;
	p.topic.data = (const uint8_t *)"sensors/\xc3\xa9t\xc3\xa9";
	p.topic.len = strlen((const char *)p.topic.data);
	p.packet_id = p.qos > 0 ? 0xbeef : 0;
	p.payload.data = payload;
	p.payload.len = sizeof(payload);

	ck_assert_int_eq(mqtt_publish_encode(v, &p, buf, sizeof(buf), &w),
	    MQTT_OK);
	ck_assert_uint_eq(w, mqtt_publish_size(v, &p));
	ck_assert_int_eq(mqtt_frame(buf, w, 0, &flen), MQTT_OK);
	ck_assert_uint_eq(flen, w);
	ck_assert_int_eq(mqtt_decode(v, buf, w, &pkt, &why), MQTT_OK);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(pkt.type, MQTT_PUBLISH);
	d = &pkt.u.publish;
	ck_assert_uint_eq(d->qos, p.qos);
	ck_assert_int_eq(d->retain, p.retain);
	ck_assert_int_eq(d->dup, p.dup);
	ck_assert_uint_eq(d->packet_id, p.packet_id);
	ck_assert_uint_eq(d->topic.len, p.topic.len);
	ck_assert_mem_eq(d->topic.data, p.topic.data, p.topic.len);
	ck_assert_uint_eq(d->payload.len, sizeof(payload));
	ck_assert_mem_eq(d->payload.data, payload, sizeof(payload));
	ck_assert_uint_eq(d->props.present, 0);
}
END_TEST

/* ---- CONNACK decoding --------------------------------------------- */

static void decode_ok(enum mqtt_version v, const uint8_t *b, size_t n,
    struct mqtt_packet *pkt)
{
	const char *why = NULL;
	int rc = mqtt_decode(v, b, n, pkt, &why);

	ck_assert_msg(rc == MQTT_OK, "decode rc %d: %s", rc,
	    why != NULL ? why : "(none)");
	ck_assert_uint_eq(pkt->remaining, n - 2);
}

START_TEST(test_connack311_accepted)
{
	static const uint8_t b[] = { 0x20, 0x02, 0x00, 0x00 };
	struct mqtt_packet pkt;

	decode_ok(MQTT_V311, b, sizeof(b), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_CONNACK);
	ck_assert_uint_eq(pkt.flags, 0);
	ck_assert_int_eq(pkt.u.connack.session_present, false);
	ck_assert_uint_eq(pkt.u.connack.code, 0);
	ck_assert_uint_eq(pkt.u.connack.props.present, 0);
}
END_TEST

START_TEST(test_connack311_session_present)
{
	static const uint8_t b[] = { 0x20, 0x02, 0x01, 0x00 };
	struct mqtt_packet pkt;

	decode_ok(MQTT_V311, b, sizeof(b), &pkt);
	ck_assert_int_eq(pkt.u.connack.session_present, true);
	ck_assert_uint_eq(pkt.u.connack.code, 0);
}
END_TEST

START_TEST(test_connack311_refused)
{
	static const char *const names[] = { NULL,
		"unacceptable protocol version", "identifier rejected",
		"server unavailable", "bad user name or password",
		"not authorized" };
	uint8_t b[] = { 0x20, 0x02, 0x00, 0x00 };
	struct mqtt_packet pkt;

	b[3] = (uint8_t)_i;
	decode_ok(MQTT_V311, b, sizeof(b), &pkt);
	ck_assert_int_eq(pkt.u.connack.session_present, false);
	ck_assert_uint_eq(pkt.u.connack.code, (unsigned)_i);
	ck_assert_str_eq(mqtt_connack311_name(pkt.u.connack.code), names[_i]);
}
END_TEST

static void assert_bytes(struct mqtt_bytes b, const char *want)
{
	ck_assert_uint_eq(b.len, strlen(want));
	ck_assert_mem_eq(b.data, want, b.len);
}

START_TEST(test_connack5_props)
{
	static const uint8_t b[] = {
		0x20, 0x2e, 0x00, 0x00, 0x2b,
		0x12, 0x00, 0x03, 'a', 'b', 'c',
		0x24, 0x01,
		0x25, 0x00,
		0x27, 0x00, 0x01, 0x00, 0x00,
		0x21, 0x00, 0x0a,
		0x22, 0x00, 0x05,
		0x13, 0x00, 0x1e,
		0x1f, 0x00, 0x02, 'o', 'k',
		0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',
		0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'w',
	};
	const uint64_t want = (1ull << 0x12) | (1ull << 0x24) |
	    (1ull << 0x25) | (1ull << 0x27) | (1ull << 0x21) |
	    (1ull << 0x22) | (1ull << 0x13) | (1ull << 0x1f) | (1ull << 0x26);
	struct mqtt_packet pkt;
	const struct mqtt_props *p;

	decode_ok(MQTT_V5, b, sizeof(b), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_CONNACK);
	ck_assert_int_eq(pkt.u.connack.session_present, false);
	ck_assert_uint_eq(pkt.u.connack.code, 0);
	p = &pkt.u.connack.props;
	ck_assert_uint_eq(p->present, want);
	assert_bytes(p->assigned_client_id, "abc");
	ck_assert_uint_eq(p->maximum_qos, 1);
	ck_assert_uint_eq(p->retain_available, 0);
	ck_assert_uint_eq(p->maximum_packet_size, 65536);
	ck_assert_uint_eq(p->receive_maximum, 10);
	ck_assert_uint_eq(p->topic_alias_maximum, 5);
	ck_assert_uint_eq(p->server_keep_alive, 30);
	assert_bytes(p->reason_string, "ok");
	ck_assert_uint_eq(p->user_property_count, 2);
	ck_assert_uint_eq(MQTT_PROP_PRESENT(p, 0x11), 0);
	ck_assert_uint_eq(MQTT_PROP_PRESENT(p, 0x24), 1);
}
END_TEST

START_TEST(test_connack5_other_props)
{
	static const uint8_t b[] = {
		0x20, 0x23, 0x01, 0x00, 0x20,
		0x11, 0x00, 0x00, 0x0e, 0x10,
		0x28, 0x01,
		0x29, 0x00,
		0x2a, 0x01,
		0x1a, 0x00, 0x02, 'r', 'i',
		0x1c, 0x00, 0x02, 's', 'r',
		0x15, 0x00, 0x02, 'a', 'm',
		0x16, 0x00, 0x03, 0x00, 0xff, 0x01,
	};
	struct mqtt_packet pkt;
	const struct mqtt_props *p;

	decode_ok(MQTT_V5, b, sizeof(b), &pkt);
	ck_assert_int_eq(pkt.u.connack.session_present, true);
	p = &pkt.u.connack.props;
	ck_assert_uint_eq(p->session_expiry, 3600);
	ck_assert_uint_eq(p->wildcard_sub_available, 1);
	ck_assert_uint_eq(p->sub_id_available, 0);
	ck_assert_uint_eq(p->shared_sub_available, 1);
	assert_bytes(p->response_information, "ri");
	assert_bytes(p->server_reference, "sr");
	assert_bytes(p->authentication_method, "am");
	ck_assert_uint_eq(MQTT_PROP_PRESENT(p, 0x16), 1);
}
END_TEST

START_TEST(test_connack5_refused)
{
	static const uint8_t b[] = { 0x20, 0x03, 0x00, 0x87, 0x00 };
	struct mqtt_packet pkt;

	decode_ok(MQTT_V5, b, sizeof(b), &pkt);
	ck_assert_uint_eq(pkt.u.connack.code, 0x87);
	ck_assert_str_eq(mqtt_reason_name(pkt.u.connack.code),
	    "not authorized");
}
END_TEST

/* ---- other broker packets ----------------------------------------- */

START_TEST(test_publish5_props)
{
	static const uint8_t b[] = {
		0x32, 0x30, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x07, 0x25,
		0x01, 0x01,
		0x02, 0x00, 0x00, 0x00, 0x3c,
		0x03, 0x00, 0x04, 't', 'e', 'x', 't',
		0x23, 0x00, 0x02,
		0x0b, 0x05,
		0x0b, 0x81, 0x01,
		0x26, 0x00, 0x01, 'a', 0x00, 0x00,
		0x08, 0x00, 0x01, 'r',
		0x09, 0x00, 0x02, 0x01, 0x02,
		'x', 'y', 'z',
	};
	struct mqtt_packet pkt;
	const struct mqtt_publish *p;

	decode_ok(MQTT_V5, b, sizeof(b), &pkt);
	p = &pkt.u.publish;
	ck_assert_uint_eq(p->qos, 1);
	ck_assert_uint_eq(p->packet_id, 7);
	assert_bytes(p->topic, "a/b");
	assert_bytes(p->payload, "xyz");
	ck_assert_uint_eq(p->props.payload_format, 1);
	ck_assert_uint_eq(p->props.message_expiry, 60);
	assert_bytes(p->props.content_type, "text");
	ck_assert_uint_eq(p->props.topic_alias, 2);
	/* Several subscriptions may match; the first id is kept. */
	ck_assert_uint_eq(p->props.subscription_id, 5);
	ck_assert_uint_eq(p->props.user_property_count, 1);
	ck_assert_uint_eq(MQTT_PROP_PRESENT(&p->props, 0x08), 1);
	ck_assert_uint_eq(MQTT_PROP_PRESENT(&p->props, 0x09), 1);
}
END_TEST

START_TEST(test_publish5_alias_only)
{
	static const uint8_t b[] = {
		0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01 };
	struct mqtt_packet pkt;

	decode_ok(MQTT_V5, b, sizeof(b), &pkt);
	ck_assert_uint_eq(pkt.u.publish.topic.len, 0);
	ck_assert_uint_eq(pkt.u.publish.props.topic_alias, 1);
	ck_assert_uint_eq(pkt.u.publish.payload.len, 0);
}
END_TEST

START_TEST(test_acks)
{
	static const uint8_t a1[] = { 0x40, 0x02, 0x00, 0x05 };
	static const uint8_t a2[] = { 0x50, 0x03, 0x00, 0x05, 0x10 };
	static const uint8_t a3[] = { 0x62, 0x04, 0x00, 0x05, 0x92, 0x00 };
	static const uint8_t a4[] = {
		0x70, 0x07, 0x00, 0x05, 0x92, 0x03, 0x1f, 0x00, 0x00 };
	struct mqtt_packet pkt;

	decode_ok(MQTT_V311, a1, sizeof(a1), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_PUBACK);
	ck_assert_uint_eq(pkt.u.ack.packet_id, 5);
	decode_ok(MQTT_V5, a1, sizeof(a1), &pkt);
	ck_assert_uint_eq(pkt.u.ack.reason, 0);
	decode_ok(MQTT_V5, a2, sizeof(a2), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_PUBREC);
	ck_assert_uint_eq(pkt.u.ack.reason, 0x10);
	decode_ok(MQTT_V5, a3, sizeof(a3), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_PUBREL);
	ck_assert_uint_eq(pkt.u.ack.reason, 0x92);
	ck_assert_uint_eq(pkt.u.ack.props.present, 0);
	decode_ok(MQTT_V5, a4, sizeof(a4), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_PUBCOMP);
	ck_assert_uint_eq(MQTT_PROP_PRESENT(&pkt.u.ack.props, 0x1f), 1);
	ck_assert_uint_eq(pkt.u.ack.props.reason_string.len, 0);
}
END_TEST

START_TEST(test_suback)
{
	static const uint8_t s311[] = { 0x90, 0x05, 0x00, 0x0a, 0x00, 0x01,
		0x80 };
	static const uint8_t s5[] = { 0x90, 0x09, 0x00, 0x01, 0x05, 0x1f,
		0x00, 0x02, 'n', 'o', 0x87 };
	uint8_t many[2 + 2 + 20];
	struct mqtt_packet pkt;
	size_t k;

	decode_ok(MQTT_V311, s311, sizeof(s311), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_SUBACK);
	ck_assert_uint_eq(pkt.u.suback.packet_id, 10);
	ck_assert_uint_eq(pkt.u.suback.ncodes, 3);
	ck_assert_uint_eq(pkt.u.suback.codes[0], 0x00);
	ck_assert_uint_eq(pkt.u.suback.codes[1], 0x01);
	ck_assert_uint_eq(pkt.u.suback.codes[2], 0x80);

	decode_ok(MQTT_V5, s5, sizeof(s5), &pkt);
	ck_assert_uint_eq(pkt.u.suback.ncodes, 1);
	ck_assert_uint_eq(pkt.u.suback.codes[0], 0x87);
	assert_bytes(pkt.u.suback.props.reason_string, "no");

	/* More codes than the struct holds are counted, not stored. */
	many[0] = 0x90;
	many[1] = 22;
	many[2] = 0x00;
	many[3] = 0x02;
	for (k = 0; k < 20; k++)
		many[4 + k] = (uint8_t)(k % 3);
	decode_ok(MQTT_V311, many, sizeof(many), &pkt);
	ck_assert_uint_eq(pkt.u.suback.ncodes, 20);
	ck_assert_uint_eq(pkt.u.suback.codes[15], 0);
}
END_TEST

START_TEST(test_misc_packets)
{
	static const uint8_t unsub311[] = { 0xb0, 0x02, 0x00, 0x03 };
	static const uint8_t unsub5[] = { 0xb0, 0x05, 0x00, 0x03, 0x00,
		0x11, 0x00 };
	static const uint8_t pingresp[] = { 0xd0, 0x00 };
	static const uint8_t disc[] = { 0xe0, 0x00 };
	static const uint8_t disc5r[] = { 0xe0, 0x01, 0x8e };
	static const uint8_t disc5p[] = { 0xe0, 0x08, 0x9c, 0x06, 0x1c, 0x00,
		0x03, 'h', 'o', 's' };
	static const uint8_t auth0[] = { 0xf0, 0x00 };
	static const uint8_t auth[] = { 0xf0, 0x0b, 0x18, 0x09, 0x15, 0x00,
		0x06, 'S', 'C', 'R', 'A', 'M', '1' };
	struct mqtt_packet pkt;

	decode_ok(MQTT_V311, unsub311, sizeof(unsub311), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_UNSUBACK);
	ck_assert_uint_eq(pkt.u.ack.packet_id, 3);
	decode_ok(MQTT_V5, unsub5, sizeof(unsub5), &pkt);
	ck_assert_uint_eq(pkt.u.ack.reason, 0x11);
	decode_ok(MQTT_V311, pingresp, sizeof(pingresp), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_PINGRESP);
	decode_ok(MQTT_V311, disc, sizeof(disc), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_DISCONNECT);
	decode_ok(MQTT_V5, disc, sizeof(disc), &pkt);
	ck_assert_uint_eq(pkt.u.disconnect.reason, 0);
	decode_ok(MQTT_V5, disc5r, sizeof(disc5r), &pkt);
	ck_assert_uint_eq(pkt.u.disconnect.reason, 0x8e);
	decode_ok(MQTT_V5, disc5p, sizeof(disc5p), &pkt);
	ck_assert_uint_eq(pkt.u.disconnect.reason, 0x9c);
	assert_bytes(pkt.u.disconnect.props.server_reference, "hos");
	decode_ok(MQTT_V5, auth0, sizeof(auth0), &pkt);
	ck_assert_int_eq(pkt.type, MQTT_AUTH);
	decode_ok(MQTT_V5, auth, sizeof(auth), &pkt);
	ck_assert_uint_eq(pkt.u.disconnect.reason, 0x18);
	assert_bytes(pkt.u.disconnect.props.authentication_method, "SCRAM1");
}
END_TEST

/* ---- malformed input ---------------------------------------------- */

struct bad_case {
	enum mqtt_version v;
	const char *why;
	size_t len;
	uint8_t b[16];
};

#define BAD(v, why, ...) { v, why, \
	sizeof((const uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ } }

static const struct bad_case bad_cases[] = {
	BAD(MQTT_V311, "fixed header flags are invalid for this type",
	    0x21, 0x02, 0x00, 0x00),
	BAD(MQTT_V311, "fixed header flags are invalid for this type",
	    0x60, 0x02, 0x00, 0x01),
	BAD(MQTT_V5, "fixed header flags are invalid for this type",
	    0x42, 0x02, 0x00, 0x01),
	BAD(MQTT_V5, "fixed header flags are invalid for this type",
	    0xd1, 0x00),
	BAD(MQTT_V311, "a client-only packet type", 0x10, 0x00),
	BAD(MQTT_V5, "a client-only packet type", 0x82, 0x00),
	BAD(MQTT_V5, "a client-only packet type", 0xa2, 0x00),
	BAD(MQTT_V311, "a client-only packet type", 0xc0, 0x00),
	BAD(MQTT_V311, "reserved packet type", 0x00, 0x00),
	BAD(MQTT_V311, "reserved packet type", 0xf0, 0x00),
	BAD(MQTT_V311, "packet is shorter than a fixed header", 0x20),
	BAD(MQTT_V311, "packet ends inside the remaining length", 0x30, 0x80),
	BAD(MQTT_V311, "remaining length is too long",
	    0x30, 0xff, 0xff, 0xff, 0xff, 0x7f),
	BAD(MQTT_V311, "remaining length does not match the packet",
	    0x20, 0x03, 0x00, 0x00),
	BAD(MQTT_V311, "remaining length does not match the packet",
	    0x20, 0x02, 0x00, 0x00, 0x00),
	BAD(MQTT_V311, "CONNACK remaining length must be 2",
	    0x20, 0x03, 0x00, 0x00, 0x00),
	BAD(MQTT_V5, "field runs past the end of the packet",
	    0x20, 0x02, 0x00, 0x00),
	BAD(MQTT_V311, "CONNACK flags have reserved bits set",
	    0x20, 0x02, 0x02, 0x00),
	BAD(MQTT_V5, "CONNACK flags have reserved bits set",
	    0x20, 0x03, 0x80, 0x00, 0x00),
	BAD(MQTT_V311, "session present set on a refused connection",
	    0x20, 0x02, 0x01, 0x05),
	BAD(MQTT_V5, "session present set on a refused connection",
	    0x20, 0x03, 0x01, 0x87, 0x00),
	BAD(MQTT_V311, "unknown CONNACK return code", 0x20, 0x02, 0x00, 0x06),
	BAD(MQTT_V5, "reason code not allowed in this packet type",
	    0x20, 0x03, 0x00, 0x01, 0x00),
	BAD(MQTT_V5, "trailing bytes after the last field",
	    0x20, 0x04, 0x00, 0x00, 0x00, 0xff),
	BAD(MQTT_V5, "property appears more than once",
	    0x20, 0x07, 0x00, 0x00, 0x04, 0x24, 0x01, 0x24, 0x01),
	BAD(MQTT_V5, "property appears more than once",
	    0x20, 0x0d, 0x00, 0x00, 0x0a, 0x11, 0x00, 0x00, 0x00, 0x01,
	    0x11, 0x00, 0x00, 0x00, 0x01),
	BAD(MQTT_V5, "unknown property id",
	    0x20, 0x05, 0x00, 0x00, 0x02, 0x05, 0x00),
	BAD(MQTT_V5, "unknown property id",
	    0x20, 0x05, 0x00, 0x00, 0x02, 0x80, 0x00),
	BAD(MQTT_V5, "property not allowed in this packet type",
	    0x20, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01),
	BAD(MQTT_V5, "property not allowed in this packet type",
	    0x40, 0x08, 0x00, 0x01, 0x00, 0x04, 0x12, 0x00, 0x01, 'x'),
	BAD(MQTT_V5, "property not allowed in this packet type",
	    0x20, 0x05, 0x00, 0x00, 0x02, 0x0b, 0x01),
	BAD(MQTT_V5, "property value must be 0 or 1",
	    0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02),
	BAD(MQTT_V5, "property value must not be 0",
	    0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00),
	BAD(MQTT_V5, "property runs past the property length",
	    0x20, 0x05, 0x00, 0x00, 0x01, 0x24, 0x01),
	BAD(MQTT_V5, "property length runs past the packet",
	    0x20, 0x04, 0x00, 0x00, 0x05, 0x24),
	BAD(MQTT_V5, "string has an overlong UTF-8 encoding",
	    0x20, 0x08, 0x00, 0x00, 0x05, 0x12, 0x00, 0x02, 0xc0, 0x80),
	BAD(MQTT_V5, "string has an overlong UTF-8 encoding",
	    0x20, 0x09, 0x00, 0x00, 0x06, 0x12, 0x00, 0x03, 0xe0, 0x80, 0x80),
	BAD(MQTT_V5, "string contains a UTF-16 surrogate",
	    0x20, 0x09, 0x00, 0x00, 0x06, 0x12, 0x00, 0x03, 0xed, 0xa0, 0x80),
	BAD(MQTT_V5, "string contains U+0000",
	    0x20, 0x07, 0x00, 0x00, 0x04, 0x12, 0x00, 0x01, 0x00),
	BAD(MQTT_V5, "string has a code point beyond U+10FFFF",
	    0x20, 0x0a, 0x00, 0x00, 0x07, 0x12, 0x00, 0x04, 0xf4, 0x90, 0x80,
	    0x80),
	BAD(MQTT_V5, "string is not well-formed UTF-8",
	    0x20, 0x07, 0x00, 0x00, 0x04, 0x12, 0x00, 0x01, 0x80),
	BAD(MQTT_V5, "string ends inside a UTF-8 sequence",
	    0x20, 0x08, 0x00, 0x00, 0x05, 0x12, 0x00, 0x02, 0xe2, 0x82),
	BAD(MQTT_V5, "string length runs past the packet",
	    0x20, 0x06, 0x00, 0x00, 0x03, 0x12, 0x00, 0x05),
	BAD(MQTT_V311, "string length runs past the packet",
	    0x30, 0x03, 0x00, 0x09, 't'),
	BAD(MQTT_V311, "string contains U+0000",
	    0x30, 0x04, 0x00, 0x02, 't', 0x00),
	BAD(MQTT_V311, "SUBACK code is not allowed",
	    0x90, 0x03, 0x00, 0x01, 0x03),
	BAD(MQTT_V311, "SUBACK code is not allowed",
	    0x90, 0x03, 0x00, 0x01, 0x83),
	BAD(MQTT_V5, "SUBACK code is not allowed",
	    0x90, 0x04, 0x00, 0x01, 0x00, 0x84),
	BAD(MQTT_V311, "SUBACK carries no return codes",
	    0x90, 0x02, 0x00, 0x01),
	BAD(MQTT_V311, "PUBLISH QoS 3 is reserved",
	    0x36, 0x05, 0x00, 0x01, 't', 'h', 'i'),
	BAD(MQTT_V311, "DUP set on a QoS 0 PUBLISH",
	    0x38, 0x05, 0x00, 0x01, 't', 'h', 'i'),
	BAD(MQTT_V311, "topic name contains a wildcard",
	    0x30, 0x05, 0x00, 0x01, '+', 'h', 'i'),
	BAD(MQTT_V5, "topic name contains a wildcard",
	    0x30, 0x06, 0x00, 0x03, 'a', '/', '#', 0x00),
	BAD(MQTT_V311, "packet identifier is zero",
	    0x32, 0x07, 0x00, 0x01, 't', 0x00, 0x00, 'h', 'i'),
	BAD(MQTT_V311, "topic name is empty", 0x30, 0x04, 0x00, 0x00, 'h', 'i'),
	BAD(MQTT_V5, "topic name is empty", 0x30, 0x03, 0x00, 0x00, 0x00),
	BAD(MQTT_V5, "property value must not be 0",
	    0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x00),
	BAD(MQTT_V5, "variable byte integer is too long",
	    0x30, 0x0a, 0x00, 0x01, 't', 0x06, 0x0b, 0xff, 0xff, 0xff, 0xff,
	    0x7f),
	BAD(MQTT_V5, "property appears more than once",
	    0x30, 0x0a, 0x00, 0x01, 't', 0x06, 0x23, 0x00, 0x01,
	    0x23, 0x00, 0x01),
	BAD(MQTT_V311, "acknowledgement remaining length must be 2",
	    0x40, 0x03, 0x00, 0x01, 0x00),
	BAD(MQTT_V5, "reason code not allowed in this packet type",
	    0x40, 0x03, 0x00, 0x01, 0x92),
	BAD(MQTT_V5, "packet identifier is zero", 0x40, 0x02, 0x00, 0x00),
	BAD(MQTT_V5, "field runs past the end of the packet", 0x40, 0x00),
	BAD(MQTT_V311, "UNSUBACK remaining length must be 2",
	    0xb0, 0x03, 0x00, 0x01, 0x00),
	BAD(MQTT_V5, "reason code not allowed in this packet type",
	    0xb0, 0x04, 0x00, 0x01, 0x00, 0x02),
	BAD(MQTT_V311, "PINGRESP must have no body", 0xd0, 0x01, 0x00),
	BAD(MQTT_V311, "3.1.1 DISCONNECT must have no body", 0xe0, 0x01, 0x00),
	BAD(MQTT_V5, "reason code not allowed in this packet type",
	    0xe0, 0x01, 0x01),
	BAD(MQTT_V5, "AUTH reason code without property length",
	    0xf0, 0x01, 0x00),
	BAD(MQTT_V5, "reason code not allowed in this packet type",
	    0xf0, 0x02, 0x87, 0x00),
	BAD((enum mqtt_version)2, "unsupported protocol version", 0xd0, 0x00),
};

START_TEST(test_decode_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	struct mqtt_packet pkt;
	const char *why = NULL;
	uint8_t *copy = malloc(c->len);
	int rc;

	/* An exact-size heap copy lets ASan catch any over-read. */
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, c->b, c->len);
	rc = mqtt_decode(c->v, copy, c->len, &pkt, &why);
	ck_assert_msg(rc == MQTT_MALFORMED, "case %d: rc %d", _i, rc);
	ck_assert_msg(why != NULL, "case %d: no why", _i);
	ck_assert_msg(strcmp(why, c->why) == 0, "case %d: why \"%s\", want \"%s\"",
	    _i, why, c->why);
	free(copy);
}
END_TEST

START_TEST(test_decode_empty)
{
	struct mqtt_packet pkt;
	const char *why = NULL;

	ck_assert_int_eq(mqtt_decode(MQTT_V5, NULL, 0, &pkt, &why),
	    MQTT_MALFORMED);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(mqtt_decode(MQTT_V5, g_pingreq, 2, NULL, NULL),
	    MQTT_MALFORMED);
	/* why may be NULL. */
	ck_assert_int_eq(mqtt_decode(MQTT_V5, g_pingreq, 2, &pkt, NULL),
	    MQTT_MALFORMED);
}
END_TEST

struct good_case {
	enum mqtt_version v;
	size_t len;
	uint8_t b[64];
};

#define GOOD(v, ...) { v, sizeof((const uint8_t[]){ __VA_ARGS__ }), \
	{ __VA_ARGS__ } }

/* Valid broker packets whose every prefix and mutation gets fed back. */
static const struct good_case good_cases[] = {
	GOOD(MQTT_V311, 0x20, 0x02, 0x01, 0x00),
	GOOD(MQTT_V5, 0x20, 0x12, 0x00, 0x00, 0x0f, 0x12, 0x00, 0x03, 'a', 'b',
	    'c', 0x24, 0x01, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v'),
	GOOD(MQTT_V311, 0x32, 0x07, 0x00, 0x01, 't', 0x00, 0x0a, 'h', 'i'),
	GOOD(MQTT_V5, 0x34, 0x10, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x07, 0x07,
	    0x0b, 0x81, 0x01, 0x03, 0x00, 0x01, 'c', 'x'),
	GOOD(MQTT_V5, 0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01),
	GOOD(MQTT_V5, 0x40, 0x08, 0x00, 0x05, 0x10, 0x04, 0x1f, 0x00, 0x01,
	    'x'),
	GOOD(MQTT_V311, 0x62, 0x02, 0x00, 0x05),
	GOOD(MQTT_V311, 0x90, 0x05, 0x00, 0x0a, 0x00, 0x01, 0x80),
	GOOD(MQTT_V5, 0x90, 0x09, 0x00, 0x01, 0x05, 0x1f, 0x00, 0x02, 'n', 'o',
	    0x87),
	GOOD(MQTT_V5, 0xb0, 0x05, 0x00, 0x03, 0x00, 0x11, 0x00),
	GOOD(MQTT_V5, 0xe0, 0x08, 0x9c, 0x06, 0x1c, 0x00, 0x03, 'h', 'o', 's'),
	GOOD(MQTT_V5, 0xf0, 0x0b, 0x18, 0x09, 0x15, 0x00, 0x06, 'S', 'C', 'R',
	    'A', 'M', '1'),
	GOOD(MQTT_V311, 0xd0, 0x00),
};

START_TEST(test_good_cases_decode)
{
	const struct good_case *c = &good_cases[_i];
	struct mqtt_packet pkt;
	const char *why = NULL;
	int rc = mqtt_decode(c->v, c->b, c->len, &pkt, &why);

	ck_assert_msg(rc == MQTT_OK, "case %d: %s", _i, why);
}
END_TEST

/* Every strict prefix must be rejected cleanly, never read past its end. */
START_TEST(test_truncated)
{
	const struct good_case *c = &good_cases[_i];
	struct mqtt_packet pkt;
	size_t n;

	for (n = 0; n < c->len; n++) {
		uint8_t *copy = malloc(n > 0 ? n : 1);
		const char *why = NULL;
		size_t flen;

		ck_assert_ptr_nonnull(copy);
		memcpy(copy, c->b, n);
		ck_assert_int_eq(mqtt_decode(c->v, copy, n, &pkt, &why),
		    MQTT_MALFORMED);
		ck_assert_ptr_nonnull(why);
		ck_assert_int_eq(mqtt_frame(copy, n, 0, &flen),
		    MQTT_INCOMPLETE);
		free(copy);
	}
}
END_TEST

/* Every single-byte substitution: any result is fine, a crash is not. */
START_TEST(test_mutations)
{
	const struct good_case *c = &good_cases[_i];
	uint8_t *copy = malloc(c->len);
	size_t pos;
	unsigned val;

	ck_assert_ptr_nonnull(copy);
	for (pos = 0; pos < c->len; pos++) {
		for (val = 0; val < 256; val++) {
			struct mqtt_packet pkt;
			const char *why = NULL;
			int rc;

			memcpy(copy, c->b, c->len);
			copy[pos] = (uint8_t)val;
			rc = mqtt_decode(MQTT_V5, copy, c->len, &pkt, &why);
			ck_assert(rc == MQTT_OK ||
			    (rc == MQTT_MALFORMED && why != NULL));
			rc = mqtt_decode(MQTT_V311, copy, c->len, &pkt, &why);
			ck_assert(rc == MQTT_OK ||
			    (rc == MQTT_MALFORMED && why != NULL));
		}
	}
	free(copy);
}
END_TEST

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

START_TEST(test_random_input)
{
	uint32_t seed = 0x9e3779b9u;
	int iter;

	for (iter = 0; iter < 200000; iter++) {
		size_t len = xorshift(&seed) % 40, k, flen = 0;
		uint8_t *b = malloc(len > 0 ? len : 1);
		struct mqtt_packet pkt;
		const char *why = NULL;
		int rc;

		ck_assert_ptr_nonnull(b);
		for (k = 0; k < len; k++)
			b[k] = (uint8_t)xorshift(&seed);
		/* Make well-framed packets common enough to reach bodies. */
		if (len >= 2 && (iter & 1))
			b[1] = (uint8_t)(len - 2);
		rc = mqtt_decode((iter & 2) ? MQTT_V5 : MQTT_V311, b, len,
		    &pkt, &why);
		ck_assert(rc == MQTT_OK || (rc == MQTT_MALFORMED && why));
		rc = mqtt_frame(b, len, 16, &flen);
		ck_assert(rc == MQTT_OK || rc == MQTT_INCOMPLETE ||
		    rc == MQTT_MALFORMED || rc == MQTT_TOO_LARGE);
		if (rc == MQTT_OK)
			ck_assert(flen <= len && flen <= 16);
		free(b);
	}
}
END_TEST

/* ---- framing ------------------------------------------------------- */

struct varint_case {
	uint32_t value;
	size_t n;
	uint8_t enc[4];
};

static const struct varint_case varint_cases[] = {
	{ 0, 1, { 0x00 } },
	{ 127, 1, { 0x7f } },
	{ 128, 2, { 0x80, 0x01 } },
	{ 16383, 2, { 0xff, 0x7f } },
	{ 16384, 3, { 0x80, 0x80, 0x01 } },
	{ 2097151, 3, { 0xff, 0xff, 0x7f } },
	{ 2097152, 4, { 0x80, 0x80, 0x80, 0x01 } },
	{ 268435455, 4, { 0xff, 0xff, 0xff, 0x7f } },
};

START_TEST(test_varint_size)
{
	size_t k;

	for (k = 0; k < LEN(varint_cases); k++)
		ck_assert_uint_eq(mqtt_varint_size(varint_cases[k].value),
		    varint_cases[k].n);
	ck_assert_uint_eq(mqtt_varint_size(268435456u), 0);
	ck_assert_uint_eq(mqtt_varint_size(UINT32_MAX), 0);
}
END_TEST

START_TEST(test_frame_boundaries)
{
	const struct varint_case *c = &varint_cases[_i];
	size_t total = 1 + c->n + c->value, flen = 0, k;
	uint8_t hdr[5];

	hdr[0] = 0x30;
	memcpy(hdr + 1, c->enc, c->n);
	/* Partial headers: not enough to know the length yet. */
	for (k = 0; k <= c->n; k++)
		ck_assert_int_eq(mqtt_frame(hdr, k, 0, &flen),
		    MQTT_INCOMPLETE);
	if (c->value == 0) {
		ck_assert_int_eq(mqtt_frame(hdr, 2, 0, &flen), MQTT_OK);
		ck_assert_uint_eq(flen, 2);
		return;
	}
	ck_assert_int_eq(mqtt_frame(hdr, 1 + c->n, 0, &flen),
	    MQTT_INCOMPLETE);
	/* The limit check proves the computed total exactly. */
	ck_assert_int_eq(mqtt_frame(hdr, 1 + c->n, total, &flen),
	    MQTT_INCOMPLETE);
	ck_assert_int_eq(mqtt_frame(hdr, 1 + c->n, total - 1, &flen),
	    MQTT_TOO_LARGE);
	if (total <= 4u * 1024 * 1024) {
		uint8_t *b = calloc(1, total + 3);

		ck_assert_ptr_nonnull(b);
		memcpy(b, hdr, 1 + c->n);
		ck_assert_int_eq(mqtt_frame(b, total - 1, 0, &flen),
		    MQTT_INCOMPLETE);
		ck_assert_int_eq(mqtt_frame(b, total, 0, &flen), MQTT_OK);
		ck_assert_uint_eq(flen, total);
		/* Bytes of the next packet do not change the answer. */
		flen = 0;
		ck_assert_int_eq(mqtt_frame(b, total + 3, 0, &flen), MQTT_OK);
		ck_assert_uint_eq(flen, total);
		free(b);
	}
}
END_TEST

START_TEST(test_frame_errors)
{
	static const uint8_t five[] = { 0x30, 0xff, 0xff, 0xff, 0xff, 0x7f };
	static const uint8_t four_cont[] = { 0x30, 0x80, 0x80, 0x80, 0x80 };
	static const uint8_t nonmin[] = { 0x30, 0x80, 0x00 };
	static const uint8_t small[] = { 0x30, 0x05, 0, 1, 't', 'h', 'i' };
	size_t flen = 99;

	ck_assert_int_eq(mqtt_frame(five, sizeof(five), 0, &flen),
	    MQTT_MALFORMED);
	ck_assert_int_eq(mqtt_frame(four_cont, sizeof(four_cont), 0, &flen),
	    MQTT_MALFORMED);
	ck_assert_int_eq(mqtt_frame(NULL, 0, 0, &flen), MQTT_INCOMPLETE);
	ck_assert_uint_eq(flen, 99);
	/* Non-minimal encodings are accepted. */
	ck_assert_int_eq(mqtt_frame(nonmin, sizeof(nonmin), 0, &flen),
	    MQTT_OK);
	ck_assert_uint_eq(flen, 3);
	ck_assert_int_eq(mqtt_frame(small, 2, 6, &flen), MQTT_TOO_LARGE);
	ck_assert_int_eq(mqtt_frame(small, 2, 7, &flen), MQTT_INCOMPLETE);
	ck_assert_int_eq(mqtt_frame(small, 7, 7, &flen), MQTT_OK);
	ck_assert_uint_eq(flen, 7);
}
END_TEST

/* ---- names --------------------------------------------------------- */

START_TEST(test_names)
{
	ck_assert_str_eq(mqtt_type_name(MQTT_CONNACK), "CONNACK");
	ck_assert_str_eq(mqtt_type_name(MQTT_PUBREL), "PUBREL");
	ck_assert_str_eq(mqtt_type_name(MQTT_AUTH), "AUTH");
	ck_assert_str_eq(mqtt_type_name((enum mqtt_type)0), "reserved");
	ck_assert_str_eq(mqtt_type_name((enum mqtt_type)16), "reserved");

	ck_assert_str_eq(mqtt_connack311_name(0), "connection accepted");
	ck_assert_str_eq(mqtt_connack311_name(4), "bad user name or password");
	ck_assert_str_eq(mqtt_connack311_name(6), "unknown return code");

	ck_assert_str_eq(mqtt_reason_name(0x00), "success");
	ck_assert_str_eq(mqtt_reason_name(0x86), "bad user name or password");
	ck_assert_str_eq(mqtt_reason_name(0x9b), "QoS not supported");
	ck_assert_str_eq(mqtt_reason_name(0xa2),
	    "wildcard subscriptions not supported");
	ck_assert_str_eq(mqtt_reason_name(0x03), "unknown reason code");
	ck_assert_str_eq(mqtt_reason_name(0xff), "unknown reason code");

	ck_assert_str_eq(mqtt_suback_name(MQTT_V311, 0x00), "granted QoS 0");
	ck_assert_str_eq(mqtt_suback_name(MQTT_V311, 0x02), "granted QoS 2");
	ck_assert_str_eq(mqtt_suback_name(MQTT_V311, 0x80), "failure");
	ck_assert_str_eq(mqtt_suback_name(MQTT_V311, 0x87),
	    "unknown return code");
	ck_assert_str_eq(mqtt_suback_name(MQTT_V5, 0x01), "granted QoS 1");
	ck_assert_str_eq(mqtt_suback_name(MQTT_V5, 0x80), "unspecified error");
	ck_assert_str_eq(mqtt_suback_name(MQTT_V5, 0x87), "not authorized");
	ck_assert_str_eq(mqtt_suback_name(MQTT_V5, 0x86),
	    "unknown reason code");

	ck_assert_str_eq(mqtt_prop_name(0x12), "assigned client identifier");
	ck_assert_str_eq(mqtt_prop_name(0x24), "maximum QoS");
	ck_assert_str_eq(mqtt_prop_name(0x29),
	    "subscription identifiers available");
	ck_assert_str_eq(mqtt_prop_name(0x18), "will delay interval");
	ck_assert_ptr_null(mqtt_prop_name(0x00));
	ck_assert_ptr_null(mqtt_prop_name(0x2b));
	ck_assert_ptr_null(mqtt_prop_name(0xff));
}
END_TEST

static Suite *mqtt_suite(void)
{
	Suite *s = suite_create("mqtt");
	TCase *tc;

	tc = tcase_create("encode");
	tcase_add_loop_test(tc, test_encode_golden, 0, (int)LEN(enc_cases));
	tcase_add_loop_test(tc, test_encode_nospace, 0, (int)LEN(enc_cases));
	tcase_add_test(tc, test_encode_invalid);
	tcase_add_loop_test(tc, test_publish_round_trip, 0, 6);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_test(tc, test_connack311_accepted);
	tcase_add_test(tc, test_connack311_session_present);
	tcase_add_loop_test(tc, test_connack311_refused, 1, 6);
	tcase_add_test(tc, test_connack5_props);
	tcase_add_test(tc, test_connack5_other_props);
	tcase_add_test(tc, test_connack5_refused);
	tcase_add_test(tc, test_publish5_props);
	tcase_add_test(tc, test_publish5_alias_only);
	tcase_add_test(tc, test_acks);
	tcase_add_test(tc, test_suback);
	tcase_add_test(tc, test_misc_packets);
	tcase_add_loop_test(tc, test_good_cases_decode, 0,
	    (int)LEN(good_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_decode_bad, 0, (int)LEN(bad_cases));
	tcase_add_test(tc, test_decode_empty);
	tcase_add_loop_test(tc, test_truncated, 0, (int)LEN(good_cases));
	tcase_add_loop_test(tc, test_mutations, 0, (int)LEN(good_cases));
	tcase_add_test(tc, test_random_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("framing");
	tcase_add_test(tc, test_varint_size);
	tcase_add_loop_test(tc, test_frame_boundaries, 0,
	    (int)LEN(varint_cases));
	tcase_add_test(tc, test_frame_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mqtt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
