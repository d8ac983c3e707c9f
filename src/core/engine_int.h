/*
 * engine_int.h: the engine's connection, shared by engine.c (the probe)
 * and session.c (the connections of the capability experiments), so
 * that both reach the broker through one code path.  Nothing outside
 * src/core includes this.
 */
#ifndef ENGINE_INT_H
#define ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "mqtt.h"

/* Largest packet we accept from a broker: far above what a probe needs,
 * low enough that a hostile length cannot make us allocate much. */
#define ENGINE_MAX_PACKET (1u << 20)
/* TCP, TLS, WebSocket */
#define ENGINE_MAX_LAYERS 3

struct engine {
	const struct engine_config *cfg;
	const struct engine_io *io;
	struct report *r;
	uint64_t deadline;
	bool stop;			/* --steps reached inside the handshake */
	bool quit;			/* the user stopped the walk at a hold */
	bool session;			/* CONNACK accepted: pings keep it */
	bool ping_lost;			/* a keep-alive ping failed: no more */
	uint64_t hold_mark;		/* a hold's time counted up to here */
	int fd;
	struct tls_session *tls;
	/* the byte streams under MQTT, bottom (TCP) first; MQTT talks to
	 * the top one and knows nothing of what is below */
	struct probe_stream stack[ENGINE_MAX_LAYERS];
	int depth;
	uint8_t *buf;			/* bytes received, not yet consumed */
	size_t len, cap;
	uint16_t next_id;
	struct mqtt_connack connack;	/* step 7's, without its strings */
	int sys_errno;			/* of the failure, for hints.c */
};

/* Steps 1 to 7 (up to cfg->steps) into e->r; true if all succeeded. */
bool engine_open(struct engine *e);
/* Close every layer (close_notify, WebSocket close) and free. */
void engine_close(struct engine *e);
/* DISCONNECT, recorded as a packet. */
void engine_goodbye(struct engine *e);

uint64_t engine_now(const struct engine *e);
/* Send len bytes through the top layer, by e->deadline. */
int engine_send(struct engine *e, const uint8_t *pkt, size_t len,
    struct io_error *err);
/* Read one whole packet (by e->deadline) into e->buf and decode it: its
 * size (to engine_consume once handled), 0 on close, -1 with err. */
long engine_read(struct engine *e, struct mqtt_packet *pkt,
    struct io_error *err);
void engine_consume(struct engine *e, size_t n);
/* Record an MQTT packet as an event (secret_len trailing bytes masked). */
void engine_packet(struct engine *e, enum report_dir dir, const uint8_t *pkt,
    size_t len, size_t secret_len, const char *text);
int engine_send_ack(struct engine *e, enum mqtt_type type, uint16_t id,
    struct io_error *err);
uint16_t engine_packet_id(struct engine *e);

#endif
