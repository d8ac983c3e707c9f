/*
 * mqtt.h: the MQTT 3.1.1 / 5.0 codec.
 *
 * Pure functions over caller buffers: no I/O, no allocation, no globals.
 * Encoders compute the exact size first (mqtt_*_size) so the caller can
 * size its buffer; the encoder then writes through a bounds-checked writer.
 * Decoders take one complete packet (found with mqtt_frame) and fill a
 * struct whose strings point into the caller's packet buffer, so the
 * buffer must outlive the decoded struct.  Every length read from the
 * wire is checked against what is left before it is used.
 */
#ifndef MQTT_H
#define MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Protocol level byte as it appears in CONNECT. */
enum mqtt_version {
	MQTT_V31 = 3,		/* "MQIsdp": differs from 3.1.1 in CONNECT only */
	MQTT_V311 = 4,
	MQTT_V5 = 5,
};

enum mqtt_type {
	MQTT_CONNECT = 1,
	MQTT_CONNACK = 2,
	MQTT_PUBLISH = 3,
	MQTT_PUBACK = 4,
	MQTT_PUBREC = 5,
	MQTT_PUBREL = 6,
	MQTT_PUBCOMP = 7,
	MQTT_SUBSCRIBE = 8,
	MQTT_SUBACK = 9,
	MQTT_UNSUBSCRIBE = 10,
	MQTT_UNSUBACK = 11,
	MQTT_PINGREQ = 12,
	MQTT_PINGRESP = 13,
	MQTT_DISCONNECT = 14,
	MQTT_AUTH = 15,
};

/* Results: 0 is success, negatives are errors. */
enum mqtt_result {
	MQTT_OK = 0,
	MQTT_INCOMPLETE = -1,	/* mqtt_frame: need more bytes */
	MQTT_MALFORMED = -2,	/* violates the protocol */
	MQTT_NOSPACE = -3,	/* encoder: caller buffer too small */
	MQTT_TOO_LARGE = -4,	/* a length over the protocol maximum */
};

/* Largest remaining length the 4-byte variable integer can carry. */
#define MQTT_MAX_REMAINING 268435455u

/* Read cursor over one buffer.  pos never exceeds len. */
struct mqtt_cursor {
	const uint8_t *buf;
	size_t len;
	size_t pos;
};

/* Write cursor over one caller buffer.  pos never exceeds cap. */
struct mqtt_writer {
	uint8_t *buf;
	size_t cap;
	size_t pos;
};

/* A length-prefixed string or binary field, pointing into a packet. */
struct mqtt_bytes {
	const uint8_t *data;
	size_t len;
};

/*
 * MQTT 5.0 properties the probe reads or sends.  `present` has bit
 * (1ull << id) set for each property id seen; ids are < 64.
 */
struct mqtt_props {
	uint64_t present;
	uint32_t session_expiry;		/* 0x11 */
	uint16_t receive_maximum;		/* 0x21 */
	uint8_t maximum_qos;			/* 0x24 */
	uint8_t retain_available;		/* 0x25 */
	uint32_t maximum_packet_size;		/* 0x27 */
	struct mqtt_bytes assigned_client_id;	/* 0x12 */
	uint16_t topic_alias_maximum;		/* 0x22 */
	struct mqtt_bytes reason_string;	/* 0x1F */
	uint8_t wildcard_sub_available;		/* 0x28 */
	uint8_t sub_id_available;		/* 0x29 */
	uint8_t shared_sub_available;		/* 0x2A */
	uint16_t server_keep_alive;		/* 0x13 */
	struct mqtt_bytes response_information;	/* 0x1A */
	struct mqtt_bytes server_reference;	/* 0x1C */
	struct mqtt_bytes authentication_method;/* 0x15 */
	uint8_t payload_format;			/* 0x01 */
	uint32_t message_expiry;		/* 0x02 */
	struct mqtt_bytes content_type;		/* 0x03 */
	uint16_t topic_alias;			/* 0x23 */
	uint32_t subscription_id;		/* 0x0B (first one) */
	unsigned user_property_count;		/* 0x26, may repeat */
};

#define MQTT_PROP_PRESENT(p, id) ((((p)->present) >> (id)) & 1u)

/* CONNECT, as the probe sends it. */
struct mqtt_connect {
	enum mqtt_version version;
	const char *client_id;		/* may be "" */
	uint16_t keepalive;
	bool clean;			/* clean session (3.1.1) / clean start (5) */
	const char *username;		/* NULL: none */
	const uint8_t *password;	/* NULL: none */
	size_t password_len;
	uint32_t session_expiry;	/* 5.0 only; 0 = not sent */
	/* the will message, sent when will_topic is not NULL (5.0: with
	 * no will properties) */
	const char *will_topic;
	struct mqtt_bytes will_payload;
	uint8_t will_qos;
	bool will_retain;
};

struct mqtt_connack {
	bool session_present;
	uint8_t code;			/* return code (3.1.1) or reason code (5) */
	struct mqtt_props props;	/* 5.0 only */
};

struct mqtt_publish {
	uint8_t qos;
	bool retain;
	bool dup;
	struct mqtt_bytes topic;
	uint16_t packet_id;		/* only when qos > 0 */
	struct mqtt_props props;	/* 5.0 only */
	struct mqtt_bytes payload;
};

/* PUBACK, PUBREC, PUBREL, PUBCOMP. */
struct mqtt_ack {
	uint16_t packet_id;
	uint8_t reason;			/* 5.0; 0 when absent */
	struct mqtt_props props;	/* 5.0 only */
};

struct mqtt_subscribe {
	uint16_t packet_id;
	const char *topic;
	uint8_t qos;			/* requested maximum QoS */
	uint32_t sub_id;		/* 5.0 subscription identifier, 0: none */
};

#define MQTT_SUBACK_MAX_CODES 16
struct mqtt_suback {
	uint16_t packet_id;
	struct mqtt_props props;	/* 5.0 only */
	size_t ncodes;			/* codes beyond MAX are counted, not kept */
	uint8_t codes[MQTT_SUBACK_MAX_CODES];
};

struct mqtt_disconnect {
	uint8_t reason;			/* 5.0; 0 when absent */
	struct mqtt_props props;
};

/* A decoded packet from the broker. */
struct mqtt_packet {
	enum mqtt_type type;
	uint8_t flags;			/* low nibble of the first byte */
	size_t remaining;		/* remaining length */
	union {
		struct mqtt_connack connack;
		struct mqtt_publish publish;
		struct mqtt_ack ack;
		struct mqtt_suback suback;
		struct mqtt_disconnect disconnect;
	} u;
};

/* --- framing ------------------------------------------------------- */

/* Bytes the variable byte integer v takes (1..4), or 0 if v is too large. */
size_t mqtt_varint_size(uint32_t v);

/*
 * Is buf[0..len) the start of a complete packet?  On MQTT_OK, *packet_len
 * is the whole packet's size (fixed header included); the packet may be
 * followed by more bytes.  MQTT_INCOMPLETE: read more.  MQTT_MALFORMED:
 * the remaining length is not a valid variable byte integer.
 * max_packet (0 = protocol maximum) rejects larger packets with
 * MQTT_TOO_LARGE as soon as the header is known.
 */
int mqtt_frame(const uint8_t *buf, size_t len, size_t max_packet,
    size_t *packet_len);

/* --- encoders: size first, then encode into buf[0..cap) ------------ */

size_t mqtt_connect_size(const struct mqtt_connect *c);
int mqtt_connect_encode(const struct mqtt_connect *c, uint8_t *buf,
    size_t cap, size_t *written);

size_t mqtt_subscribe_size(enum mqtt_version v, const struct mqtt_subscribe *s);
int mqtt_subscribe_encode(enum mqtt_version v, const struct mqtt_subscribe *s,
    uint8_t *buf, size_t cap, size_t *written);

/* Outgoing PUBLISH: uses qos, retain, dup, topic, packet_id, payload and,
 * in 5.0, a topic alias when props has 0x23 present (the topic may then
 * be empty: the alias stands for it). */
size_t mqtt_publish_size(enum mqtt_version v, const struct mqtt_publish *p);
int mqtt_publish_encode(enum mqtt_version v, const struct mqtt_publish *p,
    uint8_t *buf, size_t cap, size_t *written);

/* PUBACK/PUBREC/PUBREL/PUBCOMP; 5.0 reason 0 is sent in the short form. */
size_t mqtt_ack_size(enum mqtt_version v, enum mqtt_type type,
    const struct mqtt_ack *a);
int mqtt_ack_encode(enum mqtt_version v, enum mqtt_type type,
    const struct mqtt_ack *a, uint8_t *buf, size_t cap, size_t *written);

/* DISCONNECT (5.0: reason 0, normal disconnection) and PINGREQ. */
size_t mqtt_disconnect_size(enum mqtt_version v);
int mqtt_disconnect_encode(enum mqtt_version v, uint8_t *buf, size_t cap,
    size_t *written);
int mqtt_pingreq_encode(uint8_t *buf, size_t cap, size_t *written);

/* --- decoder -------------------------------------------------------- */

/*
 * Decode one complete packet pkt[0..len) as sent by a broker (CONNACK,
 * PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, PINGRESP,
 * DISCONNECT, AUTH).  Checks fixed-header flags, every length, property
 * ids allowed for the packet type, duplicates of single-use properties,
 * UTF-8 well-formedness of strings.  On error, *why (if not NULL) gets a
 * static English phrase saying what was wrong ("remaining length 3, CONNACK
 * needs 2" style is not possible statically: phrases are fixed).
 */
int mqtt_decode(enum mqtt_version v, const uint8_t *pkt, size_t len,
    struct mqtt_packet *out, const char **why);

/* One line naming a decoded packet's fields, for traces. */
void mqtt_describe(enum mqtt_version v, const struct mqtt_packet *p,
    char *buf, size_t len);

/* --- names ---------------------------------------------------------- */

const char *mqtt_type_name(enum mqtt_type t);		/* "CONNACK" */
/* 3.1.1 CONNACK return code in words, e.g. "not authorized". */
const char *mqtt_connack311_name(uint8_t code);
/* 5.0 reason code in words, e.g. "bad user name or password". */
const char *mqtt_reason_name(uint8_t code);
/* SUBACK code in words for either version ("granted QoS 1", "failure"). */
const char *mqtt_suback_name(enum mqtt_version v, uint8_t code);
/* Property name, e.g. "assigned client identifier"; NULL if unknown. */
const char *mqtt_prop_name(uint8_t id);

#endif
