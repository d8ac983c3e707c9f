/*
 * session.h: MQTT sessions for the capability experiments (caps.c).
 *
 * A session is one more connection made exactly as the probe made its
 * own (engine_open: the same layers, the same CONNECT code), with a few
 * settings changed: client id, clean session or session expiry, will,
 * keep-alive, MQTT version.  Its steps go into a scratch report, not the
 * probe's: the experiments record what they conclude themselves.
 * Every wait has a deadline, every read is bounded (engine_read), and
 * what a broker can make a session keep (messages received) is a small
 * fixed ring.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "mqtt.h"

/* What differs from the probe's own connection. */
struct session_settings {
	int mqtt_version;		/* 0: the probe's */
	const char *client_id;		/* NULL: the probe's */
	bool keep_session;		/* Clean Session / Clean Start 0 */
	uint32_t session_expiry;	/* 5.0 */
	int keepalive;			/* -1: the probe's */
	const char *will_topic;		/* NULL: none */
	const char *will_payload;
	unsigned will_qos;
	/* --trace: told of every MQTT packet the session sends or reads
	 * (now is monotonic); NULL: nobody asks */
	void (*trace)(void *ctx, uint64_t now, enum report_dir dir,
	    size_t size, const char *text);
	void *trace_ctx;
};

/* How opening went. */
struct session_outcome {
	bool connected;			/* CONNACK accepted */
	bool connack;			/* a CONNACK arrived (maybe refusing) */
	uint8_t code;			/* its return or reason code */
	bool session_present;
	struct mqtt_props props;	/* 5.0 CONNACK (strings dropped) */
	int failed_step;		/* 0 when connected */
	enum report_cause cause;
	char reason[REPORT_TEXT_MAX];	/* the failed step's reason */
};

/* A message the broker delivered (topics cut at 255 bytes, len kept). */
#define SESSION_TOPIC_MAX 256
#define SESSION_INBOX 16
struct session_msg {
	char topic[SESSION_TOPIC_MAX];
	size_t topic_len;
	uint8_t qos;
	bool retain;
	bool has_sub_id;
	uint32_t sub_id;
	size_t payload_len;
	char payload[64];		/* first bytes, NUL-terminated */
};

/* An acknowledgement or other answer waited for. */
struct session_reply {
	enum mqtt_type type;
	uint16_t id;
	uint8_t code;			/* SUBACK's first code, an ack's reason */
};

struct session;

/* Open a session; NULL when it did not connect (out says why). */
struct session *session_open(const struct engine_config *base,
    const struct engine_io *io, const struct session_settings *set,
    uint64_t deadline, struct session_outcome *out);
/* DISCONNECT first when polite, else just drop the connection (a will
 * is then published); frees s. */
void session_close(struct session *s, bool polite);

int session_version(const struct session *s);
uint64_t session_now(const struct session *s);

int session_publish(struct session *s, const char *topic, size_t topic_len,
    const void *payload, size_t len, unsigned qos, bool retain,
    uint16_t alias, uint16_t *id, struct io_error *err);
int session_subscribe(struct session *s, const char *filter, unsigned qos,
    uint32_t sub_id, uint16_t *id, struct io_error *err);
int session_ping(struct session *s, struct io_error *err);
/* An acknowledgement of ours (PUBREL to go on with a QoS 2 flow). */
int session_ack(struct session *s, enum mqtt_type type, uint16_t id,
    struct io_error *err);

/*
 * Read until a packet of type want (with packet id id, when not 0)
 * arrives or the deadline passes.  On the way, PUBLISHes are
 * acknowledged and kept in the inbox and PUBRELs answered.  1: got it
 * (reply filled), 0: the broker closed, cleanly or not (err says how: a
 * DISCONNECT's reason, a reset), -1: err (CAUSE_TIMEOUT at the
 * deadline, a malformed packet).
 */
int session_wait(struct session *s, enum mqtt_type want, uint16_t id,
    uint64_t deadline, struct session_reply *reply, struct io_error *err);
/* Wait for a message on topic (exactly) into msg, from the inbox first;
 * the same returns as session_wait. */
int session_wait_msg(struct session *s, const char *topic, uint64_t deadline,
    struct session_msg *msg, struct io_error *err);
/* A whole QoS flow: PUBLISH, then PUBACK or PUBREC/PUBREL/PUBCOMP. */
int session_publish_flow(struct session *s, const char *topic,
    const void *payload, size_t len, unsigned qos, bool retain,
    uint64_t deadline, struct session_reply *reply, struct io_error *err);

#endif
