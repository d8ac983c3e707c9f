/*
 * mqtt.c: the MQTT 3.1.1 / 5.0 codec (contract in mqtt.h).
 *
 * Reading goes through struct mqtt_cursor and writing through struct
 * mqtt_writer; neither helper family ever touches a byte outside
 * [0, len) or [0, cap).  Encoders validate and size the whole packet
 * before writing anything, so a short buffer leaves it untouched.
 */
#include "mqtt.h"

#include <stdio.h>
#include <string.h>

/* ---- tables -------------------------------------------------------- */

/* One bit per packet type, so a table entry can list where it is legal. */
#define IN(t) ((uint16_t)(1u << (t)))
/* Bit 0 (type 0 is reserved) stands for CONNECT's will properties. */
#define IN_WILL ((uint16_t)1u)
#define IN_ACKS (IN(MQTT_PUBACK) | IN(MQTT_PUBREC) | IN(MQTT_PUBREL) | \
	IN(MQTT_PUBCOMP))

/* Fixed-header flags that are legal for a type; PUBLISH varies. */
#define FLAGS_PUBLISH 0xffu

struct type_def {
	const char *name;
	uint8_t flags;
	bool from_server;	/* brokers may send it */
	bool v5_only;
};

static const struct type_def type_defs[16] = {
	[0] = { "reserved", 0, false, false },
	[MQTT_CONNECT] = { "CONNECT", 0, false, false },
	[MQTT_CONNACK] = { "CONNACK", 0, true, false },
	[MQTT_PUBLISH] = { "PUBLISH", FLAGS_PUBLISH, true, false },
	[MQTT_PUBACK] = { "PUBACK", 0, true, false },
	[MQTT_PUBREC] = { "PUBREC", 0, true, false },
	[MQTT_PUBREL] = { "PUBREL", 0x2, true, false },
	[MQTT_PUBCOMP] = { "PUBCOMP", 0, true, false },
	[MQTT_SUBSCRIBE] = { "SUBSCRIBE", 0x2, false, false },
	[MQTT_SUBACK] = { "SUBACK", 0, true, false },
	[MQTT_UNSUBSCRIBE] = { "UNSUBSCRIBE", 0x2, false, false },
	[MQTT_UNSUBACK] = { "UNSUBACK", 0, true, false },
	[MQTT_PINGREQ] = { "PINGREQ", 0, false, false },
	[MQTT_PINGRESP] = { "PINGRESP", 0, true, false },
	[MQTT_DISCONNECT] = { "DISCONNECT", 0, true, false },
	[MQTT_AUTH] = { "AUTH", 0, true, true },
};

enum prop_type {
	PT_BYTE = 1,
	PT_U16,
	PT_U32,
	PT_VARINT,
	PT_UTF8,
	PT_BINARY,
	PT_PAIR,
};

enum {
	PF_REPEATS = 1,			/* any number of times */
	PF_REPEATS_IN_PUBLISH = 2,	/* several subscriptions can match */
	PF_BOOLEAN = 4,			/* the spec allows only 0 and 1 */
	PF_NONZERO = 8,			/* the spec makes 0 a protocol error */
};

struct prop_def {
	const char *name;	/* NULL: id not defined by MQTT 5.0 */
	uint8_t type;
	uint8_t flags;
	uint16_t where;
};

static const struct prop_def prop_defs[] = {
	[0x01] = { "payload format indicator", PT_BYTE, PF_BOOLEAN,
	    IN_WILL | IN(MQTT_PUBLISH) },
	[0x02] = { "message expiry interval", PT_U32, 0,
	    IN_WILL | IN(MQTT_PUBLISH) },
	[0x03] = { "content type", PT_UTF8, 0, IN_WILL | IN(MQTT_PUBLISH) },
	[0x08] = { "response topic", PT_UTF8, 0, IN_WILL | IN(MQTT_PUBLISH) },
	[0x09] = { "correlation data", PT_BINARY, 0,
	    IN_WILL | IN(MQTT_PUBLISH) },
	[0x0B] = { "subscription identifier", PT_VARINT,
	    PF_REPEATS_IN_PUBLISH | PF_NONZERO,
	    IN(MQTT_PUBLISH) | IN(MQTT_SUBSCRIBE) },
	[0x11] = { "session expiry interval", PT_U32, 0,
	    IN(MQTT_CONNECT) | IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x12] = { "assigned client identifier", PT_UTF8, 0,
	    IN(MQTT_CONNACK) },
	[0x13] = { "server keep alive", PT_U16, 0, IN(MQTT_CONNACK) },
	[0x15] = { "authentication method", PT_UTF8, 0,
	    IN(MQTT_CONNECT) | IN(MQTT_CONNACK) | IN(MQTT_AUTH) },
	[0x16] = { "authentication data", PT_BINARY, 0,
	    IN(MQTT_CONNECT) | IN(MQTT_CONNACK) | IN(MQTT_AUTH) },
	[0x17] = { "request problem information", PT_BYTE, PF_BOOLEAN,
	    IN(MQTT_CONNECT) },
	[0x18] = { "will delay interval", PT_U32, 0, IN_WILL },
	[0x19] = { "request response information", PT_BYTE, PF_BOOLEAN,
	    IN(MQTT_CONNECT) },
	[0x1A] = { "response information", PT_UTF8, 0, IN(MQTT_CONNACK) },
	[0x1C] = { "server reference", PT_UTF8, 0,
	    IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x1F] = { "reason string", PT_UTF8, 0,
	    IN(MQTT_CONNACK) | IN_ACKS | IN(MQTT_SUBACK) |
	    IN(MQTT_UNSUBACK) | IN(MQTT_DISCONNECT) | IN(MQTT_AUTH) },
	[0x21] = { "receive maximum", PT_U16, PF_NONZERO,
	    IN(MQTT_CONNECT) | IN(MQTT_CONNACK) },
	[0x22] = { "topic alias maximum", PT_U16, 0,
	    IN(MQTT_CONNECT) | IN(MQTT_CONNACK) },
	[0x23] = { "topic alias", PT_U16, PF_NONZERO, IN(MQTT_PUBLISH) },
	[0x24] = { "maximum QoS", PT_BYTE, PF_BOOLEAN, IN(MQTT_CONNACK) },
	[0x25] = { "retain available", PT_BYTE, PF_BOOLEAN, IN(MQTT_CONNACK) },
	[0x26] = { "user property", PT_PAIR, PF_REPEATS, 0xfffeu | IN_WILL },
	[0x27] = { "maximum packet size", PT_U32, PF_NONZERO,
	    IN(MQTT_CONNECT) | IN(MQTT_CONNACK) },
	[0x28] = { "wildcard subscription available", PT_BYTE, PF_BOOLEAN,
	    IN(MQTT_CONNACK) },
	[0x29] = { "subscription identifiers available", PT_BYTE, PF_BOOLEAN,
	    IN(MQTT_CONNACK) },
	[0x2A] = { "shared subscription available", PT_BYTE, PF_BOOLEAN,
	    IN(MQTT_CONNACK) },
};

#define NPROPS (sizeof(prop_defs) / sizeof(prop_defs[0]))

struct reason_def {
	const char *name;	/* NULL: code not defined by MQTT 5.0 */
	uint16_t where;
};

/* MQTT 5.0 reason codes and the packets each may appear in. */
static const struct reason_def reason_defs[256] = {
	[0x00] = { "success", IN(MQTT_CONNACK) | IN_ACKS | IN(MQTT_SUBACK) |
	    IN(MQTT_UNSUBACK) | IN(MQTT_DISCONNECT) | IN(MQTT_AUTH) },
	[0x01] = { "granted QoS 1", IN(MQTT_SUBACK) },
	[0x02] = { "granted QoS 2", IN(MQTT_SUBACK) },
	[0x04] = { "disconnect with will message", IN(MQTT_DISCONNECT) },
	[0x10] = { "no matching subscribers",
	    IN(MQTT_PUBACK) | IN(MQTT_PUBREC) },
	[0x11] = { "no subscription existed", IN(MQTT_UNSUBACK) },
	[0x18] = { "continue authentication", IN(MQTT_AUTH) },
	[0x19] = { "re-authenticate", IN(MQTT_AUTH) },
	[0x80] = { "unspecified error", IN(MQTT_CONNACK) | IN(MQTT_PUBACK) |
	    IN(MQTT_PUBREC) | IN(MQTT_SUBACK) | IN(MQTT_UNSUBACK) |
	    IN(MQTT_DISCONNECT) },
	[0x81] = { "malformed packet", IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x82] = { "protocol error", IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x83] = { "implementation specific error", IN(MQTT_CONNACK) |
	    IN(MQTT_PUBACK) | IN(MQTT_PUBREC) | IN(MQTT_SUBACK) |
	    IN(MQTT_UNSUBACK) | IN(MQTT_DISCONNECT) },
	[0x84] = { "unsupported protocol version", IN(MQTT_CONNACK) },
	[0x85] = { "client identifier not valid", IN(MQTT_CONNACK) },
	[0x86] = { "bad user name or password", IN(MQTT_CONNACK) },
	[0x87] = { "not authorized", IN(MQTT_CONNACK) | IN(MQTT_PUBACK) |
	    IN(MQTT_PUBREC) | IN(MQTT_SUBACK) | IN(MQTT_UNSUBACK) |
	    IN(MQTT_DISCONNECT) },
	[0x88] = { "server unavailable", IN(MQTT_CONNACK) },
	[0x89] = { "server busy", IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x8A] = { "banned", IN(MQTT_CONNACK) },
	[0x8B] = { "server shutting down", IN(MQTT_DISCONNECT) },
	[0x8C] = { "bad authentication method",
	    IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x8D] = { "keep alive timeout", IN(MQTT_DISCONNECT) },
	[0x8E] = { "session taken over", IN(MQTT_DISCONNECT) },
	[0x8F] = { "topic filter invalid", IN(MQTT_SUBACK) |
	    IN(MQTT_UNSUBACK) | IN(MQTT_DISCONNECT) },
	[0x90] = { "topic name invalid", IN(MQTT_CONNACK) | IN(MQTT_PUBACK) |
	    IN(MQTT_PUBREC) | IN(MQTT_DISCONNECT) },
	[0x91] = { "packet identifier in use", IN(MQTT_PUBACK) |
	    IN(MQTT_PUBREC) | IN(MQTT_SUBACK) | IN(MQTT_UNSUBACK) },
	[0x92] = { "packet identifier not found",
	    IN(MQTT_PUBREL) | IN(MQTT_PUBCOMP) },
	[0x93] = { "receive maximum exceeded", IN(MQTT_DISCONNECT) },
	[0x94] = { "topic alias invalid", IN(MQTT_DISCONNECT) },
	[0x95] = { "packet too large", IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x96] = { "message rate too high", IN(MQTT_DISCONNECT) },
	[0x97] = { "quota exceeded", IN(MQTT_CONNACK) | IN(MQTT_PUBACK) |
	    IN(MQTT_PUBREC) | IN(MQTT_SUBACK) | IN(MQTT_DISCONNECT) },
	[0x98] = { "administrative action", IN(MQTT_DISCONNECT) },
	[0x99] = { "payload format invalid", IN(MQTT_CONNACK) |
	    IN(MQTT_PUBACK) | IN(MQTT_PUBREC) | IN(MQTT_DISCONNECT) },
	[0x9A] = { "retain not supported",
	    IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x9B] = { "QoS not supported", IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x9C] = { "use another server",
	    IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x9D] = { "server moved", IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0x9E] = { "shared subscriptions not supported",
	    IN(MQTT_SUBACK) | IN(MQTT_DISCONNECT) },
	[0x9F] = { "connection rate exceeded",
	    IN(MQTT_CONNACK) | IN(MQTT_DISCONNECT) },
	[0xA0] = { "maximum connect time", IN(MQTT_DISCONNECT) },
	[0xA1] = { "subscription identifiers not supported",
	    IN(MQTT_SUBACK) | IN(MQTT_DISCONNECT) },
	[0xA2] = { "wildcard subscriptions not supported",
	    IN(MQTT_SUBACK) | IN(MQTT_DISCONNECT) },
};

static const char *const connack311_names[] = {
	"connection accepted",
	"unacceptable protocol version",
	"identifier rejected",
	"server unavailable",
	"bad user name or password",
	"not authorized",
};

/*
 * Compared by address so a truncated read inside the property section
 * can be reported as such rather than as a short packet.
 */
static const char why_truncated[] = "field runs past the end of the packet";

/* ---- small shared helpers ---------------------------------------- */

static int malformed(const char **why, const char *msg)
{
	*why = msg;
	return MQTT_MALFORMED;
}

static bool version_ok(enum mqtt_version v)
{
	return v == MQTT_V31 || v == MQTT_V311 || v == MQTT_V5;
}

/*
 * 3.1 differs from 3.1.1 only in CONNECT (protocol name and level);
 * everything else is coded as 3.1.1, so entry points fold it in here.
 */
static enum mqtt_version wire_version(enum mqtt_version v)
{
	return v == MQTT_V31 ? MQTT_V311 : v;
}

static bool reason_allowed(enum mqtt_type t, uint8_t code)
{
	return reason_defs[code].name != NULL &&
	    (reason_defs[code].where & IN(t)) != 0;
}

static const struct prop_def *prop_lookup(uint8_t id)
{
	if (id >= NPROPS || prop_defs[id].name == NULL)
		return NULL;
	return &prop_defs[id];
}

/*
 * MQTT strings follow RFC 3629 and additionally forbid U+0000, which
 * C-based peers would silently truncate at.  Returns NULL when s is fine.
 */
static const char *utf8_problem(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t b = s[i];
		uint32_t cp, min;
		size_t extra, k;

		if (b == 0)
			return "string contains U+0000";
		if (b < 0x80) {
			i++;
			continue;
		}
		if ((b & 0xe0u) == 0xc0u) {
			extra = 1;
			cp = b & 0x1fu;
			min = 0x80;
		} else if ((b & 0xf0u) == 0xe0u) {
			extra = 2;
			cp = b & 0x0fu;
			min = 0x800;
		} else if ((b & 0xf8u) == 0xf0u) {
			extra = 3;
			cp = b & 0x07u;
			min = 0x10000;
		} else {
			return "string is not well-formed UTF-8";
		}
		if (n - i - 1 < extra)
			return "string ends inside a UTF-8 sequence";
		for (k = 1; k <= extra; k++) {
			uint8_t cb = s[i + k];

			if ((cb & 0xc0u) != 0x80u)
				return "string is not well-formed UTF-8";
			cp = (cp << 6) | (cb & 0x3fu);
		}
		if (cp < min)
			return "string has an overlong UTF-8 encoding";
		if (cp >= 0xd800u && cp <= 0xdfffu)
			return "string contains a UTF-16 surrogate";
		if (cp > 0x10ffffu)
			return "string has a code point beyond U+10FFFF";
		i += 1 + extra;
	}
	return NULL;
}

/* A PUBLISH topic names one topic; wildcards only make sense in filters. */
static bool has_wildcard(const uint8_t *s, size_t n)
{
	/* an empty topic may have no buffer at all, and memchr wants one */
	if (n == 0)
		return false;
	return memchr(s, '+', n) != NULL || memchr(s, '#', n) != NULL;
}

/*
 * Shared by the framer (where running out means "read more") and the
 * property parser (where it means the packet is broken).
 */
static int parse_varint(const uint8_t *p, size_t len, uint32_t *value,
    size_t *used)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < 4; i++) {
		if (i >= len)
			return MQTT_INCOMPLETE;
		v |= (uint32_t)(p[i] & 0x7fu) << (7 * i);
		if ((p[i] & 0x80u) == 0) {
			*value = v;
			*used = i + 1;
			return MQTT_OK;
		}
	}
	return MQTT_MALFORMED;
}

size_t mqtt_varint_size(uint32_t v)
{
	if (v < 128u)
		return 1;
	if (v < 16384u)
		return 2;
	if (v < 2097152u)
		return 3;
	if (v <= MQTT_MAX_REMAINING)
		return 4;
	return 0;
}

int mqtt_frame(const uint8_t *buf, size_t len, size_t max_packet,
    size_t *packet_len)
{
	uint32_t rem;
	size_t used, total;
	int rc;

	if (buf == NULL || len < 2)
		return MQTT_INCOMPLETE;
	rc = parse_varint(buf + 1, len - 1, &rem, &used);
	if (rc != MQTT_OK)
		return rc;
	total = 1 + used + (size_t)rem;
	if (max_packet > 0 && total > max_packet)
		return MQTT_TOO_LARGE;
	if (len < total)
		return MQTT_INCOMPLETE;
	if (packet_len != NULL)
		*packet_len = total;
	return MQTT_OK;
}

/* ---- read cursor -------------------------------------------------- */

static size_t cur_left(const struct mqtt_cursor *c)
{
	return c->len - c->pos;
}

static int get_u8(struct mqtt_cursor *c, uint8_t *v, const char **why)
{
	if (cur_left(c) < 1)
		return malformed(why, why_truncated);
	*v = c->buf[c->pos];
	c->pos += 1;
	return MQTT_OK;
}

static int get_u16(struct mqtt_cursor *c, uint16_t *v, const char **why)
{
	if (cur_left(c) < 2)
		return malformed(why, why_truncated);
	*v = (uint16_t)(((unsigned)c->buf[c->pos] << 8) |
	    (unsigned)c->buf[c->pos + 1]);
	c->pos += 2;
	return MQTT_OK;
}

static int get_u32(struct mqtt_cursor *c, uint32_t *v, const char **why)
{
	const uint8_t *p;

	if (cur_left(c) < 4)
		return malformed(why, why_truncated);
	p = c->buf + c->pos;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
	c->pos += 4;
	return MQTT_OK;
}

static int get_varint(struct mqtt_cursor *c, uint32_t *v, const char **why)
{
	size_t used;
	int rc;

	if (cur_left(c) == 0)
		return malformed(why, why_truncated);
	rc = parse_varint(c->buf + c->pos, cur_left(c), v, &used);
	if (rc == MQTT_INCOMPLETE)
		return malformed(why, why_truncated);
	if (rc != MQTT_OK)
		return malformed(why, "variable byte integer is too long");
	c->pos += used;
	return MQTT_OK;
}

/* Two-byte length then that many bytes, as MQTT strings and binaries are. */
static int get_binary(struct mqtt_cursor *c, struct mqtt_bytes *out,
    const char **why)
{
	uint16_t n;
	int rc;

	rc = get_u16(c, &n, why);
	if (rc != MQTT_OK)
		return rc;
	if (n > cur_left(c))
		return malformed(why, "string length runs past the packet");
	out->data = c->buf + c->pos;
	out->len = n;
	c->pos += n;
	return MQTT_OK;
}

static int get_utf8(struct mqtt_cursor *c, struct mqtt_bytes *out,
    const char **why)
{
	const char *problem;
	int rc;

	rc = get_binary(c, out, why);
	if (rc != MQTT_OK)
		return rc;
	problem = utf8_problem(out->data, out->len);
	if (problem != NULL)
		return malformed(why, problem);
	return MQTT_OK;
}

static int expect_end(const struct mqtt_cursor *c, const char **why)
{
	if (cur_left(c) != 0)
		return malformed(why, "trailing bytes after the last field");
	return MQTT_OK;
}

/* ---- properties ---------------------------------------------------- */

struct prop_value {
	uint32_t num;
	struct mqtt_bytes str;
};

static int get_prop_value(struct mqtt_cursor *c, const struct prop_def *d,
    struct prop_value *val, const char **why)
{
	uint8_t b;
	uint16_t w;
	struct mqtt_bytes second;
	int rc = MQTT_MALFORMED;

	switch (d->type) {
	case PT_BYTE:
		rc = get_u8(c, &b, why);
		val->num = b;
		break;
	case PT_U16:
		rc = get_u16(c, &w, why);
		val->num = w;
		break;
	case PT_U32:
		rc = get_u32(c, &val->num, why);
		break;
	case PT_VARINT:
		rc = get_varint(c, &val->num, why);
		break;
	case PT_UTF8:
		rc = get_utf8(c, &val->str, why);
		break;
	case PT_BINARY:
		rc = get_binary(c, &val->str, why);
		break;
	case PT_PAIR:
		rc = get_utf8(c, &val->str, why);
		if (rc == MQTT_OK)
			rc = get_utf8(c, &second, why);
		break;
	default:
		*why = "unknown property id";
		break;
	}
	return rc;
}

/* Only the properties the probe reports are kept; the rest are checked. */
static void store_prop(struct mqtt_props *p, uint8_t id,
    const struct prop_value *v)
{
	switch (id) {
	case 0x01: p->payload_format = (uint8_t)v->num; break;
	case 0x02: p->message_expiry = v->num; break;
	case 0x03: p->content_type = v->str; break;
	case 0x0B:
		if (!MQTT_PROP_PRESENT(p, id))
			p->subscription_id = v->num;
		break;
	case 0x11: p->session_expiry = v->num; break;
	case 0x12: p->assigned_client_id = v->str; break;
	case 0x13: p->server_keep_alive = (uint16_t)v->num; break;
	case 0x15: p->authentication_method = v->str; break;
	case 0x1A: p->response_information = v->str; break;
	case 0x1C: p->server_reference = v->str; break;
	case 0x1F: p->reason_string = v->str; break;
	case 0x21: p->receive_maximum = (uint16_t)v->num; break;
	case 0x22: p->topic_alias_maximum = (uint16_t)v->num; break;
	case 0x23: p->topic_alias = (uint16_t)v->num; break;
	case 0x24: p->maximum_qos = (uint8_t)v->num; break;
	case 0x25: p->retain_available = (uint8_t)v->num; break;
	case 0x26: p->user_property_count++; break;
	case 0x27: p->maximum_packet_size = v->num; break;
	case 0x28: p->wildcard_sub_available = (uint8_t)v->num; break;
	case 0x29: p->sub_id_available = (uint8_t)v->num; break;
	case 0x2A: p->shared_sub_available = (uint8_t)v->num; break;
	default: break;
	}
	p->present |= 1ull << id;
}

static bool may_repeat(const struct prop_def *d, enum mqtt_type t)
{
	if (d->flags & PF_REPEATS)
		return true;
	return (d->flags & PF_REPEATS_IN_PUBLISH) && t == MQTT_PUBLISH;
}

static int parse_one_prop(struct mqtt_cursor *c, enum mqtt_type t,
    struct mqtt_props *p, const char **why)
{
	const struct prop_def *d;
	struct prop_value val = { 0, { NULL, 0 } };
	uint8_t id;
	int rc;

	rc = get_u8(c, &id, why);
	if (rc != MQTT_OK)
		return rc;
	/* Ids are varints, but every defined one fits in a single byte. */
	d = prop_lookup(id);
	if (d == NULL)
		return malformed(why, "unknown property id");
	if ((d->where & IN(t)) == 0)
		return malformed(why, "property not allowed in this packet type");
	if (MQTT_PROP_PRESENT(p, id) && !may_repeat(d, t))
		return malformed(why, "property appears more than once");
	rc = get_prop_value(c, d, &val, why);
	if (rc != MQTT_OK) {
		if (*why == why_truncated)
			*why = "property runs past the property length";
		return rc;
	}
	if ((d->flags & PF_BOOLEAN) && val.num > 1)
		return malformed(why, "property value must be 0 or 1");
	if ((d->flags & PF_NONZERO) && val.num == 0)
		return malformed(why, "property value must not be 0");
	store_prop(p, id, &val);
	return MQTT_OK;
}

/* Property length, then properties filling exactly that many bytes. */
static int parse_props(struct mqtt_cursor *c, enum mqtt_type t,
    struct mqtt_props *p, const char **why)
{
	struct mqtt_cursor pc;
	uint32_t plen;
	int rc;

	rc = get_varint(c, &plen, why);
	if (rc != MQTT_OK)
		return rc;
	if (plen > cur_left(c))
		return malformed(why, "property length runs past the packet");
	pc.buf = c->buf + c->pos;
	pc.len = plen;
	pc.pos = 0;
	c->pos += plen;
	while (cur_left(&pc) > 0) {
		rc = parse_one_prop(&pc, t, p, why);
		if (rc != MQTT_OK)
			return rc;
	}
	return MQTT_OK;
}

/* ---- per-type decoders -------------------------------------------- */

static int get_packet_id(struct mqtt_cursor *c, uint16_t *id,
    const char **why)
{
	int rc = get_u16(c, id, why);

	if (rc == MQTT_OK && *id == 0)
		return malformed(why, "packet identifier is zero");
	return rc;
}

static int get_reason(struct mqtt_cursor *c, enum mqtt_type t, uint8_t *code,
    const char **why)
{
	int rc = get_u8(c, code, why);

	if (rc == MQTT_OK && !reason_allowed(t, *code))
		return malformed(why, "reason code not allowed in this packet type");
	return rc;
}

static int decode_connack(enum mqtt_version v, struct mqtt_cursor *c,
    struct mqtt_connack *ca, const char **why)
{
	uint8_t flags;
	int rc;

	if (v == MQTT_V311 && c->len != 2)
		return malformed(why, "CONNACK remaining length must be 2");
	rc = get_u8(c, &flags, why);
	if (rc != MQTT_OK)
		return rc;
	if (flags & 0xfeu)
		return malformed(why, "CONNACK flags have reserved bits set");
	ca->session_present = (flags & 0x01u) != 0;
	if (v == MQTT_V311) {
		rc = get_u8(c, &ca->code, why);
		if (rc == MQTT_OK && ca->code > 5)
			return malformed(why, "unknown CONNACK return code");
	} else {
		rc = get_reason(c, MQTT_CONNACK, &ca->code, why);
		if (rc == MQTT_OK)
			rc = parse_props(c, MQTT_CONNACK, &ca->props, why);
	}
	if (rc == MQTT_OK)
		rc = expect_end(c, why);
	if (rc == MQTT_OK && ca->session_present && ca->code != 0)
		return malformed(why, "session present set on a refused connection");
	return rc;
}

static int decode_publish(enum mqtt_version v, uint8_t flags,
    struct mqtt_cursor *c, struct mqtt_publish *p, const char **why)
{
	int rc;

	p->qos = (uint8_t)((flags >> 1) & 0x3u);
	p->dup = (flags & 0x8u) != 0;
	p->retain = (flags & 0x1u) != 0;
	if (p->qos == 3)
		return malformed(why, "PUBLISH QoS 3 is reserved");
	if (p->dup && p->qos == 0)
		return malformed(why, "DUP set on a QoS 0 PUBLISH");
	rc = get_utf8(c, &p->topic, why);
	if (rc != MQTT_OK)
		return rc;
	if (has_wildcard(p->topic.data, p->topic.len))
		return malformed(why, "topic name contains a wildcard");
	if (p->qos > 0) {
		rc = get_packet_id(c, &p->packet_id, why);
		if (rc != MQTT_OK)
			return rc;
	}
	if (v == MQTT_V5) {
		rc = parse_props(c, MQTT_PUBLISH, &p->props, why);
		if (rc != MQTT_OK)
			return rc;
	}
	/* 5.0 lets a topic alias stand in for the name. */
	if (p->topic.len == 0 && !MQTT_PROP_PRESENT(&p->props, 0x23))
		return malformed(why, "topic name is empty");
	p->payload.data = c->buf + c->pos;
	p->payload.len = cur_left(c);
	c->pos = c->len;
	return MQTT_OK;
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP. */
static int decode_ack(enum mqtt_version v, enum mqtt_type t,
    struct mqtt_cursor *c, struct mqtt_ack *a, const char **why)
{
	int rc;

	if (v == MQTT_V311 && c->len != 2)
		return malformed(why, "acknowledgement remaining length must be 2");
	rc = get_packet_id(c, &a->packet_id, why);
	/* 5.0 drops the reason code and properties when they are defaults. */
	if (rc == MQTT_OK && v == MQTT_V5 && cur_left(c) > 0)
		rc = get_reason(c, t, &a->reason, why);
	if (rc == MQTT_OK && v == MQTT_V5 && cur_left(c) > 0)
		rc = parse_props(c, t, &a->props, why);
	if (rc == MQTT_OK)
		rc = expect_end(c, why);
	return rc;
}

static bool suback_code_ok(enum mqtt_version v, uint8_t code)
{
	if (v == MQTT_V311)
		return code <= 2 || code == 0x80;
	return reason_allowed(MQTT_SUBACK, code);
}

static int decode_suback(enum mqtt_version v, struct mqtt_cursor *c,
    struct mqtt_suback *s, const char **why)
{
	int rc;

	rc = get_packet_id(c, &s->packet_id, why);
	if (rc == MQTT_OK && v == MQTT_V5)
		rc = parse_props(c, MQTT_SUBACK, &s->props, why);
	if (rc != MQTT_OK)
		return rc;
	if (cur_left(c) == 0)
		return malformed(why, "SUBACK carries no return codes");
	while (cur_left(c) > 0) {
		uint8_t code = c->buf[c->pos];

		c->pos++;
		if (!suback_code_ok(v, code))
			return malformed(why, "SUBACK code is not allowed");
		if (s->ncodes < MQTT_SUBACK_MAX_CODES)
			s->codes[s->ncodes] = code;
		s->ncodes++;
	}
	return MQTT_OK;
}

/* UNSUBACK reuses struct mqtt_ack: reason is the first 5.0 code. */
static int decode_unsuback(enum mqtt_version v, struct mqtt_cursor *c,
    struct mqtt_ack *a, const char **why)
{
	bool first = true;
	int rc;

	if (v == MQTT_V311 && c->len != 2)
		return malformed(why, "UNSUBACK remaining length must be 2");
	rc = get_packet_id(c, &a->packet_id, why);
	if (rc == MQTT_OK && v == MQTT_V5)
		rc = parse_props(c, MQTT_UNSUBACK, &a->props, why);
	while (rc == MQTT_OK && cur_left(c) > 0) {
		uint8_t code;

		rc = get_reason(c, MQTT_UNSUBACK, &code, why);
		if (rc == MQTT_OK && first)
			a->reason = code;
		first = false;
	}
	return rc;
}

/* DISCONNECT and AUTH share a shape: optional reason, optional props. */
static int decode_disconnect(enum mqtt_version v, enum mqtt_type t,
    struct mqtt_cursor *c, struct mqtt_disconnect *d, const char **why)
{
	int rc = MQTT_OK;

	if (v == MQTT_V311) {
		if (c->len != 0)
			return malformed(why, "3.1.1 DISCONNECT must have no body");
		return MQTT_OK;
	}
	if (t == MQTT_AUTH && c->len == 1)
		return malformed(why, "AUTH reason code without property length");
	if (cur_left(c) > 0)
		rc = get_reason(c, t, &d->reason, why);
	if (rc == MQTT_OK && cur_left(c) > 0)
		rc = parse_props(c, t, &d->props, why);
	if (rc == MQTT_OK)
		rc = expect_end(c, why);
	return rc;
}

static int decode_body(enum mqtt_version v, struct mqtt_cursor *c,
    struct mqtt_packet *out, const char **why)
{
	switch (out->type) {
	case MQTT_CONNACK:
		return decode_connack(v, c, &out->u.connack, why);
	case MQTT_PUBLISH:
		return decode_publish(v, out->flags, c, &out->u.publish, why);
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		return decode_ack(v, out->type, c, &out->u.ack, why);
	case MQTT_SUBACK:
		return decode_suback(v, c, &out->u.suback, why);
	case MQTT_UNSUBACK:
		return decode_unsuback(v, c, &out->u.ack, why);
	case MQTT_PINGRESP:
		if (c->len != 0)
			return malformed(why, "PINGRESP must have no body");
		return MQTT_OK;
	case MQTT_DISCONNECT:
	case MQTT_AUTH:
		return decode_disconnect(v, out->type, c, &out->u.disconnect,
		    why);
	default:
		return malformed(why, "a client-only packet type");
	}
}

/* Type and flags, from the table, before any of the body is looked at. */
static int check_type(enum mqtt_version v, uint8_t type, uint8_t flags,
    const char **why)
{
	const struct type_def *td = &type_defs[type];

	if (type == 0 || (td->v5_only && v != MQTT_V5))
		return malformed(why, "reserved packet type");
	if (!td->from_server)
		return malformed(why, "a client-only packet type");
	if (td->flags != FLAGS_PUBLISH && flags != td->flags)
		return malformed(why, "fixed header flags are invalid for this type");
	return MQTT_OK;
}

int mqtt_decode(enum mqtt_version v, const uint8_t *pkt, size_t len,
    struct mqtt_packet *out, const char **why)
{
	const char *w = NULL;
	struct mqtt_cursor c;
	uint32_t rem = 0;
	size_t used = 0;
	int rc;

	if (out == NULL)
		return MQTT_MALFORMED;
	memset(out, 0, sizeof(*out));
	v = wire_version(v);
	if (!version_ok(v)) {
		rc = malformed(&w, "unsupported protocol version");
	} else if (pkt == NULL || len < 2) {
		rc = malformed(&w, "packet is shorter than a fixed header");
	} else {
		rc = parse_varint(pkt + 1, len - 1, &rem, &used);
		if (rc == MQTT_INCOMPLETE)
			rc = malformed(&w, "packet ends inside the remaining length");
		else if (rc != MQTT_OK)
			rc = malformed(&w, "remaining length is too long");
		else if ((size_t)rem != len - 1 - used)
			rc = malformed(&w, "remaining length does not match the packet");
	}
	if (rc == MQTT_OK) {
		out->type = (enum mqtt_type)(pkt[0] >> 4);
		out->flags = (uint8_t)(pkt[0] & 0x0fu);
		out->remaining = rem;
		rc = check_type(v, (uint8_t)out->type, out->flags, &w);
	}
	if (rc == MQTT_OK) {
		c.buf = pkt + 1 + used;
		c.len = rem;
		c.pos = 0;
		rc = decode_body(v, &c, out, &w);
	}
	if (why != NULL)
		*why = rc == MQTT_OK ? NULL : w;
	return rc;
}

/* ---- write cursor -------------------------------------------------- */

static bool put_raw(struct mqtt_writer *w, const uint8_t *src, size_t n)
{
	if (w->cap - w->pos < n)
		return false;
	if (n > 0)
		memcpy(w->buf + w->pos, src, n);
	w->pos += n;
	return true;
}

static bool put_u8(struct mqtt_writer *w, uint8_t v)
{
	return put_raw(w, &v, 1);
}

static bool put_u16(struct mqtt_writer *w, uint16_t v)
{
	uint8_t b[2];

	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)(v & 0xffu);
	return put_raw(w, b, 2);
}

static bool put_u32(struct mqtt_writer *w, uint32_t v)
{
	uint8_t b[4];

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)((v >> 16) & 0xffu);
	b[2] = (uint8_t)((v >> 8) & 0xffu);
	b[3] = (uint8_t)(v & 0xffu);
	return put_raw(w, b, 4);
}

static bool put_varint(struct mqtt_writer *w, uint32_t v)
{
	uint8_t b[4];
	size_t n = 0;

	do {
		b[n] = (uint8_t)(v & 0x7fu);
		v >>= 7;
		if (v > 0)
			b[n] |= 0x80u;
		n++;
	} while (v > 0 && n < 4);
	return v == 0 && put_raw(w, b, n);
}

/* Callers have already checked n <= 65535. */
static bool put_binary(struct mqtt_writer *w, const void *data, size_t n)
{
	return put_u16(w, (uint16_t)n) && put_raw(w, data, n);
}

/* ---- encoders ------------------------------------------------------ */

/* Whole-packet size for a remaining length, or 0 if it cannot be sent. */
static size_t packet_size(size_t rem)
{
	if (rem > MQTT_MAX_REMAINING)
		return 0;
	return 1 + mqtt_varint_size((uint32_t)rem) + rem;
}

static int check_utf8_field(const uint8_t *s, size_t n)
{
	if (n > 65535)
		return MQTT_TOO_LARGE;
	if (utf8_problem(s, n) != NULL)
		return MQTT_MALFORMED;
	return MQTT_OK;
}

static int check_cstr(const char *s, size_t *n)
{
	*n = strlen(s);
	return check_utf8_field((const uint8_t *)s, *n);
}

/*
 * Every encoder starts here: refusing before the first byte is written
 * means a short buffer is never left half overwritten.
 */
static int begin(size_t rem, uint8_t first, uint8_t *buf, size_t cap,
    struct mqtt_writer *w)
{
	size_t total = packet_size(rem);

	if (total == 0)
		return MQTT_TOO_LARGE;
	if (buf == NULL || cap < total)
		return MQTT_NOSPACE;
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	if (!put_u8(w, first) || !put_varint(w, (uint32_t)rem))
		return MQTT_NOSPACE;
	return MQTT_OK;
}

static int finish(bool ok, const struct mqtt_writer *w, size_t rem,
    size_t *written)
{
	if (!ok || w->pos != packet_size(rem))
		return MQTT_NOSPACE;
	if (written != NULL)
		*written = w->pos;
	return MQTT_OK;
}

static const char *nullable_empty(const char *s)
{
	return s != NULL ? s : "";
}

static size_t connect_props_len(const struct mqtt_connect *c)
{
	return c->session_expiry != 0 ? 5 : 0;
}

/* 3.1 names the protocol "MQIsdp" at level 3; later versions "MQTT". */
static const char *connect_protocol_name(enum mqtt_version v)
{
	return v == MQTT_V31 ? "MQIsdp" : "MQTT";
}

static int connect_rem(const struct mqtt_connect *c, size_t *rem)
{
	size_t idlen, userlen = 0, willlen = 0;
	int rc;

	if (c == NULL || !version_ok(c->version))
		return MQTT_MALFORMED;
	/* 3.1.1 ties the password flag to the user name flag. */
	if (wire_version(c->version) == MQTT_V311 && c->password != NULL &&
	    c->username == NULL)
		return MQTT_MALFORMED;
	rc = check_cstr(nullable_empty(c->client_id), &idlen);
	if (rc == MQTT_OK && c->username != NULL)
		rc = check_cstr(c->username, &userlen);
	if (rc == MQTT_OK && c->will_topic != NULL)
		rc = check_cstr(c->will_topic, &willlen);
	if (rc != MQTT_OK)
		return rc;
	if (c->password != NULL && c->password_len > 65535)
		return MQTT_TOO_LARGE;
	if (c->will_topic != NULL && (willlen == 0 || c->will_qos > 2 ||
	    (c->will_payload.data == NULL && c->will_payload.len > 0) ||
	    has_wildcard((const uint8_t *)c->will_topic, willlen)))
		return MQTT_MALFORMED;
	if (c->will_topic != NULL && c->will_payload.len > 65535)
		return MQTT_TOO_LARGE;
	/* Protocol name, level, flags, keep alive. */
	*rem = 2 + strlen(connect_protocol_name(c->version)) + 1 + 1 + 2 +
	    2 + idlen;
	if (c->version == MQTT_V5)
		*rem += 1 + connect_props_len(c);
	/* will properties (5.0: none), topic, payload */
	if (c->will_topic != NULL)
		*rem += (c->version == MQTT_V5 ? 1 : 0) + 2 + willlen + 2 +
		    c->will_payload.len;
	if (c->username != NULL)
		*rem += 2 + userlen;
	if (c->password != NULL)
		*rem += 2 + c->password_len;
	return MQTT_OK;
}

size_t mqtt_connect_size(const struct mqtt_connect *c)
{
	size_t rem;

	if (connect_rem(c, &rem) != MQTT_OK)
		return 0;
	return packet_size(rem);
}

static uint8_t connect_flags(const struct mqtt_connect *c)
{
	uint8_t f = 0;

	if (c->username != NULL)
		f |= 0x80u;
	if (c->password != NULL)
		f |= 0x40u;
	if (c->clean)
		f |= 0x02u;
	if (c->will_topic != NULL)
		f |= (uint8_t)(0x04u | ((unsigned)c->will_qos << 3) |
		    (c->will_retain ? 0x20u : 0u));
	return f;
}

int mqtt_connect_encode(const struct mqtt_connect *c, uint8_t *buf,
    size_t cap, size_t *written)
{
	const char *name = connect_protocol_name(c != NULL ? c->version :
	    MQTT_V311);
	const char *id;
	struct mqtt_writer w;
	size_t rem;
	bool ok;
	int rc;

	rc = connect_rem(c, &rem);
	if (rc == MQTT_OK)
		rc = begin(rem, 0x10, buf, cap, &w);
	if (rc != MQTT_OK)
		return rc;
	ok = put_binary(&w, name, strlen(name)) &&
	    put_u8(&w, (uint8_t)c->version) &&
	    put_u8(&w, connect_flags(c)) && put_u16(&w, c->keepalive);
	if (ok && c->version == MQTT_V5) {
		ok = put_varint(&w, (uint32_t)connect_props_len(c));
		if (ok && c->session_expiry != 0)
			ok = put_u8(&w, 0x11) && put_u32(&w, c->session_expiry);
	}
	id = nullable_empty(c->client_id);
	ok = ok && put_binary(&w, id, strlen(id));
	if (ok && c->will_topic != NULL) {
		if (c->version == MQTT_V5)
			ok = put_varint(&w, 0);
		ok = ok && put_binary(&w, c->will_topic, strlen(c->will_topic)) &&
		    put_binary(&w, c->will_payload.data, c->will_payload.len);
	}
	if (ok && c->username != NULL)
		ok = put_binary(&w, c->username, strlen(c->username));
	if (ok && c->password != NULL)
		ok = put_binary(&w, c->password, c->password_len);
	return finish(ok, &w, rem, written);
}

/* 5.0: a subscription identifier when one is asked for. */
static size_t subscribe_props_len(const struct mqtt_subscribe *s)
{
	return s->sub_id != 0 ? 1 + mqtt_varint_size(s->sub_id) : 0;
}

static int subscribe_rem(enum mqtt_version v, const struct mqtt_subscribe *s,
    size_t *rem)
{
	size_t tlen;
	int rc;

	if (s == NULL || !version_ok(v) || s->topic == NULL || s->qos > 2 ||
	    s->packet_id == 0)
		return MQTT_MALFORMED;
	rc = check_cstr(s->topic, &tlen);
	if (rc != MQTT_OK)
		return rc;
	if (tlen == 0 || s->sub_id > MQTT_MAX_REMAINING)
		return MQTT_MALFORMED;
	*rem = 2 + (v == MQTT_V5 ? 1 + subscribe_props_len(s) : 0) + 2 +
	    tlen + 1;
	return MQTT_OK;
}

size_t mqtt_subscribe_size(enum mqtt_version v, const struct mqtt_subscribe *s)
{
	size_t rem;

	if (subscribe_rem(v, s, &rem) != MQTT_OK)
		return 0;
	return packet_size(rem);
}

int mqtt_subscribe_encode(enum mqtt_version v, const struct mqtt_subscribe *s,
    uint8_t *buf, size_t cap, size_t *written)
{
	struct mqtt_writer w;
	size_t rem;
	bool ok;
	int rc;

	rc = subscribe_rem(v, s, &rem);
	if (rc == MQTT_OK)
		rc = begin(rem, 0x82, buf, cap, &w);
	if (rc != MQTT_OK)
		return rc;
	ok = put_u16(&w, s->packet_id);
	if (ok && v == MQTT_V5) {
		ok = put_varint(&w, (uint32_t)subscribe_props_len(s));
		if (ok && s->sub_id != 0)
			ok = put_u8(&w, 0x0b) && put_varint(&w, s->sub_id);
	}
	ok = ok && put_binary(&w, s->topic, strlen(s->topic)) &&
	    put_u8(&w, s->qos);
	return finish(ok, &w, rem, written);
}

/* The topic alias to send (5.0, props.topic_alias when present), or 0. */
static uint16_t publish_alias(enum mqtt_version v, const struct mqtt_publish *p)
{
	if (v != MQTT_V5 || !MQTT_PROP_PRESENT(&p->props, 0x23))
		return 0;
	return p->props.topic_alias;
}

static int publish_rem(enum mqtt_version v, const struct mqtt_publish *p,
    size_t *rem)
{
	size_t head;
	int rc;

	if (p == NULL || !version_ok(v) || p->qos > 2 ||
	    (p->dup && p->qos == 0) || (p->qos > 0 && p->packet_id == 0))
		return MQTT_MALFORMED;
	/* Without a topic alias (5.0) the name itself is required. */
	if (publish_alias(v, p) == 0 && p->topic.len == 0)
		return MQTT_MALFORMED;
	if ((p->topic.data == NULL && p->topic.len > 0) ||
	    (p->payload.data == NULL && p->payload.len > 0))
		return MQTT_MALFORMED;
	rc = check_utf8_field(p->topic.data, p->topic.len);
	if (rc != MQTT_OK)
		return rc;
	if (has_wildcard(p->topic.data, p->topic.len))
		return MQTT_MALFORMED;
	head = 2 + p->topic.len + (p->qos > 0 ? 2 : 0) +
	    (v == MQTT_V5 ? 1 + (publish_alias(v, p) != 0 ? 3 : 0) : 0);
	if (p->payload.len > MQTT_MAX_REMAINING - head)
		return MQTT_TOO_LARGE;
	*rem = head + p->payload.len;
	return MQTT_OK;
}

size_t mqtt_publish_size(enum mqtt_version v, const struct mqtt_publish *p)
{
	size_t rem;

	if (publish_rem(v, p, &rem) != MQTT_OK)
		return 0;
	return packet_size(rem);
}

int mqtt_publish_encode(enum mqtt_version v, const struct mqtt_publish *p,
    uint8_t *buf, size_t cap, size_t *written)
{
	struct mqtt_writer w;
	size_t rem;
	uint8_t first;
	bool ok;
	int rc;

	rc = publish_rem(v, p, &rem);
	if (rc != MQTT_OK)
		return rc;
	first = (uint8_t)(0x30u | (p->dup ? 0x08u : 0u) |
	    ((unsigned)p->qos << 1) | (p->retain ? 0x01u : 0u));
	rc = begin(rem, first, buf, cap, &w);
	if (rc != MQTT_OK)
		return rc;
	ok = put_binary(&w, p->topic.data, p->topic.len);
	if (ok && p->qos > 0)
		ok = put_u16(&w, p->packet_id);
	if (ok && v == MQTT_V5) {
		uint16_t alias = publish_alias(v, p);

		ok = put_varint(&w, alias != 0 ? 3 : 0);
		if (ok && alias != 0)
			ok = put_u8(&w, 0x23) && put_u16(&w, alias);
	}
	ok = ok && put_raw(&w, p->payload.data, p->payload.len);
	return finish(ok, &w, rem, written);
}

static bool is_ack_type(enum mqtt_type t)
{
	return t == MQTT_PUBACK || t == MQTT_PUBREC || t == MQTT_PUBREL ||
	    t == MQTT_PUBCOMP;
}

static int ack_rem(enum mqtt_version v, enum mqtt_type t,
    const struct mqtt_ack *a, size_t *rem)
{
	if (a == NULL || !version_ok(v) || !is_ack_type(t) || a->packet_id == 0)
		return MQTT_MALFORMED;
	if (wire_version(v) == MQTT_V311 || a->reason == 0) {
		*rem = 2;
		return MQTT_OK;
	}
	if (!reason_allowed(t, a->reason))
		return MQTT_MALFORMED;
	*rem = 3;
	return MQTT_OK;
}

size_t mqtt_ack_size(enum mqtt_version v, enum mqtt_type type,
    const struct mqtt_ack *a)
{
	size_t rem;

	if (ack_rem(v, type, a, &rem) != MQTT_OK)
		return 0;
	return packet_size(rem);
}

int mqtt_ack_encode(enum mqtt_version v, enum mqtt_type type,
    const struct mqtt_ack *a, uint8_t *buf, size_t cap, size_t *written)
{
	struct mqtt_writer w;
	size_t rem;
	uint8_t first;
	bool ok;
	int rc;

	rc = ack_rem(v, type, a, &rem);
	if (rc != MQTT_OK)
		return rc;
	first = (uint8_t)(((unsigned)type << 4) | type_defs[type].flags);
	rc = begin(rem, first, buf, cap, &w);
	if (rc != MQTT_OK)
		return rc;
	ok = put_u16(&w, a->packet_id);
	if (ok && rem == 3)
		ok = put_u8(&w, a->reason);
	return finish(ok, &w, rem, written);
}

size_t mqtt_disconnect_size(enum mqtt_version v)
{
	return version_ok(v) ? packet_size(0) : 0;
}

/* 5.0 reads an empty DISCONNECT as reason 0x00, normal disconnection. */
int mqtt_disconnect_encode(enum mqtt_version v, uint8_t *buf, size_t cap,
    size_t *written)
{
	struct mqtt_writer w;
	int rc;

	if (!version_ok(v))
		return MQTT_MALFORMED;
	rc = begin(0, 0xe0, buf, cap, &w);
	if (rc != MQTT_OK)
		return rc;
	return finish(true, &w, 0, written);
}

int mqtt_pingreq_encode(uint8_t *buf, size_t cap, size_t *written)
{
	struct mqtt_writer w;
	int rc;

	rc = begin(0, 0xc0, buf, cap, &w);
	if (rc != MQTT_OK)
		return rc;
	return finish(true, &w, 0, written);
}

/* ---- names --------------------------------------------------------- */

const char *mqtt_type_name(enum mqtt_type t)
{
	if ((unsigned)t > 15)
		return "reserved";
	return type_defs[t].name;
}

const char *mqtt_connack311_name(uint8_t code)
{
	if (code >= sizeof(connack311_names) / sizeof(connack311_names[0]))
		return "unknown return code";
	return connack311_names[code];
}

const char *mqtt_reason_name(uint8_t code)
{
	if (reason_defs[code].name == NULL)
		return "unknown reason code";
	return reason_defs[code].name;
}

const char *mqtt_suback_name(enum mqtt_version v, uint8_t code)
{
	if (code == 0)
		return "granted QoS 0";
	if (wire_version(v) == MQTT_V311) {
		if (code == 0x80)
			return "failure";
		if (code > 2)
			return "unknown return code";
	} else if (!reason_allowed(MQTT_SUBACK, code)) {
		return "unknown reason code";
	}
	return mqtt_reason_name(code);
}

const char *mqtt_prop_name(uint8_t id)
{
	const struct prop_def *d = prop_lookup(id);

	return d != NULL ? d->name : NULL;
}

/* --- description, for traces ------------------------------------------ */

/*
 * One line naming a decoded packet's fields.  Strings from the broker are
 * copied as they are (bounded): renderers escape what they print.
 */
void
mqtt_describe(enum mqtt_version v, const struct mqtt_packet *p, char *buf,
    size_t len)
{
	const char *name = mqtt_type_name(p->type);

	switch (p->type) {
	case MQTT_CONNACK:
		snprintf(buf, len, "%s session_present=%d code=0x%02x (%s)",
		    name, p->u.connack.session_present ? 1 : 0,
		    p->u.connack.code, v == MQTT_V5 ?
		    mqtt_reason_name(p->u.connack.code) :
		    mqtt_connack311_name(p->u.connack.code));
		break;
	case MQTT_PUBLISH:
		snprintf(buf, len, "%s dup=%d qos=%u retain=%d id=%u "
		    "topic='%.*s' payload=%zu bytes", name,
		    p->u.publish.dup ? 1 : 0, p->u.publish.qos,
		    p->u.publish.retain ? 1 : 0, p->u.publish.packet_id,
		    (int)(p->u.publish.topic.len > 200 ? 200 :
		    p->u.publish.topic.len),
		    (const char *)p->u.publish.topic.data,
		    p->u.publish.payload.len);
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
	case MQTT_UNSUBACK:
		snprintf(buf, len, "%s id=%u reason=0x%02x (%s)", name,
		    p->u.ack.packet_id, p->u.ack.reason,
		    mqtt_reason_name(p->u.ack.reason));
		break;
	case MQTT_SUBACK:
		snprintf(buf, len, "%s id=%u codes=%zu first=0x%02x (%s)", name,
		    p->u.suback.packet_id, p->u.suback.ncodes,
		    p->u.suback.ncodes > 0 ? p->u.suback.codes[0] : 0,
		    p->u.suback.ncodes > 0 ? mqtt_suback_name(v,
		    p->u.suback.codes[0]) : "none");
		break;
	case MQTT_DISCONNECT:
	case MQTT_AUTH:
		snprintf(buf, len, "%s reason=0x%02x (%s)", name,
		    p->u.disconnect.reason,
		    mqtt_reason_name(p->u.disconnect.reason));
		break;
	default:
		snprintf(buf, len, "%s flags=0x%x remaining=%zu", name,
		    p->flags, p->remaining);
		break;
	}
}
